//! The Rust API end to end: rusqlite's shapes, SQLite's results.

use turdb::{Database, ErrorKind, Value, params};

fn db() -> Database {
    Database::open_in_memory().unwrap()
}

use turdb_tests::{i, rows, t};

#[test]
fn create_insert_select() {
    let db = db();
    db.execute_batch(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
         INSERT INTO t VALUES (1, 'one', 1.5), (2, 'two', NULL);
         INSERT INTO t(b) VALUES ('three');",
    )
    .unwrap();
    assert_eq!(db.last_insert_rowid(), 3);
    assert_eq!(
        rows(&db, "SELECT a, b, c FROM t ORDER BY a DESC"),
        vec![
            vec![i(3), t("three"), Value::Null],
            vec![i(2), t("two"), Value::Null],
            vec![i(1), t("one"), Value::Real(1.5)],
        ]
    );
    let n: i64 = db
        .query_row("SELECT count(*) FROM t WHERE c IS NULL", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn parameters_of_every_form() {
    let db = db();
    db.execute_batch("CREATE TABLE t(x, y)").unwrap();
    assert_eq!(
        db.execute("INSERT INTO t VALUES (?, ?)", params![1, "a"])
            .unwrap(),
        1
    );
    assert_eq!(
        db.execute("INSERT INTO t VALUES (?2, ?1)", params!["b", 2])
            .unwrap(),
        1
    );
    db.execute("INSERT INTO t VALUES (:x, @y)", params![3, "c"])
        .unwrap();
    db.execute("INSERT INTO t VALUES ($x, $x)", params![4])
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT x, y FROM t ORDER BY x"),
        vec![
            vec![i(1), t("a")],
            vec![i(2), t("b")],
            vec![i(3), t("c")],
            vec![i(4), i(4)],
        ]
    );
    // A prepared statement is reusable.
    let mut stmt = db.prepare("SELECT y FROM t WHERE x = ?").unwrap();
    for (k, want) in [(1, "a"), (2, "b"), (3, "c")] {
        let got: String = stmt.query_row(params![k], |r| r.get(0)).unwrap();
        assert_eq!(got, want);
    }
}

#[test]
fn row_get_by_name_and_types() {
    let db = db();
    let (a, b, c): (i64, String, Option<f64>) = db
        .query_row("SELECT 7 AS a, 'x' AS b, NULL AS c", (), |r| {
            Ok((r.get("a")?, r.get("b")?, r.get("c")?))
        })
        .unwrap();
    assert_eq!((a, b.as_str(), c), (7, "x", None));
    let e = db
        .query_row("SELECT 'text'", (), |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type);
}

#[test]
fn constraint_violation_names_table_and_leaves_no_trace() {
    let db = db();
    db.execute_batch(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE NOT NULL);
         INSERT INTO t VALUES (1, 'x');",
    )
    .unwrap();
    let e = db
        .execute("INSERT INTO t VALUES (2, 'y'), (3, 'x')", ())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Constraint);
    assert!(e.to_string().contains("t.b"), "{e}");
    // The statement had no effect: row 2 is not there.
    assert_eq!(rows(&db, "SELECT count(*) FROM t"), vec![vec![i(1)]]);
    let e = db
        .execute("INSERT INTO t VALUES (4, NULL)", ())
        .unwrap_err();
    assert!(
        e.to_string().contains("NOT NULL constraint failed: t.b"),
        "{e}"
    );
    db.execute("INSERT OR IGNORE INTO t VALUES (5, 'x')", ())
        .unwrap();
    db.execute("INSERT OR REPLACE INTO t VALUES (6, 'x')", ())
        .unwrap();
    assert_eq!(rows(&db, "SELECT a, b FROM t"), vec![vec![i(6), t("x")]]);
}

