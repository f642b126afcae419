#![doc = include_str!("../README.md")]

pub mod chains;
pub mod effects;
pub mod encoder;
#[cfg(test)]
mod hostile_text;
pub mod impact;
pub mod linalg;
pub mod metrics;
pub mod moments;
pub mod placement;
pub mod prior;
pub mod redact;
pub mod report;
pub mod rng;
pub mod routing;
pub mod scorecard;
pub mod scores;
pub mod sentiment;
pub mod synthetic;
pub mod text;
pub mod themes;
pub mod timing;
pub mod trends;

pub use redact::{PiiKind, redact};
pub use scores::Estimate;
