//! Storing and loading the organisation (departments, journey, ownership, moments of truth,
//! councils, metric definitions).
//!
//! Applying is a sync to the desired state inside one transaction: entities are upserted by
//! their key (so their ids, which other data will reference, survive renames), entities absent
//! from the file are deleted, and child lists (champions, vocabulary, ownership, members) are
//! replaced. Nothing is written when the diff is empty, which makes re-applying a no-op.

use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use sqlx::{AnyConnection, AssertSqlSafe};
use throughline_domain::Timestamp;
use throughline_domain::org::file::{
    CouncilEntry, CxManagerEntry, DepartmentEntry, DetectEntry, JourneyEntry, MemberEntry,
    MetricEntry, MomentEntry, OrganisationEntry, PersonEntry, StageEntry, TouchpointEntry,
};
use throughline_domain::org::{Credit, OrgDiff, OrgFile, Organisation, Person};

use crate::{Result, Store, StoreError};

impl Store {
    /// The organisation as last applied, or `None` when none was applied yet.
    #[tracing::instrument(skip_all)]
    ///
    /// Every page reads the organisation (fifteen queries); it changes when a person applies or
    /// edits it, and every such write goes through [`write`], which stamps the organisation's
    /// `updated_at`. So the organisation is kept as last read, under that stamp, and read again
    /// only when the stamp moved (one query) — by this instance or another on the same
    /// database. Inside a write transaction it is always read (the transaction may have
    /// written it).
    pub async fn load_organisation(&self) -> Result<Option<Organisation>> {
        let mut conn = self.conn().await?;
        if self.transaction.is_some() {
            return load(&mut conn).await;
        }
        let stamp: Option<i64> =
            sqlx::query_scalar("SELECT updated_at FROM organisation WHERE id = 1")
                .fetch_optional(&mut *conn)
                .await?;
        let Some(stamp) = stamp else {
            return Ok(None);
        };
        if let Some(kept) = self.organisation.get(stamp) {
            return Ok(Some(kept));
        }
        // Read after the stamp: a write landing meanwhile leaves a newer organisation under
        // the older stamp, read again at the next call.
        let org = load(&mut conn).await?;
        if let Some(org) = &org {
            self.organisation.keep(stamp, org);
        }
        Ok(org)
    }

    /// Makes the stored organisation equal to `org` and returns what changed. With `dry_run`,
    /// returns what would change and writes nothing. Either all of it is applied or none.
    #[tracing::instrument(skip_all, fields(dry_run))]
    pub async fn apply_organisation(&self, org: &Organisation, dry_run: bool) -> Result<OrgDiff> {
        let mut tx = self.begin_write().await?;
        let current = load(&mut tx).await?;
        let diff = OrgDiff::between(current.as_ref(), org);
        if diff.is_empty() || dry_run {
            tx.rollback().await?;
            return Ok(diff);
        }
        write(&mut tx, org).await?;
        tx.commit().await?;
        Ok(diff)
    }
}

/// The organisation as last read and the `updated_at` it was read under (see
/// [`Store::load_organisation`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeptOrganisation(Arc<Mutex<Option<(i64, Organisation)>>>);

impl KeptOrganisation {
    fn get(&self, stamp: i64) -> Option<Organisation> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.as_ref()
            .filter(|(at, _)| *at == stamp)
            .map(|(_, org)| org.clone())
    }

    fn keep(&self, stamp: i64, org: &Organisation) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((stamp, org.clone()));
    }
}

fn parse_enum<T: DeserializeOwned>(value: &str, column: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| StoreError::Inconsistent(format!("unexpected {column} {value:?}")))
}

fn person(name: String, email: Option<String>) -> PersonEntry {
    PersonEntry { name, email }
}

