-- Parameters: ?, ?N, :name, @name, $name, numbered as SQLite numbers them.
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
-- params: 1, 'one'
INSERT INTO t VALUES (?, ?);
-- params: 'two', 2
INSERT INTO t VALUES (?2, ?1);
-- params: :a=3, :b='three'
INSERT INTO t VALUES (:a, :b);
-- params: @id=4, $name='four'
INSERT INTO t VALUES (@id, $name);
SELECT a, b FROM t ORDER BY a;
> 1|one
> 2|two
> 3|three
> 4|four
-- A name keeps its first index; ? after ?N takes the next one.
-- params: 10, 20, 30
SELECT ?2, ?, ?1;
> 20|30|10
-- params: 'x', 'y'
SELECT :p, :q, :p;
> x|y|x
-- params: NULL, x'00ff', 1.5, -9223372036854775808
SELECT typeof(?1), hex(?2), ?3, ?4;
> null|00FF|1.5|-9223372036854775808
-- Parameters have no affinity of their own: a text '1' is not the integer 1.
-- params: '1'
SELECT a FROM t WHERE a = ?;
> 1
-- params: '1'
SELECT count(*) FROM t WHERE b = ?;
> 0
-- params: 2
SELECT b FROM t WHERE a > ? ORDER BY a LIMIT ?1;
> three
> four
-- Unbound named parameters are NULL.
-- params: :a=1
SELECT :a, :b IS NULL;
> 1|1
-- params: 5, 'five'
INSERT INTO t VALUES (?, ?) RETURNING a, b;
> 5|five
-- sqlite: differs (TurDB reports the wrong count; SQLite binds NULL to the missing one)
-- params: 1
SELECT ?, ?;
> Error: bind parameters of "SELECT ?, ?": 1 given, the statement has 2
-- sqlite: differs (TurDB reports the extra value; SQLite's C API returns SQLITE_RANGE through rusqlite)
-- params: 1, 2
SELECT ?;
> Error: bind parameters of "SELECT ?": 2 given, the statement has 1
-- sqlite: differs (TurDB names the unknown parameter)
-- params: :nope=1
SELECT :a;
> Error: bind parameters of "SELECT :a": no parameter named :nope
SELECT ?1000000;
> Error: variable number must be between ?1 and ?32766 at 1:8
