#!/usr/bin/env bash
# Copies the pinned front-end libraries from npm into frontend/static/vendor,
# where go:embed picks them up. The copies are committed, so `go build` needs
# no npm; this script is how they change, and `--check` is how CI proves the
# committed copies are exactly what the pinned packages contain.
#
#   scripts/vendor-assets.sh          refresh frontend/static/vendor
#   scripts/vendor-assets.sh --check  fail if the committed copies differ
set -euo pipefail
cd "$(dirname "$0")/../frontend"

# package name : file in the package : name in static/vendor
assets=(
  "htmx.org:dist/htmx.min.js:htmx.min.js"
  "htmx-ext-sse:dist/sse.min.js:htmx-ext-sse.min.js"
)

npm ci --no-audit --no-fund --ignore-scripts --silent

out=static/vendor
if [[ "${1:-}" == "--check" ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
for a in "${assets[@]}"; do
  IFS=: read -r pkg file name <<<"$a"
  cp "node_modules/$pkg/$file" "$out/$name"
done

if [[ "${1:-}" == "--check" ]]; then
  for a in "${assets[@]}"; do
    IFS=: read -r _ _ name <<<"$a"
    if ! cmp -s "$out/$name" "static/vendor/$name"; then
      echo "frontend/static/vendor/$name differs from its npm package: run scripts/vendor-assets.sh and commit" >&2
      exit 1
    fi
  done
  echo "vendored assets match package-lock.json"
fi
