//! Each register's sync lease (one session of a register at a time; the registers of a store
//! sync side by side), the sessions that hold it or were refused it, and the incidents they record.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait Leases: Send + Sync {
    /// Opens a sync session and takes the register's lease if it is free or expired; while
    /// another session of the same register holds it, records the attempt as refused. Other
    /// registers of the store do not matter. Atomic across server processes sharing the
    /// database.
    async fn begin_sync(
        &self,
        store_id: i64,
        register_id: i64,
        now: DateTime<Utc>,
        expires_at_ms: i64,
    ) -> StorageResult<LeaseOutcome>;

    /// Extends the lease of a live session of `register_id`; false when it no longer holds it.
    async fn renew_lease(
        &self,
        register_id: i64,
        session_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StorageResult<bool>;

    /// Completes a session of `register_id` holding the lease and releases the lease.
    async fn end_sync(
        &self,
        register_id: i64,
        session_id: i64,
        now: DateTime<Utc>,
    ) -> StorageResult<Option<EndedSession>>;

    /// A store's newest sync attempts, newest first.
    async fn sync_sessions(
        &self,
        store_id: i64,
        limit: u32,
    ) -> StorageResult<Vec<multicaisse_core::sync::SyncSession>>;

    async fn record_incident(
        &self,
        store_id: Option<i64>,
        register_id: Option<i64>,
        session_id: Option<i64>,
        kind: &str,
        detail: &str,
    ) -> StorageResult<()>;
}

