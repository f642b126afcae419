//! Ownership routing: which departments a theme falls on, and whether it is one department's to
//! fix or the operational council's.
//!
//! Each of a theme's records that landed somewhere on the journey spreads one unit of weight
//! over the departments that shape that place:
//!
//! - on a known **touchpoint**: its owners weigh [`OWNER_WEIGHT`] each, its contributors
//!   [`CONTRIBUTOR_WEIGHT`] each, normalised to one;
//! - on a **stage** only: the unit is shared equally among the stage's touchpoints that the
//!   comment names (a word of the touchpoint's name, compared on its first five letters:
//!   "refund" names *Refunds*, "installer" *Installation*), or among all the stage's touchpoints
//!   when it names none; within each touchpoint as above.
//!
//! A department's share of the theme is its weight over the placed records. The theme is
//! **single-department** when the largest share reaches the threshold (default
//! [`SINGLE_DEPARTMENT_SHARE`]) — that department owns it; otherwise it is
//! **cross-department** and the operational council owns it. A theme with no placed record is
//! **unplaced**: nothing says where it belongs, so the council triages it.

use std::collections::HashMap;

use serde::Serialize;
use throughline_domain::org::{Organisation, Touchpoint};

use crate::text::{is_stopword, tokens};

/// The default threshold: a theme is one department's when at least this share of it falls on
/// that department.
pub const SINGLE_DEPARTMENT_SHARE: f64 = 0.5;
/// Weight of each owner of a touchpoint, before normalising…
pub const OWNER_WEIGHT: f64 = 3.0;
/// …and of each contributor: owners are accountable, contributors affect it.
pub const CONTRIBUTOR_WEIGHT: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    SingleDepartment,
    CrossDepartment,
    Unplaced,
}

impl Scope {
    /// As people read it: `single-department`, `cross-department` or `unplaced`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SingleDepartment => "single-department",
            Self::CrossDepartment => "cross-department",
            Self::Unplaced => "unplaced",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DepartmentShare {
    pub department: String,
    pub share: f64,
}

/// Where a theme falls and who should own it, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub scope: Scope,
    /// The owning department of a single-department theme.
    pub department: Option<String>,
    /// Every department's share, largest first (ties by key).
    pub shares: Vec<DepartmentShare>,
    /// Records with a stage or touchpoint, and all records, of the theme.
    pub placed: u64,
    pub records: u64,
    pub threshold: f64,
}

/// Routes themes through one organisation.
#[derive(Debug, Clone)]
pub struct Router {
    by_touchpoint: HashMap<String, Vec<(String, f64)>>,
    /// Per stage, its touchpoints with the word stems of their names.
    stage_touchpoints: HashMap<String, Vec<(String, Vec<String>)>>,
    threshold: f64,
}

/// Letters compared when a comment's word is matched with a touchpoint's name.
const STEM: usize = 5;

fn stem(word: &str) -> String {
    word.chars().take(STEM).collect()
}

/// A comment on a stage, as routing reads it.
#[derive(Debug, Clone, Copy)]
pub struct Landing<'a> {
    pub stage: Option<&'a str>,
    /// An explicit touchpoint (from the record).
    pub touchpoint: Option<&'a str>,
    pub text: &'a str,
}

fn touchpoint_weights(touchpoint: &Touchpoint) -> Vec<(String, f64)> {
    let mut weights: Vec<(String, f64)> = Vec::new();
    let roles = touchpoint.owners.iter().map(|d| (d, OWNER_WEIGHT)).chain(
        touchpoint
            .contributors
            .iter()
            .map(|d| (d, CONTRIBUTOR_WEIGHT)),
    );
    for (department, weight) in roles {
        match weights.iter_mut().find(|(d, _)| d == department.as_str()) {
            Some(entry) => entry.1 = entry.1.max(weight),
            None => weights.push((department.as_str().to_owned(), weight)),
        }
    }
    let total: f64 = weights.iter().map(|w| w.1).sum();
    for w in &mut weights {
        w.1 /= total;
    }
    weights
}

