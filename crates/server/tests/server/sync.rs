//! The sync API as registers call it, over real HTTP, on SQLite and on PostgreSQL.

use crate::support;

use multicaisse_core::chain::ChainHash;
use multicaisse_core::sync::{LeaseBusy, SequenceRange, MAX_TICKETS_PER_PUSH};
use multicaisse_core::ticket::Ticket;
use multicaisse_core::Cents;
use serde_json::{json, Value};
use support::device::{pair_with, pairing_code, Device};
use support::fixture::{sancerre_chain as tickets, small_store};
use support::{Backend, TestApp};

on_both_backends!(
    a_pairing_code_is_single_use,
    tokens_are_checked_and_reach_only_their_register,
    registers_sync_side_by_side_each_one_session_at_a_time,
    a_silent_lease_expires_and_its_holder_is_refused,
    a_replayed_batch_changes_nothing,
    a_conflicting_replay_is_refused_and_writes_nothing,
    skipped_numbers_are_reported_as_gaps,
    a_broken_chain_is_detected_and_the_data_kept,
    bad_pushes_are_refused_whole,
    revoking_an_ipad_is_audited_in_its_transaction,
);

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error");
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

async fn a_pairing_code_is_single_use(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let code = pairing_code(&base, fixture.registers[2].id).await;
    assert_eq!(
        pair_with(&base, &code.code.to_lowercase()).await.status(),
        200,
        "case-insensitive"
    );
    let (status, message) = error_of(pair_with(&base, &code.code).await).await;
    assert_eq!(
        (status, message.contains("already used")),
        (409, true),
        "{message}"
    );
    let (status, message) = error_of(pair_with(&base, "ZZZZZ-ZZZZZ").await).await;
    assert_eq!(
        (status, message.contains("unknown pairing code")),
        (401, true),
        "{message}"
    );
    let other = pairing_code(&base, fixture.registers[2].id).await;
    let response = reqwest::Client::new()
        .post(format!("{base}/api/sync/pair"))
        .json(&json!({ "code": other.code, "device_name": "", "device_model": "iPad" }))
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(response).await;
    assert_eq!(status, 400);
    assert!(message.contains("device_name"), "{message}");
    // The refused attempt did not burn the code.
    assert_eq!(pair_with(&base, &other.code).await.status(), 200);
}

