// The entry point for browsers and Workers: open() for the main thread
// (the engine in a Worker), and the synchronous Database for dedicated
// Workers, after `await ready()` or through `await Database.open(...)`.

import init, * as bindings from './wasm/turdb.js';
import { setWasm, loaded } from './wasm.js';
import { Database, Statement, setPlatform } from './database.js';
import { acquire } from './locks.js';
import { OpfsStore, hasOpfs } from './stores/opfs.js';
import { IndexedDBStore, hasIndexedDB } from './stores/indexeddb.js';
import { TurDBError } from './errors.js';

let loading = null;

/** Loads and compiles the wasm module (once). */
export function ready() {
  if (loaded()) return Promise.resolve();
  loading ??= init({ module_or_path: new URL('./wasm/turdb_bg.wasm', import.meta.url) }).then(
    (exports) => setWasm(bindings, exports),
    (e) => {
      loading = null;
      throw new TurDBError(
        'IO',
        `loading turdb_bg.wasm failed: ${e?.message ?? e} (a server answering HTML for the .wasm URL shows as "expected magic word"; with Vite, exclude 'turdb' from optimizeDeps)`,
      );
    },
  );
  return loading;
}

async function openStore(name, storage, options) {
  let kind = storage;
  if (kind === 'auto') kind = hasOpfs() ? 'opfs' : hasIndexedDB() ? 'indexeddb' : 'memory';
  if (kind === 'memory') return null;
  if (kind !== 'opfs' && kind !== 'indexeddb') {
    throw new TurDBError('INVALID_ARGUMENT', `storage: expected 'opfs', 'indexeddb', 'memory' or 'auto', got ${JSON.stringify(storage)}`);
  }
  const release = await acquire(name, options);
  let store;
  try {
    store = kind === 'opfs' ? await OpfsStore.open(name, options) : await IndexedDBStore.open(name, options);
  } catch (e) {
    release();
    throw e;
  }
  store.kind = kind;
  const close = store.close.bind(store);
  store.close = () => {
    try {
      close();
    } finally {
      release();
    }
  };
  return store;
}

setPlatform({ ready, openStore });

export { Database, Statement, TurDBError, OpfsStore, IndexedDBStore };
export { open } from './client.js';
export { MemoryPageStore } from './stores/memory.js';
