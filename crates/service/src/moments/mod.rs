//! Moments of truth found in customers' histories: who lived each moment, when, and what it did
//! to their satisfaction — and the moments the data suggests that nobody has named yet.
//!
//! A customer's history is their events by kind: their feedback records are `contact` events
//! (with any imported `contact` events), other kinds come from `throughline events import`. For
//! a moment with a detection rule ([`DetectRule`]) the customers who reached it are compared
//! with comparable customers — those with events of the same kind who never reached it — on
//! their feedback at or after the moment, one value per customer (see
//! [`throughline_analytics::moments`]). Scores are on the NPS scale when records carry NPS
//! (a promoter +100, a detractor −100: the mean is the NPS), else CSAT, else the rating.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use throughline_analytics::moments::{Difference, Rule, effect, reached_at};
use throughline_domain::feedback::{Nps, Scores};
use throughline_domain::org::{DetectRule, MomentOfTruth, Organisation};
use throughline_store::{
    Contact, RecordAnalysisRow, ScoresPresent, Store, StoredEvent, StoredFeedback,
};

mod customers;
pub use customers::{COMMENT_CHARS, MomentCustomers, Reached, customers};

use crate::changes::{self, Actor};
use crate::weekly::Inputs;
use crate::{Result, ServiceError, blocking};

/// The kind of event every feedback record is.
pub use throughline_store::CONTACT;
/// The confidence of every interval shown.
pub const ALPHA: f64 = 0.05;
/// Contact rules tried as candidates: the n-th contact within so many days.
pub const CONTACT_COUNTS: [u32; 3] = [2, 3, 4];
pub const CONTACT_WINDOWS: [u32; 3] = [7, 30, 90];
/// Counts tried as candidates for other kinds of event ("the 10th order", ever).
pub const EVENT_COUNTS: [u32; 7] = [2, 3, 5, 10, 20, 50, 100];
/// A candidate needs at least this many customers who reached it, with feedback after.
pub const MIN_CANDIDATE_CUSTOMERS: usize = 10;

/// The score a moment's effect is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreScale {
    /// NPS points: each answer +100, 0 or −100.
    Nps,
    Csat,
    Rating,
}

impl ScoreScale {
    /// NPS where any record has one, else CSAT, else the rating.
    fn of(present: ScoresPresent) -> Option<Self> {
        if present.nps {
            Some(Self::Nps)
        } else if present.csat {
            Some(Self::Csat)
        } else if present.rating {
            Some(Self::Rating)
        } else {
            None
        }
    }

