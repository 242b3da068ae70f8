#!/usr/bin/env bash
# Measures what a user feels when starting meshflow: binary size, time from
# exec to the first healthy answer on a fresh data dir (first start: creates
# the database and seeds the DAGs) and on an existing one, and resident memory
# after serving 200 page loads. Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/meshflow
go build -ldflags "-w -s" -o "$bin" .
data=$(mktemp -d)/data
port=18080
pid=
if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
  echo "port $port is taken by another server: stop it first" >&2
  exit 1
fi
trap 'kill $pid 2>/dev/null || true; rm -rf "$(dirname "$bin")" "$(dirname "$data")"' EXIT

# start runs the server in the background and prints how long it took to
# answer /healthz.
start() {
  local t0 t1
  t0=$(date +%s%N)
  "$bin" serve --data "$data" --addr 127.0.0.1:$port --log-level warn >"$(dirname "$data")/serve.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.002; done
  t1=$(date +%s%N)
  echo "$1: $(( (t1 - t0) / 1000000 )) ms"
}

echo "binary size (stripped): $(( $(stat -c %s "$bin") / 1024 / 1024 )) MiB"
start "start to healthy, first start"
kill -INT $pid; wait $pid || true
start "start to healthy, existing data dir"
for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$port/"; done
echo "RSS after 200 Overview loads: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$pid/status)"
kill -INT $pid; wait $pid || true
