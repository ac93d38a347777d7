//! The pages whose full features come later (subscription,
//! decommission) already show the store's registers as the server knows them.

use crate::api;
use crate::i18n::{use_texts, Texts};
use crate::pages::states::{Empty, ErrorBox, Skeleton};
use crate::session::use_store_id;
use leptos::prelude::*;
use multicaisse_core::store::{Register, RegisterKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistersPageKind {
    Subscription,
    Decommission,
}

impl RegistersPageKind {
    fn title(self, t: &Texts) -> &'static str {
        match self {
            RegistersPageKind::Subscription => t.subscription_title,
            RegistersPageKind::Decommission => t.decommission_title,
        }
    }

    fn intro(self, t: &Texts) -> &'static str {
        match self {
            RegistersPageKind::Subscription => t.subscription_intro,
            RegistersPageKind::Decommission => t.decommission_intro,
        }
    }

    /// Only extra registers can be decommissioned.
    fn shows(self, register: &Register) -> bool {
        self != RegistersPageKind::Decommission || register.kind == RegisterKind::Extra
    }
}

#[component]
pub fn RegistersPage(kind: RegistersPageKind) -> impl IntoView {
    let t = use_texts();
    let store_id = use_store_id();
    let registers = LocalResource::new(move || {
        let store = store_id.get();
        async move {
            match store {
                Some(id) => api::registers(id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <section class="page registers-page">
            <div class="page-head">
                <h1>{move || kind.title(t())}</h1>
            </div>
            <p class="intro">{move || kind.intro(t())}</p>
            {move || match registers.get() {
                None | Some(Ok(None)) => view! { <Skeleton rows=3/> }.into_any(),
                Some(Err(error)) => {
                    view! { <ErrorBox error on_retry=Callback::new(move |_| registers.refetch())/> }
                        .into_any()
                }
                Some(Ok(Some(list))) => {
                    let shown: Vec<Register> = list.into_iter().filter(|r| kind.shows(r)).collect();
                    if shown.is_empty() {
                        return view! { <Empty message=Signal::derive(move || t().no_registers)/> }
                            .into_any();
                    }
                    let rows = shown
                        .into_iter()
                        .map(|r| {
                            let (register_kind, status) = (r.kind, r.status);
                            let activated = r.activated_at;
                            view! {
                                <tr data-register=r.number>
                                    <th scope="row">{r.label}</th>
                                    <td>{move || t().kind(register_kind)}</td>
                                    <td>
                                        <span class=format!("badge status-{}", status.code())>
                                            {move || t().status(status)}
                                        </span>
                                    </td>
                                    <td>
                                        {move || {
                                            activated
                                                .map(|at| multicaisse_core::format::format_date(at.date_naive(), t().lang))
                                                .unwrap_or_else(|| "—".into())
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="table-wrap">
                            <table class="registers">
                                <thead>
                                    <tr>
                                        <th scope="col">{move || t().col_register}</th>
                                        <th scope="col">{move || t().col_kind}</th>
                                        <th scope="col">{move || t().col_status}</th>
                                        <th scope="col">{move || t().col_activated}</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
