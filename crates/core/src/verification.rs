//! Verifying what a register sent: each closure recomputed from the tickets the server holds
//! and compared field by field, and each chain (tickets, closures) walked in number order to
//! say up to which number it is intact and where it first breaks.

use crate::chain::{chain_hash, ChainHash};
use crate::closure::{compute_closure, Closure, ClosureBody, ClosureTotals};
use crate::money::Cents;
use crate::store::business_date;
use crate::ticket::Ticket;
use crate::zperiod::{due_closures, ZPeriod};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One field of a closure that the tickets do not give.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDifference {
    pub field: String,
    pub declared: String,
    pub recomputed: String,
}

/// The closure the tickets give for the same register, number, kind, period and closing
/// time as `declared`: `tickets` are those of its period, in the store's `time_zone`,
/// `perpetual_before` the sum of every earlier ticket, `previous_ticket_hash` the hash of the
/// last ticket before the period.
pub fn recompute(
    declared: &ClosureBody,
    tickets: &[&Ticket],
    time_zone: Tz,
    perpetual_before: Cents,
    previous_ticket_hash: ChainHash,
) -> ClosureBody {
    compute_closure(
        declared.sequence,
        declared.kind,
        declared.period_start,
        declared.period_end,
        tickets,
        time_zone,
        perpetual_before,
        previous_ticket_hash,
        declared.closed_at,
    )
}

