//! The HTTP surface: the JSON API under `/api` and the single-page app around it.

mod access;
mod alerts;
mod auth;
pub mod caller;
mod closures;
mod decommissions;
mod device_auth;
mod freshness;
mod headers;
mod health;
mod json;
mod page_hints;
pub mod query;
mod requests;
pub mod routes;
mod sales;
pub mod scope;
mod shops;
mod spa;
mod stores;
mod subscription;
mod sync;
mod sync_events;

use crate::error::AppError;
use crate::storage::Storage;
use axum::extract::{OriginalUri, Request};
use axum::http::header::{HOST, ORIGIN};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use routes::{schema, Access, ApiRoutes, RouteDoc};
use std::path::Path;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    /// How long a sync lease lasts without a request from its holder.
    pub sync_lease: chrono::Duration,
    /// How long a dashboard session lasts after sign-in.
    pub session_lifetime: chrono::Duration,
    /// Mark session cookies `Secure` (also done for requests a proxy says came over HTTPS).
    pub secure_cookies: bool,
    /// The address people reach the dashboard at, for invitation links.
    pub public_url: Option<String>,
    /// What an extra register costs, from the configuration.
    pub prices: multicaisse_core::subscription::Prices,
    /// Failed sign-ins from one client address before each new one is delayed.
    pub client_free_failures: u32,
    /// Sends invitations and reset links, when `--smtp-url` is set.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Evaluates a shop's alerts (after a sync, and when someone looks).
    pub alerts: crate::alerts::Evaluator,
    /// Tells the registers' open event streams of each commit of shared changes.
    pub pokes: crate::pokes::Pokes,
}

/// How often a register's event stream beats, and checks its token again.
pub use sync_events::HEARTBEAT as SYNC_EVENTS_HEARTBEAT;

/// Every API route, documented (paths below `/api`).
pub fn api_routes() -> ApiRoutes {
    health::routes()
        .merge(auth::routes())
        .merge(access::routes())
        .merge(stores::routes())
        .merge(shops::routes())
        .merge(sales::routes())
        .merge(sync::routes())
        .merge(sync_events::routes())
        .merge(freshness::routes())
        .merge(closures::routes())
        .merge(subscription::routes())
        .merge(requests::routes())
        .merge(decommissions::routes())
        .merge(alerts::routes())
        .add(
            RouteDoc {
                method: Method::GET,
                path: "/openapi.json",
                summary: "This document",
                access: Access::Public,
                query: routes::no_query,
                body: None,
                response: schema::<serde_json::Value>,
                media: routes::JSON,
            },
            openapi_document,
        )
}

async fn openapi_document(
    Extension(document): Extension<Arc<serde_json::Value>>,
) -> Json<serde_json::Value> {
    Json(document.as_ref().clone())
}

pub fn router(state: AppState, dist: &Path) -> Router {
    let (api, docs) = api_routes().into_parts();
    let document = Arc::new(routes::openapi(&docs));
    let api = api
        .route_layer(middleware::from_fn(crate::metrics::track))
        .layer(middleware::from_fn(refuse_cross_site))
        .layer(Extension(document))
        .fallback(unknown_api_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state.clone());
    let app = Router::new()
        .nest("/api", headers::no_store(api))
        .merge(spa::router(dist, state))
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .layer(CompressionLayer::new())
        // Every log line of a request carries its id, which its answer carries too
        // (`x-request-id`): a support ticket quoting it finds the lines.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", id, method = %request.method(), path = request.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid));
    headers::add_security_headers(app, dist)
}

pub(crate) use crate::lookup::{register_or_404, store_or_404};

async fn wrong_method(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}

async fn unknown_api_route(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route for {method} {uri}"))
}

/// Refuses a state-changing request that a browser says comes from another site, whatever
/// its credentials: a second line behind the CSRF token (and what protects sign-in, which has
/// no session yet). Registers and scripts send no `Origin` and are not concerned.
async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if !request.method().is_safe() {
        let headers = request.headers();
        if let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
            let origin_host = origin.split_once("://").map_or(origin, |(_, host)| host);
            let host = headers.get(HOST).and_then(|v| v.to_str().ok());
            if host != Some(origin_host) {
                return AppError::Forbidden(format!(
                    "cross-site request refused: it comes from {origin}"
                ))
                .into_response();
            }
        }
    }
    next.run(request).await
}

/// A query string's parameters, in order; a name given twice is refused, whatever the route.
pub(crate) fn query_pairs(
    query: Option<&str>,
) -> Result<Vec<(String, String)>, multicaisse_core::api::ParamError> {
    // Invalid UTF-8 decodes to U+FFFD, which no parameter accepts: it is refused by name later.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(multicaisse_core::api::ParamError::new(
                name,
                "given more than once",
            ));
        }
        // No parameter means a control character (PostgreSQL refuses a NUL in any text).
        multicaisse_core::text::check_label(name, value)?;
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard the router wears, on a route that panics, over real HTTP: a JSON 500 in the
    /// API's error shape, and the server goes on answering.
    #[tokio::test]
    async fn a_panicking_handler_answers_a_json_500() {
        async fn boom() -> &'static str {
            let asked: Vec<i32> = Vec::new();
            if asked.is_empty() {
                panic!("date arithmetic overflowed");
            }
            "unreachable"
        }
        let app = Router::new()
            .route("/boom", axum::routing::get(boom))
            .route("/fine", axum::routing::get(|| async { "fine" }))
            .layer(CatchPanicLayer::custom(crate::error::panic_response));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let response = reqwest::get(format!("http://{address}/boom"))
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body["error"],
            "internal error; the server log has the details"
        );
        assert!(!body.to_string().contains("overflowed"), "{body}");
        let after = reqwest::get(format!("http://{address}/fine"))
            .await
            .unwrap();
        assert_eq!(after.text().await.unwrap(), "fine");
    }

    #[test]
    fn query_strings_decode() {
        let pairs = query_pairs(Some("period=custom&from=2026-01-01&to=2026%2D01%2D31")).unwrap();
        assert_eq!(pairs[2], ("to".into(), "2026-01-31".into()));
        assert_eq!(query_pairs(None).unwrap(), vec![]);
        let repeated = query_pairs(Some("format=zip&period=2026-03&format=csv")).unwrap_err();
        assert_eq!(repeated.parameter, "format");
        assert_eq!(
            query_pairs(Some("store=a%00b")).unwrap_err().parameter,
            "store"
        );
        assert_eq!(
            query_pairs(Some("period=%E9")).unwrap(),
            vec![("period".into(), "\u{FFFD}".into())]
        );
    }
}
