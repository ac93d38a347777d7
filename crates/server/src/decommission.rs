//! The decommission wizard of an extra register, as services: started by the owner (or
//! support), judged at every look from the tickets, closures and syncs, suspended by support
//! only when steps 2 to 4 hold (which revokes the iPad), uninstalled by the owner, cancelled
//! before suspension. Each transition is written with its audit entry, and its evidence, in one
//! transaction.

use crate::error::{AppError, AppResult};
use crate::storage::accounts::{NewAuditEntry, User};
use crate::storage::decommissions::StoredEvidence;
use crate::storage::{JudgedChains, Storage, StorageError};
use crate::zfiles::Reading;
use chrono::{DateTime, Utc};
use multicaisse_core::auth::AuditEvent;
use multicaisse_core::decommission::{
    evaluate, may_cancel, may_confirm, missing_ranges, Decommission, Evidence, Refusal, Step,
    StepView,
};
use multicaisse_core::format::{format_date, Lang};
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};

/// What the server knows of the register now, for steps 2 to 4: read once per request (the
/// chain verification is the costly part), then judged as often as the decisions change.
async fn evidence(
    storage: &dyn Storage,
    register: &Register,
    now: DateTime<Utc>,
    reading: Reading,
) -> AppResult<(Store, Evidence)> {
    let stored: StoredEvidence = storage.decommission_evidence(register.id).await?;
    let store = crate::lookup::store_or_404(storage, register.store_id).await?;
    let verification =
        crate::zfiles::verify_register(storage, &store, register, store.today(now), reading)
            .await?;
    let missing_tickets = stored
        .declared_through
        .map(|last| missing_ranges(1, last, &stored.received_through_declared))
        .unwrap_or_default();
    let evidence = Evidence {
        last_ticket: stored.last_ticket,
        final_closure: stored.final_closure,
        syncs_after_closure: stored.syncs_after_closure,
        missing_tickets,
        verification_fault: verification.first_fault(),
        month_sales_ttc: multicaisse_core::Cents(stored.month_sales_ttc),
    };
    Ok((store, evidence))
}

/// Every step judged on `evidence`, with what blocks in `lang`.
fn judged(mut decommission: Decommission, evidence: &Evidence, lang: Lang) -> Decommission {
    decommission.steps = evaluate(&decommission.progress, evidence)
        .into_iter()
        .map(|status| StepView::of(status, lang))
        .collect();
    decommission.final_closure = evidence.final_closure.clone();
    decommission.syncs_after_closure = evidence.syncs_after_closure.clone();
    decommission
}

/// Judges every step now, and words what blocks in `lang`.
async fn assess(
    storage: &dyn Storage,
    register: &Register,
    decommission: Decommission,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Decommission> {
    // Shown, and asked for every few seconds while the wizard is open.
    let (_, evidence) = evidence(storage, register, now, Reading::FromCheckpoint).await?;
    Ok(judged(decommission, &evidence, lang))
}

/// The audit entry of a decision on `register`'s wizard, written in the decision's transaction.
fn audit(
    actor: &User,
    event: AuditEvent,
    register: &Register,
    at: DateTime<Utc>,
    detail: String,
) -> NewAuditEntry {
    let detail = format!(
        "register {} `{}`: {detail}",
        register.number, register.label
    );
    NewAuditEntry::by(actor, event, register.store_id, at, detail).on_register(register.id)
}

/// The register's current wizard (not cancelled).
async fn current(storage: &dyn Storage, register: &Register) -> AppResult<Decommission> {
    storage
        .decommission_of_register(register.id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "register {} is not being decommissioned",
                register.number
            ))
        })
}

/// What a step's confirmation rests on, once it may be confirmed.
struct Confirmable {
    store: Store,
    evidence: Evidence,
    decommission: Decommission,
    /// The figures the confirmation was judged on, re-checked in the transaction that
    /// suspends.
    judged: JudgedChains,
}

/// The register's wizard, its store and the evidence, if `step` may be confirmed now; the
/// reason otherwise.
async fn confirmable(
    storage: &dyn Storage,
    register: &Register,
    step: Step,
    now: DateTime<Utc>,
) -> AppResult<Confirmable> {
    let decommission = current(storage, register).await?;
    // Read before the evidence: a closure arriving in between makes the re-check refuse,
    // never pass.
    let last_closure = storage.closure_head(register.id).await?.map(|h| h.sequence);
    // A step confirmed rests on the whole chain, read again.
    let (store, evidence) = evidence(storage, register, now, Reading::Full).await?;
    let states = evaluate(&decommission.progress, &evidence);
    may_confirm(step, &decommission.progress, &states).map_err(AppError::Decommission)?;
    let judged = JudgedChains {
        last_ticket: evidence.last_ticket,
        last_closure,
    };
    Ok(Confirmable {
        store,
        evidence,
        decommission,
        judged,
    })
}

