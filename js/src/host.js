// The engine side of the async API: requests ({ op, args }) run against a
// synchronous Database. worker.js feeds it messages from the main thread;
// in Node.js open() calls it in-process. Requests run one at a time, in
// order; a store that writes asynchronously (IndexedDB) is waited for
// before each answer, so a commit is durable when its answer arrives.

import { Database } from './database.js';
import { TurDBError } from './errors.js';

export class Host {
  constructor(openStore) {
    this.openStore = openStore; // async (name, options) -> { db, storage, release }
    this.db = null;
    this.storage = null;
    this.release = null;
    this.statements = new Map();
    this.nextId = 1;
    this.queue = Promise.resolve();
  }

  /** Runs one request after the ones before it. */
  request(op, args) {
    const run = this.queue.then(() => this.run(op, args));
    this.queue = run.catch(() => {});
    return run;
  }

  need() {
    if (!this.db) throw new TurDBError('MISUSE', 'the database is closed');
    return this.db;
  }

  stmt(id) {
    const s = this.statements.get(id);
    if (!s) throw new TurDBError('MISUSE', `statement ${id} is finalized or its database is closed`);
    return s;
  }

  async run(op, args) {
    const value = this.dispatch(op, args);
    const result = value instanceof Promise ? await value : value;
    if (this.db) await this.db.flushed();
    return result;
  }

  dispatch(op, a) {
    switch (op) {
      case 'open':
        return this.open(a);
      case 'exec':
        this.need().exec(a.sql);
        return undefined;
      case 'query': {
        const s = this.need().prepare(a.sql);
        return s.reader ? s.all(...a.params) : (s.run(...a.params), []);
      }
      case 'run': {
        return this.need().prepare(a.sql).run(...a.params);
      }
      case 'prepare': {
        const s = this.need().prepare(a.sql);
        const id = this.nextId++;
        this.statements.set(id, s);
        // The full column descriptors, so the handle's columns() needs no
        // second round trip.
        return { id, columns: s.columns(), reader: s.reader, readonly: s.readonly };
      }
      case 'stmt.run':
        return this.stmt(a.id).run(...a.params);
      case 'stmt.get':
        return this.stmt(a.id).get(...a.params);
      case 'stmt.all':
        return this.stmt(a.id).all(...a.params);
      case 'stmt.raw':
        this.stmt(a.id).raw(a.on);
        return undefined;
      case 'stmt.finalize':
        this.statements.delete(a.id);
        return undefined;
      case 'inTransaction':
        return this.need().inTransaction;
      case 'export':
        return this.need().export();
      case 'close':
        return this.close();
      default:
        throw new TurDBError('MISUSE', `unknown request ${op}`);
    }
  }

  async open(a) {
    if (this.db) throw new TurDBError('MISUSE', 'this handle already has an open database');
    const { db, storage, release } = await this.openStore(a.name, a.options ?? {});
    this.db = db;
    this.storage = storage;
    this.release = release;
    return { storage };
  }

  async close() {
    if (!this.db) return undefined;
    const db = this.db;
    this.db = null;
    this.statements.clear();
    try {
      await db.flushed().catch(() => {});
      db.close();
      await db.flushed();
    } finally {
      this.release?.();
      this.release = null;
    }
    return undefined;
  }
}

/** An error as it crosses postMessage (Error subclasses lose their fields). */
export function serializeError(e) {
  return { code: e?.code ?? 'INTERNAL', message: e?.message ?? String(e) };
}
