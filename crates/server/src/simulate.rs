//! `multicaisse simulate`: virtual registers of a store playing against a running server over
//! HTTP, with the demo's sales generator. Each sells through the day, closes its daily Z (and
//! its monthly and annual Z when the period ends), and syncs in the seed's order: 1..N, then
//! 1..N−1 again. On request they misbehave as real iPads do.
//!
//! It runs in simulated time (fast-forward): a month of a shop in seconds.

use crate::demo::generator::{day_rng, store_day, Sale};
use crate::register_client::RegisterClient;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use multicaisse_core::auth::{Me, CSRF_HEADER};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::closure::{compute_closure, Closure, ClosureKind};
use multicaisse_core::store::{Register, RegisterStatus, Store};
use multicaisse_core::sync::{
    Change, PairRequest, PairingCode, PullRequest, PushRequest, RegisterSettings, SharedChange,
};
use multicaisse_core::ticket::{PaymentMethod, Ticket, TicketBody};
use multicaisse_core::Cents;
use rand::Rng;
use serde_json::{json, Value};
use std::fmt;

/// What a simulated register can do wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Registers 1 and 2 make their first sync of the day at the same moment, begin to end:
    /// both go through (what the seed forbade), and their shared changes reach each other.
    Concurrent,
    /// This register (by number) sells but never syncs.
    Silent(u32),
    /// Every push is sent twice.
    Replay,
    /// Register 1 edits its first ticket of the run after sealing it.
    Tamper,
    /// This register (by number) never sends the last 3 tickets of each batch, yet its
    /// closures count them: what a register losing sales looks like to the server.
    Withhold(u32),
    /// This register (by number) never closes its day: its daily Z are missing (its month's
    /// and year's still come).
    NoDailyZ(u32),
}

