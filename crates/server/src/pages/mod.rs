//! Server-rendered pages: sign in and out, and the overview (scores with intervals, the Top Ten
//! with owners, spikes). Forms carry a CSRF token: the session's, or for the sign-in form one
//! kept in its own short-lived cookie.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_service::accounts::{self, SignInError};

mod council;
mod explorer;
mod initiatives;
mod maturity;
mod people;

use crate::auth::{LOGIN_CSRF_COOKIE, PageUser, SESSION_COOKIE, behind_tls, cookie, set_cookie};
use crate::error::PageError;
use crate::{AppError, AppState, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/admin", get(admin))
        .route("/journey", get(journey_map))
        .route("/journey/{stage}", get(stage_page))
        .route("/departments/{key}", get(department_page))
        .merge(initiatives::router())
        .merge(explorer::router())
        .merge(people::router())
        .merge(council::router())
        .merge(maturity::router())
}

/// The organisation's departments as (key, name), for select boxes; none without one.
fn department_options(
    org: Option<&throughline_domain::org::Organisation>,
) -> Vec<(String, String)> {
    org.map(|o| {
        o.departments
            .iter()
            .map(|d| (d.key.as_str().to_owned(), d.name.as_str().to_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// A form's CSRF token must be the session's.
fn check_csrf(user: &PageUser, token: &str) -> Result<(), PageError> {
    if token.is_empty() || token != user.session.csrf_token {
        return Err(
            AppError::Forbidden("the form expired; reload the page and try again".into()).into(),
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct LoginPage<'a> {
    csrf_token: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    user: Option<()>,
}

/// The sign-in form with a fresh CSRF token in a cookie scoped to `/login`.
fn login_page(
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let csrf = accounts::random_secret();
    let body = render(
        "login.html",
        LoginPage {
            csrf_token: &csrf,
            email,
            error,
            user: None,
        },
    )?;
    let cookie = set_cookie(
        LOGIN_CSRF_COOKIE,
        &csrf,
        "/login",
        3600,
        behind_tls(headers),
    );
    Ok((status, [(header::SET_COOKIE, cookie)], Html(body)).into_response())
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && accounts::session(&state.store, &secret).await?.is_some()
    {
        return Ok(Redirect::to("/").into_response());
    }
    login_page(&headers, StatusCode::OK, "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE);
    if expected.as_deref() != Some(form.csrf_token.as_str()) || form.csrf_token.is_empty() {
        return login_page(
            &headers,
            StatusCode::FORBIDDEN,
            &form.email,
            Some("The form expired. Please sign in again."),
        );
    }
    match accounts::sign_in(&state.store, &form.email, &form.password).await {
        Ok(session) => {
            let secure = behind_tls(&headers);
            let max_age = accounts::SESSION_HOURS * 3600;
            let mut response = Redirect::to("/").into_response();
            let cookies = response.headers_mut();
            for value in [
                set_cookie(SESSION_COOKIE, &session.secret, "/", max_age, secure),
                set_cookie(LOGIN_CSRF_COOKIE, "", "/login", 0, secure),
            ] {
                cookies.append(
                    header::SET_COOKIE,
                    value.parse().expect("cookie values are ASCII"),
                );
            }
            Ok(response)
        }
        Err(SignInError::Wrong) => login_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some("The e-mail address or the password is wrong."),
        ),
        Err(SignInError::TooMany) => login_page(
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            Some(&SignInError::TooMany.to_string()),
        ),
        Err(SignInError::Service(err)) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: PageUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    accounts::sign_out(&state.store, &user.secret).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", "/", 0, behind_tls(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

#[derive(Serialize)]
struct UserView {
    display_name: String,
    role: &'static str,
}

#[derive(Serialize)]
struct ScoreView {
    name: &'static str,
    value: String,
    low: String,
    high: String,
    n: u64,
    small: bool,
}

#[derive(Serialize)]
struct TopTenRow {
    theme: i64,
    rank: u32,
    label: String,
    support: u64,
    cost: String,
    cost_range: String,
    stage: String,
    owner: String,
    scope: &'static str,
    scope_class: &'static str,
    evidence: String,
}

#[derive(Serialize)]
struct SpikeView {
    label: String,
    period: String,
    count: u64,
    expected: String,
}

#[derive(Serialize)]
struct Overview {
    user: UserView,
    csrf_token: String,
    organisation: String,
    analysed: bool,
    scores: Vec<ScoreView>,
    unit: &'static str,
    top_ten: Vec<TopTenRow>,
    spikes: Vec<SpikeView>,
    charts: Vec<crate::charts::LineChart>,
    initiatives: Vec<InitiativeCount>,
    overdue: Vec<OverdueTask>,
}

#[derive(Serialize)]
struct InitiativeCount {
    status: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct OverdueTask {
    title: String,
    initiative: i64,
    initiative_title: String,
    department: String,
    owner: String,
    due: String,
}

/// The month-by-month charts of the latest analysis: NPS and CSAT with their intervals.
fn score_charts(summary: &serde_json::Value) -> Vec<crate::charts::LineChart> {
    let Some(months) = summary["monthly"].as_array() else {
        return Vec::new();
    };
    [
        ("NPS by month", "NPS points", "nps"),
        ("CSAT by month", "% satisfied (4–5)", "csat"),
    ]
    .into_iter()
    .filter_map(|(title, unit, key)| {
        let points: Vec<crate::charts::Point> = months
            .iter()
            .filter_map(|m| {
                let e = &m[key];
                Some(crate::charts::Point {
                    label: m["period"].as_str()?.to_owned(),
                    value: e["value"].as_f64()?,
                    interval: Some((e["low"].as_f64()?, e["high"].as_f64()?)),
                    n: e["n"].as_u64().unwrap_or(0),
                })
            })
            .collect();
        crate::charts::LineChart::new(title, unit, &points)
    })
    .collect()
}

/// Initiatives that are not closed, by status, and the open tasks past their due date.
async fn open_work(
    state: &AppState,
) -> Result<(Vec<InitiativeCount>, Vec<OverdueTask>), PageError> {
    use throughline_domain::action::{Date, InitiativeStatus, TaskStatus};
    let initiatives = state.store.initiatives().await?;
    let counts = [
        InitiativeStatus::Proposed,
        InitiativeStatus::Approved,
        InitiativeStatus::Active,
    ]
    .into_iter()
    .map(|status| InitiativeCount {
        status: status.as_str(),
        count: initiatives.iter().filter(|i| i.status == status).count(),
    })
    .collect();
    let today = Date::today();
    let mut overdue: Vec<OverdueTask> = state
        .store
        .tasks(None)
        .await?
        .into_iter()
        .filter(|t| t.status == TaskStatus::Open && t.task.due < today)
        .map(|t| OverdueTask {
            initiative_title: initiatives
                .iter()
                .find(|i| i.id == t.task.initiative)
                .map_or_else(String::new, |i| i.initiative.title.clone()),
            initiative: t.task.initiative,
            title: t.task.title,
            department: t.task.department.as_str().to_owned(),
            owner: t.task.owner_name,
            due: t.task.due.to_string(),
        })
        .collect();
    overdue.sort_by(|a, b| a.due.cmp(&b.due));
    Ok((counts, overdue))
}

async fn overview(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    let organisation = state
        .store
        .load_organisation()
        .await?
        .map_or_else(|| "Throughline".to_owned(), |o| o.name.as_str().to_owned());
    let run = state.store.latest_analysis_run().await?;
    let mut page = Overview {
        user: UserView {
            display_name: user.session.user.user.display_name.as_str().to_owned(),
            role: user.session.user.user.role.as_str(),
        },
        csrf_token: user.session.csrf_token.clone(),
        organisation,
        analysed: run.is_some(),
        scores: Vec::new(),
        unit: "NPS points",
        top_ten: Vec::new(),
        spikes: Vec::new(),
        charts: Vec::new(),
        initiatives: Vec::new(),
        overdue: Vec::new(),
    };
    (page.initiatives, page.overdue) = open_work(&state).await?;
    if let Some(run) = run {
        page.charts = score_charts(&run.summary);
        let scores = &run.summary["scores"];
        for (name, key, unit, decimals) in [
            ("NPS", "nps", "", 0),
            ("CSAT", "csat", "%", 0),
            ("CES", "ces", "", 2),
            ("Rating", "rating", "", 2),
        ] {
            let e = &scores[key];
            let number = |field: &str| {
                e[field]
                    .as_f64()
                    .map_or_else(String::new, |v| format!("{v:.decimals$}{unit}"))
            };
            if e.is_object() {
                page.scores.push(ScoreView {
                    name,
                    value: number("value"),
                    low: number("low"),
                    high: number("high"),
                    n: e["n"].as_u64().unwrap_or(0),
                    small: e["small_sample"].as_bool().unwrap_or(false),
                });
            }
        }
        let top = state.views.top_ten(&state.store).await?;
        if top.metric.as_deref() == Some("mean") {
            page.unit = "points of the mean score";
        }
        page.top_ten = top
            .entries
            .iter()
            .map(|e| {
                let (owner, scope, scope_class, evidence) = match &e.ownership {
                    Some(o) => (
                        o.owner_name.clone(),
                        match o.scope {
                            Scope::SingleDepartment => "single-department",
                            Scope::CrossDepartment => "cross-department",
                            Scope::Unplaced => "unplaced",
                        },
                        if o.scope == Scope::CrossDepartment {
                            "cross"
                        } else {
                            "single"
                        },
                        o.evidence
                            .iter()
                            .take(3)
                            .map(|s| format!("{} {:.0}%", s.department, s.share * 100.0))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    None => ("-".into(), "", "", String::new()),
                };
                TopTenRow {
                    theme: e.theme,
                    rank: e.rank,
                    label: e.label.clone(),
                    support: e.support,
                    cost: format!("{:.1}", -e.cost.value),
                    cost_range: format!("{:.1} to {:.1}", -e.cost.high, -e.cost.low),
                    stage: e.stage.clone().unwrap_or_else(|| "unplaced".into()),
                    owner,
                    scope,
                    scope_class,
                    evidence,
                }
            })
            .collect();
        if let Some(spikes) = run.summary["spikes"].as_array() {
            page.spikes = spikes
                .iter()
                .map(|s| SpikeView {
                    label: s["label"].as_str().unwrap_or_default().to_owned(),
                    period: s["period"].as_str().unwrap_or_default().to_owned(),
                    count: s["count"].as_u64().unwrap_or(0),
                    expected: format!("{:.0}", s["expected"].as_f64().unwrap_or(0.0)),
                })
                .collect();
        }
    }
    Ok(Html(render("overview.html", page)?))
}

/// A moment as `YYYY-MM-DD HH:MM` UTC.
fn minute(at: throughline_domain::Timestamp) -> String {
    let day = throughline_domain::action::Date::of(at);
    let minutes = at.as_millis().div_euclid(60_000).rem_euclid(24 * 60);
    format!("{day} {:02}:{:02}", minutes / 60, minutes % 60)
}

#[derive(Serialize)]
struct AdminUser {
    email: String,
    name: String,
    role: &'static str,
    department: String,
    since: String,
}

#[derive(Serialize)]
struct AdminAudit {
    at: String,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct AdminImport {
    started: String,
    source: String,
    file_name: String,
    format: String,
    rows_read: u64,
    imported: u64,
    duplicates: u64,
    rejected: u64,
}

#[derive(Serialize)]
struct AdminPage {
    user: UserView,
    csrf_token: String,
    users: Vec<AdminUser>,
    tokens: Vec<AdminToken>,
    roles: Vec<&'static str>,
    departments: Vec<(String, String)>,
    audit: Vec<AdminAudit>,
    imports: Vec<AdminImport>,
    error: Option<String>,
    min_password: usize,
    subscriptions: Vec<throughline_store::Subscription>,
    deliveries: Vec<AdminDelivery>,
}

#[derive(Serialize)]
struct AdminDelivery {
    at: String,
    department: String,
    period: String,
    channel: String,
    target: String,
    status: String,
    attempts: i64,
    error: String,
}

#[derive(Serialize)]
struct AdminToken {
    owner: String,
    name: String,
    created: String,
    last_used: String,
    revoked: String,
}

/// Users (and the form that adds one), everyone's API tokens, the audit log and the import
/// history: administrators only.
async fn admin(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    Ok(Html(admin_view(&state, &user, None).await?))
}

async fn admin_view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
) -> Result<String, PageError> {
    use throughline_domain::user::UserRole;
    let me = &user.session.user.user;
    if me.role != UserRole::Admin {
        return Err(
            AppError::Forbidden("the administration page is for administrators".into()).into(),
        );
    }
    let users = state.store.users().await?;
    let mut tokens = Vec::new();
    for u in &users {
        for t in state.store.api_tokens(u.id).await? {
            tokens.push(AdminToken {
                owner: u.user.email.as_str().to_owned(),
                name: t.name,
                created: minute(t.created_at),
                last_used: t.last_used_at.map_or_else(|| "never".to_owned(), minute),
                revoked: t.revoked_at.map_or_else(String::new, minute),
            });
        }
    }
    let departments = department_options(state.store.load_organisation().await?.as_ref());
    let text =
        |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string).unwrap_or_default();
    let page = AdminPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        tokens,
        roles: UserRole::ALL.iter().map(|r| r.as_str()).collect(),
        min_password: accounts::MIN_PASSWORD_CHARS,
        subscriptions: state.store.subscriptions().await?,
        deliveries: state
            .store
            .deliveries(100)
            .await?
            .into_iter()
            .map(|d| AdminDelivery {
                at: minute(d.sent_at.unwrap_or(d.created_at)),
                department: d.department,
                period: d.period,
                channel: d.channel,
                target: d.target,
                status: d.status,
                attempts: d.attempts,
                error: d.last_error.unwrap_or_default(),
            })
            .collect(),
        departments,
        error,
        users: users
            .into_iter()
            .map(|u| AdminUser {
                email: u.user.email.as_str().to_owned(),
                name: u.user.display_name.as_str().to_owned(),
                role: u.user.role.as_str(),
                department: u
                    .user
                    .department
                    .as_ref()
                    .map_or_else(String::new, |d| d.as_str().to_owned()),
                since: minute(u.created_at),
            })
            .collect(),
        audit: state
            .store
            .audit_log(200)
            .await?
            .into_iter()
            .map(|e| AdminAudit {
                at: minute(e.at),
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                before: text(&e.before),
                after: text(&e.after),
            })
            .collect(),
        imports: state
            .store
            .imports()
            .await?
            .into_iter()
            .map(|i| AdminImport {
                started: minute(i.started_at),
                source: i.source,
                file_name: i.file_name,
                format: i.format,
                rows_read: i.totals.rows_read,
                imported: i.totals.imported,
                duplicates: i.totals.duplicates,
                rejected: i.totals.rejected,
            })
            .collect(),
    };
    Ok(render("admin.html", page)?)
}

fn user_view(user: &PageUser) -> UserView {
    UserView {
        display_name: user.session.user.user.display_name.as_str().to_owned(),
        role: user.session.user.user.role.as_str(),
    }
}

impl From<throughline_store::Verbatim> for VerbatimView {
    fn from(v: throughline_store::Verbatim) -> Self {
        Self {
            text: v.text,
            received: throughline_domain::action::Date::of(v.received_at).to_string(),
            nps: v.nps.map_or_else(String::new, |n| n.to_string()),
            sentiment: format!("{:+.2}", v.sentiment),
            stage: v.stage.unwrap_or_else(|| "no stage".into()),
        }
    }
}

#[derive(Serialize)]
struct VerbatimView {
    text: String,
    received: String,
    nps: String,
    sentiment: String,
    stage: String,
}

/// Re-shows a form's page with its error (422) when a change was refused for a bad value;
/// other errors (forbidden, not found) become their own page.
async fn or_show_again<F>(
    result: Result<Response, AppError>,
    again: F,
) -> Result<Response, PageError>
where
    F: AsyncFnOnce(String) -> Result<String, PageError>,
{
    match result {
        Ok(response) => Ok(response),
        Err(AppError::Invalid(message)) => {
            let body = again(message).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct MapStageView {
    name: String,
    records: u64,
    negative_text: String,
    nps: String,
    touchpoints: Vec<String>,
    moments: Vec<String>,
}

#[derive(Serialize)]
struct MapCellView {
    stage: String,
    role: &'static str,
    share: String,
    heat: u8,
}

#[derive(Serialize)]
struct MapRowView {
    key: String,
    name: String,
    cells: Vec<Option<MapCellView>>,
}

#[derive(Serialize)]
struct JourneyPage {
    user: UserView,
    csrf_token: String,
    stages: Vec<MapStageView>,
    departments: Vec<MapRowView>,
}

/// 0–4 by the share of negative feedback: below 10%, 20%, 30%, 40%, and above.
fn heat(share: Option<f64>) -> u8 {
    share.map_or(0, |s| ((s * 10.0).floor() as u8).min(4))
}

async fn journey_map(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    let map = state.views.journey_map(&state.store).await?;
    let percent =
        |s: Option<f64>| s.map_or_else(|| "-".to_owned(), |s| format!("{:.0}%", s * 100.0));
    let page = JourneyPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        departments: map
            .departments
            .iter()
            .map(|d| MapRowView {
                key: d.key.clone(),
                name: d.name.clone(),
                cells: d
                    .cells
                    .iter()
                    .zip(&map.stages)
                    .map(|(cell, stage)| {
                        cell.as_ref().map(|c| MapCellView {
                            stage: stage.key.clone(),
                            role: c.role.as_str(),
                            share: percent(c.negative_share),
                            heat: heat(c.negative_share),
                        })
                    })
                    .collect(),
            })
            .collect(),
        stages: map
            .stages
            .iter()
            .map(|s| MapStageView {
                negative_text: percent(s.negative_share),
                nps: s
                    .nps
                    .map_or_else(|| "-".into(), |e| format!("{:.0}", e.value)),
                name: s.name.clone(),
                records: s.records,
                touchpoints: s.touchpoints.clone(),
                moments: s.moments_of_truth.clone(),
            })
            .collect(),
    };
    Ok(Html(render("journey.html", page)?))
}

#[derive(Deserialize)]
struct StageQuery {
    department: Option<String>,
}

#[derive(Serialize)]
struct StagePage {
    user: UserView,
    csrf_token: String,
    stage: String,
    department: Option<String>,
    role: &'static str,
    verbatims: Vec<VerbatimView>,
}

async fn stage_page(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Path(stage_key): crate::error::extract::Path<String>,
    crate::error::extract::Query(query): crate::error::extract::Query<StageQuery>,
) -> Result<Html<String>, PageError> {
    let org = state.organisation().await?;
    let stage = org
        .journey
        .stages
        .iter()
        .find(|s| s.key.as_str() == stage_key)
        .ok_or_else(|| AppError::NotFound(format!("there is no stage {stage_key:?}")))?;
    let (department, role) = match &query.department {
        Some(key) => {
            let found = org
                .departments_of_stage(stage)
                .into_iter()
                .find(|(d, _)| d.key.as_str() == key)
                .ok_or_else(|| {
                    AppError::NotFound(format!("department {key:?} takes no part in this stage"))
                })?;
            (Some(found.0.name.as_str().to_owned()), found.1.as_str())
        }
        None => (None, ""),
    };
    let verbatims = state
        .store
        .stage_verbatims(
            stage.key.as_str(),
            throughline_service::scorecards::NEGATIVE_AT_MOST,
            50,
        )
        .await?
        .into_iter()
        .map(VerbatimView::from)
        .collect();
    let page = StagePage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        stage: stage.name.as_str().to_owned(),
        department,
        role,
        verbatims,
    };
    Ok(Html(render("stage.html", page)?))
}

#[derive(Serialize)]
struct ComponentView {
    name: &'static str,
    weight: f64,
    score: String,
    detail: String,
}

#[derive(Serialize)]
struct TouchpointRow {
    name: String,
    stage: String,
    role: &'static str,
}

#[derive(Serialize)]
struct TaskRow {
    title: String,
    initiative: String,
    owner: String,
    due: String,
    overdue: bool,
}

#[derive(Serialize)]
struct MeasureRow {
    key: String,
    name: String,
    records: u64,
    nps: String,
    departments: String,
}

#[derive(Serialize)]
struct ThemeLink {
    id: i64,
    label: String,
}

#[derive(Serialize)]
struct DepartmentPage {
    user: UserView,
    csrf_token: String,
    key: String,
    name: String,
    score: String,
    components: Vec<ComponentView>,
    touchpoints: Vec<TouchpointRow>,
    themes: Vec<ThemeLink>,
    tasks: Vec<TaskRow>,
    measures: Vec<MeasureRow>,
    kpis: Vec<String>,
    stories: Vec<VerbatimView>,
}

/// A department: its scorecard, touchpoints, the negative themes it owns, its open tasks, the
/// stage measures it shares, its own KPIs.
async fn department_page(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Path(key): crate::error::extract::Path<String>,
) -> Result<Html<String>, PageError> {
    let card = throughline_service::scorecards::department(
        &state.store,
        &key,
        throughline_analytics::scorecard::Weights::default(),
        SINGLE_DEPARTMENT_SHARE,
    )
    .await?;
    let org = state.organisation().await?;
    let touchpoints = org
        .touchpoints()
        .filter_map(|(stage, t)| {
            let role = if t.owners.iter().any(|o| o.as_str() == key) {
                "owner"
            } else if t.contributors.iter().any(|c| c.as_str() == key) {
                "contributor"
            } else {
                return None;
            };
            Some(TouchpointRow {
                name: t.name.as_str().to_owned(),
                stage: stage.name.as_str().to_owned(),
                role,
            })
        })
        .collect();
    let initiatives = state.store.initiatives().await?;
    let today = throughline_domain::action::Date::today();
    let tasks = state
        .store
        .tasks(None)
        .await?
        .into_iter()
        .filter(|t| {
            t.task.department.as_str() == key
                && t.status == throughline_domain::action::TaskStatus::Open
        })
        .map(|t| TaskRow {
            initiative: initiatives
                .iter()
                .find(|i| i.id == t.task.initiative)
                .map_or_else(String::new, |i| i.initiative.title.clone()),
            overdue: t.task.due < today,
            title: t.task.title,
            owner: t.task.owner_name,
            due: t.task.due.to_string(),
        })
        .collect();
    // Customer stories: the latest negative comments on the stages it takes part in.
    let stages: Vec<String> = org
        .stages_of_department(&key)
        .iter()
        .map(|s| s.key.as_str().to_owned())
        .collect();
    let stories = state
        .store
        .find_feedback(
            &throughline_store::FeedbackFilter {
                stages: Some(stages),
                sentiment: Some("negative".into()),
                newest_first: true,
                ..Default::default()
            },
            None,
            5,
        )
        .await?
        .into_iter()
        .map(|r| VerbatimView {
            text: r.text(
                "
",
            ),
            received: throughline_domain::action::Date::of(r.received_at).to_string(),
            nps: r.nps.map_or_else(String::new, |n| n.to_string()),
            sentiment: r.sentiment.map_or_else(String::new, |s| format!("{s:+.2}")),
            stage: r.stage.unwrap_or_else(|| "no stage".into()),
        })
        .collect();
    let page = DepartmentPage {
        stories,
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        key: card.department.clone(),
        name: card.name.clone(),
        score: card
            .scorecard
            .score
            .map_or_else(|| "no score yet".to_owned(), |s| format!("{s:.0} / 100")),
        components: card
            .scorecard
            .components
            .iter()
            .map(|c| ComponentView {
                name: c.name,
                weight: c.weight,
                score: c
                    .score
                    .map_or_else(|| "missing".to_owned(), |s| format!("{s:.0}")),
                detail: c.detail.clone(),
            })
            .collect(),
        touchpoints,
        themes: card
            .negative_themes
            .iter()
            .map(|(id, label)| ThemeLink {
                id: *id,
                label: label.clone(),
            })
            .collect(),
        tasks,
        measures: card
            .shared_measures
            .iter()
            .map(|m| MeasureRow {
                key: m.stage.clone(),
                name: m.name.clone(),
                records: m.records,
                nps: m.nps.map_or_else(
                    || "-".into(),
                    |e| format!("{:.0} ({:.0} to {:.0})", e.value, e.low, e.high),
                ),
                departments: m
                    .departments
                    .iter()
                    .map(|(d, role)| format!("{d} ({})", role.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        kpis: card
            .own_kpis
            .iter()
            .map(|k| {
                let value = k.latest.as_ref().map_or_else(
                    || "no value recorded".to_owned(),
                    |v| format!("{} {} on {}", v.value, k.unit, v.on),
                );
                let movement = k.movement.map(|m| format!(", {m}")).unwrap_or_default();
                format!("{}: {value}{movement}", k.name)
            })
            .collect(),
    };
    Ok(Html(render("department.html", page)?))
}
