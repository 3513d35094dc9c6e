//! The database as JS sees it: `Engine` (one open database), `EngineStatement`
//! and `EngineCursor`. js/src/database.js wraps them in better-sqlite3's
//! shapes; parameters and rows cross as bytes ([`crate::codec`]).
//!
//! The engine's `Statement<'db>` borrows its `Database`, and JS objects have
//! no lifetimes, so this module keeps the borrow honest by hand: the
//! database is boxed (its address never changes) and owned by `Inner`, which
//! every statement and cursor keeps alive through an `Rc`; `close()` first
//! empties every statement and cursor (they are registered as weak
//! pointers), so no borrow outlives the database. While a cursor
//! (`iterate()`) is open, every other call on the database fails, as in
//! better-sqlite3: the cursor may hold the writer, and a second use would
//! wait for it forever on this single thread.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use turdb::storage::{MemoryStore, PageStore, Synchronous};
use turdb::{Database, Error, ErrorKind, OpenOptions, Rows, Statement, Value};
use wasm_bindgen::prelude::*;

use crate::codec;
use crate::store::{JsPageStore, JsStore};

/// An engine error as a JS `Error` with `code` set to the error kind.
pub fn to_js(e: Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.kind().as_str().into());
    err.into()
}

fn misuse(msg: &str) -> JsValue {
    to_js(Error::new(ErrorKind::Misuse, msg))
}

type Slot = RefCell<Option<Statement<'static>>>;

/// A running `iterate()`: its own statement (boxed, so the rows' borrow of
/// it stays valid) and the rows. Dropped rows first, then the statement.
struct Running {
    rows: core::mem::ManuallyDrop<Rows<'static>>,
    stmt: *mut Statement<'static>,
}

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: `rows` is dropped exactly once, here, before the
        // statement it borrows; `stmt` came from Box::into_raw in `iterate`
        // and nothing else frees it.
        unsafe {
            core::mem::ManuallyDrop::drop(&mut self.rows);
            drop(Box::from_raw(self.stmt));
        }
    }
}

type CursorSlot = RefCell<Option<Running>>;

struct Inner {
    /// None once closed. Boxed so that statements' borrows survive the
    /// `Inner` moving into its `Rc`.
    db: RefCell<Option<Box<Database>>>,
    stmts: RefCell<Vec<Weak<Slot>>>,
    cursors: RefCell<Vec<Weak<CursorSlot>>>,
    /// An `iterate()` is open.
    busy: Cell<bool>,
}

impl Inner {
    fn new(db: Database) -> Rc<Inner> {
        Rc::new(Inner {
            db: RefCell::new(Some(Box::new(db))),
            stmts: RefCell::new(Vec::new()),
            cursors: RefCell::new(Vec::new()),
            busy: Cell::new(false),
        })
    }

    /// The database, for a call that is not a cursor's.
    fn db(&self) -> Result<&'static Database, JsValue> {
        if self.busy.get() {
            return Err(to_js(Error::new(
                ErrorKind::Busy,
                "this database is busy: an iterate() is still open (finish it or call return() first)",
            )));
        }
        self.db_any()
    }

    fn db_any(&self) -> Result<&'static Database, JsValue> {
        let g = self.db.borrow();
        let db = g
            .as_deref()
            .ok_or_else(|| misuse("the database is closed"))?;
        // SAFETY: the database lives in a Box owned by `self` and is freed
        // only by `close`, which first drops every statement and cursor
        // holding this reference (see the module documentation), or by
        // dropping `Inner`, which they keep alive.
        Ok(unsafe { &*(db as *const Database) })
    }

    fn track<T>(list: &RefCell<Vec<Weak<T>>>, item: &Rc<T>) {
        let mut l = list.borrow_mut();
        // Prune dead entries whenever the list doubles, so it stays
        // proportional to the live statements.
        if l.len() >= 16 && l.len().is_power_of_two() {
            l.retain(|w| w.strong_count() > 0);
        }
        l.push(Rc::downgrade(item));
    }
}

