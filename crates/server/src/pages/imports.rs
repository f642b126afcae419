//! Importing a feedback file in the browser (administrators and council chairs), as `throughline
//! import` does on the command line: upload a CSV, JSON Lines or Excel file, read the preview
//! (its format, the source, which column feeds which field), import it, read the report (rows
//! read, imported, duplicates, rejected with the first reasons) and download the rejected rows;
//! then analyse the new records.
//!
//! An upload waits in its own folder under the system's temporary directory, named by a random
//! id, until it is imported; uploads older than a day are removed when the next one arrives.

use std::path::{Path as FilePath, PathBuf};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_service::changes::{self, Actor};
use throughline_service::imports::{self, FileImported, ImportPreview};
use throughline_service::jobs;
use throughline_service::{ServiceError, accounts};
use tokio::io::AsyncWriteExt;

use super::{UserView, check_csrf, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

/// The largest file the browser may send: 256 MiB (a million short comments is about 150 MB).
const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;
/// How long an upload that was never imported is kept.
const KEEP_UPLOADS_SECS: u64 = 24 * 60 * 60;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/imports/new", get(new_form))
        .route(
            "/imports/upload",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/imports/{upload}/run", post(run))
        .route("/imports/{upload}/rejects.csv", get(rejects))
        .route("/imports/analyse", post(analyse))
}

fn uploads_dir() -> PathBuf {
    std::env::temp_dir().join("throughline-uploads")
}

/// The folder of upload `id` — only ever one of ours: 64 hex digits, nothing else.
fn upload_folder(id: &str) -> Result<PathBuf, PageError> {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(uploads_dir().join(id))
    } else {
        Err(AppError::NotFound("there is no such upload".into()).into())
    }
}

/// The uploaded file in upload `id`'s folder (not its rejects file).
fn uploaded_file(id: &str) -> Result<PathBuf, PageError> {
    let gone = || {
        PageError::from(AppError::NotFound(
            "this upload is no longer here (uploads are kept for a day): upload the file again"
                .into(),
        ))
    };
    let entries = std::fs::read_dir(upload_folder(id)?).map_err(|_| gone())?;
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with(".rejects.csv"))
        })
        .ok_or_else(gone)
}

/// A file name the browser sent, made safe to keep: letters, digits, `.`, `-` and `_`, at most
/// 100 characters, never empty, never a hidden file.
fn safe_file_name(sent: &str) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let kept = kept.trim_start_matches('.').to_owned();
    if kept.is_empty() {
        "upload".to_owned()
    } else {
        kept
    }
}

/// Removes uploads older than a day (best effort: a folder that cannot be removed stays).
fn remove_old_uploads() {
    let Ok(entries) = std::fs::read_dir(uploads_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > KEEP_UPLOADS_SECS);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[derive(Serialize, Default)]
struct ImportPage {
    user: Option<UserView>,
    csrf_token: String,
    /// Why the upload or the import was refused.
    error: Option<String>,
    source: String,
    /// After an upload: how the file will be imported, and its upload id.
    preview: Option<ImportPreview>,
    upload: Option<String>,
    /// After the import: what it did.
    done: Option<FileImported>,
    /// After the import: rows the file had beyond the first rejections shown.
    more_rejected: u64,
}

fn page(user: &PageUser, page: ImportPage) -> Result<String, PageError> {
    Ok(render(
        "import.html",
        ImportPage {
            user: Some(user_view(user)),
            csrf_token: user.session.csrf_token.clone(),
            ..page
        },
    )?)
}

fn may_import(user: &PageUser) -> Result<(), PageError> {
    changes::may_edit(Actor::User(&user.session.user), None).map_err(|_| {
        AppError::Forbidden(
            "only administrators and council chairs import feedback files; ask one of them".into(),
        )
        .into()
    })
}

async fn new_form(user: PageUser) -> Result<Html<String>, PageError> {
    may_import(&user)?;
    Ok(Html(page(&user, ImportPage::default())?))
}

fn refused(user: &PageUser, message: String, source: String) -> Result<Response, PageError> {
    let body = page(
        user,
        ImportPage {
            error: Some(message),
            source,
            ..ImportPage::default()
        },
    )?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// The form's fields as they arrive: the token first, so that no file is written for a forged
/// request; the file streamed to disk, never held in memory whole.
async fn upload(
    State(state): State<AppState>,
    user: PageUser,
    mut form: Multipart,
) -> Result<Response, PageError> {
    may_import(&user)?;
    let unreadable = |e: axum::extract::multipart::MultipartError| -> PageError {
        AppError::Invalid(format!(
            "the upload could not be read ({}); files up to {} MB are accepted",
            e.body_text(),
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ))
        .into()
    };
    let mut csrf = String::new();
    let mut source = String::new();
    let mut saved: Option<(PathBuf, u64)> = None;
    remove_old_uploads();
    let folder = uploads_dir().join(accounts::random_secret());
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.map_err(unreadable)?,
            Some("source") => source = field.text().await.map_err(unreadable)?,
            Some("file") => {
                check_csrf(&user, &csrf)?;
                let sent = field.file_name().unwrap_or_default().to_owned();
                if sent.trim().is_empty() {
                    continue;
                }
                let write_error = |e: std::io::Error| {
                    PageError::from(AppError::Internal(format!("storing the upload: {e}")))
                };
                tokio::fs::create_dir_all(&folder)
                    .await
                    .map_err(write_error)?;
                let path = folder.join(safe_file_name(&sent));
                let mut file = tokio::fs::File::create(&path).await.map_err(write_error)?;
                let mut bytes = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    bytes += chunk.len() as u64;
                    file.write_all(&chunk).await.map_err(write_error)?;
                }
                file.flush().await.map_err(write_error)?;
                saved = Some((path, bytes));
            }
            _ => {}
        }
    }
    check_csrf(&user, &csrf)?;
    let Some((path, bytes)) = saved else {
        return refused(&user, "Choose a file to import.".to_owned(), source);
    };
    if bytes == 0 {
        let _ = tokio::fs::remove_dir_all(&folder).await;
        return refused(
            &user,
            "The file is empty: nothing to import.".to_owned(),
            source,
        );
    }
    let actor = Actor::User(&user.session.user);
    match imports::preview(&state.store, actor, &path, Some(&source)).await {
        Ok(preview) => {
            let upload = folder.file_name().map(|n| n.to_string_lossy().into_owned());
            let body = page(
                &user,
                ImportPage {
                    source: preview.source.clone(),
                    preview: Some(preview),
                    upload,
                    ..ImportPage::default()
                },
            )?;
            Ok(Html(body).into_response())
        }
        Err(ServiceError::Invalid(message)) => {
            let _ = tokio::fs::remove_dir_all(&folder).await;
            refused(&user, message, source)
        }
        Err(other) => {
            let _ = tokio::fs::remove_dir_all(&folder).await;
            Err(AppError::from(other).into())
        }
    }
}

