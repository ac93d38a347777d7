//! A register's Z files for a period, in the formats accountants take: CSV for a French
//! spreadsheet, the FEC sales journal, JSON, and a printable PDF (`zpdf`). Every file says
//! whether what it holds verified against the tickets, and carries the chain hash of its last
//! closure.

use chrono::NaiveDate;
use multicaisse_core::chain::ChainHash;
use multicaisse_core::fec::{closure_entry, write_fec, FecAccounts};
use multicaisse_core::format::{format_rate, slug, spreadsheet_amount, Lang};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::ticket::PaymentMethod;
use multicaisse_core::verification::{
    ChainReport, ClosureCheck, ClosureStatus, RegisterVerification,
};
use multicaisse_core::zperiod::ZPeriod;
use serde::{Deserialize, Serialize};

/// The formats of a Z file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZFormat {
    Csv,
    Fec,
    Json,
    Pdf,
}

impl ZFormat {
    pub const ALL: [ZFormat; 4] = [ZFormat::Csv, ZFormat::Pdf, ZFormat::Fec, ZFormat::Json];

    pub fn content_type(self) -> &'static str {
        match self {
            ZFormat::Csv => "text/csv; charset=utf-8",
            ZFormat::Fec => "text/tab-separated-values; charset=utf-8",
            ZFormat::Json => "application/json",
            ZFormat::Pdf => "application/pdf",
        }
    }
}

/// What a period's closures amount to, in words a file can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Every closure of the period verifies and none is missing.
    Verified,
    /// A closure of the period does not match its tickets, or a chain is broken.
    Mismatch,
    /// Every closure received verifies, but some the period owes have not arrived.
    Incomplete,
}

impl FileStatus {
    pub fn code(self) -> &'static str {
        match self {
            FileStatus::Verified => "verified",
            FileStatus::Mismatch => "mismatch",
            FileStatus::Incomplete => "incomplete",
        }
    }

    pub fn french(self) -> &'static str {
        match self {
            FileStatus::Verified => "vérifié",
            FileStatus::Mismatch => "écart",
            FileStatus::Incomplete => "incomplet",
        }
    }
}

/// A register's closures of one period, verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZFile {
    pub store: Store,
    pub register: Register,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: FileStatus,
    /// The hash of the last closure in the file: what the next closure links to.
    pub chain_hash: Option<ChainHash>,
    pub tickets: ChainReport,
    pub closures_chain: ChainReport,
    pub closures: Vec<ClosureCheck>,
    /// Periods within this one whose closure is due but was not received.
    pub missing: Vec<String>,
}

impl ZFile {
    /// The closures of `verification` whose period lies within `period`.
    pub fn new(
        store: &Store,
        register: &Register,
        period: ZPeriod,
        verification: &RegisterVerification,
    ) -> ZFile {
        let (start, end) = period.bounds(store.fiscal_year_end_month);
        let within = |text: &str| {
            ZPeriod::parse(text).is_ok_and(|p| {
                let (s, e) = p.bounds(store.fiscal_year_end_month);
                start <= s && e <= end
            })
        };
        let closures: Vec<ClosureCheck> = verification
            .closures
            .iter()
            .filter(|c| start <= c.closure.period_start && c.closure.period_end <= end)
            .cloned()
            .collect();
        let missing: Vec<String> = verification
            .missing
            .iter()
            .filter(|m| within(m))
            .cloned()
            .collect();
        let chain_broken = verification.tickets.first_break.is_some()
            || verification.closures_chain.first_break.is_some();
        let status = if chain_broken || closures.iter().any(ClosureCheck::is_fault) {
            FileStatus::Mismatch
        } else if !missing.is_empty() {
            FileStatus::Incomplete
        } else {
            FileStatus::Verified
        };
        ZFile {
            store: store.clone(),
            register: register.clone(),
            period: period.to_string(),
            period_start: start,
            period_end: end,
            status,
            chain_hash: closures.last().map(|c| c.hash),
            tickets: verification.tickets,
            closures_chain: verification.closures_chain,
            closures,
            missing,
        }
    }

