//! A register's set-up checklist, from what it reported at its last sync: each check passed
//! or what differs, and the warnings. On *Abonnement* for every register, and on *Appareils*
//! for those not yet set up right.

use crate::i18n::use_lang;
use leptos::prelude::*;
use multicaisse_core::format::{colon, Lang};
use multicaisse_core::setup::SetupInWords;

fn never_reported(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "n'a encore envoyé aucun réglage : rien à vérifier pour l'instant.",
        Lang::En => "has not sent its settings yet: nothing to check for now.",
    }
}

fn all_passed(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "tout est conforme.",
        Lang::En => "all as it should be.",
    }
}

#[component]
pub fn SetupChecklist(setup: SetupInWords) -> impl IntoView {
    let lang = use_lang();
    let lines = setup
        .lines
        .into_iter()
        .map(|line| view! { <li class:ok=line.passed>{line.text}</li> })
        .collect_view();
    let warnings = setup
        .warning_texts
        .into_iter()
        .map(|text| view! { <li class="warning">{format!("⚠ {text}")}</li> })
        .collect_view();
    let (complete, reported) = (setup.complete, setup.reported);
    view! {
        <li data-register=setup.number class:complete=complete>
            <strong>{setup.label}</strong>
            {move || colon(lang.get())}
            {move || if !reported {
                never_reported(lang.get())
            } else if complete {
                all_passed(lang.get())
            } else {
                ""
            }}
            <ul>{lines}{warnings}</ul>
        </li>
    }
}
