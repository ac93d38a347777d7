//! Sales report latency from the rollups against a GROUP BY over the tickets.

use crate::common::*;
use chrono::{Days, NaiveDate};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::sync::MAX_TICKETS_PER_PUSH;
use multicaisse_core::ticket::TicketBody;
use multicaisse_server::demo::generator::store_day;
use std::time::Instant;

/// The day the sales bench takes for today: the 15th, in the store's fiscal year 2025.
const BENCH_TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2025, 11, 15) {
    Some(day) => day,
    None => panic!("a valid date"),
};

/// `per_day` tickets of one register on one day: the demo generator's customers, several
/// shops' worth merged, in time order.
pub(crate) fn busy_day(
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

pub(crate) async fn sales(
    days: u64,
    per_day: usize,
    requests: usize,
    database_url: Option<String>,
) -> Result<(), String> {
    use multicaisse_core::period::PeriodPreset;
    let (server, _data, store) = bench_server(database_url, "Banc d'essai des ventes").await?;
    let storage = server.storage.clone();
    // A fixed day, mid-month and deep into a fiscal year: a run on any date measures the same
    // ranges (on the 1st of a month, "this month" of the real clock is one morning).
    let today = BENCH_TODAY;
    let now = today.and_hms_opt(22, 0, 0).expect("a valid time").and_utc();
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
        // The preset as of the fixed day, asked as the custom range it resolves to.
        let range = preset.resolve(today, store.fiscal_year_end_month);
        let url = format!(
            "{base}/api/stores/{}/sales?period=custom&from={}&to={}",
            store.id, range.from, range.to
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
        // A custom range compares with as many days just before, as the API does.
        let previous = range.previous(None);
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
            "  {:<12} {} to {}: API median {api_median:>7.2} ms (p95 {api_p95:>7.2})  GROUP BY over tickets median {naive_median:>8.2} ms (p95 {naive_p95:>8.2})  ratio {:>6.1}×",
            preset.code(),
            range.from,
            range.to,
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
