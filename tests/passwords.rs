//! Passwords, as people meet them: a forgotten one replaced from the link a real SMTP server
//! (aiosmtpd, over TCP) received, in French and in English; a signed-in person's change on
//! *Mon compte*; the link support hands over. Each refusal is read in the page's language.

use super::{shell, sign_out};
use fantoccini::Locator;
use multicaisse_e2e::smtp::{link_in, SmtpServer};
use multicaisse_e2e::{Browser, DemoAccount, DemoServer, ACCOUNTANT, OWNER, SUPPORT};

const SAID: &str = "return (document.querySelector('main .saved') || {}).textContent || null;";
const REFUSED: &str =
    "return (document.querySelector('main .form-error') || {}).textContent || null;";

async fn wait_said(browser: &Browser, script: &str, expected: &str) {
    browser
        .wait_for(&format!("{expected:?}"), script, |v| {
            (v == expected).then_some(())
        })
        .await;
}

async fn ask_for_a_link(browser: &Browser, email: &str) {
    browser.fill(Locator::Css("#forgot-email"), email).await;
    browser
        .click(Locator::Css(".forgot-form button[type=submit]"))
        .await;
}

async fn choose(browser: &Browser, password: &str, again: &str) {
    browser.fill(Locator::Css("#new-password"), password).await;
    browser
        .fill(Locator::Css("#new-password-again"), again)
        .await;
    browser
        .click(Locator::Css(".reset-form button[type=submit]"))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_replaced_from_the_mailed_link() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let server = DemoServer::start_with(move |config| config.smtp_url = Some(url)).await;
    let browser = Browser::start().await;
    browser.client.goto(&server.url("/")).await.unwrap();
    browser.click(Locator::Css("button.forgot-password")).await;
    const SENT: &str = "Si cette adresse a un compte, un lien pour choisir un nouveau mot de passe vient d'y être envoyé ; il vaut une heure. Sans message, demandez au support.";
    ask_for_a_link(&browser, ACCOUNTANT.email).await;
    wait_said(&browser, SAID, SENT).await;
    // An address without an account is told the same, and nothing is sent to it.
    browser.client.refresh().await.unwrap();
    browser.click(Locator::Css("button.forgot-password")).await;
    ask_for_a_link(&browser, "personne@nulle-part.fr").await;
    wait_said(&browser, SAID, SENT).await;
    let mails = smtp.wait_for(ACCOUNTANT.email, 1).await;
    assert_eq!(
        mails[0].subject,
        "Multicaisse : choisir un nouveau mot de passe"
    );
    assert!(smtp
        .received()
        .await
        .iter()
        .all(|m| !m.to.contains("nulle-part")));
    let link = link_in(&mails[0].body, "/reinitialiser/");
    assert!(link.starts_with(&server.url("/reinitialiser/")), "{link}");

    // The link's page: a short password, then two that differ, then the right one.
    browser.client.goto(&link).await.unwrap();
    shell(&browser, "the reset page", |v| {
        v["heading"] == "Choisir un nouveau mot de passe"
    })
    .await;
    choose(&browser, "court", "court").await;
    wait_said(
        &browser,
        REFUSED,
        "Au moins 12 caractères, par exemple une phrase.",
    )
    .await;
    choose(
        &browser,
        "une phrase assez longue",
        "une phrase assez longe",
    )
    .await;
    wait_said(
        &browser,
        REFUSED,
        "Les deux mots de passe ne sont pas les mêmes.",
    )
    .await;
    const NEW: &str = "une phrase assez longue";
    choose(&browser, NEW, NEW).await;
    wait_said(
        &browser,
        SAID,
        &format!(
            "Nouveau mot de passe enregistré pour {}. Connectez-vous avec lui.",
            ACCOUNTANT.email
        ),
    )
    .await;
    // Signed in with it.
    let renewed = DemoAccount {
        password: NEW,
        ..ACCOUNTANT
    };
    browser.sign_in(&server, &renewed).await;
    sign_out(&browser).await;

    // Used once: the link says so, in French, then in English.
    browser.client.goto(&link).await.unwrap();
    choose(
        &browser,
        "encore une autre phrase",
        "encore une autre phrase",
    )
    .await;
    wait_said(
        &browser,
        REFUSED,
        "Ce lien a déjà servi ou a expiré : demandez-en un nouveau depuis la page de connexion.",
    )
    .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    wait_said(
        &browser,
        REFUSED,
        "This link has been used or has expired: ask for a new one from the sign-in page.",
    )
    .await;

    // In English, the message and the e-mail are English.
    browser.client.goto(&server.url("/")).await.unwrap();
    browser.click(Locator::Css("button.forgot-password")).await;
    ask_for_a_link(&browser, OWNER.email).await;
    wait_said(
        &browser,
        SAID,
        "If this address has an account, a link to choose a new password has just been sent to it; it works for an hour. If nothing arrives, ask support.",
    )
    .await;
    // The owner is also mailed the demo shop's alerts: the reset link is one mail among them.
    let mut mails = smtp.wait_for(OWNER.email, 1).await;
    for _ in 0..150 {
        if mails
            .iter()
            .any(|m| m.subject == "Multicaisse: choose a new password")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        mails = smtp.wait_for(OWNER.email, 1).await;
    }
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Multicaisse: choose a new password"),
        "{mails:?}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_changes_their_password_and_support_hands_over_a_link() {
    let server = DemoServer::start().await;
    let browser = Browser::start().await;
    browser.sign_in(&server, &OWNER).await;
    browser.click(Locator::Css("a.user-name")).await;
    shell(&browser, "the account page", |v| {
        v["heading"] == "Mon compte"
    })
    .await;
    const NEW: &str = "une nouvelle phrase de passe";
    let change = |current: &'static str| {
        let browser = &browser;
        async move {
            browser
                .fill(Locator::Css("#current-password"), current)
                .await;
            browser.fill(Locator::Css("#new-password"), NEW).await;
            browser.fill(Locator::Css("#new-password-again"), NEW).await;
            browser
                .click(Locator::Css(".change-password-form button[type=submit]"))
                .await;
        }
    };
    change("pas le mot de passe").await;
    wait_said(
        &browser,
        REFUSED,
        "Le mot de passe actuel n'est pas le bon.",
    )
    .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    wait_said(
        &browser,
        REFUSED,
        "The current password is not the right one.",
    )
    .await;
    browser.click(Locator::Css("button.lang-switch")).await;
    change(OWNER.password).await;
    // The test server's own session of the owner is the other one that ends.
    wait_said(
        &browser,
        SAID,
        "Mot de passe changé. 1 autre(s) session(s) fermée(s).",
    )
    .await;
    sign_out(&browser).await;
    let renewed = DemoAccount {
        password: NEW,
        ..OWNER
    };
    browser.sign_in(&server, &renewed).await;
    sign_out(&browser).await;

    // Support makes a link for the accountant, and is told when an address has no account.
    browser.sign_in(&server, &SUPPORT).await;
    browser.client.goto(&server.url("/demandes")).await.unwrap();
    browser
        .fill(Locator::Css("#reset-email"), "personne@nulle-part.fr")
        .await;
    browser
        .click(Locator::Css(".support-reset-form button[type=submit]"))
        .await;
    wait_said(
        &browser,
        "return (document.querySelector('.support-reset-form .form-error') || {}).textContent || null;",
        "Aucun compte actif n'a cette adresse, ou trop de liens lui ont déjà été faits cette heure-ci.",
    )
    .await;
    browser
        .fill(Locator::Css("#reset-email"), ACCOUNTANT.email)
        .await;
    browser
        .click(Locator::Css(".support-reset-form button[type=submit]"))
        .await;
    let link = browser
        .wait_for(
            "the link to hand over",
            "return (document.querySelector('#reset-link') || {}).value || null;",
            |v| v.as_str().map(str::to_string),
        )
        .await;
    assert!(link.starts_with(&server.url("/reinitialiser/")), "{link}");
    sign_out(&browser).await;
    // The link works as a mailed one does.
    browser.client.goto(&link).await.unwrap();
    choose(&browser, NEW, NEW).await;
    wait_said(
        &browser,
        SAID,
        &format!(
            "Nouveau mot de passe enregistré pour {}. Connectez-vous avec lui.",
            ACCOUNTANT.email
        ),
    )
    .await;
    browser.close().await;
}
