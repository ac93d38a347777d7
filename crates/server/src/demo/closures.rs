//! The demo registers' closures, as their iPads would have produced them: a daily Z at the end
//! of each day they sold on, a monthly grand Z at the end of each month since their first
//! sale (empty months included), an annual Z at the end of each fiscal year, all chained.

use crate::ingest::{self, IngestError, Push};
use crate::storage::{Storage, StorageError, StorageResult};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::{Closure, ClosureTotals};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::ticket::Ticket;
use multicaisse_core::zperiod::ZPeriod;
use multicaisse_core::Cents;
use std::collections::BTreeMap;

/// Closures per push: well under the body limit.
const PER_PUSH: usize = 400;

/// 21:00 local on `day`: when the shop closes its till.
fn closing_time(store: &Store, day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(21, 0, 0)
        .and_then(|t| store.time_zone.from_local_datetime(&t).earliest())
        .map_or_else(
            || day.and_hms_opt(20, 0, 0).unwrap_or_default().and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// Seals the closures of a register's `tickets` for every period over before `today`, from
/// `active_from` (its activation day) or its first sale, whichever is earlier.
pub fn closures_of(
    store: &Store,
    tickets: &[Ticket],
    active_from: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<Closure> {
    let mut days: BTreeMap<NaiveDate, ClosureTotals> = BTreeMap::new();
    for ticket in tickets {
        days.entry(store.business_date(ticket.body.issued_at))
            .or_default()
            .add(ticket);
    }
    let Some(first) = days
        .keys()
        .next()
        .copied()
        .into_iter()
        .chain(active_from)
        .min()
    else {
        return Vec::new();
    };
    let fiscal_end = store.fiscal_year_end_month;
    let mut closures = Vec::new();
    let mut previous = ChainHash::GENESIS;
    let mut perpetual = Cents(0);
    let mut last_ticket_hash = ChainHash::GENESIS;
    let mut month = ClosureTotals::default();
    let mut month_perpetual = Cents(0);
    let mut month_last_hash = ChainHash::GENESIS;
    let mut year = ClosureTotals::default();
    let mut year_perpetual = Cents(0);
    let mut year_last_hash = ChainHash::GENESIS;
    let mut seal = |totals: &ClosureTotals, period: ZPeriod, before: Cents, hash: ChainHash| {
        let (start, end) = period.bounds(fiscal_end);
        let body = totals.body(
            closures.len() as u64 + 1,
            period.kind(),
            start,
            end,
            before,
            hash,
            closing_time(store, end),
        );
        let closure = body.seal(previous);
        previous = closure.hash;
        closures.push(closure);
    };
    let mut day = first;
    while day < today {
        if let Some(totals) = days.get(&day) {
            seal(totals, ZPeriod::Day(day), perpetual, last_ticket_hash);
            perpetual += totals.total_ttc();
            last_ticket_hash = totals.last_ticket.map_or(last_ticket_hash, |(_, h)| h);
            month.merge(totals);
            year.merge(totals);
        }
        let next = day + Days::new(1);
        if next.month() != day.month() {
            let first_of_month = day.with_day(1).unwrap_or(day);
            seal(
                &month,
                ZPeriod::Month(first_of_month),
                month_perpetual,
                month_last_hash,
            );
            month = ClosureTotals::default();
            (month_perpetual, month_last_hash) = (perpetual, last_ticket_hash);
            if day.month() == u32::from(fiscal_end) {
                seal(
                    &year,
                    ZPeriod::FiscalYear(day.year()),
                    year_perpetual,
                    year_last_hash,
                );
                year = ClosureTotals::default();
                (year_perpetual, year_last_hash) = (perpetual, last_ticket_hash);
            }
        }
        day = next;
    }
    closures
}

/// Pushes the closures through the ingest path, as the register's syncs would have.
pub async fn push(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
    closures: &[Closure],
) -> StorageResult<()> {
    for batch in closures.chunks(PER_PUSH) {
        let push = Push {
            tickets: &[],
            closures: batch,
            settings: None,
            changes: &[],
            gap_explanations: &[],
            under_lease: false,
        };
        ingest::push(storage, register, store.time_zone, None, push)
            .await
            .map_err(|e| match e {
                IngestError::Storage(e) => e,
                IngestError::Refused(r) => {
                    StorageError::Corrupt(format!("demo closure refused: {r}"))
                }
            })?;
    }
    Ok(())
}
