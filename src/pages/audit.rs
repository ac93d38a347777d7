//! Journal: the security log of the store (owners), or of every store (support staff). The
//! topic and the page are in the URL (`?topic=registers&before=812`), so Back returns to
//! what was shown.

use crate::api;
use crate::i18n::{use_lang, use_texts};
use crate::pages::states::{fetched, Empty};
use crate::session::{use_session, use_store_id};
use crate::time::local_date_time;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use multicaisse_core::auth::{audit_query, AuditEntry, AuditTopic, AUDIT_PAGE};
use multicaisse_core::format::Lang;

struct JournalTexts {
    intro: &'static str,
    show: &'static str,
    everything: &'static str,
    older: &'static str,
    newest: &'static str,
    no_older: &'static str,
    table: &'static str,
    pages: &'static str,
}

const FR: JournalTexts = JournalTexts {
    intro: "Connexions, accès et rôles, caisses et iPad, informations de la boutique : tout y est noté, et rien ne peut y être modifié ni effacé.",
    show: "Afficher",
    everything: "Tout",
    older: "Entrées plus anciennes →",
    newest: "← Revenir aux plus récentes",
    no_older: "Aucune entrée plus ancienne.",
    table: "Journal, les entrées les plus récentes en premier",
    pages: "Pages du journal",
};

const EN: JournalTexts = JournalTexts {
    intro: "Sign-ins, access and roles, registers and iPads, the shop's information: everything is noted here, and nothing in it can be edited or deleted.",
    show: "Show",
    everything: "Everything",
    older: "Older entries →",
    newest: "← Back to the newest",
    no_older: "No older entry.",
    table: "Journal, newest entries first",
    pages: "Journal pages",
};

fn texts(lang: Lang) -> &'static JournalTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

fn journal_url(topic: Option<AuditTopic>, before: Option<i64>) -> String {
    match audit_query(topic, before) {
        query if query.is_empty() => "/journal".into(),
        query => format!("/journal?{query}"),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let session = use_session();
    let store_id = use_store_id();
    let query = use_query_map();
    let navigate = use_navigate();
    let topic = Memo::new(move |_| {
        query
            .read()
            .get("topic")
            .and_then(|c| AuditTopic::parse(&c))
    });
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
            .filter(|b| *b > 0)
    });
    let support = Memo::new(move |_| session.me().is_some_and(|me| me.support));
    let all_stores = RwSignal::new(false);
    let entries = LocalResource::new(move || {
        let scope = if support.get() && all_stores.get() {
            None
        } else {
            store_id.get()
        };
        api::audit(scope, topic.get(), before.get())
    });
    let go = move |topic: Option<AuditTopic>, before: Option<i64>, replace: bool| {
        navigate(
            &journal_url(topic, before),
            NavigateOptions {
                replace,
                ..Default::default()
            },
        )
    };
    let go = StoredValue::new(go);
    view! {
        <section class="page audit-page">
            <div class="page-head">
                <h1>{move || t().audit_title}</h1>
                {move || {
                    support
                        .get()
                        .then(|| {
                            view! {
                                <label class="toggle">
                                    <input
                                        type="checkbox"
                                        id="audit-all-stores"
                                        prop:checked=all_stores
                                        on:change=move |ev| all_stores.set(event_target_checked(&ev))
                                    />
                                    " "
                                    {move || t().audit_all_stores}
                                </label>
                            }
                        })
                }}
            </div>
            <p class="intro">{move || tx().intro}</p>
            <div class="filters">
                <label for="audit-topic">{move || tx().show}</label>
                // A new topic replaces the entry in the history: arrowing through the list
                // would otherwise add a step to Back for each one passed.
                <select
                    id="audit-topic"
                    on:change=move |ev| {
                        let chosen = AuditTopic::parse(&event_target_value(&ev));
                        go.with_value(|go| go(chosen, None, true));
                    }
                >
                    <option value="" selected=move || topic.get().is_none()>{move || tx().everything}</option>
                    {AuditTopic::ALL
                        .into_iter()
                        .map(|each| view! {
                            <option value=each.code() selected=move || topic.get() == Some(each)>
                                {move || each.label(lang.get())}
                            </option>
                        })
                        .collect_view()}
                </select>
            </div>
            {fetched(entries, 5, move |list: Vec<AuditEntry>| {
                let (first_page, full) = (before.get_untracked().is_none(), list.len() >= AUDIT_PAGE as usize);
                let oldest = list.last().map(|e| e.id);
                let table = if list.is_empty() {
                    let message = move || if first_page { t().audit_empty } else { tx().no_older };
                    view! { <Empty message=Signal::derive(message)/> }.into_any()
                } else {
                    // Times in the store's zone, like its business days.
                    let zone = session
                        .current_store()
                        .map(|s| s.time_zone.name().to_string())
                        .unwrap_or_else(|| "Europe/Paris".into());
                    view! { <AuditTable entries=list zone/> }.into_any()
                };
                view! {
                    {table}
                    <nav class="pager" aria-label=move || tx().pages>
                        {(!first_page).then(|| view! {
                            <button type="button" class="newest-page" on:click=move |_| go.with_value(|go| go(topic.get_untracked(), None, false))>
                                {move || tx().newest}
                            </button>
                        })}
                        {full.then(|| view! {
                            <button type="button" class="older-page" on:click=move |_| go.with_value(|go| go(topic.get_untracked(), oldest, false))>
                                {move || tx().older}
                            </button>
                        })}
                    </nav>
                }
            })}
        </section>
    }
}

