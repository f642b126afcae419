//! The organisation file (`org.toml`): its format, parsing with line-numbered errors, the
//! validation of every cross-reference, and export back to TOML.
//!
//! Parsing happens in two steps. Serde reads the text into [`OrgFile`] (plain strings), which
//! catches syntax errors, unknown fields and wrong types with their position. Then
//! [`OrgFile::validate`] turns it into an [`Organisation`], collecting *every* problem with the
//! path of the value at fault (`journey.stages[2].touchpoints[0].owners[1]`); [`parse`] maps each
//! path back to a line and column through a span-keeping parse of the same text. Keeping spans
//! out of the serde structs lets the same structs serve export and the store.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    Cadence, Council, CouncilKind, CouncilMember, Credit, CxManager, Department, DetectRule,
    Direction, Journey, MetricDefinition, MomentOfTruth, Organisation, Person, Stage, Touchpoint,
};
use crate::primitives::{Email, Key, Name, ValidationError};

// ---------------------------------------------------------------------------------------------
// The file format
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgFile {
    pub organisation: OrganisationEntry,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<DepartmentEntry>,
    pub journey: JourneyEntry,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moments_of_truth: Vec<MomentEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub councils: Vec<CouncilEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricEntry>,
    /// The inner loop's rules: which feedback needs someone to get back to the customer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_up: Vec<super::follow_up::FollowUpEntry>,
    /// The journey surveys Throughline hosts (docs/surveys.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<super::surveys::SurveyEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationEntry {
    pub name: String,
    /// Whom recognition credits: "teams" (left out: the default) or "individuals".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentEntry {
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent means true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_facing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<PersonEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub champions: Vec<PersonEntry>,
    /// The managers of its customer-experience components; optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cx_managers: Vec<CxManagerEntry>,
}

/// `{ name = "…", email = "…", component = "Loyalty programme" }` in a department's
/// `cx_managers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CxManagerEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub component: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JourneyEntry {
    pub name: String,
    #[serde(default)]
    pub stages: Vec<StageEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageEntry {
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vocabulary: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub touchpoints: Vec<TouchpointEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TouchpointEntry {
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MomentEntry {
    pub rank: i64,
    pub name: String,
    pub stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touchpoint: Option<String>,
    pub expectation: String,
    /// Keys of the metrics that watch the moment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// The rule that finds the moment in customers' histories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect: Option<DetectEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectEntry {
    /// The kind of event: `contact` (feedback records and imported contacts), `order`, …
    pub event: String,
    pub count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CouncilEntry {
    pub key: String,
    pub name: String,
    pub kind: CouncilKind,
    /// Absent means the kind's default: monthly for operational, quarterly for strategic and
    /// champions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<Cadence>,
    pub chair: MemberEntry,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricEntry {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub department: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Problems and where they are
// ---------------------------------------------------------------------------------------------

/// One step of the path to a value in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Field(&'static str),
    Index(usize),
}

impl From<&'static str> for Seg {
    fn from(field: &'static str) -> Self {
        Self::Field(field)
    }
}

impl From<usize> for Seg {
    fn from(index: usize) -> Self {
        Self::Index(index)
    }
}

/// The path to a value, such as `journey.stages[2].touchpoints[0].owners[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePath(pub Vec<Seg>);

impl fmt::Display for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Field(name) if i == 0 => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

macro_rules! path {
    ($($seg:expr),* $(,)?) => { FilePath(vec![$(Seg::from($seg)),*]) };
}

/// A problem (or a warning) found in an organisation file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgProblem {
    /// 1-based line and column, when the problem could be placed in the text.
    pub position: Option<(usize, usize)>,
    pub path: FilePath,
    pub message: String,
}

impl fmt::Display for OrgProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{line}:{column}: ")?,
            None if !self.path.0.is_empty() => write!(f, "{}: ", self.path)?,
            None => {}
        }
        f.write_str(&self.message)
    }
}

/// A valid organisation and the warnings worth telling its author about.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub organisation: Organisation,
    pub warnings: Vec<OrgProblem>,
}

/// Parses and validates the text of an organisation file. On failure, every problem found is
/// returned with its line and column.
pub fn parse(source: &str) -> Result<Parsed, Vec<OrgProblem>> {
    let file: OrgFile = toml::from_str(source).map_err(|err| {
        vec![OrgProblem {
            position: err.span().map(|span| line_column(source, span.start)),
            path: FilePath::default(),
            message: err.message().trim().to_owned(),
        }]
    })?;
    // The span-keeping parse is done once, and only when there is something to place.
    let mut document = None;
    let mut locate = |mut problem: OrgProblem| {
        let doc = document.get_or_insert_with(|| toml_edit::Document::parse(source).ok());
        problem.position = doc
            .as_ref()
            .and_then(|doc| locate_path(source, doc, &problem.path));
        problem
    };
    match file.validate() {
        Ok(parsed) => Ok(Parsed {
            organisation: parsed.organisation,
            warnings: parsed.warnings.into_iter().map(&mut locate).collect(),
        }),
        Err(problems) => Err(problems.into_iter().map(&mut locate).collect()),
    }
}

fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Finds the position of the value at `path`, or of the deepest part of the path that exists.
fn locate_path(
    source: &str,
    doc: &toml_edit::Document<&str>,
    path: &FilePath,
) -> Option<(usize, usize)> {
    let mut item = doc.as_item();
    let mut span = None;
    for seg in &path.0 {
        let next = match seg {
            Seg::Field(name) => item.get(*name),
            Seg::Index(index) => item.get(*index),
        };
        let Some(next) = next else { break };
        item = next;
        span = item.span().or(span);
    }
    span.map(|span| line_column(source, span.start))
}

// ---------------------------------------------------------------------------------------------
// Validation: OrgFile -> Organisation
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Checker {
    problems: Vec<OrgProblem>,
    warnings: Vec<OrgProblem>,
}

impl Checker {
    fn problem(&mut self, path: FilePath, message: impl Into<String>) {
        self.problems.push(OrgProblem {
            position: None,
            path,
            message: message.into(),
        });
    }

    fn warn(&mut self, path: FilePath, message: impl Into<String>) {
        self.warnings.push(OrgProblem {
            position: None,
            path,
            message: message.into(),
        });
    }

    fn check<T>(&mut self, path: FilePath, result: Result<T, ValidationError>) -> Option<T> {
        result.map_err(|err| self.problem(path, err.0)).ok()
    }

    /// Records `key` as seen; reports it when another entry already used it.
    fn unique(
        &mut self,
        seen: &mut HashMap<String, usize>,
        value: &str,
        index: usize,
        what: &str,
        path: FilePath,
    ) {
        if let Some(first) = seen.insert(value.to_owned(), index) {
            self.problem(
                path,
                format!(
                    "duplicate {what} {value:?} (already used by entry {})",
                    first + 1
                ),
            );
        }
    }

    fn person(&mut self, entry: &PersonEntry, path: &FilePath) -> Option<Person> {
        let name = self.check(extend(path, "name"), Name::parse(&entry.name));
        let email = match &entry.email {
            Some(email) => Some(self.check(extend(path, "email"), Email::parse(email))?),
            None => None,
        };
        Some(Person { name: name?, email })
    }

    fn reference(
        &mut self,
        value: &str,
        known: &[Key],
        what: &str,
        context: &str,
        path: FilePath,
    ) -> Option<Key> {
        let key = Key::parse(value).ok().filter(|key| known.contains(key));
        if key.is_none() {
            let list: Vec<&str> = known.iter().map(Key::as_str).collect();
            self.problem(
                path,
                format!(
                    "unknown {what} {value:?} in {context}; known {what}s: {}",
                    if list.is_empty() {
                        "none".to_owned()
                    } else {
                        list.join(", ")
                    }
                ),
            );
        }
        key
    }
}

fn extend(path: &FilePath, seg: impl Into<Seg>) -> FilePath {
    let mut segs = path.0.clone();
    segs.push(seg.into());
    FilePath(segs)
}

