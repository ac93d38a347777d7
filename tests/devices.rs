//! Appareils and Flotte in headless Chromium: the page stays open while the simulator syncs
//! register 2 over HTTP, and its state and the sync plan change without a reload; support
//! staff filter the fleet.

use chrono::Utc;
use fantoccini::Locator;
use multicaisse_core::freshness::StoreFreshness;
use multicaisse_core::store::Store;
use multicaisse_core::sync::PairRequest;
use multicaisse_e2e::{Browser, DemoServer, OWNER, SUPPORT};
use multicaisse_server::register_client::RegisterClient;
use multicaisse_server::simulate::{self, SimulateConfig, SyncOrder};
use serde_json::{json, Value};

const READ: &str = "return { \
    marker: window.__still_the_same_page === true, \
    states: [...document.querySelectorAll('#freshness tbody tr')].map(r => [r.dataset.register, r.dataset.state]), \
    todo: [...document.querySelectorAll('#sync-plan li.todo')].map(li => li.dataset.register), \
    done: [...document.querySelectorAll('#sync-plan li.done')].map(li => li.dataset.register), \
    first_reason: (document.querySelector('#sync-plan li.todo')||{}).textContent, \
    incidents: document.querySelectorAll('#incidents li').length, \
    syncing: [...document.querySelectorAll('#sync-lease .busy')].map(p => p.dataset.register), \
    timeline: (document.querySelector('#sync-timeline')||{}).naturalWidth || 0 };";

fn state_of(v: &Value, register: &str) -> String {
    v["states"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[0] == register))
        .and_then(|r| r[1].as_str())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_devices_page_follows_a_sync_without_a_reload() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let before: StoreFreshness = server
        .api(&format!("/api/stores/{}/sync-status", store.id))
        .await;
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser.click(Locator::LinkText("Appareils")).await;
    let shown = browser
        .wait_for("the devices page", READ, |v| {
            (v["states"].as_array().map(Vec::len) == Some(3) && v["timeline"].as_u64() > Some(0))
                .then(|| v.clone())
        })
        .await;
    // What the page shows is what the API says: register 2 holds unsent changes and pushes
    // first; the seasonal register is late.
    for r in &before.registers {
        assert_eq!(
            state_of(&shown, &r.register.number.to_string()),
            r.state.code()
        );
    }
    assert_eq!(state_of(&shown, "2"), "needs_resync");
    assert_eq!(state_of(&shown, "3"), "late");
    let planned: Vec<String> = before.plan.iter().map(|s| s.register.to_string()).collect();
    assert_eq!(shown["todo"], serde_json::json!(planned));
    assert_eq!(planned[0], "2");
    assert!(
        shown["first_reason"]
            .as_str()
            .is_some_and(|r| r.contains("envoie ses 2 modifications locales non envoyées")),
        "{shown}"
    );
    assert_eq!(shown["incidents"], 2, "the demo's two refused attempts");
    browser
        .client
        .execute("window.__still_the_same_page = true; return true;", vec![])
        .await
        .expect("mark the page");

    // The simulator, as an iPad would over HTTP: register 2 pairs and syncs.
    let today = Utc::now().with_timezone(&store.time_zone).date_naive();
    let config = SimulateConfig {
        payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
        url: server.url(""),
        store_id: store.id,
        registers: vec![2],
        from: today,
        until: today,
        seed: 11,
        syncs_per_day: 1,
        misbehave: vec![],
        order: SyncOrder::Once,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    };
    let report = simulate::run(&config).await.expect("the simulator syncs");
    assert_eq!(report.registers[0].syncs, 1);

    let after = browser
        .wait_for("register 2 up to date, without a reload", READ, |v| {
            (state_of(v, "2") == "up_to_date").then(|| v.clone())
        })
        .await;
    assert_eq!(after["marker"], true, "the page was not reloaded");
    let done = after["done"].as_array().expect("done steps");
    assert!(done.iter().all(|d| d == "2") && !done.is_empty(), "{after}");
    let todo: Vec<&str> = after["todo"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!todo.contains(&"2"), "{after}");
    let now: StoreFreshness = server
        .api(&format!("/api/stores/{}/sync-status", store.id))
        .await;
    let planned: Vec<String> = now.plan.iter().map(|s| s.register.to_string()).collect();
    assert_eq!(todo, planned.iter().map(String::as_str).collect::<Vec<_>>());
    assert_ne!(now.plan, before.plan);

    // Two registers sync at once, and both show as syncing; register 1 beginning a second
    // sync meanwhile (an iPad restarted in the middle of one) shows as a refused attempt,
    // without a reload.
    let support = SupportClient::sign_in(&server).await;
    let one = support.pair(&server, before.registers[0].register.id).await;
    let three = support.pair(&server, before.registers[2].register.id).await;
    let session = device_call(&server, &one, "begin", json!({})).await;
    assert_eq!(session.0, 200);
    browser
        .wait_for("register 1 syncing", READ, |v| {
            (v["syncing"] == json!(["1"])).then_some(())
        })
        .await;
    let other = device_call(&server, &three, "begin", json!({})).await;
    assert_eq!(other.0, 200, "{}", other.1);
    browser
        .wait_for("registers 1 and 3 syncing at once", READ, |v| {
            (v["syncing"] == json!(["1", "3"])).then_some(())
        })
        .await;
    assert_eq!(device_call(&server, &one, "begin", json!({})).await.0, 409);
    browser
        .wait_for("the refused attempt", READ, |v| {
            (v["incidents"] == 3).then_some(())
        })
        .await;
    for (device, begun) in [(&one, &session), (&three, &other)] {
        let ended = device_call(
            &server,
            device,
            "end",
            json!({ "session_id": begun.1["session_id"] }),
        )
        .await;
        assert_eq!(ended.0, 200);
    }
    let idle = browser
        .wait_for("no sync under way", READ, |v| {
            (v["syncing"] == json!([])).then(|| v.clone())
        })
        .await;
    assert_eq!(idle["marker"], true, "still the same page");

    // In English, the state badges and the plan speak English: register 3's state, whatever
    // its sync above made of it, in the words core gives it.
    let now: StoreFreshness = server
        .api(&format!("/api/stores/{}/sync-status", store.id))
        .await;
    let three_state = now.registers[2]
        .state
        .label(multicaisse_core::format::Lang::En);
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for(
            "English badges",
            "return (document.querySelector('#freshness tr[data-register=\"3\"] .badge')||{}).textContent;",
            |v| (v == three_state).then_some(()),
        )
        .await;
    browser.close().await;
}

