//! Two weeks of syncs for the demo stores, played through the same storage calls as a real
//! sync (lease, push, pull, end) at past instants, so the devices page has something to say:
//! the principal register fresh, the second one behind, the seasonal one silent for three
//! days, and two refused duplicate syncs (a register restarted in the middle of its sync).

use crate::device::{new_token, secret_hash};
use crate::ingest::{self, IngestError, Push};
use crate::storage::{LeaseOutcome, Storage, StorageError, StorageResult};
use chrono::{DateTime, Days, Duration, TimeZone, Utc};
use multicaisse_core::store::{Register, RegisterStatus, Store};
use multicaisse_core::sync::{Change, RegisterSettings, SharedChange};
use multicaisse_core::ticket::PaymentMethod;

/// The iPads of the demo, by register number.
const DEVICES: [(&str, &str, &str); 3] = [
    ("iPad Comptoir", "iPad (10e génération)", "4.12.0"),
    ("iPad Dégustation", "iPad Air (M2)", "4.12.0"),
    ("iPad Saison", "iPad mini (6e génération)", "4.11.3"),
];

enum Event {
    /// A register syncs, pushing this many stock movements and reporting this many changes
    /// still pending.
    Sync {
        index: usize,
        changes: u32,
        pending: u32,
    },
    /// `index` begins a second sync while its first is still under way (an iPad restarted
    /// in the middle of one): refused until the first ends or its lease runs out.
    Refused { index: usize },
}

