//! The one writer of register data: a register's push over HTTP and the demo seeding both go
//! through [`push`], so the rules of `core::sync` apply to everything stored.

use crate::storage::{PushPlan, Storage, StorageError};
use chrono::Utc;
use chrono_tz::Tz;
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::Closure;
use multicaisse_core::store::Register;
use multicaisse_core::sync::{
    check_changes, check_correction, check_gap_explanations, open_gaps_after, plan_ingest_hashed,
    plan_records_hashed, GapExplanation, KnownChain, OpenGap, PushRefusal, PushResponse,
    RegisterSettings, SharedChange, MAX_CLOSURES_PER_PUSH,
};
use multicaisse_core::ticket::Ticket;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Refused(#[from] PushRefusal),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a register pushes in one request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Push<'a> {
    pub tickets: &'a [Ticket],
    pub closures: &'a [Closure],
    pub settings: Option<&'a RegisterSettings>,
    pub changes: &'a [SharedChange],
    pub gap_explanations: &'a [GapExplanation],
    /// The register's request is under its register's lease, re-checked when writing (the
    /// sync API); the demo's seeded history is not.
    pub under_lease: bool,
}

fn range(numbers: impl Iterator<Item = u64> + Clone) -> Option<(u64, u64)> {
    Some((numbers.clone().min()?, numbers.max()?))
}

/// Identifies a batch by what it carries, content included: two batches with the same digest
/// are the same batch. Built from the records' claimed and content hashes (computed once, and
/// reused by the planner) and the small rest of the push.
fn batch_digest(
    push: &Push<'_>,
    ticket_hashes: &[ChainHash],
    closure_hashes: &[ChainHash],
) -> Result<String, IngestError> {
    let mut digest = Sha256::new();
    for (claimed, content) in push
        .tickets
        .iter()
        .map(|t| t.hash)
        .zip(ticket_hashes)
        .chain(push.closures.iter().map(|c| c.hash).zip(closure_hashes))
    {
        digest.update(claimed.0);
        digest.update(content.0);
    }
    digest.update(push.tickets.len().to_le_bytes());
    let rest = serde_json::to_vec(&(push.settings, push.changes, push.gap_explanations))
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    digest.update(rest);
    Ok(hex::encode(digest.finalize()))
}

