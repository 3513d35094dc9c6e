//! Shared helpers for the cross-layer tests.
