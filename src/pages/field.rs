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
    /// True while what was typed is refused: said to screen readers beside the message.
    #[prop(optional, into)]
    invalid: Signal<bool>,
    /// The id of the message that says why, when there is one.
    #[prop(optional)]
    described_by: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            type=kind
            aria-invalid=move || invalid.get().to_string()
            aria-describedby=described_by
            autocomplete=autocomplete
            required=required
            maxlength=if kind == "password" { "128" } else { "254" }
            prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}
