//! From the Top Ten to accountable work: root-cause analyses on themes, initiatives with a
//! measurable objective through the approval workflow (proposed → approved or rejected →
//! active → done), their tasks and weekly reviews, and completion rates.
//!
//! Everything a person names — a department, a council, a stage, a theme, a record — is checked
//! against the workspace before anything is stored; the error says what is wrong and what
//! exists instead.

use std::collections::BTreeMap;

use serde::Serialize;
use throughline_domain::action::{
    Date, InitiativeStatus, NewRootCause, Objective, TaskStatus, WorkOwner, required_text,
};
use throughline_domain::org::Organisation;
use throughline_domain::{Key, Timestamp, ValidationError};
use throughline_store::{
    Decision, NewInitiative, NewReview, NewTask, Store, StoredInitiative, StoredReview,
    StoredRootCause, StoredTask,
};

use crate::{Result, ServiceError};

impl From<ValidationError> for ServiceError {
    fn from(err: ValidationError) -> Self {
        Self::Invalid(err.to_string())
    }
}

async fn organisation(store: &Store) -> Result<Organisation> {
    store.load_organisation().await?.ok_or_else(|| {
        ServiceError::Invalid(
            "no organisation has been applied: run `throughline apply ORG.toml` first".into(),
        )
    })
}

fn check_department(org: &Organisation, key: &Key) -> Result<()> {
    if org.department(key).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = org.departments.iter().map(|d| d.key.as_str()).collect();
    Err(ServiceError::Invalid(format!(
        "there is no department {:?}; the departments are {}",
        key.as_str(),
        known.join(", ")
    )))
}

async fn check_theme(store: &Store, id: i64) -> Result<()> {
    match store.theme(id).await? {
        Some(_) => Ok(()),
        None => Err(ServiceError::NotFound(format!("there is no theme {id}"))),
    }
}

/// Records a root-cause analysis on a theme.
pub async fn add_root_cause(store: &Store, analysis: NewRootCause) -> Result<StoredRootCause> {
    let analysis = analysis.validate()?;
    check_theme(store, analysis.theme).await?;
    let org = organisation(store).await?;
    for participant in &analysis.participants {
        if let Some(department) = &participant.department {
            check_department(&org, department)?;
        }
    }
    let found = store.existing_feedback_ids(&analysis.verbatims).await?;
    if let Some(missing) = analysis.verbatims.iter().find(|id| !found.contains(id)) {
        return Err(ServiceError::NotFound(format!(
            "there is no feedback record {missing} to quote"
        )));
    }
    let id = store.insert_root_cause(&analysis).await?;
    root_cause(store, id).await
}

pub async fn root_cause(store: &Store, id: i64) -> Result<StoredRootCause> {
    store
        .root_causes(None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ServiceError::NotFound(format!("there is no root-cause analysis {id}")))
}

/// What a person proposes, as typed (on the command line or as the API's JSON body): checked
/// and turned into a [`NewInitiative`].
#[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct InitiativeProposal {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `department:KEY` or `council:KEY`.
    pub owner: String,
    pub sponsor: Option<String>,
    pub metric: String,
    pub baseline: f64,
    pub target: f64,
    pub due: String,
    #[serde(default)]
    pub themes: Vec<i64>,
    #[serde(default)]
    pub stages: Vec<String>,
    pub root_cause: Option<i64>,
    #[serde(default)]
    pub resources_requested: String,
}

