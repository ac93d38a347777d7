//! Appareils: each register's sync freshness, the order to sync them in (ticking off live), the
//! registers syncing now, refused duplicate syncs, and two weeks of history.
//!
//! The page polls the server every few seconds while it is visible (see docs/decisions.md). The
//! registers now hear of changes through their own stream (`GET /api/sync/events`); the
//! dashboard's stream, with this polling as its fallback, is the next step of issue 20.

use crate::api;
use crate::api::ClientError;
use crate::i18n::use_lang;
use crate::pages::setup_checklist::SetupChecklist;
use crate::pages::states::{ErrorBox, Skeleton};
use crate::session::{use_session, use_store_id};
use crate::time::local_date_time;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use multicaisse_core::format::Lang;
use multicaisse_core::freshness::{
    ago, outcome_label, refused_sync_sentence, syncs_sentence, unsent_changes_sentence,
    RegisterFreshness, StepReason, StoreFreshness, SyncState, MIN_SYNCS_PER_DAY,
};
use multicaisse_core::pages as paths;
use multicaisse_core::setup::SetupInWords;
use std::time::Duration;

/// How often the page asks for news: a sync shows within this.
const POLL: Duration = Duration::from_secs(3);

pub struct DevicesTexts {
    setup_title: &'static str,
    setup_intro: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub syncing: &'static str,
    pub since: &'static str,
    pub idle: &'static str,
    pub plan_title: &'static str,
    pub plan_done_all: &'static str,
    pub plan_fallback: &'static str,
    pub step_done: &'static str,
    pub registers_title: &'static str,
    pub col_state: &'static str,
    pub col_last_sync: &'static str,
    pub col_last_attempt: &'static str,
    pub col_syncs: &'static str,
    pub col_register: &'static str,
    pub never: &'static str,
    pub unknown_pending: &'static str,
    pub incidents_title: &'static str,
    pub no_incidents: &'static str,
    pub timeline_title: &'static str,
    pub timeline_alt: &'static str,
    pub updated: &'static str,
}

const FR: DevicesTexts = DevicesTexts {
    setup_title: "Installation à vérifier",
    setup_intro: "D'après les réglages envoyés à leur dernière synchronisation, ces caisses ne sont pas encore réglées comme il faut. Chacune reste ici jusqu'à ce que tout soit conforme.",
    title: "Appareils",
    intro: "Vos caisses peuvent synchroniser en même temps. Chaque caisse doit synchroniser au moins une fois par jour ; l'ordre ci-dessous est le plus court qui met toutes les caisses à jour.",
    syncing: "Synchronisation en cours :",
    since: "depuis",
    idle: "Aucune synchronisation en cours.",
    plan_title: "Ordre de synchronisation",
    plan_done_all: "Toutes les caisses sont à jour : aucune synchronisation n'est nécessaire.",
    plan_fallback: "Le serveur ne sait rien des modifications en attente : c'est le rituel complet 1…N puis 1…N−1.",
    step_done: "fait",
    registers_title: "Caisses",
    col_state: "État",
    col_last_sync: "Dernière synchronisation",
    col_last_attempt: "Dernière tentative",
    col_syncs: "Synchronisations",
    col_register: "Caisse",
    never: "jamais",
    unknown_pending: "modifications locales : jamais signalées",
    incidents_title: "Synchronisations en double refusées",
    no_incidents: "Aucune synchronisation en double ces 14 derniers jours.",
    timeline_title: "Les 14 derniers jours",
    timeline_alt: "Chronologie des synchronisations par caisse sur 14 jours",
    updated: "Mis à jour à",
};

