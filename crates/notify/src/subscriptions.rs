//! Who receives a department's digest: an e-mail address or a chat webhook, added and removed
//! by administrators (`throughline digest subscribe`, the administration page).

use throughline_store::Store;

use crate::{NotifyError, webhook};

/// Where a digest goes.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Email(&'a str),
    /// A chat webhook, Slack-compatible or the generic JSON digest.
    Webhook {
        url: &'a str,
        slack: bool,
    },
}

/// Subscribes `target` to `department`'s digest: its id, or `None` when it already receives it.
/// An unknown department, a malformed address or URL is refused with the reason.
pub async fn subscribe(
    store: &Store,
    department: &str,
    target: Target<'_>,
) -> Result<Option<i64>, NotifyError> {
    let org = store
        .load_organisation()
        .await?
        .ok_or_else(|| NotifyError::Config("no organisation has been applied".to_owned()))?;
    if !org.departments.iter().any(|d| d.key.as_str() == department) {
        return Err(NotifyError::Config(format!(
            "there is no department {department:?}"
        )));
    }
    let (channel, target, format) = match target {
        Target::Email(address) => {
            let address = address.trim();
            throughline_domain::Email::parse(address)
                .map_err(|e| NotifyError::Email(e.to_string()))?;
            ("email", address.to_owned(), "generic")
        }
        Target::Webhook { url, slack } => {
            webhook::check_url(url.trim())?;
            (
                "webhook",
                url.trim().to_owned(),
                if slack { "slack" } else { "generic" },
            )
        }
    };
    Ok(store
        .add_subscription(department, channel, &target, format)
        .await?)
}

/// Removes subscription `id` (its delivery log stays); whether there was one.
pub async fn unsubscribe(store: &Store, id: i64) -> Result<bool, NotifyError> {
    Ok(store.remove_subscription(id).await?)
}
