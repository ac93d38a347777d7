//! How fresh each register's copy of the shared data is, and in what order to sync them.
//!
//! The seed's rules — never two syncs at once, the 1,2,1 ritual, one or two syncs a day — are
//! carried here so the owner does not have to remember them. Everything is computed from what
//! the server knows ([`SyncFacts`]); what it does not know (a register that never reported its
//! pending changes) is assumed to be the worst case, which gives back the seed's ritual.

use crate::api::ParamError;
use crate::format::{format_count, plural, Lang};
use crate::store::Register;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

/// A register not synced for longer than this is late (the seed: at least one sync a day).
pub const LATE_AFTER_HOURS: i64 = 24;
/// The seed's minimum: one sync a day, two is better.
pub const MIN_SYNCS_PER_DAY: u32 = 1;
/// The history shown per register.
pub const TIMELINE_DAYS: i64 = 14;

/// A register's sync state, in severity order: the fleet view lists the worst first.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No sync for more than [`LATE_AFTER_HOURS`].
    Late,
    /// In service, but no sync ever completed.
    NeverSynced,
    /// Others changed shared data since its last pull, or it reported unsent changes.
    NeedsResync,
    UpToDate,
    /// Suspended, or its device was revoked: not expected to sync.
    OutOfService,
}

impl SyncState {
    /// Worst first.
    pub const ALL: [SyncState; 5] = [
        SyncState::Late,
        SyncState::NeverSynced,
        SyncState::NeedsResync,
        SyncState::UpToDate,
        SyncState::OutOfService,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SyncState::Late => "late",
            SyncState::NeverSynced => "never_synced",
            SyncState::NeedsResync => "needs_resync",
            SyncState::UpToDate => "up_to_date",
            SyncState::OutOfService => "out_of_service",
        }
    }

    pub fn from_code(code: &str) -> Option<SyncState> {
        SyncState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// 0 for the worst state; the storage sorts the fleet by it.
    pub fn severity(self) -> u8 {
        self as u8
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (SyncState::Late, Lang::Fr) => "en retard",
            (SyncState::Late, Lang::En) => "late",
            (SyncState::NeverSynced, Lang::Fr) => "jamais synchronisée",
            (SyncState::NeverSynced, Lang::En) => "never synced",
            (SyncState::NeedsResync, Lang::Fr) => "à resynchroniser",
            (SyncState::NeedsResync, Lang::En) => "needs a sync",
            (SyncState::UpToDate, Lang::Fr) => "à jour",
            (SyncState::UpToDate, Lang::En) => "up to date",
            (SyncState::OutOfService, Lang::Fr) => "hors service",
            (SyncState::OutOfService, Lang::En) => "out of service",
        }
    }
}

/// What the server knows of one register's sync.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncFacts {
    /// Active (or being decommissioned) with a device that was not revoked.
    pub in_service: bool,
    /// End of its last completed sync.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Changes of the other registers it has not pulled yet.
    pub behind: u64,
    /// Local changes it reported as not yet pushed, at its last report; `None` if it never
    /// reported.
    pub pending_local_changes: Option<u32>,
}

impl SyncFacts {
    pub fn state(&self, now: DateTime<Utc>) -> SyncState {
        match self.last_sync_at {
            _ if !self.in_service => SyncState::OutOfService,
            None => SyncState::NeverSynced,
            Some(at) if now - at > Duration::hours(LATE_AFTER_HOURS) => SyncState::Late,
            Some(_) if self.behind > 0 || self.pending_local_changes.unwrap_or(0) > 0 => {
                SyncState::NeedsResync
            }
            Some(_) => SyncState::UpToDate,
        }
    }

    /// The fleet's order: worst state first, then longest without a sync (never first), then
    /// most behind.
    pub fn fleet_key(
        &self,
        now: DateTime<Utc>,
    ) -> (SyncState, Option<DateTime<Utc>>, Reverse<u64>) {
        (self.state(now), self.last_sync_at, Reverse(self.behind))
    }
}

/// A register's last sync attempt.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAttempt {
    pub at: DateTime<Utc>,
    /// in_progress, completed, refused, expired
    pub outcome: String,
}

/// The iPad a register runs on, as it introduced itself at pairing.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub name: String,
    pub model: String,
}

