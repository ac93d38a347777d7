//! Demandes (support staff): the queue of requests for an extra register across stores, each
//! activated (the pairing code shown for the iPad) or refused with a reason the owner reads;
//! and what the service bills for a month, store by store.

use crate::api::{self, ClientError};
use crate::i18n::use_lang;
use crate::pages::decommission::{step_line, wizard_texts};
use crate::pages::register_requests::request_outcome;
use crate::pages::states::{fetched, Mutation, Together};
use crate::pages::subscription::amounts_text;
use crate::time::local_date_time;
use chrono::Datelike;
use leptos::prelude::*;
use multicaisse_core::decommission::{Decommission, Step, StepState};
use multicaisse_core::format::{colon, format_eur, format_month, Lang};
use multicaisse_core::requests::{Activation, RegisterRequest, RequestStatus};
use multicaisse_core::subscription::Billing;
use multicaisse_core::zperiod::ZPeriod;

struct SupportTexts {
    title: &'static str,
    intro: &'static str,
    queue: &'static str,
    show_all: &'static str,
    col_store: &'static str,
    col_request: &'static str,
    col_asked: &'static str,
    col_action: &'static str,
    none: &'static str,
    activate: &'static str,
    refuse: &'static str,
    reason: &'static str,
    confirm_refusal: &'static str,
    confirm_activation: &'static str,
    activate_yes: &'static str,
    cancel: &'static str,
    activated: &'static str,
    pairing: &'static str,
    valid_until: &'static str,
    billing: &'static str,
    billing_intro: &'static str,
    month: &'static str,
    col_register: &'static str,
    col_days: &'static str,
    col_ht: &'static str,
    nothing_billed: &'static str,
    total: &'static str,
    decommissions: &'static str,
    decommissions_intro: &'static str,
    no_decommission: &'static str,
}

const FR: SupportTexts = SupportTexts {
    title: "Demandes et facturation",
    intro: "Les demandes de caisses supplémentaires de toutes les boutiques, et ce que le service facture.",
    queue: "Demandes",
    show_all: "Afficher aussi les demandes traitées",
    col_store: "Boutique",
    col_request: "Demande",
    col_asked: "Demandée",
    col_action: "Décision",
    none: "Aucune demande en attente.",
    activate: "Activer",
    refuse: "Refuser",
    reason: "Motif du refus (le propriétaire le lira)",
    confirm_refusal: "Confirmer le refus",
    confirm_activation: "Activer cette caisse ? Elle est facturée à la boutique chaque mois à partir d'aujourd'hui, jusqu'à sa mise hors service.",
    activate_yes: "Oui, activer",
    cancel: "Annuler",
    activated: "activée pour",
    pairing: "Code d'appairage de l'iPad :",
    valid_until: "valable jusqu'au",
    billing: "Facturation",
    billing_intro: "Les caisses supplémentaires de chaque boutique pour le mois, au jour près.",
    month: "Mois",
    col_register: "Caisse",
    col_days: "Jours",
    col_ht: "Montant HT",
    nothing_billed: "Aucune caisse supplémentaire facturée ce mois-là.",
    total: "Total du mois",
    decommissions: "Mises hors service en cours",
    decommissions_intro: "Confirmez la suspension d'une caisse quand les étapes 2 à 4 sont faites : sa facturation s'arrête ce jour-là et son iPad est révoqué.",
    no_decommission: "Aucune mise hors service en cours.",
};