    /// `z-cave-des-canuts-caisse-2-2026-11.csv`; for the FEC, the administration's name:
    /// SIREN, `FEC`, the period's last day.
    fn base_name(&self) -> String {
        format!(
            "z-{}-caisse-{}-{}",
            slug(&self.store.name),
            self.register.number,
            self.period
        )
    }

    /// The name of a ZIP holding this file in every format.
    pub fn zip_name(&self) -> String {
        format!("{}.zip", self.base_name())
    }

    pub fn file_name(&self, format: ZFormat) -> String {
        let base = self.base_name();
        match format {
            ZFormat::Csv => format!("{base}.csv"),
            ZFormat::Json => format!("{base}.json"),
            ZFormat::Pdf => format!("{base}.pdf"),
            ZFormat::Fec => format!(
                "{}FEC{}-caisse-{}.txt",
                self.store.siret.chars().take(9).collect::<String>(),
                self.period_end.format("%Y%m%d"),
                self.register.number
            ),
        }
    }

    pub fn render(&self, format: ZFormat, accounts: &FecAccounts) -> Result<Vec<u8>, String> {
        match format {
            ZFormat::Csv => self.csv().map_err(|e| e.to_string()),
            ZFormat::Json => serde_json::to_vec_pretty(self).map_err(|e| e.to_string()),
            ZFormat::Fec => Ok(self.fec(accounts).into_bytes()),
            ZFormat::Pdf => Ok(crate::zpdf::render(self)),
        }
    }

    /// One row per closure, `;` between fields, decimal comma, UTF-8 with a BOM; VAT per rate
    /// and payments per method as columns.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut out = "\u{FEFF}".as_bytes().to_vec();
        {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(&mut out);
            let mut rates: Vec<u16> = self
                .closures
                .iter()
                .flat_map(|c| c.closure.vat.iter().map(|l| l.rate.basis_points()))
                .collect();
            rates.sort_unstable();
            rates.dedup();
            let methods = [
                PaymentMethod::Card,
                PaymentMethod::Cash,
                PaymentMethod::Cheque,
                PaymentMethod::GiftVoucher,
            ];
            let mut header: Vec<String> = [
                "Boutique",
                "Adresse",
                "SIRET",
                "N° TVA",
                "Caisse",
                "Libellé",
                "Z n°",
                "Type",
                "Du",
                "Au",
                "Premier ticket",
                "Dernier ticket",
                "Tickets",
                "TTC",
                "HT",
                "TVA",
            ]
            .map(String::from)
            .to_vec();
            for rate in &rates {
                let rate = format_rate(*rate, Lang::Fr).replace('\u{a0}', " ");
                header.push(format!("HT {rate}"));
                header.push(format!("TVA {rate}"));
            }
            header.extend(methods.iter().map(|m| m.label(Lang::Fr).to_string()));
            header.extend(
                [
                    "Annulations et remboursements TTC",
                    "Remises",
                    "Grand total de la période",
                    "Grand total perpétuel",
                    "Hash du dernier ticket",
                    "Hash de la clôture précédente",
                    "Hash de la clôture",
                    "Vérification",
                    "Écarts",
                ]
                .map(String::from),
            );
            writer.write_record(&header)?;
            // Text cells only: the amounts (`-12,50`) must stay numbers.
            let text = |cell: &str| multicaisse_core::text::spreadsheet_text(cell).into_owned();
            let number = |n: Option<u64>| n.map_or_else(String::new, |n| n.to_string());
            for check in &self.closures {
                let c = &check.closure;
                let mut row = vec![
                    text(&self.store.name),
                    text(&self.store.address),
                    text(&self.store.siret),
                    text(&self.store.vat_number),
                    self.register.number.to_string(),
                    text(&self.register.label),
                    c.sequence.to_string(),
                    kind_label(c.kind).to_string(),
                    c.period_start.format("%d/%m/%Y").to_string(),
                    c.period_end.format("%d/%m/%Y").to_string(),
                    number(c.first_ticket),
                    number(c.last_ticket),
                    c.ticket_count.to_string(),
                    spreadsheet_amount(c.total_ttc),
                    spreadsheet_amount(c.total_ht),
                    spreadsheet_amount(c.total_ttc - c.total_ht),
                ];
                for rate in &rates {
                    let line = c.vat.iter().find(|l| l.rate.basis_points() == *rate);
                    row.push(line.map_or_else(String::new, |l| spreadsheet_amount(l.ht)));
                    row.push(line.map_or_else(String::new, |l| spreadsheet_amount(l.vat)));
                }
                for method in methods {
                    let paid = c.payments.iter().find(|p| p.method == method);
                    row.push(paid.map_or_else(String::new, |p| spreadsheet_amount(p.amount)));
                }
                row.extend([
                    spreadsheet_amount(c.cancellations_ttc),
                    spreadsheet_amount(check.discounts),
                    spreadsheet_amount(c.period_grand_total),
                    spreadsheet_amount(c.perpetual_grand_total),
                    c.last_ticket_hash.to_hex(),
                    check.previous_hash.to_hex(),
                    check.hash.to_hex(),
                    text(&check_words(check)),
                    text(&differences_text(check)),
                ]);
                writer.write_record(&row)?;
            }
            for missing in &self.missing {
                let mut row = vec![String::new(); header.len()];
                row[0] = text(&self.store.name);
                row[4] = self.register.number.to_string();
                row[5] = text(&self.register.label);
                row[8] = missing.clone();
                let last = row.len() - 2;
                row[last] = "manquante".into();
                writer.write_record(&row)?;
            }
            writer.flush()?;
        }
        Ok(out)
    }

    /// The sales journal of the period's daily Z, with the file's verification and chain hash
    /// in each entry's label.
    pub fn fec(&self, accounts: &FecAccounts) -> String {
        let chain = self
            .chain_hash
            .map_or_else(|| "-".to_string(), |h| h.to_hex());
        let mut entries = Vec::new();
        // A corrected closure's sales are booked once, by the closure correcting it.
        for check in self.closures.iter().filter(|c| c.corrected_by.is_none()) {
            if let Some(mut entry) = closure_entry(
                entries.len() as u64 + 1,
                self.register.number,
                &check.closure,
                accounts,
            ) {
                entry.label = format!(
                    "{} — {} — chaîne {}",
                    entry.label,
                    check_words(check),
                    &chain[..chain.len().min(16)]
                );
                entries.push(entry);
            }
        }
        write_fec(&entries, accounts)
    }
}

