//! Follow-up cases — the inner loop: one case per feedback record at most, opened by the
//! organisation file's rules for the department that owns the record's touchpoint, moved open →
//! contacted → resolved / no answer with notes, the customer's answer to "was your issue
//! resolved?" and the root-cause theme. Every change is audited in its own transaction.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::Timestamp;
use throughline_domain::org::follow_up::Severity;

use crate::{AuditLine, Result, Store, StoreError};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    /// Someone reached the customer; the case is still open.
    Contacted,
    Resolved,
    /// The customer could not be reached.
    NoAnswer,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Contacted => "contacted",
            Self::Resolved => "resolved",
            Self::NoAnswer => "no_answer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "open" => Some(Self::Open),
            "contacted" => Some(Self::Contacted),
            "resolved" => Some(Self::Resolved),
            "no_answer" | "no-answer" => Some(Self::NoAnswer),
            _ => None,
        }
    }

    /// Resolved or no answer: nothing more to do.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved | Self::NoAnswer)
    }
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FollowUpCase {
    pub id: i64,
    pub feedback_id: i64,
    pub rule_name: String,
    /// Why the rule held ("NPS 3 (6 or less)").
    pub reason: String,
    pub department: String,
    pub stage: Option<String>,
    pub touchpoint: Option<String>,
    pub customer: String,
    pub severity: Severity,
    pub opened_at: Timestamp,
    pub due_at: Timestamp,
    pub status: CaseStatus,
    pub owner: Option<String>,
    /// The theme that was the case's root cause.
    pub theme_id: Option<i64>,
    /// The customer's answer to "was your issue resolved?", when asked.
    pub customer_says_resolved: Option<bool>,
    pub contacted_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

impl FollowUpCase {
    /// Still to do and past its due time.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        !self.status.is_closed() && self.due_at.as_millis() < now.as_millis()
    }
}

/// A case as it is opened.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub feedback_id: i64,
    pub rule_name: String,
    pub reason: String,
    pub department: String,
    pub stage: Option<String>,
    pub touchpoint: Option<String>,
    pub customer: String,
    pub severity: Severity,
    pub opened_at: Timestamp,
    pub due_at: Timestamp,
}

/// A note on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseNote {
    pub at: Timestamp,
    pub author: String,
    pub text: String,
}

/// A change to a case; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct CaseChange {
    pub status: Option<CaseStatus>,
    pub owner: Option<String>,
    pub note: Option<String>,
    pub customer_says_resolved: Option<bool>,
    /// `Some(None)` clears the root-cause theme.
    pub theme_id: Option<Option<i64>>,
}

/// A record the rules may open a case for: recent, with a customer to get back to, no case yet.
#[derive(Debug, Clone)]
pub struct CaseCandidate {
    pub feedback_id: i64,
    pub customer: String,
    pub stage: Option<String>,
    pub touchpoint: Option<String>,
    pub nps: Option<u8>,
    pub csat: Option<u8>,
    pub ces: Option<u8>,
    pub text: String,
}

/// Which records [`Store::case_candidates`] looks at.
#[derive(Debug, Clone, Copy)]
pub enum CandidateScope<'a> {
    /// Every recent record.
    Recent,
    /// The records of one import.
    Import(i64),
    /// The records of one import above a record id (one call's share of an hourly import).
    ImportAfter { import: i64, after: i64 },
    /// These records.
    Records(&'a [i64]),
}

const CASE_COLUMNS: &str = "id, feedback_id, rule_name, reason, department_key, stage_key, \
     touchpoint_key, customer, severity, opened_at, due_at, status, owner, theme_id, \
     customer_says_resolved, contacted_at, closed_at, updated_at";

