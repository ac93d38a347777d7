//! VAT rates and the one function that splits TTC amounts into HT and VAT.
//!
//! # The rounding rule
//! Shelf prices are TTC (VAT included). For a ticket (or any set of lines) we:
//! 1. sum the TTC of the lines **per rate** (after their discounts);
//! 2. compute each rate's VAT once on that sum: `VAT = TTC × rate / (10000 + rate)`, rounded to
//!    the nearest cent, halves away from zero;
//! 3. derive `HT = TTC − VAT`.
//!
//! Rounding once per rate total (not per line) is what French tills print and what keeps
//! `HT + VAT = TTC` exact to the cent for every rate and for the ticket.
//!
//! # Totals over days: the daily Z rounds, longer periods add
//! A register's business day is rounded the same way, once per rate on the day's TTC: that is
//! what its daily Z prints and what the FEC books, one entry per daily Z (`crate::fec`). Every
//! longer period (a monthly or annual Z, a sales report over any range, a store's several
//! registers) is the **sum of those days' lines**, never rounded again
//! ([`VatBreakdown::add`]). So a month's VAT is exactly what its daily Z add up to, and the
//! sales report of a month says what the monthly Z says, to the cent. A ticket keeps its own
//! rounding (it is what the customer was given); the tickets of a day may therefore add up to
//! a cent or two apart from the day's VAT, which is the figure that counts.

use crate::money::Cents;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A VAT rate in basis points: 2000 = 20 %, 550 = 5,5 %.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct VatRate(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("VAT rate {0} basis points is not between 0 and 10000")]
pub struct InvalidVatRate(pub u32);

impl VatRate {
    pub const STANDARD: VatRate = VatRate(2000);
    pub const INTERMEDIATE: VatRate = VatRate(1000);
    pub const REDUCED: VatRate = VatRate(550);
    pub const SUPER_REDUCED: VatRate = VatRate(210);
    pub const ZERO: VatRate = VatRate(0);

    pub fn new(basis_points: u16) -> Result<VatRate, InvalidVatRate> {
        if basis_points <= 10_000 {
            Ok(VatRate(basis_points))
        } else {
            Err(InvalidVatRate(basis_points.into()))
        }
    }

    pub fn basis_points(self) -> u16 {
        self.0
    }

    /// The VAT contained in a TTC amount at this rate, rounded half away from zero.
    pub fn vat_included_in(self, ttc: Cents) -> Cents {
        let rate = i128::from(self.0);
        let numerator = i128::from(ttc.0) * rate;
        let denominator = 10_000 + rate;
        Cents(div_round_half_away(numerator, denominator) as i64)
    }
}

impl TryFrom<u16> for VatRate {
    type Error = InvalidVatRate;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        VatRate::new(value)
    }
}

impl From<VatRate> for u16 {
    fn from(rate: VatRate) -> u16 {
        rate.0
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bp", self.0)
    }
}

fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// The amounts of one VAT rate within a ticket or a period.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatLine {
    pub rate: VatRate,
    pub ttc: Cents,
    pub ht: Cents,
    pub vat: Cents,
}

/// The per-rate split of a set of TTC amounts, ordered by rate.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    pub lines: Vec<VatLine>,
}

impl VatBreakdown {
    /// Applies the rounding rule of this module to `(rate, TTC)` amounts.
    pub fn from_ttc_amounts(amounts: impl IntoIterator<Item = (VatRate, Cents)>) -> VatBreakdown {
        let mut per_rate: BTreeMap<VatRate, Cents> = BTreeMap::new();
        for (rate, ttc) in amounts {
            *per_rate.entry(rate).or_default() += ttc;
        }
        let lines = per_rate
            .into_iter()
            .map(|(rate, ttc)| {
                let vat = rate.vat_included_in(ttc);
                VatLine {
                    rate,
                    ttc,
                    ht: ttc - vat,
                    vat,
                }
            })
            .collect();
        VatBreakdown { lines }
    }

    /// Adds `other`'s lines rate by rate, without rounding again: a period's VAT is the sum of
    /// its days' (see the module documentation).
    pub fn add(&mut self, other: &VatBreakdown) {
        for line in &other.lines {
            match self.lines.binary_search_by_key(&line.rate, |l| l.rate) {
                Ok(i) => {
                    let mine = &mut self.lines[i];
                    mine.ttc += line.ttc;
                    mine.ht += line.ht;
                    mine.vat += line.vat;
                }
                Err(i) => self.lines.insert(i, *line),
            }
        }
    }

    pub fn total_ttc(&self) -> Cents {
        self.lines.iter().map(|l| l.ttc).sum()
    }

    pub fn total_ht(&self) -> Cents {
        self.lines.iter().map(|l| l.ht).sum()
    }

