use super::caller::Caller;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::{query_pairs, AppState};
use crate::error::AppResult;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::{SalesPeriod, SalesReport};
use multicaisse_core::auth::Capability;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::sync::Integrity;

fn get_doc(
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
        .add(
            RouteDoc {
                query: &[
                    ("period", true, "today, yesterday, this_week, this_month, last_month, fiscal_year, last_12_months or custom"),
                    ("from", false, "first day (YYYY-MM-DD), with period=custom"),
                    ("to", false, "last day (YYYY-MM-DD), with period=custom"),
                ],
                ..get_doc(
                    "/stores/{store_id}/sales",
                    "Sales per register over local business days, with the store total",
                    schema::<SalesReport>,
                )
            },
            sales,
        )
}

async fn register_integrity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Integrity>> {
    let register_id = caller
        .register(&state, &id, Capability::ViewSales)
        .await?
        .id;
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

async fn get_store(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Store>> {
    Ok(Json(
        caller.store(&state, &id, Capability::ViewSales).await?,
    ))
}

async fn list_registers(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Register>>> {
    let (_, registers) = caller
        .store_and_registers(&state, &id, Capability::ViewSales)
        .await?;
    Ok(Json(registers))
}

/// Sales of each register of a store over a period of local business days, compared with the
/// previous equivalent period: read from the daily rollups.
async fn sales(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<SalesReport>> {
    let (store, registers) = caller
        .store_and_registers(&state, &id, Capability::ViewSales)
        .await?;
    let period = SalesPeriod::parse(&query_pairs(query.as_deref()))?;
    let (preset, range) = period.resolve(store.today(Utc::now()), store.fiscal_year_end_month);
    let previous_range = range.previous(preset);
    let (mut current, previous) = state
        .storage
        .sales_compared(store.id, range, previous_range)
        .await?;
    let registers = registers
        .into_iter()
        .map(|register| {
            let day = current.remove(&register.id).unwrap_or_default();
            (register, day)
        })
        .collect();
    Ok(Json(SalesReport::new(
        store.id,
        preset,
        (range, previous_range),
        registers,
        &previous,
    )))
}
