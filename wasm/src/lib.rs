//! WebAssembly bindings of TurDB.
//!
//! This crate is what the npm package `turdb` loads: wasm-bindgen exports
//! over the engine, and the host pieces the engine needs from JavaScript.
//! For now it holds the host environment ([`WasmEnv`]) and [`version`]; the
//! database API and the JS-backed page store (OPFS, node:fs, IndexedDB) come
//! with the wasm issue.
//!
//! `WasmEnv` exists only when compiling for wasm32: its clock and randomness
//! are JavaScript's, and wasm-bindgen imports cannot run natively. A native
//! build of this crate (part of `cargo test --workspace`) compiles the rest.

use wasm_bindgen::prelude::wasm_bindgen;

/// The version of TurDB this module was built from (the crate version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(target_arch = "wasm32")]
pub use env::WasmEnv;

#[cfg(target_arch = "wasm32")]
mod env {
    /// The host environment in a browser, a Worker, Node.js or Cloudflare
    /// Workers: `Date.now()` for the clock and `crypto.getRandomValues` (via
    /// getrandom's `wasm_js` backend) for randomness.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct WasmEnv;

    impl turdb::env::Env for WasmEnv {
        fn now_millis(&self) -> i64 {
            // `Date.now()` is a whole number of milliseconds in an f64, far
            // inside i64's range for any real clock; `as` saturates on the
            // impossible rest (and maps NaN to 0).
            js_sys::Date::now() as i64
        }

        /// # Panics
        ///
        /// If the host has no `crypto.getRandomValues` (every supported host
        /// has it): TurDB will not make ids or nonces from a predictable
        /// source instead.
        fn fill_random(&self, buf: &mut [u8]) {
            if let Err(e) = getrandom::fill(buf) {
                panic!(
                    "WasmEnv: crypto.getRandomValues failed ({e}); TurDB cannot make safe ids or nonces without it"
                );
            }
        }
    }
}
