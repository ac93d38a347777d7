//! The sync protocol a register (iPad) speaks, and the rules for ingesting what it pushes.
//!
//! A sync is a session under the register's lease: `begin` → `push`… → `end`. The registers of
//! a store sync at the same time (the seed's "never two at once" is not needed: each register's
//! records have one writer, and shared stock and loyalty move by deltas that add up in any
//! order); only two sessions of one register are refused. Pushing is idempotent
//! per (register, ticket number): the same ticket twice changes nothing; the same number with
//! other content is refused. What a register sent is never dropped nor rewritten: a ticket whose
//! hash or link does not verify is kept and the break recorded; a skipped number is a gap, kept
//! visible until the register explains it.

use crate::chain::ChainHash;
use crate::closure::{Closure, ClosureBody, ClosureError};
use crate::money::Cents;
use crate::store::Register;
use crate::ticket::{PaymentMethod, Ticket, TicketError};
use crate::vat::VatRate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most tickets one push may carry; larger batches get 413 and must be split.
pub const MAX_TICKETS_PER_PUSH: usize = 5_000;
/// Closures in one push: a register's six years of daily, monthly and annual Z fit in five
/// pushes, and no push holds the (SQLite: the only) write lock for long.
pub const MAX_CLOSURES_PER_PUSH: usize = 500;
/// Shared changes in one push, for the same reason.
pub const MAX_CHANGES_PER_PUSH: usize = 5_000;
/// Request bodies above this get 413 before being read.
pub const MAX_PUSH_BODY_BYTES: usize = 8 * 1024 * 1024;
/// A lease not renewed for this long is over: a crashed iPad must not block its own next sync.
pub const LEASE_SECONDS: i64 = 120;
/// How long a pairing code stays usable.
pub const PAIRING_CODE_HOURS: i64 = 24;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 64)))]
    pub code: String,
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 100), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub device_name: String,
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 100), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub device_model: String,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairResponse {
    /// Shown once; the server keeps only its hash.
    pub token: String,
    pub register: Register,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    pub code: String,
    pub register_id: i64,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeginResponse {
    pub session_id: i64,
    pub lease_expires_at: DateTime<Utc>,
    /// The register's newest ticket the server holds, so it knows where to resume.
    pub last_ticket: Option<u64>,
    pub last_ticket_hash: Option<ChainHash>,
    /// The register's newest closure the server holds.
    pub last_closure: Option<u64>,
    pub last_closure_hash: Option<ChainHash>,
    /// The sum of every ticket of the register the server holds: what its next closure's
    /// perpetual grand total continues from when the iPad was reinstalled.
    pub perpetual_grand_total: Cents,
}

/// The body of a 409 on `begin`: who holds the lease, and when to try again.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseBusy {
    pub error: String,
    pub holder_register_number: u32,
    pub holder_label: String,
    pub retry_after_seconds: u64,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub session_id: i64,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub session_id: i64,
    #[serde(default)]
    pub tickets: Vec<Ticket>,
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// The register's settings as they are now, when it reports them.
    #[serde(default)]
    pub settings: Option<RegisterSettings>,
    /// Changes to the data the store's registers share.
    #[serde(default)]
    pub changes: Vec<SharedChange>,
    /// Why ticket numbers are missing (a gap the server reported).
    #[serde(default)]
    pub gap_explanations: Vec<GapExplanation>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Told to whoever later presents the token, and kept.
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 100), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub reason: String,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeResponse {
    pub register_id: i64,
    pub revoked_tokens: u64,
}

/// One sync attempt of a register, accepted or refused.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSession {
    pub id: i64,
    pub register_id: i64,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// in_progress, completed, refused, expired
    pub outcome: String,
    pub tickets_pushed: u64,
    pub changes_pulled: u64,
    pub duration_ms: Option<i64>,
    pub detail: Option<String>,
}

/// A register's account of a gap in its ticket numbers.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapExplanation {
    pub first: u64,
    pub last: u64,
    pub reason: String,
}

/// A gap in a register's ticket numbers that later tickets have not filled.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenGap {
    pub first: u64,
    pub last: u64,
    /// How many of these numbers are still missing.
    pub missing: u64,
    pub explanation: Option<String>,
}

/// What the server knows of a register's journal integrity.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    pub register_id: i64,
    pub last_ticket: Option<u64>,
    pub open_gaps: Vec<OpenGap>,
    /// The first ticket whose hash or link did not verify, if any.
    pub ticket_chain_break: Option<u64>,
    /// The first closure whose hash or link did not verify, if any.
    pub closure_chain_break: Option<u64>,
}

