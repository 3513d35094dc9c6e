// The synchronous API, in better-sqlite3's shapes: Database, Statement.
// It runs wherever synchronous page I/O exists — Node.js (node:fs or
// memory), a dedicated Worker (OPFS, memory, IndexedDB's in-memory mirror)
// and later Cloudflare Workers. The main thread of a page uses the async
// handle from open() instead (client.js), which runs this in a Worker.

import { TurDBError } from './errors.js';
import { engine, guard, encodeParams, decodeRows, rowMaker, putKey, notInFunction, userFunction } from './wasm.js';

const SYNC = { off: 0, normal: 1, full: 2 };

/** Engine options from the public ones. */
export function engineOptions(options = {}) {
  const cache = options.cachePages ?? (options.cacheSize ? Math.ceil(options.cacheSize / 16384) : 256);
  if (!Number.isInteger(cache) || cache < 1) {
    throw new TurDBError('INVALID_ARGUMENT', `options.cachePages: expected a positive integer, got ${cache}`);
  }
  const sync = options.synchronous ?? 'full';
  if (!(sync in SYNC)) {
    throw new TurDBError('INVALID_ARGUMENT', `options.synchronous: expected 'off', 'normal' or 'full', got ${sync}`);
  }
  return [cache, SYNC[sync]];
}

// What differs between Node.js and the web, set by each entry point:
// ready() loads the wasm; openPath(path, options) opens a file for
// `new Database(path)` (Node only); openStore(name, storage, options)
// opens a store for Database.open.
const platform = { ready: async () => {}, openPath: null, openStore: null };
export function setPlatform(p) {
  Object.assign(platform, p);
}

const ROW_BATCH = 256;
// Set in what the engine's get() and all() return when the statement's
// result columns changed with that run (wasm/src/api.rs).
const CHANGED = 2 ** 31;

export class Statement {
  #db;
  #stmt;
  #columns;
  #info = null;
  #mode = 0; // 0 objects, 1 raw arrays, 2 pluck, 3 expand
  #tables = null; // expand(): each result column's table, '$' for none
  #tableKeys = null; // expand(): those tables, each once
  #safe;
  #bound = null; // bind()'s parameters, encoded again for every run
  #make = undefined; // rowMaker(columns), made at the first object row

