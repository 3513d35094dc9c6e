-- sqlite: skip file (TurDB's EXPLAIN prints its own plan tree)
-- EXPLAIN shows the plan as a tree: access paths, joins, sorts.
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL);
CREATE INDEX t_a ON t(a);
CREATE INDEX t_ab ON t(a, b);
CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, v TEXT);
CREATE TABLE w(x, y);
-- Rowid lookup and rowid range.
EXPLAIN SELECT * FROM t WHERE id = 5;
> PROJECT 4 columns
>   SEARCH (rowid=?) t
EXPLAIN SELECT * FROM t WHERE id > 5 AND id <= 10;
> PROJECT 4 columns
>   SEARCH (rowid range) t
EXPLAIN SELECT * FROM t WHERE id IN (1, 2, 3);
> PROJECT 4 columns
>   SEARCH (rowid IN 3 values) t
-- Index equality and range.
EXPLAIN SELECT * FROM t WHERE a = 1;
> PROJECT 4 columns
>   SEARCH USING INDEX t_a (a=?) t
EXPLAIN SELECT * FROM t WHERE a > 1 AND a < 9;
> PROJECT 4 columns
>   SEARCH USING INDEX t_a (a>? AND a<?) t
EXPLAIN SELECT * FROM t WHERE a IN (1, 2);
> PROJECT 4 columns
>   SEARCH USING INDEX t_a (a IN 2 values) t
EXPLAIN SELECT * FROM t WHERE a = 1 OR a = 2;
> PROJECT 4 columns
>   SEARCH USING INDEX t_a (a IN 2 values) t
-- A covering index needs no table lookup.
EXPLAIN SELECT a, b FROM t WHERE a = 3;
> PROJECT 2 columns
>   SEARCH USING INDEX t_a (a=?) t
EXPLAIN SELECT count(*) FROM t WHERE a BETWEEN 1 AND 5;
> PROJECT 1 columns
>   AGGREGATE 0 groups by, 1 aggregates
>     SEARCH USING COVERING INDEX t_a (a>? AND a<?) t
-- Full scan with a filter.
EXPLAIN SELECT * FROM t WHERE c > 1.5;
> PROJECT 4 columns
>   SCAN t
EXPLAIN SELECT * FROM t NOT INDEXED WHERE a = 1;
> PROJECT 4 columns
>   SCAN t
-- Joins: hash join on an equality, rowid lookup into the inner table,
-- nested loop otherwise.
EXPLAIN SELECT * FROM w JOIN u ON w.x = u.v;
> PROJECT 5 columns
>   SCAN w
>     HASH JOIN on 1 keys u
EXPLAIN SELECT * FROM u JOIN t ON t.id = u.t_id;
> PROJECT 7 columns
>   SCAN u
>     SEARCH (rowid=?) t
EXPLAIN SELECT * FROM w LEFT JOIN u ON u.v = w.y;
> PROJECT 5 columns
>   SCAN w
>     HASH JOIN on 1 keys u (LEFT JOIN)
EXPLAIN SELECT * FROM w JOIN u ON w.x < u.v;
> PROJECT 5 columns
>   SCAN w
>     SCAN u
EXPLAIN SELECT * FROM w, u;
> PROJECT 5 columns
>   SCAN w
>     SCAN u
-- ORDER BY served by an index or the rowid; otherwise a sort.
EXPLAIN SELECT * FROM t ORDER BY id DESC LIMIT 3;
> LIMIT
>   SORT by 1 keys
>     PROJECT 5 columns
>       SCAN t
EXPLAIN SELECT a FROM t ORDER BY a LIMIT 3;
> LIMIT
>   PROJECT 2 columns
>     SEARCH USING COVERING INDEX t_a () t
EXPLAIN SELECT * FROM t ORDER BY c;
> SORT by 1 keys
>   PROJECT 5 columns
>     SCAN t
-- Subqueries.
EXPLAIN SELECT * FROM u WHERE t_id IN (SELECT id FROM t WHERE a = 1);
> PROJECT 3 columns
>   SCAN u
EXPLAIN SELECT * FROM t WHERE id IN (SELECT t_id FROM u);
> PROJECT 4 columns
>   SEARCH (rowid IN subquery) t
EXPLAIN SELECT * FROM t WHERE a IN (SELECT t_id FROM u);
> PROJECT 4 columns
>   SEARCH USING INDEX t_a (a IN subquery) t
-- Aggregates and compounds.
EXPLAIN SELECT a, count(*) FROM t GROUP BY a;
> PROJECT 2 columns
>   AGGREGATE 1 groups by, 1 aggregates
>     SCAN t
EXPLAIN SELECT x FROM w UNION SELECT v FROM u;
> COMPOUND Union
>   PROJECT 1 columns
>     SCAN w
>   PROJECT 1 columns
>     SCAN u
-- Writes show the rows they visit.
EXPLAIN UPDATE t SET b = 'x' WHERE id = 1;
> UPDATE t
>   PROJECT 5 columns
>     SEARCH (rowid=?) t
EXPLAIN UPDATE t SET b = 'x' WHERE a > 3;
> UPDATE t
>   PROJECT 5 columns
>     SEARCH USING INDEX t_a (a>?) t
EXPLAIN DELETE FROM t WHERE a = 2;
> DELETE FROM t
>   PROJECT 5 columns
>     SEARCH USING INDEX t_a (a=?) t
EXPLAIN DELETE FROM w;
> DELETE FROM w
>   PROJECT 3 columns
>     SCAN w
EXPLAIN INSERT INTO w SELECT a, b FROM t WHERE a = 1;
> INSERT INTO w
>   PROJECT 2 columns
>     SEARCH USING INDEX t_a (a=?) t
EXPLAIN INSERT INTO w VALUES (1, 2);
> INSERT INTO w
>   VALUES (1 rows)
