// The synchronous API in Node.js, on memory and on files: CRUD, parameters,
// transactions and rollback, reopening, export/import, the lock file,
// storage full, and errors with codes. Runs against js/dist (make js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database, TurDBError, MemoryPageStore, NodeFileStore, open } from '../dist/node.js';
import { generatesRows } from '../dist/wasm.js';

function tmp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turdb-node-'));
  return { dir, file: path.join(dir, 'app.turdb'), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function code(fn, want, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof TurDBError, `expected a TurDBError, got ${e}`);
    assert.equal(e.code, want, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('CRUD on memory', () => {
  const db = new Database();
  assert.equal(db.memory, true);
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB)');
  const ins = db.prepare('INSERT INTO t(name, score, data) VALUES (?, ?, ?)');
  assert.deepEqual(ins.run('ann', 1.5, new Uint8Array([1, 2, 3])), { changes: 1, lastInsertRowid: 1 });
  assert.deepEqual(ins.run('bob', null, null), { changes: 1, lastInsertRowid: 2 });
  const row = db.prepare('SELECT * FROM t WHERE id = ?').get(1);
  assert.deepEqual(row, { id: 1, name: 'ann', score: 1.5, data: new Uint8Array([1, 2, 3]) });
  assert.equal(db.prepare('SELECT * FROM t WHERE id = ?').get(99), undefined);
  assert.deepEqual(db.prepare('UPDATE t SET score = score + 1 WHERE score IS NOT NULL').run(), { changes: 1, lastInsertRowid: 2 });
  assert.deepEqual(db.prepare('SELECT name, score FROM t ORDER BY id').all(), [
    { name: 'ann', score: 2.5 },
    { name: 'bob', score: null },
  ]);
  assert.equal(db.prepare('DELETE FROM t WHERE name = ?').run('bob').changes, 1);
  assert.deepEqual(db.prepare('SELECT count(*) AS n FROM t').get(), { n: 1 });
  db.close();
  assert.equal(db.open, false);
  code(() => db.exec('SELECT 1'), 'MISUSE', /closed/);
});

test('values: unicode text, big integers, bigint, booleans, blobs', () => {
  const db = new Database();
  db.exec('CREATE TABLE v(x)');
  const ins = db.prepare('INSERT INTO v VALUES (?)');
  const text = 'héllo wörld ✓ 𝄞 '.repeat(10);
  for (const v of [text, 'ascii', '', 2 ** 53 - 1, 2n ** 62n, -(2n ** 63n), true, 0.1, -0, new Uint8Array(0), new Uint8Array(70000).fill(7)]) {
    ins.run(v);
  }
  const got = db.prepare('SELECT x FROM v ORDER BY rowid').pluck().all();
  assert.equal(got[0], text);
  assert.equal(got[1], 'ascii');
  assert.equal(got[2], '');
  assert.equal(got[3], 2 ** 53 - 1);
  assert.equal(got[4], 2n ** 62n, 'beyond 2^53 an INTEGER is a bigint');
  assert.equal(got[5], -(2n ** 63n));
  assert.equal(got[6], 1, 'true binds as 1');
  assert.equal(got[7], 0.1);
  assert.deepEqual(got[9], new Uint8Array(0));
  assert.equal(got[10].length, 70000);
  assert.equal(got[10][69999], 7);
  const safe = db.prepare('SELECT x FROM v WHERE rowid = 4').pluck().safeIntegers();
  assert.equal(safe.get(), 2n ** 53n - 1n);
  code(() => ins.run(2n ** 64n), 'TOO_BIG', /64-bit/);
  code(() => ins.run({}.toString), 'TYPE', /cannot be bound/);
  code(() => ins.run(Symbol('x')), 'TYPE');
  db.close();
});

test('parameters: positional, numbered, arrays, named objects', () => {
  const db = new Database();
  assert.deepEqual(db.prepare('SELECT ? AS a, ? AS b').get(1, 'x'), { a: 1, b: 'x' });
  assert.deepEqual(db.prepare('SELECT ? AS a, ? AS b').get([1, 'x']), { a: 1, b: 'x' });
  assert.deepEqual(db.prepare('SELECT ?2 AS a, ?1 AS b').get(1, 2), { a: 2, b: 1 });
  assert.deepEqual(db.prepare('SELECT :a AS a, @b AS b, $c AS c').get({ a: 1, b: 2, c: 3, extra: 4 }), { a: 1, b: 2, c: 3 });
  assert.deepEqual(db.prepare('SELECT ? AS p, :n AS n').get(5, { n: 6 }), { p: 5, n: 6 });
  code(() => db.prepare('SELECT :a, :b').get({ a: 1 }), 'INVALID_ARGUMENT', /missing named parameter "b"/);
  code(() => db.prepare('SELECT ?, ?').get(1), 'INVALID_ARGUMENT', /1 given, the statement has 2/);
  code(() => db.prepare('SELECT ?').get(1, 2), 'INVALID_ARGUMENT');
  db.close();
});

test('raw, pluck, columns, iterate', () => {
  const db = new Database();
  db.exec('CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2), (3, 4)');
  const s = db.prepare('SELECT a, b FROM t ORDER BY a');
  assert.deepEqual(s.columns().map((c) => c.name), ['a', 'b']);
  assert.deepEqual(s.raw().all(), [[1, 2], [3, 4]]);
  assert.deepEqual(s.raw(false).pluck().all(), [1, 3]);
  code(() => db.prepare('INSERT INTO t VALUES (5, 6)').raw(), 'MISUSE');

  db.exec('CREATE TABLE big(n INTEGER PRIMARY KEY)');
  const ins = db.prepare('INSERT INTO big VALUES (?)');
  db.transaction(() => {
    for (let i = 1; i <= 1000; i++) ins.run(i);
  })();
  let sum = 0;
  let count = 0;
  for (const row of db.prepare('SELECT n FROM big ORDER BY n').iterate()) {
    sum += row.n;
    count++;
  }
  assert.equal(count, 1000);
  assert.equal(sum, 500500);
  // While an iterator is open the database is busy; break releases it.
  const it = db.prepare('SELECT n FROM big').iterate();
  assert.equal(it.next().value.n, 1);
  code(() => db.exec('SELECT 1'), 'BUSY', /iterate/);
  it.return();
  assert.deepEqual(db.prepare('SELECT 1 AS one').get(), { one: 1 });
  for (const row of db.prepare('SELECT n FROM big').iterate()) {
    if (row.n === 3) break;
  }
  assert.equal(db.prepare('SELECT count(*) AS c FROM big').get().c, 1000);
  db.close();
});

test('transactions: commit, rollback on throw, nesting, explicit BEGIN', () => {
  const db = new Database();
  db.exec('CREATE TABLE t(x UNIQUE)');
  const ins = db.prepare('INSERT INTO t VALUES (?)');
  const many = db.transaction((xs) => {
    for (const x of xs) ins.run(x);
    return xs.length;
  });
  assert.equal(many([1, 2, 3]), 3);
  assert.throws(() => many([4, 5, 1]), (e) => e.code === 'CONSTRAINT');
  assert.deepEqual(db.prepare('SELECT x FROM t ORDER BY x').pluck().all(), [1, 2, 3], 'the failed transaction rolled back whole');
  assert.equal(db.inTransaction, false);
  const outer = db.transaction(() => {
    ins.run(10);
    try {
      db.transaction(() => {
        ins.run(11);
        throw new Error('inner fails');
      })();
    } catch (e) {
      assert.equal(e.message, 'inner fails');
    }
    ins.run(12);
  });
  outer();
  assert.deepEqual(db.prepare('SELECT x FROM t WHERE x >= 10 ORDER BY x').pluck().all(), [10, 12]);
  db.exec('BEGIN');
  assert.equal(db.inTransaction, true);
  ins.run(20);
  db.exec('ROLLBACK');
  assert.equal(db.prepare('SELECT count(*) FROM t WHERE x = 20').pluck().get(), 0);
  code(() => db.transaction(async () => {})(), 'MISUSE', /promise/);
  assert.equal(db.inTransaction, false);
  db.close();
});

test('stmt.bind() binds for good; new Database(bytes) and serialize(), as better-sqlite3', () => {
  const db = new Database();
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t(s) VALUES ('a'), ('b'), ('c')");
  const one = db.prepare('SELECT s FROM t WHERE id = ?').pluck().bind(2);
  assert.equal(one.get(), 'b');
  assert.deepEqual(one.all(), ['b']);
  code(() => one.get(3), 'MISUSE', /already has bound parameters/);
  code(() => one.bind(1), 'MISUSE', /already has bound parameters/);
  const named = { lo: 1, hi: 2 };
  const range = db.prepare('SELECT s FROM t WHERE id BETWEEN :lo AND :hi ORDER BY id').pluck().bind(named);
  named.hi = 3; // bound values are a copy
  assert.deepEqual([...range.iterate()], ['a', 'b']);
  const bytes = new Uint8Array([1, 2]);
  const blob = db.prepare('SELECT ? AS b, ? AS c').raw().bind(bytes, bytes.buffer.slice(0));
  bytes[0] = 9; // bound bytes are a copy
  assert.deepEqual(blob.get().map((b) => [...b]), [[1, 2], [1, 2]]);
  const ins = db.prepare('INSERT INTO t(s) VALUES (?)').bind('d');
  assert.equal(ins.run().lastInsertRowid, 4);
  // Too many or too few bound values, or an unknown name, fail at bind(),
  // and the statement stays unbound.
  const two = db.prepare('SELECT ? + ?').pluck();
  code(() => two.bind(1, 2, 3), 'INVALID_ARGUMENT', /3 given, the statement has 2/);
  code(() => two.bind(1), 'INVALID_ARGUMENT', /1 given, the statement has 2/);
  code(() => db.prepare('SELECT :a').bind({ b: 1 }), 'INVALID_ARGUMENT', /missing named parameter "a"/);
  assert.equal(two.get(1, 2), 3, 'a failed bind() binds nothing');
  assert.equal(two.bind(2, 3).get(), 5);
  const image = db.serialize();
  assert.deepEqual(image, db.export());
  for (const bytes of [image, Buffer.from(image), image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength)]) {
    const copy = new Database(bytes);
    assert.ok(copy instanceof Database);
    assert.equal(copy.memory, true);
    assert.deepEqual(copy.prepare('SELECT s FROM t ORDER BY id').pluck().all(), ['a', 'b', 'c', 'd']);
    copy.close();
  }
  const ro = new Database(image, { readonly: true });
  code(() => ro.exec('DELETE FROM t'), 'READONLY');
  ro.close();
  db.close();
});

