//! One analysis of a set of records, end to end: sentiment, themes, stage placement, scores,
//! impact and the Top Ten, spikes. Pure: the caller reads the records (from a file or the
//! store) and writes the report wherever it goes. `throughline analyze-file` writes it as
//! `records.jsonl`, `themes.json` and `summary.json` (format in `docs/analysis-output.md`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use throughline_domain::feedback::{Ces, Csat, NewFeedback, Nps, Rating};
use throughline_domain::org::Organisation;

use crate::impact::{Issues, Metric, Observation, ThemeImpact, theme_impacts};
use crate::placement::{Placement, Placer};
use crate::scores::{self, Estimate};
use crate::sentiment::{Label, SentenceScore, Sentiment, sentiment, sentiment_and_sentences};
use crate::themes::{DiscoverOptions, ThemeCount, discover};
use crate::timing;
use crate::trends::{Dated, Period, PeriodPoint, Spike, spikes, trends};

/// A record to analyse.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The source's id, or the row number, as text.
    pub id: String,
    pub received_at_millis: i64,
    pub text: String,
    pub stage: Option<String>,
    pub nps: Option<Nps>,
    pub csat: Option<Csat>,
    pub ces: Option<Ces>,
    pub rating: Option<Rating>,
}

impl Input {
    /// A record of the synthetic demo data as analysis input (its planted themes left out).
    pub fn from_synthetic(record: &crate::synthetic::SyntheticRecord) -> Self {
        Self {
            id: record.id.clone(),
            received_at_millis: record.received_at.timestamp_millis(),
            text: record.comment.clone().unwrap_or_default(),
            stage: record.stage.map(str::to_owned),
            nps: Nps::new(record.nps).ok(),
            csat: record.csat.and_then(|c| Csat::new(c).ok()),
            ..Self::default()
        }
    }

