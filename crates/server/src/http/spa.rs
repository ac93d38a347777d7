//! The built app (Trunk's `dist/`), with every unknown path answered by `index.html` so the
//! app's own router handles client-side routes such as `/ventes`.

use axum::http::StatusCode;
use axum::response::Html;
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

pub fn router(dist: &Path) -> Router {
    let index = dist.join("index.html");
    if index.is_file() {
        Router::new().fallback_service(ServeDir::new(dist).fallback(ServeFile::new(index)))
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
