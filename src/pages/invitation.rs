//! An invitation link: what it offers, and accepting it with a new account or an existing
//! account's password. Accepting signs in.

use crate::api::{self, ClientError};
use crate::i18n::use_texts;
use crate::pages::field::Field;
use crate::pages::sign_in::refusal;
use crate::pages::states::{fetched, Mutation};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use multicaisse_core::auth::{InvitationPreview, InvitationState};

#[component]
pub fn InvitationPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    // A link whose invitation the server does not know (mistyped, cut by a mail reader) is
    // no longer valid to whoever holds it, as one accepted or cancelled is.
    let preview = LocalResource::new(move || {
        let token = token();
        async move {
            match api::invitation(token).await {
                Ok(invitation) => Ok(Some(invitation)),
                Err(ClientError::Api { status: 404, .. }) => Ok(None),
                Err(other) => Err(other),
            }
        }
    });
    view! {
        <section class="page invitation-page">
            <h1>{move || t().invitation_title}</h1>
            {fetched(preview, 2, move |invitation: Option<InvitationPreview>| {
                let Some(invitation) = invitation.filter(|i| i.state == InvitationState::Pending) else {
                    return view! { <p class="notice">{move || t().invitation_gone}</p> }.into_any();
                };
                view! { <AcceptForm invitation token=token()/> }.into_any()
            })}
        </section>
    }
}

#[component]
fn AcceptForm(invitation: InvitationPreview, token: String) -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ClientError>);
    let role = invitation.role;
    let accepting = Mutation::new(move |token: String| {
        let navigate = navigate.clone();
        async move {
            match api::accept_invitation(token, password.get_untracked(), name.get_untracked())
                .await
            {
                Ok(me) => {
                    session.signed_in(me);
                    navigate("/ventes", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        accepting.send(token.clone());
    };
    let offer = move || {
        let (store_word, role_word, email_word) = t().invitation_offer;
        (store_word, role_word, email_word)
    };
    view! {
        <p class="intro invitation-offer">
            {move || offer().0} " " <strong>{invitation.store_name.clone()}</strong> " "
            {move || offer().1} " " <strong>{move || t().role(Some(role))}</strong> " "
            {move || offer().2} " " <strong>{invitation.email.clone()}</strong> "."
        </p>
        <form class="card form" on:submit=submit>
            <Field
                id="display-name"
                label=Signal::derive(move || t().display_name_label)
                kind="text"
                autocomplete="name"
                value=name
            />
            <Field
                id="new-password"
                label=Signal::derive(move || t().password_label)
                kind="password"
                autocomplete="new-password"
                value=password
                required=true
            />
            <p class="hint">{move || t().new_password_hint}</p>
            {move || {
                error
                    .get()
                    .map(|e| {
                        let message = match e {
                            ClientError::Api { status: 409, .. } => {
                                t().invitation_refused.to_string()
                            }
                            ClientError::Api { status: 410, .. } => t().invitation_gone.to_string(),
                            other => refusal(t(), &other),
                        };
                        view! { <p class="form-error" role="alert">{message}</p> }
                    })
            }}
            <button type="submit" class="primary" disabled=move || accepting.pending().get()>{move || t().accept_button}</button>
        </form>
    }
}
