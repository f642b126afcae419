#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod action;
pub mod date;
pub mod feedback;
pub mod maturity;
pub mod org;
pub mod primitives;
pub mod settings;
pub mod survey;
pub mod user;

pub use primitives::{Email, Key, Name, Timestamp, ValidationError};
