// The node:fs page store: the main file and `<path>-wal`, read and written
// by page with positioned synchronous I/O, and a lock file `<path>-lock`
// holding the owner's pid, created exclusively. A lock whose pid is no
// longer running (a crashed process) is taken over; a live one makes open
// fail with BUSY, or wait up to `options.timeout` ms. Pages, counts and
// the range check are FilePageStore's (file-pages.js).
//
// `options.readonly` opens existing files for reading only (a missing WAL
// reads as empty) and refuses every write; the lock file is still taken,
// as Node has no shared file locks. `options.fileMustExist` makes a
// missing main file an error instead of a new database.

import fs from 'node:fs';
import { storeError } from '../errors.js';
import { FilePageStore, PAGE } from './file-pages.js';

const open = new Set(); // stores to unlock if the process exits without close()

process.once('exit', () => {
  for (const s of open) s.unlock();
});

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function codeOf(e) {
  return e && (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'EFBIG') ? 'FULL' : 'IO';
}

/** Takes the lock file, or throws BUSY naming the owner. */
function lock(path, timeout) {
  const lockPath = `${path}-lock`;
  const deadline = Date.now() + (timeout ?? 0);
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return lockPath;
    } catch (e) {
      if (e.code !== 'EEXIST') {
        throw storeError(codeOf(e), `open ${path}: cannot create the lock file ${lockPath}: ${e.message}`, e);
      }
    }
    let owner = NaN;
    let age = 0;
    try {
      owner = parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      age = Date.now() - fs.statSync(lockPath).mtimeMs;
    } catch {
      continue; // removed meanwhile: try again
    }
    // A lock without a pid is being written right now, unless it is old
    // (its writer died between creating and writing it).
    const stale = Number.isInteger(owner) ? !alive(owner) : age > 2000;
    if (stale) {
      try {
        fs.unlinkSync(lockPath);
      } catch {
        // another process took it over first; the next round sees its pid
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = Number.isInteger(owner)
        ? owner === process.pid
          ? 'this process (it is already open)'
          : `process ${owner}`
        : 'another process';
      throw storeError(
        'BUSY',
        `database is locked: ${path} is open in ${who} (lock file ${lockPath}; options.timeout waits for it)`,
      );
    }
    sleep(Math.min(25, Math.max(1, deadline - Date.now())));
  }
}

export class NodeFileStore extends FilePageStore {
  /** Opens (creating if needed, unless `readonly` or `fileMustExist`) the files of the database at `path`. */
  static open(path, options = {}) {
    const readonly = !!options.readonly;
    if ((readonly || options.fileMustExist) && !fs.existsSync(path)) {
      throw storeError('NOT_FOUND', `open ${path}: unable to open database file: it does not exist`);
    }
    const lockPath = lock(path, options.timeout);
    const fds = [];
    try {
      for (const p of [path, `${path}-wal`]) {
        let fd;
        try {
          fd = fs.openSync(p, readonly ? 'r' : 'r+');
        } catch (e) {
          if (e.code !== 'ENOENT') throw e;
          // A read-only store without a WAL has nothing to read there.
          fd = readonly ? null : fs.openSync(p, 'w+');
        }
        fds.push(fd);
      }
    } catch (e) {
      for (const fd of fds) if (fd !== null) fs.closeSync(fd);
      fs.rmSync(lockPath, { force: true });
      throw storeError(codeOf(e), `open ${path}: ${e.message}`, e);
    }
    return new NodeFileStore(path, fds, lockPath, readonly);
  }

  constructor(path, fds, lockPath, readonly = false) {
    super(path, fds.map((fd) => (fd === null ? 0 : fs.fstatSync(fd).size)), readonly);
    this.fds = fds;
    this.lockPath = lockPath;
    open.add(this);
  }

  readAt(file, buf, offset) {
    let done = 0;
    try {
      while (done < PAGE) {
        const n = fs.readSync(this.fds[file], buf, done, PAGE - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw storeError(codeOf(e), e.message, e);
    }
    return done;
  }

  writeAt(file, buf, offset) {
    this.writable('write', file);
    // A whole page, or a segment page's prefix (writePagePrefix).
    const len = buf.length;
    let done = 0;
    try {
      while (done < len) {
        const n = fs.writeSync(this.fds[file], buf, done, len - done, offset + done);
        if (n <= 0) throw storeError('FULL', `wrote ${done} of ${len} bytes (storage full?)`);
        done += n;
      }
    } catch (e) {
      if (e.code === 'FULL') throw e;
      throw storeError(codeOf(e), e.message, e);
    }
  }

  resize(file, bytes) {
    this.writable('truncate', file);
    try {
      fs.ftruncateSync(this.fds[file], bytes);
    } catch (e) {
      throw storeError(codeOf(e), e.message, e);
    }
  }

  sync(file) {
    this.writable('sync', file);
    try {
      fs.fdatasyncSync(this.fds[file]);
    } catch (e) {
      throw storeError(codeOf(e), e.message, e);
    }
  }

  unlock() {
    if (this.lockPath) {
      fs.rmSync(this.lockPath, { force: true });
      this.lockPath = null;
    }
  }

  close() {
    for (const fd of this.fds.splice(0)) {
      if (fd === null) continue;
      try {
        fs.closeSync(fd);
      } catch {
        // closing is best effort once the engine has synced
      }
    }
    this.unlock();
    open.delete(this);
  }
}
