//! A register's iPad: pairing codes, the token a code is exchanged for, and revocation.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait Devices: Send + Sync {
    async fn create_pairing_code(
        &self,
        register_id: i64,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<()>;

    /// Uses a pairing code once, and on success stores the device's token hash.
    async fn redeem_pairing_code(
        &self,
        code_hash: &str,
        token_hash: &str,
        device_name: &str,
        device_model: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Redeemed>;

    async fn device(&self, token_hash: &str) -> StorageResult<Option<Device>>;

    /// Revokes every live token of a register, with the audit entry `audit` words from how
    /// many, in one transaction; returns how many.
    async fn revoke_devices(
        &self,
        register_id: i64,
        reason: &str,
        now: DateTime<Utc>,
        audit: &(dyn Fn(u64) -> accounts::NewAuditEntry + Send + Sync),
    ) -> StorageResult<u64>;
}

/// The SQL of [`Devices`], for either backend's storage.
macro_rules! impl_devices {
    ($storage:ty, $db:ty) => {
        // An anonymous block, so that its imports reach the bodies without leaking.
        const _: () = {
            #[allow(unused_imports)]
            use $crate::storage::rows::*;
            #[allow(unused_imports)]
            use $crate::storage::{StorageError, StorageResult};
            #[allow(unused_imports)]
            use chrono::{DateTime, Utc};

            #[async_trait::async_trait]
            impl $crate::storage::devices::Devices for $storage {
                async fn create_pairing_code(
                    &self,
                    register_id: i64,
                    code_hash: &str,
                    expires_at: DateTime<Utc>,
                ) -> StorageResult<()> {
                    sqlx::query(
                        "INSERT INTO pairing_codes (code_hash, register_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(code_hash)
                    .bind(register_id)
                    .bind(chrono::Utc::now())
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn redeem_pairing_code(
                    &self,
                    code_hash: &str,
                    token_hash: &str,
                    device_name: &str,
                    device_model: &str,
                    now: DateTime<Utc>,
                ) -> StorageResult<$crate::storage::Redeemed> {
                    use $crate::storage::Redeemed;
                    let mut tx = self.write_tx().await?;
                    let code: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> =
                        sqlx::query_as(
                            "SELECT register_id, expires_at, used_at FROM pairing_codes WHERE code_hash = $1",
                        )
                        .bind(code_hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let register_id = match code {
                        None => return Ok(Redeemed::Unknown),
                        Some((_, _, Some(_))) => return Ok(Redeemed::AlreadyUsed),
                        Some((_, expires_at, None)) if expires_at <= now => return Ok(Redeemed::Expired),
                        Some((register_id, _, None)) => register_id,
                    };
                    // The `used_at IS NULL` guard makes a code single-use even when two devices race.
                    let used = sqlx::query(
                        "UPDATE pairing_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
                    )
                    .bind(now)
                    .bind(code_hash)
                    .execute(&mut *tx)
                    .await?;
                    if used.rows_affected() != 1 {
                        return Ok(Redeemed::AlreadyUsed);
                    }
                    // Checked in the transaction that pairs: a register suspended since the code
                    // was made gets no token.
                    let (store_id, status): (i64, String) =
                        sqlx::query_as("SELECT store_id, status FROM registers WHERE id = $1")
                            .bind(register_id)
                            .fetch_one(&mut *tx)
                            .await?;
                    let status = multicaisse_core::store::RegisterStatus::from_code(&status)
                        .ok_or_else(|| StorageError::Corrupt(format!("register status `{status}`")))?;
                    if !status.may_sync() {
                        return Ok(Redeemed::OutOfService { status });
                    }
                    // One iPad per register: two devices writing one chain would fork it.
                    let replaced = sqlx::query(
                        "UPDATE device_tokens SET revoked_at = $1, revoked_reason = $2 \
                         WHERE register_id = $3 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(format!("replaced by another iPad ({device_name}) paired to this register"))
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    sqlx::query(
                        "INSERT INTO audit_log (at, event, store_id, detail, register_id) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(now)
                    .bind(multicaisse_core::auth::AuditEvent::DevicePaired.code())
                    .bind(store_id)
                    .bind(format!(
                        "register {register_id}: {device_name} ({device_model}) paired; \
                         {replaced} earlier token(s) revoked"
                    ))
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO device_tokens (register_id, token_hash, device_name, device_model, \
                         created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(register_id)
                    .bind(token_hash)
                    .bind(device_name)
                    .bind(device_model)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE register_sync_status SET device_revoked_at = NULL WHERE register_id = $1")
                        .bind(register_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Redeemed::Paired { register_id, replaced })
                }

                async fn device(
                    &self,
                    token_hash: &str,
                ) -> StorageResult<Option<$crate::storage::Device>> {
                    let row: Option<(i64, Option<DateTime<Utc>>, Option<String>)> =
                        sqlx::query_as(
                            "SELECT register_id, revoked_at, revoked_reason FROM device_tokens \
                             WHERE token_hash = $1",
                        )
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(|(register_id, revoked_at, revoked_reason)| $crate::storage::Device {
                        register_id,
                        revoked_at,
                        revoked_reason,
                    }))
                }

                async fn revoke_devices(
                    &self,
                    register_id: i64,
                    reason: &str,
                    now: DateTime<Utc>,
                    audit: &(dyn Fn(u64) -> $crate::storage::accounts::NewAuditEntry + Send + Sync),
                ) -> StorageResult<u64> {
                    let mut tx = self.write_tx().await?;
                    let revoked = sqlx::query(
                        "UPDATE device_tokens SET revoked_at = $1, revoked_reason = $2 \
                         WHERE register_id = $3 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(reason)
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?;
                    if revoked.rows_affected() > 0 {
                        sqlx::query(
                            "UPDATE register_sync_status SET device_revoked_at = $1 \
                             WHERE register_id = $2 AND device_revoked_at IS NULL",
                        )
                        .bind(now)
                        .bind(register_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    insert_audit(&mut tx, &audit(revoked.rows_affected())).await?;
                    tx.commit().await?;
                    Ok(revoked.rows_affected())
                }
            }
        };
    };
}

pub(super) use impl_devices;
