//! What an operator watches, as Prometheus metrics: recorded through the `metrics` facade
//! wherever the thing happens, rendered by `metrics-exporter-prometheus` on a listener of
//! their own (`--metrics-addr`), never on the dashboard's public port. Without that flag
//! nothing is recorded (the facade's calls do nothing).

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::storage::Storage;

pub const HTTP_REQUESTS: &str = "multicaisse_http_requests_total";
pub const HTTP_DURATION: &str = "multicaisse_http_request_duration_seconds";
pub const SYNCS: &str = "multicaisse_syncs_total";
pub const LEASE_REFUSALS: &str = "multicaisse_sync_lease_refusals_total";
pub const TICKETS_INGESTED: &str = "multicaisse_tickets_ingested_total";
pub const CLOSURES_INGESTED: &str = "multicaisse_closures_ingested_total";
pub const VERIFICATION_DURATION: &str = "multicaisse_verification_duration_seconds";
pub const DB_CONNECTIONS: &str = "multicaisse_db_connections";

/// Seconds, from a fast API answer to a year's verification.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed the first time a server asks for metrics (a process
/// has one, however many servers a test starts in it).
pub fn recorder() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .expect("buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder already set (a test harness's): that one records instead.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "API requests answered, by route, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "API answer time, by route and method"
    );
    describe_counter!(
        SYNCS,
        "Register syncs, by outcome (begun, completed, refused, push_refused)"
    );
    describe_counter!(
        LEASE_REFUSALS,
        "Syncs refused because another register held the lease"
    );
    describe_counter!(TICKETS_INGESTED, "Tickets stored from registers' pushes");
    describe_counter!(
        CLOSURES_INGESTED,
        "Closures (Z) stored from registers' pushes"
    );
    describe_histogram!(
        VERIFICATION_DURATION,
        Unit::Seconds,
        "Time to verify a register's chains"
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Database pool connections, by state (in_use, idle)"
    );
}

/// Counts and times each API request under its route's template (`/api/stores/{id}/sales`),
/// not its path, so that the series stay few.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Records how long it lived into a histogram when dropped, whichever way its scope ends.
pub struct Timed {
    histogram: &'static str,
    started: Instant,
}

impl Timed {
    pub fn new(histogram: &'static str) -> Timed {
        Timed {
            histogram,
            started: Instant::now(),
        }
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        metrics::histogram!(self.histogram).record(self.started.elapsed().as_secs_f64());
    }
}

pub fn sync(outcome: &'static str) {
    metrics::counter!(SYNCS, "outcome" => outcome).increment(1);
}

/// The metrics listener's only page.
pub fn router(storage: Arc<dyn Storage>) -> Router {
    let handle = recorder();
    Router::new()
        .route("/metrics", get(render))
        .with_state((handle, storage))
}

async fn render(State((handle, storage)): State<(PrometheusHandle, Arc<dyn Storage>)>) -> Response {
    let (size, idle) = storage.pool_use();
    metrics::gauge!(DB_CONNECTIONS, "state" => "idle").set(idle as f64);
    let in_use = (size as usize).saturating_sub(idle);
    metrics::gauge!(DB_CONNECTIONS, "state" => "in_use").set(in_use as f64);
    (
        [("content-type", "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
