//! The story wall: customer stories — the redacted words of real customers, not scores — put in
//! front of everyone, one at a time in large type, on a break-room screen or at the start of a
//! staff meeting; and the signed, read-only, revocable links that show it on a screen with no
//! account.
//!
//! Which stories: by default mostly complaints behind the Top Ten (the newest few of each Top
//! Ten theme, in rank order) with some praise between them (a quarter by default), so the wall
//! shows what matters most without being a wall of anger; narrowed to a department (the stages
//! it takes part in), a stage or a theme. Only what the import kept after redaction is shown:
//! the comment, the stage, the departments on it, the theme, the score the customer gave and
//! how long ago — never who the customer is.

use crate::changes::in_transaction;
use serde::Serialize;
use throughline_domain::action::Date;
use throughline_domain::org::Organisation;
use throughline_domain::user::UserRole;
use throughline_domain::{Key, Timestamp};
use throughline_store::{FeedbackFilter, FeedbackListing, NewWallLink, Store, WallLink};

use crate::accounts::{random_secret, secret_hash};
use crate::changes::Actor;
use crate::{Result, ServiceError};

/// How much of the wall is praise when nobody says otherwise.
pub const DEFAULT_PRAISE_SHARE: f64 = 0.25;
/// Complaints shown per Top Ten theme.
const PER_THEME: usize = 3;
/// A story must be long enough to say something and short enough to read across a room.
const SHORTEST: usize = 30;
const LONGEST: usize = 420;

/// Which stories.
#[derive(Debug, Clone, PartialEq)]
pub struct WallFilter {
    pub department: Option<String>,
    pub stage: Option<String>,
    pub theme: Option<i64>,
    /// The share of praise among the stories, 0 to 1.
    pub praise: f64,
}

