//! What needs attention in a shop, from the facts the server holds: a daily Z missing by the
//! next morning, numbers a register skipped and has not sent for hours, a chain break, tickets
//! a Z declares that have not arrived, a register silent for more than a day, a sync refused or
//! interrupted, a set-up check failing, a decommission waiting on its owner. Each alert names
//! what it is about (its subject) so that the server keeps it open while its cause lasts and
//! clears it when the cause is gone; each says when it started, what to do, and where.

use crate::format::{format_count, format_day_long, Lang};
use crate::freshness::LATE_AFTER_HOURS;
use crate::setup::SetupItem;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Missing tickets (a gap in a register's numbers, tickets its Z declare) are an alert once
/// they have stayed missing this long, by default: a register that lost its connection in the
/// middle of a push sends the rest at its next sync.
pub const MISSING_GRACE_MINUTES: i64 = 240;

/// A day's Z is due by this local time the next morning (registers close at night).
pub const Z_DUE_BY: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// How many days back a missing Z is looked for: older ones are the accountant's to chase
/// from the Z page, not a shop's news.
pub const Z_LOOKBACK_DAYS: i64 = 7;

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    ChainBreak,
    UndeliveredTickets,
    OpenGap,
    MissingDailyZ,
    SyncFailed,
    Silent,
    SetupFailing,
    DecommissionWaiting,
}

impl AlertKind {
    /// The most serious first: fiscal data before the rest.
    pub const ALL: [AlertKind; 8] = [
        AlertKind::ChainBreak,
        AlertKind::UndeliveredTickets,
        AlertKind::OpenGap,
        AlertKind::MissingDailyZ,
        AlertKind::SyncFailed,
        AlertKind::Silent,
        AlertKind::SetupFailing,
        AlertKind::DecommissionWaiting,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AlertKind::ChainBreak => "chain_break",
            AlertKind::UndeliveredTickets => "undelivered_tickets",
            AlertKind::OpenGap => "open_gap",
            AlertKind::MissingDailyZ => "missing_daily_z",
            AlertKind::SyncFailed => "sync_failed",
            AlertKind::Silent => "silent",
            AlertKind::SetupFailing => "setup_failing",
            AlertKind::DecommissionWaiting => "decommission_waiting",
        }
    }

    pub fn from_code(code: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name of the page [`AlertKind::link`] opens, as the navigation says it.
    pub fn page_name(self, lang: Lang) -> &'static str {
        match (self.link(), lang) {
            ("/z", Lang::Fr) => "Z de caisse",
            ("/z", Lang::En) => "Z reports",
            ("/appareils", Lang::Fr) => "Appareils",
            ("/appareils", Lang::En) => "Devices",
            (_, Lang::Fr) => "Mise hors service",
            (_, Lang::En) => "Decommission",
        }
    }

    /// The page where it is dealt with.
    pub fn link(self) -> &'static str {
        match self {
            AlertKind::ChainBreak
            | AlertKind::UndeliveredTickets
            | AlertKind::OpenGap
            | AlertKind::MissingDailyZ => "/z",
            AlertKind::SyncFailed | AlertKind::Silent | AlertKind::SetupFailing => "/appareils",
            AlertKind::DecommissionWaiting => "/mise-hors-service",
        }
    }
}

/// What an alert is about, beyond its kind and register.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertDetail {
    /// The business day whose daily Z is missing.
    Day(NaiveDate),
    /// The numbers skipped.
    Gap { first: u64, last: u64 },
    /// The first ticket or closure whose link does not verify.
    Break { closure: bool, sequence: u64 },
    /// Tickets the register's Z files declare that the server does not have.
    Undelivered { count: u64 },
    /// What went wrong at the register's last sync attempt (an incident's kind).
    Sync { incident: String },
    /// The set-up checks that fail.
    Setup { items: Vec<SetupItem> },
    /// Nothing more than the kind says.
    Plain,
}

