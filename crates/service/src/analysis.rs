//! `analyze`: the stored feedback analysed and the results stored — themes, each record's
//! sentiment, stage and themes, every theme's aggregates, the Top Ten, the run's summary.
//!
//! The first run discovers the themes and saves them as the codebook; later runs analyse only
//! the records added since, with the codebook, so that themes stay stable across imports. A
//! rediscovery builds a new codebook from all records and keeps the ids (and the labels people
//! gave) of the themes it finds again.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use throughline_analytics::report::{
    Input, RecordAnalysis, Summary, ThemeRef, aggregate, analyse_records, placer,
};
use throughline_analytics::sentiment::Label;
use throughline_analytics::themes::codebook::{Codebook, PhraseRule};
use throughline_analytics::themes::{DiscoverOptions, ThemeCount, discover};
use throughline_domain::Timestamp;
use throughline_store::{
    AnalysisRun, AnalysisSession, NewAnalysisRun, NewTheme, RecordAnalysisRow, Store,
    StoredFeedback, StoredTheme, ThemeAggregates, ThemeStatus,
};

use crate::{Result, ServiceError, all_feedback, blocking};

/// A rediscovered theme keeps an earlier theme's id when at least this share of the records
/// in either is in both (the overlap over the larger of the two).
pub const SAME_THEME_OVERLAP: f64 = 0.5;

