//! "Did it work?": every initiative that has started, measured against its own objective and
//! its themes from the weekly series ([`crate::weekly`]) — the change from before its start to
//! after, against the counterfactual of [`throughline_analytics::effects`], with the 95%
//! interval and the sample behind it.
//!
//! What is measured, for an initiative that started on a day inside the data:
//!
//! - **its objective's metric**, when Throughline holds it: a KPI of the organisation file
//!   (named by its key or its name) as an interrupted time series; NPS, on the initiative's
//!   stages (or its themes' stages) as a difference-in-differences against the NPS of every
//!   other stage, or on everything when it names no stage;
//! - **each of its themes**: its share of the week's records (percentage points) and its
//!   records' mean sentiment, each as an interrupted time series.
//!
//! A measure that cannot be made says why (started too recently, too few weeks before, a metric
//! Throughline does not hold) instead of showing a number.

use std::sync::Arc;

use serde::Serialize;
use throughline_analytics::effects::{self, Change};
use throughline_domain::action::Date;
use throughline_domain::org::Direction;
use throughline_store::{Store, StoredInitiative};

use crate::weekly::{Inputs, Points, Weekly, day_millis, week_of};
use crate::{Result, blocking};

/// One measure of an initiative's effect.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Measure {
    /// `metric`, `theme_share` or `theme_sentiment`.
    pub kind: &'static str,
    /// The theme measured, for `theme_share` and `theme_sentiment`.
    pub theme: Option<i64>,
    /// What is measured, in words ("Share of records on “Long waits on the phone”").
    pub label: String,
    /// The unit of the numbers ("percentage points", "NPS points", the KPI's unit).
    pub unit: String,
    /// How the counterfactual was made, in words.
    pub method: String,
    /// The change (in `unit`); `None` when it could not be measured — `note` says why.
    pub change: Option<Change>,
    /// The values behind it before and after the start (records, answers or readings).
    pub sample_before: usize,
    pub sample_after: usize,
    /// What the sample counts ("records", "NPS answers", "readings").
    pub sample_of: &'static str,
    /// Whether the change went the way the initiative wants, when its interval is clear of
    /// zero.
    pub improved: Option<bool>,
    pub note: Option<String>,
}

impl Measure {
    /// "−5.4 percentage points (95% interval −7.9 to −2.9; 30 weeks before, 22 after, 1,744
    /// and 1,256 records)", or why there is no number.
    pub fn describe(&self) -> String {
        // Sentiment lives between −1 and 1: a tenth is a big step there.
        let digits = if self.kind == "theme_sentiment" { 2 } else { 1 };
        match &self.change {
            Some(c) => format!(
                "{:+.digits$} {} (95% interval {:+.digits$} to {:+.digits$}; {} weeks before, {} \
                 after; {} and {} {})",
                c.effect,
                self.unit,
                c.low,
                c.high,
                c.weeks_before,
                c.weeks_after,
                self.sample_before,
                self.sample_after,
                self.sample_of
            ),
            None => self.note.clone().unwrap_or_default(),
        }
    }

    /// The verdict in a few words.
    pub fn verdict(&self) -> &'static str {
        match (self.change.as_ref(), self.improved) {
            (None, _) => "not measured",
            (Some(_), Some(true)) => "improved",
            (Some(_), Some(false)) => "worsened",
            (Some(_), None) => "no clear change",
        }
    }
}

/// The measured effect of one initiative.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MeasuredEffect {
    pub initiative: i64,
    pub title: String,
    pub started_on: Option<Date>,
    /// The Monday of the last week with data.
    pub data_to: Option<Date>,
    pub measures: Vec<Measure>,
    /// Why nothing could be measured, when so.
    pub note: Option<String>,
}

impl MeasuredEffect {
    /// One line for an agenda or a scorecard: the first measure with a number, or why none.
    pub fn headline(&self) -> String {
        if let Some(note) = &self.note {
            return note.clone();
        }
        let measured: Vec<&Measure> = self
            .measures
            .iter()
            .filter(|m| m.change.is_some())
            .collect();
        let best = measured
            .iter()
            .find(|m| m.improved.is_some())
            .or_else(|| measured.first());
        match best {
            Some(m) => format!("{} {}: {}", m.label, m.verdict(), m.describe()),
            None => self
                .measures
                .first()
                .map_or_else(|| "nothing to measure".to_owned(), Measure::describe),
        }
    }
}

/// The measured effect of initiative `initiative`.
pub async fn measure(store: &Store, initiative: &StoredInitiative) -> Result<MeasuredEffect> {
    measure_with(Arc::new(Inputs::load(store).await?), initiative).await
}

/// The measured effect of `initiative` from inputs already loaded (a scorecard reads them too).
pub async fn measure_with(
    inputs: Arc<Inputs>,
    initiative: &StoredInitiative,
) -> Result<MeasuredEffect> {
    let initiative = initiative.clone();
    Ok(blocking(move || measure_one(&inputs, inputs.weekly().as_ref(), &initiative)).await)
}

