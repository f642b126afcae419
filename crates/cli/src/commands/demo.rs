//! `throughline demo`: the example organisation and synthetic feedback in a fresh workspace,
//! analysed, a tour of it, and the web interface serving it with a demo administrator;
//! `throughline demo-data`: the synthetic feedback alone, as a CSV file.

use std::path::PathBuf;

use clap::Args;
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_analytics::synthetic;
use throughline_domain::Name;
use throughline_domain::org::{ChangeKind, Organisation, OwnershipRole};
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_server::Application;
use throughline_service::accounts::{self, NewAccount};
use throughline_service::analysis::{AnalyzeOptions, AnalyzeOutcome, analyze};
use throughline_service::themes::{TopTen, top_ten};
use throughline_store::{Store, redact_url};

use super::analyze::print_scores;
use super::demo_council::seed_council_work;
use super::demo_files::{self, planted_day, write_events, write_feedback, write_kpis};
use super::open_store;
use super::org::{EXAMPLE_ORG, parse_org};
use super::themes::print_top_ten;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file the demo (re)creates when no --database-url is given.
    #[arg(long, default_value = "throughline-demo.db", value_name = "FILE")]
    file: PathBuf,
    /// How many synthetic feedback records the demo generates and imports.
    #[arg(long, default_value_t = 3000, value_name = "N")]
    records: u64,
    /// Where the demo's web interface listens (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: String,
    /// Stop after the tour instead of serving the web interface.
    #[arg(long)]
    no_serve: bool,
    /// The last day of the demo's data (YYYY-MM-DD): its twelve months, planted story and all,
    /// move by whole weeks to end on it or the days just before. By default a week before
    /// today; 2026-10-31 gives the dates docs/demo-data.md describes.
    #[arg(long, value_name = "DAY")]
    end: Option<String>,
}

/// The demo's administrator. Demo only: a real workspace gets its users from `users add`.
pub const DEMO_EMAIL: &str = "demo@northwind.example";
pub const DEMO_PASSWORD: &str = "northwind-demo";

#[derive(Debug, Args)]
pub struct DemoDataArgs {
    /// How many records to write.
    #[arg(long, default_value_t = 5000, value_name = "N")]
    records: u64,
    /// The random seed: the same seed gives the same file.
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// The CSV file to write.
    #[arg(
        long,
        default_value = "northwind-feedback.csv",
        value_name = "FILE.csv"
    )]
    out: PathBuf,
    /// Also write the customers' histories (contact-centre calls and orders, with the planted
    /// moments of truth) to this CSV file, for `throughline events import`.
    #[arg(long, value_name = "FILE.csv")]
    events: Option<PathBuf>,
    /// Also write the department KPIs week by week (lead volume, complaint calls, …, with the
    /// planted cross-silo chain) to this CSV file, for `throughline kpi import`.
    #[arg(long, value_name = "FILE.csv")]
    kpis: Option<PathBuf>,
    /// The last day of the data (YYYY-MM-DD): the twelve months move by whole weeks to end on
    /// it or the days just before. By default 2026-10-31, the dates docs/demo-data.md
    /// describes.
    #[arg(long, value_name = "DAY")]
    end: Option<String>,
}

/// The seed of the demo's data, so that every demo shows the same story.
pub(super) const DEMO_SEED: u64 = 42;