pub(crate) async fn load(conn: &mut AnyConnection) -> Result<Option<Organisation>> {
    let Some((name, journey_name, recognition)) = sqlx::query_as::<_, (String, String, String)>(
        "SELECT name, journey_name, recognition FROM organisation WHERE id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };

    let champions: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT department_id, name, email FROM department_champions \
         ORDER BY department_id, position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let managers: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
        "SELECT department_id, name, email, component FROM department_cx_managers \
         ORDER BY department_id, position",
    )
    .fetch_all(&mut *conn)
    .await?;
    type DeptRow = (
        i64,
        String,
        String,
        Option<String>,
        i64,
        Option<String>,
        Option<String>,
    );
    let departments: Vec<DepartmentEntry> = sqlx::query_as::<_, DeptRow>(
        "SELECT id, key, name, description, customer_facing, lead_name, lead_email \
         FROM departments ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(
        |(id, key, name, description, customer_facing, lead_name, lead_email)| DepartmentEntry {
            key,
            name,
            description,
            customer_facing: (customer_facing == 0).then_some(false),
            lead: lead_name.map(|n| person(n, lead_email)),
            champions: champions
                .iter()
                .filter(|(dept, _, _)| *dept == id)
                .map(|(_, n, e)| person(n.clone(), e.clone()))
                .collect(),
            cx_managers: managers
                .iter()
                .filter(|(dept, _, _, _)| *dept == id)
                .map(|(_, name, email, component)| CxManagerEntry {
                    name: name.clone(),
                    email: email.clone(),
                    component: component.clone(),
                })
                .collect(),
        },
    )
    .collect();

    let vocabulary: Vec<(i64, String)> =
        sqlx::query_as("SELECT stage_id, phrase FROM stage_vocabulary ORDER BY stage_id, position")
            .fetch_all(&mut *conn)
            .await?;
    let ownership: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT td.touchpoint_id, d.key, td.role FROM touchpoint_departments td \
         JOIN departments d ON d.id = td.department_id ORDER BY td.touchpoint_id, td.position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let touchpoints: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, stage_id, key, name, channel FROM touchpoints ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let role_list = |tp: i64, role: &str| -> Vec<String> {
        ownership
            .iter()
            .filter(|(t, _, r)| *t == tp && r == role)
            .map(|(_, key, _)| key.clone())
            .collect()
    };
    let stages: Vec<StageEntry> = sqlx::query_as::<_, (i64, String, String, Option<String>)>(
        "SELECT id, key, name, description FROM stages ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(id, key, name, description)| StageEntry {
        key,
        name,
        description,
        vocabulary: vocabulary
            .iter()
            .filter(|(stage, _)| *stage == id)
            .map(|(_, phrase)| phrase.clone())
            .collect(),
        touchpoints: touchpoints
            .iter()
            .filter(|(_, stage, ..)| *stage == id)
            .map(|(tp, _, key, name, channel)| TouchpointEntry {
                key: key.clone(),
                name: name.clone(),
                channel: channel.clone(),
                owners: role_list(*tp, "owner"),
                contributors: role_list(*tp, "contributor"),
            })
            .collect(),
    })
    .collect();

    type MomentRow = (
        String,
        i64,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    let mut moments: Vec<MomentEntry> = sqlx::query_as::<_, MomentRow>(
        "SELECT m.name, m.rank, s.key, t.key, m.expectation, m.detect_event, m.detect_count, \
         m.detect_within_days FROM moments_of_truth m \
         JOIN stages s ON s.id = m.stage_id \
         LEFT JOIN touchpoints t ON t.id = m.touchpoint_id ORDER BY m.rank",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(
        |(name, rank, stage, touchpoint, expectation, event, count, within_days)| MomentEntry {
            rank,
            name,
            stage,
            touchpoint,
            expectation,
            metrics: Vec::new(),
            detect: event.map(|event| DetectEntry {
                event,
                count: count.unwrap_or(0),
                within_days,
            }),
        },
    )
    .collect();
    for (moment, metric) in sqlx::query_as::<_, (String, String)>(
        "SELECT mo.name, md.key FROM moment_metrics mm \
         JOIN moments_of_truth mo ON mo.id = mm.moment_id \
         JOIN metric_definitions md ON md.id = mm.metric_id ORDER BY mm.moment_id, mm.position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some(entry) = moments.iter_mut().find(|m| m.name == moment) {
            entry.metrics.push(metric);
        }
    }

    type MemberRow = (
        i64,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let members: Vec<MemberRow> = sqlx::query_as(
        "SELECT cm.council_id, cm.is_chair, cm.name, cm.email, cm.title, d.key \
         FROM council_members cm LEFT JOIN departments d ON d.id = cm.department_id \
         ORDER BY cm.council_id, cm.position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let member = |row: &MemberRow| MemberEntry {
        name: row.2.clone(),
        email: row.3.clone(),
        title: row.4.clone(),
        department: row.5.clone(),
    };
    let mut councils = Vec::new();
    for (id, key, name, kind, cadence) in
        sqlx::query_as::<_, (i64, String, String, String, String)>(
            "SELECT id, key, name, kind, cadence FROM councils ORDER BY position",
        )
        .fetch_all(&mut *conn)
        .await?
    {
        let chair = members
            .iter()
            .find(|m| m.0 == id && m.1 != 0)
            .map(member)
            .ok_or_else(|| StoreError::Inconsistent(format!("council {key:?} has no chair")))?;
        councils.push(CouncilEntry {
            kind: parse_enum(&kind, "council kind")?,
            cadence: Some(parse_enum(&cadence, "council cadence")?),
            chair,
            members: members
                .iter()
                .filter(|m| m.0 == id && m.1 == 0)
                .map(member)
                .collect(),
            key,
            name,
        });
    }

    type MetricRow = (
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
    );
    let mut metrics = Vec::new();
    for (key, name, unit, department, stage, direction, description) in
        sqlx::query_as::<_, MetricRow>(
            "SELECT m.key, m.name, m.unit, d.key, s.key, m.direction, m.description \
             FROM metric_definitions m JOIN departments d ON d.id = m.department_id \
             LEFT JOIN stages s ON s.id = m.stage_id ORDER BY m.position",
        )
        .fetch_all(&mut *conn)
        .await?
    {
        metrics.push(MetricEntry {
            direction: parse_enum(&direction, "metric direction")?,
            key,
            name,
            unit,
            department,
            stage,
            description,
        });
    }

    let mut follow_up = Vec::new();
    for (definition,) in
        sqlx::query_as::<_, (String,)>("SELECT definition FROM follow_up_rules ORDER BY position")
            .fetch_all(&mut *conn)
            .await?
    {
        follow_up.push(serde_json::from_str(&definition).map_err(|e| {
            StoreError::Inconsistent(format!("a follow-up rule {definition:?}: {e}"))
        })?);
    }

    let mut surveys = Vec::new();
    for (definition,) in sqlx::query_as::<_, (String,)>(
        "SELECT definition FROM survey_definitions ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        surveys.push(serde_json::from_str(&definition).map_err(|e| {
            StoreError::Inconsistent(format!("a survey definition {definition:?}: {e}"))
        })?);
    }

    let file = OrgFile {
        organisation: OrganisationEntry {
            name,
            // The default is left out, as a file would.
            recognition: (recognition != Credit::Teams.as_str()).then_some(recognition),
        },
        departments,
        journey: JourneyEntry {
            name: journey_name,
            stages,
        },
        moments_of_truth: moments,
        councils,
        metrics,
        follow_up,
        surveys,
    };
    // What was stored passed validation when it was applied; checking again costs little and
    // turns a hand-edited database into a clear message instead of wrong answers.
    let parsed = file.validate().map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        StoreError::Inconsistent(list.join("; "))
    })?;
    Ok(Some(parsed.organisation))
}