fn options(cache_pages: u32, synchronous: u8, read_only: bool) -> OpenOptions {
    OpenOptions {
        cache_pages: (cache_pages as usize).max(8),
        synchronous: match synchronous {
            0 => Synchronous::Off,
            1 => Synchronous::Normal,
            _ => Synchronous::Full,
        },
        busy_timeout_ms: 0,
        read_only,
    }
}

fn open(
    store: Box<dyn PageStore>,
    cache_pages: u32,
    synchronous: u8,
    read_only: bool,
) -> Result<Engine, JsValue> {
    crate::install_panic_hook();
    let db = Database::open_with(
        store,
        crate::host_env(),
        options(cache_pages, synchronous, read_only),
    )
    .map_err(to_js)?;
    Ok(Engine {
        inner: Inner::new(db),
    })
}

/// One open database.
#[wasm_bindgen]
pub struct Engine {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Engine {
    /// A new database in this module's memory.
    #[wasm_bindgen(js_name = openMemory)]
    pub fn open_memory(cache_pages: u32, synchronous: u8) -> Result<Engine, JsValue> {
        open(
            Box::new(MemoryStore::named(":memory:")),
            cache_pages,
            synchronous,
            false,
        )
    }

    /// The database in a JS page store (OPFS, node:fs, IndexedDB).
    #[wasm_bindgen(js_name = openStore)]
    pub fn open_store(
        store: JsPageStore,
        cache_pages: u32,
        synchronous: u8,
        read_only: bool,
    ) -> Result<Engine, JsValue> {
        crate::install_panic_hook();
        let store = JsStore::new(store).map_err(to_js)?;
        open(Box::new(store), cache_pages, synchronous, read_only)
    }

    /// A new in-memory database holding an exported image.
    #[wasm_bindgen(js_name = importMemory)]
    pub fn import_memory(
        image: &[u8],
        cache_pages: u32,
        synchronous: u8,
        read_only: bool,
    ) -> Result<Engine, JsValue> {
        crate::install_panic_hook();
        let mut store = MemoryStore::named(":memory:");
        turdb::write_image(&mut store, image).map_err(to_js)?;
        open(Box::new(store), cache_pages, synchronous, read_only)
    }

    /// Writes an exported image into a JS store as its main file (with an
    /// empty WAL), before the store is opened.
    #[wasm_bindgen(js_name = writeImage)]
    pub fn write_image(store: JsPageStore, image: &[u8]) -> Result<(), JsValue> {
        crate::install_panic_hook();
        let mut store = JsStore::new(store).map_err(to_js)?;
        turdb::write_image(&mut store, image).map_err(to_js)
    }

    /// Runs every statement of `sql`.
    pub fn exec(&self, sql: &str) -> Result<(), JsValue> {
        self.inner.db()?.execute_batch(sql).map_err(to_js)
    }

    /// Prepares the one statement in `sql`.
    pub fn prepare(&self, sql: &str) -> Result<EngineStatement, JsValue> {
        let db = self.inner.db()?;
        let stmt = db.prepare(sql).map_err(to_js)?;
        let columns = names_of(&stmt);
        let readonly = stmt.readonly();
        let version = stmt.columns_version();
        let slot = Rc::new(RefCell::new(Some(stmt)));
        Inner::track(&self.inner.stmts, &slot);
        Ok(EngineStatement {
            slot,
            inner: self.inner.clone(),
            sql: sql.to_string(),
            columns: RefCell::new(columns),
            version: Cell::new(version),
            changed: Cell::new(false),
            readonly,
        })
    }

    /// Registers `f`, the JS wrapper of a function, as the SQL function
    /// `name` with `n_arg` arguments (-1: any); see [`crate::function`].
    #[wasm_bindgen(js_name = createFunction)]
    pub fn create_function(
        &self,
        name: &str,
        n_arg: i32,
        f: js_sys::Function,
    ) -> Result<(), JsValue> {
        self.inner
            .db()?
            .create_scalar_function(name, n_arg, crate::function::wrap(f))
            .map_err(to_js)
    }

