//! What the benches share: a bench server with a store, a signed-in client, a register and
//! its journal, medians.

use chrono::{Days, NaiveDate};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::store::{RegisterKind, RegisterStatus};
use multicaisse_core::ticket::{Ticket, TicketBody};
use multicaisse_server::config::ServeConfig;
use multicaisse_server::demo::generator::store_day;
use multicaisse_server::storage::{NewRegister, NewStore};
use serde_json::json;

pub(crate) const BENCH_EMAIL: &str = "bench@multicaisse.fr";
pub(crate) const BENCH_PASSWORD: &str = "banc d'essai multicaisse";

/// A client signed in as an account created for the bench, sending its CSRF token: the owner
/// of `owned_store` (as a store owner reads reports), or support staff.
pub(crate) async fn signed_in_client(
    storage: &dyn multicaisse_server::storage::Storage,
    base: &str,
    owned_store: Option<i64>,
) -> Result<reqwest::Client, String> {
    let user = multicaisse_server::accounts::create_user(
        storage,
        BENCH_EMAIL,
        "Bench",
        BENCH_PASSWORD,
        owned_store.is_none(),
    )
    .await
    .map_err(|e| e.to_string())?;
    if let Some(store) = owned_store {
        storage
            .grant(
                store,
                user.id,
                multicaisse_core::auth::Role::Owner,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let bare = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let me: serde_json::Value = bare
        .post(format!("{base}/api/auth/sign-in"))
        .json(&json!({ "email": BENCH_EMAIL, "password": BENCH_PASSWORD }))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let mut headers = reqwest::header::HeaderMap::new();
    let csrf = me["csrf_token"].as_str().unwrap_or_default();
    headers.insert(
        multicaisse_core::auth::CSRF_HEADER,
        reqwest::header::HeaderValue::from_str(csrf).map_err(|e| e.to_string())?,
    );
    reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())
}

/// A register's journal of `n` realistic tickets, sealed.
pub(crate) fn journal(n: usize) -> Vec<Ticket> {
    let mut bodies = Vec::with_capacity(n);
    // About 55 tickets a day: 100 000 tickets are five years of one shop, all in the past.
    let mut date = NaiveDate::from_ymd_opt(2020, 1, 2).unwrap_or_default();
    while bodies.len() < n {
        for sale in store_day(11, date, chrono_tz::Europe::Paris) {
            if bodies.len() == n {
                break;
            }
            bodies.push(TicketBody {
                sequence: bodies.len() as u64 + 1,
                kind: sale.kind,
                issued_at: sale.at,
                lines: sale.lines,
                payments: sale.payments,
            });
        }
        date = date + Days::new(1);
    }
    let mut previous = ChainHash::GENESIS;
    bodies
        .into_iter()
        .map(|b| {
            let t = b.seal(previous);
            previous = t.hash;
            t
        })
        .collect()
}

/// A server on a fresh database (a temporary SQLite file, or the PostgreSQL one given) with one
/// store of its own. The directory must outlive the server.
pub(crate) async fn bench_server(
    database_url: Option<String>,
    name: &str,
) -> Result<
    (
        multicaisse_server::RunningServer,
        tempfile::TempDir,
        multicaisse_core::store::Store,
    ),
    String,
> {
    let data = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut config = ServeConfig::local(data.path().to_path_buf(), data.path().join("no-dist"));
    config.database.database_url = database_url;
    let server = multicaisse_server::start(&config)
        .await
        .map_err(|e| e.to_string())?;
    let store = server
        .storage
        .insert_store(&NewStore {
            name: name.into(),
            siret: "83214567600017".into(),
            address: "Lyon".into(),
            vat_number: "FR32832145676".into(),
            time_zone: chrono_tz::Europe::Paris,
            fiscal_year_end_month: 12,
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok((server, data, store))
}

/// An active register of the bench's store: number 1 is the principal.
pub(crate) async fn bench_register(
    storage: &dyn multicaisse_server::storage::Storage,
    store_id: i64,
    number: u32,
) -> Result<multicaisse_core::store::Register, String> {
    let now = chrono::Utc::now();
    storage
        .insert_register(&NewRegister {
            store_id,
            number,
            label: format!("Caisse {number}"),
            kind: if number == 1 {
                RegisterKind::Principal
            } else {
                RegisterKind::Extra
            },
            status: RegisterStatus::Active,
            created_at: now,
            activated_at: Some(now),
            suspended_at: None,
        })
        .await
        .map_err(|e| e.to_string())
}

pub(crate) fn median_ms(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}
