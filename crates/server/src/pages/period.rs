//! The period filter the pages share: what the form shows, the period it resolves to, and the
//! query string that keeps it in the page's links. A wrong period is said on the page, which
//! then shows all the data.

use serde::Serialize;
use throughline_domain::action::Date;
use throughline_service::period::{PeriodQuery, Span};

/// The period filter's values as the form shows them.
#[derive(Serialize, Default)]
pub(super) struct PeriodForm {
    /// `30d`, `90d`, `quarter`, `year`, `custom`; empty for all the data.
    pub preset: String,
    pub from: String,
    pub to: String,
    /// `&period=…` for links that keep the period (empty for all the data).
    pub link: String,
    /// What a wrong period was wrong about.
    pub error: Option<String>,
}

/// The period `asked` (from today) and the form that shows it.
pub(super) fn chosen(asked: &PeriodQuery) -> (PeriodForm, Option<Span>) {
    match asked.span(&Date::today()) {
        Ok(Some(span)) => {
            let (from, to) = (
                span.current.from.as_str().to_owned(),
                span.current.last().as_str().to_owned(),
            );
            let link = if span.preset == "custom" {
                format!("&period=custom&from={from}&to={to}")
            } else {
                format!("&period={}", span.preset)
            };
            let form = PeriodForm {
                preset: span.preset.clone(),
                from,
                to,
                link,
                error: None,
            };
            (form, Some(span))
        }
        Ok(None) => (PeriodForm::default(), None),
        Err(e) => (
            PeriodForm {
                error: Some(e.to_string()),
                ..PeriodForm::default()
            },
            None,
        ),
    }
}

/// A share as a whole percentage ("30%"), "-" when there is none.
pub(super) fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

/// A stage's figures in a period, as the journey map and a department's page show the period
/// before: "226 records · 30% negative · NPS 4".
pub(super) fn stage_figures(stage: &throughline_service::scorecards::MapStage) -> String {
    format!(
        "{} records · {} negative · NPS {}",
        stage.records,
        percent(stage.negative_share),
        stage
            .nps
            .map_or_else(|| "-".into(), |e| super::rounded(e.value, 0))
    )
}