impl Store {
    /// Opens `cases`; a record that has a case already is skipped. How many were opened.
    pub async fn open_cases(&self, cases: &[NewCase]) -> Result<u64> {
        if cases.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut opened = 0;
        for case in cases {
            opened += sqlx::query(
                "INSERT INTO follow_up_cases (feedback_id, rule_name, reason, department_key, \
                 stage_key, touchpoint_key, customer, severity, opened_at, due_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9) \
                 ON CONFLICT (feedback_id) DO NOTHING",
            )
            .bind(case.feedback_id)
            .bind(&case.rule_name)
            .bind(&case.reason)
            .bind(&case.department)
            .bind(case.stage.as_deref())
            .bind(case.touchpoint.as_deref())
            .bind(&case.customer)
            .bind(case.severity.as_str())
            .bind(case.opened_at.as_millis())
            .bind(case.due_at.as_millis())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(opened)
    }

    /// Records received since `since` that have a customer and no case, of `scope`.
    pub async fn case_candidates(
        &self,
        since: Timestamp,
        scope: CandidateScope<'_>,
    ) -> Result<Vec<CaseCandidate>> {
        const SELECT: &str = "SELECT f.id, f.customer, f.stage_key, f.touchpoint_key, f.nps, \
             f.csat, f.ces, f.comment, f.helpful, f.hindering FROM feedback f \
             LEFT JOIN follow_up_cases c ON c.feedback_id = f.id \
             WHERE c.id IS NULL AND f.customer IS NOT NULL AND f.received_at >= $1";
        let query = |filter: &str| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SELECT}{filter} ORDER BY f.id"
            )))
            .bind(since.as_millis())
        };
        let rows = match scope {
            CandidateScope::Recent => query("").fetch_all(&mut *self.conn().await?).await?,
            CandidateScope::Import(id) => {
                query(" AND f.import_id = $2")
                    .bind(id)
                    .fetch_all(&mut *self.conn().await?)
                    .await?
            }
            CandidateScope::ImportAfter { import, after } => {
                query(" AND f.import_id = $2 AND f.id > $3")
                    .bind(import)
                    .bind(after)
                    .fetch_all(&mut *self.conn().await?)
                    .await?
            }
            CandidateScope::Records(ids) => {
                let mut rows = Vec::new();
                for id in ids {
                    rows.extend(
                        query(" AND f.id = $2")
                            .bind(*id)
                            .fetch_all(&mut *self.conn().await?)
                            .await?,
                    );
                }
                rows
            }
        };
        rows.iter()
            .map(|row| -> Result<CaseCandidate> {
                let score = |column: &str| -> Result<Option<u8>> {
                    Ok(row
                        .try_get::<Option<i64>, _>(column)?
                        .and_then(|v| u8::try_from(v).ok()))
                };
                let text: Vec<String> = ["comment", "helpful", "hindering"]
                    .iter()
                    .filter_map(|c| row.try_get::<Option<String>, _>(*c).ok().flatten())
                    .collect();
                Ok(CaseCandidate {
                    feedback_id: row.try_get("id")?,
                    customer: row.try_get("customer")?,
                    stage: row.try_get("stage_key")?,
                    touchpoint: row.try_get("touchpoint_key")?,
                    nps: score("nps")?,
                    csat: score("csat")?,
                    ces: score("ces")?,
                    text: text.join("\n"),
                })
            })
            .collect()
    }

    /// Cases of `department` (every department when `None`), open ones only when `open_only`,
    /// the most urgent first (open before closed, then by due time), at most `limit`.
    pub async fn follow_up_cases(
        &self,
        department: Option<&str>,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<FollowUpCase>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM follow_up_cases \
             WHERE ($1 = '' OR department_key = $1) \
             AND ($2 = 0 OR status IN ('open', 'contacted')) \
             ORDER BY CASE WHEN status IN ('open', 'contacted') THEN 0 ELSE 1 END, due_at, id \
             LIMIT $3"
        )))
        .bind(department.unwrap_or(""))
        .bind(i64::from(open_only))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(case_of).collect()
    }

    /// A case with its notes, oldest first.
    pub async fn follow_up_case(&self, id: i64) -> Result<Option<(FollowUpCase, Vec<CaseNote>)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM follow_up_cases WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(case) = row.as_ref().map(case_of).transpose()? else {
            return Ok(None);
        };
        let notes = sqlx::query(
            "SELECT at, author, text FROM follow_up_notes WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|row| -> Result<CaseNote> {
            Ok(CaseNote {
                at: Timestamp::from_millis(row.try_get("at")?),
                author: row.try_get("author")?,
                text: row.try_get("text")?,
            })
        })
        .collect::<Result<_>>()?;
        Ok(Some((case, notes)))
    }

    /// Changes a case as `actor`, with the audit line in the same transaction.
    pub async fn change_case(&self, id: i64, change: &CaseChange, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM follow_up_cases WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let before =
            row.as_ref().map(case_of).transpose()?.ok_or_else(|| {
                StoreError::Inconsistent(format!("there is no follow-up case {id}"))
            })?;
        let now = Timestamp::now().as_millis();
        let status = change.status.unwrap_or(before.status);
        let resolved = change
            .customer_says_resolved
            .or(before.customer_says_resolved);
        let theme = change.theme_id.unwrap_or(before.theme_id);
        let contacted_at = match (before.contacted_at, status) {
            (Some(at), _) => Some(at.as_millis()),
            (None, CaseStatus::Contacted | CaseStatus::Resolved) => Some(now),
            (None, _) => None,
        };
        let closed_at = if status.is_closed() {
            Some(before.closed_at.map_or(now, Timestamp::as_millis))
        } else {
            None
        };
        sqlx::query(
            "UPDATE follow_up_cases SET status = $1, owner = $2, theme_id = $3, \
             customer_says_resolved = $4, contacted_at = $5, closed_at = $6, updated_at = $7 \
             WHERE id = $8",
        )
        .bind(status.as_str())
        .bind(change.owner.as_deref().or(before.owner.as_deref()))
        .bind(theme)
        .bind(resolved.map(i64::from))
        .bind(contacted_at)
        .bind(closed_at)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(note) = &change.note {
            sqlx::query(
                "INSERT INTO follow_up_notes (case_id, at, author, text) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(note)
            .execute(&mut *tx)
            .await?;
        }
        let describe = |status: CaseStatus, resolved: Option<bool>, theme: Option<i64>| {
            serde_json::json!({
                "status": status.as_str(), "customer_says_resolved": resolved, "theme": theme,
            })
        };
        crate::accounts::write_audit(
            &mut tx,
            &AuditLine {
                actor,
                action: "follow_up.change",
                subject: &format!("follow-up case {id}"),
                before: Some(&describe(
                    before.status,
                    before.customer_says_resolved,
                    before.theme_id,
                )),
                after: Some(&describe(status, resolved, theme)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every case opened since `since` (for the follow-up rate and time), any status.
    pub async fn cases_opened_since(&self, since: Timestamp) -> Result<Vec<FollowUpCase>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM follow_up_cases WHERE opened_at >= $1 ORDER BY id"
        )))
        .bind(since.as_millis())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(case_of).collect()
    }
}

