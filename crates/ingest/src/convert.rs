//! One raw row and the column mapping into a validated [`NewFeedback`], or a [`Rejection`] that
//! says which row, which column and why.

use std::collections::BTreeMap;

use throughline_domain::feedback::{Ces, Csat, NewFeedback, Nps, Rating, Scores, Texts, dedup_key};
use throughline_domain::org::Organisation;
use throughline_domain::{Key, Name, Timestamp, ValidationError};

use throughline_analytics::redact;

use crate::dates::{DateRules, parse_with};
use crate::fields::{Field, Mapping};
use crate::formats::RawRow;
use crate::presets::ValueMap;
use throughline_store::KeyedFeedback;

/// Why a row was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row at line {}", self.line)?;
        if let Some(column) = &self.column {
            write!(f, ", column {column:?}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The stages and touchpoints a record may name, by key or by name (any case).
#[derive(Debug, Clone, Default)]
pub struct Placement {
    stages: Vec<(Key, String)>,
    touchpoints: Vec<(Key, String, Key)>,
}

impl Placement {
    pub fn from_organisation(org: &Organisation) -> Self {
        Self {
            stages: org
                .journey
                .stages
                .iter()
                .map(|s| (s.key.clone(), s.name.as_str().to_lowercase()))
                .collect(),
            touchpoints: org
                .touchpoints()
                .map(|(s, t)| (t.key.clone(), t.name.as_str().to_lowercase(), s.key.clone()))
                .collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    fn stage(&self, value: &str) -> Option<Key> {
        let lower = value.to_lowercase();
        self.stages
            .iter()
            .find(|(key, name)| key.as_str() == lower || *name == lower)
            .map(|(key, _)| key.clone())
    }

    fn touchpoint(&self, value: &str) -> Option<(Key, Key)> {
        let lower = value.to_lowercase();
        self.touchpoints
            .iter()
            .find(|(key, name, _)| key.as_str() == lower || *name == lower)
            .map(|(key, _, stage)| (key.clone(), stage.clone()))
    }
}

/// Converts rows of one import.
#[derive(Debug, Clone)]
pub struct Converter {
    pub mapping: Mapping,
    pub source: Name,
    /// The organisation's stages and touchpoints; without an organisation any well-formed key
    /// is accepted.
    pub placement: Placement,
    /// The time given to records without a date (the import's start).
    pub now: Timestamp,
    /// Values to translate before reading them (from a preset).
    pub values: Vec<ValueMap>,
    /// How the date column is read (`--date-format`, the day/month order the file settled).
    pub dates: DateRules,
    /// Columns neither mapped nor kept as metadata (a rejects file's `reason`).
    pub dropped: Vec<String>,
    /// Whether cells are read as a rejects file writes them: a formula's guarding apostrophe
    /// taken off (see [`crate::rejects::guard`]).
    pub unguard: bool,
    /// Customers erased on request (hashes of their ids): their rows are refused.
    pub erased: std::sync::Arc<std::collections::HashSet<String>>,
}

impl Converter {
    pub fn convert(&self, row: &RawRow) -> Result<NewFeedback, Rejection> {
        self.convert_row(row).map(|(record, _)| record)
    }

    /// The record with the key that makes its import idempotent.
    pub fn convert_keyed(&self, row: &RawRow) -> Result<KeyedFeedback, Rejection> {
        let (record, time_from_source) = self.convert_row(row)?;
        let dedup_key = dedup_key(&record, time_from_source);
        Ok(KeyedFeedback { record, dedup_key })
    }

    /// The record, and whether its time came from the row (rather than the import's start).
    fn convert_row(&self, row: &RawRow) -> Result<(NewFeedback, bool), Rejection> {
        let reject = |column: Option<&str>, reason: String| Rejection {
            line: row.line,
            column: column.map(str::to_owned),
            reason,
        };
        if let Some(problem) = &row.problem {
            return Err(reject(None, problem.clone()));
        }
        // No text holds a NUL character (PostgreSQL cannot store one; SQLite could): the row is
        // refused by name on both backends rather than failing a whole batch on one.
        if let Some((column, _)) = row
            .cells
            .iter()
            .find(|(column, value)| value.contains('\0') || column.contains('\0'))
        {
            return Err(reject(
                Some(column),
                "holds a NUL character (\\0), which no text may hold".to_owned(),
            ));
        }
        let value = |field: Field| -> Option<(&str, &str)> {
            let column = self.mapping.column(field)?;
            let mut value = row.get(column)?;
            if self.unguard {
                value = crate::rejects::unguard(value);
            }
            let mut value = value.trim();
            if let Some((_, table)) = self.values.iter().find(|(f, _)| *f == field)
                && let Some((_, to)) = table
                    .iter()
                    .find(|(from, _)| value.eq_ignore_ascii_case(from))
            {
                value = to;
            }
            (!value.is_empty()).then_some((column, value))
        };
        let text = |field: Field| value(field).map(|(_, v)| v);

        let scores = Scores {
            nps: parse_score(value(Field::Nps), Nps::new).map_err(|(c, r)| reject(Some(c), r))?,
            csat: parse_score(value(Field::Csat), Csat::new)
                .map_err(|(c, r)| reject(Some(c), r))?,
            ces: parse_score(value(Field::Ces), Ces::new).map_err(|(c, r)| reject(Some(c), r))?,
            rating: match value(Field::Rating) {
                None => None,
                Some((column, v)) => {
                    let number: f64 = v
                        .replace(',', ".")
                        .parse()
                        .map_err(|_| reject(Some(column), format!("{v:?} is not a number")))?;
                    Some(Rating::new(number).map_err(|e| reject(Some(column), e.0))?)
                }
            },
        };
        // Personal data in what customers wrote never reaches the store.
        let redacted = |field: Field| text(field).map(redact);
        let (comment, helpful, hindering) = (
            redacted(Field::Comment),
            redacted(Field::Helpful),
            redacted(Field::Hindering),
        );
        let texts = Texts::new(comment.as_deref(), helpful.as_deref(), hindering.as_deref())
            .map_err(|e| reject(self.mapping.column(Field::Comment), e.0))?;
        if scores.is_empty() && texts.is_empty() {
            return Err(reject(
                None,
                "the row has no comment and no score (nothing to learn from)".to_owned(),
            ));
        }

        let (received_at, time_from_source) = match value(Field::ReceivedAt) {
            Some((column, v)) => (
                parse_with(v, &self.dates).map_err(|r| reject(Some(column), r))?,
                true,
            ),
            None => (self.now, false),
        };

        let (mut stage, mut touchpoint) = (None, None);
        if let Some((column, v)) = value(Field::Touchpoint) {
            if self.placement.is_empty() {
                touchpoint = Some(Key::parse(v).map_err(|e| reject(Some(column), e.0))?);
            } else {
                let (tp, tp_stage) = self.placement.touchpoint(v).ok_or_else(|| {
                    reject(
                        Some(column),
                        format!("unknown touchpoint {v:?} (not in the organisation)"),
                    )
                })?;
                touchpoint = Some(tp);
                stage = Some(tp_stage);
            }
        }
        if let Some((column, v)) = value(Field::Stage) {
            let named = if self.placement.is_empty() {
                Key::parse(v).map_err(|e| reject(Some(column), e.0))?
            } else {
                self.placement.stage(v).ok_or_else(|| {
                    reject(
                        Some(column),
                        format!("unknown stage {v:?} (not in the organisation)"),
                    )
                })?
            };
            if stage.as_ref().is_some_and(|s| *s != named) {
                return Err(reject(
                    Some(column),
                    format!("stage {v:?} does not hold the record's touchpoint"),
                ));
            }
            stage = Some(named);
        }

        let metadata: BTreeMap<String, String> = row
            .cells
            .iter()
            .filter(|(column, value)| {
                !self.mapping.is_mapped(column)
                    && !value.trim().is_empty()
                    && !self.dropped.iter().any(|d| d == column)
            })
            .map(|(column, value)| {
                let value = if self.unguard {
                    crate::rejects::unguard(value)
                } else {
                    value
                };
                (column.clone(), redact(value).into_owned())
            })
            .collect();

        // Not a column's failure (the column reads fine): no column is named, so that a file
        // of mostly erased customers is not taken for a misread column.
        if let Some((_, customer)) = value(Field::Customer)
            && !self.erased.is_empty()
            && self
                .erased
                .contains(&throughline_store::customer_hash(customer))
        {
            return Err(reject(
                None,
                "this customer's data was erased on request (throughline customers erase): \
                 the row is not stored"
                    .to_owned(),
            ));
        }

        NewFeedback::new(
            self.source.clone(),
            text(Field::Id).map(str::to_owned),
            received_at,
            text(Field::Customer).map(str::to_owned),
            text(Field::Channel).map(str::to_owned),
            (stage, touchpoint),
            scores,
            texts,
            metadata,
        )
        .map(|record| (record, time_from_source))
        .map_err(|e: ValidationError| reject(None, e.0))
    }
}

/// An integer score. "9.0" is 9; "9.5" is refused rather than rounded.
fn parse_score<'a, T>(
    value: Option<(&'a str, &str)>,
    make: fn(u8) -> Result<T, ValidationError>,
) -> Result<Option<T>, (&'a str, String)> {
    let Some((column, v)) = value else {
        return Ok(None);
    };
    let number: f64 = v
        .replace(',', ".")
        .parse()
        .map_err(|_| (column, format!("{v:?} is not a number")))?;
    if number.fract() != 0.0 || !(0.0..=255.0).contains(&number) {
        return Err((column, format!("{v:?} is not a whole number in range")));
    }
    make(number as u8).map(Some).map_err(|e| (column, e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converter(columns: &[&str], placement: Placement) -> Converter {
        let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
        Converter {
            mapping: Mapping::resolve(&columns, &[]).unwrap(),
            source: Name::parse("survey").unwrap(),
            placement,
            now: Timestamp::from_millis(42),
            values: Vec::new(),
            dates: DateRules::default(),
            dropped: Vec::new(),
            unguard: false,
            erased: Default::default(),
        }
    }

    fn row(line: u64, cells: &[(&str, &str)]) -> RawRow {
        RawRow {
            line,
            cells: cells
                .iter()
                .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
                .collect(),
            raw: cells.iter().map(|(_, v)| (*v).to_owned()).collect(),
            problem: None,
        }
    }

    #[test]
    fn a_good_row_becomes_a_record_with_metadata() {
        let c = converter(
            &["id", "date", "nps", "comment", "region"],
            Placement::default(),
        );
        let record = c
            .convert(&row(
                2,
                &[
                    ("id", "r1"),
                    ("date", "2026-03-04"),
                    ("nps", "9.0"),
                    ("comment", " Great "),
                    ("region", "North"),
                ],
            ))
            .unwrap();
        assert_eq!(record.external_id.as_deref(), Some("r1"));
        assert_eq!(record.scores.nps.unwrap().value(), 9);
        assert_eq!(record.texts.comment.as_deref(), Some("Great"));
        assert_eq!(
            record.metadata.get("region").map(String::as_str),
            Some("North")
        );
        assert_eq!(record.received_at.as_millis(), 1_772_582_400_000);
    }

    #[test]
    fn bad_values_are_rejected_with_line_column_and_reason() {
        let c = converter(
            &["id", "date", "nps", "csat", "comment"],
            Placement::default(),
        );
        let cases = [
            (("nps", "11"), "nps", "NPS must be between 0 and 10"),
            (("csat", "0"), "csat", "CSAT must be between 1 and 5"),
            (("nps", "nine"), "nps", "is not a number"),
            (("nps", "8.5"), "nps", "not a whole number"),
            (("date", "03/02/2026"), "date", "ambiguous date"),
            (("date", "31/02/2026"), "date", "no such date"),
        ];
        for ((column, value), expected_column, reason) in cases {
            let mut cells = vec![("id", "x"), ("comment", "ok")];
            cells.push((column, value));
            let err = c.convert(&row(7, &cells)).unwrap_err();
            assert_eq!(err.line, 7);
            assert_eq!(err.column.as_deref(), Some(expected_column));
            assert!(err.reason.contains(reason), "{value}: {}", err.reason);
        }
        let empty = c
            .convert(&row(9, &[("id", "y"), ("comment", "  ")]))
            .unwrap_err();
        assert!(empty.reason.contains("no comment and no score"));
        assert!(empty.to_string().starts_with("row at line 9: "));
    }

    #[test]
    fn stages_and_touchpoints_resolve_against_the_organisation() {
        let org = throughline_domain::org::parse(include_str!("../../../examples/org.toml"))
            .unwrap()
            .organisation;
        let c = converter(
            &["comment", "stage", "touchpoint"],
            Placement::from_organisation(&org),
        );
        let by_name = c
            .convert(&row(
                2,
                &[
                    ("comment", "late"),
                    ("stage", "Receive and set up"),
                    ("touchpoint", ""),
                ],
            ))
            .unwrap();
        assert_eq!(by_name.stage.unwrap().as_str(), "receive");
        let from_touchpoint = c
            .convert(&row(
                3,
                &[
                    ("comment", "late"),
                    ("stage", ""),
                    ("touchpoint", "delivery-day"),
                ],
            ))
            .unwrap();
        assert_eq!(from_touchpoint.stage.unwrap().as_str(), "receive");
        let unknown = c
            .convert(&row(
                4,
                &[("comment", "x"), ("stage", "Shipping"), ("touchpoint", "")],
            ))
            .unwrap_err();
        assert!(unknown.reason.contains("unknown stage"));
        let mismatch = c
            .convert(&row(
                5,
                &[
                    ("comment", "x"),
                    ("stage", "pay"),
                    ("touchpoint", "delivery-day"),
                ],
            ))
            .unwrap_err();
        assert!(mismatch.reason.contains("does not hold"));
    }

    #[test]
    fn unreadable_rows_are_rejected_with_their_problem() {
        let c = converter(&["comment"], Placement::default());
        let mut broken = row(4, &[("comment", "x")]);
        broken.problem = Some("expected 3 fields, found 2".to_owned());
        assert_eq!(
            c.convert(&broken).unwrap_err().reason,
            "expected 3 fields, found 2"
        );
    }
}
