//! Synthetic customer feedback for the example organisation (Northwind Home, fictional), for
//! the demo and for testing the analytics against known truth. Every record is invented; the
//! output says so in its `dataset` column.
//!
//! The data has **planted effects**, listed in [`THEMES`], [`SPIKE`] and [`CHAIN`] and in
//! `docs/demo-data.md`, so that tests can check the analysis recovers them:
//!
//! - each theme moves the NPS of the records that mention it by a fixed number of points
//!   (`nps_effect`: late deliveries −3.0, double charges −2.5, a friendly fitter +1.0, …);
//! - one theme (damaged items) is four times as frequent in one month (June 2026);
//! - one theme is a cross-department chain: a promise made by Sales that Billing does not honour
//!   and Customer Service cannot fix — three departments, three stages, one customer story;
//! - Marketing's lead-volume campaigns ([`CAMPAIGNS`]) bring, three weeks later, a wave of
//!   customers whose products lack the features they were promised ([`CAMPAIGN_THEME`]), and a
//!   week after that a wave of complaint calls (the weekly KPIs of [`kpis`]): the cross-silo
//!   chain the council should see;
//! - one theme falls after a fix ([`FIX`]: long waits on the phone, a quarter as frequent from
//!   June 2026, when the call-back service started), so that an initiative's measured effect
//!   can be checked.
//!
//! Comments are assembled from several phrasings per theme, with openers, closers, casual
//! lowercase and typos, so that theme discovery faces varied language rather than templates.
//! The generator is deterministic for a given seed (Throughline's own SplitMix64, independent of
//! any crate's random-number streams) and streams its output, so any size fits in flat memory.

use std::io::Write;

use crate::rng::SplitMix64;

pub mod histories;
pub mod kpis;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

/// A planted theme: what customers say about it, where it sits, and its effect on NPS.
#[derive(Debug, Clone, Copy)]
pub struct PlantedTheme {
    pub key: &'static str,
    pub label: &'static str,
    /// Stage key in `examples/org.toml`.
    pub stage: &'static str,
    /// Department keys in `examples/org.toml`, the owner first.
    pub departments: &'static [&'static str],
    /// NPS points added to a record that mentions the theme (before noise and rounding).
    pub nps_effect: f64,
    /// Relative frequency among records.
    pub weight: f64,
    /// Ways customers put it; `{item}`, `{days}` and `{weeks}` are filled in.
    pub phrases: &'static [&'static str],
}

/// A month in which one theme is far more frequent than usual.
#[derive(Debug, Clone, Copy)]
pub struct Spike {
    pub theme: &'static str,
    pub year: i32,
    pub month: u32,
    pub factor: f64,
}

/// The cross-department theme and the departments its story crosses.
#[derive(Debug, Clone, Copy)]
pub struct Chain {
    pub theme: &'static str,
    pub departments: [&'static str; 3],
}

pub const SPIKE: Spike = Spike {
    theme: "damaged-item",
    year: 2026,
    month: 6,
    factor: 4.0,
};

/// A marketing push: lead volume nearly doubles for [`Campaigns::weeks`] weeks from each start
/// (a Monday), and `lag_weeks` later the theme's weight is multiplied by `factor` for as long.
#[derive(Debug, Clone, Copy)]
pub struct Campaigns {
    pub starts: &'static [(i32, u32, u32)],
    pub weeks: i64,
    pub theme: &'static str,
    pub lag_weeks: i64,
    pub factor: f64,
}

pub const CAMPAIGN_THEME: &str = "promised-features-missing";

pub const CAMPAIGNS: Campaigns = Campaigns {
    starts: &[
        (2025, 12, 1),
        (2026, 2, 16),
        (2026, 4, 27),
        (2026, 7, 13),
        (2026, 9, 14),
    ],
    weeks: 3,
    theme: CAMPAIGN_THEME,
    lag_weeks: 3,
    factor: 7.0,
};

/// A fix that made a theme rarer from a day on (the demo's initiative that worked).
#[derive(Debug, Clone, Copy)]
pub struct Fix {
    pub theme: &'static str,
    pub from: (i32, u32, u32),
    pub factor: f64,
}

pub const FIX: Fix = Fix {
    theme: "hold-times",
    from: (2026, 6, 1),
    factor: 0.25,
};

fn day(ymd: (i32, u32, u32)) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(ymd.0, ymd.1, ymd.2, 0, 0, 0)
        .single()
        .expect("a valid planted date")
}

