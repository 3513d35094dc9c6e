//! Encoding (being written).