impl Default for WallFilter {
    fn default() -> Self {
        Self {
            department: None,
            stage: None,
            theme: None,
            praise: DEFAULT_PRAISE_SHARE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Complaint,
    Praise,
}

/// One customer story as the wall shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Story {
    /// The redacted comment, cut at a word near [`LONGEST`] characters.
    pub text: String,
    pub stage: Option<String>,
    /// The departments that take part in the story's stage.
    pub departments: Vec<String>,
    pub theme: Option<String>,
    /// "Would recommend: 3 of 10", "Satisfaction: 2 of 5", "Rated 4".
    pub score: Option<String>,
    pub received: String,
    /// "today", "3 days ago", "5 weeks ago".
    pub ago: String,
    pub tone: Tone,
}

/// The stories, and what they are for people ("Billing's stories", "every department").
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Wall {
    pub scope: String,
    pub stories: Vec<Story>,
}

/// The wall's stories for `filter`, as of `today`.
pub async fn stories(store: &Store, filter: &WallFilter, today: &Date) -> Result<Wall> {
    let org = store.load_organisation().await?;
    let (stages, scope) = scope_of(org.as_ref(), filter)?;
    let base = FeedbackFilter {
        stages: stages.clone(),
        newest_first: true,
        ..FeedbackFilter::default()
    };
    let all_themes = store.themes().await?;
    let mut ranked: Vec<(u32, i64, String)> = all_themes
        .iter()
        .filter_map(|t| match filter.theme {
            Some(wanted) => (t.id == wanted).then(|| (0, t.id, t.label.clone())),
            None => t
                .aggregates
                .top_ten_rank
                .map(|rank| (rank, t.id, t.label.clone())),
        })
        .collect();
    ranked.sort_by_key(|(rank, id, _)| (*rank, *id));
    let mut themes: Vec<(i64, String)> = ranked.into_iter().map(|(_, id, l)| (id, l)).collect();
    if filter.theme.is_some() && themes.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "there is no theme {}",
            filter.theme.unwrap_or_default()
        )));
    }
    let praise_share = filter.praise.clamp(0.0, 1.0);
    let mut seen = std::collections::HashSet::new();
    let mut complaints: Vec<(FeedbackListing, Option<String>)> = Vec::new();
    if praise_share < 1.0 {
        for (theme, label) in themes.drain(..) {
            let found = store
                .find_feedback(
                    &FeedbackFilter {
                        theme: Some(theme),
                        sentiment: Some("negative".to_owned()),
                        ..base.clone()
                    },
                    None,
                    30,
                )
                .await?;
            for record in found
                .into_iter()
                .filter(|r| tellable(r) && seen.insert(r.id))
                .take(PER_THEME)
            {
                complaints.push((record, Some(label.clone())));
            }
        }
    }
    let wanted_praise = if praise_share >= 1.0 {
        40
    } else {
        ((complaints.len() as f64) * praise_share / (1.0 - praise_share)).round() as usize
    };
    let mut praise: Vec<(FeedbackListing, Option<String>)> = Vec::new();
    if wanted_praise > 0 {
        let found = store
            .find_feedback(
                &FeedbackFilter {
                    theme: filter.theme,
                    sentiment: Some("positive".to_owned()),
                    ..base.clone()
                },
                None,
                (wanted_praise * 20).min(1000) as u32,
            )
            .await?;
        praise = found
            .into_iter()
            .filter(|r| tellable(r) && praiseworthy(r) && seen.insert(r.id))
            .take(wanted_praise)
            .map(|r| (r, None))
            .collect();
    }
    // Before any analysis (no themes, no sentiment): the newest stories, whatever their tone.
    if complaints.is_empty() && praise.is_empty() && filter.theme.is_none() {
        let found = store.find_feedback(&base, None, 200).await?;
        complaints = found
            .into_iter()
            .filter(|r| tellable(r) && seen.insert(r.id))
            .take(24)
            .map(|r| (r, None))
            .collect();
    }
    // Praise's themes, for the line under the story.
    let ids: Vec<i64> = praise.iter().map(|(r, _)| r.id).collect();
    for (record, theme) in store.main_themes(&ids).await? {
        if let Some(entry) = praise.iter_mut().find(|(r, _)| r.id == record) {
            entry.1 = all_themes
                .iter()
                .find(|t| t.id == theme)
                .map(|t| t.label.clone());
        }
    }
    // Praise spread evenly among the complaints.
    let total = complaints.len() + praise.len();
    let praise_count = praise.len();
    let mut complaints = complaints.into_iter();
    let mut praise = praise.into_iter();
    let mut stories = Vec::with_capacity(total);
    for i in 0..total {
        let praise_slot = (i + 1) * praise_count / total > i * praise_count / total;
        let next = if praise_slot {
            praise.next().map(|p| (p, Tone::Praise))
        } else {
            complaints.next().map(|c| (c, Tone::Complaint))
        };
        let next = next
            .or_else(|| complaints.next().map(|c| (c, Tone::Complaint)))
            .or_else(|| praise.next().map(|p| (p, Tone::Praise)));
        if let Some(((record, theme), tone)) = next {
            stories.push(story_of(org.as_ref(), record, theme, tone, today));
        }
    }
    Ok(Wall { scope, stories })
}

/// Praise is praise when the customer's own score agrees: a promoter (9 or 10), a satisfied
/// customer (4 or 5 of 5), or no score to say otherwise — "Well, delivery was a month later
/// than promised" with a 4 of 10 is no praise, whatever its words sound like.
fn praiseworthy(record: &FeedbackListing) -> bool {
    record.nps.is_none_or(|n| n >= 9) && record.csat.is_none_or(|c| c >= 4)
}

/// Whether a record has a story to tell on the wall.
fn tellable(record: &FeedbackListing) -> bool {
    record
        .comment
        .as_deref()
        .is_some_and(|c| c.trim().chars().count() >= SHORTEST)
}

