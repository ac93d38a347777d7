//! Running it for real, through the real binary on both backends: a database starts empty and
//! says how to make its first account; `admin` creates support accounts and shops (with the
//! rules of the dashboard, audited) and disables accounts; `--demo` seeds only an empty
//! database or the demo's own; SIGTERM lets the request in flight finish, then exits 0.

use crate::support;
use crate::support::device::Device;
use crate::support::fixture::sancerre_chain;
use crate::support::session::{sign_in_raw, Session, SUPPORT};
use crate::support::{Backend, TestDb};
use multicaisse_core::auth::AuditEvent;
use multicaisse_core::chain::ChainHash;
use multicaisse_server::storage::accounts::AuditScope;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

const SHOP: [&str; 8] = [
    "--name",
    "Cave des Pentes",
    "--siret",
    "832 145 676 00017",
    "--address",
    "3 montée de la Grande-Côte, 69001 Lyon",
    "--vat-number",
    "FR32832145676",
];

/// The binary pointed at the test's database, as an operator would point it.
fn binary(db: &TestDb) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_multicaisse"));
    command
        .env("MULTICAISSE_DATA_DIR", db.dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("MULTICAISSE_DEMO");
    if let Some(url) = &db.database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// `multicaisse admin …` with `stdin` as its standard input: (success, stdout, stderr).
fn admin(db: &TestDb, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = binary(db)
        .arg("admin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run multicaisse admin");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A refusal: one line on stderr, naming `expected`, nothing on stdout.
fn assert_refused(result: (bool, String, String), expected: &str) {
    let (ok, stdout, stderr) = result;
    assert!(!ok, "refused: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("multicaisse admin: "), "{stderr}");
    assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

/// `multicaisse serve` as its own process, once it printed its ready line.
struct Served {
    child: Child,
    url: String,
    lines: Lines<BufReader<ChildStdout>>,
}

async fn serve(db: &TestDb, args: &[&str]) -> Served {
    let mut child = tokio::process::Command::from(binary(db))
        .args(["serve", "--port", "0", "--dist", "/nonexistent"])
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start multicaisse");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next_line().await.unwrap().expect("a ready line");
    let url = ready
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("a URL in {ready:?}"))
        .trim_end_matches('/')
        .to_string();
    Served { child, url, lines }
}

impl Served {
    async fn next_line(&mut self) -> Option<String> {
        tokio::time::timeout(Duration::from_secs(30), self.lines.next_line())
            .await
            .expect("a line in time")
            .unwrap()
    }

    /// Sends SIGTERM, as `systemctl stop` does; returns the exit status, and how long it took.
    async fn terminate(self) -> (std::process::ExitStatus, Duration, Vec<String>) {
        let asked = self.signal();
        self.stopped(asked).await
    }

    fn signal(&self) -> Instant {
        let asked = Instant::now();
        let pid = self.child.id().expect("running") as i32;
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        asked
    }

    /// Waits for the process to exit after `signal`; the lines it printed on the way out.
    async fn stopped(
        mut self,
        asked: Instant,
    ) -> (std::process::ExitStatus, Duration, Vec<String>) {
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("the server stops")
            .unwrap();
        let took = asked.elapsed();
        let mut rest = Vec::new();
        while let Ok(Some(line)) = self.lines.next_line().await {
            rest.push(line);
        }
        (status, took, rest)
    }
}

async fn an_empty_database_starts_empty_and_says_how_to_make_the_first_account(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let mut server = serve(&db, &[]).await;
    let hint = server.next_line().await.expect("a hint");
    assert!(
        hint.contains("multicaisse admin create-support --email"),
        "{hint}"
    );
    let stores = reqwest::get(format!("{}/api/stores", server.url))
        .await
        .unwrap();
    assert_eq!(stores.status(), 401);
    let (status, _, said) = server.terminate().await;
    assert!(status.success(), "{status}");
    assert_eq!(said.len(), 1, "{said:?}");
    let contents = db.open().await.contents().await.unwrap();
    assert!(contents.is_empty(), "{contents}");
    assert_eq!(contents.demo_seeded_at, None);
}

async fn the_admin_command_onboards_support_and_a_shop_and_disables_an_account(backend: Backend) {
    let _shared = support::MACHINE.read().await;
    let db = TestDb::fresh(&backend).await;
    let create = [
        "create-support",
        "--email",
        " Lea@Example.FR ",
        "--name",
        "Léa Martin",
    ];
    // The password comes from standard input, with the rules of sign-up.
    assert_refused(
        admin(&db, &create, "trop court\n"),
        "password: must be at least 12",
    );
    assert_refused(
        admin(
            &db,
            &["create-support", "--email", "léa", "--name", "Léa"],
            "une longue phrase\n",
        ),
        "email:",
    );
    assert_eq!(db.open().await.contents().await.unwrap().accounts, 0);
    let (ok, said, _) = admin(&db, &create, "une longue phrase de passe\n");
    assert!(ok, "{said}");
    assert!(
        said.contains("lea@example.fr (Léa Martin) created"),
        "{said}"
    );
    assert_refused(admin(&db, &create, "une autre longue phrase\n"), "already");
    let (ok, said, _) = admin(
        &db,
        &[
            "create-support",
            "--email",
            SUPPORT.email,
            "--name",
            "Support",
        ],
        &format!("{}\n", SUPPORT.password),
    );
    assert!(ok, "{said}");

    // A shop, each field checked before anything is written.
    let with = |field: &str, value: &'static str| {
        let mut args = vec!["create-shop"];
        args.extend(SHOP);
        let at = args.iter().position(|a| *a == field).unwrap() + 1;
        args[at] = value;
        args
    };
    assert_refused(
        admin(&db, &with("--siret", "832 145 676 00018"), ""),
        "siret: This SIRET is not valid",
    );
    assert_refused(
        admin(&db, &with("--vat-number", "FR33832145676"), ""),
        "vat_number: The VAT number's key is 32 for this SIREN, not 33",
    );
    assert_refused(
        admin(&db, &with("--name", " "), ""),
        "name: The shop's name must be 1 to 100",
    );
    let mut bad_zone = vec!["create-shop", "--time-zone", "Lyon"];
    bad_zone.extend(SHOP);
    assert_refused(admin(&db, &bad_zone, ""), "time_zone:");
    assert_eq!(db.open().await.contents().await.unwrap().stores, 0);
    let mut shop = vec!["create-shop"];
    shop.extend(SHOP);
    let (ok, said, _) = admin(&db, &shop, "");
    assert!(ok, "{said}");
    assert!(said.contains("Cave des Pentes"), "{said}");
    let mut again = vec!["create-shop", "--name", "Une autre cave"];
    again.extend(&SHOP[2..]);
    assert_refused(
        admin(&db, &again, ""),
        "already has the SIRET 83214567600017",
    );

    // The server now has accounts: no hint, and support sees the shop, its register ready.
    let server = serve(&db, &[]).await;
    let lea = Session::sign_in(&server.url, "lea@example.fr", "une longue phrase de passe").await;
    let (status, stores) = lea.get_json("/api/stores").await;
    assert_eq!(status, 200);
    assert_eq!(stores.as_array().unwrap().len(), 1, "{stores}");
    assert_eq!(stores[0]["name"], "Cave des Pentes");
    assert_eq!(stores[0]["siret"], "83214567600017");
    let store_id = stores[0]["id"].as_i64().unwrap();
    let (_, registers) = lea
        .get_json(&format!("/api/stores/{store_id}/registers"))
        .await;
    assert_eq!(registers[0]["number"], 1);
    assert_eq!(registers[0]["kind"], "principal");
    assert_eq!(registers[0]["status"], "active");
    let register_id = registers[0]["id"].as_i64().unwrap();
    let device = Device::pair(&server.url, register_id).await;
    assert_eq!(device.register_id, register_id);

    let (ok, listed, _) = admin(&db, &["list-accounts"], "");
    assert!(ok);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines[0], "email\tname\tkind\tcreated\tdisabled\tshops");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("lea@example.fr\tLéa Martin\tsupport\t")),
        "{listed}"
    );

    // A reset link, printed for the operator to hand over; it works once, in the dashboard.
    let (ok, said, err) = admin(
        &db,
        &[
            "reset-link",
            "--email",
            "lea@example.fr",
            "--public-url",
            &server.url,
        ],
        "",
    );
    assert!(ok, "{err}");
    let link = said.lines().next().unwrap();
    assert!(
        link.starts_with(&format!("{}/reinitialiser/", server.url)),
        "{said}"
    );
    let token = link.rsplit('/').next().unwrap();
    let reset = reqwest::Client::new()
        .post(format!("{}/api/auth/password-reset/{token}", server.url))
        .json(&serde_json::json!({ "new_password": "une phrase de passe neuve" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let lea = Session::sign_in(&server.url, "lea@example.fr", "une phrase de passe neuve").await;
    assert_refused(
        admin(&db, &["reset-link", "--email", "nobody@example.fr"], ""),
        "no live account has the address nobody@example.fr",
    );

    // Disabled: the live session ends, signing in fails as for an unknown address.
    let (ok, said, _) = admin(&db, &["disable-account", "--email", "LEA@example.fr"], "");
    assert!(ok, "{said}");
    assert_eq!(lea.get("/api/stores").await.status(), 401);
    let refused = sign_in_raw(&server.url, "lea@example.fr", "une phrase de passe neuve").await;
    assert_eq!(refused.status(), 401);
    let (ok, said, _) = admin(&db, &["disable-account", "--email", "lea@example.fr"], "");
    assert!(ok && said.contains("already disabled"), "{said}");
    assert_refused(
        admin(
            &db,
            &["disable-account", "--email", "nobody@example.fr"],
            "",
        ),
        "no account has the address nobody@example.fr",
    );
    let (ok, listed, _) = admin(&db, &["list-accounts"], "");
    assert!(ok);
    let lea_line = listed
        .lines()
        .find(|l| l.starts_with("lea@example.fr"))
        .unwrap();
    assert_eq!(
        lea_line.split('\t').nth(4).map(str::len),
        Some(20),
        "{lea_line}"
    );

    // Each action is in the audit, with who ran the command.
    let audit = db
        .open()
        .await
        .audit(AuditScope::All, None, i64::MAX, 100)
        .await
        .unwrap();
    let of = |event: AuditEvent| {
        audit
            .iter()
            .filter(|e| e.event == event)
            .collect::<Vec<_>>()
    };
    assert_eq!(of(AuditEvent::AccountCreated).len(), 2);
    assert_eq!(of(AuditEvent::StoreCreated).len(), 1);
    assert_eq!(of(AuditEvent::StoreCreated)[0].store_id, Some(store_id));
    assert_eq!(
        of(AuditEvent::AccountDisabled).len(),
        1,
        "one entry: the second found it done"
    );
    assert_eq!(
        of(AuditEvent::AccountDisabled)[0].subject_email.as_deref(),
        Some("lea@example.fr")
    );
    for entry in of(AuditEvent::AccountCreated) {
        assert!(
            entry
                .detail
                .contains("admin command, run by the system user"),
            "{entry:?}"
        );
    }
    let (status, _, _) = server.terminate().await;
    assert!(status.success());
}

async fn the_demo_is_refused_on_a_database_that_is_not_the_demos(backend: Backend) {
    let db = TestDb::fresh(&backend).await;
    let mut shop = vec!["create-shop"];
    shop.extend(SHOP);
    assert!(admin(&db, &shop, "").0);
    let output = tokio::process::Command::from(binary(&db))
        .args(["serve", "--port", "0", "--demo"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("multicaisse: --demo needs an empty database or one the demo seeded"),
        "{stderr}"
    );
    assert!(stderr.contains("holds 1 shop and 0 accounts"), "{stderr}");
    let contents = db.open().await.contents().await.unwrap();
    assert_eq!((contents.stores, contents.demo_seeded_at), (1, None));
}

async fn the_demo_starts_again_on_its_own_data(backend: Backend) {
    let _shared = support::MACHINE.read().await;
    let db = TestDb::fresh(&backend).await;
    let mut first = serve(&db, &["--demo"]).await;
    let summary = first.next_line().await.expect("the demo's summary");
    assert!(!summary.contains("admin create-support"), "{summary}");
    let (status, _, _) = first.terminate().await;
    assert!(status.success());
    let seeded = db.open().await.contents().await.unwrap();
    assert!(
        seeded.demo_seeded_at.is_some() && seeded.stores >= 2,
        "{seeded}"
    );
    let again = serve(&db, &["--demo"]).await;
    let (status, _, said) = again.terminate().await;
    assert!(status.success());
    assert_eq!(said.len(), 1, "no new seeding: {said:?}");
    let contents = db.open().await.contents().await.unwrap();
    assert_eq!(contents, seeded);
}

/// A shop and the support account, made by the admin command as an operator would.
fn onboard(db: &TestDb) {
    let mut shop = vec!["create-shop"];
    shop.extend(SHOP);
    assert!(admin(db, &shop, "").0);
    let support = [
        "create-support",
        "--email",
        SUPPORT.email,
        "--name",
        "Support",
    ];
    assert!(admin(db, &support, &format!("{}\n", SUPPORT.password)).0);
}

/// SIGTERM while a register pushes 5 000 tickets: the push is answered and wholly stored,
/// then the process exits 0, well within its grace period.
async fn a_sigterm_during_a_large_push_lets_it_finish_and_exits_zero(backend: Backend) {
    let _shared = support::MACHINE.read().await;
    let db = TestDb::fresh(&backend).await;
    onboard(&db);
    let server = serve(&db, &["--shutdown-grace-seconds", "30"]).await;
    let register_id = db.open().await.stores().await.unwrap()[0].id;
    let register_id = db.open().await.registers(register_id).await.unwrap()[0].id;
    let device = Device::pair(&server.url, register_id).await;
    let session = device.begin().await;
    let body = serde_json::to_vec(&multicaisse_core::sync::PushRequest {
        session_id: session,
        tickets: sancerre_chain(1, 5000, ChainHash::GENESIS),
        ..Default::default()
    })
    .unwrap();
    // The push is written by hand over TCP so that its body is still arriving when the signal
    // is sent: it is in flight whatever the speed of the machine (a timed wait was not, on a
    // fast one the push had been stored before the signal).
    let address = server.url.trim_start_matches("http://").to_string();
    let mut wire = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/sync/push HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        device.token(),
        body.len()
    );
    let (first, rest) = body.split_at(body.len() / 2);
    wire.write_all(head.as_bytes()).await.unwrap();
    wire.write_all(first).await.unwrap();
    wire.flush().await.unwrap();
    // Long enough for the server to have accepted the connection and read the head.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = server.signal();
    tokio::time::sleep(Duration::from_millis(200)).await;
    wire.write_all(rest).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(60), wire.read_to_string(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the push in flight is answered: {}",
        answer.lines().next().unwrap_or_default()
    );
    let (status, took, said) = server.stopped(asked).await;
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(30), "stopped in {took:?}");
    assert!(
        said.iter()
            .any(|l| l.contains("toutes les requêtes en cours ont abouti")),
        "{said:?}"
    );
    assert_eq!(db.count_rows("tickets").await, 5000);
}

/// SIGTERM while registers hold their event streams open (issue 20): the streams end and the
/// server drains at once, rather than waiting out its grace period with them open.
async fn a_sigterm_ends_the_registers_event_streams_and_drains(backend: Backend) {
    use crate::sync_events::EventStream;
    let db = TestDb::fresh(&backend).await;
    onboard(&db);
    let server = serve(&db, &["--shutdown-grace-seconds", "30"]).await;
    let store = db.open().await.stores().await.unwrap()[0].id;
    let register_id = db.open().await.registers(store).await.unwrap()[0].id;
    let device = Device::pair(&server.url, register_id).await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = EventStream::new(&server.url, device.token(), None).await;
        assert!(stream.next_within(Duration::from_secs(1)).await.is_some());
        streams.push(stream);
    }
    let asked = server.signal();
    for stream in &mut streams {
        assert_eq!(stream.next_within(Duration::from_secs(10)).await, None);
    }
    let (status, took, said) = server.stopped(asked).await;
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(10), "stopped in {took:?}");
    assert!(
        said.iter()
            .any(|l| l.contains("toutes les requêtes en cours ont abouti")),
        "{said:?}"
    );
}