  /** The `n` rows the engine just produced, in the statement's mode. */
  #decode(n) {
    if (this.#mode === 0) {
      if (this.#make === undefined) this.#make = rowMaker(this.#columns);
      return decodeRows(n, this.#columns, 0, this.#safe, [], this.#make);
    }
    if (this.#mode !== 3) return decodeRows(n, this.#columns, this.#mode, this.#safe);
    const tables = this.#tables;
    const names = this.#columns;
    return decodeRows(n, names, 1, this.#safe).map((values) => {
      // Defined, not assigned: a table named __proto__ is then a key of
      // its own rather than Object.prototype, which the columns would fill.
      const row = {};
      for (const t of this.#tableKeys) putKey(row, t, {});
      for (let i = 0; i < values.length; i++) putKey(row[tables[i]], names[i], values[i]);
      return row;
    });
  }

  /**
   * After a run that found other result columns than before (`SELECT *`
   * run again after ALTER TABLE): the names, and what was made of them.
   */
  #refreshColumns() {
    this.#columns = this.#stmt.columns();
    this.#make = undefined;
    this.#info = null;
    this.reader = this.#columns.length > 0;
    if (this.#tables !== null) {
      this.#tables = this.columns().map((c) => c.table ?? '$');
      this.#tableKeys = [...new Set(this.#tables)];
    }
  }

  /** The parameters of a run: bind()'s, or the call's (not both). */
  #params(params, op) {
    if (this.#bound === null) return encodeParams(params);
    if (params.length > 0) {
      throw new TurDBError('MISUSE', `${op}(): the statement already has bound parameters (bind() was called)`);
    }
    return encodeParams(this.#bound);
  }

  constructor(db, stmt, safe) {
    this.#db = db;
    this.#stmt = stmt;
    this.#columns = stmt.columns();
    this.#safe = safe;
    this.source = stmt.source;
    /** Whether the statement returns rows. */
    this.reader = this.#columns.length > 0;
    /** Whether the statement leaves the database as it is (SELECT, EXPLAIN, BEGIN, ...), as better-sqlite3's. */
    this.readonly = stmt.readonly;
  }

  get database() {
    return this.#db;
  }

  /** Runs the statement; returns `{ changes, lastInsertRowid }`. */
  run(...params) {
    const db = this.#db;
    const engineDb = db._engine();
    return guard(() => {
      const changes = this.#stmt.run(this.#params(params, 'run'));
      const lastInsertRowid = this.#safe ? engineDb.lastInsertRowidBig() : rowid(engineDb);
      db._afterWrite();
      return { changes, lastInsertRowid };
    });
  }

  /** The first row, or undefined. */
  get(...params) {
    this.#db._engine();
    return guard(() => {
      const found = this.#stmt.get(this.#params(params, 'get'));
      this.#db._afterWrite();
      if (found & CHANGED) this.#refreshColumns();
      if (!(found & 1)) return undefined;
      return this.#decode(1)[0];
    });
  }

  /** Every row. */
  all(...params) {
    this.#db._engine();
    return guard(() => {
      let n = this.#stmt.all(this.#params(params, 'all'));
      this.#db._afterWrite();
      if (n >= CHANGED) {
        this.#refreshColumns();
        n -= CHANGED;
      }
      return this.#decode(n);
    });
  }

  /**
   * The rows one at a time (fetched in batches of 256). Until the iterator
   * ends (or `return()` is called, as `break` in a for-of does), the
   * database refuses other statements.
   */
  *iterate(...params) {
    this.#db._engine();
    const cursor = guard(() => {
      const c = this.#stmt.iterate(this.#params(params, 'iterate'));
      if (this.#stmt.columnsChanged()) this.#refreshColumns();
      return c;
    });
    try {
      for (;;) {
        const batch = guard(() => {
          const n = cursor.next(ROW_BATCH);
          return this.#decode(n);
        });
        yield* batch;
        if (batch.length < ROW_BATCH) return;
      }
    } finally {
      guard(() => {
        cursor.close();
        cursor.free();
      });
      this.#db._afterWrite();
    }
  }

  /**
   * The result columns as better-sqlite3 gives them: `[{ name, column,
   * table, database, type }]`, where `column`, `table` and `database` name
   * the table column a result column reads (through views and subqueries)
   * and `type` is its declared type; all null for an expression. Fixed
   * when the statement was prepared: taken from the engine on the first
   * call, then copies of that.
   */
  columns() {
    if (this.#info === null) {
      const origins = guard(() => this.#stmt.columnOrigins());
      this.#info = this.#columns.map((name, i) => {
        const [database, table, column, type] = origins[i];
        return { name, column, table, database, type };
      });
    }
    return this.#info.map((c) => ({ ...c }));
  }

  /** Rows as arrays instead of objects (`raw(false)` switches back). */
  raw(on = true) {
    if (!this.reader) throw new TurDBError('MISUSE', 'raw(): the statement returns no rows');
    this.#mode = on ? 1 : this.#mode === 1 ? 0 : this.#mode;
    return this;
  }

  /** Rows as their first column's value. */
  pluck(on = true) {
    if (!this.reader) throw new TurDBError('MISUSE', 'pluck(): the statement returns no rows');
    this.#mode = on ? 2 : this.#mode === 2 ? 0 : this.#mode;
    return this;
  }

  /**
   * Binds parameters for good, as better-sqlite3: later runs take none.
   * Values are deep-copied now (copyParam) and checked against the
   * statement by each run, as a call's would be.
   */
  bind(...params) {
    if (this.#bound !== null) throw new TurDBError('MISUSE', 'bind(): the statement already has bound parameters');
    const bound = params.map(copyParam);
    // Too many, too few or unknown names fail here, as in better-sqlite3,
    // and leave the statement unbound.
    this.#db._engine();
    guard(() => this.#stmt.check(encodeParams(bound)));
    this.#bound = bound;
    return this;
  }

  /**
   * Rows namespaced by table, as better-sqlite3: `{ t: { a, b }, u: { c } }`,
   * with expression columns under `$` (`expand(false)` switches back).
   */
  expand(on = true) {
    if (!this.reader) throw new TurDBError('MISUSE', 'expand(): the statement returns no rows');
    // Taken now: asking the engine while rows are read would clobber them.
    this.#tables ??= this.columns().map((c) => c.table ?? '$');
    this.#tableKeys ??= [...new Set(this.#tables)];
    this.#mode = on ? 3 : this.#mode === 3 ? 0 : this.#mode;
    return this;
  }

  /** INTEGERs as bigint (always) instead of number (bigint only beyond 2^53). */
  safeIntegers(on = true) {
    this.#safe = on;
    return this;
  }
}

/** A deep copy of a parameter for bind(): bytes, arrays and named objects. */
function copyParam(p) {
  if (p instanceof ArrayBuffer) return p.slice(0);
  if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength).slice();
  if (Array.isArray(p)) return p.map(copyParam);
  if (p !== null && typeof p === 'object') {
    const proto = Object.getPrototypeOf(p);
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, copyParam(v)]));
    }
  }
  return p;
}

