#!/usr/bin/env python3
"""Soak and faults for the admission webhook (bench/soak.sh runs it for 10 minutes; a test runs it for 60 s).

A real `bulkhead admit serve` on a loopback port, over TLS, gets for the whole run:
  - good AdmissionReviews at a constant rate (wrk with bench/admission.lua's pacing);
  - its certificate replaced every --rotate seconds (new files renamed into place, as a mounted Secret
    changes) and its policy rewritten every --reload seconds (baseline ↔ restricted);
  - --slowloris connections that complete TLS and then dribble a request head a byte a second
    (each must be closed by the server, and is reopened at once);
  - malformed requests (garbage, truncated JSON, a wrong content type, a wrong kind, an oversized
    body) at --malformed per second, each of which must get a 4xx answer, never a 5xx or a hang;
and is sampled every --sample seconds for resident memory and open file descriptors. At the end a
burst of requests is in flight when SIGTERM arrives: every one must be answered and the server must
exit 0. Prints a summary and writes soak.json and soak.csv (the RSS/fd curve) to --out; exits 1 when
a promise is broken: a failed good request, a 5xx or lost malformed request, a slow connection not
closed, RSS or fds growing, or a dropped request at shutdown.
"""
import argparse, http.client, json, os, random, re, signal, socket, ssl, statistics, subprocess, sys, tempfile, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--duration", type=int, default=600)
parser.add_argument("--rate", type=int, default=2000)
parser.add_argument("--connections", type=int, default=32)
parser.add_argument("--rotate", type=int, default=60)
parser.add_argument("--reload", type=int, default=120)
parser.add_argument("--slowloris", type=int, default=50)
parser.add_argument("--malformed", type=float, default=20)
parser.add_argument("--sample", type=float, default=5)
parser.add_argument("--client-timeout", type=int, default=10, help="the server's slow-client timeout, in seconds (what a dribbling connection may hold)")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--out", default="bench/out/soak")
args = parser.parse_args()

os.makedirs(args.out, exist_ok=True)
work = tempfile.mkdtemp(prefix="bulkhead-soak-")
here = os.path.dirname(os.path.abspath(__file__))
review_path = os.path.join(work, "review.json")
subprocess.run([sys.executable, os.path.join(here, "review.py"), review_path], check=True)
review = open(review_path, "rb").read()
certs = os.path.join(work, "certs")
policy = os.path.join(work, "bulkhead.yaml")
stop = threading.Event()
failures = []
lock = threading.Lock()


def fail(message):
    with lock:
        failures.append(message)
    print("FAIL:", message, flush=True)


def make_certs(directory):
    subprocess.run([args.binary, "admit", "certs", "--namespace", "soak", "--dns", "localhost", "--ip", "127.0.0.1", "--out", directory],
                   check=True, stdout=subprocess.DEVNULL)


def write_policy(level):
    temporary = policy + ".new"
    with open(temporary, "w") as handle:
        handle.write(f"admission:\n  podSecurity:\n    enforce: {level}\n")
    os.replace(temporary, policy)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


make_certs(certs)
write_policy("baseline")
port = args.port or free_port()
server_log = open(os.path.join(args.out, "server.log"), "w")
server = subprocess.Popen([args.binary, "admit", "serve", "--tls-cert", os.path.join(certs, "tls.crt"), "--tls-key", os.path.join(certs, "tls.key"),
                           "--host", "127.0.0.1", "--port", str(port), "--config", policy], stdout=server_log, stderr=subprocess.STDOUT)
insecure = ssl.create_default_context()
insecure.check_hostname = False
insecure.verify_mode = ssl.CERT_NONE


def request(method, path, body=None, headers=None, timeout=10):
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=insecure, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


for _ in range(100):
    try:
        if request("GET", "/readyz")[0] == 200:
            break
    except OSError:
        time.sleep(0.1)
else:
    print("the server did not become ready; its log:", open(os.path.join(args.out, "server.log")).read())
    server.kill()
    sys.exit(1)


