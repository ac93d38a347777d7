//! A register's tickets over the period (from the Ventes page, `?register=N`), searchable by
//! number or amount, and one ticket's detail (`&ticket=N`) with its place in the chain.

use crate::api;
use crate::i18n::{use_lang, use_texts, Texts};
use crate::pages::states::{fetched, Empty};
use crate::time::local_date_time;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use multicaisse_core::api::{SalesPeriod, TicketDetail, TicketPage, TicketSearch, TicketSummary};
use multicaisse_core::format::{format_count, format_eur, format_rate};
use multicaisse_core::store::Register;
use multicaisse_core::ticket::TicketKind;

fn kind_word(t: &Texts, kind: TicketKind) -> &'static str {
    kind.label(t.lang)
}

/// The Ventes URL with this period, register and ticket.
pub fn ventes_url(period: SalesPeriod, register: Option<u32>, ticket: Option<u64>) -> String {
    let mut url = format!("/ventes?{}", period.query());
    if let Some(number) = register {
        url.push_str(&format!("&register={number}"));
    }
    if let Some(sequence) = ticket {
        url.push_str(&format!("&ticket={sequence}"));
    }
    url
}

#[component]
pub fn TicketsPanel(register: Register, period: Memo<SalesPeriod>, zone: String) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let query = use_query_map();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    let asked = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let (register_id, number) = (register.id, register.number);
    let tickets = LocalResource::new(move || {
        api::tickets(register_id, period.get(), asked.get(), page.get())
    });
    let opened = Memo::new(move |_| {
        query
            .read()
            .get("ticket")
            .and_then(|s| s.parse::<u64>().ok())
    });
    let open = {
        let navigate = navigate.clone();
        move |sequence: Option<u64>| {
            navigate(
                &ventes_url(period.get_untracked(), Some(number), sequence),
                Default::default(),
            )
        }
    };
    let close = {
        let navigate = navigate.clone();
        move |_| {
            navigate(
                &ventes_url(period.get_untracked(), None, None),
                Default::default(),
            )
        }
    };
    // The dialog closed (Escape, or its button): the ticket leaves the URL, and the focus goes
    // back to the number that opened it.
    let close_ticket = {
        let navigate = navigate.clone();
        move |sequence: u64| {
            navigate(
                &ventes_url(period.get_untracked(), Some(number), None),
                Default::default(),
            );
            focus_ticket_button(sequence);
        }
    };
    // What cannot be searched for is said here, in the page's language, and not sent.
    let refused = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = search.get_untracked();
        if TicketSearch::parse("q", &text).is_err() {
            refused.set(Some(text));
            return;
        }
        refused.set(None);
        page.set(1);
        asked.set(text);
    };
    let label = register.label.clone();
    let detail_zone = zone.clone();
    view! {
        <section class="tickets-panel card" id="tickets-panel" data-register=number>
            <div class="page-head">
                <h2>{move || t().tickets_title} " " {label}</h2>
                <button type="button" class="close" on:click=close>{move || t().close}</button>
            </div>
            <form class="ticket-search" on:submit=submit role="search">
                <label for="ticket-search">{move || t().search_label}</label>
                <input
                    id="ticket-search"
                    type="search"
                    placeholder=move || t().search_hint
                    prop:value=search
                    aria-invalid=move || refused.get().is_some().to_string()
                    aria-describedby="ticket-search-error"
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <button type="submit">{move || t().search_button}</button>
                <p id="ticket-search-error" class="form-error" role="alert">
                    {move || refused.get().map(|text| TicketSearch::refusal(&text, lang.get()))}
                </p>
            </form>
            {fetched(tickets, 5, move |list: TicketPage| {
                let open = open.clone();
                if list.tickets.is_empty() {
                    return view! { <Empty message=Signal::derive(move || t().no_tickets)/> }.into_any();
                }
                let (current, pages, matching) = (list.page, list.pages, list.matching);
                let zone = zone.clone();
                let rows = list
                    .tickets
                    .into_iter()
                    .map(|ticket| view! { <TicketRow ticket zone=zone.clone() open=open.clone()/> })
                    .collect_view();
                // The conditions are braced: a bare `>` would close the tag, and the rest of
                // the attribute was printed on the page.
                let (first, last) = (current <= 1, current >= pages);
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="tickets cards" id="tickets-table">
                            <caption>
                                {move || format_count(matching, lang.get())} " · "
                                {move || t().page_of.0} " " {current} " " {move || t().page_of.1} " "
                                {pages.max(1)}
                            </caption>
                            <thead>
                                <tr>
                                    <th scope="col">{move || t().col_number}</th>
                                    <th scope="col">{move || t().col_when}</th>
                                    <th scope="col">{move || t().col_kind}</th>
                                    <th scope="col" class="num">{move || t().col_items}</th>
                                    <th scope="col" class="num">{move || t().col_ttc}</th>
                                    <th scope="col" class="num">{move || t().col_ht}</th>
                                    <th scope="col">{move || t().col_payments}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label=move || t().pager_label>
                        <button type="button" class="previous-page" disabled=first on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>
                            {move || t().previous_page}
                        </button>
                        <button type="button" class="next-page" disabled=last on:click=move |_| page.update(|p| *p += 1)>
                            {move || t().next_page}
                        </button>
                    </nav>
                }
                .into_any()
            })}
            {move || {
                let zone = detail_zone.clone();
                let close_ticket = close_ticket.clone();
                opened.get().map(|sequence| {
                    let on_close = move || close_ticket(sequence);
                    view! { <TicketDetailView register_id sequence zone on_close/> }
                })
            }}
        </section>
    }
}

