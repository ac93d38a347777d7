//! End to end: the built app in headless Chromium, against the real server and its demo data.

use fantoccini::Locator;
use multicaisse_core::api::SalesReport;
use multicaisse_core::format::{format_count, format_eur, Lang};
use multicaisse_core::store::Store;
use multicaisse_e2e::{Browser, DemoServer, OWNER};
use serde_json::Value;

mod home_screen;
mod today;

/// The sales table as the page shows it: one object per row, text exactly as rendered.
const READ_SALES_TABLE: &str = r#"
    const table = document.querySelector('#sales-table');
    if (!table) return null;
    const text = (row, sel) => (row.querySelector(sel) || {}).textContent;
    const rows = [...table.querySelectorAll('tbody tr')].map(tr => ({
        register: Number(tr.dataset.register),
        label: text(tr, '.register-label'),
        tickets: text(tr, '.tickets'),
        ttc: text(tr, '.ttc'),
        ht: text(tr, '.ht'),
        refunds: text(tr, '.refunds .amount'),
        refundTickets: text(tr, '.refunds .count'),
    }));
    const total = table.querySelector('tfoot tr');
    return {
        heading: document.querySelector('h1').textContent,
        caption: table.querySelector('caption').textContent,
        url: location.href,
        lang: document.documentElement.lang,
        rows,
        total: { tickets: text(total, '.tickets'), ttc: text(total, '.ttc'), ht: text(total, '.ht') },
    };
"#;

/// The charts as the page shows them: image URLs and whether they loaded, the daily table's
/// register columns, and the peak-hours sentence.
const READ_CHARTS: &str = r#"
    const images = [...document.querySelectorAll('figure.chart img')];
    return {
        images: images.map(i => i.src),
        loaded: images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0),
        dailyColumns: [...document.querySelectorAll('table.chart-data[data-chart=daily] thead th')]
            .slice(1).map(th => th.textContent),
        peak: (document.querySelector('.peak-sentence') || {}).textContent,
    };
"#;

