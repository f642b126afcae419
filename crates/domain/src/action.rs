//! Action management: root-cause analyses (5 whys), initiatives with a measurable objective and
//! an approval workflow, tasks. Types here are valid by construction; the workflow's legal
//! transitions live in [`InitiativeStatus::check_transition`].

use serde::{Deserialize, Serialize};

pub use crate::date::Date;
use crate::primitives::{Key, ValidationError};

/// Text a person wrote: trimmed, not empty, at most `max` characters.
pub fn required_text(what: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValidationError::new(format!("{what} cannot be empty")));
    }
    if value.chars().count() > max {
        return Err(ValidationError::new(format!(
            "{what} is longer than {max} characters"
        )));
    }
    Ok(value.to_owned())
}

/// Who owns a piece of work: a department, or a council.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum WorkOwner {
    Department(Key),
    Council(Key),
}

impl WorkOwner {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Department(_) => "department",
            Self::Council(_) => "council",
        }
    }

    pub fn key(&self) -> &Key {
        match self {
            Self::Department(k) | Self::Council(k) => k,
        }
    }

    pub fn from_parts(kind: &str, key: &str) -> Result<Self, ValidationError> {
        let key = Key::parse(key)?;
        match kind {
            "department" => Ok(Self::Department(key)),
            "council" => Ok(Self::Council(key)),
            other => Err(ValidationError::new(format!(
                "owner kind {other:?}: use department or council"
            ))),
        }
    }
}

/// A root-cause analysis attached to a theme: the problem, up to five whys, the root cause, the
/// corrective action or standard, the metric that tracks it, who took part, and example records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewRootCause {
    pub theme: i64,
    pub problem: String,
    pub whys: Vec<String>,
    pub root_cause: String,
    pub corrective_action: String,
    pub metric: String,
    /// Participants as "Name (department-key)" or a name alone.
    pub participants: Vec<Participant>,
    /// Feedback record ids of the example verbatims.
    pub verbatims: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Participant {
    pub name: String,
    pub department: Option<Key>,
}

impl Participant {
    /// `Name (department-key)` or `Name`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        if let Some(open) = text.rfind('(')
            && text.ends_with(')')
        {
            let name = required_text("a participant's name", &text[..open], 200)?;
            let department = Key::parse(text[open + 1..text.len() - 1].trim())?;
            return Ok(Self {
                name,
                department: Some(department),
            });
        }
        Ok(Self {
            name: required_text("a participant's name", text, 200)?,
            department: None,
        })
    }
}

/// Five whys at most: the method's own limit.
pub const MAX_WHYS: usize = 5;

impl NewRootCause {
    /// Checks the analysis: a problem, one to five whys, a root cause, a corrective action and
    /// a metric, all non-empty.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.problem = required_text("the problem statement", &self.problem, 2000)?;
        if self.whys.is_empty() || self.whys.len() > MAX_WHYS {
            return Err(ValidationError::new(format!(
                "a 5-whys analysis has one to {MAX_WHYS} whys, not {}",
                self.whys.len()
            )));
        }
        self.whys = self
            .whys
            .iter()
            .enumerate()
            .map(|(i, w)| required_text(&format!("why {}", i + 1), w, 2000))
            .collect::<Result<_, _>>()?;
        self.root_cause = required_text("the root cause", &self.root_cause, 2000)?;
        self.corrective_action =
            required_text("the corrective action", &self.corrective_action, 2000)?;
        self.metric = required_text("the metric", &self.metric, 200)?;
        Ok(self)
    }
}

/// Where an initiative stands. The workflow: proposed → approved or rejected (by the strategic
/// council) → active → done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InitiativeStatus {
    Proposed,
    Approved,
    Rejected,
    Active,
    Done,
}

impl InitiativeStatus {
    pub const ALL: [Self; 5] = [
        Self::Proposed,
        Self::Approved,
        Self::Rejected,
        Self::Active,
        Self::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Active => "active",
            Self::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| ValidationError::new(format!("unknown initiative status {text:?}")))
    }

    /// Whether an initiative in this status has started (active or done): only those have a
    /// start day, an effect to measure and a team to recognise.
    pub fn has_started(self) -> bool {
        matches!(self, Self::Active | Self::Done)
    }

    /// Whether the workflow allows going from `self` to `to`; the error says what is allowed.
    pub fn check_transition(self, to: Self) -> Result<(), ValidationError> {
        use InitiativeStatus::*;
        let allowed: &[Self] = match self {
            Proposed => &[Approved, Rejected],
            Approved => &[Active],
            Active => &[Done],
            Rejected | Done => &[],
        };
        if allowed.contains(&to) {
            return Ok(());
        }
        let next = if allowed.is_empty() {
            format!("a {} initiative is closed", self.as_str())
        } else {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            format!(
                "a {} initiative can only become {}",
                self.as_str(),
                names.join(" or ")
            )
        };
        Err(ValidationError::new(format!(
            "cannot make the initiative {}: {next}",
            to.as_str()
        )))
    }
}

/// A measurable objective: move `metric` from `baseline` to `target` by `due`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Objective {
    pub metric: String,
    pub baseline: f64,
    pub target: f64,
    pub due: Date,
}

