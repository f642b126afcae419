//! A customer's right to be forgotten: `erase` removes everything stored of one customer and
//! writes the erasure to the audit log in the same transaction, without the customer's words or
//! id (see `Store::erase_customer`), then brings the analysis's aggregates up to date.

use throughline_domain::user::UserRole;
use throughline_store::{Erasure, Store};

use crate::changes::Actor;
use crate::{Result, ServiceError};

pub use throughline_store::audit_subject;

/// Erases the customer `customer` (their id as imported); administrators only.
pub async fn erase(store: &Store, actor: Actor<'_>, customer: &str) -> Result<Erasure> {
    if actor.role() != UserRole::Admin {
        return Err(ServiceError::Forbidden(
            "only administrators erase a customer's data".to_owned(),
        ));
    }
    let customer = customer.trim();
    if customer.is_empty() {
        return Err(ServiceError::Invalid(
            "give the customer's id, as it was imported".to_owned(),
        ));
    }
    let erased = store.erase_customer(customer, &actor.audit_name()).await?;
    // The themes' counts, shares, impacts and the Top Ten are recomputed without the records.
    if erased.records > 0 && store.current_codebook().await?.is_some() {
        crate::analysis::refresh(store).await?;
    }
    Ok(erased)
}
