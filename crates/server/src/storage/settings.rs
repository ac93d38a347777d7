//! What registers report of themselves (set-up, changes left unsent): the latest report, kept with the push or replay that carried it.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait ReportedSettings: Send + Sync {
    /// The settings a register last reported, and when.
    async fn register_settings(
        &self,
        register_id: i64,
    ) -> StorageResult<Option<(RegisterSettings, chrono::DateTime<chrono::Utc>)>>;

    /// A replayed batch's report of the register (set-up, changes left unsent). Said again
    /// in a later sync (`news`), it is the latest report; a late copy within the session
    /// that first sent it only moves the time of the latest report when it says the same,
    /// and otherwise changes nothing (it would pass stale settings off as the latest).
    async fn replay_settings(
        &self,
        register_id: i64,
        settings: &multicaisse_core::sync::RegisterSettings,
        at: DateTime<Utc>,
        news: bool,
    ) -> StorageResult<()>;
}

/// The SQL of [`ReportedSettings`], for either backend's storage.
macro_rules! impl_settings {
    ($storage:ty, $db:ty) => {
        // An anonymous block, so that its imports reach the bodies without leaking.
        const _: () = {
            #[allow(unused_imports)]
            use $crate::storage::rows::*;
            #[allow(unused_imports)]
            use $crate::storage::{StorageError, StorageResult};
            #[allow(unused_imports)]
            use chrono::{DateTime, Utc};

            impl $storage {
                /// What a register reported of itself, as its latest report, inside the caller's
                /// transaction (a push writes it with its records).
                async fn report_settings_in(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    register_id: i64,
                    settings: &multicaisse_core::sync::RegisterSettings,
                    at: DateTime<Utc>,
                ) -> StorageResult<()> {
                    sqlx::query(
                        "INSERT INTO register_settings (register_id, settings, reported_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (register_id) DO UPDATE \
                         SET settings = excluded.settings, reported_at = excluded.reported_at",
                    )
                    .bind(register_id)
                    .bind(to_json(settings)?)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                    sqlx::query(
                        "UPDATE register_sync_status SET pending_local_changes = $1 WHERE register_id = $2",
                    )
                    .bind(i64::from(settings.pending_local_changes))
                    .bind(register_id)
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl $crate::storage::settings::ReportedSettings for $storage {
                async fn register_settings(
                    &self,
                    register_id: i64,
                ) -> StorageResult<
                    Option<(multicaisse_core::sync::RegisterSettings, DateTime<Utc>)>,
                > {
                    let row: Option<(String, DateTime<Utc>)> = sqlx::query_as(
                        "SELECT settings, reported_at FROM register_settings WHERE register_id = $1",
                    )
                    .bind(register_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|(json, reported_at)| {
                        serde_json::from_str(&json)
                            .map(|settings| (settings, reported_at))
                            .map_err(|e| StorageError::Corrupt(format!("settings: {e}")))
                    })
                    .transpose()
                }

                async fn replay_settings(
                    &self,
                    register_id: i64,
                    settings: &multicaisse_core::sync::RegisterSettings,
                    at: DateTime<Utc>,
                    news: bool,
                ) -> StorageResult<()> {
                    let mut tx = self.write_tx().await?;
                    let latest: Option<(String,)> =
                        sqlx::query_as("SELECT settings FROM register_settings WHERE register_id = $1")
                            .bind(register_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if news || latest.is_some_and(|(latest,)| {
                        serde_json::from_str::<multicaisse_core::sync::RegisterSettings>(&latest)
                            .is_ok_and(|latest| latest == *settings)
                    }) {
                        Self::report_settings_in(&mut tx, register_id, settings, at).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use impl_settings;