/// What a register reports of its own configuration, to be checked against the store's
/// (set-up checklist) and to know whether it still holds unsynced work (decommission).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSettings {
    pub shop_name: String,
    pub shop_address: String,
    pub siret: String,
    pub document_header: String,
    pub document_footer: String,
    pub fiscal_year_end_month: u8,
    pub payment_methods: Vec<PaymentMethod>,
    pub loyalty_enabled: bool,
    pub printer_configured: bool,
    pub email_tickets: bool,
    pub app_version: String,
    /// Local changes not yet pushed when the register reported.
    pub pending_local_changes: u32,
}

impl RegisterSettings {
    pub fn validate(&self) -> Result<(), PushRefusal> {
        let texts = [
            ("shop_name", &self.shop_name),
            ("shop_address", &self.shop_address),
            ("siret", &self.siret),
            ("document_header", &self.document_header),
            ("document_footer", &self.document_footer),
            ("app_version", &self.app_version),
        ];
        if let Some((field, _)) = texts.iter().find(|(_, v)| v.chars().count() > MAX_TEXT) {
            return Err(PushRefusal::Settings(format!(
                "{field} is longer than {MAX_TEXT} characters"
            )));
        }
        // The address and the document's header and footer are several lines; these are one.
        for (field, text) in [
            ("shop_name", &self.shop_name),
            ("siret", &self.siret),
            ("app_version", &self.app_version),
        ] {
            if let Some(c) = crate::text::forbidden_character(text) {
                return Err(PushRefusal::Settings(format!(
                    "{field} {}",
                    crate::text::label_refusal(c)
                )));
            }
        }
        if !(1..=12).contains(&self.fiscal_year_end_month) {
            return Err(PushRefusal::Settings(format!(
                "fiscal_year_end_month {} is not a month (1 to 12)",
                self.fiscal_year_end_month
            )));
        }
        Ok(())
    }
}

/// Longest text a register may send in settings or shared data.
pub const MAX_TEXT: usize = 500;

/// One change to shared data, identified by the register that made it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedChange {
    /// Unique per register (a UUID, say): a replayed change is recognised by it.
    pub id: String,
    pub at: DateTime<Utc>,
    pub change: Change,
}

/// Shared data is changed, never overwritten: stock and loyalty move by deltas, so two
/// registers selling the same bottle both count.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    StockMovement {
        product: String,
        delta: i64,
    },
    Product {
        product: String,
        label: String,
        price_ttc: Cents,
        vat_rate: VatRate,
    },
    Customer {
        customer: String,
        name: String,
        email: Option<String>,
    },
    Loyalty {
        customer: String,
        points: i64,
    },
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::StockMovement { .. } => "stock_movement",
            Change::Product { .. } => "product",
            Change::Customer { .. } => "customer",
            Change::Loyalty { .. } => "loyalty",
        }
    }

    /// The product or customer the change is about.
    pub fn entity(&self) -> &str {
        match self {
            Change::StockMovement { product, .. } | Change::Product { product, .. } => product,
            Change::Customer { customer, .. } | Change::Loyalty { customer, .. } => customer,
        }
    }
}

/// A balance a shared change moves: a product's stock or a customer's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Balance {
    Stock,
    Loyalty,
}

impl Change {
    /// The balance this change moves and by how much; product and customer edits move none.
    pub fn movement(&self) -> Option<(Balance, &str, i64)> {
        match self {
            Change::StockMovement { product, delta } => Some((Balance::Stock, product, *delta)),
            Change::Loyalty { customer, points } => Some((Balance::Loyalty, customer, *points)),
            Change::Product { .. } | Change::Customer { .. } => None,
        }
    }
}

/// Each change's balance after it, in push order, from the balances after the whole push:
/// a push moves each balance once by the sum of its deltas (one statement for all), and the
/// log still tells what each movement left.
pub fn balances_after(
    changes: &[&SharedChange],
    finals: &BTreeMap<(Balance, String), i64>,
) -> Vec<Option<i64>> {
    let mut running = finals.clone();
    let mut after: Vec<Option<i64>> = changes
        .iter()
        .rev()
        .map(|shared| {
            let (balance, entity, delta) = shared.change.movement()?;
            let level = running.get_mut(&(balance, entity.to_string()))?;
            let now = *level;
            *level -= delta;
            Some(now)
        })
        .collect();
    after.reverse();
    after
}

/// Largest stock movement or loyalty adjustment one change may carry.
pub const MAX_DELTA: i64 = 100_000;

