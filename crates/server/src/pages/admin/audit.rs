//! The audit log for people: its entries read as words (`readable`), and its own page
//! (`/admin/audit`, administrators only) — every entry, filtered by who, what and when, a
//! hundred a page, with how many match — and every entry the filters keep as a file
//! (`/admin/audit.csv`, `.xlsx`), for an auditor's own tools.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::action::Date;
use throughline_service::accounts;
use throughline_store::AuditFilter;

use super::administrators_only;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Query;
use crate::pages::table_file::{Cell, FileKind, Table};
use crate::pages::{UserView, minute, user_view};
use crate::{AppError, AppState, render};

/// Entries a page shows.
const PER_PAGE: u32 = 100;

/// Entries read from the store at a time for a file.
const FILE_BATCH: u32 = 1_000;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(page))
        .route("/admin/audit.csv", get(audit_csv))
        .route("/admin/audit.xlsx", get(audit_xlsx))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    who: String,
    #[serde(default)]
    what: String,
    /// Days, `YYYY-MM-DD`, both included.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The next page: entries older than this one.
    before: Option<i64>,
}

impl AuditQuery {
    /// The store's filter, and what was wrong with a day typed (that condition left out).
    fn filter(&self) -> (AuditFilter, Vec<String>) {
        let mut problems = Vec::new();
        let filter = AuditFilter {
            actor: Some(self.who.clone()),
            action: Some(self.what.clone()),
            from: day("From", &self.from, &mut problems).map(|d| d.start()),
            // The whole of the last day.
            to: day("To", &self.to, &mut problems).map(|d| d.plus_days(1).start()),
        };
        (filter, problems)
    }
}

/// An audit entry as the tables show it: its time in UTC minutes, before and after in words.
#[derive(Serialize)]
pub(super) struct EntryView {
    at: String,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct AuditPage {
    user: UserView,
    who: String,
    what: String,
    from: String,
    to: String,
    actions: Vec<String>,
    entries: Vec<EntryView>,
    /// "12 of 340 entries match" and the like.
    matching: String,
    /// The query of the next (older) page, when there is one.
    older: Option<String>,
    /// The query of the first page with the same filters.
    newest: String,
    paged: bool,
    problems: Vec<String>,
}

pub(super) fn entry_view(e: &throughline_store::AuditEntry) -> EntryView {
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(readable).unwrap_or_default();
    EntryView {
        at: minute(e.at),
        actor: e.actor.clone(),
        action: e.action.clone(),
        subject: e.subject.clone(),
        before: text(&e.before),
        after: text(&e.after),
    }
}

/// A day typed into the filter, or the problem with it.
fn day(field: &str, value: &str, problems: &mut Vec<String>) -> Option<Date> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Date::parse(value)
        .map_err(|e| problems.push(format!("{field}: {e}; that filter is left out")))
        .ok()
}

async fn page(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    administrators_only(&user, "read the audit log")?;
    let (filter, problems) = query.filter();
    let entries = accounts::audit_entries(&state.store, &filter, query.before, PER_PAGE).await?;
    let total = accounts::count_audit(&state.store, &filter).await?;
    let all = accounts::count_audit(&state.store, &AuditFilter::default()).await?;
    let entries_word = |n: u64| if n == 1 { "entry" } else { "entries" };
    let matching = if total == all && all == 1 {
        "One entry".to_owned()
    } else if total == all {
        format!("All {all} entries, the newest first")
    } else {
        format!(
            "{total} of {all} {} {}, the newest first",
            entries_word(all),
            if total == 1 { "matches" } else { "match" }
        )
    };
    // The same filters, for the links to the newest and the older entries.
    let newest = format!(
        "who={}&what={}&from={}&to={}",
        crate::pages::percent_encode(&query.who),
        crate::pages::percent_encode(&query.what),
        crate::pages::percent_encode(&query.from),
        crate::pages::percent_encode(&query.to),
    );
    let older = (entries.len() == PER_PAGE as usize)
        .then(|| entries.last().map(|e| format!("{newest}&before={}", e.id)))
        .flatten();
    Ok(Html(render(
        "audit.html",
        AuditPage {
            user: user_view(&user),
            actions: accounts::audit_actions(&state.store).await?,
            entries: entries.iter().map(entry_view).collect(),
            matching,
            older,
            newest,
            paged: query.before.is_some(),
            problems,
            who: query.who,
            what: query.what,
            from: query.from,
            to: query.to,
        },
    )?))
}

