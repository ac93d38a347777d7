//! Closures, settings and shared data through the sync API, on SQLite and on PostgreSQL.

use crate::support;

use chrono::{NaiveDate, Utc};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::{compute_closure, ClosureKind};
use multicaisse_core::ticket::{PaymentMethod, Ticket};
use multicaisse_core::{Cents, VatRate};
use serde_json::{json, Value};
use support::device::Device;
use support::fixture::{body, line, paris, settings, small_store};
use support::{Backend, TestApp};

on_both_backends!(
    closures_are_stored_chained_and_replayable,
    settings_are_kept_as_last_reported,
    interleaved_stock_movements_of_two_registers_add_up,
    pull_returns_other_registers_changes_page_by_page,
    a_reused_change_id_with_other_content_is_refused,
);

fn day_tickets() -> Vec<Ticket> {
    let mut previous = ChainHash::GENESIS;
    (1..=4)
        .map(|n| {
            let t = body(
                n,
                paris(2026, 4, 2, 11, n as u32),
                vec![line("Chablis", 1, 3200, VatRate::STANDARD, 0)],
                PaymentMethod::Card,
            )
            .seal(previous);
            previous = t.hash;
            t
        })
        .collect()
}

fn stock(id: &str, product: &str, delta: i64) -> Value {
    json!({ "id": id, "at": Utc::now(), "change": { "kind": "stock_movement", "product": product, "delta": delta } })
}

async fn closures_are_stored_chained_and_replayable(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let register = fixture.registers[2].id;
    let device = Device::pair(&app.server.url(), register).await;
    let tickets = day_tickets();
    let refs: Vec<&Ticket> = tickets.iter().collect();
    let day = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
    // Whole seconds, as a register's clock gives: PostgreSQL keeps microseconds, not nanos.
    let closed_at = paris(2026, 4, 2, 20, 0);
    let z1 = compute_closure(
        1,
        ClosureKind::Daily,
        day,
        day,
        &refs,
        chrono_tz::Europe::Paris,
        Cents(0),
        ChainHash::GENESIS,
        closed_at,
    )
    .seal(ChainHash::GENESIS);
    let next = day.succ_opt().unwrap();
    let z2 = compute_closure(
        2,
        ClosureKind::Daily,
        next,
        next,
        &[],
        chrono_tz::Europe::Paris,
        z1.body.perpetual_grand_total,
        tickets[3].hash,
        closed_at,
    )
    .seal(z1.hash);
    let session = device.begin().await;
    let pushed = device
        .push_json(session, json!({ "tickets": tickets, "closures": [z1, z2] }))
        .await;
    assert_eq!(
        (
            pushed.accepted,
            pushed.closures_accepted,
            pushed.closure_chain_break
        ),
        (4, 2, None)
    );
    let replay = device
        .push_json(session, json!({ "closures": [z1, z2] }))
        .await;
    assert_eq!(
        (replay.closures_accepted, replay.closures_already_known),
        (0, 2)
    );
    let stored = app.storage().closures(register, 1, 10).await.unwrap();
    assert_eq!(stored, vec![z1.clone(), z2.clone()]);
    assert_eq!(stored[0].body.total_ttc, Cents(12_800));

    // Closure 2 again with another total: refused, nothing written.
    let mut altered = z2.clone();
    altered.body.perpetual_grand_total = Cents(1);
    let response = device
        .post(
            "push",
            json!({ "session_id": session, "closures": [altered] }),
        )
        .await;
    assert_eq!(response.status(), 409);
    // A closure whose sums do not add up is refused whole.
    let mut wrong = compute_closure(
        3,
        ClosureKind::Daily,
        next,
        next,
        &[],
        chrono_tz::Europe::Paris,
        Cents(0),
        ChainHash::GENESIS,
        Utc::now(),
    );
    wrong.total_ht = Cents(5);
    let response = device
        .post(
            "push",
            json!({ "session_id": session, "closures": [wrong.seal(z2.hash)] }),
        )
        .await;
    assert_eq!(response.status(), 422);
    // A closure linked to the wrong predecessor is kept, and the break reported.
    let stray = compute_closure(
        3,
        ClosureKind::Daily,
        next,
        next,
        &[],
        chrono_tz::Europe::Paris,
        Cents(0),
        tickets[3].hash,
        Utc::now(),
    )
    .seal(ChainHash::GENESIS);
    let broken = device
        .push_json(session, json!({ "closures": [stray] }))
        .await;
    assert_eq!(
        (broken.closures_accepted, broken.closure_chain_break),
        (1, Some(3))
    );
    assert_eq!(
        app.storage().closures(register, 1, 10).await.unwrap().len(),
        3
    );
}