impl SharedChange {
    pub fn validate(&self) -> Result<(), PushRefusal> {
        let bad = |why: String| {
            Err(PushRefusal::Change {
                id: self.id.chars().take(64).collect(),
                why,
            })
        };
        let key_ok = |k: &str| {
            (1..=64).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !key_ok(&self.id) {
            return bad("id must be 1 to 64 letters, digits, `-` or `_`".into());
        }
        if !key_ok(self.change.entity()) {
            return bad("product or customer must be 1 to 64 letters, digits, `-` or `_`".into());
        }
        let named = match &self.change {
            Change::Product { label, .. } => Some(("label", label)),
            Change::Customer { name, .. } => Some(("name", name)),
            _ => None,
        };
        if let Some((field, text)) = named {
            if let Some(c) = crate::text::forbidden_character(text) {
                return bad(format!("the {field} {}", crate::text::label_refusal(c)));
            }
        }
        match &self.change {
            Change::StockMovement { delta, .. } | Change::Loyalty { points: delta, .. } if *delta == 0 || delta.abs() > MAX_DELTA => {
                bad(format!("a movement must be non-zero and at most {MAX_DELTA} in absolute value"))
            }
            Change::Product { label, price_ttc, .. } if label.is_empty() || label.chars().count() > MAX_TEXT || price_ttc.0 < 0 || *price_ttc > Cents::MAX_LINE => {
                bad(format!("a product needs a label of 1 to {MAX_TEXT} characters and a price between 0 and {} cents", Cents::MAX_LINE.0))
            }
            Change::Customer { name, email, .. } if name.chars().count() > MAX_TEXT || email.as_ref().is_some_and(|e| e.chars().count() > MAX_TEXT) => {
                bad(format!("customer texts are at most {MAX_TEXT} characters"))
            }
            _ => Ok(()),
        }
    }
}

/// Most changes one pull returns.
pub const MAX_PULL_PAGE: u32 = 1000;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub session_id: i64,
    /// Page size, 1 to [`MAX_PULL_PAGE`] (the default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One change made by another register of the store.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledChange {
    /// The store's version number of this change.
    pub version: i64,
    /// Number of the register that made it.
    pub origin_register: u32,
    pub change: SharedChange,
    /// For stock and loyalty movements: the balance once it was applied on the server.
    pub level_after: Option<i64>,
}

/// The data of a `changes` event on `GET /api/sync/events`: the store's change log goes up to
/// `head` now (the event's id too). A register whose cursor is below it pulls.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesEvent {
    pub head: i64,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<PulledChange>,
    /// Where this register now stands in the store's change log (kept by the server).
    pub cursor: i64,
    /// The store's newest version.
    pub head: i64,
    /// Changes of other registers still to pull: pull again while it is not zero.
    pub remaining: u64,
}

/// An inclusive run of missing ticket numbers.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SequenceRange {
    pub first: u64,
    pub last: u64,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Tickets stored by this push.
    pub accepted: u64,
    /// Tickets the server already had, identical: a replay.
    pub already_known: u64,
    /// Numbers this push skipped over, which the register must explain.
    pub new_gaps: Vec<SequenceRange>,
    /// The first ticket of this push whose hash or link to the previous one does not verify.
    pub chain_break: Option<u64>,
    /// The register's newest ticket number on the server after this push.
    pub last_ticket: Option<u64>,
    pub closures_accepted: u64,
    pub closures_already_known: u64,
    /// The first closure of this push whose hash or link does not verify.
    pub closure_chain_break: Option<u64>,
    pub changes_accepted: u64,
    pub changes_already_known: u64,
    /// The register's gaps still missing tickets after this push, with any explanation.
    pub open_gaps: Vec<OpenGap>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndResponse {
    pub session_id: i64,
    pub tickets_pushed: u64,
    pub duration_ms: i64,
}

