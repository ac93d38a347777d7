//! Mise hors service: the store's extra registers, and for the one chosen, the wizard the
//! server enforces. Each step shows its state and, when blocked, what is missing in words and
//! numbers; the page asks the server again every few seconds while the owner syncs the iPad,
//! and its buttons are those the server's answer allows, never more.

use crate::api::{self, ClientError};
use crate::i18n::{use_lang, use_texts};
use crate::pages::states::{loaded, Empty, ErrorBox, Mutation, Skeleton};
use crate::session::use_session;
use crate::time::local_date_time;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use multicaisse_core::decommission::{Decommission, Step, StepState, StepView};
use multicaisse_core::format::{colon, Lang};
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus};
use std::time::Duration;

const POLL: Duration = Duration::from_secs(3);

pub struct WizardTexts {
    pub done: &'static str,
    pub ready: &'static str,
    pub blocked: &'static str,
    pub waiting: &'static str,
    open: &'static str,
    principal: &'static str,
    not_started: &'static str,
    start: &'static str,
    pub suspend: &'static str,
    uninstall: &'static str,
    cancel: &'static str,
    cancelled: &'static str,
    sales_link: &'static str,
    live: &'static str,
    support_only: &'static str,
    principal_row: &'static str,
    confirm_start: (&'static str, &'static str),
    confirm_yes: &'static str,
    confirm_no: &'static str,
    start_again: &'static str,
    under_way: &'static str,
    wizard_column: &'static str,
}

const FR: WizardTexts = WizardTexts {
    done: "fait",
    ready: "à confirmer",
    blocked: "bloqué",
    waiting: "attend les étapes précédentes",
    open: "Assistant",
    principal: "La caisse principale fait partie de l'abonnement de base : elle ne peut pas être mise hors service.",
    not_started: "Aucune mise hors service en cours pour cette caisse.",
    start: "Commencer la mise hors service",
    suspend: "Confirmer la suspension",
    uninstall: "Confirmer la désinstallation",
    cancel: "Annuler la mise hors service",
    cancelled: "Cette mise hors service a été annulée.",
    sales_link: "Voir les ventes de cette caisse",
    live: "Mis à jour en direct pendant que vous synchronisez l'iPad.",
    support_only: "Le support confirme cette étape quand les étapes 2 à 4 sont faites.",
    principal_row: "Fait partie de l'abonnement de base",
    confirm_start: ("Commencer la mise hors service de «\u{a0}", "\u{a0}»\u{a0}? La caisse continue de vendre jusqu'à la suspension ; sa facturation s'arrête le jour où le support la suspend. Vous pourrez annuler jusque-là."),
    confirm_yes: "Oui, commencer",
    confirm_no: "Non, revenir",
    start_again: "Recommencer la mise hors service",
    under_way: "mise hors service en cours",
    wizard_column: "Assistant",
};

const EN: WizardTexts = WizardTexts {
    done: "done",
    ready: "to confirm",
    blocked: "blocked",
    waiting: "waits for the steps before",
    open: "Wizard",
    principal: "The principal register is part of the base plan: it cannot be decommissioned.",
    not_started: "No decommission in progress for this register.",
    start: "Start decommissioning",
    suspend: "Confirm the suspension",
    uninstall: "Confirm the uninstall",
    cancel: "Cancel the decommission",
    cancelled: "This decommission was cancelled.",
    sales_link: "See this register's sales",
    live: "Updated live while you sync the iPad.",
    support_only: "Support confirms this step once steps 2 to 4 are done.",
    principal_row: "Part of the base plan",
    confirm_start: ("Start decommissioning “", "”? The register keeps selling until it is suspended; its billing stops the day support suspends it. You can cancel until then."),
    confirm_yes: "Yes, start",
    confirm_no: "No, go back",
    start_again: "Start the decommission again",
    under_way: "decommission under way",
    wizard_column: "Wizard",
};

pub fn wizard_texts(lang: Lang) -> &'static WizardTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// `done`, `ready`, `blocked` or `waiting`: the state's code, for styles and tests.
pub fn state_code(state: &StepState) -> &'static str {
    match state {
        StepState::Done { .. } => "done",
        StepState::Ready => "ready",
        StepState::Blocked { .. } => "blocked",
        StepState::Waiting => "waiting",
    }
}

/// A step in words: its title, its state, and what blocks it.
pub fn step_line(step: &StepView, zone: &str, lang: Lang) -> (String, String) {
    let tx = wizard_texts(lang);
    let title = step.step.label(lang).to_string();
    let state = match &step.state {
        StepState::Done { at: Some(at) } => {
            format!("{} — {}", tx.done, local_date_time(*at, zone, lang))
        }
        StepState::Done { at: None } => tx.done.to_string(),
        StepState::Ready => tx.ready.to_string(),
        StepState::Blocked { .. } => {
            format!("{}{}{}", tx.blocked, colon(lang), step.reasons.join("; "))
        }
        StepState::Waiting => tx.waiting.to_string(),
    };
    (title, state)
}

