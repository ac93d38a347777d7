//! What needs attention in each shop: the facts gathered a shop at a time, core's rule
//! applied, the alerts kept (opened, cleared), and the owners mailed of the new ones. Run
//! after a sync, on a schedule, and when someone looks.

use crate::error::{AppError, AppResult};
use crate::mail::Mailer;
use crate::storage::Storage;
use chrono::{DateTime, Duration, Utc};
use multicaisse_core::alerts::{changes, register_alerts, Alert, OpenAlert, RegisterFacts};
use multicaisse_core::auth::Role;
use std::collections::HashMap;
use std::sync::Arc;

/// How often every shop is looked at, for alerts that come with time (a Z due in the
/// morning, a register silent for a day) and no sync to bring them.
pub const EVALUATE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Where alert mails go from, and the address of the dashboard they point to.
#[derive(Clone)]
pub struct AlertMail {
    pub mailer: Arc<Mailer>,
    pub dashboard_url: String,
}

/// What an evaluation needs besides the storage.
#[derive(Clone)]
pub struct Evaluator {
    pub storage: Arc<dyn Storage>,
    pub mail: Option<AlertMail>,
    /// A sync in progress longer than this many leases was interrupted.
    pub sync_lease: Duration,
    /// How long tickets may stay missing before they are an alert.
    pub missing_grace: Duration,
    /// One evaluation of a shop at a time in this process: an evaluation started after a
    /// refused sync and finishing after a later one would open again what the later one
    /// closed, from facts that were no longer true.
    pub evaluating: StoreLocks,
}

/// A lock per shop, made on first use.
#[derive(Clone, Default)]
pub struct StoreLocks(Arc<std::sync::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>>);

impl StoreLocks {
    fn of(&self, store_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(store_id).or_default().clone()
    }
}

/// Leases a sync may stay "in progress" before it counts as interrupted.
const INTERRUPTED_AFTER_LEASES: i32 = 4;

/// The latest attempt's outcomes that say a sync did not go through.
fn failed(outcome: &str, at: DateTime<Utc>, now: DateTime<Utc>, lease: Duration) -> bool {
    match outcome {
        "refused" | "expired" | "failed" => true,
        "in_progress" => now - at > lease * INTERRUPTED_AFTER_LEASES,
        _ => false,
    }
}

/// A register's rows of a shop's facts.
fn of_register<T: Copy>(rows: &[(i64, T)], register_id: i64) -> Vec<T> {
    rows.iter()
        .filter(|(r, _)| *r == register_id)
        .map(|(_, x)| *x)
        .collect()
}

