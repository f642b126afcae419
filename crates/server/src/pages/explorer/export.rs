//! The explorer's tables as CSV or Excel files, for a spreadsheet or another tool: the themes
//! with their measures (`/themes.csv`, `/themes.xlsx`), the Top Ten of all the data or of a
//! period (`/top-ten.csv`, `/top-ten.xlsx`), and the records a search or a theme's
//! page keeps — every page of them, so the file holds the page's "n of N" (`/feedback.csv`,
//! `/themes/{id}/records.csv`, and `.xlsx`). Numbers are numbers. Text a spreadsheet would run
//! as a formula cannot run: in CSV it is written behind an apostrophe, in Excel as a text cell.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_service::period::{self, PeriodQuery};
use throughline_service::themes;
use throughline_store::FeedbackListing;

use super::VerbatimQuery;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::pages::table_file::{Cell, FileKind, Table};

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
    themes_table(&state).await?.answer(FileKind::Csv)
}

/// `/themes.xlsx`: the same as an Excel workbook.
pub(super) async fn themes_xlsx(
    State(state): State<AppState>,
    _user: PageUser,
) -> Result<Response, PageError> {
    themes_table(&state).await?.answer(FileKind::Xlsx)
}

async fn themes_table(state: &AppState) -> Result<Table, PageError> {
    let mut listed = themes::list(&state.store, true).await?;
    listed.sort_by(|a, b| {
        b.aggregates
            .records
            .cmp(&a.aggregates.records)
            .then(a.id.cmp(&b.id))
    });
    let rows = listed
        .iter()
        .map(|t| {
            let a = &t.aggregates;
            let cost = |of: fn(&throughline_store::Interval) -> f64| {
                Cell::number(
                    a.impact
                        .as_ref()
                        .map(|i| (of(&i.cost) * 100.0).round() / 100.0),
                )
            };
            vec![
                Cell::Number(t.id as f64),
                Cell::Text(t.label.clone()),
                Cell::Text(t.status.as_str().to_owned()),
                Cell::Number(a.records as f64),
                Cell::Number(round4(a.share)),
                Cell::number(a.mean_sentiment.map(round4)),
                cost(|c| c.value),
                cost(|c| c.low),
                cost(|c| c.high),
                Cell::number(a.top_ten_rank.map(f64::from)),
                Cell::text(a.stage.as_deref()),
                Cell::Text(t.phrases.join("; ")),
            ]
        })
        .collect();
    Ok(Table {
        name: "themes".to_owned(),
        header: &THEME_HEADER,
        rows,
    })
}

/// The Top Ten file's columns.
const TOP_TEN_HEADER: [&str; 15] = [
    "rank",
    "theme",
    "label",
    "scored_records",
    "records",
    "effect",
    "effect_low",
    "effect_high",
    "stage",
    "scope",
    "owner",
    "evidence",
    "period_from",
    "period_to",
    "all_data_rank",
];

/// `/top-ten.csv`: the Top Ten as the overview shows it — with a period (`?period=…`), the
/// period's own, ranked on its records, each theme beside its place in the Top Ten of all the
/// data.
pub(super) async fn top_ten_csv(
    State(state): State<AppState>,
    _user: PageUser,
    Query(asked): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    top_ten_table(&state, &asked).await?.answer(FileKind::Csv)
}

/// `/top-ten.xlsx`: the same as an Excel workbook.
pub(super) async fn top_ten_xlsx(
    State(state): State<AppState>,
    _user: PageUser,
    Query(asked): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    top_ten_table(&state, &asked).await?.answer(FileKind::Xlsx)
}