fn optional_text(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl OrgFile {
    /// Checks every value and cross-reference and builds the [`Organisation`]. All problems are
    /// collected, not only the first.
    pub fn validate(&self) -> Result<Parsed, Vec<OrgProblem>> {
        let mut c = Checker::default();

        let name = c.check(
            path!["organisation", "name"],
            Name::parse(&self.organisation.name),
        );
        let departments = self.validate_departments(&mut c);
        let dept_keys: Vec<Key> = departments.iter().map(|d| d.key.clone()).collect();
        let journey = self.validate_journey(&mut c, &dept_keys);
        let councils = self.validate_councils(&mut c, &dept_keys);
        let stage_keys: Vec<Key> = journey
            .iter()
            .flat_map(|j| j.stages.iter().map(|s| s.key.clone()))
            .collect();
        let metrics = self.validate_metrics(&mut c, &dept_keys, &stage_keys);
        let metric_keys: Vec<Key> = metrics.iter().map(|m| m.key.clone()).collect();
        let moments = self.validate_moments(&mut c, journey.as_ref(), &metric_keys);
        let (follow_up, rule_problems) = super::follow_up::check_rules(&self.follow_up);
        for (i, field, message) in rule_problems {
            c.problem(path!["follow_up", i, field], message);
        }
        let (surveys, survey_problems) =
            super::surveys::check_surveys(&self.surveys, journey.as_ref());
        for (i, field, message) in survey_problems {
            c.problem(path!["surveys", i, field], message);
        }

        let recognition = match self.organisation.recognition.as_deref() {
            None => Credit::Teams,
            Some(text) => Credit::parse(text).unwrap_or_else(|| {
                c.problem(
                    path!["organisation", "recognition"],
                    format!(
                        "recognition {text:?}: choose \"teams\" (the default) or \"individuals\""
                    ),
                );
                Credit::Teams
            }),
        };
        match (name, journey) {
            (Some(name), Some(journey)) if c.problems.is_empty() => Ok(Parsed {
                organisation: Organisation {
                    name,
                    departments,
                    journey,
                    moments_of_truth: moments,
                    councils,
                    metrics,
                    follow_up,
                    surveys,
                    recognition,
                },
                warnings: c.warnings,
            }),
            _ => Err(c.problems),
        }
    }

    fn validate_departments(&self, c: &mut Checker) -> Vec<Department> {
        let mut keys = HashMap::new();
        let mut names = HashMap::new();
        let mut out = Vec::new();
        for (i, entry) in self.departments.iter().enumerate() {
            let at = path!["departments", i];
            let key = c.check(extend(&at, "key"), Key::parse(&entry.key));
            c.unique(
                &mut keys,
                &entry.key,
                i,
                "department key",
                extend(&at, "key"),
            );
            let name = c.check(extend(&at, "name"), Name::parse(&entry.name));
            c.unique(
                &mut names,
                &entry.name.trim().to_lowercase(),
                i,
                "department name",
                extend(&at, "name"),
            );
            let lead = entry
                .lead
                .as_ref()
                .map(|lead| c.person(lead, &extend(&at, "lead")));
            let champions: Vec<Option<Person>> = entry
                .champions
                .iter()
                .enumerate()
                .map(|(k, p)| c.person(p, &path!["departments", i, "champions", k]))
                .collect();
            let cx_managers: Vec<Option<CxManager>> = entry
                .cx_managers
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    let at = path!["departments", i, "cx_managers", k];
                    let person = c.person(
                        &PersonEntry {
                            name: m.name.clone(),
                            email: m.email.clone(),
                        },
                        &at,
                    );
                    let component = c.check(extend(&at, "component"), Name::parse(&m.component));
                    Some(CxManager {
                        person: person?,
                        component: component?,
                    })
                })
                .collect();
            if let (Some(key), Some(name)) = (key, name) {
                out.push(Department {
                    key,
                    name,
                    description: optional_text(&entry.description),
                    lead: lead.flatten(),
                    champions: champions.into_iter().flatten().collect(),
                    cx_managers: cx_managers.into_iter().flatten().collect(),
                    customer_facing: entry.customer_facing.unwrap_or(true),
                });
            }
        }
        out
    }

    fn validate_journey(&self, c: &mut Checker, depts: &[Key]) -> Option<Journey> {
        let name = c.check(path!["journey", "name"], Name::parse(&self.journey.name));
        if self.journey.stages.is_empty() {
            c.problem(
                path!["journey"],
                "the journey needs at least one stage ([[journey.stages]])",
            );
        }
        let mut stage_keys = HashMap::new();
        let mut stage_names = HashMap::new();
        let mut touchpoint_keys = HashMap::new();
        let mut touchpoint_index = 0;
        let mut stages = Vec::new();
        for (i, entry) in self.journey.stages.iter().enumerate() {
            let at = path!["journey", "stages", i];
            let key = c.check(extend(&at, "key"), Key::parse(&entry.key));
            c.unique(
                &mut stage_keys,
                &entry.key,
                i,
                "stage key",
                extend(&at, "key"),
            );
            let name = c.check(extend(&at, "name"), Name::parse(&entry.name));
            c.unique(
                &mut stage_names,
                &entry.name.trim().to_lowercase(),
                i,
                "stage name",
                extend(&at, "name"),
            );
            let mut phrases = HashMap::new();
            let mut vocabulary = Vec::new();
            for (k, phrase) in entry.vocabulary.iter().enumerate() {
                let trimmed = phrase.trim();
                let vpath = path!["journey", "stages", i, "vocabulary", k];
                if trimmed.is_empty() {
                    c.problem(vpath, "an empty vocabulary phrase places nothing");
                    continue;
                }
                c.unique(
                    &mut phrases,
                    &trimmed.to_lowercase(),
                    k,
                    "vocabulary phrase",
                    vpath,
                );
                vocabulary.push(trimmed.to_owned());
            }
            let mut touchpoints = Vec::new();
            for (j, tp) in entry.touchpoints.iter().enumerate() {
                let tpath = path!["journey", "stages", i, "touchpoints", j];
                if let Some(tp) = validate_touchpoint(c, tp, &tpath, depts) {
                    touchpoints.push(tp);
                }
                c.unique(
                    &mut touchpoint_keys,
                    &tp.key,
                    touchpoint_index,
                    "touchpoint key (touchpoint keys are unique across the journey)",
                    extend(&tpath, "key"),
                );
                touchpoint_index += 1;
            }
            if let (Some(key), Some(name)) = (key, name) {
                stages.push(Stage {
                    key,
                    name,
                    description: optional_text(&entry.description),
                    vocabulary,
                    touchpoints,
                });
            }
        }
        Some(Journey {
            name: name?,
            stages,
        })
    }

    fn validate_moments(
        &self,
        c: &mut Checker,
        journey: Option<&Journey>,
        metric_keys: &[Key],
    ) -> Vec<MomentOfTruth> {
        let stages: Vec<Key> = journey
            .map(|j| j.stages.iter().map(|s| s.key.clone()).collect())
            .unwrap_or_default();
        let mut ranks = HashMap::new();
        let mut names = HashMap::new();
        let mut out = Vec::new();
        for (i, entry) in self.moments_of_truth.iter().enumerate() {
            let at = path!["moments_of_truth", i];
            let rank = match u32::try_from(entry.rank) {
                Ok(rank) if rank >= 1 => Some(rank),
                _ => {
                    c.problem(
                        extend(&at, "rank"),
                        format!(
                            "rank must be 1 or more (1 = most critical), got {}",
                            entry.rank
                        ),
                    );
                    None
                }
            };
            c.unique(
                &mut ranks,
                &entry.rank.to_string(),
                i,
                "moment-of-truth rank",
                extend(&at, "rank"),
            );
            let name = c.check(extend(&at, "name"), Name::parse(&entry.name));
            c.unique(
                &mut names,
                &entry.name.trim().to_lowercase(),
                i,
                "moment-of-truth name",
                extend(&at, "name"),
            );
            let context = format!("moment of truth {:?}", entry.name);
            let stage = c.reference(
                &entry.stage,
                &stages,
                "stage",
                &context,
                extend(&at, "stage"),
            );
            let touchpoint = match (&entry.touchpoint, stage.as_ref()) {
                (Some(tp), Some(stage_key)) => {
                    let in_stage: Vec<Key> = journey
                        .and_then(|j| j.stages.iter().find(|s| &s.key == stage_key))
                        .map(|s| s.touchpoints.iter().map(|t| t.key.clone()).collect())
                        .unwrap_or_default();
                    let context = format!("{context} (touchpoints of stage \"{stage_key}\")");
                    c.reference(
                        tp,
                        &in_stage,
                        "touchpoint",
                        &context,
                        extend(&at, "touchpoint"),
                    )
                    .map(Some)
                }
                (Some(_), None) => None,
                (None, _) => Some(None),
            };
            let expectation = entry.expectation.trim();
            if expectation.is_empty() {
                c.problem(
                    extend(&at, "expectation"),
                    "write down what the customer expects at this moment",
                );
            }
            let mut seen = HashMap::new();
            let mut metrics = Vec::new();
            for (k, metric) in entry.metrics.iter().enumerate() {
                let mpath = extend(&extend(&at, "metrics"), k);
                c.unique(&mut seen, metric, k, "metric of a moment", mpath.clone());
                if let Some(key) = c.reference(metric, metric_keys, "metric", &context, mpath) {
                    metrics.push(key);
                }
            }
            let detect = match &entry.detect {
                None => Some(None),
                Some(rule) => validate_detect(c, rule, &extend(&at, "detect")).map(Some),
            };
            if let (Some(rank), Some(name), Some(stage), Some(touchpoint), Some(detect)) =
                (rank, name, stage, touchpoint, detect)
            {
                out.push(MomentOfTruth {
                    rank,
                    name,
                    stage,
                    touchpoint,
                    expectation: expectation.to_owned(),
                    metrics,
                    detect,
                });
            }
        }
        out.sort_by_key(|m| m.rank);
        out
    }

    fn validate_councils(&self, c: &mut Checker, depts: &[Key]) -> Vec<Council> {
        let mut keys = HashMap::new();
        let mut out = Vec::new();
        for (i, entry) in self.councils.iter().enumerate() {
            let at = path!["councils", i];
            let key = c.check(extend(&at, "key"), Key::parse(&entry.key));
            c.unique(&mut keys, &entry.key, i, "council key", extend(&at, "key"));
            let name = c.check(extend(&at, "name"), Name::parse(&entry.name));
            let context = format!("council {:?}", entry.key);
            let chair = validate_member(c, &entry.chair, &extend(&at, "chair"), depts, &context);
            let mut seen = HashMap::new();
            let mut members = Vec::new();
            // A champions' network lists its members only when they are not simply every
            // department's CX champions.
            if entry.kind == CouncilKind::Champions && entry.members.is_empty() {
                // The champions, then the managers of the CX components.
                let champions = self.departments.iter().flat_map(|d| {
                    d.champions
                        .iter()
                        .map(move |p| (d, &p.name, &p.email, "CX champion".to_owned()))
                });
                let managers = self.departments.iter().flat_map(|d| {
                    d.cx_managers.iter().map(move |m| {
                        let title = format!("Manager of {}", m.component.trim());
                        (d, &m.name, &m.email, title)
                    })
                });
                members = champions
                    .chain(managers)
                    .filter_map(|(d, name, email, title)| {
                        Some(CouncilMember {
                            person: Person {
                                name: Name::parse(name).ok()?,
                                email: email.as_deref().and_then(|e| Email::parse(e).ok()),
                            },
                            title: Some(title),
                            department: Key::parse(&d.key).ok(),
                        })
                    })
                    .collect();
                if members.is_empty() {
                    c.warn(
                        extend(&at, "members"),
                        format!(
                            "{context} is a champions' network but no department names a CX \
                             champion: add champions = [...] under the departments"
                        ),
                    );
                }
            }
            for (k, member) in entry.members.iter().enumerate() {
                let mpath = path!["councils", i, "members", k];
                let identity = member
                    .email
                    .clone()
                    .unwrap_or_else(|| member.name.clone())
                    .trim()
                    .to_lowercase();
                c.unique(&mut seen, &identity, k, "council member", mpath.clone());
                if let Some(member) = validate_member(c, member, &mpath, depts, &context) {
                    members.push(member);
                }
            }
            if let Some(chair) = &chair {
                if let Some(dept) = &chair.department
                    && members.iter().any(|m| m.department.as_ref() == Some(dept))
                {
                    c.warn(
                        path!["councils", i, "chair", "department"],
                        format!(
                            "the chair of {context} belongs to \"{dept}\", a department the \
                                 council represents: the chair should be independent of the \
                                 departments (for example a Chief Customer Officer)"
                        ),
                    );
                }
                if entry.kind == CouncilKind::Operational {
                    let missing: Vec<&str> = depts
                        .iter()
                        .filter(|d| !members.iter().any(|m| m.department.as_ref() == Some(d)))
                        .map(Key::as_str)
                        .collect();
                    if !missing.is_empty() {
                        c.warn(
                            extend(&at, "members"),
                            format!(
                                "{context} is operational but no member represents: {}",
                                missing.join(", ")
                            ),
                        );
                    }
                }
            }
            if let (Some(key), Some(name), Some(chair)) = (key, name, chair) {
                out.push(Council {
                    key,
                    name,
                    kind: entry.kind,
                    cadence: entry.cadence.unwrap_or(entry.kind.default_cadence()),
                    chair,
                    members,
                });
            }
        }
        out
    }

    fn validate_metrics(
        &self,
        c: &mut Checker,
        depts: &[Key],
        stages: &[Key],
    ) -> Vec<MetricDefinition> {
        let mut keys = HashMap::new();
        let mut out = Vec::new();
        for (i, entry) in self.metrics.iter().enumerate() {
            let at = path!["metrics", i];
            let key = c.check(extend(&at, "key"), Key::parse(&entry.key));
            c.unique(&mut keys, &entry.key, i, "metric key", extend(&at, "key"));
            let name = c.check(extend(&at, "name"), Name::parse(&entry.name));
            let unit = entry.unit.trim();
            if unit.is_empty() {
                c.problem(
                    extend(&at, "unit"),
                    "a metric needs a unit (\"calls/week\", \"%\")",
                );
            }
            let context = format!("metric {:?}", entry.key);
            let department = c.reference(
                &entry.department,
                depts,
                "department",
                &context,
                extend(&at, "department"),
            );
            let stage = match &entry.stage {
                Some(stage) => c
                    .reference(stage, stages, "stage", &context, extend(&at, "stage"))
                    .map(Some),
                None => Some(None),
            };
            if let (Some(key), Some(name), Some(department), Some(stage)) =
                (key, name, department, stage)
            {
                out.push(MetricDefinition {
                    key,
                    name,
                    unit: unit.to_owned(),
                    department,
                    stage,
                    direction: entry.direction,
                    description: optional_text(&entry.description),
                });
            }
        }
        out
    }
}

