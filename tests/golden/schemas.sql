-- sqlite: skip file (CREATE SCHEMA and the root alias are TurDB's; SQLite has ATTACH instead)
-- Schemas: main (also called root), temp, and CREATE SCHEMA.
CREATE TABLE t(a);
INSERT INTO main.t VALUES (1);
INSERT INTO root.t VALUES (2);
SELECT a FROM root.t ORDER BY a;
> 1
> 2
SELECT main.t.a FROM main.t WHERE root.t.a > 1;
> 2
CREATE TEMP TABLE t(b);
INSERT INTO t VALUES ('temp shadows main');
SELECT * FROM t;
> temp shadows main
SELECT * FROM main.t ORDER BY a;
> 1
> 2
SELECT * FROM temp.t;
> temp shadows main
DROP TABLE t;
SELECT * FROM t ORDER BY a;
> 1
> 2
CREATE SCHEMA sales;
CREATE SCHEMA sales;
> Error: schema sales already exists
CREATE SCHEMA IF NOT EXISTS sales;
CREATE TABLE sales.orders(id INTEGER PRIMARY KEY, amount REAL);
CREATE INDEX sales.orders_amount ON orders(amount);
CREATE VIEW sales.big AS SELECT id FROM sales.orders WHERE amount > 100;
INSERT INTO sales.orders(amount) VALUES (50), (150), (250);
SELECT id, amount FROM sales.orders WHERE amount > 60 ORDER BY amount;
> 2|150.0
> 3|250.0
SELECT * FROM sales.big ORDER BY id;
> 2
> 3
SELECT o.id FROM sales.orders AS o JOIN main.t ON o.id = t.a ORDER BY o.id;
> 1
> 2
SELECT * FROM orders;
> Error: no such table: orders at 1:15
SELECT * FROM nope.orders;
> Error: no such table: nope.orders at 1:15
SELECT type, name, tbl_name FROM sqlite_master ORDER BY name;
> view|sales.big|sales.big
> table|sales.orders|sales.orders
> index|sales.orders_amount|sales.orders
> table|t|t
DROP SCHEMA sales;
> Error: schema sales is not empty (use DROP SCHEMA sales CASCADE)
DROP SCHEMA sales CASCADE;
SELECT count(*) FROM sqlite_master WHERE name LIKE 'sales.%';
> 0
CREATE TABLE temp.x(a);
CREATE TABLE nope.x(a);
> Error: unknown schema nope at 1:14
