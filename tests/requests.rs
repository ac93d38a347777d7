//! The whole story of an extra register in headless Chromium: the owner asks for one on
//! *Abonnement* (a season ending before it starts is refused, nothing written), support
//! activates it on *Demandes* and reads the iPad's pairing code, the simulator enrols the iPad
//! with fewer payment methods than the principal register, and *Appareils* shows the
//! checklist naming what differs, as the API words it. Then support refuses a second request
//! and the owner reads the reason.

use fantoccini::Locator;
use multicaisse_core::requests::{RegisterRequest, RequestStatus};
use multicaisse_core::setup::SetupInWords;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::ticket::PaymentMethod;
use multicaisse_e2e::{Browser, DemoServer, OWNER, SUPPORT};
use multicaisse_server::simulate::{self, SimulateConfig, SyncOrder};
use serde_json::Value;

const LABEL: &str = "Caisse 4 — Cave à manger";

fn read_requests() -> String {
    "return [...document.querySelectorAll('#requests li')].map(li => [li.dataset.status, li.textContent]);".into()
}

/// `Some` when the list shows a request in `status` whose words contain `text`.
fn has_request(v: &Value, status: &str, text: &str) -> Option<()> {
    v.as_array()?
        .iter()
        .any(|r| r[0] == status && r[1].as_str().is_some_and(|t| t.contains(text)))
        .then_some(())
}