/// Who: the name the account bears, its address under it (the address alone when the
/// account is gone or never was, as after a failed sign-in).
fn person(name: Option<String>, email: Option<String>) -> impl IntoView {
    match (name, email) {
        (Some(name), Some(email)) => view! {
            <span class="person-name">{name}</span>
            <span class="hint">{email}</span>
        }
        .into_any(),
        (None, Some(email)) => view! { <span class="person-name">{email}</span> }.into_any(),
        (Some(name), None) => view! { <span class="person-name">{name}</span> }.into_any(),
        (None, None) => view! { "—" }.into_any(),
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>, zone: String) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let tx = move || texts(lang.get());
    let rows = entries
        .into_iter()
        .map(|entry| {
            let at = entry.at;
            let zone = zone.clone();
            let when = move || local_date_time(at, &zone, lang.get());
            let event = entry.event;
            let (role, previous) = (entry.role, entry.previous_role);
            let roles = move || match (previous, role) {
                (Some(before), Some(after)) => {
                    format!("{} → {}", t().role(Some(before)), t().role(Some(after)))
                }
                (None, Some(role)) => t().role(Some(role)).to_string(),
                _ => "—".to_string(),
            };
            // The register by the name its owner gave it (which says its number).
            let register = match entry.register_label {
                Some(label) => view! { <span class="register-label">{label}</span> }.into_any(),
                None => view! { "—" }.into_any(),
            };
            view! {
                <tr data-event=event.code() data-entry=entry.id>
                    <td class="when" data-label=move || t().col_when>{when}</td>
                    <td class="event" data-label=move || t().col_event>{move || t().event(event)}</td>
                    <td class="register" data-label=move || t().col_register>{register}</td>
                    <td class="actor" data-label=move || t().col_actor>{person(entry.actor_name, entry.actor_email)}</td>
                    <td class="subject" data-label=move || t().col_subject>{person(entry.subject_name, entry.subject_email)}</td>
                    // The server's technical note (English) stays at hand for support.
                    <td class="detail" title=entry.detail data-label=move || t().col_detail>{roles}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tx().table>
            <table class="audit cards" id="audit-table">
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_when}</th>
                        <th scope="col">{move || t().col_event}</th>
                        <th scope="col">{move || t().col_register}</th>
                        <th scope="col">{move || t().col_actor}</th>
                        <th scope="col">{move || t().col_subject}</th>
                        <th scope="col">{move || t().col_detail}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
