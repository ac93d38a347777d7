//! A wine shop's day of sales, deterministic from a seed and the date.
//!
//! The shape: closed on Mondays (but in December), on 1 January, 1 May, Christmas and three
//! weeks in August; 10:00–13:00 and 15:00–19:30 from Tuesday to Saturday, Sunday mornings;
//! Saturdays busiest, evenings busier than mornings; a slow January, a December two to three
//! times busier than the rest of the year, and Beaujolais nouveau day.

use super::catalogue::{Product, CATALOGUE};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use multicaisse_core::ticket::{Payment, PaymentMethod, TicketKind, TicketLine};
use multicaisse_core::Cents;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One customer at the till, before a register numbers and seals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub kind: TicketKind,
    pub at: DateTime<Utc>,
    pub lines: Vec<TicketLine>,
    pub payments: Vec<Payment>,
}

/// The generator of one day: its own random stream, so any day can be produced alone and the
/// same seed gives the same day whatever range it is generated in.
pub fn day_rng(seed: u64, date: NaiveDate) -> ChaCha8Rng {
    let day = u64::try_from(date.num_days_from_ce()).unwrap_or(0);
    ChaCha8Rng::seed_from_u64(seed ^ day.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Opening slots of a day, local time: (start hour, start minute, end hour, end minute).
fn opening_slots(date: NaiveDate) -> &'static [(u32, u32, u32, u32)] {
    const CLOSED: &[(u32, u32, u32, u32)] = &[];
    const FULL_DAY: &[(u32, u32, u32, u32)] = &[(10, 0, 13, 0), (15, 0, 19, 30)];
    const MORNING: &[(u32, u32, u32, u32)] = &[(10, 0, 13, 0)];
    const AFTERNOON: &[(u32, u32, u32, u32)] = &[(15, 0, 19, 30)];
    const EVE: &[(u32, u32, u32, u32)] = &[(9, 30, 13, 0), (14, 0, 17, 0)];
    let (month, day) = (date.month(), date.day());
    let holiday = matches!((month, day), (1, 1) | (5, 1) | (12, 25));
    let summer_break = month == 8 && (3..=23).contains(&day);
    if holiday || summer_break {
        return CLOSED;
    }
    if month == 12 && (day == 24 || day == 31) {
        return EVE;
    }
    match date.weekday() {
        Weekday::Mon if month == 12 => AFTERNOON,
        Weekday::Mon => CLOSED,
        Weekday::Sun => MORNING,
        _ => FULL_DAY,
    }
}

fn customers_per_hour(date: NaiveDate, hour: u32) -> f64 {
    let weekday = match date.weekday() {
        Weekday::Mon => 6.0,
        Weekday::Tue => 4.5,
        Weekday::Wed => 5.5,
        Weekday::Thu => 6.0,
        Weekday::Fri => 9.0,
        Weekday::Sat => 13.0,
        Weekday::Sun => 9.0,
    };
    let hour_shape = match hour {
        9 | 10 => 0.6,
        11 => 1.0,
        12 => 1.25,
        14 | 15 => 0.65,
        16 => 0.8,
        17 => 1.15,
        18 => 1.6,
        _ => 1.2,
    };
    const MONTH: [f64; 12] = [
        0.7, 0.75, 0.85, 0.9, 0.95, 1.0, 0.9, 0.65, 0.95, 1.0, 1.2, 2.0,
    ];
    let mut season = MONTH[date.month0() as usize];
    if date.month() == 12 && date.day() >= 15 {
        season *= if matches!(date.day(), 24 | 31) {
            1.8
        } else {
            1.4
        };
    }
    if is_beaujolais_nouveau(date) {
        season *= 2.0;
    }
    weekday * hour_shape * season
}

/// Third Thursday of November.
fn is_beaujolais_nouveau(date: NaiveDate) -> bool {
    date.month() == 11 && date.weekday() == Weekday::Thu && (15..=21).contains(&date.day())
}

/// Knuth's method: exact, and fast enough for the few dozen customers of an hour.
fn poisson(rng: &mut impl Rng, lambda: f64) -> u32 {
    let limit = (-lambda).exp();
    let mut product = 1.0;
    let mut k = 0;
    loop {
        product *= rng.gen::<f64>();
        if product <= limit {
            return k;
        }
        k += 1;
    }
}

fn pick_weighted<'a, T>(rng: &mut impl Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if roll < w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1]
}

fn basket(rng: &mut impl Rng, december: bool) -> Vec<TicketLine> {
    const LINE_COUNTS: [(usize, u32); 5] = [(1, 45), (2, 28), (3, 15), (4, 8), (5, 4)];
    let mut count = pick_weighted(rng, &LINE_COUNTS, |c| c.1).0;
    if december && rng.gen_bool(0.35) {
        count += 1;
    }
    let weight = |p: &Product| {
        if december && p.festive {
            p.weight * 3
        } else {
            p.weight
        }
    };
    (0..count)
        .map(|_| {
            let product = pick_weighted(rng, CATALOGUE, weight);
            let roll = rng.gen_range(0..100);
            let quantity = if product.by_the_case && roll < 5 {
                6
            } else if roll < 80 {
                1
            } else if roll < 95 {
                2
            } else {
                3
            };
            let gross = product.price_cents * i64::from(quantity);
            // The usual case discount: 10 % on six bottles, to the cent.
            let discount = if quantity == 6 { (gross + 5) / 10 } else { 0 };
            TicketLine {
                label: product.label.to_string(),
                quantity,
                unit_price_ttc: Cents(product.price_cents),
                vat_rate: product.vat,
                discount: Cents(discount),
            }
        })
        .collect()
}

