//! Signing in and out, the signed-in person, and accepting an invitation.

use super::caller::Caller;
use super::json::ApiJson;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::AppState;
use crate::accounts::{self, csrf_token, Client, OpenedSession, SignInError};
use crate::error::{AppError, AppResult};
use crate::secret::secret_hash;
use crate::storage::accounts::{Invitee, NewUser};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use cookie::{Cookie, SameSite};
use multicaisse_core::auth::{
    check_display_name, check_new_password, check_password_length, name_from_email,
    normalize_email, AcceptInvitationRequest, ChangePasswordRequest, InvitationPreview,
    InvitationState, Me, PasswordChanged, PasswordWasReset, ResetLink, ResetPasswordRequest,
    ResetRequest, ResetRequested, SignInRequest, SignedOut, SESSION_COOKIE,
};
use std::net::SocketAddr;

/// Credentials and names are small: anything bigger is refused before it is read.
pub const MAX_AUTH_BODY_BYTES: usize = 4 * 1024;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            RouteDoc::new(Method::POST, "/auth/sign-in", "Sign in with email and password: sets the session cookie (429 with Retry-After after repeated failures)", Access::Public, Some(schema::<SignInRequest>), schema::<Me>),
            sign_in,
        )
        .add(
            RouteDoc::new(Method::POST, "/auth/sign-out", "End this session", Access::SignedIn, None, schema::<SignedOut>),
            sign_out,
        )
        .add(
            RouteDoc::new(Method::POST, "/auth/sign-out-everywhere", "End every session of this account", Access::SignedIn, None, schema::<SignedOut>),
            sign_out_everywhere,
        )
        .add(
            RouteDoc::new(Method::GET, "/auth/me", "The signed-in person, their stores and roles, and the CSRF token of the session", Access::SignedIn, None, schema::<Me>),
            me,
        )
        .add(
            RouteDoc::new(Method::GET, "/invitations/{token}", "What an invitation link offers, before accepting it", Access::Public, None, schema::<InvitationPreview>),
            preview_invitation,
        )
        .add(
            RouteDoc::new(Method::POST, "/invitations/accept", "Accept an invitation: with a new password (new account) or the account's password; signs in", Access::Public, Some(schema::<AcceptInvitationRequest>), schema::<Me>),
            accept_invitation,
        )
        .add(
            RouteDoc::new(Method::POST, "/auth/password", "Change the signed-in person's password (the current one required); their other sessions end", Access::SignedIn, Some(schema::<ChangePasswordRequest>), schema::<PasswordChanged>),
            change_password,
        )
        .add(
            RouteDoc::new(Method::POST, "/auth/password-reset", "A forgotten password: e-mails a one-time link valid an hour if the address has an account (the answer is the same either way)", Access::Public, Some(schema::<ResetRequest>), schema::<ResetRequested>),
            request_reset,
        )
        .add(
            RouteDoc::new(Method::POST, "/auth/password-reset/{token}", "Choose a new password from a reset link; every session of the account ends (410 once used or expired)", Access::Public, Some(schema::<ResetPasswordRequest>), schema::<PasswordWasReset>),
            reset_password,
        )
        .add(
            RouteDoc::new(Method::POST, "/support/reset-links", "Support makes a reset link for an account, to hand over (also e-mailed when a mail server is set)", Access::Support, Some(schema::<ResetRequest>), schema::<ResetLink>),
            support_reset_link,
        )
        .map_router(|router| router.layer(DefaultBodyLimit::max(MAX_AUTH_BODY_BYTES)))
}

impl From<crate::passwords::PasswordError> for AppError {
    fn from(error: crate::passwords::PasswordError) -> AppError {
        use crate::passwords::PasswordError;
        match error {
            PasswordError::Invalid(e) => AppError::BadParameter(e),
            PasswordError::SignIn(SignInError::WrongCredentials) => {
                AppError::Forbidden("the current password is not this account's".into())
            }
            PasswordError::SignIn(e) => e.into(),
            PasswordError::LinkGone => AppError::Gone(error.to_string()),
            PasswordError::Storage(e) => e.into(),
        }
    }
}