    /// A feedback record as analysis input; `id` is the record's id or, without one, whatever
    /// identifies it to the caller (a row number, a database id).
    pub fn from_record(record: NewFeedback, fallback_id: impl FnOnce() -> String) -> Self {
        Self {
            text: record.texts.joined(),
            id: record.external_id.unwrap_or_else(fallback_id),
            received_at_millis: record.received_at.as_millis(),
            stage: record.stage.map(String::from),
            nps: record.scores.nps,
            csat: record.scores.csat,
            ces: record.scores.ces,
            rating: record.scores.rating,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub themes: ThemeCount,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordResult {
    pub id: String,
    pub sentiment: f64,
    pub sentiment_label: Label,
    /// Theme ids, best first.
    pub themes: Vec<String>,
    pub theme_confidence: Vec<f64>,
    /// Each theme's sentiment: that of the passages (sentences) that gave the record the theme
    /// — "the food was lovely but the seat was broken" is positive on one, negative on the
    /// other. Written as an object keyed by theme id, in the order of `themes`.
    #[serde(serialize_with = "as_map")]
    pub theme_sentiments: Vec<(String, f64)>,
    pub stage: Option<String>,
    pub stage_reason: String,
}

/// `(key, value)` pairs written as a JSON object, in their order.
fn as_map<S: serde::Serializer>(pairs: &[(String, f64)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeResult {
    /// `t1`, `t2`, … largest first.
    pub id: String,
    pub label: String,
    pub phrases: Vec<String>,
    /// Records with the theme (first or not).
    pub count: u64,
    pub share: f64,
    /// The mean sentiment of the passages (sentences) that carry the theme.
    pub mean_sentiment: f64,
    /// The stage most of its placed records are on.
    pub stage: Option<String>,
    /// Cost and effect on the overall score, when the records carry scores.
    pub impact: Option<ThemeImpact>,
    /// Its records month by month (every month with records, oldest first).
    pub trend: Vec<PeriodPoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub nps: Option<Estimate>,
    pub csat: Option<Estimate>,
    pub ces: Option<Estimate>,
    pub rating: Option<Estimate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopTenEntry {
    pub rank: usize,
    pub theme: String,
    pub label: String,
    pub support: u64,
    pub cost: f64,
    pub cost_low: f64,
    pub cost_high: f64,
    pub effect: f64,
    pub effect_low: f64,
    pub effect_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeResult {
    pub theme: String,
    pub label: String,
    pub period: String,
    pub count: u64,
    pub expected: f64,
    pub p_value: f64,
}

/// A run's summary. Stored with the run and read back typed; a field that a run recorded by an
/// earlier version lacks reads as its default (no months, no impact metric).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    pub records: u64,
    pub seed: u64,
    pub themes: usize,
    /// The score impacts are measured on (`nps` or `mean` of the ratings/CSAT), if any.
    pub impact_metric: Option<Metric>,
    pub scores: Scores,
    pub sentiment: SentimentSummary,
    pub placed: u64,
    pub top_ten: Vec<TopTenEntry>,
    pub spikes: Vec<SpikeResult>,
    /// The scores month by month (UTC calendar months, oldest first), for trend charts.
    pub monthly: Vec<PeriodScores>,
}

/// The scores of the records received in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodScores {
    pub period: String,
    pub records: u64,
    pub nps: Option<Estimate>,
    pub csat: Option<Estimate>,
}

/// The scores of each month that has records, oldest first.
fn monthly_scores(inputs: &[Input]) -> Vec<PeriodScores> {
    let (month_of, months) = Period::Month.group(inputs.iter().map(|i| i.received_at_millis));
    let mut members: Vec<Vec<&Input>> = vec![Vec::new(); months.len()];
    for (input, &m) in inputs.iter().zip(&month_of) {
        members[m].push(input);
    }
    months
        .into_iter()
        .zip(members)
        .map(|(period, records)| PeriodScores {
            records: records.len() as u64,
            nps: scores::nps(records.iter().filter_map(|i| i.nps)),
            csat: scores::csat(records.iter().filter_map(|i| i.csat)),
            period,
        })
        .collect()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentimentSummary {
    pub mean: f64,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub records: Vec<RecordResult>,
    pub themes: Vec<ThemeResult>,
    pub summary: Summary,
}

/// The score impacts are measured on: NPS when at least 30 records carry it, else the mean
/// rating, else the mean CSAT (with the same minimum).
#[derive(Debug, Clone, Copy)]
enum ImpactScore {
    Nps,
    Rating,
    Csat,
}

impl ImpactScore {
    fn choose(inputs: &[Input]) -> Option<Self> {
        [Self::Nps, Self::Rating, Self::Csat]
            .into_iter()
            .find(|s| inputs.iter().filter(|i| s.value(i).is_some()).count() >= 30)
    }

    fn value(self, input: &Input) -> Option<f64> {
        match self {
            Self::Nps => input.nps.map(|n| f64::from(n.value())),
            Self::Rating => input.rating.map(Rating::value),
            Self::Csat => input.csat.map(|c| f64::from(c.value())),
        }
    }

    fn metric(self) -> Metric {
        match self {
            Self::Nps => Metric::Nps,
            Self::Rating | Self::Csat => Metric::Mean,
        }
    }
}

/// What the analysis of one record found, as [`aggregate`] reads it — whether it was just
/// computed or read back from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordAnalysis {
    pub sentiment: f64,
    pub label: Label,
    pub stage: Option<String>,
    /// Indexes into the theme list given to [`aggregate`], best first.
    pub themes: Vec<usize>,
    /// Per theme (as `themes`), the sentiment of the passages that gave it; empty when the
    /// whole text carries each theme (one passage, or one theme), or when only the record's
    /// sentiment is known (read back from the store).
    pub theme_sentiments: Vec<ThemeSentiment>,
}

impl RecordAnalysis {
    /// Each theme's sentiment and the number of passages it is the mean of.
    pub fn theme_sentiments(&self) -> impl Iterator<Item = (usize, ThemeSentiment)> + '_ {
        self.themes.iter().enumerate().map(|(j, &t)| {
            let own = self.theme_sentiments.get(j).copied();
            (
                t,
                own.unwrap_or(ThemeSentiment {
                    score: self.sentiment,
                    passages: 1,
                }),
            )
        })
    }
}

/// The sentiment of the passages of a record that gave it one theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemeSentiment {
    /// Their mean score.
    pub score: f64,
    /// How many passages.
    pub passages: u32,
}

/// Per theme of a record (`themes`, best first), the mean sentiment of the passages of `text`
/// that gave it (`passages`, from [`crate::themes::Discovery::passages`]; each passage scored
/// from the record's `sentences` inside it), or `whole`, the
/// text's sentiment, for a theme of the whole text no passage gave; empty when the passages
/// gave no theme of their own.
fn passage_sentiments(
    text: &str,
    whole: f64,
    sentences: &[SentenceScore],
    themes: &[usize],
    passages: &[crate::themes::ThemedPassage],
) -> Vec<ThemeSentiment> {
    if passages.is_empty() {
        return Vec::new();
    }
    // A passage's score: the mean of the record's sentences inside it, already read with the
    // record; a passage no sentence fits in (a clause a "but" opens) is read on its own.
    let scores: Vec<f64> = passages
        .iter()
        .map(|p| {
            // The mean without a vector per passage (from −0.0, as `Sum` for f64 starts).
            let (sum, count) = sentences
                .iter()
                .filter(|s| p.range.start <= s.span.start && s.span.end <= p.range.end)
                .fold((-0.0, 0usize), |(sum, count), s| (sum + s.score, count + 1));
            if count == 0 {
                sentiment(&text[p.range.clone()]).score
            } else {
                sum / count as f64
            }
        })
        .collect();
    themes
        .iter()
        .map(|t| {
            let carrying: Vec<f64> = passages
                .iter()
                .zip(&scores)
                .filter(|(p, _)| p.themes.contains(t))
                .map(|(_, &s)| s)
                .collect();
            // A theme of the whole text that no passage gave alone: the text's sentiment.
            if carrying.is_empty() {
                return ThemeSentiment {
                    score: whole,
                    passages: 1,
                };
            }
            ThemeSentiment {
                score: carrying.iter().sum::<f64>() / carrying.len() as f64,
                passages: carrying.len() as u32,
            }
        })
        .collect()
}

/// A theme as [`aggregate`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeRef {
    pub id: String,
    pub label: String,
    pub phrases: Vec<String>,
    /// The theme (an index into the same list) this one is a sub-theme of: one customer issue
    /// in several wordings. A parent is measured with its sub-themes' records, a sub-theme on
    /// its own; only themes of their own are ranked in the Top Ten.
    pub parent: Option<usize>,
}

/// The stage placer for a set of records: the organisation's vocabularies plus what the records
/// whose stage is known teach.
pub fn placer(inputs: &[Input], organisation: Option<&Organisation>) -> Placer {
    let mut placer = organisation
        .map(Placer::from_organisation)
        .unwrap_or_default();
    let examples: Vec<(&str, &str)> = inputs
        .iter()
        .filter_map(|i| i.stage.as_deref().map(|s| (i.text.as_str(), s)))
        .collect();
    placer.learn(&examples);
    placer
}

/// Sentiment and stage of each of `inputs` (in parallel), without themes. Both depend on the
/// text alone (and the record's own stage), so each distinct text is read once: customers
/// repeat themselves ("great service", "no complaints"), and a repeated comment costs a lookup.
pub fn analyse_records(inputs: &[&Input], placer: &Placer) -> Vec<(RecordAnalysis, Placement)> {
    use rayon::prelude::*;
    let (read, text_of) = read_texts(inputs.iter().map(|i| i.text.as_str()), placer, false);
    inputs
        .par_iter()
        .zip(text_of.par_iter())
        .map(|(input, &d)| {
            let ReadText {
                sentiment: s,
                placement: inferred,
                ..
            } = &read[d as usize];
            let placement = match input.stage.as_deref() {
                Some(stage) => placer.place(Some(stage), &input.text),
                None => inferred.clone(),
            };
            (
                RecordAnalysis {
                    sentiment: s.score,
                    label: s.label,
                    stage: placement.stage.clone(),
                    themes: Vec::new(),
                    theme_sentiments: Vec::new(),
                },
                placement,
            )
        })
        .collect()
}

/// What reading a distinct text found.
struct ReadText {
    sentiment: Sentiment,
    placement: Placement,
    /// Each sentence's score, for a text of several (when asked for): what a theme's sentiment
    /// is made from.
    sentences: Vec<SentenceScore>,
}

/// The sentiment and inferred placement of each distinct text of `texts` (with its sentences'
/// scores when `with_sentences`), and which distinct text each of `texts` is.
fn read_texts<'a>(
    texts: impl Iterator<Item = &'a str>,
    placer: &Placer,
    with_sentences: bool,
) -> (Vec<ReadText>, Vec<u32>) {
    use rayon::prelude::*;
    let (distinct, text_of) = crate::text::distinct(texts);
    let read = distinct
        .par_iter()
        .map(|text| {
            let (sentiment, sentences) = if with_sentences {
                sentiment_and_sentences(text)
            } else {
                (sentiment(text), Vec::new())
            };
            ReadText {
                sentiment,
                placement: placer.place(None, text),
                sentences,
            }
        })
        .collect();
    (read, text_of)
}

/// Analyses `inputs` against `organisation` (for stage vocabularies), deterministically for a
/// seed: themes are discovered afresh.
pub fn analyze(inputs: &[Input], organisation: Option<&Organisation>, options: Options) -> Report {
    use rayon::prelude::*;
    let texts: Vec<&str> = inputs.iter().map(|i| i.text.as_str()).collect();
    // Themes on one side, sentiment and stages on the other: each is parallel inside, and
    // side by side the sequential steps of one (tokenising, counting) overlap the other's work.
    let (discovery, (placer, (by_text, text_of))) = rayon::join(
        || {
            timing::phase("themes (total)", || {
                discover(
                    &texts,
                    &[],
                    DiscoverOptions {
                        themes: options.themes,
                        seed: options.seed,
                    },
                )
            })
        },
        || {
            let placer = timing::phase("placement model", || placer(inputs, organisation));
            // This side finds the distinct texts itself, as the themes side does, rather than
            // wait for the other's: both run at once.
            let read = timing::phase("sentiment and placement", || {
                read_texts(texts.iter().copied(), &placer, true)
            });
            (placer, read)
        },
    );
    // A record's own stage wins over its text's. Each reason in words is written once per
    // distinct text (or stage given), not once per record.
    let inferred_reasons: Vec<String> = by_text
        .par_iter()
        .map(|read| read.placement.explain())
        .collect();
    let mut given_reasons: HashMap<&str, String> = HashMap::new();
    for stage in inputs.iter().filter_map(|i| i.stage.as_deref()) {
        given_reasons
            .entry(stage)
            .or_insert_with(|| placer.place(Some(stage), "").explain());
    }
    let analysed: Vec<RecordAnalysis> = timing::phase("theme sentiments", || {
        inputs
            .par_iter()
            .zip(&text_of)
            .zip(discovery.assignments.par_iter().zip(&discovery.passages))
            .map(|((input, &d), (assigned, passages))| {
                let read = &by_text[d as usize];
                let themes: Vec<usize> = assigned.iter().map(|a| a.theme).collect();
                RecordAnalysis {
                    sentiment: read.sentiment.score,
                    label: read.sentiment.label,
                    stage: input.stage.clone().or_else(|| read.placement.stage.clone()),
                    theme_sentiments: passage_sentiments(
                        &input.text,
                        read.sentiment.score,
                        &read.sentences,
                        &themes,
                        passages,
                    ),
                    themes,
                }
            })
            .collect()
    });
    let theme_ids: Vec<String> = (0..discovery.themes.len())
        .map(|t| format!("t{}", t + 1))
        .collect();
    let theme_refs: Vec<ThemeRef> = discovery
        .themes
        .iter()
        .zip(&theme_ids)
        .map(|(theme, id)| ThemeRef {
            id: id.clone(),
            label: theme.label.clone(),
            phrases: theme.phrases.clone(),
            parent: None,
        })
        .collect();
    let (themes, summary) = timing::phase("aggregates, impact, trends", || {
        aggregate(inputs, &analysed, &theme_refs, options.seed)
    });
    let records = timing::phase("record results", || {
        analysed
            .into_par_iter()
            .zip(inputs)
            .zip(&text_of)
            .zip(&discovery.assignments)
            .map(|(((analysis, input), &d), assigned)| RecordResult {
                id: input.id.clone(),
                sentiment: analysis.sentiment,
                sentiment_label: analysis.label,
                themes: assigned
                    .iter()
                    .map(|a| theme_ids[a.theme].clone())
                    .collect(),
                theme_confidence: assigned.iter().map(|a| a.confidence).collect(),
                theme_sentiments: analysis
                    .theme_sentiments()
                    .map(|(t, s)| (theme_ids[t].clone(), s.score))
                    .collect(),
                stage_reason: match input.stage.as_deref() {
                    Some(stage) => given_reasons[stage].clone(),
                    None => inferred_reasons[d as usize].clone(),
                },
                stage: analysis.stage,
            })
            .collect()
    });
    Report {
        records,
        themes,
        summary,
    }
}

/// The themes' measures and the summary (scores, sentiment, impact and the Top Ten, spikes) of
/// analysed records: `inputs[i]` analysed as `analysed[i]`, in `themes`. Deterministic for a
/// seed (the bootstrap's).
pub fn aggregate(
    inputs: &[Input],
    analysed: &[RecordAnalysis],
    themes: &[ThemeRef],
    seed: u64,
) -> (Vec<ThemeResult>, Summary) {
    assert_eq!(inputs.len(), analysed.len(), "one analysis per input");
    let theme_count = themes.len();
    // A sub-theme's records are its parent's too: each record's list gains the parents of its
    // themes (only when some theme has a parent).
    let issues = Issues::new(themes.iter().map(|t| t.parent).collect());
    let with_parents: Option<Vec<Vec<usize>>> = issues
        .nested()
        .then(|| analysed.iter().map(|a| issues.widen(&a.themes)).collect());
    let theme_lists: Vec<&[usize]> = match &with_parents {
        Some(lists) => lists.iter().map(Vec::as_slice).collect(),
        None => analysed.iter().map(|a| a.themes.as_slice()).collect(),
    };

    let score_of = ImpactScore::choose(inputs);
    let measure_impacts = || -> Option<Vec<ThemeImpact>> {
        score_of.map(|source| {
            let observations: Vec<Observation> = inputs
                .iter()
                .zip(&theme_lists)
                .filter_map(|(i, t)| {
                    source.value(i).map(|s| Observation {
                        score: s,
                        themes: t,
                    })
                })
                .collect();
            theme_impacts(&observations, theme_count, source.metric(), seed)
        })
    };
    let measure_trends = || {
        let dated: Vec<Dated> = inputs
            .iter()
            .zip(analysed)
            .zip(&theme_lists)
            .map(|((input, analysis), themes)| Dated {
                at_millis: input.received_at_millis,
                themes,
                sentiment: analysis.sentiment,
            })
            .collect();
        trends(&dated, theme_count, Period::Month)
    };
    let measure_scores = || {
        let scores = Scores {
            nps: scores::nps(inputs.iter().filter_map(|i| i.nps)),
            csat: scores::csat(inputs.iter().filter_map(|i| i.csat)),
            ces: scores::ces(inputs.iter().filter_map(|i| i.ces)),
            rating: scores::mean_rating(inputs.iter().filter_map(|i| i.rating)),
        };
        (scores, monthly_scores(inputs))
    };
    // Three independent passes over a million records: side by side.
    let (impacts, ((totals, theme_trends), (overall_scores, monthly))) =
        rayon::join(measure_impacts, || {
            rayon::join(measure_trends, measure_scores)
        });

    // One pass over the records for every theme's count, sentiment and stages.
    let mut counts = vec![0u64; theme_count];
    let mut sentiment_sums = vec![0.0; theme_count];
    let mut passage_counts = vec![0u64; theme_count];
    let mut stage_counts: Vec<Vec<(&str, usize)>> = vec![Vec::new(); theme_count];
    for (analysis, themes) in analysed.iter().zip(&theme_lists) {
        for (t, s) in analysis.theme_sentiments() {
            // A parent's sentiment is over its own and its sub-themes' passages.
            for t in std::iter::once(t).chain(issues.parent(t)) {
                sentiment_sums[t] += s.score * f64::from(s.passages);
                passage_counts[t] += u64::from(s.passages);
            }
        }
        for &t in *themes {
            counts[t] += 1;
            if let Some(stage) = analysis.stage.as_deref() {
                match stage_counts[t].iter_mut().find(|(s, _)| *s == stage) {
                    Some(entry) => entry.1 += 1,
                    None => stage_counts[t].push((stage, 1)),
                }
            }
        }
    }
    let n = inputs.len().max(1) as f64;
    let mut theme_results: Vec<ThemeResult> = themes
        .iter()
        .enumerate()
        .map(|(t, theme)| ThemeResult {
            id: theme.id.clone(),
            label: theme.label.clone(),
            phrases: theme.phrases.clone(),
            count: counts[t],
            share: counts[t] as f64 / n,
            mean_sentiment: if passage_counts[t] == 0 {
                0.0
            } else {
                sentiment_sums[t] / passage_counts[t] as f64
            },
            stage: stage_counts[t]
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| (*s).to_owned()),
            impact: impacts.as_ref().map(|all| all[t].clone()),
            trend: Vec::new(),
        })
        .collect();

