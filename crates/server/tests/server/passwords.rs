//! Passwords after sign-up, with a real SMTP server over TCP: a forgotten password replaced
//! from a mailed one-time link (never telling whether an address has an account), the links
//! throttled and short-lived, a signed-in person's change ending their other sessions,
//! support's link when no mail server is set, and invitations by e-mail.

use crate::support;
use crate::support::fixture::small_store;
use crate::support::session::{add_member, sign_in_raw, Session};
use crate::support::smtp::{link_in, SmtpServer};
use crate::support::{Backend, TestApp};
use multicaisse_core::auth::{AuditEntry, AuditEvent, Role};
use serde_json::json;

const EMAIL: &str = "comptable@cave.fr";
const PASSWORD: &str = "une longue phrase de passe";
const NEW_PASSWORD: &str = "une autre phrase bien longue";

async fn with_mail(backend: &Backend) -> (TestApp, SmtpServer, i64) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = TestApp::spawn_with(backend, move |config| {
        config.smtp_url = Some(url);
        config.public_url = Some("https://caisse.example.fr".into());
    })
    .await;
    let fixture = small_store(app.storage().as_ref()).await;
    add_member(
        app.storage().as_ref(),
        EMAIL,
        PASSWORD,
        fixture.store.id,
        Role::Accountant,
    )
    .await;
    (app, smtp, fixture.store.id)
}

