//! WebAssembly bindings of TurDB.
//!
//! This crate is what the npm package `turdb` (js/) loads: wasm-bindgen
//! exports over the engine ([`api`]), the byte format parameters and rows
//! cross the boundary in ([`codec`]), JS functions as SQL functions
//! ([`function`]), the page store whose files live in
//! JavaScript ([`store`]: OPFS, node:fs, IndexedDB) and the host
//! environment ([`WasmEnv`]).
//!
//! A panic cannot unwind out of wasm32-unknown-unknown (it aborts with an
//! `unreachable` trap), so the panic hook keeps the message: the JS side
//! catches the trap, reads [`last_panic`], reports an error with code
//! "INTERNAL" and that message, and refuses every later call, since the
//! instance's state is no longer trustworthy after an abort.
//!
//! `WasmEnv` exists only when compiling for wasm32: its clock and randomness
//! are JavaScript's, and wasm-bindgen imports cannot run natively. A native
//! build of this crate (part of `cargo test --workspace`) compiles the rest.

use std::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;

pub mod api;
pub mod codec;
pub mod function;
pub mod store;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps a panic's message and location for [`last_panic`].
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = info.to_string();
            LAST_PANIC.with_borrow_mut(|p| *p = Some(msg));
        }));
    });
}

/// The message of the panic that stopped this instance, if one did.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with_borrow(|p| p.clone())
}

/// The input buffer, grown to at least `len` bytes: JS writes parameters
/// there (see [`codec`]). Its address changes when it grows, and growing
/// may grow memory, so JS takes a fresh view after each call.
#[wasm_bindgen(js_name = inputPtr)]
pub fn input_ptr(len: usize) -> *mut u8 {
    codec::input_ptr(len)
}

/// Where the last call wrote its rows.
#[wasm_bindgen(js_name = outputPtr)]
pub fn output_ptr() -> *const u8 {
    codec::output_ptr()
}

/// How many bytes of rows the last call wrote.
#[wasm_bindgen(js_name = outputLen)]
pub fn output_len() -> usize {
    codec::output_len()
}

/// The version of TurDB this module was built from (the crate version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(target_arch = "wasm32")]
pub use env::WasmEnv;

/// The environment every database opened from JS gets: JavaScript's clock
/// and randomness.
#[cfg(target_arch = "wasm32")]
pub(crate) fn host_env() -> std::sync::Arc<dyn turdb::env::Env> {
    std::sync::Arc::new(WasmEnv)
}

/// Natively this crate is only compiled (for the workspace's clippy and
/// `cargo test`), never used from JS, and the engine may be built without
/// std here, so a repeatable test environment stands in for JavaScript's.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn host_env() -> std::sync::Arc<dyn turdb::env::Env> {
    std::sync::Arc::new(turdb::env::TestEnv::default())
}

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