#[derive(Debug, Clone, Copy)]
pub struct AnalyzeOptions {
    /// Discover the themes afresh from all records, even if a codebook exists.
    pub rediscover: bool,
    /// How many themes a discovery looks for.
    pub themes: ThemeCount,
    pub seed: u64,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            rediscover: false,
            themes: ThemeCount::Auto,
            seed: 42,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The first analysis: themes discovered, codebook saved.
    Discover,
    /// New records analysed with the saved codebook.
    Incremental,
    /// Themes discovered afresh; themes found again keep their ids.
    Rediscover,
    /// Aggregates recomputed after a person edited the themes.
    Edit,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discover => "discover",
            Self::Incremental => "incremental",
            Self::Rediscover => "rediscover",
            Self::Edit => "edit",
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeOutcome {
    pub mode: Mode,
    /// Records analysed by this run.
    pub analysed: u64,
    /// Records stored.
    pub total: u64,
    /// Active themes after the run.
    pub themes: usize,
    /// Rediscovery: earlier themes found again (same id); otherwise 0.
    pub kept_themes: usize,
    /// Themes the run created.
    pub new_themes: usize,
    /// Rediscovery: earlier themes not found again (now retired).
    pub retired_themes: usize,
    pub summary: Summary,
}

/// What asking for themes or the Top Ten before any analysis gets.
pub(crate) fn not_analysed() -> ServiceError {
    ServiceError::Invalid(
        "nothing has been analysed yet: run `throughline analyze` first".to_owned(),
    )
}

/// The latest analysis run with its summary, if there has been one.
pub async fn latest_run(store: &Store) -> Result<Option<AnalysisRun<Summary>>> {
    match store.latest_analysis_run().await? {
        Some(run) => Ok(Some(run.decode()?)),
        None => Ok(None),
    }
}

/// Analyses the stored feedback; see the module documentation.
#[tracing::instrument(skip_all, fields(rediscover = options.rediscover))]
pub async fn analyze(store: &Store, options: AnalyzeOptions) -> Result<AnalyzeOutcome> {
    let started = Timestamp::now();
    let organisation = store.load_organisation().await?;
    let records = all_feedback(store).await?;
    if records.is_empty() {
        return Err(crate::ServiceError::Invalid(
            "there is no feedback to analyse: import some first (throughline import FILE)"
                .to_owned(),
        ));
    }
    let mut analyses = store.record_analyses().await?;
    let stored = match options.rediscover {
        true => None,
        false => store.current_codebook().await?,
    };
    let inputs = inputs_of(&records);
    let themes_before = store.themes().await?;

    // Everything that takes long is computed first, outside any transaction: the analysis of a
    // million records takes half a minute, and on SQLite a transaction that read before another
    // connection wrote can never write ("database is locked" at the end of every run while an
    // integration was active), while one that holds the write lock makes every other writer wait.
    // The write transaction below only stores what was computed.
    enum Found {
        /// Records assigned to the stored codebook's themes.
        Assigned {
            codebook_id: i64,
            found: Vec<Vec<(i64, f64)>>,
        },
        /// Themes discovered afresh, to be matched with the earlier ones when stored.
        Discovered {
            mode: Mode,
            discovery: Box<throughline_analytics::themes::Discovery>,
            texts: Vec<String>,
        },
    }
    let (todo, found) = match stored {
        Some((id, bytes)) => {
            let codebook = Codebook::from_bytes(&bytes)?;
            let todo: Vec<usize> = (0..records.len())
                .filter(|&i| !analyses.contains_key(&records[i].id))
                .collect();
            let (rules, active) = edits_of(&themes_before);
            let texts: Vec<String> = todo.iter().map(|&i| inputs[i].text.clone()).collect();
            let found = blocking(move || {
                texts
                    .iter()
                    .map(|t| codebook.assign(t, &rules, |theme| active.contains(&theme)))
                    .collect::<Vec<_>>()
            })
            .await;
            (
                todo,
                Found::Assigned {
                    codebook_id: id,
                    found,
                },
            )
        }
        None => {
            let mode = if themes_before.is_empty() {
                Mode::Discover
            } else {
                Mode::Rediscover
            };
            let texts: Vec<String> = inputs.iter().map(|i| i.text.clone()).collect();
            let discover_options = DiscoverOptions {
                themes: options.themes,
                seed: options.seed,
            };
            let (discovery, texts) = blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let discovery = discover(&refs, &[], discover_options);
                (discovery, texts)
            })
            .await;
            (
                (0..records.len()).collect(),
                Found::Discovered {
                    mode,
                    discovery: Box::new(discovery),
                    texts,
                },
            )
        }
    };
    // Sentiment and stage of the records analysed now.
    let placer = placer(&inputs, organisation.as_ref());
    let chosen: Vec<Input> = todo.iter().map(|&i| inputs[i].clone()).collect();
    let per_record = blocking(move || {
        let refs: Vec<&Input> = chosen.iter().collect();
        analyse_records(&refs, &placer)
    })
    .await;

    let mut session = store.begin_analysis().await?;
    // A person who edited the themes meanwhile (renamed, merged, added a phrase) made what was
    // computed above stale: nothing is stored, and the run can simply be started again.
    if edits_of(&session.themes().await?) != edits_of(&themes_before) {
        return Err(ServiceError::Invalid(
            "the themes were edited while the analysis ran, so nothing was stored: run \
             `throughline analyze` again"
                .to_owned(),
        ));
    }
    let mut outcome_counts = (0, 0, 0);
    let (mode, codebook_id, found) = match found {
        Found::Assigned { codebook_id, found } => (Mode::Incremental, codebook_id, found),
        Found::Discovered {
            mode,
            discovery,
            texts,
        } => {
            // Match the discovered themes with the earlier ones by the records they hold.
            let main_of: Vec<Option<usize>> = discovery
                .assignments
                .iter()
                .map(|a| a.first().map(|x| x.theme))
                .collect();
            let earlier: HashMap<i64, i64> = analyses
                .values()
                .filter_map(|a| a.themes.first().map(|t| (a.feedback_id, t.0)))
                .collect();
            let matches = match_themes(
                &records.iter().map(|r| r.id).collect::<Vec<_>>(),
                &main_of,
                discovery.themes.len(),
                &earlier,
                &themes_before,
            );
            let mut keys = Vec::with_capacity(discovery.themes.len());
            for (t, theme) in discovery.themes.iter().enumerate() {
                let key = match matches[t] {
                    Some(id) => {
                        session
                            .refresh_theme(id, &theme.label, &theme.phrases)
                            .await?;
                        outcome_counts.0 += 1;
                        id
                    }
                    None => {
                        outcome_counts.1 += 1;
                        session
                            .insert_theme(&NewTheme {
                                label: theme.label.clone(),
                                phrases: theme.phrases.clone(),
                                split_from: None,
                            })
                            .await?
                    }
                };
                keys.push(key);
            }
            let kept: HashSet<i64> = keys.iter().copied().collect();
            for theme in &themes_before {
                if theme.status == ThemeStatus::Active && !kept.contains(&theme.id) {
                    session
                        .set_theme_status(theme.id, ThemeStatus::Retired, None)
                        .await?;
                    outcome_counts.2 += 1;
                }
            }
            let themes_now = session.themes().await?;
            let (rules, active) = edits_of(&themes_now);
            let found: Vec<Vec<(i64, f64)>> = discovery
                .assignments
                .iter()
                .zip(&texts)
                .map(|(assigned, text)| {
                    let assigned = assigned.iter().map(|a| (keys[a.theme], a.confidence));
                    Codebook::with_rules(text, &rules, |t| active.contains(&t), assigned.collect())
                })
                .collect();
            let discovery = *discovery;
            let codebook = Codebook::new(discovery.model, &keys);
            let id = session
                .save_codebook(&codebook.to_bytes(), options.seed)
                .await?;
            session.clear_record_analyses().await?;
            analyses.clear();
            (mode, id, found)
        }
    };

    let rows: Vec<RecordAnalysisRow> = todo
        .iter()
        .zip(per_record)
        .zip(found)
        .map(|((&i, (analysis, placement)), themes)| RecordAnalysisRow {
            feedback_id: records[i].id,
            sentiment: analysis.sentiment,
            sentiment_label: analysis.label.as_str().to_owned(),
            stage: analysis.stage,
            stage_reason: placement.explain(),
            themes,
        })
        .collect();
    session.save_record_analyses(&rows).await?;
    let analysed = rows.len() as u64;
    for row in rows {
        analyses.insert(row.feedback_id, row);
    }

    let themes_now = session.themes().await?;
    let summary = save_aggregates(
        &mut session,
        &records,
        inputs,
        &analyses,
        &themes_now,
        options.seed,
    )
    .await?;
    session
        .record_run(&NewAnalysisRun {
            started_at: started,
            mode: mode.as_str().to_owned(),
            records_analysed: analysed,
            records_total: records.len() as u64,
            codebook_id,
            summary: serde_json::to_value(&summary).expect("a summary always serialises"),
        })
        .await?;
    session.commit().await?;
    tracing::info!(mode = mode.as_str(), analysed, "analysis stored");
    store
        // (A record has one to three themes: its count stands for its theme rows.)
        .after_bulk_write(&[
            (throughline_store::BulkTable::Analyses, analysed),
            (throughline_store::BulkTable::Themes, analysed),
        ])
        .await;
    // Theme rules of the inner loop can hold now that the records have their themes.
    crate::follow_up::scan(store, throughline_store::CandidateScope::Recent).await?;
    Ok(AnalyzeOutcome {
        mode,
        analysed,
        total: records.len() as u64,
        themes: themes_now
            .iter()
            .filter(|t| t.status == ThemeStatus::Active)
            .count(),
        kept_themes: outcome_counts.0,
        new_themes: outcome_counts.1,
        retired_themes: outcome_counts.2,
        summary,
    })
}

