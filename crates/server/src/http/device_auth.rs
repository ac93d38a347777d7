//! Who is calling the sync API: the register behind a bearer token. A token reaches only its
//! own register: every sync handler acts on `DeviceAuth::register` and nothing else.

use super::{store_or_404, AppState};
use crate::device::secret_hash;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use multicaisse_core::store::{Register, Store};

#[derive(Clone)]
pub struct DeviceAuth {
    pub register: Register,
    pub store: Store,
    /// What the token is stored as: an open event stream checks it again at each heartbeat.
    pub token_hash: String,
}

const REPAIR: &str = "ask support for a new pairing code and pair this iPad again";

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // The route's access already resolved the register (see `scope::admit`).
        if let Some(device) = parts.extensions.remove::<DeviceAuth>() {
            return Ok(device);
        }
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "missing device token (header `Authorization: Bearer <token>`)".into(),
                )
            })?;
        let storage = &state.storage;
        let token_hash = secret_hash(token);
        let register = match token_register(storage.as_ref(), &token_hash).await? {
            Ok(register) => register,
            Err(TokenRefusal::Unknown) => {
                storage
                    .record_incident(
                        None,
                        None,
                        None,
                        "unknown_token",
                        "a sync request with an unknown device token",
                    )
                    .await?;
                return Err(AppError::Unauthorized(format!(
                    "unknown device token: {REPAIR}"
                )));
            }
            Err(TokenRefusal::RegisterGone) => {
                return Err(AppError::Unauthorized(format!(
                    "this token's register no longer exists: {REPAIR}"
                )))
            }
            Err(TokenRefusal::Revoked {
                register,
                at,
                reason,
            }) => {
                storage
                    .record_incident(
                        Some(register.store_id),
                        Some(register.id),
                        None,
                        "revoked_token",
                        &reason,
                    )
                    .await?;
                return Err(AppError::Unauthorized(format!(
                    "this device token was revoked on {} ({reason}); {REPAIR}",
                    at.format("%Y-%m-%d %H:%M UTC")
                )));
            }
            Err(TokenRefusal::OutOfService(status)) => {
                return Err(super::sync::out_of_service(status))
            }
        };
        let store = store_or_404(storage.as_ref(), register.store_id).await?;
        Ok(DeviceAuth {
            register,
            store,
            token_hash,
        })
    }
}

/// Why a stored token no longer opens a sync.
pub(super) enum TokenRefusal {
    Unknown,
    RegisterGone,
    Revoked {
        register: Register,
        at: chrono::DateTime<chrono::Utc>,
        reason: String,
    },
    OutOfService(multicaisse_core::store::RegisterStatus),
}

/// The register a token (by its hash) opens a sync of, or why it does not: what every sync
/// request checks, and an open event stream again at each heartbeat.
pub(super) async fn token_register(
    storage: &dyn crate::storage::Storage,
    token_hash: &str,
) -> crate::storage::StorageResult<Result<Register, TokenRefusal>> {
    let Some(device) = storage.device(token_hash).await? else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    let Some(register) = storage.register(device.register_id).await? else {
        return Ok(Err(TokenRefusal::RegisterGone));
    };
    if let Some(at) = device.revoked_at {
        return Ok(Err(TokenRefusal::Revoked {
            register,
            at,
            reason: device.revoked_reason.unwrap_or_default(),
        }));
    }
    if !register.status.may_sync() {
        return Ok(Err(TokenRefusal::OutOfService(register.status)));
    }
    Ok(Ok(register))
}
