//! The e-mails the server sends, worded once in both languages: the subject and the plain
//! text body. The server only fills them in and sends them.

use crate::format::Lang;

/// An e-mail's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

/// A password reset link, valid `minutes` from now.
pub fn password_reset(lang: Lang, name: &str, link: &str, minutes: i64) -> MailText {
    match lang {
        Lang::Fr => MailText {
            subject: "Multicaisse : choisir un nouveau mot de passe".into(),
            body: format!(
                "Bonjour {name},\n\n\
                 Quelqu'un, sans doute vous, a demandé à changer le mot de passe de votre compte \
                 Multicaisse. Pour en choisir un nouveau, ouvrez ce lien dans les {minutes} \
                 minutes :\n\n{link}\n\n\
                 Le lien ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message : \
                 votre mot de passe ne change pas.\n\n— Multicaisse\n"
            ),
        },
        Lang::En => MailText {
            subject: "Multicaisse: choose a new password".into(),
            body: format!(
                "Hello {name},\n\n\
                 Someone, probably you, asked to change the password of your Multicaisse \
                 account. To choose a new one, open this link within {minutes} minutes:\n\n\
                 {link}\n\n\
                 The link works once. If you did not ask, ignore this message: your password \
                 stays as it is.\n\n— Multicaisse\n"
            ),
        },
    }
}

/// An invitation into a shop, as an accountant or an owner.
pub fn invitation(
    lang: Lang,
    inviter: &str,
    store: &str,
    role: crate::auth::Role,
    link: &str,
    days: i64,
) -> MailText {
    let role = crate::labels::standing_label(Some(role), lang).to_lowercase();
    match lang {
        Lang::Fr => MailText {
            subject: format!("Multicaisse : {inviter} vous invite à voir {store}"),
            body: format!(
                "Bonjour,\n\n\
                 {inviter} vous invite sur Multicaisse, le tableau de bord des caisses de \
                 {store}, en tant que {role}. Pour accepter, ouvrez ce lien dans les {days} \
                 jours :\n\n{link}\n\n\
                 Vous y créerez votre compte, ou vous connecterez avec celui que vous avez déjà.\n\n\
                 — Multicaisse\n"
            ),
        },
        Lang::En => MailText {
            subject: format!("Multicaisse: {inviter} invites you to see {store}"),
            body: format!(
                "Hello,\n\n\
                 {inviter} invites you to Multicaisse, the dashboard of {store}'s registers, as \
                 {role}. To accept, open this link within {days} days:\n\n{link}\n\n\
                 You will create your account there, or sign in with the one you have.\n\n\
                 — Multicaisse\n"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mail_carries_its_link_and_its_limit_in_both_languages() {
        for lang in [Lang::Fr, Lang::En] {
            let reset = password_reset(lang, "Camille", "https://x/reinitialiser/abc", 60);
            assert!(reset.body.contains("https://x/reinitialiser/abc"));
            assert!(reset.body.contains("60"));
            assert!(reset.body.contains("Camille"));
            let invited = invitation(
                lang,
                "Camille Roux",
                "Cave des Canuts",
                crate::auth::Role::Accountant,
                "https://x/invitation/t",
                14,
            );
            assert!(invited.subject.contains("Cave des Canuts"));
            assert!(invited.body.contains("https://x/invitation/t"));
            assert!(invited.body.contains("14"));
        }
        assert!(password_reset(Lang::Fr, "A", "l", 60)
            .subject
            .contains("mot de passe"));
        assert!(password_reset(Lang::En, "A", "l", 60)
            .subject
            .contains("password"));
    }
}

/// Alerts that just opened in a shop, each with its start on the shop's clock, and where to
/// see them. Owners have no language of their own yet: the mail says it in French, then in
/// English.
pub fn alerts_opened(
    store: &str,
    alerts: &[(crate::alerts::Alert, chrono::NaiveDateTime)],
    link: &str,
) -> MailText {
    let n = alerts.len();
    let list = |lang: Lang| -> String {
        alerts
            .iter()
            .map(|(alert, since)| {
                format!(
                    "• {} ({})\n  {}\n",
                    alert.title(lang),
                    crate::alerts::since_words(*since, lang),
                    alert.what_to_do(lang)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (fr_count, en_count) = if n == 1 {
        (
            "Un point demande".to_string(),
            "One thing needs".to_string(),
        )
    } else {
        (format!("{n} points demandent"), format!("{n} things need"))
    };
    MailText {
        subject: format!(
            "Multicaisse : {} votre attention à {store}",
            fr_count.to_lowercase()
        ),
        body: format!(
            "Bonjour,\n\n{fr_count} votre attention à {store} :\n\n{}\n\
             Le tableau de bord les montre, et les retire d'eux-mêmes une fois réglés :\n{link}\n\n\
             — Multicaisse\n\n---\n\n{en_count} your attention at {store}:\n\n{}\n\
             The dashboard shows them, and clears them by itself once dealt with:\n{link}\n\n\
             — Multicaisse\n",
            list(Lang::Fr),
            list(Lang::En),
        ),
    }
}

#[cfg(test)]
mod alert_mail_tests {
    use super::*;
    use crate::alerts::{Alert, AlertDetail, AlertKind};
    use chrono::NaiveDate;

    #[test]
    fn an_alert_mail_says_what_when_and_what_to_do_in_both_languages() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let alert = Alert {
            kind: AlertKind::MissingDailyZ,
            register_id: 4,
            register_number: 2,
            register_label: "Caisse 2".into(),
            detail: AlertDetail::Day(day),
            since: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        };
        let since = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        let mail = alerts_opened(
            "Cave des Canuts",
            &[(alert, since)],
            "https://caisse.example/",
        );
        assert_eq!(
            mail.subject,
            "Multicaisse : un point demande votre attention à Cave des Canuts"
        );
        assert!(mail.body.contains(
            "• Caisse 2 : Z du lundi 30 novembre manquant (depuis le mardi 1er décembre à 08:00)"
        ));
        assert!(mail
            .body
            .contains("Faites la clôture du jour sur la caisse"));
        assert!(mail.body.contains(
            "• Caisse 2: Z of Monday 30 November missing (since Tuesday 1 December at 08:00)"
        ));
        assert!(mail.body.contains("https://caisse.example/"));
    }
}
