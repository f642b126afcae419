//! Item 3: one slot per department represented on the council (every department when none is):
//! its scorecard, its work done, open and overdue, whether it is aligned with the customer, its
//! journey gaps, and how it got back to the customers its cases named.

use std::collections::BTreeSet;

use serde::Serialize;
use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_analytics::scorecard::Weights;
use throughline_domain::Key;
use throughline_domain::date::DAY_MS;
use throughline_domain::org::gaps::Gap;

use super::{AgendaItem, Context, ITEMS, figures, theme_direction};
use crate::Result;
use crate::chains::Conflict;
use crate::follow_up::DepartmentFollowUp;

/// The item's figures: a slot per department, and how each got back to its customers.
#[derive(Serialize)]
struct Reports<'a> {
    departments: Vec<Slot<'a>>,
    follow_up: &'a [DepartmentFollowUp],
}

/// One department's slot.
#[derive(Serialize)]
struct Slot<'a> {
    department: &'a str,
    name: &'a str,
    /// The scorecard's score out of 100, once scored.
    score: Option<f64>,
    done: usize,
    open: usize,
    overdue: usize,
    /// Not aligned when its own KPI improves while a theme it shares worsens, or a chain
    /// puts it at odds with another department.
    aligned: bool,
    improving_kpis: Vec<&'a str>,
    worsening_shared_themes: Vec<&'a str>,
    chain_conflicts: Vec<Conflict>,
    journey_gaps: Vec<&'a Gap>,
}

/// A department whose themes or measures improved since the last meeting, and what it did
/// (item 4, best practices, tells these).
#[derive(Debug, Clone, Serialize)]
pub(super) struct Improved {
    pub department: String,
    pub name: String,
    pub themes_improving: Vec<String>,
    pub kpis_improving: Vec<String>,
    pub what_they_did: Vec<String>,
}

