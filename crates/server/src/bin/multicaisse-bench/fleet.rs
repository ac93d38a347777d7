//! The support fleet view from the precomputed status rows against the same rows recomputed
//! from the sync history.

use crate::common::*;
use chrono::{DateTime, Duration, Utc};
use multicaisse_core::freshness::{SyncState, FLEET_PAGE_SIZE};
use multicaisse_core::store::{RegisterKind, RegisterStatus};
use multicaisse_core::sync::{Change, RegisterSettings};
use multicaisse_server::storage::freshness::{FleetSlice, FleetSource};
use multicaisse_server::storage::DatabaseTarget;
use sqlx::Connection;
use std::time::Instant;

/// Registers per store, repeating: 25 over 10 stores, 2.5 on average.
pub(crate) const REGISTERS_PER_STORE: [u32; 10] = [1, 2, 3, 1, 4, 2, 5, 1, 3, 3];
/// Shared-data changes (stock movements) per store over the two weeks.
pub(crate) const CHANGES_PER_STORE: usize = 10;
/// Daily syncs of a register that syncs, ending with its last one.
pub(crate) const SESSIONS_PER_REGISTER: i64 = 14;
/// The part of a store's name the filtered view looks for (one store in eight).
pub(crate) const FLEET_NAME_FILTER: &str = "cellier";

/// The fleet bench's stores and registers, with the history their status comes from.
pub(crate) struct Fleet {
    stores: Vec<FleetStore>,
    registers: Vec<FleetRegister>,
}

pub(crate) struct FleetStore {
    name: String,
    /// Index of its register number 1 in `Fleet::registers`; the others follow.
    first_register: usize,
    /// Its shared-data log in arrival order: the number of the register that made each
    /// change, and when.
    changes: Vec<(u32, DateTime<Utc>)>,
}