const EN: SupportTexts = SupportTexts {
    title: "Requests and billing",
    intro: "Every store's requests for an extra register, and what the service bills.",
    queue: "Requests",
    show_all: "Show the decided requests too",
    col_store: "Store",
    col_request: "Request",
    col_asked: "Asked",
    col_action: "Decision",
    none: "No pending request.",
    activate: "Activate",
    refuse: "Refuse",
    reason: "Why it is refused (the owner will read it)",
    confirm_refusal: "Confirm the refusal",
    confirm_activation: "Activate this register? The shop is billed for it every month from today, until it is decommissioned.",
    activate_yes: "Yes, activate",
    cancel: "Cancel",
    activated: "activated for",
    pairing: "The iPad's pairing code:",
    valid_until: "valid until",
    billing: "Billing",
    billing_intro: "Each store's extra registers for the month, to the day.",
    month: "Month",
    col_register: "Register",
    col_days: "Days",
    col_ht: "Amount excl. VAT",
    nothing_billed: "No extra register billed that month.",
    total: "The month's total",
    decommissions: "Decommissions in progress",
    decommissions_intro: "Confirm a register's suspension once steps 2 to 4 are done: its billing stops that day and its iPad is revoked.",
    no_decommission: "No decommission in progress.",
};

fn support_texts(lang: Lang) -> &'static SupportTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// Support's times are shown in Paris time: the service's own, across stores.
const SERVICE_ZONE: &str = "Europe/Paris";

#[component]
pub fn SupportPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || support_texts(lang.get());
    view! {
        <section class="page support-page">
            <div class="page-head">
                <h1>{move || tx().title}</h1>
            </div>
            <p class="intro">{move || tx().intro}</p>
            <Together rows=6>
                <RequestQueue/>
                <Decommissions/>
                <BillingView/>
                <crate::pages::password::SupportResetLink/>
            </Together>
        </section>
    }
}

#[component]
fn RequestQueue() -> impl IntoView {
    let lang = use_lang();
    let tx = move || support_texts(lang.get());
    let show_all = RwSignal::new(false);
    let queue = LocalResource::new(move || {
        let all = show_all.get();
        async move { api::request_queue(all).await }
    });
    let activation = RwSignal::new(None::<Activation>);
    let refusing = RwSignal::new(None::<i64>);
    let confirming = RwSignal::new(None::<i64>);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let failed = move |e: ClientError| error.set(Some(e.said(lang.get_untracked())));
    // One decision at a time: a second click while one travels is dropped.
    let activating = Mutation::new(move |id: i64| async move {
        match api::activate_request(id).await {
            Ok(done) => {
                error.set(None);
                activation.set(Some(done));
                queue.refetch();
            }
            Err(e) => failed(e),
        }
    });
    let refusing_one = Mutation::new(move |id: i64| async move {
        match api::refuse_request(id, reason.get_untracked()).await {
            Ok(_) => {
                error.set(None);
                refusing.set(None);
                reason.set(String::new());
                queue.refetch();
            }
            Err(e) => failed(e),
        }
    });
    let deciding = move || activating.pending().get() || refusing_one.pending().get();
    let activate = move |id: i64| activating.send(id);
    let refuse = move |id: i64| refusing_one.send(id);
    let row = move |request: RegisterRequest| {
        let id = request.id;
        let pending = request.status == RequestStatus::Pending;
        let store = request.store_name.clone();
        let at = request.requested_at;
        let by = request.requested_by.clone();
        let request = StoredValue::new(request);
        view! {
            <tr data-request=id data-status=request.with_value(|r| r.status.code())>
                <td data-label=move || tx().col_store>{store}</td>
                <td data-label=move || tx().col_request>{move || request.with_value(|r| request_outcome(r, SERVICE_ZONE, lang.get()))}</td>
                <td data-label=move || tx().col_asked>{move || format!("{by}, {}", local_date_time(at, SERVICE_ZONE, lang.get()))}</td>
                <td class="actions" data-label=move || tx().col_action>
                    // Activating bills the shop: it asks first.
                    {move || (confirming.get() == Some(id)).then(|| view! {
                        <div class="confirm" role="group">
                            <p class="confirm-activation">{move || tx().confirm_activation}</p>
                            <button type="button" class="primary confirm-activate" disabled=deciding on:click=move |_| { confirming.set(None); activate(id) }>{move || tx().activate_yes}</button>
                            " "
                            <button type="button" class="back" on:click=move |_| confirming.set(None)>{move || tx().cancel}</button>
                        </div>
                    })}
                    {move || (pending && refusing.get() != Some(id) && confirming.get() != Some(id)).then(|| view! {
                        <button type="button" class="primary activate" disabled=deciding on:click=move |_| confirming.set(Some(id))>{move || tx().activate}</button>
                        " "
                        <button type="button" class="refuse" on:click=move |_| { reason.set(String::new()); refusing.set(Some(id)) }>{move || tx().refuse}</button>
                    })}
                    {move || (refusing.get() == Some(id)).then(|| view! {
                        <form class="refusal" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); refuse(id) }>
                            <label for="refusal-reason">{move || tx().reason}</label>
                            <input id="refusal-reason" type="text" required maxlength="500" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/>
                            <button type="submit" class="primary" id="confirm-refusal" disabled=deciding>{move || tx().confirm_refusal}</button>
                            " "
                            <button type="button" on:click=move |_| refusing.set(None)>{move || tx().cancel}</button>
                        </form>
                    })}
                </td>
            </tr>
        }
    };
    view! {
        <h2>{move || tx().queue}</h2>
        {move || activation.get().map(|done| {
            let register = done.register;
            let code = done.pairing_code;
            let store = done.request.store_name;
            view! {
                <div class="card activation" id="activation" role="status" data-register=register.id>
                    <p>{format!("{} — {} ", register.number, register.label)} {move || tx().activated} " " {store.clone()}</p>
                    <p>
                        {move || tx().pairing} " " <strong class="pairing-code">{code.code.clone()}</strong>
                        {move || format!(" ({} {})", tx().valid_until, local_date_time(code.expires_at, SERVICE_ZONE, lang.get()))}
                    </p>
                </div>
            }
        })}
        {move || error.get().map(|e| view! { <p class="form-error" id="queue-error" role="alert">{e}</p> })}
        <label class="checkbox">
            <input type="checkbox" id="queue-all" prop:checked=show_all on:change=move |ev| show_all.set(event_target_checked(&ev))/>
            {move || tx().show_all}
        </label>
        {fetched(queue, 2, move |list| {
            if list.is_empty() {
                return view! { <p class="muted" id="queue-none">{move || tx().none}</p> }.into_any();
            }
            view! {
                <div class="table-wrap" tabindex="0">
                    <table class="request-queue cards" id="request-queue">
                        <thead>
                            <tr>
                                <th scope="col">{move || tx().col_store}</th>
                                <th scope="col">{move || tx().col_request}</th>
                                <th scope="col">{move || tx().col_asked}</th>
                                <th scope="col">{move || tx().col_action}</th>
                            </tr>
                        </thead>
                        <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                    </table>
                </div>
            }.into_any()
        })}
    }
}

