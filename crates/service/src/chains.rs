//! Cross-silo chains from the workspace's data: weekly series of every department KPI, every
//! active theme's share of the week's records and every stage's NPS, tested pair by pair along
//! the journey ([`throughline_analytics::chains`]), and the links kept joined into chains —
//! hypotheses for the council, with the evidence.
//!
//! Which pairs the journey allows: a KPI or a theme (upstream) on an earlier or the same stage
//! as a theme, a stage's score or a KPI (downstream). A theme is not tested against its own
//! stage's score (its records are part of it), nor anything without a place on the journey.

use std::sync::Arc;

use serde::Serialize;
use throughline_analytics::chains::{self, Link, Series};
use throughline_domain::org::{CouncilKind, Direction, Organisation, OwnershipRole};
use throughline_store::{Store, StoredTheme, ThemeStatus};

use crate::weekly::{Inputs, Weekly, values};
use crate::{Result, ServiceError, blocking};

/// What a series is.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesRef {
    /// `kpi`, `theme` or `stage`.
    pub kind: &'static str,
    /// The metric key, the theme id or the stage key.
    pub key: String,
    pub label: String,
    /// The key of the journey stage it sits on (where a diagram draws it).
    pub stage: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainLink {
    pub from: SeriesRef,
    pub to: SeriesRef,
    pub lag_weeks: usize,
    /// The correlation of the week-on-week changes, with its 95% interval.
    pub strength: f64,
    pub low: f64,
    pub high: f64,
    pub q: f64,
    /// Weeks behind it.
    pub points: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    pub links: Vec<ChainLink>,
    /// The departments at its ends and along it, in the organisation's order.
    pub departments: Vec<String>,
}

impl Chain {
    /// "Lead volume → 1 week → Lead-to-order conversion → …"; with `evidence`, each step also
    /// gives the strength, its interval and q.
    pub fn path(&self, evidence: bool) -> String {
        let mut text = self.links[0].from.label.clone();
        for link in &self.links {
            let weeks = format!(
                "{} week{}",
                link.lag_weeks,
                if link.lag_weeks == 1 { "" } else { "s" }
            );
            let step = if evidence {
                format!(
                    "({weeks}, r {:+.2} [{:+.2} to {:+.2}], q {:.3})",
                    link.strength, link.low, link.high, link.q
                )
            } else {
                weeks
            };
            text.push_str(&format!(" → {step} → {}", link.to.label));
        }
        text
    }