#[test]
fn transactions_commit_and_roll_back() {
    let db = db();
    db.execute_batch("CREATE TABLE t(x)").unwrap();
    {
        let tx = db.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (1)", ()).unwrap();
        tx.commit().unwrap();
    }
    {
        let tx = db.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (2)", ()).unwrap();
        // dropped: rolled back
    }
    db.execute_batch(
        "BEGIN; INSERT INTO t VALUES (3); SAVEPOINT s; INSERT INTO t VALUES (4);
         ROLLBACK TO s; RELEASE s; COMMIT;",
    )
    .unwrap();
    assert_eq!(
        rows(&db, "SELECT x FROM t ORDER BY x"),
        vec![vec![i(1)], vec![i(3)]]
    );
    assert!(db.is_autocommit());
}

#[test]
fn update_delete_and_changes() {
    let db = db();
    db.execute_batch(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER);
         CREATE INDEX tb ON t(b);
         INSERT INTO t VALUES (1, 10), (2, 20), (3, 30), (4, 40);",
    )
    .unwrap();
    assert_eq!(
        db.execute("UPDATE t SET b = b + 1 WHERE b >= 20", ())
            .unwrap(),
        3
    );
    assert_eq!(db.execute("DELETE FROM t WHERE b = 31", ()).unwrap(), 1);
    assert_eq!(
        rows(&db, "SELECT a, b FROM t WHERE b > 15 ORDER BY b"),
        vec![vec![i(2), i(21)], vec![i(4), i(41)]]
    );
    assert_eq!(rows(&db, "PRAGMA integrity_check"), vec![vec![t("ok")]]);
}

#[test]
fn joins_groups_subqueries() {
    let db = db();
    db.execute_batch(
        "CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE b(a_id INTEGER, v INTEGER);
         INSERT INTO a VALUES (1, 'x'), (2, 'y'), (3, 'z');
         INSERT INTO b VALUES (1, 5), (1, 7), (2, 1);",
    )
    .unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT a.name, sum(b.v) FROM a LEFT JOIN b ON b.a_id = a.id GROUP BY a.name ORDER BY 1"
        ),
        vec![
            vec![t("x"), i(12)],
            vec![t("y"), i(1)],
            vec![t("z"), Value::Null]
        ]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT name FROM a WHERE id IN (SELECT a_id FROM b WHERE v > 4) ORDER BY name"
        ),
        vec![vec![t("x")]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT name, (SELECT count(*) FROM b WHERE b.a_id = a.id) FROM a ORDER BY id"
        ),
        vec![vec![t("x"), i(2)], vec![t("y"), i(1)], vec![t("z"), i(0)]]
    );
}

#[test]
fn syntax_error_says_where() {
    let db = db();
    let e = db.execute_batch("SELECT 1;\nSELEC 2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert!(e.to_string().contains("2:1"), "{e}");
    let e = db
        .execute_batch("SELECT nope FROM (SELECT 1 AS x)")
        .unwrap_err();
    assert!(e.to_string().contains("no such column: nope"), "{e}");
}

#[test]
fn file_database_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t(b);
             CREATE VIEW v AS SELECT b FROM t;",
        )
        .unwrap();
        let tx = db.transaction().unwrap();
        for k in 0..1000 {
            tx.execute("INSERT INTO t VALUES (?, ?)", params![k, format!("v{k}")])
                .unwrap();
        }
        tx.commit().unwrap();
    }
    let db = Database::open(&path).unwrap();
    assert_eq!(rows(&db, "SELECT count(*) FROM v"), vec![vec![i(1000)]]);
    assert_eq!(
        rows(&db, "SELECT a FROM t WHERE b = 'v777'"),
        vec![vec![i(777)]]
    );
}

