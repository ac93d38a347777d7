//! Two server processes on one PostgreSQL database. Two sessions of one register racing for
//! its lease, one through each process, get exactly one winner every time; three registers
//! syncing at once through both processes never miss a shared change nor see one twice.

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

/// Two `multicaisse serve` processes on one fresh PostgreSQL database holding the small
/// store and the support account; `None` when PostgreSQL tests are explicitly skipped.
struct TwoProcesses {
    storage: std::sync::Arc<dyn multicaisse_server::storage::Storage>,
    fixture: support::fixture::Fixture,
    first: String,
    second: String,
    _processes: (Child, Child),
    _db: TestDb,
}

impl TwoProcesses {
    async fn start() -> Option<TwoProcesses> {
        let backend = Backend::postgres()?;
        let db = TestDb::fresh(&backend).await;
        let storage = db.open().await;
        let fixture = small_store(storage.as_ref()).await;
        support::session::add_support(storage.as_ref()).await;
        let url = db.database_url.clone().expect("a PostgreSQL URL");
        let (one, first) = server_process(&url).await;
        let (two, second) = server_process(&url).await;
        Some(TwoProcesses {
            storage,
            fixture,
            first,
            second,
            _processes: (one, two),
            _db: db,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_register_s_two_sessions_get_one_winner_across_two_processes() {
    let Some(two) = TwoProcesses::start().await else {
        return;
    };
    let (fixture, first_server, second_server) = (&two.fixture, &two.first, &two.second);
    // The same iPad's token on both servers: an app restarted mid-sync, answered elsewhere.
    let a = Device::pair(first_server, fixture.registers[0].id).await;
    let b = a.via(second_server);
    // Another register of the store syncs all along: it never stands in the way.
    let other = Device::pair(second_server, fixture.registers[1].id).await;
    let beside = other.begin().await;
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
    assert_eq!(other.end(beside).await.status(), 200);
}

/// A register's whole sync: begin, push `changes`, pull every page, end. Returns the ids of
/// the changes pulled, in order.
async fn sync_once(device: &Device, changes: Vec<serde_json::Value>) -> Vec<String> {
    let session = device.begin().await;
    if !changes.is_empty() {
        device
            .push_json(session, serde_json::json!({ "changes": changes }))
            .await;
    }
    let mut pulled = Vec::new();
    loop {
        let page = device.pull(session, 7).await;
        pulled.extend(page.changes.iter().map(|c| c.change.id.clone()));
        if page.remaining == 0 {
            break;
        }
    }
    assert_eq!(device.end(session).await.status(), 200);
    pulled
}

/// Issue 20: the store's change log is read in commit order. Three registers sync at the same
/// time, round after round, two through one process and one through the other, each pushing
/// stock movements of its own products (so that no stock row orders their transactions). A
/// change numbered by arrival rather than by commit is skipped by a pull that reads past it
/// before it commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registers_syncing_at_once_through_two_processes_miss_no_change() {
    use std::collections::{BTreeMap, BTreeSet};
    let Some(two) = TwoProcesses::start().await else {
        return;
    };
    let (fixture, first_server, second_server) = (&two.fixture, &two.first, &two.second);
    let devices = [
        Device::pair(first_server, fixture.registers[0].id).await,
        Device::pair(second_server, fixture.registers[1].id).await,
        Device::pair(first_server, fixture.registers[2].id).await,
    ];
    let mut pushed: Vec<Vec<String>> = vec![Vec::new(); 3];
    let mut pulled: Vec<Vec<String>> = vec![Vec::new(); 3];
    let mut expected_stock: BTreeMap<String, i64> = BTreeMap::new();
    for round in 0..20usize {
        let batches: Vec<Vec<serde_json::Value>> = (0..3)
            .map(|r| {
                // 1 to 4 changes, varying by round and register, none on the last register
                // every third round (a sync with nothing to push).
                let count = if r == 2 && round % 3 == 0 { 0 } else { 1 + (round + r) % 4 };
                (0..count)
                    .map(|k| {
                        let id = format!("r{r}-{round}-{k}");
                        let product = format!("vin-{r}-{}", k % 2);
                        let delta = -1 - (k as i64);
                        *expected_stock.entry(product.clone()).or_default() += delta;
                        pushed[r].push(id.clone());
                        serde_json::json!({ "id": id, "at": chrono::Utc::now(),
                            "change": { "kind": "stock_movement", "product": product, "delta": delta } })
                    })
                    .collect()
            })
            .collect();
        let [a, b, c] = &devices;
        let [ba, bb, bc]: [Vec<serde_json::Value>; 3] = batches.try_into().unwrap();
        let (pa, pb, pc) = tokio::join!(sync_once(a, ba), sync_once(b, bb), sync_once(c, bc));
        for (r, ids) in [pa, pb, pc].into_iter().enumerate() {
            pulled[r].extend(ids);
        }
    }
    // A last sync each, one after the other: everything is there to pull now.
    for (r, device) in devices.iter().enumerate() {
        let ids = sync_once(device, Vec::new()).await;
        pulled[r].extend(ids);
    }
    for (r, pulled) in pulled.iter().enumerate() {
        let seen: BTreeSet<&String> = pulled.iter().collect();
        assert_eq!(
            seen.len(),
            pulled.len(),
            "register {r} pulled a change twice"
        );
        let others: BTreeSet<&String> = (0..3)
            .filter(|o| *o != r)
            .flat_map(|o| pushed[o].iter())
            .collect();
        let missed: Vec<&&String> = others.difference(&seen).collect();
        assert!(missed.is_empty(), "register {r} never pulled {missed:?}");
        assert!(
            seen.is_subset(&others),
            "register {r} pulled its own changes"
        );
    }
    let levels: BTreeMap<String, i64> = two
        .storage
        .stock_levels(fixture.store.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        levels, expected_stock,
        "the server's stock is the sum of every delta"
    );
}

/// Issue 20: a register holding its event stream on one process hears of a change another
/// register pushed through the other process within a second (PostgreSQL `NOTIFY`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_pushed_through_one_process_is_heard_on_the_other() {
    use crate::sync_events::{push_changes, Changes, EventStream};
    let Some(two) = TwoProcesses::start().await else {
        return;
    };
    let (fixture, first_server, second_server) = (&two.fixture, &two.first, &two.second);
    let listening = Device::pair(first_server, fixture.registers[0].id).await;
    let selling = Device::pair(second_server, fixture.registers[1].id).await;
    let mut stream = EventStream::new(first_server, listening.token(), Some("0")).await;
    for round in 1..=3i64 {
        let change = serde_json::json!({ "id": format!("s{round}"), "at": chrono::Utc::now(),
            "change": { "kind": "stock_movement", "product": "chablis", "delta": -1 } });
        push_changes(&selling, vec![change]).await;
        assert_eq!(
            stream.next_within(std::time::Duration::from_secs(1)).await,
            Some(Changes {
                id: round,
                head: round
            }),
            "round {round}"
        );
    }
}
