//! The shop's own information — what its receipts and Z files name, and what the set-up
//! checklist compares each register with. Its owner (or support) corrects it on *Boutique*;
//! support opens a new shop with the same form on *Nouvelle boutique*, then invites its owner.
//! The form checks each field with core's rules, in the page's language, before sending.

use crate::api::{self, ClientError};
use crate::i18n::use_lang;
use crate::pages::states::Mutation;
use crate::session::use_session;
use leptos::prelude::*;
use multicaisse_core::format::{month_name, Lang};
use multicaisse_core::identity::{
    ShopInput, ShopProblem, ShopRequest, MAX_ADDRESS_CHARS, MAX_SHOP_NAME_CHARS,
    PRINCIPAL_REGISTER_LABEL, SHOP_TIME_ZONES,
};
use multicaisse_core::store::Store;

struct ShopTexts {
    edit_title: &'static str,
    edit_intro: &'static str,
    new_title: &'static str,
    new_intro: &'static str,
    name: &'static str,
    siret: &'static str,
    siret_hint: &'static str,
    address: &'static str,
    vat_number: &'static str,
    vat_hint: &'static str,
    time_zone: &'static str,
    fiscal_year_end: &'static str,
    register_label: &'static str,
    save: &'static str,
    saved: &'static str,
    open: &'static str,
    opened: (&'static str, &'static str),
    invite_title: &'static str,
    invite_intro: &'static str,
    email: &'static str,
    invite: &'static str,
    invite_link: (&'static str, &'static str),
}

const FR: ShopTexts = ShopTexts {
    edit_title: "Boutique",
    edit_intro: "Ce que vos tickets et vos Z indiquent de la boutique, et ce que la vérification de chaque caisse compare avec ses réglages.",
    new_title: "Nouvelle boutique",
    new_intro: "Ouvrez la boutique d'un nouveau client : elle vient avec sa caisse principale, prête à être appairée. Invitez ensuite son propriétaire.",
    name: "Nom de la boutique",
    siret: "SIRET",
    siret_hint: "14 chiffres, espaces acceptés.",
    address: "Adresse",
    vat_number: "Numéro de TVA intracommunautaire",
    vat_hint: "FR, la clé à 2 chiffres, puis le SIREN.",
    time_zone: "Fuseau horaire",
    fiscal_year_end: "Mois de clôture de l'exercice",
    register_label: "Nom de la caisse principale",
    save: "Enregistrer",
    saved: "Informations de la boutique enregistrées.",
    open: "Ouvrir la boutique",
    opened: ("La boutique", "est ouverte, avec sa caisse principale prête à être appairée."),
    invite_title: "Inviter son propriétaire",
    invite_intro: "Il recevra un lien pour créer son compte ; ensuite, c'est lui qui invite les autres personnes.",
    email: "Adresse e-mail",
    invite: "Inviter le propriétaire",
    invite_link: ("Invitation créée pour", "— envoyez-lui ce lien (valable 7 jours) :"),
};

const EN: ShopTexts = ShopTexts {
    edit_title: "Shop",
    edit_intro: "What your receipts and Z files say of the shop, and what each register's check compares its settings with.",
    new_title: "New shop",
    new_intro: "Open a new customer's shop: it comes with its principal register, ready to pair. Then invite its owner.",
    name: "Shop name",
    siret: "SIRET",
    siret_hint: "14 digits, spaces accepted.",
    address: "Address",
    vat_number: "Intra-community VAT number",
    vat_hint: "FR, the two-digit key, then the SIREN.",
    time_zone: "Time zone",
    fiscal_year_end: "Month the fiscal year ends",
    register_label: "Principal register's name",
    save: "Save",
    saved: "The shop's information is saved.",
    open: "Open the shop",
    opened: ("The shop", "is open, with its principal register ready to pair."),
    invite_title: "Invite its owner",
    invite_intro: "They get a link to create their account; from then on, they invite the others.",
    email: "Email address",
    invite: "Invite the owner",
    invite_link: ("Invitation created for", "— send them this link (valid 7 days):"),
};

fn shop_texts(lang: Lang) -> &'static ShopTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// The form's values, one signal per field.
#[derive(Clone, Copy)]
struct ShopFields {
    name: RwSignal<String>,
    siret: RwSignal<String>,
    address: RwSignal<String>,
    vat_number: RwSignal<String>,
    time_zone: RwSignal<String>,
    fiscal_year_end_month: RwSignal<u8>,
}

impl ShopFields {
    fn new() -> ShopFields {
        ShopFields {
            name: RwSignal::new(String::new()),
            siret: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            vat_number: RwSignal::new(String::new()),
            time_zone: RwSignal::new(SHOP_TIME_ZONES[0].0.to_string()),
            fiscal_year_end_month: RwSignal::new(12),
        }
    }