/// The stages of `filter` (none: all) and the scope's name for people.
fn scope_of(
    org: Option<&Organisation>,
    filter: &WallFilter,
) -> Result<(Option<Vec<String>>, String)> {
    let stage_name = |key: &str| org.map_or(key.to_owned(), |o| o.stage_name(key).to_owned());
    if let Some(stage) = &filter.stage {
        let known = org.is_some_and(|o| o.journey.stages.iter().any(|s| s.key.as_str() == stage));
        if !known {
            return Err(ServiceError::NotFound(format!(
                "there is no stage {stage:?}"
            )));
        }
    }
    match (&filter.department, &filter.stage) {
        (Some(department), stage) => {
            let org = org.ok_or_else(crate::themes::no_organisation)?;
            let key = Key::parse(department).map_err(|e| ServiceError::Invalid(e.0))?;
            let dept = org.department(&key).ok_or_else(|| {
                ServiceError::NotFound(format!("there is no department {department:?}"))
            })?;
            let mut stages: Vec<String> = org
                .stages_of_department(department)
                .iter()
                .map(|s| s.key.to_string())
                .collect();
            if let Some(stage) = stage {
                stages.retain(|s| s == stage);
            }
            let scope = match stage {
                Some(stage) => format!("{}: {}", dept.name, stage_name(stage)),
                None => format!("{}'s customers", dept.name),
            };
            Ok((Some(stages), scope))
        }
        (None, Some(stage)) => Ok((Some(vec![stage.clone()]), stage_name(stage))),
        (None, None) => Ok((None, "Every department".to_owned())),
    }
}

fn story_of(
    org: Option<&Organisation>,
    record: FeedbackListing,
    theme: Option<String>,
    tone: Tone,
    today: &Date,
) -> Story {
    let stage = record.stage.as_deref();
    let departments = match (org, stage) {
        (Some(org), Some(stage)) => org
            .journey
            .stages
            .iter()
            .find(|s| s.key.as_str() == stage)
            .map(|s| {
                org.departments_of_stage(s)
                    .into_iter()
                    .map(|(d, _)| d.name.to_string())
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let score = match (record.nps, record.csat, record.rating) {
        (Some(nps), _, _) => Some(format!("Would recommend: {nps} of 10")),
        (None, Some(csat), _) => Some(format!("Satisfaction: {csat} of 5")),
        (None, None, Some(rating)) => Some(format!("Rated {rating}")),
        _ => None,
    };
    let received = Date::of(record.received_at);
    Story {
        text: shortened(record.comment.as_deref().unwrap_or_default()),
        stage: stage.map(|s| org.map_or(s.to_owned(), |o| o.stage_name(s).to_owned())),
        departments,
        theme,
        score,
        ago: ago(record.received_at, today),
        received: received.as_str().to_owned(),
        tone,
    }
}

/// The text cut at a word near [`LONGEST`] characters, with "…".
fn shortened(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= LONGEST {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LONGEST).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ':', ' ']))
}

/// How long before `today` a moment was: "today", "yesterday", "3 days ago", "5 weeks ago",
/// "4 months ago", "2 years ago".
fn ago(at: Timestamp, today: &Date) -> String {
    let days = today.day_number() - Date::of(at).day_number();
    match days {
        ..=0 => "today".to_owned(),
        1 => "yesterday".to_owned(),
        2..=13 => format!("{days} days ago"),
        14..=59 => format!("{} weeks ago", days / 7),
        60..=729 => format!("{} months ago", days / 30),
        _ => format!("{} years ago", days / 365),
    }
}

/// What a wall link opens to.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    Live(WallLink),
    Revoked(WallLink),
    Unknown,
}

/// A link's secret begins so, to be told apart from other secrets in logs and configuration.
pub const LINK_PREFIX: &str = "wl_";

/// The address of a link's wall, from its secret.
pub fn link_path(secret: &str) -> String {
    format!("/wall/l/{secret}")
}