pub(crate) struct FleetRegister {
    store: usize,
    number: u32,
    status: RegisterStatus,
    created_at: DateTime<Utc>,
    suspended_at: Option<DateTime<Utc>>,
    /// Oldest first.
    sessions: Vec<FleetSession>,
    /// How many of its store's changes it has pulled; `None`: it never pulled.
    pulled: Option<usize>,
    /// As it last reported them; `None`: it never reported its settings.
    pending_local_changes: Option<u32>,
    /// Its devices' tokens: paired at, revoked at.
    tokens: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

pub(crate) struct FleetSession {
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    outcome: &'static str,
    /// The number of the register that held the lease, for a refused attempt.
    blocked_by: Option<u32>,
}

impl FleetRegister {
    fn last_sync_at(&self) -> Option<DateTime<Utc>> {
        self.sessions
            .iter()
            .filter(|s| s.outcome == "completed")
            .filter_map(|s| s.ended_at)
            .max()
    }
}

/// Another register of the same store, if there is one.
pub(crate) fn other_register(rng: &mut impl rand::Rng, number: u32, registers: u32) -> Option<u32> {
    (registers > 1).then(|| (number + rng.gen_range(1..registers) - 1) % registers + 1)
}

/// One register's history. About 4 % never synced, 10 % late (last sync 30 hours to 12 days
/// ago), the others synced in the last 20 hours; some of those are behind their store's
/// changes or reported unsent ones. A few devices revoked, a few registers suspended.
pub(crate) fn fleet_register(
    rng: &mut impl rand::Rng,
    (store, number, registers): (usize, u32, u32),
    changes: &[(u32, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> FleetRegister {
    let mut register = FleetRegister {
        store,
        number,
        status: RegisterStatus::Active,
        created_at: now - Duration::days(rng.gen_range(60..1000)),
        suspended_at: None,
        sessions: Vec::new(),
        pulled: None,
        pending_local_changes: None,
        tokens: Vec::new(),
    };
    let profile = rng.gen_range(0..100);
    if profile < 4 {
        // Never synced: paired or not yet, sometimes refused while another register synced.
        if rng.gen_bool(0.5) {
            register
                .tokens
                .push((now - Duration::hours(rng.gen_range(2..400)), None));
        }
        let holder = other_register(rng, number, registers);
        if holder.is_some() && rng.gen_bool(0.3) {
            let at = now - Duration::minutes(rng.gen_range(5..3000));
            register.sessions.push(FleetSession {
                started_at: at,
                ended_at: Some(at),
                outcome: "refused",
                blocked_by: holder,
            });
        }
        return register;
    }
    let last_end = if profile < 14 {
        now - Duration::minutes(rng.gen_range(30 * 60..12 * 24 * 60))
    } else {
        now - Duration::minutes(rng.gen_range(10..20 * 60))
    };
    for k in (0..SESSIONS_PER_REGISTER).rev() {
        let jitter = if k == 0 { 0 } else { rng.gen_range(0..120) };
        let end = last_end - Duration::days(k) - Duration::minutes(jitter);
        let start = end - Duration::seconds(rng.gen_range(15..240));
        let holder = other_register(rng, number, registers);
        register
            .sessions
            .push(if k > 0 && holder.is_some() && rng.gen_bool(0.07) {
                FleetSession {
                    started_at: start,
                    ended_at: Some(start),
                    outcome: "refused",
                    blocked_by: holder,
                }
            } else {
                FleetSession {
                    started_at: start,
                    ended_at: Some(end),
                    outcome: "completed",
                    blocked_by: None,
                }
            });
    }
    // Now and then an attempt refused since the last sync.
    let holder = other_register(rng, number, registers);
    if holder.is_some() && rng.gen_bool(0.05) {
        let at = last_end + (now - last_end) / 2;
        register.sessions.push(FleetSession {
            started_at: at,
            ended_at: Some(at),
            outcome: "refused",
            blocked_by: holder,
        });
    }
    // Each sync pulled what the store had then: the changes since are behind.
    register.pulled = Some(changes.iter().filter(|(_, at)| *at <= last_end).count());
    if rng.gen_bool(0.9) {
        register.pending_local_changes = Some(if rng.gen_bool(0.08) {
            rng.gen_range(1..40)
        } else {
            0
        });
    }
    let paired = last_end - Duration::days(SESSIONS_PER_REGISTER + rng.gen_range(1..300));
    match rng.gen_range(0..100) {
        // Stolen or broken: its only device revoked since its last sync.
        0..=2 => register
            .tokens
            .push((paired, Some(last_end + Duration::minutes(2)))),
        // Replaced: the old iPad revoked before the new one was paired.
        3..=5 => {
            let old = paired - Duration::days(rng.gen_range(30..300));
            register
                .tokens
                .push((old, Some(paired - Duration::hours(1))));
            register.tokens.push((paired, None));
        }
        _ => register.tokens.push((paired, None)),
    }
    match rng.gen_range(0..100) {
        0..=1 => {
            register.status = RegisterStatus::Suspended;
            register.suspended_at = Some(last_end + (now - last_end) / 2);
        }
        2 => register.status = RegisterStatus::DecommissionRequested,
        _ => {}
    }
    register
}

/// `stores` wine shops named after a few shop names and towns, deterministic.
pub(crate) fn fleet_plan(stores: usize, now: DateTime<Utc>) -> Fleet {
    use rand::SeedableRng;
    let names = [
        "Cave",
        "Le Cellier",
        "La Vinothèque",
        "Comptoir des Vins",
        "Caviste",
        "Les Grappes",
        "Le Tire-Bouchon",
        "Maison du Vin",
    ];
    let towns = [
        "Lyon", "Paris", "Bordeaux", "Dijon", "Reims", "Nantes", "Lille", "Tours", "Annecy",
        "Colmar", "Beaune", "Avignon",
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut fleet = Fleet {
        stores: Vec::with_capacity(stores),
        registers: Vec::with_capacity(stores * 5 / 2),
    };
    for s in 0..stores {
        use rand::Rng;
        let registers = REGISTERS_PER_STORE[s % REGISTERS_PER_STORE.len()];
        let town = towns[s / names.len() % towns.len()];
        let of = if town.starts_with(['A', 'E', 'I', 'O', 'U']) {
            "d'"
        } else {
            "de "
        };
        let name = format!(
            "{} {of}{town} {}",
            names[s % names.len()],
            s / (names.len() * towns.len()) + 1
        );
        let mut changes: Vec<(u32, DateTime<Utc>)> = (0..CHANGES_PER_STORE)
            .map(|_| {
                let at = now - Duration::minutes(rng.gen_range(1..SESSIONS_PER_REGISTER * 1440));
                (rng.gen_range(1..=registers), at)
            })
            .collect();
        changes.sort_by_key(|c| c.1);
        let first_register = fleet.registers.len();
        for number in 1..=registers {
            let register = fleet_register(&mut rng, (s, number, registers), &changes, now);
            fleet.registers.push(register);
        }
        fleet.stores.push(FleetStore {
            name,
            first_register,
            changes,
        });
    }
    fleet
}

/// A register's `register_sync_status` columns as the sync transactions leave them after its
/// history: last sync, last attempt and its outcome, behind, pending changes, device revoked.
type StatusColumns = (
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<&'static str>,
    i64,
    Option<i64>,
    Option<DateTime<Utc>>,
);

/// `log`: the store's changes as (id, origin register id); `cursor`: the last id it pulled.
pub(crate) fn fleet_status(
    register: &FleetRegister,
    register_id: i64,
    log: &[(i64, i64)],
    cursor: Option<i64>,
) -> StatusColumns {
    let last = register.sessions.last();
    let behind = log
        .iter()
        .filter(|(id, origin)| *id > cursor.unwrap_or(0) && *origin != register_id)
        .count();
    let revoked = register
        .tokens
        .iter()
        .map(|t| t.1)
        .collect::<Option<Vec<_>>>();
    (
        register.last_sync_at(),
        last.map(|s| s.started_at),
        last.map(|s| s.outcome),
        behind as i64,
        register.pending_local_changes.map(i64::from),
        revoked.and_then(|at| at.into_iter().max()),
    )
}

pub(crate) fn fleet_settings(store: &str, pending_local_changes: u32) -> String {
    use multicaisse_core::ticket::PaymentMethod;
    serde_json::to_string(&RegisterSettings {
        shop_name: store.into(),
        shop_address: "Lyon".into(),
        siret: "83214567600017".into(),
        document_header: store.into(),
        document_footer: "Merci de votre visite".into(),
        fiscal_year_end_month: 12,
        payment_methods: vec![PaymentMethod::Card, PaymentMethod::Cash],
        loyalty_enabled: true,
        printer_configured: true,
        email_tickets: false,
        app_version: "3.4.1".into(),
        pending_local_changes,
    })
    .unwrap_or_default()
}

/// Inserts the fleet (its first store is the bench server's, already there), multi-row
/// INSERTs of 1000 in one transaction, and returns the number of sync sessions. A macro so it
/// runs on either backend's connection.
macro_rules! seed_fleet {
    ($conn:expr, $db:ty, $fleet:expr, $first_store_id:expr) => {{
        let fleet: &Fleet = $fleet;
        let result: Result<usize, sqlx::Error> = async {
            let missing = || sqlx::Error::Protocol("a seeded row was not returned".into());
            let mut tx = $conn.begin().await?;
            let mut by_name = std::collections::HashMap::new();
            for chunk in fleet.stores[1..].chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO stores (name, siret, address, vat_number, time_zone, \
                     fiscal_year_end_month, created_at) ",
                );
                insert.push_values(chunk, |mut row, s: &FleetStore| {
                    row.push_bind(s.name.as_str())
                        .push_bind("83214567600017")
                        .push_bind("Lyon")
                        .push_bind("FR32832145676")
                        .push_bind("Europe/Paris")
                        .push_bind(12i32)
                        .push_bind(chrono::Utc::now());
                });
                insert.push(" RETURNING id, name");
                let rows: Vec<(i64, String)> = insert.build_query_as().fetch_all(&mut *tx).await?;
                by_name.extend(rows.into_iter().map(|(id, name)| (name, id)));
            }
            let mut store_ids = vec![$first_store_id];
            for s in &fleet.stores[1..] {
                store_ids.push(by_name.get(&s.name).copied().ok_or_else(missing)?);
            }

            let mut by_number = std::collections::HashMap::new();
            for chunk in fleet.registers.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO registers (store_id, number, label, kind, status, created_at, \
                     activated_at, suspended_at) ",
                );
                insert.push_values(chunk, |mut row, r: &FleetRegister| {
                    let kind = if r.number == 1 {
                        RegisterKind::Principal
                    } else {
                        RegisterKind::Extra
                    };
                    row.push_bind(store_ids[r.store])
                        .push_bind(r.number as i32)
                        .push_bind(format!("Caisse {}", r.number))
                        .push_bind(kind.code())
                        .push_bind(r.status.code())
                        .push_bind(r.created_at)
                        .push_bind(Some(r.created_at + Duration::days(1)))
                        .push_bind(r.suspended_at);
                });
                insert.push(" RETURNING id, store_id, number");
                let rows: Vec<(i64, i64, i32)> =
                    insert.build_query_as().fetch_all(&mut *tx).await?;
                by_number.extend(rows.into_iter().map(|(id, store, n)| ((store, n), id)));
            }
            let mut register_ids = Vec::with_capacity(fleet.registers.len());
            for r in &fleet.registers {
                let key = (store_ids[r.store], r.number as i32);
                register_ids.push(by_number.get(&key).copied().ok_or_else(missing)?);
            }
            let id_of = |store: usize, number: u32| {
                register_ids[fleet.stores[store].first_register + number as usize - 1]
            };

            let changes: Vec<(usize, usize)> = (0..fleet.stores.len())
                .flat_map(|s| (0..fleet.stores[s].changes.len()).map(move |k| (s, k)))
                .collect();
            let mut by_change = std::collections::HashMap::new();
            for chunk in changes.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO store_changes (store_id, seq, origin_register_id, change_id, kind, \
                     entity, payload, at, received_at, level_after) ",
                );
                insert.push_values(chunk, |mut row, &(s, k)| {
                    let (origin, at) = fleet.stores[s].changes[k];
                    let change = Change::StockMovement {
                        product: format!("vin-{}", (s * 7 + k * 13) % 400),
                        delta: -1,
                    };
                    // Numbered in the store's order, as pushes number them.
                    row.push_bind(store_ids[s])
                        .push_bind(k as i64 + 1)
                        .push_bind(id_of(s, origin))
                        .push_bind(format!("bench-{s}-{k}"))
                        .push_bind(change.kind())
                        .push_bind(change.entity().to_string())
                        .push_bind(serde_json::to_string(&change).unwrap_or_default())
                        .push_bind(at)
                        .push_bind(at)
                        .push_bind(None::<i64>);
                });
                insert.push(" RETURNING seq, change_id");
                let rows: Vec<(i64, String)> = insert.build_query_as().fetch_all(&mut *tx).await?;
                by_change.extend(rows.into_iter().map(|(id, change_id)| (change_id, id)));
            }
            let counted: Vec<usize> = (0..fleet.stores.len())
                .filter(|&s| !fleet.stores[s].changes.is_empty())
                .collect();
            for chunk in counted.chunks(1000) {
                let mut insert =
                    sqlx::QueryBuilder::<$db>::new("INSERT INTO store_change_heads (store_id, seq) ");
                insert.push_values(chunk, |mut row, &s| {
                    row.push_bind(store_ids[s])
                        .push_bind(fleet.stores[s].changes.len() as i64);
                });
                insert.build().execute(&mut *tx).await?;
            }
            // Each store's log as (number, origin register id), in arrival order.
            let mut logs = Vec::with_capacity(fleet.stores.len());
            for (s, store) in fleet.stores.iter().enumerate() {
                let mut log = Vec::with_capacity(store.changes.len());
                for (k, (origin, _)) in store.changes.iter().enumerate() {
                    let id = by_change.get(&format!("bench-{s}-{k}")).copied();
                    log.push((id.ok_or_else(missing)?, id_of(s, *origin)));
                }
                logs.push(log);
            }

            let sessions: Vec<(usize, &FleetSession)> = fleet
                .registers
                .iter()
                .enumerate()
                .flat_map(|(i, r)| r.sessions.iter().map(move |s| (i, s)))
                .collect();
            // In time order per register, as they happened: the last id is the last attempt.
            for chunk in sessions.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO sync_sessions (store_id, register_id, started_at, ended_at, \
                     outcome, tickets_pushed, changes_pulled, detail, blocked_by_register_id) ",
                );
                insert.push_values(chunk, |mut row, &(i, session)| {
                    let r = &fleet.registers[i];
                    let holder = session.blocked_by.map(|n| id_of(r.store, n));
                    let pushed = if session.outcome == "completed" {
                        (session.started_at.timestamp() % 180).abs()
                    } else {
                        0
                    };
                    row.push_bind(store_ids[r.store])
                        .push_bind(register_ids[i])
                        .push_bind(session.started_at)
                        .push_bind(session.ended_at)
                        .push_bind(session.outcome)
                        .push_bind(pushed)
                        .push_bind(0i64)
                        .push_bind(holder.map(|h| format!("lease held by register id {h}")))
                        .push_bind(holder);
                });
                insert.build().execute(&mut *tx).await?;
            }

