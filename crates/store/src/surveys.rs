//! Journey surveys hosted by Throughline: the surveys, their responses, answers set aside as a
//! robot's, and the keys the instance signs survey links and forms with (the invitations are in
//! `survey_invitations`).
//!
//! A response is stored in one transaction with what it uses up: the invitation it answers is
//! marked answered only if it was not already (a second submit finds it taken), and the record
//! goes into `feedback` like any other, under the survey's title as its source — analysed,
//! searched, erased and kept or deleted by the retention policy like any other record.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::Timestamp;
use throughline_domain::survey::{Asks, GoalScale, Language, Measure, Translations};

use crate::feedback::{bind_feedback, insert_statement};
use crate::{AuditLine, KeyedFeedback, Result, Store, StoreError};

/// A survey as stored.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Survey {
    pub id: i64,
    /// The public link's token (`/s/{token}`): anyone who has it may answer.
    pub public_token: String,
    /// The survey's name, and the source of its responses.
    pub title: String,
    /// The touchpoint it asks about (`None` when it asks about a whole stage).
    pub touchpoint: Option<String>,
    /// The stage it asks about as a whole (`None` when it asks about a touchpoint).
    pub stage: Option<String>,
    pub goal_scale: GoalScale,
    pub measure: Measure,
    /// The survey's own optional questions, in order.
    pub questions: Vec<String>,
    /// The language it is written in.
    pub language: Language,
    /// Its own words in other languages.
    pub translations: Translations,
    pub created_by: String,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub responses: u64,
    /// `touchpoint` or `stage`, as the domain reads it.
    #[serde(skip)]
    #[schemars(skip)]
    asks: Asks,
}

impl Survey {
    /// What it asks about.
    pub fn asks(&self) -> &Asks {
        &self.asks
    }

    /// The languages it can be answered in: its own first, then its translations'.
    pub fn languages(&self) -> Vec<Language> {
        std::iter::once(self.language)
            .chain(self.translations.keys().copied())
            .collect()
    }

    /// `wanted` where the survey speaks it, else the survey's own language.
    pub fn spoken(&self, wanted: Option<Language>) -> Language {
        wanted
            .filter(|l| *l == self.language || self.translations.contains_key(l))
            .unwrap_or(self.language)
    }
}

/// A survey as it is made.
#[derive(Debug, Clone, Copy)]
pub struct NewSurvey<'a> {
    pub public_token: &'a str,
    pub title: &'a str,
    pub asks: &'a Asks,
    pub goal_scale: GoalScale,
    pub measure: Measure,
    pub questions: &'a [String],
    pub language: Language,
    pub translations: &'a Translations,
}

/// What became of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStored {
    /// Stored as this feedback record.
    Stored(i64),
    /// The invitation was answered before: nothing stored.
    AlreadyAnswered,
    /// The same form was sent before (a double click, a resend): nothing stored again.
    Duplicate,
}

/// An answer set aside: it looked like a robot's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quarantined {
    pub id: i64,
    pub survey_id: i64,
    pub invitation_id: Option<i64>,
    pub received_at: Timestamp,
    pub reason: String,
    /// The answers as sent (JSON).
    pub answers: String,
}

const SURVEY_COLUMNS: &str = "id, public_token, title, touchpoint_key, stage_key, goal_scale, \
     measure, questions, language, translations, created_by, created_at, closed_at, responses";

impl Store {
    /// Makes a survey, audited as `actor` in the same transaction. Refused when another survey
    /// has the same title (the title names the responses' source).
    pub async fn create_survey(&self, survey: NewSurvey<'_>, actor: &str) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM surveys WHERE title = $1")
            .bind(survey.title)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(other) = taken {
            return Err(StoreError::Inconsistent(format!(
                "survey {other} is already called {:?}: choose another title",
                survey.title
            )));
        }
        let questions = serde_json::to_string(survey.questions).expect("strings serialise");
        let translations =
            serde_json::to_string(survey.translations).expect("translations serialise");
        // A survey of a whole stage keeps '' as its touchpoint (the column is NOT NULL for the
        // instances one version older, migration 0029).
        let (touchpoint, stage) = match survey.asks {
            Asks::Touchpoint(key) => (key.as_str(), None),
            Asks::Stage(key) => ("", Some(key.as_str())),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO surveys (public_token, title, touchpoint_key, stage_key, goal_scale, \
             measure, questions, language, translations, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(survey.public_token)
        .bind(survey.title)
        .bind(touchpoint)
        .bind(stage)
        .bind(i64::from(survey.goal_scale.top()))
        .bind(survey.measure.as_str())
        .bind(&questions)
        .bind(survey.language.code())
        .bind(&translations)
        .bind(actor)
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({
            "title": survey.title, "asks": survey.asks,
            "goal_scale": survey.goal_scale.top(), "measure": survey.measure.as_str(),
            "questions": survey.questions, "language": survey.language,
            "translations": survey.translations,
        });
        crate::accounts::write_audit(
            &mut tx,
            &AuditLine {
                actor,
                action: "survey.create",
                subject: &format!("survey {id}"),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every survey, newest first.
    pub async fn surveys(&self) -> Result<Vec<Survey>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys ORDER BY id DESC"
        )))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(survey_of).collect()
    }

    pub async fn survey(&self, id: i64) -> Result<Option<Survey>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(survey_of).transpose()
    }

