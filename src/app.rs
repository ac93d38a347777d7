//! The shell: header (store switcher, signed-in person, sign-out, language), the navigation
//! the role allows, and the routes, each behind the capability it needs.

use crate::api;
use crate::i18n::{apply_lang, saved_lang, use_texts, Texts};
use crate::pages::states::Mutation;
use crate::pages::{
    access::AccessPage,
    audit::AuditPage,
    decommission::DecommissionPage,
    devices::DevicesPage,
    fleet::FleetPage,
    invitation::InvitationPage,
    password::{AccountPage, ResetPasswordPage},
    sales::SalesPage,
    shop::{NewShopPage, ShopPage},
    sign_in::SignInPage,
    states::{Empty, ErrorBox, Skeleton},
    subscription::SubscriptionPage,
    support::SupportPage,
    today::TodayPage,
    z::ZPage,
};
use crate::session::{keeps_books, use_session, Session, SessionState};
use leptos::children::ToChildren;
use leptos::prelude::*;
use leptos::tachys::view::iterators::StaticVec;
use leptos_router::components::{Route, RouteChildren, RouteProps, Router, Routes, RoutesProps, A};
use leptos_router::{path, StaticSegment};
use multicaisse_core::auth::{Capability, Me, Role};
use multicaisse_core::format::Lang;
use multicaisse_core::pages as paths;
use multicaisse_core::store::Store;
use wasm_bindgen::JsCast;

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(saved_lang());
    Effect::new(move || apply_lang(lang.get()));
    provide_context(lang);
    // The page's module is asked for with the session: waiting for the router, it came only
    // after the server had said who is signed in and which shops they have.
    preload_opened_page();
    Session::provide();
    crate::pages::alerts::provide_store_alerts();
    let t = use_texts();

    view! {
        <Router>
            // The router would take `#main` for a route: the focus is moved by hand.
            <a class="skip-link" href="#main" on:click=|ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                focus_main();
            }>
                {move || t().skip_to_content}
            </a>
            <PageTitle/>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    <span class="name">"Multicaisse"</span>
                    <span class="tagline">{move || t().tagline}</span>
                </div>
                <StoreSwitcher/>
                <AlertCount/>
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
            // Focusable, so that the skip link and a change of page can bring the focus here.
            <main id="main" tabindex="-1">
                {routes(t)}
            </main>
        </Router>
    }
}

/// What a page is called: in the tab's title (`Ventes · Cave des Canuts — Multicaisse`),
/// for a person with several tabs open and for screen readers.
fn page_name(path: &str, t: &Texts, signed_in: bool, accountant: bool) -> &'static str {
    if !signed_in {
        return if path.starts_with(paths::INVITATION) {
            t.invitation_title
        } else if path.starts_with(paths::RESET_PASSWORD) {
            t.reset_page
        } else {
            t.sign_in_title
        };
    }
    match path {
        "/" if accountant => t.nav_z,
        "/" => t.nav_today,
        paths::ACCOUNT => t.account_page,
        paths::NEW_SHOP => t.nav_new_shop,
        other => PAGES
            .iter()
            .find(|page| page.path == other)
            .map_or("Multicaisse", |page| (page.label)(t)),
    }
}

/// The document's title follows the page, the shop and the language; a new page takes the
/// focus to its content, as a page load would, so a screen reader starts there.
#[component]
fn PageTitle() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let location = leptos_router::hooks::use_location();
    Effect::new(move || {
        let path = location.pathname.get();
        let me = session.me();
        let store = session.current_store();
        let name = page_name(&path, t(), me.is_some(), session.accountant_here());
        let title = match store.filter(|_| me.is_some()) {
            Some(store) => format!("{name} · {} — Multicaisse", store.name),
            None => format!("{name} — Multicaisse"),
        };
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&title);
        }
    });
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path) {
            focus_main();
        }
        path
    });
}

/// The focus on the page's content, past the header and the tabs.
pub fn focus_main() {
    focus_element("main");
}

