//! What changes when an organisation file is applied: the difference between the organisation
//! in the database and the one in the file, entity by entity, field by field.
//!
//! Every entity is flattened into a key and a list of named fields rendered as text; one generic
//! comparison then serves departments, stages, touchpoints and the rest. An empty diff is what
//! makes `apply` idempotent: nothing to change means nothing is written.

use std::fmt;

use serde::Serialize;

use super::{CouncilMember, Organisation, Person};
use crate::primitives::Key;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// One entity added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Change {
    pub kind: ChangeKind,
    /// `department`, `stage`, `touchpoint`, `moment_of_truth`, `council`, `metric`,
    /// `organisation`.
    pub entity: &'static str,
    pub key: String,
    /// For a change: the fields that differ. For an addition: the new entity's fields.
    pub fields: Vec<FieldChange>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entity = self.entity.replace('_', " ");
        match self.kind {
            ChangeKind::Added => {
                write!(f, "+ {entity} {}", self.key)?;
                if let Some(name) = self.fields.iter().find(|c| c.field == "name") {
                    write!(f, " ({})", name.after)?;
                }
                Ok(())
            }
            ChangeKind::Removed => write!(f, "- {entity} {}", self.key),
            ChangeKind::Changed => {
                write!(f, "~ {entity} {}", self.key)?;
                for (i, change) in self.fields.iter().enumerate() {
                    let sep = if i == 0 { ": " } else { "; " };
                    write!(
                        f,
                        "{sep}{} {} -> {}",
                        change.field,
                        shown(&change.before),
                        shown(&change.after)
                    )?;
                }
                Ok(())
            }
        }
    }
}

fn shown(value: &str) -> String {
    if value.is_empty() {
        "(none)".to_owned()
    } else {
        format!("{value:?}")
    }
}

/// The changes that turn one organisation into another, in a stable order: by entity type
/// (organisation, departments, stages, touchpoints, moments of truth, councils, metrics), then
/// in the order of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OrgDiff {
    pub changes: Vec<Change>,
}

impl OrgDiff {
    /// The changes from `before` (none when nothing was applied yet) to `after`.
    pub fn between(before: Option<&Organisation>, after: &Organisation) -> Self {
        let old = before.map(entries).unwrap_or_default();
        let new = entries(after);
        let mut changes = Vec::new();
        for entity in ENTITIES {
            let old_of: Vec<&Entry> = old.iter().filter(|e| e.entity == entity).collect();
            let new_of: Vec<&Entry> = new.iter().filter(|e| e.entity == entity).collect();
            for entry in &new_of {
                match old_of.iter().find(|o| o.key == entry.key) {
                    None => changes.push(Change {
                        kind: ChangeKind::Added,
                        entity,
                        key: entry.key.clone(),
                        fields: entry
                            .fields
                            .iter()
                            .map(|(field, value)| FieldChange {
                                field,
                                before: String::new(),
                                after: value.clone(),
                            })
                            .collect(),
                    }),
                    Some(previous) => {
                        let fields: Vec<FieldChange> = entry
                            .fields
                            .iter()
                            .zip(&previous.fields)
                            .filter(|((_, after), (_, before))| after != before)
                            .map(|((field, after), (_, before))| FieldChange {
                                field,
                                before: before.clone(),
                                after: after.clone(),
                            })
                            .collect();
                        if !fields.is_empty() {
                            changes.push(Change {
                                kind: ChangeKind::Changed,
                                entity,
                                key: entry.key.clone(),
                                fields,
                            });
                        }
                    }
                }
            }
            for entry in old_of {
                if !new_of.iter().any(|n| n.key == entry.key) {
                    changes.push(Change {
                        kind: ChangeKind::Removed,
                        entity,
                        key: entry.key.clone(),
                        fields: Vec::new(),
                    });
                }
            }
        }
        Self { changes }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }
}

const ENTITIES: [&str; 9] = [
    "organisation",
    "department",
    "stage",
    "touchpoint",
    "moment_of_truth",
    "council",
    "metric",
    "follow_up_rule",
    "survey",
];

