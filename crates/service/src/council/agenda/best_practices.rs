//! Item 4: best practices — the departments whose themes or measures improved and what they did,
//! and the teams whose work prevented a problem (recognition: prevention before resolution).

use serde_json::{Value, json};

use super::{AgendaItem, Context, ITEMS};
use crate::Result;

pub(super) async fn item(ctx: &Context<'_>, improved: &[Value]) -> Result<AgendaItem> {
    // and the teams whose work prevented a problem (recognition, prevention before resolution):
    // only initiatives that started can have.
    let recognised = if ctx.any_started() {
        Some(crate::recognition::recognise_with(ctx.store, ctx.inputs().await?).await?)
    } else {
        None
    };
    let prevention: Vec<&crate::recognition::Recognition> =
        recognised.iter().flat_map(|r| r.prevented()).collect();
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
                    let list = |key: &str| {
                        d[key]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            })
                            .unwrap_or_default()
                    };
                    let parts: Vec<String> = [
                        ("themes_improving", "fewer complaints of "),
                        ("kpis_improving", "better "),
                        ("what_they_did", "what they did: "),
                    ]
                    .into_iter()
                    .filter_map(|(key, label)| {
                        let text = list(key);
                        (!text.is_empty()).then(|| format!("{label}{text}"))
                    })
                    .collect();
                    format!(
                        "{}: {}",
                        d["name"].as_str().unwrap_or_default(),
                        parts.join("; ")
                    )
                })
                .chain(prevention.iter().map(|r| recognition_line(r)))
                .collect()
        },
        data: json!({ "departments": improved, "prevention": prevention }),
    })
}

/// "Recognised for prevention: Customer Service (Call back instead of holding) — …".
fn recognition_line(r: &crate::recognition::Recognition) -> String {
    format!(
        "Recognised for prevention: {} ({}) — {}",
        r.credited(),
        r.title,
        r.evidence
    )
}
