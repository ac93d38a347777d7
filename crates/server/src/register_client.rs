//! A register's side of the sync protocol over HTTP, typed on core's requests and answers. The
//! simulator, the benches and the tests all sync through it, so a change of the protocol is
//! made in core and here, once.

use multicaisse_core::store::Register;
use multicaisse_core::sync::{
    BeginResponse, EndResponse, PairRequest, PairResponse, PullRequest, PullResponse, PushRequest,
    PushResponse, SessionRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a sync call did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum SyncCallError {
    #[error("cannot reach the server at {url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("POST {path} answered {status}: {body}")]
    Refused {
        path: String,
        status: u16,
        body: String,
    },
}

impl SyncCallError {
    /// The status the server answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            SyncCallError::Refused { status, .. } => Some(*status),
            SyncCallError::Http { .. } => None,
        }
    }
}

/// One paired register talking to one server.
#[derive(Debug, Clone)]
pub struct RegisterClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl RegisterClient {
    /// Exchanges a pairing code for a device token: the register's client, and the register.
    pub async fn pair(
        http: &reqwest::Client,
        base: &str,
        request: &PairRequest,
    ) -> Result<(RegisterClient, Register), SyncCallError> {
        let base = base.trim_end_matches('/').to_string();
        let paired: PairResponse = answer(
            http.post(format!("{base}/api/sync/pair")).json(request),
            &base,
            "pair",
        )
        .await?;
        let client = RegisterClient {
            http: http.clone(),
            base,
            token: paired.token,
        };
        Ok((client, paired.register))
    }

    /// A register already paired, by its token.
    pub fn with_token(http: &reqwest::Client, base: &str, token: &str) -> RegisterClient {
        RegisterClient {
            http: http.clone(),
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        }
    }

    /// The same register talking to another server instance.
    pub fn via(&self, base: &str) -> RegisterClient {
        RegisterClient::with_token(&self.http, base, &self.token)
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub async fn begin(&self) -> Result<BeginResponse, SyncCallError> {
        self.call("begin", &serde_json::json!({})).await
    }

    pub async fn push(&self, request: &PushRequest) -> Result<PushResponse, SyncCallError> {
        self.call("push", request).await
    }

    /// A push already serialised (a bench that must not time the client's serde).
    pub async fn push_json(&self, body: String) -> Result<PushResponse, SyncCallError> {
        let request = self
            .authorised("push")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        answer(request, &self.base, "push").await
    }

    pub async fn pull(&self, request: &PullRequest) -> Result<PullResponse, SyncCallError> {
        self.call("pull", request).await
    }

    pub async fn end(&self, session_id: i64) -> Result<EndResponse, SyncCallError> {
        self.call("end", &SessionRequest { session_id }).await
    }

    /// Any body to a sync route, answered as is: what a faulty or hostile iPad would send.
    pub async fn post_raw(
        &self,
        route: &str,
        body: &impl Serialize,
    ) -> Result<reqwest::Response, SyncCallError> {
        self.authorised(route)
            .json(body)
            .send()
            .await
            .map_err(|source| SyncCallError::Http {
                url: self.base.clone(),
                source,
            })
    }

    fn authorised(&self, route: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/sync/{route}", self.base))
            .bearer_auth(&self.token)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        route: &str,
        body: &impl Serialize,
    ) -> Result<T, SyncCallError> {
        answer(self.authorised(route).json(body), &self.base, route).await
    }
}

/// Sends, and decodes a 200's body; any other status is a refusal with its body.
async fn answer<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    base: &str,
    route: &str,
) -> Result<T, SyncCallError> {
    let path = format!("/api/sync/{route}");
    let response = request.send().await.map_err(|source| SyncCallError::Http {
        url: base.to_string(),
        source,
    })?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|source| SyncCallError::Http {
            url: base.to_string(),
            source,
        })?;
    if status != 200 {
        return Err(SyncCallError::Refused { path, status, body });
    }
    serde_json::from_str(&body).map_err(|e| SyncCallError::Refused {
        path,
        status,
        body: format!("unexpected answer ({e}): {body}"),
    })
}