/// An entity flattened for comparison. Field lists of one entity type always have the same
/// fields in the same order, so they can be compared pairwise.
struct Entry {
    entity: &'static str,
    key: String,
    fields: Vec<(&'static str, String)>,
}

fn person(p: &Person) -> String {
    match &p.email {
        Some(email) => format!("{} <{email}>", p.name),
        None => p.name.to_string(),
    }
}

fn member(m: &CouncilMember) -> String {
    let mut text = person(&m.person);
    if let Some(title) = &m.title {
        text.push_str(&format!(", {title}"));
    }
    if let Some(dept) = &m.department {
        text.push_str(&format!(" [{dept}]"));
    }
    text
}

fn key_list(keys: &[Key]) -> String {
    keys.iter().map(Key::as_str).collect::<Vec<_>>().join(", ")
}

fn opt(value: Option<&impl ToString>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

fn entries(org: &Organisation) -> Vec<Entry> {
    let mut out = vec![Entry {
        entity: "organisation",
        key: "organisation".to_owned(),
        fields: vec![
            ("name", org.name.to_string()),
            ("journey", org.journey.name.to_string()),
            ("recognition", org.recognition.as_str().to_owned()),
        ],
    }];
    for (i, d) in org.departments.iter().enumerate() {
        out.push(Entry {
            entity: "department",
            key: d.key.to_string(),
            fields: vec![
                ("name", d.name.to_string()),
                ("position", (i + 1).to_string()),
                ("description", opt(d.description.as_ref())),
                ("customer_facing", d.customer_facing.to_string()),
                ("lead", d.lead.as_ref().map(person).unwrap_or_default()),
                (
                    "champions",
                    d.champions
                        .iter()
                        .map(person)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                (
                    "cx_managers",
                    d.cx_managers
                        .iter()
                        .map(|m| format!("{} ({})", person(&m.person), m.component))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ],
        });
    }
    for (i, s) in org.journey.stages.iter().enumerate() {
        out.push(Entry {
            entity: "stage",
            key: s.key.to_string(),
            fields: vec![
                ("name", s.name.to_string()),
                ("position", (i + 1).to_string()),
                ("description", opt(s.description.as_ref())),
                ("vocabulary", s.vocabulary.join("; ")),
            ],
        });
    }
    for (stage, t) in org.touchpoints() {
        let position = stage
            .touchpoints
            .iter()
            .position(|x| x.key == t.key)
            .unwrap_or(0);
        out.push(Entry {
            entity: "touchpoint",
            key: t.key.to_string(),
            fields: vec![
                ("name", t.name.to_string()),
                ("stage", stage.key.to_string()),
                ("position", (position + 1).to_string()),
                ("channel", opt(t.channel.as_ref())),
                ("owners", key_list(&t.owners)),
                ("contributors", key_list(&t.contributors)),
            ],
        });
    }
    for m in &org.moments_of_truth {
        out.push(Entry {
            entity: "moment_of_truth",
            key: m.name.to_string(),
            fields: vec![
                ("rank", m.rank.to_string()),
                ("stage", m.stage.to_string()),
                ("touchpoint", opt(m.touchpoint.as_ref())),
                ("expectation", m.expectation.clone()),
                ("metrics", key_list(&m.metrics)),
                (
                    "detect",
                    m.detect.as_ref().map(|d| d.describe()).unwrap_or_default(),
                ),
            ],
        });
    }
    for (i, c) in org.councils.iter().enumerate() {
        out.push(Entry {
            entity: "council",
            key: c.key.to_string(),
            fields: vec![
                ("name", c.name.to_string()),
                ("position", (i + 1).to_string()),
                ("kind", c.kind.as_str().to_owned()),
                ("cadence", c.cadence.as_str().to_owned()),
                ("chair", member(&c.chair)),
                (
                    "members",
                    c.members.iter().map(member).collect::<Vec<_>>().join("; "),
                ),
            ],
        });
    }
    for (i, m) in org.metrics.iter().enumerate() {
        out.push(Entry {
            entity: "metric",
            key: m.key.to_string(),
            fields: vec![
                ("name", m.name.to_string()),
                ("position", (i + 1).to_string()),
                ("unit", m.unit.clone()),
                ("department", m.department.to_string()),
                ("stage", opt(m.stage.as_ref())),
                ("direction", m.direction.as_str().to_owned()),
                ("description", opt(m.description.as_ref())),
            ],
        });
    }
    for (i, r) in org.follow_up.iter().enumerate() {
        out.push(Entry {
            entity: "follow_up_rule",
            key: r.name.to_string(),
            fields: vec![
                ("position", (i + 1).to_string()),
                ("nps_at_most", opt(r.nps_at_most.as_ref())),
                ("csat_at_most", opt(r.csat_at_most.as_ref())),
                ("ces_at_least", opt(r.ces_at_least.as_ref())),
                ("words", r.words.join(", ")),
                ("theme", opt(r.theme.as_ref())),
                ("severity", r.severity.as_str().to_owned()),
                ("due_hours", r.due_hours.to_string()),
            ],
        });
    }
    for (i, d) in org.surveys.iter().enumerate() {
        out.push(Entry {
            entity: "survey",
            key: d.title_in(&org.journey),
            fields: vec![
                ("position", (i + 1).to_string()),
                ("touchpoint", opt(d.asks.touchpoint())),
                (
                    "stage",
                    match &d.asks {
                        crate::survey::Asks::Stage(key) => key.to_string(),
                        crate::survey::Asks::Touchpoint(_) => String::new(),
                    },
                ),
                ("measure", d.measure.as_str().to_owned()),
                ("goal_scale", d.goal_scale.top().to_string()),
                ("questions", d.questions.join(" | ")),
                ("language", d.language.code().to_owned()),
                (
                    "translations",
                    serde_json::to_string(&d.translations).unwrap_or_default(),
                ),
            ],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::parse;

    #[test]
    fn a_changed_follow_up_rule_is_a_change() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/org.toml"
        ))
        .unwrap();
        let before = parse(&text).unwrap().organisation;
        let after = parse(&text.replace("nps_at_most = 6", "nps_at_most = 5"))
            .unwrap()
            .organisation;
        let diff = OrgDiff::between(Some(&before), &after);
        assert_eq!(diff.changes.len(), 1, "{diff:?}");
        assert_eq!(diff.changes[0].entity, "follow_up_rule");
        assert_eq!(diff.changes[0].key, "Detractor");
        assert_eq!(diff.changes[0].fields[0].field, "nps_at_most");
    }

    const FILE: &str = r#"
[organisation]
name = "Acme"
[[departments]]
key = "sales"
name = "Sales"
[[departments]]
key = "it"
name = "IT"
customer_facing = false
[journey]
name = "Journey"
[[journey.stages]]
key = "buy"
name = "Buy"
[[journey.stages.touchpoints]]
key = "quote"
name = "Quote"
owners = ["sales"]
"#;

    #[test]
    fn the_same_organisation_has_no_changes() {
        let org = parse(FILE).unwrap().organisation;
        assert!(OrgDiff::between(Some(&org), &org).is_empty());
    }

    #[test]
    fn a_first_apply_adds_everything() {
        let org = parse(FILE).unwrap().organisation;
        let diff = OrgDiff::between(None, &org);
        assert_eq!(diff.count(ChangeKind::Added), 5);
        assert_eq!(diff.changes[1].to_string(), "+ department sales (Sales)");
    }

    #[test]
    fn changed_fields_and_removals_are_listed() {
        let before = parse(FILE).unwrap().organisation;
        let edited = FILE
            .replace(
                "owners = [\"sales\"]",
                "owners = [\"sales\"]\ncontributors = [\"it\"]",
            )
            .replace(
                "[[departments]]\nkey = \"it\"\nname = \"IT\"\ncustomer_facing = false\n",
                "",
            );
        // Removing IT while it still contributes must be refused by validation...
        let e: Vec<String> = parse(&edited)
            .unwrap_err()
            .into_iter()
            .map(|p| p.message)
            .collect();
        let e = e.join("; ");
        assert!(
            e.contains("unknown department \"it\" in contributors"),
            "{e}"
        );
        // ...so change the touchpoint alone.
        let edited = FILE.replace(
            "owners = [\"sales\"]",
            "owners = [\"sales\"]\ncontributors = [\"it\"]",
        );
        let after = parse(&edited).unwrap().organisation;
        let diff = OrgDiff::between(Some(&before), &after);
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(
            diff.changes[0].to_string(),
            "~ touchpoint quote: contributors (none) -> \"it\""
        );

        let without_it = parse(&FILE.replace(
            "[[departments]]\nkey = \"it\"\nname = \"IT\"\ncustomer_facing = false\n",
            "",
        ))
        .unwrap()
        .organisation;
        let diff = OrgDiff::between(Some(&before), &without_it);
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].to_string(), "- department it");
    }
}