            let cursor_of = |i: usize| {
                let r = &fleet.registers[i];
                r.pulled
                    .map(|n| n.checked_sub(1).map_or(0, |last| logs[r.store][last].0))
            };
            let pulled: Vec<usize> = (0..fleet.registers.len())
                .filter(|&i| fleet.registers[i].pulled.is_some())
                .collect();
            for chunk in pulled.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO register_cursors (register_id, cursor, pulled_at) ",
                );
                insert.push_values(chunk, |mut row, &i| {
                    let r = &fleet.registers[i];
                    row.push_bind(register_ids[i])
                        .push_bind(cursor_of(i).unwrap_or(0))
                        .push_bind(r.last_sync_at().unwrap_or(r.created_at));
                });
                insert.build().execute(&mut *tx).await?;
            }

            let reported: Vec<usize> = (0..fleet.registers.len())
                .filter(|&i| fleet.registers[i].pending_local_changes.is_some())
                .collect();
            for chunk in reported.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO register_settings (register_id, settings, reported_at) ",
                );
                insert.push_values(chunk, |mut row, &i| {
                    let r = &fleet.registers[i];
                    let pending = r.pending_local_changes.unwrap_or(0);
                    row.push_bind(register_ids[i])
                        .push_bind(fleet_settings(&fleet.stores[r.store].name, pending))
                        .push_bind(r.last_sync_at().unwrap_or(r.created_at));
                });
                insert.build().execute(&mut *tx).await?;
            }

            let tokens: Vec<(usize, usize)> = fleet
                .registers
                .iter()
                .enumerate()
                .flat_map(|(i, r)| (0..r.tokens.len()).map(move |t| (i, t)))
                .collect();
            for chunk in tokens.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO device_tokens (register_id, token_hash, device_name, \
                     device_model, created_at, revoked_at, revoked_reason) ",
                );
                insert.push_values(chunk, |mut row, &(i, t)| {
                    let r = &fleet.registers[i];
                    let (paired, revoked) = r.tokens[t];
                    row.push_bind(register_ids[i])
                        .push_bind(format!("bench-token-{i}-{t}"))
                        .push_bind(format!("iPad caisse {}", r.number))
                        .push_bind("iPad (10e génération)")
                        .push_bind(paired)
                        .push_bind(revoked)
                        .push_bind(revoked.map(|_| "iPad remplacé"));
                });
                insert.build().execute(&mut *tx).await?;
            }

            let statuses: Vec<(usize, StatusColumns)> = (0..fleet.registers.len())
                .map(|i| {
                    let r = &fleet.registers[i];
                    (
                        i,
                        fleet_status(r, register_ids[i], &logs[r.store], cursor_of(i)),
                    )
                })
                .collect();
            for chunk in statuses.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO register_sync_status (register_id, store_id, last_sync_at, \
                     last_attempt_at, last_attempt_outcome, behind, pending_local_changes, \
                     device_revoked_at) ",
                );
                insert.push_values(chunk, |mut row, &(i, status)| {
                    let (last_sync, attempt, outcome, behind, pending, revoked) = status;
                    row.push_bind(register_ids[i])
                        .push_bind(store_ids[fleet.registers[i].store])
                        .push_bind(last_sync)
                        .push_bind(attempt)
                        .push_bind(outcome)
                        .push_bind(behind)
                        .push_bind(pending)
                        .push_bind(revoked);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(sessions.len())
        }
        .await;
        result
    }};
}

