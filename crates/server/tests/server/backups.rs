//! Backups taken while registers push, restored into a new data directory, verified; and the
//! PostgreSQL round trip through `pg_dump` and `pg_restore`.

use crate::support::device::Device;
use crate::support::fixture::{sancerre_chain, small_store};
use crate::support::{Backend, TestApp, TestDb};
use multicaisse_core::chain::ChainHash;
use multicaisse_server::backup;
use multicaisse_server::storage::{self, DatabaseTarget};
use sqlx::{Connection, Executor};
use std::path::Path;
use std::process::Command;

const BATCH: u64 = 100;

fn run(args: &[&str], data_dir: &Path) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_multicaisse"))
        .args(args)
        .env("MULTICAISSE_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run multicaisse");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Pushes batches of `BATCH` tickets until `stop` is set, then `after` more; returns the
/// number of tickets pushed.
async fn push_batches(
    device: Device,
    started: tokio::sync::watch::Sender<bool>,
    stop: tokio::sync::watch::Receiver<bool>,
    after: u64,
) -> u64 {
    let session = device.begin().await;
    let mut previous = ChainHash::GENESIS;
    let mut pushed = 0;
    let mut extra = 0;
    while extra < after {
        let batch = sancerre_chain(pushed + 1, pushed + BATCH, previous);
        previous = batch.last().unwrap().hash;
        device.push(session, &batch).await;
        pushed += BATCH;
        let _ = started.send(true);
        if *stop.borrow() {
            extra += 1;
        }
    }
    pushed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_a_register_pushes_restores_whole_and_verified() {
    let _shared = crate::support::MACHINE.read().await;
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let fixture = small_store(app.storage().as_ref()).await;
    // A register of its own, with no ticket yet: the copy's are exactly the batches it holds.
    let register = fixture.registers.last().unwrap().clone();
    let before = app
        .storage()
        .tickets(register.id, 1, u32::MAX)
        .await
        .unwrap()
        .len() as u64;
    let device = Device::pair(&app.server.url(), register.id).await;
    let (started, mut first_batch) = tokio::sync::watch::channel(false);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let pushing = tokio::spawn(push_batches(device, started, stopping, 2));
    first_batch.wait_for(|pushed| *pushed).await.unwrap();

    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("backup.sqlite3");
    let data_dir = app.db.dir.path().to_path_buf();
    let to = copy.to_str().unwrap().to_string();
    let (ok, said, err) =
        tokio::task::spawn_blocking(move || run(&["backup", "--to", &to], &data_dir))
            .await
            .unwrap();
    assert!(ok, "{err}");
    assert!(said.contains("integrity ok"), "{said}");
    stop.send(true).unwrap();
    let pushed = pushing.await.unwrap();

    // Into a new data directory, through the binary.
    let restored_dir = tempfile::tempdir().unwrap();
    let (ok, said, err) = run(&["restore", copy.to_str().unwrap()], restored_dir.path());
    assert!(ok, "{err}");
    assert!(said.contains("restored into sqlite:"), "{said}");
    let restored = storage::open(&DatabaseTarget::Sqlite(
        restored_dir.path().join(storage::SQLITE_FILE_NAME),
    ))
    .await
    .unwrap();
    let copied = restored.tickets(register.id, 1, u32::MAX).await.unwrap();
    let copied_count = copied.len() as u64 - before;
    // A commit boundary: whole batches, some but not all of them.
    assert_eq!(copied_count % BATCH, 0, "{copied_count} tickets");
    assert!(
        copied_count >= BATCH && copied_count < pushed,
        "{copied_count} of {pushed}"
    );
    let source = app
        .storage()
        .tickets(register.id, 1, u32::MAX)
        .await
        .unwrap();
    assert_eq!(source.len() as u64 - before, pushed);
    assert_eq!(
        &source[..copied.len()],
        &copied[..],
        "the source's tickets, unchanged"
    );
    let checked = backup::verify_all(restored.as_ref(), 0).await.unwrap();
    assert_eq!(checked.registers, fixture.registers.len() as u64);
    assert_eq!(
        restored.stores().await.unwrap(),
        app.storage().stores().await.unwrap()
    );
    restored.close().await;

    // Neither writes over anything.
    let (ok, _, err) = run(&["restore", copy.to_str().unwrap()], restored_dir.path());
    assert!(!ok);
    assert!(
        err.starts_with("multicaisse restore: ") && err.contains("is not empty"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let (ok, _, err) = run(
        &["backup", "--to", copy.to_str().unwrap()],
        app.db.dir.path(),
    );
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    let (ok, _, err) = run(&["restore", "/nonexistent/backup"], restored_dir.path());
    assert!(!ok);
    assert!(err.contains("is not a file to restore from"), "{err}");
}

/// A backup whose tickets were altered does not pass its check, and is not restored.
#[tokio::test]
async fn an_altered_backup_is_refused() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("backup.sqlite3");
    let (ok, _, err) = run(
        &["backup", "--to", copy.to_str().unwrap()],
        app.db.dir.path(),
    );
    assert!(ok, "{err}");
    // Someone edits the copy by hand: the triggers refuse, so they go around them.
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite:{}", copy.display()))
        .await
        .unwrap();
    db.execute("DROP TRIGGER tickets_no_update").await.unwrap();
    let changed = sqlx::query(
        "UPDATE tickets SET lines = replace(lines, 'Saint-Joseph', 'Saint-Josèph') \
         WHERE register_id = $1",
    )
    .bind(fixture.registers[0].id)
    .execute(&mut db)
    .await
    .unwrap();
    assert!(changed.rows_affected() > 0);
    db.close().await.unwrap();
    let restored_dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(&["restore", copy.to_str().unwrap()], restored_dir.path());
    assert!(!ok);
    assert!(err.contains("register 1 of"), "{err}");
    assert!(!restored_dir.path().join(storage::SQLITE_FILE_NAME).exists());
}

/// PostgreSQL's backup is `pg_dump`; its restore, `pg_restore` into a new database, which the
/// same verification then reads whole.
#[tokio::test]
async fn a_postgres_database_round_trips_through_pg_dump_and_pg_restore() {
    let _shared = crate::support::MACHINE.read().await;
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let device = Device::pair(&app.server.url(), fixture.registers[2].id).await;
    let session = device.begin().await;
    device
        .push(session, &sancerre_chain(1, 250, ChainHash::GENESIS))
        .await;
    let url = app.db.database_url.clone().unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_multicaisse"))
        .args(["backup", "--to", "/tmp/never-written.sqlite3"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("use pg_dump and pg_restore"));

    let dump_dir = tempfile::tempdir().unwrap();
    let dump = dump_dir.path().join("multicaisse.dump");
    let dumped = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(format!("--dbname={url}"))
        .status()
        .unwrap();
    assert!(dumped.success());
    let target = TestDb::fresh(&backend).await;
    let target_url = target.database_url.clone().unwrap();
    let restored = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error"])
        .arg(format!("--dbname={target_url}"))
        .arg(&dump)
        .status()
        .unwrap();
    assert!(restored.success());
    let copy = target.open().await;
    let checked = backup::verify_all(copy.as_ref(), 0).await.unwrap();
    assert_eq!(checked.registers, fixture.registers.len() as u64);
    assert_eq!(
        copy.tickets(fixture.registers[2].id, 1, u32::MAX)
            .await
            .unwrap(),
        app.storage()
            .tickets(fixture.registers[2].id, 1, u32::MAX)
            .await
            .unwrap()
    );
    assert_eq!(
        target.count_rows("audit_log").await,
        app.db.count_rows("audit_log").await
    );
    // The restored database keeps its guards: tickets still cannot be changed.
    let altered = target.execute_raw("DELETE FROM tickets").await;
    assert!(altered.is_err());
}
