//! The explorer's tables as CSV files, for a spreadsheet or another tool: the themes with their
//! measures (`/themes.csv`), and a theme's records as its page's filters keep them — every page
//! of them, so the file holds the page's "n of N" (`/themes/{id}/records.csv`). Text cells that a
//! spreadsheet would run as a formula are written behind an apostrophe.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use throughline_domain::Timestamp;
use throughline_ingest::rejects::guard;
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_service::themes;
use throughline_store::FeedbackListing;

use super::VerbatimQuery;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::{AppError, AppState};

/// Records read from the store at a time.
const BATCH: u32 = 1_000;

/// The file's columns.
const HEADER: [&str; 16] = [
    "record",
    "received_at",
    "source",
    "source_id",
    "stage",
    "touchpoint",
    "channel",
    "nps",
    "csat",
    "ces",
    "rating",
    "sentiment",
    "sentiment_label",
    "comment",
    "helpful",
    "hindering",
];

/// The themes file's columns.
const THEME_HEADER: [&str; 12] = [
    "theme",
    "label",
    "status",
    "records",
    "share",
    "mean_sentiment",
    "effect",
    "effect_low",
    "effect_high",
    "top_ten_rank",
    "stage",
    "phrases",
];

/// `/themes.csv`: every theme (archived and merged ones too, with their status), largest first,
/// with its measures from the latest analysis; the effect signed as on the page (negative:
/// the theme lowers the score).
pub(super) async fn themes_csv(
    State(state): State<AppState>,
    _user: PageUser,
) -> Result<Response, PageError> {
    let mut listed = themes::list(&state.store, true).await?;
    listed.sort_by(|a, b| {
        b.aggregates
            .records
            .cmp(&a.aggregates.records)
            .then(a.id.cmp(&b.id))
    });
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(THEME_HEADER).map_err(csv_error)?;
    for t in &listed {
        let a = &t.aggregates;
        let cost = |of: fn(&throughline_store::Interval) -> f64| {
            a.impact
                .as_ref()
                .map_or_else(String::new, |i| format!("{:.2}", of(&i.cost)))
        };
        out.write_record([
            t.id.to_string(),
            guard(&t.label).into_owned(),
            t.status.as_str().to_owned(),
            a.records.to_string(),
            format!("{:.4}", a.share),
            a.mean_sentiment
                .map_or_else(String::new, |s| format!("{s:.4}")),
            cost(|c| c.value),
            cost(|c| c.low),
            cost(|c| c.high),
            a.top_ten_rank.map_or_else(String::new, |r| r.to_string()),
            a.stage
                .as_deref()
                .map_or_else(String::new, |s| guard(s).into_owned()),
            guard(&t.phrases.join("; ")).into_owned(),
        ])
        .map_err(csv_error)?;
    }
    csv_file("themes.csv", out)
}

/// A finished CSV file as the answer, to be saved under `name`.
fn csv_file(name: &str, out: csv::Writer<Vec<u8>>) -> Result<Response, PageError> {
    let body = out
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `/themes/{id}/records.csv` with the theme page's filters.
pub(super) async fn theme_records_csv(
    State(state): State<AppState>,
    _user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    // An unknown theme is a 404, as its page is.
    themes::show(&state.store, id, 0).await?;
    let mut filters = query.filters;
    filters.theme = Some(id.to_string());
    records_csv(&state, &filters, &format!("theme-{id}-records.csv")).await
}

/// `/feedback.csv` with the search page's filters.
pub(super) async fn feedback_csv(
    State(state): State<AppState>,
    _user: PageUser,
    Query(query): Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    records_csv(&state, &query.filters, "feedback.csv").await
}

/// Every record `filters` keep, as a CSV file saved under `name`.
async fn records_csv(
    state: &AppState,
    filters: &FeedbackQuery,
    name: &str,
) -> Result<Response, PageError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).map_err(csv_error)?;
    let mut after = None;
    loop {
        let batch = feedback::find(&state.store, filters, after, BATCH).await?;
        for record in &batch {
            out.write_record(row(record)).map_err(csv_error)?;
        }
        if batch.len() < BATCH as usize {
            break;
        }
        after = batch.last().map(|r| r.id);
    }
    csv_file(name, out)
}

fn csv_error(err: csv::Error) -> PageError {
    AppError::Internal(format!("cannot write the CSV file: {err}")).into()
}

/// A record as the file's row: numbers as numbers, text guarded against formulas.
fn row(r: &FeedbackListing) -> Vec<String> {
    let text = |t: &Option<String>| {
        t.as_deref()
            .map_or_else(String::new, |t| guard(t).into_owned())
    };
    let number = |n: Option<i64>| n.map_or_else(String::new, |n| n.to_string());
    vec![
        r.id.to_string(),
        rfc3339(r.received_at),
        guard(&r.source).into_owned(),
        text(&r.external_id),
        text(&r.stage),
        text(&r.touchpoint),
        text(&r.channel),
        number(r.nps),
        number(r.csat),
        number(r.ces),
        r.rating.map_or_else(String::new, |v| v.to_string()),
        r.sentiment.map_or_else(String::new, |s| format!("{s:.4}")),
        text(&r.sentiment_label),
        text(&r.comment),
        text(&r.helpful),
        text(&r.hindering),
    ]
}

/// "2026-10-01T09:30:00Z".
fn rfc3339(at: Timestamp) -> String {
    let day = throughline_domain::action::Date::of(at);
    let seconds = at.as_millis().div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        day.as_str(),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text_and_numbers_as_numbers() {
        let record = FeedbackListing {
            id: 7,
            source: "survey".into(),
            external_id: Some("=HYPERLINK(\"http://evil\")".into()),
            received_at: Timestamp::from_millis(1_759_311_000_000),
            channel: Some("+44 20 7946 0000".into()),
            stage: Some("delivery".into()),
            touchpoint: None,
            nps: Some(3),
            csat: None,
            ces: None,
            rating: None,
            comment: Some("@everyone the sofa arrived broken".into()),
            helpful: None,
            hindering: Some("-nothing".into()),
            sentiment: Some(-0.5),
            sentiment_label: Some("negative".into()),
        };
        let cells = row(&record);
        assert_eq!(cells[1], "2025-10-01T09:30:00Z");
        assert_eq!(cells[3], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(cells[6], "'+44 20 7946 0000");
        assert_eq!(cells[13], "'@everyone the sofa arrived broken");
        assert_eq!(cells[15], "'-nothing");
        assert_eq!(cells[7], "3");
        assert_eq!(cells[11], "-0.5000", "a score is a number, not a formula");
    }
}
