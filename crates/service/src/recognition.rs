//! Recognition of prevention: "Rewarding resolution vs. prevention?" — the structure must reward
//! the cross-functional teams whose work *prevented* problems, not the heroes who fight the
//! same fire every week. From the data, for every initiative that has started:
//!
//! - **Prevented**: a theme of the initiative whose share of the records fell after its start
//!   (the measured effect of [`crate::effects`], its 95% interval clear of zero) **and stayed
//!   down**: over the last four weeks with data it is still at least half the measured fall
//!   below where it was before. Ranked by how much of the theme's volume went away.
//! - **Resolving**: the others that closed tasks — their theme did not fall, or came back —
//!   listed after the prevention teams however many tasks they closed, with what the data says.
//!
//! A team is the initiative's departments: its owner and the departments of its tasks' owners.
//! Recognition credits teams, not individuals — unless the organisation file chooses otherwise
//! (`[organisation] recognition = "individuals"`): then each recognition also names the people
//! who did the initiative's tasks.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use throughline_domain::action::{TaskStatus, WorkOwner};
use throughline_domain::org::Credit;
use throughline_store::{Store, StoredInitiative, StoredTask};

use crate::effects::MeasuredEffect;
use crate::weekly::{Inputs, Weekly, day_millis};
use crate::{Result, blocking};

/// Weeks at the end of the data that must still show the fall.
const RECENT_WEEKS: usize = 4;
/// Weeks before the start that make the "before" level.
const BEFORE_WEEKS: usize = 26;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Its theme fell after its start and stayed down.
    Prevented,
    /// It closed tasks, but its theme did not fall, or came back.
    Resolving,
}

/// One team's recognition.
#[derive(Debug, Clone, Serialize)]
pub struct Recognition {
    pub kind: Kind,
    pub initiative: i64,
    pub title: String,
    /// The team: department names, the owner's first.
    pub team: Vec<String>,
    /// The people credited by name — the owners of the initiative's tasks, those who closed
    /// one first — when the organisation credits individuals; empty when it credits teams.
    pub people: Vec<String>,
    /// The theme the evidence is about.
    pub theme: Option<String>,
    /// The theme's share of records (%) before the start, over the after period on average, and
    /// over the last weeks of data.
    pub share_before: Option<f64>,
    pub share_recent: Option<f64>,
    /// The share of the theme's volume that went away (0–1), for prevention.
    pub reduction: Option<f64>,
    pub tasks_done: usize,
    /// The evidence in a sentence.
    pub evidence: String,
}

impl Recognition {
    /// Who is credited, in words: the team's departments, and the people by name when the
    /// organisation credits individuals ("Marketing, Sales: Dana Ortiz, Felix Brandt").
    pub fn credited(&self) -> String {
        if self.people.is_empty() {
            self.team.join(", ")
        } else {
            format!("{}: {}", self.team.join(", "), self.people.join(", "))
        }
    }
}

/// The recognitions, prevention first.
#[derive(Debug, Clone, Serialize)]
pub struct Recognitions {
    /// The Monday of the last week with data.
    pub data_to: Option<String>,
    /// Whether the organisation credits individuals as well as teams.
    pub individuals: bool,
    pub teams: Vec<Recognition>,
}

impl Recognitions {
    pub fn prevented(&self) -> impl Iterator<Item = &Recognition> {
        self.teams.iter().filter(|r| r.kind == Kind::Prevented)
    }
}

/// The recognitions from the workspace's data.
pub async fn recognise(store: &Store) -> Result<Recognitions> {
    recognise_with(store, Arc::new(Inputs::load(store).await?)).await
}

