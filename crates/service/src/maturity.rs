//! Culture-maturity assessments: start one (with the default model or the organisation's own,
//! and the council's target level), collect answers from people tagged with their department,
//! score them (levels, spreads, divergent departments, gaps, next steps), and follow the
//! history from one assessment to the next.

use std::collections::BTreeMap;

use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::action::required_text;
use throughline_domain::maturity::{Answers, Model, Results, score};
use throughline_store::{Store, StoredAssessment};

use crate::{Result, ServiceError};

/// An assessment with its model read back.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Assessment {
    #[serde(flatten)]
    pub stored: StoredAssessment,
    #[serde(skip)]
    pub model: Model,
}

fn model_of(stored: &StoredAssessment) -> Result<Model> {
    serde_json::from_value(stored.model.clone()).map_err(|e| {
        ServiceError::Invalid(format!(
            "assessment {}: its model cannot be read: {e}",
            stored.id
        ))
    })
}

/// Starts an assessment named `name` with `model` (the default when `None`) and the target
/// level `target` (a level's name; the third level, "Committed" by default, when `None`).
pub async fn start(
    store: &Store,
    name: &str,
    model: Option<Model>,
    target: Option<&str>,
) -> Result<Assessment> {
    let name = required_text("the assessment's name", name, 200)?;
    let model = model.unwrap_or_else(Model::default_model);
    let target = match target {
        Some(t) => model.level_named(t)?,
        None => (model.levels.len() - 1).min(2),
    };
    let json = serde_json::to_value(&model).expect("a model always serialises");
    let id = store
        .insert_assessment(&name, &json, u32::try_from(target).unwrap_or(0))
        .await?;
    assessment(store, id).await
}

/// Every assessment, open and closed.
pub async fn assessments(store: &Store) -> Result<Vec<StoredAssessment>> {
    Ok(store.assessments().await?)
}

pub async fn assessment(store: &Store, id: i64) -> Result<Assessment> {
    let stored = store
        .assessment(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no assessment {id}")))?;
    Ok(Assessment {
        model: model_of(&stored)?,
        stored,
    })
}

/// The newest open assessment, if any.
pub async fn current(store: &Store) -> Result<Option<Assessment>> {
    match store
        .assessments()
        .await?
        .into_iter()
        .rev()
        .find(|a| a.open)
    {
        Some(stored) => Ok(Some(Assessment {
            model: model_of(&stored)?,
            stored,
        })),
        None => Ok(None),
    }
}

/// Stores `respondent`'s answers (statement id → 1..5); answering again replaces them.
pub async fn answer(
    store: &Store,
    id: i64,
    respondent: &str,
    department: Option<&str>,
    answers: &BTreeMap<String, u8>,
) -> Result<()> {
    let found = assessment(store, id).await?;
    if !found.stored.open {
        return Err(ServiceError::Invalid(format!(
            "assessment {id} ({}) is closed",
            found.stored.name
        )));
    }
    let respondent = required_text("the respondent", respondent, 200)?;
    let department = match department.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            let key = Key::parse(d)?;
            let org = store.load_organisation().await?;
            if org.is_some_and(|o| o.department(&key).is_none()) {
                return Err(ServiceError::Invalid(format!(
                    "there is no department {d:?}"
                )));
            }
            Some(key.as_str().to_owned())
        }
        None => None,
    };
    found.model.check_answers(answers)?;
    if !store
        .save_response(id, &respondent, department.as_deref(), answers)
        .await?
    {
        return Err(ServiceError::Invalid(format!(
            "assessment {id} closed meanwhile"
        )));
    }
    Ok(())
}

pub async fn close(store: &Store, id: i64) -> Result<Assessment> {
    assessment(store, id).await?;
    if !store.close_assessment(id).await? {
        return Err(ServiceError::Invalid(format!(
            "assessment {id} is already closed"
        )));
    }
    assessment(store, id).await
}

/// An assessment's results; `results` is `None` until someone has answered.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AssessmentResults {
    pub assessment: Assessment,
    pub levels: Vec<String>,
    pub results: Option<Results>,
}

pub async fn results(store: &Store, id: i64) -> Result<AssessmentResults> {
    let found = assessment(store, id).await?;
    let responses = store.responses(id).await?;
    let answers: Vec<Answers<'_>> = responses
        .iter()
        .map(|r| Answers {
            department: r.department.as_deref(),
            answers: &r.answers,
        })
        .collect();
    let results = score(&found.model, &answers, found.stored.target_level as usize);
    Ok(AssessmentResults {
        levels: found.model.levels.clone(),
        assessment: found,
        results,
    })
}

/// One assessment in the history: its overall and per-area means, and the movement of each
/// area since the assessment before.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HistoryEntry {
    pub assessment: i64,
    pub name: String,
    pub on: String,
    pub respondents: u64,
    pub mean: Option<f64>,
    pub level: Option<String>,
    /// Area key → (mean, level name, change since the previous assessment).
    pub areas: BTreeMap<String, (f64, String, Option<f64>)>,
}

pub async fn history(store: &Store) -> Result<Vec<HistoryEntry>> {
    let mut entries: Vec<HistoryEntry> = Vec::new();
    for stored in store.assessments().await? {
        let r = results(store, stored.id).await?;
        let previous = entries.iter().rev().find(|e| e.mean.is_some());
        let mut areas = BTreeMap::new();
        if let Some(res) = &r.results {
            for a in &res.areas {
                let change = previous
                    .and_then(|p| p.areas.get(&a.key))
                    .map(|(m, _, _)| a.mean - m);
                areas.insert(a.key.clone(), (a.mean, a.level_name.clone(), change));
            }
        }
        entries.push(HistoryEntry {
            assessment: stored.id,
            name: stored.name.clone(),
            on: throughline_domain::action::Date::of(stored.created_at).to_string(),
            respondents: r.results.as_ref().map_or(0, |x| x.respondents),
            mean: r.results.as_ref().map(|x| x.mean),
            level: r.results.as_ref().map(|x| x.level_name.clone()),
            areas,
        });
    }
    Ok(entries)
}
