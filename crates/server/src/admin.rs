//! What the operator does from the command line (`multicaisse admin`): support accounts,
//! shops, and accounts that must no longer sign in. Each change and its audit entry are
//! written in one transaction; the rules (addresses, passwords, SIRET) are core's.

use crate::accounts::hash_password;
use crate::storage::accounts::{AccountSummary, NewAuditEntry, NewUser, User};
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Utc};
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::{check_display_name, check_new_password, normalize_email, AuditEvent};
use multicaisse_core::identity::ShopInput;
use multicaisse_core::store::{Register, Store};

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

fn entry(event: AuditEvent, at: DateTime<Utc>, detail: String) -> NewAuditEntry {
    NewAuditEntry {
        at,
        event,
        store_id: None,
        actor: None,
        subject: None,
        role: None,
        previous_role: None,
        detail,
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

/// A shop and its principal register, ready to pair.
pub async fn create_shop(
    storage: &dyn Storage,
    input: &ShopInput<'_>,
    register_label: &str,
    operator: &Operator,
    now: DateTime<Utc>,
) -> Result<(Store, Register), AdminError> {
    let shop = input.check()?;
    multicaisse_core::text::check_label("register_label", register_label)?;
    let register_label = register_label.trim();
    if register_label.is_empty() {
        return Err(ParamError::new("register_label", "is empty").into());
    }
    let said = operator.said();
    let audit = move |store: &Store, register: &Register| NewAuditEntry {
        store_id: Some(store.id),
        ..entry(
            AuditEvent::StoreCreated,
            now,
            format!(
                "SIRET {}, principal register {} ({}), {said}",
                store.siret, register.number, register.label
            ),
        )
    };
    Ok(storage
        .create_store(&shop, register_label, now, &audit)
        .await?)
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
