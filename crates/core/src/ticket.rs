//! Tickets: what a register sold, as it sent it. Never edited: a return or a correction is a
//! new ticket of kind `refund`, whose lines (positive quantities) count negatively.

use crate::chain::{self, ChainHash};
use crate::money::Cents;
use crate::vat::{VatBreakdown, VatRate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// More than any real basket line; guards the arithmetic and catches typos.
pub const MAX_QUANTITY: i32 = 10_000;

/// More lines or payments than any real basket; keeps a ticket's sums far from overflowing.
pub const MAX_LINES: usize = 1_000;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketLine {
    pub label: String,
    /// At least 1. A returned item is a line of a refund ticket.
    pub quantity: i32,
    pub unit_price_ttc: Cents,
    pub vat_rate: VatRate,
    /// Discount granted on the whole line, TTC, never negative.
    #[serde(default)]
    pub discount: Cents,
}

impl TicketLine {
    pub fn gross_ttc(&self) -> Cents {
        self.unit_price_ttc * i64::from(self.quantity)
    }

    /// The line's amount: gross minus discount, positive (its ticket's kind gives the sign).
    pub fn amount_ttc(&self) -> Cents {
        self.gross_ttc() - self.discount
    }
}

/// A sale, or a refund (returned goods, a correction): a refund's amounts count negatively.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    #[default]
    Sale,
    Refund,
}

impl TicketKind {
    pub fn is_sale(&self) -> bool {
        *self == TicketKind::Sale
    }

    pub fn sign(self) -> i64 {
        match self {
            TicketKind::Sale => 1,
            TicketKind::Refund => -1,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    Cash,
    Cheque,
    GiftVoucher,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [
        PaymentMethod::Card,
        PaymentMethod::Cash,
        PaymentMethod::Cheque,
        PaymentMethod::GiftVoucher,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::GiftVoucher => "gift_voucher",
        }
    }
}

impl std::str::FromStr for PaymentMethod {
    type Err = String;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        PaymentMethod::ALL
            .into_iter()
            .find(|m| m.code() == code)
            .ok_or_else(|| {
                format!("`{code}` is not a payment method: card, cash, cheque, gift_voucher")
            })
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub method: PaymentMethod,
    pub amount: Cents,
}

/// The content of a ticket, everything the hash covers.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    /// Per-register ticket number, 1, 2, 3… without gaps.
    pub sequence: u64,
    #[serde(default, skip_serializing_if = "TicketKind::is_sale")]
    pub kind: TicketKind,
    pub issued_at: DateTime<Utc>,
    pub lines: Vec<TicketLine>,
    /// Money received (negative: money given back, for a refund).
    pub payments: Vec<Payment>,
}

