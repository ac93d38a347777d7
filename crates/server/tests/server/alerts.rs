//! What needs attention comes to the shop: each condition driven through the simulator or a
//! register's own calls against the real server, seen on `GET /stores/{id}/alerts`, cleared
//! once its cause is gone, and mailed to the owners when SMTP is configured.

use crate::support;

use chrono::{Duration, Utc};
use multicaisse_core::alerts::{AlertDetail, AlertKind, OpenAlert};
use multicaisse_core::auth::Role;
use multicaisse_core::closure::ClosureKind;
use multicaisse_server::simulate::{run, Misbehaviour, SimulateConfig, SyncOrder};
use serde_json::json;
use support::device::Device;
use support::fixture::{settings, small_store};
use support::session::{add_member, Session, SUPPORT};
use support::smtp::SmtpServer;
use support::{Backend, TestApp};

on_both_backends!(
    fiscal_faults_of_a_misbehaving_week_are_alerts,
    a_refused_sync_is_an_alert_until_the_register_syncs,
    a_failing_setup_check_is_an_alert_until_corrected,
    new_alerts_are_mailed_to_the_owners_once,
);

async fn alerts(app: &TestApp, store: i64) -> Vec<OpenAlert> {
    let (status, body) = app
        .support
        .get_json(&format!("/api/stores/{store}/alerts"))
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

fn kinds_of(alerts: &[OpenAlert], register: i64) -> Vec<AlertKind> {
    alerts
        .iter()
        .filter(|a| a.alert.register_id == register)
        .map(|a| a.alert.kind)
        .collect()
}

/// A server that alerts on missing tickets at once: the simulator runs in minutes what a
/// shop lives in days.
async fn eager(backend: &Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| config.alert_after_minutes = 0).await
}