/// Deletes the rows of `table` whose `key_column` is not in `keep`. Table and column names are
/// constants of this module, never input.
async fn delete_missing(
    conn: &mut AnyConnection,
    table: &str,
    key_column: &str,
    keep: &[String],
) -> Result<()> {
    let existing: Vec<String> =
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT {key_column} FROM {table}")))
            .fetch_all(&mut *conn)
            .await?;
    for key in existing.into_iter().filter(|k| !keep.contains(k)) {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE {key_column} = $1"
        )))
        .bind(key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The id written for `key`, from a list of (key, id) kept while writing.
fn lookup(list: &[(throughline_domain::Key, i64)], key: &throughline_domain::Key) -> Option<i64> {
    list.iter().find(|(k, _)| k == key).map(|(_, id)| *id)
}

fn position(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// Writes the whole organisation. Its `updated_at` moves forward on every write — to now, or
/// a millisecond past the last write when that was this same millisecond — since the
/// organisation is kept in memory under it ([`Store::load_organisation`]).
pub(crate) async fn write(conn: &mut AnyConnection, org: &Organisation) -> Result<()> {
    sqlx::query(
        "INSERT INTO organisation (id, name, journey_name, recognition, updated_at) \
         VALUES (1, $1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         journey_name = excluded.journey_name, recognition = excluded.recognition, \
         updated_at = CASE WHEN excluded.updated_at > organisation.updated_at \
         THEN excluded.updated_at ELSE organisation.updated_at + 1 END",
    )
    .bind(org.name.as_str())
    .bind(org.journey.name.as_str())
    .bind(org.recognition.as_str())
    .bind(Timestamp::now().as_millis())
    .execute(&mut *conn)
    .await?;

    // 1. Upsert every keyed entity, parents first, remembering ids.
    let mut department_ids = Vec::new();
    for (i, d) in org.departments.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO departments (key, name, position, description, customer_facing, \
             lead_name, lead_email) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, position = excluded.position, \
             description = excluded.description, customer_facing = excluded.customer_facing, \
             lead_name = excluded.lead_name, lead_email = excluded.lead_email RETURNING id",
        )
        .bind(d.key.as_str())
        .bind(d.name.as_str())
        .bind(position(i))
        .bind(d.description.as_deref())
        .bind(i64::from(d.customer_facing))
        .bind(d.lead.as_ref().map(|p| p.name.to_string()))
        .bind(
            d.lead
                .as_ref()
                .and_then(|p| p.email.as_ref())
                .map(ToString::to_string),
        )
        .fetch_one(&mut *conn)
        .await?;
        department_ids.push((d.key.clone(), id));
    }
    let dept_id = |key: &throughline_domain::Key| -> Result<i64> {
        lookup(&department_ids, key)
            .ok_or_else(|| StoreError::Inconsistent(format!("department {key} was not written")))
    };

    let mut stage_ids = Vec::new();
    let mut touchpoint_ids = Vec::new();
    for (i, s) in org.journey.stages.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stages (key, name, position, description) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, position = excluded.position, \
             description = excluded.description RETURNING id",
        )
        .bind(s.key.as_str())
        .bind(s.name.as_str())
        .bind(position(i))
        .bind(s.description.as_deref())
        .fetch_one(&mut *conn)
        .await?;
        stage_ids.push((s.key.clone(), id));
        for (j, t) in s.touchpoints.iter().enumerate() {
            let tp_id: i64 = sqlx::query_scalar(
                "INSERT INTO touchpoints (key, stage_id, name, position, channel) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET \
                 stage_id = excluded.stage_id, name = excluded.name, \
                 position = excluded.position, channel = excluded.channel RETURNING id",
            )
            .bind(t.key.as_str())
            .bind(id)
            .bind(t.name.as_str())
            .bind(position(j))
            .bind(t.channel.as_deref())
            .fetch_one(&mut *conn)
            .await?;
            touchpoint_ids.push((t.key.clone(), tp_id));
        }
    }
    let mut moment_ids = Vec::new();
    for m in &org.moments_of_truth {
        let stage_id = lookup(&stage_ids, &m.stage).ok_or_else(|| {
            StoreError::Inconsistent(format!("stage {} was not written", m.stage))
        })?;
        let touchpoint_id = m
            .touchpoint
            .as_ref()
            .and_then(|t| lookup(&touchpoint_ids, t));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO moments_of_truth (name, rank, stage_id, touchpoint_id, expectation, \
             detect_event, detect_count, detect_within_days) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO UPDATE SET \
             rank = excluded.rank, stage_id = excluded.stage_id, \
             touchpoint_id = excluded.touchpoint_id, expectation = excluded.expectation, \
             detect_event = excluded.detect_event, detect_count = excluded.detect_count, \
             detect_within_days = excluded.detect_within_days RETURNING id",
        )
        .bind(m.name.as_str())
        .bind(i64::from(m.rank))
        .bind(stage_id)
        .bind(touchpoint_id)
        .bind(m.expectation.as_str())
        .bind(m.detect.as_ref().map(|d| d.event.as_str()))
        .bind(m.detect.as_ref().map(|d| i64::from(d.count)))
        .bind(m.detect.as_ref().and_then(|d| d.within_days.map(i64::from)))
        .fetch_one(&mut *conn)
        .await?;
        moment_ids.push(id);
    }

    let mut council_ids = Vec::new();
    for (i, c) in org.councils.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO councils (key, name, kind, cadence, position) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             cadence = excluded.cadence, position = excluded.position RETURNING id",
        )
        .bind(c.key.as_str())
        .bind(c.name.as_str())
        .bind(c.kind.as_str())
        .bind(c.cadence.as_str())
        .bind(position(i))
        .fetch_one(&mut *conn)
        .await?;
        council_ids.push(id);
    }

    let mut metric_ids = Vec::new();
    for (i, m) in org.metrics.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO metric_definitions (key, name, unit, department_id, stage_id, direction, \
             description, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, unit = excluded.unit, \
             department_id = excluded.department_id, stage_id = excluded.stage_id, \
             direction = excluded.direction, description = excluded.description, \
             position = excluded.position RETURNING id",
        )
        .bind(m.key.as_str())
        .bind(m.name.as_str())
        .bind(m.unit.as_str())
        .bind(dept_id(&m.department)?)
        .bind(m.stage.as_ref().and_then(|s| lookup(&stage_ids, s)))
        .bind(m.direction.as_str())
        .bind(m.description.as_deref())
        .bind(position(i))
        .fetch_one(&mut *conn)
        .await?;
        metric_ids.push((m.key.clone(), id));
    }

    // 2. Delete what the file no longer has, children before parents.
    let key_strings = |ids: &[(throughline_domain::Key, i64)]| -> Vec<String> {
        ids.iter().map(|(key, _)| key.to_string()).collect()
    };
    let keep: [(&str, &str, Vec<String>); 6] = [
        (
            "moments_of_truth",
            "name",
            org.moments_of_truth
                .iter()
                .map(|m| m.name.to_string())
                .collect(),
        ),
        (
            "metric_definitions",
            "key",
            org.metrics.iter().map(|m| m.key.to_string()).collect(),
        ),
        (
            "councils",
            "key",
            org.councils.iter().map(|c| c.key.to_string()).collect(),
        ),
        ("touchpoints", "key", key_strings(&touchpoint_ids)),
        ("stages", "key", key_strings(&stage_ids)),
        ("departments", "key", key_strings(&department_ids)),
    ];
    for (table, column, keys) in &keep {
        delete_missing(conn, table, column, keys).await?;
    }

    // 3. Replace the child lists.
    for table in [
        "department_champions",
        "department_cx_managers",
        "stage_vocabulary",
        "touchpoint_departments",
        "council_members",
        "moment_metrics",
    ] {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *conn)
            .await?;
    }
    for d in &org.departments {
        let id = dept_id(&d.key)?;
        for (k, champion) in d.champions.iter().enumerate() {
            insert_champion(conn, id, k, champion).await?;
        }
        for (k, manager) in d.cx_managers.iter().enumerate() {
            sqlx::query(
                "INSERT INTO department_cx_managers (department_id, position, name, email, \
                 component) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(position(k))
            .bind(manager.person.name.as_str())
            .bind(manager.person.email.as_ref().map(ToString::to_string))
            .bind(manager.component.as_str())
            .execute(&mut *conn)
            .await?;
        }
    }
    for (s, (_, stage_id)) in org.journey.stages.iter().zip(&stage_ids) {
        for (k, phrase) in s.vocabulary.iter().enumerate() {
            sqlx::query(
                "INSERT INTO stage_vocabulary (stage_id, position, phrase) VALUES ($1, $2, $3)",
            )
            .bind(*stage_id)
            .bind(position(k))
            .bind(phrase.as_str())
            .execute(&mut *conn)
            .await?;
        }
    }
    for (_, t) in org.touchpoints() {
        let tp_id = lookup(&touchpoint_ids, &t.key).ok_or_else(|| {
            StoreError::Inconsistent(format!("touchpoint {} was not written", t.key))
        })?;
        let roles = t
            .owners
            .iter()
            .map(|d| (d, "owner"))
            .chain(t.contributors.iter().map(|d| (d, "contributor")));
        for (k, (dept, role)) in roles.enumerate() {
            sqlx::query(
                "INSERT INTO touchpoint_departments (touchpoint_id, department_id, role, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(tp_id)
            .bind(dept_id(dept)?)
            .bind(role)
            .bind(position(k))
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query("DELETE FROM survey_definitions")
        .execute(&mut *conn)
        .await?;
    for (k, survey) in org.surveys.iter().enumerate() {
        let entry = throughline_domain::org::surveys::SurveyEntry::from(survey);
        sqlx::query("INSERT INTO survey_definitions (position, definition) VALUES ($1, $2)")
            .bind(position(k))
            .bind(serde_json::to_string(&entry).expect("a survey serialises"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM follow_up_rules")
        .execute(&mut *conn)
        .await?;
    for (k, rule) in org.follow_up.iter().enumerate() {
        let entry = throughline_domain::org::follow_up::FollowUpEntry::from(rule);
        sqlx::query("INSERT INTO follow_up_rules (position, definition) VALUES ($1, $2)")
            .bind(position(k))
            .bind(serde_json::to_string(&entry).expect("a rule serialises"))
            .execute(&mut *conn)
            .await?;
    }
    for (m, moment_id) in org.moments_of_truth.iter().zip(&moment_ids) {
        for (k, metric) in m.metrics.iter().enumerate() {
            let metric_id = lookup(&metric_ids, metric).ok_or_else(|| {
                StoreError::Inconsistent(format!("metric {metric} was not written"))
            })?;
            sqlx::query(
                "INSERT INTO moment_metrics (moment_id, metric_id, position) VALUES ($1, $2, $3)",
            )
            .bind(*moment_id)
            .bind(metric_id)
            .bind(position(k))
            .execute(&mut *conn)
            .await?;
        }
    }
    for (c, council_id) in org.councils.iter().zip(&council_ids) {
        for (k, (m, is_chair)) in std::iter::once((&c.chair, true))
            .chain(c.members.iter().map(|m| (m, false)))
            .enumerate()
        {
            let department_id = match &m.department {
                Some(key) => Some(dept_id(key)?),
                None => None,
            };
            sqlx::query(
                "INSERT INTO council_members (council_id, position, is_chair, name, email, title, \
                 department_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(*council_id)
            .bind(position(k))
            .bind(i64::from(is_chair))
            .bind(m.person.name.as_str())
            .bind(m.person.email.as_ref().map(ToString::to_string))
            .bind(m.title.as_deref())
            .bind(department_id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn insert_champion(
    conn: &mut AnyConnection,
    department_id: i64,
    index: usize,
    person: &Person,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO department_champions (department_id, position, name, email) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(department_id)
    .bind(position(index))
    .bind(person.name.as_str())
    .bind(person.email.as_ref().map(ToString::to_string))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