/// The measured effects of every initiative that has started (active or done), oldest first.
pub async fn measure_started(store: &Store) -> Result<Vec<MeasuredEffect>> {
    let initiatives = started(store).await?;
    if initiatives.is_empty() {
        return Ok(Vec::new());
    }
    measured(Arc::new(Inputs::load(store).await?), initiatives).await
}

async fn started(store: &Store) -> Result<Vec<StoredInitiative>> {
    Ok(store
        .initiatives()
        .await?
        .into_iter()
        .filter(|i| i.status.has_started())
        .collect())
}

/// The measured effects of every initiative that has started, from inputs already loaded (the
/// agenda reads them once for several items).
pub async fn measure_started_with(
    store: &Store,
    inputs: Arc<Inputs>,
) -> Result<Vec<MeasuredEffect>> {
    measured(inputs, started(store).await?).await
}

async fn measured(
    data: Arc<Inputs>,
    initiatives: Vec<StoredInitiative>,
) -> Result<Vec<MeasuredEffect>> {
    Ok(blocking(move || {
        let weekly = data.weekly();
        initiatives
            .iter()
            .map(|i| measure_one(&data, weekly.as_ref(), i))
            .collect()
    })
    .await)
}

fn measure_one(
    data: &Inputs,
    weekly: Option<&Weekly>,
    initiative: &StoredInitiative,
) -> MeasuredEffect {
    let mut effect = MeasuredEffect {
        initiative: initiative.id,
        title: initiative.initiative.title.clone(),
        started_on: initiative.started_on.clone(),
        data_to: weekly.map(|w| w.monday(w.span - 1)),
        measures: Vec::new(),
        note: None,
    };
    let Some(started) = &initiative.started_on else {
        effect.note = Some("not started yet: its effect is measured from the day it starts".into());
        return effect;
    };
    let Some(weekly) = weekly else {
        effect.note = Some("no feedback or KPI values to measure it on yet".into());
        return effect;
    };
    let start = week_of(day_millis(started)) - weekly.first;
    if start < effects::MIN_WEEKS_BEFORE as i64 {
        effect.note = Some(format!(
            "started on {started}, with fewer than {} weeks of data before it: there is no \
             \"before\" to compare with",
            effects::MIN_WEEKS_BEFORE
        ));
        return effect;
    }
    let start = start as usize;
    if start + effects::MIN_WEEKS_AFTER > weekly.span {
        effect.note = Some(format!(
            "started on {started}; the data runs to the week of {}: an effect is measured once \
             {} weeks of data follow the start",
            weekly.monday(weekly.span - 1),
            effects::MIN_WEEKS_AFTER
        ));
        return effect;
    }
    let (before, after) = (0..start, start..weekly.span);
    if let Some(measure) = metric_measure(data, weekly, initiative, start) {
        effect.measures.push(measure);
    }
    for &theme_id in &initiative.initiative.themes {
        let Some(theme) = data.themes.iter().find(|t| t.id == theme_id) else {
            continue;
        };
        // Fewer records on a complaint is better; on praise, more.
        let praise = theme.aggregates.mean_sentiment.is_some_and(|s| s > 0.0);
        let change = weekly
            .theme_share(theme_id)
            .map(percent)
            .and_then(|s| effects::interrupted(&s, None, start));
        effect.measures.push(finish(
            Measure {
                kind: "theme_share",

                theme: Some(theme_id),
                label: format!("Share of records on “{}”", theme.label),
                unit: "percentage points".into(),
                method: "interrupted time series against the weeks before the start".into(),
                change,
                sample_before: weekly.records_in(before.clone()),
                sample_after: weekly.records_in(after.clone()),
                sample_of: "records",
                improved: None,
                note: None,
            },
            if praise {
                Direction::HigherIsBetter
            } else {
                Direction::LowerIsBetter
            },
        ));
        let sentiment = weekly.theme_sentiment(theme_id);
        effect.measures.push(finish(
            Measure {
                kind: "theme_sentiment",

                theme: Some(theme_id),
                label: format!("Sentiment of the records on “{}”", theme.label),
                unit: "on the sentiment scale (−1 to 1)".into(),
                method: "interrupted time series on the weeks with its records, each weighted \
                         by their number"
                    .into(),
                change: sentiment.and_then(|s| effects::interrupted(&s, None, start)),
                sample_before: weekly.theme_records_in(theme_id, before.clone()),
                sample_after: weekly.theme_records_in(theme_id, after.clone()),
                sample_of: "records",
                improved: None,
                note: None,
            },
            Direction::HigherIsBetter,
        ));
    }
    effect
}

/// A share series in percentage points.
fn percent(points: Points) -> Points {
    points
        .into_iter()
        .map(|p| p.map(|(v, w)| (v * 100.0, w)))
        .collect()
}

