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
use std::net::IpAddr;
use std::sync::LazyLock;
use tokio::sync::{Semaphore, SemaphorePermit};

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
    audit: Option<&NewAuditEntry>,
) -> StorageResult<OpenedSession> {
    let secret = new_token();
    let expires_at = now + lifetime;
    storage
        .create_session(user.id, &secret_hash(&secret), now, expires_at, audit)
        .await?;
    Ok(OpenedSession {
        user,
        secret,
        expires_at,
    })
}

/// Why a sign-in did not open a session. The refusals say nothing about whether the address
/// has an account.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong email or password")]
    WrongCredentials,
    #[error(
        "too many failed sign-ins for this email address: try again in {retry_after_seconds} s"
    )]
    Throttled { retry_after_seconds: i64 },
    #[error(
        "too many failed sign-ins from your network address: try again in {retry_after_seconds} s"
    )]
    ClientThrottled { retry_after_seconds: i64 },
    /// Every password check slot is taken: the server refuses rather than queue without end.
    #[error(
        "the server is checking too many passwords at once: try again in {retry_after_seconds} s"
    )]
    Busy { retry_after_seconds: i64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl SignInError {
    pub fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            SignInError::Throttled {
                retry_after_seconds,
            }
            | SignInError::ClientThrottled {
                retry_after_seconds,
            }
            | SignInError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            SignInError::WrongCredentials | SignInError::Storage(_) => None,
        }
    }
}

/// Where an attempt comes from, and how many failures that address gets before it is slowed
/// down (`None`: not known, as for the `user` commands).
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub address: Option<IpAddr>,
    pub free_failures: u32,
}

/// Argon2 costs 19 MiB and tens of milliseconds per check: an unbounded number at once would
/// exhaust memory and starve every other request. Beyond these, attempts wait a little, then
/// are refused with Retry-After.
static HASH_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new((cores * 2).max(4))
});
const HASH_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A slot to hash or verify a password in, or `Busy`.
pub async fn hash_slot() -> Result<SemaphorePermit<'static>, SignInError> {
    match tokio::time::timeout(HASH_SLOT_WAIT, HASH_SLOTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(SignInError::Busy {
            retry_after_seconds: 1,
        }),
    }
}

/// Rounded up: "try again in 30 s" must not be a few milliseconds too early.
fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    ((until - now).num_milliseconds() + 999) / 1000
}

/// Counts an attempt for `key` before its password is checked (see
/// [`auth::admit_attempt`]): Ok with the failures it makes if it fails, or when the key opens
/// again.
async fn admit(
    storage: &dyn Storage,
    key: &str,
    free: u32,
    now: DateTime<Utc>,
) -> StorageResult<Result<u32, DateTime<Utc>>> {
    let forget_before = now - Duration::minutes(auth::FAILURE_WINDOW_MINUTES);
    for _ in 0..ADMISSION_TRIES {
        let previous = storage.sign_in_failures(key).await?;
        let failures = match auth::admit_attempt(previous, free, now) {
            Ok(failures) => failures,
            Err(until) => return Ok(Err(until)),
        };
        if storage
            .count_sign_in_attempt(key, previous, failures, now, forget_before)
            .await?
        {
            return Ok(Ok(failures));
        }
    }
    // Lost the race every time: that many attempts at once for one key is not a person.
    Ok(Err(now + Duration::seconds(1)))
}
const ADMISSION_TRIES: usize = 8;

fn client_key(address: IpAddr) -> String {
    secret_hash(&format!("client:{address}"))
}