/// Support staff over HTTP, as the simulator signs in: they enrol registers.
struct SupportClient {
    client: reqwest::Client,
    csrf: String,
}

impl SupportClient {
    async fn sign_in(server: &DemoServer) -> SupportClient {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let me: Value = client
            .post(server.url("/api/auth/sign-in"))
            .json(&json!({ "email": SUPPORT.email, "password": SUPPORT.password }))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("me");
        let csrf = me["csrf_token"].as_str().expect("a CSRF token").to_string();
        SupportClient { client, csrf }
    }

    /// A device token for a register: a pairing code, exchanged as an iPad does.
    async fn pair(&self, server: &DemoServer, register_id: i64) -> String {
        let code: Value = self
            .client
            .post(server.url(&format!("/api/registers/{register_id}/pairing-codes")))
            .header("X-CSRF-Token", &self.csrf)
            .json(&json!({}))
            .send()
            .await
            .expect("pairing code")
            .json()
            .await
            .expect("code");
        let pairing = PairRequest {
            code: code["code"].as_str().expect("a code").to_string(),
            device_name: "iPad de test".into(),
            device_model: "iPad".into(),
        };
        let (register, _) =
            RegisterClient::pair(&reqwest::Client::new(), &server.url(""), &pairing)
                .await
                .expect("paired");
        register.token().to_string()
    }
}

