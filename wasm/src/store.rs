//! `JsStore`: a [`PageStore`] whose files live in JavaScript.
//!
//! The JS side (js/src/stores/) implements one small object per database —
//! OPFS sync access handles, node:fs file descriptors, an in-memory page map
//! mirrored to IndexedDB — with synchronous methods over page numbers:
//!
//! ```text
//! fileName(file) -> string          readPage(file, page, buf: Uint8Array)
//! pageCount(file) -> number         writePage(file, page, buf: Uint8Array)
//! truncate(file, pages)             sync(file)
//! ```
//!
//! A store may also have `writePagePrefix(file, page, buf) -> boolean`,
//! which writes `buf` (shorter than a page) over the start of a page inside
//! the file, leaving the rest of the page as it was, and returns false when
//! the page is past the end (the engine then writes the whole page). The
//! WAL's segment pages go through it: a one-row commit, whose page goes as
//! a delta inside its segment page, then writes a few hundred bytes
//! instead of 16 KiB (`PageStore::write_page_prefix`).
//!
//! `file` is 0 for the main file and 1 for the WAL. `buf` is a view of this
//! module's memory, so a store reads and writes pages without a copy (OPFS
//! `read(view, {at})`, `fs.readSync(fd, view, ...)`). A method that throws
//! becomes an engine error: a thrown `code` of "FULL" (or a
//! `QuotaExceededError`) is [`ErrorKind::Full`], "BUSY" is Busy, "CORRUPT"
//! is Corrupt (what a read past the end must throw), "READONLY" is ReadOnly,
//! anything else is Io; the message names the operation, the
//! file and the page, followed by the JS message. A write or truncate
//! beyond the largest file TurDB addresses never reaches JS: it is the
//! `TooBig` error every store gives (`check_write_bound`).

use turdb::storage::page::{check_truncate_bound, check_write_bound};
use turdb::storage::{FileKind, PAGE_SIZE, PageNo, PageStore};
use turdb::{Error, ErrorKind, Result};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The JS object behind a [`JsStore`] (see the module documentation).
    #[derive(Clone, Debug)]
    pub type JsPageStore;

    #[wasm_bindgen(method, catch, js_name = fileName)]
    fn file_name(this: &JsPageStore, file: u32) -> core::result::Result<String, JsValue>;
    #[wasm_bindgen(method, catch, js_name = readPage)]
    fn read_page(
        this: &JsPageStore,
        file: u32,
        page: u32,
        buf: &mut [u8],
    ) -> core::result::Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = writePage)]
    fn write_page(
        this: &JsPageStore,
        file: u32,
        page: u32,
        buf: &[u8],
    ) -> core::result::Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = writePagePrefix)]
    fn write_page_prefix(
        this: &JsPageStore,
        file: u32,
        page: u32,
        buf: &[u8],
    ) -> core::result::Result<bool, JsValue>;
    #[wasm_bindgen(method, catch, js_name = pageCount)]
    fn page_count(this: &JsPageStore, file: u32) -> core::result::Result<f64, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn truncate(this: &JsPageStore, file: u32, pages: u32) -> core::result::Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn sync(this: &JsPageStore, file: u32) -> core::result::Result<(), JsValue>;
}

/// A page store implemented in JavaScript.
#[derive(Debug)]
pub struct JsStore {
    js: JsPageStore,
    names: [String; 2],
    /// Whether the JS object has `writePagePrefix`.
    prefix: bool,
}

// wasm32-unknown-unknown without the `atomics` feature has exactly one
// thread, so a JsValue can never be reached from another one; the engine's
// `PageStore: Send + Sync` bound exists for native threads.
#[cfg(target_feature = "atomics")]
compile_error!("JsStore is single-threaded: build without the atomics target feature");
// SAFETY: see above — there is no second thread on this target.
unsafe impl Send for JsStore {}
// SAFETY: see above.
unsafe impl Sync for JsStore {}

