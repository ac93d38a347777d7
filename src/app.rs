//! The shell: header, navigation, language switch, store context, and the routes.

use crate::api;
use crate::i18n::{apply_lang, saved_lang, use_texts};
use crate::pages::{
    registers::{RegistersPage, RegistersPageKind},
    sales::SalesPage,
};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use multicaisse_core::format::Lang;
use multicaisse_core::store::Store;

/// The stores this browser can see, loaded once and shared by every page.
pub type StoresResource = LocalResource<Result<Vec<Store>, api::ClientError>>;

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(saved_lang());
    Effect::new(move || apply_lang(lang.get()));
    provide_context(lang);
    let stores: StoresResource = LocalResource::new(api::stores);
    provide_context(stores);
    let t = use_texts();

    view! {
        <Router>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="name">"Multicaisse"</span>
                    <span class="tagline">{move || t().tagline}</span>
                </div>
                <StoreName/>
                <button
                    class="lang-switch"
                    type="button"
                    aria-label=move || t().switch_language_label
                    on:click=move |_| lang.update(|l| *l = if *l == Lang::Fr { Lang::En } else { Lang::Fr })
                >
                    {move || t().switch_language}
                </button>
            </header>
            <nav class="tabs" aria-label=move || t().nav_label>
                <A href="/ventes">{move || t().nav_sales}</A>
                <A href="/appareils">{move || t().nav_devices}</A>
                <A href="/abonnement">{move || t().nav_subscription}</A>
                <A href="/z">{move || t().nav_z}</A>
                <A href="/mise-hors-service">{move || t().nav_decommission}</A>
            </nav>
            <main>
                <Routes fallback=move || view! { <p class="notice">{move || t().not_found}</p> }>
                    <Route path=path!("/") view=SalesPage/>
                    <Route path=path!("/ventes") view=SalesPage/>
                    <Route path=path!("/appareils") view=|| view! { <RegistersPage kind=RegistersPageKind::Devices/> }/>
                    <Route path=path!("/abonnement") view=|| view! { <RegistersPage kind=RegistersPageKind::Subscription/> }/>
                    <Route path=path!("/z") view=|| view! { <RegistersPage kind=RegistersPageKind::ZReports/> }/>
                    <Route path=path!("/mise-hors-service") view=|| view! { <RegistersPage kind=RegistersPageKind::Decommission/> }/>
                </Routes>
            </main>
        </Router>
    }
}

/// The name of the store being looked at.
#[component]
fn StoreName() -> impl IntoView {
    let stores = expect_context::<StoresResource>();
    let t = use_texts();
    move || {
        stores
            .get()
            .and_then(|r| r.ok())
            .and_then(|s| s.into_iter().next())
            .map(|store| {
                view! {
                    <div class="store">
                        <span class="store-label">{move || t().store_label}</span>
                        " "
                        <strong class="store-name">{store.name}</strong>
                    </div>
                }
            })
    }
}
