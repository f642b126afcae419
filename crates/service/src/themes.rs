//! The codebook's themes as people see and edit them: list, show with verbatims, rename,
//! merge, split, archive and restore, add a phrase; and the Top Ten as the latest analysis
//! ranked it. Every edit changes the codebook, the themes and the records' themes in one
//! transaction, then recomputes the aggregates, so lists and the Top Ten reflect it at once.

use std::collections::HashSet;

use std::collections::HashMap;

use serde::Serialize;
use throughline_analytics::routing::{DepartmentShare, Landing, Router, Scope};
use throughline_analytics::themes::codebook::{Codebook, PhraseRule};
use throughline_domain::org::{CouncilKind, Organisation};
use throughline_store::{NewTheme, Store, StoredTheme, ThemeLanding, ThemeStatus, Verbatim};

use crate::analysis::{edits_of, inputs_of, not_analysed, refresh};
use crate::{Result, ServiceError, all_feedback, blocking};

/// The longest label a theme may have.
pub const MAX_LABEL_CHARS: usize = 120;

/// The themes, active ones first by volume, then the rest by id.
pub async fn list(store: &Store, include_inactive: bool) -> Result<Vec<StoredTheme>> {
    let mut themes: Vec<StoredTheme> = store
        .themes()
        .await?
        .into_iter()
        .filter(|t| include_inactive || t.status == ThemeStatus::Active)
        .collect();
    themes.sort_by(|a, b| {
        let active = |t: &StoredTheme| t.status == ThemeStatus::Active;
        active(b)
            .cmp(&active(a))
            .then(b.aggregates.records.cmp(&a.aggregates.records))
            .then(a.id.cmp(&b.id))
    });
    Ok(themes)
}

/// A theme with its most typical records.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeDetail {
    #[serde(flatten)]
    pub theme: StoredTheme,
    /// The records closest to the theme, most typical first.
    pub verbatims: Vec<Verbatim>,
    /// For a split theme, its parts; for a merged one, the theme it went into.
    pub related: Vec<StoredTheme>,
    /// The active themes under this one (its wordings or aspects), largest first, each with its
    /// own counts; the theme's own counts include theirs.
    pub sub_themes: Vec<StoredTheme>,
}

pub async fn show(store: &Store, id: i64, verbatims: u32) -> Result<ThemeDetail> {
    let theme = find(store, id).await?;
    let all = store.themes().await?;
    let related = all
        .iter()
        .filter(|t| t.split_from == Some(id) || theme.merged_into == Some(t.id))
        .cloned()
        .collect();
    let mut sub_themes: Vec<StoredTheme> = sub_themes_of(&all, id).cloned().collect();
    sub_themes.sort_by(|a, b| {
        b.aggregates
            .records
            .cmp(&a.aggregates.records)
            .then(a.id.cmp(&b.id))
    });
    Ok(ThemeDetail {
        verbatims: store.theme_verbatims(id, verbatims).await?,
        theme,
        related,
        sub_themes,
    })
}

/// The ids of theme `id`'s active sub-themes: their records are the theme's too.
pub(crate) async fn sub_theme_ids(store: &Store, id: i64) -> Result<Vec<i64>> {
    Ok(sub_themes_of(&store.themes().await?, id)
        .map(|t| t.id)
        .collect())
}

/// The active themes of `all` that are sub-themes of `id`.
fn sub_themes_of(all: &[StoredTheme], id: i64) -> impl Iterator<Item = &StoredTheme> {
    all.iter()
        .filter(move |t| t.parent == Some(id) && t.status == ThemeStatus::Active)
}