    // The Top Ten ranks issues: a sub-theme is inside its parent's entry.
    let top = impacts
        .as_deref()
        .map(|all| issues.top_ten(all))
        .unwrap_or_default();
    let top_ten = top
        .iter()
        .enumerate()
        .map(|(rank, impact)| TopTenEntry {
            rank: rank + 1,
            theme: themes[impact.theme].id.clone(),
            label: themes[impact.theme].label.clone(),
            support: impact.support,
            cost: impact.cost.value,
            cost_low: impact.cost.low,
            cost_high: impact.cost.high,
            effect: impact.effect.value,
            effect_low: impact.effect.low,
            effect_high: impact.effect.high,
        })
        .collect();

    for trend in &theme_trends {
        if let Some(result) = theme_results.get_mut(trend.theme) {
            result.trend = trend.points.clone();
        }
    }
    let spike_list: Vec<Spike> = if totals.len() >= 3 {
        spikes(&totals, &theme_trends)
    } else {
        Vec::new()
    };

    let count_label = |label: Label| analysed.iter().filter(|a| a.label == label).count() as u64;
    let summary = Summary {
        records: inputs.len() as u64,
        seed,
        themes: theme_count,
        impact_metric: score_of.map(ImpactScore::metric),
        scores: overall_scores,
        sentiment: SentimentSummary {
            mean: analysed.iter().map(|a| a.sentiment).sum::<f64>() / n,
            negative: count_label(Label::Negative),
            neutral: count_label(Label::Neutral),
            positive: count_label(Label::Positive),
        },
        placed: analysed.iter().filter(|a| a.stage.is_some()).count() as u64,
        top_ten,
        spikes: spike_list
            .into_iter()
            .map(|s| SpikeResult {
                theme: themes[s.theme].id.clone(),
                label: themes[s.theme].label.clone(),
                period: s.period,
                count: s.count,
                expected: s.expected,
                p_value: s.p_value,
            })
            .collect(),
        monthly,
    };
    (theme_results, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{Generator, SPIKE, THEMES};

    #[test]
    fn a_summary_reads_back_typed_and_an_older_one_gets_defaults() {
        let summary = Summary {
            records: 3,
            seed: 7,
            themes: 1,
            impact_metric: Some(Metric::Mean),
            scores: Scores {
                nps: Some(crate::Estimate {
                    value: 10.0,
                    low: -5.0,
                    high: 25.0,
                    n: 3,
                    small_sample: true,
                }),
                ..Scores::default()
            },
            sentiment: SentimentSummary::default(),
            placed: 2,
            top_ten: Vec::new(),
            spikes: Vec::new(),
            monthly: Vec::new(),
        };
        let stored = serde_json::to_value(&summary).unwrap();
        assert_eq!(serde_json::from_value::<Summary>(stored).unwrap(), summary);
        // A run recorded before impact metrics and monthly scores existed.
        let older: Summary = serde_json::from_value(serde_json::json!({
            "records": 3, "seed": 7, "themes": 1, "placed": 2,
            "scores": { "nps": null, "csat": null, "ces": null, "rating": null },
            "sentiment": { "mean": 0.1, "negative": 1, "neutral": 1, "positive": 1 },
            "top_ten": [], "spikes": []
        }))
        .unwrap();
        assert_eq!(older.impact_metric, None);
        assert!(older.monthly.is_empty());
        assert_eq!(older.records, 3);
    }

    #[test]
    fn each_theme_of_a_comment_carries_the_sentiment_of_its_own_sentences() {
        let praise = [
            "the food was lovely and fresh, really tasty meals and great coffee",
            "lovely fresh food, tasty meals served warm with great coffee",
            "tasty meals and great coffee, the food was fresh and lovely",
        ];
        let complaint = [
            "the seat was broken and would not recline at all, awful flight",
            "my seat was broken, it would not recline, awful flight",
            "broken seat that would not recline the whole awful flight",
        ];
        let mut texts: Vec<String> = Vec::new();
        for i in 0..60 {
            texts.push(praise[i % 3].to_owned());
            texts.push(complaint[i % 3].to_owned());
            texts.push(format!("{} but {}", praise[i % 3], complaint[(i + 1) % 3]));
        }
        let inputs: Vec<Input> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| Input {
                id: i.to_string(),
                text: text.clone(),
                ..Input::default()
            })
            .collect();
        let options = Options {
            themes: ThemeCount::Fixed(2),
            seed: 7,
        };
        let report = analyze(&inputs, None, options);
        let theme_of = |i: usize| report.records[i].themes[0].clone();
        let (food, seat) = (theme_of(0), theme_of(1));
        assert_ne!(food, seat);
        for mixed in report.records.iter().skip(2).step_by(3) {
            let sentiments: HashMap<&str, f64> = mixed
                .theme_sentiments
                .iter()
                .map(|(t, s)| (t.as_str(), *s))
                .collect();
            assert!(sentiments[food.as_str()] > 0.2, "{mixed:?}");
            assert!(sentiments[seat.as_str()] < -0.2, "{mixed:?}");
            assert!(mixed.sentiment < sentiments[food.as_str()], "{mixed:?}");
        }
        // A theme's mean sentiment is that of its sentences: the food is praised.
        let mean = |id: &str| {
            report
                .themes
                .iter()
                .find(|t| t.id == id)
                .unwrap()
                .mean_sentiment
        };
        assert!(mean(&food) > 0.2, "{:?}", report.themes);
        assert!(mean(&seat) < -0.2, "{:?}", report.themes);
    }