function rowid(engineDb) {
  const r = engineDb.lastInsertRowid();
  return Number.isSafeInteger(r) ? r : engineDb.lastInsertRowidBig();
}

export class Database {
  #engine;
  #store; // a JS page store, or null for memory
  #safe;
  #name;
  #readonly;

  /**
   * `new Database()` or `new Database(':memory:')`: a database in memory;
   * `new Database(bytes)`: an in-memory copy of an export() image.
   * In Node.js, `new Database(path)` opens (or creates) a file, guarded by
   * a lock file. Elsewhere use `await Database.open(name, { storage })`.
   */
  constructor(path = ':memory:', options = {}) {
    if (ArrayBuffer.isView(path) || path instanceof ArrayBuffer) {
      // As better-sqlite3's new Database(buffer): an in-memory copy of an
      // image from export() / serialize().
      return Database.import(path, options);
    }
    if (typeof path === 'object' && path !== null && !(path instanceof String)) {
      // Internal: an already opened engine (Database.open, import).
      this.#engine = path.engine;
      this.#store = path.store ?? null;
      this.#name = path.name;
      this.#safe = !!path.options?.safeIntegers;
      this.#readonly = !!path.options?.readonly;
      return;
    }
    const opts = engineOptions(options);
    this.#safe = !!options.safeIntegers;
    this.#readonly = !!options.readonly;
    this.#name = path === '' ? ':memory:' : String(path);
    if (this.#name === ':memory:') {
      if (this.#readonly) {
        // As better-sqlite3: a new, empty database that can never change is
        // a mistake (Database.import(bytes, { readonly: true }) is not).
        throw new TurDBError('MISUSE', 'new Database(":memory:"): in-memory databases cannot be readonly');
      }
      this.#engine = guard(() => engine().Engine.openMemory(...opts));
      this.#store = null;
      return;
    }
    if (!platform.openPath) {
      throw new TurDBError(
        'MISUSE',
        `new Database(${JSON.stringify(this.#name)}): files need Node.js; in a Worker use await Database.open(name, { storage: 'opfs' })`,
      );
    }
    const store = platform.openPath(this.#name, options);
    try {
      this.#engine = guard(() => engine().Engine.openStore(store, ...opts, this.#readonly));
    } catch (e) {
      store.close();
      throw e;
    }
    this.#store = store;
  }

  /**
   * Opens `name` in `options.storage` ('memory', 'opfs' in a dedicated
   * Worker, 'indexeddb', 'node' for a file in Node.js) after the asynchronous
   * parts (loading wasm, opening files, taking the lock) and returns a
   * synchronous Database.
   */
  static async open(name, options = {}) {
    await platform.ready();
    const storage = options.storage ?? 'memory';
    if (storage === 'memory') return new Database(':memory:', options);
    if (!platform.openStore) throw new TurDBError('UNSUPPORTED', `Database.open: no storage '${storage}' on this platform`);
    const store = await platform.openStore(name, storage, options);
    if (store === null) return new Database(':memory:', options);
    return Database.openStore(store, { ...options, name });
  }

  /**
   * Opens a database over any object with the page-store methods
   * (fileName, readPage, writePage, pageCount, truncate, sync; see
   * js/README.md), for storage TurDB does not ship.
   */
  static openStore(store, options = {}) {
    const opts = engineOptions(options);
    let e;
    try {
      e = guard(() => engine().Engine.openStore(store, ...opts, !!options.readonly));
    } catch (err) {
      store.close?.();
      throw err;
    }
    return new Database({ engine: e, store, name: options.name ?? store.fileName(0), options });
  }

  /** A new in-memory database holding an image from export(). */
  static import(bytes, options = {}) {
    const opts = engineOptions(options);
    const image = toBytes(bytes, 'Database.import');
    const e = guard(() => engine().Engine.importMemory(image, ...opts, !!options.readonly));
    return new Database({ engine: e, store: null, name: ':memory:', options });
  }

  /** Puts an image from export() into a store as its database, before opening it. */
  static writeImage(store, bytes) {
    const image = toBytes(bytes, 'Database.writeImage');
    guard(() => engine().Engine.writeImage(store, image));
  }

  get name() {
    return this.#name;
  }
  get open() {
    return !!this.#engine && guard(() => this.#engine.isOpen());
  }
  /** INTEGERs as bigint in statements prepared from now on (as better-sqlite3). */
  defaultSafeIntegers(on = true) {
    this.#safe = !!on;
    return this;
  }

  /** Whether the database was opened with `{ readonly: true }`. */
  get readonly() {
    return this.#readonly;
  }
  get memory() {
    return this.#store === null;
  }
  /** Where the database lives: 'memory', 'node', 'opfs', 'indexeddb' or 'custom'. */
  get storage() {
    return this.#store === null ? 'memory' : (this.#store.kind ?? 'custom');
  }
  get inTransaction() {
    return guard(() => this._engine().inTransaction());
  }

  /** @internal the engine, or an error if closed. */
  _engine() {
    // close() is the only way the engine closes, and it drops #engine.
    if (!this.#engine) {
      throw new TurDBError('MISUSE', `the database ${this.#name} is closed`);
    }
    return this.#engine;
  }

  /** @internal after a statement: let a store see a poisoned state. */
  _afterWrite() {
    this.#store?.check?.();
  }

  /** Runs every statement in `sql`. */
  exec(sql) {
    const e = this._engine();
    guard(() => e.exec(sql));
    this._afterWrite();
    return this;
  }

  /** Prepares the one statement in `sql`. */
  prepare(sql) {
    const e = this._engine();
    return new Statement(this, guard(() => e.prepare(sql)), this.#safe);
  }

  /**
   * Registers `fn` as the SQL function `name`, as better-sqlite3's
   * `db.function(name, [options], fn)`: it takes `fn.length` arguments, or
   * any number with `{ varargs: true }`; its arguments arrive as row values
   * do (INTEGERs as bigint with `{ safeIntegers: true }`, else as the
   * database's default); it returns a number, bigint, string, Uint8Array,
   * boolean, null or undefined. A throw fails the statement and is
   * rethrown as it is. `deterministic` is accepted as a hint and not used.
   * The function must not use the database (a TypeError says so).
   */
  function(name, options, fn) {
    if (typeof options === 'function' && fn === undefined) {
      fn = options;
      options = {};
    }
    if (typeof name !== 'string') throw new TypeError('function(name, [options], fn): name must be a string');
    if (typeof fn !== 'function') throw new TypeError('function(name, [options], fn): fn must be a function');
    if (options === null || typeof options !== 'object') {
      throw new TypeError('function(name, [options], fn): options must be an object');
    }
    for (const k of ['varargs', 'deterministic', 'safeIntegers', 'directOnly']) {
      if (options[k] !== undefined && typeof options[k] !== 'boolean') {
        throw new TypeError(`function(${name}): options.${k} must be a boolean`);
      }
    }
    if (options.directOnly) {
      throw new TurDBError('UNSUPPORTED', `function(${name}): directOnly is not supported`);
    }
    const n = options.varargs ? -1 : fn.length;
    const safe = options.safeIntegers ?? this.#safe;
    const e = this._engine();
    guard(() => e.createFunction(name, n, userFunction(name, fn, safe)));
    return this;
  }

  /** `db.pragma('user_version')` → rows; `{ simple: true }` → the first value. */
  pragma(source, options = {}) {
    const stmt = this.prepare(`PRAGMA ${source}`);
    return options.simple ? stmt.pluck().get() : stmt.all();
  }

  /**
   * Wraps `fn` in a transaction, as better-sqlite3 does: the returned
   * function runs `fn` inside BEGIN/COMMIT (a SAVEPOINT when nested) and
   * rolls back if it throws.
   */
  transaction(fn) {
    if (typeof fn !== 'function') throw new TurDBError('INVALID_ARGUMENT', 'transaction(fn): fn must be a function');
    const db = this;
    let depth = 0;
    // As better-sqlite3: the function opens a transaction with `begin` (a
    // savepoint when one is already open) and has .deferred, .immediate,
    // .exclusive and .default variants, each with the same properties.
    const variant = (begin) =>
      function transaction(...args) {
        const nested = db.inTransaction;
        const sp = `turdb_tx_${depth++}`;
        db.exec(nested ? `SAVEPOINT ${sp}` : begin);
        try {
          const result = fn.apply(this, args);
          if (result && typeof result.then === 'function') {
            throw new TurDBError('MISUSE', 'transaction(fn): fn returned a promise; the synchronous API runs fn to completion (use the async handle for async work)');
          }
          db.exec(nested ? `RELEASE ${sp}` : 'COMMIT');
          return result;
        } catch (e) {
          if (db.open && db.inTransaction) {
            db.exec(nested ? `ROLLBACK TO ${sp}; RELEASE ${sp}` : 'ROLLBACK');
          }
          throw e;
        } finally {
          depth--;
        }
      };
    const variants = {
      default: variant('BEGIN'),
      deferred: variant('BEGIN DEFERRED'),
      immediate: variant('BEGIN IMMEDIATE'),
      exclusive: variant('BEGIN EXCLUSIVE'),
    };
    const props = Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, { value: v }]));
    props.database = { value: db };
    for (const v of Object.values(variants)) Object.defineProperties(v, props);
    return variants.default;
  }

  /** The last commit as one self-contained image (a Uint8Array). */
  export() {
    const e = this._engine();
    return guard(() => e.export());
  }

  /** better-sqlite3's name for export(). */
  serialize() {
    return this.export();
  }

  /**
   * Resolves when every commit so far is durable (IndexedDB writes them
   * asynchronously; other stores are durable when the commit returns), or
   * rejects with the cause of a failed write.
   */
  async flushed() {
    await this.#store?.flushed?.();
  }

  /** Closes the database (checkpointing the WAL) and releases its files and lock. */
  close() {
    if (!this.#engine) return this;
    notInFunction();
    const e = this.#engine;
    try {
      if (e.isOpen()) guard(() => e.close());
    } finally {
      try {
        guard(() => e.free());
      } catch {
        // already freed
      }
      this.#engine = null;
      this.#store?.close?.();
    }
    return this;
  }
}

function toBytes(b, what) {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new TurDBError('INVALID_ARGUMENT', `${what}: expected a Uint8Array image`);
}
