//! The facts the alert rule (`core::alerts`) reads, a shop at a time in a few queries, and the
//! alerts as kept: opened, updated while their cause lasts, cleared, never deleted. One SQL
//! body for both backends.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use multicaisse_core::alerts::{Alert, AlertChanges, BreakFact, GapFact, OpenAlert};

/// What the rule needs that the other traits do not give a shop at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreAlertFacts {
    /// Register and business day, for the days from `since` to the day before `today` that
    /// a register sold on without a daily Z.
    pub days_without_z: Vec<(i64, NaiveDate)>,
    /// Gaps not filled since, and not explained by the register.
    pub open_gaps: Vec<(i64, GapFact)>,
    pub breaks: Vec<(i64, BreakFact)>,
    /// Per register: the highest ticket its Z files declare, its highest ticket received,
    /// and when its latest Z arrived.
    pub declared: Vec<(i64, u64, u64, DateTime<Utc>)>,
}

#[async_trait]
pub trait Alerts: Send + Sync {
    async fn alert_facts(
        &self,
        store_id: i64,
        since: NaiveDate,
        today: NaiveDate,
    ) -> StorageResult<StoreAlertFacts>;

    /// The open alerts of a store, or of every store, most serious first, then oldest.
    async fn open_alerts(&self, store_id: Option<i64>) -> StorageResult<Vec<OpenAlert>>;

