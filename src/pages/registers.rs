//! The decommission page, whose wizard comes later, already shows the store's extra
//! registers as the server knows them.

use crate::api;
use crate::i18n::use_texts;
use crate::pages::states::{loaded, Empty};
use leptos::prelude::*;
use multicaisse_core::store::{Register, RegisterKind};

#[component]
pub fn RegistersPage() -> impl IntoView {
    let t = use_texts();
    let registers = crate::session::store_resource(api::registers);
    view! {
        <section class="page registers-page">
            <div class="page-head">
                <h1>{move || t().decommission_title}</h1>
            </div>
            <p class="intro">{move || t().decommission_intro}</p>
            {loaded(registers, 3, move |list| {
                    // Only extra registers can be decommissioned.
                    let shown: Vec<Register> = list.into_iter().filter(|r| r.kind == RegisterKind::Extra).collect();
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
            })}
        </section>
    }
}
