//! The demo store seeded into an empty database: a Lyon wine shop with a principal register,
//! a permanent extra register, and a seasonal one that only sells from mid-November to the
//! end of December. A year of sales, generated (not loaded from a dump), deterministic from
//! the seed and the last day.

pub mod accounts;
mod catalogue;
pub mod closures;
pub mod generator;
mod sync_history;

use crate::storage::{NewRegister, NewStore, Storage, StorageError, StorageResult};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use multicaisse_core::chain::ChainHash;
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};
use multicaisse_core::sync::MAX_TICKETS_PER_PUSH;
use multicaisse_core::ticket::{Ticket, TicketBody};
use rand::Rng;
use std::fmt;

pub const DEFAULT_SEED: u64 = 1957;
pub const DEMO_DAYS: u64 = 365;
const PARIS: Tz = chrono_tz::Europe::Paris;

/// What to generate: a year of sales ending on `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPlan {
    pub until: NaiveDate,
    pub seed: u64,
    /// No sale after this instant: a demo seeded at 15:00 has no 18:00 tickets yet.
    pub not_after: DateTime<Utc>,
}

impl DemoPlan {
    /// `until` defaults to today in Paris.
    pub fn new(until: Option<NaiveDate>, seed: u64) -> DemoPlan {
        let now = Utc::now();
        DemoPlan {
            until: until.unwrap_or_else(|| now.with_timezone(&PARIS).date_naive()),
            seed,
            not_after: now,
        }
    }

    pub fn from(&self) -> NaiveDate {
        self.until - Days::new(DEMO_DAYS - 1)
    }
}

/// The seasonal register's selling window: 15 November to 31 December.
fn in_festive_season(date: NaiveDate) -> bool {
    (date.month() == 11 && date.day() >= 15) || date.month() == 12
}

fn local_morning(date: NaiveDate) -> DateTime<Utc> {
    PARIS
        .with_ymd_and_hms(date.year(), date.month(), date.day(), 9, 0, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| date.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc())
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

struct DemoRegister {
    spec: NewRegister,
    /// Relative share of the customers when it is open.
    weight: u32,
    seasonal: bool,
}

fn demo_registers(store_id: i64, plan: &DemoPlan) -> Vec<DemoRegister> {
    let from = plan.from();
    let season_year = if plan.until >= ymd(plan.until.year(), 11, 15) {
        plan.until.year()
    } else {
        plan.until.year() - 1
    };
    let in_season = in_festive_season(plan.until);
    let register = |number: u32,
                    label: &str,
                    kind,
                    status,
                    created: NaiveDate,
                    activated: NaiveDate,
                    suspended: Option<NaiveDate>| NewRegister {
        store_id,
        number,
        label: label.to_string(),
        kind,
        status,
        created_at: local_morning(created),
        activated_at: Some(local_morning(activated)),
        suspended_at: suspended.map(local_morning),
    };
    // Both permanent registers start with the demo's year: their first tickets, numbered 1,
    // are its first sales, and every closure since their activation is in the demo.
    let opened = from;
    let second = from;
    let first_season = ymd(from.year(), 11, 14);
    vec![
        DemoRegister {
            spec: register(
                1,
                "Caisse 1 — Comptoir",
                RegisterKind::Principal,
                RegisterStatus::Active,
                opened,
                opened,
                None,
            ),
            weight: 10,
            seasonal: false,
        },
        DemoRegister {
            spec: register(
                2,
                "Caisse 2 — Dégustation",
                RegisterKind::Extra,
                RegisterStatus::Active,
                second,
                second,
                None,
            ),
            weight: 7,
            seasonal: false,
        },
        DemoRegister {
            spec: register(
                3,
                "Caisse 3 — Fêtes de fin d'année",
                RegisterKind::Extra,
                if in_season {
                    RegisterStatus::Active
                } else {
                    RegisterStatus::Suspended
                },
                first_season.min(ymd(season_year, 11, 14)),
                ymd(season_year, 11, 14),
                (!in_season).then(|| ymd(season_year + 1, 1, 3)),
            ),
            weight: 6,
            seasonal: true,
        },
    ]
}

/// What was seeded, printed at start.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub store: Store,
    pub registers: Vec<(Register, u64)>,
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// The owner's second shop (for the store switcher), with its tickets.
    pub second_store: (Store, u64),
    pub accounts: Vec<accounts::DemoAccount>,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.registers.iter().map(|(_, n)| n).sum();
        writeln!(
            f,
            "Démo : « {} », {} caisses, {total} tickets du {} au {}",
            self.store.name,
            self.registers.len(),
            self.from,
            self.until
        )?;
        for (register, tickets) in &self.registers {
            writeln!(f, "  - {} : {tickets} tickets", register.label)?;
        }
        writeln!(
            f,
            "Deuxième boutique de la propriétaire : « {} », 1 caisse, {} tickets",
            self.second_store.0.name, self.second_store.1
        )?;
        write!(f, "Comptes de démonstration (e-mail / mot de passe) :")?;
        for account in &self.accounts {
            write!(
                f,
                "\n  - {:<12} {} / {}",
                account.role, account.email, account.password
            )?;
        }
        Ok(())
    }
}

