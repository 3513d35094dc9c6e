//! FileStore (placeholder, being written).
/// Placeholder.
#[derive(Debug)]
pub struct FileStore;
