//! Changes to the organisation: an organisation file applied (the command line), an edit in the
//! journey editor or the API, and the proposals department members make for the CX lead to
//! accept or decline. Every change that lands is a version of the organisation (who, when, why)
//! and a line in the audit log.
//!
//! Who may do what: administrators and council chairs (the CX lead) apply files, edit the map
//! directly and review proposals; a department member's edit is filed as a proposal; viewers
//! change nothing.

use serde::Serialize;
use throughline_domain::org::{
    ChangeKind, EditProblem, FeedbackMove, MoveKind, OrgDiff, OrgEdit, Organisation, Reassign,
};
use throughline_domain::user::UserRole;
use throughline_store::{
    NewOrgProposal, OrgChange, OrgWrite, Review, Store, VersionMeta, VersionSource,
};

use super::{Actor, audit, in_transaction, json_of, may_edit};
use crate::{Result, ServiceError};

/// Applies `org` to the workspace (or, with `dry_run`, only says what would change); what was
/// applied is a version of the organisation (`source`: the file's name) and audited with its
/// counts and its changes.
pub async fn apply_organisation(
    store: &Store,
    actor: Actor<'_>,
    org: &Organisation,
    source: &str,
    dry_run: bool,
) -> Result<OrgDiff> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        if dry_run {
            return Ok(store.apply_organisation(org, true).await?);
        }
        let before = store.load_organisation().await?;
        let summary = format!("Applied {source}");
        let meta = VersionMeta {
            author: &actor.audit_name(),
            source: VersionSource::File,
            summary: &summary,
            reason: None,
        };
        let change = OrgChange {
            before: before.as_ref(),
            after: org,
            meta,
            moves: &[],
        };
        let diff = match store.change_organisation(change).await? {
            OrgWrite::Applied { diff, .. } => diff,
            OrgWrite::Stale | OrgWrite::NotOpen => return Err(changed_meanwhile()),
        };
        if !diff.is_empty() {
            audit(
                store,
                actor,
                "org.apply",
                "organisation".to_owned(),
                None,
                Some(diff_json(&diff, None)),
            )
            .await?;
        }
        // The surveys the file declares and that do not exist yet are made now.
        crate::surveys::make_declared(store, actor, org).await?;
        Ok(diff)
    })
    .await
}

/// Makes a change to the organisation that a use case other than the editor computed (a moment
/// adopted from the data): a version and an audit line, like an edit.
pub async fn change_organisation(
    store: &Store,
    actor: Actor<'_>,
    before: &Organisation,
    after: &Organisation,
    summary: &str,
) -> Result<OrgDiff> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let meta = VersionMeta {
            author: &actor.audit_name(),
            source: VersionSource::Editor,
            summary,
            reason: None,
        };
        let change = OrgChange {
            before: Some(before),
            after,
            meta,
            moves: &[],
        };
        match store.change_organisation(change).await? {
            OrgWrite::Applied { diff, version } => {
                audit_edit(store, actor, &diff, version).await?;
                Ok(diff)
            }
            OrgWrite::Stale | OrgWrite::NotOpen => Err(changed_meanwhile()),
        }
    })
    .await
}

/// What became of an edit.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EditOutcome {
    /// Made: the new version (none when the edit changed nothing) and its changes.
    Applied { version: Option<i64>, diff: OrgDiff },
    /// Filed as a proposal for the CX lead.
    Proposed { proposal: i64 },
}

/// An edit refused for what it asks (the field and the message), not for who asks it.
pub type Refusal = Vec<EditProblem>;

