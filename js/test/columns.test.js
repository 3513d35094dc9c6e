// stmt.columns(): better-sqlite3's column descriptors, with the origins
// the engine resolves as SQLite does (sql_columns.rs in the Rust tests
// compares them with SQLite's). Runs against js/dist (make js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database, open } from '../dist/node.js';

const SCHEMA = `
  CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR(10), n);
  CREATE TABLE u(k INT, v TEXT);
  CREATE VIEW tv AS SELECT name AS who, n + 1 AS m FROM t;
`;

const col = (name, database, table, column, type) => ({ name, column, table, database, type });
const expr = (name) => col(name, null, null, null, null);

test('columns() of a table, an expression, a join and a view', () => {
  const db = new Database();
  db.exec(SCHEMA);
  assert.deepEqual(db.prepare('SELECT * FROM t').columns(), [
    col('id', 'main', 't', 'id', 'INTEGER'),
    col('name', 'main', 't', 'name', 'VARCHAR(10)'),
    col('n', 'main', 't', 'n', null),
  ]);
  assert.deepEqual(db.prepare('SELECT n * 2 AS twice, count(*), 1, id AS key FROM t').columns(), [
    expr('twice'),
    expr('count(*)'),
    expr('1'),
    col('key', 'main', 't', 'id', 'INTEGER'),
  ]);
  assert.deepEqual(db.prepare('SELECT t.name, u.v FROM t JOIN u ON u.k = t.id').columns(), [
    col('name', 'main', 't', 'name', 'VARCHAR(10)'),
    col('v', 'main', 'u', 'v', 'TEXT'),
  ]);
  assert.deepEqual(db.prepare('SELECT * FROM tv').columns(), [
    col('who', 'main', 't', 'name', 'VARCHAR(10)'),
    expr('m'),
  ]);
  db.close();
});

test('columns() is fixed at prepare, copied per call, and works beside a cursor', () => {
  const db = new Database();
  db.exec(SCHEMA);
  db.exec("INSERT INTO u VALUES (1, 'a'), (2, 'b')");
  const s = db.prepare('SELECT k FROM u');
  const first = s.columns();
  first[0].name = 'changed';
  assert.deepEqual(s.columns(), [col('k', 'main', 'u', 'k', 'INT')]);
  db.exec('CREATE TEMP TABLE tt(q BLOB)');
  assert.deepEqual(db.prepare('SELECT q FROM tt').columns(), [col('q', 'temp', 'tt', 'q', 'BLOB')]);
  assert.deepEqual(db.prepare('UPDATE u SET k = k RETURNING *').columns(), [
    col('k', 'main', 'u', 'k', 'INT'),
    col('v', 'main', 'u', 'v', 'TEXT'),
  ]);
  assert.deepEqual(db.prepare('CREATE TABLE z(a)').columns(), []);
  const c = db.prepare('SELECT v FROM u');
  for (const row of c.iterate()) {
    assert.equal(typeof row.v, 'string');
    assert.deepEqual(c.columns(), [col('v', 'main', 'u', 'v', 'TEXT')]);
  }
  db.close();
});

test('columns() on the async handle', async () => {
  const db = await open('columns', { storage: 'memory' });
  await db.exec(SCHEMA);
  const s = await db.prepare('SELECT id, n + 1 AS m FROM t');
  assert.deepEqual(s.columnNames, ['id', 'm']);
  assert.deepEqual(s.columns(), [col('id', 'main', 't', 'id', 'INTEGER'), expr('m')]);
  await s.finalize();
  await db.close();
});
