//! Today at a glance: how today is going against the same weekday last week, and the month so
//! far against last month to the same day. Both sides stop at the same time of day, so a
//! morning is never compared with a whole day; a side with nothing to compare with is not
//! compared at all.

use crate::api::ratio_rounded;
use crate::format::{format_clock, format_day_long, format_days_of_month, month_name, Lang};
use crate::rollup::DaySales;
use crate::ticket::TicketKind;
use crate::Cents;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Tickets and takings of a span, net of refunds.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub sales: u64,
    pub refunds: u64,
    /// Net TTC: refunds count negatively.
    pub ttc: Cents,
    /// What refunds gave back (zero or negative).
    pub refund_ttc: Cents,
}

impl Tally {
    /// Adds one ticket of `total_ttc` (negative for a refund); `None` when the sum overflows,
    /// as a device's numbers may.
    pub fn checked_add_ticket(self, kind: TicketKind, total_ttc: Cents) -> Option<Tally> {
        let mut next = self;
        next.ttc = self.ttc.checked_add(total_ttc)?;
        match kind {
            TicketKind::Sale => next.sales = self.sales.checked_add(1)?,
            TicketKind::Refund => {
                next.refunds = self.refunds.checked_add(1)?;
                next.refund_ttc = self.refund_ttc.checked_add(total_ttc)?;
            }
        }
        Some(next)
    }

    pub fn checked_merge(self, other: Tally) -> Option<Tally> {
        Some(Tally {
            sales: self.sales.checked_add(other.sales)?,
            refunds: self.refunds.checked_add(other.refunds)?,
            ttc: self.ttc.checked_add(other.ttc)?,
            refund_ttc: self.refund_ttc.checked_add(other.refund_ttc)?,
        })
    }

    pub fn tickets(&self) -> u64 {
        self.sales.saturating_add(self.refunds)
    }

    /// TTC of the sales (refunds apart) per sale, rounded half up; none without a sale.
    pub fn average_basket(&self) -> Option<Cents> {
        if self.sales == 0 {
            return None;
        }
        let gross = i128::from(self.ttc.0) - i128::from(self.refund_ttc.0);
        i64::try_from(ratio_rounded(gross, i128::from(self.sales)))
            .ok()
            .map(Cents)
    }
}

impl From<&DaySales> for Tally {
    fn from(day: &DaySales) -> Tally {
        Tally {
            sales: day.sale_count,
            refunds: day.refund_count,
            ttc: day.ttc,
            refund_ttc: day.refund_ttc,
        }
    }
}

/// Some business days: the whole days `whole`, then `last_day` up to the instant `until`
/// (excluded). A span that ends now has its last day cut now.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Tickets of `last_day` count when issued before this instant; `None`: the whole day.
    pub until: Option<DateTime<Utc>>,
}

impl Span {
    /// The days counted whole: all of them when the last is whole, else all but the last.
    pub fn whole_days(&self) -> Option<(NaiveDate, NaiveDate)> {
        match self.until {
            None => Some((self.first_day, self.last_day)),
            Some(_) => {
                let before_last = self.last_day.pred_opt()?;
                (before_last >= self.first_day).then_some((self.first_day, before_last))
            }
        }
    }

    /// The first instant the span covers, in `tz`: the start of its first day.
    pub fn starts_at(&self, tz: Tz) -> DateTime<Utc> {
        local_instant(self.first_day.and_time(chrono::NaiveTime::MIN), tz)
    }
}

/// What the first screen compares, when it is `now` in a store of time zone `tz`.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlanceWindows {
    /// Today until now.
    pub today: Span,
    /// The same weekday a week before, until the same time of day.
    pub last_week: Span,
    /// The month so far.
    pub month: Span,
    /// Last month from its first day to the same day and time; the whole of it when it is
    /// shorter than that (the 31st against a 30-day month).
    pub previous_month: Span,
}

/// A local wall time of `tz` as an instant. A time the clocks skip (spring forward) is the
/// first one after the gap; a time they pass twice is the first of the two.
fn local_instant(wall: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    (0..=2)
        .find_map(|hours| {
            tz.from_local_datetime(&(wall + chrono::Duration::hours(hours)))
                .earliest()
        })
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| wall.and_utc())
}

/// The instant on `day` at the local time of day it is `now` in `tz`: where a period that
/// runs to now has its comparison stop.
pub fn same_time_on(day: NaiveDate, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    local_instant(day.and_time(now.with_timezone(&tz).time()), tz)
}

