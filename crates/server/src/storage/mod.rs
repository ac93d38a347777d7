//! Persistence behind one interface, with a SQLite and a PostgreSQL implementation that share
//! their SQL (see [`sql`]). Everything the HTTP layer and the demo need goes through
//! [`Storage`]; nothing else in the server talks to a database.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod checkpoints;
pub mod decommissions;
pub mod devices;
pub mod freshness;
pub mod ingest;
pub mod instance;
pub mod invitations;
pub mod journal;
pub mod leases;
pub mod memberships;
mod postgres;
pub mod pruning;
pub mod requests;
pub mod rollups;
mod rows;
pub mod settings;
pub mod shared;
mod sqlite;
pub mod stores;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use multicaisse_core::api::SalesTotals;
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::Closure;
use multicaisse_core::period::DateRange;
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};
use multicaisse_core::sync::{IngestPlan, KnownChain, RecordPlan, RegisterSettings, SharedChange};
use multicaisse_core::ticket::Ticket;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

pub const SQLITE_FILE_NAME: &str = "multicaisse.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("DATABASE_URL `{0}` is not supported: use postgres://… (or leave it unset for the embedded SQLite file)")]
    UnsupportedUrl(String),
    #[error("cannot open the database {target}: {source}")]
    Connect { target: String, source: sqlx::Error },
    #[error("cannot migrate the database {target}: {source}")]
    Migrate {
        target: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("{0}")]
    Conflict(String),
    /// A conflict a page words itself (`core::api::Conflict`), with its English sentence.
    #[error("{message}")]
    Refused {
        conflict: multicaisse_core::api::Conflict,
        message: String,
    },
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> StorageError {
        // Constraint violations are the caller's mistake, not a server failure: say which in
        // the domain's words. The database's own text names tables and columns: log only.
        if let Some(db) = error.as_database_error() {
            let violated = if db.is_unique_violation() {
                Some(duplicate_message(db.constraint(), db.message()))
            } else if db.is_foreign_key_violation() {
                Some("this refers to something that does not exist (any more)")
            } else if db.is_check_violation() {
                Some("this value is not allowed here")
            } else {
                None
            };
            if let Some(message) = violated {
                tracing::warn!(
                    constraint = db.constraint().unwrap_or(""),
                    database = db.message(),
                    "constraint violation answered as a conflict"
                );
                return StorageError::Conflict(message.to_string());
            }
        }
        StorageError::Database(error)
    }
}

/// What a unique constraint protects, in words for the client. PostgreSQL names the
/// constraint; SQLite only says `UNIQUE constraint failed: table.column`, hence both.
fn duplicate_message(constraint: Option<&str>, message: &str) -> &'static str {
    let names = format!("{} {message}", constraint.unwrap_or_default());
    let on = |what: &str| names.contains(what);
    if on("users.email") || on("users_email") {
        "an account with this email address already exists"
    } else if on("memberships") {
        "this person already has access to this store"
    } else if on("decommissions") {
        "this register is already being decommissioned"
    } else if on("registers.number") || on("registers_store_id_number") {
        "this store already has a register with this number"
    } else if on("tickets.") || on("tickets_register_id_sequence") {
        "this register already has a ticket with this number"
    } else if on("token_hash") {
        "a token collided with an existing one: try again"
    } else {
        "this already exists"
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// Which database to use, decided once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseTarget {
    /// `DATABASE_URL` wins when set; otherwise a SQLite file in the data directory.
    pub fn from_config(
        database_url: Option<&str>,
        data_dir: &Path,
    ) -> StorageResult<DatabaseTarget> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(DatabaseTarget::Sqlite(data_dir.join(SQLITE_FILE_NAME))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(DatabaseTarget::Postgres(url.to_string()))
            }
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) if !path.is_empty() => Ok(DatabaseTarget::Sqlite(PathBuf::from(path))),
                _ => Err(StorageError::UnsupportedUrl(redact_url(url))),
            },
        }
    }

    /// How to name this database in messages: never with its password.
    pub fn describe(&self) -> String {
        match self {
            DatabaseTarget::Sqlite(path) => format!("sqlite:{}", path.display()),
            DatabaseTarget::Postgres(url) => redact_url(url),
        }
    }
}

/// Replaces the password of a `scheme://user:password@host/…` URL with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Opens (creating if needed) and migrates the database.
pub async fn open(target: &DatabaseTarget) -> StorageResult<Arc<dyn Storage>> {
    Ok(match target {
        DatabaseTarget::Sqlite(path) => Arc::new(SqliteStorage::open(path).await?),
        DatabaseTarget::Postgres(url) => Arc::new(PostgresStorage::open(url).await?),
    })
}

/// Builds the daily rollups of a database whose tickets predate them, once, at start.
/// Returns the number of tickets counted.
pub async fn backfill_rollups(storage: &dyn Storage) -> StorageResult<u64> {
    let missing = storage.registers_without_rollups().await?;
    let mut counted = 0;
    for register_id in missing {
        let Some(register) = storage.register(register_id).await? else {
            continue;
        };
        let Some(store) = storage.store(register.store_id).await? else {
            continue;
        };
        let mut days = std::collections::BTreeMap::new();
        let mut tickets = 0;
        let mut from = 1;
        loop {
            let page = storage.tickets(register.id, from, 5000).await?;
            let Some(last) = page.last() else { break };
            from = last.body.sequence + 1;
            tickets += page.len() as u64;
            multicaisse_core::rollup::roll_up_into(
                &mut days,
                page.iter().map(|t| &t.body),
                store.time_zone,
            );
        }
        if storage.rebuild_rollups(register.id, &days).await? {
            counted += tickets;
        }
    }
    Ok(counted)
}