    /// The last commit as one self-contained image.
    pub fn export(&self) -> Result<Vec<u8>, JsValue> {
        self.inner.db()?.export().map_err(to_js)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    pub fn changes(&self) -> f64 {
        self.inner
            .db_any()
            .map(|d| d.changes() as f64)
            .unwrap_or(0.0)
    }

    /// The last inserted rowid as a number (exact up to 2^53).
    #[wasm_bindgen(js_name = lastInsertRowid)]
    pub fn last_insert_rowid(&self) -> f64 {
        self.inner
            .db_any()
            .map(|d| d.last_insert_rowid() as f64)
            .unwrap_or(0.0)
    }

    /// The last inserted rowid as a bigint.
    #[wasm_bindgen(js_name = lastInsertRowidBig)]
    pub fn last_insert_rowid_big(&self) -> i64 {
        self.inner
            .db_any()
            .map(|d| d.last_insert_rowid())
            .unwrap_or(0)
    }

    /// Whether a transaction (BEGIN) is open.
    #[wasm_bindgen(js_name = inTransaction)]
    pub fn in_transaction(&self) -> bool {
        self.inner
            .db_any()
            .map(|d| !d.is_autocommit())
            .unwrap_or(false)
    }

    #[wasm_bindgen(js_name = isOpen)]
    pub fn is_open(&self) -> bool {
        self.inner.db.borrow().is_some()
    }

    /// Closes the database: every statement and cursor stops working, an
    /// open transaction rolls back, the WAL is checkpointed away. Closing
    /// twice is a no-op.
    pub fn close(&self) -> Result<(), JsValue> {
        for w in self.inner.cursors.take() {
            if let Some(c) = w.upgrade() {
                c.borrow_mut().take();
            }
        }
        self.inner.busy.set(false);
        for w in self.inner.stmts.take() {
            if let Some(s) = w.upgrade() {
                s.borrow_mut().take();
            }
        }
        let db = self.inner.db.borrow_mut().take();
        match db {
            Some(db) => db.close().map_err(to_js),
            None => Ok(()),
        }
    }
}

/// A prepared statement.
#[wasm_bindgen]
pub struct EngineStatement {
    slot: Rc<Slot>,
    inner: Rc<Inner>,
    sql: String,
    /// The result column names as JS last had them, and the engine's
    /// `columns_version` they are of: a run under a changed schema may
    /// return other columns (`SELECT *` after ALTER TABLE), which the run
    /// methods then report (see `CHANGED`).
    columns: RefCell<Vec<String>>,
    version: Cell<u32>,
    /// An `iterate` found other columns; `columnsChanged` reports it once.
    changed: Cell<bool>,
    readonly: bool,
}

/// A statement's result column names, owned.
fn names_of(stmt: &Statement<'_>) -> Vec<String> {
    stmt.column_names().iter().map(|s| s.to_string()).collect()
}

/// In what `get` and `all` return: the statement's result columns changed
/// with this run, so JS fetches `columns()` again before decoding.
const CHANGED: u32 = 1 << 31;

/// Values for `stmt` from decoded parameters: positional values fill the
/// anonymous parameters in order, names fill the named ones.
fn bind(stmt: &Statement<'_>, d: codec::Decoded) -> Result<Vec<Value>, Error> {
    if d.named.is_empty() {
        return Ok(d.positional);
    }
    let n = stmt.parameter_count();
    let mut out = Vec::with_capacity(n);
    let mut pos = d.positional.into_iter();
    for i in 1..=n {
        match stmt.parameter_name(i) {
            Some(name) => {
                let bare = name.get(1..).unwrap_or(name);
                let Some((_, v)) = d.named.iter().find(|(k, _)| k == bare) else {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        format!("bind parameters: missing named parameter \"{bare}\" (for {name})"),
                    ));
                };
                out.push(v.clone());
            }
            None => out.push(pos.next().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("bind parameters: too few positional values (parameter {i} has none)"),
                )
            })?),
        }
    }
    if pos.next().is_some() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("bind parameters: more positional values than the statement's {n} parameters"),
        ));
    }
    Ok(out)
}