/// The fields where a declared closure and its recomputation differ, in the closure's order.
pub fn differences(declared: &ClosureBody, recomputed: &ClosureBody) -> Vec<FieldDifference> {
    let mut found = Vec::new();
    let mut compare = |field: &str, declared: String, recomputed: String| {
        if declared != recomputed {
            found.push(FieldDifference {
                field: field.to_string(),
                declared,
                recomputed,
            });
        }
    };
    let number = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    compare(
        "first_ticket",
        number(declared.first_ticket),
        number(recomputed.first_ticket),
    );
    compare(
        "last_ticket",
        number(declared.last_ticket),
        number(recomputed.last_ticket),
    );
    compare(
        "ticket_count",
        declared.ticket_count.to_string(),
        recomputed.ticket_count.to_string(),
    );
    let cents = |c: Cents| c.0.to_string();
    compare(
        "total_ttc",
        cents(declared.total_ttc),
        cents(recomputed.total_ttc),
    );
    compare(
        "total_ht",
        cents(declared.total_ht),
        cents(recomputed.total_ht),
    );
    let vat = |body: &ClosureBody| {
        let mut lines = body.vat.clone();
        lines.sort_by_key(|l| l.rate);
        lines
            .iter()
            .map(|l| {
                format!(
                    "{}:{}/{}/{}",
                    l.rate.basis_points(),
                    l.ttc.0,
                    l.ht.0,
                    l.vat.0
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    compare("vat", vat(declared), vat(recomputed));
    let payments = |body: &ClosureBody| {
        let mut list = body.payments.clone();
        list.sort_by_key(|p| p.method);
        list.iter()
            .filter(|p| p.amount != Cents(0))
            .map(|p| format!("{}:{}", p.method.code(), p.amount.0))
            .collect::<Vec<_>>()
            .join(" ")
    };
    compare("payments", payments(declared), payments(recomputed));
    compare(
        "cancellations_ttc",
        cents(declared.cancellations_ttc),
        cents(recomputed.cancellations_ttc),
    );
    compare(
        "period_grand_total",
        cents(declared.period_grand_total),
        cents(recomputed.period_grand_total),
    );
    compare(
        "perpetual_grand_total",
        cents(declared.perpetual_grand_total),
        cents(recomputed.perpetual_grand_total),
    );
    compare(
        "last_ticket_hash",
        declared.last_ticket_hash.to_hex(),
        recomputed.last_ticket_hash.to_hex(),
    );
    found
}

/// One record of a chain as stored: its number, the hash it claims, the hash it links to, and
/// the hash its stored content gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub sequence: u64,
    pub hash: ChainHash,
    pub previous_hash: ChainHash,
    pub content_hash: ChainHash,
}

impl From<&Ticket> for ChainLink {
    fn from(ticket: &Ticket) -> ChainLink {
        ChainLink {
            sequence: ticket.body.sequence,
            hash: ticket.hash,
            previous_hash: ticket.previous_hash,
            content_hash: ticket.content_hash(),
        }
    }
}

impl From<&Closure> for ChainLink {
    fn from(closure: &Closure) -> ChainLink {
        ChainLink {
            sequence: closure.body.sequence,
            hash: closure.hash,
            previous_hash: closure.previous_hash,
            content_hash: closure.content_hash(),
        }
    }
}

/// Where a chain first stops being trustworthy.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainBreak {
    /// Numbers missing: the server never received them.
    Missing { first: u64, last: u64 },
    /// The record's content does not give the hash it claims: altered after sealing.
    Altered { sequence: u64 },
    /// The record does not link to its predecessor's hash.
    Unlinked { sequence: u64 },
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChainReport {
    /// Records read.
    pub records: u64,
    /// The last number up to which every record is present, unaltered and linked.
    pub intact_through: Option<u64>,
    pub first_break: Option<ChainBreak>,
}

/// Walks a chain in number order, one record at a time (a year of tickets need not be held in
/// memory).
#[derive(Debug, Clone, Default)]
pub struct ChainWalk {
    report: ChainReport,
    previous: Option<ChainLink>,
}

impl ChainWalk {
    pub fn push(&mut self, link: ChainLink) {
        self.push_checked(link, true);
    }

    /// `stored_consistent` is false when what the server derived from the record when it
    /// stored it (its totals, its day) is no longer what the record gives: altered too.
    pub fn push_checked(&mut self, link: ChainLink, stored_consistent: bool) {
        self.report.records += 1;
        if self.report.first_break.is_none() {
            let expected_number = self.previous.map_or(1, |p| p.sequence + 1);
            let expected_link = self.previous.map_or(ChainHash::GENESIS, |p| p.hash);
            let fault = if link.sequence != expected_number {
                Some(ChainBreak::Missing {
                    first: expected_number,
                    last: link.sequence.saturating_sub(1),
                })
            } else if link.content_hash != link.hash || !stored_consistent {
                Some(ChainBreak::Altered {
                    sequence: link.sequence,
                })
            } else if link.previous_hash != expected_link {
                Some(ChainBreak::Unlinked {
                    sequence: link.sequence,
                })
            } else {
                None
            };
            match fault {
                Some(fault) => self.report.first_break = Some(fault),
                None => self.report.intact_through = Some(link.sequence),
            }
        }
        self.previous = Some(link);
    }

    pub fn finish(self) -> ChainReport {
        self.report
    }
}

pub fn check_chain(links: impl IntoIterator<Item = ChainLink>) -> ChainReport {
    let mut walk = ChainWalk::default();
    for link in links {
        walk.push(link);
    }
    walk.finish()
}

/// How a closure the register sent compares with the tickets the server holds.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureStatus {
    /// Its figures are those of the tickets and its hash and link hold.
    Verified,
    /// Its figures differ from the tickets', or its hash or link does not hold.
    Mismatch,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureCheck {
    pub closure: ClosureBody,
    pub hash: ChainHash,
    pub previous_hash: ChainHash,
    /// `2026-11-29`, `2026-11` or `FY2026`; absent when the period fits no period of the store.
    pub period: Option<String>,
    pub status: ClosureStatus,
    /// Its own hash does not give its content, or it does not link to the closure before it.
    pub chain_fault: bool,
    pub differences: Vec<FieldDifference>,
    /// Discounts over its period, from the tickets (closures do not carry them).
    pub discounts: Cents,
    /// The number of the latest closure that corrects this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<u64>,
}

impl ClosureCheck {
    /// Whether it leaves its period in doubt: altered or unlinked, always; figures that differ
    /// from the tickets', unless a later closure corrects it (the correction is checked too).
    pub fn is_fault(&self) -> bool {
        self.chain_fault || (self.status == ClosureStatus::Mismatch && self.corrected_by.is_none())
    }
}

/// A register's journal checked end to end.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterVerification {
    pub tickets: ChainReport,
    pub closures_chain: ChainReport,
    /// Every closure received, by number.
    pub closures: Vec<ClosureCheck>,
    /// Periods over whose closure has not been received.
    pub missing: Vec<String>,
}

impl RegisterVerification {
    /// Everything received verifies and nothing due is missing.
    pub fn is_intact(&self) -> bool {
        self.brief().is_intact()
    }

    /// The verification without the closures' figures and hashes.
    pub fn brief(&self) -> VerificationBrief {
        VerificationBrief {
            tickets: self.tickets,
            closures_chain: self.closures_chain,
            closures: self
                .closures
                .iter()
                .map(|c| ClosureBrief {
                    sequence: c.closure.sequence,
                    kind: c.closure.kind,
                    period: c.period.clone(),
                    fault: c.is_fault(),
                    corrected: c.corrected_by.is_some(),
                })
                .collect(),
            missing: self.missing.clone(),
        }
    }
}

/// A register's verification as the Z page shows it: both chains, and of each closure only its
/// period and whether it holds. A year of closures is 270 KB in full, figures and hashes
/// included, and about a tenth of that brief.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationBrief {
    pub tickets: ChainReport,
    pub closures_chain: ChainReport,
    /// Every closure received, by number.
    pub closures: Vec<ClosureBrief>,
    /// Periods over whose closure has not been received.
    pub missing: Vec<String>,
}

/// A register and its verification in brief: what the Z page draws for each register of a
/// store, asked for in one request (the list, then each register's brief, was two round trips
/// before anything could be drawn).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterBrief {
    pub register: crate::store::Register,
    pub brief: VerificationBrief,
}

/// One closure received: which period it closes, and whether it leaves that period in doubt.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureBrief {
    pub sequence: u64,
    pub kind: crate::closure::ClosureKind,
    /// `2026-11-29`, `2026-11` or `FY2026`; absent when the period fits no period of the store.
    pub period: Option<String>,
    /// [`ClosureCheck::is_fault`].
    pub fault: bool,
    /// A later closure corrects it.
    pub corrected: bool,
}

impl VerificationBrief {
    /// Everything received verifies and nothing due is missing.
    pub fn is_intact(&self) -> bool {
        self.tickets.first_break.is_none()
            && self.closures_chain.first_break.is_none()
            && self.missing.is_empty()
            && !self.closures.iter().any(|c| c.fault)
    }