impl Evaluator {
    /// The shop, and every register's facts at `now`.
    async fn facts(
        &self,
        store_id: i64,
        now: DateTime<Utc>,
    ) -> AppResult<(multicaisse_core::store::Store, Vec<RegisterFacts>)> {
        let storage = self.storage.as_ref();
        let (store, registers) = storage
            .store_with_registers(store_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("store {store_id} does not exist")))?;
        let today = store.today(now);
        let since = today - Duration::days(multicaisse_core::alerts::Z_LOOKBACK_DAYS);
        let (facts, status, setup, decommissions) = tokio::join!(
            storage.alert_facts(store_id, since, today),
            storage.sync_status(store_id),
            crate::setup::shop_setup(storage, &store, &registers),
            storage.decommissions_in_progress(),
        );
        let (facts, setup) = (facts?, setup?);
        let status: HashMap<i64, _> = status?.into_iter().map(|s| (s.register_id, s)).collect();
        let waiting: HashMap<i64, DateTime<Utc>> = decommissions?
            .into_iter()
            .filter(|d| d.store_id == store_id && d.progress.uninstalled_at.is_none())
            .filter_map(|d| Some((d.register_id, d.progress.suspended_at?)))
            .collect();
        let lines = registers
            .into_iter()
            .zip(setup)
            .map(|(register, checked)| {
                let id = register.id;
                let sync = status.get(&id);
                let failed_sync = sync.and_then(|s| s.last_attempt.as_ref()).and_then(|a| {
                    failed(&a.outcome, a.at, now, self.sync_lease)
                        .then(|| (a.outcome.clone(), a.at))
                });
                let failing: Vec<_> = checked
                    .checks
                    .iter()
                    .filter(|c| !c.passed())
                    .map(|c| c.item)
                    .collect();
                let undelivered =
                    facts.declared.iter().find(|(r, ..)| *r == id).map(
                        |(_, declared, received, at)| (declared.saturating_sub(*received), *at),
                    );
                let facts = RegisterFacts {
                    register_id: id,
                    number: register.number,
                    label: register.label.clone(),
                    in_service: sync.is_some_and(|s| s.facts.in_service),
                    activated_at: register.activated_at,
                    last_sync_at: sync.and_then(|s| s.facts.last_sync_at),
                    days_without_z: of_register(&facts.days_without_z, id),
                    open_gaps: of_register(&facts.open_gaps, id),
                    breaks: of_register(&facts.breaks, id),
                    undelivered,
                    failed_sync,
                    setup_failing: checked.reported_at.map(|at| (failing, at)),
                    waiting_on_owner_since: waiting.get(&id).copied(),
                };
                facts
            })
            .collect();
        Ok((store, lines))
    }

    /// Brings a shop's alerts to what the rule finds at `now`, mails the owners of those
    /// that opened, and returns the open ones.
    pub async fn evaluate(&self, store_id: i64, now: DateTime<Utc>) -> AppResult<Vec<OpenAlert>> {
        let lock = self.evaluating.of(store_id);
        let _alone = lock.lock().await;
        let storage = self.storage.as_ref();
        let (store, facts) = self.facts(store_id, now).await?;
        let found: Vec<Alert> = facts
            .iter()
            .flat_map(|facts| register_alerts(facts, now, store.time_zone, self.missing_grace))
            .collect();
        let open = storage.open_alerts(Some(store_id)).await?;
        let subjects: Vec<String> = open.iter().map(|a| a.alert.subject()).collect();
        let change = changes(&found, &subjects);
        let lasting: Vec<Alert> = found
            .iter()
            .filter(|a| subjects.contains(&a.subject()))
            .cloned()
            .collect();
        let opened = storage
            .apply_alert_changes(store_id, &change, &lasting, now)
            .await?;
        let open = storage.open_alerts(Some(store_id)).await?;
        if let (Some(mail), false) = (&self.mail, opened.is_empty()) {
            let new: Vec<&OpenAlert> = open.iter().filter(|a| opened.contains(&a.id)).collect();
            self.mail_owners(mail, &store, &new, now).await?;
        }
        Ok(open)
    }

    async fn mail_owners(
        &self,
        mail: &AlertMail,
        store: &multicaisse_core::store::Store,
        new: &[&OpenAlert],
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let storage = self.storage.as_ref();
        let owners: Vec<String> = storage
            .members(store.id)
            .await?
            .into_iter()
            .filter(|m| m.role == Role::Owner)
            .map(|m| m.email)
            .collect();
        let dated: Vec<(Alert, chrono::NaiveDateTime)> = new
            .iter()
            .map(|a| {
                let local = a.alert.since.with_timezone(&store.time_zone).naive_local();
                (a.alert.clone(), local)
            })
            .collect();
        let text = multicaisse_core::mail::alerts_opened(&store.name, &dated, &mail.dashboard_url);
        for owner in owners {
            mail.mailer.send_later(owner, text.clone());
        }
        let ids: Vec<i64> = new.iter().map(|a| a.id).collect();
        storage.alerts_mailed(&ids, now).await?;
        Ok(())
    }

    /// Every shop, one after the other; a shop that fails is logged and the others go on.
    pub async fn evaluate_all(&self, now: DateTime<Utc>) {
        let stores = match self.storage.stores().await {
            Ok(stores) => stores,
            Err(error) => {
                tracing::warn!(%error, "alerts: cannot list the shops");
                return;
            }
        };
        for store in stores {
            if let Err(error) = self.evaluate(store.id, now).await {
                tracing::warn!(store = store.id, %error, "alerts: evaluation failed");
            }
        }
    }

    /// After a sync brought data, without holding up the register's answer.
    pub fn evaluate_soon(&self, store_id: i64) {
        let evaluator = self.clone();
        tokio::spawn(async move {
            if let Err(error) = evaluator.evaluate(store_id, Utc::now()).await {
                tracing::warn!(store = store_id, %error, "alerts: evaluation failed");
            }
        });
    }
}

/// Looks at every shop every [`EVALUATE_EVERY`], until aborted.
pub async fn evaluate_regularly(evaluator: Evaluator) {
    let mut every = tokio::time::interval(EVALUATE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        evaluator.evaluate_all(Utc::now()).await;
    }
}
