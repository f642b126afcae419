//! Journey health: the gaps and overlaps between departments, from the organisation and from
//! the feedback of a period.
//!
//! The organisation alone shows touchpoints and stages nobody owns, touchpoints several
//! departments own, moments of truth no metric watches, KPIs off the journey and metrics two
//! departments claim ([`throughline_domain::org::gaps::structural`]). The data adds what only it
//! shows: customer issues (themes) whose records land where nobody is responsible, ranked by
//! what they cost; moments of truth and customer-facing departments that heard nothing from
//! customers in the period. Where a record lands is read as ownership routing reads it
//! ([`throughline_analytics::routing::Router::touchpoints_of`]), so the check and the owners of
//! the Top Ten never disagree about a place.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;
use throughline_analytics::routing::{Landing, Router, SINGLE_DEPARTMENT_SHARE};
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_domain::org::gaps::{self, Gap, GapKind, Severity};
use throughline_domain::org::{Organisation, Stage};
use throughline_store::{PeriodLanding, Store, StoredTheme, ThemeStatus};

use crate::{Result, ServiceError, blocking};

/// The period a check looks at when none is given: this many days up to the latest record.
pub const DEFAULT_PERIOD_DAYS: i64 = 90;
/// A theme is an unowned customer issue when at least this many of its records in the period
/// land where nobody is responsible…
pub const UNOWNED_MIN_RECORDS: u64 = 3;
/// …and they are at least this share of its placed records.
pub const UNOWNED_MIN_SHARE: f64 = 0.2;

/// The days a check covers, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// What `journey check` reports.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct JourneyCheck {
    pub period: Option<Period>,
    /// Feedback records received in the period.
    pub records: u64,
    /// Most severe first; see [`gaps::sort`].
    pub gaps: Vec<Gap>,
}

impl JourneyCheck {
    /// The gaps a department is involved in.
    pub fn of_department<'a>(&'a self, department: &'a str) -> impl Iterator<Item = &'a Gap> {
        self.gaps.iter().filter(move |g| g.involves(department))
    }
}

fn parse_day(field: &str, value: &str) -> Result<Date> {
    Date::parse(value).map_err(|e| ServiceError::Invalid(format!("{field}: {e}")))
}

/// Checks the journey over `from`..=`to` (YYYY-MM-DD); without them, the
/// [`DEFAULT_PERIOD_DAYS`] days up to the latest record.
pub async fn check(store: &Store, from: Option<&str>, to: Option<&str>) -> Result<JourneyCheck> {
    let org = store
        .load_organisation()
        .await?
        .ok_or_else(crate::themes::no_organisation)?;
    let from = from.map(|v| parse_day("--from", v)).transpose()?;
    let to = to.map(|v| parse_day("--to", v)).transpose()?;
    if let (Some(from), Some(to)) = (&from, &to)
        && from > to
    {
        return Err(ServiceError::Invalid(format!(
            "the period starts ({from}) after it ends ({to})",
            from = from.as_str(),
            to = to.as_str()
        )));
    }
    let themes = store.themes().await?;
    let latest = store.latest_received_at().await?;
    let period = period_of(from, to, latest);
    // Only the period's records are read (a quarter of a year's), each with where it landed.
    let records = match &period {
        Some(p) => {
            store
                .landings_between(p.from.start(), p.to.plus_days(1).start())
                .await?
        }
        None => Vec::new(),
    };
    // Reading every record of the period is whole-dataset work: off the async runtime.
    Ok(blocking(move || find_gaps(&org, &records, &themes, period)).await)
}

/// The period asked, completed: it ends on `to`, else the latest record's day (today when
/// there is none but a start was given), and starts on `from`, else
/// [`DEFAULT_PERIOD_DAYS`] days before its end. `None` when nothing says when.
fn period_of(from: Option<Date>, to: Option<Date>, latest: Option<Timestamp>) -> Option<Period> {
    let to = to
        .or_else(|| latest.map(Date::of))
        .or_else(|| from.as_ref().map(|_| Date::today()))?;
    let from = from.unwrap_or_else(|| to.plus_days(1 - DEFAULT_PERIOD_DAYS));
    Some(Period { from, to })
}