fn case_of(row: &AnyRow) -> Result<FollowUpCase> {
    let at = |column: &str| -> Result<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(Timestamp::from_millis))
    };
    let id: i64 = row.try_get("id")?;
    let severity: String = row.try_get("severity")?;
    let status: String = row.try_get("status")?;
    let inconsistent = |what: String| StoreError::Inconsistent(format!("case {id}: {what}"));
    Ok(FollowUpCase {
        id,
        feedback_id: row.try_get("feedback_id")?,
        rule_name: row.try_get("rule_name")?,
        reason: row.try_get("reason")?,
        department: row.try_get("department_key")?,
        stage: row.try_get("stage_key")?,
        touchpoint: row.try_get("touchpoint_key")?,
        customer: row.try_get("customer")?,
        severity: Severity::parse(&severity)
            .ok_or_else(|| inconsistent(format!("severity {severity:?}")))?,
        opened_at: Timestamp::from_millis(row.try_get("opened_at")?),
        due_at: Timestamp::from_millis(row.try_get("due_at")?),
        status: CaseStatus::parse(&status)
            .ok_or_else(|| inconsistent(format!("status {status:?}")))?,
        owner: row.try_get("owner")?,
        theme_id: row.try_get("theme_id")?,
        customer_says_resolved: row
            .try_get::<Option<i64>, _>("customer_says_resolved")?
            .map(|v| v != 0),
        contacted_at: at("contacted_at")?,
        closed_at: at("closed_at")?,
        updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
    })
}
