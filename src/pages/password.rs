//! Passwords after sign-up: the forgotten one (a link by e-mail, never saying whether the
//! address has an account), the page the link opens, a signed-in person's change on
//! *Mon compte*, and the link support hands over when no mail server is set.

use crate::api::{self, ClientError};
use crate::i18n::use_lang;
use crate::pages::field::Field;
use crate::pages::states::Mutation;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use multicaisse_core::auth::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use multicaisse_core::format::Lang;

struct PasswordTexts {
    forgot: &'static str,
    forgot_title: &'static str,
    forgot_intro: &'static str,
    send_link: &'static str,
    back_to_sign_in: &'static str,
    reset_title: &'static str,
    reset_intro: &'static str,
    new_password: &'static str,
    confirm_password: &'static str,
    choose: &'static str,
    reset_done: (&'static str, &'static str),
    sign_in: &'static str,
    link_used: &'static str,
    too_short: (&'static str, &'static str),
    too_long: &'static str,
    mismatch: &'static str,
    account_title: &'static str,
    change_title: &'static str,
    change_intro: &'static str,
    current_password: &'static str,
    change: &'static str,
    current_wrong: &'static str,
    changed: (&'static str, &'static str, &'static str),
    support_title: &'static str,
    support_intro: &'static str,
    email: &'static str,
    make_link: &'static str,
    link_made: (&'static str, &'static str),
    link_mailed: &'static str,
    no_account: &'static str,
}

const FR: PasswordTexts = PasswordTexts {
    forgot: "Mot de passe oublié ?",
    forgot_title: "Mot de passe oublié",
    forgot_intro: "Indiquez l'adresse de votre compte : vous recevrez un lien pour choisir un nouveau mot de passe, valable une heure.",
    send_link: "Recevoir le lien",
    back_to_sign_in: "Retour à la connexion",
    reset_title: "Choisir un nouveau mot de passe",
    reset_intro: "Toutes les sessions ouvertes de ce compte seront fermées.",
    new_password: "Nouveau mot de passe",
    confirm_password: "Le même, une seconde fois",
    choose: "Enregistrer le mot de passe",
    reset_done: ("Nouveau mot de passe enregistré pour", ". Connectez-vous avec lui."),
    sign_in: "Se connecter",
    link_used: "Ce lien a déjà servi ou a expiré : demandez-en un nouveau depuis la page de connexion.",
    too_short: ("Au moins", "caractères, par exemple une phrase."),
    too_long: "128 caractères au plus.",
    mismatch: "Les deux mots de passe ne sont pas les mêmes.",
    account_title: "Mon compte",
    change_title: "Changer de mot de passe",
    change_intro: "Vos autres sessions (sur d'autres appareils) seront fermées ; celle-ci reste ouverte.",
    current_password: "Mot de passe actuel",
    change: "Changer le mot de passe",
    current_wrong: "Le mot de passe actuel n'est pas le bon.",
    changed: ("Mot de passe changé.", "autre(s) session(s) fermée(s).", "Aucune autre session n'était ouverte."),
    support_title: "Lien de nouveau mot de passe",
    support_intro: "Pour une personne qui a perdu son mot de passe et ne reçoit pas l'e-mail : un lien à lui transmettre, valable une heure.",
    email: "Adresse e-mail",
    make_link: "Créer le lien",
    link_made: ("Lien créé pour", "— valable une heure :"),
    link_mailed: "Il lui a aussi été envoyé par e-mail.",
    no_account: "Aucun compte actif n'a cette adresse, ou trop de liens lui ont déjà été faits cette heure-ci.",
};

const EN: PasswordTexts = PasswordTexts {
    forgot: "Forgot your password?",
    forgot_title: "Forgotten password",
    forgot_intro: "Give your account's address: you will get a link to choose a new password, valid for an hour.",
    send_link: "Send me the link",
    back_to_sign_in: "Back to sign-in",
    reset_title: "Choose a new password",
    reset_intro: "Every open session of this account will end.",
    new_password: "New password",
    confirm_password: "The same, once more",
    choose: "Save the password",
    reset_done: ("New password saved for", ". Sign in with it."),
    sign_in: "Sign in",
    link_used: "This link has been used or has expired: ask for a new one from the sign-in page.",
    too_short: ("At least", "characters, a sentence for instance."),
    too_long: "128 characters at most.",
    mismatch: "The two passwords are not the same.",
    account_title: "My account",
    change_title: "Change password",
    change_intro: "Your other sessions (on other devices) will end; this one stays open.",
    current_password: "Current password",
    change: "Change the password",
    current_wrong: "The current password is not the right one.",
    changed: ("Password changed.", "other session(s) ended.", "No other session was open."),
    support_title: "Password reset link",
    support_intro: "For someone who lost their password and gets no e-mail: a link to hand over, valid for an hour.",
    email: "Email address",
    make_link: "Make the link",
    link_made: ("Link made for", "— valid for an hour:"),
    link_mailed: "It was also sent to them by e-mail.",
    no_account: "No live account has this address, or it had too many links this hour already.",
};

fn texts(lang: Lang) -> &'static PasswordTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// What is wrong with a new password and its confirmation, before anything is sent.
fn new_password_problem(tx: &PasswordTexts, password: &str, again: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        let (before, after) = tx.too_short;
        return Some(format!("{before} {MIN_PASSWORD_CHARS} {after}"));
    }
    if length > MAX_PASSWORD_CHARS {
        return Some(tx.too_long.to_string());
    }
    (password != again).then(|| tx.mismatch.to_string())
}

