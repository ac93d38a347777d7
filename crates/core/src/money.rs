//! Money is always an integer number of euro cents.

use serde::{Deserialize, Serialize};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub};

/// An amount in euro cents. Negative amounts are refunds and corrections.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// The largest amount one ticket line may carry (10 million euros): far above any bottle,
    /// far below where sums of a year of tickets could overflow an `i64`.
    pub const MAX_LINE: Cents = Cents(1_000_000_000);

    pub fn value(self) -> i64 {
        self.0
    }

    /// The largest total one ticket may carry, either sign (a billion euros): ninety million
    /// such tickets still sum within an `i64`, so reports over validated tickets cannot
    /// overflow.
    pub const MAX_TICKET: Cents = Cents(100_000_000_000);

    /// The largest amount one field of a closure may carry, either sign (ten thousand times
    /// a ticket's).
    pub const MAX_CLOSURE: Cents = Cents(1_000_000_000_000_000);

    pub fn checked_mul(self, factor: i64) -> Option<Cents> {
        self.0.checked_mul(factor).map(Cents)
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    /// The sum, or `None` when it overflows: for amounts a device sent, before they are
    /// known to be in range.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Cents>) -> Option<Cents> {
        amounts
            .into_iter()
            .try_fold(Cents::ZERO, |sum, amount| sum.checked_add(amount))
    }

    /// Whether the amount lies within `bound` either side of zero.
    pub fn within(self, bound: Cents) -> bool {
        self.0.checked_abs().is_some_and(|a| a <= bound.0)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl Mul<i64> for Cents {
    type Output = Cents;
    fn mul(self, rhs: i64) -> Cents {
        Cents(self.0 * rhs)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

impl<'a> Sum<&'a Cents> for Cents {
    fn sum<I: Iterator<Item = &'a Cents>>(iter: I) -> Cents {
        iter.copied().sum()
    }
}
