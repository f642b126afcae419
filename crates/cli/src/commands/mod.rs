//! The command line: global options, the list of commands, and dispatch. Each command lives in
//! its own module and is a thin layer over the library crates.

mod accounts;
mod actions;
mod analyze;
mod assess;
mod backup;
mod chains;
mod council;
mod customers;
mod demo;
mod demo_council;
mod demo_culture;
mod demo_files;
mod demo_surveys;
mod digest;
mod events;
mod follow_up;
mod import;
mod jobs;
mod journey;
mod org;
mod recognition;
mod retention;
mod serve;
mod survey;
mod themes;
mod wall;

use clap::{Parser, Subcommand};
use std::sync::LazyLock;

use throughline_service::changes::Actor;
use throughline_store::{DEFAULT_DATABASE_URL, Store};

/// Throughline lines every department up behind the customer's journey.
#[derive(Debug, Parser)]
#[command(name = "throughline", version, about, long_about = None)]
pub struct Cli {
    /// Database to use: sqlite://FILE (created on first use) or postgres://USER@HOST/DB.
    /// Default: sqlite://throughline.db in the working directory.
    #[arg(
        long,
        global = true,
        env = "THROUGHLINE_DATABASE_URL",
        value_name = "URL"
    )]
    database_url: Option<String>,

    /// A TOML file of settings, each a `THROUGHLINE_*` variable's name in lowercase without the
    /// prefix (`listen = "0.0.0.0:8080"`, `[smtp] host = "…"`); it fills in what neither a flag
    /// nor the environment gives (docs/operations.md, "Configuration file").
    // Read before the command line is parsed (`config_file`); declared here for `--help`.
    #[arg(
        long = "config",
        global = true,
        env = "THROUGHLINE_CONFIG",
        value_name = "FILE"
    )]
    _config: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the demo: the example organisation (Northwind Home, fictional) and synthetic
    /// feedback in a fresh SQLite file, throughline-demo.db, and a tour of what was created.
    Demo(demo::DemoArgs),
    /// Write synthetic feedback for the example organisation to a CSV file (invented data with
    /// documented, planted effects; see docs/demo-data.md).
    DemoData(demo::DemoDataArgs),
    /// Start a workspace: write a starter organisation file and create the database.
    Init(org::InitArgs),
    /// Create or update the organisation from a TOML file; shows what changes.
    Apply(org::ApplyArgs),
    /// Print the current organisation as a TOML file that `apply` accepts.
    ExportOrg(org::ExportArgs),
    /// The organisation's history: every version (applied files, journey-editor edits,
    /// accepted proposals) with who, when and why; --diff A B shows what changed between two.
    OrgHistory(org::HistoryArgs),
    /// Analyse a feedback file without a workspace: sentiment, themes, stages, scores, the
    /// Top Ten and spikes, written as records.jsonl, themes.json and summary.json.
    AnalyzeFile(analyze::AnalyzeFileArgs),
    /// Import customer feedback from a CSV, JSON Lines or Excel file. Re-importing is safe:
    /// records already stored are counted as duplicates, not stored twice.
    Import(import::ImportArgs),
    /// Analyse the stored feedback and store the results: the first run discovers the themes
    /// (the codebook), later runs analyse new records with them; --rediscover starts afresh.
    Analyze(analyze::AnalyzeArgs),
    /// The workspace's themes: list, show, rename, merge, split, archive, restore, add-phrase.
    Themes(themes::ThemesArgs),
    /// The Top Ten: the themes that lower satisfaction most, from the latest analysis, with
    /// each theme's owner (one department, or the council for cross-department themes).
    TopTen(themes::TopTenArgs),
    /// Root-cause analyses (5 whys) on themes: add, list.
    Rca(actions::RcaArgs),
    /// Initiatives: propose, list, show, approve, reject, start, finish, review.
    Initiatives(actions::InitiativesArgs),
    /// Tasks under initiatives: add, list, done.
    Tasks(actions::TasksArgs),
    /// Task completion and on-time rates per initiative, department and council.
    Completion(actions::CompletionArgs),
    /// Weighted scorecards: `scorecard department KEY`, `scorecard initiative ID`.
    Scorecard(actions::ScorecardArgs),
    /// Customer measures per journey stage, shared by every department that affects it.
    Stages(actions::StagesArgs),
    /// Journey health: `journey check` lists the gaps and overlaps between departments
    /// (touchpoints and stages nobody owns or several own, moments of truth nobody watches,
    /// customer issues that land where nobody is responsible), each with its fix.
    Journey(journey::JourneyArgs),
    /// Moments of truth found in customers' histories: who reached each moment with a detection
    /// rule, what it did to satisfaction (with a 95% interval), and candidates the data
    /// suggests; `moments adopt` adds one to the organisation.
    Moments(journey::MomentsArgs),
    /// Customer events beyond feedback (orders, deliveries, contacts): `events import FILE`.
    Events(events::EventsArgs),
    /// Cross-silo chains: which department KPI or theme leads which theme, stage score or KPI
    /// further along the journey, by how many weeks (hypotheses, with false-discovery control).
    Chains(chains::ChainsArgs),
    /// Departments' own KPIs (the organisation file's metrics): record, import, list.
    Kpi(actions::KpiArgs),
    /// The councils: meetings, the agenda generated from live data, attendance, notes,
    /// decisions, actions, any other business, closing, and the council pack (HTML or PDF).
    Council(council::CouncilArgs),
    /// Culture maturity, "Naive to Natural": the model, assessments, answers, results,
    /// history, and the report (HTML or PDF).
    Assess(assess::AssessArgs),
    /// Department digests of what customers said: preview, send (e-mail, chat webhooks; at
    /// most once per period), subscriptions, opt-outs, the delivery log.
    Digest(digest::DigestArgs),
    /// The story wall: links that show it on a screen with no account (link create, list,
    /// revoke) and the staff-meeting handout (HTML or PDF).
    Wall(wall::WallArgs),
    /// The inner loop: follow-up cases opened by the organisation's rules (list, show, update,
    /// scan).
    Followup(follow_up::FollowUpArgs),
    /// Journey surveys hosted here: create one for a touchpoint (prints its public link),
    /// list, close, invite customers from a file, send the invitations and reminders.
    Survey(survey::SurveyArgs),
    /// Recognition: the teams whose work prevented a problem (its theme fell after their
    /// initiative and stayed down), above those resolving a problem that keeps coming back.
    Recognition(recognition::RecognitionArgs),
    /// Key accounts: executive sponsors, account teams and goals (apply an accounts file), what
    /// their customers said, and the weekly reviews (list, show, review).
    Accounts(accounts::AccountsArgs),
    /// A customer's right to be forgotten: `customers erase ID` removes everything stored of
    /// them.
    Customers(customers::CustomersArgs),
    /// How long feedback is kept: `retention set --months N [--mode anonymise]`, `show`, `off`,
    /// `apply` (the server applies it once a day).
    Retention(retention::RetentionArgs),
    /// A consistent snapshot of the whole workspace, taken while the server runs and imports
    /// continue, in a documented, versioned file (docs/operations.md).
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty database, SQLite or PostgreSQL (--force replaces a
    /// database that is not empty); counts and checksums are checked.
    Restore(backup::RestoreArgs),
    /// Serve the web interface and the HTTP API (default http://127.0.0.1:8080/); it runs a
    /// worker for the jobs asked for in the database too (unless --no-worker).
    Serve(serve::ServeArgs),
    /// Run a worker alone: it runs the jobs asked for in the database (analyses…); any number of
    /// workers, on any machines, share one database.
    Worker(jobs::WorkerArgs),
    /// The jobs asked for in the database: list, show.
    Jobs(jobs::JobsArgs),
    /// Accounts that sign in to the web interface: add, list.
    Users(serve::UsersArgs),
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let url = self.database_url;
        match self.command {
            Command::Demo(args) => demo::run(url, args).await,
            Command::DemoData(args) => demo::demo_data(args),
            Command::Init(args) => org::init(&database_url(url), args).await,
            Command::Apply(args) => org::apply(&database_url(url), args).await,
            Command::ExportOrg(args) => org::export(&database_url(url), args).await,
            Command::OrgHistory(args) => org::history(&database_url(url), args).await,
            Command::AnalyzeFile(args) => analyze::analyze_file(args),
            Command::Import(args) => import::run(&database_url(url), args).await,
            Command::Analyze(args) => analyze::analyze_stored(&database_url(url), args).await,
            Command::Themes(args) => themes::run(&database_url(url), args).await,
            Command::TopTen(args) => themes::top_ten(&database_url(url), args).await,
            Command::Rca(args) => actions::rca(&database_url(url), args).await,
            Command::Initiatives(args) => actions::initiatives(&database_url(url), args).await,
            Command::Tasks(args) => actions::tasks(&database_url(url), args).await,
            Command::Completion(args) => actions::completion(&database_url(url), args).await,
            Command::Scorecard(args) => actions::scorecard(&database_url(url), args).await,
            Command::Stages(args) => actions::stages(&database_url(url), args).await,
            Command::Journey(args) => journey::run(&database_url(url), args).await,
            Command::Moments(args) => journey::moments(&database_url(url), args).await,
            Command::Events(args) => events::run(&database_url(url), args).await,
            Command::Chains(args) => chains::run(&database_url(url), args).await,
            Command::Kpi(args) => actions::kpi(&database_url(url), args).await,
            Command::Council(args) => council::run(&database_url(url), args).await,
            Command::Assess(args) => assess::run(&database_url(url), args).await,
            Command::Digest(args) => digest::run(&database_url(url), args).await,
            Command::Wall(args) => wall::run(&database_url(url), args).await,
            Command::Survey(args) => survey::run(&database_url(url), args).await,
            Command::Followup(args) => follow_up::run(&database_url(url), args).await,
            Command::Recognition(args) => recognition::run(&database_url(url), args).await,
            Command::Accounts(args) => accounts::run(&database_url(url), args).await,
            Command::Customers(args) => customers::run(&database_url(url), args).await,
            Command::Retention(args) => retention::run(&database_url(url), args).await,
            Command::Backup(args) => backup::backup(&database_url(url), args).await,
            Command::Restore(args) => backup::restore(&database_url(url), args).await,
            Command::Serve(args) => serve::serve(&database_url(url), args).await,
            Command::Worker(args) => jobs::worker(&database_url(url), args).await,
            Command::Jobs(args) => jobs::run(&database_url(url), args).await,
            Command::Users(args) => serve::users(&database_url(url), args).await,
        }
    }
}

