//! FaultStore (placeholder, being written).
/// Placeholder.
#[derive(Debug, Default, Clone)]
pub struct FaultConfig;
/// Placeholder.
#[derive(Debug)]
pub struct FaultStore;
