//! Z files over HTTP: a register played by the simulator verifies end to end; a closure
//! altered in the database behind the server's back is found.

mod support;

use chrono::{NaiveDate, TimeZone, Utc};
use multicaisse_core::store::{RegisterKind, RegisterStatus};
use multicaisse_core::verification::{ClosureStatus, RegisterVerification};
use multicaisse_server::simulate::{run, SimulateConfig, SyncOrder};
use multicaisse_server::storage::{DatabaseTarget, NewRegister};
use support::fixture::new_store;
use support::session::SUPPORT;
use support::{Backend, TestApp};

on_both_backends!(a_simulated_register_verifies_and_a_tampered_closure_does_not);

async fn a_simulated_register_verifies_and_a_tampered_closure_does_not(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let store = storage.insert_store(&new_store("Cave du Z")).await.unwrap();
    let activated = Utc.with_ymd_and_hms(2026, 3, 29, 7, 0, 0).unwrap();
    let register = storage
        .insert_register(&NewRegister {
            store_id: store.id,
            number: 1,
            label: "Caisse 1".into(),
            kind: RegisterKind::Principal,
            status: RegisterStatus::Active,
            created_at: activated,
            activated_at: Some(activated),
            suspended_at: None,
        })
        .await
        .unwrap();
    let config = SimulateConfig {
        url: app.server.url(),
        store_id: store.id,
        registers: vec![],
        // Across a month end: a daily Z every selling day, and March's grand Z.
        from: NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
        until: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        seed: 5,
        syncs_per_day: 1,
        misbehave: vec![],
        order: SyncOrder::Once,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    };
    let report = run(&config).await.expect("the simulation runs");
    let sold = report.registers[0].tickets_sold;
    let path = format!("/api/registers/{}/verification", register.id);
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200, "{body}");
    let verified: RegisterVerification = serde_json::from_value(body).unwrap();
    assert_eq!(verified.tickets.intact_through, Some(sold));
    assert_eq!(verified.tickets.first_break, None);
    let periods: Vec<&str> = verified
        .closures
        .iter()
        .filter_map(|c| c.period.as_deref())
        .collect();
    // The shop is closed on Mondays (30 March): no sale, no daily Z, none due.
    assert_eq!(
        periods,
        vec!["2026-03-29", "2026-03-31", "2026-03", "2026-04-01"]
    );
    assert!(
        verified
            .closures
            .iter()
            .all(|c| c.status == ClosureStatus::Verified && c.differences.is_empty()),
        "{:?}",
        verified.closures
    );
    // April is over and its grand Z never came; nothing of March is missing.
    assert!(verified.missing.contains(&"2026-04".to_string()));
    assert!(!verified.missing.iter().any(|m| m.starts_with("2026-03")));

    // Someone edits March's grand Z in the database, around the server.
    let sql = format!(
        "UPDATE closures SET total_ttc = total_ttc + 100 WHERE register_id = {} AND kind = 'monthly'",
        register.id
    );
    match &app.db.target {
        DatabaseTarget::Sqlite(_) => {
            app.db
                .execute_raw("DROP TRIGGER closures_no_update")
                .await
                .unwrap();
        }
        DatabaseTarget::Postgres(_) => {
            app.db
                .execute_raw("ALTER TABLE closures DISABLE TRIGGER closures_inalterable")
                .await
                .unwrap();
        }
    }
    app.db.execute_raw(&sql).await.unwrap();
    let (_, body) = app.get_json(&path).await;
    let tampered: RegisterVerification = serde_json::from_value(body).unwrap();
    let march = tampered
        .closures
        .iter()
        .find(|c| c.period.as_deref() == Some("2026-03"))
        .unwrap();
    assert_eq!(march.status, ClosureStatus::Mismatch);
    assert!(march.chain_fault, "its hash no longer gives its content");
    assert_eq!(march.differences[0].field, "total_ttc");
    assert!(tampered.closures_chain.first_break.is_some());
    // Bad input.
    let (status, body) = app.get_json("/api/registers/abc/verification").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app.get_json("/api/registers/999999/verification").await;
    assert_eq!(status, 404);
}
