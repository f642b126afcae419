//! Changes to the council's work: root causes, initiatives through their workflow, tasks and
//! weekly reviews.

use crate::actions::{self, InitiativeProposal};
use throughline_domain::Key;
use throughline_domain::action::{Date, InitiativeStatus, NewRootCause, WorkOwner};
use throughline_store::{KpiValue, Store, StoredInitiative, StoredRootCause, StoredTask};

use super::{Actor, audit, in_transaction, json_of, may_edit};
use crate::{Result, ServiceError};

/// The department whose work an initiative is, if it is one department's.
pub fn owner_department(initiative: &StoredInitiative) -> Option<&Key> {
    match &initiative.initiative.owner {
        WorkOwner::Department(d) => Some(d),
        WorkOwner::Council(_) => None,
    }
}

pub async fn add_root_cause(
    store: &Store,
    actor: Actor<'_>,
    analysis: NewRootCause,
) -> Result<StoredRootCause> {
    in_transaction(store, async |store| {
        let departments: Vec<Key> = analysis
            .participants
            .iter()
            .filter_map(|p| p.department.clone())
            .collect();
        // A member may record an analysis their own department takes part in.
        let own = actor.department().filter(|d| departments.contains(d));
        may_edit(actor, own.or(departments.first()))?;
        let stored = actions::add_root_cause(store, analysis).await?;
        audit(
            store,
            actor,
            "rca.add",
            format!("rca {}", stored.id),
            None,
            Some(json_of(&stored)),
        )
        .await?;
        Ok(stored)
    })
    .await
}

pub async fn propose(
    store: &Store,
    actor: Actor<'_>,
    proposal: InitiativeProposal,
) -> Result<StoredInitiative> {
    in_transaction(store, async |store| {
        let department = proposal
            .owner
            .strip_prefix("department:")
            .and_then(|k| Key::parse(k.trim()).ok());
        may_edit(actor, department.as_ref())?;
        let stored = actions::propose(store, proposal).await?;
        audit(
            store,
            actor,
            "initiative.propose",
            format!("initiative {}", stored.id),
            None,
            Some(json_of(&stored)),
        )
        .await?;
        Ok(stored)
    })
    .await
}

/// Who may move an initiative to `to`: approvals and rejections are the strategic council's;
/// starting and finishing belong to the owner too.
pub fn may_transition(
    actor: Actor<'_>,
    initiative: &StoredInitiative,
    to: InitiativeStatus,
) -> Result<()> {
    match to {
        InitiativeStatus::Approved | InitiativeStatus::Rejected => may_edit(actor, None),
        _ => may_edit(actor, owner_department(initiative)),
    }
}

/// A council's decision entered by someone else (from the command line, after the meeting):
/// who decided, and the day they did (today when not given).
#[derive(Debug, Clone)]
pub struct CouncilDecision {
    pub by: String,
    pub on: Option<Date>,
}