/// Everything the devices page says about one register.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterFreshness {
    pub register: Register,
    pub device: Option<DeviceInfo>,
    pub app_version: Option<String>,
    pub facts: SyncFacts,
    pub state: SyncState,
    pub last_attempt: Option<LastAttempt>,
    /// Completed syncs since the start of the store's business day.
    pub syncs_today: u32,
    /// Completed syncs over the last 7 days (the minimum is [`MIN_SYNCS_PER_DAY`] × 7).
    pub syncs_7_days: u32,
}

/// A register holding its sync lease: a sync in progress.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseHolder {
    pub register: u32,
    pub label: String,
    pub since: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A completed sync: a step of the plan done.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedSync {
    pub register: u32,
    pub at: DateTime<Utc>,
}

/// A sync attempt refused because another session of the same register was under way.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedAttempt {
    pub at: DateTime<Utc>,
    pub register: u32,
    /// The register that was syncing, when known.
    pub holder: Option<u32>,
}

/// A store's sync freshness, as the devices page polls it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreFreshness {
    pub as_of: DateTime<Utc>,
    pub registers: Vec<RegisterFreshness>,
    /// The registers syncing now, by number: several at once is normal.
    pub syncing: Vec<LeaseHolder>,
    /// What remains to do, now.
    pub plan: Vec<PlanStep>,
    /// Syncs completed since the `since` the page asked about (the steps already done).
    pub done: Vec<CompletedSync>,
    /// Refused attempts (a second session of a register already syncing) over the last
    /// [`TIMELINE_DAYS`] days, newest first.
    pub refused: Vec<RefusedAttempt>,
}

/// Rows per page of the fleet view.
pub const FLEET_PAGE_SIZE: u32 = 50;

/// One register in the support fleet view.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetRow {
    pub store_id: i64,
    pub store_name: String,
    pub register_id: i64,
    pub number: u32,
    pub label: String,
    pub facts: SyncFacts,
    pub state: SyncState,
    pub last_attempt: Option<LastAttempt>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCount {
    pub state: SyncState,
    pub count: u64,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetPage {
    pub as_of: DateTime<Utc>,
    pub rows: Vec<FleetRow>,
    /// 1-based.
    pub page: u32,
    pub pages: u32,
    /// Rows matching the filters.
    pub total: u64,
    /// Registers per state among those matching the store filter, worst first.
    pub counts: Vec<StateCount>,
}

/// The fleet view's filters, from its query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetQuery {
    /// A part of the store's name (any case), or its id (digits only).
    pub store: Option<String>,
    pub state: Option<SyncState>,
    pub page: u32,
}

impl FleetQuery {
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<FleetQuery, ParamError> {
        let mut query = FleetQuery {
            page: 1,
            ..FleetQuery::default()
        };
        for (key, value) in pairs {
            match key {
                "store" => {
                    let text = value.trim();
                    if text.chars().count() > 100 {
                        return Err(ParamError::new("store", "is longer than 100 characters"));
                    }
                    query.store = (!text.is_empty()).then(|| text.to_string());
                }
                "state" if value.is_empty() => query.state = None,
                "state" => {
                    query.state = Some(SyncState::from_code(value).ok_or_else(|| {
                        ParamError::new(
                            "state",
                            format!(
                                "`{value}` is not a state: {}",
                                SyncState::ALL.map(SyncState::code).join(", ")
                            ),
                        )
                    })?)
                }
                "page" => {
                    query.page = value.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        ParamError::new("page", format!("`{value}` is not a page number (1, 2, …)"))
                    })?
                }
                other => {
                    return Err(ParamError::new(
                        other,
                        "is not a filter of the fleet view: store, state, page",
                    ))
                }
            }
        }
        Ok(query)
    }
}

/// One register as the plan sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRegister {
    pub number: u32,
    pub facts: SyncFacts,
}

/// Why a step is in the plan.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum StepReason {
    /// It reported this many changes not yet sent: it pushes them.
    PushPending { changes: u32 },
    /// It never told the server whether it holds unsent changes: assume it does.
    PushUnknown,
    /// Registers listed synced changes after this register's last pull: it pulls them.
    PullAfter { registers: Vec<u32> },
    /// It is this many changes behind what the others already pushed.
    PullBehind { changes: u64 },
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    pub register: u32,
    pub reason: StepReason,
}

