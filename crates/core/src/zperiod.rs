//! The periods of a register's closures (Z): a local business day, a calendar month, a fiscal
//! year ending with the store's end month. Written in URLs and file names as `2026-11-29`,
//! `2026-11` and `FY2026` (the fiscal year that ends in 2026).

use crate::api::ParamError;
use crate::closure::ClosureKind;
use crate::period::fiscal_year_start;
use chrono::{Datelike, Months, NaiveDate};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZPeriod {
    Day(NaiveDate),
    /// A calendar month: its first day.
    Month(NaiveDate),
    /// The fiscal year that ends in this calendar year.
    FiscalYear(i32),
}

fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

impl ZPeriod {
    /// The fiscal year `day` falls in: named by the calendar year it ends in.
    pub fn fiscal_year_of(day: NaiveDate, fiscal_year_end_month: u8) -> ZPeriod {
        let start = fiscal_year_start(day, fiscal_year_end_month);
        let end = start
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .unwrap_or(start);
        ZPeriod::FiscalYear(end.year())
    }

    /// The fiscal years a store's files are kept for on `today`: the current one and the six
    /// before it, the most recent first.
    pub fn kept_fiscal_years(today: NaiveDate, fiscal_year_end_month: u8) -> Vec<ZPeriod> {
        let ZPeriod::FiscalYear(year) = ZPeriod::fiscal_year_of(today, fiscal_year_end_month)
        else {
            return Vec::new();
        };
        (0..7)
            .map(|back| ZPeriod::FiscalYear(year - back))
            .collect()
    }

    /// The months a store's files are kept for on `today`, as `Month`s: from the first month
    /// of the oldest kept fiscal year to this month, the most recent first.
    pub fn kept_months(today: NaiveDate, fiscal_year_end_month: u8) -> Vec<ZPeriod> {
        let oldest = Self::kept_fiscal_years(today, fiscal_year_end_month)
            .last()
            .map(|fy| fy.bounds(fiscal_year_end_month).0)
            .unwrap_or(today);
        let mut month = today.with_day(1).unwrap_or(today);
        let mut months = Vec::new();
        while month >= oldest {
            months.push(ZPeriod::Month(month));
            match month.checked_sub_months(Months::new(1)) {
                Some(before) => month = before,
                None => break,
            }
        }
        months
    }

    /// A period as a person names it: `Exercice 2026`, `novembre 2026`, `29/11/2026`.
    pub fn name(self, lang: crate::format::Lang) -> String {
        use crate::format::{format_date, format_month, Lang};
        match (self, lang) {
            (ZPeriod::FiscalYear(year), Lang::Fr) => format!("Exercice {year}"),
            (ZPeriod::FiscalYear(year), Lang::En) => format!("Fiscal year {year}"),
            (ZPeriod::Month(first), _) => format_month(first, lang),
            (ZPeriod::Day(day), _) => format_date(day, lang),
        }
    }

    /// A fiscal year as a person reads it: `Exercice 2026 (01/04/2025 – 31/03/2026)` or
    /// `Fiscal year 2026 (1 Apr 2025 – 31 Mar 2026)`; a day or a month as its dates.
    pub fn describe(self, fiscal_year_end_month: u8, lang: crate::format::Lang) -> String {
        use crate::format::{format_date, Lang};
        let (start, end) = self.bounds(fiscal_year_end_month);
        let dates = |from, to| format!("{} – {}", format_date(from, lang), format_date(to, lang));
        match (self, lang) {
            (ZPeriod::FiscalYear(year), Lang::Fr) => {
                format!("Exercice {year} ({})", dates(start, end))
            }
            (ZPeriod::FiscalYear(year), Lang::En) => {
                format!("Fiscal year {year} ({})", dates(start, end))
            }
            (ZPeriod::Day(day), _) => format_date(day, lang),
            (ZPeriod::Month(_), _) => dates(start, end),
        }
    }

    /// `2026-11-29`, `2026-11` or `FY2026`.
    pub fn parse(text: &str) -> Result<ZPeriod, ParamError> {
        let bad = || {
            ParamError::new(
                "period",
                format!(
                    "`{text}` is not a day (2026-11-29), a month (2026-11) or a fiscal year (FY2026)"
                ),
            )
        };
        let text = text.trim();
        if let Some(year) = text.strip_prefix("FY").or_else(|| text.strip_prefix("fy")) {
            return year
                .parse::<i32>()
                .ok()
                .filter(|y| crate::period::PLAUSIBLE_YEARS.contains(y))
                .map(ZPeriod::FiscalYear)
                .ok_or_else(bad);
        }
        let period = match text.len() {
            10 => text
                .parse::<NaiveDate>()
                .map(ZPeriod::Day)
                .map_err(|_| bad())?,
            7 => {
                let (year, month) = text.split_once('-').ok_or_else(bad)?;
                let start = month_start(
                    year.parse().map_err(|_| bad())?,
                    month.parse().map_err(|_| bad())?,
                )
                .ok_or_else(bad)?;
                ZPeriod::Month(start)
            }
            _ => return Err(bad()),
        };
        match period {
            ZPeriod::Day(day) | ZPeriod::Month(day) if !crate::period::is_plausible(day) => {
                Err(ParamError::new(
                    "period",
                    format!("`{text}` {}", crate::period::implausible_reason()),
                ))
            }
            _ => Ok(period),
        }
    }