test('stmt.expand() namespaces rows by table; raw/pluck/expand switch off only themselves; defaultSafeIntegers', () => {
  const db = new Database();
  db.exec(`CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE u(id INTEGER PRIMARY KEY, t_id, b);
    INSERT INTO t VALUES (1, 'x'); INSERT INTO u VALUES (10, 1, 'y')`);
  const q = db.prepare('SELECT tt.id, a, u.id AS uid, b, a || b AS ab FROM t AS tt JOIN u ON u.t_id = tt.id');
  assert.deepEqual(q.expand().get(), { t: { id: 1, a: 'x' }, u: { uid: 10, b: 'y' }, $: { ab: 'xy' } });
  assert.deepEqual(q.all(), [{ t: { id: 1, a: 'x' }, u: { uid: 10, b: 'y' }, $: { ab: 'xy' } }]);
  assert.deepEqual([...q.iterate()], q.all());
  q.raw(false); // not raw: expand stays on
  assert.deepEqual(Object.keys(q.get()), ['t', 'u', '$']);
  assert.deepEqual(q.raw().get(), [1, 'x', 10, 'y', 'xy']);
  q.expand(false); // not expanding: raw stays on
  assert.deepEqual(q.get(), [1, 'x', 10, 'y', 'xy']);
  q.raw(false);
  assert.deepEqual(q.get(), { id: 1, a: 'x', uid: 10, b: 'y', ab: 'xy' });
  code(() => db.prepare('DELETE FROM t').expand(), 'MISUSE');
  db.exec('CREATE TABLE "__proto__"(polluted); INSERT INTO "__proto__" VALUES (1)');
  const odd = db.prepare('SELECT polluted FROM "__proto__"').expand().get();
  assert.equal(odd.__proto__.polluted, 1); // eslint-disable-line no-proto
  assert.equal({}.polluted, undefined, 'Object.prototype is untouched');
  const before = db.prepare('SELECT id FROM t').pluck();
  db.defaultSafeIntegers();
  assert.equal(db.prepare('SELECT id FROM t').pluck().get(), 1n);
  assert.equal(before.get(), 1, 'statements prepared before keep their setting');
  db.defaultSafeIntegers(false);
  assert.equal(db.prepare('SELECT id FROM t').pluck().get(), 1);
  db.close();
});

