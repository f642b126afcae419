//! The API's one list of endpoints: each entry is both the route the router serves and its
//! description in the OpenAPI document (`/api/v1/openapi.json`), so the two cannot drift apart.
//! Path parameters come from the path itself; query parameters, bodies (with an example that a
//! test parses) and answers are described beside the handler they belong to.

use axum::http::Method;
use axum::routing::MethodRouter;
use serde_json::{Map, Value, json};

use crate::AppState;

/// Who may call an endpoint, as the OpenAPI document says it.
pub const SIGNED_IN: &str = "anyone signed in";
pub const EDITORS: &str = "admins and council chairs; members for their own department's work";
pub const COUNCIL: &str = "admins and council chairs";

/// A query parameter: name, type (`string`, `integer`, `number`, `boolean`), description.
pub type Param = (&'static str, &'static str, &'static str);

pub struct Endpoint {
    pub method: Method,
    /// The path under `/api/v1`, with `{name}` parameters as axum writes them.
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, beyond being signed in.
    pub who: &'static str,
    pub query: &'static [Param],
    /// An example request body (JSON), for endpoints that take one.
    pub body: Option<&'static str>,
    /// The answers besides the common errors: status and what it carries.
    pub answers: &'static [(u16, &'static str)],
    /// The handler for `method`, as the router serves it (made by the `endpoint!` macro from
    /// the same method, so the two agree).
    pub route: MethodRouter<AppState>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// An [`Endpoint`] whose route answers the method it is described with.
macro_rules! endpoint {
    ($method:ident $path:literal => $handler:expr; $summary:literal; who: $who:expr;
     query: $query:expr; body: $body:expr; answers: $answers:expr) => {
        $crate::api::spec::Endpoint {
            method: axum::http::Method::$method,
            path: $path,
            summary: $summary,
            who: $who,
            query: $query,
            body: $body,
            answers: $answers,
            route: axum::routing::on(axum::routing::MethodFilter::$method, $handler),
        }
    };
}
pub(crate) use endpoint;

/// Query parameters every list takes.
pub const PAGING: [Param; 2] = [
    ("limit", "integer", "Items per page, 1 to 500 (default 50)."),
    (
        "after",
        "integer",
        "The `next` value of the previous page: items with a larger id.",
    ),
];

fn parameter(name: &str, location: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": location,
        "required": location == "path",
        "description": description,
        "schema": { "type": kind },
    })
}

/// `{id}` and other path parameters of `path`: ids are integers, keys strings.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let kind = if name == "id" { "integer" } else { "string" };
            parameter(name, "path", kind, &format!("The {name}."))
        })
        .collect()
}

/// The OpenAPI 3.1 document for `endpoints`.
pub fn openapi(endpoints: &[Endpoint]) -> Value {
    let mut paths = Map::new();
    for e in endpoints {
        let mut parameters = path_parameters(e.path);
        parameters.extend(
            e.query
                .iter()
                .map(|(name, kind, description)| parameter(name, "query", kind, description)),
        );
        let mut responses = Map::new();
        for (status, description) in e.answers {
            // An answer described as an HTML page (the council pack) is one, not JSON.
            let content = if description.starts_with("An HTML page") {
                json!({ "text/html": { "schema": { "type": "string" } } })
            } else {
                json!({ "application/json": { "schema": {} } })
            };
            responses.insert(
                status.to_string(),
                json!({ "description": description, "content": content }),
            );
        }
        if e.method != Method::GET {
            responses.insert(
                "503".to_owned(),
                json!({
                    "description": "The database is busy with another write (SQLite during a \
                        long import): nothing was changed; send it again after the \
                        `Retry-After` seconds.",
                    "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                    "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/Error" } } },
                }),
            );
        }
        for (status, description) in [
            (
                "401",
                "Not signed in: no session cookie and no valid Bearer token.",
            ),
            ("403", "Signed in, but this role may not do this."),
            ("404", "No such thing."),
            ("422", "A bad value: the message says which and why."),
        ] {
            responses.insert(
                status.to_owned(),
                json!({
                    "description": description,
                    "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/Error" } } },
                }),
            );
        }
        let mut operation = json!({
            "summary": e.summary,
            "description": format!("Who: {}.", e.who),
            "operationId": operation_id(&e.method, e.path),
            "parameters": parameters,
            "responses": responses,
            "security": [{ "bearer": [] }, { "session": [] }],
        });
        if let Some(example) = e.body {
            let example: Value =
                serde_json::from_str(example).expect("endpoint examples are valid JSON");
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": {
                    "schema": { "type": "object" },
                    "example": example,
                } },
            });
        }
        paths
            .entry(e.path.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a path item is an object")
            .insert(e.method.as_str().to_lowercase(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Throughline API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Customer feedback, themes, the Top Ten, the journey, root causes, \
                initiatives and tasks. Every endpoint needs a session cookie or a Bearer token \
                (create one on your account page); errors have one shape. Lists are paged with \
                `limit` and `after`.",
        },
        "servers": [{ "url": "/api/v1" }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer",
                    "description": "An API token (`tl_…`) from the account page." },
                "session": { "type": "apiKey", "in": "cookie", "name": "throughline_session" },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": { "type": "string",
                                "enum": ["unauthorized", "forbidden", "not_found", "invalid", "busy", "internal"] },
                            "message": { "type": "string" },
                        },
                    } },
                },
            },
        },
    })
}

/// `get_initiatives_id_status` for `GET /initiatives/{id}/status`.
fn operation_id(method: &Method, path: &str) -> String {
    let words: Vec<String> = path
        .split(['/', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(['{', '}']).to_owned())
        .collect();
    format!("{}_{}", method.as_str().to_lowercase(), words.join("_"))
}