/// A closure's verification in words, and its place in a correction.
fn check_words(check: &ClosureCheck) -> String {
    let status = match check.status {
        ClosureStatus::Verified => "vérifiée",
        ClosureStatus::Mismatch => "écart",
    };
    match correction_words(check) {
        Some(place) => format!("{status}, {place}"),
        None => status.to_string(),
    }
}

/// "corrige la clôture n° 1", "corrigée par la clôture n° 5", or both.
pub(crate) fn correction_words(check: &ClosureCheck) -> Option<String> {
    let words: Vec<String> = [
        check
            .closure
            .corrects
            .map(|n| format!("corrige la clôture n° {n}")),
        check
            .corrected_by
            .map(|n| format!("corrigée par la clôture n° {n}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!words.is_empty()).then(|| words.join(", "))
}

fn kind_label(kind: multicaisse_core::closure::ClosureKind) -> &'static str {
    match kind {
        multicaisse_core::closure::ClosureKind::Daily => "Z journalier",
        multicaisse_core::closure::ClosureKind::Monthly => "Grand Z mensuel",
        multicaisse_core::closure::ClosureKind::Annual => "Z annuel",
    }
}

fn differences_text(check: &ClosureCheck) -> String {
    let mut parts: Vec<String> = check
        .differences
        .iter()
        .map(|d| {
            format!(
                "{} : déclaré {}, tickets {}",
                d.field, d.declared, d.recomputed
            )
        })
        .collect();
    if check.chain_fault {
        parts.push("hash ou chaînage invalide".into());
    }
    parts.join(" ; ")
}
