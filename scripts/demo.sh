#!/usr/bin/env bash
# Runs the dashboard with demo data on the embedded SQLite database (./data), building what
# is missing first. Open the URL it prints. Extra arguments go to `multicaisse serve`
# (e.g. --port 9000); DATABASE_URL=postgres://… uses PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

ensure_build_tools
build_app
say "building the server"
cargo build --release --locked -p multicaisse-server
exec ./target/release/multicaisse serve --demo --dist dist "$@"