impl std::str::FromStr for Misbehaviour {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once(':') {
            None if text == "concurrent" => Ok(Misbehaviour::Concurrent),
            None if text == "replay" => Ok(Misbehaviour::Replay),
            None if text == "tamper" => Ok(Misbehaviour::Tamper),
            Some(("silent", n)) => n
                .parse()
                .map(Misbehaviour::Silent)
                .map_err(|_| format!("`{n}` is not a register number")),
            Some(("withhold", n)) => n
                .parse()
                .map(Misbehaviour::Withhold)
                .map_err(|_| format!("`{n}` is not a register number")),
            Some(("no-daily-z", n)) => n
                .parse()
                .map(Misbehaviour::NoDailyZ)
                .map_err(|_| format!("`{n}` is not a register number")),
            _ => Err(format!(
                "`{text}` is not a misbehaviour: concurrent, silent:<register number>, withhold:<register number>, no-daily-z:<register number>, replay, tamper"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimulateConfig {
    pub url: String,
    pub store_id: i64,
    /// Register numbers to play; empty for every active register of the store.
    pub registers: Vec<u32>,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub seed: u64,
    /// 1 (evening), 2 (midday and evening) or 3 (morning, midday, evening).
    pub syncs_per_day: u8,
    pub misbehave: Vec<Misbehaviour>,
    pub order: SyncOrder,
    /// What the iPads report as their payment methods.
    pub payment_methods: Vec<PaymentMethod>,
    /// A support account: enrolling registers (pairing codes) is support's job.
    pub email: String,
    pub password: String,
}

/// The order the registers sync in, each round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncOrder {
    /// The seed's ritual: 1..N, then 1..N−1 again, so every register has pulled every push.
    #[default]
    Ritual,
    /// 1..N once: the last registers' pushes reach the first ones only the next round.
    Once,
    /// N..1, then N..2.
    Reverse,
}

impl SyncOrder {
    /// Indexes of the registers, in sync order, for `n` registers.
    pub fn sequence(self, n: usize) -> Vec<usize> {
        let rest = n.saturating_sub(1);
        match self {
            SyncOrder::Ritual => (0..n).chain(0..rest).collect(),
            SyncOrder::Once => (0..n).collect(),
            SyncOrder::Reverse => (0..n).rev().chain((1..n).rev()).collect(),
        }
    }
}

impl std::str::FromStr for SyncOrder {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ritual" => Ok(SyncOrder::Ritual),
            "once" => Ok(SyncOrder::Once),
            "reverse" => Ok(SyncOrder::Reverse),
            _ => Err(format!(
                "`{text}` is not a sync order: ritual, once, reverse"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("cannot reach the server at {url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("{method} {path} answered {status}: {body}")]
    Refused {
        method: &'static str,
        path: String,
        status: u16,
        body: String,
    },
    #[error(transparent)]
    Sync(#[from] crate::register_client::SyncCallError),
    #[error("{0}")]
    Config(String),
}

/// What happened, per register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterReport {
    pub number: u32,
    pub tickets_sold: u64,
    pub tickets_accepted: u64,
    pub tickets_replayed: u64,
    pub closures_accepted: u64,
    pub changes_pulled: u64,
    pub syncs: u64,
    pub syncs_refused: u64,
    pub chain_breaks: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulateReport {
    pub days: u64,
    pub registers: Vec<RegisterReport>,
}

impl fmt::Display for SimulateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Simulation : {} jours", self.days)?;
        for r in &self.registers {
            writeln!(
                f,
                "  caisse {} : {} tickets vendus, {} acceptés ({} rejoués), {} clôtures, {} modifications reçues, \
                 {} synchronisations ({} refusées){}",
                r.number,
                r.tickets_sold,
                r.tickets_accepted,
                r.tickets_replayed,
                r.closures_accepted,
                r.changes_pulled,
                r.syncs,
                r.syncs_refused,
                if r.chain_breaks.is_empty() {
                    String::new()
                } else {
                    format!(", chaîne rompue au ticket {:?}", r.chain_breaks)
                }
            )?;
        }
        Ok(())
    }
}

struct Http {
    /// Keeps the session cookie of the support account.
    client: reqwest::Client,
    base: String,
    csrf_token: Option<String>,
}

impl Http {
    async fn send(
        &self,
        method: &'static str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), SimulateError> {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "GET" => self.client.get(&url),
            _ => self.client.post(&url),
        };
        match (token, &self.csrf_token) {
            (Some(token), _) => request = request.bearer_auth(token),
            (None, Some(csrf)) => request = request.header(CSRF_HEADER, csrf),
            (None, None) => {}
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let http_error = |source| SimulateError::Http {
            url: self.base.clone(),
            source,
        };
        let response = request.send().await.map_err(http_error)?;
        let status = response.status().as_u16();
        let value = response.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, value))
    }

    /// A call that must succeed, decoded.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<T, SimulateError> {
        let (status, value) = self.send(method, path, token, body).await?;
        if status != 200 {
            return Err(SimulateError::Refused {
                method,
                path: path.into(),
                status,
                body: value.to_string(),
            });
        }
        serde_json::from_value(value).map_err(|e| SimulateError::Refused {
            method,
            path: path.into(),
            status,
            body: format!("unexpected answer: {e}"),
        })
    }
}

/// One virtual iPad.
struct VirtualRegister {
    register: Register,
    /// The store's: a monthly Z adds up its days, each a business day in this zone.
    time_zone: chrono_tz::Tz,
    client: RegisterClient,
    weight: u32,
    last_ticket: u64,
    last_hash: ChainHash,
    last_closure: u64,
    last_closure_hash: ChainHash,
    perpetual: Cents,
    /// Sealed tickets of the current day, month and fiscal year, for the closures.
    day: Vec<Ticket>,
    month: Vec<Ticket>,
    year: Vec<Ticket>,
    unsent_tickets: Vec<Ticket>,
    unsent_closures: Vec<Closure>,
    unsent_changes: Vec<SharedChange>,
    report: RegisterReport,
}

/// Product keys for stock movements: the catalogue label, slugged.
fn product_key(label: &str) -> String {
    let mut key = multicaisse_core::format::slug(label);
    key.truncate(64);
    key.trim_matches('-').to_string()
}

impl VirtualRegister {
    fn sell(&mut self, sale: Sale, tamper: bool) {
        self.last_ticket += 1;
        let body = TicketBody {
            sequence: self.last_ticket,
            kind: sale.kind,
            issued_at: sale.at,
            lines: sale.lines,
            payments: sale.payments,
        };
        let mut ticket = body.seal(self.last_hash);
        self.last_hash = ticket.hash;
        if tamper {
            // Edited after sealing, as a tampered local database would be.
            ticket.body.lines[0].unit_price_ttc += Cents(100);
            let shift = ticket.body.lines[0].quantity;
            ticket.body.payments[0].amount += Cents(100) * i64::from(shift);
        }
        for (index, line) in ticket.body.lines.iter().enumerate() {
            self.unsent_changes.push(SharedChange {
                id: format!(
                    "r{}-t{}-l{index}",
                    self.register.number, ticket.body.sequence
                ),
                at: ticket.body.issued_at,
                // A sale takes bottles off the shelf, a refund puts them back.
                change: Change::StockMovement {
                    product: product_key(&line.label),
                    delta: -ticket.body.kind.sign() * i64::from(line.quantity),
                },
            });
        }
        self.report.tickets_sold += 1;
        self.day.push(ticket.clone());
        self.unsent_tickets.push(ticket);
    }

