//! What went wrong is said in the page's language, with what to do, and a button only where
//! it helps. Before, each of these showed the server's English ("404: invitation not found",
//! "network: …") under "Les données n'ont pas pu être chargées", with a retry that could not
//! help.

use fantoccini::Locator;
use multicaisse_core::api::TicketSearch;
use multicaisse_core::failure::Failure;
use multicaisse_core::format::Lang;
use multicaisse_e2e::{Browser, DemoServer, OWNER};
use serde_json::{json, Value};

const READ_FAILURE: &str = r#"
    const box = document.querySelector('main .error-box');
    if (!box) return null;
    const text = sel => (box.querySelector(sel) || {}).textContent || null;
    return { what: text('.error-what'), todo: text('.error-todo'),
        buttons: [...box.querySelectorAll('button')].map(b => b.textContent) };
"#;

fn said(failure: Failure, lang: Lang) -> Value {
    json!({
        "what": failure.what(lang),
        "todo": failure.what_to_do(lang),
        "buttons": failure.remedy_label(lang).into_iter().collect::<Vec<_>>(),
    })
}

async fn tab(browser: &Browser, label: &str) {
    browser.click(Locator::LinkText(label)).await;
}

async fn switch_language(browser: &Browser) {
    browser.click(Locator::Css("button.lang-switch")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn what_went_wrong_is_said_in_the_page_language_with_what_to_do() {
    let server = DemoServer::start().await;
    let browser = Browser::start().await;

    // A mistyped invitation link is an invitation no longer valid, not a "404".
    browser
        .client
        .goto(&server.url("/invitation/lien-abime"))
        .await
        .expect("open the link");
    const NOTICE: &str =
        "return [(document.querySelector('.invitation-page .notice') || {}).textContent || null, \
        !!document.querySelector('.error-box')];";
    for (lang, start) in [
        (Lang::Fr, "Cette invitation n'est plus valable"),
        (Lang::En, "This invitation is no longer valid"),
    ] {
        if lang == Lang::En {
            switch_language(&browser).await;
        }
        browser
            .wait_for(&format!("the invalid link, {lang:?}"), NOTICE, |v| {
                (v[0].as_str()?.starts_with(start) && v[1] == false).then_some(())
            })
            .await;
    }
    switch_language(&browser).await;

    // Offline: the page says so and offers to try again, which works once back online.
    browser.sign_in(&server, &OWNER).await;
    const SETTLED: &str = "const main = document.querySelector('main'); \
        return main.querySelectorAll('.skeleton, [aria-busy=true]').length === 0 \
            && !!main.querySelector('h1') && main.textContent.length > 100;";
    let settled = |v: &Value| (*v == true).then_some(());
    // The page's code is loaded once online; offline, only its data is missing.
    tab(&browser, "Abonnement").await;
    browser.wait_for("Abonnement", SETTLED, settled).await;
    tab(&browser, "Appareils").await;
    browser.wait_for("Appareils", SETTLED, settled).await;
    browser.set_offline(true).await;
    tab(&browser, "Abonnement").await;
    for lang in [Lang::Fr, Lang::En] {
        if lang == Lang::En {
            switch_language(&browser).await;
        }
        browser
            .wait_for(&format!("offline, {lang:?}"), READ_FAILURE, |v| {
                (*v == said(Failure::Unreachable, lang)).then_some(())
            })
            .await;
    }
    switch_language(&browser).await;
    browser.set_offline(false).await;
    browser.click(Locator::Css("main .error-box button")).await;
    browser
        .wait_for(
            "the subscription, back online",
            "return !document.querySelector('main .error-box') && !!document.querySelector('#monthly-total');",
            settled,
        )
        .await;

    // A search for something that is neither a number nor an amount is refused on the page,
    // beside the field, and nothing is sent.
    browser
        .client
        .goto(&server.url("/ventes?period=last_month&register=1"))
        .await
        .expect("open the tickets");
    const SEARCH: &str = "const input = document.querySelector('#ticket-search'); \
        return input && { invalid: input.getAttribute('aria-invalid'), \
            said: document.querySelector('#ticket-search-error').textContent, \
            rows: document.querySelectorAll('#tickets-table tbody tr').length };";
    let before = browser
        .wait_for("the tickets", SEARCH, |v| {
            (v["rows"].as_u64()? > 0).then(|| v["rows"].clone())
        })
        .await;
    browser.fill(Locator::Css("#ticket-search"), "abc").await;
    browser
        .click(Locator::Css(".ticket-search button[type=submit]"))
        .await;
    for lang in [Lang::Fr, Lang::En] {
        if lang == Lang::En {
            switch_language(&browser).await;
        }
        let refusal = TicketSearch::refusal("abc", lang);
        browser
            .wait_for(&format!("the refused search, {lang:?}"), SEARCH, |v| {
                (v["invalid"] == "true" && v["said"] == refusal.as_str() && v["rows"] == before)
                    .then_some(())
            })
            .await;
    }
    switch_language(&browser).await;
    browser.close().await;
}