test('transaction variants: .deferred, .immediate, .exclusive, .default, as better-sqlite3', () => {
  const db = new Database();
  db.exec('CREATE TABLE t(x UNIQUE)');
  const ins = db.prepare('INSERT INTO t VALUES (?)');
  const many = db.transaction((xs) => {
    assert.equal(db.inTransaction, true);
    for (const x of xs) ins.run(x);
    return xs.length;
  });
  assert.equal(many.default, many);
  assert.equal(many.immediate.database, db);
  for (const v of ['deferred', 'immediate', 'exclusive']) {
    assert.equal(typeof many[v], 'function', v);
    assert.equal(many[v].default, many, `${v}.default`);
    assert.equal(many.deferred[v], many[v], `every variant has every variant (${v})`);
  }
  assert.equal(many.deferred([1]), 1);
  assert.equal(many.immediate([2, 3]), 2);
  assert.equal(many.exclusive([4]), 1);
  assert.throws(() => many.exclusive([5, 1]), (e) => e.code === 'CONSTRAINT');
  assert.equal(db.inTransaction, false);
  // Nested in an open transaction every variant is a savepoint.
  db.transaction(() => {
    many.immediate([6]);
    assert.throws(() => many.exclusive([7, 7]), (e) => e.code === 'CONSTRAINT');
    assert.equal(db.inTransaction, true);
  })();
  assert.deepEqual(db.prepare('SELECT x FROM t ORDER BY x').pluck().all(), [1, 2, 3, 4, 6]);
  db.close();
});