    /// What identifies the chain from one agenda to the next: its series, in order.
    pub fn key(&self) -> String {
        self.links
            .iter()
            .map(|l| format!("{}:{}>{}:{}", l.from.kind, l.from.key, l.to.kind, l.to.key))
            .collect::<Vec<_>>()
            .join("|")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Chains {
    pub fdr: f64,
    /// Pairs × lags tested.
    pub tested: usize,
    /// Series considered, and weeks in the calendar.
    pub series: usize,
    pub weeks: usize,
    pub chains: Vec<Chain>,
}

/// A cross-department initiative proposed from a chain: what the council would write, filled
/// in from the chain's series (the proposal form shows it for a person to finish).
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub title: String,
    pub description: String,
    /// `council:KEY`: the operational council (the strategic one when there is none).
    pub owner: String,
    /// The chain's end: a KPI's key, or "NPS of STAGE".
    pub metric: String,
    /// The mean of the KPI's last four readings, when the metric is a KPI.
    pub baseline: Option<f64>,
    /// The themes along the chain, and the stages of its series, in journey order.
    pub themes: Vec<i64>,
    pub stages: Vec<String>,
    pub departments: Vec<String>,
}

/// The initiative the council could propose from the chain `key` ([`Chain::key`]).
pub async fn suggestion(store: &Store, key: &str) -> Result<Suggestion> {
    let key = key.to_owned();
    suggestion_where(store, move |found| {
        found.chains.iter().position(|c| c.key() == key)
    })
    .await?
    .ok_or_else(|| {
        ServiceError::NotFound(
            "that chain is not in the data any more: the chains page lists those there are \
                 now"
            .into(),
        )
    })
}

/// The initiative from chain `number` (from 1, as `throughline chains` numbers them); `None`
/// when there is no such chain.
pub async fn suggestion_numbered(store: &Store, number: usize) -> Result<Option<Suggestion>> {
    suggestion_where(store, move |found| {
        number.checked_sub(1).filter(|i| *i < found.chains.len())
    })
    .await
}

/// The chains computed once, and the suggestion from the one `pick` chooses.
async fn suggestion_where(
    store: &Store,
    pick: impl FnOnce(&Chains) -> Option<usize> + Send + 'static,
) -> Result<Option<Suggestion>> {
    let inputs = Inputs::load(store).await?;
    Ok(blocking(move || {
        let found = compute(&inputs, chains::DEFAULT_FDR);
        pick(&found).map(|i| suggest(&inputs, &found.chains[i]))
    })
    .await)
}

fn suggest(inputs: &Inputs, chain: &Chain) -> Suggestion {
    let org = &inputs.org;
    let series: Vec<&SeriesRef> = std::iter::once(&chain.links[0].from)
        .chain(chain.links.iter().map(|l| &l.to))
        .collect();
    let end = series[series.len() - 1];
    let (metric, baseline) = match end.kind {
        "kpi" => {
            let readings = org
                .metrics
                .iter()
                .position(|m| m.key.as_str() == end.key)
                .and_then(|i| inputs.kpis.get(i))
                .map_or(&[][..], Vec::as_slice);
            let last: Vec<f64> = readings.iter().rev().take(4).map(|k| k.value).collect();
            let mean = (!last.is_empty()).then(|| last.iter().sum::<f64>() / last.len() as f64);
            (end.key.clone(), mean.map(|m| (m * 10.0).round() / 10.0))
        }
        "stage" => (format!("NPS of {}", org.stage_name(&end.stage)), None),
        _ => ("NPS".to_owned(), None),
    };
    let mut stages: Vec<String> = Vec::new();
    for stage in &org.journey.stages {
        if series.iter().any(|s| s.stage == stage.key.as_str()) {
            stages.push(stage.key.to_string());
        }
    }
    let names: Vec<&str> = chain
        .departments
        .iter()
        .map(|d| org.department_name(d))
        .collect();
    let labels: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
    let mut title = format!("Break the chain: {}", labels.join(" → "));
    if title.chars().count() > 200 {
        title = title.chars().take(199).collect::<String>() + "…";
    }
    Suggestion {
        title,
        description: format!(
            "A cross-silo chain in the data, a hypothesis to examine: {}. Departments along \
             it: {}. Find the mechanism together, then change what starts the chain.",
            chain.path(true),
            names.join(", ")
        ),
        owner: org
            .councils
            .iter()
            .find(|c| c.kind == CouncilKind::Operational)
            .or(org.councils.first())
            .map_or_else(String::new, |c| format!("council:{}", c.key)),
        metric,
        baseline,
        themes: series
            .iter()
            .filter(|s| s.kind == "theme")
            .filter_map(|s| s.key.parse().ok())
            .collect(),
        stages,
        departments: chain.departments.clone(),
    }
}

/// A department's KPI that, in a chain, leads something that gets worse for someone else as the
/// KPI gets better: what the department is rewarded for costs another department or the
/// customer (agenda item 3's NOT ALIGNED).
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub link: ChainLink,
    /// "its Lead volume leads “features missing” by 3 weeks (r +0.72, q 0.000): as it improves,
    /// that complaint grows".
    pub text: String,
}

