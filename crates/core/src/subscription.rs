//! What the registers cost. The principal register is part of the base plan; each extra one
//! is billed monthly, at a price the server is configured with, and a month it did not serve
//! whole is prorated to the day.
//!
//! The rule, written once here and shown on the page:
//! - a register is billed for each local day it is in service, its activation day and its
//!   last day both included (a register activated and suspended on the same day is billed
//!   one day);
//! - a month's amount is the monthly price × days in service ÷ days in the month, rounded to
//!   the nearest cent, half up;
//! - VAT is computed once on the month's total HT, rounded the same way.

use crate::money::Cents;
use crate::store::{Register, RegisterKind};
use crate::vat::VatRate;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The price list, from the server's configuration.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    /// Monthly price of one extra register, HT.
    pub extra_register_monthly_ht: Cents,
    /// The VAT rate of the subscription.
    pub vat_rate: VatRate,
}

impl Default for Prices {
    /// 39 € HT a month at 20 %: the price the service was launched with.
    fn default() -> Prices {
        Prices {
            extra_register_monthly_ht: Cents(3900),
            vat_rate: VatRate::STANDARD,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error(
        "the monthly price of an extra register must be between 0,01 € and 10 000 €, not {0} cents"
    )]
    ExtraRegister(i64),
}

impl Prices {
    pub fn validate(&self) -> Result<(), PriceError> {
        let cents = self.extra_register_monthly_ht.value();
        if !(1..=1_000_000).contains(&cents) {
            return Err(PriceError::ExtraRegister(cents));
        }
        Ok(())
    }

    /// A full month of one extra register: 39,00 € HT, 7,80 € of VAT, 46,80 € TTC.
    pub fn extra_register_monthly(&self) -> Amounts {
        Amounts::of_ht(self.extra_register_monthly_ht, self.vat_rate)
    }
}

/// HT, VAT and TTC of an amount.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Amounts {
    pub ht: Cents,
    pub vat: Cents,
    pub ttc: Cents,
}

impl Amounts {
    pub fn of_ht(ht: Cents, rate: VatRate) -> Amounts {
        let vat = Cents(divide_half_up(
            ht.value() * i64::from(rate.basis_points()),
            10_000,
        ));
        Amounts {
            ht,
            vat,
            ttc: ht + vat,
        }
    }
}

/// `numerator / denominator` rounded to the nearest integer, half away from zero.
fn divide_half_up(numerator: i64, denominator: i64) -> i64 {
    let sign = if (numerator < 0) != (denominator < 0) {
        -1
    } else {
        1
    };
    let (n, d) = (numerator.abs(), denominator.abs());
    sign * ((2 * n + d) / (2 * d))
}

/// The local days a register serves: from its activation day to its last day, both included
/// (`until` is `None` while it has no end).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSpan {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl ServiceSpan {
    /// How many days of the month starting on `first` it serves.
    pub fn days_in(&self, first: NaiveDate) -> u32 {
        let last = last_day(first);
        let start = self.from.max(first);
        let end = self.until.map_or(last, |u| u.min(last));
        if end < start {
            0
        } else {
            (end - start).num_days() as u32 + 1
        }
    }
}

/// The first day of the month of `day`.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_day(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first)
}

/// 28, 29, 30 or 31.
pub fn days_in_month(first: NaiveDate) -> u32 {
    last_day(first).day()
}

/// `monthly` for `days` of a month of `month_days`, rounded to the cent, half up.
pub fn prorate(monthly: Cents, days: u32, month_days: u32) -> Cents {
    if days >= month_days {
        return monthly;
    }
    Cents(divide_half_up(
        monthly.value() * i64::from(days),
        i64::from(month_days),
    ))
}

/// One extra register on a month's invoice.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub register_id: i64,
    pub number: u32,
    pub label: String,
    pub days: u32,
    pub month_days: u32,
    pub ht: Cents,
}

/// What a month of extra registers costs.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthInvoice {
    /// The month's first day.
    pub month: NaiveDate,
    /// Each extra register that served in the month, by number.
    pub lines: Vec<InvoiceLine>,
    pub totals: Amounts,
}

