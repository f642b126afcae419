//! Changes to the codebook: renaming a theme (admins and council chairs), merging, splitting,
//! archiving and adding a phrase.

use throughline_service::themes;
use throughline_store::{StoredTheme, StoredUser};

use super::{audit, may_edit};
use crate::{AppError, AppState};

pub async fn rename_theme(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    label: &str,
) -> Result<StoredTheme, AppError> {
    may_edit(user, None)?;
    let before = themes::show(&state.store, id, 0).await?.theme;
    let after = themes::rename(&state.store, id, label).await?;
    audit(
        state,
        user,
        "theme.rename",
        format!("theme {id}"),
        Some(serde_json::json!({ "label": before.label })),
        Some(serde_json::json!({ "label": after.label })),
    )
    .await?;
    Ok(after)
}

/// The codebook's edits beyond renaming: the council's, so admins' and council chairs'.
pub enum ThemeEdit<'a> {
    Merge { into: i64 },
    Split { parts: usize },
    Archive,
    AddPhrase(&'a str),
}

/// Applies `edit` to theme `id`; returns the themes it produced or changed (the merged-into
/// theme, the parts of a split, the archived or extended theme).
pub async fn edit_theme(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    edit: ThemeEdit<'_>,
) -> Result<Vec<StoredTheme>, AppError> {
    may_edit(user, None)?;
    let before = themes::show(&state.store, id, 0).await?.theme;
    let brief = |t: &StoredTheme| serde_json::json!({ "id": t.id, "label": t.label });
    let (action, after, detail) = match edit {
        ThemeEdit::Merge { into } => {
            let merged = themes::merge(&state.store, id, into).await?;
            let detail = brief(&merged);
            (
                "theme.merge",
                vec![merged],
                serde_json::json!({ "into": detail }),
            )
        }
        ThemeEdit::Split { parts } => {
            let split = themes::split(&state.store, id, parts, 42).await?;
            let detail =
                serde_json::json!({ "parts": split.iter().map(brief).collect::<Vec<_>>() });
            ("theme.split", split, detail)
        }
        ThemeEdit::Archive => {
            let archived = themes::archive(&state.store, id).await?;
            (
                "theme.archive",
                vec![archived],
                serde_json::json!({ "status": "archived" }),
            )
        }
        ThemeEdit::AddPhrase(phrase) => {
            let (theme, gained) = themes::add_phrase(&state.store, id, phrase).await?;
            let detail = serde_json::json!({ "phrase": phrase.trim(), "records_gained": gained });
            ("theme.add_phrase", vec![theme], detail)
        }
    };
    audit(
        state,
        user,
        action,
        format!("theme {id}"),
        Some(serde_json::json!({ "label": before.label, "status": before.status.as_str() })),
        Some(detail),
    )
    .await?;
    Ok(after)
}