fn assert_table_matches(table: &Value, report: &SalesReport, lang: Lang) {
    let rows = table["rows"].as_array().expect("rows");
    assert_eq!(
        rows.len(),
        report.registers.len(),
        "one row per register: {table}"
    );
    for (row, expected) in rows.iter().zip(&report.registers) {
        assert_eq!(row["register"], expected.register.number, "{table}");
        assert_eq!(row["label"], expected.register.label.as_str(), "{table}");
        assert_eq!(
            row["tickets"],
            format_count(expected.totals.ticket_count, lang).as_str()
        );
        assert_eq!(row["ttc"], format_eur(expected.totals.ttc, lang).as_str());
        assert_eq!(row["ht"], format_eur(expected.totals.ht, lang).as_str());
        // Refunds read as an amount and a count of tickets, not "3 · -78,80 €".
        let refunds = expected.figures.refund_count;
        if refunds == 0 {
            assert_eq!(row["refunds"], "—", "{table}");
            assert_eq!(row["refundTickets"], Value::Null, "{table}");
        } else {
            let tickets = if refunds == 1 { "ticket" } else { "tickets" };
            assert_eq!(
                row["refunds"],
                format_eur(expected.figures.refund_ttc, lang).as_str()
            );
            assert_eq!(
                row["refundTickets"],
                format!("{} {tickets}", format_count(refunds, lang)).as_str()
            );
        }
    }
    assert_eq!(
        table["total"]["ttc"],
        format_eur(report.total.ttc, lang).as_str()
    );
    assert_eq!(
        table["total"]["tickets"],
        format_count(report.total.ticket_count, lang).as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ventes_shows_every_demo_register_with_the_api_totals_in_french_and_english() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let report: SalesReport = server
        .api(&format!("/api/stores/{}/sales?period=last_month", store.id))
        .await;
    assert_eq!(report.registers.len(), 3, "the demo has three registers");
    assert!(report.total.ttc.0 > 0, "the demo sold something last month");

    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url("/ventes"))
        .await
        .expect("open /ventes");
    // The default period is this month; pick "Le mois dernier" as a store owner would.
    let select = browser
        .client
        .wait()
        .for_element(Locator::Css("#period"))
        .await
        .expect("period picker");
    select
        .select_by_value("last_month")
        .await
        .expect("choose last month");

    let table = browser
        .wait_for("last month's sales table", READ_SALES_TABLE, |v| {
            (v["url"].as_str()?.ends_with("/ventes?period=last_month")
                && v["rows"].as_array()?.len() == 3
                && v["total"]["ttc"] == format_eur(report.total.ttc, Lang::Fr).as_str())
            .then(|| v.clone())
        })
        .await;
    assert_eq!(table["heading"], "Ventes par caisse");
    assert_eq!(table["lang"], "fr");
    assert_eq!(
        table["caption"],
        format!(
            "du {} au {}",
            report.range.from.format("%d/%m/%Y"),
            report.range.to.format("%d/%m/%Y")
        )
        .as_str()
    );
    assert_table_matches(&table, &report, Lang::Fr);
    // French typography: narrow no-break space between thousands, no-break space before €.
    assert!(table["total"]["ttc"].as_str().unwrap().ends_with("\u{A0}€"));

    // One chart series per register: the daily chart's SVG (fetched as the page does) names
    // each of them and draws a line for each, and its data table has a column for each.
    let charts = browser
        .wait_for("the charts", READ_CHARTS, |v| {
            (v["images"].as_array()?.len() == 3 && v["loaded"] == true).then(|| v.clone())
        })
        .await;
    let labels: Vec<&str> = report
        .registers
        .iter()
        .map(|r| r.register.label.as_str())
        .collect();
    assert_eq!(charts["dailyColumns"], serde_json::json!(labels));
    let svg = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.querySelector('figure[data-chart=daily] img').src) \
               .then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .expect("the daily chart's SVG");
    // XML escapes the apostrophe of "Fêtes de fin d'année".
    let svg = svg
        .as_str()
        .expect("SVG text")
        .replace("&apos;", "'")
        .replace("&#39;", "'");
    for label in &labels {
        assert!(svg.contains(label), "the legend names {label}");
    }
    // One line per register, and one legend mark per register.
    let coloured_lines = svg
        .split("<polyline")
        .skip(1)
        .filter(|element| !element.contains("stroke=\"#000000\""))
        .count();
    assert_eq!(
        coloured_lines,
        2 * labels.len(),
        "the axes are black, the series not"
    );
    assert!(
        charts["peak"]
            .as_str()
            .unwrap()
            .starts_with("Aux heures les plus chargées de la boutique"),
        "{charts}"
    );

    // The English switch translates the page and reformats every number.
    browser.click(Locator::Css("button.lang-switch")).await;
    let english = browser
        .wait_for("the English page", READ_SALES_TABLE, |v| {
            (v["heading"] == "Sales per register").then(|| v.clone())
        })
        .await;
    assert_eq!(english["lang"], "en");
    assert_table_matches(&english, &report, Lang::En);
    let charts = browser
        .wait_for("the English charts", READ_CHARTS, |v| {
            v["peak"]
                .as_str()?
                .starts_with("During the store's busiest hours")
                .then(|| v.clone())
        })
        .await;
    assert!(
        charts["images"][0].as_str().unwrap().contains("lang=en"),
        "{charts}"
    );

    // A bookmarked URL opens on its period, in the language chosen before.
    browser
        .client
        .goto(&server.url("/ventes?period=last_month"))
        .await
        .expect("reload");
    let reloaded = browser
        .wait_for("the reloaded page", READ_SALES_TABLE, |v| {
            (v["rows"].as_array()?.len() == 3).then(|| v.clone())
        })
        .await;
    assert_eq!(reloaded["heading"], "Sales per register");
    assert_table_matches(&reloaded, &report, Lang::En);

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_of_the_shell_shows_the_store_registers() {
    let server = DemoServer::start().await;
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    // (nav link = heading, register rows, first row's kind), French then English.
    let french = [
        ("Abonnement", 3, "Principale"),
        // Every register is listed; the principal's wizard says it cannot go.
        ("Mise hors service", 3, "Principale"),
    ];
    let english = [
        ("Subscription", 3, "Principal"),
        ("Decommission", 3, "Principal"),
    ];
    for pages in [french, english] {
        for (link, rows, first_kind) in pages {
            browser.click(Locator::LinkText(link)).await;
            let script = "return { h: (document.querySelector('h1')||{}).textContent, \
                          n: document.querySelectorAll('table.registers tbody tr').length, \
                          kind: (document.querySelector('table.registers tbody td')||{}).textContent, \
                          current: (document.querySelector('nav a[aria-current=page]')||{}).textContent };";
            browser
                .wait_for(link, script, |v| {
                    let shown = v["h"] == link && v["n"] == rows && v["kind"] == first_kind;
                    (shown && v["current"] == link).then_some(())
                })
                .await;
        }
        browser.click(Locator::Css("button.lang-switch")).await;
    }
    // An unknown client route shows the app's own "not found", not a server error.
    browser
        .client
        .goto(&server.url("/nulle-part"))
        .await
        .expect("open");
    browser
        .wait_for(
            "not found",
            "return (document.querySelector('main .notice')||{}).textContent;",
            |v| (v == "Cette page n'existe pas.").then_some(()),
        )
        .await;
    browser.close().await;
}

