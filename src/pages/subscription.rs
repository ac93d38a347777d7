//! Abonnement: what each register costs, the month's total, this month's invoice as it
//! stands (prorated to the day, the rule in words), past months, and each register's set-up
//! checklist from what it reported.

use crate::api;
use crate::i18n::{use_lang, use_texts};
use crate::pages::register_requests::RegisterRequests;
use crate::pages::setup_checklist::SetupChecklist;
use crate::pages::states::loaded;
use leptos::prelude::*;
use multicaisse_core::format::{colon, format_date, format_eur, Lang};
use multicaisse_core::setup::SetupInWords;
use multicaisse_core::subscription::{Amounts, MonthInvoice, Subscription};
use multicaisse_core::zperiod::ZPeriod;

struct SubTexts {
    monthly_price: &'static str,
    base_plan: &'static str,
    monthly_total: &'static str,
    next_invoice: &'static str,
    rule: &'static str,
    days: &'static str,
    history: &'static str,
    no_extra: &'static str,
    setup: &'static str,
    setup_intro: &'static str,
    ht: &'static str,
    vat: &'static str,
    ttc: &'static str,
}

const FR: SubTexts = SubTexts {
    monthly_price: "Prix mensuel HT",
    base_plan: "incluse dans l'abonnement de base",
    monthly_total: "Total mensuel des caisses supplémentaires en service",
    next_invoice: "Prochaine facture (mois en cours)",
    rule: "Une caisse supplémentaire est facturée au jour près : prix mensuel × jours de service ÷ jours du mois, arrondi au centime ; le jour de mise en service et le dernier jour comptent. La TVA est calculée sur le total HT.",
    days: "jours",
    history: "Mois passés",
    no_extra: "Aucune caisse supplémentaire facturée.",
    setup: "Vérification de l'installation",
    setup_intro: "D'après les réglages que chaque caisse a envoyés à sa dernière synchronisation.",
    ht: "HT",
    vat: "TVA",
    ttc: "TTC",
};

const EN: SubTexts = SubTexts {
    monthly_price: "Monthly price excl. VAT",
    base_plan: "included in the base plan",
    monthly_total: "Monthly total of the extra registers in service",
    next_invoice: "Next invoice (this month)",
    rule: "An extra register is billed to the day: monthly price × days in service ÷ days in the month, rounded to the cent; its first and last days count. VAT is computed on the total excl. VAT.",
    days: "days",
    history: "Past months",
    no_extra: "No extra register billed.",
    setup: "Installation check",
    setup_intro: "From the settings each register sent at its last sync.",
    ht: "excl. VAT",
    vat: "VAT",
    ttc: "incl. VAT",
};

fn sub_texts(lang: Lang) -> &'static SubTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

#[component]
pub fn SubscriptionPage() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let data = crate::session::store_resource(move |id| {
        // Read here, so that switching language fetches the checklist's words again.
        let lang = lang.get();
        async move { Ok((api::subscription(id).await?, api::setup(id, lang).await?)) }
    });
    view! {
        <section class="page subscription-page">
            <div class="page-head">
                <h1>{move || t().subscription_title}</h1>
            </div>
            <p class="intro">{move || t().subscription_intro}</p>
            {loaded(data, 4, |(subscription, setups)| {
                view! { <SubscriptionView subscription setups/> }.into_any()
            })}
        </section>
    }
}

#[component]
fn SubscriptionView(subscription: Subscription, setups: Vec<SetupInWords>) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let tx = move || sub_texts(lang.get());
    let rows = subscription
        .registers
        .into_iter()
        .map(|line| {
            let register = line.register;
            let (kind, status) = (register.kind, register.status);
            let service = line.service;
            let price = line.monthly_ht;
            view! {
                <tr data-register=register.number>
                    <th scope="row">{register.label}</th>
                    <td data-label=move || t().col_kind>{move || t().kind(kind)}</td>
                    <td data-label=move || t().col_status>
                        <span class=format!("badge status-{}", status.code())>{move || t().status(status)}</span>
                    </td>
                    <td data-label=move || t().col_activated>
                        {move || match service {
                            None => "—".to_string(),
                            Some(s) => {
                                let from = format_date(s.from, lang.get());
                                match s.until {
                                    Some(until) => format!("{from} → {}", format_date(until, lang.get())),
                                    None => from,
                                }
                            }
                        }}
                    </td>
                    <td class="num" data-label=move || tx().monthly_price>
                        {move || price.map_or_else(|| tx().base_plan.to_string(), |p| format_eur(p, lang.get()))}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let monthly = subscription.monthly;
    let next = subscription.next_invoice;
    let history = subscription.history;
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="registers subscription cards">
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_register}</th>
                        <th scope="col">{move || t().col_kind}</th>
                        <th scope="col">{move || t().col_status}</th>
                        <th scope="col">{move || t().col_activated}</th>
                        <th scope="col" class="num">{move || tx().monthly_price}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="monthly-total" id="monthly-total">
            <strong>{move || tx().monthly_total}</strong>
            {move || colon(lang.get())}
            {move || amounts_text(monthly, lang.get())}
        </p>
        <RegisterRequests/>
        <h2>{move || tx().next_invoice}</h2>
        <Invoice invoice=next id="next-invoice"/>
        <p class="rule">{move || tx().rule}</p>
        <h2>{move || tx().history}</h2>
        <div id="invoice-history">
            {history.into_iter().map(|invoice| view! { <Invoice invoice id=""/> }).collect_view()}
        </div>
        <h2>{move || tx().setup}</h2>
        <p class="intro">{move || tx().setup_intro}</p>
        <ul class="setup" id="setup">
            {setups.into_iter().map(|setup| view! { <SetupChecklist setup/> }).collect_view()}
        </ul>
    }
}

pub fn amounts_text(amounts: Amounts, lang: Lang) -> String {
    let tx = sub_texts(lang);
    format!(
        "{} {} + {} {} = {} {}",
        format_eur(amounts.ht, lang),
        tx.ht,
        format_eur(amounts.vat, lang),
        tx.vat,
        format_eur(amounts.ttc, lang),
        tx.ttc
    )
}

#[component]
fn Invoice(invoice: MonthInvoice, id: &'static str) -> impl IntoView {
    let lang = use_lang();
    let tx = move || sub_texts(lang.get());
    let month = ZPeriod::Month(invoice.month).to_string();
    let heading = month.clone();
    let totals = invoice.totals;
    let empty = invoice.lines.is_empty();
    let lines = invoice
        .lines
        .into_iter()
        .map(|line| {
            view! {
                <li data-register=line.number>
                    {line.label} " — "
                    {move || format!("{}/{} {}", line.days, line.month_days, tx().days)} " — "
                    {move || format_eur(line.ht, lang.get())}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="invoice" id=id data-month=month>
            <h3>{heading}</h3>
            {move || empty.then(|| view! { <p class="muted">{tx().no_extra}</p> })}
            <ul>{lines}</ul>
            <p class="invoice-total">{move || amounts_text(totals, lang.get())}</p>
        </div>
    }
}
