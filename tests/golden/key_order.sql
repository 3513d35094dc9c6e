-- One numeric order for INTEGER and REAL: 1 = 1.0, -0.0 = 0, exact around 2^53.
CREATE TABLE n(x);
INSERT INTO n VALUES (1), (1.0), (1.5), (-1), (-3.5), (0), (-0.0), (2), (0.5), (NULL), ('1'), (x'01'), ('a');
SELECT x, typeof(x) FROM n ORDER BY x;
> NULL|null
> -3.5|real
> -1|integer
> 0|integer
> -0.0|real
> 0.5|real
> 1|integer
> 1.0|real
> 1.5|real
> 2|integer
> 1|text
> a|text
> X'01'|blob
SELECT x, typeof(x) FROM n ORDER BY x DESC;
> X'01'|blob
> a|text
> 1|text
> 2|integer
> 1.5|real
> 1|integer
> 1.0|real
> 0.5|real
> 0|integer
> -0.0|real
> -1|integer
> -3.5|real
> NULL|null
SELECT DISTINCT x FROM n WHERE typeof(x) IN ('integer', 'real') ORDER BY x;
> -3.5
> -1
> 0
> 0.5
> 1
> 1.5
> 2
SELECT count(*) FROM n WHERE x = 1;
> 2
SELECT x FROM n WHERE x > 0 AND x < 2 ORDER BY x;
> 0.5
> 1
> 1.0
> 1.5
-- The same order through an index.
CREATE INDEX n_x ON n(x);
SELECT x FROM n WHERE x >= -1 AND x <= 1 ORDER BY x;
> -1
> 0
> -0.0
> 0.5
> 1
> 1.0
SELECT x FROM n WHERE x = 1 ORDER BY x;
> 1
> 1.0
SELECT count(*) FROM n WHERE x = 0;
> 2
-- UNIQUE sees 1 and 1.0 as the same key, and -0.0 as 0.
CREATE TABLE u(x UNIQUE);
INSERT INTO u VALUES (1);
INSERT INTO u VALUES (1.0);
> Error: UNIQUE constraint failed: u.x
INSERT INTO u VALUES (0);
INSERT INTO u VALUES (-0.0);
> Error: UNIQUE constraint failed: u.x
INSERT INTO u VALUES ('1');
SELECT x, typeof(x) FROM u ORDER BY x;
> 0|integer
> 1|integer
> 1|text
-- Around 2^53 doubles are no longer exact, integers are.
CREATE TABLE big(x);
INSERT INTO big VALUES (9007199254740992), (9007199254740993), (9007199254740992.0), (9007199254740994.0), (9223372036854775807), (9.3e18), (-9223372036854775808), (-9.3e18);
SELECT x, typeof(x) FROM big ORDER BY x;
> -9.3e+18|real
> -9223372036854775808|integer
> 9007199254740992|integer
> 9.00719925474099e+15|real
> 9007199254740993|integer
> 9.00719925474099e+15|real
> 9223372036854775807|integer
> 9.3e+18|real
SELECT count(*) FROM big WHERE x = 9007199254740992.0;
> 2
SELECT 9007199254740993 = 9007199254740992.0, 9007199254740993 > 9007199254740992.0, 9223372036854775807 < 9.3e18;
> 0|1|1
CREATE UNIQUE INDEX big_u ON big(x);
> Error: UNIQUE constraint failed: big.x
SELECT x FROM big WHERE x > 9007199254740992 ORDER BY x;
> 9007199254740993
> 9.00719925474099e+15
> 9223372036854775807
> 9.3e+18
-- Mixed keys of a composite index.
CREATE TABLE m(a, b);
INSERT INTO m VALUES (1, 'b'), (1.0, 'a'), (2, NULL), (0.5, 'z'), ('1', 'q');
CREATE INDEX m_ab ON m(a, b);
SELECT a, b FROM m ORDER BY a, b;
> 0.5|z
> 1.0|a
> 1|b
> 2|NULL
> 1|q
SELECT a, b FROM m WHERE a = 1 ORDER BY b;
> 1.0|a
> 1|b
-- NULLS FIRST / LAST.
SELECT x FROM n WHERE x IS NULL OR typeof(x) = 'integer' ORDER BY x NULLS LAST;
> -1
> 0
> 1
> 2
> NULL
SELECT x FROM n WHERE x IS NULL OR typeof(x) = 'integer' ORDER BY x DESC NULLS FIRST;
> NULL
> 2
> 1
> 0
> -1
