//! What may be forgotten once old: nothing fiscal, nothing of a real account's audit. Only
//! the records that grow with every stranger's attempt or expire by design: throttle records,
//! failed sign-ins on addresses no account has, sync requests with an unknown token, ended
//! or expired sessions, invitations never accepted, and reset links once expired.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// How many records one pruning removed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sign_in_failures: u64,
    pub unknown_address_sign_ins: u64,
    pub unknown_token_incidents: u64,
    pub sessions: u64,
    pub invitations: u64,
    pub reset_links: u64,
}

impl Pruned {
    pub fn total(&self) -> u64 {
        self.sign_in_failures
            + self.unknown_address_sign_ins
            + self.unknown_token_incidents
            + self.sessions
            + self.invitations
            + self.reset_links
    }
}

#[async_trait]
pub trait Pruning: Send + Sync {
    /// Removes, in one transaction, the prunable records older than `before`.
    async fn prune(&self, before: DateTime<Utc>) -> StorageResult<Pruned>;
}

macro_rules! impl_pruning {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::pruning::Pruning for $storage {
            async fn prune(
                &self,
                before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<$crate::storage::pruning::Pruned> {
                let mut tx = self.write_tx().await?;
                let mut run = async |sql: &str| -> $crate::storage::StorageResult<u64> {
                    Ok(sqlx::query(sql)
                        .bind(before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected())
                };
                let pruned = $crate::storage::pruning::Pruned {
                    sign_in_failures: run(
                        "DELETE FROM sign_in_failures WHERE last_failure_at < $1",
                    )
                    .await?,
                    // The only audit entries the database lets go (migration 0014).
                    unknown_address_sign_ins: run(
                        "DELETE FROM audit_log WHERE subject_id IS NULL AND actor_id IS NULL \
                         AND event IN ('sign_in_failed', 'sign_in_throttled') AND at < $1",
                    )
                    .await?,
                    unknown_token_incidents: run(
                        "DELETE FROM sync_incidents WHERE kind = 'unknown_token' AND at < $1",
                    )
                    .await?,
                    sessions: run("DELETE FROM sessions WHERE expires_at < $1 OR ended_at < $1")
                        .await?,
                    invitations: run("DELETE FROM invitations WHERE accepted_at IS NULL \
                         AND (expires_at < $1 OR cancelled_at < $1)")
                    .await?,
                    reset_links: run("DELETE FROM password_resets WHERE expires_at < $1").await?,
                };
                tx.commit().await?;
                Ok(pruned)
            }
        }
    };
}

pub(super) use impl_pruning;