/// The shortest sequence of syncs that brings every register in service up to date.
///
/// Registers holding unsent changes (or not known not to) sync first, by number; the last of
/// them has then seen everything. Every other register then syncs once more to pull what was
/// pushed after its last pull. With nothing pending, only the registers behind sync, once
/// each. When every register's pending changes are unknown this is the seed's ritual, 1..N
/// then 1..N−1: the worst case.
pub fn sync_plan(registers: &[PlanRegister]) -> Vec<PlanStep> {
    let mut live: Vec<&PlanRegister> = registers.iter().filter(|r| r.facts.in_service).collect();
    live.sort_by_key(|r| r.number);
    let pushers: Vec<&PlanRegister> = live
        .iter()
        .copied()
        .filter(|r| r.facts.pending_local_changes != Some(0))
        .collect();
    let Some(last_pusher) = pushers.last() else {
        return live
            .iter()
            .filter(|r| r.facts.behind > 0)
            .map(|r| PlanStep {
                register: r.number,
                reason: StepReason::PullBehind {
                    changes: r.facts.behind,
                },
            })
            .collect();
    };
    let mut steps: Vec<PlanStep> = pushers
        .iter()
        .map(|r| PlanStep {
            register: r.number,
            reason: match r.facts.pending_local_changes {
                Some(changes) => StepReason::PushPending { changes },
                None => StepReason::PushUnknown,
            },
        })
        .collect();
    for register in live.iter().filter(|r| r.number != last_pusher.number) {
        // A pusher pulls what the pushers after it sent; any other register, all of it.
        let later: Vec<u32> = match pushers.iter().position(|p| p.number == register.number) {
            Some(i) => pushers[i + 1..].iter().map(|p| p.number).collect(),
            None => pushers.iter().map(|p| p.number).collect(),
        };
        steps.push(PlanStep {
            register: register.number,
            reason: StepReason::PullAfter { registers: later },
        });
    }
    steps
}

/// What the storage keeps per register (see the server's `register_sync_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterSyncStatus {
    pub register_id: i64,
    pub facts: SyncFacts,
    pub last_attempt: Option<LastAttempt>,
    pub device: Option<DeviceInfo>,
    pub app_version: Option<String>,
}

impl RegisterSyncStatus {
    /// How its figures stand with its syncs at `now`, for the pages that show them.
    pub fn brief(&self, now: DateTime<Utc>) -> SyncBrief {
        SyncBrief {
            register_id: self.register_id,
            state: self.facts.state(now),
            last_sync_at: self.facts.last_sync_at,
        }
    }
}

/// One sync attempt of a store's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAttempt {
    pub register_id: i64,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// in_progress, completed, refused, expired
    pub outcome: String,
    /// For a refused attempt: the register that held the lease.
    pub blocked_by: Option<i64>,
}

impl SyncAttempt {
    pub fn completed(&self) -> bool {
        self.outcome == "completed"
    }
}

/// The lease as held now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldLease {
    pub register_id: i64,
    pub since: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The moments a store's freshness is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moments {
    pub now: DateTime<Utc>,
    /// Start of the store's business day.
    pub today_start: DateTime<Utc>,
    /// Syncs completed after this are the plan's steps done.
    pub since: DateTime<Utc>,
}

/// A store's freshness from its registers, their status rows and the last
/// [`TIMELINE_DAYS`] days of attempts (oldest first).
pub fn store_freshness(
    registers: &[Register],
    statuses: Vec<RegisterSyncStatus>,
    attempts: &[SyncAttempt],
    leases: &[HeldLease],
    at: Moments,
) -> StoreFreshness {
    let number = |id: i64| registers.iter().find(|r| r.id == id).map(|r| r.number);
    let week_ago = at.now - Duration::days(7);
    let completed_since = |register_id: i64, from: DateTime<Utc>| {
        attempts
            .iter()
            .filter(|a| a.register_id == register_id && a.completed())
            .filter(|a| a.ended_at.is_some_and(|end| end >= from))
            .count() as u32
    };
    let mut rows: Vec<RegisterFreshness> = registers
        .iter()
        .filter_map(|register| {
            let status = statuses.iter().find(|s| s.register_id == register.id)?;
            Some(RegisterFreshness {
                register: register.clone(),
                device: status.device.clone(),
                app_version: status.app_version.clone(),
                facts: status.facts,
                state: status.facts.state(at.now),
                last_attempt: status.last_attempt.clone(),
                syncs_today: completed_since(register.id, at.today_start),
                syncs_7_days: completed_since(register.id, week_ago),
            })
        })
        .collect();
    let plan = sync_plan(
        &rows
            .iter()
            .map(|r| PlanRegister {
                number: r.register.number,
                facts: r.facts,
            })
            .collect::<Vec<_>>(),
    );
    let done = attempts
        .iter()
        .filter(|a| a.completed() && a.ended_at.is_some_and(|end| end > at.since))
        .filter_map(|a| {
            Some(CompletedSync {
                register: number(a.register_id)?,
                at: a.ended_at?,
            })
        })
        .collect();
    let refused = attempts
        .iter()
        .rev()
        .filter(|a| a.outcome == "refused")
        .filter_map(|a| {
            Some(RefusedAttempt {
                at: a.started_at,
                register: number(a.register_id)?,
                holder: a.blocked_by.and_then(number),
            })
        })
        .collect();
    let mut syncing: Vec<LeaseHolder> = leases
        .iter()
        .filter_map(|held| {
            let holder = registers.iter().find(|r| r.id == held.register_id)?;
            Some(LeaseHolder {
                register: holder.number,
                label: holder.label.clone(),
                since: held.since,
                expires_at: held.expires_at,
            })
        })
        .collect();
    syncing.sort_by_key(|l| l.register);
    // A session still marked in progress whose register no longer holds the lease was
    // abandoned (an iPad that crashed or lost the network): it expired.
    for row in &mut rows {
        let holds = syncing.iter().any(|l| l.register == row.register.number);
        if let Some(attempt) = row.last_attempt.as_mut() {
            if attempt.outcome == "in_progress" && !holds {
                attempt.outcome = "expired".into();
            }
        }
    }
    StoreFreshness {
        as_of: at.now,
        registers: rows,
        syncing,
        plan,
        done,
        refused,
    }
}

