//! The built app (Trunk's `dist/`), with every unknown path answered by `index.html` so the
//! app's own router handles client-side routes such as `/ventes`. A file whose name carries
//! its content's hash (`chunk_12-0123456789abcdef.wasm`) never changes: browsers keep it a
//! year; `index.html`, which names the current ones, is asked again each time.

use super::page_hints::{add_link_header, PageFiles};
use super::AppState;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Whether a path names a file by its content's hash, as Trunk and the wasm splitter write
/// them: a last segment `name-<16 hex digits>.ext` (or `…_bg.wasm`).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    // wasm-bindgen's module: `multicaisse-app-<hash>_bg.wasm`.
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(base, hash)| {
        !base.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The caching policy of an answer from `dist/`. A hashed name that is not there (a page still
/// open across an upgrade asks for last version's module) is a 404, not `index.html`: cached a
/// year under that name, the page would be broken for a year.
async fn cache_policy(
    dist: std::sync::Arc<std::path::PathBuf>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let hashed = is_hashed(&path);
    if hashed && !dist.join(path.trim_start_matches('/')).is_file() {
        return (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, REVALIDATE)],
            "this version of the app has been replaced: reload the page",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let policy = if hashed && response.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

pub fn router(dist: &Path, state: AppState) -> Router {
    let index = dist.join("index.html");
    if index.is_file() {
        let root = std::sync::Arc::new(dist.to_path_buf());
        let files = std::sync::Arc::new(PageFiles::load(dist));
        Router::new()
            // The app's code, compressed at build time (scripts/split-wasm.sh).
            .fallback_service(
                ServeDir::new(dist)
                    .precompressed_br()
                    .fallback(ServeFile::new(index)),
            )
            .layer(axum::middleware::from_fn(move |request, next| {
                cache_policy(root.clone(), request, next)
            }))
            .layer(axum::middleware::from_fn_with_state(
                (state, files),
                add_link_header,
            ))
    } else {
        let message = format!(
            "<!doctype html><meta charset=utf-8><title>Multicaisse</title>\
             <p>The dashboard app is not built: <code>{}</code> is missing. \
             Run <code>scripts/demo.sh</code>, which builds it, or <code>trunk build</code>. \
             The API answers under <a href=/api/health>/api</a>.</p>",
            index.display()
        );
        Router::new().fallback(move || {
            let message = message.clone();
            async move { (StatusCode::SERVICE_UNAVAILABLE, Html(message)) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_names_carrying_a_content_hash_are_hashed() {
        for hashed in [
            "/chunk_100-c1d9c84b4ebd86a7.wasm",
            "/multicaisse-app-504383f397794348_bg.wasm",
            "/multicaisse-app-504383f397794348.js",
            "/split_access_page_9680473842394013360-11929049b9b7884b.wasm",
            "/__wasm_split-0018d777b4aff983.js",
            "/main-ABCDEF0123456789.css",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/ventes",
            "/favicon.ico",
            "/chunk-c1d9c84b4ebd86a.wasm",
            "/-c1d9c84b4ebd86a7.wasm",
            "/chunk-c1d9c84b4ebd86az.wasm",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }
}
