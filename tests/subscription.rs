//! Abonnement in headless Chromium: the demo's owner sees each register's price, the monthly
//! total and this month's invoice as the API computes them, and the seasonal register's
//! set-up checklist naming what it lacks.

use fantoccini::Locator;
use multicaisse_core::format::{format_eur, Lang};
use multicaisse_core::store::Store;
use multicaisse_core::subscription::Subscription;
use multicaisse_e2e::{Browser, DemoServer, OWNER};
use serde_json::Value;

const READ: &str = r#"
    const text = sel => (document.querySelector(sel) || {}).textContent;
    return {
        prices: [...document.querySelectorAll('table.subscription tbody tr')].map(r => r.dataset.register + '|' + r.lastElementChild.textContent),
        monthly: text('#monthly-total'),
        next: text('#next-invoice .invoice-total'),
        lines: [...document.querySelectorAll('#next-invoice li')].map(li => li.textContent),
        history: document.querySelectorAll('#invoice-history .invoice').length,
        setup: [...document.querySelectorAll('#setup > li')].map(li => li.dataset.register + '|' + li.textContent),
        colours: ['li.ok', 'li:not(.ok):not(.warning)'].map(sel =>
            [...new Set([...document.querySelectorAll('#setup ul > ' + sel)].map(li => getComputedStyle(li).color))]),
    };
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_sees_what_the_registers_cost_and_how_they_were_set_up() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let subscription: Subscription = server
        .api(&format!("/api/stores/{}/subscription", store.id))
        .await;
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url("/abonnement"))
        .await
        .expect("open");
    let shown = browser
        .wait_for("the subscription", READ, |v: &Value| {
            (v["setup"].as_array()?.len() == subscription.registers.len()).then(|| v.clone())
        })
        .await;
    let eur = |cents| format_eur(cents, Lang::Fr);
    let prices: Vec<String> = subscription
        .registers
        .iter()
        .map(|r| {
            format!(
                "{}|{}",
                r.register.number,
                r.monthly_ht
                    .map_or_else(|| "incluse dans l'abonnement de base".into(), eur)
            )
        })
        .collect();
    assert_eq!(shown["prices"], serde_json::json!(prices));
    let totals = |a: multicaisse_core::subscription::Amounts| {
        format!("{} HT + {} TVA = {} TTC", eur(a.ht), eur(a.vat), eur(a.ttc))
    };
    assert!(
        shown["monthly"]
            .as_str()
            .unwrap()
            .ends_with(&totals(subscription.monthly)),
        "{shown}"
    );
    assert_eq!(shown["next"], totals(subscription.next_invoice.totals));
    assert_eq!(
        shown["lines"].as_array().unwrap().len(),
        subscription.next_invoice.lines.len()
    );
    assert_eq!(shown["history"], subscription.history.len());
    let setup: Vec<&str> = shown["setup"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(setup[0].contains("tout est conforme"), "{setup:?}");
    assert!(
        setup[2].contains("✗ moyens de paiement : la caisse 3 n'a pas « Bon d'achat »"),
        "{setup:?}"
    );

    // A check that passed is not in the colour of one that failed (every line of a register
    // with a failing check was red before).
    let colours = shown["colours"].as_array().unwrap();
    let (passed, failed) = (
        colours[0].as_array().unwrap(),
        colours[1].as_array().unwrap(),
    );
    assert!(!passed.is_empty() && !failed.is_empty(), "{shown}");
    assert!(passed.iter().all(|c| !failed.contains(c)), "{shown}");

    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for(
            "the checklist in English",
            "return [...document.querySelectorAll('#setup > li')].map(li => li.textContent).join('\\n');",
            |v: &Value| v.as_str()?.contains("register 3 lacks “Gift voucher”").then_some(()),
        )
        .await;
    browser.close().await;
}
