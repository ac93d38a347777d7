//! The API a register (iPad) calls: pair once, then sync in sessions under its own lease.
//! Also the pairing-code route support uses to enrol a register.

use super::device_auth::DeviceAuth;
use super::json::ApiJson;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::{InStore, OnRegister};
use super::{register_or_404, AppState};
use crate::device::{self, new_token, normalize_code, secret_hash};
use crate::error::{AppError, AppResult};
use crate::ingest;
use crate::storage::{LeaseOutcome, Redeemed};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::sync::{
    BeginResponse, EndResponse, LeaseBusy, PairRequest, PairResponse, PairingCode, PullRequest,
    PullResponse, PulledChange, PushRefusal, PushRequest, PushResponse, RevokeRequest,
    RevokeResponse, SessionRequest, SyncSession, MAX_PULL_PAGE, MAX_PUSH_BODY_BYTES,
};

pub fn routes() -> ApiRoutes {
    let device = Access::Device;
    // Anyone may post to the pair route: a few KiB hold a code and a device's name.
    let pairing = ApiRoutes::default()
        .add(
            RouteDoc::new(
                Method::POST,
                "/sync/pair",
                "Exchange a one-time pairing code for this register's device token",
                Access::Public,
                Some(schema::<PairRequest>),
                schema::<PairResponse>,
            ),
            pair,
        )
        .map_router(|router| router.layer(DefaultBodyLimit::max(super::auth::MAX_AUTH_BODY_BYTES)));
    pairing.merge(ApiRoutes::default()
        .add(
            RouteDoc::new(Method::POST, "/sync/begin", "Take the register's sync lease (409 with Retry-After while another session of it holds it); other registers sync meanwhile", device, None, schema::<BeginResponse>),
            begin,
        )
        .add(
            RouteDoc::new(Method::POST, "/sync/push", "Push tickets, closures, settings and shared changes: atomic and idempotent", device, Some(schema::<PushRequest>), schema::<PushResponse>),
            push,
        )
        .add(
            RouteDoc::new(Method::POST, "/sync/pull", "The next page of the other registers' shared changes since this register's cursor", device, Some(schema::<PullRequest>), schema::<PullResponse>),
            pull,
        )
        .add(
            RouteDoc::new(Method::POST, "/sync/end", "Complete the sync session and release the lease", device, Some(schema::<SessionRequest>), schema::<EndResponse>),
            end,
        )
        .add(
            RouteDoc::new(Method::POST, "/registers/{register_id}/revoke-devices",
                "Revoke every device token of a register, with the reason its iPad will be told",
                Access::Register(Capability::RevokeDevices),
                Some(schema::<RevokeRequest>),
                schema::<RevokeResponse>,
            ),
            revoke_devices,
        )
        .add(get_sessions_doc(), list_sync_sessions)
        .add(
            RouteDoc::new(Method::POST, "/registers/{register_id}/pairing-codes", "A new one-time pairing code for a register's iPad (support staff activate registers)", Access::Register(Capability::EnrolRegisters), None, schema::<PairingCode>),
            create_pairing_code,
        )
        .map_router(|router| router.layer(DefaultBodyLimit::max(MAX_PUSH_BODY_BYTES))))
}

fn get_sessions_doc() -> RouteDoc {
    RouteDoc::new(
        Method::GET,
        "/stores/{store_id}/sync-sessions",
        "A store's latest sync attempts, accepted or refused, newest first",
        Access::Store(Capability::ViewSync),
        None,
        schema::<Vec<SyncSession>>,
    )
}

async fn revoke_devices(
    State(state): State<AppState>,
    OnRegister { caller, register }: OnRegister,
    ApiJson(request): ApiJson<RevokeRequest>,
) -> AppResult<Json<RevokeResponse>> {
    device_text("reason", &request.reason)?;
    let storage = state.storage.as_ref();
    let reason = request.reason.trim();
    let revoked_tokens =
        device::revoke(storage, &caller.user, &register, reason, Utc::now()).await?;
    Ok(Json(RevokeResponse {
        register_id: register.id,
        revoked_tokens,
    }))
}

