//! The demo's council work: the initiatives on its Top Ten (one approved by the strategic
//! council at its meeting and under way, one proposal), the initiative that worked and the
//! fire-fighting one for recognition, and the councils' meetings — dated relative to today and
//! to the planted data, as a council that has met for a while would have them.

use throughline_analytics::synthetic;
use throughline_domain::action::{Date, InitiativeStatus, NewRootCause, Participant};
use throughline_service::actions::{self, InitiativeProposal};
use throughline_service::council;
use throughline_service::themes::TopTen;
use throughline_store::Store;

use super::demo::DEMO_SEED;
use super::demo_files::{generated, planted_day};

/// A day `days` from today (negative: before), as `YYYY-MM-DD`.
fn day_from_today(days: i64) -> String {
    let now = throughline_domain::Timestamp::now().as_millis();
    Date::of(throughline_domain::Timestamp::from_millis(
        now + days * 86_400_000,
    ))
    .to_string()
}

/// The council's work on the demo's Top Ten, so that the initiatives board and pages have
/// something to show: for the first cross-department theme, a root-cause analysis and an
/// approved, active initiative with tasks (one done, one overdue, one ahead) and a weekly
/// review; for the first single-department theme, a proposal awaiting the strategic council.
/// Dates are relative to today. Returns how many initiatives were added.
pub(super) async fn seed_council_work(
    store: &Store,
    top: &TopTen,
    records: u64,
    shift: i64,
) -> anyhow::Result<usize> {
    let owned = |kind: &str| {
        top.entries.iter().find(|e| {
            e.ownership
                .as_ref()
                .is_some_and(|o| o.owner_kind == kind && !o.owner.is_empty())
        })
    };
    let mut added = 0;
    // The strategic council approved these at its meetings in the order they happened: the
    // fire-fighting in March, the call-back service in the spring, the order timeline last.
    if let Some(theme) = theme_of_planted(store, records, synthetic::CAMPAIGNS.theme).await? {
        seed_firefighting(store, theme, shift).await?;
        added += 1;
    }
    if let Some(theme) = theme_of_planted(store, records, synthetic::FIX.theme).await? {
        seed_initiative_that_worked(store, theme, shift).await?;
        added += 1;
    }
    if let Some(entry) = owned("council") {
        let ownership = entry.ownership.as_ref().expect("found by its owner");
        let departments: Vec<&str> = ownership
            .evidence
            .iter()
            .take(3)
            .map(|s| s.department.as_str())
            .collect();
        let participants = departments
            .iter()
            .zip(["Dana Reyes", "Sam Okafor", "Lee Park"])
            .map(|(d, who)| Participant::parse(&format!("{who} ({d})")))
            .collect::<Result<Vec<_>, _>>()?;
        let rca = actions::add_root_cause(
            store,
            NewRootCause {
                theme: entry.theme,
                problem: format!("Customers keep telling us: \"{}\"", entry.label),
                whys: vec![
                    "The customer is not told what happens next".into(),
                    "Each department sees only its own step of the order".into(),
                    "Hand-offs between departments are by e-mail, not in one system".into(),
                    "No one owns the order from payment to delivery".into(),
                    "The journey was never designed across departments".into(),
                ],
                root_cause: "No end-to-end owner of the order journey".into(),
                corrective_action: "Name an order-journey owner and share one order timeline"
                    .into(),
                metric: "NPS of the affected stage".into(),
                participants,
                verbatims: Vec::new(),
            },
        )
        .await?;
        let initiative = actions::propose(
            store,
            InitiativeProposal {
                title: "One order timeline across departments".into(),
                description: format!(
                    "Every department works from one shared order timeline, so that the \
                     customer hears one story. Addresses \"{}\".",
                    entry.label
                ),
                owner: format!("council:{}", ownership.owner),
                sponsor: Some("Chief Customer Officer".into()),
                metric: "NPS".into(),
                baseline: -10.0,
                target: 10.0,
                due: day_from_today(120),
                themes: vec![entry.theme],
                root_cause: Some(rca.id),
                resources_requested: "Two developers for one quarter".into(),
                ..InitiativeProposal::default()
            },
        )
        .await?;
        approve_at_meeting(
            store,
            initiative.id,
            Date::today().plus_days(-45),
            "Approved at the quarterly meeting",
            "Two developers for one quarter",
        )
        .await?;
        let department = departments.first().copied().unwrap_or("customer-service");
        let second = departments.get(1).copied().unwrap_or(department);
        let done = actions::add_task(
            store,
            initiative.id,
            "Map every hand-off of an order between departments",
            "Dana Reyes",
            department,
            &day_from_today(-20),
        )
        .await?;
        actions::complete_task(store, done.id, &day_from_today(-22)).await?;
        actions::add_task(
            store,
            initiative.id,
            "Agree the order timeline's fields with every department",
            "Sam Okafor",
            second,
            &day_from_today(-3),
        )
        .await?;
        actions::add_task(
            store,
            initiative.id,
            "Show the timeline to customer service agents",
            "Lee Park",
            department,
            &day_from_today(30),
        )
        .await?;
        actions::add_review(
            store,
            initiative.id,
            &day_from_today(-7),
            "Hand-offs mapped: seven between payment and delivery, three by e-mail only. \
             Field list waiting on one department.",
            Some(-6.0),
        )
        .await?;
        added += 1;
    }
    if let Some(entry) = owned("department") {
        let ownership = entry.ownership.as_ref().expect("found by its owner");
        actions::propose(
            store,
            InitiativeProposal {
                title: format!("Fix the top complaint of {}", ownership.owner_name),
                description: format!("Customers say \"{}\".", entry.label),
                owner: format!("department:{}", ownership.owner),
                metric: "Share of negative comments on the theme (%)".into(),
                baseline: (entry.share * 100.0).round().max(1.0),
                target: 0.0,
                due: day_from_today(90),
                themes: vec![entry.theme],
                resources_requested: "None beyond the team's time".into(),
                ..InitiativeProposal::default()
            },
        )
        .await?;
        added += 1;
    }
    // A KPI the weekly file does not carry, two readings: it improves while shared themes
    // worsen, which the council's agenda flags.
    for (metric, earlier, latest) in [("checkout-errors", 4.2, 3.1)] {
        actions::record_kpi(store, metric, &day_from_today(-35), earlier).await?;
        actions::record_kpi(store, metric, &day_from_today(-5), latest).await?;
    }
    seed_meetings(store).await?;
    Ok(added)
}

