-- Scans with filters: the filter's columns are read first and the rest only for rows that pass.
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, n NUMERIC);
INSERT INTO t VALUES (1, 10, 'one', 0.5, 1), (2, 20, 'two', 1.5, 2.0), (3, 30, 'three', 0.25, 3.5), (4, 40, NULL, 2.0, '4'), (5, 50, 'five', NULL, 5);
SELECT id, a, b FROM t WHERE c < 1;
> 1|10|one
> 3|30|three
SELECT b, a FROM t WHERE c >= 1.5 AND a > 15;
> two|20
> NULL|40
SELECT b FROM t WHERE c < 1 OR b = 'five';
> one
> three
> five
SELECT id, b FROM t WHERE n = 2;
> 2|two
SELECT id, b FROM t WHERE n < 3.75;
> 1|one
> 2|two
> 3|three
SELECT id, b FROM t WHERE c = 2;
> 4|NULL
SELECT id, b, length(b) FROM t WHERE id > 1 AND c < 1;
> 3|three|5
ALTER TABLE t ADD COLUMN d TEXT DEFAULT 'dflt';
INSERT INTO t VALUES (6, 60, 'six', 0.125, 6, 'own');
SELECT id, b, d FROM t WHERE c < 1;
> 1|one|dflt
> 3|three|dflt
> 6|six|own
SELECT id, d FROM t WHERE d = 'dflt' AND a >= 30;
> 3|dflt
> 4|dflt
> 5|dflt
CREATE TABLE u(k INTEGER PRIMARY KEY, tid INTEGER, note TEXT);
INSERT INTO u VALUES (1, 1, 'u1'), (2, 3, 'u3'), (3, 9, 'u9');
SELECT u.note, t.b FROM u LEFT JOIN t ON t.id = u.tid AND t.c < 1 ORDER BY u.k;
> u1|one
> u3|three
> u9|NULL
SELECT t.b, u.note FROM t, u WHERE t.c < 1 AND u.tid = t.id ORDER BY t.id;
> one|u1
> three|u3
SELECT b FROM t WHERE c < (SELECT max(c) FROM t WHERE id < 3) ORDER BY id;
> one
> three
> six
SELECT b FROM t AS x WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = x.id AND x.c < 1) ORDER BY id;
> one
> three
SELECT count(*), group_concat(b) FROM t WHERE c < 1;
> 3|one,three,six
SELECT a % 20, count(*), max(b) FROM t WHERE c < 1 GROUP BY a % 20 ORDER BY 1;
> 0|1|six
> 10|2|three