/// A new password typed twice, and what is wrong with it (`new_password_problem`).
#[component]
fn NewPassword(
    password: RwSignal<String>,
    again: RwSignal<String>,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    view! {
        <Field
            id="new-password"
            label=Signal::derive(move || tx().new_password)
            kind="password"
            autocomplete="new-password"
            value=password
            required=true
        />
        <Field
            id="new-password-again"
            label=Signal::derive(move || tx().confirm_password)
            kind="password"
            autocomplete="new-password"
            value=again
            required=true
        />
        {move || problem.get().map(|said| view! { <p class="form-error" role="alert">{said}</p> })}
    }
}

/// On the sign-in page: the way to a reset link, folded until asked for.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let open = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<Result<String, ClientError>>);
    let asking = Mutation::new(move |()| async move {
        let said = api::request_password_reset(email.get_untracked(), lang.get_untracked())
            .await
            .map(|r| r.message);
        answer.set(Some(said));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asking.send(());
    };
    move || {
        if !open.get() {
            return view! {
                <button type="button" class="link-button forgot-password" on:click=move |_| open.set(true)>
                    {move || tx().forgot}
                </button>
            }
            .into_any();
        }
        view! {
            <h2>{move || tx().forgot_title}</h2>
            <form class="card form forgot-form" on:submit=submit>
                <p class="hint">{move || tx().forgot_intro}</p>
                <Field
                    id="forgot-email"
                    label=Signal::derive(move || tx().email)
                    kind="email"
                    autocomplete="username"
                    value=email
                    required=true
                />
                {move || answer.get().map(|said| match said {
                    Ok(message) => view! { <p class="saved" role="status">{message}</p> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.said(lang.get())}</p> }.into_any(),
                })}
                <button type="submit" class="primary" disabled=move || asking.pending().get()>
                    {move || tx().send_link}
                </button>
            </form>
        }
        .into_any()
    }
}

