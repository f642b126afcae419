//! Prometheus metrics at `/metrics` (text format 0.0.4): every request's time by method, route
//! (the route's pattern, such as `/themes/{id}`, so that the number of series stays bounded) and
//! status, as a histogram; and what the store holds — records, records waiting for an
//! analysis, the last analysis's time and length, digest deliveries by status. Scraped with an
//! administrator's API token (a read-only one will do): Prometheus's `authorization` setting.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use throughline_domain::user::UserRole;

use crate::auth::ApiUser;
use crate::{AppError, AppState};

/// The histogram's upper bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Series {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The requests answered so far by this server instance.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let series = requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        for (count, bound) in series.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        series.count += 1;
        series.sum += seconds;
    }

    fn render(&self, out: &mut String) {
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str(
            "# HELP throughline_http_request_duration_seconds Time to answer a request, by \
             method, route and status.\n\
             # TYPE throughline_http_request_duration_seconds histogram\n",
        );
        for ((method, route, status), series) in requests.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                route.replace('\\', "\\\\").replace('"', "\\\"")
            );
            for (count, bound) in series.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "throughline_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "throughline_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                 throughline_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 throughline_http_request_duration_seconds_count{{{labels}}} {}",
                series.count, series.sum, series.count
            );
        }
    }
}

/// Times every request (a layer on the whole application).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: administrators only (a token or a session).
pub async fn metrics(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Response, AppError> {
    if user.user.role != UserRole::Admin {
        return Err(AppError::Forbidden(
            "the metrics are for administrators: scrape them with an administrator's token"
                .to_owned(),
        ));
    }
    let mut out = String::new();
    state.metrics.render(&mut out);
    let store = throughline_service::health::counts(&state.store).await?;
    let gauges = [
        (
            "throughline_feedback_records",
            "Feedback records stored.",
            store.records as f64,
        ),
        (
            "throughline_feedback_records_unanalysed",
            "Records stored since the last analysis (not yet in the themes).",
            store.unanalysed as f64,
        ),
        (
            "throughline_analysis_last_finished_timestamp_seconds",
            "When the last analysis finished (0: never).",
            store.last_analysis_finished_ms as f64 / 1000.0,
        ),
        (
            "throughline_analysis_last_duration_seconds",
            "How long the last analysis took.",
            store.last_analysis_ms as f64 / 1000.0,
        ),
    ];
    for (name, help, value) in gauges {
        gauge(&mut out, name, help, value);
    }
    // Imports: how many, their rows by outcome (a growing `rejected` count means a source
    // sends rows that cannot be read), and the last file import's time.
    let imports = &store.imports;
    out.push_str(
        "# HELP throughline_imports Finished imports: files, and the HTTP API's calls counted \
         per source and hour.\n# TYPE throughline_imports gauge\n",
    );
    let _ = writeln!(
        out,
        "throughline_imports{{kind=\"file\"}} {}",
        imports.files
    );
    let _ = writeln!(out, "throughline_imports{{kind=\"api\"}} {}", imports.api);
    out.push_str(
        "# HELP throughline_import_rows Rows read by every finished import, by outcome.\n\
         # TYPE throughline_import_rows gauge\n",
    );
    for (outcome, count) in [
        ("imported", imports.imported),
        ("duplicate", imports.duplicates),
        ("rejected", imports.rejected),
    ] {
        let _ = writeln!(
            out,
            "throughline_import_rows{{outcome=\"{outcome}\"}} {count}"
        );
    }
    for (name, help, value) in [
        (
            "throughline_import_last_finished_timestamp_seconds",
            "When the last file import finished (0: never).",
            imports.last_file_finished_ms as f64 / 1000.0,
        ),
        (
            "throughline_import_last_duration_seconds",
            "How long the last file import took.",
            imports.last_file_ms as f64 / 1000.0,
        ),
    ] {
        gauge(&mut out, name, help, value);
    }
    out.push_str(
        "# HELP throughline_digest_deliveries Digest deliveries, by status.\n\
         # TYPE throughline_digest_deliveries gauge\n",
    );
    for (status, count) in store.deliveries {
        let _ = writeln!(
            out,
            "throughline_digest_deliveries{{status=\"{status}\"}} {count}"
        );
    }
    // The whole-dataset views: how often each was computed (a climbing count while nothing
    // changes would be a bug) and how long it last took.
    out.push_str(
        "# HELP throughline_view_computations Whole-dataset views computed by this instance \
         (Top Ten, journey map and check, moments, chains, departments' record evidence).\n\
         # TYPE throughline_view_computations counter\n",
    );
    for (view, stats) in state.views.stats() {
        let _ = writeln!(
            out,
            "throughline_view_computations{{view=\"{view}\"}} {}",
            stats.computations.load(Ordering::Relaxed)
        );
    }
    out.push_str(
        "# HELP throughline_view_last_compute_seconds How long each view's last computation \
         took.\n# TYPE throughline_view_last_compute_seconds gauge\n",
    );
    for (view, stats) in state.views.stats() {
        let _ = writeln!(
            out,
            "throughline_view_last_compute_seconds{{view=\"{view}\"}} {}",
            stats.last_ms.load(Ordering::Relaxed) as f64 / 1000.0
        );
    }
    // The job queue: its depth (queued, running) and its failures.
    let jobs = throughline_service::health::job_counts(&state.store).await?;
    out.push_str(
        "# HELP throughline_jobs Jobs in the database, by status (queued and running: the \
         queue's depth; failed: given up after their attempts).\n\
         # TYPE throughline_jobs gauge\n",
    );
    for (status, count) in [
        ("queued", jobs.queued),
        ("running", jobs.running),
        ("done", jobs.done),
        ("failed", jobs.failed),
    ] {
        let _ = writeln!(out, "throughline_jobs{{status=\"{status}\"}} {count}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

/// One gauge without labels: its help, its type and its value.
fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}
