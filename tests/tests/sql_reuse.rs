//! What the fast paths must not change: a prepared SELECT keeps its plan
//! between runs only while that gives fresh-plan answers, a single-row
//! INSERT without a savepoint still fails without a trace, and table reads
//! that decode only the columns a query uses still see every column some
//! part of the query reads.

use turdb::{Database, ErrorKind, Value, params};

use turdb_tests::collect_rows as all;

fn i(v: i64) -> Value {
    Value::Integer(v)
}

#[test]
fn a_kept_plan_follows_parameters_data_and_schema() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT);
         CREATE INDEX t_a ON t(a);
         INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 20, 'z');",
    )
    .unwrap();
    let mut by_id = db.prepare("SELECT b FROM t WHERE id = ?1").unwrap();
    let mut by_a = db
        .prepare("SELECT id FROM t WHERE a = ?1 ORDER BY id")
        .unwrap();
    let mut sub = db
        .prepare("SELECT id FROM t WHERE a = (SELECT max(a) FROM t WHERE id <= ?1)")
        .unwrap();
    assert_eq!(all(&mut by_id, params![2]), [[Value::Text("y".into())]]);
    assert_eq!(all(&mut by_id, params![3]), [[Value::Text("z".into())]]);
    assert_eq!(all(&mut by_a, params![20]), [[i(2)], [i(3)]]);
    assert_eq!(all(&mut sub, params![1]), [[i(1)]]);
    // An uncorrelated subquery's result must not outlive the run.
    assert_eq!(all(&mut sub, params![3]), [[i(2)], [i(3)]]);
    db.execute("INSERT INTO t VALUES (4, 20, 'w')", ()).unwrap();
    assert_eq!(all(&mut by_a, params![20]), [[i(2)], [i(3)], [i(4)]]);
    // A half-read result hands the plan back too.
    {
        let mut rows = by_a.query(params![20]).unwrap();
        assert_eq!(rows.next().unwrap().unwrap().values(), [i(2)]);
    }
    db.execute_batch("DROP INDEX t_a").unwrap();
    assert_eq!(all(&mut by_a, params![20]), [[i(2)], [i(3)], [i(4)]]);
    db.execute_batch("ALTER TABLE t RENAME TO t2; CREATE TABLE t(id INTEGER PRIMARY KEY, a, b);")
        .unwrap();
    assert_eq!(all(&mut by_id, params![2]), Vec::<Vec<Value>>::new());
    assert_eq!(all(&mut by_a, params![20]), Vec::<Vec<Value>>::new());
    // A rolled-back CREATE is forgotten by kept plans too.
    db.execute_batch("BEGIN; DROP TABLE t; CREATE TABLE t(id INTEGER PRIMARY KEY, a, b);")
        .unwrap();
    db.execute("INSERT INTO t VALUES (2, 20, 'new')", ())
        .unwrap();
    assert_eq!(all(&mut by_id, params![2]), [[Value::Text("new".into())]]);
    db.execute_batch("ROLLBACK").unwrap();
    assert_eq!(all(&mut by_id, params![2]), Vec::<Vec<Value>>::new());
}

#[test]
fn a_failing_single_row_insert_leaves_the_transaction_as_it_was() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT CHECK (b <> 'bad'));
         CREATE UNIQUE INDEX t_b ON t(b);
         CREATE TABLE big(id INTEGER PRIMARY KEY, k TEXT);
         CREATE INDEX big_k ON big(k);",
    )
    .unwrap();
    let tx = db.transaction().unwrap();
    let mut ins = tx.prepare("INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
    ins.execute(params![1, 1, "one"]).unwrap();
    for (p, kind) in [
        (params![1, 2, "dup id"], ErrorKind::Constraint),
        (params![2, 2, "one"], ErrorKind::Constraint),
        (params![3, Value::Null, "null a"], ErrorKind::Constraint),
        (params![4, 4, "bad"], ErrorKind::Constraint),
    ] {
        assert_eq!(ins.execute(p).unwrap_err().kind(), kind);
    }
    let huge = "k".repeat(5000);
    let e = tx
        .execute("INSERT INTO big VALUES (1, ?1)", params![huge.as_str()])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooBig);
    ins.execute(params![5, 5, "five"]).unwrap();
    drop(ins);
    tx.commit().unwrap();
    let mut s = db.prepare("SELECT id, b FROM t ORDER BY id").unwrap();
    assert_eq!(
        all(&mut s, ()),
        [
            vec![i(1), Value::Text("one".into())],
            vec![i(5), Value::Text("five".into())]
        ]
    );
    let mut s = db.prepare("SELECT count(*) FROM big").unwrap();
    assert_eq!(all(&mut s, ()), [[i(0)]]);
    let mut s = db.prepare("PRAGMA integrity_check").unwrap();
    assert_eq!(all(&mut s, ()), [[Value::Text("ok".into())]]);
}

