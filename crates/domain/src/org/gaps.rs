//! Gaps and overlaps between departments: the places on the journey where nobody is
//! accountable, or several departments each think they are.
//!
//! The operational council's practice is to "identify any gaps or overlaps between
//! departments". [`structural`] finds the ones the organisation alone shows (a touchpoint with no
//! owner or with several, a stage nobody owns, a moment of truth no metric watches, KPIs that sit
//! on no stage, a metric two departments both claim); the service adds the ones only the data
//! shows (customer issues that land where nobody is responsible, moments and departments that
//! received no feedback) as further [`Gap`]s of the same shape. Every gap says what is wrong,
//! where, who is involved and how to fix it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Organisation, Stage, Touchpoint};
use crate::primitives::Key;

/// How urgently a gap needs an answer. Ordered: `High` first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Customers are affected and nobody is accountable.
    High,
    /// Accountability is unclear or a moment that matters is not watched.
    Medium,
    /// Worth tidying up.
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// What kind of gap or overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// A touchpoint with no owner department.
    TouchpointWithoutOwner,
    /// A touchpoint with more than one owner: an overlap.
    TouchpointWithSeveralOwners,
    /// A stage none of whose touchpoints has an owner.
    StageWithoutOwner,
    /// A moment of truth with no metric attached.
    MomentWithoutMetric,
    /// A moment of truth that received no feedback in the period.
    MomentWithoutFeedback,
    /// A theme whose records sit on stages or touchpoints nobody owns.
    UnownedTheme,
    /// A department whose KPIs all sit on no stage.
    KpisOffJourney,
    /// A customer-facing department that received no feedback in the period.
    DepartmentWithoutFeedback,
    /// A metric two departments both claim (the same name under two owners).
    MetricClaimedTwice,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TouchpointWithoutOwner => "touchpoint_without_owner",
            Self::TouchpointWithSeveralOwners => "touchpoint_with_several_owners",
            Self::StageWithoutOwner => "stage_without_owner",
            Self::MomentWithoutMetric => "moment_without_metric",
            Self::MomentWithoutFeedback => "moment_without_feedback",
            Self::UnownedTheme => "unowned_theme",
            Self::KpisOffJourney => "kpis_off_journey",
            Self::DepartmentWithoutFeedback => "department_without_feedback",
            Self::MetricClaimedTwice => "metric_claimed_twice",
        }
    }

    /// A few words for a mark on the journey map.
    pub fn short(self) -> &'static str {
        match self {
            Self::TouchpointWithoutOwner | Self::StageWithoutOwner => "no owner",
            Self::TouchpointWithSeveralOwners => "several owners",
            Self::MomentWithoutMetric => "no metric",
            Self::MomentWithoutFeedback | Self::DepartmentWithoutFeedback => "no feedback",
            Self::UnownedTheme => "customer issue nobody owns",
            Self::KpisOffJourney => "KPIs on no stage",
            Self::MetricClaimedTwice => "metric claimed twice",
        }
    }

    /// Whether the gap is an overlap (several claim it) rather than a gap (nobody does).
    pub fn is_overlap(self) -> bool {
        matches!(
            self,
            Self::TouchpointWithSeveralOwners | Self::MetricClaimedTwice
        )
    }
}

/// One gap or overlap: what, where, who, and the fix.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Gap {
    pub kind: GapKind,
    pub severity: Severity,
    /// The stage it sits on, when it has a place on the journey.
    pub stage: Option<String>,
    /// The touchpoint it sits on, when it is one.
    pub touchpoint: Option<String>,
    /// The moment of truth it is about (its name), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moment: Option<String>,
    /// The departments involved (keys), in the order the organisation declares them.
    pub departments: Vec<String>,
    /// What is wrong, in words.
    pub message: String,
    /// What to do about it.
    pub fix: String,
    /// For an unowned customer issue: the theme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<i64>,
    /// The records behind it, when the data shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// For an unowned customer issue: what it costs the overall score (points; negative pulls
    /// it down).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

