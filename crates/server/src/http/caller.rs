//! Who is calling the dashboard API: the signed-in person behind the session cookie, with the
//! stores they may reach. Every handler that needs a person takes a [`Caller`] and asks it for
//! the store or register it acts on, with the capability it needs: there is no other way in.

use super::{register_or_404, AppState};
use crate::accounts::csrf_token;
use crate::error::{AppError, AppResult};
use crate::secret::secret_hash;
use crate::storage::accounts::User;
use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use multicaisse_core::api::parse_id;
use multicaisse_core::auth::{Capability, Me, Membership, Principal, CSRF_HEADER, SESSION_COOKIE};
use multicaisse_core::store::Register;

#[derive(Clone)]
pub struct Caller {
    pub user: User,
    pub session_id: i64,
    pub memberships: Vec<Membership>,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

const SIGN_IN: &str = "sign in again";

/// The session secret from the `Cookie` header(s), if any.
pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // The route's access already resolved the caller (see `scope::admit`).
        if let Some(caller) = parts.extensions.remove::<Caller>() {
            return Ok(caller);
        }
        let secret = session_secret(&parts.headers).ok_or_else(|| {
            AppError::Unauthorized("sign in first: this needs a signed-in account".into())
        })?;
        let storage = &state.storage;
        let session = storage
            .session(&secret_hash(&secret))
            .await?
            .ok_or_else(|| AppError::Unauthorized(format!("unknown session: {SIGN_IN}")))?;
        if let Some(ended_at) = session.ended_at {
            return Err(AppError::Unauthorized(format!(
                "this session ended on {} ({}): {SIGN_IN}",
                ended_at.format("%Y-%m-%d %H:%M UTC"),
                session.ended_reason.as_deref().unwrap_or("signed out")
            )));
        }
        let now = Utc::now();
        if session.expires_at <= now {
            return Err(AppError::Unauthorized(format!(
                "this session expired on {}: {SIGN_IN}",
                session.expires_at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        let csrf = csrf_token(&secret);
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            // Not a timing oracle: the token is an HMAC-like hash of a secret the attacker
            // would already need.
            if sent != csrf {
                return Err(AppError::Forbidden(format!(
                    "missing or wrong `{CSRF_HEADER}` header: a state-changing request must \
                     carry the token /api/auth/me gives"
                )));
            }
        }
        Ok(Caller {
            memberships: session.memberships,
            user: session.user,
            session_id: session.id,
            csrf_token: csrf,
            expires_at: session.expires_at,
        })
    }
}

impl Caller {
    pub fn principal(&self) -> Principal<'_> {
        Principal {
            support: self.user.support,
            memberships: &self.memberships,
        }
    }

    pub fn me(&self) -> Me {
        Me {
            user_id: self.user.id,
            email: self.user.email.clone(),
            display_name: self.user.display_name.clone(),
            support: self.user.support,
            memberships: self.memberships.clone(),
            csrf_token: self.csrf_token.clone(),
            session_expires_at: self.expires_at,
        }
    }

    pub fn require_support(&self) -> AppResult<()> {
        if self.user.support {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only support staff may do this".to_string(),
            ))
        }
    }

    fn refuse(&self, what: &str, capability: Capability) -> AppError {
        AppError::Forbidden(format!(
            "your account may not {} for {what}",
            capability.words()
        ))
    }

    /// The id of a path parameter's store, if this caller may use `capability` there. Access is
    /// checked before existence, so that only support staff learn which ids exist.
    pub fn store_id(&self, raw_id: &str, capability: Capability) -> AppResult<i64> {
        let id = parse_id("store_id", raw_id)?;
        if !self.principal().can(id, capability) {
            return Err(self.refuse(&format!("store {id}"), capability));
        }
        Ok(id)
    }

    /// A member's store's time zone and fiscal month, known from the session already.
    pub fn store_clock(&self, store_id: i64) -> Option<(chrono_tz::Tz, u8)> {
        self.memberships
            .iter()
            .find(|m| m.store_id == store_id)
            .map(|m| (m.time_zone, m.fiscal_year_end_month))
    }

    /// The register of a path parameter, if this caller may use `capability` in its store.
    pub async fn register(
        &self,
        state: &AppState,
        raw_id: &str,
        capability: Capability,
    ) -> AppResult<Register> {
        let id = parse_id("register_id", raw_id)?;
        let found = state.storage.register(id).await?;
        match found {
            Some(register) if self.principal().can(register.store_id, capability) => Ok(register),
            None if self.user.support => register_or_404(state.storage.as_ref(), id).await,
            _ => Err(self.refuse(&format!("register {id}"), capability)),
        }
    }
}