    /// The day ends without its Z: its tickets still count in the month and the year.
    fn skip_daily_close(&mut self) {
        let day = std::mem::take(&mut self.day);
        self.month.extend(day.iter().cloned());
        self.year.extend(day);
    }

    fn close(&mut self, kind: ClosureKind, start: NaiveDate, end: NaiveDate) {
        let tickets = match kind {
            ClosureKind::Daily => &self.day,
            ClosureKind::Monthly => &self.month,
            ClosureKind::Annual => &self.year,
        };
        let refs: Vec<&Ticket> = tickets.iter().collect();
        self.last_closure += 1;
        // The perpetual total moves with the daily Z; monthly and annual Z restate it.
        let before = if kind == ClosureKind::Daily {
            self.perpetual
        } else {
            self.perpetual - refs.iter().map(|t| t.body.total_ttc()).sum()
        };
        let closed_at = Utc::now().min(end.and_hms_opt(23, 0, 0).unwrap_or_default().and_utc());
        let body = compute_closure(
            self.last_closure,
            kind,
            start,
            end,
            &refs,
            self.time_zone,
            before,
            self.last_hash,
            closed_at,
        );
        if kind == ClosureKind::Daily {
            self.perpetual = body.perpetual_grand_total;
            let day = std::mem::take(&mut self.day);
            self.month.extend(day.iter().cloned());
            self.year.extend(day);
        }
        let closure = body.seal(self.last_closure_hash);
        self.last_closure_hash = closure.hash;
        self.unsent_closures.push(closure);
        match kind {
            ClosureKind::Monthly => self.month.clear(),
            ClosureKind::Annual => self.year.clear(),
            ClosureKind::Daily => {}
        }
    }
}

/// Plays the store's registers from `from` to `until` against the server.
pub async fn run(config: &SimulateConfig) -> Result<SimulateReport, SimulateError> {
    if !(1..=3).contains(&config.syncs_per_day) {
        return Err(SimulateError::Config(
            "--syncs-per-day must be 1, 2 or 3".into(),
        ));
    }
    if config.from > config.until {
        return Err(SimulateError::Config("--from is after --until".into()));
    }
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .map_err(|source| SimulateError::Http {
            url: config.url.clone(),
            source,
        })?;
    let mut http = Http {
        client,
        base: config.url.trim_end_matches('/').to_string(),
        csrf_token: None,
    };
    let me: Me = http
        .call(
            "POST",
            "/api/auth/sign-in",
            None,
            Some(&json!({ "email": config.email, "password": config.password })),
        )
        .await?;
    http.csrf_token = Some(me.csrf_token);
    let store: Store = http
        .call(
            "GET",
            &format!("/api/stores/{}", config.store_id),
            None,
            None,
        )
        .await?;
    let all: Vec<Register> = http
        .call(
            "GET",
            &format!("/api/stores/{}/registers", store.id),
            None,
            None,
        )
        .await?;
    let chosen: Vec<Register> = all
        .into_iter()
        .filter(|r| r.status == RegisterStatus::Active)
        .filter(|r| config.registers.is_empty() || config.registers.contains(&r.number))
        .collect();
    if chosen.is_empty() {
        return Err(SimulateError::Config(format!(
            "store {} has no active register to simulate",
            store.id
        )));
    }
    let mut registers = Vec::new();
    for register in chosen {
        let code: PairingCode = http
            .call(
                "POST",
                &format!("/api/registers/{}/pairing-codes", register.id),
                None,
                None,
            )
            .await?;
        let pairing = PairRequest {
            code: code.code,
            device_name: format!("Simulateur caisse {}", register.number),
            device_model: "multicaisse simulate".into(),
        };
        let (client, _) = RegisterClient::pair(&http.client, &http.base, &pairing).await?;
        // Where this register's chains stand on the server.
        let begun = client.begin().await?;
        client.end(begun.session_id).await?;
        registers.push(VirtualRegister {
            time_zone: store.time_zone,
            weight: if register.number == 1 { 10 } else { 7 },
            report: RegisterReport {
                number: register.number,
                ..RegisterReport::default()
            },
            register,
            client,
            last_ticket: begun.last_ticket.unwrap_or(0),
            last_hash: begun.last_ticket_hash.unwrap_or(ChainHash::GENESIS),
            last_closure: begun.last_closure.unwrap_or(0),
            last_closure_hash: begun.last_closure_hash.unwrap_or(ChainHash::GENESIS),
            perpetual: begun.perpetual_grand_total,
            day: Vec::new(),
            month: Vec::new(),
            year: Vec::new(),
            unsent_tickets: Vec::new(),
            unsent_closures: Vec::new(),
            unsent_changes: Vec::new(),
        });
    }
    // What each iPad reports at every push: its set-up, and that nothing is left unsent.
    let settings = RegisterSettings {
        shop_name: store.name.clone(),
        shop_address: store.address.clone(),
        siret: store.siret.clone(),
        document_header: store.name.clone(),
        document_footer: "Merci de votre visite".into(),
        fiscal_year_end_month: store.fiscal_year_end_month,
        payment_methods: config.payment_methods.clone(),
        loyalty_enabled: true,
        printer_configured: true,
        email_tickets: true,
        app_version: concat!("simulate-", env!("CARGO_PKG_VERSION")).into(),
        pending_local_changes: 0,
    };
    let sim = Simulation { config, settings };
    let mut days = 0;
    let mut date = config.from;
    let mut tampered = false;
    while date <= config.until {
        let sales = store_day(config.seed, date, store.time_zone);
        let mut chooser = day_rng(config.seed.rotate_left(29), date);
        let total_weight: u32 = registers.iter().map(|r| r.weight).sum();
        let slots = usize::from(config.syncs_per_day);
        let per_slot = sales.len().div_ceil(slots).max(1);
        let mut sales = sales.into_iter().filter(|s| s.at <= Utc::now()).peekable();
        for slot in 0..slots {
            for sale in sales.by_ref().take(per_slot) {
                let mut roll = chooser.gen_range(0..total_weight);
                let index = registers
                    .iter()
                    .position(|r| {
                        let hit = roll < r.weight;
                        roll = roll.saturating_sub(r.weight);
                        hit
                    })
                    .unwrap_or(0);
                let tamper = config.misbehave.contains(&Misbehaviour::Tamper)
                    && !tampered
                    && registers[index].register.number == 1;
                tampered |= tamper;
                registers[index].sell(sale, tamper);
            }
            if slot + 1 == slots {
                close_periods(
                    &mut registers,
                    date,
                    store.fiscal_year_end_month,
                    &config.misbehave,
                );
            }
            sim.sync_round(&mut registers, slot == 0).await?;
        }
        days += 1;
        date += Duration::days(1);
    }
    Ok(SimulateReport {
        days,
        registers: registers.into_iter().map(|r| r.report).collect(),
    })
}

fn close_periods(
    registers: &mut [VirtualRegister],
    date: NaiveDate,
    fiscal_end: u8,
    misbehave: &[Misbehaviour],
) {
    let month_start = date.with_day(1).unwrap_or(date);
    let month_ends = date
        .succ_opt()
        .is_none_or(|next| next.month() != date.month());
    let year_ends = month_ends && date.month() == u32::from(fiscal_end);
    for register in registers.iter_mut() {
        let forgets = misbehave.contains(&Misbehaviour::NoDailyZ(register.register.number));
        if forgets {
            register.skip_daily_close();
        } else if !register.day.is_empty() {
            register.close(ClosureKind::Daily, date, date);
        }
        if month_ends {
            register.close(ClosureKind::Monthly, month_start, date);
        }
        if year_ends {
            let start = multicaisse_core::period::fiscal_year_start(date, fiscal_end);
            register.close(ClosureKind::Annual, start, date);
        }
    }
}

struct Simulation<'a> {
    config: &'a SimulateConfig,
    settings: RegisterSettings,
}

impl Simulation<'_> {
    /// The seed's ritual: every register syncs in turn, then all but the last again, so each
    /// one has pulled what the others pushed.
    async fn sync_round(
        &self,
        registers: &mut [VirtualRegister],
        first_of_day: bool,
    ) -> Result<(), SimulateError> {
        let n = registers.len();
        let order = self.config.order.sequence(n);
        if first_of_day && n >= 2 && self.config.misbehave.contains(&Misbehaviour::Concurrent) {
            // Two iPads pressing "synchroniser" together: both sync, side by side.
            let (first, rest) = registers.split_at_mut(1);
            let (a, b) = tokio::join!(self.sync(&mut first[0]), self.sync(&mut rest[0]));
            a?;
            b?;
        }
        for index in order {
            if self
                .config
                .misbehave
                .contains(&Misbehaviour::Silent(registers[index].register.number))
            {
                continue;
            }
            self.sync(&mut registers[index]).await?;
        }
        Ok(())
    }

