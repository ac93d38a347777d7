//! The SQL both backends run. The statements use `$n` placeholders and types that SQLite and
//! PostgreSQL both map (i64, TEXT, dates, UTC timestamps), so one implementation, instantiated
//! per backend by [`impl_storage!`], serves both; only connection set-up and migrations differ.

use super::{ChainHead, StorageError, StorageResult};
use chrono::{DateTime, NaiveDate, Utc};
use multicaisse_core::api::SalesTotals;
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::{Closure, ClosureBody, ClosureKind};
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};
use multicaisse_core::ticket::{Ticket, TicketBody, TicketKind};
use multicaisse_core::Cents;

/// Rows per multi-row INSERT: well under SQLite's 32 766 and PostgreSQL's 65 535 bound
/// parameters at 15 columns a row.
pub(super) const TICKET_INSERT_CHUNK: usize = 1000;

pub(super) const STORE_COLUMNS: &str =
    "id, name, siret, address, vat_number, time_zone, fiscal_year_end_month";
pub(super) const REGISTER_COLUMNS: &str =
    "id, store_id, number, label, kind, status, created_at, activated_at, suspended_at";
pub(super) const TICKET_COLUMNS: &str =
    "sequence, kind, issued_at, lines, payments, previous_hash, hash";

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

/// A store and one of its registers (or none), from `stores LEFT JOIN registers`.
#[derive(sqlx::FromRow)]
pub(super) struct StoreRegisterRow {
    #[sqlx(flatten)]
    store: StoreRow,
    r_id: Option<i64>,
    r_number: Option<i32>,
    r_label: Option<String>,
    r_kind: Option<String>,
    r_status: Option<String>,
    r_created_at: Option<DateTime<Utc>>,
    r_activated_at: Option<DateTime<Utc>>,
    r_suspended_at: Option<DateTime<Utc>>,
}

pub(super) const STORE_REGISTERS_SQL: &str = "SELECT s.id, s.name, s.siret, s.address, \
     s.vat_number, s.time_zone, s.fiscal_year_end_month, r.id AS r_id, r.number AS r_number, \
     r.label AS r_label, r.kind AS r_kind, r.status AS r_status, r.created_at AS r_created_at, \
     r.activated_at AS r_activated_at, r.suspended_at AS r_suspended_at \
     FROM stores s LEFT JOIN registers r ON r.store_id = s.id WHERE s.id = $1 ORDER BY r.number";

/// The store of the rows and its registers by number; None without rows.
pub(super) fn store_with_registers(
    rows: Vec<StoreRegisterRow>,
) -> StorageResult<Option<(Store, Vec<Register>)>> {
    let mut registers = Vec::new();
    let mut store = None;
    for row in rows {
        if let (Some(id), Some(number), Some(label), Some(kind), Some(status), Some(created_at)) = (
            row.r_id,
            row.r_number,
            row.r_label,
            row.r_kind,
            row.r_status,
            row.r_created_at,
        ) {
            registers.push(Register::try_from(RegisterRow {
                id,
                store_id: row.store.id,
                number,
                label,
                kind,
                status,
                created_at,
                activated_at: row.r_activated_at,
                suspended_at: row.r_suspended_at,
            })?);
        }
        if store.is_none() {
            store = Some(Store::try_from(row.store)?);
        }
    }
    Ok(store.map(|store| (store, registers)))
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
    kind: String,
    issued_at: DateTime<Utc>,
    lines: String,
    payments: String,
    previous_hash: String,
    hash: String,
}

/// A ticket with what the server derived from it when storing it, as one element of the JSON
/// array of `SQLITE_STORED_TICKETS_PAGE`.
#[derive(serde::Deserialize)]
pub(super) struct StoredTicketJson(
    i64,
    String,
    String,
    Vec<multicaisse_core::ticket::TicketLine>,
    Vec<multicaisse_core::ticket::Payment>,
    ChainHash,
    ChainHash,
    NaiveDate,
    i64,
    i64,
    i64,
    i64,
    ChainHash,
);

/// A page of a register's stored tickets as one JSON document, on SQLite: one row instead of
/// thousands spares the driver a hand-over between its threads per row, which was most of the
/// cost of reading a year of tickets (the `zfiles` benchmark). It is built by concatenation,
/// which SQLite does faster than `json_array`: text columns are quoted by `json_quote`; lines
/// and payments are JSON the server wrote. PostgreSQL reads rows faster than it concatenates,
/// so it reads them as rows (`STORED_TICKET_COLUMNS`).
pub(super) const SQLITE_STORED_TICKETS_PAGE: &str = "SELECT '[' || COALESCE(group_concat('[' \
     || sequence || ',' || json_quote(kind) || ',' || json_quote(issued_at) || ',' || lines \
     || ',' || payments || ',' || json_quote(previous_hash) || ',' || json_quote(hash) || ',' \
     || json_quote(business_date) || ',' || total_ttc || ',' || total_ht || ',' || total_vat \
     || ',' || discount_total || ',' || json_quote(content_hash) || ']', ','), '') || ']' \
     FROM (SELECT * FROM tickets WHERE register_id = $1 AND sequence >= $2 \
     ORDER BY sequence LIMIT $3)";

/// A ticket with what the server derived from it when storing it.
#[derive(sqlx::FromRow)]
pub(super) struct StoredTicketRow {
    #[sqlx(flatten)]
    ticket: TicketRow,
    business_date: NaiveDate,
    total_ttc: i64,
    total_ht: i64,
    total_vat: i64,
    discount_total: i64,
    content_hash: String,
}

pub(super) const STORED_TICKET_COLUMNS: &str = "sequence, kind, issued_at, lines, payments, \
     previous_hash, hash, business_date, total_ttc, total_ht, total_vat, discount_total, content_hash";