const EN: DevicesTexts = DevicesTexts {
    setup_title: "Set-up to check",
    setup_intro: "From the settings they sent at their last sync, these registers are not set up right yet. Each stays here until everything is as it should be.",
    title: "Devices",
    intro: "Your registers may sync at the same time. Each register must sync at least once a day; the order below is the shortest that brings every register up to date.",
    syncing: "Sync in progress:",
    since: "since",
    idle: "No sync in progress.",
    plan_title: "Sync order",
    plan_done_all: "Every register is up to date: no sync is needed.",
    plan_fallback: "The server knows nothing of pending changes: this is the full ritual 1…N then 1…N−1.",
    step_done: "done",
    registers_title: "Registers",
    col_state: "State",
    col_last_sync: "Last sync",
    col_last_attempt: "Last attempt",
    col_syncs: "Syncs",
    col_register: "Register",
    never: "never",
    unknown_pending: "local changes: never reported",
    incidents_title: "Refused duplicate syncs",
    no_incidents: "No duplicate sync over the last 14 days.",
    timeline_title: "The last 14 days",
    timeline_alt: "Timeline of syncs per register over 14 days",
    updated: "Updated at",
};

pub fn devices_texts(lang: Lang) -> &'static DevicesTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

#[component]
pub fn DevicesPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || devices_texts(lang.get());
    let session = use_session();
    let store_id = use_store_id();
    // The plan's done steps are the syncs completed since the page was opened.
    // Asked for ahead when the browser opened at this page: the same instant, or the answer
    // would not be the page's.
    let opened: DateTime<Utc> =
        crate::app::opened_ahead(paths::DEVICES).unwrap_or_else(crate::time::now);
    let status: RwSignal<Option<Result<StoreFreshness, ClientError>>> = RwSignal::new(None);
    // When the server last answered: only the relative times follow it. The rest of the page
    // is drawn again only when the answer changed, so that a screen reader is not told the
    // same thing every few seconds.
    let as_of = RwSignal::new(opened);
    let fetch = move || {
        let Some(id) = store_id.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let answer = api::sync_status(id, opened).await;
            // A store switched while the answer travelled is not this page's any more.
            if store_id.get_untracked() != Some(id) {
                return;
            }
            match answer {
                Ok(mut fresh) => {
                    as_of.set(fresh.as_of);
                    fresh.as_of = opened;
                    let changed = status.with_untracked(|old| {
                        old.as_ref().and_then(|o| o.as_ref().ok()) != Some(&fresh)
                    });
                    if changed {
                        status.set(Some(Ok(fresh)));
                    }
                }
                Err(error) => status.set(Some(Err(error))),
            }
        });
    };
    Effect::new(move |_| {
        store_id.track();
        status.set(None);
        fetch();
    });
    crate::pages::states::poll_while_visible(fetch, POLL);
    // The timeline is drawn again only when an attempt was added, not at every poll.
    let timeline_src = Memo::new(move |_| {
        let id = store_id.get()?;
        status.with(|s| {
            let f = s.as_ref()?.as_ref().ok()?;
            let attempts: Vec<String> = f
                .registers
                .iter()
                .filter_map(|r| {
                    r.last_attempt
                        .as_ref()
                        .map(|a| a.at.timestamp_millis().to_string())
                })
                .collect();
            Some(format!(
                "/api/stores/{id}/sync-timeline?lang={}&v={}",
                lang.get().code(),
                attempts.join("-")
            ))
        })
    });
    let zone = move || {
        session
            .current_store()
            .map(|s| s.time_zone.name().to_string())
            .unwrap_or_else(|| "Europe/Paris".into())
    };
    // The syncs attempted since the page was opened: none when its first answer comes, so
    // that answer does not ask for the checklists a second time.
    let attempted_since_opened = Memo::new(move |_| {
        status
            .with(|s| {
                let f = s.as_ref()?.as_ref().ok()?;
                let at: Vec<DateTime<Utc>> = f
                    .registers
                    .iter()
                    .filter_map(|r| r.last_attempt.as_ref().map(|a| a.at))
                    .filter(|at| *at > opened)
                    .collect();
                Some(at)
            })
            .unwrap_or_default()
    });
    // Read again when a sync was attempted (the settings come with it) or the language changed.
    let setups = LocalResource::new(move || {
        let (id, lang, _attempts) = (store_id.get(), lang.get(), attempted_since_opened.get());
        async move {
            match id {
                Some(id) => api::setup(id, lang).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let unfinished_setups = move || {
        // Below the registers' freshness, once it is there: shown first, the checklist was
        // pushed down the screen when the freshness came.
        status.with(|s| s.is_some()).then_some(())?;
        let pending: Vec<SetupInWords> = setups
            .get()
            .and_then(|answer| answer.ok().flatten())?
            .into_iter()
            .filter(|setup| !setup.complete)
            .collect();
        (!pending.is_empty()).then(|| {
            view! {
                <h2>{move || tx().setup_title}</h2>
                <p class="intro">{move || tx().setup_intro}</p>
                <ul class="setup" id="setup-pending">
                    {pending.into_iter().map(|setup| view! { <SetupChecklist setup/> }).collect_view()}
                </ul>
            }
        })
    };
    view! {
        <section class="page devices-page">
            <div class="page-head">
                <h1>{move || tx().title}</h1>
            </div>
            <p class="intro">{move || tx().intro}</p>
            {move || match status.get() {
                None => view! { <Skeleton rows=4/> }.into_any(),
                Some(Err(error)) => {
                    view! { <ErrorBox error on_retry=Callback::new(move |_| fetch())/> }.into_any()
                }
                Some(Ok(f)) => view! { <Freshness f zone=zone() now=as_of.into()/> }.into_any(),
            }}
            {unfinished_setups}
            {move || {
                timeline_src
                    .get()
                    .map(|src| {
                        view! {
                            <h2>{move || tx().timeline_title}</h2>
                            <img class="chart timeline" id="sync-timeline" alt=move || tx().timeline_alt src=src/>
                        }
                    })
            }}
        </section>
    }
}

#[component]
fn Freshness(f: StoreFreshness, zone: String, now: Signal<DateTime<Utc>>) -> impl IntoView {
    let lang = use_lang();
    let tx = move || devices_texts(lang.get());
    let when = {
        let zone = zone.clone();
        move |at: DateTime<Utc>| local_date_time(at, &zone, lang.get())
    };
    // Several registers sync at once: one line each, in the order of their numbers.
    let syncing = f
        .syncing
        .iter()
        .map(|l| {
            let since = when.clone()(l.since);
            view! {
                <p class="lease busy" data-register=l.register>
                    <strong>{move || tx().syncing}</strong>
                    " "
                    {l.label.clone()}
                    " ("
                    {move || tx().since}
                    " "
                    {since}
                    ")"
                </p>
            }
        })
        .collect_view();
    let idle = f
        .syncing
        .is_empty()
        .then(|| view! { <p class="lease idle">{move || tx().idle}</p> });
    let all_unknown = !f.plan.is_empty()
        && f.registers
            .iter()
            .filter(|r| r.facts.in_service)
            .all(|r| r.facts.pending_local_changes.is_none());
    let done = f
        .done
        .iter()
        .map(|d| {
            let at = when.clone()(d.at);
            let label = label_of(&f, d.register);
            view! {
                <li class="step done" data-register=d.register>
                    <span class="tick" aria-hidden="true">"✓"</span>
                    " "
                    <strong>{label}</strong>
                    " — "
                    {move || tx().step_done}
                    " "
                    {at}
                </li>
            }
        })
        .collect_view();
    let steps = f
        .plan
        .iter()
        .map(|step| {
            let reason_of = step.reason.clone();
            let label = label_of(&f, step.register);
            view! {
                <li class="step todo" data-register=step.register>
                    <strong>{label}</strong>
                    " — "
                    {move || reason_of.describe(lang.get())}
                </li>
            }
        })
        .collect_view();
    let plan_empty = f.plan.is_empty();
    let rows = f
        .registers
        .iter()
        .cloned()
        .map(|r| view! { <RegisterRow r now when=when.clone()/> })
        .collect_view();
    let incidents = f.refused.clone();
    let incident_rows = incidents
        .iter()
        .take(10)
        .map(|i| {
            let at = when.clone()(i.at);
            let (register, holder) = (i.register, i.holder);
            let text = move || refused_sync_sentence(register, holder, lang.get());
            view! { <li data-register=register><span class="when">{at}</span> " " {text}</li> }
        })
        .collect_view();
    let updated = {
        let when = when.clone();
        move || when(now.get())
    };
    view! {
        <div id="sync-lease" role="status">{syncing}{idle}</div>
        <h2>{move || tx().plan_title}</h2>
        <ol class="sync-plan" id="sync-plan">
            {done}
            {steps}
        </ol>
        {(plan_empty).then(|| view! { <p class="plan-done" id="plan-done">{move || tx().plan_done_all}</p> })}
        {all_unknown.then(|| view! { <p class="hint">{move || tx().plan_fallback}</p> })}
        <h2>{move || tx().registers_title}</h2>
        <div class="table-wrap" tabindex="0">
            <table class="freshness cards" id="freshness">
                <thead>
                    <tr>
                        <th scope="col">{move || tx().col_register}</th>
                        <th scope="col">{move || tx().col_state}</th>
                        <th scope="col">{move || tx().col_last_sync}</th>
                        <th scope="col">{move || tx().col_last_attempt}</th>
                        <th scope="col">{move || tx().col_syncs}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2>{move || tx().incidents_title}</h2>
        {if incidents.is_empty() {
            view! { <p class="empty">{move || tx().no_incidents}</p> }.into_any()
        } else {
            view! { <ul class="incidents" id="incidents">{incident_rows}</ul> }.into_any()
        }}
        <p class="updated">{move || tx().updated} " " {updated}</p>
    }
}

fn label_of(f: &StoreFreshness, number: u32) -> String {
    f.registers
        .iter()
        .find(|r| r.register.number == number)
        .map_or_else(|| format!("Caisse {number}"), |r| r.register.label.clone())
}

#[component]
fn RegisterRow(
    r: RegisterFreshness,
    now: Signal<DateTime<Utc>>,
    when: impl Fn(DateTime<Utc>) -> String + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let tx = move || devices_texts(lang.get());
    let state = r.state;
    let last_sync = r.facts.last_sync_at;
    let last_sync_text = {
        let when = when.clone();
        move || match last_sync {
            Some(at) => when(at),
            None => tx().never.to_string(),
        }
    };
    let last_sync_ago = move || last_sync.map(|at| ago(at, now.get(), lang.get()));
    let attempt = r.last_attempt.clone();
    let attempt_text = move || match &attempt {
        Some(a) => format!("{} — {}", when(a.at), outcome_label(&a.outcome, lang.get())),
        None => "—".into(),
    };
    let device = match (&r.device, &r.app_version) {
        (Some(d), Some(v)) => format!("{} · {} · v{v}", d.name, d.model),
        (Some(d), None) => format!("{} · {}", d.name, d.model),
        (None, _) => String::new(),
    };
    let (today, week) = (r.syncs_today, r.syncs_7_days);
    let below_minimum = state != SyncState::OutOfService && week < MIN_SYNCS_PER_DAY * 7;
    let syncs = move || syncs_sentence(today, week, lang.get());
    let behind = r.facts.behind;
    let behind_text = move || {
        (behind > 0).then(|| StepReason::PullBehind { changes: behind }.describe(lang.get()))
    };
    let pending = r.facts.pending_local_changes;
    let pending_text = move || match pending {
        Some(n) => unsent_changes_sentence(n, lang.get()),
        None => Some(tx().unknown_pending.to_string()),
    };
    view! {
        <tr data-register=r.register.number data-state=state.code()>
            <th scope="row">
                {r.register.label.clone()}
                <span class="device">{device}</span>
            </th>
            <td class="state" data-label=move || tx().col_state>
                <span class=format!("badge sync-{}", state.code())>{move || state.label(lang.get())}</span>
                <span class="behind">{behind_text}</span>
                <span class="pending">{pending_text}</span>
            </td>
            <td class="last-sync" data-label=move || tx().col_last_sync>{last_sync_text} <span class="ago">{last_sync_ago}</span></td>
            <td class="last-attempt" data-label=move || tx().col_last_attempt>{attempt_text}</td>
            <td class="syncs" class:below-minimum=below_minimum data-label=move || tx().col_syncs>{syncs}</td>
        </tr>
    }
}