/// Why a push is refused as a whole (nothing of it is written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushRefusal {
    #[error("{0}")]
    Invalid(#[from] TicketError),
    #[error("{0}")]
    InvalidClosure(#[from] ClosureError),
    #[error("settings: {0}")]
    Settings(String),
    #[error("change `{id}`: {why}")]
    Change { id: String, why: String },
    #[error("{record} {sequence} appears twice in this push")]
    RepeatedInBatch { record: &'static str, sequence: u64 },
    #[error("change `{0}` appears twice in this push")]
    RepeatedChange(String),
    #[error("{record} {sequence} was already received with other content (stored hash {stored}); it is never replaced: send a correction instead")]
    ConflictingReplay {
        record: &'static str,
        sequence: u64,
        stored: ChainHash,
    },
    #[error("change `{0}` was already received with other content")]
    ConflictingChange(String),
    #[error("gap explanation {first}..{last}: {why}")]
    GapExplanation { first: u64, last: u64, why: String },
    #[error("a push carries at most {MAX_TICKETS_PER_PUSH} tickets, this one {0}: split it")]
    TooManyTickets(usize),
    #[error("a push carries at most {max} {what}, this one {got}: split it")]
    TooManyRecords {
        what: &'static str,
        max: usize,
        got: usize,
    },
    #[error("ticket {sequence} is dated {issued_at}, more than a day after the server's clock: check the iPad's date")]
    FromTheFuture {
        sequence: u64,
        issued_at: DateTime<Utc>,
    },
    #[error("closure {sequence} corrects closure {corrects}, {why}")]
    Correction {
        sequence: u64,
        corrects: u64,
        why: String,
    },
}

/// A correcting closure against the closure it names (`None`: the server holds none of that
/// number, in this push or before): it must be of the same kind and period.
pub fn check_correction(
    correction: &ClosureBody,
    corrected: Option<&ClosureBody>,
) -> Result<(), PushRefusal> {
    let Some(corrects) = correction.corrects else {
        return Ok(());
    };
    let refuse = |why: String| PushRefusal::Correction {
        sequence: correction.sequence,
        corrects,
        why,
    };
    let corrected = corrected.ok_or_else(|| refuse("which the server has not received".into()))?;
    if (corrected.kind, corrected.period_start, corrected.period_end)
        != (
            correction.kind,
            correction.period_start,
            correction.period_end,
        )
    {
        return Err(refuse(format!(
            "a {} Z of {}..{}, but is a {} Z of {}..{}: a correction is of the same kind and period",
            corrected.kind.code(),
            corrected.period_start,
            corrected.period_end,
            correction.kind.code(),
            correction.period_start,
            correction.period_end
        )));
    }
    Ok(())
}

/// A stored record (ticket or closure) as a push compares against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownRecord {
    /// The hash the register claimed (what the next record links to).
    pub hash: ChainHash,
    /// The hash its stored content actually gives: equal to `hash` unless it broke the chain.
    pub content_hash: ChainHash,
    /// The hash it links to: a late record that fills a gap must be the one its stored
    /// successor names.
    pub previous_hash: ChainHash,
}

/// What the server already knows of one of a register's chains, as far as a push needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownChain {
    /// The stored records whose numbers this push touches, the one just before its first
    /// record and the one just after its last (to check both links).
    pub records: BTreeMap<u64, KnownRecord>,
    /// The newest stored number.
    pub last: Option<u64>,
}

/// What tickets and closures have in common: numbered, hashed, chained.
pub trait ChainRecord {
    /// "ticket" or "closure", for messages.
    const NAME: &'static str;
    fn sequence(&self) -> u64;
    fn hash(&self) -> ChainHash;
    fn previous_hash(&self) -> ChainHash;
    /// The hash its content and previous hash give.
    fn content_hash(&self) -> ChainHash;
    /// Checks the record is consistent in itself and plausible at `now`.
    fn check(&self, now: DateTime<Utc>) -> Result<(), PushRefusal>;
}

impl ChainRecord for Ticket {
    const NAME: &'static str = "ticket";
    fn sequence(&self) -> u64 {
        self.body.sequence
    }
    fn hash(&self) -> ChainHash {
        self.hash
    }
    fn previous_hash(&self) -> ChainHash {
        self.previous_hash
    }
    fn content_hash(&self) -> ChainHash {
        Ticket::content_hash(self)
    }
    fn check(&self, now: DateTime<Utc>) -> Result<(), PushRefusal> {
        self.body.validate()?;
        if self.body.issued_at > now + chrono::Duration::days(1) {
            return Err(PushRefusal::FromTheFuture {
                sequence: self.body.sequence,
                issued_at: self.body.issued_at,
            });
        }
        Ok(())
    }
}

impl ChainRecord for Closure {
    const NAME: &'static str = "closure";
    fn sequence(&self) -> u64 {
        self.body.sequence
    }
    fn hash(&self) -> ChainHash {
        self.hash
    }
    fn previous_hash(&self) -> ChainHash {
        self.previous_hash
    }
    fn content_hash(&self) -> ChainHash {
        Closure::content_hash(self)
    }
    fn check(&self, _now: DateTime<Utc>) -> Result<(), PushRefusal> {
        Ok(self.body.validate()?)
    }
}

/// What to do with a push's records of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPlan<'a, R> {
    /// New records, by number.
    pub new: Vec<&'a R>,
    /// The content hash of each new record, computed once here for the storage to keep.
    pub content_hashes: Vec<ChainHash>,
    pub already_known: u64,
    /// The first new record whose hash or link to its predecessor does not verify.
    pub chain_break: Option<u64>,
}