impl JsStore {
    /// Wraps `js`, asking it once for its two file names.
    pub fn new(js: JsPageStore) -> Result<JsStore> {
        let name = |f: FileKind| {
            js.file_name(f.index() as u32)
                .map_err(|e| js_error(e, "open the store: fileName", f, None, "the store"))
        };
        let names = [name(FileKind::Main)?, name(FileKind::Wal)?];
        let prefix = js_sys::Reflect::get(&js, &JsValue::from_str("writePagePrefix"))
            .is_ok_and(|f| f.is_function());
        Ok(JsStore { js, names, prefix })
    }

    fn fail(&self, e: JsValue, op: &str, file: FileKind, page: Option<PageNo>) -> Error {
        js_error(e, op, file, page, &self.names[file.index()])
    }
}

/// Turns what a JS store threw into an engine error naming the operation,
/// the file and the page.
fn js_error(e: JsValue, op: &str, file: FileKind, page: Option<PageNo>, name: &str) -> Error {
    let get = |k: &str| {
        js_sys::Reflect::get(&e, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    };
    let kind = match (get("code").as_deref(), get("name").as_deref()) {
        (Some("FULL"), _) | (_, Some("QuotaExceededError")) => ErrorKind::Full,
        (Some("BUSY"), _) => ErrorKind::Busy,
        (Some("CORRUPT"), _) => ErrorKind::Corrupt,
        (Some("READONLY"), _) => ErrorKind::ReadOnly,
        _ => ErrorKind::Io,
    };
    let msg = get("message")
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the store threw a non-Error value".into());
    let _ = file; // named through `name`
    match page {
        Some(p) => Error::new(kind, format!("{op} page {p} of {name}: {msg}")),
        None => Error::new(kind, format!("{op} {name}: {msg}")),
    }
}

impl PageStore for JsStore {
    fn name(&self, file: FileKind) -> &str {
        &self.names[file.index()]
    }

    fn read_page(&self, file: FileKind, page: PageNo, buf: &mut [u8; PAGE_SIZE]) -> Result<()> {
        // The JS store checks the range itself (throwing code "CORRUPT"), so
        // a read costs one call into JS, not two.
        self.js
            .read_page(file.index() as u32, page, buf)
            .map_err(|e| self.fail(e, "read", file, Some(page)))
    }

    fn write_page(&mut self, file: FileKind, page: PageNo, buf: &[u8; PAGE_SIZE]) -> Result<()> {
        // Checked here so that no JS store is asked for a page no database
        // reaches (a JS array or file offset would take it silently).
        check_write_bound(self.name(file), page)?;
        self.js
            .write_page(file.index() as u32, page, buf)
            .map_err(|e| self.fail(e, "write", file, Some(page)))
    }

    fn write_page_prefix(
        &mut self,
        file: FileKind,
        page: PageNo,
        buf: &[u8; PAGE_SIZE],
        len: usize,
    ) -> Result<()> {
        if !self.prefix || len >= PAGE_SIZE {
            return self.write_page(file, page, buf);
        }
        check_write_bound(self.name(file), page)?;
        let done = self
            .js
            .write_page_prefix(file.index() as u32, page, &buf[..len])
            .map_err(|e| self.fail(e, "write", file, Some(page)))?;
        if done {
            Ok(())
        } else {
            self.write_page(file, page, buf)
        }
    }

    fn page_count(&self, file: FileKind) -> Result<u32> {
        let n = self
            .js
            .page_count(file.index() as u32)
            .map_err(|e| self.fail(e, "page count of", file, None))?;
        if !(0.0..=f64::from(u32::MAX)).contains(&n) || n.fract() != 0.0 {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "page count of {}: the store answered {n}, not a page count",
                    self.names[file.index()]
                ),
            ));
        }
        Ok(n as u32)
    }

    fn truncate(&mut self, file: FileKind, pages: u32) -> Result<()> {
        // Checked here for the same reason as in `write_page`.
        check_truncate_bound(self.name(file), pages)?;
        self.js
            .truncate(file.index() as u32, pages)
            .map_err(|e| self.fail(e, "truncate", file, None))
    }

    fn sync(&mut self, file: FileKind) -> Result<()> {
        self.js
            .sync(file.index() as u32)
            .map_err(|e| self.fail(e, "sync", file, None))
    }
}
