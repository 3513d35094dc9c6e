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
//!
//! Invariants:
//!
//! - An `Env` is shared (`Send + Sync`, methods take `&self`): one database
//!   may be used from several threads, and they all ask the same host.
//! - `fill_random` cannot fail in its signature. A host without a working
//!   random source cannot give TurDB safe nonces or database ids, and
//!   silently falling back to a predictable generator would be worse than
//!   stopping, so [`StdEnv`] panics (with the OS error) in that case — the
//!   one panic in this module, and one that the supported hosts (every
//!   desktop and server OS, every browser, Node.js, Workers) never reach.
//! - [`TestEnv`] is deterministic: the same seed and the same sequence of
//!   calls give the same bytes, on every target (the generator is
//!   splitmix64, emitted little-endian).

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};

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

/// The native host: `SystemTime` for the clock, the operating system's
/// random source (through `getrandom`) for randomness.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct StdEnv;

#[cfg(feature = "std")]
impl Env for StdEnv {
    fn now_millis(&self) -> i64 {
        use std::time::{SystemTime, UNIX_EPOCH};
        // A clock set before 1970 is unusual but legal: report it as a
        // negative time rather than pretending it is the epoch.
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        }
    }

    /// # Panics
    ///
    /// If the operating system's random source fails (see the module
    /// documentation for why this is not silently papered over).
    fn fill_random(&self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            panic!(
                "StdEnv: the operating system's random source failed ({e}); TurDB cannot make safe ids or nonces without it"
            );
        }
    }
}

/// A repeatable host for tests: a clock that stands still until it is set
/// or advanced, and a seeded splitmix64 generator.
///
/// Both live in atomics, so a `TestEnv` is `Send + Sync` and can be shared
/// by threads like any `Env`; it is repeatable as long as the calls come in
/// the same order.
#[derive(Debug)]
pub struct TestEnv {
    now: AtomicI64,
    state: AtomicU64,
}

impl TestEnv {
    /// The clock's starting point: 2024-01-01T00:00:00Z, a fixed and
    /// unremarkable instant (not the epoch, so "time zero" bugs still show).
    pub const START_MILLIS: i64 = 1_704_067_200_000;

    /// A generator seeded with `seed` and a clock at
    /// [`TestEnv::START_MILLIS`].
    pub fn new(seed: u64) -> TestEnv {
        TestEnv {
            now: AtomicI64::new(TestEnv::START_MILLIS),
            state: AtomicU64::new(seed),
        }
    }

    /// Sets the clock to `millis` since the Unix epoch.
    pub fn set_now_millis(&self, millis: i64) {
        self.now.store(millis, Ordering::Relaxed);
    }

    /// Moves the clock by `delta` milliseconds (negative moves it back).
    pub fn advance_millis(&self, delta: i64) {
        self.now.fetch_add(delta, Ordering::Relaxed);
    }

    /// The next value of the generator.
    pub fn next_u64(&self) -> u64 {
        // splitmix64: the state walks by the golden-ratio increment, and each
        // output is a bijective mix of the new state. One atomic add per
        // value keeps concurrent callers from ever seeing the same output.
        let s = self
            .state
            .fetch_add(GOLDEN, Ordering::Relaxed)
            .wrapping_add(GOLDEN);
        splitmix64_mix(s)
    }
}

impl Default for TestEnv {
    /// `TestEnv::new(0)`.
    fn default() -> TestEnv {
        TestEnv::new(0)
    }
}

impl Env for TestEnv {
    fn now_millis(&self) -> i64 {
        self.now.load(Ordering::Relaxed)
    }

    fn fill_random(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    fn random_u64(&self) -> u64 {
        self.next_u64()
    }
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Advances a plain (non-atomic) splitmix64 `state` and returns its next
/// output: the same sequence as [`TestEnv`] seeded with the same value.
pub(crate) fn splitmix64_next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN);
    splitmix64_mix(*state)
}

/// The output function of splitmix64 (Steele, Lea and Flood, 2014).
fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_env_clock_is_fixed_and_settable() {
        let env = TestEnv::new(1);
        assert_eq!(env.now_millis(), TestEnv::START_MILLIS);
        assert_eq!(env.now_millis(), TestEnv::START_MILLIS);
        env.advance_millis(1500);
        assert_eq!(env.now_millis(), TestEnv::START_MILLIS + 1500);
        env.set_now_millis(-5);
        assert_eq!(env.now_millis(), -5);
    }

    #[test]
    fn test_env_is_repeatable_and_seed_dependent() {
        let a = TestEnv::new(42);
        let b = TestEnv::new(42);
        let c = TestEnv::new(43);
        let xs: [u64; 4] = core::array::from_fn(|_| a.random_u64());
        let ys: [u64; 4] = core::array::from_fn(|_| b.random_u64());
        let zs: [u64; 4] = core::array::from_fn(|_| c.random_u64());
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert!(xs.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn test_env_matches_reference_splitmix64() {
        // The first outputs of splitmix64 seeded with 0, as published with
        // the reference implementation (and used by xoshiro's seeding).
        let env = TestEnv::new(0);
        assert_eq!(env.random_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(env.random_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(env.random_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn plain_splitmix64_matches_test_env() {
        let env = TestEnv::new(5);
        let mut state = 5;
        for _ in 0..10 {
            assert_eq!(splitmix64_next(&mut state), env.random_u64());
        }
    }

    #[test]
    fn test_env_fill_random_is_the_little_endian_stream() {
        let a = TestEnv::new(7);
        let b = TestEnv::new(7);
        let mut buf = [0u8; 13];
        a.fill_random(&mut buf);
        let first = b.random_u64().to_le_bytes();
        let second = b.random_u64().to_le_bytes();
        assert_eq!(buf[..8], first);
        assert_eq!(buf[8..], second[..5]);
        // A partial chunk still consumes a whole value.
        assert_eq!(a.random_u64(), b.random_u64());
    }

    #[cfg(feature = "std")]
    #[test]
    fn test_env_is_send_sync_and_shared() {
        fn assert_env<E: Env>() {}
        assert_env::<TestEnv>();
        let env = TestEnv::new(9);
        let seen = std::sync::Mutex::new(std::vec::Vec::new());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        let v = env.random_u64();
                        seen.lock().unwrap().push(v);
                    }
                });
            }
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            400,
            "threads sharing a TestEnv got repeated values"
        );
    }

    #[cfg(feature = "std")]
    #[test]
    fn std_env_clock_is_now() {
        let env = StdEnv;
        let t = env.now_millis();
        // Later than 2024-01-01 and earlier than 2200-01-01.
        assert!(t > TestEnv::START_MILLIS && t < 7_258_118_400_000, "{t}");
        assert!(env.now_millis() >= t);
    }

    #[cfg(feature = "std")]
    #[test]
    fn std_env_randomness_varies() {
        let env = StdEnv;
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        env.fill_random(&mut a);
        env.fill_random(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
        assert_ne!(env.random_u64(), env.random_u64());
        env.fill_random(&mut []);
    }
}