#[test]
fn database_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Database>();
    let db = std::sync::Arc::new(db());
    db.execute_batch("CREATE TABLE t(x)").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|k| {
            let db = db.clone();
            std::thread::spawn(move || {
                for j in 0..50 {
                    db.execute("INSERT INTO t VALUES (?)", params![k * 100 + j])
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(rows(&db, "SELECT count(*) FROM t"), vec![vec![i(200)]]);
}

#[test]
fn pragma_cache_size_resizes_the_cache() {
    let db = db();
    db.execute_batch("PRAGMA cache_size = 40").unwrap();
    assert_eq!(rows(&db, "PRAGMA cache_size"), vec![vec![i(40)]]);
    assert_eq!(db.pager_stats().cache_capacity, 40);
    // Negative: KiB, as in SQLite (2048 KiB = 128 pages of 16 KiB).
    db.execute_batch("PRAGMA cache_size = -2048").unwrap();
    assert_eq!(db.pager_stats().cache_capacity, 128);
    // A shrunk cache still works for a table far larger than it.
    db.execute_batch(
        "PRAGMA cache_size = 4;
         CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000)
         INSERT INTO t(b) SELECT printf('%0500d', x) FROM n;",
    )
    .unwrap();
    assert_eq!(rows(&db, "SELECT count(*) FROM t"), vec![vec![i(5000)]]);
    assert!(db.pager_stats().cache_peak <= 128);
    assert!(db.pager_stats().cache_len <= 4);
    let e = db.execute_batch("PRAGMA cache_size = 'lots'").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn wrong_parameter_counts_and_unknown_names_are_errors() {
    let db = db();
    db.execute_batch("CREATE TABLE t(a, b)").unwrap();
    let e = db
        .execute("INSERT INTO t VALUES (?, ?)", params![1])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.to_string().contains(
            "bind parameters of \"INSERT INTO t VALUES (?, ?)\": 1 given, the statement has 2"
        ),
        "{e}"
    );
    let e = db
        .execute("INSERT INTO t VALUES (?1, ?1)", params![1, 2])
        .unwrap_err();
    assert!(
        e.to_string().contains("2 given, the statement has 1"),
        "{e}"
    );
    let e = db.execute("SELECT 1", params![1]).unwrap_err();
    assert!(
        e.to_string().contains("1 given, the statement has 0"),
        "{e}"
    );
    // ?5 makes five parameters, as in SQLite.
    assert_eq!(
        db.query_row("SELECT ?5", params![1, 2, 3, 4, 5], |r| r.get::<_, i64>(0))
            .unwrap(),
        5
    );
    let e = db
        .execute(
            "INSERT INTO t VALUES (:a, :b)",
            turdb::named_params! {":a": 1, ":nope": 2},
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("no parameter named :nope"), "{e}");
    // By name (an unbound one is NULL, as in SQLite), or by position.
    db.execute(
        "INSERT INTO t VALUES (:a, @b)",
        turdb::named_params! {":a": 1},
    )
    .unwrap();
    db.execute("INSERT INTO t VALUES (:a, $b)", params![2, "x"])
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT a, b FROM t ORDER BY a"),
        vec![vec![i(1), Value::Null], vec![i(2), t("x")]]
    );
    // A statement reused after an error binds again.
    let mut stmt = db.prepare("SELECT ? + 1").unwrap();
    assert!(stmt.query(()).is_err());
    assert_eq!(
        stmt.query_row(params![41], |r| r.get::<_, i64>(0)).unwrap(),
        42
    );
}

#[test]
fn huge_literals_are_values_or_errors() {
    let db = db();
    let big = "x".repeat(1 << 20);
    let n: i64 = db
        .query_row(&format!("SELECT length('{big}')"), (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1 << 20);
    db.execute_batch(&format!(
        "CREATE TABLE t(s); INSERT INTO t VALUES ('{big}')"
    ))
    .unwrap();
    let back: String = db.query_row("SELECT s FROM t", (), |r| r.get(0)).unwrap();
    assert_eq!(back, big);
    // Integers too large for i64 are REAL, as in SQLite.
    assert_eq!(
        rows(
            &db,
            "SELECT 99999999999999999999999, typeof(99999999999999999999999), -9223372036854775808, 9223372036854775808"
        ),
        vec![vec![
            Value::Real(1e23),
            t("real"),
            i(i64::MIN),
            Value::Real(9.223372036854776e18)
        ]]
    );
    let e = db.execute("SELECT 0x1ffffffffffffffff", ()).unwrap_err();
    assert!(e.to_string().contains("hex literal too big"), "{e}");
    let deep = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    let e = db.execute(&deep, ()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    let blob = format!("SELECT length(x'{}')", "ab".repeat(1 << 19));
    assert_eq!(rows(&db, &blob), vec![vec![i(1 << 19)]]);
}

#[test]
fn a_failing_statement_keeps_the_transactions_earlier_work() {
    let db = db();
    db.execute_batch("CREATE TABLE t(a INTEGER PRIMARY KEY, b NOT NULL)")
        .unwrap();
    let tx = db.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1, 'one')", ()).unwrap();
    tx.execute("INSERT INTO t VALUES (2, 'two')", ()).unwrap();
    // Fails half-way: the first row of the statement is undone with it.
    let e = tx
        .execute("INSERT INTO t VALUES (3, 'three'), (1, 'dup')", ())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Constraint);
    assert!(tx.execute("INSERT INTO t VALUES (4, NULL)", ()).is_err());
    assert!(tx.execute("SELECT nope FROM t", ()).is_err());
    assert!(tx.execute("INSERT INTO t VALUES (?)", ()).is_err());
    tx.execute("INSERT INTO t VALUES (5, 'five')", ()).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        rows(&db, "SELECT a FROM t ORDER BY a"),
        vec![vec![i(1)], vec![i(2)], vec![i(5)]]
    );
}