fn payments(rng: &mut impl Rng, total: Cents) -> Vec<Payment> {
    let pay = |method, amount| Payment { method, amount };
    if total.0 <= 0 {
        let method = if rng.gen_bool(0.7) {
            PaymentMethod::Card
        } else {
            PaymentMethod::Cash
        };
        return vec![pay(method, total)];
    }
    let roll = rng.gen_range(0..100);
    if roll < 5 && total.0 > 2000 {
        // A gift voucher of 20, 30 or 50 €; the card pays what it does not cover.
        let voucher = Cents([2000, 3000, 5000][rng.gen_range(0..3)]).min(total);
        let mut split = vec![pay(PaymentMethod::GiftVoucher, voucher)];
        if voucher < total {
            split.push(pay(PaymentMethod::Card, total - voucher));
        }
        return split;
    }
    let method = if roll < 23 && total.0 < 20_000 {
        PaymentMethod::Cash
    } else if roll < 28 && total.0 > 1500 {
        PaymentMethod::Cheque
    } else {
        PaymentMethod::Card
    };
    vec![pay(method, total)]
}

fn local_instant(tz: Tz, date: NaiveDate, seconds_after_midnight: u32) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds_after_midnight, 0)?;
    // Shops are closed during the night-time DST jumps, so `earliest` never has to choose.
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The customers of one store-day, in time order.
pub fn store_day(seed: u64, date: NaiveDate, tz: Tz) -> Vec<Sale> {
    let mut rng = day_rng(seed, date);
    let december = date.month() == 12;
    let mut sales = Vec::new();
    for &(start_h, start_m, end_h, end_m) in opening_slots(date) {
        let (start, end) = (start_h * 3600 + start_m * 60, end_h * 3600 + end_m * 60);
        let mut hour_start = start;
        while hour_start < end {
            let hour_end = (hour_start + 3600).min(end);
            let share = f64::from(hour_end - hour_start) / 3600.0;
            let customers = poisson(
                &mut rng,
                customers_per_hour(date, hour_start / 3600) * share,
            );
            for _ in 0..customers {
                let second = rng.gen_range(hour_start..hour_end);
                // One customer in 250 brings a bottle back: a refund ticket.
                let kind = if rng.gen_ratio(1, 250) {
                    TicketKind::Refund
                } else {
                    TicketKind::Sale
                };
                let lines = if kind == TicketKind::Refund {
                    let product = pick_weighted(&mut rng, CATALOGUE, |p| p.weight);
                    vec![TicketLine {
                        label: product.label.to_string(),
                        quantity: 1,
                        unit_price_ttc: Cents(product.price_cents),
                        vat_rate: product.vat,
                        discount: Cents(0),
                    }]
                } else {
                    basket(&mut rng, december)
                };
                let total = lines.iter().map(TicketLine::amount_ttc).sum::<Cents>() * kind.sign();
                let payments = payments(&mut rng, total);
                if let Some(at) = local_instant(tz, date, second) {
                    sales.push(Sale {
                        kind,
                        at,
                        lines,
                        payments,
                    });
                }
            }
            hour_start = hour_end;
        }
    }
    sales.sort_by_key(|s| s.at);
    sales
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicaisse_core::ticket::TicketBody;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const PARIS: Tz = chrono_tz::Europe::Paris;

    #[test]
    fn same_seed_same_day() {
        assert_eq!(
            store_day(7, d(2026, 3, 14), PARIS),
            store_day(7, d(2026, 3, 14), PARIS)
        );
        assert_ne!(
            store_day(7, d(2026, 3, 14), PARIS),
            store_day(8, d(2026, 3, 14), PARIS)
        );
    }

    #[test]
    fn closed_days_sell_nothing() {
        assert!(store_day(1, d(2026, 3, 16), PARIS).is_empty()); // a Monday
        assert!(store_day(1, d(2026, 5, 1), PARIS).is_empty());
        assert!(store_day(1, d(2026, 8, 12), PARIS).is_empty());
        assert!(!store_day(1, d(2026, 12, 14), PARIS).is_empty()); // a December Monday
    }

    #[test]
    fn every_sale_balances_and_happens_during_opening_hours() {
        for day in 1..=28 {
            let date = d(2026, 2, day);
            for sale in store_day(3, date, PARIS) {
                let body = TicketBody {
                    sequence: 1,
                    kind: sale.kind,
                    issued_at: sale.at,
                    lines: sale.lines,
                    payments: sale.payments,
                };
                assert_eq!(body.validate(), Ok(()));
                let local = sale.at.with_timezone(&PARIS);
                assert_eq!(local.date_naive(), date);
                assert!(
                    (10..20).contains(&chrono::Timelike::hour(&local)),
                    "{local}"
                );
            }
        }
    }

    #[test]
    fn december_outsells_january_and_saturday_outsells_tuesday() {
        let month_total = |m: u32| -> usize {
            (1..=28)
                .map(|day| store_day(5, d(2026, m, day), PARIS).len())
                .sum()
        };
        assert!(month_total(12) > 2 * month_total(1));
        let weekday_total = |first: u32| -> usize {
            (0..8)
                .map(|w| {
                    store_day(
                        5,
                        d(2026, 6, 1) + chrono::Days::new(u64::from(first + 7 * w)),
                        PARIS,
                    )
                    .len()
                })
                .sum()
        };
        // 2026-06-01 is a Monday: +1 is Tuesday, +5 Saturday.
        assert!(weekday_total(5) > 2 * weekday_total(1));
    }
}
