//! Watching it run: Prometheus metrics on their own listener (never on the public port), and a
//! request id on every answer. The recorder is the process's, shared by the servers tests
//! start in it: counts are read as "at least".

use crate::support;
use crate::support::device::Device;
use crate::support::fixture::{sancerre_chain, small_store};
use crate::support::{Backend, TestApp};
use multicaisse_core::chain::ChainHash;

/// The value of the first sample whose line starts with `series`, if any.
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

async fn metrics_count_requests_syncs_and_tickets_on_their_own_port(backend: Backend) {
    let app = TestApp::spawn_with(&backend, |config| {
        config.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let fixture = small_store(app.storage().as_ref()).await;
    let (first, second) = (&fixture.registers[2], &fixture.registers[1]);
    let device = Device::pair(&app.server.url(), first.id).await;
    let other = Device::pair(&app.server.url(), second.id).await;
    let session = device.begin().await;
    let beside = other.begin().await;
    assert_eq!(
        device.begin_raw().await.status(),
        409,
        "the register's own sync is under way"
    );
    assert_eq!(other.end(beside).await.status(), 200);
    device
        .push(session, &sancerre_chain(1, 30, ChainHash::GENESIS))
        .await;
    assert_eq!(device.end(session).await.status(), 200);
    let verified = app
        .get(&format!("/api/registers/{}/verification", first.id))
        .await;
    assert_eq!(verified.status(), 200);
    assert!(
        verified.headers().contains_key("x-request-id"),
        "every answer names its request"
    );

    let metrics_url = format!("http://{}/metrics", app.server.metrics_addr.unwrap());
    let page = reqwest::get(&metrics_url).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let at_least = |series: &str, expected: f64| {
        let value = sample(&page, series).unwrap_or_else(|| panic!("{series} in:\n{page}"));
        assert!(
            value >= expected,
            "{series} = {value}, expected at least {expected}"
        );
    };
    at_least(
        r#"multicaisse_http_requests_total{route="/api/sync/push",method="POST",status="200"}"#,
        1.0,
    );
    at_least(
        r#"multicaisse_http_requests_total{route="/api/sync/begin",method="POST",status="409"}"#,
        1.0,
    );
    at_least(
        r#"multicaisse_http_request_duration_seconds_count{route="/api/registers/{register_id}/verification",method="GET"}"#,
        1.0,
    );
    at_least("multicaisse_tickets_ingested_total", 30.0);
    at_least(r#"multicaisse_syncs_total{outcome="completed"}"#, 1.0);
    at_least(r#"multicaisse_syncs_total{outcome="refused"}"#, 1.0);
    at_least("multicaisse_sync_lease_refusals_total", 1.0);
    at_least("multicaisse_verification_duration_seconds_count", 1.0);
    at_least(r#"multicaisse_db_connections{state="idle"}"#, 0.0);
    assert!(page.contains("# HELP multicaisse_syncs_total"), "{page}");
    // Paths are not labels: one series per route, whatever the ids.
    assert!(
        !page.contains(&format!("/api/registers/{}/", first.id)),
        "{page}"
    );

    // The dashboard's port does not serve them.
    let public = app.get("/metrics").await.text().await.unwrap();
    assert!(!public.contains("multicaisse_http_requests_total"));
    let api = app.get("/api/metrics").await;
    assert_eq!(api.status(), 404);
}

on_both_backends!(metrics_count_requests_syncs_and_tickets_on_their_own_port);