/// The owner opens a register's tickets from *Ventes*, finds one by its number and opens it:
/// it shows in a dialog where the eye is (it used to be drawn under the 50 rows, and opening a
/// ticket seemed to do nothing), holding the focus; Escape or its button closes it and the
/// focus goes back to the ticket's number.
#[tokio::test(flavor = "multi_thread")]
async fn a_registers_tickets_open_from_the_sales_page_and_show_their_chain() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let report: SalesReport = server
        .api(&format!("/api/stores/{}/sales?period=last_month", store.id))
        .await;
    let register = &report.registers[1].register;
    let page: multicaisse_core::api::TicketPage = server
        .api(&format!(
            "/api/registers/{}/tickets?period=last_month",
            register.id
        ))
        .await;
    let newest = &page.tickets[0];
    let detail: multicaisse_core::api::TicketDetail = server
        .api(&format!(
            "/api/registers/{}/tickets/{}",
            register.id, newest.sequence
        ))
        .await;

    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url("/ventes?period=last_month"))
        .await
        .expect("open");
    browser
        .click(Locator::Css(&format!(
            "#sales-table tr[data-register='{}'] a.show-tickets",
            register.number
        )))
        .await;
    let listed = browser
        .wait_for("the register's tickets", READ_TICKETS, |v| {
            (v["rows"].as_array()?.len() == page.tickets.len()).then(|| v.clone())
        })
        .await;
    assert!(
        listed["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("period=last_month&register={}", register.number)),
        "{listed}"
    );
    // Numbers are grouped as everywhere else: "n° 8 718", not "n°8718".
    assert_eq!(
        listed["rows"][0]["number"],
        format_count(newest.sequence, Lang::Fr).as_str()
    );
    assert_eq!(
        listed["rows"][0]["ttc"],
        format_eur(newest.ttc, Lang::Fr).as_str()
    );
    // Found by its number, then opened.
    browser
        .fill(Locator::Css("#ticket-search"), &newest.sequence.to_string())
        .await;
    browser
        .click(Locator::Css(".ticket-search button[type=submit]"))
        .await;
    browser
        .wait_for("the search", READ_TICKETS, |v| {
            (v["rows"].as_array()?.len() == 1).then_some(())
        })
        .await;
    browser
        .click(Locator::Css("#tickets-table tbody button.link"))
        .await;
    let opened = browser
        .wait_for("the ticket", READ_TICKETS, |v| {
            v["hash"].as_str().map(|_| v.clone())
        })
        .await;
    assert_eq!(opened["hash"], detail.hash.to_hex().as_str());
    assert_eq!(
        opened["chain"],
        "Chaînage vérifié : le ticket est intact et suit le précédent."
    );
    assert!(opened["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("&ticket={}", newest.sequence)));
    // The ticket opens where the eye is: a dialog in the viewport, holding the focus.
    const READ_DIALOG: &str = r#"
        const d = document.querySelector('dialog#ticket-detail');
        if (!d) return { open: false, url: location.href,
            focused: document.activeElement ? document.activeElement.closest('tr')?.dataset.ticket || null : null };
        const r = d.getBoundingClientRect();
        return { open: d.open, modal: d.matches(':modal'), url: location.href,
            inView: r.top >= 0 && r.bottom <= innerHeight + 1 && r.height > 100,
            focusInside: d.contains(document.activeElement),
            title: (d.querySelector('h3') || {}).textContent || null };
    "#;
    let shown = browser
        .wait_for("the ticket's dialog", READ_DIALOG, |v| {
            (v["open"] == true && v["title"].is_string()).then(|| v.clone())
        })
        .await;
    assert_eq!(shown["modal"], true, "{shown}");
    assert_eq!(shown["inView"], true, "{shown}");
    assert_eq!(shown["focusInside"], true, "{shown}");
    assert!(
        shown["title"].as_str().unwrap().starts_with(&format!(
            "Ticket n° {} · ",
            format_count(newest.sequence, Lang::Fr)
        )),
        "{shown}"
    );
    // Escape closes it: the ticket leaves the URL and the focus is back on its number.
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E00C}")
        .await
        .unwrap();
    let closed = browser
        .wait_for("the dialog closed by Escape", READ_DIALOG, |v| {
            // The dialog closes at once; the URL follows when the page has heard it.
            let back = v["focused"] == newest.sequence.to_string().as_str();
            (v["open"] == false && !v["url"].as_str()?.contains("ticket=") && back)
                .then(|| v.clone())
        })
        .await;
    assert!(
        !closed["url"].as_str().unwrap().contains("ticket="),
        "{closed}"
    );
    assert_eq!(
        closed["focused"],
        newest.sequence.to_string().as_str(),
        "{closed}"
    );
    // In English, opened again and closed with its button.
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .click(Locator::Css("#tickets-table tbody button.link"))
        .await;
    let shown = browser
        .wait_for("the ticket's dialog in English", READ_DIALOG, |v| {
            let title = format!("Ticket no. {} · ", format_count(newest.sequence, Lang::En));
            (v["open"] == true && v["title"].as_str()?.starts_with(&title)).then(|| v.clone())
        })
        .await;
    assert_eq!(shown["inView"], true, "{shown}");
    browser
        .click(Locator::Css("dialog#ticket-detail .dialog-close"))
        .await;
    browser
        .wait_for("the dialog closed by its button", READ_DIALOG, |v| {
            (v["open"] == false && v["focused"] == newest.sequence.to_string().as_str())
                .then_some(())
        })
        .await;
    browser.close().await;
}

/// The owner pages through a register's tickets with the pager, forth and back, in French
/// and in English: each page lists the tickets the API gives for it, and the pager's buttons
/// are enabled where there is somewhere to go. The pager never worked: a bare `>` in its
/// `disabled` closed the tag, and the rest of the attribute was printed on the page.
#[tokio::test(flavor = "multi_thread")]
async fn the_ticket_pager_moves_through_every_page_of_a_register() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let report: SalesReport = server
        .api(&format!(
            "/api/stores/{}/sales?period=last_month",
            stores[0].id
        ))
        .await;
    let register = &report.registers[0].register;
    let page = |n: u32| {
        let server = &server;
        async move {
            let page: multicaisse_core::api::TicketPage = server
                .api(&format!(
                    "/api/registers/{}/tickets?period=last_month&page={n}",
                    register.id
                ))
                .await;
            page
        }
    };
    let first = page(1).await;
    assert!(first.pages >= 3, "the demo register has pages to turn");
    let browser = Browser::start().await;
    // An iPad held upright, where owners use it.
    browser
        .client
        .set_window_size(820, 1180)
        .await
        .expect("iPad size");
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url(&format!(
            "/ventes?period=last_month&register={}",
            register.number
        )))
        .await
        .expect("open");
    const READ_PAGER: &str = r#"
        const panel = document.querySelector('#tickets-panel');
        const button = sel => { const b = document.querySelector('#tickets-panel .pager ' + sel);
            return b ? { text: b.textContent, disabled: b.disabled } : null; };
        return {
            panel: panel ? panel.textContent : '',
            first: ((document.querySelector('#tickets-table tbody th')) || {}).textContent,
            rows: document.querySelectorAll('#tickets-table tbody tr').length,
            caption: ((document.querySelector('#tickets-table caption')) || {}).textContent,
            previous: button('.previous-page'),
            next: button('.next-page'),
        };
    "#;
    let shows = |n: u32, expected: &multicaisse_core::api::TicketPage| {
        let (first, rows) = (
            expected.tickets[0].sequence.to_string(),
            expected.tickets.len(),
        );
        let total = expected.pages;
        move |v: &Value| {
            // The number as grouped in either language: "8 686" or "8,686".
            let shown: String = v["first"]
                .as_str()?
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            (shown == first
                && v["rows"] == rows
                && v["caption"].as_str()?.contains(&format!("Page {n} "))
                && v["previous"]["disabled"] == (n == 1)
                && v["next"]["disabled"] == (n == total))
                .then(|| v.clone())
        }
    };
    for (lang, previous, next) in [
        (Lang::Fr, "Page précédente", "Page suivante"),
        (Lang::En, "Previous page", "Next page"),
    ] {
        if lang == Lang::En {
            browser.click(Locator::Css("button.lang-switch")).await;
        }
        let seen = browser
            .wait_for("the first page", READ_PAGER, shows(1, &first))
            .await;
        assert_eq!(seen["previous"]["text"], previous, "{seen}");
        assert_eq!(seen["next"]["text"], next, "{seen}");
        let panel = seen["panel"].as_str().unwrap();
        for source in ["move |", "on : click", "update(", "=>"] {
            assert!(!panel.contains(source), "Rust source on the page: {panel}");
        }
        // Forward to the last page, then back to the first.
        let forth = (2..=first.pages).map(|n| (n, ".next-page"));
        let back = (1..first.pages).rev().map(|n| (n, ".previous-page"));
        for (n, button) in forth.chain(back) {
            browser
                .click(Locator::Css(&format!("#tickets-panel {button}")))
                .await;
            let expected = page(n).await;
            browser
                .wait_for(
                    &format!("page {n} after {button} ({lang:?})"),
                    READ_PAGER,
                    shows(n, &expected),
                )
                .await;
        }
    }
    browser.close().await;
}

