//! Test helpers: a fresh database per test on either backend, and the real server on a free
//! port in front of it.

#![allow(dead_code)] // each test file uses its own part of the helpers

pub mod device;
pub mod fixture;
pub mod session;
pub mod smtp;

use multicaisse_server::config::ServeConfig;
use multicaisse_server::storage::{self, DatabaseTarget, Storage};
use multicaisse_server::RunningServer;
use sqlx::{Connection, Executor};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;

/// Tests that load the machine with processes of their own (the binary seeding the demo, a
/// large push, a backup) hold it shared; a test that bounds how fast the server answers holds
/// it alone, so that its bound measures the server and not the rest of the suite.
pub static MACHINE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

impl Backend {
    /// PostgreSQL as configured by scripts/test.sh. Without it the test fails, unless
    /// MULTICAISSE_SKIP_PG=1 says explicitly to skip (never in CI).
    pub fn postgres() -> Option<Backend> {
        match std::env::var("MULTICAISSE_TEST_PG_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Some(Backend::Postgres { admin_url }),
            _ if std::env::var("MULTICAISSE_SKIP_PG").as_deref() == Ok("1")
                && std::env::var("CI").as_deref() != Ok("true") =>
            {
                eprintln!("PostgreSQL test SKIPPED (MULTICAISSE_SKIP_PG=1)");
                None
            }
            _ => panic!(
                "PostgreSQL tests need MULTICAISSE_TEST_PG_URL (a role that may create databases); \
                 scripts/test.sh starts a local cluster and sets it. \
                 Set MULTICAISSE_SKIP_PG=1 to skip these tests explicitly."
            ),
        }
    }
}

/// A database nobody else uses, gone with the test (SQLite) or cleaned by the next
/// scripts/test.sh (PostgreSQL).
pub struct TestDb {
    pub dir: TempDir,
    pub target: DatabaseTarget,
    pub database_url: Option<String>,
}

impl TestDb {
    pub async fn fresh(backend: &Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => TestDb {
                target: DatabaseTarget::Sqlite(dir.path().join(storage::SQLITE_FILE_NAME)),
                dir,
                database_url: None,
            },
            Backend::Postgres { admin_url } => {
                let name = format!("mc_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(admin_url)
                    .await
                    .expect("connect to MULTICAISSE_TEST_PG_URL");
                admin
                    .execute(format!("CREATE DATABASE \"{name}\"").as_str())
                    .await
                    .expect("create test database");
                let (base, _) = admin_url.rsplit_once('/').expect("URL names a database");
                let url = format!("{base}/{name}");
                TestDb {
                    target: DatabaseTarget::Postgres(url.clone()),
                    dir,
                    database_url: Some(url),
                }
            }
        }
    }

    pub async fn open(&self) -> Arc<dyn Storage> {
        storage::open(&self.target).await.expect("open storage")
    }

    /// PostgreSQL: a transaction holding a register's row `FOR UPDATE`, which stalls every
    /// write that needs the row until the connection runs `ROLLBACK`: two requests can then
    /// be held at the same point, deterministically.
    pub async fn lock_register_row(&self, register_id: i64) -> sqlx::PgConnection {
        let url = self
            .database_url
            .as_deref()
            .expect("a PostgreSQL test database");
        let mut holder = sqlx::PgConnection::connect(url).await.expect("connect");
        holder.execute("BEGIN").await.expect("begin");
        holder
            .execute(
                format!("SELECT id FROM registers WHERE id = {register_id} FOR UPDATE").as_str(),
            )
            .await
            .expect("lock the register's row");
        holder
    }

