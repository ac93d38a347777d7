//! The sales journal as a FEC (*fichier des écritures comptables*, article A47 A-1 of the
//! *Livre des procédures fiscales*): one balanced entry per daily Z, debiting what was cashed
//! per payment method and crediting sales HT and VAT collected per rate. The accounts are the
//! store's, with French defaults: 53 caisse, 511 valeurs à l'encaissement, 7071 ventes,
//! 44571 TVA collectée.

use crate::api::ParamError;
use crate::closure::{ClosureBody, ClosureKind};
use crate::format::{format_rate, spreadsheet_amount, Lang};
use crate::money::Cents;
use crate::ticket::PaymentMethod;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The 18 columns, in the order the administration reads them.
pub const FEC_COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// A store's accounts for its sales journal.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FecAccounts {
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[A-Za-z0-9]{1,10}$")))]
    pub journal_code: String,
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 100), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub journal_label: String,
    /// Cash payments.
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[0-9]{2,20}$")))]
    pub cash: String,
    /// Card, cheque and gift-voucher payments, until they are cashed.
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[0-9]{2,20}$")))]
    pub other_payments: String,
    /// Sales HT.
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[0-9]{2,20}$")))]
    pub sales: String,
    /// VAT collected.
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[0-9]{2,20}$")))]
    pub vat: String,
}

impl Default for FecAccounts {
    fn default() -> FecAccounts {
        FecAccounts {
            journal_code: "CA".into(),
            journal_label: "Journal de caisse".into(),
            cash: "53".into(),
            other_payments: "511".into(),
            sales: "7071".into(),
            vat: "44571".into(),
        }
    }
}

