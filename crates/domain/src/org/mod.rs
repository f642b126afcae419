//! The organisation: departments, the customer journey (stages, touchpoints and who owns them),
//! moments of truth, councils and metric definitions.
//!
//! [`Organisation`] values are made by [`file::parse`] (from the organisation file people write)
//! or by the store from what was applied earlier; both go through the same validation in
//! `file.rs`, so an `Organisation` always has consistent cross-references.

pub mod diff;
pub mod edit;
pub mod file;
pub mod follow_up;
pub mod gaps;
pub mod surveys;

use serde::{Deserialize, Serialize};

use crate::primitives::{Email, Key, Name};

pub use diff::{Change, ChangeKind, OrgDiff};
pub use edit::{EditProblem, FeedbackMove, MoveKind, OrgEdit, Reassign};
pub use file::{OrgFile, OrgProblem, Parsed, parse};

/// The whole organisation as applied from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub name: Name,
    pub departments: Vec<Department>,
    pub journey: Journey,
    pub moments_of_truth: Vec<MomentOfTruth>,
    pub councils: Vec<Council>,
    pub metrics: Vec<MetricDefinition>,
    /// Which feedback opens a follow-up case (the inner loop).
    pub follow_up: Vec<follow_up::FollowUpRule>,
    /// The journey surveys the file declares (made on apply when missing).
    pub surveys: Vec<surveys::SurveyDefinition>,
    /// Whom recognition of prevention credits: teams (the default) or the individuals on them.
    pub recognition: Credit,
}

/// Whom recognition of prevention credits. Teams by default: "the structure must reward
/// cross-functional teams that prevent problems, not heroes who fight fires"; an organisation
/// that recognises people names them too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Credit {
    #[default]
    Teams,
    /// The teams and, by name, the people who did the initiative's tasks.
    Individuals,
}

impl Credit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Teams => "teams",
            Self::Individuals => "individuals",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "teams" => Some(Self::Teams),
            "individuals" => Some(Self::Individuals),
            _ => None,
        }
    }
}

/// A person named in the organisation: a department lead, a CX champion, a council member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: Name,
    pub email: Option<Email>,
}

/// The manager of one customer-experience component of a department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CxManager {
    pub person: Person,
    /// What they manage ("Loyalty programme", "Website", "Customer references").
    pub component: Name,
}

/// A silo or line of business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub key: Key,
    pub name: Name,
    pub description: Option<String>,
    pub lead: Option<Person>,
    /// The CX champions who carry the customer's voice inside the department.
    pub champions: Vec<Person>,
    /// The managers of the department's customer-experience components (loyalty, references,
    /// the website, billing, analytics…): they meet with the champions in the champions'
    /// network to compare notes and coordinate.
    pub cx_managers: Vec<CxManager>,
    /// False for departments that never meet a customer (IT, Finance). They still receive
    /// customer stories: hearing the customer is everyone's job.
    pub customer_facing: bool,
}

/// The customer's journey: stages in the order the customer lives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey {
    pub name: Name,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub key: Key,
    pub name: Name,
    pub description: Option<String>,
    /// Words and phrases that place a comment on this stage ("delivery", "arrived late").
    pub vocabulary: Vec<String>,
    pub touchpoints: Vec<Touchpoint>,
}

/// Where the customer meets the company within a stage. Touchpoint keys are unique across the
/// journey, so feedback can name a touchpoint without its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touchpoint {
    pub key: Key,
    pub name: Name,
    pub channel: Option<String>,
    /// Departments that own the touchpoint: accountable for it. Empty while a mapping workshop
    /// has not settled it — a gap the journey check reports (see [`gaps`]).
    pub owners: Vec<Key>,
    /// Departments whose work affects it without owning it.
    pub contributors: Vec<Key>,
}

/// How a department affects a touchpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OwnershipRole {
    Owner,
    Contributor,
}

impl OwnershipRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Contributor => "contributor",
        }
    }
}

/// A moment that matters most to the customer, ranked (1 = most critical), with the customer's
/// expectation written down. It may be a touchpoint or an event within a stage ("third contact
/// in a month").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentOfTruth {
    pub rank: u32,
    pub name: Name,
    pub stage: Key,
    pub touchpoint: Option<Key>,
    pub expectation: String,
    /// The metrics that watch this moment (keys of [`MetricDefinition`]s). A moment with none
    /// is a gap the journey check reports: nobody would see it fail.
    pub metrics: Vec<Key>,
    /// How to find the customers who lived it in their histories, when it is an event
    /// ("the third contact within 30 days", "the 100th order").
    pub detect: Option<DetectRule>,
}

/// A moment of truth as an event in a customer's history: the `count`-th event of kind `event`
/// within `within_days` days (of the first of those events), or ever when `None`. Feedback
/// records are `contact` events; other kinds come from `throughline events import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectRule {
    pub event: Key,
    pub count: u32,
    pub within_days: Option<u32>,
}

impl DetectRule {
    /// The largest count and window a rule may name.
    pub const MAX_COUNT: u32 = 100_000;
    pub const MAX_DAYS: u32 = 3_650;

