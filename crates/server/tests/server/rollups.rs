//! The daily rollups answer every period exactly as a direct sum over the tickets would: random
//! tickets around a daylight-saving change and a fiscal-year boundary, pushed in several
//! batches through the real ingest path into real databases. And one rounding rule gives one
//! answer: each monthly and annual Z is the sum of its daily Z, and the sales report of any
//! Z's days says what that Z says, to the cent (`core::vat`).

use crate::support;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::{ClosureBody, ClosureKind};
use multicaisse_core::period::{DateRange, PeriodPreset};
use multicaisse_core::rollup::{roll_up, DaySales};
use multicaisse_core::store::{business_date, Register, RegisterKind, Store};
use multicaisse_core::ticket::{
    Payment, PaymentMethod, Ticket, TicketBody, TicketKind, TicketLine,
};
use multicaisse_core::vat::VatBreakdown;
use multicaisse_core::{Cents, VatRate};
use multicaisse_server::demo::closures::{closures_of, push as push_closures};
use multicaisse_server::ingest::push_tickets;
use multicaisse_server::storage::{self, Storage};
use multicaisse_server::zfiles::{verify_register, Reading};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use support::fixture::{new_register, new_store};
use support::{Backend, TestDb};

const PARIS: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// A ticket as generated: minutes after the window's start, sale or refund, lines, payment.
#[derive(Debug, Clone)]
struct Sold {
    register: usize,
    minute: i64,
    refund: bool,
    lines: Vec<(i64, u16, i32)>,
    method: PaymentMethod,
}

/// 1 March to 30 April 2026 in Paris: summer time starts on 29 March (02:00 → 03:00), and a
/// fiscal year ending in March turns over on 1 April.
fn window_start() -> DateTime<Utc> {
    PARIS
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}
const WINDOW_MINUTES: i64 = 61 * 24 * 60;

fn sold() -> impl Strategy<Value = Sold> {
    let line = (
        50i64..20_000,
        prop::sample::select(vec![210u16, 550, 1000, 2000]),
        1i32..4,
    );
    (
        0usize..2,
        // Tickets cluster around the DST night and the fiscal turn as often as elsewhere.
        prop_oneof![
            0..WINDOW_MINUTES,
            (27 * 24 * 60i64)..(30 * 24 * 60),
            (30 * 24 * 60i64)..(32 * 24 * 60),
        ],
        prop::bool::weighted(0.15),
        prop::collection::vec(line, 1..4),
        prop::sample::select(PaymentMethod::ALL.to_vec()),
    )
        .prop_map(|(register, minute, refund, lines, method)| Sold {
            register,
            minute,
            refund,
            lines,
            method,
        })
}

