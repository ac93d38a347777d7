//! Aujourd'hui: the first screen of an owner — today so far against the same weekday last
//! week at the same time, the month so far against last month to the same day, and one line
//! per register with how fresh its figures are. Core's `glance` decides what is compared.

use crate::api;
use crate::i18n::use_lang;
use crate::pages::alerts::{store_alerts_resource, use_store_alerts, AlertList};
use crate::pages::states::{fetched, loaded, Together};
use crate::session::{store_resource, use_session};
use crate::time::{local_day, now};
use leptos::prelude::*;
use leptos_router::components::A;
use multicaisse_core::alerts::OpenAlert;
use multicaisse_core::format::{format_change, format_count, format_eur, Lang};
use multicaisse_core::freshness::{ago, may_lack_note, MayLack};
use multicaisse_core::glance::{Compared, Glance, RegisterGlance};

struct TodayTexts {
    title: &'static str,
    today: &'static str,
    month: &'static str,
    takings: &'static str,
    tickets: &'static str,
    basket: &'static str,
    registers: &'static str,
    last_sync: &'static str,
    never: &'static str,
    details: &'static str,
    no_registers: &'static str,
}

const FR: TodayTexts = TodayTexts {
    title: "Aujourd'hui",
    today: "Aujourd'hui",
    month: "Ce mois-ci",
    takings: "Chiffre d'affaires TTC",
    tickets: "Tickets",
    basket: "Panier moyen",
    registers: "Par caisse",
    last_sync: "Synchronisée",
    never: "Jamais synchronisée",
    details: "Voir le détail des ventes",
    no_registers: "Aucune caisse en service.",
};

const EN: TodayTexts = TodayTexts {
    title: "Today",
    today: "Today",
    month: "This month",
    takings: "Takings incl. VAT",
    tickets: "Tickets",
    basket: "Average basket",
    registers: "By register",
    last_sync: "Synced",
    never: "Never synced",
    details: "See the sales in detail",
    no_registers: "No register in service.",
};

fn texts(lang: Lang) -> &'static TodayTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

#[component]
pub fn TodayPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || texts(lang.get());
    let glance = store_resource(api::glance);
    // Asked for again each time the first screen opens: the alerts as they are now. The
    // header's count takes that answer rather than asking again (it asked a third time when
    // the page opened first).
    let alerts = store_alerts_resource();
    let count = use_store_alerts();
    Effect::new(move || {
        if let Some(Ok(answer)) = alerts.get() {
            count.set(Some(Ok(answer)));
        }
    });
    view! {
        <section class="page today-page">
            <div class="page-head">
                <h1>{move || t().title}</h1>
                <A href="/ventes" attr:class="button-link">{move || t().details}</A>
            </div>
            <Together rows=4>
                {fetched(alerts, 0, |alerts: Option<Vec<OpenAlert>>| {
                    alerts.map(|alerts| view! { <AlertList alerts/> })
                })}
                {loaded(glance, 4, move |glance: Glance| view! { <GlanceView glance/> })}
            </Together>
        </section>
    }
}

#[component]
fn GlanceView(glance: Glance) -> impl IntoView {
    let lang = use_lang();
    let t = move || texts(lang.get());
    let (today, month) = (glance.today, glance.month);
    let today_words = {
        let glance = glance.clone();
        move || glance.today_compared(lang.get())
    };
    let month_words = {
        let glance = glance.clone();
        move || glance.month_compared(lang.get())
    };
    let lines = glance.registers;
    let empty = lines.is_empty();
    view! {
        <div class="glance-cards">
            <article class="glance-card glance-today" aria-labelledby="glance-today">
                <h2 id="glance-today">{move || t().today}</h2>
                <Figures compared=today/>
                <p class="hint compared-with">{today_words}</p>
            </article>
            <article class="glance-card glance-month" aria-labelledby="glance-month">
                <h2 id="glance-month">{move || t().month}</h2>
                <Figures compared=month/>
                <p class="hint compared-with">{month_words}</p>
            </article>
        </div>
        <h2>{move || t().registers}</h2>
        {empty.then(|| view! { <p class="notice">{move || t().no_registers}</p> })}
        <ul class="register-glance">
            {lines.into_iter().map(|line| view! { <RegisterLine line/> }).collect_view()}
        </ul>
    }
}