/// The gaps of the organisation, and those its records of the period (`in_period`) show.
fn find_gaps(
    org: &Organisation,
    in_period: &[PeriodLanding],
    themes: &[StoredTheme],
    period: Option<Period>,
) -> JourneyCheck {
    let router = Router::new(org, SINGLE_DEPARTMENT_SHARE);
    // Where each record of the period lands: its stage and touchpoints.
    let landings: Vec<(Option<&str>, Vec<&str>)> = in_period
        .iter()
        .map(|r| {
            let landing = Landing {
                stage: r.stage.as_deref(),
                touchpoint: r.touchpoint.as_deref(),
                text: &r.text,
            };
            (r.stage.as_deref(), router.touchpoints_of(&landing))
        })
        .collect();

    let mut found = gaps::structural(org);
    if !in_period.is_empty() {
        let heard: HashSet<&str> = landings
            .iter()
            .flat_map(|(_, touchpoints)| touchpoints.iter().copied())
            .collect();
        let heard_stages: HashSet<&str> = landings.iter().filter_map(|(s, _)| *s).collect();
        moments_without_feedback(org, &heard, &heard_stages, &mut found);
        departments_without_feedback(org, &heard, &mut found);

        let unowned_place = |(stage, touchpoints): &(Option<&str>, Vec<&str>)| -> bool {
            let Some(stage) = stage.and_then(|s| org.stage(&key(s)?)) else {
                return false;
            };
            if touchpoints.is_empty() {
                return !gaps::stage_is_owned(stage);
            }
            touchpoints.iter().all(|t| {
                stage
                    .touchpoints
                    .iter()
                    .find(|x| x.key.as_str() == *t)
                    .is_some_and(|x| x.owners.is_empty())
            })
        };
        let mut per_theme: HashMap<i64, ThemePlaces> = HashMap::new();
        for (record, landing) in in_period.iter().zip(&landings) {
            let (true, Some(stage)) = (record.analysed, landing.0) else {
                continue;
            };
            let unowned = unowned_place(landing);
            for theme in &record.themes {
                let entry = per_theme.entry(*theme).or_default();
                entry.placed += 1;
                if !unowned {
                    continue;
                }
                entry.unowned += 1;
                if landing.1.is_empty() {
                    entry.places.insert((stage.to_owned(), None));
                }
                for t in &landing.1 {
                    entry
                        .places
                        .insert((stage.to_owned(), Some((*t).to_owned())));
                }
            }
        }
        for theme in themes.iter().filter(|t| t.status == ThemeStatus::Active) {
            let Some(places) = per_theme.get(&theme.id) else {
                continue;
            };
            if places.unowned >= UNOWNED_MIN_RECORDS
                && places.unowned as f64 >= UNOWNED_MIN_SHARE * places.placed as f64
            {
                found.push(unowned_theme(org, theme, places));
            }
        }
    }
    gaps::sort(&mut found);
    JourneyCheck {
        period,
        records: in_period.len() as u64,
        gaps: found,
    }
}

/// Where a theme's records of the period landed.
#[derive(Debug, Default)]
struct ThemePlaces {
    /// Records on a place nobody owns…
    unowned: u64,
    /// …of its records placed on the journey.
    placed: u64,
    /// Those places: (stage, touchpoint), the touchpoint `None` for a stage with none.
    places: BTreeSet<(String, Option<String>)>,
}

fn key(value: &str) -> Option<throughline_domain::Key> {
    throughline_domain::Key::parse(value).ok()
}

