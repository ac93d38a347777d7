//! Helpers for the browser tests: the real server over a fresh demo database, serving the
//! built app, and headless Chromium driven through chromedriver.

use fantoccini::{Client, ClientBuilder, Locator};
use multicaisse_server::config::ServeConfig;
use multicaisse_server::RunningServer;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::process::{Child, Command};

/// The app Trunk built (`trunk build --release`, run by scripts/test.sh before the tests).
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("MULTICAISSE_TEST_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    assert!(
        dist.join("index.html").is_file(),
        "the app is not built: {} has no index.html. Run `trunk build --release` (scripts/test.sh does).",
        dist.display()
    );
    dist
}

/// The server with its demo store, as `scripts/demo.sh` starts it, on a free port.
pub struct DemoServer {
    pub server: RunningServer,
    /// Signed in as the demo's owner, for reading what the pages should show.
    owner: reqwest::Client,
    /// The owner's CSRF token, for what the owner does elsewhere while a page is open.
    owner_csrf: String,
    _data: TempDir,
}

pub use multicaisse_server::demo::accounts::{DemoAccount, ACCOUNTANT, OWNER, SUPPORT};

/// The server tests' SMTP server (Python's aiosmtpd over TCP), shared rather than copied.
#[path = "../../crates/server/tests/server/support/smtp.rs"]
pub mod smtp;

impl DemoServer {
    pub async fn start() -> DemoServer {
        DemoServer::start_with(|_| {}).await
    }

    /// The demo server with a setting of its own: a mail server, say.
    pub async fn start_with(tweak: impl FnOnce(&mut ServeConfig)) -> DemoServer {
        let data = tempfile::tempdir().expect("temp dir");
        let mut config = ServeConfig::local(data.path().to_path_buf(), dist_dir());
        config.demo = true;
        tweak(&mut config);
        let server = multicaisse_server::start(&config)
            .await
            .expect("server starts");
        let owner = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let response = owner
            .post(format!("{}/api/auth/sign-in", server.url()))
            .json(&json!({ "email": OWNER.email, "password": OWNER.password }))
            .send()
            .await
            .expect("sign in");
        assert!(response.status().is_success(), "the demo owner signs in");
        let me: serde_json::Value = response.json().await.expect("the owner's session");
        let owner_csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
        DemoServer {
            server,
            owner,
            owner_csrf,
            _data: data,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// What the owner does from another device while a page is open (a POST of the API).
    pub async fn owner_post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let request = self
            .owner
            .post(self.url(path))
            .header(multicaisse_core::auth::CSRF_HEADER, &self.owner_csrf)
            .json(&body);
        answer(path, request).await
    }

    pub async fn api<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        answer(path, self.owner.get(self.url(path))).await
    }
}

/// The JSON of a request that must succeed.
async fn answer<T: serde::de::DeserializeOwned>(path: &str, request: reqwest::RequestBuilder) -> T {
    let response = request.send().await.expect("API request");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("API JSON")
}

/// Every page the demo's owner opens, *Ventes* last (the sweeps open its tickets from there).
pub const OWNER_PAGES: [&str; 10] = [
    "/",
    "/appareils",
    "/abonnement",
    "/z",
    "/mise-hors-service",
    "/acces",
    "/boutique",
    "/journal",
    "/compte",
    "/ventes",
];

/// A chromedriver of our own on a free port, and a headless Chromium session through it.
pub struct Browser {
    pub client: Client,
    driver_url: String,
    _driver: Child,
    _profile: TempDir,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    listener.local_addr().expect("address").port()
}

