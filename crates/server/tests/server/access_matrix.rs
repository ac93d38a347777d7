//! Every API route × every kind of caller, against the real server on SQLite and PostgreSQL.
//! The routes come from the router's own list: a route added without a row here fails the
//! test, so nobody can add an endpoint without deciding who may call it.

use crate::support;

use multicaisse_core::auth::{Role, CSRF_HEADER, SESSION_COOKIE};
use multicaisse_core::store::RegisterKind;
use multicaisse_server::http::api_routes;
use multicaisse_server::storage::NewStore;
use reqwest::header::SET_COOKIE;
use serde_json::{json, Value};
use support::device::{pairing_code, Device};
use support::fixture::{new_register, new_store, small_store};
use support::session::{add_member, Session, SUPPORT};
use support::{Backend, TestApp};

const ACTORS: [&str; 7] = [
    "anonymous",
    "owner of this store",
    "owner of another store",
    "accountant of this store",
    "accountant of another store",
    "support",
    "device token",
];

/// How one kind of caller presents itself: a session cookie with its CSRF token, or a
/// register's bearer token, or nothing. Sent by hand so that a route that signs in (and sets a
/// cookie) does not change who the next request comes from.
#[derive(Clone, Default)]
struct Credentials {
    login: Option<(String, String)>,
    session: Option<(String, String)>,
    bearer: Option<String>,
}

const PASSWORD: &str = "mot de passe de test";

async fn open_session(base: &str, email: &str, password: &str) -> (String, String) {
    let response = support::session::sign_in_raw(base, email, password).await;
    assert_eq!(response.status(), 200, "sign in as {email}");
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.strip_prefix(&format!("{SESSION_COOKIE}=")))
        .expect("a session cookie")
        .to_string();
    let me: Value = response.json().await.unwrap();
    (cookie, me["csrf_token"].as_str().unwrap().to_string())
}

impl Credentials {
    async fn person(base: &str, email: &str, password: &str) -> Credentials {
        Credentials {
            login: Some((email.to_string(), password.to_string())),
            session: Some(open_session(base, email, password).await),
            bearer: None,
        }
    }

    /// The same person with a session of its own (for the routes that end sessions).
    async fn fresh(&self, base: &str) -> Credentials {
        match &self.login {
            Some((email, password)) => Credentials::person(base, email, password).await,
            None => self.clone(),
        }
    }

