//! Who belongs to a store and in which role: grants, revocations, role changes and support's grant of an owner. Every change is serialised with the store's other access changes, checks that the acting owner still is one, and keeps the store an owner.

#[allow(unused_imports)]
use super::accounts::*;
#[allow(unused_imports)]
use super::*;
use multicaisse_core::auth::{Member, Role};

#[async_trait]
pub trait Memberships: Send + Sync {
    async fn grant(
        &self,
        store_id: i64,
        user_id: i64,
        role: Role,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;

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
}

/// The SQL of [`Memberships`], for a struct with a `pool: sqlx::Pool<$db>` field, its `write_tx`
/// and its `ROW_LOCK`.
macro_rules! impl_memberships {
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
                sqlx::query(&format!(
                    "SELECT id FROM stores WHERE id = $1{}",
                    Self::ROW_LOCK
                ))
                .bind(store_id)
                .fetch_optional(&mut *tx)
                .await?;
                Ok(tx)
            }
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

        /// Whether an invitation is still honoured when it is accepted: its sender is a live
        /// owner, or it is support's invitation of the first owner of a shop that still has
        /// none (support opens shops, and never hands out access once there is an owner).
        async fn inviter_still_may(
            tx: &mut sqlx::Transaction<'static, $db>,
            store_id: i64,
            inviter: i64,
            role: &str,
        ) -> $crate::storage::StorageResult<bool> {
            if is_live_owner(tx, store_id, inviter).await? {
                return Ok(true);
            }
            if role != "owner" || live_owners(tx, store_id).await? > 0 {
                return Ok(false);
            }
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM users WHERE id = $1 AND is_support AND disabled_at IS NULL",
            )
            .bind(inviter)
            .fetch_one(&mut **tx)
            .await?;
            Ok(n > 0)
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
            let email = entry
                .subject
                .as_ref()
                .map(|(_, e)| e.clone())
                .unwrap_or_default();
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
        impl $crate::storage::memberships::Memberships for $storage {
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
                    step_down(
                        &mut tx,
                        store_id,
                        user_id,
                        &mut entry,
                        "is no longer an owner",
                    )
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
        }
    };
}

pub(super) use impl_memberships;
