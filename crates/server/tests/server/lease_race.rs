//! Two server processes on one PostgreSQL database: two registers racing for the store's lease,
//! one through each process, get exactly one winner every time.

use crate::support;

use support::device::Device;
use support::fixture::small_store;
use support::{Backend, TestDb};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// `multicaisse serve` as a separate process; returns it and the URL it printed.
async fn server_process(database_url: &str) -> (Child, String) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_multicaisse"))
        .args(["serve", "--port", "0", "--dist", "/nonexistent"])
        .arg("--data-dir")
        .arg(data_dir.path())
        .env("DATABASE_URL", database_url)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start multicaisse");
    let stdout = child.stdout.take().expect("stdout");
    let first_line = BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .unwrap()
        .expect("a ready line");
    // "Multicaisse est prêt : http://127.0.0.1:PORT/  (base : …)"
    let url = first_line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the URL")
        .trim_end_matches('/')
        .to_string();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_register_wins_the_lease_across_two_processes() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let db = TestDb::fresh(&backend).await;
    let storage = db.open().await;
    let fixture = small_store(storage.as_ref()).await;
    support::session::add_support(storage.as_ref()).await;
    let url = db.database_url.clone().expect("a PostgreSQL URL");
    let (_one, first_server) = server_process(&url).await;
    let (_two, second_server) = server_process(&url).await;
    let a = Device::pair(&first_server, fixture.registers[0].id).await;
    let b = Device::pair(&second_server, fixture.registers[1].id).await;
    for round in 0..25 {
        let (ra, rb) = tokio::join!(a.begin_raw(), b.begin_raw());
        let statuses = (ra.status().as_u16(), rb.status().as_u16());
        let winner = match statuses {
            (200, 409) => (&a, ra),
            (409, 200) => (&b, rb),
            other => panic!("round {round}: exactly one winner expected, got {other:?}"),
        };
        let begun: multicaisse_core::sync::BeginResponse = winner.1.json().await.unwrap();
        assert_eq!(
            winner.0.end(begun.session_id).await.status(),
            200,
            "round {round}"
        );
    }
}
