//! Item 8: new customer research and data since the last meeting (the imports).

use serde::Serialize;
use throughline_domain::action::Date;

use super::{AgendaItem, Context, ITEMS, figures};
use crate::Result;

/// The item's figures: the imports since the last meeting and the records they brought.
#[derive(Serialize)]
struct NewData<'a> {
    imports: Vec<Import<'a>>,
    records: u64,
}

#[derive(Serialize)]
struct Import<'a> {
    id: i64,
    source: &'a str,
    file: &'a str,
    /// The day it started, `YYYY-MM-DD`.
    on: Date,
    imported: u64,
}

pub(super) async fn item(ctx: &Context<'_>) -> Result<AgendaItem> {
    let (store, since_ts) = (ctx.store, ctx.since_ts);
    let imports: Vec<_> = store
        .imports()
        .await?
        .into_iter()
        .filter(|i| since_ts.is_none_or(|s| i.started_at >= s))
        .collect();
    Ok(AgendaItem {
        number: 8,
        key: ITEMS[7].0,
        title: ITEMS[7].1.to_owned(),
        lines: if imports.is_empty() {
            vec!["No new data since the last meeting.".to_owned()]
        } else {
            imports
                .iter()
                .map(|i| {
                    format!(
                        "{} on {}: {} new records from {} ({} duplicates, {} rejected)",
                        i.source,
                        Date::of(i.started_at),
                        i.totals.imported,
                        i.file_name,
                        i.totals.duplicates,
                        i.totals.rejected
                    )
                })
                .collect()
        },
        data: figures(&NewData {
            imports: imports
                .iter()
                .map(|i| Import {
                    id: i.id,
                    source: &i.source,
                    file: &i.file_name,
                    on: Date::of(i.started_at),
                    imported: i.totals.imported,
                })
                .collect(),
            records: imports.iter().map(|i| i.totals.imported).sum(),
        }),
    })
}
