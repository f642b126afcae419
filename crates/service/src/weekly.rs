//! The workspace's data as weekly series on one calendar (Monday-based weeks, UTC): each
//! department KPI's mean, each theme's share of the week's records and its records' mean
//! sentiment, each stage's NPS and the NPS of everything. Cross-silo chains and initiatives'
//! measured effects are both read from these, so that the two speak of the same weeks.

use std::collections::{BTreeMap, HashMap};

use throughline_analytics::chains::Series;
use throughline_analytics::effects::Point;
use throughline_domain::action::Date;
use throughline_domain::date::DAY_MS;
use throughline_domain::feedback::Nps;
use throughline_domain::org::Organisation;
use throughline_store::{
    KpiValue, NpsDay, RecordAnalysisRow, Store, StoredFeedback, StoredTheme, ThemeDay,
};

use crate::{Result, all_feedback};

/// A week's theme share, theme sentiment or NPS needs this many records to be a point.
pub const MIN_RECORDS_PER_WEEK: usize = 5;

/// Monday-based week number of a moment (day 0, 1970-01-01, was a Thursday).
pub fn week_of(millis: i64) -> i64 {
    (millis.div_euclid(DAY_MS) + 3).div_euclid(7)
}

/// The millisecond a day (`YYYY-MM-DD`) starts, UTC.
pub fn day_millis(day: &Date) -> i64 {
    day.start().as_millis()
}

/// What the weekly series are made from: the organisation, every metric's KPI values (in the
/// organisation's order), every record with its analysis, and the themes.
#[derive(Debug)]
pub struct Inputs {
    pub org: Organisation,
    pub kpis: Vec<Vec<KpiValue>>,
    pub records: Vec<StoredFeedback>,
    pub analyses: HashMap<i64, RecordAnalysisRow>,
    pub themes: Vec<StoredTheme>,
}

/// The organisation and every metric's KPI values, in the organisation's order; an error when no
/// organisation has been applied.
pub(crate) async fn org_and_kpis(store: &Store) -> Result<(Organisation, Vec<Vec<KpiValue>>)> {
    let org = store
        .load_organisation()
        .await?
        .ok_or_else(crate::themes::no_organisation)?;
    let mut kpis = Vec::with_capacity(org.metrics.len());
    for metric in &org.metrics {
        kpis.push(store.kpi_values(metric.key.as_str()).await?);
    }
    Ok((org, kpis))
}

impl Inputs {
    /// Reads them from the store; an error when no organisation has been applied.
    pub async fn load(store: &Store) -> Result<Self> {
        let (org, kpis) = org_and_kpis(store).await?;
        Ok(Self {
            org,
            kpis,
            records: all_feedback(store).await?,
            analyses: store.record_analyses().await?,
            themes: store.themes().await?,
        })
    }

    /// The weekly calendar of these inputs; `None` when there is no record and no KPI value.
    pub fn weekly(&self) -> Option<Weekly> {
        Weekly::build(&self.org, &self.kpis, &self.records, &self.analyses)
    }
}

/// A sum and how many values went into it, per week.
type Sums = Vec<(f64, usize)>;

/// The weekly counts and sums every series is made from.
#[derive(Debug)]
pub struct Weekly {
    /// The week number of the calendar's first week.
    pub first: i64,
    /// Weeks in the calendar.
    pub span: usize,
    /// Records per week.
    pub records: Vec<usize>,
    /// Per theme id: its records per week and their sentiment.
    theme_records: HashMap<i64, Vec<usize>>,
    theme_sentiment: HashMap<i64, Sums>,
    /// Per stage key: NPS points of the records on it (+100 promoter, −100 detractor).
    stage_nps: BTreeMap<String, Sums>,
    /// NPS points of every record with an NPS answer.
    nps: Sums,
    /// Per metric of the organisation, in its order.
    kpis: Vec<Sums>,
}

/// A week's value with what is behind it, `None` where too little is.
pub type Points = Vec<Option<Point>>;

