//! The one writer of tickets: a register's push over HTTP and the demo seeding both go
//! through [`push_tickets`], so the rules of `core::sync` apply to every ticket stored.

use crate::storage::{Storage, StorageError};
use chrono_tz::Tz;
use multicaisse_core::sync::{plan_ingest, PushRefusal, PushResponse};
use multicaisse_core::ticket::Ticket;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Refused(#[from] PushRefusal),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Plans a push against what the register's journal already holds, then writes it in one
/// transaction.
pub async fn push_tickets(
    storage: &dyn Storage,
    register_id: i64,
    time_zone: Tz,
    session_id: Option<i64>,
    tickets: &[Ticket],
) -> Result<PushResponse, IngestError> {
    let numbers = tickets.iter().map(|t| t.body.sequence);
    let (Some(first), Some(last)) = (numbers.clone().min(), numbers.max()) else {
        let head = storage.chain_head(register_id).await?;
        return Ok(PushResponse {
            accepted: 0,
            already_known: 0,
            new_gaps: Vec::new(),
            chain_break: None,
            last_ticket: head.map(|h| h.sequence),
        });
    };
    let known = storage.known_chain(register_id, first, last).await?;
    let plan = plan_ingest(tickets, &known, chrono::Utc::now())?;
    storage
        .ingest(register_id, time_zone, session_id, &plan)
        .await?;
    let newest_new = plan.new.iter().map(|t| t.body.sequence).max();
    Ok(PushResponse {
        accepted: plan.new.len() as u64,
        already_known: plan.already_known,
        new_gaps: plan.new_gaps,
        chain_break: plan.chain_break,
        last_ticket: known.last.max(newest_new),
    })
}
