#!/usr/bin/env bash
# The admission webhook under load, over TLS on loopback: wrk with 64 connections for 30 s
# (saturation), then paced at 2,000 req/s (see admission.lua for the method). Prints throughput,
# p50/p99/p99.9 latency, and the evaluation time per review measured inside the process.
# Usage: bench/admission.sh [SECONDS]   (default 30; wrk and the server share the 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
out=bench/out/admission
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --static-swift-stdlib --product bulkhead >&2
bulkhead="$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead"
"$bulkhead" admit certs --namespace bench --dns localhost --ip 127.0.0.1 --out "$out/certs" >/dev/null

# A realistic review: a hardened Deployment (about 2 KB of compact JSON), as the API server sends it.
python3 bench/review.py "$out/review.json"
echo "review body: $(wc -c < "$out/review.json") bytes"

port=18443
"$bulkhead" admit serve --tls-cert "$out/certs/tls.crt" --tls-key "$out/certs/tls.key" --host 127.0.0.1 --port $port 2>"$out/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fsS --cacert "$out/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS --cacert "$out/certs/ca.crt" -H 'Content-Type: application/json' --data-binary @"$out/review.json" "https://127.0.0.1:$port/validate" | head -c 200; echo

echo "== saturation: 64 connections, ${seconds}s"
REVIEW="$out/review.json" wrk -t2 -c64 -d"${seconds}s" -s bench/admission.lua "https://127.0.0.1:$port/validate" | tail -n 2
echo "== paced: 2000 req/s over 64 connections, ${seconds}s"
REVIEW="$out/review.json" RATE=2000 THREADS=2 wrk -t2 -c64 -d"${seconds}s" -s bench/admission.lua "https://127.0.0.1:$port/validate" | tail -n 2

echo "== evaluation alone, one thread, no load (bulkhead-bench --review)"
swift build -c release --static-swift-stdlib --product bulkhead-bench >&2
"$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead-bench" --review "$out/review.json"
echo "== evaluation inside the server under the load above (bulkhead_admission_duration_seconds)"
curl -fsS --cacert "$out/certs/ca.crt" "https://127.0.0.1:$port/metrics" | python3 -c '
import sys
buckets, total, count = [], 0.0, 0
for line in sys.stdin:
    if line.startswith("bulkhead_admission_duration_seconds_bucket"):
        le = line.split("le=\"")[1].split("\"")[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), int(float(line.split()[-1]))))
    elif line.startswith("bulkhead_admission_duration_seconds_sum"):
        total = float(line.split()[-1])
    elif line.startswith("bulkhead_admission_duration_seconds_count"):
        count = int(float(line.split()[-1]))
print(f"reviews {count}, mean {1e6 * total / max(count, 1):.1f} µs")
for bound, cumulative in buckets:
    if cumulative >= 0.99 * count:
        print(f"p99 at most {bound * 1e6:.0f} µs (histogram bucket)")
        break
'
