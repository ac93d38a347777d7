//! A register's verification in words, in both languages. The Z page, the decommission wizard
//! and the PDF say it through these functions, so an auditor reads the same sentence wherever
//! the result is shown.

use crate::format::{format_count, Lang};
use crate::verification::{ChainBreak, ChainReport, RegisterVerification, VerificationBrief};
use serde::{Deserialize, Serialize};

/// Which of a register's two chains.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chain {
    Tickets,
    Closures,
}

/// What makes a register's journal fail verification, beyond tickets not received yet.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    Broken { chain: Chain, at: ChainBreak },
    ClosureMismatch { sequence: u64 },
}

impl RegisterVerification {
    /// The first fault, tickets missing apart: those may still arrive, and a caller that
    /// waits for them counts them itself.
    pub fn first_fault(&self) -> Option<Fault> {
        let tickets = self
            .tickets
            .first_break
            .filter(|b| !matches!(b, ChainBreak::Missing { .. }))
            .map(|at| Fault::Broken {
                chain: Chain::Tickets,
                at,
            });
        tickets
            .or_else(|| {
                self.closures_chain.first_break.map(|at| Fault::Broken {
                    chain: Chain::Closures,
                    at,
                })
            })
            .or_else(|| {
                self.closures
                    .iter()
                    .find(|c| c.is_fault())
                    .map(|c| Fault::ClosureMismatch {
                        sequence: c.closure.sequence,
                    })
            })
    }
}

impl Fault {
    pub fn describe(self, lang: Lang) -> String {
        match (self, lang) {
            (Fault::Broken { chain, at }, _) => chain_break(chain, at, lang),
            (Fault::ClosureMismatch { sequence }, Lang::Fr) => {
                format!("La clôture n° {sequence} ne se vérifie pas.")
            }
            (Fault::ClosureMismatch { sequence }, Lang::En) => {
                format!("Closure no. {sequence} does not verify.")
            }
        }
    }
}

/// Where a chain breaks, as a sentence.
pub fn chain_break(chain: Chain, fault: ChainBreak, lang: Lang) -> String {
    let what = match (chain, lang) {
        (Chain::Tickets, Lang::Fr) => "des tickets",
        (Chain::Closures, Lang::Fr) => "des clôtures",
        (Chain::Tickets, Lang::En) => "ticket",
        (Chain::Closures, Lang::En) => "closure",
    };
    match (fault, lang) {
        (ChainBreak::Missing { first, last }, Lang::Fr) => {
            format!("Chaîne {what} rompue : n° {first} à {last} jamais reçus.")
        }
        (ChainBreak::Missing { first, last }, Lang::En) => {
            format!("The {what} chain is broken: nos. {first} to {last} never received.")
        }
        (ChainBreak::Altered { sequence }, Lang::Fr) => {
            format!("Chaîne {what} rompue au n° {sequence} : modifié après scellement.")
        }
        (ChainBreak::Altered { sequence }, Lang::En) => {
            format!("The {what} chain breaks at no. {sequence}: altered after sealing.")
        }
        (ChainBreak::Unlinked { sequence }, Lang::Fr) => {
            format!("Chaîne {what} rompue au n° {sequence} : ne suit pas le précédent.")
        }
        (ChainBreak::Unlinked { sequence }, Lang::En) => {
            format!("The {what} chain breaks at no. {sequence}: not linked to the one before.")
        }
    }
}

/// A chain's state as a sentence: nothing received, intact through a number, or where it
/// breaks.
pub fn chain_state(chain: Chain, report: &ChainReport, lang: Lang) -> String {
    let count = |n: u64| format_count(n, lang);
    match (report.first_break, report.intact_through, chain, lang) {
        (Some(fault), _, _, _) => chain_break(chain, fault, lang),
        (None, None, Chain::Tickets, Lang::Fr) => "Aucun ticket reçu.".to_string(),
        (None, None, Chain::Tickets, Lang::En) => "No ticket received.".to_string(),
        (None, None, Chain::Closures, Lang::Fr) => "Aucune clôture reçue.".to_string(),
        (None, None, Chain::Closures, Lang::En) => "No closure received.".to_string(),
        (None, Some(n), Chain::Tickets, Lang::Fr) => {
            format!("Chaîne des tickets intacte du n° 1 au n° {}.", count(n))
        }
        (None, Some(n), Chain::Tickets, Lang::En) => {
            format!("Ticket chain intact from no. 1 to no. {}.", count(n))
        }
        (None, Some(n), Chain::Closures, Lang::Fr) => {
            format!("Chaîne des clôtures intacte du n° 1 au n° {}.", count(n))
        }
        (None, Some(n), Chain::Closures, Lang::En) => {
            format!("Closure chain intact from no. 1 to no. {}.", count(n))
        }
    }
}