/// `2026-11`: a month as the billing API takes it.
fn month_code(first: chrono::NaiveDate) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

#[component]
fn BillingView() -> impl IntoView {
    let lang = use_lang();
    let tx = move || support_texts(lang.get());
    let month = RwSignal::new(String::new());
    let this_month = {
        let today = crate::time::local_day(crate::time::now(), SERVICE_ZONE);
        today.with_day(1).unwrap_or(today)
    };
    // Two years back: what an invoice is asked about.
    let months: Vec<chrono::NaiveDate> = (0..24)
        .filter_map(|back| this_month.checked_sub_months(chrono::Months::new(back)))
        .collect();
    let chosen = move || {
        let asked = month.get();
        if asked.is_empty() {
            month_code(this_month)
        } else {
            asked
        }
    };
    let billing = LocalResource::new(move || {
        let month = month.get();
        async move { api::billing((!month.is_empty()).then_some(month)).await }
    });
    let table = move |billing: Billing| {
        let shown = ZPeriod::Month(billing.month).to_string();
        let totals = billing.totals;
        let empty = billing.stores.is_empty();
        let rows = billing
            .stores
            .into_iter()
            .flat_map(|store| {
                let name = store.store_name;
                store.invoice.lines.into_iter().map(move |line| {
                    view! {
                        <tr data-store=name.clone() data-register=line.number>
                            <td data-label=move || tx().col_store>{name.clone()}</td>
                            <td data-label=move || tx().col_register>{line.label}</td>
                            <td class="num" data-label=move || tx().col_days>{format!("{}/{}", line.days, line.month_days)}</td>
                            <td class="num" data-label=move || tx().col_ht>{move || format_eur(line.ht, lang.get())}</td>
                        </tr>
                    }
                })
            })
            .collect_view();
        view! {
            <div class="table-wrap" tabindex="0" data-month=shown>
                <table class="billing cards" id="billing">
                    <thead>
                        <tr>
                            <th scope="col">{move || tx().col_store}</th>
                            <th scope="col">{move || tx().col_register}</th>
                            <th scope="col" class="num">{move || tx().col_days}</th>
                            <th scope="col" class="num">{move || tx().col_ht}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {move || empty.then(|| view! { <p class="muted">{tx().nothing_billed}</p> })}
            <p class="monthly-total" id="billing-total">
                <strong>{move || tx().total}</strong> {move || colon(lang.get())} {move || amounts_text(totals, lang.get())}
            </p>
        }
    };
    view! {
        <h2>{move || tx().billing}</h2>
        <p class="intro">{move || tx().billing_intro}</p>
        <label for="billing-month">{move || tx().month}</label>
        " "
        // A select of months rather than `<input type=month>`, which Safari and Firefox on a Mac
        // do not have; it shows the month the table is for, the current one at first.
        <select id="billing-month" prop:value=chosen on:change=move |ev| month.set(event_target_value(&ev))>
            {months
                .into_iter()
                .map(|first| {
                    let code = month_code(first);
                    let selected = code == month_code(this_month);
                    view! {
                        <option value=code selected=selected>
                            {move || format_month(first, lang.get())}
                        </option>
                    }
                })
                .collect_view()}
        </select>
        {fetched(billing, 3, table)}
    }
}

