//! The codebook's edits from a theme's page — rename, add a phrase, split, merge, archive —
//! through the one policy ([`changes::edit_theme`]); the hard-to-undo ones (split, merge,
//! archive) asked once more with what they do before they are made.

use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use throughline_service::changes::{self, Actor, ThemeEdit};
use throughline_service::themes;

use super::super::{PageUser, check_csrf, or_show_again};
use super::{ConfirmView, VerbatimQuery, theme_view, theme_view_asking};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState};

/// After an edit: where it leads, or the theme's page again with the error.
async fn after_edit(
    state: &AppState,
    user: &PageUser,
    id: i64,
    result: Result<String, impl Into<AppError>>,
) -> Result<Response, PageError> {
    let result = result.map(|to| Redirect::to(&to).into_response());
    or_show_again(result, async |message| {
        theme_view(state, user, id, VerbatimQuery::default(), Some(message)).await
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct RenameForm {
    csrf_token: String,
    #[serde(default)]
    label: String,
}

pub(super) async fn rename(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::rename_theme(
        &state.store,
        Actor::User(&user.session.user),
        id,
        &form.label,
    )
    .await
    .map(|_| format!("/themes/{id}"));
    after_edit(&state, &user, id, result).await
}

#[derive(Deserialize)]
pub(super) struct MergeForm {
    csrf_token: String,
    #[serde(default)]
    into: String,
    /// `yes` once the person has seen what the change does.
    #[serde(default)]
    confirm: String,
}

/// Asks once more before a change that is hard to take back: the theme's page with the question.
async fn ask(
    state: &AppState,
    user: &PageUser,
    id: i64,
    confirm: ConfirmView,
) -> Result<Response, PageError> {
    changes::may_edit(Actor::User(&user.session.user), None).map_err(AppError::from)?;
    let body = theme_view_asking(
        state,
        user,
        id,
        VerbatimQuery::default(),
        None,
        Some(confirm),
    )
    .await?;
    Ok(Html(body).into_response())
}

/// "“Late deliveries” (120 records)".
async fn named(state: &AppState, id: i64) -> Result<String, PageError> {
    let t = themes::show(&state.store, id, 0).await?.theme;
    Ok(format!("“{}” ({} records)", t.label, t.aggregates.records))
}

pub(super) async fn merge(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    if form.confirm != "yes"
        && let Ok(into) = form.into.trim().parse::<i64>()
        && into != id
        && themes::show(&state.store, into, 0).await.is_ok()
    {
        let (from, to) = (named(&state, id).await?, named(&state, into).await?);
        let confirm = ConfirmView {
            question: format!("Merge {from} into {to}?"),
            consequence: format!(
                "Its records, phrases and place in the codebook go to {to}; it is kept, marked \
                 merged, for the record. Splitting {to} again is the way back."
            ),
            action: format!("/themes/{id}/merge"),
            fields: vec![("into".to_owned(), into.to_string())],
            button: "Merge them".to_owned(),
        };
        return ask(&state, &user, id, confirm).await;
    }
    let result = async {
        let into =
            form.into.trim().parse::<i64>().map_err(|_| {
                AppError::Invalid("choose the theme to merge this one into".to_owned())
            })?;
        changes::edit_theme(
            &state.store,
            Actor::User(&user.session.user),
            id,
            ThemeEdit::Merge { into },
        )
        .await?;
        Ok::<_, AppError>(format!("/themes/{into}"))
    }
    .await;
    after_edit(&state, &user, id, result).await
}

#[derive(Deserialize)]
pub(super) struct SplitForm {
    csrf_token: String,
    #[serde(default)]
    parts: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn split(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<SplitForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    if form.confirm != "yes"
        && let Ok(parts) = form.parts.trim().parse::<usize>()
        && (2..=10).contains(&parts)
    {
        let theme = named(&state, id).await?;
        let confirm = ConfirmView {
            question: format!("Split {theme} into {parts} themes?"),
            consequence: "Its records are grouped again into the new themes; it is kept, marked \
                          split, for the record. Merging the new themes back is the way back."
                .to_owned(),
            action: format!("/themes/{id}/split"),
            fields: vec![("parts".to_owned(), parts.to_string())],
            button: format!("Split it into {parts}"),
        };
        return ask(&state, &user, id, confirm).await;
    }
    let result = async {
        let parts = form.parts.trim().parse::<usize>().map_err(|_| {
            AppError::Invalid(format!(
                "the number of parts must be a whole number from 2 to 10, not {:?}",
                form.parts
            ))
        })?;
        changes::edit_theme(
            &state.store,
            Actor::User(&user.session.user),
            id,
            ThemeEdit::Split { parts, seed: 42 },
        )
        .await?;
        Ok::<_, AppError>(format!("/themes/{id}"))
    }
    .await;
    after_edit(&state, &user, id, result).await
}

#[derive(Deserialize)]
pub(super) struct ArchiveForm {
    csrf_token: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn archive(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    if form.confirm != "yes" {
        let theme = named(&state, id).await?;
        let confirm = ConfirmView {
            question: format!("Archive {theme}?"),
            consequence: "It leaves the lists, the Top Ten and the analysis of new records; its \
                          page stays, and Restore brings it back."
                .to_owned(),
            action: format!("/themes/{id}/archive"),
            fields: Vec::new(),
            button: "Archive it".to_owned(),
        };
        return ask(&state, &user, id, confirm).await;
    }
    let result = changes::edit_theme(
        &state.store,
        Actor::User(&user.session.user),
        id,
        ThemeEdit::Archive,
    )
    .await
    .map(|_| "/themes".to_owned());
    after_edit(&state, &user, id, result).await
}

#[derive(Deserialize)]
pub(super) struct PhraseForm {
    csrf_token: String,
    #[serde(default)]
    phrase: String,
}

pub(super) async fn add_phrase(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<PhraseForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::edit_theme(
        &state.store,
        Actor::User(&user.session.user),
        id,
        ThemeEdit::AddPhrase(&form.phrase),
    )
    .await
    .map(|_| format!("/themes/{id}"));
    after_edit(&state, &user, id, result).await
}

#[derive(Deserialize)]
pub(super) struct NestForm {
    csrf_token: String,
    /// The parent theme's id; empty to make the theme one of its own again.
    #[serde(default)]
    under: String,
}

/// Puts the theme under another as a sub-theme (one issue in several wordings), or makes it a
/// theme of its own again: easily undone, so not asked twice.
pub(super) async fn nest(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<NestForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = async {
        let under = match form.under.trim() {
            "" => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                AppError::Invalid(format!(
                    "choose the theme to put this one under, not {text:?}"
                ))
            })?),
        };
        changes::edit_theme(
            &state.store,
            Actor::User(&user.session.user),
            id,
            ThemeEdit::Nest { under },
        )
        .await?;
        // The page, where the sub-theme is now listed.
        Ok::<_, AppError>(format!("/themes/{}", under.unwrap_or(id)))
    }
    .await;
    after_edit(&state, &user, id, result).await
}
