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
/// parameters at 14 columns a row.
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
    pub content_hash: String,
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
            content_hash: ticket.content_hash().to_hex(),
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

pub(super) fn known_chain(
    rows: Vec<(i64, String, String)>,
    newest: Option<i64>,
) -> StorageResult<multicaisse_core::sync::KnownChain> {
    let number =
        |n: i64| u64::try_from(n).map_err(|_| StorageError::Corrupt(format!("ticket number {n}")));
    let hash = |h: &str| ChainHash::from_hex(h).map_err(|e| StorageError::Corrupt(e.to_string()));
    let tickets = rows
        .into_iter()
        .map(|(sequence, claimed, content)| {
            let known = multicaisse_core::sync::KnownTicket {
                hash: hash(&claimed)?,
                content_hash: hash(&content)?,
            };
            Ok((number(sequence)?, known))
        })
        .collect::<StorageResult<_>>()?;
    Ok(multicaisse_core::sync::KnownChain {
        tickets,
        last: newest.map(number).transpose()?,
    })
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

            async fn register(
                &self,
                id: i64,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::store::Register>> {
                let sql = format!(
                    "SELECT {} FROM registers WHERE id = $1",
                    $crate::storage::sql::REGISTER_COLUMNS
                );
                let row: Option<$crate::storage::sql::RegisterRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn known_chain(
                &self,
                register_id: i64,
                first: u64,
                last: u64,
            ) -> $crate::storage::StorageResult<multicaisse_core::sync::KnownChain> {
                let number = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT sequence, hash, content_hash FROM tickets WHERE register_id = $1 \
                     AND sequence BETWEEN $2 AND $3",
                )
                .bind(register_id)
                .bind(number(first.saturating_sub(1)))
                .bind(number(last))
                .fetch_all(&self.pool)
                .await?;
                let (newest,): (Option<i64>,) =
                    sqlx::query_as("SELECT MAX(sequence) FROM tickets WHERE register_id = $1")
                        .bind(register_id)
                        .fetch_one(&self.pool)
                        .await?;
                $crate::storage::sql::known_chain(rows, newest)
            }

            async fn ingest(
                &self,
                register_id: i64,
                time_zone: chrono_tz::Tz,
                session_id: Option<i64>,
                plan: &multicaisse_core::sync::IngestPlan<'_>,
            ) -> $crate::storage::StorageResult<()> {
                let rows = plan
                    .new
                    .iter()
                    .map(|t| $crate::storage::sql::TicketInsert::new(t, time_zone))
                    .collect::<$crate::storage::StorageResult<Vec<_>>>()?;
                let now = chrono::Utc::now();
                let mut tx = self.pool.begin().await?;
                for chunk in rows.chunks($crate::storage::sql::TICKET_INSERT_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tickets (register_id, sequence, issued_at, business_date, \
                         lines, payments, total_ttc, total_ht, total_vat, discount_total, \
                         previous_hash, hash, content_hash, received_at) ",
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
                            .push_bind(t.content_hash.clone())
                            .push_bind(now);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                for gap in &plan.new_gaps {
                    sqlx::query(
                        "INSERT INTO ticket_gaps (register_id, first_missing, last_missing, \
                         detected_at, session_id) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (register_id, first_missing) DO NOTHING",
                    )
                    .bind(register_id)
                    .bind(i64::try_from(gap.first).unwrap_or(i64::MAX))
                    .bind(i64::try_from(gap.last).unwrap_or(i64::MAX))
                    .bind(now)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(sequence) = plan.chain_break {
                    // Only the first break of a register is kept: everything after it is suspect.
                    sqlx::query(
                        "INSERT INTO chain_breaks (register_id, first_sequence, detected_at, \
                         session_id) VALUES ($1, $2, $3, $4) ON CONFLICT (register_id) DO NOTHING",
                    )
                    .bind(register_id)
                    .bind(i64::try_from(sequence).unwrap_or(i64::MAX))
                    .bind(now)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(session_id) = session_id {
                    sqlx::query(
                        "UPDATE sync_sessions SET tickets_pushed = tickets_pushed + $1 WHERE id = $2",
                    )
                    .bind(rows.len() as i64)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_pairing_code(
                &self,
                register_id: i64,
                code_hash: &str,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
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
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<$crate::storage::Redeemed> {
                use $crate::storage::Redeemed;
                let mut tx = self.pool.begin().await?;
                let code: Option<(i64, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>)> =
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
                tx.commit().await?;
                Ok(Redeemed::Paired { register_id })
            }

            async fn device(
                &self,
                token_hash: &str,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::Device>> {
                let row: Option<(i64, Option<chrono::DateTime<chrono::Utc>>, Option<String>)> =
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

            async fn begin_sync(
                &self,
                store_id: i64,
                register_id: i64,
                now: chrono::DateTime<chrono::Utc>,
                expires_at_ms: i64,
            ) -> $crate::storage::StorageResult<$crate::storage::LeaseOutcome> {
                let mut tx = self.pool.begin().await?;
                let (session_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO sync_sessions (store_id, register_id, started_at, outcome) \
                     VALUES ($1, $2, $3, 'in_progress') RETURNING id",
                )
                .bind(store_id)
                .bind(register_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                // One row per store: the conflict clause is the arbiter between racing
                // registers, in one process or several.
                let won: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO sync_leases (store_id, register_id, session_id, expires_at_ms) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (store_id) DO UPDATE SET register_id = excluded.register_id, \
                     session_id = excluded.session_id, expires_at_ms = excluded.expires_at_ms \
                     WHERE sync_leases.expires_at_ms <= $5 \
                        OR sync_leases.register_id = excluded.register_id \
                     RETURNING session_id",
                )
                .bind(store_id)
                .bind(register_id)
                .bind(session_id)
                .bind(expires_at_ms)
                .bind(now.timestamp_millis())
                .fetch_optional(&mut *tx)
                .await?;
                let outcome = if won == Some((session_id,)) {
                    sqlx::query(
                        "UPDATE sync_sessions SET outcome = 'expired', ended_at = $1 \
                         WHERE store_id = $2 AND outcome = 'in_progress' AND id <> $3",
                    )
                    .bind(now)
                    .bind(store_id)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                    $crate::storage::LeaseOutcome::Acquired { session_id }
                } else {
                    let (holder_register_id, expires): (i64, i64) = sqlx::query_as(
                        "SELECT register_id, expires_at_ms FROM sync_leases WHERE store_id = $1",
                    )
                    .bind(store_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE sync_sessions SET outcome = 'refused', ended_at = $1, detail = $2 \
                         WHERE id = $3",
                    )
                    .bind(now)
                    .bind(format!("lease held by register id {holder_register_id}"))
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                    $crate::storage::LeaseOutcome::Busy {
                        session_id,
                        holder_register_id,
                        expires_at_ms: expires,
                    }
                };
                tx.commit().await?;
                Ok(outcome)
            }

            async fn renew_lease(
                &self,
                store_id: i64,
                register_id: i64,
                session_id: i64,
                now_ms: i64,
                expires_at_ms: i64,
            ) -> $crate::storage::StorageResult<bool> {
                let renewed = sqlx::query(
                    "UPDATE sync_leases SET expires_at_ms = $1 WHERE store_id = $2 \
                     AND register_id = $3 AND session_id = $4 AND expires_at_ms > $5",
                )
                .bind(expires_at_ms)
                .bind(store_id)
                .bind(register_id)
                .bind(session_id)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(renewed.rows_affected() == 1)
            }

            async fn end_sync(
                &self,
                store_id: i64,
                register_id: i64,
                session_id: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::EndedSession>> {
                let mut tx = self.pool.begin().await?;
                let released = sqlx::query(
                    "DELETE FROM sync_leases WHERE store_id = $1 AND register_id = $2 \
                     AND session_id = $3",
                )
                .bind(store_id)
                .bind(register_id)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
                if released.rows_affected() != 1 {
                    return Ok(None);
                }
                let (started_at, tickets_pushed): (chrono::DateTime<chrono::Utc>, i64) = sqlx::query_as(
                    "UPDATE sync_sessions SET outcome = 'completed', ended_at = $1 WHERE id = $2 \
                     RETURNING started_at, tickets_pushed",
                )
                .bind(now)
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some($crate::storage::EndedSession {
                    started_at,
                    tickets_pushed: u64::try_from(tickets_pushed).unwrap_or(0),
                }))
            }

            async fn record_incident(
                &self,
                store_id: Option<i64>,
                register_id: Option<i64>,
                session_id: Option<i64>,
                kind: &str,
                detail: &str,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query(
                    "INSERT INTO sync_incidents (store_id, register_id, session_id, at, kind, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(store_id)
                .bind(register_id)
                .bind(session_id)
                .bind(chrono::Utc::now())
                .bind(kind)
                .bind(detail)
                .execute(&self.pool)
                .await?;
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
