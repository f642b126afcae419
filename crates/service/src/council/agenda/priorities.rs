//! Item 7: priorities — the Top Ten against the previous meeting's, new cross-department themes,
//! spikes, and the cross-silo chains (hypotheses), marked new since the last meeting.

use serde::Serialize;
use throughline_analytics::report::SpikeResult;
use throughline_analytics::routing::Scope;

use super::{AgendaItem, Context, ITEMS, PrioritiesData, TopTenLine, figures, from_snapshot};
use crate::chains::Chain;

/// The item's figures. The next agenda and the pack read back its Top Ten and chain keys as
/// [`PrioritiesData`].
#[derive(Serialize)]
struct Priorities<'a> {
    top_ten: &'a [TopTenLine],
    /// Themes that left the Top Ten since the last meeting.
    left: Vec<&'a str>,
    new_cross_department: Vec<&'a str>,
    spikes: &'a [SpikeResult],
    chains: &'a [Chain],
    /// The chains' keys, to tell next time which chains are new.
    chain_keys: Vec<String>,
}

pub(super) fn item(ctx: &Context<'_>) -> AgendaItem {
    let (summary, top, found) = (&ctx.summary, &ctx.top, &ctx.chains);
    let previous = ctx.previous.as_ref();
    let department_name = |key: &str| ctx.org.department_name(key).to_owned();
    // The previous meeting's agenda, as it was kept when that meeting closed.
    let kept: PrioritiesData = previous
        .and_then(|p| p.agenda.as_ref().map(|kept| from_snapshot(kept, p)))
        .map(|agenda| agenda.item_data("priorities"))
        .unwrap_or_default();
    let before = &kept.top_ten;
    let was = |theme: i64| before.iter().find(|b| b.theme == theme);
    let current: Vec<TopTenLine> = top
        .entries
        .iter()
        .map(|e| TopTenLine {
            rank: e.rank,
            theme: e.theme,
            label: e.label.clone(),
            scope: e
                .ownership
                .as_ref()
                .map_or("unplaced", |o| match o.scope {
                    Scope::SingleDepartment => "single-department",
                    Scope::CrossDepartment => "cross-department",
                    Scope::Unplaced => "unplaced",
                })
                .to_owned(),
            owner: e.ownership.as_ref().map(|o| o.owner_name.clone()),
            previous_rank: was(e.theme).map(|b| b.rank),
        })
        .collect();
    let mut lines: Vec<String> = current
        .iter()
        .map(|e| {
            let change = match e.previous_rank {
                _ if previous.is_none() => String::new(),
                None => " — new".to_owned(),
                Some(r) if r == e.rank => " — unchanged".to_owned(),
                Some(r) => format!(" — was {r}"),
            };
            format!(
                "{}. {} ({}, {}){change}",
                e.rank,
                e.label,
                e.scope,
                e.owner.as_deref().unwrap_or("no owner")
            )
        })
        .collect();
    let left: Vec<&str> = before
        .iter()
        .filter(|b| !current.iter().any(|c| c.theme == b.theme))
        .map(|b| b.label.as_str())
        .collect();
    if !left.is_empty() {
        lines.push(format!("Left the Top Ten: {}", left.join(", ")));
    }
    const CROSS: &str = "cross-department";
    let new_cross: Vec<&str> = current
        .iter()
        .filter(|c| c.scope == CROSS)
        .filter(|c| {
            previous.is_none()
                || !before
                    .iter()
                    .any(|b| b.theme == c.theme && b.scope == CROSS)
        })
        .map(|c| c.label.as_str())
        .collect();
    if !new_cross.is_empty() {
        lines.push(format!(
            "New cross-department themes for the council: {}",
            new_cross.join(", ")
        ));
    }
    for s in &summary.spikes {
        lines.push(format!(
            "Spike: “{}” in {}: {} records where {:.0} were expected",
            s.label, s.period, s.count, s.expected
        ));
    }
    // Cross-silo chains, marked new when the previous agenda did not have them.
    let known_chains = &kept.chain_keys;
    let department_names = |keys: &[String]| -> String {
        keys.iter()
            .map(|k| department_name(k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for chain in &found.chains {
        let path = chain.path(false);
        let new = if previous.is_some() && !known_chains.contains(&chain.key()) {
            " — new since the last meeting"
        } else {
            ""
        };
        lines.push(format!(
            "Chain (a hypothesis to examine, not a proven cause): {path}; departments: {}{new}",
            department_names(&chain.departments)
        ));
    }
    let chain_keys: Vec<String> = found.chains.iter().map(|c| c.key()).collect();
    if lines.is_empty() {
        lines.push("No Top Ten yet: analyse the feedback first.".to_owned());
    }
    AgendaItem {
        number: 7,
        key: ITEMS[6].0,
        title: ITEMS[6].1.to_owned(),
        lines,
        data: figures(&Priorities {
            top_ten: &current,
            left,
            new_cross_department: new_cross,
            spikes: &summary.spikes,
            chains: &found.chains,
            chain_keys,
        }),
    }
}
