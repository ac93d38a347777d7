//! On *Abonnement*: the owner asks for an extra register, permanent or for a season, and reads
//! what support decided. Suspending one goes through the decommission wizard, linked from here.

use crate::api;
use crate::i18n::use_lang;
use crate::pages::states::Mutation;
use crate::session::{use_session, use_store_id};
use crate::time::local_date_time;
use leptos::prelude::*;
use leptos_router::components::A;
use multicaisse_core::auth::Capability;
use multicaisse_core::format::{colon, format_date, Lang};
use multicaisse_core::requests::{RegisterRequest, RegisterRequestBody, RequestStatus, Season};

pub struct RequestTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub permanent: &'static str,
    pub seasonal: &'static str,
    pub from: &'static str,
    pub until: &'static str,
    pub send: &'static str,
    pub sent: &'static str,
    pub mine: &'static str,
    pub none: &'static str,
    pub season: &'static str,
    pub to: &'static str,
    pub pending: &'static str,
    pub activated: &'static str,
    pub refused: &'static str,
    pub requested_by: &'static str,
    pub suspend: &'static str,
    pub suspend_link: &'static str,
    pub dates_missing: &'static str,
}

const FR: RequestTexts = RequestTexts {
    title: "Demander une caisse supplémentaire",
    intro: "Le support active la caisse (ou refuse, en donnant la raison) et vous communique le code d'appairage de l'iPad. Chaque caisse supplémentaire est facturée au jour près.",
    label: "Nom de la caisse",
    kind: "Durée",
    permanent: "Permanente",
    seasonal: "Pour une saison",
    from: "Du",
    until: "Au",
    send: "Envoyer la demande",
    sent: "Demande envoyée : le support va l'examiner.",
    mine: "Vos demandes",
    none: "Aucune demande pour l'instant.",
    season: "saison du",
    to: "au",
    pending: "en attente d'activation",
    activated: "activée le",
    refused: "refusée le",
    requested_by: "demandée par",
    suspend: "Pour suspendre une caisse supplémentaire, passez par la mise hors service : elle vérifie d'abord que toutes ses ventes sont sur le tableau de bord.",
    suspend_link: "Mise hors service",
    dates_missing: "Indiquez le premier et le dernier jour de la saison.",
};

const EN: RequestTexts = RequestTexts {
    title: "Ask for an extra register",
    intro: "Support activates the register (or refuses, giving the reason) and gives you the iPad's pairing code. Each extra register is billed to the day.",
    label: "Register name",
    kind: "Duration",
    permanent: "Permanent",
    seasonal: "For a season",
    from: "From",
    until: "Until",
    send: "Send the request",
    sent: "Request sent: support will look at it.",
    mine: "Your requests",
    none: "No request yet.",
    season: "season from",
    to: "to",
    pending: "waiting for activation",
    activated: "activated on",
    refused: "refused on",
    requested_by: "asked by",
    suspend: "To suspend an extra register, go through decommissioning: it first checks that all its sales are on the dashboard.",
    suspend_link: "Decommission",
    dates_missing: "Give the first and last days of the season.",
};

pub fn request_texts(lang: Lang) -> &'static RequestTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// A request in words: its label, its season or permanence, and what became of it.
pub fn request_outcome(request: &RegisterRequest, zone: &str, lang: Lang) -> String {
    let tx = request_texts(lang);
    let duration = match request.season {
        Some(Season { from, until }) => format!(
            "{} {} {} {}",
            tx.season,
            format_date(from, lang),
            tx.to,
            format_date(until, lang)
        ),
        None => tx.permanent.to_lowercase(),
    };
    let decided = request
        .decided_at
        .map(|at| local_date_time(at, zone, lang))
        .unwrap_or_default();
    let outcome = match request.status {
        RequestStatus::Pending => tx.pending.to_string(),
        RequestStatus::Activated => format!("{} {decided}", tx.activated),
        RequestStatus::Refused => format!(
            "{} {decided}{}{}",
            tx.refused,
            colon(lang),
            request.reason.as_deref().unwrap_or_default()
        ),
    };
    format!("{} ({duration}) — {outcome}", request.label)
}