/// One thing that needs attention, as the rule finds it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub register_id: i64,
    pub register_number: u32,
    pub register_label: String,
    pub detail: AlertDetail,
    /// When its cause began (the gap seen, the last sync, the morning the Z was due).
    pub since: DateTime<Utc>,
}

impl Alert {
    /// What keeps the alert the same one from an evaluation to the next: a second gap is a
    /// second alert, a gap still open is the same.
    pub fn subject(&self) -> String {
        let about = match &self.detail {
            AlertDetail::Day(day) => day.to_string(),
            AlertDetail::Gap { first, .. } => first.to_string(),
            AlertDetail::Break { closure, .. } => {
                if *closure { "closure" } else { "ticket" }.to_string()
            }
            _ => String::new(),
        };
        format!("{}:{}:{about}", self.kind.code(), self.register_id)
    }

    /// The alert in a line: `Caisse 2 : Z du lundi 30 novembre manquant`.
    pub fn title(&self, lang: Lang) -> String {
        let what = match (&self.detail, lang) {
            (AlertDetail::Day(day), Lang::Fr) => {
                format!("Z du {} manquant", format_day_long(*day, lang))
            }
            (AlertDetail::Day(day), Lang::En) => {
                format!("Z of {} missing", format_day_long(*day, lang))
            }
            (AlertDetail::Gap { first, last }, Lang::Fr) if first == last => {
                format!("ticket n° {} jamais reçu", format_count(*first, lang))
            }
            (AlertDetail::Gap { first, last }, Lang::Fr) => format!(
                "tickets n° {} à {} jamais reçus",
                format_count(*first, lang),
                format_count(*last, lang)
            ),
            (AlertDetail::Gap { first, last }, Lang::En) if first == last => {
                format!("ticket no. {} never received", format_count(*first, lang))
            }
            (AlertDetail::Gap { first, last }, Lang::En) => format!(
                "tickets no. {} to {} never received",
                format_count(*first, lang),
                format_count(*last, lang)
            ),
            (AlertDetail::Break { closure, sequence }, Lang::Fr) => format!(
                "chaînage rompu au {} n° {}",
                if *closure { "Z" } else { "ticket" },
                format_count(*sequence, lang)
            ),
            (AlertDetail::Break { closure, sequence }, Lang::En) => format!(
                "chain broken at {} no. {}",
                if *closure { "Z" } else { "ticket" },
                format_count(*sequence, lang)
            ),
            (AlertDetail::Undelivered { count }, Lang::Fr) => format!(
                "{} {} par ses Z pas encore reçus",
                format_count(*count, lang),
                if *count == 1 {
                    "ticket déclaré"
                } else {
                    "tickets déclarés"
                }
            ),
            (AlertDetail::Undelivered { count }, Lang::En) => format!(
                "{} {} by its Z not received yet",
                format_count(*count, lang),
                if *count == 1 {
                    "ticket declared"
                } else {
                    "tickets declared"
                }
            ),
            (AlertDetail::Sync { .. }, Lang::Fr) => {
                "dernière synchronisation refusée ou interrompue".into()
            }
            (AlertDetail::Sync { .. }, Lang::En) => "last sync refused or interrupted".into(),
            (AlertDetail::Setup { items }, lang) => {
                let items: Vec<&str> = items.iter().map(|i| i.label(lang)).collect();
                match lang {
                    Lang::Fr => format!("réglages à revoir : {}", items.join(", ")),
                    Lang::En => format!("settings to check: {}", items.join(", ")),
                }
            }
            (AlertDetail::Plain, _) => match (self.kind, lang) {
                (AlertKind::Silent, Lang::Fr) => {
                    "aucune synchronisation depuis plus d'un jour".into()
                }
                (AlertKind::Silent, Lang::En) => "no sync for more than a day".into(),
                (_, Lang::Fr) => "mise hors service en attente de votre confirmation".into(),
                (_, Lang::En) => "decommission waiting for your confirmation".into(),
            },
        };
        let colon = crate::format::colon(lang);
        format!("{}{colon}{what}", self.register_label)
    }

