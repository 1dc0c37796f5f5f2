#!/usr/bin/env bash
# The webhook's soak (issue #12): 10 minutes at 2,000 req/s over TLS, the certificate rotated every
# minute and the policy rewritten every 2 minutes, 50 slowloris connections and 20 malformed
# requests a second beside the load, RSS and descriptors sampled every 5 s, SIGTERM with 32 requests
# in flight at the end. bench/soak.py does the work and judges; figures go to bench/out/soak/
# (soak.json, soak.csv with the RSS/fd curve, server.log). The tests run the same for 60 s.
#
#   bench/soak.sh                     # the full run
#   bench/soak.sh --duration 120      # any option of bench/soak.py
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --static-swift-stdlib --product bulkhead >&2
bulkhead="$(swift build -c release --static-swift-stdlib --show-bin-path)/bulkhead"
exec python3 bench/soak.py --binary "$bulkhead" --duration 600 --rate 2000 --connections 32 --rotate 60 --reload 120 \
    --slowloris 50 --malformed 20 --sample 5 --out bench/out/soak "$@"