#[component]
pub fn RegisterRequests() -> impl IntoView {
    let lang = use_lang();
    let tx = move || request_texts(lang.get());
    let session = use_session();
    let requests = crate::session::store_resource(api::register_requests);
    let may_ask = move || {
        session
            .me()
            .zip(session.current_store())
            .is_some_and(|(me, store)| me.can(store.id, Capability::RequestRegisters))
    };
    let zone = move || {
        session
            .current_store()
            .map(|s| s.time_zone.name().to_string())
            .unwrap_or_default()
    };
    view! {
        <section class="register-requests">
            {move || may_ask().then(|| view! { <RequestForm after=move || requests.refetch()/> })}
            <h2>{move || tx().mine}</h2>
            {crate::pages::states::loaded(requests, 2, move |list: Vec<RegisterRequest>| {
                if list.is_empty() {
                    return view! { <p class="muted" id="requests-none">{move || tx().none}</p> }.into_any();
                }
                view! {
                    <ul class="requests" id="requests">
                        {list
                            .into_iter()
                            .map(|request| {
                                let status = request.status;
                                let id = request.id;
                                let by = request.requested_by.clone();
                                let request = StoredValue::new(request);
                                view! {
                                    <li data-request=id data-status=status.code()>
                                        {move || request.with_value(|r| request_outcome(r, &zone(), lang.get()))}
                                        <span class="muted">{move || format!(" — {} {by}", tx().requested_by)}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            })}
            <p class="suspend-hint">
                {move || tx().suspend} " "
                <A href="/mise-hors-service">{move || tx().suspend_link}</A>
            </p>
        </section>
    }
}

#[component]
fn RequestForm(after: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    let tx = move || request_texts(lang.get());
    let store_id = use_store_id();
    let label = RwSignal::new(String::new());
    let seasonal = RwSignal::new(false);
    let from = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);
    let sending = Mutation::new(
        move |(store, body): (i64, RegisterRequestBody)| async move {
            match api::request_register(store, body).await {
                Ok(_) => {
                    error.set(None);
                    label.set(String::new());
                    sent.set(true);
                    after();
                }
                Err(e) => error.set(Some(e.said(lang.get_untracked()))),
            }
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(store) = store_id.get_untracked() else {
            return;
        };
        if sending.pending().get_untracked() {
            return;
        }
        sent.set(false);
        let season = if seasonal.get_untracked() {
            // The browser's date inputs give ISO dates, or nothing when left empty.
            match (from.get_untracked().parse(), until.get_untracked().parse()) {
                (Ok(from), Ok(until)) => Some(Season { from, until }),
                _ => {
                    error.set(Some(
                        request_texts(lang.get_untracked()).dates_missing.into(),
                    ));
                    return;
                }
            }
        } else {
            None
        };
        let body = RegisterRequestBody {
            label: label.get_untracked(),
            season,
        };
        sending.send((store, body));
    };
    view! {
        <h2>{move || tx().title}</h2>
        <p class="intro">{move || tx().intro}</p>
        <form class="card form request-form" on:submit=submit>
            <crate::pages::field::Field
                id="request-label"
                label=Signal::derive(move || tx().label)
                kind="text"
                autocomplete="off"
                value=label
                required=true
            />
            <label for="request-kind">{move || tx().kind}</label>
            <select
                id="request-kind"
                on:change=move |ev| seasonal.set(event_target_value(&ev) == "seasonal")
            >
                <option value="permanent" selected=move || !seasonal.get()>{move || tx().permanent}</option>
                <option value="seasonal" selected=move || seasonal.get()>{move || tx().seasonal}</option>
            </select>
            {move || seasonal.get().then(|| view! {
                <label for="season-from">{move || tx().from}</label>
                <input id="season-from" type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev))/>
                <label for="season-until">{move || tx().until}</label>
                <input id="season-until" type="date" prop:value=until on:input=move |ev| until.set(event_target_value(&ev))/>
            })}
            {move || error.get().map(|e| view! { <p class="form-error" id="request-error" role="alert">{e}</p> })}
            {move || sent.get().then(|| view! { <p class="form-ok" id="request-sent" role="status">{move || tx().sent}</p> })}
            <button type="submit" class="primary" disabled=move || sending.pending().get()>{move || tx().send}</button>
        </form>
    }
}
