//! The database API: `Database`, `Statement`, `Rows`, `Row`,
//! `Transaction`, in rusqlite's shapes.
//!
//! A `Database` owns the pager of its main file, a pager for TEMP objects
//! and the catalogs, behind one lock, so it is `Send + Sync` and
//! `transaction(&self)` works from any thread. A running statement holds
//! the lock while its `Rows` live: one statement runs at a time (snapshot
//! readers arrive with the WAL).
//!
//! Every statement is atomic: outside an explicit transaction it runs in
//! its own; inside one, in a savepoint that is rolled back if the statement
//! fails, so a failed statement leaves no trace.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::ops::Bound;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering as AtomicOrdering};

use crate::btree::BTree;
use crate::catalog::{self, Index, IndexOrigin, Schema, Store, Table};
use crate::encoding::{Record, Value, ValueRef, encode_record};
use crate::env::Env;
use crate::functions::Registry;
use crate::sql::ast::{self, Conflict, Expr, Stmt};
use crate::sql::exec::*;
use crate::sql::ops::{self, Affinity};
use crate::sql::parser;
use crate::sql::plan::{self, Binder, Catalogs, ColInfo, Planned, Scope, ScopeTable};
use crate::sql::rename;
use crate::storage::memory::MemoryStore;
use crate::storage::pager::{Pager, PagerOptions};
use crate::storage::{PageStore, Synchronous};
use crate::{Error, ErrorKind, Result, err};

use crate::sync::{Guard, Lock, lock};

// ------------------------------------------------------------ state

pub(crate) struct State {
    main: Pager,
    temp: Pager,
    /// Shared with snapshot readers; copied on the first change after one
    /// took it.
    schema: Arc<Schema>,
    temp_schema: Arc<Schema>,
    env: Arc<dyn Env>,
    /// An explicit transaction (BEGIN) is open.
    explicit: bool,
    /// Named savepoints: name and pager depth.
    savepoints: Vec<(String, usize)>,
    /// The open transaction was started by SAVEPOINT (so releasing its
    /// outermost savepoint commits it).
    savepoint_txn: bool,
    last_rowid: i64,
    changes: u64,
    total_changes: u64,
    foreign_keys: bool,
    busy_timeout_ms: u64,
    /// PRAGMA recursive_triggers: off by default, as in SQLite, so a
    /// trigger does not fire again while it runs.
    recursive_triggers: bool,
    /// Names of the triggers running, outermost first.
    firing: Vec<String>,
    /// Running triggers, innermost last: the NEW/OLD scope and row its
    /// statements see.
    triggers: Vec<(Scope, Tuple)>,
    /// Names this version of the schemas, so a prepared statement knows
    /// whether the plan it kept is still good. Drawn from one process-wide
    /// counter and copied with the schemas, so two states (the writer and
    /// a snapshot reader) share a number only when they share the schemas.
    schema_gen: u64,
    /// The database's user functions (shared by the writer and readers).
    funcs: Arc<Registry>,
}

/// A schema generation no state has had yet.
fn next_schema_gen() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, AtomicOrdering::Relaxed)
}

impl State {
    fn new(
        main: Pager,
        temp: Pager,
        schema: Arc<Schema>,
        env: Arc<dyn Env>,
        funcs: Arc<Registry>,
    ) -> State {
        State {
            funcs,
            main,
            temp,
            schema,
            temp_schema: Arc::new(Schema::default()),
            env,
            explicit: false,
            savepoints: Vec::new(),
            savepoint_txn: false,
            last_rowid: 0,
            changes: 0,
            total_changes: 0,
            foreign_keys: false,
            busy_timeout_ms: 0,
            recursive_triggers: false,
            firing: Vec::new(),
            triggers: Vec::new(),
            schema_gen: next_schema_gen(),
        }
    }
}

impl core::fmt::Debug for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("State").field("main", &self.main).finish()
    }
}

/// Options for opening a database.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Page-cache size in pages (of 16 KiB), for the writer and for each
    /// snapshot reader.
    pub cache_pages: usize,
    /// When commits sync the WAL (`PRAGMA synchronous` changes it later).
    pub synchronous: Synchronous,
    /// How long opening a file that another process holds waits for it, in
    /// milliseconds (0: fail at once with "database is locked").
    pub busy_timeout_ms: u64,
    /// Open the main database for reading only (as SQLite's
    /// `SQLITE_OPEN_READONLY`): the file must exist, nothing is written to
    /// it or its WAL (not even a checkpoint at close), and a statement that
    /// would change it fails with `ReadOnly` ("attempt to write a readonly
    /// database"). TEMP tables still work. Files are locked shared, so
    /// read-only openers coexist with each other but not with a writer.
    pub read_only: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            cache_pages: 256,
            synchronous: Synchronous::Full,
            busy_timeout_ms: 0,
            read_only: false,
        }
    }
}

/// Snapshot readers kept warm for reuse (each holds its own page cache).
const READER_POOL: usize = 4;

/// What snapshot readers take from the last commit: the catalogs as of a
/// commit, known by the commit counters of both files.
struct Committed {
    schema: Arc<Schema>,
    temp_schema: Arc<Schema>,
    main_commit: u64,
    temp_commit: u64,
    foreign_keys: bool,
    /// The writer's `schema_gen` for these schemas.
    schema_gen: u64,
}

/// A TurDB database; see the module documentation.
///
/// Fields drop in order: the readers and their seeds first, so that the
/// writer, dropped last, is the only user of the files and can checkpoint.
pub struct Database {
    /// Idle snapshot readers (boxed: they move between the pool and
    /// running statements).
    #[allow(clippy::vec_box)]
    readers: Lock<Vec<Box<State>>>,
    /// Unpinned snapshots of the main and temp files, from which readers
    /// are made without taking the writer's lock.
    seeds: (Pager, Pager),
    committed: Lock<Committed>,
    /// The thread whose explicit transaction is open (0: none).
    owner: AtomicU64,
    last_rowid: AtomicI64,
    changes: AtomicU64,
    env: Arc<dyn Env>,
    cache_pages: usize,
    interrupt: AtomicBool,
    state: Lock<State>,
    funcs: Arc<Registry>,
}

impl core::fmt::Debug for Database {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Database")
    }
}

/// A number for the calling thread, never 0 (threads without std: always 1).
pub(crate) fn thread_tag() -> u64 {
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::AtomicU64 as A;
        static NEXT: A = A::new(1);
        std::thread_local! {
            static TAG: u64 = NEXT.fetch_add(1, AtomicOrdering::Relaxed);
        }
        TAG.with(|t| *t)
    }
    #[cfg(not(feature = "std"))]
    {
        1
    }
}

/// See [`Statement::readonly`].
fn stmt_readonly(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Select(_) | Stmt::Explain { .. } => true,
        Stmt::Begin(_)
        | Stmt::Commit
        | Stmt::Rollback { .. }
        | Stmt::Savepoint(_)
        | Stmt::Release(_) => true,
        // The PRAGMAs that take an argument to say what to read, a
        // checkpoint (it writes the main file), and otherwise: a value
        // sets something.
        Stmt::Pragma { name, value } => match name.name.to_ascii_lowercase().as_str() {
            "table_info" | "index_list" | "index_info" | "foreign_key_list" | "integrity_check" => {
                true
            }
            "wal_checkpoint" => false,
            _ => value.is_none(),
        },
        _ => false,
    }
}

/// Whether a statement only reads, so it can run on a snapshot.
fn read_only(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Select(_))
}

impl Database {
    /// Opens (or creates) the database in `path`.
    #[cfg(feature = "std")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Database> {
        Database::open_with_options(path, OpenOptions::default())
    }

    /// Opens (or creates) the database in `path` with `options`. The main
    /// file is locked for this process until the database is dropped.
    #[cfg(feature = "std")]
    pub fn open_with_options(
        path: impl AsRef<std::path::Path>,
        options: OpenOptions,
    ) -> Result<Database> {
        let store = crate::storage::FileStore::open_waiting(
            path.as_ref(),
            options.busy_timeout_ms,
            options.read_only,
        )?;
        Database::open_with(Box::new(store), Arc::new(crate::env::StdEnv), options)
    }

    /// A new database in memory.
    pub fn open_in_memory() -> Result<Database> {
        #[cfg(feature = "std")]
        let env: Arc<dyn Env> = Arc::new(crate::env::StdEnv);
        #[cfg(not(feature = "std"))]
        let env: Arc<dyn Env> = Arc::new(crate::env::TestEnv::new(0));
        Database::open_with(Box::new(MemoryStore::new()), env, OpenOptions::default())
    }

    /// Opens the database in `store` with the host `env`.
    pub fn open_with(
        store: Box<dyn PageStore>,
        env: Arc<dyn Env>,
        options: OpenOptions,
    ) -> Result<Database> {
        let popts = PagerOptions {
            cache_pages: options.cache_pages,
            synchronous: options.synchronous,
            ..PagerOptions::default()
        };
        let main_opts = PagerOptions {
            read_only: options.read_only,
            ..popts.clone()
        };
        let mut main = Pager::open(store, main_opts, &*env)?;
        let temp = Pager::open(Box::new(MemoryStore::new()), popts, &*env)?;
        let schema = Arc::new(load_schema(&mut main, Store::Main)?);
        let mut seeds = (main.snapshot(2)?, temp.snapshot(2)?);
        seeds.0.unpin();
        seeds.1.unpin();
        let (main_commit, temp_commit) =
            (main.header().commit_counter, temp.header().commit_counter);
        let funcs = Arc::new(Registry::default());
        let state = State {
            busy_timeout_ms: options.busy_timeout_ms,
            ..State::new(main, temp, schema.clone(), env.clone(), funcs.clone())
        };
        let committed = Committed {
            schema,
            temp_schema: state.temp_schema.clone(),
            main_commit,
            temp_commit,
            foreign_keys: false,
            schema_gen: state.schema_gen,
        };
        Ok(Database {
            readers: Lock::new(Vec::new()),
            seeds,
            committed: Lock::new(committed),
            owner: AtomicU64::new(0),
            last_rowid: AtomicI64::new(0),
            changes: AtomicU64::new(0),
            env: env.clone(),
            cache_pages: options.cache_pages,
            interrupt: AtomicBool::new(false),
            state: Lock::new(state),
            funcs,
        })
    }

    /// Closes the database: rolls back an open transaction, checkpoints
    /// the WAL into the main file and truncates the WAL. Dropping does the
    /// same but cannot report an error.
    pub fn close(self) -> Result<()> {
        let Database {
            readers,
            seeds,
            state,
            ..
        } = self;
        drop(readers);
        drop(seeds);
        let st = crate::sync::into_inner(state);
        let State { main, temp, .. } = st;
        temp.close()?;
        main.close()
    }

    /// The database as one self-contained image of its main file (what
    /// [`Database::import`] and every target open): the last commit, with
    /// the WAL folded in. Fails inside a transaction.
    pub fn export(&self) -> Result<Vec<u8>> {
        let mut st = self.writer(None)?;
        if st.explicit {
            return Err(err!(
                Busy,
                "export: a transaction is open (export after COMMIT)"
            ));
        }
        st.main.export_image()
    }

    /// Opens an image made by [`Database::export`] as a new in-memory
    /// database. The image is checked like a file: its header at once, every
    /// page when read (`PRAGMA integrity_check` reads them all).
    pub fn import(image: &[u8], options: OpenOptions) -> Result<Database> {
        let mut store = MemoryStore::new();
        write_image(&mut store, image)?;
        #[cfg(feature = "std")]
        let env: Arc<dyn Env> = Arc::new(crate::env::StdEnv);
        #[cfg(not(feature = "std"))]
        let env: Arc<dyn Env> = Arc::new(crate::env::TestEnv::new(0));
        Database::open_with(Box::new(store), env, options)
    }

    /// What opening found in the WAL: the commits it replayed and what it
    /// dropped (a torn tail, uncommitted frames, a WAL of another database).
    pub fn recovery_report(&self) -> crate::storage::RecoveryReport {
        lock(&self.state).main.recovery_report()
    }

    /// Whether statements from this thread use the writer (its explicit
    /// transaction is open, or the statement writes) rather than a
    /// snapshot.
    fn uses_snapshot(&self, stmt: &Stmt) -> bool {
        if !read_only(stmt) {
            return false;
        }
        let owner = self.owner.load(AtomicOrdering::Acquire);
        owner == 0 || owner != thread_tag()
    }

    /// The writer's state, once no other thread's explicit transaction is
    /// open (waiting up to `busy_timeout` for it to end).
    fn writer(&self, as_owner: Option<u64>) -> Result<Guard<'_, State>> {
        let me = as_owner.unwrap_or_else(thread_tag);
        self.funcs.not_calling("run a statement")?;
        // The clock is read only once there is something to wait for: this
        // runs for every statement.
        #[cfg(feature = "std")]
        let mut start: Option<std::time::Instant> = None;
        loop {
            let st = lock(&self.state);
            let owner = self.owner.load(AtomicOrdering::Acquire);
            if !st.explicit || owner == 0 || owner == me {
                return Ok(st);
            }
            let timeout = st.busy_timeout_ms;
            drop(st);
            #[cfg(feature = "std")]
            if (start
                .get_or_insert_with(std::time::Instant::now)
                .elapsed()
                .as_millis() as u64)
                < timeout
            {
                std::thread::sleep(core::time::Duration::from_millis(1));
                continue;
            }
            let _ = timeout;
            return Err(err!(
                Busy,
                "database is locked: another thread's transaction is open (PRAGMA busy_timeout waits for it)"
            ));
        }
    }

    /// After a statement on the writer: who owns the transaction now, and
    /// what readers should see.
    fn after_write(&self, st: &State, me: u64) {
        self.owner
            .store(if st.explicit { me } else { 0 }, AtomicOrdering::Release);
        self.last_rowid
            .store(st.last_rowid, AtomicOrdering::Relaxed);
        self.changes.store(st.changes, AtomicOrdering::Relaxed);
        if !st.explicit {
            let mut c = lock(&self.committed);
            c.schema = st.schema.clone();
            c.temp_schema = st.temp_schema.clone();
            c.schema_gen = st.schema_gen;
            c.main_commit = st.main.header().commit_counter;
            c.temp_commit = st.temp.header().commit_counter;
            c.foreign_keys = st.foreign_keys;
        }
    }

    /// A snapshot reader at the last commit: a warm one from the pool, or a
    /// new one.
    fn reader(&self) -> Result<Box<State>> {
        self.funcs.not_calling("run a query")?;
        let pooled = lock(&self.readers).pop();
        let mut r = match pooled {
            Some(mut r) => {
                r.main.repin()?;
                r.temp.repin()?;
                r
            }
            None => Box::new(State::new(
                self.seeds.0.snapshot(self.cache_pages)?,
                self.seeds.1.snapshot(self.cache_pages)?,
                Arc::new(Schema::default()),
                self.env.clone(),
                self.funcs.clone(),
            )),
        };
        let current = {
            let c = lock(&self.committed);
            r.foreign_keys = c.foreign_keys;
            if c.main_commit == r.main.header().commit_counter
                && c.temp_commit == r.temp.header().commit_counter
            {
                r.schema = c.schema.clone();
                r.temp_schema = c.temp_schema.clone();
                r.schema_gen = c.schema_gen;
                true
            } else {
                false
            }
        };
        if !current {
            // A commit landed between the pin and its publication: read
            // the catalogs as the snapshot has them.
            r.reload_schema()?;
        }
        r.last_rowid = self.last_rowid.load(AtomicOrdering::Relaxed);
        r.changes = self.changes.load(AtomicOrdering::Relaxed);
        Ok(r)
    }

    /// Returns a reader to the pool, letting go of its snapshot.
    fn release_reader(&self, mut r: Box<State>) {
        r.main.unpin();
        r.temp.unpin();
        let mut pool = lock(&self.readers);
        if pool.len() < READER_POOL {
            pool.push(r);
        }
    }

    /// Runs every statement of `sql`.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.execute_batch_as(sql, None)
    }

    fn execute_batch_as(&self, sql: &str, as_owner: Option<u64>) -> Result<()> {
        let mut p = parser::Parser::new(sql);
        while let Some(parsed) = p.next_statement()? {
            if as_owner.is_none() && self.uses_snapshot(&parsed.stmt) {
                let mut r = self.reader()?;
                let res = drain(&mut r, &parsed, sql, &self.interrupt);
                self.release_reader(r);
                res?;
                continue;
            }
            let me = as_owner.unwrap_or_else(thread_tag);
            let mut st = self.writer(as_owner)?;
            let res = drain(&mut st, &parsed, sql, &self.interrupt);
            self.after_write(&st, me);
            res?;
        }
        Ok(())
    }

    /// Runs one statement; returns the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let mut stmt = self.prepare(sql)?;
        stmt.execute(params)
    }

    /// Prepares the first statement of `sql`.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        self.funcs.not_calling("prepare")?;
        let mut p = parser::Parser::new(sql);
        let parsed = p
            .next_statement()?
            .ok_or_else(|| err!(Misuse, "prepare: no statement in the SQL text"))?;
        if !p.at_end() {
            return Err(err!(
                Misuse,
                "prepare: more than one statement in the SQL text (use execute_batch)"
            ));
        }
        let (columns, columns_gen) = if self.uses_snapshot(&parsed.stmt) {
            let (schema, temp, generation) = {
                let c = lock(&self.committed);
                (c.schema.clone(), c.temp_schema.clone(), c.schema_gen)
            };
            let columns = result_columns(
                Binder::new(Catalogs {
                    main: &schema,
                    temp: &temp,
                }),
                &parsed.stmt,
            )?;
            (columns, generation)
        } else {
            let st = lock(&self.state);
            (result_columns(st.binder(), &parsed.stmt)?, st.schema_gen)
        };
        Ok(Statement {
            db: self,
            parsed,
            sql: sql.to_string(),
            names: columns.iter().map(|c| c.name.clone()).collect(),
            columns: columns.into(),
            columns_gen,
            columns_version: 0,
            plan: None,
            insert: None,
        })
    }

    /// Runs a query and maps its first row.
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> Result<T> {
        let mut stmt = self.prepare(sql)?;
        stmt.query_row(params, f)
    }

    /// The rowid of the last row inserted.
    pub fn last_insert_rowid(&self) -> i64 {
        self.last_rowid.load(AtomicOrdering::Relaxed)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    pub fn changes(&self) -> u64 {
        self.changes.load(AtomicOrdering::Relaxed)
    }

    /// The main file's page-cache counters (for tests and `PRAGMA`s).
    pub fn pager_stats(&self) -> crate::storage::PagerStats {
        lock(&self.state).main.stats()
    }

    /// The page-cache counters of the idle snapshot readers (the caches
    /// SELECTs outside a transaction ran in).
    pub fn reader_stats(&self) -> Vec<crate::storage::PagerStats> {
        lock(&self.readers).iter().map(|r| r.main.stats()).collect()
    }

    /// Registers a scalar SQL function `name` taking `n_arg` arguments
    /// (`-1`: any number), as rusqlite's `create_scalar_function` (without
    /// its flags). It replaces a function of the same name and argument
    /// count, built-in scalars included; aggregate names are refused. An
    /// error the function returns fails the statement, with its kind kept
    /// and the function named. The function must not use this database
    /// (see [`crate::functions`]).
    ///
    /// ```
    /// # use turdb::{Database, functions::Context};
    /// let db = Database::open_in_memory()?;
    /// db.create_scalar_function("double", 1, |ctx: &Context| {
    ///     Ok(ctx.get::<i64>(0)? * 2)
    /// })?;
    /// let v: i64 = db.query_row("SELECT double(21)", (), |r| r.get(0))?;
    /// assert_eq!(v, 42);
    /// # Ok::<(), turdb::Error>(())
    /// ```
    pub fn create_scalar_function<F, T>(&self, name: &str, n_arg: i32, f: F) -> Result<()>
    where
        F: Fn(&crate::functions::Context<'_>) -> Result<T> + Send + Sync + 'static,
        T: Into<Value>,
    {
        self.funcs.set(
            "create_scalar_function",
            name,
            n_arg,
            Some(Box::new(move |ctx| f(ctx).map(Into::into))),
        )
    }

    /// Removes the user function `name` with `n_arg` arguments (NotFound
    /// when there is none). A built-in it replaced is back.
    pub fn remove_function(&self, name: &str, n_arg: i32) -> Result<()> {
        self.funcs.set("remove_function", name, n_arg, None)
    }

    /// Stops the running statement with an "interrupted" error.
    pub fn interrupt(&self) {
        self.interrupt.store(true, AtomicOrdering::Relaxed);
    }

    /// Whether the database is in autocommit mode (no BEGIN open).
    pub fn is_autocommit(&self) -> bool {
        !lock(&self.state).explicit
    }

    /// Begins a transaction, rolled back on drop unless committed. Until
    /// it ends, other threads' writes wait for it (`PRAGMA busy_timeout`)
    /// and their reads see the last commit.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        let owner = thread_tag();
        self.execute_batch_as("BEGIN", Some(owner))?;
        Ok(Transaction {
            db: self,
            owner,
            done: false,
        })
    }
}

/// Writes an exported image into `store` as its main file, with an empty
/// WAL: how a host puts an image into its own storage before opening it.
pub fn write_image(store: &mut dyn PageStore, image: &[u8]) -> Result<()> {
    use crate::storage::{FileKind, PAGE_SIZE};
    if image.is_empty() || image.len() % PAGE_SIZE != 0 {
        return Err(err!(
            InvalidArgument,
            "import: an image is a whole number of 16384-byte pages; this one has {} bytes",
            image.len()
        ));
    }
    let pages = u32::try_from(image.len() / PAGE_SIZE)
        .map_err(|_| err!(TooBig, "import: the image has too many pages"))?;
    let mut buf = crate::storage::page::zeroed_page();
    for (no, chunk) in image.chunks_exact(PAGE_SIZE).enumerate() {
        buf.copy_from_slice(chunk);
        store.write_page(FileKind::Main, no as u32, &buf)?;
    }
    store.truncate(FileKind::Main, pages)?;
    store.truncate(FileKind::Wal, 0)?;
    store.sync(FileKind::Main)?;
    store.sync(FileKind::Wal)
}