async fn settings_are_kept_as_last_reported(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let register = fixture.registers[1].id;
    let device = Device::pair(&app.server.url(), register).await;
    let session = device.begin().await;
    device
        .push_json(session, json!({ "settings": settings(3) }))
        .await;
    device
        .push_json(session, json!({ "settings": settings(0) }))
        .await;
    let (kept, _) = app
        .storage()
        .register_settings(register)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.pending_local_changes, 0);
    assert_eq!(kept.payment_methods.len(), 2);
    let mut bad = settings(0);
    bad["fiscal_year_end_month"] = json!(13);
    let response = device
        .post("push", json!({ "session_id": session, "settings": bad }))
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 422);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("fiscal_year_end_month"),
        "{body}"
    );
}

async fn interleaved_stock_movements_of_two_registers_add_up(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let a = Device::pair(&base, fixture.registers[0].id).await;
    let b = Device::pair(&base, fixture.registers[1].id).await;
    // The seed's ritual, 1, 2, 1: both sold the same bottle between syncs.
    let rounds: [(&Device, Vec<Value>); 3] = [
        (
            &a,
            vec![
                stock("a1", "morgon-2021", 24),
                stock("a2", "morgon-2021", -1),
                stock("a3", "chablis", -2),
            ],
        ),
        (
            &b,
            vec![
                stock("b1", "morgon-2021", -2),
                stock("b2", "morgon-2021", -1),
            ],
        ),
        (
            &a,
            vec![
                stock("a4", "morgon-2021", -3),
                stock("a1", "morgon-2021", 24),
            ],
        ),
    ];
    for (device, changes) in rounds {
        let session = device.begin().await;
        device
            .push_json(session, json!({ "changes": changes }))
            .await;
        assert_eq!(device.end(session).await.status(), 200);
    }
    let levels = app.storage().stock_levels(fixture.store.id).await.unwrap();
    // 24 − 1 − 2 − 1 − 3 = 17: the replayed "a1" counts once.
    assert_eq!(
        levels,
        vec![("chablis".to_string(), -2), ("morgon-2021".to_string(), 17)]
    );
}

async fn pull_returns_other_registers_changes_page_by_page(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let a = Device::pair(&base, fixture.registers[0].id).await;
    let b = Device::pair(&base, fixture.registers[1].id).await;
    let session = a.begin().await;
    let changes: Vec<Value> = (1..=5)
        .map(|n| stock(&format!("a{n}"), "cremant", -1))
        .collect();
    a.push_json(session, json!({ "changes": changes })).await;
    // Its own changes are not sent back to it.
    let own = a.pull(session, 100).await;
    assert!(own.changes.is_empty());
    assert_eq!(
        (own.remaining, own.cursor, own.head),
        (0, own.head, own.head)
    );
    a.end(session).await;

    let session = b.begin().await;
    b.push_json(session, json!({ "changes": [stock("b1", "cremant", 12)] }))
        .await;
    let first = b.pull(session, 2).await;
    assert_eq!(first.changes.len(), 2);
    assert_eq!(first.remaining, 3);
    assert_eq!(first.changes[0].origin_register, 1);
    assert_eq!(first.changes[0].change.id, "a1");
    assert_eq!(first.changes[0].level_after, Some(-1));
    let rest = b.pull(session, 100).await;
    assert_eq!(
        rest.changes
            .iter()
            .map(|c| c.change.id.as_str())
            .collect::<Vec<_>>(),
        vec!["a3", "a4", "a5"]
    );
    assert_eq!((rest.remaining, rest.cursor), (0, rest.head));
    assert!(
        b.pull(session, 100).await.changes.is_empty(),
        "nothing twice"
    );
    let bad = b
        .post("pull", json!({ "session_id": session, "limit": 0 }))
        .await;
    assert_eq!(bad.status(), 400);
    b.end(session).await;
}

async fn a_reused_change_id_with_other_content_is_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let device = Device::pair(&app.server.url(), fixture.registers[0].id).await;
    let session = device.begin().await;
    device
        .push_json(session, json!({ "changes": [stock("x1", "sancerre", -1)] }))
        .await;
    let response = device
        .post("push", json!({ "session_id": session, "changes": [stock("x2", "sancerre", -1), stock("x1", "sancerre", -6)] }))
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 409, "{body}");
    for (change, needle) in [
        (stock("x3", "sancerre", 0), "non-zero"),
        (stock("bad id!", "sancerre", 1), "id must be"),
        (
            json!({ "id": "x4", "at": Utc::now(), "change": { "kind": "teleport", "product": "p" } }),
            "teleport",
        ),
    ] {
        let response = device
            .post(
                "push",
                json!({ "session_id": session, "changes": [change] }),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "{needle}: {body}"
        );
    }
    // x2 of the refused push was not written either.
    assert_eq!(
        app.storage().stock_levels(fixture.store.id).await.unwrap(),
        vec![("sancerre".to_string(), -1)]
    );
}
