use super::caller::Caller;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::{InStore, OnRegister};
use super::AppState;
use crate::error::AppResult;
use axum::extract::State;
use axum::http::Method;
use axum::Json;
use multicaisse_core::auth::Capability;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::sync::Integrity;

/// A GET route for the store's readers (owners, accountants, support).
pub(super) fn get_doc(
    path: &'static str,
    summary: &'static str,
    response: super::routes::SchemaFn,
) -> RouteDoc {
    RouteDoc::new(
        Method::GET,
        path,
        summary,
        Access::Store(Capability::ViewSales),
        None,
        response,
    )
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            get_doc(
                "/registers/{register_id}/integrity",
                "A register's journal integrity: open gaps in its ticket numbers (with the register's explanations) and first chain breaks",
                schema::<Integrity>,
            )
            .with_access(Access::Register(Capability::ViewSales)),
            register_integrity,
        )
        .add(
            get_doc("/stores", "The stores this account may see (every store for support staff)", schema::<Vec<Store>>)
                .with_access(Access::SignedIn),
            list_stores,
        )
        .add(get_doc("/stores/{store_id}", "One store", schema::<Store>), get_store)
        .add(
            get_doc("/stores/{store_id}/registers", "A store's registers, by number", schema::<Vec<Register>>),
            list_registers,
        )
}

async fn register_integrity(
    State(state): State<AppState>,
    scope: OnRegister,
) -> AppResult<Json<Integrity>> {
    let register_id = scope.register.id;
    let storage = &state.storage;
    let (ticket_chain_break, closure_chain_break) = storage.chain_breaks(register_id).await?;
    Ok(Json(Integrity {
        register_id,
        last_ticket: storage.chain_head(register_id).await?.map(|h| h.sequence),
        open_gaps: storage.open_gaps(register_id).await?,
        ticket_chain_break,
        closure_chain_break,
    }))
}

async fn list_stores(State(state): State<AppState>, caller: Caller) -> AppResult<Json<Vec<Store>>> {
    let principal = caller.principal();
    let mut stores = state.storage.stores().await?;
    stores.retain(|store| principal.can(store.id, Capability::ViewSales));
    Ok(Json(stores))
}

async fn get_store(State(state): State<AppState>, scope: InStore) -> AppResult<Json<Store>> {
    Ok(Json(scope.store(&state).await?))
}

async fn list_registers(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<Vec<Register>>> {
    let (_, registers) = scope.store_and_registers(&state).await?;
    Ok(Json(registers))
}
