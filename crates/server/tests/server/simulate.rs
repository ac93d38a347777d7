//! The simulator against the real server, on SQLite and on PostgreSQL: what it says it did
//! is what the server holds.

use crate::support;

use chrono::NaiveDate;
use multicaisse_core::closure::ClosureKind;
use multicaisse_core::store::business_date;
use multicaisse_core::Cents;
use multicaisse_server::simulate::{run, Misbehaviour, SimulateConfig, SyncOrder};
use support::fixture::small_store;
use support::session::SUPPORT;
use support::{Backend, TestApp};

on_both_backends!(a_misbehaving_week_ends_on_the_server_as_reported);

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn a_misbehaving_week_ends_on_the_server_as_reported(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let storage = app.storage();
    let before: Vec<u64> = {
        let mut heads = Vec::new();
        for r in &fixture.registers {
            heads.push(
                storage
                    .chain_head(r.id)
                    .await
                    .unwrap()
                    .map_or(0, |h| h.sequence),
            );
        }
        heads
    };
    let config = SimulateConfig {
        payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
        url: app.server.url(),
        store_id: fixture.store.id,
        registers: vec![],
        // Across a month end: daily Z every selling day, and a monthly Z for March.
        from: d(2026, 3, 28),
        until: d(2026, 4, 2),
        seed: 42,
        syncs_per_day: 2,
        misbehave: vec![
            Misbehaviour::Concurrent,
            Misbehaviour::Replay,
            Misbehaviour::Silent(3),
        ],
        order: SyncOrder::Ritual,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    };
    let report = run(&config).await.expect("the simulation runs");
    assert_eq!(report.days, 6);
    let [one, two, three] = &report.registers[..] else {
        panic!("three registers")
    };

    // The ritual 1,2,3,1,2 twice a day for six days (registers 1 and 2 sync 24 times each),
    // and every morning registers 1 and 2 at the same moment: both go through.
    assert_eq!((one.syncs, two.syncs), (30, 30));
    assert_eq!(one.syncs_refused + two.syncs_refused, 0);
    // Replayed pushes were recognised, never stored twice.
    assert_eq!(
        (one.tickets_accepted, one.tickets_replayed),
        (one.tickets_sold, one.tickets_sold)
    );
    assert!(one.tickets_sold > 20 && two.tickets_sold > 20);
    assert!(one.chain_breaks.is_empty());
    // The silent register sold, but nothing of it reached the server.
    assert!(three.tickets_sold > 0);
    assert_eq!(three.syncs, 0);
    assert_eq!(
        storage.chain_head(fixture.registers[2].id).await.unwrap(),
        None
    );

    for (index, played) in [(0, one), (1, two)] {
        let register = &fixture.registers[index];
        let tickets = storage.tickets(register.id, 1, u32::MAX).await.unwrap();
        // The simulator continued the chain the server already had.
        assert_eq!(tickets.len() as u64, before[index] + played.tickets_sold);
        for pair in tickets.windows(2) {
            assert_eq!(pair[1].previous_hash, pair[0].hash);
            pair[1].verify().unwrap();
        }
        let closures = storage.closures(register.id, 1, 1000).await.unwrap();
        assert_eq!(closures.len() as u64, played.closures_accepted);
        for pair in closures.windows(2) {
            assert_eq!(pair[1].previous_hash, pair[0].hash);
        }
        // Each daily Z equals the day's tickets as the server holds them.
        for z in closures
            .iter()
            .filter(|c| c.body.kind == ClosureKind::Daily)
        {
            z.body.validate().unwrap();
            assert_eq!(z.content_hash(), z.hash);
            let day: Cents = tickets
                .iter()
                .filter(|t| t.body.sequence > before[index])
                .filter(|t| {
                    business_date(t.body.issued_at, fixture.store.time_zone) == z.body.period_start
                })
                .map(|t| t.body.total_ttc())
                .sum();
            assert_eq!(
                z.body.total_ttc, day,
                "register {} on {}",
                register.number, z.body.period_start
            );
        }
        let march = closures
            .iter()
            .find(|c| c.body.kind == ClosureKind::Monthly)
            .expect("a monthly Z for March");
        assert_eq!(
            (march.body.period_start, march.body.period_end),
            (d(2026, 3, 1), d(2026, 3, 31))
        );
    }
    // Stock: every line sold by the syncing registers moved it down, once; refunds up.
    let moved: i64 = storage
        .stock_levels(fixture.store.id)
        .await
        .unwrap()
        .iter()
        .map(|(_, q)| q)
        .sum();
    let mut sold = 0i64;
    for (index, played) in [(0, one), (1, two)] {
        let tickets = storage
            .tickets(fixture.registers[index].id, before[index] + 1, u32::MAX)
            .await
            .unwrap();
        assert_eq!(tickets.len() as u64, played.tickets_sold);
        // A refund puts its bottles back on the shelf.
        sold += tickets
            .iter()
            .flat_map(|t| {
                t.body
                    .lines
                    .iter()
                    .map(|l| t.body.kind.sign() * i64::from(l.quantity))
            })
            .sum::<i64>();
    }
    assert_eq!(moved, -sold);
}

#[tokio::test]
async fn a_tampered_ticket_is_reported_by_the_server() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let config = SimulateConfig {
        payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
        url: app.server.url(),
        store_id: fixture.store.id,
        registers: vec![1],
        from: d(2026, 5, 5),
        until: d(2026, 5, 5),
        seed: 7,
        syncs_per_day: 1,
        misbehave: vec![Misbehaviour::Tamper],
        order: SyncOrder::Once,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    };
    let report = run(&config).await.unwrap();
    // Register 1 had tickets 1–3: the first simulated one, number 4, was edited after sealing.
    assert_eq!(report.registers[0].chain_breaks, vec![4]);
    assert_eq!(report.registers[0].syncs, 1);
    assert_eq!(
        app.storage()
            .chain_head(fixture.registers[0].id)
            .await
            .unwrap()
            .unwrap()
            .sequence,
        3 + report.registers[0].tickets_sold
    );
}

#[tokio::test]
async fn a_wrong_configuration_is_one_clear_error() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let config = SimulateConfig {
        payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
        url: app.server.url(),
        store_id: 99,
        registers: vec![],
        from: d(2026, 5, 5),
        until: d(2026, 5, 5),
        seed: 7,
        syncs_per_day: 1,
        misbehave: vec![],
        order: SyncOrder::Reverse,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    };
    let error = run(&config).await.unwrap_err().to_string();
    assert!(
        error.contains("404") && error.contains("store 99 does not exist"),
        "{error}"
    );
    let error = run(&SimulateConfig {
        payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
        syncs_per_day: 5,
        ..config
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(error.contains("--syncs-per-day"), "{error}");
}
