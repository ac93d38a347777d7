//! Each register's verified-through checkpoint (`core::verification::VerifiedThrough`): derived
//! data, replaced as the verified chain grows, never fiscal. One SQL body for both backends.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A checkpoint as stored: its JSON, and the seal those bytes give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub through: u64,
    pub state: String,
    pub seal: String,
}

#[async_trait]
pub trait Checkpoints {
    async fn verification_checkpoint(
        &self,
        register_id: i64,
    ) -> StorageResult<Option<StoredCheckpoint>>;

    /// Keeps `checkpoint` unless the register has one further along already (two
    /// verifications finishing together).
    async fn save_verification_checkpoint(
        &self,
        register_id: i64,
        checkpoint: &StoredCheckpoint,
        at: DateTime<Utc>,
    ) -> StorageResult<()>;
}

macro_rules! impl_checkpoints {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::checkpoints::Checkpoints for $storage {
            async fn verification_checkpoint(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<
                Option<$crate::storage::checkpoints::StoredCheckpoint>,
            > {
                let row: Option<(i64, String, String)> = sqlx::query_as(
                    "SELECT through_sequence, state, seal FROM verification_checkpoints \
                     WHERE register_id = $1",
                )
                .bind(register_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(through, state, seal)| {
                    $crate::storage::checkpoints::StoredCheckpoint {
                        through: u64::try_from(through).unwrap_or(0),
                        state,
                        seal,
                    }
                }))
            }

            async fn save_verification_checkpoint(
                &self,
                register_id: i64,
                checkpoint: &$crate::storage::checkpoints::StoredCheckpoint,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                let through = i64::try_from(checkpoint.through).unwrap_or(i64::MAX);
                // A sound chain only grows (tickets are never deleted), so a newer sound
                // checkpoint is never behind the one it replaces.
                sqlx::query(
                    "INSERT INTO verification_checkpoints \
                     (register_id, through_sequence, state, seal, written_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (register_id) DO UPDATE SET \
                     through_sequence = excluded.through_sequence, state = excluded.state, \
                     seal = excluded.seal, written_at = excluded.written_at \
                     WHERE verification_checkpoints.through_sequence <= excluded.through_sequence",
                )
                .bind(register_id)
                .bind(through)
                .bind(&checkpoint.state)
                .bind(&checkpoint.seal)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(super) use impl_checkpoints;
