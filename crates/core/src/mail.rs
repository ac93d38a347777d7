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
