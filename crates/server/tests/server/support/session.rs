//! A signed-in person's browser, as far as the API sees it: a cookie jar holding the session,
//! and the CSRF header on every request.

use multicaisse_core::auth::{Me, CSRF_HEADER};
use multicaisse_server::storage::Storage;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use std::sync::Arc;

#[allow(unused_imports)] // each test file uses its own part
pub use multicaisse_server::demo::accounts::{ACCOUNTANT, OWNER, SUPPORT};

/// Creates the demo's support account in a test database (the fixtures have no accounts).
pub async fn add_support(storage: &dyn Storage) {
    multicaisse_server::accounts::create_user(
        storage,
        SUPPORT.email,
        SUPPORT.display_name,
        SUPPORT.password,
        true,
    )
    .await
    .expect("create the support account");
}

/// A person with a role in one store; returns their user id. Their name is "Test".
pub async fn add_member(
    storage: &dyn Storage,
    email: &str,
    password: &str,
    store: i64,
    role: multicaisse_core::auth::Role,
) -> i64 {
    let user = multicaisse_server::accounts::create_user(storage, email, "Test", password, false)
        .await
        .expect("create an account");
    storage
        .grant(store, user.id, role, chrono::Utc::now())
        .await
        .expect("grant a role");
    user.id
}

pub async fn sign_in_raw(base: &str, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/auth/sign-in"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("sign-in request")
}

#[derive(Clone)]
pub struct Session {
    pub base: String,
    pub client: reqwest::Client,
    pub me: Me,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Session {
    pub async fn sign_in(base: &str, email: &str, password: &str) -> Session {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let bare = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .expect("client");
        let response = bare
            .post(format!("{base}/api/auth/sign-in"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(response.status(), 200, "sign in as {email}");
        let me: Me = response.json().await.expect("Me");
        Session::with_jar(base, jar, me)
    }

    /// A client on an existing cookie jar, sending the session's CSRF token.
    pub fn with_jar(base: &str, jar: Arc<reqwest::cookie::Jar>, me: Me) -> Session {
        let mut headers = HeaderMap::new();
        headers.insert(
            CSRF_HEADER,
            HeaderValue::from_str(&me.csrf_token).expect("a header value"),
        );
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .build()
            .expect("client");
        Session {
            base: base.to_string(),
            client,
            me,
            jar,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn put_json(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .put(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.post(path, body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}
