//! Executive sponsors and key accounts: each key account has an executive sponsor and a
//! cross-department account team that reviews, every week, the account's progress against the
//! goals set for it. The accounts come from an accounts file (`throughline accounts apply`);
//! an account's page brings together what its customers said (feedback, NPS by month, themes,
//! open issues) with the team's reviews.

use crate::changes::in_transaction;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use throughline_analytics::moments::{Rule, reached_at};
use throughline_domain::Timestamp;
use throughline_domain::accounts::{self, GOAL_STATUSES, KeyAccount};
use throughline_domain::action::Date;
use throughline_domain::date::DAY_MS;
use throughline_domain::user::UserRole;
use throughline_store::{
    AccountReview, FeedbackFilter, FeedbackListing, GoalStatus, NewAccountReview, ReviewAction,
    Store,
};

use crate::changes::Actor;
use crate::{Result, ServiceError};

/// What applying an accounts file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

/// Makes the stored key accounts those of the file (administrators and council chairs; the
/// reviews are kept); audited.
pub async fn apply(store: &Store, actor: Actor<'_>, source: &str) -> Result<Applied> {
    in_transaction(store, async |store| {
        crate::changes::may_edit(actor, None)?;
        let org = store.load_organisation().await?;
        let accounts = accounts::parse(source, org.as_ref())
            .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
        let (added, changed, removed) = store.replace_accounts(&accounts).await?;
        let applied = Applied {
            added,
            changed,
            removed,
        };
        if added + changed + removed > 0 {
            store
                .audit(
                    &actor.audit_name(),
                    "accounts.apply",
                    "key accounts",
                    None,
                    Some(&serde_json::to_value(applied).expect("counts serialise")),
                )
                .await?;
        }
        Ok(applied)
    })
    .await
}

/// Whether a save adds an account or changes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save<'a> {
    /// A new account: refused when its key is taken.
    Add,
    /// The account of this key, which the saved account must keep (its reviews are filed
    /// under it).
    Change(&'a str),
}

/// Adds a key account or changes one, as the interface and the API edit them (administrators
/// and council chairs; the reviews are kept): the whole list is checked as a file would be,
/// and the change is audited with the account before and after. Answers the account as stored.
pub async fn save(
    store: &Store,
    actor: Actor<'_>,
    how: Save<'_>,
    account: KeyAccount,
) -> Result<KeyAccount> {
    in_transaction(store, async |store| {
        crate::changes::may_edit(actor, None)?;
        if let Save::Change(key) = how
            && account.key != key
        {
            return Err(ServiceError::Invalid(format!(
                "key: {:?} is not {key:?}; an account's key does not change",
                account.key
            )));
        }
        let org = store.load_organisation().await?;
        let mut all = store.key_accounts().await?;
        let at = all.iter().position(|a| a.key == account.key);
        let before = match (how, at) {
            (Save::Add, Some(_)) => {
                return Err(ServiceError::Invalid(format!(
                    "key: there is already a key account {:?}; choose another key or edit that \
                     account",
                    account.key
                )));
            }
            (Save::Add, None) => {
                all.push(account.clone());
                None
            }
            (Save::Change(_), None) => return Err(not_found(&account.key)),
            (Save::Change(_), Some(i)) => Some(std::mem::replace(&mut all[i], account.clone())),
        };
        accounts::check(&all, org.as_ref())
            .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
        if before.as_ref() == Some(&account) {
            return Ok(account);
        }
        store.replace_accounts(&all).await?;
        let json = |a: &KeyAccount| serde_json::to_value(a).expect("an account serialises");
        store
            .audit(
                &actor.audit_name(),
                if before.is_some() {
                    "account.change"
                } else {
                    "account.add"
                },
                &format!("key account {}", account.key),
                before.as_ref().map(json).as_ref(),
                Some(&json(&account)),
            )
            .await?;
        Ok(account)
    })
    .await
}

