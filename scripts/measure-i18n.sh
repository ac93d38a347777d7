#!/usr/bin/env bash
# Measures what leptos_i18n would cost the wasm budget against the plain Rust texts the app
# uses (docs/decisions.md): two toy Leptos 0.8 CSR apps showing the same 80 texts in French
# and English with a language switch, built with the app's release profile and flags, run
# through wasm-bindgen and wasm-opt -Oz, then gzipped. Needs the build tools of
# scripts/tools.sh; builds in a temporary directory (about 6 minutes on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools.sh
. "$here/scripts/tools.sh"
work=${MEASURE_DIR:-$(mktemp -d)}
cd "$work"
mkdir -p plain/src withi18n/src withi18n/locales
cat > Cargo.toml <<'TOML'
[workspace]
members = ["plain", "withi18n"]
resolver = "2"

[workspace.dependencies]
leptos = { version = "0.8", features = ["csr"] }
wasm-bindgen = "=0.2.130"

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
TOML
for crate in plain withi18n; do
  cat > $crate/Cargo.toml <<TOML
[package]
name = "$crate"
version = "0.1.0"
edition = "2021"
[dependencies]
leptos.workspace = true
wasm-bindgen.workspace = true
TOML
done
cat >> withi18n/Cargo.toml <<'TOML'
leptos_i18n = { version = "0.6", default-features = false, features = ["csr"] }
[build-dependencies]
leptos_i18n_build = { version = "0.6", features = ["csr"] }
TOML
cat > withi18n/build.rs <<'RS'
use leptos_i18n_build::{Config, TranslationsInfos};
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("i18n");
    let infos = TranslationsInfos::parse(Config::new("fr")?.add_locale("en")?)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(dir)?;
    Ok(())
}
RS
python3 - <<'PY'
import json
n = 80
fr = {f"k{i}": f"Texte {i} de la page : les caisses de la boutique, en français" for i in range(n)}
en = {f"k{i}": f"Text {i} of the page: the store's registers, in English" for i in range(n)}
json.dump(fr, open("withi18n/locales/fr.json", "w"), ensure_ascii=False, indent=1)
json.dump(en, open("withi18n/locales/en.json", "w"), ensure_ascii=False, indent=1)
fields = "\n".join(f"    k{i}: &'static str," for i in range(n))
values = lambda texts: "\n".join(f'    k{i}: "{texts[f"k{i}"]}",' for i in range(n))
shown = "\n".join(f"        <p>{{move || t().k{i}}}</p>" for i in range(n))
open("plain/src/main.rs", "w").write(f"""use leptos::prelude::*;
struct Texts {{
{fields}
}}
const FR: Texts = Texts {{
{values(fr)}
}};
const EN: Texts = Texts {{
{values(en)}
}};
#[derive(Clone, Copy, PartialEq)]
enum Lang {{ Fr, En }}
fn texts(lang: Lang) -> &'static Texts {{ match lang {{ Lang::Fr => &FR, Lang::En => &EN }} }}
#[component]
fn App() -> impl IntoView {{
    let lang = RwSignal::new(Lang::Fr);
    let t = move || texts(lang.get());
    view! {{
        <button on:click=move |_| lang.update(|l| *l = if *l == Lang::Fr {{ Lang::En }} else {{ Lang::Fr }})>"FR/EN"</button>
{shown}
    }}
}}
fn main() {{ mount_to_body(App) }}
""")
shown = "\n".join(f"        <p>{{t!(i18n, k{i})}}</p>" for i in range(n))
open("withi18n/src/main.rs", "w").write(f"""use leptos::prelude::*;
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
use i18n::*;
#[component]
fn Page() -> impl IntoView {{
    let i18n = use_i18n();
    let switch = move |_| {{
        let next = match i18n.get_locale() {{ Locale::fr => Locale::en, Locale::en => Locale::fr }};
        i18n.set_locale(next);
    }};
    view! {{
        <button on:click=switch>"FR/EN"</button>
{shown}
    }}
}}
#[component]
fn App() -> impl IntoView {{ view! {{ <I18nContextProvider><Page/></I18nContextProvider> }} }}
fn main() {{ mount_to_body(App) }}
""")
PY
ensure_build_tools
export RUSTFLAGS="--cfg erase_components"
for crate in plain withi18n; do
  start=$(date +%s)
  cargo build --quiet --release --target wasm32-unknown-unknown -p $crate
  built=$(( $(date +%s) - start ))
  wasm-bindgen --target web --out-dir out/$crate target/wasm32-unknown-unknown/release/$crate.wasm
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types -o out/$crate/opt.wasm out/$crate/${crate}_bg.wasm
  printf '%-9s built in %4d s   wasm-opt: %7d bytes   gzipped: %6d bytes\n' \
    "$crate" "$built" "$(stat -c %s out/$crate/opt.wasm)" "$(gzip -9c out/$crate/opt.wasm | wc -c)"
done
