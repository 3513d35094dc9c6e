// db.function(): user-defined SQL functions in better-sqlite3's shape —
// arity from fn.length or varargs, values of every type both ways, safe
// integers, a throw rethrown as it is with the statement undone, and no
// use of the database from inside a function. Runs against js/dist.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database, TurDBError } from '../dist/node.js';

test('a function runs in SELECT, WHERE, INSERT and triggers', () => {
  const db = new Database();
  assert.equal(db.function('double', (x) => (x === null ? null : x * 2)), db);
  db.exec(`CREATE TABLE t(a INTEGER, b INTEGER);
           CREATE TABLE log(x INTEGER);
           CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (double(new.a)); END;
           INSERT INTO t VALUES (1, double(1)), (2, double(2)), (NULL, 0);`);
  assert.deepEqual(db.prepare('SELECT a, b, DOUBLE(a) AS d FROM t WHERE double(a) > 2').all(), [{ a: 2, b: 4, d: 4 }]);
  assert.deepEqual(db.prepare('SELECT x FROM log ORDER BY x').pluck().all(), [null, 2, 4]);
});

test('arity: fn.length, or any number with varargs', () => {
  const db = new Database();
  db.function('two', (a, b) => `${a}+${b}`);
  db.function('count_args', { varargs: true }, (...args) => args.length);
  assert.equal(db.prepare("SELECT two('x', 'y')").pluck().get(), 'x+y');
  assert.equal(db.prepare('SELECT count_args(), count_args(1, 2, 3)').raw().get().join(), '0,3');
  assert.throws(
    () => db.prepare("SELECT two('x')").get(),
    (e) => e instanceof TurDBError && e.code === 'NOT_FOUND' && /no such function: two/.test(e.message),
  );
});

test('values of every type cross both ways', () => {
  const db = new Database();
  const seen = [];
  db.function('echo', (v) => {
    seen.push(v);
    return v;
  });
  const row = db
    .prepare("SELECT echo(NULL) AS n, echo(7) AS i, echo(2.5) AS r, echo('é') AS t, echo(x'0102') AS b, echo(9007199254740993) AS big")
    .get();
  assert.deepEqual(row, { n: null, i: 7, r: 2.5, t: 'é', b: new Uint8Array([1, 2]), big: 9007199254740993n });
  assert.deepEqual(seen, [null, 7, 2.5, 'é', new Uint8Array([1, 2]), 9007199254740993n]);
  db.function('give', (k) =>
    [undefined, true, 2n ** 40n, new Uint16Array([1]), new ArrayBuffer(2), 3.0][k],
  );
  assert.deepEqual(db.prepare('SELECT give(0), give(1), give(2), give(3), give(4), typeof(give(5))').raw().get(), [
    null,
    1,
    2 ** 40,
    new Uint8Array([1, 0]),
    new Uint8Array([0, 0]),
    'integer',
  ]);
  db.function('bad', () => ({ not: 'a value' }));
  assert.throws(
    () => db.prepare('SELECT bad()').get(),
    (e) => e.code === 'TYPE' && /user function bad\(\) returned a Object, which is not a SQL value/.test(e.message),
  );
  db.function('huge', () => 2n ** 64n);
  assert.throws(() => db.prepare('SELECT huge()').get(), (e) => e.code === 'TOO_BIG');
});

test('safeIntegers gives bigint arguments', () => {
  const db = new Database();
  db.function('kind', { safeIntegers: true }, (v) => typeof v);
  db.function('kind2', (v) => typeof v);
  assert.deepEqual(db.prepare('SELECT kind(1), kind2(1)').raw().get(), ['bigint', 'number']);
  db.defaultSafeIntegers();
  db.function('kind3', (v) => typeof v);
  assert.equal(db.prepare('SELECT kind3(1)').pluck().get(), 'bigint');
});

test('a throw is rethrown as it is and the statement has no effect', () => {
  const db = new Database();
  class Nope extends Error {
    extra = 42;
  }
  db.function("check_pos", (v) => {
    if (v < 0) throw new Nope(`${v} is negative`);
    return v;
  });
  db.exec('CREATE TABLE t(a INTEGER)');
  assert.throws(
    () => db.prepare('INSERT INTO t VALUES (check_pos(1)), (check_pos(-5))').run(),
    (e) => e instanceof Nope && e.extra === 42 && e.message === '-5 is negative',
  );
  assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 0);
  // A later, unrelated error is the engine's, not the old throw.
  assert.throws(() => db.exec('SELEC 1'), (e) => e instanceof TurDBError && e.code === 'SYNTAX');
  db.prepare('INSERT INTO t VALUES (check_pos(3))').run();
  assert.deepEqual(db.prepare('SELECT a FROM t').pluck().all(), [3]);
});

test('a function cannot use the database', () => {
  const db = new Database();
  db.exec('CREATE TABLE t(a)');
  const errors = [];
  db.function('reenter', () => {
    for (const f of [() => db.prepare('SELECT 1'), () => db.exec('SELECT 1'), () => db.close()]) {
      try {
        f();
      } catch (e) {
        errors.push(e instanceof TypeError && /busy executing a user-defined function/.test(e.message));
      }
    }
    return 1;
  });
  db.prepare('INSERT INTO t VALUES (reenter())').run();
  assert.deepEqual(errors, [true, true, true]);
  assert.equal(db.open, true);
  assert.equal(db.prepare('SELECT a FROM t').pluck().get(), 1);
});

test('bad registrations are refused', () => {
  const db = new Database();
  assert.throws(() => db.function(1, () => 1), TypeError);
  assert.throws(() => db.function('f', 'x'), TypeError);
  assert.throws(() => db.function('f', { varargs: 1 }, () => 1), TypeError);
  assert.throws(() => db.function('f', { directOnly: true }, () => 1), (e) => e.code === 'UNSUPPORTED');
  assert.throws(
    () => db.function('count', (x) => x),
    (e) => e.code === 'INVALID_ARGUMENT' && /aggregate/.test(e.message),
  );
  db.function('upper', (s) => `<${s}>`);
  assert.equal(db.prepare("SELECT upper('a')").pluck().get(), '<a>');
  db.close();
  assert.throws(() => db.function('f', () => 1), (e) => e.code === 'MISUSE');
});
