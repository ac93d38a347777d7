//! Persistence of accounts: users, sessions, store memberships, invitations, sign-in
//! failures and the audit log. One SQL body for both backends, like [`super::sql`].

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use multicaisse_core::auth::{AuditEntry, AuditEvent, Invitation, Member, Membership, Role};

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
    /// Fails with a conflict when the email is taken.
    async fn create_user(&self, user: &NewUser) -> StorageResult<User>;
    /// A user and their password hash, by normalized email.
    async fn credentials(&self, email: &str) -> StorageResult<Option<(User, String)>>;
    /// The stores a user is a live member of, by name.
    async fn memberships(&self, user_id: i64) -> StorageResult<Vec<Membership>>;
    async fn grant(
        &self,
        store_id: i64,
        user_id: i64,
        role: Role,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;

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

    /// A new invitation, written with `audit` in one transaction.
    async fn create_invitation(
        &self,
        invitation: &NewInvitation,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<Invitation>;
    async fn invitation(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Option<InvitationRecord>>;
    /// A store's pending invitations, newest first.
    async fn pending_invitations(
        &self,
        store_id: i64,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<Invitation>>;
    /// Cancels a pending invitation; returns its email, or None if there was none to cancel.
    /// Cancels a pending invitation with `audit`, in one transaction; `None` when it is no
    /// longer pending.
    async fn cancel_invitation(
        &self,
        store_id: i64,
        invitation_id: i64,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<Option<String>>;
    /// In one transaction: marks a pending invitation accepted, creates the account if new,
    /// grants the membership and writes the audit entry (with `detail`). None when the
    /// invitation is no longer pending; a conflict when the person already has access to the
    /// store, is support staff, or when the inviter is no longer an owner of the store.
    async fn accept_invitation(
        &self,
        invitation_id: i64,
        invitee: &Invitee,
        now: DateTime<Utc>,
        detail: &str,
    ) -> StorageResult<Option<User>>;

    /// A store's live members, owners first.
    async fn members(&self, store_id: i64) -> StorageResult<Vec<Member>>;
    /// In one transaction serialised with every other access change of the store: checks that
    /// `actor` is still an owner there, ends the membership and every session of that person,
    /// cancels the invitations they sent to the store, refuses (conflict) to leave the store
    /// without an owner, and writes `audit` (its role set to the one revoked) and one entry
    /// per cancelled invitation. Returns the role it had, or None if there was no live
    /// membership.
    async fn revoke_membership(
        &self,
        store_id: i64,
        user_id: i64,
        actor: i64,
        audit: &NewAuditEntry,
    ) -> StorageResult<Option<Role>>;
    /// Changes a live member's role, with the same checks, cancellations (when an owner is
    /// demoted) and audit as [`Accounts::revoke_membership`]; returns the previous role.
    async fn set_role(
        &self,
        store_id: i64,
        user_id: i64,
        role: Role,
        actor: i64,
        audit: &NewAuditEntry,
    ) -> StorageResult<Option<Role>>;
    /// Support repairs a store without an owner: makes `user_id` its owner (promoting a live
    /// membership or granting a new one) and writes `audit` with the role before. A conflict
    /// when the store has an owner: then access is that owner's decision.
    async fn grant_owner(
        &self,
        store_id: i64,
        user_id: i64,
        audit: &NewAuditEntry,
    ) -> StorageResult<Option<Role>>;

    async fn append_audit(&self, entry: &NewAuditEntry) -> StorageResult<()>;
    /// Newest first, entries with an id below `before`.
    async fn audit(
        &self,
        scope: AuditScope,
        before: i64,
        limit: u32,
    ) -> StorageResult<Vec<AuditEntry>>;
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

pub(super) const INVITATION_SELECT: &str = "SELECT i.id, i.store_id, i.email, i.role, u.email, \
     i.created_at, i.expires_at, i.accepted_at, i.cancelled_at FROM invitations i \
     JOIN users u ON u.id = i.invited_by";

pub(super) type InvitationRow = (
    i64,
    i64,
    String,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

pub(super) fn invitation(row: InvitationRow, now: DateTime<Utc>) -> StorageResult<Invitation> {
    let (id, store_id, email, role_code, invited_by, created_at, expires_at, accepted, cancelled) =
        row;
    Ok(Invitation {
        id,
        store_id,
        email,
        role: role(&role_code)?,
        invited_by,
        created_at,
        expires_at,
        state: multicaisse_core::auth::InvitationState::of(accepted, cancelled, expires_at, now),
        link: None,
    })
}

pub(super) type AuditRow = (
    i64,
    DateTime<Utc>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub(super) fn audit_entry(row: AuditRow) -> StorageResult<AuditEntry> {
    let (id, at, event, store_id, actor_email, subject_email, role_code, previous, detail) = row;
    let optional_role = |code: Option<String>| code.as_deref().map(role).transpose();
    Ok(AuditEntry {
        id,
        at,
        event: AuditEvent::parse(&event).ok_or_else(|| {
            super::StorageError::Corrupt(format!("audit entry {id}: unknown event `{event}`"))
        })?,
        store_id,
        actor_email,
        subject_email,
        role: optional_role(role_code)?,
        previous_role: optional_role(previous)?,
        detail,
    })
}

/// Implements [`Accounts`] for a struct with a `pool: sqlx::Pool<$db>` field, its
/// `write_tx` and its `ROW_LOCK`.
macro_rules! impl_accounts {
    ($storage:ty, $db:ty) => {
        impl $storage {
            /// A transaction that changes a store's access, serialised with every other of
            /// the same store: SQLite's write transactions are alone anyway, PostgreSQL locks
            /// the store's row until commit.
            async fn access_transaction(
                &self,
                store_id: i64,
            ) -> $crate::storage::StorageResult<sqlx::Transaction<'static, $db>> {
                let mut tx = self.write_tx().await?;
                sqlx::query(&format!("SELECT id FROM stores WHERE id = $1{}", Self::ROW_LOCK))
                    .bind(store_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }

        async fn insert_audit(
            tx: &mut sqlx::Transaction<'static, $db>,
            entry: &$crate::storage::accounts::NewAuditEntry,
        ) -> $crate::storage::StorageResult<()> {
            let (actor_id, actor_email) = entry.actor.clone().unzip();
            let (subject_id, subject_email) = entry.subject.clone().unzip();
            sqlx::query(
                "INSERT INTO audit_log (at, event, store_id, actor_id, actor_email, \
                 subject_id, subject_email, role, previous_role, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(entry.at)
            .bind(entry.event.code())
            .bind(entry.store_id)
            .bind(actor_id)
            .bind(actor_email)
            .bind(subject_id.flatten())
            .bind(subject_email)
            .bind(entry.role.map(|r| r.code()))
            .bind(entry.previous_role.map(|r| r.code()))
            .bind(&entry.detail)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn is_live_owner(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
            user_id: i64,
        ) -> $crate::storage::StorageResult<bool> {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM memberships WHERE store_id = $1 AND user_id = $2 \
                 AND role = 'owner' AND revoked_at IS NULL",
            )
            .bind(store_id)
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await?;
            Ok(n > 0)
        }

        async fn live_owners(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
        ) -> $crate::storage::StorageResult<i64> {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM memberships WHERE store_id = $1 AND role = 'owner' \
                 AND revoked_at IS NULL",
            )
            .bind(store_id)
            .fetch_one(&mut **tx)
            .await?;
            Ok(n)
        }

        /// The actor of an access change must still be an owner when it commits: two owners
        /// revoking each other at once must not both succeed.
        async fn require_live_owner(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
            actor: i64,
        ) -> $crate::storage::StorageResult<()> {
            if is_live_owner(tx, store_id, actor).await? {
                Ok(())
            } else {
                Err($crate::storage::StorageError::Refused {
                    conflict: multicaisse_core::api::Conflict::NoLongerOwner,
                    message: "you are no longer an owner of this store: your access changed \
                              meanwhile"
                        .into(),
                })
            }
        }

        async fn refuse_ownerless(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
            email: &str,
        ) -> $crate::storage::StorageResult<()> {
            if live_owners(tx, store_id).await? == 0 {
                return Err($crate::storage::StorageError::Refused {
                    conflict: multicaisse_core::api::Conflict::LastOwner,
                    message: format!(
                        "{email} is the last owner of store {store_id}: a store always keeps \
                         an owner (make someone else owner first)"
                    ),
                });
            }
            Ok(())
        }

        /// Cancels what someone who no longer manages the store invited to it: otherwise they
        /// would come back through their own pending invitations.
        async fn cancel_invitations_by(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
            inviter: i64,
            base: &$crate::storage::accounts::NewAuditEntry,
            why: &str,
        ) -> $crate::storage::StorageResult<u64> {
            let cancelled: Vec<(String, String)> = sqlx::query_as(
                "UPDATE invitations SET cancelled_at = $1 WHERE store_id = $2 \
                 AND invited_by = $3 AND accepted_at IS NULL AND cancelled_at IS NULL \
                 AND expires_at > $1 RETURNING email, role",
            )
            .bind(base.at)
            .bind(store_id)
            .bind(inviter)
            .fetch_all(&mut **tx)
            .await?;
            let inviter_email = base
                .subject
                .as_ref()
                .map(|(_, email)| email.clone())
                .unwrap_or_default();
            for (email, role) in &cancelled {
                let entry = $crate::storage::accounts::NewAuditEntry {
                    event: multicaisse_core::auth::AuditEvent::InvitationCancelled,
                    subject: Some((None, email.clone())),
                    role: Some($crate::storage::accounts::role(role)?),
                    previous_role: None,
                    detail: format!("sent by {inviter_email}, who {why}"),
                    ..base.clone()
                };
                insert_audit(tx, &entry).await?;
            }
            Ok(cancelled.len() as u64)
        }

        /// Someone leaves the store's owners, revoked or demoted: the store must keep an owner,
        /// and the invitations they sent are cancelled; `entry` (their audit) says how many.
        async fn step_down(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
            user_id: i64,
            entry: &mut $crate::storage::accounts::NewAuditEntry,
            why: &str,
        ) -> $crate::storage::StorageResult<()> {
            let email = entry.subject.as_ref().map(|(_, e)| e.clone()).unwrap_or_default();
            refuse_ownerless(tx, store_id, &email).await?;
            let cancelled = cancel_invitations_by(tx, store_id, user_id, entry, why).await?;
            if cancelled > 0 {
                let said = format!("{cancelled} pending invitation(s) they sent cancelled");
                entry.detail = if entry.detail.is_empty() {
                    said
                } else {
                    format!("{}; {said}", entry.detail)
                };
            }
            Ok(())
        }

        #[async_trait::async_trait]
        impl $crate::storage::accounts::Accounts for $storage {
            async fn create_user(
                &self,
                user: &$crate::storage::accounts::NewUser,
            ) -> $crate::storage::StorageResult<$crate::storage::accounts::User> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (email, display_name, password_hash, is_support, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&user.email)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.support)
                .bind(chrono::Utc::now())
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::storage::accounts::User {
                    id,
                    email: user.email.clone(),
                    display_name: user.display_name.clone(),
                    support: user.support,
                })
            }

            async fn credentials(
                &self,
                email: &str,
            ) -> $crate::storage::StorageResult<Option<($crate::storage::accounts::User, String)>> {
                let row: Option<(i64, String, String, bool, String)> = sqlx::query_as(&format!(
                    "SELECT {}, u.password_hash FROM users u WHERE u.email = $1",
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

            async fn grant(
                &self,
                store_id: i64,
                user_id: i64,
                role: multicaisse_core::auth::Role,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query(
                    "INSERT INTO memberships (store_id, user_id, role, granted_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(store_id)
                .bind(user_id)
                .bind(role.code())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
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
                type Row = (
                    i64,
                    chrono::DateTime<chrono::Utc>,
                    Option<chrono::DateTime<chrono::Utc>>,
                    Option<String>,
                    i64,
                    String,
                    String,
                    bool,
                    Option<i64>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<i32>,
                );
                let rows: Vec<Row> = sqlx::query_as(&format!(
                    "SELECT s.id, s.expires_at, s.ended_at, s.ended_reason, {}, \
                     m.store_id, st.name, m.role, st.time_zone, st.fiscal_year_end_month \
                     FROM sessions s \
                     JOIN users u ON u.id = s.user_id \
                     LEFT JOIN memberships m ON m.user_id = u.id AND m.revoked_at IS NULL \
                     LEFT JOIN stores st ON st.id = m.store_id \
                     WHERE s.token_hash = $1 ORDER BY st.name, st.id",
                    $crate::storage::accounts::USER_COLUMNS
                ))
                .bind(token_hash)
                .fetch_all(&self.pool)
                .await?;
                let mut memberships = Vec::new();
                for (.., store_id, store_name, role, zone, fiscal) in &rows {
                    if let (Some(store_id), Some(store_name), Some(role), Some(zone), Some(fiscal)) =
                        (store_id, store_name, role, zone, fiscal)
                    {
                        memberships.push($crate::storage::accounts::membership(
                            *store_id,
                            store_name.clone(),
                            role,
                            zone,
                            *fiscal,
                        )?);
                    }
                }
                Ok(rows.into_iter().next().map(
                    |(id, expires_at, ended_at, ended_reason, uid, email, name, support, ..)| {
                        $crate::storage::accounts::SessionRecord {
                            id,
                            user: $crate::storage::accounts::user((uid, email, name, support)),
                            memberships,
                            expires_at,
                            ended_at,
                            ended_reason,
                        }
                    },
                ))
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

            async fn create_invitation(
                &self,
                new: &$crate::storage::accounts::NewInvitation,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::auth::Invitation> {
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO invitations (store_id, email, role, token_hash, invited_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(new.store_id)
                .bind(&new.email)
                .bind(new.role.code())
                .bind(&new.token_hash)
                .bind(new.invited_by)
                .bind(new.created_at)
                .bind(new.expires_at)
                .fetch_one(&mut *tx)
                .await?;
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                let row: $crate::storage::accounts::InvitationRow = sqlx::query_as(&format!(
                    "{} WHERE i.id = $1",
                    $crate::storage::accounts::INVITATION_SELECT
                ))
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
                $crate::storage::accounts::invitation(row, now)
            }

            async fn invitation(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::accounts::InvitationRecord>> {
                let row: Option<$crate::storage::accounts::InvitationRow> =
                    sqlx::query_as(&format!(
                        "{} WHERE i.token_hash = $1",
                        $crate::storage::accounts::INVITATION_SELECT
                    ))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let invitation = $crate::storage::accounts::invitation(row, now)?;
                let (store_name,): (String,) =
                    sqlx::query_as("SELECT name FROM stores WHERE id = $1")
                        .bind(invitation.store_id)
                        .fetch_one(&self.pool)
                        .await?;
                Ok(Some($crate::storage::accounts::InvitationRecord {
                    invitation,
                    store_name,
                }))
            }

            async fn pending_invitations(
                &self,
                store_id: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::auth::Invitation>> {
                let rows: Vec<$crate::storage::accounts::InvitationRow> = sqlx::query_as(&format!(
                    "{} WHERE i.store_id = $1 AND i.accepted_at IS NULL \
                     AND i.cancelled_at IS NULL AND i.expires_at > $2 ORDER BY i.id DESC",
                    $crate::storage::accounts::INVITATION_SELECT
                ))
                .bind(store_id)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| $crate::storage::accounts::invitation(row, now))
                    .collect()
            }

            async fn cancel_invitation(
                &self,
                store_id: i64,
                invitation_id: i64,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<Option<String>> {
                let mut tx = self.write_tx().await?;
                let row: Option<(String,)> = sqlx::query_as(
                    "UPDATE invitations SET cancelled_at = $1 WHERE store_id = $2 AND id = $3 \
                     AND accepted_at IS NULL AND cancelled_at IS NULL RETURNING email",
                )
                .bind(now)
                .bind(store_id)
                .bind(invitation_id)
                .fetch_optional(&mut *tx)
                .await?;
                if row.is_some() {
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await?;
                }
                Ok(row.map(|(email,)| email))
            }

            async fn accept_invitation(
                &self,
                invitation_id: i64,
                invitee: &$crate::storage::accounts::Invitee,
                now: chrono::DateTime<chrono::Utc>,
                detail: &str,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::accounts::User>> {
                use $crate::storage::accounts::{user, Invitee, UserRow, USER_COLUMNS};
                use $crate::storage::StorageError;
                let found: Option<(i64,)> =
                    sqlx::query_as("SELECT store_id FROM invitations WHERE id = $1")
                        .bind(invitation_id)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some((store_id,)) = found else {
                    return Ok(None);
                };
                // The store first, then the invitation: the order revocation takes them in.
                let mut tx = self.access_transaction(store_id).await?;
                let taken: Option<(String, i64)> = sqlx::query_as(
                    "UPDATE invitations SET accepted_at = $1 WHERE id = $2 \
                     AND accepted_at IS NULL AND cancelled_at IS NULL AND expires_at > $1 \
                     RETURNING role, invited_by",
                )
                .bind(now)
                .bind(invitation_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((role, invited_by)) = taken else {
                    return Ok(None);
                };
                if !is_live_owner(&mut tx, store_id, invited_by).await? {
                    return Err(StorageError::Conflict(
                        "the owner who sent this invitation no longer manages this store: \
                         ask a current owner for a new invitation"
                            .into(),
                    ));
                }
                let user_id = match invitee {
                    Invitee::Existing(id) => *id,
                    Invitee::New(new) => {
                        let (id,): (i64,) = sqlx::query_as(
                            "INSERT INTO users (email, display_name, password_hash, is_support, \
                             created_at) VALUES ($1, $2, $3, FALSE, $4) RETURNING id",
                        )
                        .bind(&new.email)
                        .bind(&new.display_name)
                        .bind(&new.password_hash)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                        id
                    }
                };
                let row: UserRow =
                    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
                        .bind(user_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let accepted = user(row);
                if accepted.support {
                    // Support reaches every store already; a membership would add nothing but
                    // a second, store-level way in that an owner could have set up.
                    return Err(StorageError::Conflict(
                        "a support account reaches every store and is never a member of one: \
                         this invitation cannot be accepted by it"
                            .into(),
                    ));
                }
                let (live,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM memberships WHERE store_id = $1 AND user_id = $2 \
                     AND revoked_at IS NULL",
                )
                .bind(store_id)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
                if live > 0 {
                    return Err(StorageError::Conflict(
                        "this account already has access to the store".into(),
                    ));
                }
                sqlx::query(
                    "INSERT INTO memberships (store_id, user_id, role, granted_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(store_id)
                .bind(user_id)
                .bind(&role)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE invitations SET accepted_by = $1 WHERE id = $2")
                    .bind(user_id)
                    .bind(invitation_id)
                    .execute(&mut *tx)
                    .await?;
                let who = Some((accepted.id, accepted.email.clone()));
                insert_audit(
                    &mut tx,
                    &$crate::storage::accounts::NewAuditEntry {
                        at: now,
                        event: multicaisse_core::auth::AuditEvent::InvitationAccepted,
                        store_id: Some(store_id),
                        actor: who.clone(),
                        subject: who.map(|(id, email)| (Some(id), email)),
                        role: Some($crate::storage::accounts::role(&role)?),
                        previous_role: None,
                        detail: detail.to_string(),
                    },
                )
                .await?;
                tx.commit().await?;
                Ok(Some(accepted))
            }

            async fn members(
                &self,
                store_id: i64,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::auth::Member>> {
                let rows: Vec<(i64, String, String, String, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as(
                        "SELECT u.id, u.email, u.display_name, m.role, m.granted_at \
                         FROM memberships m JOIN users u ON u.id = m.user_id \
                         WHERE m.store_id = $1 AND m.revoked_at IS NULL \
                         ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, u.email",
                    )
                    .bind(store_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|(user_id, email, display_name, role, since)| {
                        Ok(multicaisse_core::auth::Member {
                            user_id,
                            email,
                            display_name,
                            role: $crate::storage::accounts::role(&role)?,
                            since,
                        })
                    })
                    .collect()
            }

            async fn revoke_membership(
                &self,
                store_id: i64,
                user_id: i64,
                actor: i64,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::auth::Role>> {
                let now = audit.at;
                let mut tx = self.access_transaction(store_id).await?;
                require_live_owner(&mut tx, store_id, actor).await?;
                let revoked: Option<(String,)> = sqlx::query_as(
                    "UPDATE memberships SET revoked_at = $1 WHERE store_id = $2 AND user_id = $3 \
                     AND revoked_at IS NULL RETURNING role",
                )
                .bind(now)
                .bind(store_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((role,)) = revoked else {
                    return Ok(None);
                };
                let role = $crate::storage::accounts::role(&role)?;
                let mut entry = audit.clone();
                entry.role = Some(role);
                step_down(&mut tx, store_id, user_id, &mut entry, "lost access").await?;
                // Revoked access ends now, not when the person's sessions would have expired.
                sqlx::query(
                    "UPDATE sessions SET ended_at = $1, ended_reason = $2 \
                     WHERE user_id = $3 AND ended_at IS NULL",
                )
                .bind(now)
                .bind("access revoked")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(Some(role))
            }

            async fn set_role(
                &self,
                store_id: i64,
                user_id: i64,
                role: multicaisse_core::auth::Role,
                actor: i64,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::auth::Role>> {
                use multicaisse_core::auth::Role;
                let mut tx = self.access_transaction(store_id).await?;
                require_live_owner(&mut tx, store_id, actor).await?;
                let before: Option<(String,)> = sqlx::query_as(
                    "SELECT role FROM memberships WHERE store_id = $1 AND user_id = $2 \
                     AND revoked_at IS NULL",
                )
                .bind(store_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((before,)) = before else {
                    return Ok(None);
                };
                let before = $crate::storage::accounts::role(&before)?;
                sqlx::query(
                    "UPDATE memberships SET role = $1 WHERE store_id = $2 AND user_id = $3 \
                     AND revoked_at IS NULL",
                )
                .bind(role.code())
                .bind(store_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                let mut entry = audit.clone();
                entry.role = Some(role);
                entry.previous_role = Some(before);
                if before == Role::Owner && role != Role::Owner {
                    step_down(&mut tx, store_id, user_id, &mut entry, "is no longer an owner")
                        .await?;
                }
                insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(Some(before))
            }

            async fn grant_owner(
                &self,
                store_id: i64,
                user_id: i64,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::auth::Role>> {
                let mut tx = self.access_transaction(store_id).await?;
                if live_owners(&mut tx, store_id).await? > 0 {
                    return Err($crate::storage::StorageError::Conflict(format!(
                        "store {store_id} has an owner: who has access is their decision, \
                         support only gives an ownerless store an owner"
                    )));
                }
                let before: Option<(String,)> = sqlx::query_as(
                    "SELECT role FROM memberships WHERE store_id = $1 AND user_id = $2 \
                     AND revoked_at IS NULL",
                )
                .bind(store_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                let before = before
                    .map(|(code,)| $crate::storage::accounts::role(&code))
                    .transpose()?;
                if before.is_some() {
                    sqlx::query(
                        "UPDATE memberships SET role = 'owner' WHERE store_id = $1 \
                         AND user_id = $2 AND revoked_at IS NULL",
                    )
                    .bind(store_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO memberships (store_id, user_id, role, granted_at) \
                         VALUES ($1, $2, 'owner', $3)",
                    )
                    .bind(store_id)
                    .bind(user_id)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut entry = audit.clone();
                entry.role = Some(multicaisse_core::auth::Role::Owner);
                entry.previous_role = before;
                insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(before)
            }

            async fn append_audit(
                &self,
                entry: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<()> {
                let mut tx = self.write_tx().await?;
                insert_audit(&mut tx, entry).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit(
                &self,
                scope: $crate::storage::accounts::AuditScope,
                before: i64,
                limit: u32,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::auth::AuditEntry>> {
                const COLUMNS: &str = "SELECT a.id, a.at, a.event, a.store_id, a.actor_email, \
                     a.subject_email, a.role, a.previous_role, a.detail FROM audit_log a";
                let rows: Vec<$crate::storage::accounts::AuditRow> = match scope {
                    $crate::storage::accounts::AuditScope::Store(store_id) => {
                        sqlx::query_as(&format!(
                            "{COLUMNS} WHERE a.id < $2 AND (a.store_id = $1 OR \
                             (a.store_id IS NULL AND a.subject_id IN (SELECT user_id FROM \
                             memberships WHERE store_id = $1 AND revoked_at IS NULL))) \
                             ORDER BY a.id DESC LIMIT $3"
                        ))
                        .bind(store_id)
                        .bind(before)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?
                    }
                    $crate::storage::accounts::AuditScope::All => {
                        sqlx::query_as(&format!(
                            "{COLUMNS} WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2"
                        ))
                        .bind(before)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?
                    }
                };
                rows.into_iter()
                    .map($crate::storage::accounts::audit_entry)
                    .collect()
            }
        }
    };
}

pub(super) use impl_accounts;
