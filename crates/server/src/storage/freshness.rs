//! Reading how fresh each register is: the precomputed `register_sync_status` rows (kept by
//! the sync transactions in `sql.rs`), a store's recent sessions, and the support fleet view.
//! One SQL body for both backends.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use multicaisse_core::freshness::{LastAttempt, StateCount, SyncFacts, SyncState};
use multicaisse_core::store::RegisterStatus;

pub use multicaisse_core::freshness::{
    HeldLease as LeaseRow, RegisterSyncStatus as StatusRow, SyncAttempt as SessionRow,
};

/// One register of the fleet, before its state is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetEntry {
    pub store_id: i64,
    pub store_name: String,
    pub register_id: i64,
    pub number: u32,
    pub label: String,
    pub facts: SyncFacts,
    pub last_attempt: Option<LastAttempt>,
}

/// Where the fleet's figures come from: the precomputed status rows, or recomputed from the
/// sessions, cursors and change log (the reference the precomputed rows must equal, and the
/// benchmark's baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetSource {
    Precomputed,
    FromHistory,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetSlice {
    pub entries: Vec<FleetEntry>,
    pub total: u64,
    pub counts: Vec<StateCount>,
}

#[async_trait]
pub trait Freshness: Send + Sync {
    /// Every register of a store with its sync status.
    async fn sync_status(&self, store_id: i64) -> StorageResult<Vec<StatusRow>>;

    /// A store's sync attempts started since `since`, oldest first.
    async fn sync_history(
        &self,
        store_id: i64,
        since: DateTime<Utc>,
    ) -> StorageResult<Vec<SessionRow>>;

    /// The leases held at `now_ms` by registers of a store (the syncs under way), by
    /// register.
    async fn leases(&self, store_id: i64, now_ms: i64) -> StorageResult<Vec<LeaseRow>>;

    /// One page of the fleet, worst first (see `SyncFacts::fleet_key`), with the number of
    /// registers per state among those matching the store filter.
    #[allow(clippy::too_many_arguments)]
    async fn fleet(
        &self,
        source: FleetSource,
        store: Option<&str>,
        state: Option<SyncState>,
        now: DateTime<Utc>,
        limit: u32,
        offset: u64,
    ) -> StorageResult<FleetSlice>;
}

/// A register of the fleet with its status row, as the fleet page reads it.
#[derive(sqlx::FromRow)]
pub(super) struct FleetDbRow {
    store_id: i64,
    store_name: String,
    register_id: i64,
    number: i64,
    label: String,
    status: String,
    last_sync_at: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_attempt_outcome: Option<String>,
    behind: i64,
    pending_local_changes: Option<i64>,
    device_revoked_at: Option<DateTime<Utc>>,
}

/// A register's status row and what its iPad last reported, for the store's page.
#[derive(sqlx::FromRow)]
pub(super) struct StoreStatusRow {
    register_id: i64,
    status: String,
    last_sync_at: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_attempt_outcome: Option<String>,
    behind: i64,
    pending_local_changes: Option<i64>,
    device_revoked_at: Option<DateTime<Utc>>,
    device_name: Option<String>,
    device_model: Option<String>,
    settings: Option<String>,
}

pub(super) fn status_row(row: StoreStatusRow) -> StatusRow {
    let app_version = row
        .settings
        .and_then(|json| {
            serde_json::from_str::<multicaisse_core::sync::RegisterSettings>(&json).ok()
        })
        .map(|s| s.app_version);
    StatusRow {
        register_id: row.register_id,
        facts: facts(
            &row.status,
            row.last_sync_at,
            row.behind,
            row.pending_local_changes,
            row.device_revoked_at,
        ),
        last_attempt: last_attempt(row.last_attempt_at, row.last_attempt_outcome),
        device: row
            .device_name
            .zip(row.device_model)
            .map(|(name, model)| multicaisse_core::freshness::DeviceInfo { name, model }),
        app_version,
    }
}

pub(super) fn in_service(status: &str, device_revoked_at: Option<DateTime<Utc>>) -> bool {
    let status = RegisterStatus::from_code(status);
    device_revoked_at.is_none()
        && matches!(
            status,
            Some(RegisterStatus::Active | RegisterStatus::DecommissionRequested)
        )
}

pub(super) fn last_attempt(
    at: Option<DateTime<Utc>>,
    outcome: Option<String>,
) -> Option<LastAttempt> {
    Some(LastAttempt {
        at: at?,
        outcome: outcome?,
    })
}

