//! Accounts over HTTP: sessions (cookie, expiry, sign-out, revocation), CSRF, the sign-in
//! throttle, invitations, role changes, the audit log, and bad input that writes nothing.

use crate::support;

use multicaisse_core::auth::{AuditEntry, AuditEvent, Me, Role, StoreAccess, CSRF_HEADER};
use reqwest::header::{RETRY_AFTER, SET_COOKIE};
use serde_json::{json, Value};
use support::fixture::small_store;
use support::session::{add_member, sign_in_raw, Session, SUPPORT};
use support::{Backend, TestApp};

const PASSWORD: &str = "un mot de passe assez long";

async fn member(app: &TestApp, email: &str, store: i64, role: Role) -> Session {
    add_member(app.storage().as_ref(), email, PASSWORD, store, role).await;
    Session::sign_in(&app.server.url(), email, PASSWORD).await
}

async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_it(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let response = sign_in_raw(&base, SUPPORT.email, SUPPORT.password).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let me: Me = response.json().await.unwrap();
    assert!(me.support);
    // Behind a TLS-terminating proxy the cookie is Secure.
    let response = reqwest::Client::new()
        .post(format!("{base}/api/auth/sign-in"))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "email": SUPPORT.email, "password": SUPPORT.password }))
        .send()
        .await
        .unwrap();
    assert!(response.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Secure"));

    let session = Session::sign_in(&base, SUPPORT.email, SUPPORT.password).await;
    let (status, _) = session.get_json("/api/auth/me").await;
    assert_eq!(status, 200);
    let stale_cookie = session.jar.clone();
    let (status, body) = session.post_json("/api/auth/sign-out", json!({})).await;
    assert_eq!((status, body["sessions_ended"].as_u64()), (200, Some(1)));
    // The old cookie, replayed, no longer works (the server ended the session, it did not
    // merely ask the browser to forget it).
    let replay = Session::with_jar(&base, stale_cookie, session.me.clone());
    let (status, body) = replay.get_json("/api/stores").await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = app.support.get_json("/api/stores").await;
    assert_eq!(status, 200, "other sessions of the account go on");
}

async fn sessions_expire(backend: Backend) {
    let app = TestApp::spawn_with(&backend, |config| config.session_seconds = 2).await;
    let response = sign_in_raw(&app.server.url(), SUPPORT.email, SUPPORT.password).await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.contains("Max-Age=2"), "{cookie}");
    // Sent by hand: a browser would drop the cookie itself, but the server must not rely on it.
    let cookie = cookie.split(';').next().unwrap().to_string();
    let me = || {
        reqwest::Client::new()
            .get(format!("{}/api/auth/me", app.server.url()))
            .header("cookie", &cookie)
            .send()
    };
    assert_eq!(me().await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = me().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 401);
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

async fn sign_out_everywhere_ends_every_session(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let other = Session::sign_in(&base, SUPPORT.email, SUPPORT.password).await;
    let (status, body) = other
        .post_json("/api/auth/sign-out-everywhere", json!({}))
        .await;
    assert_eq!((status, body["sessions_ended"].as_u64()), (200, Some(2)));
    let (status, _) = app.support.get_json("/api/stores").await;
    assert_eq!(status, 401);
}