/// Decides, without I/O, how a push's records apply to a register's chain at time `now`:
/// a replay is recognised, a conflicting replay refused, and every new record checked against
/// its content and its predecessor when the predecessor is known (in this push or stored).
pub fn plan_records<'a, R: ChainRecord>(
    batch: &'a [R],
    known: &KnownChain,
    now: DateTime<Utc>,
) -> Result<RecordPlan<'a, R>, PushRefusal> {
    let content_hashes: Vec<ChainHash> = batch.iter().map(|r| r.content_hash()).collect();
    plan_records_hashed(batch, &content_hashes, known, now)
}

/// [`plan_records`] with each record's content hash already computed (`content_hashes[i]` is
/// `batch[i].content_hash()`), so a caller that needed them first does not hash twice.
pub fn plan_records_hashed<'a, R: ChainRecord>(
    batch: &'a [R],
    content_hashes: &[ChainHash],
    known: &KnownChain,
    now: DateTime<Utc>,
) -> Result<RecordPlan<'a, R>, PushRefusal> {
    let mut by_number: BTreeMap<u64, (&R, ChainHash)> = BTreeMap::new();
    for (record, content_hash) in batch.iter().zip(content_hashes) {
        record.check(now)?;
        if by_number
            .insert(record.sequence(), (record, *content_hash))
            .is_some()
        {
            return Err(PushRefusal::RepeatedInBatch {
                record: R::NAME,
                sequence: record.sequence(),
            });
        }
    }
    let mut new = Vec::new();
    let mut content_hashes = Vec::new();
    let mut already_known = 0;
    for (&sequence, &(record, content_hash)) in &by_number {
        match known.records.get(&sequence) {
            // Same claimed hash and same content: a replay (even of a record that broke the
            // chain, which is kept as it was sent).
            Some(stored) if stored.hash == record.hash() && stored.content_hash == content_hash => {
                already_known += 1
            }
            Some(stored) => {
                return Err(PushRefusal::ConflictingReplay {
                    record: R::NAME,
                    sequence,
                    stored: stored.hash,
                })
            }
            None => {
                new.push(record);
                content_hashes.push(content_hash);
            }
        }
    }
    // The lowest number that does not verify: a new record altered or not linked to its
    // predecessor, or a stored record that a new one (filling a gap) does not lead to.
    let chain_break = new
        .iter()
        .zip(&content_hashes)
        .filter_map(|(record, content_hash)| {
            let sequence = record.sequence();
            let expected_previous = if sequence == 1 {
                Some(ChainHash::GENESIS)
            } else {
                by_number
                    .get(&(sequence - 1))
                    .map(|(r, _)| r.hash())
                    .or_else(|| known.records.get(&(sequence - 1)).map(|k| k.hash))
            };
            let linked = expected_previous.is_none_or(|h| h == record.previous_hash());
            if !linked || *content_hash != record.hash() {
                return Some(sequence);
            }
            let successor = sequence.checked_add(1)?;
            let stored_next = known
                .records
                .get(&successor)
                .filter(|_| !by_number.contains_key(&successor))?;
            (stored_next.previous_hash != record.hash()).then_some(successor)
        })
        .min();
    Ok(RecordPlan {
        new,
        content_hashes,
        already_known,
        chain_break,
    })
}

/// What to do with a push's tickets: the record plan, and the numbers it skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestPlan<'a> {
    pub new: Vec<&'a Ticket>,
    pub content_hashes: Vec<ChainHash>,
    pub already_known: u64,
    pub new_gaps: Vec<SequenceRange>,
    pub chain_break: Option<u64>,
}

/// Plans a push's tickets (see [`plan_records`]) and the gaps they open.
pub fn plan_ingest<'a>(
    batch: &'a [Ticket],
    known: &KnownChain,
    now: DateTime<Utc>,
) -> Result<IngestPlan<'a>, PushRefusal> {
    let content_hashes: Vec<ChainHash> = batch.iter().map(Ticket::content_hash).collect();
    plan_ingest_hashed(batch, &content_hashes, known, now)
}

/// [`plan_ingest`] with the tickets' content hashes already computed.
pub fn plan_ingest_hashed<'a>(
    batch: &'a [Ticket],
    content_hashes: &[ChainHash],
    known: &KnownChain,
    now: DateTime<Utc>,
) -> Result<IngestPlan<'a>, PushRefusal> {
    if batch.len() > MAX_TICKETS_PER_PUSH {
        return Err(PushRefusal::TooManyTickets(batch.len()));
    }
    let plan = plan_records_hashed(batch, content_hashes, known, now)?;
    let new_gaps = gaps_opened(known.last, plan.new.iter().map(|t| t.body.sequence));
    Ok(IngestPlan {
        new: plan.new,
        content_hashes: plan.content_hashes,
        already_known: plan.already_known,
        new_gaps,
        chain_break: plan.chain_break,
    })
}

