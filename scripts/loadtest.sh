#!/usr/bin/env bash
# Runs every coffer bench workload against a fresh server on one store and prints the reports:
#   scripts/loadtest.sh sqlite|postgres [duration]
# The PostgreSQL run uses a scratch database on 127.0.0.1:5432 (user postgres), dropped at the
# end, and compares each workload with pgbench's tpcb-like script at the same clients and duration.
# Then it measures uniform again at half the peak rate it found, for the latency target (on
# PostgreSQL beside pgbench at the same rate, whose latencies show what the machine adds).
set -euo pipefail
store=${1:-sqlite}
duration=${2:-30s}
clients=${CLIENTS:-64}
accounts=${ACCOUNTS:-10000}
cd "$(dirname "$0")/.."

work=$(mktemp -d)
bin=$work/coffer
go build -o "$bin" ./cmd/coffer
addr=127.0.0.1:18090
key=loadtest-$RANDOM$RANDOM
pg_admin=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
baseline=()

case $store in
  sqlite)
    database=$work/coffer.db ;;
  postgres)
    db=coffer_loadtest_$RANDOM
    psql "$pg_admin" -qc "CREATE DATABASE $db"
    database="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
    "$bin" migrate --database "$database" >/dev/null
    baseline=(--baseline --pg-url "$pg_admin") ;;
  *) echo "usage: $0 sqlite|postgres [duration]" >&2; exit 2 ;;
esac

server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ "$store" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" || true
  rm -rf "$work"
}
trap cleanup EXIT

# The mixed workload exchanges between fresh assets: every pair is allowed in a band around its rate.
COFFER_ADMIN_KEY=$key "$bin" serve --addr "$addr" --database "$database" --exchange-pair "*/*=0.9:0.92" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 50); do "$bin" health --addr "http://$addr" --key "$key" >/dev/null 2>&1 && break; sleep 0.2; done

bench() { "$bin" bench --addr "http://$addr" --key "$key" --clients "$clients" --accounts "$accounts" --duration "$duration" --server-pid "$server_pid" "$@"; }

echo "== $store, $(nproc) cores, $clients clients, $accounts accounts, $duration per workload"
bench --workload uniform "${baseline[@]}" | tee "$work/uniform.txt"
peak=$(sed -n 's/^requests .*(\([0-9.]*\)\/s).*/\1/p' "$work/uniform.txt")
for w in hot mixed; do bench --workload "$w" "${baseline[@]}"; done
bench --workload batch --batch-size 1000 "${baseline[@]}"
half=$(awk -v p="$peak" 'BEGIN { printf "%d", p / 2 }')
echo "== uniform at half the peak rate: $half requests/s"
bench --workload uniform --rate "$half" "${baseline[@]}"
