//! The work departments owe, in one shape: the tasks of initiatives and the actions agreed at
//! council meetings. The department page, the digests and the council's agenda read open and
//! overdue work from here, so the words mean one thing everywhere: *open* is not yet done,
//! *overdue* is open past its due day, and a department's work is both kinds.

use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::action::{Date, TaskStatus};
use throughline_store::{CouncilAction, Store, StoredTask};

use crate::Result;

/// What a piece of work is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// A task of an initiative.
    Task,
    /// An action agreed at a council meeting.
    CouncilAction,
}

impl WorkKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::CouncilAction => "council action",
        }
    }
}

/// One piece of work a department owes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkItem {
    pub kind: WorkKind,
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub department: Key,
    pub due: Date,
    pub status: TaskStatus,
    pub done_on: Option<Date>,
    /// A task's initiative, or the meeting an action was agreed at.
    pub from: i64,
}

impl WorkItem {
    pub fn is_open(&self) -> bool {
        self.status == TaskStatus::Open
    }

    /// Open past its due day.
    pub fn is_overdue(&self, today: &Date) -> bool {
        self.is_open() && self.due < *today
    }

    /// Done on or after `since` (ever, without one).
    pub fn done_since(&self, since: Option<&Date>) -> bool {
        self.status == TaskStatus::Done
            && since.is_none_or(|s| self.done_on.as_ref().is_some_and(|d| d >= s))
    }
}

/// Tasks and council actions as work, tasks first.
pub fn items(tasks: &[StoredTask], actions: &[CouncilAction]) -> Vec<WorkItem> {
    tasks
        .iter()
        .map(|t| WorkItem {
            kind: WorkKind::Task,
            id: t.id,
            title: t.task.title.clone(),
            owner: t.task.owner_name.clone(),
            department: t.task.department.clone(),
            due: t.task.due.clone(),
            status: t.status,
            done_on: t.done_on.clone(),
            from: t.task.initiative,
        })
        .chain(actions.iter().map(|a| WorkItem {
            kind: WorkKind::CouncilAction,
            id: a.id,
            title: a.action.title.clone(),
            owner: a.action.owner_name.clone(),
            department: a.action.department.clone(),
            due: a.action.due.clone(),
            status: a.status,
            done_on: a.done_on.clone(),
            from: a.action.meeting,
        }))
        .collect()
}

/// Every piece of work, of every department.
pub async fn all(store: &Store) -> Result<Vec<WorkItem>> {
    Ok(items(
        &store.tasks(None).await?,
        &store.council_actions(None).await?,
    ))
}

/// The open work of `department`: overdue first, then by due day.
pub fn open_of<'a>(work: &'a [WorkItem], department: &str, today: &Date) -> Vec<&'a WorkItem> {
    let mut open: Vec<&WorkItem> = work
        .iter()
        .filter(|w| w.department.as_str() == department && w.is_open())
        .collect();
    open.sort_by(|a, b| {
        b.is_overdue(today)
            .cmp(&a.is_overdue(today))
            .then_with(|| a.due.cmp(&b.due))
    });
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use throughline_domain::Timestamp;
    use throughline_store::{NewCouncilAction, NewTask};

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn open_and_overdue_mean_one_thing_for_tasks_and_council_actions() {
        let key = Key::parse("billing").unwrap();
        let task = |id, due: &str, status| StoredTask {
            id,
            task: NewTask {
                initiative: 3,
                title: format!("task {id}"),
                owner_name: "Ana".to_owned(),
                department: key.clone(),
                due: day(due),
            },
            status,
            done_on: (status == TaskStatus::Done).then(|| day("2026-11-20")),
        };
        let action = CouncilAction {
            id: 9,
            action: NewCouncilAction {
                meeting: 2,
                title: "Call the carrier".to_owned(),
                owner_name: "Raj".to_owned(),
                department: key.clone(),
                due: day("2026-11-01"),
            },
            status: TaskStatus::Open,
            done_on: None,
            created_at: Timestamp::from_millis(0),
        };
        let work = items(
            &[
                task(1, "2026-12-20", TaskStatus::Open),
                task(2, "2026-11-10", TaskStatus::Done),
                task(3, "2026-11-15", TaskStatus::Open),
            ],
            std::slice::from_ref(&action),
        );
        let today = day("2026-12-06");
        let open = open_of(&work, "billing", &today);
        let titles: Vec<&str> = open.iter().map(|w| w.title.as_str()).collect();
        // The council's action counts as the department's work, overdue first.
        assert_eq!(titles, ["Call the carrier", "task 3", "task 1"]);
        assert_eq!(open[0].kind, WorkKind::CouncilAction);
        assert!(open[0].is_overdue(&today) && open[1].is_overdue(&today));
        assert!(!open[2].is_overdue(&today));
        // Done work is never overdue, and is done since a day only when done on or after it.
        let done = work
            .iter()
            .find(|w| w.id == 2 && w.kind == WorkKind::Task)
            .unwrap();
        assert!(!done.is_overdue(&today));
        assert!(done.done_since(Some(&day("2026-11-20"))));
        assert!(!done.done_since(Some(&day("2026-11-21"))));
        assert!(done.done_since(None));
        assert!(open_of(&work, "sales", &today).is_empty());
    }
}
