//! A register's Z files as the server checks them: every ticket read once in number order and
//! every closure recomputed from them (see `core::verification`).

use crate::storage::checkpoints::StoredCheckpoint;
use crate::storage::{Storage, StorageError, StorageResult};
use chrono::{NaiveDate, Utc};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::verification::{RegisterVerification, RegisterVerifier, VerifiedThrough};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// Tickets read per query: large enough that round trips do not dominate, small enough that a
/// year of tickets is never held at once.
const TICKET_PAGE: u32 = 5_000;
const CLOSURE_PAGE: u32 = 10_000;

/// Verifications running at once. Each is CPU-bound (a year of tickets hashed and summed),
/// so beyond this they queue instead of taking every core from the requests of other shops.
const CONCURRENT_VERIFICATIONS: usize = 2;

static VERIFICATIONS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(CONCURRENT_VERIFICATIONS));

/// Runs CPU work on the blocking pool: on an async worker it would stall every request that
/// worker serves.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> StorageResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StorageError::Corrupt(format!("verification stopped: {e}")))
}

/// How much of the register a verification reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// From the register's verified-through checkpoint, when it still holds, at the cost of
    /// what arrived since: for what asks again and again (the wizard's page every few
    /// seconds, support's list at each load).
    FromCheckpoint,
    /// Every ticket from number 1, hashed again, and the checkpoint written afresh: for what
    /// someone relies on (the verification asked for, every Z file, a decommission step
    /// confirmed). The checkpoint trusts the tickets below it to be as they were, which the
    /// database's triggers ensure; a full reading trusts nothing but the tickets.
    Full,
}

/// Verifies a register end to end: its ticket chain, its closure chain, each closure against
/// the tickets of its period, and the closures due but not received.
/// `today` is the store's business day: closures of periods over before it are due.
pub async fn verify_register(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
    today: NaiveDate,
    reading: Reading,
) -> StorageResult<RegisterVerification> {
    let _permit = VERIFICATIONS
        .acquire()
        .await
        .map_err(|e| StorageError::Corrupt(format!("verification queue closed: {e}")))?;
    let _timed = crate::metrics::Timed::new(crate::metrics::VERIFICATION_DURATION);
    let resumed = match reading {
        Reading::FromCheckpoint => resume(storage, store, register).await?,
        Reading::Full => None,
    };
    let resumed_through = resumed.as_ref().map(|(_, through)| *through);
    let (mut verifier, mut next) = match resumed {
        Some((verifier, through)) => (verifier, through + 1),
        None => (
            RegisterVerifier::new(store.time_zone, store.fiscal_year_end_month),
            1,
        ),
    };
    loop {
        let page = storage
            .stored_tickets(register.id, next, TICKET_PAGE)
            .await?;
        let full = page.len() == TICKET_PAGE as usize;
        let last = page.last().map(|(t, _)| t.body.sequence);
        verifier = off_the_workers(move || {
            for (ticket, stored) in &page {
                verifier.add_stored(ticket, stored);
            }
            verifier
        })
        .await?;
        match last {
            Some(last) if full => next = last + 1,
            _ => break,
        }
    }
    let (checkpoint, verifier) = off_the_workers(move || {
        let kept = verifier.checkpoint().and_then(|checkpoint| {
            let state = serde_json::to_string(&checkpoint).ok()?;
            let seal = checkpoint.seal(state.as_bytes()).to_hex();
            Some(StoredCheckpoint {
                through: checkpoint.through(),
                state,
                seal,
            })
        });
        (kept, verifier)
    })
    .await?;
    if let Some(checkpoint) = checkpoint.filter(|c| Some(c.through) != resumed_through) {
        storage
            .save_verification_checkpoint(register.id, &checkpoint, Utc::now())
            .await?;
    }
    let mut closures = Vec::new();
    let mut next = 1;
    loop {
        let page = storage.closures(register.id, next, CLOSURE_PAGE).await?;
        let full = page.len() == CLOSURE_PAGE as usize;
        if let Some(last) = page.last() {
            next = last.body.sequence + 1;
        }
        closures.extend(page);
        if !full {
            break;
        }
    }
    let activated = register.activated_at.map(|at| store.business_date(at));
    let suspended = register.suspended_at.map(|at| store.business_date(at));
    off_the_workers(move || verifier.finish(&closures, today, activated, suspended)).await
}

/// The verifier as the register's checkpoint left it, and the ticket it stopped at, when the
/// checkpoint still holds: its seal matches its bytes, the ticket it was taken on is stored
/// as it was, and the store's time zone is the same. Otherwise none: the reading starts at 1.
async fn resume(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
) -> StorageResult<Option<(RegisterVerifier, u64)>> {
    let Some(stored) = storage.verification_checkpoint(register.id).await? else {
        return Ok(None);
    };
    let last = storage
        .stored_tickets(register.id, stored.through, 1)
        .await?;
    let (time_zone, fiscal_end) = (store.time_zone, store.fiscal_year_end_month);
    let register_id = register.id;
    off_the_workers(move || {
        let checkpoint: VerifiedThrough = serde_json::from_str(&stored.state).ok()?;
        let (ticket, derived) = last.first()?;
        let sound = checkpoint.through() == stored.through
            && checkpoint.seal(stored.state.as_bytes()).to_hex() == stored.seal
            && checkpoint.holds_for(ticket, derived);
        if !sound {
            tracing::warn!(
                register = register_id,
                "a verification checkpoint does not hold: the register is read in full"
            );
            return None;
        }
        let through = checkpoint.through();
        RegisterVerifier::resume(checkpoint, time_zone, fiscal_end).map(|v| (v, through))
    })
    .await
}
