//! Z de caisse: for a month, each register's closures on a calendar (verified, mismatch,
//! missing), its integrity in words, and the files to download — each register's, or every
//! register's in one ZIP — with a progress line while the server produces them.

use crate::api;
use crate::api::ClientError;
use crate::i18n::use_lang;
use crate::pages::states::loaded;
use crate::pages::sync_note::{sync_briefs, Briefs, MayLackNote};
use crate::session::{use_session, use_store_id};
use chrono::{Datelike, Days, Months, NaiveDate};
use leptos::prelude::*;
use multicaisse_core::closure::ClosureKind;
use multicaisse_core::format::{format_size, Lang};
use multicaisse_core::freshness::MayLack;
use multicaisse_core::integrity;
use multicaisse_core::store::Register;
use multicaisse_core::verification::{RegisterBrief, VerificationBrief};
use multicaisse_core::zperiod::ZPeriod;
use wasm_bindgen::JsCast;

struct ZTexts {
    title: &'static str,
    intro: &'static str,
    month: &'static str,
    all_registers: &'static str,
    download: &'static str,
    preparing: &'static str,
    ready: &'static str,
    verified: &'static str,
    mismatch: &'static str,
    missing: &'static str,
    no_sale: &'static str,
    monthly: &'static str,
    weekdays: [&'static str; 7],
    fiscal_year: &'static str,
    all_formats: &'static str,
    your_stores: &'static str,
    stores_intro: &'static str,
    shown_below: &'static str,
    show_registers: &'static str,
}

const FR: ZTexts = ZTexts {
    title: "Z de caisse",
    intro: "Chaque caisse tient son propre journal et ses propres clôtures. Chaque Z est recalculé à partir des tickets reçus, et chaque ticket est contrôlé : aucun ne peut être modifié ni retiré sans que cela se voie ici.",
    month: "Mois",
    all_registers: "Toutes les caisses du mois (ZIP)",
    download: "Télécharger",
    preparing: "Préparation du fichier…",
    ready: "Fichier prêt :",
    verified: "vérifié",
    mismatch: "écart",
    missing: "manquant",
    no_sale: "sans vente",
    monthly: "Grand Z du mois",
    weekdays: ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"],
    fiscal_year: "Exercice",
    all_formats: "Tout (ZIP)",
    your_stores: "Vos boutiques",
    stores_intro: "Les Z du mois de chaque boutique qui vous a donné accès, toutes caisses dans un ZIP.",
    shown_below: "détail ci-dessous",
    show_registers: "Voir ses caisses",
};

const EN: ZTexts = ZTexts {
    title: "Z reports",
    intro: "Each register keeps its own journal and closures. Every Z is recomputed from the tickets received, and every ticket is checked: none can be changed or removed without it showing here.",
    month: "Month",
    all_registers: "Every register of the month (ZIP)",
    download: "Download",
    preparing: "Preparing the file…",
    ready: "File ready:",
    verified: "verified",
    mismatch: "mismatch",
    missing: "missing",
    no_sale: "no sale",
    monthly: "Monthly grand Z",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    fiscal_year: "Fiscal year",
    all_formats: "All (ZIP)",
    your_stores: "Your stores",
    stores_intro: "The month's Z of every store that gave you access, all registers in one ZIP.",
    shown_below: "detail below",
    show_registers: "Show its registers",
};

fn texts(lang: Lang) -> &'static ZTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// The month before the one of `today`: the one an accountant comes for.
fn last_month(today: NaiveDate) -> NaiveDate {
    today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .unwrap_or(today)
}

/// Hands bytes to the browser as a file download.
fn save(bytes: &[u8], name: &str, mime: &str) -> Result<(), ClientError> {
    let failed = |_| ClientError::Decode("the browser refused the download".into());
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| failed(wasm_bindgen::JsValue::NULL))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| failed(wasm_bindgen::JsValue::NULL))?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // Released once the browser has surely started saving it.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}

/// What the download line says: nothing yet, working, done (name and size), or failed.
#[derive(Clone, PartialEq)]
enum Progress {
    Idle,
    Preparing(String),
    Ready(String, usize),
    Failed(String),
}