/// The audit file's columns: each entry in words, and its before and after as stored (JSON).
const FILE_HEADER: [&str; 9] = [
    "entry",
    "at",
    "actor",
    "action",
    "subject",
    "before",
    "after",
    "before_json",
    "after_json",
];

async fn audit_csv(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    audit_file(&state, &user, &query)
        .await?
        .answer(FileKind::Csv)
}

async fn audit_xlsx(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    audit_file(&state, &user, &query)
        .await?
        .answer(FileKind::Xlsx)
}

/// Every entry the page's filters keep, the newest first. A day the page would leave out with
/// a note is refused here: a file cannot carry the note.
async fn audit_file(
    state: &AppState,
    user: &PageUser,
    query: &AuditQuery,
) -> Result<Table, PageError> {
    administrators_only(user, "read the audit log")?;
    let (filter, problems) = query.filter();
    if !problems.is_empty() {
        return Err(AppError::Invalid(
            problems.join("; ").replace("; that filter is left out", ""),
        )
        .into());
    }
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let batch = accounts::audit_entries(&state.store, &filter, before, FILE_BATCH).await?;
        let json = |v: &Option<serde_json::Value>| {
            Cell::text(v.as_ref().map(|v| v.to_string()).as_deref())
        };
        let text = |v: &Option<serde_json::Value>| Cell::text(v.as_ref().map(readable).as_deref());
        rows.extend(batch.iter().map(|e| {
            vec![
                Cell::Number(e.id as f64),
                Cell::text(e.at.rfc3339().as_deref()),
                Cell::Text(e.actor.clone()),
                Cell::Text(e.action.clone()),
                Cell::Text(e.subject.clone()),
                text(&e.before),
                text(&e.after),
                json(&e.before),
                json(&e.after),
            ]
        }));
        if batch.len() < FILE_BATCH as usize {
            break;
        }
        before = batch.last().map(|e| e.id);
    }
    Ok(Table {
        name: "audit-log".to_owned(),
        header: &FILE_HEADER,
        rows,
    })
}

/// An audit entry's before or after for people: "label: Orders arrive late; records: 120",
/// times as UTC minutes (not milliseconds as earlier versions stored them, nor RFC 3339), lists as their items or their count; at most about
/// 300 characters.
pub(super) fn readable(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn scalar(key: &str, v: &Value) -> Option<String> {
        match v {
            Value::Null => Some("none".to_owned()),
            Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
            Value::Number(n) => Some(match n.as_i64() {
                Some(ms) if key.ends_with("_at") && ms > 1_000_000_000_000 => {
                    minute(throughline_domain::Timestamp::from_millis(ms))
                }
                _ => n.to_string(),
            }),
            // Times as the JSON of this version writes them (RFC 3339), for people.
            Value::String(s) if key.ends_with("_at") => Some(
                serde_json::from_value::<throughline_domain::Timestamp>(v.clone())
                    .map_or_else(|_| s.clone(), minute),
            ),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    fn render(key: &str, v: &Value) -> String {
        if let Some(s) = scalar(key, v) {
            return s;
        }
        match v {
            Value::Array(items) if items.iter().all(|i| scalar(key, i).is_some()) => items
                .iter()
                .filter_map(|i| scalar(key, i))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Array(items) => format!("{} items", items.len()),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| format!("{}: {}", k.replace('_', " "), render(k, v)))
                .collect::<Vec<_>>()
                .join("; "),
            _ => String::new(),
        }
    }
    let text = render("", value);
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn audit_values_read_as_words_and_times() {
        let v = serde_json::json!({
            "label": "Orders arrive late",
            "created_at": 1_764_892_800_000_i64,
            "themes": [3, 4],
            "changes": [{"kind": "added"}, {"kind": "removed"}],
            "open": true,
        });
        let text = readable(&v);
        assert!(text.contains("label: Orders arrive late"), "{text}");
        assert!(text.contains("created at: 2025-12-05 00:00"), "{text}");
        assert!(text.contains("themes: 3, 4"), "{text}");
        assert!(text.contains("changes: 2 items"), "{text}");
        assert!(text.contains("open: yes"), "{text}");
        assert!(readable(&serde_json::json!({"x": "y".repeat(400)})).ends_with('…'));
    }
}
