use super::{redact_url, StorageError, StorageResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// PostgreSQL, for several server instances sharing one database.
pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    pub async fn open(url: &str) -> StorageResult<PostgresStorage> {
        let target = redact_url(url);
        let connect_error = |source| StorageError::Connect {
            target: target.clone(),
            source,
        };
        let options = PgConnectOptions::from_str(url).map_err(connect_error)?;
        // One direct connection first: a pool would only report "timed out", this says why
        // (refused, bad password, unknown database).
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| connect_error(sqlx::Error::PoolTimedOut))?
            .map_err(connect_error)?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(options);
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { target, source })?;
        Ok(PostgresStorage { pool })
    }

    /// Locks the rows a write transaction's check read, until it commits: a lease checked
    /// this way cannot be taken over before the write that relied on it is in.
    const ROW_LOCK: &'static str = " FOR UPDATE";

    /// Tells every server process on the database that a store's changes went up (see
    /// `crate::pokes`): `NOTIFY` is transactional, so only a committed push is told.
    const NOTIFY_CHANGES: Option<&'static str> =
        Some("SELECT pg_notify('multicaisse_changes', $1)");

    /// The pokes every process's pushes notify, handed to this process's streams.
    async fn listen_for_pokes_in(
        &self,
        pokes: crate::pokes::Pokes,
    ) -> super::StorageResult<Option<tokio::task::JoinHandle<()>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(crate::pokes::CHANNEL).await?;
        Ok(Some(tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        if let Some(poke) = crate::pokes::Poke::from_payload(notification.payload())
                        {
                            pokes.send(poke);
                        }
                    }
                    // The listener reconnects on its next call; a stream's own periodic look at
                    // the head covers what was said meanwhile.
                    Err(error) => {
                        tracing::warn!(%error, "pokes: the PostgreSQL listener lost its connection");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        })))
    }

    /// Taken before a new shop's SIRET is checked free (SQLite's write lock already is one).
    const STORE_CREATION_LOCK: &'static str = "LOCK TABLE stores IN SHARE ROW EXCLUSIVE MODE";

    /// A write transaction (see SQLite's: PostgreSQL's row locks need nothing special).
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

super::impl_storage!(PostgresStorage, "postgres");
super::stores::impl_stores!(PostgresStorage, sqlx::Postgres);
super::ingest::impl_ingest!(PostgresStorage, sqlx::Postgres);
super::settings::impl_settings!(PostgresStorage, sqlx::Postgres);
super::shared::impl_shared!(PostgresStorage, sqlx::Postgres);
super::leases::impl_leases!(PostgresStorage, sqlx::Postgres);
super::devices::impl_devices!(PostgresStorage, sqlx::Postgres);
super::journal::impl_journal!(PostgresStorage, sqlx::Postgres, None::<&str>);
super::accounts::impl_accounts!(PostgresStorage, sqlx::Postgres);
super::memberships::impl_memberships!(PostgresStorage, sqlx::Postgres);
super::invitations::impl_invitations!(PostgresStorage, sqlx::Postgres);
super::audit::impl_audit!(PostgresStorage, sqlx::Postgres);
super::requests::impl_requests!(PostgresStorage);
super::checkpoints::impl_checkpoints!(PostgresStorage);
super::instance::impl_instance!(PostgresStorage);
super::pruning::impl_pruning!(PostgresStorage);
super::alerts::impl_alerts!(PostgresStorage);
super::decommissions::impl_decommissions!(PostgresStorage);
super::rollups::impl_rollups!(PostgresStorage, sqlx::Postgres);
super::freshness::impl_freshness!(
    PostgresStorage,
    sqlx::Postgres,
    "(rs.settings::json ->> 'pending_local_changes')::BIGINT"
);

#[async_trait::async_trait]
impl super::instance::Copies for PostgresStorage {
    async fn copy_into(&self, _to: &std::path::Path) -> StorageResult<()> {
        Err(StorageError::Conflict(
            "a PostgreSQL database is copied with pg_dump".into(),
        ))
    }

    /// PostgreSQL checks its pages itself (data checksums); `pg_restore` fails on a damaged
    /// dump.
    async fn integrity_check(&self) -> StorageResult<Vec<String>> {
        Ok(Vec::new())
    }
}
