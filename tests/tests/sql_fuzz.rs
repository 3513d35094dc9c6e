//! Bad SQL never panics: random token soups and mutated valid statements
//! against a database with tables, indexes, views and triggers must each
//! end in `Ok` or an error, and leave the database usable.

use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use turdb::Database;

const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "CREATE",
    "TABLE",
    "INDEX",
    "VIEW",
    "DROP",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "UNION",
    "ALL",
    "DISTINCT",
    "JOIN",
    "LEFT",
    "ON",
    "USING",
    "AS",
    "WITH",
    "RECURSIVE",
    "OVER",
    "PARTITION",
    "CAST",
    "INTEGER",
    "TEXT",
    "t1",
    "t2",
    "v1",
    "a",
    "b",
    "c",
    "x",
    "count",
    "sum",
    "max",
    "abs",
    "substr",
    "row_number",
    "coalesce",
    "json_extract",
    "*",
    "+",
    "-",
    "/",
    "%",
    "=",
    "<",
    ">",
    "<=",
    "<>",
    "||",
    "(",
    ")",
    ",",
    ".",
    ";",
    "?",
    "1",
    "0",
    "-1",
    "2.5",
    "'s'",
    "''",
    "x'00'",
    "9223372036854775807",
    "1e308",
];

fn setup() -> Database {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL);
         CREATE TABLE t2(a INTEGER, b TEXT UNIQUE, c);
         CREATE INDEX t2a ON t2(a, c);
         CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE a > 1;
         CREATE TRIGGER tr AFTER INSERT ON t1 BEGIN INSERT INTO t2 VALUES (new.a, new.b || new.a, new.c); END;
         INSERT INTO t1 VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, NULL, -2);",
    )
    .unwrap();
    db
}

fn run(db: &Database, sql: &str) {
    // A mutation can make a statement endless (a recursive CTE that lost
    // its WHERE, say) — SQLite would loop forever too. A watchdog
    // interrupts whatever still runs after a while: "never panics" is the
    // property here, and `interrupt()` is part of what it exercises.
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let start = Instant::now();
            while !done.load(Ordering::Relaxed) {
                if start.elapsed() > Duration::from_millis(500) {
                    db.interrupt();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        // Results and errors are both fine; a panic fails the test.
        let _ = db.execute_batch(sql);
        if let Ok(mut stmt) = db.prepare(sql)
            && let Ok(mut rows) = stmt.query(())
        {
            let mut n = 0;
            while let Ok(Some(_)) = rows.next() {
                n += 1;
                if n > 10_000 {
                    break;
                }
            }
        }
        done.store(true, Ordering::Relaxed);
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn token_soup_never_panics(toks in prop::collection::vec(prop::sample::select(TOKENS), 1..25)) {
        let db = setup();
        run(&db, &toks.join(" "));
        // Still usable.
        let n: i64 = db.query_row("SELECT count(*) FROM t1", (), |r| r.get(0)).unwrap();
        prop_assert!(n >= 0);
    }

    #[test]
    fn mutated_statements_never_panic(
        which in 0usize..8,
        cut in 0usize..200,
        insert in prop::sample::select(TOKENS),
    ) {
        let base = [
            "SELECT a, count(*) FROM t2 WHERE c > 1 GROUP BY a HAVING count(*) > 0 ORDER BY 1 LIMIT 5",
            "SELECT t1.b, t2.c FROM t1 LEFT JOIN t2 ON t2.a = t1.a WHERE t1.a IN (SELECT a FROM v1)",
            "INSERT INTO t1(b, c) VALUES ('x', 1), ('y', 2)",
            "UPDATE t2 SET c = c + 1 WHERE b LIKE 'o%'",
            "DELETE FROM t1 WHERE a BETWEEN 2 AND 3",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r",
            "SELECT a, row_number() OVER (PARTITION BY b ORDER BY c) FROM t2",
            "SELECT CASE WHEN a > 1 THEN b ELSE CAST(c AS TEXT) END FROM t1 ORDER BY b DESC",
        ];
        let s = base[which];
        let cut = cut % (s.len() + 1);
        let cut = (0..=cut).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        let mutated = format!("{} {} {}", &s[..cut], insert, &s[cut..]);
        let db = setup();
        run(&db, &mutated);
        run(&db, &s[..cut]);
    }
}