/// The register's integrity in one to three sentences: its tickets' chain, its closures, and
/// its closures' chain when that breaks.
pub fn summary(v: &VerificationBrief, lang: Lang) -> String {
    let count = |n: u64| format_count(n, lang);
    let tickets = chain_state(Chain::Tickets, &v.tickets, lang);
    let mismatches = v.closures.iter().filter(|c| c.fault).count() as u64;
    let corrected = v.closures.iter().filter(|c| c.corrected).count() as u64;
    let closures = match lang {
        Lang::Fr => format!(
            "{} clôtures reçues, {} ; {} manquante{}.",
            count(v.closures.len() as u64),
            match (mismatches, corrected) {
                (0, 0) => "toutes vérifiées".to_string(),
                (0, c) => format!(
                    "toutes vérifiées ou corrigées ({} corrigée{})",
                    count(c),
                    if c > 1 { "s" } else { "" }
                ),
                (m, _) => format!("{} en écart", count(m)),
            },
            count(v.missing.len() as u64),
            if v.missing.len() > 1 { "s" } else { "" }
        ),
        Lang::En => format!(
            "{} closures received, {}; {} missing.",
            count(v.closures.len() as u64),
            match (mismatches, corrected) {
                (0, 0) => "all verified".to_string(),
                (0, c) => format!("all verified or corrected ({} corrected)", count(c)),
                (m, _) => format!("{} mismatching", count(m)),
            },
            count(v.missing.len() as u64)
        ),
    };
    let chain = v
        .closures_chain
        .first_break
        .map(|fault| chain_break(Chain::Closures, fault, lang));
    [Some(tickets), Some(closures), chain]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(intact_through: Option<u64>, first_break: Option<ChainBreak>) -> ChainReport {
        ChainReport {
            records: intact_through.unwrap_or(0),
            intact_through,
            first_break,
        }
    }

    fn verification(tickets: ChainReport, closures_chain: ChainReport) -> RegisterVerification {
        RegisterVerification {
            tickets,
            closures_chain,
            closures: Vec::new(),
            missing: Vec::new(),
        }
    }

    #[test]
    fn tickets_missing_are_no_fault_but_an_alteration_is() {
        let missing = verification(
            report(Some(4), Some(ChainBreak::Missing { first: 5, last: 6 })),
            report(None, None),
        );
        assert_eq!(missing.first_fault(), None);
        let altered = verification(
            report(Some(4), Some(ChainBreak::Altered { sequence: 5 })),
            report(Some(2), Some(ChainBreak::Unlinked { sequence: 3 })),
        );
        let fault = altered.first_fault().expect("a fault");
        assert_eq!(
            fault.describe(Lang::Fr),
            "Chaîne des tickets rompue au n° 5 : modifié après scellement."
        );
        assert_eq!(
            fault.describe(Lang::En),
            "The ticket chain breaks at no. 5: altered after sealing."
        );
    }

    #[test]
    fn every_sentence_is_in_the_language_asked_and_names_no_variant() {
        let breaks = [
            ChainBreak::Missing { first: 5, last: 6 },
            ChainBreak::Altered { sequence: 5 },
            ChainBreak::Unlinked { sequence: 5 },
        ];
        for chain in [Chain::Tickets, Chain::Closures] {
            for at in breaks {
                for lang in [Lang::Fr, Lang::En] {
                    let text = chain_break(chain, at, lang);
                    assert!(
                        !text.contains("Missing") && !text.contains("sequence"),
                        "{text}"
                    );
                    assert_eq!(text.contains("Chaîne"), lang == Lang::Fr, "{text}");
                }
            }
            let intact = chain_state(chain, &report(Some(1234), None), Lang::Fr);
            assert!(intact.contains(&format_count(1234, Lang::Fr)), "{intact}");
        }
        let v = verification(report(Some(12), None), report(None, None));
        assert_eq!(
            summary(&v.brief(), Lang::En),
            "Ticket chain intact from no. 1 to no. 12. 0 closures received, all verified; 0 missing."
        );
    }
}
