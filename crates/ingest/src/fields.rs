//! The fields of a feedback record, the column names that mean them, and the mapping from a
//! file's columns to fields.

use std::fmt;

/// A field Throughline reads from an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Id,
    Comment,
    Helpful,
    Hindering,
    Nps,
    Csat,
    Ces,
    Rating,
    ReceivedAt,
    Customer,
    Channel,
    Stage,
    Touchpoint,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Self::Id,
        Self::Comment,
        Self::Helpful,
        Self::Hindering,
        Self::Nps,
        Self::Csat,
        Self::Ces,
        Self::Rating,
        Self::ReceivedAt,
        Self::Customer,
        Self::Channel,
        Self::Stage,
        Self::Touchpoint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Comment => "comment",
            Self::Helpful => "helpful",
            Self::Hindering => "hindering",
            Self::Nps => "nps",
            Self::Csat => "csat",
            Self::Ces => "ces",
            Self::Rating => "rating",
            Self::ReceivedAt => "received_at",
            Self::Customer => "customer",
            Self::Channel => "channel",
            Self::Stage => "stage",
            Self::Touchpoint => "touchpoint",
        }
    }

    /// Column names (normalised: lowercase, words joined by `_`) that mean this field, best
    /// first. E-mail columns are deliberately not taken as the customer: they are personal data
    /// and stay in metadata, where redaction applies.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Id => &[
                "id",
                "external_id",
                "response_id",
                "responseid",
                "record_id",
                "ticket_id",
                "review_id",
            ],
            Self::Comment => &[
                "comment",
                "comments",
                "text",
                "review",
                "review_text",
                "feedback",
                "verbatim",
                "body",
                "message",
            ],
            Self::Helpful => &["helpful", "most_helpful", "what_helped", "what_helped_most"],
            Self::Hindering => &[
                "hindering",
                "most_hindering",
                "what_hindered",
                "what_hindered_most",
            ],
            Self::Nps => &[
                "nps",
                "nps_score",
                "likelihood_to_recommend",
                "ltr",
                "recommend",
            ],
            Self::Csat => &["csat", "csat_score", "satisfaction", "satisfaction_score"],
            Self::Ces => &[
                "ces",
                "ces_score",
                "effort",
                "customer_effort",
                "effort_score",
            ],
            Self::Rating => &["rating", "score", "stars", "star_rating"],
            Self::ReceivedAt => &[
                "received_at",
                "date",
                "created_at",
                "created",
                "timestamp",
                "submitted_at",
                "responded_at",
                "time",
                "datetime",
            ],
            Self::Customer => &[
                "customer",
                "customer_id",
                "account",
                "account_id",
                "client_id",
                "user_id",
            ],
            Self::Channel => &["channel", "via", "medium"],
            Self::Stage => &["stage", "journey_stage"],
            Self::Touchpoint => &["touchpoint", "touch_point"],
        }
    }

    pub fn parse(name: &str) -> Result<Self, MappingError> {
        let wanted = normalise(name);
        Self::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| MappingError::UnknownField(name.to_owned()))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `"Created At"`, `"created-at"` and `"CreatedAt "` all become `created_at`.
pub fn normalise(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut prev_lower = false;
    for c in column.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            out.extend(c.to_lowercase());
        } else {
            prev_lower = false;
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
    }
    out.trim_end_matches('_').to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error(
        "unknown field {0:?} in --map; fields are: id, comment, helpful, hindering, nps, csat, ces, rating, received_at, customer, channel, stage, touchpoint"
    )]
    UnknownField(String),
    #[error(
        "--map {field}={column}: the file has no column {column:?}; its columns are: {columns}"
    )]
    UnknownColumn {
        field: Field,
        column: String,
        columns: String,
    },
    #[error("--map {0}: expected FIELD=COLUMN, for example comment=\"Your feedback\"")]
    Malformed(String),
    #[error("column {column:?} is mapped to both {first} and {second}")]
    ColumnTwice {
        column: String,
        first: Field,
        second: Field,
    },
    #[error("no column holds a comment or a score; map one with --map (columns: {0})")]
    NothingToImport(String),
}

/// Which column feeds which field. Columns not mapped are kept as metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// (field, column name as in the file), in field order.
    pub fields: Vec<(Field, String)>,
}

impl Mapping {
    /// Parses `FIELD=COLUMN` arguments. `FIELD=` (no column) leaves the field out: no column
    /// feeds it, not even one the automatic mapping would choose.
    pub fn parse_overrides(args: &[String]) -> Result<Vec<(Field, String)>, MappingError> {
        args.iter()
            .map(|arg| {
                let (field, column) = arg
                    .split_once('=')
                    .ok_or_else(|| MappingError::Malformed(arg.clone()))?;
                Ok((Field::parse(field)?, column.trim().to_owned()))
            })
            .collect()
    }

