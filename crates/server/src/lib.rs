//! Throughline's web interface and HTTP API.
//!
//! - [`router`] builds the whole application for a store (tests call it in-process);
//!   [`Application::build`] binds an address (port 0 for a free one) and reports it;
//!   [`Application::run`] serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
//! - `auth` — sessions (cookie → the database), API tokens (Bearer), CSRF tokens, the
//!   extractors pages and API handlers use.
//! - `pages` — server-rendered HTML (minijinja, auto-escaped: feedback text is
//!   attacker-controlled).
//! - `api` — JSON under `/api/v1`, one error shape.
//!
//! Every page and endpoint needs a session or a token, except `/health`, `/login`, the public
//! survey pages (`/s/…`, rate-limited) and the static stylesheet. Security headers (CSP without
//! inline scripts, no framing, nosniff) go on every response.

mod api;

pub use api::openapi;
pub use pack::council_pack;
pub use pages::handout_html;
mod auth;
mod cache;
pub(crate) use throughline_service::changes;
mod charts;
pub mod error;
pub mod maturity;
mod metrics;
pub mod pack;
mod pages;
mod rate_limit;
mod request_checks;
pub mod sso;

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use minijinja::Environment;
use throughline_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// Whole-dataset views, recomputed only when the data changes.
    views: Arc<cache::ViewCache>,
    /// Request times for `/metrics`.
    metrics: Arc<metrics::Metrics>,
    /// The public survey pages' rate limits.
    survey_limits: Arc<rate_limit::SurveyLimits>,
    /// How e-mail leaves this server (password reset links), when it is set up.
    mail: Option<Arc<Mail>>,
    /// Single sign-on through an OpenID Connect provider, when it is set up.
    sso: Option<Arc<sso::SsoConfig>>,
}

/// The SMTP server messages go through, and the address people reach this server at (links in
/// messages start with it — never with a request's own `Host`, which anyone can forge).
#[derive(Debug)]
pub struct Mail {
    pub smtp: throughline_notify::SmtpConfig,
    pub public_url: String,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            views: Arc::new(cache::ViewCache::default()),
            metrics: Arc::new(metrics::Metrics::default()),
            survey_limits: Arc::new(rate_limit::SurveyLimits::default()),
            mail: None,
            sso: None,
        }
    }

    /// The single sign-on provider's name, when it is set up.
    pub(crate) fn sso_name(&self) -> Option<&str> {
        self.sso.as_deref().map(|c| c.name.as_str())
    }

    /// Single sign-on through the provider `config` describes (checked by the caller with
    /// [`sso::SsoConfig::check`]); the sign-in page offers it beside the password.
    pub fn with_sso(mut self, config: sso::SsoConfig) -> Self {
        self.sso = Some(Arc::new(config));
        self
    }

    /// The state with e-mail set up: password reset links go out through `smtp`, their
    /// addresses starting with `public_url`.
    pub fn with_mail(mut self, smtp: throughline_notify::SmtpConfig, public_url: &str) -> Self {
        self.mail = Some(Arc::new(Mail {
            smtp,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }));
        self
    }

    /// Computes the whole-dataset views that do not yet reflect the latest change people made
    /// ([`cache::ViewCache::warm`]); the views computed. Nothing to compute before an
    /// organisation is applied.
    pub async fn warm_views(&self) -> Result<Vec<&'static str>, AppError> {
        if throughline_service::org::organisation(&self.store)
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        self.views.warm(&self.store).await
    }

    /// The organisation, or 404 when none has been applied.
    pub async fn organisation(&self) -> Result<throughline_domain::org::Organisation, AppError> {
        throughline_service::org::organisation(&self.store)
            .await?
            .ok_or_else(|| AppError::NotFound("no organisation has been applied yet".into()))
    }
}

/// The templates, embedded in the binary and parsed once. `.html` templates are auto-escaped.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(templates);

/// Renders template `name` with `context`.
fn render(name: &str, context: impl serde::Serialize) -> Result<String, AppError> {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| AppError::Internal(format!("template {name}: {e}")))
}

fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("error.html", include_str!("../templates/error.html")),
        (
            "initiatives.html",
            include_str!("../templates/initiatives.html"),
        ),
        (
            "initiative.html",
            include_str!("../templates/initiative.html"),
        ),
        ("overview.html", include_str!("../templates/overview.html")),
        (
            "period_filter.html",
            include_str!("../templates/period_filter.html"),
        ),
        ("moments.html", include_str!("../templates/moments.html")),
        ("moment.html", include_str!("../templates/moment.html")),
        ("chains.html", include_str!("../templates/chains.html")),
        ("admin.html", include_str!("../templates/admin.html")),
        ("feedback.html", include_str!("../templates/feedback.html")),
        ("surveys.html", include_str!("../templates/surveys.html")),
        ("cases.html", include_str!("../templates/cases.html")),
        ("case.html", include_str!("../templates/case.html")),
        ("import.html", include_str!("../templates/import.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        (
            "password_reset.html",
            include_str!("../templates/password_reset.html"),
        ),
        ("jobs.html", include_str!("../templates/jobs.html")),
        ("survey.html", include_str!("../templates/survey.html")),
        (
            "survey_base.html",
            include_str!("../templates/survey_base.html"),
        ),
        (
            "survey_form.html",
            include_str!("../templates/survey_form.html"),
        ),
        (
            "survey_message.html",
            include_str!("../templates/survey_message.html"),
        ),
        (
            "feedback_filters.html",
            include_str!("../templates/feedback_filters.html"),
        ),
        ("themes.html", include_str!("../templates/themes.html")),
        ("theme.html", include_str!("../templates/theme.html")),
        ("journey.html", include_str!("../templates/journey.html")),
        ("wall.html", include_str!("../templates/wall.html")),
        ("accounts.html", include_str!("../templates/accounts.html")),
        (
            "account_fields.html",
            include_str!("../templates/account_fields.html"),
        ),
        (
            "account_edit.html",
            include_str!("../templates/account_edit.html"),
        ),
        (
            "account_page.html",
            include_str!("../templates/account_page.html"),
        ),
        (
            "recognition.html",
            include_str!("../templates/recognition.html"),
        ),
        (
            "wall_closed.html",
            include_str!("../templates/wall_closed.html"),
        ),
        (
            "wall_setup.html",
            include_str!("../templates/wall_setup.html"),
        ),
        (
            "wall_handout.html",
            include_str!("../templates/wall_handout.html"),
        ),
        (
            "journey_edit.html",
            include_str!("../templates/journey_edit.html"),
        ),
        (
            "journey_proposals.html",
            include_str!("../templates/journey_proposals.html"),
        ),
        (
            "journey_history.html",
            include_str!("../templates/journey_history.html"),
        ),
        ("stage.html", include_str!("../templates/stage.html")),
        ("charts.html", include_str!("../templates/charts.html")),
        ("account.html", include_str!("../templates/account.html")),
        ("pack.html", include_str!("../templates/pack.html")),
        ("councils.html", include_str!("../templates/councils.html")),
        (
            "maturity_results.html",
            include_str!("../templates/maturity_results.html"),
        ),
        (
            "maturity_report.html",
            include_str!("../templates/maturity_report.html"),
        ),
        ("maturity.html", include_str!("../templates/maturity.html")),
        (
            "questionnaire.html",
            include_str!("../templates/questionnaire.html"),
        ),
        ("meeting.html", include_str!("../templates/meeting.html")),
        (
            "department.html",
            include_str!("../templates/department.html"),
        ),
    ] {
        env.add_template(name, source)
            .expect("the embedded templates are valid");
    }
    env
}

const STYLESHEET: &str = include_str!("../templates/style.css");
/// The printable documents' rules (council pack, maturity report), on top of [`STYLESHEET`].
const DOCUMENTS_CSS: &str = include_str!("../templates/documents.css");

/// Both stylesheets in one, for a document written to a file: it must stand alone.
fn inline_styles() -> String {
    format!("{STYLESHEET}\n{DOCUMENTS_CSS}")
}

