//! The API's one list of endpoints: each entry is both the route the router serves and its
//! description in the OpenAPI document (`/api/v1/openapi.json`), so the two cannot drift apart.
//! Path parameters come from the path itself; query parameters, bodies (with an example that a
//! test parses) and answers are described beside the handler they belong to.

use axum::http::{Method, StatusCode};
use axum::response::{Html, Response};
use axum::routing::MethodRouter;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::error::extract::Json;
use crate::{AppError, AppState};

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
    /// The schema of the JSON its successful answers carry, from the handler's own return type
    /// (so the document cannot drift from what the handler sends); `None` for an answer that
    /// carries no JSON (204, an HTML page).
    pub answer: fn(&mut SchemaGenerator) -> Option<Schema>,
    /// The schema of the JSON body it reads, from the handler's own `Json<T>` extractor;
    /// `None` for one that reads no body.
    pub request: fn(&mut SchemaGenerator) -> Option<Schema>,
}

/// What a handler's successful answer carries, as a JSON schema: implemented for the types
/// handlers return.
pub trait Answer {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema>;
}

impl<T: JsonSchema> Answer for Json<T> {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

impl<T: Answer> Answer for (StatusCode, T) {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::schema(generator)
    }
}

impl<T: Answer> Answer for Result<T, AppError> {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::schema(generator)
    }
}

