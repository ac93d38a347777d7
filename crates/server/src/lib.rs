//! Multicaisse server: HTTP API, persistence, demo data.

pub mod access;
pub mod accounts;
pub mod charts;
pub mod config;
pub mod decommission;
pub mod demo;
pub mod device;
pub mod error;
pub mod http;
pub mod ingest;
pub mod lookup;
pub mod register_client;
pub mod register_requests;
pub mod secret;
pub mod simulate;
pub mod storage;
pub mod zexport;
pub mod zfiles;
pub mod zpdf;

use config::ServeConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use storage::{DatabaseTarget, Storage, StorageError};
use tokio::net::TcpListener;

/// Why the server could not start: printed as one line by `main`.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid price list: {0}")]
    Prices(String),
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A server bound to its port and answering requests.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub storage: Arc<dyn Storage>,
    pub database: String,
    pub demo: Option<demo::DemoSummary>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until the process is stopped.
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens and migrates the database, seeds the demo into an empty one (unless told not to),
/// binds the port, and starts serving in the background.
pub async fn start(config: &ServeConfig) -> Result<RunningServer, StartError> {
    let prices = config.prices().map_err(StartError::Prices)?;
    let sync_lease = config.sync_lease().map_err(StartError::Config)?;
    let target = DatabaseTarget::from_config(config.database_url.as_deref(), &config.data_dir)?;
    let storage = storage::open(&target).await?;
    storage::backfill_rollups(storage.as_ref()).await?;
    let demo = if config.no_demo {
        None
    } else {
        demo::seed_if_empty(
            storage.as_ref(),
            &demo::DemoPlan::new(config.demo_until, config.demo_seed),
        )
        .await?
    };
    let addr = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    let state = http::AppState {
        storage: storage.clone(),
        sync_lease,
        session_lifetime: chrono::Duration::seconds(i64::from(config.session_seconds)),
        secure_cookies: config.secure_cookies,
        public_url: config.public_url.clone(),
        prices,
        client_free_failures: config.sign_in_failures_per_client.max(1),
    };
    // With the peer's address, for the per-client sign-in limit.
    let app = http::router(state, &config.dist).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(RunningServer {
        addr,
        storage,
        database: target.describe(),
        demo,
        task,
    })
}