/// Outside BEGIN a kept single-row INSERT runs in a transaction of its
/// own: a row that goes in is committed (readers and a reopen see it), one
/// that fails leaves no transaction open and nothing behind.
#[test]
fn a_kept_insert_in_autocommit_commits_each_row_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auto.turdb");
    let db = Database::open(&path).unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT UNIQUE);
         CREATE TEMP TABLE scratch(x INTEGER PRIMARY KEY, y);",
    )
    .unwrap();
    let mut ins = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
    let mut count = db.prepare("SELECT count(*) FROM t").unwrap();
    for n in 1..=5i64 {
        ins.execute(params![n, n * 10, format!("row {n}")]).unwrap();
        assert_eq!(db.last_insert_rowid(), n);
        assert!(db.is_autocommit(), "no transaction is left open");
        // A SELECT outside a transaction reads the last commit.
        assert_eq!(all(&mut count, ()), [[i(n)]]);
    }
    for p in [
        params![1, 1, "dup id"],
        params![6, Value::Null, "null a"],
        params![7, 7, "row 3"],
    ] {
        assert_eq!(ins.execute(p).unwrap_err().kind(), ErrorKind::Constraint);
        assert!(db.is_autocommit(), "a failed row leaves no transaction");
    }
    ins.execute(params![8, 80, "row 8"]).unwrap();
    // Inside BEGIN the same statement joins the transaction, and goes with
    // its rollback.
    db.execute_batch("BEGIN").unwrap();
    ins.execute(params![9, 90, "row 9"]).unwrap();
    db.execute_batch("ROLLBACK").unwrap();
    let mut temp = db.prepare("INSERT INTO scratch VALUES (?1, ?2)").unwrap();
    temp.execute(params![1, "t"]).unwrap();
    assert!(db.is_autocommit());
    drop((ins, temp, count));
    let mut s = db.prepare("SELECT count(*) FROM scratch").unwrap();
    assert_eq!(all(&mut s, ()), [[i(1)]]);
    drop(s);
    drop(db);
    let db = Database::open(&path).unwrap();
    let mut s = db.prepare("SELECT id FROM t ORDER BY id").unwrap();
    assert_eq!(
        all(&mut s, ()),
        [[i(1)], [i(2)], [i(3)], [i(4)], [i(5)], [i(8)]]
    );
    let mut s = db.prepare("PRAGMA integrity_check").unwrap();
    assert_eq!(all(&mut s, ()), [[Value::Text("ok".into())]]);
}

/// A kept INSERT moves its parameters into the row when each appears
/// once; a parameter used twice, literals and defaults still come out right
/// run after run.
#[test]
fn a_kept_insert_takes_each_run_s_parameters() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT, c INTEGER DEFAULT 7)")
        .unwrap();
    let tx = db.transaction().unwrap();
    let mut moved = tx
        .prepare("INSERT INTO t(id, a, b) VALUES (?1, ?2, 'lit')")
        .unwrap();
    let mut twice = tx
        .prepare("INSERT INTO t(id, a, b) VALUES (?1, ?2, ?2)")
        .unwrap();
    for n in 0..3i64 {
        moved.execute(params![n, format!("m{n}")]).unwrap();
        twice.execute(params![n + 10, format!("t{n}")]).unwrap();
    }
    drop((moved, twice));
    tx.commit().unwrap();
    let mut s = db.prepare("SELECT id, a, b, c FROM t ORDER BY id").unwrap();
    let t = |v: &str| Value::Text(v.into());
    assert_eq!(
        all(&mut s, ()),
        [
            vec![i(0), t("m0"), t("lit"), i(7)],
            vec![i(1), t("m1"), t("lit"), i(7)],
            vec![i(2), t("m2"), t("lit"), i(7)],
            vec![i(10), t("t0"), t("t0"), i(7)],
            vec![i(11), t("t1"), t("t1"), i(7)],
            vec![i(12), t("t2"), t("t2"), i(7)],
        ]
    );
}

#[test]
fn a_kept_insert_notices_triggers_and_foreign_keys() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE p(id INTEGER PRIMARY KEY);
         CREATE TABLE c(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));
         CREATE TABLE log(n INTEGER);
         INSERT INTO p VALUES (1);",
    )
    .unwrap();
    let tx = db.transaction().unwrap();
    let mut ins = tx.prepare("INSERT INTO c VALUES (?1, ?2)").unwrap();
    ins.execute(params![1, 7]).unwrap();
    tx.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let e = ins.execute(params![2, 7]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Constraint);
    ins.execute(params![3, 1]).unwrap();
    tx.execute_batch(
        "CREATE TRIGGER c_log AFTER INSERT ON c BEGIN INSERT INTO log VALUES (NEW.id); END",
    )
    .unwrap();
    ins.execute(params![4, 1]).unwrap();
    drop(ins);
    tx.commit().unwrap();
    let mut s = db.prepare("SELECT id FROM c ORDER BY id").unwrap();
    assert_eq!(all(&mut s, ()), [[i(1)], [i(3)], [i(4)]]);
    let mut s = db.prepare("SELECT n FROM log").unwrap();
    assert_eq!(all(&mut s, ()), [[i(4)]]);
}

