//! Interface texts, French first. Each language is one `Texts` value: a missing translation
//! is a compile error, not a key shown to the user, and nothing is looked up at run time.

use leptos::prelude::*;
use multicaisse_core::auth::{AuditEvent, Role};
use multicaisse_core::format::Lang;
use multicaisse_core::period::PeriodPreset;
use multicaisse_core::store::{RegisterKind, RegisterStatus};
use multicaisse_core::ticket::PaymentMethod;

pub struct Texts {
    pub tagline: &'static str,
    pub switch_language: &'static str,
    pub switch_language_label: &'static str,
    pub nav_label: &'static str,
    pub nav_today: &'static str,
    pub skip_to_content: &'static str,
    pub account_page: &'static str,
    pub reset_page: &'static str,
    pub alert_count: (&'static str, &'static str),
    pub nav_sales: &'static str,
    pub nav_devices: &'static str,
    pub nav_fleet: &'static str,
    pub nav_requests: &'static str,
    pub nav_subscription: &'static str,
    pub nav_z: &'static str,
    pub nav_decommission: &'static str,
    pub store_label: &'static str,
    pub loading: &'static str,
    pub error_title: &'static str,
    pub no_store: &'static str,
    pub sales_title: &'static str,
    pub period_label: &'static str,
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
    pub subscription_title: &'static str,
    pub subscription_intro: &'static str,
    pub decommission_title: &'static str,
    pub decommission_intro: &'static str,
    pub not_found: &'static str,
    /// The language these texts are in, for what core formats (dates, amounts).
    pub lang: Lang,
    pub tickets_title: &'static str,
    pub close: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub col_number: &'static str,
    pub col_when: &'static str,
    pub col_items: &'static str,
    pub col_payments: &'static str,
    pub no_tickets: &'static str,
    pub page_of: (&'static str, &'static str),
    pub previous_page: &'static str,
    pub next_page: &'static str,
    pub pager_label: &'static str,
    pub ticket_title: &'static str,
    pub col_label: &'static str,
    pub col_quantity: &'static str,
    pub col_unit_price: &'static str,
    pub col_discount: &'static str,
    pub hash_label: &'static str,
    pub previous_hash_label: &'static str,
    pub chain_ok: &'static str,
    pub chain_bad_hash: &'static str,
    pub chain_unlinked: &'static str,
    pub chain_unknown: &'static str,
    pub first_break: &'static str,
    pub show_tickets: &'static str,
    pub period_custom: &'static str,
    pub range_reversed: &'static str,
    pub period_unusable: &'static str,
    pub technical_details: &'static str,
    pub apply: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub col_basket: &'static str,
    pub col_share: &'static str,
    pub col_change: &'static str,
    pub col_refunds: &'static str,
    pub col_rate: &'static str,
    pub col_vat: &'static str,
    pub compared_with: &'static str,
    pub no_previous: &'static str,
    pub vat_title: &'static str,
    pub payments_title: &'static str,
    pub daily_title: &'static str,
    pub hours_title: &'static str,
    pub chart_data: &'static str,
    pub col_day: &'static str,
    pub col_hour: &'static str,
    pub export_csv: &'static str,
    pub peak: [&'static str; 4],
    pub peak_verdict: (&'static str, &'static str),
    pub peak_none: &'static str,
    pub peak_no_sales: &'static str,
    pub hour_suffix: &'static str,
    pub and_word: &'static str,
    pub nav_access: &'static str,
    pub nav_audit: &'static str,
    pub nav_shop: &'static str,
    pub nav_new_shop: &'static str,
    pub sign_out: &'static str,
    pub store_switch_label: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub email_label: &'static str,
    pub password_label: &'static str,
    pub sign_in_button: &'static str,
    pub sign_in_wrong: &'static str,
    pub throttled: (&'static str, &'static str),
    pub no_access: &'static str,
    pub access_title: &'static str,
    /// Names the shop: the people are often the same in an owner's shops.
    pub access_intro: fn(&str) -> String,
    pub access_read_only: &'static str,
    pub col_person: &'static str,
    pub col_role: &'static str,
    pub col_since: &'static str,
    pub col_expires: &'static str,
    pub you: &'static str,
    pub invite_title: &'static str,
    pub invite_button: &'static str,
    pub invite_link: (&'static str, &'static str),
    pub pending_title: &'static str,
    pub cancel_invitation: &'static str,
    pub revoke: &'static str,
    pub confirm_revoke: &'static str,
    pub make_role: &'static str,
    pub audit_title: &'static str,
    pub audit_all_stores: &'static str,
    pub audit_empty: &'static str,
    pub col_event: &'static str,
    pub col_actor: &'static str,
    pub col_subject: &'static str,
    pub col_detail: &'static str,
    pub col_actions: &'static str,
    pub invitation_title: &'static str,
    pub invitation_offer: (&'static str, &'static str, &'static str),
    pub display_name_label: &'static str,
    pub new_password_hint: &'static str,
    pub accept_button: &'static str,
    pub invitation_gone: &'static str,
    /// Accepting refused by the state of things (409): the inviter no longer manages the
    /// store, the account already has access, or it is a support account.
    pub invitation_refused: &'static str,
}

pub const FR: Texts = Texts {
    tagline: "Le tableau de bord de vos caisses",
    switch_language: "English",
    switch_language_label: "Switch to English",
    nav_label: "Navigation principale",
    nav_today: "Aujourd'hui",
    skip_to_content: "Aller au contenu",
    account_page: "Mon compte",
    reset_page: "Nouveau mot de passe",
    alert_count: ("point à traiter", "points à traiter"),
    nav_sales: "Ventes",
    nav_devices: "Appareils",
    nav_fleet: "Flotte",
    nav_requests: "Demandes",
    nav_subscription: "Abonnement",
    nav_z: "Z de caisse",
    nav_decommission: "Mise hors service",
    store_label: "Boutique",
    loading: "Chargement…",
    error_title: "Les données n'ont pas pu être chargées",
    no_store: "Aucune boutique n'est encore enregistrée.",
    sales_title: "Ventes par caisse",
    period_label: "Période",
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
    subscription_title: "Abonnement",
    subscription_intro: "Les caisses de la boutique. La caisse principale fait partie de l'abonnement de base ; chaque caisse supplémentaire est facturée à part.",
    decommission_title: "Mise hors service",
    decommission_intro: "Seule une caisse supplémentaire peut être mise hors service, une fois toutes ses ventes arrivées sur le tableau de bord.",
    not_found: "Cette page n'existe pas.",
    lang: Lang::Fr,
    tickets_title: "Tickets de",
    close: "Fermer",
    search_label: "Rechercher un ticket",
    search_hint: "n° de ticket (1041) ou montant (12,50 €)",
    search_button: "Rechercher",
    col_number: "N°",
    col_when: "Date",
    col_items: "Articles",
    col_payments: "Paiements",
    no_tickets: "Aucun ticket ne correspond.",
    page_of: ("Page", "sur"),
    previous_page: "Page précédente",
    next_page: "Page suivante",
    pager_label: "Pages de tickets",
    ticket_title: "Ticket n°",
    col_label: "Article",
    col_quantity: "Qté",
    col_unit_price: "Prix unitaire TTC",
    col_discount: "Remise",
    hash_label: "Empreinte",
    previous_hash_label: "Empreinte précédente",
    chain_ok: "Chaînage vérifié : le ticket est intact et suit le précédent.",
    chain_bad_hash: "Ce ticket ne correspond pas à son empreinte : il a été modifié après sa clôture.",
    chain_unlinked: "Ce ticket ne suit pas le précédent : la chaîne est rompue ici.",
    chain_unknown: "Le ticket précédent n'est pas encore arrivé : le chaînage ne peut pas être vérifié.",
    first_break: "Première rupture de chaîne de cette caisse : ticket n°",
    show_tickets: "Voir les tickets",
    period_custom: "Personnalisée",
    range_reversed: "La date de début doit être avant la date de fin (ou le même jour).",
    period_unusable: "La période demandée dans l'adresse n'est pas valide : voici le mois en cours.",
    technical_details: "Détails techniques",
    apply: "Appliquer",
    from_label: "Du",
    to_label: "Au",
    col_basket: "Panier moyen",
    col_share: "Part",
    col_change: "Évolution",
    col_refunds: "Remboursements",
    col_rate: "Taux",
    col_vat: "TVA",
    compared_with: "Évolution par rapport à la période",
    no_previous: "aucune vente sur la période précédente",
    vat_title: "TVA par taux",
    payments_title: "Moyens de paiement",
    daily_title: "Ventes TTC par jour",
    hours_title: "Tickets par heure de la journée",
    chart_data: "Données du graphique",
    col_day: "Jour",
    col_hour: "Heure",
    export_csv: "Exporter en CSV",
    peak: ["Aux heures les plus chargées de la boutique", "les caisses supplémentaires ont encaissé", "HT sur la période, pour un abonnement de", "HT."],
    peak_verdict: ("Sur ces seules heures, elles ont couvert leur coût.", "Sur ces seules heures, elles n'ont pas couvert leur coût."),
    peak_none: "La boutique n'avait pas de caisse supplémentaire sur cette période.",
    peak_no_sales: "Aucune vente sur cette période : pas d'heure d'affluence à mettre en regard du coût des caisses supplémentaires.",
    hour_suffix: "\u{a0}h",
    and_word: "et",
    nav_access: "Accès",
    nav_audit: "Journal",
    nav_shop: "Boutique",
    nav_new_shop: "Nouvelle boutique",
    sign_out: "Se déconnecter",
    store_switch_label: "Boutique affichée",
    sign_in_title: "Connexion",
    sign_in_intro: "Connectez-vous pour voir les caisses de vos boutiques.",
    email_label: "Adresse e-mail",
    password_label: "Mot de passe",
    sign_in_button: "Se connecter",
    sign_in_wrong: "Adresse e-mail ou mot de passe incorrect.",
    throttled: ("Trop de tentatives échouées. Réessayez dans", "s."),
    no_access: "Votre compte n'a pas accès à cette page pour cette boutique.",
    access_title: "Accès à la boutique",
    access_intro: |shop| format!("Les personnes qui peuvent voir {shop}. Un comptable ne voit que les ventes et les Z de caisse, sans rien pouvoir modifier."),
    access_read_only: "Seul un propriétaire de la boutique peut inviter ou retirer un accès.",
    col_person: "Personne",
    col_role: "Rôle",
    col_since: "Depuis le",
    col_expires: "Expire le",
    you: "(vous)",
    invite_title: "Inviter un comptable",
    invite_button: "Inviter",
    invite_link: ("Envoyez ce lien à", "(valable 7 jours, utilisable une fois) :"),
    pending_title: "Invitations en attente",
    cancel_invitation: "Annuler l'invitation",
    revoke: "Retirer l'accès",
    confirm_revoke: "Confirmer le retrait",
    make_role: "Changer le rôle",
    audit_title: "Journal de sécurité",
    audit_all_stores: "Toutes les boutiques (support)",
    audit_empty: "Aucun événement pour l'instant.",
    col_event: "Événement",
    col_actor: "Par",
    col_subject: "Concerne",
    col_detail: "Détail",
    col_actions: "Actions",
    invitation_title: "Invitation",
    invitation_offer: ("La boutique", "vous donne accès comme", "à l'adresse"),
    display_name_label: "Votre nom (ou celui du cabinet)",
    new_password_hint: "Au moins 12 caractères. Si vous avez déjà un compte Multicaisse à cette adresse, saisissez son mot de passe.",
    accept_button: "Accepter l'invitation",
    invitation_gone: "Cette invitation n'est plus valable (déjà acceptée, annulée ou expirée) : demandez-en une nouvelle au propriétaire.",
    invitation_refused: "Cette invitation ne peut pas être acceptée : la personne qui l'a envoyée ne gère plus la boutique, ou ce compte y a déjà accès (un compte support n'est jamais membre d'une boutique). Demandez-en une nouvelle à un propriétaire.",
};

pub const EN: Texts = Texts {
    tagline: "Your registers' dashboard",
    switch_language: "Français",
    switch_language_label: "Passer en français",
    nav_label: "Main navigation",
    nav_today: "Today",
    skip_to_content: "Skip to content",
    account_page: "My account",
    reset_page: "New password",
    alert_count: ("thing needs attention", "things need attention"),
    nav_sales: "Sales",
    nav_devices: "Devices",
    nav_fleet: "Fleet",
    nav_requests: "Requests",
    nav_subscription: "Subscription",
    nav_z: "Z reports",
    nav_decommission: "Decommission",
    store_label: "Store",
    loading: "Loading…",
    error_title: "The data could not be loaded",
    no_store: "No store is registered yet.",
    sales_title: "Sales per register",
    period_label: "Period",
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
    subscription_title: "Subscription",
    subscription_intro: "The store's registers. The principal register is part of the base plan; each extra register is billed on its own.",
    decommission_title: "Decommission",
    decommission_intro: "Only an extra register can be decommissioned, once all its sales have reached the dashboard.",
    not_found: "This page does not exist.",
    lang: Lang::En,
    tickets_title: "Tickets of",
    close: "Close",
    search_label: "Find a ticket",
    search_hint: "ticket number (1041) or amount (12,50 €)",
    search_button: "Search",
    col_number: "No.",
    col_when: "When",
    col_items: "Items",
    col_payments: "Payments",
    no_tickets: "No ticket matches.",
    page_of: ("Page", "of"),
    previous_page: "Previous page",
    next_page: "Next page",
    pager_label: "Ticket pages",
    ticket_title: "Ticket no.",
    col_label: "Item",
    col_quantity: "Qty",
    col_unit_price: "Unit price incl. VAT",
    col_discount: "Discount",
    hash_label: "Hash",
    previous_hash_label: "Previous hash",
    chain_ok: "Chain verified: the ticket is intact and follows the one before.",
    chain_bad_hash: "This ticket does not match its hash: it was changed after it was sealed.",
    chain_unlinked: "This ticket does not follow the one before: the chain breaks here.",
    chain_unknown: "The ticket before has not arrived yet: the link cannot be checked.",
    first_break: "First chain break of this register: ticket no.",
    show_tickets: "See the tickets",
    period_custom: "Custom",
    range_reversed: "The start date must come before the end date (or be the same day).",
    period_unusable: "The period in the address is not valid: here is this month.",
    technical_details: "Technical details",
    apply: "Apply",
    from_label: "From",
    to_label: "To",
    col_basket: "Average basket",
    col_share: "Share",
    col_change: "Change",
    col_refunds: "Refunds",
    col_rate: "Rate",
    col_vat: "VAT",
    compared_with: "Change against the period",
    no_previous: "no sales in the previous period",
    vat_title: "VAT per rate",
    payments_title: "Payment methods",
    daily_title: "Sales incl. VAT per day",
    hours_title: "Tickets per hour of the day",
    chart_data: "Chart data",
    col_day: "Day",
    col_hour: "Hour",
    export_csv: "Export as CSV",
    peak: ["During the store's busiest hours", "the extra registers took", "excl. VAT over the period, for a subscription of", "excl. VAT."],
    peak_verdict: ("In those hours alone, they covered their cost.", "In those hours alone, they did not cover their cost."),
    peak_none: "The store had no extra register in this period.",
    peak_no_sales: "No sales in this period: no busy hours to weigh against the extra registers' cost.",
    hour_suffix: ":00",
    and_word: "and",
    nav_access: "Access",
    nav_audit: "Audit log",
    nav_shop: "Shop",
    nav_new_shop: "New shop",
    sign_out: "Sign out",
    store_switch_label: "Store shown",
    sign_in_title: "Sign in",
    sign_in_intro: "Sign in to see your stores' registers.",
    email_label: "Email address",
    password_label: "Password",
    sign_in_button: "Sign in",
    sign_in_wrong: "Wrong email or password.",
    throttled: ("Too many failed attempts. Try again in", "s."),
    no_access: "Your account has no access to this page for this store.",
    access_title: "Store access",
    access_intro: |shop| format!("The people who can see {shop}. An accountant sees only sales and Z reports, and cannot change anything."),
    access_read_only: "Only an owner of the store can invite or revoke access.",
    col_person: "Person",
    col_role: "Role",
    col_since: "Since",
    col_expires: "Expires on",
    you: "(you)",
    invite_title: "Invite an accountant",
    invite_button: "Invite",
    invite_link: ("Send this link to", "(valid 7 days, usable once):"),
    pending_title: "Pending invitations",
    cancel_invitation: "Cancel invitation",
    revoke: "Revoke access",
    confirm_revoke: "Confirm revocation",
    make_role: "Change role",
    audit_title: "Security log",
    audit_all_stores: "All stores (support)",
    audit_empty: "No event yet.",
    col_event: "Event",
    col_actor: "By",
    col_subject: "About",
    col_detail: "Detail",
    col_actions: "Actions",
    invitation_title: "Invitation",
    invitation_offer: ("The store", "gives you access as", "for"),
    display_name_label: "Your name (or your firm's)",
    new_password_hint: "At least 12 characters. If you already have a Multicaisse account at this address, enter its password.",
    accept_button: "Accept the invitation",
    invitation_gone: "This invitation is no longer valid (already accepted, cancelled or expired): ask the owner for a new one.",
    invitation_refused: "This invitation cannot be accepted: the person who sent it no longer manages the store, or this account already has access to it (a support account is never a member of a store). Ask an owner for a new one.",
};

impl Texts {
    // The domain's enums are worded once, in core (`multicaisse_core::labels`).
    pub fn period(&self, preset: PeriodPreset) -> &'static str {
        preset.label(self.lang)
    }

    pub fn kind(&self, kind: RegisterKind) -> &'static str {
        kind.label(self.lang)
    }

    pub fn method(&self, method: PaymentMethod) -> &'static str {
        method.label(self.lang)
    }

    /// `9 h` / `9:00`.
    pub fn hour(&self, hour: u8) -> String {
        format!("{hour}{}", self.hour_suffix)
    }

    /// `11 h, 17 h et 18 h`.
    pub fn hour_list(&self, hours: &[u8]) -> String {
        let words: Vec<String> = hours.iter().map(|h| self.hour(*h)).collect();
        match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("{} {} {last}", rest.join(", "), self.and_word)
            }
            _ => words.join(""),
        }
    }

    pub fn role(&self, role: Option<Role>) -> &'static str {
        multicaisse_core::labels::standing_label(role, self.lang)
    }

    pub fn event(&self, event: AuditEvent) -> &'static str {
        event.label(self.lang)
    }

    pub fn status(&self, status: RegisterStatus) -> &'static str {
        status.label(self.lang)
    }
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

const STORAGE_KEY: &str = "multicaisse.lang";

pub fn local_storage() -> Option<web_sys::Storage> {
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