    fn score(self, scores: &Scores) -> Option<f64> {
        match self {
            Self::Nps => scores.nps.map(Nps::points),
            Self::Csat => scores.csat.map(|c| f64::from(c.value())),
            Self::Rating => scores.rating.map(|r| r.value()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Csat => "csat",
            Self::Rating => "rating",
        }
    }
}

/// What living a moment did to satisfaction.
#[derive(Debug, Clone, Serialize)]
pub struct MomentEffect {
    pub name: String,
    pub rank: u32,
    pub stage: String,
    /// "3rd contact within 30 days".
    pub rule: String,
    pub event: String,
    /// Customers who reached the moment.
    pub customers: u64,
    /// Of them, those with scored feedback at or after it: the sample.
    pub sample: u64,
    /// Their scored records at or after the moment.
    pub records: u64,
    /// Comparable customers (the same kind of event, never the moment) with scored feedback.
    pub others: u64,
    /// Mean score after the moment, of the others, and of the same customers before it.
    pub score_after: Option<f64>,
    pub score_others: Option<f64>,
    pub score_before: Option<f64>,
    /// `score_after − score_others`, with its 95% interval; `None` with too few customers.
    pub effect: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// A moment the data suggests: a threshold where satisfaction moves most.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// A name to adopt it under ("3rd contact within 30 days").
    pub name: String,
    pub event: String,
    pub count: u32,
    pub within_days: Option<u32>,
    /// The stage most of the customers' feedback after it sits on.
    pub stage: Option<String>,
    pub customers: u64,
    pub sample: u64,
    pub records: u64,
    pub score_after: f64,
    pub score_others: f64,
    pub effect: f64,
    /// The interval, widened for the number of rules tried (Bonferroni), so that a candidate
    /// is not a lucky draw among many.
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Moments {
    /// The scale of the scores; `None` when no record carries a score.
    pub scale: Option<ScoreScale>,
    /// Moments with a detection rule, the most harmful first.
    pub moments: Vec<MomentEffect>,
    /// Moments the data suggests, strongest first.
    pub candidates: Vec<Candidate>,
    /// How many candidate rules were tried.
    pub rules_tried: u64,
}

/// Customers' histories of one kind of event: customer → sorted times.
type Histories = HashMap<String, Vec<i64>>;

/// The scored feedback of one customer, by time, with the stage it was placed on.
type Scored = Vec<(i64, f64, Option<String>)>;

struct Data {
    scale: Option<ScoreScale>,
    scored: HashMap<String, Scored>,
    histories: BTreeMap<String, Histories>,
}

/// The records of inputs already loaded as contacts: those that name their customer, in their
/// order, each on the stage the analysis placed it (else its own) — what
/// [`Store::customer_contacts`] reads.
fn contacts_of(
    records: &[StoredFeedback],
    analyses: &HashMap<i64, RecordAnalysisRow>,
) -> Vec<Contact> {
    records
        .iter()
        .filter_map(|r| {
            let customer = r.record.customer.as_deref().filter(|c| !c.is_empty())?;
            Some(Contact {
                customer: customer.to_owned(),
                at: r.record.received_at.as_millis(),
                scores: r.record.scores,
                stage: analyses
                    .get(&r.id)
                    .and_then(|a| a.stage.clone())
                    .or_else(|| r.record.stage.as_ref().map(ToString::to_string)),
            })
        })
        .collect()
}

/// Which scores any of `records` carries.
fn scores_present(records: &[StoredFeedback]) -> ScoresPresent {
    let has = |f: fn(&Scores) -> bool| records.iter().any(|r| f(&r.record.scores));
    ScoresPresent {
        nps: has(|s| s.nps.is_some()),
        csat: has(|s| s.csat.is_some()),
        rating: has(|s| s.rating.is_some()),
    }
}

fn data(present: ScoresPresent, contacts: Vec<Contact>, events: Vec<StoredEvent>) -> Data {
    let scale = ScoreScale::of(present);
    let mut scored: HashMap<String, Scored> = HashMap::new();
    let mut histories: BTreeMap<String, Histories> = BTreeMap::new();
    for contact in contacts {
        histories
            .entry(CONTACT.to_owned())
            .or_default()
            .entry(contact.customer.clone())
            .or_default()
            .push(contact.at);
        if let Some(score) = scale.and_then(|s| s.score(&contact.scores)) {
            scored
                .entry(contact.customer)
                .or_default()
                .push((contact.at, score, contact.stage));
        }
    }
    for e in events {
        histories
            .entry(e.kind)
            .or_default()
            .entry(e.customer)
            .or_default()
            .push(e.occurred_at.as_millis());
    }
    for kind in histories.values_mut() {
        for times in kind.values_mut() {
            times.sort_unstable();
        }
    }
    for list in scored.values_mut() {
        list.sort_by_key(|(at, ..)| *at);
    }
    Data {
        scale,
        scored,
        histories,
    }
}

/// The comparison for one rule over one kind's histories.
struct Outcome {
    customers: u64,
    records: u64,
    after: Vec<f64>,
    before: Vec<f64>,
    others: Vec<f64>,
    /// Stages of the records after the moment, for a candidate's suggested stage.
    stages: BTreeMap<String, u64>,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// A customer's scores before the moment reached at `at`, and those at or after it with the
/// stage each record sits on.
fn around(scored: &Scored, at: i64) -> (Vec<f64>, Vec<(f64, Option<&String>)>) {
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (t, score, stage) in scored {
        if *t < at {
            before.push(*score);
        } else {
            after.push((*score, stage.as_ref()));
        }
    }
    (before, after)
}

fn evaluate(data: &Data, event: &str, rule: Rule) -> Outcome {
    let mut out = Outcome {
        customers: 0,
        records: 0,
        after: Vec::new(),
        before: Vec::new(),
        others: Vec::new(),
        stages: BTreeMap::new(),
    };
    let Some(histories) = data.histories.get(event) else {
        return out;
    };
    let empty = Vec::new();
    for (customer, times) in histories {
        let scored = data.scored.get(customer).unwrap_or(&empty);
        match reached_at(times, rule) {
            Some(at) => {
                out.customers += 1;
                let (before, after) = around(scored, at);
                out.records += after.len() as u64;
                for (_, stage) in &after {
                    if let Some(stage) = stage {
                        *out.stages.entry((*stage).clone()).or_default() += 1;
                    }
                }
                let after_scores: Vec<f64> = after.iter().map(|(s, _)| *s).collect();
                out.after.extend(mean(&after_scores));
                out.before.extend(mean(&before));
            }
            None => {
                let all: Vec<f64> = scored.iter().map(|(_, s, _)| *s).collect();
                out.others.extend(mean(&all));
            }
        }
    }
    out
}

fn rule_of(detect: &DetectRule) -> Rule {
    Rule {
        count: detect.count,
        within_days: detect.within_days,
    }
}

fn moment_effect(data: &Data, moment: &MomentOfTruth, detect: &DetectRule) -> MomentEffect {
    let outcome = evaluate(data, detect.event.as_str(), rule_of(detect));
    let difference = effect(&outcome.after, &outcome.others, ALPHA);
    MomentEffect {
        name: moment.name.to_string(),
        rank: moment.rank,
        stage: moment.stage.to_string(),
        rule: detect.describe(),
        event: detect.event.to_string(),
        customers: outcome.customers,
        sample: outcome.after.len() as u64,
        records: outcome.records,
        others: outcome.others.len() as u64,
        score_after: mean(&outcome.after),
        score_others: mean(&outcome.others),
        score_before: mean(&outcome.before),
        effect: difference.map(|d| d.effect),
        low: difference.map(|d| d.low),
        high: difference.map(|d| d.high),
    }
}

/// Every candidate rule: contacts within windows, and counts of every other kind.
fn candidate_rules(data: &Data) -> Vec<(String, Rule)> {
    let mut rules = Vec::new();
    for kind in data.histories.keys() {
        if kind == CONTACT {
            for count in CONTACT_COUNTS {
                for days in CONTACT_WINDOWS {
                    rules.push((
                        kind.clone(),
                        Rule {
                            count,
                            within_days: Some(days),
                        },
                    ));
                }
            }
        } else {
            for count in EVENT_COUNTS {
                rules.push((
                    kind.clone(),
                    Rule {
                        count,
                        within_days: None,
                    },
                ));
            }
        }
    }
    rules
}

fn candidates(data: &Data, adopted: &[(DetectRule, Option<f64>)]) -> (Vec<Candidate>, u64) {
    let rules = candidate_rules(data);
    let tried = rules.len() as u64;
    // Bonferroni: each interval at 1 − α/m, so the family's chance of one false candidate
    // stays at α.
    let alpha = ALPHA / tried.max(1) as f64;
    let mut best: BTreeMap<String, Candidate> = BTreeMap::new();
    for (kind, rule) in rules {
        // A rule with the count of an adopted moment (the 3rd contact, in any window) says
        // nothing new.
        let taken = adopted
            .iter()
            .any(|(d, _)| d.event.as_str() == kind && d.count == rule.count);
        if taken {
            continue;
        }
        let outcome = evaluate(data, &kind, rule);
        if outcome.after.len() < MIN_CANDIDATE_CUSTOMERS {
            continue;
        }
        let Some(d @ Difference { .. }) = effect(&outcome.after, &outcome.others, alpha) else {
            continue;
        };
        // Clear, and moving satisfaction more than a moment already adopted for the same kind
        // of event in the same direction (the 20th order says nothing the 10th did not).
        let beaten = adopted.iter().any(|(a, effect)| {
            a.event.as_str() == kind
                && effect
                    .is_some_and(|e| e.signum() == d.effect.signum() && e.abs() >= d.effect.abs())
        });
        if !d.is_clear() || beaten {
            continue;
        }
        let describe = DetectRule {
            event: throughline_domain::Key::parse(&kind).expect("stored kinds are keys"),
            count: rule.count,
            within_days: rule.within_days,
        }
        .describe();
        let candidate = Candidate {
            name: describe,
            event: kind.clone(),
            count: rule.count,
            within_days: rule.within_days,
            stage: outcome
                .stages
                .iter()
                .max_by_key(|(stage, n)| (**n, std::cmp::Reverse((*stage).clone())))
                .map(|(s, _)| s.clone()),
            customers: outcome.customers,
            sample: outcome.after.len() as u64,
            records: outcome.records,
            score_after: d.reached,
            score_others: d.others,
            effect: d.effect,
            low: d.low,
            high: d.high,
        };
        // Per kind of event, the threshold where satisfaction moves most.
        match best.get(&kind) {
            Some(b) if b.effect.abs() >= candidate.effect.abs() => {}
            _ => {
                best.insert(kind, candidate);
            }
        }
    }
    let mut out: Vec<Candidate> = best.into_values().collect();
    out.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    (out, tried)
}

/// The moments of truth with a detection rule, what each did to satisfaction, and the moments
/// the data suggests. Reads of each record only its customer, time, scores and stage.
pub async fn moments(store: &Store) -> Result<Moments> {
    let org = store
        .load_organisation()
        .await?
        .ok_or_else(crate::themes::no_organisation)?;
    let present = store.scores_present().await?;
    let contacts = store.customer_contacts().await?;
    let events = events(store).await?;
    Ok(blocking(move || compute(&org, data(present, contacts, events))).await)
}

/// The moments from inputs already loaded (the agenda reads them once for several items); the
/// customer events are read here.
pub async fn moments_with(store: &Store, inputs: Arc<Inputs>) -> Result<Moments> {
    let events = events(store).await?;
    Ok(blocking(move || {
        let present = scores_present(&inputs.records);
        let contacts = contacts_of(&inputs.records, &inputs.analyses);
        compute(&inputs.org, data(present, contacts, events))
    })
    .await)
}

/// Every customer event, of every kind.
async fn events(store: &Store) -> Result<Vec<StoredEvent>> {
    let mut events = Vec::new();
    for kind in store.event_kinds().await? {
        events.extend(store.events_of_kind(&kind.kind).await?);
    }
    Ok(events)
}

fn compute(org: &Organisation, data: Data) -> Moments {
    let mut moments: Vec<MomentEffect> = org
        .moments_of_truth
        .iter()
        .filter_map(|m| m.detect.as_ref().map(|d| moment_effect(&data, m, d)))
        .collect();
    moments.sort_by(|a, b| match (a.effect, b.effect) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.rank.cmp(&b.rank),
    });
    let adopted: Vec<(DetectRule, Option<f64>)> = org
        .moments_of_truth
        .iter()
        .filter_map(|m| {
            let detect = m.detect.clone()?;
            let effect = moments.iter().find(|e| e.name == m.name.as_str())?.effect;
            Some((detect, effect))
        })
        .collect();
    let (candidates, rules_tried) = candidates(&data, &adopted);
    Moments {
        scale: data.scale,
        moments,
        candidates,
        rules_tried,
    }
}

/// What adopting a candidate adds.
#[derive(Debug, Clone)]
pub struct Adoption {
    pub event: String,
    pub count: u32,
    pub within_days: Option<u32>,
    pub stage: String,
    pub name: Option<String>,
    pub expectation: Option<String>,
}

/// Adopts a rule as a new moment of truth of the organisation, ranked after the others,
/// through the one policy (administrators; a version of the organisation, audited as
/// `org.edit`).
pub async fn adopt(store: &Store, actor: Actor<'_>, adoption: Adoption) -> Result<MomentOfTruth> {
    changes::may_edit(actor, None)?;
    let mut org = store
        .load_organisation()
        .await?
        .ok_or_else(crate::themes::no_organisation)?;
    let rule = DetectRule {
        event: throughline_domain::Key::parse(&adoption.event)
            .map_err(|e| ServiceError::Invalid(format!("event: {}", e.0)))?,
        count: adoption.count,
        within_days: adoption.within_days,
    };
    let name = adoption.name.unwrap_or_else(|| {
        let mut text = rule.describe();
        if let Some(first) = text.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        text
    });
    let rank = org
        .moments_of_truth
        .iter()
        .map(|m| m.rank)
        .max()
        .unwrap_or(0)
        + 1;
    let expectation = adoption.expectation.unwrap_or_else(|| {
        "Found in the data: satisfaction moves at this moment. Write down what the customer \
         expects here."
            .to_owned()
    });
    let adopted_name = name.clone();
    let mut file = throughline_domain::org::OrgFile::from(&org);
    file.moments_of_truth
        .push(throughline_domain::org::file::MomentEntry {
            rank: i64::from(rank),
            name,
            stage: adoption.stage,
            touchpoint: None,
            expectation,
            metrics: Vec::new(),
            detect: Some(throughline_domain::org::file::DetectEntry {
                event: rule.event.to_string(),
                count: i64::from(rule.count),
                within_days: rule.within_days.map(i64::from),
            }),
        });
    // The same checks as the file: a stage that does not exist, a name already taken, a count
    // out of range are refused with the file's own messages.
    let parsed = file.validate().map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        ServiceError::Invalid(list.join("; "))
    })?;
    let before = std::mem::replace(&mut org, parsed.organisation);
    let summary = format!("Adopt the moment of truth {adopted_name:?} found in the data");
    changes::change_organisation(store, actor, &before, &org, &summary).await?;
    org.moments_of_truth
        .into_iter()
        .find(|m| m.rank == rank)
        .ok_or_else(|| ServiceError::Invalid("the moment was not added".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_answers_count_as_the_nps_does() {
        let scale = ScoreScale::Nps;
        let scores = |n: u8| Scores {
            nps: Some(throughline_domain::feedback::Nps::new(n).unwrap()),
            ..Scores::default()
        };
        assert_eq!(scale.score(&scores(10)), Some(100.0));
        assert_eq!(scale.score(&scores(7)), Some(0.0));
        assert_eq!(scale.score(&scores(6)), Some(-100.0));
    }
}
