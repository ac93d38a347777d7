//! What needs attention, as a list: each alert in a line, when it started, what to do and a
//! link to the page where it is done. The first screen shows the shop's; *Flotte* shows every
//! shop's to support, each link opening that shop.

use crate::i18n::use_lang;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use multicaisse_core::alerts::{since_words, OpenAlert};
use multicaisse_core::format::Lang;

struct AlertTexts {
    heading: &'static str,
    none: &'static str,
    open: &'static str,
}

const FR: AlertTexts = AlertTexts {
    heading: "À traiter",
    none: "Rien à traiter : les caisses sont à jour, leurs Z et leurs tickets sont arrivés.",
    open: "Ouvrir",
};

const EN: AlertTexts = AlertTexts {
    heading: "Needs attention",
    none:
        "Nothing needs attention: the registers are up to date, their Z and tickets have arrived.",
    open: "Open",
};

fn texts(lang: Lang) -> &'static AlertTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// The alerts, most serious first; with `show_store`, each names its shop (support's fleet).
#[component]
pub fn AlertList(alerts: Vec<OpenAlert>, #[prop(optional)] show_store: bool) -> impl IntoView {
    let lang = use_lang();
    let t = move || texts(lang.get());
    let session = use_session();
    let navigate = use_navigate();
    let empty = alerts.is_empty();
    let items = alerts
        .into_iter()
        .map(|open| {
            let alert = open.alert.clone();
            let since = open.since_local;
            let (kind, number) = (alert.kind, alert.register_number);
            let store_id = open.store_id;
            let store_name = show_store.then(|| open.store_name.clone());
            let navigate = navigate.clone();
            // A link opens its page on the alert's shop, which support may not be looking at.
            let go = move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                session.choose_store(store_id);
                navigate(kind.link(), Default::default());
            };
            let title = {
                let alert = alert.clone();
                move || alert.title(lang.get())
            };
            view! {
                <li class=format!("alert alert-{}", kind.code()) data-kind=kind.code() data-register=number>
                    {store_name.map(|name| view! { <span class="alert-store">{name}</span> })}
                    <strong class="alert-title">{title}</strong>
                    <span class="alert-since hint">{move || since_words(since, lang.get())}</span>
                    <p class="alert-todo">{move || alert.what_to_do(lang.get())}</p>
                    <a class="alert-link button-link" href=kind.link() on:click=go>
                        {move || format!("{} {}", t().open, kind.page_name(lang.get()))}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="alerts" id="a-traiter" aria-labelledby="alerts-heading">
            <h2 id="alerts-heading">{move || t().heading}</h2>
            {empty.then(|| view! { <p class="notice all-clear">{move || t().none}</p> })}
            <ul class="alert-list">{items}</ul>
        </section>
    }
}

/// The current shop's open alerts, for those who may see its syncs (owners, support):
/// fetched once for the header's count and the first screen, again when another shop is
/// chosen or someone else signs in.
pub type StoreAlerts = LocalResource<Result<Option<Vec<OpenAlert>>, crate::api::ClientError>>;

/// The open alerts of the store being looked at, for whoever may see them (`None` for the
/// others). The header's count shares one ([`provide_store_alerts`]); the first screen asks
/// for its own, so that it knows when the answer is about this store and not the last one.
pub fn store_alerts_resource() -> StoreAlerts {
    let session = use_session();
    let store_id = crate::session::use_store_id();
    LocalResource::new(move || {
        let id = store_id.get();
        let may = session
            .me()
            .zip(id)
            .is_some_and(|(me, id)| me.can(id, multicaisse_core::auth::Capability::ViewSync));
        async move {
            match (id, may) {
                (Some(id), true) => crate::api::store_alerts(id).await.map(Some),
                _ => Ok(None),
            }
        }
    })
}

pub fn provide_store_alerts() {
    provide_context(store_alerts_resource());
}

pub fn use_store_alerts() -> StoreAlerts {
    expect_context::<StoreAlerts>()
}