/// Sets a form control's value as the browser would, then tells the page.
async fn set_value(browser: &Browser, css: &str, value: &str, event: &str) {
    browser
        .client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"));
    browser
        .client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event(arguments[2], { bubbles: true })); return true;",
            vec![css.into(), value.into(), event.into()],
        )
        .await
        .expect("set the value");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_asks_support_activates_and_the_checklist_shows_what_differs() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store = &stores[0];
    let requests_path = format!("/api/stores/{}/register-requests", store.id);
    let before: Vec<RegisterRequest> = server.api(&requests_path).await;

    let owner = Browser::start().await;
    owner.sign_in(&server, &OWNER).await;
    owner
        .client
        .goto(&server.url("/abonnement"))
        .await
        .expect("open");

    // A season that ends before it starts: the server's reason on the page, nothing written.
    owner.fill(Locator::Css("#request-label"), LABEL).await;
    set_value(&owner, "#request-kind", "seasonal", "change").await;
    set_value(&owner, "#season-from", "2030-12-20", "input").await;
    set_value(&owner, "#season-until", "2030-12-01", "input").await;
    owner
        .click(Locator::Css(".request-form button[type=submit]"))
        .await;
    let refused = owner
        .wait_for(
            "the refusal",
            "return (document.querySelector('#request-error')||{}).textContent || null;",
            |v| v.as_str().map(String::from),
        )
        .await;
    assert!(refused.contains("season"), "{refused}");
    let after: Vec<RegisterRequest> = server.api(&requests_path).await;
    assert_eq!(
        after.len(),
        before.len(),
        "a refused request writes nothing"
    );

    // A permanent register.
    set_value(&owner, "#request-kind", "permanent", "change").await;
    owner
        .click(Locator::Css(".request-form button[type=submit]"))
        .await;
    owner
        .wait_for("the request listed as pending", &read_requests(), |v| {
            has_request(v, "pending", LABEL)
        })
        .await;
    let requests: Vec<RegisterRequest> = server.api(&requests_path).await;
    let request = requests
        .iter()
        .find(|r| r.label == LABEL)
        .expect("the request is stored");
    assert_eq!(request.status, RequestStatus::Pending);

    // Support activates it and reads the pairing code.
    let support = Browser::start().await;
    support.sign_in(&server, &SUPPORT).await;
    support
        .client
        .goto(&server.url("/demandes"))
        .await
        .expect("open");
    support
        .click(Locator::Css(&format!(
            "#request-queue tr[data-request='{}'] button.activate",
            request.id
        )))
        .await;
    // Activating bills the shop: support is asked first.
    let question = support
        .wait_for(
            "the question before activating",
            "return (document.querySelector('#request-queue .confirm-activation') || {}).textContent || null;",
            |v| v.as_str().map(str::to_string),
        )
        .await;
    assert_eq!(
        question,
        "Activer cette caisse ? Elle est facturée à la boutique chaque mois à partir d'aujourd'hui, jusqu'à sa mise hors service."
    );
    support
        .click(Locator::Css(&format!(
            "#request-queue tr[data-request='{}'] button.confirm-activate",
            request.id
        )))
        .await;
    let code = support
        .wait_for(
            "the pairing code",
            "return (document.querySelector('#activation .pairing-code')||{}).textContent || null;",
            |v| v.as_str().map(String::from),
        )
        .await;
    assert!(code.len() >= 6, "pairing code {code:?}");
    let registers: Vec<Register> = server
        .api(&format!("/api/stores/{}/registers", store.id))
        .await;
    let register = registers
        .iter()
        .find(|r| r.label == LABEL)
        .expect("activation made the register");
    let requests: Vec<RegisterRequest> = server.api(&requests_path).await;
    let request = requests.iter().find(|r| r.label == LABEL).expect("request");
    assert_eq!(request.status, RequestStatus::Activated);
    assert_eq!(request.register_id, Some(register.id));

    // The iPad is set up without cheques or gift vouchers.
    let today = store.today(chrono::Utc::now());
    let report = simulate::run(&SimulateConfig {
        payment_methods: vec![PaymentMethod::Card, PaymentMethod::Cash],
        url: server.url(""),
        store_id: store.id,
        registers: vec![register.number],
        from: today,
        until: today,
        seed: 23,
        syncs_per_day: 1,
        misbehave: vec![],
        order: SyncOrder::Once,
        email: SUPPORT.email.into(),
        password: SUPPORT.password.into(),
    })
    .await
    .expect("the simulator enrols and syncs the new register");
    assert_eq!(report.registers[0].syncs, 1);

    let setups: Vec<SetupInWords> = server
        .api(&format!("/api/stores/{}/setup?lang=fr", store.id))
        .await;
    let setup = setups
        .iter()
        .find(|s| s.number == register.number)
        .expect("the new register's checklist");
    assert!(setup.reported && !setup.complete, "{setup:?}");
    let differences: Vec<String> = setup
        .lines
        .iter()
        .filter(|l| !l.passed)
        .map(|l| l.text.clone())
        .collect();
    assert_eq!(
        differences.len(),
        1,
        "only the payment methods differ: {differences:?}"
    );
    assert!(
        differences[0].contains("Chèque") && differences[0].contains("Bon d'achat"),
        "{differences:?}"
    );

    owner
        .client
        .goto(&server.url("/appareils"))
        .await
        .expect("open");
    let shown = owner
        .wait_for(
            "the new register's checklist on Appareils",
            &format!(
                "const li = document.querySelector(\"#setup-pending > li[data-register='{}']\");
                 return li ? [...li.querySelectorAll('li:not(.ok):not(.warning)')].map(l => l.textContent) : null;",
                register.number
            ),
            |v: &Value| v.as_array().map(|a| a.to_vec()),
        )
        .await;
    assert_eq!(
        shown, differences,
        "the page shows what the API says differs"
    );

    // The owner reads the outcome; a second request is refused with a reason.
    owner
        .client
        .goto(&server.url("/abonnement"))
        .await
        .expect("open");
    owner
        .wait_for("the request shown as activated", &read_requests(), |v| {
            has_request(v, "activated", LABEL)
        })
        .await;
    owner
        .fill(Locator::Css("#request-label"), "Caisse 5 — Terrasse")
        .await;
    owner
        .click(Locator::Css(".request-form button[type=submit]"))
        .await;
    owner
        .wait_for("the second request sent", &read_requests(), |v| {
            has_request(v, "pending", "Terrasse")
        })
        .await;
    let second = server
        .api::<Vec<RegisterRequest>>(&requests_path)
        .await
        .into_iter()
        .find(|r| r.label.contains("Terrasse"))
        .expect("second request");
    support.client.refresh().await.expect("reload");
    support
        .click(Locator::Css(&format!(
            "#request-queue tr[data-request='{}'] button.refuse",
            second.id
        )))
        .await;
    support
        .fill(
            Locator::Css("#refusal-reason"),
            "La terrasse ferme en hiver",
        )
        .await;
    support.click(Locator::Css("#confirm-refusal")).await;
    support
        .wait_for(
            "the refused request gone from the queue",
            &format!(
                "return !document.querySelector(\"#request-queue tr[data-request='{}']\");",
                second.id
            ),
            |v| v.as_bool()?.then_some(()),
        )
        .await;
    owner.client.refresh().await.expect("reload");
    owner
        .wait_for("the refusal and its reason", &read_requests(), |v| {
            has_request(v, "refused", "La terrasse ferme en hiver")
        })
        .await;

    // Billing on Demandes lists the new register for this month.
    support
        .wait_for(
            "the new register billed this month",
            &format!(
                "return !!document.querySelector(\"#billing tr[data-register='{}']\");",
                register.number
            ),
            |v| v.as_bool()?.then_some(()),
        )
        .await;
    // The month field shows the month the table is for, and choosing another shows that one.
    const BILLING: &str = "const select = document.querySelector('#billing-month'); \
        return { value: select.value, label: select.selectedOptions[0].textContent, \
            second: select.options[1].value, \
            shown: (document.querySelector('.table-wrap[data-month]') || {}).dataset?.month || null };";
    let billing = support
        .wait_for("the billing month", BILLING, |v| {
            (v["shown"].is_string() && v["shown"] == v["value"]).then(|| v.clone())
        })
        .await;
    let (year, month) = billing["value"].as_str().unwrap().split_once('-').unwrap();
    let name = multicaisse_core::format::month_name(
        month.parse().unwrap(),
        multicaisse_core::format::Lang::Fr,
    );
    assert_eq!(
        billing["label"],
        format!("{name} {year}").as_str(),
        "{billing}"
    );
    let previous = billing["second"].as_str().unwrap().to_string();
    support
        .client
        .find(Locator::Css("#billing-month"))
        .await
        .unwrap()
        .select_by_value(&previous)
        .await
        .unwrap();
    support
        .wait_for("the month before", BILLING, |v| {
            (v["shown"] == previous.as_str() && v["value"] == previous.as_str()).then_some(())
        })
        .await;

    // In English: the owner's list words the outcome, support's page its sections.
    owner.click(Locator::Css("button.lang-switch")).await;
    owner
        .wait_for("the requests in English", &read_requests(), |v| {
            // English puts no space before its colon.
            let refused = v.as_array()?.iter().find(|r| r[0] == "refused")?[1].as_str()?;
            (refused.contains("refused on")
                && refused.contains(": La terrasse ferme en hiver")
                && !refused.contains(" : "))
            .then_some(())
        })
        .await;
    support.click(Locator::Css("button.lang-switch")).await;
    support
        .wait_for(
            "Demandes in English",
            "return [...document.querySelectorAll('main h1, main h2')].map(h => h.textContent);",
            |v: &Value| {
                let titles: Vec<&str> = v.as_array()?.iter().filter_map(Value::as_str).collect();
                (titles.contains(&"Requests and billing") && titles.contains(&"Billing"))
                    .then_some(())
            },
        )
        .await;
    owner.close().await;
    support.close().await;
}
