//! `GET /api/sync/events` (issue 20): a register holding the stream hears of another
//! register's shared changes within a second, and a reconnect with `Last-Event-ID` misses
//! nothing. On SQLite and on PostgreSQL; across two processes in `lease_race.rs`.

use crate::support;

use serde_json::json;
use std::time::Duration;
use support::device::Device;
use support::fixture::{small_store, store_with_registers};
use support::{Backend, TestApp};

on_both_backends!(
    a_register_hears_of_another_s_changes_at_once,
    a_reconnect_with_the_last_event_id_misses_nothing,
    the_stream_refuses_what_is_not_a_register_s,
    a_revoked_ipad_s_stream_ends,
);

/// One `changes` event: its id and its data's head.
#[derive(Debug, PartialEq, Eq)]
pub struct Changes {
    pub id: i64,
    pub head: i64,
}

/// An open event stream, read as a register reads it.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    pub async fn open(base: &str, token: &str, last_event_id: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .get(format!("{base}/api/sync/events"))
            .bearer_auth(token)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        request.send().await.expect("the stream opens")
    }

    pub async fn new(base: &str, token: &str, last_event_id: Option<&str>) -> EventStream {
        let response = Self::open(base, token, last_event_id).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["x-accel-buffering"], "no");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next `changes` event within `wait`, heartbeats skipped; `None` if none came.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Changes> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(|v| v.trim().to_string())
                };
                if field("event:").as_deref() == Some("changes") {
                    let data: serde_json::Value =
                        serde_json::from_str(&field("data:").expect("data")).expect("JSON data");
                    return Some(Changes {
                        id: field("id:").expect("an id").parse().expect("a number"),
                        head: data["head"].as_i64().expect("a head"),
                    });
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream reads")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }
}

impl EventStream {
    /// Whether the server ends the stream within `wait` (heartbeats and events read past).
    pub async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return false,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Ok(Ok(Some(_))) => continue,
            }
        }
    }
}

fn stock(id: &str, product: &str, delta: i64) -> serde_json::Value {
    json!({ "id": id, "at": chrono::Utc::now(), "change": { "kind": "stock_movement", "product": product, "delta": delta } })
}

/// A whole sync of `device` pushing `changes`.
pub async fn push_changes(device: &Device, changes: Vec<serde_json::Value>) {
    let session = device.begin().await;
    device
        .push_json(session, json!({ "changes": changes }))
        .await;
    assert_eq!(device.end(session).await.status(), 200);
}

/// The small store, with its first register listening and its second selling.
async fn listening_and_selling(backend: &Backend) -> (TestApp, String, Device, Device) {
    let app = TestApp::spawn(backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let listening = Device::pair(&base, fixture.registers[0].id).await;
    let selling = Device::pair(&base, fixture.registers[1].id).await;
    (app, base, listening, selling)
}

async fn a_register_hears_of_another_s_changes_at_once(backend: Backend) {
    let (app, base, listening, selling) = listening_and_selling(&backend).await;
    // Another shop's register, whose changes are none of this one's business.
    let (_, elsewhere) = store_with_registers(app.storage().as_ref(), "Autre cave", 1, None).await;
    let elsewhere = Device::pair(&base, elsewhere[0].id).await;
    let mut stream = EventStream::new(&base, listening.token(), None).await;
    // Opened without an id, the stream first says where the log stands.
    let opened = stream.next_within(Duration::from_secs(1)).await;
    assert_eq!(opened, Some(Changes { id: 0, head: 0 }));
    push_changes(&elsewhere, vec![stock("e1", "chablis", -1)]).await;
    push_changes(
        &selling,
        vec![stock("s1", "chablis", -1), stock("s2", "morgon", -2)],
    )
    .await;
    assert_eq!(
        stream.next_within(Duration::from_secs(1)).await,
        Some(Changes { id: 2, head: 2 }),
        "the other register's commit is heard within a second, and the other shop's not at all"
    );
    // The register pulls what it was told of.
    let session = listening.begin().await;
    let page = listening.pull(session, 100).await;
    assert_eq!(page.head, 2);
    let ids: Vec<&str> = page.changes.iter().map(|c| c.change.id.as_str()).collect();
    assert_eq!(ids, ["s1", "s2"]);
    assert_eq!(listening.end(session).await.status(), 200);
    // A sync that carries no shared change tells nobody anything.
    let session = selling.begin().await;
    assert_eq!(selling.end(session).await.status(), 200);
    assert_eq!(stream.next_within(Duration::from_millis(300)).await, None);
    // Its own changes are told too: the register compares with its cursor, already there.
    push_changes(&listening, vec![stock("l1", "morgon", 6)]).await;
    assert_eq!(
        stream.next_within(Duration::from_secs(1)).await,
        Some(Changes { id: 3, head: 3 })
    );
}

async fn a_reconnect_with_the_last_event_id_misses_nothing(backend: Backend) {
    let (_app, base, listening, selling) = listening_and_selling(&backend).await;
    push_changes(&selling, vec![stock("s1", "chablis", -1)]).await;
    let mut stream = EventStream::new(&base, listening.token(), Some("1")).await;
    // Up to date when it left: nothing to say until something changes.
    assert_eq!(stream.next_within(Duration::from_millis(300)).await, None);
    drop(stream);
    // Away while two more changes committed: told at once on coming back.
    push_changes(
        &selling,
        vec![stock("s2", "chablis", -1), stock("s3", "chablis", -1)],
    )
    .await;
    let mut stream = EventStream::new(&base, listening.token(), Some("1")).await;
    assert_eq!(
        stream.next_within(Duration::from_secs(1)).await,
        Some(Changes { id: 3, head: 3 })
    );
    // A register that comes back with an id from before a restore is told the head too.
    let mut stream = EventStream::new(&base, listening.token(), Some("0")).await;
    assert_eq!(
        stream.next_within(Duration::from_secs(1)).await,
        Some(Changes { id: 3, head: 3 })
    );
}

async fn the_stream_refuses_what_is_not_a_register_s(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let device = Device::pair(&base, fixture.registers[0].id).await;
    for bad in ["abc", "-1", "1.5", ""] {
        let response = EventStream::open(&base, device.token(), Some(bad)).await;
        assert_eq!(response.status(), 400, "Last-Event-ID {bad:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["parameter"], "Last-Event-ID", "{body}");
    }
    let response = EventStream::open(&base, "not-a-token", None).await;
    assert_eq!(response.status(), 401);
    let response = reqwest::get(format!("{base}/api/sync/events"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// Support revokes the iPad while it holds its stream: the stream ends at its next heartbeat,
/// and a new one is refused.
async fn a_revoked_ipad_s_stream_ends(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let base = app.server.url();
    let device = Device::pair(&base, fixture.registers[0].id).await;
    let mut stream = EventStream::new(&base, device.token(), None).await;
    assert!(stream.next_within(Duration::from_secs(1)).await.is_some());
    let (status, _) = app
        .support
        .post_json(
            &format!("/api/registers/{}/revoke-devices", fixture.registers[0].id),
            json!({ "reason": "iPad perdu" }),
        )
        .await;
    assert_eq!(status, 200);
    let heartbeat = multicaisse_server::http::SYNC_EVENTS_HEARTBEAT;
    assert!(
        stream.ends_within(heartbeat + Duration::from_secs(3)).await,
        "the revoked iPad's stream is still open"
    );
    let response = EventStream::open(&base, device.token(), None).await;
    assert_eq!(response.status(), 401);
}
