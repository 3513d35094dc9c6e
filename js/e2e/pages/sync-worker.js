// The synchronous API inside a dedicated Worker: Database.open on OPFS or
// IndexedDB, and an IndexedDB store made to fail (poisoning). The page
// sends { op, ... } and gets { ok, value } or { ok: false, code, message }.
import { Database, IndexedDBStore, ready } from '/dist/browser.js';

// Database.openStore is synchronous, so the module must be loaded first.
await ready();

const dbs = new Map();
const stores = new Map();

async function handle(m) {
  switch (m.op) {
    case 'open':
      dbs.set(m.name, await Database.open(m.name, { storage: m.storage }));
      return dbs.get(m.name).storage;
    case 'openIdbStore': {
      const store = await IndexedDBStore.open(m.name);
      stores.set(m.name, store);
      dbs.set(m.name, Database.openStore(store, { name: m.name }));
      return 'indexeddb';
    }
    case 'failNextIdbTransaction':
      stores.get(m.name).failAfter = 1;
      return null;
    case 'exec':
      dbs.get(m.name).exec(m.sql);
      return null;
    case 'all':
      return dbs.get(m.name).prepare(m.sql).all(...(m.params ?? []));
    case 'flushed':
      await dbs.get(m.name).flushed();
      return null;
    case 'close':
      dbs.get(m.name).close();
      dbs.delete(m.name);
      return null;
  }
  throw new Error(`unknown op ${m.op}`);
}

self.onmessage = async (e) => {
  try {
    self.postMessage({ id: e.data.id, ok: true, value: await handle(e.data) });
  } catch (err) {
    self.postMessage({ id: e.data.id, ok: false, code: err.code, message: err.message });
  }
};
self.postMessage({ ready: true });