/// Runs one statement on `st` and pulls every row it produces, so that
/// errors surface.
fn drain(st: &mut State, parsed: &ast::Parsed, sql: &str, interrupt: &AtomicBool) -> Result<()> {
    interrupt.store(false, AtomicOrdering::Relaxed);
    let mut out = run(st, parsed, sql, &[], interrupt)?;
    if let Some(rows) = &mut out.rows {
        let mut cx = st.cx(&[], interrupt);
        rows.op.rewind(&mut cx)?;
        while rows.op.next(&mut cx)?.is_some() {}
    }
    Ok(())
}

/// An open transaction; rolls back when dropped without `commit`.
#[derive(Debug)]
pub struct Transaction<'db> {
    db: &'db Database,
    /// The thread that began it: its end is that thread's, wherever the
    /// `Transaction` is dropped.
    owner: u64,
    done: bool,
}

impl<'db> Transaction<'db> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.db.execute_batch_as("COMMIT", Some(self.owner))
    }
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.db.execute_batch_as("ROLLBACK", Some(self.owner))
    }
}

impl core::ops::Deref for Transaction<'_> {
    type Target = Database;
    fn deref(&self) -> &Database {
        self.db
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.db.execute_batch_as("ROLLBACK", Some(self.owner));
        }
    }
}

// ------------------------------------------------------------ params

/// Values for a statement's parameters: by position (`?`, `?N`, and
/// named parameters by their index) or by name (`:a`, `@a`, `$a`).
pub trait Params {
    fn bind(self) -> Bindings;
}

/// What a [`Params`] binds.
#[derive(Clone, Debug, PartialEq)]
pub enum Bindings {
    Positional(Vec<Value>),
    /// Names with their prefix character, as written in the SQL.
    Named(Vec<(String, Value)>),
}

impl Params for () {
    fn bind(self) -> Bindings {
        Bindings::Positional(Vec::new())
    }
}

impl Params for &[Value] {
    fn bind(self) -> Bindings {
        Bindings::Positional(self.to_vec())
    }
}

impl Params for Vec<Value> {
    fn bind(self) -> Bindings {
        Bindings::Positional(self)
    }
}

impl<const N: usize> Params for [Value; N] {
    fn bind(self) -> Bindings {
        Bindings::Positional(self.into_iter().collect())
    }
}

impl<const N: usize> Params for &[Value; N] {
    fn bind(self) -> Bindings {
        Bindings::Positional(self.to_vec())
    }
}

impl Params for &[(&str, Value)] {
    fn bind(self) -> Bindings {
        Bindings::Named(
            self.iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        )
    }
}

impl Params for Vec<(&str, Value)> {
    fn bind(self) -> Bindings {
        Bindings::Named(self.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
    }
}

impl<const N: usize> Params for [(&str, Value); N] {
    fn bind(self) -> Bindings {
        Bindings::Named(self.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
    }
}

impl Bindings {
    /// The values by index for `parsed`; a wrong count or an unknown name
    /// is an error naming the statement. Named parameters not given are
    /// NULL, as in SQLite.
    fn resolve(self, parsed: &ast::Parsed, sql: &str) -> Result<Vec<Value>> {
        let text = sql.get(parsed.start..parsed.end).unwrap_or(sql);
        let what = || format!("bind parameters of \"{}\"", parser::snippet(text));
        match self {
            Bindings::Positional(v) if v.len() == parsed.params => Ok(v),
            Bindings::Positional(v) => Err(err!(
                InvalidArgument,
                "{}: {} given, the statement has {}",
                what(),
                v.len(),
                parsed.params
            )),
            Bindings::Named(list) => {
                let mut vals = vec![Value::Null; parsed.params];
                for (name, v) in list {
                    let Some(&(_, i)) = parsed.param_names.iter().find(|(n, _)| *n == name) else {
                        return Err(err!(
                            InvalidArgument,
                            "{}: no parameter named {name}",
                            what()
                        ));
                    };
                    vals[i - 1] = v;
                }
                Ok(vals)
            }
        }
    }
}

/// `named_params! { ":a": 1, "@b": "x" }`: parameters by name.
#[macro_export]
macro_rules! named_params {
    () => { $crate::__private::Vec::<(&str, $crate::Value)>::new() };
    ($($n:literal : $v:expr),+ $(,)?) => {
        $crate::__private::vec![$(($n, $crate::Value::from($v))),+]
    };
}

/// `params![a, b, ...]`: a parameter list from values that convert.
#[macro_export]
macro_rules! params {
    () => { $crate::__private::Vec::<$crate::Value>::new() };
    ($($v:expr),+ $(,)?) => {
        $crate::__private::vec![$($crate::Value::from($v)),+]
    };
}

// ------------------------------------------------------------ statements

/// A result column of a prepared statement: its name and, when it reads a
/// table column directly, where from. The last four are SQLite's
/// `sqlite3_column_database_name`, `_table_name`, `_origin_name` and
/// `_decltype`, resolved as SQLite resolves them: through views,
/// subqueries in FROM and CTEs to the real table; a rowid to the INTEGER
/// PRIMARY KEY column, or to `rowid` of type `INTEGER` when there is none;
/// and all None for an expression, an aggregate or a literal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// `main`, `temp` or the CREATE SCHEMA schema of the table.
    pub database: Option<String>,
    /// The real table's name as declared.
    pub table: Option<String>,
    /// The table column's name as declared.
    pub origin: Option<String>,
    /// The table column's declared type as written (`VARCHAR(10)`), or
    /// None when it declares none.
    pub decl_type: Option<String>,
}

impl ColumnInfo {
    fn named(name: String) -> ColumnInfo {
        ColumnInfo {
            name,
            ..ColumnInfo::default()
        }
    }

    fn with_origin(name: String, origin: Option<plan::Origin>) -> ColumnInfo {
        match origin {
            Some(o) => ColumnInfo {
                name,
                database: Some(o.database),
                table: Some(o.table),
                origin: Some(o.column),
                decl_type: o.decl_type,
            },
            None => ColumnInfo::named(name),
        }
    }
}

/// A prepared statement.
pub struct Statement<'db> {
    db: &'db Database,
    parsed: ast::Parsed,
    sql: String,
    names: Arc<[String]>,
    /// The result columns with their origins, as of the schema generation
    /// `columns_gen`.
    columns: Box<[ColumnInfo]>,
    columns_gen: u64,
    /// Bumped when a run under a changed schema found other result columns.
    columns_version: u32,
    /// A SELECT's plan, kept from its last run when it can run again (see
    /// `Op::reusable`), with the schema generation it was made under.
    plan: Option<(u64, Planned)>,
    /// A single-row INSERT, bound once (see `LoneInsert`).
    insert: Option<LoneInsert>,
}

impl core::fmt::Debug for Statement<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Statement").field("sql", &self.sql).finish()
    }
}

impl<'db> Statement<'db> {
    /// Whether the statement leaves the database as it is, as SQLite's
    /// `sqlite3_stmt_readonly`: SELECT, EXPLAIN, transaction control
    /// (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE change nothing by
    /// themselves) and PRAGMAs that only read. A SELECT calling a user
    /// function that writes elsewhere is still read-only here.
    pub fn readonly(&self) -> bool {
        stmt_readonly(&self.parsed.stmt)
    }

    pub fn column_count(&self) -> usize {
        self.names.len()
    }

    pub fn column_names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The result columns with the table columns they come from (see
    /// `ColumnInfo`): as prepared, or as of the last run if the schema
    /// changed since (see [`Statement::columns_version`]).
    pub fn columns(&self) -> &[ColumnInfo] {
        &self.columns
    }

    /// A number that changes when a run finds other result columns than
    /// the statement had: `SELECT *` run again after `ALTER TABLE ... ADD
    /// COLUMN` returns the new column too, as SQLite's re-prepared
    /// statements do, and [`Statement::column_names`] and
    /// [`Statement::columns`] say so from then on. Callers that cache the
    /// names (the JS bindings) compare it after each run.
    pub fn columns_version(&self) -> u32 {
        self.columns_version
    }

    /// The declared type of result column `i` (0-based) when it reads a
    /// table column: SQLite's `sqlite3_column_decltype`.
    pub fn column_decltype(&self, i: usize) -> Option<&str> {
        self.columns.get(i)?.decl_type.as_deref()
    }

    /// The number of values the statement binds (its largest parameter
    /// index).
    pub fn parameter_count(&self) -> usize {
        self.parsed.params
    }

    /// The name of parameter `index` (1-based) with its prefix as written
    /// (`:a`, `@a`, `$a`), or None for an anonymous `?` / `?N`: what
    /// bindings such as JavaScript objects need to map names to positions.
    pub fn parameter_name(&self, index: usize) -> Option<&str> {
        self.parsed
            .param_names
            .iter()
            .find(|(_, i)| *i == index)
            .map(|(n, _)| n.as_str())
    }

    /// Runs the statement and returns its rows. A SELECT outside this
    /// thread's explicit transaction reads a snapshot of the last commit
    /// and holds no lock while its rows are pulled.
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let mut params = params.bind().resolve(&self.parsed, &self.sql)?;
        let db = self.db;
        let mut held = if db.uses_snapshot(&self.parsed.stmt) {
            Held::Reader(Some(db.reader()?), db)
        } else {
            Held::Writer(db.writer(None)?)
        };
        db.interrupt.store(false, AtomicOrdering::Relaxed);
        let st = held.state();
        let generation = st.schema_gen;
        if matches!(self.parsed.stmt, Stmt::Insert(_)) {
            if !self.insert.as_ref().is_some_and(|li| li.fits(st)) {
                self.insert = LoneInsert::compile(st, &self.parsed.stmt);
            }
            if let Some(li) = &mut self.insert {
                let out = li.run_in_txn(st, &mut params, &db.interrupt);
                if let Held::Writer(g) = &held {
                    db.after_write(g, thread_tag());
                }
                out?;
                return Ok(Rows {
                    held,
                    planned: None,
                    params,
                    interrupt: &db.interrupt,
                    current: None,
                    names: self.names.clone(),
                    keep: None,
                });
            }
        }
        let (out, reused) = match self.plan.take() {
            // Planning costs more than a point lookup runs.
            Some((g, p)) if g == generation => (Ok(Some(p)), true),
            _ => (
                run(st, &self.parsed, &self.sql, &params, &db.interrupt).map(|o| o.rows),
                false,
            ),
        };
        if let Held::Writer(g) = &held {
            db.after_write(g, thread_tag());
        }
        let mut planned = out?;
        if self.columns_gen != generation {
            // Under another schema than the columns were taken from: they
            // may differ (`SELECT *` after ALTER TABLE).
            let columns = result_columns(held.state().binder(), &self.parsed.stmt)?;
            if columns.iter().map(|c| &c.name).ne(self.names.iter()) {
                self.names = columns.iter().map(|c| c.name.clone()).collect();
                self.columns_version = self.columns_version.wrapping_add(1);
            }
            self.columns = columns.into();
            self.columns_gen = generation;
        }
        if let Some(p) = &mut planned {
            let st = held.state();
            let mut cx = st.cx(&params, &db.interrupt);
            p.op.rewind(&mut cx)?;
        }
        let keep = matches!(self.parsed.stmt, Stmt::Select(_));
        Ok(Rows {
            held,
            planned,
            params,
            interrupt: &db.interrupt,
            current: None,
            names: self.names.clone(),
            keep: keep.then_some(Keep {
                slot: &mut self.plan,
                generation,
                reused,
            }),
        })
    }

    /// Checks that `params` fit the statement's parameters (their number,
    /// or their names) without running it: the error `execute` or `query`
    /// would give for them, or Ok.
    pub fn check_params<P: Params>(&self, params: P) -> Result<()> {
        params.bind().resolve(&self.parsed, &self.sql).map(drop)
    }

    /// Runs the statement; returns the rows changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let mut rows = self.query(params)?;
        while rows.next()?.is_some() {}
        let changes = rows.held.state().changes;
        Ok(changes as usize)
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> Result<T>>(
        &mut self,
        params: P,
        f: F,
    ) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(r) => f(r),
            None => Err(err!(NotFound, "query returned no rows")),
        }
    }
}

/// What a running statement works on: the writer (locked while its rows
/// live), or a snapshot reader of its own (returned to the pool after).
enum Held<'s> {
    Writer(Guard<'s, State>),
    Reader(Option<Box<State>>, &'s Database),
}

impl Held<'_> {
    fn state(&mut self) -> &mut State {
        match self {
            Held::Writer(g) => g,
            Held::Reader(Some(r), _) => r,
            Held::Reader(None, _) => unreachable!("a reader is held until drop"),
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Held::Reader(r, db) = self
            && let Some(r) = r.take()
        {
            db.release_reader(r);
        }
    }
}

/// The rows of a running statement.
pub struct Rows<'s> {
    held: Held<'s>,
    planned: Option<Planned>,
    params: Vec<Value>,
    interrupt: &'s AtomicBool,
    current: Option<Row>,
    names: Arc<[String]>,
    /// Where the plan goes back to after the run (SELECTs only).
    keep: Option<Keep<'s>>,
}

/// A statement's slot for its plan, the schema generation the plan was made
/// under, and whether it came from that slot (was kept before).
struct Keep<'s> {
    slot: &'s mut Option<(u64, Planned)>,
    generation: u64,
    reused: bool,
}

impl Rows<'_> {
    /// Hands a reusable plan back to its statement.
    fn finish(&mut self) {
        // Whether a plan is reusable depends on its shape only: one kept
        // before is not walked again (a point lookup would pay ~3% for it).
        if let Some(p) = self.planned.take()
            && let Some(k) = &mut self.keep
            && (k.reused || p.op.reusable())
        {
            *k.slot = Some((k.generation, p));
        }
    }
}

impl Drop for Rows<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl core::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Rows")
    }
}

/// One result row.
#[derive(Debug)]
pub struct Row {
    values: Vec<Value>,
    names: Arc<[String]>,
}

impl Rows<'_> {
    /// The next row, or None at the end.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>> {
        let Some(p) = &mut self.planned else {
            return Ok(None);
        };
        let st = self.held.state();
        let mut cx = st.cx(&self.params, self.interrupt);
        // One row, refilled: its values' buffers serve every row.
        let row = self.current.get_or_insert_with(|| Row {
            values: Vec::new(),
            names: self.names.clone(),
        });
        if p.op.next_into(&mut cx, &mut row.values)? {
            Ok(self.current.as_ref())
        } else {
            self.finish();
            Ok(None)
        }
    }
}

/// Types a column value converts to.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self>;
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Integer(i) => Ok(*i),
            other => Err(err!(
                Type,
                "cannot read a {} value as an integer",
                other.type_name()
            )),
        }
    }
}

impl FromValue for i32 {
    fn from_value(v: &Value) -> Result<Self> {
        let i = i64::from_value(v)?;
        i32::try_from(i).map_err(|_| err!(Type, "integer {i} does not fit in i32"))
    }
}

impl FromValue for usize {
    fn from_value(v: &Value) -> Result<Self> {
        let i = i64::from_value(v)?;
        usize::try_from(i).map_err(|_| err!(Type, "integer {i} does not fit in usize"))
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Integer(i) => Ok(*i as f64),
            other => Err(err!(
                Type,
                "cannot read a {} value as a real",
                other.type_name()
            )),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(i64::from_value(v)? != 0)
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(err!(
                Type,
                "cannot read a {} value as text",
                other.type_name()
            )),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(err!(
                Type,
                "cannot read a {} value as a blob",
                other.type_name()
            )),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_value(v).map(Some)
        }
    }
}

/// A column index or name.
pub trait ColumnIndex {
    fn index(&self, row: &Row) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn index(&self, row: &Row) -> Result<usize> {
        if *self < row.values.len() {
            Ok(*self)
        } else {
            Err(err!(
                NotFound,
                "column index {self} out of range (the row has {})",
                row.values.len()
            ))
        }
    }
}

impl ColumnIndex for &str {
    fn index(&self, row: &Row) -> Result<usize> {
        row.names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(self))
            .ok_or_else(|| err!(NotFound, "no such column in the result: {self}"))
    }
}

impl Row {
    pub fn get<I: ColumnIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let i = idx.index(self)?;
        T::from_value(&self.values[i]).map_err(|e| {
            e.context(format!(
                "column {i} ({})",
                self.names.get(i).map_or("", |s| s)
            ))
        })
    }

    pub fn get_ref<I: ColumnIndex>(&self, idx: I) -> Result<ValueRef<'_>> {
        let i = idx.index(self)?;
        Ok(self.values[i].as_ref())
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

// ------------------------------------------------------------ execution

struct Outcome {
    rows: Option<Planned>,
}

impl State {
    fn cx<'a>(&'a mut self, params: &'a [Value], interrupt: &'a AtomicBool) -> Cx<'a> {
        Cx {
            main: &mut self.main,
            temp: &mut self.temp,
            params,
            outer: self
                .triggers
                .last()
                .map(|t| t.1.clone())
                .into_iter()
                .collect(),
            env: &*self.env,
            interrupt,
            last_rowid: self.last_rowid,
            changes: self.changes,
            total_changes: self.total_changes,
            ticks: 0,
            funcs: self.funcs.snapshot(),
            registry: &self.funcs,
        }
    }

    fn in_txn(&self) -> bool {
        self.main.in_transaction()
    }

    fn begin_stmt(&mut self) -> Result<Option<(usize, usize)>> {
        if self.in_txn() {
            Ok(Some((self.main.savepoint()?, self.temp.savepoint()?)))
        } else {
            self.main.begin()?;
            self.temp.begin()?;
            Ok(None)
        }
    }

    fn end_stmt(&mut self, sp: Option<(usize, usize)>, ok: bool) -> Result<()> {
        match (sp, ok) {
            (Some((m, t)), true) => {
                self.main.release(m)?;
                self.temp.release(t)
            }
            (Some((m, t)), false) => {
                self.main.rollback_to(m)?;
                self.temp.rollback_to(t)?;
                self.main.release(m)?;
                self.temp.release(t)?;
                self.reload_schema()
            }
            (None, true) => {
                self.main.commit()?;
                self.temp.commit()
            }
            (None, false) => {
                self.main.rollback()?;
                self.temp.rollback()?;
                self.reload_schema()
            }
        }
    }

    fn reload_schema(&mut self) -> Result<()> {
        self.schema_gen = next_schema_gen();
        self.schema = Arc::new(load_schema(&mut self.main, Store::Main)?);
        self.temp_schema = Arc::new(load_schema(&mut self.temp, Store::Temp)?);
        Ok(())
    }

    fn binder(&self) -> Binder<'_> {
        let mut b = Binder::new(Catalogs {
            main: &self.schema,
            temp: &self.temp_schema,
        });
        if let Some((scope, _)) = self.triggers.last() {
            b.scopes.push(scope.clone());
        }
        b
    }
}

/// A statement's result columns with their origins, bound by `b` (a
/// SELECT is planned for them, and the plan dropped).
fn result_columns(mut b: Binder, stmt: &Stmt) -> Result<Vec<ColumnInfo>> {
    b.origins = true;
    let (table, alias, returning) = match stmt {
        Stmt::Select(s) => {
            let p = b.plan_select(s)?;
            let mut origins = p.origins.into_iter();
            return Ok(p
                .names
                .into_iter()
                .map(|n| ColumnInfo::with_origin(n, origins.next().flatten()))
                .collect());
        }
        Stmt::Explain { .. } => return Ok(vec![ColumnInfo::named("detail".into())]),
        Stmt::Pragma { name, value } => {
            let names = pragma_columns(&name.name, value.is_some());
            return Ok(names.into_iter().map(ColumnInfo::named).collect());
        }
        Stmt::Insert(i) => (&i.table, &i.alias, &i.returning),
        Stmt::Update(u) => (&u.table, &u.alias, &u.returning),
        Stmt::Delete(d) => (&d.table, &d.alias, &d.returning),
        _ => return Ok(Vec::new()),
    };
    if returning.is_empty() {
        return Ok(Vec::new());
    }
    // The table may not exist yet; running the statement reports that.
    let Ok(t) = b.table(table) else {
        return Ok(returning_names(None, returning)
            .into_iter()
            .map(ColumnInfo::named)
            .collect());
    };
    let mut out = Vec::new();
    b.scopes.push(table_scope(&t, alias.as_deref()));
    for c in returning {
        match c {
            ast::ResultColumn::Expr { expr, .. } => {
                let name = returning_name(c);
                out.push(ColumnInfo::with_origin(name, b.expr_origin(expr)));
            }
            _ => {
                for (i, col) in t.columns.iter().enumerate() {
                    let origin = b.table_origin(&t, Some(i));
                    out.push(ColumnInfo::with_origin(col.name.clone(), Some(origin)));
                }
            }
        }
    }
    b.scopes.pop();
    Ok(out)
}

/// The names of a RETURNING list: `*` stands for the table's columns (a
/// single `*` when the table is unknown).
fn returning_names(t: Option<&Table>, r: &[ast::ResultColumn]) -> Vec<String> {
    let mut out = Vec::new();
    for c in r {
        match (c, t) {
            (ast::ResultColumn::Expr { .. }, _) => out.push(returning_name(c)),
            (_, Some(t)) => out.extend(t.columns.iter().map(|c| c.name.clone())),
            (_, None) => out.push("*".into()),
        }
    }
    out
}

/// The name of a RETURNING expression: its alias, column name or text.
fn returning_name(c: &ast::ResultColumn) -> String {
    match c {
        ast::ResultColumn::Expr { alias: Some(a), .. } => a.clone(),
        ast::ResultColumn::Expr {
            expr: Expr::Column { name, .. },
            ..
        } => name.clone(),
        ast::ResultColumn::Expr { span, .. } => span.clone(),
        _ => "*".into(),
    }
}

fn rows_of(names: Vec<String>, rows: Vec<Tuple>) -> Planned {
    let n = names.len();
    Planned {
        op: Box::new(RowsOp {
            rows: Arc::new(rows),
            pos: 0,
        }),
        names,
        affinities: vec![None; n],
        colls: vec![Default::default(); n],
        origins: Vec::new(),
        last_origins: None,
    }
}

