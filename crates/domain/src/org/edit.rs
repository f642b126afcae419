//! One change to the organisation made in the journey editor or proposed through the API: add,
//! rename, reorder or remove a stage; edit its vocabulary; add, change, move or remove a
//! touchpoint and who owns it; add, rank or remove a moment of truth; attach a metric to a stage.
//!
//! An edit is applied to the organisation's file form ([`OrgFile`]) and the result goes through
//! the very validation an organisation file goes through ([`OrgFile::validate`]), so the editor
//! and `apply` can never disagree about what a valid organisation is. The editor adds one rule of
//! its own: a touchpoint it adds or changes must have an owner (a file may still record an
//! unsettled touchpoint; see `validate_touchpoint`). A refused edit says which field is wrong
//! ([`EditProblem::field`]) so a form can show the message beside it.

use serde::{Deserialize, Serialize};

use super::Organisation;
use super::file::{DetectEntry, FilePath, MomentEntry, OrgFile, Seg, StageEntry, TouchpointEntry};

/// One change to the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum OrgEdit {
    /// A new stage at the end of the journey, or at `position` (1 = first).
    AddStage {
        key: String,
        name: String,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        position: Option<usize>,
    },
    /// A stage's name and description.
    UpdateStage {
        stage: String,
        name: String,
        #[serde(default)]
        description: Option<String>,
    },
    /// A stage moved to `position` (1 = first).
    MoveStage { stage: String, position: usize },
    /// A stage removed with its touchpoints. Feedback placed on it is moved to another stage or
    /// left unplaced, as [`Reassign`] says; without a choice, a stage with feedback is refused.
    RemoveStage {
        stage: String,
        #[serde(default)]
        feedback: Option<Reassign>,
    },
    /// The words and phrases that place a comment on a stage, replaced as a whole.
    SetVocabulary { stage: String, phrases: Vec<String> },
    /// A new touchpoint at the end of a stage.
    AddTouchpoint {
        stage: String,
        key: String,
        name: String,
        #[serde(default)]
        channel: Option<String>,
        owners: Vec<String>,
        #[serde(default)]
        contributors: Vec<String>,
    },
    /// A touchpoint's name, channel and departments; with `stage`, moved to that stage's end.
    UpdateTouchpoint {
        touchpoint: String,
        name: String,
        #[serde(default)]
        channel: Option<String>,
        owners: Vec<String>,
        #[serde(default)]
        contributors: Vec<String>,
        #[serde(default)]
        stage: Option<String>,
    },
    /// A touchpoint removed; feedback that names it as [`Reassign`] says.
    RemoveTouchpoint {
        touchpoint: String,
        #[serde(default)]
        feedback: Option<Reassign>,
    },
    /// A new moment of truth at `rank` (the others below it move down one), with the rule that
    /// finds it in customers' histories when it is an event.
    AddMoment {
        name: String,
        rank: u32,
        stage: String,
        #[serde(default)]
        touchpoint: Option<String>,
        expectation: String,
        #[serde(default)]
        detect: Option<DetectEntry>,
    },
    /// A moment's rank, place and expectation; its detection rule replaced when `detect` is
    /// given, removed with `remove_detect`, kept otherwise (its metrics are kept).
    UpdateMoment {
        moment: String,
        rank: u32,
        stage: String,
        #[serde(default)]
        touchpoint: Option<String>,
        expectation: String,
        #[serde(default)]
        detect: Option<DetectEntry>,
        #[serde(default)]
        remove_detect: bool,
    },
    /// A moment of truth removed; the ones ranked below it move up one.
    RemoveMoment { moment: String },
    /// A metric attached to a stage, or to none.
    SetMetricStage {
        metric: String,
        #[serde(default)]
        stage: Option<String>,
    },
}

/// What to do with the feedback placed on a stage or touchpoint that is removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reassign {
    /// Keep the records, placed on no stage (or no touchpoint) until the next analysis.
    Unplace,
    /// Move them to this stage (or touchpoint).
    MoveTo(String),
}

/// Why an edit was refused, and the form field it is about (`key`, `name`, `owners`,
/// `feedback`, …); `None` when it concerns the edit as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditProblem {
    pub field: Option<&'static str>,
    pub message: String,
}

