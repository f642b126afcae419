#![doc = include_str!("../README.md")]

pub mod convert;
pub mod dates;
pub mod events;
pub mod fields;
mod file_checks;
pub mod formats;
pub mod invitations;
pub mod kpis;
pub mod pipeline;
pub mod presets;
pub mod records;
pub mod rejects;
mod rows;
pub mod table;
pub mod xlsx;

pub use convert::{Converter, Placement, Rejection};
pub use fields::{Field, Mapping, MappingError};
pub use formats::{Format, RawRow, ReadError, Reader};
