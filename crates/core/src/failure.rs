//! What a page says when it could not get what it asked for: what happened and what to do,
//! in the page's language, and whether trying again can help. The server's own reason (in
//! English, for whoever reads the logs) stays behind "Détails techniques".

use crate::format::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No answer: the iPad is offline, or the server is down.
    Unreachable,
    /// The request itself was wrong (400, 422): asking again the same way gives the same.
    Refused,
    /// The session is over (401).
    SignedOut,
    /// This person may not see it (403).
    Forbidden,
    /// It does not exist, or no longer (404).
    NotFound,
    /// It existed and is over: an expired or used link (410).
    Gone,
    /// Someone else is changing the same thing (409).
    Busy,
    /// Too many attempts in a row (429).
    Throttled { retry_after_seconds: u32 },
    /// The server failed (5xx).
    ServerFault,
    /// An answer this version of the page does not understand: the server is newer.
    Misunderstood,
}

/// What to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// The same request again, a moment later.
    Retry,
    /// The page again: a newer app, a new session.
    Reload,
    /// Nothing a button can do; the sentence says what.
    None,
}

impl Failure {
    /// The failure an HTTP status stands for.
    pub fn of_status(status: u16) -> Failure {
        match status {
            401 => Failure::SignedOut,
            403 => Failure::Forbidden,
            404 => Failure::NotFound,
            409 | 423 => Failure::Busy,
            410 => Failure::Gone,
            429 => Failure::Throttled {
                retry_after_seconds: 30,
            },
            400..=499 => Failure::Refused,
            _ => Failure::ServerFault,
        }
    }

    pub fn remedy(self) -> Remedy {
        match self {
            Failure::Unreachable
            | Failure::Busy
            | Failure::Throttled { .. }
            | Failure::ServerFault => Remedy::Retry,
            Failure::SignedOut | Failure::Misunderstood => Remedy::Reload,
            Failure::Refused | Failure::Forbidden | Failure::NotFound | Failure::Gone => {
                Remedy::None
            }
        }
    }

    /// What happened, in one sentence.
    pub fn what(self, lang: Lang) -> String {
        let text = match (self, lang) {
            (Failure::Unreachable, Lang::Fr) => "Le serveur ne répond pas : l'appareil est peut-être hors ligne.",
            (Failure::Unreachable, Lang::En) => "The server does not answer: this device may be offline.",
            (Failure::Refused, Lang::Fr) => "Cette demande n'est pas valable.",
            (Failure::Refused, Lang::En) => "This request is not valid.",
            (Failure::SignedOut, Lang::Fr) => "Votre session a pris fin.",
            (Failure::SignedOut, Lang::En) => "Your session has ended.",
            (Failure::Forbidden, Lang::Fr) => "Votre compte n'a pas accès à cette page pour cette boutique.",
            (Failure::Forbidden, Lang::En) => "Your account has no access to this page for this shop.",
            (Failure::NotFound, Lang::Fr) => "Ce que vous cherchez n'existe pas, ou plus.",
            (Failure::NotFound, Lang::En) => "What you are looking for does not exist, or no longer.",
            (Failure::Gone, Lang::Fr) => "Ce lien n'est plus valable.",
            (Failure::Gone, Lang::En) => "This link is no longer valid.",
            (Failure::Busy, Lang::Fr) => "Quelqu'un d'autre modifie la même chose en ce moment.",
            (Failure::Busy, Lang::En) => "Someone else is changing the same thing right now.",
            (Failure::Throttled { retry_after_seconds }, Lang::Fr) => {
                return format!("Trop de tentatives de suite : attendez {retry_after_seconds} s.")
            }
            (Failure::Throttled { retry_after_seconds }, Lang::En) => {
                return format!("Too many attempts in a row: wait {retry_after_seconds} s.")
            }
            (Failure::ServerFault, Lang::Fr) => "Le serveur a rencontré un problème.",
            (Failure::ServerFault, Lang::En) => "The server ran into a problem.",
            (Failure::Misunderstood, Lang::Fr) => "Cette page n'a pas compris la réponse du serveur : une nouvelle version est sans doute en ligne.",
            (Failure::Misunderstood, Lang::En) => "This page did not understand the server's answer: a new version is probably online.",
        };
        text.to_string()
    }

