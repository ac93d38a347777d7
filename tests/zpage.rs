//! Z de caisse in headless Chromium: the demo's accountant signs in, sees last month's
//! closures of every register verified on the calendar, finds both shops whose books the firm
//! keeps, downloads a shop's month ZIP and a register's fiscal year, and opens the other shop.

use chrono::{Datelike, Months, Utc};
use fantoccini::Locator;
use multicaisse_core::format::{format_date, format_month, format_size, Lang};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::verification::{ClosureStatus, RegisterVerification};
use multicaisse_core::zperiod::ZPeriod;
use multicaisse_e2e::{Browser, DemoServer, ACCOUNTANT};
use serde_json::Value;

const READ: &str = "return [...document.querySelectorAll('article.register-z')].map(a => ({ \
    register: a.dataset.register, \
    integrity: ((a.querySelector('.integrity')||{}).className||'') + '|' + ((a.querySelector('.integrity')||{}).textContent||''), \
    verified: a.querySelectorAll('.day[data-status=verified]').length, \
    other: [...a.querySelectorAll('.day')].filter(d => d.dataset.status !== 'verified' && d.dataset.status !== 'none').length, \
    monthly: (a.querySelector('p.monthly')||{dataset:{}}).dataset.status }));";

#[tokio::test(flavor = "multi_thread")]
async fn an_accountant_finds_last_months_z_and_downloads_the_zip() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let registers: Vec<Register> = server
        .api(&format!("/api/stores/{}/registers", store.id))
        .await;
    let today = Utc::now().with_timezone(&store.time_zone).date_naive();
    let month = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .unwrap();
    let month_code = month.format("%Y-%m").to_string();

    let browser = Browser::start().await;
    // Signing in lands an accountant on the Z files, nothing to click.
    browser.sign_in(&server, &ACCOUNTANT).await;
    let shown = browser
        .wait_for("every register's calendar", READ, |v| {
            let all = v.as_array()?;
            (all.len() == registers.len() && all.iter().all(|r| r["monthly"].is_string()))
                .then(|| all.clone())
        })
        .await;
    for (register, row) in registers.iter().zip(&shown) {
        let verification: RegisterVerification = server
            .api(&format!("/api/registers/{}/verification", register.id))
            .await;
        let dailies = verification
            .closures
            .iter()
            .filter(|c| {
                c.closure.kind == multicaisse_core::closure::ClosureKind::Daily
                    && c.closure.period_start.format("%Y-%m").to_string() == month_code
            })
            .inspect(|c| assert_eq!(c.status, ClosureStatus::Verified))
            .count();
        assert_eq!(
            row["verified"], dailies,
            "register {}: {row}",
            register.number
        );
        assert_eq!(row["other"], 0, "{row}");
        assert_eq!(row["monthly"], "verified", "{row}");
        let integrity = row["integrity"].as_str().unwrap();
        assert!(
            integrity.contains("ok|Chaîne des tickets intacte")
                && integrity.contains("toutes vérifiées"),
            "{integrity}"
        );
    }

    // The month's ZIP, every register's CSV in it.
    // Both shops whose books the firm keeps are listed, each with its month's ZIP.
    let listed = browser
        .wait_for(
            "the accountant's stores",
            "return [...document.querySelectorAll('#z-stores li')].map(li => li.dataset.store + '|' + li.querySelector('strong').textContent);",
            |v: &Value| (v.as_array()?.len() == stores.len()).then(|| v.clone()),
        )
        .await;
    for (store, row) in stores.iter().zip(listed.as_array().unwrap()) {
        assert_eq!(row, &Value::from(format!("{}|{}", store.id, store.name)));
    }
    browser
        .click(Locator::Css(&format!(
            "#z-stores li[data-store='{}'] button[data-format=csv]",
            store.id
        )))
        .await;
    let expected = format!("z-cave-des-canuts-{month_code}-csv.zip");
    let size = downloaded(&browser, &expected).await;
    let bytes = reqwest_bytes(
        &server,
        &format!(
            "/api/stores/{}/z.zip?month={month_code}&format=csv",
            store.id
        ),
    )
    .await;
    assert_eq!(size, format_size(bytes.len() as u64, Lang::Fr));
    assert!(bytes.starts_with(b"PK"), "a ZIP");

    // The last fiscal year over is chosen: register 1's whole year, every format in one ZIP.
    let end = store.fiscal_year_end_month;
    let current = [today.year(), today.year() + 1]
        .into_iter()
        .find(|y| {
            let (start, last) = ZPeriod::FiscalYear(*y).bounds(end);
            start <= today && today <= last
        })
        .unwrap();
    let year = ZPeriod::FiscalYear(current - 1).to_string();
    let chosen = browser
        .wait_for(
            "the fiscal year",
            "return (document.querySelector('#z-year')||{}).value;",
            |v: &Value| v.as_str().map(String::from),
        )
        .await;
    assert_eq!(chosen, year);
    let (first_day, last_day) = ZPeriod::FiscalYear(current - 1).bounds(end);
    let year_option = "return (document.querySelector('#z-year option:checked')||{}).textContent;";
    let in_french = format!(
        "Exercice {} ({} – {})",
        current - 1,
        first_day.format("%d/%m/%Y"),
        last_day.format("%d/%m/%Y")
    );
    browser
        .wait_for("the fiscal year, in French", year_option, |v: &Value| {
            (v.as_str()? == in_french).then_some(())
        })
        .await;
    browser
        .click(Locator::Css(
            "article.register-z[data-register='1'] div[data-period=year] button[data-format=zip]",
        ))
        .await;
    let size = downloaded(&browser, &format!("z-caisse-1-{year}.zip")).await;
    let bytes = reqwest_bytes(
        &server,
        &format!(
            "/api/registers/{}/z?period={year}&format=zip",
            registers[0].id
        ),
    )
    .await;
    assert_eq!(size, format_size(bytes.len() as u64, Lang::Fr));

    // Words an owner uses: the download lines name the month and the fiscal year ("FY2025"
    // and "Le mois" before), and the month is chosen from a list of names, not an
    // `<input type=month>` that Safari on a Mac does not have.
    const LINES: &str = "return { lines: [...document.querySelectorAll(\
        'article.register-z[data-register=\"1\"] .downloads > span')].map(s => s.textContent), \
        month: (document.querySelector('#z-month option:checked')||{}).textContent, \
        calendar: (document.querySelector('article.register-z[data-register=\"1\"] .z-calendar')||{ariaLabel: null}).ariaLabel, \
        hashes: /hach/i.test(document.querySelector('main').innerText) };";
    let words = |month| {
        serde_json::json!({
            "lines": [
                format!("Télécharger — {}", format_month(month, Lang::Fr)),
                format!("Télécharger — Exercice {}", current - 1),
            ],
            "month": format_month(month, Lang::Fr),
            "calendar": format_month(month, Lang::Fr),
            "hashes": false,
        })
    };
    browser
        .wait_for("the months and years in words", LINES, |v| {
            (*v == words(month)).then_some(())
        })
        .await;
    let before = month.checked_sub_months(Months::new(1)).unwrap();
    browser
        .client
        .find(Locator::Css("#z-month"))
        .await
        .expect("the month list")
        .select_by_value(&before.format("%Y-%m").to_string())
        .await
        .expect("choose the month before");
    browser
        .wait_for("the month before, in words", LINES, |v| {
            (*v == words(before)).then_some(())
        })
        .await;
    browser
        .click(Locator::Css(
            "article.register-z[data-register='1'] div[data-period=month] button[data-format=csv]",
        ))
        .await;
    downloaded(
        &browser,
        &format!("z-caisse-1-{}.csv", before.format("%Y-%m")),
    )
    .await;

    // The other shop's registers, one click away.
    let other = &stores[1];
    let other_registers: Vec<Register> = server
        .api(&format!("/api/stores/{}/registers", other.id))
        .await;
    browser
        .click(Locator::Css(&format!(
            "#z-stores li[data-store='{}'] button.link",
            other.id
        )))
        .await;
    browser
        .wait_for("the other shop's registers", READ, |v| {
            let all = v.as_array()?;
            (all.len() == other_registers.len() && all.iter().all(|r| r["monthly"].is_string()))
                .then_some(())
        })
        .await;

    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for(
            "the page in English",
            "return [(document.querySelector('h1')||{}).textContent, \
             (document.querySelector('.integrity')||{}).textContent, \
             (document.querySelector('p.monthly')||{}).textContent];",
            |v: &Value| {
                let shown = v.as_array()?;
                (shown[0] == "Z reports"
                    && shown[1]
                        .as_str()?
                        .starts_with("Ticket chain intact from no. 1")
                    && shown[2] == "Monthly grand Z : verified")
                    .then_some(())
            },
        )
        .await;
    // The English page once wrote its fiscal years' dates the French way. The page shows the
    // other shop now, and its fiscal year may end in another month.
    let other_end = other.fiscal_year_end_month;
    let other_today = Utc::now().with_timezone(&other.time_zone).date_naive();
    let other_current = [other_today.year(), other_today.year() + 1]
        .into_iter()
        .find(|y| {
            let (start, last) = ZPeriod::FiscalYear(*y).bounds(other_end);
            start <= other_today && other_today <= last
        })
        .unwrap();
    let (first_day, last_day) = ZPeriod::FiscalYear(other_current - 1).bounds(other_end);
    let in_english = format!(
        "Fiscal year {} ({} – {})",
        other_current - 1,
        format_date(first_day, Lang::En),
        format_date(last_day, Lang::En)
    );
    browser
        .wait_for("the fiscal year, in English", year_option, |v: &Value| {
            (v.as_str()? == in_english).then_some(())
        })
        .await;
    browser.close().await;
}

/// The size the page says the file it saved has, once it is saved.
async fn downloaded(browser: &Browser, name: &str) -> String {
    browser
        .wait_for(
            name,
            "return (document.querySelector('#z-progress')||{}).textContent;",
            |v: &Value| {
                let text = v.as_str()?;
                let rest = text.strip_prefix(&format!("Fichier prêt : {name} ("))?;
                rest.strip_suffix(')').map(str::to_string)
            },
        )
        .await
}

async fn reqwest_bytes(server: &DemoServer, path: &str) -> Vec<u8> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    client
        .post(server.url("/api/auth/sign-in"))
        .json(&serde_json::json!({ "email": ACCOUNTANT.email, "password": ACCOUNTANT.password }))
        .send()
        .await
        .unwrap();
    let response = client.get(server.url(path)).send().await.unwrap();
    assert!(response.status().is_success());
    response.bytes().await.unwrap().to_vec()
}
