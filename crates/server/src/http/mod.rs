//! The HTTP surface: the JSON API under `/api` and the single-page app around it.

mod device_auth;
mod health;
mod json;
mod spa;
mod stores;
mod sync;

use crate::error::AppError;
use crate::storage::Storage;
use axum::extract::OriginalUri;
use axum::http::Method;
use axum::Router;
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

pub fn router(state: AppState, dist: &Path) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(stores::router())
        .merge(sync::router())
        .fallback(unknown_api_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state);
    Router::new()
        .nest("/api", api)
        .merge(spa::router(dist))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

async fn wrong_method(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}

async fn unknown_api_route(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route for {method} {uri}"))
}
