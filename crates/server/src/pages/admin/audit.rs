//! The audit log for people: its entries read as words (`readable`), and its own page
//! (`/admin/audit`, administrators only) — every entry, filtered by who, what and when, a
//! hundred a page, with how many match.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::action::Date;
use throughline_service::accounts;
use throughline_store::AuditFilter;

use super::administrators_only;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Query;
use crate::pages::{UserView, minute, user_view};
use crate::{AppState, render};

/// Entries a page shows.
const PER_PAGE: u32 = 100;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(page))
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
    let mut problems = Vec::new();
    let filter = AuditFilter {
        actor: Some(query.who.clone()),
        action: Some(query.what.clone()),
        from: day("From", &query.from, &mut problems).map(|d| d.start()),
        // The whole of the last day.
        to: day("To", &query.to, &mut problems).map(|d| d.plus_days(1).start()),
    };
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