async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    caller: Caller,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> AppResult<Json<PasswordChanged>> {
    let ended = crate::passwords::change(
        state.storage.as_ref(),
        &caller.user,
        caller.session_id,
        &request.current_password,
        &request.new_password,
        Utc::now(),
        client(&state, peer),
    )
    .await?;
    Ok(Json(PasswordChanged {
        other_sessions_ended: ended,
    }))
}

async fn request_reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ResetRequest>,
) -> AppResult<(axum::http::StatusCode, Json<ResetRequested>)> {
    crate::passwords::request_link(
        state.storage.as_ref(),
        state.mailer.as_ref(),
        &request.email,
        request.lang,
        &super::access::base_url(&state, &headers),
        Utc::now(),
    )
    .await?;
    let message = match request.lang {
        multicaisse_core::format::Lang::Fr => "Si cette adresse a un compte, un lien pour choisir un nouveau mot de passe vient d'y être envoyé ; il vaut une heure. Sans message, demandez au support.",
        multicaisse_core::format::Lang::En => "If this address has an account, a link to choose a new password has just been sent to it; it works for an hour. If nothing arrives, ask support.",
    };
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(ResetRequested {
            message: message.into(),
        }),
    ))
}

async fn reset_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(request): ApiJson<ResetPasswordRequest>,
) -> AppResult<Json<PasswordWasReset>> {
    let user = crate::passwords::reset(
        state.storage.as_ref(),
        &token,
        &request.new_password,
        Utc::now(),
    )
    .await?;
    Ok(Json(PasswordWasReset { email: user.email }))
}

async fn support_reset_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    ApiJson(request): ApiJson<ResetRequest>,
) -> AppResult<Json<ResetLink>> {
    let now = Utc::now();
    let issued = crate::passwords::issue_link(
        state.storage.as_ref(),
        &request.email,
        &super::access::base_url(&state, &headers),
        Some(&caller.user),
        "made by support",
        now,
    )
    .await?;
    let Some((user, link, expires_at)) = issued else {
        return Err(AppError::NotFound(format!(
            "no live account has the address {}, or it had {} links this hour",
            request.email.trim(),
            multicaisse_core::auth::RESET_LINKS_PER_HOUR
        )));
    };
    let mailed = match &state.mailer {
        Some(mailer) => {
            let text = multicaisse_core::mail::password_reset(
                request.lang,
                &user.display_name,
                &link,
                multicaisse_core::auth::RESET_LINK_MINUTES,
            );
            mailer.send_later(user.email.clone(), text);
            true
        }
        None => false,
    };
    Ok(Json(ResetLink {
        link,
        expires_at,
        mailed,
    }))
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

fn cookie_header(value: String, max_age_seconds: i64, secure: bool) -> AppResult<HeaderValue> {
    let cookie = Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .build();
    HeaderValue::from_str(&cookie.to_string())
        .map_err(|e| AppError::Unavailable(format!("cannot write the session cookie: {e}")))
}

/// The answer to a request that opened a session: who is signed in, and the cookie.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    session: OpenedSession,
) -> AppResult<Response> {
    let memberships = state.storage.memberships(session.user.id).await?;
    let max_age = state.session_lifetime.num_seconds();
    let cookie = cookie_header(session.secret.clone(), max_age, secure(state, headers))?;
    let me = Me {
        user_id: session.user.id,
        email: session.user.email,
        display_name: session.user.display_name,
        support: session.user.support,
        memberships,
        csrf_token: csrf_token(&session.secret),
        session_expires_at: session.expires_at,
    };
    Ok(([(SET_COOKIE, cookie)], Json(me)).into_response())
}

impl From<SignInError> for AppError {
    fn from(error: SignInError) -> AppError {
        match error {
            SignInError::WrongCredentials => AppError::Unauthorized(error.to_string()),
            SignInError::Storage(e) => e.into(),
            refused => AppError::TooManyRequests {
                message: refused.to_string(),
                retry_after_seconds: refused.retry_after_seconds().unwrap_or(1),
            },
        }
    }
}

