//! wasm-bindgen tests in headless Chromium (`wasm-pack test --headless
//! --chrome`, run by `make wasm-test`): the PageStore conformance suite
//! over JsStore backed by a JS object, the engine through the exported
//! API, and errors and panics as they reach JS.

#![cfg(target_arch = "wasm32")]

use turdb::storage::{FileKind, PageStore, conformance};
use turdb_wasm::api::Engine;
use turdb_wasm::store::{JsPageStore, JsStore};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen(inline_js = r#"
const PAGE = 16384;
function err(code, message) { const e = new Error(message); e.code = code; return e; }
export class TestStore {
  constructor(name, files) { this.names = [name, name + '-wal']; this.files = files ?? [[], []]; this.fail = null; }
  fileName(f) { return this.names[f]; }
  pageCount(f) { return this.files[f].length; }
  readPage(f, p, buf) {
    if (p >= this.files[f].length) throw err('CORRUPT', `out of range (the file has ${this.files[f].length} pages)`);
    const page = this.files[f][p];
    if (page) buf.set(page); else buf.fill(0);
  }
  writePage(f, p, buf) {
    if (this.fail) throw this.fail;
    if (buf.length !== PAGE) throw new Error('bad page size ' + buf.length);
    while (this.files[f].length < p) this.files[f].push(null);
    this.files[f][p] = buf.slice();
  }
  truncate(f, n) { const a = this.files[f]; if (n < a.length) a.length = n; while (a.length < n) a.push(null); }
  sync(f) {}
  // Tests: the same files, as a new store (a reopen).
  reopen() { return new TestStore(this.names[0], this.files); }
  failWrites(code, message) { this.fail = code === null ? null : err(code, message); }
  failQuota() { this.fail = new DOMException('quota', 'QuotaExceededError'); }
}
export function newStore(name) { return new TestStore(name); }
export function codeOf(e) { return e.code; }
export function messageOf(e) { return e.message; }
"#)]
extern "C" {
    /// The test's JS store: a [`JsPageStore`] with hooks to reopen its
    /// files and to make writes fail.
    #[derive(Clone)]
    type TestStore;
    #[wasm_bindgen(js_name = newStore)]
    fn new_store(name: &str) -> TestStore;
    #[wasm_bindgen(method)]
    fn reopen(this: &TestStore) -> TestStore;
    #[wasm_bindgen(method, js_name = failWrites)]
    fn fail_writes(this: &TestStore, code: Option<String>, message: &str);
    #[wasm_bindgen(method, js_name = failQuota)]
    fn fail_quota(this: &TestStore);
    #[wasm_bindgen(js_name = codeOf)]
    fn code_of(e: &JsValue) -> Option<String>;
    #[wasm_bindgen(js_name = messageOf)]
    fn message_of(e: &JsValue) -> String;
}

impl TestStore {
    /// The same object as the engine's store type (it has every method
    /// JsPageStore declares).
    fn store(&self) -> JsPageStore {
        self.clone().unchecked_into()
    }
}

#[wasm_bindgen_test]
fn js_store_passes_the_conformance_suite() {
    for (name, test) in conformance::TESTS {
        let mut store = JsStore::new(new_store(&format!("conformance-{name}")).store()).unwrap();
        test(&mut store);
    }
}

#[wasm_bindgen_test]
fn js_store_synced_writes_survive_reopen() {
    let first = new_store("reopen");
    let mut opened: Vec<TestStore> = Vec::new();
    conformance::synced_writes_survive_reopen(&mut || {
        let js = match opened.last() {
            None => first.clone(),
            Some(prev) => prev.reopen(),
        };
        opened.push(js.clone());
        Box::new(JsStore::new(js.store()).unwrap()) as Box<dyn PageStore>
    });
}

#[wasm_bindgen_test]
fn js_store_errors_keep_their_kind_and_name_the_page() {
    let js = new_store("errs");
    let mut store = JsStore::new(js.store()).unwrap();
    let page = Box::new([0u8; turdb::storage::PAGE_SIZE]);
    js.fail_writes(Some("FULL".into()), "no room");
    let e = store.write_page(FileKind::Wal, 7, &page).unwrap_err();
    assert_eq!(e.kind(), turdb::ErrorKind::Full);
    assert_eq!(e.message(), "write page 7 of errs-wal: no room");
    js.fail_quota();
    let e = store.write_page(FileKind::Main, 1, &page).unwrap_err();
    assert_eq!(
        e.kind(),
        turdb::ErrorKind::Full,
        "QuotaExceededError is FULL"
    );
    js.fail_writes(Some("EIO".into()), "disk on fire");
    let e = store.write_page(FileKind::Main, 1, &page).unwrap_err();
    assert_eq!(e.kind(), turdb::ErrorKind::Io);
    let mut buf = Box::new([0u8; turdb::storage::PAGE_SIZE]);
    let e = store.read_page(FileKind::Main, 3, &mut buf).unwrap_err();
    assert_eq!(e.kind(), turdb::ErrorKind::Corrupt);
}

/// Parameters in the codec's format: `n` positional INTEGERs.
fn ints(values: &[i64]) -> usize {
    let mut b = Vec::new();
    b.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        b.push(2);
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    let p = turdb_wasm::input_ptr(b.len());
    // SAFETY: input_ptr returned a buffer of at least b.len() bytes.
    unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), p, b.len()) };
    b.len()
}

