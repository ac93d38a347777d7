//! What needs attention: a shop's alerts, brought up to date when someone looks (owners and
//! support), and every shop's open ones for support's *Flotte*.

use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::InStore;
use super::AppState;
use crate::error::AppResult;
use axum::extract::State;
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::alerts::OpenAlert;
use multicaisse_core::auth::Capability;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            RouteDoc::new(Method::GET, "/stores/{store_id}/alerts", "What needs attention in a shop now, most serious first: each alert with its register, what it is about, when it started and when it was first seen (evaluated at the request)", Access::Store(Capability::ViewSync), None, schema::<Vec<OpenAlert>>),
            store_alerts,
        )
        .add(
            RouteDoc::new(Method::GET, "/alerts", "Every shop's open alerts, by shop, most serious first (support staff; evaluated after each sync and every five minutes)", Access::Support, None, schema::<Vec<OpenAlert>>),
            fleet_alerts,
        )
}

async fn store_alerts(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<Vec<OpenAlert>>> {
    Ok(Json(
        state.alerts.evaluate(scope.store_id, Utc::now()).await?,
    ))
}

async fn fleet_alerts(State(state): State<AppState>) -> AppResult<Json<Vec<OpenAlert>>> {
    Ok(Json(state.storage.open_alerts(None).await?))
}