/// `/reinitialiser/:token`: the page a reset link opens.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let params = use_params_map();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ClientError>);
    let done = RwSignal::new(None::<String>);
    let saving = Mutation::new(move |token: String| async move {
        match api::reset_password(&token, password.get_untracked()).await {
            Ok(reset) => {
                error.set(None);
                done.set(Some(reset.email));
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wrong = new_password_problem(tx(), &password.get_untracked(), &again.get_untracked());
        problem.set(wrong.clone());
        if wrong.is_none() {
            let token = params.with_untracked(|p| p.get("token").unwrap_or_default());
            saving.send(token);
        }
    };
    let refusal = move |e: ClientError| match e {
        ClientError::Api { status: 410, .. } => tx().link_used.to_string(),
        other => other.said(lang.get()),
    };
    view! {
        <section class="page reset-page sign-in-page">
            <h1>{move || tx().reset_title}</h1>
            {move || match done.get() {
                Some(email) => view! {
                    <p class="card saved" role="status">{tx().reset_done.0} " " <strong>{email}</strong> {tx().reset_done.1}</p>
                    <p><A href="/">{move || tx().sign_in}</A></p>
                }
                .into_any(),
                None => view! {
                    <p class="intro">{move || tx().reset_intro}</p>
                    <form class="card form reset-form" novalidate=true on:submit=submit>
                        <NewPassword password again problem/>
                        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{refusal(e)}</p> })}
                        <button type="submit" class="primary" disabled=move || saving.pending().get()>
                            {move || tx().choose}
                        </button>
                    </form>
                    <p><A href="/">{move || tx().back_to_sign_in}</A></p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// `/compte`: the signed-in person's account — their password.
#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let session = use_session();
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ClientError>);
    let ended = RwSignal::new(None::<u64>);
    let changing = Mutation::new(move |()| async move {
        match api::change_password(current.get_untracked(), password.get_untracked()).await {
            Ok(changed) => {
                error.set(None);
                current.set(String::new());
                password.set(String::new());
                again.set(String::new());
                ended.set(Some(changed.other_sessions_ended));
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ended.set(None);
        let wrong = new_password_problem(tx(), &password.get_untracked(), &again.get_untracked());
        problem.set(wrong.clone());
        if wrong.is_none() {
            changing.send(());
        }
    };
    let refusal = move |e: ClientError| match e {
        ClientError::Api { status: 403, .. } => tx().current_wrong.to_string(),
        other => other.said(lang.get()),
    };
    let who = move || {
        session
            .me()
            .map(|me| format!("{} — {}", me.display_name, me.email))
    };
    view! {
        <section class="page account-page">
            <div class="page-head">
                <h1>{move || tx().account_title}</h1>
            </div>
            <p class="intro account-who">{who}</p>
            <h2>{move || tx().change_title}</h2>
            <form class="card form change-password-form" novalidate=true on:submit=submit>
                <p class="hint">{move || tx().change_intro}</p>
                <Field
                    id="current-password"
                    label=Signal::derive(move || tx().current_password)
                    kind="password"
                    autocomplete="current-password"
                    value=current
                    required=true
                />
                <NewPassword password again problem/>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{refusal(e)}</p> })}
                {move || ended.get().map(|n| {
                    let (done, others, none) = tx().changed;
                    let said = if n == 0 { format!("{done} {none}") } else { format!("{done} {n} {others}") };
                    view! { <p class="saved" role="status">{said}</p> }
                })}
                <button type="submit" class="primary" disabled=move || changing.pending().get()>
                    {move || tx().change}
                </button>
            </form>
        </section>
    }
}

/// On support's page: a reset link to hand over.
#[component]
pub fn SupportResetLink() -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ClientError>);
    let made = RwSignal::new(None::<(String, multicaisse_core::auth::ResetLink)>);
    let making = Mutation::new(move |()| async move {
        let address = email.get_untracked();
        match api::support_reset_link(address.clone(), lang.get_untracked()).await {
            Ok(link) => {
                error.set(None);
                made.set(Some((address, link)));
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let refusal = move |e: ClientError| match e {
        ClientError::Api { status: 404, .. } => tx().no_account.to_string(),
        other => other.said(lang.get()),
    };
    view! {
        <h2>{move || tx().support_title}</h2>
        <p class="intro">{move || tx().support_intro}</p>
        {move || made.get().map(|(address, link)| view! {
            <div class="card invitation-link reset-link" role="status">
                <p>{tx().link_made.0} " " <strong>{address}</strong> " " {tx().link_made.1}</p>
                <input id="reset-link" type="text" readonly prop:value=link.link/>
                {link.mailed.then(|| view! { <p class="hint">{tx().link_mailed}</p> })}
            </div>
        })}
        <form
            class="card form support-reset-form"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                making.send(());
            }
        >
            <Field
                id="reset-email"
                label=Signal::derive(move || tx().email)
                kind="email"
                autocomplete="off"
                value=email
                required=true
            />
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{refusal(e)}</p> })}
            <button type="submit" class="primary" disabled=move || making.pending().get()>
                {move || tx().make_link}
            </button>
        </form>
    }
}
