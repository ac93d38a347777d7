use clap::Parser;
use multicaisse_server::config::{Cli, Command};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("MULTICAISSE_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let Cli { command } = Cli::parse();
    match command {
        Command::Serve(config) => {
            let server = match multicaisse_server::start(&config).await {
                Ok(server) => server,
                Err(e) => {
                    eprintln!("multicaisse: {e}");
                    return ExitCode::FAILURE;
                }
            };
            println!(
                "Multicaisse est prêt : {}/  (base : {})",
                server.url(),
                server.database
            );
            if let Some(demo) = &server.demo {
                println!("{demo}");
            }
            let served = tokio::select! {
                result = server.wait() => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            };
            if let Err(e) = served {
                eprintln!("multicaisse: the server stopped: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Command::Simulate(args) => {
            let today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Europe::Paris)
                .date_naive();
            let config = multicaisse_server::simulate::SimulateConfig {
                url: args.url,
                store_id: args.store,
                registers: args.registers,
                from: args.from.unwrap_or(today),
                until: args.until.unwrap_or(today),
                seed: args.seed,
                syncs_per_day: args.syncs_per_day,
                misbehave: args.misbehave,
                order: args.order,
                payment_methods: args.payment_methods,
                email: args.email,
                password: args.password,
            };
            match multicaisse_server::simulate::run(&config).await {
                Ok(report) => {
                    print!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("multicaisse simulate: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
