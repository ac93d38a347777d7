//! What a register's business day adds up to. The server keeps one of these per register and
//! day, updated in the transaction that stores the tickets, so that a report over any period
//! costs a sum over its days rather than over its tickets.
//!
//! A day's VAT follows the rule of `crate::vat`: rounded once per rate on the register's TTC
//! of the day, as its daily Z says; a report over several days or registers adds those days.

use crate::ticket::{PaymentMethod, TicketBody, TicketKind};
use crate::vat::{VatBreakdown, VatLine, VatRate};
use crate::Cents;
use chrono::{NaiveDate, Timelike};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// TTC, HT and VAT of one rate: for one day, the VAT rounded on the day's TTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateTotals {
    pub ttc: Cents,
    pub ht: Cents,
    pub vat: Cents,
}

/// Tickets and amounts of one local hour of the day. An hour is a share of a day, not a
/// total anything is declared on: its HT adds up its tickets' own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourTotals {
    pub tickets: u64,
    pub ttc: Cents,
    pub ht: Cents,
}

/// One register's sales over one business day, or summed over several.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaySales {
    pub sale_count: u64,
    pub refund_count: u64,
    /// Net amounts: refunds count negatively.
    pub ttc: Cents,
    pub ht: Cents,
    pub vat: Cents,
    /// What refunds gave back (zero or negative).
    pub refund_ttc: Cents,
    pub discounts: Cents,
    pub by_rate: BTreeMap<VatRate, RateTotals>,
    pub by_payment: BTreeMap<PaymentMethod, Cents>,
    /// By local hour (0–23) of the store's time zone.
    pub by_hour: BTreeMap<u8, HourTotals>,
}

impl DaySales {
    pub fn ticket_count(&self) -> u64 {
        self.sale_count + self.refund_count
    }

    /// Adds one ticket, sold at its local hour in `time_zone`.
    pub fn add_ticket(&mut self, ticket: &TicketBody, time_zone: Tz) {
        let vat = ticket.vat_breakdown();
        let (ttc, ht) = (vat.total_ttc(), vat.total_ht());
        match ticket.kind {
            TicketKind::Sale => self.sale_count += 1,
            TicketKind::Refund => {
                self.refund_count += 1;
                self.refund_ttc += ttc;
            }
        }
        self.ttc += ttc;
        self.discounts += ticket.discount_total();
        for line in &vat.lines {
            self.by_rate.entry(line.rate).or_default().ttc += line.ttc;
        }
        self.settle();
        // Payments are signed already: a refund's are negative.
        for payment in &ticket.payments {
            *self.by_payment.entry(payment.method).or_default() += payment.amount;
        }
        let hour = ticket.issued_at.with_timezone(&time_zone).hour() as u8;
        let slot = self.by_hour.entry(hour).or_default();
        slot.tickets += 1;
        slot.ttc += ttc;
        slot.ht += ht;
    }

    /// Derives the day's HT and VAT from its TTC per rate, each rate rounded once: what makes
    /// these figures the daily Z's. For one day only; several days are merged instead.
    pub fn settle(&mut self) {
        let vat = VatBreakdown::from_ttc_amounts(self.by_rate.iter().map(|(r, t)| (*r, t.ttc)));
        for line in vat.lines {
            let rate = self.by_rate.entry(line.rate).or_default();
            rate.ht = line.ht;
            rate.vat = line.vat;
        }
        self.vat = self.by_rate.values().map(|t| t.vat).sum();
        self.ht = self.by_rate.values().map(|t| t.ht).sum();
    }

    /// The VAT per rate, by rate, as a Z lists it.
    pub fn vat_lines(&self) -> Vec<VatLine> {
        self.by_rate
            .iter()
            .map(|(rate, t)| VatLine {
                rate: *rate,
                ttc: t.ttc,
                ht: t.ht,
                vat: t.vat,
            })
            .collect()
    }

    /// Adds other days (or other registers' days): their figures add, none is rounded again.
    pub fn merge(&mut self, other: &DaySales) {
        self.sale_count += other.sale_count;
        self.refund_count += other.refund_count;
        self.ttc += other.ttc;
        self.ht += other.ht;
        self.vat += other.vat;
        self.refund_ttc += other.refund_ttc;
        self.discounts += other.discounts;
        for (rate, totals) in &other.by_rate {
            let mine = self.by_rate.entry(*rate).or_default();
            mine.ttc += totals.ttc;
            mine.ht += totals.ht;
            mine.vat += totals.vat;
        }
        for (method, amount) in &other.by_payment {
            *self.by_payment.entry(*method).or_default() += *amount;
        }
        for (hour, totals) in &other.by_hour {
            let mine = self.by_hour.entry(*hour).or_default();
            mine.tickets += totals.tickets;
            mine.ttc += totals.ttc;
            mine.ht += totals.ht;
        }
    }
}

/// Tickets grouped by their local business day.
pub fn roll_up<'a>(
    tickets: impl IntoIterator<Item = &'a TicketBody>,
    time_zone: Tz,
) -> BTreeMap<NaiveDate, DaySales> {
    let mut days: BTreeMap<NaiveDate, DaySales> = BTreeMap::new();
    roll_up_into(&mut days, tickets, time_zone);
    days
}

