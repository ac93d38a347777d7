//! Onboarding a shop, as the people do it: support opens it from *Nouvelle boutique* (each
//! mistake said beside its field, in French and in English, and nothing written), invites its
//! owner; the owner signs up from the link and corrects the shop on *Boutique*. The demo owner
//! meets the rule that keeps a shop's calendar once it has sold, and the page follows the
//! shop chosen in the header.

use super::{shell, sign_out};
use fantoccini::Locator;
use multicaisse_core::store::Store;
use multicaisse_e2e::{Browser, DemoServer, OWNER, SUPPORT};
use serde_json::Value;

/// The text under a field, or null.
fn field_error(id: &str) -> String {
    format!("return (document.querySelector('#{id}-error') || {{}}).textContent || null;")
}

const FORM_ERROR: &str =
    "return (document.querySelector('main form .form-error') || {}).textContent || null;";

async fn said_under(browser: &Browser, id: &str, expected: &str) {
    browser
        .wait_for(
            &format!("{expected:?} under #{id}"),
            &field_error(id),
            |v| (v == expected).then_some(()),
        )
        .await;
}

async fn select(browser: &Browser, css: &str, value: &str) {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

async fn fill_shop(browser: &Browser, siret: &str, vat_number: &str) {
    browser
        .fill(Locator::Css("#shop-name"), "Cave des Pentes")
        .await;
    browser.fill(Locator::Css("#shop-siret"), siret).await;
    browser
        .fill(
            Locator::Css("#shop-address"),
            "3 montée de la Grande-Côte, 69001 Lyon",
        )
        .await;
    browser
        .fill(Locator::Css("#shop-vat-number"), vat_number)
        .await;
}

async fn stores(server: &DemoServer, support: &reqwest::Client) -> Vec<Store> {
    support
        .get(server.url("/api/stores"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn support_opens_a_shop_and_its_owner_corrects_it() {
    let server = DemoServer::start().await;
    let api = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = api
        .post(server.url("/api/auth/sign-in"))
        .json(&serde_json::json!({ "email": SUPPORT.email, "password": SUPPORT.password }))
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success());
    let before = stores(&server, &api).await.len();
    let browser = Browser::start().await;
    browser.sign_in(&server, &SUPPORT).await;
    browser
        .click(Locator::XPath("//nav//a[text()='Nouvelle boutique']"))
        .await;
    shell(&browser, "the new shop page", |v| {
        v["heading"] == "Nouvelle boutique"
    })
    .await;

    // A mistyped SIRET is said under it, in French, then in English once switched.
    fill_shop(&browser, "732 829 320 00075", "FR44732829320").await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    said_under(
        &browser,
        "shop-siret",
        "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas, un chiffre est sans doute mal tapé.",
    )
    .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    said_under(
        &browser,
        "shop-siret",
        "This SIRET is not valid: its check digit does not match, a digit is probably mistyped.",
    )
    .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    // The SIRET right, the VAT number's key wrong.
    browser
        .fill(Locator::Css("#shop-siret"), "732 829 320 00074")
        .await;
    browser
        .fill(Locator::Css("#shop-vat-number"), "FR45 732 829 320")
        .await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    said_under(
        &browser,
        "shop-vat-number",
        "La clé du numéro de TVA est 44 pour ce SIREN, pas 45.",
    )
    .await;
    assert_eq!(stores(&server, &api).await.len(), before, "nothing written");

    // Right at last: a shop on Réunion time whose fiscal year ends in June.
    browser
        .fill(Locator::Css("#shop-vat-number"), "FR44 732 829 320")
        .await;
    select(&browser, "#shop-time-zone", "Indian/Reunion").await;
    select(&browser, "#shop-fiscal-month", "6").await;
    browser
        .fill(Locator::Css("#shop-register-label"), "Comptoir")
        .await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    let opened = browser
        .wait_for(
            "the shop opened",
            "return (document.querySelector('.opened') || {}).textContent || null;",
            |v| v.as_str().map(str::to_string),
        )
        .await;
    assert_eq!(
        opened,
        "La boutique Cave des Pentes est ouverte, avec sa caisse principale prête à être appairée."
    );
    // The header now shows the new shop.
    browser
        .wait_for(
            "the new shop chosen in the header",
            "return (document.querySelector('#store-switcher option:checked') || {}).textContent;",
            |v| (v == "Cave des Pentes").then_some(()),
        )
        .await;
    let all = stores(&server, &api).await;
    assert_eq!(all.len(), before + 1);
    let shop = all.iter().find(|s| s.name == "Cave des Pentes").unwrap();
    assert_eq!(
        (
            shop.siret.as_str(),
            shop.vat_number.as_str(),
            shop.time_zone.name(),
            shop.fiscal_year_end_month
        ),
        ("73282932000074", "FR44732829320", "Indian/Reunion", 6)
    );
    let registers: Vec<Value> = api
        .get(server.url(&format!("/api/stores/{}/registers", shop.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registers.len(), 1);
    assert_eq!(registers[0]["label"], "Comptoir");

    // Its owner invited: the link to send.
    let link = browser
        .invite(
            &server,
            "#owner-email",
            ".owner-invite-form",
            "claire@cave-des-pentes.fr",
        )
        .await;

    // The same SIRET again is refused by the server, in words the page translates.
    browser
        .client
        .goto(&server.url("/nouvelle-boutique"))
        .await
        .unwrap();
    fill_shop(&browser, "73282932000074", "FR44732829320").await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    browser
        .wait_for("the duplicate refused", FORM_ERROR, |v| {
            (v == "Une autre boutique a déjà ce SIRET : vérifiez-le, ou ouvrez plutôt cette boutique-là.").then_some(())
        })
        .await;
    assert_eq!(stores(&server, &api).await.len(), before + 1);
    sign_out(&browser).await;

    // The owner signs up from the link, and corrects the address on *Boutique*.
    browser.client.goto(&link).await.expect("open the link");
    browser
        .fill(Locator::Css("#display-name"), "Claire Morel")
        .await;
    browser
        .fill(Locator::Css("#new-password"), "un mot de passe solide")
        .await;
    browser
        .click(Locator::Css("form button[type=submit]"))
        .await;
    let owner = shell(&browser, "the new owner", |v| v["role"] == "Propriétaire").await;
    assert_eq!(owner["store"], "Cave des Pentes");
    assert!(
        owner["nav"]
            .as_array()
            .unwrap()
            .contains(&Value::from("Boutique")),
        "{owner}"
    );
    browser
        .click(Locator::XPath("//nav//a[text()='Boutique']"))
        .await;
    browser
        .wait_for(
            "the shop's information",
            "return (document.querySelector('#shop-name') || {}).value;",
            |v| (v == "Cave des Pentes").then_some(()),
        )
        .await;
    let chosen = browser
        .client
        .execute(
            "return [document.querySelector('#shop-time-zone').value, \
             document.querySelector('#shop-fiscal-month').selectedOptions[0].textContent];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(chosen, serde_json::json!(["Indian/Reunion", "juin"]));
    browser
        .fill(
            Locator::Css("#shop-address"),
            "5 montée de la Grande-Côte, 69001 Lyon",
        )
        .await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    browser
        .wait_for(
            "saved",
            "return (document.querySelector('.saved') || {}).textContent || null;",
            |v| (v == "Informations de la boutique enregistrées.").then_some(()),
        )
        .await;
    let shop: Store = api
        .get(server.url(&format!("/api/stores/{}", shop.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shop.address, "5 montée de la Grande-Côte, 69001 Lyon");
    browser.close().await;
}

/// The demo owner on *Boutique*: the form follows the shop chosen in the header, and a shop
/// that has sold keeps its time zone, said in French then in English.
#[tokio::test(flavor = "multi_thread")]
async fn the_shop_page_follows_the_switch_and_keeps_a_sold_shops_calendar() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let browser = Browser::start().await;
    browser
        .client
        .set_window_size(820, 1180)
        .await
        .expect("iPad size");
    browser.sign_in(&server, &OWNER).await;
    browser
        .click(Locator::XPath("//nav//a[text()='Boutique']"))
        .await;
    const NAME: &str = "return (document.querySelector('#shop-name') || {}).value || null;";
    for store in [&stores[1], &stores[0], &stores[1]] {
        select(&browser, "#store-switcher", &store.id.to_string()).await;
        browser
            .wait_for(&format!("{}'s information", store.name), NAME, |v| {
                (v == store.name.as_str()).then_some(())
            })
            .await;
        let siret = browser
            .client
            .execute(
                "return document.querySelector('#shop-siret').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(siret, store.siret.as_str());
    }
    // The shop has sold: its time zone stays.
    select(&browser, "#shop-time-zone", "America/Martinique").await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    browser
        .wait_for("the calendar kept", FORM_ERROR, |v| {
            (v == "Le fuseau horaire et la clôture de l'exercice ne changent plus une fois une vente enregistrée : les ventes passées changeraient de jour et d'exercice.").then_some(())
        })
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    select(&browser, "#shop-fiscal-month", "3").await;
    browser
        .click(Locator::Css(".shop-form button[type=submit]"))
        .await;
    browser
        .wait_for("the calendar kept, in English", FORM_ERROR, |v| {
            (v == "The time zone and the fiscal year end no longer change once a sale is recorded: past sales would move to other days and years.").then_some(())
        })
        .await;
    let after: Vec<Store> = server.api("/api/stores").await;
    assert_eq!(after, stores, "nothing written");
    browser.close().await;
}
