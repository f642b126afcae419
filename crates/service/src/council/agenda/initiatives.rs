//! Item 5: the council's own initiatives with their status, completion and measured effect.

use serde::Serialize;
use throughline_domain::action::{Date, InitiativeStatus, WorkOwner};
use throughline_domain::org::CouncilKind;

use super::{AgendaItem, Context, ITEMS, figures};
use crate::Result;
use crate::effects::MeasuredEffect;

/// The item's figures: each of the council's initiatives.
#[derive(Serialize)]
struct Initiatives<'a> {
    initiatives: Vec<Initiative<'a>>,
}

#[derive(Serialize)]
struct Initiative<'a> {
    id: i64,
    title: &'a str,
    status: &'static str,
    /// Tasks planned and done.
    tasks: u64,
    done: u64,
    /// done ÷ planned, in %.
    completion_rate: Option<f64>,
    current_value: Option<f64>,
    started_on: Option<&'a Date>,
    /// Did it work? (only once it has started)
    measured_effect: Option<&'a MeasuredEffect>,
}

pub(super) async fn item(ctx: &Context<'_>) -> Result<AgendaItem> {
    let (store, council) = (ctx.store, &ctx.council);
    let (initiatives, completion) = (&ctx.initiatives, &ctx.completion);
    let own: Vec<_> = initiatives
        .iter()
        .filter(|i| {
            matches!(&i.initiative.owner, WorkOwner::Council(c) if c == &council.key)
                || (council.kind == CouncilKind::Strategic
                    && !matches!(i.status, InitiativeStatus::Rejected))
        })
        .collect();
    // Did it work? The measured effect of those that have started.
    let measured: Vec<MeasuredEffect> = if own.iter().any(|i| i.status.has_started()) {
        crate::effects::measure_started_with(store, ctx.inputs().await?).await?
    } else {
        Vec::new()
    };
    let effect_of = |id: i64| measured.iter().find(|m| m.initiative == id);
    let completion_of = |id: i64| {
        completion
            .by_initiative
            .get(&id)
            .copied()
            .unwrap_or_default()
    };
    Ok(AgendaItem {
        number: 5,
        key: ITEMS[4].0,
        title: ITEMS[4].1.to_owned(),
        lines: if own.is_empty() {
            vec!["The council owns no initiative yet.".to_owned()]
        } else {
            own.iter()
                .map(|i| {
                    let c = completion_of(i.id);
                    format!(
                        "{} ({}): {} of {} tasks done{}{}{}",
                        i.initiative.title,
                        i.status.as_str(),
                        c.done,
                        c.planned,
                        i.current_value
                            .map(|v| format!(
                                "; {} now {v} ({:.0}% of the way)",
                                i.initiative.objective.metric,
                                i.initiative.objective.progress(v)
                            ))
                            .unwrap_or_default(),
                        format_args!("; due {}", i.initiative.objective.due),
                        effect_of(i.id)
                            .map(|m| format!("; did it work? {}", m.headline()))
                            .unwrap_or_default()
                    )
                })
                .collect()
        },
        data: figures(&Initiatives {
            initiatives: own
                .iter()
                .map(|i| {
                    let c = completion_of(i.id);
                    Initiative {
                        id: i.id,
                        title: &i.initiative.title,
                        status: i.status.as_str(),
                        tasks: c.planned,
                        done: c.done,
                        completion_rate: c.completion_rate,
                        current_value: i.current_value,
                        started_on: i.started_on.as_ref(),
                        measured_effect: effect_of(i.id),
                    }
                })
                .collect(),
        }),
    })
}