def metric(name):
    _, body = request("GET", "/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name):
            total += float(line.split()[-1])
    return total


# --- the load ----------------------------------------------------------------------------------------
threads = 2
wrk = subprocess.Popen(["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "5s",
                        "-s", os.path.join(here, "admission.lua"), f"https://127.0.0.1:{port}/validate"],
                       env=dict(os.environ, REVIEW=review_path, RATE=str(args.rate), THREADS=str(threads)),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
started = time.monotonic()


def every(seconds, action):
    def loop():
        while not stop.wait(seconds):
            try:
                action()
            except Exception as error:  # a fault injector failing is a broken run, not a crash of the driver
                fail(f"{action.__name__}: {error}")
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


rotations = []


def rotate():
    fresh = tempfile.mkdtemp(dir=work)
    make_certs(fresh)
    for name in ("tls.key", "tls.crt"):
        os.replace(os.path.join(fresh, name), os.path.join(certs, name))
    rotations.append(time.monotonic() - started)


levels = ["restricted", "baseline"]
reloads = []


def reload():
    write_policy(levels[len(reloads) % 2])
    reloads.append(time.monotonic() - started)


samples = []


def sample():
    status = open(f"/proc/{server.pid}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{server.pid}/fd"))
    samples.append((round(time.monotonic() - started, 1), rss, fds))


slow_closed = []
slow_held = []


def slowloris():
    while not stop.is_set():
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=args.client_timeout * 3)
            connection = insecure.wrap_socket(raw, server_hostname="localhost")
            opened = time.monotonic()
            connection.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\n")
            try:
                while not stop.is_set():
                    connection.sendall(b"X")
                    time.sleep(1)
                    if time.monotonic() - opened > args.client_timeout * 3:
                        break
            except OSError:
                pass
            held = time.monotonic() - opened
            if stop.is_set():
                connection.close()
                return
            (slow_closed if held <= args.client_timeout * 3 else slow_held).append(held)
            connection.close()
        except OSError:
            if not stop.is_set():
                time.sleep(0.5)