/// Fills in whether the change went the wanted way and what the counterfactual carried
/// forward, and the note when nothing was measured.
fn finish(mut measure: Measure, direction: Direction) -> Measure {
    if let Some(c) = &measure.change {
        measure.method.push_str(if c.seasonal {
            "; their trend and annual cycle carried forward"
        } else if c.trend {
            "; their trend carried forward"
        } else {
            "; their level carried forward (they show no clear trend)"
        });
    }
    match &measure.change {
        Some(c) if c.is_clear() => {
            measure.improved = Some((c.effect > 0.0) == (direction == Direction::HigherIsBetter));
        }
        Some(_) => {}
        None => {
            measure.note.get_or_insert_with(|| {
                format!(
                    "{}: too few weeks with enough data before or after the start",
                    measure.label
                )
            });
        }
    }
    measure
}

/// The objective's metric, when Throughline holds it as a series.
fn metric_measure(
    data: &Inputs,
    weekly: &Weekly,
    initiative: &StoredInitiative,
    start: usize,
) -> Option<Measure> {
    let metric = initiative.initiative.objective.metric.trim();
    let (before, after) = (0..start, start..weekly.span);
    let named = data.org.metrics.iter().position(|m| {
        m.key.as_str().eq_ignore_ascii_case(metric) || m.name.as_str().eq_ignore_ascii_case(metric)
    });
    if let Some(i) = named {
        let definition = &data.org.metrics[i];
        let change = weekly
            .kpi(i)
            .and_then(|s| effects::interrupted(&s, None, start));
        return Some(finish(
            Measure {
                kind: "metric",

                theme: None,
                label: definition.name.to_string(),
                unit: definition.unit.clone(),
                method: "interrupted time series against the weeks before the start".into(),
                change,
                sample_before: weekly.kpi_readings_in(i, before),
                sample_after: weekly.kpi_readings_in(i, after),
                sample_of: "readings",
                improved: None,
                note: None,
            },
            definition.direction,
        ));
    }
    let is_nps = metric
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.eq_ignore_ascii_case("nps"));
    if !is_nps {
        return Some(Measure {
            kind: "metric",

            theme: None,
            label: metric.to_owned(),
            unit: String::new(),
            method: String::new(),
            change: None,
            sample_before: 0,
            sample_after: 0,
            sample_of: "readings",
            improved: None,
            note: Some(format!(
                "“{metric}” is neither a KPI of the organisation file nor NPS, so Throughline \
                 holds no series of it: the initiative is measured through its themes (name a \
                 metric's key as its objective, and record or import its values, to measure it)"
            )),
        });
    }
    // NPS: on the initiative's stages, or the stages its metric names ("NPS of Receive"), or
    // its themes' stages, against every other stage.
    let mut stages: Vec<&str> = initiative
        .initiative
        .stages
        .iter()
        .map(|k| k.as_str())
        .collect();
    if stages.is_empty() {
        let words: Vec<String> = metric
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .map(str::to_lowercase)
            .collect();
        let lower = metric.to_lowercase();
        stages = data
            .org
            .journey
            .stages
            .iter()
            .filter(|s| {
                words.iter().any(|w| w == s.key.as_str())
                    || lower.contains(&s.name.as_str().to_lowercase())
            })
            .map(|s| s.key.as_str())
            .collect();
    }
    if stages.is_empty() {
        for id in &initiative.initiative.themes {
            if let Some(stage) = data
                .themes
                .iter()
                .find(|t| t.id == *id)
                .and_then(|t| t.aggregates.stage.as_deref())
                && !stages.contains(&stage)
            {
                stages.push(stage);
            }
        }
    }
    let names: Vec<&str> = stages
        .iter()
        .map(|s| data.org.stage_name(s))
        .collect::<Vec<_>>();
    let measure = if stages.is_empty() {
        Measure {
            kind: "metric",

            theme: None,
            label: "NPS".into(),
            unit: "NPS points".into(),
            method: "interrupted time series against the weeks before the start".into(),
            change: effects::interrupted(&weekly.nps(), None, start),
            sample_before: weekly.nps_answers_in(&[], before),
            sample_after: weekly.nps_answers_in(&[], after),
            sample_of: "NPS answers",
            improved: None,
            note: None,
        }
    } else {
        let inside = weekly.stages_nps(&stages, true);
        let outside = weekly.stages_nps(&stages, false);
        Measure {
            kind: "metric",

            theme: None,
            label: format!("NPS of {}", names.join(", ")),
            unit: "NPS points".into(),
            method: "difference-in-differences against the NPS of the stages it does not touch, \
                     before and after the start"
                .into(),
            change: effects::interrupted(&inside, Some(&outside), start),
            sample_before: weekly.nps_answers_in(&stages, before),
            sample_after: weekly.nps_answers_in(&stages, after),
            sample_of: "NPS answers",
            improved: None,
            note: None,
        }
    };
    Some(finish(measure, Direction::HigherIsBetter))
}