/// Milliseconds per GET of `url`, `requests` times.
pub(crate) async fn time_get(
    client: &reqwest::Client,
    url: &str,
    requests: usize,
) -> Result<Vec<f64>, String> {
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("{url}: {}", response.status()));
        }
        response.bytes().await.map_err(|e| e.to_string())?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(samples)
}

pub(crate) async fn fleet(
    stores: usize,
    requests: usize,
    database_url: Option<String>,
) -> Result<(), String> {
    if stores == 0 || requests == 0 {
        return Err("--stores and --requests must be at least 1".into());
    }
    let now = Utc::now();
    let plan = fleet_plan(stores, now);
    let (server, data, first) = bench_server(database_url.clone(), &plan.stores[0].name).await?;
    let storage = server.storage.clone();
    let target = DatabaseTarget::from_config(database_url.as_deref(), data.path())
        .map_err(|e| e.to_string())?;
    let seeded = Instant::now();
    let sessions = match &target {
        DatabaseTarget::Sqlite(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .map_err(|e| e.to_string())?;
            seed_fleet!(conn, sqlx::Sqlite, &plan, first.id).map_err(|e| e.to_string())?
        }
        DatabaseTarget::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            let sessions =
                seed_fleet!(conn, sqlx::Postgres, &plan, first.id).map_err(|e| e.to_string())?;
            // What autovacuum does a little later: statistics for the planner.
            sqlx::query("ANALYZE")
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            sessions
        }
    };
    let seed_seconds = seeded.elapsed().as_secs_f64();

    // The status rows must say what the history says, or the comparison means nothing.
    let check = Utc::now();
    let precomputed = storage
        .fleet(FleetSource::Precomputed, None, None, check, 1000, 0)
        .await
        .map_err(|e| e.to_string())?;
    let from_history = storage
        .fleet(FleetSource::FromHistory, None, None, check, 1000, 0)
        .await
        .map_err(|e| e.to_string())?;
    if precomputed != from_history {
        return Err(
            "the precomputed fleet differs from the one recomputed from the history".into(),
        );
    }
    if let Some(empty) = precomputed.counts.iter().find(|c| c.count == 0) {
        return Err(format!("no register is {}", empty.state.code()));
    }
    println!(
        "fleet on {} — {stores} stores, {} registers, {sessions} sync sessions, {} shared changes (seeded in {seed_seconds:.1} s)",
        storage.backend(),
        plan.registers.len(),
        stores * CHANGES_PER_STORE,
    );
    let counts: Vec<String> = precomputed
        .counts
        .iter()
        .map(|c| format!("{} {}", c.state.code(), c.count))
        .collect();
    println!("  states: {}", counts.join(", "));

    let base = server.url();
    let client = signed_in_client(storage.as_ref(), &base, None).await?;
    let (floor_median, _) =
        median_ms(time_get(&client, &format!("{base}/api/auth/me"), requests).await?);
    println!("  floor (GET /api/auth/me) median {floor_median:.2} ms");
    let history_runs = requests.clamp(1, 20);
    let views = [
        ("first page", "", None, None, 1u32),
        (
            "late, page 2",
            "?state=late&page=2",
            None,
            Some(SyncState::Late),
            2,
        ),
        (
            &format!("store \"{FLEET_NAME_FILTER}\""),
            &format!("?store={FLEET_NAME_FILTER}"),
            Some(FLEET_NAME_FILTER),
            None,
            1,
        ),
    ];
    println!(
        "  {:<16} {:>23} {:>15} {:>16} {:>20}",
        "view", "API median (p95) ms", "precomputed ms", "from history ms", "from history / API"
    );
    for (label, query, store, state, page) in views {
        let offset = u64::from(page - 1) * u64::from(FLEET_PAGE_SIZE);
        let slice = |source: FleetSource, at: DateTime<Utc>| {
            let storage = storage.clone();
            async move {
                storage
                    .fleet(source, store, state, at, FLEET_PAGE_SIZE, offset)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        let at = Utc::now();
        let page_rows: FleetSlice = slice(FleetSource::Precomputed, at).await?;
        if page_rows != slice(FleetSource::FromHistory, at).await? {
            return Err(format!("{label}: the two sources give different pages"));
        }
        if page_rows.entries.is_empty() {
            return Err(format!("{label}: the page is empty"));
        }
        let api = time_get(&client, &format!("{base}/api/fleet{query}"), requests).await?;
        let mut precomputed = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            slice(FleetSource::Precomputed, Utc::now()).await?;
            precomputed.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let mut from_history = Vec::with_capacity(history_runs);
        for _ in 0..history_runs {
            let started = Instant::now();
            slice(FleetSource::FromHistory, Utc::now()).await?;
            from_history.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (api_median, api_p95) = median_ms(api);
        let (precomputed_median, _) = median_ms(precomputed);
        let (history_median, _) = median_ms(from_history);
        println!(
            "  {label:<16} {api_median:>13.2} ({api_p95:>7.2}) {precomputed_median:>15.2} {history_median:>16.2} {:>19.1}×",
            history_median / api_median
        );
    }
    println!(
        "  medians over {requests} requests (API, precomputed) and {history_runs} runs (from history); target: API median ≤ 50 ms"
    );
    Ok(())
}