impl Gap {
    /// A gap with no data evidence.
    pub fn new(kind: GapKind, severity: Severity, message: String, fix: String) -> Self {
        Self {
            kind,
            severity,
            stage: None,
            touchpoint: None,
            moment: None,
            departments: Vec::new(),
            message,
            fix,
            theme: None,
            records: None,
            cost: None,
        }
    }

    /// Whether `department` is involved.
    pub fn involves(&self, department: &str) -> bool {
        self.departments.iter().any(|d| d == department)
    }
}

/// Sorts gaps the way people read them: most severe first, then the costliest, then the most
/// records, then in journey order as found.
pub fn sort(gaps: &mut [Gap]) {
    gaps.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.cost.unwrap_or(0.0).total_cmp(&b.cost.unwrap_or(0.0)))
            .then(b.records.unwrap_or(0).cmp(&a.records.unwrap_or(0)))
    });
}

/// Whether any of the stage's touchpoints has an owner.
pub fn stage_is_owned(stage: &Stage) -> bool {
    stage.touchpoints.iter().any(|t| !t.owners.is_empty())
}

fn names(org: &Organisation, keys: &[Key]) -> String {
    keys.iter()
        .map(|k| org.department(k).map_or(k.as_str(), |d| d.name.as_str()))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The departments among `keys`, in declaration order, as strings.
fn in_order<'a>(org: &Organisation, keys: impl IntoIterator<Item = &'a Key>) -> Vec<String> {
    let wanted: Vec<&Key> = keys.into_iter().collect();
    org.departments
        .iter()
        .filter(|d| wanted.contains(&&d.key))
        .map(|d| d.key.to_string())
        .collect()
}

fn touchpoint_gaps(org: &Organisation, stage: &Stage, t: &Touchpoint, out: &mut Vec<Gap>) {
    let place = |mut gap: Gap, departments: Vec<String>| {
        gap.stage = Some(stage.key.to_string());
        gap.touchpoint = Some(t.key.to_string());
        gap.departments = departments;
        gap
    };
    if t.owners.is_empty() {
        let helping = if t.contributors.is_empty() {
            String::new()
        } else {
            format!(" ({} contribute to it)", names(org, &t.contributors))
        };
        out.push(place(
            Gap::new(
                GapKind::TouchpointWithoutOwner,
                Severity::High,
                format!(
                    "Touchpoint “{}” in stage “{}” has no owner{helping}: nobody is accountable \
                     for what customers meet there",
                    t.name, stage.name
                ),
                format!(
                    "Agree which department owns it and add it to owners of touchpoint \"{}\" \
                     in the organisation file",
                    t.key
                ),
            ),
            in_order(org, &t.contributors),
        ));
    } else if t.owners.len() > 1 {
        out.push(place(
            Gap::new(
                GapKind::TouchpointWithSeveralOwners,
                Severity::Medium,
                format!(
                    "Touchpoint “{}” in stage “{}” has {} owners ({}): each may think the other \
                     is accountable",
                    t.name,
                    stage.name,
                    t.owners.len(),
                    names(org, &t.owners)
                ),
                format!(
                    "Agree on one owner of touchpoint \"{}\"; make the others contributors",
                    t.key
                ),
            ),
            in_order(org, &t.owners),
        ));
    }
}

