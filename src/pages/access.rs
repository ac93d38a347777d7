//! Accès: who can see the store, pending invitations, and (for owners) inviting an
//! accountant, changing a role, revoking access.

use crate::api::{self, ClientError};
use crate::i18n::{use_lang, use_texts};
use crate::pages::field::Field;
use crate::pages::states::{loaded, Mutation};
use crate::session::{use_session, use_store_id};
use leptos::prelude::*;
use multicaisse_core::auth::{Capability, Invitation, Member, Role, StoreAccess};

#[component]
pub fn AccessPage() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = use_session();
    let store_id = use_store_id();
    let access = crate::session::store_resource(api::access);
    let manages = Memo::new(move |_| {
        let (me, store) = (session.me(), store_id.get());
        matches!((me, store), (Some(me), Some(id)) if me.can(id, Capability::ManageAccess))
    });
    let action_error = RwSignal::new(None::<ClientError>);
    // Every change answers with the new state of access, or an error to show.
    let after = move |result: Result<(), ClientError>| match result {
        Ok(()) => {
            action_error.set(None);
            access.refetch();
        }
        Err(e) => action_error.set(Some(e)),
    };
    view! {
        <section class="page access-page">
            <div class="page-head">
                <h1>{move || t().access_title}</h1>
            </div>
            <p class="intro">
                {move || (t().access_intro)(&session.current_store().map(|s| s.name).unwrap_or_default())}
            </p>
            {move || (!manages.get()).then(|| view! { <p class="notice">{move || t().access_read_only}</p> })}
            {move || action_error.get().map(|e| view! { <p class="form-error" role="alert">{e.said(lang.get())}</p> })}
            {loaded(access, 3, move |access| view! { <AccessTables access manages=manages.get() after/> })}
            {move || {
                manages
                    .get()
                    .then(|| view! { <InviteForm after=move || access.refetch()/> })
            }}
        </section>
    }
}