#[component]
fn TicketRow(
    ticket: TicketSummary,
    zone: String,
    open: impl Fn(Option<u64>) + Clone + 'static,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let sequence = ticket.sequence;
    let (at, kind) = (ticket.issued_at, ticket.kind);
    let payments = ticket
        .payments
        .iter()
        .map(|p| (p.method, p.amount))
        .collect::<Vec<_>>();
    view! {
        <tr data-ticket=sequence class:refund=kind == TicketKind::Refund>
            <th scope="row">
                <button type="button" class="link" on:click=move |_| open(Some(sequence))>
                    {move || format_count(sequence, lang.get())}
                </button>
            </th>
            <td data-label=move || t().col_when>{move || local_date_time(at, &zone, lang.get())}</td>
            <td data-label=move || t().col_kind>{move || kind_word(t(), kind)}</td>
            <td class="num" data-label=move || t().col_items>{ticket.items}</td>
            <td class="num ttc" data-label=move || t().col_ttc>{move || format_eur(ticket.ttc, lang.get())}</td>
            <td class="num" data-label=move || t().col_ht>{move || format_eur(ticket.ht, lang.get())}</td>
            <td data-label=move || t().col_payments>
                {move || {
                    payments
                        .iter()
                        .map(|(method, amount)| format!("{} {}", t().method(*method), format_eur(*amount, lang.get())))
                        .collect::<Vec<_>>()
                        .join(", ")
                }}
            </td>
        </tr>
    }
}

fn focus_ticket_button(sequence: u64) {
    use wasm_bindgen::JsCast;
    let selector = format!("#tickets-table tr[data-ticket='{sequence}'] button");
    let button = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(&selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(button) = button {
        let _ = button.focus();
    }
}

/// One ticket in a modal dialog, where the eye is: drawn under the 50 rows, it seemed that
/// opening a ticket did nothing. The browser's dialog closes on Escape and keeps the focus
/// inside while it is open.
#[component]
fn TicketDetailView(
    register_id: i64,
    sequence: u64,
    zone: String,
    on_close: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let t = use_texts();
    let detail = LocalResource::new(move || api::ticket(register_id, sequence));
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move || {
        if let Some(dialog) = dialog.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
    });
    let close = move |_| {
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="ticket-detail"
            id="ticket-detail"
            data-ticket=sequence
            aria-labelledby="ticket-detail-title"
            on:close=move |_| on_close()
        >
            <div class="dialog-head">
                <button type="button" class="close dialog-close" on:click=close>{move || t().close}</button>
            </div>
            {fetched(detail, 3, move |detail| view! { <TicketDetailBody detail zone=zone.clone()/> })}
        </dialog>
    }
}

