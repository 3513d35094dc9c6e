// One engine's run of the Node.js memory benchmark (run.mjs starts one
// process per engine, so JIT state and heaps do not mix):
//
//   insert   100k rows in one transaction through one prepared statement
//   point    100k SELECTs by primary key, in a shuffled order
//   scan     a filtered scan returning 10k of the rows as objects
//   group    a GROUP BY over all rows (100 groups)
//
// Each engine is driven through its public API the way its docs show.
// Prints one JSON line: { engine, insert, point, scan, group } in ms.

const N = Number(process.env.TURDB_BENCH_ROWS ?? 100_000);
const engine = process.argv[2];

const CREATE = 'CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)';
const INSERT = 'INSERT INTO t(id, k, v) VALUES (?, ?, ?)';
const POINT = 'SELECT id, k, v FROM t WHERE id = ?';
const SCAN = 'SELECT id, k, v FROM t WHERE k < 10';
const GROUP = 'SELECT k, count(*) AS n, sum(id) AS s FROM t GROUP BY k';

// The same shuffled ids for every engine (a fixed LCG, no Math.random).
const ids = Array.from({ length: N }, (_, i) => i + 1);
let seed = 12345;
for (let i = N - 1; i > 0; i--) {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  const j = seed % (i + 1);
  [ids[i], ids[j]] = [ids[j], ids[i]];
}
const row = (i) => [i, i % 100, `value ${i} `.padEnd(24, 'x')];

function time(f) {
  const t = performance.now();
  const out = f();
  return [performance.now() - t, out];
}

async function turdb() {
  const { Database } = await import('../../js/dist/node.js');
  const db = new Database(':memory:', { cachePages: 4096 });
  db.exec(CREATE);
  const ins = db.prepare(INSERT);
  const insertAll = db.transaction(() => {
    for (let i = 1; i <= N; i++) ins.run(...row(i));
  });
  const sel = db.prepare(POINT);
  const scan = db.prepare(SCAN);
  const group = db.prepare(GROUP);
  return {
    insert: () => insertAll(),
    point: () => {
      let n = 0;
      for (const id of ids) n += sel.get(id).k;
      return n;
    },
    scan: () => scan.all().length,
    group: () => group.all().length,
  };
}

async function sqliteWasm() {
  const { default: init } = await import('@sqlite.org/sqlite-wasm');
  const sqlite3 = await init();
  const db = new sqlite3.oo1.DB(':memory:');
  db.exec(CREATE);
  const ins = db.prepare(INSERT);
  const sel = db.prepare(POINT);
  return {
    insert: () => {
      db.exec('BEGIN');
      for (let i = 1; i <= N; i++) ins.bind(row(i)).stepReset();
      db.exec('COMMIT');
    },
    point: () => {
      let n = 0;
      for (const id of ids) {
        sel.bind([id]);
        sel.step();
        n += sel.get({}).k;
        sel.reset();
      }
      return n;
    },
    scan: () => db.exec({ sql: SCAN, rowMode: 'object', returnValue: 'resultRows' }).length,
    group: () => db.exec({ sql: GROUP, rowMode: 'object', returnValue: 'resultRows' }).length,
  };
}

async function sqlJs() {
  const { default: initSqlJs } = await import('sql.js');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(CREATE);
  const ins = db.prepare(INSERT);
  const sel = db.prepare(POINT);
  const all = (sql) => {
    const s = db.prepare(sql);
    const out = [];
    while (s.step()) out.push(s.getAsObject());
    s.free();
    return out;
  };
  return {
    insert: () => {
      db.run('BEGIN');
      for (let i = 1; i <= N; i++) ins.run(row(i));
      db.run('COMMIT');
    },
    point: () => {
      let n = 0;
      for (const id of ids) {
        n += sel.getAsObject([id]).k;
      }
      return n;
    },
    scan: () => all(SCAN).length,
    group: () => all(GROUP).length,
  };
}

const engines = { turdb, 'sqlite-wasm': sqliteWasm, 'sql.js': sqlJs };
if (!engines[engine]) {
  console.error(`usage: node bench.mjs ${Object.keys(engines).join('|')}`);
  process.exit(2);
}
const ops = await engines[engine]();
const result = { engine, rows: N };
const expect = { scan: N / 10, group: 100 };
for (const op of ['insert', 'point', 'scan', 'group']) {
  const [ms, out] = time(ops[op]);
  if (expect[op] !== undefined && out !== expect[op]) throw new Error(`${engine} ${op}: got ${out}, expected ${expect[op]}`);
  result[op] = Math.round(ms * 10) / 10;
}
console.log(JSON.stringify(result));
