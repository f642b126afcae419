//! The demo's culture-maturity assessment: people of five departments answered the default
//! questionnaire and the assessment is closed, so the maturity page, its report and the council
//! agenda's culture item show results — levels by area, the gap to the target, the departments
//! that see themselves differently — instead of "No assessment yet".

use std::collections::BTreeMap;

use throughline_domain::action::Date;
use throughline_domain::maturity::Model;
use throughline_service::{changes, maturity};
use throughline_store::Store;

use super::command_line;

/// Who answered, for which department, and where the department sees itself (1–5): Billing
/// and Sales lower, Fulfilment higher — so the results have a spread to talk about.
const RESPONDENTS: [(&str, &str, u8); 10] = [
    ("omar@northwind.example", "billing", 2),
    ("bea@northwind.example", "billing", 2),
    ("erik@northwind.example", "it", 3),
    ("ida@northwind.example", "it", 3),
    ("grace@northwind.example", "fulfilment", 4),
    ("jonas@northwind.example", "fulfilment", 4),
    ("sofia@northwind.example", "customer-service", 3),
    ("lena@northwind.example", "customer-service", 3),
    ("priya@northwind.example", "sales", 2),
    ("tom@northwind.example", "sales", 2),
];

/// How far each area sits from a department's own level, turned by a step per department so
/// that departments disagree on different areas.
const AREA_BIAS: [i16; 9] = [0, 1, 0, -1, 1, 0, -1, 0, 1];

/// One person's answers: the department's level, moved by the area ([`AREA_BIAS`]) and now and
/// then a step up by statement and person, never outside 1–5; leadership a step lower
/// everywhere — the weakest area the results should name.
fn answers_of(model: &Model, level: u8, department: usize, person: usize) -> BTreeMap<String, u8> {
    model
        .statements()
        .enumerate()
        .map(|(i, (id, area, _))| {
            let a = model
                .areas
                .iter()
                .position(|x| x.key == area.key)
                .unwrap_or(0);
            let mut value = i16::from(level) + AREA_BIAS[(a + department) % AREA_BIAS.len()];
            if (i + person).is_multiple_of(4) {
                value += 1;
            }
            if area.key == "leadership" {
                value -= 1;
            }
            (id, value.clamp(1, 5) as u8)
        })
        .collect()
}

/// Starts, answers and closes the assessment; returns its id and how many people answered.
pub async fn seed(store: &Store) -> anyhow::Result<(i64, usize)> {
    let name = format!("Culture check {}", Date::today().month());
    let started = changes::start_assessment(store, command_line(), &name, None, None).await?;
    let id = started.stored.id;
    for (person, (who, department, level)) in RESPONDENTS.iter().enumerate() {
        let answers = answers_of(&started.model, *level, person / 2, person);
        maturity::answer(store, id, who, Some(department), &answers).await?;
    }
    changes::close_assessment(store, command_line(), id).await?;
    Ok((id, RESPONDENTS.len()))
}