/// No content (204).
impl Answer for StatusCode {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// A page or document that is not JSON (the council pack).
impl Answer for Response {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl<T> Answer for Html<T> {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// The output of a handler (an async function of any number of extractors), named so that its
/// [`Answer`] can be asked for: the compiler picks the one implementation whose arity fits.
pub trait Handled<Args> {
    type Output;
}

macro_rules! handled {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Handled<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut,
            Fut: std::future::Future,
        {
            type Output = Fut::Output;
        }
    };
}

/// What an extractor reads from a request's body, as a JSON schema: only `Json<T>` reads one.
pub trait Part {
    fn body(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl<T: JsonSchema> Part for Json<T> {
    fn body(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

impl Part for crate::auth::ApiUser {}
impl<S> Part for axum::extract::State<S> {}
impl<T> Part for crate::error::extract::Path<T> {}
impl<T> Part for crate::error::extract::Query<T> {}

/// The body a handler's extractors read, taken together.
pub trait Parts {
    fn body(generator: &mut SchemaGenerator) -> Option<Schema>;
}

macro_rules! parts {
    ($($arg:ident),*) => {
        impl<$($arg: Part,)*> Parts for ($($arg,)*) {
            fn body(_generator: &mut SchemaGenerator) -> Option<Schema> {
                None$(.or_else(|| $arg::body(_generator)))*
            }
        }
    };
}
/// Each of `macros` for handlers of no to six extractors.
macro_rules! for_each_arity {
    ($($m:ident),*) => {
        $(
            $m!();
            $m!(A);
            $m!(A, B);
            $m!(A, B, C);
            $m!(A, B, C, D);
            $m!(A, B, C, D, E);
            $m!(A, B, C, D, E, G);
        )*
    };
}
for_each_arity!(handled, parts);

/// The schema function of `handler`'s request body (used by the `endpoint!` macro).
pub fn request_of<Args: Parts, H: Handled<Args>>(
    _handler: &H,
) -> fn(&mut SchemaGenerator) -> Option<Schema> {
    Args::body
}

/// The schema function of `handler`'s answer (used by the `endpoint!` macro).
pub fn answer_of<Args, H>(_handler: &H) -> fn(&mut SchemaGenerator) -> Option<Schema>
where
    H: Handled<Args>,
    H::Output: Answer,
{
    <H::Output as Answer>::schema
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
            answer: $crate::api::spec::answer_of(&$handler),
            request: $crate::api::spec::request_of(&$handler),
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
    // Answers are described as they are written, bodies as they are read (a field with a
    // default may be left out of a body but is always in an answer).
    let generator = |contract| {
        SchemaSettings::draft2020_12()
            .with(|s| {
                s.definitions_path = "/components/schemas".into();
                s.contract = contract;
            })
            .into_generator()
    };
    let mut answers = generator(schemars::generate::Contract::Serialize);
    let mut bodies = generator(schemars::generate::Contract::Deserialize);
    let mut body_schemas = Vec::new();
    for e in endpoints {
        let answer = (e.answer)(&mut answers).map(Value::from);
        let mut parameters = path_parameters(e.path);
        parameters.extend(
            e.query
                .iter()
                .map(|(name, kind, description)| parameter(name, "query", kind, description)),
        );
        let mut responses = Map::new();
        for (status, description) in e.answers {
            // A success carries what the handler's type says: JSON of its schema, or nothing
            // (204); one described as an HTML page (the council pack) is one, not JSON; other
            // answers listed here are errors of one shape.
            let content = match &answer {
                _ if description.starts_with("An HTML page") => {
                    Some(json!({ "text/html": { "schema": { "type": "string" } } }))
                }
                Some(schema) if (200..300).contains(status) => {
                    Some(json!({ "application/json": { "schema": schema } }))
                }
                None if (200..300).contains(status) => None,
                _ => Some(json!({ "application/json": {
                    "schema": { "$ref": "#/components/schemas/Error" } } })),
            };
            let mut response = json!({ "description": description });
            if let Some(content) = content {
                response["content"] = content;
            }
            responses.insert(status.to_string(), response);
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
        if let Some(schema) = (e.request)(&mut bodies) {
            let mut content = json!({ "schema": Value::from(schema) });
            if let Some(example) = e.body {
                content["example"] =
                    serde_json::from_str(example).expect("endpoint examples are valid JSON");
            }
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": content },
            });
            body_schemas.push((e.path, e.method.as_str().to_lowercase()));
        }
        paths
            .entry(e.path.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a path item is an object")
            .insert(e.method.as_str().to_lowercase(), operation);
    }
    let mut schemas: Map<String, Value> = answers.take_definitions(true).into_iter().collect();
    let read = bodies.take_definitions(true);
    let renamed = read_apart(&schemas, &read);
    for (name, mut schema) in read {
        rename_references(&mut schema, &renamed);
        let name = renamed.get(&name).cloned().unwrap_or(name);
        schemas.insert(name, schema);
    }
    for (path, method) in body_schemas {
        if let Some(schema) = paths
            .get_mut(path)
            .and_then(|item| item.get_mut(&method))
            .map(|operation| &mut operation["requestBody"]["content"]["application/json"]["schema"])
        {
            rename_references(schema, &renamed);
        }
    }
    schemas.insert("Error".to_owned(), error_schema());
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
            "schemas": schemas,
        },
    })
}

/// The types read from bodies whose schema differs from the one written in answers (a field
/// with a default is optional in one, always present in the other), and those that refer to
/// them: each gets a name of its own, `…Input`.
fn read_apart(
    written: &Map<String, Value>,
    read: &Map<String, Value>,
) -> std::collections::BTreeMap<String, String> {
    let mut apart: std::collections::BTreeSet<&String> = read
        .iter()
        .filter(|(name, schema)| written.get(*name).is_some_and(|w| w != *schema))
        .map(|(name, _)| name)
        .collect();
    loop {
        let refers = |schema: &Value| {
            apart
                .iter()
                .any(|name| refers_to(schema, &format!("#/components/schemas/{name}")))
        };
        let more: Vec<&String> = read
            .iter()
            .filter(|(name, schema)| {
                !apart.contains(name) && written.contains_key(*name) && refers(schema)
            })
            .map(|(name, _)| name)
            .collect();
        if more.is_empty() {
            break;
        }
        apart.extend(more);
    }
    let taken = |name: &String| written.contains_key(name) || read.contains_key(name);
    apart
        .into_iter()
        .map(|name| {
            let new = std::iter::once(format!("{name}Input"))
                .chain((2..).map(|n| format!("{name}Input{n}")))
                .find(|candidate| !taken(candidate))
                .expect("some name is free");
            (name.clone(), new)
        })
        .collect()
}

fn refers_to(schema: &Value, reference: &str) -> bool {
    match schema {
        Value::Object(map) => map.iter().any(|(key, value)| {
            (key == "$ref" && value == reference) || refers_to(value, reference)
        }),
        Value::Array(items) => items.iter().any(|v| refers_to(v, reference)),
        _ => false,
    }
}

fn rename_references(schema: &mut Value, renamed: &std::collections::BTreeMap<String, String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref"
                    && let Some(name) = value
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && let Some(new) = renamed.get(name)
                {
                    *value = Value::from(format!("#/components/schemas/{new}"));
                } else {
                    rename_references(value, renamed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_references(v, renamed)),
        _ => {}
    }
}

/// The one shape of every error answer.
fn error_schema() -> Value {
    json!({
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
