//! *Aujourd'hui*, the owner's first screen: today and the month so far, compared with the same
//! hours, and a line per register, as the API computes them, in French and English, after a
//! change of shop and a Back.

use fantoccini::Locator;
use multicaisse_core::format::{format_change, format_count, format_day_long, format_eur, Lang};
use multicaisse_core::glance::{Compared, Glance};
use multicaisse_core::store::Store;
use multicaisse_e2e::{Browser, DemoServer, OWNER};
use serde_json::{json, Value};

/// The first screen as a person reads it; a "—" is read without the words screen readers
/// get beside it.
const READ_TODAY: &str = r#"
    const main = document.querySelector('main');
    const settled = main.querySelectorAll('.skeleton, [aria-busy=true]').length === 0;
    const shown = c => c ? c.childNodes[0].textContent : null;
    const text = (el, sel) => (el.querySelector(sel) || {}).textContent;
    const cards = [...document.querySelectorAll('.glance-card')].map(card => ({
        title: text(card, 'h2'),
        figures: [...card.querySelectorAll('.figure')].map(f =>
            [text(f, '.amount'), shown(f.querySelector('.change'))]),
    }));
    const registers = [...document.querySelectorAll('.register-line')].map(line => ({
        name: text(line, 'strong'),
        today: text(line, '.today-takings'),
        month: text(line, '.month-takings'),
        changes: [...line.querySelectorAll('.change')].map(shown),
    }));
    return {
        settled, path: location.pathname, heading: text(document, 'h1'),
        current: text(document, 'nav a[aria-current=page]'),
        shop: text(document, '#store-switcher option:checked'),
        compared: [...document.querySelectorAll('.compared-with')].map(p => p.textContent),
        dashes: [...document.querySelectorAll('.change.none')].map(c => c.title),
        cards, registers,
    };
"#;

fn change(bp: Option<i64>, lang: Lang) -> String {
    bp.map(|bp| format_change(bp, lang))
        .unwrap_or_else(|| "—".into())
}

fn figures(compared: &Compared, lang: Lang) -> Value {
    let changes = compared.changes();
    let basket = compared
        .now
        .average_basket()
        .map(|b| format_eur(b, lang))
        .unwrap_or_else(|| "—".into());
    json!([
        [
            format_eur(compared.now.ttc, lang),
            change(changes.takings_bp, lang)
        ],
        [
            format_count(compared.now.tickets(), lang),
            change(changes.tickets_bp, lang)
        ],
        [basket, change(changes.basket_bp, lang)],
    ])
}

/// What the page must show of `glance`, in the shape `READ_TODAY` reads.
fn expected(glance: &Glance, lang: Lang) -> Value {
    let (today, month) = match lang {
        Lang::Fr => ("Aujourd'hui", "Ce mois-ci"),
        Lang::En => ("Today", "This month"),
    };
    json!({
        "cards": [
            { "title": today, "figures": figures(&glance.today, lang) },
            { "title": month, "figures": figures(&glance.month, lang) },
        ],
        "registers": glance.registers.iter().map(|line| json!({
            "name": line.register.label,
            "today": format_eur(line.today.now.ttc, lang),
            "month": format_eur(line.month.now.ttc, lang),
            "changes": [
                change(line.today.changes().takings_bp, lang),
                change(line.month.changes().takings_bp, lang),
            ],
        })).collect::<Vec<_>>(),
    })
}

/// What a glance says that the moving clock does not change between two reads a second
/// apart, unless a ticket of last week crosses the cut in that second.
fn figures_of(glance: &Glance) -> Value {
    json!({ "today": glance.today, "month": glance.month, "registers": glance.registers })
}