    /// The closure in force for a period: the last one received, which corrects any before.
    pub fn closure_for(
        &self,
        period: &str,
        kind: crate::closure::ClosureKind,
    ) -> Option<&ClosureBrief> {
        self.closures
            .iter()
            .rev()
            .find(|c| c.period.as_deref() == Some(period) && c.kind == kind)
    }
}

/// Marks each corrected closure with the closure correcting it. A correction must name an
/// earlier closure of the same kind and period (the server refuses any other at the door);
/// one that does not, altered since, is a mismatch. A correction replaces every earlier
/// closure of its period still in force, not only the one it names: of two corrections of the
/// same day, the later one is in force, and the day is booked once.
fn link_corrections(checks: &mut [ClosureCheck]) {
    let same_period = |a: &ClosureBody, b: &ClosureBody| {
        (a.kind, a.period_start, a.period_end) == (b.kind, b.period_start, b.period_end)
    };
    for i in 0..checks.len() {
        let Some(corrects) = checks[i].closure.corrects else {
            continue;
        };
        let (before, rest) = checks.split_at_mut(i);
        let correction = &mut rest[0];
        let names_its_period = before.iter().any(|c| {
            c.closure.sequence == corrects && same_period(&c.closure, &correction.closure)
        });
        if names_its_period {
            for replaced in before.iter_mut().filter(|c| {
                c.corrected_by.is_none() && same_period(&c.closure, &correction.closure)
            }) {
                replaced.corrected_by = Some(correction.closure.sequence);
            }
        } else {
            correction.differences.push(FieldDifference {
                field: "corrects".to_string(),
                declared: corrects.to_string(),
                recomputed: "-".to_string(),
            });
            correction.status = ClosureStatus::Mismatch;
        }
    }
}

/// What the server stores beside a ticket, derived from it: its local business day, its
/// totals, and the hash its content gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredTicket {
    pub business_date: NaiveDate,
    pub total_ttc: Cents,
    pub total_ht: Cents,
    pub total_vat: Cents,
    pub discount_total: Cents,
    pub content_hash: ChainHash,
}

impl StoredTicket {
    pub fn of(ticket: &Ticket, time_zone: Tz) -> StoredTicket {
        let vat = ticket.body.vat_breakdown();
        StoredTicket {
            business_date: business_date(ticket.body.issued_at, time_zone),
            total_ttc: vat.total_ttc(),
            total_ht: vat.total_ht(),
            total_vat: vat.total_vat(),
            discount_total: ticket.body.discount_total(),
            content_hash: ticket.content_hash(),
        }
    }
}

/// A verification's state after ticket `last`, every ticket up to it present, unaltered and
/// linked: the server keeps it so that the next verification of the register reads only the
/// tickets after it. It is sealed by ticket `last`'s hash, which the chain ties to every
/// ticket before it, and holds only while that ticket is stored as it was (the tickets table
/// refuses updates and deletes) and the store keeps its time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedThrough {
    last: ChainLink,
    time_zone: Tz,
    days: BTreeMap<NaiveDate, ClosureTotals>,
}

impl VerifiedThrough {
    /// The last ticket it covers.
    pub fn through(&self) -> u64 {
        self.last.sequence
    }

    /// The seal of the checkpoint stored as `bytes`: those bytes chained on ticket `last`'s
    /// hash. A stored checkpoint whose seal does not match is not used.
    pub fn seal(&self, bytes: &[u8]) -> ChainHash {
        chain_hash(&self.last.hash, bytes)
    }

    /// Whether `ticket`, as stored now, is still the ticket this checkpoint was taken on.
    pub fn holds_for(&self, ticket: &Ticket, stored: &StoredTicket) -> bool {
        let now = ChainLink {
            sequence: ticket.body.sequence,
            hash: ticket.hash,
            previous_hash: ticket.previous_hash,
            content_hash: stored.content_hash,
        };
        now == self.last
            && ticket.content_hash() == self.last.hash
            && StoredTicket::of(ticket, self.time_zone) == *stored
    }
}

/// Verifies a register from its tickets, read once in number order, and its closures.
#[derive(Debug, Clone)]
pub struct RegisterVerifier {
    time_zone: Tz,
    fiscal_year_end_month: u8,
    days: BTreeMap<NaiveDate, ClosureTotals>,
    tickets: ChainWalk,
}

impl RegisterVerifier {
    pub fn new(time_zone: Tz, fiscal_year_end_month: u8) -> RegisterVerifier {
        RegisterVerifier {
            time_zone,
            fiscal_year_end_month,
            days: BTreeMap::new(),
            tickets: ChainWalk::default(),
        }
    }

    pub fn add_ticket(&mut self, ticket: &Ticket) {
        let derived = StoredTicket::of(ticket, self.time_zone);
        self.add_derived(ticket, derived, true);
    }

    /// A ticket with the columns the server derived from it when it stored it: any that no
    /// longer match the ticket count as an alteration.
    pub fn add_stored(&mut self, ticket: &Ticket, stored: &StoredTicket) {
        let derived = StoredTicket::of(ticket, self.time_zone);
        let consistent = *stored == derived;
        self.add_derived(ticket, derived, consistent);
    }