pub(super) fn facts(
    status: &str,
    last_sync_at: Option<DateTime<Utc>>,
    behind: i64,
    pending: Option<i64>,
    device_revoked_at: Option<DateTime<Utc>>,
) -> SyncFacts {
    SyncFacts {
        in_service: in_service(status, device_revoked_at),
        last_sync_at,
        behind: u64::try_from(behind).unwrap_or(0),
        pending_local_changes: pending.and_then(|p| u32::try_from(p).ok()),
    }
}

pub(super) fn fleet_entry(row: FleetDbRow) -> FleetEntry {
    FleetEntry {
        store_id: row.store_id,
        store_name: row.store_name,
        register_id: row.register_id,
        number: u32::try_from(row.number).unwrap_or(0),
        label: row.label,
        facts: facts(
            &row.status,
            row.last_sync_at,
            row.behind,
            row.pending_local_changes,
            row.device_revoked_at,
        ),
        last_attempt: last_attempt(row.last_attempt_at, row.last_attempt_outcome),
    }
}

/// The state rule of `SyncFacts::state` in SQL, as a severity (0 worst), over a row `s` of
/// status columns joined to its register `r`; `$cutoff` is now minus `LATE_AFTER_HOURS`.
pub(super) const SEVERITY_SQL: &str = "CASE \
    WHEN r.status NOT IN ('active', 'decommission_requested') OR s.device_revoked_at IS NOT NULL THEN 4 \
    WHEN s.last_sync_at IS NULL THEN 1 \
    WHEN s.last_sync_at < $cutoff THEN 0 \
    WHEN s.behind > 0 OR COALESCE(s.pending_local_changes, 0) > 0 THEN 2 \
    ELSE 3 END";

/// What the status row `s` of a register in `state` meets, whatever the register's own status
/// (a necessary part of `SEVERITY_SQL`'s rule, `$cutoff` as there): filtered on before the
/// joins, it spares them the other states' rows. Out of service has no such condition.
pub(super) fn state_condition(state: SyncState) -> Option<&'static str> {
    Some(match state {
        SyncState::Late => "s.device_revoked_at IS NULL AND s.last_sync_at < $cutoff",
        SyncState::NeverSynced => "s.device_revoked_at IS NULL AND s.last_sync_at IS NULL",
        SyncState::NeedsResync => {
            "s.device_revoked_at IS NULL AND s.last_sync_at >= $cutoff \
             AND (s.behind > 0 OR COALESCE(s.pending_local_changes, 0) > 0)"
        }
        SyncState::UpToDate => {
            "s.device_revoked_at IS NULL AND s.last_sync_at >= $cutoff \
             AND NOT (s.behind > 0 OR COALESCE(s.pending_local_changes, 0) > 0)"
        }
        SyncState::OutOfService => return None,
    })
}

/// The status columns recomputed from the history: what `register_sync_status` holds, without
/// it. `{pending}` is the backend's JSON read of `rs.settings`.
pub(super) const STATUS_FROM_HISTORY_SQL: &str = "(SELECT r0.id AS register_id, r0.store_id AS store_id, \
       (SELECT MAX(x.ended_at) FROM sync_sessions x \
         WHERE x.register_id = r0.id AND x.outcome = 'completed') AS last_sync_at, \
       (SELECT MAX(x.started_at) FROM sync_sessions x WHERE x.register_id = r0.id) AS last_attempt_at, \
       (SELECT x.outcome FROM sync_sessions x WHERE x.register_id = r0.id \
         ORDER BY x.id DESC LIMIT 1) AS last_attempt_outcome, \
       (SELECT COUNT(*) FROM store_changes c \
         WHERE c.store_id = r0.store_id AND c.origin_register_id <> r0.id \
           AND c.seq > COALESCE((SELECT k.cursor FROM register_cursors k \
                                WHERE k.register_id = r0.id), 0)) AS behind, \
       (SELECT {pending} FROM register_settings rs WHERE rs.register_id = r0.id) AS pending_local_changes, \
       CASE WHEN EXISTS (SELECT 1 FROM device_tokens d WHERE d.register_id = r0.id) \
             AND NOT EXISTS (SELECT 1 FROM device_tokens d WHERE d.register_id = r0.id \
                             AND d.revoked_at IS NULL) \
            THEN (SELECT MAX(d.revoked_at) FROM device_tokens d WHERE d.register_id = r0.id) \
       END AS device_revoked_at \
     FROM registers r0)";

