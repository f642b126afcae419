//! The weekly digest of a key account for its executive sponsor: what the account's customers
//! said in the period (records, NPS beside the period before, their words with the theme each
//! raised, the moments of truth they reached), where each goal stands after the team's latest review, the actions that review
//! left open, and a word when the team has not reviewed the account for more than a week —
//! so that the sponsor sees the account as its team does without opening the interface.

use serde::Serialize;
use throughline_domain::accounts::AccountPerson;
use throughline_domain::action::Date;
use throughline_store::{AccountReview, GoalStatus, ReviewAction, Store};

use crate::Result;
use crate::digest::Period;
use crate::key_accounts::{
    AccountMoment, account, feedback_between, goal_statuses, moments_reached, nps_of,
};

/// Customers' comments a sponsor digest quotes, at most.
pub const QUOTED: usize = 5;

/// Fewer NPS answers than this and the digest gives the answers, not an NPS (the product's
/// small-sample line).
pub const NPS_ANSWERS: usize = 30;

/// A team that has not reviewed its account for more than this many days is said to be late.
pub const REVIEW_DUE_DAYS: i64 = 7;

/// A customer's comment as the sponsor reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// "NPS 3", "CSAT 2" or "effort 6".
    pub score: Option<String>,
    pub text: String,
    /// The theme the comment raised, when the analysis gave it one.
    pub theme: Option<String>,
    /// Read as negative, or a detractor's (NPS 0–6).
    pub needs_attention: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SponsorDigest {
    pub account: String,
    pub name: String,
    pub sponsor: AccountPerson,
    pub team: Vec<AccountPerson>,
    pub period: Period,
    /// The period's last day (`to` is the first day after it).
    pub last_day: String,
    /// The account's customers' records in the period, and in as many days before it.
    pub records: usize,
    pub previous_records: usize,
    /// The period's NPS answers: promoters (9–10), passives (7–8) and detractors (0–6).
    pub promoters: usize,
    pub passives: usize,
    pub detractors: usize,
    /// How many of the period's records carry an NPS answer; the NPS of the period and of the
    /// period before, each only from at least [`NPS_ANSWERS`] answers (a week of one account
    /// rarely has them).
    pub nps_answers: usize,
    pub nps: Option<f64>,
    pub previous_nps: Option<f64>,
    /// The period's comments, those that need attention first, then the latest (at most
    /// [`QUOTED`]).
    pub quotes: Vec<Quote>,
    /// The moments of truth its customers reached in the period, the latest first.
    pub moments: Vec<AccountMoment>,
    /// Each goal with where the latest review left it.
    pub goals: Vec<GoalStatus>,
    /// The latest review, if any, and how many days before the period's end it was held.
    pub last_review: Option<AccountReview>,
    pub days_since_review: Option<i64>,
    /// More than [`REVIEW_DUE_DAYS`] since the last review, or none at all.
    pub review_late: bool,
    /// The latest review's actions whose due day is not before the period's start.
    pub open_actions: Vec<ReviewAction>,
}

/// The sponsor digest of account `key` for `period`.
pub async fn sponsor_digest(store: &Store, key: &str, period: &Period) -> Result<SponsorDigest> {
    let account = account(store, key).await?;
    let days = period.to.day_number() - period.from.day_number();
    let before = period.from.plus_days(-days);
    let (from, to) = (period.from.start(), period.to.start());
    let now = feedback_between(store, &account, from, to).await?;
    let then = feedback_between(store, &account, before.start(), from).await?;
    // An NPS only from enough answers: a week of one account rarely has them.
    let readable = |(nps, answers): (Option<f64>, usize)| nps.filter(|_| answers >= NPS_ANSWERS);
    let current = nps_of(&now);
    let nps_answers = current.1;
    let nps = readable(current);
    let previous_nps = readable(nps_of(&then));

    let answers: Vec<i64> = now.iter().filter_map(|r| r.nps).collect();
    let count =
        |range: std::ops::RangeInclusive<i64>| answers.iter().filter(|a| range.contains(a)).count();
    // The comments that need attention first (a negative reading or a detractor's answer),
    // then the latest, each with its main theme.
    let mut said: Vec<&throughline_store::FeedbackListing> = now
        .iter()
        .filter(|r| !r.text(" / ").trim().is_empty())
        .collect();
    said.sort_by_key(|r| (!needs_attention(r), std::cmp::Reverse(r.received_at)));
    said.truncate(QUOTED);
    let ids: Vec<i64> = said.iter().map(|r| r.id).collect();
    let main = store.main_themes(&ids).await?;
    let themes = store.themes().await?;
    let label = |record: i64| {
        let theme = main.iter().find(|(r, _)| *r == record)?.1;
        themes
            .iter()
            .find(|t| t.id == theme)
            .map(|t| t.label.clone())
    };
    let quotes = said
        .iter()
        .map(|r| Quote {
            day: Date::of(r.received_at).as_str().to_owned(),
            score: r.score_text(),
            text: r.text(" / "),
            theme: label(r.id),
            needs_attention: needs_attention(r),
        })
        .collect();

    let moments = moments_reached(store, &account)
        .await?
        .into_iter()
        .filter(|m| m.reached_on >= period.from && m.reached_on < period.to)
        .collect();
    let reviews = store.account_reviews(&account.key).await?;
    let last_day = period.to.plus_days(-1);
    let last_review = reviews.first().cloned();
    let days_since_review = last_review.as_ref().and_then(|r| {
        Date::parse(&r.held_on)
            .ok()
            .map(|held| last_day.day_number() - held.day_number())
    });
    let open_actions = last_review
        .as_ref()
        .map(|r| {
            r.actions
                .iter()
                .filter(|a| a.due.as_str() >= period.from.as_str())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(SponsorDigest {
        account: account.key.clone(),
        name: account.name.clone(),
        sponsor: account.sponsor.clone(),
        team: account.team.clone(),
        last_day: last_day.as_str().to_owned(),
        period: period.clone(),
        records: now.len(),
        previous_records: then.len(),
        promoters: count(9..=10),
        passives: count(7..=8),
        detractors: count(0..=6),
        nps,
        nps_answers,
        previous_nps,
        quotes,
        moments,
        goals: goal_statuses(&account, &reviews),
        review_late: days_since_review.is_none_or(|d| d > REVIEW_DUE_DAYS),
        days_since_review,
        last_review,
        open_actions,
    })
}

/// Whether a comment asks for the sponsor's attention: read as negative, or a detractor's.
fn needs_attention(r: &throughline_store::FeedbackListing) -> bool {
    r.sentiment_label.as_deref() == Some("negative") || r.nps.is_some_and(|n| n <= 6)
}

/// Every key account's sponsor digest for `period`.
pub async fn sponsor_digests(store: &Store, period: &Period) -> Result<Vec<SponsorDigest>> {
    let mut out = Vec::new();
    for account in store.key_accounts().await? {
        out.push(sponsor_digest(store, &account.key, period).await?);
    }
    Ok(out)
}
