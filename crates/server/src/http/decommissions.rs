//! The decommission wizard of an extra register: started by the owner (or support), judged at
//! every look from the tickets, closures and syncs, suspended by support only when steps 2 to
//! 4 hold (which revokes the iPad), uninstalled by the owner. Every transition is in the audit
//! log with its evidence.

use super::caller::Caller;
use super::routes::{schema, Access, ApiRoutes, QueryParam, RouteDoc};
use super::{lang_only, AppState};
use crate::error::{AppError, AppResult};
use crate::storage::accounts::NewAuditEntry;
use crate::storage::decommissions::StoredEvidence;
use crate::zfiles::Reading;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::auth::{AuditEvent, Capability};
use multicaisse_core::decommission::{
    evaluate, may_cancel, may_confirm, missing_ranges, Decommission, Evidence, Refusal, Step,
    StepView,
};
use multicaisse_core::format::{format_date, Lang};
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};
use multicaisse_core::verification::{ChainBreak, RegisterVerification};

const LANG_QUERY: &[QueryParam] = &[("lang", false, "fr (the default) or en, for the reasons")];

pub fn routes() -> ApiRoutes {
    let path = "/registers/{register_id}/decommission";
    let with_lang = |doc: RouteDoc| RouteDoc {
        query: LANG_QUERY,
        ..doc
    };
    ApiRoutes::default()
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                path,
                "Start decommissioning an extra register (owner, support); refused for the principal register, a register not in service, or one already being decommissioned",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            start,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::GET,
                path,
                "The register's decommission: each step's state, judged now from its tickets, closures and syncs, and what blocks in words",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            show,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                "/registers/{register_id}/decommission/suspend",
                "Step 5, support staff only, once steps 2 to 4 hold: the register suspended (billing ends today) and its iPad's token revoked",
                Access::Support,
                None,
                schema::<Decommission>,
            )),
            suspend,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                "/registers/{register_id}/decommission/uninstall",
                "Step 7: the owner confirms the app is uninstalled; the register is archived, its data and Z files kept",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            uninstall,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                "/registers/{register_id}/decommission/cancel",
                "Cancel a decommission before its suspension",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            cancel,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::GET,
                "/decommissions",
                "Decommissions in progress across stores, each with its steps and what blocks (support staff)",
                Access::Support,
                None,
                schema::<Vec<Decommission>>,
            )),
            in_progress,
        )
}

/// The first thing that fails verification, in words; tickets missing are told apart.
fn verification_fault(verification: &RegisterVerification) -> Option<String> {
    let ticket_fault = match verification.tickets.first_break {
        Some(ChainBreak::Altered { sequence }) => {
            Some(format!("ticket {sequence} was altered after sealing"))
        }
        Some(ChainBreak::Unlinked { sequence }) => Some(format!(
            "ticket {sequence} does not link to the ticket before it"
        )),
        Some(ChainBreak::Missing { .. }) | None => None,
    };
    ticket_fault
        .or_else(|| {
            verification
                .closures_chain
                .first_break
                .map(|b| format!("the closures' chain breaks: {b:?}"))
        })
        .or_else(|| {
            verification
                .closures
                .iter()
                .find(|c| c.is_fault())
                .map(|c| format!("closure {} does not verify", c.closure.sequence))
        })
}

/// What the server knows of the register now, for steps 2 to 4: read once per request (the
/// chain verification is the costly part), then judged as often as the decisions change.
async fn evidence(
    state: &AppState,
    register: &Register,
    reading: Reading,
) -> AppResult<(Store, Evidence)> {
    let stored: StoredEvidence = state.storage.decommission_evidence(register.id).await?;
    let store = super::store_or_404(state.storage.as_ref(), register.store_id).await?;
    let verification = crate::zfiles::verify_register(
        state.storage.as_ref(),
        &store,
        register,
        store.today(Utc::now()),
        reading,
    )
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
        verification_fault: verification_fault(&verification),
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
    state: &AppState,
    register: &Register,
    decommission: Decommission,
    lang: Lang,
) -> AppResult<Decommission> {
    // Shown, and asked for every few seconds while the wizard is open.
    let (_, evidence) = evidence(state, register, Reading::FromCheckpoint).await?;
    Ok(judged(decommission, &evidence, lang))
}

/// The audit entry of a decision on `register`'s wizard, written in the decision's transaction.
fn audit(
    caller: &Caller,
    event: AuditEvent,
    register: &Register,
    at: chrono::DateTime<Utc>,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        event,
        store_id: Some(register.store_id),
        actor: Some((caller.user.id, caller.user.email.clone())),
        subject: None,
        role: None,
        previous_role: None,
        detail: format!(
            "register {} `{}`: {detail}",
            register.number, register.label
        ),
    }
}

/// The register's current wizard (not cancelled), for a caller allowed `capability` there.
async fn current(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    capability: Capability,
) -> AppResult<(Register, Decommission)> {
    let register = caller.register(state, raw_id, capability).await?;
    let decommission = state
        .storage
        .decommission_of_register(register.id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "register {} is not being decommissioned",
                register.number
            ))
        })?;
    Ok((register, decommission))
}