async fn ask_reset(app: &TestApp, email: &str, lang: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/auth/password-reset", app.server.url()))
        .json(&json!({ "email": email, "lang": lang }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn use_link(app: &TestApp, link: &str, password: &str) -> (u16, serde_json::Value) {
    let token = link.rsplit('/').next().unwrap();
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/auth/password-reset/{token}",
            app.server.url()
        ))
        .json(&json!({ "new_password": password }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Signing in works with `password` only (the old one no longer opens a session).
async fn the_password_is_now(app: &TestApp, password: &str) {
    let old = sign_in_raw(&app.server.url(), EMAIL, PASSWORD).await;
    assert_eq!(old.status(), 401, "the old password still works");
    let new = sign_in_raw(&app.server.url(), EMAIL, password).await;
    assert_eq!(new.status(), 200, "the new password does not work");
}

fn events(audit: &[AuditEntry], event: AuditEvent) -> usize {
    audit.iter().filter(|e| e.event == event).count()
}

async fn a_forgotten_password_is_replaced_from_the_mailed_link(backend: Backend) {
    let (app, smtp, _) = with_mail(&backend).await;
    let earlier = Session::sign_in(&app.server.url(), EMAIL, PASSWORD).await;
    // The same answer for an account and for no account.
    let known = ask_reset(&app, EMAIL, "en").await;
    let unknown = ask_reset(&app, "personne@nulle-part.fr", "en").await;
    assert_eq!(known.0, 202);
    assert_eq!(known, unknown);
    let mail = smtp.wait_for(EMAIL, 1).await.remove(0);
    assert_eq!(mail.subject, "Multicaisse: choose a new password");
    assert!(mail.from.contains("multicaisse@localhost"), "{mail:?}");
    let link = link_in(&mail.body, "/reinitialiser/");
    assert!(
        link.starts_with("https://caisse.example.fr/reinitialiser/"),
        "{link}"
    );
    assert!(smtp
        .received()
        .await
        .iter()
        .all(|m| !m.to.contains("nulle-part")));

    // A too short password is refused and leaves the link usable.
    let (status, body) = use_link(&app, &link, "court").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("new_password"),
        "{body}"
    );
    let (status, body) = use_link(&app, &link, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email"], EMAIL);
    // Every session ended; the old password no longer opens one, the new one does.
    assert_eq!(earlier.get("/api/auth/me").await.status(), 401);
    the_password_is_now(&app, NEW_PASSWORD).await;
    // Once only.
    let (status, body) = use_link(&app, &link, "encore une phrase longue").await;
    assert_eq!(status, 410, "{body}");
    let audit = app.audit_log().await;
    assert_eq!(events(&audit, AuditEvent::PasswordResetIssued), 1);
    assert_eq!(events(&audit, AuditEvent::PasswordReset), 1);

    // In French when asked from the French page.
    ask_reset(&app, EMAIL, "fr").await;
    let french = smtp.wait_for(EMAIL, 2).await.remove(1);
    assert_eq!(
        french.subject,
        "Multicaisse : choisir un nouveau mot de passe"
    );
    assert!(
        french.body.contains("ouvrez ce lien dans les 60 minutes"),
        "{}",
        french.body
    );
}

async fn reset_links_are_throttled_and_expire(backend: Backend) {
    let (app, smtp, _) = with_mail(&backend).await;
    for _ in 0..5 {
        assert_eq!(ask_reset(&app, EMAIL, "fr").await.0, 202);
    }
    let mails = smtp.wait_for(EMAIL, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        smtp.wait_for(EMAIL, 3).await.len(),
        3,
        "three links an hour, not five"
    );
    assert_eq!(app.db.count_rows("password_resets").await, 3);
    // An hour later, none of them works.
    app.db
        .execute_raw("UPDATE password_resets SET expires_at = created_at")
        .await
        .unwrap();
    let link = link_in(&mails[0].body, "/reinitialiser/");
    assert_eq!(use_link(&app, &link, NEW_PASSWORD).await.0, 410);
    assert_eq!(
        sign_in_raw(&app.server.url(), EMAIL, PASSWORD)
            .await
            .status(),
        200
    );
}

async fn a_signed_in_person_changes_their_password(backend: Backend) {
    let (app, _smtp, _) = with_mail(&backend).await;
    let here = Session::sign_in(&app.server.url(), EMAIL, PASSWORD).await;
    let elsewhere = Session::sign_in(&app.server.url(), EMAIL, PASSWORD).await;
    let change = |current: &'static str, new: &'static str| json!({ "current_password": current, "new_password": new });
    let (status, body) = here
        .post_json(
            "/api/auth/password",
            change("pas le bon mot de passe", NEW_PASSWORD),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("current password"),
        "{body}"
    );
    let (status, body) = here
        .post_json("/api/auth/password", change(PASSWORD, "court"))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        elsewhere.get("/api/auth/me").await.status(),
        200,
        "nothing changed"
    );
    let (status, body) = here
        .post_json("/api/auth/password", change(PASSWORD, NEW_PASSWORD))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["other_sessions_ended"], 1);
    assert_eq!(elsewhere.get("/api/auth/me").await.status(), 401);
    assert_eq!(here.get("/api/auth/me").await.status(), 200);
    the_password_is_now(&app, NEW_PASSWORD).await;
    let audit = app.audit_log().await;
    assert_eq!(events(&audit, AuditEvent::PasswordChanged), 1);
    assert!(
        events(&audit, AuditEvent::SignInFailed) >= 1,
        "the wrong one is audited"
    );
}

/// Without a mail server nothing is sent: support makes the link and hands it over.
async fn support_makes_a_link_when_no_mail_server_is_set(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    add_member(
        app.storage().as_ref(),
        EMAIL,
        PASSWORD,
        fixture.store.id,
        Role::Accountant,
    )
    .await;
    assert_eq!(ask_reset(&app, EMAIL, "fr").await.0, 202);
    assert_eq!(
        app.db.count_rows("password_resets").await,
        0,
        "no link reaches no one"
    );
    let (status, made) = app
        .support
        .post_json("/api/support/reset-links", json!({ "email": EMAIL }))
        .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["mailed"], false);
    let (status, _) = use_link(&app, made["link"].as_str().unwrap(), NEW_PASSWORD).await;
    assert_eq!(status, 200);
    let (status, refused) = app
        .support
        .post_json(
            "/api/support/reset-links",
            json!({ "email": "personne@nulle-part.fr" }),
        )
        .await;
    assert_eq!(status, 404, "{refused}");
    let owner = {
        let email = "proprietaire@cave.fr";
        add_member(
            app.storage().as_ref(),
            email,
            PASSWORD,
            fixture.store.id,
            Role::Owner,
        )
        .await;
        Session::sign_in(&app.server.url(), email, PASSWORD).await
    };
    let (status, _) = owner
        .post_json("/api/support/reset-links", json!({ "email": EMAIL }))
        .await;
    assert_eq!(status, 403, "only support makes links for others");
}

async fn an_invitation_is_mailed_in_the_inviting_pages_language(backend: Backend) {
    let (app, smtp, store_id) = with_mail(&backend).await;
    let owner_email = "proprietaire@cave.fr";
    add_member(
        app.storage().as_ref(),
        owner_email,
        PASSWORD,
        store_id,
        Role::Owner,
    )
    .await;
    let owner = Session::sign_in(&app.server.url(), owner_email, PASSWORD).await;
    let (status, invitation) = owner
        .post_json(
            &format!("/api/stores/{store_id}/invitations"),
            json!({ "email": "nouveau@cabinet.fr", "lang": "fr" }),
        )
        .await;
    assert_eq!(status, 200, "{invitation}");
    let mail = smtp.wait_for("nouveau@cabinet.fr", 1).await.remove(0);
    assert!(
        mail.subject
            .starts_with("Multicaisse : Test vous invite à voir"),
        "{mail:?}"
    );
    assert!(mail.body.contains("en tant que comptable"), "{}", mail.body);
    assert_eq!(
        link_in(&mail.body, "/invitation/"),
        invitation["link"].as_str().unwrap()
    );
}

on_both_backends!(
    a_forgotten_password_is_replaced_from_the_mailed_link,
    reset_links_are_throttled_and_expire,
    a_signed_in_person_changes_their_password,
    support_makes_a_link_when_no_mail_server_is_set,
    an_invitation_is_mailed_in_the_inviting_pages_language,
);
