//! Command line and environment.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "multicaisse",
    version,
    about = "Multicaisse back office: the dashboard of a multi-register wine-shop POS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and its API (with `--demo`, on demo data).
    Serve(ServeConfig),
    /// Play a store's registers against a running server over HTTP: sales, Z, syncs.
    Simulate(SimulateArgs),
    /// Operate on the database (the same --data-dir or DATABASE_URL as `serve`): support
    /// accounts, shops, disabled accounts. Every change is audited.
    Admin(AdminArgs),
    /// Copy the embedded SQLite database while it runs, then check the copy: SQLite's
    /// integrity check and every register's chains verified.
    Backup(BackupArgs),
    /// Check a backup, then make it the database of an empty data directory.
    Restore(RestoreArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The new file to write (refused if it exists).
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// A file `multicaisse backup` wrote.
    pub file: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: AdminAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminAction {
    /// Create a support account. Its password is asked for twice on a terminal, or read as
    /// one line from standard input; never from the command line.
    CreateSupport {
        #[arg(long)]
        email: String,
        /// The name other people see.
        #[arg(long)]
        name: String,
    },
    /// Create a shop with its principal register, active and ready to pair.
    CreateShop {
        #[arg(long)]
        name: String,
        /// 14 digits (spaces allowed).
        #[arg(long)]
        siret: String,
        #[arg(long)]
        address: String,
        /// `FR`, its two-digit key and the SIREN.
        #[arg(long)]
        vat_number: String,
        #[arg(long, default_value = "Europe/Paris")]
        time_zone: String,
        /// The month whose last day closes the fiscal year (12: the calendar year).
        #[arg(long, default_value_t = 12)]
        fiscal_year_end_month: u8,
        /// The principal register's name.
        #[arg(long, default_value = "Caisse 1")]
        register_label: String,
    },
    /// List the accounts: address, name, kind, shops, and whether disabled.
    ListAccounts,
    /// Disable an account: it can no longer sign in, and its sessions end now.
    DisableAccount {
        #[arg(long)]
        email: String,
    },
    /// Print a one-time link, valid an hour, with which the account chooses a new password.
    ResetLink {
        #[arg(long)]
        email: String,
        /// The address people reach the dashboard at (the link starts with it).
        #[arg(
            long,
            env = "MULTICAISSE_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The server to play against.
    #[arg(long, env = "MULTICAISSE_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Store id.
    #[arg(long, default_value_t = 1)]
    pub store: i64,
    /// Register numbers to play, comma-separated (default: every active register).
    #[arg(long, value_delimiter = ',')]
    pub registers: Vec<u32>,
    /// First simulated day (default: today in Paris).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last simulated day (default: today in Paris). Sales never go past now.
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Seed of the sales generator.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED + 1)]
    pub seed: u64,
    /// Syncs per register per day: 1, 2 or 3 (the seed asks for 1 to 2).
    #[arg(long, default_value_t = 2)]
    pub syncs_per_day: u8,
    /// Misbehaviours, comma-separated: concurrent, silent:<register number>,
    /// withhold:<register number>, replay, tamper.
    #[arg(long, value_delimiter = ',')]
    pub misbehave: Vec<crate::simulate::Misbehaviour>,
    /// Sync order each round: ritual (1..N then 1..N-1, the seed's), once (1..N), reverse.
    #[arg(long, default_value = "ritual")]
    pub order: crate::simulate::SyncOrder,
    /// The payment methods the simulated iPads report in their settings, comma-separated
    /// (a register set up unlike the principal one shows on its set-up checklist).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "card,cash,cheque,gift_voucher"
    )]
    pub payment_methods: Vec<multicaisse_core::ticket::PaymentMethod>,
    /// A support account's email (support enrols registers); the demo's by default.
    #[arg(long, env = "MULTICAISSE_EMAIL", default_value = crate::demo::accounts::SUPPORT.email)]
    pub email: String,
    /// That account's password.
    #[arg(long, env = "MULTICAISSE_PASSWORD", default_value = crate::demo::accounts::SUPPORT.password, hide_default_value = true)]
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which database: the embedded SQLite file, or PostgreSQL.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Directory of the embedded SQLite database (created if missing).
    #[arg(
        long,
        env = "MULTICAISSE_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `postgres://user:password@host/db` to use PostgreSQL instead of the embedded SQLite file.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    pub fn target(&self) -> Result<crate::storage::DatabaseTarget, crate::storage::StorageError> {
        crate::storage::DatabaseTarget::from_config(self.database_url.as_deref(), &self.data_dir)
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// TCP port to listen on (0 picks a free one).
    #[arg(long, env = "MULTICAISSE_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, env = "MULTICAISSE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The built app (Trunk's output directory).
    #[arg(long, env = "MULTICAISSE_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Seed the demo (two shops, their registers, their sales and its accounts) into an empty
    /// database, and start again on the demo's own data. Refused on a database that holds
    /// anything else. `scripts/demo.sh` passes it.
    #[arg(long, env = "MULTICAISSE_DEMO")]
    pub demo: bool,
    /// Last day of demo sales (default: today in Paris). Same date and seed, same data.
    #[arg(long, env = "MULTICAISSE_DEMO_UNTIL")]
    pub demo_until: Option<NaiveDate>,
    /// Seconds a register's sync lease lasts without a request from it.
    #[arg(long, env = "MULTICAISSE_SYNC_LEASE_SECONDS", default_value_t = multicaisse_core::sync::LEASE_SECONDS as u32)]
    pub sync_lease_seconds: u32,
    /// Seed of the demo sales generator.
    #[arg(long, env = "MULTICAISSE_DEMO_SEED", default_value_t = crate::demo::DEFAULT_SEED)]
    pub demo_seed: u64,
    /// Seconds a dashboard session lasts after sign-in.
    #[arg(long, env = "MULTICAISSE_SESSION_SECONDS", default_value_t = (multicaisse_core::auth::SESSION_HOURS * 3600) as u32)]
    pub session_seconds: u32,
    /// Mark session cookies `Secure` (set it when the dashboard is served over HTTPS; a proxy's
    /// `X-Forwarded-Proto: https` does the same per request).
    #[arg(long, env = "MULTICAISSE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The address people reach the dashboard at (`https://…`), for invitation links
    /// (default: the address the inviting owner's browser used).
    #[arg(long, env = "MULTICAISSE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Failed sign-ins from one client address (IP) within an hour before each new one is
    /// delayed. Behind a reverse proxy all clients share its address: raise it there.
    #[arg(long, env = "MULTICAISSE_SIGN_IN_FAILURES_PER_CLIENT", default_value_t = multicaisse_core::auth::FREE_CLIENT_FAILURES)]
    pub sign_in_failures_per_client: u32,
    /// Seconds the requests in flight have to finish once the server is asked to stop
    /// (SIGTERM, Ctrl-C); those still running then are cut, their transactions rolled back.
    #[arg(long, env = "MULTICAISSE_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    pub shutdown_grace_seconds: u32,
    /// Days after which the records that need not be kept are pruned, by a task run at start
    /// and hourly: throttle records, failed sign-ins on unknown addresses, unknown-token
    /// incidents, ended or expired sessions, invitations never accepted. Never fiscal data,
    /// never the audit of an account.
    #[arg(long, env = "MULTICAISSE_PRUNE_AFTER_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub prune_after_days: u32,
    /// Where to serve Prometheus metrics (`127.0.0.1:9464`), on a listener of their own and
    /// never on the dashboard's port. Unset: no metrics.
    #[arg(long, env = "MULTICAISSE_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// `json` for log shippers: one JSON object per line, with the request's id.
    #[arg(long, env = "MULTICAISSE_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
    /// `smtp://host:25`, `smtps://user:password@host:465` or `smtp://…:587?tls=required`: the
    /// server then e-mails invitations and password reset links. Unset: nothing is sent, and
    /// links are read on the page.
    #[arg(long, env = "MULTICAISSE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of those e-mails.
    #[arg(
        long,
        env = "MULTICAISSE_MAIL_FROM",
        default_value = "Multicaisse <multicaisse@localhost>"
    )]
    pub mail_from: String,
    /// Minutes tickets may stay missing (numbers a register skipped, tickets its Z declare)
    /// before the shop is alerted: a sync cut short sends them at the next.
    #[arg(long, env = "MULTICAISSE_ALERT_AFTER_MINUTES", default_value_t = multicaisse_core::alerts::MISSING_GRACE_MINUTES as u32, value_parser = clap::value_parser!(u32).range(0..=10080))]
    pub alert_after_minutes: u32,
    /// Monthly price of one extra register, HT, in cents.
    #[arg(long, env = "MULTICAISSE_EXTRA_REGISTER_PRICE_CENTS", default_value_t = multicaisse_core::subscription::Prices::default().extra_register_monthly_ht.value())]
    pub extra_register_price_cents: i64,
    /// VAT rate of the subscription, in basis points (2000 is 20 %).
    #[arg(long, env = "MULTICAISSE_SUBSCRIPTION_VAT_BP", default_value_t = multicaisse_core::subscription::Prices::default().vat_rate.basis_points())]
    pub subscription_vat_bp: u16,
}