/// A store to create: what core checks a shop's identity into (`ShopInput::check`).
pub use multicaisse_core::identity::ShopIdentity as NewStore;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegister {
    pub store_id: i64,
    pub number: u32,
    pub label: String,
    pub kind: RegisterKind,
    pub status: RegisterStatus,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
}

/// The newest ticket of a register: where its chain continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub sequence: u64,
    pub hash: ChainHash,
}

/// Everything one push writes, planned by `core::sync`: stored in one transaction.
#[derive(Debug, Clone)]
pub struct PushPlan<'a> {
    pub tickets: IngestPlan<'a>,
    pub closures: RecordPlan<'a, Closure>,
    pub settings: Option<&'a RegisterSettings>,
    /// Shared changes the server did not have yet.
    pub changes: Vec<&'a SharedChange>,
    /// Reasons for open gaps, already checked against them.
    pub gap_explanations: &'a [multicaisse_core::sync::GapExplanation],
    /// The batch's digest and the answer it gets, kept in the transaction that writes it:
    /// a crash cannot leave a written batch without its answer.
    pub receipt: (&'a str, String),
    /// When set, the push's session must hold its register's lease at this instant (ms since
    /// the epoch), checked in the writing transaction: a push that outlived its lease is
    /// refused instead of landing after another register took over.
    pub lease_held_at_ms: Option<i64>,
}

/// The stored form of a shared change: compared byte for byte to tell a replay from a
/// conflicting reuse of its id.
pub fn change_payload(change: &multicaisse_core::sync::Change) -> StorageResult<String> {
    rows::to_json(change)
}

/// A page of a store's shared changes, as a register pulls them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledPage {
    /// (version, origin register id, change, stock or loyalty balance after it)
    pub changes: Vec<(i64, i64, SharedChange, Option<i64>)>,
    /// The register's cursor after this page.
    pub cursor: i64,
    /// The store's newest version.
    pub head: i64,
    /// Changes of other registers still to pull after this page.
    pub remaining: u64,
}

/// A paired device, found by the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub register_id: i64,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

/// The newest ticket and closure numbers of a register, as a decision saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JudgedChains {
    pub last_ticket: Option<u64>,
    pub last_closure: Option<u64>,
}

/// What became of a pairing code presented by a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// `replaced`: the earlier tokens of the register, revoked by this pairing.
    Paired {
        register_id: i64,
        replaced: u64,
    },
    /// The code's register no longer syncs (suspended, or not yet activated).
    OutOfService {
        status: multicaisse_core::store::RegisterStatus,
    },
    Unknown,
    AlreadyUsed,
    Expired,
}

/// The outcome of asking for a store's sync lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseOutcome {
    Acquired {
        session_id: i64,
    },
    /// Another register holds it until `expires_at_ms`; the refused attempt is recorded as
    /// session `session_id`.
    Busy {
        session_id: i64,
        holder_register_id: i64,
        expires_at_ms: i64,
    },
}

/// A sync session as `end` closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndedSession {
    pub started_at: DateTime<Utc>,
    pub tickets_pushed: u64,
}

#[async_trait]
pub trait Storage:
    stores::Stores
    + ingest::Ingest
    + settings::ReportedSettings
    + shared::SharedData
    + leases::Leases
    + devices::Devices
    + journal::Journal
    + accounts::Accounts
    + memberships::Memberships
    + invitations::Invitations
    + audit::AuditLog
    + checkpoints::Checkpoints
    + freshness::Freshness
    + requests::RegisterRequests
    + decommissions::Decommissions
    + rollups::Rollups
    + instance::Instance
    + instance::Copies
    + pruning::Pruning
    + alerts::Alerts
    + Send
    + Sync
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers.
    async fn ping(&self) -> StorageResult<()>;

    /// The pool's connections: (open, idle).
    fn pool_use(&self) -> (u32, usize);

    /// Waits for the connections in use to come back, then closes them all (SQLite then
    /// folds its write-ahead log into the database file).
    async fn close(&self);
}

/// What every backend's storage answers of itself.
macro_rules! impl_storage {
    ($storage:ty, $backend:literal) => {
        #[async_trait::async_trait]
        impl $crate::storage::Storage for $storage {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> $crate::storage::StorageResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            fn pool_use(&self) -> (u32, usize) {
                (self.pool.size(), self.pool.num_idle())
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

pub(crate) use impl_storage;

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, Executor};

    #[tokio::test]
    async fn a_unique_violation_is_a_conflict_in_plain_words() {
        let mut db = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        db.execute("CREATE TABLE users (email TEXT NOT NULL UNIQUE)")
            .await
            .unwrap();
        db.execute("INSERT INTO users VALUES ('a@b.fr')")
            .await
            .unwrap();
        let error = db
            .execute("INSERT INTO users VALUES ('a@b.fr')")
            .await
            .unwrap_err();
        let StorageError::Conflict(message) = StorageError::from(error) else {
            panic!("not a conflict");
        };
        assert_eq!(message, "an account with this email address already exists");
        assert_eq!(
            duplicate_message(Some("users_email_key"), "duplicate key value violates…"),
            message
        );
        assert_eq!(
            duplicate_message(None, "UNIQUE constraint failed: x.y"),
            "this already exists"
        );
    }
}
