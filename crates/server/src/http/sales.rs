//! Ventes: each register's sales over a period (from the daily rollups), the data and SVG of
//! its charts, and the CSV export of the report.

use super::query::ApiQuery;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::{InStore, OnRegister};
use super::AppState;
use crate::charts;
use crate::error::{AppError, AppResult};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::{
    ChainStatus, DailySeries, DayAmount, HourAmount, HourlySeries, ParamError, SalesCharts,
    SalesPeriod, SalesReport, TicketDetail, TicketPage, TicketSearch, TicketSummary,
};
use multicaisse_core::auth::Capability;
use multicaisse_core::format::{spreadsheet_amount, Lang};
use multicaisse_core::glance::{comparison_until, Glance};
use multicaisse_core::peak::{billed_days, peak_hours, RegisterHours};
use multicaisse_core::period::{DateRange, PeriodPreset};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::text::spreadsheet_text;
use multicaisse_core::ticket::PaymentMethod;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The period of a sales request.
#[derive(Debug, Deserialize, JsonSchema)]
struct PeriodQuery {
    /// today, yesterday, this_week, this_month, last_month, fiscal_year, last_12_months or custom
    #[schemars(length(max = 20))]
    period: String,
    /// first day (YYYY-MM-DD), with period=custom
    #[schemars(length(max = 10))]
    from: Option<String>,
    /// last day (YYYY-MM-DD), with period=custom
    #[schemars(length(max = 10))]
    to: Option<String>,
}

/// Which chart to draw.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum ChartKind {
    Daily,
    Hours,
    Payments,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ChartQuery {
    /// daily, hours or payments
    kind: ChartKind,
    /// fr (default) or en: the axes' formats
    #[serde(default)]
    lang: Lang,
    /// as for the sales report
    #[schemars(length(max = 20))]
    period: String,
    /// with period=custom
    #[schemars(length(max = 10))]
    from: Option<String>,
    /// with period=custom
    #[schemars(length(max = 10))]
    to: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct TicketsQuery {
    /// as for the sales report
    #[schemars(length(max = 20))]
    period: String,
    /// with period=custom
    #[schemars(length(max = 10))]
    from: Option<String>,
    /// with period=custom
    #[schemars(length(max = 10))]
    to: Option<String>,
    /// a ticket number (1041, n°1041) or an amount TTC (12,50 or 12,50 €)
    #[schemars(length(max = 40))]
    q: Option<String>,
    /// 1-based page number (default 1)
    #[schemars(range(min = 1))]
    page: Option<u32>,
}

/// The period a query names, parsed by core's rule (the app reads its URL with the same).
fn sales_period(
    period: &str,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<SalesPeriod, ParamError> {
    let mut pairs = vec![("period".to_string(), period.to_string())];
    for (name, value) in [("from", from), ("to", to)] {
        if let Some(value) = value {
            pairs.push((name.to_string(), value.clone()));
        }
    }
    SalesPeriod::parse(&pairs)
}

pub const TICKETS_PER_PAGE: u32 = 50;

fn get<Q: JsonSchema + 'static>(
    path: &'static str,
    summary: &'static str,
    response: super::routes::SchemaFn,
) -> RouteDoc {
    super::stores::get_doc(path, summary, response).with_query::<Q>()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            get::<PeriodQuery>("/stores/{store_id}/sales", "Sales per register over local business days, with the store total and the previous equivalent period", schema::<SalesReport>),
            report,
        )
        .add(
            super::stores::get_doc("/stores/{store_id}/glance", "Today so far against the same weekday last week up to the same time, and the month so far against last month to the same day and time: the shop's and each register's takings, tickets and average basket, with its sync state", schema::<Glance>),
            glance,
        )
        .add(
            get::<PeriodQuery>("/stores/{store_id}/sales/charts", "What the sales charts draw: net sales per day and tickets per hour per register, and the busiest hours against the extra registers' cost", schema::<SalesCharts>),
            charts_data,
        )
        .add(
            get::<ChartQuery>("/stores/{store_id}/sales/chart", "A sales chart as SVG", schema::<String>).answers(&["image/svg+xml"]),
            chart_svg,
        )
        .add(
            RouteDoc {
                access: Access::Register(Capability::ViewSales),
                ..get::<TicketsQuery>("/registers/{register_id}/tickets", "A register's tickets over a period, newest first, 50 a page, searchable by number (whatever the period) or amount", schema::<TicketPage>)
            },
            ticket_page,
        )
        .add(
            RouteDoc {
                access: Access::Register(Capability::ViewSales),
                ..get::<super::query::NoQuery>("/registers/{register_id}/tickets/{sequence}", "One ticket: lines, VAT, payments, hashes and its place in the chain", schema::<TicketDetail>)
            },
            ticket_detail,
        )
        .add(
            get::<PeriodQuery>("/stores/{store_id}/sales.csv", "The sales report as CSV for a French spreadsheet (`;`, decimal comma, UTF-8 BOM)", schema::<String>).answers(&["text/csv"]),
            csv_export,
        )
}