/// The item, and the departments whose themes or measures improved (for item 4).
pub(super) async fn item(ctx: &Context<'_>) -> Result<(AgendaItem, Vec<Improved>)> {
    let (store, org, council, since) = (ctx.store, &ctx.org, &ctx.council, &ctx.since);
    let (top, stored_themes, found) = (&ctx.top, &ctx.stored_themes, &ctx.chains);
    let date = ctx.date.clone();
    let trend_of = |theme: i64| {
        stored_themes
            .iter()
            .find(|t| t.id == theme)
            .and_then(|t| theme_direction(&t.aggregates.trend))
    };
    let mut cards = Vec::with_capacity(org.departments.len());
    for d in &org.departments {
        let key = d.key.as_str();
        cards.push(
            crate::scorecards::department_from_kept(
                store,
                org,
                &ctx.evidence,
                key,
                Weights::default(),
                SINGLE_DEPARTMENT_SHARE,
            )
            .await?,
        );
    }
    let represented: BTreeSet<&str> = council
        .members
        .iter()
        .chain([&council.chair])
        .filter_map(|m| m.department.as_ref().map(Key::as_str))
        .collect();
    // Gaps and overlaps between departments: each department hears the ones it is part of.
    let journey = &ctx.journey;
    let mut slots = Vec::new();
    let mut lines = Vec::new();
    let mut improved = Vec::new();
    for card in cards
        .iter()
        .filter(|c| represented.is_empty() || represented.contains(c.department.as_str()))
    {
        let key = card.department.as_str();
        let mine: Vec<&crate::work::WorkItem> = ctx
            .work
            .iter()
            .filter(|w| w.department.as_str() == key)
            .collect();
        let done = mine.iter().filter(|w| !w.is_open()).count();
        let overdue = mine.iter().filter(|w| w.is_overdue(&date)).count();
        let open = mine.iter().filter(|w| w.is_open()).count() - overdue;
        let done_since: Vec<String> = mine
            .iter()
            .filter(|w| w.done_since(since.as_ref()))
            .map(|w| w.title.clone())
            .collect();
        // Aligned unless its own KPI improves while a cross-department theme it touches worsens.
        let improving_kpis: Vec<&str> = card
            .own_kpis
            .iter()
            .filter(|k| k.movement == Some("improving"))
            .map(|k| k.name.as_str())
            .collect();
        let worsening_shared: Vec<&str> = top
            .entries
            .iter()
            .filter(|e| {
                e.ownership.as_ref().is_some_and(|o| {
                    o.scope == Scope::CrossDepartment
                        && o.evidence
                            .iter()
                            .any(|s| s.department == key && s.share >= 0.1)
                })
            })
            .filter(|e| trend_of(e.theme) == Some(true))
            .map(|e| e.label.as_str())
            .collect();
        let shared_worsens = !improving_kpis.is_empty() && !worsening_shared.is_empty();
        // …or unless, in a cross-silo chain, its KPI leads something that worsens for others as
        // the KPI improves.
        let conflicts = crate::chains::conflicts(found, org, stored_themes, key);
        let misaligned = shared_worsens || !conflicts.is_empty();
        let owned_improving: Vec<&str> = card
            .negative_themes
            .iter()
            .filter(|(id, _)| trend_of(*id) == Some(false))
            .map(|(_, label)| label.as_str())
            .collect();
        if !owned_improving.is_empty() || !improving_kpis.is_empty() {
            improved.push(Improved {
                department: key.to_owned(),
                name: card.name.clone(),
                themes_improving: owned_improving.iter().map(|s| s.to_string()).collect(),
                kpis_improving: improving_kpis.iter().map(|s| s.to_string()).collect(),
                what_they_did: done_since,
            });
        }
        let score = card.scorecard.score;
        lines.push(format!(
            "{}: scorecard {}; {done} done, {open} open, {overdue} overdue{}",
            card.name,
            score.map_or_else(|| "not yet scored".to_owned(), |s| format!("{s:.0}/100")),
            if misaligned {
                let mut why = Vec::new();
                if shared_worsens {
                    why.push(format!(
                        "its own {} improves while “{}”, which it shares with other departments, \
                         worsens",
                        improving_kpis.join(", "),
                        worsening_shared.join("”, “")
                    ));
                }
                if !conflicts.is_empty() {
                    let said: Vec<&str> = conflicts.iter().map(|c| c.text.as_str()).collect();
                    why.push(format!("in the chains, {} (a hypothesis)", said.join("; ")));
                }
                format!("; NOT ALIGNED: {}", why.join("; and "))
            } else {
                String::new()
            }
        ));
        let gaps: Vec<&Gap> = journey.of_department(key).collect();
        if !gaps.is_empty() {
            let said: Vec<&str> = gaps.iter().map(|g| g.message.as_str()).collect();
            lines.push(format!(
                "{}, journey gaps and overlaps to settle: {}",
                card.name,
                said.join("; ")
            ));
        }
        slots.push(Slot {
            department: key,
            name: &card.name,
            score,
            done,
            open,
            overdue,
            aligned: !misaligned,
            improving_kpis,
            worsening_shared_themes: worsening_shared,
            chain_conflicts: conflicts,
            journey_gaps: gaps,
        });
    }
    // The inner loop: how each department got back to the customers its cases named, over
    // the cases opened in the last 30 days.
    let follow_up = crate::follow_up::by_department(
        store,
        throughline_domain::Timestamp::from_millis(
            throughline_domain::Timestamp::now().as_millis() - 30 * DAY_MS,
        ),
    )
    .await?;
    for f in &follow_up {
        lines.push(format!(
            "{}, follow-up of customers (30 days): {} of {} contacted{}{}{}",
            f.name,
            f.followed_up,
            f.opened,
            f.rate
                .map(|r| format!(" ({:.0}%)", r * 100.0))
                .unwrap_or_default(),
            f.median_hours_to_contact
                .map(|h| format!(", median {h:.0} h to contact"))
                .unwrap_or_default(),
            if f.overdue > 0 {
                format!("; {} overdue", f.overdue)
            } else {
                String::new()
            }
        ));
    }
    let item = AgendaItem {
        number: 3,
        key: ITEMS[2].0,
        title: ITEMS[2].1.to_owned(),
        lines,
        data: figures(&Reports {
            departments: slots,
            follow_up: &follow_up,
        }),
    };
    Ok((item, improved))
}