    pub fn total_vat(&self) -> Cents {
        self.lines.iter().map(|l| l.vat).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_rate_on_a_round_price() {
        // 12,00 € TTC at 20 %: HT 10,00, VAT 2,00.
        let b = VatBreakdown::from_ttc_amounts([(VatRate::STANDARD, Cents(1200))]);
        assert_eq!(b.lines[0].vat, Cents(200));
        assert_eq!(b.lines[0].ht, Cents(1000));
    }

    #[test]
    fn one_cent_edge_cases() {
        // 0,01 € at 20 %: VAT 0,00167 rounds to 0.
        assert_eq!(VatRate::STANDARD.vat_included_in(Cents(1)), Cents(0));
        // 0,03 € at 20 %: VAT 0,005 exactly: half rounds away from zero.
        assert_eq!(VatRate::STANDARD.vat_included_in(Cents(3)), Cents(1));
        assert_eq!(VatRate::STANDARD.vat_included_in(Cents(-3)), Cents(-1));
        // 0,06 € at 20 %: 0,01 exactly.
        assert_eq!(VatRate::STANDARD.vat_included_in(Cents(6)), Cents(1));
        assert_eq!(VatRate::ZERO.vat_included_in(Cents(999)), Cents(0));
    }

    #[test]
    fn mixed_rates_round_per_rate_total_not_per_line() {
        // Three lines of 0,03 € at 20 %: per line would give 3 × 0,01 = 0,03 of VAT;
        // on the rate total (0,09 €) the VAT is 0,015 → 0,02.
        let b = VatBreakdown::from_ttc_amounts([
            (VatRate::STANDARD, Cents(3)),
            (VatRate::STANDARD, Cents(3)),
            (VatRate::STANDARD, Cents(3)),
            (VatRate::REDUCED, Cents(1055)),
        ]);
        assert_eq!(b.lines.len(), 2);
        let reduced = b.lines[0];
        let standard = b.lines[1];
        assert_eq!(reduced.rate, VatRate::REDUCED);
        // 10,55 × 550 / 10550 = 0,55 exactly.
        assert_eq!(reduced.vat, Cents(55));
        assert_eq!(reduced.ht, Cents(1000));
        assert_eq!(standard.vat, Cents(2));
        assert_eq!(b.total_ttc(), Cents(1064));
        assert_eq!(b.total_ht() + b.total_vat(), b.total_ttc());
    }

    #[test]
    fn refunds_mirror_sales() {
        let sale = VatBreakdown::from_ttc_amounts([(VatRate::REDUCED, Cents(799))]);
        let refund = VatBreakdown::from_ttc_amounts([(VatRate::REDUCED, Cents(-799))]);
        assert_eq!(sale.total_vat(), -refund.total_vat());
    }

    #[test]
    fn rates_above_one_hundred_percent_are_refused() {
        assert!(VatRate::new(10_001).is_err());
        assert!(serde_json::from_str::<VatRate>("20000").is_err());
        assert_eq!(
            serde_json::from_str::<VatRate>("550").unwrap(),
            VatRate::REDUCED
        );
    }

    #[test]
    fn days_add_without_rounding_again() {
        // Two days of 0,03 € at 20 %: each day's VAT is 0,005 → 0,01, so the two days add up
        // to 0,02, where rounding their 0,06 together would give 0,01.
        let day = VatBreakdown::from_ttc_amounts([(VatRate::STANDARD, Cents(3))]);
        let mut two_days = VatBreakdown::default();
        two_days.add(&day);
        two_days.add(&VatBreakdown::from_ttc_amounts([(
            VatRate::REDUCED,
            Cents(1055),
        )]));
        two_days.add(&day);
        assert_eq!(two_days.lines.len(), 2);
        assert_eq!(two_days.lines[0].rate, VatRate::REDUCED);
        assert_eq!(two_days.lines[1].vat, Cents(2));
        assert_eq!(two_days.lines[1].ht, Cents(4));
        assert_eq!(two_days.total_ttc(), Cents(1061));
    }

    proptest! {
        #[test]
        fn a_sum_of_days_is_ordered_by_rate_and_exact(
            days in proptest::collection::vec(
                proptest::collection::vec(
                    (prop::sample::select(vec![0u16, 210, 550, 1000, 2000]), -100_000i64..100_000),
                    0..6,
                ),
                0..10,
            )
        ) {
            let mut sum = VatBreakdown::default();
            let mut vat = Cents(0);
            for day in &days {
                let b = VatBreakdown::from_ttc_amounts(
                    day.iter().map(|&(r, c)| (VatRate::new(r).unwrap(), Cents(c))),
                );
                vat += b.total_vat();
                sum.add(&b);
            }
            prop_assert!(sum.lines.windows(2).all(|w| w[0].rate < w[1].rate));
            prop_assert_eq!(sum.total_vat(), vat);
            prop_assert_eq!(sum.total_ht() + sum.total_vat(), sum.total_ttc());
            let ttc: i64 = days.iter().flatten().map(|a| a.1).sum();
            prop_assert_eq!(sum.total_ttc(), Cents(ttc));
        }

        #[test]
        fn ht_plus_vat_is_exactly_ttc(
            amounts in proptest::collection::vec(
                (prop::sample::select(vec![0u16, 210, 550, 1000, 2000]), -1_000_000i64..1_000_000),
                0..40,
            )
        ) {
            let b = VatBreakdown::from_ttc_amounts(
                amounts.iter().map(|&(r, c)| (VatRate::new(r).unwrap(), Cents(c))),
            );
            for line in &b.lines {
                prop_assert_eq!(line.ht + line.vat, line.ttc);
                // The VAT is the closest cent to the exact value.
                let exact = line.ttc.0 as f64 * f64::from(line.rate.basis_points())
                    / (10_000.0 + f64::from(line.rate.basis_points()));
                prop_assert!((line.vat.0 as f64 - exact).abs() <= 0.5 + 1e-9);
            }
            prop_assert_eq!(b.total_ttc(), Cents(amounts.iter().map(|a| a.1).sum()));
        }
    }
}