/// The store and period of a request.
struct Asked {
    store_id: i64,
    preset: Option<PeriodPreset>,
    range: DateRange,
    /// When the period runs to now: the instant its comparison's last day stops at, the same
    /// time of day (a morning is compared with a morning, not a whole day).
    previous_until: Option<chrono::DateTime<Utc>>,
}

/// Resolves a request's period in its store's clock: a member's is known from the session,
/// so the report's queries need not wait for the store's.
async fn asked(state: &AppState, scope: &InStore, period: SalesPeriod) -> AppResult<Asked> {
    let store_id = scope.store_id;
    let (time_zone, fiscal_year_end_month) = match scope.caller.store_clock(store_id) {
        Some(clock) => clock,
        None => {
            let store = scope.store(state).await?;
            (store.time_zone, store.fiscal_year_end_month)
        }
    };
    let now = Utc::now();
    let today = multicaisse_core::store::business_date(now, time_zone);
    let (preset, range) = period.resolve(today, fiscal_year_end_month);
    let previous_until = comparison_until(range, range.previous(preset), now, time_zone);
    Ok(Asked {
        store_id,
        preset,
        range,
        previous_until,
    })
}

fn found(store: Option<(Store, Vec<Register>)>, id: i64) -> AppResult<(Store, Vec<Register>)> {
    store.ok_or_else(|| AppError::NotFound(format!("store {id} does not exist")))
}

/// The report, with the store it is of. Its two queries run side by side.
async fn build_report(state: &AppState, asked: &Asked) -> AppResult<(SalesReport, Store)> {
    let previous_range = asked.range.previous(asked.preset);
    let storage = &state.storage;
    let (store, sums) = tokio::join!(
        storage.store_with_registers(asked.store_id),
        storage.sales_compared(asked.store_id, asked.range, previous_range)
    );
    let (store, registers) = found(store?, asked.store_id)?;
    let (mut current, mut previous) = sums?;
    if let Some(until) = asked.previous_until {
        cut_last_day(
            storage.as_ref(),
            asked.store_id,
            previous_range.to,
            until,
            &mut previous,
        )
        .await?;
    }
    let registers = registers
        .into_iter()
        .map(|register| {
            let day = current.remove(&register.id).unwrap_or_default();
            (register, day)
        })
        .collect();
    let report = SalesReport::new(
        store.id,
        asked.preset,
        (asked.range, previous_range),
        registers,
        &previous,
    );
    Ok((report, store))
}

