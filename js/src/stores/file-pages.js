// What the file-backed page stores (node-fs.js, opfs.js) share, so that
// both keep the page-store contract the same way: a database is the main
// file `name` and its WAL `name-wal`; page n is bytes n * PAGE up to
// (n + 1) * PAGE; the page count is taken from the sizes at open and then
// follows the store's own writes and truncates, so pageCount costs no call
// into the file system. A partial last page (an extension torn by a crash)
// was never synced, so it does not count.
//
// A read at or past the end throws CORRUPT, as the engine expects; a read
// that comes back short (beyond the end of a file that truncate extended)
// is zeros. A subclass supplies the byte I/O, throwing a storeError:
//
//   readAt(file, buf, offset) -> bytes read (fewer at the end of the file)
//   writeAt(file, buf, offset)   all of buf (a page, or less for
//                                writePagePrefix), or throw
//   resize(file, bytes)          sync(file)
//
// A store opened read-only refuses writes, truncates and syncs with
// READONLY before they reach the file (the subclass calls writable()).

import { storeError } from '../errors.js';

export const PAGE = 16384;

export class FilePageStore {
  /** `sizes`: the byte lengths of the main file and the WAL at open. */
  constructor(name, sizes, readonly = false) {
    this.names = [name, `${name}-wal`];
    this.counts = sizes.map((size) => Math.floor(size / PAGE));
    this.readonly = readonly;
  }

  /** Throws READONLY if the store was opened read-only. */
  writable(op, file) {
    if (this.readonly) throw storeError('READONLY', `${op} ${this.names[file]}: the file is open read-only`);
  }

  fileName(file) {
    return this.names[file];
  }

  pageCount(file) {
    return this.counts[file];
  }

  readPage(file, page, buf) {
    const count = this.counts[file];
    if (page >= count) {
      throw storeError('CORRUPT', `out of range (the file has ${count} pages)`);
    }
    const n = this.readAt(file, buf, page * PAGE);
    if (n < PAGE) buf.fill(0, n);
  }

  writePage(file, page, buf) {
    this.writeAt(file, buf, page * PAGE);
    if (page >= this.counts[file]) this.counts[file] = page + 1;
  }

  /** The start of a page inside the file (the engine's WAL segment pages);
   * false past the end, where the engine writes the whole page instead. */
  writePagePrefix(file, page, buf) {
    if (page >= this.counts[file]) return false;
    this.writeAt(file, buf, page * PAGE);
    return true;
  }

  truncate(file, pages) {
    this.resize(file, pages * PAGE);
    this.counts[file] = pages;
  }
}