async fn device_call(server: &DemoServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    let register = RegisterClient::with_token(&reqwest::Client::new(), &server.url(""), token);
    let response = register.post_raw(path, &body).await.expect("sync call");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn support_filters_the_fleet() {
    let server = DemoServer::start().await;
    let browser = Browser::start().await;
    browser.sign_in(&server, &SUPPORT).await;
    browser.click(Locator::LinkText("Flotte")).await;
    let rows = "return { rows: [...document.querySelectorAll('#fleet tbody tr')].map(r => r.dataset.state), \
                page: (document.querySelector('#fleet-page')||{}).textContent, \
                next: [...document.querySelectorAll('#fleet-next')].flatMap(b => [b.textContent.trim(), b.disabled]), \
                stores: [...document.querySelectorAll('#fleet tbody tr')].map(r => r.cells[0].textContent) };";
    let all = browser
        .wait_for("the fleet", rows, |v| {
            (v["rows"].as_array().map(Vec::len) == Some(4)).then(|| v.clone())
        })
        .await;
    // Worst first: the seasonal register (late), then register 2 (needs a sync).
    assert_eq!(all["rows"][0], "late", "{all}");
    assert_eq!(all["rows"][1], "needs_resync", "{all}");
    assert_eq!(all["page"], "page 1 sur 1 · 4 caisses");
    // A shop is its name, its number said in words beside it ("Cave des Canuts (1)" before).
    let stores: Vec<multicaisse_core::store::Store> = server.api("/api/stores").await;
    for shown in all["stores"].as_array().expect("store cells") {
        let shown = shown.as_str().expect("text");
        assert!(
            stores
                .iter()
                .any(|s| shown == format!("{}Boutique n° {}", s.name, s.id)),
            "{shown}"
        );
    }
    assert_eq!(
        all["next"],
        serde_json::json!(["Suivante →", true]),
        "{all}"
    );
    browser.fill(Locator::Css("#fleet-store"), "chai").await;
    browser
        .client
        .execute(
            "document.querySelector('#fleet-store').dispatchEvent(new Event('change')); return true;",
            vec![],
        )
        .await
        .expect("change");
    browser
        .wait_for("one store", rows, |v| {
            (v["rows"].as_array().map(Vec::len) == Some(1)).then_some(())
        })
        .await;
    browser
        .client
        .execute(
            "const s = document.querySelector('#fleet-state'); s.value = 'late'; \
             s.dispatchEvent(new Event('change')); return true;",
            vec![],
        )
        .await
        .expect("state");
    browser
        .wait_for("no late register in that store", rows, |v| {
            (v["rows"].as_array().map(Vec::len) == Some(0)).then_some(())
        })
        .await;
    // In English: the heading and the state chips.
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for(
            "the fleet in English",
            "return [(document.querySelector('h1')||{}).textContent, \
             (document.querySelector('#fleet-counts li[data-state=late] .badge')||{}).textContent];",
            |v| (v[0] == "Fleet" && v[1] == "late").then_some(()),
        )
        .await;
    browser.close().await;
}

/// The list of alerts a page shows: kind, register, title, link text, and the header count.
const READ_ALERTS: &str = r#"
    const text = (el, sel) => (el.querySelector(sel) || {}).textContent || null;
    return {
        path: location.pathname,
        heading: text(document, 'main h1'),
        count: text(document, '.alert-count .alert-number'),
        clear: text(document, '.alerts .all-clear'),
        alerts: [...document.querySelectorAll('.alert-list .alert')].map(li => ({
            kind: li.dataset.kind, register: li.dataset.register,
            store: text(li, '.alert-store'), title: text(li, '.alert-title'),
            link: text(li, '.alert-link') })),
    };
"#;

fn titles(
    alerts: &[multicaisse_core::alerts::OpenAlert],
    lang: multicaisse_core::format::Lang,
) -> Vec<String> {
    alerts.iter().map(|a| a.alert.title(lang)).collect()
}

/// A register refused because a sync of its own was under way: the owner's first screen and header
/// say so, with what to do and a link to *Appareils*; once it has synced, the alert is gone.
/// Support sees every shop's alerts on *Flotte*.
#[tokio::test(flavor = "multi_thread")]
async fn what_needs_attention_comes_to_the_owner_and_clears_itself() {
    use multicaisse_core::alerts::{AlertKind, OpenAlert};
    use multicaisse_core::format::Lang;
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let registers: Vec<multicaisse_core::store::Register> = server
        .api(&format!("/api/stores/{}/registers", store.id))
        .await;
    let support = SupportClient::sign_in(&server).await;
    let one = support.pair(&server, registers[0].id).await;
    let two = support.pair(&server, registers[1].id).await;
    let (status, held) = device_call(&server, &one, "begin", json!({})).await;
    assert_eq!(status, 200, "{held}");
    // Another register syncs meanwhile; the same one a second time does not.
    let (status, beside) = device_call(&server, &two, "begin", json!({})).await;
    assert_eq!(status, 200, "{beside}");
    let (status, _) = device_call(&server, &two, "begin", json!({})).await;
    assert_eq!(status, 409);
    let path = format!("/api/stores/{}/alerts", store.id);
    let expected: Vec<OpenAlert> = server.api(&path).await;
    let refused = expected
        .iter()
        .find(|a| a.alert.kind == AlertKind::SyncFailed)
        .expect("the refused sync is an alert");
    assert_eq!(refused.alert.register_id, registers[1].id);

    let browser = Browser::start().await;
    browser.client.set_window_size(820, 1180).await.unwrap();
    browser.sign_in(&server, &OWNER).await;
    let seen = browser
        .wait_for("the alerts on the first screen", READ_ALERTS, |v| {
            (v["alerts"].as_array()?.len() == expected.len()).then(|| v.clone())
        })
        .await;
    let shown: Vec<&str> = seen["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(shown, titles(&expected, Lang::Fr), "{seen}");
    assert_eq!(seen["count"], expected.len().to_string().as_str(), "{seen}");
    let failed = seen["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "sync_failed")
        .unwrap();
    assert_eq!(failed["link"], "Ouvrir Appareils");
    assert!(failed["title"]
        .as_str()
        .unwrap()
        .ends_with(" : dernière synchronisation refusée ou interrompue"));

    // Its link opens the page where it is dealt with.
    browser
        .click(Locator::Css(".alert-sync_failed .alert-link"))
        .await;
    browser
        .wait_for("Appareils", READ_ALERTS, |v| {
            (v["path"] == "/appareils").then_some(())
        })
        .await;

    // The register syncs once its first sync is over: the alert clears by itself.
    let session = held["session_id"].clone();
    let (status, _) = device_call(&server, &one, "end", json!({ "session_id": session })).await;
    assert_eq!(status, 200);
    let session = beside["session_id"].clone();
    let (status, _) = device_call(&server, &two, "end", json!({ "session_id": session })).await;
    assert_eq!(status, 200);
    let (status, begun) = device_call(&server, &two, "begin", json!({})).await;
    assert_eq!(status, 200, "{begun}");
    let (status, _) = device_call(
        &server,
        &two,
        "end",
        json!({ "session_id": begun["session_id"] }),
    )
    .await;
    assert_eq!(status, 200);
    let now: Vec<OpenAlert> = server.api(&path).await;
    assert_eq!(now.len(), expected.len() - 1);
    browser.click(Locator::LinkText("Aujourd'hui")).await;
    // The list as it is now, and the header's count with it (an empty list while the page
    // loads is not "the alert gone").
    let after = browser
        .wait_for("the alert gone", READ_ALERTS, |v| {
            let kinds = v["alerts"].as_array()?;
            (v["path"] == "/"
                && kinds.len() == now.len()
                && kinds.iter().all(|a| a["kind"] != "sync_failed")
                && v["count"].as_str()
                    == (!now.is_empty()).then(|| now.len().to_string()).as_deref())
            .then(|| v.clone())
        })
        .await;
    assert_eq!(
        after["count"].as_str().map(str::to_string),
        (!now.is_empty()).then(|| now.len().to_string()),
        "{after}"
    );
    // In English, the same alerts in English.
    browser.click(Locator::Css("button.lang-switch")).await;
    let english = browser
        .wait_for("English alerts", READ_ALERTS, |v| {
            (v["alerts"].as_array()?.len() == now.len()
                && v["alerts"][0]["title"]
                    == titles(&now, Lang::En).first().map_or("", |s| s.as_str()))
            .then(|| v.clone())
        })
        .await;
    if let Some(first) = english["alerts"].as_array().unwrap().first() {
        assert!(
            first["link"].as_str().unwrap().starts_with("Open "),
            "{english}"
        );
    }
    browser.click(Locator::Css("button.lang-switch")).await;

    // Support: every shop's alerts on Flotte, each with its shop.
    browser.click(Locator::Css("button.sign-out")).await;
    browser.sign_in(&server, &SUPPORT).await;
    browser.click(Locator::LinkText("Flotte")).await;
    let fleet: Vec<OpenAlert> = {
        let response = support
            .client
            .get(server.url("/api/alerts"))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    };
    let on_fleet = browser
        .wait_for("the fleet's alerts", READ_ALERTS, |v| {
            (v["path"] == "/flotte" && v["alerts"].as_array()?.len() == fleet.len())
                .then(|| v.clone())
        })
        .await;
    for (shown, alert) in on_fleet["alerts"].as_array().unwrap().iter().zip(&fleet) {
        assert_eq!(shown["store"], alert.store_name.as_str(), "{on_fleet}");
        assert_eq!(
            shown["title"],
            alert.alert.title(Lang::Fr).as_str(),
            "{on_fleet}"
        );
    }
    browser.close().await;
}