pub fn demo_data(args: DemoDataArgs) -> anyhow::Result<()> {
    let shift = demo_files::shift_to(&demo_files::end_of(
        args.end.as_deref(),
        demo_files::planted_day(synthetic::PERIOD_END, 0),
    )?);
    let written = demo_files::write_feedback(&args.out, args.records, args.seed, shift)?;
    println!(
        "Wrote {written} synthetic feedback records to {} (seed {}).",
        args.out.display(),
        args.seed
    );
    println!(
        "The customers, comments and scores are invented for the fictional Northwind Home; the \
         planted effects (which themes lower NPS and by how much, the spike in damaged items \
         in June 2026 — moved with --end, the Sales→Billing→Customer Service chain) are listed in docs/demo-data.md."
    );
    println!("Import it: throughline import {}", args.out.display());
    if let Some(path) = &args.events {
        let written = demo_files::write_events(path, args.records, args.seed, shift)?;
        println!(
            "Wrote {written} customer events (contact-centre calls and orders) to {}; import \
             them with: throughline events import {}",
            path.display(),
            path.display()
        );
    }
    if let Some(path) = &args.kpis {
        let written = demo_files::write_kpis(path, args.records, args.seed, shift)?;
        println!(
            "Wrote {written} weekly KPI readings (lead volume, complaint calls, deliveries in \
             the promised window, billing disputes) to {}; import them with: throughline kpi \
             import {}",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

async fn print_moments(store: &Store) -> anyhow::Result<()> {
    let report = throughline_service::moments::moments(store).await?;
    println!();
    println!(
        "Moments of truth found in customers' histories (NPS points against other customers):"
    );
    for m in &report.moments {
        let interval = match (m.effect, m.low, m.high) {
            (Some(e), Some(l), Some(h)) => format!("{e:+.0} (95% interval {l:+.0} to {h:+.0})"),
            _ => "too few customers to tell".to_owned(),
        };
        println!(
            "  {}. {} [{}]: {} customers reached it; {interval}",
            m.rank, m.name, m.rule, m.customers
        );
    }
    if let Some(c) = report.candidates.first() {
        println!(
            "  Suggested by the data: {} ({:+.0} points, {} customers) — `throughline moments` \
             lists the candidates and how to adopt one.",
            c.name, c.effect, c.sample
        );
    }
    Ok(())
}

/// The cross-silo chains found, for the tour.
async fn print_chains(store: &Store) -> anyhow::Result<()> {
    let found =
        throughline_service::chains::chains(store, throughline_analytics::chains::DEFAULT_FDR)
            .await?;
    println!();
    println!(
        "Cross-silo chains (hypotheses for the council: {} pairs × lags tested, false-discovery \
         rate {}):",
        found.tested, found.fdr
    );
    if found.chains.is_empty() {
        println!("  none found");
    }
    for chain in found.chains.iter().take(3) {
        println!("  {}", chain.path(false));
    }
    Ok(())
}

pub async fn run(explicit_url: Option<String>, args: DemoArgs) -> anyhow::Result<()> {
    // Where the data ends: checked before anything is written.
    let shift = demo_files::shift_to(&demo_files::end_of(
        args.end.as_deref(),
        demo_files::default_end(),
    )?);
    let (url, fresh) = match explicit_url {
        Some(url) => (url, false),
        None => {
            // The demo file is the demo's own: start it afresh each time.
            for suffix in ["", "-wal", "-shm"] {
                let mut path = args.file.clone().into_os_string();
                path.push(suffix);
                let path = PathBuf::from(path);
                if path.exists() {
                    std::fs::remove_file(&path)?;
                }
            }
            (format!("sqlite://{}", args.file.display()), true)
        }
    };
    let parsed = parse_org(EXAMPLE_ORG, "examples/org.toml")?;
    let org = parsed.organisation;
    let store = open_store(&url).await?;
    let diff = throughline_service::changes::apply_organisation(
        &store,
        super::command_line(),
        &org,
        "examples/org.toml",
        false,
    )
    .await?;

    // The sample feedback is written beside the database and imported like any export.
    let data_path = args.file.with_file_name(format!(
        "{}-feedback.csv",
        args.file
            .file_stem()
            .map_or_else(|| "throughline-demo".into(), |s| s.to_string_lossy())
    ));
    write_feedback(&data_path, args.records, DEMO_SEED, shift)?;
    // The customers' histories (contact-centre calls and orders) beside it, imported like any
    // export of events: the moments of truth are found in them.
    let events_path =
        data_path.with_file_name(data_path.file_name().map_or_else(String::new, |n| {
            n.to_string_lossy().replace("-feedback", "-events")
        }));
    write_events(&events_path, args.records, DEMO_SEED, shift)?;
    // The departments' KPIs week by week, imported like any export of them: the cross-silo
    // chains are found in them and the feedback's themes.
    let kpis_path = data_path.with_file_name(data_path.file_name().map_or_else(String::new, |n| {
        n.to_string_lossy().replace("-feedback", "-kpis")
    }));
    write_kpis(&kpis_path, args.records, DEMO_SEED, shift)?;
    let imported = import_file(
        &store,
        ImportRequest {
            path: data_path.clone(),
            source: Some(Name::parse("northwind-survey")?),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await?;

    let events = throughline_service::events::import_events(
        &store,
        events_path.clone(),
        Some("northwind-crm".to_owned()),
        None,
    )
    .await?;

    let kpis = throughline_service::changes::import_kpis(
        &store,
        throughline_service::changes::Actor::CommandLine { os_user: "demo" },
        kpis_path.clone(),
        None,
    )
    .await?;

    // The analysis of what was imported, stored in the workspace like any analysis.
    let analysis = analyze(
        &store,
        AnalyzeOptions {
            seed: DEMO_SEED,
            ..AnalyzeOptions::default()
        },
    )
    .await?;
    let top = top_ten(&store, SINGLE_DEPARTMENT_SHARE).await?;
    let council_work = seed_council_work(&store, &top, args.records, shift).await?;
    // A journey survey answered today by a dozen customers through their own links: its
    // detractors open follow-up cases for Fulfilment (the example organisation's rules). After
    // the analysis, as answers arrive after one: the next `throughline analyze` takes them in
    // (the planted stories above are measured on the synthetic months).
    let (survey_path, cases) = super::demo_surveys::seed(&store).await?;
    // A closed culture-maturity assessment, so that the maturity page has results to show.
    let (assessment, assessed) = super::demo_culture::seed(&store).await?;
    // Two key accounts with their sponsors, teams and goals, on customers the feedback carries.
    throughline_service::key_accounts::apply(
        &store,
        super::command_line(),
        include_str!("../../../../examples/accounts.toml"),
    )
    .await?;

    println!("Throughline demo");
    println!(
        "Database: {}{}",
        redact_url(&url),
        if fresh { " (created fresh)" } else { "" }
    );
    println!(
        "Organisation: {} — a fictional company; all data in the demo is synthetic.",
        org.name
    );
    println!();
    let s = org.summary();
    println!(
        "Applied the example organisation ({} entities written): {} departments, {} journey stages, {} \
         touchpoints, {} moments of truth, {} councils with {} members, {} metrics, {} stage \
         vocabulary phrases.",
        diff.count(ChangeKind::Added) + diff.count(ChangeKind::Changed),
        s.departments,
        s.stages,
        s.touchpoints,
        s.moments_of_truth,
        s.councils,
        s.council_members,
        s.metrics,
        s.vocabulary_phrases
    );
    print_tour(&org);
    let totals = &imported.import.totals;
    println!();
    let (first_day, last_day) = (
        planted_day((2025, 11, 1), shift),
        planted_day(synthetic::PERIOD_END, shift),
    );
    println!(
        "Imported {} synthetic feedback records from {} (source \"northwind-survey\"; {} \
         duplicates, {} rejected): NPS and CSAT scores and comments from {first_day} to \
         {last_day}, with planted effects described in docs/demo-data.md{}.",
        totals.imported,
        data_path.display(),
        totals.duplicates,
        totals.rejected,
        if shift == 0 {
            String::new()
        } else {
            format!(
                " (its dates moved by {} weeks, to end last week: `--end 2026-10-31` gives \
                 the documented ones)",
                shift / 7
            )
        }
    );
    println!(
        "Imported {} customer events from {} (source \"northwind-crm\": contact-centre calls \
         and orders).",
        events.imported,
        events_path.display()
    );
    println!(
        "Imported {} weekly KPI readings from {} (Marketing's lead volume, Customer Service's \
         complaint calls, Fulfilment's deliveries in the promised window, Billing's disputes).",
        kpis.added,
        kpis_path.display()
    );
    print_analysis(&analysis, &top);
    print_moments(&store).await?;
    print_chains(&store).await?;
    if council_work > 0 {
        println!(
            "Council work to look at: {council_work} initiatives, one with its 5-whys root \
             cause, tasks (one overdue) and a weekly review, one started on {} and \
             measured since, one that fights the same fire every month (`throughline \
             recognition` tells prevention from fire-fighting), each approved at a meeting of \
             the Strategic CX Council; the Customer Experience Council's last meeting (closed, \
             with its actions) and its next one — `throughline council agenda` prints its \
             agenda.",
            planted_day(synthetic::FIX.from, shift)
        );
        for effect in throughline_service::effects::measure_started(&store).await? {
            println!(
                "  Did it work? [{}] {}: {}",
                effect.initiative,
                effect.title,
                effect.headline()
            );
        }
    }
    println!();
    println!(
        "A journey survey: \"Delivery day survey\", 30 customers invited (stored, not e-mailed: \
         the demo has no SMTP server), 12 answered through their own links; {cases} follow-up cases opened for Fulfilment by the organisation's \
         rules (throughline followup list). Its public link: {survey_path} after the server's \
         address."
    );
    println!(
        "A culture-maturity assessment answered by {assessed} people of five departments and \
         closed: its results by area and department on /maturity (throughline assess results \
         {assessment})."
    );
    println!();
    println!("Explore it:");
    let db = redact_url(&url);
    println!("  throughline --database-url {db} themes list");
    if let Some(first) = top.entries.first() {
        println!(
            "  throughline --database-url {db} themes show {}",
            first.theme
        );
    }
    println!("  throughline --database-url {db} top-ten --json");
    println!("  throughline --database-url {db} export-org");
    println!(
        "  throughline analyze-file {} --org examples/org.toml --out analysis/",
        data_path.display()
    );

    // The demo's administrator, so that the web interface can be opened at once.
    let added = accounts::add_user(
        &store,
        NewAccount {
            email: DEMO_EMAIL.into(),
            name: "Demo Administrator".into(),
            role: "admin".into(),
            department: None,
            password: DEMO_PASSWORD.into(),
        },
        "demo",
    )
    .await;
    if let Err(err) = added
        && !err.to_string().contains("already a user")
    {
        return Err(err.into());
    }
    // A story-wall link, as an administrator would make one for a break-room screen.
    let (_, wall_secret) = throughline_service::wall::create_link(
        &store,
        super::command_line(),
        "Break room (demo)",
        None,
        None,
    )
    .await?;
    let wall_path = throughline_service::wall::link_path(&wall_secret);
    if args.no_serve {
        println!();
        println!(
            "The web interface: throughline --database-url {db} serve, then sign in as \
             {DEMO_EMAIL} with the password {DEMO_PASSWORD} (demo only). The story wall for a \
             screen with no account: {wall_path} after the server's address."
        );
        store.close().await;
        return Ok(());
    }
    let app = Application::build(store, &args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    println!();
    println!(
        "The web interface is at http://{}/ — sign in as {DEMO_EMAIL} with the password \
         {DEMO_PASSWORD} (demo only). Ctrl-C stops it.",
        app.local_addr()?
    );
    println!(
        "The story wall for a break-room screen, no account needed: http://{}{wall_path}",
        app.local_addr()?
    );
    use std::io::Write;
    std::io::stdout().flush()?;
    app.run().await?;
    Ok(())
}

fn print_analysis(analysis: &AnalyzeOutcome, top: &TopTen) {
    let summary = &analysis.summary;
    println!();
    println!(
        "Analysis: {} themes found in the comments (not preconceived) and saved as the codebook; \
         {} of {} records placed on a journey stage.",
        analysis.themes, summary.placed, summary.records
    );
    print_scores(summary);
    print_top_ten(top);
    for spike in &summary.spikes {
        println!(
            "Spike: \"{}\" in {}: {} records where {:.0} were expected (p = {:.1e})",
            spike.label, spike.period, spike.count, spike.expected, spike.p_value
        );
    }
}

fn print_tour(org: &Organisation) {
    println!();
    println!(
        "The customer's journey ({}), and the departments on each stage:",
        org.journey.name
    );
    for (i, stage) in org.journey.stages.iter().enumerate() {
        let departments = org.departments_of_stage(stage);
        let names = |role: OwnershipRole| {
            departments
                .iter()
                .filter(|(_, r)| *r == role)
                .map(|(d, _)| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "  {}. {:<28} {:>2} touchpoints   owners: {}   contributors: {}",
            i + 1,
            stage.name.as_str(),
            stage.touchpoints.len(),
            names(OwnershipRole::Owner),
            names(OwnershipRole::Contributor),
        );
    }
    println!();
    println!("Moments of truth:");
    for moment in &org.moments_of_truth {
        let stage = org
            .stage(&moment.stage)
            .map_or(moment.stage.as_str(), |s| s.name.as_str());
        println!("  {:>2}. {} ({stage})", moment.rank, moment.name);
    }
    println!();
    println!("Councils:");
    for council in &org.councils {
        let chair = &council.chair;
        println!(
            "  {} — {}, meets {}, chaired by {}{}; {} members",
            council.name,
            council.kind.as_str(),
            council.cadence.as_str(),
            chair.person.name,
            chair
                .title
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            council.members.len()
        );
    }
}