    #[test]
    fn discovered_themes_carry_the_planted_story() {
        let data: Vec<_> = Generator::new(crate::synthetic::Options {
            records: 12_000,
            seed: 42,
            spike: true,
            shifts: true,
        })
        .collect();
        let inputs: Vec<Input> = data.iter().map(Input::from_synthetic).collect();
        let org = throughline_domain::org::parse(include_str!("../../../examples/org.toml"))
            .unwrap()
            .organisation;
        let options = Options {
            themes: ThemeCount::Fixed(14),
            seed: 42,
        };
        let report = analyze(&inputs, Some(&org), options);
        assert_eq!(report.records.len(), 12_000);
        assert_eq!(report.themes.len(), 14);

        // Which planted theme dominates each discovered theme (by first theme).
        let planted_of = |theme_id: &str| -> &str {
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for (record, truth) in report.records.iter().zip(&data) {
                if record.themes.first().map(String::as_str) == Some(theme_id) {
                    for key in &truth.themes {
                        match counts.iter_mut().find(|(k, _)| k == key) {
                            Some(entry) => entry.1 += 1,
                            None => counts.push((key, 1)),
                        }
                    }
                }
            }
            counts
                .into_iter()
                .max_by_key(|(_, c)| *c)
                .map_or("", |(k, _)| k)
        };
        let harmful: Vec<&str> = THEMES
            .iter()
            .filter(|t| t.nps_effect < 0.0)
            .map(|t| t.key)
            .collect();
        let top: Vec<&str> = report
            .summary
            .top_ten
            .iter()
            .map(|e| planted_of(&e.theme))
            .collect();
        assert!(top.len() >= 5, "{:?}", report.summary.top_ten);
        assert!(
            top.iter().all(|k| harmful.contains(k)),
            "top ten stands for {top:?}"
        );
        assert!(top[..3].contains(&"delivery-delay"), "{top:?}");
        let spiking: Vec<&str> = report
            .summary
            .spikes
            .iter()
            .map(|s| planted_of(&s.theme))
            .collect();
        assert!(
            spiking.contains(&SPIKE.theme),
            "{:?}",
            report.summary.spikes
        );

        let nps = report.summary.scores.nps.unwrap();
        assert_eq!(nps.n, 12_000);
        assert!(report.summary.placed > 1000, "{}", report.summary.placed);
        assert_eq!(
            report,
            analyze(&inputs, Some(&org), options),
            "same input and seed, same report"
        );
    }
}
