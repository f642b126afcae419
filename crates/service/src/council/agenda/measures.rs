//! Item 2: the overall measures with their intervals and their movement since the last meeting,
//! and the moments of truth that move satisfaction most.

use std::collections::BTreeMap;

use serde::Serialize;
use throughline_analytics::Estimate;
use throughline_analytics::report::PeriodScores;

use super::{AgendaItem, Context, ITEMS, MonthScore, figures, month_of};
use crate::Result;
use crate::moments::MomentEffect;

/// The item's figures: each score with its interval and movement, the months' scores (read
/// back by the next agenda and the pack as [`super::MeasuresData`]) and the moments of truth.
#[derive(Serialize)]
struct Measures<'a> {
    /// By score: `nps`, `csat`.
    measures: BTreeMap<&'static str, Measure<'a>>,
    monthly: &'a [PeriodScores],
    moments: Vec<&'a MomentEffect>,
}

#[derive(Serialize)]
struct Measure<'a> {
    value: f64,
    low: f64,
    high: f64,
    n: u64,
    /// Since the last meeting (or the month before the latest), when there are two months.
    movement: Option<Movement<'a>>,
}

#[derive(Serialize)]
struct Movement<'a> {
    from_period: &'a str,
    from: f64,
    from_low: f64,
    from_high: f64,
    to_period: &'a str,
    to: f64,
    to_low: f64,
    to_high: f64,
    change: f64,
    /// The intervals do not overlap.
    clear: bool,
}

pub(super) async fn item(ctx: &Context<'_>) -> Result<AgendaItem> {
    let (summary, since) = (&ctx.summary, &ctx.since);
    let months = &summary.monthly;
    let mut lines = Vec::new();
    let mut measures = BTreeMap::new();
    let measured: [(&str, &'static str, &str, Option<Estimate>, MonthScore); 2] = [
        ("NPS", "nps", "", summary.scores.nps, |m| m.nps),
        ("CSAT", "csat", "%", summary.scores.csat, |m| m.csat),
    ];
    for (name, key, unit, overall, of_month) in measured {
        let Some(Estimate {
            value,
            low,
            high,
            n,
            ..
        }) = overall
        else {
            continue;
        };
        // The months with this score, each with it.
        let with_scores: Vec<(&PeriodScores, Estimate)> = months
            .iter()
            .filter_map(|m| of_month(m).map(|e| (m, e)))
            .collect();
        let latest = with_scores.last().copied();
        // Against the last full month before the previous meeting; without one (or when no
        // later month has data), against the month before the latest.
        let before_previous = since.as_ref().and_then(|s| {
            with_scores
                .iter()
                .rev()
                .find(|(m, _)| m.period.as_str() < month_of(s).as_str())
                .copied()
        });
        let earlier = before_previous
            .or_else(|| with_scores.len().checked_sub(2).map(|i| with_scores[i]))
            .filter(|e| Some(*e) != latest);
        let mut line =
            format!("{name} {value:.1}{unit} (95% interval {low:.1} to {high:.1}, {n} answers)");
        let mut movement = None;
        if let (Some((from, from_score)), Some((to, to_score))) = (earlier, latest) {
            let (f, fl, fh) = (from_score.value, from_score.low, from_score.high);
            let (t, tl, th) = (to_score.value, to_score.low, to_score.high);
            let clear = tl > fh || th < fl;
            line.push_str(&format!(
                "; {} {f:.1} → {} {t:.1} ({:+.1}{}{})",
                from.period,
                to.period,
                t - f,
                unit,
                if clear {
                    ", beyond the intervals"
                } else {
                    ", within the intervals"
                }
            ));
            movement = Some(Movement {
                from_period: &from.period,
                from: f,
                from_low: fl,
                from_high: fh,
                to_period: &to.period,
                to: t,
                to_low: tl,
                to_high: th,
                change: t - f,
                clear,
            });
        }
        lines.push(line);
        measures.insert(
            key,
            Measure {
                value,
                low,
                high,
                n,
                movement,
            },
        );
    }
    if lines.is_empty() {
        lines.push("No scores yet: import feedback with NPS or CSAT and analyse it.".to_owned());
    }
    // The moments of truth that move satisfaction most, found in customers' histories.
    let found = &ctx.moments;
    let mut moving: Vec<&MomentEffect> = found
        .moments
        .iter()
        .filter(|m| m.low.is_some_and(|l| l > 0.0) || m.high.is_some_and(|h| h < 0.0))
        .collect();
    moving.sort_by(|a, b| {
        let size = |m: &MomentEffect| m.effect.unwrap_or(0.0).abs();
        size(b).total_cmp(&size(a))
    });
    moving.truncate(3);
    let unit = found.scale.map_or("", |s| match s {
        crate::moments::ScoreScale::Nps => " NPS points",
        _ => " points",
    });
    for m in &moving {
        lines.push(format!(
            "Moment of truth “{}” ({}): {} customers reached it; {:+.0}{unit} against other \
             customers (95% interval {:+.0} to {:+.0})",
            m.name,
            m.rule,
            m.customers,
            m.effect.unwrap_or(0.0),
            m.low.unwrap_or(0.0),
            m.high.unwrap_or(0.0),
        ));
    }
    Ok(AgendaItem {
        number: 2,
        key: ITEMS[1].0,
        title: ITEMS[1].1.to_owned(),
        lines,
        data: figures(&Measures {
            measures,
            monthly: months,
            moments: moving,
        }),
    })
}
