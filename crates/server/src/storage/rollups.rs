//! The daily sales rollups per register (see `core::rollup`): written in the transaction that
//! stores tickets, read by the sales reports. One SQL body for both backends.

use super::{StorageError, StorageResult};
use async_trait::async_trait;
use chrono::NaiveDate;
use multicaisse_core::period::DateRange;
use multicaisse_core::rollup::DaySales;
use multicaisse_core::ticket::PaymentMethod;
use multicaisse_core::{Cents, VatRate};
use std::collections::{BTreeMap, HashMap};

/// One register's net sales on one day, for the daily chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayPoint {
    pub register_id: i64,
    pub date: NaiveDate,
    pub tickets: u64,
    pub ttc: Cents,
}

#[async_trait]
pub trait Rollups: Send + Sync {
    /// Each register's sales over a range of business days, summed from the rollups (registers
    /// without a ticket in the range are absent). Hours are left out: see `hourly_sales`.
    async fn sales_rollup(
        &self,
        store_id: i64,
        range: DateRange,
    ) -> StorageResult<HashMap<i64, DaySales>> {
        Ok(self.sales_compared(store_id, range, range).await?.0)
    }

    /// The same, with each register's net TTC over the period it compares with, in one
    /// query: a report's cost is dominated by round trips, not rows.
    async fn sales_compared(
        &self,
        store_id: i64,
        range: DateRange,
        previous: DateRange,
    ) -> StorageResult<(HashMap<i64, DaySales>, HashMap<i64, Cents>)>;

    /// Each register's tickets and amounts per local hour over a range, summed over its days.
    async fn hourly_sales(
        &self,
        store_id: i64,
        range: DateRange,
    ) -> StorageResult<HashMap<i64, BTreeMap<u8, multicaisse_core::rollup::HourTotals>>>;

    /// Each register's net sales per day of a range (days without tickets are absent).
    async fn daily_sales(&self, store_id: i64, range: DateRange) -> StorageResult<Vec<DayPoint>>;

    /// Writes a register's rollups from all its tickets, in one transaction, unless it has
    /// some already (another process rebuilt it first); returns whether it wrote. All or
    /// nothing per register: a crash leaves the register to the next start, never half done.
    async fn rebuild_rollups(
        &self,
        register_id: i64,
        days: &BTreeMap<NaiveDate, DaySales>,
    ) -> StorageResult<bool>;

    /// Each register's tickets of one business day issued before `until` (all of them without
    /// it), from the tickets themselves: the rollups have whole days only, and "so far today"
    /// is compared with the same hours of another day.
    async fn day_tallies(
        &self,
        store_id: i64,
        day: NaiveDate,
        until: Option<chrono::DateTime<chrono::Utc>>,
    ) -> StorageResult<HashMap<i64, multicaisse_core::glance::Tally>>;

    /// The registers whose tickets the rollups do not count (a database from before them, or
    /// a rebuild that did not finish).
    async fn registers_without_rollups(&self) -> StorageResult<Vec<i64>>;
}

pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(super) fn rate(bp: i64) -> StorageResult<VatRate> {
    u16::try_from(bp)
        .ok()
        .and_then(|bp| VatRate::new(bp).ok())
        .ok_or_else(|| StorageError::Corrupt(format!("VAT rate {bp} bp")))
}

/// The payment columns of `register_day_sales`, in their order.
pub(super) const PAYMENT_COLUMNS: [PaymentMethod; 4] = [
    PaymentMethod::Card,
    PaymentMethod::Cash,
    PaymentMethod::Cheque,
    PaymentMethod::GiftVoucher,
];

pub(super) fn hour(h: i64) -> StorageResult<u8> {
    u8::try_from(h)
        .ok()
        .filter(|h| *h < 24)
        .ok_or_else(|| StorageError::Corrupt(format!("hour {h}")))
}

/// Rows per multi-row upsert, well under both backends' bound-parameter limits.
pub(super) const ROLLUP_CHUNK: usize = 500;

/// Implements [`Rollups`], and the upsert that ingest runs in its transaction, for a struct
/// with a `pool: sqlx::Pool<$db>` field.
/// One row of the sales report's query: a register's day totals over the range, its takings
/// over the previous range (`ttc` only), or one VAT rate's totals (`rate`, `ttc`, `ht`, `vat`).
#[derive(sqlx::FromRow)]
pub(super) struct SalesPartRow {
    pub(super) part: String,
    pub(super) register_id: i64,
    pub(super) rate: Option<String>,
    pub(super) sale_count: i64,
    pub(super) refund_count: i64,
    pub(super) ttc: i64,
    pub(super) ht: i64,
    pub(super) vat: i64,
    pub(super) refund_ttc: i64,
    pub(super) discounts: i64,
    pub(super) card: i64,
    pub(super) cash: i64,
    pub(super) cheque: i64,
    pub(super) gift_voucher: i64,
}

