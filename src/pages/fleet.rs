//! Flotte (support staff): every store's registers, worst sync state first, filtered by store
//! and state, 50 a page.

use crate::api;
use crate::i18n::use_lang;
use crate::pages::alerts::AlertList;
use crate::pages::states::{fetched, Together};
use leptos::prelude::*;
use multicaisse_core::format::{format_count, Lang};
use multicaisse_core::freshness::{ago, FleetPage, SyncState};

struct FleetTexts {
    title: &'static str,
    intro: &'static str,
    store_filter: &'static str,
    store_number: &'static str,
    pages: &'static str,
    state_filter: &'static str,
    all_states: &'static str,
    col_store: &'static str,
    col_register: &'static str,
    col_state: &'static str,
    col_last_sync: &'static str,
    col_behind: &'static str,
    col_pending: &'static str,
    never: &'static str,
    none: &'static str,
    previous: &'static str,
    next: &'static str,
}

const FR: FleetTexts = FleetTexts {
    title: "Flotte",
    intro: "Les caisses de toutes les boutiques, les plus en difficulté d'abord : la plus longue sans synchronisation, puis la plus en retard.",
    store_filter: "Boutique (nom ou numéro)",
    store_number: "Boutique n°",
    pages: "Pages de la flotte",
    state_filter: "État",
    all_states: "tous",
    col_store: "Boutique",
    col_register: "Caisse",
    col_state: "État",
    col_last_sync: "Dernière synchronisation",
    col_behind: "À récupérer",
    col_pending: "Non envoyées",
    never: "jamais",
    none: "Aucune caisse ne correspond.",
    previous: "← Précédente",
    next: "Suivante →",
};

const EN: FleetTexts = FleetTexts {
    title: "Fleet",
    intro:
        "Every store's registers, those in trouble first: longest without a sync, then most behind.",
    store_filter: "Store (name or number)",
    store_number: "Store no.",
    pages: "Fleet pages",
    state_filter: "State",
    all_states: "all",
    col_store: "Store",
    col_register: "Register",
    col_state: "State",
    col_last_sync: "Last sync",
    col_behind: "To pull",
    col_pending: "Unsent",
    never: "never",
    none: "No register matches.",
    previous: "← Previous",
    next: "Next →",
};

fn texts(lang: Lang) -> &'static FleetTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

#[component]
pub fn FleetPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let store = RwSignal::new(String::new());
    let state: RwSignal<Option<SyncState>> = RwSignal::new(None);
    let page = RwSignal::new(1u32);
    let fleet = LocalResource::new(move || api::fleet(store.get(), state.get(), page.get()));
    let alerts = LocalResource::new(api::fleet_alerts);
    view! {
        <section class="page fleet-page">
            <div class="page-head">
                <h1>{move || tx().title}</h1>
            </div>
            <p class="intro">{move || tx().intro}</p>
            <Together rows=6>
            {fetched(alerts, 2, move |alerts| view! { <AlertList alerts show_store=true/> })}
            <div class="filters">
                <label>
                    {move || tx().store_filter}
                    <input
                        type="search"
                        id="fleet-store"
                        prop:value=store
                        on:change=move |ev| {
                            page.set(1);
                            store.set(event_target_value(&ev));
                        }
                    />
                </label>
                <label>
                    {move || tx().state_filter}
                    <select
                        id="fleet-state"
                        on:change=move |ev| {
                            page.set(1);
                            state.set(SyncState::from_code(&event_target_value(&ev)));
                        }
                    >
                        <option value="">{move || tx().all_states}</option>
                        {SyncState::ALL
                            .into_iter()
                            .map(|s| view! { <option value=s.code()>{move || s.label(lang.get())}</option> })
                            .collect_view()}
                    </select>
                </label>
            </div>
            {fetched(fleet, 6, move |found| view! { <FleetTable found page/> })}
            </Together>
        </section>
    }
}

#[component]
fn FleetTable(found: FleetPage, page: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let now = found.as_of;
    let counts = found
        .counts
        .iter()
        .map(|c| {
            let (state, count) = (c.state, c.count);
            view! {
                <li data-state=state.code()>
                    <span class=format!("badge sync-{}", state.code())>{move || state.label(lang.get())}</span>
                    " "
                    <strong>{move || format_count(count, lang.get())}</strong>
                </li>
            }
        })
        .collect_view();
    let rows = found
        .rows
        .iter()
        .map(|r| {
            let state = r.state;
            let last = r.facts.last_sync_at;
            let (behind, pending) = (r.facts.behind, r.facts.pending_local_changes);
            let store_id = r.store_id;
            view! {
                <tr data-register=r.register_id data-state=state.code()>
                    // The number support searches by, said as a number, under the name.
                    <td data-label=move || tx().col_store>
                        {r.store_name.clone()}
                        <span class="hint">{move || format!("{} {store_id}", tx().store_number)}</span>
                    </td>
                    <th scope="row">{r.label.clone()}</th>
                    <td data-label=move || tx().col_state><span class=format!("badge sync-{}", state.code())>{move || state.label(lang.get())}</span></td>
                    <td data-label=move || tx().col_last_sync>{move || last.map_or_else(|| tx().never.to_string(), |at| ago(at, now, lang.get()))}</td>
                    <td class="num" data-label=move || tx().col_behind>{move || format_count(behind, lang.get())}</td>
                    <td class="num" data-label=move || tx().col_pending>{move || pending.map_or_else(|| "—".to_string(), |p| format_count(u64::from(p), lang.get()))}</td>
                </tr>
            }
        })
        .collect_view();
    let (current, pages, total) = (found.page, found.pages, found.total);
    view! {
        <ul class="state-counts" id="fleet-counts">{counts}</ul>
        {if found.rows.is_empty() {
            view! { <p class="empty">{move || tx().none}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0">
                    <table class="fleet cards" id="fleet">
                        <thead>
                            <tr>
                                <th scope="col">{move || tx().col_store}</th>
                                <th scope="col">{move || tx().col_register}</th>
                                <th scope="col">{move || tx().col_state}</th>
                                <th scope="col">{move || tx().col_last_sync}</th>
                                <th scope="col" class="num">{move || tx().col_behind}</th>
                                <th scope="col" class="num">{move || tx().col_pending}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
                .into_any()
        }}
        <nav class="pager" aria-label=move || tx().pages>
            <button type="button" id="fleet-previous" disabled={current <= 1} on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>
                {move || tx().previous}
            </button>
            <span id="fleet-page">
                {move || match lang.get() {
                    Lang::Fr => format!("page {current} sur {pages} · {} caisses", format_count(total, Lang::Fr)),
                    Lang::En => format!("page {current} of {pages} · {} registers", format_count(total, Lang::En)),
                }}
            </span>
            <button type="button" id="fleet-next" disabled={current >= pages} on:click=move |_| page.update(|p| *p += 1)>
                {move || tx().next}
            </button>
        </nav>
    }
}
