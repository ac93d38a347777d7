#!/usr/bin/env bash
# Trunk's post-build hook: splits the app's wasm so that each page (`#[lazy]` in src/app.rs)
# loads when first opened, not with the shell. Trunk 0.21 cannot split (trunk-rs/trunk#1022),
# so this redoes its last steps on cargo's output, which keeps the relocations the split
# needs (`--emit-relocs`, .cargo/config.toml):
#   wasm-split-cli: the main module, one module per page, the chunk of code several pages
#     share (--merge-chunks, our patch: upstream makes one chunk per set of pages sharing
#     code, 206 of them, and a page opened with up to 72 requests for code) and their loader;
#   wasm-bindgen on the main module, under the hashed name Trunk's index.html loads, keeping
#     the table and memory exports the page modules link against;
#   wasm-opt -Oz on every module (release);
#   every file named by a hash of its content, so that a browser never mixes a cached page
#     module with a newer shell.
set -euo pipefail
staging=${TRUNK_STAGING_DIR:?run by trunk build}
profile_dir=debug
[ "${TRUNK_PROFILE:-}" = release ] && profile_dir=${MULTICAISSE_WASM_PROFILE:-wasm-release}
source_wasm="${CARGO_TARGET_DIR:-$TRUNK_SOURCE_DIR/target}/wasm32-unknown-unknown/$profile_dir/multicaisse-app.wasm"
[ -f "$source_wasm" ] || { echo "split-wasm: $source_wasm is missing" >&2; exit 1; }

bindings=$(cd "$staging" && ls multicaisse-app-*.js)
name=${bindings%.js}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# At most 4 chunks for a page: with its module, the main one, the bindings and the loader, 8
# files of code (issue 19 asks for 10 at most), and every page within the 400 KB budget
# (tests/wasm_budget.rs; 2 put Ventes over it). MULTICAISSE_MAX_CHUNKS=none splits as
# upstream does: the baseline of scripts/lighthouse.sh.
max_chunks=(--max-chunks "${MULTICAISSE_MAX_CHUNKS:-4}")
[ "${MULTICAISSE_MAX_CHUNKS:-}" = none ] && max_chunks=()
wasm-split-cli "$source_wasm" "$work" --out-name "$name" "${max_chunks[@]}" >/dev/null
wasm-bindgen --target web --no-typescript --keep-lld-exports \
  --out-dir "$work/bound" --out-name "$name" "$work/$name.wasm"
mv "$work/bound/${name}_bg.wasm" "$work/bound/$name.js" "$work/"

features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types)
optimise() {
  if [ "${TRUNK_PROFILE:-}" = release ]; then
    # wasm-opt does not know the name subsection the split writes; it drops it, rightly.
    wasm-opt -Oz "${features[@]}" "$1" -o "$2" 2> >(grep -v "unknown name subsection" >&2)
  else
    cp "$1" "$2"
  fi
}
content_hash() { sha256sum "$1" | cut -c1-16; }

# Into the work directory first: a failed background job leaves no file, and the copies
# below then fail instead of shipping Trunk's unsplit module.
optimise "$work/${name}_bg.wasm" "$work/main.opt" &
# The page modules are many: optimised side by side, on every core.
for module in "$work"/split_*.wasm "$work"/chunk_*.wasm; do
  [ -e "$module" ] || continue
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n; done
  optimise "$module" "${module%.wasm}.opt" &
done
wait
cp "$work/main.opt" "$staging/${name}_bg.wasm"
loader="$work/__wasm_split.js"
for module in "$work"/split_*.wasm "$work"/chunk_*.wasm; do
  [ -e "$module" ] || continue
  stem=$(basename "$module" .wasm)
  hashed="$stem-$(content_hash "$work/$stem.opt")"
  cp "$work/$stem.opt" "$staging/$hashed.wasm"
  sed -i "s|\"\./$stem\.wasm\"|\"./$hashed.wasm\"|" "$loader"
  grep -q "\"./$hashed.wasm\"" "$loader" || { echo "split-wasm: $stem is not in the loader" >&2; exit 1; }
done
loader_name="__wasm_split-$(content_hash "$loader")"
cp "$loader" "$staging/$loader_name.js"
# Only the JS import moves: the wasm still imports from the module named "./__wasm_split.js".
sed "s|from \"\./__wasm_split\.js\"|from \"./$loader_name.js\"|" "$work/$name.js" >"$staging/$name.js"
grep -q "from \"./$loader_name.js\"" "$staging/$name.js" || { echo "split-wasm: the bindings do not import the loader" >&2; exit 1; }

# Which files each page's module needs, read from the loader: the server names them in the
# `Link` header of the page (crates/server/src/http/spa.rs), so that the browser fetches them
# with the shell rather than once the shell runs. Every page must be found, with its files.
node -e '
  const fs = require("fs");
  const [loader, loaderName, out] = process.argv.slice(1);
  const text = fs.readFileSync(loader, "utf8");
  const file = body => /fetch\(new URL\("\.\/([^"]+)"/.exec(body)[1];
  const chunks = {};
  for (const m of text.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{([\s\S]*?)\n\}/g)) chunks[m[1]] = file(m[2]);
  const pages = {};
  const page = /export const __wasm_split_load_([a-z_]+?)_\d+ = wrapAsyncCb\(makeLoad\(\(\) => \{([\s\S]*?)\n\}\s*,\s*\[([^\]]*)\]\)\)/g;
  for (const m of text.matchAll(page)) {
    const deps = m[3].split(",").map(d => d.trim()).filter(Boolean).map(d => {
      if (!chunks[d]) throw new Error("split-wasm: " + m[1] + " needs " + d + ", not in the loader");
      return chunks[d];
    });
    pages[m[1]] = [file(m[2]), ...deps];
  }
  const found = (text.match(/export const __wasm_split_load_/g) || []).length;
  if (found === 0 || Object.keys(pages).length !== found) throw new Error("split-wasm: read " + Object.keys(pages).length + " of the " + found + " pages in the loader");
  fs.writeFileSync(out, JSON.stringify({ shell: [loaderName + ".js"], pages }, null, 1) + "\n");
' "$loader" "$loader_name" "$staging/page-modules.json"

# Brotli at its best, once here rather than at every request (the server sends `file.br` to a
# browser that takes it, and compresses the rest on the fly): the code a page loads is 15 to
# 20 % lighter than gzipped. Node's zlib, which every machine building the app has for npm.
if [ "${TRUNK_PROFILE:-}" = release ]; then
  node -e '
    const fs = require("fs"), zlib = require("zlib");
    for (const file of process.argv.slice(1)) {
      const packed = zlib.brotliCompressSync(fs.readFileSync(file), {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
      fs.writeFileSync(file + ".br", packed);
    }' "$staging"/*.wasm "$staging"/*.js
fi