/// A theme whose records land where nobody is responsible: who could take it (the
/// contributors of those places) and what it costs.
fn unowned_theme(org: &Organisation, theme: &StoredTheme, landed: &ThemePlaces) -> Gap {
    let (unowned, placed, places) = (landed.unowned, landed.placed, &landed.places);
    let cost = crate::themes::stored_impact(theme).map(|i| i.cost.value);
    let stages: Vec<&str> = places
        .iter()
        .map(|(s, _)| org.stage_name(s))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let touchpoints: Vec<&str> = places
        .iter()
        .filter_map(|(_, t)| t.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let contributors: Vec<&throughline_domain::Key> = org
        .touchpoints()
        .filter(|(_, t)| touchpoints.contains(&t.key.as_str()))
        .flat_map(|(_, t)| &t.contributors)
        .collect();
    let departments: Vec<String> = org
        .departments
        .iter()
        .filter(|d| contributors.contains(&&d.key))
        .map(|d| d.key.to_string())
        .collect();
    let where_ = if touchpoints.is_empty() {
        format!("stage “{}”", stages.join("”, “"))
    } else {
        let names: Vec<&str> = org
            .touchpoints()
            .filter(|(_, t)| touchpoints.contains(&t.key.as_str()))
            .map(|(_, t)| t.name.as_str())
            .collect();
        format!("touchpoint “{}”", names.join("”, “"))
    };
    let costs = cost.map_or_else(String::new, |c| {
        format!("; it costs the score {c:+.1} points")
    });
    let severity = if cost.is_some_and(|c| c >= 0.0) {
        Severity::Medium
    } else {
        Severity::High
    };
    let mut gap = Gap::new(
        GapKind::UnownedTheme,
        severity,
        format!(
            "Customer issue “{}”: {unowned} of its {placed} placed records in the period land on \
             {where_}, which nobody owns{costs}",
            theme.label
        ),
        format!(
            "Give {where_} an owner, or set the theme's owner (`throughline themes set-owner \
             {} DEPARTMENT`)",
            theme.id
        ),
    );
    gap.stage = places.iter().next().map(|(s, _)| s.clone());
    gap.touchpoint = touchpoints.first().map(|t| (*t).to_owned());
    gap.departments = departments;
    gap.theme = Some(theme.id);
    gap.records = Some(unowned);
    gap.cost = cost;
    gap
}

fn moments_without_feedback(
    org: &Organisation,
    heard: &HashSet<&str>,
    heard_stages: &HashSet<&str>,
    out: &mut Vec<Gap>,
) {
    for m in &org.moments_of_truth {
        let silent = match &m.touchpoint {
            Some(t) => !heard.contains(t.as_str()),
            None => !heard_stages.contains(m.stage.as_str()),
        };
        if !silent {
            continue;
        }
        let owners: Vec<String> = org
            .departments
            .iter()
            .filter(|d| {
                org.stage(&m.stage).is_some_and(|s: &Stage| {
                    s.touchpoints.iter().any(|t| {
                        m.touchpoint.as_ref().is_none_or(|k| k == &t.key)
                            && t.owners.contains(&d.key)
                    })
                })
            })
            .map(|d| d.key.to_string())
            .collect();
        let mut gap = Gap::new(
            GapKind::MomentWithoutFeedback,
            Severity::Medium,
            format!(
                "Moment of truth {} “{}” received no feedback in the period: nobody hears how it \
                 goes",
                m.rank, m.name
            ),
            "Ask customers at this moment (a survey at the touchpoint), or map the channel \
             their feedback comes through to its stage and touchpoint on import"
                .to_owned(),
        );
        gap.stage = Some(m.stage.to_string());
        gap.touchpoint = m.touchpoint.as_ref().map(ToString::to_string);
        gap.moment = Some(m.name.to_string());
        gap.departments = owners;
        gap.records = Some(0);
        out.push(gap);
    }
}

fn departments_without_feedback(org: &Organisation, heard: &HashSet<&str>, out: &mut Vec<Gap>) {
    for d in org.departments.iter().filter(|d| d.customer_facing) {
        let theirs: Vec<&str> = org
            .touchpoints()
            .filter(|(_, t)| t.owners.contains(&d.key) || t.contributors.contains(&d.key))
            .map(|(_, t)| t.key.as_str())
            .collect();
        if theirs.iter().any(|t| heard.contains(t)) {
            continue;
        }
        let (message, fix) = if theirs.is_empty() {
            (
                format!(
                    "{} is customer-facing but takes part in no touchpoint, so no feedback \
                     reaches it",
                    d.name
                ),
                format!(
                    "Add department \"{}\" as owner or contributor of the touchpoints it works \
                     on, or set customer_facing = false",
                    d.key
                ),
            )
        } else {
            (
                format!(
                    "{} received no feedback in the period on any of its {} touchpoints",
                    d.name,
                    theirs.len()
                ),
                "Check that the feedback of its touchpoints is imported and placed on their \
                 stage"
                    .to_owned(),
            )
        };
        let mut gap = Gap::new(
            GapKind::DepartmentWithoutFeedback,
            Severity::Low,
            message,
            fix,
        );
        gap.departments = vec![d.key.to_string()];
        gap.records = Some(0);
        out.push(gap);
    }
}
