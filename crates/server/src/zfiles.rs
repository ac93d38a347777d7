//! A register's Z files as the server checks them: every ticket read once in number order and
//! every closure recomputed from them (see `core::verification`).

use crate::storage::{Storage, StorageResult};
use chrono::NaiveDate;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::verification::{RegisterVerification, RegisterVerifier};

/// Tickets read per query: large enough that round trips do not dominate, small enough that a
/// year of tickets is never held at once.
const TICKET_PAGE: u32 = 5_000;
const CLOSURE_PAGE: u32 = 10_000;

/// Verifies a register end to end: its ticket chain, its closure chain, each closure against
/// the tickets of its period, and the closures due but not received.
/// `today` is the store's business day: closures of periods over before it are due.
pub async fn verify_register(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
    today: NaiveDate,
) -> StorageResult<RegisterVerification> {
    let mut verifier = RegisterVerifier::new(store.time_zone, store.fiscal_year_end_month);
    let mut next = 1;
    loop {
        let page = storage
            .stored_tickets(register.id, next, TICKET_PAGE)
            .await?;
        for (ticket, stored) in &page {
            verifier.add_stored(ticket, stored);
        }
        match page.last() {
            Some((last, _)) if page.len() == TICKET_PAGE as usize => next = last.body.sequence + 1,
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
    Ok(verifier.finish(
        &closures,
        today,
        register.activated_at.map(|at| store.business_date(at)),
        register.suspended_at.map(|at| store.business_date(at)),
    ))
}