    /// Opens, updates and clears in one transaction; returns the alerts this call opened
    /// (another evaluation opening the same one at the same time opens it once).
    async fn apply_alert_changes(
        &self,
        store_id: i64,
        changes: &AlertChanges,
        lasting: &[Alert],
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<i64>>;

    /// Records that these alerts were mailed.
    async fn alerts_mailed(&self, ids: &[i64], at: DateTime<Utc>) -> StorageResult<()>;
}

fn seq(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(super) fn gap(first: i64, last: i64, detected_at: DateTime<Utc>) -> GapFact {
    GapFact {
        first: seq(first),
        last: seq(last),
        detected_at,
    }
}

pub(super) fn chain_break(record: &str, first: i64, detected_at: DateTime<Utc>) -> BreakFact {
    BreakFact {
        closure: record == "closure",
        sequence: seq(first),
        detected_at,
    }
}

pub(super) fn declared(
    row: (i64, i64, Option<i64>, DateTime<Utc>),
) -> (i64, u64, u64, DateTime<Utc>) {
    let (register_id, declared, received, at) = row;
    (register_id, seq(declared), seq(received.unwrap_or(0)), at)
}

/// One open alert's row.
#[derive(sqlx::FromRow)]
pub(super) struct AlertRow {
    pub(super) id: i64,
    pub(super) store_id: i64,
    pub(super) store_name: String,
    pub(super) time_zone: String,
    pub(super) register_id: i64,
    pub(super) number: i64,
    pub(super) label: String,
    pub(super) kind: String,
    pub(super) detail: String,
    pub(super) since: DateTime<Utc>,
    pub(super) opened_at: DateTime<Utc>,
}

impl TryFrom<AlertRow> for OpenAlert {
    type Error = super::StorageError;
    fn try_from(row: AlertRow) -> StorageResult<OpenAlert> {
        let corrupt =
            |what: String| super::StorageError::Corrupt(format!("alert {}: {what}", row.id));
        let kind = multicaisse_core::alerts::AlertKind::from_code(&row.kind)
            .ok_or_else(|| corrupt(format!("kind `{}`", row.kind)))?;
        let detail = serde_json::from_str(&row.detail).map_err(|e| corrupt(e.to_string()))?;
        let zone: chrono_tz::Tz = row
            .time_zone
            .parse()
            .map_err(|_| corrupt(format!("time zone `{}`", row.time_zone)))?;
        Ok(OpenAlert {
            since_local: row.since.with_timezone(&zone).naive_local(),
            id: row.id,
            store_id: row.store_id,
            store_name: row.store_name,
            opened_at: row.opened_at,
            alert: Alert {
                kind,
                register_id: row.register_id,
                register_number: u32::try_from(row.number).unwrap_or(0),
                register_label: row.label,
                detail,
                since: row.since,
            },
        })
    }
}

macro_rules! impl_alerts {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::alerts::Alerts for $storage {
            async fn alert_facts(
                &self,
                store_id: i64,
                since: chrono::NaiveDate,
                today: chrono::NaiveDate,
            ) -> $crate::storage::StorageResult<$crate::storage::alerts::StoreAlertFacts> {
                use $crate::storage::alerts::{chain_break, declared, gap};
                let days: Vec<(i64, chrono::NaiveDate)> = sqlx::query_as(
                    "SELECT s.register_id, s.business_date FROM register_day_sales s \
                     JOIN registers r ON r.id = s.register_id \
                     WHERE r.store_id = $1 AND s.business_date >= $2 AND s.business_date < $3 \
                     AND s.sale_count + s.refund_count > 0 \
                     AND NOT EXISTS (SELECT 1 FROM closures c WHERE c.register_id = s.register_id \
                         AND c.kind = 'daily' AND c.period_start = s.business_date) \
                     ORDER BY s.register_id, s.business_date",
                )
                .bind(store_id)
                .bind(since)
                .bind(today)
                .fetch_all(&self.pool)
                .await?;
                // A gap is filled when every number in it has arrived since.
                let gaps: Vec<(i64, i64, i64, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "SELECT g.register_id, g.first_missing, g.last_missing, g.detected_at \
                     FROM ticket_gaps g JOIN registers r ON r.id = g.register_id \
                     WHERE r.store_id = $1 AND g.explained_at IS NULL \
                     AND (SELECT COUNT(*) FROM tickets t WHERE t.register_id = g.register_id \
                          AND t.sequence BETWEEN g.first_missing AND g.last_missing) \
                         < g.last_missing - g.first_missing + 1 \
                     ORDER BY g.register_id, g.first_missing",
                )
                .bind(store_id)
                .fetch_all(&self.pool)
                .await?;
                let breaks: Vec<(i64, String, i64, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as(
                        "SELECT b.register_id, b.record, b.first_sequence, b.detected_at \
                         FROM chain_breaks b JOIN registers r ON r.id = b.register_id \
                         WHERE r.store_id = $1 ORDER BY b.register_id, b.record DESC",
                    )
                    .bind(store_id)
                    .fetch_all(&self.pool)
                    .await?;
                let declared_rows: Vec<(i64, i64, Option<i64>, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as(
                        "SELECT c.register_id, MAX(c.last_sequence), \
                         (SELECT MAX(t.sequence) FROM tickets t WHERE t.register_id = c.register_id), \
                         MAX(c.received_at) \
                         FROM closures c JOIN registers r ON r.id = c.register_id \
                         WHERE r.store_id = $1 AND c.last_sequence IS NOT NULL \
                         GROUP BY c.register_id ORDER BY c.register_id",
                    )
                    .bind(store_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok($crate::storage::alerts::StoreAlertFacts {
                    days_without_z: days,
                    open_gaps: gaps
                        .into_iter()
                        .map(|(id, first, last, at)| (id, gap(first, last, at)))
                        .collect(),
                    breaks: breaks
                        .into_iter()
                        .map(|(id, record, first, at)| (id, chain_break(&record, first, at)))
                        .collect(),
                    declared: declared_rows.into_iter().map(declared).collect(),
                })
            }

            async fn open_alerts(
                &self,
                store_id: Option<i64>,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::alerts::OpenAlert>> {
                let rows: Vec<$crate::storage::alerts::AlertRow> = sqlx::query_as(
                    "SELECT a.id, a.store_id, s.name AS store_name, s.time_zone, a.register_id, \
                     CAST(r.number AS BIGINT) AS number, r.label, a.kind, a.detail, a.since, \
                     a.opened_at \
                     FROM alerts a JOIN stores s ON s.id = a.store_id \
                     JOIN registers r ON r.id = a.register_id \
                     WHERE a.cleared_at IS NULL AND ($1 IS NULL OR a.store_id = $1) \
                     ORDER BY a.store_id, a.since, a.id",
                )
                .bind(store_id)
                .fetch_all(&self.pool)
                .await?;
                let mut alerts = rows
                    .into_iter()
                    .map(multicaisse_core::alerts::OpenAlert::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                // Most serious first (the kinds' order), then oldest: stable on the SQL order.
                alerts.sort_by_key(|a| (a.store_id, a.alert.kind));
                Ok(alerts)
            }

            async fn apply_alert_changes(
                &self,
                store_id: i64,
                changes: &multicaisse_core::alerts::AlertChanges,
                lasting: &[multicaisse_core::alerts::Alert],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<Vec<i64>> {
                let detail = |alert: &multicaisse_core::alerts::Alert| {
                    serde_json::to_string(&alert.detail)
                        .map_err(|e| $crate::storage::StorageError::Corrupt(e.to_string()))
                };
                let mut tx = self.pool.begin().await?;
                for subject in &changes.clear {
                    sqlx::query(
                        "UPDATE alerts SET cleared_at = $1 \
                         WHERE store_id = $2 AND subject = $3 AND cleared_at IS NULL",
                    )
                    .bind(now)
                    .bind(store_id)
                    .bind(subject)
                    .execute(&mut *tx)
                    .await?;
                }
                // What a lasting alert says may change (more tickets missing, other settings).
                for alert in lasting {
                    sqlx::query(
                        "UPDATE alerts SET detail = $1 \
                         WHERE store_id = $2 AND subject = $3 AND cleared_at IS NULL",
                    )
                    .bind(detail(alert)?)
                    .bind(store_id)
                    .bind(alert.subject())
                    .execute(&mut *tx)
                    .await?;
                }
                let mut opened = Vec::new();
                for alert in &changes.open {
                    let id: Option<(i64,)> = sqlx::query_as(
                        "INSERT INTO alerts \
                         (store_id, register_id, kind, subject, detail, since, opened_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(store_id)
                    .bind(alert.register_id)
                    .bind(alert.kind.code())
                    .bind(alert.subject())
                    .bind(detail(alert)?)
                    .bind(alert.since)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    opened.extend(id.map(|(id,)| id));
                }
                tx.commit().await?;
                Ok(opened)
            }

            async fn alerts_mailed(
                &self,
                ids: &[i64],
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                for id in ids {
                    sqlx::query("UPDATE alerts SET mailed_at = $1 WHERE id = $2")
                        .bind(at)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(())
            }
        }
    };
}

pub(super) use impl_alerts;