/// Makes a wall link (administrators only), scoped to a department or a stage or neither; the
/// secret is returned once and never stored.
pub async fn create_link(
    store: &Store,
    actor: Actor<'_>,
    label: &str,
    department: Option<&str>,
    stage: Option<&str>,
) -> Result<(WallLink, String)> {
    in_transaction(store, async |store| {
        may_manage_links(actor)?;
        let label = throughline_domain::action::required_text("the link's label", label, 100)
            .map_err(|e| ServiceError::Invalid(e.0))?;
        let department = department.map(str::trim).filter(|d| !d.is_empty());
        let stage = stage.map(str::trim).filter(|s| !s.is_empty());
        // The same checks the wall makes, so that a link never opens to an error.
        let org = store.load_organisation().await?;
        scope_of(
            org.as_ref(),
            &WallFilter {
                department: department.map(str::to_owned),
                stage: stage.map(str::to_owned),
                ..WallFilter::default()
            },
        )?;
        let secret = format!("{LINK_PREFIX}{}", random_secret());
        let id = store
            .create_wall_link(NewWallLink {
                secret_hash: &secret_hash(&secret),
                label: &label,
                department,
                stage,
                created_by: &actor.audit_name(),
            })
            .await?;
        let link = store
            .wall_link(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("wall link {id} vanished")))?;
        store
            .audit(
                &actor.audit_name(),
                "wall.link.create",
                &format!("wall link {id}"),
                None,
                Some(&serde_json::json!({
                    "label": link.label, "department": link.department, "stage": link.stage,
                })),
            )
            .await?;
        Ok((link, secret))
    })
    .await
}

/// Every link, newest first: what they show, who made them, when last shown. Anyone signed
/// in may read the list — it holds no secret (only the links' hashes are kept, never listed).
pub async fn links(store: &Store) -> Result<Vec<WallLink>> {
    Ok(store.wall_links().await?)
}

/// Revokes a link for good (administrators only).
pub async fn revoke_link(store: &Store, actor: Actor<'_>, id: i64) -> Result<()> {
    in_transaction(store, async |store| {
        may_manage_links(actor)?;
        if !store.revoke_wall_link(id).await? {
            return Err(match store.wall_link(id).await? {
                Some(_) => ServiceError::Invalid(format!("wall link {id} is already revoked")),
                None => ServiceError::NotFound(format!("there is no wall link {id}")),
            });
        }
        store
            .audit(
                &actor.audit_name(),
                "wall.link.revoke",
                &format!("wall link {id}"),
                None,
                None,
            )
            .await?;
        Ok(())
    })
    .await
}

/// The link a secret opens, and whether it still works.
pub async fn open_link(store: &Store, secret: &str) -> Result<LinkState> {
    if !secret.starts_with(LINK_PREFIX) || secret.len() > 200 {
        return Ok(LinkState::Unknown);
    }
    Ok(
        match store.wall_link_by_secret(&secret_hash(secret)).await? {
            Some(link) if link.revoked_at.is_some() => LinkState::Revoked(link),
            Some(link) => LinkState::Live(link),
            None => LinkState::Unknown,
        },
    )
}

fn may_manage_links(actor: Actor<'_>) -> Result<()> {
    if actor.role() == UserRole::Admin {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only administrators make, list and revoke story-wall links".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_stories_are_cut_at_a_word() {
        let text = "word ".repeat(200);
        let cut = shortened(&text);
        assert!(cut.ends_with("word…"), "{cut}");
        assert!(cut.chars().count() <= LONGEST + 1);
        assert_eq!(shortened("  short and sweet "), "short and sweet");
    }

    #[test]
    fn how_long_ago_reads_as_people_say_it() {
        let today = Date::parse("2026-12-05").unwrap();
        let at = |day: &str| {
            Timestamp::from_millis(
                crate::weekly::day_millis(&Date::parse(day).unwrap()) + 3_600_000,
            )
        };
        assert_eq!(ago(at("2026-12-05"), &today), "today");
        assert_eq!(ago(at("2026-12-04"), &today), "yesterday");
        assert_eq!(ago(at("2026-11-30"), &today), "5 days ago");
        assert_eq!(ago(at("2026-11-01"), &today), "4 weeks ago");
        assert_eq!(ago(at("2026-06-05"), &today), "6 months ago");
        assert_eq!(ago(at("2023-12-05"), &today), "3 years ago");
        assert_eq!(Date::of(at("2026-03-01")).as_str(), "2026-03-01");
    }
}