/// What a step's confirmation rests on, once it may be confirmed.
struct Confirmable {
    register: Register,
    store: Store,
    evidence: Evidence,
    decommission: Decommission,
    /// The figures the confirmation was judged on, re-checked in the transaction that
    /// suspends.
    judged: crate::storage::JudgedChains,
}

/// The register's wizard, its store and the evidence, if `step` may be confirmed now; the
/// reason otherwise.
async fn confirmable(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    step: Step,
) -> AppResult<Confirmable> {
    let (register, decommission) = current(state, caller, raw_id, Capability::Decommission).await?;
    // Read before the evidence: a closure arriving in between makes the re-check refuse,
    // never pass.
    let last_closure = state
        .storage
        .closure_head(register.id)
        .await?
        .map(|h| h.sequence);
    // A step confirmed rests on the whole chain, read again.
    let (store, evidence) = evidence(state, &register, Reading::Full).await?;
    let states = evaluate(&decommission.progress, &evidence);
    may_confirm(step, &decommission.progress, &states).map_err(AppError::Decommission)?;
    let judged = crate::storage::JudgedChains {
        last_ticket: evidence.last_ticket,
        last_closure,
    };
    Ok(Confirmable {
        register,
        store,
        evidence,
        decommission,
        judged,
    })
}

async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let register = caller
        .register(&state, &id, Capability::Decommission)
        .await?;
    if register.kind == RegisterKind::Principal {
        return Err(AppError::Decommission(Refusal::Principal));
    }
    if register.status != RegisterStatus::Active {
        return Err(AppError::Decommission(Refusal::NotInService(
            register.number,
        )));
    }
    let now = Utc::now();
    let started = audit(
        &caller,
        AuditEvent::DecommissionStarted,
        &register,
        now,
        "started".into(),
    );
    let decommission = state
        .storage
        .insert_decommission(
            register.store_id,
            register.id,
            caller.user.id,
            now,
            &started,
        )
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::Conflict(_) => {
                AppError::Decommission(Refusal::AlreadyInProgress(register.number))
            }
            other => other.into(),
        })?;
    Ok(Json(assess(&state, &register, decommission, lang).await?))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let (register, decommission) = current(&state, &caller, &id, Capability::Decommission).await?;
    Ok(Json(assess(&state, &register, decommission, lang).await?))
}

async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    caller.require_support()?;
    let Confirmable {
        register,
        store,
        evidence,
        decommission,
        judged: seen,
    } = confirmable(&state, &caller, &id, Step::Suspended).await?;
    let now = Utc::now();
    let reason = format!(
        "cette caisse a été mise hors service le {}, désinstallez l'application",
        format_date(store.today(now), Lang::Fr)
    );
    // The evidence the suspension rests on, kept with it.
    let grounds = match &evidence.final_closure {
        Some(c) => format!(
            "final monthly closure {} ({}), hash {}; syncs after it: {:?}",
            c.sequence,
            c.month.format("%Y-%m"),
            c.hash,
            evidence
                .syncs_after_closure
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        ),
        None => "no closure".into(),
    };
    let entry = audit(
        &caller,
        AuditEvent::DecommissionSuspended,
        &register,
        now,
        format!("suspended and device revoked; {grounds}"),
    );
    let suspended = state
        .storage
        .suspend_decommission(decommission.id, caller.user.id, &reason, now, seen, &entry)
        .await?;
    Ok(Json(judged(suspended, &evidence, lang)))
}

async fn uninstall(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let Confirmable {
        register,
        evidence,
        decommission,
        ..
    } = confirmable(&state, &caller, &id, Step::Uninstalled).await?;
    let now = Utc::now();
    let entry = audit(
        &caller,
        AuditEvent::DecommissionUninstalled,
        &register,
        now,
        "uninstall confirmed; the register is archived".into(),
    );
    let done = state
        .storage
        .uninstall_decommission(decommission.id, caller.user.id, now, &entry)
        .await?;
    Ok(Json(judged(done, &evidence, lang)))
}

async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let (register, decommission) = current(&state, &caller, &id, Capability::Decommission).await?;
    may_cancel(&decommission.progress).map_err(AppError::Decommission)?;
    let now = Utc::now();
    let entry = audit(
        &caller,
        AuditEvent::DecommissionCancelled,
        &register,
        now,
        "cancelled before suspension".into(),
    );
    let cancelled = state
        .storage
        .cancel_decommission(decommission.id, caller.user.id, now, &entry)
        .await?;
    Ok(Json(assess(&state, &register, cancelled, lang).await?))
}

async fn in_progress(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Vec<Decommission>>> {
    let lang = lang_only(query.as_deref())?;
    caller.require_support()?;
    let mut all = Vec::new();
    for decommission in state.storage.decommissions_in_progress().await? {
        let register =
            super::register_or_404(state.storage.as_ref(), decommission.register_id).await?;
        all.push(assess(&state, &register, decommission, lang).await?);
    }
    Ok(Json(all))
}
