#!/usr/bin/env bash
# Peak resident memory of the workflow engine (issue 3, figure f): each
# line is a fresh process running one DAG of independent tasks on the real
# engine (SQLite store, local executor) over a new data dir, reporting its
# VmHWM. Linux only. Usage: scripts/bench-engine-rss.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bin=$(mktemp -d)/peakrss
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./app/internal/peakrss
for _ in $(seq "$runs"); do "$bin" -tasks 1000 -op true; done
for _ in $(seq "$runs"); do "$bin" -tasks 10000 -op noop; done