/// The application for `state`, with its security headers and request tracing.
pub fn router(state: AppState) -> Router {
    let headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        // Browsers keep to HTTPS once they have seen the site over it (they ignore the header
        // over plain HTTP); signed-in pages and API answers are never kept in a cache.
        (
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ),
        (header::CACHE_CONTROL, "no-store"),
    ];
    // The stylesheets and the icon are the same for everyone: cached for a day.
    const PUBLIC: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=86400");
    let mut app = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::metrics))
        .route(
            "/static/style.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8"), PUBLIC],
                    STYLESHEET,
                )
            }),
        )
        .route(
            "/favicon.ico",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/svg+xml"), PUBLIC],
                    include_str!("../templates/favicon.svg"),
                )
            }),
        )
        .route(
            "/static/charts.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        PUBLIC,
                    ],
                    include_str!("../templates/charts.js"),
                )
            }),
        )
        .route(
            "/static/documents.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8"), PUBLIC],
                    DOCUMENTS_CSS,
                )
            }),
        )
        .merge(pages::router(state.clone()))
        .nest("/api/v1", api::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(request_checks::refuse_nul))
        // Each answered request at INFO (method, path, status, time): `THROUGHLINE_LOG=info`
        // shows them, `THROUGHLINE_LOG_FORMAT=json` as JSON lines.
        .layer(
            TraceLayer::new_for_http()
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                )
                .make_span_with(
                    tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO),
                ),
        );
    for (name, value) in headers {
        // A response may set a stricter policy of its own (the digest preview's hashed
        // styles); every other response gets the default.
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app
}

/// `GET /health`: the server answers and the database too.
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    throughline_service::health::ready(&state.store).await?;
    Ok(axum::Json(
        serde_json::json!({ "status": "ok", "database": state.store.backend().as_str() }),
    ))
}

/// `GET /ready`: 200 when the database answers, 503 (with the reason) when it does not — for a
/// load balancer or an orchestrator to send traffic only to instances that can serve it.
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match throughline_service::health::ready(&state.store).await {
        Ok(_) => axum::Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "not ready");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({
                    "status": "not ready",
                    "reason": "the database does not answer",
                })),
            )
                .into_response()
        }
    }
}

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Application {
    listener: tokio::net::TcpListener,
    state: AppState,
    /// How often the whole-dataset views are brought up to date ahead of visitors; `None`:
    /// only when asked for.
    warm_every: Option<std::time::Duration>,
}

impl Application {
    /// Binds `listen` (`127.0.0.1:0` picks a free port).
    pub async fn build(store: Store, listen: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        Ok(Self {
            listener,
            state: AppState::new(store),
            warm_every: None,
        })
    }

    /// Every `every`, computes the whole-dataset views a change made stale before anyone asks
    /// for them (see [`AppState::warm_views`]).
    pub fn keep_views_warm(mut self, every: std::time::Duration) -> Self {
        self.warm_every = Some(every);
        self
    }

    /// E-mail set up (see [`AppState::with_mail`]).
    pub fn with_mail(mut self, smtp: throughline_notify::SmtpConfig, public_url: &str) -> Self {
        self.state = self.state.with_mail(smtp, public_url);
        self
    }

    /// Single sign-on set up (see [`AppState::with_sso`]).
    pub fn with_sso(mut self, config: sso::SsoConfig) -> Self {
        self.state = self.state.with_sso(config);
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until Ctrl-C or SIGTERM; requests in flight are finished first.
    pub async fn run(self) -> std::io::Result<()> {
        if let Some(every) = self.warm_every {
            let state = self.state.clone();
            tokio::spawn(async move {
                loop {
                    match state.warm_views().await {
                        Ok(computed) if !computed.is_empty() => {
                            tracing::info!(views = ?computed, "views computed ahead of visitors");
                        }
                        Ok(_) => {}
                        // A page asked for will say what is wrong; try again next time.
                        Err(err) => tracing::debug!(error = %err, "views not computed ahead"),
                    }
                    tokio::time::sleep(every).await;
                }
            });
        }
        // The peer's address is kept for sign-in throttling (`request_checks::client_address`).
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
