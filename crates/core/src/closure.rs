//! Closures (Z): a register's daily, monthly and annual totals, chained like its tickets.
//!
//! A closure's hash is `SHA-256(previous closure hash ‖ canonical bytes)`; each closure also
//! carries the hash of the last ticket it covers, which ties the closure chain to the ticket
//! chain. The canonical form, like the tickets', is defined once, here:
//!
//! ```text
//! multicaisse-closure-v1
//! sequence=<n>
//! kind=daily|monthly|annual
//! period=<YYYY-MM-DD>..<YYYY-MM-DD>
//! tickets=<first or ->..<last or ->|<count>
//! totals=<ttc>|<ht>|<cancellations ttc>
//! vat=<basis points>|<ttc>|<ht>|<vat>          (one per rate, by rate)
//! payment=<method>|<amount>                     (one per method, by method)
//! grand_totals=<period>|<perpetual>
//! last_ticket_hash=<hex>
//! closed_at=<ms since epoch>
//! ```

use crate::chain::{chain_hash, ChainHash};
use crate::money::Cents;
use crate::store::business_date;
use crate::ticket::{Payment, PaymentMethod, Ticket, TicketKind};
use crate::vat::{VatBreakdown, VatLine, VatRate};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureKind {
    Daily,
    Monthly,
    Annual,
}