/// The focus on the element `id`, when it is on the page.
pub fn focus_element(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// Where signing in lands: an accountant comes for the Z files, everyone else for the sales.
#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    // A memo, so that choosing another store of the same role keeps the page (and its state)
    // rather than loading it again.
    let accountant = Memo::new(move |_| session.accountant_here());
    move || {
        if accountant.get() {
            lazy(z_page()).into_any()
        } else {
            lazy(today_page()).into_any()
        }
    }
}

/// Fetches the module of the page the browser opens at, if it is one of [`PAGES`] or the
/// first screen. Signed out, it is the page shown after signing in; the sign-in page itself
/// is in the main module, and the fetch starts once that module runs, so it does not slow it.
fn preload_opened_page() {
    let Some(path) = web_sys::window().and_then(|w| w.location().pathname().ok()) else {
        return;
    };
    match PAGES.iter().find(|page| page.path == path) {
        Some(page) => (page.preload)(),
        // An accountant's first screen is the Z: the one module it may not need.
        None if path == "/" => leptos::task::spawn_local(__preload_today_page()),
        None => {}
    }
}

/// The opened page's first answers, asked for as soon as the shop it shows is known (by the
/// shops' answer, before anything is drawn). Asked for by the page, they left only once the
/// tabs and the page had been drawn, and its largest paint (an alert, a figure, a note)
/// waited for them.
pub fn ask_ahead(me: &Me, store: &Store) {
    use leptos_router::location::{BrowserUrl, LocationProvider};
    let Ok(url) = BrowserUrl::current() else {
        return;
    };
    let opened = OpenedPage {
        path: url.path().to_string(),
        query: query_pairs(url.search_params()),
        lang: saved_lang(),
        at: crate::time::now(),
    };
    for path in first_answers(&opened, me, store) {
        api::fetch_ahead(path);
    }
    OPENED_AT.with(|at| at.set(Some((opened.path, opened.at))));
}

