//! The organisation's history and the changes proposed to it: every change that lands is a
//! version (the whole organisation file after it, who, when, why, and whether it came from a
//! file, the journey editor or an accepted proposal); a proposal waits for the CX lead.
//!
//! A change lands in one transaction with its version, the feedback it moves off a removed stage
//! or touchpoint and, for a proposal, the proposal's acceptance — and only when the organisation
//! is still the one the change was made against, so two people editing at once cannot overwrite
//! each other unseen.

use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use throughline_domain::Timestamp;
use throughline_domain::org::{FeedbackMove, MoveKind, OrgDiff, Organisation};

use crate::{Result, Store, StoreError};

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionSource {
    /// The organisation as it stood when versions began to be kept.
    Baseline,
    /// An organisation file applied with `throughline apply`.
    File,
    /// An edit in the journey editor (or the API) by an administrator or council chair.
    Editor,
    /// A department member's proposal, accepted.
    Proposal,
}

impl VersionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::File => "file",
            Self::Editor => "editor",
            Self::Proposal => "proposal",
        }
    }

    fn parse(value: &str) -> Result<Self> {
        [Self::Baseline, Self::File, Self::Editor, Self::Proposal]
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| StoreError::Inconsistent(format!("unknown version source {value:?}")))
    }
}

/// Who makes a change, and why: what a new version records.
#[derive(Debug, Clone, Copy)]
pub struct VersionMeta<'a> {
    pub author: &'a str,
    pub source: VersionSource,
    pub summary: &'a str,
    pub reason: Option<&'a str>,
}

/// One version of the organisation (its document apart).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OrgVersion {
    pub number: i64,
    pub created_at: Timestamp,
    pub author: String,
    pub source: VersionSource,
    pub summary: String,
    pub reason: Option<String>,
}

/// A change proposed to the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OrgProposal {
    pub id: i64,
    pub created_at: Timestamp,
    /// The proposer's e-mail.
    pub author: String,
    pub author_name: String,
    pub department: Option<String>,
    pub summary: String,
    pub reason: Option<String>,
    /// The change, as JSON of `OrgEdit`.
    pub edit: String,
    /// `open`, `accepted` or `declined`.
    pub status: String,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<Timestamp>,
    pub review_note: Option<String>,
    /// The version its acceptance made.
    pub version: Option<i64>,
}

/// A proposal as it is filed.
#[derive(Debug, Clone, Copy)]
pub struct NewOrgProposal<'a> {
    pub author: &'a str,
    pub author_name: &'a str,
    pub department: Option<&'a str>,
    pub summary: &'a str,
    pub reason: Option<&'a str>,
    pub edit: &'a str,
}

/// A change to the organisation: from `before` (the organisation it was made against; `None`
/// before any was applied) to `after`, recorded as `meta` says, with the feedback `moves` of what
/// it removes.
#[derive(Debug, Clone, Copy)]
pub struct OrgChange<'a> {
    pub before: Option<&'a Organisation>,
    pub after: &'a Organisation,
    pub meta: VersionMeta<'a>,
    pub moves: &'a [FeedbackMove],
}

/// What became of a change.
#[derive(Debug, Clone, PartialEq)]
pub enum OrgWrite {
    /// It landed (or there was nothing to change: an empty diff and no version).
    Applied { diff: OrgDiff, version: Option<i64> },
    /// The organisation changed since the change was made against it; nothing was written.
    Stale,
    /// The proposal was no longer open (accepted or declined meanwhile); nothing was written.
    NotOpen,
}

/// The review of a proposal that is accepted.
#[derive(Debug, Clone, Copy)]
pub struct Review<'a> {
    pub proposal: i64,
    pub reviewer: &'a str,
    pub note: Option<&'a str>,
}

const PROPOSAL_COLUMNS: &str = "id, created_at, author, author_name, department_key, summary, \
     reason, edit, status, reviewer, reviewed_at, review_note, version_id";