test('errors carry the engine kind and message', () => {
  const db = new Database();
  code(() => db.exec('SELEC 1'), 'SYNTAX');
  code(() => db.prepare('SELECT * FROM nowhere'), 'NOT_FOUND', /nowhere/);
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v NOT NULL)');
  code(() => db.prepare('INSERT INTO t VALUES (1, NULL)').run(), 'CONSTRAINT', /NOT NULL/);
  code(() => db.prepare('SELECT 1; SELECT 2'), 'MISUSE', /more than one statement/);
  // The database stays usable after errors.
  db.prepare('INSERT INTO t VALUES (1, 1)').run();
  code(() => db.prepare('INSERT INTO t VALUES (1, 2)').run(), 'CONSTRAINT');
  assert.equal(db.prepare('SELECT v FROM t').pluck().get(), 1);
  code(() => new Database(':memory:', { synchronous: 'sometimes' }), 'INVALID_ARGUMENT');
  db.close();
});

test('a file database persists across close and reopen', () => {
  const t = tmp();
  try {
    let db = new Database(t.file);
    assert.equal(db.storage, 'node');
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT)');
    const ins = db.prepare('INSERT INTO t(s) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run(`row ${i} `.repeat(20));
    })();
    assert.ok(fs.existsSync(`${t.file}-lock`), 'the lock file exists while open');
    assert.equal(fs.readFileSync(`${t.file}-lock`, 'utf8').trim(), String(process.pid));
    db.close();
    assert.ok(!fs.existsSync(`${t.file}-lock`), 'close removes the lock file');
    assert.ok(fs.statSync(t.file).size >= 16384 * 10, 'the rows are in the main file');
    db = new Database(t.file);
    assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 2000);
    assert.equal(db.prepare('SELECT s FROM t WHERE id = 1500').pluck().get(), 'row 1499 '.repeat(20));
    db.close();
  } finally {
    t.done();
  }
});

