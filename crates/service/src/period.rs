//! The period a page shows and the one it is compared with: presets (the last 30 or 90 days,
//! this quarter or this year so far) or days of the user's choosing, each beside the period
//! before it — the same number of days just before, or for a quarter or a year as many days
//! from the start of the quarter or year before. What the records of a period add up to (their scores with
//! intervals, the records of each theme) is counted by the store; the period's own Top Ten is
//! measured on its scored records and their themes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use throughline_analytics::Estimate;
use throughline_analytics::impact::{self, MIN_SUPPORT, Metric, Observation};
use throughline_analytics::scores;
use throughline_domain::action::Date;
use throughline_domain::feedback::{Ces, Csat, Nps, Rating};
use throughline_store::{ScoreAnswers, ScoreColumn, Store, StoredTheme, ThemeStatus};

use crate::themes::{self, Interval, TopTen, TopTenEntry};

use crate::{Result, ServiceError};

/// The longest period that can be asked for, in days (a century of feedback).
const MAX_DAYS: i64 = 36_600;

/// The period as a query string gives it: `period` is `30d`, `90d`, `quarter`, `year` or
/// `custom` (with `from` and `to`, `YYYY-MM-DD`, both included); nothing (or `all`) means all
/// the data.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PeriodQuery {
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Days `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Days {
    pub from: Date,
    /// The first day after the period.
    pub to: Date,
}

impl Days {
    /// The number of days.
    pub fn len(&self) -> i64 {
        self.to.day_number() - self.from.day_number()
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 0
    }

    /// As many days just before these.
    pub fn before(&self) -> Days {
        Days {
            from: self.from.plus_days(-self.len()),
            to: self.from.clone(),
        }
    }

    /// The last day of the period.
    pub fn last(&self) -> Date {
        self.to.plus_days(-1)
    }

    /// "2026-11-07 to 2026-12-06 (30 days)".
    pub fn describe(&self) -> String {
        let days = self.len();
        format!(
            "{} to {} ({days} day{})",
            self.from.as_str(),
            self.last().as_str(),
            if days == 1 { "" } else { "s" }
        )
    }
}

/// A period chosen and the one it is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The preset's key (`30d`, `90d`, `quarter`, `year`) or `custom`.
    pub preset: String,
    pub current: Days,
    pub previous: Days,
}

fn day(field: &str, value: &str) -> Result<Date> {
    Date::parse(value).map_err(|e| ServiceError::Invalid(format!("{field}: {e}")))
}

/// The first day of the quarter (`months` 3) or the year (`months` 12) `day` is in.
fn start_of(day: &Date, months: u32) -> Date {
    let month: u32 = day.as_str()[5..7].parse().expect("a valid date");
    let first = (month - 1) / months * months + 1;
    Date::parse(&format!("{}-{first:02}-01", &day.as_str()[..4])).expect("a valid date")
}

impl PeriodQuery {
    /// The period asked for, from `today`; `None` for all the data. A wrong value says which
    /// field and why.
    pub fn span(&self, today: &Date) -> Result<Option<Span>> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let preset = given(&self.period);
        let (from, to) = (given(&self.from), given(&self.to));
        let preset = match preset.as_deref() {
            None if from.is_none() && to.is_none() => return Ok(None),
            None => "custom".to_owned(),
            Some("all") => return Ok(None),
            Some(p) => p.to_owned(),
        };
        let tomorrow = today.plus_days(1);
        let rolling = |days: i64| {
            let current = Days {
                from: tomorrow.plus_days(-days),
                to: tomorrow.clone(),
            };
            let previous = current.before();
            (current, previous)
        };
        // This quarter or year so far, beside as many days from the start of the one before.
        let so_far = |start: Date, months: u32| {
            let length = tomorrow.day_number() - start.day_number();
            let before = Date::from_day_number(start.day_number() - 1);
            let previous_start = start_of(&before, months);
            (
                Days {
                    from: start,
                    to: tomorrow.clone(),
                },
                Days {
                    to: previous_start.plus_days(length),
                    from: previous_start,
                },
            )
        };
        let (current, previous) = match preset.as_str() {
            "30d" => rolling(30),
            "90d" => rolling(90),
            "quarter" => so_far(start_of(today, 3), 3),
            "year" => so_far(start_of(today, 12), 12),
            "custom" => {
                let from = from
                    .as_deref()
                    .map(|v| day("from", v))
                    .transpose()?
                    .ok_or_else(|| {
                        ServiceError::Invalid("a custom period needs its first day (from)".into())
                    })?;
                let last = to
                    .as_deref()
                    .map(|v| day("to", v))
                    .transpose()?
                    .unwrap_or_else(|| today.clone());
                if last < from {
                    return Err(ServiceError::Invalid(format!(
                        "the period starts ({}) after it ends ({})",
                        from.as_str(),
                        last.as_str()
                    )));
                }
                let current = Days {
                    from,
                    to: last.plus_days(1),
                };
                if current.len() > MAX_DAYS {
                    return Err(ServiceError::Invalid(format!(
                        "a period can be at most {MAX_DAYS} days long, not {}",
                        current.len()
                    )));
                }
                let previous = current.before();
                (current, previous)
            }
            other => {
                return Err(ServiceError::Invalid(format!(
                    "period {other:?}: choose 30d, 90d, quarter, year, custom or all"
                )));
            }
        };
        Ok(Some(Span {
            preset,
            current,
            previous,
        }))
    }
}

/// The scores of the records of some days, with their intervals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scores {
    /// Records received in the period.
    pub records: u64,
    pub nps: Option<Estimate>,
    pub csat: Option<Estimate>,
    pub ces: Option<Estimate>,
    pub rating: Option<Estimate>,
}

fn repeated<T: Clone>(answers: &[(T, u64)]) -> impl Iterator<Item = T> + '_ {
    answers
        .iter()
        .flat_map(|(answer, n)| std::iter::repeat_n(answer.clone(), *n as usize))
}

fn estimates(answers: &ScoreAnswers) -> Scores {
    let small = |v: i64| u8::try_from(v).ok();
    Scores {
        records: answers.records,
        nps: scores::nps(repeated(&answers.nps).filter_map(|v| Nps::new(small(v)?).ok())),
        csat: scores::csat(repeated(&answers.csat).filter_map(|v| Csat::new(small(v)?).ok())),
        ces: scores::ces(repeated(&answers.ces).filter_map(|v| Ces::new(small(v)?).ok())),
        rating: scores::mean_rating(repeated(&answers.rating).filter_map(|v| Rating::new(v).ok())),
    }
}

/// What one period's records add up to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub scores: Scores,
    /// Theme id → records of the period that carry it.
    pub theme_records: HashMap<i64, u64>,
}

/// A period and the one before it, added up.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub span: Span,
    pub current: Totals,
    pub previous: Totals,
}

/// What the records received in `days` add up to.
pub async fn totals(store: &Store, days: &Days) -> Result<Totals> {
    let (from, to) = (days.from.start(), days.to.start());
    let answers = store.score_answers_between(from, to).await?;
    Ok(Totals {
        scores: estimates(&answers),
        theme_records: store.theme_records_between(from, to).await?,
    })
}

/// The period and the one before it, added up.
pub async fn compare(store: &Store, span: Span) -> Result<Comparison> {
    Ok(Comparison {
        current: totals(store, &span.current).await?,
        previous: totals(store, &span.previous).await?,
        span,
    })
}

/// The seed of a period's bootstrap intervals: the same period gives the same Top Ten.
const PERIOD_SEED: u64 = 42;

/// The score a period's themes are ranked on, chosen as the analysis chooses it for all the
/// data: NPS when at least [`MIN_SUPPORT`] records of the period carry it, else the rating,
/// else CSAT.
fn ranking_score(scores: &Scores) -> Option<(ScoreColumn, Metric)> {
    let given = |e: &Option<Estimate>| e.as_ref().is_some_and(|e| e.n >= MIN_SUPPORT);
    if given(&scores.nps) {
        Some((ScoreColumn::Nps, Metric::Nps))
    } else if given(&scores.rating) {
        Some((ScoreColumn::Rating, Metric::Mean))
    } else if given(&scores.csat) {
        Some((ScoreColumn::Csat, Metric::Mean))
    } else {
        None
    }
}

/// The Top Ten of a period: the active themes ranked on the period's own analysed records by
/// the Top Ten rule (at least [`MIN_SUPPORT`] scored records of the period carry the theme and
/// its effect's 95% interval lies below zero), most costly first, each with what it cost in
/// the period and its owner routed over the organisation with `threshold`. A theme that cost
/// the most over the year may be quiet this quarter, and one that came up this month is ranked
/// on its own weeks.
pub async fn top_ten(store: &Store, days: &Days, threshold: f64) -> Result<TopTen> {
    let totals = totals(store, days).await?;
    top_ten_of(store, days, &totals, threshold).await
}

/// [`top_ten`] with what the period's records add up to already counted (a page that shows
/// the period's scores beside its Top Ten counts them once).
pub async fn top_ten_of(
    store: &Store,
    days: &Days,
    totals: &Totals,
    threshold: f64,
) -> Result<TopTen> {
    themes::check_share(threshold)?;
    if crate::analysis::latest_run(store).await?.is_none() {
        return Err(crate::analysis::not_analysed());
    }
    let (from, to) = (days.from.start(), days.to.start());
    let mut top = TopTen {
        metric: None,
        records: totals.scores.records,
        threshold,
        period: Some(days.clone()),
        entries: Vec::new(),
    };
    let Some((column, metric)) = ranking_score(&totals.scores) else {
        return Ok(top);
    };
    top.metric = Some(metric.as_str().to_owned());
    let active: Vec<StoredTheme> = store
        .themes()
        .await?
        .into_iter()
        .filter(|t| t.status == ThemeStatus::Active)
        .collect();
    let scored = store.scored_themes_between(from, to, column).await?;
    let index: HashMap<i64, usize> = active.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let count = active.len();
    let issues = impact::Issues::new(
        active
            .iter()
            .map(|t| t.parent.and_then(|p| index.get(&p).copied()))
            .collect(),
    );
    // The bootstrap reads every scored record of the period: off the async runtime.
    let ranked = crate::blocking(move || {
        let lists: Vec<Vec<usize>> = scored
            .iter()
            .map(|r| {
                let mut list: Vec<usize> = r
                    .themes
                    .iter()
                    .filter_map(|t| index.get(t).copied())
                    .collect();
                list.sort_unstable();
                list.dedup();
                issues.widen(&list)
            })
            .collect();
        let observations: Vec<Observation> = scored
            .iter()
            .zip(&lists)
            .map(|(r, themes)| Observation {
                score: r.score,
                themes,
            })
            .collect();
        issues.top_ten(&impact::theme_impacts(
            &observations,
            count,
            metric,
            PERIOD_SEED,
        ))
    })
    .await;
    let chosen: Vec<&StoredTheme> = ranked.iter().map(|i| &active[i.theme]).collect();
    let mut owners = match store.load_organisation().await? {
        Some(org) => themes::ownership(store, &org, &active, &chosen, threshold).await?,
        None => HashMap::new(),
    };
    let interval = |i: &impact::Interval| Interval {
        value: i.value,
        low: i.low,
        high: i.high,
    };
    top.entries = ranked
        .iter()
        .zip(chosen)
        .zip(1u32..)
        .map(|((i, theme), rank)| TopTenEntry {
            rank,
            theme: theme.id,
            label: theme.label.clone(),
            records: totals.theme_records.get(&theme.id).copied().unwrap_or(0),
            support: i.support,
            share: i.share,
            mean_sentiment: None,
            stage: theme.aggregates.stage.clone(),
            cost: interval(&i.cost),
            effect: interval(&i.effect),
            ownership: owners.remove(&theme.id),
        })
        .collect();
    Ok(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(period: &str, from: &str, to: &str) -> PeriodQuery {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        PeriodQuery {
            period: some(period),
            from: some(from),
            to: some(to),
        }
    }

    fn days(from: &str, last: &str) -> Days {
        Days {
            from: Date::parse(from).unwrap(),
            to: Date::parse(last).unwrap().plus_days(1),
        }
    }

    #[test]
    fn presets_and_custom_days_come_with_the_period_before() {
        let today = Date::parse("2026-12-06").unwrap();
        let span = |p, f, t| query(p, f, t).span(&today).unwrap().unwrap();
        let last30 = span("30d", "", "");
        assert_eq!(last30.current, days("2026-11-07", "2026-12-06"));
        assert_eq!(last30.previous, days("2026-10-08", "2026-11-06"));
        assert_eq!(
            last30.current.describe(),
            "2026-11-07 to 2026-12-06 (30 days)"
        );
        let quarter = span("quarter", "", "");
        assert_eq!(quarter.current, days("2026-10-01", "2026-12-06"));
        assert_eq!(quarter.previous, days("2026-07-01", "2026-09-05"));
        let year = span("year", "", "");
        assert_eq!(year.current, days("2026-01-01", "2026-12-06"));
        assert_eq!(year.previous, days("2025-01-01", "2025-12-06"));
        let custom = span("", "2026-09-01", "2026-09-30");
        assert_eq!(custom.preset, "custom");
        assert_eq!(custom.previous, days("2026-08-02", "2026-08-31"));
        assert!(query("", "", "").span(&today).unwrap().is_none());
        assert!(
            query("all", "2026-01-01", "")
                .span(&today)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_wrong_period_says_what_is_wrong() {
        let today = Date::parse("2026-12-06").unwrap();
        let error = |p, f, t| query(p, f, t).span(&today).unwrap_err().to_string();
        assert!(
            error("week", "", "").contains("choose 30d, 90d"),
            "{}",
            error("week", "", "")
        );
        assert!(error("custom", "", "").contains("needs its first day"));
        assert!(
            error("custom", "2026-13-01", "").starts_with("from:"),
            "{}",
            error("custom", "2026-13-01", "")
        );
        assert!(
            error("custom", "2026-09-30", "2026-09-01")
                .contains("starts (2026-09-30) after it ends")
        );
    }
}
