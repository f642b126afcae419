//! A customer's right to be forgotten: `erase` removes everything stored of one customer (see
//! `Store::erase_customer`), brings the analysis's aggregates up to date without them, and
//! writes the erasure to the audit log without keeping the customer's words or id (a hash of
//! the id, so that an auditor holding the id can find the entry).

use throughline_domain::user::UserRole;
use throughline_store::{Erasure, Store};

use crate::changes::Actor;
use crate::{Result, ServiceError};

/// How the audit log names an erased customer: `customer sha256:` and the first 16 hex digits
/// of the SHA-256 of their id.
pub fn audit_subject(customer: &str) -> String {
    let hash = throughline_store::customer_hash(customer);
    format!("customer sha256:{}", &hash[..16])
}

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
    let erased = store.erase_customer(customer).await?;
    // The themes' counts, shares, impacts and the Top Ten are recomputed without the records.
    if erased.records > 0 && store.current_codebook().await?.is_some() {
        crate::analysis::refresh(store).await?;
    }
    store
        .audit(
            &actor.audit_name(),
            "customer.erase",
            &audit_subject(customer),
            None,
            Some(&serde_json::to_value(&erased).expect("counts serialise")),
        )
        .await?;
    Ok(erased)
}