impl EngineStatement {
    /// Runs `f` on the statement with the parameters in the input buffer.
    fn with<T>(
        &self,
        params_len: usize,
        f: impl FnOnce(&mut Statement<'static>, Vec<Value>) -> Result<T, Error>,
    ) -> Result<T, JsValue> {
        self.inner.db()?;
        let mut g = self.slot.borrow_mut();
        let stmt = g
            .as_mut()
            .ok_or_else(|| misuse("the statement's database is closed"))?;
        let params = codec::decode_params(params_len)
            .and_then(|d| bind(stmt, d))
            .map_err(to_js)?;
        f(stmt, params).map_err(to_js)
    }
}

#[wasm_bindgen]
impl EngineStatement {
    /// Whether the statement leaves the database as it is
    /// (`Statement::readonly`).
    #[wasm_bindgen(getter)]
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// The result column names.
    pub fn columns(&self) -> Vec<String> {
        self.columns.borrow().clone()
    }

    /// Whether the columns changed since JS last asked (after `iterate`,
    /// whose cursor runs a statement of its own).
    #[wasm_bindgen(js_name = columnsChanged)]
    pub fn columns_changed(&self) -> bool {
        self.changed.replace(false)
    }

    /// Where each result column comes from, one `[database, table, column,
    /// declaredType]` array per column with null where SQLite's column
    /// metadata is NULL (see `turdb::ColumnInfo`); js/src/database.js
    /// shapes them as better-sqlite3's `columns()`. Plain arrays, so no
    /// serializer is compiled in. Reads only what prepare fixed, so it
    /// works while a cursor is open.
    #[wasm_bindgen(js_name = columnOrigins)]
    pub fn column_origins(&self) -> Result<js_sys::Array, JsValue> {
        let g = self.slot.borrow();
        let stmt = g
            .as_ref()
            .ok_or_else(|| misuse("the statement's database is closed"))?;
        let js = |s: &Option<String>| s.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        Ok(stmt
            .columns()
            .iter()
            .map(|c| {
                js_sys::Array::of4(
                    &js(&c.database),
                    &js(&c.table),
                    &js(&c.origin),
                    &js(&c.decl_type),
                )
            })
            .collect())
    }

    /// The SQL text as prepared.
    #[wasm_bindgen(getter)]
    pub fn source(&self) -> String {
        self.sql.clone()
    }

    /// Checks the parameters in the input buffer against the statement's
    /// without running it (`stmt.bind()`).
    pub fn check(&self, params_len: usize) -> Result<(), JsValue> {
        self.with(params_len, |s, p| s.check_params(p))
    }

    /// Runs the statement to its end; returns the rows changed.
    pub fn run(&self, params_len: usize) -> Result<f64, JsValue> {
        self.with(params_len, |s, p| s.execute(p).map(|n| n as f64))
    }

    /// Runs the statement and writes its first row to the output buffer;
    /// returns 1 if there was one, or 0, plus `CHANGED`.
    pub fn get(&self, params_len: usize) -> Result<u32, JsValue> {
        codec::reset_output();
        self.with(params_len, |s, p| {
            let mut rows = s.query(p)?;
            match rows.next()? {
                Some(row) => {
                    codec::OUTPUT.with_borrow_mut(|o| codec::encode_values(o, row.values()));
                    Ok(1)
                }
                None => Ok(0),
            }
        })
        .map(|found| found | self.take_changed())
    }

    /// Takes the columns of the engine's statement if a run changed them;
    /// returns `CHANGED` then, else 0.
    fn take_changed(&self) -> u32 {
        let g = self.slot.borrow();
        let Some(stmt) = g.as_ref() else { return 0 };
        if stmt.columns_version() == self.version.get() {
            return 0;
        }
        self.version.set(stmt.columns_version());
        *self.columns.borrow_mut() = names_of(stmt);
        CHANGED
    }

