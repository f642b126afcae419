//! Charts as server-rendered SVG: the geometry is computed here, the markup is the `chart`
//! macro of `charts.html` (auto-escaped like every template), so a chart reads without
//! JavaScript and carries its title, axes and unit.

use serde::Serialize;

/// One point of a series: its period label, value, and an optional 95% interval.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
    /// How many answers the value rests on.
    pub n: u64,
}

#[derive(Debug, Serialize)]
struct Tick {
    at: f64,
    label: String,
}

#[derive(Debug, Serialize)]
struct Dot {
    x: f64,
    y: f64,
    /// The tooltip: period, value, interval, answers.
    title: String,
}

/// A line chart ready for the template.
#[derive(Debug, Serialize)]
pub struct LineChart {
    title: String,
    y_label: String,
    width: u32,
    height: u32,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    y_ticks: Vec<Tick>,
    x_ticks: Vec<Tick>,
    line: String,
    band: String,
    dots: Vec<Dot>,
    /// The y of zero when zero is inside the scale (NPS crosses it), for a reference line.
    zero: Option<f64>,
}

const WIDTH: u32 = 640;
const HEIGHT: u32 = 260;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 36.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

/// A "nice" step for about `wanted` intervals over `span`: 1, 2 or 5 times a power of ten.
fn nice_step(span: f64, wanted: f64) -> f64 {
    let raw = (span / wanted).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

impl LineChart {
    /// A chart of `points` (oldest first) titled `title`, the y axis in `unit`. `None` when
    /// there are fewer than two points: a trend needs two.
    pub fn new(title: &str, unit: &str, points: &[Point]) -> Option<Self> {
        if points.len() < 2 {
            return None;
        }
        let (mut low, mut high) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            let (a, b) = p.interval.unwrap_or((p.value, p.value));
            (lo.min(a).min(p.value), hi.max(b).max(p.value))
        });
        if high - low < 1e-9 {
            low -= 1.0;
            high += 1.0;
        }
        let step = nice_step(high - low, 5.0);
        let low = (low / step).floor() * step;
        let high = (high / step).ceil() * step;
        let plot_w = f64::from(WIDTH) - LEFT - RIGHT;
        let plot_h = f64::from(HEIGHT) - TOP - BOTTOM;
        let x = |i: usize| LEFT + plot_w * i as f64 / (points.len() - 1) as f64;
        let y = |v: f64| TOP + plot_h * (high - v) / (high - low);
        let round = |v: f64| (v * 10.0).round() / 10.0;

        let mut y_ticks = Vec::new();
        let mut v = low;
        while v <= high + step / 2.0 {
            y_ticks.push(Tick {
                at: round(y(v)),
                label: format!("{}", (v / step).round() * step),
            });
            v += step;
        }
        // At most about seven period labels, evenly spaced, always the last — and the one
        // before the last left out when it would be closer than half a step ("2026-092026-10").
        let every = points.len().div_ceil(7);
        let last = points.len() - 1;
        let x_ticks = points
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                *i == last || (i % every == 0 && (every == 1 || last - i > every.div_ceil(2)))
            })
            .map(|(i, p)| Tick {
                at: round(x(i)),
                label: p.label.clone(),
            })
            .collect();
        let line = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{},{}", round(x(i)), round(y(p.value))))
            .collect::<Vec<_>>()
            .join(" ");
        let band = if points.iter().all(|p| p.interval.is_some()) {
            let upper = points.iter().enumerate().map(|(i, p)| {
                let (_, hi) = p.interval.expect("checked");
                format!("{},{}", round(x(i)), round(y(hi)))
            });
            let lower = points.iter().enumerate().rev().map(|(i, p)| {
                let (lo, _) = p.interval.expect("checked");
                format!("{},{}", round(x(i)), round(y(lo)))
            });
            upper.chain(lower).collect::<Vec<_>>().join(" ")
        } else {
            String::new()
        };
        let dots = points
            .iter()
            .enumerate()
            .map(|(i, p)| Dot {
                x: round(x(i)),
                y: round(y(p.value)),
                title: match p.interval {
                    Some((lo, hi)) => format!(
                        "{}: {:.1} {unit} (95% interval {lo:.1} to {hi:.1}, {} answers)",
                        p.label, p.value, p.n
                    ),
                    None => format!("{}: {:.1} {unit} ({} answers)", p.label, p.value, p.n),
                },
            })
            .collect();
        Some(Self {
            title: title.to_owned(),
            y_label: unit.to_owned(),
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            right: f64::from(WIDTH) - RIGHT,
            top: TOP,
            bottom: f64::from(HEIGHT) - BOTTOM,
            y_ticks,
            x_ticks,
            line,
            band,
            dots,
            zero: (low < 0.0 && high > 0.0).then(|| round(y(0.0))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, value: f64) -> Point {
        Point {
            label: label.into(),
            value,
            interval: Some((value - 5.0, value + 5.0)),
            n: 100,
        }
    }

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(0.3, 5.0), 0.1);
    }

    #[test]
    fn a_chart_spans_its_intervals_and_marks_zero() {
        let chart = LineChart::new(
            "NPS",
            "NPS points",
            &[point("2026-01", -3.0), point("2026-02", 12.0)],
        )
        .unwrap();
        let first = chart.y_ticks.first().unwrap();
        let last = chart.y_ticks.last().unwrap();
        assert_eq!(first.label, "-10");
        assert_eq!(last.label, "20");
        assert!(chart.zero.is_some());
        assert_eq!(chart.x_ticks.len(), 2);
        assert_eq!(chart.line.split(' ').count(), 2);
        assert_eq!(chart.band.split(' ').count(), 4);
    }

    #[test]
    fn the_last_two_period_labels_never_collide() {
        let points: Vec<Point> = (1..=12)
            .map(|m| point(&format!("2026-{m:02}"), f64::from(m)))
            .collect();
        let chart = LineChart::new("NPS", "NPS points", &points).unwrap();
        let labels: Vec<&str> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels.last(), Some(&"2026-12"), "{labels:?}");
        assert!(!labels.contains(&"2026-11"), "{labels:?}");
        let at: Vec<f64> = chart.x_ticks.iter().map(|t| t.at).collect();
        let step = at[1] - at[0];
        assert!(at[at.len() - 1] - at[at.len() - 2] >= step, "{at:?}");
    }

    #[test]
    fn one_point_is_no_trend() {
        assert!(LineChart::new("NPS", "NPS points", &[point("2026-01", 1.0)]).is_none());
    }
}

