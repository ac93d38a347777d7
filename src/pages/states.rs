//! Loading, error and empty states every page shares.

use crate::api::ClientError;
use crate::i18n::use_texts;
use leptos::prelude::*;

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

/// What failed, and a button to try again.
#[component]
pub fn ErrorBox(error: ClientError, on_retry: Callback<()>) -> impl IntoView {
    let t = use_texts();
    view! {
        <div class="error-box" role="alert">
            <p><strong>{move || t().error_title}</strong></p>
            <p class="error-detail">{error.to_string()}</p>
            <button type="button" on:click=move |_| on_retry.run(())>{move || t().retry}</button>
        </div>
    }
}

#[component]
pub fn Empty(message: Signal<&'static str>) -> impl IntoView {
    view! { <p class="empty">{message}</p> }
}

/// A store's resource in its three states: a skeleton of `rows` while loading (or while no
/// store is chosen), the error with a retry, or what `render` makes of the data.
pub fn loaded<T: Clone + 'static>(
    resource: LocalResource<Result<Option<T>, ClientError>>,
    rows: usize,
    render: impl Fn(T) -> AnyView + 'static,
) -> impl Fn() -> AnyView {
    move || match resource.get() {
        None | Some(Ok(None)) => view! { <Skeleton rows/> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorBox error on_retry=Callback::new(move |_| resource.refetch())/> }
                .into_any()
        }
        Some(Ok(Some(data))) => render(data),
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