/// Puts theme `id` under `under` as one of its sub-themes (`None`: a theme of its own again).
/// One customer issue found in several wordings ("still waiting for my refund", "the money
/// never came") is then ranked once in the Top Ten, with the records of all its wordings,
/// while each wording keeps its own counts on the parent's page. Sub-themes are one level
/// deep: a parent is not itself a sub-theme, and a theme with sub-themes is not put under
/// another.
pub async fn nest(store: &Store, id: i64, under: Option<i64>) -> Result<StoredTheme> {
    let theme = find_active(store, id).await?;
    if let Some(parent_id) = under {
        if parent_id == id {
            return Err(ServiceError::Invalid(
                "a theme cannot be a sub-theme of itself".into(),
            ));
        }
        let parent = find_active(store, parent_id).await?;
        if parent.parent == Some(id) {
            return Err(ServiceError::Invalid(format!(
                "theme {parent_id} ({}) is a sub-theme of theme {id}: a theme cannot go under its \
                 own sub-theme; make theme {parent_id} a theme of its own first",
                parent.label
            )));
        }
        let all = store.themes().await?;
        let own: Vec<String> = sub_themes_of(&all, id)
            .map(|t| format!("{} ({})", t.id, t.label))
            .collect();
        if !own.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "theme {id} ({}) has sub-themes of its own ({}): sub-themes are one level deep; \
                 put those under theme {parent_id} first, or make them themes of their own",
                theme.label,
                own.join(", ")
            )));
        }
        if let Some(grand) = parent.parent {
            return Err(ServiceError::Invalid(format!(
                "theme {parent_id} ({}) is itself a sub-theme of theme {grand}: sub-themes are \
                 one level deep, so put theme {id} under theme {grand}",
                parent.label
            )));
        }
    }
    codebook(store).await?;
    store.set_theme_parent(id, under).await?;
    refresh(store).await?;
    find(store, id).await
}

