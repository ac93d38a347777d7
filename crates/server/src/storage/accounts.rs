//! Persistence of accounts: users, their sessions and sign-in failures, and the types the
//! other account modules share (memberships, invitations, the audit log). One SQL body for
//! both backends, like every aggregate of the storage.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use multicaisse_core::auth::{AuditEntry, AuditEvent, Invitation, Membership, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Already normalized (`core::auth::normalize_email`).
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub support: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub support: bool,
}

/// The audit entry of a change to an account, worded once the account is known.
pub type UserAudit = dyn Fn(&User) -> NewAuditEntry + Send + Sync;

/// An account as the admin command lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub user: User,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// `Cave des Canuts (owner)`, by store name.
    pub stores: Vec<(String, Role)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub user: User,
    /// The person's live memberships, by store name.
    pub memberships: Vec<Membership>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub store_id: i64,
    pub email: String,
    pub role: Role,
    pub token_hash: String,
    pub invited_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An invitation found by its link, with its store's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    pub invitation: Invitation,
    pub store_name: String,
}

/// Who accepts an invitation: a new account, or an existing one whose password was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    New(NewUser),
    Existing(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub event: AuditEvent,
    pub store_id: Option<i64>,
    pub actor: Option<(i64, String)>,
    /// The person concerned; for a failed sign-in on an unknown address, only the address.
    pub subject: Option<(Option<i64>, String)>,
    pub role: Option<Role>,
    pub previous_role: Option<Role>,
    pub detail: String,
    /// The register it concerns, when it concerns one.
    pub register_id: Option<i64>,
}

impl NewAuditEntry {
    /// The same entry, naming the register it concerns.
    pub fn on_register(self, register_id: i64) -> NewAuditEntry {
        NewAuditEntry {
            register_id: Some(register_id),
            ..self
        }
    }

    /// `actor`'s decision in a store, concerning no one in particular (add a subject or
    /// roles with struct update syntax).
    pub fn by(
        actor: &User,
        event: AuditEvent,
        store_id: i64,
        at: DateTime<Utc>,
        detail: String,
    ) -> NewAuditEntry {
        NewAuditEntry {
            at,
            event,
            store_id: Some(store_id),
            actor: Some((actor.id, actor.email.clone())),
            subject: None,
            role: None,
            previous_role: None,
            detail,
            register_id: None,
        }
    }
}

/// Which audit entries to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// A store's: its events, and the sign-ins of its current members.
    Store(i64),
    /// Everything (support staff).
    All,
}

