// The OPFS benchmark's work, in a dedicated Worker (sync access handles
// exist only there). The page posts a task and gets back { ok, value }:
//
//   { phase: 'commits', engines, commits, block }
//       `commits` one-row INSERTs per engine, each its own (autocommit)
//       commit through one prepared statement. The engines take turns in
//       blocks of `block` commits, so a disk that slows down (another job
//       flushing) slows all of them alike instead of whichever ran then.
//   { phase: 'tx', engine, rows }
//       `rows` INSERTs through one prepared statement in one transaction,
//       BEGIN to durable COMMIT.
//
// With `count: true` the OPFS calls are counted too. Each phase and engine
// gets a database of its own, and OPFS is emptied first and last, so every
// run starts on fresh files.

const CREATE = 'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL)';
const INSERT = 'INSERT INTO t(id, name, score) VALUES (?, ?, ?)';
const row = (i) => [i, `name ${i}`.padEnd(24, 'x'), i / 7];
const SYNC = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

async function clearOpfs() {
  const root = await navigator.storage.getDirectory();
  for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
}

// Each engine: open(name) gives { exec, count, insertOne, insertMany, close }
// over the engine's public API, the way its docs show.

async function turdb() {
  const { Database } = await import('/js/dist/browser.js');
  const settings = {};
  return {
    settings,
    async open(name) {
      // synchronous 'full' is the default: a commit returns once its WAL
      // frames are flushed.
      const db = await Database.open(name, { storage: 'opfs' });
      const one = (p) => db.pragma(p, { simple: true });
      Object.assign(settings, { journal_mode: one('journal_mode'), synchronous: SYNC[one('synchronous')], cache_size: one('cache_size') });
      const ins = () => db.prepare(INSERT);
      return {
        exec: (sql) => db.exec(sql),
        count: () => db.prepare('SELECT count(*) AS n FROM t').get().n,
        insertOne() {
          const s = ins();
          return (i) => s.run(...row(i));
        },
        insertMany() {
          const s = ins();
          return db.transaction((n) => {
            for (let i = 1; i <= n; i++) s.run(...row(i));
          });
        },
        close: () => db.close(),
      };
    },
    async shutdown() {},
  };
}

// sqlite-wasm's opfs-sahpool VFS. `wal` is the counterpart of TurDB's FULL:
// a WAL, flushed at every commit (synchronous=FULL; NORMAL would flush only
// at checkpoints). This VFS has no shared memory, so WAL needs
// locking_mode=EXCLUSIVE, which TurDB's one-owner-per-database model
// matches. `default` keeps what a new database gets: a rollback journal
// (journal_mode=DELETE) at the default synchronous level.
let sqliteLib = null;
async function sqlite(mode) {
  sqliteLib ??= (async () => {
    const { default: init } = await import('/benches/js/node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs');
    const sqlite3 = await init();
    // Up to three databases and their journals, with room to spare.
    return sqlite3.installOpfsSAHPoolVfs({ clearOnInit: true, initialCapacity: 10 });
  })();
  const pool = await sqliteLib;
  const settings = {};
  return {
    settings,
    async open(name) {
      const db = new pool.OpfsSAHPoolDb(`/${name}.sqlite3`);
      const one = (sql) => db.selectValue(sql);
      if (mode === 'wal') {
        one('PRAGMA locking_mode=EXCLUSIVE');
        if (one('PRAGMA journal_mode=WAL') !== 'wal') throw new Error('sqlite-wasm: journal_mode=WAL was refused');
        db.exec('PRAGMA synchronous=FULL');
      }
      settings.journal_mode = one('PRAGMA journal_mode');
      settings.synchronous = SYNC[one('PRAGMA synchronous')];
      settings.locking_mode = one('PRAGMA locking_mode');
      settings.cache_size = one('PRAGMA cache_size');
      settings.page_size = one('PRAGMA page_size');
      const stmts = [];
      const ins = () => {
        const s = db.prepare(INSERT);
        stmts.push(s);
        return s;
      };
      return {
        exec: (sql) => db.exec(sql),
        count: () => one('SELECT count(*) FROM t'),
        insertOne() {
          const s = ins();
          return (i) => s.bind(row(i)).stepReset();
        },
        insertMany() {
          const s = ins();
          return (n) => {
            db.exec('BEGIN');
            for (let i = 1; i <= n; i++) s.bind(row(i)).stepReset();
            db.exec('COMMIT');
          };
        },
        close() {
          for (const s of stmts) s.finalize();
          db.close();
        },
      };
    },
    // Releases the pool's sync access handles, so OPFS can be emptied.
    async shutdown() {
      if (sqliteLib === null) return;
      sqliteLib = null;
      await pool.removeVfs();
    },
  };
}