macro_rules! impl_rollups {
    ($storage:ty, $db:ty) => {
        impl $storage {
            /// Adds `days` to the register's rollups inside `tx`.
            pub(super) async fn upsert_rollups(
                tx: &mut sqlx::Transaction<'_, $db>,
                register_id: i64,
                days: &std::collections::BTreeMap<chrono::NaiveDate, multicaisse_core::rollup::DaySales>,
            ) -> $crate::storage::StorageResult<()> {
                use $crate::storage::rollups::{PAYMENT_COLUMNS, ROLLUP_CHUNK};
                let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
                let days: Vec<_> = days.iter().collect();
                for chunk in days.chunks(ROLLUP_CHUNK) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO register_day_sales (register_id, business_date, sale_count, \
                         refund_count, ttc, ht, vat, refund_ttc, discounts, card, cash, cheque, \
                         gift_voucher) ",
                    );
                    q.push_values(chunk, |mut row, (date, day)| {
                        row.push_bind(register_id)
                            .push_bind(**date)
                            .push_bind(n(day.sale_count))
                            .push_bind(n(day.refund_count))
                            .push_bind(day.ttc.0)
                            .push_bind(day.ht.0)
                            .push_bind(day.vat.0)
                            .push_bind(day.refund_ttc.0)
                            .push_bind(day.discounts.0);
                        for method in PAYMENT_COLUMNS {
                            row.push_bind(day.by_payment.get(&method).copied().unwrap_or_default().0);
                        }
                    });
                    q.push(
                        " ON CONFLICT (register_id, business_date) DO UPDATE SET \
                         sale_count = register_day_sales.sale_count + excluded.sale_count, \
                         refund_count = register_day_sales.refund_count + excluded.refund_count, \
                         ttc = register_day_sales.ttc + excluded.ttc, \
                         ht = register_day_sales.ht + excluded.ht, \
                         vat = register_day_sales.vat + excluded.vat, \
                         refund_ttc = register_day_sales.refund_ttc + excluded.refund_ttc, \
                         discounts = register_day_sales.discounts + excluded.discounts, \
                         card = register_day_sales.card + excluded.card, \
                         cash = register_day_sales.cash + excluded.cash, \
                         cheque = register_day_sales.cheque + excluded.cheque, \
                         gift_voucher = register_day_sales.gift_voucher + excluded.gift_voucher",
                    );
                    q.build().execute(&mut **tx).await?;
                }
                let rates: Vec<_> = days
                    .iter()
                    .flat_map(|(date, day)| day.by_rate.iter().map(move |(r, t)| (**date, *r, *t)))
                    .collect();
                // TTC adds up; HT and VAT are the whole day's, written over just below.
                Self::write_rates(tx, register_id, &rates, "ttc = register_day_rates.ttc + excluded.ttc")
                    .await?;
                Self::settle_days(tx, register_id, days.iter().map(|(date, _)| **date)).await?;
                let hours: Vec<_> = days
                    .iter()
                    .flat_map(|(date, day)| day.by_hour.iter().map(move |(h, t)| (**date, *h, *t)))
                    .collect();
                for chunk in hours.chunks(ROLLUP_CHUNK) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO register_day_hours (register_id, business_date, hour, tickets, ttc, ht) ",
                    );
                    q.push_values(chunk, |mut row, (date, hour, t)| {
                        row.push_bind(register_id)
                            .push_bind(*date)
                            .push_bind(i64::from(*hour))
                            .push_bind(n(t.tickets))
                            .push_bind(t.ttc.0)
                            .push_bind(t.ht.0);
                    });
                    q.push(
                        " ON CONFLICT (register_id, business_date, hour) DO UPDATE SET \
                         tickets = register_day_hours.tickets + excluded.tickets, \
                         ttc = register_day_hours.ttc + excluded.ttc, \
                         ht = register_day_hours.ht + excluded.ht",
                    );
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }
        }

        impl $storage {
            /// Upserts rows of `register_day_rates`, `set` saying what an existing row takes.
            async fn write_rates(
                tx: &mut sqlx::Transaction<'_, $db>,
                register_id: i64,
                rates: &[(chrono::NaiveDate, multicaisse_core::VatRate, multicaisse_core::rollup::RateTotals)],
                set: &str,
            ) -> $crate::storage::StorageResult<()> {
                for chunk in rates.chunks($crate::storage::rollups::ROLLUP_CHUNK) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO register_day_rates (register_id, business_date, rate_bp, ttc, ht, vat) ",
                    );
                    q.push_values(chunk, |mut row, (date, rate, t)| {
                        row.push_bind(register_id)
                            .push_bind(*date)
                            .push_bind(i64::from(rate.basis_points()))
                            .push_bind(t.ttc.0)
                            .push_bind(t.ht.0)
                            .push_bind(t.vat.0);
                    });
                    q.push(" ON CONFLICT (register_id, business_date, rate_bp) DO UPDATE SET ");
                    q.push(set);
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Rewrites the HT and VAT of whole days from their TTC per rate, each rate
            /// rounded once (`DaySales::settle`): the tickets just added may be part of a day.
            async fn settle_days(
                tx: &mut sqlx::Transaction<'_, $db>,
                register_id: i64,
                dates: impl Iterator<Item = chrono::NaiveDate>,
            ) -> $crate::storage::StorageResult<()> {
                use $crate::storage::rollups::{rate, ROLLUP_CHUNK};
                use multicaisse_core::rollup::DaySales;
                let dates: Vec<chrono::NaiveDate> = dates.collect();
                for chunk in dates.chunks(ROLLUP_CHUNK) {
                    let in_dates = |q: &mut sqlx::QueryBuilder<'_, $db>| {
                        q.push(" WHERE register_id = ").push_bind(register_id);
                        q.push(" AND business_date IN (");
                        let mut list = q.separated(", ");
                        for date in chunk {
                            list.push_bind(*date);
                        }
                        list.push_unseparated(")");
                    };
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT business_date, rate_bp, ttc FROM register_day_rates",
                    );
                    in_dates(&mut q);
                    let rows: Vec<(chrono::NaiveDate, i64, i64)> =
                        q.build_query_as().fetch_all(&mut **tx).await?;
                    let mut settled: std::collections::BTreeMap<chrono::NaiveDate, DaySales> =
                        std::collections::BTreeMap::new();
                    for (date, bp, ttc) in rows {
                        settled.entry(date).or_default().by_rate.entry(rate(bp)?).or_default().ttc =
                            multicaisse_core::Cents(ttc);
                    }
                    let rates: Vec<_> = settled
                        .iter_mut()
                        .flat_map(|(date, day)| {
                            day.settle();
                            day.by_rate.iter().map(move |(r, t)| (*date, *r, *t))
                        })
                        .collect();
                    Self::write_rates(tx, register_id, &rates, "ht = excluded.ht, vat = excluded.vat")
                        .await?;
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "UPDATE register_day_sales SET \
                         ht = (SELECT CAST(COALESCE(SUM(x.ht), 0) AS BIGINT) FROM register_day_rates x \
                               WHERE x.register_id = register_day_sales.register_id \
                               AND x.business_date = register_day_sales.business_date), \
                         vat = (SELECT CAST(COALESCE(SUM(x.vat), 0) AS BIGINT) FROM register_day_rates x \
                               WHERE x.register_id = register_day_sales.register_id \
                               AND x.business_date = register_day_sales.business_date)",
                    );
                    in_dates(&mut q);
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::rollups::Rollups for $storage {
            async fn sales_compared(
                &self,
                store_id: i64,
                range: multicaisse_core::period::DateRange,
                previous: multicaisse_core::period::DateRange,
            ) -> $crate::storage::StorageResult<(
                std::collections::HashMap<i64, multicaisse_core::rollup::DaySales>,
                std::collections::HashMap<i64, multicaisse_core::Cents>,
            )> {
                use $crate::storage::rollups::{count, rate, PAYMENT_COLUMNS};
                use multicaisse_core::Cents;
                // One row shape for three sums (the columns are named by the first).
                // CAST keeps PostgreSQL's SUM(bigint) (a NUMERIC) an integer on both backends.
                const SQL: &str = "\
                    SELECT 'day' AS part, x.register_id AS register_id, CAST(NULL AS TEXT) AS rate, \
                           CAST(SUM(x.sale_count) AS BIGINT) AS sale_count, \
                           CAST(SUM(x.refund_count) AS BIGINT) AS refund_count, \
                           CAST(SUM(x.ttc) AS BIGINT) AS ttc, CAST(SUM(x.ht) AS BIGINT) AS ht, \
                           CAST(SUM(x.vat) AS BIGINT) AS vat, \
                           CAST(SUM(x.refund_ttc) AS BIGINT) AS refund_ttc, \
                           CAST(SUM(x.discounts) AS BIGINT) AS discounts, \
                           CAST(SUM(x.card) AS BIGINT) AS card, CAST(SUM(x.cash) AS BIGINT) AS cash, \
                           CAST(SUM(x.cheque) AS BIGINT) AS cheque, \
                           CAST(SUM(x.gift_voucher) AS BIGINT) AS gift_voucher \
                    FROM register_day_sales x JOIN registers r ON r.id = x.register_id \
                    WHERE r.store_id = $1 AND x.business_date BETWEEN $2 AND $3 GROUP BY x.register_id \
                    UNION ALL \
                    SELECT 'previous', x.register_id, NULL, 0, 0, CAST(SUM(x.ttc) AS BIGINT), 0, 0, 0, 0, \
                           0, 0, 0, 0 \
                    FROM register_day_sales x JOIN registers r ON r.id = x.register_id \
                    WHERE r.store_id = $1 AND x.business_date BETWEEN $4 AND $5 GROUP BY x.register_id \
                    UNION ALL \
                    SELECT 'rate', x.register_id, CAST(x.rate_bp AS TEXT), 0, 0, CAST(SUM(x.ttc) AS BIGINT), \
                           CAST(SUM(x.ht) AS BIGINT), CAST(SUM(x.vat) AS BIGINT), 0, 0, 0, 0, 0, 0 \
                    FROM register_day_rates x JOIN registers r ON r.id = x.register_id \
                    WHERE r.store_id = $1 AND x.business_date BETWEEN $2 AND $3 \
                    GROUP BY x.register_id, x.rate_bp";
                let rows: Vec<$crate::storage::rollups::SalesPartRow> = sqlx::query_as(SQL)
                    .bind(store_id)
                    .bind(range.from)
                    .bind(range.to)
                    .bind(previous.from)
                    .bind(previous.to)
                    .fetch_all(&self.pool)
                    .await?;
                let mut current: std::collections::HashMap<i64, multicaisse_core::rollup::DaySales> =
                    std::collections::HashMap::new();
                let mut before: std::collections::HashMap<i64, Cents> = std::collections::HashMap::new();
                for row in rows {
                    let id = row.register_id;
                    match row.part.as_str() {
                        "day" => {
                            let day = current.entry(id).or_default();
                            day.sale_count = count(row.sale_count);
                            day.refund_count = count(row.refund_count);
                            day.ttc = Cents(row.ttc);
                            day.ht = Cents(row.ht);
                            day.vat = Cents(row.vat);
                            day.refund_ttc = Cents(row.refund_ttc);
                            day.discounts = Cents(row.discounts);
                            let amounts = [row.card, row.cash, row.cheque, row.gift_voucher];
                            // Methods that moved nothing over the range are left out.
                            for (method, amount) in PAYMENT_COLUMNS.into_iter().zip(amounts) {
                                if amount != 0 {
                                    day.by_payment.insert(method, Cents(amount));
                                }
                            }
                        }
                        "previous" => {
                            before.insert(id, Cents(row.ttc));
                        }
                        _ => {
                            let key = row.rate.unwrap_or_default();
                            let bp = key.parse().map_err(|_| {
                                $crate::storage::StorageError::Corrupt(format!("VAT rate `{key}`"))
                            })?;
                            current.entry(id).or_default().by_rate.insert(
                                rate(bp)?,
                                multicaisse_core::rollup::RateTotals {
                                    ttc: Cents(row.ttc),
                                    ht: Cents(row.ht),
                                    vat: Cents(row.vat),
                                },
                            );
                        }
                    }
                }
                Ok((current, before))
            }

            async fn hourly_sales(
                &self,
                store_id: i64,
                range: multicaisse_core::period::DateRange,
            ) -> $crate::storage::StorageResult<
                std::collections::HashMap<
                    i64,
                    std::collections::BTreeMap<u8, multicaisse_core::rollup::HourTotals>,
                >,
            > {
                use $crate::storage::rollups::{count, hour};
                use multicaisse_core::Cents;
                let mut out: std::collections::HashMap<
                    i64,
                    std::collections::BTreeMap<u8, multicaisse_core::rollup::HourTotals>,
                > = std::collections::HashMap::new();
                const SCOPE: &str = "JOIN registers r ON r.id = x.register_id \
                     WHERE r.store_id = $1 AND x.business_date BETWEEN $2 AND $3";
                let hours: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(&format!(
                    "SELECT x.register_id, x.hour, CAST(SUM(x.tickets) AS BIGINT), \
                     CAST(SUM(x.ttc) AS BIGINT), CAST(SUM(x.ht) AS BIGINT) \
                     FROM register_day_hours x {SCOPE} GROUP BY x.register_id, x.hour"
                ))
                .bind(store_id)
                .bind(range.from)
                .bind(range.to)
                .fetch_all(&self.pool)
                .await?;
                for (id, h, tickets, ttc, ht) in hours {
                    out.entry(id).or_default().insert(
                        hour(h)?,
                        multicaisse_core::rollup::HourTotals {
                            tickets: count(tickets),
                            ttc: Cents(ttc),
                            ht: Cents(ht),
                        },
                    );
                }
                Ok(out)
            }

            async fn daily_sales(
                &self,
                store_id: i64,
                range: multicaisse_core::period::DateRange,
            ) -> $crate::storage::StorageResult<Vec<$crate::storage::rollups::DayPoint>> {
                let rows: Vec<(i64, chrono::NaiveDate, i64, i64, i64)> = sqlx::query_as(
                    "SELECT x.register_id, x.business_date, x.sale_count, x.refund_count, x.ttc \
                     FROM register_day_sales x JOIN registers r ON r.id = x.register_id \
                     WHERE r.store_id = $1 AND x.business_date BETWEEN $2 AND $3 \
                     ORDER BY x.business_date, x.register_id",
                )
                .bind(store_id)
                .bind(range.from)
                .bind(range.to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(register_id, date, sales, refunds, ttc)| {
                        $crate::storage::rollups::DayPoint {
                            register_id,
                            date,
                            tickets: $crate::storage::rollups::count(sales + refunds),
                            ttc: multicaisse_core::Cents(ttc),
                        }
                    })
                    .collect())
            }

            async fn rebuild_rollups(
                &self,
                register_id: i64,
                days: &std::collections::BTreeMap<chrono::NaiveDate, multicaisse_core::rollup::DaySales>,
            ) -> $crate::storage::StorageResult<bool> {
                let mut tx = self.write_tx().await?;
                // Two processes starting together: the register's row serialises them, and
                // the second finds the rollups written.
                sqlx::query(&format!("SELECT id FROM registers WHERE id = $1{}", Self::ROW_LOCK))
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?;
                let (counted,): (bool,) = sqlx::query_as(
                    "SELECT EXISTS (SELECT 1 FROM register_day_sales WHERE register_id = $1)",
                )
                .bind(register_id)
                .fetch_one(&mut *tx)
                .await?;
                if counted {
                    return Ok(false);
                }
                Self::upsert_rollups(&mut tx, register_id, days).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn day_tallies(
                &self,
                store_id: i64,
                day: chrono::NaiveDate,
                until: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::storage::StorageResult<
                std::collections::HashMap<i64, multicaisse_core::glance::Tally>,
            > {
                // A day's tickets are read through their (register, day) index and cut in
                // Rust: SQLite keeps instants as text, which does not compare as time.
                let rows: Vec<(i64, String, chrono::DateTime<chrono::Utc>, i64)> = sqlx::query_as(
                    "SELECT t.register_id, t.kind, t.issued_at, t.total_ttc FROM tickets t \
                     JOIN registers r ON r.id = t.register_id \
                     WHERE r.store_id = $1 AND t.business_date = $2",
                )
                .bind(store_id)
                .bind(day)
                .fetch_all(&self.pool)
                .await?;
                let mut out: std::collections::HashMap<i64, multicaisse_core::glance::Tally> =
                    std::collections::HashMap::new();
                for (register_id, kind, issued_at, ttc) in rows {
                    if until.is_some_and(|until| issued_at >= until) {
                        continue;
                    }
                    let kind = $crate::storage::rows::ticket_kind(&kind).ok_or_else(|| {
                        $crate::storage::StorageError::Corrupt(format!("ticket kind `{kind}`"))
                    })?;
                    let tally = out.entry(register_id).or_default();
                    *tally = tally
                        .checked_add_ticket(kind, multicaisse_core::Cents(ttc))
                        .ok_or_else(|| {
                            $crate::storage::StorageError::Corrupt(format!(
                                "register {register_id}: the takings of {day} overflow"
                            ))
                        })?;
                }
                Ok(out)
            }

            async fn registers_without_rollups(&self) -> $crate::storage::StorageResult<Vec<i64>> {
                let rows: Vec<(i64,)> = sqlx::query_as(
                    "SELECT r.id FROM registers r WHERE EXISTS (SELECT 1 FROM tickets t \
                     WHERE t.register_id = r.id) AND NOT EXISTS (SELECT 1 FROM register_day_sales s \
                     WHERE s.register_id = r.id) ORDER BY r.id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }
        }
    };
}

pub(super) use impl_rollups;