    /// What to do about it, in a sentence.
    pub fn what_to_do(&self, lang: Lang) -> &'static str {
        match (self.kind, lang) {
            (AlertKind::ChainBreak, Lang::Fr) => "Ne modifiez rien sur la caisse et contactez le support : ses enregistrements ne se suivent plus.",
            (AlertKind::ChainBreak, Lang::En) => "Change nothing on the register and contact support: its records no longer follow each other.",
            (AlertKind::UndeliveredTickets | AlertKind::OpenGap, Lang::Fr) => "Ouvrez l'application sur la caisse et synchronisez-la : elle enverra les tickets qui manquent.",
            (AlertKind::UndeliveredTickets | AlertKind::OpenGap, Lang::En) => "Open the app on the register and sync it: it will send the missing tickets.",
            (AlertKind::MissingDailyZ, Lang::Fr) => "Faites la clôture du jour sur la caisse, puis synchronisez-la.",
            (AlertKind::MissingDailyZ, Lang::En) => "Close the day on the register, then sync it.",
            (AlertKind::SyncFailed, Lang::Fr) => "Relancez la synchronisation sur la caisse ; si le refus revient, suivez l'ordre indiqué sur Appareils.",
            (AlertKind::SyncFailed, Lang::En) => "Sync the register again; if it is refused again, follow the order shown on Devices.",
            (AlertKind::Silent, Lang::Fr) => "Vérifiez que la caisse est allumée et connectée, puis synchronisez-la.",
            (AlertKind::Silent, Lang::En) => "Check the register is on and connected, then sync it.",
            (AlertKind::SetupFailing, Lang::Fr) => "Corrigez ces réglages sur la caisse, puis synchronisez-la.",
            (AlertKind::SetupFailing, Lang::En) => "Correct these settings on the register, then sync it.",
            (AlertKind::DecommissionWaiting, Lang::Fr) => "Confirmez que l'application a été supprimée de l'iPad pour terminer la mise hors service.",
            (AlertKind::DecommissionWaiting, Lang::En) => "Confirm the app was removed from the iPad to finish the decommission.",
        }
    }
}

/// A gap in a register's numbers, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapFact {
    pub first: u64,
    pub last: u64,
    pub detected_at: DateTime<Utc>,
}

/// A chain break, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakFact {
    pub closure: bool,
    pub sequence: u64,
    pub detected_at: DateTime<Utc>,
}

/// What the server knows of one register, for the rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterFacts {
    pub register_id: i64,
    pub number: u32,
    pub label: String,
    /// Active, or its decommission under way: expected to sync.
    pub in_service: bool,
    pub activated_at: Option<DateTime<Utc>>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Business days (the last [`Z_LOOKBACK_DAYS`]) it sold on, with no daily Z.
    pub days_without_z: Vec<NaiveDate>,
    pub open_gaps: Vec<GapFact>,
    pub breaks: Vec<BreakFact>,
    /// Tickets its Z files declare above the newest it sent, and since when (the latest Z's
    /// arrival).
    pub undelivered: Option<(u64, DateTime<Utc>)>,
    /// Its latest sync incident after its last completed sync: kind and time.
    pub failed_sync: Option<(String, DateTime<Utc>)>,
    /// The set-up checks failing at its last report, and when it reported.
    pub setup_failing: Option<(Vec<SetupItem>, DateTime<Utc>)>,
    /// When its decommission began waiting on the owner.
    pub waiting_on_owner_since: Option<DateTime<Utc>>,
}

/// The morning a day's Z is due: [`Z_DUE_BY`] the next day, in the store's zone.
pub fn z_due(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    tz.from_local_datetime(&next.and_time(Z_DUE_BY))
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| next.and_time(Z_DUE_BY).and_utc())
}

