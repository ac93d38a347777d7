//! Z files: a register's closures, each verified against the tickets the server holds, and
//! downloadable per period.

use super::caller::Caller;
use super::json::ApiJson;
use super::routes::{schema, Access, ApiRoutes, QueryParam, RouteDoc};
use super::{query_pairs, store_or_404, AppState};
use crate::error::{AppError, AppResult};
use crate::zexport::{FileStatus, ZFile, ZFormat};
use crate::zfiles::{verify_register, Reading};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::fec::FecAccounts;
use multicaisse_core::format::slug;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::verification::RegisterVerification;
use multicaisse_core::zperiod::ZPeriod;

const Z_QUERY: &[QueryParam] = &[
    (
        "period",
        true,
        "a day (2026-11-29), a month (2026-11) or a fiscal year (FY2026, the one ending in 2026)",
    ),
    (
        "format",
        true,
        "csv, fec (the sales journal), json, pdf (printable, one page per closure), or zip: all four in one ZIP, verified once",
    ),
];

/// What `/registers/{register_id}/z` answers, by `format` (`ZFormat::content_type`, and zip).
const Z_MEDIA: &[&str] = &[
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/pdf",
    "application/zip",
];

const ZIP_QUERY: &[QueryParam] = &[
    ("month", true, "the month, 2026-11"),
    (
        "format",
        true,
        "csv, fec, json or pdf: the format of each register's file; zip: all four for each register",
    ),
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
            super::stores::get_doc(
                "/stores/{store_id}/fec-accounts",
                "The accounts of the store's sales journal (FEC): the owner's, or the French defaults (53, 511, 7071, 44571)",
                schema::<FecAccounts>,
            )
            .with_access(Access::Store(Capability::ViewClosures)),
            get_fec_accounts,
        )
        .add(
            RouteDoc::new(
                Method::PUT,
                "/stores/{store_id}/fec-accounts",
                "Set the accounts of the store's sales journal (owner, support)",
                Access::Store(Capability::ConfigureBookkeeping),
                Some(schema::<FecAccounts>),
                schema::<FecAccounts>,
            ),
            put_fec_accounts,
        )
        .add(
            RouteDoc {
                query: ZIP_QUERY,
                ..super::stores::get_doc(
                    "/stores/{store_id}/z.zip",
                    "Every register's Z files of a month in one ZIP: one file per register, and a summary of each one's verification and chain hash",
                    schema::<String>,
                )
                .with_access(Access::Store(Capability::ViewClosures))
                .answers(&["application/zip"])
            },
            month_zip,
        )
        .add(
            RouteDoc {
                query: Z_QUERY,
                ..super::stores::get_doc(
                    "/registers/{register_id}/z",
                    "A register's Z files of a period as a download (CSV, FEC, JSON or PDF, or all four in one ZIP), with their verification status (header X-Z-Verification) and chain hash (X-Z-Chain-Hash)",
                    schema::<String>,
                )
                .with_access(readers)
                .answers(Z_MEDIA)
            },
            z_file,
        )
}

async fn get_fec_accounts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<FecAccounts>> {
    let store = caller.store(&state, &id, Capability::ViewClosures).await?;
    Ok(Json(accounts_of(&state, store.id).await?))
}

async fn put_fec_accounts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(accounts): ApiJson<FecAccounts>,
) -> AppResult<Json<FecAccounts>> {
    let store = caller
        .store(&state, &id, Capability::ConfigureBookkeeping)
        .await?;
    accounts.validate()?;
    state.storage.set_fec_accounts(store.id, &accounts).await?;
    Ok(Json(accounts))
}

async fn accounts_of(state: &AppState, store_id: i64) -> AppResult<FecAccounts> {
    Ok(state
        .storage
        .fec_accounts(store_id)
        .await?
        .unwrap_or_default())
}

async fn verification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<RegisterVerification>> {
    let (store, register) = register_and_store(&state, &caller, &id).await?;
    Ok(Json(verified_today(&state, &store, &register).await?))
}

/// The register of a path parameter the caller may read the Z files of, and its store.
async fn register_and_store(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> AppResult<(Store, Register)> {
    let register = caller.register(state, id, Capability::ViewClosures).await?;
    let store = store_or_404(state.storage.as_ref(), register.store_id).await?;
    Ok((store, register))
}

/// A register verified as of the store's business day now: closures of periods over before
/// today are due.
async fn verified_today(
    state: &AppState,
    store: &Store,
    register: &Register,
) -> AppResult<RegisterVerification> {
    let today = store.today(chrono::Utc::now());
    Ok(verify_register(
        state.storage.as_ref(),
        store,
        register,
        today,
        Reading::Full,
    )
    .await?)
}

/// The period (named `period_name` in the query) and formats of a Z request, nothing else:
/// `format=zip` asks for every format.
fn z_params(
    query: Option<&str>,
    period_name: &'static str,
) -> Result<(ZPeriod, Vec<ZFormat>), ParamError> {
    let (mut period, mut format) = (None, None);
    for (name, value) in query_pairs(query)? {
        match name.as_str() {
            n if n == period_name => {
                period = Some(
                    ZPeriod::parse(&value).map_err(|e| ParamError::new(period_name, e.message))?,
                )
            }
            "format" if value == "zip" => format = Some(ZFormat::ALL.to_vec()),
            "format" => {
                format = Some(vec![ZFormat::parse(&value).ok_or_else(|| {
                    ParamError::new(
                        "format",
                        format!("`{value}` is not csv, fec, json, pdf or zip"),
                    )
                })?])
            }
            other => {
                return Err(ParamError::new(
                    other,
                    format!("is not a parameter: {period_name}, format"),
                ))
            }
        }
    }
    let period = period.ok_or_else(|| ParamError::new(period_name, "is missing"))?;
    let format = format
        .ok_or_else(|| ParamError::new("format", "is missing: csv, fec, json, pdf or zip"))?;
    Ok((period, format))
}

fn download(
    file_name: &str,
    content_type: &str,
    extra: [(header::HeaderName, String); 2],
    bytes: Vec<u8>,
) -> Response {
    let [first, second] = extra;
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            first,
            second,
        ],
        bytes,
    )
        .into_response()
}

