//! Changes to the organisation as code: applying an organisation file (admins and council chairs;
//! the command line).

use throughline_domain::org::{ChangeKind, OrgDiff, Organisation};
use throughline_store::Store;

use super::{Actor, audit, may_edit};
use crate::Result;

/// Applies `org` to the workspace (or, with `dry_run`, only says what would change); what was
/// applied is audited with its counts and its changes.
pub async fn apply_organisation(
    store: &Store,
    actor: Actor<'_>,
    org: &Organisation,
    dry_run: bool,
) -> Result<OrgDiff> {
    may_edit(actor, None)?;
    let diff = store.apply_organisation(org, dry_run).await?;
    if !dry_run && !diff.is_empty() {
        let after = serde_json::json!({
            "added": diff.count(ChangeKind::Added),
            "changed": diff.count(ChangeKind::Changed),
            "removed": diff.count(ChangeKind::Removed),
            "changes": diff.changes,
        });
        audit(
            store,
            actor,
            "org.apply",
            "organisation".to_owned(),
            None,
            Some(after),
        )
        .await?;
    }
    Ok(diff)
}
