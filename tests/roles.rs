//! End to end: each demo role signs in through the page and sees only what it may; an owner
//! invites an accountant who signs up from the link; support onboards a shop (`shops`);
//! passwords are changed and reset (`passwords`); what went wrong is said in the page's words
//! (`errors`); the journal is read by topic and page (`journal`); the dashboard is worked from
//! the keyboard (`keyboard`).

use fantoccini::Locator;
use multicaisse_core::store::Store;
use multicaisse_e2e::{Browser, DemoAccount, DemoServer, ACCOUNTANT, OWNER, SUPPORT};
use serde_json::Value;

mod errors;
mod journal;
mod keyboard;
mod passwords;
mod shops;

const READ_SHELL: &str = r#"
    const text = sel => (document.querySelector(sel) || {}).textContent;
    return {
        nav: [...document.querySelectorAll('nav.tabs a')].map(a => a.textContent),
        role: text('.role-badge'),
        user: text('.user-name'),
        stores: [...document.querySelectorAll('#store-switcher option')].map(o => o.textContent),
        store: text('.store-name'),
        heading: text('main h1'),
        notice: text('main .notice'),
        signInForm: !!document.querySelector('#email'),
        error: text('.form-error'),
    };
"#;

const EVERY_PAGE: [&str; 12] = [
    "Aujourd'hui",
    "Ventes",
    "Appareils",
    "Flotte",
    "Demandes",
    "Abonnement",
    "Z de caisse",
    "Mise hors service",
    "Accès",
    "Boutique",
    "Journal",
    "Nouvelle boutique",
];

async fn shell(browser: &Browser, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
    browser
        .wait_for(what, READ_SHELL, |v| accept(v).then(|| v.clone()))
        .await
}