/// The seed's ritual for `n` registers: 1..N then 1..N−1.
pub fn ritual(n: u32) -> Vec<u32> {
    (1..=n).chain(1..n).collect()
}

/// A sync refused because another was under way, in words: `holder` is the register that
/// held the lease, when known. Since issue 20 that is the register itself (its own earlier
/// sync not finished); before, another register of the store could be.
pub fn refused_sync_sentence(register: u32, holder: Option<u32>, lang: Lang) -> String {
    match (lang, holder) {
        (Lang::Fr, Some(h)) if h == register => format!("La caisse {register} a lancé une synchronisation avant la fin de la précédente : refusée."),
        (Lang::En, Some(h)) if h == register => format!("Register {register} began a sync before its previous one had finished: refused."),
        (Lang::Fr, Some(h)) => format!("La caisse {register} a voulu synchroniser pendant que la caisse {h} synchronisait : refusée."),
        (Lang::Fr, None) => format!("La caisse {register} a voulu synchroniser pendant une autre synchronisation : refusée."),
        (Lang::En, Some(h)) => format!("Register {register} tried to sync while register {h} was syncing: refused."),
        (Lang::En, None) => format!("Register {register} tried to sync during another sync: refused."),
    }
}

/// How often a register synced, against the minimum a week asks for.
pub fn syncs_sentence(today: u32, week: u32, lang: Lang) -> String {
    let minimum = MIN_SYNCS_PER_DAY * 7;
    match lang {
        Lang::Fr => format!("{today} aujourd'hui · {week} en 7 jours (min. {minimum})"),
        Lang::En => format!("{today} today · {week} in 7 days (min. {minimum})"),
    }
}

/// The local changes a register says it has not sent yet, in words; nothing when none.
pub fn unsent_changes_sentence(pending: u32, lang: Lang) -> Option<String> {
    let n = u64::from(pending);
    match (pending, lang) {
        (0, _) => None,
        (_, Lang::Fr) => Some(format!(
            "{} {} non {}",
            format_count(n, lang),
            plural(n, "modification locale", "modifications locales"),
            plural(n, "envoyée", "envoyées")
        )),
        (_, Lang::En) => Some(format!(
            "{} unsent local {}",
            format_count(n, lang),
            plural(n, "change", "changes")
        )),
    }
}

/// "il y a 3 h", "3 h ago": how long ago, in the largest unit that fits.
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (amount, unit_fr, unit_en) = match seconds {
        0..60 => {
            return if lang == Lang::Fr {
                "à l'instant".into()
            } else {
                "just now".into()
            }
        }
        60..3600 => (seconds / 60, "min", "min"),
        3600..86400 => (seconds / 3600, "h", "h"),
        _ => (
            seconds / 86400,
            if seconds / 86400 > 1 { "jours" } else { "jour" },
            if seconds / 86400 > 1 { "days" } else { "day" },
        ),
    };
    match lang {
        Lang::Fr => format!("il y a {amount} {unit_fr}"),
        Lang::En => format!("{amount} {unit_en} ago"),
    }
}