    /// Runs the statement and writes every row to the output buffer;
    /// returns the number of rows, plus `CHANGED`.
    pub fn all(&self, params_len: usize) -> Result<u32, JsValue> {
        codec::reset_output();
        self.with(params_len, |s, p| {
            let mut rows = s.query(p)?;
            let mut n = 0u32;
            codec::OUTPUT.with_borrow_mut(|o| {
                while let Some(row) = rows.next()? {
                    codec::encode_values(o, row.values());
                    n += 1;
                }
                Ok(n)
            })
        })
        .and_then(|n| {
            if n >= CHANGED {
                return Err(misuse("all(): more than 2^31 rows (use iterate())"));
            }
            Ok(n | self.take_changed())
        })
    }

    /// Starts the statement as a cursor (a statement of its own, so this
    /// one stays usable afterwards); the database is busy until the cursor
    /// ends.
    pub fn iterate(&self, params_len: usize) -> Result<EngineCursor, JsValue> {
        let db = self.inner.db()?;
        let params = {
            let g = self.slot.borrow();
            let stmt = g
                .as_ref()
                .ok_or_else(|| misuse("the statement's database is closed"))?;
            codec::decode_params(params_len)
                .and_then(|d| bind(stmt, d))
                .map_err(to_js)?
        };
        let fresh = db.prepare(&self.sql).map_err(to_js)?;
        // Prepared now, under today's schema: its columns are the ones the
        // rows will have.
        let names = names_of(&fresh);
        if *self.columns.borrow() != names {
            *self.columns.borrow_mut() = names;
            self.changed.set(true);
        }
        let stmt = Box::into_raw(Box::new(fresh));
        // SAFETY: `stmt` stays allocated until `Running` drops, after the
        // rows that borrow it (see `Running`).
        let rows = match unsafe { &mut *stmt }.query(params) {
            Ok(r) => r,
            Err(e) => {
                // SAFETY: no rows borrow it; freed once.
                drop(unsafe { Box::from_raw(stmt) });
                return Err(to_js(e));
            }
        };
        let slot = Rc::new(RefCell::new(Some(Running {
            rows: core::mem::ManuallyDrop::new(rows),
            stmt,
        })));
        Inner::track(&self.inner.cursors, &slot);
        self.inner.busy.set(true);
        Ok(EngineCursor {
            slot,
            inner: self.inner.clone(),
        })
    }
}

/// The rows of an `iterate()`, pulled in batches.
#[wasm_bindgen]
pub struct EngineCursor {
    slot: Rc<CursorSlot>,
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl EngineCursor {
    /// Writes up to `max_rows` rows to the output buffer and returns how
    /// many; fewer than asked means the end (the cursor is then closed).
    pub fn next(&self, max_rows: u32) -> Result<u32, JsValue> {
        codec::reset_output();
        let mut g = self.slot.borrow_mut();
        let Some(run) = g.as_mut() else {
            return Ok(0);
        };
        let mut n = 0u32;
        let res = codec::OUTPUT.with_borrow_mut(|o| {
            while n < max_rows {
                match run.rows.next()? {
                    Some(row) => {
                        codec::encode_values(o, row.values());
                        n += 1;
                    }
                    None => break,
                }
            }
            Ok::<_, Error>(())
        });
        if res.is_err() || n < max_rows {
            g.take();
            drop(g);
            self.inner.busy.set(false);
        }
        res.map(|()| n).map_err(to_js)
    }

    /// Ends the cursor early.
    pub fn close(&self) {
        if self.slot.borrow_mut().take().is_some() {
            self.inner.busy.set(false);
        }
    }
}

impl Drop for EngineCursor {
    fn drop(&mut self) {
        // A cursor garbage-collected (or freed) before its end must not
        // leave the database busy.
        self.close();
    }
}