/// A ticket sealed into its register's chain. On the wire its body's fields sit beside the
/// hashes (see [`TicketWire`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "TicketWire", into = "TicketWire")]
pub struct Ticket {
    pub body: TicketBody,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

/// The JSON form of a [`Ticket`]: one flat object. A plain struct rather than
/// `#[serde(flatten)]`, which would buffer every ticket and lose the field names in errors.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketWire {
    pub sequence: u64,
    #[serde(default, skip_serializing_if = "TicketKind::is_sale")]
    pub kind: TicketKind,
    pub issued_at: DateTime<Utc>,
    pub lines: Vec<TicketLine>,
    pub payments: Vec<Payment>,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

impl From<TicketWire> for Ticket {
    fn from(w: TicketWire) -> Ticket {
        Ticket {
            body: TicketBody {
                sequence: w.sequence,
                kind: w.kind,
                issued_at: w.issued_at,
                lines: w.lines,
                payments: w.payments,
            },
            previous_hash: w.previous_hash,
            hash: w.hash,
        }
    }
}

impl From<Ticket> for TicketWire {
    fn from(t: Ticket) -> TicketWire {
        TicketWire {
            sequence: t.body.sequence,
            kind: t.body.kind,
            issued_at: t.body.issued_at,
            lines: t.body.lines,
            payments: t.body.payments,
            previous_hash: t.previous_hash,
            hash: t.hash,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("ticket {sequence}: a ticket needs at least one line")]
    NoLines { sequence: u64 },
    #[error("ticket {sequence}, line {line}: quantity {quantity} must be between 1 and {MAX_QUANTITY} (a return is a ticket of kind `refund`)")]
    Quantity {
        sequence: u64,
        line: usize,
        quantity: i32,
    },
    #[error("ticket {sequence}, line {line}: unit price must be between 0 and {} cents", Cents::MAX_LINE.0)]
    UnitPrice { sequence: u64, line: usize },
    #[error("ticket {sequence}, line {line}: the label {}", crate::text::label_refusal(*.character))]
    Label {
        sequence: u64,
        line: usize,
        character: char,
    },
    #[error("ticket {sequence}, line {line}: discount must be between 0 and the line's amount")]
    Discount { sequence: u64, line: usize },
    #[error("ticket {sequence}: payments add up to {paid} cents but the lines to {due} cents")]
    Unbalanced { sequence: u64, paid: i64, due: i64 },
    #[error("ticket {sequence}: more than {MAX_LINES} {what}")]
    TooMany { sequence: u64, what: &'static str },
    #[error("ticket {sequence}: its total is beyond {} cents either way", Cents::MAX_TICKET.0)]
    Total { sequence: u64 },
    #[error("ticket {sequence}, payment {payment} ({method}): {amount} cents is {reason}")]
    Payment {
        sequence: u64,
        payment: usize,
        method: &'static str,
        amount: i64,
        reason: &'static str,
    },
    #[error("ticket {sequence}: sequence numbers start at 1")]
    Sequence { sequence: u64 },
    #[error("ticket {sequence}: its hash does not match its content and previous hash")]
    Hash { sequence: u64 },
    #[error(
        "ticket {sequence}: issued_at {issued_at} is not a plausible date (years 2000 to 2100)"
    )]
    IssuedAt {
        sequence: u64,
        issued_at: DateTime<Utc>,
    },
}

impl TicketBody {
    /// Each line's rate and signed amount (negative on a refund).
    pub fn line_amounts(&self) -> impl Iterator<Item = (VatRate, Cents)> + '_ {
        let sign = self.kind.sign();
        self.lines
            .iter()
            .map(move |l| (l.vat_rate, l.amount_ttc() * sign))
    }

    /// The ticket's signed total: what the customer paid, or got back.
    pub fn total_ttc(&self) -> Cents {
        self.line_amounts().map(|(_, amount)| amount).sum()
    }

    pub fn discount_total(&self) -> Cents {
        self.lines.iter().map(|l| l.discount).sum()
    }

    pub fn vat_breakdown(&self) -> VatBreakdown {
        VatBreakdown::from_ttc_amounts(self.line_amounts())
    }