async fn month_zip(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let (store, registers) = caller
        .store_and_registers(&state, &id, Capability::ViewClosures)
        .await?;
    let (period, formats) = z_params(query.as_deref(), "month")?;
    if !matches!(period, ZPeriod::Month(_)) {
        return Err(
            ParamError::new("month", format!("`{period}` is not a month (2026-11)")).into(),
        );
    }
    let today = store.today(chrono::Utc::now());
    let mut files = Vec::new();
    // Every register, decommissioned ones included: their closures are kept and listed.
    for register in &registers {
        let verification = verify_register(
            state.storage.as_ref(),
            &store,
            register,
            today,
            Reading::Full,
        )
        .await?;
        files.push(ZFile::new(&store, register, period, &verification));
    }
    let accounts = accounts_of(&state, store.id).await?;
    let bytes = zip_of(&files, &formats, &accounts)
        .map_err(|e| AppError::Unavailable(format!("cannot write the ZIP: {e}")))?;
    let overall = files
        .iter()
        .map(|f| f.status)
        .max_by_key(|s| match s {
            FileStatus::Verified => 0,
            FileStatus::Incomplete => 1,
            FileStatus::Mismatch => 2,
        })
        .unwrap_or(FileStatus::Verified);
    Ok(download(
        &format!("z-{}-{period}.zip", slug(&store.name)),
        "application/zip",
        [
            (
                header::HeaderName::from_static("x-z-verification"),
                overall.code().to_string(),
            ),
            (
                header::HeaderName::from_static("x-z-registers"),
                files.len().to_string(),
            ),
        ],
        bytes,
    ))
}

/// One file per register and format, and `verification.txt` saying in words how each
/// register's files stand.
fn zip_of(files: &[ZFile], formats: &[ZFormat], accounts: &FecAccounts) -> Result<Vec<u8>, String> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut summary = String::new();
    for file in files {
        for format in formats {
            let bytes = file.render(*format, accounts)?;
            zip.start_file(file.file_name(*format), options)
                .map_err(|e| e.to_string())?;
            zip.write_all(&bytes).map_err(|e| e.to_string())?;
        }
        summary.push_str(&format!(
            "Caisse {} ({}) — {} : {} — {} clôture(s), manquantes : {} — hash de chaîne : {}\r\n",
            file.register.number,
            file.register.label,
            file.period,
            file.status.french(),
            file.closures.len(),
            if file.missing.is_empty() {
                "aucune".to_string()
            } else {
                file.missing.join(", ")
            },
            file.chain_hash
                .map_or_else(|| "-".to_string(), |h| h.to_hex()),
        ));
    }
    zip.start_file("verification.txt", options)
        .map_err(|e| e.to_string())?;
    zip.write_all(summary.as_bytes())
        .map_err(|e| e.to_string())?;
    let cursor = zip.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

async fn z_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let (store, register) = register_and_store(&state, &caller, &id).await?;
    let (period, formats) = z_params(query.as_deref(), "period")?;
    let verification = verified_today(&state, &store, &register).await?;
    let file = ZFile::new(&store, &register, period, &verification);
    let accounts = accounts_of(&state, store.id).await?;
    let chain_hash = (
        header::HeaderName::from_static("x-z-chain-hash"),
        file.chain_hash.map_or_else(String::new, |h| h.to_hex()),
    );
    let status = (
        header::HeaderName::from_static("x-z-verification"),
        file.status.code().to_string(),
    );
    match formats.as_slice() {
        [format] => {
            let bytes = file
                .render(*format, &accounts)
                .map_err(|e| AppError::Unavailable(format!("cannot write the Z file: {e}")))?;
            Ok(download(
                &file.file_name(*format),
                format.content_type(),
                [status, chain_hash],
                bytes,
            ))
        }
        _ => {
            let bytes = zip_of(std::slice::from_ref(&file), &formats, &accounts)
                .map_err(|e| AppError::Unavailable(format!("cannot write the ZIP: {e}")))?;
            Ok(download(
                &file.zip_name(),
                "application/zip",
                [status, chain_hash],
                bytes,
            ))
        }
    }
}
