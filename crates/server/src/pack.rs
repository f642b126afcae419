//! The council pack: a meeting's agenda with its data, the satisfaction charts and a few
//! customer comments behind the Top Ten, as one self-contained HTML page laid out for paper as
//! well as screens; and that page as a PDF, printed by headless Chromium.

use std::path::Path;
use std::process::Command;

use serde::Serialize;
use throughline_service::council;
use throughline_store::Store;

use crate::charts::{LineChart, Point};
use crate::{AppError, render};

#[derive(Serialize)]
struct Quote {
    theme: String,
    text: String,
    received: String,
}

#[derive(Serialize)]
struct Pack {
    agenda: council::Agenda,
    charts: Vec<LineChart>,
    quotes: Vec<Quote>,
    /// Both stylesheets, for a file that stands alone; `None` on the web, where the page links
    /// them (the Content-Security-Policy allows no inline styles).
    inline_styles: Option<String>,
    record: council::MeetingRecord,
}

/// How many Top Ten themes the pack quotes customers on, and how many comments each.
const QUOTED_THEMES: usize = 3;
const QUOTES_PER_THEME: u32 = 2;

/// The pack of meeting `id` as HTML: with `standalone`, its styles inline (a file, a PDF);
/// otherwise linking the server's stylesheets (a page).
/// The agenda reads `views` where the server keeps them (the CLI passes none: each is computed).
pub async fn council_pack(
    store: &Store,
    id: i64,
    standalone: bool,
    views: &council::KeptViews,
) -> Result<String, AppError> {
    let agenda = council::agenda_of_with(store, id, views).await?;
    let record = council::record(store, id).await?;
    let monthly = agenda
        .item_data::<council::MeasuresData>("measures")
        .monthly;
    let charts = [
        ("NPS by month", "NPS points", "nps"),
        ("CSAT by month", "% satisfied (4–5)", "csat"),
    ]
    .into_iter()
    .filter_map(|(title, unit, key)| {
        let points: Vec<Point> = monthly
            .iter()
            .filter_map(|m| {
                let e = if key == "nps" { m.nps } else { m.csat }?;
                Some(Point {
                    label: m.period.clone(),
                    value: e.value,
                    interval: Some((e.low, e.high)),
                    n: e.n,
                })
            })
            .collect();
        LineChart::new(title, unit, &points)
    })
    .collect();
    let mut quotes = Vec::new();
    let top = agenda
        .item_data::<council::PrioritiesData>("priorities")
        .top_ten;
    for entry in top.iter().take(QUOTED_THEMES) {
        for v in throughline_service::themes::typical_records(store, entry.theme, QUOTES_PER_THEME)
            .await?
        {
            quotes.push(Quote {
                theme: entry.label.clone(),
                text: v.text,
                received: throughline_domain::action::Date::of(v.received_at).to_string(),
            });
        }
    }
    render(
        "pack.html",
        Pack {
            agenda,
            charts,
            quotes,
            inline_styles: standalone.then(crate::inline_styles),
            record,
        },
    )
}

/// Prints `html` to a PDF at `out` with headless Chromium (`THROUGHLINE_CHROMIUM`, else
/// `chromium` or `chromium-browser` on the PATH).
pub fn html_to_pdf(html: &str, out: &Path) -> Result<(), AppError> {
    let chromium = throughline_domain::settings::var("THROUGHLINE_CHROMIUM")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|name| {
                    std::env::split_paths(&path)
                        .map(|dir| dir.join(name))
                        .find(|candidate| candidate.is_file())
                })
        })
        .ok_or_else(|| {
            AppError::Invalid(
                "a PDF pack is printed by Chromium, which is not installed (Debian: apt-get \
                 install chromium); write --format html and print it from a browser instead"
                    .into(),
            )
        })?;
    let scratch = std::env::temp_dir().join(format!(
        "throughline-pack-{}-{}",
        std::process::id(),
        throughline_service::accounts::random_secret()
    ));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| AppError::Internal(format!("cannot create {}: {e}", scratch.display())))?;
    let page = scratch.join("pack.html");
    let result = (|| {
        std::fs::write(&page, html)
            .map_err(|e| AppError::Internal(format!("cannot write {}: {e}", page.display())))?;
        let out_abs = std::path::absolute(out)
            .map_err(|e| AppError::Invalid(format!("{}: {e}", out.display())))?;
        let status = Command::new(&chromium)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-pdf-header-footer",
            ])
            .arg(format!(
                "--user-data-dir={}",
                scratch.join("profile").display()
            ))
            .arg(format!("--print-to-pdf={}", out_abs.display()))
            .arg(format!("file://{}", page.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| AppError::Internal(format!("cannot run {}: {e}", chromium.display())))?;
        if !status.success() || !out_abs.is_file() {
            return Err(AppError::Internal(format!(
                "{} could not print the pack to {} ({status})",
                chromium.display(),
                out.display()
            )));
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
