//! The dashboard from the keyboard, as a person who does not use a mouse (or uses a screen
//! reader) works it: the skip link, the focus on a refused and on an accepted sign-in, the
//! fields a refusal concerns marked invalid, and the period select stepped with the arrow
//! keys, which loaded every period passed and left a step in the history for each.

use fantoccini::key::Key;
use fantoccini::Locator;
use multicaisse_e2e::{Browser, DemoServer, OWNER};
use serde_json::Value;

const FOCUS: &str = "const a = document.activeElement; \
    return { id: a && a.id || null, class: a && a.className || null, \
        text: a && (a.textContent || '').trim() || null, \
        invalid: [...document.querySelectorAll('#email, #password')].map(i => i.getAttribute('aria-invalid')), \
        error: (document.querySelector('#sign-in-error') || {}).textContent || null, \
        title: document.title };";

async fn press(browser: &Browser, key: Key) {
    let active = browser
        .client
        .active_element()
        .await
        .expect("an element has the focus");
    active
        .send_keys(&char::from(key).to_string())
        .await
        .expect("a key press");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_is_worked_from_the_keyboard() {
    let server = DemoServer::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&server.url("/")).await.expect("open");
    browser
        .wait_for("the sign-in page", FOCUS, |v| {
            (v["title"] == "Connexion — Multicaisse").then_some(())
        })
        .await;

    // A wrong password: said, both fields marked, the focus on the password to type again.
    browser.fill(Locator::Css("#email"), OWNER.email).await;
    browser
        .fill(Locator::Css("#password"), "pas le bon mot de passe")
        .await;
    browser
        .click(Locator::Css("form button[type=submit]"))
        .await;
    let refused = browser
        .wait_for("the refusal", FOCUS, |v| {
            v["error"].is_string().then(|| v.clone())
        })
        .await;
    assert_eq!(refused["id"], "password", "{refused}");
    assert_eq!(refused["invalid"], serde_json::json!(["true", "true"]));
    // The right one: the focus goes to the page signed in to, the fields are no longer marked.
    browser
        .fill(Locator::Css("#password"), OWNER.password)
        .await;
    browser
        .click(Locator::Css("form button[type=submit]"))
        .await;
    // The title names the shop once its list has come.
    browser
        .wait_for("signed in", FOCUS, |v| {
            (v["id"] == "main" && v["title"].as_str()?.starts_with("Aujourd'hui · ")).then_some(())
        })
        .await;

    // The skip link is the first stop of the keyboard, and leads past the header and tabs.
    browser
        .client
        .goto(&server.url("/appareils"))
        .await
        .expect("open");
    browser
        .wait_for("the devices page", FOCUS, |v| {
            v["title"]
                .as_str()?
                .starts_with("Appareils · ")
                .then_some(())
        })
        .await;
    browser
        .client
        .execute("document.body.focus(); return true;", vec![])
        .await
        .unwrap();
    press(&browser, Key::Tab).await;
    let first = browser
        .wait_for("the first stop", FOCUS, |v| {
            v["class"].is_string().then(|| v.clone())
        })
        .await;
    assert_eq!(first["class"], "skip-link", "{first}");
    assert_eq!(first["text"], "Aller au contenu");
    press(&browser, Key::Enter).await;
    browser
        .wait_for("the content, skipped to", FOCUS, |v| {
            (v["id"] == "main").then_some(())
        })
        .await;

    // The period select, stepped with the arrow keys: one load and one step of history, for
    // the period stopped on.
    browser
        .client
        .goto(&server.url("/ventes"))
        .await
        .expect("open");
    const SALES: &str = "return { settled: !!document.querySelector('#sales-table') \
            && document.querySelectorAll('main [aria-busy=true]').length === 0, \
        url: location.search, history: history.length, \
        loads: performance.getEntriesByType('resource').filter(r => r.name.includes('/sales?')).length, \
        chosen: document.querySelector('#period').value };";
    let before = browser
        .wait_for("the sales", SALES, |v| {
            (v["settled"] == true).then(|| v.clone())
        })
        .await;
    browser
        .client
        .execute(
            "document.querySelector('#period').focus(); return true;",
            vec![],
        )
        .await
        .unwrap();
    for _ in 0..3 {
        press(&browser, Key::Down).await;
    }
    let after = browser
        .wait_for("the period stopped on", SALES, |v: &Value| {
            (v["settled"] == true && v["url"] != before["url"]).then(|| v.clone())
        })
        .await;
    // Give a late load the time to show itself before counting.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let after_all = browser.client.execute(SALES, vec![]).await.unwrap();
    assert_eq!(after_all["url"], after["url"]);
    assert_eq!(
        after_all["url"],
        format!("?period={}", after["chosen"].as_str().unwrap()),
        "{after_all}"
    );
    assert_eq!(
        after_all["history"].as_u64().unwrap(),
        before["history"].as_u64().unwrap() + 1,
        "one step of history: {before} → {after_all}"
    );
    assert_eq!(
        after_all["loads"].as_u64().unwrap(),
        before["loads"].as_u64().unwrap() + 1,
        "one load: {before} → {after_all}"
    );
    browser.close().await;
}
