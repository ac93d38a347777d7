//! Requests nobody should send: extreme values in every query parameter and path id of every
//! route (from the router's own list), headers on every answer, what never leaks to a client.
//! The real server over HTTP, on SQLite and PostgreSQL.

use crate::support;

use multicaisse_core::auth::{Capability, Role};
use multicaisse_server::http::api_routes;
use multicaisse_server::http::routes::Access;
use serde_json::{json, Value};
use support::fixture::small_store;
use support::session::{add_member, Session};
use support::{Backend, TestApp};

/// Values a client could send where a date, a number, an id or a word is expected.
fn hostile_values() -> Vec<String> {
    vec![
        "-262143-01-01".into(),
        "+262143-12-31".into(),
        "262143-12-31".into(),
        "9999-99-99".into(),
        "9999-12-31".into(),
        "0000-01-01".into(),
        "1969-12-31".into(),
        "-262143-01".into(),
        "+262143-12".into(),
        "FY-262143".into(),
        "FY262143".into(),
        "-262143-01-01T00:00:00Z".into(),
        "+262143-12-31T23:59:59Z".into(),
        "9999-12-31T23:59:59Z".into(),
        i64::MAX.to_string(),
        i64::MIN.to_string(),
        u64::MAX.to_string(),
        "99999999999999999999999".into(),
        "-1".into(),
        "0".into(),
        "x".repeat(10_000),
        "\0".into(),
        "%00".into(),
        "\u{202e}".into(),
        "1e308".into(),
        "NaN".into(),
    ]
}

/// Parameters for which some of these values are fair questions, so a 200 is a right answer
/// too: free text (a store's name, a cache buster), a ticket number (any u64), an audit
/// cursor (any id; i64::MAX is its default). Everywhere else a hostile value is refused with a
/// 4xx naming the parameter.
const ANY_VALUE_MAY_DO: &[&str] = &["v", "store", "q", "before"];

/// A value each parameter accepts, so that a route answers 200 before a hostile value is put
/// in one parameter at a time.
fn valid_value(path: &str, name: &str) -> &'static str {
    match (path, name) {
        ("/registers/{register_id}/z", "period") => "2026-03",
        (_, "period") => "custom",
        (_, "from") => "2026-03-01",
        (_, "to") => "2026-03-31",
        (_, "month") => "2026-03",
        ("/stores/{store_id}/z.zip" | "/registers/{register_id}/z", "format") => "csv",
        (_, "kind") => "daily",
        (_, "lang") => "en",
        (_, "page") => "1",
        (_, "q") => "1",
        (_, "status") => "all",
        (_, "state") => "late",
        (_, "store") => "Cave",
        (_, "since") => "2026-03-01T00:00:00Z",
        (_, "before") => "1000",
        (_, "v") => "1",
        other => panic!("{other:?}: give this parameter a valid value in hostile_requests.rs"),
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Ids that exist in the fixture, for the path parameters not under attack.
fn valid_path(path: &str, store: i64, register: i64) -> String {
    path.replace("{store_id}", &store.to_string())
        .replace("{register_id}", &register.to_string())
        .replace("{sequence}", "1")
        .replace("{invitation_id}", "1")
        .replace("{user_id}", "1")
        .replace("{request_id}", "1")
        .replace("{token}", "unknown")
}

fn short(value: &str) -> String {
    if value.len() > 40 {
        format!("{}… ({} chars)", &value[..20], value.len())
    } else {
        format!("{value:?}")
    }
}

/// Sends one request as support staff; a dropped connection is an answer too, a wrong one.
async fn send(app: &TestApp, method: &str, path: &str) -> Result<(u16, Value), String> {
    send_as(&app.support, method, path).await
}

async fn send_as(session: &Session, method: &str, path: &str) -> Result<(u16, Value), String> {
    let url = format!("{}/api{path}", session.base);
    let client = &session.client;
    let request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url).json(&json!({})),
        "PUT" => client.put(url).json(&json!({})),
        other => panic!("no method {other} in the API"),
    };
    let response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("cut answer: {e}"))?;
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