/// The strategic council meets on `day`, approves initiative `id` there (with its note and the
/// resources granted), and it starts the day after: the meeting is held and closed with its
/// attendance, its note on the approvals and its decision, and the approval is dated the
/// meeting's day.
async fn approve_at_meeting(
    store: &Store,
    id: i64,
    day: Date,
    note: &str,
    granted: &str,
) -> anyhow::Result<()> {
    let initiative = actions::initiative(store, id).await?;
    let title = &initiative.initiative.title;
    let meeting = council::schedule(store, "strategic-council", Some(&day.to_string())).await?;
    council::record_attendance(
        store,
        meeting.id,
        &[
            "Catherine Moreau",
            "Amara Nwosu",
            "Victor Hale",
            "Tomasz Nowak",
            "Priyanka Das",
        ]
        .map(str::to_owned),
    )
    .await?;
    council::record_notes(
        store,
        meeting.id,
        0,
        &format!("\"{title}\" presented by its owner; resources discussed and granted."),
    )
    .await?;
    council::add_decision(
        store,
        meeting.id,
        &format!("Approved \"{title}\" ({granted})."),
    )
    .await?;
    council::close(store, meeting.id).await?;
    actions::transition_decided_on(
        store,
        id,
        InitiativeStatus::Approved,
        Some((
            "Strategic CX Council".into(),
            Some(note.into()),
            Some(granted.into()),
        )),
        Some(day.clone()),
    )
    .await?;
    actions::transition(store, id, InitiativeStatus::Active, None).await?;
    actions::set_start(store, id, &day.plus_days(1).to_string()).await?;
    Ok(())
}

/// The discovered theme that best holds the records planted with theme `planted` (found by
/// the records' ids, which the feedback file carries).
async fn theme_of_planted(
    store: &Store,
    records: u64,
    planted: &str,
) -> anyhow::Result<Option<i64>> {
    let wanted: std::collections::HashSet<String> = generated(records, DEMO_SEED)
        .into_iter()
        .filter(|r| r.themes.contains(&planted))
        .map(|r| r.id)
        .collect();
    Ok(throughline_service::themes::theme_holding(store, &wanted).await?)
}

