//! Decommission wizards: the decisions recorded (start, suspension with the device's
//! revocation, uninstall, cancellation) and the evidence steps 2 to 4 are judged on, read
//! from the tickets, closures and syncs. One SQL body for both backends.

use super::accounts::NewAuditEntry;
use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use multicaisse_core::decommission::{Decommission, FinalClosure, Progress, SyncEvidence};

/// What the database holds for steps 2 to 4; the verification of the chains is the caller's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvidence {
    pub last_ticket: Option<u64>,
    pub final_closure: Option<FinalClosure>,
    pub syncs_after_closure: Vec<SyncEvidence>,
    /// The highest ticket number any closure declares, and the numbers up to it received.
    pub declared_through: Option<u64>,
    pub received_through_declared: Vec<u64>,
    pub month_sales_ttc: i64,
}

#[async_trait]
pub trait Decommissions {
    /// A new wizard, and `audit` with it; `Conflict` when the register already has one not
    /// cancelled. Each decision below is written with its audit entry in one transaction.
    async fn insert_decommission(
        &self,
        store_id: i64,
        register_id: i64,
        user_id: i64,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<Decommission>;

    async fn decommission(&self, id: i64) -> StorageResult<Option<Decommission>>;

    /// The register's wizard not cancelled, or else its latest.
    async fn decommission_of_register(
        &self,
        register_id: i64,
    ) -> StorageResult<Option<Decommission>>;

    /// Every wizard neither cancelled nor finished, oldest first.
    async fn decommissions_in_progress(&self) -> StorageResult<Vec<Decommission>>;

    async fn decommission_evidence(&self, register_id: i64) -> StorageResult<StoredEvidence>;

    /// Support's confirmation, in one transaction: the register suspended (its billing ends),
    /// its device tokens revoked with `reason`. `Conflict` if already suspended or cancelled.
    /// `judged`: the register's chains as the decision saw them; anything received since
    /// (a ticket after the "final" Z) refuses the suspension with `Conflict`.
    async fn suspend_decommission(
        &self,
        id: i64,
        user_id: i64,
        reason: &str,
        at: DateTime<Utc>,
        judged: super::JudgedChains,
        audit: &NewAuditEntry,
    ) -> StorageResult<Decommission>;

    /// The owner's confirmation that the app is gone. `Conflict` unless revoked and not done.
    async fn uninstall_decommission(
        &self,
        id: i64,
        user_id: i64,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<Decommission>;

    /// `Conflict` once suspended or already cancelled.
    async fn cancel_decommission(
        &self,
        id: i64,
        user_id: i64,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<Decommission>;
}

pub(super) const DECOMMISSION_SELECT: &str = "SELECT d.id, d.store_id, s.name AS store_name, \
     d.register_id, CAST(r.number AS BIGINT) AS register_number, r.label AS register_label, \
     u.email AS started_by, d.started_at, d.suspended_at, d.revoked_at, d.uninstalled_at, \
     d.cancelled_at FROM decommissions d JOIN stores s ON s.id = d.store_id \
     JOIN registers r ON r.id = d.register_id JOIN users u ON u.id = d.started_by";

#[derive(sqlx::FromRow)]
pub(super) struct DecommissionRow {
    id: i64,
    store_id: i64,
    store_name: String,
    register_id: i64,
    register_number: i64,
    register_label: String,
    started_by: String,
    started_at: DateTime<Utc>,
    suspended_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    uninstalled_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

pub(super) fn decommission_of(row: DecommissionRow) -> Decommission {
    Decommission {
        id: row.id,
        store_id: row.store_id,
        store_name: row.store_name,
        register_id: row.register_id,
        register_number: u32::try_from(row.register_number).unwrap_or(u32::MAX),
        register_label: row.register_label,
        started_by: row.started_by,
        progress: Progress {
            started_at: row.started_at,
            suspended_at: row.suspended_at,
            revoked_at: row.revoked_at,
            uninstalled_at: row.uninstalled_at,
            cancelled_at: row.cancelled_at,
        },
        steps: Vec::new(),
        final_closure: None,
        syncs_after_closure: Vec::new(),
    }
}

pub(super) type ClosureRow = (i64, NaiveDate, Option<i64>, i64, String, DateTime<Utc>);

pub(super) fn final_closure_of(row: ClosureRow) -> StorageResult<FinalClosure> {
    let (sequence, month, last, ttc, hash, received_at) = row;
    Ok(FinalClosure {
        sequence: sequence as u64,
        month,
        last_ticket: last.map(|l| l as u64),
        total_ttc: multicaisse_core::Cents(ttc),
        hash: multicaisse_core::chain::ChainHash::from_hex(&hash).map_err(|e| {
            super::StorageError::Corrupt(format!("closure {sequence}: hash {hash}: {e}"))
        })?,
        received_at,
    })
}

macro_rules! impl_decommissions {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::decommissions::Decommissions for $storage {
            async fn insert_decommission(
                &self,
                store_id: i64,
                register_id: i64,
                user_id: i64,
                at: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::decommission::Decommission> {
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO decommissions (store_id, register_id, started_by, started_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(store_id)
                .bind(register_id)
                .bind(user_id)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match $crate::storage::StorageError::from(e) {
                    $crate::storage::StorageError::Conflict(_) => {
                        $crate::storage::StorageError::Conflict(
                            "this register is already being decommissioned".into(),
                        )
                    }
                    other => other,
                })?;
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.reloaded_decommission(id).await
            }

            async fn decommission(
                &self,
                id: i64,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::decommission::Decommission>>
            {
                use $crate::storage::decommissions as d;
                let sql = format!("{} WHERE d.id = $1", d::DECOMMISSION_SELECT);
                let row: Option<d::DecommissionRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(d::decommission_of))
            }

            async fn decommission_of_register(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::decommission::Decommission>>
            {
                use $crate::storage::decommissions as d;
                let sql = format!(
                    "{} WHERE d.register_id = $1 \
                     ORDER BY CASE WHEN d.cancelled_at IS NULL THEN 0 ELSE 1 END, d.id DESC LIMIT 1",
                    d::DECOMMISSION_SELECT
                );
                let row: Option<d::DecommissionRow> = sqlx::query_as(&sql)
                    .bind(register_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(d::decommission_of))
            }

            async fn decommissions_in_progress(
                &self,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::decommission::Decommission>>
            {
                use $crate::storage::decommissions as d;
                let sql = format!(
                    "{} WHERE d.cancelled_at IS NULL AND d.uninstalled_at IS NULL ORDER BY d.id",
                    d::DECOMMISSION_SELECT
                );
                let rows: Vec<d::DecommissionRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(d::decommission_of).collect())
            }

            async fn decommission_evidence(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<$crate::storage::decommissions::StoredEvidence> {
                use $crate::storage::decommissions as d;
                let (last_ticket,): (Option<i64>,) =
                    sqlx::query_as("SELECT MAX(sequence) FROM tickets WHERE register_id = $1")
                        .bind(register_id)
                        .fetch_one(&self.pool)
                        .await?;
                let closure: Option<d::ClosureRow> = sqlx::query_as(
                    "SELECT sequence, period_start, last_sequence, total_ttc, hash, received_at \
                     FROM closures WHERE register_id = $1 AND kind = 'monthly' \
                     ORDER BY sequence DESC LIMIT 1",
                )
                .bind(register_id)
                .fetch_optional(&self.pool)
                .await?;
                let final_closure = closure.map(d::final_closure_of).transpose()?;
                let mut syncs_after_closure = Vec::new();
                let mut month_sales_ttc = 0;
                if let Some(closure) = &final_closure {
                    let syncs: Vec<(i64, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                        "SELECT id, ended_at FROM sync_sessions WHERE register_id = $1 \
                         AND outcome = 'completed' AND started_at > $2 ORDER BY ended_at, id",
                    )
                    .bind(register_id)
                    .bind(closure.received_at)
                    .fetch_all(&self.pool)
                    .await?;
                    // What is left unsent is kept as last reported, so it belongs to the last sync.
                    let (pending,): (Option<i64>,) = sqlx::query_as(
                        "SELECT pending_local_changes FROM register_sync_status WHERE register_id = $1",
                    )
                    .bind(register_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .unwrap_or((None,));
                    let count = syncs.len();
                    syncs_after_closure = syncs
                        .into_iter()
                        .enumerate()
                        .map(|(i, (id, ended_at))| multicaisse_core::decommission::SyncEvidence {
                            id,
                            ended_at,
                            pending_local_changes: (i + 1 == count)
                                .then(|| pending.and_then(|p| u32::try_from(p).ok()))
                                .flatten(),
                        })
                        .collect();
                    let (_, month_end) = multicaisse_core::zperiod::ZPeriod::Month(closure.month).bounds(12);
                    let (ttc,): (Option<i64>,) = sqlx::query_as(
                        "SELECT CAST(SUM(ttc) AS BIGINT) FROM register_day_sales WHERE register_id = $1 \
                         AND business_date >= $2 AND business_date <= $3",
                    )
                    .bind(register_id)
                    .bind(closure.month)
                    .bind(month_end)
                    .fetch_one(&self.pool)
                    .await?;
                    month_sales_ttc = ttc.unwrap_or(0);
                }
                let (declared,): (Option<i64>,) = sqlx::query_as(
                    "SELECT MAX(last_sequence) FROM closures WHERE register_id = $1",
                )
                .bind(register_id)
                .fetch_one(&self.pool)
                .await?;
                let received: Vec<(i64,)> = match declared {
                    Some(declared) => {
                        sqlx::query_as(
                            "SELECT sequence FROM tickets WHERE register_id = $1 AND sequence <= $2 \
                             ORDER BY sequence",
                        )
                        .bind(register_id)
                        .bind(declared)
                        .fetch_all(&self.pool)
                        .await?
                    }
                    None => Vec::new(),
                };
                Ok(d::StoredEvidence {
                    last_ticket: last_ticket.map(|t| t as u64),
                    final_closure,
                    syncs_after_closure,
                    declared_through: declared.map(|t| t as u64),
                    received_through_declared: received.into_iter().map(|(n,)| n as u64).collect(),
                    month_sales_ttc,
                })
            }

            async fn suspend_decommission(
                &self,
                id: i64,
                user_id: i64,
                reason: &str,
                at: chrono::DateTime<chrono::Utc>,
                judged: $crate::storage::JudgedChains,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::decommission::Decommission> {
                let mut tx = self.write_tx().await?;
                let suspended: Option<(i64,)> = sqlx::query_as(
                    "UPDATE decommissions SET suspended_by = $2, suspended_at = $3, revoked_at = $3 \
                     WHERE id = $1 AND suspended_at IS NULL AND cancelled_at IS NULL \
                     RETURNING register_id",
                )
                .bind(id)
                .bind(user_id)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((register_id,)) = suspended else {
                    return Err($crate::storage::StorageError::Conflict(format!(
                        "decommission {id} is already suspended or was cancelled"
                    )));
                };
                sqlx::query(
                    "UPDATE registers SET status = 'suspended', suspended_at = $1 WHERE id = $2",
                )
                .bind(at)
                .bind(register_id)
                .execute(&mut *tx)
                .await?;
                // After the register's row is taken: a push holding it (it reads the status
                // under lock) has committed, and what it brought is seen here.
                let (tickets, closures): (Option<i64>, Option<i64>) = sqlx::query_as(
                    "SELECT (SELECT MAX(sequence) FROM tickets WHERE register_id = $1), \
                            (SELECT MAX(sequence) FROM closures WHERE register_id = $1)",
                )
                .bind(register_id)
                .fetch_one(&mut *tx)
                .await?;
                let now_seen = $crate::storage::JudgedChains {
                    last_ticket: tickets.map(|n| n as u64),
                    last_closure: closures.map(|n| n as u64),
                };
                if now_seen != judged {
                    let newest = |n: Option<u64>| n.map_or_else(|| "none".to_string(), |n| n.to_string());
                    return Err($crate::storage::StorageError::Refused {
                        conflict: multicaisse_core::api::Conflict::SyncedSinceCheck,
                        message: format!(
                            "the register synced since the check (its newest ticket is now {}, it was {}): \
                             look at the wizard again before suspending",
                            newest(now_seen.last_ticket),
                            newest(judged.last_ticket)
                        ),
                    });
                }
                sqlx::query(
                    "UPDATE device_tokens SET revoked_at = $1, revoked_reason = $2 \
                     WHERE register_id = $3 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(reason)
                .bind(register_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE register_sync_status SET device_revoked_at = $1 \
                     WHERE register_id = $2 AND device_revoked_at IS NULL",
                )
                .bind(at)
                .bind(register_id)
                .execute(&mut *tx)
                .await?;
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.reloaded_decommission(id).await
            }

            async fn uninstall_decommission(
                &self,
                id: i64,
                user_id: i64,
                at: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::decommission::Decommission> {
                self.record_decision(
                    "UPDATE decommissions SET uninstalled_by = $2, uninstalled_at = $3 \
                     WHERE id = $1 AND revoked_at IS NOT NULL AND uninstalled_at IS NULL",
                    (id, user_id, at),
                    "the uninstall is already confirmed, or the device is not revoked yet",
                    audit,
                )
                .await
            }

            async fn cancel_decommission(
                &self,
                id: i64,
                user_id: i64,
                at: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::decommission::Decommission> {
                self.record_decision(
                    "UPDATE decommissions SET cancelled_by = $2, cancelled_at = $3 \
                     WHERE id = $1 AND suspended_at IS NULL AND cancelled_at IS NULL",
                    (id, user_id, at),
                    "it is suspended or already cancelled: it cannot be cancelled",
                    audit,
                )
                .await
            }
        }

        impl $storage {
            /// A decision on a wizard (`UPDATE … WHERE` its conditions, binding id, user, time),
            /// or `Conflict` saying why when the conditions no longer hold.
            async fn record_decision(
                &self,
                sql: &str,
                (id, user_id, at): (i64, i64, chrono::DateTime<chrono::Utc>),
                refused: &str,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::decommission::Decommission> {
                let mut tx = self.write_tx().await?;
                let done = sqlx::query(sql)
                    .bind(id)
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::storage::StorageError::Conflict(format!(
                        "decommission {id}: {refused}"
                    )));
                }
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.reloaded_decommission(id).await
            }

            async fn reloaded_decommission(
                &self,
                id: i64,
            ) -> $crate::storage::StorageResult<multicaisse_core::decommission::Decommission> {
                $crate::storage::decommissions::Decommissions::decommission(self, id)
                    .await?
                    .ok_or_else(|| {
                        $crate::storage::StorageError::Corrupt(format!("decommission {id} vanished"))
                    })
            }
        }
    };
}

pub(super) use impl_decommissions;