    async fn send(&self, base: &str, method: &str, path: &str, body: Option<&Value>) -> u16 {
        let client = reqwest::Client::new();
        let url = format!("{base}/api{path}");
        let mut request = match method {
            "GET" => client.get(url),
            "POST" => client.post(url),
            "PUT" => client.put(url),
            other => panic!("no method {other} in the API"),
        };
        if let Some((cookie, csrf)) = &self.session {
            request = request
                .header("cookie", format!("{SESSION_COOKIE}={cookie}"))
                .header(CSRF_HEADER, csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request").status().as_u16()
    }
}

/// Expected statuses, in the order of [`ACTORS`].
type Expect = [u16; 7];
const EVERYONE: Expect = [200; 7];
const SIGNED_IN: Expect = [401, 200, 200, 200, 200, 200, 401];
const READERS: Expect = [401, 200, 403, 200, 403, 200, 401];
const OWNER_OR_SUPPORT: Expect = [401, 200, 403, 403, 403, 200, 401];
const OWNER_ONLY: Expect = [401, 200, 403, 403, 403, 403, 401];
const SUPPORT_ONLY: Expect = [401, 403, 403, 403, 403, 200, 401];
const DEVICE_ONLY: Expect = [401, 401, 401, 401, 401, 401, 200];

/// What the world looks like for the matrix: two stores, people with roles in each, a paired
/// register, and pending invitations and spare members for the routes that consume them.
struct World {
    base: String,
    store: i64,
    register: i64,
    /// A register of this store whose devices the revoke route may revoke.
    other_register: i64,
    actors: Vec<Credentials>,
    /// One per actor, for the routes that use something up.
    pairing_codes: Vec<String>,
    invitation_tokens: Vec<String>,
    invitation_to_cancel: i64,
    member_to_revoke: i64,
    member_to_promote: i64,
    sync_session: Option<i64>,
    /// Pending requests for an extra register, for support to activate and to refuse.
    request_to_activate: i64,
    request_to_refuse: i64,
    /// An extra register per actor, for starting a decommission.
    to_decommission: Vec<i64>,
    /// Extra registers whose decommission the world started: one to read, suspend too early
    /// and uninstall out of order; one to cancel.
    decommission_started: i64,
    decommission_to_cancel: i64,
}

async fn person(app: &TestApp, email: &str, store: i64, role: Role) -> i64 {
    add_member(app.storage().as_ref(), email, PASSWORD, store, role).await
}

async fn world(app: &TestApp) -> World {
    let base = app.server.url();
    let storage = app.storage();
    let fixture = small_store(storage.as_ref()).await;
    let store = fixture.store.id;
    // Its own SIRET: the owner's correction of this store's identity must not meet it.
    let other = storage
        .insert_store(&NewStore {
            siret: "73282932000074".into(),
            vat_number: "FR44732829320".into(),
            ..new_store("Autre cave")
        })
        .await
        .unwrap();
    storage
        .insert_register(&new_register(other.id, 1, RegisterKind::Principal))
        .await
        .unwrap();
    person(app, "owner@here.fr", store, Role::Owner).await;
    person(app, "owner@other.fr", other.id, Role::Owner).await;
    person(app, "accountant@here.fr", store, Role::Accountant).await;
    person(app, "accountant@other.fr", other.id, Role::Accountant).await;
    let member_to_revoke = person(app, "spare1@here.fr", store, Role::Accountant).await;
    let member_to_promote = person(app, "spare2@here.fr", store, Role::Accountant).await;
    person(app, "signin@here.fr", store, Role::Accountant).await;
    let device = Device::pair(&base, fixture.registers[0].id).await;
    let mut actors = vec![Credentials::default()];
    for email in [
        "owner@here.fr",
        "owner@other.fr",
        "accountant@here.fr",
        "accountant@other.fr",
    ] {
        actors.push(Credentials::person(&base, email, PASSWORD).await);
    }
    actors.push(Credentials::person(&base, SUPPORT.email, SUPPORT.password).await);
    actors.push(Credentials {
        bearer: Some(device.token().to_string()),
        ..Credentials::default()
    });
    let owner = Session::sign_in(&base, "owner@here.fr", PASSWORD).await;
    let mut invitation_tokens = Vec::new();
    for i in 0..ACTORS.len() {
        let (status, invitation) = owner
            .post_json(
                &format!("/api/stores/{store}/invitations"),
                json!({ "email": format!("invited{i}@cabinet.fr") }),
            )
            .await;
        assert_eq!(status, 200, "{invitation}");
        let link = invitation["link"].as_str().unwrap();
        invitation_tokens.push(link.rsplit('/').next().unwrap().to_string());
    }
    let (_, to_cancel) = owner
        .post_json(
            &format!("/api/stores/{store}/invitations"),
            json!({ "email": "cancel-me@cabinet.fr" }),
        )
        .await;
    let mut requests = Vec::new();
    for label in ["Caisse à activer", "Caisse à refuser"] {
        let (status, request) = owner
            .post_json(
                &format!("/api/stores/{store}/register-requests"),
                json!({ "label": label }),
            )
            .await;
        assert_eq!(status, 200, "{request}");
        requests.push(request["id"].as_i64().unwrap());
    }
    let mut extras = Vec::new();
    for number in 4..(6 + ACTORS.len() as u32) {
        let extra = storage
            .insert_register(&new_register(store, number, RegisterKind::Extra))
            .await
            .unwrap();
        extras.push(extra.id);
    }
    let (decommission_started, decommission_to_cancel) = (extras[0], extras[1]);
    for register in [decommission_started, decommission_to_cancel] {
        let (status, body) = owner
            .post_json(
                &format!("/api/registers/{register}/decommission"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let mut pairing_codes = Vec::new();
    for _ in 0..ACTORS.len() {
        pairing_codes.push(pairing_code(&base, fixture.registers[2].id).await.code);
    }
    World {
        base,
        store,
        register: fixture.registers[0].id,
        other_register: fixture.registers[1].id,
        actors,
        pairing_codes,
        invitation_tokens,
        invitation_to_cancel: to_cancel["id"].as_i64().unwrap(),
        member_to_revoke,
        member_to_promote,
        sync_session: None,
        request_to_activate: requests[0],
        request_to_refuse: requests[1],
        to_decommission: extras[2..].to_vec(),
        decommission_started,
        decommission_to_cancel,
    }
}

/// The request each route gets from actor number `actor`, and who may make it.
fn row(world: &World, method: &str, path: &str, actor: usize) -> (String, Option<Value>, Expect) {
    let store = world.store;
    let register = world.register;
    let session = world.sync_session.unwrap_or(0);
    let (concrete, body, expect): (String, Option<Value>, Expect) = match (method, path) {
        ("GET", "/health") | ("GET", "/openapi.json") => (path.into(), None, EVERYONE),
        ("POST", "/auth/sign-in") => (
            path.into(),
            Some(json!({ "email": "signin@here.fr", "password": PASSWORD })),
            EVERYONE,
        ),
        ("POST", "/auth/sign-out") | ("POST", "/auth/sign-out-everywhere") => {
            (path.into(), None, SIGNED_IN)
        }
        ("GET", "/auth/me") => (path.into(), None, SIGNED_IN),
        // The same password again: the actor's session stays, and so does the password.
        ("POST", "/auth/password") => {
            let current = if ACTORS[actor] == "support" {
                support::session::SUPPORT.password
            } else {
                PASSWORD
            };
            (
                path.into(),
                Some(json!({ "current_password": current, "new_password": current })),
                SIGNED_IN,
            )
        }
        ("POST", "/auth/password-reset") => (
            path.into(),
            Some(json!({ "email": "signin@here.fr" })),
            [202; 7],
        ),
        ("POST", "/auth/password-reset/{token}") => (
            "/auth/password-reset/no-such-link".into(),
            Some(json!({ "new_password": "une phrase assez longue" })),
            [410; 7],
        ),
        ("POST", "/support/reset-links") => (
            path.into(),
            Some(json!({ "email": "signin@here.fr" })),
            SUPPORT_ONLY,
        ),
        ("GET", "/invitations/{token}") => (
            format!("/invitations/{}", world.invitation_tokens[0]),
            None,
            EVERYONE,
        ),
        ("POST", "/invitations/accept") => (
            path.into(),
            Some(json!({
                "token": world.invitation_tokens[actor],
                "password": PASSWORD,
                "display_name": format!("Invité {actor}"),
            })),
            EVERYONE,
        ),
        ("GET", "/stores") => (path.into(), None, SIGNED_IN),
        ("GET", "/stores/{store_id}") => (format!("/stores/{store}"), None, READERS),
        ("POST", "/stores") => (
            path.into(),
            Some(json!({
                "name": "Cave ouverte par la matrice",
                "siret": "44306184100047",
                "address": "1 rue de la Paix, 75002 Paris",
                "vat_number": "FR64443061841",
                "time_zone": "Europe/Paris",
                "fiscal_year_end_month": 12,
            })),
            SUPPORT_ONLY,
        ),
        // The store's identity as it is: a correction that changes nothing.
        ("PUT", "/stores/{store_id}") => (
            format!("/stores/{store}"),
            Some(json!({
                "name": "Cave d'essai",
                "siret": "83214567600017",
                "address": "12 rue d'Austerlitz, 69004 Lyon",
                "vat_number": "FR32832145676",
                "time_zone": "Europe/Paris",
                "fiscal_year_end_month": 12,
            })),
            OWNER_OR_SUPPORT,
        ),
        // The store has an owner: support is admitted, and told so.
        ("POST", "/stores/{store_id}/owner-invitation") => (
            format!("/stores/{store}/owner-invitation"),
            Some(json!({ "email": "first-owner@here.fr" })),
            [401, 403, 403, 403, 403, 409, 401],
        ),
        ("GET", "/stores/{store_id}/registers") => {
            (format!("/stores/{store}/registers"), None, READERS)
        }
        ("GET", "/stores/{store_id}/decommissions") => (
            format!("/stores/{store}/decommissions"),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/stores/{store_id}/glance") => (format!("/stores/{store}/glance"), None, READERS),
        ("GET", "/stores/{store_id}/sync-brief") => {
            (format!("/stores/{store}/sync-brief"), None, READERS)
        }
        ("GET", "/stores/{store_id}/sales") => (
            format!("/stores/{store}/sales?period=this_month"),
            None,
            READERS,
        ),
        ("GET", "/stores/{store_id}/sales/charts") => (
            format!("/stores/{store}/sales/charts?period=this_month"),
            None,
            READERS,
        ),
        ("GET", "/stores/{store_id}/sales/chart") => (
            format!("/stores/{store}/sales/chart?kind=daily&period=this_month"),
            None,
            READERS,
        ),
        ("GET", "/stores/{store_id}/sales.csv") => (
            format!("/stores/{store}/sales.csv?period=this_month"),
            None,
            READERS,
        ),
        ("GET", "/registers/{register_id}/tickets") => (
            format!("/registers/{register}/tickets?period=this_month"),
            None,
            READERS,
        ),
        ("GET", "/registers/{register_id}/tickets/{sequence}") => {
            (format!("/registers/{register}/tickets/1"), None, READERS)
        }
        ("GET", "/stores/{store_id}/fec-accounts") => {
            (format!("/stores/{store}/fec-accounts"), None, READERS)
        }
        ("PUT", "/stores/{store_id}/fec-accounts") => (
            format!("/stores/{store}/fec-accounts"),
            Some(serde_json::to_value(multicaisse_core::fec::FecAccounts::default()).unwrap()),
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/stores/{store_id}/z.zip") => (
            format!("/stores/{store}/z.zip?month=2026-03&format=csv"),
            None,
            READERS,
        ),
        ("GET", "/registers/{register_id}/z") => (
            format!("/registers/{register}/z?period=2026-03&format=json"),
            None,
            READERS,
        ),
        ("GET", "/registers/{register_id}/verification") => {
            (format!("/registers/{register}/verification"), None, READERS)
        }
        ("GET", "/stores/{store_id}/verification/brief") => {
            (format!("/stores/{store}/verification/brief"), None, READERS)
        }
        ("GET", "/registers/{register_id}/integrity") => {
            (format!("/registers/{register}/integrity"), None, READERS)
        }
        ("GET", "/stores/{store_id}/access") => {
            (format!("/stores/{store}/access"), None, OWNER_OR_SUPPORT)
        }
        ("POST", "/stores/{store_id}/invitations") => (
            format!("/stores/{store}/invitations"),
            Some(json!({ "email": format!("matrix{actor}@cabinet.fr") })),
            OWNER_ONLY,
        ),
        ("POST", "/stores/{store_id}/invitations/{invitation_id}/cancel") => (
            format!(
                "/stores/{store}/invitations/{}/cancel",
                world.invitation_to_cancel
            ),
            None,
            OWNER_ONLY,
        ),
        ("POST", "/stores/{store_id}/members/{user_id}/revoke") => (
            format!("/stores/{store}/members/{}/revoke", world.member_to_revoke),
            None,
            OWNER_ONLY,
        ),
        ("POST", "/stores/{store_id}/members/{user_id}/role") => (
            format!("/stores/{store}/members/{}/role", world.member_to_promote),
            Some(json!({ "role": "owner" })),
            OWNER_ONLY,
        ),
        // Past the access check, support finds that the store has an owner: access is theirs
        // to give (the hostile_accounts tests give an ownerless store one).
        ("POST", "/stores/{store_id}/owners") => (
            format!("/stores/{store}/owners"),
            Some(json!({ "email": "accountant@here.fr" })),
            [401, 403, 403, 403, 403, 409, 401],
        ),
        ("GET", "/stores/{store_id}/audit") => {
            (format!("/stores/{store}/audit"), None, OWNER_OR_SUPPORT)
        }
        ("GET", "/audit") => (path.into(), None, SUPPORT_ONLY),
        ("GET", "/stores/{store_id}/sync-sessions") => (
            format!("/stores/{store}/sync-sessions"),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/stores/{store_id}/setup") => {
            (format!("/stores/{store}/setup"), None, OWNER_OR_SUPPORT)
        }
        ("GET", "/stores/{store_id}/subscription") => (
            format!("/stores/{store}/subscription"),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/stores/{store_id}/sync-status") => (
            format!("/stores/{store}/sync-status"),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/stores/{store_id}/sync-timeline") => (
            format!("/stores/{store}/sync-timeline?lang=en"),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/fleet") => ("/fleet?state=late".into(), None, SUPPORT_ONLY),
        ("GET", "/alerts") => ("/alerts".into(), None, SUPPORT_ONLY),
        ("GET", "/stores/{store_id}/alerts") => {
            (format!("/stores/{store}/alerts"), None, OWNER_OR_SUPPORT)
        }
        ("GET", "/billing") => ("/billing?month=2026-11".into(), None, SUPPORT_ONLY),
        ("POST", "/stores/{store_id}/register-requests") => (
            format!("/stores/{store}/register-requests"),
            Some(json!({ "label": format!("Caisse de la matrice {actor}") })),
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/stores/{store_id}/register-requests") => (
            format!("/stores/{store}/register-requests"),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/register-requests") => {
            ("/register-requests?status=all".into(), None, SUPPORT_ONLY)
        }
        ("POST", "/register-requests/{request_id}/activate") => (
            format!("/register-requests/{}/activate", world.request_to_activate),
            None,
            SUPPORT_ONLY,
        ),
        ("POST", "/register-requests/{request_id}/refuse") => (
            format!("/register-requests/{}/refuse", world.request_to_refuse),
            Some(json!({ "reason": "Pas de quatrième caisse prévue au contrat." })),
            SUPPORT_ONLY,
        ),
        ("POST", "/registers/{register_id}/decommission") => (
            format!("/registers/{}/decommission", world.to_decommission[actor]),
            None,
            OWNER_OR_SUPPORT,
        ),
        ("GET", "/registers/{register_id}/decommission") => (
            format!("/registers/{}/decommission", world.decommission_started),
            None,
            OWNER_OR_SUPPORT,
        ),
        // Past the access check, the state machine answers: nothing is closed or synced yet.
        ("POST", "/registers/{register_id}/decommission/suspend") => (
            format!(
                "/registers/{}/decommission/suspend",
                world.decommission_started
            ),
            None,
            [401, 403, 403, 403, 403, 422, 401],
        ),
        ("POST", "/registers/{register_id}/decommission/uninstall") => (
            format!(
                "/registers/{}/decommission/uninstall",
                world.decommission_started
            ),
            None,
            [401, 422, 403, 403, 403, 422, 401],
        ),
        // The owner comes before support: support finds it cancelled already.
        ("POST", "/registers/{register_id}/decommission/cancel") => (
            format!(
                "/registers/{}/decommission/cancel",
                world.decommission_to_cancel
            ),
            None,
            [401, 200, 403, 403, 403, 409, 401],
        ),
        ("GET", "/decommissions") => ("/decommissions?lang=en".into(), None, SUPPORT_ONLY),
        ("POST", "/registers/{register_id}/revoke-devices") => (
            format!("/registers/{}/revoke-devices", world.other_register),
            Some(json!({ "reason": "iPad perdu" })),
            OWNER_OR_SUPPORT,
        ),
        ("POST", "/registers/{register_id}/pairing-codes") => (
            format!("/registers/{register}/pairing-codes"),
            None,
            SUPPORT_ONLY,
        ),
        ("POST", "/sync/pair") => (
            path.into(),
            Some(json!({
                "code": world.pairing_codes[actor],
                "device_name": "iPad",
                "device_model": "iPad (10th gen)",
            })),
            EVERYONE,
        ),
        ("POST", "/sync/begin") => (path.into(), Some(json!({})), DEVICE_ONLY),
        // A stream: its status is all the matrix reads before letting it go.
        ("GET", "/sync/events") => (path.into(), None, DEVICE_ONLY),
        ("POST", "/sync/push") => (
            path.into(),
            Some(json!({ "session_id": session, "tickets": [] })),
            DEVICE_ONLY,
        ),
        ("POST", "/sync/pull") => (
            path.into(),
            Some(json!({ "session_id": session, "limit": 10 })),
            DEVICE_ONLY,
        ),
        ("POST", "/sync/end") => (
            path.into(),
            Some(json!({ "session_id": session })),
            DEVICE_ONLY,
        ),
        other => panic!(
            "{other:?} has no row in the access matrix: decide who may call it and add it here"
        ),
    };
    (concrete, body, expect)
}

/// Ending sessions goes last, since `sign-out-everywhere` ends the actors' own sessions too.
/// A password change too: it ends the person's other sessions (the test's support session
/// among them).
fn ends_sessions(path: &str) -> bool {
    path.starts_with("/auth/sign-out") || path == "/auth/password"
}

async fn every_route_answers_every_caller_as_the_matrix_says(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let mut world = world(&app).await;
    let mut routes: Vec<(String, &'static str)> = api_routes()
        .docs()
        .iter()
        .map(|doc| (doc.method.to_string(), doc.path))
        .collect();
    routes.sort_by_key(|(_, path)| ends_sessions(path));
    let mut mismatches = Vec::new();
    for (method, path) in &routes {
        for actor in 0..ACTORS.len() {
            let (concrete, body, expect) = row(&world, method, path, actor);
            let credentials = if ends_sessions(path) {
                world.actors[actor].fresh(&world.base).await
            } else {
                world.actors[actor].clone()
            };
            let status = credentials
                .send(&world.base, method, &concrete, body.as_ref())
                .await;
            if *path == "/sync/begin" && status == 200 {
                world.sync_session = Some(latest_session(&app, world.store).await);
            }
            if status != expect[actor] {
                mismatches.push(format!(
                    "{method} {concrete} as {}: expected {}, got {status}",
                    ACTORS[actor], expect[actor]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        routes.len() >= 28,
        "the matrix covered {} routes",
        routes.len()
    );
}

async fn latest_session(app: &TestApp, store: i64) -> i64 {
    let (status, sessions) = app
        .support
        .get_json(&format!("/api/stores/{store}/sync-sessions"))
        .await;
    assert_eq!(status, 200);
    sessions[0]["id"].as_i64().expect("a session id")
}

on_both_backends!(every_route_answers_every_caller_as_the_matrix_says);
