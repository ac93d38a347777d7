//! "Was the second register worth it?": what the extra registers took during the store's
//! busiest hours over a period, against what they cost.

use crate::money::Cents;
use crate::period::DateRange;
use crate::rollup::HourTotals;
use crate::store::{business_date, Register, RegisterKind};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An extra register's subscription, HT per month (the principal register is in the base
/// plan). The subscription issue moves it to configuration.
pub const EXTRA_REGISTER_MONTHLY_HT: Cents = Cents(3900);

/// How many of the store's busiest hours the sentence speaks of.
pub const PEAK_HOURS: usize = 3;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeakHours {
    /// The store's busiest local hours by tickets over the period, in the day's order.
    pub hours: Vec<u8>,
    /// Extra registers billed during the period.
    pub extra_registers: u32,
    /// What they took during those hours, HT.
    pub extra_ht_in_peak: Cents,
    /// What they took in all, HT.
    pub extra_ht: Cents,
    /// What they cost over the period, HT, prorated to the day.
    pub extra_cost_ht: Cents,
}

/// What the peak-hours sentence can say of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeakVerdict {
    /// No extra register was billed: nothing to weigh.
    NoExtraRegister,
    /// Extra registers were billed but nothing sold (the 1st before opening, a closed day):
    /// there are no busiest hours.
    NoSales,
    /// The busiest hours, and whether the extra registers took more there than they cost.
    Busiest { paid_for: bool },
}

impl PeakHours {
    pub fn verdict(&self) -> PeakVerdict {
        if self.extra_registers == 0 {
            PeakVerdict::NoExtraRegister
        } else if self.hours.is_empty() {
            PeakVerdict::NoSales
        } else {
            PeakVerdict::Busiest {
                paid_for: self.extra_ht_in_peak >= self.extra_cost_ht,
            }
        }
    }
}

/// The monthly price prorated to the days of `range`, month by month (a day of February is
/// a 28th of its month's price), rounded to the cent once for the whole range.
pub fn prorated_cost(monthly: Cents, range: DateRange) -> Cents {
    // Sum of days/month-length as an exact fraction over a common denominator.
    let mut numerator: i128 = 0;
    let denominator: i128 = 28 * 29 * 30 * 31;
    for day in range.iter_days() {
        numerator += denominator / i128::from(days_in_month(day));
    }
    let total = i128::from(monthly.0) * numerator;
    Cents(((2 * total / denominator + 1) / 2) as i64)
}

fn days_in_month(day: NaiveDate) -> u32 {
    let (y, m) = (day.year(), day.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt())
        .map_or(30, |last| last.day())
}

/// The days of `range` an extra register was billed for: from its activation day to the day
/// before its suspension, in the store's time zone. None for the principal register (part of
/// the base plan) and for a register not active in the range.
pub fn billed_days(register: &Register, range: DateRange, time_zone: Tz) -> Option<DateRange> {
    if register.kind != RegisterKind::Extra {
        return None;
    }
    let from = business_date(register.activated_at?, time_zone).max(range.from);
    let to = match register.suspended_at {
        Some(at) => business_date(at, time_zone).pred_opt()?.min(range.to),
        None => range.to,
    };
    DateRange::new(from, to).ok()
}

/// One register as the peak-hours sentence sees it.
#[derive(Debug, Clone, Copy)]
pub struct RegisterHours<'a> {
    pub hours: &'a BTreeMap<u8, HourTotals>,
    /// For an extra register, the days of the period it was billed for.
    pub billed: Option<DateRange>,
    pub extra: bool,
}