/// The register's open gaps once a push is written: `before` as stored, the gaps the push
/// opens, the numbers it brings (which fill gaps) and its explanations. The push's answer is
/// computed with it before the write, so that answer is saved in the same transaction.
pub fn open_gaps_after(
    before: &[OpenGap],
    new_gaps: &[SequenceRange],
    new_numbers: &[u64],
    explanations: &[GapExplanation],
) -> Vec<OpenGap> {
    let mut gaps: Vec<OpenGap> = before
        .iter()
        .cloned()
        .chain(new_gaps.iter().map(|g| OpenGap {
            first: g.first,
            last: g.last,
            missing: g.last - g.first + 1,
            explanation: None,
        }))
        .filter_map(|mut gap| {
            let filled = new_numbers
                .iter()
                .filter(|n| (gap.first..=gap.last).contains(n))
                .count() as u64;
            gap.missing = gap.missing.saturating_sub(filled);
            if let Some(e) = explanations
                .iter()
                .find(|e| e.first == gap.first && e.last == gap.last)
            {
                gap.explanation = Some(e.reason.trim().to_string());
            }
            (gap.missing > 0).then_some(gap)
        })
        .collect();
    gaps.sort_by_key(|g| g.first);
    gaps
}

/// Refuses explanations that are empty, too long, or name no gap the register has open.
pub fn check_gap_explanations(
    explanations: &[GapExplanation],
    open: &[OpenGap],
) -> Result<(), PushRefusal> {
    for e in explanations {
        let refuse = |why: String| {
            Err(PushRefusal::GapExplanation {
                first: e.first,
                last: e.last,
                why,
            })
        };
        let length = e.reason.trim().chars().count();
        if length == 0 || length > MAX_TEXT {
            return refuse(format!("the reason must be 1 to {MAX_TEXT} characters"));
        }
        if !open.iter().any(|g| g.first == e.first && g.last == e.last) {
            return refuse(
                "no such open gap; the server reports open gaps in each push's answer".into(),
            );
        }
    }
    Ok(())
}

