//! Who has access to a store: members, invitations, revocations, role changes, and the audit
//! log that records them.

use super::caller::Caller;
use super::json::ApiJson;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::{query_pairs, AppState};
use crate::error::{AppError, AppResult};
use crate::secret::{new_token, secret_hash};
use crate::storage::accounts::{AuditScope, NewAuditEntry, NewInvitation};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::Json;
use chrono::{Duration, Utc};
use multicaisse_core::api::{parse_id, Conflict, ParamError};
use multicaisse_core::auth::{
    normalize_email, AuditEntry, AuditEvent, Capability, Invitation, InvitationRequest,
    OwnerGrantRequest, Role, RoleChangeRequest, StoreAccess, INVITATION_DAYS,
};
use multicaisse_core::store::Store;

const AUDIT_PAGE: u32 = 100;

pub fn routes() -> ApiRoutes {
    let owner = Access::Store(Capability::ManageAccess);
    ApiRoutes::default()
        .add(
            RouteDoc::new(
                Method::GET,
                "/stores/{store_id}/access",
                "Who has access to a store, and pending invitations",
                Access::Store(Capability::ViewAccess),
                None,
                schema::<StoreAccess>,
            ),
            store_access,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/invitations",
                "Invite someone (an accountant) by email: the answer carries the link to send them",
                owner,
                Some(schema::<InvitationRequest>),
                schema::<Invitation>,
            ),
            invite,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/invitations/{invitation_id}/cancel",
                "Cancel a pending invitation",
                owner,
                None,
                schema::<Invitation>,
            ),
            cancel_invitation,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/members/{user_id}/revoke",
                "Revoke a person's access to the store, ending their open sessions",
                owner,
                None,
                schema::<StoreAccess>,
            ),
            revoke_member,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/members/{user_id}/role",
                "Change a member's role",
                owner,
                Some(schema::<RoleChangeRequest>),
                schema::<StoreAccess>,
            ),
            change_role,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/owners",
                "Give a store without an owner one: an existing account, by email (support staff; refused while the store has an owner)",
                Access::Support,
                Some(schema::<OwnerGrantRequest>),
                schema::<StoreAccess>,
            ),
            grant_owner,
        )
        .add(
            RouteDoc {
                query: AUDIT_QUERY,
                ..RouteDoc::new(
                    Method::GET,
                    "/stores/{store_id}/audit",
                    "A store's audit log, newest first: access changes, and its members' sign-ins",
                    Access::Store(Capability::ViewAudit),
                    None,
                    schema::<Vec<AuditEntry>>,
                )
            },
            store_audit,
        )
        .add(
            RouteDoc {
                query: AUDIT_QUERY,
                ..RouteDoc::new(
                    Method::GET,
                    "/audit",
                    "The whole audit log, newest first (support staff)",
                    Access::Support,
                    None,
                    schema::<Vec<AuditEntry>>,
                )
            },
            full_audit,
        )
        .map_router(|router| router.layer(DefaultBodyLimit::max(super::auth::MAX_AUTH_BODY_BYTES)))
}

const AUDIT_QUERY: &[super::routes::QueryParam] = &[(
    "before",
    false,
    "only entries with an id below this one (the next page)",
)];

/// An access change in a store, by the caller: (role after, role before) when roles move.
fn audit_entry(
    caller: &Caller,
    event: AuditEvent,
    store: &Store,
    subject: (Option<i64>, String),
    roles: (Option<Role>, Option<Role>),
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at: Utc::now(),
        event,
        store_id: Some(store.id),
        actor: Some((caller.user.id, caller.user.email.clone())),
        subject: Some(subject),
        role: roles.0,
        previous_role: roles.1,
        detail,
    }
}

async fn access_of(state: &AppState, store_id: i64) -> AppResult<StoreAccess> {
    Ok(StoreAccess {
        store_id,
        members: state.storage.members(store_id).await?,
        invitations: state
            .storage
            .pending_invitations(store_id, Utc::now())
            .await?,
    })
}

async fn store_access(
    State(state): State<AppState>,
    caller: Caller,
    Path(store_id): Path<String>,
) -> AppResult<Json<StoreAccess>> {
    let store = caller
        .store(&state, &store_id, Capability::ViewAccess)
        .await?;
    Ok(Json(access_of(&state, store.id).await?))
}

/// Where invitation links point: the configured public address, or the one the owner's
/// browser used.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(store_id): Path<String>,
    ApiJson(request): ApiJson<InvitationRequest>,
) -> AppResult<Json<Invitation>> {
    let store = caller
        .store(&state, &store_id, Capability::ManageAccess)
        .await?;
    let email = normalize_email("email", &request.email)?;
    let storage = state.storage.as_ref();
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
    let now = Utc::now();
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
        &caller,
        AuditEvent::InvitationCreated,
        &store,
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
                invited_by: caller.user.id,
                created_at: now,
                expires_at,
            },
            now,
            &entry,
        )
        .await?;
    let link = format!("{}/invitation/{token}", base_url(&state, &headers));
    // No mail server yet: the owner passes the link on. The link is a bearer secret (it
    // opens an account), so the log names the invitation, never the link.
    tracing::info!(store = store.id, %email, invitation = invitation.id, "invitation created");
    invitation.link = Some(link);
    Ok(Json(invitation))
}

