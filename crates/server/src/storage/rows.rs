//! The SQL both backends run. The statements use `$n` placeholders and types that SQLite and
//! PostgreSQL both map (i64, TEXT, dates, UTC timestamps), so one implementation, instantiated
//! per backend by the macros of each aggregate (`stores`, `ingest`, `journal`, …), serves both; only connection set-up and migrations differ.

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

pub(super) fn ticket_kind(kind: &str) -> Option<TicketKind> {
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

/// A sync session as the store's page lists it.
#[derive(sqlx::FromRow)]
pub(super) struct SyncSessionRow {
    pub(super) id: i64,
    pub(super) register_id: i64,
    pub(super) started_at: DateTime<Utc>,
    pub(super) ended_at: Option<DateTime<Utc>>,
    pub(super) outcome: String,
    pub(super) tickets_pushed: i64,
    pub(super) changes_pulled: i64,
    pub(super) detail: Option<String>,
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
