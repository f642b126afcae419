//! The cross-silo chains page: every chain the data shows, as hypotheses for the council — a
//! diagram per chain (the journey's stages left to right, each series as a box under its
//! stage with its department, arrows labelled with the lag and the strength; plain SVG, readable
//! without JavaScript) and the evidence of each link.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;
use throughline_domain::org::Organisation;
use throughline_service::chains::{Chain, ChainLink, SeriesRef};

use super::{PageUser, UserView, percent_encode, user_view};
use crate::error::PageError;
use crate::{AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/chains", get(chains_page))
}

/// Geometry of the diagram, in SVG units.
const COLUMN: f64 = 170.0;
const BOX_WIDTH: f64 = 150.0;
const BOX_HEIGHT: f64 = 44.0;
const TOP: f64 = 36.0;
const ROW: f64 = 78.0;

#[derive(Serialize)]
struct StageColumn {
    x: f64,
    name: String,
}

#[derive(Serialize)]
struct BoxView {
    x: f64,
    y: f64,
    /// The label shortened to fit the box, and in full (its tooltip).
    label: String,
    full: String,
    /// "KPI", "theme" or "stage NPS", and the department.
    caption: String,
}

#[derive(Serialize)]
struct ArrowView {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    label_x: f64,
    label_y: f64,
    label: String,
}

#[derive(Serialize)]
struct LinkView {
    from: String,
    to: String,
    lag: String,
    strength: String,
    interval: String,
    q: String,
    points: usize,
}

#[derive(Serialize)]
struct ChainView {
    title: String,
    /// Where the council proposes an initiative from it (the proposal form, filled in).
    propose: String,
    departments: String,
    width: f64,
    height: f64,
    stages: Vec<StageColumn>,
    boxes: Vec<BoxView>,
    arrows: Vec<ArrowView>,
    links: Vec<LinkView>,
}

#[derive(Serialize)]
struct ChainsPage {
    user: UserView,
    csrf_token: String,
    fdr: f64,
    tested: usize,
    series: usize,
    weeks: usize,
    chains: Vec<ChainView>,
    /// Every chain found; only the strongest [`CHAINS_SHOWN`] are drawn.
    total: usize,
}

/// The chains drawn on the page. On a large workspace the tests keep tens of thousands of
/// chains (at a million records the page grew to 77 MB): the council reads the strongest.
const CHAINS_SHOWN: usize = 30;

/// A chain is as strong as its weakest link.
fn weakest(chain: &Chain) -> f64 {
    chain
        .links
        .iter()
        .map(|l| l.strength.abs())
        .fold(f64::INFINITY, f64::min)
}

/// `text` cut to `max` characters with an ellipsis, so that it stays inside its column.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The column of the series' stage.
fn column_of(org: &Organisation, series: &SeriesRef) -> usize {
    org.journey
        .stages
        .iter()
        .position(|x| x.key.as_str() == series.stage)
        .unwrap_or(0)
}

fn caption(org: &Organisation, series: &SeriesRef) -> String {
    match series.kind {
        "kpi" => org
            .metrics
            .iter()
            .find(|m| m.key.as_str() == series.key)
            .map_or_else(
                || "KPI".to_owned(),
                |m| format!("KPI · {}", org.department_name(m.department.as_str())),
            ),
        "stage" => "stage score".to_owned(),
        _ => "theme".to_owned(),
    }
}

fn chain_view(org: &Organisation, chain: &Chain) -> ChainView {
    let mut nodes: Vec<&SeriesRef> = vec![&chain.links[0].from];
    nodes.extend(chain.links.iter().map(|l| &l.to));
    let boxes: Vec<BoxView> = nodes
        .iter()
        .enumerate()
        .map(|(i, s)| BoxView {
            x: 10.0 + column_of(org, s) as f64 * COLUMN,
            y: TOP + i as f64 * ROW,
            label: fit(&s.label, 21),
            full: s.label.clone(),
            caption: caption(org, s),
        })
        .collect();
    let arrows = chain
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (a, b) = (&boxes[i], &boxes[i + 1]);
            let (x1, y1) = (a.x + BOX_WIDTH / 2.0, a.y + BOX_HEIGHT);
            let (x2, y2) = (b.x + BOX_WIDTH / 2.0, b.y);
            ArrowView {
                x1,
                y1,
                x2,
                y2,
                label_x: (x1 + x2) / 2.0 + 6.0,
                label_y: (y1 + y2) / 2.0 + 4.0,
                label: format!("{} wk · r {:+.2}", l.lag_weeks, l.strength),
            }
        })
        .collect();
    let link = |l: &ChainLink| LinkView {
        from: l.from.label.clone(),
        to: l.to.label.clone(),
        lag: format!(
            "{} week{}",
            l.lag_weeks,
            if l.lag_weeks == 1 { "" } else { "s" }
        ),
        strength: format!("{:+.2}", l.strength),
        interval: format!("{:+.2} to {:+.2}", l.low, l.high),
        q: format!("{:.3}", l.q),
        points: l.points,
    };
    let title = nodes
        .iter()
        .map(|n| n.label.as_str())
        .collect::<Vec<_>>()
        .join(" → ");
    ChainView {
        title,
        propose: format!(
            "/initiatives?chain={}#propose",
            percent_encode(&chain.key())
        ),
        departments: chain
            .departments
            .iter()
            .map(|d| org.department_name(d))
            .collect::<Vec<_>>()
            .join(", "),
        width: org.journey.stages.len() as f64 * COLUMN + 20.0,
        height: TOP + nodes.len() as f64 * ROW,
        stages: org
            .journey
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageColumn {
                x: 10.0 + i as f64 * COLUMN,
                name: fit(s.name.as_str(), 20),
            })
            .collect(),
        boxes,
        arrows,
        links: chain.links.iter().map(link).collect(),
    }
}

/// The `n` strongest chains, strongest first (ties in the order found: the longest first).
fn strongest(chains: &[Chain], n: usize) -> Vec<&Chain> {
    let mut ranked: Vec<&Chain> = chains.iter().collect();
    ranked.sort_by(|a, b| weakest(b).total_cmp(&weakest(a)));
    ranked.truncate(n);
    ranked
}

async fn chains_page(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    let found = state.views.chains(&state.store).await?;
    let org = state.organisation().await?;
    let page = ChainsPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        fdr: found.fdr,
        tested: found.tested,
        series: found.series,
        weeks: found.weeks,
        chains: strongest(&found.chains, CHAINS_SHOWN)
            .into_iter()
            .map(|c| chain_view(&org, c))
            .collect(),
        total: found.chains.len(),
    };
    Ok(Html(render("chains.html", page)?))
}
