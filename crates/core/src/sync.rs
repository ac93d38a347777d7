//! The sync protocol a register (iPad) speaks, and the rules for ingesting what it pushes.
//!
//! A sync is a session under the store's lease: `begin` → `push`… → `end`. Only one register of
//! a store holds the lease at a time (the seed: never two syncs at once). Pushing is idempotent
//! per (register, ticket number): the same ticket twice changes nothing; the same number with
//! other content is refused. What a register sent is never dropped nor rewritten: a ticket whose
//! hash or link does not verify is kept and the break recorded; a skipped number is a gap, kept
//! visible until the register explains it.

use crate::chain::ChainHash;
use crate::store::Register;
use crate::ticket::{Ticket, TicketError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most tickets one push may carry; larger batches get 413 and must be split.
pub const MAX_TICKETS_PER_PUSH: usize = 5_000;
/// Request bodies above this get 413 before being read.
pub const MAX_PUSH_BODY_BYTES: usize = 8 * 1024 * 1024;
/// A lease not renewed for this long is over: a crashed iPad must not block the shop.
pub const LEASE_SECONDS: i64 = 120;
/// How long a pairing code stays usable.
pub const PAIRING_CODE_HOURS: i64 = 24;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub code: String,
    pub device_name: String,
    pub device_model: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairResponse {
    /// Shown once; the server keeps only its hash.
    pub token: String,
    pub register: Register,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    pub code: String,
    pub register_id: i64,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeginResponse {
    pub session_id: i64,
    pub lease_expires_at: DateTime<Utc>,
    /// The register's newest ticket the server holds, so it knows where to resume.
    pub last_ticket: Option<u64>,
}

/// The body of a 409 on `begin`: who holds the lease, and when to try again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseBusy {
    pub error: String,
    pub holder_register_number: u32,
    pub holder_label: String,
    pub retry_after_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub session_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub session_id: i64,
    #[serde(default)]
    pub tickets: Vec<Ticket>,
}

/// An inclusive run of missing ticket numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SequenceRange {
    pub first: u64,
    pub last: u64,
}

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
}

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
    #[error("ticket {0} appears twice in this push")]
    RepeatedInBatch(u64),
    #[error("ticket {sequence} was already received with other content (stored hash {stored}); a ticket is never replaced: send a correction ticket instead")]
    ConflictingReplay { sequence: u64, stored: ChainHash },
    #[error("a push carries at most {MAX_TICKETS_PER_PUSH} tickets, this one {0}: split it")]
    TooManyTickets(usize),
    #[error("ticket {sequence} is dated {issued_at}, more than a day after the server's clock: check the iPad's date")]
    FromTheFuture {
        sequence: u64,
        issued_at: DateTime<Utc>,
    },
}

/// A stored ticket as a push compares against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownTicket {
    /// The hash the register claimed (what the next ticket links to).
    pub hash: ChainHash,
    /// The hash its stored content actually gives: equal to `hash` unless it broke the chain.
    pub content_hash: ChainHash,
}

/// What the server already knows of a register, as far as a push needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownChain {
    /// The stored tickets whose numbers this push touches, and the one just before its first
    /// new ticket (to check the link).
    pub tickets: BTreeMap<u64, KnownTicket>,
    /// The register's newest stored ticket number.
    pub last: Option<u64>,
}

/// What to do with a push: which tickets to store, and what to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestPlan<'a> {
    /// New tickets, by number.
    pub new: Vec<&'a Ticket>,
    pub already_known: u64,
    pub new_gaps: Vec<SequenceRange>,
    pub chain_break: Option<u64>,
}

/// Decides, without I/O, how a push applies to a register's journal at time `now`.
pub fn plan_ingest<'a>(
    batch: &'a [Ticket],
    known: &KnownChain,
    now: DateTime<Utc>,
) -> Result<IngestPlan<'a>, PushRefusal> {
    if batch.len() > MAX_TICKETS_PER_PUSH {
        return Err(PushRefusal::TooManyTickets(batch.len()));
    }
    let mut by_number: BTreeMap<u64, &Ticket> = BTreeMap::new();
    let latest_plausible = now + chrono::Duration::days(1);
    for ticket in batch {
        ticket.body.validate()?;
        if ticket.body.issued_at > latest_plausible {
            return Err(PushRefusal::FromTheFuture {
                sequence: ticket.body.sequence,
                issued_at: ticket.body.issued_at,
            });
        }
        if by_number.insert(ticket.body.sequence, ticket).is_some() {
            return Err(PushRefusal::RepeatedInBatch(ticket.body.sequence));
        }
    }
    let mut new = Vec::new();
    let mut already_known = 0;
    for (&sequence, &ticket) in &by_number {
        match known.tickets.get(&sequence) {
            // Same claimed hash and same content: a replay (even of a ticket that broke the
            // chain, which is kept as it was sent).
            Some(stored)
                if stored.hash == ticket.hash && stored.content_hash == ticket.content_hash() =>
            {
                already_known += 1
            }
            Some(stored) => {
                return Err(PushRefusal::ConflictingReplay {
                    sequence,
                    stored: stored.hash,
                })
            }
            None => new.push(ticket),
        }
    }
    // Each new ticket must hash to its own content and follow its predecessor, when the
    // predecessor is known (in this push or on the server).
    let mut chain_break = None;
    for ticket in &new {
        let sequence = ticket.body.sequence;
        let expected_previous = if sequence == 1 {
            Some(ChainHash::GENESIS)
        } else {
            by_number
                .get(&(sequence - 1))
                .map(|t| t.hash)
                .or_else(|| known.tickets.get(&(sequence - 1)).map(|k| k.hash))
        };
        let linked = expected_previous.is_none_or(|h| h == ticket.previous_hash);
        if !linked || ticket.verify().is_err() {
            chain_break = Some(sequence);
            break;
        }
    }
    let new_gaps = gaps_opened(known.last, new.iter().map(|t| t.body.sequence));
    Ok(IngestPlan {
        new,
        already_known,
        new_gaps,
        chain_break,
    })
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
            tickets: tickets
                .iter()
                .map(|t| {
                    let known = KnownTicket {
                        hash: t.hash,
                        content_hash: t.content_hash(),
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
            Err(PushRefusal::RepeatedInBatch(2))
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
    fn oversized_pushes_are_refused() {
        let one = chain(1);
        let many = vec![one[0].clone(); MAX_TICKETS_PER_PUSH + 1];
        assert_eq!(
            plan_ingest(&many, &KnownChain::default(), now()),
            Err(PushRefusal::TooManyTickets(MAX_TICKETS_PER_PUSH + 1))
        );
    }
}