/// Step 1: an extra register in service enters the wizard.
pub async fn start(
    storage: &dyn Storage,
    actor: &User,
    register: &Register,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Decommission> {
    if register.kind == RegisterKind::Principal {
        return Err(AppError::Decommission(Refusal::Principal));
    }
    if register.status != RegisterStatus::Active {
        return Err(AppError::Decommission(Refusal::NotInService(
            register.number,
        )));
    }
    let started = audit(
        actor,
        AuditEvent::DecommissionStarted,
        register,
        now,
        "started".into(),
    );
    let decommission = storage
        .insert_decommission(register.store_id, register.id, actor.id, now, &started)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => {
                AppError::Decommission(Refusal::AlreadyInProgress(register.number))
            }
            other => other.into(),
        })?;
    assess(storage, register, decommission, now, lang).await
}

/// The wizard as it stands, judged now.
pub async fn show(
    storage: &dyn Storage,
    register: &Register,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Decommission> {
    let decommission = current(storage, register).await?;
    assess(storage, register, decommission, now, lang).await
}

/// Step 5, support only: the register is suspended and its iPad revoked, on the evidence the
/// steps before rest on, kept in the audit entry.
pub async fn suspend(
    storage: &dyn Storage,
    actor: &User,
    register: &Register,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Decommission> {
    let Confirmable {
        store,
        evidence,
        decommission,
        judged: seen,
    } = confirmable(storage, register, Step::Suspended, now).await?;
    let reason = format!(
        "cette caisse a été mise hors service le {}, désinstallez l'application",
        format_date(store.today(now), Lang::Fr)
    );
    let grounds = match &evidence.final_closure {
        Some(c) => format!(
            "final monthly closure {} ({}), hash {}; syncs after it: {}",
            c.sequence,
            c.month.format("%Y-%m"),
            c.hash,
            evidence
                .syncs_after_closure
                .iter()
                .map(|s| s.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "no closure".into(),
    };
    let entry = audit(
        actor,
        AuditEvent::DecommissionSuspended,
        register,
        now,
        format!("suspended and device revoked; {grounds}"),
    );
    let suspended = storage
        .suspend_decommission(decommission.id, actor.id, &reason, now, seen, &entry)
        .await?;
    Ok(judged(suspended, &evidence, lang))
}

/// Step 6: the owner confirms the app is uninstalled; the register is archived.
pub async fn uninstall(
    storage: &dyn Storage,
    actor: &User,
    register: &Register,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Decommission> {
    let Confirmable {
        evidence,
        decommission,
        ..
    } = confirmable(storage, register, Step::Uninstalled, now).await?;
    let entry = audit(
        actor,
        AuditEvent::DecommissionUninstalled,
        register,
        now,
        "uninstall confirmed; the register is archived".into(),
    );
    let done = storage
        .uninstall_decommission(decommission.id, actor.id, now, &entry)
        .await?;
    Ok(judged(done, &evidence, lang))
}

/// Leaves the wizard, before suspension only.
pub async fn cancel(
    storage: &dyn Storage,
    actor: &User,
    register: &Register,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Decommission> {
    let decommission = current(storage, register).await?;
    may_cancel(&decommission.progress).map_err(AppError::Decommission)?;
    let entry = audit(
        actor,
        AuditEvent::DecommissionCancelled,
        register,
        now,
        "cancelled before suspension".into(),
    );
    let cancelled = storage
        .cancel_decommission(decommission.id, actor.id, now, &entry)
        .await?;
    assess(storage, register, cancelled, now, lang).await
}

/// Every wizard in progress, across stores, judged now (support's list).
/// The decommissions in progress, of one store or of every store (support's list).
pub async fn in_progress(
    storage: &dyn Storage,
    store_id: Option<i64>,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Vec<Decommission>> {
    let mut all = Vec::new();
    let under_way = storage.decommissions_in_progress().await?;
    for decommission in under_way
        .into_iter()
        .filter(|d| store_id.is_none_or(|id| d.store_id == id))
    {
        let register = crate::lookup::register_or_404(storage, decommission.register_id).await?;
        all.push(assess(storage, &register, decommission, now, lang).await?);
    }
    Ok(all)
}