/// A small trend line for a table cell: no axes, a title that says what it shows.
#[derive(Debug, Serialize)]
pub struct Sparkline {
    points: String,
    title: String,
}

impl Sparkline {
    pub const WIDTH: f64 = 120.0;
    pub const HEIGHT: f64 = 28.0;

    /// Counts per period, oldest first; `None` with fewer than two periods.
    pub fn new(what: &str, periods: &[(String, f64)]) -> Option<Self> {
        if periods.len() < 2 {
            return None;
        }
        let high = periods.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(1.0);
        let last = (periods.len() - 1) as f64;
        let points = periods
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let x = 2.0 + (Self::WIDTH - 4.0) * i as f64 / last;
                let y = 2.0 + (Self::HEIGHT - 4.0) * (1.0 - v / high);
                format!("{:.1},{:.1}", x, y)
            })
            .collect::<Vec<_>>()
            .join(" ");
        let (first, _) = &periods[0];
        let (final_period, final_value) = &periods[periods.len() - 1];
        Some(Self {
            points,
            title: format!(
                "{what} per month from {first} to {final_period} (highest {high:.0}, last {final_value:.0})"
            ),
        })
    }
}

#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    y: f64,
    width: f64,
    value: String,
    title: String,
}

/// A horizontal bar chart on a fixed scale with named bands (the maturity levels) and a target
/// line: one bar per row, its value written beside it.
#[derive(Debug, Serialize)]
pub struct BarChart {
    title: String,
    width: u32,
    height: u32,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    bar_height: f64,
    bars: Vec<Bar>,
    bands: Vec<Tick>,
    band_labels: Vec<Tick>,
    target: Option<f64>,
    target_label: String,
    x_label: String,
}

impl BarChart {
    /// `rows` of (label, value) on the scale `low..high`, cut into `bands` (names, lowest
    /// first) of equal width; `target` marks a value.
    pub fn new(
        title: &str,
        x_label: &str,
        rows: &[(String, f64)],
        (low, high): (f64, f64),
        bands: &[String],
        target: Option<(f64, String)>,
    ) -> Self {
        const WIDTH: u32 = 840;
        const LEFT: f64 = 360.0;
        const RIGHT: f64 = 60.0;
        const TOP: f64 = 30.0;
        const ROW: f64 = 30.0;
        let height = (TOP + ROW * rows.len() as f64 + 50.0).round() as u32;
        let plot = f64::from(WIDTH) - LEFT - RIGHT;
        let x = |v: f64| LEFT + plot * ((v - low) / (high - low)).clamp(0.0, 1.0);
        let round = |v: f64| (v * 10.0).round() / 10.0;
        let bottom = TOP + ROW * rows.len() as f64;
        let band_width = (high - low) / bands.len().max(1) as f64;
        Self {
            title: title.to_owned(),
            width: WIDTH,
            height,
            left: LEFT,
            right: f64::from(WIDTH) - RIGHT,
            top: TOP,
            bottom,
            bar_height: ROW * 0.6,
            bars: rows
                .iter()
                .enumerate()
                .map(|(i, (label, value))| Bar {
                    label: label.clone(),
                    y: round(TOP + ROW * i as f64 + ROW * 0.2),
                    width: round(x(*value) - LEFT),
                    value: format!("{value:.1}"),
                    title: format!("{label}: {value:.2}"),
                })
                .collect(),
            bands: (0..=bands.len())
                .map(|i| Tick {
                    at: round(x(low + band_width * i as f64)),
                    label: format!("{}", low + band_width * i as f64),
                })
                .collect(),
            band_labels: bands
                .iter()
                .enumerate()
                .map(|(i, name)| Tick {
                    at: round(x(low + band_width * (i as f64 + 0.5))),
                    label: name.clone(),
                })
                .collect(),
            target: target.as_ref().map(|(v, _)| round(x(*v))),
            target_label: target.map(|(_, l)| l).unwrap_or_default(),
            x_label: x_label.to_owned(),
        }
    }
}
