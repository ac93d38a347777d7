//! The store's subscription: what its registers cost, this month's invoice as it stands, and
//! past months.

use super::query::{ApiQuery, LangQuery};
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::InStore;
use super::AppState;
use crate::error::AppResult;
use axum::extract::State;
use axum::http::Method;
use axum::Json;
use chrono::NaiveDate;
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::setup::RegisterSetup;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::subscription::{Billing, ServedRegister, ServiceSpan, Subscription};
use multicaisse_core::zperiod::ZPeriod;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
struct BillingQuery {
    /// the month, 2026-11 (default: this month in Paris)
    #[schemars(length(max = 7))]
    month: Option<String>,
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            RouteDoc::new(
                Method::GET,
                "/billing",
                "What the service bills for a month: every store's extra registers, prorated to the day, and the total (support staff)",
                Access::Support,
                None,
                schema::<Billing>,
            )
            .with_query::<BillingQuery>(),
            billing,
        )
        .add(
            super::stores::get_doc(
                "/stores/{store_id}/subscription",
                "The store's registers and their monthly price (the principal one in the base plan), the monthly total HT, VAT and TTC, this month's invoice prorated to the day, and past months",
                schema::<Subscription>,
            )
            .with_access(Access::Store(Capability::ViewSubscription)),
            subscription,
        )
        .add(
            super::stores::get_doc(
                "/stores/{store_id}/setup",
                "Each register's set-up checklist, from the settings it last reported: shop information and fiscal year as the store's, ticket template and payment methods as the principal register's, loyalty on; and warnings; also in words (`lang`: fr, the default, or en)",
                schema::<Vec<RegisterSetup>>,
            )
            .with_access(Access::Store(Capability::ViewSubscription))
            .with_query::<LangQuery>(),
            setup,
        )
}

async fn billing(
    State(state): State<AppState>,
    ApiQuery(asked): ApiQuery<BillingQuery>,
) -> AppResult<Json<Billing>> {
    let month = match asked
        .month
        .as_deref()
        .map(|text| (text, ZPeriod::parse(text)))
    {
        None => None,
        Some((_, Ok(ZPeriod::Month(first)))) => Some(first),
        Some((text, _)) => {
            return Err(
                ParamError::new("month", format!("`{text}` is not a month (2026-11)")).into(),
            )
        }
    };
    let month = month.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive()
    });
    let mut stores = Vec::new();
    for store in state.storage.stores().await? {
        let registers = state.storage.registers(store.id).await?;
        let registers = served(&state, &store, registers).await?;
        stores.push((store.id, store.name, registers));
    }
    Ok(Json(Billing::assemble(month, stores, state.prices)))
}

async fn setup(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Vec<RegisterSetup>>> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    let checked = crate::setup::shop_setup(state.storage.as_ref(), &store, &registers).await?;
    Ok(Json(
        registers
            .iter()
            .zip(checked)
            .map(|(register, checked)| {
                RegisterSetup::new(
                    register.id,
                    register.number,
                    register.label.clone(),
                    checked.reported_at,
                    (checked.checks, checked.warnings),
                    lang,
                )
            })
            .collect(),
    ))
}

async fn subscription(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<Subscription>> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    let today = store.today(chrono::Utc::now());
    let spans = served(&state, &store, registers).await?;
    Ok(Json(Subscription::assemble(
        store.id,
        spans,
        state.prices,
        today,
    )))
}

/// Each register with the local days it serves. A seasonal register not yet suspended is
/// planned to end with the season it was asked for.
async fn served(
    state: &AppState,
    store: &Store,
    registers: Vec<Register>,
) -> AppResult<Vec<ServedRegister>> {
    let seasons: std::collections::HashMap<i64, NaiveDate> = state
        .storage
        .register_requests(Some(store.id), false)
        .await?
        .into_iter()
        .filter_map(|r| r.register_id.zip(r.season.map(|s| s.until)))
        .collect();
    Ok(registers
        .into_iter()
        .map(|register| {
            let span = service_span(store, &register).map(|mut span| {
                if span.until.is_none() {
                    span.until = seasons.get(&register.id).copied();
                }
                span
            });
            (register, span)
        })
        .collect())
}

/// The local days a register serves: from the day it was activated to the day it was
/// suspended, both included.
pub(crate) fn service_span(store: &Store, register: &Register) -> Option<ServiceSpan> {
    register.activated_at.map(|at| ServiceSpan {
        from: store.business_date(at),
        until: register.suspended_at.map(|at| store.business_date(at)),
    })
}
