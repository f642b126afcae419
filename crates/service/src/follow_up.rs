//! Closing the loop with the customer (the inner loop): the organisation file's follow-up rules
//! open a case for each recent record that needs someone to get back to its customer — for the
//! department that owns the record's touchpoint (or, without one, the first department owning a
//! touchpoint of its stage), due by the rule's severity. The department's people move it open →
//! contacted → resolved / no answer, note what they did, record the customer's answer to "was
//! your issue resolved?" and link the theme that was its root cause: the inner loop feeding the
//! council's outer loop.
//!
//! Rules are applied when a survey answer arrives (to that record), after an import or an API
//! ingest, and after an analysis (theme rules need the themes), always to records of the last
//! [`WINDOW_DAYS`] days only: a case is for a customer who can still be helped, not for last
//! year's archive. A record without a customer id opens no case (there is nobody to call back).

use std::collections::HashMap;

use serde::Serialize;
use throughline_domain::Timestamp;
use throughline_domain::date::DAY_MS;
use throughline_domain::org::Organisation;
use throughline_domain::org::follow_up::RecordFacts;
use throughline_store::{
    CandidateScope, CaseChange, CaseNote, CaseStatus, FeedbackListing, FollowUpCase, NewCase, Store,
};

use crate::changes::Actor;
use crate::{Result, ServiceError};

/// Records older than this open no case.
pub const WINDOW_DAYS: i64 = 14;

/// What applying the rules did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    pub opened: u64,
    /// Records a rule held for, whose touchpoint and stage no department owns.
    pub unrouted: u64,
}

/// Applies the rules to the recent records of `scope` that have no case.
pub async fn scan(store: &Store, scope: CandidateScope<'_>) -> Result<ScanReport> {
    let Some(org) = store.load_organisation().await? else {
        return Ok(ScanReport::default());
    };
    if org.follow_up.is_empty() {
        return Ok(ScanReport::default());
    }
    let now = Timestamp::now();
    let candidates = store
        .case_candidates(
            Timestamp::from_millis(now.as_millis() - WINDOW_DAYS * DAY_MS),
            scope,
        )
        .await?;
    if candidates.is_empty() {
        return Ok(ScanReport::default());
    }
    // Theme rules need each record's themes' labels.
    let mut themes_of: HashMap<i64, Vec<String>> = HashMap::new();
    if org.follow_up.iter().any(|r| r.theme.is_some()) {
        let labels: HashMap<i64, String> = store
            .themes()
            .await?
            .into_iter()
            .map(|t| (t.id, t.label))
            .collect();
        let ids: Vec<i64> = candidates.iter().map(|c| c.feedback_id).collect();
        for chunk in ids.chunks(500) {
            for (record, theme) in store.main_themes(chunk).await? {
                if let Some(label) = labels.get(&theme) {
                    themes_of.entry(record).or_default().push(label.clone());
                }
            }
        }
    }
    let mut report = ScanReport::default();
    let mut cases = Vec::new();
    for candidate in candidates {
        let labels: Vec<&str> = themes_of
            .get(&candidate.feedback_id)
            .map(|l| l.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let facts = RecordFacts {
            nps: candidate.nps,
            csat: candidate.csat,
            ces: candidate.ces,
            text: &candidate.text,
            themes: &labels,
        };
        // The most urgent rule that holds names the case ("cancel my order" from a detractor
        // is the high-severity rule's); among equals, the first in the file.
        let Some((rule, reason)) = org
            .follow_up
            .iter()
            .filter_map(|rule| rule.matches(&facts).map(|reason| (rule, reason)))
            .min_by_key(|(rule, _)| rule.due_hours)
        else {
            continue;
        };
        let Some(department) = owner_of(
            &org,
            candidate.touchpoint.as_deref(),
            candidate.stage.as_deref(),
        ) else {
            report.unrouted += 1;
            continue;
        };
        cases.push(NewCase {
            feedback_id: candidate.feedback_id,
            rule_name: rule.name.to_string(),
            reason,
            department,
            stage: candidate.stage,
            touchpoint: candidate.touchpoint,
            customer: candidate.customer,
            severity: rule.severity,
            opened_at: now,
            due_at: Timestamp::from_millis(
                now.as_millis() + i64::from(rule.due_hours) * 60 * 60 * 1000,
            ),
        });
    }
    report.opened = store.open_cases(&cases).await?;
    if report.opened > 0 {
        tracing::info!(opened = report.opened, "follow-up cases opened");
    }
    Ok(report)
}

/// The department that answers for a record: its touchpoint's first owner, else the first
/// department owning a touchpoint of its stage.
fn owner_of(org: &Organisation, touchpoint: Option<&str>, stage: Option<&str>) -> Option<String> {
    if let Some(tp) = touchpoint
        && let Some((_, found)) = org.touchpoints().find(|(_, t)| t.key.as_str() == tp)
        && let Some(owner) = found.owners.first()
    {
        return Some(owner.to_string());
    }
    let stage = org.stage(&throughline_domain::Key::parse(stage?).ok()?)?;
    stage
        .touchpoints
        .iter()
        .find_map(|tp| tp.owners.first())
        .map(ToString::to_string)
}

/// A case as listed, with what people need to act on it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: FollowUpCase,
    pub department_name: String,
    pub touchpoint_name: Option<String>,
    pub overdue: bool,
    /// When it is due and when it was opened, to the minute (UTC).
    pub due: String,
    pub opened: String,
    /// What the customer wrote (redacted at import).
    pub text: String,
    pub score: Option<String>,
    pub theme_label: Option<String>,
}