pub async fn propose(store: &Store, proposal: InitiativeProposal) -> Result<StoredInitiative> {
    let org = organisation(store).await?;
    let (kind, key) = proposal.owner.split_once(':').ok_or_else(|| {
        ServiceError::Invalid(format!(
            "owner {:?}: write department:KEY or council:KEY",
            proposal.owner
        ))
    })?;
    let owner = WorkOwner::from_parts(kind.trim(), key.trim())?;
    match &owner {
        WorkOwner::Department(key) => check_department(&org, key)?,
        WorkOwner::Council(key) => {
            if !org.councils.iter().any(|c| &c.key == key) {
                let known: Vec<&str> = org.councils.iter().map(|c| c.key.as_str()).collect();
                return Err(ServiceError::Invalid(format!(
                    "there is no council {:?}; the councils are {}",
                    key.as_str(),
                    known.join(", ")
                )));
            }
        }
    }
    let mut stages = Vec::new();
    for stage in &proposal.stages {
        let key = Key::parse(stage.trim())?;
        if org.stage(&key).is_none() {
            let known: Vec<&str> = org.journey.stages.iter().map(|s| s.key.as_str()).collect();
            return Err(ServiceError::Invalid(format!(
                "there is no stage {stage:?}; the stages are {}",
                known.join(", ")
            )));
        }
        stages.push(key);
    }
    for theme in &proposal.themes {
        check_theme(store, *theme).await?;
    }
    if let Some(rca) = proposal.root_cause {
        root_cause(store, rca).await?;
    }
    let new = NewInitiative {
        title: required_text("the title", &proposal.title, 200)?,
        description: proposal.description.trim().to_owned(),
        owner,
        sponsor: proposal
            .sponsor
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        objective: Objective::new(
            &proposal.metric,
            proposal.baseline,
            proposal.target,
            Date::parse(&proposal.due)?,
        )?,
        themes: proposal.themes,
        stages,
        root_cause: proposal.root_cause,
        resources_requested: proposal.resources_requested.trim().to_owned(),
    };
    let id = store.insert_initiative(&new).await?;
    initiative(store, id).await
}