async fn every_query_parameter_refuses_extreme_values(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let (store, register) = (fixture.store.id, fixture.registers[0].id);
    let mut wrong = Vec::new();
    let mut tried = 0;
    for doc in api_routes().docs() {
        let params = (doc.query)();
        let params: Vec<(&str, bool, &str)> = params
            .iter()
            .map(|p| (p.name.as_str(), p.required, p.description.as_str()))
            .collect();
        if params.is_empty() || doc.method != "GET" {
            continue;
        }
        let path = valid_path(doc.path, store, register);
        let query = |attacked: &str, value: &str| -> String {
            params
                .iter()
                .filter(|(name, required, _)| {
                    let with_custom_period = ["from", "to"].contains(name)
                        && valid_value(doc.path, "period") == "custom";
                    *required || *name == attacked || with_custom_period
                })
                .map(|(name, _, _)| {
                    let value = if *name == attacked {
                        value.to_string()
                    } else {
                        valid_value(doc.path, name).to_string()
                    };
                    format!("{name}={}", encode(&value))
                })
                .collect::<Vec<_>>()
                .join("&")
        };
        // A valid query gets past the parameters (the one route without data here says 404).
        let baseline = format!("{path}?{}", query("", ""));
        match send(&app, "GET", &baseline).await {
            Ok((200 | 404, _)) => {}
            other => wrong.push(format!("baseline GET {baseline}: {other:?}")),
        }
        // Both ends of a custom period at once: the range is then short, and only the dates'
        // own bounds stand between them and the date arithmetic.
        if params.iter().any(|(name, _, _)| *name == "from") {
            for value in hostile_values() {
                tried += 1;
                let both = query("from", &value).replace(
                    &format!("to={}", valid_value(doc.path, "to")),
                    &format!("to={}", encode(&value)),
                );
                let url = format!("{path}?{both}");
                let shown = format!("GET {} from=to={}", doc.path, short(&value));
                match send(&app, "GET", &url).await {
                    Err(e) => wrong.push(format!("{shown}: {e}")),
                    Ok((status, body))
                        if !(400..500).contains(&status) || body["parameter"] != "from" =>
                    {
                        wrong.push(format!("{shown}: {status} {body}"))
                    }
                    Ok(_) => {}
                }
            }
        }
        for (name, _, _) in &params {
            for value in hostile_values() {
                tried += 1;
                let url = format!("{path}?{}", query(name, &value));
                let shown = format!("GET {} {name}={}", doc.path, short(&value));
                match send(&app, "GET", &url).await {
                    Err(e) => wrong.push(format!("{shown}: {e}")),
                    Ok((status, _)) if status >= 500 => wrong.push(format!("{shown}: {status}")),
                    Ok((status, _)) if status < 400 && !ANY_VALUE_MAY_DO.contains(name) => {
                        wrong.push(format!("{shown}: {status}, accepted"))
                    }
                    Ok((status, body)) if status >= 400 && body["parameter"] != json!(name) => {
                        wrong.push(format!("{shown}: {status} without naming it: {body}"))
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    assert!(tried > 200, "only {tried} requests tried");
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every route, whatever its method: a parameter it does not take, and one of its own given
/// twice, are refused with a 400 naming them, before anything is read or written. A route's
/// documented parameters are the only ones it takes.
async fn every_route_refuses_unknown_and_repeated_parameters(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let (store, register) = (fixture.store.id, fixture.registers[0].id);
    let owner_email = "owner@canuts.test";
    add_member(
        app.storage().as_ref(),
        owner_email,
        "un mot de passe sûr",
        store,
        Role::Owner,
    )
    .await;
    let owner = Session::sign_in(&app.server.url(), owner_email, "un mot de passe sûr").await;
    let before = app.audit_log().await.len();
    let mut wrong = Vec::new();
    let mut tried = 0;
    for doc in api_routes().docs() {
        // Support staff may call every route but those only owners may.
        let caller = match doc.access {
            Access::Store(Capability::ManageAccess) => &owner,
            _ => &app.support,
        };
        if doc.access == Access::Device {
            // A register's token comes first: see `sync_routes_check_the_query_after_the_token`.
            continue;
        }
        let params = (doc.query)();
        let required: Vec<String> = params
            .iter()
            .filter(|p| p.required)
            .map(|p| format!("{}={}", p.name, encode(valid_value(doc.path, &p.name))))
            .collect();
        let path = valid_path(doc.path, store, register);
        let mut attacks = vec![("colour", format!("{}colour=red", with_amp(&required)))];
        if let Some(first) = params.first() {
            let value = encode(valid_value(doc.path, &first.name));
            let twice = format!("{}={value}&{}={value}", first.name, first.name);
            let others: Vec<String> = required
                .iter()
                .filter(|r| !r.starts_with(&format!("{}=", first.name)))
                .cloned()
                .collect();
            attacks.push((first.name.as_str(), format!("{}{twice}", with_amp(&others))));
        }
        for (named, query) in attacks {
            tried += 1;
            let url = format!("{path}?{query}");
            let shown = format!("{} {url}", doc.method);
            match send_as(caller, doc.method.as_str(), &url).await {
                Ok((400, body)) if body["parameter"] == named => {}
                other => wrong.push(format!("{shown}: {other:?}")),
            }
        }
    }
    assert!(tried > 60, "only {tried} requests tried");
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        app.audit_log().await.len(),
        before,
        "a refused request wrote"
    );
}

/// `a=1&b=2&` from parameters, ready for one more (nothing when there are none).
fn with_amp(params: &[String]) -> String {
    params.iter().map(|p| format!("{p}&")).collect()
}

/// A sync route checks the register's token first: without one, its query is not looked at;
/// with one, an unknown parameter is refused by name.
async fn sync_routes_check_the_query_after_the_token(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/sync/begin?colour=red", app.server.url());
    let anonymous = client.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let device = support::device::Device::pair(&app.server.url(), fixture.registers[0].id).await;
    let refused = client
        .post(&url)
        .bearer_auth(device.token())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["parameter"], "colour", "{body}");
}

/// Path ids: every route, every path parameter in turn, the others valid.
async fn every_path_id_refuses_extreme_values(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let (store, register) = (fixture.store.id, fixture.registers[0].id);
    let mut wrong = Vec::new();
    for doc in api_routes().docs() {
        let names: Vec<&str> = doc
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for name in names {
            for value in hostile_values() {
                let attacked = doc
                    .path
                    .replace(&format!("{{{name}}}"), &encode(&value).replace('+', "%2B"));
                let path = valid_path(&attacked, store, register);
                let query: String = (doc.query)()
                    .iter()
                    .map(|p| (p.name.as_str(), p.required, ()))
                    .filter(|(_, required, _)| *required)
                    .map(|(n, _, _)| format!("{n}={}", encode(valid_value(doc.path, n))))
                    .collect::<Vec<_>>()
                    .join("&");
                let url = if query.is_empty() {
                    path
                } else {
                    format!("{path}?{query}")
                };
                let shown = format!("{} {} {name}={}", doc.method, doc.path, short(&value));
                match send(&app, doc.method.as_str(), &url).await {
                    Err(e) => wrong.push(format!("{shown}: {e}")),
                    Ok((status, _)) if !(400..500).contains(&status) => {
                        wrong.push(format!("{shown}: {status}"))
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// ---- Headers on every answer --------------------------------------------------------------

/// The index.html Trunk writes: an inline module script that starts the wasm.
const TRUNK_LIKE_INDEX: &str = "<!DOCTYPE html><html><head><title>Multicaisse</title>\
<script type=\"module\">\nimport init, * as bindings from '/multicaisse-app-1.js';\n\
const wasm = await init({ module_or_path: '/multicaisse-app-1_bg.wasm' });\n</script>\
<link rel=\"modulepreload\" href=\"/multicaisse-app-1.js\"></head><body></body></html>";

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), TRUNK_LIKE_INDEX).unwrap();
    std::fs::write(dist.path().join("app.css"), "body { margin: 0 }").unwrap();
    let dist_path = dist.path().to_path_buf();
    let app = TestApp::spawn_with(&backend, |config| config.dist = dist_path).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let inline = "\nimport init, * as bindings from '/multicaisse-app-1.js';\n\
const wasm = await init({ module_or_path: '/multicaisse-app-1_bg.wasm' });\n";
    use sha2::Digest;
    let hash = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline.as_bytes()))
    };
    let anonymous = reqwest::Client::new();
    let base = app.server.url();
    let mut wrong = Vec::new();
    for (who, path) in [
        ("anonymous", "/"),
        ("anonymous", "/ventes"),
        ("anonymous", "/app.css"),
        ("anonymous", "/api/health"),
        ("anonymous", "/api/stores"),
        ("anonymous", "/api/nowhere"),
        ("support", "/api/auth/me"),
        ("support", "/api/stores"),
        (
            "support",
            &format!("/api/stores/{store}/sales?period=this_month"),
        ),
        (
            "support",
            &format!("/api/stores/{store}/sales.csv?period=this_month"),
        ),
        (
            "support",
            &format!("/api/stores/{store}/sales?period=forever"),
        ),
    ] {
        let client = if who == "support" {
            &app.support.client
        } else {
            &anonymous
        };
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        let csp = header(&response, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "img-src 'self' data: blob:",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ] {
            if !csp.contains(directive) {
                wrong.push(format!("{who} {path}: CSP lacks `{directive}`: {csp:?}"));
            }
        }
        if csp.contains("'unsafe-inline'") || csp.contains("'unsafe-eval'") {
            wrong.push(format!("{who} {path}: CSP allows inline code: {csp}"));
        }
        if !csp.contains(&format!("'sha256-{hash}'")) {
            wrong.push(format!(
                "{who} {path}: CSP lacks the index's inline script hash {hash}: {csp}"
            ));
        }
        if header(&response, "x-content-type-options") != "nosniff" {
            wrong.push(format!("{who} {path}: no nosniff"));
        }
        if header(&response, "referrer-policy") != "no-referrer" {
            wrong.push(format!("{who} {path}: no Referrer-Policy"));
        }
        if path.starts_with("/api/") && header(&response, "cache-control") != "no-store" {
            wrong.push(format!(
                "{who} {path}: Cache-Control {:?}",
                header(&response, "cache-control")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---- Small bodies where a stranger may post ------------------------------------------------

async fn the_pair_route_refuses_a_large_body(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let big = json!({
        "code": "x".repeat(1 << 20),
        "device_name": "iPad",
        "device_model": "iPad",
    });
    let response = reqwest::Client::new()
        .post(format!("{}/api/sync/pair", app.server.url()))
        .json(&big)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.expect("a JSON error");
    assert!(body["error"].is_string(), "{body}");
}

// ---- What the database says stays in the log -----------------------------------------------

/// Two invitations to one new address, from two stores, accepted at once: both create the
/// account, one of them hits the unique email. That one is a plain 409 (or, when the accepts
/// do not overlap, a 200 for the existing account), never the database's words.
async fn a_constraint_violation_is_a_plain_conflict(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let base = app.server.url();
    let mut tokens = Vec::new();
    for round in 0..4 {
        let mut pair = Vec::new();
        for n in 0..2 {
            let (store, _) = support::fixture::store_with_registers(
                storage.as_ref(),
                &format!("Cave {round}-{n}"),
                1,
                None,
            )
            .await;
            let owner = format!("owner{round}-{n}@cave.fr");
            support::session::add_member(
                storage.as_ref(),
                &owner,
                "mot de passe du gérant",
                store.id,
                multicaisse_core::auth::Role::Owner,
            )
            .await;
            let owner =
                support::session::Session::sign_in(&base, &owner, "mot de passe du gérant").await;
            let (status, invitation) = owner
                .post_json(
                    &format!("/api/stores/{}/invitations", store.id),
                    json!({ "email": format!("comptable{round}@cabinet.fr") }),
                )
                .await;
            assert_eq!(status, 200, "{invitation}");
            let link = invitation["link"].as_str().unwrap();
            pair.push(link.rsplit('/').next().unwrap().to_string());
        }
        tokens.push(pair);
    }
    let accept = |token: String| {
        let url = format!("{base}/api/invitations/accept");
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .json(&json!({
                    "token": token,
                    "password": "un mot de passe assez long",
                    "display_name": "Comptable",
                }))
                .send()
                .await
                .expect("an answer");
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let mut conflicts = 0;
    for pair in tokens {
        let [a, b] = [pair[0].clone(), pair[1].clone()];
        let (first, second) = tokio::join!(accept(a), accept(b));
        for (status, body) in [first, second] {
            let lower = body.to_lowercase();
            for leak in [
                "unique",
                "constraint",
                "duplicate",
                "users.email",
                "users_email",
                "sqlite",
                "violates",
            ] {
                assert!(
                    !lower.contains(leak),
                    "{status}: the database's words reach the client: {body}"
                );
            }
            assert!(status == 200 || status == 409, "{status}: {body}");
            conflicts += usize::from(status == 409);
        }
    }
    eprintln!("{conflicts} accepts met the unique email");
}

// ---- Formulas in CSV cells -------------------------------------------------------------------

async fn csv_text_cells_that_look_like_formulas_are_neutralised(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let (store, _) = support::fixture::store_with_registers(
        storage.as_ref(),
        "=HYPERLINK(\"http://x\")",
        0,
        None,
    )
    .await;
    let mut register = support::fixture::new_register(
        store.id,
        1,
        multicaisse_core::store::RegisterKind::Principal,
    );
    register.label = "@SUM(A1:A9)".into();
    storage.insert_register(&register).await.unwrap();
    let response = app
        .get(&format!(
            "/api/stores/{}/sales.csv?period=custom&from=2026-03-01&to=2026-03-31",
            store.id
        ))
        .await;
    assert_eq!(response.status(), 200);
    let csv = response.text().await.unwrap();
    assert!(csv.contains(";'@SUM(A1:A9);"), "{csv}");
    assert!(!csv.contains(";@SUM"), "{csv}");
}

/// The sales CSV of the fixture: negative amounts stay numbers.
async fn csv_negative_amounts_stay_numbers(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let response = app
        .get(&format!(
            "/api/stores/{}/sales.csv?period=custom&from=2026-03-01&to=2026-03-31",
            fixture.store.id
        ))
        .await;
    let csv = response.text().await.unwrap();
    assert!(csv.contains(";-10,90;"), "{csv}");
    assert!(!csv.contains("'-"), "{csv}");
}

// ---- Control characters in labels ----------------------------------------------------------

async fn labels_with_control_characters_are_refused_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let base = app.server.url();
    // A register request typed by a person.
    for label in [
        "Caisse\u{0}2",
        "Caisse\r\nSet-Cookie: x",
        "Caisse\u{1b}[31m",
        "Caisse\t2",
    ] {
        let (status, body) = app
            .support
            .post_json(
                &format!("/api/stores/{store}/register-requests"),
                json!({ "label": label }),
            )
            .await;
        assert!(matches!(status, 400 | 422), "{label:?}: {status} {body}");
        assert_eq!(body["parameter"], "label", "{body}");
    }
    let (_, requests) = app
        .support
        .get_json(&format!("/api/stores/{store}/register-requests"))
        .await;
    assert_eq!(requests.as_array().map(Vec::len), Some(0), "{requests}");
    // A ticket line pushed by a register.
    let device = support::device::Device::pair(&base, fixture.registers[2].id).await;
    let session = device.begin().await;
    let ticket = support::fixture::seal_all(vec![support::fixture::body(
        1,
        support::fixture::paris(2026, 3, 12, 10, 0),
        vec![support::fixture::line(
            "Morgon\u{7}\u{8}",
            1,
            1500,
            multicaisse_core::VatRate::STANDARD,
            0,
        )],
        multicaisse_core::ticket::PaymentMethod::Card,
    )]);
    let response = device.push_raw(session, &ticket).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("label"), "{body}");
    let (_, page) = app
        .support
        .get_json(&format!(
            "/api/registers/{}/tickets?period=custom&from=2026-03-01&to=2026-03-31",
            fixture.registers[2].id
        ))
        .await;
    assert_eq!(page["matching"], 0, "{page}");
    // A device name given at pairing.
    let code = support::device::pairing_code(&base, fixture.registers[2].id).await;
    let response = reqwest::Client::new()
        .post(format!("{base}/api/sync/pair"))
        .json(&json!({ "code": code.code, "device_name": "iPad\u{0}", "device_model": "iPad" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["parameter"], "device_name", "{body}");
}

on_both_backends!(
    every_query_parameter_refuses_extreme_values,
    every_route_refuses_unknown_and_repeated_parameters,
    sync_routes_check_the_query_after_the_token,
    every_path_id_refuses_extreme_values,
    every_answer_carries_the_security_headers,
    the_pair_route_refuses_a_large_body,
    a_constraint_violation_is_a_plain_conflict,
    csv_text_cells_that_look_like_formulas_are_neutralised,
    csv_negative_amounts_stay_numbers,
    labels_with_control_characters_are_refused_and_nothing_is_written,
);