impl Campaigns {
    /// Whether `at` falls in a campaign's weeks, `shift_weeks` after its start.
    pub fn running(&self, at: DateTime<Utc>, shift_weeks: i64) -> bool {
        self.starts.iter().any(|&start| {
            let from = day(start) + Duration::weeks(shift_weeks);
            at >= from && at < from + Duration::weeks(self.weeks)
        })
    }
}

impl Fix {
    pub fn start(&self) -> DateTime<Utc> {
        day(self.from)
    }
}

pub const CHAIN: Chain = Chain {
    theme: "promise-not-kept",
    departments: ["sales", "billing", "customer-service"],
};

/// Mean NPS of a record with no theme, before noise.
pub const BASE_NPS: f64 = 8.6;
/// Standard deviation of the per-record noise on NPS.
pub const NPS_NOISE: f64 = 1.1;

/// The last day of the twelve months the data covers (the first is 2025-11-01).
pub const PERIOD_END: (i32, u32, u32) = (2026, 10, 31);

pub const THEMES: &[PlantedTheme] = &[
    PlantedTheme {
        key: "delivery-delay",
        label: "Late or rescheduled delivery",
        stage: "wait",
        departments: &["fulfilment", "customer-service"],
        nps_effect: -3.0,
        weight: 0.11,
        phrases: &[
            "my {item} delivery arrived {days} days late",
            "the delivery date was moved three times",
            "still waiting for my {item}, they keep pushing the delivery back",
            "delivery was {weeks} later than promised",
            "they missed the delivery slot and I took a day off work for nothing",
            "delivery was delayed again with no explanation",
            "waited {weeks} for delivery of a {item} that was supposedly in stock",
        ],
    },
    PlantedTheme {
        key: "no-order-updates",
        label: "No updates while waiting",
        stage: "wait",
        departments: &["it", "fulfilment"],
        nps_effect: -1.5,
        weight: 0.07,
        phrases: &[
            "the tracking page never updated",
            "no one told me where my order was",
            "I had to chase them for an update every few days",
            "tracking said in transit for a week",
            "no email, no text, nothing about my order",
        ],
    },
    PlantedTheme {
        key: "damaged-item",
        label: "Item arrived damaged",
        stage: "receive",
        departments: &["fulfilment", "product"],
        nps_effect: -2.5,
        weight: 0.05,
        phrases: &[
            "the {item} arrived damaged, scratched all down one side",
            "box was crushed and one leg of the {item} was broken, it arrived damaged",
            "my {item} came damaged and had to go back",
            "there was a big dent in the {item} when we unpacked it, damaged in transit",
            "the glass top was cracked on arrival, damaged in the box",
        ],
    },
    PlantedTheme {
        key: "installer-no-show",
        label: "Installer did not turn up",
        stage: "receive",
        departments: &["field-service"],
        nps_effect: -2.5,
        weight: 0.05,
        phrases: &[
            "the fitter never showed up",
            "installer cancelled on the morning of the appointment",
            "waited in all day for the technician and nobody came",
            "the installation was rebooked twice",
        ],
    },
    PlantedTheme {
        key: "friendly-installer",
        label: "Friendly, tidy installer",
        stage: "receive",
        departments: &["field-service"],
        nps_effect: 1.0,
        weight: 0.10,
        phrases: &[
            "the installer was friendly and tidy",
            "technician explained everything and cleaned up after himself",
            "the fitters were quick, careful and polite",
            "lovely engineer, really knew what he was doing",
        ],
    },
    PlantedTheme {
        key: "billing-error",
        label: "Wrong or double charge",
        stage: "pay",
        departments: &["billing"],
        nps_effect: -2.5,
        weight: 0.07,
        phrases: &[
            "I was charged twice for the same order",
            "the invoice was wrong",
            "billed for a {item} I had already returned",
            "they took the payment twice",
            "the amount on my card did not match the invoice",
        ],
    },
    PlantedTheme {
        key: "slow-refund",
        label: "Slow refund",
        stage: "pay",
        departments: &["billing", "customer-service"],
        nps_effect: -2.0,
        weight: 0.05,
        phrases: &[
            "still waiting for my refund",
            "the refund took {weeks}",
            "I was told the refund was processed but the money never came",
            "had to call four times to get my money back",
        ],
    },
    PlantedTheme {
        key: "hold-times",
        label: "Long waits on the phone",
        stage: "use",
        departments: &["customer-service"],
        nps_effect: -1.5,
        weight: 0.07,
        phrases: &[
            "I was on hold for 40 minutes",
            "customer service takes forever to answer the phone",
            "waited on hold for ages and then got cut off",
            "nobody answers the support line",
        ],
    },
    PlantedTheme {
        key: "product-quality",
        label: "Good product quality",
        stage: "use",
        departments: &["product"],
        nps_effect: 1.5,
        weight: 0.18,
        phrases: &[
            "the {item} is really solid and well made",
            "love the {item}, great quality",
            "really comfortable and looks even better than in the pictures",
            "quality is excellent for the price",
            "the {item} feels sturdy and the finish is beautiful",
        ],
    },
    PlantedTheme {
        key: "product-defect",
        label: "Product broke or wore out early",
        stage: "use",
        departments: &["product", "field-service"],
        nps_effect: -2.0,
        weight: 0.05,
        phrases: &[
            "the drawer broke after a month",
            "the fabric started pilling within weeks",
            "one of the {item} legs snapped",
            "the hinge came loose after a few weeks",
        ],
    },
    PlantedTheme {
        key: "easy-ordering",
        label: "Easy to order online",
        stage: "choose",
        departments: &["it", "product"],
        nps_effect: 0.5,
        weight: 0.10,
        phrases: &[
            "the website was easy to use",
            "ordering online was quick and simple",
            "checkout was smooth",
            "easy to find what I wanted on the site",
        ],
    },
    PlantedTheme {
        key: CAMPAIGN_THEME,
        label: "Promised features missing",
        stage: "receive",
        departments: &["sales", "marketing"],
        nps_effect: -3.0,
        weight: 0.02,
        phrases: &[
            "the {item} has features missing that the salesman said it had",
            "the {item} came with features missing, no storage drawer",
            "features missing from my {item}, the advertised recliner is not there",
            "the features I was sold on are missing",
            "not the {item} I was sold, features missing",
        ],
    },
    PlantedTheme {
        key: "promise-not-kept",
        label: "Sales promise not honoured on the bill",
        stage: "pay",
        departments: &["sales", "billing", "customer-service"],
        nps_effect: -3.5,
        weight: 0.04,
        phrases: &[
            "the salesperson promised free delivery but it was on my bill and customer service said they could not change it",
            "I was quoted a discount in the showroom, the invoice charged full price and the call centre just said sorry",
            "sales told me the installation was included, billing charged for it and support would not refund it",
            "the price I agreed with the sales rep was not what I was billed and nobody on the phone could sort it out",
        ],
    },
];