/// Runs one statement: DDL and DML to completion (their RETURNING rows
/// buffered), a SELECT as a plan for the caller to pull.
fn run(
    st: &mut State,
    parsed: &ast::Parsed,
    sql: &str,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    let text = sql.get(parsed.start..parsed.end).unwrap_or("");
    match &parsed.stmt {
        Stmt::Select(s) => {
            let mut planned = st.binder().plan_select(s)?;
            // Table reads decode only the columns the query uses.
            planned.op.narrow(None);
            Ok(Outcome {
                rows: Some(planned),
            })
        }
        Stmt::Explain { stmt, .. } => {
            let lines = explain(st, stmt)?;
            let rows = lines.into_iter().map(|l| vec![Value::Text(l)]).collect();
            Ok(Outcome {
                rows: Some(rows_of(vec!["detail".into()], rows)),
            })
        }
        Stmt::Begin(_) => {
            if st.explicit {
                return Err(err!(
                    Misuse,
                    "cannot start a transaction within a transaction"
                ));
            }
            st.main.begin()?;
            st.temp.begin()?;
            st.explicit = true;
            st.savepoint_txn = false;
            Ok(Outcome { rows: None })
        }
        Stmt::Commit => {
            if !st.explicit {
                return Err(err!(Misuse, "cannot commit - no transaction is active"));
            }
            st.main.commit()?;
            st.temp.commit()?;
            st.explicit = false;
            st.savepoints.clear();
            Ok(Outcome { rows: None })
        }
        Stmt::Rollback { savepoint: None } => {
            if !st.explicit {
                return Err(err!(Misuse, "cannot rollback - no transaction is active"));
            }
            st.main.rollback()?;
            st.temp.rollback()?;
            st.explicit = false;
            st.savepoints.clear();
            st.reload_schema()?;
            Ok(Outcome { rows: None })
        }
        Stmt::Savepoint(name) => {
            if !st.explicit {
                st.main.begin()?;
                st.temp.begin()?;
                st.explicit = true;
                st.savepoint_txn = true;
            }
            let d = st.main.savepoint()?;
            st.temp.savepoint()?;
            st.savepoints.push((name.to_ascii_lowercase(), d));
            Ok(Outcome { rows: None })
        }
        Stmt::Rollback {
            savepoint: Some(name),
        }
        | Stmt::Release(name) => {
            let k = name.to_ascii_lowercase();
            let i = st
                .savepoints
                .iter()
                .rposition(|(n, _)| *n == k)
                .ok_or_else(|| err!(NotFound, "no such savepoint: {name}"))?;
            let depth = st.savepoints[i].1;
            if matches!(parsed.stmt, Stmt::Release(_)) {
                st.main.release(depth)?;
                st.temp.release(depth)?;
                st.savepoints.truncate(i);
                if st.savepoints.is_empty() && st.explicit && i == 0 && st.savepoint_txn {
                    // RELEASE of the outermost savepoint commits.
                    st.main.commit()?;
                    st.temp.commit()?;
                    st.explicit = false;
                }
            } else {
                st.main.rollback_to(depth)?;
                st.temp.rollback_to(depth)?;
                st.savepoints.truncate(i + 1);
                st.reload_schema()?;
            }
            Ok(Outcome { rows: None })
        }
        Stmt::Pragma { name, value } => {
            let rows = pragma(st, name, value.as_ref())?;
            let names = pragma_columns(&name.name, value.is_some());
            Ok(Outcome {
                rows: Some(rows_of(names, rows)),
            })
        }
        other => {
            let localized = localize(st, other)?;
            let other = localized.as_ref().unwrap_or(other);
            if st.in_txn() && lone_insert(st, other) {
                return run_lone(st, other, text, params, interrupt);
            }
            let sp = st.begin_stmt()?;
            let r = run_write(st, other, text, params, interrupt);
            match r {
                Ok(out) => {
                    st.end_stmt(sp, true)?;
                    Ok(out)
                }
                Err(e) => {
                    // What a failed statement undoes: its own changes
                    // (ABORT, the default), nothing (FAIL: the rows before
                    // the failing one stay), or the whole transaction
                    // (ROLLBACK).
                    let or = match other {
                        Stmt::Insert(i) => i.or,
                        Stmt::Update(u) => u.or,
                        _ => None,
                    };
                    let msg = e.message();
                    let (mode, e) = if let Some(m) = msg.strip_prefix(RAISE_ROLLBACK) {
                        (Conflict::Rollback, Error::new(e.kind(), m))
                    } else if let Some(m) = msg.strip_prefix(RAISE_FAIL) {
                        (Conflict::Fail, Error::new(e.kind(), m))
                    } else if e.kind() == ErrorKind::Constraint {
                        (or.unwrap_or(Conflict::Abort), e)
                    } else {
                        (Conflict::Abort, e)
                    };
                    match mode {
                        Conflict::Fail => st.end_stmt(sp, true)?,
                        Conflict::Rollback if sp.is_some() => {
                            st.main.rollback()?;
                            st.temp.rollback()?;
                            st.explicit = false;
                            st.savepoints.clear();
                            st.reload_schema()?;
                        }
                        _ => st.end_stmt(sp, false)?,
                    }
                    Err(e)
                }
            }
        }
    }
}

/// A single-row INSERT into a table without triggers, foreign keys to
/// check, AUTOINCREMENT, upsert or RETURNING, whose conflict mode undoes
/// nothing but the row: `Writer::insert` checks every constraint before its
/// first write, so such a statement either fails having written nothing or
/// succeeds, and needs no savepoint of its own. (A savepoint makes the
/// statement's first write of every page copy it, which in a bulk load
/// inside one transaction is a 16 KiB copy per row.)
fn lone_insert(st: &State, stmt: &Stmt) -> bool {
    let Stmt::Insert(ins) = stmt else {
        return false;
    };
    let single = match &ins.source {
        ast::InsertSource::DefaultValues => true,
        ast::InsertSource::Select(sel) => lone_values(ins, sel).is_some(),
    };
    if !single
        || !ins.upsert.is_empty()
        || !ins.returning.is_empty()
        || !matches!(
            ins.or,
            None | Some(Conflict::Abort | Conflict::Fail | Conflict::Ignore)
        )
        || !matches!(view_target(st, &ins.table), Ok(None))
    {
        return false;
    }
    let Ok(table) = target_table(st, &ins.table) else {
        return false;
    };
    let checks_fks = st.foreign_keys && !table.foreign_keys.is_empty();
    // A NULL in a NOT NULL column with a default may be replaced by it
    // (REPLACE), which the general path does.
    // So may a constraint's own ON CONFLICT clause (REPLACE deletes rows).
    let fallback = table
        .columns
        .iter()
        .any(|c| c.not_null && c.default.is_some())
        || table.rowid_conflict.is_some()
        || schema_of(st, table.store)
            .indexes_of(&table.name)
            .iter()
            .any(|ix| ix.conflict.is_some());
    !(table.autoincrement || checks_fks || fallback || has_triggers(st, &table))
}

/// Runs a [`lone_insert`] inside the open transaction without a savepoint.
fn run_lone(
    st: &mut State,
    stmt: &Stmt,
    text: &str,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    without_savepoint(st, |st| run_write(st, stmt, text, params, interrupt))
}

/// Runs `f`, a statement that fails before writing or not at all (see
/// [`lone_insert`]), inside the open transaction with no savepoint.
fn without_savepoint<T>(st: &mut State, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
    let before = (st.main.change_seq(), st.temp.change_seq());
    let r = f(st);
    if r.is_err() && (st.main.change_seq(), st.temp.change_seq()) != before {
        // It failed after writing, which only I/O or corruption errors do.
        // With no savepoint to return to, the transaction goes, as SQLite
        // rolls back a transaction after such errors.
        st.main.rollback()?;
        st.temp.rollback()?;
        st.explicit = false;
        st.savepoints.clear();
        st.reload_schema()?;
    }
    r
}

/// A [`lone_insert`] bound once and kept by its prepared statement: a bulk
/// load runs it per row without finding the table, mapping columns and
/// binding expressions again. Valid while the schema generation it was
/// made under lasts.
pub(crate) struct LoneInsert {
    generation: u64,
    table: Arc<Table>,
    indexes: Vec<Arc<Index>>,
    targets: Vec<usize>,
    exprs: Vec<BExpr>,
    defaults: Vec<Option<BExpr>>,
    checks: Vec<(String, BExpr)>,
    generated: Vec<(usize, BExpr)>,
    conflict: Conflict,
    stated: bool,
    /// The row is all distinct parameters (and literals): each parameter's
    /// value can then be moved into the row instead of copied.
    moves_params: bool,
    /// The row's values, kept between runs for its allocation.
    src: Vec<Value>,
    /// [`Writer`]'s, kept between runs.
    max_rowid: Option<((u64, u64), i64)>,
}

impl LoneInsert {
    /// Binds `stmt` if it is a [`lone_insert`] of one VALUES row (None
    /// otherwise, and on any error: the general path then reports it).
    fn compile(st: &State, stmt: &Stmt) -> Option<LoneInsert> {
        let Stmt::Insert(ins) = stmt else {
            return None;
        };
        let ast::InsertSource::Select(sel) = &ins.source else {
            return None;
        };
        let row = lone_values(ins, sel)?;
        if !lone_insert(st, stmt) || !matches!(localize(st, stmt), Ok(None)) {
            return None;
        }
        let table = target_table(st, &ins.table).ok()?;
        let targets = insert_targets(&table, ins).ok()?;
        if targets.len() != row.len() {
            return None;
        }
        let mut b = st.binder();
        let (checks, generated) = writer_exprs(&mut b, &table).ok()?;
        let defaults = bind_defaults(&mut b, &table, |_| true).ok()?;
        b.scopes.push(Scope::default());
        let exprs = row
            .iter()
            .map(|e| b.bind(e))
            .collect::<Result<Vec<_>>>()
            .ok()?;
        drop(b);
        let mut seen = Vec::new();
        let moves_params = exprs.iter().all(|e| match e {
            BExpr::Lit(_) => true,
            BExpr::Param(i) if !seen.contains(i) => {
                seen.push(*i);
                true
            }
            _ => false,
        });
        Some(LoneInsert {
            moves_params,
            max_rowid: None,
            src: Vec::with_capacity(exprs.len()),
            generation: st.schema_gen,
            indexes: schema_of(st, table.store).indexes_of(&table.name),
            table,
            targets,
            exprs,
            defaults,
            checks,
            generated,
            conflict: ins.or.unwrap_or(Conflict::Abort),
            stated: ins.or.is_some(),
        })
    }

    /// Whether it still applies: same schema, and no foreign keys to check
    /// since `PRAGMA foreign_keys` was last set.
    fn fits(&self, st: &State) -> bool {
        let checks_fks = st.foreign_keys && !self.table.foreign_keys.is_empty();
        self.generation == st.schema_gen && !checks_fks
    }

    /// [`LoneInsert::run`] inside the open transaction, or (autocommit) in
    /// one of its own that commits, or rolls back if the row or the commit
    /// fails. Nothing of the catalog changes, so a rollback needs no
    /// schema reload.
    fn run_in_txn(
        &mut self,
        st: &mut State,
        params: &mut [Value],
        interrupt: &AtomicBool,
    ) -> Result<()> {
        if st.in_txn() {
            return self.run(st, params, interrupt);
        }
        st.main.begin()?;
        if let Err(e) = st.temp.begin() {
            st.main.rollback()?;
            return Err(e);
        }
        let done = self
            .run(st, params, interrupt)
            .and_then(|()| st.main.commit())
            .and_then(|()| st.temp.commit());
        if done.is_err() {
            // `run` may have rolled back already (an I/O error after a
            // write); a failed commit leaves its transaction open.
            if st.main.in_transaction() {
                st.main.rollback()?;
            }
            if st.temp.in_transaction() {
                st.temp.rollback()?;
            }
        }
        done
    }

    /// Inserts the row for `params`, as `insert` would. Parameters may be
    /// moved out of `params` (see `moves_params`): the statement is done
    /// with them once the row is made.
    fn run(&mut self, st: &mut State, params: &mut [Value], interrupt: &AtomicBool) -> Result<()> {
        let mut src = core::mem::take(&mut self.src);
        src.clear();
        if self.moves_params {
            for e in &self.exprs {
                src.push(match e {
                    BExpr::Param(i) => params.get_mut(*i).map(core::mem::take).unwrap_or_default(),
                    BExpr::Lit(v) => v.clone(),
                    _ => return Err(Error::internal("lone insert: not a parameter row")),
                });
            }
        }
        let params = &*params;
        let inserted = without_savepoint(st, |st| {
            let mut cx = st.cx(params, interrupt);
            if !self.moves_params {
                for e in self.exprs.iter_mut() {
                    src.push(e.eval(&mut cx, &[])?);
                }
            }
            let (vals, rowid) = insert_row(
                &mut cx,
                &self.table,
                src.drain(..),
                &self.targets,
                &mut self.defaults,
            )?;
            let mut w = Writer {
                table: &self.table,
                indexes: &self.indexes,
                checks: core::mem::take(&mut self.checks),
                generated: core::mem::take(&mut self.generated),
                // lone_insert leaves out tables with a NOT NULL default.
                defaults: Vec::new(),
                stated: self.stated,
                max_rowid: self.max_rowid.take(),
            };
            let r = w.insert(&mut cx, vals, rowid, self.conflict);
            self.checks = w.checks;
            self.generated = w.generated;
            self.max_rowid = w.max_rowid;
            r
        });
        self.src = src;
        let inserted = inserted?;
        st.changes = u64::from(inserted.is_some());
        st.total_changes += st.changes;
        if let Some(r) = inserted {
            st.last_rowid = r;
        }
        Ok(())
    }
}

/// Whether triggers (TEMP or not) are defined on `table`.
fn has_triggers(st: &State, table: &Table) -> bool {
    !st.temp_schema.triggers_of(&table.name).is_empty()
        || (table.store == Store::Main && !st.schema.triggers_of(&table.name).is_empty())
}

/// The expressions of an INSERT's source when it is one row of VALUES
/// with nothing around it (evaluated directly, without planning a query).
fn lone_values<'a>(ins: &ast::Insert, sel: &'a ast::Select) -> Option<&'a [Expr]> {
    if ins.with.is_some()
        || sel.with.is_some()
        || !sel.order_by.is_empty()
        || sel.limit.is_some()
        || sel.offset.is_some()
    {
        return None;
    }
    match &sel.body {
        ast::SelectBody::Values(rows) if rows.len() == 1 => Some(&rows[0]),
        _ => None,
    }
}

fn run_write(
    st: &mut State,
    stmt: &Stmt,
    text: &str,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    let stored;
    let text = if matches!(
        stmt,
        Stmt::CreateTable(_) | Stmt::CreateIndex(_) | Stmt::CreateView(_) | Stmt::CreateTrigger(_)
    ) {
        stored = stored_create_sql(text);
        stored.as_str()
    } else {
        text
    };
    match stmt {
        Stmt::CreateTable(ct) => {
            create_table(st, ct, text, params, interrupt)?;
            Ok(Outcome { rows: None })
        }
        Stmt::CreateIndex(ci) => {
            create_index(st, ci, text, interrupt)?;
            Ok(Outcome { rows: None })
        }
        Stmt::CreateView(cv) => {
            let store = store_of(cv.temp, cv.name.schema.as_deref())?;
            if schema_of(st, store).contains(&cv.name.name)
                || (store == Store::Main
                    && st.schema.tables.contains_key(&catalog::key(&cv.name.name)))
            {
                if cv.if_not_exists {
                    return Ok(Outcome { rows: None });
                }
                return Err(err!(Constraint, "view {} already exists", cv.name.name));
            }
            // Check that it binds.
            let names = st.binder().plan_select(&cv.select)?.names;
            if !cv.columns.is_empty() && cv.columns.len() != names.len() {
                return Err(err!(
                    Syntax,
                    "expected {} columns for '{}' but got {}",
                    cv.columns.len(),
                    cv.name.name,
                    names.len()
                ));
            }
            catalog_put(st, store, "view", &cv.name.name, &cv.name.name, 0, text)?;
            schema_mut(st, store).views.insert(
                catalog::key(&cv.name.name),
                Arc::new(catalog::View {
                    name: cv.name.name.clone(),
                    store,
                    columns: cv.columns.clone(),
                    select: (*cv.select).clone(),
                    sql: text.to_string(),
                }),
            );
            Ok(Outcome { rows: None })
        }
        Stmt::CreateTrigger(ct) => {
            let store = store_of(ct.temp, ct.name.schema.as_deref())?;
            if schema_of(st, store).contains(&ct.name.name) {
                if ct.if_not_exists {
                    return Ok(Outcome { rows: None });
                }
                return Err(err!(Constraint, "trigger {} already exists", ct.name.name));
            }
            let b = st.binder();
            let has_table = b
                .find_table(ct.table.schema.as_deref(), &ct.table.name)
                .is_some();
            let has_view = st.schema.views.contains_key(&catalog::key(&ct.table.name))
                || st
                    .temp_schema
                    .views
                    .contains_key(&catalog::key(&ct.table.name));
            if !has_table && !has_view {
                return Err(err!(
                    NotFound,
                    "no such table: {}.{}",
                    ct.table.schema.as_deref().unwrap_or("main"),
                    ct.table.name
                ));
            }
            if has_view && ct.time != ast::TriggerTime::InsteadOf {
                return Err(err!(
                    InvalidArgument,
                    "cannot create {} trigger on view: {}",
                    if ct.time == ast::TriggerTime::Before {
                        "BEFORE"
                    } else {
                        "AFTER"
                    },
                    ct.table.name
                ));
            }
            if has_table && ct.time == ast::TriggerTime::InsteadOf {
                return Err(err!(
                    InvalidArgument,
                    "cannot create INSTEAD OF trigger on table: {}",
                    ct.table.name
                ));
            }
            catalog_put(st, store, "trigger", &ct.name.name, &ct.table.name, 0, text)?;
            schema_mut(st, store).triggers.insert(
                catalog::key(&ct.name.name),
                Arc::new(catalog::Trigger {
                    name: ct.name.name.clone(),
                    store,
                    table: ct.table.name.clone(),
                    def: (**ct).clone(),
                    sql: text.to_string(),
                }),
            );
            Ok(Outcome { rows: None })
        }
        Stmt::Drop {
            kind,
            if_exists,
            name,
        } => {
            drop_object(st, *kind, *if_exists, name)?;
            Ok(Outcome { rows: None })
        }
        Stmt::Insert(ins) => insert(st, ins, params, interrupt),
        Stmt::Update(up) => update(st, up, params, interrupt),
        Stmt::Delete(del) => delete(st, del, params, interrupt),
        Stmt::Reindex(name) => {
            // Indexes are kept exact on every write, so there is nothing to
            // rebuild; the name must still denote something.
            if let Some(n) = name {
                let k = catalog::key(&n.name);
                let known = st
                    .binder()
                    .find_table(n.schema.as_deref(), &n.name)
                    .is_some()
                    || st.schema.indexes.contains_key(&k)
                    || st.temp_schema.indexes.contains_key(&k)
                    || (n.schema.is_none()
                        && crate::encoding::Collation::from_name(&n.name).is_some());
                if !known {
                    return Err(err!(
                        NotFound,
                        "unable to identify the object to be reindexed: {}",
                        n.name
                    ));
                }
            }
            Ok(Outcome { rows: None })
        }
        Stmt::AlterTable(at) => {
            alter_table(st, at, text)?;
            Ok(Outcome { rows: None })
        }
        Stmt::Analyze(_) | Stmt::Vacuum => Ok(Outcome { rows: None }),
        Stmt::CreateSchema {
            name,
            if_not_exists,
        } => {
            create_schema(st, name, *if_not_exists)?;
            Ok(Outcome { rows: None })
        }
        Stmt::DropSchema {
            name,
            if_exists,
            cascade,
        } => {
            drop_schema(st, name, *if_exists, *cascade)?;
            Ok(Outcome { rows: None })
        }
        _ => Err(err!(
            Internal,
            "unexpected statement: {}",
            text.chars().take(80).collect::<String>()
        )),
    }
}

/// Objects of a schema made by CREATE SCHEMA live in the main file as
/// `schema.name`: rewrites a DDL statement's names to that form (None when
/// nothing names such a schema).
fn localize(st: &State, stmt: &Stmt) -> Result<Option<Stmt>> {
    fn fix(st: &State, qn: &mut ast::QualifiedName) -> Result<Option<String>> {
        let Some(s) = qn.schema.as_deref().map(str::to_ascii_lowercase) else {
            return Ok(None);
        };
        if matches!(s.as_str(), "main" | "root" | "temp") {
            return Ok(None);
        }
        if !st.schema.named.contains(&s) {
            return Err(err!(NotFound, "unknown schema {s} at {}", qn.pos));
        }
        qn.name = format!("{s}.{}", qn.name);
        qn.schema = None;
        Ok(Some(s))
    }
    let mut out = stmt.clone();
    let changed = match &mut out {
        Stmt::CreateTable(ct) => fix(st, &mut ct.name)?.is_some(),
        Stmt::CreateIndex(ci) => match fix(st, &mut ci.name)? {
            Some(s) => {
                ci.table = format!("{s}.{}", ci.table);
                true
            }
            None => false,
        },
        Stmt::CreateView(cv) => fix(st, &mut cv.name)?.is_some(),
        Stmt::CreateTrigger(ct) => {
            let a = fix(st, &mut ct.name)?;
            let b = fix(st, &mut ct.table)?;
            a.is_some() || b.is_some()
        }
        Stmt::Drop { name, .. } => fix(st, name)?.is_some(),
        Stmt::AlterTable(at) => fix(st, &mut at.table)?.is_some(),
        _ => false,
    };
    Ok(changed.then_some(out))
}

fn create_schema(st: &mut State, name: &str, if_not_exists: bool) -> Result<()> {
    let k = name.to_ascii_lowercase();
    if matches!(k.as_str(), "main" | "root" | "temp") || st.schema.named.contains(&k) {
        if if_not_exists {
            return Ok(());
        }
        return Err(err!(Constraint, "schema {name} already exists"));
    }
    catalog_put(
        st,
        Store::Main,
        "schema",
        &format!("\u{2}schema:{k}"),
        &k,
        0,
        "",
    )?;
    st.schema_gen = next_schema_gen();
    Arc::make_mut(&mut st.schema).named.insert(k);
    Ok(())
}

