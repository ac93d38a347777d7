//! Z files: a register's closures, each verified against the tickets the server holds, and
//! downloadable per period.

use super::json::ApiJson;
use super::query::ApiQuery;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::{InStore, OnRegister};
use super::AppState;
use crate::error::{AppError, AppResult};
use crate::zexport::{FileStatus, ZFile, ZFormat};
use crate::zfiles::{verify_register, Reading};
use axum::extract::State;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use multicaisse_core::api::ParamError;
use multicaisse_core::auth::Capability;
use multicaisse_core::fec::FecAccounts;
use multicaisse_core::format::slug;
use multicaisse_core::store::{Register, Store};
use multicaisse_core::verification::{RegisterBrief, RegisterVerification};
use multicaisse_core::zperiod::ZPeriod;
use schemars::JsonSchema;
use serde::Deserialize;

/// The format a Z request asks for.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum AskedFormat {
    Csv,
    Fec,
    Json,
    Pdf,
    Zip,
}

impl AskedFormat {
    /// The files it makes: `zip` makes every format.
    fn formats(self) -> Vec<ZFormat> {
        match self {
            AskedFormat::Csv => vec![ZFormat::Csv],
            AskedFormat::Fec => vec![ZFormat::Fec],
            AskedFormat::Json => vec![ZFormat::Json],
            AskedFormat::Pdf => vec![ZFormat::Pdf],
            AskedFormat::Zip => ZFormat::ALL.to_vec(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ZQuery {
    /// a day (2026-11-29), a month (2026-11) or a fiscal year (FY2026, the one ending in 2026)
    #[schemars(length(max = 10))]
    period: String,
    /// csv, fec (the sales journal), json, pdf (printable, one page per closure), or zip: all four in one ZIP, verified once
    format: AskedFormat,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ZipQuery {
    /// the month, 2026-11
    #[schemars(length(max = 7))]
    month: String,
    /// csv, fec, json or pdf: the format of each register's file; zip: all four for each register
    format: AskedFormat,
}

/// What `/registers/{register_id}/z` answers, by `format` (`ZFormat::content_type`, and zip).
const Z_MEDIA: &[&str] = &[
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/pdf",
    "application/zip",
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
                "/stores/{store_id}/verification/brief",
                "Each register of the store with its verification in brief, as the Z page shows it: both chains, each closure's period and whether it holds (without its figures and hashes), and closures due but not received",
                schema::<Vec<RegisterBrief>>,
            )
            .with_access(Access::Store(Capability::ViewClosures)),
            verification_briefs,
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
            super::stores::get_doc(
                "/stores/{store_id}/z.zip",
                "Every register's Z files of a month in one ZIP: one file per register, and a summary of each one's verification and chain hash",
                schema::<String>,
            )
            .with_access(Access::Store(Capability::ViewClosures))
            .with_query::<ZipQuery>()
            .answers(&["application/zip"]),
            month_zip,
        )
        .add(
            super::stores::get_doc(
                "/registers/{register_id}/z",
                "A register's Z files of a period as a download (CSV, FEC, JSON or PDF, or all four in one ZIP), with their verification status (header X-Z-Verification) and chain hash (X-Z-Chain-Hash)",
                schema::<String>,
            )
            .with_access(readers)
            .with_query::<ZQuery>()
            .answers(Z_MEDIA),
            z_file,
        )
}

async fn get_fec_accounts(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<FecAccounts>> {
    let store = scope.store(&state).await?;
    Ok(Json(accounts_of(&state, store.id).await?))
}

async fn put_fec_accounts(
    State(state): State<AppState>,
    scope: InStore,
    ApiJson(accounts): ApiJson<FecAccounts>,
) -> AppResult<Json<FecAccounts>> {
    let store = scope.store(&state).await?;
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
    scope: OnRegister,
) -> AppResult<Json<RegisterVerification>> {
    let store = scope.store(&state).await?;
    let register = scope.register;
    Ok(Json(verified_today(&state, &store, &register).await?))
}

async fn verification_briefs(
    State(state): State<AppState>,
    scope: InStore,
) -> AppResult<Json<Vec<RegisterBrief>>> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    // Side by side: each verification reads and rehashes a register's whole journal.
    let mut verifying = tokio::task::JoinSet::new();
    for (index, register) in registers.into_iter().enumerate() {
        let (state, store) = (state.clone(), store.clone());
        verifying.spawn(async move {
            let brief = verified_today(&state, &store, &register).await?.brief();
            AppResult::Ok((index, RegisterBrief { register, brief }))
        });
    }
    let mut briefs = Vec::with_capacity(verifying.len());
    while let Some(done) = verifying.join_next().await {
        briefs.push(done.map_err(|e| AppError::Internal(format!("a verification stopped: {e}")))??);
    }
    briefs.sort_by_key(|(index, _)| *index);
    Ok(Json(briefs.into_iter().map(|(_, brief)| brief).collect()))
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

/// A Z request's period, named `parameter` in its query.
fn z_period(parameter: &str, text: &str) -> Result<ZPeriod, ParamError> {
    ZPeriod::parse(text).map_err(|e| ParamError::new(parameter, e.message))
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
    scope: InStore,
    ApiQuery(asked): ApiQuery<ZipQuery>,
) -> AppResult<Response> {
    let (store, registers) = scope.store_and_registers(&state).await?;
    let (period, formats) = (z_period("month", &asked.month)?, asked.format.formats());
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
    scope: OnRegister,
    ApiQuery(asked): ApiQuery<ZQuery>,
) -> AppResult<Response> {
    let (store, register) = (scope.store(&state).await?, scope.register);
    let (period, formats) = (z_period("period", &asked.period)?, asked.format.formats());
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