/// Proves who someone is with their email (already shape-checked) and password, the one way
/// sign-in and invitation acceptance share: the client address and the email address are each
/// counted before the password is hashed, known addresses and unknown ones alike (against a
/// decoy hash), in a bounded number of hashing slots; every failure and every refusal of an
/// address goes to the audit log.
pub async fn authenticate(
    storage: &dyn Storage,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
    client: Client,
) -> Result<User, SignInError> {
    let client_key = client.address.map(client_key);
    if let Some(key) = &client_key {
        if let Err(until) = admit(storage, key, client.free_failures, now).await? {
            // Not audited: a script hammering from one address would fill the log.
            tracing::warn!(client = ?client.address, "sign-in refused to a client address");
            return Err(SignInError::ClientThrottled {
                retry_after_seconds: seconds_until(until, now),
            });
        }
    }
    let email_key = secret_hash(email);
    let account = storage.credentials(email).await?;
    let account_id = match &account {
        Some((user, _)) => Some(user.id),
        None => storage.account_id(email).await?,
    };
    let subject = Some((account_id, email.to_string()));
    let audit = |event: AuditEvent, detail: String| NewAuditEntry {
        at: now,
        event,
        store_id: None,
        actor: None,
        subject: subject.clone(),
        role: None,
        previous_role: None,
        detail,
        register_id: None,
    };
    let failures = match admit(storage, &email_key, auth::FREE_FAILURES, now).await? {
        Ok(failures) => failures,
        Err(until) => {
            storage
                .append_audit(&audit(
                    AuditEvent::SignInThrottled,
                    format!("closed until {until}"),
                ))
                .await?;
            return Err(SignInError::Throttled {
                retry_after_seconds: seconds_until(until, now),
            });
        }
    };
    let slot = match hash_slot().await {
        Ok(slot) => slot,
        Err(busy) => {
            // No password was checked: the attempt does not count.
            storage.give_back_sign_in_attempt(&email_key).await?;
            if let Some(key) = &client_key {
                storage.give_back_sign_in_attempt(key).await?;
            }
            return Err(busy);
        }
    };
    let stored_hash = account
        .as_ref()
        .map(|(_, hash)| hash.as_str())
        .unwrap_or(DECOY_HASH.as_str());
    let matches = verify_password(password, stored_hash).await;
    drop(slot);
    let Some((user, _)) = account.filter(|_| matches) else {
        storage
            .append_audit(&audit(
                AuditEvent::SignInFailed,
                format!("failed attempt {failures} in a row"),
            ))
            .await?;
        return Err(SignInError::WrongCredentials);
    };
    storage.clear_sign_in_failures(&email_key).await?;
    if let Some(key) = &client_key {
        storage.give_back_sign_in_attempt(key).await?;
    }
    Ok(user)
}

/// Checks credentials (already shape-checked) with [`authenticate`] and opens a session.
pub async fn sign_in(
    storage: &dyn Storage,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
    lifetime: Duration,
    client: Client,
) -> Result<OpenedSession, SignInError> {
    let user = authenticate(storage, email, password, now, client).await?;
    let who = (user.id, user.email.clone());
    let audit = NewAuditEntry {
        at: now,
        event: AuditEvent::SignIn,
        store_id: None,
        actor: Some(who.clone()),
        subject: Some((Some(who.0), who.1)),
        role: None,
        previous_role: None,
        detail: String::new(),
        register_id: None,
    };
    Ok(open_session(storage, user, now, lifetime, Some(&audit)).await?)
}

/// Ends the person's session `session_id`, or `everywhere` all of their sessions, with the
/// sign-out's audit entry in the same transaction; returns how many ended.
pub async fn sign_out(
    storage: &dyn Storage,
    user: &User,
    session_id: i64,
    everywhere: bool,
    now: DateTime<Utc>,
) -> StorageResult<u64> {
    let (session, reason) = if everywhere {
        (None, "signed out everywhere")
    } else {
        (Some(session_id), "signed out")
    };
    let who = (user.id, user.email.clone());
    let audit = |sessions_ended: u64| NewAuditEntry {
        at: now,
        event: AuditEvent::SignOut,
        store_id: None,
        actor: Some(who.clone()),
        subject: Some((Some(who.0), who.1.clone())),
        role: None,
        previous_role: None,
        detail: format!("{reason} ({sessions_ended} session(s))"),
        register_id: None,
    };
    storage
        .end_sessions(user.id, session, now, reason, &audit)
        .await
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
        .create_user(
            &NewUser {
                email: email.to_string(),
                display_name: display_name.to_string(),
                password_hash: hash_password(password).await?,
                support,
            },
            None,
        )
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