fn drop_schema(st: &mut State, name: &str, if_exists: bool, cascade: bool) -> Result<()> {
    let k = name.to_ascii_lowercase();
    if !st.schema.named.contains(&k) {
        if if_exists {
            return Ok(());
        }
        return Err(err!(NotFound, "no such schema: {name}"));
    }
    let prefix = format!("{k}.");
    let tables: Vec<String> = st
        .schema
        .tables
        .keys()
        .filter(|n| n.starts_with(&prefix))
        .cloned()
        .collect();
    let views: Vec<String> = st
        .schema
        .views
        .keys()
        .filter(|n| n.starts_with(&prefix))
        .cloned()
        .collect();
    if !cascade && (!tables.is_empty() || !views.is_empty()) {
        return Err(err!(
            Constraint,
            "schema {name} is not empty (use DROP SCHEMA {name} CASCADE)"
        ));
    }
    let qn = |n: &str| ast::QualifiedName {
        schema: None,
        name: n.to_string(),
        pos: ast::Pos::default(),
    };
    for v in views {
        drop_object(st, ast::ObjectKind::View, true, &qn(&v))?;
    }
    for t in tables {
        drop_object(st, ast::ObjectKind::Table, true, &qn(&t))?;
    }
    catalog_delete(st, Store::Main, &format!("\u{2}schema:{k}"))?;
    st.schema_gen = next_schema_gen();
    Arc::make_mut(&mut st.schema).named.remove(&k);
    Ok(())
}

fn store_of(temp: bool, schema: Option<&str>) -> Result<Store> {
    match schema.map(str::to_ascii_lowercase).as_deref() {
        _ if temp => Ok(Store::Temp),
        None | Some("main") | Some("root") => Ok(Store::Main),
        Some("temp") => Ok(Store::Temp),
        Some(s) => Err(err!(NotFound, "unknown database {s}")),
    }
}

fn schema_of(st: &State, store: Store) -> &Schema {
    match store {
        Store::Main => &st.schema,
        Store::Temp => &st.temp_schema,
    }
}

fn schema_mut(st: &mut State, store: Store) -> &mut Schema {
    st.schema_gen = next_schema_gen();
    match store {
        Store::Main => Arc::make_mut(&mut st.schema),
        Store::Temp => Arc::make_mut(&mut st.temp_schema),
    }
}

fn pager_of(st: &mut State, store: Store) -> &mut Pager {
    match store {
        Store::Main => &mut st.main,
        Store::Temp => &mut st.temp,
    }
}

/// Visits every entry of `tree` in key order, `batch` entries at a time,
/// so that a statement over a whole table holds one batch in memory, not
/// the table. `read` turns each entry (key, value) into an item while a
/// range is open; `write` then takes the batch's items with the range
/// closed, free to change the pager. The next batch starts after the last
/// key read, on a fresh range: one kept open across the writes would have
/// to find its place again after every one.
fn in_batches<C, T>(
    cx: &mut C,
    pager: impl for<'a> Fn(&'a mut C) -> &'a mut Pager,
    tree: BTree,
    batch: usize,
    mut read: impl FnMut(&mut C, &[u8], &[u8]) -> Result<T>,
    mut write: impl FnMut(&mut C, Vec<T>) -> Result<()>,
) -> Result<()> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let lower = match &after {
            Some(k) => Bound::Excluded(k.as_slice()),
            None => Bound::Unbounded,
        };
        let mut range = tree.range(lower, Bound::Unbounded, false);
        let mut items = Vec::with_capacity(batch);
        let mut last = None;
        while items.len() < batch && range.advance(pager(cx))? {
            let key = range.key().to_vec();
            let value = range.value(pager(cx))?;
            items.push(read(cx, &key, value)?);
            last = Some(key);
        }
        drop(range);
        let full = items.len() == batch;
        write(cx, items)?;
        match last {
            Some(k) if full => after = Some(k),
            _ => return Ok(()),
        }
    }
}

// ------------------------------------------------------------ catalog I/O

fn catalog_tree(pager: &mut Pager) -> Result<BTree> {
    let root = pager.header().catalog_root;
    if root != 0 {
        return Ok(BTree::open(root));
    }
    let t = BTree::create(pager)?;
    let r = t.root();
    pager.update_header(|h| h.catalog_root = r)?;
    Ok(t)
}

/// The CREATE text as SQLite keeps it in `sqlite_schema.sql`: the words
/// before the object's name become `CREATE [UNIQUE] TABLE|INDEX|VIEW|TRIGGER`
/// (TEMP, IF NOT EXISTS and a main/temp qualifier dropped); from the name
/// on, the text stays as written. A CREATE SCHEMA schema's qualifier stays:
/// it is part of the stored name.
fn stored_create_sql(text: &str) -> String {
    use crate::sql::lexer::{Keyword, Lexer, TokenKind, ident_value};
    let mut lx = Lexer::new(text);
    let mut unique = false;
    let kind = loop {
        let t = lx.next_token();
        match t.kind {
            TokenKind::Keyword(Keyword::Unique) => unique = true,
            TokenKind::Keyword(
                k @ (Keyword::Table | Keyword::Index | Keyword::View | Keyword::Trigger),
            ) => break k,
            TokenKind::Eof | TokenKind::Error(_) => return text.to_string(),
            _ => {}
        }
    };
    let mut name = lx.next_token();
    if name.is_kw(Keyword::If) {
        lx.next_token();
        lx.next_token();
        name = lx.next_token();
    }
    let dot = lx.next_token();
    if dot.kind == TokenKind::Dot
        && ["main", "temp", "root"]
            .iter()
            .any(|s| ident_value(name.text(text)).eq_ignore_ascii_case(s))
    {
        name = lx.next_token();
    }
    let rest = text.get(name.start..).unwrap_or("");
    let unique = if unique { "UNIQUE " } else { "" };
    format!("CREATE {unique}{} {rest}", kind.as_str())
}

fn catalog_put(
    st: &mut State,
    store: Store,
    ty: &str,
    name: &str,
    tbl: &str,
    root: u32,
    sql: &str,
) -> Result<()> {
    let schema = schema_mut(st, store);
    let next = schema.order.values().copied().max().unwrap_or(0) + 1;
    let seq = *schema.order.entry(catalog::key(name)).or_insert(next);
    let pager = pager_of(st, store);
    let tree = catalog_tree(pager)?;
    let mut rec = Vec::new();
    encode_record(
        &mut rec,
        &[
            ValueRef::Text(ty),
            ValueRef::Text(name),
            ValueRef::Text(tbl),
            ValueRef::Integer(i64::from(root)),
            ValueRef::Text(sql),
            ValueRef::Integer(seq),
        ],
    );
    tree.insert(pager, catalog::key(name).as_bytes(), &rec)?;
    Ok(())
}

/// Stores an AUTOINCREMENT high-water mark (an i64, so not through the
/// u32 `root` of `catalog_put`).
fn put_sequence(st: &mut State, store: Store, key: &str, table: &str, value: i64) -> Result<()> {
    let pager = pager_of(st, store);
    let tree = catalog_tree(pager)?;
    let mut rec = Vec::new();
    encode_record(
        &mut rec,
        &[
            ValueRef::Text("sequence"),
            ValueRef::Text(key),
            ValueRef::Text(table),
            ValueRef::Integer(value),
            ValueRef::Text(""),
        ],
    );
    tree.insert(pager, catalog::key(key).as_bytes(), &rec)?;
    Ok(())
}

fn catalog_delete(st: &mut State, store: Store, name: &str) -> Result<()> {
    schema_mut(st, store).order.remove(&catalog::key(name));
    let pager = pager_of(st, store);
    let tree = catalog_tree(pager)?;
    tree.delete(pager, catalog::key(name).as_bytes())?;
    Ok(())
}

fn load_schema(pager: &mut Pager, store: Store) -> Result<Schema> {
    let mut schema = Schema::default();
    let root = pager.header().catalog_root;
    if root == 0 {
        return Ok(schema);
    }
    let tree = BTree::open(root);
    let entries = tree
        .range(Bound::Unbounded, Bound::Unbounded, false)
        .collect(pager)?;
    let mut later = Vec::new();
    for (_, v) in &entries {
        let rec = Record::parse(v)?;
        let vals = rec.to_values()?;
        let text = |i: usize| match vals.get(i) {
            Some(Value::Text(s)) => s.clone(),
            _ => String::new(),
        };
        let ty = text(0);
        let name = text(1);
        let tbl = text(2);
        let root_i64 = match vals.get(3) {
            Some(Value::Integer(i)) => *i,
            _ => 0,
        };
        let root = u32::try_from(root_i64).unwrap_or(0);
        let sql = text(4);
        if let Some(Value::Integer(seq)) = vals.get(5) {
            schema.order.insert(catalog::key(&name), *seq);
        }
        let ctx = |e: Error| e.context(format!("load catalog entry {name}"));
        match ty.as_str() {
            "table" => {
                let parsed = parser::parse(&sql).map_err(ctx)?;
                let Some(Stmt::CreateTable(ct)) = parsed.into_iter().next().map(|p| p.stmt) else {
                    return Err(err!(Corrupt, "catalog entry {name}: not a CREATE TABLE"));
                };
                let (mut t, _) = catalog::table_from_ast(&ct, store, root, &sql).map_err(ctx)?;
                // The catalog's name is the qualified one for CREATE SCHEMA
                // schemas (`s.t`).
                t.name = name.clone();
                schema.tables.insert(catalog::key(&name), Arc::new(t));
            }
            "sequence" => {
                schema.sequences.insert(catalog::key(&tbl), root_i64);
            }
            "schema" => {
                schema.named.insert(tbl.to_ascii_lowercase());
            }
            _ => later.push((ty, name, tbl, root, sql)),
        }
    }
    for (ty, name, tbl, root, sql) in later {
        let ctx = |e: Error| e.context(format!("load catalog entry {name}"));
        match ty.as_str() {
            "index" => {
                let table = schema
                    .tables
                    .get(&catalog::key(&tbl))
                    .cloned()
                    .ok_or_else(|| err!(Corrupt, "index {name}: no table {tbl}"))?;
                let idx = if sql.is_empty() {
                    // An automatic index: rebuild from the table definition.
                    let parsed = parser::parse(&table.sql).map_err(ctx)?;
                    let Some(Stmt::CreateTable(mut ct)) = parsed.into_iter().next().map(|p| p.stmt)
                    else {
                        return Err(err!(Corrupt, "table {tbl}: not a CREATE TABLE"));
                    };
                    ct.name.name = table.name.clone();
                    ct.name.schema = None;
                    let (_, autos) = catalog::table_from_ast(&ct, store, table.root, &table.sql)?;
                    let mut ix = autos
                        .into_iter()
                        .find(|i| i.name.eq_ignore_ascii_case(&name))
                        .ok_or_else(|| err!(Corrupt, "automatic index {name} not found"))?;
                    ix.root = root;
                    ix
                } else {
                    let parsed = parser::parse(&sql).map_err(ctx)?;
                    let Some(Stmt::CreateIndex(ci)) = parsed.into_iter().next().map(|p| p.stmt)
                    else {
                        return Err(err!(Corrupt, "catalog entry {name}: not a CREATE INDEX"));
                    };
                    let mut ix = index_def(&table, &ci, root, &sql)?;
                    ix.name = name.clone();
                    ix
                };
                schema.indexes.insert(catalog::key(&name), Arc::new(idx));
            }
            "view" => {
                let parsed = parser::parse(&sql).map_err(ctx)?;
                let Some(Stmt::CreateView(cv)) = parsed.into_iter().next().map(|p| p.stmt) else {
                    return Err(err!(Corrupt, "catalog entry {name}: not a CREATE VIEW"));
                };
                schema.views.insert(
                    catalog::key(&name),
                    Arc::new(catalog::View {
                        name: name.clone(),
                        store,
                        columns: cv.columns.clone(),
                        select: *cv.select,
                        sql,
                    }),
                );
            }
            "trigger" => {
                let parsed = parser::parse(&sql).map_err(ctx)?;
                let Some(Stmt::CreateTrigger(ct)) = parsed.into_iter().next().map(|p| p.stmt)
                else {
                    return Err(err!(Corrupt, "catalog entry {name}: not a CREATE TRIGGER"));
                };
                schema.triggers.insert(
                    catalog::key(&name),
                    Arc::new(catalog::Trigger {
                        name: name.clone(),
                        store,
                        table: tbl,
                        def: *ct,
                        sql,
                    }),
                );
            }
            other => return Err(err!(Corrupt, "catalog entry {name}: unknown type {other}")),
        }
    }
    Ok(schema)
}

fn index_def(table: &Table, ci: &ast::CreateIndex, root: u32, sql: &str) -> Result<Index> {
    Ok(Index {
        name: ci.name.name.clone(),
        table: table.name.clone(),
        store: table.store,
        columns: catalog::index_columns(table, &ci.columns)?,
        unique: ci.unique,
        where_: ci.where_.clone(),
        root,
        auto: false,
        origin: IndexOrigin::CreateIndex,
        conflict: None,
        sql: sql.to_string(),
    })
}

// ------------------------------------------------------------ DDL