    /// What the person can do, in one sentence.
    pub fn what_to_do(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Failure::Unreachable, Lang::Fr) => {
                "Vérifiez la connexion Wi-Fi ou 4G, puis réessayez."
            }
            (Failure::Unreachable, Lang::En) => {
                "Check the Wi-Fi or mobile connection, then try again."
            }
            (Failure::Refused, Lang::Fr) => {
                "Corrigez ce qui a été saisi, ou revenez à la page précédente."
            }
            (Failure::Refused, Lang::En) => {
                "Correct what was typed, or go back to the previous page."
            }
            (Failure::SignedOut, Lang::Fr) => "Rechargez la page et reconnectez-vous.",
            (Failure::SignedOut, Lang::En) => "Reload the page and sign in again.",
            (Failure::Forbidden, Lang::Fr) => {
                "Demandez l'accès au propriétaire de la boutique, ou choisissez une autre boutique."
            }
            (Failure::Forbidden, Lang::En) => {
                "Ask the shop's owner for access, or choose another shop."
            }
            (Failure::NotFound, Lang::Fr) => "Vérifiez le lien, ou repartez du menu.",
            (Failure::NotFound, Lang::En) => "Check the link, or start again from the menu.",
            (Failure::Gone, Lang::Fr) => {
                "Demandez un nouveau lien à la personne qui vous l'a envoyé."
            }
            (Failure::Gone, Lang::En) => "Ask whoever sent it for a new link.",
            (Failure::Busy, Lang::Fr) => "Réessayez dans un instant.",
            (Failure::Busy, Lang::En) => "Try again in a moment.",
            (Failure::Throttled { .. }, Lang::Fr) => "Puis réessayez.",
            (Failure::Throttled { .. }, Lang::En) => "Then try again.",
            (Failure::ServerFault, Lang::Fr) => {
                "Réessayez dans quelques minutes ; si cela dure, contactez le support Multicaisse."
            }
            (Failure::ServerFault, Lang::En) => {
                "Try again in a few minutes; if it lasts, contact Multicaisse support."
            }
            (Failure::Misunderstood, Lang::Fr) => "Rechargez la page.",
            (Failure::Misunderstood, Lang::En) => "Reload the page.",
        }
    }

    /// The button's words for the remedy, when there is one.
    pub fn remedy_label(self, lang: Lang) -> Option<&'static str> {
        match (self.remedy(), lang) {
            (Remedy::Retry, Lang::Fr) => Some("Réessayer"),
            (Remedy::Retry, Lang::En) => Some("Try again"),
            (Remedy::Reload, Lang::Fr) => Some("Recharger la page"),
            (Remedy::Reload, Lang::En) => Some("Reload the page"),
            (Remedy::None, _) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_says_what_happened_and_whether_trying_again_helps() {
        assert_eq!(Failure::of_status(400), Failure::Refused);
        assert_eq!(Failure::of_status(422), Failure::Refused);
        assert_eq!(Failure::of_status(404).remedy(), Remedy::None);
        assert_eq!(Failure::of_status(410), Failure::Gone);
        assert_eq!(Failure::of_status(409).remedy(), Remedy::Retry);
        assert_eq!(Failure::of_status(500).remedy(), Remedy::Retry);
        assert_eq!(Failure::of_status(503), Failure::ServerFault);
        assert_eq!(Failure::of_status(401).remedy(), Remedy::Reload);
        assert_eq!(Failure::Refused.remedy_label(Lang::Fr), None);
        assert_eq!(
            Failure::Unreachable.remedy_label(Lang::En),
            Some("Try again")
        );
    }

    #[test]
    fn every_failure_is_worded_in_both_languages() {
        let all = [
            Failure::Unreachable,
            Failure::Refused,
            Failure::SignedOut,
            Failure::Forbidden,
            Failure::NotFound,
            Failure::Gone,
            Failure::Busy,
            Failure::Throttled {
                retry_after_seconds: 12,
            },
            Failure::ServerFault,
            Failure::Misunderstood,
        ];
        for failure in all {
            let (fr, en) = (failure.what(Lang::Fr), failure.what(Lang::En));
            assert_ne!(fr, en, "{failure:?}");
            assert!(fr.ends_with('.') && en.ends_with('.'), "{failure:?}");
            assert_ne!(failure.what_to_do(Lang::Fr), failure.what_to_do(Lang::En));
        }
        assert_eq!(
            Failure::Throttled {
                retry_after_seconds: 12
            }
            .what(Lang::Fr),
            "Trop de tentatives de suite : attendez 12 s."
        );
    }
}
