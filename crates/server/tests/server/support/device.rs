//! A register's side of the sync API, over HTTP, for tests: the server's own typed
//! `RegisterClient`, with the assertions a test wants and the raw calls a hostile iPad makes.

use super::session::{Session, SUPPORT};
use multicaisse_core::sync::{
    PairRequest, PairingCode, PullRequest, PullResponse, PushRequest, PushResponse,
};
use multicaisse_core::ticket::Ticket;
use multicaisse_server::register_client::RegisterClient;
use serde_json::{json, Value};

pub struct Device {
    pub register_id: i64,
    pub client: RegisterClient,
}

/// A pairing code, asked for by support staff (who enrol registers).
pub async fn pairing_code(base: &str, register_id: i64) -> PairingCode {
    let support = Session::sign_in(base, SUPPORT.email, SUPPORT.password).await;
    let response = support
        .post(
            &format!("/api/registers/{register_id}/pairing-codes"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub async fn pair_with(base: &str, code: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/sync/pair"))
        .json(&json!({ "code": code, "device_name": "iPad comptoir", "device_model": "iPad (10th gen)" }))
        .send()
        .await
        .unwrap()
}

impl Device {
    /// Enrols a register: a pairing code, exchanged for a token.
    pub async fn pair(base: &str, register_id: i64) -> Device {
        let code = pairing_code(base, register_id).await;
        let request = PairRequest {
            code: code.code,
            device_name: "iPad comptoir".into(),
            device_model: "iPad (10th gen)".into(),
        };
        let (client, register) = RegisterClient::pair(&reqwest::Client::new(), base, &request)
            .await
            .expect("paired");
        assert_eq!(register.id, register_id);
        Device {
            register_id,
            client,
        }
    }

    /// A device presenting `token` (a forged one, say) for a register.
    pub fn with_token(base: &str, token: &str, register_id: i64) -> Device {
        Device {
            register_id,
            client: RegisterClient::with_token(&reqwest::Client::new(), base, token),
        }
    }

    pub fn token(&self) -> &str {
        self.client.token()
    }

    /// The same device talking to another server instance.
    pub fn via(&self, base: &str) -> Device {
        Device {
            register_id: self.register_id,
            client: self.client.via(base),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client.post_raw(path, &body).await.unwrap()
    }

    pub async fn begin_raw(&self) -> reqwest::Response {
        self.post("begin", json!({})).await
    }

    pub async fn begin(&self) -> i64 {
        self.client
            .begin()
            .await
            .expect("a sync session")
            .session_id
    }

    pub async fn push_raw(&self, session_id: i64, tickets: &[Ticket]) -> reqwest::Response {
        let push = PushRequest {
            session_id,
            tickets: tickets.to_vec(),
            ..PushRequest::default()
        };
        self.client.post_raw("push", &push).await.unwrap()
    }

    pub async fn push(&self, session_id: i64, tickets: &[Ticket]) -> PushResponse {
        let push = PushRequest {
            session_id,
            tickets: tickets.to_vec(),
            ..PushRequest::default()
        };
        self.client.push(&push).await.expect("a push accepted")
    }

    pub async fn end(&self, session_id: i64) -> reqwest::Response {
        self.post("end", json!({ "session_id": session_id })).await
    }

    /// A push of anything (closures, settings, changes), as JSON.
    pub async fn push_json(&self, session_id: i64, mut body: Value) -> PushResponse {
        body["session_id"] = json!(session_id);
        let response = self.post("push", body).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn pull(&self, session_id: i64, limit: u32) -> PullResponse {
        let pull = PullRequest {
            session_id,
            limit: Some(limit),
        };
        self.client.pull(&pull).await.expect("a page pulled")
    }
}
