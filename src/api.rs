//! The one typed client of the server's API. Every request of the app goes through here and
//! decodes into `multicaisse-core` types, so the app and the server cannot drift apart.

use gloo_net::http::Request;
use multicaisse_core::api::{ApiError, SalesReport};
use multicaisse_core::period::PeriodPreset;
use multicaisse_core::store::{Register, Store};
use serde::de::DeserializeOwned;

/// What went wrong, in words the page can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The server could not be reached.
    Network(String),
    /// The server answered with an error.
    Api { status: u16, message: String },
    /// The server answered something this app does not understand.
    Decode(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Network(e) => write!(f, "network: {e}"),
            ClientError::Api { status, message } => write!(f, "{status}: {message}"),
            ClientError::Decode(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ClientError> {
    let response = Request::get(path)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))?;
    if !response.ok() {
        let status = response.status();
        let message = match response.json::<ApiError>().await {
            Ok(e) => e.error,
            Err(_) => response.status_text(),
        };
        return Err(ClientError::Api { status, message });
    }
    response
        .json::<T>()
        .await
        .map_err(|e| ClientError::Decode(e.to_string()))
}

pub async fn stores() -> Result<Vec<Store>, ClientError> {
    get("/api/stores").await
}

pub async fn registers(store_id: i64) -> Result<Vec<Register>, ClientError> {
    get(&format!("/api/stores/{store_id}/registers")).await
}

pub async fn sales(store_id: i64, period: PeriodPreset) -> Result<SalesReport, ClientError> {
    get(&format!(
        "/api/stores/{store_id}/sales?period={}",
        period.code()
    ))
    .await
}