/// Replaces the whole of `day` in each register's takings by its tickets issued before
/// `until`.
async fn cut_last_day(
    storage: &dyn crate::storage::Storage,
    store_id: i64,
    day: chrono::NaiveDate,
    until: chrono::DateTime<Utc>,
    takings: &mut HashMap<i64, multicaisse_core::Cents>,
) -> AppResult<()> {
    let whole = DateRange { from: day, to: day };
    let (whole, part) = tokio::join!(
        storage.daily_sales(store_id, whole),
        storage.day_tallies(store_id, day, Some(until))
    );
    let part = part?;
    for point in whole? {
        let kept = part
            .get(&point.register_id)
            .map(|t| t.ttc)
            .unwrap_or_default();
        let sum = takings.entry(point.register_id).or_default();
        *sum = sum
            .checked_sub(point.ttc)
            .and_then(|s| s.checked_add(kept))
            .ok_or_else(|| {
                crate::storage::StorageError::Corrupt(format!(
                    "register {}: the takings up to {day} overflow",
                    point.register_id
                ))
            })?;
    }
    Ok(())
}

/// The first screen of a store: how today and the month are going so far.
async fn glance(State(state): State<AppState>, scope: InStore) -> AppResult<Json<Glance>> {
    let glance = crate::glance::glance(state.storage.as_ref(), scope.store_id, Utc::now()).await?;
    Ok(Json(glance))
}

