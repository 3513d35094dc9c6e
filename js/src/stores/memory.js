// A page store in JS memory. The engine has its own (faster) memory store
// for ':memory:'; this one exists for tests and as the smallest example of
// the page-store interface (`Database.openStore`). `limitPages` makes it act
// like storage that runs out: a write past the limit is short and throws
// FULL, as OPFS near its quota does.

import { storeError } from '../errors.js';

const PAGE = 16384;

export class MemoryPageStore {
  constructor(name = 'memory', { limitPages = Infinity } = {}) {
    this.names = [name, `${name}-wal`];
    this.files = [[], []];
    this.limitPages = limitPages;
    this.syncs = 0;
  }

  fileName(file) {
    return this.names[file];
  }

  pageCount(file) {
    return this.files[file].length;
  }

  readPage(file, page, buf) {
    const f = this.files[file];
    if (page >= f.length) {
      throw storeError('CORRUPT', `out of range (the file has ${f.length} pages)`);
    }
    const p = f[page];
    if (p) buf.set(p);
    else buf.fill(0);
  }

  used() {
    return this.files[0].length + this.files[1].length;
  }

  writePage(file, page, buf) {
    const f = this.files[file];
    const grow = Math.max(0, page + 1 - f.length);
    if (this.used() + grow > this.limitPages) {
      throw storeError('FULL', `storage full (limit of ${this.limitPages} pages)`);
    }
    while (f.length < page) f.push(null);
    f[page] = buf.slice();
  }

  truncate(file, pages) {
    const f = this.files[file];
    if (pages < f.length) f.length = pages;
    while (f.length < pages) f.push(null);
  }

  sync() {
    this.syncs++;
  }
}
