//! Item 4: best practices — the departments whose themes or measures improved and what they did,
//! and the teams whose work prevented a problem (recognition: prevention before resolution).

use serde::Serialize;

use super::departments::Improved;
use super::{AgendaItem, Context, ITEMS, figures};
use crate::Result;
use crate::recognition::Recognition;

/// The item's figures: the departments that improved, and the prevention recognised.
#[derive(Serialize)]
struct BestPractices<'a> {
    departments: &'a [Improved],
    prevention: Vec<&'a Recognition>,
}

pub(super) async fn item(ctx: &Context<'_>, improved: &[Improved]) -> Result<AgendaItem> {
    // and the teams whose work prevented a problem (recognition, prevention before resolution):
    // only initiatives that started can have.
    let recognised = if ctx.any_started() {
        Some(crate::recognition::recognise_with(ctx.store, ctx.inputs().await?).await?)
    } else {
        None
    };
    let prevention: Vec<&Recognition> = recognised.iter().flat_map(|r| r.prevented()).collect();
    Ok(AgendaItem {
        number: 4,
        key: ITEMS[3].0,
        title: ITEMS[3].1.to_owned(),
        lines: if improved.is_empty() {
            vec!["No department's themes or measures improved since the last meeting.".to_owned()]
                .into_iter()
                .chain(prevention.iter().map(|r| recognition_line(r)))
                .collect()
        } else {
            improved
                .iter()
                .map(|d| {
                    let parts: Vec<String> = [
                        (&d.themes_improving, "fewer complaints of "),
                        (&d.kpis_improving, "better "),
                        (&d.what_they_did, "what they did: "),
                    ]
                    .into_iter()
                    .filter(|(list, _)| !list.is_empty())
                    .map(|(list, label)| format!("{label}{}", list.join("; ")))
                    .collect();
                    format!("{}: {}", d.name, parts.join("; "))
                })
                .chain(prevention.iter().map(|r| recognition_line(r)))
                .collect()
        },
        data: figures(&BestPractices {
            departments: improved,
            prevention,
        }),
    })
}

/// "Recognised for prevention: Customer Service (Call back instead of holding) — …".
fn recognition_line(r: &Recognition) -> String {
    format!(
        "Recognised for prevention: {} ({}) — {}",
        r.credited(),
        r.title,
        r.evidence
    )
}
