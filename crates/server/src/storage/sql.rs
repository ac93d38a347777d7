//! The SQL both backends run. The statements use `$n` placeholders and types that SQLite and
//! PostgreSQL both map (i64, TEXT, dates, UTC timestamps), so one implementation, instantiated
//! per backend by [`impl_storage!`], serves both; only connection set-up and migrations differ.

use super::{ChainHead, StorageError, StorageResult};
use chrono::{DateTime, NaiveDate, Utc};
use multicaisse_core::api::SalesTotals;
use multicaisse_core::chain::ChainHash;
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};
use multicaisse_core::ticket::{Ticket, TicketBody};

/// Rows per multi-row INSERT: well under SQLite's 32 766 and PostgreSQL's 65 535 bound
/// parameters at 13 columns a row.
pub(super) const TICKET_INSERT_CHUNK: usize = 1000;

pub(super) const STORE_COLUMNS: &str =
    "id, name, siret, address, vat_number, time_zone, fiscal_year_end_month";
pub(super) const REGISTER_COLUMNS: &str =
    "id, store_id, number, label, kind, status, created_at, activated_at, suspended_at";
pub(super) const TICKET_COLUMNS: &str = "sequence, issued_at, lines, payments, previous_hash, hash";

#[derive(sqlx::FromRow)]
pub(super) struct StoreRow {
    id: i64,
    name: String,
    siret: String,
    address: String,
    vat_number: String,
    time_zone: String,
    fiscal_year_end_month: i32,
}