impl TryFrom<StoredTicketRow> for (Ticket, multicaisse_core::verification::StoredTicket) {
    type Error = StorageError;
    fn try_from(row: StoredTicketRow) -> StorageResult<Self> {
        let sequence = row.ticket.sequence;
        let content_hash = ChainHash::from_hex(&row.content_hash)
            .map_err(|e| StorageError::Corrupt(format!("ticket {sequence}: {e}")))?;
        let stored = multicaisse_core::verification::StoredTicket {
            business_date: row.business_date,
            total_ttc: Cents(row.total_ttc),
            total_ht: Cents(row.total_ht),
            total_vat: Cents(row.total_vat),
            discount_total: Cents(row.discount_total),
            content_hash,
        };
        Ok((row.ticket.try_into()?, stored))
    }
}

/// The tickets of a page read by `SQLITE_STORED_TICKETS_PAGE`, in number order.
pub(super) fn stored_tickets_of_page(
    page: &str,
    from_sequence: u64,
) -> StorageResult<Vec<(Ticket, multicaisse_core::verification::StoredTicket)>> {
    let rows: Vec<StoredTicketJson> = serde_json::from_str(page).map_err(|e| {
        StorageError::Corrupt(format!("the tickets from number {from_sequence}: {e}"))
    })?;
    let mut tickets = rows
        .into_iter()
        .map(|row| {
            let StoredTicketJson(
                sequence,
                kind,
                issued_at,
                lines,
                payments,
                previous_hash,
                hash,
                business_date,
                total_ttc,
                total_ht,
                total_vat,
                discount_total,
                content_hash,
            ) = row;
            let corrupt =
                |what: String| StorageError::Corrupt(format!("ticket {sequence}: {what}"));
            let ticket = Ticket {
                body: TicketBody {
                    sequence: u64::try_from(sequence).map_err(|e| corrupt(e.to_string()))?,
                    kind: ticket_kind(&kind).ok_or_else(|| corrupt(format!("kind {kind}")))?,
                    issued_at: sqlite_utc(&issued_at)
                        .ok_or_else(|| corrupt(format!("issued at `{issued_at}`")))?,
                    lines,
                    payments,
                },
                previous_hash,
                hash,
            };
            let stored = multicaisse_core::verification::StoredTicket {
                business_date,
                total_ttc: Cents(total_ttc),
                total_ht: Cents(total_ht),
                total_vat: Cents(total_vat),
                discount_total: Cents(discount_total),
                content_hash,
            };
            Ok((ticket, stored))
        })
        .collect::<StorageResult<Vec<_>>>()?;
    // An aggregate's order is the database's choice; the chain walk needs number order.
    tickets.sort_by_key(|(ticket, _)| ticket.body.sequence);
    Ok(tickets)
}

/// A time as SQLite holds it: RFC 3339 as sqlx writes it, or without an offset (UTC), as
/// SQLite's own date functions write it; sqlx reads both.
fn sqlite_utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
                .iter()
                .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
                .map(|naive| naive.and_utc())
        })
}

