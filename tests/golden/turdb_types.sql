-- sqlite: skip file (TurDB's own strict type names: SQLite gives them affinities and checks nothing)
-- TurDB's strict types are checked in every table, STRICT or not.
CREATE TABLE t(flag BOOLEAN, doc JSON, a u8, b i8, c u16, d i16, e u32, f i32, g u64, h i64, x f32, y f64);
INSERT INTO t(flag, doc) VALUES (TRUE, '{"a":1}'), (0, '[1,2]'), (NULL, NULL);
SELECT flag, typeof(flag), doc, typeof(doc) FROM t;
> 1|integer|{"a":1}|text
> 0|integer|[1,2]|text
> NULL|null|NULL|null
INSERT INTO t(flag) VALUES (2);
> Error: cannot store INTEGER value in BOOLEAN column t.flag
INSERT INTO t(flag) VALUES ('yes');
> Error: cannot store TEXT value in BOOLEAN column t.flag
INSERT INTO t(doc) VALUES ('{bad json}');
> Error: cannot store TEXT value in JSON column t.doc
INSERT INTO t(doc) VALUES (42);
INSERT INTO t(a, b) VALUES (255, -128);
INSERT INTO t(a) VALUES (256);
> Error: cannot store INTEGER value in u8 column t.a
INSERT INTO t(a) VALUES (-1);
> Error: cannot store INTEGER value in u8 column t.a
INSERT INTO t(b) VALUES (128);
> Error: cannot store INTEGER value in i8 column t.b
INSERT INTO t(b) VALUES (-129);
> Error: cannot store INTEGER value in i8 column t.b
INSERT INTO t(c, d) VALUES (65535, -32768);
INSERT INTO t(c) VALUES (65536);
> Error: cannot store INTEGER value in u16 column t.c
INSERT INTO t(d) VALUES (32768);
> Error: cannot store INTEGER value in i16 column t.d
INSERT INTO t(e, f) VALUES (4294967295, -2147483648);
INSERT INTO t(e) VALUES (4294967296);
> Error: cannot store INTEGER value in u32 column t.e
INSERT INTO t(f) VALUES (2147483648);
> Error: cannot store INTEGER value in i32 column t.f
INSERT INTO t(g, h) VALUES (9223372036854775807, -9223372036854775808);
INSERT INTO t(g) VALUES (-1);
> Error: cannot store INTEGER value in u64 column t.g
INSERT INTO t(a) VALUES ('12');
INSERT INTO t(a) VALUES ('twelve');
> Error: cannot store TEXT value in u8 column t.a
INSERT INTO t(a) VALUES (1.5);
> Error: cannot store REAL value in u8 column t.a
INSERT INTO t(x) VALUES (1.5);
INSERT INTO t(x) VALUES (1e39);
> Error: cannot store REAL value in f32 column t.x
INSERT INTO t(x) VALUES (0.1);
INSERT INTO t(y) VALUES (1e308);
INSERT INTO t(y) VALUES ('abc');
> Error: cannot store TEXT value in REAL column t.y
SELECT a, b, c, d, e, f, g, h, x, y FROM t WHERE flag IS NULL AND doc IS NULL ORDER BY rowid;
> NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL
> 255|-128|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL
> NULL|NULL|65535|-32768|NULL|NULL|NULL|NULL|NULL|NULL
> NULL|NULL|NULL|NULL|4294967295|-2147483648|NULL|NULL|NULL|NULL
> NULL|NULL|NULL|NULL|NULL|NULL|9223372036854775807|-9223372036854775808|NULL|NULL
> 12|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL
> NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|1.5|NULL
> NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|0.1|NULL
> NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|1.0e+308
UPDATE t SET a = 300 WHERE a = 255;
> Error: cannot store INTEGER value in u8 column t.a
SELECT count(*) FROM t WHERE a = 255;
> 1
