//! Pager (being written).
/// Placeholder.
#[derive(Debug)]
pub struct Pager;
/// Placeholder.
#[derive(Debug)]
pub struct PagerOptions;
/// Placeholder.
#[derive(Debug)]
pub struct PagerStats;