impl TryFrom<StoreRow> for Store {
    type Error = StorageError;
    fn try_from(row: StoreRow) -> StorageResult<Store> {
        let time_zone = row.time_zone.parse().map_err(|_| {
            StorageError::Corrupt(format!(
                "store {}: unknown time zone `{}`",
                row.id, row.time_zone
            ))
        })?;
        let fiscal_year_end_month = u8::try_from(row.fiscal_year_end_month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| StorageError::Corrupt(format!("store {}: fiscal month", row.id)))?;
        Ok(Store {
            id: row.id,
            name: row.name,
            siret: row.siret,
            address: row.address,
            vat_number: row.vat_number,
            time_zone,
            fiscal_year_end_month,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RegisterRow {
    id: i64,
    store_id: i64,
    number: i32,
    label: String,
    kind: String,
    status: String,
    created_at: DateTime<Utc>,
    activated_at: Option<DateTime<Utc>>,
    suspended_at: Option<DateTime<Utc>>,
}

impl TryFrom<RegisterRow> for Register {
    type Error = StorageError;
    fn try_from(row: RegisterRow) -> StorageResult<Register> {
        let corrupt = |what: &str| StorageError::Corrupt(format!("register {}: {what}", row.id));
        Ok(Register {
            id: row.id,
            store_id: row.store_id,
            number: u32::try_from(row.number).map_err(|_| corrupt("number"))?,
            kind: RegisterKind::from_code(&row.kind).ok_or_else(|| corrupt("kind"))?,
            status: RegisterStatus::from_code(&row.status).ok_or_else(|| corrupt("status"))?,
            label: row.label,
            created_at: row.created_at,
            activated_at: row.activated_at,
            suspended_at: row.suspended_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TicketRow {
    sequence: i64,
    issued_at: DateTime<Utc>,
    lines: String,
    payments: String,
    previous_hash: String,
    hash: String,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StorageError;
    fn try_from(row: TicketRow) -> StorageResult<Ticket> {
        let corrupt =
            |what: String| StorageError::Corrupt(format!("ticket {}: {what}", row.sequence));
        Ok(Ticket {
            body: TicketBody {
                sequence: u64::try_from(row.sequence).map_err(|e| corrupt(e.to_string()))?,
                issued_at: row.issued_at,
                lines: serde_json::from_str(&row.lines).map_err(|e| corrupt(e.to_string()))?,
                payments: serde_json::from_str(&row.payments)
                    .map_err(|e| corrupt(e.to_string()))?,
            },
            previous_hash: ChainHash::from_hex(&row.previous_hash)
                .map_err(|e| corrupt(e.to_string()))?,
            hash: ChainHash::from_hex(&row.hash).map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

/// A ticket flattened into the columns the tickets table stores.
pub(super) struct TicketInsert {
    pub sequence: i64,
    pub issued_at: DateTime<Utc>,
    pub business_date: NaiveDate,
    pub lines: String,
    pub payments: String,
    pub total_ttc: i64,
    pub total_ht: i64,
    pub total_vat: i64,
    pub discount_total: i64,
    pub previous_hash: String,
    pub hash: String,
}

impl TicketInsert {
    pub fn new(ticket: &Ticket, time_zone: chrono_tz::Tz) -> StorageResult<TicketInsert> {
        let body = &ticket.body;
        let vat = body.vat_breakdown();
        Ok(TicketInsert {
            sequence: i64::try_from(body.sequence).map_err(|_| {
                StorageError::Conflict(format!("ticket number {} is out of range", body.sequence))
            })?,
            issued_at: body.issued_at,
            business_date: multicaisse_core::store::business_date(body.issued_at, time_zone),
            lines: to_json(&body.lines)?,
            payments: to_json(&body.payments)?,
            total_ttc: vat.total_ttc().0,
            total_ht: vat.total_ht().0,
            total_vat: vat.total_vat().0,
            discount_total: body.discount_total().0,
            previous_hash: ticket.previous_hash.to_hex(),
            hash: ticket.hash.to_hex(),
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> StorageResult<String> {
    serde_json::to_string(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

#[derive(sqlx::FromRow)]
pub(super) struct SalesRow {
    pub register_id: i64,
    pub ticket_count: i64,
    pub ttc: i64,
    pub ht: i64,
    pub vat: i64,
}

impl From<SalesRow> for (i64, SalesTotals) {
    fn from(row: SalesRow) -> (i64, SalesTotals) {
        (
            row.register_id,
            SalesTotals {
                ticket_count: u64::try_from(row.ticket_count).unwrap_or(0),
                ttc: multicaisse_core::Cents(row.ttc),
                ht: multicaisse_core::Cents(row.ht),
                vat: multicaisse_core::Cents(row.vat),
            },
        )
    }
}

pub(super) fn chain_head(row: Option<(i64, String)>) -> StorageResult<Option<ChainHead>> {
    row.map(|(sequence, hash)| {
        Ok(ChainHead {
            sequence: u64::try_from(sequence)
                .map_err(|_| StorageError::Corrupt(format!("ticket number {sequence}")))?,
            hash: ChainHash::from_hex(&hash).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        })
    })
    .transpose()
}

/// Implements [`super::Storage`] for a struct with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_storage {
    ($storage:ty, $db:ty, $backend:literal) => {
        #[async_trait::async_trait]
        impl $crate::storage::Storage for $storage {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> $crate::storage::StorageResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn insert_store(
                &self,
                store: &$crate::storage::NewStore,
            ) -> $crate::storage::StorageResult<multicaisse_core::store::Store> {
                let sql = format!(
                    "INSERT INTO stores (name, siret, address, vat_number, time_zone, \
                     fiscal_year_end_month, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     RETURNING {}",
                    $crate::storage::sql::STORE_COLUMNS
                );
                let row: $crate::storage::sql::StoreRow = sqlx::query_as(&sql)
                    .bind(&store.name)
                    .bind(&store.siret)
                    .bind(&store.address)
                    .bind(&store.vat_number)
                    .bind(store.time_zone.name())
                    .bind(i32::from(store.fiscal_year_end_month))
                    .bind(chrono::Utc::now())
                    .fetch_one(&self.pool)
                    .await?;
                row.try_into()
            }

            async fn stores(
                &self,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::store::Store>> {
                let sql = format!(
                    "SELECT {} FROM stores ORDER BY id",
                    $crate::storage::sql::STORE_COLUMNS
                );
                let rows: Vec<$crate::storage::sql::StoreRow> =
                    sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn store(
                &self,
                id: i64,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::store::Store>> {
                let sql = format!(
                    "SELECT {} FROM stores WHERE id = $1",
                    $crate::storage::sql::STORE_COLUMNS
                );
                let row: Option<$crate::storage::sql::StoreRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn insert_register(
                &self,
                register: &$crate::storage::NewRegister,
            ) -> $crate::storage::StorageResult<multicaisse_core::store::Register> {
                let number = i32::try_from(register.number).map_err(|_| {
                    $crate::storage::StorageError::Conflict(format!(
                        "register number {} is out of range",
                        register.number
                    ))
                })?;
                let sql = format!(
                    "INSERT INTO registers (store_id, number, label, kind, status, created_at, \
                     activated_at, suspended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     RETURNING {}",
                    $crate::storage::sql::REGISTER_COLUMNS
                );
                let row: $crate::storage::sql::RegisterRow = sqlx::query_as(&sql)
                    .bind(register.store_id)
                    .bind(number)
                    .bind(&register.label)
                    .bind(register.kind.code())
                    .bind(register.status.code())
                    .bind(register.created_at)
                    .bind(register.activated_at)
                    .bind(register.suspended_at)
                    .fetch_one(&self.pool)
                    .await?;
                row.try_into()
            }

            async fn registers(
                &self,
                store_id: i64,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::store::Register>> {
                let sql = format!(
                    "SELECT {} FROM registers WHERE store_id = $1 ORDER BY number",
                    $crate::storage::sql::REGISTER_COLUMNS
                );
                let rows: Vec<$crate::storage::sql::RegisterRow> =
                    sqlx::query_as(&sql).bind(store_id).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn append_tickets(
                &self,
                register_id: i64,
                time_zone: chrono_tz::Tz,
                tickets: &[multicaisse_core::ticket::Ticket],
            ) -> $crate::storage::StorageResult<()> {
                let rows = tickets
                    .iter()
                    .map(|t| $crate::storage::sql::TicketInsert::new(t, time_zone))
                    .collect::<$crate::storage::StorageResult<Vec<_>>>()?;
                let received_at = chrono::Utc::now();
                let mut tx = self.pool.begin().await?;
                for chunk in rows.chunks($crate::storage::sql::TICKET_INSERT_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tickets (register_id, sequence, issued_at, business_date, \
                         lines, payments, total_ttc, total_ht, total_vat, discount_total, \
                         previous_hash, hash, received_at) ",
                    );
                    insert.push_values(chunk, |mut row, t| {
                        row.push_bind(register_id)
                            .push_bind(t.sequence)
                            .push_bind(t.issued_at)
                            .push_bind(t.business_date)
                            .push_bind(t.lines.clone())
                            .push_bind(t.payments.clone())
                            .push_bind(t.total_ttc)
                            .push_bind(t.total_ht)
                            .push_bind(t.total_vat)
                            .push_bind(t.discount_total)
                            .push_bind(t.previous_hash.clone())
                            .push_bind(t.hash.clone())
                            .push_bind(received_at);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn chain_head(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::ChainHead>> {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT sequence, hash FROM tickets WHERE register_id = $1 \
                     ORDER BY sequence DESC LIMIT 1",
                )
                .bind(register_id)
                .fetch_optional(&self.pool)
                .await?;
                $crate::storage::sql::chain_head(row)
            }

            async fn tickets(
                &self,
                register_id: i64,
                from_sequence: u64,
                limit: u32,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::ticket::Ticket>> {
                let sql = format!(
                    "SELECT {} FROM tickets WHERE register_id = $1 AND sequence >= $2 \
                     ORDER BY sequence LIMIT $3",
                    $crate::storage::sql::TICKET_COLUMNS
                );
                let rows: Vec<$crate::storage::sql::TicketRow> = sqlx::query_as(&sql)
                    .bind(register_id)
                    .bind(i64::try_from(from_sequence).unwrap_or(i64::MAX))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn sales_by_register(
                &self,
                store_id: i64,
                range: multicaisse_core::period::DateRange,
            ) -> $crate::storage::StorageResult<Vec<(i64, multicaisse_core::api::SalesTotals)>>
            {
                // CAST keeps PostgreSQL's SUM(bigint) (a NUMERIC) an integer on both backends.
                let rows: Vec<$crate::storage::sql::SalesRow> = sqlx::query_as(
                    "SELECT t.register_id AS register_id, \
                            CAST(COUNT(*) AS BIGINT) AS ticket_count, \
                            CAST(SUM(t.total_ttc) AS BIGINT) AS ttc, \
                            CAST(SUM(t.total_ht) AS BIGINT) AS ht, \
                            CAST(SUM(t.total_vat) AS BIGINT) AS vat \
                     FROM tickets t JOIN registers r ON r.id = t.register_id \
                     WHERE r.store_id = $1 AND t.business_date BETWEEN $2 AND $3 \
                     GROUP BY t.register_id ORDER BY t.register_id",
                )
                .bind(store_id)
                .bind(range.from)
                .bind(range.to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    };
}

pub(super) use impl_storage;
