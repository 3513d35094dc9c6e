//! User-defined functions from JS (`db.function(name, options, fn)`): a JS
//! function registered with the engine as a scalar function.
//!
//! Values cross in the codec's byte format, not as js-sys objects (which
//! would grow the module by several KiB): the arguments are written to a
//! buffer of their own, since a function runs in the middle of a statement
//! whose rows may be filling the output buffer, and the JS wrapper
//! (`userFunction` in js/src/wasm.js) decodes them, calls the function and
//! writes its result into the input buffer, free by then (a statement's
//! parameters are decoded before it runs). The wrapper's answer is the
//! result's length. A throw, or a result that is no SQL value, reaches
//! here as a thrown string and fails the statement; the wrapper has kept
//! what was thrown and the glue rethrows that as it is (as better-sqlite3
//! does), so `instanceof` and custom properties survive.
//!
//! wasm32-unknown-unknown without the atomics feature has one thread, so a
//! JS function, which is neither `Send` nor `Sync`, can live in the
//! engine's `Send + Sync` registry: nothing can reach it from another
//! thread.

#[cfg(target_feature = "atomics")]
compile_error!("turdb-wasm keeps JS functions in the engine, which is sound only without threads");

use std::cell::RefCell;

use js_sys::Function;
use turdb::{Error, ErrorKind, Result, Value};
use wasm_bindgen::JsValue;

use crate::codec;

thread_local! {
    /// The arguments of the running call, encoded.
    static ARGS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct JsFn(Function);
// SAFETY: see the module documentation: this target has one thread, and
// the compile_error above keeps it so.
unsafe impl Send for JsFn {}
unsafe impl Sync for JsFn {}

/// The engine function that calls the JS wrapper `f(argsPtr, count)`,
/// which answers with the length of the result it wrote.
pub fn wrap(
    f: Function,
) -> impl Fn(&turdb::functions::Context<'_>) -> Result<Value> + Send + Sync + 'static {
    let f = JsFn(f);
    move |ctx| {
        let ptr = ARGS.with_borrow_mut(|b| {
            b.clear();
            codec::encode_values(b, ctx.values());
            b.as_ptr() as usize as u32
        });
        let n = JsValue::from(ctx.len() as u32);
        match f.0.call2(&JsValue::NULL, &ptr.into(), &n) {
            Ok(r) => codec::decode_value(r.as_f64().unwrap_or(-1.0) as usize),
            Err(thrown) => Err(Error::new(
                ErrorKind::Misuse,
                format!("threw: {}", thrown.as_string().unwrap_or_default()),
            )),
        }
    }
}