/// The cases as people read them: two queries for all of them (their records, the themes'
/// labels), not two per case.
async fn views(store: &Store, cases: Vec<FollowUpCase>) -> Result<Vec<CaseView>> {
    // No case, nothing to name: a department's page lists its cases on every visit, and the
    // organisation is fifteen queries.
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let org = store.load_organisation().await?;
    let now = Timestamp::now();
    let ids: Vec<i64> = cases.iter().map(|c| c.feedback_id).collect();
    let mut records: HashMap<i64, FeedbackListing> = HashMap::new();
    for chunk in ids.chunks(500) {
        records.extend(
            store
                .feedback_by_ids(chunk)
                .await?
                .into_iter()
                .map(|r| (r.id, r)),
        );
    }
    let labels: HashMap<i64, String> = if cases.iter().any(|c| c.theme_id.is_some()) {
        store
            .themes()
            .await?
            .into_iter()
            .map(|t| (t.id, t.label))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(cases
        .into_iter()
        .map(|case| {
            let record = records.get(&case.feedback_id);
            CaseView {
                department_name: org.as_ref().map_or_else(
                    || case.department.clone(),
                    |o| o.department_name(&case.department).to_owned(),
                ),
                touchpoint_name: case.touchpoint.as_ref().map(|tp| {
                    org.as_ref()
                        .and_then(|o| o.touchpoints().find(|(_, t)| t.key.as_str() == tp))
                        .map_or_else(|| tp.clone(), |(_, t)| t.name.to_string())
                }),
                overdue: case.is_overdue(now),
                due: throughline_domain::action::Date::minute_of(case.due_at),
                opened: throughline_domain::action::Date::minute_of(case.opened_at),
                text: record.map(|r| r.text(" · ")).unwrap_or_default(),
                score: record.and_then(FeedbackListing::score_text),
                theme_label: case.theme_id.and_then(|id| labels.get(&id).cloned()),
                case,
            }
        })
        .collect())
}

/// Cases of a department (every one when `None`), open ones only when `open_only`, most urgent
/// first.
pub async fn list(
    store: &Store,
    department: Option<&str>,
    open_only: bool,
    limit: u32,
) -> Result<Vec<CaseView>> {
    let cases = store.follow_up_cases(department, open_only, limit).await?;
    views(store, cases).await
}

/// One case with its notes, or 404.
pub async fn case(store: &Store, id: i64) -> Result<(CaseView, Vec<CaseNote>)> {
    let (case, notes) = store
        .follow_up_case(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no follow-up case {id}")))?;
    let view = views(store, vec![case])
        .await?
        .pop()
        .expect("one case, one view");
    Ok((view, notes))
}

/// A change to a case, as a person gives it (empty: unchanged).
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    /// open, contacted, resolved or no_answer.
    pub status: String,
    pub owner: String,
    pub note: String,
    /// The customer's answer to "was your issue resolved?": yes, no, or empty.
    pub customer_says_resolved: String,
    /// The root-cause theme's id; "none" clears it.
    pub theme: String,
}

/// Changes a case: administrators, council chairs, and members of its department.
pub async fn change(store: &Store, actor: Actor<'_>, id: i64, input: &CaseInput) -> Result<()> {
    let (case, _) = store
        .follow_up_case(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no follow-up case {id}")))?;
    let department =
        throughline_domain::Key::parse(&case.department).map_err(|e| ServiceError::Invalid(e.0))?;
    if !actor
        .role()
        .may_edit_department(actor.department(), &department)
    {
        return Err(ServiceError::Forbidden(format!(
            "only {}'s people, council chairs and administrators work on its follow-up cases",
            case.department
        )));
    }
    let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
    let status = match text(&input.status) {
        None => None,
        Some(s) => Some(CaseStatus::parse(&s).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "status {s:?}: choose open, contacted, resolved or no_answer"
            ))
        })?),
    };
    let customer_says_resolved = match text(&input.customer_says_resolved).as_deref() {
        None => None,
        Some("yes") => Some(true),
        Some("no") => Some(false),
        Some(other) => {
            return Err(ServiceError::Invalid(format!(
                "the customer's answer {other:?}: yes or no"
            )));
        }
    };
    let theme_id = match text(&input.theme).as_deref() {
        None => None,
        Some("none") => Some(None),
        Some(t) => {
            let id: i64 = t.parse().map_err(|_| {
                ServiceError::Invalid(format!("theme {t:?}: give the theme's number"))
            })?;
            if store.theme(id).await?.is_none() {
                return Err(ServiceError::Invalid(format!("there is no theme {id}")));
            }
            Some(Some(id))
        }
    };
    let note = text(&input.note);
    if note.as_ref().is_some_and(|n| n.chars().count() > 5_000) {
        return Err(ServiceError::Invalid(
            "a note is at most 5000 characters".to_owned(),
        ));
    }
    let owner = text(&input.owner);
    if status.is_none()
        && customer_says_resolved.is_none()
        && theme_id.is_none()
        && note.is_none()
        && owner.is_none()
    {
        return Err(ServiceError::Invalid(
            "nothing to change: give a status, a note, the customer's answer, an owner or the \
             root-cause theme"
                .to_owned(),
        ));
    }
    store
        .change_case(
            id,
            &CaseChange {
                status,
                owner,
                note,
                customer_says_resolved,
                theme_id,
            },
            &actor.audit_name(),
        )
        .await?;
    Ok(())
}