async fn find(store: &Store, id: i64) -> Result<StoredTheme> {
    store
        .theme(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no theme {id}")))
}

async fn find_active(store: &Store, id: i64) -> Result<StoredTheme> {
    let theme = find(store, id).await?;
    if theme.status != ThemeStatus::Active {
        return Err(ServiceError::Invalid(format!(
            "theme {id} ({}) is {}, not active",
            theme.label,
            theme.status.as_str()
        )));
    }
    Ok(theme)
}

/// The theme that best holds the records with the given external ids (the ids of the source
/// file): the most of them, weighted by the share of the theme they make (hits² ÷ theme size),
/// the lower id on a tie. For checking discovery against known groups — the demo's planted
/// themes, a labelled file. `None` when no theme holds any.
pub async fn theme_holding(
    store: &Store,
    external_ids: &std::collections::HashSet<String>,
) -> Result<Option<i64>> {
    let analyses = store.record_analyses().await?;
    let mut counts: HashMap<i64, (f64, f64)> = HashMap::new();
    for r in crate::all_feedback(store).await? {
        let hit = r
            .record
            .external_id
            .as_ref()
            .is_some_and(|id| external_ids.contains(id));
        for (theme, _) in analyses.get(&r.id).map_or(&[][..], |a| &a.themes[..]) {
            let slot = counts.entry(*theme).or_default();
            slot.0 += f64::from(u8::from(hit));
            slot.1 += 1.0;
        }
    }
    let score = |(hits, all): (f64, f64)| hits * hits / all;
    Ok(counts
        .into_iter()
        .filter(|(_, (hits, _))| *hits > 0.0)
        .max_by(|a, b| score(a.1).total_cmp(&score(b.1)).then(b.0.cmp(&a.0)))
        .map(|(theme, _)| theme))
}

pub async fn rename(store: &Store, id: i64, label: &str) -> Result<StoredTheme> {
    let label = label.trim();
    if label.is_empty() {
        return Err(ServiceError::Invalid(
            "a theme's label cannot be empty".into(),
        ));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(ServiceError::Invalid(format!(
            "a theme's label is at most {MAX_LABEL_CHARS} characters"
        )));
    }
    find(store, id).await?;
    // Two active themes with one name would read as one issue twice in the Top Ten.
    if let Some(other) = store.themes().await?.into_iter().find(|t| {
        t.id != id
            && t.status == ThemeStatus::Active
            && t.label.trim().to_lowercase() == label.to_lowercase()
    }) {
        return Err(ServiceError::Invalid(format!(
            "theme {} is already called {:?}: choose another label, or merge the two themes if \
             they are one issue",
            other.id, other.label
        )));
    }
    store.rename_theme(id, label).await?;
    refresh(store).await?;
    find(store, id).await
}

/// Merges `from` into `into`: `from`'s records, phrases and place in the codebook go to
/// `into`; `from` is kept, marked merged, for the record.
pub async fn merge(store: &Store, from: i64, into: i64) -> Result<StoredTheme> {
    if from == into {
        return Err(ServiceError::Invalid(
            "a theme cannot be merged into itself".into(),
        ));
    }
    let source = find_active(store, from).await?;
    let target = find_active(store, into).await?;
    let (codebook_id, mut codebook) = codebook(store).await?;
    codebook.merge(from, into);
    let mut changed = Vec::new();
    for (id, analysis) in store.record_analyses().await? {
        if analysis.themes.iter().any(|(t, _)| *t == from) {
            let mut themes: Vec<(i64, f64)> = Vec::new();
            for (t, confidence) in analysis.themes {
                let t = if t == from { into } else { t };
                match themes.iter_mut().find(|(x, _)| *x == t) {
                    Some(kept) => kept.1 = kept.1.max(confidence),
                    None => themes.push((t, confidence)),
                }
            }
            changed.push((id, themes));
        }
    }
    let mut phrases = target.added_phrases.clone();
    for phrase in source.added_phrases {
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    let mut session = store.begin_analysis().await?;
    session
        .update_codebook(codebook_id, &codebook.to_bytes())
        .await?;
    session.replace_record_themes(&changed).await?;
    session.set_added_phrases(into, &phrases).await?;
    session
        .set_theme_status(from, ThemeStatus::Merged, Some(into))
        .await?;
    session.commit().await?;
    refresh(store).await?;
    find(store, into).await
}

/// Splits a theme into `parts` by clustering its records; returns the new themes, largest
/// first. The theme is kept, marked split, for the record.
pub async fn split(store: &Store, id: i64, parts: usize, seed: u64) -> Result<Vec<StoredTheme>> {
    if !(2..=10).contains(&parts) {
        return Err(ServiceError::Invalid(format!(
            "a theme splits into 2 to 10 parts, not {parts}"
        )));
    }
    let theme = find_active(store, id).await?;
    let (codebook_id, mut codebook) = codebook(store).await?;
    let records = all_feedback(store).await?;
    let analyses = store.record_analyses().await?;
    let members: Vec<i64> = records
        .iter()
        .map(|r| r.id)
        .filter(|r| {
            analyses
                .get(r)
                .is_some_and(|a| a.themes.iter().any(|(t, _)| *t == id))
        })
        .collect();
    let member_set: HashSet<i64> = members.iter().copied().collect();
    let texts: Vec<String> = inputs_of(&records)
        .into_iter()
        .zip(&records)
        .filter(|(_, r)| member_set.contains(&r.id))
        .map(|(input, _)| input.text)
        .collect();
    let (split, codebook_back) = blocking(move || {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        (codebook.split(&refs, parts, seed), codebook)
    })
    .await;
    codebook = codebook_back;
    let split = split.ok_or_else(|| {
        ServiceError::Invalid(format!(
            "theme {id} ({}) has too few records ({}) to split into {parts}",
            theme.label,
            members.len()
        ))
    })?;

    let mut session = store.begin_analysis().await?;
    let mut keys = Vec::with_capacity(split.parts.len());
    for part in &split.parts {
        keys.push(
            session
                .insert_theme(&NewTheme {
                    label: part.label.clone(),
                    phrases: part.phrases.clone(),
                    split_from: Some(id),
                })
                .await?,
        );
    }
    codebook.apply_split(id, &split, &keys);
    let changed: Vec<(i64, Vec<(i64, f64)>)> = members
        .iter()
        .zip(&split.part_of)
        .map(|(record, part)| {
            let themes = analyses[record]
                .themes
                .iter()
                .filter_map(|&(t, confidence)| match (t == id, part) {
                    (false, _) => Some((t, confidence)),
                    (true, Some(p)) => Some((keys[*p], confidence)),
                    (true, None) => None,
                })
                .collect();
            (*record, themes)
        })
        .collect();
    session
        .update_codebook(codebook_id, &codebook.to_bytes())
        .await?;
    session.replace_record_themes(&changed).await?;
    session
        .set_theme_status(id, ThemeStatus::Split, None)
        .await?;
    session.commit().await?;
    refresh(store).await?;
    let mut parts = Vec::with_capacity(keys.len());
    for key in keys {
        parts.push(find(store, key).await?);
    }
    Ok(parts)
}

/// Sets a theme aside: no longer given to records, listed or ranked. [`restore`] undoes it.
pub async fn archive(store: &Store, id: i64) -> Result<StoredTheme> {
    find_active(store, id).await?;
    set_status(store, id, ThemeStatus::Archived).await
}

/// Brings an archived theme back.
pub async fn restore(store: &Store, id: i64) -> Result<StoredTheme> {
    let theme = find(store, id).await?;
    if theme.status != ThemeStatus::Archived {
        return Err(ServiceError::Invalid(format!(
            "theme {id} ({}) is {}; only an archived theme can be restored",
            theme.label,
            theme.status.as_str()
        )));
    }
    set_status(store, id, ThemeStatus::Active).await
}

async fn set_status(store: &Store, id: i64, status: ThemeStatus) -> Result<StoredTheme> {
    codebook(store).await?;
    let mut session = store.begin_analysis().await?;
    session.set_theme_status(id, status, None).await?;
    session.commit().await?;
    refresh(store).await?;
    find(store, id).await
}

/// Adds a phrase to a theme: every record containing it, stored or to come, gets the theme
/// first. Returns the theme and how many stored records it was put first on (new to them, or
/// moved up from further down their list).
pub async fn add_phrase(store: &Store, id: i64, phrase: &str) -> Result<(StoredTheme, u64)> {
    let theme = find_active(store, id).await?;
    let phrase = phrase.trim();
    let rule = PhraseRule::new(id, phrase).ok_or_else(|| {
        ServiceError::Invalid(format!("the phrase {phrase:?} has no words to look for"))
    })?;
    codebook(store).await?;
    let records = all_feedback(store).await?;
    let analyses = store.record_analyses().await?;
    let (_, active) = edits_of(&store.themes().await?);
    let inputs = inputs_of(&records);
    let mut changed = Vec::new();
    for (record, input) in records.iter().zip(&inputs) {
        let Some(analysis) = analyses.get(&record.id) else {
            continue;
        };
        // Already first: nothing to change. A record that has the theme further down (a
        // comment's passages can give it several) gets it first like any other that says it.
        if analysis.themes.first().is_some_and(|(t, _)| *t == id) {
            continue;
        }
        let themes = Codebook::with_rules(
            &input.text,
            std::slice::from_ref(&rule),
            |t| active.contains(&t),
            analysis.themes.clone(),
        );
        if themes.first().map(|t| t.0) == Some(id) {
            changed.push((record.id, themes));
        }
    }
    let mut phrases = theme.added_phrases.clone();
    if !phrases.iter().any(|p| p == phrase) {
        phrases.push(phrase.to_owned());
    }
    let mut session = store.begin_analysis().await?;
    session.set_added_phrases(id, &phrases).await?;
    session.replace_record_themes(&changed).await?;
    session.commit().await?;
    refresh(store).await?;
    Ok((find(store, id).await?, changed.len() as u64))
}

async fn codebook(store: &Store) -> Result<(i64, Codebook)> {
    let (id, bytes) = store.current_codebook().await?.ok_or_else(not_analysed)?;
    Ok((id, Codebook::from_bytes(&bytes)?))
}

/// One entry of the Top Ten.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TopTenEntry {
    pub rank: u32,
    pub theme: i64,
    pub label: String,
    /// Records with the theme, and the scored ones among them (in the period, for a period's
    /// Top Ten).
    pub records: u64,
    pub support: u64,
    pub share: f64,
    /// The mean sentiment of the theme's passages over all the data; `None` in a period's Top
    /// Ten.
    pub mean_sentiment: Option<f64>,
    pub stage: Option<String>,
    /// Points of the overall score the theme costs, with its 95% interval.
    pub cost: Interval,
    /// The theme's own effect on a record's score (regression), with its 95% interval.
    pub effect: Interval,
    /// Who owns it and why; `None` when no organisation has been applied.
    pub ownership: Option<Ownership>,
}

/// Who owns a theme, and the evidence.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Ownership {
    /// Where the theme falls: on one department, across departments, or nowhere known.
    pub scope: Scope,
    /// `department` or `council`.
    pub owner_kind: &'static str,
    /// The department's or the council's key.
    pub owner: String,
    pub owner_name: String,
    /// `rule` (the routing rule) or `person` (set with `themes set-owner`, kept by analysis).
    pub set_by: &'static str,
    /// Each department's share of the theme's placed records, largest first.
    pub evidence: Vec<DepartmentShare>,
    /// Records of the theme with a stage or touchpoint, of all its records.
    pub placed: u64,
    pub records: u64,
    pub threshold: f64,
}