#[async_trait]
pub trait Accounts: Send + Sync {
    /// Fails with a conflict when the email is taken; writes `audit`'s entry for the new
    /// account in the same transaction.
    async fn create_user(&self, user: &NewUser, audit: Option<&UserAudit>) -> StorageResult<User>;
    /// Makes a reset link for a live account, with `audit`'s entry, unless `limit` links were
    /// made for it since `since` (false then, and nothing written).
    #[allow(clippy::too_many_arguments)]
    async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        since: DateTime<Utc>,
        limit: u32,
        audit: &NewAuditEntry,
    ) -> StorageResult<bool>;
    /// Spends a live reset link: the new password hash, every session of the account ended,
    /// and `audit`'s entry, in one transaction. None when the link is unknown, spent or expired.
    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &UserAudit,
    ) -> StorageResult<Option<User>>;
    /// A signed-in person's new password hash; their sessions but `keep_session` end, with
    /// `audit`'s entry, in one transaction. Returns how many ended.
    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: i64,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<u64>;
    /// Every account, by email, with the stores it is a live member of.
    async fn accounts(&self) -> StorageResult<Vec<AccountSummary>>;
    /// Disables an account and ends its sessions, with `audit`'s entry, in one transaction.
    /// None when no account has this email; the account as it was when already disabled.
    async fn disable_user(
        &self,
        email: &str,
        now: DateTime<Utc>,
        audit: &UserAudit,
    ) -> StorageResult<Option<(User, bool)>>;
    /// The id of the account with this address, disabled or not: a failed sign-in on a
    /// disabled account is still that account's, and its audit is kept.
    async fn account_id(&self, email: &str) -> StorageResult<Option<i64>>;
    /// A user and their password hash, by normalized email.
    async fn credentials(&self, email: &str) -> StorageResult<Option<(User, String)>>;
    /// The stores a user is a live member of, by name.
    async fn memberships(&self, user_id: i64) -> StorageResult<Vec<Membership>>;
    /// Opens a session, with its audit entry (a sign-in) in the same transaction.
    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: Option<&NewAuditEntry>,
    ) -> StorageResult<i64>;
    /// A session by its secret's hash, with its person and their memberships (one query: it
    /// runs before every request of the dashboard).
    async fn session(&self, token_hash: &str) -> StorageResult<Option<SessionRecord>>;
    /// Ends one session of a user, or all of them (`session_id` None), and writes the audit
    /// entry `audit` words from how many ended, in the same transaction; returns how many.
    async fn end_sessions(
        &self,
        user_id: i64,
        session_id: Option<i64>,
        now: DateTime<Utc>,
        reason: &str,
        audit: &(dyn Fn(u64) -> NewAuditEntry + Send + Sync),
    ) -> StorageResult<u64>;

    /// Failed sign-ins for an address: (count, last) if any.
    async fn sign_in_failures(
        &self,
        email_key: &str,
    ) -> StorageResult<Option<(u32, DateTime<Utc>)>>;
    /// Counts one attempt for a key, storing `failures` and `now`, only if its record is still
    /// `expected` (what the caller read): of concurrent attempts that read alike, exactly one
    /// is counted and the others read again, so none slips under the limit. A new key also
    /// prunes the records older than `forget_before`, which keeps the failures of unknown
    /// addresses bounded. False when the record changed meanwhile.
    async fn count_sign_in_attempt(
        &self,
        key: &str,
        expected: Option<(u32, DateTime<Utc>)>,
        failures: u32,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Uncounts one attempt that turned out not to be a failure (a client's right password).
    async fn give_back_sign_in_attempt(&self, key: &str) -> StorageResult<()>;
    async fn clear_sign_in_failures(&self, email_key: &str) -> StorageResult<()>;
}

pub(super) const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.is_support";

pub(super) type UserRow = (i64, String, String, bool);

pub(super) fn user((id, email, display_name, support): UserRow) -> User {
    User {
        id,
        email,
        display_name,
        support,
    }
}

pub(super) fn role(code: &str) -> StorageResult<Role> {
    Role::parse(code).ok_or_else(|| super::StorageError::Corrupt(format!("unknown role `{code}`")))
}

/// A membership row: the store's id, name, time zone and fiscal month, and the role.
pub(super) fn membership(
    store_id: i64,
    store_name: String,
    role_code: &str,
    time_zone: &str,
    fiscal_year_end_month: i32,
) -> StorageResult<Membership> {
    Ok(Membership {
        store_id,
        store_name,
        role: role(role_code)?,
        time_zone: time_zone.parse().map_err(|_| {
            super::StorageError::Corrupt(format!("store {store_id}: time zone `{time_zone}`"))
        })?,
        fiscal_year_end_month: u8::try_from(fiscal_year_end_month)
            .map_err(|_| super::StorageError::Corrupt(format!("store {store_id}: fiscal month")))?,
    })
}

pub(super) const INVITATION_SELECT: &str = "SELECT i.id, i.store_id, i.email, i.role, \
     u.email AS invited_by, i.created_at, i.expires_at, i.accepted_at, i.cancelled_at \
     FROM invitations i JOIN users u ON u.id = i.invited_by";

#[derive(sqlx::FromRow)]
pub(super) struct InvitationRow {
    id: i64,
    store_id: i64,
    email: String,
    role: String,
    invited_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

pub(super) fn invitation(row: InvitationRow, now: DateTime<Utc>) -> StorageResult<Invitation> {
    Ok(Invitation {
        id: row.id,
        store_id: row.store_id,
        email: row.email,
        role: role(&row.role)?,
        invited_by: row.invited_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        state: multicaisse_core::auth::InvitationState::of(
            row.accepted_at,
            row.cancelled_at,
            row.expires_at,
            now,
        ),
        link: None,
    })
}

/// An entry with the names its people bear now and the register it concerns.
pub(super) const AUDIT_SELECT: &str = "SELECT a.id, a.at, a.event, a.store_id, a.actor_email, \
     a.subject_email, a.role, a.previous_role, a.detail, actor.display_name AS actor_name, \
     subject.display_name AS subject_name, CAST(r.number AS BIGINT) AS register_number, \
     r.label AS register_label FROM audit_log a \
     LEFT JOIN users actor ON actor.id = a.actor_id \
     LEFT JOIN users subject ON subject.id = a.subject_id \
     LEFT JOIN registers r ON r.id = a.register_id";

/// The condition that keeps a topic's events, for an `AND` after the scope's; true for none.
/// The codes are the core's own, never what a request said.
pub(super) fn audit_topic_filter(topic: Option<multicaisse_core::auth::AuditTopic>) -> String {
    match topic {
        None => "TRUE".into(),
        Some(topic) => {
            let codes: Vec<String> = topic
                .event_codes()
                .into_iter()
                .map(|code| format!("'{code}'"))
                .collect();
            format!("a.event IN ({})", codes.join(", "))
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    event: String,
    store_id: Option<i64>,
    actor_email: Option<String>,
    subject_email: Option<String>,
    role: Option<String>,
    previous_role: Option<String>,
    detail: String,
    actor_name: Option<String>,
    subject_name: Option<String>,
    register_number: Option<i64>,
    register_label: Option<String>,
}

pub(super) fn audit_entry(row: AuditRow) -> StorageResult<AuditEntry> {
    let optional_role = |code: Option<String>| code.as_deref().map(role).transpose();
    let id = row.id;
    Ok(AuditEntry {
        id,
        at: row.at,
        event: AuditEvent::parse(&row.event).ok_or_else(|| {
            super::StorageError::Corrupt(format!("audit entry {id}: unknown event `{}`", row.event))
        })?,
        store_id: row.store_id,
        actor_email: row.actor_email,
        subject_email: row.subject_email,
        role: optional_role(row.role)?,
        previous_role: optional_role(row.previous_role)?,
        detail: row.detail,
        actor_name: row.actor_name,
        subject_name: row.subject_name,
        register_number: row
            .register_number
            .map(|n| {
                u32::try_from(n).map_err(|_| {
                    super::StorageError::Corrupt(format!("audit entry {id}: register number {n}"))
                })
            })
            .transpose()?,
        register_label: row.register_label,
    })
}

/// A session with its person, and one of their memberships per row (none: one row of nulls).
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    id: i64,
    expires_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    ended_reason: Option<String>,
    user_id: i64,
    email: String,
    display_name: String,
    is_support: bool,
    store_id: Option<i64>,
    store_name: Option<String>,
    role: Option<String>,
    time_zone: Option<String>,
    fiscal_year_end_month: Option<i32>,
}

pub(super) const SESSION_SELECT: &str = "SELECT s.id, s.expires_at, s.ended_at, s.ended_reason, \
     u.id AS user_id, u.email, u.display_name, u.is_support, m.store_id, st.name AS store_name, \
     m.role, st.time_zone, st.fiscal_year_end_month \
     FROM sessions s \
     JOIN users u ON u.id = s.user_id \
     LEFT JOIN memberships m ON m.user_id = u.id AND m.revoked_at IS NULL \
     LEFT JOIN stores st ON st.id = m.store_id \
     WHERE s.token_hash = $1 AND u.disabled_at IS NULL ORDER BY st.name, st.id";

/// The session the rows describe, if any, with every membership they carry.
pub(super) fn session_record(rows: Vec<SessionRow>) -> StorageResult<Option<SessionRecord>> {
    let mut memberships = Vec::new();
    for row in &rows {
        if let (Some(store_id), Some(store_name), Some(role), Some(zone), Some(fiscal)) = (
            row.store_id,
            &row.store_name,
            &row.role,
            &row.time_zone,
            row.fiscal_year_end_month,
        ) {
            memberships.push(membership(
                store_id,
                store_name.clone(),
                role,
                zone,
                fiscal,
            )?);
        }
    }
    Ok(rows.into_iter().next().map(|row| SessionRecord {
        id: row.id,
        user: user((row.user_id, row.email, row.display_name, row.is_support)),
        memberships,
        expires_at: row.expires_at,
        ended_at: row.ended_at,
        ended_reason: row.ended_reason,
    }))
}

/// Implements [`Accounts`] for a struct with a `pool: sqlx::Pool<$db>` field, its
/// `write_tx` and its `ROW_LOCK`.
macro_rules! impl_accounts {
    ($storage:ty, $db:ty) => {
        /// Ends a person's live sessions, all but `keep`, inside the caller's transaction;
        /// returns how many ended.
        async fn end_live_sessions(
            tx: &mut sqlx::Transaction<'static, $db>,
            user_id: i64,
            keep: Option<i64>,
            now: chrono::DateTime<chrono::Utc>,
            reason: &str,
        ) -> $crate::storage::StorageResult<u64> {
            // Session ids start at 1: keeping 0 keeps none.
            Ok(sqlx::query(
                "UPDATE sessions SET ended_at = $1, ended_reason = $2 \
                 WHERE user_id = $3 AND id <> $4 AND ended_at IS NULL",
            )
            .bind(now)
            .bind(reason)
            .bind(user_id)
            .bind(keep.unwrap_or(0))
            .execute(&mut **tx)
            .await?
            .rows_affected())
        }

        #[async_trait::async_trait]
        impl $crate::storage::accounts::Accounts for $storage {
            async fn create_user(
                &self,
                user: &$crate::storage::accounts::NewUser,
                audit: Option<&$crate::storage::accounts::UserAudit>,
            ) -> $crate::storage::StorageResult<$crate::storage::accounts::User> {
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (email, display_name, password_hash, is_support, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&user.email)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.support)
                .bind(chrono::Utc::now())
                .fetch_one(&mut *tx)
                .await?;
                let created = $crate::storage::accounts::User {
                    id,
                    email: user.email.clone(),
                    display_name: user.display_name.clone(),
                    support: user.support,
                };
                if let Some(audit) = audit {
                    insert_audit(&mut tx, &audit(&created)).await?;
                }
                tx.commit().await?;
                Ok(created)
            }

            async fn create_password_reset(
                &self,
                user_id: i64,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
                expires_at: chrono::DateTime<chrono::Utc>,
                since: chrono::DateTime<chrono::Utc>,
                limit: u32,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<bool> {
                let mut tx = self.write_tx().await?;
                // The account's row, locked: two requests at once count each other.
                let live: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT id FROM users WHERE id = $1 AND disabled_at IS NULL{}",
                    Self::ROW_LOCK
                ))
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if live.is_none() {
                    return Ok(false);
                }
                let made: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at >= $2",
                )
                .bind(user_id)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
                if made >= i64::from(limit) {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(user_id)
                .bind(token_hash)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn reset_password(
                &self,
                token_hash: &str,
                password_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::UserAudit,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::accounts::User>> {
                let mut tx = self.write_tx().await?;
                let row: Option<(i64, i64)> = sqlx::query_as(&format!(
                    "SELECT r.id, r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id \
                     WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 \
                     AND u.disabled_at IS NULL{}",
                    Self::ROW_LOCK
                ))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((reset_id, user_id)) = row else {
                    return Ok(None);
                };
                // Spent only if still unspent: of two uses at once, one wins.
                let spent = sqlx::query(
                    "UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                )
                .bind(now)
                .bind(reset_id)
                .execute(&mut *tx)
                .await?;
                if spent.rows_affected() != 1 {
                    return Ok(None);
                }
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                end_live_sessions(&mut tx, user_id, None, now, "password reset").await?;
                let row: (i64, String, String, bool) = sqlx::query_as(&format!(
                    "SELECT {} FROM users u WHERE u.id = $1",
                    $crate::storage::accounts::USER_COLUMNS
                ))
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
                let user = $crate::storage::accounts::user(row);
                insert_audit(&mut tx, &audit(&user)).await?;
                tx.commit().await?;
                Ok(Some(user))
            }

            async fn change_password(
                &self,
                user_id: i64,
                password_hash: &str,
                keep_session: i64,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<u64> {
                let mut tx = self.write_tx().await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                let ended =
                    end_live_sessions(&mut tx, user_id, Some(keep_session), now, "password changed")
                        .await?;
                let mut entry = audit.clone();
                entry.detail = format!("{} ({ended} other session(s) ended)", entry.detail);
                insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(ended)
            }

            async fn accounts(
                &self,
            ) -> $crate::storage::StorageResult<Vec<$crate::storage::accounts::AccountSummary>> {
                let rows: Vec<(
                    i64,
                    String,
                    String,
                    bool,
                    chrono::DateTime<chrono::Utc>,
                    Option<chrono::DateTime<chrono::Utc>>,
                    Option<String>,
                    Option<String>,
                )> = sqlx::query_as(
                    "SELECT u.id, u.email, u.display_name, u.is_support, u.created_at, \
                     u.disabled_at, s.name, m.role FROM users u \
                     LEFT JOIN memberships m ON m.user_id = u.id AND m.revoked_at IS NULL \
                     LEFT JOIN stores s ON s.id = m.store_id ORDER BY u.email, s.name, s.id",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut accounts: Vec<$crate::storage::accounts::AccountSummary> = Vec::new();
                for (id, email, name, support, created_at, disabled_at, store, role) in rows {
                    if accounts.last().is_none_or(|a| a.user.id != id) {
                        accounts.push($crate::storage::accounts::AccountSummary {
                            user: $crate::storage::accounts::user((id, email, name, support)),
                            created_at,
                            disabled_at,
                            stores: Vec::new(),
                        });
                    }
                    if let (Some(store), Some(role), Some(account)) =
                        (store, role, accounts.last_mut())
                    {
                        account
                            .stores
                            .push((store, $crate::storage::accounts::role(&role)?));
                    }
                }
                Ok(accounts)
            }

            async fn disable_user(
                &self,
                email: &str,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::UserAudit,
            ) -> $crate::storage::StorageResult<Option<($crate::storage::accounts::User, bool)>>
            {
                let mut tx = self.write_tx().await?;
                let row: Option<(i64, String, String, bool, Option<chrono::DateTime<chrono::Utc>>)> =
                    sqlx::query_as(&format!(
                        "SELECT {}, u.disabled_at FROM users u WHERE u.email = $1{}",
                        $crate::storage::accounts::USER_COLUMNS,
                        Self::ROW_LOCK
                    ))
                    .bind(email)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((id, email, name, support, disabled_at)) = row else {
                    return Ok(None);
                };
                let user = $crate::storage::accounts::user((id, email, name, support));
                if disabled_at.is_some() {
                    return Ok(Some((user, false)));
                }
                sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                end_live_sessions(&mut tx, id, None, now, "account disabled").await?;
                insert_audit(&mut tx, &audit(&user)).await?;
                tx.commit().await?;
                Ok(Some((user, true)))
            }

            async fn account_id(
                &self,
                email: &str,
            ) -> $crate::storage::StorageResult<Option<i64>> {
                Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn credentials(
                &self,
                email: &str,
            ) -> $crate::storage::StorageResult<Option<($crate::storage::accounts::User, String)>> {
                let row: Option<(i64, String, String, bool, String)> = sqlx::query_as(&format!(
                    // A disabled account signs in no more than an unknown address does.
                    "SELECT {}, u.password_hash FROM users u \
                     WHERE u.email = $1 AND u.disabled_at IS NULL",
                    $crate::storage::accounts::USER_COLUMNS
                ))
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, email, name, support, hash)| {
                    ($crate::storage::accounts::user((id, email, name, support)), hash)
                }))
            }

            async fn memberships(
                &self,
                user_id: i64,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::auth::Membership>> {
                let rows: Vec<(i64, String, String, String, i32)> = sqlx::query_as(
                    "SELECT m.store_id, s.name, m.role, s.time_zone, s.fiscal_year_end_month \
                     FROM memberships m JOIN stores s ON s.id = m.store_id \
                     WHERE m.user_id = $1 AND m.revoked_at IS NULL ORDER BY s.name, s.id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(store_id, store_name, role, zone, fiscal)| {
                        $crate::storage::accounts::membership(store_id, store_name, &role, &zone, fiscal)
                    })
                    .collect()
            }

            async fn create_session(
                &self,
                user_id: i64,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
                expires_at: chrono::DateTime<chrono::Utc>,
                audit: Option<&$crate::storage::accounts::NewAuditEntry>,
            ) -> $crate::storage::StorageResult<i64> {
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(entry) = audit {
                    insert_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn session(
                &self,
                token_hash: &str,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::accounts::SessionRecord>> {
                let rows: Vec<$crate::storage::accounts::SessionRow> =
                    sqlx::query_as($crate::storage::accounts::SESSION_SELECT)
                        .bind(token_hash)
                        .fetch_all(&self.pool)
                        .await?;
                $crate::storage::accounts::session_record(rows)
            }

            async fn end_sessions(
                &self,
                user_id: i64,
                session_id: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
                reason: &str,
                audit: &(dyn Fn(u64) -> $crate::storage::accounts::NewAuditEntry + Send + Sync),
            ) -> $crate::storage::StorageResult<u64> {
                let mut tx = self.write_tx().await?;
                let ended = match session_id {
                    Some(id) => sqlx::query(
                        "UPDATE sessions SET ended_at = $1, ended_reason = $2 \
                         WHERE user_id = $3 AND id = $4 AND ended_at IS NULL",
                    )
                    .bind(now)
                    .bind(reason)
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?,
                    None => sqlx::query(
                        "UPDATE sessions SET ended_at = $1, ended_reason = $2 \
                         WHERE user_id = $3 AND ended_at IS NULL",
                    )
                    .bind(now)
                    .bind(reason)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?,
                };
                let ended = ended.rows_affected();
                insert_audit(&mut tx, &audit(ended)).await?;
                tx.commit().await?;
                Ok(ended)
            }

            async fn sign_in_failures(
                &self,
                email_key: &str,
            ) -> $crate::storage::StorageResult<Option<(u32, chrono::DateTime<chrono::Utc>)>> {
                let row: Option<(i64, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "SELECT failures, last_failure_at FROM sign_in_failures WHERE email_key = $1",
                )
                .bind(email_key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(n, at)| (u32::try_from(n).unwrap_or(u32::MAX), at)))
            }

            async fn count_sign_in_attempt(
                &self,
                key: &str,
                expected: Option<(u32, chrono::DateTime<chrono::Utc>)>,
                failures: u32,
                now: chrono::DateTime<chrono::Utc>,
                forget_before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<bool> {
                let counted = match expected {
                    None => {
                        sqlx::query("DELETE FROM sign_in_failures WHERE last_failure_at < $1")
                            .bind(forget_before)
                            .execute(&self.pool)
                            .await?;
                        sqlx::query(
                            "INSERT INTO sign_in_failures (email_key, failures, last_failure_at) \
                             VALUES ($1, $2, $3) ON CONFLICT (email_key) DO NOTHING",
                        )
                        .bind(key)
                        .bind(i64::from(failures))
                        .bind(now)
                        .execute(&self.pool)
                        .await?
                    }
                    Some((before, last)) => {
                        sqlx::query(
                            "UPDATE sign_in_failures SET failures = $1, last_failure_at = $2 \
                             WHERE email_key = $3 AND failures = $4 AND last_failure_at = $5",
                        )
                        .bind(i64::from(failures))
                        .bind(now)
                        .bind(key)
                        .bind(i64::from(before))
                        .bind(last)
                        .execute(&self.pool)
                        .await?
                    }
                };
                Ok(counted.rows_affected() == 1)
            }

            async fn give_back_sign_in_attempt(
                &self,
                key: &str,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query(
                    "UPDATE sign_in_failures SET failures = failures - 1 \
                     WHERE email_key = $1 AND failures > 0",
                )
                .bind(key)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn clear_sign_in_failures(
                &self,
                email_key: &str,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query("DELETE FROM sign_in_failures WHERE email_key = $1")
                    .bind(email_key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(super) use impl_accounts;