const ITEMS: &[&str] = &[
    "sofa",
    "dining table",
    "wardrobe",
    "bed frame",
    "bookcase",
    "mattress",
    "desk",
    "armchair",
];
const WEEKS: &[&str] = &["two weeks", "three weeks", "a month", "six weeks"];
const OPENERS: &[&str] = &[
    "",
    "",
    "",
    "Honestly, ",
    "To be fair ",
    "Well, ",
    "Overall ",
    "Hmm. ",
];
const JOINERS: &[&str] = &[". ", ", and ", ". Also ", " but ", "; "];
const PRAISE_CLOSERS: &[&str] = &[" Thanks!", " Would buy again.", " Very happy.", ""];
const COMPLAINT_CLOSERS: &[&str] = &[
    " Not impressed.",
    " Really disappointing.",
    " Sort it out!!",
    " Never again.",
    "",
];
const BLAND: &[&str] = &[
    "ok",
    "fine",
    "all good",
    "no complaints",
    "n/a",
    "average experience",
];
const CHANNELS: &[(&str, f64)] = &[
    ("email survey", 0.5),
    ("web", 0.2),
    ("app", 0.1),
    ("phone", 0.1),
    ("review", 0.1),
];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub records: u64,
    pub seed: u64,
    /// Whether to plant the [`SPIKE`] (data without it tests that no false alarm fires).
    pub spike: bool,
    /// Whether to plant the changes over time that the chains and the initiatives' measured
    /// effects find: the [`CAMPAIGNS`] and their waves, and the [`FIX`].
    pub shifts: bool,
}

/// One generated record, with its planted themes (the ground truth the file does not carry).
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticRecord {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub customer: String,
    pub channel: &'static str,
    pub stage: Option<&'static str>,
    pub nps: u8,
    pub csat: Option<u8>,
    pub comment: Option<String>,
    pub themes: Vec<&'static str>,
}