/// The owner of a theme as people name it: a department key, `council` for the operational
/// council, or `auto` to let the routing rule decide again.
pub async fn set_owner(store: &Store, id: i64, owner: &str) -> Result<StoredTheme> {
    find(store, id).await?;
    let owner = owner.trim();
    let value = match owner {
        "auto" => None,
        "council" => Some("council"),
        key => {
            let org = store
                .load_organisation()
                .await?
                .ok_or_else(no_organisation)?;
            if !org.departments.iter().any(|d| d.key.as_str() == key) {
                let known: Vec<&str> = org.departments.iter().map(|d| d.key.as_str()).collect();
                return Err(ServiceError::Invalid(format!(
                    "there is no department {key:?}; give one of {}, or council, or auto",
                    known.join(", ")
                )));
            }
            Some(key)
        }
    };
    store.set_theme_owner(id, value).await?;
    find(store, id).await
}

pub(crate) fn no_organisation() -> ServiceError {
    ServiceError::Invalid(
        "no organisation has been applied: run `throughline apply ORG.toml` first".to_owned(),
    )
}

/// The ownership of the given themes, routed over the organisation with `threshold` (see
/// [`throughline_analytics::routing`]); a person's choice of owner wins over the rule. Reads only
/// the themes' own records, where each landed, not every record.
pub async fn ownership(
    store: &Store,
    organisation: &Organisation,
    all: &[StoredTheme],
    themes: &[&StoredTheme],
    threshold: f64,
) -> Result<HashMap<i64, Ownership>> {
    // A theme's records include its sub-themes' (the wordings put under it; `all` is every
    // theme, as the caller read them): each landing counts for its own theme and for its
    // parent, a record once per theme.
    let mut counts_for: HashMap<i64, Vec<i64>> = HashMap::new();
    for t in themes {
        counts_for.entry(t.id).or_default().push(t.id);
        for sub in sub_themes_of(all, t.id) {
            counts_for.entry(sub.id).or_default().push(t.id);
        }
    }
    let mut ids: Vec<i64> = counts_for.keys().copied().collect();
    ids.sort_unstable();
    let landings = store.theme_landings(&ids).await?;
    let organisation = organisation.clone();
    let chosen: Vec<(i64, Option<String>)> =
        themes.iter().map(|t| (t.id, t.owner.clone())).collect();
    // Routing reads the text of every record of the themes: off the async runtime.
    Ok(blocking(move || {
        let mut by_theme: HashMap<i64, Vec<&ThemeLanding>> = HashMap::new();
        for l in &landings {
            for theme in &counts_for[&l.theme] {
                by_theme.entry(*theme).or_default().push(l);
            }
        }
        let landed: HashMap<i64, Vec<Landing>> = by_theme
            .into_iter()
            .map(|(theme, mut ls)| {
                // In record order, each record once.
                ls.sort_by_key(|l| l.record);
                ls.dedup_by_key(|l| l.record);
                let ls = ls
                    .into_iter()
                    .map(|l| Landing {
                        stage: l.stage.as_deref(),
                        touchpoint: l.touchpoint.as_deref(),
                        text: &l.text,
                    })
                    .collect();
                (theme, ls)
            })
            .collect();
        routed_owners(&organisation, &chosen, threshold, &landed)
    })
    .await)
}

