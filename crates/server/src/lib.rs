//! Multicaisse server: HTTP API, persistence, demo data.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod admin_command;
pub mod alerts;
pub mod backup;
pub mod charts;
pub mod config;
pub mod decommission;
pub mod demo;
pub mod device;
pub mod error;
pub mod glance;
pub mod http;
pub mod ingest;
pub mod lookup;
pub mod mail;
pub mod metrics;
pub mod passwords;
pub mod pokes;
pub mod register_client;
pub mod register_requests;
pub mod secret;
pub mod setup;
pub mod shops;
pub mod simulate;
pub mod storage;
pub mod zexport;
pub mod zfiles;
pub mod zpdf;

use config::ServeConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use storage::{Storage, StorageError};
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
    #[error(
        "--demo needs an empty database or one the demo seeded, and {database} holds {contents}: \
         start without --demo, or give the demo its own --data-dir"
    )]
    NotTheDemo {
        database: String,
        contents: storage::instance::Contents,
    },
}

/// A server bound to its port and answering requests.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub storage: Arc<dyn Storage>,
    pub database: String,
    pub demo: Option<demo::DemoSummary>,
    /// True when the database has no account yet: `main` says how to create the first one.
    pub without_accounts: bool,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Pruning, the alerts' schedule, and the listener of other processes' pokes.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// Where `/metrics` is served, when `--metrics-addr` asked for it.
    pub metrics_addr: Option<SocketAddr>,
    metrics: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// How a server stopped when asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight was answered, and the database closed.
    Drained,
    /// The grace period ran out: the requests still in flight were cut (their transactions
    /// rolled back), then the database closed.
    Cut,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until `signal`, then stops accepting, lets the requests in flight finish for at
    /// most `grace`, and closes the database. An error when serving failed first.
    pub async fn serve_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
        grace: std::time::Duration,
    ) -> std::io::Result<Stopped> {
        tokio::select! {
            served = &mut self.task => {
                return Err(match served {
                    Ok(Ok(())) => std::io::Error::other("the listener closed"),
                    Ok(Err(e)) => e,
                    Err(e) => std::io::Error::other(e),
                });
            }
            () = signal => {}
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let stopped = match tokio::time::timeout(grace, &mut self.task).await {
            Ok(_) => Stopped::Drained,
            Err(_) => {
                self.task.abort();
                let _ = (&mut self.task).await;
                Stopped::Cut
            }
        };
        for task in &self.background {
            task.abort();
        }
        if let Some(metrics) = &self.metrics {
            metrics.abort();
        }
        self.storage.close().await;
        Ok(stopped)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
        for task in &self.background {
            task.abort();
        }
        if let Some(metrics) = &self.metrics {
            metrics.abort();
        }
    }
}

/// A listener, and the address it got (a port 0 asked for any free one).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listen = |source| StartError::Listen { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(listen)?;
    let bound = listener.local_addr().map_err(listen)?;
    Ok((listener, bound))
}

/// Prunes what need not be kept (`storage::pruning`) at start, then every hour.
async fn prune_regularly(storage: Arc<dyn Storage>, keep: chrono::Duration) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match storage.prune(chrono::Utc::now() - keep).await {
            Ok(pruned) if pruned.total() > 0 => tracing::info!(?pruned, "pruned old records"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning failed; next try in an hour"),
        }
    }
}

/// Opens and migrates the database, seeds the demo into an empty one when asked to,
/// binds the port, and starts serving in the background.
pub async fn start(config: &ServeConfig) -> Result<RunningServer, StartError> {
    let prices = config.prices().map_err(StartError::Prices)?;
    let sync_lease = config.sync_lease().map_err(StartError::Config)?;
    let mailer = match &config.smtp_url {
        Some(url) => Some(Arc::new(
            mail::Mailer::new(url, &config.mail_from).map_err(StartError::Config)?,
        )),
        None => None,
    };
    let target = config.database.target()?;
    let storage = storage::open(&target).await?;
    storage::backfill_rollups(storage.as_ref()).await?;
    let contents = storage.contents().await?;
    let demo = match (config.demo, contents.demo_seeded_at) {
        (false, _) | (true, Some(_)) => None,
        (true, None) if contents.is_empty() => Some(
            demo::seed(
                storage.as_ref(),
                &demo::DemoPlan::new(config.demo_until, config.demo_seed),
            )
            .await?,
        ),
        (true, None) => {
            return Err(StartError::NotTheDemo {
                database: target.describe(),
                contents,
            })
        }
    };
    let addr = SocketAddr::new(config.host, config.port);
    let (listener, addr) = bind(addr).await?;
    let alerts = alerts::Evaluator {
        storage: storage.clone(),
        mail: mailer.clone().map(|mailer| alerts::AlertMail {
            mailer,
            dashboard_url: config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}/")),
        }),
        sync_lease,
        missing_grace: chrono::Duration::minutes(i64::from(config.alert_after_minutes)),
        evaluating: alerts::StoreLocks::default(),
    };
    let pokes = pokes::Pokes::default();
    let listening = storage.listen_for_pokes(pokes.clone()).await?;
    let state = http::AppState {
        pokes: pokes.clone(),
        alerts: alerts.clone(),
        storage: storage.clone(),
        sync_lease,
        session_lifetime: chrono::Duration::seconds(i64::from(config.session_seconds)),
        secure_cookies: config.secure_cookies,
        public_url: config.public_url.clone(),
        prices,
        client_free_failures: config.sign_in_failures_per_client.max(1),
        mailer,
    };
    // With the peer's address, for the per-client sign-in limit.
    let app = http::router(state, &config.dist).into_make_service_with_connect_info::<SocketAddr>();
    let (metrics_addr, metrics) = match config.metrics_addr {
        None => (None, None),
        Some(addr) => {
            let (listener, bound) = bind(addr).await?;
            let metrics = metrics::router(storage.clone());
            let task = tokio::spawn(async move { axum::serve(listener, metrics).await });
            (Some(bound), Some(task))
        }
    };
    let mut background = vec![
        tokio::spawn(prune_regularly(
            storage.clone(),
            chrono::Duration::days(i64::from(config.prune_after_days)),
        )),
        tokio::spawn(alerts::evaluate_regularly(alerts)),
    ];
    background.extend(listening);
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopping.await;
                // Open event streams end, or they would hold the drain until its grace ran out.
                pokes.stop();
            })
            .await
    });
    Ok(RunningServer {
        addr,
        storage,
        database: target.describe(),
        demo,
        without_accounts: contents.accounts == 0 && !config.demo,
        task,
        stop: Some(stop),
        background,
        metrics_addr,
        metrics,
    })
}
