//! Arbitrary bytes into the SQL parser and then the executor: neither may
//! panic. Bytes that are not UTF-8 are read lossily (the API takes `&str`).
//! Statements run against a small in-memory database with a table, an
//! index, a view and a trigger, so name binding and execution are reached;
//! a watchdog-free run relies on libFuzzer's `-timeout` for endless queries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use turdb::Database;

fuzz_target!(|data: &[u8]| {
    let sql = String::from_utf8_lossy(data);
    let _ = turdb::sql::parser::parse(&sql);
    let Ok(db) = Database::open_in_memory() else {
        return;
    };
    let _ = db.execute_batch(
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL);
         CREATE TABLE t2(a INTEGER, b TEXT UNIQUE, c);
         CREATE INDEX t2a ON t2(a, c);
         CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE a > 1;
         CREATE TRIGGER tr AFTER INSERT ON t1 BEGIN INSERT INTO t2 VALUES (new.a, new.b || new.a, new.c); END;
         INSERT INTO t1 VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, NULL, -2);",
    );
    let mut p = turdb::sql::parser::Parser::new(&sql);
    while let Ok(Some(stmt)) = p.next_statement() {
        let text = sql.get(stmt.start..stmt.end).unwrap_or("");
        if let Ok(mut st) = db.prepare(text)
            && let Ok(mut rows) = st.query(())
        {
            // Enough rows to run operators; a cross product stops here.
            for _ in 0..1000 {
                match rows.next() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }
});