/// The gaps and overlaps the organisation alone shows, in journey order.
pub fn structural(org: &Organisation) -> Vec<Gap> {
    let mut out = Vec::new();
    for stage in &org.journey.stages {
        for t in &stage.touchpoints {
            touchpoint_gaps(org, stage, t, &mut out);
        }
        if !stage_is_owned(stage) {
            let contributors: Vec<&Key> = stage
                .touchpoints
                .iter()
                .flat_map(|t| &t.contributors)
                .collect();
            let why = if stage.touchpoints.is_empty() {
                "has no touchpoints, so no department answers for it"
            } else {
                "has no touchpoint with an owner, so no department answers for it"
            };
            let mut gap = Gap::new(
                GapKind::StageWithoutOwner,
                Severity::High,
                format!("Stage “{}” {why}", stage.name),
                format!(
                    "Add the touchpoints where customers meet the company in stage \"{}\" and \
                     give each an owner",
                    stage.key
                ),
            );
            gap.stage = Some(stage.key.to_string());
            gap.departments = in_order(org, contributors);
            out.push(gap);
        }
    }
    for m in &org.moments_of_truth {
        if m.metrics.is_empty() {
            let owners: Vec<&Key> = match &m.touchpoint {
                Some(key) => org
                    .touchpoints()
                    .filter(|(_, t)| &t.key == key)
                    .flat_map(|(_, t)| &t.owners)
                    .collect(),
                None => org
                    .stage(&m.stage)
                    .map(|s| s.touchpoints.iter().flat_map(|t| &t.owners).collect())
                    .unwrap_or_default(),
            };
            let mut gap = Gap::new(
                GapKind::MomentWithoutMetric,
                Severity::Medium,
                format!(
                    "Moment of truth {} “{}” has no metric: nobody would see it fail",
                    m.rank, m.name
                ),
                format!(
                    "Attach a metric that watches it: metrics = [\"...\"] under the moment \
                     \"{}\" (define one under [[metrics]] if none fits)",
                    m.name
                ),
            );
            gap.stage = Some(m.stage.to_string());
            gap.touchpoint = m.touchpoint.as_ref().map(Key::to_string);
            gap.moment = Some(m.name.to_string());
            gap.departments = in_order(org, owners);
            out.push(gap);
        }
    }
    for d in &org.departments {
        let kpis: Vec<_> = org
            .metrics
            .iter()
            .filter(|m| m.department == d.key)
            .collect();
        if !kpis.is_empty() && kpis.iter().all(|m| m.stage.is_none()) {
            let list: Vec<&str> = kpis.iter().map(|m| m.name.as_str()).collect();
            let mut gap = Gap::new(
                GapKind::KpisOffJourney,
                Severity::Low,
                format!(
                    "{}'s KPIs ({}) sit on no stage: their movement never shows on the journey",
                    d.name,
                    list.join(", ")
                ),
                format!(
                    "Set stage = \"...\" on the metrics of department \"{}\" that the customer \
                     feels at a stage",
                    d.key
                ),
            );
            gap.departments = vec![d.key.to_string()];
            out.push(gap);
        }
    }
    // The same metric (by name, any case) owned by two departments: both will report it.
    let mut by_name: BTreeMap<String, Vec<&super::MetricDefinition>> = BTreeMap::new();
    for m in &org.metrics {
        by_name
            .entry(m.name.as_str().trim().to_lowercase())
            .or_default()
            .push(m);
    }
    for metrics in by_name.values() {
        let owners: Vec<&Key> = metrics.iter().map(|m| &m.department).collect();
        let departments = in_order(org, owners.iter().copied());
        if departments.len() < 2 {
            continue;
        }
        let keys: Vec<&str> = metrics.iter().map(|m| m.key.as_str()).collect();
        let mut gap = Gap::new(
            GapKind::MetricClaimedTwice,
            Severity::Medium,
            format!(
                "Metric “{}” is claimed by {} ({}): two numbers, two owners, one thing",
                metrics[0].name,
                names(
                    org,
                    &departments
                        .iter()
                        .filter_map(|k| Key::parse(k).ok())
                        .collect::<Vec<_>>()
                ),
                keys.join(", ")
            ),
            "Agree which department owns the metric; keep one definition and let the other \
             department watch it"
                .to_owned(),
        );
        gap.departments = departments;
        gap.stage = metrics
            .iter()
            .find_map(|m| m.stage.as_ref().map(Key::to_string));
        out.push(gap);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = r#"
[organisation]
name = "Acme"

[[departments]]
key = "sales"
name = "Sales"

[[departments]]
key = "billing"
name = "Billing"

[[departments]]
key = "service"
name = "Service"

[journey]
name = "Customer journey"

[[journey.stages]]
key = "buy"
name = "Buy"

[[journey.stages.touchpoints]]
key = "quote"
name = "Quote"
owners = ["sales", "billing"]

[[journey.stages.touchpoints]]
key = "callback"
name = "Callback"
contributors = ["service"]

[[journey.stages]]
key = "pay"
name = "Pay"

[[journey.stages.touchpoints]]
key = "invoice"
name = "Invoice"
owners = ["billing"]

[[journey.stages]]
key = "renew"
name = "Renew"

[[moments_of_truth]]
rank = 1
name = "First invoice is right"
stage = "pay"
touchpoint = "invoice"
expectation = "The first invoice matches the quote."
metrics = ["billing-calls"]

[[moments_of_truth]]
rank = 2
name = "Quote on time"
stage = "buy"
expectation = "A quote within a day."

[[metrics]]
key = "billing-calls"
name = "Billing calls"
unit = "calls/week"
department = "billing"
stage = "pay"
direction = "lower_is_better"

[[metrics]]
key = "sales-nps"
name = "NPS"
unit = "points"
department = "sales"
direction = "higher_is_better"

[[metrics]]
key = "service-nps"
name = "nps"
unit = "points"
department = "service"
stage = "renew"
direction = "higher_is_better"
"#;

    fn org() -> Organisation {
        super::super::parse(ORG).unwrap().organisation
    }

    fn kinds(gaps: &[Gap]) -> Vec<(GapKind, Option<&str>, Vec<&str>)> {
        gaps.iter()
            .map(|g| {
                (
                    g.kind,
                    g.touchpoint.as_deref().or(g.stage.as_deref()),
                    g.departments.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn every_structural_gap_and_overlap_is_found_where_it_is() {
        let gaps = structural(&org());
        assert_eq!(
            kinds(&gaps),
            vec![
                (
                    GapKind::TouchpointWithSeveralOwners,
                    Some("quote"),
                    vec!["sales", "billing"]
                ),
                (
                    GapKind::TouchpointWithoutOwner,
                    Some("callback"),
                    vec!["service"]
                ),
                (GapKind::StageWithoutOwner, Some("renew"), vec![]),
                (
                    GapKind::MomentWithoutMetric,
                    Some("buy"),
                    vec!["sales", "billing"]
                ),
                (GapKind::KpisOffJourney, None, vec!["sales"]),
                (
                    GapKind::MetricClaimedTwice,
                    Some("renew"),
                    vec!["sales", "service"]
                ),
            ]
        );
        let unowned = &gaps[1];
        assert!(
            unowned.message.contains("“Callback”"),
            "{}",
            unowned.message
        );
        assert!(unowned.message.contains("Service contribute"));
        assert!(unowned.fix.contains("owners of touchpoint \"callback\""));
        assert!(gaps[0].message.contains("2 owners (Sales and Billing)"));
    }

    #[test]
    fn a_tidy_organisation_has_no_gaps() {
        let tidy = super::super::parse(include_str!("../../../../examples/org.toml"))
            .unwrap()
            .organisation;
        let gaps = structural(&tidy);
        assert!(
            gaps.iter().all(|g| g.severity != Severity::High),
            "{gaps:#?}"
        );
    }

    #[test]
    fn gaps_sort_by_severity_then_cost() {
        let mut gaps = vec![
            Gap::new(
                GapKind::KpisOffJourney,
                Severity::Low,
                "a".into(),
                "".into(),
            ),
            Gap {
                cost: Some(-1.0),
                ..Gap::new(GapKind::UnownedTheme, Severity::High, "b".into(), "".into())
            },
            Gap {
                cost: Some(-5.0),
                ..Gap::new(GapKind::UnownedTheme, Severity::High, "c".into(), "".into())
            },
        ];
        sort(&mut gaps);
        let order: Vec<&str> = gaps.iter().map(|g| g.message.as_str()).collect();
        assert_eq!(order, ["c", "b", "a"]);
    }
}