async fn tokens_are_checked_and_reach_only_their_register(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let (r2, r3) = (fixture.registers[1].id, fixture.registers[2].id);
    let b = Device::pair(&base, r3).await;

    let anonymous = reqwest::Client::new()
        .post(format!("{base}/api/sync/begin"))
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(anonymous).await;
    assert_eq!(
        (status, message.contains("missing device token")),
        (401, true),
        "{message}"
    );
    let forged = Device::with_token(&base, &"f".repeat(64), b.register_id);
    let (status, message) = error_of(forged.begin_raw().await).await;
    assert_eq!(
        (status, message.contains("unknown device token")),
        (401, true),
        "{message}"
    );

    // Register 3's device pushes: the tickets land in register 3's journal, whatever they
    // claim, and register 2's journal (which has its own tickets 1 and 2) is untouched.
    let session = b.begin().await;
    let pushed = b.push(session, &tickets(1, 3, ChainHash::GENESIS)).await;
    assert_eq!(pushed.accepted, 3);
    assert_eq!(
        app.storage()
            .chain_head(r3)
            .await
            .unwrap()
            .unwrap()
            .sequence,
        3
    );
    assert_eq!(
        app.storage()
            .chain_head(r2)
            .await
            .unwrap()
            .unwrap()
            .sequence,
        2
    );
    assert_eq!(b.end(session).await.status(), 200);

    // Support revokes register 3's iPad: its next request gets 401 with the date and reason.
    let response = app
        .client
        .post(format!("{base}/api/registers/{r3}/revoke-devices"))
        .json(&json!({ "reason": "caisse mise hors service" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let revoked: Value = response.json().await.unwrap();
    assert_eq!(revoked["revoked_tokens"], 1);
    let (status, message) = error_of(b.begin_raw().await).await;
    assert_eq!(status, 401);
    assert!(
        message.contains("revoked on") && message.contains("caisse mise hors service"),
        "{message}"
    );
    let b = Device::pair(&base, r3).await;

    // A session of register 3 cannot be used by register 2's device.
    let a = Device::pair(&base, r2).await;
    let session = b.begin().await;
    let (status, _) = error_of(
        a.push_raw(session, &tickets(3, 3, ChainHash::GENESIS))
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        app.storage()
            .chain_head(r2)
            .await
            .unwrap()
            .unwrap()
            .sequence,
        2
    );
}

async fn registers_sync_side_by_side_each_one_session_at_a_time(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let first = Device::pair(&base, fixture.registers[0].id).await;
    let second = Device::pair(&base, fixture.registers[1].id).await;
    let session = first.begin().await;
    // Another register of the store syncs meanwhile: nothing of the seed's ritual.
    let beside = second.begin().await;
    // A second session of the same register is refused while the first holds its lease.
    let refused = first.begin_raw().await;
    assert_eq!(refused.status(), 409);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=120).contains(&retry_after));
    let busy: LeaseBusy = refused.json().await.unwrap();
    assert_eq!(busy.holder_register_number, 1);
    assert_eq!(busy.holder_label, "Caisse 1");
    assert!(
        busy.error
            .contains("register 1 (Caisse 1) is already syncing"),
        "{}",
        busy.error
    );
    assert_eq!(first.end(session).await.status(), 200);
    assert_eq!(second.end(beside).await.status(), 200);
    let again = first.begin().await;
    assert_ne!(session, again);
    assert_eq!(first.end(again).await.status(), 200);
    // Ending twice is refused: the lease is gone.
    assert_eq!(first.end(again).await.status(), 409);
    // Every attempt is on record, the refused one included.
    let (status, sessions) = app
        .get_json(&format!("/api/stores/{}/sync-sessions", fixture.store.id))
        .await;
    assert_eq!(status, 200);
    let outcomes: Vec<(i64, &str)> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["register_id"].as_i64().unwrap(),
                s["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    let (r1, r2) = (fixture.registers[0].id, fixture.registers[1].id);
    assert_eq!(
        outcomes,
        vec![
            (r1, "completed"),
            (r1, "refused"),
            (r2, "completed"),
            (r1, "completed")
        ]
    );
    assert!(sessions[0]["duration_ms"].as_i64().unwrap() >= 0);
    assert!(sessions[1]["detail"]
        .as_str()
        .unwrap()
        .contains("another session of register"));
}

async fn a_silent_lease_expires_and_its_holder_is_refused(backend: Backend) {
    let app = TestApp::spawn_with(&backend, |config| config.sync_lease_seconds = 1).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let crashed = Device::pair(&base, fixture.registers[0].id).await;
    let other = Device::pair(&base, fixture.registers[1].id).await;
    let stale = crashed.begin().await;
    // The crashed iPad blocks only itself.
    let beside = other.begin().await;
    assert_eq!(crashed.begin_raw().await.status(), 409);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    // Restarted, it begins again once its old lease is over.
    let session = crashed.begin().await;
    let (status, message) = error_of(
        crashed
            .push_raw(stale, &tickets(4, 4, ChainHash::GENESIS))
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        message.contains("does not hold the register's lease"),
        "{message}"
    );
    assert_eq!(crashed.end(stale).await.status(), 409);
    assert_eq!(crashed.end(session).await.status(), 200);
    // The other register's lease ran out too (1 s, never renewed): its end completes nothing.
    assert_eq!(other.end(beside).await.status(), 409);
}

async fn a_replayed_batch_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let device = Device::pair(&app.server.url(), fixture.registers[2].id).await;
    let batch = tickets(1, 50, ChainHash::GENESIS);
    let session = device.begin().await;
    let first = device.push_raw(session, &batch).await.text().await.unwrap();
    // Even in another session, after other pushes, the same batch gets the same answer.
    device.push(session, &tickets(51, 52, batch[49].hash)).await;
    device.end(session).await;
    let session = device.begin().await;
    let replay = device.push_raw(session, &batch).await.text().await.unwrap();
    assert_eq!(replay, first, "the same answer, byte for byte");
    let first: multicaisse_core::sync::PushResponse = serde_json::from_str(&first).unwrap();
    assert_eq!((first.accepted, first.already_known), (50, 0));
    // A batch that overlaps stored tickets is idempotent ticket by ticket.
    let overlap = device.push(session, &batch[40..]).await;
    assert_eq!((overlap.accepted, overlap.already_known), (0, 10));
    let stored = app
        .storage()
        .tickets(fixture.registers[2].id, 1, 1000)
        .await
        .unwrap();
    assert_eq!(stored[..50], batch[..]);
    assert_eq!(stored.len(), 52);
}

async fn a_conflicting_replay_is_refused_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let register = fixture.registers[2].id;
    let device = Device::pair(&app.server.url(), register).await;
    let session = device.begin().await;
    let batch = tickets(1, 5, ChainHash::GENESIS);
    device.push(session, &batch).await;
    // Ticket 3 again with another price, followed by new tickets 6 and 7.
    let mut other = tickets(3, 7, batch[1].hash);
    other[0].body.lines[0].unit_price_ttc = Cents(1);
    other[0].body.payments[0].amount = Cents(1);
    let (status, message) = error_of(device.push_raw(session, &other).await).await;
    assert_eq!(status, 409);
    assert!(
        message.contains("ticket 3 was already received with other content"),
        "{message}"
    );
    assert_eq!(
        app.storage()
            .chain_head(register)
            .await
            .unwrap()
            .unwrap()
            .sequence,
        5,
        "6 and 7 not written"
    );
}

