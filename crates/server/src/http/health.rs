use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::AppState;
use crate::error::{AppError, AppResult};
use axum::extract::State;
use axum::http::Method;
use axum::Json;
use multicaisse_core::api::Health;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default().add(
        RouteDoc {
            method: Method::GET,
            path: "/health",
            summary: "200 once the database answers (503 when it does not)",
            access: Access::Public,
            query: super::routes::no_query,
            body: None,
            response: schema::<Health>,
            media: super::routes::JSON,
        },
        health,
    )
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