impl Router {
    /// `threshold` in (0, 1]; see the module documentation.
    pub fn new(organisation: &Organisation, threshold: f64) -> Self {
        let mut by_touchpoint = HashMap::new();
        let mut stage_touchpoints = HashMap::new();
        for stage in &organisation.journey.stages {
            let mut touchpoints = Vec::new();
            for touchpoint in &stage.touchpoints {
                by_touchpoint.insert(
                    touchpoint.key.as_str().to_owned(),
                    touchpoint_weights(touchpoint),
                );
                let stems = tokens(touchpoint.name.as_str())
                    .filter(|w| w.chars().count() >= 4 && !is_stopword(w))
                    .map(|w| stem(&w))
                    .collect();
                touchpoints.push((touchpoint.key.as_str().to_owned(), stems));
            }
            stage_touchpoints.insert(stage.key.as_str().to_owned(), touchpoints);
        }
        Self {
            by_touchpoint,
            stage_touchpoints,
            threshold,
        }
    }

    /// The touchpoints a comment lands on: the explicit one, else those of its stage it names,
    /// else all of its stage's; empty when it has neither (or its stage has no touchpoints).
    pub fn touchpoints_of<'s>(&'s self, landing: &Landing) -> Vec<&'s str> {
        if let Some(t) = landing
            .touchpoint
            .filter(|t| self.by_touchpoint.contains_key(*t))
        {
            return vec![
                self.by_touchpoint
                    .get_key_value(t)
                    .map_or("", |(k, _)| k.as_str()),
            ];
        }
        let Some(touchpoints) = landing.stage.and_then(|s| self.stage_touchpoints.get(s)) else {
            return Vec::new();
        };
        let words: Vec<String> = tokens(landing.text).map(|w| stem(&w)).collect();
        let named: Vec<&str> = touchpoints
            .iter()
            .filter(|(_, stems)| stems.iter().any(|s| words.contains(s)))
            .map(|(key, _)| key.as_str())
            .collect();
        if named.is_empty() {
            touchpoints.iter().map(|(key, _)| key.as_str()).collect()
        } else {
            named
        }
    }

    /// Routes a theme from where its records landed.
    pub fn route<'a>(&self, records: impl IntoIterator<Item = Landing<'a>>) -> Route {
        let mut totals: HashMap<&str, f64> = HashMap::new();
        let (mut placed, mut count) = (0u64, 0u64);
        for landing in records {
            count += 1;
            let touchpoints = self.touchpoints_of(&landing);
            if touchpoints.is_empty() {
                continue;
            }
            placed += 1;
            let share = 1.0 / touchpoints.len() as f64;
            for touchpoint in touchpoints {
                for (department, weight) in &self.by_touchpoint[touchpoint] {
                    *totals.entry(department).or_default() += weight * share;
                }
            }
        }
        let mut shares: Vec<DepartmentShare> = totals
            .into_iter()
            .map(|(department, weight)| DepartmentShare {
                department: department.to_owned(),
                share: weight / placed.max(1) as f64,
            })
            .collect();
        shares.sort_by(|a, b| {
            b.share
                .total_cmp(&a.share)
                .then(a.department.cmp(&b.department))
        });
        let (scope, department) = match shares.first() {
            None => (Scope::Unplaced, None),
            Some(top) if top.share >= self.threshold - 1e-12 => {
                (Scope::SingleDepartment, Some(top.department.clone()))
            }
            Some(_) => (Scope::CrossDepartment, None),
        };
        Route {
            scope,
            department,
            shares,
            placed,
            records: count,
            threshold: self.threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        throughline_domain::org::parse(include_str!("../../../examples/org.toml"))
            .unwrap()
            .organisation
    }

    fn landing<'a>(stage: &'a str, touchpoint: Option<&'a str>, text: &'a str) -> Landing<'a> {
        Landing {
            stage: Some(stage),
            touchpoint,
            text,
        }
    }

    fn share(route: &Route, department: &str) -> f64 {
        route
            .shares
            .iter()
            .find(|s| s.department == department)
            .map_or(0.0, |s| s.share)
    }

    #[test]
    fn a_theme_on_one_departments_touchpoint_is_that_departments() {
        let org = org();
        let router = Router::new(&org, SINGLE_DEPARTMENT_SHARE);
        // A touchpoint owned by billing alone, with one contributor: 3/4 billing.
        let (stage, touchpoint) = org
            .touchpoints()
            .find(|(_, t)| {
                t.owners.len() == 1
                    && t.owners[0].as_str() == "billing"
                    && t.contributors.len() == 1
            })
            .unwrap();
        let route = router.route(vec![
            landing(
                stage.key.as_str(),
                Some(touchpoint.key.as_str()),
                ""
            );
            40
        ]);
        assert_eq!(route.scope, Scope::SingleDepartment);
        assert_eq!(route.department.as_deref(), Some("billing"));
        assert!(
            (share(&route, "billing") - 3.0 / 4.0).abs() < 1e-9,
            "{route:?}"
        );
        assert_eq!((route.placed, route.records), (40, 40));
        let total: f64 = route.shares.iter().map(|s| s.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_theme_spread_over_departments_goes_to_the_council() {
        let org = org();
        let router = Router::new(&org, SINGLE_DEPARTMENT_SHARE);
        // Half the records on a billing touchpoint, half on a fulfilment one.
        let billing = org
            .touchpoints()
            .find(|(_, t)| t.owners.iter().any(|o| o.as_str() == "billing"))
            .unwrap();
        let fulfilment = org
            .touchpoints()
            .find(|(_, t)| t.owners.iter().any(|o| o.as_str() == "fulfilment"))
            .unwrap();
        let mut records = Vec::new();
        for (stage, touchpoint) in [billing, fulfilment] {
            for _ in 0..20 {
                records.push(landing(
                    stage.key.as_str(),
                    Some(touchpoint.key.as_str()),
                    "",
                ));
            }
        }
        records.push(Landing {
            stage: None,
            touchpoint: None,
            text: "no idea",
        });
        let route = router.route(records);
        assert_eq!(route.scope, Scope::CrossDepartment);
        assert_eq!(route.department, None);
        assert_eq!((route.placed, route.records), (40, 41));
        assert!(share(&route, "billing") > 0.2 && share(&route, "fulfilment") > 0.2);

        // A lower threshold makes the same evidence one department's.
        let lenient = Router::new(&org, 0.3);
        let route = lenient.route(vec![
            landing(
                billing.0.key.as_str(),
                Some(billing.1.key.as_str()),
                ""
            );
            3
        ]);
        assert_eq!(route.scope, Scope::SingleDepartment);
        let nowhere = router.route(vec![landing("no-such-stage", None, "refund")]);
        assert_eq!(nowhere.scope, Scope::Unplaced);
    }

    #[test]
    fn a_comment_that_names_a_touchpoint_lands_on_it() {
        let org = org();
        let router = Router::new(&org, SINGLE_DEPARTMENT_SHARE);
        // On the pay stage, "refund" names the Refunds touchpoint: billing owns it.
        let route = router.route(vec![
            landing("pay", None, "still waiting for my refund");
            10
        ]);
        assert_eq!(route.department.as_deref(), Some("billing"), "{route:?}");
        // Without a touchpoint word the stage's touchpoints share it.
        let route = router.route(vec![landing("use", None, "it was awful"); 10]);
        assert_eq!(route.scope, Scope::CrossDepartment, "{route:?}");
        // "on the phone" names Phone support, customer service's.
        let route = router.route(vec![
            landing("use", None, "on hold on the phone for ages");
            10
        ]);
        assert_eq!(
            route.department.as_deref(),
            Some("customer-service"),
            "{route:?}"
        );
    }
}