#[test]
fn statements_say_whether_they_are_read_only() {
    let db = db();
    db.execute_batch("CREATE TABLE t(a)").unwrap();
    for (sql, ro) in [
        ("SELECT * FROM t", true),
        ("WITH x AS (SELECT 1) SELECT * FROM x", true),
        ("EXPLAIN DELETE FROM t", true),
        ("BEGIN", true),
        ("COMMIT", true),
        ("SAVEPOINT s", true),
        ("PRAGMA user_version", true),
        ("PRAGMA table_info(t)", true),
        ("PRAGMA integrity_check", true),
        ("PRAGMA user_version = 3", false),
        ("PRAGMA wal_checkpoint", false),
        ("INSERT INTO t VALUES (1)", false),
        ("UPDATE t SET a = 2", false),
        ("DELETE FROM t", false),
        ("CREATE TABLE u(b)", false),
        ("DROP TABLE t", false),
        ("CREATE INDEX ta ON t(a)", false),
    ] {
        assert_eq!(db.prepare(sql).unwrap().readonly(), ro, "{sql}");
    }
}

/// A kept INSERT remembers the table's largest rowid between runs of one
/// transaction; whatever happens in between must be seen.
#[test]
fn a_kept_insert_takes_the_next_rowid_after_anything_in_between() {
    let db = db();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE);
         CREATE TABLE u(x)",
    )
    .unwrap();
    db.execute_batch("BEGIN").unwrap();
    let mut ins = db.prepare("INSERT INTO t(id, v) VALUES (?, ?)").unwrap();
    let mut run =
        |id: Option<i64>, v: &str| ins.execute(params![id, v]).map(|_| db.last_insert_rowid());
    assert_eq!(run(None, "a").unwrap(), 1);
    assert_eq!(run(None, "b").unwrap(), 2);
    // Another statement inserts a larger rowid.
    db.execute("INSERT INTO t VALUES (100, 'c')", ()).unwrap();
    assert_eq!(run(None, "d").unwrap(), 101);
    // This statement's own explicit rowid, then automatic ones.
    assert_eq!(run(Some(500), "e").unwrap(), 500);
    assert_eq!(run(None, "f").unwrap(), 501);
    assert_eq!(run(Some(7), "g").unwrap(), 7);
    assert_eq!(run(None, "h").unwrap(), 502);
    // The largest rows deleted: the next rowid comes down, as in SQLite.
    db.execute("DELETE FROM t WHERE id > 100", ()).unwrap();
    assert_eq!(run(None, "i").unwrap(), 101);
    // A write to another table in between changes nothing.
    db.execute("INSERT INTO u VALUES (1)", ()).unwrap();
    assert_eq!(run(None, "j").unwrap(), 102);
    // A savepoint rolled back takes its rows with it.
    db.execute_batch("SAVEPOINT s").unwrap();
    assert_eq!(run(None, "k").unwrap(), 103);
    assert_eq!(run(None, "l").unwrap(), 104);
    db.execute_batch("ROLLBACK TO s").unwrap();
    assert_eq!(run(None, "m").unwrap(), 103);
    // A row that fails its UNIQUE constraint writes nothing.
    let err = run(None, "m").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Constraint);
    assert_eq!(run(None, "n").unwrap(), 104);
    db.execute_batch("COMMIT").unwrap();
    drop(ins);
    let ids: Vec<i64> = rows(&db, "SELECT id FROM t ORDER BY id")
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(n) => n,
            _ => panic!("not an integer"),
        })
        .collect();
    assert_eq!(ids, vec![1, 2, 7, 100, 101, 102, 103, 104]);
}