/// `LIKE` pattern for a part of a store's name, its wildcards escaped.
pub(super) fn name_pattern(text: &str) -> String {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

macro_rules! impl_freshness {
    ($storage:ty, $db:ty, $pending:expr) => {
        #[async_trait::async_trait]
        impl $crate::storage::freshness::Freshness for $storage {
            async fn sync_status(
                &self,
                store_id: i64,
            ) -> $crate::storage::StorageResult<Vec<$crate::storage::freshness::StatusRow>> {
                use $crate::storage::freshness as f;
                let rows: Vec<f::StoreStatusRow> = sqlx::query_as(
                    "SELECT s.register_id, r.status, s.last_sync_at, s.last_attempt_at, \
                     s.last_attempt_outcome, s.behind, s.pending_local_changes, s.device_revoked_at, \
                     (SELECT d.device_name FROM device_tokens d WHERE d.register_id = s.register_id \
                      ORDER BY d.id DESC LIMIT 1) AS device_name, \
                     (SELECT d.device_model FROM device_tokens d WHERE d.register_id = s.register_id \
                      ORDER BY d.id DESC LIMIT 1) AS device_model, \
                     (SELECT rs.settings FROM register_settings rs WHERE rs.register_id = s.register_id) \
                     AS settings \
                     FROM register_sync_status s JOIN registers r ON r.id = s.register_id \
                     WHERE s.store_id = $1 ORDER BY r.number",
                )
                .bind(store_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(f::status_row)
                    .collect())
            }

            async fn sync_history(
                &self,
                store_id: i64,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<Vec<$crate::storage::freshness::SessionRow>> {
                type Row = (
                    i64,
                    chrono::DateTime<chrono::Utc>,
                    Option<chrono::DateTime<chrono::Utc>>,
                    String,
                    Option<i64>,
                );
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT register_id, started_at, ended_at, outcome, blocked_by_register_id \
                     FROM sync_sessions WHERE store_id = $1 AND started_at >= $2 \
                     ORDER BY started_at, id",
                )
                .bind(store_id)
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(register_id, started_at, ended_at, outcome, blocked_by)| {
                        $crate::storage::freshness::SessionRow {
                            register_id,
                            started_at,
                            ended_at,
                            outcome,
                            blocked_by,
                        }
                    })
                    .collect())
            }

            async fn leases(
                &self,
                store_id: i64,
                now_ms: i64,
            ) -> $crate::storage::StorageResult<Vec<$crate::storage::freshness::LeaseRow>> {
                let rows: Vec<(i64, chrono::DateTime<chrono::Utc>, i64)> = sqlx::query_as(
                    "SELECT l.register_id, ss.started_at, l.expires_at_ms FROM sync_leases l \
                     JOIN sync_sessions ss ON ss.id = l.session_id \
                     WHERE l.store_id = $1 AND l.expires_at_ms > $2 ORDER BY l.register_id",
                )
                .bind(store_id)
                .bind(now_ms)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(register_id, since, expires_at_ms)| {
                    $crate::storage::freshness::LeaseRow {
                        register_id,
                        since,
                        expires_at: chrono::DateTime::from_timestamp_millis(expires_at_ms)
                            .unwrap_or(since),
                    }
                }).collect())
            }

            async fn fleet(
                &self,
                source: $crate::storage::freshness::FleetSource,
                store: Option<&str>,
                state: Option<multicaisse_core::freshness::SyncState>,
                now: chrono::DateTime<chrono::Utc>,
                limit: u32,
                offset: u64,
            ) -> $crate::storage::StorageResult<$crate::storage::freshness::FleetSlice> {
                use $crate::storage::freshness as f;
                use multicaisse_core::freshness::{SyncState, LATE_AFTER_HOURS};
                let status_table = match source {
                    f::FleetSource::Precomputed => "register_sync_status".to_string(),
                    f::FleetSource::FromHistory => {
                        f::STATUS_FROM_HISTORY_SQL.replace("{pending}", $pending)
                    }
                };
                let cutoff = now - chrono::Duration::hours(LATE_AFTER_HOURS);
                // SQL text with the cutoff bound wherever it says `$cutoff`.
                let push_sql = |query: &mut sqlx::QueryBuilder<'_, $db>, sql: &str| {
                    let mut parts = sql.split("$cutoff");
                    query.push(parts.next().unwrap_or_default());
                    for part in parts {
                        query.push_bind(cutoff).push(part);
                    }
                };
                // The severity is computed once per row in a derived table, then filtered and
                // sorted on. Stores are joined only for the page, which sorts on their names:
                // the counts read a name filter through a subquery. `page_state` filters on a
                // state, first by its condition on the status row alone, before the joins.
                let build = |select: &str, page: bool, page_state: Option<SyncState>| {
                    let mut query = sqlx::QueryBuilder::<$db>::new(select);
                    query.push(" FROM (SELECT r.store_id AS store_id, ");
                    if page {
                        query.push("st.name AS store_name, ");
                    }
                    query.push(
                        "r.id AS register_id, r.number AS number, r.label AS label, \
                         r.status AS status, s.last_sync_at, s.last_attempt_at, \
                         s.last_attempt_outcome, s.behind, s.pending_local_changes, \
                         s.device_revoked_at, ",
                    );
                    push_sql(&mut query, f::SEVERITY_SQL);
                    query
                        .push(" AS severity FROM ")
                        .push(&status_table)
                        .push(" s JOIN registers r ON r.id = s.register_id");
                    if page {
                        query.push(" JOIN stores st ON st.id = r.store_id");
                    }
                    let mut glue = " WHERE ";
                    match store.map(|text| (text, text.parse::<i64>())) {
                        Some((_, Ok(id))) => {
                            query.push(glue).push("r.store_id = ").push_bind(id);
                            glue = " AND ";
                        }
                        Some((text, Err(_))) => {
                            query.push(glue).push(if page {
                                "LOWER(st.name) LIKE "
                            } else {
                                "r.store_id IN (SELECT st.id FROM stores st WHERE LOWER(st.name) LIKE "
                            });
                            query
                                .push_bind(f::name_pattern(text))
                                .push(if page { " ESCAPE '\\'" } else { " ESCAPE '\\')" });
                            glue = " AND ";
                        }
                        None => {}
                    }
                    if let Some(condition) = page_state.and_then(f::state_condition) {
                        query.push(glue).push("(");
                        push_sql(&mut query, condition);
                        query.push(")");
                    }
                    query.push(") f");
                    if let Some(state) = page_state {
                        query
                            .push(" WHERE f.severity = ")
                            .push_bind(i32::from(state.severity()));
                    }
                    query
                };
                let mut counts_query = build("SELECT f.severity, CAST(COUNT(*) AS BIGINT)", false, None);
                counts_query.push(" GROUP BY f.severity");
                let counted: Vec<(i32, i64)> =
                    counts_query.build_query_as().fetch_all(&self.pool).await?;
                let counts: Vec<multicaisse_core::freshness::StateCount> = SyncState::ALL
                    .into_iter()
                    .map(|state| multicaisse_core::freshness::StateCount {
                        state,
                        count: counted
                            .iter()
                            .find(|(severity, _)| *severity == i32::from(state.severity()))
                            .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0)),
                    })
                    .collect();
                let total = counts
                    .iter()
                    .filter(|c| state.is_none_or(|s| s == c.state))
                    .map(|c| c.count)
                    .sum();
                // The registers are sorted by state first: a page that lies within one state
                // (the first page of a fleet with late registers) is that state's page at the
                // offset among them, the same rows read without the others.
                let (page_state, page_offset) = match state {
                    Some(state) => (Some(state), offset),
                    None => {
                        let end = offset.saturating_add(u64::from(limit)).min(total);
                        let mut before = 0;
                        let mut within = (None, offset);
                        for c in &counts {
                            let after = before + c.count;
                            if before <= offset && offset < after && end <= after {
                                within = (Some(c.state), offset - before);
                                break;
                            }
                            before = after;
                        }
                        within
                    }
                };
                let mut page = build(
                    "SELECT f.store_id, f.store_name, f.register_id, CAST(f.number AS BIGINT) AS number, \
                     f.label, f.status, f.last_sync_at, f.last_attempt_at, f.last_attempt_outcome, \
                     CAST(f.behind AS BIGINT) AS behind, \
                     CAST(f.pending_local_changes AS BIGINT) AS pending_local_changes, \
                     f.device_revoked_at",
                    true,
                    page_state,
                );
                page.push(
                    " ORDER BY f.severity, f.last_sync_at ASC NULLS FIRST, f.behind DESC, \
                     f.store_name, f.number, f.register_id LIMIT ",
                )
                .push_bind(i64::from(limit))
                .push(" OFFSET ")
                .push_bind(i64::try_from(page_offset).unwrap_or(i64::MAX));
                let rows: Vec<f::FleetDbRow> = page.build_query_as().fetch_all(&self.pool).await?;
                Ok(f::FleetSlice {
                    entries: rows.into_iter().map(f::fleet_entry).collect(),
                    total,
                    counts,
                })
            }
        }
    };
}

pub(super) use impl_freshness;