/// The initiative that worked: Customer Service's call-back service, started on the day the
/// planted fix begins (docs/demo-data.md), on the theme of long waits on the phone, so that its
/// measured effect shows on its page, the agenda and its scorecard.
async fn seed_initiative_that_worked(store: &Store, theme: i64, shift: i64) -> anyhow::Result<()> {
    let started = planted_day(synthetic::FIX.from, shift).to_string();
    let initiative = actions::propose(
        store,
        InitiativeProposal {
            title: "Call back instead of holding".into(),
            description: "Customers who call the contact centre at busy times choose a call-back \
                          slot instead of waiting on hold."
                .into(),
            owner: "department:customer-service".into(),
            sponsor: Some("Chief Customer Officer".into()),
            metric: "NPS".into(),
            baseline: -5.0,
            target: 5.0,
            due: day_from_today(60),
            themes: vec![theme],
            resources_requested: "A call-back module for the telephone system".into(),
            ..InitiativeProposal::default()
        },
    )
    .await?;
    approve_at_meeting(
        store,
        initiative.id,
        planted_day(synthetic::FIX.from, shift).plus_days(-14),
        "Approved in the spring review",
        "The call-back module, licensed for a year",
    )
    .await?;
    actions::set_start(store, initiative.id, &started).await?;
    let task = actions::add_task(
        store,
        initiative.id,
        "Switch the busy-hour queue to call-back slots",
        "Sofia Rossi",
        "customer-service",
        &started,
    )
    .await?;
    actions::complete_task(store, task.id, &started).await?;
    Ok(())
}

/// Fire-fighting, for recognition to tell apart from prevention: Sales calls back every
/// customer who says a promised feature is missing — many tasks closed, week after week — while
/// the complaint keeps coming back with each marketing campaign (docs/demo-data.md).
async fn seed_firefighting(store: &Store, theme: i64, shift: i64) -> anyhow::Result<()> {
    // A Monday of the planted months, moved with the data (whole weeks: still a Monday).
    let started = planted_day((2026, 3, 2), shift).to_string();
    let started = started.as_str();
    let initiative = actions::propose(
        store,
        InitiativeProposal {
            title: "Call back every customer told a feature that is missing".into(),
            description: "Sales calls back each customer who complains that the product lacks                           what the salesperson promised, and offers a goodwill credit."
                .into(),
            owner: "department:sales".into(),
            metric: "Share of negative comments on the theme (%)".into(),
            baseline: 5.0,
            target: 2.0,
            due: day_from_today(30),
            themes: vec![theme],
            resources_requested: "Two sales reps' time".into(),
            ..InitiativeProposal::default()
        },
    )
    .await?;
    approve_at_meeting(
        store,
        initiative.id,
        planted_day((2026, 3, 2), shift).plus_days(-14),
        "Approved: customers should hear from us",
        "Two sales reps' time",
    )
    .await?;
    actions::set_start(store, initiative.id, started).await?;
    let people = [
        ("Priya Shah", "sales"),
        ("Tom Becker", "sales"),
        ("Ana Lima", "customer-service"),
    ];
    for (n, month) in (3..=10).enumerate() {
        let (who, department) = people[n % people.len()];
        // The 28th of each month from March to October of the planted year, moved with the data.
        let due = planted_day((2026, month, 28), shift);
        let due_month = due.month().to_owned();
        let due = due.to_string();
        let task = actions::add_task(
            store,
            initiative.id,
            &format!("Call back this month's customers with a missing feature ({due_month})"),
            who,
            department,
            &due,
        )
        .await?;
        actions::complete_task(store, task.id, &due).await?;
    }
    Ok(())
}

/// The operational council's last meeting (held a month ago, closed, with its actions: one
/// done, one overdue) and its next one, a few days ahead, with a topic already added.
async fn seed_meetings(store: &Store) -> anyhow::Result<()> {
    let last = council::schedule(store, "cx-council", Some(&day_from_today(-30))).await?;
    council::record_attendance(
        store,
        last.id,
        &[
            "Amara Nwosu",
            "Grace Obi",
            "Omar Haddad",
            "Sofia Rossi",
            "Erik Larsen",
        ]
        .map(str::to_owned),
    )
    .await?;
    council::record_notes(
        store,
        last.id,
        7,
        "The stock promise at checkout drives three of the Top Ten; IT and Fulfilment to align.",
    )
    .await?;
    council::add_decision(
        store,
        last.id,
        "Checkout shows stock only from the live warehouse feed.",
    )
    .await?;
    let done = council::add_action(
        store,
        last.id,
        "Switch checkout to the live stock feed",
        "Erik Larsen",
        "it",
        &day_from_today(-12),
    )
    .await?;
    council::complete_action(store, done.id, &day_from_today(-14)).await?;
    council::add_action(
        store,
        last.id,
        "Call customers whose delivery date moves",
        "Grace Obi",
        "fulfilment",
        &day_from_today(-7),
    )
    .await?;
    council::add_action(
        store,
        last.id,
        "One refund status page for Billing and Customer Service",
        "Omar Haddad",
        "billing",
        &day_from_today(20),
    )
    .await?;
    council::close(store, last.id).await?;
    let next = council::schedule(store, "cx-council", Some(&day_from_today(3))).await?;
    council::add_topic(
        store,
        next.id,
        "Holiday season staffing in Customer Service",
        "Sofia Rossi",
    )
    .await?;
    Ok(())
}
