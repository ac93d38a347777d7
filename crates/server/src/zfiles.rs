//! A register's Z files as the server checks them: every ticket read once in number order and
//! every closure recomputed from them (see `core::verification`).

use crate::storage::{Storage, StorageError, StorageResult};
use chrono::NaiveDate;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::verification::{RegisterVerification, RegisterVerifier};
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

/// Verifies a register end to end: its ticket chain, its closure chain, each closure against
/// the tickets of its period, and the closures due but not received.
/// `today` is the store's business day: closures of periods over before it are due.
pub async fn verify_register(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
    today: NaiveDate,
) -> StorageResult<RegisterVerification> {
    let _permit = VERIFICATIONS
        .acquire()
        .await
        .map_err(|e| StorageError::Corrupt(format!("verification queue closed: {e}")))?;
    let mut verifier = RegisterVerifier::new(store.time_zone, store.fiscal_year_end_month);
    let mut next = 1;
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