/// Makes `edit` — directly for administrators and council chairs, as a proposal for members
/// (`propose` files a proposal whoever asks). A refused edit changes nothing and says which
/// field is wrong.
pub async fn edit_organisation(
    store: &Store,
    actor: Actor<'_>,
    edit: &OrgEdit,
    reason: Option<&str>,
    propose: bool,
) -> Result<Result<EditOutcome, Refusal>> {
    in_transaction(store, async |store| {
        let direct = matches!(actor.role(), UserRole::Admin | UserRole::CouncilChair);
        if actor.role() == UserRole::Viewer {
            return Err(ServiceError::Forbidden(
                "a viewer cannot change the journey map; ask a council chair or an administrator"
                    .to_owned(),
            ));
        }
        let before = current(store).await?;
        let (after, moves) = match prepare(store, &before, edit).await? {
            Ok(prepared) => prepared,
            Err(problems) => return Ok(Err(problems)),
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if propose || !direct {
            let summary = edit.summary();
            let edit_json = serde_json::to_string(edit).expect("an edit always serialises");
            let id = store
                .add_org_proposal(NewOrgProposal {
                    author: &actor.audit_name(),
                    author_name: actor.display_name(),
                    department: actor.department().map(|k| k.as_str()),
                    summary: &summary,
                    reason,
                    edit: &edit_json,
                })
                .await?;
            audit(
                store,
                actor,
                "org.propose",
                format!("organisation proposal {id}"),
                None,
                Some(serde_json::json!({ "summary": summary, "edit": edit, "reason": reason })),
            )
            .await?;
            return Ok(Ok(EditOutcome::Proposed { proposal: id }));
        }
        let summary = edit.summary();
        let meta = VersionMeta {
            author: &actor.audit_name(),
            source: VersionSource::Editor,
            summary: &summary,
            reason,
        };
        let change = OrgChange {
            before: Some(&before),
            after: &after,
            meta,
            moves: &moves,
        };
        match store.change_organisation(change).await? {
            OrgWrite::Applied { diff, version } => {
                audit_edit(store, actor, &diff, version).await?;
                Ok(Ok(EditOutcome::Applied { version, diff }))
            }
            OrgWrite::Stale | OrgWrite::NotOpen => Ok(Err(vec![stale_problem()])),
        }
    })
    .await
}

/// The change a proposal would make to the organisation as it is now (its diff), or why it no
/// longer applies.
pub async fn proposal_diff(store: &Store, id: i64) -> Result<Result<OrgDiff, Refusal>> {
    let proposal = store
        .org_proposal(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no proposal {id}")))?;
    let edit = edit_of(&proposal.edit)?;
    let before = current(store).await?;
    Ok(prepare(store, &before, &edit)
        .await?
        .map(|(after, _)| OrgDiff::between(Some(&before), &after)))
}

/// Accepts an open proposal: its edit is made on the organisation as it is now, atomically with
/// the proposal's closing; the version names the proposer and the reviewer.
pub async fn accept_proposal(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    note: Option<&str>,
) -> Result<Result<EditOutcome, Refusal>> {
    in_transaction(store, async |store| {
        may_review(actor)?;
        let proposal = open_proposal(store, id).await?;
        let edit = edit_of(&proposal.edit)?;
        let before = current(store).await?;
        let (after, moves) = match prepare(store, &before, &edit).await? {
            Ok(prepared) => prepared,
            Err(problems) => return Ok(Err(problems)),
        };
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let reviewer = actor.audit_name();
        let summary = format!(
            "{} (proposal {id} by {}, accepted by {reviewer})",
            proposal.summary, proposal.author_name
        );
        let meta = VersionMeta {
            author: &proposal.author,
            source: VersionSource::Proposal,
            summary: &summary,
            reason: proposal.reason.as_deref(),
        };
        let review = Review {
            proposal: id,
            reviewer: &reviewer,
            note,
        };
        let change = OrgChange {
            before: Some(&before),
            after: &after,
            meta,
            moves: &moves,
        };
        match store.accept_org_proposal(review, change).await? {
            OrgWrite::Applied { diff, version } => {
                audit(
                    store,
                    actor,
                    "org.proposal.accept",
                    format!("organisation proposal {id}"),
                    None,
                    Some(serde_json::json!({
                        "note": note,
                        "version": version,
                        "changes": diff.changes,
                    })),
                )
                .await?;
                Ok(Ok(EditOutcome::Applied { version, diff }))
            }
            OrgWrite::Stale => Ok(Err(vec![stale_problem()])),
            OrgWrite::NotOpen => Err(ServiceError::Invalid(format!(
                "proposal {id} was reviewed meanwhile"
            ))),
        }
    })
    .await
}

/// Declines an open proposal; the note (why) is required, so the proposer learns the reason.
pub async fn decline_proposal(store: &Store, actor: Actor<'_>, id: i64, note: &str) -> Result<()> {
    in_transaction(store, async |store| {
        may_review(actor)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(ServiceError::Invalid(
                "say why the proposal is declined: the note is what its author reads".to_owned(),
            ));
        }
        open_proposal(store, id).await?;
        let reviewer = actor.audit_name();
        let review = Review {
            proposal: id,
            reviewer: &reviewer,
            note: Some(note),
        };
        if !store.decline_org_proposal(review).await? {
            return Err(ServiceError::Invalid(format!(
                "proposal {id} was reviewed meanwhile"
            )));
        }
        audit(
            store,
            actor,
            "org.proposal.decline",
            format!("organisation proposal {id}"),
            None,
            Some(serde_json::json!({ "note": note })),
        )
        .await
    })
    .await
}

fn may_review(actor: Actor<'_>) -> Result<()> {
    if matches!(actor.role(), UserRole::Admin | UserRole::CouncilChair) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only the CX lead (a council chair) or an administrator reviews proposals".to_owned(),
        ))
    }
}