    pub fn kind(self) -> ClosureKind {
        match self {
            ZPeriod::Day(_) => ClosureKind::Daily,
            ZPeriod::Month(_) => ClosureKind::Monthly,
            ZPeriod::FiscalYear(_) => ClosureKind::Annual,
        }
    }

    /// First and last local business day, for a store whose fiscal year ends in
    /// `fiscal_year_end_month`.
    pub fn bounds(self, fiscal_year_end_month: u8) -> (NaiveDate, NaiveDate) {
        match self {
            ZPeriod::Day(day) => (day, day),
            ZPeriod::Month(first) => (first, month_end(first)),
            ZPeriod::FiscalYear(year) => {
                let end_month = u32::from(fiscal_year_end_month.clamp(1, 12));
                let end = month_start(year, end_month).map_or(NaiveDate::MIN, month_end);
                (fiscal_year_start(end, fiscal_year_end_month), end)
            }
        }
    }

    /// The period of a closure, if its bounds are one (a closure's own `validate` says so).
    pub fn of_closure(
        kind: ClosureKind,
        start: NaiveDate,
        end: NaiveDate,
        fiscal_year_end_month: u8,
    ) -> Option<ZPeriod> {
        let period = match kind {
            ClosureKind::Daily => ZPeriod::Day(start),
            ClosureKind::Monthly => ZPeriod::Month(start.with_day(1)?),
            ClosureKind::Annual => ZPeriod::FiscalYear(end.year()),
        };
        (period.bounds(fiscal_year_end_month) == (start, end)).then_some(period)
    }

    /// Whether the period has ended by the end of `yesterday` (its closure is then due).
    pub fn is_over(self, today: NaiveDate, fiscal_year_end_month: u8) -> bool {
        self.bounds(fiscal_year_end_month).1 < today
    }

    /// The months a period covers (one for a day or a month, twelve for a year).
    pub fn months(self, fiscal_year_end_month: u8) -> Vec<ZPeriod> {
        let (start, end) = self.bounds(fiscal_year_end_month);
        let mut months = Vec::new();
        let mut month = start.with_day(1).unwrap_or(start);
        while month <= end {
            months.push(ZPeriod::Month(month));
            month = match month.checked_add_months(Months::new(1)) {
                Some(next) => next,
                None => break,
            };
        }
        months
    }
}

impl fmt::Display for ZPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Not strftime: its parser and formatter would weigh on the app for two patterns.
            ZPeriod::Day(day) => write!(f, "{day}"),
            ZPeriod::Month(first) => write!(f, "{:04}-{:02}", first.year(), first.month()),
            ZPeriod::FiscalYear(year) => write!(f, "FY{year}"),
        }
    }
}

