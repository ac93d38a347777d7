//! Benchmarks, run side by side with their baseline in the same process and database.
//!
//! `multicaisse-bench ingest [--tickets N] [--database-url postgres://…]`: tickets per second
//! through the sync API's push (HTTP, JSON, validation, chain verification, idempotency
//! lookups, one transaction per batch) against a plain multi-row INSERT of the same rows
//! into the same table. SQLite (a temporary file) unless a PostgreSQL URL is given.
//!
//! `multicaisse-bench sales [--days N] [--per-day N] [--database-url postgres://…]`: the
//! latency of `GET /api/stores/{id}/sales` (this month, this fiscal year) over HTTP, read from
//! the daily rollups, against a naive `GROUP BY` over the tickets of the same database.

use chrono::{Days, NaiveDate};
use clap::{Parser, Subcommand};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::store::{RegisterKind, RegisterStatus};
use multicaisse_core::sync::MAX_TICKETS_PER_PUSH;
use multicaisse_core::ticket::{Ticket, TicketBody};
use multicaisse_server::config::ServeConfig;
use multicaisse_server::demo::generator::store_day;
use multicaisse_server::storage::{DatabaseTarget, NewRegister, NewStore};
use serde_json::json;
use sqlx::Connection;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "multicaisse-bench",
    about = "Multicaisse benchmarks, each beside its baseline"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Push ingestion against a plain bulk insert.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        tickets: usize,
        /// PostgreSQL database to use (it gets a store of its own); SQLite when absent.
        #[arg(long, env = "MULTICAISSE_BENCH_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Sales report latency from the rollups against a GROUP BY over the tickets.
    Sales {
        /// Days of history, ending today.
        #[arg(long, default_value_t = 730)]
        days: u64,
        /// Tickets per register per open day (3 registers).
        #[arg(long, default_value_t = 300)]
        per_day: usize,
        /// Requests per measured view.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        #[arg(long, env = "MULTICAISSE_BENCH_DATABASE_URL")]
        database_url: Option<String>,
    },
}

const BENCH_EMAIL: &str = "bench@multicaisse.fr";
const BENCH_PASSWORD: &str = "banc d'essai multicaisse";