#[component]
fn TicketDetailBody(detail: TicketDetail, zone: String) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let ticket = detail.ticket;
    let at = ticket.issued_at;
    let chain = detail.chain;
    let chain_words = move || {
        let t = t();
        if !chain.hash_valid {
            t.chain_bad_hash
        } else {
            match chain.linked {
                Some(true) => t.chain_ok,
                Some(false) => t.chain_unlinked,
                None => t.chain_unknown,
            }
        }
    };
    let intact = chain.hash_valid && chain.linked != Some(false);
    let lines = ticket
        .lines
        .into_iter()
        .map(|line| {
            let (price, discount, amount) = (line.unit_price_ttc, line.discount, line.amount_ttc());
            let bp = line.vat_rate.basis_points();
            view! {
                <tr>
                    <th scope="row">{line.label}</th>
                    <td class="num" data-label=move || t().col_quantity>{line.quantity}</td>
                    <td class="num" data-label=move || t().col_unit_price>{move || format_eur(price, lang.get())}</td>
                    <td class="num" data-label=move || t().col_discount>{move || format_eur(discount, lang.get())}</td>
                    <td class="num" data-label=move || t().col_rate>{move || format_rate(bp, lang.get())}</td>
                    <td class="num" data-label=move || t().col_ttc>{move || format_eur(amount, lang.get())}</td>
                </tr>
            }
        })
        .collect_view();
    let vat_rows = detail
        .vat
        .lines
        .into_iter()
        .map(|line| {
            let bp = line.rate.basis_points();
            view! {
                <tr>
                    <th scope="row">{move || format_rate(bp, lang.get())}</th>
                    <td class="num" data-label=move || t().col_ht>{move || format_eur(line.ht, lang.get())}</td>
                    <td class="num" data-label=move || t().col_vat>{move || format_eur(line.vat, lang.get())}</td>
                    <td class="num" data-label=move || t().col_ttc>{move || format_eur(line.ttc, lang.get())}</td>
                </tr>
            }
        })
        .collect_view();
    let payments = ticket
        .payments
        .into_iter()
        .map(|p| {
            view! {
                <li>{move || t().method(p.method)} " " {move || format_eur(p.amount, lang.get())}</li>
            }
        })
        .collect_view();
    let (kind, number) = (ticket.kind, ticket.sequence);
    view! {
        <h3 id="ticket-detail-title">
            {move || format!("{} {} · {}", t().ticket_title, format_count(number, lang.get()), kind_word(t(), kind))}
        </h3>
        <p class="hint">{move || local_date_time(at, &zone, lang.get())}</p>
        <p class="chain-status" class:broken=!intact role="status">{chain_words}</p>
        {chain
            .first_break
            .map(|n| view! { <p class="hint">{move || format!("{} {}", t().first_break, format_count(n, lang.get()))}</p> })}
        <div class="table-wrap" tabindex="0">
            <table class="ticket-lines cards">
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_label}</th>
                        <th scope="col" class="num">{move || t().col_quantity}</th>
                        <th scope="col" class="num">{move || t().col_unit_price}</th>
                        <th scope="col" class="num">{move || t().col_discount}</th>
                        <th scope="col" class="num">{move || t().col_rate}</th>
                        <th scope="col" class="num">{move || t().col_ttc}</th>
                    </tr>
                </thead>
                <tbody>{lines}</tbody>
            </table>
        </div>
        <div class="table-wrap" tabindex="0">
            <table class="ticket-vat cards">
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_rate}</th>
                        <th scope="col" class="num">{move || t().col_ht}</th>
                        <th scope="col" class="num">{move || t().col_vat}</th>
                        <th scope="col" class="num">{move || t().col_ttc}</th>
                    </tr>
                </thead>
                <tbody>{vat_rows}</tbody>
            </table>
        </div>
        <ul class="ticket-payments">{payments}</ul>
        // For an auditor, not for the owner's first look.
        <details class="technical">
            <summary>{move || t().technical_details}</summary>
            <dl class="hashes">
                <dt>{move || t().previous_hash_label}</dt>
                <dd><code>{detail.previous_hash.to_hex()}</code></dd>
                <dt>{move || t().hash_label}</dt>
                <dd><code class="ticket-hash">{detail.hash.to_hex()}</code></dd>
            </dl>
        </details>
    }
}