impl SyntheticRecord {
    /// The record's planted themes as indices into [`THEMES`].
    pub fn theme_indices(&self) -> Vec<usize> {
        self.themes
            .iter()
            .filter_map(|key| THEMES.iter().position(|t| t.key == *key))
            .collect()
    }
}

pub const COLUMNS: [&str; 9] = [
    "id",
    "received_at",
    "customer",
    "channel",
    "stage",
    "nps",
    "csat",
    "comment",
    "dataset",
];
pub const DATASET_LABEL: &str = "synthetic demo data (Northwind Home, fictional)";

/// The records, one at a time.
#[derive(Debug)]
pub struct Generator {
    rng: SplitMix64,
    spike: bool,
    shifts: bool,
    remaining: u64,
    next_id: u64,
    customers: u64,
    start: DateTime<Utc>,
    span_ms: i64,
}

/// The first and the last moment of the twelve months the data covers.
pub fn period() -> (DateTime<Utc>, DateTime<Utc>) {
    let (y, m, d) = PERIOD_END;
    let end = Utc
        .with_ymd_and_hms(y, m, d, 23, 59, 59)
        .single()
        .expect("a valid end date");
    let start = Utc
        .with_ymd_and_hms(y - 1, m + 1, 1, 0, 0, 0)
        .single()
        .expect("a valid start date");
    (start, end)
}

impl Generator {
    pub fn new(options: Options) -> Self {
        let (start, end) = period();
        Self {
            rng: SplitMix64::new(options.seed ^ 0x005E_ED0F_7412_0CA1),
            spike: options.spike,
            shifts: options.shifts,
            remaining: options.records,
            next_id: 1,
            // Roughly 2.5 contacts per customer on average, skewed: a few customers write often.
            customers: (options.records * 2 / 5).max(1),
            start,
            span_ms: (end - start).num_milliseconds(),
        }
    }

    fn record(&mut self) -> SyntheticRecord {
        let rng = &mut self.rng;
        let received_at =
            self.start + Duration::milliseconds((rng.unit() * self.span_ms as f64) as i64);
        let received_at =
            received_at - Duration::milliseconds(received_at.timestamp_millis() % 1000);
        let spiking =
            self.spike && received_at.year() == SPIKE.year && received_at.month() == SPIKE.month;

        // Zero, one or two themes; weights as planted, the spike month's theme boosted.
        let count = match rng.unit() {
            u if u < 0.07 => 0,
            u if u < 0.75 => 1,
            _ => 2,
        };
        let after_campaign = self.shifts && CAMPAIGNS.running(received_at, CAMPAIGNS.lag_weeks);
        let fixed = self.shifts && received_at >= FIX.start();
        let weight = |t: &PlantedTheme| {
            if spiking && t.key == SPIKE.theme {
                t.weight * SPIKE.factor
            } else if after_campaign && t.key == CAMPAIGNS.theme {
                t.weight * CAMPAIGNS.factor
            } else if fixed && t.key == FIX.theme {
                t.weight * FIX.factor
            } else {
                t.weight
            }
        };
        let mut themes: Vec<&'static PlantedTheme> = Vec::with_capacity(2);
        while themes.len() < count {
            let total: f64 = THEMES
                .iter()
                .filter(|t| !themes.iter().any(|c| c.key == t.key))
                .map(weight)
                .sum();
            let mut target = rng.unit() * total;
            for theme in THEMES
                .iter()
                .filter(|t| !themes.iter().any(|c| c.key == t.key))
            {
                target -= weight(theme);
                if target <= 0.0 {
                    themes.push(theme);
                    break;
                }
            }
        }

        let latent =
            BASE_NPS + themes.iter().map(|t| t.nps_effect).sum::<f64>() + rng.normal() * NPS_NOISE;
        let nps = latent.round().clamp(0.0, 10.0) as u8;
        let csat = rng.chance(0.6).then(|| {
            let value = 1.0 + (latent.clamp(0.0, 10.0) / 10.0) * 4.0 + rng.normal() * 0.4;
            value.round().clamp(1.0, 5.0) as u8
        });
        let comment = if rng.chance(0.1) {
            None
        } else {
            Some(comment(rng, &themes, nps))
        };
        // Skewed towards low numbers, so some customers write many times.
        let customer = 10_000 + (rng.unit().powi(2) * self.customers as f64) as u64;
        let total: f64 = CHANNELS.iter().map(|(_, w)| w).sum();
        let mut target = rng.unit() * total;
        let mut channel = CHANNELS[0].0;
        for (name, w) in CHANNELS {
            target -= w;
            if target <= 0.0 {
                channel = name;
                break;
            }
        }
        let stage = match themes.first() {
            Some(theme) if rng.chance(0.2) => Some(theme.stage),
            _ => None,
        };
        let id = format!("S-{:07}", self.next_id);
        self.next_id += 1;
        SyntheticRecord {
            id,
            received_at,
            customer: format!("C-{customer}"),
            channel,
            stage,
            nps,
            csat,
            comment,
            themes: themes.iter().map(|t| t.key).collect(),
        }
    }
}

