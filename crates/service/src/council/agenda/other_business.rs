//! Item 9: any other business the members added.

use serde_json::json;

use super::{AgendaItem, Context, ITEMS};
use crate::Result;

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
        data: json!({ "topics": topics }),
    })
}