/// The conflicts of department `department` in `chains` (each link once).
pub fn conflicts(
    chains: &Chains,
    org: &Organisation,
    themes: &[StoredTheme],
    department: &str,
) -> Vec<Conflict> {
    let metric = |key: &str| org.metrics.iter().find(|m| m.key.as_str() == key);
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut found = Vec::new();
    for link in chains.chains.iter().flat_map(|c| &c.links) {
        let Some(up) = metric(&link.from.key)
            .filter(|m| link.from.kind == "kpi" && m.department.as_str() == department)
        else {
            continue;
        };
        // Whether the downstream series worsens as it rises, and what it is in words.
        let (worse_when_higher, what) = match link.to.kind {
            "theme" => {
                let negative = themes
                    .iter()
                    .find(|t| t.id.to_string() == link.to.key)
                    .and_then(|t| t.aggregates.mean_sentiment)
                    .is_some_and(|s| s < 0.0);
                let what = if negative {
                    "that complaint grows"
                } else {
                    "that praise fades"
                };
                (negative, what.to_owned())
            }
            "kpi" => match metric(&link.to.key) {
                // A department's own KPIs moving together is its own business.
                Some(down) if down.department.as_str() != department => (
                    down.direction == Direction::LowerIsBetter,
                    format!(
                        "{} ({}) gets worse",
                        down.name,
                        org.department_name(down.department.as_str())
                    ),
                ),
                _ => continue,
            },
            _ => (false, "that stage's score falls".to_owned()),
        };
        // As the upstream KPI improves, the downstream series moves up when the link's sign
        // and the KPI's direction agree.
        let rises = (link.strength > 0.0) == (up.direction == Direction::HigherIsBetter);
        if rises != worse_when_higher {
            continue;
        }
        let pair = (
            link.from.key.clone(),
            format!("{}:{}", link.to.kind, link.to.key),
        );
        if seen.contains(&pair) {
            continue;
        }
        seen.push(pair);
        found.push(Conflict {
            link: link.clone(),
            text: format!(
                "its {} leads “{}” by {} week{} (r {:+.2}, q {:.3}): as it improves, {what}",
                link.from.label,
                link.to.label,
                link.lag_weeks,
                if link.lag_weeks == 1 { "" } else { "s" },
                link.strength,
                link.q
            ),
        });
    }
    found
}

/// One series with its place on the journey and its departments.
struct Candidate {
    reference: SeriesRef,
    /// Index of its stage in the journey.
    position: usize,
    departments: Vec<String>,
    /// Upstream (KPI, theme) or only downstream (stage score).
    may_lead: bool,
    /// A theme's stage, not tested against that stage's score.
    own_stage: Option<String>,
    series: Series,
}

/// The chains in the workspace's data, links kept at false-discovery rate `fdr`.
/// The weekly series come from the database's day-by-day counts ([`Weekly::counted`]), not
/// from every record: at a million records reading them all took most of a minute.
pub async fn chains(store: &Store, fdr: f64) -> Result<Chains> {
    check_fdr(fdr)?;
    let (org, kpis) = crate::weekly::org_and_kpis(store).await?;
    let themes = store.themes().await?;
    let weekly = Weekly::counted(store, &org, &kpis).await?;
    Ok(blocking(move || compute_over(&org, &themes, weekly, fdr)).await)
}

/// The chains in inputs already loaded (the agenda reads them once for several items).
pub async fn chains_of(inputs: Arc<Inputs>, fdr: f64) -> Result<Chains> {
    check_fdr(fdr)?;
    Ok(blocking(move || compute(&inputs, fdr)).await)
}

fn check_fdr(fdr: f64) -> Result<()> {
    if fdr > 0.0 && fdr < 1.0 {
        return Ok(());
    }
    Err(ServiceError::Invalid(format!(
        "the false-discovery rate is a number between 0 and 1 (0.1 is usual), not {fdr}"
    )))
}

fn compute(inputs: &Inputs, fdr: f64) -> Chains {
    compute_over(&inputs.org, &inputs.themes, inputs.weekly(), fdr)
}