/// A client signed in as an account created for the bench, sending its CSRF token: the owner
/// of `owned_store` (as a store owner reads reports), or support staff.
async fn signed_in_client(
    storage: &dyn multicaisse_server::storage::Storage,
    base: &str,
    owned_store: Option<i64>,
) -> Result<reqwest::Client, String> {
    let user = multicaisse_server::accounts::create_user(
        storage,
        BENCH_EMAIL,
        "Bench",
        BENCH_PASSWORD,
        owned_store.is_none(),
    )
    .await
    .map_err(|e| e.to_string())?;
    if let Some(store) = owned_store {
        storage
            .grant(
                store,
                user.id,
                multicaisse_core::auth::Role::Owner,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let bare = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let me: serde_json::Value = bare
        .post(format!("{base}/api/auth/sign-in"))
        .json(&json!({ "email": BENCH_EMAIL, "password": BENCH_PASSWORD }))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let mut headers = reqwest::header::HeaderMap::new();
    let csrf = me["csrf_token"].as_str().unwrap_or_default();
    headers.insert(
        multicaisse_core::auth::CSRF_HEADER,
        reqwest::header::HeaderValue::from_str(csrf).map_err(|e| e.to_string())?,
    );
    reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())
}

/// A register's journal of `n` realistic tickets, sealed.
fn journal(n: usize) -> Vec<Ticket> {
    let mut bodies = Vec::with_capacity(n);
    // About 55 tickets a day: 100 000 tickets are five years of one shop, all in the past.
    let mut date = NaiveDate::from_ymd_opt(2020, 1, 2).unwrap_or_default();
    while bodies.len() < n {
        for sale in store_day(11, date, chrono_tz::Europe::Paris) {
            if bodies.len() == n {
                break;
            }
            bodies.push(TicketBody {
                sequence: bodies.len() as u64 + 1,
                kind: sale.kind,
                issued_at: sale.at,
                lines: sale.lines,
                payments: sale.payments,
            });
        }
        date = date + Days::new(1);
    }
    let mut previous = ChainHash::GENESIS;
    bodies
        .into_iter()
        .map(|b| {
            let t = b.seal(previous);
            previous = t.hash;
            t
        })
        .collect()
}

/// The baseline: the same rows, multi-row INSERTs of 1000 in one transaction per batch,
/// with none of the service around them. A macro so it runs on either backend's connection.
macro_rules! plain_insert {
    ($conn:expr, $db:ty, $register_id:expr, $tickets:expr) => {{
        let now = chrono::Utc::now();
        let result: Result<(), sqlx::Error> = async {
            for batch in $tickets.chunks(MAX_TICKETS_PER_PUSH) {
                let mut tx = $conn.begin().await?;
                for chunk in batch.chunks(1000) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tickets (register_id, sequence, kind, issued_at, business_date, lines, \
                         payments, total_ttc, total_ht, total_vat, discount_total, previous_hash, hash, \
                         content_hash, received_at) ",
                    );
                    insert.push_values(chunk, |mut row, t: &Ticket| {
                        let vat = t.body.vat_breakdown();
                        row.push_bind($register_id)
                            .push_bind(t.body.sequence as i64)
                            .push_bind(if t.body.kind.is_sale() { "sale" } else { "refund" })
                            .push_bind(t.body.issued_at)
                            .push_bind(t.body.issued_at.date_naive())
                            .push_bind(serde_json::to_string(&t.body.lines).unwrap_or_default())
                            .push_bind(serde_json::to_string(&t.body.payments).unwrap_or_default())
                            .push_bind(vat.total_ttc().0)
                            .push_bind(vat.total_ht().0)
                            .push_bind(vat.total_vat().0)
                            .push_bind(t.body.discount_total().0)
                            .push_bind(t.previous_hash.to_hex())
                            .push_bind(t.hash.to_hex())
                            .push_bind(t.hash.to_hex())
                            .push_bind(now);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Ok(())
        }
        .await;
        result
    }};
}

/// A server on a fresh database (a temporary SQLite file, or the PostgreSQL one given) with one
/// store of its own. The directory must outlive the server.
async fn bench_server(
    database_url: Option<String>,
    name: &str,
) -> Result<
    (
        multicaisse_server::RunningServer,
        tempfile::TempDir,
        multicaisse_core::store::Store,
    ),
    String,
> {
    let data = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut config = ServeConfig::local(data.path().to_path_buf(), data.path().join("no-dist"));
    config.database_url = database_url;
    let server = multicaisse_server::start(&config)
        .await
        .map_err(|e| e.to_string())?;
    let store = server
        .storage
        .insert_store(&NewStore {
            name: name.into(),
            siret: "83214567600017".into(),
            address: "Lyon".into(),
            vat_number: "FR32832145676".into(),
            time_zone: chrono_tz::Europe::Paris,
            fiscal_year_end_month: 12,
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok((server, data, store))
}

/// An active register of the bench's store: number 1 is the principal.
async fn bench_register(
    storage: &dyn multicaisse_server::storage::Storage,
    store_id: i64,
    number: u32,
) -> Result<multicaisse_core::store::Register, String> {
    let now = chrono::Utc::now();
    storage
        .insert_register(&NewRegister {
            store_id,
            number,
            label: format!("Caisse {number}"),
            kind: if number == 1 {
                RegisterKind::Principal
            } else {
                RegisterKind::Extra
            },
            status: RegisterStatus::Active,
            created_at: now,
            activated_at: Some(now),
            suspended_at: None,
        })
        .await
        .map_err(|e| e.to_string())
}

async fn ingest(tickets: usize, database_url: Option<String>) -> Result<(), String> {
    let (server, data, store) = bench_server(database_url.clone(), "Banc d'essai").await?;
    let storage = server.storage.clone();
    let mut register_ids = Vec::new();
    for number in 1..=2 {
        register_ids.push(bench_register(storage.as_ref(), store.id, number).await?.id);
    }
    let journal = journal(tickets);
    let bodies: Vec<String> = journal
        .chunks(MAX_TICKETS_PER_PUSH)
        .map(|c| serde_json::to_string(c).unwrap_or_default())
        .collect();

    // Through the API, as an iPad pushes: pair (support asks for the code), begin, push
    // batches, end.
    let base = server.url();
    let client = signed_in_client(storage.as_ref(), &base, None).await?;
    let code: serde_json::Value = client
        .post(format!(
            "{base}/api/registers/{}/pairing-codes",
            register_ids[0]
        ))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let paired: serde_json::Value = client
        .post(format!("{base}/api/sync/pair"))
        .json(&json!({ "code": code["code"], "device_name": "bench", "device_model": "bench" }))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = paired["token"].as_str().unwrap_or_default().to_string();
    let started = Instant::now();
    let begun: serde_json::Value = client
        .post(format!("{base}/api/sync/begin"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let session = begun["session_id"].as_i64().unwrap_or_default();
    for tickets_json in &bodies {
        let body = format!("{{\"session_id\":{session},\"tickets\":{tickets_json}}}");
        let response = client
            .post(format!("{base}/api/sync/push"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!(
                "push refused: {}",
                response.text().await.unwrap_or_default()
            ));
        }
    }
    client
        .post(format!("{base}/api/sync/end"))
        .bearer_auth(&token)
        .json(&json!({ "session_id": session }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let push_seconds = started.elapsed().as_secs_f64();

    let target = DatabaseTarget::from_config(database_url.as_deref(), data.path())
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    match &target {
        DatabaseTarget::Sqlite(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .map_err(|e| e.to_string())?;
            plain_insert!(conn, sqlx::Sqlite, register_ids[1], journal)
                .map_err(|e| e.to_string())?;
        }
        DatabaseTarget::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            plain_insert!(conn, sqlx::Postgres, register_ids[1], journal)
                .map_err(|e| e.to_string())?;
        }
    }
    let plain_seconds = started.elapsed().as_secs_f64();
    let stored = storage
        .chain_head(register_ids[0])
        .await
        .map_err(|e| e.to_string())?
        .map_or(0, |h| h.sequence);
    if stored != tickets as u64 {
        return Err(format!("push stored {stored} tickets of {tickets}"));
    }
    let (push_rate, plain_rate) = (
        tickets as f64 / push_seconds,
        tickets as f64 / plain_seconds,
    );
    println!("ingest on {} — {tickets} tickets", storage.backend());
    println!("  push over HTTP : {push_seconds:>7.2} s  {push_rate:>9.0} tickets/s");
    println!("  plain INSERT   : {plain_seconds:>7.2} s  {plain_rate:>9.0} tickets/s");
    println!("  ratio push / plain insert: {:.2}", push_rate / plain_rate);
    Ok(())
}

/// `per_day` tickets of one register on one day: the demo generator's customers, several
/// shops' worth merged, in time order.
fn busy_day(
    register: u64,
    date: NaiveDate,
    per_day: usize,
) -> Vec<multicaisse_server::demo::generator::Sale> {
    let mut sales = Vec::new();
    for k in 0..12 {
        sales.extend(store_day(
            register * 100 + k,
            date,
            chrono_tz::Europe::Paris,
        ));
        if sales.len() >= per_day * 2 {
            break;
        }
    }
    sales.sort_by_key(|s| s.at);
    sales.truncate(per_day);
    sales
}

fn median_ms(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}

async fn sales(
    days: u64,
    per_day: usize,
    requests: usize,
    database_url: Option<String>,
) -> Result<(), String> {
    use multicaisse_core::period::PeriodPreset;
    let (server, _data, store) = bench_server(database_url, "Banc d'essai des ventes").await?;
    let storage = server.storage.clone();
    let now = chrono::Utc::now();
    let today = store.today(now);
    let first = today - Days::new(days - 1);
    let seeded = Instant::now();
    let mut total = 0usize;
    for number in 1..=3u32 {
        let register = bench_register(storage.as_ref(), store.id, number).await?;
        let mut previous = ChainHash::GENESIS;
        let mut sequence = 0u64;
        let mut batch = Vec::with_capacity(MAX_TICKETS_PER_PUSH);
        let mut date = first;
        while date <= today {
            for sale in busy_day(u64::from(number), date, per_day) {
                if sale.at > now {
                    break;
                }
                sequence += 1;
                let ticket = TicketBody {
                    sequence,
                    kind: sale.kind,
                    issued_at: sale.at,
                    lines: sale.lines,
                    payments: sale.payments,
                }
                .seal(previous);
                previous = ticket.hash;
                batch.push(ticket);
                if batch.len() == MAX_TICKETS_PER_PUSH {
                    multicaisse_server::ingest::push_tickets(
                        storage.as_ref(),
                        &register,
                        store.time_zone,
                        None,
                        &batch,
                    )
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                    batch.clear();
                }
            }
            date = date + Days::new(1);
        }
        if !batch.is_empty() {
            multicaisse_server::ingest::push_tickets(
                storage.as_ref(),
                &register,
                store.time_zone,
                None,
                &batch,
            )
            .await
            .map_err(|e| format!("{e:?}"))?;
        }
        total += sequence as usize;
    }
    println!(
        "sales on {} — 3 registers, {days} days, {total} tickets (seeded through ingest in {:.0} s)",
        storage.backend(),
        seeded.elapsed().as_secs_f64()
    );
    let base = server.url();
    let client = signed_in_client(storage.as_ref(), &base, Some(store.id)).await?;
    // The floor every dashboard request pays: HTTP on loopback and the session check.
    let mut floor = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/api/auth/me"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        response.bytes().await.map_err(|e| e.to_string())?;
        floor.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (floor_median, _) = median_ms(floor);
    println!("  floor (GET /api/auth/me) median {floor_median:.2} ms");
    for preset in [PeriodPreset::ThisMonth, PeriodPreset::FiscalYear] {
        let url = format!(
            "{base}/api/stores/{}/sales?period={}",
            store.id,
            preset.code()
        );
        let mut api = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("{url}: {}", response.status()));
            }
            response.bytes().await.map_err(|e| e.to_string())?;
            api.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        // The baseline: the same totals straight from the tickets (no HTTP, no VAT per rate,
        // payments or comparison: less work than the API does).
        let range = preset.resolve(today, store.fiscal_year_end_month);
        let mut naive = Vec::new();
        for _ in 0..requests.min(30) {
            let started = Instant::now();
            storage
                .sales_by_register(store.id, range)
                .await
                .map_err(|e| e.to_string())?;
            naive.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        // Like for like: the report's rollup query against the naive one, both without HTTP.
        let previous = range.previous(Some(preset));
        let mut rollup = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            storage
                .sales_compared(store.id, range, previous)
                .await
                .map_err(|e| e.to_string())?;
            rollup.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (rollup_median, _) = median_ms(rollup);
        let (api_median, api_p95) = median_ms(api);
        let (naive_median, naive_p95) = median_ms(naive);
        println!(
            "  {:<12} API median {api_median:>7.2} ms (p95 {api_p95:>7.2})  GROUP BY over tickets median {naive_median:>8.2} ms (p95 {naive_p95:>8.2})  ratio {:>6.1}×",
            preset.code(),
            naive_median / api_median
        );
        println!(
            "  {:<12} rollup query median {rollup_median:>6.2} ms  against the GROUP BY: {:>6.1}×",
            "",
            naive_median / rollup_median
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().bench {
        Bench::Ingest {
            tickets,
            database_url,
        } => ingest(tickets, database_url).await,
        Bench::Sales {
            days,
            per_day,
            requests,
            database_url,
        } => sales(days, per_day, requests, database_url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("multicaisse-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
