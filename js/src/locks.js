// One owner per database name across tabs and workers, through Web Locks
// (lock "turdb:<name>"). Without `wait`, a reloading page retries for
// `retryMs` first (the previous page may still be letting go), then fails
// with BUSY saying the database is open in another tab; with `wait: true`
// it queues until the owner closes.

import { TurDBError } from './errors.js';

export function hasLocks() {
  return typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function';
}

/** Takes the lock of `name`; resolves to a function that releases it. */
export async function acquire(name, { wait = false, retryMs = 1500 } = {}) {
  if (!hasLocks()) return () => {};
  const key = `turdb:${name}`;
  const deadline = Date.now() + retryMs;
  for (;;) {
    let release;
    const held = new Promise((r) => (release = r));
    const got = await new Promise((resolve, reject) => {
      navigator.locks
        .request(key, wait ? { mode: 'exclusive' } : { mode: 'exclusive', ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          return held;
        })
        .catch(reject);
    });
    if (got) return release;
    if (Date.now() >= deadline) {
      throw new TurDBError(
        'BUSY',
        `database "${name}" is open in another tab or worker (close it there, or open with { wait: true } to wait for it)`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
