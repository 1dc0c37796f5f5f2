# A stand-in for the credential endpoints of AWS's chain (IMDSv2, the container credentials
# endpoint, STS AssumeRoleWithWebIdentity), for the credential chain tests. Writes its port to
# the file named by argv[1].
import http.server, json, socketserver, sys

CREDS = {"AccessKeyId": "ASIASTANDIN", "SecretAccessKey": "standin-secret", "Token": "standin-token",
         "SessionToken": "standin-token", "Expiration": "2030-01-01T00:00:00Z"}

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(200, "imds-session-token", "text/plain")
        self.reply(404, "")

    def do_GET(self):
        if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                return self.reply(401, "")  # IMDSv2 only
            role = self.path.rsplit("/", 1)[1]
            return self.reply(200, "node-role", "text/plain") if role == "" else self.reply(200, json.dumps(CREDS))
        if self.path == "/container-credentials":
            if self.headers.get("Authorization") != "container-auth-token":
                return self.reply(403, "")
            return self.reply(200, json.dumps(CREDS))
        self.reply(404, "")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if "Action=AssumeRoleWithWebIdentity" in body and "WebIdentityToken=projected-token" in body and "Authorization" not in self.headers:
            xml = ("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                   "<AccessKeyId>ASIAWEBIDENTITY</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey>"
                   "<SessionToken>web-token</SessionToken></Credentials></AssumeRoleWithWebIdentityResult>"
                   "</AssumeRoleWithWebIdentityResponse>")
            return self.reply(200, xml, "text/xml")
        self.reply(400, "")

socketserver.TCPServer.allow_reuse_address = True
with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as server:
    open(sys.argv[1], "w").write(str(server.server_address[1]))
    server.serve_forever()
