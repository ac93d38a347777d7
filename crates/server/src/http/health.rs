use super::AppState;
use crate::error::{AppError, AppResult};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use multicaisse_core::api::Health;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// 200 once the database answers; migrations ran before the server started listening.
async fn health(State(state): State<AppState>) -> AppResult<Json<Health>> {
    state.storage.ping().await.map_err(|e| {
        tracing::error!(error = %e, "health check: the database does not answer");
        AppError::Unavailable("the database does not answer".into())
    })?;
    Ok(Json(Health {
        status: "ok".into(),
        database: state.storage.backend().into(),
    }))
}