#[wasm_bindgen_test]
fn sql_over_a_js_store_commits_and_reopens() {
    let js = new_store("sql");
    let db = Engine::open_store(js.store(), 16, 2, false).unwrap();
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)")
        .unwrap();
    let ins = db.prepare("INSERT INTO t(v) VALUES (?)").unwrap();
    db.exec("BEGIN").unwrap();
    for i in 0..3000 {
        assert_eq!(ins.run(ints(&[i])).unwrap(), 1.0);
    }
    db.exec("COMMIT").unwrap();
    assert_eq!(db.last_insert_rowid(), 3000.0);
    let sum = db.prepare("SELECT sum(v) FROM t WHERE id > ?").unwrap();
    assert_eq!(sum.all(ints(&[1000])).unwrap(), 1);
    // An uncommitted transaction is not there after a reopen (no close).
    db.exec("BEGIN; DELETE FROM t").unwrap();
    drop(ins);
    drop(sum);
    core::mem::forget(db);
    let again = Engine::open_store(js.reopen().store(), 16, 2, false).unwrap();
    let count = again.prepare("SELECT count(*) FROM t").unwrap();
    assert_eq!(count.get(ints(&[])).unwrap(), 1);
    let out =
        unsafe { core::slice::from_raw_parts(turdb_wasm::output_ptr(), turdb_wasm::output_len()) };
    assert_eq!(out[0], 1, "an INTEGER that fits a JS number");
    assert_eq!(f64::from_le_bytes(out[1..9].try_into().unwrap()), 3000.0);
    again.close().unwrap();
    let e = again.exec("SELECT 1").unwrap_err();
    assert_eq!(code_of(&e).as_deref(), Some("MISUSE"));
    // Read-only over the same pages: reads work, a change is READONLY.
    let ro = Engine::open_store(js.reopen().store(), 16, 2, true).unwrap();
    let e = ro.exec("INSERT INTO t(v) VALUES (1)").unwrap_err();
    assert_eq!(
        code_of(&e).as_deref(),
        Some("READONLY"),
        "{}",
        message_of(&e)
    );
    let count = ro.prepare("SELECT count(*) FROM t").unwrap();
    assert_eq!(count.get(ints(&[])).unwrap(), 1);
    let out =
        unsafe { core::slice::from_raw_parts(turdb_wasm::output_ptr(), turdb_wasm::output_len()) };
    assert_eq!(f64::from_le_bytes(out[1..9].try_into().unwrap()), 3000.0);
    ro.close().unwrap();
}

#[wasm_bindgen_test]
fn engine_errors_reach_js_with_code_and_message() {
    let db = Engine::open_memory(16, 2).unwrap();
    let e = db.exec("SELECT * FROM missing").unwrap_err();
    assert_eq!(code_of(&e).as_deref(), Some("NOT_FOUND"));
    assert!(message_of(&e).contains("missing"), "{}", message_of(&e));
    let e = db.prepare("SELEC 1").err().unwrap();
    assert_eq!(code_of(&e).as_deref(), Some("SYNTAX"));
    db.exec("CREATE TABLE u(x UNIQUE); INSERT INTO u VALUES (1)")
        .unwrap();
    let e = db.exec("INSERT INTO u VALUES (1)").unwrap_err();
    assert_eq!(code_of(&e).as_deref(), Some("CONSTRAINT"));
    // A full store fails the commit and leaves the last one.
    let js = new_store("full");
    let full = Engine::open_store(js.store(), 16, 2, false).unwrap();
    full.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
        .unwrap();
    js.fail_writes(Some("FULL".into()), "storage full");
    let e = full.exec("INSERT INTO t VALUES (2)").unwrap_err();
    assert_eq!(code_of(&e).as_deref(), Some("FULL"), "{}", message_of(&e));
    js.fail_writes(None, "");
    let n = full.prepare("SELECT count(*) FROM t").unwrap();
    assert_eq!(n.get(ints(&[])).unwrap(), 1);
    let out =
        unsafe { core::slice::from_raw_parts(turdb_wasm::output_ptr(), turdb_wasm::output_len()) };
    assert_eq!(f64::from_le_bytes(out[1..9].try_into().unwrap()), 1.0);
}

#[wasm_bindgen_test]
fn the_environment_is_javascripts() {
    use turdb::env::Env;
    let env = turdb_wasm::WasmEnv;
    let now = env.now_millis();
    assert!(now > 1_600_000_000_000, "Date.now() in ms, got {now}");
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    env.fill_random(&mut a);
    env.fill_random(&mut b);
    assert_ne!(a, b);
}