/// The busiest hours of the store (most tickets, earlier hour first on a tie), what the extra
/// registers took in them, and what the extra registers cost over the period.
pub fn peak_hours(registers: &[RegisterHours<'_>]) -> PeakHours {
    let mut store: BTreeMap<u8, u64> = BTreeMap::new();
    for RegisterHours { hours, .. } in registers {
        for (hour, totals) in hours.iter() {
            *store.entry(*hour).or_default() += totals.tickets;
        }
    }
    let mut ranked: Vec<(u8, u64)> = store.into_iter().filter(|(_, n)| *n > 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut hours: Vec<u8> = ranked
        .into_iter()
        .take(PEAK_HOURS)
        .map(|(h, _)| h)
        .collect();
    hours.sort_unstable();
    let extras: Vec<&BTreeMap<u8, HourTotals>> = registers
        .iter()
        .filter(|r| r.extra)
        .map(|r| r.hours)
        .collect();
    let extra_ht_in_peak = extras
        .iter()
        .flat_map(|h| hours.iter().filter_map(|hour| h.get(hour)))
        .map(|t| t.ht)
        .sum();
    let extra_ht = extras.iter().flat_map(|h| h.values()).map(|t| t.ht).sum();
    let billed: Vec<DateRange> = registers.iter().filter_map(|r| r.billed).collect();
    PeakHours {
        hours,
        extra_registers: billed.len() as u32,
        extra_ht_in_peak,
        extra_ht,
        extra_cost_ht: billed
            .iter()
            .map(|days| prorated_cost(EXTRA_REGISTER_MONTHLY_HT, *days))
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_without_sales_is_not_one_without_extra_registers() {
        let billed = PeakHours {
            extra_registers: 2,
            extra_cost_ht: Cents(250),
            ..PeakHours::default()
        };
        assert_eq!(billed.verdict(), PeakVerdict::NoSales);
        assert_eq!(PeakHours::default().verdict(), PeakVerdict::NoExtraRegister);
        let sold = PeakHours {
            hours: vec![11, 17, 18],
            extra_ht_in_peak: Cents(300),
            ..billed
        };
        assert_eq!(sold.verdict(), PeakVerdict::Busiest { paid_for: true });
        let short = PeakHours {
            extra_ht_in_peak: Cents(100),
            ..sold
        };
        assert_eq!(short.verdict(), PeakVerdict::Busiest { paid_for: false });
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn range(from: NaiveDate, to: NaiveDate) -> DateRange {
        DateRange::new(from, to).unwrap()
    }

    #[test]
    fn whole_months_cost_the_monthly_price_and_days_their_share() {
        let m = EXTRA_REGISTER_MONTHLY_HT;
        assert_eq!(prorated_cost(m, range(d(2026, 3, 1), d(2026, 3, 31))), m);
        assert_eq!(prorated_cost(m, range(d(2026, 2, 1), d(2026, 2, 28))), m);
        assert_eq!(
            prorated_cost(m, range(d(2024, 2, 1), d(2024, 2, 29))),
            m,
            "leap year"
        );
        // 15 days of a 30-day month: half.
        assert_eq!(
            prorated_cost(m, range(d(2026, 4, 1), d(2026, 4, 15))),
            Cents(1950)
        );
        // A year: twelve months.
        assert_eq!(
            prorated_cost(m, range(d(2026, 1, 1), d(2026, 12, 31))),
            Cents(46_800)
        );
        // One day of January: 39 € / 31 = 1,258… → 1,26 €.
        assert_eq!(
            prorated_cost(m, range(d(2026, 1, 1), d(2026, 1, 1))),
            Cents(126)
        );
    }

    fn hours(list: &[(u8, u64, i64)]) -> BTreeMap<u8, HourTotals> {
        list.iter()
            .map(|(h, tickets, ht)| {
                (
                    *h,
                    HourTotals {
                        tickets: *tickets,
                        ttc: Cents(*ht),
                        ht: Cents(*ht),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn the_busiest_hours_are_the_stores_and_the_extras_are_measured_in_them() {
        let principal = hours(&[(10, 5, 1000), (11, 9, 2000), (17, 8, 1500), (18, 2, 500)]);
        let extra = hours(&[(11, 4, 800), (17, 4, 700), (18, 9, 2500), (19, 1, 100)]);
        let april = range(d(2026, 4, 1), d(2026, 4, 30));
        let peak = peak_hours(&[
            RegisterHours {
                hours: &principal,
                billed: None,
                extra: false,
            },
            RegisterHours {
                hours: &extra,
                billed: Some(april),
                extra: true,
            },
        ]);
        // Store tickets: 10h 5, 11h 13, 17h 12, 18h 11, 19h 1.
        assert_eq!(peak.hours, vec![11, 17, 18]);
        assert_eq!(peak.extra_registers, 1);
        assert_eq!(peak.extra_ht_in_peak, Cents(800 + 700 + 2500));
        assert_eq!(peak.extra_ht, Cents(4100));
        assert_eq!(peak.extra_cost_ht, Cents(3900));
    }

    #[test]
    fn an_idle_extra_register_still_costs_and_ties_take_the_earlier_hour() {
        let principal = hours(&[(9, 3, 100), (10, 3, 100), (11, 3, 100), (12, 3, 100)]);
        let idle = BTreeMap::new();
        let half = range(d(2026, 4, 16), d(2026, 4, 30));
        let peak = peak_hours(&[
            RegisterHours {
                hours: &principal,
                billed: None,
                extra: false,
            },
            RegisterHours {
                hours: &idle,
                billed: Some(half),
                extra: true,
            },
        ]);
        assert_eq!(peak.hours, vec![9, 10, 11]);
        assert_eq!(peak.extra_registers, 1);
        assert_eq!(peak.extra_ht_in_peak, Cents(0));
        assert_eq!(peak.extra_cost_ht, Cents(1950));
    }

    #[test]
    fn extra_registers_are_billed_from_activation_to_the_day_before_suspension() {
        use crate::store::RegisterStatus;
        use chrono::TimeZone;
        let paris = chrono_tz::Europe::Paris;
        let at = |y, m, d| {
            paris
                .with_ymd_and_hms(y, m, d, 9, 0, 0)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let seasonal = Register {
            id: 3,
            store_id: 1,
            number: 3,
            label: "Caisse 3".into(),
            kind: RegisterKind::Extra,
            status: RegisterStatus::Suspended,
            created_at: at(2025, 11, 14),
            activated_at: Some(at(2025, 11, 14)),
            suspended_at: Some(at(2026, 1, 3)),
        };
        let december = range(d(2025, 12, 1), d(2025, 12, 31));
        assert_eq!(billed_days(&seasonal, december, paris), Some(december));
        let january = range(d(2026, 1, 1), d(2026, 1, 31));
        assert_eq!(
            billed_days(&seasonal, january, paris),
            Some(range(d(2026, 1, 1), d(2026, 1, 2)))
        );
        let february = range(d(2026, 2, 1), d(2026, 2, 28));
        assert_eq!(billed_days(&seasonal, february, paris), None);
        let principal = Register {
            kind: RegisterKind::Principal,
            ..seasonal
        };
        assert_eq!(billed_days(&principal, december, paris), None);
    }
}