impl ServeConfig {
    /// A configuration for tests and tools: a free port on loopback, no demo.
    pub fn local(data_dir: PathBuf, dist: PathBuf) -> ServeConfig {
        ServeConfig {
            port: 0,
            host: IpAddr::from([127, 0, 0, 1]),
            database: DatabaseArgs {
                data_dir,
                database_url: None,
            },
            dist,
            demo: false,
            demo_until: None,
            demo_seed: crate::demo::DEFAULT_SEED,
            sync_lease_seconds: multicaisse_core::sync::LEASE_SECONDS as u32,
            session_seconds: (multicaisse_core::auth::SESSION_HOURS * 3600) as u32,
            secure_cookies: false,
            public_url: None,
            sign_in_failures_per_client: multicaisse_core::auth::FREE_CLIENT_FAILURES,
            shutdown_grace_seconds: 30,
            prune_after_days: 90,
            metrics_addr: None,
            smtp_url: None,
            mail_from: "Multicaisse <multicaisse@localhost>".into(),
            log_format: LogFormat::Text,
            alert_after_minutes: multicaisse_core::alerts::MISSING_GRACE_MINUTES as u32,
            extra_register_price_cents: multicaisse_core::subscription::Prices::default()
                .extra_register_monthly_ht
                .value(),
            subscription_vat_bp: multicaisse_core::subscription::Prices::default()
                .vat_rate
                .basis_points(),
        }
    }

    /// How long a sync lease lasts, checked: zero would grant leases that are expired as
    /// they are given, so two registers could sync at once.
    pub fn sync_lease(&self) -> Result<chrono::Duration, String> {
        const MAX: u32 = 3600;
        if !(1..=MAX).contains(&self.sync_lease_seconds) {
            return Err(format!(
                "--sync-lease-seconds: {} is not between 1 and {MAX} seconds",
                self.sync_lease_seconds
            ));
        }
        Ok(chrono::Duration::seconds(i64::from(
            self.sync_lease_seconds,
        )))
    }

    /// The price list configured, checked.
    pub fn prices(&self) -> Result<multicaisse_core::subscription::Prices, String> {
        let vat_rate = multicaisse_core::VatRate::new(self.subscription_vat_bp)
            .map_err(|e| format!("--subscription-vat-bp: {e}"))?;
        let prices = multicaisse_core::subscription::Prices {
            extra_register_monthly_ht: multicaisse_core::Cents(self.extra_register_price_cents),
            vat_rate,
        };
        prices
            .validate()
            .map_err(|e| format!("--extra-register-price-cents: {e}"))?;
        Ok(prices)
    }
}
