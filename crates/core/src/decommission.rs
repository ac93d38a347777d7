//! Decommissioning an extra register: the seed's procedure (last monthly journal, two syncs,
//! sales checked on the dashboard, subscription suspended, app uninstalled) as steps the
//! server enforces. Steps 2 to 4 are read from the evidence at each look, never ticked by
//! hand; the others are decisions recorded with who and when.

use crate::chain::ChainHash;
use crate::format::{format_eur, Lang};
use crate::Cents;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Completed syncs the register must make after its final monthly closure.
pub const SYNCS_AFTER_CLOSURE: usize = 2;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The owner (or support) started it.
    Started,
    /// A monthly Z that closes the register's last ticket.
    FinalClosure,
    /// Two complete syncs after that Z, the second with nothing left unsent.
    Syncs,
    /// Every declared ticket on the server, the closures verified, the last month's sales
    /// equal to its Z.
    SalesOnDashboard,
    /// Support confirmed: billing ends that day.
    Suspended,
    /// The device's token no longer works.
    Revoked,
    /// The owner confirmed the app is gone: the register is archived.
    Uninstalled,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Started,
        Step::FinalClosure,
        Step::Syncs,
        Step::SalesOnDashboard,
        Step::Suspended,
        Step::Revoked,
        Step::Uninstalled,
    ];

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// The decisions recorded so far.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub started_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub uninstalled_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// The register's latest monthly Z, as the server received it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalClosure {
    pub sequence: u64,
    /// The month's first day.
    pub month: NaiveDate,
    pub last_ticket: Option<u64>,
    pub total_ttc: Cents,
    pub hash: ChainHash,
    pub received_at: DateTime<Utc>,
}

/// A completed sync of the register.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncEvidence {
    pub id: i64,
    pub ended_at: DateTime<Utc>,
    /// What it reported as unsent; `None` when it did not say.
    pub pending_local_changes: Option<u32>,
}

/// What the server knows of the register, gathered for one look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The highest ticket number received.
    pub last_ticket: Option<u64>,
    pub final_closure: Option<FinalClosure>,
    /// Completed syncs that started after the final closure was received (not the one that
    /// carried it), oldest first.
    pub syncs_after_closure: Vec<SyncEvidence>,
    /// Ticket numbers the closures declare and the server lacks, as inclusive ranges.
    pub missing_tickets: Vec<(u64, u64)>,
    /// The first thing that fails verification (chain or closure figures), in words.
    pub verification_fault: Option<crate::integrity::Fault>,
    /// The TTC of the tickets received over the final closure's month.
    pub month_sales_ttc: Cents,
}

/// Why a step does not hold, with what is missing in numbers.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocker {
    NoMonthlyClosure,
    SoldAfterClosure {
        closure: u64,
        closure_last_ticket: Option<u64>,
        last_ticket: u64,
    },
    SyncsAfterClosure {
        done: u32,
    },
    PendingLocalChanges {
        count: Option<u32>,
    },
    TicketsMissing {
        month: NaiveDate,
        count: u64,
        ranges: Vec<(u64, u64)>,
    },
    VerificationFault {
        fault: crate::integrity::Fault,
    },
    MonthDiffers {
        month: NaiveDate,
        z_ttc: Cents,
        sales_ttc: Cents,
    },
}

fn month_name(month: NaiveDate, lang: Lang) -> &'static str {
    use chrono::Datelike;
    crate::format::month_name(month.month(), lang)
}