impl ClosureKind {
    pub fn code(self) -> &'static str {
        match self {
            ClosureKind::Daily => "daily",
            ClosureKind::Monthly => "monthly",
            ClosureKind::Annual => "annual",
        }
    }

    pub fn from_code(code: &str) -> Option<ClosureKind> {
        [
            ClosureKind::Daily,
            ClosureKind::Monthly,
            ClosureKind::Annual,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// Everything a closure's hash covers.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureBody {
    /// Per-register closure number, 1, 2, 3…, all kinds together, in the order generated.
    pub sequence: u64,
    pub kind: ClosureKind,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub first_ticket: Option<u64>,
    pub last_ticket: Option<u64>,
    pub ticket_count: u64,
    pub total_ttc: Cents,
    pub total_ht: Cents,
    pub vat: Vec<VatLine>,
    /// Totals per payment method, by method.
    pub payments: Vec<Payment>,
    /// Refund tickets of the period, TTC, as a negative amount.
    pub cancellations_ttc: Cents,
    pub period_grand_total: Cents,
    /// Every sale of the register since its first ticket, never reset.
    pub perpetual_grand_total: Cents,
    pub last_ticket_hash: ChainHash,
    pub closed_at: DateTime<Utc>,
    /// The number of the closure this one corrects: a closure is never edited, so a register
    /// that finds one wrong issues a new one, of the same kind and period, that refers to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<u64>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    #[serde(flatten)]
    pub body: ClosureBody,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClosureError {
    #[error("closure {sequence}: period {start}..{end} is not a {kind} period (in the years 2000 to 2100)")]
    Period {
        sequence: u64,
        kind: &'static str,
        start: NaiveDate,
        end: NaiveDate,
    },
    #[error("closure {sequence}: HT {ht} plus VAT {vat} is not TTC {ttc} (cents)")]
    VatTotals {
        sequence: u64,
        ht: i64,
        vat: i64,
        ttc: i64,
    },
    #[error("closure {sequence}: payments add up to {paid} cents but the total is {ttc}")]
    Payments { sequence: u64, paid: i64, ttc: i64 },
    #[error("closure {sequence}: {count} tickets do not fit in numbers {first:?}..{last:?}")]
    Tickets {
        sequence: u64,
        count: u64,
        first: Option<u64>,
        last: Option<u64>,
    },
    #[error("closure {sequence}, {field}: {amount} cents is out of range")]
    Amount {
        sequence: u64,
        field: String,
        amount: i64,
    },
    #[error("closure {sequence}: closure numbers start at 1")]
    Sequence { sequence: u64 },
    #[error("closure {sequence}: it can only correct an earlier closure, not {corrects}")]
    Corrects { sequence: u64, corrects: u64 },
}

/// More VAT rates or payment methods than a closure can have.
const MAX_CLOSURE_LINES: usize = 64;

fn last_day_of_month(day: NaiveDate) -> Option<NaiveDate> {
    let first = day.with_day(1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

impl ClosureBody {
    /// Checks the closure is consistent in itself: its period fits its kind, its sums add up.
    pub fn validate(&self) -> Result<(), ClosureError> {
        let sequence = self.sequence;
        if sequence == 0 {
            return Err(ClosureError::Sequence { sequence });
        }
        if let Some(corrects) = self.corrects.filter(|c| *c == 0 || *c >= sequence) {
            return Err(ClosureError::Corrects { sequence, corrects });
        }
        let (start, end) = (self.period_start, self.period_end);
        let period_ok = match self.kind {
            ClosureKind::Daily => start == end,
            ClosureKind::Monthly => start.day() == 1 && Some(end) == last_day_of_month(start),
            ClosureKind::Annual => {
                start.day() == 1
                    && start
                        .checked_add_months(Months::new(11))
                        .and_then(last_day_of_month)
                        == Some(end)
            }
        };
        let plausible = crate::period::is_plausible(start) && crate::period::is_plausible(end);
        if !period_ok || !plausible {
            return Err(ClosureError::Period {
                sequence,
                kind: self.kind.code(),
                start,
                end,
            });
        }
        self.check_amounts()?;
        // Each amount is within MAX_CLOSURE and the lists are short: these sums fit.
        let vat: Cents = self.vat.iter().map(|l| l.vat).sum();
        let ht: Cents = self.vat.iter().map(|l| l.ht).sum();
        let ttc: Cents = self.vat.iter().map(|l| l.ttc).sum();
        if ht != self.total_ht || ttc != self.total_ttc || ht + vat != ttc {
            return Err(ClosureError::VatTotals {
                sequence,
                ht: self.total_ht.0,
                vat: vat.0,
                ttc: self.total_ttc.0,
            });
        }
        let paid: Cents = self.payments.iter().map(|p| p.amount).sum();
        if paid != self.total_ttc {
            return Err(ClosureError::Payments {
                sequence,
                paid: paid.0,
                ttc: self.total_ttc.0,
            });
        }
        let fits = match (self.first_ticket, self.last_ticket) {
            (None, None) => self.ticket_count == 0,
            (Some(first), Some(last)) => {
                first <= last && self.ticket_count <= last - first + 1 && self.ticket_count > 0
            }
            _ => false,
        };
        if !fits {
            return Err(ClosureError::Tickets {
                sequence,
                count: self.ticket_count,
                first: self.first_ticket,
                last: self.last_ticket,
            });
        }
        Ok(())
    }

    /// Every amount a device sent, bounded before anything adds them.
    fn check_amounts(&self) -> Result<(), ClosureError> {
        let sequence = self.sequence;
        if self.vat.len() > MAX_CLOSURE_LINES || self.payments.len() > MAX_CLOSURE_LINES {
            return Err(ClosureError::Amount {
                sequence,
                field: "vat or payments (too many lines)".into(),
                amount: 0,
            });
        }
        let fields = [
            ("total_ttc".to_string(), self.total_ttc),
            ("total_ht".to_string(), self.total_ht),
            ("cancellations_ttc".to_string(), self.cancellations_ttc),
            ("period_grand_total".to_string(), self.period_grand_total),
            (
                "perpetual_grand_total".to_string(),
                self.perpetual_grand_total,
            ),
        ];
        let vat = self.vat.iter().enumerate().flat_map(|(i, l)| {
            [
                (format!("vat {} ttc", i + 1), l.ttc),
                (format!("vat {} ht", i + 1), l.ht),
                (format!("vat {} vat", i + 1), l.vat),
            ]
        });
        let payments = self
            .payments
            .iter()
            .map(|p| (format!("payment {}", p.method.code()), p.amount));
        match fields
            .into_iter()
            .chain(vat)
            .chain(payments)
            .find(|(_, amount)| !amount.within(Cents::MAX_CLOSURE))
        {
            Some((field, amount)) => Err(ClosureError::Amount {
                sequence,
                field,
                amount: amount.0,
            }),
            None => Ok(()),
        }
    }

    pub fn seal(self, previous_hash: ChainHash) -> Closure {
        let hash = closure_hash(&previous_hash, &self);
        Closure {
            body: self,
            previous_hash,
            hash,
        }
    }
}

impl Closure {
    pub fn content_hash(&self) -> ChainHash {
        closure_hash(&self.previous_hash, &self.body)
    }
}

/// The canonical bytes of a closure (see the module documentation).
pub fn canonical_closure(body: &ClosureBody) -> String {
    let mut out = String::with_capacity(512);
    let number = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    let _ = writeln!(out, "multicaisse-closure-v1");
    let _ = writeln!(out, "sequence={}", body.sequence);
    let _ = writeln!(out, "kind={}", body.kind.code());
    let _ = writeln!(out, "period={}..{}", body.period_start, body.period_end);
    let _ = writeln!(
        out,
        "tickets={}..{}|{}",
        number(body.first_ticket),
        number(body.last_ticket),
        body.ticket_count
    );
    let _ = writeln!(
        out,
        "totals={}|{}|{}",
        body.total_ttc.0, body.total_ht.0, body.cancellations_ttc.0
    );
    let mut vat = body.vat.clone();
    vat.sort_by_key(|l| l.rate);
    for line in vat {
        let _ = writeln!(
            out,
            "vat={}|{}|{}|{}",
            line.rate.basis_points(),
            line.ttc.0,
            line.ht.0,
            line.vat.0
        );
    }
    let mut payments = body.payments.clone();
    payments.sort_by_key(|p| p.method);
    for payment in payments {
        let _ = writeln!(
            out,
            "payment={}|{}",
            payment.method.code(),
            payment.amount.0
        );
    }
    let _ = writeln!(
        out,
        "grand_totals={}|{}",
        body.period_grand_total.0, body.perpetual_grand_total.0
    );
    let _ = writeln!(out, "last_ticket_hash={}", body.last_ticket_hash.to_hex());
    let _ = writeln!(out, "closed_at={}", body.closed_at.timestamp_millis());
    // Only when present, so that every closure sealed before corrections existed keeps its hash.
    if let Some(corrects) = body.corrects {
        let _ = writeln!(out, "corrects={corrects}");
    }
    out
}

pub fn closure_hash(previous: &ChainHash, body: &ClosureBody) -> ChainHash {
    chain_hash(previous, canonical_closure(body).as_bytes())
}

/// What a set of tickets adds up to, as a closure needs it. Tickets are added one business
/// day at a time ([`ClosureTotals::add`]); a month or a year merges its days
/// ([`ClosureTotals::merge`]), whose VAT lines it adds without rounding again: a monthly Z is
/// exactly the sum of its daily Z (the rule is `crate::vat`'s).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureTotals {
    /// Net TTC per rate of the tickets added (one day's), every rate seen (even netting to zero).
    pub ttc_per_rate: BTreeMap<VatRate, Cents>,
    /// The VAT lines of the days merged in, each rounded on its own day's TTC.
    pub days: VatBreakdown,
    /// Net amount per payment method, every method seen.
    pub payments: BTreeMap<PaymentMethod, Cents>,
    pub cancellations_ttc: Cents,
    pub discounts: Cents,
    pub ticket_count: u64,
    pub first_ticket: Option<u64>,
    /// The highest ticket number, with its hash.
    pub last_ticket: Option<(u64, ChainHash)>,
}

impl ClosureTotals {
    /// Adds a ticket of the day these totals are for.
    pub fn add(&mut self, ticket: &Ticket) {
        for (rate, ttc) in ticket.body.line_amounts() {
            *self.ttc_per_rate.entry(rate).or_default() += ttc;
        }
        for payment in &ticket.body.payments {
            *self.payments.entry(payment.method).or_default() += payment.amount;
        }
        if ticket.body.kind == TicketKind::Refund {
            self.cancellations_ttc += ticket.body.total_ttc();
        }
        self.discounts += ticket.body.discount_total();
        self.ticket_count += 1;
        let sequence = ticket.body.sequence;
        self.first_ticket = Some(self.first_ticket.map_or(sequence, |f| f.min(sequence)));
        if self.last_ticket.is_none_or(|(last, _)| sequence > last) {
            self.last_ticket = Some((sequence, ticket.hash));
        }
    }

    /// Adds the totals of other days (one day, or several already merged).
    pub fn merge(&mut self, other: &ClosureTotals) {
        self.days.add(&other.vat());
        for (method, amount) in &other.payments {
            *self.payments.entry(*method).or_default() += *amount;
        }
        self.cancellations_ttc += other.cancellations_ttc;
        self.discounts += other.discounts;
        self.ticket_count += other.ticket_count;
        self.first_ticket = match (self.first_ticket, other.first_ticket) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_ticket = match (self.last_ticket, other.last_ticket) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
    }

    /// The VAT lines: the merged days', plus the tickets' day rounded once per rate.
    pub fn vat(&self) -> VatBreakdown {
        let mut vat = self.days.clone();
        vat.add(&VatBreakdown::from_ttc_amounts(
            self.ttc_per_rate.iter().map(|(r, c)| (*r, *c)),
        ));
        vat
    }

    pub fn total_ttc(&self) -> Cents {
        self.days.total_ttc() + self.ttc_per_rate.values().copied().sum()
    }

    /// The closure these totals give. `perpetual_before` is the register's perpetual grand
    /// total before them; `previous_ticket_hash` the hash of its newest earlier ticket.
    #[allow(clippy::too_many_arguments)]
    pub fn body(
        &self,
        sequence: u64,
        kind: ClosureKind,
        period_start: NaiveDate,
        period_end: NaiveDate,
        perpetual_before: Cents,
        previous_ticket_hash: ChainHash,
        closed_at: DateTime<Utc>,
    ) -> ClosureBody {
        let vat = self.vat();
        let total_ttc = vat.total_ttc();
        ClosureBody {
            sequence,
            kind,
            period_start,
            period_end,
            first_ticket: self.first_ticket,
            last_ticket: self.last_ticket.map(|(n, _)| n),
            ticket_count: self.ticket_count,
            total_ttc,
            total_ht: vat.total_ht(),
            vat: vat.lines,
            payments: self
                .payments
                .iter()
                .map(|(method, amount)| Payment {
                    method: *method,
                    amount: *amount,
                })
                .collect(),
            cancellations_ttc: self.cancellations_ttc,
            period_grand_total: total_ttc,
            perpetual_grand_total: perpetual_before + total_ttc,
            last_ticket_hash: self.last_ticket.map_or(previous_ticket_hash, |(_, h)| h),
            closed_at,
            corrects: None,
        }
    }
}

/// Computes a closure from the tickets of its period, as a register (or the server, to
/// verify one) does: day by day in the store's `time_zone`, each day's VAT rounded on its own
/// TTC. `perpetual_before` is the register's perpetual grand total before these tickets;
/// `last_ticket_hash` the hash of the newest ticket up to the period's end (the previous one
/// when the period sold nothing).
#[allow(clippy::too_many_arguments)]
pub fn compute_closure(
    sequence: u64,
    kind: ClosureKind,
    period_start: NaiveDate,
    period_end: NaiveDate,
    tickets: &[&Ticket],
    time_zone: Tz,
    perpetual_before: Cents,
    last_ticket_hash: ChainHash,
    closed_at: DateTime<Utc>,
) -> ClosureBody {
    let mut days: BTreeMap<NaiveDate, ClosureTotals> = BTreeMap::new();
    for ticket in tickets {
        days.entry(business_date(ticket.body.issued_at, time_zone))
            .or_default()
            .add(ticket);
    }
    let mut totals = ClosureTotals::default();
    for day in days.values() {
        totals.merge(day);
    }
    totals.body(
        sequence,
        kind,
        period_start,
        period_end,
        perpetual_before,
        last_ticket_hash,
        closed_at,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{TicketBody, TicketLine};
    use crate::vat::VatRate;
    use chrono::TimeZone;

    const PARIS: Tz = chrono_tz::Europe::Paris;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ticket(
        sequence: u64,
        kind: TicketKind,
        lines: Vec<(i32, i64, VatRate)>,
        method: PaymentMethod,
        previous: ChainHash,
    ) -> Ticket {
        let lines: Vec<TicketLine> = lines
            .into_iter()
            .map(|(quantity, price, rate)| TicketLine {
                label: "x".into(),
                quantity,
                unit_price_ttc: Cents(price),
                vat_rate: rate,
                discount: Cents(0),
            })
            .collect();
        let total = lines.iter().map(TicketLine::amount_ttc).sum::<Cents>() * kind.sign();
        TicketBody {
            sequence,
            kind,
            issued_at: Utc.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).unwrap(),
            lines,
            payments: vec![Payment {
                method,
                amount: total,
            }],
        }
        .seal(previous)
    }

    fn day_of_sales() -> Vec<Ticket> {
        let t1 = ticket(
            41,
            TicketKind::Sale,
            vec![(2, 2450, VatRate::STANDARD)],
            PaymentMethod::Card,
            ChainHash::GENESIS,
        );
        let t2 = ticket(
            42,
            TicketKind::Sale,
            vec![(1, 690, VatRate::REDUCED), (1, 890, VatRate::STANDARD)],
            PaymentMethod::Cash,
            t1.hash,
        );
        let t3 = ticket(
            43,
            TicketKind::Refund,
            vec![(1, 890, VatRate::STANDARD)],
            PaymentMethod::Cash,
            t2.hash,
        );
        vec![t1, t2, t3]
    }

    #[test]
    fn a_daily_z_against_hand_computed_totals() {
        let tickets = day_of_sales();
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let z = compute_closure(
            7,
            ClosureKind::Daily,
            d(2026, 3, 10),
            d(2026, 3, 10),
            &refs,
            PARIS,
            Cents(100_000),
            ChainHash::GENESIS,
            Utc::now(),
        );
        // 49,00 + 15,80 − 8,90 = 55,90 TTC. 20 %: 49,00 + 8,90 − 8,90 = 49,00 → VAT 8,17.
        // 5,5 %: 6,90 → VAT 0,36. HT = 55,90 − 8,53 = 47,37.
        assert_eq!(z.total_ttc, Cents(5590));
        assert_eq!(z.total_ht, Cents(4737));
        assert_eq!(
            z.vat.iter().map(|l| l.vat.0).collect::<Vec<_>>(),
            vec![36, 817]
        );
        assert_eq!(
            z.payments,
            vec![
                Payment {
                    method: PaymentMethod::Card,
                    amount: Cents(4900)
                },
                Payment {
                    method: PaymentMethod::Cash,
                    amount: Cents(690)
                },
            ]
        );
        assert_eq!(z.cancellations_ttc, Cents(-890));
        assert_eq!(
            (z.first_ticket, z.last_ticket, z.ticket_count),
            (Some(41), Some(43), 3)
        );
        assert_eq!(z.perpetual_grand_total, Cents(105_590));
        assert_eq!(z.last_ticket_hash, tickets[2].hash);
        assert_eq!(z.validate(), Ok(()));
    }

    #[test]
    fn an_empty_day_keeps_the_previous_ticket_hash() {
        let previous = day_of_sales()[2].hash;
        let z = compute_closure(
            8,
            ClosureKind::Daily,
            d(2026, 3, 11),
            d(2026, 3, 11),
            &[],
            PARIS,
            Cents(5),
            previous,
            Utc::now(),
        );
        assert_eq!(
            (z.ticket_count, z.first_ticket, z.total_ttc),
            (0, None, Cents(0))
        );
        assert_eq!(z.last_ticket_hash, previous);
        assert_eq!(z.perpetual_grand_total, Cents(5));
        assert_eq!(z.validate(), Ok(()));
    }

    #[test]
    fn periods_must_fit_their_kind() {
        let tickets = day_of_sales();
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let at = Utc::now();
        let ok = |kind, start, end| {
            compute_closure(
                1,
                kind,
                start,
                end,
                &refs,
                PARIS,
                Cents(0),
                ChainHash::GENESIS,
                at,
            )
            .validate()
        };
        assert_eq!(
            ok(ClosureKind::Monthly, d(2026, 2, 1), d(2026, 2, 28)),
            Ok(())
        );
        assert_eq!(
            ok(ClosureKind::Monthly, d(2028, 2, 1), d(2028, 2, 29)),
            Ok(())
        );
        assert!(ok(ClosureKind::Monthly, d(2026, 2, 1), d(2026, 3, 1)).is_err());
        assert!(ok(ClosureKind::Daily, d(2026, 2, 1), d(2026, 2, 2)).is_err());
        // A fiscal year ending in March.
        assert_eq!(
            ok(ClosureKind::Annual, d(2025, 4, 1), d(2026, 3, 31)),
            Ok(())
        );
        assert!(ok(ClosureKind::Annual, d(2025, 4, 1), d(2026, 4, 30)).is_err());
    }

    #[test]
    fn sums_that_do_not_add_up_are_refused() {
        let tickets = day_of_sales();
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let mut z = compute_closure(
            1,
            ClosureKind::Daily,
            d(2026, 3, 10),
            d(2026, 3, 10),
            &refs,
            PARIS,
            Cents(0),
            ChainHash::GENESIS,
            Utc::now(),
        );
        z.total_ht = Cents(1);
        assert!(matches!(z.validate(), Err(ClosureError::VatTotals { .. })));
        let mut z2 = compute_closure(
            1,
            ClosureKind::Daily,
            d(2026, 3, 10),
            d(2026, 3, 10),
            &refs,
            PARIS,
            Cents(0),
            ChainHash::GENESIS,
            Utc::now(),
        );
        z2.payments.pop();
        assert!(matches!(z2.validate(), Err(ClosureError::Payments { .. })));
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_closure() {
        let tickets = day_of_sales();
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 20, 0, 0).unwrap();
        let z = compute_closure(
            1,
            ClosureKind::Daily,
            d(2026, 3, 10),
            d(2026, 3, 10),
            &refs,
            PARIS,
            Cents(0),
            ChainHash::GENESIS,
            at,
        );
        let sealed = z.clone().seal(ChainHash::GENESIS);
        assert_eq!(sealed.content_hash(), sealed.hash);
        let mut altered = sealed.clone();
        altered.body.perpetual_grand_total = Cents(1);
        assert_ne!(altered.content_hash(), sealed.hash);
        assert_ne!(z.seal(sealed.hash).hash, sealed.hash);
        let json = serde_json::to_value(&sealed).unwrap();
        assert_eq!(serde_json::from_value::<Closure>(json).unwrap(), sealed);
    }

    fn on_day(mut ticket: Ticket, day: u32, previous: ChainHash) -> Ticket {
        ticket.body.issued_at = Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0).unwrap();
        ticket.body.seal(previous)
    }

    /// What a month's daily Z add up to, line by line.
    fn sum_of(days: &[ClosureBody]) -> (VatBreakdown, Vec<Payment>, Cents) {
        let mut vat = VatBreakdown::default();
        let mut payments: BTreeMap<PaymentMethod, Cents> = BTreeMap::new();
        for day in days {
            vat.add(&VatBreakdown {
                lines: day.vat.clone(),
            });
            for p in &day.payments {
                *payments.entry(p.method).or_default() += p.amount;
            }
        }
        let payments = payments
            .into_iter()
            .map(|(method, amount)| Payment { method, amount })
            .collect();
        let ht = vat.total_ht();
        (vat, payments, ht)
    }

    #[test]
    fn a_monthly_z_is_the_sum_of_its_daily_z_not_a_new_rounding() {
        // A 0,03 € sale at 20 % on each of two days: each daily Z says VAT 0,01 (0,005 rounds
        // away from zero), so the month says 0,02, where rounding its 0,06 would say 0,01.
        let first = on_day(
            ticket(
                1,
                TicketKind::Sale,
                vec![(1, 3, VatRate::STANDARD)],
                PaymentMethod::Cash,
                ChainHash::GENESIS,
            ),
            2,
            ChainHash::GENESIS,
        );
        let second = on_day(
            ticket(
                2,
                TicketKind::Sale,
                vec![(1, 3, VatRate::STANDARD)],
                PaymentMethod::Cash,
                first.hash,
            ),
            3,
            first.hash,
        );
        let month = compute_closure(
            3,
            ClosureKind::Monthly,
            d(2026, 3, 1),
            d(2026, 3, 31),
            &[&first, &second],
            PARIS,
            Cents(0),
            ChainHash::GENESIS,
            Utc::now(),
        );
        assert_eq!(month.vat[0].vat, Cents(2));
        assert_eq!(month.total_ht, Cents(4));
        assert_eq!(month.validate(), Ok(()));
    }

    proptest::proptest! {
        #[test]
        fn monthly_and_annual_z_are_the_sums_of_their_daily_z(
            sales in proptest::collection::vec(
                (1u32..=31, 1i32..4, 1i64..5_000, proptest::sample::select(vec![0u16, 550, 1000, 2000]), proptest::bool::weighted(0.1)),
                1..60,
            )
        ) {
            let mut previous = ChainHash::GENESIS;
            let mut tickets = Vec::new();
            let mut sorted = sales.clone();
            sorted.sort_by_key(|s| s.0);
            for (i, (day, quantity, price, bp, refund)) in sorted.into_iter().enumerate() {
                let kind = if refund { TicketKind::Refund } else { TicketKind::Sale };
                let t = ticket(i as u64 + 1, kind, vec![(quantity, price, VatRate::new(bp).unwrap())], PaymentMethod::Card, previous);
                let t = on_day(t, day, previous);
                previous = t.hash;
                tickets.push(t);
            }
            let mut dailies = Vec::new();
            for day in 1..=31 {
                let of_day: Vec<&Ticket> = tickets.iter().filter(|t| t.body.issued_at.day() == day).collect();
                if of_day.is_empty() {
                    continue;
                }
                dailies.push(compute_closure(
                    1, ClosureKind::Daily, d(2026, 3, day), d(2026, 3, day), &of_day, PARIS,
                    Cents(0), ChainHash::GENESIS, Utc::now(),
                ));
            }
            let all: Vec<&Ticket> = tickets.iter().collect();
            let month = compute_closure(
                1, ClosureKind::Monthly, d(2026, 3, 1), d(2026, 3, 31), &all, PARIS,
                Cents(0), ChainHash::GENESIS, Utc::now(),
            );
            let year = compute_closure(
                1, ClosureKind::Annual, d(2026, 1, 1), d(2026, 12, 31), &all, PARIS,
                Cents(0), ChainHash::GENESIS, Utc::now(),
            );
            let (vat, payments, ht) = sum_of(&dailies);
            for z in [&month, &year] {
                proptest::prop_assert_eq!(&z.vat, &vat.lines);
                proptest::prop_assert_eq!(&z.payments, &payments);
                proptest::prop_assert_eq!(z.total_ht, ht);
                proptest::prop_assert_eq!(z.validate(), Ok(()));
            }
        }
    }
}
