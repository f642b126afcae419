//! The administration page: users, API tokens, imports, digest deliveries and the audit log
//! (`audit`: its entries read as words), and the forms it holds beside the user forms
//! (`forms`: digest subscriptions, the retention policy, a customer's erasure).

mod audit;
mod forms;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;
use throughline_service::org;
use throughline_service::{accounts, feedback, retention};
use throughline_service::{digest, wall};
use throughline_store::Erasure;

use super::{UserView, department_options, minute, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppError, AppState, render};

/// Administrators only: anyone else gets 403 and what only administrators do.
fn administrators_only(user: &PageUser, what: &str) -> Result<(), PageError> {
    if user.session.user.user.role == throughline_domain::user::UserRole::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("only administrators {what}")).into())
    }
}

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin))
        .merge(forms::router())
        .merge(audit::router())
}

#[derive(Serialize)]
struct AdminUser {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    department: String,
    since: String,
    disabled: bool,
    /// The signed-in administrator's own row (no disable or demote there).
    is_me: bool,
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
    audit: Vec<audit::EntryView>,
    imports: Vec<AdminImport>,
    imports_total: u64,
    /// The id to page back from, when there are older imports.
    imports_older: Option<i64>,
    /// Whether this is an older page (a link back to the newest).
    imports_newer: bool,
    error: Option<String>,
    min_password: usize,
    subscriptions: Vec<throughline_store::Subscription>,
    deliveries: Vec<AdminDelivery>,
    stages: Vec<(String, String)>,
    wall_links: Vec<AdminWallLink>,
    made_link: Option<NewWallLinkView>,
    wall_error: Option<String>,
    /// What a customer's erasure just removed.
    erased: Option<Erasure>,
    erasure_error: Option<String>,
    retention: Option<RetentionView>,
    retention_error: Option<String>,
    subscription_error: Option<String>,
}

/// The retention policy in force, for the page.
#[derive(Serialize)]
struct RetentionView {
    months: u32,
    anonymise: bool,
    set_by: String,
    set_at: String,
    last_applied: String,
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
async fn admin(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Query(query): crate::error::extract::Query<AdminQuery>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        admin_page(&state, &user, None, FormNote::None, query.imports_before).await?,
    ))
}

#[derive(serde::Deserialize)]
struct AdminQuery {
    /// The import history from before this import (its older page).
    imports_before: Option<i64>,
}

/// Imports shown per page of the history.
const IMPORTS_PER_PAGE: u32 = 50;

pub(super) async fn admin_view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
) -> Result<String, PageError> {
    admin_page(state, user, error, FormNote::None, None).await
}

/// What the page says after a form: the address of a story-wall link just made (shown this
/// once), or why one was not made; what a customer's erasure removed, or why it was refused.
pub(super) enum FormNote {
    None,
    Made(NewWallLinkView),
    Refused(String),
    Erased(Erasure),
    ErasureRefused(String),
    RetentionRefused(String),
    SubscriptionRefused(String),
}

/// A story-wall link just made: its address is shown this once.
#[derive(Serialize)]
pub(super) struct NewWallLinkView {
    pub id: i64,
    pub label: String,
    pub path: String,
}

#[derive(Serialize)]
struct AdminWallLink {
    id: i64,
    label: String,
    scope: String,
    created: String,
    created_by: String,
    last_used: String,
    revoked: String,
}

pub(super) async fn admin_page(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
    note: FormNote,
    imports_before: Option<i64>,
) -> Result<String, PageError> {
    let (mut made_link, mut wall_error, mut erased, mut erasure_error) = (None, None, None, None);
    let (mut retention_error, mut subscription_error) = (None, None);
    match note {
        FormNote::None => {}
        FormNote::Made(made) => made_link = Some(made),
        FormNote::Refused(message) => wall_error = Some(message),
        FormNote::Erased(done) => erased = Some(done),
        FormNote::ErasureRefused(message) => erasure_error = Some(message),
        FormNote::RetentionRefused(message) => retention_error = Some(message),
        FormNote::SubscriptionRefused(message) => subscription_error = Some(message),
    }
    use throughline_domain::user::UserRole;
    let me = &user.session.user.user;
    if me.role != UserRole::Admin {
        return Err(
            AppError::Forbidden("the administration page is for administrators".into()).into(),
        );
    }
    let users = accounts::all_users(&state.store).await?;
    let mut tokens = Vec::new();
    for u in &users {
        for t in accounts::api_tokens(&state.store, u.id).await? {
            tokens.push(AdminToken {
                owner: u.user.email.as_str().to_owned(),
                name: t.name,
                created: minute(t.created_at),
                last_used: t.last_used_at.map_or_else(|| "never".to_owned(), minute),
                revoked: t.revoked_at.map_or_else(String::new, minute),
            });
        }
    }
    let organisation = org::organisation(&state.store).await?;
    let departments = department_options(organisation.as_ref());
    let stages: Vec<(String, String)> = organisation
        .as_ref()
        .map(|o| {
            o.journey
                .stages
                .iter()
                .map(|s| (s.key.to_string(), s.name.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let wall_links = wall::links(&state.store)
        .await?
        .into_iter()
        .map(|l| AdminWallLink {
            id: l.id,
            scope: match (&l.department, &l.stage) {
                (Some(d), Some(s)) => format!("department {d}, stage {s}"),
                (Some(d), None) => format!("department {d}"),
                (None, Some(s)) => format!("stage {s}"),
                (None, None) => "every department".to_owned(),
            },
            label: l.label,
            created: minute(l.created_at),
            created_by: l.created_by,
            last_used: l.last_used_at.map_or_else(|| "never".to_owned(), minute),
            revoked: l.revoked_at.map_or_else(String::new, minute),
        })
        .collect();
    // A page of the import history: every API call that stores feedback is an import, so a
    // busy integration makes tens of thousands (one page of them all was 8.8 MB).
    let (imports, imports_total) =
        feedback::imports_page(&state.store, IMPORTS_PER_PAGE, imports_before).await?;
    let page = AdminPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        tokens,
        roles: UserRole::ALL.iter().map(|r| r.as_str()).collect(),
        min_password: accounts::MIN_PASSWORD_CHARS,
        subscriptions: digest::subscriptions(&state.store).await?,
        deliveries: digest::deliveries(&state.store, 100)
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
        stages,
        wall_links,
        made_link,
        wall_error,
        erased,
        erasure_error,
        retention: retention::policy(&state.store)
            .await?
            .map(|p| RetentionView {
                months: p.months,
                anonymise: p.mode == throughline_store::RetentionMode::Anonymise,
                set_by: p.set_by,
                set_at: minute(p.set_at),
                last_applied: p
                    .last_applied_at
                    .map_or_else(|| "not yet".to_owned(), minute),
            }),
        retention_error,
        subscription_error,
        error,
        users: users
            .into_iter()
            .map(|u| AdminUser {
                id: u.id,
                disabled: u.disabled_at.is_some(),
                is_me: u.id == user.session.user.id,
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
        audit: accounts::audit_log(&state.store, 200)
            .await?
            .iter()
            .map(audit::entry_view)
            .collect(),
        imports_total,
        imports_older: (imports.len() == IMPORTS_PER_PAGE as usize)
            .then(|| imports.last().map(|i| i.id))
            .flatten(),
        imports_newer: imports_before.is_some(),
        imports: imports
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
