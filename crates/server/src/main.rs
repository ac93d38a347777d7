use clap::Parser;
use multicaisse_server::config::{Cli, Command, LogFormat};
use multicaisse_server::Stopped;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let Cli { command } = Cli::parse();
    // An admin command says what went wrong in its one line; the server logs its warnings.
    let quiet = if matches!(
        command,
        Command::Admin(_) | Command::Backup(_) | Command::Restore(_)
    ) {
        "error"
    } else {
        "warn"
    };
    let filter =
        EnvFilter::try_from_env("MULTICAISSE_LOG").unwrap_or_else(|_| EnvFilter::new(quiet));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if matches!(&command, Command::Serve(c) if c.log_format == LogFormat::Json) {
        logs.json().with_current_span(true).init();
    } else {
        logs.init();
    }
    match command {
        Command::Serve(config) => {
            // Before the ready line: a SIGTERM right after it must find the handler in place.
            let stop = match stop_requested() {
                Ok(stop) => stop,
                Err(e) => {
                    eprintln!("multicaisse: cannot listen for SIGTERM and Ctrl-C: {e}");
                    return ExitCode::FAILURE;
                }
            };
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
            if server.without_accounts {
                println!(
                    "La base ne contient aucun compte : créez le premier compte support avec \
                     « multicaisse admin create-support --email … --name … » (même --data-dir \
                     ou DATABASE_URL ; le mot de passe est demandé)."
                );
            }
            let grace = std::time::Duration::from_secs(u64::from(config.shutdown_grace_seconds));
            match server.serve_until(stop, grace).await {
                Ok(Stopped::Drained) => {
                    println!("Multicaisse s'est arrêté : toutes les requêtes en cours ont abouti.");
                    ExitCode::SUCCESS
                }
                Ok(Stopped::Cut) => {
                    eprintln!(
                        "multicaisse: stopped after the {} s grace period; the requests still \
                         running were cut and their changes rolled back",
                        config.shutdown_grace_seconds
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("multicaisse: the server stopped: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Admin(args) => match multicaisse_server::admin_command::run(args).await {
            Ok(done) => {
                println!("{done}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("multicaisse admin: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Backup(args) => {
            let done = async {
                let target = args.database.target()?;
                multicaisse_server::backup::backup(&target, &args.to).await
            };
            match done.await {
                Ok(checked) => {
                    println!("backup written to {}: {checked}", args.to.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("multicaisse backup: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Restore(args) => {
            let done = async {
                let target = args.database.target()?;
                let checked = multicaisse_server::backup::restore(&args.file, &target).await?;
                Ok::<_, multicaisse_server::backup::BackupError>((target, checked))
            };
            match done.await {
                Ok((target, checked)) => {
                    println!(
                        "{} restored into {}: {checked}",
                        args.file.display(),
                        target.describe()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("multicaisse restore: {e}");
                    ExitCode::FAILURE
                }
            }
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

/// Ctrl-C, or SIGTERM (what `systemctl stop` and `docker stop` send), listened for from now.
fn stop_requested() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
