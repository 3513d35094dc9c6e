-- STRICT tables check declared types as SQLite does.
CREATE TABLE s(i INTEGER, r REAL, t TEXT, b BLOB, a ANY) STRICT;
INSERT INTO s VALUES (1, 1.5, 'x', x'00', 'anything');
INSERT INTO s VALUES ('2', 2, 3, x'01', 1);
SELECT i, typeof(i), r, typeof(r), t, typeof(t), typeof(a) FROM s ORDER BY i;
> 1|integer|1.5|real|x|text|text
> 2|integer|2.0|real|3|text|integer
INSERT INTO s(i) VALUES ('two');
> Error: cannot store TEXT value in INTEGER column s.i
INSERT INTO s(r) VALUES ('1.5x');
> Error: cannot store TEXT value in REAL column s.r
INSERT INTO s(t) VALUES (x'00');
> Error: cannot store BLOB value in TEXT column s.t
INSERT INTO s(b) VALUES ('text');
> Error: cannot store TEXT value in BLOB column s.b
INSERT INTO s(i) VALUES (1.5);
> Error: cannot store REAL value in INTEGER column s.i
INSERT INTO s(i) VALUES (2.0);
SELECT i, typeof(i) FROM s WHERE i = 2;
> 2|integer
> 2|integer
UPDATE s SET i = 'x' WHERE i = 1;
> Error: cannot store TEXT value in INTEGER column s.i
CREATE TABLE bad(x VARCHAR(10)) STRICT;
> Error: unknown datatype for bad.x: "VARCHAR(10)"
CREATE TABLE nodecl(x) STRICT;
> Error: missing datatype for nodecl.x
CREATE TABLE pk(id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT;
INSERT INTO pk VALUES (NULL, 'a');
-- sqlite: differs (TurDB says which rowid; SQLite says only "datatype mismatch")
INSERT INTO pk VALUES ('b', 'b');
> Error: datatype mismatch: rowid of pk must be an integer
INSERT INTO pk VALUES (5, NULL);
> Error: NOT NULL constraint failed: pk.v
SELECT * FROM pk;
> 1|a
