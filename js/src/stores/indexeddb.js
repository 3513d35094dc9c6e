// The IndexedDB page store. IndexedDB is asynchronous and the engine is
// not, so the database's pages live in memory (loaded at open — the
// documented exception to TurDB's memory budget) and every sync writes the
// pages changed since the last one in one IndexedDB transaction with
// { durability: 'strict' }. IndexedDB runs a store's transactions in the
// order they were made, and each is atomic, so what is on disk is always
// the state at some sync. `flushed()` resolves when every transaction so far
// has completed; the async API waits for it before it answers, so a commit
// is durable when its promise resolves. If a transaction fails the store is
// poisoned: every later call throws the cause, so no commit builds on state
// that was lost.

import { storeError } from '../errors.js';

const PAGE = 16384;
const DB = 'turdb';
const PAGES = 'pages';

export function hasIndexedDB() {
  return typeof indexedDB !== 'undefined';
}

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openIdb() {
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(PAGES);
  return request(r);
}

// Keys are [name, file, page]; page -1 holds the file's page count.
const range = (name, file) => IDBKeyRange.bound([name, file, -1], [name, file, Infinity]);

export class IndexedDBStore {
  /**
   * Loads database `name`'s pages. With `readonly` or `fileMustExist` a
   * database that was never written is NOT_FOUND (as better-sqlite3); a
   * read-only store refuses writes with READONLY.
   */
  static async open(name, { readonly = false, fileMustExist = false } = {}) {
    if (!hasIndexedDB()) throw storeError('UNSUPPORTED', 'storage "indexeddb": this context has no IndexedDB');
    let idb;
    try {
      idb = await openIdb();
    } catch (e) {
      throw storeError('IO', `open ${name}: IndexedDB refused (${e?.message ?? e})`, e);
    }
    const files = [];
    let found = false;
    try {
      const tx = idb.transaction(PAGES, 'readonly');
      const os = tx.objectStore(PAGES);
      for (const file of [0, 1]) {
        const [keys, values] = await Promise.all([request(os.getAllKeys(range(name, file))), request(os.getAll(range(name, file)))]);
        const pages = new Map();
        let count = 0;
        keys.forEach((k, i) => {
          if (k[2] === -1) count = values[i];
          else pages.set(k[2], values[i]);
        });
        // The main file's count record is written by every sync.
        if (file === 0) found = keys.length > 0;
        files.push({ pages, count });
      }
    } catch (e) {
      idb.close();
      throw storeError('IO', `open ${name}: loading the pages from IndexedDB failed (${e?.message ?? e})`, e);
    }
    if (!found && (readonly || fileMustExist)) {
      idb.close();
      throw storeError('NOT_FOUND', `open ${name}: unable to open database file: it does not exist in IndexedDB`);
    }
    return new IndexedDBStore(name, idb, files, readonly);
  }

  /** Removes database `name`'s pages. */
  static async remove(name) {
    const idb = await openIdb();
    const tx = idb.transaction(PAGES, 'readwrite', { durability: 'strict' });
    for (const file of [0, 1]) tx.objectStore(PAGES).delete(range(name, file));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
    idb.close();
  }

  constructor(name, idb, files, readonly = false) {
    this.names = [name, `${name}-wal`];
    this.readonly = readonly;
    this.idb = idb;
    this.files = files;
    this.dirty = [new Set(), new Set()];
    this.cut = [null, null]; // the smallest page count a truncate left since the last sync
    this.poisoned = null;
    this.last = Promise.resolve();
    this.failAfter = Infinity; // tests: make the n-th next transaction fail
  }

  check() {
    if (this.poisoned) throw this.poisoned;
  }

  writable(op, file) {
    this.check();
    if (this.readonly) throw storeError('READONLY', `${op} ${this.names[file]}: the database is open read-only`);
  }

  fileName(file) {
    return this.names[file];
  }

  pageCount(file) {
    this.check();
    return this.files[file].count;
  }

  readPage(file, page, buf) {
    this.check();
    const f = this.files[file];
    if (page >= f.count) {
      throw storeError('CORRUPT', `out of range (the file has ${f.count} pages)`);
    }
    const p = f.pages.get(page);
    if (p) buf.set(p);
    else buf.fill(0);
  }

  writePage(file, page, buf) {
    this.writable('write', file);
    const f = this.files[file];
    f.pages.set(page, buf.slice());
    if (page >= f.count) f.count = page + 1;
    this.dirty[file].add(page);
  }

  truncate(file, pages) {
    this.writable('truncate', file);
    const f = this.files[file];
    for (const p of f.pages.keys()) if (p >= pages) f.pages.delete(p);
    for (const p of this.dirty[file]) if (p >= pages) this.dirty[file].delete(p);
    f.count = pages;
    this.cut[file] = this.cut[file] === null ? pages : Math.min(this.cut[file], pages);
  }

  /** Writes everything changed since the last sync in one strict transaction. */
  sync() {
    this.check();
    // Nothing is ever dirty in a read-only store: this returns here.
    if (!this.dirty[0].size && !this.dirty[1].size && this.cut[0] === null && this.cut[1] === null) return;
    const name = this.names[0];
    let tx;
    try {
      tx = this.idb.transaction(PAGES, 'readwrite', { durability: 'strict' });
      const os = tx.objectStore(PAGES);
      for (const file of [0, 1]) {
        const f = this.files[file];
        if (this.cut[file] !== null) {
          os.delete(IDBKeyRange.bound([name, file, this.cut[file]], [name, file, Infinity]));
        }
        for (const p of this.dirty[file]) os.put(f.pages.get(p), [name, file, p]);
        os.put(f.count, [name, file, -1]);
        this.dirty[file].clear();
        this.cut[file] = null;
      }
      if (--this.failAfter <= 0) tx.abort();
    } catch (e) {
      this.poison(e);
      throw this.poisoned;
    }
    this.last = new Promise((resolve) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = (ev) => {
        ev?.preventDefault?.();
        this.poison(tx.error ?? new Error('the IndexedDB transaction was aborted'));
        resolve();
      };
    });
  }

  poison(cause) {
    if (this.poisoned) return;
    const full = cause?.name === 'QuotaExceededError';
    this.poisoned = storeError(
      full ? 'FULL' : 'IO',
      `IndexedDB: writing a commit of ${this.names[0]} failed (${cause?.name ?? 'Error'}: ${cause?.message ?? cause}); this handle is unusable, reopen the database (it reopens at its last durable commit)`,
      cause,
    );
  }

  /** Resolves when every sync so far is on disk; rejects if one failed. */
  async flushed() {
    await this.last;
    this.check();
  }

  close() {
    this.idb.close();
  }
}