fn create_table(
    st: &mut State,
    ct: &ast::CreateTable,
    text: &str,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<()> {
    let store = store_of(ct.temp, ct.name.schema.as_deref())?;
    let name = &ct.name.name;
    if name.to_ascii_lowercase().starts_with("sqlite_") {
        return Err(err!(
            InvalidArgument,
            "object name reserved for internal use: {name}"
        ));
    }
    if schema_of(st, store).contains(name) {
        if ct.if_not_exists
            && schema_of(st, store)
                .tables
                .contains_key(&catalog::key(name))
        {
            return Ok(());
        }
        let what = if schema_of(st, store)
            .tables
            .contains_key(&catalog::key(name))
        {
            "table"
        } else if schema_of(st, store).views.contains_key(&catalog::key(name)) {
            "view"
        } else {
            "object"
        };
        if ct.if_not_exists {
            return Ok(());
        }
        return Err(err!(Constraint, "{what} {name} already exists"));
    }
    // CREATE TABLE ... AS SELECT: columns from the query, then its rows.
    let (ct_owned, as_rows);
    let ct = if let ast::TableBody::AsSelect(sel) = &ct.body {
        let mut planned = st.binder().plan_select(sel)?;
        let mut rows = Vec::new();
        {
            let mut cx = st.cx(params, interrupt);
            planned.op.rewind(&mut cx)?;
            while let Some(r) = planned.op.next(&mut cx)? {
                rows.push(r);
            }
        }
        let columns = planned
            .names
            .iter()
            .zip(&planned.affinities)
            .map(|(n, a)| ast::ColumnDef {
                name: n.clone(),
                type_name: match a {
                    Some(Affinity::Integer) => Some("INT".into()),
                    Some(Affinity::Real) => Some("REAL".into()),
                    Some(Affinity::Text) => Some("TEXT".into()),
                    Some(Affinity::Numeric) => Some("NUM".into()),
                    _ => None,
                },
                constraints: Vec::new(),
                pos: ast::Pos::default(),
            })
            .collect();
        ct_owned = ast::CreateTable {
            temp: ct.temp,
            if_not_exists: ct.if_not_exists,
            name: ct.name.clone(),
            body: ast::TableBody::Columns {
                columns,
                constraints: Vec::new(),
                strict: false,
                without_rowid: false,
            },
        };
        as_rows = Some(rows);
        &ct_owned
    } else {
        as_rows = None;
        ct
    };
    let sql = if as_rows.is_some() {
        create_as_sql(ct)
    } else {
        text.to_string()
    };
    let pager = pager_of(st, store);
    let tree = BTree::create(pager)?;
    let (table, autos) = catalog::table_from_ast(ct, store, tree.root(), &sql)?;
    catalog_put(st, store, "table", name, name, tree.root(), &sql)?;
    let table = Arc::new(table);
    schema_mut(st, store)
        .tables
        .insert(catalog::key(name), table.clone());
    if table.autoincrement {
        ensure_sequence_table(st, store)?;
    }
    for mut ix in autos {
        let t = BTree::create(pager_of(st, store))?;
        ix.root = t.root();
        catalog_put(st, store, "index", &ix.name.clone(), name, ix.root, "")?;
        schema_mut(st, store)
            .indexes
            .insert(catalog::key(&ix.name), Arc::new(ix));
    }
    if let Some(rows) = as_rows {
        let indexes = schema_of(st, store).indexes_of(name);
        let mut cx = st.cx(params, interrupt);
        for r in rows {
            let mut vals = r;
            vals.resize(table.columns.len(), Value::Null);
            let mut w = Writer {
                table: &table,
                indexes: &indexes,
                checks: Vec::new(),
                generated: Vec::new(),
                defaults: Vec::new(),
                stated: false,
                max_rowid: None,
            };
            w.insert(&mut cx, vals, None, Conflict::Abort)?;
        }
    }
    Ok(())
}

/// The CREATE TABLE text SQLite stores for CREATE TABLE ... AS SELECT
/// (its `createTableStmt`: one line while short, else a column per line).
fn create_as_sql(ct: &ast::CreateTable) -> String {
    let ast::TableBody::Columns { columns, .. } = &ct.body else {
        return format!("{}", Stmt::CreateTable(Box::new(ct.clone())));
    };
    let ident = |s: &str| {
        if crate::sql::display::is_plain_ident(s) {
            s.to_string()
        } else {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
    };
    // SQLite's identLength: the name, a quote per quote, two quotes.
    let len = |s: &str| s.chars().count() + s.matches('"').count() + 2;
    let n = columns.iter().map(|c| len(&c.name) + 5).sum::<usize>() + len(&ct.name.name);
    let (sep, end) = if n < 50 { (",", ")") } else { (",\n  ", "\n)") };
    let cols: Vec<String> = columns
        .iter()
        .map(|c| match &c.type_name {
            Some(t) => format!("{} {t}", ident(&c.name)),
            None => ident(&c.name),
        })
        .collect();
    let open = if n < 50 { "(" } else { "(\n  " };
    format!(
        "CREATE TABLE {}{open}{}{end}",
        ident(&ct.name.name),
        cols.join(sep)
    )
}

fn create_index(
    st: &mut State,
    ci: &ast::CreateIndex,
    text: &str,
    interrupt: &AtomicBool,
) -> Result<()> {
    let table = st.binder().table(&ast::QualifiedName {
        schema: ci.name.schema.clone(),
        name: ci.table.clone(),
        pos: ci.name.pos,
    })?;
    let store = table.store;
    if table.name.eq_ignore_ascii_case(catalog::SEQUENCE_TABLE) {
        return Err(err!(
            InvalidArgument,
            "table sqlite_sequence may not be indexed"
        ));
    }
    if schema_of(st, store).contains(&ci.name.name) {
        if ci.if_not_exists {
            return Ok(());
        }
        return Err(err!(Constraint, "index {} already exists", ci.name.name));
    }
    let tree = BTree::create(pager_of(st, store))?;
    let ix = Arc::new(index_def(&table, ci, tree.root(), text)?);
    // Fill it from the table's rows, a batch at a time: the table may be
    // far larger than memory.
    {
        let mut cx = st.cx(&[], interrupt);
        let w = Writer {
            table: &table,
            indexes: core::slice::from_ref(&ix),
            checks: Vec::new(),
            generated: Vec::new(),
            defaults: Vec::new(),
            stated: false,
            max_rowid: None,
        };
        let width = table.columns.len() + 1;
        in_batches(
            &mut cx,
            |cx| cx.pager(store),
            BTree::open(table.root),
            1024,
            |cx, key, v| {
                cx.tick()?;
                let rowid = rowid_from_key(key, &table.name)?;
                let mut row = vec![Value::Null; width];
                decode_row(&table, rowid, v, &mut row)?;
                Ok((rowid, row))
            },
            |cx, rows| {
                for (rowid, row) in rows {
                    w.index_insert(cx, &ix, &row, rowid, Conflict::Abort)?;
                }
                Ok(())
            },
        )?;
    }
    catalog_put(
        st,
        store,
        "index",
        &ci.name.name,
        &table.name,
        tree.root(),
        text,
    )?;
    schema_mut(st, store)
        .indexes
        .insert(catalog::key(&ci.name.name), ix);
    Ok(())
}

fn drop_object(
    st: &mut State,
    kind: ast::ObjectKind,
    if_exists: bool,
    name: &ast::QualifiedName,
) -> Result<()> {
    let k = catalog::key(&name.name);
    let stores: Vec<Store> = match name.schema.as_deref() {
        Some(s) => vec![store_of(false, Some(s))?],
        None => vec![Store::Temp, Store::Main],
    };
    let what = match kind {
        ast::ObjectKind::Table => "table",
        ast::ObjectKind::Index => "index",
        ast::ObjectKind::View => "view",
        ast::ObjectKind::Trigger => "trigger",
    };
    for store in stores {
        let s = schema_of(st, store);
        let found = match kind {
            ast::ObjectKind::Table => s.tables.contains_key(&k),
            ast::ObjectKind::Index => s.indexes.contains_key(&k),
            ast::ObjectKind::View => s.views.contains_key(&k),
            ast::ObjectKind::Trigger => s.triggers.contains_key(&k),
        };
        if !found {
            continue;
        }
        match kind {
            ast::ObjectKind::Table => {
                let t = s
                    .tables
                    .get(&k)
                    .cloned()
                    .ok_or_else(|| Error::internal("table"))?;
                if k == catalog::SEQUENCE_TABLE {
                    return Err(err!(
                        InvalidArgument,
                        "table sqlite_sequence may not be dropped"
                    ));
                }
                if t.autoincrement && s.tables.contains_key(catalog::SEQUENCE_TABLE) {
                    let sql = format!("DELETE FROM {} WHERE name = ?1", sequence_table(store));
                    exec_quiet(
                        st,
                        &sql,
                        &[Value::Text(t.name.clone())],
                        &AtomicBool::new(false),
                    )?;
                }
                for ix in schema_of(st, store).indexes_of(&t.name) {
                    BTree::open(ix.root).destroy(pager_of(st, store))?;
                    catalog_delete(st, store, &ix.name)?;
                    schema_mut(st, store)
                        .indexes
                        .remove(&catalog::key(&ix.name));
                }
                for tr in schema_of(st, store).triggers_of(&t.name) {
                    catalog_delete(st, store, &tr.name)?;
                    schema_mut(st, store)
                        .triggers
                        .remove(&catalog::key(&tr.name));
                }
                BTree::open(t.root).destroy(pager_of(st, store))?;
                catalog_delete(st, store, &t.name)?;
                schema_mut(st, store).tables.remove(&k);
                if schema_mut(st, store).sequences.remove(&k).is_some() {
                    catalog_delete(st, store, &alloc::format!("\u{1}seq:{k}"))?;
                }
            }
            ast::ObjectKind::Index => {
                let ix = s
                    .indexes
                    .get(&k)
                    .cloned()
                    .ok_or_else(|| Error::internal("index"))?;
                if ix.auto {
                    return Err(err!(
                        InvalidArgument,
                        "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"
                    ));
                }
                BTree::open(ix.root).destroy(pager_of(st, store))?;
                catalog_delete(st, store, &ix.name)?;
                schema_mut(st, store).indexes.remove(&k);
            }
            ast::ObjectKind::View => {
                catalog_delete(st, store, &name.name)?;
                schema_mut(st, store).views.remove(&k);
            }
            ast::ObjectKind::Trigger => {
                catalog_delete(st, store, &name.name)?;
                schema_mut(st, store).triggers.remove(&k);
            }
        }
        return Ok(());
    }
    if if_exists {
        return Ok(());
    }
    Err(err!(
        NotFound,
        "no such {what}: {}",
        crate::sql::plan::display_name(name)
    ))
}

fn alter_table(st: &mut State, at: &ast::AlterTable, text: &str) -> Result<()> {
    let table = st.binder().table(&at.table)?;
    let store = table.store;
    let parsed = parser::parse(&table.sql)?;
    let Some(Stmt::CreateTable(mut ct)) = parsed.into_iter().next().map(|p| p.stmt) else {
        return Err(err!(
            Corrupt,
            "table {}: stored SQL is not CREATE TABLE",
            table.name
        ));
    };
    ct.name.name = table.name.clone();
    ct.name.schema = None;
    let ast::TableBody::Columns { columns, .. } = &mut ct.body else {
        return Err(err!(Internal, "table body"));
    };
    match &at.action {
        ast::AlterAction::AddColumn(cd) => {
            if table.column(&cd.name).is_some() {
                return Err(err!(Constraint, "duplicate column name: {}", cd.name));
            }
            for c in &cd.constraints {
                match &c.kind {
                    ast::ColumnConstraintKind::PrimaryKey { .. } => {
                        return Err(err!(InvalidArgument, "Cannot add a PRIMARY KEY column"));
                    }
                    ast::ColumnConstraintKind::Unique { .. } => {
                        return Err(err!(InvalidArgument, "Cannot add a UNIQUE column"));
                    }
                    ast::ColumnConstraintKind::NotNull { .. }
                        if !cd
                            .constraints
                            .iter()
                            .any(|c| matches!(c.kind, ast::ColumnConstraintKind::Default(_))) =>
                    {
                        return Err(err!(
                            InvalidArgument,
                            "Cannot add a NOT NULL column with default value NULL"
                        ));
                    }
                    _ => {}
                }
            }
            columns.push(cd.clone());
        }
        ast::AlterAction::RenameColumn { old, new } => {
            if table.column(old).is_none() {
                return Err(err!(NotFound, "no such column: \"{old}\""));
            }
            if table.column(new).is_some() {
                return Err(err!(
                    Constraint,
                    "error in table {} after rename: duplicate column name: {new}",
                    table.name
                ));
            }
            return rename_in_schema(
                st,
                &table,
                rename::Change::Column {
                    old: old.as_str(),
                    new: new.as_str(),
                },
            )
            .map_err(|e| e.context(format!("ALTER TABLE {} RENAME COLUMN", table.name)));
        }
        ast::AlterAction::DropColumn(name) => {
            let ci = table
                .column(name)
                .ok_or_else(|| err!(NotFound, "no such column: \"{name}\""))?;
            let c = &table.columns[ci];
            // SQLite's messages.
            let unique = schema_of(st, store)
                .indexes_of(&table.name)
                .into_iter()
                .find(|ix| ix.columns.iter().any(|k| k.column == Some(ci)));
            let msg = if c.primary_key {
                Some(format!("cannot drop PRIMARY KEY column: \"{name}\""))
            } else if let Some(ix) = unique {
                Some(if ix.auto {
                    format!("cannot drop UNIQUE column: \"{name}\"")
                } else {
                    format!(
                        "error in index {} after drop column: no such column: {name}",
                        ix.name
                    )
                })
            } else if table.columns.len() == 1 {
                Some(format!(
                    "cannot drop column \"{name}\": no other columns exist"
                ))
            } else {
                None
            };
            if let Some(msg) = msg {
                return Err(err!(InvalidArgument, "{msg}"));
            }
            columns.remove(ci);
            // Rewrite every row without the column, a batch at a time: the
            // table may be far larger than memory.
            let tree = BTree::open(table.root);
            in_batches(
                st,
                |st| pager_of(st, store),
                tree,
                256,
                |_, k, v| Ok((k.to_vec(), v.to_vec())),
                |st, batch| {
                    for (k, v) in batch {
                        let rec = Record::parse(&v)?;
                        let mut vals = rec.to_values()?;
                        if ci < vals.len() {
                            vals.remove(ci);
                        }
                        let refs: Vec<ValueRef<'_>> = vals.iter().map(Value::as_ref).collect();
                        let mut out = Vec::new();
                        encode_record(&mut out, &refs);
                        tree.insert(pager_of(st, store), &k, &out)?;
                    }
                    Ok(())
                },
            )?;
        }
        ast::AlterAction::RenameTo(new) => {
            if schema_of(st, store).contains(new) {
                return Err(err!(
                    Constraint,
                    "there is already another table or index with this name: {new}"
                ));
            }
            return rename_in_schema(st, &table, rename::Change::Table { new: new.as_str() })
                .map_err(|e| e.context(format!("ALTER TABLE {} RENAME TO", table.name)));
        }
    }
    let printed = format!("{}", Stmt::CreateTable(ct.clone()));
    // ADD COLUMN appends the column's text as written and DROP COLUMN cuts
    // it out, as SQLite does, when that reads back as the same table.
    let edited = match &at.action {
        ast::AlterAction::AddColumn(_) => add_column_text(&table.sql, text),
        ast::AlterAction::DropColumn(name) => drop_column_text(&table.sql, name),
        _ => None,
    };
    let sql = match edited {
        Some(edited) => Some(edited)
            .filter(|edited| {
                parser::parse(edited)
                    .ok()
                    .and_then(|p| p.into_iter().next())
                    .is_some_and(|p| {
                        let mut st2 = p.stmt;
                        if let Stmt::CreateTable(c) = &mut st2 {
                            c.name = ct.name.clone();
                        }
                        st2.to_string() == printed
                    })
            })
            .unwrap_or(printed),
        None => printed,
    };
    let (t, _) = catalog::table_from_ast(&ct, store, table.root, &sql)?;
    catalog_put(
        st,
        store,
        "table",
        &table.name,
        &table.name,
        table.root,
        &sql,
    )?;
    schema_mut(st, store)
        .tables
        .insert(catalog::key(&table.name), Arc::new(t));
    Ok(())
}

/// `create` with the column definition of `alter` (`ALTER TABLE t ADD
/// [COLUMN] def`) inserted as `, def` before the `)` that closes its
/// definitions.
fn add_column_text(create: &str, alter: &str) -> Option<String> {
    use crate::sql::lexer::{Keyword, Lexer, TokenKind};
    let mut lx = Lexer::new(alter);
    let def_start = loop {
        let t = lx.next_token();
        match t.kind {
            TokenKind::Keyword(Keyword::Add) => {
                let n = lx.next_token();
                break if n.is_kw(Keyword::Column) {
                    lx.next_token().start
                } else {
                    n.start
                };
            }
            TokenKind::Eof | TokenKind::Error(_) => return None,
            _ => {}
        }
    };
    let def = alter
        .get(def_start..)?
        .trim_end()
        .trim_end_matches(';')
        .trim_end();
    let mut lx = Lexer::new(create);
    let mut depth = 0usize;
    let close = loop {
        let t = lx.next_token();
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen if depth == 1 => break t.start,
            TokenKind::RParen => depth = depth.saturating_sub(1),
            TokenKind::Eof | TokenKind::Error(_) => return None,
            _ => {}
        }
    };
    Some(format!("{}, {def}{}", &create[..close], &create[close..]))
}

/// `create` without the definition of column `name`, cut out of the text as
/// SQLite does: from the definition to the start of the next one, or, for
/// the last, from the end of the one before it.
fn drop_column_text(create: &str, name: &str) -> Option<String> {
    use crate::sql::lexer::{Lexer, TokenKind, ident_value};
    let mut lx = Lexer::new(create);
    let mut depth = 0usize;
    // Per top-level definition: where its first token starts, where its
    // last token ends, and its first token's text.
    let mut defs: Vec<(usize, usize, &str)> = Vec::new();
    let mut cur: Option<(usize, usize, &str)> = None;
    loop {
        let t = lx.next_token();
        match t.kind {
            TokenKind::Eof | TokenKind::Error(_) => return None,
            TokenKind::LParen if depth == 0 => {
                depth = 1;
                continue;
            }
            _ if depth == 0 => continue,
            TokenKind::RParen if depth == 1 => {
                defs.extend(cur.take());
                break;
            }
            TokenKind::Comma if depth == 1 => {
                defs.push(cur.take()?);
                continue;
            }
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            _ => {}
        }
        match &mut cur {
            None => cur = Some((t.start, t.end, t.text(create))),
            Some(c) => c.1 = t.end,
        }
    }
    let k = defs
        .iter()
        .position(|d| ident_value(d.2).eq_ignore_ascii_case(name))?;
    let (from, to) = match (defs.get(k + 1), k.checked_sub(1).map(|j| defs[j])) {
        (Some(next), _) => (defs[k].0, next.0),
        (None, Some(prev)) => (prev.1, defs[k].1),
        (None, None) => return None,
    };
    Some(format!("{}{}", &create[..from], &create[to..]))
}

/// Rewrites every stored object that names the renamed table or column
/// (the table itself, other tables' foreign keys, indexes, views, triggers,
/// in both schemas) and reloads the catalog from the new text.
fn rename_in_schema(st: &mut State, table: &Table, change: rename::Change<'_>) -> Result<()> {
    let store = table.store;
    let cols: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let mut entries = Vec::new();
    for s in [Store::Main, Store::Temp] {
        if store == Store::Temp && s == Store::Main {
            continue;
        }
        let sc = schema_of(st, s);
        for t in sc.tables.values() {
            entries.push((
                s,
                "table",
                t.name.clone(),
                t.name.clone(),
                t.root,
                t.sql.clone(),
            ));
        }
        for ix in sc.indexes.values().filter(|ix| !ix.auto) {
            entries.push((
                s,
                "index",
                ix.name.clone(),
                ix.table.clone(),
                ix.root,
                ix.sql.clone(),
            ));
        }
        for v in sc.views.values() {
            entries.push((s, "view", v.name.clone(), v.name.clone(), 0, v.sql.clone()));
        }
        for tr in sc.triggers.values() {
            entries.push((
                s,
                "trigger",
                tr.name.clone(),
                tr.table.clone(),
                0,
                tr.sql.clone(),
            ));
        }
    }
    let mut rewritten = Vec::new();
    {
        let columns_of = |name: &str| -> Vec<String> {
            let k = catalog::key(name);
            [&st.temp_schema, &st.schema]
                .iter()
                .find_map(|sc| {
                    sc.tables
                        .get(&k)
                        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
                        .or_else(|| sc.views.get(&k).map(|v| v.columns.clone()))
                })
                .unwrap_or_default()
        };
        let mut r = rename::Renamer::new(&table.name, cols, change, &columns_of);
        for (s, ty, name, tbl, root, sql) in entries {
            let new_sql = r
                .rewrite(&sql)
                .map_err(|e| e.context(format!("rewrite {ty} {name}")))?;
            if let Some(new_sql) = new_sql {
                rewritten.push((s, ty, name, tbl, root, new_sql));
            }
        }
    }
    let new_table = match change {
        rename::Change::Table { new } => Some(new),
        rename::Change::Column { .. } => None,
    };
    let renamed = |n: &str| match new_table {
        Some(new) if n.eq_ignore_ascii_case(&table.name) => new.to_string(),
        _ => n.to_string(),
    };
    if let Some(new) = new_table {
        // The table keeps its place in creation order and its sequence.
        let sc = schema_mut(st, store);
        let seq = sc.order.get(&catalog::key(&table.name)).copied();
        catalog_delete(st, store, &table.name)?;
        if let Some(seq) = seq {
            schema_mut(st, store).order.insert(catalog::key(new), seq);
        }
        if let Some(v) = schema_mut(st, store)
            .sequences
            .remove(&catalog::key(&table.name))
        {
            catalog_delete(
                st,
                store,
                &format!("\u{1}seq:{}", catalog::key(&table.name)),
            )?;
            put_sequence(
                st,
                store,
                &format!("\u{1}seq:{}", catalog::key(new)),
                new,
                v,
            )?;
        }
        if table.autoincrement
            && schema_of(st, store)
                .tables
                .contains_key(catalog::SEQUENCE_TABLE)
        {
            let sql = format!(
                "UPDATE {} SET name = ?2 WHERE name = ?1",
                sequence_table(store)
            );
            let names = [
                Value::Text(table.name.clone()),
                Value::Text(new.to_string()),
            ];
            exec_quiet(st, &sql, &names, &AtomicBool::new(false))?;
        }
        if !rewritten
            .iter()
            .any(|e| e.1 == "table" && e.2 == table.name)
        {
            rewritten.push((
                store,
                "table",
                table.name.clone(),
                table.name.clone(),
                table.root,
                table.sql.clone(),
            ));
        }
        // Automatic indexes are named after their table
        // (`sqlite_autoindex_<table>_<n>`), as in SQLite.
        let prefix = format!("sqlite_autoindex_{}_", table.name);
        for ix in schema_of(st, store).indexes_of(&table.name) {
            if ix.auto {
                let n = ix.name.get(prefix.len()..).unwrap_or("1");
                let seq = schema_of(st, store)
                    .order
                    .get(&catalog::key(&ix.name))
                    .copied();
                catalog_delete(st, store, &ix.name)?;
                let name = format!("sqlite_autoindex_{new}_{n}");
                if let Some(seq) = seq {
                    schema_mut(st, store).order.insert(catalog::key(&name), seq);
                }
                catalog_put(st, store, "index", &name, new, ix.root, "")?;
            }
        }
    }
    for (s, ty, name, tbl, root, sql) in rewritten {
        let name = if ty == "table" { renamed(&name) } else { name };
        catalog_put(st, s, ty, &name, &renamed(&tbl), root, &sql)?;
    }
    st.reload_schema()
}

// ------------------------------------------------------------ DML

/// Writes rows of one table and keeps its indexes in step.
struct Writer<'a> {
    table: &'a Arc<Table>,
    indexes: &'a [Arc<Index>],
    checks: Vec<(String, BExpr)>,
    generated: Vec<(usize, BExpr)>,
    /// Bound column defaults, by column (missing or `None` where there is
    /// none): a NOT NULL column's is what REPLACE puts in place of a NULL.
    /// INSERT keeps all of them here and fills rows from the same ones.
    defaults: Vec<Option<BExpr>>,
    /// Whether the statement named its conflict mode (`INSERT OR ...`,
    /// `UPDATE OR ...`), which then wins over a constraint's own clause.
    stated: bool,
    /// The table's largest rowid as of a pager change token
    /// ([`crate::storage::Pager::change_token`]): a run of inserts with
    /// nothing in between takes the next rowid without a descent.
    max_rowid: Option<((u64, u64), i64)>,
}

fn constraint_name(table: &Table, ix: &Index) -> String {
    let cols: Vec<String> = ix
        .columns
        .iter()
        .map(|c| match c.column {
            Some(i) => format!("{}.{}", table.name, table.columns[i].name),
            None => format!("index '{}'", ix.name),
        })
        .collect();
    cols.join(", ")
}

