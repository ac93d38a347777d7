//! Sync freshness: a store's registers, its sync plan and incidents (polled by the devices
//! page), its 14-day timeline, and the support fleet view across stores.

use super::query::{self, ApiQuery};
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::InStore;
use super::AppState;
use crate::charts;
use crate::error::{AppError, AppResult};
use crate::storage::freshness::FleetSource;
use axum::extract::State;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, TimeZone, Utc};
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::format::Lang;
use multicaisse_core::freshness::{
    store_freshness, FleetPage, FleetQuery, FleetRow, Moments, StoreFreshness, SyncBrief,
    FLEET_PAGE_SIZE, TIMELINE_DAYS,
};
use multicaisse_core::store::Store;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
struct StatusQuery {
    /// RFC 3339 instant: syncs completed after it are listed as the plan's steps done (default: now; at most 14 days back)
    #[schemars(length(max = 40))]
    since: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct TimelineQuery {
    /// fr (default) or en
    #[serde(default)]
    lang: Lang,
    /// ignored: a page changes it to get a fresh drawing past the browser's cache (the
    /// *Appareils* page sends each register's last sync time)
    #[schemars(length(max = 2000))]
    #[allow(dead_code)]
    v: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct FleetParams {
    /// part of the store's name (any case), or its id
    #[schemars(length(max = 100))]
    store: Option<String>,
    /// late, never_synced, needs_resync, up_to_date or out_of_service
    state: Option<String>,
    /// 1-based page of 50 registers, worst first
    page: Option<String>,
}

pub fn routes() -> ApiRoutes {
    let view_sync = Access::Store(Capability::ViewSync);
    ApiRoutes::default()
        .add(
            RouteDoc {
                query: query::parameters::<StatusQuery>,
                ..RouteDoc::new(Method::GET, "/stores/{store_id}/sync-status", "Each register's sync freshness and state, the sync plan, the lease holder and refused attempts (the devices page polls it)", view_sync, None, schema::<StoreFreshness>)
            },
            status,
        )
        .add(
            RouteDoc::new(Method::GET, "/stores/{store_id}/sync-brief", "Each register's sync state and last sync, for the pages that show its figures (whoever may see the sales)", Access::Store(Capability::ViewSales), None, schema::<Vec<SyncBrief>>),
            brief,
        )
        .add(
            RouteDoc {
                query: query::parameters::<TimelineQuery>,
                ..RouteDoc::new(Method::GET, "/stores/{store_id}/sync-timeline", "The last 14 days of sync attempts per register, as SVG", view_sync, None, schema::<String>).answers(&["image/svg+xml"])
            },
            timeline,
        )
        .add(
            RouteDoc {
                query: query::parameters::<FleetParams>,
                ..RouteDoc::new(Method::GET, "/fleet", "Every store's registers, worst sync state first, filtered and paginated (support staff)", Access::Support, None, schema::<FleetPage>)
            },
            fleet,
        )
}

/// Start of the store's business day containing `now`, in UTC.
fn today_start(store: &Store, now: DateTime<Utc>) -> DateTime<Utc> {
    let midnight = store.today(now).and_hms_opt(0, 0, 0).unwrap_or_default();
    store
        .time_zone
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(now - Duration::hours(24), |t| t.with_timezone(&Utc))
}

fn history_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(TIMELINE_DAYS)
}

/// The `since` of a status request: an RFC 3339 instant on a plausible day.
fn since_param(value: &str) -> Result<DateTime<Utc>, ParamError> {
    let instant = DateTime::parse_from_rfc3339(value)
        .map_err(|_| {
            ParamError::new(
                "since",
                format!("`{value}` is not an RFC 3339 instant (2026-11-30T14:05:00Z)"),
            )
        })?
        .with_timezone(&Utc);
    if !multicaisse_core::period::is_plausible(instant.date_naive()) {
        return Err(ParamError::new(
            "since",
            format!(
                "`{value}` {}",
                multicaisse_core::period::implausible_reason()
            ),
        ));
    }
    Ok(instant)
}

async fn status(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(asked): ApiQuery<StatusQuery>,
) -> AppResult<Json<StoreFreshness>> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    let now = Utc::now();
    let since = match asked.since {
        Some(value) => since_param(&value)?.max(history_start(now)),
        None => now,
    };
    let storage = state.storage.as_ref();
    let statuses = storage.sync_status(store.id).await?;
    let attempts = storage.sync_history(store.id, history_start(now)).await?;
    let leases = storage.leases(store.id, now.timestamp_millis()).await?;
    let moments = Moments {
        now,
        today_start: today_start(&store, now),
        since,
    };
    Ok(Json(store_freshness(
        &registers, statuses, &attempts, &leases, moments,
    )))
}

async fn timeline(
    State(state): State<AppState>,
    scope: InStore,
    ApiQuery(TimelineQuery { lang, .. }): ApiQuery<TimelineQuery>,
) -> AppResult<Response> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    let now = Utc::now();
    let attempts = state
        .storage
        .sync_history(store.id, history_start(now))
        .await?;
    let svg = charts::sync_timeline(&registers, &attempts, store.time_zone, now, lang)
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        svg,
    )
        .into_response())
}

async fn fleet(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<FleetParams>,
) -> AppResult<Json<FleetPage>> {
    let given = [
        ("store", &params.store),
        ("state", &params.state),
        ("page", &params.page),
    ];
    let asked = FleetQuery::parse(
        given
            .iter()
            .filter_map(|(name, value)| Some((*name, value.as_deref()?))),
    )?;
    let now = Utc::now();
    let offset = u64::from(asked.page - 1) * u64::from(FLEET_PAGE_SIZE);
    let slice = state
        .storage
        .fleet(
            FleetSource::Precomputed,
            asked.store.as_deref(),
            asked.state,
            now,
            FLEET_PAGE_SIZE,
            offset,
        )
        .await?;
    let pages = u32::try_from(slice.total.div_ceil(u64::from(FLEET_PAGE_SIZE)))
        .unwrap_or(u32::MAX)
        .max(1);
    if asked.page > pages {
        return Err(ParamError::new(
            "page",
            format!("page {} is past the last one ({pages})", asked.page),
        )
        .into());
    }
    Ok(Json(FleetPage {
        as_of: now,
        rows: slice
            .entries
            .into_iter()
            .map(|e| FleetRow {
                state: e.facts.state(now),
                store_id: e.store_id,
                store_name: e.store_name,
                register_id: e.register_id,
                number: e.number,
                label: e.label,
                facts: e.facts,
                last_attempt: e.last_attempt,
            })
            .collect(),
        page: asked.page,
        pages,
        total: slice.total,
        counts: slice.counts,
    }))
}

async fn brief(State(state): State<AppState>, scope: InStore) -> AppResult<Json<Vec<SyncBrief>>> {
    // A store that does not exist is a 404, not an empty list.
    let store = scope.store(&state).await?;
    let now = Utc::now();
    let rows = state.storage.sync_status(store.id).await?;
    Ok(Json(rows.iter().map(|row| row.brief(now)).collect()))
}
