#!/usr/bin/env bash
# Every test of multicaisse: formatting, lints, the app build, unit and property tests, the API
# and storage conformance suites on SQLite AND PostgreSQL, and the browser tests in headless
# Chromium. Installs what is missing first (see scripts/tools.sh, scripts/postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
source scripts/postgres.sh

started=$SECONDS
ensure_build_tools
ensure_browser
ensure_pdf_tools
ensure_smtp_server
ensure_axe

say "rustfmt"
cargo fmt --all -- --check

say "clippy (core, server, tests; warnings denied)"
cargo clippy --workspace --exclude multicaisse-app --all-targets --locked -- -D warnings

say "clippy (app, wasm32; warnings denied)"
cargo clippy -p multicaisse-app --target wasm32-unknown-unknown --locked -- -D warnings

build_app
ensure_postgres

say "tests (SQLite, PostgreSQL, headless Chromium)"
MULTICAISSE_TEST_DIST="$PWD/dist" cargo test --workspace --exclude multicaisse-app --locked

say "all tests passed in $((SECONDS - started)) s"
