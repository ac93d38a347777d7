//! Z files: a register's closures, each verified against the tickets the server holds, and
//! downloadable per period.

use super::caller::Caller;
use super::routes::{schema, Access, ApiRoutes, QueryParam, RouteDoc};
use super::{query_pairs, store_or_404, AppState};
use crate::error::{AppError, AppResult};
use crate::zexport::{ZFile, ZFormat};
use crate::zfiles::verify_register;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::fec::FecAccounts;
use multicaisse_core::verification::RegisterVerification;
use multicaisse_core::zperiod::ZPeriod;

const Z_QUERY: &[QueryParam] = &[
    (
        "period",
        true,
        "a day (2026-11-29), a month (2026-11) or a fiscal year (FY2026, the one ending in 2026)",
    ),
    ("format", true, "csv, fec (the sales journal) or json"),
];

pub fn routes() -> ApiRoutes {
    let readers = Access::Register(Capability::ViewClosures);
    ApiRoutes::default()
        .add(
            super::stores::get_doc(
                "/registers/{register_id}/verification",
                "A register's journal verified end to end: ticket and closure chains (intact up to which number, first break), each closure recomputed from the tickets, and closures due but not received",
                schema::<RegisterVerification>,
            )
            .with_access(readers),
            verification,
        )
        .add(
            RouteDoc {
                query: Z_QUERY,
                ..super::stores::get_doc(
                    "/registers/{register_id}/z",
                    "A register's Z files of a period as a download (CSV, FEC or JSON), with their verification status (header X-Z-Verification) and chain hash (X-Z-Chain-Hash)",
                    schema::<String>,
                )
                .with_access(readers)
            },
            z_file,
        )
}

async fn verification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<RegisterVerification>> {
    let register = caller
        .register(&state, &id, Capability::ViewClosures)
        .await?;
    let store = store_or_404(state.storage.as_ref(), register.store_id).await?;
    Ok(Json(
        verify_register(
            state.storage.as_ref(),
            &store,
            &register,
            store.today(chrono::Utc::now()),
        )
        .await?,
    ))
}

async fn z_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let register = caller
        .register(&state, &id, Capability::ViewClosures)
        .await?;
    let (mut period, mut format) = (None, None);
    for (name, value) in query_pairs(query.as_deref()) {
        match name.as_str() {
            "period" => period = Some(ZPeriod::parse(&value)?),
            "format" => {
                format = Some(ZFormat::parse(&value).ok_or_else(|| {
                    ParamError::new("format", format!("`{value}` is not csv, fec or json"))
                })?)
            }
            other => {
                return Err(ParamError::new(other, "is not a parameter: period, format").into())
            }
        }
    }
    let period = period.ok_or_else(|| ParamError::new("period", "is missing"))?;
    let format = format.ok_or_else(|| ParamError::new("format", "is missing: csv, fec or json"))?;
    let store = store_or_404(state.storage.as_ref(), register.store_id).await?;
    let verification = verify_register(
        state.storage.as_ref(),
        &store,
        &register,
        store.today(chrono::Utc::now()),
    )
    .await?;
    let file = ZFile::new(&store, &register, period, &verification);
    let bytes = file
        .render(format, &FecAccounts::default())
        .map_err(|e| AppError::Unavailable(format!("cannot write the Z file: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name(format)),
            ),
            (
                header::HeaderName::from_static("x-z-verification"),
                file.status.code().to_string(),
            ),
            (
                header::HeaderName::from_static("x-z-chain-hash"),
                file.chain_hash.map_or_else(String::new, |h| h.to_hex()),
            ),
        ],
        bytes,
    )
        .into_response())
}
