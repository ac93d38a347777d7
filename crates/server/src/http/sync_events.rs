//! `GET /api/sync/events`: a paired register holds this stream open and hears, within a
//! moment of each commit of shared changes in its store, "changes up to N". It then pulls.
//! Server-sent events: each `changes` event's id is N, so a reconnect with `Last-Event-ID`
//! is told at once of anything committed while it was away; comments keep the line alive.

use super::device_auth::DeviceAuth;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::AppState;
use crate::error::AppResult;
use crate::pokes::Poke;
use crate::storage::Storage;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use multicaisse_core::api::ParamError;
use multicaisse_core::sync::ChangesEvent;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// How often an idle stream says it is alive, and looks at its store's head itself: a poke
/// lost meanwhile (a PostgreSQL listener reconnecting) is then told late, not never. At the
/// same time it checks that its token still holds: a revoked iPad's stream ends.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(15);

pub fn routes() -> ApiRoutes {
    ApiRoutes::default().add(
        RouteDoc::new(
            Method::GET,
            "/sync/events",
            "Server-sent events for a paired register: `changes` (id and data: the store's newest change number) after each commit that carries shared changes, then pull; comments as heartbeats; `Last-Event-ID` resumes without missing any",
            Access::Device,
            None,
            schema::<ChangesEvent>,
        )
        .answers(&["text/event-stream"]),
        events,
    )
}

async fn events(
    State(state): State<AppState>,
    device: DeviceAuth,
    headers: HeaderMap,
) -> AppResult<Response> {
    let last_seen = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ParamError::new(
                        "Last-Event-ID",
                        "must be the id of a `changes` event this stream sent (a number, 0 or more)",
                    )
                })?,
        ),
    };
    let store_id = device.register.store_id;
    // Subscribed before the head is read: a commit in between is heard, not lost.
    let pokes = state.pokes.subscribe();
    let head = state.storage.change_head(store_id).await?;
    let listening = Listening {
        storage: state.storage.clone(),
        token_hash: device.token_hash,
        store_id,
        pokes,
        stopping: state.pokes.stopping(),
        sent: last_seen,
        first: Some(head),
        look: tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT),
    };
    let stream = futures_util::stream::unfold(listening, next_change);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Nginx and the proxies that follow it would otherwise hold the events in a buffer.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// One open stream: what it has told, and where it hears from.
struct Listening {
    storage: Arc<dyn Storage>,
    token_hash: String,
    store_id: i64,
    pokes: broadcast::Receiver<Poke>,
    stopping: watch::Receiver<bool>,
    /// The last head told (or the `Last-Event-ID` it came back with).
    sent: Option<i64>,
    /// The head when the stream opened, not yet judged.
    first: Option<i64>,
    look: tokio::time::Interval,
}

fn changes_event(head: i64) -> Event {
    Event::default()
        .event("changes")
        .id(head.to_string())
        .data(format!("{{\"head\":{head}}}"))
}

/// The next `changes` event, once the store's head passes the last one told; `None` when the
/// server stops.
async fn next_change(mut listening: Listening) -> Option<(Result<Event, Infallible>, Listening)> {
    let mut candidate = listening.first.take();
    loop {
        if let Some(head) = candidate.take() {
            if listening.sent.is_none_or(|sent| head > sent) {
                listening.sent = Some(head);
                return Some((Ok(changes_event(head)), listening));
            }
        }
        candidate = tokio::select! {
            _ = listening.stopping.changed() => return None,
            poke = listening.pokes.recv() => match poke {
                Ok(poke) if poke.store_id == listening.store_id => Some(poke.head),
                Ok(_) => None,
                // Fallen behind the other stores' pokes: the head says where things are.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    listening.storage.change_head(listening.store_id).await.ok()
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            _ = listening.look.tick() => {
                if !still_paired(listening.storage.as_ref(), &listening.token_hash).await {
                    return None;
                }
                listening.storage.change_head(listening.store_id).await.ok()
            }
        };
    }
}

/// Whether the stream's token still opens a sync: not revoked (support, or the iPad paired
/// again), its register still in service. A database that does not answer ends nothing.
async fn still_paired(storage: &dyn Storage, token_hash: &str) -> bool {
    super::device_auth::token_register(storage, token_hash)
        .await
        .map_or(true, |register| register.is_ok())
}
