//! Accounts on the server side: password hashing, sign-in with its throttle, sessions and
//! their CSRF tokens. The HTTP handlers stay thin around these.

use crate::secret::{new_token, secret_hash};
use crate::storage::accounts::{NewAuditEntry, NewUser, User};
use crate::storage::{Storage, StorageError, StorageResult};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use multicaisse_core::auth::{self, AuditEvent};
use std::sync::LazyLock;

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's first choice).
/// Hashing is deliberately slow, so it runs off the async workers.
pub async fn hash_password(password: &str) -> StorageResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| StorageError::Corrupt(format!("cannot hash a password: {e}")))
    })
    .await
    .map_err(|e| StorageError::Corrupt(format!("password hashing stopped: {e}")))?
}

/// Whether `password` matches a stored PHC string. An unreadable hash matches nothing.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Verified against when the email is unknown, so that an unknown address costs the same time
/// as a wrong password.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(new_token().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// The CSRF token of a session: derived from the cookie's secret, so the server stores
/// nothing more and a page on another site, which cannot read the cookie, cannot forge it.
pub fn csrf_token(session_secret: &str) -> String {
    secret_hash(&format!("csrf:{session_secret}"))
}

/// A session just opened: the secret goes in the cookie, only its hash in the database.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub user: User,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn open_session(
    storage: &dyn Storage,
    user: User,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> StorageResult<OpenedSession> {
    let secret = new_token();
    let expires_at = now + lifetime;
    storage
        .create_session(user.id, &secret_hash(&secret), now, expires_at)
        .await?;
    Ok(OpenedSession {
        user,
        secret,
        expires_at,
    })
}

/// Why a sign-in did not open a session. The two refusals say nothing about whether the
/// address has an account.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong email or password")]
    WrongCredentials,
    #[error(
        "too many failed sign-ins for this email address: try again in {retry_after_seconds} s"
    )]
    Throttled { retry_after_seconds: i64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Checks credentials (already shape-checked), counting failures per address whether it
/// exists or not, and opens a session. Every outcome goes to the audit log.
pub async fn sign_in(
    storage: &dyn Storage,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<OpenedSession, SignInError> {
    let email_key = secret_hash(email);
    let account = storage.credentials(email).await?;
    let subject = Some((account.as_ref().map(|(user, _)| user.id), email.to_string()));
    let audit = |event: AuditEvent, detail: String| NewAuditEntry {
        at: now,
        event,
        store_id: None,
        actor: None,
        subject: subject.clone(),
        role: None,
        previous_role: None,
        detail,
    };
    if let Some((failures, last)) = storage.sign_in_failures(&email_key).await? {
        if let Some(until) = auth::locked_until(failures, last, now) {
            storage
                .append_audit(&audit(
                    AuditEvent::SignInThrottled,
                    format!("{failures} failed attempts; closed until {until}"),
                ))
                .await?;
            // Rounded up: "try again in 30 s" must not be a few milliseconds too early.
            let wait_ms = (until - now).num_milliseconds();
            return Err(SignInError::Throttled {
                retry_after_seconds: (wait_ms + 999) / 1000,
            });
        }
    }
    let stored_hash = account
        .as_ref()
        .map(|(_, hash)| hash.as_str())
        .unwrap_or(DECOY_HASH.as_str());
    let matches = verify_password(password, stored_hash).await;
    let Some((user, _)) = account.filter(|_| matches) else {
        let forget_before = now - Duration::minutes(auth::FAILURE_WINDOW_MINUTES);
        let failures = storage
            .record_sign_in_failure(&email_key, now, forget_before)
            .await?;
        storage
            .append_audit(&audit(
                AuditEvent::SignInFailed,
                format!("failed attempt {failures} in a row"),
            ))
            .await?;
        return Err(SignInError::WrongCredentials);
    };
    storage.clear_sign_in_failures(&email_key).await?;
    let session = open_session(storage, user, now, lifetime).await?;
    storage
        .append_audit(&NewAuditEntry {
            actor: Some((session.user.id, session.user.email.clone())),
            ..audit(AuditEvent::SignIn, String::new())
        })
        .await?;
    Ok(session)
}

/// Creates an account with a hashed password (demo data, tests, and the `user` commands).
pub async fn create_user(
    storage: &dyn Storage,
    email: &str,
    display_name: &str,
    password: &str,
    support: bool,
) -> StorageResult<User> {
    storage
        .create_user(&NewUser {
            email: email.to_string(),
            display_name: display_name.to_string(),
            password_hash: hash_password(password).await?,
            support,
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_salted_argon2id_and_verify() {
        let first = hash_password("correct horse battery").await.unwrap();
        let second = hash_password("correct horse battery").await.unwrap();
        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "a fresh salt each time");
        assert!(verify_password("correct horse battery", &first).await);
        assert!(!verify_password("correct horse batterie", &first).await);
        assert!(!verify_password("anything", "not a hash").await);
        assert!(!verify_password("anything", &DECOY_HASH).await);
    }

    #[test]
    fn csrf_tokens_depend_on_the_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a"), csrf_token("a"));
        assert_ne!(csrf_token("a"), secret_hash("a"));
    }
}
