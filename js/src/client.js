// open() for the main thread of a page: the engine runs in a dedicated
// Worker shipped in this package (worker.js), where OPFS sync access
// handles exist, and this side talks to it with messages. No COOP/COEP
// headers are needed: nothing here uses SharedArrayBuffer.

import { AsyncDatabase } from './async.js';
import { TurDBError } from './errors.js';

class WorkerLink {
  constructor(worker) {
    this.worker = worker;
    this.pending = new Map();
    this.next = 1;
    this.failed = null;
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    worker.addEventListener('message', (e) => {
      const m = e.data;
      if (m?.ready) {
        this.readyResolve();
        return;
      }
      const p = this.pending.get(m?.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new TurDBError(m.error.code, m.error.message));
      else p.resolve(m.value);
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault?.();
      this.fail(
        new TurDBError(
          'IO',
          `the TurDB worker failed${e.message ? `: ${e.message}` : ' to load'} (is worker.js and turdb_bg.wasm served from the package? with Vite, exclude 'turdb' from optimizeDeps)`,
        ),
      );
    });
  }

  fail(err) {
    this.failed = err;
    this.readyReject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  call(op, args) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  terminate() {
    this.worker.terminate();
    this.fail(new TurDBError('MISUSE', 'the database is closed'));
  }
}

/**
 * Opens database `name` in a Worker and returns its async handle.
 *
 * options.storage: 'opfs' | 'indexeddb' | 'memory' | 'auto' (default:
 * OPFS where it exists, else IndexedDB); options.persist asks
 * navigator.storage.persist() so the browser keeps the data under storage
 * pressure; options.wait waits for another tab to close the database
 * instead of failing with BUSY.
 */
export async function open(name, options = {}) {
  if (typeof name !== 'string' || name === '') {
    throw new TurDBError('INVALID_ARGUMENT', 'open(name): name must be a non-empty string');
  }
  const { worker: given, persist, ...rest } = options;
  if (persist && typeof navigator !== 'undefined' && navigator.storage?.persist) {
    await navigator.storage.persist();
  }
  const worker = given ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `turdb:${name}` });
  const link = new WorkerLink(worker);
  try {
    await link.ready;
    const { storage } = await link.call('open', { name, options: { storage: 'auto', ...rest } });
    return new AsyncDatabase(link, name, storage);
  } catch (e) {
    link.terminate();
    throw e;
  }
}