/// Creates the demo store, its registers and their sealed ticket journals.
/// Marks the database as the demo's first: a seeding cut short is still the demo's, and
/// `serve --demo` starts again on it rather than refusing it.
pub async fn seed(storage: &dyn Storage, plan: &DemoPlan) -> StorageResult<DemoSummary> {
    storage.mark_demo(plan.seed, plan.not_after).await?;
    let store = storage
        .insert_store(&NewStore {
            name: "Cave des Canuts".into(),
            siret: "83214567600017".into(),
            address: "12 rue d'Austerlitz, 69004 Lyon".into(),
            vat_number: "FR32832145676".into(),
            time_zone: PARIS,
            fiscal_year_end_month: 12,
        })
        .await?;
    let demo = demo_registers(store.id, plan);
    let mut journals: Vec<Vec<TicketBody>> = vec![Vec::new(); demo.len()];
    let mut date = plan.from();
    while date <= plan.until {
        let open: Vec<usize> = (0..demo.len())
            .filter(|&i| !demo[i].seasonal || in_festive_season(date))
            .collect();
        let total_weight: u32 = open.iter().map(|&i| demo[i].weight).sum();
        // Register choice draws from its own stream so the sales stay those of `store_day`.
        let mut chooser = generator::day_rng(plan.seed.rotate_left(17), date);
        for sale in generator::store_day(plan.seed, date, store.time_zone) {
            if sale.at > plan.not_after {
                break;
            }
            let mut roll = chooser.gen_range(0..total_weight);
            let index = open
                .iter()
                .copied()
                .find(|&i| {
                    let hit = roll < demo[i].weight;
                    roll = roll.saturating_sub(demo[i].weight);
                    hit
                })
                .unwrap_or(0);
            append_sale(&mut journals[index], sale);
        }
        date = date + Days::new(1);
    }
    let mut registers = Vec::new();
    for (spec, journal) in demo.iter().zip(journals) {
        // In service while its history is pushed, then out of service as planned: ingest
        // refuses a register out of service.
        let in_service = NewRegister {
            status: RegisterStatus::Active,
            suspended_at: None,
            ..spec.spec.clone()
        };
        let register = storage.insert_register(&in_service).await?;
        let today = store.today(plan.not_after);
        let count = seal_and_push(storage, &store, &register, journal, today).await?;
        registers.push((register, count));
    }
    let played: Vec<Register> = registers.iter().map(|(r, _)| r.clone()).collect();
    sync_history::seed(storage, &store, &played, plan.not_after, true).await?;
    for ((register, _), spec) in registers.iter_mut().zip(&demo) {
        if let Some(at) = spec.spec.suspended_at {
            storage.retire_register(register.id, at).await?;
            register.status = spec.spec.status;
            register.suspended_at = Some(at);
        }
    }
    let second_store = seed_second_store(storage, plan).await?;
    // One accounting firm keeps both shops' books: its Z page lists both.
    let both = [store.id, second_store.0.id];
    let accounts = accounts::seed(storage, &both, &both).await?;
    Ok(DemoSummary {
        store,
        registers,
        from: plan.from(),
        until: plan.until,
        second_store,
        accounts,
    })
}

