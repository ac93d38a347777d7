//! The shell: header (store switcher, signed-in person, sign-out, language), the navigation
//! the role allows, and the routes, each behind the capability it needs.

use crate::api;
use crate::i18n::{apply_lang, saved_lang, use_texts};
use crate::pages::{
    access::AccessPage,
    audit::AuditPage,
    decommission::DecommissionPage,
    devices::DevicesPage,
    fleet::FleetPage,
    invitation::InvitationPage,
    sales::SalesPage,
    sign_in::SignInPage,
    states::{Empty, ErrorBox, Skeleton},
    subscription::SubscriptionPage,
    support::SupportPage,
    z::ZPage,
};
use crate::session::{use_session, Session, SessionState};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use multicaisse_core::auth::Capability;
use multicaisse_core::format::Lang;

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(saved_lang());
    Effect::new(move || apply_lang(lang.get()));
    provide_context(lang);
    Session::provide();
    let t = use_texts();

    view! {
        <Router>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="name">"Multicaisse"</span>
                    <span class="tagline">{move || t().tagline}</span>
                </div>
                <StoreSwitcher/>
                <SignedInAs/>
                <button
                    class="lang-switch"
                    type="button"
                    aria-label=move || t().switch_language_label
                    on:click=move |_| lang.update(|l| *l = if *l == Lang::Fr { Lang::En } else { Lang::Fr })
                >
                    {move || t().switch_language}
                </button>
            </header>
            <Nav/>
            <main>
                <Routes fallback=move || view! { <p class="notice">{move || t().not_found}</p> }>
                    <Route path=path!("/invitation/:token") view=|| lazy(invitation_page())/>
                    <Route path=path!("/") view=|| view! { <Gate capability=Capability::ViewSales><Home/></Gate> }/>
                    <Route path=path!("/ventes") view=|| view! { <Gate capability=Capability::ViewSales>{lazy(sales_page())}</Gate> }/>
                    <Route path=path!("/appareils") view=|| view! { <Gate capability=Capability::ViewSync>{lazy(devices_page())}</Gate> }/>
                    <Route path=path!("/flotte") view=|| view! { <Gate capability=Capability::EnrolRegisters>{lazy(fleet_page())}</Gate> }/>
                    <Route path=path!("/demandes") view=|| view! { <Gate capability=Capability::EnrolRegisters>{lazy(support_page())}</Gate> }/>
                    <Route path=path!("/abonnement") view=|| view! { <Gate capability=Capability::ViewSubscription>{lazy(subscription_page())}</Gate> }/>
                    <Route path=path!("/z") view=|| view! { <Gate capability=Capability::ViewClosures>{lazy(z_page())}</Gate> }/>
                    <Route path=path!("/mise-hors-service") view=|| view! { <Gate capability=Capability::Decommission>{lazy(decommission_page())}</Gate> }/>
                    <Route path=path!("/acces") view=|| view! { <Gate capability=Capability::ViewAccess>{lazy(access_page())}</Gate> }/>
                    <Route path=path!("/journal") view=|| view! { <Gate capability=Capability::ViewAudit>{lazy(audit_page())}</Gate> }/>
                </Routes>
            </main>
        </Router>
    }
}

/// Where signing in lands: an accountant comes for the Z files, everyone else for the sales.
#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    // A memo, so that choosing another store of the same role keeps the page (and its state)
    // rather than loading it again.
    let accountant = Memo::new(move |_| {
        session
            .me()
            .zip(session.current_store())
            .is_some_and(|(me, store)| {
                me.principal().role_in(store.id) == Some(multicaisse_core::auth::Role::Accountant)
            })
    });
    move || {
        if accountant.get() {
            lazy(z_page()).into_any()
        } else {
            lazy(sales_page()).into_any()
        }
    }
}

/// The pages, each with the capability it needs: the navigation shows only those the
/// signed-in person has in the store being looked at.
const PAGES: [(&str, Capability); 9] = [
    ("/ventes", Capability::ViewSales),
    ("/appareils", Capability::ViewSync),
    // Only support staff enrol registers: the fleet across stores is theirs.
    ("/flotte", Capability::EnrolRegisters),
    // Activating a request enrols a register: support's too.
    ("/demandes", Capability::EnrolRegisters),
    ("/abonnement", Capability::ViewSubscription),
    ("/z", Capability::ViewClosures),
    ("/mise-hors-service", Capability::Decommission),
    ("/acces", Capability::ViewAccess),
    ("/journal", Capability::ViewAudit),
];