/// The values alone, for the chains.
pub fn values(points: &Points) -> Series {
    Series {
        values: points.iter().map(|p| p.map(|(v, _)| v)).collect(),
    }
}

fn mean_of(sums: &[(f64, usize)], min: usize) -> Points {
    sums.iter()
        .map(|&(s, n)| (n >= min.max(1)).then(|| (s / n as f64, n as f64)))
        .collect()
}

/// Records and their analyses counted by day (UTC, days since 1970-01-01) as the database
/// counts them ([`Store::nps_answers_by_day`], [`Store::theme_records_by_day`],
/// [`Store::stage_nps_by_day`]): each day's records by NPS answer, each day's records of each
/// theme with their sentiment's sum, and each day's records on each stage by NPS answer.
fn day_counts(
    records: &[StoredFeedback],
    analyses: &HashMap<i64, RecordAnalysisRow>,
) -> (Vec<NpsDay>, Vec<ThemeDay>, Vec<NpsDay>) {
    let mut answers: BTreeMap<(i64, Option<i64>), u64> = BTreeMap::new();
    let mut themes: BTreeMap<(i64, i64), (u64, f64)> = BTreeMap::new();
    let mut stages: BTreeMap<(i64, String, i64), u64> = BTreeMap::new();
    for r in records {
        let day = r.record.received_at.as_millis().div_euclid(DAY_MS);
        let nps = r.record.scores.nps.map(|n| i64::from(n.value()));
        *answers.entry((day, nps)).or_default() += 1;
        let Some(analysis) = analyses.get(&r.id) else {
            continue;
        };
        for (theme, _) in &analysis.themes {
            let counted = themes.entry((day, *theme)).or_default();
            counted.0 += 1;
            counted.1 += analysis.sentiment;
        }
        if let (Some(stage), Some(nps)) = (&analysis.stage, nps) {
            *stages.entry((day, stage.clone(), nps)).or_default() += 1;
        }
    }
    (
        answers
            .into_iter()
            .map(|((day, nps), records)| NpsDay {
                day,
                stage: None,
                nps,
                records,
            })
            .collect(),
        themes
            .into_iter()
            .map(|((day, theme), (records, sentiment_sum))| ThemeDay {
                day,
                theme,
                records,
                sentiment_sum,
            })
            .collect(),
        stages
            .into_iter()
            .map(|((day, stage, nps), records)| NpsDay {
                day,
                stage: Some(stage),
                nps: Some(nps),
                records,
            })
            .collect(),
    )
}

impl Weekly {
    /// The calendar from the first to the last week that has a record or a KPI value; `None`
    /// when there is neither. The records are first counted by day, as the database counts
    /// them for [`Self::counted`], so both read one path.
    pub fn build(
        org: &Organisation,
        kpis: &[Vec<KpiValue>],
        records: &[StoredFeedback],
        analyses: &HashMap<i64, RecordAnalysisRow>,
    ) -> Option<Self> {
        let (answers, themes, stages) = day_counts(records, analyses);
        Self::of_days(org, kpis, &answers, &themes, &stages)
    }

    /// The calendar from the database's counts of each day ([`Store::nps_answers_by_day`],
    /// [`Store::theme_records_by_day`], [`Store::stage_nps_by_day`]): the same series as
    /// [`Self::build`] over every record, without reading them.
    pub async fn counted(
        store: &Store,
        org: &Organisation,
        kpis: &[Vec<KpiValue>],
    ) -> Result<Option<Self>> {
        let answers = store.nps_answers_by_day().await?;
        let themes = store.theme_records_by_day().await?;
        let stages = store.stage_nps_by_day().await?;
        Ok(Self::of_days(org, kpis, &answers, &themes, &stages))
    }

