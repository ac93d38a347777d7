//! Requests for an extra register: the owner asks, support staff activate (creating the
//! register and its first pairing code) or refuse with a reason; each step is in the audit log.

use super::caller::Caller;
use super::json::ApiJson;
use super::query::ApiQuery;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::InStore;
use super::AppState;
use crate::error::AppResult;
use crate::register_requests;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::parse_id;
use multicaisse_core::auth::Capability;
use multicaisse_core::requests::{Activation, RefusalBody, RegisterRequest, RegisterRequestBody};
use schemars::JsonSchema;
use serde::Deserialize;

/// Which requests the queue lists.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Listed {
    #[default]
    Pending,
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct QueueQuery {
    /// pending (the default: the queue) or all
    #[serde(default)]
    status: Listed,
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/register-requests",
                "Ask for an extra register, permanent or for a season (owner, support)",
                Access::Store(Capability::RequestRegisters),
                Some(schema::<RegisterRequestBody>),
                schema::<RegisterRequest>,
            ),
            request_register,
        )
        .add(
            RouteDoc::new(
                Method::GET,
                "/stores/{store_id}/register-requests",
                "The store's requests for an extra register and what became of them, newest first",
                Access::Store(Capability::ViewSubscription),
                None,
                schema::<Vec<RegisterRequest>>,
            ),
            store_requests,
        )
        .add(
            RouteDoc::new(
                Method::GET,
                "/register-requests",
                "Every store's requests for an extra register, newest first: the pending ones, or all (support staff)",
                Access::Support,
                None,
                schema::<Vec<RegisterRequest>>,
            )
            .with_query::<QueueQuery>(),
            queue,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/register-requests/{request_id}/activate",
                "Activate a pending request: the store's next register, in service now, and its iPad's pairing code (support staff)",
                Access::Support,
                None,
                schema::<Activation>,
            ),
            activate,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/register-requests/{request_id}/refuse",
                "Refuse a pending request with the reason the owner will read (support staff)",
                Access::Support,
                Some(schema::<RefusalBody>),
                schema::<RegisterRequest>,
            ),
            refuse,
        )
}

async fn request_register(
    State(state): State<AppState>,
    scope: InStore,
    ApiJson(body): ApiJson<RegisterRequestBody>,
) -> AppResult<Json<RegisterRequest>> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    let storage = state.storage.as_ref();
    let user = &scope.caller.user;
    Ok(Json(
        register_requests::request(storage, user, &store, &registers, &body, Utc::now()).await?,
    ))
}

async fn store_requests(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<Vec<RegisterRequest>>> {
    let store = scope.store(&state).await?;
    Ok(Json(
        state
            .storage
            .register_requests(Some(store.id), false)
            .await?,
    ))
}

async fn queue(
    State(state): State<AppState>,
    ApiQuery(asked): ApiQuery<QueueQuery>,
) -> AppResult<Json<Vec<RegisterRequest>>> {
    let pending_only = matches!(asked.status, Listed::Pending);
    Ok(Json(
        state.storage.register_requests(None, pending_only).await?,
    ))
}

async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Activation>> {
    let id = parse_id("request_id", &id)?;
    let storage = state.storage.as_ref();
    Ok(Json(
        register_requests::activate(storage, &caller.user, id, Utc::now()).await?,
    ))
}

async fn refuse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RefusalBody>,
) -> AppResult<Json<RegisterRequest>> {
    let id = parse_id("request_id", &id)?;
    let storage = state.storage.as_ref();
    Ok(Json(
        register_requests::refuse(storage, &caller.user, id, &body, Utc::now()).await?,
    ))
}
