//! MmapStore (placeholder, being written).
/// Placeholder.
#[derive(Debug)]
pub struct MmapStore;
