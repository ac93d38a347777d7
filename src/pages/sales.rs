//! Ventes: each register's sales over a period, compared with the previous one, with the
//! VAT and payment breakdowns, the charts and the CSV export. The period lives in the URL.

use crate::api;
use crate::i18n::use_texts;
use crate::pages::sales_charts::{sales_charts, SalesChartsView};
use crate::pages::sales_tables::{PaymentsTable, SalesTable, VatTable};
use crate::pages::states::loaded;
use crate::pages::sync_note::sync_briefs;
use crate::pages::tickets::TicketsPanel;
use crate::session::{use_session, use_store_id};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use multicaisse_core::api::{SalesPeriod, SalesReport};
use multicaisse_core::period::PeriodPreset;
use multicaisse_core::store::Register;

/// How long the period select stays on a choice before the page follows it.
const PERIOD_SETTLES_MS: u64 = 400;

/// The period the URL asks for; this month when it asks for nothing usable.
fn period_of(query: &leptos_router::params::ParamsMap) -> SalesPeriod {
    SalesPeriod::of_page(&crate::app::query_pairs(query))
}

/// The URL asks for a period it cannot have (a reversed range in a link, say): the page says
/// so above this month's figures.
fn period_unusable(query: &leptos_router::params::ParamsMap) -> bool {
    let pairs = SalesPeriod::period_pairs(&crate::app::query_pairs(query));
    !pairs.is_empty() && SalesPeriod::parse(&pairs).is_err()
}

#[component]
pub fn SalesPage() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    let period = Memo::new(move |_| period_of(&query.read()));
    let store_id = use_store_id();
    let session = use_session();
    // The register whose tickets are open, kept in the URL like the period.
    let register_number = Memo::new(move |_| {
        query
            .read()
            .get("register")
            .and_then(|n| n.parse::<u32>().ok())
    });
    let report = LocalResource::new(move || {
        let (store, period) = (store_id.get(), period.get());
        async move {
            match store {
                Some(id) => api::sales(id, period).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let charts = sales_charts(store_id, period);
    let briefs = sync_briefs();
    let csv = move || {
        store_id
            .get()
            .map(|id| api::sales_csv_url(id, period.get()))
            .unwrap_or_default()
    };

    view! {
        <section class="page sales-page">
            <div class="page-head">
                <h1>{move || t().sales_title}</h1>
                <PeriodPicker period/>
                <a class="export-csv" href=csv download="">{move || t().export_csv}</a>
            </div>
            {move || period_unusable(&query.read()).then(|| view! {
                <p class="notice period-unusable" role="status">{t().period_unusable}</p>
            })}
            {loaded(report, 4, move |report: SalesReport| {
                let registers: Vec<Register> =
                    report.registers.iter().map(|r| r.register.clone()).collect();
                let zone = session
                    .current_store()
                    .map(|s| s.time_zone.name().to_string())
                    .unwrap_or_default();
                // Opening a register's tickets changes the URL, not the report: only the
                // panel follows it.
                let chosen = move || {
                    let number = register_number.get()?;
                    registers.iter().find(|r| r.number == number).cloned()
                };
                view! {
                    <SalesTable report=report.clone() period briefs/>
                    {move || chosen().map(|register| view! { <TicketsPanel register period zone=zone.clone()/> })}
                    <div class="breakdowns">
                        <VatTable report=report.clone()/>
                        <PaymentsTable report/>
                    </div>
                    // Below the tables once they are there, whichever answer came first:
                    // shown before them, the charts were pushed down the screen when the
                    // tables arrived. Their data is asked for with the report's.
                    <SalesChartsView charts period/>
                }
            })}
        </section>
    }
}

/// The presets, and a custom range with two dates.
#[component]
fn PeriodPicker(period: Memo<SalesPeriod>) -> impl IntoView {
    let t = use_texts();
    let navigate = use_navigate();
    let custom = RwSignal::new(false);
    Effect::new(move || custom.set(matches!(period.get(), SalesPeriod::Custom(_))));
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move || {
        if let SalesPeriod::Custom(range) = period.get() {
            from.set(range.from.to_string());
            to.set(range.to.to_string());
        }
    });
    let go = {
        let navigate = navigate.clone();
        move |query: String| navigate(&format!("/ventes?{query}"), Default::default())
    };
    // Arrow keys on the closed select change it at every step: the figures follow the period
    // the person stops on, not each one passed, which loaded every period in turn and left a
    // step in the history for each.
    let steps = StoredValue::new(0u64);
    let choose = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let code = event_target_value(&ev);
            steps.update_value(|n| *n += 1);
            let step = steps.get_value();
            match PeriodPreset::from_code(&code) {
                Some(preset) => {
                    custom.set(false);
                    let go = go.clone();
                    set_timeout(
                        move || {
                            // Gone from the page meanwhile: nothing to follow.
                            if steps.try_get_value() == Some(step) {
                                go(SalesPeriod::Preset(preset).query());
                            }
                        },
                        std::time::Duration::from_millis(PERIOD_SETTLES_MS),
                    );
                }
                None => custom.set(true),
            }
        }
    };
    let reversed = RwSignal::new(false);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (start, end) = (from.get_untracked(), to.get_untracked());
        // ISO dates compare as text; a reversed range is said, not silently replaced.
        let backwards = !start.is_empty() && !end.is_empty() && start > end;
        reversed.set(backwards);
        if !backwards {
            go(format!("period=custom&from={start}&to={end}"));
        }
    };
    // What the select shows is what the figures are for, after Back and Forward too: the
    // `selected` attributes alone stop counting once the select has been used.
    let shown_code = move || match period.get() {
        SalesPeriod::Preset(p) if !custom.get() => p.code().to_string(),
        _ => "custom".to_string(),
    };
    let selected = move |code: &str| match period.get() {
        SalesPeriod::Preset(p) => !custom.get() && p.code() == code,
        SalesPeriod::Custom(_) => code == "custom",
    };
    view! {
        <div class="period-picker">
            <label for="period">{move || t().period_label}</label>
            <select id="period" prop:value=shown_code on:change=choose>
                {PeriodPreset::ALL
                    .into_iter()
                    .map(|p| {
                        view! {
                            <option value=p.code() selected=move || selected(p.code())>
                                {move || t().period(p)}
                            </option>
                        }
                    })
                    .collect_view()}
                <option value="custom" selected=move || custom.get()>
                    {move || t().period_custom}
                </option>
            </select>
            {move || {
                let apply = apply.clone();
                custom
                    .get()
                    .then(|| {
                        view! {
                            <form class="custom-range" on:submit=apply>
                                <label for="from">{move || t().from_label}</label>
                                <input id="from" type="date" required prop:value=from on:input=move |ev| from.set(event_target_value(&ev))/>
                                <label for="to">{move || t().to_label}</label>
                                <input id="to" type="date" required prop:value=to on:input=move |ev| to.set(event_target_value(&ev))/>
                                <button type="submit">{move || t().apply}</button>
                                {move || reversed.get().then(|| view! {
                                    <p class="form-error" id="range-error" role="alert">{t().range_reversed}</p>
                                })}
                            </form>
                        }
                    })
            }}
        </div>
    }
}
