#!/usr/bin/env bash
# Bulkhead vs Checkov on the same manifest corpus, side by side in one run.
# Usage: bench/scan.sh [CORPUS_DIR]   (default: a generated corpus of 2,000 files)
# Prints CPU seconds (user+system), wall seconds, peak RSS, YAML throughput per CPU second, the
# one-file latency, and the ratios. Release build with the Swift runtime linked in statically (as
# a binary is shipped; it also starts a few milliseconds sooner); Checkov 3.3.30 from PyPI in bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
corpus=${1:-}
if [ -z "$corpus" ]; then
  corpus=$out/corpus
  rm -rf "$corpus"
  python3 bench/gen_corpus.py "$corpus" 2000
fi

echo "building bulkhead (release)..." >&2
swift build -c release --static-swift-stdlib --product bulkhead >&2
swift build -c release --static-swift-stdlib --product bulkhead-bench >&2
bulkhead="$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead"
stages="$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead-bench"

if [ ! -x bench/.venv/bin/checkov ]; then
  echo "installing checkov 3.3.30 into bench/.venv..." >&2
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet --disable-pip-version-check checkov==3.3.30 >&2
fi

files=$(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)
bytes=$(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 | xargs -0 cat | wc -c)
one=$(find "$corpus" -type f -name '*.yaml' | sort | sed -n 1p)

echo "measuring bulkhead on $files files..." >&2
python3 bench/measure.py --repeat 11 -- "$bulkhead" scan "$corpus" --format json > "$out/bulkhead.json"
python3 bench/measure.py --repeat 21 -- "$bulkhead" scan "$one" > "$out/bulkhead-one.json"
echo "measuring checkov on the same files (this takes a while)..." >&2
python3 bench/measure.py --env CKV_SKIP_PACKAGE_UPDATE_CHECK=true --env BC_SKIP_MAPPING=TRUE -- \
  bench/.venv/bin/checkov -d "$corpus" --framework kubernetes --quiet --skip-download --compact > "$out/checkov.json"
# Bulkhead again after Checkov: a shared machine drifts, and Bulkhead's runs are short; its figure is
# the mean of the medians before and after, so both tools are measured over the same stretch of time.
python3 bench/measure.py --repeat 11 -- "$bulkhead" scan "$corpus" --format json > "$out/bulkhead-after.json"

echo "measuring pod-only vs cross-resource checks..." >&2
python3 bench/measure.py --repeat 9 -- "$bulkhead" scan "$corpus" --only pod-security > "$out/pod-only.json"
python3 bench/measure.py --repeat 9 -- "$bulkhead" scan "$corpus" --only pod-security,rbac,network,identity,secrets > "$out/cross.json"
python3 bench/measure.py --repeat 9 -- "$bulkhead" scan "$corpus" > "$out/all-text.json"
echo "measuring each stage..." >&2
"$stages" "$corpus" --rounds 5 > "$out/stages.txt"

python3 - "$files" "$bytes" "$out" <<'PY'
import json, sys
files, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
before, after = json.load(open(f"{out}/bulkhead.json")), json.load(open(f"{out}/bulkhead-after.json"))
b = {key: (before[key] + after[key]) / 2 for key in ("cpu", "wall")}
b["rss_mib"], b["exit"] = max(before["rss_mib"], after["rss_mib"]), before["exit"]
one = json.load(open(f"{out}/bulkhead-one.json"))
c = json.load(open(f"{out}/checkov.json"))
mb = size / 1e6
print(f"corpus: {files} files, {mb:.2f} MB")
print(f"{'tool':<10}{'CPU s':>10}{'wall s':>10}{'peak RSS MiB':>15}{'MB/s per CPU s':>17}")
for name, run in (("bulkhead", b), ("checkov", c)):
    print(f"{name:<10}{run['cpu']:>10.3f}{run['wall']:>10.3f}{run['rss_mib']:>15.1f}{mb / max(run['cpu'], 1e-9):>17.1f}")
print(f"CPU ratio checkov/bulkhead: {c['cpu'] / max(b['cpu'], 1e-9):.0f}x   wall ratio: {c['wall'] / max(b['wall'], 1e-9):.0f}x")
print(f"bulkhead CPU s before / after checkov: {before['cpu']:.3f} / {after['cpu']:.3f} (medians of 11)")
print(f"bulkhead one-file run: {one['wall'] * 1000:.1f} ms wall, {one['cpu'] * 1000:.1f} ms CPU (median of 21)")
print(f"exit codes: bulkhead {b['exit']} (1 = findings), checkov {c['exit']}")
pod, cross, every = (json.load(open(f"{out}/{n}.json")) for n in ("pod-only", "cross", "all-text"))
print()
print(f"{'bulkhead scan (text)':<44}{'CPU s':>8}{'wall s':>9}{'vs pod-only CPU':>17}")
for name, run in (("--only pod-security", pod), ("+ rbac, network, identity, secrets", cross), ("every check", every)):
    print(f"{name:<44}{run['cpu']:>8.3f}{run['wall']:>9.3f}{run['cpu'] / max(pod['cpu'], 1e-9):>16.2f}x")
print()
print(open(f"{out}/stages.txt").read().rstrip())
lines = {l.split("  ")[0].strip(): l for l in open(f"{out}/stages.txt") if "CPU s" in l}
def cpu(name):
    for key, line in lines.items():
        if key.startswith(name):
            return float(line.split("(")[1].split(" CPU")[0])
pod, every = cpu("tree + Pod Security"), cpu("tree + every Kubernetes")
if pod and every:
    print(f"every check / Pod Security only: {every / pod:.2f}x CPU")
PY