/// Adds tickets to the days they belong to (a register's tickets read page by page: a day
/// may span two pages, and is rounded on all its tickets).
pub fn roll_up_into<'a>(
    days: &mut BTreeMap<NaiveDate, DaySales>,
    tickets: impl IntoIterator<Item = &'a TicketBody>,
    time_zone: Tz,
) {
    for ticket in tickets {
        let day = crate::store::business_date(ticket.issued_at, time_zone);
        days.entry(day).or_default().add_ticket(ticket, time_zone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Payment, TicketLine};
    use chrono::{TimeZone, Utc};

    const PARIS: Tz = chrono_tz::Europe::Paris;

    fn ticket(kind: TicketKind, at: (u32, u32, u32, u32), lines: &[(i64, u16)]) -> TicketBody {
        let issued_at = Utc
            .with_ymd_and_hms(2026, at.0, at.1, at.2, at.3, 0)
            .unwrap();
        let lines: Vec<TicketLine> = lines
            .iter()
            .map(|(price, bp)| TicketLine {
                label: "Vin".into(),
                quantity: 1,
                unit_price_ttc: Cents(*price),
                vat_rate: VatRate::new(*bp).unwrap(),
                discount: Cents(0),
            })
            .collect();
        let mut body = TicketBody {
            sequence: 1,
            kind,
            issued_at,
            lines,
            payments: vec![],
        };
        body.payments = vec![Payment {
            method: PaymentMethod::Card,
            amount: body.total_ttc(),
        }];
        body
    }

    #[test]
    fn a_day_adds_sales_and_subtracts_refunds() {
        let sale = ticket(
            TicketKind::Sale,
            (3, 10, 9, 15),
            &[(1200, 2000), (550, 550)],
        );
        let refund = ticket(TicketKind::Refund, (3, 10, 16, 0), &[(1200, 2000)]);
        let days = roll_up([&sale, &refund], PARIS);
        let day = &days[&NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()];
        assert_eq!((day.sale_count, day.refund_count), (1, 1));
        assert_eq!(day.ttc, Cents(550));
        assert_eq!(day.refund_ttc, Cents(-1200));
        assert_eq!(day.ht + day.vat, day.ttc);
        assert_eq!(day.by_payment[&PaymentMethod::Card], Cents(550));
        let standard = day.by_rate[&VatRate::new(2000).unwrap()];
        assert_eq!(standard.ttc, Cents(0));
        // 09:15 UTC is 10:15 in Paris in March (winter time); 16:00 UTC is 17:00.
        assert_eq!(day.by_hour[&10].tickets, 1);
        assert_eq!(day.by_hour[&17].ttc, Cents(-1200));
    }

    #[test]
    fn late_sales_count_on_the_local_day_and_hour() {
        // 22:30 UTC on 31 March is 00:30 on 1 April in Paris (summer time).
        let late = ticket(TicketKind::Sale, (3, 31, 22, 30), &[(1000, 2000)]);
        let days = roll_up([&late], PARIS);
        let april = &days[&NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()];
        assert_eq!(april.by_hour[&0].tickets, 1);
    }

    #[test]
    fn merging_days_of_different_rates_equals_rolling_them_up_together() {
        let a = ticket(TicketKind::Sale, (5, 2, 10, 0), &[(990, 2000)]);
        let b = ticket(TicketKind::Sale, (5, 3, 11, 0), &[(1500, 550)]);
        let days = roll_up([&a, &b], PARIS);
        let mut merged = DaySales::default();
        for day in days.values() {
            merged.merge(day);
        }
        let mut together = DaySales::default();
        together.add_ticket(&a, PARIS);
        together.add_ticket(&b, PARIS);
        assert_eq!(merged, together);
    }

    #[test]
    fn a_day_rounds_its_vat_once_and_days_add_up() {
        // Three 0,03 € sales at 20 % on one day: each ticket says VAT 0,01, the day says
        // 0,02 (0,015 rounded), as its daily Z does. Two such days make 0,04, not 0,03.
        let sales: Vec<TicketBody> = (0..3)
            .map(|i| ticket(TicketKind::Sale, (5, 2, 9 + i, 0), &[(3, 2000)]))
            .collect();
        let days = roll_up(&sales, PARIS);
        let day = &days[&NaiveDate::from_ymd_opt(2026, 5, 2).unwrap()];
        assert_eq!((day.ttc, day.vat, day.ht), (Cents(9), Cents(2), Cents(7)));
        assert_eq!(day.by_rate[&VatRate::STANDARD].vat, Cents(2));
        let mut two_days = day.clone();
        two_days.merge(day);
        assert_eq!((two_days.vat, two_days.ht), (Cents(4), Cents(14)));
        // A day read in two parts is rounded on all of it.
        let mut split = BTreeMap::new();
        roll_up_into(&mut split, &sales[..1], PARIS);
        roll_up_into(&mut split, &sales[1..], PARIS);
        assert_eq!(split, days);
    }
}
