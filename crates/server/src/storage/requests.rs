//! Requests for an extra register and support's decisions. One SQL body for both backends;
//! activating creates the register in the same transaction as the decision.

use super::accounts::NewAuditEntry;
use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use multicaisse_core::requests::{RegisterRequest, RegisterRequestBody};
use multicaisse_core::store::Register;

#[async_trait]
pub trait RegisterRequests {
    /// A new pending request, asked by `user_id`, and `audit` with it. Each decision below is
    /// written with its audit entry in one transaction too.
    async fn insert_register_request(
        &self,
        store_id: i64,
        body: &RegisterRequestBody,
        user_id: i64,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<RegisterRequest>;

    /// A store's requests, or every store's (`None`), newest first; only pending ones if asked.
    async fn register_requests(
        &self,
        store_id: Option<i64>,
        pending_only: bool,
    ) -> StorageResult<Vec<RegisterRequest>>;

    async fn register_request(&self, id: i64) -> StorageResult<Option<RegisterRequest>>;

    /// Activates a pending request: the store's next register number, an extra register in
    /// service from `at`, audited by the entry `audit` makes of it. `Conflict` if it was
    /// already decided.
    async fn activate_register_request(
        &self,
        id: i64,
        user_id: i64,
        at: DateTime<Utc>,
        audit: &(dyn for<'r> Fn(&'r Register) -> NewAuditEntry + Send + Sync),
    ) -> StorageResult<(RegisterRequest, Register)>;

