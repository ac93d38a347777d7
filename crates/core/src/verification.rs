//! Verifying what a register sent: each closure recomputed from the tickets the server holds
//! and compared field by field, and each chain (tickets, closures) walked in number order to
//! say up to which number it is intact and where it first breaks.

use crate::chain::ChainHash;
use crate::closure::{compute_closure, Closure, ClosureBody};
use crate::money::Cents;
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// One field of a closure that the tickets do not give.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDifference {
    pub field: String,
    pub declared: String,
    pub recomputed: String,
}

/// The closure the tickets give for the same register, number, kind, period and closing
/// time as `declared`: `tickets` are those of its period, `perpetual_before` the sum of every
/// earlier ticket, `previous_ticket_hash` the hash of the last ticket before the period.
pub fn recompute(
    declared: &ClosureBody,
    tickets: &[&Ticket],
    perpetual_before: Cents,
    previous_ticket_hash: ChainHash,
) -> ClosureBody {
    compute_closure(
        declared.sequence,
        declared.kind,
        declared.period_start,
        declared.period_end,
        tickets,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        self.report.records += 1;
        if self.report.first_break.is_none() {
            let expected_number = self.previous.map_or(1, |p| p.sequence + 1);
            let expected_link = self.previous.map_or(ChainHash::GENESIS, |p| p.hash);
            let fault = if link.sequence != expected_number {
                Some(ChainBreak::Missing {
                    first: expected_number,
                    last: link.sequence.saturating_sub(1),
                })
            } else if link.content_hash != link.hash {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closure::ClosureKind;
    use crate::ticket::{Payment, PaymentMethod, TicketBody, TicketKind, TicketLine};
    use crate::vat::VatRate;
    use chrono::{NaiveDate, TimeZone, Utc};

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
            Cents(500),
            ChainHash::GENESIS,
            closed_at,
        );
        let again = recompute(&declared, &refs, Cents(500), ChainHash::GENESIS);
        assert!(differences(&declared, &again).is_empty());
        // The server lacks ticket 4: count, last number, totals, payments and hashes differ.
        let fewer = recompute(&declared, &refs[..3], Cents(500), ChainHash::GENESIS);
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