impl Iterator for Generator {
    type Item = SyntheticRecord;
    fn next(&mut self) -> Option<SyntheticRecord> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        Some(self.record())
    }
}

fn comment(rng: &mut SplitMix64, themes: &[&PlantedTheme], nps: u8) -> String {
    if themes.is_empty() {
        return rng.pick(BLAND).to_owned();
    }
    let mut text = String::from(rng.pick(OPENERS));
    for (i, theme) in themes.iter().enumerate() {
        if i > 0 {
            text.push_str(rng.pick(JOINERS));
        }
        let phrase = rng
            .pick(theme.phrases)
            .replace("{item}", rng.pick(ITEMS))
            .replace("{weeks}", rng.pick(WEEKS))
            .replace("{days}", &(2 + rng.below(19)).to_string());
        text.push_str(&phrase);
    }
    text.push('.');
    let closers = if nps >= 8 {
        PRAISE_CLOSERS
    } else {
        COMPLAINT_CLOSERS
    };
    text.push_str(rng.pick(closers));
    let mut text = capitalise(&text);
    if rng.chance(0.15) {
        text = text.to_lowercase();
    }
    typos(rng, &text)
}

/// Capitalises the first letter and each letter after a full stop.
fn capitalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.push(c);
            if c == '.' {
                start = true;
            } else if !c.is_whitespace() {
                start = false;
            }
        }
    }
    out
}

