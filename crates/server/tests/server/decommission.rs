//! The decommission wizard over HTTP, driven by the simulator, on both backends: the wizard is
//! started and stays blocked while the register sells, until its month is closed and synced twice,
//! support suspends it, the iPad's next sync is refused, the sales stay on the dashboard; a
//! register withholding its last tickets stays blocked on step 4, naming them.

use crate::support;

use chrono::NaiveDate;
use multicaisse_core::auth::Role;
use multicaisse_core::decommission::{Decommission, Step, StepState};
use multicaisse_core::store::{Register, RegisterStatus, Store};
use multicaisse_server::simulate::{self, Misbehaviour, SimulateConfig, SyncOrder};
use serde_json::{json, Value};
use support::device::Device;
use support::fixture::store_with_registers;
use support::session::{add_member, Session, SUPPORT};
use support::{Backend, TestApp};

on_both_backends!(
    a_register_goes_only_once_its_sales_are_all_on_the_dashboard,
    a_register_withholding_tickets_stays_blocked_and_says_which,
    a_decision_whose_audit_entry_fails_is_not_taken
);

mod postgres_only {
    #[tokio::test]
    async fn no_ticket_lands_after_the_final_z_while_support_suspends() {
        if let Some(backend) = super::support::Backend::postgres() {
            super::no_ticket_lands_after_the_final_z_while_support_suspends(backend).await
        }
    }
}

const OWNER_EMAIL: &str = "owner@fin-de-saison.fr";
const PASSWORD: &str = "mot de passe de test";

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, d).unwrap()
}

fn simulation(
    app: &TestApp,
    store: &Store,
    number: u32,
    (from, until): (NaiveDate, NaiveDate),
) -> SimulateConfig {
    SimulateConfig {
        payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
        url: app.server.url(),
        store_id: store.id,
        registers: vec![number],
        from,
        until,
        seed: 41,
        syncs_per_day: 1,
        misbehave: vec![],
        order: SyncOrder::Once,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    }
}

/// A sync with nothing to push but the settings, reporting `pending` unsent changes.
async fn sync(device: &Device, pending: u32) {
    let session = device.begin().await;
    device
        .push_json(
            session,
            json!({ "settings": {
                "shop_name": "Cave de fin de saison", "shop_address": "1 quai Saint-Vincent, 69001 Lyon",
                "siret": "832 145 676 00017", "document_header": "Cave", "document_footer": "Merci",
                "fiscal_year_end_month": 12, "payment_methods": ["card", "cash"],
                "loyalty_enabled": true, "printer_configured": true, "email_tickets": true,
                "app_version": "4.12.0", "pending_local_changes": pending
            }}),
        )
        .await;
    let ended = device.end(session).await;
    assert_eq!(ended.status(), 200);
}

fn state_of(d: &Decommission, step: Step) -> &StepState {
    &d.steps.iter().find(|s| s.step == step).unwrap().state
}

fn reasons_of(d: &Decommission, step: Step) -> String {
    d.steps
        .iter()
        .find(|s| s.step == step)
        .unwrap()
        .reasons
        .join(" | ")
}