/// "de mars", "d'avril": French elides "de" before a vowel.
fn of_month_fr(month: NaiveDate) -> String {
    let name = month_name(month, Lang::Fr);
    if name.starts_with(['a', 'o']) {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

/// A sentence as the end of another: its first letter lowered, its full stop dropped.
fn as_clause(sentence: &str) -> String {
    let sentence = sentence.trim_end_matches('.');
    let mut chars = sentence.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn ranges_text(ranges: &[(u64, u64)], lang: Lang) -> String {
    let (no, to) = match lang {
        Lang::Fr => ("n°", "à"),
        Lang::En => ("no.", "to"),
    };
    ranges
        .iter()
        .map(|(a, b)| {
            if a == b {
                format!("{no} {a}")
            } else {
                format!("{no} {a} {to} {b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Blocker {
    /// What is missing, in a sentence.
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Blocker::NoMonthlyClosure, Lang::Fr) => {
                "la caisse n'a encore envoyé aucun Z mensuel : générez le journal du mois sur l'iPad, puis synchronisez".into()
            }
            (Blocker::NoMonthlyClosure, Lang::En) => {
                "the register has sent no monthly Z yet: generate the month's journal on the iPad, then sync".into()
            }
            (
                Blocker::SoldAfterClosure {
                    closure,
                    closure_last_ticket,
                    last_ticket,
                },
                Lang::Fr,
            ) => format!(
                "le ticket n° {last_ticket} a été vendu après le Z n° {closure} (dernier ticket : {}) : générez un nouveau Z mensuel",
                closure_last_ticket.map_or("aucun".into(), |t| format!("n° {t}"))
            ),
            (
                Blocker::SoldAfterClosure {
                    closure,
                    closure_last_ticket,
                    last_ticket,
                },
                Lang::En,
            ) => format!(
                "ticket no. {last_ticket} was sold after Z no. {closure} (last ticket: {}): generate a new monthly Z",
                closure_last_ticket.map_or("none".into(), |t| format!("no. {t}"))
            ),
            (Blocker::SyncsAfterClosure { done }, Lang::Fr) => format!(
                "{done} synchronisation complète sur {SYNCS_AFTER_CLOSURE} depuis le Z final : synchronisez la caisse"
            ),
            (Blocker::SyncsAfterClosure { done }, Lang::En) => format!(
                "{done} complete sync of {SYNCS_AFTER_CLOSURE} since the final Z: sync the register"
            ),
            (Blocker::PendingLocalChanges { count: Some(n) }, Lang::Fr) => format!(
                "la dernière synchronisation a signalé {n} modification(s) locale(s) non envoyée(s) : synchronisez encore"
            ),
            (Blocker::PendingLocalChanges { count: Some(n) }, Lang::En) => format!(
                "the last sync reported {n} local change(s) not sent: sync again"
            ),
            (Blocker::PendingLocalChanges { count: None }, Lang::Fr) => {
                "la dernière synchronisation n'a pas dit s'il restait des modifications à envoyer : synchronisez encore".into()
            }
            (Blocker::PendingLocalChanges { count: None }, Lang::En) => {
                "the last sync did not say whether changes were left to send: sync again".into()
            }
            (
                Blocker::TicketsMissing {
                    month,
                    count,
                    ranges,
                },
                Lang::Fr,
            ) => format!(
                "{count} ticket(s) déclaré(s) par le Z {} ne sont pas encore arrivés : {}",
                of_month_fr(*month),
                ranges_text(ranges, lang)
            ),
            (
                Blocker::TicketsMissing {
                    month,
                    count,
                    ranges,
                },
                Lang::En,
            ) => format!(
                "{count} ticket(s) the {} Z declares have not arrived yet: {}",
                month_name(*month, lang),
                ranges_text(ranges, lang)
            ),
            (Blocker::VerificationFault { fault }, Lang::Fr) => {
                format!("la vérification échoue : {}", as_clause(&fault.describe(lang)))
            }
            (Blocker::VerificationFault { fault }, Lang::En) => {
                format!("verification fails: {}", as_clause(&fault.describe(lang)))
            }
            (
                Blocker::MonthDiffers {
                    month,
                    z_ttc,
                    sales_ttc,
                },
                Lang::Fr,
            ) => format!(
                "les ventes {} sur le tableau de bord ({}) ne sont pas celles de son Z ({})",
                of_month_fr(*month),
                format_eur(*sales_ttc, lang),
                format_eur(*z_ttc, lang)
            ),
            (
                Blocker::MonthDiffers {
                    month,
                    z_ttc,
                    sales_ttc,
                },
                Lang::En,
            ) => format!(
                "{}'s sales on the dashboard ({}) are not its Z's ({})",
                month_name(*month, lang),
                format_eur(*sales_ttc, lang),
                format_eur(*z_ttc, lang)
            ),
        }
    }
}

/// Where a step stands.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done {
        at: Option<DateTime<Utc>>,
    },
    /// Everything before it holds: it waits for its person (support, then the owner).
    Ready,
    Blocked {
        blockers: Vec<Blocker>,
    },
    /// An earlier step does not hold yet.
    Waiting,
}

impl StepState {
    pub fn is_done(&self) -> bool {
        matches!(self, StepState::Done { .. })
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStatus {
    pub step: Step,
    pub state: StepState,
}

fn final_closure_blockers(evidence: &Evidence) -> Vec<Blocker> {
    let Some(closure) = &evidence.final_closure else {
        return vec![Blocker::NoMonthlyClosure];
    };
    match evidence.last_ticket {
        Some(last) if closure.last_ticket.is_none_or(|closed| last > closed) => {
            vec![Blocker::SoldAfterClosure {
                closure: closure.sequence,
                closure_last_ticket: closure.last_ticket,
                last_ticket: last,
            }]
        }
        _ => Vec::new(),
    }
}

fn syncs_blockers(evidence: &Evidence) -> Vec<Blocker> {
    let syncs = &evidence.syncs_after_closure;
    if syncs.len() < SYNCS_AFTER_CLOSURE {
        return vec![Blocker::SyncsAfterClosure {
            done: syncs.len() as u32,
        }];
    }
    match syncs.last().and_then(|s| s.pending_local_changes) {
        Some(0) => Vec::new(),
        count => vec![Blocker::PendingLocalChanges { count }],
    }
}

fn sales_blockers(evidence: &Evidence) -> Vec<Blocker> {
    let Some(closure) = &evidence.final_closure else {
        return Vec::new();
    };
    let mut blockers = Vec::new();
    if !evidence.missing_tickets.is_empty() {
        blockers.push(Blocker::TicketsMissing {
            month: closure.month,
            count: evidence
                .missing_tickets
                .iter()
                .map(|(a, b)| b.saturating_sub(*a) + 1)
                .sum(),
            ranges: evidence.missing_tickets.clone(),
        });
    }
    if let Some(fault) = evidence.verification_fault {
        blockers.push(Blocker::VerificationFault { fault });
    }
    if blockers.is_empty() && evidence.month_sales_ttc != closure.total_ttc {
        blockers.push(Blocker::MonthDiffers {
            month: closure.month,
            z_ttc: closure.total_ttc,
            sales_ttc: evidence.month_sales_ttc,
        });
    }
    blockers
}

/// Every step's state, from the decisions recorded and what the server knows. Once support
/// has suspended the register, steps 2 to 4 stay as they were judged then: the evidence was
/// recorded in the audit log with the suspension.
pub fn evaluate(progress: &Progress, evidence: &Evidence) -> Vec<StepStatus> {
    let suspended = progress.suspended_at.is_some();
    let mut states = vec![StepState::Done {
        at: Some(progress.started_at),
    }];
    for blockers in [
        final_closure_blockers(evidence),
        syncs_blockers(evidence),
        sales_blockers(evidence),
    ] {
        let before_done = states.iter().all(StepState::is_done);
        states.push(if suspended {
            StepState::Done { at: None }
        } else if !blockers.is_empty() {
            StepState::Blocked { blockers }
        } else if before_done {
            StepState::Done { at: None }
        } else {
            StepState::Waiting
        });
    }
    for at in [
        progress.suspended_at,
        progress.revoked_at,
        progress.uninstalled_at,
    ] {
        let before_done = states.iter().all(StepState::is_done);
        states.push(match at {
            Some(at) => StepState::Done { at: Some(at) },
            None if before_done && progress.cancelled_at.is_none() => StepState::Ready,
            None => StepState::Waiting,
        });
    }
    Step::ALL
        .into_iter()
        .zip(states)
        .map(|(step, state)| StepStatus { step, state })
        .collect()
}

/// A step as the wizard shows it: its state and, when blocked, what is missing in words.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub step: Step,
    pub number: usize,
    pub state: StepState,
    pub reasons: Vec<String>,
}

impl StepView {
    pub fn of(status: StepStatus, lang: Lang) -> StepView {
        let reasons = match &status.state {
            StepState::Blocked { blockers } => blockers.iter().map(|b| b.describe(lang)).collect(),
            _ => Vec::new(),
        };
        StepView {
            step: status.step,
            number: status.step.number(),
            state: status.state,
            reasons,
        }
    }
}

/// A register's decommission: who started it, the decisions so far, and (filled at each look)
/// every step's state with the evidence it was judged on.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decommission {
    pub id: i64,
    pub store_id: i64,
    pub store_name: String,
    pub register_id: i64,
    pub register_number: u32,
    pub register_label: String,
    pub started_by: String,
    pub progress: Progress,
    pub steps: Vec<StepView>,
    pub final_closure: Option<FinalClosure>,
    pub syncs_after_closure: Vec<SyncEvidence>,
}

impl Decommission {
    /// The first step not done, if any: where the wizard stands.
    pub fn current_step(&self) -> Option<&StepView> {
        self.steps.iter().find(|s| !s.state.is_done())
    }
}

/// Why the server refuses an action on a decommission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the principal register cannot be decommissioned: it is the store's base plan")]
    Principal,
    #[error("register {0} is not in service")]
    NotInService(u32),
    #[error("register {0} is already being decommissioned")]
    AlreadyInProgress(u32),
    #[error("this decommission was cancelled")]
    Cancelled,
    #[error("step {} is already done", .0.number())]
    AlreadyDone(Step),
    #[error("step {} cannot be confirmed yet: step {} does not hold", .step.number(), .missing.number())]
    NotReady { step: Step, missing: Step },
    #[error("the register is suspended: a decommission cannot be cancelled after step 5")]
    TooLateToCancel,
}

/// Checks that a decision on `step` may be recorded now.
pub fn may_confirm(step: Step, progress: &Progress, states: &[StepStatus]) -> Result<(), Refusal> {
    if progress.cancelled_at.is_some() {
        return Err(Refusal::Cancelled);
    }
    let state = states.iter().find(|s| s.step == step).map(|s| &s.state);
    if matches!(state, Some(StepState::Done { .. })) {
        return Err(Refusal::AlreadyDone(step));
    }
    if let Some(missing) = states
        .iter()
        .take_while(|s| s.step != step)
        .find(|s| !s.state.is_done())
    {
        return Err(Refusal::NotReady {
            step,
            missing: missing.step,
        });
    }
    Ok(())
}

/// Checks that a decommission may still be cancelled: only before the suspension.
pub fn may_cancel(progress: &Progress) -> Result<(), Refusal> {
    if progress.cancelled_at.is_some() {
        return Err(Refusal::Cancelled);
    }
    if progress.suspended_at.is_some() {
        return Err(Refusal::TooLateToCancel);
    }
    Ok(())
}

/// Ranges of the numbers in `first..=last` that `present` (sorted) lacks.
pub fn missing_ranges(first: u64, last: u64, present: &[u64]) -> Vec<(u64, u64)> {
    let mut ranges = Vec::new();
    let mut next = first;
    for &n in present.iter().filter(|n| (first..=last).contains(*n)) {
        if n > next {
            ranges.push((next, n - 1));
        }
        next = next.max(n + 1);
    }
    if next <= last {
        ranges.push((next, last));
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::{Chain, Fault};
    use crate::verification::ChainBreak;

    const ALTERED: Fault = Fault::Broken {
        chain: Chain::Tickets,
        at: ChainBreak::Altered { sequence: 1002 },
    };

    /// The French wizard once read "la vérification échoue : ticket 1002 was altered after
    /// sealing": the fault was worded in English by the server.
    #[test]
    fn a_verification_fault_is_told_in_the_page_language() {
        let blocker = Blocker::VerificationFault { fault: ALTERED };
        assert_eq!(
            blocker.describe(Lang::Fr),
            "la vérification échoue : chaîne des tickets rompue au n° 1002 : modifié après scellement"
        );
        assert_eq!(
            blocker.describe(Lang::En),
            "verification fails: the ticket chain breaks at no. 1002: altered after sealing"
        );
    }
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 2, hour, 0, 0).unwrap()
    }

    fn progress() -> Progress {
        Progress {
            started_at: at(8),
            suspended_at: None,
            revoked_at: None,
            uninstalled_at: None,
            cancelled_at: None,
        }
    }

    fn closure(last_ticket: Option<u64>, total_ttc: Cents) -> FinalClosure {
        FinalClosure {
            sequence: 40,
            month: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            last_ticket,
            total_ttc,
            hash: ChainHash([7; 32]),
            received_at: at(9),
        }
    }

    fn sync(id: i64, hour: u32, pending: Option<u32>) -> SyncEvidence {
        SyncEvidence {
            id,
            ended_at: at(hour),
            pending_local_changes: pending,
        }
    }

    /// Everything holds: a Z closing ticket 1043, two syncs, the second clean.
    fn ready() -> Evidence {
        Evidence {
            last_ticket: Some(1043),
            final_closure: Some(closure(Some(1043), Cents(125_000))),
            syncs_after_closure: vec![sync(1, 10, Some(2)), sync(2, 11, Some(0))],
            missing_tickets: vec![],
            verification_fault: None,
            month_sales_ttc: Cents(125_000),
        }
    }

    fn state(states: &[StepStatus], step: Step) -> &StepState {
        &states.iter().find(|s| s.step == step).unwrap().state
    }

    #[test]
    fn a_register_that_did_everything_waits_for_support() {
        let states = evaluate(&progress(), &ready());
        for step in [
            Step::Started,
            Step::FinalClosure,
            Step::Syncs,
            Step::SalesOnDashboard,
        ] {
            assert!(state(&states, step).is_done(), "{step:?}: {states:?}");
        }
        assert_eq!(state(&states, Step::Suspended), &StepState::Ready);
        assert_eq!(state(&states, Step::Revoked), &StepState::Waiting);
        assert_eq!(may_confirm(Step::Suspended, &progress(), &states), Ok(()));
        assert_eq!(
            may_confirm(Step::Uninstalled, &progress(), &states),
            Err(Refusal::NotReady {
                step: Step::Uninstalled,
                missing: Step::Suspended
            })
        );
    }

    #[test]
    fn every_blocking_reason_is_named() {
        let cases: Vec<(Evidence, Step, Blocker)> = vec![
            (
                Evidence {
                    final_closure: None,
                    ..ready()
                },
                Step::FinalClosure,
                Blocker::NoMonthlyClosure,
            ),
            (
                Evidence {
                    last_ticket: Some(1045),
                    ..ready()
                },
                Step::FinalClosure,
                Blocker::SoldAfterClosure {
                    closure: 40,
                    closure_last_ticket: Some(1043),
                    last_ticket: 1045,
                },
            ),
            (
                Evidence {
                    syncs_after_closure: vec![sync(1, 10, Some(0))],
                    ..ready()
                },
                Step::Syncs,
                Blocker::SyncsAfterClosure { done: 1 },
            ),
            (
                Evidence {
                    syncs_after_closure: vec![sync(1, 10, Some(0)), sync(2, 11, Some(3))],
                    ..ready()
                },
                Step::Syncs,
                Blocker::PendingLocalChanges { count: Some(3) },
            ),
            (
                Evidence {
                    syncs_after_closure: vec![sync(1, 10, Some(0)), sync(2, 11, None)],
                    ..ready()
                },
                Step::Syncs,
                Blocker::PendingLocalChanges { count: None },
            ),
            (
                Evidence {
                    last_ticket: Some(1040),
                    missing_tickets: vec![(1041, 1043)],
                    month_sales_ttc: Cents(110_000),
                    ..ready()
                },
                Step::SalesOnDashboard,
                Blocker::TicketsMissing {
                    month: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    count: 3,
                    ranges: vec![(1041, 1043)],
                },
            ),
            (
                Evidence {
                    verification_fault: Some(ALTERED),
                    ..ready()
                },
                Step::SalesOnDashboard,
                Blocker::VerificationFault { fault: ALTERED },
            ),
            (
                Evidence {
                    month_sales_ttc: Cents(124_990),
                    ..ready()
                },
                Step::SalesOnDashboard,
                Blocker::MonthDiffers {
                    month: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    z_ttc: Cents(125_000),
                    sales_ttc: Cents(124_990),
                },
            ),
        ];
        for (evidence, step, blocker) in cases {
            let states = evaluate(&progress(), &evidence);
            assert_eq!(
                state(&states, step),
                &StepState::Blocked {
                    blockers: vec![blocker.clone()]
                },
                "{blocker:?}"
            );
            assert!(!state(&states, Step::Suspended).is_done());
            assert_eq!(
                may_confirm(Step::Suspended, &progress(), &states),
                Err(Refusal::NotReady {
                    step: Step::Suspended,
                    missing: step
                })
            );
            for lang in [Lang::Fr, Lang::En] {
                assert!(!blocker.describe(lang).is_empty());
            }
        }
    }

    #[test]
    fn missing_tickets_are_told_in_words_and_numbers() {
        let blocker = Blocker::TicketsMissing {
            month: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            count: 3,
            ranges: vec![(1041, 1043)],
        };
        assert_eq!(
            blocker.describe(Lang::Fr),
            "3 ticket(s) déclaré(s) par le Z de mars ne sont pas encore arrivés : n° 1041 à 1043"
        );
        assert_eq!(
            blocker.describe(Lang::En),
            "3 ticket(s) the March Z declares have not arrived yet: no. 1041 to 1043"
        );
    }

    #[test]
    fn a_later_step_waits_while_an_earlier_one_is_blocked() {
        // Syncs done, but a sale after the Z: step 2 blocked, steps 3 and 4 wait.
        let evidence = Evidence {
            last_ticket: Some(1044),
            month_sales_ttc: Cents(125_000),
            ..ready()
        };
        let states = evaluate(&progress(), &evidence);
        assert!(matches!(
            state(&states, Step::FinalClosure),
            StepState::Blocked { .. }
        ));
        assert_eq!(state(&states, Step::Syncs), &StepState::Waiting);
        assert_eq!(state(&states, Step::SalesOnDashboard), &StepState::Waiting);
    }

    #[test]
    fn the_steps_after_suspension_follow_in_order_and_cancel_stops_before_it() {
        let mut p = progress();
        assert_eq!(may_cancel(&p), Ok(()));
        p.suspended_at = Some(at(12));
        p.revoked_at = Some(at(12));
        // Once suspended, later evidence (a ticket arriving late) changes nothing.
        let evidence = Evidence {
            last_ticket: Some(2000),
            ..ready()
        };
        let states = evaluate(&p, &evidence);
        assert!(states[..6].iter().all(|s| s.state.is_done()), "{states:?}");
        assert_eq!(state(&states, Step::Uninstalled), &StepState::Ready);
        assert_eq!(may_cancel(&p), Err(Refusal::TooLateToCancel));
        assert_eq!(
            may_confirm(Step::Suspended, &p, &states),
            Err(Refusal::AlreadyDone(Step::Suspended))
        );
        assert_eq!(may_confirm(Step::Uninstalled, &p, &states), Ok(()));

        let mut cancelled = progress();
        cancelled.cancelled_at = Some(at(10));
        let states = evaluate(&cancelled, &ready());
        assert_eq!(state(&states, Step::Suspended), &StepState::Waiting);
        assert_eq!(
            may_confirm(Step::Suspended, &cancelled, &states),
            Err(Refusal::Cancelled)
        );
        assert_eq!(may_cancel(&cancelled), Err(Refusal::Cancelled));
    }

    #[test]
    fn a_register_that_never_sold_needs_no_sale_closed() {
        let evidence = Evidence {
            last_ticket: None,
            final_closure: Some(closure(None, Cents(0))),
            month_sales_ttc: Cents(0),
            ..ready()
        };
        let states = evaluate(&progress(), &evidence);
        assert!(
            state(&states, Step::SalesOnDashboard).is_done(),
            "{states:?}"
        );
    }

    #[test]
    fn missing_ranges_are_the_holes() {
        assert_eq!(missing_ranges(1, 5, &[1, 2, 3, 4, 5]), vec![]);
        assert_eq!(missing_ranges(1, 5, &[]), vec![(1, 5)]);
        assert_eq!(
            missing_ranges(1, 10, &[2, 3, 7]),
            vec![(1, 1), (4, 6), (8, 10)]
        );
        assert_eq!(missing_ranges(5, 6, &[1, 9]), vec![(5, 6)]);
    }

    proptest::proptest! {
        /// Whatever the order events arrive in, a step is done only when all before it are.
        #[test]
        fn done_steps_are_a_prefix(
            has_closure in proptest::bool::ANY,
            sold_after in proptest::bool::ANY,
            syncs in 0usize..4,
            pending in proptest::option::of(0u32..3),
            missing in proptest::bool::ANY,
            differs in proptest::bool::ANY,
            suspended in proptest::bool::ANY,
        ) {
            let evidence = Evidence {
                last_ticket: Some(if sold_after { 1050 } else { 1043 }),
                final_closure: has_closure.then(|| closure(Some(1043), Cents(125_000))),
                syncs_after_closure: (0..syncs).map(|i| sync(i as i64, 10 + i as u32, pending)).collect(),
                missing_tickets: if missing { vec![(1041, 1041)] } else { vec![] },
                verification_fault: None,
                month_sales_ttc: Cents(if differs { 1 } else { 125_000 }),
            };
            let mut p = progress();
            if suspended {
                p.suspended_at = Some(at(12));
            }
            let states = evaluate(&p, &evidence);
            let done: Vec<bool> = states.iter().map(|s| s.state.is_done()).collect();
            let first_not_done = done.iter().position(|d| !d).unwrap_or(done.len());
            proptest::prop_assert!(done[first_not_done..].iter().all(|d| !d), "{:?}", states);
            let all_hold = has_closure && !sold_after && syncs >= 2 && pending == Some(0) && !missing && !differs;
            proptest::prop_assert_eq!(
                may_confirm(Step::Suspended, &p, &states).is_ok(),
                all_hold && !suspended
            );
        }
    }
}
