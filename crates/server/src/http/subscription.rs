//! The store's subscription: what its registers cost, this month's invoice as it stands, and
//! past months.

use super::caller::Caller;
use super::query_pairs;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::AppState;
use crate::error::AppResult;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use chrono::NaiveDate;
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::setup::{check_setup, RegisterSetup, ShopIdentity};
use multicaisse_core::store::{Register, RegisterKind, Store};
use multicaisse_core::subscription::{Billing, ServedRegister, ServiceSpan, Subscription};
use multicaisse_core::zperiod::ZPeriod;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            RouteDoc {
                query: &[("month", false, "the month, 2026-11 (default: this month in Paris)")],
                ..RouteDoc::new(
                    Method::GET,
                    "/billing",
                    "What the service bills for a month: every store's extra registers, prorated to the day, and the total (support staff)",
                    Access::Support,
                    None,
                    schema::<Billing>,
                )
            },
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
            RouteDoc {
                query: &[(
                    "lang",
                    false,
                    "fr (the default) or en: the language of the checklist in words",
                )],
                ..super::stores::get_doc(
                "/stores/{store_id}/setup",
                "Each register's set-up checklist, from the settings it last reported: shop information and fiscal year as the store's, ticket template and payment methods as the principal register's, loyalty on; and warnings; also in words (`lang`: fr, the default, or en)",
                schema::<Vec<RegisterSetup>>,
            )
            .with_access(Access::Store(Capability::ViewSubscription))
            },
            setup,
        )
}

async fn billing(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Billing>> {
    caller.require_support()?;
    let mut month = None;
    for (name, value) in query_pairs(query.as_deref())? {
        match (name.as_str(), ZPeriod::parse(&value)) {
            ("month", Ok(ZPeriod::Month(first))) => month = Some(first),
            ("month", _) => {
                return Err(
                    ParamError::new("month", format!("`{value}` is not a month (2026-11)")).into(),
                )
            }
            (other, _) => return Err(ParamError::new(other, "is not a parameter: month").into()),
        }
    }
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
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Vec<RegisterSetup>>> {
    let lang = super::lang_only(query.as_deref())?;
    let (store, registers) = caller
        .store_and_registers(&state, &id, Capability::ViewSubscription)
        .await?;
    let mut reported = Vec::with_capacity(registers.len());
    for register in &registers {
        reported.push(state.storage.register_settings(register.id).await?);
    }
    let principal = registers
        .iter()
        .zip(&reported)
        .find(|(r, _)| r.kind == RegisterKind::Principal)
        .and_then(|(_, settings)| settings.as_ref().map(|(s, _)| s));
    let shop = ShopIdentity {
        name: &store.name,
        address: &store.address,
        siret: &store.siret,
        fiscal_year_end_month: store.fiscal_year_end_month,
    };
    Ok(Json(
        registers
            .iter()
            .zip(&reported)
            .map(|(register, settings)| {
                let checked = settings.as_ref().map_or_else(Default::default, |(s, _)| {
                    check_setup(&shop, principal, s, register.kind == RegisterKind::Extra)
                });
                RegisterSetup::new(
                    register.id,
                    register.number,
                    register.label.clone(),
                    settings.as_ref().map(|(_, at)| *at),
                    checked,
                    lang,
                )
            })
            .collect(),
    ))
}

async fn subscription(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Subscription>> {
    let (store, registers) = caller
        .store_and_registers(&state, &id, Capability::ViewSubscription)
        .await?;
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