async fn state_changes_need_the_csrf_token_and_the_same_origin(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let invite = format!("{base}/api/stores/{store}/invitations");
    let bare = reqwest::Client::builder()
        .cookie_provider(owner.jar.clone())
        .build()
        .unwrap();
    let body = json!({ "email": "expert@cabinet.fr" });
    // The cookie alone (what a forged cross-site form would carry) is not enough.
    let response = bare.post(&invite).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let message: Value = response.json().await.unwrap();
    assert!(
        message["error"].as_str().unwrap().contains(CSRF_HEADER),
        "{message}"
    );
    let response = bare
        .post(&invite)
        .header(CSRF_HEADER, "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Another site's page, even with the token, is refused by its Origin.
    let response = owner
        .client
        .post(&invite)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let (_, access) = owner.get_json(&format!("/api/stores/{store}/access")).await;
    assert_eq!(access["invitations"], json!([]), "nothing was written");
    // Reads need no token; the page's own origin is fine.
    assert_eq!(
        bare.get(format!("{base}/api/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let response = owner
        .client
        .post(&invite)
        .header("origin", &base)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn failed_sign_ins_slow_down_alike_for_known_and_unknown_addresses(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let mut answers = Vec::new();
    for email in [SUPPORT.email, "nobody@nowhere.fr"] {
        let mut statuses = Vec::new();
        let mut bodies = Vec::new();
        for _ in 0..multicaisse_core::auth::FREE_FAILURES {
            let response = sign_in_raw(&base, email, "wrong password!").await;
            statuses.push(response.status().as_u16());
            bodies.push(response.text().await.unwrap());
        }
        let locked = sign_in_raw(&base, email, "wrong password!").await;
        let retry_after = locked.headers()[RETRY_AFTER].to_str().unwrap().to_string();
        statuses.push(locked.status().as_u16());
        bodies.push(locked.text().await.unwrap());
        answers.push((statuses, bodies, retry_after));
    }
    assert_eq!(
        answers[0], answers[1],
        "the answers say nothing of the account"
    );
    let (statuses, bodies, retry_after) = &answers[0];
    assert_eq!(statuses, &vec![401, 401, 401, 401, 401, 429]);
    assert!(
        bodies[0].contains("wrong email or password"),
        "{}",
        bodies[0]
    );
    assert!(bodies[5].contains("try again in 30 s"), "{}", bodies[5]);
    assert_eq!(retry_after, "30");
    // Even the right password waits until the lock ends.
    let response = sign_in_raw(&base, SUPPORT.email, SUPPORT.password).await;
    assert_eq!(response.status(), 429);
    let events: Vec<AuditEvent> = app.audit_log().await.iter().map(|e| e.event).collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| **e == AuditEvent::SignInFailed)
            .count(),
        10
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| **e == AuditEvent::SignInThrottled)
            .count(),
        3
    );
}

async fn an_owner_invites_an_accountant_who_signs_up_reads_and_is_revoked(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let (status, invitation) = owner
        .post_json(
            &format!("/api/stores/{store}/invitations"),
            json!({ "email": " Expert@Cabinet.FR " }),
        )
        .await;
    assert_eq!(status, 200, "{invitation}");
    assert_eq!(invitation["email"], "expert@cabinet.fr");
    let link = invitation["link"].as_str().unwrap();
    assert!(link.starts_with(&format!("{base}/invitation/")), "{link}");
    let token = link.rsplit('/').next().unwrap();
    // Listing invitations never shows the link again.
    let (_, access) = owner.get_json(&format!("/api/stores/{store}/access")).await;
    assert_eq!(access["invitations"][0]["email"], "expert@cabinet.fr");
    assert!(access["invitations"][0].get("link").is_none());
    // Inviting the same address twice is refused.
    let (status, _) = owner
        .post_json(
            &format!("/api/stores/{store}/invitations"),
            json!({ "email": "expert@cabinet.fr" }),
        )
        .await;
    assert_eq!(status, 409);

    let anonymous = reqwest::Client::new();
    let preview: Value = anonymous
        .get(format!("{base}/api/invitations/{token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["store_name"], fixture.store.name);
    assert_eq!(preview["state"], "pending");
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let accept = |password: &str| {
        browser
            .post(format!("{base}/api/invitations/accept"))
            .json(&json!({ "token": token, "password": password, "display_name": "Cabinet Brun" }))
            .send()
    };
    let short = accept("court").await.unwrap();
    assert_eq!(short.status(), 400);
    let response = accept(PASSWORD).await.unwrap();
    assert_eq!(response.status(), 200);
    let me: Me = response.json().await.unwrap();
    assert_eq!(me.memberships.len(), 1);
    assert_eq!(me.memberships[0].role, Role::Accountant);
    let accountant = Session::with_jar(&base, jar, me);
    // Used once.
    assert_eq!(accept(PASSWORD).await.unwrap().status(), 410);

    let (status, _) = accountant
        .get_json(&format!("/api/stores/{store}/sales?period=this_month"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = accountant
        .get_json(&format!("/api/stores/{store}/sync-sessions"))
        .await;
    assert_eq!(status, 403);

    // Promoted, then demoted, then revoked: each in the audit log.
    let user = accountant.me.user_id;
    let (status, access) = owner
        .post_json(
            &format!("/api/stores/{store}/members/{user}/role"),
            json!({ "role": "owner" }),
        )
        .await;
    assert_eq!(status, 200, "{access}");
    let access: StoreAccess = serde_json::from_value(access).unwrap();
    assert!(access
        .members
        .iter()
        .any(|m| m.user_id == user && m.role == Role::Owner));
    let (status, _) = owner
        .post_json(
            &format!("/api/stores/{store}/members/{user}/role"),
            json!({ "role": "accountant" }),
        )
        .await;
    assert_eq!(status, 200);
    // An owner cannot lock themselves out.
    let (status, _) = owner
        .post_json(
            &format!("/api/stores/{}/members/{}/revoke", store, owner.me.user_id),
            json!({}),
        )
        .await;
    assert_eq!(status, 409);
    let (status, access) = owner
        .post_json(
            &format!("/api/stores/{store}/members/{user}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(access["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["user_id"] != user));
    // Revoked access ends the open session at once.
    let (status, body) = accountant.get_json("/api/auth/me").await;
    assert_eq!(status, 401);
    assert!(
        body["error"].as_str().unwrap().contains("access revoked"),
        "{body}"
    );

    let (status, log) = owner.get_json(&format!("/api/stores/{store}/audit")).await;
    assert_eq!(status, 200);
    let log: Vec<AuditEntry> = serde_json::from_value(log).unwrap();
    let events: Vec<AuditEvent> = log.iter().rev().map(|e| e.event).collect();
    assert_eq!(
        events,
        vec![
            // The owner's sign-in shows in the store's log, as a member's.
            AuditEvent::SignIn,
            AuditEvent::InvitationCreated,
            AuditEvent::InvitationAccepted,
            AuditEvent::RoleChanged,
            AuditEvent::RoleChanged,
            AuditEvent::AccessRevoked,
        ],
        "{log:?}"
    );
    assert_eq!(log[0].actor_email.as_deref(), Some("owner@cave.fr"));
    assert_eq!(log[0].subject_email.as_deref(), Some("expert@cabinet.fr"));
    assert_eq!(
        (log[1].previous_role, log[1].role),
        (Some(Role::Owner), Some(Role::Accountant))
    );
    // People by the names their accounts bear, beside their addresses.
    let (_, me) = owner.get_json("/api/auth/me").await;
    assert_eq!(
        log[0].actor_name.as_deref(),
        me["display_name"].as_str(),
        "{me}"
    );
    assert!(log[0].subject_name.is_some(), "{log:?}");
    // A filter by topic, and pages of older entries.
    let (status, sign_ins) = owner
        .get_json(&format!("/api/stores/{store}/audit?topic=sign_ins"))
        .await;
    assert_eq!(status, 200, "{sign_ins}");
    let sign_ins: Vec<AuditEntry> = serde_json::from_value(sign_ins).unwrap();
    assert_eq!(
        sign_ins.iter().map(|e| e.event).collect::<Vec<_>>(),
        vec![AuditEvent::SignIn]
    );
    let (_, access) = owner
        .get_json(&format!("/api/stores/{store}/audit?topic=access"))
        .await;
    assert_eq!(access.as_array().map(Vec::len), Some(5), "{access}");
    let (_, older) = owner
        .get_json(&format!("/api/stores/{store}/audit?before={}", log[2].id))
        .await;
    let older: Vec<AuditEntry> = serde_json::from_value(older).unwrap();
    assert_eq!(older, log[3..].to_vec());
    let (status, body) = owner
        .get_json(&format!("/api/stores/{store}/audit?topic=caisses"))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("topic"), "{body}");
    let (_, support_log) = app.support.get_json("/api/audit").await;
    assert!(support_log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event"] == "sign_in" && e["subject_email"] == "owner@cave.fr"));
}

async fn an_existing_account_accepts_with_its_own_password(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let other_store = app
        .storage()
        .insert_store(&support::fixture::new_store("Autre cave"))
        .await
        .unwrap();
    member(&app, "expert@cabinet.fr", other_store.id, Role::Accountant).await;
    let (_, invitation) = owner
        .post_json(
            &format!("/api/stores/{store}/invitations"),
            json!({ "email": "expert@cabinet.fr" }),
        )
        .await;
    let token = invitation["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let accept = |password: &'static str| {
        reqwest::Client::new()
            .post(format!("{base}/api/invitations/accept"))
            .json(&json!({ "token": token, "password": password, "display_name": "ignored" }))
            .send()
    };
    let wrong = accept("not the right password").await.unwrap();
    assert_eq!(wrong.status(), 401);
    let response = accept(PASSWORD).await.unwrap();
    assert_eq!(response.status(), 200);
    let me: Me = response.json().await.unwrap();
    assert_eq!(me.memberships.len(), 2, "{me:?}");
    assert_eq!(
        me.display_name, "Test",
        "an existing account keeps its name"
    );
}

async fn bad_input_gets_a_clear_4xx_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let before = app.audit_log().await.len();
    let post = |path: &str, body: String| {
        owner
            .client
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let invitations = format!("/api/stores/{store}/invitations");
    let role = format!("/api/stores/{store}/members/abc/role");
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "/api/auth/sign-in",
            json!({ "email": "owner@cave.fr" }).to_string(),
            422,
            "missing field `password`",
        ),
        (
            "/api/auth/sign-in",
            json!({ "email": "pas-une-adresse", "password": "x" }).to_string(),
            400,
            "email",
        ),
        (
            "/api/auth/sign-in",
            json!({ "email": "owner@cave.fr", "password": "x".repeat(129) }).to_string(),
            400,
            "128",
        ),
        (
            "/api/auth/sign-in",
            json!({ "email": "owner@cave.fr", "password": "x".repeat(5000) }).to_string(),
            413,
            "",
        ),
        ("/api/auth/sign-in", "{".into(), 400, ""),
        (
            "/api/auth/sign-in",
            json!({ "email": "a@b.fr", "password": "x", "admin": true }).to_string(),
            422,
            "unknown field `admin`",
        ),
        (
            &invitations,
            json!({ "email": "expert@@cabinet.fr" }).to_string(),
            400,
            "email",
        ),
        (
            &invitations,
            json!({}).to_string(),
            422,
            "missing field `email`",
        ),
        (
            &invitations,
            json!({ "email": "a@b.fr", "role": "admin" }).to_string(),
            422,
            "role",
        ),
        (
            &role,
            json!({ "role": "owner" }).to_string(),
            400,
            "user_id",
        ),
        (
            "/api/invitations/accept",
            json!({ "token": "nope", "password": PASSWORD, "display_name": "X" }).to_string(),
            404,
            "not valid",
        ),
    ];
    for (path, body, status, words) in cases {
        let response = post(path, body.clone()).await.unwrap();
        let got = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{path} {body:.80}: {text}");
        assert!(
            text.contains(words),
            "{path}: `{text}` should mention {words}"
        );
        assert!(text.starts_with('{'), "a JSON error: {text}");
    }
    assert_eq!(app.audit_log().await.len(), before, "nothing was written");
    let (_, access) = owner.get_json(&format!("/api/stores/{store}/access")).await;
    assert_eq!(access["invitations"], json!([]));
}

on_both_backends!(
    sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_it,
    sessions_expire,
    sign_out_everywhere_ends_every_session,
    a_sign_in_or_out_whose_audit_entry_fails_changes_no_session,
    state_changes_need_the_csrf_token_and_the_same_origin,
    failed_sign_ins_slow_down_alike_for_known_and_unknown_addresses,
    an_owner_invites_an_accountant_who_signs_up_reads_and_is_revoked,
    an_existing_account_accepts_with_its_own_password,
    bad_input_gets_a_clear_4xx_and_writes_nothing,
);

/// Opening a session and ending sessions are each written with their audit entry in one
/// transaction: when the entry fails, no session is opened and none is ended.
async fn a_sign_in_or_out_whose_audit_entry_fails_changes_no_session(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let sessions = app.db.count_rows("sessions").await;
    let logged = app.audit_log().await.len();
    app.db.fail_audit_of("sign_in").await;
    let response = sign_in_raw(&base, SUPPORT.email, SUPPORT.password).await;
    assert_eq!(response.status(), 500);
    assert!(!response.headers().contains_key(SET_COOKIE));
    assert_eq!(
        app.db.count_rows("sessions").await,
        sessions,
        "no session opened"
    );
    app.db.lift_audit_failure().await;

    let session = Session::sign_in(&base, SUPPORT.email, SUPPORT.password).await;
    for path in ["/api/auth/sign-out", "/api/auth/sign-out-everywhere"] {
        app.db.fail_audit_of("sign_out").await;
        let (status, _) = session.post_json(path, json!({})).await;
        assert_eq!(status, 500, "{path}");
        app.db.lift_audit_failure().await;
        let (status, _) = session.get_json("/api/auth/me").await;
        assert_eq!(status, 200, "{path}: the session is still open");
    }
    let (status, body) = session.post_json("/api/auth/sign-out", json!({})).await;
    assert_eq!((status, body["sessions_ended"].as_u64()), (200, Some(1)));
    let log = app.audit_log().await;
    let events: Vec<&str> = log[..log.len() - logged]
        .iter()
        .map(|e| e.event.code())
        .collect();
    assert_eq!(events, ["sign_out", "sign_in"]);
}
