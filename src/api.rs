//! The one typed client of the server's API. Every request of the app goes through here and
//! decodes into `multicaisse-core` types, so the app and the server cannot drift apart.

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::{Request, RequestBuilder, Response};
use multicaisse_core::api::{
    ApiError, Conflict, SalesCharts, SalesPeriod, SalesReport, TicketDetail, TicketPage,
};
use multicaisse_core::auth::{
    AuditEntry, AuditTopic, Invitation, InvitationPreview, Me, PasswordChanged, PasswordWasReset,
    ResetLink, ResetRequested, Role, StoreAccess, CSRF_HEADER,
};
use multicaisse_core::decommission::Decommission;
use multicaisse_core::format::Lang;
use multicaisse_core::identity::{ShopCreated, ShopRequest};
use multicaisse_core::requests::{Activation, RegisterRequest, RegisterRequestBody};
use multicaisse_core::store::{Register, Store};
use multicaisse_core::subscription::Billing;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// What went wrong, in words the page can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The server could not be reached.
    Network(String),
    /// The server answered with an error; `conflict` when the page can word it itself.
    Api {
        status: u16,
        message: String,
        conflict: Option<Conflict>,
    },
    /// Sign-in is closed for this many seconds after repeated failures.
    Throttled { retry_after_seconds: u32 },
    /// The server answered something this app does not understand.
    Decode(String),
}

impl ClientError {
    /// What went wrong, as the pages word it.
    pub fn failure(&self) -> multicaisse_core::failure::Failure {
        use multicaisse_core::failure::Failure;
        match self {
            ClientError::Network(_) => Failure::Unreachable,
            ClientError::Api { status, .. } => Failure::of_status(*status),
            ClientError::Throttled {
                retry_after_seconds,
            } => Failure::Throttled {
                retry_after_seconds: *retry_after_seconds,
            },
            ClientError::Decode(_) => Failure::Misunderstood,
        }
    }