#[component]
fn Decommissions() -> impl IntoView {
    let lang = use_lang();
    let tx = move || support_texts(lang.get());
    let list = LocalResource::new(move || {
        let lang = lang.get();
        async move { api::decommissions(lang).await }
    });
    let error = RwSignal::new(None::<String>);
    let suspending = Mutation::new(move |register_id: i64| async move {
        match api::decommission_action(register_id, "suspend", lang.get_untracked()).await {
            Ok(_) => {
                error.set(None);
                list.refetch();
            }
            Err(e) => error.set(Some(e.said(lang.get_untracked()))),
        }
    });
    let suspend = move |register_id: i64| suspending.send(register_id);
    let item = move |d: Decommission| {
        let register_id = d.register_id;
        let ready = d
            .steps
            .iter()
            .any(|s| s.step == Step::Suspended && s.state == StepState::Ready);
        let name = format!(
            "{} — {} {}",
            d.store_name, d.register_number, d.register_label
        );
        let current = d.current_step().cloned();
        view! {
            <li data-register-id=register_id>
                <strong>{name}</strong>
                {move || current.as_ref().map(|step| {
                    let (title, state) = step_line(step, SERVICE_ZONE, lang.get());
                    // Alone on its line, the step says which of the wizard's it is.
                    format!(" — {}. {title}{}{state}", step.number, colon(lang.get()))
                })}
                {ready.then(|| view! {
                    " "
                    <button type="button" class="primary suspend" disabled=move || suspending.pending().get() on:click=move |_| suspend(register_id)>{move || wizard_texts(lang.get()).suspend}</button>
                })}
            </li>
        }
    };
    view! {
        <h2>{move || tx().decommissions}</h2>
        <p class="intro">{move || tx().decommissions_intro}</p>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        {fetched(list, 2, move |all| {
            if all.is_empty() {
                return view! { <p class="muted">{move || tx().no_decommission}</p> }.into_any();
            }
            view! { <ul class="decommissions" id="decommissions">{all.into_iter().map(item).collect_view()}</ul> }.into_any()
        })}
    }
}