/// How a register's figures stand with its syncs, for the pages that show its sales and Z
/// files to whoever may read them (an accountant does not see *Appareils*).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncBrief {
    pub register_id: i64,
    pub state: SyncState,
    pub last_sync_at: Option<DateTime<Utc>>,
}

/// What a figure beside which a register's note stands may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MayLack {
    /// Ventes: the sales of the period shown.
    Sales,
    /// Z de caisse: the register's closures.
    Closures,
}

/// The note beside a register's figures when they may not be final: it is in service but
/// late or has never synced, and the period shown runs to (or past) the business day of its
/// last sync — a period over before then holds everything the register sold in it.
/// `last_sync` is that sync and its business day in the store's time zone; `period_last_day`
/// is the period's last day, `None` for everything so far.
pub fn may_lack_note(
    state: SyncState,
    last_sync: Option<(DateTime<Utc>, chrono::NaiveDate)>,
    period_last_day: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
    what: MayLack,
    lang: Lang,
) -> Option<String> {
    if !matches!(state, SyncState::Late | SyncState::NeverSynced) {
        return None;
    }
    let lacking = match (what, lang) {
        (MayLack::Sales, Lang::Fr) => "des ventes peuvent manquer",
        (MayLack::Sales, Lang::En) => "sales may be missing",
        (MayLack::Closures, Lang::Fr) => "des Z peuvent manquer",
        (MayLack::Closures, Lang::En) => "Z files may be missing",
    };
    match last_sync {
        None => Some(match lang {
            Lang::Fr => format!("jamais synchronisée : {lacking}"),
            Lang::En => format!("never synced: {lacking}"),
        }),
        Some((_, day)) if period_last_day.is_some_and(|last| last < day) => None,
        Some((at, _)) => Some(match lang {
            Lang::Fr => format!(
                "dernière synchronisation {} : {lacking}",
                ago(at, now, lang)
            ),
            Lang::En => format!("last synced {}: {lacking}", ago(at, now, lang)),
        }),
    }
}

impl StepReason {
    /// One line saying why a step is in the plan.
    pub fn describe(&self, lang: Lang) -> String {
        let list = |numbers: &[u32]| {
            numbers
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (self, lang) {
            (StepReason::PushPending { changes }, Lang::Fr) => format!(
                "envoie ses {changes} {} locale{} non envoyée{}",
                plural(u64::from(*changes), "modification", "modifications"),
                plural(u64::from(*changes), "", "s"),
                plural(u64::from(*changes), "", "s")
            ),
            (StepReason::PushPending { changes }, Lang::En) => format!(
                "pushes its {changes} unsent local {}",
                plural(u64::from(*changes), "change", "changes")
            ),
            (StepReason::PushUnknown, Lang::Fr) => {
                "n'a jamais dit si elle a des modifications en attente : elle envoie d'abord".into()
            }
            (StepReason::PushUnknown, Lang::En) => {
                "never said whether it holds unsent changes: it pushes first".into()
            }
            (StepReason::PullAfter { registers }, Lang::Fr) => format!(
                "récupère ce que {} {} ensuite",
                if registers.len() > 1 {
                    format!("les caisses {}", list(registers))
                } else {
                    format!("la caisse {}", list(registers))
                },
                if registers.len() > 1 {
                    "envoient"
                } else {
                    "envoie"
                }
            ),
            (StepReason::PullAfter { registers }, Lang::En) => format!(
                "pulls what register{} {} push{} after it",
                plural(registers.len() as u64, "", "s"),
                list(registers),
                if registers.len() > 1 { "" } else { "es" }
            ),
            (StepReason::PullBehind { changes }, Lang::Fr) => format!(
                "en retard de {} {}",
                format_count(*changes, Lang::Fr),
                plural(*changes, "modification", "modifications")
            ),
            (StepReason::PullBehind { changes }, Lang::En) => format!(
                "{} {} behind",
                format_count(*changes, Lang::En),
                plural(*changes, "change", "changes")
            ),
        }
    }
}

/// A sync attempt's outcome (`sync_sessions.outcome`) in words.
pub fn outcome_label(outcome: &str, lang: Lang) -> &'static str {
    match (outcome, lang) {
        ("completed", Lang::Fr) => "réussie",
        ("completed", Lang::En) => "completed",
        ("refused", Lang::Fr) => "refusée (autre caisse en cours)",
        ("refused", Lang::En) => "refused (another register was syncing)",
        ("in_progress", Lang::Fr) => "en cours",
        ("in_progress", Lang::En) => "in progress",
        (_, Lang::Fr) => "interrompue",
        (_, Lang::En) => "interrupted",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_and_unsent_changes_are_worded_in_both_languages() {
        assert_eq!(
            refused_sync_sentence(2, Some(1), Lang::Fr),
            "La caisse 2 a voulu synchroniser pendant que la caisse 1 synchronisait : refusée."
        );
        assert_eq!(
            refused_sync_sentence(3, None, Lang::En),
            "Register 3 tried to sync during another sync: refused."
        );
        assert_eq!(
            refused_sync_sentence(2, Some(2), Lang::Fr),
            "La caisse 2 a lancé une synchronisation avant la fin de la précédente : refusée."
        );
        assert_eq!(
            refused_sync_sentence(2, Some(2), Lang::En),
            "Register 2 began a sync before its previous one had finished: refused."
        );
        assert_eq!(
            syncs_sentence(1, 5, Lang::Fr),
            "1 aujourd'hui · 5 en 7 jours (min. 7)"
        );
        assert_eq!(unsent_changes_sentence(0, Lang::Fr), None);
        assert_eq!(
            unsent_changes_sentence(1, Lang::Fr).unwrap(),
            "1 modification locale non envoyée"
        );
        assert_eq!(
            unsent_changes_sentence(1200, Lang::Fr).unwrap(),
            "1\u{202f}200 modifications locales non envoyées"
        );
        assert_eq!(
            unsent_changes_sentence(2, Lang::En).unwrap(),
            "2 unsent local changes"
        );
    }

    use super::*;

    #[test]
    fn plan_reasons_and_outcomes_are_worded_in_both_languages() {
        let pull = StepReason::PullAfter {
            registers: vec![2, 3],
        };
        assert_eq!(
            pull.describe(Lang::Fr),
            "récupère ce que les caisses 2, 3 envoient ensuite"
        );
        assert_eq!(
            pull.describe(Lang::En),
            "pulls what registers 2, 3 push after it"
        );
        let one = StepReason::PushPending { changes: 1 };
        assert_eq!(
            one.describe(Lang::Fr),
            "envoie ses 1 modification locale non envoyée"
        );
        assert_eq!(
            outcome_label("refused", Lang::En),
            "refused (another register was syncing)"
        );
        assert_eq!(outcome_label("lease_expired", Lang::Fr), "interrompue");
    }
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap()
    }

