//! The journey editor's forms read as changes: a posted form's fields (checkbox lists kept) and
//! the [`OrgEdit`] each `op` asks for.

use throughline_domain::org::file::DetectEntry;
use throughline_domain::org::{EditProblem, OrgEdit, Reassign};

/// A posted form's fields, repeated names (checkboxes) kept.
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub(super) fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.trim().is_empty())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<T, EditProblem> {
        let text = self.text(name);
        text.trim()
            .parse()
            .map_err(|_| EditProblem::at(name, format!("{text:?} is not a whole number")))
    }

    /// The detection rule typed in a moment's form: none when no event is named.
    fn detect(&self) -> Result<Option<DetectEntry>, EditProblem> {
        if self.text("event").trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(DetectEntry {
            event: self.text("event").trim().to_owned(),
            count: self.number("count")?,
            within_days: match self.optional("within_days") {
                Some(_) => Some(self.number("within_days")?),
                None => None,
            },
        }))
    }

    /// What to do with a removed stage's or touchpoint's feedback: `unplace`, `move:KEY`, or
    /// nothing chosen.
    fn reassign(&self) -> Option<Reassign> {
        let choice = self.text("feedback");
        match choice.trim() {
            "" => None,
            "unplace" => Some(Reassign::Unplace),
            other => Some(Reassign::MoveTo(
                other.strip_prefix("move:").unwrap_or(other).to_owned(),
            )),
        }
    }
}

/// The change a form asks for.
pub(super) fn edit_of(f: &Fields) -> Result<OrgEdit, EditProblem> {
    Ok(match f.text("op").as_str() {
        "add_stage" => OrgEdit::AddStage {
            key: f.text("key"),
            name: f.text("name"),
            description: f.optional("description"),
            position: None,
        },
        "update_stage" => OrgEdit::UpdateStage {
            stage: f.text("stage"),
            name: f.text("name"),
            description: f.optional("description"),
        },
        "move_stage" => OrgEdit::MoveStage {
            stage: f.text("stage"),
            position: f.number("position")?,
        },
        "remove_stage" => OrgEdit::RemoveStage {
            stage: f.text("stage"),
            feedback: f.reassign(),
        },
        "set_vocabulary" => OrgEdit::SetVocabulary {
            stage: f.text("stage"),
            phrases: f.text("phrases").lines().map(str::to_owned).collect(),
        },
        "add_touchpoint" => OrgEdit::AddTouchpoint {
            stage: f.text("stage"),
            key: f.text("key"),
            name: f.text("name"),
            channel: f.optional("channel"),
            owners: f.all("owners"),
            contributors: f.all("contributors"),
        },
        "update_touchpoint" => OrgEdit::UpdateTouchpoint {
            touchpoint: f.text("touchpoint"),
            name: f.text("name"),
            channel: f.optional("channel"),
            owners: f.all("owners"),
            contributors: f.all("contributors"),
            stage: f.optional("stage"),
        },
        "remove_touchpoint" => OrgEdit::RemoveTouchpoint {
            touchpoint: f.text("touchpoint"),
            feedback: f.reassign(),
        },
        "add_moment" => OrgEdit::AddMoment {
            name: f.text("name"),
            rank: f.number("rank")?,
            stage: f.text("stage"),
            touchpoint: f.optional("touchpoint"),
            expectation: f.text("expectation"),
            detect: f.detect()?,
        },
        "update_moment" => {
            let detect = f.detect()?;
            OrgEdit::UpdateMoment {
                moment: f.text("moment"),
                rank: f.number("rank")?,
                stage: f.text("stage"),
                touchpoint: f.optional("touchpoint"),
                expectation: f.text("expectation"),
                remove_detect: detect.is_none(),
                detect,
            }
        }
        "remove_moment" => OrgEdit::RemoveMoment {
            moment: f.text("moment"),
        },
        "set_metric_stage" => OrgEdit::SetMetricStage {
            metric: f.text("metric"),
            stage: f.optional("stage"),
        },
        other => {
            return Err(EditProblem {
                field: None,
                message: format!("unknown change {other:?}"),
            });
        }
    })
}

/// Whether the form that was posted has a field to show `field`'s message beside (checkbox
/// lists are posted only when something is ticked).
pub(super) fn shown_beside(fields: &Fields, field: &str) -> bool {
    matches!(field, "owners" | "contributors" | "feedback")
        || fields.0.iter().any(|(k, _)| k == field)
}