impl Writer<'_> {
    fn index_values(&self, ix: &Index, row: &[Value]) -> Vec<Value> {
        ix.columns
            .iter()
            .map(|c| match c.column {
                Some(i) => row[i].clone(),
                None => Value::Null,
            })
            .collect()
    }

    /// Finds a row other than `rowid` holding the same unique key.
    fn unique_conflict(
        &self,
        cx: &mut Cx,
        ix: &Index,
        row: &[Value],
        rowid: i64,
    ) -> Result<Option<i64>> {
        if !ix.unique {
            return Ok(None);
        }
        let vals = self.index_values(ix, row);
        if vals.iter().any(Value::is_null) {
            return Ok(None);
        }
        let prefix = index_key(ix, &vals, None);
        let mut upper = prefix.clone();
        upper.extend_from_slice(&[0xFF; 12]);
        let mut range =
            BTree::open(ix.root).range(Bound::Included(&prefix), Bound::Excluded(&upper), false);
        while range.advance(cx.pager(ix.store))? {
            let other = rowid_from_key(range.key(), &ix.name)?;
            if other != rowid {
                return Ok(Some(other));
            }
        }
        Ok(None)
    }

    /// The row an insert of `vals` (with `rowid`, if given) would collide
    /// with, on the rowid or on a unique index (on exactly `target`'s
    /// columns, when given).
    fn find_conflict(
        &self,
        cx: &mut Cx,
        vals: &[Value],
        rowid: Option<i64>,
        target: Option<&[usize]>,
    ) -> Result<Option<i64>> {
        let t = self.table;
        let rowid_target =
            target.is_none_or(|cols| cols.len() == 1 && Some(cols[0]) == t.rowid_alias);
        if rowid_target
            && let Some(r) = rowid
            && BTree::open(t.root)
                .get(cx.pager(t.store), &rowid_key(r))?
                .is_some()
        {
            return Ok(Some(r));
        }
        for ix in self.indexes {
            if let Some(cols) = target {
                let ic: Vec<Option<usize>> = ix.columns.iter().map(|c| c.column).collect();
                let want: Vec<Option<usize>> = cols.iter().map(|c| Some(*c)).collect();
                if ic != want {
                    continue;
                }
            }
            if let Some(o) = self.unique_conflict(cx, ix, vals, rowid.unwrap_or(i64::MIN))? {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    fn index_insert(
        &self,
        cx: &mut Cx,
        ix: &Index,
        row: &[Value],
        rowid: i64,
        _c: Conflict,
    ) -> Result<()> {
        if let Some(_other) = self.unique_conflict(cx, ix, row, rowid)? {
            return Err(err!(
                Constraint,
                "UNIQUE constraint failed: {}",
                constraint_name(self.table, ix)
            ));
        }
        let vals = self.index_values(ix, row);
        let key = index_key(ix, &vals, Some(rowid));
        BTree::open(ix.root).insert(cx.pager(ix.store), &key, &[])?;
        Ok(())
    }

    fn index_delete(&self, cx: &mut Cx, ix: &Index, row: &[Value], rowid: i64) -> Result<()> {
        let vals = self.index_values(ix, row);
        let key = index_key(ix, &vals, Some(rowid));
        BTree::open(ix.root).delete(cx.pager(ix.store), &key)?;
        Ok(())
    }

    fn read_row(&self, cx: &mut Cx, rowid: i64) -> Result<Option<Tuple>> {
        let t = self.table;
        let mut row = vec![Value::Null; t.columns.len() + 1];
        let k = rowid_key(rowid);
        let r = BTree::open(t.root)
            .get_with(cx.pager(t.store), &k, |v| decode_row(t, rowid, v, &mut row))?;
        match r {
            Some(res) => {
                res?;
                Ok(Some(row))
            }
            None => Ok(None),
        }
    }

    fn delete_row(&self, cx: &mut Cx, rowid: i64, row: &[Value]) -> Result<()> {
        for ix in self.indexes {
            self.index_delete(cx, ix, row, rowid)?;
        }
        let t = self.table;
        BTree::open(t.root).delete(cx.pager(t.store), &rowid_key(rowid))?;
        Ok(())
    }

    /// Applies affinity, strict types, NOT NULL and CHECK to a row of
    /// column values (no rowid slot). Returns false to skip it (IGNORE).
    fn prepare_row(&mut self, cx: &mut Cx, vals: &mut Tuple, conflict: Conflict) -> Result<bool> {
        let t = self.table;
        for (i, c) in t.columns.iter().enumerate() {
            let v = core::mem::replace(&mut vals[i], Value::Null);
            vals[i] = ops::apply_affinity(v, c.affinity);
            if let Some(sty) = c.strict
                && !vals[i].is_null()
            {
                check_strict(&t.name, &c.name, sty, &vals[i])?;
            }
        }
        // Generated columns from the others.
        for (i, e) in self.generated.iter_mut() {
            let mut r = vals.clone();
            r.push(Value::Null);
            let v = e.eval(cx, &r)?;
            vals[*i] = ops::apply_affinity(v, t.columns[*i].affinity);
        }
        for (i, c) in t.columns.iter().enumerate() {
            if c.not_null && vals[i].is_null() && Some(i) != t.rowid_alias {
                // The statement's OR clause wins over the column's.
                let conflict = self.resolve(conflict, c.not_null_conflict);
                match conflict {
                    Conflict::Ignore => return Ok(false),
                    // REPLACE puts the column's default in place of the
                    // NULL; without one (or a NULL default) it aborts.
                    Conflict::Replace
                        if let Some(Some(d)) = self.defaults.get_mut(i)
                            && let v = d.eval(cx, &[])?
                            && !v.is_null() =>
                    {
                        vals[i] = ops::apply_affinity(v, c.affinity);
                    }
                    _ => {
                        return Err(err!(
                            Constraint,
                            "NOT NULL constraint failed: {}.{}",
                            t.name,
                            c.name
                        ));
                    }
                }
            }
        }
        for (name, e) in self.checks.iter_mut() {
            let mut r = vals.clone();
            r.push(Value::Null);
            let v = e.eval(cx, &r)?;
            if ops::to_bool(&v) == Some(false) {
                if conflict == Conflict::Ignore {
                    return Ok(false);
                }
                return Err(err!(Constraint, "CHECK constraint failed: {name}"));
            }
        }
        Ok(true)
    }

    /// The conflict mode for a constraint with its own ON CONFLICT clause
    /// `own`: the statement's when it named one, else the constraint's.
    fn resolve(&self, stmt: Conflict, own: Option<Conflict>) -> Conflict {
        match own {
            Some(own) if !self.stated => own,
            _ => stmt,
        }
    }

    /// Inserts a row; returns its rowid, or None when skipped.
    fn insert(
        &mut self,
        cx: &mut Cx,
        mut vals: Tuple,
        rowid: Option<i64>,
        conflict: Conflict,
    ) -> Result<Option<i64>> {
        let t = self.table.clone();
        if !self.prepare_row(cx, &mut vals, conflict)? {
            return Ok(None);
        }
        let tree = BTree::open(t.root);
        let pager = cx.pager(t.store);
        let token = pager.change_token();
        // The largest rowid before this row, when known (None: empty).
        let known_max = match self.max_rowid.take() {
            Some((at, max)) if token == Some(at) => Some(Some(max)),
            _ if rowid.is_some() => None,
            _ => {
                let mut cur = tree.cursor();
                Some(if cur.last(pager)? {
                    Some(rowid_from_key(cur.key(), &t.name)?)
                } else {
                    None
                })
            }
        };
        let rowid = match (rowid, known_max) {
            (Some(r), _) => r,
            (None, Some(Some(i64::MAX))) => {
                return Err(err!(Full, "table {}: no rowid left", t.name));
            }
            (None, Some(Some(max))) => max + 1,
            (None, _) => 1,
        };
        if let Some(a) = t.rowid_alias {
            vals[a] = Value::Integer(rowid);
        }
        let key = rowid_key(rowid);
        let rowid_taken = || {
            let col = t
                .rowid_alias
                .map_or("rowid".to_string(), |a| t.columns[a].name.clone());
            err!(Constraint, "UNIQUE constraint failed: {}.{col}", t.name)
        };
        // With no unique index to check in between, the rowid check rides
        // on the insert itself (one descent instead of two) — except for
        // REPLACE, which must first remove the row it collides with.
        let rowid_conflict = self.resolve(conflict, t.rowid_conflict);
        let fused = rowid_conflict != Conflict::Replace && self.indexes.iter().all(|ix| !ix.unique);
        if !fused && tree.get(cx.pager(t.store), &key)?.is_some() {
            match rowid_conflict {
                Conflict::Ignore => return Ok(None),
                Conflict::Replace => {
                    if let Some(old) = self.read_row(cx, rowid)? {
                        self.delete_row(cx, rowid, &old)?;
                    }
                }
                _ => return Err(rowid_taken()),
            }
        }
        for ix in self.indexes {
            if let Some(other) = self.unique_conflict(cx, ix, &vals, rowid)? {
                match self.resolve(conflict, ix.conflict) {
                    Conflict::Ignore => return Ok(None),
                    Conflict::Replace => {
                        if let Some(old) = self.read_row(cx, other)? {
                            self.delete_row(cx, other, &old)?;
                        }
                    }
                    _ => {
                        return Err(err!(
                            Constraint,
                            "UNIQUE constraint failed: {}",
                            constraint_name(&t, ix)
                        ));
                    }
                }
            }
        }
        // Index keys are made, and their size checked, before the first
        // write: a failing row then fails without having written anything
        // (which `lone_insert` relies on).
        let mut keys = Vec::with_capacity(self.indexes.len());
        for ix in self.indexes {
            let vk = self.index_values(ix, &vals);
            let k = index_key(ix, &vk, Some(rowid));
            if k.len() > crate::btree::MAX_KEY_LEN {
                return Err(err!(
                    TooBig,
                    "insert into index {}: key of {} bytes (at most {})",
                    ix.name,
                    k.len(),
                    crate::btree::MAX_KEY_LEN
                ));
            }
            keys.push(k);
        }
        let mut rec = Vec::new();
        crate::encoding::record::encode_record_of(
            &mut rec,
            vals.iter().enumerate().map(|(i, v)| {
                if Some(i) == t.rowid_alias {
                    ValueRef::Null
                } else {
                    v.as_ref()
                }
            }),
        );
        if fused {
            if !tree.insert_new(cx.pager(t.store), &key, &rec)? {
                return match rowid_conflict {
                    Conflict::Ignore => Ok(None),
                    _ => Err(rowid_taken()),
                };
            }
        } else {
            tree.insert(cx.pager(t.store), &key, &rec)?;
        }
        for (ix, k) in self.indexes.iter().zip(&keys) {
            BTree::open(ix.root).insert(cx.pager(ix.store), k, &[])?;
        }
        if let (Some(max), Some(at)) = (known_max, cx.pager(t.store).change_token()) {
            self.max_rowid = Some((at, max.map_or(rowid, |m| m.max(rowid))));
        }
        Ok(Some(rowid))
    }
}

fn check_strict(table: &str, col: &str, sty: catalog::StrictType, v: &Value) -> Result<()> {
    use catalog::StrictType as S;
    let ok = match (sty, v) {
        (S::Any, _) => true,
        (S::Integer, Value::Integer(_)) => true,
        (S::Real, Value::Real(_) | Value::Integer(_)) => true,
        (S::Text, Value::Text(_)) => true,
        (S::Blob, Value::Blob(_)) => true,
        (S::Boolean, Value::Integer(i)) => *i == 0 || *i == 1,
        (S::Json, Value::Text(s)) => {
            crate::sql::func::json::call("json_valid", &[Value::Text(s.clone())])
                .and_then(|r| r.ok())
                == Some(Value::Integer(1))
        }
        (S::Int(bits), Value::Integer(i)) => {
            bits >= 64 || (*i >= -(1i64 << (bits - 1)) && *i < (1i64 << (bits - 1)))
        }
        (S::UInt(bits), Value::Integer(i)) => *i >= 0 && (bits >= 63 || *i < (1i64 << bits)),
        // Range-checked: a value an f32 cannot hold (beyond ±3.4e38) is
        // refused; precision is not cut.
        (S::F32, Value::Real(x)) => x.abs() <= f64::from(f32::MAX),
        (S::F32, Value::Integer(i)) => (*i as f64).abs() <= f64::from(f32::MAX),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(err!(
            Constraint,
            "cannot store {} value in {} column {table}.{col}",
            v.type_name().to_ascii_uppercase(),
            sty.name()
        ))
    }
}

fn table_scope(t: &Arc<Table>, alias: Option<&str>) -> Scope {
    let cols = t
        .columns
        .iter()
        .map(|c| ColInfo {
            name: c.name.clone(),
            affinity: Some(c.affinity),
            coll: c.collation,
            hidden: false,
        })
        .collect();
    Scope {
        tables: vec![ScopeTable {
            name: alias.unwrap_or(&t.name).to_string(),
            columns: cols,
            offset: 0,
            rowid: Some(t.columns.len()),
            level: 0,
            table: Some(t.clone()),
            origins: Vec::new(),
        }],
        width: t.columns.len() + 1,
    }
}

/// A table's CHECK constraints (with names) and generated columns, bound.
type WriterExprs = (Vec<(String, BExpr)>, Vec<(usize, BExpr)>);

fn writer_exprs(b: &mut Binder, t: &Arc<Table>) -> Result<WriterExprs> {
    b.scopes.push(table_scope(t, None));
    let mut checks = Vec::new();
    let mut generated = Vec::new();
    let r = (|| {
        for (name, e) in &t.checks {
            let n = name.clone().unwrap_or_else(|| format!("{e}"));
            checks.push((n, b.bind(e)?));
        }
        for (i, c) in t.columns.iter().enumerate() {
            if let Some(g) = &c.generated {
                generated.push((i, b.bind(g)?));
            }
        }
        Ok(())
    })();
    b.scopes.pop();
    r.map(|_| (checks, generated))
}

/// The defaults of `t`'s columns for which `wanted` holds, bound, by
/// column (`None` for the others and for columns without one). INSERT
/// wants all of them, and its [`Writer`] takes the same ones as REPLACE
/// fallbacks; UPDATE needs only the NOT NULL columns'.
fn bind_defaults(
    b: &mut Binder,
    t: &Table,
    wanted: impl Fn(&catalog::Column) -> bool,
) -> Result<Vec<Option<BExpr>>> {
    // Defaults see no columns.
    b.scopes.push(Scope::default());
    let r = t
        .columns
        .iter()
        .map(|c| match &c.default {
            Some(d) if wanted(c) => b.bind(d).map(Some),
            _ => Ok(None),
        })
        .collect();
    b.scopes.pop();
    r
}

fn target_table(st: &State, name: &ast::QualifiedName) -> Result<Arc<Table>> {
    let b = st.binder();
    match b.table(name) {
        Ok(t) => Ok(t),
        Err(e) => {
            let k = catalog::key(&name.name);
            if st.schema.views.contains_key(&k) || st.temp_schema.views.contains_key(&k) {
                Err(err!(
                    ReadOnly,
                    "cannot modify {} because it is a view",
                    name.name
                ))
            } else {
                Err(e)
            }
        }
    }
}

/// The shape of a view as a table, for its INSTEAD OF triggers: its
/// columns, no rowid (NEW.rowid and OLD.rowid are NULL).
fn view_target(st: &State, name: &ast::QualifiedName) -> Result<Option<Arc<Table>>> {
    if st
        .binder()
        .find_table(name.schema.as_deref(), &name.name)
        .is_some()
    {
        return Ok(None);
    }
    let k = catalog::key(&name.name);
    let Some(v) = st
        .temp_schema
        .views
        .get(&k)
        .or_else(|| st.schema.views.get(&k))
        .cloned()
    else {
        return Ok(None);
    };
    let mut names = v.columns.clone();
    if names.is_empty() {
        names = st.binder().plan_select(&v.select)?.names;
    }
    let columns = names
        .into_iter()
        .map(|n| catalog::Column {
            name: n,
            type_name: None,
            affinity: Affinity::Blob,
            strict: None,
            not_null: false,
            not_null_conflict: None,
            default: None,
            collation: Default::default(),
            primary_key: false,
            generated: None,
            hidden: false,
        })
        .collect();
    let has_trigger = st
        .temp_schema
        .triggers_of(&v.name)
        .into_iter()
        .chain(st.schema.triggers_of(&v.name))
        .any(|t| t.def.time == ast::TriggerTime::InsteadOf);
    if !has_trigger {
        return Err(err!(
            ReadOnly,
            "cannot modify {} because it is a view",
            v.name
        ));
    }
    Ok(Some(Arc::new(Table {
        name: v.name.clone(),
        store: v.store,
        columns,
        rowid_alias: None,
        rowid_conflict: None,
        root: 0,
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        autoincrement: false,
        strict: false,
        without_rowid: false,
        sql: v.sql.clone(),
    })))
}

fn view_insert(
    st: &mut State,
    view: &Arc<Table>,
    ins: &ast::Insert,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    let n = view.columns.len();
    let targets: Vec<usize> = if ins.columns.is_empty() {
        (0..n).collect()
    } else {
        let mut v = Vec::new();
        for c in &ins.columns {
            v.push(
                view.column(c)
                    .ok_or_else(|| err!(NotFound, "table {} has no column named {c}", view.name))?,
            );
        }
        v
    };
    let mut rows = Vec::new();
    if let ast::InsertSource::Select(sel) = &ins.source {
        let mut p = st.binder().plan_select(sel)?;
        if p.names.len() != targets.len() {
            return Err(err!(
                InvalidArgument,
                "table {} has {} columns but {} values were supplied",
                view.name,
                targets.len(),
                p.names.len()
            ));
        }
        let mut cx = st.cx(params, interrupt);
        p.op.rewind(&mut cx)?;
        while let Some(r) = p.op.next(&mut cx)? {
            rows.push(r);
        }
    } else {
        rows.push(Vec::new());
    }
    let mut changes = 0;
    for src in rows {
        let mut new = vec![Value::Null; n + 1];
        for (v, &ti) in src.into_iter().zip(&targets) {
            new[ti] = v;
        }
        fire(
            st,
            view,
            Event::Insert,
            ast::TriggerTime::InsteadOf,
            None,
            Some(&new),
            &[],
            params,
            interrupt,
        )?;
        changes += 1;
    }
    st.changes = changes;
    Ok(Outcome { rows: None })
}

#[allow(clippy::too_many_arguments)]
fn view_change(
    st: &mut State,
    view: &Arc<Table>,
    alias: Option<&str>,
    where_: Option<&Expr>,
    sets: Option<&[ast::Assignment]>,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    let n = view.columns.len();
    let sel = simple_select(
        None,
        vec![ast::ResultColumn::Star],
        Some(ast::FromItem::Table {
            name: ast::QualifiedName {
                schema: None,
                name: view.name.clone(),
                pos: ast::Pos::default(),
            },
            alias: alias.map(str::to_string),
            indexed: None,
        }),
        where_.cloned(),
    );
    let mut p = st.binder().plan_select(&sel)?;
    let mut rows = Vec::new();
    {
        let mut cx = st.cx(params, interrupt);
        p.op.rewind(&mut cx)?;
        while let Some(mut r) = p.op.next(&mut cx)? {
            r.resize(n + 1, Value::Null);
            rows.push(r);
        }
    }
    let mut bound = Vec::new();
    let mut set_cols = Vec::new();
    if let Some(sets) = sets {
        let mut b = st.binder();
        b.scopes.push(table_scope(view, alias));
        for a in sets {
            for c in &a.columns {
                let i = view
                    .column(c)
                    .ok_or_else(|| err!(NotFound, "no such column: {c}"))?;
                set_cols.push(i);
                bound.push((i, b.bind(&a.expr)?));
            }
        }
    }
    let mut changes = 0;
    for old in rows {
        let (event, new) = if sets.is_some() {
            let mut new = old.clone();
            let mut cx = st.cx(params, interrupt);
            for (i, e) in bound.iter_mut() {
                new[*i] = e.eval(&mut cx, &old)?;
            }
            (Event::Update, Some(new))
        } else {
            (Event::Delete, None)
        };
        fire(
            st,
            view,
            event,
            ast::TriggerTime::InsteadOf,
            Some(&old),
            new.as_deref(),
            &set_cols,
            params,
            interrupt,
        )?;
        changes += 1;
    }
    st.changes = changes;
    Ok(Outcome { rows: None })
}

fn returning(b: &mut Binder, t: &Arc<Table>, cols: &[ast::ResultColumn]) -> Result<Vec<BExpr>> {
    b.scopes.push(table_scope(t, None));
    let r = (|| {
        let mut out = Vec::new();
        for c in cols {
            match c {
                ast::ResultColumn::Expr { expr, .. } => out.push(b.bind(expr)?),
                _ => {
                    for i in 0..t.columns.len() {
                        out.push(BExpr::Col(i));
                    }
                }
            }
        }
        Ok(out)
    })();
    b.scopes.pop();
    r
}

/// `sqlite_sequence` of a store, qualified for internal SQL.
fn sequence_table(store: Store) -> &'static str {
    match store {
        Store::Main => "main.sqlite_sequence",
        Store::Temp => "temp.sqlite_sequence",
    }
}

/// Creates `sqlite_sequence(name, seq)` beside the first AUTOINCREMENT
/// table of a store, as SQLite does; it is an ordinary table that SELECT,
/// UPDATE, INSERT and DELETE reach.
fn ensure_sequence_table(st: &mut State, store: Store) -> Result<()> {
    if schema_of(st, store)
        .tables
        .contains_key(catalog::SEQUENCE_TABLE)
    {
        return Ok(());
    }
    let sql = "CREATE TABLE sqlite_sequence(name,seq)";
    let Some(Stmt::CreateTable(ct)) = parser::parse(sql)?.into_iter().next().map(|p| p.stmt) else {
        return Err(err!(Internal, "sqlite_sequence definition"));
    };
    let tree = BTree::create(pager_of(st, store))?;
    let (t, _) = catalog::table_from_ast(&ct, store, tree.root(), sql)?;
    catalog_put(
        st,
        store,
        "table",
        "sqlite_sequence",
        "sqlite_sequence",
        tree.root(),
        sql,
    )?;
    schema_mut(st, store)
        .tables
        .insert(catalog::SEQUENCE_TABLE.to_string(), Arc::new(t));
    Ok(())
}

/// The AUTOINCREMENT high-water mark of `table`: its `sqlite_sequence`
/// row, or the catalog entry files written before that table existed kept.
fn read_sequence(st: &mut State, table: &Table, interrupt: &AtomicBool) -> Result<i64> {
    let legacy = schema_of(st, table.store)
        .sequences
        .get(&catalog::key(&table.name))
        .copied()
        .unwrap_or(0);
    if !schema_of(st, table.store)
        .tables
        .contains_key(catalog::SEQUENCE_TABLE)
    {
        return Ok(legacy);
    }
    let sql = format!(
        "SELECT max(seq) FROM {} WHERE name = ?1",
        sequence_table(table.store)
    );
    let rows = exec_internal(st, &sql, &[Value::Text(table.name.clone())], interrupt)?;
    let v = match rows.first().and_then(|r| r.first()) {
        Some(Value::Integer(i)) => *i,
        Some(Value::Real(x)) => *x as i64,
        _ => 0,
    };
    Ok(v.max(legacy))
}

fn write_sequence(st: &mut State, table: &Table, seq: i64, interrupt: &AtomicBool) -> Result<()> {
    ensure_sequence_table(st, table.store)?;
    let name = Value::Text(table.name.clone());
    let t = sequence_table(table.store);
    let found = !exec_internal(
        st,
        &format!("SELECT 1 FROM {t} WHERE name = ?1"),
        core::slice::from_ref(&name),
        interrupt,
    )?
    .is_empty();
    let sql = if found {
        format!("UPDATE {t} SET seq = ?2 WHERE name = ?1")
    } else {
        format!("INSERT INTO {t}(name, seq) VALUES (?1, ?2)")
    };
    exec_quiet(st, &sql, &[name, Value::Integer(seq)], interrupt)
}

/// Runs internal bookkeeping SQL without touching what `changes()` and
/// `last_insert_rowid()` report for the user's statement.
fn exec_quiet(st: &mut State, sql: &str, params: &[Value], interrupt: &AtomicBool) -> Result<()> {
    let (changes, total, last) = (st.changes, st.total_changes, st.last_rowid);
    exec_internal(st, sql, params, interrupt)?;
    (st.changes, st.total_changes, st.last_rowid) = (changes, total, last);
    Ok(())
}

/// The table column each value of an INSERT's rows goes to (`usize::MAX`
/// for the rowid).
fn insert_targets(table: &Table, ins: &ast::Insert) -> Result<Vec<usize>> {
    if ins.columns.is_empty() {
        return Ok((0..table.columns.len())
            .filter(|&i| table.columns[i].generated.is_none())
            .collect());
    }
    let mut v = Vec::new();
    for c in &ins.columns {
        let i = match table.column(c) {
            Some(i) => i,
            None if ["rowid", "oid", "_rowid_"]
                .iter()
                .any(|r| r.eq_ignore_ascii_case(c)) =>
            {
                usize::MAX
            }
            None => {
                return Err(err!(
                    NotFound,
                    "table {} has no column named {c}",
                    table.name
                ));
            }
        };
        v.push(i);
    }
    Ok(v)
}

/// Spreads one source row of an INSERT over the table's columns, fills in
/// defaults, and returns the column values and the rowid, if given.
fn insert_row(
    cx: &mut Cx,
    table: &Table,
    src: impl IntoIterator<Item = Value>,
    targets: &[usize],
    defaults: &mut [Option<BExpr>],
) -> Result<(Tuple, Option<i64>)> {
    let n = table.columns.len();
    let mut vals = Vec::with_capacity(n);
    vals.resize_with(n, || Value::Null);
    // Which columns were given: only needed when some column has a default.
    let has_defaults = defaults.iter().any(Option::is_some);
    let mut given = if has_defaults {
        vec![false; n]
    } else {
        Vec::new()
    };
    let mut rowid = None;
    for (v, &ti) in src.into_iter().zip(targets) {
        if ti == usize::MAX {
            rowid = Some(v);
            continue;
        }
        if has_defaults {
            given[ti] = true;
        }
        vals[ti] = v;
    }
    if has_defaults {
        for (i, d) in defaults.iter_mut().enumerate() {
            if !given[i]
                && let Some(d) = d
            {
                vals[i] = d.eval(cx, &[])?;
            }
        }
    }
    if let Some(a) = table.rowid_alias
        && !vals[a].is_null()
    {
        rowid = Some(vals[a].clone());
    }
    let rowid = match rowid {
        None | Some(Value::Null) => None,
        Some(v) => match ops::apply_affinity(v, Affinity::Integer) {
            Value::Integer(i) => Some(i),
            _ => {
                return Err(err!(
                    Type,
                    "datatype mismatch: rowid of {} must be an integer",
                    table.name
                ));
            }
        },
    };
    Ok((vals, rowid))
}

fn insert(
    st: &mut State,
    ins: &ast::Insert,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    if let Some(view) = view_target(st, &ins.table)? {
        return view_insert(st, &view, ins, params, interrupt);
    }
    let table = target_table(st, &ins.table)?;
    let store = table.store;
    let indexes = schema_of(st, store).indexes_of(&table.name);
    let conflict = ins.or.unwrap_or(Conflict::Abort);
    let targets = insert_targets(&table, ins)?;
    let mut b = st.binder();
    let (checks, generated) = writer_exprs(&mut b, &table)?;
    let mut ret = returning(&mut b, &table, &ins.returning)?;
    // ON CONFLICT ... DO UPDATE: bound over [the existing row, excluded].
    let mut upserts = Vec::new();
    for u in &ins.upsert {
        let n1 = table.columns.len() + 1;
        let mut scope = table_scope(&table, ins.alias.as_deref());
        let mut ex = scope.tables[0].clone();
        ex.name = "excluded".into();
        // Unqualified names mean the table's row; `excluded.x` must be
        // written out.
        for c in ex.columns.iter_mut() {
            c.hidden = true;
        }
        ex.offset = n1;
        ex.rowid = Some(2 * n1 - 1);
        ex.level = 1;
        scope.tables.push(ex);
        scope.width = 2 * n1;
        b.scopes.push(scope);
        let r = (|| -> Result<_> {
            let target: Option<Vec<usize>> = match &u.target {
                Some((cols, _)) => {
                    let mut v = Vec::new();
                    for c in cols {
                        let name = catalog::indexed_column_name(c).ok_or_else(|| {
                            err!(Unsupported, "ON CONFLICT target must name columns")
                        })?;
                        v.push(table.column(name).ok_or_else(|| {
                            err!(NotFound, "no such column in ON CONFLICT target: {name}")
                        })?);
                    }
                    Some(v)
                }
                None => None,
            };
            let action = match &u.action {
                ast::UpsertAction::Nothing => None,
                ast::UpsertAction::Update { sets, where_ } => {
                    let mut bs = Vec::new();
                    for a in sets {
                        for c in &a.columns {
                            let i = table
                                .column(c)
                                .ok_or_else(|| err!(NotFound, "no such column: {c}"))?;
                            bs.push((i, b.bind(&a.expr)?));
                        }
                    }
                    let w = match where_ {
                        Some(w) => Some(b.bind(w)?),
                        None => None,
                    };
                    Some((bs, w))
                }
            };
            Ok((target, action))
        })();
        b.scopes.pop();
        upserts.push(r?);
    }
    // Defaults, bound once: for the rows and as the Writer's fallbacks.
    let defaults = bind_defaults(&mut b, &table, |_| true)?;
    b.scopes.push(Scope::default());
    let mut lone = match &ins.source {
        ast::InsertSource::Select(sel) => match lone_values(ins, sel) {
            Some(exprs) => Some(
                exprs
                    .iter()
                    .map(|e| b.bind(e))
                    .collect::<Result<Vec<_>>>()?,
            ),
            None => None,
        },
        ast::InsertSource::DefaultValues => None,
    };
    let source = match &ins.source {
        _ if lone.is_some() => None,
        ast::InsertSource::Select(sel) => {
            b.scopes.pop();
            let p = match (&ins.with, &sel.with) {
                (Some(w), None) => {
                    let mut s2 = (**sel).clone();
                    s2.with = Some(w.clone());
                    b.plan_select(&s2)?
                }
                _ => b.plan_select(sel)?,
            };
            b.scopes.push(Scope::default());
            Some(p)
        }
        ast::InsertSource::DefaultValues => None,
    };
    b.scopes.pop();
    drop(b);
    let mut rows = Vec::new();
    {
        let mut cx = st.cx(params, interrupt);
        match source {
            _ if lone.is_some() => {
                let exprs = lone.as_deref_mut().unwrap_or_default();
                if exprs.len() != targets.len() {
                    return Err(err!(
                        InvalidArgument,
                        "table {} has {} columns but {} values were supplied",
                        table.name,
                        targets.len(),
                        exprs.len()
                    ));
                }
                let mut r = Vec::with_capacity(exprs.len());
                for e in exprs.iter_mut() {
                    r.push(e.eval(&mut cx, &[])?);
                }
                rows.push(r);
            }
            Some(mut p) => {
                if p.names.len() != targets.len() {
                    return Err(err!(
                        InvalidArgument,
                        "table {} has {} columns but {} values were supplied",
                        table.name,
                        targets.len(),
                        p.names.len()
                    ));
                }
                p.op.rewind(&mut cx)?;
                while let Some(r) = p.op.next(&mut cx)? {
                    rows.push(r);
                }
            }
            None => rows.push(Vec::new()),
        }
    }
    let mut w = Writer {
        table: &table,
        indexes: &indexes,
        checks,
        generated,
        defaults,
        stated: ins.or.is_some(),
        max_rowid: None,
    };
    let mut changes = 0u64;
    let mut out_rows = Vec::new();
    // What only triggers, foreign keys and RETURNING need is skipped for
    // the rest (a plain insert does not read back the row it wrote).
    let triggers = has_triggers(st, &table);
    let needs_row =
        triggers || !ret.is_empty() || (st.foreign_keys && !table.foreign_keys.is_empty());
    let mut seq = if table.autoincrement {
        read_sequence(st, &table, interrupt)?
    } else {
        0
    };
    let seq_at_start = seq;
    for src in rows {
        let (vals, rowid) = {
            let mut cx = st.cx(params, interrupt);
            insert_row(&mut cx, &table, src, &targets, &mut w.defaults)?
        };
        let mut new_row = Vec::new();
        if triggers {
            new_row.clone_from(&vals);
            new_row.push(rowid.map_or(Value::Integer(-1), Value::Integer));
        }
        if triggers
            && fire(
                st,
                &table,
                Event::Insert,
                ast::TriggerTime::Before,
                None,
                Some(&new_row),
                &[],
                params,
                interrupt,
            )? == Fired::Ignore
        {
            continue;
        }
        if !upserts.is_empty() {
            let mut cx = st.cx(params, interrupt);
            let mut probe = vals.clone();
            for (i, c) in table.columns.iter().enumerate() {
                let v = core::mem::replace(&mut probe[i], Value::Null);
                probe[i] = ops::apply_affinity(v, c.affinity);
            }
            let mut handled = false;
            for (target, action) in upserts.iter_mut() {
                let Some(other) = w.find_conflict(&mut cx, &probe, rowid, target.as_deref())?
                else {
                    continue;
                };
                handled = true;
                let Some((sets, cond)) = action else { break };
                let Some(old) = w.read_row(&mut cx, other)? else {
                    break;
                };
                let mut both = old.clone();
                both.extend(probe.iter().cloned());
                both.push(rowid.map_or(Value::Null, Value::Integer));
                if let Some(c) = cond
                    && !c.test(&mut cx, &both)?
                {
                    break;
                }
                let mut new = old.clone();
                for (i, e) in sets.iter_mut() {
                    new[*i] = e.eval(&mut cx, &both)?;
                }
                let n = table.columns.len();
                w.delete_row(&mut cx, other, &old)?;
                let new_rowid = match table.rowid_alias.map(|a| new[a].clone()) {
                    Some(Value::Integer(r)) => r,
                    _ => other,
                };
                w.insert(&mut cx, new[..n].to_vec(), Some(new_rowid), Conflict::Abort)?;
                changes += 1;
                break;
            }
            if handled {
                continue;
            }
        }
        let inserted = {
            let mut cx = st.cx(params, interrupt);
            // AUTOINCREMENT: never reuse a rowid, even one since deleted.
            let rowid = match (rowid, table.autoincrement) {
                (None, true) => {
                    let mut cur = BTree::open(table.root).cursor();
                    let max = if cur.last(cx.pager(table.store))? {
                        rowid_from_key(cur.key(), &table.name)?
                    } else {
                        0
                    };
                    let next = max.max(seq).checked_add(1).ok_or_else(|| {
                        err!(
                            Full,
                            "table {}: AUTOINCREMENT has used every rowid",
                            table.name
                        )
                    })?;
                    Some(next)
                }
                (r, _) => r,
            };
            let r = w.insert(&mut cx, vals, rowid, conflict)?;
            match r {
                Some(r) => {
                    let row = if needs_row {
                        w.read_row(&mut cx, r)?.unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    if !ret.is_empty() {
                        let mut o = Vec::new();
                        for e in ret.iter_mut() {
                            o.push(e.eval(&mut cx, &row)?);
                        }
                        out_rows.push(o);
                    }
                    Some((r, row))
                }
                None => None,
            }
        };
        if let Some((r, row)) = inserted {
            changes += 1;
            st.last_rowid = r;
            if table.autoincrement && r > seq {
                seq = r;
            }
            if !needs_row {
                continue;
            }
            fk_child_check(st, &table, &row, params, interrupt)?;
            fire(
                st,
                &table,
                Event::Insert,
                ast::TriggerTime::After,
                None,
                Some(&row),
                &[],
                params,
                interrupt,
            )?;
        }
    }
    if seq > seq_at_start {
        write_sequence(st, &table, seq, interrupt)?;
    }
    st.changes = changes;
    st.total_changes += changes;
    Ok(Outcome {
        rows: (!ins.returning.is_empty())
            .then(|| rows_of(returning_names(Some(&table), &ins.returning), out_rows)),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Insert,
    Update,
    Delete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fired {
    Go,
    Ignore,
}

/// Runs the triggers of `table` for one row. `old`/`new` are full rows
/// (columns then rowid); `set` the columns an UPDATE assigns.
#[allow(clippy::too_many_arguments)]
fn fire(
    st: &mut State,
    table: &Arc<Table>,
    event: Event,
    time: ast::TriggerTime,
    old: Option<&[Value]>,
    new: Option<&[Value]>,
    set: &[usize],
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Fired> {
    let mut trigs = st.temp_schema.triggers_of(&table.name);
    if table.store == Store::Main {
        trigs.extend(st.schema.triggers_of(&table.name));
    }
    trigs.retain(|t| {
        t.def.time == time
            && match (&t.def.event, event) {
                (ast::TriggerEvent::Insert, Event::Insert) => true,
                (ast::TriggerEvent::Delete, Event::Delete) => true,
                (ast::TriggerEvent::Update(cols), Event::Update) => {
                    cols.is_empty()
                        || cols
                            .iter()
                            .any(|c| table.column(c).is_some_and(|i| set.contains(&i)))
                }
                _ => false,
            }
            && (st.recursive_triggers || !st.firing.contains(&catalog::key(&t.name)))
    });
    if trigs.is_empty() {
        return Ok(Fired::Go);
    }
    if st.triggers.len() >= 32 {
        return Err(err!(
            InvalidArgument,
            "too many levels of trigger recursion (table {})",
            table.name
        ));
    }
    let n = table.columns.len() + 1;
    let mut row = match old {
        Some(o) => o.to_vec(),
        None => vec![Value::Null; n],
    };
    row.resize(n, Value::Null);
    match new {
        Some(nw) => row.extend_from_slice(nw),
        None => row.extend(core::iter::repeat_n(Value::Null, n)),
    }
    row.resize(2 * n, Value::Null);
    let mut scope = table_scope(table, Some("old"));
    let mut new_t = scope.tables[0].clone();
    new_t.name = "new".into();
    new_t.offset = n;
    new_t.rowid = Some(2 * n - 1);
    new_t.level = 1;
    scope.tables.push(new_t);
    scope.width = 2 * n;
    let saved_changes = st.changes;
    st.triggers.push((scope, row.clone()));
    let r = (|| -> Result<Fired> {
        for t in &trigs {
            st.firing.push(catalog::key(&t.name));
            let r = run_trigger(st, t, &row, params, interrupt);
            st.firing.pop();
            r?;
        }
        Ok(Fired::Go)
    })();
    st.triggers.pop();
    st.changes = saved_changes;
    match r {
        Err(e) if e.message() == RAISE_IGNORE => Ok(Fired::Ignore),
        other => other,
    }
}

/// One trigger's WHEN and body for the NEW/OLD `row` on top of the stack.
fn run_trigger(
    st: &mut State,
    t: &catalog::Trigger,
    row: &[Value],
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<()> {
    if let Some(when) = &t.def.when {
        let mut e = st.binder().bind(when)?;
        let mut cx = st.cx(params, interrupt);
        if !e.test(&mut cx, row)? {
            return Ok(());
        }
    }
    for stmt in &t.def.body {
        match stmt {
            Stmt::Select(s) => {
                let mut p = st.binder().plan_select(s)?;
                let mut cx = st.cx(params, interrupt);
                p.op.rewind(&mut cx)?;
                while p.op.next(&mut cx)?.is_some() {}
            }
            other if run_dml(st, other, params, interrupt)? => {}
            other => {
                return Err(err!(
                    Unsupported,
                    "trigger {}: statement not allowed in a trigger: {other}",
                    t.name
                ));
            }
        }
    }
    Ok(())
}

/// `[WITH ...] SELECT columns FROM from WHERE where_`, for statements the
/// engine builds itself.
fn simple_select(
    with: Option<ast::With>,
    columns: Vec<ast::ResultColumn>,
    from: Option<ast::FromItem>,
    where_: Option<Expr>,
) -> ast::Select {
    ast::Select {
        with,
        body: ast::SelectBody::Core(Box::new(ast::SelectCore {
            distinct: false,
            columns,
            from,
            where_,
            group_by: Vec::new(),
            having: None,
            windows: Vec::new(),
            pos: ast::Pos::default(),
        })),
        order_by: Vec::new(),
        limit: None,
        offset: None,
        pos: ast::Pos::default(),
    }
}

/// `SELECT <table row + rowid> FROM table WHERE ...`: the rows an UPDATE
/// or DELETE visits.
fn rows_select(
    with: Option<&ast::With>,
    table: &Table,
    alias: Option<&str>,
    where_: Option<&Expr>,
) -> ast::Select {
    simple_select(
        with.cloned(),
        vec![
            ast::ResultColumn::Star,
            ast::ResultColumn::Expr {
                expr: Expr::Column {
                    schema: None,
                    table: None,
                    name: "rowid".into(),
                    pos: ast::Pos::default(),
                },
                alias: None,
                span: "rowid".into(),
            },
        ],
        Some(ast::FromItem::Table {
            name: ast::QualifiedName {
                schema: Some(table.store.schema_name().into()),
                name: table.name.clone(),
                pos: ast::Pos::default(),
            },
            alias: alias.map(str::to_string),
            indexed: None,
        }),
        where_.cloned(),
    )
}

/// Plans `SELECT <table row + rowid> FROM table WHERE ...` and collects the
/// matching rows (all of them first, so the writes cannot disturb the scan).
#[allow(clippy::too_many_arguments)]
fn matching_rows(
    st: &mut State,
    with: Option<&ast::With>,
    table: &Arc<Table>,
    alias: Option<&str>,
    where_: Option<&Expr>,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Vec<Tuple>> {
    let sel = rows_select(with, table, alias, where_);
    let mut p = st.binder().plan_select(&sel)?;
    let mut cx = st.cx(params, interrupt);
    p.op.rewind(&mut cx)?;
    let mut rows = Vec::new();
    while let Some(r) = p.op.next(&mut cx)? {
        rows.push(r);
    }
    Ok(rows)
}

fn update(
    st: &mut State,
    up: &ast::Update,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    if !up.order_by.is_empty() || up.limit.is_some() {
        return Err(err!(
            Unsupported,
            "UPDATE ... ORDER BY / LIMIT is not supported yet (table {})",
            up.table.name
        ));
    }
    // `(a, b) = (x, y)` is `a = x, b = y`.
    let mut flat_sets: Vec<(String, Expr)> = Vec::new();
    for a in &up.sets {
        if a.columns.len() == 1 {
            flat_sets.push((a.columns[0].clone(), a.expr.clone()));
        } else if let Expr::Row(es) = &a.expr
            && es.len() == a.columns.len()
        {
            for (c, e) in a.columns.iter().zip(es) {
                flat_sets.push((c.clone(), e.clone()));
            }
        } else {
            return Err(err!(
                InvalidArgument,
                "{} columns assigned {} values",
                a.columns.len(),
                match &a.expr {
                    Expr::Row(es) => es.len(),
                    _ => 1,
                }
            ));
        }
    }
    if let Some(view) = view_target(st, &up.table)? {
        return view_change(
            st,
            &view,
            up.alias.as_deref(),
            up.where_.as_ref(),
            Some(&up.sets),
            params,
            interrupt,
        );
    }
    let table = target_table(st, &up.table)?;
    let store = table.store;
    let indexes = schema_of(st, store).indexes_of(&table.name);
    let conflict = up.or.unwrap_or(Conflict::Abort);
    let n = table.columns.len();
    // UPDATE ... FROM: the new values come from a join, computed up front.
    let mut from_values: Option<hashbrown::HashMap<i64, Tuple>> = None;
    let rows = match &up.from {
        None => matching_rows(
            st,
            up.with.as_ref(),
            &table,
            up.alias.as_deref(),
            up.where_.as_ref(),
            params,
            interrupt,
        )?,
        Some(from) => {
            let tname = up.alias.clone().unwrap_or(table.name.clone());
            let mut cols = vec![ast::ResultColumn::Expr {
                expr: Expr::Column {
                    schema: None,
                    table: Some(tname.clone()),
                    name: "rowid".into(),
                    pos: ast::Pos::default(),
                },
                alias: None,
                span: "rowid".into(),
            }];
            for (_, e) in &flat_sets {
                cols.push(ast::ResultColumn::Expr {
                    expr: e.clone(),
                    alias: None,
                    span: String::new(),
                });
            }
            let sel = simple_select(
                None,
                cols,
                Some(ast::FromItem::Join {
                    left: Box::new(ast::FromItem::Table {
                        name: up.table.clone(),
                        alias: up.alias.clone(),
                        indexed: None,
                    }),
                    right: Box::new(from.clone()),
                    kind: ast::JoinKind::Inner,
                    natural: false,
                    constraint: ast::JoinConstraint::None,
                }),
                up.where_.clone(),
            );
            let mut p = st.binder().plan_select(&sel)?;
            let mut map = hashbrown::HashMap::new();
            let mut order = Vec::new();
            let mut cx = st.cx(params, interrupt);
            p.op.rewind(&mut cx)?;
            while let Some(r) = p.op.next(&mut cx)? {
                if let Some(Value::Integer(id)) = r.first() {
                    if !map.contains_key(id) {
                        order.push(*id);
                        map.insert(*id, r[1..].to_vec());
                    }
                }
            }
            from_values = Some(map);
            order
                .into_iter()
                .map(|id| {
                    let mut t = vec![Value::Null; n];
                    t.push(Value::Integer(id));
                    t
                })
                .collect()
        }
    };
    let mut b = st.binder();
    let (checks, generated) = writer_exprs(&mut b, &table)?;
    let defaults = bind_defaults(&mut b, &table, |c| c.not_null)?;
    let mut ret = returning(&mut b, &table, &up.returning)?;
    b.scopes.push(table_scope(&table, up.alias.as_deref()));
    let mut sets: Vec<(usize, BExpr)> = Vec::new();
    let r = (|| {
        for (k, (c, e)) in flat_sets.iter().enumerate() {
            let i = match table.column(c) {
                Some(i) => i,
                None if ["rowid", "oid", "_rowid_"]
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(c)) =>
                {
                    table.columns.len()
                }
                None => return Err(err!(NotFound, "no such column: {c}")),
            };
            sets.push((
                i,
                if from_values.is_some() {
                    // Slot k of the precomputed values, read below.
                    BExpr::Col(k)
                } else {
                    b.bind(e)?
                },
            ));
        }
        Ok(())
    })();
    b.scopes.pop();
    drop(b);
    r?;
    let mut w = Writer {
        table: &table,
        indexes: &indexes,
        checks,
        generated,
        defaults,
        stated: up.or.is_some(),
        max_rowid: None,
    };
    let set_cols: Vec<usize> = sets.iter().map(|(i, _)| *i).collect();
    let mut changes = 0u64;
    let mut out_rows = Vec::new();
    for old in rows {
        let rowid = match old.get(n) {
            Some(Value::Integer(r)) => *r,
            _ => return Err(err!(Internal, "update: row without rowid")),
        };
        // Re-read: an earlier row's REPLACE or trigger may have changed it.
        let old_full = {
            let mut cx = st.cx(params, interrupt);
            match w.read_row(&mut cx, rowid)? {
                Some(r) => r,
                None => continue,
            }
        };
        let mut new = old_full.clone();
        {
            let mut cx = st.cx(params, interrupt);
            let input: &[Value] = match &from_values {
                Some(m) => m.get(&rowid).map_or(&[][..], |v| &v[..]),
                None => &old_full,
            };
            for (i, e) in sets.iter_mut() {
                new[*i] = e.eval(&mut cx, input)?;
            }
        }
        let mut new_rowid = rowid;
        if let Some(a) = table.rowid_alias
            && !new[a].is_null()
        {
            new[n] = new[a].clone();
        }
        if new[n] != Value::Integer(rowid) {
            new_rowid = match ops::apply_affinity(new[n].clone(), Affinity::Integer) {
                Value::Integer(i) => i,
                _ => {
                    return Err(err!(
                        Type,
                        "datatype mismatch: rowid of {} must be an integer",
                        table.name
                    ));
                }
            };
            new[n] = Value::Integer(new_rowid);
        }
        if fire(
            st,
            &table,
            Event::Update,
            ast::TriggerTime::Before,
            Some(&old_full),
            Some(&new),
            &set_cols,
            params,
            interrupt,
        )? == Fired::Ignore
        {
            continue;
        }
        let written = {
            let mut cx = st.cx(params, interrupt);
            w.delete_row(&mut cx, rowid, &old_full)?;
            let vals: Tuple = new[..n].to_vec();
            match w.insert(&mut cx, vals, Some(new_rowid), conflict)? {
                Some(r) => {
                    let row = w.read_row(&mut cx, r)?.unwrap_or_default();
                    if !ret.is_empty() {
                        let mut o = Vec::new();
                        for e in ret.iter_mut() {
                            o.push(e.eval(&mut cx, &row)?);
                        }
                        out_rows.push(o);
                    }
                    Some(row)
                }
                None => {
                    // IGNORE: put the old row back.
                    let vals: Tuple = old_full[..n].to_vec();
                    w.insert(&mut cx, vals, Some(rowid), Conflict::Abort)?;
                    None
                }
            }
        };
        if let Some(row) = written {
            changes += 1;
            fk_child_check(st, &table, &row, params, interrupt)?;
            fk_parent_action(st, &table, &old_full, Some(&row), interrupt)?;
            fire(
                st,
                &table,
                Event::Update,
                ast::TriggerTime::After,
                Some(&old_full),
                Some(&row),
                &set_cols,
                params,
                interrupt,
            )?;
        }
    }
    st.changes = changes;
    st.total_changes += changes;
    Ok(Outcome {
        rows: (!up.returning.is_empty())
            .then(|| rows_of(returning_names(Some(&table), &up.returning), out_rows)),
    })
}

fn delete(
    st: &mut State,
    del: &ast::Delete,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Outcome> {
    if !del.order_by.is_empty() || del.limit.is_some() {
        return Err(err!(
            Unsupported,
            "DELETE ... ORDER BY / LIMIT is not supported yet (table {})",
            del.table.name
        ));
    }
    if let Some(view) = view_target(st, &del.table)? {
        return view_change(
            st,
            &view,
            del.alias.as_deref(),
            del.where_.as_ref(),
            None,
            params,
            interrupt,
        );
    }
    let table = target_table(st, &del.table)?;
    let store = table.store;
    let indexes = schema_of(st, store).indexes_of(&table.name);
    let rows = matching_rows(
        st,
        del.with.as_ref(),
        &table,
        del.alias.as_deref(),
        del.where_.as_ref(),
        params,
        interrupt,
    )?;
    let mut b = st.binder();
    let mut ret = returning(&mut b, &table, &del.returning)?;
    drop(b);
    let w = Writer {
        table: &table,
        indexes: &indexes,
        checks: Vec::new(),
        generated: Vec::new(),
        defaults: Vec::new(),
        stated: false,
        max_rowid: None,
    };
    let n = table.columns.len();
    let mut changes = 0u64;
    let mut out_rows = Vec::new();
    for old in rows {
        let rowid = match old.get(n) {
            Some(Value::Integer(r)) => *r,
            _ => return Err(err!(Internal, "delete: row without rowid")),
        };
        let full = {
            let mut cx = st.cx(params, interrupt);
            match w.read_row(&mut cx, rowid)? {
                Some(r) => r,
                None => continue,
            }
        };
        if fire(
            st,
            &table,
            Event::Delete,
            ast::TriggerTime::Before,
            Some(&full),
            None,
            &[],
            params,
            interrupt,
        )? == Fired::Ignore
        {
            continue;
        }
        {
            let mut cx = st.cx(params, interrupt);
            if w.read_row(&mut cx, rowid)?.is_none() {
                continue;
            }
            if !ret.is_empty() {
                let mut o = Vec::new();
                for e in ret.iter_mut() {
                    o.push(e.eval(&mut cx, &full)?);
                }
                out_rows.push(o);
            }
            w.delete_row(&mut cx, rowid, &full)?;
        }
        changes += 1;
        fk_parent_action(st, &table, &full, None, interrupt)?;
        fire(
            st,
            &table,
            Event::Delete,
            ast::TriggerTime::After,
            Some(&full),
            None,
            &[],
            params,
            interrupt,
        )?;
    }
    st.changes = changes;
    st.total_changes += changes;
    Ok(Outcome {
        rows: (!del.returning.is_empty())
            .then(|| rows_of(returning_names(Some(&table), &del.returning), out_rows)),
    })
}

// ------------------------------------------------------------ foreign keys

/// Runs `stmt` for its effect if it is an INSERT, UPDATE or DELETE (true),
/// or says it is none of them (false).
fn run_dml(st: &mut State, stmt: &Stmt, params: &[Value], interrupt: &AtomicBool) -> Result<bool> {
    match stmt {
        Stmt::Insert(i) => insert(st, i, params, interrupt)?,
        Stmt::Update(u) => update(st, u, params, interrupt)?,
        Stmt::Delete(d) => delete(st, d, params, interrupt)?,
        _ => return Ok(false),
    };
    Ok(true)
}

/// Runs SQL made by the engine itself (foreign key actions and checks).
fn exec_internal(
    st: &mut State,
    sql: &str,
    params: &[Value],
    interrupt: &AtomicBool,
) -> Result<Vec<Tuple>> {
    let parsed = parser::parse(sql)?;
    let mut out = Vec::new();
    for p in parsed {
        match &p.stmt {
            Stmt::Select(s) => {
                let mut planned = st.binder().plan_select(s)?;
                let mut cx = st.cx(params, interrupt);
                planned.op.rewind(&mut cx)?;
                while let Some(r) = planned.op.next(&mut cx)? {
                    out.push(r);
                }
            }
            other if run_dml(st, other, params, interrupt)? => {}
            other => return Err(err!(Internal, "exec_internal: {other}")),
        }
    }
    Ok(out)
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The parent columns a foreign key refers to: as declared, or the
/// parent's primary key.
fn fk_parent_columns(st: &State, fk: &catalog::ForeignKey) -> Result<(Arc<Table>, Vec<String>)> {
    let parent = st.binder().find_table(None, &fk.parent).ok_or_else(|| {
        err!(
            NotFound,
            "foreign key mismatch: no such table: {}",
            fk.parent
        )
    })?;
    let cols = if fk.parent_columns.is_empty() {
        let pk: Vec<String> = parent
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        if pk.is_empty() {
            vec!["rowid".to_string()]
        } else {
            pk
        }
    } else {
        fk.parent_columns.clone()
    };
    if cols.len() != fk.columns.len() {
        return Err(err!(
            InvalidArgument,
            "foreign key mismatch - referencing {} columns of {}",
            fk.columns.len(),
            fk.parent
        ));
    }
    Ok((parent, cols))
}

/// A child row must have a parent when foreign keys are on.
fn fk_child_check(
    st: &mut State,
    table: &Arc<Table>,
    row: &[Value],
    _params: &[Value],
    interrupt: &AtomicBool,
) -> Result<()> {
    if !st.foreign_keys || table.foreign_keys.is_empty() {
        return Ok(());
    }
    for fk in &table.foreign_keys {
        let vals: Vec<Value> = fk.columns.iter().map(|&c| row[c].clone()).collect();
        if vals.iter().any(Value::is_null) {
            continue;
        }
        let (parent, cols) = fk_parent_columns(st, fk)?;
        let cond: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = ?{}", quote_ident(c), i + 1))
            .collect();
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} LIMIT 1",
            quote_ident(&parent.name),
            cond.join(" AND ")
        );
        if exec_internal(st, &sql, &vals, interrupt)?.is_empty() {
            return Err(err!(
                Constraint,
                "FOREIGN KEY constraint failed: {}({}) references {}",
                table.name,
                fk.columns
                    .iter()
                    .map(|&c| table.columns[c].name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                parent.name
            ));
        }
    }
    Ok(())
}

/// A parent row was deleted (`new` None) or updated: apply the ON DELETE /
/// ON UPDATE actions of the foreign keys that refer to it.
fn fk_parent_action(
    st: &mut State,
    table: &Arc<Table>,
    old: &[Value],
    new: Option<&[Value]>,
    interrupt: &AtomicBool,
) -> Result<()> {
    if !st.foreign_keys {
        return Ok(());
    }
    let children: Vec<Arc<Table>> = st
        .schema
        .tables
        .values()
        .chain(st.temp_schema.tables.values())
        .filter(|t| {
            t.foreign_keys
                .iter()
                .any(|f| f.parent.eq_ignore_ascii_case(&table.name))
        })
        .cloned()
        .collect();
    for child in children {
        for fk in child
            .foreign_keys
            .iter()
            .filter(|f| f.parent.eq_ignore_ascii_case(&table.name))
        {
            let (_, cols) = fk_parent_columns(st, fk)?;
            let key_of = |row: &[Value]| -> Vec<Value> {
                cols.iter()
                    .map(|c| match table.column(c) {
                        Some(i) => row[i].clone(),
                        None => row[table.columns.len()].clone(),
                    })
                    .collect()
            };
            let old_key = key_of(old);
            if old_key.iter().any(Value::is_null) {
                continue;
            }
            if let Some(n) = new
                && key_of(n) == old_key
            {
                continue;
            }
            let cond: Vec<String> = fk
                .columns
                .iter()
                .enumerate()
                .map(|(i, &c)| format!("{} = ?{}", quote_ident(&child.columns[c].name), i + 1))
                .collect();
            let cond = cond.join(" AND ");
            let action = if new.is_some() {
                fk.on_update
            } else {
                fk.on_delete
            };
            let cname = quote_ident(&child.name);
            match action {
                ast::FkAction::NoAction | ast::FkAction::Restrict => {
                    let sql = format!("SELECT 1 FROM {cname} WHERE {cond} LIMIT 1");
                    if !exec_internal(st, &sql, &old_key, interrupt)?.is_empty() {
                        return Err(err!(
                            Constraint,
                            "FOREIGN KEY constraint failed: {} still referenced by {}",
                            table.name,
                            child.name
                        ));
                    }
                }
                ast::FkAction::Cascade => match new {
                    None => {
                        exec_internal(
                            st,
                            &format!("DELETE FROM {cname} WHERE {cond}"),
                            &old_key,
                            interrupt,
                        )?;
                    }
                    Some(n) => {
                        let newk = key_of(n);
                        let k = old_key.len();
                        let sets: Vec<String> = fk
                            .columns
                            .iter()
                            .enumerate()
                            .map(|(i, &c)| {
                                format!("{} = ?{}", quote_ident(&child.columns[c].name), k + i + 1)
                            })
                            .collect();
                        let mut ps = old_key.clone();
                        ps.extend(newk);
                        exec_internal(
                            st,
                            &format!("UPDATE {cname} SET {} WHERE {cond}", sets.join(", ")),
                            &ps,
                            interrupt,
                        )?;
                    }
                },
                ast::FkAction::SetNull | ast::FkAction::SetDefault => {
                    let sets: Vec<String> = fk
                        .columns
                        .iter()
                        .map(|&c| {
                            let col = &child.columns[c];
                            let v = match (&action, &col.default) {
                                (ast::FkAction::SetDefault, Some(d)) => format!("{d}"),
                                _ => "NULL".into(),
                            };
                            format!("{} = {v}", quote_ident(&col.name))
                        })
                        .collect();
                    exec_internal(
                        st,
                        &format!("UPDATE {cname} SET {} WHERE {cond}", sets.join(", ")),
                        &old_key,
                        interrupt,
                    )?;
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ EXPLAIN, PRAGMA

fn explain(st: &mut State, stmt: &Stmt) -> Result<Vec<String>> {
    let mut out = Vec::new();
    match stmt {
        Stmt::Select(s) => {
            let p = st.binder().plan_select(s)?;
            p.op.explain(0, &mut out);
        }
        // Writes: the statement, then the plan of the rows it visits.
        Stmt::Update(u) if u.from.is_none() && view_target(st, &u.table)?.is_none() => {
            let t = target_table(st, &u.table)?;
            out.push(format!("UPDATE {}", t.name));
            let sel = rows_select(u.with.as_ref(), &t, u.alias.as_deref(), u.where_.as_ref());
            st.binder().plan_select(&sel)?.op.explain(1, &mut out);
        }
        Stmt::Delete(d) if view_target(st, &d.table)?.is_none() => {
            let t = target_table(st, &d.table)?;
            out.push(format!("DELETE FROM {}", t.name));
            let sel = rows_select(d.with.as_ref(), &t, d.alias.as_deref(), d.where_.as_ref());
            st.binder().plan_select(&sel)?.op.explain(1, &mut out);
        }
        Stmt::Insert(i) => {
            out.push(format!("INSERT INTO {}", plan::display_name(&i.table)));
            match &i.source {
                ast::InsertSource::Select(sel) => {
                    let mut sel = (**sel).clone();
                    if sel.with.is_none() {
                        sel.with = i.with.clone();
                    }
                    st.binder().plan_select(&sel)?.op.explain(1, &mut out);
                }
                ast::InsertSource::DefaultValues => out.push("  DEFAULT VALUES".into()),
            }
        }
        other => out.push(format!("{}", other)),
    }
    Ok(out)
}

fn pragma_columns(name: &str, has_value: bool) -> Vec<String> {
    let cols: &[&str] = match name.to_ascii_lowercase().as_str() {
        "table_info" => &["cid", "name", "type", "notnull", "dflt_value", "pk"],
        "index_list" => &["seq", "name", "unique", "origin", "partial"],
        "index_info" => &["seqno", "cid", "name"],
        "foreign_key_list" => &[
            "id",
            "seq",
            "table",
            "from",
            "to",
            "on_update",
            "on_delete",
            "match",
        ],
        "integrity_check" => &["integrity_check"],
        "synchronous" if !has_value => &["synchronous"],
        "journal_mode" => &["journal_mode"],
        "wal_autocheckpoint" => &["wal_autocheckpoint"],
        "wal_checkpoint" => &["busy", "log", "checkpointed"],
        "busy_timeout" => &["timeout"],
        "cache_size" if !has_value => &["cache_size"],
        "user_version" if !has_value => &["user_version"],
        "foreign_keys" if !has_value => &["foreign_keys"],
        "recursive_triggers" if !has_value => &["recursive_triggers"],
        _ => &[],
    };
    cols.iter().map(|s| s.to_string()).collect()
}

fn pragma_arg(value: Option<&Expr>) -> Option<String> {
    match value? {
        Expr::Column { name, .. } => Some(name.clone()),
        Expr::Literal(ast::Literal::Text(s)) => Some(s.clone()),
        Expr::Literal(ast::Literal::Integer(i)) => Some(i.to_string()),
        Expr::Literal(ast::Literal::Bool(b)) => Some(if *b { "1".into() } else { "0".into() }),
        Expr::Unary {
            op: ast::UnaryOp::Neg,
            expr,
        } => match &**expr {
            Expr::Literal(ast::Literal::Integer(i)) => Some(format!("-{i}")),
            _ => None,
        },
        _ => None,
    }
}

fn pragma(st: &mut State, name: &ast::QualifiedName, value: Option<&Expr>) -> Result<Vec<Tuple>> {
    let arg = pragma_arg(value);
    let lname = name.name.to_ascii_lowercase();
    let t = |s: &str| Value::Text(s.to_string());
    let i = |v: i64| Value::Integer(v);
    match lname.as_str() {
        "table_info" => {
            let a =
                arg.ok_or_else(|| err!(InvalidArgument, "PRAGMA table_info needs a table name"))?;
            let Some(tab) = st.binder().find_table(name.schema.as_deref(), &a) else {
                return Ok(Vec::new());
            };
            let mut pk_n = 0;
            Ok(tab
                .columns
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    if c.primary_key {
                        pk_n += 1;
                    }
                    vec![
                        i(ci as i64),
                        t(&c.name),
                        t(c.type_name.as_deref().unwrap_or("")),
                        i(i64::from(c.not_null)),
                        c.default
                            .as_ref()
                            .map_or(Value::Null, |d| t(&format!("{d}"))),
                        i(if c.primary_key { pk_n } else { 0 }),
                    ]
                })
                .collect())
        }
        "index_list" => {
            let a =
                arg.ok_or_else(|| err!(InvalidArgument, "PRAGMA index_list needs a table name"))?;
            let Some(tab) = st.binder().find_table(name.schema.as_deref(), &a) else {
                return Ok(Vec::new());
            };
            let ixs = st.binder().indexes_of(&tab);
            Ok(ixs
                .iter()
                .enumerate()
                .map(|(n, ix)| {
                    vec![
                        i(n as i64),
                        t(&ix.name),
                        i(i64::from(ix.unique)),
                        t(match ix.origin {
                            IndexOrigin::CreateIndex => "c",
                            IndexOrigin::Unique => "u",
                            IndexOrigin::PrimaryKey => "pk",
                        }),
                        i(i64::from(ix.where_.is_some())),
                    ]
                })
                .collect())
        }
        "index_info" => {
            let a =
                arg.ok_or_else(|| err!(InvalidArgument, "PRAGMA index_info needs an index name"))?;
            let k = catalog::key(&a);
            let Some(ix) = st
                .schema
                .indexes
                .get(&k)
                .or_else(|| st.temp_schema.indexes.get(&k))
                .cloned()
            else {
                return Ok(Vec::new());
            };
            let tab = st.binder().find_table(None, &ix.table);
            Ok(ix
                .columns
                .iter()
                .enumerate()
                .map(|(n, c)| {
                    vec![
                        i(n as i64),
                        c.column.map_or(i(-2), |x| i(x as i64)),
                        match (c.column, &tab) {
                            (Some(x), Some(tb)) => t(&tb.columns[x].name),
                            _ => Value::Null,
                        },
                    ]
                })
                .collect())
        }
        "foreign_key_list" => {
            let a = arg.ok_or_else(|| {
                err!(
                    InvalidArgument,
                    "PRAGMA foreign_key_list needs a table name"
                )
            })?;
            let Some(tab) = st.binder().find_table(name.schema.as_deref(), &a) else {
                return Ok(Vec::new());
            };
            let act = |a: ast::FkAction| match a {
                ast::FkAction::SetNull => "SET NULL",
                ast::FkAction::SetDefault => "SET DEFAULT",
                ast::FkAction::Cascade => "CASCADE",
                ast::FkAction::Restrict => "RESTRICT",
                ast::FkAction::NoAction => "NO ACTION",
            };
            let mut out = Vec::new();
            // SQLite numbers foreign keys from the last declared one.
            for (id, fk) in tab.foreign_keys.iter().rev().enumerate() {
                for (seq, &c) in fk.columns.iter().enumerate() {
                    out.push(vec![
                        i(id as i64),
                        i(seq as i64),
                        t(&fk.parent),
                        t(&tab.columns[c].name),
                        fk.parent_columns.get(seq).map_or(Value::Null, |p| t(p)),
                        t(act(fk.on_update)),
                        t(act(fk.on_delete)),
                        t("NONE"),
                    ]);
                }
            }
            Ok(out)
        }
        "recursive_triggers" => match arg {
            Some(v) => {
                st.recursive_triggers =
                    matches!(v.to_ascii_lowercase().as_str(), "1" | "on" | "true" | "yes");
                Ok(Vec::new())
            }
            None => Ok(vec![vec![i(i64::from(st.recursive_triggers))]]),
        },
        "foreign_keys" => match arg {
            Some(v) => {
                st.foreign_keys =
                    matches!(v.to_ascii_lowercase().as_str(), "1" | "on" | "true" | "yes");
                Ok(Vec::new())
            }
            None => Ok(vec![vec![i(i64::from(st.foreign_keys))]]),
        },
        "user_version" => match arg {
            Some(v) => {
                let n: i64 = v.parse().map_err(|_| {
                    err!(InvalidArgument, "PRAGMA user_version: not an integer: {v}")
                })?;
                let sp = st.begin_stmt()?;
                let r = st.main.update_header(|h| h.user_version = n as u32);
                st.end_stmt(sp, r.is_ok())?;
                r?;
                Ok(Vec::new())
            }
            None => Ok(vec![vec![i(i64::from(st.main.header().user_version))]]),
        },
        "cache_size" => match arg {
            // SQLite's convention: a positive N is N pages, a negative N
            // is -N KiB. The cache keeps at least a handful of pages.
            Some(a) => {
                let n: i64 = a.parse().map_err(|_| {
                    err!(
                        InvalidArgument,
                        "PRAGMA cache_size: '{a}' is not an integer"
                    )
                })?;
                let pages = if n >= 0 {
                    n.unsigned_abs()
                } else {
                    n.unsigned_abs().saturating_mul(1024) / crate::storage::PAGE_SIZE as u64
                };
                let pages = usize::try_from(pages).unwrap_or(usize::MAX);
                st.main.set_cache_capacity(pages)?;
                Ok(Vec::new())
            }
            None => Ok(vec![vec![i(st.main.stats().cache_capacity as i64)]]),
        },
        "integrity_check" => {
            let problems = integrity_check(st)?;
            if problems.is_empty() {
                Ok(vec![vec![t("ok")]])
            } else {
                Ok(problems.into_iter().map(|p| vec![Value::Text(p)]).collect())
            }
        }
        "synchronous" => match arg {
            Some(a) => {
                let mode = match a.to_ascii_lowercase().as_str() {
                    "0" | "off" => Synchronous::Off,
                    "1" | "normal" => Synchronous::Normal,
                    "2" | "3" | "full" | "extra" => Synchronous::Full,
                    _ => {
                        return Err(err!(
                            InvalidArgument,
                            "PRAGMA synchronous: '{a}' is not OFF, NORMAL or FULL"
                        ));
                    }
                };
                st.main.set_synchronous(mode);
                Ok(Vec::new())
            }
            None => Ok(vec![vec![i(match st.main.synchronous() {
                Synchronous::Off => 0,
                Synchronous::Normal => 1,
                Synchronous::Full => 2,
            })]]),
        },
        "journal_mode" => match arg.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("wal") => Ok(vec![vec![t("wal")]]),
            Some(other) => Err(err!(
                Unsupported,
                "PRAGMA journal_mode = {other}: TurDB always uses its write-ahead log"
            )),
        },
        "wal_autocheckpoint" => match arg {
            Some(a) => {
                let n: i64 = a.parse().map_err(|_| {
                    err!(
                        InvalidArgument,
                        "PRAGMA wal_autocheckpoint: '{a}' is not an integer"
                    )
                })?;
                st.main
                    .set_autocheckpoint(u32::try_from(n.max(0)).unwrap_or(u32::MAX));
                Ok(vec![vec![i(i64::from(st.main.autocheckpoint()))]])
            }
            None => Ok(vec![vec![i(i64::from(st.main.autocheckpoint()))]]),
        },
        "wal_checkpoint" => {
            if st.explicit {
                return Err(err!(
                    Busy,
                    "PRAGMA wal_checkpoint: a transaction is open (checkpoint after COMMIT)"
                ));
            }
            let truncate = arg.as_deref().is_some_and(|a| {
                a.eq_ignore_ascii_case("truncate") || a.eq_ignore_ascii_case("restart")
            });
            let r = st.main.checkpoint(truncate)?;
            Ok(vec![vec![
                i(i64::from(r.busy)),
                i(i64::from(r.log_pages.saturating_sub(1))),
                i(i64::from(r.copied)),
            ]])
        }
        "busy_timeout" => {
            if let Some(a) = arg {
                let n: i64 = a.parse().map_err(|_| {
                    err!(
                        InvalidArgument,
                        "PRAGMA busy_timeout: '{a}' is not an integer"
                    )
                })?;
                st.busy_timeout_ms = n.max(0).unsigned_abs();
            }
            Ok(vec![vec![i(
                i64::try_from(st.busy_timeout_ms).unwrap_or(i64::MAX)
            )]])
        }
        _ => Ok(Vec::new()),
    }
}

/// `PRAGMA integrity_check`: every page's checksum, every tree's order
/// and structure, the free list, and that each page of the file is used
/// exactly once (page 0, the catalog, a table, an index, or the free list).
fn integrity_check(st: &mut State) -> Result<Vec<String>> {
    let mut problems = st.main.check_pages()?;
    let count = st.main.header().page_count as usize;
    let mut owner: Vec<Option<String>> = vec![None; count];
    let mut claim = |problems: &mut Vec<String>, pages: &[u32], who: &str| {
        for &p in pages {
            match owner.get_mut(p as usize) {
                None => problems.push(format!("{who}: page {p} is past the end of the file")),
                Some(Some(first)) => {
                    problems.push(format!("page {p} is used twice: by {first} and by {who}"))
                }
                Some(slot) => *slot = Some(who.to_string()),
            }
        }
    };
    claim(&mut problems, &[0], "the file header");
    let mut trees: Vec<(String, u32)> = Vec::new();
    let catalog = st.main.header().catalog_root;
    if catalog != 0 {
        trees.push(("the catalog".into(), catalog));
    }
    trees.extend(
        st.schema
            .tables
            .values()
            .map(|t| (format!("table {}", t.name), t.root)),
    );
    trees.extend(
        st.schema
            .indexes
            .values()
            .map(|x| (format!("index {}", x.name), x.root)),
    );
    crate::sorting::sort_by_key(&mut trees, |(_, r)| *r);
    for (who, root) in trees {
        match BTree::open(root).check(&mut st.main) {
            Ok(stats) => claim(&mut problems, &stats.pages, &who),
            Err(e) => problems.push(format!("{who}: {e}")),
        }
    }
    match st.main.free_pages() {
        Ok(free) => claim(&mut problems, &free, "the free list"),
        Err(e) => problems.push(format!("the free list: {e}")),
    }
    let unused: Vec<usize> = (0..count).filter(|&p| owner[p].is_none()).collect();
    if !unused.is_empty() && problems.is_empty() {
        let shown: Vec<String> = unused.iter().take(10).map(|p| p.to_string()).collect();
        problems.push(format!(
            "{} pages are used by nothing: {}{}",
            unused.len(),
            shown.join(", "),
            if unused.len() > 10 { ", ..." } else { "" }
        ));
    }
    Ok(problems)
}

#[allow(dead_code)]
fn _kinds(_: ErrorKind) {}