/// Removes a key account (administrators and council chairs); its reviews stay on record and
/// come back with it if it is added again under the same key. Audited with what was removed.
pub async fn remove(store: &Store, actor: Actor<'_>, key: &str) -> Result<()> {
    in_transaction(store, async |store| {
        crate::changes::may_edit(actor, None)?;
        let mut all = store.key_accounts().await?;
        let at = all
            .iter()
            .position(|a| a.key == key)
            .ok_or_else(|| not_found(key))?;
        let removed = all.remove(at);
        store.replace_accounts(&all).await?;
        store
            .audit(
                &actor.audit_name(),
                "account.remove",
                &format!("key account {key}"),
                Some(&serde_json::to_value(&removed).expect("an account serialises")),
                None,
            )
            .await?;
        Ok(())
    })
    .await
}

fn not_found(key: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "there is no key account {key:?} (`throughline accounts list` lists them)"
    ))
}

/// One account in a list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccountSummary {
    pub key: String,
    pub name: String,
    pub sponsor: String,
    pub customers: usize,
    pub records: usize,
    pub nps: Option<f64>,
    /// The day of its latest review.
    pub last_review: Option<String>,
}

/// An account's page: the account, what its customers said, and its reviews.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccountView {
    pub account: KeyAccount,
    /// Its customers' records, the latest first (at most [`SHOWN_RECORDS`]).
    pub feedback: Vec<FeedbackListing>,
    pub records: usize,
    /// NPS over all its customers' answers, and the answers behind it.
    pub nps: Option<f64>,
    pub nps_answers: usize,
    /// NPS month by month (`YYYY-MM`, NPS, answers).
    pub nps_by_month: Vec<(String, f64, usize)>,
    /// Its records' main themes, most frequent first.
    pub themes: Vec<(String, usize)>,
    /// Its customers' negative records of the last 90 days (of its latest record), latest first.
    pub open_issues: Vec<FeedbackListing>,
    /// Each goal with where the latest review left it.
    pub goals: Vec<GoalStatus>,
    pub reviews: Vec<AccountReview>,
    /// The moments of truth (with a detection rule) its customers reached, the latest first.
    pub moments: Vec<AccountMoment>,
}

/// A moment of truth one of an account's customers reached, found in their history as the
/// journey's moments are (`throughline moments`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccountMoment {
    pub rank: u32,
    pub name: String,
    pub stage: String,
    pub customer: String,
    /// The day the customer reached it (UTC).
    pub reached_on: Date,
}

/// The moments of truth the account's customers reached, the latest first: each moment of the
/// organisation with a detection rule, over each customer's history of its event (feedback
/// records count as contacts). Without an organisation, none.
pub(crate) async fn moments_reached(
    store: &Store,
    account: &KeyAccount,
) -> Result<Vec<AccountMoment>> {
    let Some(org) = store.load_organisation().await? else {
        return Ok(Vec::new());
    };
    let mut reached = Vec::new();
    for moment in &org.moments_of_truth {
        let Some(detect) = &moment.detect else {
            continue;
        };
        let history = store
            .history_of(&account.customers, detect.event.as_str())
            .await?;
        let rule = Rule {
            count: detect.count,
            within_days: detect.within_days,
        };
        for customer in &account.customers {
            let times: Vec<i64> = history
                .iter()
                .filter(|(c, _)| c == customer)
                .map(|(_, at)| *at)
                .collect();
            if let Some(at) = reached_at(&times, rule) {
                reached.push(AccountMoment {
                    rank: moment.rank,
                    name: moment.name.to_string(),
                    stage: moment.stage.to_string(),
                    customer: customer.clone(),
                    reached_on: Date::of(Timestamp::from_millis(at)),
                });
            }
        }
    }
    reached.sort_by(|a, b| {
        b.reached_on
            .cmp(&a.reached_on)
            .then(a.rank.cmp(&b.rank))
            .then(a.customer.cmp(&b.customer))
    });
    Ok(reached)
}

/// Records shown on an account's page.
pub const SHOWN_RECORDS: usize = 50;

