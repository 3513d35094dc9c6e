// The async handle returned by open(): exec, query, run, prepare,
// transaction, export, close — each a request to a Host (host.js), which
// runs in a Worker on the web (client.js) and in-process in Node.js.
//
// Calls on one handle run in order. While transaction(fn) runs, calls made
// through its `tx` go straight through and calls on the handle itself wait
// for the transaction to end, so nothing from outside lands inside it.

import { TurDBError } from './errors.js';

function paramsOf(params) {
  if (params === undefined || params === null) return [];
  return Array.isArray(params) ? params : [params];
}

class Queries {
  constructor(call) {
    this._call = call;
  }
  /** Runs every statement in `sql`. */
  async exec(sql) {
    await this._call('exec', { sql });
  }
  /** The rows of `sql` as objects (`params`: an array, or an object of named values). */
  query(sql, params) {
    return this._call('query', { sql, params: paramsOf(params) });
  }
  /** Runs `sql`; resolves to `{ changes, lastInsertRowid }`. */
  run(sql, params) {
    return this._call('run', { sql, params: paramsOf(params) });
  }
  /** A prepared statement whose run/get/all are async. */
  async prepare(sql) {
    const { id, columns, reader, readonly } = await this._call('prepare', { sql });
    return new AsyncStatement(this._call, id, columns, reader, readonly);
  }
}

export class AsyncStatement {
  #call;
  #id;
  #columns;
  /** `columns`: the host's `Statement.columns()`, taken at prepare. */
  constructor(call, id, columns, reader, readonly) {
    this.#call = call;
    this.#id = id;
    this.#columns = columns;
    this.columnNames = columns.map((c) => c.name);
    this.reader = reader;
    this.readonly = readonly;
  }
  run(...params) {
    return this.#call('stmt.run', { id: this.#id, params });
  }
  get(...params) {
    return this.#call('stmt.get', { id: this.#id, params });
  }
  all(...params) {
    return this.#call('stmt.all', { id: this.#id, params });
  }
  /** The result columns as `Statement.columns()` gives them. */
  columns() {
    return this.#columns.map((c) => ({ ...c }));
  }
  /** Frees the statement in the engine. */
  finalize() {
    return this.#call('stmt.finalize', { id: this.#id });
  }
}

export class AsyncDatabase extends Queries {
  #link;
  #chain = Promise.resolve();
  #closed = false;

  constructor(link, name, storage) {
    super((op, args) => this.#enqueue(() => link.call(op, args)));
    this.#link = link;
    this.name = name;
    /** Where the database lives: 'opfs', 'indexeddb', 'memory' or 'node'. */
    this.storage = storage;
  }

  #enqueue(f) {
    if (this.#closed) return Promise.reject(new TurDBError('MISUSE', `the database ${this.name} is closed`));
    const run = this.#chain.then(f);
    this.#chain = run.catch(() => {});
    return run;
  }

  /**
   * Runs `fn(tx)` in a transaction: COMMIT when its promise resolves,
   * ROLLBACK (and rethrow) when it rejects.
   */
  transaction(fn) {
    return this.#enqueue(async () => {
      let open = true;
      const tx = new Queries((op, args) => {
        if (!open) return Promise.reject(new TurDBError('MISUSE', 'the transaction has ended'));
        return this.#link.call(op, args);
      });
      await this.#link.call('exec', { sql: 'BEGIN' });
      try {
        const result = await fn(tx);
        await this.#link.call('exec', { sql: 'COMMIT' });
        return result;
      } catch (e) {
        if (await this.#link.call('inTransaction', {}).catch(() => false)) {
          await this.#link.call('exec', { sql: 'ROLLBACK' }).catch(() => {});
        }
        throw e;
      } finally {
        open = false;
      }
    });
  }

  /** The last commit as one self-contained image. */
  export() {
    return this._call('export', {});
  }

  /** Closes the database and ends its worker. */
  async close() {
    if (this.#closed) return;
    const done = this.#enqueue(() => this.#link.call('close', {}));
    this.#closed = true;
    try {
      await done;
    } finally {
      this.#link.terminate?.();
    }
  }
}