#[component]
fn Nav() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let label = move |href: &str| {
        let t = t();
        match href {
            "/ventes" => t.nav_sales,
            "/appareils" => t.nav_devices,
            "/flotte" => t.nav_fleet,
            "/demandes" => t.nav_requests,
            "/abonnement" => t.nav_subscription,
            "/z" => t.nav_z,
            "/mise-hors-service" => t.nav_decommission,
            "/acces" => t.nav_access,
            _ => t.nav_audit,
        }
    };
    move || {
        let me = session.me()?;
        let store = session.current_store()?;
        let links = PAGES
            .into_iter()
            .filter(|(_, capability)| me.can(store.id, *capability))
            .map(|(href, _)| view! { <A href=href>{move || label(href)}</A> })
            .collect_view();
        Some(view! { <nav class="tabs" aria-label=move || t().nav_label>{links}</nav> })
    }
}

/// A page, once the person is signed in and may see it for the current store.
#[component]
fn Gate(capability: Capability, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    move || match session.state.get() {
        SessionState::Checking => view! { <Skeleton rows=3/> }.into_any(),
        SessionState::SignedOut => view! { <SignInPage/> }.into_any(),
        SessionState::SignedIn(me) => match session.stores.get() {
            None => view! { <Skeleton rows=3/> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorBox error on_retry=Callback::new(move |_| session.stores.refetch())/>
            }
            .into_any(),
            Some(Ok(_)) => match session.current_store() {
                None => view! { <Empty message=Signal::derive(move || t().no_store)/> }.into_any(),
                Some(store) if me.can(store.id, capability) => children().into_any(),
                Some(_) => {
                    view! { <p class="notice no-access">{move || t().no_access}</p> }.into_any()
                }
            },
        },
    }
}

/// For owners of several shops and support staff: which store the pages show.
#[component]
fn StoreSwitcher() -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    move || {
        session.me()?;
        let stores = session.stores.get()?.ok()?;
        let current = session.current_store()?;
        if stores.len() < 2 {
            return Some(
                view! {
                    <div class="store">
                        <span class="store-label">{move || t().store_label}</span>
                        " "
                        <strong class="store-name">{current.name}</strong>
                    </div>
                }
                .into_any(),
            );
        }
        let options = stores
            .into_iter()
            .map(|store| {
                let selected = store.id == current.id;
                view! { <option value=store.id selected=selected>{store.name}</option> }
            })
            .collect_view();
        Some(
            view! {
                <div class="store">
                    // Named for screen readers; the shop's name in the select says it to the eye.
                    <label class="visually-hidden" for="store-switcher">
                        {move || t().store_switch_label}
                    </label>
                    " "
                    <select
                        id="store-switcher"
                        class="store-name"
                        on:change=move |ev| {
                            if let Ok(id) = event_target_value(&ev).parse() {
                                session.choose_store(id);
                            }
                        }
                    >
                        {options}
                    </select>
                </div>
            }
            .into_any(),
        )
    }
}

/// Who is signed in, with their role in the current store, and the way out.
#[component]
fn SignedInAs() -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    move || {
        let me = session.me()?;
        let role = move || {
            let store = session.current_store().map(|s| s.id);
            let role = store.and_then(|id| me_role(&session, id));
            t().role(role)
        };
        let name = me.display_name.clone();
        Some(view! {
            <div class="signed-in">
                <span class="user-name" title=me.email.clone()>{name}</span>
                " "
                <span class="badge role-badge">{role}</span>
                <button
                    type="button"
                    class="sign-out"
                    on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            // Signed out here whatever the server said: the cookie may be gone already.
                            let _ = api::sign_out().await;
                            session.signed_out();
                        });
                    }
                >
                    {move || t().sign_out}
                </button>
            </div>
        })
    }
}

/// The person's role in a store; None for support staff (who have none and see every store).
fn me_role(session: &Session, store_id: i64) -> Option<multicaisse_core::auth::Role> {
    let me = session.me()?;
    if me.support {
        return None;
    }
    me.principal().role_in(store_id)
}

/// A page whose code comes in its own wasm module the first time it is opened
/// (scripts/split-wasm.sh): the shell and the sign-in page load first, each page after.
/// Not in a `<Suspense>`: the page's own resources would then suspend that boundary, and
/// its fallback would replace the page at each reload of its data.
fn lazy(page: impl std::future::Future<Output = AnyView> + Send + 'static) -> impl IntoView {
    Suspend::new(page)
}

// One split point per page: `#[lazy]` makes each an async function that loads the page's
// module, then renders the page.
macro_rules! lazy_pages {
    ($($load:ident => $page:ident),* $(,)?) => {$(
        #[leptos::lazy]
        fn $load() -> AnyView {
            view! { <$page/> }.into_any()
        }
    )*};
}

lazy_pages! {
    sales_page => SalesPage,
    devices_page => DevicesPage,
    fleet_page => FleetPage,
    support_page => SupportPage,
    subscription_page => SubscriptionPage,
    z_page => ZPage,
    decommission_page => DecommissionPage,
    access_page => AccessPage,
    audit_page => AuditPage,
    invitation_page => InvitationPage,
}
