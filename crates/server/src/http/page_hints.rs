//! What a page needs before the app asks for it, named in the `Link` header of the page's
//! `index.html`: the browser fetches the page's modules, the loader of modules, and (for a
//! signed-in person) who they are and their shops, while it is still fetching the shell. On
//! an iPad these used to come one after the other, each once the previous had run: the
//! shell, then the loader, then the page's modules, then `/api/auth/me`, then the shops.
//!
//! Which files make each page's module is written by the build (`page-modules.json`,
//! scripts/split-wasm.sh); which module each path opens is [`multicaisse_core::pages`].

use super::caller::Caller;
use super::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use multicaisse_core::pages::{module_at, PAGE_MODULES};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// `page-modules.json`: the files of code every page needs besides the shell, and each page's.
#[derive(Debug, Default, Deserialize)]
pub struct PageFiles {
    shell: Vec<String>,
    pages: HashMap<String, Vec<String>>,
}

/// What the app asks the server first once it runs, when someone is signed in.
const FIRST_ANSWERS: [&str; 2] = ["/api/auth/me", "/api/stores"];

impl PageFiles {
    /// The build's list, or none (a build without it, or one this server cannot read: the
    /// pages then load as they would without hints, and the log says why).
    pub fn load(dist: &Path) -> PageFiles {
        let path = dist.join("page-modules.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return PageFiles::default();
        };
        let files: PageFiles = match serde_json::from_str(&text) {
            Ok(files) => files,
            Err(error) => {
                tracing::warn!(
                    "{} is unreadable ({error}): pages load without hints",
                    path.display()
                );
                return PageFiles::default();
            }
        };
        let named = |file: &String| {
            !file.is_empty()
                && file
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        };
        if !files
            .shell
            .iter()
            .chain(files.pages.values().flatten())
            .all(named)
        {
            tracing::warn!(
                "{} names a file oddly: pages load without hints",
                path.display()
            );
            return PageFiles::default();
        }
        for page in PAGE_MODULES {
            if !files.pages.contains_key(page.module) {
                tracing::warn!(
                    "{} has no module {} for {}",
                    path.display(),
                    page.module,
                    page.path
                );
            }
        }
        files
    }

    /// The `Link` header for the page at `path`, or none when there is nothing to hint.
    fn link(&self, path: &str, signed_in: bool) -> Option<HeaderValue> {
        let code = self
            .shell
            .iter()
            .map(|file| format!("</{file}>; rel=modulepreload"))
            .chain(
                module_at(path)
                    .and_then(|module| self.pages.get(module))
                    .into_iter()
                    .flatten()
                    .map(|file| format!("</{file}>; rel=preload; as=fetch; crossorigin")),
            );
        let answers = FIRST_ANSWERS
            .iter()
            .filter(|_| signed_in)
            .map(|answer| format!("<{answer}>; rel=preload; as=fetch; crossorigin"));
        let links: Vec<String> = code.chain(answers).collect();
        if links.is_empty() {
            return None;
        }
        HeaderValue::from_str(&links.join(", ")).ok()
    }
}

/// Adds the `Link` header to the app's `index.html`, whatever path it answers. Only a live
/// session gets the API hints: a stale cookie would otherwise fetch answers the app never
/// reads (a 401 in the console, on the sign-in page).
pub async fn add_link_header(
    State((state, files)): State<(AppState, Arc<PageFiles>)>,
    request: Request,
    next: Next,
) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let cookies = request.headers().clone();
    let mut response = next.run(request).await;
    let is_page = response.status().is_success()
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|kind| kind.starts_with("text/html"));
    if !is_page {
        return response;
    }
    // Looked up only for a page: the app's files, asked for far more often, need no session.
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = cookies;
    let signed_in = Caller::from_request_parts(&mut parts, &state).await.is_ok();
    let headers = response.headers_mut();
    if let Some(link) = files.link(&path, signed_in) {
        headers.insert(header::LINK, link);
    }
    // Without a date to revalidate against, a browser never gets a `304` that would keep
    // the hints of an earlier answer (someone signed in then, signed out since).
    headers.remove(header::LAST_MODIFIED);
    headers.remove(header::ETAG);
    response
}
