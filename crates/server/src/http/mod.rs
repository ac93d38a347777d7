//! The HTTP surface: the JSON API under `/api` and the single-page app around it.

mod device_auth;
mod health;
mod json;
pub mod routes;
mod spa;
mod stores;
mod sync;

use crate::error::{AppError, AppResult};
use crate::storage::Storage;
use axum::extract::OriginalUri;
use axum::http::Method;
use axum::{Extension, Json, Router};
use multicaisse_core::store::{Register, Store};
use routes::{schema, Access, ApiRoutes, RouteDoc};
use std::path::Path;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    /// How long a sync lease lasts without a request from its holder.
    pub sync_lease: chrono::Duration,
}

/// Every API route, documented (paths below `/api`).
pub fn api_routes() -> ApiRoutes {
    health::routes()
        .merge(stores::routes())
        .merge(sync::routes())
        .add(
            RouteDoc {
                method: Method::GET,
                path: "/openapi.json",
                summary: "This document",
                access: Access::Open,
                query: &[],
                body: None,
                response: schema::<serde_json::Value>,
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
        .layer(Extension(document))
        .fallback(unknown_api_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state);
    Router::new()
        .nest("/api", api)
        .merge(spa::router(dist))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// The store with this id, or a 404 saying so.
pub(crate) async fn store_or_404(storage: &dyn Storage, id: i64) -> AppResult<Store> {
    storage
        .store(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("store {id} does not exist")))
}

/// The register with this id, or a 404 saying so.
pub(crate) async fn register_or_404(storage: &dyn Storage, id: i64) -> AppResult<Register> {
    storage
        .register(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("register {id} does not exist")))
}

async fn wrong_method(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}

async fn unknown_api_route(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route for {method} {uri}"))
}
