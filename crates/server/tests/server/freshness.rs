//! Sync freshness over HTTP: states and the plan as registers sync, the lease holder and
//! refused attempts, the timeline, and the support fleet view (filters, order, pages, and the
//! precomputed status equal to the one recomputed from the history).

use crate::support;

use chrono::Utc;
use multicaisse_core::freshness::{
    FleetPage, StepReason, StoreFreshness, SyncState, FLEET_PAGE_SIZE,
};
use multicaisse_core::store::{Register, Store};
use multicaisse_server::storage::freshness::FleetSource;
use serde_json::json;
use support::device::Device;
use support::{Backend, TestApp};

async fn store_with(app: &TestApp, name: &str, count: u32) -> (Store, Vec<Register>) {
    support::fixture::store_with_registers(app.storage().as_ref(), name, count, None).await
}

fn settings(pending: u32) -> serde_json::Value {
    json!({
        "shop_name": "Cave d'essai", "shop_address": "12 rue d'Austerlitz, 69004 Lyon",
        "siret": "83214567600017", "document_header": "Cave d'essai",
        "document_footer": "Merci", "fiscal_year_end_month": 12,
        "payment_methods": ["card", "cash"], "loyalty_enabled": true,
        "printer_configured": true, "email_tickets": false, "app_version": "4.12.0",
        "pending_local_changes": pending
    })
}

/// A whole sync: begin, push `changes` stock movements and settings, pull everything, end.
async fn sync(device: &Device, tag: &str, changes: usize, pending: u32) {
    let session = device.begin().await;
    let moves: Vec<_> = (0..changes)
        .map(|i| json!({ "id": format!("{tag}-{i}"), "at": Utc::now(), "change": { "kind": "stock_movement", "product": "morgon", "delta": -1 } }))
        .collect();
    device
        .push_json(
            session,
            json!({ "changes": moves, "settings": settings(pending) }),
        )
        .await;
    while device.pull(session, 1000).await.remaining > 0 {}
    assert_eq!(device.end(session).await.status(), 200);
}

