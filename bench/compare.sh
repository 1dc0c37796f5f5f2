#!/usr/bin/env bash
# Before/after in one run: the scan and the admission webhook of an earlier revision and of the
# working tree, built the same way (release, static Swift runtime) and measured alternately on the
# same inputs, so both span the same stretch of a drifting machine.
# Usage: bench/compare.sh BASE_REV [SECONDS]   (e.g. bench/compare.sh 35b46af 10)
# Prints, for each: scan CPU and wall seconds on a generated 2,000-file corpus (median of the
# rounds' medians), one-file latency, and webhook throughput and p99 under 64 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:?usage: bench/compare.sh BASE_REV [SECONDS]}
seconds=${2:-10}
out=bench/out/compare
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

rm -rf "$out/base-src" && mkdir -p "$out/base-src"
git archive "$base_rev" | tar -x -C "$out/base-src"
echo "building $base_rev and the working tree (release)..." >&2
(cd "$out/base-src" && swift build -c release --static-swift-stdlib --product bulkhead >&2)
swift build -c release --static-swift-stdlib --product bulkhead >&2
declare -A bin
bin[base]="$(cd "$out/base-src" && swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead"
bin[head]="$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead"

corpus=$out/corpus
rm -rf "$corpus"
python3 bench/gen_corpus.py "$corpus" 2000
one=$(find "$corpus" -type f -name '*.yaml' | sort | sed -n 1p)

"${bin[head]}" admit certs --namespace bench --dns localhost --ip 127.0.0.1 --out "$out/certs" >/dev/null
python3 - "$out/review.json" <<'PY'
import json, sys
deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "checkout", "namespace": "shop"},
  "spec": {"selector": {"matchLabels": {"app": "checkout"}}, "template": {"metadata": {"labels": {"app": "checkout"}},
    "spec": {"securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
      "containers": [{"name": "checkout", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/checkout@sha256:" + "4c" * 32,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}}]}}}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
  "kind": {"group": "apps", "version": "v1", "kind": "Deployment"}, "namespace": "shop", "operation": "CREATE",
  "userInfo": {"username": "ci", "groups": ["system:authenticated"]}, "object": deployment, "dryRun": False}}
open(sys.argv[1], "w").write(json.dumps(review, separators=(",", ":")))
PY

webhook() { # $1 = base|head; prints "req/s p99"
  local port=18553
  "${bin[$1]}" admit serve --tls-cert "$out/certs/tls.crt" --tls-key "$out/certs/tls.key" --host 127.0.0.1 --port $port 2>/dev/null &
  local server=$!
  for _ in $(seq 50); do curl -fsS --cacert "$out/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  REVIEW="$out/review.json" wrk -t2 -c64 -d"${seconds}s" --latency -s bench/admission.lua "https://127.0.0.1:$port/validate" > "$out/wrk-$1.txt" 2>&1 || true
  kill $server; wait $server 2>/dev/null || true
  python3 - "$out/wrk-$1.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)", text, re.M)
scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
print(f"{float(rate.group(1)) if rate else 0:.0f} {float(p99.group(1)) * scale[p99.group(2)] if p99 else 0:.2f}")
PY
}

declare -A scan_cpu scan_wall one_wall rps p99
for round in 1 2 3; do
  for side in base head; do
    python3 bench/measure.py --repeat 5 -- "${bin[$side]}" scan "$corpus" --format json > "$out/$side-$round.json"
    python3 bench/measure.py --repeat 11 -- "${bin[$side]}" scan "$one" > "$out/$side-one-$round.json"
    read -r r p < <(webhook $side)
    scan_cpu[$side]+="$(python3 -c "import json;print(json.load(open('$out/$side-$round.json'))['cpu'])") "
    scan_wall[$side]+="$(python3 -c "import json;print(json.load(open('$out/$side-$round.json'))['wall'])") "
    one_wall[$side]+="$(python3 -c "import json;print(json.load(open('$out/$side-one-$round.json'))['wall'])") "
    rps[$side]+="$r "
    p99[$side]+="$p "
  done
done

files=$(find "$corpus" -type f | wc -l)
echo "corpus: $files files; webhook: 64 connections, ${seconds}s per round; 3 rounds, base and head alternating"
printf "%-6s %-10s %14s %14s %16s %14s %14s\n" side rev "scan CPU s" "scan wall s" "one file ms" "webhook req/s" "webhook p99 ms"
for side in base head; do
  rev=$([ $side = base ] && echo "$base_rev" || git rev-parse --short HEAD)
  python3 - "$side" "$rev" "${scan_cpu[$side]}" "${scan_wall[$side]}" "${one_wall[$side]}" "${rps[$side]}" "${p99[$side]}" <<'PY'
import statistics, sys
side, rev, *series = sys.argv[1:]
cpu, wall, one, rps, p99 = ([float(x) for x in s.split()] for s in series)
med = statistics.median
print(f"{side:<6} {rev:<10} {med(cpu):14.2f} {med(wall):14.2f} {1000 * med(one):16.1f} {med(rps):14.0f} {med(p99):14.2f}")
PY
done
