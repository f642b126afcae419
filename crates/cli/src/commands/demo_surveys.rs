//! The demo's journey survey and its inner loop: the "Delivery day" survey the example
//! organisation file declares, thirty customers
//! invited (stored, not sent: the demo has no SMTP server), a dozen of them answering through
//! their own links as customers would — so that detractors and "cancel my order" open follow-up
//! cases for Fulfilment — one case already called back and one resolved.

use throughline_domain::survey::RawAnswers;
use throughline_ingest::invitations::check_invitation;
use throughline_service::follow_up::{self, CaseInput};
use throughline_service::surveys::{self, InvitePolicy, Submission};
use throughline_store::Store;

use super::command_line;

/// (goal 1–5, NPS, what helped, what got in the way).
const ANSWERS: &[(u8, u8, &str, &str)] = &[
    (
        5,
        10,
        "The crew phoned half an hour ahead and laid floor covers",
        "",
    ),
    (
        2,
        3,
        "",
        "Nobody came in the morning slot; the sofa arrived at 6 pm",
    ),
    (
        4,
        9,
        "Two friendly drivers, they took the packaging away",
        "",
    ),
    (
        1,
        0,
        "",
        "The table top is cracked and the driver would not wait while I checked. I want to cancel my order",
    ),
    (
        3,
        6,
        "Tracking link was accurate",
        "They left the wardrobe in the hallway instead of the bedroom",
    ),
    (5, 9, "On time to the minute", ""),
    (
        2,
        4,
        "",
        "Third time rebooked; I took a day off work for nothing",
    ),
    (
        4,
        8,
        "Clear time slot by text message",
        "Could not choose an evening slot",
    ),
    (
        5,
        10,
        "They assembled the bed even though it was not booked",
        "",
    ),
    (
        1,
        2,
        "",
        "Scratches on the sideboard and nobody answers at customer service",
    ),
    (4, 8, "Polite crew", "Parking took them a while"),
    (3, 5, "", "The delivery window was six hours long"),
];

/// Seeds the survey; returns its public link's path and the number of follow-up cases opened.
pub async fn seed(store: &Store) -> anyhow::Result<(String, usize)> {
    // The example organisation file declares it; applying the file made it.
    let survey = store
        .surveys()
        .await?
        .into_iter()
        .find(|s| s.touchpoint.as_deref() == Some("delivery-day"))
        .ok_or_else(|| {
            anyhow::anyhow!("the example organisation declares a Delivery day survey")
        })?;
    let today = throughline_domain::action::Date::today();
    let rows = (1..=30)
        .map(|n| {
            check_invitation(
                n + 1,
                &format!("C-{}", 9000 + n),
                &format!("customer{}@example.com", 9000 + n),
                "",
                today.as_str(),
                "",
            )
            .map_err(|(field, reason)| anyhow::anyhow!("{field}: {reason}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    surveys::invite(
        store,
        command_line(),
        Some(survey.id),
        &rows,
        InvitePolicy::default(),
    )
    .await?;
    let invitations: Vec<i64> = (1..=ANSWERS.len() as i64).collect();
    let mut forms = Vec::new();
    for id in &invitations {
        let token = surveys::invitation_token(store, *id).await?;
        let form = surveys::form_token(store, &token).await?;
        forms.push((token, form));
    }
    // A person takes longer than two seconds to answer; so must the demo's customers.
    tokio::time::sleep(std::time::Duration::from_millis(
        surveys::FORM_MIN_MS as u64 + 100,
    ))
    .await;
    for ((token, form), (goal, nps, helpful, hindering)) in forms.iter().zip(ANSWERS) {
        surveys::submit(
            store,
            token,
            &Submission {
                answers: RawAnswers {
                    goal: goal.to_string(),
                    measure: nps.to_string(),
                    helpful: (*helpful).to_owned(),
                    hindering: (*hindering).to_owned(),
                    comment: String::new(),
                    extra: vec![if *goal >= 4 { "Yes" } else { "Not really" }.to_owned()],
                },
                form_token: form.clone(),
                honeypot: String::new(),
                language: surveys::Language::En,
            },
        )
        .await?;
    }
    // Fulfilment has already called two of them back.
    let cases = follow_up::list(store, Some("fulfilment"), true, 100).await?;
    if let Some(first) = cases.first() {
        follow_up::change(
            store,
            command_line(),
            first.case.id,
            &CaseInput {
                status: "contacted".into(),
                owner: "Fulfilment team lead".into(),
                note: "Called the customer, apologised; a replacement is being arranged".into(),
                ..CaseInput::default()
            },
        )
        .await?;
    }
    if let Some(second) = cases.get(1) {
        follow_up::change(
            store,
            command_line(),
            second.case.id,
            &CaseInput {
                status: "resolved".into(),
                note: "Rebooked for a morning slot with a two-hour window; delivered".into(),
                customer_says_resolved: "yes".into(),
                ..CaseInput::default()
            },
        )
        .await?;
    }
    Ok((format!("/s/{}", survey.public_token), cases.len()))
}