async fn skipped_numbers_are_reported_as_gaps(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let register = fixture.registers[2].id;
    let device = Device::pair(&app.server.url(), register).await;
    let session = device.begin().await;
    let all = tickets(1, 10, ChainHash::GENESIS);
    let sent: Vec<Ticket> = all
        .iter()
        .filter(|t| ![4, 5, 8].contains(&t.body.sequence))
        .cloned()
        .collect();
    let pushed = device.push(session, &sent).await;
    assert_eq!(pushed.accepted, 7);
    assert_eq!(
        pushed.new_gaps,
        vec![
            SequenceRange { first: 4, last: 5 },
            SequenceRange { first: 8, last: 8 }
        ]
    );
    assert_eq!(
        pushed.chain_break, None,
        "links across a gap cannot be checked, hashes can"
    );
    assert_eq!(pushed.open_gaps.len(), 2);
    // The register explains one gap; an unknown gap or an empty reason is refused whole.
    for (explanation, status) in [
        (json!({ "first": 4, "last": 6, "reason": "x" }), 422),
        (json!({ "first": 4, "last": 5, "reason": " " }), 422),
        (
            json!({ "first": 4, "last": 5, "reason": "iPad restauré depuis une sauvegarde" }),
            200,
        ),
    ] {
        let response = device
            .post(
                "push",
                json!({ "session_id": session, "gap_explanations": [explanation] }),
            )
            .await;
        assert_eq!(response.status(), status);
    }
    let shown = integrity(&app, register).await;
    assert_eq!(shown["last_ticket"], 10);
    assert_eq!(
        shown["open_gaps"][0]["explanation"],
        "iPad restauré depuis une sauvegarde"
    );
    assert_eq!(shown["open_gaps"][1]["explanation"], Value::Null);
    assert_eq!(shown["open_gaps"][1]["missing"], 1);
    // The missing tickets arrive late: they fill the gaps and open none.
    let late: Vec<Ticket> = all
        .iter()
        .filter(|t| [4, 5, 8].contains(&t.body.sequence))
        .cloned()
        .collect();
    let filled = device.push(session, &late).await;
    assert_eq!(
        (
            filled.accepted,
            filled.new_gaps.len(),
            filled.open_gaps.len()
        ),
        (3, 0, 0)
    );
    assert_eq!(app.storage().tickets(register, 1, 100).await.unwrap(), all);
    assert_eq!(integrity(&app, register).await["open_gaps"], json!([]));
    // A gap can be explained in the push that reveals it.
    let more = tickets(11, 14, all[9].hash);
    let response = device
        .post(
            "push",
            json!({ "session_id": session, "tickets": [more[0], more[3]],
                    "gap_explanations": [{ "first": 12, "last": 13, "reason": "tickets annulés avant impression" }] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        integrity(&app, register).await["open_gaps"][0]["explanation"],
        "tickets annulés avant impression"
    );
}

async fn integrity(app: &TestApp, register: i64) -> Value {
    let (status, body) = app
        .get_json(&format!("/api/registers/{register}/integrity"))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn a_broken_chain_is_detected_and_the_data_kept(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let register = fixture.registers[2].id;
    let device = Device::pair(&app.server.url(), register).await;
    let session = device.begin().await;
    let mut batch = tickets(1, 6, ChainHash::GENESIS);
    // The register's database was edited after sealing: ticket 4 now says 1 cent.
    batch[3].body.lines[0].unit_price_ttc = Cents(1);
    batch[3].body.payments[0].amount = Cents(1);
    let pushed = device.push(session, &batch).await;
    assert_eq!((pushed.accepted, pushed.chain_break), (6, Some(4)));
    let stored = app.storage().tickets(register, 1, 100).await.unwrap();
    assert_eq!(
        stored, batch,
        "inalterable: what the register sent is kept as sent"
    );
    let shown = integrity(&app, register).await;
    assert_eq!(shown["ticket_chain_break"], 4);
    assert_eq!(shown["closure_chain_break"], Value::Null);
}

async fn bad_pushes_are_refused_whole(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let register = fixture.registers[2].id;
    let device = Device::pair(&app.server.url(), register).await;
    let session = device.begin().await;
    let good = tickets(1, 3, ChainHash::GENESIS);
    let good_json = serde_json::to_value(&good).unwrap();

    let with = |edit: &dyn Fn(&mut Value)| {
        let mut tickets = good_json.clone();
        edit(&mut tickets);
        json!({ "session_id": session, "tickets": tickets })
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with(&|t| t[1]["lines"][0]["colour"] = json!("rouge")),
            422,
            "unknown field `colour`",
        ),
        (
            with(&|t| t[1]["lines"][0]["quantity"] = json!("two")),
            422,
            "quantity",
        ),
        (
            with(&|t| t[2]["lines"][0]["unit_price_ttc"] = json!(-5)),
            422,
            "unit price",
        ),
        (
            with(&|t| t[2]["lines"][0]["unit_price_ttc"] = json!(10_000_000_000_i64)),
            422,
            "unit price",
        ),
        (
            with(&|t| t[0]["payments"][0]["amount"] = json!(1)),
            422,
            "payments add up to 1 cents",
        ),
        (
            with(&|t| t[0]["issued_at"] = json!("1850-01-01T10:00:00Z")),
            422,
            "not a plausible date",
        ),
        (
            with(&|t| t[0]["issued_at"] = json!("2099-01-01T10:00:00Z")),
            422,
            "more than a day after",
        ),
        (
            with(&|t| t[0]["lines"][0]["vat_rate"] = json!(25000)),
            422,
            "VAT rate",
        ),
        (
            with(&|t| t[2]["hash"] = json!("not-a-hash")),
            422,
            "SHA-256",
        ),
    ];
    for (body, status, needle) in cases {
        let response = device.post("push", body).await;
        let (got, message) = error_of(response).await;
        assert_eq!(got, status, "{needle}: {message}");
        assert!(
            message.contains(needle),
            "expected `{needle}` in: {message}"
        );
    }
    let malformed = reqwest::Client::new()
        .post(format!("{}/api/sync/push", app.server.url()))
        .bearer_auth(device.token())
        .header("content-type", "application/json")
        .body("{\"session_id\": 1, \"tickets\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(malformed).await.0, 400);
    let too_many = vec![good[0].clone(); MAX_TICKETS_PER_PUSH + 1];
    let (status, message) = error_of(device.push_raw(session, &too_many).await).await;
    assert_eq!(status, 413, "{message}");
    let huge =
        json!({ "session_id": session, "tickets": [], "padding": "x".repeat(9 * 1024 * 1024) });
    assert_eq!(device.post("push", huge).await.status(), 413);
    // Nothing of any refused push was written.
    assert_eq!(app.storage().chain_head(register).await.unwrap(), None);
    assert_eq!(device.push(session, &good).await.accepted, 3);
}

/// Support revoking a register's iPad is audited (who, which register, why), in the
/// revocation's transaction: when the entry fails, the iPad keeps syncing.
async fn revoking_an_ipad_is_audited_in_its_transaction(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let register = &fixture.registers[2];
    let device = Device::pair(&base, register.id).await;
    let revoke = || async {
        app.client
            .post(format!(
                "{base}/api/registers/{}/revoke-devices",
                register.id
            ))
            .json(&json!({ "reason": "iPad volé" }))
            .send()
            .await
            .unwrap()
    };
    app.db.fail_audit_of("devices_revoked").await;
    assert_eq!(revoke().await.status(), 500);
    app.db.lift_audit_failure().await;
    let session = device.begin().await;
    assert_eq!(device.end(session).await.status(), 200, "still paired");

    assert_eq!(revoke().await.status(), 200);
    assert_eq!(error_of(device.begin_raw().await).await.0, 401);
    let log = app.audit_log().await;
    let entry = &log[0];
    assert_eq!(entry.event.code(), "devices_revoked");
    assert_eq!(entry.store_id, Some(register.store_id));
    assert_eq!(
        entry.actor_email.as_deref(),
        Some(support::session::SUPPORT.email)
    );
    assert!(
        entry.detail.contains("1 token(s) revoked: iPad volé"),
        "{}",
        entry.detail
    );
}
