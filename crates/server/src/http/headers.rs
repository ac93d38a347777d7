//! The headers every answer carries: a Content-Security-Policy that lets the app's own wasm
//! run and nothing injected, no MIME sniffing, no referrer; and `Cache-Control: no-store` on
//! the API, whose answers are one person's data.

use axum::http::{header, HeaderValue};
use axum::Router;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for an app whose index.html is `index_html`. Trunk writes an inline module
/// script that starts the wasm: it is allowed by its SHA-256, so no other inline script runs.
/// `'wasm-unsafe-eval'` lets the page compile its wasm (and not evaluate JavaScript text);
/// images may be `data:` and `blob:` URLs, as the charts' SVG and the downloads are.
pub fn content_security_policy(index_html: Option<&str>) -> String {
    let hashes: String = index_html
        .map(inline_scripts)
        .unwrap_or_default()
        .iter()
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// The text of each `<script>` without a `src`, exactly as the browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| i + at) {
        let Some(open_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script").map(|i| i + open_end) else {
            break;
        };
        let tag = &lower[start..open_end];
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace())
            .any(|attribute| attribute.starts_with("src=") || attribute == "src");
        if !has_src {
            scripts.push(&html[open_end + 1..close]);
        }
        at = close;
    }
    scripts
}

/// Adds the headers to every answer of `router`, the app's files and the API alike.
pub fn add_security_headers(router: Router, dist: &Path) -> Router {
    let index = std::fs::read_to_string(dist.join("index.html")).ok();
    let policy = content_security_policy(index.as_deref());
    let policy = HeaderValue::from_str(&policy).expect("the policy is ASCII");
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            policy,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// `no-store` on every API answer that does not say otherwise (the charts' SVG may be kept
/// a minute by the browser of the person who asked).
pub fn no_store<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_their_hash_and_nothing_else() {
        let index =
            "<html><head><script type=\"module\">import init from '/a.js';\nawait init();</script>\
            <script src=\"/b.js\"></script><SCRIPT>x()</SCRIPT></head></html>";
        assert_eq!(
            inline_scripts(index),
            vec!["import init from '/a.js';\nawait init();", "x()"]
        );
        let policy = content_security_policy(Some(index));
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"x()"));
        assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!content_security_policy(None).contains("sha256"));
    }
}
