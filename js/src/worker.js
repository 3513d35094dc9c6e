// The Worker behind open(): loads the engine and answers the main
// thread's requests (host.js) against one database.

import { Database, ready } from './browser.js';
import { Host, serializeError } from './host.js';

const host = new Host(async (name, options) => {
  await ready();
  const db = await Database.open(name, options);
  return { db, storage: db.storage, release: null };
});

self.addEventListener('message', (e) => {
  const { id, op, args } = e.data ?? {};
  if (id === undefined) return;
  host.request(op, args).then(
    (value) => {
      if (value instanceof Uint8Array) self.postMessage({ id, value }, [value.buffer]);
      else self.postMessage({ id, value });
    },
    (err) => self.postMessage({ id, error: serializeError(err) }),
  );
});

self.postMessage({ ready: true });