const READ_TICKETS: &str = r#"
    const text = (el, sel) => ((el || document).querySelector(sel) || {}).textContent;
    return {
        url: location.href,
        rows: [...document.querySelectorAll('#tickets-table tbody tr')].map(tr => ({
            number: text(tr, 'th'),
            ttc: text(tr, '.ttc'),
        })),
        hash: text(document, '#ticket-detail .ticket-hash'),
        chain: text(document, '#ticket-detail .chain-status'),
    };
"#;

/// The Content-Security-Policy the server sends lets the app run: the page renders under it
/// (the inline script that starts the wasm is allowed by its hash), the pages' lazily loaded
/// modules and the charts' images load, and the browser reports no violation.
#[tokio::test(flavor = "multi_thread")]
async fn the_app_runs_under_its_content_security_policy() {
    let server = DemoServer::start().await;
    let browser = Browser::start().await;
    // Signing in goes through the wasm app: nothing renders if the policy blocked it.
    browser.sign_in(&server, &OWNER).await;
    let policy: Value = browser
        .client
        .execute(
            "return fetch('/').then(r => r.headers.get('content-security-policy'));",
            vec![],
        )
        .await
        .expect("read the policy");
    let policy = policy.as_str().expect("the app is served with a policy");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(!policy.contains("'unsafe-inline'"), "{policy}");
    // From here on the document stays (client-side routing): violations are recorded.
    browser
        .client
        .execute(
            "window.cspViolations = []; \
             document.addEventListener('securitypolicyviolation', e => \
               window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
            vec![],
        )
        .await
        .expect("listen for violations");
    let links: Value = browser
        .client
        .execute(
            "return [...document.querySelectorAll('nav.tabs a')].map(a => a.textContent);",
            vec![],
        )
        .await
        .expect("the tabs");
    for link in links
        .as_array()
        .expect("tabs")
        .iter()
        .filter_map(Value::as_str)
    {
        browser.click(Locator::LinkText(link)).await;
        browser
            .wait_for(
                link,
                "return (document.querySelector('nav a[aria-current=page]')||{}).textContent;",
                |v| (v == link).then_some(()),
            )
            .await;
        // Every table that may scroll sideways can be reached from the keyboard.
        let unreachable = browser
            .client
            .execute(
                "return [...document.querySelectorAll('main .table-wrap')] \
                    .filter(w => w.tabIndex < 0).map(w => w.innerText.slice(0, 40));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(unreachable, serde_json::json!([]), "{link}");
    }
    browser.click(Locator::LinkText("Ventes")).await;
    browser
        .wait_for(
            "the sales charts loaded",
            "const i = [...document.querySelectorAll('figure.chart img')]; \
             return i.length > 0 && i.every(i => i.complete && i.naturalWidth > 0);",
            |v| (v == true).then_some(()),
        )
        .await;
    let wraps = browser
        .client
        .execute(
            "return [...document.querySelectorAll('main .table-wrap')].map(w => w.tabIndex);",
            vec![],
        )
        .await
        .unwrap();
    let wraps = wraps.as_array().unwrap();
    assert!(
        !wraps.is_empty() && wraps.iter().all(|i| i == 0),
        "Ventes' tables are reachable from the keyboard: {wraps:?}"
    );
    let violations: Value = browser
        .client
        .execute("return window.cspViolations;", vec![])
        .await
        .expect("read violations");
    assert_eq!(violations, serde_json::json!([]), "blocked by the policy");
    browser.close().await;
}

/// Back and Forward bring the figures and the picker back together; a reversed range is said
/// beside the dates, in French and in English, and a reversed range in a link is said too.
#[tokio::test(flavor = "multi_thread")]
async fn the_period_picker_shows_what_is_displayed_after_back_and_forward() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let totals = |period: &'static str| {
        let server = &server;
        async move {
            let report: SalesReport = server
                .api(&format!("/api/stores/{}/sales?period={period}", store.id))
                .await;
            format_eur(report.total.ttc, Lang::Fr)
        }
    };
    let (last_month, last_12_months) = (totals("last_month").await, totals("last_12_months").await);
    assert_ne!(last_month, last_12_months);
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser.client.goto(&server.url("/ventes")).await.unwrap();
    const READ: &str = r#"
        const total = document.querySelector('#sales-table tfoot .ttc');
        return { url: location.search, picked: (document.querySelector('#period') || {}).value,
            total: total ? total.textContent : null,
            error: (document.querySelector('#range-error') || {}).textContent || null,
            notice: (document.querySelector('.period-unusable') || {}).textContent || null };
    "#;
    let choose = |value: &'static str| {
        let browser = &browser;
        async move {
            browser
                .client
                .wait()
                .for_element(Locator::Css("#period"))
                .await
                .unwrap()
                .select_by_value(value)
                .await
                .unwrap();
        }
    };
    let shows = |period: &'static str, total: String| {
        move |v: &Value| {
            (v["url"] == format!("?period={period}").as_str()
                && v["picked"] == period
                && v["total"] == total.as_str())
            .then_some(())
        }
    };
    choose("last_month").await;
    browser
        .wait_for("last month", READ, shows("last_month", last_month.clone()))
        .await;
    choose("last_12_months").await;
    browser
        .wait_for(
            "this year",
            READ,
            shows("last_12_months", last_12_months.clone()),
        )
        .await;
    browser.client.back().await.unwrap();
    browser
        .wait_for(
            "last month again, after Back",
            READ,
            shows("last_month", last_month.clone()),
        )
        .await;
    browser.client.forward().await.unwrap();
    browser
        .wait_for(
            "this year again, after Forward",
            READ,
            shows("last_12_months", last_12_months.clone()),
        )
        .await;

    // A reversed range: said under the dates, and the figures stay this year's.
    choose("custom").await;
    let set_date = |id: &'static str, date: &'static str| {
        let browser = &browser;
        async move {
            browser
                .client
                .execute(
                    "const input = document.getElementById(arguments[0]); input.value = arguments[1]; \
                     input.dispatchEvent(new Event('input', { bubbles: true })); return true;",
                    vec![Value::from(id), Value::from(date)],
                )
                .await
                .unwrap();
        }
    };
    set_date("from", "2026-11-30").await;
    set_date("to", "2026-11-01").await;
    browser
        .click(Locator::Css(".custom-range button[type=submit]"))
        .await;
    let refused = browser
        .wait_for("the reversed range refused", READ, |v| {
            v["error"].as_str().map(|_| v.clone())
        })
        .await;
    assert_eq!(
        refused["error"],
        "La date de début doit être avant la date de fin (ou le même jour)."
    );
    assert_eq!(refused["url"], "?period=last_12_months");
    assert_eq!(refused["total"], last_12_months.as_str());
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for("the reversed range refused, in English", READ, |v| {
            (v["error"] == "The start date must come before the end date (or be the same day).")
                .then_some(())
        })
        .await;
    // The same range in a link: the page says it shows this month instead.
    browser
        .client
        .goto(&server.url("/ventes?period=custom&from=2026-11-30&to=2026-11-01"))
        .await
        .unwrap();
    browser
        .wait_for("the link's reversed range said", READ, |v| {
            (v["notice"] == "The period in the address is not valid: here is this month.")
                .then_some(())
        })
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for("the link's reversed range said, in French", READ, |v| {
            (v["notice"]
                == "La période demandée dans l'adresse n'est pas valide : voici le mois en cours.")
                .then_some(())
        })
        .await;
    browser.close().await;
}