/// Sales of each register of a store over a period of local business days, compared with the
/// previous equivalent period: read from the daily rollups.
async fn report(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<SalesReport>> {
    let asked = asked(&state, &scope, sales_period(&q.period, &q.from, &q.to)?).await?;
    Ok(Json(build_report(&state, &asked).await?.0))
}

async fn build_charts(state: &AppState, asked: &Asked) -> AppResult<SalesCharts> {
    let range = asked.range;
    let storage = &state.storage;
    let (store, daily, hourly) = tokio::join!(
        storage.store_with_registers(asked.store_id),
        storage.daily_sales(asked.store_id, range),
        storage.hourly_sales(asked.store_id, range)
    );
    let (store, registers) = found(store?, asked.store_id)?;
    let mut days: HashMap<i64, BTreeMap<chrono::NaiveDate, (u64, multicaisse_core::Cents)>> =
        HashMap::new();
    for point in daily? {
        days.entry(point.register_id)
            .or_default()
            .insert(point.date, (point.tickets, point.ttc));
    }
    let mut hours = hourly?;
    let hourly_maps: Vec<BTreeMap<u8, multicaisse_core::rollup::HourTotals>> = registers
        .iter()
        .map(|r| hours.remove(&r.id).unwrap_or_default())
        .collect();
    let peak = peak_hours(
        &registers
            .iter()
            .zip(&hourly_maps)
            .map(|(register, hours)| RegisterHours {
                hours,
                billed: billed_days(register, range, store.time_zone),
                extra: register.kind == multicaisse_core::store::RegisterKind::Extra,
            })
            .collect::<Vec<_>>(),
    );
    let daily = registers
        .iter()
        .map(|register| {
            let mine = days.remove(&register.id).unwrap_or_default();
            DailySeries {
                register_id: register.id,
                number: register.number,
                label: register.label.clone(),
                days: range
                    .iter_days()
                    .map(|date| {
                        let (tickets, ttc) = mine.get(&date).copied().unwrap_or_default();
                        DayAmount { date, tickets, ttc }
                    })
                    .collect(),
            }
        })
        .collect();
    let hourly = registers
        .iter()
        .zip(hourly_maps)
        .map(|(register, hours)| HourlySeries {
            register_id: register.id,
            number: register.number,
            label: register.label.clone(),
            hours: hours
                .into_iter()
                .map(|(hour, t)| HourAmount {
                    hour,
                    tickets: t.tickets,
                    ttc: t.ttc,
                    ht: t.ht,
                })
                .collect(),
        })
        .collect();
    Ok(SalesCharts {
        range,
        daily,
        hourly,
        peak,
    })
}

async fn charts_data(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<SalesCharts>> {
    let asked = asked(&state, &scope, sales_period(&q.period, &q.from, &q.to)?).await?;
    Ok(Json(build_charts(&state, &asked).await?))
}

async fn chart_svg(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(q): ApiQuery<ChartQuery>,
) -> AppResult<Response> {
    let asked = asked(&state, &scope, sales_period(&q.period, &q.from, &q.to)?).await?;
    let lang = q.lang;
    let drawn = match q.kind {
        ChartKind::Daily => charts::daily(&build_charts(&state, &asked).await?, lang),
        ChartKind::Hours => charts::hours(&build_charts(&state, &asked).await?, lang),
        ChartKind::Payments => charts::payments(&build_report(&state, &asked).await?.0, lang),
    };
    let svg = drawn.map_err(|e| AppError::Unavailable(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=60"),
        ],
        svg,
    )
        .into_response())
}

async fn ticket_page(
    State(state): State<AppState>,
    OnRegister { register, .. }: OnRegister,
    ApiQuery(q): ApiQuery<TicketsQuery>,
) -> AppResult<Json<TicketPage>> {
    let period = sales_period(&q.period, &q.from, &q.to)?;
    let store = super::store_or_404(state.storage.as_ref(), register.store_id).await?;
    let (_, range) = period.resolve(store.today(Utc::now()), store.fiscal_year_end_month);
    let search = TicketSearch::parse("q", q.q.as_deref().unwrap_or_default())?;
    let page = q.page.unwrap_or(1);
    let offset = u64::from(page - 1) * u64::from(TICKETS_PER_PAGE);
    let (matching, tickets) = state
        .storage
        .ticket_page(register.id, range, search, offset, TICKETS_PER_PAGE)
        .await?;
    let pages = u32::try_from(matching.div_ceil(u64::from(TICKETS_PER_PAGE))).unwrap_or(u32::MAX);
    Ok(Json(TicketPage {
        register,
        range,
        matching,
        page,
        pages,
        tickets: tickets
            .into_iter()
            .map(|ticket| {
                let vat = ticket.body.vat_breakdown();
                TicketSummary {
                    sequence: ticket.body.sequence,
                    kind: ticket.body.kind,
                    issued_at: ticket.body.issued_at,
                    ttc: vat.total_ttc(),
                    ht: vat.total_ht(),
                    items: ticket
                        .body
                        .lines
                        .iter()
                        .map(|l| u32::try_from(l.quantity).unwrap_or(0))
                        .sum(),
                    payments: ticket.body.payments,
                }
            })
            .collect(),
    }))
}

async fn ticket_detail(
    State(state): State<AppState>,
    OnRegister { register, .. }: OnRegister,
    Path((_, sequence)): Path<(String, String)>,
) -> AppResult<Json<TicketDetail>> {
    let sequence =
        u64::try_from(multicaisse_core::api::parse_id("sequence", &sequence)?).unwrap_or(u64::MAX);
    let store = super::store_or_404(state.storage.as_ref(), register.store_id).await?;
    let storage = &state.storage;
    // The ticket and the one before it, to check the link between them.
    let around = storage
        .tickets(register.id, sequence.saturating_sub(1).max(1), 2)
        .await?;
    let ticket = around
        .iter()
        .find(|t| t.body.sequence == sequence)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(format!("register {} has no ticket {sequence}", register.id))
        })?;
    let linked = if sequence == 1 {
        Some(ticket.previous_hash == multicaisse_core::chain::ChainHash::GENESIS)
    } else {
        around
            .iter()
            .find(|t| t.body.sequence == sequence - 1)
            .map(|before| before.hash == ticket.previous_hash)
    };
    let (first_break, _) = storage.chain_breaks(register.id).await?;
    Ok(Json(TicketDetail {
        register_id: register.id,
        business_date: store.business_date(ticket.body.issued_at),
        vat: ticket.body.vat_breakdown(),
        chain: ChainStatus {
            hash_valid: ticket.verify().is_ok(),
            linked,
            first_break,
        },
        previous_hash: ticket.previous_hash,
        hash: ticket.hash,
        ticket: ticket.body,
    }))
}

