//! Presets for widely used export formats: which columns mean what, which rows under the
//! header are not responses, and which values need translating. `--map` still wins over a
//! preset. Each preset has a sample file under `examples/imports/` and a section in
//! `docs/importing.md`.

use std::fmt;

use crate::fields::{Field, normalise};
use crate::formats::{RawRow, ReadError, Reader};

/// A value translation: (field, [(value as exported, value to read)]). An empty target means
/// "no value" (Zendesk's `Offered`: a survey was sent, no answer came).
pub type ValueMap = (Field, &'static [(&'static str, &'static str)]);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Qualtrics survey export (CSV or Excel, "legacy format" off): a header of column ids,
    /// then a row of question texts and a row of `{"ImportId":…}` descriptors.
    Qualtrics,
    /// Zendesk ticket export (CSV): one ticket per row, the requester's description as the
    /// comment, the satisfaction rating (Good/Bad) as CSAT.
    Zendesk,
}

/// What a preset found in the file: the columns it maps, the translations it needs, and rows
/// it had to read ahead that turned out to be responses.
#[derive(Debug, Clone, Default)]
pub struct PresetPlan {
    pub overrides: Vec<(Field, String)>,
    pub values: Vec<ValueMap>,
    pub leftover: Vec<RawRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("unknown preset {0:?}; presets are: qualtrics, zendesk")]
    Unknown(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("the {preset} preset does not fit this file: {reason}")]
    DoesNotFit { preset: Preset, reason: String },
}

/// Zendesk's satisfaction ratings as CSAT: Good counts as satisfied (5), Bad as not (1), so
/// the CSAT share of satisfied customers equals Zendesk's own satisfaction score.
const ZENDESK_SATISFACTION: &[(&str, &str)] = &[
    ("good", "5"),
    ("good, i'm satisfied", "5"),
    ("bad", "1"),
    ("bad, i'm unsatisfied", "1"),
    ("offered", ""),
    ("unoffered", ""),
];

impl Preset {
    pub const ALL: [Preset; 2] = [Self::Qualtrics, Self::Zendesk];

    pub fn parse(name: &str) -> Result<Self, PresetError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "qualtrics" => Ok(Self::Qualtrics),
            "zendesk" => Ok(Self::Zendesk),
            _ => Err(PresetError::Unknown(name.to_owned())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Qualtrics => "qualtrics",
            Self::Zendesk => "zendesk",
        }
    }

    /// Reads what the preset needs from the top of the file and says how to map it.
    pub fn prepare(self, reader: &mut Reader) -> Result<PresetPlan, PresetError> {
        let columns = reader.columns().to_vec();
        match self {
            Self::Qualtrics => qualtrics(reader, &columns),
            Self::Zendesk => Ok(PresetPlan {
                overrides: by_name(
                    &columns,
                    &[
                        (Field::Id, &["id", "ticket_id"]),
                        (Field::Comment, &["description"]),
                        (Field::Csat, &["satisfaction_score", "satisfaction"]),
                        (Field::ReceivedAt, &["created_at", "created"]),
                        (Field::Customer, &["requester_id", "requester_external_id"]),
                        (Field::Channel, &["via", "channel"]),
                    ],
                ),
                values: vec![(Field::Csat, ZENDESK_SATISFACTION)],
                leftover: Vec::new(),
            }),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// For each field, the first column whose normalised name is one of the candidates.
fn by_name(columns: &[String], wanted: &[(Field, &[&str])]) -> Vec<(Field, String)> {
    wanted
        .iter()
        .filter_map(|(field, candidates)| {
            candidates.iter().find_map(|candidate| {
                columns
                    .iter()
                    .find(|c| normalise(c) == *candidate)
                    .map(|c| (*field, c.clone()))
            })
        })
        .collect()
}

/// Question texts that identify a field, tried in this order; the first unmapped column whose
/// question matches takes the field.
const QUALTRICS_QUESTIONS: &[(Field, &[&str])] = &[
    (Field::Nps, &["recommend"]),
    (Field::Csat, &["satisf"]),
    (Field::Ces, &["easy", "effort"]),
    (
        Field::Hindering,
        &[
            "improve",
            "could we do better",
            "hinder",
            "went wrong",
            "disappoint",
            "frustrat",
        ],
    ),
    (
        Field::Helpful,
        &["did well", "went well", "helped", "like most", "liked most"],
    ),
    (
        Field::Comment,
        &[
            "why",
            "reason",
            "comment",
            "tell us",
            "anything else",
            "feedback",
            "describe",
        ],
    ),
];

fn qualtrics(reader: &mut Reader, columns: &[String]) -> Result<PresetPlan, PresetError> {
    let misfit = |reason: String| PresetError::DoesNotFit {
        preset: Preset::Qualtrics,
        reason,
    };
    let questions = match reader.next() {
        Some(row) => row?,
        None => {
            return Err(misfit(
                "it has no row of question texts under the header".into(),
            ));
        }
    };
    let id_column = columns
        .iter()
        .find(|c| normalise(c) == "response_id")
        .ok_or_else(|| misfit("it has no ResponseId column".into()))?;
    if questions.get(id_column).map(normalise).as_deref() != Some("response_id") {
        return Err(misfit(format!(
            "line {} should hold the question texts (\"Response ID\" under {id_column}); \
             export from Qualtrics with \"Use legacy format\" off, or import without --preset",
            questions.line
        )));
    }
    let mut leftover = Vec::new();
    if let Some(row) = reader.next() {
        let row = row?;
        let descriptor = row
            .cells
            .iter()
            .all(|(_, v)| v.is_empty() || v.starts_with("{\"ImportId\""));
        if !descriptor {
            leftover.push(row);
        }
    }

    let mut overrides = by_name(
        columns,
        &[
            (Field::Id, &["response_id"]),
            (Field::ReceivedAt, &["recorded_date", "end_date"]),
            (
                Field::Customer,
                &["external_reference", "external_data_reference"],
            ),
            (Field::Channel, &["distribution_channel"]),
        ],
    );
    for (field, phrases) in QUALTRICS_QUESTIONS {
        let found = columns.iter().find(|column| {
            let taken = overrides.iter().any(|(_, c)| c == *column);
            // `Q1_NPS_GROUP` repeats the NPS answer as a group number (1–3).
            let derived = normalise(column).ends_with("nps_group");
            let question = questions.get(column).unwrap_or_default().to_lowercase();
            !taken && !derived && phrases.iter().any(|p| question.contains(p))
        });
        if let Some(column) = found {
            overrides.push((*field, column.clone()));
        }
    }
    Ok(PresetPlan {
        overrides,
        values: Vec::new(),
        leftover,
    })
}
