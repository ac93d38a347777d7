//! Pruning forgets what need not be kept once older than the configured days, and nothing
//! else: fiscal records and every audit entry that concerns an account stay, and the audit
//! log still refuses to lose them.

use crate::support;
use crate::support::fixture::small_store;
use crate::support::session::add_member;
use crate::support::{Backend, TestApp};
use chrono::{Duration, Utc};
use multicaisse_core::auth::Role;
use multicaisse_server::storage::pruning::Pruned;

/// Old and recent records of every prunable kind, and old records that must stay; returns
/// the id of the account whose old audit entries must stay.
async fn old_and_new_records(app: &TestApp) -> i64 {
    let storage = app.storage();
    let fixture = small_store(storage.as_ref()).await;
    let member = add_member(
        storage.as_ref(),
        "comptable@cave.fr",
        "une longue phrase de passe",
        fixture.store.id,
        Role::Accountant,
    )
    .await;
    let old = (Utc::now() - Duration::days(200)).to_rfc3339();
    let recent = (Utc::now() - Duration::days(10)).to_rfc3339();
    let future = (Utc::now() + Duration::days(1)).to_rfc3339();
    let store = fixture.store.id;
    let support = app.support.me.user_id;
    for sql in [
        // Throttle records.
        format!("INSERT INTO sign_in_failures VALUES ('old-key', 3, '{old}')"),
        format!("INSERT INTO sign_in_failures VALUES ('recent-key', 3, '{recent}')"),
        // Failed sign-ins: an unknown address (old, recent), a real account (old).
        format!(
            "INSERT INTO audit_log (at, event, subject_email, detail) VALUES \
             ('{old}', 'sign_in_failed', 'stranger@example.fr', 'failed attempt 1 in a row'), \
             ('{old}', 'sign_in_throttled', 'stranger@example.fr', 'closed'), \
             ('{recent}', 'sign_in_failed', 'other@example.fr', 'failed attempt 1 in a row')"
        ),
        format!(
            "INSERT INTO audit_log (at, event, subject_id, subject_email, detail) VALUES \
             ('{old}', 'sign_in_failed', {member}, 'comptable@cave.fr', 'failed attempt 1 in a row')"
        ),
        // Incidents: an unknown token (old, recent), another kind (old).
        format!(
            "INSERT INTO sync_incidents (at, kind, detail) VALUES \
             ('{old}', 'unknown_token', 'x'), ('{recent}', 'unknown_token', 'x'), \
             ('{old}', 'replayed_push', 'x')"
        ),
        // Sessions: expired long ago, ended long ago, live.
        format!(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES \
             ('h-expired', {member}, '{old}', '{old}'), ('h-live', {member}, '{recent}', '{future}')"
        ),
        format!(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ended_at, \
             ended_reason) VALUES ('h-ended', {member}, '{old}', '{future}', '{old}', 'signed out')"
        ),
        // Invitations: expired unaccepted, cancelled, accepted (kept), pending.
        format!(
            "INSERT INTO invitations (store_id, email, role, token_hash, invited_by, created_at, \
             expires_at, accepted_at, accepted_by, cancelled_at) VALUES \
             ({store}, 'a@x.fr', 'accountant', 'i-expired', {support}, '{old}', '{old}', NULL, NULL, NULL), \
             ({store}, 'b@x.fr', 'accountant', 'i-cancelled', {support}, '{old}', '{future}', NULL, NULL, '{old}'), \
             ({store}, 'c@x.fr', 'accountant', 'i-accepted', {support}, '{old}', '{old}', '{old}', {member}, NULL), \
             ({store}, 'd@x.fr', 'accountant', 'i-pending', {support}, '{recent}', '{future}', NULL, NULL, NULL)"
        ),
    ] {
        app.db.execute_raw(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    member
}

async fn pruning_forgets_only_what_need_not_be_kept(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let member = old_and_new_records(&app).await;
    let tickets = app.db.count_rows("tickets").await;
    let audit_before = app.db.count_rows("audit_log").await;
    let pruned = app
        .storage()
        .prune(Utc::now() - Duration::days(90))
        .await
        .unwrap();
    assert_eq!(
        pruned,
        Pruned {
            sign_in_failures: 1,
            unknown_address_sign_ins: 2,
            unknown_token_incidents: 1,
            sessions: 2,
            invitations: 2,
            reset_links: 0,
        }
    );
    assert_eq!(app.db.count_rows("audit_log").await, audit_before - 2);
    assert_eq!(app.db.count_rows("tickets").await, tickets);
    assert_eq!(app.db.count_rows("sync_incidents").await, 2);
    assert_eq!(app.db.count_rows("invitations").await, 2);
    // The account's old failure is still there, and the log still refuses to lose it.
    let kept = format!("DELETE FROM audit_log WHERE subject_id = {member}");
    let refused = app.db.execute_raw(&kept).await.unwrap_err().to_string();
    assert!(refused.contains("append-only"), "{refused}");
    let recent = "DELETE FROM audit_log WHERE event = 'sign_in' OR actor_id IS NOT NULL";
    assert!(app.db.execute_raw(recent).await.is_err());
    // Nothing left to prune: a second run removes nothing.
    let again = app
        .storage()
        .prune(Utc::now() - Duration::days(90))
        .await
        .unwrap();
    assert_eq!(again.total(), 0);
}

/// The server prunes at start: with `--prune-after-days 5`, the records of 10 days ago go
/// too, without anyone asking.
async fn the_server_prunes_at_start_after_the_configured_days(backend: Backend) {
    let first = TestApp::spawn(&backend).await;
    old_and_new_records(&first).await;
    let (db, dist) = first.into_parts();
    let app = TestApp::restart(db, dist, |config| config.prune_after_days = 5).await;
    let started = std::time::Instant::now();
    // The support's sign-in keeps a fresh record of its client address: only these two go.
    let planted = "sign_in_failures WHERE email_key IN ('old-key', 'recent-key')";
    while app.db.count_rows(planted).await > 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the pruning task did not run"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.db.count_rows("sync_incidents").await,
        1,
        "the other kind stays"
    );
    assert_eq!(
        app.db.count_rows("invitations").await,
        2,
        "the accepted one and the pending one stay"
    );
}

on_both_backends!(
    pruning_forgets_only_what_need_not_be_kept,
    the_server_prunes_at_start_after_the_configured_days,
);
