//! A labelled text input bound to a signal: the forms' one building block.

use leptos::prelude::*;

#[component]
pub fn Field(
    /// The input's id, which the label points to (and tests find it by).
    id: &'static str,
    label: Signal<&'static str>,
    /// `email`, `password` or `text`.
    kind: &'static str,
    /// The browser's autofill hint: `username`, `current-password`, `new-password`, `name`…
    autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            type=kind
            autocomplete=autocomplete
            required=required
            maxlength=if kind == "password" { "128" } else { "254" }
            prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}
