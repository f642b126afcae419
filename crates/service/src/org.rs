//! The organisation as code: departments, the journey's stages and touchpoints, who owns and
//! who contributes to each, the moments of truth and the councils (see `throughline-domain`).

use throughline_domain::org::Organisation;
use throughline_store::Store;

use crate::Result;

/// The organisation applied to the workspace, if one has been.
pub async fn organisation(store: &Store) -> Result<Option<Organisation>> {
    Ok(store.load_organisation().await?)
}
