// Types of the npm package `turdb` (every entry point: node, browser, worker).

/** A value TurDB stores: INTEGER as number (bigint beyond 2^53, or always with safeIntegers), REAL, TEXT, BLOB, NULL. */
export type Value = number | bigint | string | Uint8Array | null;
/** What may be bound to a parameter (booleans bind as 0/1, undefined as NULL). */
export type BindValue = Value | boolean | undefined | ArrayBuffer | ArrayBufferView;

/** Options of `db.function()`, as better-sqlite3's. */
export interface FunctionOptions {
  /** Any number of arguments (otherwise `fn.length`). */
  varargs?: boolean;
  /** A hint; accepted and not used. */
  deterministic?: boolean;
  /** INTEGER arguments as bigint (default: the database's setting). */
  safeIntegers?: boolean;
  /** Not supported: `true` throws. */
  directOnly?: boolean;
}
/** Positional values, arrays of them, and at most one object of named values ({ id: 1 } binds :id, @id or $id). */
export type BindParameters = Array<BindValue | BindValue[] | Record<string, BindValue>>;
export type Row = Record<string, Value>;

/** Every error TurDB reports: `code` is the engine's error kind. */
export class TurDBError extends Error {
  readonly name: 'TurDBError';
  readonly code:
    | 'IO' | 'CORRUPT' | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'TOO_BIG' | 'FULL' | 'BUSY' | 'INTERRUPTED'
    | 'SYNTAX' | 'CONSTRAINT' | 'TYPE' | 'MISUSE' | 'READONLY' | 'UNSUPPORTED' | 'INTERNAL';
}

export interface Options {
  /** Page-cache size in 16 KiB pages (default 256 = 4 MiB). */
  cachePages?: number;
  /** When commits sync: 'full' (default; durable when the commit returns), 'normal', 'off'. */
  synchronous?: 'full' | 'normal' | 'off';
  /** INTEGERs always as bigint. */
  safeIntegers?: boolean;
  /** Node.js: how long to wait (ms) for another process's lock file (default 0: fail with BUSY). */
  timeout?: number;
  /** Open for reading only: nothing is written; a change fails with READONLY. Not for ':memory:'. */
  readonly?: boolean;
  /** A missing database (file, OPFS file, IndexedDB name) is a NOT_FOUND error instead of a new one. */
  fileMustExist?: boolean;
}

export interface OpenOptions extends Options {
  storage?: 'opfs' | 'indexeddb' | 'memory' | 'auto' | 'node';
  /** Wait for another tab to close the database instead of failing with BUSY. */
  wait?: boolean;
  /** How long a reloading page retries for the lock before BUSY (ms, default 1500). */
  retryMs?: number;
}

/** What `db.transaction(fn)` returns: fn run in BEGIN ... COMMIT (a savepoint when nested), with better-sqlite3's variants. */
export type Transaction<F extends (...args: any[]) => any> = F & {
  default: Transaction<F>;
  deferred: Transaction<F>;
  immediate: Transaction<F>;
  exclusive: Transaction<F>;
  readonly database: Database;
};

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** The methods a page store implements (see js/README.md, "Custom storage"). */
export interface PageStore {
  fileName(file: 0 | 1): string;
  pageCount(file: 0 | 1): number;
  readPage(file: 0 | 1, page: number, buf: Uint8Array): void;
  writePage(file: 0 | 1, page: number, buf: Uint8Array): void;
  /** Optional: `buf` (shorter than a page) over the start of a page inside
   * the file, the rest kept; false past the end (the whole page follows). */
  writePagePrefix?(file: 0 | 1, page: number, buf: Uint8Array): boolean;
  truncate(file: 0 | 1, pages: number): void;
  sync(file: 0 | 1): void;
  close?(): void;
}

/**
 * A result column as better-sqlite3's `columns()` describes it: the table
 * column it reads (through views and subqueries) and that column's
 * declared type, or null for each where SQLite's column metadata is NULL
 * (an expression, an aggregate, a literal, or no declared type).
 */
export interface ColumnDescriptor {
  name: string;
  column: string | null;
  table: string | null;
  database: string | null;
  type: string | null;
}

