//! A year of one register's Z files against a plain sequential read of the same rows: the
//! annual set (CSV, PDF, FEC and JSON in one ZIP, the register verified once), and each file
//! alone (each verifying the register). And a repeated verification, from the checkpoint the
//! previous one left, against the first one, which reads every ticket.

use crate::common::*;
use crate::sales::busy_day;
use chrono::{Days, NaiveDate};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::sync::MAX_TICKETS_PER_PUSH;
use multicaisse_core::ticket::{Ticket, TicketBody};
use multicaisse_core::zperiod::ZPeriod;
use multicaisse_server::storage::DatabaseTarget;
use multicaisse_server::zfiles::Reading;
use sqlx::Connection;
use std::time::Instant;

/// Every column of every row of the register's tickets and closures, in order, read and
/// dropped: the floor under any file made of them.
macro_rules! plain_read {
    ($conn:expr, $register:expr) => {{
        let tickets = sqlx::query("SELECT * FROM tickets WHERE register_id = $1 ORDER BY sequence")
            .bind($register)
            .fetch_all(&mut $conn)
            .await
            .map_err(|e| e.to_string())?;
        let closures =
            sqlx::query("SELECT * FROM closures WHERE register_id = $1 ORDER BY sequence")
                .bind($register)
                .fetch_all(&mut $conn)
                .await
                .map_err(|e| e.to_string())?;
        tickets.len() + closures.len()
    }};
}

/// The year the bench seeds, whatever the day it runs.
const BENCH_FISCAL_YEAR: i32 = 2025;

/// Up to `tickets` busy-day tickets from `first` to `last`, numbered from `number`, sealed on
/// `previous`. Shops close one day a week and busy days are capped: aim above the count and
/// stop there.
fn sealed_year(
    first: NaiveDate,
    last: NaiveDate,
    tickets: usize,
    previous: ChainHash,
    number: u64,
) -> Vec<Ticket> {
    let open_days = 250;
    let per_day = tickets.div_ceil(open_days) + 1;
    let mut sealed: Vec<Ticket> = Vec::with_capacity(tickets);
    let mut previous = previous;
    let mut date = first;
    while date <= last && sealed.len() < tickets {
        for sale in busy_day(1, date, per_day) {
            if sealed.len() == tickets {
                break;
            }
            let ticket = TicketBody {
                sequence: number + sealed.len() as u64,
                kind: sale.kind,
                issued_at: sale.at,
                lines: sale.lines,
                payments: sale.payments,
            }
            .seal(previous);
            previous = ticket.hash;
            sealed.push(ticket);
        }
        date = date + Days::new(1);
    }
    sealed
}