fn local(store: &Store, day: chrono::NaiveDate, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
    store
        .time_zone
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Plays the history of `registers` (by number) up to `now`.
pub async fn seed(
    storage: &dyn Storage,
    store: &Store,
    registers: &[Register],
    now: DateTime<Utc>,
    lively: bool,
) -> StorageResult<()> {
    for (index, register) in registers.iter().enumerate() {
        let (name, model, _) = DEVICES[index % DEVICES.len()];
        pair(storage, register, name, model, now - Duration::days(30)).await?;
    }
    let today = store.today(now);
    let mut events: Vec<(DateTime<Utc>, Event)> = Vec::new();
    for back in 1..=13u64 {
        let day = today - Days::new(back);
        for (index, register) in registers.iter().enumerate() {
            let seasonal_silence = index == 2 && back < 3;
            if register.status != RegisterStatus::Active || seasonal_silence {
                continue;
            }
            let minute = 30 + 5 * index as u32;
            let changes = if lively {
                1 + (back as u32 + index as u32) % 3
            } else {
                0
            };
            if lively && index < 2 {
                events.extend(local(store, day, 12, minute).map(|t| {
                    (
                        t,
                        Event::Sync {
                            index,
                            changes,
                            pending: 0,
                        },
                    )
                }));
            }
            events.extend(local(store, day, 19, minute).map(|t| {
                (
                    t,
                    Event::Sync {
                        index,
                        changes,
                        pending: 0,
                    },
                )
            }));
        }
        if lively && (back == 4 || back == 9) {
            let index = if back == 4 { 1 } else { 2 };
            events.extend(local(store, day, 18, 10).map(|t| (t, Event::Refused { index })));
        }
    }
    // Nothing routine in the last hours: today's story below must be the latest word.
    events.retain(|(at, _)| *at < now - Duration::hours(6));
    if lively {
        // Today: the second register synced first and still holds changes; the principal one
        // synced later and pushed changes the second has not pulled.
        events.push((
            now - Duration::hours(5),
            Event::Sync {
                index: 1,
                changes: 1,
                pending: 2,
            },
        ));
        events.push((
            now - Duration::hours(2),
            Event::Sync {
                index: 0,
                changes: 3,
                pending: 0,
            },
        ));
    } else {
        events.push((
            now - Duration::hours(1),
            Event::Sync {
                index: 0,
                changes: 0,
                pending: 0,
            },
        ));
    }
    events.sort_by_key(|(at, _)| *at);
    for (serial, (at, event)) in events.into_iter().enumerate() {
        match event {
            Event::Sync {
                index,
                changes,
                pending,
            } => {
                let Some(register) = registers.get(index) else {
                    continue;
                };
                sync(storage, store, register, at, serial, changes, pending).await?;
            }
            Event::Refused { index } => {
                let Some(register) = registers.get(index) else {
                    continue;
                };
                let lease_end = (at + Duration::minutes(2)).timestamp_millis();
                let held = begin(storage, register, at, lease_end).await?;
                storage
                    .begin_sync(store.id, register.id, at + Duration::seconds(20), lease_end)
                    .await?;
                storage
                    .end_sync(register.id, held, at + Duration::seconds(50))
                    .await?;
            }
        }
    }
    Ok(())
}

async fn pair(
    storage: &dyn Storage,
    register: &Register,
    name: &str,
    model: &str,
    at: DateTime<Utc>,
) -> StorageResult<()> {
    let code = secret_hash(&new_token());
    storage
        .create_pairing_code(register.id, &code, at + Duration::hours(1))
        .await?;
    storage
        .redeem_pairing_code(&code, &secret_hash(&new_token()), name, model, at)
        .await?;
    Ok(())
}

async fn begin(
    storage: &dyn Storage,
    register: &Register,
    at: DateTime<Utc>,
    lease_end_ms: i64,
) -> StorageResult<i64> {
    match storage
        .begin_sync(register.store_id, register.id, at, lease_end_ms)
        .await?
    {
        LeaseOutcome::Acquired { session_id } => Ok(session_id),
        LeaseOutcome::Busy { .. } => Err(StorageError::Corrupt(
            "demo history: the lease was still held".into(),
        )),
    }
}

async fn sync(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
    at: DateTime<Utc>,
    serial: usize,
    changes: u32,
    pending: u32,
) -> StorageResult<()> {
    let session = begin(
        storage,
        register,
        at,
        (at + Duration::minutes(2)).timestamp_millis(),
    )
    .await?;
    let moves: Vec<SharedChange> = (0..changes)
        .map(|i| SharedChange {
            id: format!("demo-{}-{serial}-{i}", register.number),
            at,
            change: Change::StockMovement {
                product: format!("demo-vin-{}", (serial + i as usize) % 7 + 1),
                delta: -1,
            },
        })
        .collect();
    let (_, _, version) = DEVICES[register.number.saturating_sub(1) as usize % DEVICES.len()];
    let settings = RegisterSettings {
        shop_name: store.name.clone(),
        shop_address: store.address.clone(),
        siret: store.siret.clone(),
        document_header: store.name.clone(),
        document_footer: "Merci de votre visite".into(),
        fiscal_year_end_month: store.fiscal_year_end_month,
        // The seasonal register was installed in a hurry: no gift vouchers, which its set-up
        // checklist shows.
        payment_methods: if register.number == 3 {
            vec![
                PaymentMethod::Card,
                PaymentMethod::Cash,
                PaymentMethod::Cheque,
            ]
        } else {
            vec![
                PaymentMethod::Card,
                PaymentMethod::Cash,
                PaymentMethod::Cheque,
                PaymentMethod::GiftVoucher,
            ]
        },
        loyalty_enabled: true,
        printer_configured: true,
        email_tickets: true,
        app_version: version.to_string(),
        pending_local_changes: pending,
    };
    let push = Push {
        tickets: &[],
        closures: &[],
        settings: Some(&settings),
        changes: &moves,
        gap_explanations: &[],
        under_lease: false,
    };
    ingest::push(storage, register, store.time_zone, Some(session), push)
        .await
        .map_err(|e| match e {
            IngestError::Storage(e) => e,
            IngestError::Refused(r) => StorageError::Corrupt(format!("demo sync refused: {r}")),
        })?;
    while storage
        .pull(register, Some(session), None, 1000)
        .await?
        .remaining
        > 0
    {}
    storage
        .end_sync(register.id, session, at + Duration::seconds(40))
        .await?;
    Ok(())
}
