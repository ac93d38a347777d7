use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::{register_or_404, store_or_404, AppState};
use crate::error::AppResult;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::{parse_id, RegisterSales, SalesPeriod, SalesReport};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::sync::Integrity;
use std::collections::HashMap;

fn get_doc(
    path: &'static str,
    summary: &'static str,
    response: super::routes::SchemaFn,
) -> RouteDoc {
    RouteDoc {
        method: Method::GET,
        path,
        summary,
        access: Access::Open,
        query: &[],
        body: None,
        response,
    }
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            get_doc(
                "/registers/{register_id}/integrity",
                "A register's journal integrity: open gaps in its ticket numbers (with the register's explanations) and first chain breaks",
                schema::<Integrity>,
            ),
            register_integrity,
        )
        .add(get_doc("/stores", "Stores", schema::<Vec<Store>>), list_stores)
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
    Path(id): Path<String>,
) -> AppResult<Json<Integrity>> {
    let register_id = parse_id("register_id", &id)?;
    let storage = &state.storage;
    register_or_404(storage.as_ref(), register_id).await?;
    let (ticket_chain_break, closure_chain_break) = storage.chain_breaks(register_id).await?;
    Ok(Json(Integrity {
        register_id,
        last_ticket: storage.chain_head(register_id).await?.map(|h| h.sequence),
        open_gaps: storage.open_gaps(register_id).await?,
        ticket_chain_break,
        closure_chain_break,
    }))
}

async fn list_stores(State(state): State<AppState>) -> AppResult<Json<Vec<Store>>> {
    Ok(Json(state.storage.stores().await?))
}

async fn find_store(state: &AppState, raw_id: &str) -> AppResult<Store> {
    let id = parse_id("store_id", raw_id)?;
    store_or_404(state.storage.as_ref(), id).await
}

async fn get_store(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Store>> {
    Ok(Json(find_store(&state, &id).await?))
}

async fn list_registers(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Register>>> {
    let store = find_store(&state, &id).await?;
    Ok(Json(state.storage.registers(store.id).await?))
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    // Invalid UTF-8 decodes to U+FFFD, which no parameter accepts: it is refused by name later.
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Sales of each register of a store over a period of local business days.
async fn sales(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<SalesReport>> {
    let period = SalesPeriod::parse(&query_pairs(query.as_deref()))?;
    let store = find_store(&state, &id).await?;
    let (preset, range) = period.resolve(store.today(Utc::now()), store.fiscal_year_end_month);
    let registers = state.storage.registers(store.id).await?;
    let mut totals: HashMap<i64, _> = state
        .storage
        .sales_by_register(store.id, range)
        .await?
        .into_iter()
        .collect();
    let per_register = registers
        .into_iter()
        .map(|register| RegisterSales {
            totals: totals.remove(&register.id).unwrap_or_default(),
            register,
        })
        .collect();
    Ok(Json(SalesReport::new(
        store.id,
        preset,
        range,
        per_register,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        let pairs = query_pairs(Some("period=custom&from=2026-01-01&to=2026%2D01%2D31"));
        assert_eq!(pairs[2], ("to".into(), "2026-01-31".into()));
        assert_eq!(query_pairs(None), vec![]);
        assert_eq!(
            query_pairs(Some("period=%E9")),
            vec![("period".into(), "\u{FFFD}".into())]
        );
    }
}