fn validate_detect(c: &mut Checker, entry: &DetectEntry, at: &FilePath) -> Option<DetectRule> {
    let event = c.check(
        extend(at, "event"),
        Key::parse(entry.event.trim()).map_err(|e| {
            ValidationError::new(format!(
                "{} (an event kind is a word such as contact, order or delivery)",
                e.0
            ))
        }),
    );
    let count = match u32::try_from(entry.count) {
        Ok(n) if (1..=DetectRule::MAX_COUNT).contains(&n) => Some(n),
        _ => {
            c.problem(
                extend(at, "count"),
                format!(
                    "count is the n-th event that makes the moment, 1 to {}, not {}",
                    DetectRule::MAX_COUNT,
                    entry.count
                ),
            );
            None
        }
    };
    let within_days = match entry.within_days {
        None => Some(None),
        Some(days) => match u32::try_from(days) {
            Ok(d) if (1..=DetectRule::MAX_DAYS).contains(&d) => Some(Some(d)),
            _ => {
                c.problem(
                    extend(at, "within_days"),
                    format!(
                        "within_days is 1 to {} days (leave it out for \"ever\"), not {days}",
                        DetectRule::MAX_DAYS
                    ),
                );
                None
            }
        },
    };
    Some(DetectRule {
        event: event?,
        count: count?,
        within_days: within_days?,
    })
}