async fn open_proposal(store: &Store, id: i64) -> Result<throughline_store::OrgProposal> {
    let proposal = store
        .org_proposal(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no proposal {id}")))?;
    if proposal.status != "open" {
        return Err(ServiceError::Invalid(format!(
            "proposal {id} is already {}",
            proposal.status
        )));
    }
    Ok(proposal)
}

fn edit_of(json: &str) -> Result<OrgEdit> {
    serde_json::from_str(json)
        .map_err(|e| ServiceError::Invalid(format!("the stored proposal cannot be read: {e}")))
}

async fn current(store: &Store) -> Result<Organisation> {
    store.load_organisation().await?.ok_or_else(|| {
        ServiceError::NotFound(
            "no organisation has been applied yet: apply one with `throughline apply FILE.toml`"
                .to_owned(),
        )
    })
}

/// The organisation after `edit`, and what happens to the feedback of what it removes; or why
/// the edit cannot be made.
async fn prepare(
    store: &Store,
    before: &Organisation,
    edit: &OrgEdit,
) -> Result<Result<(Organisation, Vec<FeedbackMove>), Refusal>> {
    let after = match edit.apply(before) {
        Ok(after) => after,
        Err(problems) => return Ok(Err(problems)),
    };
    let Some((kind, key, reassign)) = edit.removal() else {
        return Ok(Ok((after, Vec::new())));
    };
    let what = match kind {
        MoveKind::Stage => "stage",
        MoveKind::Touchpoint => "touchpoint",
    };
    let placed = store.feedback_placed_on(kind, key).await?;
    let to = match reassign {
        _ if placed == 0 => None,
        None => {
            return Ok(Err(vec![EditProblem::at(
                "feedback",
                format!(
                    "{placed} feedback record{} {} on this {what}: choose a {what} to move them \
                     to, or leave them unplaced",
                    if placed == 1 { "" } else { "s" },
                    if placed == 1 { "is" } else { "are" },
                ),
            )]));
        }
        Some(Reassign::Unplace) => None,
        Some(Reassign::MoveTo(target)) => {
            let exists = match kind {
                MoveKind::Stage => after
                    .journey
                    .stages
                    .iter()
                    .any(|s| s.key.as_str() == target),
                MoveKind::Touchpoint => after.touchpoints().any(|(_, t)| t.key.as_str() == target),
            };
            if !exists {
                return Ok(Err(vec![EditProblem::at(
                    "feedback",
                    format!("there is no {what} {target:?} to move the feedback to"),
                )]));
            }
            Some(target.clone())
        }
    };
    let moves = if placed == 0 {
        Vec::new()
    } else {
        vec![FeedbackMove {
            kind,
            from: key.to_owned(),
            to,
        }]
    };
    Ok(Ok((after, moves)))
}

/// An edit's line in the audit log (nothing when it changed nothing).
async fn audit_edit(
    store: &Store,
    actor: Actor<'_>,
    diff: &OrgDiff,
    version: Option<i64>,
) -> Result<()> {
    if diff.is_empty() {
        return Ok(());
    }
    audit(
        store,
        actor,
        "org.edit",
        "organisation".to_owned(),
        None,
        Some(diff_json(diff, version)),
    )
    .await
}

fn diff_json(diff: &OrgDiff, version: Option<i64>) -> serde_json::Value {
    serde_json::json!({
        "version": version,
        "added": diff.count(ChangeKind::Added),
        "changed": diff.count(ChangeKind::Changed),
        "removed": diff.count(ChangeKind::Removed),
        "changes": json_of(&diff.changes),
    })
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::Invalid(
        "the organisation changed while this change was being made; nothing was written, try again"
            .to_owned(),
    )
}

fn stale_problem() -> EditProblem {
    EditProblem {
        field: None,
        message: "the journey map changed while you were editing it; nothing was written: \
                  reload and make your change again"
            .to_owned(),
    }
}