impl Browser {
    pub async fn start() -> Browser {
        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chrome_path =
            std::env::var("CHROME_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_path} (install chromium-driver; scripts/test.sh does): {e}"));
        let profile = tempfile::tempdir().expect("temp dir");
        // The flags that work headless as root on these machines, without any network.
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1024,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "goog:chromeOptions": { "binary": chrome_path, "args": args }
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("chromedriver on {url} gave no session: {e}"),
            }
        };
        Browser {
            client,
            driver_url: url,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Evaluates `script` (a function body returning a value) until `accept` takes its result,
    /// for at most 15 seconds.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        script: &str,
        accept: impl Fn(&Value) -> Option<T>,
    ) -> T {
        let started = Instant::now();
        let mut last = Value::Null;
        while started.elapsed() < Duration::from_secs(15) {
            match self.client.execute(script, vec![]).await {
                Ok(value) => {
                    if let Some(done) = accept(&value) {
                        return done;
                    }
                    last = value;
                }
                Err(e) => last = Value::String(e.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}; last seen: {last}");
    }

    /// Waits for an element to appear, then clicks it.
    pub async fn click(&self, locator: Locator<'_>) {
        let what = format!("{locator:?}");
        self.client
            .wait()
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{what} never appeared: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {what}: {e}"));
    }

    /// Signs in through the page, as a person would, and waits for the navigation.
    pub async fn sign_in(&self, server: &DemoServer, account: &DemoAccount) {
        self.client
            .goto(&server.url("/"))
            .await
            .expect("open the dashboard");
        self.fill(Locator::Css("#email"), account.email).await;
        self.fill(Locator::Css("#password"), account.password).await;
        self.click(Locator::Css("form button[type=submit]")).await;
        self.wait_for(
            &format!("{} signed in", account.email),
            "return document.querySelectorAll('nav.tabs a').length;",
            |v| (v.as_u64()? > 0).then_some(()),
        )
        .await;
    }

    /// Signs out through the header's button, as a person would, and waits for the sign-in
    /// page.
    pub async fn sign_out(&self) {
        self.click(Locator::Css("button.sign-out")).await;
        self.wait_for(
            "the sign-in page",
            "return !!document.querySelector('#email');",
            |v| (v == true).then_some(()),
        )
        .await;
    }

    /// Types into an input once it is there.
    pub async fn fill(&self, locator: Locator<'_>, text: &str) {
        let what = format!("{locator:?}");
        let input = self
            .client
            .wait()
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{what} never appeared: {e}"));
        input.clear().await.ok();
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {what}: {e}"));
    }

    /// Types `email` into an invitation form's `input`, sends the form, and returns the link
    /// the page then shows, checked to lead to the server's invitation page.
    pub async fn invite(
        &self,
        server: &DemoServer,
        input: &str,
        form: &str,
        email: &str,
    ) -> String {
        self.fill(Locator::Css(input), email).await;
        self.click(Locator::Css(&format!("{form} button[type=submit]")))
            .await;
        let link = self
            .wait_for(
                "the invitation link",
                "return (document.querySelector('#invitation-link') || {}).value;",
                |v| v.as_str().map(str::to_string),
            )
            .await;
        assert!(link.starts_with(&server.url("/invitation/")), "{link}");
        link
    }

    /// Cuts the browser off the network, or brings it back, as a shop's Wi-Fi does: through
    /// Chromium's own network emulation (chromedriver's `network_conditions`).
    pub async fn set_offline(&self, offline: bool) {
        self.network_conditions(offline, 0).await;
    }

    /// Makes every request wait `latency_ms` before its answer, as a shop's Wi-Fi or a phone
    /// network does: answers then arrive in the order they do for a person, not all at once.
    pub async fn set_latency(&self, latency_ms: u32) {
        self.network_conditions(false, latency_ms).await;
    }

    async fn network_conditions(&self, offline: bool, latency_ms: u32) {
        let response = self
            .driver_post(
                "chromium/network_conditions",
                json!({ "network_conditions": {
                    "offline": offline, "latency": latency_ms,
                    "download_throughput": -1, "upload_throughput": -1,
                } }),
            )
            .await;
        assert!(
            response.status().is_success(),
            "network conditions: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// A script run in every document this browser opens from now on, before the page's own
    /// (DevTools' `Page.addScriptToEvaluateOnNewDocument`, through chromedriver).
    pub async fn run_at_document_start(&self, source: &str) {
        let response = self
            .driver_post(
                "goog/cdp/execute",
                json!({ "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": { "source": source } }),
            )
            .await;
        assert!(
            response.status().is_success(),
            "a script at document start: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// A command of chromedriver's own for this session (`/session/{id}/{command}`), beyond
    /// what WebDriver and fantoccini have.
    async fn driver_post(&self, command: &str, body: Value) -> reqwest::Response {
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a session");
        reqwest::Client::new()
            .post(format!("{}/session/{session}/{command}", self.driver_url))
            .json(&body)
            .send()
            .await
            .expect("chromedriver answers")
    }

    /// A Chrome DevTools command, through chromedriver's endpoint for them.
    async fn devtools(&self, cmd: &str, params: Value) -> Value {
        self.driver_post("goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
            .json()
            .await
            .expect("JSON")
    }

    /// The whole page as a PNG, below the fold too: the viewport is made as tall as the page
    /// for the shot (a window cannot be taller than the screen), then given back.
    pub async fn full_page_png(&self, width: u32) -> Vec<u8> {
        use base64::Engine;
        // The page is re-laid out at its new size while the shot is taken: one that came
        // back a screen tall is taken again.
        let mut png = Vec::new();
        for _ in 0..4 {
            let metrics = self.devtools("Page.getLayoutMetrics", json!({})).await;
            let height = metrics["value"]["cssContentSize"]["height"]
                .as_f64()
                .unwrap_or(1000.0)
                .clamp(100.0, 16_000.0)
                .ceil() as u32;
            self.devtools(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
            )
            .await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let shot = self
                .devtools("Page.captureScreenshot", json!({ "format": "png" }))
                .await;
            self.devtools("Emulation.clearDeviceMetricsOverride", json!({}))
                .await;
            let data = shot["value"]["data"].as_str().expect("a screenshot");
            png = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("base64");
            let shot_height = png
                .get(20..24)
                .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            if shot_height + 2 >= height {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        png
    }

    /// What axe-core finds wrong with the page as it is now, one line a rule broken: its
    /// id, impact, where (three places at most) and what it asks. axe's script comes from
    /// npm (`scripts/tools.sh` `ensure_axe`, at `$MULTICAISSE_AXE`) and runs in the page.
    pub async fn axe_violations(&self) -> Vec<String> {
        static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let source = AXE.get_or_init(|| {
            let path = std::env::var("MULTICAISSE_AXE").unwrap_or_else(|_| {
                format!(
                    "{}/.multicaisse-tools/node_modules/axe-core/axe.min.js",
                    std::env::var("HOME").unwrap_or_default()
                )
            });
            std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("axe-core is not at {path} ({e}): scripts/test.sh installs it (ensure_axe)")
            })
        });
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .expect("a page");
        if loaded != true {
            self.client
                .execute(&format!("{source}\n;return true;"), vec![])
                .await
                .expect("axe-core loads in the page");
        }
        let found = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document)
                    .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')
                        + ' — ' + v.help)
                        // A run that checked nothing would pass anything.
                        .concat(r.passes.length < 10 ? ['axe checked only ' + r.passes.length + ' rules'] : [])))
                    .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .expect("axe runs");
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