/// A sale as the next ticket of a register's journal.
fn append_sale(journal: &mut Vec<TicketBody>, sale: generator::Sale) {
    journal.push(TicketBody {
        sequence: journal.len() as u64 + 1,
        kind: sale.kind,
        issued_at: sale.at,
        lines: sale.lines,
        payments: sale.payments,
    });
}

/// Seals a register's journal into its chain and stores it through the ingest path, with the
/// closures of every period over before `today`.
async fn seal_and_push(
    storage: &dyn Storage,
    store: &Store,
    register: &Register,
    journal: Vec<TicketBody>,
    today: NaiveDate,
) -> StorageResult<u64> {
    let count = journal.len() as u64;
    let mut previous = ChainHash::GENESIS;
    let sealed: Vec<Ticket> = journal
        .into_iter()
        .map(|body| {
            let ticket = body.seal(previous);
            previous = ticket.hash;
            ticket
        })
        .collect();
    for batch in sealed.chunks(MAX_TICKETS_PER_PUSH) {
        crate::ingest::push_tickets(storage, register, store.time_zone, None, batch)
            .await
            .map_err(|e| match e {
                crate::ingest::IngestError::Storage(e) => e,
                // The generator seals valid chains: a refusal is a bug worth a clear stop.
                crate::ingest::IngestError::Refused(r) => {
                    StorageError::Corrupt(format!("demo ticket refused: {r}"))
                }
            })?;
    }
    let active_from = register.activated_at.map(|at| store.business_date(at));
    let sealed_closures = closures::closures_of(store, &sealed, active_from, today);
    closures::push(storage, store, register, &sealed_closures).await?;
    Ok(count)
}

/// The owner's second, smaller shop: one register, the last 90 days of sales.
async fn seed_second_store(storage: &dyn Storage, plan: &DemoPlan) -> StorageResult<(Store, u64)> {
    let store = storage
        .insert_store(&NewStore {
            name: "Le Chai de la Croix-Rousse".into(),
            siret: "90112233400021".into(),
            address: "4 place de la Croix-Rousse, 69004 Lyon".into(),
            vat_number: "FR03901122334".into(),
            time_zone: PARIS,
            fiscal_year_end_month: 6,
        })
        .await?;
    let opened = plan.until - Days::new(90);
    let register = storage
        .insert_register(&NewRegister {
            store_id: store.id,
            number: 1,
            label: "Caisse 1".into(),
            kind: RegisterKind::Principal,
            status: RegisterStatus::Active,
            created_at: local_morning(opened),
            activated_at: Some(local_morning(opened)),
            suspended_at: None,
        })
        .await?;
    let mut journal = Vec::new();
    let mut date = opened + Days::new(1);
    let seed = plan.seed.rotate_left(29);
    while date <= plan.until {
        // A quieter shop: every other customer of the generator's day.
        for sale in generator::store_day(seed, date, store.time_zone)
            .into_iter()
            .step_by(2)
        {
            if sale.at > plan.not_after {
                break;
            }
            append_sale(&mut journal, sale);
        }
        date = date + Days::new(1);
    }
    let today = store.today(plan.not_after);
    let count = seal_and_push(storage, &store, &register, journal, today).await?;
    sync_history::seed(storage, &store, &[register], plan.not_after, false).await?;
    Ok((store, count))
}