    fn show(&self, store: &Store) {
        self.name.set(store.name.clone());
        self.siret.set(store.siret.clone());
        self.address.set(store.address.clone());
        self.vat_number.set(store.vat_number.clone());
        self.time_zone.set(store.time_zone.name().to_string());
        self.fiscal_year_end_month.set(store.fiscal_year_end_month);
    }

    /// The request, or the first field that is wrong (checked as the server will).
    fn request(&self, register_label: Option<String>) -> Result<ShopRequest, ShopProblem> {
        let request = ShopRequest {
            name: self.name.get_untracked(),
            siret: self.siret.get_untracked(),
            address: self.address.get_untracked(),
            vat_number: self.vat_number.get_untracked(),
            time_zone: self.time_zone.get_untracked(),
            fiscal_year_end_month: self.fiscal_year_end_month.get_untracked(),
            register_label,
        };
        let input: ShopInput = request.input();
        input.check_fields()?;
        Ok(request)
    }
}

/// A text input whose problem, when it has one, is said under it and read with it.
#[component]
fn ShopField(
    id: &'static str,
    field: &'static str,
    label: Signal<&'static str>,
    #[prop(optional)] hint: Option<Signal<&'static str>>,
    value: RwSignal<String>,
    max: usize,
    problem: RwSignal<Option<ShopProblem>>,
) -> impl IntoView {
    let lang = use_lang();
    let wrong = move || {
        problem
            .get()
            .filter(|p| p.field() == field)
            .map(|p| p.describe(lang.get()))
    };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if wrong().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <label for=id>{label}</label>
        {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
        <input
            id=id
            type="text"
            maxlength=max.to_string()
            required=true
            aria-invalid=move || wrong().is_some().to_string()
            aria-describedby=described
            prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))
        />
        {move || wrong().map(|said| view! { <p class="form-error" id=error_id.clone() role="alert">{said}</p> })}
    }
}

/// The fields of a shop, shared by the correction and the opening.
#[component]
fn ShopFieldset(fields: ShopFields, problem: RwSignal<Option<ShopProblem>>) -> impl IntoView {
    let lang = use_lang();
    let tx = move || shop_texts(lang.get());
    let zones = move || {
        let lang = lang.get();
        SHOP_TIME_ZONES
            .iter()
            .map(|(name, fr, en)| {
                let said = match lang {
                    Lang::Fr => *fr,
                    Lang::En => *en,
                };
                view! {
                    <option value=*name selected=move || fields.time_zone.get() == *name>
                        {format!("{said} ({name})")}
                    </option>
                }
            })
            .collect_view()
    };
    let months = move || {
        let lang = lang.get();
        (1..=12u8)
            .map(|month| {
                view! {
                    <option
                        value=month.to_string()
                        selected=move || fields.fiscal_year_end_month.get() == month
                    >
                        {month_name(u32::from(month), lang)}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <ShopField id="shop-name" field="name" label=Signal::derive(move || tx().name) value=fields.name max=MAX_SHOP_NAME_CHARS problem/>
        <ShopField
            id="shop-siret"
            field="siret"
            label=Signal::derive(move || tx().siret)
            hint=Signal::derive(move || tx().siret_hint)
            value=fields.siret
            max=20
            problem
        />
        <ShopField id="shop-address" field="address" label=Signal::derive(move || tx().address) value=fields.address max=MAX_ADDRESS_CHARS problem/>
        <ShopField
            id="shop-vat-number"
            field="vat_number"
            label=Signal::derive(move || tx().vat_number)
            hint=Signal::derive(move || tx().vat_hint)
            value=fields.vat_number
            max=20
            problem
        />
        <label for="shop-time-zone">{move || tx().time_zone}</label>
        <select id="shop-time-zone" on:change=move |ev| fields.time_zone.set(event_target_value(&ev))>
            {zones}
        </select>
        <label for="shop-fiscal-month">{move || tx().fiscal_year_end}</label>
        <select
            id="shop-fiscal-month"
            on:change=move |ev| {
                if let Ok(month) = event_target_value(&ev).parse() {
                    fields.fiscal_year_end_month.set(month);
                }
            }
        >
            {months}
        </select>
    }
}

/// *Boutique*: the current shop's information, corrected by its owner or by support.
#[component]
pub fn ShopPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || shop_texts(lang.get());
    let session = use_session();
    let fields = ShopFields::new();
    let problem = RwSignal::new(None::<ShopProblem>);
    let error = RwSignal::new(None::<ClientError>);
    let saved = RwSignal::new(false);
    // The form follows the shop chosen in the header, and what the server last said of it.
    let current = Memo::new(move |_| session.current_store());
    Effect::new(move || {
        if let Some(store) = current.get() {
            fields.show(&store);
        }
    });
    // Another shop chosen: what was said of the previous one goes (not when the list of
    // shops reloads after a save).
    let shown_id = Memo::new(move |before: Option<&Option<i64>>| {
        current
            .get()
            .map(|s| s.id)
            .or_else(|| before.copied().flatten())
    });
    Effect::new(move |seen: Option<Option<i64>>| {
        let id = shown_id.get();
        if seen.is_some_and(|seen| seen != id) {
            problem.set(None);
            error.set(None);
            saved.set(false);
        }
        id
    });
    let saving = Mutation::new(move |(store_id, request): (i64, ShopRequest)| async move {
        match api::update_shop(store_id, &request).await {
            Ok(_) => {
                error.set(None);
                session.stores.refetch();
                saved.set(true);
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Some(store) = current.get_untracked() else {
            return;
        };
        match fields.request(None) {
            Ok(request) => {
                problem.set(None);
                saving.send((store.id, request));
            }
            Err(wrong) => problem.set(Some(wrong)),
        }
    };
    view! {
        <section class="page shop-page">
            <div class="page-head">
                <h1>{move || tx().edit_title}</h1>
            </div>
            <p class="intro">{move || tx().edit_intro}</p>
            <form class="card form shop-form" novalidate=true on:submit=submit>
                <ShopFieldset fields problem/>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.said(lang.get())}</p> })}
                {move || saved.get().then(|| view! { <p class="saved" role="status">{tx().saved}</p> })}
                <button type="submit" class="primary" disabled=move || saving.pending().get()>
                    {move || tx().save}
                </button>
            </form>
        </section>
    }
}

/// *Nouvelle boutique* (support): a shop opened with its principal register, then its owner
/// invited.
#[component]
pub fn NewShopPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || shop_texts(lang.get());
    let session = use_session();
    let fields = ShopFields::new();
    let register_label = RwSignal::new(PRINCIPAL_REGISTER_LABEL.to_string());
    let problem = RwSignal::new(None::<ShopProblem>);
    let error = RwSignal::new(None::<ClientError>);
    let opened = RwSignal::new(None::<Store>);
    let opening = Mutation::new(move |request: ShopRequest| async move {
        match api::open_shop(&request).await {
            Ok(created) => {
                error.set(None);
                session.choose_store(created.store.id);
                session.stores.refetch();
                opened.set(Some(created.store));
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match fields.request(Some(register_label.get_untracked())) {
            Ok(request) => {
                problem.set(None);
                opening.send(request);
            }
            Err(wrong) => problem.set(Some(wrong)),
        }
    };
    let form = move || {
        view! {
            <form class="card form shop-form" novalidate=true on:submit=submit>
                <ShopFieldset fields problem/>
                <label for="shop-register-label">{move || tx().register_label}</label>
                <input
                    id="shop-register-label"
                    type="text"
                    maxlength="60"
                    required=true
                    prop:value=register_label
                    on:input=move |ev| register_label.set(event_target_value(&ev))
                />
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.said(lang.get())}</p> })}
                <button type="submit" class="primary" disabled=move || opening.pending().get()>
                    {move || tx().open}
                </button>
            </form>
        }
    };
    view! {
        <section class="page new-shop-page">
            <div class="page-head">
                <h1>{move || tx().new_title}</h1>
            </div>
            <p class="intro">{move || tx().new_intro}</p>
            {move || match opened.get() {
                None => form().into_any(),
                Some(store) => view! { <Opened store/> }.into_any(),
            }}
        </section>
    }
}

