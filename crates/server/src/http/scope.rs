//! A route's declared access, enforced. [`ApiRoutes::add`](super::routes::ApiRoutes::add) wraps
//! every handler in [`admit`], which resolves the route's `Access` before the handler runs:
//! the caller, the store or register of the path it may act on, and its query parameters
//! checked against the route's documented ones. The handler then takes what was resolved
//! ([`InStore`], [`OnRegister`], the [`Caller`] or the register's [`DeviceAuth`]) and never names a capability itself.

use super::caller::Caller;
use super::device_auth::DeviceAuth;
use super::routes::{Access, QueryFn};
use super::AppState;
use crate::error::{AppError, AppResult};
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use multicaisse_core::store::{Register, Store};

/// A signed-in caller allowed the route's capability in the store of the path.
#[derive(Clone)]
pub struct InStore {
    pub caller: Caller,
    pub store_id: i64,
}

/// A signed-in caller allowed the route's capability in the store of the path's register.
#[derive(Clone)]
pub struct OnRegister {
    pub caller: Caller,
    pub register: Register,
}

impl InStore {
    /// The store itself, or its 404 (only support staff reach ids that may not exist).
    pub async fn store(&self, state: &AppState) -> AppResult<Store> {
        super::store_or_404(state.storage.as_ref(), self.store_id).await
    }

    /// The store with its registers by number (one query).
    pub async fn store_and_registers(&self, state: &AppState) -> AppResult<(Store, Vec<Register>)> {
        state
            .storage
            .store_with_registers(self.store_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("store {} does not exist", self.store_id)))
    }
}

impl OnRegister {
    /// The register's store.
    pub async fn store(&self, state: &AppState) -> AppResult<Store> {
        super::store_or_404(state.storage.as_ref(), self.register.store_id).await
    }
}

/// Resolves `access` for a request and leaves what it found in the request's extensions;
/// then checks its query against the route's parameters.
pub async fn admit(
    state: &AppState,
    access: Access,
    query: QueryFn,
    parts: &mut Parts,
) -> AppResult<()> {
    match access {
        Access::Public => {}
        Access::Device => {
            let device = DeviceAuth::from_request_parts(parts, state).await?;
            parts.extensions.insert(device);
        }
        Access::SignedIn => {
            let caller = Caller::from_request_parts(parts, state).await?;
            parts.extensions.insert(caller);
        }
        Access::Support => {
            let caller = Caller::from_request_parts(parts, state).await?;
            caller.require_support()?;
            parts.extensions.insert(caller);
        }
        Access::Store(capability) => {
            let caller = Caller::from_request_parts(parts, state).await?;
            let raw = path_parameter(parts, state, "store_id").await?;
            let store_id = caller.store_id(&raw, capability)?;
            parts.extensions.insert(InStore { caller, store_id });
        }
        Access::Register(capability) => {
            let caller = Caller::from_request_parts(parts, state).await?;
            let raw = path_parameter(parts, state, "register_id").await?;
            let register = caller.register(state, &raw, capability).await?;
            parts.extensions.insert(OnRegister { caller, register });
        }
    }
    super::query::check(&query(), parts.uri.query())?;
    Ok(())
}

async fn path_parameter(parts: &mut Parts, state: &AppState, name: &str) -> AppResult<String> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| AppError::Internal(format!("path parameters: {e}")))?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| AppError::Internal(format!("the route's path has no `{{{name}}}`")))
}

/// What `admit` left for the handler, or a 500 if the route declared another access: a
/// mistake the access-matrix test meets on its first call.
fn resolved<T: Clone + Send + Sync + 'static>(parts: &mut Parts, what: &str) -> AppResult<T> {
    parts.extensions.remove::<T>().ok_or_else(|| {
        AppError::Internal(format!(
            "this handler takes {what}, which its route's declared access does not resolve"
        ))
    })
}

impl FromRequestParts<AppState> for InStore {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> AppResult<Self> {
        resolved(parts, "a store")
    }
}

impl FromRequestParts<AppState> for OnRegister {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> AppResult<Self> {
        resolved(parts, "a register")
    }
}
