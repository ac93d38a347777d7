//! The API's routes, registered once with their documentation. Every API route goes through
//! [`ApiRoutes::add`], which adds it to the router and to the list the OpenAPI document (and
//! the tests that keep it true) are made from: a route cannot exist undocumented.

use super::AppState;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter};
use axum::Router;
use multicaisse_core::auth::Capability;
use schemars::gen::{SchemaGenerator, SchemaSettings};
use schemars::schema::Schema;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// A JSON Schema (a `$ref` into the components) of a request or response body.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Who may call a route: documented in OpenAPI and enforced before its handler runs
/// (`scope::admit`); the access-matrix test checks what every route really answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// A paired register, with its bearer token.
    Device,
    /// Any signed-in person.
    SignedIn,
    /// Support staff only.
    Support,
    /// A signed-in person with this capability in the store of the path.
    Store(Capability),
    /// A signed-in person with this capability in the store of the register of the path.
    Register(Capability),
}

impl Access {
    /// In words, for the OpenAPI document.
    pub fn describe(self) -> String {
        match self {
            Access::Public => "public".into(),
            Access::Device => "a register's device token".into(),
            Access::SignedIn => "any signed-in account".into(),
            Access::Support => "support staff".into(),
            Access::Store(c) | Access::Register(c) => {
                format!("signed-in account that may {} for this store", c.words())
            }
        }
    }
}

pub use super::query::QueryParam;

/// The query parameters of a route, from the struct its handler parses them into.
pub type QueryFn = fn() -> Arc<[QueryParam]>;

/// A route that takes no query parameter.
pub fn no_query() -> Arc<[QueryParam]> {
    super::query::parameters::<super::query::NoQuery>()
}

#[derive(Clone)]
pub struct RouteDoc {
    pub method: Method,
    /// Below `/api`, in axum's syntax: `/stores/{store_id}`.
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// Its query parameters: `query::parameters::<T>` of the `ApiQuery<T>` it takes.
    pub query: QueryFn,
    pub body: Option<SchemaFn>,
    pub response: SchemaFn,
    /// The media types a 200 answers with; JSON unless said otherwise.
    pub media: &'static [&'static str],
}

/// The media type of most answers.
pub const JSON: &[&str] = &["application/json"];

impl RouteDoc {
    /// A route without query parameters (add them with struct update syntax).
    pub fn new(
        method: Method,
        path: &'static str,
        summary: &'static str,
        access: Access,
        body: Option<SchemaFn>,
        response: SchemaFn,
    ) -> RouteDoc {
        RouteDoc {
            method,
            path,
            summary,
            access,
            query: no_query,
            body,
            response,
            media: JSON,
        }
    }

    /// The route's query parameters are those of `T`, which its handler takes as `ApiQuery<T>`.
    pub fn with_query<T: schemars::JsonSchema + 'static>(self) -> RouteDoc {
        RouteDoc {
            query: super::query::parameters::<T>,
            ..self
        }
    }

    pub fn with_access(self, access: Access) -> RouteDoc {
        RouteDoc { access, ..self }
    }

    /// A route whose 200 is not JSON (an SVG, a CSV, a download).
    pub fn answers(self, media: &'static [&'static str]) -> RouteDoc {
        RouteDoc { media, ..self }
    }
}

pub struct ApiRoutes {
    router: Router<AppState>,
    docs: Vec<RouteDoc>,
}

impl Default for ApiRoutes {
    fn default() -> Self {
        ApiRoutes {
            router: Router::new(),
            docs: Vec::new(),
        }
    }
}

impl ApiRoutes {
    pub fn add<H, T>(mut self, doc: RouteDoc, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(doc.method.clone())
            .unwrap_or_else(|_| panic!("{} {}: unsupported method", doc.method, doc.path));
        let (access, query) = (doc.access, doc.query);
        // The declared access and query are what the route enforces, before its handler runs.
        let admitted = move |State(state): State<AppState>, request: Request| async move {
            let (mut parts, body) = request.into_parts();
            match super::scope::admit(&state, access, query, &mut parts).await {
                Ok(()) => handler.call(Request::from_parts(parts, body), state).await,
                Err(refused) => refused.into_response(),
            }
        };
        self.router = self.router.route(doc.path, on(filter, admitted));
        self.docs.push(doc);
        self
    }

