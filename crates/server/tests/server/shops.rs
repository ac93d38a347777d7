//! Onboarding a shop from the app: support opens it with its principal register (ready to
//! pair) and invites its first owner; the owner corrects its identity, audited field by
//! field. Bad input is a 400 naming the field and writes nothing; a SIRET another shop has
//! is refused; the calendar of a shop that has sold is fixed.

use crate::support;
use crate::support::device::Device;
use crate::support::fixture::small_store;
use crate::support::session::{add_member, Session, SUPPORT};
use crate::support::{Backend, TestApp};
use multicaisse_core::auth::{AuditEvent, Role};
use serde_json::{json, Value};

const OWNER_EMAIL: &str = "patronne@cave-des-pentes.fr";
const PASSWORD: &str = "une longue phrase de passe";

fn shop() -> Value {
    json!({
        "name": "Cave des Pentes",
        "siret": "732 829 320 00074",
        "address": "3 montée de la Grande-Côte, 69001 Lyon",
        "vat_number": "fr 44 732829320",
        "time_zone": "Europe/Paris",
        "fiscal_year_end_month": 6,
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut body = shop();
    body[field] = value;
    body
}

async fn support_session(app: &TestApp) -> Session {
    Session::sign_in(&app.server.url(), SUPPORT.email, SUPPORT.password).await
}

async fn support_opens_a_shop_ready_to_pair(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let support = support_session(&app).await;
    let (status, opened) = support.post_json("/api/stores", shop()).await;
    assert_eq!(status, 200, "{opened}");
    let store = &opened["store"];
    assert_eq!(store["name"], "Cave des Pentes");
    assert_eq!(store["siret"], "73282932000074");
    assert_eq!(store["vat_number"], "FR44732829320");
    assert_eq!(store["fiscal_year_end_month"], 6);
    let register = &opened["register"];
    assert_eq!(
        (&register["number"], &register["label"], &register["status"]),
        (&json!(1), &json!("Caisse principale"), &json!("active"))
    );
    let store_id = store["id"].as_i64().unwrap();
    let (_, registers) = support
        .get_json(&format!("/api/stores/{store_id}/registers"))
        .await;
    assert_eq!(registers.as_array().unwrap().len(), 1);
    // Ready to pair: an iPad enrols on it and syncs.
    let device = Device::pair(&app.server.url(), register["id"].as_i64().unwrap()).await;
    device.begin().await;
    let entry = app
        .audit_log()
        .await
        .into_iter()
        .find(|e| e.event == AuditEvent::StoreCreated)
        .expect("audited");
    assert_eq!(entry.store_id, Some(store_id));
    assert_eq!(entry.actor_email.as_deref(), Some(SUPPORT.email));
    assert!(
        entry.detail.contains("SIRET 73282932000074"),
        "{}",
        entry.detail
    );
}

async fn a_bad_shop_is_refused_by_field_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let support = support_session(&app).await;
    let cases = [
        ("name", with("name", json!("   "))),
        ("name", with("name", json!("Cave\u{202E}stnep"))),
        ("siret", with("siret", json!("732 829 320 00075"))),
        ("siret", with("siret", json!("7328293200007"))),
        ("address", with("address", json!("3 montée\nLyon"))),
        ("vat_number", with("vat_number", json!("FR45732829320"))),
        ("vat_number", with("vat_number", json!("FR32832145676"))),
        ("time_zone", with("time_zone", json!("Europe/Lyon"))),
        (
            "fiscal_year_end_month",
            with("fiscal_year_end_month", json!(13)),
        ),
        ("register_label", with("register_label", json!("  "))),
    ];
    for (field, body) in cases {
        let (status, refused) = support.post_json("/api/stores", body.clone()).await;
        assert_eq!(status, 400, "{field}: {refused}");
        assert!(
            refused["parameter"] == field || refused["error"].as_str().unwrap().contains(field),
            "{field}: {refused}"
        );
    }
    assert_eq!(app.db.count_rows("stores").await, 0);
    assert_eq!(app.db.count_rows("registers").await, 0);
    // The same SIRET twice: the second is refused, in words the page translates.
    assert_eq!(support.post_json("/api/stores", shop()).await.0, 200);
    let (status, refused) = support
        .post_json("/api/stores", with("name", json!("Autre cave")))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["conflict"], "siret_taken");
    assert_eq!(app.db.count_rows("stores").await, 1);
    assert_eq!(app.db.count_rows("registers").await, 1);
    let created = app
        .audit_log()
        .await
        .iter()
        .filter(|e| e.event == AuditEvent::StoreCreated)
        .count();
    assert_eq!(created, 1);
}