/// Moves initiative `id` to `to`. An approval or rejection records who decided — the actor, or
/// the council when the actor enters its decision (`council`, from the command line) — and
/// when, with the note and the resources granted.
pub async fn change_status(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    to: InitiativeStatus,
    note: Option<String>,
    resources_granted: Option<String>,
    council: Option<CouncilDecision>,
) -> Result<StoredInitiative> {
    in_transaction(store, async |store| {
        let before = actions::initiative(store, id).await?;
        may_transition(actor, &before, to)?;
        let decided_on = council.as_ref().and_then(|c| c.on.clone());
        let decision =
            matches!(to, InitiativeStatus::Approved | InitiativeStatus::Rejected).then(|| {
                (
                    council.map_or_else(|| actor.display_name().to_owned(), |c| c.by),
                    note,
                    resources_granted,
                )
            });
        let after = actions::transition_decided_on(store, id, to, decision, decided_on).await?;
        audit(
            store,
            actor,
            &format!("initiative.{}", to.as_str()),
            format!("initiative {id}"),
            Some(json_of(&before)),
            Some(json_of(&after)),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Sets the day initiative `id` started (`YYYY-MM-DD`; the day it was marked active unless
/// set): its owner's to say, like starting it.
pub async fn set_start(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    on: &str,
) -> Result<StoredInitiative> {
    in_transaction(store, async |store| {
        let before = actions::initiative(store, id).await?;
        may_transition(actor, &before, InitiativeStatus::Active)?;
        let after = actions::set_start(store, id, on).await?;
        audit(
            store,
            actor,
            "initiative.started_on",
            format!("initiative {id}"),
            Some(json_of(&before)),
            Some(json_of(&after)),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// A new task on an initiative, for one department.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
pub struct TaskInput {
    pub initiative: i64,
    pub title: String,
    pub owner_name: String,
    pub department: String,
    pub due: String,
}

pub async fn add_task(store: &Store, actor: Actor<'_>, input: TaskInput) -> Result<StoredTask> {
    in_transaction(store, async |store| {
        let department = Key::parse(input.department.trim())
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        may_edit(actor, Some(&department))?;
        let task = actions::add_task(
            store,
            input.initiative,
            &input.title,
            &input.owner_name,
            &input.department,
            &input.due,
        )
        .await?;
        audit(
            store,
            actor,
            "task.add",
            format!("task {}", task.id),
            None,
            Some(json_of(&task)),
        )
        .await?;
        Ok(task)
    })
    .await
}

/// Marks a task done, on `on` (today when not given).
pub async fn complete_task(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    on: Option<String>,
) -> Result<StoredTask> {
    in_transaction(store, async |store| {
        let before = actions::task(store, id).await?;
        may_edit(actor, Some(&before.task.department))?;
        let on = on
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| Date::today().to_string());
        let after = actions::complete_task(store, id, on.trim()).await?;
        audit(
            store,
            actor,
            "task.done",
            format!("task {id}"),
            Some(json_of(&before)),
            Some(json_of(&after)),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// A weekly review of an initiative: the owner's or the council's.
pub async fn add_review(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    on: &str,
    progress: &str,
    metric_value: Option<f64>,
) -> Result<StoredInitiative> {
    in_transaction(store, async |store| {
        let before = actions::initiative(store, id).await?;
        may_edit(actor, owner_department(&before))?;
        let after = actions::add_review(store, id, on, progress, metric_value).await?;
        audit(
            store,
            actor,
            "initiative.review",
            format!("initiative {id}"),
            Some(serde_json::json!({ "current_value": before.current_value })),
            Some(serde_json::json!({
                "on": on, "progress": progress, "current_value": after.current_value
            })),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Records a KPI's value on a day: the work of the department that owns the KPI.
/// What a KPI import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KpiImport {
    pub rows_read: u64,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// The first rejected rows, "line N, column C: reason".
    pub rejections: Vec<String>,
    pub rejects_path: Option<String>,
}

/// Imports department KPI values from a file (`metric,date,value`): all of the file's values
/// in one transaction, audited once (`kpi.import`). The actor must be allowed to record every
/// metric the file names; a file that is mostly unreadable stores nothing.
pub async fn import_kpis(
    store: &Store,
    actor: Actor<'_>,
    path: std::path::PathBuf,
    rejects: Option<std::path::PathBuf>,
) -> Result<KpiImport> {
    in_transaction(store, async |store| {
        let org = crate::org::organisation(store)
            .await?
            .ok_or_else(crate::themes::no_organisation)?;
        let known: Vec<String> = org.metrics.iter().map(|m| m.key.to_string()).collect();
        let shown = path.display().to_string();
        let table =
            crate::blocking(move || throughline_ingest::kpis::read_kpis(&path, rejects, &known))
                .await
                .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        crate::events::mostly_readable(&shown, &table)?;
        for metric in &org.metrics {
            if table.values.iter().any(|v| v.metric == metric.key.as_str()) {
                may_edit(actor, Some(&metric.department))?;
            }
        }
        let (added, changed, unchanged) = store.import_kpi_values(&table.values).await?;
        let report = KpiImport {
            rows_read: table.rows_read,
            added,
            changed,
            unchanged,
            rejected: table.rejected.len() as u64,
            rejections: table
                .rejected
                .iter()
                .take(20)
                .map(crate::events::describe)
                .collect(),
            rejects_path: table.rejects_path.map(|p| p.display().to_string()),
        };
        if added + changed > 0 {
            audit(
                store,
                actor,
                "kpi.import",
                shown,
                None,
                Some(json_of(&report)),
            )
            .await?;
        }
        Ok(report)
    })
    .await
}

pub async fn record_kpi(
    store: &Store,
    actor: Actor<'_>,
    metric: &str,
    on: &str,
    value: f64,
) -> Result<KpiValue> {
    in_transaction(store, async |store| {
        let owner = crate::org::organisation(store).await?.and_then(|org| {
            org.metrics
                .into_iter()
                .find(|m| m.key.as_str() == metric.trim())
                .map(|m| m.department)
        });
        // An unknown metric is refused by the use case, with the list of metrics.
        if let Some(department) = &owner {
            may_edit(actor, Some(department))?;
        }
        let kpi = actions::record_kpi(store, metric, on, value).await?;
        audit(
            store,
            actor,
            "kpi.record",
            format!("metric {}", kpi.metric),
            None,
            Some(json_of(&kpi)),
        )
        .await?;
        Ok(kpi)
    })
    .await
}