    fn facts(hours_ago: Option<i64>, behind: u64, pending: Option<u32>) -> SyncFacts {
        SyncFacts {
            in_service: true,
            last_sync_at: hours_ago.map(|h| now() - Duration::hours(h)),
            behind,
            pending_local_changes: pending,
        }
    }

    fn registers(list: &[SyncFacts]) -> Vec<PlanRegister> {
        list.iter()
            .enumerate()
            .map(|(i, facts)| PlanRegister {
                number: i as u32 + 1,
                facts: *facts,
            })
            .collect()
    }

    fn order(steps: &[PlanStep]) -> Vec<u32> {
        steps.iter().map(|s| s.register).collect()
    }

    #[test]
    fn states_follow_the_seed_rules() {
        assert_eq!(facts(Some(2), 0, Some(0)).state(now()), SyncState::UpToDate);
        assert_eq!(facts(Some(2), 0, None).state(now()), SyncState::UpToDate);
        assert_eq!(
            facts(Some(2), 12, Some(0)).state(now()),
            SyncState::NeedsResync
        );
        assert_eq!(
            facts(Some(2), 0, Some(3)).state(now()),
            SyncState::NeedsResync
        );
        assert_eq!(
            facts(Some(24), 5, Some(0)).state(now()),
            SyncState::NeedsResync
        );
        assert_eq!(facts(Some(25), 0, Some(0)).state(now()), SyncState::Late);
        assert_eq!(facts(None, 0, None).state(now()), SyncState::NeverSynced);
        let revoked = SyncFacts {
            in_service: false,
            ..facts(Some(1), 3, None)
        };
        assert_eq!(revoked.state(now()), SyncState::OutOfService);
        for state in SyncState::ALL {
            assert_eq!(SyncState::from_code(state.code()), Some(state));
        }
        assert_eq!(SyncState::Late.severity(), 0);
        assert_eq!(SyncState::OutOfService.severity(), 4);
    }

