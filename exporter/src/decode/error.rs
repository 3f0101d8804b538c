//! Decode errors: each names what was wrong with the record.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error("record of {len} bytes is shorter than the {need} bytes its layout needs")]
    TooShort { len: usize, need: usize },
    #[error("unknown event kind {0} (is the eBPF object from another sysotel version?)")]
    UnknownKind(u32),
    #[error("{kind} record declares {declared} bytes, its layout has {expected}")]
    SizeMismatch { kind: &'static str, declared: u32, expected: usize },
    #[error("field {field} length {len} exceeds its buffer of {max} bytes")]
    LengthOutOfRange { field: &'static str, len: u32, max: usize },
}

impl DecodeError {
    /// Low-cardinality reason, used as a self-metric attribute.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::TooShort { .. } => "too_short",
            DecodeError::UnknownKind(_) => "unknown_kind",
            DecodeError::SizeMismatch { .. } => "size_mismatch",
            DecodeError::LengthOutOfRange { .. } => "length_out_of_range",
        }
    }
}