malformed_answers = {}
bad_bodies = [
    (b"\x00\xff" * 64, "application/json"),
    (review[: len(review) // 2], "application/json"),
    (review, "text/plain"),
    (b'{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}', "application/json"),
    (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}', "application/json"),
    (b"[" * 100000, "application/json"),
    (b"x" * (4 * 1024 * 1024), "application/json"),
]


def malformed():
    interval = 1 / args.malformed
    while not stop.wait(interval):
        body, kind = random.choice(bad_bodies)
        try:
            status, _ = request("POST", "/validate", body=body, headers={"Content-Type": kind})
            key = str(status)
        except (OSError, http.client.HTTPException) as error:
            # An oversized body may be refused before it is all sent: the connection closes early.
            key = "closed" if len(body) > 3 * 1024 * 1024 else f"error:{type(error).__name__}"
        malformed_answers[key] = malformed_answers.get(key, 0) + 1


sample()
helpers = [every(args.rotate, rotate), every(args.reload, reload), every(args.sample, sample)]
helpers += [threading.Thread(target=slowloris, daemon=True) for _ in range(args.slowloris)]
helpers.append(threading.Thread(target=malformed, daemon=True))
for thread in helpers[3:]:
    thread.start()

wrk_output, _ = wrk.communicate()
elapsed = time.monotonic() - started
stop.set()
sample()
time.sleep(3)  # the server checks its files every 2 s: let it see the last rotation and rewrite
reloads_seen = metric('bulkhead_reloads_total{server="admission",what="policy"}')
slow_counted = metric("bulkhead_slow_connections_closed_total")
generation_metric = metric('bulkhead_reloads_total{server="admission",what="certificate"}')

# --- SIGTERM with requests in flight -----------------------------------------------------------------
burst = 32
answers = []
ready = threading.Barrier(burst + 1)
sent = threading.Semaphore(0)


def in_flight():
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=insecure, timeout=15)
    try:
        connection.connect()
        ready.wait()
        connection.request("POST", "/validate", body=review, headers={"Content-Type": "application/json"})
        sent.release()
        response = connection.getresponse()
        answers.append((response.status, len(response.read())))
    except Exception as error:
        answers.append((type(error).__name__, 0))
    finally:
        connection.close()


burst_threads = [threading.Thread(target=in_flight) for _ in range(burst)]
for thread in burst_threads:
    thread.start()
ready.wait()
for _ in range(burst):
    sent.acquire(timeout=10)  # every request is on the wire
server.send_signal(signal.SIGTERM)
signalled = time.monotonic()
# While it drains, readiness fails at once and requests are still answered.
try:
    drain_ready = request("GET", "/readyz")[0]
    drain_answer = request("POST", "/validate", body=review, headers={"Content-Type": "application/json"})[0]
except OSError as error:
    drain_ready, drain_answer = type(error).__name__, type(error).__name__
for thread in burst_threads:
    thread.join(20)
try:
    exit_code = server.wait(30)
except subprocess.TimeoutExpired:
    server.kill()
    exit_code = "hung"

# --- judgement ---------------------------------------------------------------------------------------
match = re.search(r"requests (\d+), errors (\d+) \(status (\d+), timeout (\d+)\), (\d+) req/s", wrk_output)
latency = re.search(r"latency p50 ([\d.]+) ms, p99 ([\d.]+) ms, p99.9 ([\d.]+) ms, max ([\d.]+) ms", wrk_output)
good = {"requests": int(match.group(1)), "errors": int(match.group(2)), "rate": int(match.group(5))} if match else None
if not good:
    fail("wrk gave no summary: " + wrk_output[-500:])
elif good["errors"]:
    fail(f"{good['errors']} good requests failed (wrk: {wrk_output.strip().splitlines()[-2]})")
elif good["rate"] < args.rate * 0.9:
    fail(f"offered {args.rate} req/s, served {good['rate']}")

if any(not key.startswith("4") and key != "closed" for key in malformed_answers):
    fail(f"malformed requests answered badly: {malformed_answers}")
if not malformed_answers:
    fail("no malformed request was sent")
if slow_held:
    fail(f"{len(slow_held)} slow connections held longer than {args.client_timeout * 3} s")
if args.slowloris and not slow_closed:
    fail("no slow connection was closed by the server")
expected_rotations = len(rotations)
if generation_metric < expected_rotations:
    fail(f"{expected_rotations} certificate rotations, the server reloaded {generation_metric:.0f}")
if reloads_seen < len(reloads):
    fail(f"{len(reloads)} policy rewrites, the server reloaded {reloads_seen:.0f}")

# Flat: after the first fifth (warm-up), the second half's peak within 10 % (+4 MB) of the first half's.
steady = [s for s in samples if s[0] >= elapsed / 5] or samples
half = len(steady) // 2 or 1
first_rss, second_rss = max(s[1] for s in steady[:half]), max(s[1] for s in steady[half:] or steady[:half])
first_fds, second_fds = max(s[2] for s in steady[:half]), max(s[2] for s in steady[half:] or steady[:half])
if second_rss > first_rss * 1.10 + 4096:
    fail(f"RSS grew: {first_rss} kB peak in the first half, {second_rss} kB in the second")
if second_fds > first_fds + 8:
    fail(f"file descriptors grew: {first_fds} → {second_fds}")

drained = [a for a in answers if a[0] == 200]
if len(drained) != burst:
    fail(f"SIGTERM with {burst} requests in flight: {len(drained)} answered 200, the rest {[a for a in answers if a[0] != 200]}")
if exit_code != 0:
    fail(f"the server exited {exit_code} after SIGTERM")
if drain_ready != 503 or drain_answer != 200:
    fail(f"while draining /readyz answered {drain_ready} (503 expected) and a new review {drain_answer} (200 expected)")

with open(os.path.join(args.out, "soak.csv"), "w") as csv:
    csv.write("seconds,rss_kb,fds\n")
    for row in samples:
        csv.write(f"{row[0]},{row[1]},{row[2]}\n")
summary = {
    "duration_s": round(elapsed, 1), "offered_rate": args.rate, "good": good,
    "latency_ms": dict(zip(["p50", "p99", "p99.9", "max"], map(float, latency.groups()))) if latency else None,
    "certificate_rotations": len(rotations), "certificate_reloads": generation_metric,
    "policy_rewrites": len(reloads), "policy_reloads": reloads_seen,
    "slow_connections_closed": len(slow_closed), "slow_close_after_s": round(statistics.median(slow_closed), 1) if slow_closed else None,
    "server_counted_slow": slow_counted, "malformed": malformed_answers,
    "rss_kb": {"start": samples[0][1], "first_half_peak": first_rss, "second_half_peak": second_rss, "end": samples[-1][1]},
    "fds": {"start": samples[0][2], "first_half_peak": first_fds, "second_half_peak": second_fds, "end": samples[-1][2]},
    "sigterm": {"in_flight": burst, "answered": len(drained), "exit": exit_code, "readyz_while_draining": drain_ready,
                "review_while_draining": drain_answer},
    "failures": failures,
}
json.dump(summary, open(os.path.join(args.out, "soak.json"), "w"), indent=2)
print(wrk_output.strip())
print(f"soak {summary['duration_s']} s at {args.rate} req/s offered: good {good}")
print(f"certificates rotated {len(rotations)}× (server reloads {generation_metric:.0f}); policy rewritten {len(reloads)}× (reloads {reloads_seen:.0f})")
print(f"slow connections closed {len(slow_closed)} (median after {summary['slow_close_after_s']} s; server counted {slow_counted:.0f}); malformed answers {malformed_answers}")
print(f"RSS kB start {samples[0][1]}, peak first half {first_rss}, second half {second_rss}, end {samples[-1][1]}; fds start {samples[0][2]}, peaks {first_fds}/{second_fds}, end {samples[-1][2]}")
print("RSS curve (s:kB): " + " ".join(f"{int(s[0])}:{s[1]}" for s in samples[:: max(1, len(samples) // 24)]))
print(f"SIGTERM with {burst} in flight: {len(drained)} answered; while draining /readyz {drain_ready}, a new review {drain_answer}; exit {exit_code}")
print("PASS" if not failures else f"FAIL ({len(failures)})")
sys.exit(1 if failures else 0)