/// Recomputes every theme's aggregates and the summary after a person edited the themes, and
/// records it as an `edit` run. Fails when nothing has been analysed yet.
pub(crate) async fn refresh(store: &Store) -> Result<Summary> {
    let started = Timestamp::now();
    let Some((codebook_id, _)) = store.current_codebook().await? else {
        return Err(not_analysed());
    };
    let seed = latest_run(store)
        .await?
        .map_or(AnalyzeOptions::default().seed, |run| run.summary.seed);
    let records = all_feedback(store).await?;
    let analyses = store.record_analyses().await?;
    let inputs = inputs_of(&records);
    let mut session = store.begin_analysis().await?;
    let themes = session.themes().await?;
    let summary = save_aggregates(&mut session, &records, inputs, &analyses, &themes, seed).await?;
    session
        .record_run(&NewAnalysisRun {
            started_at: started,
            mode: Mode::Edit.as_str().to_owned(),
            records_analysed: 0,
            records_total: records.len() as u64,
            codebook_id,
            summary: serde_json::to_value(&summary).expect("a summary always serialises"),
        })
        .await?;
    session.commit().await?;
    Ok(summary)
}

pub(crate) fn inputs_of(records: &[StoredFeedback]) -> Vec<Input> {
    records
        .iter()
        .map(|r| Input::from_record(r.record.clone(), || r.id.to_string()))
        .collect()
}

/// The added phrases of the active themes, and the set of active themes.
pub(crate) fn edits_of(themes: &[StoredTheme]) -> (Vec<PhraseRule>, HashSet<i64>) {
    let active: HashSet<i64> = themes
        .iter()
        .filter(|t| t.status == ThemeStatus::Active)
        .map(|t| t.id)
        .collect();
    let rules = themes
        .iter()
        .filter(|t| active.contains(&t.id))
        .flat_map(|t| {
            t.added_phrases
                .iter()
                .filter_map(|p| PhraseRule::new(t.id, p))
        })
        .collect();
    (rules, active)
}