/// `--log-format json`: one JSON object per line, each request's lines carrying the id its
/// answer gives in `x-request-id`.
#[tokio::test]
async fn json_logs_name_each_request_by_the_id_its_answer_carries() {
    let db = TestDb::fresh(&Backend::Sqlite).await;
    let mut child = tokio::process::Command::from(binary(&db))
        .args([
            "serve",
            "--port",
            "0",
            "--dist",
            "/nonexistent",
            "--log-format",
            "json",
        ])
        .env("MULTICAISSE_LOG", "info,tower_http=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = out.next_line().await.unwrap().unwrap();
    let url = ready
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let answer = reqwest::get(format!("{url}/api/health")).await.unwrap();
    let id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let mut logs = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let line = logs.next_line().await.unwrap().expect("a log line");
            let entry: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("JSON: {e}: {line}"));
            if entry["span"]["id"] == id.as_str() {
                return entry;
            }
        }
    })
    .await
    .expect("a line of the request");
    assert_eq!(line["span"]["path"], "/api/health", "{line}");
    child.kill().await.unwrap();
}

on_both_backends!(
    an_empty_database_starts_empty_and_says_how_to_make_the_first_account,
    the_admin_command_onboards_support_and_a_shop_and_disables_an_account,
    the_demo_is_refused_on_a_database_that_is_not_the_demos,
    the_demo_starts_again_on_its_own_data,
    a_sigterm_during_a_large_push_lets_it_finish_and_exits_zero,
    a_sigterm_ends_the_registers_event_streams_and_drains,
);
