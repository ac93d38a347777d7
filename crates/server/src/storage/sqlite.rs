use super::{StorageError, StorageResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// The embedded database: one file, created on first run.
pub struct SqliteStorage {
    pool: SqlitePool,
}

impl SqliteStorage {
    pub async fn open(path: &Path) -> StorageResult<SqliteStorage> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let target = format!("sqlite:{}", path.display());
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL lets the dashboard read while a register's push writes.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Reading a year of tickets through the page cache costs a copy per page; mapped,
            // verifying a register reads 15 % faster (the `zfiles` benchmark).
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Connect {
                target: target.clone(),
                source,
            })?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { target, source })?;
        Ok(SqliteStorage { pool })
    }

    /// SQLite has no row locks: `BEGIN IMMEDIATE` already makes each writer alone.
    const ROW_LOCK: &'static str = "";

    /// Taken before a new shop's SIRET is checked free (SQLite's write lock already is one).
    const STORE_CREATION_LOCK: &'static str = "";

    /// One process holds a SQLite database: the push's own handler tells its streams.
    const NOTIFY_CHANGES: Option<&'static str> = None;

    async fn listen_for_pokes_in(
        &self,
        _pokes: crate::pokes::Pokes,
    ) -> super::StorageResult<Option<tokio::task::JoinHandle<()>>> {
        Ok(None)
    }

    /// A write transaction. A deferred `BEGIN` (sqlx's default) that reads first cannot
    /// upgrade to a write once another connection has committed since its read: SQLite
    /// answers "database is locked" at once, the busy timeout notwithstanding. `IMMEDIATE`
    /// takes the write lock up front, so a busy database makes it wait instead.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

super::impl_storage!(SqliteStorage, "sqlite");
super::stores::impl_stores!(SqliteStorage, sqlx::Sqlite);
super::ingest::impl_ingest!(SqliteStorage, sqlx::Sqlite);
super::settings::impl_settings!(SqliteStorage, sqlx::Sqlite);
super::shared::impl_shared!(SqliteStorage, sqlx::Sqlite);
super::leases::impl_leases!(SqliteStorage, sqlx::Sqlite);
super::devices::impl_devices!(SqliteStorage, sqlx::Sqlite);
super::journal::impl_journal!(
    SqliteStorage,
    sqlx::Sqlite,
    Some(super::rows::SQLITE_STORED_TICKETS_PAGE)
);
super::accounts::impl_accounts!(SqliteStorage, sqlx::Sqlite);
super::memberships::impl_memberships!(SqliteStorage, sqlx::Sqlite);
super::invitations::impl_invitations!(SqliteStorage, sqlx::Sqlite);
super::audit::impl_audit!(SqliteStorage, sqlx::Sqlite);
super::requests::impl_requests!(SqliteStorage);
super::checkpoints::impl_checkpoints!(SqliteStorage);
super::instance::impl_instance!(SqliteStorage);
super::pruning::impl_pruning!(SqliteStorage);
super::alerts::impl_alerts!(SqliteStorage);
super::decommissions::impl_decommissions!(SqliteStorage);
super::rollups::impl_rollups!(SqliteStorage, sqlx::Sqlite);
super::freshness::impl_freshness!(
    SqliteStorage,
    sqlx::Sqlite,
    "json_extract(rs.settings, '$.pending_local_changes')"
);

#[async_trait::async_trait]
impl super::instance::Copies for SqliteStorage {
    async fn copy_into(&self, to: &Path) -> StorageResult<()> {
        // One read transaction: the copy is the database as of one commit, whatever the
        // registers push meanwhile (WAL lets them go on).
        sqlx::query("VACUUM INTO $1")
            .bind(to.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn integrity_check(&self) -> StorageResult<Vec<String>> {
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(found.into_iter().filter(|line| line != "ok").collect())
    }
}