/// For each discovered theme, the earlier theme (active or archived) it is, if any: the one
/// holding the most of its records, when the overlap reaches [`SAME_THEME_OVERLAP`] of the
/// larger of the two; each earlier theme is matched at most once, largest overlaps first.
fn match_themes(
    record_ids: &[i64],
    main_of: &[Option<usize>],
    discovered: usize,
    earlier_main: &HashMap<i64, i64>,
    earlier_themes: &[StoredTheme],
) -> Vec<Option<i64>> {
    let candidates: HashSet<i64> = earlier_themes
        .iter()
        .filter(|t| matches!(t.status, ThemeStatus::Active | ThemeStatus::Archived))
        .map(|t| t.id)
        .collect();
    let mut new_sizes = vec![0usize; discovered];
    let mut old_sizes: HashMap<i64, usize> = HashMap::new();
    let mut overlap: HashMap<(usize, i64), usize> = HashMap::new();
    for (id, main) in record_ids.iter().zip(main_of) {
        if let Some(t) = main {
            new_sizes[*t] += 1;
        }
        if let Some(old) = earlier_main.get(id).filter(|o| candidates.contains(o)) {
            *old_sizes.entry(*old).or_default() += 1;
            if let Some(t) = main {
                *overlap.entry((*t, *old)).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<((usize, i64), usize)> = overlap.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut result = vec![None; discovered];
    let mut taken = HashSet::new();
    for ((t, old), shared) in pairs {
        let larger = new_sizes[t].max(old_sizes[&old]);
        if result[t].is_none()
            && !taken.contains(&old)
            && shared as f64 >= SAME_THEME_OVERLAP * larger as f64
        {
            result[t] = Some(old);
            taken.insert(old);
        }
    }
    result
}

/// Aggregates the analysed records over the active themes and writes every theme's
/// aggregates; returns the summary.
async fn save_aggregates(
    session: &mut AnalysisSession,
    records: &[StoredFeedback],
    inputs: Vec<Input>,
    analyses: &HashMap<i64, RecordAnalysisRow>,
    themes: &[StoredTheme],
    seed: u64,
) -> Result<Summary> {
    let active: Vec<&StoredTheme> = themes
        .iter()
        .filter(|t| t.status == ThemeStatus::Active)
        .collect();
    let index: HashMap<i64, usize> = active.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let refs: Vec<ThemeRef> = active
        .iter()
        .map(|t| ThemeRef {
            id: t.id.to_string(),
            label: t.label.clone(),
            phrases: t.phrases.clone(),
            parent: t.parent.and_then(|p| index.get(&p).copied()),
        })
        .collect();
    let mut analysed_inputs = Vec::with_capacity(inputs.len());
    let mut analysed = Vec::with_capacity(inputs.len());
    for (record, input) in records.iter().zip(inputs) {
        if let Some(row) = analyses.get(&record.id) {
            analysed_inputs.push(input);
            analysed.push(RecordAnalysis {
                sentiment: row.sentiment,
                label: Label::of(row.sentiment),
                stage: row.stage.clone(),
                themes: row
                    .themes
                    .iter()
                    .filter_map(|(t, _)| index.get(t).copied())
                    .collect(),
                // The store keeps the record's sentiment, not its passages': each theme is
                // measured by the record's.
                theme_sentiments: Vec::new(),
            });
        }
    }
    let (results, summary) =
        blocking(move || aggregate(&analysed_inputs, &analysed, &refs, seed)).await;
    let rank_of: HashMap<&str, u32> = summary
        .top_ten
        .iter()
        .map(|e| (e.theme.as_str(), e.rank as u32))
        .collect();
    let aggregates: Vec<(i64, ThemeAggregates)> = active
        .iter()
        .zip(&results)
        .map(|(theme, result)| {
            (
                theme.id,
                ThemeAggregates {
                    records: result.count,
                    share: result.share,
                    mean_sentiment: (result.count > 0).then_some(result.mean_sentiment),
                    stage: result.stage.clone(),
                    impact: result.impact.as_ref().map(stored_impact),
                    top_ten_rank: rank_of.get(result.id.as_str()).copied(),
                    trend: result
                        .trend
                        .iter()
                        .map(|p| throughline_store::TrendPoint {
                            period: p.period.clone(),
                            count: p.count,
                            share: p.share,
                            sentiment: p.sentiment,
                        })
                        .collect(),
                },
            )
        })
        .collect();
    session.save_theme_aggregates(&aggregates).await?;
    Ok(summary)
}

/// A theme's impact as the store keeps it.
fn stored_impact(
    i: &throughline_analytics::impact::ThemeImpact,
) -> throughline_store::StoredImpact {
    let interval = |v: &throughline_analytics::impact::Interval| throughline_store::Interval {
        value: v.value,
        low: v.low,
        high: v.high,
    };
    throughline_store::StoredImpact {
        theme: i.theme as u64,
        support: i.support,
        share: i.share,
        with: i.with,
        without: i.without,
        cost: interval(&i.cost),
        effect: interval(&i.effect),
    }
}
