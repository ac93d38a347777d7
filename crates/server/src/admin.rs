//! What the operator does from the command line (`multicaisse admin`): support accounts
//! and accounts that must no longer sign in. Each change and its audit entry are
//! written in one transaction; the rules (addresses, passwords) are core's. Shops are
//! opened by `shops`, which the app's support pages share.

use crate::accounts::hash_password;
use crate::storage::accounts::{AccountSummary, NewAuditEntry, NewUser, User};
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Utc};
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::{check_display_name, check_new_password, normalize_email, AuditEvent};

/// Who runs the command: the operating-system account, kept in each audit entry's detail
/// (the entry has no dashboard account to name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator(pub String);

impl Operator {
    /// `$USER` (or `$LOGNAME`) of the shell that runs the command.
    pub fn from_environment() -> Operator {
        let name = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Operator(name)
    }

    pub(crate) fn said(&self) -> String {
        format!("by the admin command, run by the system user {}", self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{}: {}", .0.parameter, .0.message)]
    Invalid(ParamError),
    #[error("no account has the address {0}")]
    NoSuchAccount(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Storage(StorageError),
}

impl From<ParamError> for AdminError {
    fn from(e: ParamError) -> Self {
        AdminError::Invalid(e)
    }
}

impl From<StorageError> for AdminError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(said) => AdminError::Conflict(said),
            other => AdminError::Storage(other),
        }
    }
}

pub(crate) fn entry(event: AuditEvent, at: DateTime<Utc>, detail: String) -> NewAuditEntry {
    NewAuditEntry {
        at,
        event,
        store_id: None,
        actor: None,
        subject: None,
        role: None,
        previous_role: None,
        detail,
        register_id: None,
    }
}

/// A support account, with the password rules of sign-up.
pub async fn create_support_account(
    storage: &dyn Storage,
    email: &str,
    name: &str,
    password: &str,
    operator: &Operator,
    now: DateTime<Utc>,
) -> Result<User, AdminError> {
    let email = normalize_email("email", email)?;
    let display_name = check_display_name("name", name)?;
    check_new_password("password", password)?;
    let new = NewUser {
        email,
        display_name,
        password_hash: hash_password(password).await?,
        support: true,
    };
    let said = operator.said();
    let audit = move |user: &User| NewAuditEntry {
        subject: Some((Some(user.id), user.email.clone())),
        ..entry(AuditEvent::AccountCreated, now, said.clone())
    };
    Ok(storage.create_user(&new, Some(&audit)).await?)
}

pub async fn accounts(storage: &dyn Storage) -> Result<Vec<AccountSummary>, AdminError> {
    Ok(storage.accounts().await?)
}

/// Disables an account: it signs in no more and its sessions end. True when it was live.
pub async fn disable_account(
    storage: &dyn Storage,
    email: &str,
    operator: &Operator,
    now: DateTime<Utc>,
) -> Result<(User, bool), AdminError> {
    let email = normalize_email("email", email)?;
    let said = operator.said();
    let audit = move |user: &User| NewAuditEntry {
        subject: Some((Some(user.id), user.email.clone())),
        ..entry(AuditEvent::AccountDisabled, now, said.clone())
    };
    storage
        .disable_user(&email, now, &audit)
        .await?
        .ok_or(AdminError::NoSuchAccount(email))
}