/// Plans a push against what the register's journals already hold, then writes it in one
/// transaction; nothing of a refused push is written. The same batch again gets the same
/// answer, the one stored the first time.
pub async fn push(
    storage: &dyn Storage,
    register: &Register,
    time_zone: Tz,
    session_id: Option<i64>,
    push: Push<'_>,
) -> Result<PushResponse, IngestError> {
    let now = Utc::now();
    // Bounded before anything is hashed or read (changes: `check_changes`): a push holds the
    // write lock while it writes.
    if push.closures.len() > MAX_CLOSURES_PER_PUSH {
        return Err(PushRefusal::TooManyRecords {
            what: "closures",
            max: MAX_CLOSURES_PER_PUSH,
            got: push.closures.len(),
        }
        .into());
    }
    let ticket_hashes: Vec<ChainHash> = push.tickets.iter().map(Ticket::content_hash).collect();
    let closure_hashes: Vec<ChainHash> = push.closures.iter().map(Closure::content_hash).collect();
    let digest = batch_digest(&push, &ticket_hashes, &closure_hashes)?;
    if let Some((stored, first_session)) = storage.push_receipt(register.id, &digest).await? {
        // The same answer as the first time; but a later sync saying it again ("nothing left
        // unsent") is news of now, while a late copy in the same session is not.
        if let Some(settings) = push.settings {
            settings.validate()?;
            let news = session_id.is_none() || first_session != session_id;
            storage
                .replay_settings(register.id, settings, now, news)
                .await?;
        }
        return serde_json::from_str(&stored)
            .map_err(|e| StorageError::Corrupt(format!("push receipt: {e}")).into());
    }
    if let Some(settings) = push.settings {
        settings.validate()?;
    }
    check_changes(push.changes)?;
    let known_tickets = match range(push.tickets.iter().map(|t| t.body.sequence)) {
        Some((first, last)) => storage.known_chain(register.id, first, last).await?,
        None => KnownChain {
            last: storage.chain_head(register.id).await?.map(|h| h.sequence),
            ..KnownChain::default()
        },
    };
    let tickets = plan_ingest_hashed(push.tickets, &ticket_hashes, &known_tickets, now)?;
    let known_closures = match range(push.closures.iter().map(|c| c.body.sequence)) {
        Some((first, last)) => storage.known_closures(register.id, first, last).await?,
        None => KnownChain::default(),
    };
    let closures = plan_records_hashed(push.closures, &closure_hashes, &known_closures, now)?;
    for correction in push.closures {
        let Some(corrects) = correction.body.corrects else {
            continue;
        };
        let corrected = match push.closures.iter().find(|c| c.body.sequence == corrects) {
            Some(in_push) => Some(in_push.body.clone()),
            None => storage
                .closures(register.id, corrects, 1)
                .await?
                .into_iter()
                .find(|c| c.body.sequence == corrects)
                .map(|c| c.body),
        };
        check_correction(&correction.body, corrected.as_ref())?;
    }
    let ids: Vec<&str> = push.changes.iter().map(|c| c.id.as_str()).collect();
    let known_changes = if ids.is_empty() {
        Default::default()
    } else {
        storage.known_changes(register.id, &ids).await?
    };
    let mut changes = Vec::new();
    for change in push.changes {
        match known_changes.get(&change.id) {
            None => changes.push(change),
            Some(stored) if *stored == crate::storage::change_payload(&change.change)? => {}
            Some(_) => return Err(PushRefusal::ConflictingChange(change.id.clone()).into()),
        }
    }
    let open_before = storage.open_gaps(register.id).await?;
    if !push.gap_explanations.is_empty() {
        // A gap may be explained in the very push that reveals it.
        let mut open = open_before.clone();
        open.extend(tickets.new_gaps.iter().map(|g| OpenGap {
            first: g.first,
            last: g.last,
            missing: g.last - g.first + 1,
            explanation: None,
        }));
        check_gap_explanations(push.gap_explanations, &open)?;
    }
    let new_numbers: Vec<u64> = tickets.new.iter().map(|t| t.body.sequence).collect();
    let response = PushResponse {
        accepted: tickets.new.len() as u64,
        already_known: tickets.already_known,
        new_gaps: tickets.new_gaps.clone(),
        chain_break: tickets.chain_break,
        last_ticket: known_tickets.last.max(new_numbers.iter().copied().max()),
        closures_accepted: closures.new.len() as u64,
        closures_already_known: closures.already_known,
        closure_chain_break: closures.chain_break,
        changes_accepted: changes.len() as u64,
        changes_already_known: (push.changes.len() - changes.len()) as u64,
        open_gaps: open_gaps_after(
            &open_before,
            &tickets.new_gaps,
            &new_numbers,
            push.gap_explanations,
        ),
    };
    let stored =
        serde_json::to_string(&response).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let plan = PushPlan {
        tickets,
        closures,
        settings: push.settings,
        changes,
        gap_explanations: push.gap_explanations,
        receipt: (&digest, stored),
        lease_held_at_ms: push.under_lease.then(|| Utc::now().timestamp_millis()),
    };
    storage
        .ingest(register, time_zone, session_id, &plan)
        .await?;
    Ok(response)
}

/// Pushes tickets alone (the demo's and the tests' use).
pub async fn push_tickets(
    storage: &dyn Storage,
    register: &Register,
    time_zone: Tz,
    session_id: Option<i64>,
    tickets: &[Ticket],
) -> Result<PushResponse, IngestError> {
    push(
        storage,
        register,
        time_zone,
        session_id,
        Push {
            tickets,
            ..Push::default()
        },
    )
    .await
}
