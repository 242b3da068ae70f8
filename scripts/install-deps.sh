#!/usr/bin/env bash
# Installs what meshflow needs on a Debian or Ubuntu machine, and nothing
# that is already there.
#
#   scripts/install-deps.sh run    to build and run the headless server
#   scripts/install-deps.sh test   to run the whole test suite (browser,
#                                  desktop build, lint) as well
set -euo pipefail
mode=${1:-run}

need_go="1.26"
if ! command -v go >/dev/null 2>&1; then
  echo "Go $need_go or newer is needed and none is installed: get it from the Go download page and put it on PATH." >&2
  exit 1
fi
have_go=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -n1)" != "$need_go" ]; then
  echo "Go $need_go or newer is needed, found $have_go." >&2
  exit 1
fi

# Debian packages, by what they are for.
apt_run=(gcc libc6-dev)                    # cgo, for the SQLite driver
apt_test=(
  chromium chromium-driver                 # browser tests
  libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config  # desktop build (Wails, webkit2_41)
  xvfb xauth x11-apps imagemagick          # desktop smoke test: headless X, screenshots
  npm                                      # vendored front-end assets check
)
pkgs=("${apt_run[@]}")
[ "$mode" = test ] && pkgs+=("${apt_test[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian's npm package; that is fine.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

go mod download

if [ "$mode" = test ]; then
  # Go tools pinned here, installed into .bin so they never clash with the
  # user's own.
  mkdir -p .bin
  if ! .bin/golangci-lint version 2>/dev/null | grep -q "version 2.15.0"; then
    GOBIN="$PWD/.bin" go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
  fi
fi