async fn freshness(app: &TestApp, store: i64, since: &str) -> StoreFreshness {
    let (status, body) = app
        .get_json(&format!("/api/stores/{store}/sync-status?since={since}"))
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

fn order(f: &StoreFreshness) -> Vec<u32> {
    f.plan.iter().map(|s| s.register).collect()
}

fn states(f: &StoreFreshness) -> Vec<SyncState> {
    f.registers.iter().map(|r| r.state).collect()
}

async fn states_and_plan_follow_the_syncs(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (store, registers) = store_with(&app, "Cave d'essai", 3).await;
    let start = urlencoding(&Utc::now().to_rfc3339());
    // Nothing known: never synced, and the seed's ritual.
    let f = freshness(&app, store.id, &start).await;
    assert_eq!(states(&f), vec![SyncState::NeverSynced; 3]);
    assert_eq!(order(&f), vec![1, 2, 3, 1, 2]);
    assert_eq!(f.plan[0].reason, StepReason::PushUnknown);
    let mut devices = Vec::new();
    for register in &registers {
        devices.push(Device::pair(&app.server.url(), register.id).await);
    }
    // Register 1 pushes two changes and reports nothing pending.
    sync(&devices[0], "r1", 2, 0).await;
    let f = freshness(&app, store.id, &start).await;
    assert_eq!(f.registers[0].state, SyncState::UpToDate);
    assert_eq!(f.registers[0].facts.pending_local_changes, Some(0));
    assert_eq!(f.registers[1].facts.behind, 2);
    assert_eq!(f.registers[0].syncs_today, 1);
    assert_eq!(
        f.registers[0].device.as_ref().unwrap().name,
        "iPad comptoir"
    );
    assert_eq!(f.registers[0].app_version.as_deref(), Some("4.12.0"));
    assert_eq!(order(&f), vec![2, 3, 1, 2]);
    assert_eq!(
        f.done.iter().map(|d| d.register).collect::<Vec<_>>(),
        vec![1]
    );
    // Register 2 pulls them, pushes none, but says three changes are still pending.
    sync(&devices[1], "r2", 0, 3).await;
    let f = freshness(&app, store.id, &start).await;
    assert_eq!(f.registers[1].facts.behind, 0);
    assert_eq!(f.registers[1].state, SyncState::NeedsResync);
    assert_eq!(order(&f), vec![2, 3, 1, 2]);
    assert_eq!(f.plan[0].reason, StepReason::PushPending { changes: 3 });
    // Register 2 again with nothing pending, then register 3: shorter than the ritual.
    sync(&devices[1], "r2b", 1, 0).await;
    let f = freshness(&app, store.id, &start).await;
    assert_eq!(order(&f), vec![3, 1, 2]);
    sync(&devices[2], "r3", 0, 0).await;
    let f = freshness(&app, store.id, &start).await;
    assert_eq!(f.registers[0].facts.behind, 1, "register 2's last change");
    assert_eq!(order(&f), vec![1]);
    assert_eq!(f.plan[0].reason, StepReason::PullBehind { changes: 1 });
    sync(&devices[0], "r1b", 0, 0).await;
    let f = freshness(&app, store.id, &start).await;
    assert!(f.plan.is_empty(), "{:?}", f.plan);
    assert_eq!(states(&f), vec![SyncState::UpToDate; 3]);
    assert_eq!(
        f.done.iter().map(|d| d.register).collect::<Vec<_>>(),
        vec![1, 2, 2, 3, 1]
    );
    // A revoked iPad is out of service and out of the plan.
    let (status, _) = app
        .support
        .post_json(
            &format!("/api/registers/{}/revoke-devices", registers[2].id),
            json!({ "reason": "iPad perdu" }),
        )
        .await;
    assert_eq!(status, 200);
    let f = freshness(&app, store.id, &start).await;
    assert_eq!(f.registers[2].state, SyncState::OutOfService);
}

fn urlencoding(text: &str) -> String {
    text.replace('+', "%2B")
}

async fn syncs_under_way_and_refused_attempts_show(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (store, registers) = store_with(&app, "Cave d'essai", 2).await;
    let one = Device::pair(&app.server.url(), registers[0].id).await;
    let two = Device::pair(&app.server.url(), registers[1].id).await;
    let session = one.begin().await;
    let f = freshness(&app, store.id, "2026-01-01T00:00:00Z").await;
    let syncing: Vec<u32> = f.syncing.iter().map(|l| l.register).collect();
    assert_eq!(syncing, [1], "register 1 is syncing");
    assert_eq!(
        f.registers[0].last_attempt.as_ref().unwrap().outcome,
        "in_progress"
    );
    // Register 2 syncs meanwhile: both show.
    let beside = two.begin().await;
    let f = freshness(&app, store.id, "2026-01-01T00:00:00Z").await;
    let syncing: Vec<u32> = f.syncing.iter().map(|l| l.register).collect();
    assert_eq!(syncing, [1, 2]);
    assert!(f.refused.is_empty());
    // Register 1 beginning a second sync of its own is refused, and shows.
    assert_eq!(one.begin_raw().await.status(), 409);
    let f = freshness(&app, store.id, "2026-01-01T00:00:00Z").await;
    assert_eq!(f.refused.len(), 1);
    assert_eq!((f.refused[0].register, f.refused[0].holder), (1, Some(1)));
    assert_eq!(
        f.registers[0].last_attempt.as_ref().unwrap().outcome,
        "refused"
    );
    assert_eq!(f.registers[0].state, SyncState::NeverSynced);
    one.end(session).await;
    two.end(beside).await;
    let f = freshness(&app, store.id, "2026-01-01T00:00:00Z").await;
    assert!(f.syncing.is_empty());
    assert_eq!(
        f.registers[0].last_attempt.as_ref().unwrap().outcome,
        "completed"
    );
    // An iPad that begins and never comes back: once its lease is over, its attempt shows as
    // interrupted, not in progress.
    two.begin().await;
    let held = freshness(&app, store.id, "2026-01-01T00:00:00Z").await;
    assert_eq!(
        held.registers[1].last_attempt.as_ref().unwrap().outcome,
        "in_progress"
    );
    let lapsed = format!(
        "UPDATE sync_leases SET expires_at_ms = 0 WHERE store_id = {}",
        store.id
    );
    app.db.execute_raw(&lapsed).await.unwrap();
    let f = freshness(&app, store.id, "2026-01-01T00:00:00Z").await;
    assert!(f.syncing.is_empty());
    assert_eq!(
        f.registers[1].last_attempt.as_ref().unwrap().outcome,
        "expired"
    );
    // The timeline marks the completed sync and the refused attempt.
    let response = app
        .get(&format!("/api/stores/{}/sync-timeline?lang=fr", store.id))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.unwrap();
    assert!(svg.contains("Caisse 1") && svg.contains("Caisse 2"));
    assert!(svg.contains("tentative refusée"));
    // Bad input.
    for (query, parameter) in [
        ("sync-status?since=hier", "since"),
        ("sync-status?period=x", "period"),
        ("sync-timeline?lang=de", "lang"),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/stores/{}/{query}", store.id))
            .await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["parameter"], parameter, "{body}");
    }
}