/// Every alert of a register at `now`, most serious first; missing tickets count once
/// missing for `grace`.
pub fn register_alerts(
    facts: &RegisterFacts,
    now: DateTime<Utc>,
    tz: Tz,
    grace: Duration,
) -> Vec<Alert> {
    let alert = |kind: AlertKind, detail: AlertDetail, since: DateTime<Utc>| Alert {
        kind,
        register_id: facts.register_id,
        register_number: facts.number,
        register_label: facts.label.clone(),
        detail,
        since,
    };
    let mut out = Vec::new();
    for b in &facts.breaks {
        out.push(alert(
            AlertKind::ChainBreak,
            AlertDetail::Break {
                closure: b.closure,
                sequence: b.sequence,
            },
            b.detected_at,
        ));
    }
    let undelivered = facts
        .undelivered
        .filter(|(count, since)| *count > 0 && now - *since >= grace);
    if let Some((count, since)) = undelivered {
        out.push(alert(
            AlertKind::UndeliveredTickets,
            AlertDetail::Undelivered { count },
            since,
        ));
    }
    for gap in &facts.open_gaps {
        if now - gap.detected_at >= grace {
            out.push(alert(
                AlertKind::OpenGap,
                AlertDetail::Gap {
                    first: gap.first,
                    last: gap.last,
                },
                gap.detected_at,
            ));
        }
    }
    let lookback = now.with_timezone(&tz).date_naive() - Duration::days(Z_LOOKBACK_DAYS);
    for day in &facts.days_without_z {
        let due = z_due(*day, tz);
        if *day >= lookback && now >= due {
            out.push(alert(AlertKind::MissingDailyZ, AlertDetail::Day(*day), due));
        }
    }
    if facts.in_service {
        if let Some((incident, at)) = &facts.failed_sync {
            out.push(alert(
                AlertKind::SyncFailed,
                AlertDetail::Sync {
                    incident: incident.clone(),
                },
                *at,
            ));
        }
        let silent_since = facts.last_sync_at.or(facts.activated_at);
        if let Some(since) = silent_since {
            if now - since > Duration::hours(LATE_AFTER_HOURS) {
                out.push(alert(AlertKind::Silent, AlertDetail::Plain, since));
            }
        }
        if let Some((items, at)) = &facts.setup_failing {
            if !items.is_empty() {
                out.push(alert(
                    AlertKind::SetupFailing,
                    AlertDetail::Setup {
                        items: items.clone(),
                    },
                    *at,
                ));
            }
        }
    }
    if let Some(since) = facts.waiting_on_owner_since {
        out.push(alert(
            AlertKind::DecommissionWaiting,
            AlertDetail::Plain,
            since,
        ));
    }
    out
}

/// An alert as the server keeps it: opened when the rule first found it, cleared when it no
/// longer does.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAlert {
    pub id: i64,
    pub store_id: i64,
    pub store_name: String,
    pub alert: Alert,
    /// When the server first saw it.
    pub opened_at: DateTime<Utc>,
    /// The alert's start on the shop's clock (the app carries no time-zone database).
    pub since_local: chrono::NaiveDateTime,
}

/// What an evaluation changes: alerts to open, and the subjects of open ones to clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertChanges {
    pub open: Vec<Alert>,
    pub clear: Vec<String>,
}

/// The alerts found now against the subjects open: new ones open, gone ones clear, lasting
/// ones stay as they are (their start does not move).
pub fn changes(found: &[Alert], open_subjects: &[String]) -> AlertChanges {
    let found_subjects: Vec<String> = found.iter().map(Alert::subject).collect();
    AlertChanges {
        open: found
            .iter()
            .zip(&found_subjects)
            .filter(|(_, subject)| !open_subjects.contains(subject))
            .map(|(alert, _)| alert.clone())
            .collect(),
        clear: open_subjects
            .iter()
            .filter(|subject| !found_subjects.contains(subject))
            .cloned()
            .collect(),
    }
}