impl EditProblem {
    pub fn at(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What a removal does to stored feedback: records on `from` go to `to` (`None`: unplaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackMove {
    pub kind: MoveKind,
    pub from: String,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveKind {
    Stage,
    Touchpoint,
}

impl OrgEdit {
    /// The stage or touchpoint this edit removes, whose stored feedback must go somewhere.
    pub fn removal(&self) -> Option<(MoveKind, &str, Option<&Reassign>)> {
        match self {
            Self::RemoveStage { stage, feedback } => {
                Some((MoveKind::Stage, stage.as_str(), feedback.as_ref()))
            }
            Self::RemoveTouchpoint {
                touchpoint,
                feedback,
            } => Some((MoveKind::Touchpoint, touchpoint.as_str(), feedback.as_ref())),
            _ => None,
        }
    }

    /// One line for a person: "Add touchpoint returns-desk (Returns desk) to stage delivery".
    pub fn summary(&self) -> String {
        match self {
            Self::AddStage { key, name, .. } => format!("Add stage {key} ({name})"),
            Self::UpdateStage { stage, name, .. } => format!("Rename stage {stage} to {name:?}"),
            Self::MoveStage { stage, position } => {
                format!("Move stage {stage} to position {position}")
            }
            Self::RemoveStage { stage, .. } => format!("Remove stage {stage}"),
            Self::SetVocabulary { stage, phrases } => format!(
                "Set the vocabulary of stage {stage} ({} phrase{})",
                phrases.len(),
                if phrases.len() == 1 { "" } else { "s" }
            ),
            Self::AddTouchpoint {
                stage, key, name, ..
            } => format!("Add touchpoint {key} ({name}) to stage {stage}"),
            Self::UpdateTouchpoint { touchpoint, .. } => format!("Change touchpoint {touchpoint}"),
            Self::RemoveTouchpoint { touchpoint, .. } => format!("Remove touchpoint {touchpoint}"),
            Self::AddMoment { name, rank, .. } => {
                format!("Add moment of truth {name:?} at rank {rank}")
            }
            Self::UpdateMoment { moment, .. } => format!("Change moment of truth {moment:?}"),
            Self::RemoveMoment { moment } => format!("Remove moment of truth {moment:?}"),
            Self::SetMetricStage { metric, stage } => match stage {
                Some(stage) => format!("Attach metric {metric} to stage {stage}"),
                None => format!("Detach metric {metric} from its stage"),
            },
        }
    }

    /// The organisation with this edit made, validated as an organisation file is; or every
    /// reason it cannot be made.
    pub fn apply(&self, org: &Organisation) -> Result<Organisation, Vec<EditProblem>> {
        let mut file = OrgFile::from(org);
        self.apply_to(&mut file).map_err(|p| vec![p])?;
        let parsed = file.validate().map_err(|problems| {
            problems
                .into_iter()
                .map(from_file_problem)
                .collect::<Vec<_>>()
        })?;
        Ok(parsed.organisation)
    }

    fn apply_to(&self, file: &mut OrgFile) -> Result<(), EditProblem> {
        let stages = &mut file.journey.stages;
        match self {
            Self::AddStage {
                key,
                name,
                description,
                position,
            } => {
                let stage = StageEntry {
                    key: key.trim().to_owned(),
                    name: name.trim().to_owned(),
                    description: text(description),
                    vocabulary: Vec::new(),
                    touchpoints: Vec::new(),
                };
                let at = position.map_or(stages.len(), |p| p.clamp(1, stages.len() + 1) - 1);
                stages.insert(at, stage);
            }
            Self::UpdateStage {
                stage,
                name,
                description,
            } => {
                let entry = stage_mut(stages, stage)?;
                entry.name = name.trim().to_owned();
                entry.description = text(description);
            }
            Self::MoveStage { stage, position } => {
                let from = stage_index(stages, stage)?;
                if *position == 0 || *position > stages.len() {
                    return Err(EditProblem::at(
                        "position",
                        format!("a position is 1 to {}, got {position}", stages.len()),
                    ));
                }
                let entry = stages.remove(from);
                stages.insert(position - 1, entry);
            }
            Self::RemoveStage { stage, .. } => {
                let at = stage_index(stages, stage)?;
                stages.remove(at);
                if stages.is_empty() {
                    return Err(EditProblem::at(
                        "stage",
                        "a journey needs at least one stage: add another before removing this one",
                    ));
                }
                refuse_references_to_stage(file, stage)?;
            }
            Self::SetVocabulary { stage, phrases } => {
                let entry = stage_mut(stages, stage)?;
                entry.vocabulary = phrases
                    .iter()
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect();
            }
            Self::AddTouchpoint {
                stage,
                key,
                name,
                channel,
                owners,
                contributors,
            } => {
                need_owner(owners)?;
                let entry = stage_mut(stages, stage)?;
                entry.touchpoints.push(TouchpointEntry {
                    key: key.trim().to_owned(),
                    name: name.trim().to_owned(),
                    channel: text(channel),
                    owners: owners.clone(),
                    contributors: contributors.clone(),
                });
            }
            Self::UpdateTouchpoint {
                touchpoint,
                name,
                channel,
                owners,
                contributors,
                stage,
            } => {
                need_owner(owners)?;
                let (s, t) = touchpoint_index(stages, touchpoint)?;
                let mut entry = stages[s].touchpoints.remove(t);
                entry.name = name.trim().to_owned();
                entry.channel = text(channel);
                entry.owners = owners.clone();
                entry.contributors = contributors.clone();
                match stage.as_deref().filter(|k| *k != stages[s].key) {
                    Some(target) => stage_mut(stages, target)?.touchpoints.push(entry),
                    None => stages[s].touchpoints.insert(t, entry),
                }
            }
            Self::RemoveTouchpoint { touchpoint, .. } => {
                let (s, t) = touchpoint_index(stages, touchpoint)?;
                stages[s].touchpoints.remove(t);
                if let Some(moment) = file
                    .moments_of_truth
                    .iter()
                    .find(|m| m.touchpoint.as_deref() == Some(touchpoint.as_str()))
                {
                    return Err(EditProblem::at(
                        "touchpoint",
                        format!(
                            "the moment of truth {:?} is at this touchpoint: move or remove it first",
                            moment.name
                        ),
                    ));
                }
            }
            Self::AddMoment {
                name,
                rank,
                stage,
                touchpoint,
                expectation,
                detect,
            } => {
                let entry = MomentEntry {
                    rank: 0,
                    name: name.trim().to_owned(),
                    stage: stage.clone(),
                    touchpoint: text(touchpoint),
                    expectation: expectation.trim().to_owned(),
                    metrics: Vec::new(),
                    detect: detect.clone(),
                };
                rank_moment(&mut file.moments_of_truth, entry, *rank)?;
            }
            Self::UpdateMoment {
                moment,
                rank,
                stage,
                touchpoint,
                expectation,
                detect,
                remove_detect,
            } => {
                let at = moment_index(&file.moments_of_truth, moment)?;
                let mut entry = file.moments_of_truth.remove(at);
                entry.stage = stage.clone();
                entry.touchpoint = text(touchpoint);
                entry.expectation = expectation.trim().to_owned();
                if *remove_detect {
                    entry.detect = None;
                } else if let Some(rule) = detect {
                    entry.detect = Some(rule.clone());
                }
                rank_moment(&mut file.moments_of_truth, entry, *rank)?;
            }
            Self::RemoveMoment { moment } => {
                let at = moment_index(&file.moments_of_truth, moment)?;
                file.moments_of_truth.remove(at);
                renumber(&mut file.moments_of_truth);
            }
            Self::SetMetricStage { metric, stage } => {
                let entry = file
                    .metrics
                    .iter_mut()
                    .find(|m| &m.key == metric)
                    .ok_or_else(|| {
                        EditProblem::at("metric", format!("there is no metric {metric:?}"))
                    })?;
                entry.stage = text(stage);
            }
        }
        Ok(())
    }
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn need_owner(owners: &[String]) -> Result<(), EditProblem> {
    if owners.iter().all(|o| o.trim().is_empty()) {
        return Err(EditProblem::at(
            "owners",
            "a touchpoint needs an owner: choose the department accountable for it",
        ));
    }
    Ok(())
}

fn stage_index(stages: &[StageEntry], key: &str) -> Result<usize, EditProblem> {
    stages
        .iter()
        .position(|s| s.key == key)
        .ok_or_else(|| EditProblem::at("stage", format!("there is no stage {key:?}")))
}

fn stage_mut<'a>(
    stages: &'a mut [StageEntry],
    key: &str,
) -> Result<&'a mut StageEntry, EditProblem> {
    let at = stage_index(stages, key)?;
    Ok(&mut stages[at])
}

fn touchpoint_index(stages: &[StageEntry], key: &str) -> Result<(usize, usize), EditProblem> {
    stages
        .iter()
        .enumerate()
        .find_map(|(s, stage)| {
            stage
                .touchpoints
                .iter()
                .position(|t| t.key == key)
                .map(|t| (s, t))
        })
        .ok_or_else(|| EditProblem::at("touchpoint", format!("there is no touchpoint {key:?}")))
}

fn moment_index(moments: &[MomentEntry], name: &str) -> Result<usize, EditProblem> {
    moments
        .iter()
        .position(|m| m.name == name)
        .ok_or_else(|| EditProblem::at("moment", format!("there is no moment of truth {name:?}")))
}

/// Puts `entry` at `rank` among the moments and numbers them 1, 2, 3… again.
fn rank_moment(
    moments: &mut Vec<MomentEntry>,
    entry: MomentEntry,
    rank: u32,
) -> Result<(), EditProblem> {
    if rank == 0 {
        return Err(EditProblem::at(
            "rank",
            "rank must be 1 or more (1 = most critical)",
        ));
    }
    moments.sort_by_key(|m| m.rank);
    let at = (rank as usize - 1).min(moments.len());
    moments.insert(at, entry);
    renumber(moments);
    Ok(())
}

fn renumber(moments: &mut [MomentEntry]) {
    moments.sort_by_key(|m| if m.rank == 0 { i64::MIN } else { m.rank });
    for (i, m) in moments.iter_mut().enumerate() {
        m.rank = i as i64 + 1;
    }
}

/// A removed stage may not leave a moment of truth or a metric pointing at it: the person says
/// where those go first, rather than the edit silently dropping them.
fn refuse_references_to_stage(file: &OrgFile, stage: &str) -> Result<(), EditProblem> {
    if let Some(moment) = file.moments_of_truth.iter().find(|m| m.stage == stage) {
        return Err(EditProblem::at(
            "stage",
            format!(
                "the moment of truth {:?} is on this stage: move or remove it first",
                moment.name
            ),
        ));
    }
    if let Some(metric) = file
        .metrics
        .iter()
        .find(|m| m.stage.as_deref() == Some(stage))
    {
        return Err(EditProblem::at(
            "stage",
            format!(
                "the metric {:?} is attached to this stage: attach it to another stage first",
                metric.name
            ),
        ));
    }
    Ok(())
}

/// A validation problem of the edited file, told by the field it is about.
fn from_file_problem(problem: super::OrgProblem) -> EditProblem {
    EditProblem {
        field: last_field(&problem.path),
        message: problem.message,
    }
}

fn last_field(path: &FilePath) -> Option<&'static str> {
    path.0.iter().rev().find_map(|seg| match seg {
        Seg::Field(name) => Some(*name),
        Seg::Index(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::parse;

    fn example() -> Organisation {
        parse(include_str!("../../../../examples/org.toml"))
            .expect("the example organisation is valid")
            .organisation
    }

    fn first_touchpoint(org: &Organisation) -> (String, String) {
        let (stage, tp) = org.touchpoints().next().expect("a touchpoint");
        (stage.key.to_string(), tp.key.to_string())
    }

    #[test]
    fn a_touchpoint_is_added_with_its_owner_and_passes_the_files_checks() {
        let org = example();
        let stage = org.journey.stages[0].key.to_string();
        let owner = org.departments[0].key.to_string();
        let edit = OrgEdit::AddTouchpoint {
            stage: stage.clone(),
            key: "returns-desk".into(),
            name: "Returns desk".into(),
            channel: Some("in store".into()),
            owners: vec![owner.clone()],
            contributors: vec![],
        };
        let after = edit.apply(&org).expect("a valid edit");
        let tp = after
            .touchpoints()
            .find(|(_, t)| t.key.as_str() == "returns-desk")
            .expect("added");
        assert_eq!(tp.0.key.as_str(), stage);
        assert_eq!(tp.1.owners[0].as_str(), owner);
        // The edited organisation is a file `apply` accepts as it is.
        assert_eq!(parse(&after.to_toml()).expect("valid").organisation, after);
    }

    #[test]
    fn an_edit_that_leaves_a_touchpoint_without_an_owner_is_refused_beside_the_owners() {
        let org = example();
        let (_, touchpoint) = first_touchpoint(&org);
        let edit = OrgEdit::UpdateTouchpoint {
            touchpoint,
            name: "Anything".into(),
            channel: None,
            owners: vec![],
            contributors: vec![],
            stage: None,
        };
        let problems = edit.apply(&org).expect_err("refused");
        assert_eq!(problems[0].field, Some("owners"));
        assert!(
            problems[0].message.contains("needs an owner"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_files_own_checks_refuse_an_unknown_department_and_a_duplicate_key() {
        let org = example();
        let (stage, touchpoint) = first_touchpoint(&org);
        let unknown = OrgEdit::AddTouchpoint {
            stage: stage.clone(),
            key: "new-one".into(),
            name: "New one".into(),
            channel: None,
            owners: vec!["no-such-department".into()],
            contributors: vec![],
        };
        let problems = unknown.apply(&org).expect_err("refused");
        assert_eq!(problems[0].field, Some("owners"), "{problems:?}");
        assert!(
            problems[0].message.contains("no-such-department"),
            "{problems:?}"
        );
        let duplicate = OrgEdit::AddTouchpoint {
            stage,
            key: touchpoint,
            name: "Again".into(),
            channel: None,
            owners: vec![org.departments[0].key.to_string()],
            contributors: vec![],
        };
        let problems = duplicate.apply(&org).expect_err("refused");
        assert_eq!(problems[0].field, Some("key"), "{problems:?}");
    }

    #[test]
    fn stages_move_and_moments_keep_ranks_one_to_n() {
        let org = example();
        let last = org.journey.stages.last().expect("stages").key.to_string();
        let moved = OrgEdit::MoveStage {
            stage: last.clone(),
            position: 1,
        }
        .apply(&org)
        .expect("moved");
        assert_eq!(moved.journey.stages[0].key.as_str(), last);
        assert_eq!(moved.journey.stages.len(), org.journey.stages.len());

        let added = OrgEdit::AddMoment {
            name: "First impression".into(),
            rank: 1,
            stage: last,
            touchpoint: None,
            expectation: "Someone greets me".into(),
            detect: None,
        }
        .apply(&org)
        .expect("added");
        assert_eq!(added.moments_of_truth.len(), org.moments_of_truth.len() + 1);
        let mut ranks: Vec<u32> = added.moments_of_truth.iter().map(|m| m.rank).collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (1..=ranks.len() as u32).collect::<Vec<_>>());
        let first = added
            .moments_of_truth
            .iter()
            .find(|m| m.rank == 1)
            .expect("rank 1");
        assert_eq!(first.name.as_str(), "First impression");
    }

    #[test]
    fn a_moments_detection_rule_is_set_checked_and_removed() {
        let org = example();
        let moment = &org.moments_of_truth[0];
        let update = |detect, remove_detect| OrgEdit::UpdateMoment {
            moment: moment.name.to_string(),
            rank: moment.rank,
            stage: moment.stage.to_string(),
            touchpoint: moment.touchpoint.as_ref().map(ToString::to_string),
            expectation: moment.expectation.clone(),
            detect,
            remove_detect,
        };
        let rule = DetectEntry {
            event: "contact".into(),
            count: 3,
            within_days: Some(30),
        };
        let set = update(Some(rule), false).apply(&org).expect("a valid rule");
        let found = set
            .moments_of_truth
            .iter()
            .find(|m| m.name == moment.name)
            .unwrap();
        assert_eq!(
            found.detect.as_ref().unwrap().describe(),
            "3rd contact within 30 days"
        );
        let kept = update(None, false).apply(&set).unwrap();
        assert_eq!(kept, set, "no rule given keeps the rule");
        let removed = update(None, true).apply(&set).unwrap();
        assert!(
            removed
                .moments_of_truth
                .iter()
                .all(|m| m.name != moment.name || m.detect.is_none())
        );
        let bad = DetectEntry {
            event: "contact".into(),
            count: 0,
            within_days: None,
        };
        let problems = update(Some(bad), false).apply(&org).expect_err("refused");
        assert_eq!(problems[0].field, Some("count"), "{problems:?}");
    }

    #[test]
    fn a_stage_that_a_moment_is_on_cannot_be_removed_until_the_moment_moves() {
        let org = example();
        let moment = &org.moments_of_truth[0];
        let problems = OrgEdit::RemoveStage {
            stage: moment.stage.to_string(),
            feedback: None,
        }
        .apply(&org)
        .expect_err("refused");
        assert!(
            problems[0].message.contains("moment of truth"),
            "{problems:?}"
        );
    }

    #[test]
    fn edits_read_and_write_as_json_tagged_by_op() {
        let edit: OrgEdit = serde_json::from_str(
            r#"{"op":"remove_stage","stage":"delivery","feedback":{"move_to":"installation"}}"#,
        )
        .expect("parses");
        assert_eq!(
            edit,
            OrgEdit::RemoveStage {
                stage: "delivery".into(),
                feedback: Some(Reassign::MoveTo("installation".into())),
            }
        );
        let unknown = serde_json::from_str::<OrgEdit>(
            r#"{"op":"add_stage","key":"x","name":"X","colour":"red"}"#,
        );
        let e = (unknown).unwrap_err().to_string();
        assert!(e.contains("unknown field `colour`"), "{e}");
    }
}