/// The recognitions from inputs already loaded (the agenda reads them once).
pub async fn recognise_with(store: &Store, inputs: Arc<Inputs>) -> Result<Recognitions> {
    let initiatives: Vec<StoredInitiative> = store
        .initiatives()
        .await?
        .into_iter()
        .filter(|i| i.status.has_started())
        .collect();
    let tasks = store.tasks(None).await?;
    let effects = crate::effects::measure_started_with(store, inputs.clone()).await?;
    Ok(blocking(move || {
        let weekly = inputs.weekly();
        let mut teams: Vec<Recognition> = initiatives
            .iter()
            .filter_map(|i| {
                let effect = effects.iter().find(|e| e.initiative == i.id);
                recognition_of(&inputs, weekly.as_ref(), i, &tasks, effect)
            })
            .collect();
        teams.sort_by(|a, b| {
            (b.kind == Kind::Prevented)
                .cmp(&(a.kind == Kind::Prevented))
                .then(
                    b.reduction
                        .unwrap_or(0.0)
                        .total_cmp(&a.reduction.unwrap_or(0.0)),
                )
                .then(b.tasks_done.cmp(&a.tasks_done))
                .then(a.initiative.cmp(&b.initiative))
        });
        Recognitions {
            individuals: inputs.org.recognition == Credit::Individuals,
            data_to: weekly
                .as_ref()
                .map(|w| w.monday(w.span - 1).as_str().to_owned()),
            teams,
        }
    })
    .await)
}

