//! A store or register by id, or the 404 that says it does not exist: for handlers and the
//! services they call alike.

use crate::error::{AppError, AppResult};
use crate::storage::Storage;
use multicaisse_core::store::{Register, Store};

/// The store with this id, or a 404 saying so.
pub(crate) async fn store_or_404(storage: &dyn Storage, id: i64) -> AppResult<Store> {
    storage
        .store(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("store {id} does not exist")))
}

/// The register with this id, or a 404 saying so.
pub(crate) async fn register_or_404(storage: &dyn Storage, id: i64) -> AppResult<Register> {
    storage
        .register(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("register {id} does not exist")))
}