/// The closures a register owes from `first_day` (its activation, or its first ticket) to
/// `today` (excluded), by kind: a daily Z for each day it sold on, a monthly grand Z for each
/// month that is over, an annual Z for each fiscal year that is over. `last_day` ends the
/// obligation for a register taken out of service, after the grand Z of its last month.
pub fn due_closures(
    first_day: NaiveDate,
    today: NaiveDate,
    last_day: Option<NaiveDate>,
    fiscal_year_end_month: u8,
    days_with_tickets: &BTreeSet<NaiveDate>,
) -> Vec<ZPeriod> {
    let until = last_day.map_or(today, |last| last.succ_opt().unwrap_or(last).min(today));
    let mut due: Vec<ZPeriod> = days_with_tickets
        .iter()
        .filter(|day| **day >= first_day && **day < until)
        .map(|day| ZPeriod::Day(*day))
        .collect();
    // A register taken out of service owes the grand Z of its last, partial month.
    let month_due = |month: NaiveDate| {
        month_end(month) < until || last_day.is_some_and(|last| last < today && month <= last)
    };
    let mut month = first_day.with_day(1).unwrap_or(first_day);
    while month_due(month) {
        due.push(ZPeriod::Month(month));
        month = match month.checked_add_months(Months::new(1)) {
            Some(next) => next,
            None => break,
        };
    }
    let mut year = ZPeriod::fiscal_year_of(first_day, fiscal_year_end_month);
    while let ZPeriod::FiscalYear(y) = year {
        if year.bounds(fiscal_year_end_month).1 >= until {
            break;
        }
        due.push(year);
        year = ZPeriod::FiscalYear(y + 1);
    }
    due.sort();
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Lang;
    use proptest::prelude::*;

    proptest! {
        /// The fiscal year of a day contains it, for every end month.
        #[test]
        fn the_fiscal_year_of_a_day_contains_it(days in 0i64..20_000, end_month in 1u8..=12) {
            let day = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let year = ZPeriod::fiscal_year_of(day, end_month);
            let (start, end) = year.bounds(end_month);
            prop_assert!(start <= day && day <= end, "{day} not in {year} {start}..{end}");
            prop_assert_eq!(ZPeriod::kept_fiscal_years(day, end_month)[0], year);
        }
    }

    #[test]
    fn a_fiscal_year_reads_in_the_page_language() {
        let fy = ZPeriod::FiscalYear(2026);
        assert_eq!(
            fy.describe(3, Lang::Fr),
            "Exercice 2026 (01/04/2025 – 31/03/2026)"
        );
        assert_eq!(
            fy.describe(3, Lang::En),
            "Fiscal year 2026 (1 Apr 2025 – 31 Mar 2026)"
        );
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(ZPeriod::fiscal_year_of(day, 3), fy);
        assert_eq!(
            ZPeriod::fiscal_year_of(day.succ_opt().unwrap(), 3),
            ZPeriod::FiscalYear(2027)
        );
        let kept = ZPeriod::kept_fiscal_years(day, 12);
        assert_eq!(
            (kept.len(), kept[0], kept[6]),
            (7, ZPeriod::FiscalYear(2026), ZPeriod::FiscalYear(2020))
        );
        assert_eq!(ZPeriod::FiscalYear(2025).name(Lang::Fr), "Exercice 2025");
        assert_eq!(ZPeriod::FiscalYear(2025).name(Lang::En), "Fiscal year 2025");
    }

    #[test]
    fn the_months_kept_run_from_the_oldest_fiscal_year_to_this_month() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Fiscal years ending in March: the oldest kept (ending March 2021) began April 2020.
        let months = ZPeriod::kept_months(d(2026, 12, 2), 3);
        assert_eq!(months[0], ZPeriod::Month(d(2026, 12, 1)));
        assert_eq!(months.last(), Some(&ZPeriod::Month(d(2020, 4, 1))));
        assert_eq!(months.len(), 81);
        assert!(months.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(months[1].name(Lang::Fr), "novembre 2026");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_and_print_back() {
        for text in ["2026-11-29", "2026-11", "FY2026"] {
            assert_eq!(ZPeriod::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(ZPeriod::parse("fy2027").unwrap(), ZPeriod::FiscalYear(2027));
        for bad in [
            "2026-13",
            "2026-02-30",
            "2026",
            "FY",
            "FY20x6",
            "last month",
            "",
            "-262143-01-01",
            "+262143-12-31",
            "1999-12",
            "2101-01-01",
            "FY1999",
            "FY2101",
        ] {
            let error = ZPeriod::parse(bad).unwrap_err();
            assert_eq!(error.parameter, "period", "{bad}");
        }
    }

    #[test]
    fn bounds_follow_the_calendar_and_the_fiscal_year() {
        assert_eq!(
            ZPeriod::parse("2028-02").unwrap().bounds(12),
            (d(2028, 2, 1), d(2028, 2, 29))
        );
        // A fiscal year ending in March: April to March.
        assert_eq!(
            ZPeriod::FiscalYear(2026).bounds(3),
            (d(2025, 4, 1), d(2026, 3, 31))
        );
        assert_eq!(
            ZPeriod::FiscalYear(2026).bounds(12),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        assert_eq!(
            ZPeriod::of_closure(ClosureKind::Annual, d(2025, 4, 1), d(2026, 3, 31), 3),
            Some(ZPeriod::FiscalYear(2026))
        );
        // Not the store's fiscal year.
        assert_eq!(
            ZPeriod::of_closure(ClosureKind::Annual, d(2026, 1, 1), d(2026, 12, 31), 3),
            None
        );
        assert_eq!(ZPeriod::FiscalYear(2026).months(3).len(), 12);
        assert!(ZPeriod::Day(d(2026, 11, 29)).is_over(d(2026, 11, 30), 12));
        assert!(!ZPeriod::Month(d(2026, 11, 1)).is_over(d(2026, 11, 30), 12));
    }

    #[test]
    fn due_closures_cover_sale_days_ended_months_and_years() {
        let days: BTreeSet<NaiveDate> = [d(2026, 2, 27), d(2026, 3, 2), d(2026, 4, 1)]
            .into_iter()
            .collect();
        let due = due_closures(d(2026, 2, 20), d(2026, 4, 1), None, 3, &days);
        let shown: Vec<String> = due.iter().map(ZPeriod::to_string).collect();
        // 1 April is today: its day is not over. The fiscal year ending in March is.
        assert_eq!(
            shown,
            vec!["2026-02-27", "2026-03-02", "2026-02", "2026-03", "FY2026"]
        );
        // Out of service on 2 March: March's grand Z is owed, nothing after it.
        let stopped = due_closures(d(2026, 2, 20), d(2026, 4, 1), Some(d(2026, 3, 2)), 3, &days);
        let shown: Vec<String> = stopped.iter().map(ZPeriod::to_string).collect();
        assert_eq!(
            shown,
            vec!["2026-02-27", "2026-03-02", "2026-02", "2026-03"]
        );
    }
}