    /// "3rd contact within 30 days", "100th order".
    pub fn describe(&self) -> String {
        let n = self.count;
        let suffix = match (n % 10, n % 100) {
            (_, 11..=13) => "th",
            (1, _) => "st",
            (2, _) => "nd",
            (3, _) => "rd",
            _ => "th",
        };
        match self.within_days {
            Some(days) => format!(
                "{n}{suffix} {} within {days} day{}",
                self.event,
                if days == 1 { "" } else { "s" }
            ),
            None => format!("{n}{suffix} {}", self.event),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouncilKind {
    /// Representatives of every department, meeting monthly, running the programmes.
    Operational,
    /// Senior leaders, meeting at least quarterly, approving tactics and granting resources.
    Strategic,
    /// The champions' network: the CX champions of every department, meeting at least
    /// quarterly to compare notes, share best practices and coordinate what crosses their
    /// departments. Its members are the departments' champions unless the file names others.
    Champions,
}

impl CouncilKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::Strategic => "strategic",
            Self::Champions => "champions",
        }
    }

    pub fn default_cadence(self) -> Cadence {
        match self {
            Self::Operational => Cadence::Monthly,
            Self::Strategic | Self::Champions => Cadence::Quarterly,
        }
    }
}

/// How often a council meets. Quarterly is the least often any council may meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Weekly,
    Fortnightly,
    Monthly,
    Quarterly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Fortnightly => "fortnightly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Council {
    pub key: Key,
    pub name: Name,
    pub kind: CouncilKind,
    pub cadence: Cadence,
    pub chair: CouncilMember,
    pub members: Vec<CouncilMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilMember {
    pub person: Person,
    pub title: Option<String>,
    /// The department the member represents; none for an independent chair or executive.
    pub department: Option<Key>,
}

/// Which way a metric should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HigherIsBetter => "higher_is_better",
            Self::LowerIsBetter => "lower_is_better",
        }
    }
}

/// An operational time series owned by a department (complaint calls per week, lead volume,
/// first-contact resolution), optionally attached to a journey stage. A department's metrics
/// are its KPIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDefinition {
    pub key: Key,
    pub name: Name,
    pub unit: String,
    pub department: Key,
    pub stage: Option<Key>,
    pub direction: Direction,
    pub description: Option<String>,
}

impl Organisation {
    pub fn department(&self, key: &Key) -> Option<&Department> {
        self.departments.iter().find(|d| &d.key == key)
    }

    pub fn stage(&self, key: &Key) -> Option<&Stage> {
        self.journey.stages.iter().find(|s| &s.key == key)
    }

    /// A department's name for people; the key itself when it names no department.
    pub fn department_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.departments
            .iter()
            .find(|d| d.key.as_str() == key)
            .map_or(key, |d| d.name.as_str())
    }

    /// A stage's name for people; the key itself when it names no stage.
    pub fn stage_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.journey
            .stages
            .iter()
            .find(|s| s.key.as_str() == key)
            .map_or(key, |s| s.name.as_str())
    }

    /// Every touchpoint with the stage it belongs to, in journey order.
    pub fn touchpoints(&self) -> impl Iterator<Item = (&Stage, &Touchpoint)> {
        self.journey
            .stages
            .iter()
            .flat_map(|stage| stage.touchpoints.iter().map(move |tp| (stage, tp)))
    }

    /// The stages a department takes part in (owning or contributing to one of their
    /// touchpoints), in journey order.
    pub fn stages_of_department(&self, department: &str) -> Vec<&Stage> {
        self.journey
            .stages
            .iter()
            .filter(|s| {
                s.touchpoints.iter().any(|tp| {
                    tp.owners.iter().any(|o| o.as_str() == department)
                        || tp.contributors.iter().any(|c| c.as_str() == department)
                })
            })
            .collect()
    }

    /// The departments that affect a stage through any of its touchpoints, with the strongest
    /// role each has there, in the order departments are declared.
    pub fn departments_of_stage(&self, stage: &Stage) -> Vec<(&Department, OwnershipRole)> {
        self.departments
            .iter()
            .filter_map(|dept| {
                let owns = stage
                    .touchpoints
                    .iter()
                    .any(|tp| tp.owners.contains(&dept.key));
                let contributes = stage
                    .touchpoints
                    .iter()
                    .any(|tp| tp.contributors.contains(&dept.key));
                match (owns, contributes) {
                    (true, _) => Some((dept, OwnershipRole::Owner)),
                    (false, true) => Some((dept, OwnershipRole::Contributor)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Counts for a one-line summary.
    pub fn summary(&self) -> OrgSummary {
        OrgSummary {
            departments: self.departments.len(),
            stages: self.journey.stages.len(),
            touchpoints: self.touchpoints().count(),
            moments_of_truth: self.moments_of_truth.len(),
            councils: self.councils.len(),
            council_members: self.councils.iter().map(|c| c.members.len() + 1).sum(),
            metrics: self.metrics.len(),
            vocabulary_phrases: self.journey.stages.iter().map(|s| s.vocabulary.len()).sum(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrgSummary {
    pub departments: usize,
    pub stages: usize,
    pub touchpoints: usize,
    pub moments_of_truth: usize,
    pub councils: usize,
    /// Members including chairs.
    pub council_members: usize,
    pub metrics: usize,
    pub vocabulary_phrases: usize,
}
