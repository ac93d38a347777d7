//! Journal: the security log of the store (owners), or of every store (support staff).

use crate::api;
use crate::i18n::{use_lang, use_texts};
use crate::pages::states::{fetched, Empty};
use crate::session::{use_session, use_store_id};
use crate::time::local_date_time;
use leptos::prelude::*;
use multicaisse_core::auth::AuditEntry;

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let store_id = use_store_id();
    let support = Memo::new(move |_| session.me().is_some_and(|me| me.support));
    let all_stores = RwSignal::new(false);
    let entries = LocalResource::new(move || {
        let scope = if support.get() && all_stores.get() {
            None
        } else {
            store_id.get()
        };
        api::audit(scope)
    });
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
            <p class="intro">{move || t().audit_intro}</p>
            {fetched(entries, 5, move |list| {
                if list.is_empty() {
                    return view! { <Empty message=Signal::derive(move || t().audit_empty)/> }.into_any();
                }
                // Times in the store's zone, like its business days.
                let zone = session
                    .current_store()
                    .map(|s| s.time_zone.name().to_string())
                    .unwrap_or_else(|| "Europe/Paris".into());
                view! { <AuditTable entries=list zone/> }.into_any()
            })}
        </section>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>, zone: String) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
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
                _ => String::new(),
            };
            view! {
                <tr data-event=event.code()>
                    <td class="when">{when}</td>
                    <td class="event">{move || t().event(event)}</td>
                    <td>{entry.actor_email.unwrap_or_else(|| "—".into())}</td>
                    <td>{entry.subject_email.unwrap_or_else(|| "—".into())}</td>
                    // The server's technical note (English) stays at hand for support.
                    <td class="detail" title=entry.detail>{roles}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="audit" id="audit-table">
                <thead>
                    <tr>
                        <th scope="col">{move || t().col_when}</th>
                        <th scope="col">{move || t().col_event}</th>
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
