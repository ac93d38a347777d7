//! The subscription over HTTP: each register's price from the configuration, months prorated
//! to the day from the registers' real activation and suspension; the set-up checklist from
//! what registers report at sync.

use crate::support;

use chrono::{NaiveDate, TimeZone, Utc};
use multicaisse_core::store::{RegisterKind, RegisterStatus};
use multicaisse_core::subscription::Subscription;
use multicaisse_core::Cents;
use multicaisse_server::storage::NewRegister;
use serde_json::json;
use support::device::Device;
use support::fixture::{new_register, new_store, store_with_registers};
use support::{Backend, TestApp};

on_both_backends!(
    months_are_prorated_from_real_activations_at_the_configured_price,
    the_checklist_compares_what_registers_report,
    an_owner_asks_for_a_register_and_support_decides,
    a_request_or_decision_whose_audit_entry_fails_is_not_taken
);

async fn months_are_prorated_from_real_activations_at_the_configured_price(backend: Backend) {
    // 45 € HT a month instead of the default 39 €.
    let app =
        TestApp::spawn_with(&backend, |config| config.extra_register_price_cents = 4500).await;
    let storage = app.storage();
    let store = storage
        .insert_store(&new_store("Cave à prix"))
        .await
        .unwrap();
    storage
        .insert_register(&new_register(store.id, 1, RegisterKind::Principal))
        .await
        .unwrap();
    let paris = |m, d, h| {
        chrono_tz::Europe::Paris
            .with_ymd_and_hms(2026, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    // In service from 16 September; the seasonal one from 5 to 10 October, 00:30 in Paris on
    // the 5th being 4 October 22:30 UTC.
    for (number, from, until) in [
        (2, paris(9, 16, 9), None),
        (
            3,
            paris(10, 5, 0) + chrono::Duration::minutes(30),
            Some(paris(10, 10, 19)),
        ),
    ] {
        storage
            .insert_register(&NewRegister {
                status: if until.is_some() {
                    RegisterStatus::Suspended
                } else {
                    RegisterStatus::Active
                },
                created_at: from,
                activated_at: Some(from),
                suspended_at: until,
                ..new_register(store.id, number, RegisterKind::Extra)
            })
            .await
            .unwrap();
    }
    let (status, body) = app
        .get_json(&format!("/api/stores/{}/subscription", store.id))
        .await;
    assert_eq!(status, 200, "{body}");
    let subscription: Subscription = serde_json::from_value(body).unwrap();
    assert_eq!(subscription.prices.extra_register_monthly_ht, Cents(4500));
    let prices: Vec<Option<Cents>> = subscription
        .registers
        .iter()
        .map(|r| r.monthly_ht)
        .collect();
    assert_eq!(prices, [None, Some(Cents(4500)), Some(Cents(4500))]);
    assert_eq!(
        subscription.registers[2].service.map(|s| (s.from, s.until)),
        Some((
            NaiveDate::from_ymd_opt(2026, 10, 5).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 10)
        )),
        "local days, not UTC ones"
    );
    // One extra in service now: 45 € HT, 9 € VAT, 54 € TTC.
    assert_eq!(
        (
            subscription.monthly.ht,
            subscription.monthly.vat,
            subscription.monthly.ttc
        ),
        (Cents(4500), Cents(900), Cents(5400))
    );
    let month = |y, m| {
        subscription
            .history
            .iter()
            .find(|i| i.month == NaiveDate::from_ymd_opt(y, m, 1).unwrap())
            .unwrap_or_else(|| panic!("{y}-{m} in {:?}", subscription.history))
    };
    // September: 45 × 15 / 30 = 22,50 €.
    assert_eq!(month(2026, 9).totals.ht, Cents(2250));
    // October: register 2 whole (45 €), register 3 six days of 31: 45 × 6 / 31 = 8,709… → 8,71 €.
    let october = month(2026, 10);
    let lines: Vec<(u32, u32, Cents)> = october
        .lines
        .iter()
        .map(|l| (l.number, l.days, l.ht))
        .collect();
    assert_eq!(lines, [(2, 31, Cents(4500)), (3, 6, Cents(871))]);
    assert_eq!(october.totals.ht, Cents(5371));
    assert_eq!(october.totals.vat, Cents(1074));
    // What the service bills for October, across stores: this store's 53,71 € HT.
    let (status, billing) = app.support.get_json("/api/billing?month=2026-10").await;
    assert_eq!(status, 200, "{billing}");
    let billing: multicaisse_core::subscription::Billing = serde_json::from_value(billing).unwrap();
    let ours = billing
        .stores
        .iter()
        .find(|s| s.store_id == store.id)
        .unwrap();
    assert_eq!(ours.invoice.totals.ht, Cents(5371));
    assert_eq!(billing.totals.ht, Cents(5371), "the only store with extras");
    for query in ["month=2026-13", "month=2026-10-01", "mois=2026-10"] {
        let (status, body) = app.support.get_json(&format!("/api/billing?{query}")).await;
        assert_eq!(
            (status, body["parameter"].is_string()),
            (400, true),
            "{query}: {body}"
        );
    }
    // This month so far: register 2 alone, the whole month.
    assert_eq!(subscription.next_invoice.lines.len(), 1);
    assert_eq!(subscription.next_invoice.totals.ht, Cents(4500));
}

fn settings(methods: &[&str], loyalty: bool) -> serde_json::Value {
    json!({
        "shop_name": "Cave à réglages", "shop_address": "12 rue d'Austerlitz, 69004 Lyon",
        "siret": "832 145 676 00017", "document_header": "Cave à réglages",
        "document_footer": "Merci", "fiscal_year_end_month": 12,
        "payment_methods": methods, "loyalty_enabled": loyalty,
        "printer_configured": false, "email_tickets": false, "app_version": "4.12.0",
        "pending_local_changes": 0
    })
}

async fn the_checklist_compares_what_registers_report(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (store, registers) =
        store_with_registers(app.storage().as_ref(), "Cave à réglages", 3, None).await;
    let base = app.server.url();
    for (register, methods, loyalty) in [
        (&registers[0], vec!["card", "cash", "cheque"], true),
        (&registers[1], vec!["card", "cash"], false),
    ] {
        let device = Device::pair(&base, register.id).await;
        let session = device.begin().await;
        device
            .push_json(session, json!({ "settings": settings(&methods, loyalty) }))
            .await;
        device.end(session).await;
    }
    let (status, body) = app
        .get_json(&format!("/api/stores/{}/setup", store.id))
        .await;
    assert_eq!(status, 200, "{body}");
    let setups: Vec<multicaisse_core::setup::RegisterSetup> = serde_json::from_value(body).unwrap();
    assert!(setups[0].complete(), "{:?}", setups[0]);
    assert!(setups[0].warnings.is_empty(), "the principal is not warned");
    let extra = &setups[1];
    assert!(!extra.complete());
    let failing: Vec<String> = extra
        .checks
        .iter()
        .flat_map(|c| {
            c.differences
                .iter()
                .map(|d| d.describe(extra.in_words.number, multicaisse_core::format::Lang::Fr))
        })
        .collect();
    assert_eq!(
        failing,
        ["la caisse 2 n'a pas « Chèque »", "inactif sur la caisse 2"]
    );
    assert_eq!(
        extra.warnings,
        [multicaisse_core::setup::SetupWarning::NoReceipt]
    );
    assert_eq!(
        extra.in_words.lines[3].text,
        "✗ moyens de paiement : la caisse 2 n'a pas « Chèque »"
    );
    assert_eq!(
        extra.in_words.lines[0].text,
        "✓ informations de la boutique"
    );
    let (_, english) = app
        .get_json(&format!("/api/stores/{}/setup?lang=en", store.id))
        .await;
    assert_eq!(
        english[1]["lines"][3]["text"],
        "✗ payment methods: register 2 lacks “Cheque”"
    );
    assert_eq!(
        english[1]["warning_texts"][0],
        "register 2 has no printer and e-mail tickets are off: it cannot give any receipt"
    );
    for query in ["lang=de", "langue=fr"] {
        let (status, body) = app
            .get_json(&format!("/api/stores/{}/setup?{query}", store.id))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    // Register 3 never reported: nothing checked, nothing passed.
    assert!(setups[2].reported_at.is_none() && setups[2].checks.is_empty());
    assert!(!setups[2].complete());
}

/// The owner asks for a seasonal register and a permanent one; support activates the first
/// (a register and its pairing code) and refuses the second; the owner sees both outcomes,
/// the subscription counts the new register to the end of its season, and the audit log
/// tells the story. Bad requests write nothing.
async fn an_owner_asks_for_a_register_and_support_decides(backend: Backend) {
    use multicaisse_core::requests::{Activation, RegisterRequest, RequestStatus};
    use support::session::{add_member, Session};

    let app = TestApp::spawn(&backend).await;
    let (store, registers) =
        store_with_registers(app.storage().as_ref(), "Cave des demandes", 2, None).await;
    add_member(
        app.storage().as_ref(),
        "owner@demandes.fr",
        "mot de passe de test",
        store.id,
        multicaisse_core::auth::Role::Owner,
    )
    .await;
    let base = app.server.url();
    let owner = Session::sign_in(&base, "owner@demandes.fr", "mot de passe de test").await;
    let path = format!("/api/stores/{}/register-requests", store.id);
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let until = today + chrono::Days::new(30);

    for (body, parameter) in [
        (json!({ "label": registers[1].label }), "label"),
        (json!({ "label": " " }), "label"),
        (
            json!({ "label": "Fêtes", "season": { "from": until, "until": today } }),
            "season",
        ),
    ] {
        let (status, answer) = owner.post_json(&path, body.clone()).await;
        assert_eq!(
            (status, answer["parameter"].as_str()),
            (400, Some(parameter)),
            "{body}: {answer}"
        );
    }
    let (status, _) = owner
        .post_json(&path, json!({ "label": "Fêtes", "couleur": "rouge" }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(owner.get_json(&path).await.1, json!([]), "nothing written");

    let (status, seasonal) = owner
        .post_json(
            &path,
            json!({ "label": "Fêtes de fin d'année", "season": { "from": today, "until": until } }),
        )
        .await;
    assert_eq!(status, 200, "{seasonal}");
    let seasonal: RegisterRequest = serde_json::from_value(seasonal).unwrap();
    assert_eq!(
        (seasonal.status, seasonal.requested_by.as_str()),
        (RequestStatus::Pending, "owner@demandes.fr")
    );
    let (_, permanent) = owner
        .post_json(&path, json!({ "label": "Cave à bières" }))
        .await;
    let permanent: RegisterRequest = serde_json::from_value(permanent).unwrap();
    let (status, _) = owner
        .post_json(&path, json!({ "label": "fêtes de fin d'année" }))
        .await;
    assert_eq!(status, 400, "already asked for");

    // The owner cannot decide; support sees the queue across stores.
    let activate = format!("/api/register-requests/{}/activate", seasonal.id);
    let (status, _) = owner.post_json(&activate, json!({})).await;
    assert_eq!(status, 403);
    let (_, queue) = app.support.get_json("/api/register-requests").await;
    let queued: Vec<i64> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(queued, [permanent.id, seasonal.id], "newest first");

    let (status, activation) = app.support.post_json(&activate, json!({})).await;
    assert_eq!(status, 200, "{activation}");
    let activation: Activation = serde_json::from_value(activation).unwrap();
    assert_eq!(activation.register.number, 3);
    assert_eq!(activation.register.kind, RegisterKind::Extra);
    assert_eq!(activation.register.status, RegisterStatus::Active);
    assert_eq!(activation.request.register_id, Some(activation.register.id));
    assert_eq!(activation.pairing_code.register_id, activation.register.id);
    let paired = support::device::pair_with(&base, &activation.pairing_code.code).await;
    assert_eq!(
        paired.status(),
        200,
        "the code pairs the new register's iPad"
    );
    let (status, again) = app.support.post_json(&activate, json!({})).await;
    assert_eq!(status, 409, "{again}");

    let refuse = format!("/api/register-requests/{}/refuse", permanent.id);
    let (status, _) = app
        .support
        .post_json(&refuse, json!({ "reason": "" }))
        .await;
    assert_eq!(status, 400);
    let (status, refused) = app
        .support
        .post_json(
            &refuse,
            json!({ "reason": "Le contrat prévoit deux caisses supplémentaires au plus." }),
        )
        .await;
    assert_eq!(status, 200, "{refused}");
    let (_, mine) = owner.get_json(&path).await;
    assert_eq!(mine[0]["status"], "refused");
    assert_eq!(
        mine[0]["reason"],
        "Le contrat prévoit deux caisses supplémentaires au plus."
    );
    assert_eq!(mine[1]["status"], "activated");
    let (_, queue) = app.support.get_json("/api/register-requests").await;
    assert_eq!(queue, json!([]), "the queue is empty");

    // The new register is billed from today to the end of its season.
    let (_, subscription) = owner
        .get_json(&format!("/api/stores/{}/subscription", store.id))
        .await;
    let subscription: Subscription = serde_json::from_value(subscription).unwrap();
    let new = subscription
        .registers
        .iter()
        .find(|r| r.register.number == 3)
        .unwrap();
    assert_eq!(
        new.service.map(|s| (s.from, s.until)),
        Some((today, Some(until)))
    );

    let (_, audit) = owner
        .get_json(&format!("/api/stores/{}/audit", store.id))
        .await;
    let events: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .filter(|e| e.starts_with("register_"))
        .collect();
    assert_eq!(
        events,
        [
            "register_refused",
            "register_activated",
            "register_requested",
            "register_requested"
        ]
    );
}

/// A request for a register, its activation and its refusal are each written with their audit
/// entry in one transaction: when the entry fails (a trigger injected on the audit log),
/// nothing is written; once the log takes entries again, each goes through with its entry.
async fn a_request_or_decision_whose_audit_entry_fails_is_not_taken(backend: Backend) {
    use multicaisse_core::requests::RequestStatus;
    use multicaisse_server::storage::accounts::AuditScope;
    use support::session::{add_member, Session};

    let app = TestApp::spawn(&backend).await;
    let (store, _) =
        store_with_registers(app.storage().as_ref(), "Cave sans journal", 1, None).await;
    add_member(
        app.storage().as_ref(),
        "owner@sans-journal.fr",
        "mot de passe de test",
        store.id,
        multicaisse_core::auth::Role::Owner,
    )
    .await;
    let owner = Session::sign_in(
        &app.server.url(),
        "owner@sans-journal.fr",
        "mot de passe de test",
    )
    .await;
    let path = format!("/api/stores/{}/register-requests", store.id);
    let storage = app.storage();
    let entries = || async {
        storage
            .audit(AuditScope::Store(store.id), None, i64::MAX, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event.code().starts_with("register_"))
            .count()
    };
    let requests = || async {
        storage
            .register_requests(Some(store.id), false)
            .await
            .unwrap()
    };

    app.db.fail_audit_of("register_").await;
    let (status, _) = owner
        .post_json(&path, json!({ "label": "Cave à bières" }))
        .await;
    assert_eq!(status, 500);
    assert!(requests().await.is_empty(), "the request is not written");
    app.db.lift_audit_failure().await;
    for label in ["Cave à bières", "Fromages"] {
        let (status, body) = owner.post_json(&path, json!({ "label": label })).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(entries().await, 2);
    let asked = requests().await;
    let (activate, refuse) = (
        format!("/api/register-requests/{}/activate", asked[1].id),
        format!("/api/register-requests/{}/refuse", asked[0].id),
    );
    let reason = json!({ "reason": "Une seule caisse suffit pour les fromages" });

    app.db.fail_audit_of("register_").await;
    let (status, _) = app.support.post_json(&activate, json!({})).await;
    assert_eq!(status, 500);
    let (status, _) = app.support.post_json(&refuse, reason.clone()).await;
    assert_eq!(status, 500);
    assert!(requests()
        .await
        .iter()
        .all(|r| r.status == RequestStatus::Pending));
    assert_eq!(
        storage.registers(store.id).await.unwrap().len(),
        1,
        "no register added"
    );
    assert_eq!(entries().await, 2);
    app.db.lift_audit_failure().await;
    let (status, body) = app.support.post_json(&activate, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.support.post_json(&refuse, reason).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(storage.registers(store.id).await.unwrap().len(), 2);
    assert_eq!(entries().await, 4, "each decision with its entry");
}
