//! What each department hears from customers each period: the themes on the stages it takes
//! part in, with volume, sentiment and change since the period before; a few typical customer
//! comments (the records most typical of their theme, not the angriest); its open and overdue
//! actions; the stage scores it shares; and the cross-department themes it is part of.
//! Departments that never face customers get theirs too.

use std::collections::BTreeMap;

use serde::Serialize;
use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_analytics::scorecard::Weights;
use throughline_analytics::trends::Period as Bucket;
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_domain::date::DAY_MS;
use throughline_store::{Delivery, Store, Subscription};

use crate::{Result, ServiceError};

/// How many customer comments a digest quotes, at most and at least (when there are enough).
const MAX_VERBATIMS: usize = 5;

/// A digest's period: `[from, to)` in whole UTC days, and its key in the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-W47`, `2026-11` or `2026-11-24`.
    pub key: String,
    pub from: Date,
    /// The first day after the period.
    pub to: Date,
}

fn day_number(date: &Date) -> i64 {
    date.day_number()
}

fn date_of(day: i64) -> Date {
    Date::from_day_number(day)
}

fn week_of(day: i64) -> Period {
    // 1970-01-01 was a Thursday: Monday is day 4 of the epoch's week.
    let monday = day - (day + 3).rem_euclid(7);
    Period {
        key: Bucket::Week.key(monday * DAY_MS),
        from: date_of(monday),
        to: date_of(monday + 7),
    }
}

fn month_of(year: i32, month: u32) -> Period {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    Period {
        key: format!("{year:04}-{month:02}"),
        from: Date::parse(&format!("{year:04}-{month:02}-01")).expect("a valid date"),
        to: Date::parse(&format!("{next_year:04}-{next_month:02}-01")).expect("a valid date"),
    }
}

impl Period {
    /// `last-week` (the default), `this-week`, `2026-W47`, `yesterday`, `today`, `2026-11-24`,
    /// `last-month`, `this-month`, `2026-10`; relative ones from `today`.
    pub fn parse(spec: &str, today: &Date) -> Result<Self> {
        let spec = spec.trim();
        let day = day_number(today);
        let bad = || {
            ServiceError::Invalid(format!(
                "period {spec:?}: write last-week, this-week, YYYY-Www, yesterday, today, \
                 YYYY-MM-DD, last-month, this-month or YYYY-MM"
            ))
        };
        let one_day = |d: i64| Period {
            key: date_of(d).to_string(),
            from: date_of(d),
            to: date_of(d + 1),
        };
        let (year, month) = {
            let t = today.as_str();
            (
                t[0..4].parse::<i32>().expect("a valid date"),
                t[5..7].parse::<u32>().expect("a valid date"),
            )
        };
        // Beyond 9998 a period's end has no four-digit year (and no date of ours before 1900
        // holds feedback): refused rather than computed.
        let in_calendar = |year: i32| (1900..=9998).contains(&year);
        let out_of_range = || {
            ServiceError::Invalid(format!(
                "period {spec:?}: only periods from 1900 to 9998 can be shown"
            ))
        };
        Ok(match spec {
            "last-week" | "" => week_of(day - 7),
            "this-week" => week_of(day),
            "yesterday" => one_day(day - 1),
            "today" => one_day(day),
            "this-month" => month_of(year, month),
            "last-month" if month == 1 => month_of(year - 1, 12),
            "last-month" => month_of(year, month - 1),
            _ if spec.len() == 8 && spec.as_bytes()[4] == b'-' && spec.as_bytes()[5] == b'W' => {
                let y: i32 = spec[0..4].parse().map_err(|_| bad())?;
                let w: i64 = spec[6..8].parse().map_err(|_| bad())?;
                if !in_calendar(y) {
                    return Err(out_of_range());
                }
                // ISO week 1 holds 4 January.
                let jan4 = day_number(&Date::parse(&format!("{y:04}-01-04")).map_err(|_| bad())?);
                let period = week_of(jan4 + (w - 1) * 7);
                if !(1..=53).contains(&w) || !period.key.starts_with(&format!("{y:04}-W")) {
                    return Err(bad());
                }
                period
            }
            _ if spec.len() == 7 => {
                let y: i32 = spec[0..4].parse().map_err(|_| bad())?;
                let m: u32 = spec[5..7].parse().map_err(|_| bad())?;
                if !(1..=12).contains(&m) || spec.as_bytes()[4] != b'-' {
                    return Err(bad());
                }
                if !in_calendar(y) {
                    return Err(out_of_range());
                }
                month_of(y, m)
            }
            _ => {
                let date = Date::parse(spec).map_err(|_| bad())?;
                if !date.as_str()[0..4].parse().is_ok_and(in_calendar) {
                    return Err(out_of_range());
                }
                one_day(day_number(&date))
            }
        })
    }