#[component]
pub fn ZPage() -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let session = use_session();
    let store_id = use_store_id();
    let end_month = move || {
        session
            .current_store()
            .map_or(12, |s| s.fiscal_year_end_month)
    };
    // The store's day, not the browser's nor UTC's: at 00:30 in Paris on the 1st, the month
    // before is the one just over.
    let store_today = move || {
        let zone = session
            .current_store()
            .map_or_else(|| "Europe/Paris".to_string(), |s| s.time_zone.0);
        crate::time::local_day(crate::time::now(), &zone)
    };
    let month = RwSignal::new(last_month(store_today()));
    // The last fiscal year over: the one whose annual Z an accountant comes for.
    let year = RwSignal::new(None::<ZPeriod>);
    let chosen_year = move || {
        year.get().unwrap_or_else(|| {
            ZPeriod::kept_fiscal_years(store_today(), end_month())
                .get(1)
                .copied()
                .unwrap_or(ZPeriod::FiscalYear(store_today().year()))
        })
    };
    let progress = RwSignal::new(Progress::Idle);
    // The registers with their verifications, in one answer and shown together: each
    // register's calendar arriving on its own pushed the registers below it down the page.
    let registers = crate::session::store_resource(api::verification_briefs);
    let briefs = sync_briefs();
    let fetch_file = move |path: String, name: String, mime: &'static str| {
        progress.set(Progress::Preparing(name.clone()));
        leptos::task::spawn_local(async move {
            match api::download(&path).await {
                Ok(bytes) => match save(&bytes, &name, mime) {
                    Ok(()) => progress.set(Progress::Ready(name, bytes.len())),
                    Err(e) => progress.set(Progress::Failed(e.to_string())),
                },
                Err(e) => progress.set(Progress::Failed(e.to_string())),
            }
        });
    };
    let store_slug = move || {
        session
            .current_store()
            .map(|s| multicaisse_core::format::slug(&s.name))
            .unwrap_or_default()
    };
    let month_code = move || ZPeriod::Month(month.get()).to_string();
    view! {
        <section class="page z-page">
            <div class="page-head">
                <h1>{move || tx().title}</h1>
                <label class="month-picker">
                    {move || tx().month}
                    " "
                    // A select rather than `<input type=month>`, which Safari and Firefox on a
                    // Mac do not have: every month whose files are kept, the newest first.
                    <select
                        id="z-month"
                        on:change=move |ev| {
                            if let Ok(ZPeriod::Month(first)) = ZPeriod::parse(&event_target_value(&ev)) {
                                month.set(first);
                            }
                        }
                    >
                        {move || {
                            let shown = month.get();
                            ZPeriod::kept_months(store_today(), end_month())
                                .into_iter()
                                .map(|m| {
                                    let text = m.name(lang.get());
                                    view! {
                                        <option value=m.to_string() selected={m == ZPeriod::Month(shown)}>{text}</option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label class="month-picker">
                    {move || tx().fiscal_year}
                    " "
                    <select
                        id="z-year"
                        on:change=move |ev| {
                            if let Ok(period) = ZPeriod::parse(&event_target_value(&ev)) {
                                year.set(Some(period));
                            }
                        }
                    >
                        {move || {
                            let end = end_month();
                            let chosen = chosen_year();
                            ZPeriod::kept_fiscal_years(store_today(), end)
                                .into_iter()
                                .map(|fy| {
                                    let text = fy.describe(end, lang.get());
                                    view! {
                                        <option value=fy.to_string() selected={fy == chosen}>{text}</option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
            </div>
            <p class="intro">{move || tx().intro}</p>
            {move || {
                let stores = session.shops().and_then(Result::ok).unwrap_or_default();
                if stores.len() < 2 {
                    return view! {
                        <div class="downloads" id="z-all">
                            <strong>{move || tx().all_registers}</strong>
                            <FormatButtons on_pick=move |format| {
                                let Some(id) = store_id.get_untracked() else { return };
                                let m = month_code();
                                fetch_file(
                                    format!("/api/stores/{id}/z.zip?month={m}&format={format}"),
                                    format!("z-{}-{m}-{format}.zip", store_slug()),
                                    "application/zip",
                                );
                            }/>
                        </div>
                    }
                        .into_any();
                }
                view! {
                    <section class="z-stores" id="z-stores">
                        <h2>{move || tx().your_stores}</h2>
                        <p class="intro">{move || tx().stores_intro}</p>
                        <ul>
                            {stores
                                .into_iter()
                                .map(|store| {
                                    let id = store.id;
                                    let slug = StoredValue::new(multicaisse_core::format::slug(&store.name));
                                    let current = move || store_id.get() == Some(id);
                                    view! {
                                        <li class="downloads" data-store=id class:current=current>
                                            <strong>{store.name.clone()}</strong>
                                            <FormatButtons on_pick=move |format| {
                                                let m = month_code();
                                                fetch_file(
                                                    format!("/api/stores/{id}/z.zip?month={m}&format={format}"),
                                                    format!("z-{}-{m}-{format}.zip", slug.get_value()),
                                                    "application/zip",
                                                );
                                            }/>
                                            {move || if current() {
                                                view! { <span class="muted">{tx().shown_below}</span> }.into_any()
                                            } else {
                                                view! {
                                                    <button type="button" class="link" on:click=move |_| session.choose_store(id)>
                                                        {tx().show_registers}
                                                    </button>
                                                }
                                                    .into_any()
                                            }}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </section>
                }
                    .into_any()
            }}
            <p class="progress" id="z-progress" role="status" aria-live="polite">
                {move || match progress.get() {
                    Progress::Idle => String::new(),
                    Progress::Preparing(name) => format!("{} {name}", tx().preparing),
                    Progress::Ready(name, size) => format!("{} {name} ({})", tx().ready, format_size(size as u64, lang.get())),
                    Progress::Failed(error) => error,
                }}
            </p>
            {loaded(registers, 4, move |list: Vec<RegisterBrief>| {
                list.into_iter()
                    .map(|RegisterBrief { register, brief: verification }| view! { <RegisterZ register verification month year=Signal::derive(chosen_year) fetch_file=fetch_file briefs/> })
                    .collect_view()
            })}
        </section>
    }
}

#[component]
fn RegisterZ(
    register: Register,
    verification: VerificationBrief,
    month: RwSignal<NaiveDate>,
    year: Signal<ZPeriod>,
    fetch_file: impl Fn(String, String, &'static str) + Copy + Send + Sync + 'static,
    briefs: Briefs,
) -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let id = register.id;
    let number = register.number;
    let label = register.label.clone();
    view! {
        <article class="register-z" data-register=number>
            <h2>{label}</h2>
            <MayLackNote briefs register_id=id period_last_day=None what=MayLack::Closures/>
            {
                let intact = verification.is_intact();
                let summary = {
                    let v = verification.clone();
                    move || integrity::summary(&v, lang.get())
                };
                view! {
                    <p class="integrity" class:ok=intact class:broken=!intact>{summary}</p>
                    <Calendar v=verification month/>
                }
            }
            {[false, true]
                .into_iter()
                .map(|annual| {
                    let period = move || {
                        if annual {
                            year.get_untracked().to_string()
                        } else {
                            ZPeriod::Month(month.get_untracked()).to_string()
                        }
                    };
                    view! {
                        <div class="downloads" data-period=if annual { "year" } else { "month" }>
                            <span>
                                {move || tx().download} " — "
                                {move || if annual {
                                    year.get().name(lang.get())
                                } else {
                                    ZPeriod::Month(month.get()).name(lang.get())
                                }}
                            </span>
                            <FormatButtons on_pick=move |format| {
                                let p = period();
                                let extension = match format {
                                    "fec" => "txt",
                                    other => other,
                                };
                                fetch_file(
                                    format!("/api/registers/{id}/z?period={p}&format={format}"),
                                    format!("z-caisse-{number}-{p}.{extension}"),
                                    "application/octet-stream",
                                );
                            }/>
                        </div>
                    }
                })
                .collect_view()}
        </article>
    }
}

/// The formats a Z file comes in, as the server names them; `zip` is all of them at once.
const FORMATS: [&str; 5] = ["csv", "fec", "json", "pdf", "zip"];

/// A button per format; `on_pick` starts that format's download.
#[component]
fn FormatButtons(on_pick: impl Fn(&'static str) + Copy + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    FORMATS
        .into_iter()
        .map(|format| {
            view! {
                <button type="button" data-format=format on:click=move |_| on_pick(format)>
                    {move || if format == "zip" {
                        texts(lang.get()).all_formats.to_string()
                    } else {
                        format.to_uppercase()
                    }}
                </button>
            }
        })
        .collect_view()
}

/// The month's days, Monday first: each day's Z as received (and verified or not), missing, or
/// not due (no sale); then the monthly grand Z.
#[component]
fn Calendar(v: VerificationBrief, month: RwSignal<NaiveDate>) -> impl IntoView {
    let lang = use_lang();
    let tx = move || texts(lang.get());
    move || {
        let first = month.get();
        let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
        let offset = first.weekday().num_days_from_monday() as usize;
        let status_of = |period: String, kind: ClosureKind| {
            if let Some(c) = v.closure_for(&period, kind) {
                if c.fault {
                    "mismatch"
                } else {
                    "verified"
                }
            } else if v.missing.contains(&period) {
                "missing"
            } else {
                "none"
            }
        };
        let word = move |status: &str| match status {
            "verified" => tx().verified,
            "mismatch" => tx().mismatch,
            "missing" => tx().missing,
            _ => tx().no_sale,
        };
        let mut cells = Vec::new();
        for _ in 0..offset {
            cells.push(view! { <li class="blank" aria-hidden="true"></li> }.into_any());
        }
        let mut day = first;
        while day < next {
            let status = status_of(day.to_string(), ClosureKind::Daily);
            cells.push(
                view! {
                    <li class=format!("day z-{status}") data-day=day.to_string() data-status=status>
                        <span class="number">{day.day()}</span>
                        <span class="word">{word(status)}</span>
                    </li>
                }
                .into_any(),
            );
            day = day + Days::new(1);
        }
        let monthly = status_of(ZPeriod::Month(first).to_string(), ClosureKind::Monthly);
        view! {
            <ol class="z-calendar" aria-label=move || ZPeriod::Month(first).name(lang.get())>
                {tx().weekdays.into_iter().map(|w| view! { <li class="weekday" aria-hidden="true">{w}</li> }).collect_view()}
                {cells}
            </ol>
            <p class=format!("monthly z-{monthly}") data-status=monthly>
                {tx().monthly} " : " {word(monthly)}
            </p>
        }
    }
}
