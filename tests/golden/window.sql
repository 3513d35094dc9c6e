-- Window functions.
CREATE TABLE s(dept TEXT, name TEXT, pay INTEGER);
INSERT INTO s VALUES ('a', 'ann', 10), ('a', 'al', 20), ('a', 'amy', 20), ('b', 'bob', 5), ('b', 'bea', 15), ('c', 'cy', 7);
SELECT name, row_number() OVER (ORDER BY pay, name) FROM s ORDER BY name;
> al|5
> amy|6
> ann|3
> bea|4
> bob|1
> cy|2
SELECT dept, name, pay, rank() OVER w, dense_rank() OVER w FROM s WINDOW w AS (PARTITION BY dept ORDER BY pay DESC) ORDER BY dept, pay DESC, name;
> a|al|20|1|1
> a|amy|20|1|1
> a|ann|10|3|2
> b|bea|15|1|1
> b|bob|5|2|2
> c|cy|7|1|1
SELECT name, ntile(3) OVER (ORDER BY name) FROM s ORDER BY name;
> al|1
> amy|1
> ann|2
> bea|2
> bob|3
> cy|3
SELECT name, lag(pay) OVER (ORDER BY name), lead(pay, 2, -1) OVER (ORDER BY name) FROM s ORDER BY name;
> al|NULL|10
> amy|20|15
> ann|20|5
> bea|10|7
> bob|15|-1
> cy|5|-1
SELECT name, first_value(name) OVER (PARTITION BY dept ORDER BY pay), last_value(name) OVER (PARTITION BY dept ORDER BY pay ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), nth_value(name, 2) OVER (PARTITION BY dept ORDER BY pay, name) FROM s ORDER BY dept, pay, name;
> ann|ann|amy|NULL
> al|ann|amy|al
> amy|ann|amy|al
> bob|bob|bea|NULL
> bea|bob|bea|bea
> cy|cy|cy|NULL
SELECT name, sum(pay) OVER (ORDER BY name ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM s ORDER BY name;
> al|40
> amy|50
> ann|45
> bea|30
> bob|27
> cy|12
SELECT name, sum(pay) OVER (PARTITION BY dept), count(*) OVER (), avg(pay) OVER (PARTITION BY dept ORDER BY name) FROM s ORDER BY dept, name;
> al|50|6|20.0
> amy|50|6|20.0
> ann|50|6|16.6666666666667
> bea|20|6|15.0
> bob|20|6|10.0
> cy|7|6|7.0
SELECT name, pay, sum(pay) OVER (ORDER BY pay RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM s ORDER BY pay, name;
> bob|5|5
> cy|7|12
> ann|10|22
> bea|15|37
> al|20|77
> amy|20|77
SELECT name, pay, count(*) OVER (ORDER BY pay GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s ORDER BY pay, name;
> bob|5|1
> cy|7|2
> ann|10|2
> bea|15|2
> al|20|3
> amy|20|3
SELECT dept, group_concat(name, ',') OVER (PARTITION BY dept ORDER BY name) FROM s ORDER BY dept, name;
> a|al
> a|al,amy
> a|al,amy,ann
> b|bea
> b|bea,bob
> c|cy
SELECT dept, max(pay), rank() OVER (ORDER BY max(pay) DESC) FROM s GROUP BY dept ORDER BY dept;
> a|20|1
> b|15|2
> c|7|3
SELECT name, sum(pay) FILTER (WHERE pay > 10) OVER (ORDER BY name) FROM s ORDER BY name;
> al|20
> amy|40
> ann|40
> bea|55
> bob|55
> cy|55
SELECT row_number() OVER (ORDER BY nope) FROM s;
> Error: no such column: nope at 1:36
SELECT name FROM s WHERE row_number() OVER () > 1;
> Error: misuse of window function row_number() at 1:26