    /// `derived` holds the ticket's content hash and day, computed once: hashing is most of
    /// the cost of verifying a year of tickets.
    fn add_derived(&mut self, ticket: &Ticket, derived: StoredTicket, consistent: bool) {
        let link = ChainLink {
            sequence: ticket.body.sequence,
            hash: ticket.hash,
            previous_hash: ticket.previous_hash,
            content_hash: derived.content_hash,
        };
        self.tickets.push_checked(link, consistent);
        self.days
            .entry(derived.business_date)
            .or_default()
            .add(ticket);
    }

    /// Where these tickets leave the register, when every one read so far is present,
    /// unaltered and linked (a chain in doubt is read again in full each time).
    pub fn checkpoint(&self) -> Option<VerifiedThrough> {
        if self.tickets.report.first_break.is_some() {
            return None;
        }
        Some(VerifiedThrough {
            last: self.tickets.previous?,
            time_zone: self.time_zone,
            days: self.days.clone(),
        })
    }

    /// Goes on from a checkpoint: the next ticket to add is the one after it. `None` when the
    /// store's time zone has changed since (it decides each ticket's day).
    pub fn resume(
        checkpoint: VerifiedThrough,
        time_zone: Tz,
        fiscal_year_end_month: u8,
    ) -> Option<RegisterVerifier> {
        if checkpoint.time_zone != time_zone {
            return None;
        }
        let through = checkpoint.last.sequence;
        Some(RegisterVerifier {
            time_zone,
            fiscal_year_end_month,
            days: checkpoint.days,
            tickets: ChainWalk {
                report: ChainReport {
                    records: through,
                    intact_through: Some(through),
                    first_break: None,
                },
                previous: Some(checkpoint.last),
            },
        })
    }

