//! Who has access to a store: members, invitations, revocations, role changes, and the audit
//! log that records them.

use super::caller::Caller;
use super::json::ApiJson;
use super::query::ApiQuery;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::InStore;
use super::AppState;
use crate::access;
use crate::error::{AppError, AppResult};
use crate::storage::accounts::AuditScope;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method};
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::parse_id;
use multicaisse_core::auth::{
    AuditEntry, AuditTopic, Capability, Invitation, InvitationRequest, OwnerGrantRequest,
    RoleChangeRequest, StoreAccess, AUDIT_PAGE,
};
use schemars::JsonSchema;
use serde::Deserialize;

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
            RouteDoc::new(
                Method::GET,
                "/stores/{store_id}/audit",
                "A store's audit log, newest first: access changes, and its members' sign-ins",
                Access::Store(Capability::ViewAudit),
                None,
                schema::<Vec<AuditEntry>>,
            )
            .with_query::<AuditQuery>(),
            store_audit,
        )
        .add(
            RouteDoc::new(
                Method::GET,
                "/audit",
                "The whole audit log, newest first (support staff)",
                Access::Support,
                None,
                schema::<Vec<AuditEntry>>,
            )
            .with_query::<AuditQuery>(),
            full_audit,
        )
        .map_router(|router| router.layer(DefaultBodyLimit::max(super::auth::MAX_AUTH_BODY_BYTES)))
}

#[derive(Debug, Deserialize, JsonSchema)]
struct AuditQuery {
    /// only entries with an id below this one (the next page)
    #[schemars(range(min = 1))]
    before: Option<i64>,
    /// only the entries about this: sign_ins, access, registers or shop
    #[schemars(length(max = 20))]
    topic: Option<String>,
}

async fn store_access(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<StoreAccess>> {
    let store = scope.store(&state).await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        access::store_access(storage, store.id, Utc::now()).await?,
    ))
}

/// Where invitation links point: the configured public address, or the one the owner's
/// browser used.
pub(super) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
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
    scope: InStore,
    ApiJson(request): ApiJson<InvitationRequest>,
) -> AppResult<Json<Invitation>> {
    let store = scope.store(&state).await?;
    let links_to = base_url(&state, &headers);
    let storage = state.storage.as_ref();
    let invitation = access::invite(
        storage,
        &scope.caller.user,
        &store,
        &request,
        &links_to,
        Utc::now(),
    )
    .await?;
    mail_invitation(
        &state,
        &scope.caller.user,
        &store,
        &invitation,
        request.lang,
    );
    Ok(Json(invitation))
}

/// Sends the invitation's link by e-mail when a mail server is set (the page shows it too).
pub(super) fn mail_invitation(
    state: &AppState,
    inviter: &crate::storage::accounts::User,
    store: &multicaisse_core::store::Store,
    invitation: &Invitation,
    lang: multicaisse_core::format::Lang,
) {
    if let (Some(mailer), Some(link)) = (&state.mailer, &invitation.link) {
        let text = multicaisse_core::mail::invitation(
            lang,
            &inviter.display_name,
            &store.name,
            invitation.role,
            link,
            multicaisse_core::auth::INVITATION_DAYS,
        );
        mailer.send_later(invitation.email.clone(), text);
    }
}

async fn cancel_invitation(
    State(state): State<AppState>,
    scope: InStore,
    Path((_, invitation_id)): Path<(String, String)>,
) -> AppResult<Json<Invitation>> {
    let store = scope.store(&state).await?;
    let invitation_id = parse_id("invitation_id", &invitation_id)?;
    let storage = state.storage.as_ref();
    Ok(Json(
        access::cancel_invitation(
            storage,
            &scope.caller.user,
            &store,
            invitation_id,
            Utc::now(),
        )
        .await?,
    ))
}

async fn revoke_member(
    State(state): State<AppState>,
    scope: InStore,
    Path((_, user_id)): Path<(String, String)>,
) -> AppResult<Json<StoreAccess>> {
    let store = scope.store(&state).await?;
    let user_id = parse_id("user_id", &user_id)?;
    let storage = state.storage.as_ref();
    Ok(Json(
        access::revoke(storage, &scope.caller.user, &store, user_id, Utc::now()).await?,
    ))
}

async fn change_role(
    State(state): State<AppState>,
    scope: InStore,
    Path((_, user_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<RoleChangeRequest>,
) -> AppResult<Json<StoreAccess>> {
    let store = scope.store(&state).await?;
    let user_id = parse_id("user_id", &user_id)?;
    let storage = state.storage.as_ref();
    Ok(Json(
        access::change_role(
            storage,
            &scope.caller.user,
            &store,
            user_id,
            request.role,
            Utc::now(),
        )
        .await?,
    ))
}

async fn grant_owner(
    State(state): State<AppState>,
    caller: Caller,
    Path(store_id): Path<String>,
    ApiJson(request): ApiJson<OwnerGrantRequest>,
) -> AppResult<Json<StoreAccess>> {
    let store_id = parse_id("store_id", &store_id)?;
    let storage = state.storage.as_ref();
    let store = storage
        .store(store_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no store {store_id}")))?;
    Ok(Json(
        access::grant_owner(storage, &caller.user, &store, &request.email, Utc::now()).await?,
    ))
}

async fn store_audit(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(AuditQuery { before, topic }): ApiQuery<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let store = scope.store(&state).await?;
    let before = before.unwrap_or(i64::MAX);
    let topic = AuditTopic::from_param(topic.as_deref())?;
    Ok(Json(
        state
            .storage
            .audit(AuditScope::Store(store.id), topic, before, AUDIT_PAGE)
            .await?,
    ))
}

async fn full_audit(
    State(state): State<AppState>,
    ApiQuery(AuditQuery { before, topic }): ApiQuery<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let before = before.unwrap_or(i64::MAX);
    let topic = AuditTopic::from_param(topic.as_deref())?;
    Ok(Json(
        state
            .storage
            .audit(AuditScope::All, topic, before, AUDIT_PAGE)
            .await?,
    ))
}
