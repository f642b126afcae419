#![doc = include_str!("../README.md")]

pub mod convert;
pub mod dates;
pub mod fields;
pub mod formats;
pub mod rejects;

pub use convert::{Converter, Placement, Rejection};
pub use fields::{Field, Mapping, MappingError};
pub use formats::{Format, RawRow, ReadError, Reader};
