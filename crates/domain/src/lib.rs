#![doc = include_str!("../README.md")]

pub mod feedback;
pub mod org;
pub mod primitives;
pub mod theme;
pub mod user;

pub use primitives::{Email, Key, Name, Timestamp, ValidationError};