/// Reads the page until it shows `store`'s glance. The comparisons' cut moves with the clock,
/// so the API is asked before and after the page is read: when both answers agree, the page,
/// which asked in between, must show them. (On a first read after a click the page may have
/// asked just before; a difference there is read again after a reload.)
async fn shows_the_glance(
    browser: &Browser,
    server: &DemoServer,
    store: &Store,
    lang: Lang,
) -> Value {
    let path = format!("/api/stores/{}/glance", store.id);
    for attempt in 0..5 {
        let before: Glance = server.api(&path).await;
        // First what the page shows after what the person did; a reload only to read again.
        if attempt > 0 {
            browser.client.refresh().await.expect("reload");
        }
        let seen = browser
            .wait_for(&format!("today at {}", store.name), READ_TODAY, |v| {
                (v["settled"] == true
                    && v["shop"] == store.name.as_str()
                    && v["cards"].as_array()?.len() == 2)
                    .then(|| v.clone())
            })
            .await;
        let after: Glance = server.api(&path).await;
        if figures_of(&before) != figures_of(&after) {
            continue;
        }
        let wanted = expected(&after, lang);
        assert_eq!(seen["cards"], wanted["cards"], "{seen}");
        assert_eq!(seen["registers"], wanted["registers"], "{seen}");
        // Each "—" says why there is nothing to compare with, in the page's language.
        let dashes = seen["dashes"].as_array().unwrap();
        for why in dashes {
            let why = why.as_str().unwrap();
            let said = match lang {
                Lang::Fr => why.starts_with("Rien à comparer"),
                Lang::En => why.starts_with("Nothing to compare with"),
            };
            assert!(said, "{why}");
        }
        let last_week = format_day_long(after.windows.last_week.last_day, lang);
        assert!(
            seen["compared"][0].as_str().unwrap().contains(&last_week),
            "{seen}"
        );
        return seen;
    }
    panic!("the comparisons moved at every read of {}", store.name);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_screen_shows_today_and_the_month_against_the_same_hours() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    assert!(stores.len() >= 2, "the demo has two shops");
    let browser = Browser::start().await;
    browser
        .client
        .set_window_size(820, 1180)
        .await
        .expect("iPad size");
    // Signing in lands on the first screen.
    browser.sign_in(&server, &OWNER).await;
    let first = shows_the_glance(&browser, &server, &stores[0], Lang::Fr).await;
    assert_eq!(first["path"], "/");
    assert_eq!(first["heading"], "Aujourd'hui");
    assert_eq!(first["current"], "Aujourd'hui");
    assert!(first["compared"][0]
        .as_str()
        .unwrap()
        .ends_with("à la même heure."));
    // The demo sells on each register it has in service: a line for each.
    let glance: Glance = server
        .api(&format!("/api/stores/{}/glance", stores[0].id))
        .await;
    assert!(!glance.registers.is_empty());
    assert!(glance.month.now.ttc.0 > 0 || glance.month.before.ttc.0 > 0);

    // In English, the same figures in English.
    browser.click(Locator::Css("button.lang-switch")).await;
    let english = shows_the_glance(&browser, &server, &stores[0], Lang::En).await;
    assert_eq!(english["heading"], "Today");
    assert!(english["compared"][0]
        .as_str()
        .unwrap()
        .starts_with("Until "));

    // Another shop: its own figures, not the first one's.
    browser
        .client
        .find(Locator::Css("#store-switcher"))
        .await
        .expect("a store switcher")
        .select_by_value(&stores[1].id.to_string())
        .await
        .expect("choose a shop");
    let other = shows_the_glance(&browser, &server, &stores[1], Lang::En).await;
    assert_ne!(other["registers"], english["registers"]);

    // The details, then Back to the first screen of the shop chosen.
    browser
        .click(Locator::LinkText("See the sales in detail"))
        .await;
    browser
        .wait_for("the sales page", READ_TODAY, |v| {
            (v["path"] == "/ventes" && v["current"] == "Sales").then_some(())
        })
        .await;
    browser.client.back().await.unwrap();
    let back = browser
        .wait_for("the first screen again", READ_TODAY, |v| {
            (v["path"] == "/" && v["settled"] == true && v["cards"].as_array()?.len() == 2)
                .then(|| v.clone())
        })
        .await;
    assert_eq!(back["shop"], stores[1].name.as_str());
    assert_eq!(back["heading"], "Today");
    if let Ok(dir) = std::env::var("MULTICAISSE_SCREENSHOTS") {
        let png = browser.client.screenshot().await.expect("screenshot");
        std::fs::write(format!("{dir}/today-820.png"), png).expect("write screenshot");
    }
    browser.close().await;
}

/// A day without a sale (a Monday the demo shop is closed, as the 1st of the month before
/// opening) says so: the VAT table is not left empty, and the peak-hours sentence does not
/// claim the shop has no extra register.
#[tokio::test(flavor = "multi_thread")]
async fn a_day_without_sales_says_so_in_french_and_english() {
    use chrono::{Datelike, Days, Weekday};
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let glance: Glance = server
        .api(&format!("/api/stores/{}/glance", stores[0].id))
        .await;
    // The latest Monday outside December (the demo opens on December's Mondays).
    let mut day = glance.windows.today.last_day - Days::new(1);
    while day.weekday() != Weekday::Mon || day.month() == 12 {
        day = day - Days::new(1);
    }
    let report: multicaisse_core::api::SalesReport = server
        .api(&format!(
            "/api/stores/{}/sales?period=custom&from={day}&to={day}",
            stores[0].id
        ))
        .await;
    assert_eq!(report.total.ticket_count, 0, "{day} is a closed day");
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url(&format!("/ventes?period=custom&from={day}&to={day}")))
        .await
        .unwrap();
    const READ: &str = r#"
        return { vat: (document.querySelector('#vat-table .empty-row') || {}).textContent || null,
                 peak: (document.querySelector('.peak-sentence') || {}).textContent || null };
    "#;
    let said = |vat: &'static str, peak: &'static str| {
        move |v: &Value| (v["vat"] == vat && v["peak"] == peak).then_some(())
    };
    browser
        .wait_for(
            "the closed day in French",
            READ,
            said(
                "Aucune vente sur la période",
                "Aucune vente sur cette période : pas d'heure d'affluence à mettre en regard du coût des caisses supplémentaires.",
            ),
        )
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for(
            "the closed day in English",
            READ,
            said(
                "No sales in this period",
                "No sales in this period: no busy hours to weigh against the extra registers' cost.",
            ),
        )
        .await;
    browser.close().await;
}
