#!/usr/bin/env bash
# Load test of the live viewer while it generates and re-analyzes (wrk, DUR per URL, 2 threads,
# 32 connections, 20 Server-Sent-Event followers open), then the Python showcase's way of serving
# the same index.html (stdlib socketserver.TCPServer + SimpleHTTPRequestHandler, as its
# viewer/serve.py does) under the same load.
#
# Usage: bash bench/viewer_load.sh            (needs wrk and a release build: cargo build --release)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(pwd)/${FINOPS_BIN:-target/release/finops}"
DUR="${DUR:-30s}"
PORT="${PORT:-18080}"
PEER_PORT="${PEER_PORT:-18081}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); $(wrk --version 2>&1 | head -1)"
(cd "$work" && exec "$BIN" demo --port "$PORT" --target-size 200MB --rate 4500 --interval 3 -q 2>"$work/viewer.log") &
pids+=($!)
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  if curl -sf "$base/api/status" | grep -q '"run":[1-9]'; then break; fi
  sleep 0.2
done
for _ in $(seq 20); do
  curl -sN "$base/api/events" >/dev/null 2>&1 &
  pids+=($!)
done

for url in /index.html /understanding.html /api/status; do
  echo "== finops viewer, GET $url, during generation"
  wrk -t2 -c32 -d"$DUR" --latency "$base$url" | grep -E "Requests/sec|Latency |99%|50%|Socket errors|Non-2xx|requests in"
done
echo "== pipeline while under load:"
curl -s "$base/api/status" >"$work/status.json"
python3 - "$work/status.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
g, a = s["generation"], s["analysis"]
print("generation %s: %.1f MB, %d calls in %.0f s; analysis run %d (%s, %d calls, %.2f s)"
      % (g["state"], g["bytes"] / 1048576, g["calls"], g["elapsed_s"], a["run"], a["state"], a["calls"], a["seconds"]))
EOF

cp -r "$work/reports/html" "$work/peer"
python3 - "$work/peer" "$PEER_PORT" <<'EOF' &
import functools, http.server, socketserver, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
socketserver.TCPServer.allow_reuse_address = True
handler = functools.partial(Quiet, directory=sys.argv[1])
with socketserver.TCPServer(("127.0.0.1", int(sys.argv[2])), handler) as s:
    s.serve_forever()
EOF
pids+=($!)
sleep 1
echo "== peer: Python showcase's static server (single-threaded TCPServer), GET /index.html"
wrk -t2 -c32 -d"$DUR" --latency "http://127.0.0.1:$PEER_PORT/index.html" | grep -E "Requests/sec|Latency |99%|50%|Socket errors|Non-2xx|requests in"
