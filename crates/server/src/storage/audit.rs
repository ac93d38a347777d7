//! The audit log: appended inside the transaction of the change it records (`insert_audit`), read newest first.

#[allow(unused_imports)]
use super::accounts::*;
#[allow(unused_imports)]
use super::*;
use multicaisse_core::auth::AuditEntry;

#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append_audit(&self, entry: &NewAuditEntry) -> StorageResult<()>;

    /// Newest first, entries with an id below `before`, of `topic` when one is given.
    async fn audit(
        &self,
        scope: AuditScope,
        topic: Option<multicaisse_core::auth::AuditTopic>,
        before: i64,
        limit: u32,
    ) -> StorageResult<Vec<AuditEntry>>;
}

/// The SQL of [`AuditLog`], for a struct with a `pool: sqlx::Pool<$db>` field, its `write_tx`
/// and its `ROW_LOCK`.
macro_rules! impl_audit {
    ($storage:ty, $db:ty) => {
        async fn insert_audit(
            tx: &mut sqlx::Transaction<'static, $db>,
            entry: &$crate::storage::accounts::NewAuditEntry,
        ) -> $crate::storage::StorageResult<()> {
            let (actor_id, actor_email) = entry.actor.clone().unzip();
            let (subject_id, subject_email) = entry.subject.clone().unzip();
            sqlx::query(
                "INSERT INTO audit_log (at, event, store_id, actor_id, actor_email, \
                 subject_id, subject_email, role, previous_role, detail, register_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
            .bind(entry.register_id)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl $crate::storage::audit::AuditLog for $storage {
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
                topic: Option<multicaisse_core::auth::AuditTopic>,
                before: i64,
                limit: u32,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::auth::AuditEntry>> {
                use $crate::storage::accounts::AUDIT_SELECT as COLUMNS;
                let topic = $crate::storage::accounts::audit_topic_filter(topic);
                let rows: Vec<$crate::storage::accounts::AuditRow> = match scope {
                    $crate::storage::accounts::AuditScope::Store(store_id) => {
                        sqlx::query_as(&format!(
                            "{COLUMNS} WHERE a.id < $2 AND (a.store_id = $1 OR \
                             (a.store_id IS NULL AND a.subject_id IN (SELECT user_id FROM \
                             memberships WHERE store_id = $1 AND revoked_at IS NULL))) \
                             AND {topic} ORDER BY a.id DESC LIMIT $3"
                        ))
                        .bind(store_id)
                        .bind(before)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?
                    }
                    $crate::storage::accounts::AuditScope::All => {
                        sqlx::query_as(&format!(
                            "{COLUMNS} WHERE a.id < $1 AND {topic} ORDER BY a.id DESC LIMIT $2"
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

pub(super) use impl_audit;
