//! *Journal*, as an owner reads it: people by name, the register an entry concerns, a filter
//! by topic and pages of older entries, Back returning to the page before, in French and in
//! English. It showed the newest 100 entries by address alone, with no register and no way
//! further back.

use fantoccini::Locator;
use multicaisse_core::auth::{AuditEntry, AuditTopic};
use multicaisse_core::format::Lang;
use multicaisse_core::store::Store;
use multicaisse_e2e::{Browser, DemoServer, OWNER};
use serde_json::{json, Value};

const READ_JOURNAL: &str = r#"
    const main = document.querySelector('main');
    const text = (el, sel) => (el.querySelector(sel) || {}).textContent || null;
    const wrap = document.querySelector('.audit-page .table-wrap');
    return {
        settled: main.querySelectorAll('.skeleton, [aria-busy=true]').length === 0,
        url: location.pathname + location.search,
        topic: (document.querySelector('#audit-topic option:checked') || {}).textContent,
        rows: [...document.querySelectorAll('#audit-table tbody tr')].map(tr => ({
            entry: Number(tr.dataset.entry), event: text(tr, '.event'),
            register: text(tr, '.register .register-label'),
            actor: text(tr, '.actor .person-name'), subject: text(tr, '.subject .person-name') })),
        older: text(document, '.audit-page .older-page'),
        newest: text(document, '.audit-page .newest-page'),
        region: wrap && [wrap.getAttribute('role'), wrap.tabIndex, !!wrap.getAttribute('aria-label')],
    };
"#;

/// The rows the page should show for these entries.
fn rows(entries: &[AuditEntry], lang: Lang) -> Value {
    entries
        .iter()
        .map(|e| {
            json!({
                "entry": e.id,
                "event": e.event.label(lang),
                "register": e.register_label,
                "actor": e.actor_name.clone().or_else(|| e.actor_email.clone()),
                "subject": e.subject_name.clone().or_else(|| e.subject_email.clone()),
            })
        })
        .collect()
}

async fn journal(browser: &Browser, what: &str, expected: &Value) -> Value {
    browser
        .wait_for(what, READ_JOURNAL, |v| {
            (v["settled"] == true && v["rows"] == *expected).then(|| v.clone())
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_reads_the_journal_by_topic_and_page() {
    let server = DemoServer::start().await;
    let store = server.api::<Vec<Store>>("/api/stores").await[0].id;
    // More than a page: 120 invitations, each an entry about access.
    for n in 0..120 {
        server
            .owner_post(
                &format!("/api/stores/{store}/invitations"),
                json!({ "email": format!("invite{n}@cave.fr"), "role": "accountant" }),
            )
            .await;
    }
    let audit = |query: String| {
        let server = &server;
        async move {
            server
                .api::<Vec<AuditEntry>>(&format!("/api/stores/{store}/audit{query}"))
                .await
        }
    };
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser.click(Locator::LinkText("Journal")).await;
    let newest = audit(String::new()).await;
    assert_eq!(newest.len(), 100);
    let shown = journal(&browser, "the newest page", &rows(&newest, Lang::Fr)).await;
    assert_eq!(shown["topic"], "Tout");
    assert_eq!(shown["older"], "Entrées plus anciennes →");
    assert_eq!(shown["newest"], Value::Null);
    // The scrolling table is reached from the keyboard and named.
    assert_eq!(shown["region"], json!(["region", 0, true]));

    // The next page, then Back to the first.
    browser.click(Locator::Css(".audit-page .older-page")).await;
    let before = newest.last().unwrap().id;
    let older = audit(format!("?before={before}")).await;
    assert!(!older.is_empty());
    let shown = journal(&browser, "the older page", &rows(&older, Lang::Fr)).await;
    assert_eq!(shown["url"], format!("/journal?before={before}"));
    assert_eq!(shown["newest"], "← Revenir aux plus récentes");
    browser.client.back().await.expect("Back");
    journal(
        &browser,
        "the newest page after Back",
        &rows(&newest, Lang::Fr),
    )
    .await;

    // One topic: the sign-ins alone, named by the person's name.
    browser
        .client
        .find(Locator::Css("#audit-topic"))
        .await
        .expect("the topic list")
        .select_by_value(AuditTopic::SignIns.code())
        .await
        .expect("choose a topic");
    let sign_ins = audit("?topic=sign_ins".into()).await;
    assert!(!sign_ins.is_empty());
    assert!(sign_ins
        .iter()
        .all(|e| e.actor_name.is_some() || e.subject_name.is_some()));
    let shown = journal(&browser, "the sign-ins", &rows(&sign_ins, Lang::Fr)).await;
    assert_eq!(shown["url"], "/journal?topic=sign_ins");
    assert_eq!(shown["topic"], AuditTopic::SignIns.label(Lang::Fr));

    // In English, the same entries in its words.
    browser.click(Locator::Css("button.lang-switch")).await;
    let shown = journal(
        &browser,
        "the sign-ins in English",
        &rows(&sign_ins, Lang::En),
    )
    .await;
    assert_eq!(shown["topic"], AuditTopic::SignIns.label(Lang::En));
    browser.close().await;
}
