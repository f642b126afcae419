//! Item 9: any other business the members added.

use serde::Serialize;
use throughline_store::MeetingTopic;

use super::{AgendaItem, Context, ITEMS, figures};
use crate::Result;

/// The item's figures: the topics added.
#[derive(Serialize)]
struct OtherBusiness<'a> {
    topics: &'a [MeetingTopic],
}

pub(super) async fn item(ctx: &Context<'_>) -> Result<AgendaItem> {
    let (store, this) = (ctx.store, ctx.this);
    let topics = match this {
        Some(m) => store.topics(m.id).await?,
        None => Vec::new(),
    };
    Ok(AgendaItem {
        number: 9,
        key: ITEMS[8].0,
        title: ITEMS[8].1.to_owned(),
        lines: if topics.is_empty() {
            vec!["Nothing added.".to_owned()]
        } else {
            topics
                .iter()
                .map(|t| format!("{} (added by {})", t.text, t.added_by))
                .collect()
        },
        data: figures(&OtherBusiness { topics: &topics }),
    })
}
