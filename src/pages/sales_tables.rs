//! The tables of the Ventes page: per register and the store, VAT per rate, payment methods.

use crate::i18n::{use_lang, use_texts};
use crate::pages::states::Empty;
use crate::pages::sync_note::{Briefs, MayLackNote};
use crate::pages::tickets::ventes_url;
use leptos::prelude::*;
use multicaisse_core::api::{SalesFigures, SalesPeriod, SalesReport, SalesTotals};
use multicaisse_core::format::{
    format_change, format_count, format_eur, format_percent, format_rate, plural,
};
use multicaisse_core::freshness::MayLack;
use multicaisse_core::period::DateRange;
use multicaisse_core::ticket::PaymentMethod;

fn range_words(t: &crate::i18n::Texts, range: DateRange) -> String {
    let (from_word, to_word) = t.range_from_to;
    format!(
        "{from_word} {} {to_word} {}",
        multicaisse_core::format::format_date(range.from, t.lang),
        multicaisse_core::format::format_date(range.to, t.lang)
    )
}

#[component]
pub fn SalesTable(
    report: SalesReport,
    period: Memo<SalesPeriod>,
    /// The registers' sync states, asked for with the report (by the page) rather than once
    /// the table is drawn: the note they make is often the largest thing on the screen.
    briefs: Briefs,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let (range, previous) = (report.range, report.previous_range);
    let caption = move || range_words(t(), range);
    let compared = move || format!("{} {}", t().compared_with, range_words(t(), previous));
    if report.registers.is_empty() {
        return view! { <Empty message=Signal::derive(move || t().no_registers)/> }.into_any();
    }
    // Each cell names its column too: at narrow widths a register is a card, not a row.
    let cells = move |totals: SalesTotals, figures: SalesFigures| {
        let change = figures.change_bp;
        let (refunds, refunded) = (figures.refund_count, figures.refund_ttc);
        view! {
            <td class="num tickets" data-label=move || t().col_tickets>{move || format_count(totals.ticket_count, lang.get())}</td>
            <td class="num ttc" data-label=move || t().col_ttc>{move || format_eur(totals.ttc, lang.get())}</td>
            <td class="num ht" data-label=move || t().col_ht>{move || format_eur(totals.ht, lang.get())}</td>
            <td class="num basket" data-label=move || t().col_basket>{move || format_eur(figures.average_basket, lang.get())}</td>
            <td class="num share" data-label=move || t().col_share>{move || format_percent(i64::from(figures.share_bp), lang.get())}</td>
            <td
                class="num change"
                data-label=move || t().col_change
                class:up=change.is_some_and(|c| c >= 5)
                class:down=change.is_some_and(|c| c <= -5)
                title=move || match change {
                    Some(_) => format_eur(figures.previous_ttc, lang.get()),
                    None => t().no_previous.to_string(),
                }
            >
                {move || change.map(|c| format_change(c, lang.get())).unwrap_or_else(|| "—".into())}
            </td>
            <td class="num refunds" data-label=move || t().col_refunds>
                {move || {
                    if refunds == 0 {
                        view! { <span class="amount">"—"</span> }.into_any()
                    } else {
                        let lang = lang.get();
                        view! {
                            <span class="amount">{format_eur(refunded, lang)}</span>
                            <span class="hint count">
                                {format!("{} {}", format_count(refunds, lang), plural(refunds, "ticket", "tickets"))}
                            </span>
                        }
                            .into_any()
                    }
                }}
            </td>
        }
    };
    let rows = report
        .registers
        .into_iter()
        .map(|row| {
            let (status, totals) = (row.register.status, row.totals);
            let (number, register_id) = (row.register.number, row.register.id);
            view! {
                <tr data-register=number class:no-sales=totals.ticket_count == 0>
                    <th scope="row" class="register-name">
                        <span class="register-label">{row.register.label}</span>
                        " "
                        <span class=format!("badge status-{}", status.code())>
                            {move || t().status(status)}
                        </span>
                        <a
                            class="show-tickets hint"
                            href=move || ventes_url(period.get(), Some(number), None)
                        >
                            {move || t().show_tickets}
                        </a>
                        {(totals.ticket_count == 0)
                            .then(|| view! { <span class="hint">{move || t().no_sales}</span> })}
                        <MayLackNote briefs register_id period_last_day=Some(range.to) what=MayLack::Sales/>
                    </th>
                    {cells(totals, row.figures)}
                </tr>
            }
        })
        .collect_view();
    let (total, total_figures) = (report.total, report.total_figures);
    view! {
        <p class="compared">{compared}</p>
        <div class="table-wrap" tabindex="0">
            <table class="sales cards" id="sales-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_register}</th>
                        <th scope="col" class="num">{move || t().col_tickets}</th>
                        <th scope="col" class="num">{move || t().col_ttc}</th>
                        <th scope="col" class="num">{move || t().col_ht}</th>
                        <th scope="col" class="num">{move || t().col_basket}</th>
                        <th scope="col" class="num">{move || t().col_share}</th>
                        <th scope="col" class="num">{move || t().col_change}</th>
                        <th scope="col" class="num">{move || t().col_refunds}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr class="total">
                        <th scope="row">{move || t().total_row}</th>
                        {cells(total, total_figures)}
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn VatTable(report: SalesReport) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let mut rows: Vec<(String, String, u16, SalesLine)> = Vec::new();
    for register in &report.registers {
        for line in &register.figures.vat {
            rows.push((
                register.register.number.to_string(),
                register.register.label.clone(),
                line.rate.basis_points(),
                (line.ht, line.vat, line.ttc),
            ));
        }
    }
    let totals = report.total_figures.vat.clone();
    // A period without a sale says so rather than showing an empty table.
    let empty = rows.is_empty().then(|| {
        view! { <tr class="empty-row"><td colspan="5">{move || t().no_sales}</td></tr> }
    });
    let rows = rows
        .into_iter()
        .map(|(number, label, bp, (ht, vat, ttc))| {
            view! {
                <tr data-register=number>
                    <th scope="row">{label}</th>
                    <td class="num rate" data-label=move || t().col_rate>{move || format_rate(bp, lang.get())}</td>
                    <td class="num" data-label=move || t().col_ht>{move || format_eur(ht, lang.get())}</td>
                    <td class="num" data-label=move || t().col_vat>{move || format_eur(vat, lang.get())}</td>
                    <td class="num" data-label=move || t().col_ttc>{move || format_eur(ttc, lang.get())}</td>
                </tr>
            }
        })
        .collect_view();
    let total_rows = totals
        .into_iter()
        .map(|line| {
            let bp = line.rate.basis_points();
            view! {
                <tr class="total">
                    <th scope="row">{move || t().total_row}</th>
                    <td class="num rate" data-label=move || t().col_rate>{move || format_rate(bp, lang.get())}</td>
                    <td class="num" data-label=move || t().col_ht>{move || format_eur(line.ht, lang.get())}</td>
                    <td class="num" data-label=move || t().col_vat>{move || format_eur(line.vat, lang.get())}</td>
                    <td class="num" data-label=move || t().col_ttc>{move || format_eur(line.ttc, lang.get())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="vat cards" id="vat-table">
                <caption>{move || t().vat_title}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_register}</th>
                        <th scope="col" class="num">{move || t().col_rate}</th>
                        <th scope="col" class="num">{move || t().col_ht}</th>
                        <th scope="col" class="num">{move || t().col_vat}</th>
                        <th scope="col" class="num">{move || t().col_ttc}</th>
                    </tr>
                </thead>
                <tbody>{rows}{empty}</tbody>
                <tfoot>{total_rows}</tfoot>
            </table>
        </div>
    }
}

type SalesLine = (
    multicaisse_core::Cents,
    multicaisse_core::Cents,
    multicaisse_core::Cents,
);

#[component]
pub fn PaymentsTable(report: SalesReport) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let amount = |figures: &SalesFigures, method: PaymentMethod| {
        figures
            .payments
            .iter()
            .find(|p| p.method == method)
            .map(|p| p.amount)
            .unwrap_or_default()
    };
    let row = move |label: Option<String>, figures: SalesFigures| {
        let amounts: Vec<_> = PaymentMethod::ALL
            .into_iter()
            .map(|m| {
                let value = amount(&figures, m);
                view! { <td class="num" data-label=move || t().method(m)>{move || format_eur(value, lang.get())}</td> }
            })
            .collect();
        view! {
            <th scope="row">{label.unwrap_or_else(|| t().total_row.to_string())}</th>
            {amounts}
        }
    };
    let rows = report
        .registers
        .iter()
        .map(|r| {
            view! { <tr data-register=r.register.number>{row(Some(r.register.label.clone()), r.figures.clone())}</tr> }
        })
        .collect_view();
    let total = row(None, report.total_figures.clone());
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="payments cards" id="payments-table">
                <caption>{move || t().payments_title}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_register}</th>
                        {PaymentMethod::ALL
                            .into_iter()
                            .map(|m| view! { <th scope="col" class="num">{move || t().method(m)}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr class="total">{total}</tr>
                </tfoot>
            </table>
        </div>
    }
}