/// `depuis le mardi 24 novembre à 10:15`, for an alert's start.
pub fn since_words(local: chrono::NaiveDateTime, lang: Lang) -> String {
    let clock = crate::format::format_clock(local.time());
    let day = format_day_long(local.date(), lang);
    match lang {
        Lang::Fr => format!("depuis le {day} à {clock}"),
        Lang::En => format!("since {day} at {clock}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PARIS: Tz = chrono_tz::Europe::Paris;

    fn paris(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        PARIS
            .with_ymd_and_hms(2026, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn register() -> RegisterFacts {
        RegisterFacts {
            register_id: 7,
            number: 2,
            label: "Caisse 2".into(),
            in_service: true,
            activated_at: Some(paris(1, 5, 9, 0)),
            last_sync_at: Some(paris(12, 1, 19, 30)),
            ..RegisterFacts::default()
        }
    }

    fn register_alerts_(facts: &RegisterFacts, now: DateTime<Utc>, tz: Tz) -> Vec<Alert> {
        register_alerts(facts, now, tz, Duration::minutes(MISSING_GRACE_MINUTES))
    }

    fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
        alerts.iter().map(|a| a.kind).collect()
    }

    #[test]
    fn a_register_in_order_has_nothing_to_say() {
        assert!(register_alerts_(&register(), paris(12, 2, 10, 0), PARIS).is_empty());
    }

    #[test]
    fn a_missing_z_is_due_the_next_morning() {
        let facts = RegisterFacts {
            days_without_z: vec![day(12, 1)],
            ..register()
        };
        assert!(register_alerts_(&facts, paris(12, 2, 7, 59), PARIS).is_empty());
        let alerts = register_alerts_(&facts, paris(12, 2, 8, 0), PARIS);
        assert_eq!(kinds(&alerts), vec![AlertKind::MissingDailyZ]);
        assert_eq!(alerts[0].since, paris(12, 2, 8, 0));
        assert_eq!(
            alerts[0].title(Lang::Fr),
            "Caisse 2 : Z du mardi 1er décembre manquant"
        );
        assert_eq!(alerts[0].kind.link(), "/z");
        // A week later it is the Z page's to show, not news.
        let later = register_alerts_(&facts, paris(12, 10, 9, 0), PARIS);
        assert!(!kinds(&later).contains(&AlertKind::MissingDailyZ));
    }

    #[test]
    fn a_gap_is_an_alert_after_hours_open() {
        let facts = RegisterFacts {
            open_gaps: vec![GapFact {
                first: 1041,
                last: 1045,
                detected_at: paris(12, 2, 9, 0),
            }],
            ..register()
        };
        assert!(register_alerts_(&facts, paris(12, 2, 12, 59), PARIS).is_empty());
        let alerts = register_alerts_(&facts, paris(12, 2, 13, 0), PARIS);
        assert_eq!(kinds(&alerts), vec![AlertKind::OpenGap]);
        assert_eq!(
            alerts[0].title(Lang::Fr),
            "Caisse 2 : tickets n° 1\u{202F}041 à 1\u{202F}045 jamais reçus"
        );
        assert_eq!(
            alerts[0].title(Lang::En),
            "Caisse 2: tickets no. 1,041 to 1,045 never received"
        );
    }

    #[test]
    fn silence_failures_and_settings_concern_registers_in_service() {
        let facts = RegisterFacts {
            last_sync_at: Some(paris(11, 30, 18, 0)),
            failed_sync: Some(("lease_refused".into(), paris(12, 1, 9, 0))),
            setup_failing: Some((vec![SetupItem::Loyalty], paris(11, 30, 18, 0))),
            ..register()
        };
        let now = paris(12, 2, 10, 0);
        let alerts = register_alerts_(&facts, now, PARIS);
        assert_eq!(
            kinds(&alerts),
            vec![
                AlertKind::SyncFailed,
                AlertKind::Silent,
                AlertKind::SetupFailing
            ]
        );
        assert_eq!(alerts[1].since, paris(11, 30, 18, 0));
        assert_eq!(
            alerts[2].title(Lang::En),
            "Caisse 2: settings to check: loyalty programme"
        );
        let suspended = RegisterFacts {
            in_service: false,
            ..facts
        };
        assert!(register_alerts_(&suspended, now, PARIS).is_empty());
        // Never synced since its activation more than a day ago: silent too.
        let never = RegisterFacts {
            last_sync_at: None,
            ..register()
        };
        assert_eq!(
            kinds(&register_alerts_(&never, now, PARIS)),
            vec![AlertKind::Silent]
        );
    }

    #[test]
    fn fiscal_faults_come_first_and_say_what_to_do() {
        let facts = RegisterFacts {
            breaks: vec![BreakFact {
                closure: false,
                sequence: 812,
                detected_at: paris(12, 1, 12, 0),
            }],
            undelivered: Some((3, paris(12, 1, 20, 0))),
            waiting_on_owner_since: Some(paris(11, 28, 10, 0)),
            ..register()
        };
        let alerts = register_alerts_(&facts, paris(12, 2, 10, 0), PARIS);
        assert_eq!(
            kinds(&alerts),
            vec![
                AlertKind::ChainBreak,
                AlertKind::UndeliveredTickets,
                AlertKind::DecommissionWaiting
            ]
        );
        assert_eq!(
            alerts[1].title(Lang::Fr),
            "Caisse 2 : 3 tickets déclarés par ses Z pas encore reçus"
        );
        for alert in &alerts {
            for lang in [Lang::Fr, Lang::En] {
                assert!(!alert.what_to_do(lang).is_empty());
            }
        }
        assert_eq!(alerts[2].kind.link(), "/mise-hors-service");
        // Tickets of a Z that arrived half an hour ago may be on their way.
        let recent = RegisterFacts {
            undelivered: Some((3, paris(12, 2, 9, 30))),
            ..register()
        };
        assert!(register_alerts_(&recent, paris(12, 2, 10, 0), PARIS).is_empty());
    }

    #[test]
    fn an_evaluation_opens_the_new_and_clears_the_gone() {
        let facts = RegisterFacts {
            days_without_z: vec![day(11, 30), day(12, 1)],
            ..register()
        };
        let found = register_alerts_(&facts, paris(12, 2, 9, 0), PARIS);
        let open = vec![found[0].subject(), "silent:7:".to_string()];
        let changes = changes(&found, &open);
        assert_eq!(changes.open, vec![found[1].clone()]);
        assert_eq!(changes.clear, vec!["silent:7:".to_string()]);
        assert_eq!(
            since_words(
                paris(12, 1, 10, 15).with_timezone(&PARIS).naive_local(),
                Lang::Fr
            ),
            "depuis le mardi 1er décembre à 10:15"
        );
    }

    proptest! {
        /// Applying the changes to the open subjects gives exactly the subjects found.
        #[test]
        fn changes_bring_the_open_set_to_what_is_found(
            found_days in proptest::collection::btree_set(0u32..20, 0..8),
            open_days in proptest::collection::btree_set(0u32..20, 0..8),
        ) {
            let subject = |d: u32| format!("missing_daily_z:7:{}", day(11, 1 + d));
            let facts = RegisterFacts {
                days_without_z: found_days.iter().map(|d| day(11, 1 + d)).collect(),
                ..register()
            };
            let found = register_alerts_(&facts, paris(11, 22, 9, 0), PARIS);
            let open: Vec<String> = open_days.iter().map(|d| subject(*d)).collect();
            let c = changes(&found, &open);
            let mut after: Vec<String> = open
                .into_iter()
                .filter(|s| !c.clear.contains(s))
                .chain(c.open.iter().map(Alert::subject))
                .collect();
            after.sort();
            let mut wanted: Vec<String> = found.iter().map(Alert::subject).collect();
            wanted.sort();
            prop_assert_eq!(after, wanted);
        }
    }
}
