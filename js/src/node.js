// The entry point for Node.js: the wasm module is loaded synchronously at
// import, so `new Database(path)` works at once; a path is a file database
// through node:fs with a lock file (stores/node-fs.js). open() gives the
// same async handle as in browsers, running in-process.

import { readFileSync } from 'node:fs';
import { initSync } from './wasm/turdb.js';
import * as bindings from './wasm/turdb.js';
import { setWasm } from './wasm.js';
import { Database, Statement, setPlatform } from './database.js';
import { NodeFileStore } from './stores/node-fs.js';
import { Host } from './host.js';
import { AsyncDatabase } from './async.js';
import { TurDBError } from './errors.js';

const exports = initSync({ module: readFileSync(new URL('./wasm/turdb_bg.wasm', import.meta.url)) });
setWasm(bindings, exports);

function openFile(path, options) {
  const store = NodeFileStore.open(path, options);
  store.kind = 'node';
  return store;
}

setPlatform({
  ready: async () => {},
  openPath: openFile,
  openStore: async (name, storage, options) => {
    if (storage === 'node' || storage === 'auto') return openFile(name, options);
    throw new TurDBError('UNSUPPORTED', `storage '${storage}' is not available in Node.js (use 'node' for a file or 'memory')`);
  },
});

/** Resolves at once: Node.js loads the module at import. */
export function ready() {
  return Promise.resolve();
}

/** The async handle of the browser API, in-process: storage 'node' (a file; the default) or 'memory'. */
export async function open(name, options = {}) {
  const host = new Host(async (n, o) => {
    const db = await Database.open(n, { storage: 'node', ...o });
    return { db, storage: db.storage, release: null };
  });
  const link = { call: (op, args) => host.request(op, args) };
  const { storage } = await link.call('open', { name, options });
  return new AsyncDatabase(link, name, storage);
}

export { Database, Statement, TurDBError, NodeFileStore };
export { MemoryPageStore } from './stores/memory.js';
