//! Item 6: whether the customer measures do their job — volume, coverage of the journey, precision.

use serde::Serialize;

use super::{AgendaItem, Context, ITEMS, figures, month_of};
use crate::Result;

/// The item's figures: volume, coverage of the journey and the NPS interval's width.
#[derive(Serialize)]
struct Measurement<'a> {
    records: u64,
    /// Records in the months since the last meeting.
    records_since: u64,
    /// Records placed on a journey stage.
    placed: u64,
    nps_interval_width: Option<f64>,
    last_month_nps_interval_width: Option<f64>,
    stages: Vec<Stage<'a>>,
    stages_without_data: Vec<&'a str>,
}

#[derive(Serialize)]
struct Stage<'a> {
    stage: &'a str,
    records: u64,
    /// Too few NPS answers for a firm figure.
    small_sample: bool,
}

pub(super) async fn item(ctx: &Context<'_>) -> Result<AgendaItem> {
    let (store, summary, since) = (ctx.store, &ctx.summary, &ctx.since);
    let months = &summary.monthly;
    let stage_measures = crate::scorecards::stage_measures(store).await?;
    let (records, placed) = (summary.records, summary.placed);
    let recent: u64 = months
        .iter()
        .filter(|m| {
            since
                .as_ref()
                .is_none_or(|s| m.period.as_str() >= month_of(s).as_str())
        })
        .map(|m| m.records)
        .sum();
    let empty: Vec<&str> = stage_measures
        .iter()
        .filter(|m| m.records == 0)
        .map(|m| m.name.as_str())
        .collect();
    let thin: Vec<&str> = stage_measures
        .iter()
        .filter(|m| m.records > 0 && m.nps.is_none_or(|e| e.small_sample))
        .map(|m| m.name.as_str())
        .collect();
    let width = summary.scores.nps.map(|e| e.high - e.low);
    let last_month_width = months.last().and_then(|m| m.nps).map(|e| e.high - e.low);
    let mut lines = vec![
        format!(
            "{records} responses analysed, {recent} of them {}",
            since.as_ref().map_or_else(
                || "in all".to_owned(),
                |s| format!("in the months since {s}")
            )
        ),
        format!(
            "{placed} of {records} placed on a journey stage ({:.0}%)",
            if records == 0 {
                0.0
            } else {
                placed as f64 * 100.0 / records as f64
            }
        ),
    ];
    if let Some(w) = width {
        lines.push(format!(
            "The NPS interval is {w:.1} points wide overall{}",
            last_month_width
                .map(|l| format!(", {l:.1} for the last month alone"))
                .unwrap_or_default()
        ));
    }
    lines.push(if empty.is_empty() {
        "Every stage has data.".to_owned()
    } else {
        format!("Stages with no data: {}", empty.join(", "))
    });
    if !thin.is_empty() {
        lines.push(format!(
            "Stages with too few NPS answers for a firm figure: {}",
            thin.join(", ")
        ));
    }
    Ok(AgendaItem {
        number: 6,
        key: ITEMS[5].0,
        title: ITEMS[5].1.to_owned(),
        lines,
        data: figures(&Measurement {
            records,
            records_since: recent,
            placed,
            nps_interval_width: width,
            last_month_nps_interval_width: last_month_width,
            stages: stage_measures
                .iter()
                .map(|m| Stage {
                    stage: &m.stage,
                    records: m.records,
                    small_sample: m.nps.is_none_or(|e| e.small_sample),
                })
                .collect(),
            stages_without_data: empty,
        }),
    })
}