#[test]
fn check_params_says_what_a_run_would_without_running() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t(a)").unwrap();
    let stmt = db.prepare("INSERT INTO t VALUES (?1 + ?2)").unwrap();
    stmt.check_params(params![1, 2]).unwrap();
    let e = stmt.check_params(params![1]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.to_string().contains("1 given, the statement has 2"),
        "{e}"
    );
    let named = db.prepare("SELECT :x").unwrap();
    named
        .check_params(turdb::named_params! { ":x": 1 })
        .unwrap();
    let e = named
        .check_params(turdb::named_params! { ":y": 1 })
        .unwrap_err();
    assert!(e.to_string().contains("no parameter named :y"), "{e}");
    // Nothing ran.
    let n: i64 = db
        .query_row("SELECT count(*) FROM t", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

/// A statement run again under a changed schema reports the columns it now
/// returns, as SQLite's re-prepared statements do: `SELECT *` after ADD
/// COLUMN has the new column, after RENAME COLUMN the new name.
#[test]
fn select_star_follows_the_table_after_alter() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2)")
        .unwrap();
    let mut stmt = db.prepare("SELECT * FROM t").unwrap();
    let width = |stmt: &mut turdb::Statement<'_>| {
        let mut rows = stmt.query(()).unwrap();
        rows.next().unwrap().unwrap().values().len()
    };
    assert_eq!(width(&mut stmt), 2);
    assert_eq!(width(&mut stmt), 2);
    let v0 = stmt.columns_version();
    db.execute_batch("ALTER TABLE t ADD COLUMN c DEFAULT 3")
        .unwrap();
    assert_eq!(
        stmt.column_names(),
        ["a", "b"],
        "nothing known before the run"
    );
    assert_eq!(width(&mut stmt), 3);
    assert_eq!(stmt.column_names(), ["a", "b", "c"]);
    assert_eq!(stmt.columns().len(), 3);
    let v1 = stmt.columns_version();
    assert_ne!(v1, v0);
    let c: i64 = stmt.query_row((), |r| r.get("c")).unwrap();
    assert_eq!(c, 3);
    assert_eq!(stmt.columns_version(), v1, "unchanged while the schema is");
    db.execute_batch("ALTER TABLE t RENAME COLUMN a TO z")
        .unwrap();
    let z: i64 = stmt.query_row((), |r| r.get("z")).unwrap();
    assert_eq!(z, 1);
    assert_ne!(stmt.columns_version(), v1);
    // A schema change that leaves this statement's columns alone changes
    // nothing for it.
    let v2 = stmt.columns_version();
    db.execute_batch("CREATE TABLE other(x)").unwrap();
    assert_eq!(width(&mut stmt), 3);
    assert_eq!(stmt.columns_version(), v2);
}