    /// From now on, writing an audit entry whose event starts with `prefix` fails (a trigger
    /// on the audit log), until `lift_audit_failure`: a failure injected after a state change.
    pub async fn fail_audit_of(&self, prefix: &str) {
        let statements = match self.target {
            DatabaseTarget::Postgres(_) => vec![
                "CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
                    .to_string(),
                format!(
                    "CREATE TRIGGER injected_failure BEFORE INSERT ON audit_log FOR EACH ROW \
                     WHEN (NEW.event LIKE '{prefix}%') EXECUTE FUNCTION injected_failure()"
                ),
            ],
            DatabaseTarget::Sqlite(_) => vec![format!(
                "CREATE TRIGGER injected_failure BEFORE INSERT ON audit_log \
                 WHEN NEW.event LIKE '{prefix}%' \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )],
        };
        for sql in statements {
            self.execute_raw(&sql).await.expect("inject the failure");
        }
    }

    pub async fn lift_audit_failure(&self) {
        let sql = match self.target {
            DatabaseTarget::Postgres(_) => "DROP TRIGGER injected_failure ON audit_log",
            DatabaseTarget::Sqlite(_) => "DROP TRIGGER injected_failure",
        };
        self.execute_raw(sql).await.expect("lift the failure");
    }

    /// Counts a table's rows, outside the storage layer.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.target {
            DatabaseTarget::Sqlite(path) => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                    .await
                    .expect("connect");
                sqlx::query_scalar(&sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("count")
            }
            DatabaseTarget::Postgres(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar(&sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("count")
            }
        }
    }

    /// Runs raw SQL on the test database, outside the storage layer.
    pub async fn execute_raw(&self, sql: &str) -> Result<(), sqlx::Error> {
        match &self.target {
            DatabaseTarget::Sqlite(path) => {
                let mut c =
                    sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await?;
                c.execute(sql).await.map(|_| ())
            }
            DatabaseTarget::Postgres(url) => {
                let mut c = sqlx::PgConnection::connect(url).await?;
                c.execute(sql).await.map(|_| ())
            }
        }
    }
}

pub struct TestApp {
    pub server: RunningServer,
    pub db: TestDb,
    /// Signed in as support staff, who may read every store.
    pub client: reqwest::Client,
    pub support: session::Session,
    _dist: TempDir,
}

pub const TEST_INDEX_HTML: &str = "<!doctype html><title>multicaisse test app</title>";

impl TestApp {
    /// The real server on 127.0.0.1:0 over a fresh database, serving a stand-in `dist/`.
    pub async fn spawn(backend: &Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// The same, with a configuration tweak (a short sync lease, say).
    pub async fn spawn_with(backend: &Backend, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let db = TestDb::fresh(backend).await;
        let dist = tempfile::tempdir().expect("temp dir");
        std::fs::write(dist.path().join("index.html"), TEST_INDEX_HTML).expect("index.html");
        TestApp::start_on(db, dist, tweak, true).await
    }

    /// The real server over a fresh database, serving this `dist/`.
    pub async fn spawn_serving(backend: &Backend, dist: TempDir) -> TestApp {
        TestApp::start_on(TestDb::fresh(backend).await, dist, |_| {}, true).await
    }

    /// Stops the server, keeping its database and its `dist/` for [`TestApp::restart`].
    pub fn into_parts(self) -> (TestDb, TempDir) {
        drop(self.server);
        (self.db, self._dist)
    }

    /// A new server over a database an earlier one used.
    pub async fn restart(
        db: TestDb,
        dist: TempDir,
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> TestApp {
        TestApp::start_on(db, dist, tweak, false).await
    }

    async fn start_on(
        db: TestDb,
        dist: TempDir,
        tweak: impl FnOnce(&mut ServeConfig),
        first: bool,
    ) -> TestApp {
        let mut config =
            ServeConfig::local(db.dir.path().to_path_buf(), PathBuf::from(dist.path()));
        config.database.database_url = db.database_url.clone();
        tweak(&mut config);
        let server = multicaisse_server::start(&config)
            .await
            .expect("server starts");
        if first {
            session::add_support(server.storage.as_ref()).await;
        }
        let support = session::Session::sign_in(
            &server.url(),
            session::SUPPORT.email,
            session::SUPPORT.password,
        )
        .await;
        TestApp {
            server,
            db,
            client: support.client.clone(),
            support,
            _dist: dist,
        }
    }

    pub fn storage(&self) -> Arc<dyn Storage> {
        self.server.storage.clone()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.server.url()))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        (status, body)
    }

    /// The whole audit log, newest first, as support reads it.
    pub async fn audit_log(&self) -> Vec<multicaisse_core::auth::AuditEntry> {
        let (status, body) = self.support.get_json("/api/audit").await;
        assert_eq!(status, 200);
        serde_json::from_value(body).expect("audit entries")
    }
}

/// Generates `#[tokio::test]`s running each story on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story(super::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    if let Some(backend) = super::support::Backend::postgres() {
                        super::$story(backend).await
                    }
                }
            )*
        }
    };
}
