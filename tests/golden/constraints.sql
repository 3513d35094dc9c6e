-- Constraint violations: the message names the constraint and the table,
-- and the statement has no effect.
CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, qty INTEGER CHECK (qty >= 0), CONSTRAINT pos CHECK (id > 0));
INSERT INTO p VALUES (1, 'a', 1);
INSERT INTO p VALUES (2, NULL, 1);
> Error: NOT NULL constraint failed: p.code
INSERT INTO p VALUES (2, 'a', 1);
> Error: UNIQUE constraint failed: p.code
INSERT INTO p VALUES (2, 'b', -1);
> Error: CHECK constraint failed: qty >= 0
INSERT INTO p VALUES (-2, 'b', 1);
> Error: CHECK constraint failed: pos
INSERT INTO p VALUES (1, 'b', 1);
> Error: UNIQUE constraint failed: p.id
-- A multi-row statement that fails half-way leaves nothing.
INSERT INTO p VALUES (3, 'c', 1), (4, 'a', 1);
> Error: UNIQUE constraint failed: p.code
SELECT * FROM p;
> 1|a|1
UPDATE p SET qty = -5;
> Error: CHECK constraint failed: qty >= 0
UPDATE p SET code = NULL;
> Error: NOT NULL constraint failed: p.code
-- Composite keys name every column.
CREATE TABLE k(a, b, c, PRIMARY KEY (a, b), UNIQUE (b, c));
INSERT INTO k VALUES (1, 2, 3);
INSERT INTO k VALUES (1, 2, 4);
> Error: UNIQUE constraint failed: k.a, k.b
INSERT INTO k VALUES (9, 2, 3);
> Error: UNIQUE constraint failed: k.b, k.c
-- NULLs never conflict in UNIQUE.
INSERT INTO k VALUES (5, NULL, 3), (6, NULL, 3);
SELECT count(*) FROM k;
> 3
-- Conflict clauses.
INSERT OR IGNORE INTO p VALUES (1, 'z', 1);
INSERT OR REPLACE INTO p VALUES (1, 'z', 7);
SELECT * FROM p;
> 1|z|7
INSERT INTO p VALUES (1, 'y', 0) ON CONFLICT(id) DO UPDATE SET qty = qty + 1;
INSERT INTO p VALUES (5, 'z', 0) ON CONFLICT(code) DO UPDATE SET qty = excluded.qty + 100;
SELECT * FROM p;
> 1|z|100
CREATE TABLE nn(a NOT NULL ON CONFLICT IGNORE, b);
INSERT INTO nn VALUES (NULL, 1), (2, 2);
SELECT * FROM nn;
> 2|2
CREATE TABLE named(x CONSTRAINT x_small CHECK (x < 10));
INSERT INTO named VALUES (11);
> Error: CHECK constraint failed: x_small
-- Type errors and missing objects.
INSERT INTO nope VALUES (1);
> Error: no such table: nope at 1:13
INSERT INTO p(nope) VALUES (1);
> Error: table p has no column named nope
INSERT INTO p VALUES (1, 2);
> Error: table p has 3 columns but 2 values were supplied
SELECT nope FROM p;
> Error: no such column: nope at 1:8
-- A constraint's own ON CONFLICT clause applies unless the statement names
-- one; REPLACE on NOT NULL puts the column's default in place of NULL.
CREATE TABLE oc(a INTEGER NOT NULL ON CONFLICT REPLACE DEFAULT 7, b UNIQUE ON CONFLICT REPLACE, c);
INSERT INTO oc VALUES (NULL, 1, 'x');
SELECT * FROM oc;
> 7|1|x
INSERT INTO oc VALUES (2, 1, 'y');
SELECT * FROM oc;
> 2|1|y
INSERT OR ABORT INTO oc VALUES (NULL, 9, 'q');
> Error: NOT NULL constraint failed: oc.a
INSERT OR ABORT INTO oc VALUES (3, 1, 'z');
> Error: UNIQUE constraint failed: oc.b
UPDATE oc SET a = NULL;
SELECT * FROM oc;
> 7|1|y
CREATE TABLE od(a NOT NULL DEFAULT 5, b NOT NULL);
INSERT OR REPLACE INTO od VALUES (NULL, 1);
INSERT OR REPLACE INTO od VALUES (1, NULL);
> Error: NOT NULL constraint failed: od.b
SELECT * FROM od;
> 5|1
CREATE TABLE oe(id INTEGER PRIMARY KEY ON CONFLICT IGNORE, v);
INSERT INTO oe VALUES (1, 'a');
INSERT INTO oe VALUES (1, 'b');
INSERT OR REPLACE INTO oe VALUES (1, 'c');
SELECT * FROM oe;
> 1|c
CREATE TABLE of(p, q, UNIQUE(p, q) ON CONFLICT IGNORE);
INSERT INTO of VALUES (1, 1), (1, 1), (1, 2);
SELECT * FROM of;
> 1|1
> 1|2
CREATE TABLE og(a UNIQUE ON CONFLICT REPLACE, b);
INSERT INTO og VALUES (1, 'one'), (2, 'two');
UPDATE og SET a = 1 WHERE a = 2;
SELECT * FROM og;
> 1|two