    async fn sync(&self, register: &mut VirtualRegister) -> Result<(), SimulateError> {
        let client = register.client.clone();
        let session = client.begin().await?.session_id;
        if self
            .config
            .misbehave
            .contains(&Misbehaviour::Withhold(register.register.number))
        {
            let kept = register.unsent_tickets.len().saturating_sub(3);
            register.unsent_tickets.truncate(kept);
        }
        let push = PushRequest {
            session_id: session,
            tickets: register.unsent_tickets.clone(),
            closures: register.unsent_closures.clone(),
            changes: register.unsent_changes.clone(),
            settings: Some(self.settings.clone()),
            ..PushRequest::default()
        };
        let pushed = client.push(&push).await?;
        register.report.tickets_accepted += pushed.accepted;
        register.report.closures_accepted += pushed.closures_accepted;
        if let Some(sequence) = pushed.chain_break {
            register.report.chain_breaks.push(sequence);
        }
        if self.config.misbehave.contains(&Misbehaviour::Replay) {
            // The same batch again (a lost answer, a double tap): nothing may change, and the
            // answer must be the first one.
            let again = client.push(&push).await?;
            if again != pushed {
                return Err(SimulateError::Refused {
                    method: "POST",
                    path: "/api/sync/push".into(),
                    status: 200,
                    body: format!(
                        "a replayed batch got another answer: {again:?} after {pushed:?}"
                    ),
                });
            }
            register.report.tickets_replayed += register.unsent_tickets.len() as u64;
        }
        register.unsent_tickets.clear();
        register.unsent_closures.clear();
        register.unsent_changes.clear();
        loop {
            let pull = PullRequest {
                session_id: session,
                limit: None,
            };
            let pulled = client.pull(&pull).await?;
            register.report.changes_pulled += pulled.changes.len() as u64;
            if pulled.remaining == 0 {
                break;
            }
        }
        client.end(session).await?;
        register.report.syncs += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misbehaviours_parse() {
        assert_eq!("concurrent".parse(), Ok(Misbehaviour::Concurrent));
        assert_eq!("silent:3".parse(), Ok(Misbehaviour::Silent(3)));
        assert!("silent:x".parse::<Misbehaviour>().is_err());
        assert!("chaos"
            .parse::<Misbehaviour>()
            .unwrap_err()
            .contains("not a misbehaviour"));
    }

    #[test]
    fn sync_orders_follow_the_seed_or_not() {
        // The seed's sequences: 1,2,1 for two iPads, 1,2,3,1,2 for three.
        assert_eq!(SyncOrder::Ritual.sequence(2), vec![0, 1, 0]);
        assert_eq!(SyncOrder::Ritual.sequence(3), vec![0, 1, 2, 0, 1]);
        assert_eq!(SyncOrder::Ritual.sequence(1), vec![0]);
        assert_eq!(SyncOrder::Once.sequence(3), vec![0, 1, 2]);
        assert_eq!(SyncOrder::Reverse.sequence(3), vec![2, 1, 0, 2, 1]);
        assert_eq!("reverse".parse(), Ok(SyncOrder::Reverse));
        assert!("random".parse::<SyncOrder>().is_err());
    }

    #[test]
    fn product_keys_are_valid_change_entities() {
        assert_eq!(
            product_key("Côtes-du-Rhône Les Gravières 2022"),
            "c-tes-du-rh-ne-les-gravi-res-2022"
        );
        assert_eq!(
            product_key("Tablette chocolat noir 72 %"),
            "tablette-chocolat-noir-72"
        );
    }
}