    /// Refuses a pending request with the reason the owner will read. `Conflict` if decided.
    async fn refuse_register_request(
        &self,
        id: i64,
        user_id: i64,
        reason: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> StorageResult<RegisterRequest>;
}

pub(super) const REQUEST_COLUMNS: &str = "q.id, q.store_id, s.name AS store_name, q.label, \
     q.season_from, q.season_until, q.status, q.reason, u.email AS requested_by, q.requested_at, \
     q.decided_at, q.register_id";

pub(super) const REQUEST_FROM: &str =
    "FROM register_requests q JOIN stores s ON s.id = q.store_id JOIN users u ON u.id = q.requested_by";

#[derive(sqlx::FromRow)]
pub(super) struct RequestRow {
    id: i64,
    store_id: i64,
    store_name: String,
    label: String,
    season_from: Option<NaiveDate>,
    season_until: Option<NaiveDate>,
    status: String,
    reason: Option<String>,
    requested_by: String,
    requested_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    register_id: Option<i64>,
}

pub(super) fn request_of(row: RequestRow) -> StorageResult<RegisterRequest> {
    let id = row.id;
    Ok(RegisterRequest {
        id,
        store_id: row.store_id,
        store_name: row.store_name,
        label: row.label,
        season: row
            .season_from
            .zip(row.season_until)
            .map(|(from, until)| multicaisse_core::requests::Season { from, until }),
        status: multicaisse_core::requests::RequestStatus::from_code(&row.status).ok_or_else(
            || {
                super::StorageError::Corrupt(format!(
                    "register request {id}: status {}",
                    row.status
                ))
            },
        )?,
        reason: row.reason,
        requested_by: row.requested_by,
        requested_at: row.requested_at,
        decided_at: row.decided_at,
        register_id: row.register_id,
    })
}

macro_rules! impl_requests {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::requests::RegisterRequests for $storage {
            async fn insert_register_request(
                &self,
                store_id: i64,
                body: &multicaisse_core::requests::RegisterRequestBody,
                user_id: i64,
                at: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::requests::RegisterRequest> {
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO register_requests (store_id, label, season_from, season_until, \
                     status, requested_by, requested_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6) \
                     RETURNING id",
                )
                .bind(store_id)
                .bind(body.label.trim())
                .bind(body.season.map(|s| s.from))
                .bind(body.season.map(|s| s.until))
                .bind(user_id)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.register_request(id).await?.ok_or_else(|| {
                    $crate::storage::StorageError::Corrupt(format!("register request {id} vanished"))
                })
            }

            async fn register_requests(
                &self,
                store_id: Option<i64>,
                pending_only: bool,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::requests::RegisterRequest>>
            {
                use $crate::storage::requests as r;
                let sql = format!(
                    "SELECT {} {} WHERE ($1 IS NULL OR q.store_id = $1) \
                     AND ($2 = 0 OR q.status = 'pending') ORDER BY q.id DESC",
                    r::REQUEST_COLUMNS,
                    r::REQUEST_FROM
                );
                let rows: Vec<r::RequestRow> = sqlx::query_as(&sql)
                    .bind(store_id)
                    .bind(i64::from(pending_only))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(r::request_of).collect()
            }

            async fn register_request(
                &self,
                id: i64,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::requests::RegisterRequest>>
            {
                use $crate::storage::requests as r;
                let sql = format!("SELECT {} {} WHERE q.id = $1", r::REQUEST_COLUMNS, r::REQUEST_FROM);
                let row: Option<r::RequestRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(r::request_of).transpose()
            }

            async fn activate_register_request(
                &self,
                id: i64,
                user_id: i64,
                at: chrono::DateTime<chrono::Utc>,
                audit: &(dyn for<'r> Fn(&'r multicaisse_core::store::Register) -> $crate::storage::accounts::NewAuditEntry
                      + Send
                      + Sync),
            ) -> $crate::storage::StorageResult<(
                multicaisse_core::requests::RegisterRequest,
                multicaisse_core::store::Register,
            )> {
                let mut tx = self.write_tx().await?;
                // Deciding first: of two support agents activating at once, one wins.
                let decided: Option<(i64, String)> = sqlx::query_as(
                    "UPDATE register_requests SET status = 'activated', decided_by = $2, \
                     decided_at = $3 WHERE id = $1 AND status = 'pending' RETURNING store_id, label",
                )
                .bind(id)
                .bind(user_id)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((store_id, label)) = decided else {
                    return Err($crate::storage::StorageError::Conflict(format!(
                        "register request {id} is not pending: it was already decided"
                    )));
                };
                let (number,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(MAX(number), 0) + 1 AS BIGINT) FROM registers WHERE store_id = $1",
                )
                .bind(store_id)
                .fetch_one(&mut *tx)
                .await?;
                let register = Self::insert_register_in(
                    &mut tx,
                    &$crate::storage::NewRegister {
                        store_id,
                        number: u32::try_from(number).unwrap_or(u32::MAX),
                        label,
                        kind: multicaisse_core::store::RegisterKind::Extra,
                        status: multicaisse_core::store::RegisterStatus::Active,
                        created_at: at,
                        activated_at: Some(at),
                        suspended_at: None,
                    },
                )
                .await?;
                sqlx::query("UPDATE register_requests SET register_id = $1 WHERE id = $2")
                    .bind(register.id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                insert_audit(&mut tx, &audit(&register)).await?;
                tx.commit().await?;
                let request = self.register_request(id).await?.ok_or_else(|| {
                    $crate::storage::StorageError::Corrupt(format!("register request {id} vanished"))
                })?;
                Ok((request, register))
            }

            async fn refuse_register_request(
                &self,
                id: i64,
                user_id: i64,
                reason: &str,
                at: chrono::DateTime<chrono::Utc>,
                audit: &$crate::storage::accounts::NewAuditEntry,
            ) -> $crate::storage::StorageResult<multicaisse_core::requests::RegisterRequest> {
                let mut tx = self.write_tx().await?;
                let done = sqlx::query(
                    "UPDATE register_requests SET status = 'refused', reason = $2, decided_by = $3, \
                     decided_at = $4 WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .bind(reason.trim())
                .bind(user_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::storage::StorageError::Conflict(format!(
                        "register request {id} is not pending: it was already decided"
                    )));
                }
                insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.register_request(id).await?.ok_or_else(|| {
                    $crate::storage::StorageError::Corrupt(format!("register request {id} vanished"))
                })
            }
        }
    };
}

pub(super) use impl_requests;
