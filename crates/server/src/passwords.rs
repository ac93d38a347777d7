//! Passwords after sign-up: a signed-in person changes theirs (the current one required, their
//! other sessions ended); a forgotten one is replaced from a one-time link, valid an hour,
//! e-mailed when a mail server is set, made by support or the admin command otherwise. Asking
//! for a link never tells whether the address has an account.

use crate::accounts::{authenticate, hash_password, Client, SignInError};
use crate::mail::Mailer;
use crate::secret::{new_token, secret_hash};
use crate::storage::accounts::{NewAuditEntry, User};
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Duration, Utc};
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::{
    check_new_password, normalize_email, AuditEvent, RESET_LINKS_PER_HOUR, RESET_LINK_MINUTES,
};
use multicaisse_core::format::Lang;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("{}: {}", .0.parameter, .0.message)]
    Invalid(ParamError),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(
        "this reset link is not valid (already used, expired, or never made): ask for a new one"
    )]
    LinkGone,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<ParamError> for PasswordError {
    fn from(e: ParamError) -> Self {
        PasswordError::Invalid(e)
    }
}

fn entry(
    event: AuditEvent,
    user: &User,
    actor: Option<&User>,
    at: DateTime<Utc>,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        event,
        store_id: None,
        actor: actor.map(|a| (a.id, a.email.clone())),
        subject: Some((Some(user.id), user.email.clone())),
        role: None,
        previous_role: None,
        detail,
        register_id: None,
    }
}

/// A new password for `user`, signed in with session `session_id`: the current password is
/// checked as a sign-in is (throttled, a failure audited); the others sessions end.
pub async fn change(
    storage: &dyn Storage,
    user: &User,
    session_id: i64,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
    client: Client,
) -> Result<u64, PasswordError> {
    check_new_password("new_password", new)?;
    authenticate(storage, &user.email, current, now, client).await?;
    let hash = hash_password(new).await?;
    let audit = entry(
        AuditEvent::PasswordChanged,
        user,
        Some(user),
        now,
        "by its owner".into(),
    );
    Ok(storage
        .change_password(user.id, &hash, session_id, now, &audit)
        .await?)
}

/// A reset link made for `email`'s account, if it is live and has not had its hour's links:
/// the link and when it expires. `actor` is support when support made it.
pub async fn issue_link(
    storage: &dyn Storage,
    email: &str,
    links_to: &str,
    actor: Option<&User>,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, String, DateTime<Utc>)>, PasswordError> {
    let email = normalize_email("email", email)?;
    let Some((user, _)) = storage.credentials(&email).await? else {
        return Ok(None);
    };
    let token = new_token();
    let expires_at = now + Duration::minutes(RESET_LINK_MINUTES);
    let audit = entry(
        AuditEvent::PasswordResetIssued,
        &user,
        actor,
        now,
        format!(
            "{why}; valid until {}",
            expires_at.format("%Y-%m-%d %H:%M UTC")
        ),
    );
    let made = storage
        .create_password_reset(
            user.id,
            &secret_hash(&token),
            now,
            expires_at,
            now - Duration::hours(1),
            RESET_LINKS_PER_HOUR,
            &audit,
        )
        .await?;
    if !made {
        return Ok(None);
    }
    let link = format!("{}/reinitialiser/{token}", links_to.trim_end_matches('/'));
    Ok(Some((user, link, expires_at)))
}

/// Someone forgot their password: a link is mailed if the address has a live account (and
/// a mail server is set). The caller answers the same either way.
pub async fn request_link(
    storage: &dyn Storage,
    mailer: Option<&Arc<Mailer>>,
    email: &str,
    lang: Lang,
    links_to: &str,
    now: DateTime<Utc>,
) -> Result<(), PasswordError> {
    let Some(mailer) = mailer else {
        // Without a mail server a link would reach no one: support makes one instead.
        normalize_email("email", email)?;
        return Ok(());
    };
    if let Some((user, link, _)) = issue_link(
        storage,
        email,
        links_to,
        None,
        "asked from the sign-in page",
        now,
    )
    .await?
    {
        let text = multicaisse_core::mail::password_reset(
            lang,
            &user.display_name,
            &link,
            RESET_LINK_MINUTES,
        );
        mailer.send_later(user.email.clone(), text);
    }
    Ok(())
}

/// Spends a reset link: the new password, every session ended.
pub async fn reset(
    storage: &dyn Storage,
    token: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<User, PasswordError> {
    check_new_password("new_password", new)?;
    let hash = hash_password(new).await?;
    let audit = move |user: &User| {
        entry(
            AuditEvent::PasswordReset,
            user,
            Some(user),
            now,
            "from a reset link".into(),
        )
    };
    storage
        .reset_password(&secret_hash(token), &hash, now, &audit)
        .await?
        .ok_or(PasswordError::LinkGone)
}
