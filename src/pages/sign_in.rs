//! Connexion: email and password. What the server refuses is said in the page's language,
//! and never whether the address has an account.

use crate::api::{self, ClientError};
use crate::i18n::{use_texts, Texts};
use crate::pages::field::Field;
use crate::pages::password::ForgotPassword;
use crate::pages::states::Mutation;
use crate::session::use_session;
use leptos::prelude::*;

/// A refusal of sign-in (or of an invitation's password) in words.
pub fn refusal(t: &Texts, error: &ClientError) -> String {
    match error {
        ClientError::Throttled {
            retry_after_seconds,
        } => {
            let (before, after) = t.throttled;
            format!("{before} {retry_after_seconds} {after}")
        }
        ClientError::Api { status: 401, .. } => t.sign_in_wrong.to_string(),
        other => other.to_string(),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ClientError>);
    let signing_in = Mutation::new(move |()| async move {
        match api::sign_in(email.get_untracked(), password.get_untracked()).await {
            Ok(me) => {
                error.set(None);
                session.signed_in(me);
                // Signed in: the focus goes to the page the person came for.
                crate::app::focus_main();
            }
            Err(e) => {
                // The password goes; the focus stays in the form, on the field to type again.
                password.set(String::new());
                error.set(Some(e));
                crate::app::focus_element("password");
            }
        }
    });
    let busy = move || signing_in.pending().get();
    let refused = Signal::derive(move || error.with(Option::is_some));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        signing_in.send(());
    };
    view! {
        <section class="page sign-in-page">
            <h1>{move || t().sign_in_title}</h1>
            <p class="intro">{move || t().sign_in_intro}</p>
            <form class="card form" on:submit=submit>
                <Field
                    id="email"
                    label=Signal::derive(move || t().email_label)
                    kind="email"
                    autocomplete="username"
                    value=email
                    required=true
                    invalid=refused
                    described_by="sign-in-error"
                />
                <Field
                    id="password"
                    label=Signal::derive(move || t().password_label)
                    kind="password"
                    autocomplete="current-password"
                    value=password
                    required=true
                    invalid=refused
                    described_by="sign-in-error"
                />
                {move || {
                    error
                        .get()
                        .map(|e| view! { <p class="form-error" id="sign-in-error" role="alert">{refusal(t(), &e)}</p> })
                }}
                <button type="submit" class="primary" disabled=busy>
                    {move || t().sign_in_button}
                </button>
            </form>
            <ForgotPassword/>
        </section>
    }
}