/// [`ownership`] over records and analyses the caller has already read.
pub fn ownership_of(
    organisation: &Organisation,
    themes: &[&StoredTheme],
    threshold: f64,
    records: &[throughline_store::StoredFeedback],
    analyses: &HashMap<i64, throughline_store::RecordAnalysisRow>,
) -> HashMap<i64, Ownership> {
    let wanted: HashSet<i64> = themes.iter().map(|t| t.id).collect();
    let texts: Vec<String> = records.iter().map(|r| r.record.texts.joined()).collect();
    // Per theme, where each of its records landed, in record order.
    let mut landed: HashMap<i64, Vec<Landing>> = HashMap::new();
    for (record, text) in records.iter().zip(&texts) {
        let Some(analysis) = analyses.get(&record.id) else {
            continue;
        };
        for (theme, _) in &analysis.themes {
            if wanted.contains(theme) {
                landed.entry(*theme).or_default().push(Landing {
                    stage: analysis.stage.as_deref(),
                    touchpoint: record.record.touchpoint.as_ref().map(|t| t.as_str()),
                    text,
                });
            }
        }
    }
    let chosen: Vec<(i64, Option<String>)> =
        themes.iter().map(|t| (t.id, t.owner.clone())).collect();
    routed_owners(organisation, &chosen, threshold, &landed)
}