async fn fiscal_faults_of_a_misbehaving_week_are_alerts(backend: Backend) {
    let app = eager(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let today = fixture.store.today(Utc::now());
    // Four days ending the day before yesterday: every day's Z is due by now.
    let config = SimulateConfig {
        payment_methods: vec![
            multicaisse_core::ticket::PaymentMethod::Card,
            multicaisse_core::ticket::PaymentMethod::Cash,
        ],
        url: app.server.url(),
        store_id: store,
        registers: vec![],
        from: today - Duration::days(5),
        until: today - Duration::days(2),
        seed: 7,
        syncs_per_day: 1,
        misbehave: vec![
            Misbehaviour::Tamper,
            Misbehaviour::Withhold(2),
            Misbehaviour::NoDailyZ(3),
        ],
        order: SyncOrder::Ritual,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    };
    let report = run(&config).await.expect("the simulation runs");
    assert!(
        report.registers.iter().all(|r| r.tickets_sold > 0),
        "{report:?}"
    );
    let open = alerts(&app, store).await;
    let [one, two, three] = [0, 1, 2].map(|i| fixture.registers[i].id);

    // Register 1 edited a sealed ticket: its chain is broken, said first.
    assert_eq!(
        kinds_of(&open, one).first(),
        Some(&AlertKind::ChainBreak),
        "{open:?}"
    );
    // Register 2 kept back three tickets of each push that its Z count: numbers skipped
    // below its newest, and declared ones above it.
    let two_kinds = kinds_of(&open, two);
    assert!(two_kinds.contains(&AlertKind::OpenGap), "{open:?}");
    assert!(
        two_kinds.contains(&AlertKind::UndeliveredTickets),
        "{open:?}"
    );
    let undelivered = open
        .iter()
        .find(|a| a.alert.kind == AlertKind::UndeliveredTickets)
        .unwrap();
    assert_eq!(
        undelivered.alert.detail,
        AlertDetail::Undelivered { count: 3 },
        "the last push's three"
    );
    // Register 3 sold every day without closing one: a missing Z per day it sold.
    let missing: Vec<_> = open
        .iter()
        .filter(|a| a.alert.register_id == three && a.alert.kind == AlertKind::MissingDailyZ)
        .map(|a| a.alert.detail.clone())
        .collect();
    let sold_days = app
        .storage()
        .daily_sales(
            store,
            multicaisse_core::period::DateRange {
                from: config.from,
                to: config.until,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.register_id == three)
        .map(|p| AlertDetail::Day(p.date))
        .collect::<Vec<_>>();
    assert!(!sold_days.is_empty());
    assert_eq!(missing, sold_days);
    // Everyone synced: no silence, no failed sync.
    assert!(open
        .iter()
        .all(|a| !matches!(a.alert.kind, AlertKind::Silent | AlertKind::SyncFailed)));
    // Each says what to do, and where.
    let z = open
        .iter()
        .find(|a| a.alert.kind == AlertKind::MissingDailyZ)
        .unwrap();
    assert_eq!(z.alert.kind.link(), "/z");
    assert!(z
        .alert
        .title(multicaisse_core::format::Lang::Fr)
        .starts_with("Caisse 3 : Z du "));
    // Support sees them on the fleet's list, by shop.
    let (status, fleet) = app.support.get_json("/api/alerts").await;
    assert_eq!(status, 200);
    let fleet: Vec<OpenAlert> = serde_json::from_value(fleet).unwrap();
    assert_eq!(fleet.len(), open.len());
    assert!(fleet.iter().all(|a| a.store_name == "Cave d'essai"));

    // Register 3 closes its last day late: that day's alert clears, the others stay.
    let last_day = match sold_days.last() {
        Some(AlertDetail::Day(day)) => *day,
        _ => unreachable!(),
    };
    let device = Device::pair(&app.server.url(), three).await;
    let session = device.begin().await;
    let head = app.storage().closure_head(three).await.unwrap();
    let day = multicaisse_core::period::DateRange {
        from: last_day,
        to: last_day,
    };
    let (_, mut tickets) = app
        .storage()
        .ticket_page(
            three,
            day,
            multicaisse_core::api::TicketSearch::All,
            0,
            1000,
        )
        .await
        .unwrap();
    tickets.reverse();
    let refs: Vec<&multicaisse_core::ticket::Ticket> = tickets.iter().collect();
    let perpetual = app.storage().register_total(three).await.unwrap();
    let day_total: multicaisse_core::Cents = refs.iter().map(|t| t.body.total_ttc()).sum();
    let sequence = head.as_ref().map_or(1, |h| h.sequence + 1);
    let body = multicaisse_core::closure::compute_closure(
        sequence,
        ClosureKind::Daily,
        last_day,
        last_day,
        &refs,
        fixture.store.time_zone,
        perpetual - day_total,
        refs.last()
            .map_or(multicaisse_core::chain::ChainHash::GENESIS, |t| t.hash),
        Utc::now(),
    );
    let previous = head.map_or(multicaisse_core::chain::ChainHash::GENESIS, |h| h.hash);
    let closure = body.seal(previous);
    device
        .push_json(session, json!({ "closures": [closure] }))
        .await;
    assert_eq!(device.end(session).await.status(), 200);
    let after = alerts(&app, store).await;
    let still: Vec<_> = after
        .iter()
        .filter(|a| a.alert.register_id == three && a.alert.kind == AlertKind::MissingDailyZ)
        .map(|a| a.alert.detail.clone())
        .collect();
    assert_eq!(still, sold_days[..sold_days.len() - 1].to_vec());
}

async fn a_refused_sync_is_an_alert_until_the_register_syncs(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let base = app.server.url();
    let one = Device::pair(&base, fixture.registers[0].id).await;
    let two = Device::pair(&base, fixture.registers[1].id).await;
    let held = one.begin().await;
    // Register 2 syncs beside it; its second session at once is refused.
    let beside = two.begin().await;
    let refused = two.begin_raw().await;
    assert_eq!(refused.status(), 409);
    let open = alerts(&app, store).await;
    let failed = open
        .iter()
        .find(|a| a.alert.kind == AlertKind::SyncFailed)
        .expect("the refused sync is an alert");
    assert_eq!(failed.alert.register_id, two.register_id);
    assert_eq!(failed.alert.kind.link(), "/appareils");
    // Register 3 was activated in January and never synced: silent since then.
    let silent = open
        .iter()
        .find(|a| {
            a.alert.kind == AlertKind::Silent && a.alert.register_id == fixture.registers[2].id
        })
        .expect("a silent register");
    assert_eq!(silent.alert.register_id, fixture.registers[2].id);
    assert_eq!(Some(silent.alert.since), fixture.registers[2].activated_at);
    // Both end, and the second syncs again: its alert clears by itself.
    assert_eq!(one.end(held).await.status(), 200);
    assert_eq!(two.end(beside).await.status(), 200);
    let session = two.begin().await;
    assert_eq!(two.end(session).await.status(), 200);
    let after = alerts(&app, store).await;
    assert!(
        after.iter().all(|a| a.alert.kind != AlertKind::SyncFailed),
        "{after:?}"
    );
    // The one that stays keeps its first sighting.
    let still = after
        .iter()
        .find(|a| a.alert.kind == AlertKind::Silent)
        .unwrap();
    assert_eq!(kinds_of(&after, two.register_id), vec![]);
    assert_eq!(still.opened_at, silent.opened_at);
    assert_eq!(still.id, silent.id);
}

async fn a_failing_setup_check_is_an_alert_until_corrected(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let base = app.server.url();
    let one = Device::pair(&base, fixture.registers[0].id).await;
    let mut wrong = settings(0);
    wrong["fiscal_year_end_month"] = json!(3);
    let session = one.begin().await;
    one.push_json(session, json!({ "settings": wrong })).await;
    assert_eq!(one.end(session).await.status(), 200);
    let open = alerts(&app, store).await;
    let setup = open
        .iter()
        .find(|a| a.alert.kind == AlertKind::SetupFailing)
        .expect("a failing check is an alert");
    assert_eq!(
        setup.alert.detail,
        AlertDetail::Setup {
            items: vec![multicaisse_core::setup::SetupItem::FiscalYearEnd]
        }
    );
    assert_eq!(
        setup.alert.title(multicaisse_core::format::Lang::Fr),
        "Caisse 1 : réglages à revoir : fin d'exercice"
    );
    let session = one.begin().await;
    one.push_json(session, json!({ "settings": settings(0) }))
        .await;
    assert_eq!(one.end(session).await.status(), 200);
    let after = alerts(&app, store).await;
    assert!(after
        .iter()
        .all(|a| a.alert.kind != AlertKind::SetupFailing));
}

async fn new_alerts_are_mailed_to_the_owners_once(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = TestApp::spawn_with(&backend, move |config| config.smtp_url = Some(url)).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    add_member(
        app.storage().as_ref(),
        "proprietaire@cave.fr",
        "un mot de passe solide",
        store,
        Role::Owner,
    )
    .await;
    add_member(
        app.storage().as_ref(),
        "comptable@cabinet.fr",
        "un mot de passe solide",
        store,
        Role::Accountant,
    )
    .await;
    // The three registers have never synced since January: three silent registers.
    let first = alerts(&app, store).await;
    assert_eq!(first.len(), 3, "{first:?}");
    let mails = smtp.wait_for("proprietaire@cave.fr", 1).await;
    assert_eq!(
        mails[0].subject,
        "Multicaisse : 3 points demandent votre attention à Cave d'essai"
    );
    assert!(mails[0]
        .body
        .contains("• Caisse 1 : aucune synchronisation depuis plus d'un jour (depuis le lundi 5 janvier à 09:00)"));
    assert!(mails[0]
        .body
        .contains("Check the register is on and connected"));
    // Looked at again, nothing new: no second mail; the accountant gets none.
    let again = alerts(&app, store).await;
    assert_eq!(again.len(), 3);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let received = smtp.received().await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(!received[0].to.contains("comptable"));
    // An owner signed in reads the same list; an accountant may not.
    let owner = Session::sign_in(
        &app.server.url(),
        "proprietaire@cave.fr",
        "un mot de passe solide",
    )
    .await;
    let (status, _) = owner.get_json(&format!("/api/stores/{store}/alerts")).await;
    assert_eq!(status, 200);
    let accountant = Session::sign_in(
        &app.server.url(),
        "comptable@cabinet.fr",
        "un mot de passe solide",
    )
    .await;
    let (status, _) = accountant
        .get_json(&format!("/api/stores/{store}/alerts"))
        .await;
    assert_eq!(status, 403);
}
