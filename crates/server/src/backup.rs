//! Backups that are checked: a consistent copy of a live SQLite database (`VACUUM INTO`,
//! which reads one snapshot while registers keep pushing), opened again and verified (SQLite's
//! integrity check, then every register's chains read in full), and a restore that only
//! writes into an empty data directory. PostgreSQL's are `pg_dump` and `pg_restore`
//! (docs/operating.md), with the same verification after a restore.

use crate::storage::{self, DatabaseTarget, Storage, StorageError};
use crate::zfiles::{verify_register, Reading};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backup and restore are for the embedded SQLite database; for PostgreSQL use pg_dump \
         and pg_restore (docs/operating.md)"
    )]
    NotSqlite,
    #[error("{0} already exists: give a new file")]
    Exists(PathBuf),
    #[error("{0} is not a file to restore from")]
    Missing(PathBuf),
    #[error("{target} is not empty ({contents}): restore into a new --data-dir")]
    NotEmpty { target: String, contents: String },
    #[error("the copy failed SQLite's integrity check: {0}")]
    Integrity(String),
    #[error("register {register} of {store}: {what}")]
    Broken {
        store: String,
        register: u32,
        what: String,
    },
    #[error("cannot copy {from} to {to}: {source}")]
    Copy {
        from: PathBuf,
        to: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a checked copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub bytes: u64,
    pub stores: u64,
    pub registers: u64,
    pub tickets: u64,
    pub closures: u64,
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes, integrity ok; {} shop(s), {} register(s) whose chains verify: {} \
             ticket(s), {} closure(s)",
            self.bytes, self.stores, self.registers, self.tickets, self.closures
        )
    }
}

fn sqlite_file(target: &DatabaseTarget) -> Result<&Path, BackupError> {
    match target {
        DatabaseTarget::Sqlite(path) => Ok(path),
        DatabaseTarget::Postgres(_) => Err(BackupError::NotSqlite),
    }
}

/// Copies the database `source` to `to` (a new file), then checks the copy.
pub async fn backup(source: &DatabaseTarget, to: &Path) -> Result<Checked, BackupError> {
    sqlite_file(source)?;
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let live = storage::open(source).await?;
    let copied = live.copy_into(to).await;
    live.close().await;
    copied?;
    check(to).await
}

/// Checks `from`, then copies it as the database of `into` (SQLite), which must be empty.
pub async fn restore(from: &Path, into: &DatabaseTarget) -> Result<Checked, BackupError> {
    let file = sqlite_file(into)?;
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_path_buf()));
    }
    check(from).await?;
    if file.exists() {
        let present = storage::open(into).await?;
        let contents = present.contents().await?;
        present.close().await;
        if !contents.is_empty() {
            return Err(BackupError::NotEmpty {
                target: into.describe(),
                contents: contents.to_string(),
            });
        }
        for leftover in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{leftover}", file.display()));
        }
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|source| BackupError::Copy {
            from: from.to_path_buf(),
            to: dir.to_path_buf(),
            source,
        })?;
    }
    // Beside the target, then renamed: a restore cut short leaves no half database.
    let partial = file.with_extension("restoring");
    std::fs::copy(from, &partial)
        .and_then(|_| std::fs::rename(&partial, file))
        .map_err(|source| BackupError::Copy {
            from: from.to_path_buf(),
            to: file.to_path_buf(),
            source,
        })?;
    check(file).await
}

/// Opens a SQLite file (migrating it if it is older than this server), runs SQLite's
/// integrity check, and reads every register's chains in full.
pub async fn check(file: &Path) -> Result<Checked, BackupError> {
    let bytes = std::fs::metadata(file)
        .map_err(|_| BackupError::Missing(file.to_path_buf()))?
        .len();
    let copy = storage::open(&DatabaseTarget::Sqlite(file.to_path_buf())).await?;
    let checked = verify_all(copy.as_ref(), bytes).await;
    copy.close().await;
    checked
}

/// The chains of every register of `storage`, read in full: a restored PostgreSQL database
/// is checked with this too.
pub async fn verify_all(storage: &dyn Storage, bytes: u64) -> Result<Checked, BackupError> {
    let problems = storage.integrity_check().await?;
    if !problems.is_empty() {
        return Err(BackupError::Integrity(problems.join("; ")));
    }
    let mut checked = Checked {
        bytes,
        stores: 0,
        registers: 0,
        tickets: 0,
        closures: 0,
    };
    let now = chrono::Utc::now();
    for store in storage.stores().await? {
        checked.stores += 1;
        for register in storage.registers(store.id).await? {
            let verified =
                verify_register(storage, &store, &register, store.today(now), Reading::Full)
                    .await?;
            // Tickets not received yet are missing in the source too: what a copy must not
            // have is an altered record or a closure that disagrees with its tickets.
            if let Some(fault) = verified.first_fault() {
                return Err(BackupError::Broken {
                    store: store.name.clone(),
                    register: register.number,
                    what: fault.describe(multicaisse_core::format::Lang::En),
                });
            }
            checked.registers += 1;
            checked.tickets += verified.tickets.records;
            checked.closures += verified.closures_chain.records;
        }
    }
    Ok(checked)
}