/// A register silent for three days: *Ventes* (this month) and *Z de caisse* say beside its
/// figures that sales and Z files may be missing, in French and English, for the owner and for
/// the accountant; a period over before its last sync carries no note.
#[tokio::test(flavor = "multi_thread")]
async fn a_silent_registers_figures_say_they_may_be_missing() {
    use chrono::{Duration, Utc};
    use multicaisse_core::store::{RegisterKind, RegisterStatus};
    use multicaisse_server::secret::{new_token, secret_hash};
    use multicaisse_server::storage::{LeaseOutcome, NewRegister};
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    // A fourth register, paired, that last synced three days ago: what the server's own
    // pairing and sync write, at that time.
    let storage = server.server.storage.clone();
    // Three days and an hour: "il y a 3 jours" however long the test takes.
    let (now, then) = (
        Utc::now(),
        Utc::now() - Duration::days(3) - Duration::hours(1),
    );
    let register = storage
        .insert_register(&NewRegister {
            store_id: store.id,
            number: 4,
            label: "Caisse du salon".into(),
            kind: RegisterKind::Extra,
            status: RegisterStatus::Active,
            created_at: now - Duration::days(10),
            activated_at: Some(now - Duration::days(10)),
            suspended_at: None,
        })
        .await
        .unwrap();
    let code = secret_hash(&new_token());
    storage
        .create_pairing_code(register.id, &code, then + Duration::hours(1))
        .await
        .unwrap();
    storage
        .redeem_pairing_code(
            &code,
            &secret_hash(&new_token()),
            "iPad salon",
            "iPad Air",
            then,
        )
        .await
        .unwrap();
    let LeaseOutcome::Acquired { session_id } = storage
        .begin_sync(
            store.id,
            register.id,
            then,
            (then + Duration::minutes(2)).timestamp_millis(),
        )
        .await
        .unwrap()
    else {
        panic!("the lease is free");
    };
    storage
        .end_sync(register.id, session_id, then + Duration::seconds(30))
        .await
        .unwrap();

    // The registers the notes are for, and what they say.
    const NOTES: &str =
        "return Object.fromEntries([...document.querySelectorAll('[data-register]')] \
        .filter(e => e.querySelector('.may-lack')) \
        .map(e => [e.dataset.register, e.querySelector('.may-lack').textContent]));";
    // Besides ours, the demo's own registers that are late, as the server sees them.
    let briefs: Vec<multicaisse_core::freshness::SyncBrief> = server
        .api(&format!("/api/stores/{}/sync-brief", store.id))
        .await;
    let registers: Vec<multicaisse_core::store::Register> = server
        .api(&format!("/api/stores/{}/registers", store.id))
        .await;
    let late: Vec<String> = briefs
        .iter()
        .filter(|b| {
            matches!(
                b.state,
                multicaisse_core::freshness::SyncState::Late
                    | multicaisse_core::freshness::SyncState::NeverSynced
            )
        })
        .filter_map(|b| registers.iter().find(|r| r.id == b.register_id))
        .map(|r| r.number.to_string())
        .collect();
    assert!(late.contains(&"4".to_string()), "{late:?}");
    let notes_say = |expected: &'static str| {
        let late = late.clone();
        move |v: &Value| {
            let notes = v.as_object()?;
            let mut numbers: Vec<&String> = notes.keys().collect();
            numbers.sort();
            let mut wanted: Vec<&String> = late.iter().collect();
            wanted.sort();
            (numbers == wanted && notes["4"] == expected).then_some(())
        }
    };
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url("/ventes?period=this_month"))
        .await
        .unwrap();
    browser
        .wait_for(
            "the note on Ventes",
            NOTES,
            notes_say("⚠ dernière synchronisation il y a 3 jours : des ventes peuvent manquer"),
        )
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for(
            "the note in English",
            NOTES,
            notes_say("⚠ last synced 3 days ago: sales may be missing"),
        )
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    // A day over before its last sync (and the demo's late registers') holds everything.
    let day = (now - Duration::days(6)).date_naive();
    browser
        .client
        .goto(&server.url(&format!("/ventes?period=custom&from={day}&to={day}")))
        .await
        .unwrap();
    browser
        .wait_for(
            "the table of a period over before the last sync",
            "return document.querySelectorAll('#sales-table tbody tr').length;",
            |v| (v == 4).then_some(()),
        )
        .await;
    let notes = browser.client.execute(NOTES, vec![]).await.unwrap();
    assert_eq!(notes, serde_json::json!({}));
    browser.client.goto(&server.url("/z")).await.unwrap();
    const Z_NOTE: &str = "⚠ dernière synchronisation il y a 3 jours : des Z peuvent manquer";
    browser
        .wait_for("the note on Z de caisse", NOTES, notes_say(Z_NOTE))
        .await;
    // The accountant, who has no *Appareils*, is told as well.
    browser.click(Locator::Css("button.sign-out")).await;
    browser.sign_in(&server, &multicaisse_e2e::ACCOUNTANT).await;
    browser.client.goto(&server.url("/z")).await.unwrap();
    browser
        .wait_for("the note for the accountant", NOTES, notes_say(Z_NOTE))
        .await;
    browser.close().await;
}