/// Who is asking, for the per-client limit. Behind a reverse proxy every client shares the
/// proxy's address: the limit then applies to all of them together (which is why it is
/// generous, and configurable).
fn client(state: &AppState, peer: SocketAddr) -> Client {
    Client {
        address: Some(peer.ip()),
        free_failures: state.client_free_failures,
    }
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignInRequest>,
) -> AppResult<Response> {
    let email = normalize_email("email", &request.email)?;
    check_password_length("password", &request.password)?;
    let session = accounts::sign_in(
        state.storage.as_ref(),
        &email,
        &request.password,
        Utc::now(),
        state.session_lifetime,
        client(&state, peer),
    )
    .await?;
    signed_in(&state, &headers, session).await
}

async fn end_sessions(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    only_this_one: bool,
) -> AppResult<Response> {
    let storage = state.storage.as_ref();
    let sessions_ended = accounts::sign_out(
        storage,
        &caller.user,
        caller.session_id,
        !only_this_one,
        Utc::now(),
    )
    .await?;
    let cookie = cookie_header(String::new(), 0, secure(state, headers))?;
    Ok(([(SET_COOKIE, cookie)], Json(SignedOut { sessions_ended })).into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
) -> AppResult<Response> {
    end_sessions(&state, &headers, &caller, true).await
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
) -> AppResult<Response> {
    end_sessions(&state, &headers, &caller, false).await
}

async fn me(caller: Caller) -> Json<Me> {
    Json(caller.me())
}

const UNKNOWN_INVITATION: &str =
    "this invitation link is not valid: ask the store's owner for a new one";

async fn preview_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<InvitationPreview>> {
    let record = state
        .storage
        .invitation(&secret_hash(&token), Utc::now())
        .await?
        .ok_or_else(|| AppError::NotFound(UNKNOWN_INVITATION.into()))?;
    let invitation = record.invitation;
    Ok(Json(InvitationPreview {
        store_name: record.store_name,
        email: invitation.email,
        role: invitation.role,
        expires_at: invitation.expires_at,
        state: invitation.state,
    }))
}

fn not_pending(state: InvitationState) -> AppError {
    AppError::Gone(format!(
        "this invitation is {}: ask the store's owner for a new one",
        match state {
            InvitationState::Accepted => "already accepted",
            InvitationState::Cancelled => "cancelled",
            InvitationState::Expired | InvitationState::Pending => "expired",
        }
    ))
}

async fn accept_invitation(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<AcceptInvitationRequest>,
) -> AppResult<Response> {
    // Checked before anything looks the address up, so that a password fit for a new account
    // and a name are asked of everyone alike: the answer to bad input does not tell the
    // link's holder whether the address has an account.
    check_new_password("password", &request.password)?;
    let display_name = match request.display_name.trim() {
        "" => None,
        name => Some(check_display_name("display_name", name)?),
    };
    let now = Utc::now();
    let storage = state.storage.as_ref();
    let record = storage
        .invitation(&secret_hash(&request.token), now)
        .await?
        .ok_or_else(|| AppError::NotFound(UNKNOWN_INVITATION.into()))?;
    let invitation = record.invitation;
    if invitation.state != InvitationState::Pending {
        return Err(not_pending(invitation.state));
    }
    // An existing account proves itself exactly as at sign-in: the same throttle (shared with
    // sign-in, so the link is no way around it), decoy and audit. Without that, anyone who
    // may invite could guess any account's password, support's included.
    let invitee = match storage.credentials(&invitation.email).await? {
        Some(_) => {
            let user = accounts::authenticate(
                storage,
                &invitation.email,
                &request.password,
                now,
                client(&state, peer),
            )
            .await?;
            Invitee::Existing(user.id)
        }
        None => {
            let slot = accounts::hash_slot().await?;
            let password_hash = accounts::hash_password(&request.password).await?;
            drop(slot);
            Invitee::New(NewUser {
                email: invitation.email.clone(),
                display_name: display_name.unwrap_or_else(|| name_from_email(&invitation.email)),
                password_hash,
                support: false,
            })
        }
    };
    let user = storage
        .accept_invitation(
            invitation.id,
            &invitee,
            now,
            &format!("invited by {}", invitation.invited_by),
        )
        .await?
        .ok_or_else(|| not_pending(InvitationState::Accepted))?;
    let session = accounts::open_session(storage, user, now, state.session_lifetime, None).await?;
    signed_in(&state, &headers, session).await
}
