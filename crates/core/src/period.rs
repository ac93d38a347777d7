//! Reporting periods: named presets resolved against the store's local "today", and explicit
//! date ranges. Both ends are inclusive local business days.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The longest range a report may cover: beyond this a request is a mistake, not a question.
pub const MAX_RANGE_DAYS: u64 = 3660;

/// The years a date from a client (a query, a register's ticket or closure) may fall in. Far
/// wider than any shop's records, and far inside chrono's range: date arithmetic on a
/// plausible date (a previous period, a month later) cannot overflow.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Whether a client's date is in [`PLAUSIBLE_YEARS`].
pub fn is_plausible(day: NaiveDate) -> bool {
    PLAUSIBLE_YEARS.contains(&day.year())
}

/// Why a client's date is refused, in words for a parameter's message.
pub fn implausible_reason() -> String {
    format!(
        "is not a plausible date (years {} to {})",
        PLAUSIBLE_YEARS.start(),
        PLAUSIBLE_YEARS.end()
    )
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodPreset {
    Today,
    Yesterday,
    ThisWeek,
    ThisMonth,
    LastMonth,
    FiscalYear,
    Last12Months,
}

impl PeriodPreset {
    pub const ALL: [PeriodPreset; 7] = [
        PeriodPreset::Today,
        PeriodPreset::Yesterday,
        PeriodPreset::ThisWeek,
        PeriodPreset::ThisMonth,
        PeriodPreset::LastMonth,
        PeriodPreset::FiscalYear,
        PeriodPreset::Last12Months,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PeriodPreset::Today => "today",
            PeriodPreset::Yesterday => "yesterday",
            PeriodPreset::ThisWeek => "this_week",
            PeriodPreset::ThisMonth => "this_month",
            PeriodPreset::LastMonth => "last_month",
            PeriodPreset::FiscalYear => "fiscal_year",
            PeriodPreset::Last12Months => "last_12_months",
        }
    }

    pub fn from_code(code: &str) -> Option<PeriodPreset> {
        PeriodPreset::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The days this preset covers when the store's local date is `today`. Current periods
    /// ("this month") end today: later days have no sales yet.
    pub fn resolve(self, today: NaiveDate, fiscal_year_end_month: u8) -> DateRange {
        let (from, to) = match self {
            PeriodPreset::Today => (today, today),
            PeriodPreset::Yesterday => {
                let y = today - Days::new(1);
                (y, y)
            }
            PeriodPreset::ThisWeek => {
                let since_monday = today.weekday().days_since(Weekday::Mon);
                (today - Days::new(u64::from(since_monday)), today)
            }
            PeriodPreset::ThisMonth => (first_of_month(today), today),
            PeriodPreset::LastMonth => {
                let this = first_of_month(today);
                (this - Months::new(1), this - Days::new(1))
            }
            PeriodPreset::FiscalYear => (fiscal_year_start(today, fiscal_year_end_month), today),
            PeriodPreset::Last12Months => (today - Months::new(12) + Days::new(1), today),
        };
        DateRange { from, to }
    }
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// First day of the fiscal year containing `day`, for a year that closes at the end of
/// `end_month` (1–12; out-of-range values are treated as December).
pub fn fiscal_year_start(day: NaiveDate, end_month: u8) -> NaiveDate {
    let end_month = u32::from(if (1..=12).contains(&end_month) {
        end_month
    } else {
        12
    });
    // The year starts on the first of the month after `end_month`, in the latest such month
    // not after `day`.
    let start_month = end_month % 12 + 1;
    let year = if day.month() >= start_month {
        day.year()
    } else {
        day.year() - 1
    };
    NaiveDate::from_ymd_opt(year, start_month, 1).unwrap_or(day)
}

/// An inclusive range of local business days, `from ≤ to`, at most [`MAX_RANGE_DAYS`] long.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the start {from} is after the end {to}")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("the range is longer than {MAX_RANGE_DAYS} days")]
    TooLong,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, RangeError> {
        if from > to {
            return Err(RangeError::Reversed { from, to });
        }
        if (to - from).num_days() as u64 >= MAX_RANGE_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(DateRange { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period a report compares this one with: the same span just before, by calendar
    /// where the preset is calendar-shaped (this month so far → the same days of last month,
    /// a fiscal year so far → the same days a year earlier), by days otherwise.
    pub fn previous(&self, preset: Option<PeriodPreset>) -> DateRange {
        let by_months = |months: u32| DateRange {
            from: self.from - Months::new(months),
            to: self.to - Months::new(months),
        };
        match preset {
            Some(PeriodPreset::ThisMonth) => by_months(1),
            Some(PeriodPreset::LastMonth) => DateRange {
                from: self.from - Months::new(1),
                to: self.from - Days::new(1),
            },
            Some(PeriodPreset::FiscalYear | PeriodPreset::Last12Months) => by_months(12),
            Some(PeriodPreset::ThisWeek) => DateRange {
                from: self.from - Days::new(7),
                to: self.to - Days::new(7),
            },
            Some(PeriodPreset::Today | PeriodPreset::Yesterday) | None => {
                let days = Days::new(self.days().unsigned_abs());
                DateRange {
                    from: self.from - days,
                    to: self.to - days,
                }
            }
        }
    }

    /// Every day of the range, in order.
    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn presets_resolve_against_today() {
        let today = d(2026, 3, 1); // a Sunday
        let r = |p: PeriodPreset| p.resolve(today, 12);
        assert_eq!(
            r(PeriodPreset::Today),
            DateRange {
                from: today,
                to: today
            }
        );
        assert_eq!(r(PeriodPreset::Yesterday).from, d(2026, 2, 28));
        assert_eq!(r(PeriodPreset::ThisWeek).from, d(2026, 2, 23));
        assert_eq!(r(PeriodPreset::ThisMonth).from, d(2026, 3, 1));
        assert_eq!(
            r(PeriodPreset::LastMonth),
            DateRange {
                from: d(2026, 2, 1),
                to: d(2026, 2, 28)
            }
        );
        assert_eq!(r(PeriodPreset::FiscalYear).from, d(2026, 1, 1));
        assert_eq!(r(PeriodPreset::Last12Months).from, d(2025, 3, 2));
    }

    #[test]
    fn last_month_in_january_is_december_of_last_year() {
        let r = PeriodPreset::LastMonth.resolve(d(2026, 1, 15), 12);
        assert_eq!(
            r,
            DateRange {
                from: d(2025, 12, 1),
                to: d(2025, 12, 31)
            }
        );
    }

    #[test]
    fn fiscal_year_ending_in_march() {
        assert_eq!(fiscal_year_start(d(2026, 3, 31), 3), d(2025, 4, 1));
        assert_eq!(fiscal_year_start(d(2026, 4, 1), 3), d(2026, 4, 1));
        assert_eq!(fiscal_year_start(d(2026, 12, 31), 3), d(2026, 4, 1));
        assert_eq!(fiscal_year_start(d(2026, 6, 30), 6), d(2025, 7, 1));
        assert_eq!(fiscal_year_start(d(2026, 7, 1), 6), d(2026, 7, 1));
    }

    #[test]
    fn fiscal_year_on_the_calendar() {
        assert_eq!(fiscal_year_start(d(2026, 1, 1), 12), d(2026, 1, 1));
        assert_eq!(fiscal_year_start(d(2026, 12, 31), 12), d(2026, 1, 1));
    }

    #[test]
    fn ranges_refuse_reversed_and_endless() {
        assert!(matches!(
            DateRange::new(d(2026, 2, 1), d(2026, 1, 1)),
            Err(RangeError::Reversed { .. })
        ));
        assert_eq!(
            DateRange::new(d(2000, 1, 1), d(2026, 1, 1)),
            Err(RangeError::TooLong)
        );
        let r = DateRange::new(d(2026, 1, 1), d(2026, 1, 31)).unwrap();
        assert_eq!(r.days(), 31);
        assert!(r.contains(d(2026, 1, 31)) && !r.contains(d(2026, 2, 1)));
    }

    #[test]
    fn plausible_years_are_bounded() {
        assert!(is_plausible(d(2000, 1, 1)));
        assert!(is_plausible(d(2100, 12, 31)));
        assert!(!is_plausible(d(1999, 12, 31)));
        assert!(!is_plausible(d(2101, 1, 1)));
        assert!(!is_plausible(NaiveDate::MIN));
        assert!(!is_plausible(NaiveDate::MAX));
        // The arithmetic reports do on a range never leaves chrono's range from a plausible one.
        let widest = DateRange {
            from: d(2000, 1, 1),
            to: d(2100, 12, 31),
        };
        for preset in PeriodPreset::ALL.map(Some).into_iter().chain([None]) {
            widest.previous(preset);
        }
    }

    #[test]
    fn codes_round_trip() {
        for p in PeriodPreset::ALL {
            assert_eq!(PeriodPreset::from_code(p.code()), Some(p));
        }
    }

    fn range(from: NaiveDate, to: NaiveDate) -> DateRange {
        DateRange::new(from, to).unwrap()
    }

    #[test]
    fn each_period_compares_with_its_previous_equivalent() {
        let today = d(2026, 3, 31); // a Tuesday
        let previous = |p: PeriodPreset| p.resolve(today, 6).previous(Some(p));
        assert_eq!(
            previous(PeriodPreset::Today),
            range(d(2026, 3, 30), d(2026, 3, 30))
        );
        assert_eq!(
            previous(PeriodPreset::Yesterday),
            range(d(2026, 3, 29), d(2026, 3, 29))
        );
        // Monday and Tuesday of the week before.
        assert_eq!(
            previous(PeriodPreset::ThisWeek),
            range(d(2026, 3, 23), d(2026, 3, 24))
        );
        // 1–31 March against 1–28 February: a month so far against the same month before,
        // clamped to its end.
        assert_eq!(
            previous(PeriodPreset::ThisMonth),
            range(d(2026, 2, 1), d(2026, 2, 28))
        );
        assert_eq!(
            previous(PeriodPreset::LastMonth),
            range(d(2026, 1, 1), d(2026, 1, 31))
        );
        // A fiscal year ending in June: 1 July 2025 – today against the year before.
        assert_eq!(
            previous(PeriodPreset::FiscalYear),
            range(d(2024, 7, 1), d(2025, 3, 31))
        );
        assert_eq!(
            previous(PeriodPreset::Last12Months),
            range(d(2024, 4, 1), d(2025, 3, 31))
        );
        // A custom range: the same number of days just before.
        assert_eq!(
            range(d(2026, 3, 10), d(2026, 3, 19)).previous(None),
            range(d(2026, 2, 28), d(2026, 3, 9))
        );
        // Last month when it is March: February, whole, against January, whole.
        let march = d(2026, 3, 15);
        assert_eq!(
            PeriodPreset::LastMonth
                .resolve(march, 12)
                .previous(Some(PeriodPreset::LastMonth)),
            range(d(2026, 1, 1), d(2026, 1, 31))
        );
    }

    #[test]
    fn a_range_lists_its_days() {
        let days: Vec<NaiveDate> = range(d(2026, 2, 27), d(2026, 3, 2)).iter_days().collect();
        assert_eq!(
            days,
            vec![d(2026, 2, 27), d(2026, 2, 28), d(2026, 3, 1), d(2026, 3, 2)]
        );
    }
}
