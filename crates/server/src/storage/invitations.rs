//! Invitations into a store: sent, cancelled, accepted (creating the account or joining an existing one).

#[allow(unused_imports)]
use super::accounts::*;
#[allow(unused_imports)]
use super::*;
use multicaisse_core::auth::Invitation;

#[async_trait]
pub trait Invitations: Send + Sync {
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
}

/// The SQL of [`Invitations`], for a struct with a `pool: sqlx::Pool<$db>` field, its `write_tx`
/// and its `ROW_LOCK`.
macro_rules! impl_invitations {
    ($storage:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::invitations::Invitations for $storage {
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
                if !inviter_still_may(&mut tx, store_id, invited_by, &role).await? {
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
                        register_id: None,
                    },
                )
                .await?;
                tx.commit().await?;
                Ok(Some(accepted))
            }
        }
    };
}

pub(super) use impl_invitations;