#[test]
fn columns_read_anywhere_in_a_query_are_decoded() {
    let setup = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, d BLOB);
         CREATE TABLE u(id INTEGER PRIMARY KEY, x TEXT, y INTEGER);
         CREATE INDEX t_a ON t(a);
         INSERT INTO t VALUES (1, 10, 'k', 0.5, x'01'), (2, 20, 'm', 1.5, x'02'),
                              (3, 20, 'p', 2.5, NULL), (4, NULL, 'k', NULL, x'04');
         INSERT INTO u VALUES (1, 'k', 1), (2, 'p', 2), (3, 'z', 3);";
    let queries = [
        "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.b) ORDER BY id",
        "SELECT a, (SELECT y FROM u WHERE u.x = t.b) FROM t ORDER BY id",
        "SELECT b, sum(c) FROM t",
        "SELECT a, count(*), min(b) FROM t GROUP BY a ORDER BY a",
        "SELECT a FROM t GROUP BY a HAVING max(c) > 1 ORDER BY a",
        "SELECT t.a, u.y FROM t JOIN u ON u.x = t.b ORDER BY t.id, u.id",
        "SELECT t.id, u.y FROM t LEFT JOIN u ON u.x = t.b AND t.c > 1 ORDER BY t.id",
        "SELECT a FROM t ORDER BY b, id",
        "SELECT id FROM t WHERE a = 20 AND b > 'm'",
        "SELECT count(*) FROM t WHERE d IS NULL",
        "SELECT DISTINCT b FROM t ORDER BY 1",
        "SELECT id FROM t WHERE id = 3 AND c > 2",
        "SELECT u.y FROM u WHERE u.x IN (SELECT b FROM t WHERE c < 2) ORDER BY 1",
        "SELECT (SELECT count(*) FROM t AS t2 WHERE t2.a = t.a), id FROM t ORDER BY id",
    ];
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(setup).unwrap();
    let lite = rusqlite::Connection::open_in_memory().unwrap();
    lite.execute_batch(setup).unwrap();
    for q in queries {
        let mut stmt = db.prepare(q).unwrap();
        let got = all(&mut stmt, ());
        let mut ls = lite.prepare(q).unwrap();
        let n = ls.column_count();
        let want: Vec<Vec<Value>> = ls
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(v) => Value::Integer(v),
                        rusqlite::types::ValueRef::Real(v) => Value::Real(v),
                        rusqlite::types::ValueRef::Text(t) => {
                            Value::Text(String::from_utf8(t.to_vec()).unwrap())
                        }
                        rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    })
                    .collect())
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(got, want, "{q}");
    }
}

/// A prepared SELECT runs on a snapshot reader outside a transaction and on
/// the writer inside one; the plan it keeps must be the one for the schema
/// the state it runs on has, wherever it was made.
#[test]
fn a_kept_plan_follows_the_schema_between_readers_and_the_writer() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER);
         INSERT INTO t VALUES (1, 10), (2, 20);",
    )
    .unwrap();
    let mut q = db.prepare("SELECT a FROM t WHERE id = ?1").unwrap();
    // Made on a snapshot reader.
    assert_eq!(all(&mut q, vec![i(2)]), vec![vec![i(20)]]);
    // Inside a transaction the writer's uncommitted schema differs: the
    // table was dropped and made again with other rows and another root.
    db.execute_batch(
        "BEGIN;
         DROP TABLE t;
         CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER);
         INSERT INTO t VALUES (2, 200);",
    )
    .unwrap();
    assert_eq!(all(&mut q, vec![i(2)]), vec![vec![i(200)]]);
    db.execute_batch("ROLLBACK").unwrap();
    // Back on a reader, at the schema as committed before.
    assert_eq!(all(&mut q, vec![i(2)]), vec![vec![i(20)]]);
    // Committed this time: readers see the new table.
    db.execute_batch(
        "BEGIN;
         DROP TABLE t;
         CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER);
         INSERT INTO t VALUES (2, 2000);
         COMMIT;",
    )
    .unwrap();
    assert_eq!(all(&mut q, vec![i(2)]), vec![vec![i(2000)]]);
    assert_eq!(all(&mut q, vec![i(1)]), Vec::<Vec<Value>>::new());
}