    /// The survey whose public link is `token`.
    pub async fn survey_by_token(&self, token: &str) -> Result<Option<Survey>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SURVEY_COLUMNS} FROM surveys WHERE public_token = $1"
        )))
        .bind(token)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(survey_of).transpose()
    }

    /// Closes a survey for good (its links answer "closed"), audited as `actor`; false when
    /// it was not open.
    pub async fn close_survey(&self, id: i64, actor: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let closed =
            sqlx::query("UPDATE surveys SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
                .bind(Timestamp::now().as_millis())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        if closed {
            crate::accounts::write_audit(
                &mut tx,
                &AuditLine {
                    actor,
                    action: "survey.close",
                    subject: &format!("survey {id}"),
                    before: None,
                    after: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(closed)
    }

    /// Counts one answer sent from the network address whose hash is `address_hash` in the
    /// window starting at `window_start` (ms), and forgets windows older than `forget_before`;
    /// the answers counted in the window so far, this one included. Every server instance
    /// counts in the same table, so a limit holds across instances behind a load balancer.
    pub async fn count_survey_answer(
        &self,
        address_hash: &str,
        window_start: i64,
        forget_before: i64,
    ) -> Result<u32> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM survey_answer_counts WHERE window_start < $1")
            .bind(forget_before)
            .execute(&mut *tx)
            .await?;
        let count: i64 = sqlx::query_scalar(
            "INSERT INTO survey_answer_counts (address_hash, window_start, answers) \
             VALUES ($1, $2, 1) ON CONFLICT (address_hash, window_start) \
             DO UPDATE SET answers = survey_answer_counts.answers + 1 RETURNING answers",
        )
        .bind(address_hash)
        .bind(window_start)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// The instance's secret called `name`, made (at random, by `make`) the first time it is
    /// asked for; every server instance reads the same one.
    pub async fn instance_key(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        let read = || sqlx::query_scalar("SELECT secret FROM instance_keys WHERE name = $1");
        if let Some(secret) = read()
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?
        {
            return Ok(secret);
        }
        sqlx::query(
            "INSERT INTO instance_keys (name, secret) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .execute(&mut *self.conn().await?)
        .await?;
        // Another instance may have made it first: theirs is the one.
        Ok(read()
            .bind(name)
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    /// Stores a response to `survey_id` as the feedback record `record`, answering
    /// `invitation` when given — in one transaction: an invitation answered before, or a form
    /// sent before (the same dedup key), stores nothing.
    pub async fn store_survey_response(
        &self,
        survey_id: i64,
        invitation: Option<i64>,
        record: &KeyedFeedback,
    ) -> Result<ResponseStored> {
        let mut tx = self.begin_write().await?;
        let now = Timestamp::now().as_millis();
        if let Some(invitation) = invitation {
            let taken = sqlx::query(
                "UPDATE survey_invitations SET responded_at = $1 \
                 WHERE id = $2 AND survey_id = $3 AND responded_at IS NULL",
            )
            .bind(now)
            .bind(invitation)
            .bind(survey_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if taken == 0 {
                return Ok(ResponseStored::AlreadyAnswered);
            }
        }
        let sql = format!("{} RETURNING id", insert_statement(1, self.backend));
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let stored = bind_feedback(query, &record.record, &record.dedup_key, None)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = stored else {
            return Ok(ResponseStored::Duplicate);
        };
        let id: i64 = row.try_get("id")?;
        if let Some(invitation) = invitation {
            sqlx::query("UPDATE survey_invitations SET feedback_id = $1 WHERE id = $2")
                .bind(id)
                .bind(invitation)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE surveys SET responses = responses + 1 WHERE id = $1")
            .bind(survey_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ResponseStored::Stored(id))
    }

    /// Sets an answer aside: it looked like a robot's (why: `reason`).
    pub async fn quarantine_survey_response(
        &self,
        survey_id: i64,
        invitation: Option<i64>,
        reason: &str,
        answers: &serde_json::Value,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO survey_quarantine (survey_id, invitation_id, received_at, reason, \
             answers) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(survey_id)
        .bind(invitation)
        .bind(Timestamp::now().as_millis())
        .bind(reason)
        .bind(answers.to_string())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// The answers set aside for `survey_id`, newest first, at most `limit`; and how many
    /// there are in all.
    pub async fn quarantined(&self, survey_id: i64, limit: u32) -> Result<(Vec<Quarantined>, u64)> {
        let rows = sqlx::query(
            "SELECT id, survey_id, invitation_id, received_at, reason, answers \
             FROM survey_quarantine WHERE survey_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(survey_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM survey_quarantine WHERE survey_id = $1")
                .bind(survey_id)
                .fetch_one(&mut *self.conn().await?)
                .await?;
        let kept = rows.iter().map(quarantined_of).collect::<Result<_>>()?;
        Ok((kept, u64::try_from(total).unwrap_or(0)))
    }

    /// One answer set aside, if it is still there.
    pub async fn quarantined_answer(&self, id: i64) -> Result<Option<Quarantined>> {
        let row = sqlx::query(
            "SELECT id, survey_id, invitation_id, received_at, reason, answers \
             FROM survey_quarantine WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(quarantined_of).transpose()
    }

    /// Removes an answer set aside once a person released it (into the feedback, as
    /// `feedback_id`) or dropped it, audited as `actor` in the same transaction.
    pub async fn remove_quarantined(
        &self,
        id: i64,
        feedback_id: Option<i64>,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM survey_quarantine WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "feedback": feedback_id });
        crate::accounts::write_audit(
            &mut tx,
            &AuditLine {
                actor,
                action: if feedback_id.is_some() {
                    "survey.answer.release"
                } else {
                    "survey.answer.drop"
                },
                subject: &format!("set-aside survey answer {id}"),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn survey_of(row: &AnyRow) -> Result<Survey> {
    let scale: i64 = row.try_get("goal_scale")?;
    let measure: String = row.try_get("measure")?;
    let questions: String = row.try_get("questions")?;
    let language: String = row.try_get("language")?;
    let translations: String = row.try_get("translations")?;
    let touchpoint: String = row.try_get("touchpoint_key")?;
    let stage: Option<String> = row.try_get("stage_key")?;
    let id: i64 = row.try_get("id")?;
    let inconsistent = |what: String| StoreError::Inconsistent(format!("survey {id}: {what}"));
    let key = |k: &str| throughline_domain::Key::parse(k).map_err(|e| inconsistent(e.0));
    let asks = match &stage {
        Some(stage) => Asks::Stage(key(stage)?),
        None => Asks::Touchpoint(key(&touchpoint)?),
    };
    Ok(Survey {
        id,
        public_token: row.try_get("public_token")?,
        title: row.try_get("title")?,
        touchpoint: (!touchpoint.is_empty()).then_some(touchpoint),
        stage,
        asks,
        goal_scale: u8::try_from(scale)
            .ok()
            .and_then(GoalScale::from_top)
            .ok_or_else(|| inconsistent(format!("goal scale {scale}")))?,
        measure: Measure::parse(&measure).map_err(|e| inconsistent(e.0))?,
        questions: serde_json::from_str(&questions)
            .map_err(|e| inconsistent(format!("questions: {e}")))?,
        language: Language::parse(&language).map_err(|e| inconsistent(e.0))?,
        translations: serde_json::from_str(&translations)
            .map_err(|e| inconsistent(format!("translations: {e}")))?,
        created_by: row.try_get("created_by")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        closed_at: row
            .try_get::<Option<i64>, _>("closed_at")?
            .map(Timestamp::from_millis),
        responses: u64::try_from(row.try_get::<i64, _>("responses")?).unwrap_or(0),
    })
}

fn quarantined_of(row: &AnyRow) -> Result<Quarantined> {
    Ok(Quarantined {
        id: row.try_get("id")?,
        survey_id: row.try_get("survey_id")?,
        invitation_id: row.try_get("invitation_id")?,
        received_at: Timestamp::from_millis(row.try_get("received_at")?),
        reason: row.try_get("reason")?,
        answers: row.try_get("answers")?,
    })
}
