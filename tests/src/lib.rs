//! Shared helpers for TurDB's cross-layer tests (`tests/tests/*.rs`).

pub mod slt;

use turdb::env::TestEnv;

/// A repeatable Env: fixed clock, seeded randomness.
pub fn test_env() -> TestEnv {
    TestEnv::new(0x7572_6462)
}

/// Number of proptest cases for the model-based tests: `TURDB_MODEL_CASES`
/// or 100.
pub fn model_cases() -> u32 {
    std::env::var("TURDB_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// `len` bytes derived from `seed` (cheap to generate, distinct per seed and
/// position, so a value stored in the wrong place or truncated shows).
pub fn value_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(0x9E37_79B9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
