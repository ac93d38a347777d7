//! Requests for an extra register, as services: the owner asks, support activates (the store's
//! next register and its iPad's first pairing code) or refuses with a reason. Each decision is
//! written with its audit entry in one transaction.

use crate::device;
use crate::error::{AppError, AppResult};
use crate::storage::accounts::{NewAuditEntry, User};
use crate::storage::Storage;
use chrono::{DateTime, Utc};
use multicaisse_core::auth::AuditEvent;
use multicaisse_core::requests::{
    Activation, RefusalBody, RegisterRequest, RegisterRequestBody, RequestStatus, Season,
};
use multicaisse_core::store::{Register, Store};

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

/// An owner asks for one more register; its label must differ from the store's registers'
/// and pending requests'.
pub async fn request(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    registers: &[Register],
    body: &RegisterRequestBody,
    now: DateTime<Utc>,
) -> AppResult<RegisterRequest> {
    let pending = storage.register_requests(Some(store.id), true).await?;
    let labels: Vec<&str> = registers
        .iter()
        .map(|r| r.label.as_str())
        .chain(pending.iter().map(|r| r.label.as_str()))
        .collect();
    body.validate(store.today(now), &labels)?;
    let entry = NewAuditEntry::by(
        actor,
        AuditEvent::RegisterRequested,
        store.id,
        now,
        described(&body.label, body.season),
    );
    Ok(storage
        .insert_register_request(store.id, body, actor.id, now, &entry)
        .await?)
}

/// A request support may still decide on.
async fn pending(storage: &dyn Storage, request_id: i64) -> AppResult<RegisterRequest> {
    let request = storage
        .register_request(request_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no register request {request_id}")))?;
    if request.status != RequestStatus::Pending {
        return Err(AppError::Conflict(format!(
            "register request {request_id} was already {}",
            request.status.code()
        )));
    }
    Ok(request)
}

/// Support activates a pending request: the register is created in service, with the
/// pairing code its iPad will redeem.
pub async fn activate(
    storage: &dyn Storage,
    actor: &User,
    request_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Activation> {
    let request = pending(storage, request_id).await?;
    let what = described(&request.label, request.season);
    let entry = |register: &Register| {
        NewAuditEntry::by(
            actor,
            AuditEvent::RegisterActivated,
            register.store_id,
            now,
            format!("{what} as register {}", register.number),
        )
        .on_register(register.id)
    };
    let (request, register) = storage
        .activate_register_request(request.id, actor.id, now, &entry)
        .await?;
    let pairing_code = device::issue_pairing_code(storage, register.id, now).await?;
    Ok(Activation {
        request,
        register,
        pairing_code,
    })
}

/// Support refuses a pending request with the reason the owner will read.
pub async fn refuse(
    storage: &dyn Storage,
    actor: &User,
    request_id: i64,
    body: &RefusalBody,
    now: DateTime<Utc>,
) -> AppResult<RegisterRequest> {
    let request = pending(storage, request_id).await?;
    body.validate()?;
    let entry = NewAuditEntry::by(
        actor,
        AuditEvent::RegisterRefused,
        request.store_id,
        now,
        format!(
            "{}: {}",
            described(&request.label, request.season),
            body.reason.trim()
        ),
    );
    Ok(storage
        .refuse_register_request(request.id, actor.id, &body.reason, now, &entry)
        .await?)
}
