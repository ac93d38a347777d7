//! Accounts against hostile input and races (issue 16, "Accounts" 1–4): invitation acceptance
//! as a password oracle, invitations outliving their inviter's power, stores left without an
//! owner, and sign-in under load. Each story first shows the attack, then what must hold.

use crate::support;

use chrono::{DateTime, Duration, Utc};
use multicaisse_core::auth::{AuditEvent, Role, StoreAccess, FREE_FAILURES};
use multicaisse_server::storage::accounts::NewInvitation;
use multicaisse_server::storage::DatabaseTarget;
use serde_json::{json, Value};
use sqlx::Connection;
use support::fixture::{new_store, small_store};
use support::session::{add_member, sign_in_raw, Session, SUPPORT};
use support::{Backend, TestApp};

const PASSWORD: &str = "un mot de passe assez long";

async fn member(app: &TestApp, email: &str, store: i64, role: Role) -> Session {
    add_member(app.storage().as_ref(), email, PASSWORD, store, role).await;
    Session::sign_in(&app.server.url(), email, PASSWORD).await
}

fn token_of(invitation: &Value) -> String {
    invitation["link"]
        .as_str()
        .unwrap_or_else(|| panic!("an invitation link: {invitation}"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

async fn invite(owner: &Session, store: i64, email: &str, role: &str) -> (u16, Value) {
    owner
        .post_json(
            &format!("/api/stores/{store}/invitations"),
            json!({ "email": email, "role": role }),
        )
        .await
}

async fn accept(base: &str, token: &str, password: &str, name: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/invitations/accept"))
        .json(&json!({ "token": token, "password": password, "display_name": name }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An invitation written straight into the database, as one made before the server refused
/// it would be.
async fn raw_invitation(app: &TestApp, store: i64, email: &str, role: Role, by: i64) -> String {
    let token = format!("raw-{}", uuid::Uuid::new_v4().simple());
    let now = Utc::now();
    app.storage()
        .create_invitation(
            &NewInvitation {
                store_id: store,
                email: email.into(),
                role,
                token_hash: multicaisse_server::secret::secret_hash(&token),
                invited_by: by,
                created_at: now,
                expires_at: now + Duration::days(7),
            },
            now,
            &multicaisse_server::storage::accounts::NewAuditEntry {
                at: now,
                event: multicaisse_core::auth::AuditEvent::InvitationCreated,
                store_id: Some(store),
                actor: None,
                subject: Some((None, email.into())),
                role: Some(role),
                previous_role: None,
                detail: "written straight into the database".into(),
                register_id: None,
            },
        )
        .await
        .unwrap();
    token
}

/// Moves every throttle record's last failure to `at`: time passing, without waiting.
async fn set_last_failures(app: &TestApp, at: DateTime<Utc>) {
    let sql = "UPDATE sign_in_failures SET last_failure_at = $1";
    match &app.db.target {
        DatabaseTarget::Sqlite(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .unwrap();
            sqlx::query(sql).bind(at).execute(&mut c).await.unwrap();
        }
        DatabaseTarget::Postgres(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql).bind(at).execute(&mut c).await.unwrap();
        }
    }
}

/// Ends a membership behind the API's back (an account closed by hand, say).
async fn revoke_raw(app: &TestApp, store: i64, user: i64) {
    app.db
        .execute_raw(&format!(
            "UPDATE memberships SET revoked_at = '2020-01-01T00:00:00+00:00' \
             WHERE store_id = {store} AND user_id = {user} AND revoked_at IS NULL"
        ))
        .await
        .unwrap();
}

async fn throttle_rows(app: &TestApp) -> i64 {
    let sql = "SELECT COUNT(*) FROM sign_in_failures";
    match &app.db.target {
        DatabaseTarget::Sqlite(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        }
        DatabaseTarget::Postgres(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        }
    }
}

// 1. Invitation acceptance is a password check like sign-in.

async fn support_accounts_are_neither_invited_nor_made_members(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let store = small_store(app.storage().as_ref()).await.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let (status, body) = invite(&owner, store, SUPPORT.email, "owner").await;
    assert_eq!(status, 409, "inviting support: {body}");
    assert!(
        body["error"].as_str().unwrap().contains("support"),
        "{body}"
    );
    // The page words it in its reader's language from this.
    assert_eq!(body["conflict"], "support_account", "{body}");
    // An invitation made before that rule, accepted with the right password, still grants
    // nothing: support reaches every store already and is never a member of one.
    let token = raw_invitation(&app, store, SUPPORT.email, Role::Owner, owner.me.user_id).await;
    let (status, body) = accept(&base, &token, SUPPORT.password, "x").await;
    assert_eq!(status, 409, "accepting as support: {body}");
    let support_id = app.support.me.user_id;
    assert!(app
        .storage()
        .memberships(support_id)
        .await
        .unwrap()
        .is_empty());
}

async fn accepting_as_an_existing_account_is_throttled_and_audited(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let store = small_store(app.storage().as_ref()).await.store.id;
    let other = app
        .storage()
        .insert_store(&new_store("Autre cave"))
        .await
        .unwrap();
    // The attacker owns a store; the victim is someone else's owner.
    let attacker = member(&app, "attacker@cave.fr", store, Role::Owner).await;
    add_member(
        app.storage().as_ref(),
        "victim@autre.fr",
        PASSWORD,
        other.id,
        Role::Owner,
    )
    .await;
    let (status, invitation) = invite(&attacker, store, "victim@autre.fr", "accountant").await;
    assert_eq!(status, 200, "{invitation}");
    let token = token_of(&invitation);
    let mut statuses = Vec::new();
    for guess in 0..12 {
        let (status, _) = accept(&base, &token, &format!("devine numéro {guess:02}"), "x").await;
        statuses.push(status);
    }
    let wrong = FREE_FAILURES as usize;
    assert_eq!(
        statuses,
        [vec![401; wrong], vec![429; 12 - wrong]].concat(),
        "guesses at an account's password through an invitation are throttled like sign-in"
    );
    // Even the right password waits for the lock to end: no session for the guesser.
    let (status, body) = accept(&base, &token, PASSWORD, "x").await;
    assert_eq!(status, 429, "{body}");
    // The same throttle as sign-in: the victim's own sign-in is closed too, for now.
    assert_eq!(
        sign_in_raw(&base, "victim@autre.fr", PASSWORD)
            .await
            .status(),
        429
    );
    let log = app.audit_log().await;
    let about_victim = |event: AuditEvent| {
        log.iter()
            .filter(|e| e.event == event && e.subject_email.as_deref() == Some("victim@autre.fr"))
            .count()
    };
    assert_eq!(about_victim(AuditEvent::SignInFailed), wrong, "{log:?}");
    assert!(about_victim(AuditEvent::SignInThrottled) >= 1, "{log:?}");
    assert_eq!(about_victim(AuditEvent::InvitationAccepted), 0);
}

async fn acceptance_answers_do_not_tell_whether_an_address_has_an_account(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let store = small_store(app.storage().as_ref()).await.store.id;
    let other = app
        .storage()
        .insert_store(&new_store("Autre cave"))
        .await
        .unwrap();
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    add_member(
        app.storage().as_ref(),
        "known@autre.fr",
        PASSWORD,
        other.id,
        Role::Accountant,
    )
    .await;
    let mut answers = Vec::new();
    for email in ["known@autre.fr", "unknown@autre.fr"] {
        let (status, invitation) = invite(&owner, store, email, "accountant").await;
        assert_eq!(status, 200, "{invitation}");
        let token = token_of(&invitation);
        // A short password, and an empty name (the page does not require one).
        let (status, body) = accept(&base, &token, "court", "").await;
        answers.push((status, body["error"].clone()));
    }
    assert_eq!(answers[0], answers[1], "{answers:?}");
    assert_eq!(answers[0].0, 400);
    // A new account may leave its name empty: it is named after its address.
    let (_, invitation) = invite(&owner, store, "named@autre.fr", "accountant").await;
    let (status, me) = accept(&base, &token_of(&invitation), PASSWORD, " ").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["display_name"], "named");
}

// 2. Invitations do not outlive their inviter's power.

async fn revoked_or_demoted_owners_invitations_are_cancelled(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let store = small_store(app.storage().as_ref()).await.store.id;
    let boss = member(&app, "boss@cave.fr", store, Role::Owner).await;
    let leaving = member(&app, "leaving@cave.fr", store, Role::Owner).await;
    let demoted = member(&app, "demoted@cave.fr", store, Role::Owner).await;
    let (_, back_door) = invite(&leaving, store, "leaving+alt@cave.fr", "owner").await;
    let (_, friend) = invite(&demoted, store, "friend@cave.fr", "accountant").await;
    let (_, kept) = invite(&boss, store, "kept@cave.fr", "accountant").await;
    let (status, body) = boss
        .post_json(
            &format!("/api/stores/{store}/members/{}/revoke", leaving.me.user_id),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = boss
        .post_json(
            &format!("/api/stores/{store}/members/{}/role", demoted.me.user_id),
            json!({ "role": "accountant" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let access: StoreAccess = serde_json::from_value(body).unwrap();
    let pending: Vec<&str> = access
        .invitations
        .iter()
        .map(|i| i.email.as_str())
        .collect();
    assert_eq!(pending, vec!["kept@cave.fr"]);
    for invitation in [&back_door, &friend] {
        let (status, body) = accept(&base, &token_of(invitation), PASSWORD, "Revenant").await;
        assert_eq!(status, 410, "{body}");
    }
    let (status, body) = accept(&base, &token_of(&kept), PASSWORD, "Gardé").await;
    assert_eq!(status, 200, "{body}");
    // The cancellations are in the log, by the owner who acted.
    let log = app.audit_log().await;
    let cancelled: Vec<&str> = log
        .iter()
        .filter(|e| e.event == AuditEvent::InvitationCancelled)
        .filter_map(|e| e.subject_email.as_deref())
        .collect();
    assert_eq!(cancelled.len(), 2, "{log:?}");
    // An invitation whose inviter lost the owner role some other way is refused at
    // acceptance, inside its transaction.
    let boss_id = boss.me.user_id;
    let token = raw_invitation(&app, store, "late@cave.fr", Role::Owner, leaving.me.user_id).await;
    let (status, body) = accept(&base, &token, PASSWORD, "Tardif").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap().contains("owner"), "{body}");
    let members = app.storage().members(store).await.unwrap();
    assert!(members.iter().all(|m| m.email != "late@cave.fr"));
    assert!(members
        .iter()
        .any(|m| m.user_id == boss_id && m.role == Role::Owner));
}

// 3. A store always keeps an owner, and support can give it one again.

async fn owners_revoking_each_other_at_once_leave_exactly_one(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let store = small_store(app.storage().as_ref()).await.store.id;
    for round in 0..6 {
        let a = member(&app, &format!("a{round}@cave.fr"), store, Role::Owner).await;
        let b = member(&app, &format!("b{round}@cave.fr"), store, Role::Owner).await;
        // Everyone else steps aside, so that a and b are the store's only owners.
        for m in app.storage().members(store).await.unwrap() {
            if m.user_id != a.me.user_id && m.user_id != b.me.user_id {
                revoke_raw(&app, store, m.user_id).await;
            }
        }
        let demote = round % 2 == 1;
        let act = |by: &Session, on: i64| {
            let by = by.clone();
            async move {
                if demote {
                    by.post_json(
                        &format!("/api/stores/{store}/members/{on}/role"),
                        json!({ "role": "accountant" }),
                    )
                    .await
                } else {
                    by.post_json(
                        &format!("/api/stores/{store}/members/{on}/revoke"),
                        json!({}),
                    )
                    .await
                }
            }
        };
        let (first, second) = tokio::join!(act(&a, b.me.user_id), act(&b, a.me.user_id));
        let ok = [&first, &second].iter().filter(|(s, _)| *s == 200).count();
        assert_eq!(ok, 1, "round {round}: {first:?} {second:?}");
        let refused = if first.0 == 200 { &second } else { &first };
        assert!(
            [401, 403, 409].contains(&refused.0),
            "round {round}: {refused:?}"
        );
        if refused.0 == 409 {
            let conflict = refused.1["conflict"].as_str().unwrap_or_default();
            assert!(
                ["last_owner", "no_longer_owner"].contains(&conflict),
                "round {round}: {refused:?}"
            );
        }
        let owners = app
            .storage()
            .members(store)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.role == Role::Owner)
            .count();
        assert_eq!(owners, 1, "round {round}");
    }
}

async fn the_last_owner_stays_and_support_can_give_an_ownerless_store_an_owner(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let store = small_store(app.storage().as_ref()).await.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let heir = member(&app, "heir@cave.fr", store, Role::Accountant).await;
    // The store has an owner: support does not hand out its books.
    let owners = format!("/api/stores/{store}/owners");
    let (status, body) = app
        .support
        .post_json(&owners, json!({ "email": "heir@cave.fr" }))
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = owner
        .post_json(&owners, json!({ "email": "heir@cave.fr" }))
        .await;
    assert_eq!(status, 403, "only support repairs a store");
    // The owner leaves some other way (the account closed, say): nobody could repair it.
    revoke_raw(&app, store, owner.me.user_id).await;
    for (body, status, words) in [
        (json!({ "email": "nobody@cave.fr" }), 404, "no account"),
        (json!({ "email": SUPPORT.email }), 409, "support"),
        (json!({ "email": "pas une adresse" }), 400, "email"),
        (json!({}), 422, "email"),
    ] {
        let (got, answer) = app.support.post_json(&owners, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer.to_string().contains(words), "{answer}");
        if status == 409 {
            assert_eq!(answer["conflict"], "support_account", "{answer}");
        }
    }
    let (status, body) = app
        .support
        .post_json(&owners, json!({ "email": " Heir@Cave.fr " }))
        .await;
    assert_eq!(status, 200, "{body}");
    let access: StoreAccess = serde_json::from_value(body).unwrap();
    assert!(access
        .members
        .iter()
        .any(|m| m.user_id == heir.me.user_id && m.role == Role::Owner));
    let log = app.audit_log().await;
    let grant = log
        .iter()
        .find(|e| e.event == AuditEvent::RoleChanged && e.store_id == Some(store))
        .unwrap_or_else(|| panic!("{log:?}"));
    assert_eq!(grant.actor_email.as_deref(), Some(SUPPORT.email));
    assert_eq!(grant.subject_email.as_deref(), Some("heir@cave.fr"));
    assert_eq!(
        (grant.previous_role, grant.role),
        (Some(Role::Accountant), Some(Role::Owner))
    );
    // A store without any member gets its first owner the same way.
    let bare = app
        .storage()
        .insert_store(&new_store("Cave neuve"))
        .await
        .unwrap();
    let (status, body) = app
        .support
        .post_json(
            &format!("/api/stores/{}/owners", bare.id),
            json!({ "email": "owner@cave.fr" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

// 4. Sign-in under load.

async fn concurrent_wrong_sign_ins_are_counted_before_hashing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    let attempts: Vec<_> = (0..30)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move {
                sign_in_raw(&base, SUPPORT.email, &format!("mauvaise devinette {i}"))
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(wrong <= FREE_FAILURES as usize, "{statuses:?}");
    assert!(throttled >= 1, "{statuses:?}");
    assert_eq!(wrong + throttled, 30, "{statuses:?}");
}

async fn spaced_out_failures_do_not_lock_an_address_for_good(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    for _ in 0..FREE_FAILURES {
        assert_eq!(
            sign_in_raw(&base, SUPPORT.email, "wrong password!")
                .await
                .status(),
            401
        );
    }
    // Then one failure every 16 minutes (past the longest lock), for hours.
    for round in 0..12 {
        set_last_failures(&app, Utc::now() - Duration::minutes(16)).await;
        let status = sign_in_raw(&base, SUPPORT.email, "wrong password!")
            .await
            .status();
        assert_eq!(status, 401, "round {round}");
    }
    // Two minutes after the last one, the owner of the account signs in.
    set_last_failures(&app, Utc::now() - Duration::minutes(2)).await;
    let response = sign_in_raw(&base, SUPPORT.email, SUPPORT.password).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn failures_for_unknown_addresses_are_pruned(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let base = app.server.url();
    for i in 0..20 {
        let status = sign_in_raw(&base, &format!("nobody{i}@nowhere.fr"), "wrong password!")
            .await
            .status();
        assert_eq!(status, 401);
    }
    // Two hours later, they are forgotten: one more failure leaves only what is recent.
    set_last_failures(&app, Utc::now() - Duration::hours(2)).await;
    let status = sign_in_raw(&base, "another@nowhere.fr", "wrong password!")
        .await
        .status();
    assert_eq!(status, 401);
    let rows = throttle_rows(&app).await;
    assert!(rows <= 2, "{rows} throttle rows remain");
}

async fn one_client_address_is_limited_across_email_addresses(backend: Backend) {
    let app = TestApp::spawn_with(&backend, |config| config.sign_in_failures_per_client = 3).await;
    let base = app.server.url();
    let before = app.audit_log().await.len();
    // A script tries one password on many addresses: each address is fresh, the client is not.
    for i in 0..3 {
        let status = sign_in_raw(&base, &format!("spray{i}@nowhere.fr"), "Printemps2026!")
            .await
            .status();
        assert_eq!(status, 401);
    }
    let response = sign_in_raw(&base, "spray3@nowhere.fr", "Printemps2026!").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("network address"),
        "{body}"
    );
    // Refusals to the client are not audited one by one (a script would fill the log).
    assert_eq!(app.audit_log().await.len(), before + 3);
}

on_both_backends!(
    an_invitation_whose_audit_entry_fails_is_neither_sent_nor_cancelled,
    one_client_address_is_limited_across_email_addresses,
    support_accounts_are_neither_invited_nor_made_members,
    accepting_as_an_existing_account_is_throttled_and_audited,
    acceptance_answers_do_not_tell_whether_an_address_has_an_account,
    revoked_or_demoted_owners_invitations_are_cancelled,
    owners_revoking_each_other_at_once_leave_exactly_one,
    the_last_owner_stays_and_support_can_give_an_ownerless_store_an_owner,
    concurrent_wrong_sign_ins_are_counted_before_hashing,
    spaced_out_failures_do_not_lock_an_address_for_good,
    failures_for_unknown_addresses_are_pruned,
);

/// Inviting and cancelling an invitation are each written with their audit entry in one
/// transaction: when the entry fails, nothing is written.
async fn an_invitation_whose_audit_entry_fails_is_neither_sent_nor_cancelled(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let store = small_store(app.storage().as_ref()).await.store.id;
    let owner = member(&app, "owner@cave.fr", store, Role::Owner).await;
    let pending = || async {
        app.storage()
            .pending_invitations(store, Utc::now())
            .await
            .unwrap()
    };
    app.db.fail_audit_of("invitation_").await;
    let (status, _) = invite(&owner, store, "comptable@cave.fr", "accountant").await;
    assert_eq!(status, 500);
    assert!(pending().await.is_empty(), "no invitation written");
    app.db.lift_audit_failure().await;
    let (status, body) = invite(&owner, store, "comptable@cave.fr", "accountant").await;
    assert_eq!(status, 200, "{body}");
    let cancel = format!("/api/stores/{store}/invitations/{}/cancel", body["id"]);
    app.db.fail_audit_of("invitation_").await;
    let (status, _) = owner.post_json(&cancel, json!({})).await;
    assert_eq!(status, 500);
    assert_eq!(pending().await.len(), 1, "still pending");
    app.db.lift_audit_failure().await;
    let (status, body) = owner.post_json(&cancel, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(pending().await.is_empty());
    let events: Vec<&str> = app
        .audit_log()
        .await
        .iter()
        .map(|e| e.event.code())
        .filter(|e| e.starts_with("invitation_"))
        .collect();
    assert_eq!(events, ["invitation_cancelled", "invitation_created"]);
}
