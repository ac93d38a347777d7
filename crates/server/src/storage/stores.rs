//! Stores and their registers: what a store is, which registers it has, and its accounting set-up.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait Stores: Send + Sync {
    async fn insert_store(&self, store: &NewStore) -> StorageResult<Store>;

    /// A shop and its principal register (number 1, active, ready to pair), with `audit`'s
    /// entry, in one transaction. A conflict when a shop already has this SIRET.
    async fn create_store(
        &self,
        store: &NewStore,
        principal_label: &str,
        at: chrono::DateTime<chrono::Utc>,
        audit: &StoreAudit,
    ) -> StorageResult<(Store, Register)>;

    async fn stores(&self) -> StorageResult<Vec<Store>>;

    async fn store(&self, id: i64) -> StorageResult<Option<Store>>;

    async fn insert_register(&self, register: &NewRegister) -> StorageResult<Register>;

    /// Marks a register out of service from `at`, outside any decommission: the demo's
    /// seasonal register once its history is in (ingest refuses a register out of service).
    async fn retire_register(
        &self,
        register_id: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StorageResult<()>;

    /// A store's registers, by number.
    async fn registers(&self, store_id: i64) -> StorageResult<Vec<Register>>;

    /// A store and its registers by number, in one query.
    async fn store_with_registers(&self, id: i64) -> StorageResult<Option<(Store, Vec<Register>)>>;

    async fn register(&self, id: i64) -> StorageResult<Option<Register>>;

    /// The accounts of a store's sales journal, if its owner set them.
    async fn fec_accounts(
        &self,
        store_id: i64,
    ) -> StorageResult<Option<multicaisse_core::fec::FecAccounts>>;

    async fn set_fec_accounts(
        &self,
        store_id: i64,
        accounts: &multicaisse_core::fec::FecAccounts,
    ) -> StorageResult<()>;
}

/// The audit entry of a new shop, worded once the shop and its register have their ids.
pub type StoreAudit = dyn Fn(&Store, &Register) -> super::accounts::NewAuditEntry + Send + Sync;