/// A page's address parameters, the last value of each.
pub fn query_pairs(query: &leptos_router::params::ParamsMap) -> Vec<(String, String)> {
    query
        .latest_values()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The page the browser opened at, as [`first_answers`] reads it.
struct OpenedPage {
    path: String,
    query: Vec<(String, String)>,
    lang: Lang,
    at: chrono::DateTime<chrono::Utc>,
}

thread_local! {
    /// When the opened page's answers were asked for ahead, and for which page: a page whose
    /// question holds its opening time (*Appareils*: the syncs since it was opened) asks with
    /// this one, and takes the answer.
    static OPENED_AT: std::cell::Cell<Option<(String, chrono::DateTime<chrono::Utc>)>> =
        const { std::cell::Cell::new(None) };
}

/// When the page at `path` was opened, if its answers were asked for ahead; taken once.
pub fn opened_ahead(path: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    OPENED_AT
        .with(|at| at.take())
        .and_then(|(opened, at)| (opened == path).then_some(at))
}

/// What the page asks for first, and the header's alert count with it, where `me` may see
/// them: the same paths as the page's own requests, or the answers would not be taken.
fn first_answers(page: &OpenedPage, me: &Me, store: &Store) -> Vec<String> {
    let id = store.id;
    let may = |capability| me.can(id, capability);
    let home_is_z = page.path == "/" && keeps_books(me, id);
    let mut paths = match page.path.as_str() {
        "/" if home_is_z => vec![],
        "/" if may(Capability::ViewSales) => vec![api::glance_path(id)],
        paths::SALES if may(Capability::ViewSales) => {
            let period = multicaisse_core::api::SalesPeriod::of_page(&page.query);
            vec![
                api::sales_path(id, &period),
                api::sales_charts_path(id, &period),
                api::sync_brief_path(id),
            ]
        }
        paths::DEVICES if may(Capability::ViewSync) => vec![
            api::sync_status_path(id, page.at),
            api::setup_path(id, page.lang),
        ],
        paths::REQUESTS if may(Capability::EnrolRegisters) => vec![
            api::request_queue_path(false),
            api::decommissions_path(page.lang),
            api::billing_path(None),
        ],
        _ => vec![],
    };
    if (page.path == paths::Z || home_is_z) && may(Capability::ViewClosures) {
        paths.extend([api::verification_briefs_path(id), api::sync_brief_path(id)]);
    }
    if may(Capability::ViewSync) {
        paths.push(api::store_alerts_path(id));
    }
    paths
}

/// A page of the dashboard: where it is, what it needs, what the navigation calls it, and
/// what it shows. The routes and the navigation are both made from [`PAGES`].
struct Page {
    /// `/ventes`: a single segment.
    path: &'static str,
    capability: Capability,
    label: fn(&Texts) -> &'static str,
    show: fn() -> AnyView,
    /// Fetches the page's module without opening it (`#[lazy]`'s preload).
    preload: fn(),
}

/// The pages in the navigation's order: it shows only those the signed-in person may open
/// in the store being looked at.
const PAGES: [Page; 10] = [
    Page {
        path: paths::SALES,
        capability: Capability::ViewSales,
        label: |t| t.nav_sales,
        show: || lazy(sales_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_sales_page()),
    },
    Page {
        path: paths::DEVICES,
        capability: Capability::ViewSync,
        label: |t| t.nav_devices,
        show: || lazy(devices_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_devices_page()),
    },
    // Only support staff enrol registers: the fleet across stores is theirs.
    Page {
        path: paths::FLEET,
        capability: Capability::EnrolRegisters,
        label: |t| t.nav_fleet,
        show: || lazy(fleet_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_fleet_page()),
    },
    // Activating a request enrols a register: support's too.
    Page {
        path: paths::REQUESTS,
        capability: Capability::EnrolRegisters,
        label: |t| t.nav_requests,
        show: || lazy(support_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_support_page()),
    },
    Page {
        path: paths::SUBSCRIPTION,
        capability: Capability::ViewSubscription,
        label: |t| t.nav_subscription,
        show: || lazy(subscription_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_subscription_page()),
    },
    Page {
        path: paths::Z,
        capability: Capability::ViewClosures,
        label: |t| t.nav_z,
        show: || lazy(z_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_z_page()),
    },
    Page {
        path: paths::DECOMMISSION,
        capability: Capability::Decommission,
        label: |t| t.nav_decommission,
        show: || lazy(decommission_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_decommission_page()),
    },
    Page {
        path: paths::ACCESS,
        capability: Capability::ViewAccess,
        label: |t| t.nav_access,
        show: || lazy(access_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_access_page()),
    },
    Page {
        path: paths::SHOP,
        capability: Capability::EditShop,
        label: |t| t.nav_shop,
        show: || lazy(shop_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_shop_page()),
    },
    Page {
        path: paths::AUDIT,
        capability: Capability::ViewAudit,
        label: |t| t.nav_audit,
        show: || lazy(audit_page()).into_any(),
        preload: || leptos::task::spawn_local(__preload_audit_page()),
    },
];

/// The invitation page, the home page, and a route per page, each behind the capability it
/// needs. Built without `view!`, which takes a block among routes for a view.
fn routes(t: impl Fn() -> &'static Texts + Copy + Send + Sync + 'static) -> impl IntoView {
    let pages: Vec<_> = PAGES
        .iter()
        .map(|page| {
            let segment = page.path.trim_start_matches('/');
            let show = move || {
                view! { <Gate capability=page.capability>{(page.show)()}</Gate> }
            };
            Route(
                RouteProps::builder()
                    .path((StaticSegment(segment),))
                    .view(show)
                    .build(),
            )
        })
        .collect();
    let invitation = Route(
        RouteProps::builder()
            .path(path!("/invitation/:token"))
            .view(|| lazy(invitation_page()))
            .build(),
    );
    let home = Route(
        RouteProps::builder()
            .path(path!("/"))
            .view(|| view! { <Gate capability=Capability::ViewSales><Home/></Gate> })
            .build(),
    );
    // Support opens a shop from here, with or without a shop to look at.
    let new_shop = Route(
        RouteProps::builder()
            .path((StaticSegment(&paths::NEW_SHOP[1..]),))
            .view(|| view! { <PersonGate support_only=true>{lazy(new_shop_page())}</PersonGate> })
            .build(),
    );
    let account = Route(
        RouteProps::builder()
            .path((StaticSegment(&paths::ACCOUNT[1..]),))
            .view(|| view! { <PersonGate>{lazy(account_page())}</PersonGate> })
            .build(),
    );
    // Opened from a reset link, signed out.
    let reset = Route(
        RouteProps::builder()
            .path(path!("/reinitialiser/:token"))
            .view(|| lazy(reset_password_page()))
            .build(),
    );
    let children = (
        (invitation, reset),
        home,
        (new_shop, account),
        StaticVec::from(pages),
    );
    Routes(
        RoutesProps::builder()
            .fallback(move || view! { <p class="notice">{move || t().not_found}</p> })
            .children(RouteChildren::to_children(move || children))
            .build(),
    )
}

#[component]
fn Nav() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    move || {
        // Nothing is drawn below the header until the server has said who this is and which
        // shops they have: the tabs, a row or two, then appear with the page, and push
        // nothing down (see `Gate`).
        let me = session.shops().and_then(|_| session.me())?;
        let store = session.current_store().map(|s| s.id);
        if store.is_none() && !me.support {
            return None;
        }
        // The first screen, for everyone but an accountant, whose first screen is the Z.
        let today = store
            .filter(|&id| {
                me.can(id, Capability::ViewSales) && me_role(&session, id) != Some(Role::Accountant)
            })
            .map(|_| view! { <A href="/" exact=true>{move || t().nav_today}</A> });
        let links = PAGES
            .iter()
            .filter(|page| store.is_some_and(|id| me.can(id, page.capability)))
            .map(|page| {
                // Asked for as the finger lands or the pointer arrives, the page's module is
                // on its way before the click: the page opens without a blank moment.
                let preload = page.preload;
                view! {
                    <A
                        href=page.path
                        on:pointerdown=move |_| preload()
                        on:pointerenter=move |_| preload()
                        on:focusin=move |_| preload()
                    >
                        {move || (page.label)(t())}
                    </A>
                }
            })
            .collect_view();
        let new_shop = me.support.then(|| {
            view! { <A href=paths::NEW_SHOP>{move || t().nav_new_shop}</A> }
        });
        Some(
            view! { <nav class="tabs" aria-label=move || t().nav_label>{today}{links}{new_shop}</nav> },
        )
    }
}