    /// Checks what a register could get wrong: every amount in range, payments equal to lines.
    pub fn validate(&self) -> Result<(), TicketError> {
        let sequence = self.sequence;
        if sequence == 0 {
            return Err(TicketError::Sequence { sequence });
        }
        if !crate::period::PLAUSIBLE_YEARS.contains(&chrono::Datelike::year(&self.issued_at)) {
            return Err(TicketError::IssuedAt {
                sequence,
                issued_at: self.issued_at,
            });
        }
        if self.lines.is_empty() {
            return Err(TicketError::NoLines { sequence });
        }
        for (index, line) in self.lines.iter().enumerate() {
            let line_no = index + 1;
            if let Some(character) = crate::text::forbidden_character(&line.label) {
                return Err(TicketError::Label {
                    sequence,
                    line: line_no,
                    character,
                });
            }
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(TicketError::Quantity {
                    sequence,
                    line: line_no,
                    quantity: line.quantity,
                });
            }
            if line.unit_price_ttc.0 < 0 || line.unit_price_ttc > Cents::MAX_LINE {
                return Err(TicketError::UnitPrice {
                    sequence,
                    line: line_no,
                });
            }
            if line.discount.0 < 0 || line.discount > line.gross_ttc() {
                return Err(TicketError::Discount {
                    sequence,
                    line: line_no,
                });
            }
        }
        if self.lines.len() > MAX_LINES {
            return Err(TicketError::TooMany {
                sequence,
                what: "lines",
            });
        }
        if self.payments.len() > MAX_LINES {
            return Err(TicketError::TooMany {
                sequence,
                what: "payments",
            });
        }
        // Lines are bounded above, so only their sum can leave the range; payments are the
        // device's raw numbers, so each is bounded and signed before anything adds them.
        let due = Cents::checked_sum(self.line_amounts().map(|(_, amount)| amount))
            .filter(|due| due.within(Cents::MAX_TICKET))
            .ok_or(TicketError::Total { sequence })?;
        for (index, payment) in self.payments.iter().enumerate() {
            let reason = if !payment.amount.within(Cents::MAX_TICKET) {
                Some("out of range")
            } else if self.kind.is_sale() && payment.amount.0 < 0 {
                Some("negative on a sale (money given back is a refund ticket)")
            } else if !self.kind.is_sale() && payment.amount.0 > 0 {
                Some("positive on a refund (money given back is negative)")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(TicketError::Payment {
                    sequence,
                    payment: index + 1,
                    method: payment.method.code(),
                    amount: payment.amount.0,
                    reason,
                });
            }
        }
        // Each payment is at most MAX_TICKET and there are at most MAX_LINES of them: the
        // sum cannot overflow.
        let paid: Cents = self.payments.iter().map(|p| p.amount).sum();
        if paid != due {
            return Err(TicketError::Unbalanced {
                sequence,
                paid: paid.0,
                due: due.0,
            });
        }
        Ok(())
    }

    /// Seals the body after `previous_hash` in its register's chain.
    pub fn seal(self, previous_hash: ChainHash) -> Ticket {
        let hash = chain::ticket_hash(&previous_hash, &self);
        Ticket {
            body: self,
            previous_hash,
            hash,
        }
    }
}

impl Ticket {
    /// The hash this ticket's content and previous hash give, whatever hash it claims.
    pub fn content_hash(&self) -> ChainHash {
        chain::ticket_hash(&self.previous_hash, &self.body)
    }

