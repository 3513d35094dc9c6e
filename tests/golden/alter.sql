-- ALTER TABLE: add, rename and drop columns, rename tables; dependents follow.
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c);
INSERT INTO t VALUES (1, 'x', 10), (2, 'y', 20);
ALTER TABLE t ADD COLUMN d DEFAULT 'dd';
ALTER TABLE t ADD COLUMN e INTEGER NOT NULL DEFAULT 7;
SELECT * FROM t ORDER BY a;
> 1|x|10|dd|7
> 2|y|20|dd|7
ALTER TABLE t ADD COLUMN f NOT NULL;
> Error: Cannot add a NOT NULL column with default value NULL
ALTER TABLE t ADD COLUMN g UNIQUE;
> Error: Cannot add a UNIQUE column
ALTER TABLE t ADD COLUMN b;
> Error: duplicate column name: b
CREATE INDEX t_b ON t(b);
CREATE VIEW v AS SELECT a, b FROM t WHERE b > 'a';
CREATE TABLE log(m);
CREATE TRIGGER t_upd AFTER UPDATE OF b ON t BEGIN INSERT INTO log VALUES (old.b || '>' || new.b); END;
ALTER TABLE t RENAME COLUMN b TO name;
SELECT type, name, sql FROM sqlite_master WHERE name IN ('t', 't_b', 'v', 't_upd');
> table|t|CREATE TABLE t(a INTEGER PRIMARY KEY, name TEXT, c, d DEFAULT 'dd', e INTEGER NOT NULL DEFAULT 7)
> index|t_b|CREATE INDEX t_b ON t(name)
> view|v|CREATE VIEW v AS SELECT a, name FROM t WHERE name > 'a'
> trigger|t_upd|CREATE TRIGGER t_upd AFTER UPDATE OF name ON t BEGIN INSERT INTO log VALUES (old.name || '>' || new.name); END
UPDATE t SET name = 'z' WHERE a = 1;
SELECT * FROM v ORDER BY a;
> 1|z
> 2|y
SELECT * FROM log;
> x>z
ALTER TABLE t RENAME COLUMN nope TO x;
> Error: no such column: "nope"
ALTER TABLE t RENAME COLUMN c TO name;
> Error: error in table t after rename: duplicate column name: name
ALTER TABLE t RENAME TO things;
SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name IN ('things', 't_b', 'v', 't_upd');
> table|things|things|CREATE TABLE "things"(a INTEGER PRIMARY KEY, name TEXT, c, d DEFAULT 'dd', e INTEGER NOT NULL DEFAULT 7)
> index|t_b|things|CREATE INDEX t_b ON "things"(name)
> view|v|v|CREATE VIEW v AS SELECT a, name FROM "things" WHERE name > 'a'
> trigger|t_upd|things|CREATE TRIGGER t_upd AFTER UPDATE OF name ON "things" BEGIN INSERT INTO log VALUES (old.name || '>' || new.name); END
SELECT a, name FROM things ORDER BY a;
> 1|z
> 2|y
SELECT * FROM t;
> Error: no such table: t at 1:15
ALTER TABLE things DROP COLUMN c;
ALTER TABLE things DROP COLUMN a;
> Error: cannot drop PRIMARY KEY column: "a"
SELECT * FROM things ORDER BY a;
> 1|z|dd|7
> 2|y|dd|7
ALTER TABLE nope ADD COLUMN x;
> Error: no such table: nope at 1:13
CREATE TABLE other(x);
ALTER TABLE things RENAME TO other;
> Error: there is already another table or index with this name: other
-- DROP COLUMN cuts the definition out of the CREATE text, comments and
-- spacing of the rest kept, and rewrites every row (in batches).
CREATE TABLE dc(x, /* keep */ y  INTEGER, z TEXT);
ALTER TABLE dc DROP COLUMN y;
SELECT sql FROM sqlite_schema WHERE name = 'dc';
> CREATE TABLE dc(x, /* keep */ z TEXT)
CREATE TABLE dw(a, b CHECK (b > 0), c DEFAULT (1+2), UNIQUE(a));
ALTER TABLE dw DROP COLUMN c;
ALTER TABLE dw DROP COLUMN b;
SELECT sql FROM sqlite_schema WHERE name = 'dw';
> CREATE TABLE dw(a, UNIQUE(a))
CREATE TABLE big(id INTEGER PRIMARY KEY, pad TEXT, n INTEGER);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
INSERT INTO big SELECT i, printf('%0100d', i), i * 2 FROM s;
ALTER TABLE big DROP COLUMN pad;
SELECT count(*), sum(n), min(id), max(id) FROM big;
> 1000|1001000|1|1000
SELECT * FROM big WHERE id IN (1, 257, 513, 1000);
> 1|2
> 257|514
> 513|1026
> 1000|2000