pub async fn initiative(store: &Store, id: i64) -> Result<StoredInitiative> {
    store
        .initiative(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no initiative {id}")))
}

/// Task `id`.
pub async fn task(store: &Store, id: i64) -> Result<StoredTask> {
    store
        .task(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no task {id}")))
}

/// Every initiative, oldest first.
pub async fn initiatives(store: &Store) -> Result<Vec<StoredInitiative>> {
    Ok(store.initiatives().await?)
}

/// The root causes on record, or those of one theme.
pub async fn root_causes(store: &Store, theme: Option<i64>) -> Result<Vec<StoredRootCause>> {
    Ok(store.root_causes(theme).await?)
}

/// Every task, or one initiative's.
pub async fn tasks(store: &Store, initiative: Option<i64>) -> Result<Vec<StoredTask>> {
    Ok(store.tasks(initiative).await?)
}

/// An initiative's weekly reviews.
pub async fn reviews(store: &Store, initiative: i64) -> Result<Vec<StoredReview>> {
    Ok(store.reviews(initiative).await?)
}

/// Moves an initiative along the workflow; approvals and rejections record who decided, when,
/// why and the resources granted.
pub async fn transition(
    store: &Store,
    id: i64,
    to: InitiativeStatus,
    decision: Option<(String, Option<String>, Option<String>)>,
) -> Result<StoredInitiative> {
    transition_decided_on(store, id, to, decision, None).await
}

/// [`transition`], with an approval or rejection dated `decided_on` — the day the council
/// decided, such as its meeting's, when the decision is entered later — or now when not given.
pub async fn transition_decided_on(
    store: &Store,
    id: i64,
    to: InitiativeStatus,
    decision: Option<(String, Option<String>, Option<String>)>,
    decided_on: Option<Date>,
) -> Result<StoredInitiative> {
    let current = initiative(store, id).await?;
    current.status.check_transition(to)?;
    let at = match decided_on {
        None => Timestamp::now(),
        Some(day) if day > Date::today() => {
            return Err(ServiceError::Invalid(format!(
                "{day} has not come yet: a decision is dated the day it was taken"
            )));
        }
        Some(day) => day.start(),
    };
    let decision = match (to, decision) {
        (InitiativeStatus::Approved | InitiativeStatus::Rejected, Some((by, note, granted))) => {
            Some(Decision {
                by: required_text("who decided", &by, 200)?,
                at,
                note: note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                resources_granted: granted
                    .map(|g| g.trim().to_owned())
                    .filter(|g| !g.is_empty()),
            })
        }
        (InitiativeStatus::Approved | InitiativeStatus::Rejected, None) => {
            return Err(ServiceError::Invalid(
                "an approval or rejection records who decided (--by)".into(),
            ));
        }
        _ => None,
    };
    if !store
        .set_initiative_status(id, current.status, to, decision.as_ref())
        .await?
    {
        return Err(ServiceError::Invalid(format!(
            "initiative {id} changed meanwhile; look at it again and retry"
        )));
    }
    initiative(store, id).await
}

/// Sets the day an initiative started, where its measured effect's "after" begins: a day that
/// has come, of an initiative that is active or done.
pub async fn set_start(store: &Store, id: i64, on: &str) -> Result<StoredInitiative> {
    let current = initiative(store, id).await?;
    if !current.status.has_started() {
        return Err(ServiceError::Invalid(format!(
            "initiative {id} is {}: a start day is set on an active or done initiative (start \
             it first)",
            current.status.as_str()
        )));
    }
    let on = Date::parse(on)?;
    if on > Date::of(Timestamp::now()) {
        return Err(ServiceError::Invalid(format!(
            "{on} has not come yet: an initiative's start day is the day it really started"
        )));
    }
    store.set_initiative_start(id, &on).await?;
    initiative(store, id).await
}

pub async fn add_task(
    store: &Store,
    initiative_id: i64,
    title: &str,
    owner_name: &str,
    department: &str,
    due: &str,
) -> Result<StoredTask> {
    let parent = initiative(store, initiative_id).await?;
    if matches!(
        parent.status,
        InitiativeStatus::Rejected | InitiativeStatus::Done
    ) {
        return Err(ServiceError::Invalid(format!(
            "initiative {initiative_id} is {}: it takes no new tasks",
            parent.status.as_str()
        )));
    }
    let org = organisation(store).await?;
    let department = Key::parse(department.trim())?;
    check_department(&org, &department)?;
    let task = NewTask {
        initiative: initiative_id,
        title: required_text("the task's title", title, 200)?,
        owner_name: required_text("the task's owner", owner_name, 200)?,
        department,
        due: Date::parse(due)?,
    };
    let id = store.insert_task(&task).await?;
    task_by_id(store, id).await
}

async fn task_by_id(store: &Store, id: i64) -> Result<StoredTask> {
    store
        .task(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no task {id}")))
}

pub async fn complete_task(store: &Store, id: i64, on: &str) -> Result<StoredTask> {
    let task = task_by_id(store, id).await?;
    if task.status == TaskStatus::Done {
        return Err(ServiceError::Invalid(format!(
            "task {id} was already done on {}",
            task.done_on
                .map_or_else(|| "?".to_owned(), |d| d.to_string())
        )));
    }
    let on = Date::parse(on)?;
    if !store.complete_task(id, &on).await? {
        return Err(ServiceError::Invalid(format!(
            "task {id} changed meanwhile"
        )));
    }
    task_by_id(store, id).await
}

/// Records a weekly review of an approved or active initiative; a metric value moves its
/// progress.
pub async fn add_review(
    store: &Store,
    initiative_id: i64,
    on: &str,
    progress: &str,
    metric_value: Option<f64>,
) -> Result<StoredInitiative> {
    let parent = initiative(store, initiative_id).await?;
    if !matches!(
        parent.status,
        InitiativeStatus::Approved | InitiativeStatus::Active
    ) {
        return Err(ServiceError::Invalid(format!(
            "initiative {initiative_id} is {}: only approved or active initiatives are reviewed",
            parent.status.as_str()
        )));
    }
    if metric_value.is_some_and(|v| !v.is_finite()) {
        return Err(ServiceError::Invalid(
            "the metric value must be a number".into(),
        ));
    }
    store
        .insert_review(&NewReview {
            initiative: initiative_id,
            on: Date::parse(on)?,
            progress: required_text("the progress note", progress, 4000)?,
            metric_value,
        })
        .await?;
    initiative(store, initiative_id).await
}

/// Tasks planned (due) in a period, how many are done and how many of those on time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Completion {
    pub planned: u64,
    pub done: u64,
    pub on_time: u64,
    /// done ÷ planned, in %; `None` when nothing was planned.
    pub completion_rate: Option<f64>,
    /// on time ÷ done, in %; `None` when nothing is done.
    pub on_time_rate: Option<f64>,
}

impl Completion {
    fn add(&mut self, task: &StoredTask) {
        self.planned += 1;
        if task.status == TaskStatus::Done {
            self.done += 1;
            if task.done_on.as_ref().is_some_and(|d| *d <= task.task.due) {
                self.on_time += 1;
            }
        }
        self.completion_rate = Some(self.done as f64 * 100.0 / self.planned as f64);
        self.on_time_rate = (self.done > 0).then(|| self.on_time as f64 * 100.0 / self.done as f64);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CompletionReport {
    /// The period: tasks due from `from` to `to`, both included; open ends when `None`.
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub overall: Completion,
    pub by_initiative: BTreeMap<i64, Completion>,
    pub by_department: BTreeMap<String, Completion>,
    /// Tasks of the initiatives each council owns.
    pub by_council: BTreeMap<String, Completion>,
}

pub async fn completion(
    store: &Store,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<CompletionReport> {
    let from = from.map(Date::parse).transpose()?;
    let to = to.map(Date::parse).transpose()?;
    let initiatives = store.initiatives().await?;
    let mut report = CompletionReport {
        from: from.clone(),
        to: to.clone(),
        overall: Completion::default(),
        by_initiative: BTreeMap::new(),
        by_department: BTreeMap::new(),
        by_council: BTreeMap::new(),
    };
    for task in store.tasks(None).await? {
        let due = &task.task.due;
        if from.as_ref().is_some_and(|f| due < f) || to.as_ref().is_some_and(|t| due > t) {
            continue;
        }
        report.overall.add(&task);
        report
            .by_initiative
            .entry(task.task.initiative)
            .or_default()
            .add(&task);
        report
            .by_department
            .entry(task.task.department.as_str().to_owned())
            .or_default()
            .add(&task);
        let owner = initiatives
            .iter()
            .find(|i| i.id == task.task.initiative)
            .map(|i| &i.initiative.owner);
        if let Some(WorkOwner::Council(council)) = owner {
            report
                .by_council
                .entry(council.as_str().to_owned())
                .or_default()
                .add(&task);
        }
    }
    Ok(report)
}

/// Records the value of a department's KPI (a metric of the organisation file) on a day.
pub async fn record_kpi(
    store: &Store,
    metric: &str,
    on: &str,
    value: f64,
) -> Result<throughline_store::KpiValue> {
    let org = organisation(store).await?;
    let metric = metric.trim();
    if !org.metrics.iter().any(|m| m.key.as_str() == metric) {
        let known: Vec<&str> = org.metrics.iter().map(|m| m.key.as_str()).collect();
        return Err(ServiceError::Invalid(format!(
            "there is no metric {metric:?} in the organisation; the metrics are {}",
            known.join(", ")
        )));
    }
    if !value.is_finite() {
        return Err(ServiceError::Invalid("a KPI value must be a number".into()));
    }
    let kpi = throughline_store::KpiValue {
        metric: metric.to_owned(),
        on: Date::parse(on)?,
        value,
    };
    store.record_kpi_value(&kpi).await?;
    Ok(kpi)
}