/// A change beside its figure, or "—" with why there is none.
fn change_view(change: Option<i64>, compared: Compared, lang: Lang) -> impl IntoView {
    let why = compared.why_not_compared(lang).unwrap_or_default();
    match change {
        Some(bp) => view! {
            <span class="change" class:up={bp >= 5} class:down={bp <= -5}>{format_change(bp, lang)}</span>
        }
        .into_any(),
        None => view! { <span class="change none" title=why>"—"<span class="visually-hidden">{why}</span></span> }
            .into_any(),
    }
}

#[component]
fn Figures(compared: Compared) -> impl IntoView {
    let lang = use_lang();
    let t = move || texts(lang.get());
    let changes = compared.changes();
    let now = compared.now;
    view! {
        <dl class="figures">
            <div class="figure takings">
                <dt>{move || t().takings}</dt>
                <dd class="amount">{move || format_eur(now.ttc, lang.get())}</dd>
                <dd>{move || change_view(changes.takings_bp, compared, lang.get())}</dd>
            </div>
            <div class="figure tickets">
                <dt>{move || t().tickets}</dt>
                <dd class="amount">{move || format_count(now.tickets(), lang.get())}</dd>
                <dd>{move || change_view(changes.tickets_bp, compared, lang.get())}</dd>
            </div>
            <div class="figure basket">
                <dt>{move || t().basket}</dt>
                <dd class="amount">
                    {move || now.average_basket().map(|b| format_eur(b, lang.get())).unwrap_or_else(|| "—".into())}
                </dd>
                <dd>{move || change_view(changes.basket_bp, compared, lang.get())}</dd>
            </div>
        </dl>
    }
}

#[component]
fn RegisterLine(line: RegisterGlance) -> impl IntoView {
    let lang = use_lang();
    let t = move || texts(lang.get());
    let RegisterGlance {
        register,
        today,
        month,
        sync,
    } = line;
    let today_change = today.changes().takings_bp;
    let month_change = month.changes().takings_bp;
    let session = use_session();
    // A late register's figures may lack sales: said instead of its last sync (core decides
    // when).
    let freshness = move || {
        let lang = lang.get();
        let at = now();
        let zone = session
            .current_store()
            .map(|s| s.time_zone.name().to_string());
        let last = sync.last_sync_at.map(|then| {
            let day = zone.as_deref().map(|zone| local_day(then, zone));
            (then, day.unwrap_or_else(|| then.date_naive()))
        });
        match may_lack_note(sync.state, last, None, at, MayLack::Sales, lang) {
            Some(note) => {
                view! { <p class="may-lack" role="note">{format!("⚠ {note}")}</p> }.into_any()
            }
            None => {
                let said = match sync.last_sync_at {
                    Some(then) => format!("{} {}", t().last_sync, ago(then, at, lang)),
                    None => t().never.to_string(),
                };
                view! { <p class="register-line-sync hint">{said}</p> }.into_any()
            }
        }
    };
    let state = sync.state;
    view! {
        <li class="register-line" data-register=register.number>
            <div class="register-line-name">
                <strong>{register.label}</strong>
                <span class=format!("badge sync-{}", state.code())>{move || state.label(lang.get())}</span>
            </div>
            <dl class="register-line-figures">
                <div>
                    <dt>{move || t().today}</dt>
                    <dd class="amount today-takings">{move || format_eur(today.now.ttc, lang.get())}</dd>
                    <dd>{move || change_view(today_change, today, lang.get())}</dd>
                </div>
                <div>
                    <dt>{move || t().month}</dt>
                    <dd class="amount month-takings">{move || format_eur(month.now.ttc, lang.get())}</dd>
                    <dd>{move || change_view(month_change, month, lang.get())}</dd>
                </div>
            </dl>
            {freshness}
        </li>
    }
}