/// What a gated page shows: only a change of this rebuilds the page. Choosing another store
/// where the person has the same right keeps the page, whose resources follow the store; a
/// page rebuilt under its in-flight fetches read them after they were disposed, and panicked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Admission {
    Checking,
    SignedOut,
    LoadingStores,
    StoresFailed,
    NoStore,
    Admitted,
    Refused,
}

/// A page, once the person is signed in and may see it for the current store.
#[component]
fn Gate(capability: Capability, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let admission = Memo::new(move |_| match session.state.get() {
        SessionState::Checking => Admission::Checking,
        SessionState::SignedOut => Admission::SignedOut,
        SessionState::SignedIn(me) => match session.shops() {
            None => Admission::LoadingStores,
            Some(Err(_)) => Admission::StoresFailed,
            Some(Ok(_)) => match session.current_store() {
                None => Admission::NoStore,
                Some(store) if me.can(store.id, capability) => Admission::Admitted,
                Some(_) => Admission::Refused,
            },
        },
    });
    move || match admission.get() {
        // Empty until the person and their shops are known, like the tabs' place (`Nav`).
        Admission::Checking | Admission::LoadingStores => ().into_any(),
        Admission::SignedOut => view! { <SignInPage/> }.into_any(),
        Admission::StoresFailed => match session.stores.get_untracked() {
            Some(Err(error)) => view! {
                <ErrorBox error on_retry=Callback::new(move |_| session.stores.refetch())/>
            }
            .into_any(),
            _ => view! { <Skeleton rows=3/> }.into_any(),
        },
        Admission::NoStore => {
            let support = session.me().is_some_and(|me| me.support);
            view! {
                <Empty message=Signal::derive(move || t().no_store)/>
                {support.then(|| view! {
                    <p class="notice"><A href=paths::NEW_SHOP>{move || t().nav_new_shop}</A></p>
                })}
            }
            .into_any()
        }
        Admission::Admitted => children().into_any(),
        Admission::Refused => {
            view! { <p class="notice no-access">{move || t().no_access}</p> }.into_any()
        }
    }
}