/// Refuses a batch of shared changes that is invalid or repeats an id.
pub fn check_changes(changes: &[SharedChange]) -> Result<(), PushRefusal> {
    if changes.len() > MAX_CHANGES_PER_PUSH {
        return Err(PushRefusal::TooManyRecords {
            what: "shared changes",
            max: MAX_CHANGES_PER_PUSH,
            got: changes.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for change in changes {
        change.validate()?;
        if !seen.insert(change.id.as_str()) {
            return Err(PushRefusal::RepeatedChange(change.id.clone()));
        }
    }
    Ok(())
}

/// The runs of numbers that adding `new` (ascending) after `last` leaves missing. Numbers below
/// `last` that arrive late fill older gaps and open none.
pub fn gaps_opened(last: Option<u64>, new: impl IntoIterator<Item = u64>) -> Vec<SequenceRange> {
    let mut head = last.unwrap_or(0);
    let mut gaps = Vec::new();
    let numbers: BTreeSet<u64> = new.into_iter().collect();
    for sequence in numbers {
        if sequence > head + 1 {
            gaps.push(SequenceRange {
                first: head + 1,
                last: sequence - 1,
            });
        }
        head = head.max(sequence);
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cents;
    use crate::ticket::{Payment, PaymentMethod, TicketBody, TicketLine};
    use crate::vat::VatRate;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 14, 18, 0, 0).unwrap()
    }

    fn body(sequence: u64, price: i64) -> TicketBody {
        TicketBody {
            kind: crate::ticket::TicketKind::Sale,
            sequence,
            issued_at: Utc
                .with_ymd_and_hms(2026, 3, 14, 10, 0, sequence as u32 % 60)
                .unwrap(),
            lines: vec![TicketLine {
                label: "Morgon".into(),
                quantity: 1,
                unit_price_ttc: Cents(price),
                vat_rate: VatRate::STANDARD,
                discount: Cents(0),
            }],
            payments: vec![Payment {
                method: PaymentMethod::Card,
                amount: Cents(price),
            }],
        }
    }

    /// Tickets 1..=n sealed in one chain.
    fn chain(n: u64) -> Vec<Ticket> {
        let mut previous = ChainHash::GENESIS;
        (1..=n)
            .map(|s| {
                let t = body(s, 1000 + s as i64).seal(previous);
                previous = t.hash;
                t
            })
            .collect()
    }

    fn known(tickets: &[Ticket]) -> KnownChain {
        KnownChain {
            records: tickets
                .iter()
                .map(|t| {
                    let known = KnownRecord {
                        hash: t.hash,
                        content_hash: t.content_hash(),
                        previous_hash: t.previous_hash,
                    };
                    (t.body.sequence, known)
                })
                .collect(),
            last: tickets.iter().map(|t| t.body.sequence).max(),
        }
    }

    #[test]
    fn a_first_push_stores_everything() {
        let tickets = chain(3);
        let plan = plan_ingest(&tickets, &KnownChain::default(), now()).unwrap();
        assert_eq!(plan.new.len(), 3);
        assert_eq!((plan.already_known, plan.chain_break), (0, None));
        assert!(plan.new_gaps.is_empty());
    }

    #[test]
    fn a_replay_changes_nothing() {
        let tickets = chain(3);
        let plan = plan_ingest(&tickets, &known(&tickets), now()).unwrap();
        assert!(plan.new.is_empty());
        assert_eq!(plan.already_known, 3);
    }

    #[test]
    fn a_conflicting_replay_is_refused() {
        let tickets = chain(3);
        let mut other = chain(3);
        other[1] = body(2, 999).seal(tickets[0].hash);
        assert!(matches!(
            plan_ingest(&other, &known(&tickets), now()),
            Err(PushRefusal::ConflictingReplay { sequence: 2, .. })
        ));
    }

    #[test]
    fn other_content_under_the_same_hash_is_a_conflict_not_a_replay() {
        let tickets = chain(3);
        let mut altered = tickets.clone();
        altered[1].body.lines[0].unit_price_ttc = Cents(1);
        altered[1].body.payments[0].amount = Cents(1);
        assert!(matches!(
            plan_ingest(&altered, &known(&tickets), now()),
            Err(PushRefusal::ConflictingReplay { sequence: 2, .. })
        ));
        // A ticket kept although it broke the chain replays as itself.
        let kept = known(&altered);
        let plan = plan_ingest(&altered, &kept, now()).unwrap();
        assert_eq!(plan.already_known, 3);
    }

    #[test]
    fn the_continuation_links_to_the_stored_head() {
        let tickets = chain(5);
        let plan = plan_ingest(&tickets[3..], &known(&tickets[..3]), now()).unwrap();
        assert_eq!(plan.new.len(), 2);
        assert_eq!(plan.chain_break, None);
    }

    #[test]
    fn each_movement_keeps_the_balance_it_left() {
        let change = |id: &str, change: Change| SharedChange {
            id: id.into(),
            at: now(),
            change,
        };
        let moves = [
            change(
                "a",
                Change::StockMovement {
                    product: "chablis".into(),
                    delta: -2,
                },
            ),
            change(
                "b",
                Change::Loyalty {
                    customer: "c1".into(),
                    points: 10,
                },
            ),
            change(
                "c",
                Change::Customer {
                    customer: "c1".into(),
                    name: "Camille".into(),
                    email: None,
                },
            ),
            change(
                "d",
                Change::StockMovement {
                    product: "chablis".into(),
                    delta: -1,
                },
            ),
        ];
        let refs: Vec<&SharedChange> = moves.iter().collect();
        // Chablis started at 10, c1 at 5: after the push, 7 and 15.
        let finals = BTreeMap::from([
            ((Balance::Stock, "chablis".to_string()), 7),
            ((Balance::Loyalty, "c1".to_string()), 15),
        ]);
        assert_eq!(
            balances_after(&refs, &finals),
            [Some(8), Some(15), None, Some(7)]
        );
    }

    #[test]
    fn open_gaps_after_a_push_fill_open_and_explain() {
        let before = [OpenGap {
            first: 3,
            last: 5,
            missing: 3,
            explanation: None,
        }];
        let new_gaps = [SequenceRange { first: 8, last: 8 }];
        let explained = [GapExplanation {
            first: 8,
            last: 8,
            reason: " ticket annulé ".into(),
        }];
        let after = open_gaps_after(&before, &new_gaps, &[4, 7, 9], &explained);
        assert_eq!(
            after,
            [
                OpenGap {
                    first: 3,
                    last: 5,
                    missing: 2,
                    explanation: None
                },
                OpenGap {
                    first: 8,
                    last: 8,
                    missing: 1,
                    explanation: Some("ticket annulé".into())
                },
            ]
        );
        assert!(open_gaps_after(&after[..1], &[], &[3, 5], &[]).is_empty());
    }

    #[test]
    fn a_late_ticket_must_lead_to_its_stored_successor() {
        let tickets = chain(10);
        let mut stored: Vec<Ticket> = tickets.clone();
        stored.remove(5);
        // The genuine 6 fills the gap.
        let plan = plan_ingest(&tickets[5..6], &known(&stored), now()).unwrap();
        assert_eq!((plan.new.len(), plan.chain_break), (1, None));
        // A forgery sealed on 5's hash links backwards but 7 does not name it.
        let forged = [body(6, 1).seal(tickets[4].hash)];
        let plan = plan_ingest(&forged, &known(&stored), now()).unwrap();
        assert_eq!(plan.chain_break, Some(7));
    }

    #[test]
    fn the_lowest_break_of_a_push_is_reported() {
        let mut tickets = chain(6);
        tickets[5].previous_hash = ChainHash::GENESIS;
        tickets[2].body.lines[0].unit_price_ttc = Cents(1);
        tickets[2].body.payments[0].amount = Cents(1);
        let plan = plan_ingest(&tickets, &KnownChain::default(), now()).unwrap();
        assert_eq!(plan.chain_break, Some(3));
    }

    #[test]
    fn a_tampered_ticket_is_kept_and_the_break_reported() {
        let mut tickets = chain(4);
        tickets[2].body.lines[0].unit_price_ttc = Cents(1);
        tickets[2].body.payments[0].amount = Cents(1);
        let plan = plan_ingest(&tickets, &KnownChain::default(), now()).unwrap();
        assert_eq!(plan.new.len(), 4, "the data is kept");
        assert_eq!(plan.chain_break, Some(3));
    }

    #[test]
    fn a_ticket_linked_to_the_wrong_predecessor_breaks_the_chain() {
        let tickets = chain(3);
        let stray = body(4, 5000).seal(tickets[0].hash);
        let plan = plan_ingest(std::slice::from_ref(&stray), &known(&tickets), now()).unwrap();
        assert_eq!(plan.chain_break, Some(4));
    }

    #[test]
    fn skipped_numbers_are_gaps() {
        let tickets = chain(10);
        let batch = vec![tickets[4].clone(), tickets[5].clone(), tickets[8].clone()];
        let plan = plan_ingest(&batch, &known(&tickets[..2]), now()).unwrap();
        assert_eq!(
            plan.new_gaps,
            vec![
                SequenceRange { first: 3, last: 4 },
                SequenceRange { first: 7, last: 8 }
            ]
        );
        // Tickets 5 and 9 follow missing ones: their links cannot be checked, only their hashes.
        assert_eq!(plan.chain_break, None);
        // Late tickets fill gaps and open none.
        assert!(gaps_opened(Some(9), [3, 4, 8]).is_empty());
    }

    #[test]
    fn invalid_or_repeated_tickets_refuse_the_whole_push() {
        let mut tickets = chain(3);
        tickets.push(tickets[1].clone());
        assert_eq!(
            plan_ingest(&tickets, &KnownChain::default(), now()),
            Err(PushRefusal::RepeatedInBatch {
                record: "ticket",
                sequence: 2
            })
        );
        let mut unbalanced = chain(2);
        unbalanced[1].body.payments[0].amount = Cents(0);
        assert!(matches!(
            plan_ingest(&unbalanced, &KnownChain::default(), now()),
            Err(PushRefusal::Invalid(TicketError::Unbalanced {
                sequence: 2,
                ..
            }))
        ));
    }

    #[test]
    fn tickets_from_the_future_are_refused() {
        let tickets = chain(2);
        let yesterday = now() - chrono::Duration::days(2);
        assert!(matches!(
            plan_ingest(&tickets, &KnownChain::default(), yesterday),
            Err(PushRefusal::FromTheFuture { sequence: 1, .. })
        ));
    }

    #[test]
    fn gap_explanations_must_name_an_open_gap() {
        let open = vec![OpenGap {
            first: 4,
            last: 5,
            missing: 2,
            explanation: None,
        }];
        let explain = |first, last, reason: &str| GapExplanation {
            first,
            last,
            reason: reason.into(),
        };
        assert_eq!(
            check_gap_explanations(&[explain(4, 5, "iPad restored from a backup")], &open),
            Ok(())
        );
        assert!(matches!(
            check_gap_explanations(&[explain(4, 6, "x")], &open),
            Err(PushRefusal::GapExplanation {
                first: 4,
                last: 6,
                ..
            })
        ));
        assert!(check_gap_explanations(&[explain(4, 5, "  ")], &open).is_err());
    }

    #[test]
    fn oversized_pushes_are_refused() {
        let one = chain(1);
        let many = vec![one[0].clone(); MAX_TICKETS_PER_PUSH + 1];
        assert_eq!(
            plan_ingest(&many, &KnownChain::default(), now()),
            Err(PushRefusal::TooManyTickets(MAX_TICKETS_PER_PUSH + 1))
        );
    }
}
