//! A register's side of the sync API, over HTTP, for tests.

use super::session::{Session, SUPPORT};
use multicaisse_core::sync::{BeginResponse, PairResponse, PairingCode, PushResponse};
use multicaisse_core::ticket::Ticket;
use serde_json::{json, Value};

pub struct Device {
    pub base: String,
    pub token: String,
    pub register_id: i64,
    pub client: reqwest::Client,
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
        let response = pair_with(base, &code.code).await;
        assert_eq!(response.status(), 200);
        let paired: PairResponse = response.json().await.unwrap();
        assert_eq!(paired.register.id, register_id);
        Device {
            base: base.to_string(),
            token: paired.token,
            register_id,
            client: reqwest::Client::new(),
        }
    }

    /// The same device talking to another server instance.
    pub fn via(&self, base: &str) -> Device {
        Device {
            base: base.to_string(),
            token: self.token.clone(),
            register_id: self.register_id,
            client: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(format!("{}/api/sync/{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn begin_raw(&self) -> reqwest::Response {
        self.post("begin", json!({})).await
    }

    pub async fn begin(&self) -> i64 {
        let response = self.begin_raw().await;
        assert_eq!(response.status(), 200);
        let begun: BeginResponse = response.json().await.unwrap();
        begun.session_id
    }

    pub async fn push_raw(&self, session_id: i64, tickets: &[Ticket]) -> reqwest::Response {
        self.post(
            "push",
            json!({ "session_id": session_id, "tickets": tickets }),
        )
        .await
    }

    pub async fn push(&self, session_id: i64, tickets: &[Ticket]) -> PushResponse {
        let response = self.push_raw(session_id, tickets).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn end(&self, session_id: i64) -> reqwest::Response {
        self.post("end", json!({ "session_id": session_id })).await
    }
}

impl Device {
    /// A push of anything (closures, settings, changes), as JSON.
    pub async fn push_json(&self, session_id: i64, mut body: Value) -> PushResponse {
        body["session_id"] = json!(session_id);
        let response = self.post("push", body).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn pull(&self, session_id: i64, limit: u32) -> multicaisse_core::sync::PullResponse {
        let response = self
            .post("pull", json!({ "session_id": session_id, "limit": limit }))
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }
}