impl Store {
    /// Makes the change — when the organisation is still the one it was made against — in one
    /// transaction with its version and its feedback moves. The first version ever recorded is
    /// preceded by a baseline: the organisation as it stood.
    pub async fn change_organisation(&self, change: OrgChange<'_>) -> Result<OrgWrite> {
        let mut tx = self.begin_write().await?;
        let written = change_in(&mut tx, change).await?;
        if matches!(
            written,
            OrgWrite::Applied {
                version: Some(_),
                ..
            }
        ) {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(written)
    }

    /// The versions, newest first.
    pub async fn organisation_versions(&self) -> Result<Vec<OrgVersion>> {
        let rows = sqlx::query(
            "SELECT id, created_at, author, source, summary, reason FROM organisation_versions \
             ORDER BY id DESC",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(version_of).collect()
    }

    /// A version with its organisation file, or `None` when there is no such version.
    pub async fn organisation_version(&self, number: i64) -> Result<Option<(OrgVersion, String)>> {
        let row = sqlx::query(
            "SELECT id, created_at, author, source, summary, reason, document \
             FROM organisation_versions WHERE id = $1",
        )
        .bind(number)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|row| Ok((version_of(&row)?, row.try_get("document")?)))
            .transpose()
    }

    /// How many feedback records (as imported or as analysed) and themes are placed on a stage
    /// or name a touchpoint.
    pub async fn feedback_placed_on(&self, kind: MoveKind, key: &str) -> Result<u64> {
        let sql = match kind {
            MoveKind::Stage => {
                "SELECT COUNT(*) FROM feedback f LEFT JOIN feedback_analysis a \
                 ON a.feedback_id = f.id WHERE f.stage_key = $1 OR a.stage_key = $1"
            }
            MoveKind::Touchpoint => "SELECT COUNT(*) FROM feedback WHERE touchpoint_key = $1",
        };
        let count: i64 = sqlx::query_scalar(sql)
            .bind(key)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub async fn add_org_proposal(&self, proposal: NewOrgProposal<'_>) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisation_proposals (created_at, author, author_name, department_key, \
             summary, reason, edit) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(Timestamp::now().as_millis())
        .bind(proposal.author)
        .bind(proposal.author_name)
        .bind(proposal.department)
        .bind(proposal.summary)
        .bind(proposal.reason)
        .bind(proposal.edit)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(id)
    }

    /// Proposals, newest first; only those of `status` when given.
    pub async fn org_proposals(&self, status: Option<&str>) -> Result<Vec<OrgProposal>> {
        let rows = match status {
            Some(status) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM organisation_proposals WHERE status = $1 \
                     ORDER BY id DESC"
                )))
                .bind(status)
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM organisation_proposals ORDER BY id DESC"
                )))
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
        };
        rows.iter().map(proposal_of).collect()
    }

    pub async fn org_proposal(&self, id: i64) -> Result<Option<OrgProposal>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PROPOSAL_COLUMNS} FROM organisation_proposals WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(proposal_of).transpose()
    }

    /// Accepts an open proposal: its change is made (when the organisation is still the one it
    /// was made against) and the proposal records its reviewer, note and version — all or
    /// nothing.
    pub async fn accept_org_proposal(
        &self,
        review: Review<'_>,
        change: OrgChange<'_>,
    ) -> Result<OrgWrite> {
        let mut tx = self.begin_write().await?;
        let written = change_in(&mut tx, change).await?;
        let version = match &written {
            OrgWrite::Applied { version, .. } => *version,
            OrgWrite::Stale | OrgWrite::NotOpen => {
                tx.rollback().await?;
                return Ok(written);
            }
        };
        if !close_proposal(&mut tx, review, "accepted", version).await? {
            tx.rollback().await?;
            return Ok(OrgWrite::NotOpen);
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Declines an open proposal with the reviewer's note; false when it was not open.
    pub async fn decline_org_proposal(&self, review: Review<'_>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let closed = close_proposal(&mut tx, review, "declined", None).await?;
        tx.commit().await?;
        Ok(closed)
    }
}

async fn close_proposal(
    conn: &mut AnyConnection,
    review: Review<'_>,
    status: &str,
    version: Option<i64>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE organisation_proposals SET status = $1, reviewer = $2, reviewed_at = $3, \
         review_note = $4, version_id = $5 WHERE id = $6 AND status = 'open'",
    )
    .bind(status)
    .bind(review.reviewer)
    .bind(Timestamp::now().as_millis())
    .bind(review.note)
    .bind(version)
    .bind(review.proposal)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn change_in(conn: &mut AnyConnection, change: OrgChange<'_>) -> Result<OrgWrite> {
    let OrgChange {
        before,
        after,
        meta,
        moves,
    } = change;
    let current = crate::org::load(conn).await?;
    if current.as_ref() != before {
        return Ok(OrgWrite::Stale);
    }
    let diff = OrgDiff::between(current.as_ref(), after);
    if diff.is_empty() {
        return Ok(OrgWrite::Applied {
            diff,
            version: None,
        });
    }
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisation_versions")
        .fetch_one(&mut *conn)
        .await?;
    if versions == 0
        && let Some(current) = &current
    {
        let baseline = VersionMeta {
            author: "unknown",
            source: VersionSource::Baseline,
            summary: "The organisation as it stood before its history was kept",
            reason: None,
        };
        insert_version(conn, current, baseline).await?;
    }
    crate::org::write(conn, after).await?;
    for change in moves {
        move_feedback(conn, change).await?;
    }
    let version = insert_version(conn, after, meta).await?;
    Ok(OrgWrite::Applied {
        diff,
        version: Some(version),
    })
}

async fn insert_version(
    conn: &mut AnyConnection,
    org: &Organisation,
    meta: VersionMeta<'_>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO organisation_versions (created_at, author, source, summary, reason, \
         document) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(Timestamp::now().as_millis())
    .bind(meta.author)
    .bind(meta.source.as_str())
    .bind(meta.summary)
    .bind(meta.reason)
    .bind(org.to_toml())
    .fetch_one(&mut *conn)
    .await?)
}