    /// What to show under a form, in `lang` when the refusal is one the pages word
    /// (`core::api::Conflict`); otherwise the server's own reason (it names what is wrong), or
    /// the whole error.
    pub fn said(&self, lang: Lang) -> String {
        match self {
            ClientError::Api {
                conflict: Some(conflict),
                ..
            } => conflict.describe(lang).to_string(),
            ClientError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Network(e) => write!(f, "network: {e}"),
            ClientError::Api {
                status, message, ..
            } => write!(f, "{status}: {message}"),
            ClientError::Throttled {
                retry_after_seconds,
            } => write!(f, "429: try again in {retry_after_seconds} s"),
            ClientError::Decode(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

thread_local! {
    /// The session's CSRF token, sent with every state-changing request.
    static CSRF_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Told when the server says the session is over (expired, revoked), so the app shows the
    /// sign-in page instead of an error.
    static ON_SIGNED_OUT: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

pub fn remember_session(me: Option<&Me>) {
    CSRF_TOKEN.with(|token| *token.borrow_mut() = me.map(|me| me.csrf_token.clone()));
}

pub fn on_signed_out(hook: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
}

/// The body of a successful answer, as text; an error answer as a `ClientError`. Not generic,
/// so that one copy of it serves every request: generic, it was compiled again for each
/// type an answer decodes into, which weighed on the wasm.
async fn answer_text(
    path: &str,
    response: Result<Response, gloo_net::Error>,
) -> Result<String, ClientError> {
    let response = response.map_err(|e| ClientError::Network(e.to_string()))?;
    if !response.ok() {
        let status = response.status();
        if status == 429 {
            let retry_after_seconds = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30);
            return Err(ClientError::Throttled {
                retry_after_seconds,
            });
        }
        if status == 401 && !path.starts_with("/api/auth/") && !path.starts_with("/api/invitations")
        {
            ON_SIGNED_OUT.with(|hook| {
                if let Some(hook) = hook.borrow().as_ref() {
                    hook();
                }
            });
        }
        let (message, conflict) = match response.json::<ApiError>().await {
            Ok(e) => (e.error, e.conflict),
            Err(_) => (response.status_text(), None),
        };
        return Err(ClientError::Api {
            status,
            message,
            conflict,
        });
    }
    response
        .text()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ClientError> {
    serde_json::from_str(text).map_err(|e| ClientError::Decode(e.to_string()))
}

async fn fetch_text(path: &str) -> Result<String, ClientError> {
    let response = Request::get(path)
        .header("Accept", "application/json")
        .send()
        .await;
    answer_text(path, response).await
}

type Answer = Shared<LocalBoxFuture<'static, Result<String, ClientError>>>;

thread_local! {
    /// Answers asked for ahead of the page that reads them ([`fetch_ahead`]), with when.
    static AHEAD: RefCell<HashMap<String, (f64, Answer)>> = RefCell::new(HashMap::new());
}

/// An answer asked for ahead is taken by the first read of its path within this time; an older
/// one (the person went elsewhere) is not the state of things any more.
const AHEAD_FOR_MS: f64 = 10_000.0;

/// Asks for `path` now, for the page about to read it: the answer travels while the page is
/// drawn, and the page's first read of it takes this answer instead of asking again.
pub fn fetch_ahead(path: String) {
    let answer: Answer = {
        let path = path.clone();
        async move { fetch_text(&path).await }
            .boxed_local()
            .shared()
    };
    AHEAD.with(|ahead| {
        ahead
            .borrow_mut()
            .insert(path, (js_sys::Date::now(), answer.clone()))
    });
    // Driven from here, so it arrives whether or not the page has asked yet.
    leptos::task::spawn_local(async move {
        let _ = answer.await;
    });
}

async fn get_text(path: &str) -> Result<String, ClientError> {
    let ahead = AHEAD.with(|ahead| ahead.borrow_mut().remove(path));
    match ahead {
        Some((at, answer)) if js_sys::Date::now() - at < AHEAD_FOR_MS => {
            let answer = answer.await;
            // Often there before the page: without a pause the page and its figures would be
            // drawn in one long task, with no paint and no touch handled in between.
            yield_to_browser().await;
            answer
        }
        _ => fetch_text(path).await,
    }
}

/// Goes on in a task of its own, once the browser has had its turn (a timer of 0 ms).
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let waited = web_sys::window()
            .map(|window| window.set_timeout_with_callback(&resolve).is_ok())
            .unwrap_or(false);
        if !waited {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ClientError> {
    decode(&get_text(path).await?)
}

/// A state-changing request with its JSON body and the session's CSRF token.
async fn send_json(
    path: &str,
    request: RequestBuilder,
    body: Value,
) -> Result<String, ClientError> {
    let mut request = request.header("Accept", "application/json");
    if let Some(token) = CSRF_TOKEN.with(|t| t.borrow().clone()) {
        request = request.header(CSRF_HEADER, &token);
    }
    let response = match request.json(&body) {
        Ok(request) => request.send().await,
        Err(e) => return Err(ClientError::Decode(e.to_string())),
    };
    answer_text(path, response).await
}

async fn post_text(path: &str, body: Value) -> Result<String, ClientError> {
    send_json(path, Request::post(path), body).await
}

async fn post<T: DeserializeOwned>(path: &str, body: Value) -> Result<T, ClientError> {
    decode(&post_text(path, body).await?)
}

async fn put<T: DeserializeOwned>(path: &str, body: Value) -> Result<T, ClientError> {
    decode(&send_json(path, Request::put(path), body).await?)
}

/// A forgotten password: the answer is the same whether the address has an account or not.
pub async fn request_password_reset(
    email: String,
    lang: Lang,
) -> Result<ResetRequested, ClientError> {
    post(
        "/api/auth/password-reset",
        json!({ "email": email, "lang": lang }),
    )
    .await
}

/// A new password from a reset link's token.
pub async fn reset_password(
    token: &str,
    new_password: String,
) -> Result<PasswordWasReset, ClientError> {
    post(
        &format!("/api/auth/password-reset/{token}"),
        json!({ "new_password": new_password }),
    )
    .await
}

pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<PasswordChanged, ClientError> {
    post(
        "/api/auth/password",
        json!({ "current_password": current_password, "new_password": new_password }),
    )
    .await
}

/// Support makes a reset link to hand over; `lang` is the e-mail's, when one is sent.
pub async fn support_reset_link(email: String, lang: Lang) -> Result<ResetLink, ClientError> {
    post(
        "/api/support/reset-links",
        json!({ "email": email, "lang": lang }),
    )
    .await
}

/// Support opens a shop with its principal register.
pub async fn open_shop(shop: &ShopRequest) -> Result<ShopCreated, ClientError> {
    post("/api/stores", json!(shop)).await
}

/// The owner (or support) corrects the shop's identity.
pub async fn update_shop(store_id: i64, shop: &ShopRequest) -> Result<Store, ClientError> {
    put(&format!("/api/stores/{store_id}"), json!(shop)).await
}

/// Support invites a new shop's first owner; `lang` is the e-mail's.
pub async fn invite_first_owner(
    store_id: i64,
    email: String,
    lang: Lang,
) -> Result<Invitation, ClientError> {
    post(
        &format!("/api/stores/{store_id}/owner-invitation"),
        json!({ "email": email, "lang": lang }),
    )
    .await
}

pub async fn me() -> Result<Me, ClientError> {
    get("/api/auth/me").await
}

pub async fn sign_in(email: String, password: String) -> Result<Me, ClientError> {
    post(
        "/api/auth/sign-in",
        json!({ "email": email, "password": password }),
    )
    .await
}

pub async fn sign_out() -> Result<(), ClientError> {
    // The answer's body says nothing the app needs: skipped, not decoded into a `Value`.
    post::<serde::de::IgnoredAny>("/api/auth/sign-out", json!({}))
        .await
        .map(|_| ())
}

pub async fn stores() -> Result<Vec<Store>, ClientError> {
    get("/api/stores").await
}

pub async fn sync_status(
    store_id: i64,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<multicaisse_core::freshness::StoreFreshness, ClientError> {
    get(&sync_status_path(store_id, since)).await
}

pub fn sync_status_path(store_id: i64, since: chrono::DateTime<chrono::Utc>) -> String {
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    format!("/api/stores/{store_id}/sync-status?since={since}")
}

/// Each register's sync state, for the pages that show its figures.
pub async fn store_alerts(
    store_id: i64,
) -> Result<Vec<multicaisse_core::alerts::OpenAlert>, ClientError> {
    get(&store_alerts_path(store_id)).await
}

pub fn store_alerts_path(store_id: i64) -> String {
    format!("/api/stores/{store_id}/alerts")
}

pub async fn fleet_alerts() -> Result<Vec<multicaisse_core::alerts::OpenAlert>, ClientError> {
    get("/api/alerts").await
}

pub async fn glance(store_id: i64) -> Result<multicaisse_core::glance::Glance, ClientError> {
    get(&glance_path(store_id)).await
}

pub fn glance_path(store_id: i64) -> String {
    format!("/api/stores/{store_id}/glance")
}

pub async fn sync_brief(
    store_id: i64,
) -> Result<Vec<multicaisse_core::freshness::SyncBrief>, ClientError> {
    get(&sync_brief_path(store_id)).await
}

pub fn sync_brief_path(store_id: i64) -> String {
    format!("/api/stores/{store_id}/sync-brief")
}

pub async fn fleet(
    store: String,
    state: Option<multicaisse_core::freshness::SyncState>,
    page: u32,
) -> Result<multicaisse_core::freshness::FleetPage, ClientError> {
    let mut query = form_urlencoded_pair("page", &page.to_string());
    if !store.trim().is_empty() {
        query.push('&');
        query.push_str(&form_urlencoded_pair("store", store.trim()));
    }
    if let Some(state) = state {
        query.push_str(&format!("&state={}", state.code()));
    }
    get(&format!("/api/fleet?{query}")).await
}

/// `name=value` with the value percent-encoded (by the browser's encodeURIComponent).
fn form_urlencoded_pair(name: &str, value: &str) -> String {
    format!(
        "{name}={}",
        String::from(js_sys::encode_uri_component(value))
    )
}

/// What the Z page shows of each register's verification: not the closures' figures, a tenth
/// of the bytes over a year; every register in one answer.
pub async fn verification_briefs(
    store_id: i64,
) -> Result<Vec<multicaisse_core::verification::RegisterBrief>, ClientError> {
    get(&verification_briefs_path(store_id)).await
}

pub fn verification_briefs_path(store_id: i64) -> String {
    format!("/api/stores/{store_id}/verification/brief")
}

/// A file the server produces (a Z file, a ZIP): its bytes, once all arrived.
pub async fn download(path: &str) -> Result<Vec<u8>, ClientError> {
    let response = Request::get(path)
        .send()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))?;
    if !response.ok() {
        // The same error handling as JSON calls: the body says what was wrong.
        return answer_text(path, Ok(response)).await.map(|_| Vec::new());
    }
    response
        .binary()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))
}

pub async fn subscription(
    store_id: i64,
) -> Result<multicaisse_core::subscription::Subscription, ClientError> {
    get(&format!("/api/stores/{store_id}/subscription")).await
}

/// Each register's checklist in words, in `lang`.
pub async fn setup(
    store_id: i64,
    lang: Lang,
) -> Result<Vec<multicaisse_core::setup::SetupInWords>, ClientError> {
    get(&setup_path(store_id, lang)).await
}

pub fn setup_path(store_id: i64, lang: Lang) -> String {
    format!("/api/stores/{store_id}/setup?lang={}", lang.code())
}

pub async fn register_requests(store_id: i64) -> Result<Vec<RegisterRequest>, ClientError> {
    get(&format!("/api/stores/{store_id}/register-requests")).await
}

pub async fn request_register(
    store_id: i64,
    body: RegisterRequestBody,
) -> Result<RegisterRequest, ClientError> {
    post(
        &format!("/api/stores/{store_id}/register-requests"),
        json!(body),
    )
    .await
}

/// Support's queue across stores: the pending requests, or every one.
pub async fn request_queue(all: bool) -> Result<Vec<RegisterRequest>, ClientError> {
    get(&request_queue_path(all)).await
}

pub fn request_queue_path(all: bool) -> String {
    let status = if all { "all" } else { "pending" };
    format!("/api/register-requests?status={status}")
}

pub async fn activate_request(request_id: i64) -> Result<Activation, ClientError> {
    post(
        &format!("/api/register-requests/{request_id}/activate"),
        json!({}),
    )
    .await
}

pub async fn refuse_request(
    request_id: i64,
    reason: String,
) -> Result<RegisterRequest, ClientError> {
    post(
        &format!("/api/register-requests/{request_id}/refuse"),
        json!({ "reason": reason }),
    )
    .await
}

/// What the service bills for `month` (`2026-11`), or this month.
pub async fn billing(month: Option<String>) -> Result<Billing, ClientError> {
    get(&billing_path(month.as_deref())).await
}

pub fn billing_path(month: Option<&str>) -> String {
    match month {
        Some(month) => format!("/api/billing?month={month}"),
        None => "/api/billing".to_string(),
    }
}

/// The register's decommission, or `None` when none was started.
pub async fn decommission(
    register_id: i64,
    lang: Lang,
) -> Result<Option<Decommission>, ClientError> {
    match get(&format!(
        "/api/registers/{register_id}/decommission?lang={}",
        lang.code()
    ))
    .await
    {
        Ok(found) => Ok(Some(found)),
        Err(ClientError::Api { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A decommission action: `""` starts one, `"suspend"`, `"uninstall"`, `"cancel"` move it.
pub async fn decommission_action(
    register_id: i64,
    action: &str,
    lang: Lang,
) -> Result<Decommission, ClientError> {
    let path = match action {
        "" => format!("/api/registers/{register_id}/decommission"),
        action => format!("/api/registers/{register_id}/decommission/{action}"),
    };
    post(&format!("{path}?lang={}", lang.code()), json!({})).await
}

/// Support's view: every decommission in progress across stores.
pub async fn decommissions(lang: Lang) -> Result<Vec<Decommission>, ClientError> {
    get(&decommissions_path(lang)).await
}

pub fn decommissions_path(lang: Lang) -> String {
    format!("/api/decommissions?lang={}", lang.code())
}

/// A store's decommissions in progress.
pub async fn store_decommissions(store_id: i64) -> Result<Vec<Decommission>, ClientError> {
    get(&format!("/api/stores/{store_id}/decommissions")).await
}

pub async fn registers(store_id: i64) -> Result<Vec<Register>, ClientError> {
    get(&format!("/api/stores/{store_id}/registers")).await
}

pub async fn sales(store_id: i64, period: SalesPeriod) -> Result<SalesReport, ClientError> {
    get(&sales_path(store_id, &period)).await
}

pub fn sales_path(store_id: i64, period: &SalesPeriod) -> String {
    format!("/api/stores/{store_id}/sales?{}", period.query())
}

pub async fn sales_charts(store_id: i64, period: SalesPeriod) -> Result<SalesCharts, ClientError> {
    get(&sales_charts_path(store_id, &period)).await
}

pub fn sales_charts_path(store_id: i64, period: &SalesPeriod) -> String {
    format!("/api/stores/{store_id}/sales/charts?{}", period.query())
}

pub async fn tickets(
    register_id: i64,
    period: SalesPeriod,
    search: String,
    page: u32,
) -> Result<TicketPage, ClientError> {
    let q: String = js_sys::encode_uri_component(&search).into();
    get(&format!(
        "/api/registers/{register_id}/tickets?{}&q={q}&page={page}",
        period.query()
    ))
    .await
}

pub async fn ticket(register_id: i64, sequence: u64) -> Result<TicketDetail, ClientError> {
    get(&format!("/api/registers/{register_id}/tickets/{sequence}")).await
}

/// Where a sales chart's SVG is (shown as an image).
pub fn sales_chart_url(store_id: i64, period: SalesPeriod, kind: &str, lang: Lang) -> String {
    format!(
        "/api/stores/{store_id}/sales/chart?kind={kind}&lang={}&{}",
        lang.code(),
        period.query()
    )
}

/// The report as CSV, downloaded by the browser (the session cookie goes with it).
pub fn sales_csv_url(store_id: i64, period: SalesPeriod) -> String {
    format!("/api/stores/{store_id}/sales.csv?{}", period.query())
}

pub async fn access(store_id: i64) -> Result<StoreAccess, ClientError> {
    get(&format!("/api/stores/{store_id}/access")).await
}

/// `lang` is the e-mail's, when the server sends one: the page's.
pub async fn invite(
    store_id: i64,
    email: String,
    lang: multicaisse_core::format::Lang,
) -> Result<Invitation, ClientError> {
    post(
        &format!("/api/stores/{store_id}/invitations"),
        json!({ "email": email, "role": "accountant", "lang": lang }),
    )
    .await
}

pub async fn cancel_invitation(
    store_id: i64,
    invitation_id: i64,
) -> Result<Invitation, ClientError> {
    post(
        &format!("/api/stores/{store_id}/invitations/{invitation_id}/cancel"),
        json!({}),
    )
    .await
}

pub async fn revoke(store_id: i64, user_id: i64) -> Result<StoreAccess, ClientError> {
    post(
        &format!("/api/stores/{store_id}/members/{user_id}/revoke"),
        json!({}),
    )
    .await
}

pub async fn set_role(store_id: i64, user_id: i64, role: Role) -> Result<StoreAccess, ClientError> {
    post(
        &format!("/api/stores/{store_id}/members/{user_id}/role"),
        json!({ "role": role.code() }),
    )
    .await
}

/// The store's log, or everything for support staff.
/// A page of the journal: a store's (or every store's, for support), of one topic or all,
/// older than the entry `before` when given.
pub async fn audit(
    store_id: Option<i64>,
    topic: Option<AuditTopic>,
    before: Option<i64>,
) -> Result<Vec<AuditEntry>, ClientError> {
    let path = match store_id {
        Some(id) => format!("/api/stores/{id}/audit"),
        None => "/api/audit".to_string(),
    };
    get(&format!(
        "{path}?{}",
        multicaisse_core::auth::audit_query(topic, before)
    ))
    .await
}

pub async fn invitation(token: String) -> Result<InvitationPreview, ClientError> {
    get(&format!("/api/invitations/{token}")).await
}

pub async fn accept_invitation(
    token: String,
    password: String,
    display_name: String,
) -> Result<Me, ClientError> {
    post(
        "/api/invitations/accept",
        json!({ "token": token, "password": password, "display_name": display_name }),
    )
    .await
}