/// The report as a French spreadsheet reads it: one row per register and the store's, `;`
/// between fields, decimal comma, UTF-8 with a BOM so Excel detects the encoding.
async fn csv_export(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Response> {
    let asked = asked(&state, &scope, sales_period(&q.period, &q.from, &q.to)?).await?;
    let (report, store) = build_report(&state, &asked).await?;
    let store_name = store.name;
    let bytes = sales_csv(&report)
        .map_err(|e| AppError::Unavailable(format!("cannot write the CSV: {e}")))?;
    let file = format!(
        "ventes-{}-{}-{}.csv",
        multicaisse_core::format::slug(&store_name),
        report.range.from,
        report.range.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub fn sales_csv(report: &SalesReport) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        let rates: Vec<u16> = {
            let mut rates: Vec<u16> = report
                .registers
                .iter()
                .flat_map(|r| r.figures.vat.iter().map(|l| l.rate.basis_points()))
                .collect();
            rates.sort_unstable();
            rates.dedup();
            rates
        };
        let mut header: Vec<String> = [
            "Caisse",
            "Libellé",
            "Statut",
            "Du",
            "Au",
            "Tickets",
            "Ventes",
            "Remboursements",
            "Montant remboursé",
            "TTC",
            "HT",
            "TVA",
            "Remises",
            "Panier moyen",
            "Part (%)",
            "TTC période précédente",
            "Évolution (%)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for bp in &rates {
            let rate = multicaisse_core::format::format_rate(*bp, Lang::Fr);
            header.push(format!("HT {rate}"));
            header.push(format!("TVA {rate}"));
        }
        for method in PaymentMethod::ALL {
            header.push(method.label(Lang::Fr).to_string());
        }
        writer.write_record(&header)?;
        let percent = |bp: i64| {
            let hundredths = bp.abs();
            format!(
                "{}{},{:02}",
                if bp < 0 { "-" } else { "" },
                hundredths / 100,
                hundredths % 100
            )
        };
        let row = |number: String,
                   label: &str,
                   status: &str,
                   totals: &multicaisse_core::api::SalesTotals,
                   f: &multicaisse_core::api::SalesFigures| {
            let mut cells = vec![
                number,
                spreadsheet_text(label).into_owned(),
                status.to_string(),
                report.range.from.format("%d/%m/%Y").to_string(),
                report.range.to.format("%d/%m/%Y").to_string(),
                totals.ticket_count.to_string(),
                f.sale_count.to_string(),
                f.refund_count.to_string(),
                spreadsheet_amount(f.refund_ttc),
                spreadsheet_amount(totals.ttc),
                spreadsheet_amount(totals.ht),
                spreadsheet_amount(totals.vat),
                spreadsheet_amount(f.discounts),
                spreadsheet_amount(f.average_basket),
                percent(i64::from(f.share_bp)),
                spreadsheet_amount(f.previous_ttc),
                f.change_bp.map(percent).unwrap_or_default(),
            ];
            for bp in &rates {
                let line = f.vat.iter().find(|l| l.rate.basis_points() == *bp);
                cells.push(
                    line.map(|l| spreadsheet_amount(l.ht))
                        .unwrap_or_else(|| "0,00".into()),
                );
                cells.push(
                    line.map(|l| spreadsheet_amount(l.vat))
                        .unwrap_or_else(|| "0,00".into()),
                );
            }
            for method in PaymentMethod::ALL {
                let paid = f.payments.iter().find(|p| p.method == method);
                cells.push(
                    paid.map(|p| spreadsheet_amount(p.amount))
                        .unwrap_or_else(|| "0,00".into()),
                );
            }
            cells
        };
        for r in &report.registers {
            writer.write_record(row(
                r.register.number.to_string(),
                &r.register.label,
                french_status(r.register.status),
                &r.totals,
                &r.figures,
            ))?;
        }
        writer.write_record(row(
            String::new(),
            "Total boutique",
            "",
            &report.total,
            &report.total_figures,
        ))?;
        writer.flush()?;
    }
    Ok(out)
}

fn french_status(status: multicaisse_core::store::RegisterStatus) -> &'static str {
    use multicaisse_core::store::RegisterStatus::*;
    match status {
        Pending => "En attente d'activation",
        Active => "Active",
        DecommissionRequested => "Mise hors service demandée",
        Suspended => "Suspendue",
    }
}
