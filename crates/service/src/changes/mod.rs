//! Every change a person makes — through a page form, the API or the command line — in one
//! place: who may make it ([`Actor`], [`may_edit`]), the change itself (the use case), and its
//! line in the audit log (who, what, when, before and after). Pages, API handlers and commands
//! call these, so that all enforce the same rules and every change is audited; one module per
//! resource (`codebook`, `work`, `council`, `org`, `people`).
//!
//! The rules: admins and council chairs change anything; members change the work of their own
//! department; viewers change nothing. Approving or rejecting an initiative is the strategic
//! council's, so admins' and council chairs'. A refused change is checked before anything is
//! written, so it leaves no trace but its 403.

mod codebook;
mod council;
mod org;
mod people;
mod work;

use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::user::UserRole;
use throughline_store::{Store, StoredUser};

use crate::{Result, ServiceError};

pub use codebook::{ThemeEdit, edit_theme, rename_theme};
pub use council::{
    MeetingChange, MeetingChanged, change_meeting, complete_council_action, schedule_meeting,
};
pub use org::{
    EditOutcome, Refusal, accept_proposal, apply_organisation, change_organisation,
    decline_proposal, edit_organisation, proposal_diff,
};
pub use people::{
    close_assessment, ingest_feedback, set_digest_opt_out, start_assessment, subscribe_own_digest,
    unsubscribe_own_digest,
};
pub use work::{
    CouncilDecision, KpiImport, TaskInput, add_review, add_root_cause, add_task, change_status,
    complete_task, import_kpis, may_transition, owner_department, propose, record_kpi, set_start,
};

/// Who makes a change: a person signed in to the web interface or the API, or whoever runs the
/// command line on the server (named by their operating-system account). The command line
/// reaches the database directly, so it may change anything; its changes are audited all the
/// same.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a StoredUser),
    CommandLine { os_user: &'a str },
}

impl Actor<'_> {
    /// The role the rules apply: the command line's is an administrator's.
    pub fn role(self) -> UserRole {
        match self {
            Self::User(user) => user.user.role,
            Self::CommandLine { .. } => UserRole::Admin,
        }
    }

    /// The actor's department, if they belong to one.
    pub fn department(&self) -> Option<&Key> {
        match self {
            Self::User(user) => user.user.department.as_ref(),
            Self::CommandLine { .. } => None,
        }
    }

    /// The name a decision or a topic is recorded under.
    pub fn display_name(&self) -> &str {
        match self {
            Self::User(user) => user.user.display_name.as_str(),
            Self::CommandLine { os_user } => os_user,
        }
    }

    /// Who the audit log says made the change: a person's e-mail, or `cli:` and the account.
    pub fn audit_name(self) -> String {
        match self {
            Self::User(user) => user.user.email.as_str().to_owned(),
            Self::CommandLine { os_user } => format!("cli:{os_user}"),
        }
    }
}

/// Whether `actor` may change work of `department` (`None`: work that is no one department's,
/// such as the council's or the codebook).
pub fn may_edit(actor: Actor<'_>, department: Option<&Key>) -> Result<()> {
    let role = actor.role();
    let allowed = match department {
        Some(d) => role.may_edit_department(actor.department(), d),
        None => matches!(role, UserRole::Admin | UserRole::CouncilChair),
    };
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "a {} cannot make this change",
            role.as_str().replace('_', " ")
        )))
    }
}

/// Runs `change` on one write transaction of `store`, committed when the change succeeds: a
/// change and its audit line land together or not at all (a failure between them, even a
/// crash, leaves neither). A change that calls another joins its transaction.
pub(crate) async fn in_transaction<T>(
    store: &Store,
    change: impl AsyncFnOnce(&Store) -> Result<T>,
) -> Result<T> {
    let tx = store.write_transaction().await?;
    let value = change(&tx).await?;
    tx.commit().await?;
    Ok(value)
}

fn json_of(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("stored values always serialise")
}

async fn audit(
    store: &Store,
    actor: Actor<'_>,
    action: &str,
    subject: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    store
        .audit(
            &actor.audit_name(),
            action,
            &subject,
            before.as_ref(),
            after.as_ref(),
        )
        .await?;
    Ok(())
}