/// A page that needs no shop to look at: for any signed-in person, or for support staff only.
#[component]
fn PersonGate(#[prop(optional)] support_only: bool, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let admission = Memo::new(move |_| match session.state.get() {
        SessionState::Checking => Admission::Checking,
        SessionState::SignedOut => Admission::SignedOut,
        // Waits for the shops too, which the tabs above it wait for (`Nav`).
        SessionState::SignedIn(_) if session.shops().is_none() => Admission::LoadingStores,
        SessionState::SignedIn(me) if me.support || !support_only => Admission::Admitted,
        SessionState::SignedIn(_) => Admission::Refused,
    });
    move || match admission.get() {
        Admission::SignedOut => view! { <SignInPage/> }.into_any(),
        Admission::Admitted => children().into_any(),
        Admission::Refused => {
            view! { <p class="notice no-access">{move || t().no_access}</p> }.into_any()
        }
        Admission::Checking | Admission::LoadingStores => ().into_any(),
        _ => view! { <Skeleton rows=3/> }.into_any(),
    }
}

/// For owners of several shops and support staff: which store the pages show.
#[component]
fn StoreSwitcher() -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    move || {
        session.me()?;
        let stores = session.shops()?.ok()?;
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
        let signing_out = Mutation::new(move |()| async move {
            // Signed out here whatever the server said: the cookie may be gone already.
            let _ = api::sign_out().await;
            session.signed_out();
        });
        Some(view! {
            <div class="signed-in">
                <A href=paths::ACCOUNT attr:class="user-name" attr:title=me.email.clone()>{name}</A>
                " "
                <span class="badge role-badge">{role}</span>
                <button
                    type="button"
                    class="sign-out"
                    disabled=move || signing_out.pending().get()
                    on:click=move |_| signing_out.send(())
                >
                    {move || t().sign_out}
                </button>
            </div>
        })
    }
}

/// How many things need attention in the shop, linking to where they are listed.
#[component]
fn AlertCount() -> impl IntoView {
    let t = use_texts();
    let alerts = crate::pages::alerts::use_store_alerts();
    move || {
        let n = alerts.get()?.ok()??.len();
        (n > 0).then(|| {
            let (one, many) = t().alert_count;
            let words = format!("{n} {}", if n == 1 { one } else { many });
            let title = words.clone();
            view! {
                <A href="/#a-traiter" attr:class="alert-count" attr:title=title>
                    <span aria-hidden="true">"⚠ "</span>
                    <span class="alert-number" aria-hidden="true">{n}</span>
                    <span class="visually-hidden">{words}</span>
                </A>
            }
        })
    }
}

/// The person's role in a store; None for support staff (who have none and see every store).
fn me_role(session: &Session, store_id: i64) -> Option<Role> {
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
    today_page => TodayPage,
    sales_page => SalesPage,
    devices_page => DevicesPage,
    fleet_page => FleetPage,
    support_page => SupportPage,
    subscription_page => SubscriptionPage,
    z_page => ZPage,
    decommission_page => DecommissionPage,
    access_page => AccessPage,
    audit_page => AuditPage,
    shop_page => ShopPage,
    new_shop_page => NewShopPage,
    account_page => AccountPage,
    reset_password_page => ResetPasswordPage,
    invitation_page => InvitationPage,
}
