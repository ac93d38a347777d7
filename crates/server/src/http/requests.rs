//! Requests for an extra register: the owner asks, support staff activate (creating the
//! register and its first pairing code) or refuse with a reason; each step is in the audit log.

use super::caller::Caller;
use super::json::ApiJson;
use super::routes::{schema, Access, ApiRoutes, QueryParam, RouteDoc};
use super::{query_pairs, AppState};
use crate::error::{AppError, AppResult};
use crate::storage::accounts::NewAuditEntry;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use chrono::{DateTime, Utc};
use multicaisse_core::api::{parse_id, ParamError};
use multicaisse_core::auth::{AuditEvent, Capability};
use multicaisse_core::requests::{
    Activation, RefusalBody, RegisterRequest, RegisterRequestBody, RequestStatus, Season,
};
use multicaisse_core::store::Register;

const QUEUE_QUERY: &[QueryParam] = &[("status", false, "pending (the default: the queue) or all")];

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
            RouteDoc {
                query: QUEUE_QUERY,
                ..RouteDoc::new(
                    Method::GET,
                    "/register-requests",
                    "Every store's requests for an extra register, newest first: the pending ones, or all (support staff)",
                    Access::Support,
                    None,
                    schema::<Vec<RegisterRequest>>,
                )
            },
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

/// The audit entry of a request or a decision on one, written in its transaction.
fn audit(
    caller: &Caller,
    event: AuditEvent,
    store_id: i64,
    at: DateTime<Utc>,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        event,
        store_id: Some(store_id),
        actor: Some((caller.user.id, caller.user.email.clone())),
        subject: None,
        role: None,
        previous_role: None,
        detail,
    }
}

fn described(label: &str, season: Option<Season>) -> String {
    match season {
        Some(season) => format!(
            "`{}`, from {} to {}",
            label.trim(),
            season.from,
            season.until
        ),
        None => format!("`{}`, permanent", label.trim()),
    }
}

async fn request_register(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RegisterRequestBody>,
) -> AppResult<Json<RegisterRequest>> {
    let (store, registers) = caller
        .store_and_registers(&state, &id, Capability::RequestRegisters)
        .await?;
    let pending = state
        .storage
        .register_requests(Some(store.id), true)
        .await?;
    let labels: Vec<&str> = registers
        .iter()
        .map(|r| r.label.as_str())
        .chain(pending.iter().map(|r| r.label.as_str()))
        .collect();
    let now = Utc::now();
    body.validate(store.today(now), &labels)?;
    let entry = audit(
        &caller,
        AuditEvent::RegisterRequested,
        store.id,
        now,
        described(&body.label, body.season),
    );
    let request = state
        .storage
        .insert_register_request(store.id, &body, caller.user.id, now, &entry)
        .await?;
    Ok(Json(request))
}

async fn store_requests(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<RegisterRequest>>> {
    let store = caller
        .store(&state, &id, Capability::ViewSubscription)
        .await?;
    Ok(Json(
        state
            .storage
            .register_requests(Some(store.id), false)
            .await?,
    ))
}

async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Vec<RegisterRequest>>> {
    caller.require_support()?;
    let mut pending_only = true;
    for (name, value) in query_pairs(query.as_deref())? {
        pending_only = match (name.as_str(), value.as_str()) {
            ("status", "pending") => true,
            ("status", "all") => false,
            ("status", other) => {
                return Err(
                    ParamError::new("status", format!("`{other}` is not pending or all")).into(),
                )
            }
            (other, _) => return Err(ParamError::new(other, "is not a parameter: status").into()),
        };
    }
    Ok(Json(
        state.storage.register_requests(None, pending_only).await?,
    ))
}

/// The request of a path, for support staff.
async fn pending_request(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
) -> AppResult<RegisterRequest> {
    caller.require_support()?;
    let id = parse_id("request_id", raw_id)?;
    let request = state
        .storage
        .register_request(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no register request {id}")))?;
    if request.status != RequestStatus::Pending {
        return Err(AppError::Conflict(format!(
            "register request {id} was already {}",
            request.status.code()
        )));
    }
    Ok(request)
}

async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Activation>> {
    let request = pending_request(&state, &caller, &id).await?;
    let now = Utc::now();
    let what = described(&request.label, request.season);
    let entry = |register: &Register| {
        audit(
            &caller,
            AuditEvent::RegisterActivated,
            register.store_id,
            now,
            format!("{what} as register {}", register.number),
        )
    };
    let (request, register) = state
        .storage
        .activate_register_request(request.id, caller.user.id, now, &entry)
        .await?;
    let pairing_code = super::sync::issue_pairing_code(&state, register.id).await?;
    Ok(Json(Activation {
        request,
        register,
        pairing_code,
    }))
}

async fn refuse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RefusalBody>,
) -> AppResult<Json<RegisterRequest>> {
    let request = pending_request(&state, &caller, &id).await?;
    body.validate()?;
    let now = Utc::now();
    let entry = audit(
        &caller,
        AuditEvent::RegisterRefused,
        request.store_id,
        now,
        format!(
            "{}: {}",
            described(&request.label, request.season),
            body.reason.trim()
        ),
    );
    let request = state
        .storage
        .refuse_register_request(request.id, caller.user.id, &body.reason, now, &entry)
        .await?;
    Ok(Json(request))
}
