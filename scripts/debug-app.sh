#!/usr/bin/env bash
# The app with debug assertions, in /tmp/multicaisse-debug-dist (or $1): a panic in the browser
# then names the reactive value and the line that made it, where the release build says only
# "unreachable". Run one browser test against it:
#   MULTICAISSE_TEST_DIST=/tmp/multicaisse-debug-dist cargo test -p multicaisse-e2e --test roles
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_build_tools
dist=${1:-/tmp/multicaisse-debug-dist}
# Trunk takes the cargo profile from the page; a copy of it names the debug one.
sed 's/data-cargo-profile="wasm-release"/data-cargo-profile="wasm-debug"/' index.html >index-debug.html
trap 'rm -f index-debug.html' EXIT
MULTICAISSE_WASM_PROFILE=wasm-debug trunk build --release --dist "$dist" index-debug.html
echo "debug build in $dist"
