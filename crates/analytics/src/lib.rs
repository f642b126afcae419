#![doc = include_str!("../README.md")]

pub mod redact;
pub mod scores;
pub mod sentiment;

pub use redact::{PiiKind, redact};
pub use scores::Estimate;