    /// Maps `columns`: explicit overrides first, then every other field to the first column
    /// whose normalised name is one of its synonyms.
    pub fn resolve(
        columns: &[String],
        overrides: &[(Field, String)],
    ) -> Result<Self, MappingError> {
        let list = || columns.join(", ");
        // Each column normalised once: a file of 100,000 columns is looked through for every
        // field and synonym.
        let normalised: Vec<String> = columns.iter().map(|c| normalise(c)).collect();
        let mut fields: Vec<(Field, String)> = Vec::new();
        // `FIELD=` with no column: the field is left out.
        let left_out: Vec<Field> = overrides
            .iter()
            .filter(|(_, column)| column.is_empty())
            .map(|(field, _)| *field)
            .collect();
        for (field, column) in overrides.iter().filter(|(_, c)| !c.is_empty()) {
            let wanted = normalise(column);
            let found = columns
                .iter()
                .find(|c| *c == column)
                .or_else(|| {
                    columns
                        .iter()
                        .zip(&normalised)
                        .find_map(|(c, n)| (*n == wanted).then_some(c))
                })
                .ok_or_else(|| MappingError::UnknownColumn {
                    field: *field,
                    column: column.clone(),
                    columns: list(),
                })?;
            if let Some((first, _)) = fields.iter().find(|(_, c)| c == found) {
                return Err(MappingError::ColumnTwice {
                    column: found.clone(),
                    first: *first,
                    second: *field,
                });
            }
            fields.retain(|(f, _)| f != field);
            fields.push((*field, found.clone()));
        }
        for field in Field::ALL {
            if fields.iter().any(|(f, _)| *f == field) || left_out.contains(&field) {
                continue;
            }
            let candidate = field.synonyms().iter().find_map(|synonym| {
                columns.iter().zip(&normalised).find_map(|(c, n)| {
                    (n == synonym && !fields.iter().any(|(_, taken)| taken == c)).then_some(c)
                })
            });
            if let Some(column) = candidate {
                fields.push((field, column.clone()));
            }
        }
        fields.sort_by_key(|(f, _)| *f);
        let has_content = fields.iter().any(|(f, _)| {
            matches!(
                f,
                Field::Comment
                    | Field::Helpful
                    | Field::Hindering
                    | Field::Nps
                    | Field::Csat
                    | Field::Ces
                    | Field::Rating
            )
        });
        if !has_content {
            return Err(MappingError::NothingToImport(list()));
        }
        Ok(Self { fields })
    }

    pub fn column(&self, field: Field) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| c.as_str())
    }

    pub fn is_mapped(&self, column: &str) -> bool {
        self.fields.iter().any(|(_, c)| c == column)
    }
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(field, column)| format!("{field}={column}"))
            .collect();
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn column_names_are_normalised() {
        assert_eq!(normalise("Created At"), "created_at");
        assert_eq!(normalise("createdAt"), "created_at");
        assert_eq!(normalise("\u{feff}NPS Score "), "nps_score");
        assert_eq!(
            normalise("Likelihood-to-recommend"),
            "likelihood_to_recommend"
        );
    }

    #[test]
    fn common_names_map_automatically_and_the_rest_is_metadata() {
        let columns = cols(&["Response ID", "Date", "Score", "Text", "Region", "Email"]);
        let mapping = Mapping::resolve(&columns, &[]).unwrap();
        assert_eq!(mapping.column(Field::Id), Some("Response ID"));
        assert_eq!(mapping.column(Field::ReceivedAt), Some("Date"));
        assert_eq!(mapping.column(Field::Rating), Some("Score"));
        assert_eq!(mapping.column(Field::Comment), Some("Text"));
        assert!(!mapping.is_mapped("Region"));
        assert!(
            !mapping.is_mapped("Email"),
            "an e-mail column is never taken as the customer"
        );
        assert_eq!(
            mapping.to_string(),
            "id=Response ID comment=Text rating=Score received_at=Date"
        );
    }

    #[test]
    fn overrides_win_and_are_checked() {
        let columns = cols(&["Q1", "Q2 (0-10)", "comment"]);
        let overrides =
            Mapping::parse_overrides(&["nps=Q2 (0-10)".to_owned(), "comment=Q1".to_owned()])
                .unwrap();
        let mapping = Mapping::resolve(&columns, &overrides).unwrap();
        assert_eq!(mapping.column(Field::Nps), Some("Q2 (0-10)"));
        assert_eq!(mapping.column(Field::Comment), Some("Q1"));
        assert!(
            !mapping.is_mapped("comment"),
            "the column named comment is now metadata"
        );

        let err = Mapping::resolve(&columns, &[(Field::Nps, "Q9".to_owned())]).unwrap_err();
        assert!(err.to_string().contains("no column \"Q9\""), "{err}");
        let e = (Mapping::parse_overrides(&["nps".to_owned()]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected FIELD=COLUMN"), "{e}");
        let e = (Mapping::parse_overrides(&["score=Q1".to_owned()]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field \"score\""), "{e}");
    }

    #[test]
    fn a_file_without_text_or_scores_is_refused() {
        let err = Mapping::resolve(&cols(&["id", "date", "region"]), &[]).unwrap_err();
        assert!(matches!(err, MappingError::NothingToImport(_)));
    }
}