async fn support_invites_the_first_owner_and_only_the_first(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let support = support_session(&app).await;
    let (_, opened) = support.post_json("/api/stores", shop()).await;
    let store_id = opened["store"]["id"].as_i64().unwrap();
    let path = format!("/api/stores/{store_id}/owner-invitation");
    let (status, invitation) = support
        .post_json(&path, json!({ "email": OWNER_EMAIL }))
        .await;
    assert_eq!(status, 200, "{invitation}");
    assert_eq!(invitation["role"], "owner");
    let (status, refused) = support
        .post_json(&path, json!({ "email": "autre@cave.fr" }))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["conflict"], "shop_has_owner");
    let token = invitation["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let accepted = reqwest::Client::new()
        .post(format!("{}/api/invitations/accept", app.server.url()))
        .json(&json!({ "token": token, "password": PASSWORD, "display_name": "Claire" }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200, "{}", accepted.text().await.unwrap());
    let owner = Session::sign_in(&app.server.url(), OWNER_EMAIL, PASSWORD).await;
    assert_eq!(owner.me.principal().role_in(store_id), Some(Role::Owner));
    // Once it has an owner, support invites no one else there.
    let (status, _) = support
        .post_json(&path, json!({ "email": "autre@cave.fr" }))
        .await;
    assert_eq!(status, 409);
}

async fn the_owner_corrects_the_shop_and_each_change_is_audited(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let fixture = small_store(storage.as_ref()).await;
    let store_id = fixture.store.id;
    add_member(
        storage.as_ref(),
        OWNER_EMAIL,
        PASSWORD,
        store_id,
        Role::Owner,
    )
    .await;
    let owner = Session::sign_in(&app.server.url(), OWNER_EMAIL, PASSWORD).await;
    let path = format!("/api/stores/{store_id}");
    let (_, before) = owner.get_json(&path).await;
    let mut body = json!({
        "name": "Cave d'essai — Croix-Rousse",
        "siret": before["siret"],
        "address": "8 place de la Croix-Rousse, 69004 Lyon",
        "vat_number": before["vat_number"],
        "time_zone": before["time_zone"],
        "fiscal_year_end_month": before["fiscal_year_end_month"],
    });
    let (status, after) = owner.put_json(&path, body.clone()).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["name"], "Cave d'essai — Croix-Rousse");
    assert_eq!(owner.get_json(&path).await.1, after);
    let changes: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.event == AuditEvent::StoreIdentityChanged)
        .collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].actor_email.as_deref(), Some(OWNER_EMAIL));
    assert_eq!(
        changes[0].detail,
        "name: «Cave d'essai» → «Cave d'essai — Croix-Rousse»; address: «12 rue d'Austerlitz, \
         69004 Lyon» → «8 place de la Croix-Rousse, 69004 Lyon»"
    );
    // The same again changes nothing and writes nothing.
    assert_eq!(owner.put_json(&path, body.clone()).await.0, 200);
    // A shop that has sold keeps its calendar.
    body["time_zone"] = json!("America/Martinique");
    let (status, refused) = owner.put_json(&path, body.clone()).await;
    assert_eq!(
        (status, &refused["conflict"]),
        (409, &json!("shop_settled")),
        "{refused}"
    );
    body["time_zone"] = before["time_zone"].clone();
    body["fiscal_year_end_month"] = json!(3);
    assert_eq!(owner.put_json(&path, body.clone()).await.0, 409);
    body["fiscal_year_end_month"] = before["fiscal_year_end_month"].clone();
    body["vat_number"] = json!("FR33832145676");
    let (status, refused) = owner.put_json(&path, body.clone()).await;
    assert_eq!(
        (status, &refused["parameter"]),
        (400, &json!("vat_number")),
        "{refused}"
    );
    // Another shop's SIRET.
    let support = support_session(&app).await;
    assert_eq!(support.post_json("/api/stores", shop()).await.0, 200);
    body["siret"] = json!("73282932000074");
    body["vat_number"] = json!("FR44732829320");
    let (status, refused) = owner.put_json(&path, body).await;
    assert_eq!(
        (status, &refused["conflict"]),
        (409, &json!("siret_taken")),
        "{refused}"
    );
    assert_eq!(owner.get_json(&path).await.1, after);
    let count = app
        .audit_log()
        .await
        .iter()
        .filter(|e| e.event == AuditEvent::StoreIdentityChanged)
        .count();
    assert_eq!(count, 1);
}

/// A shop with no sale yet may still take its right time zone and fiscal year.
async fn a_shop_that_has_not_sold_may_change_its_calendar(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let support = support_session(&app).await;
    let (_, opened) = support.post_json("/api/stores", shop()).await;
    let path = format!("/api/stores/{}", opened["store"]["id"]);
    let body = with("time_zone", json!("Indian/Reunion"));
    let (status, after) = support.put_json(&path, body).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["time_zone"], "Indian/Reunion");
    let entry = app
        .audit_log()
        .await
        .into_iter()
        .find(|e| e.event == AuditEvent::StoreIdentityChanged)
        .unwrap();
    assert_eq!(entry.detail, "time zone: «Europe/Paris» → «Indian/Reunion»");
}

on_both_backends!(
    support_opens_a_shop_ready_to_pair,
    a_bad_shop_is_refused_by_field_and_nothing_is_written,
    support_invites_the_first_owner_and_only_the_first,
    the_owner_corrects_the_shop_and_each_change_is_audited,
    a_shop_that_has_not_sold_may_change_its_calendar,
);
