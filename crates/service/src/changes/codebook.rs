//! Changes to the codebook: renaming a theme (admins and council chairs), merging, splitting,
//! archiving and adding a phrase.

use crate::themes;
use throughline_store::{Store, StoredTheme};

use super::{Actor, audit, in_transaction, may_edit};
use crate::Result;

pub async fn rename_theme(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    label: &str,
) -> Result<StoredTheme> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let before = themes::show(store, id, 0).await?.theme;
        let after = themes::rename(store, id, label).await?;
        audit(
            store,
            actor,
            "theme.rename",
            format!("theme {id}"),
            Some(serde_json::json!({ "label": before.label })),
            Some(serde_json::json!({ "label": after.label })),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// The codebook's edits beyond renaming: the council's, so admins' and council chairs'.
#[derive(Debug, Clone, Copy)]
pub enum ThemeEdit<'a> {
    Merge {
        into: i64,
    },
    /// Into `parts` themes, reproducibly for one `seed`.
    Split {
        parts: usize,
        seed: u64,
    },
    Archive,
    AddPhrase(&'a str),
    /// An archived theme back in use.
    Restore,
    /// The owner a person sets (a department's key), kept across analyses; empty to let the
    /// routing rule decide again.
    SetOwner(&'a str),
    /// A sub-theme of another theme (one issue in several wordings), or a theme of its own
    /// again (`None`).
    Nest {
        under: Option<i64>,
    },
}

/// Applies `edit` to theme `id`; returns the themes it produced or changed (the merged-into
/// theme, the parts of a split, the archived or extended theme).
pub async fn edit_theme(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    edit: ThemeEdit<'_>,
) -> Result<Vec<StoredTheme>> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let before = themes::show(store, id, 0).await?.theme;
        let brief = |t: &StoredTheme| serde_json::json!({ "id": t.id, "label": t.label });
        let (action, after, detail) = match edit {
            ThemeEdit::Merge { into } => {
                let merged = themes::merge(store, id, into).await?;
                let detail = brief(&merged);
                (
                    "theme.merge",
                    vec![merged],
                    serde_json::json!({ "into": detail }),
                )
            }
            ThemeEdit::Split { parts, seed } => {
                let split = themes::split(store, id, parts, seed).await?;
                let detail =
                    serde_json::json!({ "parts": split.iter().map(brief).collect::<Vec<_>>() });
                ("theme.split", split, detail)
            }
            ThemeEdit::Archive => {
                let archived = themes::archive(store, id).await?;
                (
                    "theme.archive",
                    vec![archived],
                    serde_json::json!({ "status": "archived" }),
                )
            }
            ThemeEdit::Restore => {
                let restored = themes::restore(store, id).await?;
                (
                    "theme.restore",
                    vec![restored],
                    serde_json::json!({ "status": "active" }),
                )
            }
            ThemeEdit::SetOwner(owner) => {
                let owned = themes::set_owner(store, id, owner).await?;
                let detail = serde_json::json!({ "owner": owned.owner });
                ("theme.set_owner", vec![owned], detail)
            }
            ThemeEdit::Nest { under } => {
                let nested = themes::nest(store, id, under).await?;
                let parent = match nested.parent {
                    Some(p) => Some(brief(&themes::show(store, p, 0).await?.theme)),
                    None => None,
                };
                let detail = serde_json::json!({ "under": parent, "was_under": before.parent });
                ("theme.nest", vec![nested], detail)
            }
            ThemeEdit::AddPhrase(phrase) => {
                let (theme, gained) = themes::add_phrase(store, id, phrase).await?;
                let detail =
                    serde_json::json!({ "phrase": phrase.trim(), "records_gained": gained });
                ("theme.add_phrase", vec![theme], detail)
            }
        };
        audit(
            store,
            actor,
            action,
            format!("theme {id}"),
            Some(serde_json::json!({ "label": before.label, "status": before.status.as_str() })),
            Some(detail),
        )
        .await?;
        Ok(after)
    })
    .await
}