/// Where a report's comparison stops when its period runs to now: on the compared period's
/// last day at the time it is now, when that day stands for today (both periods are as
/// long). This month so far on the 31st against a whole February is left whole.
pub fn comparison_until(
    range: crate::period::DateRange,
    previous: crate::period::DateRange,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    (range.to == today && previous.days() == range.days())
        .then(|| same_time_on(previous.to, now, tz))
}

impl GlanceWindows {
    pub fn at(now: DateTime<Utc>, tz: Tz) -> GlanceWindows {
        let today = now.with_timezone(&tz).date_naive();
        let same_time = |day: NaiveDate| Some(same_time_on(day, now, tz));
        let week_before = today - Days::new(7);
        let first = today.with_day(1).unwrap_or(today);
        let previous_first = first - Months::new(1);
        let previous_month = match today.checked_sub_months(Months::new(1)) {
            // `checked_sub_months` clamps the 31st to the 30th: then the whole month counts.
            Some(day) if day.day() == today.day() => Span {
                first_day: previous_first,
                last_day: day,
                until: same_time(day),
            },
            _ => Span {
                first_day: previous_first,
                last_day: first.pred_opt().unwrap_or(first),
                until: None,
            },
        };
        GlanceWindows {
            today: Span {
                first_day: today,
                last_day: today,
                until: Some(now),
            },
            last_week: Span {
                first_day: week_before,
                last_day: week_before,
                until: same_time(week_before),
            },
            month: Span {
                first_day: first,
                last_day: today,
                until: Some(now),
            },
            previous_month,
        }
    }
}

/// A figure now and at the time compared with.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compared {
    pub now: Tally,
    pub before: Tally,
    /// Whether `before` is a fair base: the register was in service over all of it. A shop's
    /// line is always comparable (a new register is part of how the shop is doing).
    pub comparable: bool,
}

/// The three figures an owner reads first, each with its change when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    pub takings_bp: Option<i64>,
    pub tickets_bp: Option<i64>,
    pub basket_bp: Option<i64>,
}

/// The change from `before` to `now` in basis points, rounded half away from zero; none
/// without a positive base (nothing sold then: "—", never "▼ 100 %" or an infinite rise).
pub fn change_bp(now: i64, before: i64) -> Option<i64> {
    if before <= 0 {
        return None;
    }
    let delta = (i128::from(now) - i128::from(before)) * 10_000;
    i64::try_from(ratio_rounded(delta, i128::from(before))).ok()
}

impl Compared {
    pub fn changes(&self) -> Changes {
        if !self.comparable {
            return Changes {
                takings_bp: None,
                tickets_bp: None,
                basket_bp: None,
            };
        }
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        Changes {
            takings_bp: change_bp(self.now.ttc.0, self.before.ttc.0),
            tickets_bp: change_bp(count(self.now.tickets()), count(self.before.tickets())),
            basket_bp: self
                .now
                .average_basket()
                .zip(self.before.average_basket())
                .and_then(|(now, before)| change_bp(now.0, before.0)),
        }
    }
}

/// Whether a register's figures over `base` may be compared with now: it was activated
/// before the base began (a register that did not sell then for want of existing is no base),
/// and is not suspended.
pub fn register_comparable(
    activated_at: Option<DateTime<Utc>>,
    suspended_at: Option<DateTime<Utc>>,
    base: &Span,
    tz: Tz,
) -> bool {
    let start = base.starts_at(tz);
    activated_at.is_some_and(|at| at <= start) && suspended_at.is_none()
}

/// One register's line on the first screen.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterGlance {
    pub register: crate::store::Register,
    pub today: Compared,
    pub month: Compared,
    /// How its figures stand with its syncs.
    pub sync: crate::freshness::SyncBrief,
}

/// The first screen's figures: the shop's and each register's, today and this month.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glance {
    pub store_id: i64,
    /// The instant "so far" means.
    pub as_of: DateTime<Utc>,
    /// The same, on the store's clock (the app carries no time-zone database).
    pub as_of_local: NaiveDateTime,
    pub windows: GlanceWindows,
    pub today: Compared,
    pub month: Compared,
    pub registers: Vec<RegisterGlance>,
}

impl Glance {
    /// What today's figures are compared with: `Jusqu'à 10:15, comparé au mardi 24 novembre
    /// à la même heure.`
    pub fn today_compared(&self, lang: Lang) -> String {
        let clock = format_clock(self.as_of_local.time());
        let day = format_day_long(self.windows.last_week.last_day, lang);
        match lang {
            Lang::Fr => format!("Jusqu'à {clock}, comparé au {day} à la même heure."),
            Lang::En => format!("Until {clock}, against {day} at the same time."),
        }
    }

