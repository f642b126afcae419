//! The champions' network's agenda: "meet together, compare notes, identify best practices" —
//! its own items beside the councils' shared ones.

use serde::Serialize;
use serde_json::Value;

use super::{AgendaItem, CHAMPION_ITEMS, Context, figures};
use crate::Result;
use crate::effects::MeasuredEffect;

/// Item 3's figures: the initiatives that started, with their measured effects.
#[derive(Serialize)]
struct Lessons<'a> {
    initiatives: &'a [MeasuredEffect],
}

/// Item 4's figures: what needs coordinating across departments, in words.
#[derive(Serialize)]
struct Coordination<'a> {
    items: &'a [String],
}

/// Item 5's figures: the data-sharing requests, in words.
#[derive(Serialize)]
struct DataSharing<'a> {
    requests: &'a [String],
}

pub(super) async fn items(ctx: &Context<'_>, computed: Vec<AgendaItem>) -> Result<Vec<AgendaItem>> {
    let (store, org, top) = (ctx.store, &ctx.org, &ctx.top);
    let kept = |key: &str| computed.iter().find(|i| i.key == key).cloned();
    let item = |number: usize, lines: Vec<String>, data: Value| AgendaItem {
        number: number as u8,
        key: CHAMPION_ITEMS[number - 1].0,
        title: CHAMPION_ITEMS[number - 1].1.to_owned(),
        lines,
        data,
    };
    let renumbered = |number: usize, found: Option<AgendaItem>| {
        found.map(|mut i| {
            i.number = number as u8;
            i.key = CHAMPION_ITEMS[number - 1].0;
            i.title = CHAMPION_ITEMS[number - 1].1.to_owned();
            i
        })
    };
    let mut items = Vec::with_capacity(CHAMPION_ITEMS.len());
    items.extend(renumbered(1, kept("actions")));
    items.extend(renumbered(2, kept("best_practices")));

    // 3. Lessons: every initiative that has started, with what its measured effect says.
    let effects = if ctx.any_started() {
        crate::effects::measure_started_with(store, ctx.inputs().await?).await?
    } else {
        Vec::new()
    };
    let lessons: Vec<String> = effects
        .iter()
        .map(|e| format!("{}: {}", e.title, e.headline()))
        .collect();
    items.push(item(
        3,
        if lessons.is_empty() {
            vec!["No initiative has started yet: nothing to learn from so far.".to_owned()]
        } else {
            lessons
        },
        figures(&Lessons {
            initiatives: &effects,
        }),
    ));

    // 4. Coordination: the Top Ten themes the council owns because they cross departments, and
    // the moments of truth on stages several departments take part in.
    let mut coordination: Vec<String> = top
        .entries
        .iter()
        .filter_map(|e| {
            let o = e.ownership.as_ref()?;
            (o.owner_kind == "council").then(|| {
                let departments: Vec<String> = o
                    .evidence
                    .iter()
                    .take(3)
                    .map(|s| {
                        format!(
                            "{} {:.0}%",
                            org.department_name(&s.department),
                            s.share * 100.0
                        )
                    })
                    .collect();
                format!(
                    "Top Ten {}: “{}” crosses {}",
                    e.rank,
                    e.label,
                    departments.join(", ")
                )
            })
        })
        .collect();
    for moment in &org.moments_of_truth {
        let Some(stage) = org.stage(&moment.stage) else {
            continue;
        };
        // Where several departments own the stage's touchpoints: nobody alone can keep it.
        let departments: Vec<_> = org
            .departments_of_stage(stage)
            .into_iter()
            .filter(|(_, role)| *role == throughline_domain::org::OwnershipRole::Owner)
            .collect();
        if departments.len() >= 2 {
            coordination.push(format!(
                "Moment of truth {} “{}” ({}): {}",
                moment.rank,
                moment.name,
                stage.name,
                departments
                    .iter()
                    .map(|(d, _)| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let data = figures(&Coordination {
        items: &coordination,
    });
    items.push(item(
        4,
        if coordination.is_empty() {
            vec!["Nothing crosses departments at the moment.".to_owned()]
        } else {
            coordination
        },
        data,
    ));

    // 5. Data-sharing requests: where a department cannot see its part of the journey.
    use throughline_domain::org::gaps::GapKind;
    let check = &ctx.journey;
    let requests: Vec<String> = check
        .gaps
        .iter()
        .filter(|g| {
            matches!(
                g.kind,
                GapKind::MomentWithoutMetric
                    | GapKind::MomentWithoutFeedback
                    | GapKind::KpisOffJourney
                    | GapKind::DepartmentWithoutFeedback
                    | GapKind::MetricClaimedTwice
            )
        })
        .map(|g| format!("{}. Ask: {}.", g.message, g.fix))
        .collect();
    let data = figures(&DataSharing {
        requests: &requests,
    });
    items.push(item(
        5,
        if requests.is_empty() {
            vec!["Every department sees its part of the journey: no data to ask for.".to_owned()]
        } else {
            requests
        },
        data,
    ));
    items.extend(renumbered(6, kept("other_business")));
    items.extend(renumbered(7, kept("adjourn")));
    Ok(items)
}