/// The invoice of the month starting on `first` for `registers` and the span each serves
/// (`None`: never activated). The principal register is in the base plan: never a line.
pub fn month_invoice(
    first: NaiveDate,
    registers: &[(&Register, Option<ServiceSpan>)],
    prices: &Prices,
) -> MonthInvoice {
    let month_days = days_in_month(first);
    let mut lines: Vec<InvoiceLine> = registers
        .iter()
        .filter(|(r, _)| r.kind == RegisterKind::Extra)
        .filter_map(|(register, span)| {
            let days = span.map_or(0, |s| s.days_in(first));
            (days > 0).then(|| InvoiceLine {
                register_id: register.id,
                number: register.number,
                label: register.label.clone(),
                days,
                month_days,
                ht: prorate(prices.extra_register_monthly_ht, days, month_days),
            })
        })
        .collect();
    lines.sort_by_key(|l| l.number);
    let ht = lines.iter().map(|l| l.ht).sum();
    MonthInvoice {
        month: first,
        lines,
        totals: Amounts::of_ht(ht, prices.vat_rate),
    }
}

/// The months from the one of `since` to the one of `until`, the most recent first, at most
/// `limit` of them.
pub fn months_back(since: NaiveDate, until: NaiveDate, limit: usize) -> Vec<NaiveDate> {
    let mut month = month_of(until);
    let first = month_of(since);
    let mut months = Vec::new();
    while month >= first && months.len() < limit {
        months.push(month);
        match month.checked_sub_months(Months::new(1)) {
            Some(previous) => month = previous,
            None => break,
        }
    }
    months
}

/// A store's subscription: its registers and what each costs a month, the month's total, the
/// invoice of the current month as it stands, and past months.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub store_id: i64,
    pub prices: Prices,
    pub registers: Vec<SubscribedRegister>,
    /// A full month of the registers in service now.
    pub monthly: Amounts,
    /// The current month, prorated: what the next invoice will say if nothing changes.
    pub next_invoice: MonthInvoice,
    /// Past months, the most recent first (at most 24).
    pub history: Vec<MonthInvoice>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribedRegister {
    pub register: Register,
    /// Its local days of service, if it was ever activated.
    pub service: Option<ServiceSpan>,
    /// A full month of it, HT; `None` for the principal register (base plan).
    pub monthly_ht: Option<Cents>,
}

impl Subscription {
    /// A store's subscription as of `today`, its local business day, from each register and
    /// the span it serves.
    pub fn assemble(
        store_id: i64,
        registers: Vec<ServedRegister>,
        prices: Prices,
        today: NaiveDate,
    ) -> Subscription {
        let spans: Vec<(&Register, Option<ServiceSpan>)> =
            registers.iter().map(|(r, s)| (r, *s)).collect();
        let serving_now = spans
            .iter()
            .filter(|(r, s)| {
                r.kind == RegisterKind::Extra
                    && s.is_some_and(|s| s.from <= today && s.until.is_none_or(|u| today <= u))
            })
            .count() as i64;
        let this_month = month_of(today);
        let history = spans
            .iter()
            .filter(|(r, _)| r.kind == RegisterKind::Extra)
            .filter_map(|(_, s)| s.map(|s| s.from))
            .min()
            .and_then(|first| {
                this_month
                    .checked_sub_months(Months::new(1))
                    .map(|last| (first, last))
            })
            .map(|(first, last)| months_back(first, last, 24))
            .unwrap_or_default()
            .into_iter()
            .map(|month| month_invoice(month, &spans, &prices))
            .collect();
        let next_invoice = month_invoice(this_month, &spans, &prices);
        Subscription {
            store_id,
            prices,
            monthly: Amounts::of_ht(
                prices.extra_register_monthly_ht * serving_now,
                prices.vat_rate,
            ),
            next_invoice,
            history,
            registers: registers
                .into_iter()
                .map(|(register, service)| SubscribedRegister {
                    monthly_ht: (register.kind == RegisterKind::Extra)
                        .then_some(prices.extra_register_monthly_ht),
                    register,
                    service,
                })
                .collect(),
        }
    }
}

/// What the service bills for a month: every store's extra registers, the amounts and the total.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billing {
    pub month: NaiveDate,
    pub prices: Prices,
    /// Each store with an extra register that served in the month, by store id.
    pub stores: Vec<StoreBilling>,
    pub totals: Amounts,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreBilling {
    pub store_id: i64,
    pub store_name: String,
    pub invoice: MonthInvoice,
}

/// A register and the local days it serves (`None`: never activated).
pub type ServedRegister = (Register, Option<ServiceSpan>);

