# A stand-in AWS endpoint for `bulkhead aws scan` tests. argv[1] is the mode, argv[2] the file to
# write the port to. STS GetCallerIdentity answers (account 333333333333) except in mode hang-all;
# every other call answers an HTML error page (mode html, as moto does for APIs it does not
# implement) or never answers (modes hang and hang-all).
import http.server, socketserver, sys, time

MODE = sys.argv[1]

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_one(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if MODE != "hang-all" and "GetCallerIdentity" in body:
            return self.reply(200, b"<GetCallerIdentityResponse><GetCallerIdentityResult><Account>333333333333</Account>"
                                   b"</GetCallerIdentityResult></GetCallerIdentityResponse>")
        if MODE == "html":
            return self.reply(500, b"<!DOCTYPE html><html><body>Not implemented</body></html>")
        time.sleep(3600)

    do_GET = do_POST = do_PUT = handle_one

socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as server:
    open(sys.argv[2], "w").write(str(server.server_address[1]))
    server.serve_forever()