#[derive(Deserialize)]
struct RunForm {
    csrf_token: String,
    #[serde(default)]
    source: String,
}

async fn run(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<RunForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    may_import(&user)?;
    let path = uploaded_file(&id)?;
    let actor = Actor::User(&user.session.user);
    match imports::import(&state.store, actor, &path, Some(&form.source)).await {
        Ok(done) => {
            let more_rejected = done
                .rejected
                .saturating_sub(done.first_rejections.len() as u64);
            // The file itself is not needed any more; its rejects stay for the download.
            let _ = tokio::fs::remove_file(&path).await;
            let body = page(
                &user,
                ImportPage {
                    source: done.source.clone(),
                    upload: Some(id),
                    done: Some(done),
                    more_rejected,
                    ..ImportPage::default()
                },
            )?;
            Ok(Html(body).into_response())
        }
        Err(ServiceError::Invalid(message)) => refused(&user, message, form.source),
        Err(other) => Err(AppError::from(other).into()),
    }
}

/// The rejected rows of an import, each with its reason, to fix and import again.
async fn rejects(user: PageUser, Path(id): Path<String>) -> Result<Response, PageError> {
    may_import(&user)?;
    let folder = upload_folder(&id)?;
    let found = std::fs::read_dir(&folder)
        .ok()
        .and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p: &PathBuf| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with(".rejects.csv"))
            })
        })
        .ok_or_else(|| AppError::NotFound("this import rejected no rows".into()))?;
    let bytes = tokio::fs::read(&found)
        .await
        .map_err(|e| AppError::Internal(format!("reading the rejected rows: {e}")))?;
    let name = file_name_of(&found);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn file_name_of(path: &FilePath) -> String {
    path.file_name().map_or_else(
        || "rejects.csv".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Asks a worker to analyse what is new (the records just imported), as `throughline analyze
/// --queue` does, and shows the job: at a million records an analysis takes longer than a
/// request should.
async fn analyse(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    may_import(&user)?;
    let (job, _) =
        jobs::request_analysis(&state.store, Actor::User(&user.session.user), false).await?;
    Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_are_made_safe() {
        assert_eq!(safe_file_name("survey 2026.csv"), "survey_2026.csv");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\ana\\export.xlsx"), "export.xlsx");
        assert_eq!(safe_file_name(".hidden.csv"), "hidden.csv");
        assert_eq!(safe_file_name(""), "upload");
        assert_eq!(safe_file_name("ünïcode.jsonl"), "_n_code.jsonl");
        let e = upload_folder("../x").unwrap_err().0.to_string();
        assert!(e.contains("no such upload"), "{e}");
        assert!(upload_folder(&"a".repeat(64)).is_ok());
    }
}