async fn list_sync_sessions(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<Vec<SyncSession>>> {
    let store_id = scope.store(&state).await?.id;
    Ok(Json(state.storage.sync_sessions(store_id, 200).await?))
}

/// A new one-time code for a register's iPad (support reads it to the shop).
async fn create_pairing_code(
    State(state): State<AppState>,
    OnRegister { register, .. }: OnRegister,
) -> AppResult<Json<PairingCode>> {
    if !register.status.may_sync() {
        return Err(out_of_service(register.status));
    }
    Ok(Json(
        device::issue_pairing_code(state.storage.as_ref(), register.id, Utc::now()).await?,
    ))
}

/// Why a register that no longer syncs cannot pair an iPad or sync.
pub(super) fn out_of_service(status: multicaisse_core::store::RegisterStatus) -> AppError {
    AppError::Refused {
        conflict: multicaisse_core::api::Conflict::RegisterOutOfService,
        message: format!(
            "this register is {}: it no longer pairs an iPad nor syncs (its closures stay \
             downloadable)",
            match status {
                multicaisse_core::store::RegisterStatus::Pending => "not activated yet",
                _ => "out of service",
            }
        ),
    }
}

fn device_text(field: &str, value: &str) -> Result<(), ParamError> {
    let length = value.trim().chars().count();
    if length == 0 || length > 100 {
        return Err(ParamError::new(field, "must be 1 to 100 characters"));
    }
    multicaisse_core::text::check_label(field, value)
}

async fn pair(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PairRequest>,
) -> AppResult<Json<PairResponse>> {
    device_text("device_name", &request.device_name)?;
    device_text("device_model", &request.device_model)?;
    let token = new_token();
    let outcome = state
        .storage
        .redeem_pairing_code(
            &secret_hash(&normalize_code(&request.code)),
            &secret_hash(&token),
            request.device_name.trim(),
            request.device_model.trim(),
            Utc::now(),
        )
        .await?;
    let register_id = match outcome {
        Redeemed::Paired { register_id, .. } => register_id,
        Redeemed::OutOfService { status } => return Err(out_of_service(status)),
        Redeemed::Unknown => {
            return Err(AppError::Unauthorized(
                "unknown pairing code: check it, or ask support for a new one".into(),
            ))
        }
        Redeemed::AlreadyUsed => {
            return Err(AppError::Conflict(
                "this pairing code was already used: ask support for a new one".into(),
            ))
        }
        Redeemed::Expired => {
            return Err(AppError::Gone(
                "this pairing code has expired: ask support for a new one".into(),
            ))
        }
    };
    let register = register_or_404(state.storage.as_ref(), register_id).await?;
    Ok(Json(PairResponse { token, register }))
}

async fn begin(
    State(state): State<AppState>,
    device: DeviceAuth,
) -> AppResult<Json<BeginResponse>> {
    let now = Utc::now();
    let expires_at = now + state.sync_lease;
    let register = &device.register;
    match state
        .storage
        .begin_sync(
            register.store_id,
            register.id,
            now,
            expires_at.timestamp_millis(),
        )
        .await?
    {
        LeaseOutcome::Acquired { session_id } => {
            crate::metrics::sync("begun");
            let head = state.storage.chain_head(register.id).await?;
            let closure_head = state.storage.closure_head(register.id).await?;
            Ok(Json(BeginResponse {
                session_id,
                lease_expires_at: expires_at,
                last_ticket: head.map(|h| h.sequence),
                last_ticket_hash: head.map(|h| h.hash),
                last_closure: closure_head.map(|h| h.sequence),
                last_closure_hash: closure_head.map(|h| h.hash),
                perpetual_grand_total: state.storage.register_total(register.id).await?,
            }))
        }
        LeaseOutcome::Busy {
            session_id,
            holder_register_id,
            expires_at_ms,
        } => {
            crate::metrics::sync("refused");
            metrics::counter!(crate::metrics::LEASE_REFUSALS).increment(1);
            let holder = register_or_404(state.storage.as_ref(), holder_register_id).await?;
            let detail = format!(
                "register {} began a sync while one of its own was under way",
                register.number
            );
            state
                .storage
                .record_incident(
                    Some(register.store_id),
                    Some(register.id),
                    Some(session_id),
                    "lease_refused",
                    &detail,
                )
                .await?;
            state.alerts.evaluate_soon(register.store_id);
            let retry_after_seconds =
                u64::try_from((expires_at_ms - now.timestamp_millis() + 999) / 1000)
                    .unwrap_or(1)
                    .max(1);
            Err(AppError::LeaseBusy(LeaseBusy {
                error: format!(
                    "register {} ({}) is already syncing (another session of it, from a restart or a second app): one sync per register at a time; try again in {retry_after_seconds} s",
                    holder.number, holder.label
                ),
                holder_register_number: holder.number,
                holder_label: holder.label,
                retry_after_seconds,
            }))
        }
    }
}

/// Renews the lease of the caller's session, or explains why it cannot go on.
async fn live_session(state: &AppState, device: &DeviceAuth, session_id: i64) -> AppResult<()> {
    let now = Utc::now();
    let renewed = state
        .storage
        .renew_lease(
            device.register.id,
            session_id,
            now.timestamp_millis(),
            (now + state.sync_lease).timestamp_millis(),
        )
        .await?;
    if renewed {
        return Ok(());
    }
    state
        .storage
        .record_incident(
            Some(device.register.store_id),
            Some(device.register.id),
            Some(session_id),
            "lease_lost",
            "a request on a session that no longer holds the lease",
        )
        .await?;
    Err(AppError::Conflict(format!(
        "sync session {session_id} does not hold the register's lease (it expired, ended, or is not this register's): begin a new sync"
    )))
}

async fn push(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiJson(request): ApiJson<PushRequest>,
) -> AppResult<Json<PushResponse>> {
    live_session(&state, &device, request.session_id).await?;
    let register = &device.register;
    let push = ingest::Push {
        tickets: &request.tickets,
        closures: &request.closures,
        settings: request.settings.as_ref(),
        changes: &request.changes,
        gap_explanations: &request.gap_explanations,
        under_lease: true,
    };
    match ingest::push(
        state.storage.as_ref(),
        register,
        device.store.time_zone,
        Some(request.session_id),
        push,
    )
    .await
    {
        Ok(response) => {
            metrics::counter!(crate::metrics::TICKETS_INGESTED).increment(response.accepted);
            metrics::counter!(crate::metrics::CLOSURES_INGESTED)
                .increment(response.closures_accepted);
            state.alerts.evaluate_soon(register.store_id);
            if !request.changes.is_empty() {
                // After the commit: the registers holding a stream pull at once. (On
                // PostgreSQL every process hears it again through NOTIFY; streams skip repeats.)
                let head = state.storage.change_head(register.store_id).await?;
                state.pokes.send(crate::pokes::Poke {
                    store_id: register.store_id,
                    head,
                });
            }
            Ok(Json(response))
        }
        Err(ingest::IngestError::Refused(refusal)) => {
            crate::metrics::sync("push_refused");
            if matches!(
                refusal,
                PushRefusal::ConflictingReplay { .. } | PushRefusal::ConflictingChange(_)
            ) {
                // Flagged for support: a register re-sent a number or id with other content.
                state
                    .storage
                    .record_incident(
                        Some(register.store_id),
                        Some(register.id),
                        Some(request.session_id),
                        "conflicting_replay",
                        &refusal.to_string(),
                    )
                    .await?;
            }
            Err(AppError::PushRefused(refusal))
        }
        Err(e) => Err(e.into()),
    }
}

/// The next page of what the store's other registers changed since this register's cursor.
async fn pull(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiJson(request): ApiJson<PullRequest>,
) -> AppResult<Json<PullResponse>> {
    let limit = request.limit.unwrap_or(MAX_PULL_PAGE);
    if !(1..=MAX_PULL_PAGE).contains(&limit) {
        return Err(
            ParamError::new("limit", format!("must be between 1 and {MAX_PULL_PAGE}")).into(),
        );
    }
    live_session(&state, &device, request.session_id).await?;
    let registers = state.storage.registers(device.register.store_id).await?;
    let number_of = |id: i64| {
        registers
            .iter()
            .find(|r| r.id == id)
            .map_or(0, |r| r.number)
    };
    let page = state
        .storage
        .pull(
            &device.register,
            Some(request.session_id),
            Some(Utc::now().timestamp_millis()),
            limit,
        )
        .await?;
    Ok(Json(PullResponse {
        changes: page
            .changes
            .into_iter()
            .map(|(version, origin, change, level_after)| PulledChange {
                version,
                origin_register: number_of(origin),
                change,
                level_after,
            })
            .collect(),
        cursor: page.cursor,
        head: page.head,
        remaining: page.remaining,
    }))
}

async fn end(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiJson(request): ApiJson<SessionRequest>,
) -> AppResult<Json<EndResponse>> {
    let now = Utc::now();
    let ended = state
        .storage
        .end_sync(device.register.id, request.session_id, now)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "sync session {} does not hold the register's lease (it expired, ended, or is not this register's)",
                request.session_id
            ))
        })?;
    crate::metrics::sync("completed");
    state.alerts.evaluate_soon(device.register.store_id);
    Ok(Json(EndResponse {
        session_id: request.session_id,
        tickets_pushed: ended.tickets_pushed,
        duration_ms: (now - ended.started_at).num_milliseconds(),
    }))
}
