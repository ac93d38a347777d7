//! The decommission wizard in headless Chromium, on a register support just activated: the
//! owner starts it and sees it blocked, in the API's words; the simulator closes the register's
//! last month and syncs it twice, and the page follows without a reload; support confirms the
//! suspension from *Demandes*; the owner confirms the uninstall, and every step is done.

use chrono::{Datelike, Days, Utc};
use fantoccini::Locator;
use multicaisse_core::auth::{Me, CSRF_HEADER};
use multicaisse_core::decommission::Decommission;
use multicaisse_core::requests::{Activation, RegisterRequest};
use multicaisse_core::store::Store;
use multicaisse_e2e::{Browser, DemoServer, OWNER, SUPPORT};
use multicaisse_server::simulate::{self, SimulateConfig, SyncOrder};
use serde_json::{json, Value};

/// Support's own client over the API, with its session and CSRF token.
struct Support {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Support {
    async fn sign_in(server: &DemoServer) -> Support {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let base = server.url("");
        let me: Me = client
            .post(format!("{base}/api/auth/sign-in"))
            .json(&json!({ "email": SUPPORT.email, "password": SUPPORT.password }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Support {
            client,
            base,
            csrf: me.csrf_token,
        }
    }

    async fn post<T: serde::de::DeserializeOwned>(&self, path: &str, body: Value) -> T {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(CSRF_HEADER, &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }
}

const READ: &str = "return { \
    same_page: window.__still_the_same_page === true, \
    steps: [...document.querySelectorAll('#wizard li.step')].map(li => [li.dataset.step, li.dataset.state, li.textContent]), \
    uninstall: !!document.querySelector('#confirm-uninstall') };";

fn state(v: &Value, step: &str) -> Option<String> {
    v["steps"]
        .as_array()?
        .iter()
        .find(|s| s[0] == step)
        .and_then(|s| s[1].as_str().map(String::from))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_walks_the_wizard_while_the_register_syncs() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let support = Support::sign_in(&server).await;
    let request: RegisterRequest = support
        .post(
            &format!("/api/stores/{}/register-requests", store.id),
            json!({ "label": "Caisse 5 — Fin de saison" }),
        )
        .await;
    let activation: Activation = support
        .post(
            &format!("/api/register-requests/{}/activate", request.id),
            json!({}),
        )
        .await;
    let register = activation.register;

    let owner = Browser::start().await;
    owner.sign_in(&server, &OWNER).await;
    owner
        .client
        .goto(&server.url("/mise-hors-service"))
        .await
        .expect("open");
    owner
        .click(Locator::Css(&format!(
            "tr[data-register='{}'] button.open-wizard",
            register.number
        )))
        .await;
    // Starting asks first; going back starts nothing.
    owner.click(Locator::Css("#start-decommission")).await;
    let question = owner
        .wait_for(
            "the question before starting",
            "return (document.querySelector('#confirm-start-question') || {}).textContent || null;",
            |v| v.as_str().map(str::to_string),
        )
        .await;
    assert!(
        question.starts_with(&format!(
            "Commencer la mise hors service de «\u{a0}{}\u{a0}»\u{a0}? La caisse continue de vendre",
            register.label
        )),
        "{question}"
    );
    owner.click(Locator::Css("#start-decommission-back")).await;
    owner
        .wait_for(
            "no decommission started",
            "return !!document.querySelector('#start-decommission') && !document.querySelector('#wizard li.step');",
            |v| (v == true).then_some(()),
        )
        .await;
    owner.click(Locator::Css("#start-decommission")).await;
    owner
        .click(Locator::Css("#start-decommission-confirm"))
        .await;
    let blocked = owner
        .wait_for("the wizard, blocked on step 2", READ, |v| {
            (state(v, "2")? == "blocked").then(|| v.clone())
        })
        .await;
    let api: Decommission = server
        .api(&format!(
            "/api/registers/{}/decommission?lang=fr",
            register.id
        ))
        .await;
    let reason = &api.steps[1].reasons[0];
    let shown = blocked["steps"][1][2].as_str().unwrap();
    assert!(shown.contains(reason.as_str()), "{shown} / {reason}");
    owner
        .client
        .execute("window.__still_the_same_page = true; return true;", vec![])
        .await
        .unwrap();

    // The register sells the last three days of last month and closes it; then it syncs
    // twice on a day to come, with nothing to sell yet.
    let today = store.today(Utc::now());
    let last_month_end = today.with_day(1).unwrap() - Days::new(1);
    let later = (today.with_day(1).unwrap() + Days::new(40))
        .with_day(10)
        .unwrap();
    for (from, until) in [
        (last_month_end - Days::new(2), last_month_end),
        (later, later),
        (later, later),
    ] {
        simulate::run(&SimulateConfig {
            payment_methods: multicaisse_core::ticket::PaymentMethod::ALL.to_vec(),
            url: server.url(""),
            store_id: store.id,
            registers: vec![register.number],
            from,
            until,
            seed: 5,
            syncs_per_day: 1,
            misbehave: vec![],
            order: SyncOrder::Once,
            email: SUPPORT.email.into(),
            password: SUPPORT.password.into(),
        })
        .await
        .expect("the simulator syncs");
    }
    owner
        .wait_for("steps 2 to 4 done, without a reload", READ, |v| {
            (v["same_page"] == true
                && ["2", "3", "4"]
                    .iter()
                    .all(|s| state(v, s).as_deref() == Some("done"))
                && state(v, "5")? == "ready")
                .then_some(())
        })
        .await;

    // Support confirms the suspension from Demandes.
    let support_browser = Browser::start().await;
    support_browser.sign_in(&server, &SUPPORT).await;
    support_browser
        .client
        .goto(&server.url("/demandes"))
        .await
        .expect("open");
    support_browser
        .click(Locator::Css(&format!(
            "#decommissions li[data-register-id='{}'] button.suspend",
            register.id
        )))
        .await;
    owner
        .wait_for("the suspension on the owner's page", READ, |v| {
            (v["same_page"] == true && state(v, "6")? == "done" && v["uninstall"] == true)
                .then_some(())
        })
        .await;
    owner.click(Locator::Css("#confirm-uninstall")).await;
    owner
        .wait_for("every step done", READ, |v| {
            let steps = v["steps"].as_array()?;
            (steps.len() == 7 && steps.iter().all(|s| s[1] == "done")).then_some(())
        })
        .await;
    // Left and resumed: the address opens the same wizard.
    owner
        .client
        .goto(&server.url(&format!("/mise-hors-service?register={}", register.number)))
        .await
        .expect("open");
    owner
        .wait_for("the wizard resumed from its address", READ, |v| {
            let steps = v["steps"].as_array()?;
            (steps.len() == 7 && steps.iter().all(|s| s[1] == "done")).then_some(())
        })
        .await;
    // In English, the same steps in the other language.
    owner.click(Locator::Css("button.lang-switch")).await;
    owner
        .wait_for("the wizard in English", READ, |v| {
            let steps = v["steps"].as_array()?;
            (steps.len() == 7
                && steps[6][2].as_str()?.contains("App uninstall confirmed")
                && steps[6][2].as_str()?.contains("done"))
            .then_some(())
        })
        .await;
    let done: Decommission = server
        .api(&format!("/api/registers/{}/decommission", register.id))
        .await;
    assert!(done.progress.uninstalled_at.is_some());
    owner.close().await;
    support_browser.close().await;
}

/// A double click sends one request: the owner clicks "start" twice before the first answer
/// is back, in French, then "cancel" twice in English. Each step is taken once and the page
/// shows no refusal. Before actions guarded their pending state, the second click started the
/// same decommission again and the page showed the server's 409.
#[tokio::test(flavor = "multi_thread")]
async fn a_double_click_takes_a_step_once() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let support = Support::sign_in(&server).await;
    let request: RegisterRequest = support
        .post(
            &format!("/api/stores/{}/register-requests", store.id),
            json!({ "label": "Caisse 6 — Salon" }),
        )
        .await;
    let activation: Activation = support
        .post(
            &format!("/api/register-requests/{}/activate", request.id),
            json!({}),
        )
        .await;
    let register = activation.register;
    let owner = Browser::start().await;
    owner.sign_in(&server, &OWNER).await;
    owner
        .client
        .goto(&server.url(&format!("/mise-hors-service?register={}", register.number)))
        .await
        .expect("open");
    // Two clicks in a row, before any answer. The page counts the requests it sends and
    // whether the button was disabled while the step travelled.
    const DOUBLE_CLICK: &str = "const b = document.querySelector(arguments[0]); \
        if (!b) return false; window.__was_disabled = false; window.__posts = 0; \
        if (!window.__counting) { window.__counting = true; const fetch = window.fetch; \
            window.fetch = function (request, init) { \
                const method = (init && init.method) || (request && request.method) || 'GET'; \
                if (method.toUpperCase() === 'POST') window.__posts += 1; \
                return fetch.apply(this, arguments); }; } \
        new MutationObserver(() => { if (b.disabled) window.__was_disabled = true; }) \
            .observe(b, { attributes: true }); \
        b.click(); b.click(); return true;";
    const SEEN: &str = "return { \
        error: document.querySelector('#wizard-error')?.textContent ?? null, \
        was_disabled: window.__was_disabled === true, \
        posts: window.__posts, \
        steps: document.querySelectorAll('#wizard li.step').length, \
        cancelled: !!document.querySelector('#wizard .notice'), \
        cancel: !!document.querySelector('#cancel-decommission') };";
    owner.click(Locator::Css("#start-decommission")).await;
    owner
        .client
        .wait()
        .for_element(Locator::Css("#start-decommission-confirm"))
        .await
        .expect("the confirmation");
    let disabled = owner
        .client
        .execute(DOUBLE_CLICK, vec![json!("#start-decommission-confirm")])
        .await
        .unwrap();
    assert_eq!(
        disabled,
        json!(true),
        "the button says the step is on its way"
    );
    owner
        .wait_for("the wizard started", SEEN, |v| {
            (v["steps"].as_u64()? == 7 && v["cancel"] == true).then_some(())
        })
        .await;
    let badge = format!(
        "return (document.querySelector(\"table.registers tr[data-register='{}'] .under-way\") || {{}}).textContent || null;",
        register.number
    );
    // The list marks it as on its way out.
    owner
        .wait_for("the list marks the decommission", &badge, |v| {
            (v == "mise hors service en cours").then_some(())
        })
        .await;
    // Long enough for a second request's answer to be drawn, had one been sent.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let seen = owner.client.execute(SEEN, vec![]).await.unwrap();
    assert_eq!(seen["error"], Value::Null, "{seen}");
    assert_eq!(seen["posts"], 1, "one request for two clicks: {seen}");
    assert_eq!(
        seen["was_disabled"], true,
        "the button showed the step on its way: {seen}"
    );

    owner.click(Locator::Css("button.lang-switch")).await;
    owner
        .wait_for("the wizard in English", READ, |v| {
            let steps = v["steps"].as_array()?;
            steps[0][2]
                .as_str()?
                .contains("Decommission started")
                .then_some(())
        })
        .await;
    let clicked = owner
        .client
        .execute(DOUBLE_CLICK, vec![json!("#cancel-decommission")])
        .await
        .unwrap();
    assert_eq!(clicked, json!(true));
    owner
        .wait_for("the decommission cancelled", SEEN, |v| {
            (v["cancelled"] == true).then_some(())
        })
        .await;
    owner
        .wait_for("the list no longer marks it", &badge, |v| {
            v.is_null().then_some(())
        })
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let seen = owner.client.execute(SEEN, vec![]).await.unwrap();
    assert_eq!(seen["error"], Value::Null, "{seen}");
    assert_eq!(seen["posts"], 1, "one request for two clicks: {seen}");
    assert_eq!(
        seen["was_disabled"], true,
        "the button showed the step on its way: {seen}"
    );
    let audit: Vec<multicaisse_core::auth::AuditEntry> =
        server.api(&format!("/api/stores/{}/audit", store.id)).await;
    let about_it = |event: multicaisse_core::auth::AuditEvent| {
        audit
            .iter()
            .filter(|e| e.event == event && e.detail.contains(&register.label))
            .count()
    };
    assert_eq!(
        about_it(multicaisse_core::auth::AuditEvent::DecommissionStarted),
        1
    );
    assert_eq!(
        about_it(multicaisse_core::auth::AuditEvent::DecommissionCancelled),
        1
    );

    // Cancelled, it may be started again (the page is in English now).
    let again = owner
        .wait_for(
            "the button to start again",
            "return (document.querySelector('#start-decommission') || {}).textContent || null;",
            |v| v.as_str().map(str::to_string),
        )
        .await;
    assert_eq!(again, "Start the decommission again");
    owner.click(Locator::Css("#start-decommission")).await;
    owner
        .click(Locator::Css("#start-decommission-confirm"))
        .await;
    owner
        .wait_for("the wizard started again", SEEN, |v| {
            (v["steps"].as_u64()? == 7 && v["cancel"] == true && v["cancelled"] == false)
                .then_some(())
        })
        .await;
    // Its steps are numbered once, by the list; the principal register offers no wizard.
    let seen = owner
        .client
        .execute(
            "return { titles: [...document.querySelectorAll('#wizard li.step strong')].map(s => s.textContent), \
             principal: [...document.querySelectorAll('table.registers tbody tr')] \
                .filter(tr => tr.querySelector('.principal-note')) \
                .map(tr => [tr.dataset.register, !!tr.querySelector('.open-wizard'), tr.querySelector('.principal-note').textContent]) };",
            vec![],
        )
        .await
        .unwrap();
    let titles = seen["titles"].as_array().unwrap();
    assert_eq!(titles.len(), 7, "{seen}");
    assert!(
        titles.iter().all(|t| !t
            .as_str()
            .unwrap()
            .starts_with(|c: char| c.is_ascii_digit())),
        "{seen}"
    );
    assert_eq!(
        seen["principal"],
        json!([["1", false, "Part of the base plan"]])
    );
    owner.close().await;
}