fn validate_touchpoint(
    c: &mut Checker,
    entry: &TouchpointEntry,
    at: &FilePath,
    depts: &[Key],
) -> Option<Touchpoint> {
    let key = c.check(extend(at, "key"), Key::parse(&entry.key));
    let name = c.check(extend(at, "name"), Name::parse(&entry.name));
    // A touchpoint with no owner is accepted: a journey-mapping workshop records what it knows
    // before it has agreed who is accountable. The gap is reported (`org::gaps`) on apply, by
    // `journey check` and on the journey map, never hidden.
    let context = format!("touchpoint {:?}", entry.key);
    let mut resolve = |list: &[String], field: &'static str| -> Vec<Key> {
        let mut seen = HashMap::new();
        let mut keys = Vec::new();
        for (k, value) in list.iter().enumerate() {
            let vpath = extend(&extend(at, field), k);
            c.unique(
                &mut seen,
                value,
                k,
                &format!("department in {field}"),
                vpath.clone(),
            );
            if let Some(key) = c.reference(
                value,
                depts,
                "department",
                &format!("{field} of {context}"),
                vpath,
            ) {
                keys.push(key);
            }
        }
        keys
    };
    let owners = resolve(&entry.owners, "owners");
    let contributors = resolve(&entry.contributors, "contributors");
    for (k, contributor) in contributors.iter().enumerate() {
        if owners.contains(contributor) {
            c.problem(
                path_with(at, &["contributors"], k),
                format!(
                    "\"{contributor}\" is both owner and contributor of {context}; list it once"
                ),
            );
        }
    }
    Some(Touchpoint {
        key: key?,
        name: name?,
        channel: optional_text(&entry.channel),
        owners,
        contributors,
    })
}