    fn of_days(
        org: &Organisation,
        kpis: &[Vec<KpiValue>],
        answers: &[NpsDay],
        themes: &[ThemeDay],
        stages: &[NpsDay],
    ) -> Option<Self> {
        let week = |day: i64| week_of(day * DAY_MS);
        let mut weekly = Self::calendar(org, kpis, answers.iter().map(|a| week(a.day)))?;
        let first = weekly.first;
        let span = weekly.span;
        let index = |day: i64| (week(day) - first) as usize;
        let points = |nps: Option<i64>| {
            nps.and_then(|v| u8::try_from(v).ok())
                .and_then(|v| Nps::new(v).ok())
                .map(Nps::points)
        };
        for a in answers {
            let w = index(a.day);
            weekly.records[w] += a.records as usize;
            if let Some(p) = points(a.nps) {
                weekly.nps[w].0 += p * a.records as f64;
                weekly.nps[w].1 += a.records as usize;
            }
        }
        for t in themes {
            let w = index(t.day);
            weekly
                .theme_records
                .entry(t.theme)
                .or_insert_with(|| vec![0; span])[w] += t.records as usize;
            let slot = &mut weekly
                .theme_sentiment
                .entry(t.theme)
                .or_insert_with(|| vec![(0.0, 0); span])[w];
            slot.0 += t.sentiment_sum;
            slot.1 += t.records as usize;
        }
        for s in stages {
            let (Some(stage), Some(p)) = (&s.stage, points(s.nps)) else {
                continue;
            };
            let slot = &mut weekly
                .stage_nps
                .entry(stage.clone())
                .or_insert_with(|| vec![(0.0, 0); span])[index(s.day)];
            slot.0 += p * s.records as f64;
            slot.1 += s.records as usize;
        }
        Some(weekly)
    }

    /// An empty calendar over the KPI values' weeks and `weeks`, with the KPIs' weekly sums;
    /// `None` when there is no week at all.
    fn calendar(
        org: &Organisation,
        kpis: &[Vec<KpiValue>],
        weeks: impl Iterator<Item = i64>,
    ) -> Option<Self> {
        let weeks = kpis
            .iter()
            .flatten()
            .map(|k| week_of(day_millis(&k.on)))
            .chain(weeks);
        let (first, last) = weeks.fold(None, |range: Option<(i64, i64)>, w| {
            Some(range.map_or((w, w), |(a, b)| (a.min(w), b.max(w))))
        })?;
        let span = (last - first + 1) as usize;
        let index = |week: i64| (week - first) as usize;
        let mut weekly = Self {
            first,
            span,
            records: vec![0; span],
            theme_records: HashMap::new(),
            theme_sentiment: HashMap::new(),
            stage_nps: BTreeMap::new(),
            nps: vec![(0.0, 0); span],
            kpis: Vec::with_capacity(org.metrics.len()),
        };
        for values in kpis.iter().take(org.metrics.len()) {
            let mut sums = vec![(0.0, 0); span];
            for v in values {
                let slot = &mut sums[index(week_of(day_millis(&v.on)))];
                slot.0 += v.value;
                slot.1 += 1;
            }
            weekly.kpis.push(sums);
        }
        Some(weekly)
    }

    /// The calendar's index of the week of `millis`, if it is in the calendar.
    pub fn index_of(&self, millis: i64) -> Option<usize> {
        usize::try_from(week_of(millis) - self.first)
            .ok()
            .filter(|&i| i < self.span)
    }

    /// The Monday of the calendar's week `index`.
    pub fn monday(&self, index: usize) -> Date {
        let day = (self.first + index as i64) * 7 - 3;
        Date::from_day_number(day)
    }

    /// The weekly mean of the organisation's metric number `metric`.
    pub fn kpi(&self, metric: usize) -> Option<Points> {
        self.kpis.get(metric).map(|sums| mean_of(sums, 1))
    }

    /// The theme's share of each week's records (0–1), weeks with enough records.
    pub fn theme_share(&self, theme: i64) -> Option<Points> {
        let counts = self.theme_records.get(&theme)?;
        Some(
            counts
                .iter()
                .zip(&self.records)
                .map(|(&c, &n)| {
                    (n >= MIN_RECORDS_PER_WEEK).then(|| (c as f64 / n as f64, n as f64))
                })
                .collect(),
        )
    }