impl Billing {
    /// `stores`: each store's id, name, and registers with the span each serves.
    pub fn assemble(
        month: NaiveDate,
        stores: Vec<(i64, String, Vec<ServedRegister>)>,
        prices: Prices,
    ) -> Billing {
        let first = month_of(month);
        let stores: Vec<StoreBilling> = stores
            .into_iter()
            .map(|(store_id, store_name, registers)| {
                let spans: Vec<(&Register, Option<ServiceSpan>)> =
                    registers.iter().map(|(r, s)| (r, *s)).collect();
                StoreBilling {
                    store_id,
                    store_name,
                    invoice: month_invoice(first, &spans, &prices),
                }
            })
            .filter(|s| !s.invoice.lines.is_empty())
            .collect();
        // Each store is invoiced on its own: the total is the sum of their invoices.
        let totals = stores.iter().fold(Amounts::default(), |sum, s| Amounts {
            ht: sum.ht + s.invoice.totals.ht,
            vat: sum.vat + s.invoice.totals.vat,
            ttc: sum.ttc + s.invoice.totals.ttc,
        });
        Billing {
            month: first,
            prices,
            stores,
            totals,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RegisterStatus;
    use chrono::{TimeZone, Utc};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn register(number: u32, kind: RegisterKind) -> Register {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
        Register {
            id: i64::from(number) * 10,
            store_id: 1,
            number,
            label: format!("Caisse {number}"),
            kind,
            status: RegisterStatus::Active,
            created_at: at,
            activated_at: Some(at),
            suspended_at: None,
        }
    }

    fn span(from: NaiveDate, until: Option<NaiveDate>) -> Option<ServiceSpan> {
        Some(ServiceSpan { from, until })
    }

    #[test]
    fn a_full_month_is_39_euros_46_80_with_vat() {
        let prices = Prices::default();
        assert_eq!(
            prices.extra_register_monthly(),
            Amounts {
                ht: Cents(3900),
                vat: Cents(780),
                ttc: Cents(4680)
            }
        );
        let (principal, extra) = (
            register(1, RegisterKind::Principal),
            register(2, RegisterKind::Extra),
        );
        let invoice = month_invoice(
            day(2026, 11, 1),
            &[
                (&principal, span(day(2025, 1, 1), None)),
                (&extra, span(day(2026, 3, 1), None)),
            ],
            &prices,
        );
        assert_eq!(invoice.lines.len(), 1, "the principal is in the base plan");
        assert_eq!(
            (invoice.lines[0].days, invoice.lines[0].month_days),
            (30, 30)
        );
        assert_eq!(invoice.totals.ttc, Cents(4680));
    }

    /// By hand: 39 € × 15 / 30 = 19,50 € (activated on 16 November, 30 days); suspended on
    /// 10 November: 39 × 10 / 30 = 13,00 €; February 2026 (28 days) from the 15th: 39 × 14 /
    /// 28 = 19,50 €; February 2028 (29 days) from the 15th: 39 × 15 / 29 = 20,1724… → 20,17 €;
    /// activated on the 10th and suspended on the 20th of a 31-day month: 39 × 11 / 31 =
    /// 13,8387… → 13,84 €.
    #[test]
    fn partial_months_are_prorated_to_the_day() {
        let prices = Prices::default();
        let extra = register(2, RegisterKind::Extra);
        let cases = [
            (day(2026, 11, 1), span(day(2026, 11, 16), None), 15, 1950),
            (
                day(2026, 11, 1),
                span(day(2026, 1, 1), Some(day(2026, 11, 10))),
                10,
                1300,
            ),
            (day(2026, 2, 1), span(day(2026, 2, 15), None), 14, 1950),
            (day(2028, 2, 1), span(day(2028, 2, 15), None), 15, 2017),
            (
                day(2026, 12, 1),
                span(day(2026, 12, 10), Some(day(2026, 12, 20))),
                11,
                1384,
            ),
            (
                day(2026, 12, 1),
                span(day(2026, 12, 10), Some(day(2026, 12, 10))),
                1,
                126,
            ),
        ];
        for (month, service, days, cents) in cases {
            let invoice = month_invoice(month, &[(&extra, service)], &prices);
            assert_eq!(invoice.lines[0].days, days, "{month} {service:?}");
            assert_eq!(invoice.lines[0].ht, Cents(cents), "{month} {service:?}");
        }
        // Outside its span, or never activated: no line.
        let before = month_invoice(
            day(2026, 10, 1),
            &[(&extra, span(day(2026, 11, 16), None))],
            &prices,
        );
        assert!(before.lines.is_empty());
        assert_eq!(before.totals, Amounts::default());
        assert!(month_invoice(day(2026, 10, 1), &[(&extra, None)], &prices)
            .lines
            .is_empty());
    }

    #[test]
    fn vat_is_rounded_once_on_the_total() {
        // Two registers at 13,84 € each: 27,68 € HT, VAT 5,536 → 5,54 €.
        let prices = Prices::default();
        let (a, b) = (
            register(2, RegisterKind::Extra),
            register(3, RegisterKind::Extra),
        );
        let service = span(day(2026, 12, 10), Some(day(2026, 12, 20)));
        let invoice = month_invoice(day(2026, 12, 1), &[(&b, service), (&a, service)], &prices);
        assert_eq!(invoice.lines[0].number, 2, "by number");
        assert_eq!(
            invoice.totals,
            Amounts {
                ht: Cents(2768),
                vat: Cents(554),
                ttc: Cents(3322)
            }
        );
    }

    #[test]
    fn a_store_subscription_as_of_a_day() {
        let prices = Prices::default();
        let principal = register(1, RegisterKind::Principal);
        let permanent = register(2, RegisterKind::Extra);
        let seasonal = register(3, RegisterKind::Extra);
        let today = day(2026, 11, 29);
        let subscription = Subscription::assemble(
            1,
            vec![
                (principal, span(day(2025, 12, 1), None)),
                (permanent, span(day(2026, 9, 16), None)),
                // The season: 15 November to 31 December.
                (seasonal, span(day(2026, 11, 15), Some(day(2026, 12, 31)))),
            ],
            prices,
            today,
        );
        assert_eq!(subscription.registers[0].monthly_ht, None);
        assert_eq!(subscription.registers[1].monthly_ht, Some(Cents(3900)));
        // Two extras in service today: 78 € HT, 93,60 € TTC.
        assert_eq!(subscription.monthly.ttc, Cents(9360));
        // November: 39 € + 39 × 16 / 30 = 39 + 20,80.
        let lines: Vec<(u32, Cents)> = subscription
            .next_invoice
            .lines
            .iter()
            .map(|l| (l.days, l.ht))
            .collect();
        assert_eq!(lines, vec![(30, Cents(3900)), (16, Cents(2080))]);
        assert_eq!(subscription.next_invoice.totals.ht, Cents(5980));
        // October back to September, when the first extra started (15 days of 30: 19,50 €).
        let months: Vec<(NaiveDate, Cents)> = subscription
            .history
            .iter()
            .map(|m| (m.month, m.totals.ht))
            .collect();
        assert_eq!(
            months,
            vec![
                (day(2026, 10, 1), Cents(3900)),
                (day(2026, 9, 1), Cents(1950))
            ]
        );
    }

    #[test]
    fn the_service_bills_each_store_its_extra_registers() {
        let prices = Prices::default();
        let month = day(2026, 11, 10);
        let billing = Billing::assemble(
            month,
            vec![
                (
                    1,
                    "Cave des Canuts".into(),
                    vec![
                        (
                            register(1, RegisterKind::Principal),
                            span(day(2025, 1, 1), None),
                        ),
                        (
                            register(2, RegisterKind::Extra),
                            span(day(2026, 11, 16), None),
                        ),
                    ],
                ),
                (
                    2,
                    "Le Chai".into(),
                    vec![(
                        register(1, RegisterKind::Principal),
                        span(day(2025, 1, 1), None),
                    )],
                ),
            ],
            prices,
        );
        assert_eq!(billing.month, day(2026, 11, 1));
        assert_eq!(
            billing.stores.len(),
            1,
            "a store with no extra register owes nothing"
        );
        assert_eq!(billing.totals.ht, Cents(1950));
        assert_eq!(billing.totals.ttc, Cents(2340));
    }

    #[test]
    fn prices_are_checked() {
        let mut prices = Prices::default();
        assert!(prices.validate().is_ok());
        prices.extra_register_monthly_ht = Cents(0);
        assert_eq!(prices.validate(), Err(PriceError::ExtraRegister(0)));
    }

    #[test]
    fn months_go_back_from_the_latest() {
        assert_eq!(
            months_back(day(2026, 10, 20), day(2026, 12, 5), 24),
            vec![day(2026, 12, 1), day(2026, 11, 1), day(2026, 10, 1)]
        );
        assert_eq!(months_back(day(2020, 1, 1), day(2026, 12, 5), 2).len(), 2);
        assert!(months_back(day(2027, 1, 1), day(2026, 12, 5), 24).is_empty());
    }

    proptest::proptest! {
        /// Prorating never exceeds the monthly price, is exact for a full month, and grows
        /// with the days.
        #[test]
        fn prorating_is_bounded_and_monotonic(price in 1i64..1_000_000, month_days in 28u32..=31, days in 0u32..=31) {
            let days = days.min(month_days);
            let amount = prorate(Cents(price), days, month_days);
            proptest::prop_assert!(amount.value() <= price && amount.value() >= 0);
            proptest::prop_assert_eq!(prorate(Cents(price), month_days, month_days), Cents(price));
            if days < month_days {
                proptest::prop_assert!(prorate(Cents(price), days + 1, month_days) >= amount);
            }
        }
    }
}
