//! Every change a person makes, through a page form or the API: who may make it, the change
//! itself (the service's use case), and its line in the audit log (who, what, when, before and
//! after). Pages and API handlers call these, so that both enforce the same rules; one module
//! per resource (`codebook`, `work`, `council`, `people`).
//!
//! The rules: admins and council chairs change anything; members change the work of their own
//! department; viewers change nothing. Approving or rejecting an initiative is the strategic
//! council's, so admins' and council chairs'. A refused change is checked before anything is
//! written, so it leaves no trace but its 403.

mod codebook;
mod council;
mod people;
mod work;

use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::user::UserRole;
use throughline_store::StoredUser;

use crate::{AppError, AppState};

pub use codebook::{ThemeEdit, edit_theme, rename_theme};
pub use council::{MeetingChange, change_meeting, complete_council_action, schedule_meeting};
pub use people::{close_assessment, ingest_feedback, set_digest_opt_out, start_assessment};
pub use work::{
    TaskInput, add_review, add_root_cause, add_task, change_status, complete_task, may_transition,
    owner_department, propose,
};

/// Whether `user` may change work of `department` (`None`: work that is no one department's,
/// such as the council's or the codebook).
pub fn may_edit(user: &StoredUser, department: Option<&Key>) -> Result<(), AppError> {
    let role = user.user.role;
    let allowed = match department {
        Some(d) => role.may_edit_department(user.user.department.as_ref(), d),
        None => matches!(role, UserRole::Admin | UserRole::CouncilChair),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "a {} cannot make this change",
            role.as_str().replace('_', " ")
        )))
    }
}

fn json_of(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("stored values always serialise")
}

async fn audit(
    state: &AppState,
    user: &StoredUser,
    action: &str,
    subject: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    state
        .store
        .audit(
            user.user.email.as_str(),
            action,
            &subject,
            before.as_ref(),
            after.as_ref(),
        )
        .await?;
    Ok(())
}