/// Moves the feedback (and the themes) on a removed stage or touchpoint.
async fn move_feedback(conn: &mut AnyConnection, change: &FeedbackMove) -> Result<()> {
    let statements: &[&'static str] = match change.kind {
        MoveKind::Stage => &[
            "UPDATE feedback SET stage_key = $1 WHERE stage_key = $2",
            "UPDATE feedback_analysis SET stage_key = $1 WHERE stage_key = $2",
            "UPDATE themes SET stage_key = $1 WHERE stage_key = $2",
        ],
        MoveKind::Touchpoint => {
            &["UPDATE feedback SET touchpoint_key = $1 WHERE touchpoint_key = $2"]
        }
    };
    for sql in statements {
        sqlx::query(*sql)
            .bind(change.to.as_deref())
            .bind(change.from.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn version_of(row: &sqlx::any::AnyRow) -> Result<OrgVersion> {
    let source: String = row.try_get("source")?;
    Ok(OrgVersion {
        number: row.try_get("id")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        author: row.try_get("author")?,
        source: VersionSource::parse(&source)?,
        summary: row.try_get("summary")?,
        reason: row.try_get("reason")?,
    })
}

fn proposal_of(row: &sqlx::any::AnyRow) -> Result<OrgProposal> {
    Ok(OrgProposal {
        id: row.try_get("id")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        author: row.try_get("author")?,
        author_name: row.try_get("author_name")?,
        department: row.try_get("department_key")?,
        summary: row.try_get("summary")?,
        reason: row.try_get("reason")?,
        edit: row.try_get("edit")?,
        status: row.try_get("status")?,
        reviewer: row.try_get("reviewer")?,
        reviewed_at: row
            .try_get::<Option<i64>, _>("reviewed_at")?
            .map(Timestamp::from_millis),
        review_note: row.try_get("review_note")?,
        version: row.try_get("version_id")?,
    })
}
