//! The first screen's figures: each register's tickets today and this month so far, and over
//! the same hours a week and a month before (core's `glance` decides the spans and what is
//! comparable).

use crate::error::{AppError, AppResult};
use crate::storage::{Storage, StorageResult};
use chrono::{DateTime, NaiveDate, Utc};
use multicaisse_core::freshness::{SyncBrief, SyncState};
use multicaisse_core::glance::{Glance, GlanceWindows, RegisterTallies, Span, Tally};
use multicaisse_core::period::DateRange;
use multicaisse_core::store::RegisterStatus;
use std::collections::HashMap;

/// Each register's tickets over a span's whole days, from the rollups.
async fn whole_tallies(
    storage: &dyn Storage,
    store_id: i64,
    span: Span,
) -> StorageResult<HashMap<i64, Tally>> {
    match span.whole_days() {
        Some((from, to)) => {
            let days = storage
                .sales_rollup(store_id, DateRange { from, to })
                .await?;
            Ok(days
                .iter()
                .map(|(id, day)| (*id, Tally::from(day)))
                .collect())
        }
        None => Ok(HashMap::new()),
    }
}

/// Each register's tickets of a span's last day up to its instant, from the tickets.
async fn cut_tallies(
    storage: &dyn Storage,
    store_id: i64,
    span: Span,
) -> StorageResult<HashMap<i64, Tally>> {
    match span.until {
        Some(until) => {
            storage
                .day_tallies(store_id, span.last_day, Some(until))
                .await
        }
        None => Ok(HashMap::new()),
    }
}

/// `whole` with `last` (the span's last day) added to it.
fn merged(
    mut whole: HashMap<i64, Tally>,
    last: &HashMap<i64, Tally>,
    day: NaiveDate,
) -> StorageResult<HashMap<i64, Tally>> {
    for (id, tally) in last {
        let sum = whole.entry(*id).or_default();
        *sum = sum
            .checked_merge(*tally)
            .ok_or_else(|| overflow(*id, day))?;
    }
    Ok(whole)
}

fn overflow(register_id: i64, day: NaiveDate) -> crate::storage::StorageError {
    crate::storage::StorageError::Corrupt(format!(
        "register {register_id}: the takings up to {day} overflow"
    ))
}

/// The first screen of a store at `now`.
pub async fn glance(storage: &dyn Storage, store_id: i64, now: DateTime<Utc>) -> AppResult<Glance> {
    let (store, registers) = storage
        .store_with_registers(store_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("store {store_id} does not exist")))?;
    let windows = GlanceWindows::at(now, store.time_zone);
    // The month's last day is today, cut now: today's tickets are read once for both.
    let (today, last_week, month, previous_whole, previous_cut, syncs) = tokio::join!(
        cut_tallies(storage, store_id, windows.today),
        cut_tallies(storage, store_id, windows.last_week),
        whole_tallies(storage, store_id, windows.month),
        whole_tallies(storage, store_id, windows.previous_month),
        cut_tallies(storage, store_id, windows.previous_month),
        storage.sync_status(store_id),
    );
    let (today, last_week) = (today?, last_week?);
    let month = merged(month?, &today, windows.today.last_day)?;
    let previous_month = merged(
        previous_whole?,
        &previous_cut?,
        windows.previous_month.last_day,
    )?;
    let syncs: HashMap<i64, SyncBrief> = syncs?
        .into_iter()
        .map(|row| (row.register_id, row.brief(now)))
        .collect();
    let of = |tallies: &HashMap<i64, Tally>, id: i64| tallies.get(&id).copied().unwrap_or_default();
    let lines = registers
        .into_iter()
        .filter_map(|register| {
            let id = register.id;
            let tallies = RegisterTallies {
                today: of(&today, id),
                last_week: of(&last_week, id),
                month: of(&month, id),
                previous_month: of(&previous_month, id),
            };
            let sync = syncs.get(&id).cloned().unwrap_or(SyncBrief {
                register_id: id,
                state: SyncState::OutOfService,
                last_sync_at: None,
            });
            // A register out of service that sold nothing in either month has nothing to say
            // about today; a pending one is not selling yet.
            let silent = tallies.month.tickets() == 0 && tallies.previous_month.tickets() == 0;
            let idle = register.status == RegisterStatus::Pending
                || (sync.state == SyncState::OutOfService && silent);
            (!idle).then_some((register, tallies, sync))
        })
        .collect();
    Ok(Glance::new(store_id, now, store.time_zone, lines)
        .map_err(|e| crate::storage::StorageError::Corrupt(e.to_string()))?)
}
