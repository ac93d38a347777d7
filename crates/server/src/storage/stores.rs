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
        audit: &StoreAudit<'_>,
    ) -> StorageResult<(Store, Register)>;

    /// Replaces a shop's identity, with the audit entry `audit` words from the shop before
    /// and after (none when nothing changed), in one transaction. Refused when another shop
    /// has the SIRET, or when the time zone or fiscal year would change after a sale.
    async fn update_store(
        &self,
        store_id: i64,
        identity: &NewStore,
        audit: &StoreChangeAudit<'_>,
    ) -> StorageResult<Option<Store>>;

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
pub type StoreAudit<'a> =
    dyn Fn(&Store, &Register) -> super::accounts::NewAuditEntry + Send + Sync + 'a;

/// The audit entry of a shop's changed identity, from the shop before and after; None when
/// nothing changed (nothing is then written).
pub type StoreChangeAudit<'a> =
    dyn Fn(&Store, &Store) -> Option<super::accounts::NewAuditEntry> + Send + Sync + 'a;

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

                /// Refused when a shop other than `except` has this SIRET.
                async fn refuse_taken_siret(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    siret: &str,
                    except: i64,
                ) -> StorageResult<()> {
                    let taken: Option<(String,)> = sqlx::query_as(
                        "SELECT name FROM stores WHERE siret = $1 AND id <> $2 LIMIT 1",
                    )
                    .bind(siret)
                    .bind(except)
                    .fetch_optional(&mut **tx)
                    .await?;
                    match taken {
                        Some((name,)) => Err(StorageError::Refused {
                            conflict: multicaisse_core::api::Conflict::SiretTaken,
                            message: format!("the shop {name} already has the SIRET {siret}"),
                        }),
                        None => Ok(()),
                    }
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
                    audit: &$crate::storage::stores::StoreAudit<'_>,
                ) -> StorageResult<(multicaisse_core::store::Store, multicaisse_core::store::Register)>
                {
                    let mut tx = self.write_tx().await?;
                    // Fixtures and benchmarks share one SIRET across many shops, so the rule
                    // is checked here rather than by an index: under the table lock (the
                    // SQLite write lock) two creations cannot both find it free.
                    if !Self::STORE_CREATION_LOCK.is_empty() {
                        sqlx::query(Self::STORE_CREATION_LOCK).execute(&mut *tx).await?;
                    }
                    Self::refuse_taken_siret(&mut tx, &store.siret, 0).await?;
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

                async fn update_store(
                    &self,
                    store_id: i64,
                    identity: &$crate::storage::NewStore,
                    audit: &$crate::storage::stores::StoreChangeAudit<'_>,
                ) -> StorageResult<Option<multicaisse_core::store::Store>> {
                    let mut tx = self.write_tx().await?;
                    if !Self::STORE_CREATION_LOCK.is_empty() {
                        sqlx::query(Self::STORE_CREATION_LOCK).execute(&mut *tx).await?;
                    }
                    let sql = format!("SELECT {} FROM stores WHERE id = $1", STORE_COLUMNS);
                    let before: Option<StoreRow> =
                        sqlx::query_as(&sql).bind(store_id).fetch_optional(&mut *tx).await?;
                    let Some(before) = before else {
                        return Ok(None);
                    };
                    let before: multicaisse_core::store::Store = before.try_into()?;
                    // Only a new SIRET is checked: a shop keeps its own even where older
                    // data shares it.
                    if identity.siret != before.siret {
                        Self::refuse_taken_siret(&mut tx, &identity.siret, store_id).await?;
                    }
                    let calendar_changes = before.time_zone != identity.time_zone
                        || before.fiscal_year_end_month != identity.fiscal_year_end_month;
                    if calendar_changes {
                        let sold: Option<(i64,)> = sqlx::query_as(
                            "SELECT r.id FROM tickets t JOIN registers r ON r.id = t.register_id \
                             WHERE r.store_id = $1 LIMIT 1",
                        )
                        .bind(store_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if sold.is_some() {
                            return Err(StorageError::Refused {
                                conflict: multicaisse_core::api::Conflict::ShopSettled,
                                message: format!(
                                    "{} has recorded sales: its time zone and fiscal year end \
                                     no longer change (past sales would move to other days \
                                     and years)",
                                    before.name
                                ),
                            });
                        }
                    }
                    let sql = format!(
                        "UPDATE stores SET name = $1, siret = $2, address = $3, vat_number = $4, \
                         time_zone = $5, fiscal_year_end_month = $6 WHERE id = $7 RETURNING {}",
                        STORE_COLUMNS
                    );
                    let after: StoreRow = sqlx::query_as(&sql)
                        .bind(&identity.name)
                        .bind(&identity.siret)
                        .bind(&identity.address)
                        .bind(&identity.vat_number)
                        .bind(identity.time_zone.name())
                        .bind(i32::from(identity.fiscal_year_end_month))
                        .bind(store_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let after: multicaisse_core::store::Store = after.try_into()?;
                    if let Some(entry) = audit(&before, &after) {
                        insert_audit(&mut tx, &entry).await?;
                        tx.commit().await?;
                    }
                    // Nothing changed: the transaction rolls back, nothing is written.
                    Ok(Some(after))
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
