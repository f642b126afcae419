//! Before the ten items, the strategic council decides what awaits it: the initiatives awaiting
//! approval and their resource requests (item 0).

use serde::Serialize;
use throughline_domain::action::InitiativeStatus;
use throughline_domain::org::CouncilKind;

use super::{AgendaItem, Context, figures};

/// The item's figures: the initiatives awaiting approval.
#[derive(Serialize)]
struct Approvals<'a> {
    initiatives: Vec<Awaiting<'a>>,
}

#[derive(Serialize)]
struct Awaiting<'a> {
    id: i64,
    title: &'a str,
    resources_requested: &'a str,
}

pub(super) fn item(ctx: &Context<'_>) -> Option<AgendaItem> {
    let (council, initiatives) = (&ctx.council, &ctx.initiatives);
    if council.kind != CouncilKind::Strategic {
        return None;
    }
    {
        let awaiting: Vec<_> = initiatives
            .iter()
            .filter(|i| i.status == InitiativeStatus::Proposed)
            .collect();
        let lines = if awaiting.is_empty() {
            vec!["No initiative awaits approval.".to_owned()]
        } else {
            awaiting
                .iter()
                .map(|i| {
                    let resources = if i.initiative.resources_requested.is_empty() {
                        "no resources requested".to_owned()
                    } else {
                        format!("requests: {}", i.initiative.resources_requested)
                    };
                    format!(
                        "Initiative {} “{}”: {} → {} by {}; {resources}",
                        i.id,
                        i.initiative.title,
                        i.initiative.objective.baseline,
                        i.initiative.objective.target,
                        i.initiative.objective.due
                    )
                })
                .collect()
        };
        Some(AgendaItem {
            number: 0,
            key: "approvals",
            title: "Initiatives awaiting approval and resource requests".to_owned(),
            lines,
            data: figures(&Approvals {
                initiatives: awaiting
                    .iter()
                    .map(|i| Awaiting {
                        id: i.id,
                        title: &i.initiative.title,
                        resources_requested: &i.initiative.resources_requested,
                    })
                    .collect(),
            }),
        })
    }
}