    #[test]
    fn the_fleet_lists_the_worst_first() {
        let mut list = [
            facts(Some(1), 0, Some(0)),
            facts(Some(30), 0, Some(0)),
            facts(Some(72), 0, Some(0)),
            facts(Some(3), 2, Some(0)),
            facts(Some(3), 40, Some(0)),
            facts(None, 0, None),
        ];
        list.sort_by_key(|f| f.fleet_key(now()));
        let hours: Vec<_> = list
            .iter()
            .map(|f| (f.last_sync_at.map(|at| (now() - at).num_hours()), f.behind))
            .collect();
        assert_eq!(
            hours,
            vec![
                (Some(72), 0),
                (Some(30), 0),
                (None, 0),
                (Some(3), 40),
                (Some(3), 2),
                (Some(1), 0)
            ]
        );
    }

    #[test]
    fn knowing_nothing_gives_the_seed_ritual() {
        for n in [1, 2, 3, 5] {
            let unknown = registers(&vec![facts(None, 0, None); n as usize]);
            let plan = sync_plan(&unknown);
            assert_eq!(order(&plan), ritual(n), "{n} registers");
        }
        assert_eq!(ritual(2), vec![1, 2, 1]);
        assert_eq!(ritual(3), vec![1, 2, 3, 1, 2]);
    }

    #[test]
    fn the_ritual_is_the_worst_case() {
        // Every register holding changes: nothing shorter is safe.
        let all = registers(&[
            facts(Some(1), 0, Some(2)),
            facts(Some(1), 0, Some(1)),
            facts(Some(1), 0, Some(4)),
        ]);
        let plan = sync_plan(&all);
        assert_eq!(order(&plan), vec![1, 2, 3, 1, 2]);
        assert_eq!(plan[0].reason, StepReason::PushPending { changes: 2 });
        assert_eq!(
            plan[3].reason,
            StepReason::PullAfter {
                registers: vec![2, 3]
            }
        );
        assert_eq!(plan[4].reason, StepReason::PullAfter { registers: vec![3] });
        // For every mix of pending flags, the plan is never longer than the ritual.
        for n in 1..=5u32 {
            for mask in 0..(1u32 << n) {
                let list: Vec<SyncFacts> = (0..n)
                    .map(|i| facts(Some(1), 0, Some(if mask & (1 << i) != 0 { 1 } else { 0 })))
                    .collect();
                let plan = sync_plan(&registers(&list));
                assert!(plan.len() <= ritual(n).len(), "n={n} mask={mask:b}");
                let pushers = mask.count_ones() as usize;
                let expected = if pushers == 0 {
                    0
                } else {
                    pushers + n as usize - 1
                };
                assert_eq!(plan.len(), expected, "n={n} mask={mask:b}");
            }
        }
    }

    #[test]
    fn one_register_with_changes_pushes_then_the_others_pull() {
        let three = registers(&[
            facts(Some(1), 0, Some(0)),
            facts(Some(1), 0, Some(6)),
            facts(Some(1), 0, Some(0)),
        ]);
        let plan = sync_plan(&three);
        assert_eq!(order(&plan), vec![2, 1, 3]);
        assert_eq!(plan[1].reason, StepReason::PullAfter { registers: vec![2] });
        // Shorter than the ritual's five steps.
        assert!(plan.len() < ritual(3).len());
    }

    #[test]
    fn with_nothing_pending_only_the_registers_behind_sync() {
        let five = registers(&[
            facts(Some(1), 0, Some(0)),
            facts(Some(1), 12, Some(0)),
            facts(Some(1), 0, Some(0)),
            facts(Some(30), 3, Some(0)),
            facts(Some(1), 0, Some(0)),
        ]);
        let plan = sync_plan(&five);
        assert_eq!(order(&plan), vec![2, 4]);
        assert_eq!(plan[0].reason, StepReason::PullBehind { changes: 12 });
        let fresh = registers(&[facts(Some(1), 0, Some(0)), facts(Some(1), 0, Some(0))]);
        assert!(sync_plan(&fresh).is_empty());
        let one = registers(&[facts(Some(1), 0, Some(4))]);
        assert_eq!(order(&sync_plan(&one)), vec![1]);
    }

    #[test]
    fn registers_out_of_service_are_left_out() {
        let mut list = registers(&[
            facts(None, 0, None),
            facts(None, 0, None),
            facts(None, 0, None),
        ]);
        list[1].facts.in_service = false;
        assert_eq!(order(&sync_plan(&list)), vec![1, 3, 1]);
    }