    /// `closures` in any order; `today` is the store's business day now, `active_from` the
    /// register's first day of service and `out_of_service_from` its last, if any.
    pub fn finish(
        self,
        closures: &[Closure],
        today: NaiveDate,
        active_from: Option<NaiveDate>,
        last_day: Option<NaiveDate>,
    ) -> RegisterVerification {
        let mut sorted: Vec<&Closure> = closures.iter().collect();
        sorted.sort_by_key(|c| c.body.sequence);
        // Before each day: the perpetual total and the newest ticket's hash.
        let mut running = Cents(0);
        let mut last_hash = ChainHash::GENESIS;
        let mut before: BTreeMap<NaiveDate, (Cents, ChainHash)> = BTreeMap::new();
        for (day, totals) in &self.days {
            before.insert(*day, (running, last_hash));
            running += totals.total_ttc();
            if let Some((_, hash)) = totals.last_ticket {
                last_hash = hash;
            }
        }
        let at_start = |start: NaiveDate| {
            before
                .range(start..)
                .next()
                .map(|(_, v)| *v)
                .unwrap_or((running, last_hash))
        };
        let mut chain = ChainWalk::default();
        let mut checks = Vec::with_capacity(sorted.len());
        let mut previous: Option<ChainLink> = None;
        for closure in sorted {
            let link = ChainLink::from(closure);
            chain.push(link);
            // Its own fault: altered, or not linked to the closure just before it (a gap
            // before it is the missing closures' fault, reported by the chain).
            let expected_link = match previous {
                None if link.sequence == 1 => Some(ChainHash::GENESIS),
                Some(p) if p.sequence + 1 == link.sequence => Some(p.hash),
                _ => None,
            };
            let chain_fault = link.content_hash != link.hash
                || expected_link.is_some_and(|h| h != link.previous_hash);
            previous = Some(link);
            let body = &closure.body;
            let mut totals = ClosureTotals::default();
            for (_, day) in self.days.range(body.period_start..=body.period_end) {
                totals.merge(day);
            }
            let (perpetual_before, previous_ticket_hash) = at_start(body.period_start);
            let recomputed = totals.body(
                body.sequence,
                body.kind,
                body.period_start,
                body.period_end,
                perpetual_before,
                previous_ticket_hash,
                body.closed_at,
            );
            let found = differences(body, &recomputed);
            let status = if found.is_empty() && !chain_fault {
                ClosureStatus::Verified
            } else {
                ClosureStatus::Mismatch
            };
            checks.push(ClosureCheck {
                period: ZPeriod::of_closure(
                    body.kind,
                    body.period_start,
                    body.period_end,
                    self.fiscal_year_end_month,
                )
                .map(|p| p.to_string()),
                closure: body.clone(),
                hash: closure.hash,
                previous_hash: closure.previous_hash,
                status,
                chain_fault,
                differences: found,
                discounts: totals.discounts,
                corrected_by: None,
            });
        }
        link_corrections(&mut checks);
        let received: BTreeSet<String> = checks.iter().filter_map(|c| c.period.clone()).collect();
        let sale_days: BTreeSet<NaiveDate> = self.days.keys().copied().collect();
        let first_day = active_from
            .into_iter()
            .chain(sale_days.first().copied())
            .min();
        let missing = first_day
            .map(|first| {
                due_closures(
                    first,
                    today,
                    last_day,
                    self.fiscal_year_end_month,
                    &sale_days,
                )
                .into_iter()
                .map(|p| p.to_string())
                .filter(|p| !received.contains(p))
                .collect()
            })
            .unwrap_or_default();
        RegisterVerification {
            tickets: self.tickets.finish(),
            closures_chain: chain.finish(),
            closures: checks,
            missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closure::ClosureKind;
    use crate::ticket::{Payment, PaymentMethod, TicketBody, TicketKind, TicketLine};
    use crate::vat::VatRate;
    use chrono::{TimeZone, Utc};

    fn chain(n: u64) -> Vec<Ticket> {
        let mut previous = ChainHash::GENESIS;
        (1..=n)
            .map(|sequence| {
                let price = 1000 + sequence as i64 * 10;
                let ticket = TicketBody {
                    sequence,
                    kind: TicketKind::Sale,
                    issued_at: Utc
                        .with_ymd_and_hms(2026, 3, 10, 9, sequence as u32, 0)
                        .unwrap(),
                    lines: vec![TicketLine {
                        label: "Chiroubles".into(),
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
                .seal(previous);
                previous = ticket.hash;
                ticket
            })
            .collect()
    }

    /// A Paris register whose fiscal year ends in March, around the summer-time change:
    /// two sales on 31 March, a sale at 22:30 UTC on 31 March (00:30 on 1 April in Paris) and
    /// a refund on 1 April; its daily Z for both days, March's grand Z and the annual Z.
    fn spring_register() -> (Vec<Ticket>, Vec<Closure>) {
        let paris = |d, h, m| {
            chrono_tz::Europe::Paris
                .with_ymd_and_hms(
                    2026,
                    if d > 31 { 4 } else { 3 },
                    if d > 31 { d - 31 } else { d },
                    h,
                    m,
                    0,
                )
                .unwrap()
                .with_timezone(&Utc)
        };
        let line = |price: i64, rate| TicketLine {
            label: "x".into(),
            quantity: 1,
            unit_price_ttc: Cents(price),
            vat_rate: rate,
            discount: Cents(0),
        };
        let bodies = vec![
            (
                TicketKind::Sale,
                paris(31, 10, 0),
                vec![line(2450, VatRate::STANDARD), line(690, VatRate::REDUCED)],
                PaymentMethod::Card,
            ),
            (
                TicketKind::Sale,
                paris(31, 18, 0),
                vec![line(890, VatRate::STANDARD)],
                PaymentMethod::Cash,
            ),
            (
                TicketKind::Sale,
                Utc.with_ymd_and_hms(2026, 3, 31, 22, 30, 0).unwrap(),
                vec![line(1200, VatRate::STANDARD)],
                PaymentMethod::Card,
            ),
            (
                TicketKind::Refund,
                paris(32, 11, 0),
                vec![line(690, VatRate::REDUCED)],
                PaymentMethod::Cash,
            ),
        ];
        let mut previous = ChainHash::GENESIS;
        let tickets: Vec<Ticket> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, (kind, issued_at, lines, method))| {
                let total = lines.iter().map(TicketLine::amount_ttc).sum::<Cents>() * kind.sign();
                let t = TicketBody {
                    sequence: i as u64 + 1,
                    kind,
                    issued_at,
                    lines,
                    payments: vec![Payment {
                        method,
                        amount: total,
                    }],
                }
                .seal(previous);
                previous = t.hash;
                t
            })
            .collect();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let at = Utc.with_ymd_and_hms(2026, 4, 1, 20, 0, 0).unwrap();
        let specs = [
            (
                ClosureKind::Daily,
                d(3, 31),
                d(3, 31),
                &refs[..2],
                Cents(0),
                ChainHash::GENESIS,
            ),
            (
                ClosureKind::Monthly,
                d(3, 1),
                d(3, 31),
                &refs[..2],
                Cents(0),
                ChainHash::GENESIS,
            ),
            (
                ClosureKind::Annual,
                NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
                d(3, 31),
                &refs[..2],
                Cents(0),
                ChainHash::GENESIS,
            ),
            (
                ClosureKind::Daily,
                d(4, 1),
                d(4, 1),
                &refs[2..],
                Cents(4030),
                tickets[1].hash,
            ),
        ];
        let mut previous = ChainHash::GENESIS;
        let closures = specs
            .into_iter()
            .enumerate()
            .map(|(i, (kind, start, end, period, perpetual, last_hash))| {
                let c = compute_closure(
                    i as u64 + 1,
                    kind,
                    start,
                    end,
                    period,
                    chrono_tz::Europe::Paris,
                    perpetual,
                    last_hash,
                    at,
                )
                .seal(previous);
                previous = c.hash;
                c
            })
            .collect();
        (tickets, closures)
    }

    fn verify(tickets: &[Ticket], closures: &[Closure], today: NaiveDate) -> RegisterVerification {
        let mut verifier = RegisterVerifier::new(chrono_tz::Europe::Paris, 3);
        for ticket in tickets {
            verifier.add_ticket(ticket);
        }
        verifier.finish(closures, today, None, None)
    }

    /// Verifies the first `split` tickets, keeps the checkpoint as the server would (JSON,
    /// sealed), and goes on from it with the others.
    fn verify_from_checkpoint(
        tickets: &[Ticket],
        closures: &[Closure],
        today: NaiveDate,
        split: usize,
    ) -> RegisterVerification {
        let paris = chrono_tz::Europe::Paris;
        let mut first = RegisterVerifier::new(paris, 3);
        for ticket in &tickets[..split] {
            first.add_ticket(ticket);
        }
        let checkpoint = first
            .checkpoint()
            .expect("an intact chain has a checkpoint");
        let bytes = serde_json::to_vec(&checkpoint).unwrap();
        let seal = checkpoint.seal(&bytes);
        let kept: VerifiedThrough = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(kept.seal(&bytes), seal);
        assert_eq!(kept.through(), split as u64);
        let last = &tickets[split - 1];
        assert!(kept.holds_for(last, &StoredTicket::of(last, paris)));
        let mut verifier = RegisterVerifier::resume(kept, paris, 3).unwrap();
        for ticket in &tickets[split..] {
            verifier.add_ticket(ticket);
        }
        verifier.finish(closures, today, None, None)
    }

    #[test]
    fn going_on_from_a_checkpoint_finds_what_a_full_reading_finds() {
        let (tickets, closures) = spring_register();
        let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let full = verify(&tickets, &closures, today);
        for split in 1..=tickets.len() {
            assert_eq!(
                verify_from_checkpoint(&tickets, &closures, today, split),
                full,
                "checkpoint after ticket {split}"
            );
        }
        // Faults after the checkpoint are found as before: a missing ticket, an altered one.
        let mut gap = tickets.clone();
        gap.remove(2);
        assert_eq!(
            verify_from_checkpoint(&gap, &closures, today, 2),
            verify(&gap, &closures, today)
        );
        let mut altered = tickets.clone();
        altered[3].body.lines[0].unit_price_ttc = Cents(1);
        let found = verify_from_checkpoint(&altered, &closures, today, 2);
        assert_eq!(found, verify(&altered, &closures, today));
        assert_eq!(
            found.tickets.first_break,
            Some(ChainBreak::Altered { sequence: 4 })
        );
    }

    #[test]
    fn a_checkpoint_holds_only_for_its_ticket_its_seal_and_its_time_zone() {
        let (tickets, _) = spring_register();
        let paris = chrono_tz::Europe::Paris;
        let mut verifier = RegisterVerifier::new(paris, 3);
        for ticket in &tickets[..2] {
            verifier.add_ticket(ticket);
        }
        let checkpoint = verifier.checkpoint().unwrap();
        let stored = |t: &Ticket| StoredTicket::of(t, paris);
        assert!(checkpoint.holds_for(&tickets[1], &stored(&tickets[1])));
        assert!(!checkpoint.holds_for(&tickets[2], &stored(&tickets[2])));
        // Ticket 2 stored differently since (content, or the server's derived columns).
        let mut altered = tickets[1].clone();
        altered.body.lines[0].quantity = 3;
        assert!(!checkpoint.holds_for(&altered, &stored(&tickets[1])));
        let mut derived = stored(&tickets[1]);
        derived.total_vat += Cents(1);
        assert!(!checkpoint.holds_for(&tickets[1], &derived));
        // A checkpoint edited after sealing.
        let bytes = serde_json::to_vec(&checkpoint).unwrap();
        let seal = checkpoint.seal(&bytes);
        assert_eq!(checkpoint.seal(&bytes), seal);
        let mut edited = bytes.clone();
        *edited.last_mut().unwrap() = b' ';
        assert_ne!(checkpoint.seal(&edited), seal);
        assert!(
            RegisterVerifier::resume(checkpoint.clone(), chrono_tz::America::Martinique, 3)
                .is_none()
        );
        // A chain in doubt gives none.
        let mut broken = RegisterVerifier::new(paris, 3);
        broken.add_ticket(&tickets[0]);
        broken.add_ticket(&tickets[2]);
        assert!(broken.checkpoint().is_none());
        assert!(RegisterVerifier::new(paris, 3).checkpoint().is_none());
    }

    #[test]
    fn a_register_verifies_end_to_end_across_local_midnight() {
        let (tickets, closures) = spring_register();
        let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let report = verify(&tickets, &closures, today);
        assert!(
            report
                .closures
                .iter()
                .all(|c| c.status == ClosureStatus::Verified),
            "{report:?}"
        );
        assert_eq!(report.tickets.intact_through, Some(4));
        assert_eq!(report.closures_chain.intact_through, Some(4));
        assert!(report.missing.is_empty(), "{:?}", report.missing);
        assert!(report.is_intact());
        // By hand, 1 April in Paris: 12,00 at 20 % (VAT 2,00) less 6,90 at 5,5 % (VAT 0,36):
        // TTC 5,10, VAT 1,64, HT 3,46; perpetual 40,30 + 5,10.
        let april = &report.closures[3];
        assert_eq!(april.period.as_deref(), Some("2026-04-01"));
        assert_eq!(
            (
                april.closure.total_ttc,
                april.closure.total_ht,
                april.closure.ticket_count
            ),
            (Cents(510), Cents(346), 2)
        );
        assert_eq!(april.closure.perpetual_grand_total, Cents(4540));
        assert_eq!(april.closure.cancellations_ttc, Cents(-690));
        assert_eq!(report.closures[2].period.as_deref(), Some("FY2026"));
        // April is over on 1 May: its grand Z is missing.
        let may = verify(
            &tickets,
            &closures,
            NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        );
        assert_eq!(may.missing, vec!["2026-04"]);
        assert!(!may.is_intact());
    }

    #[test]
    fn a_lie_or_an_alteration_is_found() {
        let (tickets, closures) = spring_register();
        let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        // A register that declares 10 € more on 31 March, sealed consistently.
        let mut lying = closures.clone();
        let mut body = lying[0].body.clone();
        body.total_ttc += Cents(1000);
        lying[0] = body.seal(ChainHash::GENESIS);
        let report = verify(&tickets, &lying, today);
        assert_eq!(report.closures[0].status, ClosureStatus::Mismatch);
        assert!(!report.closures[0].chain_fault);
        assert_eq!(report.closures[0].differences[0].field, "total_ttc");
        // The next closure no longer links to it.
        assert!(report.closures[1].chain_fault);
        assert_eq!(
            report.closures_chain.first_break,
            Some(ChainBreak::Unlinked { sequence: 2 })
        );
        // A stored ticket edited afterwards: the ticket chain breaks there and the closures
        // covering it no longer match.
        let mut edited = tickets.clone();
        edited[2].body.lines[0].unit_price_ttc = Cents(1100);
        edited[2].body.payments[0].amount = Cents(1100);
        let report = verify(&edited, &closures, today);
        assert_eq!(
            report.tickets.first_break,
            Some(ChainBreak::Altered { sequence: 3 })
        );
        assert_eq!(report.closures[3].status, ClosureStatus::Mismatch);
        assert_eq!(report.closures[0].status, ClosureStatus::Verified);
        // A ticket the server never received.
        let withheld: Vec<Ticket> = tickets[..3].to_vec();
        let report = verify(&withheld, &closures, today);
        let april = &report.closures[3];
        assert_eq!(april.differences[0].field, "last_ticket");
        assert_eq!(april.differences[0].declared, "4");
    }

    /// Appends `body` to the closure chain `closures`, sealed on its last closure.
    fn append(closures: &mut Vec<Closure>, mut body: ClosureBody) {
        body.sequence = closures.len() as u64 + 1;
        let previous = closures.last().map_or(ChainHash::GENESIS, |c| c.hash);
        closures.push(body.seal(previous));
    }

    /// The spring register's closures resealed with 31 March's daily Z declaring 10 € too
    /// much, and the chain going on from it.
    fn first_declares_too_much(closures: &[Closure]) -> Vec<Closure> {
        let mut wrong = closures[0].body.clone();
        wrong.total_ttc += Cents(1000);
        let mut chain = Vec::new();
        append(&mut chain, wrong);
        for closure in &closures[1..] {
            append(&mut chain, closure.body.clone());
        }
        chain
    }

    /// The brief the Z page reads says what the full verification says: the fault while the
    /// wrong closure stands, then the correction in force for its day.
    #[test]
    fn the_brief_says_what_the_verification_says() {
        use crate::closure::ClosureKind;
        let (tickets, closures) = spring_register();
        let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let mut chain = first_declares_too_much(&closures);
        let full = verify(&tickets, &chain, today);
        let brief = full.brief();
        assert_eq!(brief.is_intact(), full.is_intact());
        assert!(!brief.is_intact());
        let day = brief
            .closure_for("2026-03-31", ClosureKind::Daily)
            .expect("31 March");
        assert!(day.fault && !day.corrected && day.sequence == 1);
        assert!(brief
            .closure_for("2026-03-31", ClosureKind::Monthly)
            .is_none());

        let mut correction = closures[0].body.clone();
        correction.corrects = Some(1);
        correction.closed_at += chrono::Duration::days(1);
        append(&mut chain, correction);
        let full = verify(&tickets, &chain, today);
        let brief = full.brief();
        assert!(brief.is_intact() && full.is_intact());
        let day = brief
            .closure_for("2026-03-31", ClosureKind::Daily)
            .expect("31 March");
        assert_eq!((day.sequence, day.fault), (5, false));
        assert!(brief.closures[0].corrected);
        assert_eq!(brief.closures.len(), full.closures.len());
        assert_eq!(brief.missing, full.missing);
        assert!(
            serde_json::to_string(&brief).unwrap().len() * 3
                < serde_json::to_string(&full).unwrap().len(),
            "the brief is much lighter"
        );
    }

    #[test]
    fn a_wrong_closure_is_corrected_by_a_new_one_that_refers_to_it() {
        let (tickets, closures) = spring_register();
        let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let mut chain = first_declares_too_much(&closures);
        let report = verify(&tickets, &chain, today);
        assert!(report.closures[0].is_fault());
        assert!(!report.is_intact());
        // The register issues closure 5: the same day, right, naming closure 1.
        let mut correction = closures[0].body.clone();
        correction.corrects = Some(1);
        correction.closed_at += chrono::Duration::days(1);
        append(&mut chain, correction.clone());
        let report = verify(&tickets, &chain, today);
        let (corrected, correcting) = (&report.closures[0], &report.closures[4]);
        assert_eq!(corrected.status, ClosureStatus::Mismatch, "kept as it was");
        assert_eq!(corrected.corrected_by, Some(5));
        assert!(!corrected.is_fault());
        assert_eq!(correcting.status, ClosureStatus::Verified);
        assert_eq!(correcting.period.as_deref(), Some("2026-03-31"));
        assert!(report.is_intact(), "{report:?}");
        // The correction's number is sealed: the hash of a correction differs from the same
        // closure's without it.
        let mut plain = correction.clone();
        plain.corrects = None;
        assert_ne!(
            plain.seal(ChainHash::GENESIS).hash,
            correction.clone().seal(ChainHash::GENESIS).hash
        );
        // A second correction of closure 1 replaces the first one too: one closure in force.
        let mut twice = chain.clone();
        let mut again = correction.clone();
        again.closed_at += chrono::Duration::hours(1);
        append(&mut twice, again);
        let report = verify(&tickets, &twice, today);
        let in_force: Vec<u64> = report
            .closures
            .iter()
            .filter(|c| c.period.as_deref() == Some("2026-03-31") && c.corrected_by.is_none())
            .map(|c| c.closure.sequence)
            .collect();
        assert_eq!(in_force, [6]);
        assert_eq!(report.closures[4].corrected_by, Some(6));
        assert!(report.is_intact());
        // A correction that is wrong too leaves the day in doubt.
        let mut chain_wrong = chain.clone();
        chain_wrong.pop();
        let mut still_wrong = correction.clone();
        still_wrong.total_ttc += Cents(1);
        append(&mut chain_wrong, still_wrong);
        let report = verify(&tickets, &chain_wrong, today);
        assert!(!report.closures[0].is_fault() && report.closures[4].is_fault());
        assert!(!report.is_intact());
        // One that names a closure of another period corrects nothing.
        let mut misplaced = chain.clone();
        misplaced.pop();
        let mut other_day = closures[3].body.clone();
        other_day.corrects = Some(1);
        append(&mut misplaced, other_day);
        let report = verify(&tickets, &misplaced, today);
        assert_eq!(report.closures[0].corrected_by, None);
        assert_eq!(report.closures[4].status, ClosureStatus::Mismatch);
        assert_eq!(report.closures[4].differences[0].field, "corrects");
        // A closure cannot correct itself or a later one.
        let mut forward = correction;
        forward.sequence = 5;
        forward.corrects = Some(5);
        assert_eq!(
            forward.validate(),
            Err(crate::closure::ClosureError::Corrects {
                sequence: 5,
                corrects: 5
            })
        );
    }

    #[test]
    fn an_intact_chain_is_intact_to_its_end() {
        let tickets = chain(5);
        let report = check_chain(tickets.iter().map(ChainLink::from));
        assert_eq!(report.intact_through, Some(5));
        assert_eq!(report.first_break, None);
        assert_eq!(report.records, 5);
        assert_eq!(check_chain([]), ChainReport::default());
    }

    #[test]
    fn the_first_break_is_named() {
        let tickets = chain(6);
        let mut altered = tickets.clone();
        altered[3].body.lines[0].quantity = 2;
        let report = check_chain(altered.iter().map(ChainLink::from));
        assert_eq!(report.intact_through, Some(3));
        assert_eq!(
            report.first_break,
            Some(ChainBreak::Altered { sequence: 4 })
        );
        let missing: Vec<ChainLink> = tickets
            .iter()
            .filter(|t| !(3..=4).contains(&t.body.sequence))
            .map(ChainLink::from)
            .collect();
        let report = check_chain(missing);
        assert_eq!(
            report.first_break,
            Some(ChainBreak::Missing { first: 3, last: 4 })
        );
        assert_eq!(report.intact_through, Some(2));
        // A ticket resealed on another predecessor: its own hash holds, its link does not.
        let mut relinked = tickets.clone();
        relinked[2] = relinked[2].body.clone().seal(tickets[0].hash);
        let report = check_chain(relinked.iter().map(ChainLink::from));
        assert_eq!(
            report.first_break,
            Some(ChainBreak::Unlinked { sequence: 3 })
        );
        // A chain that does not start at 1.
        let report = check_chain(tickets[1..].iter().map(ChainLink::from));
        assert_eq!(
            report.first_break,
            Some(ChainBreak::Missing { first: 1, last: 1 })
        );
        assert_eq!(report.intact_through, None);
    }

    #[test]
    fn a_closure_matches_its_tickets_or_says_which_fields_differ() {
        let tickets = chain(4);
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let closed_at = Utc.with_ymd_and_hms(2026, 3, 10, 19, 0, 0).unwrap();
        let declared = compute_closure(
            1,
            ClosureKind::Daily,
            day,
            day,
            &refs,
            chrono_tz::Europe::Paris,
            Cents(500),
            ChainHash::GENESIS,
            closed_at,
        );
        let again = recompute(
            &declared,
            &refs,
            chrono_tz::Europe::Paris,
            Cents(500),
            ChainHash::GENESIS,
        );
        assert!(differences(&declared, &again).is_empty());
        // The server lacks ticket 4: count, last number, totals, payments and hashes differ.
        let fewer = recompute(
            &declared,
            &refs[..3],
            chrono_tz::Europe::Paris,
            Cents(500),
            ChainHash::GENESIS,
        );
        let fields: Vec<String> = differences(&declared, &fewer)
            .into_iter()
            .map(|d| d.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "last_ticket",
                "ticket_count",
                "total_ttc",
                "total_ht",
                "vat",
                "payments",
                "period_grand_total",
                "perpetual_grand_total",
                "last_ticket_hash"
            ]
        );
        // A perpetual total that does not continue the register's history.
        let mut wrong = declared.clone();
        wrong.perpetual_grand_total = Cents(1);
        let found = differences(&wrong, &again);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "perpetual_grand_total");
        assert_eq!(found[0].declared, "1");
    }
}