fn path_with(at: &FilePath, fields: &[&'static str], index: usize) -> FilePath {
    let mut path = at.clone();
    for field in fields {
        path = extend(&path, *field);
    }
    extend(&path, index)
}

fn validate_member(
    c: &mut Checker,
    entry: &MemberEntry,
    at: &FilePath,
    depts: &[Key],
    context: &str,
) -> Option<CouncilMember> {
    let person = c.person(
        &PersonEntry {
            name: entry.name.clone(),
            email: entry.email.clone(),
        },
        at,
    );
    let department = match &entry.department {
        Some(dept) => {
            Some(c.reference(dept, depts, "department", context, extend(at, "department"))?)
        }
        None => None,
    };
    Some(CouncilMember {
        person: person?,
        title: optional_text(&entry.title),
        department,
    })
}

// ---------------------------------------------------------------------------------------------
// Export: Organisation -> OrgFile -> TOML
// ---------------------------------------------------------------------------------------------

fn person_entry(person: &Person) -> PersonEntry {
    PersonEntry {
        name: person.name.to_string(),
        email: person.email.as_ref().map(Email::to_string),
    }
}

fn member_entry(member: &CouncilMember) -> MemberEntry {
    MemberEntry {
        name: member.person.name.to_string(),
        email: member.person.email.as_ref().map(Email::to_string),
        title: member.title.clone(),
        department: member.department.as_ref().map(Key::to_string),
    }
}

fn keys(list: &[Key]) -> Vec<String> {
    list.iter().map(Key::to_string).collect()
}

impl From<&Organisation> for OrgFile {
    fn from(org: &Organisation) -> Self {
        OrgFile {
            organisation: OrganisationEntry {
                name: org.name.to_string(),
                recognition: (org.recognition != Credit::Teams)
                    .then(|| org.recognition.as_str().to_owned()),
            },
            departments: org
                .departments
                .iter()
                .map(|d| DepartmentEntry {
                    key: d.key.to_string(),
                    name: d.name.to_string(),
                    description: d.description.clone(),
                    customer_facing: (!d.customer_facing).then_some(false),
                    lead: d.lead.as_ref().map(person_entry),
                    champions: d.champions.iter().map(person_entry).collect(),
                    cx_managers: d
                        .cx_managers
                        .iter()
                        .map(|m| CxManagerEntry {
                            name: m.person.name.to_string(),
                            email: m.person.email.as_ref().map(Email::to_string),
                            component: m.component.to_string(),
                        })
                        .collect(),
                })
                .collect(),
            journey: JourneyEntry {
                name: org.journey.name.to_string(),
                stages: org
                    .journey
                    .stages
                    .iter()
                    .map(|s| StageEntry {
                        key: s.key.to_string(),
                        name: s.name.to_string(),
                        description: s.description.clone(),
                        vocabulary: s.vocabulary.clone(),
                        touchpoints: s
                            .touchpoints
                            .iter()
                            .map(|t| TouchpointEntry {
                                key: t.key.to_string(),
                                name: t.name.to_string(),
                                channel: t.channel.clone(),
                                owners: keys(&t.owners),
                                contributors: keys(&t.contributors),
                            })
                            .collect(),
                    })
                    .collect(),
            },
            moments_of_truth: org
                .moments_of_truth
                .iter()
                .map(|m| MomentEntry {
                    rank: i64::from(m.rank),
                    name: m.name.to_string(),
                    stage: m.stage.to_string(),
                    touchpoint: m.touchpoint.as_ref().map(Key::to_string),
                    expectation: m.expectation.clone(),
                    metrics: keys(&m.metrics),
                    detect: m.detect.as_ref().map(|d| DetectEntry {
                        event: d.event.to_string(),
                        count: i64::from(d.count),
                        within_days: d.within_days.map(i64::from),
                    }),
                })
                .collect(),
            councils: org
                .councils
                .iter()
                .map(|c| CouncilEntry {
                    key: c.key.to_string(),
                    name: c.name.to_string(),
                    kind: c.kind,
                    cadence: Some(c.cadence),
                    chair: member_entry(&c.chair),
                    members: c.members.iter().map(member_entry).collect(),
                })
                .collect(),
            metrics: org
                .metrics
                .iter()
                .map(|m| MetricEntry {
                    key: m.key.to_string(),
                    name: m.name.to_string(),
                    unit: m.unit.clone(),
                    department: m.department.to_string(),
                    stage: m.stage.as_ref().map(Key::to_string),
                    direction: m.direction,
                    description: m.description.clone(),
                })
                .collect(),
            follow_up: org.follow_up.iter().map(Into::into).collect(),
            surveys: org.surveys.iter().map(Into::into).collect(),
        }
    }
}

impl Organisation {
    /// The organisation as an organisation file, ready to edit and apply again.
    pub fn to_toml(&self) -> String {
        let header = "# Organisation exported by `throughline export-org`.\n\
                      # Edit it and run `throughline apply` with it to change the organisation.\n\n";
        let body = toml::to_string_pretty(&OrgFile::from(self))
            .expect("an OrgFile holds only strings, numbers, booleans and tables");
        format!("{header}{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[organisation]
name = "Acme"

[[departments]]
key = "sales"
name = "Sales"

[[departments]]
key = "billing"
name = "Billing"

[journey]
name = "Customer journey"

[[journey.stages]]
key = "buy"
name = "Buy"
vocabulary = ["quote", "contract"]

[[journey.stages.touchpoints]]
key = "quote"
name = "Quote"
owners = ["sales"]
contributors = ["billing"]

[[journey.stages]]
key = "pay"
name = "Pay"

[[journey.stages.touchpoints]]
key = "invoice"
name = "Invoice"
owners = ["billing"]

[[moments_of_truth]]
rank = 1
name = "First invoice is right"
stage = "pay"
touchpoint = "invoice"
expectation = "The first invoice matches the quote."

[[councils]]
key = "cx"
name = "CX Council"
kind = "operational"
chair = { name = "Cleo Chair", title = "Chief Customer Officer" }
members = [
  { name = "Sam Sales", department = "sales" },
  { name = "Bea Billing", department = "billing" },
]

[[metrics]]
key = "billing-calls"
name = "Billing calls"
unit = "calls/week"
department = "billing"
stage = "pay"
direction = "lower_is_better"
"#;

    #[test]
    fn a_valid_file_becomes_an_organisation() {
        let parsed = parse(SMALL).unwrap();
        let org = parsed.organisation;
        assert_eq!(org.departments.len(), 2);
        assert_eq!(
            org.journey.stages[0].touchpoints[0].contributors[0].as_str(),
            "billing"
        );
        assert_eq!(
            org.councils[0].cadence,
            Cadence::Monthly,
            "operational defaults to monthly"
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let summary = org.summary();
        assert_eq!((summary.touchpoints, summary.council_members), (2, 3));
    }

    #[test]
    fn cx_component_managers_are_read_and_a_blank_component_is_reported() {
        let with = SMALL.replacen(
            "key = \"billing\"\nname = \"Billing\"\n",
            "key = \"billing\"\nname = \"Billing\"\ncx_managers = [{ name = \"Lea Park\", \
             email = \"lea@example.com\", component = \"Refund policy\" }]\n",
            1,
        );
        let org = parse(&with).unwrap().organisation;
        let manager = &org.departments[1].cx_managers[0];
        assert_eq!(
            (manager.person.name.as_str(), manager.component.as_str()),
            ("Lea Park", "Refund policy")
        );
        // Written back as a file and read again: the same organisation.
        assert_eq!(parse(&org.to_toml()).unwrap().organisation, org);
        let blank = with.replace("Refund policy", "  ");
        let problems = parse(&blank).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .path
                .to_string()
                .contains("cx_managers[0].component"),
            "{problems:?}"
        );
    }

    #[test]
    fn recognition_credits_teams_unless_the_file_says_individuals() {
        assert_eq!(
            parse(SMALL).unwrap().organisation.recognition,
            Credit::Teams
        );
        let people = SMALL.replacen(
            "name = \"Acme\"\n",
            "name = \"Acme\"\nrecognition = \"individuals\"\n",
            1,
        );
        let org = parse(&people).unwrap().organisation;
        assert_eq!(org.recognition, Credit::Individuals);
        assert_eq!(parse(&org.to_toml()).unwrap().organisation, org);
        let wrong = people.replace("\"individuals\"", "\"everyone\"");
        let problems = parse(&wrong).unwrap_err();
        assert!(
            problems[0]
                .message
                .contains("choose \"teams\" (the default) or \"individuals\""),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unknown_owner_is_reported_at_its_line() {
        let broken = SMALL.replace(r#"owners = ["billing"]"#, r#"owners = ["shipping"]"#);
        let problems = parse(&broken).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let line = broken.lines().position(|l| l.contains("shipping")).unwrap() + 1;
        assert_eq!(problems[0].position.unwrap().0, line);
        assert!(
            problems[0]
                .message
                .contains("unknown department \"shipping\"")
        );
        assert!(
            problems[0]
                .message
                .contains("known departments: sales, billing")
        );
    }

    #[test]
    fn duplicate_stage_names_and_all_problems_are_reported() {
        let broken = SMALL
            .replace("name = \"Pay\"", "name = \"buy\"")
            .replace("rank = 1", "rank = 0");
        let problems = parse(&broken).unwrap_err();
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            messages.iter().any(|m| m.contains("duplicate stage name")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("rank must be 1 or more")),
            "{messages:?}"
        );
        assert!(problems.iter().all(|p| p.position.is_some()));
    }

    #[test]
    fn syntax_errors_and_unknown_fields_have_positions() {
        let problems = parse("[organisation]\nname = \"Acme\"\nbogus = 1\n").unwrap_err();
        assert_eq!(problems[0].position.unwrap().0, 3, "{problems:?}");
        let problems = parse("[organisation\nname = 1").unwrap_err();
        assert!(problems[0].position.is_some());
    }

    #[test]
    fn a_chair_from_a_represented_department_is_warned_about() {
        let file = SMALL.replace(
            "title = \"Chief Customer Officer\"",
            "department = \"sales\"",
        );
        let parsed = parse(&file).unwrap();
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].message.contains("independent"));
    }

    #[test]
    fn export_then_parse_gives_the_same_organisation() {
        let org = parse(SMALL).unwrap().organisation;
        let again = parse(&org.to_toml()).unwrap().organisation;
        assert_eq!(org, again);
    }

    #[test]
    fn a_touchpoint_of_another_stage_is_refused_for_a_moment() {
        let broken = SMALL.replace("touchpoint = \"invoice\"", "touchpoint = \"quote\"");
        let problems = parse(&broken).unwrap_err();
        assert!(
            problems[0].message.contains("touchpoints of stage"),
            "{problems:?}"
        );
    }
}
