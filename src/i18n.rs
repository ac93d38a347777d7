//! Interface texts, French first. Each language is one `Texts` value: a missing translation
//! is a compile error, not a key shown to the user, and nothing is looked up at run time.

use leptos::prelude::*;
use multicaisse_core::format::Lang;
use multicaisse_core::period::PeriodPreset;
use multicaisse_core::store::{RegisterKind, RegisterStatus};

pub struct Texts {
    pub tagline: &'static str,
    pub switch_language: &'static str,
    pub switch_language_label: &'static str,
    pub nav_label: &'static str,
    pub nav_sales: &'static str,
    pub nav_devices: &'static str,
    pub nav_subscription: &'static str,
    pub nav_z: &'static str,
    pub nav_decommission: &'static str,
    pub store_label: &'static str,
    pub loading: &'static str,
    pub error_title: &'static str,
    pub retry: &'static str,
    pub no_store: &'static str,
    pub sales_title: &'static str,
    pub period_label: &'static str,
    pub periods: [&'static str; 7],
    pub range_from_to: (&'static str, &'static str),
    pub col_register: &'static str,
    pub col_status: &'static str,
    pub col_tickets: &'static str,
    pub col_ttc: &'static str,
    pub col_ht: &'static str,
    pub col_kind: &'static str,
    pub col_activated: &'static str,
    pub total_row: &'static str,
    pub no_sales: &'static str,
    pub no_registers: &'static str,
    pub kinds: [&'static str; 2],
    pub statuses: [&'static str; 4],
    pub devices_title: &'static str,
    pub devices_intro: &'static str,
    pub subscription_title: &'static str,
    pub subscription_intro: &'static str,
    pub z_title: &'static str,
    pub z_intro: &'static str,
    pub decommission_title: &'static str,
    pub decommission_intro: &'static str,
    pub not_found: &'static str,
    pub date_format: &'static str,
}

pub const FR: Texts = Texts {
    tagline: "Le tableau de bord de vos caisses",
    switch_language: "English",
    switch_language_label: "Switch to English",
    nav_label: "Navigation principale",
    nav_sales: "Ventes",
    nav_devices: "Appareils",
    nav_subscription: "Abonnement",
    nav_z: "Z de caisse",
    nav_decommission: "Mise hors service",
    store_label: "Boutique",
    loading: "Chargement…",
    error_title: "Les données n'ont pas pu être chargées",
    retry: "Réessayer",
    no_store: "Aucune boutique n'est encore enregistrée.",
    sales_title: "Ventes par caisse",
    period_label: "Période",
    periods: [
        "Aujourd'hui",
        "Hier",
        "Cette semaine",
        "Ce mois-ci",
        "Le mois dernier",
        "Cet exercice",
        "Les 12 derniers mois",
    ],
    range_from_to: ("du", "au"),
    col_register: "Caisse",
    col_status: "Statut",
    col_tickets: "Tickets",
    col_ttc: "Ventes TTC",
    col_ht: "Ventes HT",
    col_kind: "Type",
    col_activated: "Activée le",
    total_row: "Total boutique",
    no_sales: "Aucune vente sur la période",
    no_registers: "Cette boutique n'a aucune caisse.",
    kinds: ["Principale", "Supplémentaire"],
    statuses: [
        "En attente d'activation",
        "Active",
        "Mise hors service demandée",
        "Suspendue",
    ],
    devices_title: "Appareils",
    devices_intro: "Les iPad de la boutique. La fraîcheur de synchronisation de chacun et l'ordre dans lequel les synchroniser s'afficheront ici dès que les caisses synchroniseront avec le serveur.",
    subscription_title: "Abonnement",
    subscription_intro: "Les caisses de la boutique. La caisse principale fait partie de l'abonnement de base ; chaque caisse supplémentaire est facturée à part.",
    z_title: "Z de caisse",
    z_intro: "Chaque caisse tient son propre journal et ses propres clôtures (Z quotidien, grand Z mensuel, Z annuel).",
    decommission_title: "Mise hors service",
    decommission_intro: "Seule une caisse supplémentaire peut être mise hors service, une fois toutes ses ventes arrivées sur le tableau de bord.",
    not_found: "Cette page n'existe pas.",
    date_format: "%d/%m/%Y",
};

pub const EN: Texts = Texts {
    tagline: "Your registers' dashboard",
    switch_language: "Français",
    switch_language_label: "Passer en français",
    nav_label: "Main navigation",
    nav_sales: "Sales",
    nav_devices: "Devices",
    nav_subscription: "Subscription",
    nav_z: "Z reports",
    nav_decommission: "Decommission",
    store_label: "Store",
    loading: "Loading…",
    error_title: "The data could not be loaded",
    retry: "Retry",
    no_store: "No store is registered yet.",
    sales_title: "Sales per register",
    period_label: "Period",
    periods: [
        "Today",
        "Yesterday",
        "This week",
        "This month",
        "Last month",
        "This fiscal year",
        "Last 12 months",
    ],
    range_from_to: ("from", "to"),
    col_register: "Register",
    col_status: "Status",
    col_tickets: "Tickets",
    col_ttc: "Sales incl. VAT",
    col_ht: "Sales excl. VAT",
    col_kind: "Kind",
    col_activated: "Activated on",
    total_row: "Store total",
    no_sales: "No sales in this period",
    no_registers: "This store has no register.",
    kinds: ["Principal", "Extra"],
    statuses: [
        "Awaiting activation",
        "Active",
        "Decommission requested",
        "Suspended",
    ],
    devices_title: "Devices",
    devices_intro: "The store's iPads. Each one's sync freshness and the order to sync them in will show here as soon as the registers sync with the server.",
    subscription_title: "Subscription",
    subscription_intro: "The store's registers. The principal register is part of the base plan; each extra register is billed on its own.",
    z_title: "Z reports",
    z_intro: "Each register keeps its own journal and its own closures (daily Z, monthly grand Z, annual Z).",
    decommission_title: "Decommission",
    decommission_intro: "Only an extra register can be decommissioned, once all its sales have reached the dashboard.",
    not_found: "This page does not exist.",
    date_format: "%Y-%m-%d",
};

impl Texts {
    pub fn period(&self, preset: PeriodPreset) -> &'static str {
        let index = PeriodPreset::ALL
            .iter()
            .position(|p| *p == preset)
            .unwrap_or(0);
        self.periods[index]
    }

    pub fn kind(&self, kind: RegisterKind) -> &'static str {
        match kind {
            RegisterKind::Principal => self.kinds[0],
            RegisterKind::Extra => self.kinds[1],
        }
    }

    pub fn status(&self, status: RegisterStatus) -> &'static str {
        let index = RegisterStatus::ALL
            .iter()
            .position(|s| *s == status)
            .unwrap_or(0);
        self.statuses[index]
    }
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

const STORAGE_KEY: &str = "multicaisse.lang";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The language chosen earlier in this browser, French otherwise.
pub fn saved_lang() -> Lang {
    local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or_default()
}

/// Remembers the language and tells the document (screen readers, hyphenation).
pub fn apply_lang(lang: Lang) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
    }
}

/// The current language, provided once by the app shell.
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// The texts of the current language, reactive.
pub fn use_texts() -> impl Fn() -> &'static Texts + Copy {
    let lang = use_lang();
    move || texts(lang.get())
}