async fn sign_out(browser: &Browser) {
    browser.click(Locator::Css("button.sign-out")).await;
    shell(browser, "the sign-in page", |v| v["signInForm"] == true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_demo_role_signs_in_and_sees_only_its_pages() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let store_names: Vec<&str> = stores.iter().map(|s| s.name.as_str()).collect();
    let browser = Browser::start().await;

    // Signed out, every page is the sign-in page; a wrong password is said so, in French.
    browser.client.goto(&server.url("/z")).await.expect("open");
    browser.fill(Locator::Css("#email"), OWNER.email).await;
    browser
        .fill(Locator::Css("#password"), "pas le bon mot de passe")
        .await;
    browser
        .click(Locator::Css("form button[type=submit]"))
        .await;
    let refused = shell(&browser, "the refusal", |v| v["error"].is_string()).await;
    assert_eq!(
        refused["error"],
        "Adresse e-mail ou mot de passe incorrect."
    );
    assert_eq!(refused["nav"], serde_json::json!([]));

    let roles: [(&DemoAccount, Vec<&str>, &str, Vec<&str>); 3] = [
        (
            &OWNER,
            // Support's own pages: the fleet and the request queue.
            EVERY_PAGE
                .into_iter()
                .filter(|p| !["Flotte", "Demandes", "Nouvelle boutique"].contains(p))
                .collect(),
            "Propriétaire",
            store_names.clone(),
        ),
        (
            &ACCOUNTANT,
            vec!["Ventes", "Z de caisse"],
            "Comptable",
            store_names.clone(),
        ),
        (
            &SUPPORT,
            EVERY_PAGE.to_vec(),
            "Support",
            store_names.clone(),
        ),
    ];
    for (account, pages, role, switcher) in roles {
        browser.sign_in(&server, account).await;
        let seen = shell(&browser, account.email, |v| {
            v["nav"].as_array().is_some_and(|n| !n.is_empty())
        })
        .await;
        assert_eq!(
            seen["nav"],
            serde_json::json!(pages),
            "{}: {seen}",
            account.email
        );
        assert_eq!(seen["role"], role, "{seen}");
        assert_eq!(seen["user"], account.display_name, "{seen}");
        assert_eq!(seen["stores"], serde_json::json!(switcher), "{seen}");
        // Every page it may see opens; the others, typed in the address bar, say no.
        for page in EVERY_PAGE {
            let href = match page {
                "Aujourd'hui" => "/",
                "Ventes" => "/ventes",
                "Appareils" => "/appareils",
                "Flotte" => "/flotte",
                "Demandes" => "/demandes",
                "Abonnement" => "/abonnement",
                "Z de caisse" => "/z",
                "Mise hors service" => "/mise-hors-service",
                "Accès" => "/acces",
                "Boutique" => "/boutique",
                "Nouvelle boutique" => "/nouvelle-boutique",
                _ => "/journal",
            };
            browser.client.goto(&server.url(href)).await.expect("open");
            if page == "Aujourd'hui" && !pages.contains(&page) {
                // An accountant's first screen is the Z files.
                shell(&browser, &format!("the first screen of {role}"), |v| {
                    v["heading"] == "Z de caisse"
                })
                .await;
            } else if pages.contains(&page) {
                shell(&browser, &format!("{page} as {role}"), |v| {
                    v["heading"].is_string()
                        && v["notice"]
                            != "Votre compte n'a pas accès à cette page pour cette boutique."
                })
                .await;
            } else {
                shell(&browser, &format!("{page} refused to {role}"), |v| {
                    v["notice"] == "Votre compte n'a pas accès à cette page pour cette boutique."
                })
                .await;
            }
        }
        if account.email == SUPPORT.email {
            // Support sees who has access but does not grant it.
            browser
                .client
                .goto(&server.url("/acces"))
                .await
                .expect("open");
            let access = shell(&browser, "access as support", |v| {
                v["notice"]
                    == "Seul un propriétaire de la boutique peut inviter ou retirer un accès."
            })
            .await;
            assert_eq!(access["heading"], "Accès à la boutique");
            assert!(browser
                .client
                .find(Locator::Css("#invite-email"))
                .await
                .is_err());
        }
        sign_out(&browser).await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_invites_an_accountant_who_signs_up_from_the_link() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    let second = stores
        .iter()
        .find(|s| s.name.contains("Chai"))
        .expect("the second shop");
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;

    // The switcher moves every page to the second shop.
    browser
        .client
        .wait()
        .for_element(Locator::Css("#store-switcher"))
        .await
        .expect("a store switcher")
        .select_by_value(&second.id.to_string())
        .await
        .expect("choose the second shop");
    browser
        .client
        .goto(&server.url("/ventes"))
        .await
        .expect("open");
    browser
        .wait_for(
            "the second shop's sales",
            "return document.querySelectorAll('#sales-table tbody tr').length;",
            |v| (v == 1).then_some(()),
        )
        .await;

    browser
        .client
        .goto(&server.url("/acces"))
        .await
        .expect("open");
    let members = browser
        .wait_for(
            "the members",
            "return [...document.querySelectorAll('#members-table tbody tr')].map(r => r.textContent);",
            |v| (v.as_array()?.len() == 2).then(|| v.clone()),
        )
        .await;
    // The owner, and the firm that keeps both shops' books.
    assert!(members[0].as_str().unwrap().contains("(vous)"), "{members}");
    assert!(
        members[1].as_str().unwrap().contains(ACCOUNTANT.email),
        "{members}"
    );
    let link = browser
        .invite(
            &server,
            "#invite-email",
            ".invite-form",
            "Nouveau@Cabinet-Brun.fr",
        )
        .await;
    browser
        .wait_for(
            "the pending invitation",
            "return (document.querySelector('table.invitations tbody tr th') || {}).textContent;",
            |v| (v == "nouveau@cabinet-brun.fr").then_some(()),
        )
        .await;
    sign_out(&browser).await;

    // The invitee opens the link, chooses a name and a password, and is in, as accountant.
    browser.client.goto(&link).await.expect("open the link");
    let offer = browser
        .wait_for(
            "the invitation",
            "return (document.querySelector('.invitation-offer') || {}).textContent;",
            |v| v.as_str().map(str::to_string),
        )
        .await;
    assert!(
        offer.contains(&second.name) && offer.contains("Comptable"),
        "{offer}"
    );
    browser
        .fill(Locator::Css("#display-name"), "Cabinet Brun & associés")
        .await;
    browser
        .fill(Locator::Css("#new-password"), "un mot de passe solide")
        .await;
    browser
        .click(Locator::Css("form button[type=submit]"))
        .await;
    let accountant = shell(&browser, "the new accountant", |v| {
        v["nav"].as_array().is_some_and(|n| n.len() == 2)
    })
    .await;
    assert_eq!(
        accountant["nav"],
        serde_json::json!(["Ventes", "Z de caisse"])
    );
    assert_eq!(accountant["role"], "Comptable");
    assert_eq!(accountant["store"], second.name.as_str());
    sign_out(&browser).await;

    // The owner's journal tells the story.
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url("/journal"))
        .await
        .expect("open");
    let events = browser
        .wait_for(
            "the journal",
            "return [...document.querySelectorAll('#audit-table tbody tr')].map(r => r.dataset.event);",
            |v| {
                let events: Vec<&str> = v.as_array()?.iter().filter_map(Value::as_str).collect();
                events.contains(&"invitation_accepted").then(|| v.clone())
            },
        )
        .await;
    let events: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(events.contains(&"invitation_created"), "{events:?}");
    browser.close().await;
}

/// What the server refuses is said in the page's language: an owner inviting support's
/// address, then an invitee whose invitation the owner cancelled while the page was open (410),
/// each in French and, after the switch, in English.
#[tokio::test]
async fn refusals_are_told_in_the_page_language() {
    use multicaisse_core::api::Conflict;
    use multicaisse_core::format::Lang;
    let server = DemoServer::start().await;
    let browser = Browser::start().await;
    // An iPad held upright.
    browser
        .client
        .set_window_size(820, 1100)
        .await
        .expect("820 px wide");
    browser.sign_in(&server, &OWNER).await;
    browser
        .client
        .goto(&server.url("/acces"))
        .await
        .expect("open");
    browser
        .fill(Locator::Css("#invite-email"), SUPPORT.email)
        .await;
    browser
        .click(Locator::Css(".invite-form button[type=submit]"))
        .await;
    // The refusal, when it is shown whole within the page's width.
    const READ_ERROR: &str = "const e = document.querySelector('.page .form-error'); \
        if (!e) return null; const r = e.getBoundingClientRect(); \
        return r.width > 0 && r.right <= document.documentElement.clientWidth ? e.textContent : null;";
    let said = |lang| Conflict::SupportAccount.describe(lang);
    browser
        .wait_for("the refusal in French", READ_ERROR, |v| {
            (v == said(Lang::Fr)).then_some(())
        })
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for("the refusal in English", READ_ERROR, |v| {
            (v == said(Lang::En)).then_some(())
        })
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    let store = server.api::<Vec<Store>>("/api/stores").await[0].id;
    let cancelled = server
        .owner_post(
            &format!("/api/stores/{store}/invitations"),
            serde_json::json!({ "email": "annulee@cave.fr", "role": "accountant" }),
        )
        .await;
    sign_out(&browser).await;

    const READ_FORM_ERROR: &str =
        "return (document.querySelector('.invitation-page .form-error') || {}).textContent || null;";
    // Cancelled while the invitee reads the page: 410.
    let link = cancelled["link"].as_str().expect("the link").to_string();
    browser.client.goto(&link).await.expect("open the link");
    browser
        .fill(Locator::Css("#new-password"), "un mot de passe solide")
        .await;
    server
        .owner_post(
            &format!("/api/stores/{store}/invitations/{}/cancel", cancelled["id"]),
            serde_json::json!({}),
        )
        .await;
    browser
        .click(Locator::Css("form button[type=submit]"))
        .await;
    browser
        .wait_for("no longer valid, in French", READ_FORM_ERROR, |v| {
            v.as_str()?
                .starts_with("Cette invitation n'est plus valable")
                .then_some(())
        })
        .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    browser
        .wait_for("no longer valid, in English", READ_FORM_ERROR, |v| {
            v.as_str()?
                .starts_with("This invitation is no longer valid")
                .then_some(())
        })
        .await;
    browser.close().await;
}

/// The owner switches shops on every page they have, as a person does, in French and then in
/// English: each page then shows what it shows when opened on that shop, and nothing breaks (a
/// panic in the browser, an endless skeleton). The pages were rebuilt at each switch under
/// their in-flight fetches, read them disposed, and panicked: the previous shop's figures
/// stayed on screen under the new shop's name.
#[tokio::test(flavor = "multi_thread")]
async fn switching_the_shop_shows_the_chosen_shop_on_every_page() {
    let server = DemoServer::start().await;
    let stores: Vec<Store> = server.api("/api/stores").await;
    assert!(stores.len() >= 2, "the demo owner has two shops");
    let browser = Browser::start().await;
    // An iPad held upright, where owners use it.
    browser
        .client
        .set_window_size(820, 1180)
        .await
        .expect("iPad size");
    browser.sign_in(&server, &OWNER).await;
    const WATCH: &str = "window.__errors = []; \
        if (!window.__watching) { window.__watching = true; const error = console.error; \
            console.error = function (...args) { window.__errors.push(args.map(String).join(' ')); \
                error.apply(console, args); }; \
            window.addEventListener('error', e => window.__errors.push(e.message)); } \
        return true;";
    const SEEN: &str = "const main = document.querySelector('main'); \
        return { errors: window.__errors || [], \
        settled: main.querySelectorAll('.skeleton, [aria-busy=true]').length === 0 \
            && main.textContent.length > 100, \
        shop: (document.querySelector('#store-switcher option:checked') || {}).textContent, \
        text: main.innerText.replace(/\\d{1,2}:\\d{2}/g, 'hh:mm') \
            .replace(/il y a \\d+ \\S+|\\d+ \\S+ ago/g, 'ago') };";
    // The clock moves on between opening a page and coming back to it: times of day and
    // "3 min ago" are masked, the shop's own words and figures are compared.
    let settled = |v: &Value| v["settled"] == true;
    for (round, lang_switch) in [(0, false), (1, true)] {
        if lang_switch {
            browser.click(Locator::Css("button.lang-switch")).await;
        }
        let order = [&stores[1 - round], &stores[round]];
        for path in [
            "/ventes",
            "/appareils",
            "/abonnement",
            "/z",
            "/mise-hors-service",
            "/acces",
            "/journal",
        ] {
            // What the page shows when opened on each shop, the last one staying chosen.
            let mut fresh = Vec::new();
            for store in order {
                browser
                    .client
                    .execute(
                        "localStorage.setItem('multicaisse.store', arguments[0]); return true;",
                        vec![Value::from(store.id.to_string())],
                    )
                    .await
                    .unwrap();
                browser.client.goto(&server.url(path)).await.expect("open");
                let seen = browser
                    .wait_for(&format!("{path} opened on {}", store.name), SEEN, |v| {
                        (settled(v) && v["shop"] == store.name.as_str()).then(|| v.clone())
                    })
                    .await;
                fresh.push(seen["text"].clone());
            }
            assert_ne!(fresh[0], fresh[1], "{path} must show each shop's own data");
            browser.client.execute(WATCH, vec![]).await.unwrap();
            // Back and forth: the other shop, then this one again.
            for (store, expected) in order.into_iter().zip(&fresh) {
                browser
                    .client
                    .find(Locator::Css("#store-switcher"))
                    .await
                    .expect("a store switcher")
                    .select_by_value(&store.id.to_string())
                    .await
                    .expect("choose a shop");
                let seen = browser
                    .wait_for(&format!("{path} switched to {}", store.name), SEEN, |v| {
                        let shown = settled(v) && v["text"] == *expected;
                        (shown || !v["errors"].as_array()?.is_empty()).then(|| v.clone())
                    })
                    .await;
                assert_eq!(
                    seen["errors"],
                    serde_json::json!([]),
                    "{path}, {}",
                    store.name
                );
            }
        }
    }
    browser.close().await;
}