#[component]
pub fn DecommissionPage() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let tx = move || wizard_texts(lang.get());
    let registers = crate::session::store_resource(api::registers);
    // Which registers are on their way out, marked in the list; asked again after each step.
    let under_way = crate::session::store_resource(api::store_decommissions);
    let is_under_way = move |register_id: i64| {
        under_way
            .get()
            .and_then(|answer| answer.ok().flatten())
            .is_some_and(|list| list.iter().any(|d| d.register_id == register_id))
    };
    // The register whose wizard is open is in the address (`?register=N`), so that a link or
    // a reload opens it again: the wizard is left and resumed.
    let query = use_query_map();
    let wanted = move || query.with(|q| q.get("register").and_then(|n| n.parse::<u32>().ok()));
    let navigate = use_navigate();
    let open = move |number: u32| {
        navigate(
            &format!("/mise-hors-service?register={number}"),
            Default::default(),
        )
    };
    let open = StoredValue::new(open);
    let chosen = Memo::new(move |_| {
        let number = wanted()?;
        registers
            .get()
            .and_then(|answer| answer.ok().flatten())?
            .into_iter()
            .find(|r| r.number == number)
    });
    view! {
        <section class="page registers-page decommission-page">
            <div class="page-head">
                <h1>{move || t().decommission_title}</h1>
            </div>
            <p class="intro">{move || t().decommission_intro}</p>
            {loaded(registers, 3, move |list: Vec<Register>| {
                if list.is_empty() {
                    return view! { <Empty message=Signal::derive(move || t().no_registers)/> }.into_any();
                }
                let rows = list
                    .into_iter()
                    .map(|register| {
                        let (kind, status) = (register.kind, register.status);
                        let (number, register_id) = (register.number, register.id);
                        let label = register.label.clone();
                        view! {
                            <tr data-register=number>
                                <th scope="row">{label}</th>
                                <td data-label=move || t().col_kind>{move || t().kind(kind)}</td>
                                <td data-label=move || t().col_status>
                                    <span class=format!("badge status-{}", status.code())>{move || t().status(status)}</span>
                                    {move || is_under_way(register_id).then(|| view! { " " <span class="badge under-way">{tx().under_way}</span> })}
                                </td>
                                <td>
                                    {if kind == RegisterKind::Principal {
                                        // Its wizard could only refuse.
                                        view! { <span class="muted principal-note">{move || tx().principal_row}</span> }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" class="link open-wizard" on:click=move |_| open.with_value(|open| open(number))>
                                                {move || tx().open}
                                            </button>
                                        }
                                        .into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="registers cards">
                            <thead>
                                <tr>
                                    <th scope="col">{move || t().col_register}</th>
                                    <th scope="col">{move || t().col_kind}</th>
                                    <th scope="col">{move || t().col_status}</th>
                                    // Named for screen readers: an empty header says nothing.
                                    <th scope="col"><span class="visually-hidden">{move || tx().wizard_column}</span></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            })}
            {move || chosen.get().map(|register| view! { <Wizard register on_step=move || under_way.refetch()/> })}
        </section>
    }
}

#[component]
fn Wizard(register: Register, on_step: impl Fn() + Copy + 'static) -> impl IntoView {
    let lang = use_lang();
    let tx = move || wizard_texts(lang.get());
    let session = use_session();
    let is_support = move || session.me().is_some_and(|me| me.support);
    let zone = move || {
        session
            .current_store()
            .map(|s| s.time_zone.name().to_string())
            .unwrap_or_else(|| "Europe/Paris".into())
    };
    let id = register.id;
    let number = register.number;
    let principal = register.kind == RegisterKind::Principal;
    // A decommission under way leaves the register selling: once cancelled it may start again.
    let in_service = matches!(
        register.status,
        RegisterStatus::Active | RegisterStatus::DecommissionRequested
    );
    let answer = RwSignal::new(None::<Result<Option<Decommission>, ClientError>>);
    let error = RwSignal::new(None::<String>);
    let fetch = move || {
        if principal {
            return;
        }
        leptos::task::spawn_local(async move {
            let fetched = api::decommission(id, lang.get_untracked()).await;
            // Only a change is drawn again, so a screen reader is not told the same thing.
            if answer.with_untracked(|old| old.as_ref() != Some(&fetched)) {
                answer.set(Some(fetched));
            }
        });
    };
    Effect::new(move |_| {
        lang.track();
        fetch();
    });
    crate::pages::states::poll_while_visible(fetch, POLL);
    // Starting asks first: it leads to a register out of service. The question stays, its
    // button disabled, until the server has answered.
    let asking = RwSignal::new(false);
    let step = Mutation::new(move |action: &'static str| async move {
        let answered = api::decommission_action(id, action, lang.get_untracked()).await;
        asking.set(false);
        on_step();
        match answered {
            Ok(done) => {
                error.set(None);
                answer.set(Some(Ok(Some(done))));
            }
            Err(e) => error.set(Some(e.said(lang.get_untracked()))),
        }
    });
    let act = move |action: &'static str| step.send(action);
    let busy = move || step.pending().get();
    let label = register.label.clone();
    let start = move |again: bool| {
        let label = label.clone();
        view! {
            {move || if asking.get() {
                let (before, after) = tx().confirm_start;
                view! {
                    <div class="confirm card" id="confirm-start" role="group" aria-labelledby="confirm-start-question">
                        <p id="confirm-start-question">{before} {label.clone()} {after}</p>
                        <button type="button" class="primary" id="start-decommission-confirm" disabled=busy aria-busy=move || busy().to_string() on:click=move |_| act("")>{tx().confirm_yes}</button>
                        <button type="button" id="start-decommission-back" on:click=move |_| asking.set(false)>{tx().confirm_no}</button>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <button type="button" class="primary" id="start-decommission" disabled=busy on:click=move |_| asking.set(true)>
                        {move || if again { tx().start_again } else { tx().start }}
                    </button>
                }
                .into_any()
            }}
        }
    };
    let body = move || -> AnyView {
        if principal {
            return view! { <p class="notice" id="wizard-principal">{move || tx().principal}</p> }
                .into_any();
        }
        match answer.get() {
            None => view! { <Skeleton rows=4/> }.into_any(),
            Some(Err(error)) => {
                view! { <ErrorBox error on_retry=Callback::new(move |_| fetch())/> }.into_any()
            }
            Some(Ok(None)) => view! {
                <p class="muted">{move || tx().not_started}</p>
                {in_service.then(|| start(false))}
            }
            .into_any(),
            Some(Ok(Some(d))) => {
                let cancelled = d.progress.cancelled_at.is_some();
                let ready = |step: Step| {
                    d.steps
                        .iter()
                        .any(|s| s.step == step && s.state == StepState::Ready)
                };
                let (suspend_ready, uninstall_ready) =
                    (ready(Step::Suspended), ready(Step::Uninstalled));
                let may_cancel = !cancelled && d.progress.suspended_at.is_none();
                let steps = d
                    .steps
                    .into_iter()
                    .map(|step| {
                        let code = state_code(&step.state);
                        let step = StoredValue::new(step);
                        view! {
                            <li data-step=step.with_value(|s| s.number) data-state=code class=format!("step {code}")>
                                {move || step.with_value(|s| {
                                    let (title, state) = step_line(s, &zone(), lang.get());
                                    view! { <strong>{title}</strong> <span class="step-state">{state}</span> }
                                })}
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    {cancelled.then(|| view! { <p class="notice">{move || tx().cancelled}</p> })}
                    // A cancelled decommission may be started again.
                    {(cancelled && in_service).then(|| start(true))}
                    <ol class="wizard-steps">{steps}</ol>
                    <div class="wizard-actions">
                        {(suspend_ready && !cancelled).then(|| if is_support() {
                            view! { <button type="button" class="primary" id="confirm-suspension" disabled=busy aria-busy=move || busy().to_string() on:click=move |_| act("suspend")>{move || tx().suspend}</button> }.into_any()
                        } else {
                            view! { <p class="muted">{move || tx().support_only}</p> }.into_any()
                        })}
                        {uninstall_ready.then(|| view! {
                            <button type="button" class="primary" id="confirm-uninstall" disabled=busy aria-busy=move || busy().to_string() on:click=move |_| act("uninstall")>{move || tx().uninstall}</button>
                        })}
                        {may_cancel.then(|| view! {
                            <button type="button" id="cancel-decommission" disabled=busy aria-busy=move || busy().to_string() on:click=move |_| act("cancel")>{move || tx().cancel}</button>
                        })}
                    </div>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="card wizard" id="wizard" data-register=number aria-live="polite">
            <h2>{register.label.clone()}</h2>
            <p class="muted">{move || tx().live} " "
                <A href=format!("/ventes?register={number}")>{move || tx().sales_link}</A>
            </p>
            {move || error.get().map(|e| view! { <p class="form-error" id="wizard-error" role="alert">{e}</p> })}
            {body}
        </section>
    }
}