    /// The mean sentiment (−1 to 1) of the theme's records per week, every week with one, its
    /// weight the number of them.
    pub fn theme_sentiment(&self, theme: i64) -> Option<Points> {
        self.theme_sentiment
            .get(&theme)
            .map(|sums| mean_of(sums, 1))
    }

    /// The stages with NPS answers, in key order.
    pub fn stages(&self) -> impl Iterator<Item = &str> {
        self.stage_nps.keys().map(String::as_str)
    }

    /// The NPS of the records on the stages `inside` (or, with `inside` false, on every other
    /// stage and on none), weeks with enough answers.
    pub fn stages_nps(&self, stages: &[&str], inside: bool) -> Points {
        let mut sums = vec![(0.0, 0); self.span];
        let mut on_stages = vec![(0.0, 0); self.span];
        for (stage, weeks) in &self.stage_nps {
            if stages.contains(&stage.as_str()) {
                for (slot, (s, n)) in on_stages.iter_mut().zip(weeks) {
                    slot.0 += s;
                    slot.1 += n;
                }
            }
        }
        for (w, slot) in sums.iter_mut().enumerate() {
            *slot = if inside {
                on_stages[w]
            } else {
                (
                    self.nps[w].0 - on_stages[w].0,
                    self.nps[w].1 - on_stages[w].1,
                )
            };
        }
        mean_of(&sums, MIN_RECORDS_PER_WEEK)
    }

    /// Records in the weeks `range` of the calendar.
    pub fn records_in(&self, range: std::ops::Range<usize>) -> usize {
        self.records[range].iter().sum()
    }

    /// The theme's records in the weeks `range`.
    pub fn theme_records_in(&self, theme: i64, range: std::ops::Range<usize>) -> usize {
        self.theme_records
            .get(&theme)
            .map_or(0, |counts| counts[range].iter().sum())
    }

    /// The readings of metric number `metric` in the weeks `range`.
    pub fn kpi_readings_in(&self, metric: usize, range: std::ops::Range<usize>) -> usize {
        self.kpis
            .get(metric)
            .map_or(0, |sums| sums[range].iter().map(|s| s.1).sum())
    }

    /// NPS answers on the stages given (every answer when none is given) in the weeks `range`.
    pub fn nps_answers_in(&self, stages: &[&str], range: std::ops::Range<usize>) -> usize {
        if stages.is_empty() {
            return self.nps[range].iter().map(|s| s.1).sum();
        }
        self.stage_nps
            .iter()
            .filter(|(stage, _)| stages.contains(&stage.as_str()))
            .map(|(_, sums)| sums[range.clone()].iter().map(|s| s.1).sum::<usize>())
            .sum()
    }

    /// The NPS of every record with an answer, weeks with enough answers.
    pub fn nps(&self) -> Points {
        mean_of(&self.nps, MIN_RECORDS_PER_WEEK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let monday = day_millis(&Date::parse("2026-06-01").unwrap());
        let sunday = day_millis(&Date::parse("2026-06-07").unwrap());
        let next = day_millis(&Date::parse("2026-06-08").unwrap());
        assert_eq!(week_of(monday), week_of(sunday));
        assert_eq!(week_of(monday) + 1, week_of(next));
        let weekly = Weekly {
            first: week_of(monday),
            span: 3,
            records: vec![0; 3],
            theme_records: HashMap::new(),
            theme_sentiment: HashMap::new(),
            stage_nps: BTreeMap::new(),
            nps: vec![(0.0, 0); 3],
            kpis: Vec::new(),
        };
        assert_eq!(weekly.monday(1).as_str(), "2026-06-08");
        assert_eq!(weekly.index_of(next + 5 * DAY_MS), Some(1));
        assert_eq!(weekly.index_of(monday - DAY_MS), None);
    }
}
