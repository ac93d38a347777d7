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
        let Some(device) = storage.device(&token_hash).await? else {
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
        };
        let register = storage.register(device.register_id).await?.ok_or_else(|| {
            AppError::Unauthorized(format!("this token's register no longer exists: {REPAIR}"))
        })?;
        if let Some(revoked_at) = device.revoked_at {
            let reason = device.revoked_reason.unwrap_or_default();
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
                revoked_at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        if !register.status.may_sync() {
            return Err(super::sync::out_of_service(register.status));
        }
        let store = store_or_404(storage.as_ref(), register.store_id).await?;
        Ok(DeviceAuth {
            register,
            store,
            token_hash,
        })
    }
}