    pub fn merge(mut self, other: ApiRoutes) -> Self {
        self.router = self.router.merge(other.router);
        self.docs.extend(other.docs);
        self
    }

    /// Applies a layer (a body limit, say) to the routes added so far.
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    pub fn docs(&self) -> &[RouteDoc] {
        &self.docs
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteDoc>) {
        (self.router, self.docs)
    }
}

/// The path's parameters with the types the handlers parse: ids and numbers are positive
/// integers; an invitation's `{token}` is its secret, a string.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let schema = match name {
                "token" => json!({ "type": "string", "minLength": 1, "maxLength": 128 }),
                _ => json!({ "type": "integer", "minimum": 1 }),
            };
            json!({ "name": name, "in": "path", "required": true, "schema": schema })
        })
        .collect()
}

/// A query parameter's schema as OpenAPI shows it: what the value must be, without the
/// description (the parameter has it) or the `nullable` of an optional field.
fn query_schema(param: &QueryParam) -> Value {
    let mut schema = serde_json::to_value(&param.schema).unwrap_or(Value::Null);
    if let Some(object) = schema.as_object_mut() {
        object.remove("description");
        object.remove("nullable");
    }
    schema
}

/// What a 200 carries, per media type: the response's schema for JSON, text or bytes
/// otherwise.
fn content(doc: &RouteDoc, generator: &mut SchemaGenerator) -> Value {
    let mut content = Map::new();
    for media in doc.media {
        let schema = if *media == "application/json" {
            serde_json::to_value((doc.response)(generator)).unwrap_or(Value::Null)
        } else if media.starts_with("text/") || media.ends_with("+xml") {
            json!({ "type": "string" })
        } else {
            json!({ "type": "string", "format": "binary" })
        };
        content.insert(media.to_string(), json!({ "schema": schema }));
    }
    Value::Object(content)
}

/// The OpenAPI 3.0 document of the routes.
pub fn openapi(docs: &[RouteDoc]) -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let error = schema::<multicaisse_core::api::ApiError>(&mut generator);
    let mut paths: Map<String, Value> = Map::new();
    for doc in docs {
        let mut parameters = path_parameters(doc.path);
        parameters.extend((doc.query)().iter().map(|param| {
            json!({ "name": param.name, "in": "query", "required": param.required, "description": param.description, "schema": query_schema(param) })
        }));
        let mut operation = json!({
            "summary": doc.summary,
            "operationId": format!("{}{}", doc.method.as_str().to_lowercase(), doc.path.replace(['/', '{', '}', '-', '.'], "_")),
            "parameters": parameters,
            "responses": {
                "200": { "description": "OK", "content": content(doc, &mut generator) },
                "default": { "description": "An error, with a message naming what is wrong", "content": { "application/json": { "schema": error } } }
            }
        });
        if let Some(body) = doc.body {
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": body(&mut generator) } } });
        }
        operation["x-access"] = json!(doc.access.describe());
        match doc.access {
            Access::Public => {}
            Access::Device => operation["security"] = json!([{ "device": [] }]),
            _ => operation["security"] = json!([{ "session": [] }]),
        }
        let entry = paths
            .entry(format!("/api{}", doc.path))
            .or_insert_with(|| json!({}));
        entry[doc.method.as_str().to_lowercase()] = operation;
    }
    let schemas: Map<String, Value> = generator
        .take_definitions()
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or(Value::Null)))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Multicaisse API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The back office of a multi-register wine-shop POS: stores, registers, sales, and the sync API the iPads call."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "device": { "type": "http", "scheme": "bearer", "description": "A register's device token, from /api/sync/pair" },
                "session": { "type": "apiKey", "in": "cookie", "name": multicaisse_core::auth::SESSION_COOKIE, "description": "The session cookie set by /api/auth/sign-in; state-changing requests also carry the X-CSRF-Token header /api/auth/me gives" }
            }
        }
    })
}
