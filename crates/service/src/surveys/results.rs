//! A survey's results as its page shows them: how well customers' goals were supported (the
//! mean on the survey's scale, with its 95% interval), the measure it asks (NPS, CSAT as the
//! share satisfied, or mean effort) with its interval, the response rate of its invitations,
//! and the latest answers in the customers' words.

use serde::Serialize;
use throughline_analytics::scores::{self, Estimate};
use throughline_domain::action::Date;
use throughline_domain::feedback::{Ces, Csat, Nps, Rating};
use throughline_domain::survey::Measure;
use throughline_store::{FeedbackFilter, InvitationCounts, Store, Survey};

use crate::Result;

/// Answers read for the results at most (the newest).
const READ_AT_MOST: u32 = 100_000;
/// Latest answers shown.
const LATEST: usize = 10;

/// One score with its interval, for people.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreLine {
    pub label: &'static str,
    /// "3.4 of 5", "−12", "72% satisfied".
    pub value: String,
    /// "95% interval 3.1 to 3.7, 48 answers".
    pub detail: String,
}

/// One answer as listed.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerLine {
    pub received: String,
    pub goal: Option<String>,
    pub score: Option<String>,
    pub helpful: Option<String>,
    pub hindering: Option<String>,
    pub comment: Option<String>,
    /// The survey's own questions answered: "question: answer".
    pub own: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SurveyResults {
    pub responses: u64,
    pub goal: Option<ScoreLine>,
    pub measure: Option<ScoreLine>,
    /// Invitations answered of those sent, 0–100; `None` before any was sent.
    pub response_rate: Option<f64>,
    pub latest: Vec<AnswerLine>,
}

fn detail(e: &Estimate, decimals: usize) -> String {
    format!(
        "95% interval {:.decimals$} to {:.decimals$}, {} answer{}{}",
        e.low,
        e.high,
        e.n,
        if e.n == 1 { "" } else { "s" },
        if e.small_sample { " (few)" } else { "" }
    )
}

/// The results of `survey`, whose invitations counted `counts`.
pub async fn results(
    store: &Store,
    survey: &Survey,
    counts: InvitationCounts,
) -> Result<SurveyResults> {
    let answers = store
        .find_feedback(
            &FeedbackFilter {
                source: Some(survey.title.clone()),
                newest_first: true,
                ..FeedbackFilter::default()
            },
            None,
            READ_AT_MOST,
        )
        .await?;
    let (_, top) = survey.goal_scale.range();
    let goal = scores::mean_rating(
        answers
            .iter()
            .filter_map(|a| a.rating.and_then(|r| Rating::new(r).ok())),
    )
    .map(|e| ScoreLine {
        label: "Goal supported",
        value: format!("{:.1} of {top}", e.value),
        detail: detail(&e, 1),
    });
    let small = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok());
    let measure = match survey.measure {
        Measure::Nps => scores::nps(answers.iter().filter_map(|a| Nps::new(small(a.nps)?).ok()))
            .map(|e| ScoreLine {
                label: "NPS",
                value: format!("{:.0}", e.value),
                detail: detail(&e, 0),
            }),
        Measure::Csat => scores::csat(
            answers
                .iter()
                .filter_map(|a| Csat::new(small(a.csat)?).ok()),
        )
        .map(|e| ScoreLine {
            label: "CSAT",
            value: format!("{:.0}% satisfied", e.value),
            detail: detail(&e, 0),
        }),
        Measure::Ces => scores::ces(answers.iter().filter_map(|a| Ces::new(small(a.ces)?).ok()))
            .map(|e| ScoreLine {
                label: "Effort (1 easy – 7 hard)",
                value: format!("{:.1}", e.value),
                detail: detail(&e, 1),
            }),
        Measure::None => None,
    };
    let mut latest = Vec::new();
    for a in answers.iter().take(LATEST) {
        // The own questions' answers are the record's metadata columns named by the question.
        let stored = store.feedback_after(a.id - 1, 1).await?;
        let own = stored
            .first()
            .filter(|r| r.id == a.id)
            .map(|r| {
                survey
                    .questions
                    .iter()
                    .filter_map(|q| r.record.metadata.get(q).map(|v| format!("{q} {v}")))
                    .collect()
            })
            .unwrap_or_default();
        latest.push(AnswerLine {
            own,
            received: Date::of(a.received_at).to_string(),
            goal: a.rating.map(|r| format!("{r:.0} of {top}")),
            score: a.score_text(),
            helpful: a.helpful.clone(),
            hindering: a.hindering.clone(),
            comment: a.comment.clone(),
        });
    }
    Ok(SurveyResults {
        responses: survey.responses,
        goal,
        measure,
        response_rate: (counts.sent > 0)
            .then(|| 100.0 * counts.responded as f64 / counts.sent as f64),
        latest,
    })
}
