// The OPFS page store, for a dedicated Worker: the main file and its WAL as
// two files in the origin-private file system (directory "turdb"), read and
// written through sync access handles. Creating the handles is the only
// asynchronous part (open); every page call after is synchronous.
//
// A file has one sync access handle at a time across all tabs, so the
// caller takes the database's Web Lock first (locks.js). Near the quota
// `write()` can return fewer bytes than asked without throwing, so every
// count is checked: short writes and QuotaExceededError are FULL. Opened
// read-only (or fileMustExist) it creates no file, and a read-only store
// refuses every write, truncate and sync with READONLY. Pages,
// counts and the range check are FilePageStore's (file-pages.js).

import { storeError } from '../errors.js';
import { FilePageStore } from './file-pages.js';

const DIR = 'turdb';

/** Whether this global has OPFS with sync access handles (dedicated Workers). */
export function hasOpfs() {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof globalThis.FileSystemFileHandle === 'function' &&
    typeof globalThis.FileSystemFileHandle.prototype.createSyncAccessHandle === 'function'
  );
}

function checkName(name) {
  if (typeof name !== 'string' || name === '' || /[/\\\0]/.test(name) || name.length > 200) {
    throw storeError('INVALID_ARGUMENT', `open: ${JSON.stringify(name)} is not a valid database name (no slashes, 1-200 characters)`);
  }
}

/** The file's sync access handle; null if `create` is false and it is missing. */
async function handleFor(dir, fileName, retryMs, create = true) {
  let file;
  try {
    file = await dir.getFileHandle(fileName, { create });
  } catch (e) {
    if (!create && e?.name === 'NotFoundError') return null;
    throw storeError('IO', `open ${fileName}: ${e?.message ?? e}`, e);
  }
  // A page that is reloading may still be closing its handles.
  const deadline = Date.now() + retryMs;
  for (;;) {
    try {
      return await file.createSyncAccessHandle();
    } catch (e) {
      if (e?.name !== 'NoModificationAllowedError' || Date.now() >= deadline) {
        const busy = e?.name === 'NoModificationAllowedError';
        throw storeError(
          busy ? 'BUSY' : 'IO',
          busy
            ? `open ${fileName}: the file is open elsewhere (another tab or worker holds its OPFS handle)`
            : `open ${fileName}: ${e?.message ?? e}`,
          e,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A sync access handle's exception as a store error: a quota error is FULL. */
function handleError(e) {
  const what = `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
  return e?.name === 'QuotaExceededError'
    ? storeError('FULL', `storage full (the origin's storage quota is used up): ${what}`, e)
    : storeError('IO', what, e);
}

export class OpfsStore extends FilePageStore {
  /**
   * Opens the OPFS files of database `name`, creating them if needed unless
   * `readonly` or `fileMustExist` (as better-sqlite3: a missing database is
   * NOT_FOUND). A read-only store creates nothing: a missing WAL reads as
   * empty, and writes are READONLY.
   */
  static async open(name, { retryMs = 2000, readonly = false, fileMustExist = false } = {}) {
    checkName(name);
    if (!hasOpfs()) {
      throw storeError('UNSUPPORTED', 'storage "opfs": this browser or context has no OPFS sync access handles (they exist only in dedicated Workers)');
    }
    let dir;
    try {
      dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(DIR, { create: true });
    } catch (e) {
      throw storeError('IO', `open ${name}: OPFS is not available (${e?.message ?? e})`, e);
    }
    const main = await handleFor(dir, name, retryMs, !(readonly || fileMustExist));
    if (main === null) {
      throw storeError('NOT_FOUND', `open ${name}: unable to open database file: it does not exist in OPFS`);
    }
    let wal;
    try {
      wal = await handleFor(dir, `${name}-wal`, retryMs, !readonly);
    } catch (e) {
      main.close();
      throw e;
    }
    return new OpfsStore(name, [main, wal], !!readonly);
  }

  /** Removes database `name`'s files (it must be closed everywhere). */
  static async remove(name) {
    checkName(name);
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(DIR, { create: true });
    for (const f of [name, `${name}-wal`]) {
      await dir.removeEntry(f).catch((e) => {
        if (e?.name !== 'NotFoundError') throw e;
      });
    }
  }

  /** `handles`: the main file's and the WAL's (null: a read-only store's missing WAL). */
  constructor(name, handles, readonly = false) {
    super(name, handles.map((h) => (h === null ? 0 : h.getSize())), readonly);
    this.handles = handles;
  }

  readAt(file, buf, offset) {
    return this.handles[file].read(buf, { at: offset });
  }

  writeAt(file, buf, offset) {
    this.writable('write', file);
    let n;
    try {
      n = this.handles[file].write(buf, { at: offset });
    } catch (e) {
      throw handleError(e);
    }
    if (n !== buf.length) {
      throw storeError('FULL', `storage full: wrote ${n} of ${buf.length} bytes (the origin's storage quota is used up)`);
    }
  }

  resize(file, bytes) {
    this.writable('truncate', file);
    try {
      this.handles[file].truncate(bytes);
    } catch (e) {
      throw handleError(e);
    }
  }

  sync(file) {
    this.writable('sync', file);
    try {
      this.handles[file].flush();
    } catch (e) {
      throw handleError(e);
    }
  }

  close() {
    for (const h of this.handles.splice(0)) {
      try {
        h?.close();
      } catch {
        // closing is best effort once the engine has flushed
      }
    }
  }
}