#[component]
fn AccessTables(
    access: StoreAccess,
    manages: bool,
    after: impl Fn(Result<(), ClientError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let my_id = session.me().map(|me| me.user_id);
    let store = access.store_id;
    let members = access
        .members
        .into_iter()
        .map(|member| {
            let is_me = Some(member.user_id) == my_id;
            view! { <MemberRow member store is_me manages after/> }
        })
        .collect_view();
    let invitations = access.invitations;
    let pending = (!invitations.is_empty()).then(|| {
        let rows = invitations
            .into_iter()
            .map(|invitation| view! { <InvitationRow invitation manages after/> })
            .collect_view();
        view! {
            <h2>{move || t().pending_title}</h2>
            <div class="table-wrap" tabindex="0">
                <table class="invitations cards">
                    <thead>
                        <tr>
                            <th scope="col">{move || t().email_label}</th>
                            <th scope="col">{move || t().col_role}</th>
                            <th scope="col">{move || t().col_expires}</th>
                            <th scope="col"><span class="visually-hidden">{move || t().col_actions}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="members cards" id="members-table">
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_person}</th>
                        <th scope="col">{move || t().col_role}</th>
                        <th scope="col">{move || t().col_since}</th>
                        <th scope="col"><span class="visually-hidden">{move || t().col_actions}</span></th>
                    </tr>
                </thead>
                <tbody>{members}</tbody>
            </table>
        </div>
        {pending}
    }
}

#[component]
fn MemberRow(
    member: Member,
    store: i64,
    is_me: bool,
    manages: bool,
    after: impl Fn(Result<(), ClientError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_texts();
    let user = member.user_id;
    let role = member.role;
    let confirming = RwSignal::new(false);
    let editable = manages && !is_me;
    let set_role = Mutation::new(move |role: Role| async move {
        after(api::set_role(store, user, role).await.map(|_| ()));
    });
    let revoking = Mutation::new(move |()| async move {
        after(api::revoke(store, user).await.map(|_| ()));
    });
    let role_cell = move || {
        if !editable {
            return view! { <span class="role">{move || t().role(Some(role))}</span> }.into_any();
        }
        view! {
            <select
                class="role"
                aria-label=move || t().make_role
                disabled=move || set_role.pending().get()
                on:change=move |ev| {
                    let role = Role::parse(&event_target_value(&ev)).unwrap_or(role);
                    set_role.send(role);
                }
            >
                {[Role::Owner, Role::Accountant]
                    .into_iter()
                    .map(|r| view! { <option value=r.code() selected=r == role>{move || t().role(Some(r))}</option> })
                    .collect_view()}
            </select>
        }
        .into_any()
    };
    let revoke = move |_| {
        if !confirming.get_untracked() {
            confirming.set(true);
            return;
        }
        revoking.send(());
    };
    let (email, since) = (member.email, member.since);
    let email_attribute = email.clone();
    view! {
        <tr data-user=user data-email=email_attribute>
            <th scope="row">
                <span class="person-name">{member.display_name}</span>
                {is_me.then(|| view! { " " <span class="you">{move || t().you}</span> })}
                <span class="hint email">{email}</span>
            </th>
            <td data-label=move || t().col_role>{role_cell}</td>
            <td data-label=move || t().col_since>{move || multicaisse_core::format::format_date(since.date_naive(), t().lang)}</td>
            <td data-label=move || t().col_actions>
                {editable
                    .then(|| {
                        view! {
                            <button type="button" class="danger revoke" on:click=revoke disabled=move || revoking.pending().get()>
                                {move || if confirming.get() { t().confirm_revoke } else { t().revoke }}
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
fn InvitationRow(
    invitation: Invitation,
    manages: bool,
    after: impl Fn(Result<(), ClientError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_texts();
    let (store, id, role) = (invitation.store_id, invitation.id, invitation.role);
    let cancelling = Mutation::new(move |()| async move {
        after(api::cancel_invitation(store, id).await.map(|_| ()));
    });
    view! {
        <tr data-invitation=id>
            <th scope="row">{invitation.email}</th>
            <td data-label=move || t().col_role>{move || t().role(Some(role))}</td>
            <td data-label=move || t().col_expires>{move || multicaisse_core::format::format_date(invitation.expires_at.date_naive(), t().lang)}</td>
            <td data-label=move || t().col_actions>
                {manages
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="cancel-invitation"
                                disabled=move || cancelling.pending().get()
                                on:click=move |_| cancelling.send(())
                            >
                                {move || t().cancel_invitation}
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
fn InviteForm(after: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let store_id = use_store_id();
    let email = RwSignal::new(String::new());
    let created = RwSignal::new(None::<Invitation>);
    let error = RwSignal::new(None::<ClientError>);
    let inviting = Mutation::new(move |store: i64| async move {
        match api::invite(store, email.get_untracked(), lang.get_untracked()).await {
            Ok(invitation) => {
                error.set(None);
                email.set(String::new());
                created.set(Some(invitation));
                after();
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(store) = store_id.get_untracked() {
            inviting.send(store);
        }
    };
    view! {
        <h2>{move || t().invite_title}</h2>
        {move || {
            created
                .get()
                .and_then(|invitation| {
                    let link = invitation.link.clone()?;
                    let (before, after_words) = t().invite_link;
                    Some(view! {
                        <div class="card invitation-link" role="status">
                            <p>{before} " " <strong>{invitation.email}</strong> " " {after_words}</p>
                            <input id="invitation-link" type="text" readonly prop:value=link/>
                        </div>
                    })
                })
        }}
        <form class="card form invite-form" on:submit=submit>
            <Field
                id="invite-email"
                label=Signal::derive(move || t().email_label)
                kind="email"
                autocomplete="off"
                value=email
                required=true
            />
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.said(lang.get())}</p> })}
            <button type="submit" class="primary" disabled=move || inviting.pending().get()>{move || t().invite_button}</button>
        </form>
    }
}
