//! The decommission wizard of an extra register: started by the owner (or support), judged at
//! every look from the tickets, closures and syncs, suspended by support only when steps 2 to
//! 4 hold (which revokes the iPad), uninstalled by the owner. Every transition is in the audit
//! log with its evidence.

use super::caller::Caller;
use super::query::{ApiQuery, LangQuery};
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::{InStore, OnRegister};
use super::AppState;
use crate::decommission;
use crate::error::AppResult;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use chrono::Utc;
use multicaisse_core::api::parse_id;
use multicaisse_core::auth::Capability;
use multicaisse_core::decommission::Decommission;

pub fn routes() -> ApiRoutes {
    let path = "/registers/{register_id}/decommission";
    let with_lang = RouteDoc::with_query::<LangQuery>;
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
        .add(
            with_lang(RouteDoc::new(
                Method::GET,
                "/stores/{store_id}/decommissions",
                "The store's decommissions in progress, each with its steps (the register list marks them)",
                Access::Store(Capability::Decommission),
                None,
                schema::<Vec<Decommission>>,
            )),
            store_in_progress,
        )
}

async fn start(
    State(state): State<AppState>,
    scope: OnRegister,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Decommission>> {
    let storage = state.storage.as_ref();
    let (user, register) = (&scope.caller.user, &scope.register);
    Ok(Json(
        decommission::start(storage, user, register, Utc::now(), lang).await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    scope: OnRegister,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Decommission>> {
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::show(storage, &scope.register, Utc::now(), lang).await?,
    ))
}

/// Support staff only: the register by its id, whatever its store.
async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Decommission>> {
    let storage = state.storage.as_ref();
    let register = super::register_or_404(storage, parse_id("register_id", &id)?).await?;
    Ok(Json(
        decommission::suspend(storage, &caller.user, &register, Utc::now(), lang).await?,
    ))
}

async fn uninstall(
    State(state): State<AppState>,
    scope: OnRegister,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Decommission>> {
    let storage = state.storage.as_ref();
    let (user, register) = (&scope.caller.user, &scope.register);
    Ok(Json(
        decommission::uninstall(storage, user, register, Utc::now(), lang).await?,
    ))
}

async fn cancel(
    State(state): State<AppState>,
    scope: OnRegister,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Decommission>> {
    let storage = state.storage.as_ref();
    let (user, register) = (&scope.caller.user, &scope.register);
    Ok(Json(
        decommission::cancel(storage, user, register, Utc::now(), lang).await?,
    ))
}

async fn in_progress(
    State(state): State<AppState>,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Vec<Decommission>>> {
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::in_progress(storage, None, Utc::now(), lang).await?,
    ))
}

async fn store_in_progress(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(LangQuery { lang }): ApiQuery<LangQuery>,
) -> AppResult<Json<Vec<Decommission>>> {
    // A store that does not exist is a 404, not an empty list.
    let store = scope.store(&state).await?;
    let storage = state.storage.as_ref();
    Ok(Json(
        decommission::in_progress(storage, Some(store.id), Utc::now(), lang).await?,
    ))
}