impl FecAccounts {
    pub fn validate(&self) -> Result<(), ParamError> {
        let accounts = [
            ("cash", &self.cash),
            ("other_payments", &self.other_payments),
            ("sales", &self.sales),
            ("vat", &self.vat),
        ];
        for (field, number) in accounts {
            if !(2..=20).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParamError::new(
                    field,
                    "an account number is 2 to 20 digits",
                ));
            }
        }
        if !(1..=10).contains(&self.journal_code.len())
            || !self.journal_code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(ParamError::new(
                "journal_code",
                "a journal code is 1 to 10 letters or digits",
            ));
        }
        let label = self.journal_label.trim().chars().count();
        if label == 0 || label > 100 || self.journal_label.contains(['\t', '\n', '\r']) {
            return Err(ParamError::new(
                "journal_label",
                "a journal label is 1 to 100 characters on one line",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FecLine {
    pub account: String,
    pub account_label: String,
    pub debit: Cents,
    pub credit: Cents,
}

/// One entry: the lines of one daily Z.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FecEntry {
    pub number: u64,
    pub date: NaiveDate,
    pub piece: String,
    pub label: String,
    pub valid_date: NaiveDate,
    pub lines: Vec<FecLine>,
}

impl FecEntry {
    pub fn is_balanced(&self) -> bool {
        let debit: Cents = self.lines.iter().map(|l| l.debit).sum();
        let credit: Cents = self.lines.iter().map(|l| l.credit).sum();
        debit == credit
    }
}

/// A positive amount on its side; a negative one (refunds exceeding sales) on the other.
fn line(account: &str, label: String, amount: Cents, debit_side: bool) -> Option<FecLine> {
    if amount == Cents(0) {
        return None;
    }
    let (debit, credit) = match (amount.0 > 0, debit_side) {
        (true, true) | (false, false) => (Cents(amount.0.abs()), Cents(0)),
        _ => (Cents(0), Cents(amount.0.abs())),
    };
    Some(FecLine {
        account: account.to_string(),
        account_label: label,
        debit,
        credit,
    })
}

/// The entry of a daily Z of register `register_number`, or `None` for another kind of
/// closure (monthly and annual Z sum the daily ones: journaling them would count twice) or a
/// day without sales.
pub fn closure_entry(
    number: u64,
    register_number: u32,
    closure: &ClosureBody,
    accounts: &FecAccounts,
) -> Option<FecEntry> {
    if closure.kind != ClosureKind::Daily || closure.ticket_count == 0 {
        return None;
    }
    let mut lines = Vec::new();
    for payment in &closure.payments {
        let account = if payment.method == PaymentMethod::Cash {
            &accounts.cash
        } else {
            &accounts.other_payments
        };
        lines.extend(line(
            account,
            payment.method.label(Lang::Fr).to_string(),
            payment.amount,
            true,
        ));
    }
    for vat in &closure.vat {
        let rate = format_rate(vat.rate.basis_points(), Lang::Fr).replace('\u{a0}', " ");
        lines.extend(line(
            &accounts.sales,
            format!("Ventes TVA {rate}"),
            vat.ht,
            false,
        ));
        lines.extend(line(
            &accounts.vat,
            format!("TVA collectée {rate}"),
            vat.vat,
            false,
        ));
    }
    let day = closure.period_start;
    Some(FecEntry {
        number,
        date: day,
        piece: format!("Z{}-C{register_number}", closure.sequence),
        label: format!(
            "Z n° {} caisse {register_number} du {}",
            closure.sequence,
            day.format("%d/%m/%Y")
        ),
        valid_date: closure.closed_at.date_naive(),
        lines,
    })
}

/// The file: a header line, then one tab-separated line per entry line; dates AAAAMMJJ,
/// amounts with a decimal comma.
pub fn write_fec(entries: &[FecEntry], accounts: &FecAccounts) -> String {
    let mut out = FEC_COLUMNS.join("\t");
    out.push_str("\r\n");
    let date = |d: NaiveDate| d.format("%Y%m%d").to_string();
    for entry in entries {
        for line in &entry.lines {
            let _ = write!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t\t\t{}\t{}\t{}\t{}\t{}\t\t\t{}\t\t\r\n",
                accounts.journal_code,
                accounts.journal_label,
                entry.number,
                date(entry.date),
                line.account,
                line.account_label,
                entry.piece,
                date(entry.date),
                entry.label,
                spreadsheet_amount(line.debit),
                spreadsheet_amount(line.credit),
                date(entry.valid_date),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainHash;
    use crate::closure::compute_closure;
    use crate::ticket::{Payment, Ticket, TicketBody, TicketKind, TicketLine};
    use crate::vat::VatRate;
    use chrono::{TimeZone, Utc};

    fn ticket(
        sequence: u64,
        kind: TicketKind,
        lines: &[(i64, VatRate)],
        method: PaymentMethod,
    ) -> Ticket {
        let lines: Vec<TicketLine> = lines
            .iter()
            .map(|(price, rate)| TicketLine {
                label: "x".into(),
                quantity: 1,
                unit_price_ttc: Cents(*price),
                vat_rate: *rate,
                discount: Cents(0),
            })
            .collect();
        let total = lines.iter().map(TicketLine::amount_ttc).sum::<Cents>() * kind.sign();
        TicketBody {
            sequence,
            kind,
            issued_at: Utc.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).unwrap(),
            lines,
            payments: vec![Payment {
                method,
                amount: total,
            }],
        }
        .seal(ChainHash::GENESIS)
    }

    fn daily(tickets: &[Ticket]) -> ClosureBody {
        let refs: Vec<&Ticket> = tickets.iter().collect();
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        compute_closure(
            12,
            ClosureKind::Daily,
            day,
            day,
            &refs,
            chrono_tz::Europe::Paris,
            Cents(0),
            ChainHash::GENESIS,
            Utc.with_ymd_and_hms(2026, 3, 10, 19, 30, 0).unwrap(),
        )
    }

    #[test]
    fn a_daily_z_is_one_balanced_entry() {
        let tickets = [
            ticket(
                1,
                TicketKind::Sale,
                &[(2450, VatRate::STANDARD), (690, VatRate::REDUCED)],
                PaymentMethod::Card,
            ),
            ticket(
                2,
                TicketKind::Sale,
                &[(1200, VatRate::STANDARD)],
                PaymentMethod::Cash,
            ),
            ticket(
                3,
                TicketKind::Refund,
                &[(1200, VatRate::STANDARD)],
                PaymentMethod::Cash,
            ),
        ];
        let entry = closure_entry(7, 2, &daily(&tickets), &FecAccounts::default()).unwrap();
        assert!(entry.is_balanced());
        // Cash nets to zero (a sale refunded): no line for it.
        let accounts: Vec<(&str, i64, i64)> = entry
            .lines
            .iter()
            .map(|l| (l.account.as_str(), l.debit.0, l.credit.0))
            .collect();
        // 24,50 at 20 %: VAT 4,08, HT 20,42. 6,90 at 5,5 %: VAT 0,36, HT 6,54.
        assert_eq!(
            accounts,
            vec![
                ("511", 3140, 0),
                ("7071", 0, 654),
                ("44571", 0, 36),
                ("7071", 0, 2042),
                ("44571", 0, 408),
            ]
        );
        assert_eq!(entry.piece, "Z12-C2");
        let file = write_fec(std::slice::from_ref(&entry), &FecAccounts::default());
        let rows: Vec<Vec<&str>> = file.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows[0], FEC_COLUMNS);
        assert!(rows.iter().all(|r| r.len() == 18), "{file}");
        assert_eq!(rows[1][3], "20260310");
        assert_eq!(rows[1][11], "31,40");
        assert_eq!(rows[2][5], "Ventes TVA 5,5 %");
    }

    #[test]
    fn refunds_beyond_sales_change_sides_and_other_kinds_are_not_journaled() {
        let tickets = [ticket(
            1,
            TicketKind::Refund,
            &[(1200, VatRate::STANDARD)],
            PaymentMethod::Cash,
        )];
        let z = daily(&tickets);
        let entry = closure_entry(1, 1, &z, &FecAccounts::default()).unwrap();
        assert!(entry.is_balanced());
        assert_eq!(
            (entry.lines[0].debit, entry.lines[0].credit),
            (Cents(0), Cents(1200))
        );
        let mut monthly = z.clone();
        monthly.kind = ClosureKind::Monthly;
        assert!(closure_entry(1, 1, &monthly, &FecAccounts::default()).is_none());
        assert!(closure_entry(1, 1, &daily(&[]), &FecAccounts::default()).is_none());
    }

    #[test]
    fn accounts_are_checked() {
        assert_eq!(FecAccounts::default().validate(), Ok(()));
        let bad = FecAccounts {
            cash: "53a".into(),
            ..FecAccounts::default()
        };
        assert_eq!(bad.validate().unwrap_err().parameter, "cash");
        let tabbed = FecAccounts {
            journal_label: "a\tb".into(),
            ..FecAccounts::default()
        };
        assert_eq!(tabbed.validate().unwrap_err().parameter, "journal_label");
    }
}