test('readonly and fileMustExist, as better-sqlite3', () => {
  const t = tmp();
  try {
    code(() => new Database(t.file, { readonly: true }), 'NOT_FOUND', /app\.turdb.*does not exist/);
    code(() => new Database(t.file, { fileMustExist: true }), 'NOT_FOUND');
    assert.ok(!fs.existsSync(t.file), 'nothing was created');
    code(() => new Database(':memory:', { readonly: true }), 'MISUSE', /cannot be readonly/);

    let db = new Database(t.file);
    db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t(b) VALUES ('x'), ('y')");
    assert.equal(db.readonly, false);
    db.close();
    const before = fs.readFileSync(t.file);
    db = new Database(t.file, { readonly: true, fileMustExist: true });
    assert.equal(db.readonly, true);
    assert.deepEqual(db.prepare('SELECT b FROM t ORDER BY a').pluck().all(), ['x', 'y']);
    code(() => db.prepare("INSERT INTO t(b) VALUES ('z')").run(), 'READONLY', /attempt to write a readonly database/);
    code(() => db.exec('CREATE TABLE u(x)'), 'READONLY');
    db.exec('CREATE TEMP TABLE s(x); INSERT INTO s SELECT b FROM t');
    assert.equal(db.prepare('SELECT count(*) FROM s').pluck().get(), 2);
    db.close();
    assert.ok(fs.readFileSync(t.file).equals(before), 'the main file is unchanged');
    assert.equal(fs.statSync(`${t.file}-wal`).size, 0, 'nothing reached the WAL');

    const image = new Database(t.file).export();
    const ro = Database.import(image, { readonly: true });
    assert.equal(ro.prepare('SELECT count(*) FROM t').pluck().get(), 2);
    code(() => ro.exec('DELETE FROM t'), 'READONLY');
  } finally {
    t.done();
  }
});

