//! The OpenAPI document at /api/openapi.json tells the truth about the router.

use crate::support;

use serde_json::Value;
use support::{Backend, TestApp};

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let (status, document) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.0.3");
    let routes = multicaisse_server::http::api_routes();
    let paths = document["paths"].as_object().expect("paths");
    let operations: usize = paths
        .values()
        .map(|p| p.as_object().map_or(0, |o| o.len()))
        .sum();
    assert_eq!(
        operations,
        routes.docs().len(),
        "one operation per registered route"
    );
    assert!(routes.docs().len() >= 11);
    for route in routes.docs() {
        let method = route.method.as_str().to_lowercase();
        let operation = &document["paths"][format!("/api{}", route.path)][&method];
        assert!(
            operation["summary"].is_string(),
            "{} {} is not documented",
            route.method,
            route.path
        );
        // The router answers the documented route with a handler of its own, not the
        // "no API route" fallback.
        let url = format!(
            "{}/api{}",
            app.server.url(),
            route
                .path
                .replace("{store_id}", "999999")
                .replace("{register_id}", "999999")
        );
        let response = app
            .client
            .request(route.method.clone(), &url)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let fell_through = status == 404
            && body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("no API route"));
        assert!(
            !fell_through,
            "{} {} is documented but not routed",
            route.method, route.path
        );
    }
    // Every schema reference resolves.
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(found.iter().any(|r| r.ends_with("/PushRequest")));
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("a components reference");
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{r} does not resolve"
        );
    }
    // Device routes say they need the token.
    assert_eq!(
        document["paths"]["/api/sync/push"]["post"]["security"][0]["device"],
        serde_json::json!([])
    );
}

/// The document says what the server answers: an SVG is no JSON (schemathesis read the sync
/// timeline as JSON), and an invitation's token is no integer.
#[tokio::test]
async fn answers_and_path_parameters_are_documented_as_they_are() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let store = support::fixture::small_store(app.storage().as_ref())
        .await
        .store
        .id;
    let (_, document) = app.get_json("/api/openapi.json").await;
    let media = |path: &str| -> Vec<String> {
        document["paths"][format!("/api{path}")]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}: no content"))
            .keys()
            .cloned()
            .collect()
    };
    for (path, documented, url) in [
        (
            "/stores/{store_id}/sync-timeline",
            "image/svg+xml",
            format!("/api/stores/{store}/sync-timeline"),
        ),
        (
            "/stores/{store_id}/sales.csv",
            "text/csv",
            format!("/api/stores/{store}/sales.csv?period=today"),
        ),
        (
            "/stores/{store_id}/sales",
            "application/json",
            format!("/api/stores/{store}/sales?period=today"),
        ),
    ] {
        assert_eq!(media(path), [documented], "{path}");
        let response = app.get(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        let answered = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            answered.starts_with(documented),
            "{url} answered {answered}"
        );
    }
    for (path, operation) in document["paths"].as_object().unwrap() {
        for (method, operation) in operation.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().unwrap() {
                if parameter["in"] != "path" {
                    continue;
                }
                let expected = if parameter["name"] == "token" {
                    "string"
                } else {
                    "integer"
                };
                assert_eq!(
                    parameter["schema"]["type"], expected,
                    "{method} {path}: {parameter}"
                );
            }
        }
    }
    let token = &document["paths"]["/api/invitations/{token}"]["get"]["parameters"][0];
    assert_eq!(token["schema"]["type"], "string");
}

/// The query parameters are documented as the server enforces them: their type, the values
/// they take, their lengths and ranges; a query schemathesis makes from the document is one
/// the server accepts or refuses by name.
#[tokio::test]
async fn query_parameters_state_the_limits_the_server_enforces() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let store = support::fixture::small_store(app.storage().as_ref())
        .await
        .store
        .id;
    let (_, document) = app.get_json("/api/openapi.json").await;
    let parameter = |path: &str, name: &str| -> serde_json::Value {
        document["paths"][format!("/api{path}")]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name && p["in"] == "query")
            .unwrap_or_else(|| panic!("{path}: no query parameter {name}"))
            .clone()
    };
    let fleet_store = parameter("/fleet", "store");
    assert_eq!(fleet_store["schema"]["maxLength"], 100, "{fleet_store}");
    assert_eq!(fleet_store["required"], false);
    let page = parameter("/registers/{register_id}/tickets", "page");
    assert_eq!(page["schema"]["type"], "integer", "{page}");
    assert_eq!(page["schema"]["minimum"], 1.0, "{page}");
    let lang = parameter("/stores/{store_id}/sync-timeline", "lang");
    assert_eq!(
        lang["schema"]["enum"],
        serde_json::json!(["fr", "en"]),
        "{lang}"
    );
    let format = parameter("/registers/{register_id}/z", "format");
    assert_eq!(
        format["schema"]["enum"],
        serde_json::json!(["csv", "fec", "json", "pdf", "zip"])
    );
    assert_eq!(format["required"], true);
    for (path, operation) in document["paths"].as_object().unwrap() {
        for (method, operation) in operation.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().unwrap() {
                if parameter["in"] == "query" {
                    let schema = &parameter["schema"];
                    assert!(
                        schema["type"].is_string(),
                        "{method} {path}: {parameter} has no type"
                    );
                    assert!(
                        parameter["description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()),
                        "{method} {path}: {parameter} says nothing"
                    );
                }
            }
        }
    }
    // Every text a request body carries at its top level is bounded in the document, as the
    // server bounds it (an empty email was schema-valid and refused).
    let (mut unbounded, mut texts) = (Vec::new(), 0);
    for (path, operation) in document["paths"].as_object().unwrap() {
        for (method, operation) in operation.as_object().unwrap() {
            let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            else {
                continue;
            };
            let name = reference.trim_start_matches("#/components/schemas/");
            let body = &document["components"]["schemas"][name];
            for (field, schema) in body["properties"].as_object().into_iter().flatten() {
                let bounded = schema.get("maxLength").is_some() || schema.get("pattern").is_some();
                if schema["type"] == "string" {
                    texts += 1;
                    if !bounded {
                        unbounded.push(format!("{method} {path}: {name}.{field}"));
                    }
                }
            }
        }
    }
    assert!(unbounded.is_empty(), "unbounded texts: {unbounded:#?}");
    assert!(texts >= 15, "only {texts} texts in request bodies");
    let sign_in = &document["components"]["schemas"]["SignInRequest"]["properties"];
    assert_eq!(sign_in["email"]["minLength"], 1, "{sign_in}");
    // What the document says, the server does: one past each limit is refused by name.
    for (url, named) in [
        (format!("/api/fleet?store={}", "a".repeat(101)), "store"),
        (format!("/api/stores/{store}/sync-timeline?lang=de"), "lang"),
        (
            format!("/api/stores/{store}/sync-status?since={}", "1".repeat(41)),
            "since",
        ),
    ] {
        let response = app.get(&url).await;
        assert_eq!(response.status(), 400, "{url}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["parameter"], named, "{url}: {body}");
    }
}