    /// Validates the content and checks the hash against it.
    pub fn verify(&self) -> Result<(), TicketError> {
        self.body.validate()?;
        if self.content_hash() != self.hash {
            return Err(TicketError::Hash {
                sequence: self.body.sequence,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn bottle(quantity: i32, price: i64, discount: i64) -> TicketLine {
        TicketLine {
            label: "Saint-Joseph 2021".into(),
            quantity,
            unit_price_ttc: Cents(price),
            vat_rate: VatRate::STANDARD,
            discount: Cents(discount),
        }
    }

    fn body(lines: Vec<TicketLine>, paid: i64) -> TicketBody {
        TicketBody {
            sequence: 1,
            kind: TicketKind::Sale,
            issued_at: Utc.with_ymd_and_hms(2026, 3, 14, 15, 9, 26).unwrap(),
            lines,
            payments: vec![Payment {
                method: PaymentMethod::Card,
                amount: Cents(paid),
            }],
        }
    }

    #[test]
    fn six_bottles_with_a_discount_balance() {
        let b = body(vec![bottle(6, 2450, 1470)], 13230);
        assert_eq!(b.total_ttc(), Cents(13230));
        assert_eq!(b.lines[0].amount_ttc(), Cents(13230));
        assert_eq!(b.validate(), Ok(()));
        let vat = b.vat_breakdown();
        assert_eq!(vat.total_vat(), Cents(2205));
        assert_eq!(vat.total_ht(), Cents(11025));
    }

    #[test]
    fn a_refund_counts_negatively_with_positive_quantities() {
        let mut b = body(vec![bottle(1, 2450, 450)], -2000);
        b.kind = TicketKind::Refund;
        assert_eq!(b.total_ttc(), Cents(-2000));
        assert_eq!(b.validate(), Ok(()));
        assert_eq!(b.vat_breakdown().total_vat(), Cents(-333));
        // A negative quantity is refused, whatever the kind.
        let negative = body(vec![bottle(-1, 2450, 0)], -2450);
        assert!(matches!(
            negative.validate(),
            Err(TicketError::Quantity { quantity: -1, .. })
        ));
        let json = serde_json::to_value(b.clone().seal(ChainHash::GENESIS)).unwrap();
        assert_eq!(json["kind"], "refund");
        let sale =
            serde_json::to_value(body(vec![bottle(1, 100, 0)], 100).seal(ChainHash::GENESIS))
                .unwrap();
        assert!(
            sale.get("kind").is_none(),
            "sales carry no kind on the wire"
        );
    }

    #[test]
    fn bad_tickets_name_what_is_wrong() {
        assert!(matches!(
            body(vec![], 0).validate(),
            Err(TicketError::NoLines { .. })
        ));
        let mut ancient = body(vec![bottle(1, 100, 0)], 100);
        ancient.issued_at = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        assert!(matches!(
            ancient.validate(),
            Err(TicketError::IssuedAt { .. })
        ));
        let mut bell = bottle(1, 100, 0);
        bell.label = "Morgon\u{7}".into();
        let refused = body(vec![bell], 100).validate().unwrap_err();
        assert!(matches!(refused, TicketError::Label { line: 1, .. }));
        assert!(refused.to_string().contains("label"), "{refused}");
        assert!(matches!(
            body(vec![bottle(0, 100, 0)], 0).validate(),
            Err(TicketError::Quantity { line: 1, .. })
        ));
        assert!(matches!(
            body(vec![bottle(1, -5, 0)], -5).validate(),
            Err(TicketError::UnitPrice { .. })
        ));
        assert!(matches!(
            body(vec![bottle(1, 100, 101)], -1).validate(),
            Err(TicketError::Discount { .. })
        ));
        assert_eq!(
            body(vec![bottle(2, 100, 0)], 150).validate(),
            Err(TicketError::Unbalanced {
                sequence: 1,
                paid: 150,
                due: 200
            })
        );
    }

    #[test]
    fn payments_are_bounded_and_signed() {
        // A 10 € sale "paid" a billion euros in cash and back by card.
        let mut wild = body(vec![bottle(1, 1000, 0)], 0);
        wild.payments = vec![
            Payment {
                method: PaymentMethod::Cash,
                amount: Cents(100_000_000_000),
            },
            Payment {
                method: PaymentMethod::Card,
                amount: Cents(-99_999_999_000),
            },
        ];
        assert!(matches!(
            wild.validate(),
            Err(TicketError::Payment {
                payment: 2,
                method: "card",
                ..
            })
        ));
        // Sums that wrap to the amount due in a release build.
        let mut wrapping = body(vec![bottle(1, 1000, 0)], 0);
        wrapping.payments = [i64::MAX, i64::MAX, 1002]
            .map(|amount| Payment {
                method: PaymentMethod::Cash,
                amount: Cents(amount),
            })
            .to_vec();
        let error = wrapping.validate().unwrap_err();
        assert!(matches!(error, TicketError::Payment { payment: 1, .. }));
        assert!(error.to_string().contains("payment 1 (cash)"), "{error}");
        let mut refund = body(vec![bottle(1, 1000, 0)], 1000);
        refund.kind = TicketKind::Refund;
        assert!(matches!(
            refund.validate(),
            Err(TicketError::Payment { payment: 1, .. })
        ));
        let huge = body(vec![bottle(MAX_QUANTITY, Cents::MAX_LINE.0, 0); 11], 0);
        assert_eq!(huge.validate(), Err(TicketError::Total { sequence: 1 }));
    }

    proptest::proptest! {
        /// Whatever a register sends, validation answers without panicking, and what it
        /// accepts sums without overflow to payments equal to the lines, within range.
        #[test]
        fn validation_never_panics_nor_accepts_an_overflowing_sum(
            lines in proptest::collection::vec(
                (proptest::prop_oneof![1..20i32, proptest::num::i32::ANY],
                 proptest::prop_oneof![0..100_000i64, proptest::num::i64::ANY],
                 proptest::prop_oneof![0..100i64, proptest::num::i64::ANY]),
                0..12,
            ),
            payments in proptest::collection::vec(
                proptest::prop_oneof![
                    0..10_000_000i64,
                    proptest::num::i64::ANY,
                    proptest::strategy::Just(i64::MAX),
                    proptest::strategy::Just(i64::MIN),
                ],
                0..4,
            ),
            refund in proptest::bool::ANY,
            balance in proptest::bool::ANY,
        ) {
            let mut b = body(
                lines.iter().map(|&(q, p, d)| bottle(q, p, d)).collect(),
                0,
            );
            b.kind = if refund { TicketKind::Refund } else { TicketKind::Sale };
            b.payments = payments
                .iter()
                .map(|&amount| Payment { method: PaymentMethod::Cash, amount: Cents(amount) })
                .collect();
            if balance {
                // Often make the payments add up (when they can), so acceptance is explored.
                let due = Cents::checked_sum(b.lines.iter().filter_map(|l| {
                    l.unit_price_ttc.checked_mul(i64::from(l.quantity))?.checked_sub(l.discount)
                }));
                if let Some(due) = due.and_then(|due| due.checked_mul(b.kind.sign())) {
                    b.payments = vec![Payment { method: PaymentMethod::Card, amount: due }];
                }
            }
            if b.validate().is_ok() {
                let paid = Cents::checked_sum(b.payments.iter().map(|p| p.amount));
                let due = Cents::checked_sum(b.line_amounts().map(|(_, a)| a));
                proptest::prop_assert!(paid.is_some() && paid == due);
                proptest::prop_assert!(b.total_ttc().within(Cents::MAX_TICKET));
                proptest::prop_assert!(b.payments.iter().all(|p| p.amount.0 * b.kind.sign() >= 0));
            }
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let json =
            r#"{"label":"x","quantity":1,"unit_price_ttc":1,"vat_rate":2000,"colour":"red"}"#;
        assert!(serde_json::from_str::<TicketLine>(json).is_err());
    }

    #[test]
    fn tickets_travel_as_one_flat_object() {
        let sealed = body(vec![bottle(1, 1890, 0)], 1890).seal(ChainHash::GENESIS);
        let json = serde_json::to_value(&sealed).unwrap();
        assert_eq!(json["sequence"], 1);
        assert_eq!(json["hash"], sealed.hash.to_hex());
        assert_eq!(
            serde_json::from_value::<Ticket>(json.clone()).unwrap(),
            sealed
        );
        let mut extra = json;
        extra["note"] = "x".into();
        assert!(serde_json::from_value::<Ticket>(extra).is_err());
    }

    #[test]
    fn sealed_tickets_verify_and_tampering_is_caught() {
        let sealed = body(vec![bottle(1, 1890, 0)], 1890).seal(ChainHash::GENESIS);
        assert_eq!(sealed.verify(), Ok(()));
        let mut tampered = sealed.clone();
        tampered.body.lines[0].unit_price_ttc = Cents(1790);
        tampered.body.payments[0].amount = Cents(1790);
        assert!(matches!(tampered.verify(), Err(TicketError::Hash { .. })));
    }
}
