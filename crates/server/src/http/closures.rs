//! Z files: a register's closures, each verified against the tickets the server holds.

use super::caller::Caller;
use super::routes::{schema, Access, ApiRoutes};
use super::{store_or_404, AppState};
use crate::error::AppResult;
use crate::zfiles::verify_register;
use axum::extract::{Path, State};
use axum::Json;
use multicaisse_core::auth::Capability;
use multicaisse_core::verification::RegisterVerification;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default().add(
        super::stores::get_doc(
            "/registers/{register_id}/verification",
            "A register's journal verified end to end: ticket and closure chains (intact up to which number, first break), each closure recomputed from the tickets, and closures due but not received",
            schema::<RegisterVerification>,
        )
        .with_access(Access::Register(Capability::ViewClosures)),
        verification,
    )
}

async fn verification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<RegisterVerification>> {
    let register = caller
        .register(&state, &id, Capability::ViewClosures)
        .await?;
    let store = store_or_404(state.storage.as_ref(), register.store_id).await?;
    Ok(Json(
        verify_register(
            state.storage.as_ref(),
            &store,
            &register,
            store.today(chrono::Utc::now()),
        )
        .await?,
    ))
}