/// The SQL of [`Stores`], for either backend's storage.
macro_rules! impl_stores {
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
                async fn insert_store_in(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    store: &$crate::storage::NewStore,
                    at: DateTime<Utc>,
                ) -> StorageResult<multicaisse_core::store::Store> {
                    let sql = format!(
                        "INSERT INTO stores (name, siret, address, vat_number, time_zone, \
                         fiscal_year_end_month, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         RETURNING {}",
                        STORE_COLUMNS
                    );
                    let row: StoreRow = sqlx::query_as(&sql)
                        .bind(&store.name)
                        .bind(&store.siret)
                        .bind(&store.address)
                        .bind(&store.vat_number)
                        .bind(store.time_zone.name())
                        .bind(i32::from(store.fiscal_year_end_month))
                        .bind(at)
                        .fetch_one(&mut **tx)
                        .await?;
                    row.try_into()
                }

                /// A register and its sync status row, inside the caller's transaction (a
                /// request's activation writes its decision in the same one).
                pub(crate) async fn insert_register_in(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    register: &$crate::storage::NewRegister,
                ) -> StorageResult<multicaisse_core::store::Register> {
                    let number = i32::try_from(register.number).map_err(|_| {
                        StorageError::Conflict(format!(
                            "register number {} is out of range",
                            register.number
                        ))
                    })?;
                    let sql = format!(
                        "INSERT INTO registers (store_id, number, label, kind, status, created_at, \
                         activated_at, suspended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         RETURNING {}",
                        REGISTER_COLUMNS
                    );
                    let row: RegisterRow = sqlx::query_as(&sql)
                        .bind(register.store_id)
                        .bind(number)
                        .bind(&register.label)
                        .bind(register.kind.code())
                        .bind(register.status.code())
                        .bind(register.created_at)
                        .bind(register.activated_at)
                        .bind(register.suspended_at)
                        .fetch_one(&mut **tx)
                        .await?;
                    let register: multicaisse_core::store::Register = row.try_into()?;
                    sqlx::query("INSERT INTO register_sync_status (register_id, store_id) VALUES ($1, $2)")
                        .bind(register.id)
                        .bind(register.store_id)
                        .execute(&mut **tx)
                        .await?;
                    Ok(register)
                }
            }

            #[async_trait::async_trait]
            impl $crate::storage::stores::Stores for $storage {
                async fn insert_store(
                    &self,
                    store: &$crate::storage::NewStore,
                ) -> StorageResult<multicaisse_core::store::Store> {
                    let mut tx = self.write_tx().await?;
                    let created = Self::insert_store_in(&mut tx, store, chrono::Utc::now()).await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn create_store(
                    &self,
                    store: &$crate::storage::NewStore,
                    principal_label: &str,
                    at: chrono::DateTime<chrono::Utc>,
                    audit: &$crate::storage::stores::StoreAudit,
                ) -> StorageResult<(multicaisse_core::store::Store, multicaisse_core::store::Register)>
                {
                    let mut tx = self.write_tx().await?;
                    // Fixtures and benchmarks share one SIRET across many shops, so the rule
                    // is checked here rather than by an index: under the table lock (the
                    // SQLite write lock) two creations cannot both find it free.
                    if !Self::STORE_CREATION_LOCK.is_empty() {
                        sqlx::query(Self::STORE_CREATION_LOCK).execute(&mut *tx).await?;
                    }
                    let taken: Option<(String,)> =
                        sqlx::query_as("SELECT name FROM stores WHERE siret = $1 LIMIT 1")
                            .bind(&store.siret)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if let Some((name,)) = taken {
                        return Err(StorageError::Conflict(format!(
                            "the shop {name} already has the SIRET {}",
                            store.siret
                        )));
                    }
                    let created = Self::insert_store_in(&mut tx, store, at).await?;
                    let register = Self::insert_register_in(
                        &mut tx,
                        &$crate::storage::NewRegister {
                            store_id: created.id,
                            number: 1,
                            label: principal_label.to_string(),
                            kind: multicaisse_core::store::RegisterKind::Principal,
                            status: multicaisse_core::store::RegisterStatus::Active,
                            created_at: at,
                            activated_at: Some(at),
                            suspended_at: None,
                        },
                    )
                    .await?;
                    insert_audit(&mut tx, &audit(&created, &register)).await?;
                    tx.commit().await?;
                    Ok((created, register))
                }

                async fn stores(
                    &self,
                ) -> StorageResult<Vec<multicaisse_core::store::Store>> {
                    let sql = format!(
                        "SELECT {} FROM stores ORDER BY id",
                        STORE_COLUMNS
                    );
                    let rows: Vec<StoreRow> =
                        sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn store(
                    &self,
                    id: i64,
                ) -> StorageResult<Option<multicaisse_core::store::Store>> {
                    let sql = format!(
                        "SELECT {} FROM stores WHERE id = $1",
                        STORE_COLUMNS
                    );
                    let row: Option<StoreRow> =
                        sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                    row.map(TryInto::try_into).transpose()
                }

                async fn insert_register(
                    &self,
                    register: &$crate::storage::NewRegister,
                ) -> StorageResult<multicaisse_core::store::Register> {
                    let mut tx = self.write_tx().await?;
                    let register = Self::insert_register_in(&mut tx, register).await?;
                    tx.commit().await?;
                    Ok(register)
                }

                async fn retire_register(
                    &self,
                    register_id: i64,
                    at: DateTime<Utc>,
                ) -> StorageResult<()> {
                    sqlx::query("UPDATE registers SET status = $1, suspended_at = $2 WHERE id = $3")
                        .bind(multicaisse_core::store::RegisterStatus::Suspended.code())
                        .bind(at)
                        .bind(register_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn registers(
                    &self,
                    store_id: i64,
                ) -> StorageResult<Vec<multicaisse_core::store::Register>> {
                    let sql = format!(
                        "SELECT {} FROM registers WHERE store_id = $1 ORDER BY number",
                        REGISTER_COLUMNS
                    );
                    let rows: Vec<RegisterRow> =
                        sqlx::query_as(&sql).bind(store_id).fetch_all(&self.pool).await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn store_with_registers(
                    &self,
                    id: i64,
                ) -> StorageResult<
                    Option<(multicaisse_core::store::Store, Vec<multicaisse_core::store::Register>)>,
                > {
                    let rows: Vec<StoreRegisterRow> =
                        sqlx::query_as(STORE_REGISTERS_SQL)
                            .bind(id)
                            .fetch_all(&self.pool)
                            .await?;
                    store_with_registers(rows)
                }

                async fn register(
                    &self,
                    id: i64,
                ) -> StorageResult<Option<multicaisse_core::store::Register>> {
                    let sql = format!(
                        "SELECT {} FROM registers WHERE id = $1",
                        REGISTER_COLUMNS
                    );
                    let row: Option<RegisterRow> =
                        sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                    row.map(TryInto::try_into).transpose()
                }

                async fn fec_accounts(
                    &self,
                    store_id: i64,
                ) -> StorageResult<Option<multicaisse_core::fec::FecAccounts>> {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT accounts FROM store_fec_accounts WHERE store_id = $1")
                            .bind(store_id)
                            .fetch_optional(&self.pool)
                            .await?;
                    row.map(|(json,)| {
                        serde_json::from_str(&json).map_err(|e| {
                            StorageError::Corrupt(format!("FEC accounts: {e}"))
                        })
                    })
                    .transpose()
                }

                async fn set_fec_accounts(
                    &self,
                    store_id: i64,
                    accounts: &multicaisse_core::fec::FecAccounts,
                ) -> StorageResult<()> {
                    sqlx::query(
                        "INSERT INTO store_fec_accounts (store_id, accounts, updated_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (store_id) DO UPDATE \
                         SET accounts = excluded.accounts, updated_at = excluded.updated_at",
                    )
                    .bind(store_id)
                    .bind(to_json(accounts)?)
                    .bind(chrono::Utc::now())
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use impl_stores;
