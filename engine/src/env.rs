//! Env: what the core needs from its host besides storage — a clock and
//! randomness.
//!
//! The engine never calls the operating system directly (it must run in
//! wasm and at the edge), so `date('now')`, `random()`, database ids,
//! encryption nonces and HNSW levels all come through this trait.
//! Implementations: [`StdEnv`] (feature `std`: `SystemTime` and the OS
//! random source), `WasmEnv` in the `turdb-wasm` crate (`Date.now()` and
//! `crypto.getRandomValues` through getrandom's `wasm_js` backend), and
//! [`TestEnv`] (a fixed, settable clock and a seeded generator, so tests are
//! repeatable).

/// Clock and randomness from the host.
pub trait Env: Send + Sync + core::fmt::Debug {
    /// Milliseconds since the Unix epoch (UTC).
    fn now_millis(&self) -> i64;

    /// Fills `buf` with random bytes (cryptographically strong where the
    /// host has such a source; [`TestEnv`]'s are only repeatable).
    fn fill_random(&self, buf: &mut [u8]);

    /// A random `u64`.
    fn random_u64(&self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_random(&mut b);
        u64::from_le_bytes(b)
    }
}
