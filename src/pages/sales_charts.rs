//! The Ventes charts: SVG drawn by the server, shown as images, each followed by the same
//! numbers as a table (for screen readers, and for anyone who wants them), and the sentence
//! that answers "was the extra register worth it?".

use crate::api;
use crate::api::ClientError;
use crate::i18n::{use_lang, use_texts};
use crate::pages::states::loaded;
use crate::session::use_store_id;
use leptos::prelude::*;
use multicaisse_core::api::{SalesCharts, SalesPeriod};
use multicaisse_core::format::{format_count, format_eur};
use multicaisse_core::peak::{PeakHours, PeakVerdict};

/// The charts' data for the store and period: asked for by the page, shown below its tables.
pub fn sales_charts(
    store_id: Memo<Option<i64>>,
    period: Memo<SalesPeriod>,
) -> LocalResource<Result<Option<SalesCharts>, ClientError>> {
    LocalResource::new(move || {
        let (store, period) = (store_id.get(), period.get());
        async move {
            match store {
                Some(id) => api::sales_charts(id, period).await.map(Some),
                None => Ok(None),
            }
        }
    })
}

#[component]
pub fn SalesChartsView(
    charts: LocalResource<Result<Option<SalesCharts>, ClientError>>,
    period: Memo<SalesPeriod>,
) -> impl IntoView {
    loaded(charts, 3, move |data| view! { <Charts data period/> })
}

#[component]
fn Chart(
    kind: &'static str,
    title: Signal<&'static str>,
    period: Memo<SalesPeriod>,
    /// The chart's numbers as a table (the payments chart has its table above it).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let store_id = use_store_id();
    let src = move || {
        store_id
            .get()
            .map(|id| api::sales_chart_url(id, period.get(), kind, lang.get()))
            .unwrap_or_default()
    };
    view! {
        <figure class="chart" data-chart=kind>
            <figcaption>{title}</figcaption>
            // The table below says the same: the image is decoration for screen readers.
            <img src=src alt="" width="960" height="380"/>
            {children
                .map(|table| {
                    view! {
                        <details>
                            <summary>{move || t().chart_data}</summary>
                            {table()}
                        </details>
                    }
                })}
        </figure>
    }
}

#[component]
fn Charts(data: SalesCharts, period: Memo<SalesPeriod>) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let labels: Vec<String> = data.daily.iter().map(|s| s.label.clone()).collect();
    let header = move || {
        labels
            .iter()
            .map(|label| view! { <th scope="col" class="num">{label.clone()}</th> })
            .collect_view()
    };
    let header_daily = header.clone();
    let daily_rows = data
        .range
        .iter_days()
        .enumerate()
        .map(|(i, date)| {
            let cells = data
                .daily
                .iter()
                .map(|series| {
                    let ttc = series.days.get(i).map(|d| d.ttc).unwrap_or_default();
                    view! { <td class="num">{move || format_eur(ttc, lang.get())}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{move || multicaisse_core::format::format_date(date, t().lang)}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let hours: Vec<u8> = {
        let mut hours: Vec<u8> = data
            .hourly
            .iter()
            .flat_map(|s| s.hours.iter().map(|h| h.hour))
            .collect();
        hours.sort_unstable();
        hours.dedup();
        hours
    };
    let hour_rows = hours
        .into_iter()
        .map(|hour| {
            let cells = data
                .hourly
                .iter()
                .map(|series| {
                    let tickets = series
                        .hours
                        .iter()
                        .find(|h| h.hour == hour)
                        .map_or(0, |h| h.tickets);
                    view! { <td class="num">{move || format_count(tickets, lang.get())}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{move || t().hour(hour)}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let peak = data.peak;
    view! {
        <div class="charts">
            <Chart kind="daily" title=Signal::derive(move || t().daily_title) period>
                <table class="chart-data" data-chart="daily">
                    <thead>
                        <tr>
                            <th scope="col">{move || t().col_day}</th>
                            {header_daily()}
                        </tr>
                    </thead>
                    <tbody>{daily_rows}</tbody>
                </table>
            </Chart>
            <Chart kind="payments" title=Signal::derive(move || t().payments_title) period/>
            <Chart kind="hours" title=Signal::derive(move || t().hours_title) period>
                <table class="chart-data" data-chart="hours">
                    <thead>
                        <tr>
                            <th scope="col">{move || t().col_hour}</th>
                            {header()}
                        </tr>
                    </thead>
                    <tbody>{hour_rows}</tbody>
                </table>
            </Chart>
            <PeakSentence peak/>
        </div>
    }
}

/// The busiest hours in words, and what the extra registers made of them against their cost.
#[component]
fn PeakSentence(peak: PeakHours) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    move || {
        let t = t();
        let lang = lang.get();
        let text = match peak.verdict() {
            PeakVerdict::NoExtraRegister => t.peak_none.to_string(),
            PeakVerdict::NoSales => t.peak_no_sales.to_string(),
            PeakVerdict::Busiest { paid_for } => {
                let [busiest, took, for_a, end] = t.peak;
                let verdict = if paid_for {
                    t.peak_verdict.0
                } else {
                    t.peak_verdict.1
                };
                format!(
                    "{busiest} ({}), {took} {} {for_a} {} {end} {verdict}",
                    t.hour_list(&peak.hours),
                    format_eur(peak.extra_ht_in_peak, lang),
                    format_eur(peak.extra_cost_ht, lang),
                )
            }
        };
        view! { <p class="peak-sentence">{text}</p> }
    }
}