/// The shop just opened, and its owner's invitation.
#[component]
fn Opened(store: Store) -> impl IntoView {
    let lang = use_lang();
    let tx = move || shop_texts(lang.get());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ClientError>);
    let invited = RwSignal::new(None::<multicaisse_core::auth::Invitation>);
    let store_id = store.id;
    let inviting = Mutation::new(move |()| async move {
        match api::invite_first_owner(store_id, email.get_untracked(), lang.get_untracked()).await {
            Ok(invitation) => {
                error.set(None);
                invited.set(Some(invitation));
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let name = store.name.clone();
    view! {
        <p class="card opened" role="status">
            {move || tx().opened.0} " " <strong>{name.clone()}</strong> " " {move || tx().opened.1}
        </p>
        <h2>{move || tx().invite_title}</h2>
        <p class="intro">{move || tx().invite_intro}</p>
        {move || match invited.get() {
            Some(invitation) => {
                let link = invitation.link.clone().unwrap_or_default();
                view! {
                    <div class="card invitation-link" role="status">
                        <p>{tx().invite_link.0} " " <strong>{invitation.email}</strong> " " {tx().invite_link.1}</p>
                        <input id="invitation-link" type="text" readonly prop:value=link/>
                    </div>
                }
                .into_any()
            }
            None => view! {
                <form
                    class="card form owner-invite-form"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        inviting.send(());
                    }
                >
                    <label for="owner-email">{move || tx().email}</label>
                    <input
                        id="owner-email"
                        type="email"
                        autocomplete="off"
                        maxlength="254"
                        required=true
                        prop:value=email
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.said(lang.get())}</p> })}
                    <button type="submit" class="primary" disabled=move || inviting.pending().get()>
                        {move || tx().invite}
                    </button>
                </form>
            }
            .into_any(),
        }}
    }
}