fn database_url(explicit: Option<String>) -> String {
    explicit.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// Opens the store; the error says which database could not be opened.
async fn open_store(url: &str) -> anyhow::Result<Store> {
    Ok(Store::connect(url).await?)
}

/// Prints a file import's rejected rows to standard error, and returns the end of its summary
/// line: " (written to REJECTS)" when any row was rejected.
fn report_rejects(file: &std::path::Path, rejections: &[String], path: Option<&str>) -> String {
    for rejection in rejections {
        eprintln!("rejected: {}: {rejection}", file.display());
    }
    path.map_or_else(String::new, |p| format!(" (written to {p})"))
}

/// Prints a value as pretty JSON (the commands' `--json`).
/// Who makes a change from the command line: the operating-system account running it, which the
/// audit log names `cli:NAME` (read once per run).
fn command_line() -> Actor<'static> {
    static OPERATOR: LazyLock<String> = LazyLock::new(operator);
    Actor::CommandLine {
        os_user: OPERATOR.as_str(),
    }
}

/// The operating-system account running the command: from the environment, or (in a service or
/// a container, where `USER` is often unset) the account that owns this process.
fn operator() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|name| !name.trim().is_empty()))
        .or_else(process_owner)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The name of the account that owns this process (`uid N` when it has none).
#[cfg(unix)]
fn process_owner() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?;
        (id.parse() == Ok(uid)).then(|| name.to_owned())
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

#[cfg(not(unix))]
fn process_owner() -> Option<String> {
    None
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Writes a printable page (a council pack, a maturity report) to `out`: the HTML as it is, or
/// printed to PDF by headless Chromium. The server's errors hide internal details from web
/// visitors; at the terminal the operator sees them.
fn write_page(
    html: Result<String, throughline_server::AppError>,
    pdf: bool,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let plain = |err: throughline_server::AppError| match err {
        throughline_server::AppError::Internal(detail) => anyhow::anyhow!(detail),
        other => anyhow::anyhow!(other),
    };
    let html = html.map_err(plain)?;
    if pdf {
        throughline_server::pack::html_to_pdf(&html, out).map_err(plain)
    } else {
        std::fs::write(out, html)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))
    }
}