pub async fn list(store: &Store) -> Result<Vec<AccountSummary>> {
    let mut out = Vec::new();
    for account in store.key_accounts().await? {
        let records = feedback_of(store, &account).await?;
        let (nps, _) = nps_of(&records);
        let last_review = store
            .account_reviews(&account.key)
            .await?
            .first()
            .map(|r| r.held_on.clone());
        out.push(AccountSummary {
            key: account.key.clone(),
            name: account.name.clone(),
            sponsor: account.sponsor.name.clone(),
            customers: account.customers.len(),
            records: records.len(),
            nps,
            last_review,
        });
    }
    Ok(out)
}

pub(crate) async fn account(store: &Store, key: &str) -> Result<KeyAccount> {
    store
        .key_accounts()
        .await?
        .into_iter()
        .find(|a| a.key == key)
        .ok_or_else(|| not_found(key))
}

pub(crate) async fn feedback_of(
    store: &Store,
    account: &KeyAccount,
) -> Result<Vec<FeedbackListing>> {
    feedback_matching(store, account_records(account)).await
}

/// Its customers' records received in `[from, to)`, the newest first.
pub(crate) async fn feedback_between(
    store: &Store,
    account: &KeyAccount,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<FeedbackListing>> {
    let filter = FeedbackFilter {
        from: Some(from),
        to: Some(to),
        ..account_records(account)
    };
    feedback_matching(store, filter).await
}

/// The account's customers' records, the newest first.
fn account_records(account: &KeyAccount) -> FeedbackFilter {
    FeedbackFilter {
        customers: Some(account.customers.clone()),
        newest_first: true,
        ..FeedbackFilter::default()
    }
}

async fn feedback_matching(store: &Store, filter: FeedbackFilter) -> Result<Vec<FeedbackListing>> {
    Ok(store.find_feedback(&filter, None, 100_000).await?)
}

/// NPS (promoters − detractors, in points) of the records that carry an answer.
pub(crate) fn nps_of<'a>(
    records: impl IntoIterator<Item = &'a FeedbackListing>,
) -> (Option<f64>, usize) {
    let answers: Vec<i64> = records.into_iter().filter_map(|r| r.nps).collect();
    if answers.is_empty() {
        return (None, 0);
    }
    let promoters = answers.iter().filter(|&&n| n >= 9).count() as f64;
    let detractors = answers.iter().filter(|&&n| n <= 6).count() as f64;
    (
        Some((promoters - detractors) / answers.len() as f64 * 100.0),
        answers.len(),
    )
}

pub async fn show(store: &Store, key: &str) -> Result<AccountView> {
    let account = account(store, key).await?;
    let records = feedback_of(store, &account).await?;
    let (nps, nps_answers) = nps_of(&records);
    let mut months: BTreeMap<String, Vec<&FeedbackListing>> = BTreeMap::new();
    for r in &records {
        months
            .entry(Date::of(r.received_at).as_str()[..7].to_owned())
            .or_default()
            .push(r);
    }
    let nps_by_month = months
        .into_iter()
        .filter_map(|(month, rs)| {
            let (nps, n) = nps_of(rs);
            nps.map(|v| (month, v, n))
        })
        .collect();
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let labels: BTreeMap<i64, String> = store
        .themes()
        .await?
        .into_iter()
        .map(|t| (t.id, t.label))
        .collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for (_, theme) in store.main_themes(chunk).await? {
            if let Some(label) = labels.get(&theme) {
                *counts.entry(label.clone()).or_default() += 1;
            }
        }
    }
    let mut themes: Vec<(String, usize)> = counts.into_iter().collect();
    themes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    themes.truncate(8);
    let latest = records.iter().map(|r| r.received_at.as_millis()).max();
    let open_issues = records
        .iter()
        .filter(|r| r.sentiment_label.as_deref() == Some("negative"))
        .filter(|r| latest.is_some_and(|l| l - r.received_at.as_millis() <= 90 * DAY_MS))
        .take(10)
        .cloned()
        .collect();
    let reviews = store.account_reviews(&account.key).await?;
    let goals = goal_statuses(&account, &reviews);
    let moments = moments_reached(store, &account).await?;
    Ok(AccountView {
        records: records.len(),
        feedback: records.into_iter().take(SHOWN_RECORDS).collect(),
        nps,
        nps_answers,
        nps_by_month,
        themes,
        open_issues,
        goals,
        reviews,
        moments,
        account,
    })
}

