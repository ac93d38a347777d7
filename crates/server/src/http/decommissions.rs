//! The decommission wizard of an extra register: started by the owner (or support), judged at
//! every look from the tickets, closures and syncs, suspended by support only when steps 2 to
//! 4 hold (which revokes the iPad), uninstalled by the owner. Every transition is in the audit
//! log with its evidence.

use super::caller::Caller;
use super::routes::{schema, Access, ApiRoutes, QueryParam, RouteDoc};
use super::{lang_only, AppState};
use crate::decommission;
use crate::error::AppResult;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::auth::Capability;
use multicaisse_core::decommission::Decommission;

const LANG_QUERY: &[QueryParam] = &[("lang", false, "fr (the default) or en, for the reasons")];

pub fn routes() -> ApiRoutes {
    let path = "/registers/{register_id}/decommission";
    let with_lang = |doc: RouteDoc| RouteDoc {
        query: LANG_QUERY,
        ..doc
    };
    ApiRoutes::default()
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                path,
                "Start decommissioning an extra register (owner, support); refused for the principal register, a register not in service, or one already being decommissioned",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            start,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::GET,
                path,
                "The register's decommission: each step's state, judged now from its tickets, closures and syncs, and what blocks in words",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            show,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                "/registers/{register_id}/decommission/suspend",
                "Step 5, support staff only, once steps 2 to 4 hold: the register suspended (billing ends today) and its iPad's token revoked",
                Access::Support,
                None,
                schema::<Decommission>,
            )),
            suspend,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                "/registers/{register_id}/decommission/uninstall",
                "Step 7: the owner confirms the app is uninstalled; the register is archived, its data and Z files kept",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            uninstall,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::POST,
                "/registers/{register_id}/decommission/cancel",
                "Cancel a decommission before its suspension",
                Access::Register(Capability::Decommission),
                None,
                schema::<Decommission>,
            )),
            cancel,
        )
        .add(
            with_lang(RouteDoc::new(
                Method::GET,
                "/decommissions",
                "Decommissions in progress across stores, each with its steps and what blocks (support staff)",
                Access::Support,
                None,
                schema::<Vec<Decommission>>,
            )),
            in_progress,
        )
}

async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let register = caller
        .register(&state, &id, Capability::Decommission)
        .await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::start(storage, &caller.user, &register, Utc::now(), lang).await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let register = caller
        .register(&state, &id, Capability::Decommission)
        .await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::show(storage, &register, Utc::now(), lang).await?,
    ))
}

async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    caller.require_support()?;
    let register = caller
        .register(&state, &id, Capability::Decommission)
        .await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::suspend(storage, &caller.user, &register, Utc::now(), lang).await?,
    ))
}

async fn uninstall(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let register = caller
        .register(&state, &id, Capability::Decommission)
        .await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::uninstall(storage, &caller.user, &register, Utc::now(), lang).await?,
    ))
}

async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Decommission>> {
    let lang = lang_only(query.as_deref())?;
    let register = caller
        .register(&state, &id, Capability::Decommission)
        .await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::cancel(storage, &caller.user, &register, Utc::now(), lang).await?,
    ))
}

async fn in_progress(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> AppResult<Json<Vec<Decommission>>> {
    let lang = lang_only(query.as_deref())?;
    caller.require_support()?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::in_progress(storage, Utc::now(), lang).await?,
    ))
}