fn recognition_of(
    inputs: &Inputs,
    weekly: Option<&Weekly>,
    initiative: &StoredInitiative,
    tasks: &[StoredTask],
    effect: Option<&MeasuredEffect>,
) -> Option<Recognition> {
    let own: Vec<&StoredTask> = tasks
        .iter()
        .filter(|t| t.task.initiative == initiative.id)
        .collect();
    let tasks_done = own.iter().filter(|t| t.status == TaskStatus::Done).count();
    let mut people: Vec<String> = Vec::new();
    if inputs.org.recognition == Credit::Individuals {
        let done_first = own
            .iter()
            .filter(|t| t.status == TaskStatus::Done)
            .chain(own.iter().filter(|t| t.status != TaskStatus::Done));
        for task in done_first {
            let name = task.task.owner_name.trim();
            if !name.is_empty() && !people.iter().any(|p| p == name) {
                people.push(name.to_owned());
            }
        }
    }
    let mut team: Vec<String> = Vec::new();
    let mut add = |key: &str| {
        let name = inputs.org.department_name(key).to_owned();
        if !team.contains(&name) {
            team.push(name);
        }
    };
    match &initiative.initiative.owner {
        WorkOwner::Department(key) => add(key.as_str()),
        WorkOwner::Council(_) => {}
    }
    let task_departments: BTreeSet<&str> = own.iter().map(|t| t.task.department.as_str()).collect();
    for key in task_departments {
        add(key);
    }
    if team.is_empty()
        && let WorkOwner::Council(key) = &initiative.initiative.owner
    {
        team.push(
            inputs
                .org
                .councils
                .iter()
                .find(|c| &c.key == key)
                .map_or_else(|| key.to_string(), |c| c.name.to_string()),
        );
    }
    let label = |theme: i64| {
        inputs
            .themes
            .iter()
            .find(|t| t.id == theme)
            .map(|t| t.label.clone())
    };
    // The theme measures: which fell (clearly), and whether each stayed down.
    let measured: Vec<(i64, Option<f64>)> = initiative
        .initiative
        .themes
        .iter()
        .map(|&theme| {
            let fell = effect.and_then(|e| {
                e.measures
                    .iter()
                    .find(|m| m.kind == "theme_share" && m.theme == Some(theme))
            });
            let drop = fell
                .filter(|m| m.improved == Some(true))
                .and_then(|m| m.change.as_ref())
                .map(|c| c.effect);
            (theme, drop)
        })
        .collect();
    let started = initiative.started_on.as_ref()?;
    let levels = |theme: i64| -> Option<(f64, f64)> {
        let weekly = weekly?;
        let start = weekly.index_of(day_millis(started))?;
        let shares = weekly.theme_share(theme)?;
        let mean = |points: &mut dyn Iterator<Item = &(f64, f64)>| {
            let (sum, weight) = points.fold((0.0, 0.0), |(s, w), (v, n)| (s + v * n, w + n));
            (weight > 0.0).then(|| sum / weight)
        };
        let before = mean(
            &mut shares[start.saturating_sub(BEFORE_WEEKS)..start]
                .iter()
                .flatten(),
        )?;
        // The last weeks that have enough records (KPIs may run on past the feedback).
        let recent = mean(&mut shares[start..].iter().flatten().rev().take(RECENT_WEEKS))?;
        Some((before, recent))
    };
    let percent = |v: f64| v * 100.0;
    // Prevention: the biggest fall that held.
    let prevented = measured
        .iter()
        .filter_map(|&(theme, drop)| {
            let drop = drop?;
            let (before, recent) = levels(theme)?;
            // The measure is in percentage points; the levels are shares.
            let held = percent(recent) <= percent(before) + drop / 2.0;
            (held && before > 0.0).then(|| (theme, before, recent, 1.0 - recent / before))
        })
        .max_by(|a, b| a.3.total_cmp(&b.3));
    if let Some((theme, before, recent, reduction)) = prevented {
        let name = label(theme).unwrap_or_else(|| format!("theme {theme}"));
        return Some(Recognition {
            kind: Kind::Prevented,
            initiative: initiative.id,
            title: initiative.initiative.title.clone(),
            team,
            people,
            evidence: format!(
                "“{name}” fell from {:.1}% of the records before {} to {:.1}% over the last {RECENT_WEEKS} weeks, and stayed down: {:.0}% of the problem gone",
                percent(before),
                started.as_str(),
                percent(recent),
                reduction * 100.0
            ),
            theme: Some(name),
            share_before: Some(percent(before)),
            share_recent: Some(percent(recent)),
            reduction: Some(reduction),
            tasks_done,
        });
    }
    if tasks_done == 0 {
        return None;
    }
    // Resolving: work done on a problem that did not go away (or that the data cannot show).
    let first = initiative.initiative.themes.first().copied();
    let (theme, evidence, before, recent) = match first.and_then(|t| levels(t).map(|l| (t, l))) {
        Some((theme, (before, recent))) => {
            let name = label(theme).unwrap_or_else(|| format!("theme {theme}"));
            let came_back = measured
                .iter()
                .any(|&(t, drop)| t == theme && drop.is_some());
            let evidence = if came_back {
                format!(
                    "{tasks_done} task{} closed; “{name}” fell after {} but came back: {:.1}% of the records before, {:.1}% over the last {RECENT_WEEKS} weeks",
                    if tasks_done == 1 { "" } else { "s" },
                    started.as_str(),
                    percent(before),
                    percent(recent)
                )
            } else {
                format!(
                    "{tasks_done} task{} closed; “{name}” did not go away: {:.1}% of the records before {}, {:.1}% over the last {RECENT_WEEKS} weeks",
                    if tasks_done == 1 { "" } else { "s" },
                    percent(before),
                    started.as_str(),
                    percent(recent)
                )
            };
            (
                Some(name),
                evidence,
                Some(percent(before)),
                Some(percent(recent)),
            )
        }
        None => {
            let after_data =
                weekly.is_some_and(|w| w.monday(w.span - 1).as_str() < started.as_str());
            let why = if after_data {
                format!(
                    "too early to tell whether the problem goes away: it started on {}, after the latest feedback",
                    started.as_str()
                )
            } else {
                "no theme measured to show whether the problem went away".to_owned()
            };
            (
                first.and_then(label),
                format!(
                    "{tasks_done} task{} closed; {why}",
                    if tasks_done == 1 { "" } else { "s" }
                ),
                None,
                None,
            )
        }
    };
    Some(Recognition {
        kind: Kind::Resolving,
        initiative: initiative.id,
        title: initiative.initiative.title.clone(),
        team,
        people,
        theme,
        share_before: before,
        share_recent: recent,
        reduction: None,
        tasks_done,
        evidence,
    })
}