async fn cancel_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path((store_id, invitation_id)): Path<(String, String)>,
) -> AppResult<Json<Invitation>> {
    let store = caller
        .store(&state, &store_id, Capability::ManageAccess)
        .await?;
    let invitation_id = parse_id("invitation_id", &invitation_id)?;
    let now = Utc::now();
    let pending = state.storage.pending_invitations(store.id, now).await?;
    let invitation = pending
        .into_iter()
        .find(|i| i.id == invitation_id)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "store {} has no pending invitation {invitation_id}",
                store.id
            ))
        })?;
    let entry = audit_entry(
        &caller,
        AuditEvent::InvitationCancelled,
        &store,
        (None, invitation.email.clone()),
        (Some(invitation.role), None),
        String::new(),
    );
    state
        .storage
        .cancel_invitation(store.id, invitation_id, now, &entry)
        .await?
        .ok_or_else(|| AppError::Conflict("this invitation was accepted meanwhile".into()))?;
    Ok(Json(Invitation {
        state: multicaisse_core::auth::InvitationState::Cancelled,
        ..invitation
    }))
}

/// The member a path names, who must not be the caller: an owner cannot lock themselves out,
/// and a store always keeps the owner who acted.
async fn other_member(
    state: &AppState,
    caller: &Caller,
    store: &Store,
    user_id: &str,
) -> AppResult<multicaisse_core::auth::Member> {
    let user_id = parse_id("user_id", user_id)?;
    if user_id == caller.user.id {
        return Err(AppError::Conflict(
            "you cannot change your own access: ask another owner".into(),
        ));
    }
    state
        .storage
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

async fn revoke_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((store_id, user_id)): Path<(String, String)>,
) -> AppResult<Json<StoreAccess>> {
    let store = caller
        .store(&state, &store_id, Capability::ManageAccess)
        .await?;
    let member = other_member(&state, &caller, &store, &user_id).await?;
    // The audit entry is written with the revocation, in its transaction.
    state
        .storage
        .revoke_membership(
            store.id,
            member.user_id,
            caller.user.id,
            &audit_entry(
                &caller,
                AuditEvent::AccessRevoked,
                &store,
                (Some(member.user_id), member.email),
                (Some(member.role), None),
                "open sessions ended".into(),
            ),
        )
        .await?
        .ok_or_else(|| AppError::Conflict("this access was revoked meanwhile".into()))?;
    Ok(Json(access_of(&state, store.id).await?))
}

async fn change_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((store_id, user_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<RoleChangeRequest>,
) -> AppResult<Json<StoreAccess>> {
    let store = caller
        .store(&state, &store_id, Capability::ManageAccess)
        .await?;
    let member = other_member(&state, &caller, &store, &user_id).await?;
    if member.role == request.role {
        return Err(AppError::Conflict(format!(
            "{} is already {}",
            member.email,
            request.role.code()
        )));
    }
    state
        .storage
        .set_role(
            store.id,
            member.user_id,
            request.role,
            caller.user.id,
            &audit_entry(
                &caller,
                AuditEvent::RoleChanged,
                &store,
                (Some(member.user_id), member.email),
                (Some(request.role), Some(member.role)),
                String::new(),
            ),
        )
        .await?
        .ok_or_else(|| AppError::Conflict("this access was revoked meanwhile".into()))?;
    Ok(Json(access_of(&state, store.id).await?))
}

/// Support gives an ownerless store an owner (its first, or after its last one left some
/// other way than the API, which refuses to remove the last owner). Only then: while a store
/// has an owner, who has access is the owner's decision, not support's.
async fn grant_owner(
    State(state): State<AppState>,
    caller: Caller,
    Path(store_id): Path<String>,
    ApiJson(request): ApiJson<OwnerGrantRequest>,
) -> AppResult<Json<StoreAccess>> {
    caller.require_support()?;
    let store_id = parse_id("store_id", &store_id)?;
    let store = state
        .storage
        .store(store_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no store {store_id}")))?;
    let email = normalize_email("email", &request.email)?;
    let (user, _) = state.storage.credentials(&email).await?.ok_or_else(|| {
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
    state
        .storage
        .grant_owner(
            store.id,
            user.id,
            &audit_entry(
                &caller,
                AuditEvent::RoleChanged,
                &store,
                (Some(user.id), user.email.clone()),
                (Some(Role::Owner), None),
                "support gave the store an owner".into(),
            ),
        )
        .await?;
    Ok(Json(access_of(&state, store.id).await?))
}

fn before_param(query: Option<&str>) -> AppResult<i64> {
    let mut before = i64::MAX;
    for (name, value) in query_pairs(query)? {
        match name.as_str() {
            "before" => before = parse_id("before", &value)?,
            other => {
                return Err(ParamError::new(other, "unknown parameter (expected `before`)").into())
            }
        }
    }
    Ok(before)
}

async fn store_audit(
    State(state): State<AppState>,
    caller: Caller,
    Path(store_id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let store = caller
        .store(&state, &store_id, Capability::ViewAudit)
        .await?;
    let before = before_param(query.as_deref())?;
    Ok(Json(
        state
            .storage
            .audit(AuditScope::Store(store.id), before, AUDIT_PAGE)
            .await?,
    ))
}

async fn full_audit(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Vec<AuditEntry>>> {
    caller.require_support()?;
    let before = before_param(query.as_deref())?;
    Ok(Json(
        state
            .storage
            .audit(AuditScope::All, before, AUDIT_PAGE)
            .await?,
    ))
}