// Counts the OPFS calls both engines make, by wrapping the sync access
// handle's methods (only in the separate `count` run, so the timed runs
// see the browser's own methods).
function instrument() {
  const P = FileSystemSyncAccessHandle.prototype;
  const c = { read: 0, write: 0, writeBytes: 0, writeMs: 0, flush: 0, flushMs: 0, truncate: 0, getSize: 0 };
  const wrap = (name, f) => {
    const orig = P[name];
    P[name] = function (...args) {
      const t = performance.now();
      try {
        return orig.apply(this, args);
      } finally {
        f(performance.now() - t, args);
      }
    };
  };
  wrap('read', () => c.read++);
  wrap('write', (ms, [buf]) => {
    c.write++;
    c.writeBytes += buf.byteLength;
    c.writeMs += ms;
  });
  wrap('flush', (ms) => {
    c.flush++;
    c.flushMs += ms;
  });
  wrap('truncate', () => c.truncate++);
  wrap('getSize', () => c.getSize++);
  return c;
}

// The floor under a commit, in the commit phase's turns: one 16 KiB write
// and one flush() on a sync access handle of its own, `at`:
//   'end'       appended, so the file grows (a WAL before its first checkpoint)
//   'start'     over the same page (a WAL written over after a checkpoint)
//   'reserved'  appended into room made beforehand with truncate(), so
//               the write does not grow the file
async function floor(at) {
  return {
    settings: { write: '16 KiB', at },
    async open(name) {
      const dir = await navigator.storage.getDirectory();
      const h = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
      const page = new Uint8Array(16384).fill(0x5a);
      if (at === 'reserved') {
        h.truncate(64 << 20);
        h.flush();
      }
      let n = 0;
      return {
        exec() {},
        count: () => n,
        insertOne: () => (i) => {
          h.write(page, { at: at === 'start' ? 0 : (i - 1) * page.length });
          h.flush();
          n++;
        },
        close: () => h.close(),
      };
    },
    async shutdown() {},
  };
}

const ENGINES = {
  turdb: () => turdb(),
  'sqlite-wal': () => sqlite('wal'),
  'sqlite-default': () => sqlite('default'),
  'flush-append': () => floor('end'),
  'flush-overwrite': () => floor('start'),
  'flush-reserved': () => floor('reserved'),
};
const load = (engine) => ENGINES[engine]();
const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));
const add = (into, d) => {
  for (const k of Object.keys(d)) into[k] = (into[k] ?? 0) + d[k];
};
const check = (engine, db, n) => {
  if (db.count() !== n) throw new Error(`${engine}: ${db.count()} rows where ${n} were inserted`);
};

async function commitsPhase({ engines, commits, block, count }) {
  await clearOpfs();
  const counters = count ? instrument() : null;
  const runs = [];
  for (const engine of engines) {
    const eng = await load(engine);
    const db = await eng.open(`commits-${engine}`);
    db.exec(CREATE);
    runs.push({ engine, eng, db, insert: db.insertOne(), ms: 0, blocks: [], calls: {} });
  }
  for (let done = 0, b = 0; done < commits; done += block, b++) {
    const n = Math.min(block, commits - done);
    // Rotating who goes first: no engine always runs right after another's
    // flush.
    for (let k = 0; k < runs.length; k++) {
      const r = runs[(b + k) % runs.length];
      const before = counters && { ...counters };
      const t = performance.now();
      for (let i = done + 1; i <= done + n; i++) r.insert(i);
      const ms = performance.now() - t;
      r.ms += ms;
      r.blocks.push(ms);
      if (counters) add(r.calls, diff(before, counters));
    }
  }
  const out = {};
  for (const r of runs) {
    check(r.engine, r.db, commits);
    r.db.close();
    out[r.engine] = { ms: r.ms, blocks: r.blocks, calls: counters ? r.calls : undefined, settings: r.eng.settings };
  }
  for (const r of runs) await r.eng.shutdown();
  await clearOpfs();
  return out;
}

async function txPhase({ engine, rows, count }) {
  await clearOpfs();
  const counters = count ? instrument() : null;
  const eng = await load(engine);
  const db = await eng.open(`tx-${engine}`);
  db.exec(CREATE);
  const insertMany = db.insertMany();
  const before = counters && { ...counters };
  const t = performance.now();
  insertMany(rows);
  const ms = performance.now() - t;
  const calls = counters ? diff(before, counters) : undefined;
  check(engine, db, rows);
  db.close();
  await eng.shutdown();
  await clearOpfs();
  return { ms, calls, settings: eng.settings };
}

const phases = { commits: commitsPhase, tx: txPhase };

self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: true, value: await phases[e.data.phase](e.data) });
  } catch (err) {
    self.postMessage({ ok: false, error: `${err?.name ?? 'Error'}: ${err?.message ?? err}${err?.code ? ` (${err.code})` : ''}` });
  }
};