async fn push_all(
    storage: &dyn multicaisse_server::storage::Storage,
    store: &multicaisse_core::store::Store,
    register: &multicaisse_core::store::Register,
    sealed: &[Ticket],
) -> Result<(), String> {
    for batch in sealed.chunks(MAX_TICKETS_PER_PUSH) {
        multicaisse_server::ingest::push_tickets(storage, register, store.time_zone, None, batch)
            .await
            .map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

pub(crate) async fn zfiles(
    tickets: usize,
    runs: usize,
    database_url: Option<String>,
) -> Result<(), String> {
    if tickets == 0 || runs == 0 {
        return Err("--tickets and --runs must be at least 1".into());
    }
    let (server, data, store) = bench_server(database_url.clone(), "Banc d'essai des Z").await?;
    let storage = server.storage.clone();
    let register = bench_register(storage.as_ref(), store.id, 1).await?;
    // A fixed fiscal year: a run on any day measures the same thing.
    let year = ZPeriod::FiscalYear(BENCH_FISCAL_YEAR);
    let (first, last) = year.bounds(store.fiscal_year_end_month);
    let seeded = Instant::now();
    let sealed = sealed_year(first, last, tickets, ChainHash::GENESIS, 1);
    push_all(storage.as_ref(), &store, &register, &sealed).await?;
    let day_after = last + Days::new(1);
    let closures =
        multicaisse_server::demo::closures::closures_of(&store, &sealed, Some(first), day_after);
    multicaisse_server::demo::closures::push(storage.as_ref(), &store, &register, &closures)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "z files on {} — one register, {year} ({first} to {last}): {} tickets, {} closures (seeded in {:.0} s)",
        storage.backend(),
        sealed.len(),
        closures.len(),
        seeded.elapsed().as_secs_f64()
    );
    let ticket_count = sealed.len();
    let last_hash = sealed.last().map_or(ChainHash::GENESIS, |t| t.hash);
    drop(sealed);

    let base = server.url();
    let client = signed_in_client(storage.as_ref(), &base, Some(store.id)).await?;
    let mut per_format: Vec<(&str, Vec<f64>)> = ["zip", "csv", "pdf", "fec"]
        .map(|f| (f, Vec::new()))
        .to_vec();
    for _ in 0..runs {
        for (format, samples) in per_format.iter_mut() {
            let started = Instant::now();
            let response = client
                .get(format!(
                    "{base}/api/registers/{}/z?period={year}&format={format}",
                    register.id
                ))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if response
                .headers()
                .get("x-z-verification")
                .map(|v| v.as_bytes())
                != Some(b"verified".as_slice())
            {
                return Err(format!(
                    "the {format} file does not verify: {:?}",
                    response.headers()
                ));
            }
            let bytes = response.bytes().await.map_err(|e| e.to_string())?;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            if *format == "zip" {
                let files = zip::ZipArchive::new(std::io::Cursor::new(bytes))
                    .map_err(|e| e.to_string())?
                    .len();
                // CSV, PDF, FEC, JSON and verification.txt.
                if files != 5 {
                    return Err(format!("the annual ZIP holds {files} files"));
                }
            }
        }
    }
    let verify_once = |reading| {
        let (storage, store, register) = (storage.clone(), store.clone(), register.clone());
        async move {
            let started = Instant::now();
            let verified = multicaisse_server::zfiles::verify_register(
                storage.as_ref(),
                &store,
                &register,
                day_after,
                reading,
            )
            .await
            .map_err(|e| e.to_string())?;
            if !verified.is_intact() {
                return Err(format!(
                    "the register does not verify: {:?}",
                    verified.tickets
                ));
            }
            Ok::<_, String>((started.elapsed().as_secs_f64() * 1000.0, verified))
        }
    };
    let mut verify = Vec::with_capacity(runs);
    let mut repeat = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (full_ms, full) = verify_once(Reading::Full).await?;
        verify.push(full_ms);
        let (repeat_ms, repeated) = verify_once(Reading::FromCheckpoint).await?;
        if repeated != full {
            return Err("the verification from the checkpoint differs from the full one".into());
        }
        repeat.push(repeat_ms);
    }
    let target = DatabaseTarget::from_config(database_url.as_deref(), data.path())
        .map_err(|e| e.to_string())?;
    let mut plain = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let rows = match &target {
            DatabaseTarget::Sqlite(path) => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                        .await
                        .map_err(|e| e.to_string())?;
                plain_read!(conn, register.id)
            }
            DatabaseTarget::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url)
                    .await
                    .map_err(|e| e.to_string())?;
                plain_read!(conn, register.id)
            }
        };
        if rows < ticket_count {
            return Err(format!("the plain read found {rows} rows"));
        }
        plain.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    // The new year's first sales (days not over for the verification, so nothing is due for
    // them; 1 January is closed): the repeat reads them and nothing else, the full reading
    // reads the year again with them.
    let week = day_after + Days::new(6);
    let morning = sealed_year(day_after, week, 150, last_hash, ticket_count as u64 + 1);
    if morning.is_empty() {
        return Err("no sale in the new year's first week".into());
    }
    push_all(storage.as_ref(), &store, &register, &morning).await?;
    let (after_new, from_checkpoint) = verify_once(Reading::FromCheckpoint).await?;
    let (after_new_full, full) = verify_once(Reading::Full).await?;
    if from_checkpoint != full {
        return Err("the verification from the checkpoint differs from the full one".into());
    }
    let (plain_median, _) = median_ms(plain);
    let mut set = (0.0, 0.0);
    for (format, samples) in per_format {
        let (median, p95) = median_ms(samples);
        if format == "zip" {
            set = (median, p95);
        } else {
            println!("  {format:<4} file alone   median {median:>8.1} ms (p95 {p95:>8.1})");
        }
    }
    let (verify_median, _) = median_ms(verify);
    let (repeat_median, repeat_p95) = median_ms(repeat);
    println!(
        "  verification alone    median {verify_median:>8.1} ms (every ticket read and hashed)"
    );
    println!(
        "  repeated verification median {repeat_median:>8.1} ms (p95 {repeat_p95:.1}), from the checkpoint, nothing new: {:.3}× the first",
        repeat_median / verify_median
    );
    println!(
        "  after {} more tickets: from the checkpoint {after_new:.1} ms, in full {after_new_full:.1} ms: {:.3}×",
        morning.len(),
        after_new / after_new_full
    );
    println!("  plain read of the rows median {plain_median:>7.1} ms");
    println!(
        "  the annual file set (CSV + PDF + FEC + JSON, one ZIP) median {:.1} ms (p95 {:.1}), {:.2}× the plain read; target under 1 000 ms; {runs} runs",
        set.0,
        set.1,
        set.0 / plain_median
    );
    Ok(())
}