    /// What the month's figures are compared with: the same days of last month to the same
    /// time, or the whole of a shorter month.
    pub fn month_compared(&self, lang: Lang) -> String {
        let previous = self.windows.previous_month;
        match previous.until {
            Some(_) => {
                let clock = format_clock(self.as_of_local.time());
                let days = format_days_of_month(previous.first_day, previous.last_day, lang);
                match lang {
                    Lang::Fr => format!("Comparé au {days}, jusqu'à {clock} le dernier jour."),
                    Lang::En => format!("Against {days}, until {clock} on the last day."),
                }
            }
            None => {
                let month = month_name(previous.last_day.month(), lang);
                match lang {
                    Lang::Fr => format!("Comparé à tout le mois de {month}, plus court."),
                    Lang::En => format!("Against the whole of {month}, a shorter month."),
                }
            }
        }
    }
}

impl Compared {
    /// Why a figure has no change beside it, for the "—" it shows instead.
    pub fn why_not_compared(&self, lang: Lang) -> Option<&'static str> {
        if !self.comparable {
            return Some(match lang {
                Lang::Fr => "Rien à comparer : la caisse n'était pas encore en service.",
                Lang::En => "Nothing to compare with: the register was not in service yet.",
            });
        }
        (self.before.ttc.0 <= 0).then_some(match lang {
            Lang::Fr => "Rien à comparer : aucune vente à ce moment-là.",
            Lang::En => "Nothing to compare with: no sales at that time.",
        })
    }
}

/// What a register counted over the four spans of [`GlanceWindows`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterTallies {
    pub today: Tally,
    pub last_week: Tally,
    pub month: Tally,
    pub previous_month: Tally,
}

/// A sum of a device's numbers that does not fit: the first screen is not drawn on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the takings of store {store_id} overflow a sum")]
pub struct TallyOverflow {
    pub store_id: i64,
}