impl Objective {
    pub fn new(
        metric: &str,
        baseline: f64,
        target: f64,
        due: Date,
    ) -> Result<Self, ValidationError> {
        let metric = required_text("the objective's metric", metric, 200)?;
        if !baseline.is_finite() || !target.is_finite() {
            return Err(ValidationError::new("baseline and target must be numbers"));
        }
        if baseline == target {
            return Err(ValidationError::new(format!(
                "the target ({target}) must differ from the baseline: an objective moves a metric"
            )));
        }
        Ok(Self {
            metric,
            baseline,
            target,
            due,
        })
    }

    /// Progress toward the target, 0–100: the share of the way from baseline to target that
    /// `current` has covered (either direction), clamped.
    pub fn progress(&self, current: f64) -> f64 {
        ((current - self.baseline) / (self.target - self.baseline) * 100.0).clamp(0.0, 100.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text {
            "open" => Ok(Self::Open),
            "done" => Ok(Self::Done),
            other => Err(ValidationError::new(format!(
                "unknown task status {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::Timestamp;

    #[test]
    fn dates_are_real_calendar_days() {
        assert_eq!(Date::parse(" 2026-02-28 ").unwrap().as_str(), "2026-02-28");
        assert!(Date::parse("2028-02-29").is_ok());
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "2026-04-31",
            "soon",
        ] {
            let err = Date::parse(bad).unwrap_err();
            assert!(err.to_string().contains("YYYY-MM-DD"), "{bad}: {err}");
        }
        assert!(Date::parse("2026-01-02").unwrap() < Date::parse("2026-10-01").unwrap());
        assert_eq!(Date::of(Timestamp::from_millis(0)).as_str(), "1970-01-01");
        // 2028-02-29T23:59:59.999Z and the next millisecond.
        assert_eq!(
            Date::of(Timestamp::from_millis(1_835_481_599_999)).as_str(),
            "2028-02-29"
        );
        assert_eq!(
            Date::of(Timestamp::from_millis(1_835_481_600_000)).as_str(),
            "2028-03-01"
        );
    }

    #[test]
    fn the_workflow_refuses_illegal_steps_with_the_reason() {
        use InitiativeStatus::*;
        assert!(Proposed.check_transition(Approved).is_ok());
        assert!(Proposed.check_transition(Rejected).is_ok());
        assert!(Approved.check_transition(Active).is_ok());
        assert!(Active.check_transition(Done).is_ok());
        let err = Proposed.check_transition(Done).unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot make the initiative done: a proposed initiative can only become approved or rejected"
        );
        let err = Rejected.check_transition(Active).unwrap_err().to_string();
        assert!(err.contains("a rejected initiative is closed"), "{err}");
        let e = (Done.check_transition(Active)).unwrap_err().to_string();
        assert!(e.contains("a done initiative is closed"), "{e}");
        for s in InitiativeStatus::ALL {
            assert_eq!(InitiativeStatus::parse(s.as_str()).unwrap(), s);
        }
        let started: Vec<_> = InitiativeStatus::ALL
            .into_iter()
            .filter(|s| s.has_started())
            .collect();
        assert_eq!(started, [Active, Done]);
    }

    #[test]
    fn objectives_measure_progress_either_way() {
        let due = Date::parse("2027-03-31").unwrap();
        let up = Objective::new("nps", 10.0, 30.0, due.clone()).unwrap();
        assert_eq!(up.progress(20.0), 50.0);
        assert_eq!(up.progress(5.0), 0.0);
        assert_eq!(up.progress(40.0), 100.0);
        let down = Objective::new("days to refund", 14.0, 4.0, due.clone()).unwrap();
        assert_eq!(down.progress(9.0), 50.0);
        let e = (Objective::new("nps", 10.0, 10.0, due.clone()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must differ from the baseline"), "{e}");
        let e = (Objective::new("  ", 1.0, 2.0, due))
            .unwrap_err()
            .to_string();
        assert!(e.contains("metric cannot be empty"), "{e}");
    }

    #[test]
    fn a_root_cause_analysis_has_one_to_five_whys() {
        let rca = NewRootCause {
            theme: 1,
            problem: " Refunds take weeks ".into(),
            whys: vec!["approval waits for a weekly batch".into()],
            root_cause: "manual approval".into(),
            corrective_action: "approve refunds under 200 automatically".into(),
            metric: "days to refund".into(),
            participants: vec![Participant::parse("Ana Silva (billing)").unwrap()],
            verbatims: vec![],
        };
        assert_eq!(
            rca.clone().validate().unwrap().problem,
            "Refunds take weeks"
        );
        let mut six = rca.clone();
        six.whys = vec!["why".into(); 6];
        assert!(
            six.validate()
                .unwrap_err()
                .to_string()
                .contains("one to 5 whys")
        );
        let mut blank = rca;
        blank.whys = vec!["ok".into(), "  ".into()];
        assert!(blank.validate().unwrap_err().to_string().contains("why 2"));
        let p = Participant::parse("Ana Silva (billing)").unwrap();
        assert_eq!(
            (p.name.as_str(), p.department.unwrap().as_str()),
            ("Ana Silva", "billing")
        );
        assert_eq!(Participant::parse("Tom").unwrap().department, None);
        let e = (Participant::parse("Tom (Not A Key)"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("may hold only lowercase letters"), "{e}");
    }
}