/// The SQL of [`Leases`], for either backend's storage.
macro_rules! impl_leases {
    ($storage:ty, $db:ty) => {
        // An anonymous block, so that its imports reach the bodies without leaking.
        const _: () = {
            #[allow(unused_imports)]
            use $crate::storage::rows::*;
            #[allow(unused_imports)]
            use $crate::storage::{StorageError, StorageResult};
            #[allow(unused_imports)]
            use chrono::{DateTime, Utc};

            impl $storage {
                /// Refuses, inside the caller's transaction, a session that does not hold its
                /// register's lease at `now_ms`; on PostgreSQL the lease row stays locked until
                /// the transaction ends, so no other session of the register takes it meanwhile.
                async fn hold_lease_in(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    register: &multicaisse_core::store::Register,
                    session_id: i64,
                    now_ms: i64,
                ) -> StorageResult<()> {
                    let held: Option<(i64,)> = sqlx::query_as(&format!(
                        "SELECT session_id FROM sync_leases WHERE register_id = $1 \
                         AND session_id = $2 AND expires_at_ms > $3{}",
                        Self::ROW_LOCK
                    ))
                    .bind(register.id)
                    .bind(session_id)
                    .bind(now_ms)
                    .fetch_optional(&mut **tx)
                    .await?;
                    match held {
                        Some(_) => Ok(()),
                        None => Err(StorageError::Conflict(format!(
                            "sync session {session_id} does not hold the register's lease (it expired, ended, or is not this register's): begin a new sync"
                        ))),
                    }
                }
            }

            #[async_trait::async_trait]
            impl $crate::storage::leases::Leases for $storage {
                async fn begin_sync(
                    &self,
                    store_id: i64,
                    register_id: i64,
                    now: DateTime<Utc>,
                    expires_at_ms: i64,
                ) -> StorageResult<$crate::storage::LeaseOutcome> {
                    let mut tx = self.write_tx().await?;
                    let (session_id,): (i64,) = sqlx::query_as(
                        "INSERT INTO sync_sessions (store_id, register_id, started_at, outcome) \
                         VALUES ($1, $2, $3, 'in_progress') RETURNING id",
                    )
                    .bind(store_id)
                    .bind(register_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    // One row per register: the conflict clause is the arbiter between two
                    // sessions of one register, in one process or several.
                    let won: Option<(i64,)> = sqlx::query_as(
                        "INSERT INTO sync_leases (register_id, store_id, session_id, expires_at_ms) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (register_id) DO UPDATE SET \
                         session_id = excluded.session_id, expires_at_ms = excluded.expires_at_ms \
                         WHERE sync_leases.expires_at_ms <= $5 \
                         RETURNING session_id",
                    )
                    .bind(register_id)
                    .bind(store_id)
                    .bind(session_id)
                    .bind(expires_at_ms)
                    .bind(now.timestamp_millis())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let outcome = if won == Some((session_id,)) {
                        // The register's earlier sessions still in progress lost their lease
                        // to this one: they expired. Other registers' sessions go on.
                        sqlx::query(
                            "UPDATE sync_sessions SET outcome = 'expired', ended_at = $1 \
                             WHERE register_id = $2 AND outcome = 'in_progress' AND id <> $3",
                        )
                        .bind(now)
                        .bind(register_id)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                        $crate::storage::LeaseOutcome::Acquired { session_id }
                    } else {
                        let (holder_register_id, expires): (i64, i64) = sqlx::query_as(
                            "SELECT register_id, expires_at_ms FROM sync_leases WHERE register_id = $1",
                        )
                        .bind(register_id)
                        .fetch_one(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE sync_sessions SET outcome = 'refused', ended_at = $1, detail = $2, \
                             blocked_by_register_id = $4 WHERE id = $3",
                        )
                        .bind(now)
                        .bind(format!("another session of register id {holder_register_id} is in progress"))
                        .bind(session_id)
                        .bind(holder_register_id)
                        .execute(&mut *tx)
                        .await?;
                        $crate::storage::LeaseOutcome::Busy {
                            session_id,
                            holder_register_id,
                            expires_at_ms: expires,
                        }
                    };
                    let attempt = match outcome {
                        $crate::storage::LeaseOutcome::Acquired { .. } => "in_progress",
                        $crate::storage::LeaseOutcome::Busy { .. } => "refused",
                    };
                    sqlx::query(
                        "UPDATE register_sync_status SET last_attempt_at = $1, last_attempt_outcome = $2 \
                         WHERE register_id = $3",
                    )
                    .bind(now)
                    .bind(attempt)
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(outcome)
                }

                async fn renew_lease(
                    &self,
                    register_id: i64,
                    session_id: i64,
                    now_ms: i64,
                    expires_at_ms: i64,
                ) -> StorageResult<bool> {
                    let renewed = sqlx::query(
                        "UPDATE sync_leases SET expires_at_ms = $1 WHERE register_id = $2 \
                         AND session_id = $3 AND expires_at_ms > $4",
                    )
                    .bind(expires_at_ms)
                    .bind(register_id)
                    .bind(session_id)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                    Ok(renewed.rows_affected() == 1)
                }

                async fn end_sync(
                    &self,
                    register_id: i64,
                    session_id: i64,
                    now: DateTime<Utc>,
                ) -> StorageResult<Option<$crate::storage::EndedSession>> {
                    let mut tx = self.write_tx().await?;
                    // An expired lease completes nothing: a decommission counts completed syncs,
                    // and one that lost its lease may have been overtaken.
                    let released = sqlx::query(
                        "DELETE FROM sync_leases WHERE register_id = $1 \
                         AND session_id = $2 AND expires_at_ms > $3",
                    )
                    .bind(register_id)
                    .bind(session_id)
                    .bind(now.timestamp_millis())
                    .execute(&mut *tx)
                    .await?;
                    if released.rows_affected() != 1 {
                        return Ok(None);
                    }
                    let (started_at, tickets_pushed): (DateTime<Utc>, i64) = sqlx::query_as(
                        "UPDATE sync_sessions SET outcome = 'completed', ended_at = $1 WHERE id = $2 \
                         RETURNING started_at, tickets_pushed",
                    )
                    .bind(now)
                    .bind(session_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE register_sync_status SET last_sync_at = $1, \
                         last_attempt_outcome = 'completed' WHERE register_id = $2",
                    )
                    .bind(now)
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(Some($crate::storage::EndedSession {
                        started_at,
                        tickets_pushed: u64::try_from(tickets_pushed).unwrap_or(0),
                    }))
                }

                async fn sync_sessions(
                    &self,
                    store_id: i64,
                    limit: u32,
                ) -> StorageResult<Vec<multicaisse_core::sync::SyncSession>> {
                    let rows: Vec<SyncSessionRow> = sqlx::query_as(
                        "SELECT id, register_id, started_at, ended_at, outcome, tickets_pushed, \
                         changes_pulled, detail FROM sync_sessions WHERE store_id = $1 \
                         ORDER BY id DESC LIMIT $2",
                    )
                    .bind(store_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .map(|row| multicaisse_core::sync::SyncSession {
                            id: row.id,
                            register_id: row.register_id,
                            started_at: row.started_at,
                            ended_at: row.ended_at,
                            outcome: row.outcome,
                            tickets_pushed: u64::try_from(row.tickets_pushed).unwrap_or(0),
                            changes_pulled: u64::try_from(row.changes_pulled).unwrap_or(0),
                            duration_ms: row
                                .ended_at
                                .map(|end| (end - row.started_at).num_milliseconds()),
                            detail: row.detail,
                        })
                        .collect())
                }

                async fn record_incident(
                    &self,
                    store_id: Option<i64>,
                    register_id: Option<i64>,
                    session_id: Option<i64>,
                    kind: &str,
                    detail: &str,
                ) -> StorageResult<()> {
                    sqlx::query(
                        "INSERT INTO sync_incidents (store_id, register_id, session_id, at, kind, detail) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(store_id)
                    .bind(register_id)
                    .bind(session_id)
                    .bind(chrono::Utc::now())
                    .bind(kind)
                    .bind(detail)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use impl_leases;
