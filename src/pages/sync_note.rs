//! The note beside a register's figures when they may not be final: it is late or has never
//! synced, so sales or Z files it holds may not have arrived (core's `may_lack_note` decides).

use crate::api::{self, ClientError};
use crate::i18n::use_lang;
use crate::session::{store_resource, use_session};
use crate::time::{local_day, now};
use chrono::NaiveDate;
use leptos::prelude::*;
use multicaisse_core::freshness::{may_lack_note, MayLack, SyncBrief};

pub type Briefs = LocalResource<Result<Option<Vec<SyncBrief>>, ClientError>>;

/// The current store's registers' sync states, fetched again when another store is chosen.
pub fn sync_briefs() -> Briefs {
    store_resource(api::sync_brief)
}

#[component]
pub fn MayLackNote(
    briefs: Briefs,
    register_id: i64,
    /// The last day of the period shown; `None` for everything so far.
    #[prop(into)]
    period_last_day: Signal<Option<NaiveDate>>,
    what: MayLack,
) -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    move || {
        let briefs = briefs.get()?.ok()??;
        let brief = briefs.into_iter().find(|b| b.register_id == register_id)?;
        let zone = session.current_store()?.time_zone.0;
        let last = brief.last_sync_at.map(|at| (at, local_day(at, &zone)));
        let note = may_lack_note(
            brief.state,
            last,
            period_last_day.get(),
            now(),
            what,
            lang.get(),
        )?;
        Some(view! { <p class="may-lack" role="note">{format!("⚠ {note}")}</p> })
    }
}