/// The chains of `org`'s journey in the weekly series.
fn compute_over(
    org: &Organisation,
    themes: &[StoredTheme],
    weekly: Option<Weekly>,
    fdr: f64,
) -> Chains {
    let Some(weekly) = weekly else {
        return Chains {
            fdr,
            tested: 0,
            series: 0,
            weeks: 0,
            chains: Vec::new(),
        };
    };
    let position = |stage: &str| {
        org.journey
            .stages
            .iter()
            .position(|s| s.key.as_str() == stage)
    };
    let stage_owners = |stage: &str| -> Vec<String> {
        org.stage(&match throughline_domain::Key::parse(stage) {
            Ok(k) => k,
            Err(_) => return Vec::new(),
        })
        .map(|s| {
            org.departments_of_stage(s)
                .into_iter()
                .filter(|(_, role)| *role == OwnershipRole::Owner)
                .map(|(d, _)| d.key.to_string())
                .collect()
        })
        .unwrap_or_default()
    };
    let mut candidates: Vec<Candidate> = Vec::new();

    // Department KPIs: the week's mean.
    for (i, metric) in org.metrics.iter().enumerate() {
        let (Some(stage), Some(series)) = (
            metric.stage.as_ref().and_then(|s| position(s.as_str())),
            weekly.kpi(i).as_ref().map(values),
        ) else {
            continue;
        };
        candidates.push(Candidate {
            reference: SeriesRef {
                kind: "kpi",
                key: metric.key.to_string(),
                label: metric.name.to_string(),
                stage: org.journey.stages[stage].key.to_string(),
            },
            position: stage,
            departments: vec![metric.department.to_string()],
            may_lead: true,
            own_stage: None,
            series,
        });
    }

    // Themes: their share of the week's records.
    for theme in themes.iter().filter(|t| t.status == ThemeStatus::Active) {
        let (Some(stage), Some(series)) = (
            &theme.aggregates.stage,
            weekly.theme_share(theme.id).as_ref().map(values),
        ) else {
            continue;
        };
        let Some(at) = position(stage) else {
            continue;
        };
        candidates.push(Candidate {
            reference: SeriesRef {
                kind: "theme",
                key: theme.id.to_string(),
                label: theme.label.clone(),
                stage: stage.clone(),
            },
            position: at,
            departments: match &theme.owner {
                Some(owner) if owner != "council" => vec![owner.clone()],
                _ => stage_owners(stage),
            },
            may_lead: true,
            own_stage: Some(stage.clone()),
            series,
        });
    }
    // Stages: their NPS.
    for stage in weekly.stages() {
        let Some(at) = position(stage) else {
            continue;
        };
        candidates.push(Candidate {
            reference: SeriesRef {
                kind: "stage",
                key: stage.to_owned(),
                label: format!("NPS of {}", org.journey.stages[at].name),
                stage: stage.to_owned(),
            },
            position: at,
            departments: stage_owners(stage),
            may_lead: false,
            own_stage: None,
            series: values(&weekly.stages_nps(&[stage], true)),
        });
    }

    let series: Vec<Series> = candidates.iter().map(|c| c.series.clone()).collect();
    let allowed = |a: usize, b: usize| {
        let (up, down) = (&candidates[a], &candidates[b]);
        up.may_lead
            && up.position <= down.position
            && !(down.reference.kind == "stage"
                && up.own_stage.as_deref() == Some(down.reference.key.as_str()))
    };
    let found = chains::find_links(&series, allowed, fdr);
    let link = |l: &Link| ChainLink {
        from: candidates[l.from].reference.clone(),
        to: candidates[l.to].reference.clone(),
        lag_weeks: l.lag_weeks,
        strength: l.strength,
        low: l.low,
        high: l.high,
        q: l.q,
        points: l.points,
    };
    let chains = chains::chains(&found.links)
        .into_iter()
        .map(|path| {
            let involved: Vec<&String> = path
                .iter()
                .flat_map(|l| {
                    candidates[l.from]
                        .departments
                        .iter()
                        .chain(&candidates[l.to].departments)
                })
                .collect();
            Chain {
                links: path.iter().map(link).collect(),
                departments: org
                    .departments
                    .iter()
                    .filter(|d| involved.iter().any(|k| k.as_str() == d.key.as_str()))
                    .map(|d| d.key.to_string())
                    .collect(),
            }
        })
        .collect();
    Chains {
        fdr,
        tested: found.tested,
        series: candidates.len(),
        weeks: weekly.span,
        chains,
    }
}
