//! Who is signed in, and which store they are looking at: shared by the shell and every page.

use crate::api::{self, ClientError};
use crate::i18n::local_storage;
use leptos::prelude::*;
use multicaisse_core::auth::Me;
use multicaisse_core::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Asking the server whether the browser's cookie is a live session.
    Checking,
    SignedOut,
    SignedIn(Me),
}

/// The stores this account may see, loaded after sign-in.
pub type StoresResource = LocalResource<Result<Vec<Store>, ClientError>>;

#[derive(Clone, Copy)]
pub struct Session {
    pub state: RwSignal<SessionState>,
    pub stores: StoresResource,
    /// The store chosen in the switcher (remembered in this browser).
    pub chosen_store: RwSignal<Option<i64>>,
    /// Whose shops `stores` holds (`None`: nobody's, signed out). Read on its own, `stores`
    /// holds the last answer while the next one travels: just signed in, the empty list of
    /// the signed-out page, and the dashboard said "no shop" until the shops came.
    stores_of: RwSignal<Option<i64>>,
}

const STORE_KEY: &str = "multicaisse.store";

impl Session {
    /// Created once by the shell: checks the cookie with the server.
    pub fn provide() -> Session {
        let state = RwSignal::new(SessionState::Checking);
        let stores_of = RwSignal::new(None);
        let chosen = local_storage()
            .and_then(|s| s.get_item(STORE_KEY).ok().flatten())
            .and_then(|id| id.parse().ok());
        let chosen_store = RwSignal::new(chosen);
        let stores: StoresResource = LocalResource::new(move || {
            let person = match state.get() {
                SessionState::SignedIn(me) => Some(me),
                _ => None,
            };
            async move {
                let answer = match person {
                    Some(_) => api::stores().await,
                    None => Ok(Vec::new()),
                };
                // Before the tabs and the page are drawn: the page's first answers then
                // travel while it is drawn.
                if let (Some(me), Ok(stores)) = (&person, &answer) {
                    if let Some(store) = shown_store(stores, chosen_store.get_untracked()) {
                        crate::app::ask_ahead(me, store);
                    }
                }
                stores_of.set(person.map(|me| me.user_id));
                answer
            }
        });
        let session = Session {
            state,
            stores,
            chosen_store,
            stores_of,
        };
        api::on_signed_out(move || session.signed_out());
        leptos::task::spawn_local(async move {
            match api::me().await {
                Ok(me) => session.signed_in(me),
                Err(_) => session.signed_out(),
            }
        });
        provide_context(session);
        session
    }

    pub fn signed_in(&self, me: Me) {
        api::remember_session(Some(&me));
        self.state.set(SessionState::SignedIn(me));
    }

    pub fn signed_out(&self) {
        api::remember_session(None);
        self.state.set(SessionState::SignedOut);
    }

    /// The signed-in person's shops; `None` while they are on their way.
    pub fn shops(&self) -> Option<Result<Vec<Store>, ClientError>> {
        let me = self.me()?;
        let answer = self.stores.get()?;
        (self.stores_of.get() == Some(me.user_id)).then_some(answer)
    }

    pub fn me(&self) -> Option<Me> {
        match self.state.get() {
            SessionState::SignedIn(me) => Some(me),
            _ => None,
        }
    }

    pub fn choose_store(&self, id: i64) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORE_KEY, &id.to_string());
        }
        self.chosen_store.set(Some(id));
    }

    /// Whether the signed-in person keeps the books of the chosen shop: their home is the Z
    /// files, not the sales.
    pub fn accountant_here(&self) -> bool {
        self.me()
            .zip(self.current_store())
            .is_some_and(|(me, store)| keeps_books(&me, store.id))
    }

    pub fn current_store(&self) -> Option<Store> {
        let stores = self.shops()?.ok()?;
        shown_store(&stores, self.chosen_store.get()).cloned()
    }
}

/// Whether `me` is the shop's accountant, whose first screen is the Z files.
pub fn keeps_books(me: &Me, store_id: i64) -> bool {
    me.principal().role_in(store_id) == Some(multicaisse_core::auth::Role::Accountant)
}

/// The store being looked at: the chosen one if this account sees it, else its first.
fn shown_store(stores: &[Store], chosen: Option<i64>) -> Option<&Store> {
    stores
        .iter()
        .find(|s| Some(s.id) == chosen)
        .or(stores.first())
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// What `fetch` gives for the store being looked at, fetched again when another is chosen;
/// `None` while no store is chosen.
pub fn store_resource<T, Fut>(
    fetch: impl Fn(i64) -> Fut + 'static,
) -> LocalResource<Result<Option<T>, ClientError>>
where
    T: 'static,
    Fut: std::future::Future<Output = Result<T, ClientError>> + 'static,
{
    let store_id = use_store_id();
    LocalResource::new(move || {
        let fetched = store_id.get().map(&fetch);
        async move {
            match fetched {
                Some(fetching) => fetching.await.map(Some),
                None => Ok(None),
            }
        }
    })
}

/// The id of the store being looked at, reactive.
pub fn use_store_id() -> Memo<Option<i64>> {
    let session = use_session();
    Memo::new(move |_| session.current_store().map(|s| s.id))
}