export class Statement<R = Row> {
  readonly source: string;
  readonly reader: boolean;
  /** True when the statement changes nothing (SELECT, EXPLAIN, transaction control, reading PRAGMAs). */
  readonly readonly: boolean;
  readonly database: Database;
  run(...params: BindParameters): RunResult;
  get(...params: BindParameters): R | undefined;
  all(...params: BindParameters): R[];
  iterate(...params: BindParameters): IterableIterator<R>;
  columns(): ColumnDescriptor[];
  raw(on?: boolean): Statement<Value[]>;
  pluck(on?: boolean): Statement<Value>;
  safeIntegers(on?: boolean): this;
  /** Rows namespaced by table: `{ t: { a } }`, expression columns under `$`. */
  expand(on?: boolean): Statement<Record<string, Row>>;
  /** Binds parameters for good (as better-sqlite3): later calls take none. */
  bind(...params: BindParameters): this;
}

/** The synchronous API (Node.js, dedicated Workers), shaped like better-sqlite3's. */
export class Database {
  /** A path (Node.js), ':memory:', or an export() image to copy into memory. */
  constructor(path?: string | Uint8Array | ArrayBuffer, options?: Options);
  static open(name: string, options?: OpenOptions): Promise<Database>;
  static openStore(store: PageStore, options?: Options & { name?: string }): Database;
  static import(image: Uint8Array | ArrayBuffer, options?: Options): Database;
  static writeImage(store: PageStore, image: Uint8Array | ArrayBuffer): void;
  readonly name: string;
  readonly open: boolean;
  readonly memory: boolean;
  /** Whether the database was opened with `{ readonly: true }`. */
  readonly readonly: boolean;
  readonly storage: 'memory' | 'node' | 'opfs' | 'indexeddb' | 'custom';
  readonly inTransaction: boolean;
  exec(sql: string): this;
  prepare<R = Row>(sql: string): Statement<R>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Registers a SQL scalar function, as better-sqlite3's db.function. */
  function(name: string, fn: (...args: any[]) => BindValue): this;
  function(name: string, options: FunctionOptions, fn: (...args: any[]) => BindValue): this;
  transaction<F extends (...args: any[]) => any>(fn: F): Transaction<F>;
  export(): Uint8Array;
  /** better-sqlite3's name for export(). */
  serialize(): Uint8Array;
  /** INTEGERs as bigint in statements prepared from now on. */
  defaultSafeIntegers(on?: boolean): this;
  flushed(): Promise<void>;
  close(): this;
}

export interface Queries {
  exec(sql: string): Promise<void>;
  query<R = Row>(sql: string, params?: BindValue[] | Record<string, BindValue>): Promise<R[]>;
  run(sql: string, params?: BindValue[] | Record<string, BindValue>): Promise<RunResult>;
  prepare<R = Row>(sql: string): Promise<AsyncStatement<R>>;
}

export interface AsyncStatement<R = Row> {
  readonly columnNames: string[];
  readonly reader: boolean;
  /** True when the statement changes nothing (SELECT, EXPLAIN, transaction control, reading PRAGMAs). */
  readonly readonly: boolean;
  run(...params: BindParameters): Promise<RunResult>;
  get(...params: BindParameters): Promise<R | undefined>;
  all(...params: BindParameters): Promise<R[]>;
  columns(): ColumnDescriptor[];
  finalize(): Promise<void>;
}

/** The async handle of open(): the engine runs in a Worker (in-process in Node.js). */
export interface AsyncDatabase extends Queries {
  readonly name: string;
  readonly storage: 'opfs' | 'indexeddb' | 'memory' | 'node';
  transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T>;
  export(): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function open(
  name: string,
  options?: OpenOptions & { persist?: boolean; worker?: Worker },
): Promise<AsyncDatabase>;

/** Loads the wasm module (a no-op in Node.js, which loads it at import). */
export function ready(): Promise<void>;

/** A page store in JS memory (tests, examples); limitPages simulates full storage. */
export class MemoryPageStore implements PageStore {
  constructor(name?: string, options?: { limitPages?: number });
  fileName(file: 0 | 1): string;
  pageCount(file: 0 | 1): number;
  readPage(file: 0 | 1, page: number, buf: Uint8Array): void;
  writePage(file: 0 | 1, page: number, buf: Uint8Array): void;
  truncate(file: 0 | 1, pages: number): void;
  sync(file: 0 | 1): void;
}