/// About one word in thirty gets a typo: two letters swapped or one dropped.
fn typos(rng: &mut SplitMix64, text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let chars: Vec<char> = word.chars().collect();
            if chars.len() < 4 || !chars.iter().all(|c| c.is_alphabetic()) || !rng.chance(0.035) {
                return word.to_owned();
            }
            let i = 1 + rng.below(chars.len() - 2);
            let mut chars = chars;
            if rng.chance(0.5) {
                chars.swap(i, i + 1);
            } else {
                chars.remove(i);
            }
            chars.into_iter().collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `options.records` records as CSV with the [`COLUMNS`] header.
pub fn write_csv(options: Options, out: impl Write) -> std::io::Result<u64> {
    write_records_csv(Generator::new(options), out)
}

/// Writes `records` as CSV with the [`COLUMNS`] header (records generated, then moved in time
/// by the demo).
pub fn write_records_csv(
    records: impl IntoIterator<Item = SyntheticRecord>,
    out: impl Write,
) -> std::io::Result<u64> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    let mut written = 0;
    for record in records {
        let nps = record.nps.to_string();
        let csat = record.csat.map(|c| c.to_string()).unwrap_or_default();
        let when = record.received_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        writer.write_record([
            record.id.as_str(),
            when.as_str(),
            record.customer.as_str(),
            record.channel,
            record.stage.unwrap_or(""),
            nps.as_str(),
            csat.as_str(),
            record.comment.as_deref().unwrap_or(""),
            DATASET_LABEL,
        ])?;
        written += 1;
    }
    writer.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(n: u64, seed: u64) -> Vec<SyntheticRecord> {
        Generator::new(Options {
            records: n,
            seed,
            spike: true,
            shifts: true,
        })
        .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_csv(
            Options {
                records: 300,
                seed: 7,
                spike: true,
                shifts: true,
            },
            &mut a,
        )
        .unwrap();
        write_csv(
            Options {
                records: 300,
                seed: 7,
                spike: true,
                shifts: true,
            },
            &mut b,
        )
        .unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        write_csv(
            Options {
                records: 300,
                seed: 8,
                spike: true,
                shifts: true,
            },
            &mut c,
        )
        .unwrap();
        assert_ne!(a, c);
        let text = String::from_utf8(a).unwrap();
        assert!(
            text.starts_with("id,received_at,customer,channel,stage,nps,csat,comment,dataset\n")
        );
        assert_eq!(text.lines().count(), 301, "no comment spans lines");
    }

    /// Least squares of NPS on the theme indicators (normal equations, Gaussian elimination):
    /// the coefficients are the themes' effects, each net of the others.
    fn theme_effects(data: &[SyntheticRecord]) -> Vec<f64> {
        let k = THEMES.len() + 1;
        let mut xtx = vec![vec![0.0; k]; k];
        let mut xty = vec![0.0; k];
        for r in data {
            let mut x = vec![1.0];
            x.extend(
                THEMES
                    .iter()
                    .map(|t| f64::from(u8::from(r.themes.contains(&t.key)))),
            );
            for (i, xi) in x.iter().enumerate() {
                xty[i] += xi * f64::from(r.nps);
                for (cell, xj) in xtx[i].iter_mut().zip(&x) {
                    *cell += xi * xj;
                }
            }
        }
        for col in 0..k {
            let pivot = (col..k)
                .max_by(|a, b| xtx[*a][col].abs().total_cmp(&xtx[*b][col].abs()))
                .unwrap();
            xtx.swap(col, pivot);
            xty.swap(col, pivot);
            let pivot_row = xtx[col].clone();
            let pivot_y = xty[col];
            for (row, (cells, y)) in xtx.iter_mut().zip(xty.iter_mut()).enumerate() {
                if row != col {
                    let f = cells[col] / pivot_row[col];
                    for (cell, p) in cells.iter_mut().zip(&pivot_row).skip(col) {
                        *cell -= f * p;
                    }
                    *y -= f * pivot_y;
                }
            }
        }
        (1..k).map(|i| xty[i] / xtx[i][i]).collect()
    }

    #[test]
    fn the_planted_nps_effects_are_in_the_data() {
        let data = records(40_000, 1);
        for (theme, found) in THEMES.iter().zip(theme_effects(&data)) {
            // Rounding to whole scores and clamping at 0 and 10 blur the effects a little.
            assert!(
                (found - theme.nps_effect).abs() < 0.35,
                "{}: planted {}, found {found:.2}",
                theme.key,
                theme.nps_effect
            );
        }
    }

    #[test]
    fn the_spike_month_has_four_times_the_damage() {
        let data = records(40_000, 2);
        let share = |in_month: bool| {
            let rs: Vec<_> = data
                .iter()
                .filter(|r| {
                    (r.received_at.year() == SPIKE.year && r.received_at.month() == SPIKE.month)
                        == in_month
                })
                .collect();
            rs.iter()
                .filter(|r| r.themes.contains(&SPIKE.theme))
                .count() as f64
                / rs.len() as f64
        };
        let ratio = share(true) / share(false);
        assert!((2.8..5.0).contains(&ratio), "spike ratio {ratio:.2}");
    }

    #[test]
    fn campaigns_raise_their_theme_later_and_the_fix_lowers_its_own() {
        let data = records(40_000, 4);
        let share = |theme: &str, pick: &dyn Fn(&SyntheticRecord) -> bool| {
            let chosen: Vec<_> = data.iter().filter(|r| pick(r)).collect();
            chosen.iter().filter(|r| r.themes.contains(&theme)).count() as f64 / chosen.len() as f64
        };
        let wave = |r: &SyntheticRecord| CAMPAIGNS.running(r.received_at, CAMPAIGNS.lag_weeks);
        let ratio = share(CAMPAIGNS.theme, &wave) / share(CAMPAIGNS.theme, &|r| !wave(r));
        assert!(
            (4.0..8.0).contains(&ratio),
            "campaign wave ratio {ratio:.2}"
        );
        let fixed = |r: &SyntheticRecord| r.received_at >= FIX.start();
        let ratio = share(FIX.theme, &fixed) / share(FIX.theme, &|r| !fixed(r));
        assert!((0.15..0.4).contains(&ratio), "after the fix {ratio:.2}");
    }

    #[test]
    fn the_chain_crosses_three_departments_and_comments_vary() {
        let chain = THEMES.iter().find(|t| t.key == CHAIN.theme).unwrap();
        assert_eq!(chain.departments, CHAIN.departments);
        let data = records(5_000, 3);
        let comments: std::collections::HashSet<_> =
            data.iter().filter_map(|r| r.comment.clone()).collect();
        assert!(
            comments.len() > 3_000,
            "only {} distinct comments",
            comments.len()
        );
        let customers: std::collections::HashSet<_> = data.iter().map(|r| &r.customer).collect();
        assert!(customers.len() < 2_500, "customers write more than once");
        assert!(data.iter().any(|r| r.stage.is_some()));
        assert!(data.iter().all(|r| r.received_at.year() >= 2025));
    }
}
