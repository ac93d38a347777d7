//! Who has access to a store, as services: each decision (an invitation, its cancellation, a
//! revocation, a role change, support's grant of an owner) is one function that checks it and
//! writes it with its audit entry in one transaction. Handlers resolve the store the caller may
//! act on, call one of these, and answer.

use crate::error::{AppError, AppResult};
use crate::secret::{new_token, secret_hash};
use crate::storage::accounts::{NewAuditEntry, NewInvitation, User};
use crate::storage::Storage;
use chrono::{DateTime, Duration, Utc};
use multicaisse_core::api::Conflict;
use multicaisse_core::auth::{
    normalize_email, AuditEvent, Invitation, InvitationRequest, InvitationState, Member, Role,
    StoreAccess, INVITATION_DAYS,
};
use multicaisse_core::store::Store;

/// An access change in a store, by `actor`: (role after, role before) when roles move.
fn audit_entry(
    actor: &User,
    now: DateTime<Utc>,
    event: AuditEvent,
    store: &Store,
    subject: (Option<i64>, String),
    roles: (Option<Role>, Option<Role>),
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        subject: Some(subject),
        role: roles.0,
        previous_role: roles.1,
        ..NewAuditEntry::by(actor, event, store.id, now, detail)
    }
}

/// A store's live members and pending invitations.
pub async fn store_access(
    storage: &dyn Storage,
    store_id: i64,
    now: DateTime<Utc>,
) -> AppResult<StoreAccess> {
    Ok(StoreAccess {
        store_id,
        members: storage.members(store_id).await?,
        invitations: storage.pending_invitations(store_id, now).await?,
    })
}

/// Invites an address into a store; the invitation's link starts with `links_to` and is
/// returned once, never stored (it is a bearer secret: it opens an account).
pub async fn invite(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    request: &InvitationRequest,
    links_to: &str,
    now: DateTime<Utc>,
) -> AppResult<Invitation> {
    let email = normalize_email("email", &request.email)?;
    // Support staff reach every store already; a membership would only give them a second,
    // store-level way in, set up by an owner. Saying so reveals that the address is a support
    // account, which staff addresses are not secret about.
    if let Some((user, _)) = storage.credentials(&email).await? {
        if user.support {
            return Err(AppError::Refused {
                conflict: Conflict::SupportAccount,
                message: format!(
                    "{email} is a support account: support reaches every store without an \
                     invitation, and is never a member of one"
                ),
            });
        }
    }
    if storage
        .members(store.id)
        .await?
        .iter()
        .any(|m| m.email == email)
    {
        return Err(AppError::Conflict(format!(
            "{email} already has access to {}",
            store.name
        )));
    }
    if storage
        .pending_invitations(store.id, now)
        .await?
        .iter()
        .any(|i| i.email == email)
    {
        return Err(AppError::Conflict(format!(
            "{email} already has a pending invitation to {}: cancel it to send a new one",
            store.name
        )));
    }
    let token = new_token();
    let expires_at = now + Duration::days(INVITATION_DAYS);
    let entry = audit_entry(
        actor,
        now,
        AuditEvent::InvitationCreated,
        store,
        (None, email.clone()),
        (Some(request.role), None),
        format!("valid until {}", expires_at.format("%Y-%m-%d")),
    );
    let mut invitation = storage
        .create_invitation(
            &NewInvitation {
                store_id: store.id,
                email: email.clone(),
                role: request.role,
                token_hash: secret_hash(&token),
                invited_by: actor.id,
                created_at: now,
                expires_at,
            },
            now,
            &entry,
        )
        .await?;
    // No mail server yet: the owner passes the link on. The log names the invitation, never
    // the link.
    tracing::info!(store = store.id, %email, invitation = invitation.id, "invitation created");
    invitation.link = Some(format!("{links_to}/invitation/{token}"));
    Ok(invitation)
}

pub async fn cancel_invitation(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    invitation_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Invitation> {
    let invitation = storage
        .pending_invitations(store.id, now)
        .await?
        .into_iter()
        .find(|i| i.id == invitation_id)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "store {} has no pending invitation {invitation_id}",
                store.id
            ))
        })?;
    let entry = audit_entry(
        actor,
        now,
        AuditEvent::InvitationCancelled,
        store,
        (None, invitation.email.clone()),
        (Some(invitation.role), None),
        String::new(),
    );
    storage
        .cancel_invitation(store.id, invitation_id, now, &entry)
        .await?
        .ok_or_else(|| AppError::Conflict("this invitation was accepted meanwhile".into()))?;
    Ok(Invitation {
        state: InvitationState::Cancelled,
        ..invitation
    })
}

/// The member `user_id`, who must not be the actor: an owner cannot lock themselves out, and
/// a store always keeps the owner who acted.
async fn other_member(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    user_id: i64,
) -> AppResult<Member> {
    if user_id == actor.id {
        return Err(AppError::Conflict(
            "you cannot change your own access: ask another owner".into(),
        ));
    }
    storage
        .members(store.id)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "user {user_id} has no access to store {}",
                store.id
            ))
        })
}

/// Ends a member's access and their open sessions.
pub async fn revoke(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<StoreAccess> {
    let member = other_member(storage, actor, store, user_id).await?;
    let entry = audit_entry(
        actor,
        now,
        AuditEvent::AccessRevoked,
        store,
        (Some(member.user_id), member.email),
        (Some(member.role), None),
        "open sessions ended".into(),
    );
    storage
        .revoke_membership(store.id, member.user_id, actor.id, &entry)
        .await?
        .ok_or_else(|| AppError::Conflict("this access was revoked meanwhile".into()))?;
    store_access(storage, store.id, now).await
}

pub async fn change_role(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    user_id: i64,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<StoreAccess> {
    let member = other_member(storage, actor, store, user_id).await?;
    if member.role == role {
        return Err(AppError::Conflict(format!(
            "{} is already {}",
            member.email,
            role.code()
        )));
    }
    let entry = audit_entry(
        actor,
        now,
        AuditEvent::RoleChanged,
        store,
        (Some(member.user_id), member.email),
        (Some(role), Some(member.role)),
        String::new(),
    );
    storage
        .set_role(store.id, member.user_id, role, actor.id, &entry)
        .await?
        .ok_or_else(|| AppError::Conflict("this access was revoked meanwhile".into()))?;
    store_access(storage, store.id, now).await
}

/// Support gives an ownerless store an owner (its first, or after its last one left some
/// other way than the API, which refuses to remove the last owner). Only then: while a store
/// has an owner, who has access is the owner's decision, not support's.
pub async fn grant_owner(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<StoreAccess> {
    let email = normalize_email("email", email)?;
    let (user, _) = storage.credentials(&email).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "no account has the address {email}: the new owner needs an account (one that accepted an invitation, to any store)"
        ))
    })?;
    if user.support {
        return Err(AppError::Refused {
            conflict: Conflict::SupportAccount,
            message: format!(
                "{email} is a support account: support reaches every store and is never a \
                 member of one"
            ),
        });
    }
    let entry = audit_entry(
        actor,
        now,
        AuditEvent::RoleChanged,
        store,
        (Some(user.id), user.email.clone()),
        (Some(Role::Owner), None),
        "support gave the store an owner".into(),
    );
    storage.grant_owner(store.id, user.id, &entry).await?;
    store_access(storage, store.id, now).await
}
