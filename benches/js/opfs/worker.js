// One engine's run of the OPFS benchmark, in a dedicated Worker. The page
// posts { engine, commits, rows, count } and gets back { ok, value } with
// the times in ms (and, with `count`, the OPFS calls each phase made).
//
//   commits  `commits` one-row INSERTs, each its own (autocommit) commit,
//            through one prepared statement
//   tx       `rows` INSERTs through one prepared statement in one
//            transaction, BEGIN to durable COMMIT
//
// Each phase gets a database of its own, so the transaction does not start
// behind the commits' WAL. OPFS is emptied first: every run starts on fresh
// files.

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
async function sqlite(mode) {
  const { default: init } = await import('/benches/js/node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs');
  const sqlite3 = await init();
  // Two databases plus their journals, with room to spare.
  const pool = await sqlite3.installOpfsSAHPoolVfs({ clearOnInit: true, initialCapacity: 8 });
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
    // Releases the pool's sync access handles, so the next run can empty OPFS.
    shutdown: () => pool.removeVfs(),
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

const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));

async function run({ engine, commits, rows, count }) {
  await clearOpfs();
  const counters = count ? instrument() : null;
  const snap = () => counters && { ...counters };
  const eng = engine === 'turdb' ? await turdb() : await sqlite(engine === 'sqlite-wal' ? 'wal' : 'default');
  const out = { engine };

  let db = await eng.open('commits');
  db.exec(CREATE);
  const insertOne = db.insertOne();
  let before = snap();
  let t = performance.now();
  for (let i = 1; i <= commits; i++) insertOne(i);
  out.commitsMs = performance.now() - t;
  if (counters) out.commitsCalls = diff(before, counters);
  if (db.count() !== commits) throw new Error(`${engine}: ${db.count()} rows after ${commits} commits`);
  db.close();

  db = await eng.open('tx');
  db.exec(CREATE);
  const insertMany = db.insertMany();
  before = snap();
  t = performance.now();
  insertMany(rows);
  out.txMs = performance.now() - t;
  if (counters) out.txCalls = diff(before, counters);
  if (db.count() !== rows) throw new Error(`${engine}: ${db.count()} rows after the transaction of ${rows}`);
  db.close();

  out.settings = eng.settings;
  await eng.shutdown();
  await clearOpfs();
  return out;
}

self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: true, value: await run(e.data) });
  } catch (err) {
    self.postMessage({ ok: false, error: `${err?.name ?? 'Error'}: ${err?.message ?? err}${err?.code ? ` (${err.code})` : ''}` });
  }
};
