//! The organisation as code: departments, the journey's stages and touchpoints, who owns and
//! who contributes to each, the moments of truth and the councils (see `throughline-domain`);
//! and its history — every version with who, when and why, and the difference between any two.
//! Changes go through [`crate::changes`].

use serde::Serialize;
use throughline_domain::org::{OrgDiff, OrgFile, Organisation};
use throughline_store::{OrgProposal, OrgVersion, Store, VersionSource};

use crate::{Result, ServiceError};

/// The organisation applied to the workspace, if one has been.
pub async fn organisation(store: &Store) -> Result<Option<Organisation>> {
    Ok(store.load_organisation().await?)
}

/// The organisation in the organisation file's own form (what `export-org` prints), for the API.
pub async fn organisation_file(store: &Store) -> Result<OrgFile> {
    let org = organisation(store)
        .await?
        .ok_or_else(crate::themes::no_organisation)?;
    Ok(OrgFile::from(&org))
}

/// Every version, newest first.
pub async fn versions(store: &Store) -> Result<Vec<OrgVersion>> {
    Ok(store.organisation_versions().await?)
}

/// A version and its organisation.
pub async fn version(store: &Store, number: i64) -> Result<(OrgVersion, Organisation)> {
    let (version, document) = store
        .organisation_version(number)
        .await?
        .ok_or_else(|| not_a_version(number))?;
    let org = throughline_domain::org::parse(&document)
        .map_err(|problems| {
            ServiceError::Invalid(format!(
                "version {number} cannot be read back: {}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?
        .organisation;
    Ok((version, org))
}

fn not_a_version(number: i64) -> ServiceError {
    ServiceError::NotFound(format!(
        "there is no version {number} of the organisation (`throughline org-history` lists them)"
    ))
}

/// What changed from version `from` to version `to`.
pub async fn diff_versions(store: &Store, from: i64, to: i64) -> Result<OrgDiff> {
    let (_, before) = version(store, from).await?;
    let (_, after) = version(store, to).await?;
    Ok(OrgDiff::between(Some(&before), &after))
}

/// The changes made in the interface (edits and accepted proposals) since an organisation file
/// was last applied, oldest first: what applying a file that lacks them undoes. Empty when no
/// file was ever applied with versions kept.
pub async fn changed_since_file(store: &Store) -> Result<Vec<OrgVersion>> {
    let versions = versions(store).await?;
    let Some(last_file) = versions
        .iter()
        .position(|v| v.source == VersionSource::File)
    else {
        return Ok(Vec::new());
    };
    let mut since: Vec<OrgVersion> = versions[..last_file]
        .iter()
        .filter(|v| matches!(v.source, VersionSource::Editor | VersionSource::Proposal))
        .cloned()
        .collect();
    since.reverse();
    Ok(since)
}

/// A proposal with the change it would make now (or why it no longer applies).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: OrgProposal,
    /// For an open proposal: what accepting it would change now.
    pub changes: Option<OrgDiff>,
    /// For an open proposal that no longer applies: why.
    pub problems: Vec<String>,
}

/// Proposals, newest first (open ones only with `open`), each open one with its diff.
pub async fn proposals(store: &Store, open: bool) -> Result<Vec<ProposalView>> {
    let listed = store
        .org_proposals(if open { Some("open") } else { None })
        .await?;
    let mut views = Vec::with_capacity(listed.len());
    for proposal in listed {
        let (changes, problems) = if proposal.status == "open" {
            match crate::changes::proposal_diff(store, proposal.id).await? {
                Ok(diff) => (Some(diff), Vec::new()),
                Err(problems) => (None, problems.iter().map(ToString::to_string).collect()),
            }
        } else {
            (None, Vec::new())
        };
        views.push(ProposalView {
            proposal,
            changes,
            problems,
        });
    }
    Ok(views)
}

/// How many proposals await the CX lead's review.
pub async fn open_proposals(store: &Store) -> Result<usize> {
    Ok(store.org_proposals(Some("open")).await?.len())
}
