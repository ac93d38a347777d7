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
//!
//! `multicaisse-bench zfiles [--tickets N] [--runs N] [--database-url postgres://…]`: a year of
//! one register (100 000 tickets by default, with its daily, monthly and annual Z): its annual
//! CSV, PDF and FEC over HTTP, each verifying the whole register first, and the verification
//! alone, against a plain sequential read of the same rows.
//!
//! `multicaisse-bench fleet [--stores N] [--requests N] [--database-url postgres://…]`: the
//! latency of the support fleet view `GET /api/fleet` (first page, a state's second page, a
//! store name filter) over HTTP, read from the precomputed `register_sync_status` rows,
//! against the same query recomputed from the sync history (sessions, cursors, change log,
//! reported settings, device tokens), and the precomputed query alone. The stores (10 000 by
//! default, 2.5 registers each on average) are bulk-inserted with two weeks of sync history
//! and status rows that match it; the bench checks that both sources give the same answer
//! before it times them.

mod common;
mod fleet;
mod ingest;
mod sales;
mod zfiles;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
        /// Days of history, ending on the bench's fixed day (15 November 2025).
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
    /// A year of one register's Z files against a plain read of the same rows.
    Zfiles {
        #[arg(long, default_value_t = 100_000)]
        tickets: usize,
        /// Measured runs of each file.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long, env = "MULTICAISSE_BENCH_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Support fleet view latency from the status rows against the same view from the history.
    Fleet {
        /// Stores (2.5 registers each on average).
        #[arg(long, default_value_t = 10_000)]
        stores: usize,
        /// Requests per measured view (the history baseline runs 20 times at most).
        #[arg(long, default_value_t = 200)]
        requests: usize,
        #[arg(long, env = "MULTICAISSE_BENCH_DATABASE_URL")]
        database_url: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().bench {
        Bench::Ingest {
            tickets,
            database_url,
        } => ingest::ingest(tickets, database_url).await,
        Bench::Sales {
            days,
            per_day,
            requests,
            database_url,
        } => sales::sales(days, per_day, requests, database_url).await,
        Bench::Zfiles {
            tickets,
            runs,
            database_url,
        } => zfiles::zfiles(tickets, runs, database_url).await,
        Bench::Fleet {
            stores,
            requests,
            database_url,
        } => fleet::fleet(stores, requests, database_url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("multicaisse-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