impl Glance {
    /// Each register's line, its comparisons fair or not, and the shop's sums.
    pub fn new(
        store_id: i64,
        as_of: DateTime<Utc>,
        tz: Tz,
        registers: Vec<(
            crate::store::Register,
            RegisterTallies,
            crate::freshness::SyncBrief,
        )>,
    ) -> Result<Glance, TallyOverflow> {
        let windows = GlanceWindows::at(as_of, tz);
        let overflow = TallyOverflow { store_id };
        let (mut today, mut month) = (Compared::default(), Compared::default());
        (today.comparable, month.comparable) = (true, true);
        let mut lines = Vec::with_capacity(registers.len());
        for (register, tallies, sync) in registers {
            let add = |shop: Compared, now: Tally, before: Tally| {
                Some(Compared {
                    now: shop.now.checked_merge(now)?,
                    before: shop.before.checked_merge(before)?,
                    comparable: true,
                })
            };
            today = add(today, tallies.today, tallies.last_week).ok_or(overflow)?;
            month = add(month, tallies.month, tallies.previous_month).ok_or(overflow)?;
            let fair = |base: &Span| {
                register_comparable(register.activated_at, register.suspended_at, base, tz)
            };
            lines.push(RegisterGlance {
                today: Compared {
                    now: tallies.today,
                    before: tallies.last_week,
                    comparable: fair(&windows.last_week),
                },
                month: Compared {
                    now: tallies.month,
                    before: tallies.previous_month,
                    comparable: fair(&windows.previous_month),
                },
                register,
                sync,
            });
        }
        Ok(Glance {
            store_id,
            as_of,
            as_of_local: as_of.with_timezone(&tz).naive_local(),
            windows,
            today,
            month,
            registers: lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PARIS: Tz = chrono_tz::Europe::Paris;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn paris(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        PARIS
            .with_ymd_and_hms(y, m, day, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_morning_is_compared_with_the_same_morning() {
        // Tuesday 1 December 2026, 10:15 in Lyon.
        let w = GlanceWindows::at(paris(2026, 12, 1, 10, 15), PARIS);
        assert_eq!(w.today.first_day, d(2026, 12, 1));
        assert_eq!(w.last_week.last_day, d(2026, 11, 24));
        assert_eq!(w.last_week.until, Some(paris(2026, 11, 24, 10, 15)));
        // On the 1st the month is the morning, against the morning of 1 November.
        assert_eq!(w.month.whole_days(), None);
        assert_eq!(w.previous_month.first_day, d(2026, 11, 1));
        assert_eq!(w.previous_month.last_day, d(2026, 11, 1));
        assert_eq!(w.previous_month.until, Some(paris(2026, 11, 1, 10, 15)));
    }

    #[test]
    fn the_month_runs_to_the_same_day_of_last_month() {
        let w = GlanceWindows::at(paris(2026, 12, 15, 18, 0), PARIS);
        assert_eq!(
            w.month.whole_days(),
            Some((d(2026, 12, 1), d(2026, 12, 14)))
        );
        assert_eq!(
            w.previous_month.whole_days(),
            Some((d(2026, 11, 1), d(2026, 11, 14)))
        );
        assert_eq!(w.previous_month.until, Some(paris(2026, 11, 15, 18, 0)));
    }

    #[test]
    fn a_report_running_to_now_compares_the_same_hours() {
        use crate::period::PeriodPreset;
        let now = paris(2026, 12, 1, 10, 15);
        let until = |preset: PeriodPreset| {
            let range = preset.resolve(d(2026, 12, 1), 12);
            comparison_until(range, range.previous(Some(preset)), now, PARIS)
        };
        // This month on the 1st: the morning of 1 November.
        assert_eq!(
            until(PeriodPreset::ThisMonth),
            Some(paris(2026, 11, 1, 10, 15))
        );
        assert_eq!(
            until(PeriodPreset::Today),
            Some(paris(2026, 11, 30, 10, 15))
        );
        // Over before today: whole days on both sides.
        assert_eq!(until(PeriodPreset::LastMonth), None);
        assert_eq!(until(PeriodPreset::Yesterday), None);
        // The 31st of March against a whole February.
        let now = paris(2026, 3, 31, 10, 0);
        let range = PeriodPreset::ThisMonth.resolve(d(2026, 3, 31), 12);
        let previous = range.previous(Some(PeriodPreset::ThisMonth));
        assert_eq!(comparison_until(range, previous, now, PARIS), None);
    }

    #[test]
    fn the_31st_compares_with_the_whole_of_a_shorter_month() {
        let w = GlanceWindows::at(paris(2026, 3, 31, 12, 0), PARIS);
        assert_eq!(
            w.previous_month,
            Span {
                first_day: d(2026, 2, 1),
                last_day: d(2026, 2, 28),
                until: None
            }
        );
        assert_eq!(
            w.previous_month.whole_days(),
            Some((d(2026, 2, 1), d(2026, 2, 28)))
        );
    }

    #[test]
    fn the_same_time_last_week_across_a_clock_change() {
        // Sunday 1 November 2026 09:30, a week after the clocks went back (25 October).
        let w = GlanceWindows::at(paris(2026, 11, 1, 9, 30), PARIS);
        assert_eq!(w.last_week.until, Some(paris(2026, 10, 25, 9, 30)));
        // 02:30 on 5 April 2026 a week after 29 March, when 02:30 did not exist: the first
        // instant after the gap.
        let w = GlanceWindows::at(paris(2026, 4, 5, 2, 30), PARIS);
        assert_eq!(w.last_week.until, Some(paris(2026, 3, 29, 3, 30)));
    }

    #[test]
    fn nothing_before_is_no_change_not_a_fall() {
        let compared = Compared {
            now: Tally::default(),
            before: Tally::default(),
            comparable: true,
        };
        let changes = compared.changes();
        assert_eq!(changes.takings_bp, None);
        assert_eq!(changes.tickets_bp, None);
        assert_eq!(changes.basket_bp, None);
        assert_eq!(change_bp(0, 5_000), Some(-10_000));
        assert_eq!(change_bp(15_000, 10_000), Some(5_000));
        assert_eq!(change_bp(1, 3), Some(-6_667));
        assert_eq!(change_bp(5, 0), None);
    }

    #[test]
    fn a_register_new_since_the_base_is_not_compared() {
        let before = Tally {
            sales: 4,
            refunds: 0,
            ttc: Cents(10_000),
            refund_ttc: Cents(0),
        };
        let now = Tally {
            sales: 8,
            ttc: Cents(30_000),
            ..before
        };
        let w = GlanceWindows::at(paris(2026, 12, 8, 16, 0), PARIS);
        let old = Some(paris(2026, 1, 1, 9, 0));
        let new = Some(paris(2026, 12, 3, 9, 0));
        assert!(register_comparable(old, None, &w.last_week, PARIS));
        assert!(!register_comparable(new, None, &w.last_week, PARIS));
        assert!(!register_comparable(None, None, &w.last_week, PARIS));
        assert!(!register_comparable(old, old, &w.last_week, PARIS));
        let fair = Compared {
            now,
            before,
            comparable: true,
        };
        assert_eq!(fair.changes().takings_bp, Some(20_000));
        assert_eq!(fair.changes().tickets_bp, Some(10_000));
        // 37,50 € against 25,00 €.
        assert_eq!(fair.changes().basket_bp, Some(5_000));
        let unfair = Compared {
            comparable: false,
            ..fair
        };
        assert_eq!(unfair.changes().takings_bp, None);
    }

    #[test]
    fn a_tally_counts_refunds_apart_from_the_basket() {
        let tally = Tally::default()
            .checked_add_ticket(TicketKind::Sale, Cents(1_000))
            .and_then(|t| t.checked_add_ticket(TicketKind::Sale, Cents(2_001)))
            .and_then(|t| t.checked_add_ticket(TicketKind::Refund, Cents(-500)))
            .unwrap();
        assert_eq!(tally.tickets(), 3);
        assert_eq!(tally.ttc, Cents(2_501));
        assert_eq!(tally.average_basket(), Some(Cents(1_501)));
        assert_eq!(Tally::default().average_basket(), None);
        let huge = Tally {
            ttc: Cents(i64::MAX),
            ..Tally::default()
        };
        assert_eq!(huge.checked_add_ticket(TicketKind::Sale, Cents(1)), None);
        assert_eq!(huge.checked_merge(huge), None);
    }

    #[test]
    fn the_comparisons_are_said_in_words() {
        let glance = Glance::new(1, paris(2026, 12, 1, 10, 15), PARIS, vec![]).unwrap();
        assert_eq!(
            glance.today_compared(Lang::Fr),
            "Jusqu'à 10:15, comparé au mardi 24 novembre à la même heure."
        );
        assert_eq!(
            glance.today_compared(Lang::En),
            "Until 10:15, against Tuesday 24 November at the same time."
        );
        assert_eq!(
            glance.month_compared(Lang::Fr),
            "Comparé au 1er novembre, jusqu'à 10:15 le dernier jour."
        );
        let glance = Glance::new(1, paris(2026, 3, 31, 18, 0), PARIS, vec![]).unwrap();
        assert_eq!(
            glance.month_compared(Lang::Fr),
            "Comparé à tout le mois de février, plus court."
        );
        assert_eq!(
            glance.month_compared(Lang::En),
            "Against the whole of February, a shorter month."
        );
        let none = Compared::default();
        assert_eq!(
            none.why_not_compared(Lang::Fr),
            Some("Rien à comparer : la caisse n'était pas encore en service.")
        );
        let quiet = Compared {
            comparable: true,
            ..none
        };
        assert_eq!(
            quiet.why_not_compared(Lang::En),
            Some("Nothing to compare with: no sales at that time.")
        );
    }

    proptest! {
        /// Whatever the instant, both sides of a comparison stop at the same local time of
        /// day (or the previous month is whole), and the base is before now.
        #[test]
        fn both_sides_stop_at_the_same_time(seconds in 1_577_836_800i64..2_524_608_000) {
            let now = DateTime::from_timestamp(seconds, 0).unwrap();
            let w = GlanceWindows::at(now, PARIS);
            let wall = |at: DateTime<Utc>| at.with_timezone(&PARIS).time();
            let last_week = w.last_week.until.unwrap();
            prop_assert!(last_week < now);
            prop_assert_eq!(last_week.with_timezone(&PARIS).date_naive(), w.last_week.last_day);
            // Equal wall times but where a clock change skipped the hour.
            let gap = (wall(last_week) - wall(now)).num_minutes();
            prop_assert!(gap == 0 || gap == 60, "{} vs {}", wall(last_week), wall(now));
            prop_assert!(w.previous_month.first_day < w.month.first_day);
            prop_assert_eq!(w.previous_month.first_day.day(), 1);
            if let Some(until) = w.previous_month.until {
                prop_assert!(until < now);
                prop_assert_eq!(w.previous_month.last_day.day(), w.today.last_day.day());
            } else {
                prop_assert_eq!(w.previous_month.last_day.succ_opt(), Some(w.month.first_day));
            }
        }

        #[test]
        fn a_change_applied_to_its_base_gives_now_back(now in 0i64..10_000_000, before in 1i64..10_000_000) {
            let bp = change_bp(now, before).unwrap();
            let back = before as f64 * (1.0 + bp as f64 / 10_000.0);
            prop_assert!((back - now as f64).abs() <= before as f64 / 10_000.0 + 1e-6);
        }
    }
}
