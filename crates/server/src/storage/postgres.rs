use super::{redact_url, StorageError, StorageResult};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::Duration;

/// PostgreSQL, for several server instances sharing one database.
pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    pub async fn open(url: &str) -> StorageResult<PostgresStorage> {
        let target = redact_url(url);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|source| StorageError::Connect {
                target: target.clone(),
                source,
            })?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { target, source })?;
        Ok(PostgresStorage { pool })
    }
}

super::sql::impl_storage!(PostgresStorage, sqlx::Postgres, "postgres");