/// A department's follow-up over a period: how many cases, how many were followed up
/// (contacted or resolved), how fast, how many are open and overdue now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DepartmentFollowUp {
    pub department: String,
    pub name: String,
    pub opened: u64,
    pub followed_up: u64,
    /// Followed up of opened, 0–1; `None` without cases.
    pub rate: Option<f64>,
    /// Median hours from opening to the first contact.
    pub median_hours_to_contact: Option<f64>,
    pub open: u64,
    pub overdue: u64,
}

/// Each department's follow-up over the cases opened since `since`, departments with cases
/// only, in the organisation's order.
pub async fn by_department(store: &Store, since: Timestamp) -> Result<Vec<DepartmentFollowUp>> {
    let org = store.load_organisation().await?;
    let now = Timestamp::now();
    let cases = store.cases_opened_since(since).await?;
    let mut out: Vec<DepartmentFollowUp> = Vec::new();
    let order = |key: &str| {
        org.as_ref()
            .and_then(|o| o.departments.iter().position(|d| d.key.as_str() == key))
            .unwrap_or(usize::MAX)
    };
    let mut keys: Vec<&str> = cases.iter().map(|c| c.department.as_str()).collect();
    keys.sort_by_key(|k| (order(k), k.to_string()));
    keys.dedup();
    for key in keys {
        let mine: Vec<&FollowUpCase> = cases.iter().filter(|c| c.department == key).collect();
        let mut hours: Vec<f64> = mine
            .iter()
            .filter_map(|c| {
                c.contacted_at
                    .map(|at| (at.as_millis() - c.opened_at.as_millis()) as f64 / 3_600_000.0)
            })
            .collect();
        hours.sort_by(f64::total_cmp);
        let followed_up = hours.len() as u64;
        let opened = mine.len() as u64;
        out.push(DepartmentFollowUp {
            department: key.to_owned(),
            name: org
                .as_ref()
                .map_or_else(|| key.to_owned(), |o| o.department_name(key).to_owned()),
            opened,
            followed_up,
            rate: (opened > 0).then(|| followed_up as f64 / opened as f64),
            median_hours_to_contact: (!hours.is_empty()).then(|| hours[hours.len() / 2]),
            open: mine.iter().filter(|c| !c.status.is_closed()).count() as u64,
            overdue: mine.iter().filter(|c| c.is_overdue(now)).count() as u64,
        });
    }
    Ok(out)
}
