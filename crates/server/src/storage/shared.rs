//! The data a store's registers share through sync: the pages of shared changes a register pulls, and stock levels.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait SharedData: Send + Sync {
    /// The next page of the store's shared changes for a register, from its cursor, skipping
    /// its own changes (it has them); advances the cursor. One transaction.
    /// With `lease_held_at_ms`, the session must hold the lease then (as for a push).
    async fn pull(
        &self,
        register: &Register,
        session_id: Option<i64>,
        lease_held_at_ms: Option<i64>,
        limit: u32,
    ) -> StorageResult<PulledPage>;

    /// The store's stock levels, by product.
    async fn stock_levels(&self, store_id: i64) -> StorageResult<Vec<(String, i64)>>;

    /// The number of the store's last committed shared change (0 before the first).
    async fn change_head(&self, store_id: i64) -> StorageResult<i64>;

    /// Hands the pokes of every server process on this database to `pokes`, from a task it
    /// returns (PostgreSQL: a `LISTEN`); `None` where this process is the only one (SQLite).
    async fn listen_for_pokes(
        &self,
        pokes: crate::pokes::Pokes,
    ) -> StorageResult<Option<tokio::task::JoinHandle<()>>>;
}

/// The SQL of [`SharedData`], for either backend's storage.
macro_rules! impl_shared {
    ($storage:ty, $db:ty) => {
        // An anonymous block, so that its imports reach the bodies without leaking.
        const _: () = {
            #[allow(unused_imports)]
            use $crate::storage::rows::*;
            #[allow(unused_imports)]
            use $crate::storage::{StorageError, StorageResult};
            #[allow(unused_imports)]
            use chrono::{DateTime, Utc};

            #[async_trait::async_trait]
            impl $crate::storage::shared::SharedData for $storage {
                async fn pull(
                    &self,
                    register: &multicaisse_core::store::Register,
                    session_id: Option<i64>,
                    lease_held_at_ms: Option<i64>,
                    limit: u32,
                ) -> StorageResult<$crate::storage::PulledPage> {
                    let now = chrono::Utc::now();
                    let mut tx = self.write_tx().await?;
                    if let (Some(session_id), Some(now_ms)) = (session_id, lease_held_at_ms) {
                        Self::hold_lease_in(&mut tx, register, session_id, now_ms).await?;
                    }
                    let cursor: Option<(i64,)> =
                        sqlx::query_as("SELECT cursor FROM register_cursors WHERE register_id = $1")
                            .bind(register.id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let cursor = cursor.map_or(0, |c| c.0);
                    // The counter's committed value, read before the changes: every change
                    // numbered up to it has committed (see `take_change_numbers_in`), and none
                    // above it is read, so a push committing meanwhile is not skipped.
                    let head: Option<(i64,)> =
                        sqlx::query_as("SELECT seq FROM store_change_heads WHERE store_id = $1")
                            .bind(register.store_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let head = head.map_or(0, |h| h.0).max(cursor);
                    let rows: Vec<(i64, i64, String, String, DateTime<Utc>, Option<i64>)> =
                        sqlx::query_as(
                            "SELECT seq, origin_register_id, change_id, payload, at, level_after \
                             FROM store_changes WHERE store_id = $1 AND seq > $2 AND seq <= $3 \
                             AND origin_register_id <> $4 ORDER BY seq LIMIT $5",
                        )
                        .bind(register.store_id)
                        .bind(cursor)
                        .bind(head)
                        .bind(register.id)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *tx)
                        .await?;
                    // A full page ends at its last change; a short one has seen everything up to
                    // the head (the register's own changes included).
                    let new_cursor = if rows.len() as u64 == u64::from(limit) {
                        rows.last().map_or(cursor, |r| r.0)
                    } else {
                        head
                    };
                    let (remaining,): (i64,) = sqlx::query_as(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM store_changes WHERE store_id = $1 \
                         AND seq > $2 AND origin_register_id <> $3",
                    )
                    .bind(register.store_id)
                    .bind(new_cursor)
                    .bind(register.id)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO register_cursors (register_id, cursor, pulled_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (register_id) DO UPDATE SET cursor = excluded.cursor, \
                         pulled_at = excluded.pulled_at",
                    )
                    .bind(register.id)
                    .bind(new_cursor)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE register_sync_status SET behind = $1 WHERE register_id = $2")
                        .bind(remaining)
                        .bind(register.id)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(session_id) = session_id {
                        sqlx::query(
                            "UPDATE sync_sessions SET changes_pulled = changes_pulled + $1 WHERE id = $2",
                        )
                        .bind(rows.len() as i64)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    let changes = rows
                        .into_iter()
                        .map(|(version, origin, id, payload, at, level_after)| {
                            let change = serde_json::from_str(&payload).map_err(|e| {
                                StorageError::Corrupt(format!("change {version}: {e}"))
                            })?;
                            let shared = multicaisse_core::sync::SharedChange { id, at, change };
                            Ok((version, origin, shared, level_after))
                        })
                        .collect::<StorageResult<Vec<_>>>()?;
                    Ok($crate::storage::PulledPage {
                        changes,
                        cursor: new_cursor,
                        head,
                        remaining: u64::try_from(remaining).unwrap_or(0),
                    })
                }

                async fn change_head(&self, store_id: i64) -> StorageResult<i64> {
                    let head: Option<(i64,)> =
                        sqlx::query_as("SELECT seq FROM store_change_heads WHERE store_id = $1")
                            .bind(store_id)
                            .fetch_optional(&self.pool)
                            .await?;
                    Ok(head.map_or(0, |h| h.0))
                }

                async fn listen_for_pokes(
                    &self,
                    pokes: $crate::pokes::Pokes,
                ) -> StorageResult<Option<tokio::task::JoinHandle<()>>> {
                    self.listen_for_pokes_in(pokes).await
                }

                async fn stock_levels(
                    &self,
                    store_id: i64,
                ) -> StorageResult<Vec<(String, i64)>> {
                    Ok(sqlx::query_as(
                        "SELECT product, quantity FROM stock_levels WHERE store_id = $1 ORDER BY product",
                    )
                    .bind(store_id)
                    .fetch_all(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use impl_shared;
