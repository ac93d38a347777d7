//! What a database holds as a whole: whether it is empty, and whether `serve --demo` seeded
//! it (the demo may start again on its own data, never on a shop's).

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// How much a database holds, counted at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub stores: u64,
    pub accounts: u64,
    /// When the demo seeded it, if it did.
    pub demo_seeded_at: Option<DateTime<Utc>>,
}

impl Contents {
    pub fn is_empty(&self) -> bool {
        self.stores == 0 && self.accounts == 0
    }
}

/// `2 shops and 5 accounts`, in the server's one-line messages.
impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{} and {}",
            plural(self.stores, "shop", "shops"),
            plural(self.accounts, "account", "accounts")
        )
    }
}

#[async_trait]
pub trait Instance: Send + Sync {
    async fn contents(&self) -> StorageResult<Contents>;

    /// Records that the demo seeds this database, before it does.
    async fn mark_demo(&self, seed: u64, at: DateTime<Utc>) -> StorageResult<()>;
}

/// A whole database's copy and check, which only the embedded database does itself
/// (PostgreSQL has `pg_dump` and its own page checksums).
#[async_trait]
pub trait Copies: Send + Sync {
    /// A consistent copy of the whole database into the new file `to`, taken while writes
    /// go on. Refused on PostgreSQL, which `pg_dump` copies.
    async fn copy_into(&self, to: &std::path::Path) -> StorageResult<()>;

    /// What SQLite's `PRAGMA integrity_check` finds wrong (nothing: an empty list).
    async fn integrity_check(&self) -> StorageResult<Vec<String>>;
}

macro_rules! impl_instance {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::instance::Instance for $storage {
            async fn contents(
                &self,
            ) -> $crate::storage::StorageResult<$crate::storage::instance::Contents> {
                let (stores, accounts): (i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM stores), (SELECT COUNT(*) FROM users)",
                )
                .fetch_one(&self.pool)
                .await?;
                let demo_seeded_at: Option<chrono::DateTime<chrono::Utc>> =
                    sqlx::query_scalar("SELECT seeded_at FROM demo_seeding WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?;
                Ok($crate::storage::instance::Contents {
                    stores: u64::try_from(stores).unwrap_or(0),
                    accounts: u64::try_from(accounts).unwrap_or(0),
                    demo_seeded_at,
                })
            }

            async fn mark_demo(
                &self,
                seed: u64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query(
                    "INSERT INTO demo_seeding (id, seed, seeded_at) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(seed.to_string())
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(super) use impl_instance;