/// Each of the account's goals with where the latest review (of `reviews`, latest first) that
/// mentions it left it.
pub(crate) fn goal_statuses(account: &KeyAccount, reviews: &[AccountReview]) -> Vec<GoalStatus> {
    account
        .goals
        .iter()
        .map(|goal| GoalStatus {
            goal: goal.clone(),
            status: reviews
                .iter()
                .find_map(|r| r.goals.iter().find(|g| &g.goal == goal))
                .map_or_else(|| "not reviewed yet".to_owned(), |g| g.status.clone()),
        })
        .collect()
}

/// A weekly review as people write it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ReviewInput {
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    pub on: Option<String>,
    pub notes: String,
    /// Goal text → status (on track, at risk, off track, done).
    #[serde(default)]
    pub goals: BTreeMap<String, String>,
    #[serde(default)]
    pub actions: Vec<ReviewAction>,
}

/// Records a weekly review: administrators, council chairs, and the members whose department
/// is on the account team; audited.
pub async fn review(
    store: &Store,
    actor: Actor<'_>,
    key: &str,
    input: ReviewInput,
) -> Result<AccountReview> {
    in_transaction(store, async |store| {
        let account = account(store, key).await?;
        let on_team = actor.department().is_some_and(|d| {
            account
                .team
                .iter()
                .any(|m| m.department.as_deref() == Some(d.as_str()))
        });
        match actor.role() {
            UserRole::Admin | UserRole::CouncilChair => {}
            UserRole::Member if on_team => {}
            role => {
                return Err(ServiceError::Forbidden(format!(
                    "a {} not on the account team of {} cannot record its review",
                    role.as_str().replace('_', " "),
                    account.name
                )));
            }
        }
        let held_on = match input.on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(day) => {
                Date::parse(day).map_err(|e| ServiceError::Invalid(format!("on: {}", e.0)))?
            }
            None => Date::today(),
        };
        let notes = input.notes.trim();
        if notes.is_empty() {
            return Err(ServiceError::Invalid(
                "notes: say what the team reviewed this week".to_owned(),
            ));
        }
        let mut goals = Vec::new();
        for (goal, status) in &input.goals {
            if !account.goals.contains(goal) {
                return Err(ServiceError::Invalid(format!(
                    "goals: {goal:?} is not a goal of {}; its goals are {}",
                    account.name,
                    account.goals.join("; ")
                )));
            }
            let status = status.trim().to_lowercase();
            if status.is_empty() {
                continue;
            }
            if !GOAL_STATUSES.contains(&status.as_str()) {
                return Err(ServiceError::Invalid(format!(
                    "goals: {status:?} for {goal:?}: say {}",
                    GOAL_STATUSES.join(", ")
                )));
            }
            goals.push(GoalStatus {
                goal: goal.clone(),
                status,
            });
        }
        for action in &input.actions {
            if action.title.trim().is_empty() || action.owner.trim().is_empty() {
                return Err(ServiceError::Invalid(
                    "actions: each needs a title and an owner".to_owned(),
                ));
            }
            Date::parse(&action.due)
                .map_err(|e| ServiceError::Invalid(format!("actions: due {}", e.0)))?;
        }
        let author = actor.audit_name();
        let id = store
            .add_account_review(NewAccountReview {
                account: &account.key,
                held_on: held_on.as_str(),
                notes,
                goals: &goals,
                actions: &input.actions,
                author: &author,
            })
            .await?;
        store
            .audit(
                &author,
                "account.review",
                &format!("key account {}", account.key),
                None,
                Some(&serde_json::json!({ "review": id, "on": held_on.as_str(), "goals": goals })),
            )
            .await?;
        store
            .account_reviews(&account.key)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ServiceError::NotFound(format!("review {id} vanished")))
    })
    .await
}
