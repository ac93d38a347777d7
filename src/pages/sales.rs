//! Ventes: each register's sales over a period, with the store total.

use crate::api;
use crate::i18n::{use_lang, use_texts};
use crate::pages::states::{Empty, ErrorBox, Skeleton};
use crate::session::use_store_id;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use multicaisse_core::api::{SalesReport, SalesTotals};
use multicaisse_core::format::{format_count, format_eur};
use multicaisse_core::period::PeriodPreset;

#[component]
pub fn SalesPage() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    // The period lives in the URL so a view can be bookmarked and shared.
    let period = Memo::new(move |_| {
        query
            .read()
            .get("period")
            .and_then(|code| PeriodPreset::from_code(&code))
            .unwrap_or(PeriodPreset::ThisMonth)
    });
    let store_id = use_store_id();
    let report = LocalResource::new(move || {
        let (store, period) = (store_id.get(), period.get());
        async move {
            match store {
                Some(id) => api::sales(id, period).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let navigate = use_navigate();

    view! {
        <section class="page sales-page">
            <div class="page-head">
                <h1>{move || t().sales_title}</h1>
                <div class="period-picker">
                    <label for="period">{move || t().period_label}</label>
                    <select
                        id="period"
                        on:change=move |ev| {
                            let code = event_target_value(&ev);
                            navigate(&format!("/ventes?period={code}"), Default::default());
                        }
                    >
                        {PeriodPreset::ALL
                            .into_iter()
                            .map(|p| {
                                view! {
                                    <option value=p.code() selected=move || period.get() == p>
                                        {move || t().period(p)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            {move || match report.get() {
                None | Some(Ok(None)) => view! { <Skeleton rows=4/> }.into_any(),
                Some(Err(error)) => {
                    view! { <ErrorBox error on_retry=Callback::new(move |_| report.refetch())/> }
                        .into_any()
                }
                Some(Ok(Some(report))) => view! { <SalesTable report/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn SalesTable(report: SalesReport) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let range = report.range;
    let caption = move || {
        let (from_word, to_word) = t().range_from_to;
        let format = t().date_format;
        format!(
            "{from_word} {} {to_word} {}",
            range.from.format(format),
            range.to.format(format)
        )
    };
    if report.registers.is_empty() {
        return view! { <Empty message=Signal::derive(move || t().no_registers)/> }.into_any();
    }
    let amounts = move |totals: SalesTotals| {
        view! {
            <td class="num tickets">{move || format_count(totals.ticket_count, lang.get())}</td>
            <td class="num ttc">{move || format_eur(totals.ttc, lang.get())}</td>
            <td class="num ht">{move || format_eur(totals.ht, lang.get())}</td>
        }
    };
    let rows = report
        .registers
        .into_iter()
        .map(|row| {
            let (status, totals) = (row.register.status, row.totals);
            let number = row.register.number;
            view! {
                <tr data-register=number class:no-sales=totals.ticket_count == 0>
                    <th scope="row" class="register-name">
                        <span class="register-label">{row.register.label}</span>
                        {(totals.ticket_count == 0)
                            .then(|| view! { <span class="hint">{move || t().no_sales}</span> })}
                    </th>
                    <td class="status">
                        <span class=format!("badge status-{}", status.code())>
                            {move || t().status(status)}
                        </span>
                    </td>
                    {amounts(totals)}
                </tr>
            }
        })
        .collect_view();
    let total = report.total;
    view! {
        <div class="table-wrap">
            <table class="sales" id="sales-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_register}</th>
                        <th scope="col">{move || t().col_status}</th>
                        <th scope="col" class="num">{move || t().col_tickets}</th>
                        <th scope="col" class="num">{move || t().col_ttc}</th>
                        <th scope="col" class="num">{move || t().col_ht}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr class="total">
                        <th scope="row">{move || t().total_row}</th>
                        <td></td>
                        {amounts(total)}
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}
