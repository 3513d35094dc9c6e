//! Encoding (being written).
pub mod varint;