async fn top_ten_table(state: &AppState, asked: &PeriodQuery) -> Result<Table, PageError> {
    let overall = state.views.top_ten(&state.store).await?;
    let (top, name) = match asked.span(&Date::today())? {
        Some(span) => (
            Arc::new(period::top_ten(&state.store, &span.current, SINGLE_DEPARTMENT_SHARE).await?),
            format!(
                "top-ten-{}-to-{}",
                span.current.from.as_str(),
                span.current.last().as_str()
            ),
        ),
        None => (overall.clone(), "top-ten".to_owned()),
    };
    let (from, last) = match &top.period {
        Some(days) => (
            Cell::Text(days.from.as_str().to_owned()),
            Cell::Text(days.last().as_str().to_owned()),
        ),
        None => (Cell::Blank, Cell::Blank),
    };
    let rows = top
        .entries
        .iter()
        .map(|e| {
            let rounded = |v: f64| Cell::Number((v * 100.0).round() / 100.0);
            let owner = e.ownership.as_ref();
            vec![
                Cell::Number(f64::from(e.rank)),
                Cell::Number(e.theme as f64),
                Cell::Text(e.label.clone()),
                Cell::Number(e.support as f64),
                Cell::Number(e.records as f64),
                rounded(e.cost.value),
                rounded(e.cost.low),
                rounded(e.cost.high),
                Cell::text(e.stage.as_deref()),
                Cell::text(owner.map(|o| o.scope.as_str())),
                Cell::text(owner.map(|o| o.owner_name.as_str())),
                Cell::Text(owner.map_or_else(String::new, |o| {
                    o.evidence
                        .iter()
                        .map(|s| format!("{} {:.0}%", s.department, s.share * 100.0))
                        .collect::<Vec<_>>()
                        .join("; ")
                })),
                from.clone(),
                last.clone(),
                Cell::number(
                    overall
                        .entries
                        .iter()
                        .find(|o| o.theme == e.theme)
                        .map(|o| f64::from(o.rank)),
                ),
            ]
        })
        .collect();
    Ok(Table {
        name,
        header: &TOP_TEN_HEADER,
        rows,
    })
}

/// Four decimals are plenty for a share or a sentiment.
fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// `/themes/{id}/records.csv` (and `.xlsx`) with the theme page's filters.
pub(super) async fn theme_records_csv(
    state: State<AppState>,
    user: PageUser,
    id: Path<i64>,
    query: Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    theme_records(state, user, id, query, FileKind::Csv).await
}

pub(super) async fn theme_records_xlsx(
    state: State<AppState>,
    user: PageUser,
    id: Path<i64>,
    query: Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    theme_records(state, user, id, query, FileKind::Xlsx).await
}

async fn theme_records(
    State(state): State<AppState>,
    _user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<VerbatimQuery>,
    kind: FileKind,
) -> Result<Response, PageError> {
    // An unknown theme is a 404, as its page is.
    themes::show(&state.store, id, 0).await?;
    let mut filters = query.filters;
    filters.theme = Some(id.to_string());
    records(&state, &filters, &format!("theme-{id}-records"))
        .await?
        .answer(kind)
}

/// `/feedback.csv` (and `.xlsx`) with the search page's filters.
pub(super) async fn feedback_csv(
    State(state): State<AppState>,
    _user: PageUser,
    Query(query): Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    records(&state, &query.filters, "feedback")
        .await?
        .answer(FileKind::Csv)
}

pub(super) async fn feedback_xlsx(
    State(state): State<AppState>,
    _user: PageUser,
    Query(query): Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    records(&state, &query.filters, "feedback")
        .await?
        .answer(FileKind::Xlsx)
}

/// Every record `filters` keep, as a table named `name`.
async fn records(
    state: &AppState,
    filters: &FeedbackQuery,
    name: &str,
) -> Result<Table, PageError> {
    let rows = feedback::all(&state.store, filters)
        .await?
        .iter()
        .map(row)
        .collect();
    Ok(Table {
        name: name.to_owned(),
        header: &HEADER,
        rows,
    })
}

/// A record as the file's row: numbers as numbers, text as text.
fn row(r: &FeedbackListing) -> Vec<Cell> {
    let text = |t: &Option<String>| Cell::text(t.as_deref());
    let number = |n: Option<i64>| Cell::number(n.map(|n| n as f64));
    vec![
        Cell::Number(r.id as f64),
        Cell::Text(rfc3339(r.received_at)),
        Cell::Text(r.source.clone()),
        text(&r.external_id),
        text(&r.stage),
        text(&r.touchpoint),
        text(&r.channel),
        number(r.nps),
        number(r.csat),
        number(r.ces),
        Cell::number(r.rating),
        Cell::number(r.sentiment.map(round4)),
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
        let cells: Vec<String> = row(&record).iter().map(Cell::csv).collect();
        assert_eq!(cells[1], "2025-10-01T09:30:00Z");
        assert_eq!(cells[3], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(cells[6], "'+44 20 7946 0000");
        assert_eq!(cells[13], "'@everyone the sofa arrived broken");
        assert_eq!(cells[15], "'-nothing");
        assert_eq!(cells[7], "3");
        assert_eq!(cells[11], "-0.5", "a score is a number, not a formula");
    }
}
