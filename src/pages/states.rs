//! Loading, error and empty states every page shares.

use crate::api::ClientError;
use crate::i18n::{use_lang, use_texts};
use leptos::prelude::*;
use multicaisse_core::failure::Remedy;

/// Grey placeholder rows while data is on its way.
#[component]
pub fn Skeleton(rows: usize) -> impl IntoView {
    let t = use_texts();
    view! {
        <div class="skeleton" role="status" aria-live="polite">
            <span class="visually-hidden">{move || t().loading}</span>
            {(0..rows).map(|_| view! { <div class="skeleton-row"></div> }).collect_view()}
        </div>
    }
}

/// What failed and what to do, in the page's language; a button only where it can help
/// (trying again, or reloading the page), and the server's own words for support, folded.
#[component]
pub fn ErrorBox(error: ClientError, on_retry: Callback<()>) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let failure = error.failure();
    let act = move |_| match failure.remedy() {
        Remedy::Retry => on_retry.run(()),
        Remedy::Reload => {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
        Remedy::None => {}
    };
    view! {
        <div class="error-box" role="alert">
            <p><strong>{move || t().error_title}</strong></p>
            <p class="error-what">{move || failure.what(lang.get())}</p>
            <p class="error-todo">{move || failure.what_to_do(lang.get())}</p>
            {move || failure.remedy_label(lang.get()).map(|label| view! {
                <button type="button" on:click=act>{label}</button>
            })}
            <details class="technical">
                <summary>{move || t().technical_details}</summary>
                <p class="error-detail">{error.to_string()}</p>
            </details>
        </div>
    }
}

#[component]
pub fn Empty(message: Signal<&'static str>) -> impl IntoView {
    view! { <p class="empty">{message}</p> }
}

/// A resource in a `<Transition>`: a skeleton of `rows` on the first load, then what
/// `render` makes of the data, or the error with a retry. A reload (a refetch, another store,
/// another page of a list, another language) keeps the page as it was until the new data is
/// there, instead of flashing the skeleton, and marks its region busy meanwhile.
pub fn fetched<T, V>(
    resource: LocalResource<Result<T, ClientError>>,
    rows: usize,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    shown(resource, rows, move |data: T| Some(render(data)))
}

/// The same for a store's resource, which is `None` while no store is chosen (a skeleton).
pub fn loaded<T, V>(
    resource: LocalResource<Result<Option<T>, ClientError>>,
    rows: usize,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    shown(resource, rows, move |data: Option<T>| data.map(&render))
}

fn shown<T, V>(
    resource: LocalResource<Result<T, ClientError>>,
    rows: usize,
    render: impl Fn(T) -> Option<V> + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    if let Some(gate) = use_context::<TogetherGate>() {
        gate.wait_for(resource);
    }
    let pending = RwSignal::new(false);
    view! {
        <div class="loaded" aria-busy=move || pending.get().to_string()>
            <Transition fallback=move || view! { <Skeleton rows/> } set_pending=pending>
                {move || {
                    resource.get().map(|result| match result {
                        Ok(data) => match render(data) {
                            Some(view) => view.into_any(),
                            None => view! { <Skeleton rows/> }.into_any(),
                        },
                        Err(error) => view! {
                            <ErrorBox error on_retry=Callback::new(move |_| resource.refetch())/>
                        }
                        .into_any(),
                    })
                }}
            </Transition>
        </div>
    }
}

/// The first answers a [`Together`] is waiting for.
#[derive(Clone, Copy)]
struct TogetherGate {
    waiting: RwSignal<usize>,
}

impl TogetherGate {
    fn wait_for<T: Clone + Send + Sync + 'static>(self, resource: LocalResource<T>) {
        self.waiting.update(|n| *n += 1);
        let came = StoredValue::new(false);
        Effect::new(move || {
            if resource.get().is_some() && !came.get_value() {
                came.set_value(true);
                self.waiting.update(|n| *n = n.saturating_sub(1));
            }
        });
    }
}

/// Parts of a page shown at once, when every [`fetched`] and [`loaded`] among them has had
/// its first answer; one skeleton of `rows` before. Each shown as it came, the parts pushed
/// those below them down the screen while the person was reading (Lighthouse's layout
/// shift of 0.1 to 0.4). Later reloads are each part's own, as before.
#[component]
pub fn Together(rows: usize, children: Children) -> impl IntoView {
    let gate = TogetherGate {
        waiting: RwSignal::new(0),
    };
    provide_context(gate);
    // Made now, so that the parts' requests leave now; put on the page when all came.
    let parts = StoredValue::new_local(Some(children()));
    let all_came = Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false) || gate.waiting.get() == 0
    });
    move || {
        if all_came.get() {
            parts.try_update_value(Option::take).flatten().into_any()
        } else {
            view! { <Skeleton rows/> }.into_any()
        }
    }
}

/// A change a page asks the server for, as a Leptos `Action`. `pending` is true while it
/// travels: what sends it is disabled and says so meanwhile. A second `send` while one is on
/// its way is dropped, so a double click or a double Enter makes one request.
pub struct Mutation<I: 'static> {
    action: Action<I, ()>,
    pending: Memo<bool>,
}

impl<I: 'static> Clone for Mutation<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static> Copy for Mutation<I> {}

impl<I: Clone + 'static> Mutation<I> {
    /// `run` sends the request and puts what came back on the page.
    pub fn new<F, Fut>(run: F) -> Mutation<I>
    where
        F: Fn(I) -> Fut + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let action = Action::new_local(move |input: &I| run(input.clone()));
        Mutation {
            action,
            pending: action.pending(),
        }
    }

    /// Sends it, unless it is already on its way.
    pub fn send(&self, input: I) {
        if !self.pending.get_untracked() {
            self.action.dispatch_local(input);
        }
    }

    pub fn pending(&self) -> Memo<bool> {
        self.pending
    }
}

/// Runs `fetch` every `period` while the page is shown (not while its tab is hidden), until
/// the component goes.
pub fn poll_while_visible(fetch: impl Fn() + 'static, period: std::time::Duration) {
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.hidden());
            if !hidden {
                fetch();
            }
        },
        period,
    ) {
        on_cleanup(move || handle.clear());
    }
}
