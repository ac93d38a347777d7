# Installs what building and testing multicaisse needs, skipping what is present.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to source again.
#   ensure_build_tools    wasm target, trunk, wasm-bindgen-cli, wasm-opt (binaryen),
#                         wasm-split-cli (splits the app into a module per page)
#   ensure_browser        chromium + chromedriver
#   ensure_axe            axe-core (npm), the accessibility rules the browser tests run
# Tools installed outside cargo live in $MULTICAISSE_TOOLS (default ~/.multicaisse-tools).

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
WASM_SPLIT_VERSION=0.2.4
# crates.io's sha256 of that version's .crate (index.crates.io/wa/sm/wasm_split_cli_support)
WASM_SPLIT_SHA256=f6c1f994b196e31969f4cdbe37d051362659567efc0f5c90cb931a8a5cdc530f
WASM_SPLIT_BUILD="$WASM_SPLIT_VERSION+max-chunks"
AXE_VERSION=4.10.3
MULTICAISSE_TOOLS=${MULTICAISSE_TOOLS:-$HOME/.multicaisse-tools}
MULTICAISSE_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH="$MULTICAISSE_TOOLS/bin:$MULTICAISSE_TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    apt-get update -qq >/dev/null || die "apt-get update failed (installing $*)"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# The wasm-bindgen version Cargo.lock resolved: Trunk insists on the CLI of exactly that one.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_build_tools() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || {
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  }
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "installing trunk $TRUNK_VERSION (10–15 minutes on 2 cores, once)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
  fi
  local wbg
  wbg=$(wasm_bindgen_version)
  [ -n "$wbg" ] || die "Cargo.lock names no wasm-bindgen version"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
    say "installing wasm-bindgen-cli $wbg (3–8 minutes, once)"
    # Not --locked: its lockfile names a dependency version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    command -v npm >/dev/null || apt_install nodejs npm
    mkdir -p "$MULTICAISSE_TOOLS"
    npm install --prefix "$MULTICAISSE_TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  # The split tool of the wasm_split_helpers that Leptos's #[lazy] uses (scripts/split-wasm.sh),
  # with our patch (scripts/patches/): the crate's source from crates.io, checked against the
  # registry's checksum, then patched and built.
  if [ ! -x "$MULTICAISSE_TOOLS/bin/wasm-split-cli" ] \
    || [ "$(cat "$MULTICAISSE_TOOLS/wasm-split.version" 2>/dev/null)" != "$WASM_SPLIT_BUILD" ]; then
    say "installing wasm-split-cli $WASM_SPLIT_BUILD (about a minute, once)"
    local src
    src=$(mktemp -d)
    curl -fsSL "https://static.crates.io/crates/wasm_split_cli_support/wasm_split_cli_support-$WASM_SPLIT_VERSION.crate" \
      -o "$src/crate.tar.gz" || die "could not download wasm_split_cli_support $WASM_SPLIT_VERSION from crates.io"
    echo "$WASM_SPLIT_SHA256  $src/crate.tar.gz" | sha256sum -c --quiet \
      || die "wasm_split_cli_support $WASM_SPLIT_VERSION: checksum differs from crates.io's index"
    tar xzf "$src/crate.tar.gz" -C "$src"
    patch -s -d "$src/wasm_split_cli_support-$WASM_SPLIT_VERSION" -p1 \
      <"$MULTICAISSE_SCRIPTS/patches/wasm-split-cli-max-chunks.patch" \
      || die "the wasm-split-cli patch does not apply"
    cargo install --locked --path "$src/wasm_split_cli_support-$WASM_SPLIT_VERSION" \
      --features build-binary --root "$MULTICAISSE_TOOLS" \
      || die "wasm-split-cli $WASM_SPLIT_BUILD did not build"
    rm -rf "$src"
    echo "$WASM_SPLIT_BUILD" >"$MULTICAISSE_TOOLS/wasm-split.version"
  fi
}

ensure_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}

# pdftotext reads the Z files' PDFs back in the tests: a tool independent of the writer.
ensure_pdf_tools() {
  if ! command -v pdftotext >/dev/null; then
    say "installing poppler-utils (pdftotext)"
    apt_install poppler-utils
  fi
}

# The tests' SMTP server: Python's aiosmtpd, listening on TCP like any mail server.
ensure_smtp_server() {
  if ! python3 -c "import aiosmtpd" 2>/dev/null; then
    say "installing aiosmtpd (the tests' SMTP server)"
    python3 -m pip install --user --quiet aiosmtpd 2>/dev/null \
      || python3 -m pip install --user --quiet --break-system-packages aiosmtpd
  fi
}

# axe-core, whose rules the browser tests run on every page: its one script, from npm, read
# by the tests at $MULTICAISSE_AXE and run inside the page.
ensure_axe() {
  local axe="$MULTICAISSE_TOOLS/node_modules/axe-core"
  if [ "$(node -p "require('$axe/package.json').version" 2>/dev/null)" != "$AXE_VERSION" ]; then
    say "installing axe-core $AXE_VERSION (npm)"
    command -v npm >/dev/null || apt_install nodejs npm
    mkdir -p "$MULTICAISSE_TOOLS"
    npm install --prefix "$MULTICAISSE_TOOLS" --no-audit --no-fund --silent "axe-core@$AXE_VERSION" >/dev/null
  fi
  export MULTICAISSE_AXE="$axe/axe.min.js"
}

build_app() {
  say "building the app (trunk, release)"
  trunk build --release
}