/// The owner of each theme `(id, the owner a person chose)`, from where its records landed.
fn routed_owners(
    organisation: &Organisation,
    themes: &[(i64, Option<String>)],
    threshold: f64,
    landed: &HashMap<i64, Vec<Landing>>,
) -> HashMap<i64, Ownership> {
    let router = Router::new(organisation, threshold);
    let council = organisation
        .councils
        .iter()
        .find(|c| c.kind == CouncilKind::Operational)
        .or(organisation.councils.first());
    let council_owner = || match council {
        Some(c) => (
            "council",
            c.key.as_str().to_owned(),
            c.name.as_str().to_owned(),
        ),
        None => ("council", "council".to_owned(), "the CX council".to_owned()),
    };
    let department_owner = |key: &str| {
        let name = organisation
            .departments
            .iter()
            .find(|d| d.key.as_str() == key)
            .map_or(key, |d| d.name.as_str());
        ("department", key.to_owned(), name.to_owned())
    };
    let mut out = HashMap::new();
    for (id, chosen) in themes {
        let route = router.route(landed.get(id).into_iter().flatten().copied());
        let ((owner_kind, owner, owner_name), set_by) = match chosen.as_deref() {
            Some("council") => (council_owner(), "person"),
            Some(key) => (department_owner(key), "person"),
            None => match &route.department {
                Some(key) => (department_owner(key), "rule"),
                None => (council_owner(), "rule"),
            },
        };
        out.insert(
            *id,
            Ownership {
                scope: route.scope,
                owner_kind,
                owner,
                owner_name,
                set_by,
                evidence: route.shares,
                placed: route.placed,
                records: route.records,
                threshold,
            },
        );
    }
    out
}

pub use throughline_store::Interval;

/// The Top Ten as the latest analysis ranked it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TopTen {
    /// `nps` or `mean`: the score the costs are in; `None` when the records carry no scores.
    pub metric: Option<String>,
    pub records: u64,
    /// The single-department share the owners were routed with.
    pub threshold: f64,
    /// The days the themes were ranked on (`crate::period::top_ten`); `None`: all the data, as
    /// the latest analysis ranked it.
    pub period: Option<crate::period::Days>,
    pub entries: Vec<TopTenEntry>,
}

/// The theme's stored impact; `None` when the analysis gave it none (no scores).
pub(crate) fn stored_impact(theme: &StoredTheme) -> Option<&throughline_store::StoredImpact> {
    theme.aggregates.impact.as_ref()
}

/// Refuses a single-department share outside (0, 1].
pub(crate) fn check_share(threshold: f64) -> Result<()> {
    if threshold > 0.0 && threshold <= 1.0 {
        Ok(())
    } else {
        Err(ServiceError::Invalid(format!(
            "the single-department share is a number above 0 and at most 1, not {threshold}"
        )))
    }
}

/// The Top Ten as the latest analysis ranked it, each theme with its owner routed over the
/// organisation with `threshold` (the single-department share).
pub async fn top_ten(store: &Store, threshold: f64) -> Result<TopTen> {
    check_share(threshold)?;
    let run = crate::analysis::latest_run(store)
        .await?
        .ok_or_else(not_analysed)?;
    let all = store.themes().await?;
    let themes: Vec<StoredTheme> = all
        .iter()
        .filter(|t| t.aggregates.top_ten_rank.is_some() && t.aggregates.impact.is_some())
        .cloned()
        .collect();
    let mut owners = match store.load_organisation().await? {
        Some(org) => {
            let ranked: Vec<&StoredTheme> = themes.iter().collect();
            ownership(store, &org, &all, &ranked, threshold).await?
        }
        None => HashMap::new(),
    };
    let mut entries = Vec::new();
    for theme in themes {
        let (Some(rank), Some(impact)) = (
            theme.aggregates.top_ten_rank,
            stored_impact(&theme).cloned(),
        ) else {
            continue;
        };
        entries.push(TopTenEntry {
            rank,
            theme: theme.id,
            ownership: owners.remove(&theme.id),
            label: theme.label,
            records: theme.aggregates.records,
            support: impact.support,
            share: theme.aggregates.share,
            mean_sentiment: theme.aggregates.mean_sentiment,
            stage: theme.aggregates.stage,
            cost: impact.cost,
            effect: impact.effect,
        });
    }
    entries.sort_by_key(|e| e.rank);
    Ok(TopTen {
        metric: run.summary.impact_metric.map(|m| m.as_str().to_owned()),
        records: run.records_total,
        threshold,
        period: None,
        entries,
    })
}

/// The `limit` records most typical of theme `id` (closest to it), most typical first.
pub async fn typical_records(store: &Store, id: i64, limit: u32) -> Result<Vec<Verbatim>> {
    Ok(store.theme_verbatims(id, limit).await?)
}
