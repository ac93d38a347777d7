//! The storage interface's contract, on SQLite and on PostgreSQL alike.

use crate::support;

use multicaisse_core::chain::ChainHash;
use multicaisse_core::store::RegisterKind;
use multicaisse_core::sync::{IngestPlan, RecordPlan, SequenceRange};
use multicaisse_core::ticket::PaymentMethod;
use multicaisse_core::VatRate;
use multicaisse_server::storage::{self, PushPlan, StorageError};
use support::fixture::{body, line, new_register, new_store, paris, seal_all, small_store};
use support::{Backend, TestDb};

on_both_backends!(
    migrations_run_once_and_keep_data,
    tickets_round_trip_with_their_chain,
    a_batch_is_all_or_nothing,
    tickets_and_closures_are_inalterable,
    register_numbers_are_unique_per_store,
);

async fn migrations_run_once_and_keep_data(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    small_store(storage.as_ref()).await;
    drop(storage);
    let reopened = storage::open(&db.target)
        .await
        .expect("a second start migrates nothing");
    assert_eq!(reopened.stores().await.unwrap().len(), 1);
    reopened.ping().await.unwrap();
}

async fn tickets_round_trip_with_their_chain(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    let fixture = small_store(storage.as_ref()).await;
    let register = fixture.registers[0].id;
    let stored = storage.tickets(register, 1, 100).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].previous_hash, ChainHash::GENESIS);
    for pair in stored.windows(2) {
        assert_eq!(pair[1].previous_hash, pair[0].hash);
    }
    for ticket in &stored {
        ticket.verify().unwrap();
    }
    assert_eq!(stored[1].body.lines[0].label, "Rillettes");
    assert_eq!(stored[1].body.lines[0].vat_rate, VatRate::REDUCED);
    let head = storage.chain_head(register).await.unwrap().unwrap();
    assert_eq!((head.sequence, head.hash), (3, stored[2].hash));
    assert_eq!(
        storage.chain_head(fixture.registers[2].id).await.unwrap(),
        None
    );
    assert_eq!(storage.tickets(register, 3, 100).await.unwrap().len(), 1);
}

async fn a_batch_is_all_or_nothing(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    let fixture = small_store(storage.as_ref()).await;
    let register = &fixture.registers[2];
    let tz = fixture.store.time_zone;
    let mut bodies: Vec<_> = (1..=1500)
        .map(|n| {
            body(
                n,
                paris(2026, 5, 2, 11, 0),
                vec![line("Muscadet", 1, 990, VatRate::STANDARD, 0)],
                PaymentMethod::Card,
            )
        })
        .collect();
    // Ticket 1200, in the second chunk of the insert, repeats number 7: the database refuses
    // it mid-transaction (the planner would have refused it earlier; this checks the storage).
    bodies[1199].sequence = 7;
    let tickets = seal_all(bodies);
    let plan = PushPlan {
        tickets: IngestPlan {
            new: tickets.iter().collect(),
            content_hashes: tickets.iter().map(|t| t.content_hash()).collect(),
            already_known: 0,
            new_gaps: vec![SequenceRange {
                first: 2000,
                last: 2001,
            }],
            chain_break: Some(1),
        },
        closures: RecordPlan {
            new: vec![],
            content_hashes: vec![],
            already_known: 0,
            chain_break: None,
        },
        settings: None,
        changes: vec![],
        gap_explanations: &[],
        receipt: ("a digest", "{}".into()),
        lease_held_at_ms: None,
    };
    let error = storage.ingest(register, tz, None, &plan).await.unwrap_err();
    assert!(matches!(error, StorageError::Conflict(_)), "{error}");
    assert_eq!(
        storage.chain_head(register.id).await.unwrap(),
        None,
        "nothing of the batch is kept"
    );
}

async fn tickets_and_closures_are_inalterable(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    let fixture = small_store(storage.as_ref()).await;
    // Row triggers only fire on rows: give the closures table one (pushed closures arrive
    // with the sync API).
    db.execute_raw(&format!(
        "INSERT INTO closures (register_id, sequence, kind, period_start, period_end, \
         first_sequence, last_sequence, ticket_count, total_ttc, total_ht, vat_breakdown, \
         payments, cancellations_ttc, period_grand_total, perpetual_grand_total, \
         last_ticket_hash, previous_hash, hash, content_hash, closed_at, received_at) \
         VALUES ({}, 1, 'daily', '2026-03-10', '2026-03-10', 1, 2, 2, 6480, 5479, '[]', '[]', \
         0, 6480, 6480, 'x', 'y', 'z', 'z', '2026-03-10T20:00:00Z', '2026-03-10T20:00:00Z')",
        fixture.registers[0].id
    ))
    .await
    .expect("closures can be appended");
    for sql in [
        "UPDATE tickets SET total_ttc = total_ttc + 1",
        "DELETE FROM tickets",
        "UPDATE closures SET total_ttc = 0",
        "DELETE FROM closures",
    ] {
        let error = db.execute_raw(sql).await.expect_err(sql);
        assert!(error.to_string().contains("inalterable"), "{sql}: {error}");
    }
    let register = fixture.registers[0].id;
    assert_eq!(storage.tickets(register, 1, 10).await.unwrap().len(), 3);
}

async fn register_numbers_are_unique_per_store(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    let a = storage.insert_store(&new_store("A")).await.unwrap();
    let b = storage.insert_store(&new_store("B")).await.unwrap();
    storage
        .insert_register(&new_register(a.id, 1, RegisterKind::Principal))
        .await
        .unwrap();
    // The same number in another store is fine.
    storage
        .insert_register(&new_register(b.id, 1, RegisterKind::Principal))
        .await
        .unwrap();
    let error = storage
        .insert_register(&new_register(a.id, 1, RegisterKind::Extra))
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Conflict(_)), "{error}");
    let error = storage
        .insert_register(&new_register(9999, 1, RegisterKind::Extra))
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Conflict(_)), "{error}");
    assert_eq!(storage.registers(a.id).await.unwrap().len(), 1);
}