async fn the_fleet_lists_the_worst_first(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // 30 stores of 2 registers: some synced, some never, some behind; one store revoked.
    for s in 0..30u32 {
        let (_, registers) = store_with(&app, &format!("Cave n°{s:02}"), 2).await;
        if s % 3 != 0 {
            let device = Device::pair(&app.server.url(), registers[0].id).await;
            sync(&device, &format!("s{s}"), (s % 4) as usize, 0).await;
        }
        if s == 7 {
            Device::pair(&app.server.url(), registers[1].id).await;
            let (status, _) = app
                .support
                .post_json(
                    &format!("/api/registers/{}/revoke-devices", registers[1].id),
                    json!({ "reason": "iPad volé" }),
                )
                .await;
            assert_eq!(status, 200);
        }
    }
    let get = |query: String| {
        let app = &app;
        async move {
            let (status, body) = app.get_json(&format!("/api/fleet{query}")).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_value::<FleetPage>(body).unwrap()
        }
    };
    let first = get(String::new()).await;
    assert_eq!(first.total, 60);
    assert_eq!((first.page, first.pages), (1, 2));
    assert_eq!(first.rows.len(), FLEET_PAGE_SIZE as usize);
    let second = get("?page=2".into()).await;
    assert_eq!(second.rows.len(), 10);
    let all: Vec<_> = first.rows.iter().chain(&second.rows).collect();
    let now = Utc::now();
    // Worst first, as core orders them.
    let keys: Vec<_> = all.iter().map(|r| r.facts.fleet_key(now)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(all[0].state, SyncState::NeverSynced);
    assert_eq!(all.last().unwrap().state, SyncState::OutOfService);
    let count = |state| {
        first
            .counts
            .iter()
            .find(|c| c.state == state)
            .unwrap()
            .count
    };
    assert_eq!(count(SyncState::OutOfService), 1);
    assert_eq!(count(SyncState::UpToDate), 20);
    // Never synced: both registers of every third store, and the second one of the others.
    assert_eq!(count(SyncState::NeverSynced), 39);
    // Filters: by state, by a part of the name in any case, by id, both.
    let behind = get("?state=up_to_date".into()).await;
    assert_eq!(behind.total, 20);
    assert!(behind.rows.iter().all(|r| r.state == SyncState::UpToDate));
    let named = get("?store=CAVE%20N%C2%B007".into()).await;
    assert_eq!(named.total, 2);
    assert!(named.rows.iter().all(|r| r.store_name == "Cave n°07"));
    let by_id = get(format!("?store={}", named.rows[0].store_id)).await;
    assert_eq!(by_id.total, 2);
    let both = get("?store=n%C2%B007&state=out_of_service".into()).await;
    assert_eq!(both.total, 1);
    let wildcard = get("?store=%25".into()).await;
    assert_eq!(wildcard.total, 0, "a % is a character, not a wildcard");
    // The precomputed status equals the one recomputed from the history.
    let storage = app.storage();
    let fleet = |source| {
        let storage = storage.clone();
        async move {
            storage
                .fleet(source, None, None, now, 1000, 0)
                .await
                .unwrap()
        }
    };
    let (precomputed, recomputed) = (
        fleet(FleetSource::Precomputed).await,
        fleet(FleetSource::FromHistory).await,
    );
    assert_eq!(precomputed.counts, recomputed.counts);
    for (a, b) in precomputed.entries.iter().zip(&recomputed.entries) {
        assert_eq!(a, b);
    }
    // Any page is the slice of the whole sorted list, whether it lies within one state (read
    // from that state's rows alone) or straddles two, with or without a state filter.
    let whole = precomputed.entries;
    for offset in (0..whole.len() as u64).step_by(3) {
        let page = storage
            .fleet(FleetSource::Precomputed, None, None, now, 7, offset)
            .await
            .unwrap();
        let end = (offset as usize + 7).min(whole.len());
        assert_eq!(page.entries, whole[offset as usize..end], "offset {offset}");
    }
    let never: Vec<_> = whole
        .iter()
        .filter(|e| e.facts.state(now) == SyncState::NeverSynced)
        .cloned()
        .collect();
    for offset in [0u64, 5, 35] {
        let page = storage
            .fleet(
                FleetSource::Precomputed,
                None,
                Some(SyncState::NeverSynced),
                now,
                5,
                offset,
            )
            .await
            .unwrap();
        let end = (offset as usize + 5).min(never.len());
        assert_eq!(page.entries, never[offset as usize..end], "offset {offset}");
    }
    // Bad input, and support only.
    for (query, parameter) in [
        ("?state=perdu", "state"),
        ("?page=0", "page"),
        ("?page=9", "page"),
        ("?sort=name", "sort"),
    ] {
        let (status, body) = app.get_json(&format!("/api/fleet{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["parameter"], parameter, "{body}");
    }
}

on_both_backends!(
    states_and_plan_follow_the_syncs,
    syncs_under_way_and_refused_attempts_show,
    the_fleet_lists_the_worst_first
);