/// Seals each register's tickets in time order.
fn journals(sold: &[Sold]) -> [Vec<Ticket>; 2] {
    let mut out: [Vec<Ticket>; 2] = [Vec::new(), Vec::new()];
    let mut sorted = sold.to_vec();
    sorted.sort_by_key(|s| (s.register, s.minute));
    for s in sorted {
        let journal = &mut out[s.register];
        let lines: Vec<TicketLine> = s
            .lines
            .iter()
            .map(|(price, bp, quantity)| TicketLine {
                label: "Cuvée".into(),
                quantity: *quantity,
                unit_price_ttc: Cents(*price),
                vat_rate: VatRate::new(*bp).unwrap(),
                discount: Cents(0),
            })
            .collect();
        let mut body = TicketBody {
            sequence: journal.len() as u64 + 1,
            kind: if s.refund {
                TicketKind::Refund
            } else {
                TicketKind::Sale
            },
            issued_at: window_start() + Duration::minutes(s.minute),
            lines,
            payments: vec![],
        };
        // Signed like the lines: a refund pays back.
        body.payments = vec![Payment {
            method: s.method,
            amount: body.total_ttc(),
        }];
        let previous = journal.last().map_or(ChainHash::GENESIS, |t| t.hash);
        journal.push(body.seal(previous));
    }
    out
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

/// The periods to check: the DST day, the fiscal turn, presets resolved on either side of it,
/// their comparison periods, and a few arbitrary ranges.
fn periods(extra: &[(u32, u32)]) -> Vec<DateRange> {
    let mut ranges = vec![
        DateRange::new(d(3, 29), d(3, 29)).unwrap(),
        DateRange::new(d(3, 28), d(3, 30)).unwrap(),
        DateRange::new(d(3, 31), d(4, 1)).unwrap(),
        DateRange::new(d(3, 1), d(4, 30)).unwrap(),
    ];
    for today in [d(3, 31), d(4, 1), d(4, 20)] {
        for preset in PeriodPreset::ALL {
            let range = preset.resolve(today, 3);
            ranges.push(range);
            ranges.push(range.previous(Some(preset)));
        }
    }
    for (a, b) in extra {
        let (from, to) = (
            d(3, 1) + Duration::days(i64::from(*a.min(b))),
            d(3, 1) + Duration::days(i64::from(*a.max(b))),
        );
        ranges.push(DateRange::new(from, to).unwrap());
    }
    ranges
}

async fn setup(storage: &dyn Storage) -> (Store, [Register; 2]) {
    let store = storage
        .insert_store(&multicaisse_server::storage::NewStore {
            fiscal_year_end_month: 3,
            ..new_store("Cave au changement d'heure")
        })
        .await
        .unwrap();
    let one = storage
        .insert_register(&new_register(store.id, 1, RegisterKind::Principal))
        .await
        .unwrap();
    let two = storage
        .insert_register(&new_register(store.id, 2, RegisterKind::Extra))
        .await
        .unwrap();
    (store, [one, two])
}

/// Pushes the journals in uneven batches, so that days are added to more than once.
async fn push_all(
    storage: &dyn Storage,
    store: &Store,
    registers: &[Register; 2],
    journals: &[Vec<Ticket>; 2],
) {
    for (register, journal) in registers.iter().zip(journals) {
        for batch in journal.chunks(7) {
            push_tickets(storage, register, store.time_zone, None, batch)
                .await
                .expect("a valid batch is accepted");
        }
    }
}

/// Checks every period against direct sums: the plain SQL GROUP BY over the tickets for the
/// totals, and a sum computed here from the tickets themselves for the rest.
async fn check(
    storage: &dyn Storage,
    store: &Store,
    registers: &[Register; 2],
    journals: &[Vec<Ticket>; 2],
    ranges: &[DateRange],
) {
    for range in ranges {
        let from_rollups = storage.sales_rollup(store.id, *range).await.unwrap();
        let hours = storage.hourly_sales(store.id, *range).await.unwrap();
        let (_, ttcs) = storage
            .sales_compared(store.id, *range, *range)
            .await
            .unwrap();
        let direct: HashMap<i64, _> = storage
            .sales_by_register(store.id, *range)
            .await
            .unwrap()
            .into_iter()
            .collect();
        for (register, journal) in registers.iter().zip(journals) {
            let mut rolled = from_rollups.get(&register.id).cloned().unwrap_or_default();
            rolled.by_hour = hours.get(&register.id).cloned().unwrap_or_default();
            let ttc = ttcs.get(&register.id).copied().unwrap_or_default();
            assert_eq!(ttc, rolled.ttc, "{range:?}");
            // Counts and TTC straight from the tickets; HT and VAT are the days' (below).
            let totals = direct.get(&register.id).copied().unwrap_or_default();
            assert_eq!(rolled.ticket_count(), totals.ticket_count, "{range:?}");
            assert_eq!(rolled.ttc, totals.ttc, "{range:?}");
            assert_eq!(rolled.ht + rolled.vat, rolled.ttc, "{range:?}");
            let mut expected = DaySales::default();
            for day in roll_up(
                journal
                    .iter()
                    .map(|t| &t.body)
                    .filter(|b| range.contains(business_date(b.issued_at, PARIS))),
                PARIS,
            )
            .values()
            {
                expected.merge(day);
            }
            assert_eq!(
                rolled, expected,
                "register {} over {range:?}",
                register.number
            );
        }
    }
}

/// Seals every Z of each journal as its register would (from its activation to 30 April),
/// pushes them, and holds each one to its days and to the sales report.
async fn z_agree_with_their_days_and_the_report(
    storage: &dyn Storage,
    store: &Store,
    registers: &[Register; 2],
    journals: &[Vec<Ticket>; 2],
) {
    let today = d(5, 1);
    for (register, journal) in registers.iter().zip(journals) {
        let activated = register.activated_at.map(|at| store.business_date(at));
        let closures = closures_of(store, journal, activated, today);
        push_closures(storage, store, register, &closures)
            .await
            .unwrap();
        let verified = verify_register(storage, store, register, today, Reading::Full)
            .await
            .unwrap();
        assert!(verified.is_intact(), "{verified:?}");
        // Again, from the checkpoint the first verification left: the same answer.
        assert_eq!(
            verify_register(storage, store, register, today, Reading::FromCheckpoint)
                .await
                .unwrap(),
            verified
        );
        let dailies: Vec<&ClosureBody> = closures
            .iter()
            .map(|c| &c.body)
            .filter(|b| b.kind == ClosureKind::Daily)
            .collect();
        for z in closures.iter().map(|c| &c.body) {
            let range = DateRange::new(z.period_start, z.period_end).unwrap();
            let label = format!(
                "register {}, Z {} {range:?}",
                register.number,
                z.kind.code()
            );
            if z.kind != ClosureKind::Daily {
                let mut days = VatBreakdown::default();
                let mut paid: BTreeMap<PaymentMethod, Cents> = BTreeMap::new();
                for day in dailies.iter().filter(|b| range.contains(b.period_start)) {
                    days.add(&VatBreakdown {
                        lines: day.vat.clone(),
                    });
                    for p in &day.payments {
                        *paid.entry(p.method).or_default() += p.amount;
                    }
                }
                assert_eq!(z.vat, days.lines, "{label}: its daily Z");
                assert_eq!(z.total_ht, days.total_ht(), "{label}: its daily Z");
                let methods: BTreeMap<PaymentMethod, Cents> =
                    z.payments.iter().map(|p| (p.method, p.amount)).collect();
                assert_eq!(methods, paid, "{label}: its daily Z");
            }
            let report = storage.sales_rollup(store.id, range).await.unwrap();
            let sales = report.get(&register.id).cloned().unwrap_or_default();
            let report_lines = sales.vat_lines();
            assert_eq!(report_lines, z.vat, "{label}: the sales report");
            assert_eq!(
                (sales.ttc, sales.ht, sales.ticket_count()),
                (z.total_ttc, z.total_ht, z.ticket_count),
                "{label}: the sales report"
            );
            assert_eq!(
                sales.vat,
                z.vat.iter().map(|l| l.vat).sum::<Cents>(),
                "{label}"
            );
        }
        assert!(
            closures.iter().any(|c| c.body.kind == ClosureKind::Annual),
            "the fiscal year ending in March is closed"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn rollups_equal_direct_sums_on_sqlite(
        sold in prop::collection::vec(sold(), 1..120),
        extra in prop::collection::vec((0u32..61, 0u32..61), 3),
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let db = TestDb::fresh(&Backend::Sqlite).await;
            let storage = db.open().await;
            let (store, registers) = setup(storage.as_ref()).await;
            let journals = journals(&sold);
            push_all(storage.as_ref(), &store, &registers, &journals).await;
            check(storage.as_ref(), &store, &registers, &journals, &periods(&extra)).await;
            z_agree_with_their_days_and_the_report(storage.as_ref(), &store, &registers, &journals)
                .await;
        });
    }
}

/// The same on PostgreSQL, with one generated journal (the generator's seed is fixed), and the
/// backfill of a database whose rollups were lost rebuilds the same numbers.
async fn rollups_equal_direct_sums_and_rebuild(backend: Backend) {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let sold = prop::collection::vec(sold(), 300)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    let (store, registers) = setup(storage.as_ref()).await;
    let journals = journals(&sold);
    push_all(storage.as_ref(), &store, &registers, &journals).await;
    let ranges = periods(&[(0, 60), (10, 40), (28, 28)]);
    check(storage.as_ref(), &store, &registers, &journals, &ranges).await;
    z_agree_with_their_days_and_the_report(storage.as_ref(), &store, &registers, &journals).await;

    // Rollups lost (a database from before them): the next start counts the tickets again.
    for table in [
        "register_day_sales",
        "register_day_rates",
        "register_day_hours",
    ] {
        db.execute_raw(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
    assert_eq!(
        storage.registers_without_rollups().await.unwrap().len(),
        registers.len()
    );
    // Two processes starting together count each ticket once.
    let (first, second) = tokio::join!(
        storage::backfill_rollups(storage.as_ref()),
        storage::backfill_rollups(storage.as_ref())
    );
    assert_eq!(first.unwrap() + second.unwrap(), 300);
    check(storage.as_ref(), &store, &registers, &journals, &ranges).await;
    // A rebuild that stopped after some registers resumes with the others at the next start.
    for table in [
        "register_day_sales",
        "register_day_rates",
        "register_day_hours",
    ] {
        db.execute_raw(&format!(
            "DELETE FROM {table} WHERE register_id = {}",
            registers[0].id
        ))
        .await
        .unwrap();
    }
    let counted = storage::backfill_rollups(storage.as_ref()).await.unwrap();
    assert!(counted > 0 && counted < 300, "{counted}");
    check(storage.as_ref(), &store, &registers, &journals, &ranges).await;
    assert_eq!(
        storage::backfill_rollups(storage.as_ref()).await.unwrap(),
        0,
        "only once"
    );
}

on_both_backends!(rollups_equal_direct_sums_and_rebuild);