async fn decommission(session: &Session, register: &Register) -> Decommission {
    let (status, body) = session
        .get_json(&format!("/api/registers/{}/decommission", register.id))
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn setup(backend: &Backend) -> (TestApp, Store, Vec<Register>, Session) {
    let app = TestApp::spawn(backend).await;
    let (store, registers) =
        store_with_registers(app.storage().as_ref(), "Cave de fin de saison", 3, None).await;
    add_member(
        app.storage().as_ref(),
        OWNER_EMAIL,
        PASSWORD,
        store.id,
        Role::Owner,
    )
    .await;
    let owner = Session::sign_in(&app.server.url(), OWNER_EMAIL, PASSWORD).await;
    (app, store, registers, owner)
}

async fn a_register_goes_only_once_its_sales_are_all_on_the_dashboard(backend: Backend) {
    let (app, store, registers, owner) = setup(&backend).await;
    let base = app.server.url();
    let (principal, seasonal) = (&registers[0], &registers[1]);
    let start = |register: &Register| format!("/api/registers/{}/decommission", register.id);

    // Bad input: the principal register, an unknown one, another store's.
    let (status, body) = owner.post_json(&start(principal), json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("principal"),
        "{body}"
    );
    let (status, _) = owner
        .post_json("/api/registers/999999/decommission", json!({}))
        .await;
    assert!(matches!(status, 403 | 404), "{status}");
    let (other, other_registers) =
        store_with_registers(app.storage().as_ref(), "Autre cave", 2, None).await;
    let (status, _) = owner
        .post_json(&start(&other_registers[1]), json!({}))
        .await;
    assert_eq!(status, 403, "another store's register ({})", other.id);
    let (_, audit) = app
        .support
        .get_json(&format!("/api/stores/{}/audit", store.id))
        .await;
    assert!(
        !audit.to_string().contains("decommission"),
        "nothing written: {audit}"
    );

    // Started before the season's last week: nothing is closed yet.
    let (status, body) = owner.post_json(&start(seasonal), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let started: Decommission = serde_json::from_value(body).unwrap();
    assert!(state_of(&started, Step::Started).is_done());
    assert!(
        matches!(
            state_of(&started, Step::FinalClosure),
            StepState::Blocked { .. }
        ),
        "{:?}",
        started.steps
    );
    assert!(reasons_of(&started, Step::FinalClosure).contains("aucun Z mensuel"));
    // Two wizards for one register, and support confirming too early: refused.
    let (status, _) = owner.post_json(&start(seasonal), json!({})).await;
    assert_eq!(status, 409);
    let suspend = format!("{}/suspend", start(seasonal));
    let (status, body) = owner.post_json(&suspend, json!({})).await;
    assert_eq!(status, 403, "the owner cannot suspend: {body}");
    let (status, body) = app.support.post_json(&suspend, json!({})).await;
    assert_eq!(status, 422, "{body}");
    let uninstall = format!("{}/uninstall", start(seasonal));
    let (status, _) = owner.post_json(&uninstall, json!({})).await;
    assert_eq!(status, 422, "uninstall out of order");

    // The season's last week: it sells, closes each day and, on the 31st, the month, and
    // syncs them; the sync that carries the monthly Z does not count as one after it.
    let report = simulate::run(&simulation(&app, &store, 2, (day(24), day(31))))
        .await
        .unwrap();
    assert!(report.registers[0].tickets_accepted > 0);
    let closed = decommission(&owner, seasonal).await;
    assert!(
        state_of(&closed, Step::FinalClosure).is_done(),
        "{:?}",
        closed.steps
    );
    assert!(reasons_of(&closed, Step::Syncs).contains("0 synchronisation"));
    let device = Device::pair(&base, seasonal.id).await;
    sync(&device, 0).await;
    let once = decommission(&owner, seasonal).await;
    assert!(
        reasons_of(&once, Step::Syncs).contains("1 synchronisation"),
        "{:?}",
        once.steps
    );
    sync(&device, 2).await;
    let pending = decommission(&owner, seasonal).await;
    assert!(
        reasons_of(&pending, Step::Syncs).contains("2 modification"),
        "{:?}",
        pending.steps
    );
    sync(&device, 0).await;
    let ready = decommission(&owner, seasonal).await;
    for step in [Step::FinalClosure, Step::Syncs, Step::SalesOnDashboard] {
        assert!(
            state_of(&ready, step).is_done(),
            "{step:?}: {:?}",
            ready.steps
        );
    }
    assert_eq!(state_of(&ready, Step::Suspended), &StepState::Ready);
    let closure = ready.final_closure.clone().expect("the final closure");
    assert_eq!(closure.month, day(1));

    // Support suspends: billing ends, the iPad's token stops working.
    let (status, body) = app.support.post_json(&suspend, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let suspended: Decommission = serde_json::from_value(body).unwrap();
    assert!(state_of(&suspended, Step::Revoked).is_done());
    assert_eq!(state_of(&suspended, Step::Uninstalled), &StepState::Ready);
    let refused = device.begin_raw().await;
    assert_eq!(refused.status(), 401);
    let message: Value = refused.json().await.unwrap();
    assert!(
        message["error"]
            .as_str()
            .unwrap()
            .contains("mise hors service"),
        "{message}"
    );
    let (_, registers_now) = owner
        .get_json(&format!("/api/stores/{}/registers", store.id))
        .await;
    let registers_now: Vec<Register> = serde_json::from_value(registers_now).unwrap();
    assert_eq!(registers_now[1].status, RegisterStatus::Suspended);
    let (_, cancelled) = owner
        .post_json(&format!("{}/cancel", start(seasonal)), json!({}))
        .await;
    assert!(
        cancelled["error"].as_str().unwrap().contains("cancel"),
        "{cancelled}"
    );

    // Suspended, it waits on the owner: the shop is told so, until the owner confirms.
    let waiting = |alerts: &Value| {
        alerts.as_array().unwrap().iter().any(|a| {
            a["alert"]["kind"] == "decommission_waiting" && a["alert"]["register_id"] == seasonal.id
        })
    };
    let alerts_path = format!("/api/stores/{}/alerts", store.id);
    let (status, alerts) = owner.get_json(&alerts_path).await;
    assert_eq!(status, 200, "{alerts}");
    assert!(waiting(&alerts), "{alerts}");

    // The owner confirms the uninstall; the sales and Z files stay.
    let (status, body) = owner.post_json(&uninstall, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (_, alerts) = owner.get_json(&alerts_path).await;
    assert!(!waiting(&alerts), "cleared once confirmed: {alerts}");
    let done: Decommission = serde_json::from_value(body).unwrap();
    assert!(
        done.steps.iter().all(|s| s.state.is_done()),
        "{:?}",
        done.steps
    );
    let (status, verification) = owner
        .get_json(&format!("/api/registers/{}/verification", seasonal.id))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        verification["closures"].as_array().map(|c| c.is_empty()),
        Some(false)
    );
    let (status, z) = owner
        .get_json(&format!(
            "/api/registers/{}/z?period=2026-10&format=json",
            seasonal.id
        ))
        .await;
    assert_eq!(status, 200, "{z}");
    assert_eq!(z["status"], "verified");

    // Every transition is in the audit log, the suspension with its evidence.
    let (_, audit) = app
        .support
        .get_json(&format!("/api/stores/{}/audit", store.id))
        .await;
    let text = audit.to_string();
    for event in [
        "decommission_started",
        "decommission_suspended",
        "decommission_uninstalled",
    ] {
        assert!(text.contains(event), "{event}: {text}");
    }
    // The journal names the register each step concerned, and files them under registers.
    let (status, registers_log) = app
        .support
        .get_json(&format!("/api/stores/{}/audit?topic=registers", store.id))
        .await;
    assert_eq!(status, 200, "{registers_log}");
    let registers_log: Vec<multicaisse_core::auth::AuditEntry> =
        serde_json::from_value(registers_log).unwrap();
    let steps: Vec<_> = registers_log
        .iter()
        .filter(|e| e.event.code().starts_with("decommission_"))
        .collect();
    assert_eq!(steps.len(), 3, "{registers_log:?}");
    for step in steps {
        assert_eq!(step.register_number, Some(seasonal.number), "{step:?}");
        assert_eq!(
            step.register_label.as_deref(),
            Some(seasonal.label.as_str())
        );
        assert!(step.actor_name.is_some(), "{step:?}");
    }
    assert!(registers_log
        .iter()
        .all(|e| e.event.topic() == multicaisse_core::auth::AuditTopic::Registers));
    assert!(
        text.contains(&closure.hash.to_hex()),
        "the closure hash is kept: {text}"
    );
    let _ = principal;
}

async fn a_register_withholding_tickets_stays_blocked_and_says_which(backend: Backend) {
    let (app, store, registers, owner) = setup(&backend).await;
    let register = &registers[2];
    let mut config = simulation(&app, &store, 3, (day(31), day(31)));
    config.misbehave = vec![Misbehaviour::Withhold(3)];
    let report = simulate::run(&config).await.unwrap();
    let sold = report.registers[0].tickets_sold;
    assert!(sold > 3, "{report:?}");
    let start = format!("/api/registers/{}/decommission", register.id);
    let (status, body) = owner.post_json(&start, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let device = Device::pair(&app.server.url(), register.id).await;
    sync(&device, 0).await;
    sync(&device, 0).await;
    let blocked = decommission(&owner, register).await;
    assert!(
        state_of(&blocked, Step::Syncs).is_done(),
        "{:?}",
        blocked.steps
    );
    assert!(
        matches!(
            state_of(&blocked, Step::SalesOnDashboard),
            StepState::Blocked { .. }
        ),
        "{:?}",
        blocked.steps
    );
    let expected = format!(
        "3 ticket(s) déclaré(s) par le Z d'octobre ne sont pas encore arrivés : n° {} à {}",
        sold - 2,
        sold
    );
    assert!(
        reasons_of(&blocked, Step::SalesOnDashboard).contains(&expected),
        "{}",
        reasons_of(&blocked, Step::SalesOnDashboard)
    );
    let (status, body) = app
        .support
        .post_json(&format!("{start}/suspend"), json!({}))
        .await;
    assert_eq!(status, 422, "{body}");
    // Support sees it among the decommissions in progress, with its reason.
    let (status, all) = app.support.get_json("/api/decommissions?lang=en").await;
    assert_eq!(status, 200);
    let all: Vec<Decommission> = serde_json::from_value(all).unwrap();
    let listed = all.iter().find(|d| d.register_id == register.id).unwrap();
    assert!(reasons_of(listed, Step::SalesOnDashboard).contains("have not arrived yet"));
    // Cancelled before suspension, it can start again later.
    let (status, body) = owner.post_json(&format!("{start}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = owner.post_json(&start, json!({})).await;
    assert_eq!(status, 200);
}

/// Issue 16, item 11: the suspension judges the evidence, then writes; a push that lands in
/// between must not leave a ticket after the "final" Z. PostgreSQL's row locks hold both
/// requests at the same point, deterministically: a lock on the register's row stalls the
/// suspension's write and the push's, then both go.
async fn no_ticket_lands_after_the_final_z_while_support_suspends(backend: Backend) {
    use multicaisse_core::sync::BeginResponse;
    use sqlx::Executor;
    let (app, store, registers, _owner) = setup(&backend).await;
    let base = app.server.url();
    let seasonal = &registers[1];
    let start = format!("/api/registers/{}/decommission", seasonal.id);
    let (status, body) = app.support.post_json(&start, json!({})).await;
    assert_eq!(status, 200, "{body}");
    simulate::run(&simulation(&app, &store, 2, (day(24), day(31))))
        .await
        .unwrap();
    let device = Device::pair(&base, seasonal.id).await;
    sync(&device, 0).await;
    sync(&device, 0).await;
    let begun = device.begin_raw().await;
    assert_eq!(begun.status(), 200);
    let begun: BeginResponse = begun.json().await.unwrap();
    let late = multicaisse_core::ticket::TicketBody {
        sequence: begun.last_ticket.unwrap() + 1,
        kind: multicaisse_core::ticket::TicketKind::Sale,
        issued_at: support::fixture::paris(2026, 10, 31, 19, 30),
        lines: vec![support::fixture::line(
            "Crémant de Loire",
            1,
            1290,
            multicaisse_core::VatRate::STANDARD,
            0,
        )],
        payments: vec![multicaisse_core::ticket::Payment {
            method: multicaisse_core::ticket::PaymentMethod::Card,
            amount: multicaisse_core::Cents(1290),
        }],
    }
    .seal(begun.last_ticket_hash.unwrap());
    let mut holder = app.db.lock_register_row(seasonal.id).await;
    let suspend_path = format!("{start}/suspend");
    let suspend = app.support.post(&suspend_path, json!({}));
    let push = async {
        // After the suspension has judged its evidence and waits to write.
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let push = device.push_raw(begun.session_id, std::slice::from_ref(&late));
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            holder.execute("ROLLBACK").await.unwrap();
        };
        tokio::join!(push, release).0
    };
    let (suspended, pushed) = tokio::join!(suspend, push);
    let (suspended, pushed) = (suspended.status().as_u16(), pushed.status().as_u16());
    assert!(
        !(suspended == 200 && pushed == 200),
        "the suspension and a later ticket both went through"
    );
    let head = app
        .storage()
        .chain_head(seasonal.id)
        .await
        .unwrap()
        .map(|h| h.sequence);
    if suspended == 200 {
        assert_eq!(head, begun.last_ticket, "nothing after the final Z");
    }
}

/// Each decision on a wizard is written with its audit entry in one transaction: when writing
/// the entry fails (a trigger injected on the audit log), the decision is not taken either;
/// once the log takes entries again, it is, with its entry.
async fn a_decision_whose_audit_entry_fails_is_not_taken(backend: Backend) {
    use multicaisse_server::storage::accounts::AuditScope;
    let app = TestApp::spawn(&backend).await;
    let (store, registers) =
        store_with_registers(app.storage().as_ref(), "Cave sans journal", 2, None).await;
    let register = &registers[1];
    let wizard = format!("/api/registers/{}/decommission", register.id);
    let entries = || async {
        app.storage()
            .audit(AuditScope::Store(store.id), None, i64::MAX, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event.code().starts_with("decommission"))
            .count()
    };

    app.db.fail_audit_of("decommission").await;
    let (status, _) = app.support.post_json(&wizard, json!({})).await;
    assert_eq!(status, 500, "the start fails with its entry");
    assert_eq!(
        app.storage()
            .decommission_of_register(register.id)
            .await
            .unwrap(),
        None,
        "and is not taken"
    );
    assert_eq!(entries().await, 0);
    app.db.lift_audit_failure().await;
    let (status, body) = app.support.post_json(&wizard, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(entries().await, 1, "started, with its entry");

    app.db.fail_audit_of("decommission").await;
    let (status, _) = app
        .support
        .post_json(&format!("{wizard}/cancel"), json!({}))
        .await;
    assert_eq!(status, 500, "the cancellation fails with its entry");
    let kept = app
        .storage()
        .decommission_of_register(register.id)
        .await
        .unwrap()
        .expect("the wizard");
    assert!(kept.progress.cancelled_at.is_none(), "and is not taken");
    assert_eq!(entries().await, 1);
    app.db.lift_audit_failure().await;
    let (status, body) = app
        .support
        .post_json(&format!("{wizard}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(entries().await, 2, "cancelled, with its entry");
}