    /// The period of the same length just before.
    pub fn previous(&self) -> Self {
        let (from, to) = (day_number(&self.from), day_number(&self.to));
        let length = to - from;
        if length == 7 {
            week_of(from - 7)
        } else if length == 1 {
            Period {
                key: date_of(from - 1).to_string(),
                from: date_of(from - 1),
                to: self.from.clone(),
            }
        } else {
            let before = date_of(from - 1);
            let t = before.as_str();
            month_of(
                t[0..4].parse().expect("a valid date"),
                t[5..7].parse().expect("a valid date"),
            )
        }
    }

    fn bounds(&self) -> (Timestamp, Timestamp) {
        (self.from.start(), self.to.start())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestTheme {
    pub id: i64,
    pub label: String,
    pub records: u64,
    pub previous: u64,
    /// `new`, `up`, `down` or `steady` against the period before.
    pub change: &'static str,
    pub sentiment: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestVerbatim {
    pub theme: String,
    pub text: String,
    pub received: String,
    pub nps: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestAction {
    pub title: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    /// `task` of an initiative, or `council action`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestStage {
    pub name: String,
    pub records: u64,
    pub nps: Option<f64>,
    pub shared_with: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub department: String,
    pub name: String,
    pub customer_facing: bool,
    pub period: Period,
    /// Records on its stages in the period, and in the period before.
    pub records: u64,
    pub previous_records: u64,
    pub themes: Vec<DigestTheme>,
    pub verbatims: Vec<DigestVerbatim>,
    pub actions: Vec<DigestAction>,
    pub stages: Vec<DigestStage>,
    /// One line on the cross-department themes it is part of.
    pub cross_department: String,
    /// The prevention its people took part in, one line each (see [`crate::recognition`]).
    pub recognition: Vec<String>,
    /// Its open follow-up cases (customers to get back to), most urgent first, at most ten.
    pub follow_up: Vec<DigestCase>,
    /// How many open follow-up cases it has in all, and how many are overdue.
    pub open_cases: u64,
    pub overdue_cases: u64,
}

/// A customer to get back to, as the digest lists them.
#[derive(Debug, Clone, Serialize)]
pub struct DigestCase {
    pub id: i64,
    pub customer: String,
    pub reason: String,
    pub due: String,
    pub overdue: bool,
}

/// Who receives which department's digest.
pub async fn subscriptions(store: &Store) -> Result<Vec<Subscription>> {
    Ok(store.subscriptions().await?)
}

/// The latest `limit` deliveries of digests, newest first, with how each went.
pub async fn deliveries(store: &Store, limit: u32) -> Result<Vec<Delivery>> {
    Ok(store.deliveries(limit).await?)
}

/// The departments' digests sent by e-mail to `address` (without regard to case), by
/// department: the ones a person receives, as their account page lists them.
pub async fn sent_to(store: &Store, address: &str) -> Result<Vec<throughline_store::Subscription>> {
    let address = address.trim();
    Ok(store
        .subscriptions()
        .await?
        .into_iter()
        .filter(|s| s.channel == "email" && s.target.eq_ignore_ascii_case(address))
        .collect())
}

/// Whether a person has stopped receiving digests by e-mail.
pub async fn opted_out(store: &Store, email: &str) -> Result<bool> {
    Ok(store.opted_out(email).await?)
}

/// A person stops (`out`) or resumes receiving digests by e-mail.
pub async fn set_opt_out(store: &Store, email: &str, out: bool) -> Result<()> {
    Ok(store.set_opt_out(email, out).await?)
}

/// The digest of `department` for `period`.
pub async fn digest(store: &Store, department: &str, period: &Period) -> Result<Digest> {
    let all = digests_for(store, Some(department), period).await?;
    all.into_iter()
        .next()
        .ok_or_else(|| ServiceError::NotFound(format!("there is no department {department:?}")))
}

/// Every department's digest for `period`.
pub async fn digests(store: &Store, period: &Period) -> Result<Vec<Digest>> {
    digests_for(store, None, period).await
}

async fn digests_for(store: &Store, only: Option<&str>, period: &Period) -> Result<Vec<Digest>> {
    let org = store.load_organisation().await?.ok_or_else(|| {
        ServiceError::Invalid(
            "no organisation has been applied: run `throughline apply` first".into(),
        )
    })?;
    if let Some(key) = only
        && !org.departments.iter().any(|d| d.key.as_str() == key)
    {
        let known: Vec<&str> = org.departments.iter().map(|d| d.key.as_str()).collect();
        return Err(ServiceError::NotFound(format!(
            "there is no department {key:?}; the departments are {}",
            known.join(", ")
        )));
    }
    let themes: BTreeMap<i64, String> = store
        .themes()
        .await?
        .into_iter()
        .map(|t| (t.id, t.label))
        .collect();
    let top = crate::themes::top_ten(store, SINGLE_DEPARTMENT_SHARE).await?;
    // Every record is read once, for the scorecards and the recognition both.
    let inputs = std::sync::Arc::new(crate::weekly::Inputs::load(store).await?);
    // One department's scorecard when one digest is asked for, not every department's.
    let cards = match only {
        Some(key) => vec![
            crate::scorecards::department_with(
                store,
                &inputs,
                key,
                Weights::default(),
                SINGLE_DEPARTMENT_SHARE,
            )
            .await?,
        ],
        None => {
            crate::scorecards::departments_with(
                store,
                &inputs,
                Weights::default(),
                SINGLE_DEPARTMENT_SHARE,
            )
            .await?
        }
    };
    let work = crate::work::all(store).await?;
    let recognised = crate::recognition::recognise_with(store, inputs.clone()).await?;
    let today = Date::today();
    let (from, to) = period.bounds();
    let (prev_from, prev_to) = period.previous().bounds();
    let mut out = Vec::new();
    for department in org
        .departments
        .iter()
        .filter(|d| only.is_none_or(|k| d.key.as_str() == k))
    {
        let key = department.key.as_str();
        let stages: Vec<String> = org
            .stages_of_department(key)
            .iter()
            .map(|s| s.key.as_str().to_owned())
            .collect();
        let now = store.themed_records_between(&stages, from, to).await?;
        let before = store
            .themed_records_between(&stages, prev_from, prev_to)
            .await?;
        let distinct = |records: &[throughline_store::ThemedRecord]| {
            let mut ids: Vec<i64> = records.iter().map(|r| r.feedback).collect();
            ids.dedup();
            ids.len() as u64
        };
        let mut by_theme: BTreeMap<i64, Vec<&throughline_store::ThemedRecord>> = BTreeMap::new();
        for r in &now {
            by_theme.entry(r.theme).or_default().push(r);
        }
        let mut digest_themes: Vec<DigestTheme> = by_theme
            .iter()
            .map(|(theme, records)| {
                let previous = before.iter().filter(|r| r.theme == *theme).count() as u64;
                let count = records.len() as u64;
                DigestTheme {
                    id: *theme,
                    label: themes.get(theme).cloned().unwrap_or_default(),
                    records: count,
                    previous,
                    change: match (previous, count) {
                        (0, _) => "new",
                        (p, c) if c > p => "up",
                        (p, c) if c < p => "down",
                        _ => "steady",
                    },
                    sentiment: records.iter().map(|r| r.sentiment).sum::<f64>() / count as f64,
                }
            })
            .collect();
        digest_themes.sort_by(|a, b| b.records.cmp(&a.records).then(a.id.cmp(&b.id)));
        digest_themes.truncate(10);
        // The most typical record of each of the largest themes, one per record.
        let mut chosen: Vec<(i64, String)> = Vec::new();
        for round in 0..2 {
            for theme in &digest_themes {
                if chosen.len() >= MAX_VERBATIMS {
                    break;
                }
                let mut candidates: Vec<&&throughline_store::ThemedRecord> = by_theme[&theme.id]
                    .iter()
                    .filter(|r| !chosen.iter().any(|(id, _)| *id == r.feedback))
                    .collect();
                candidates.sort_by(|a, b| {
                    b.confidence
                        .total_cmp(&a.confidence)
                        .then(a.feedback.cmp(&b.feedback))
                });
                if let Some(best) = candidates.first()
                    && (round == 0 || chosen.len() < 3)
                {
                    chosen.push((best.feedback, theme.label.clone()));
                }
            }
        }
        let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
        let listed = store.feedback_by_ids(&ids).await?;
        let verbatims = chosen
            .iter()
            .filter_map(|(id, theme)| {
                let r = listed.iter().find(|l| l.id == *id)?;
                let text = r.text(" / ");
                (!text.is_empty()).then(|| DigestVerbatim {
                    theme: theme.clone(),
                    text,
                    received: Date::of(r.received_at).to_string(),
                    nps: r.nps,
                })
            })
            .collect();
        let actions: Vec<DigestAction> = crate::work::open_of(&work, key, &today)
            .into_iter()
            .map(|w| DigestAction {
                title: w.title.clone(),
                owner: w.owner.clone(),
                due: w.due.to_string(),
                overdue: w.is_overdue(&today),
                kind: w.kind.label(),
            })
            .collect();
        let card = cards.iter().find(|c| c.department == key);
        let stages_shared = card
            .map(|c| {
                c.shared_measures
                    .iter()
                    .map(|m| DigestStage {
                        name: m.name.clone(),
                        records: m.records,
                        nps: m.nps.map(|e| e.value),
                        shared_with: m
                            .departments
                            .iter()
                            .filter(|(d, _)| d != key)
                            .map(|(d, _)| d.clone())
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cross: Vec<String> = top
            .entries
            .iter()
            .filter_map(|e| {
                let o = e.ownership.as_ref()?;
                if o.scope != Scope::CrossDepartment {
                    return None;
                }
                let share = o.evidence.iter().find(|s| s.department == key)?.share;
                (share >= 0.1)
                    .then(|| format!("“{}” ({:.0}% lands on you)", e.label, share * 100.0))
            })
            .collect();
        let cases = store.follow_up_cases(Some(key), true, 1_000).await?;
        let at = throughline_domain::Timestamp::now();
        let open_cases = cases.len() as u64;
        let overdue_cases = cases.iter().filter(|c| c.is_overdue(at)).count() as u64;
        let follow_up = cases
            .iter()
            .take(10)
            .map(|c| DigestCase {
                id: c.id,
                customer: c.customer.clone(),
                reason: format!("{}: {}", c.rule_name, c.reason),
                due: Date::of(c.due_at).to_string(),
                overdue: c.is_overdue(at),
            })
            .collect();
        out.push(Digest {
            follow_up,
            open_cases,
            overdue_cases,
            department: key.to_owned(),
            name: department.name.as_str().to_owned(),
            customer_facing: department.customer_facing,
            period: period.clone(),
            records: distinct(&now),
            previous_records: distinct(&before),
            themes: digest_themes,
            verbatims,
            actions,
            stages: stages_shared,
            recognition: recognised
                .prevented()
                .filter(|r| r.team.iter().any(|t| t == department.name.as_str()))
                .map(|r| {
                    format!(
                        "Recognised for prevention, with {}: {} — {}",
                        r.credited(),
                        r.title,
                        r.evidence
                    )
                })
                .collect(),
            cross_department: if cross.is_empty() {
                "You are not part of any cross-department Top Ten theme.".to_owned()
            } else {
                format!(
                    "You are part of {} cross-department Top Ten theme{} that the council runs: {}.",
                    cross.len(),
                    if cross.len() == 1 { "" } else { "s" },
                    cross.join(", ")
                )
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::parse("2026-11-25").unwrap() // a Wednesday
    }

    #[test]
    fn periods_are_weeks_days_and_months() {
        let last = Period::parse("last-week", &today()).unwrap();
        assert_eq!(
            (last.key.as_str(), last.from.as_str(), last.to.as_str()),
            ("2026-W47", "2026-11-16", "2026-11-23")
        );
        let this = Period::parse("this-week", &today()).unwrap();
        assert_eq!(this.from.as_str(), "2026-11-23");
        assert_eq!(Period::parse("2026-W47", &today()).unwrap(), last);
        assert_eq!(
            Period::parse("2026-W01", &today()).unwrap().from.as_str(),
            "2025-12-29"
        );
        let month = Period::parse("last-month", &today()).unwrap();
        assert_eq!(
            (month.key.as_str(), month.to.as_str()),
            ("2026-10", "2026-11-01")
        );
        assert_eq!(
            Period::parse("2026-12", &today()).unwrap().to.as_str(),
            "2027-01-01"
        );
        assert_eq!(
            Period::parse("yesterday", &today()).unwrap().key,
            "2026-11-24"
        );
        assert_eq!(last.previous().key, "2026-W46");
        assert_eq!(month.previous().key, "2026-09");
        for bad in ["fortnight", "2026-W60", "2026-13", "2026-11-31"] {
            assert!(Period::parse(bad, &today()).is_err(), "{bad}");
        }
        // The last days of the calendar are refused, not a panic (issue 28, 8).
        for far in ["9999-12-31", "9999-12", "9999-W52", "1899-12"] {
            let refused = Period::parse(far, &today()).unwrap_err().to_string();
            assert!(refused.contains("from 1900 to 9998"), "{far}: {refused}");
        }
    }
}