fn ticket_kind(kind: &str) -> Option<TicketKind> {
    match kind {
        "sale" => Some(TicketKind::Sale),
        "refund" => Some(TicketKind::Refund),
        _ => None,
    }
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StorageError;
    fn try_from(row: TicketRow) -> StorageResult<Ticket> {
        let corrupt =
            |what: String| StorageError::Corrupt(format!("ticket {}: {what}", row.sequence));
        Ok(Ticket {
            body: TicketBody {
                sequence: u64::try_from(row.sequence).map_err(|e| corrupt(e.to_string()))?,
                kind: ticket_kind(&row.kind)
                    .ok_or_else(|| corrupt(format!("kind {}", row.kind)))?,
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
    pub kind: &'static str,
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
    /// `content_hash` is the hash the ticket's content gives, as the push plan computed it.
    pub fn new(
        ticket: &Ticket,
        content_hash: &ChainHash,
        time_zone: chrono_tz::Tz,
    ) -> StorageResult<TicketInsert> {
        let body = &ticket.body;
        let vat = body.vat_breakdown();
        Ok(TicketInsert {
            sequence: i64::try_from(body.sequence).map_err(|_| {
                StorageError::Conflict(format!("ticket number {} is out of range", body.sequence))
            })?,
            kind: match body.kind {
                TicketKind::Sale => "sale",
                TicketKind::Refund => "refund",
            },
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
            content_hash: content_hash.to_hex(),
        })
    }
}

/// Shared changes per multi-row insert: 9 values each stays far under SQLite's 32 766
/// parameters.
pub(super) const CHANGE_INSERT_CHUNK: usize = 1_000;

pub(super) fn number(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> StorageResult<String> {
    serde_json::to_string(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// A closure's columns, and the number of the closure it corrects (stored as its row id).
pub(super) const CLOSURE_COLUMNS: &str = "sequence, kind, period_start, period_end, \
     first_sequence, last_sequence, ticket_count, total_ttc, total_ht, vat_breakdown, payments, \
     cancellations_ttc, period_grand_total, perpetual_grand_total, last_ticket_hash, \
     previous_hash, hash, closed_at, (SELECT corrected.sequence FROM closures corrected \
     WHERE corrected.id = closures.corrects_closure_id) AS corrects";

/// A closure flattened into the columns the closures table stores.
pub(super) struct ClosureInsert {
    pub sequence: i64,
    pub kind: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub first_ticket: Option<i64>,
    pub last_ticket: Option<i64>,
    pub ticket_count: i64,
    pub total_ttc: i64,
    pub total_ht: i64,
    pub vat: String,
    pub payments: String,
    pub cancellations_ttc: i64,
    pub period_grand_total: i64,
    pub perpetual_grand_total: i64,
    pub last_ticket_hash: String,
    pub previous_hash: String,
    pub hash: String,
    pub content_hash: String,
    pub closed_at: DateTime<Utc>,
}

impl ClosureInsert {
    pub fn new(closure: &Closure, content_hash: &ChainHash) -> StorageResult<ClosureInsert> {
        let b = &closure.body;
        Ok(ClosureInsert {
            sequence: number(b.sequence),
            kind: b.kind.code(),
            period_start: b.period_start,
            period_end: b.period_end,
            first_ticket: b.first_ticket.map(number),
            last_ticket: b.last_ticket.map(number),
            ticket_count: number(b.ticket_count),
            total_ttc: b.total_ttc.0,
            total_ht: b.total_ht.0,
            vat: to_json(&b.vat)?,
            payments: to_json(&b.payments)?,
            cancellations_ttc: b.cancellations_ttc.0,
            period_grand_total: b.period_grand_total.0,
            perpetual_grand_total: b.perpetual_grand_total.0,
            last_ticket_hash: b.last_ticket_hash.to_hex(),
            previous_hash: closure.previous_hash.to_hex(),
            hash: closure.hash.to_hex(),
            content_hash: content_hash.to_hex(),
            closed_at: b.closed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ClosureRow {
    sequence: i64,
    kind: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
    first_sequence: Option<i64>,
    last_sequence: Option<i64>,
    ticket_count: i64,
    total_ttc: i64,
    total_ht: i64,
    vat_breakdown: String,
    payments: String,
    cancellations_ttc: i64,
    period_grand_total: i64,
    perpetual_grand_total: i64,
    last_ticket_hash: String,
    previous_hash: String,
    hash: String,
    closed_at: DateTime<Utc>,
    corrects: Option<i64>,
}

impl TryFrom<ClosureRow> for Closure {
    type Error = StorageError;
    fn try_from(row: ClosureRow) -> StorageResult<Closure> {
        let corrupt =
            |what: String| StorageError::Corrupt(format!("closure {}: {what}", row.sequence));
        let unsigned = |n: i64| u64::try_from(n).map_err(|e| corrupt(e.to_string()));
        let hash = |h: &str| ChainHash::from_hex(h).map_err(|e| corrupt(e.to_string()));
        Ok(Closure {
            body: ClosureBody {
                sequence: unsigned(row.sequence)?,
                kind: ClosureKind::from_code(&row.kind)
                    .ok_or_else(|| corrupt(format!("kind {}", row.kind)))?,
                period_start: row.period_start,
                period_end: row.period_end,
                first_ticket: row.first_sequence.map(unsigned).transpose()?,
                last_ticket: row.last_sequence.map(unsigned).transpose()?,
                ticket_count: unsigned(row.ticket_count)?,
                total_ttc: Cents(row.total_ttc),
                total_ht: Cents(row.total_ht),
                vat: serde_json::from_str(&row.vat_breakdown)
                    .map_err(|e| corrupt(e.to_string()))?,
                payments: serde_json::from_str(&row.payments)
                    .map_err(|e| corrupt(e.to_string()))?,
                cancellations_ttc: Cents(row.cancellations_ttc),
                period_grand_total: Cents(row.period_grand_total),
                perpetual_grand_total: Cents(row.perpetual_grand_total),
                last_ticket_hash: hash(&row.last_ticket_hash)?,
                closed_at: row.closed_at,
                corrects: row.corrects.map(unsigned).transpose()?,
            },
            previous_hash: hash(&row.previous_hash)?,
            hash: hash(&row.hash)?,
        })
    }
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

/// The two hash-chained tables.
#[derive(Debug, Clone, Copy)]
pub(super) enum ChainTable {
    Tickets,
    Closures,
}

impl ChainTable {
    pub(super) fn name(self) -> &'static str {
        match self {
            ChainTable::Tickets => "tickets",
            ChainTable::Closures => "closures",
        }
    }
}

pub(super) fn known_chain(
    rows: Vec<(i64, String, String, String)>,
    newest: Option<i64>,
) -> StorageResult<multicaisse_core::sync::KnownChain> {
    let number =
        |n: i64| u64::try_from(n).map_err(|_| StorageError::Corrupt(format!("record number {n}")));
    let hash = |h: &str| ChainHash::from_hex(h).map_err(|e| StorageError::Corrupt(e.to_string()));
    let records = rows
        .into_iter()
        .map(|(sequence, claimed, content, previous)| {
            let known = multicaisse_core::sync::KnownRecord {
                hash: hash(&claimed)?,
                content_hash: hash(&content)?,
                previous_hash: hash(&previous)?,
            };
            Ok((number(sequence)?, known))
        })
        .collect::<StorageResult<_>>()?;
    Ok(multicaisse_core::sync::KnownChain {
        records,
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
        impl $storage {
            /// What a register reported of itself, as its latest report, inside the caller's
            /// transaction (a push writes it with its records).
            async fn report_settings_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                register_id: i64,
                settings: &multicaisse_core::sync::RegisterSettings,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query(
                    "INSERT INTO register_settings (register_id, settings, reported_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (register_id) DO UPDATE \
                     SET settings = excluded.settings, reported_at = excluded.reported_at",
                )
                .bind(register_id)
                .bind($crate::storage::sql::to_json(settings)?)
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

            /// A push's shared changes, in a few multi-row statements whatever their
            /// number: each balance moves once by the sum of its deltas (so concurrent pushes
            /// still add up), and each log entry keeps the balance its movement left.
            async fn insert_changes_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                register: &multicaisse_core::store::Register,
                changes: &[&multicaisse_core::sync::SharedChange],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                use multicaisse_core::sync::Balance;
                let mut sums: std::collections::BTreeMap<(Balance, String), i64> =
                    std::collections::BTreeMap::new();
                for (balance, entity, delta) in changes.iter().filter_map(|c| c.change.movement()) {
                    *sums.entry((balance, entity.to_string())).or_default() += delta;
                }
                let mut finals = std::collections::BTreeMap::new();
                for (balance, table, column, key) in [
                    (Balance::Stock, "stock_levels", "quantity", "product"),
                    (Balance::Loyalty, "loyalty_balances", "points", "customer"),
                ] {
                    let moved: Vec<(&String, &i64)> = sums
                        .iter()
                        .filter(|((b, _), _)| *b == balance)
                        .map(|((_, entity), sum)| (entity, sum))
                        .collect();
                    for chunk in moved.chunks($crate::storage::sql::CHANGE_INSERT_CHUNK) {
                        let mut upsert = sqlx::QueryBuilder::<$db>::new(format!(
                            "INSERT INTO {table} (store_id, {key}, {column}) "
                        ));
                        upsert.push_values(chunk, |mut row, (entity, sum)| {
                            row.push_bind(register.store_id)
                                .push_bind((*entity).clone())
                                .push_bind(**sum);
                        });
                        upsert.push(format!(
                            " ON CONFLICT (store_id, {key}) DO UPDATE \
                             SET {column} = {table}.{column} + excluded.{column} \
                             RETURNING {key}, {column}"
                        ));
                        let rows: Vec<(String, i64)> =
                            upsert.build_query_as().fetch_all(&mut **tx).await?;
                        finals.extend(rows.into_iter().map(|(entity, level)| ((balance, entity), level)));
                    }
                }
                let after = multicaisse_core::sync::balances_after(changes, &finals);
                let rows = changes
                    .iter()
                    .zip(after)
                    .map(|(shared, level_after)| {
                        Ok((shared, $crate::storage::sql::to_json(&shared.change)?, level_after))
                    })
                    .collect::<$crate::storage::StorageResult<Vec<_>>>()?;
                for chunk in rows.chunks($crate::storage::sql::CHANGE_INSERT_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO store_changes (store_id, origin_register_id, change_id, \
                         kind, entity, payload, at, received_at, level_after) ",
                    );
                    insert.push_values(chunk, |mut row, (shared, payload, level_after)| {
                        row.push_bind(register.store_id)
                            .push_bind(register.id)
                            .push_bind(shared.id.clone())
                            .push_bind(shared.change.kind())
                            .push_bind(shared.change.entity().to_string())
                            .push_bind(payload.clone())
                            .push_bind(shared.at)
                            .push_bind(now)
                            .push_bind(*level_after);
                    });
                    insert.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Refuses, inside the caller's transaction, a session that does not hold its
            /// store's lease at `now_ms`; on PostgreSQL the lease row stays locked until
            /// the transaction ends, so no other register takes the lease meanwhile.
            async fn hold_lease_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                register: &multicaisse_core::store::Register,
                session_id: i64,
                now_ms: i64,
            ) -> $crate::storage::StorageResult<()> {
                let held: Option<(i64,)> = sqlx::query_as(&format!(
                    "SELECT session_id FROM sync_leases WHERE store_id = $1 AND register_id = $2 \
                     AND session_id = $3 AND expires_at_ms > $4{}",
                    Self::ROW_LOCK
                ))
                .bind(register.store_id)
                .bind(register.id)
                .bind(session_id)
                .bind(now_ms)
                .fetch_optional(&mut **tx)
                .await?;
                match held {
                    Some(_) => Ok(()),
                    None => Err($crate::storage::StorageError::Conflict(format!(
                        "sync session {session_id} does not hold the store's lease (it expired, ended, or is not this register's): begin a new sync"
                    ))),
                }
            }

            /// A register and its sync status row, inside the caller's transaction (a
            /// request's activation writes its decision in the same one).
            pub(crate) async fn insert_register_in(
                tx: &mut sqlx::Transaction<'_, $db>,
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

            /// The stored records of one chain around `first..=last` (see `known_chain`).
            async fn known_records(
                &self,
                table: $crate::storage::sql::ChainTable,
                register_id: i64,
                first: u64,
                last: u64,
            ) -> $crate::storage::StorageResult<multicaisse_core::sync::KnownChain> {
                let number = $crate::storage::sql::number;
                let table = table.name();
                let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
                    "SELECT sequence, hash, content_hash, previous_hash FROM {table} \
                     WHERE register_id = $1 AND sequence BETWEEN $2 AND $3"
                ))
                .bind(register_id)
                .bind(number(first.saturating_sub(1)))
                .bind(number(last.saturating_add(1)))
                .fetch_all(&self.pool)
                .await?;
                let (newest,): (Option<i64>,) =
                    sqlx::query_as(&format!("SELECT MAX(sequence) FROM {table} WHERE register_id = $1"))
                        .bind(register_id)
                        .fetch_one(&self.pool)
                        .await?;
                $crate::storage::sql::known_chain(rows, newest)
            }
        }

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

            async fn retire_register(
                &self,
                register_id: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query("UPDATE registers SET status = $1, suspended_at = $2 WHERE id = $3")
                    .bind(multicaisse_core::store::RegisterStatus::Suspended.code())
                    .bind(at)
                    .bind(register_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn insert_register(
                &self,
                register: &$crate::storage::NewRegister,
            ) -> $crate::storage::StorageResult<multicaisse_core::store::Register> {
                let mut tx = self.write_tx().await?;
                let register = Self::insert_register_in(&mut tx, register).await?;
                tx.commit().await?;
                Ok(register)
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

            async fn store_with_registers(
                &self,
                id: i64,
            ) -> $crate::storage::StorageResult<
                Option<(multicaisse_core::store::Store, Vec<multicaisse_core::store::Register>)>,
            > {
                let rows: Vec<$crate::storage::sql::StoreRegisterRow> =
                    sqlx::query_as($crate::storage::sql::STORE_REGISTERS_SQL)
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await?;
                $crate::storage::sql::store_with_registers(rows)
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
                self.known_records($crate::storage::sql::ChainTable::Tickets, register_id, first, last)
                    .await
            }

            async fn known_closures(
                &self,
                register_id: i64,
                first: u64,
                last: u64,
            ) -> $crate::storage::StorageResult<multicaisse_core::sync::KnownChain> {
                self.known_records($crate::storage::sql::ChainTable::Closures, register_id, first, last)
                    .await
            }

            async fn known_changes(
                &self,
                register_id: i64,
                ids: &[&str],
            ) -> $crate::storage::StorageResult<std::collections::HashMap<String, String>> {
                let mut known = std::collections::HashMap::new();
                for chunk in ids.chunks(500) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "SELECT change_id, payload FROM store_changes WHERE origin_register_id = ",
                    );
                    query.push_bind(register_id).push(" AND change_id IN (");
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(id.to_string());
                    }
                    query.push(")");
                    let rows: Vec<(String, String)> =
                        query.build_query_as().fetch_all(&self.pool).await?;
                    known.extend(rows);
                }
                Ok(known)
            }

            async fn ingest(
                &self,
                register: &multicaisse_core::store::Register,
                time_zone: chrono_tz::Tz,
                session_id: Option<i64>,
                plan: &$crate::storage::PushPlan<'_>,
            ) -> $crate::storage::StorageResult<()> {
                use $crate::storage::sql as q;
                let register_id = register.id;
                let rows = plan
                    .tickets
                    .new
                    .iter()
                    .zip(&plan.tickets.content_hashes)
                    .map(|(t, content_hash)| q::TicketInsert::new(t, content_hash, time_zone))
                    .collect::<$crate::storage::StorageResult<Vec<_>>>()?;
                let now = chrono::Utc::now();
                let mut tx = self.write_tx().await?;
                if let (Some(session_id), Some(now_ms)) = (session_id, plan.lease_held_at_ms) {
                    Self::hold_lease_in(&mut tx, register, session_id, now_ms).await?;
                }
                // Judged in the writing transaction, the register's row held until commit: a
                // decommission's suspension either commits first (and this push is refused)
                // or waits for this push (and sees what it brought).
                let (status,): (String,) = sqlx::query_as(&format!(
                    "SELECT status FROM registers WHERE id = $1{}",
                    Self::ROW_LOCK
                ))
                .bind(register_id)
                .fetch_one(&mut *tx)
                .await?;
                if !multicaisse_core::store::RegisterStatus::from_code(&status).is_some_and(|s| s.may_sync()) {
                    return Err($crate::storage::StorageError::Conflict(format!(
                        "register {} is out of service ({status}): nothing more is recorded for it",
                        register.number
                    )));
                }
                for chunk in rows.chunks(q::TICKET_INSERT_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tickets (register_id, sequence, kind, issued_at, business_date, \
                         lines, payments, total_ttc, total_ht, total_vat, discount_total, \
                         previous_hash, hash, content_hash, received_at) ",
                    );
                    insert.push_values(chunk, |mut row, t| {
                        row.push_bind(register_id)
                            .push_bind(t.sequence)
                            .push_bind(t.kind)
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
                // The day totals move with the tickets, in the same transaction.
                let days = multicaisse_core::rollup::roll_up(
                    plan.tickets.new.iter().map(|t| &t.body),
                    time_zone,
                );
                Self::upsert_rollups(&mut tx, register_id, &days).await?;
                for (closure, content_hash) in plan.closures.new.iter().zip(&plan.closures.content_hashes) {
                    let c = q::ClosureInsert::new(closure, content_hash)?;
                    sqlx::query(
                        "INSERT INTO closures (register_id, sequence, kind, period_start, \
                         period_end, first_sequence, last_sequence, ticket_count, total_ttc, \
                         total_ht, vat_breakdown, payments, cancellations_ttc, \
                         period_grand_total, perpetual_grand_total, last_ticket_hash, \
                         previous_hash, hash, content_hash, closed_at, received_at, \
                         corrects_closure_id) VALUES \
                         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                         $16, $17, $18, $19, $20, $21, (SELECT id FROM closures \
                         WHERE register_id = $1 AND sequence = $22))",
                    )
                    .bind(register_id)
                    .bind(c.sequence)
                    .bind(c.kind)
                    .bind(c.period_start)
                    .bind(c.period_end)
                    .bind(c.first_ticket)
                    .bind(c.last_ticket)
                    .bind(c.ticket_count)
                    .bind(c.total_ttc)
                    .bind(c.total_ht)
                    .bind(c.vat)
                    .bind(c.payments)
                    .bind(c.cancellations_ttc)
                    .bind(c.period_grand_total)
                    .bind(c.perpetual_grand_total)
                    .bind(c.last_ticket_hash)
                    .bind(c.previous_hash)
                    .bind(c.hash)
                    .bind(c.content_hash)
                    .bind(c.closed_at)
                    .bind(now)
                    .bind(closure.body.corrects.map(q::number))
                    .execute(&mut *tx)
                    .await?;
                }
                for gap in &plan.tickets.new_gaps {
                    sqlx::query(
                        "INSERT INTO ticket_gaps (register_id, first_missing, last_missing, \
                         detected_at, session_id) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (register_id, first_missing) DO NOTHING",
                    )
                    .bind(register_id)
                    .bind(q::number(gap.first))
                    .bind(q::number(gap.last))
                    .bind(now)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                let breaks = [("ticket", plan.tickets.chain_break), ("closure", plan.closures.chain_break)];
                for (record, sequence) in breaks {
                    let Some(sequence) = sequence else { continue };
                    // The lowest break of a chain is kept, whenever it arrives (a late record
                    // can break below one found earlier): everything after it is suspect.
                    sqlx::query(
                        "INSERT INTO chain_breaks (register_id, record, first_sequence, \
                         detected_at, session_id) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (register_id, record) DO UPDATE SET \
                         first_sequence = excluded.first_sequence, \
                         detected_at = excluded.detected_at, session_id = excluded.session_id \
                         WHERE excluded.first_sequence < chain_breaks.first_sequence",
                    )
                    .bind(register_id)
                    .bind(record)
                    .bind(q::number(sequence))
                    .bind(now)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                for explanation in plan.gap_explanations {
                    sqlx::query(
                        "UPDATE ticket_gaps SET explanation = $1, explained_at = $2 \
                         WHERE register_id = $3 AND first_missing = $4 AND last_missing = $5",
                    )
                    .bind(explanation.reason.trim())
                    .bind(now)
                    .bind(register_id)
                    .bind(q::number(explanation.first))
                    .bind(q::number(explanation.last))
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(settings) = plan.settings {
                    Self::report_settings_in(&mut tx, register_id, settings, now).await?;
                }
                if !plan.changes.is_empty() {
                    Self::insert_changes_in(&mut tx, register, &plan.changes, now).await?;
                }
                if !plan.changes.is_empty() {
                    // Every other register of the store now lacks these changes.
                    sqlx::query(
                        "UPDATE register_sync_status SET behind = behind + $1 \
                         WHERE store_id = $2 AND register_id <> $3",
                    )
                    .bind(plan.changes.len() as i64)
                    .bind(register.store_id)
                    .bind(register_id)
                    .execute(&mut *tx)
                    .await?;
                }
                let (digest, response) = &plan.receipt;
                sqlx::query(
                    "INSERT INTO push_receipts (register_id, digest, response, created_at, \
                     session_id) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(register_id)
                .bind(*digest)
                .bind(response)
                .bind(now)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
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

            async fn pull(
                &self,
                register: &multicaisse_core::store::Register,
                session_id: Option<i64>,
                lease_held_at_ms: Option<i64>,
                limit: u32,
            ) -> $crate::storage::StorageResult<$crate::storage::PulledPage> {
                let now = chrono::Utc::now();
                let mut tx = self.write_tx().await?;
                if let (Some(session_id), Some(now_ms)) = (session_id, lease_held_at_ms) {
                    Self::hold_lease_in(&mut tx, register, session_id, now_ms).await?;
                }
                let cursor: Option<(i64,)> =
                    sqlx::query_as("SELECT cursor FROM register_cursors WHERE register_id = $1")
                        .bind(register.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let cursor = cursor.map_or(0, |c| c.0);
                let (head,): (Option<i64>,) =
                    sqlx::query_as("SELECT MAX(id) FROM store_changes WHERE store_id = $1")
                        .bind(register.store_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let head = head.unwrap_or(0);
                let rows: Vec<(i64, i64, String, String, chrono::DateTime<chrono::Utc>, Option<i64>)> =
                    sqlx::query_as(
                        "SELECT id, origin_register_id, change_id, payload, at, level_after \
                         FROM store_changes WHERE store_id = $1 AND id > $2 \
                         AND origin_register_id <> $3 ORDER BY id LIMIT $4",
                    )
                    .bind(register.store_id)
                    .bind(cursor)
                    .bind(register.id)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
                // A full page ends at its last change; a short one has seen everything up to
                // the head (the register's own changes included).
                let new_cursor = if rows.len() as u64 == u64::from(limit) {
                    rows.last().map_or(cursor, |r| r.0)
                } else {
                    head
                };
                let (remaining,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM store_changes WHERE store_id = $1 \
                     AND id > $2 AND origin_register_id <> $3",
                )
                .bind(register.store_id)
                .bind(new_cursor)
                .bind(register.id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO register_cursors (register_id, cursor, pulled_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (register_id) DO UPDATE SET cursor = excluded.cursor, \
                     pulled_at = excluded.pulled_at",
                )
                .bind(register.id)
                .bind(new_cursor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE register_sync_status SET behind = $1 WHERE register_id = $2")
                    .bind(remaining)
                    .bind(register.id)
                    .execute(&mut *tx)
                    .await?;
                if let Some(session_id) = session_id {
                    sqlx::query(
                        "UPDATE sync_sessions SET changes_pulled = changes_pulled + $1 WHERE id = $2",
                    )
                    .bind(rows.len() as i64)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                let changes = rows
                    .into_iter()
                    .map(|(version, origin, id, payload, at, level_after)| {
                        let change = serde_json::from_str(&payload).map_err(|e| {
                            $crate::storage::StorageError::Corrupt(format!("change {version}: {e}"))
                        })?;
                        let shared = multicaisse_core::sync::SharedChange { id, at, change };
                        Ok((version, origin, shared, level_after))
                    })
                    .collect::<$crate::storage::StorageResult<Vec<_>>>()?;
                Ok($crate::storage::PulledPage {
                    changes,
                    cursor: new_cursor,
                    head,
                    remaining: u64::try_from(remaining).unwrap_or(0),
                })
            }

            async fn stock_levels(
                &self,
                store_id: i64,
            ) -> $crate::storage::StorageResult<Vec<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT product, quantity FROM stock_levels WHERE store_id = $1 ORDER BY product",
                )
                .bind(store_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn register_settings(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<
                Option<(multicaisse_core::sync::RegisterSettings, chrono::DateTime<chrono::Utc>)>,
            > {
                let row: Option<(String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "SELECT settings, reported_at FROM register_settings WHERE register_id = $1",
                )
                .bind(register_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(json, reported_at)| {
                    serde_json::from_str(&json)
                        .map(|settings| (settings, reported_at))
                        .map_err(|e| $crate::storage::StorageError::Corrupt(format!("settings: {e}")))
                })
                .transpose()
            }

            async fn open_gaps(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::sync::OpenGap>> {
                let rows: Vec<(i64, i64, Option<String>, i64)> = sqlx::query_as(
                    "SELECT g.first_missing, g.last_missing, g.explanation, \
                            CAST((SELECT COUNT(*) FROM tickets t WHERE t.register_id = g.register_id \
                                  AND t.sequence BETWEEN g.first_missing AND g.last_missing) AS BIGINT) \
                     FROM ticket_gaps g WHERE g.register_id = $1 ORDER BY g.first_missing",
                )
                .bind(register_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(first, last, explanation, present)| {
                        let size = last - first + 1;
                        (present < size).then(|| multicaisse_core::sync::OpenGap {
                            first: u64::try_from(first).unwrap_or(0),
                            last: u64::try_from(last).unwrap_or(0),
                            missing: u64::try_from(size - present).unwrap_or(0),
                            explanation,
                        })
                    })
                    .collect())
            }

            async fn push_receipt(
                &self,
                register_id: i64,
                digest: &str,
            ) -> $crate::storage::StorageResult<Option<(String, Option<i64>)>> {
                let row: Option<(String, Option<i64>)> = sqlx::query_as(
                    "SELECT response, session_id FROM push_receipts \
                     WHERE register_id = $1 AND digest = $2",
                )
                .bind(register_id)
                .bind(digest)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row)
            }

            async fn replay_settings(
                &self,
                register_id: i64,
                settings: &multicaisse_core::sync::RegisterSettings,
                at: chrono::DateTime<chrono::Utc>,
                news: bool,
            ) -> $crate::storage::StorageResult<()> {
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

            async fn revoke_devices(
                &self,
                register_id: i64,
                reason: &str,
                now: chrono::DateTime<chrono::Utc>,
                audit: &(dyn Fn(u64) -> $crate::storage::accounts::NewAuditEntry + Send + Sync),
            ) -> $crate::storage::StorageResult<u64> {
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

            async fn sync_sessions(
                &self,
                store_id: i64,
                limit: u32,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::sync::SyncSession>> {
                type Row = (
                    i64,
                    i64,
                    chrono::DateTime<chrono::Utc>,
                    Option<chrono::DateTime<chrono::Utc>>,
                    String,
                    i64,
                    i64,
                    Option<String>,
                );
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT id, register_id, started_at, ended_at, outcome, tickets_pushed, \
                     changes_pulled, detail FROM sync_sessions WHERE store_id = $1 \
                     ORDER BY id DESC LIMIT $2",
                )
                .bind(store_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, register_id, started_at, ended_at, outcome, pushed, pulled, detail)| {
                        multicaisse_core::sync::SyncSession {
                            id,
                            register_id,
                            started_at,
                            ended_at,
                            outcome,
                            tickets_pushed: u64::try_from(pushed).unwrap_or(0),
                            changes_pulled: u64::try_from(pulled).unwrap_or(0),
                            duration_ms: ended_at.map(|end| (end - started_at).num_milliseconds()),
                            detail,
                        }
                    })
                    .collect())
            }

            async fn chain_breaks(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<(Option<u64>, Option<u64>)> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT record, first_sequence FROM chain_breaks WHERE register_id = $1",
                )
                .bind(register_id)
                .fetch_all(&self.pool)
                .await?;
                let of = |record: &str| {
                    rows.iter()
                        .find(|(r, _)| r == record)
                        .and_then(|(_, n)| u64::try_from(*n).ok())
                };
                Ok((of("ticket"), of("closure")))
            }

            async fn closures(
                &self,
                register_id: i64,
                from_sequence: u64,
                limit: u32,
            ) -> $crate::storage::StorageResult<Vec<multicaisse_core::closure::Closure>> {
                let sql = format!(
                    "SELECT {} FROM closures WHERE register_id = $1 AND sequence >= $2 \
                     ORDER BY sequence LIMIT $3",
                    $crate::storage::sql::CLOSURE_COLUMNS
                );
                let rows: Vec<$crate::storage::sql::ClosureRow> = sqlx::query_as(&sql)
                    .bind(register_id)
                    .bind($crate::storage::sql::number(from_sequence))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
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
                let mut tx = self.write_tx().await?;
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
                // Checked in the transaction that pairs: a register suspended since the code
                // was made gets no token.
                let (store_id, status): (i64, String) =
                    sqlx::query_as("SELECT store_id, status FROM registers WHERE id = $1")
                        .bind(register_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let status = multicaisse_core::store::RegisterStatus::from_code(&status)
                    .ok_or_else(|| $crate::storage::StorageError::Corrupt(format!("register status `{status}`")))?;
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
                    "INSERT INTO audit_log (at, event, store_id, detail) VALUES ($1, $2, $3, $4)",
                )
                .bind(now)
                .bind(multicaisse_core::auth::AuditEvent::DevicePaired.code())
                .bind(store_id)
                .bind(format!(
                    "register {register_id}: {device_name} ({device_model}) paired; \
                     {replaced} earlier token(s) revoked"
                ))
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
                let mut tx = self.write_tx().await?;
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
                        "UPDATE register_sync_status SET last_attempt_outcome = 'expired' \
                         WHERE register_id IN (SELECT register_id FROM sync_sessions \
                         WHERE store_id = $1 AND outcome = 'in_progress' AND id <> $2) \
                         AND last_attempt_outcome = 'in_progress'",
                    )
                    .bind(store_id)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
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
                        "UPDATE sync_sessions SET outcome = 'refused', ended_at = $1, detail = $2, \
                         blocked_by_register_id = $4 WHERE id = $3",
                    )
                    .bind(now)
                    .bind(format!("lease held by register id {holder_register_id}"))
                    .bind(session_id)
                    .bind(holder_register_id)
                    .execute(&mut *tx)
                    .await?;
                    $crate::storage::LeaseOutcome::Busy {
                        session_id,
                        holder_register_id,
                        expires_at_ms: expires,
                    }
                };
                let attempt = match outcome {
                    $crate::storage::LeaseOutcome::Acquired { .. } => "in_progress",
                    $crate::storage::LeaseOutcome::Busy { .. } => "refused",
                };
                sqlx::query(
                    "UPDATE register_sync_status SET last_attempt_at = $1, last_attempt_outcome = $2 \
                     WHERE register_id = $3",
                )
                .bind(now)
                .bind(attempt)
                .bind(register_id)
                .execute(&mut *tx)
                .await?;
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
                let mut tx = self.write_tx().await?;
                // An expired lease completes nothing: a decommission counts completed syncs,
                // and one that lost its lease may have been overtaken.
                let released = sqlx::query(
                    "DELETE FROM sync_leases WHERE store_id = $1 AND register_id = $2 \
                     AND session_id = $3 AND expires_at_ms > $4",
                )
                .bind(store_id)
                .bind(register_id)
                .bind(session_id)
                .bind(now.timestamp_millis())
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
                sqlx::query(
                    "UPDATE register_sync_status SET last_sync_at = $1, \
                     last_attempt_outcome = 'completed' WHERE register_id = $2",
                )
                .bind(now)
                .bind(register_id)
                .execute(&mut *tx)
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

            async fn closure_head(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<Option<$crate::storage::ChainHead>> {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT sequence, hash FROM closures WHERE register_id = $1 \
                     ORDER BY sequence DESC LIMIT 1",
                )
                .bind(register_id)
                .fetch_optional(&self.pool)
                .await?;
                $crate::storage::sql::chain_head(row)
            }

            async fn register_total(
                &self,
                register_id: i64,
            ) -> $crate::storage::StorageResult<multicaisse_core::Cents> {
                let (total,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(total_ttc), 0) AS BIGINT) FROM tickets WHERE register_id = $1",
                )
                .bind(register_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(multicaisse_core::Cents(total))
            }

            async fn ticket_page(
                &self,
                register_id: i64,
                range: multicaisse_core::period::DateRange,
                search: multicaisse_core::api::TicketSearch,
                offset: u64,
                limit: u32,
            ) -> $crate::storage::StorageResult<(u64, Vec<multicaisse_core::ticket::Ticket>)> {
                use multicaisse_core::api::TicketSearch;
                // A number is looked for whatever the period; an amount within it.
                let (filter, key) = match search {
                    TicketSearch::All => ("business_date BETWEEN $2 AND $3", 0),
                    TicketSearch::Number(n) => (
                        "sequence = $4 AND $2 <= $3",
                        i64::try_from(n).unwrap_or(i64::MAX),
                    ),
                    TicketSearch::Amount(amount) => (
                        "business_date BETWEEN $2 AND $3 AND (total_ttc = $4 OR total_ttc = -$4)",
                        amount.0,
                    ),
                };
                let (count,): (i64,) = sqlx::query_as(&format!(
                    "SELECT COUNT(*) FROM tickets WHERE register_id = $1 AND {filter} \
                     AND $4 = $4"
                ))
                .bind(register_id)
                .bind(range.from)
                .bind(range.to)
                .bind(key)
                .fetch_one(&self.pool)
                .await?;
                let rows: Vec<$crate::storage::sql::TicketRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM tickets WHERE register_id = $1 AND {filter} AND $4 = $4 \
                     ORDER BY sequence DESC LIMIT $5 OFFSET $6",
                    $crate::storage::sql::TICKET_COLUMNS
                ))
                .bind(register_id)
                .bind(range.from)
                .bind(range.to)
                .bind(key)
                .bind(i64::from(limit))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let tickets = rows
                    .into_iter()
                    .map(TryInto::try_into)
                    .collect::<$crate::storage::StorageResult<Vec<_>>>()?;
                Ok((u64::try_from(count).unwrap_or(0), tickets))
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

            async fn fec_accounts(
                &self,
                store_id: i64,
            ) -> $crate::storage::StorageResult<Option<multicaisse_core::fec::FecAccounts>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT accounts FROM store_fec_accounts WHERE store_id = $1")
                        .bind(store_id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(json,)| {
                    serde_json::from_str(&json).map_err(|e| {
                        $crate::storage::StorageError::Corrupt(format!("FEC accounts: {e}"))
                    })
                })
                .transpose()
            }

            async fn set_fec_accounts(
                &self,
                store_id: i64,
                accounts: &multicaisse_core::fec::FecAccounts,
            ) -> $crate::storage::StorageResult<()> {
                sqlx::query(
                    "INSERT INTO store_fec_accounts (store_id, accounts, updated_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (store_id) DO UPDATE \
                     SET accounts = excluded.accounts, updated_at = excluded.updated_at",
                )
                .bind(store_id)
                .bind($crate::storage::sql::to_json(accounts)?)
                .bind(chrono::Utc::now())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn stored_tickets(
                &self,
                register_id: i64,
                from_sequence: u64,
                limit: u32,
            ) -> $crate::storage::StorageResult<
                Vec<(multicaisse_core::ticket::Ticket, multicaisse_core::verification::StoredTicket)>,
            > {
                let from = i64::try_from(from_sequence).unwrap_or(i64::MAX);
                if $backend == "sqlite" {
                    let page: String =
                        sqlx::query_scalar($crate::storage::sql::SQLITE_STORED_TICKETS_PAGE)
                            .bind(register_id)
                            .bind(from)
                            .bind(i64::from(limit))
                            .fetch_one(&self.pool)
                            .await?;
                    return $crate::storage::sql::stored_tickets_of_page(&page, from_sequence);
                }
                let sql = format!(
                    "SELECT {} FROM tickets WHERE register_id = $1 AND sequence >= $2 \
                     ORDER BY sequence LIMIT $3",
                    $crate::storage::sql::STORED_TICKET_COLUMNS
                );
                let rows: Vec<$crate::storage::sql::StoredTicketRow> = sqlx::query_as(&sql)
                    .bind(register_id)
                    .bind(from)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_times_read_as_sqlx_and_sqlite_write_them() {
        let at = Utc.with_ymd_and_hms(2026, 3, 31, 22, 15, 7).unwrap();
        assert_eq!(sqlite_utc("2026-03-31T22:15:07+00:00"), Some(at));
        assert_eq!(sqlite_utc("2026-04-01T00:15:07+02:00"), Some(at));
        assert_eq!(sqlite_utc("2026-03-31 22:15:07"), Some(at));
        assert_eq!(
            sqlite_utc("2026-03-31T22:15:07.250Z"),
            Some(at + chrono::Duration::milliseconds(250))
        );
        assert_eq!(sqlite_utc("31/03/2026 22:15"), None);
    }

    #[test]
    fn a_page_reads_in_number_order_and_names_what_is_unreadable() {
        let hash = "0".repeat(64);
        let row = |sequence: u64, kind: &str| {
            format!(
                r#"[{sequence},"{kind}","2026-03-31 10:00:00",[{{"label":"Morgon","quantity":1,"unit_price_ttc":1500,"vat_rate":2000,"discount":0}}],[{{"method":"card","amount":1500}}],"{hash}","{hash}","2026-03-31",1500,1250,250,0,"{hash}"]"#
            )
        };
        let page = format!("[{},{}]", row(8, "sale"), row(7, "refund"));
        let tickets = stored_tickets_of_page(&page, 7).unwrap();
        let numbers: Vec<u64> = tickets.iter().map(|(t, _)| t.body.sequence).collect();
        assert_eq!(numbers, [7, 8]);
        assert_eq!(tickets[0].0.body.kind, TicketKind::Refund);
        assert_eq!(tickets[1].1.total_ht, Cents(1250));
        let error = stored_tickets_of_page(&format!("[{}]", row(9, "void")), 9).unwrap_err();
        assert!(error.to_string().contains("ticket 9: kind void"), "{error}");
        let error = stored_tickets_of_page("[[9]", 9).unwrap_err();
        assert!(error.to_string().contains("from number 9"), "{error}");
    }
}