    #[test]
    fn the_plan_ticks_off_as_registers_sync() {
        // 1 and 3 hold changes: 1, 3 push, then 1 and 2 pull.
        let mut list = registers(&[
            facts(Some(1), 0, Some(2)),
            facts(Some(1), 0, Some(0)),
            facts(Some(1), 0, Some(5)),
        ]);
        assert_eq!(order(&sync_plan(&list)), vec![1, 3, 1, 2]);
        // Register 1 syncs: pushes its 2 changes, which the others now lack.
        list[0].facts.pending_local_changes = Some(0);
        list[1].facts.behind += 2;
        list[2].facts.behind += 2;
        assert_eq!(order(&sync_plan(&list)), vec![3, 1, 2]);
        // Register 3 syncs: pushes 5, pulls 1's 2.
        list[2].facts = facts(Some(0), 0, Some(0));
        list[0].facts.behind += 5;
        list[1].facts.behind += 5;
        let plan = sync_plan(&list);
        assert_eq!(order(&plan), vec![1, 2]);
        assert_eq!(plan[1].reason, StepReason::PullBehind { changes: 7 });
    }

    #[test]
    fn fleet_filters_parse_or_say_what_is_wrong() {
        let parsed =
            FleetQuery::parse([("store", " Canuts "), ("state", "late"), ("page", "3")]).unwrap();
        assert_eq!(parsed.store.as_deref(), Some("Canuts"));
        assert_eq!((parsed.state, parsed.page), (Some(SyncState::Late), 3));
        assert_eq!(FleetQuery::parse([]).unwrap().page, 1);
        assert_eq!(
            FleetQuery::parse([("state", ""), ("store", "")]).unwrap(),
            FleetQuery {
                page: 1,
                ..FleetQuery::default()
            }
        );
        for (key, value) in [
            ("state", "perdu"),
            ("page", "0"),
            ("page", "x"),
            ("sort", "name"),
        ] {
            assert_eq!(
                FleetQuery::parse([(key, value)]).unwrap_err().parameter,
                key
            );
        }
        let long = "x".repeat(101);
        assert!(FleetQuery::parse([("store", long.as_str())]).is_err());
    }

    #[test]
    fn ago_reads_naturally() {
        let at = |s: i64| now() - Duration::seconds(s);
        assert_eq!(ago(at(20), now(), Lang::Fr), "à l'instant");
        assert_eq!(ago(at(600), now(), Lang::Fr), "il y a 10 min");
        assert_eq!(ago(at(3 * 3600 + 50), now(), Lang::Fr), "il y a 3 h");
        assert_eq!(ago(at(3 * 3600), now(), Lang::En), "3 h ago");
        assert_eq!(ago(at(86400 + 5), now(), Lang::Fr), "il y a 1 jour");
        assert_eq!(ago(at(3 * 86400), now(), Lang::En), "3 days ago");
        assert_eq!(
            ago(now() + Duration::seconds(5), now(), Lang::En),
            "just now"
        );
    }

    #[test]
    fn a_late_registers_figures_say_they_may_lack_sales_unless_the_period_ended_before() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let synced = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let note = |state, period_last_day, what, lang| {
            may_lack_note(state, Some((synced, day)), period_last_day, now, what, lang)
        };
        let this_month = Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        let november = Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(
            note(SyncState::Late, this_month, MayLack::Sales, Lang::Fr).as_deref(),
            Some("dernière synchronisation il y a 2 jours : des ventes peuvent manquer")
        );
        assert_eq!(
            note(SyncState::Late, this_month, MayLack::Sales, Lang::En).as_deref(),
            Some("last synced 2 days ago: sales may be missing")
        );
        assert_eq!(
            note(SyncState::Late, None, MayLack::Closures, Lang::Fr).as_deref(),
            Some("dernière synchronisation il y a 2 jours : des Z peuvent manquer")
        );
        // November ended before the last sync: everything of it is here.
        assert_eq!(
            note(SyncState::Late, november, MayLack::Sales, Lang::Fr),
            None
        );
        // Up to date, waiting for a resync, or out of service: the figures are final.
        for state in [
            SyncState::UpToDate,
            SyncState::NeedsResync,
            SyncState::OutOfService,
        ] {
            assert_eq!(note(state, this_month, MayLack::Sales, Lang::Fr), None);
        }
        assert_eq!(
            may_lack_note(
                SyncState::NeverSynced,
                None,
                this_month,
                now,
                MayLack::Sales,
                Lang::Fr
            )
            .as_deref(),
            Some("jamais synchronisée : des ventes peuvent manquer")
        );
    }
}
