#!/usr/bin/env bash
# Measures what the metrics, or the traces, cost on the uniform workload: two servers on fresh
# SQLite databases, one with the feature on and one without, loaded in turn, RUNS times each:
#   scripts/cost.sh metrics|tracing [duration] [runs]
# metrics: --metrics=true, its /metrics scraped every SCRAPE_EVERY seconds during its runs as
#   Prometheus would, against --metrics=false.
# tracing: --otlp-endpoint naming a receiver started here (it reads each OTLP export and drops
#   it), against no endpoint (no span made); both with the metrics on, unscraped.
# FIRST=off starts each pair with the server without the feature. It prints each run's report
# line and, at the end, the ratios of the medians (on / off).
set -euo pipefail
feature=${1:?usage: scripts/cost.sh metrics|tracing [duration] [runs]}
shift
duration=${1:-10s}
runs=${2:-3}
clients=${CLIENTS:-64}
accounts=${ACCOUNTS:-10000}
scrape_every=${SCRAPE_EVERY:-5}
cd "$(dirname "$0")/.."

work=$(mktemp -d)
bin=$work/coffer
go build -o "$bin" ./cmd/coffer
key=cost-$RANDOM$RANDOM
on_addr=127.0.0.1:18093
off_addr=127.0.0.1:18094
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

case $feature in
metrics)
  on_flags=(--metrics=true)
  off_flags=(--metrics=false)
  ;;
tracing)
  receiver_port=18095
  python3 - "$receiver_port" <<'PY' &
import http.server, sys
class Drop(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Drop).serve_forever()
PY
  pids+=("$!")
  on_flags=(--otlp-endpoint "http://127.0.0.1:$receiver_port")
  off_flags=()
  scrape_every=0
  ;;
*)
  echo "usage: scripts/cost.sh metrics|tracing [duration] [runs]" >&2
  exit 2
  ;;
esac
COFFER_ADMIN_KEY=$key "$bin" serve --addr "$on_addr" --database "$work/on.db" "${on_flags[@]}" 2>"$work/on.log" &
on_pid=$!; pids+=("$on_pid")
COFFER_ADMIN_KEY=$key "$bin" serve --addr "$off_addr" --database "$work/off.db" "${off_flags[@]}" 2>"$work/off.log" &
off_pid=$!; pids+=("$off_pid")
for a in "$on_addr" "$off_addr"; do
  for _ in $(seq 1 50); do "$bin" health --addr "http://$a" --key "$key" >/dev/null 2>&1 && break; sleep 0.2; done
done

run() { # run on|off n
  local addr=$on_addr pid=$on_pid scraper=
  [ "$1" = off ] && addr=$off_addr pid=$off_pid
  if [ "$1" = on ] && [ "$scrape_every" != 0 ]; then
    (while true; do curl -s -o /dev/null "http://$addr/metrics"; sleep "$scrape_every"; done) &
    scraper=$!
  fi
  "$bin" bench --addr "http://$addr" --key "$key" --clients "$clients" --accounts "$accounts" \
    --duration "$duration" --server-pid "$pid" --workload uniform --json >"$work/$1-$2.json"
  [ -n "$scraper" ] && kill "$scraper" && wait "$scraper" 2>/dev/null || true
  python3 - "$work/$1-$2.json" "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]} run {sys.argv[3]}: {r['transfers_per_second']:.0f} transfers/s, p99 {r['latency_ms']['p99']:.1f} ms, checks {'ok' if all(c['ok'] for c in r['checks']) else 'FAILED'}, failed {sum(r['failed'].values()) if r.get('failed') else 0}")
PY
}

echo "== $feature, uniform, $(nproc) cores, $clients clients, $accounts accounts, $duration per run, $runs runs each, alternating"
for i in $(seq 1 "$runs"); do
  if [ "${FIRST:-on}" = off ]; then
    run off "$i"; run on "$i"
  else
    run on "$i"; run off "$i"
  fi
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def med(kind, f):
    return statistics.median(f(json.load(open(f"{work}/{kind}-{i}.json"))) for i in range(1, runs + 1))
tps = lambda r: r["transfers_per_second"]
p99 = lambda r: r["latency_ms"]["p99"]
on_t, off_t, on_p, off_p = med("on", tps), med("off", tps), med("on", p99), med("off", p99)
print(f"median transfers/s: on {on_t:.0f}, off {off_t:.0f}, on/off {on_t/off_t:.3f}")
print(f"median p99 ms: on {on_p:.1f}, off {off_p:.1f}, on/off {on_p/off_p:.3f}")
PY