test('a process that dies mid-transaction reopens at the last commit', async () => {
  const t = tmp();
  try {
    const url = new URL('../dist/node.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { Database } from ${JSON.stringify(url)};
      const db = new Database(${JSON.stringify(t.file)});
      db.exec('CREATE TABLE t(x)');
      db.exec('INSERT INTO t VALUES (1)');
      db.exec('BEGIN');
      const ins = db.prepare('INSERT INTO t VALUES (?)');
      for (let i = 0; i < 5000; i++) ins.run(i);
      process.stdout.write('in transaction\\n');
      setInterval(() => {}, 1000);
    `]);
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('in transaction') && resolve());
      child.on('exit', (c) => reject(new Error(`child exited early (${c})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    assert.ok(fs.existsSync(`${t.file}-lock`), 'a killed process leaves its lock file');
    // Its pid is dead, so the lock is stale and taken over.
    const db = new Database(t.file);
    assert.deepEqual(db.prepare('SELECT x FROM t').pluck().all(), [1]);
    db.close();
  } finally {
    t.done();
  }
});

test('the lock file: a live owner means BUSY, or a wait with timeout', async () => {
  const t = tmp();
  try {
    const db = new Database(t.file);
    code(() => new Database(t.file), 'BUSY', /this process/);
    // Another live process owns it.
    db.close();
    const url = new URL('../dist/node.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { Database } from ${JSON.stringify(url)};
      const db = new Database(${JSON.stringify(t.file)});
      process.stdout.write('open\\n');
      process.stdin.on('data', () => { db.close(); process.exit(0); });
    `]);
    await new Promise((resolve) => child.stdout.on('data', (d) => String(d).includes('open') && resolve()));
    code(() => new Database(t.file), 'BUSY', new RegExp(`process ${child.pid}`));
    const started = Date.now();
    code(() => new Database(t.file, { timeout: 200 }), 'BUSY');
    assert.ok(Date.now() - started >= 150, 'timeout waited before giving up');
    child.stdin.write('close\n');
    await new Promise((r) => child.on('exit', r));
    const again = new Database(t.file);
    again.close();
    // A lock file naming a dead pid is taken over.
    fs.writeFileSync(`${t.file}-lock`, '999999999\n');
    const taken = new Database(t.file);
    assert.equal(fs.readFileSync(`${t.file}-lock`, 'utf8').trim(), String(process.pid));
    taken.close();
  } finally {
    t.done();
  }
});

test('export and import round-trip, into memory and into a file', () => {
  const t = tmp();
  try {
    const db = new Database();
    db.exec("CREATE TABLE t(a, b); CREATE INDEX t_b ON t(b); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    const image = db.export();
    assert.ok(image instanceof Uint8Array);
    assert.equal(image.length % 16384, 0);
    db.close();
    const copy = Database.import(image);
    assert.deepEqual(copy.prepare("SELECT a FROM t WHERE b = 'two'").pluck().all(), [2]);
    copy.exec("INSERT INTO t VALUES (3, 'three')");
    copy.close();
    code(() => Database.import(new Uint8Array(100)), 'INVALID_ARGUMENT', /whole number/);
    code(() => Database.import(new Uint8Array(16384)), 'CORRUPT');
    // Into a file: write the image into the store, then open it.
    const store = new MemoryPageStore('img');
    Database.writeImage(store, image);
    const fromStore = Database.openStore(store);
    assert.equal(fromStore.prepare('SELECT count(*) FROM t').pluck().get(), 2);
    fromStore.close();
    fs.writeFileSync(t.file, image);
    const file = new Database(t.file);
    assert.equal(file.prepare('SELECT b FROM t WHERE a = 1').pluck().get(), 'one');
    file.close();
  } finally {
    t.done();
  }
});

test('a one-row commit writes a delta inside its segment page to the WAL, and reopens', () => {
  const t = tmp();
  try {
    const store = NodeFileStore.open(t.file);
    const writes = [];
    const writeAt = store.writeAt.bind(store);
    store.writeAt = (file, buf, offset) => {
      if (file === 1) writes.push(buf.length);
      return writeAt(file, buf, offset);
    };
    const db = Database.openStore(store);
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
    writes.length = 0;
    for (let i = 0; i < 50; i++) ins.run(`row ${i}`);
    // The leaf's image from CREATE TABLE is the base: each commit writes
    // one segment page in part, holding the leaf's changes since then.
    assert.equal(writes.length, 50, `WAL writes: ${writes.join(', ')}`);
    assert.ok(writes.every((n) => n > 180 && n < 4096), `segment writes of ${writes.join(', ')} bytes`);
    db.close();
    const again = new Database(t.file);
    assert.equal(again.prepare('SELECT count(*) FROM t').pluck().get(), 50);
    assert.equal(again.pragma('integrity_check', { simple: true }), 'ok');
    again.close();
  } finally {
    t.done();
  }
});

test('storage full: FULL error, and the database stays at its last commit', () => {
  const store = new MemoryPageStore('small', { limitPages: 40 });
  const db = Database.openStore(store, { cachePages: 16 });
  db.exec('CREATE TABLE t(s TEXT)');
  db.prepare('INSERT INTO t VALUES (?)').run('kept');
  const ins = db.prepare('INSERT INTO t VALUES (?)');
  const fill = db.transaction(() => {
    for (let i = 0; i < 5000; i++) ins.run('x'.repeat(1000));
  });
  assert.throws(fill, (e) => e.code === 'FULL' && /storage full/.test(e.message));
  assert.equal(db.inTransaction, false);
  assert.deepEqual(db.prepare('SELECT s FROM t').pluck().all(), ['kept']);
  // Closing checkpoints the WAL into the main file, which needs room the
  // store does not have: close reports FULL but still closes, and the
  // commit stays safe in the WAL.
  code(() => db.close(), 'FULL', /^write page \d+ of small: storage full \(limit of 40 pages\)$/);
  assert.equal(db.open, false);
  store.limitPages = Infinity;
  const again = Database.openStore(store);
  assert.deepEqual(again.prepare('SELECT s FROM t').pluck().all(), ['kept'], 'reopened at the last commit');
  assert.equal(again.pragma('integrity_check', { simple: true }), 'ok');
  again.close();
});

test('the async handle works in Node too (open)', async () => {
  const t = tmp();
  try {
    const db = await open(t.file);
    assert.equal(db.storage, 'node');
    await db.exec('CREATE TABLE t(x)');
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (?)', [1]);
      await tx.run('INSERT INTO t VALUES (:x)', { x: 2 });
    });
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (3)');
        throw new Error('no');
      }),
      /no/,
    );
    assert.deepEqual(await db.query('SELECT x FROM t ORDER BY x'), [{ x: 1 }, { x: 2 }]);
    const s = await db.prepare('SELECT x FROM t WHERE x = ?');
    assert.deepEqual(await s.get(2), { x: 2 });
    assert.equal(s.readonly, true);
    assert.equal((await db.prepare('DELETE FROM t')).readonly, false);
    await assert.rejects(db.query('SELEC'), (e) => e.code === 'SYNTAX');
    const image = await db.export();
    await db.close();
    await assert.rejects(db.query('SELECT 1'), (e) => e.code === 'MISUSE');
    const mem = await open('copy', { storage: 'memory' });
    assert.equal(mem.storage, 'memory');
    await mem.close();
    assert.equal(Database.import(image).prepare('SELECT count(*) FROM t').pluck().get(), 2);
  } finally {
    t.done();
  }
});

test('stmt.readonly says whether a statement changes nothing', () => {
  const db = new Database();
  db.exec('CREATE TABLE t(a)');
  const cases = [
    ['SELECT * FROM t', true],
    ['EXPLAIN INSERT INTO t VALUES (1)', true],
    ['BEGIN', true],
    ['PRAGMA user_version', true],
    ['PRAGMA table_info(t)', true],
    ['PRAGMA user_version = 2', false],
    ['INSERT INTO t VALUES (1)', false],
    ['CREATE TABLE u(b)', false],
  ];
  for (const [sql, ro] of cases) assert.equal(db.prepare(sql).readonly, ro, sql);
});

// Row objects are built by a function generated for the statement's
// columns (rowMaker in wasm.js), or key by key where code generation from
// strings is refused (Cloudflare Workers, strict CSP). Both give the same
// objects, whatever the column names.
const ODD_COLUMNS = `SELECT 1 AS "__proto__", 2 AS "a'b", 3 AS "\`\${x}\`", 4 AS "é 空", 5 AS "k", 6 AS "k", 'x' AS "]]: 0 }); throw 1; ({", 7 AS "toString", 8 AS "constructor", 9 AS "01", 10 AS "1"`;

function oddRows(db) {
  const row = db.prepare(ODD_COLUMNS).get();
  return {
    own: Object.getOwnPropertyNames(row),
    proto: Object.getPrototypeOf(row) === Object.prototype,
    json: JSON.stringify(row),
    wide: db.prepare(`SELECT ${Array.from({ length: 40 }, (_, i) => `${i} AS c${i}`).join(', ')}`).all(),
  };
}

test('row objects: odd and duplicate column names, with and without generated code', async () => {
  const db = new Database();
  const here = oddRows(db);
  db.close();
  assert.equal(generatesRows(), true, 'this process builds rows with generated code');
  // Integer-like keys come first in any JS object; the rest keep their order.
  assert.deepEqual(here.own, ['1', '__proto__', "a'b", '`${x}`', 'é 空', 'k', ']]: 0 }); throw 1; ({', 'toString', 'constructor', '01']);
  assert.equal(here.proto, true, '__proto__ is an own property, not the prototype');
  assert.equal(
    here.json,
    `{"1":10,"__proto__":1,"a'b":2,"\`\${x}\`":3,"é 空":4,"k":6,"]]: 0 }); throw 1; ({":"x","toString":7,"constructor":8,"01":9}`,
  );
  assert.equal(here.wide[0].c39, 39);
  assert.equal(Object.keys(here.wide[0]).length, 40);
  // The same in a process that refuses code generation from strings.
  const script = `
    import { Database } from ${JSON.stringify(new URL('../dist/node.js', import.meta.url).href)};
    import { generatesRows } from ${JSON.stringify(new URL('../dist/wasm.js', import.meta.url).href)};
    // And with Object.prototype frozen, where assigning toString throws.
    Object.freeze(Object.prototype);
    const db = new Database();
    const row = db.prepare(${JSON.stringify(ODD_COLUMNS)}).get();
    const expanded = db.prepare('SELECT 1 AS "__proto__", 2 AS "toString"').expand().get();
    console.log(JSON.stringify({
      generated: generatesRows(),
      expanded: [Object.getOwnPropertyNames(expanded.$), JSON.stringify(expanded)],
      own: Object.getOwnPropertyNames(row),
      proto: Object.getPrototypeOf(row) === Object.prototype,
      json: JSON.stringify(row),
      wide: db.prepare(${JSON.stringify(`SELECT ${Array.from({ length: 40 }, (_, i) => `${i} AS c${i}`).join(', ')}`)}).all(),
    }));
  `;
  const child = spawn(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const status = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(status, 0, err);
  const there = JSON.parse(out);
  assert.equal(there.generated, false, 'the child really refuses code generation');
  delete there.generated;
  assert.deepEqual(there.expanded, [['__proto__', 'toString'], '{"$":{"__proto__":1,"toString":2}}']);
  delete there.expanded;
  assert.deepEqual(there, JSON.parse(JSON.stringify(here)));
});

test('a statement run again after ALTER TABLE returns the columns the table has now', () => {
  const db = new Database();
  db.exec('CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2), (3, 4)');
  const star = db.prepare('SELECT * FROM t ORDER BY 1');
  const each = db.prepare('SELECT * FROM t ORDER BY 1');
  const wide = db.prepare('SELECT * FROM t ORDER BY 1').expand();
  assert.deepEqual(star.get(), { a: 1, b: 2 });
  assert.deepEqual([...each.iterate()], [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  db.exec("ALTER TABLE t ADD COLUMN c DEFAULT 'x'");
  assert.deepEqual(star.all(), [{ a: 1, b: 2, c: 'x' }, { a: 3, b: 4, c: 'x' }]);
  assert.deepEqual(star.get(), { a: 1, b: 2, c: 'x' });
  assert.deepEqual(star.columns().map((c) => c.name), ['a', 'b', 'c']);
  assert.deepEqual([...each.iterate()], [{ a: 1, b: 2, c: 'x' }, { a: 3, b: 4, c: 'x' }]);
  assert.deepEqual(wide.get(), { t: { a: 1, b: 2, c: 'x' } });
  db.exec('ALTER TABLE t RENAME COLUMN a TO z');
  assert.deepEqual(star.raw().all(), [[1, 2, 'x'], [3, 4, 'x']]);
  assert.deepEqual(star.raw(false).get(), { z: 1, b: 2, c: 'x' });
  assert.deepEqual(wide.all()[1], { t: { z: 3, b: 4, c: 'x' } });
  db.exec('ALTER TABLE t DROP COLUMN b');
  assert.deepEqual([...each.iterate()], [{ z: 1, c: 'x' }, { z: 3, c: 'x' }]);
  assert.deepEqual(star.pluck().all(), [1, 3]);
  db.close();
});
