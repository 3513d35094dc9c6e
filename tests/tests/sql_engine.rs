//! Engine behaviour behind the SQL: bounded memory while streaming, plans
//! that use indexes and hash joins, interrupts, EXPLAIN.

use std::sync::Arc;
use std::time::Duration;

use turdb::env::StdEnv;
use turdb::storage::FileStore;
use turdb::{Database, ErrorKind, OpenOptions, Value, params};
use turdb_tests::collect_rows;

fn explain(db: &Database, sql: &str) -> Vec<String> {
    let mut stmt = db.prepare(&format!("EXPLAIN {sql}")).unwrap();
    let mut rows = stmt.query(()).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(r.get::<_, String>(0).unwrap());
    }
    out
}

#[test]
fn a_scan_far_larger_than_the_cache_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path().join("big.turdb")).unwrap();
    let db = Database::open_with(
        Box::new(store),
        Arc::new(StdEnv),
        OpenOptions {
            cache_pages: 32,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, pad TEXT, n INTEGER)")
        .unwrap();
    let pad = "x".repeat(200);
    for batch in 0..20 {
        let tx = db.transaction().unwrap();
        for k in 0..1000 {
            tx.execute(
                "INSERT INTO t(pad, n) VALUES (?, ?)",
                params![pad.as_str(), batch * 1000 + k],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    // ~5 MB of rows against a 512 KiB cache.
    let mut stmt = db.prepare("SELECT id, n FROM t WHERE n % 7 = 0").unwrap();
    let mut rows = stmt.query(()).unwrap();
    let mut count = 0;
    while rows.next().unwrap().is_some() {
        count += 1;
    }
    drop(rows);
    drop(stmt);
    assert_eq!(count, 20_000 / 7 + 1);
    let stats = db.pager_stats();
    assert!(
        stats.cache_peak <= 32,
        "cache peaked at {} pages",
        stats.cache_peak
    );
    // The SELECT ran on a snapshot reader with a cache of its own, just as
    // bounded; it read far more pages than it could hold.
    let readers = db.reader_stats();
    assert_eq!(readers.len(), 1);
    assert!(readers[0].cache_peak <= 32, "{readers:?}");
    assert!(readers[0].reads > 64, "{readers:?}");
}

#[test]
fn plans_use_rowid_index_and_hash_join() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER, y TEXT);
         CREATE INDEX a_x ON a(x);
         CREATE TABLE b(a_id INTEGER, z INTEGER);",
    )
    .unwrap();
    let has = |p: &[String], s: &str| p.iter().any(|l| l.contains(s));
    let p = explain(&db, "SELECT * FROM a WHERE id = 5");
    assert!(has(&p, "SEARCH (rowid=?) a"), "{p:?}");
    let p = explain(&db, "SELECT y FROM a WHERE x = 3");
    assert!(has(&p, "SEARCH USING INDEX a_x (x=?) a"), "{p:?}");
    let p = explain(&db, "SELECT x FROM a WHERE x > 3");
    assert!(has(&p, "COVERING INDEX a_x (x>?)"), "{p:?}");
    let p = explain(&db, "SELECT * FROM a, b WHERE b.z = a.x");
    assert!(
        has(&p, "SCAN a") && has(&p, "HASH JOIN on 1 keys b"),
        "{p:?}"
    );
    let p = explain(&db, "SELECT * FROM b, a WHERE b.a_id = a.id");
    assert!(has(&p, "SCAN b") && has(&p, "SEARCH (rowid=?) a"), "{p:?}");
    let p = explain(&db, "SELECT y FROM a WHERE x IN (1, 2, 3)");
    assert!(has(&p, "INDEX a_x (x IN 3 values)"), "{p:?}");
    let p = explain(&db, "SELECT y FROM a WHERE id IN (5, 7)");
    assert!(has(&p, "rowid IN 2 values"), "{p:?}");
    // ORDER BY served by an index (and LIMIT stops the scan early): no sort.
    let p = explain(&db, "SELECT y FROM a ORDER BY x LIMIT 3");
    assert!(has(&p, "INDEX a_x") && !has(&p, "SORT"), "{p:?}");
    let p = explain(&db, "SELECT y FROM a ORDER BY id");
    assert!(has(&p, "SCAN a") && !has(&p, "SORT"), "{p:?}");
    let p = explain(&db, "SELECT y FROM a ORDER BY x DESC");
    assert!(has(&p, "SORT"), "{p:?}");
    db.execute_batch(
        "INSERT INTO a VALUES (1, 30, 'c'), (2, 10, 'a'), (3, 20, 'b'), (4, NULL, 'n')",
    )
    .unwrap();
    let mut stmt = db.prepare("SELECT y FROM a ORDER BY x LIMIT 3").unwrap();
    let mut rows = stmt.query(()).unwrap();
    let mut got = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        got.push(r.get::<_, String>(0).unwrap());
    }
    assert_eq!(got, ["n", "a", "b"], "NULL first, then by x");
    drop(rows);
    drop(stmt);
    let n: i64 = db
        .query_row(
            "SELECT count(*) FROM a WHERE x IN (10, '20', 10, NULL, 99) AND id IN (2, 3, 4)",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn five_table_join_never_builds_the_cross_product() {
    let db = Database::open_in_memory().unwrap();
    for t in 1..=5 {
        db.execute_batch(&format!(
            "CREATE TABLE t{t}(a{t} INTEGER, b{t} INTEGER, x{t} TEXT)"
        ))
        .unwrap();
        let tx = db.transaction().unwrap();
        for k in 0..200 {
            tx.execute(
                &format!("INSERT INTO t{t} VALUES (?, ?, ?)"),
                params![k, (k * 7) % 200, format!("r{k}")],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    // 200^5 = 3.2e11 combinations: only a plan that joins on the keys
    // finishes.
    let sql = "SELECT count(*) FROM t1, t2, t3, t4, t5 \
               WHERE a1 = b2 AND a2 = b3 AND a3 = b4 AND a4 = b5 AND x1 <> 'r3'";
    let p = explain(&db, sql);
    assert_eq!(
        p.iter().filter(|l| l.contains("HASH JOIN")).count(),
        4,
        "{p:?}"
    );
    let n: i64 = db.query_row(sql, (), |r| r.get(0)).unwrap();
    assert_eq!(n, 199);
}

#[test]
fn interrupt_stops_a_running_statement() {
    let db = Arc::new(Database::open_in_memory().unwrap());
    db.execute_batch(
        "CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000) INSERT INTO t SELECT i FROM c;",
    )
    .unwrap();
    let db2 = db.clone();
    let h = std::thread::spawn(move || {
        // 2.7e10 rows: runs until interrupted.
        db2.query_row("SELECT count(*) FROM t a, t b, t c", (), |r| {
            r.get::<_, i64>(0)
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    db.interrupt();
    let r = h.join().unwrap();
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Interrupted);
    // The database is usable afterwards.
    let n: i64 = db
        .query_row("SELECT count(*) FROM t", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3000);
}

#[test]
fn strict_and_turdb_types_are_checked() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE s(a INTEGER, b TEXT) STRICT")
        .unwrap();
    db.execute("INSERT INTO s VALUES (1, 'x')", ()).unwrap();
    let e = db
        .execute("INSERT INTO s VALUES ('one', 'x')", ())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Constraint);
    db.execute_batch("CREATE TABLE u(flag BOOLEAN, small u8, f FLOAT)")
        .unwrap();
    db.execute("INSERT INTO u VALUES (TRUE, 255, 1)", ())
        .unwrap();
    assert!(db.execute("INSERT INTO u VALUES (2, 1, 1)", ()).is_err());
    assert!(db.execute("INSERT INTO u VALUES (1, 256, 1)", ()).is_err());
    let v: Value = db.query_row("SELECT f FROM u", (), |r| r.get(0)).unwrap();
    assert_eq!(v, Value::Real(1.0), "FLOAT is a 64-bit REAL");
}

#[test]
fn temp_objects_and_schema_names() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(x); CREATE TEMP TABLE t(y); INSERT INTO main.t VALUES (1);
         INSERT INTO temp.t VALUES (2); INSERT INTO root.t VALUES (3);",
    )
    .unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM main.t", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let y: i64 = db.query_row("SELECT y FROM t", (), |r| r.get(0)).unwrap();
    assert_eq!(y, 2, "an unqualified name finds temp first");
}

#[test]
fn autoincrement_never_reuses_rowids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ai.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
             CREATE TABLE p(id INTEGER PRIMARY KEY, v);
             INSERT INTO a(v) VALUES (1), (2), (3); DELETE FROM a WHERE id = 3;
             INSERT INTO p(v) VALUES (1), (2), (3); DELETE FROM p WHERE id = 3;",
        )
        .unwrap();
    }
    let db = Database::open(&path).unwrap();
    db.execute_batch("INSERT INTO a(v) VALUES (4); INSERT INTO p(v) VALUES (4);")
        .unwrap();
    let a: i64 = db
        .query_row("SELECT max(id) FROM a", (), |r| r.get(0))
        .unwrap();
    let p: i64 = db
        .query_row("SELECT max(id) FROM p", (), |r| r.get(0))
        .unwrap();
    assert_eq!((a, p), (4, 3));
}

#[test]
fn create_schema_and_qualified_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schemas.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch(
            "CREATE SCHEMA app;
             CREATE TABLE app.users(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
             CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
             CREATE INDEX app.users_name ON users(name);
             CREATE VIEW app.names AS SELECT name FROM app.users;
             INSERT INTO app.users(name) VALUES ('ann'), ('bob');
             INSERT INTO users(name) VALUES ('main only');",
        )
        .unwrap();
        assert!(
            db.execute("INSERT INTO app.users(name) VALUES ('ann')", ())
                .is_err()
        );
        assert!(db.execute_batch("CREATE TABLE nope.t(x)").is_err());
        assert!(db.execute_batch("DROP SCHEMA app").is_err(), "not empty");
    }
    let db = Database::open(&path).unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM app.names", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let n: i64 = db
        .query_row("SELECT count(*) FROM root.users", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let name: String = db
        .query_row(
            "SELECT users.name FROM app.users WHERE users.id = 2",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "bob");
    db.execute_batch("DROP SCHEMA app CASCADE").unwrap();
    assert!(db.execute_batch("SELECT * FROM app.users").is_err());
    let n: i64 = db
        .query_row("SELECT count(*) FROM users", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

/// Page lookups (cache hits and reads) a statement makes: a count that
/// stands for the rows it visits, without timing anything. A SELECT outside
/// a transaction reads through an idle snapshot reader's cache, not the
/// main one, so both are counted (a reader made for the statement starts
/// at zero).
fn page_lookups(db: &Database, sql: &str) -> u64 {
    let total = || {
        let main = db.pager_stats();
        let readers: u64 = db.reader_stats().iter().map(|s| s.hits + s.reads).sum();
        main.hits + main.reads + readers
    };
    let before = total();
    let mut stmt = db.prepare(sql).unwrap();
    let mut rows = stmt.query(()).unwrap();
    while rows.next().unwrap().is_some() {}
    drop(rows);
    drop(stmt);
    let n = total() - before;
    assert!(n > 0, "no page lookups counted for {sql}");
    n
}

fn fill(db: &Database, table: &str, n: i64) {
    let tx = db.transaction().unwrap();
    for k in 0..n {
        tx.execute(
            &format!("INSERT INTO {table} VALUES (?, ?, ?)"),
            params![k, k % 97, format!("v{k}")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn left_join_on_an_equality_hashes_or_looks_up() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE l(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);
         CREATE TABLE r(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);",
    )
    .unwrap();
    fill(&db, "l", 5000);
    fill(&db, "r", 5000);
    db.execute_batch("DELETE FROM r WHERE id % 2 = 1").unwrap();
    let p = explain(&db, "SELECT * FROM l LEFT JOIN r ON r.s = l.s");
    assert!(
        p.iter()
            .any(|l| l.contains("HASH JOIN on 1 keys r (LEFT JOIN)")),
        "{p:?}"
    );
    let p = explain(&db, "SELECT * FROM l LEFT JOIN r ON r.id = l.id");
    assert!(
        p.iter()
            .any(|l| l.contains("SEARCH (rowid=?) r (LEFT JOIN)")),
        "{p:?}"
    );
    // 5k x 5k: a nested loop would look at 25M pairs.
    let sql = "SELECT count(*), count(r.id), sum(r.id IS NULL) FROM l LEFT JOIN r ON r.s = l.s AND r.k < 50";
    let n = page_lookups(&db, sql);
    assert!(n < 2_000, "{n} page lookups");
    let got: (i64, i64, i64) = db
        .query_row(sql, (), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    // Even ids survive in r; of those, k = id % 97 < 50.
    let matched = (0..5000).filter(|k| k % 2 == 0 && k % 97 < 50).count() as i64;
    assert_eq!(got, (5000, matched, 5000 - matched));
    // The ON clause never drops left rows, whatever it says.
    let n: i64 = db
        .query_row(
            "SELECT count(*) FROM l LEFT JOIN r ON r.id = l.id AND l.k = 1000",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 5000);
}

#[test]
fn or_of_equalities_and_in_select_probe() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);
         CREATE INDEX t_k ON t(k);
         CREATE TABLE pick(x INTEGER);",
    )
    .unwrap();
    fill(&db, "t", 5000);
    db.execute_batch("INSERT INTO pick VALUES (3), (4000), (NULL), ('7'), (4000)")
        .unwrap();
    let p = explain(&db, "SELECT s FROM t WHERE k = 1 OR k = 2 OR 3 = k");
    assert!(
        p.iter().any(|l| l.contains("INDEX t_k (k IN 3 values)")),
        "{p:?}"
    );
    let p = explain(&db, "SELECT s FROM t WHERE id IN (SELECT x FROM pick)");
    assert!(
        p.iter().any(|l| l.contains("SEARCH (rowid IN subquery) t")),
        "{p:?}"
    );
    let p = explain(&db, "SELECT s FROM t WHERE k IN (SELECT x FROM pick)");
    assert!(
        p.iter().any(|l| l.contains("INDEX t_k (k IN subquery)")),
        "{p:?}"
    );
    // Mixed columns or a non-constant stay an OR.
    let p = explain(&db, "SELECT s FROM t WHERE k = 1 OR id = 2");
    assert!(p.iter().any(|l| l.contains("SCAN t")), "{p:?}");
    let count = |sql: &str| -> i64 { db.query_row(sql, (), |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM t WHERE k = 1 OR k = '2' OR k = NULL"),
        104
    );
    assert_eq!(
        count("SELECT count(*) FROM t WHERE id IN (SELECT x FROM pick)"),
        3
    );
    assert_eq!(
        count("SELECT count(*) FROM t WHERE k IN (SELECT x FROM pick)"),
        count("SELECT count(*) FROM t WHERE k IN (3, 7)")
    );
    assert_eq!(
        count("SELECT count(*) FROM t WHERE id NOT IN (SELECT x FROM pick)"),
        0
    );
    assert!(page_lookups(&db, "SELECT s FROM t WHERE id IN (SELECT x FROM pick)") < 50);
    assert!(page_lookups(&db, "SELECT s FROM t WHERE k = 5 OR k = 6") < 400);
}

#[test]
fn explain_of_writes_shows_the_rows_they_visit() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT); CREATE INDEX t_k ON t(k);",
    )
    .unwrap();
    assert_eq!(
        explain(&db, "UPDATE t SET s = 'x' WHERE id = 1"),
        ["UPDATE t", "  PROJECT 4 columns", "    SEARCH (rowid=?) t"]
    );
    assert_eq!(
        explain(&db, "DELETE FROM t WHERE k > 3"),
        [
            "DELETE FROM t",
            "  PROJECT 4 columns",
            "    SEARCH USING INDEX t_k (k>?) t"
        ]
    );
    let p = explain(&db, "INSERT INTO t SELECT * FROM t WHERE k IN (1, 2)");
    assert_eq!(p[0], "INSERT INTO t");
    assert!(
        p.iter().any(|l| l.contains("INDEX t_k (k IN 2 values)")),
        "{p:?}"
    );
}

/// Small tables joined on a chain of keys, the constant on the last: the
/// join order starts there (a filtered scan beats a bare one) and hashes its
/// way back, visiting pages near the tables' size, not the cross product.
#[test]
fn five_table_join_plans_hash_joins_and_visits_few_pages() {
    let db = Database::open_in_memory().unwrap();
    for t in 1..=5 {
        db.execute_batch(&format!(
            "CREATE TABLE t{t}(a{t} INTEGER, b{t} INTEGER, x{t} TEXT)"
        ))
        .unwrap();
        fill(&db, &format!("t{t}"), 40);
    }
    let sql = "SELECT x1, x5 FROM t1, t2, t3, t4, t5 \
               WHERE a1 = b2 AND a2 = b3 AND a3 = b4 AND a4 = b5 AND a5 < 3";
    let p = explain(&db, sql);
    assert_eq!(
        p.iter().filter(|l| l.contains("HASH JOIN")).count(),
        4,
        "{p:?}"
    );
    assert_eq!(p.iter().filter(|l| l.contains("SCAN")).count(), 1, "{p:?}");
    let n = page_lookups(&db, sql);
    assert!(n <= 20, "{n} page lookups for five 40-row tables");
}

/// select5.test's shape at 20 tables: ten-row tables (`a` the rowid, `b` a
/// permutation of 1..10) listed in shuffled order, tied by a random spanning
/// tree of `a = b` equalities and pinned by one `a = constant`. In FROM
/// order that is up to 10^20 rows; the join order starts at the constant
/// and follows the keys, so every level is one rowid lookup or hash probe
/// and the statement's page lookups stay near one per level.
#[test]
fn twenty_table_join_in_shuffled_order_follows_the_keys() {
    let n = 20usize;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    let shuffle = |v: &mut Vec<usize>, rand: &mut dyn FnMut(usize) -> usize| {
        for i in (1..v.len()).rev() {
            v.swap(i, rand(i + 1));
        }
    };
    let db = Database::open_in_memory().unwrap();
    // perm[t][a - 1] = b of row a in table t (tables numbered from 0).
    let mut perm = Vec::new();
    for t in 0..n {
        let mut p: Vec<usize> = (1..=10).collect();
        shuffle(&mut p, &mut rand);
        let mut sql =
            format!("CREATE TABLE t{t}(a{t} INTEGER PRIMARY KEY, b{t} INTEGER, x{t} TEXT);");
        for (a, b) in p.iter().enumerate() {
            let a = a + 1;
            sql.push_str(&format!("INSERT INTO t{t} VALUES ({a}, {b}, 't{t}r{a}');"));
        }
        db.execute_batch(&sql).unwrap();
        perm.push(p);
    }
    // Edges (x, y) mean a_x = b_y: each table after the first hangs off an
    // earlier one, oriented at random.
    let mut edges = Vec::new();
    for k in 1..n {
        let p = rand(k);
        edges.push(if rand(2) == 0 { (k, p) } else { (p, k) });
    }
    let (konst, value) = (rand(n), 1 + rand(10));
    // The one matching row: walk the tree out from the constant.
    let mut row: Vec<Option<usize>> = vec![None; n];
    row[konst] = Some(value);
    for _ in 0..n {
        for &(x, y) in &edges {
            match (row[x], row[y]) {
                (Some(ax), None) => row[y] = perm[y].iter().position(|&b| b == ax).map(|i| i + 1),
                (None, Some(ay)) => row[x] = Some(perm[y][ay - 1]),
                _ => {}
            }
        }
    }
    let expect: Vec<String> = (0..n)
        .map(|t| format!("t{t}r{}", row[t].unwrap()))
        .collect();
    let mut from: Vec<usize> = (0..n).collect();
    shuffle(&mut from, &mut rand);
    let mut terms: Vec<String> = edges.iter().map(|(x, y)| format!("a{x} = b{y}")).collect();
    terms.push(format!("a{konst} = {value}"));
    terms.reverse();
    let sql = format!(
        "SELECT {} FROM {} WHERE {}",
        (0..n)
            .map(|t| format!("x{t}"))
            .collect::<Vec<_>>()
            .join(", "),
        from.iter()
            .map(|t| format!("t{t}"))
            .collect::<Vec<_>>()
            .join(", "),
        terms.join(" AND ")
    );
    let plan = explain(&db, &sql);
    assert_eq!(plan.len(), n + 1, "{plan:?}");
    assert!(
        plan[1].contains(&format!("SEARCH (rowid=?) t{konst}")),
        "the constant's table goes first: {plan:?}"
    );
    assert!(!plan.iter().any(|l| l.contains("SCAN")), "{plan:?}");
    let mut stmt = db.prepare(&sql).unwrap();
    let mut rows = stmt.query(()).unwrap();
    let first = rows.next().unwrap().expect("one row");
    let got: Vec<String> = (0..n).map(|i| first.get(i).unwrap()).collect();
    assert!(rows.next().unwrap().is_none());
    drop(rows);
    assert_eq!(got, expect);
    let lookups = page_lookups(&db, &sql);
    assert!(
        lookups <= 2 * n as u64,
        "{lookups} page lookups for {n} ten-row tables"
    );
}

/// What the order may not change: a LEFT JOIN's right side stays after the
/// items written before it, CROSS JOIN keeps the written order (SQLite's
/// way to pin a plan), and so results match the written query.
#[test]
fn join_order_keeps_left_and_cross_joins_in_place() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE big(id INTEGER PRIMARY KEY, k INTEGER);
         CREATE TABLE small(id INTEGER PRIMARY KEY, k INTEGER);",
    )
    .unwrap();
    fill2(&db, "big", 200);
    fill2(&db, "small", 3);
    // Inner join: the constant's table comes first whatever the FROM order.
    let p = explain(
        &db,
        "SELECT * FROM big, small WHERE small.id = 2 AND big.id = small.k",
    );
    assert!(p[1].contains("SEARCH (rowid=?) small"), "{p:?}");
    assert!(p[2].contains("SEARCH (rowid=?) big"), "{p:?}");
    // CROSS JOIN: as written, though the other order is cheaper.
    let p = explain(
        &db,
        "SELECT * FROM big CROSS JOIN small WHERE small.id = 2 AND big.id = small.k",
    );
    assert!(p[1].contains("big"), "{p:?}");
    assert!(p[2].contains("small"), "{p:?}");
    // LEFT JOIN: the right side stays inner, and every left row survives.
    let sql = "SELECT count(*), count(small.id) FROM big LEFT JOIN small ON small.id = big.k WHERE big.id < 10";
    let p = explain(&db, sql);
    assert!(
        p.iter().position(|l| l.contains("big")) < p.iter().position(|l| l.contains("small")),
        "{p:?}"
    );
    let got: (i64, i64) = db
        .query_row(sql, (), |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    // big.k = id % 97 for ids 0..9: small holds ids 0..2.
    assert_eq!(got, (10, 3));
    // A table written after a LEFT JOIN may still move ahead of it.
    let sql = "SELECT big.id, small.id, b2.id FROM big LEFT JOIN small ON small.id = big.k \
               JOIN big AS b2 ON b2.id = big.id WHERE b2.id = 1";
    let got: (i64, i64, i64) = db
        .query_row(sql, (), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(got, (1, 1, 1));
}

fn fill2(db: &Database, table: &str, n: i64) {
    let tx = db.transaction().unwrap();
    for k in 0..n {
        tx.execute(
            &format!("INSERT INTO {table} VALUES (?, ?)"),
            params![k, k % 97],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// The rows `sql` returns, as values.
fn all_rows(db: &Database, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
    let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    collect_rows(&mut stmt, params)
}

/// The same query with each `{P}` as the predicate itself and as a CASE
/// around it that only the full evaluation answers (no prefilter): the
/// rows must be the same. Returns how many rows there were.
fn same_as_full(db: &Database, template: &str, pred: &str, params: &[Value]) -> usize {
    let fast = all_rows(db, &template.replace("{P}", pred), params);
    let wrapped = format!("(CASE WHEN {pred} THEN 1 ELSE 0 END = 1)");
    let full = all_rows(db, &template.replace("{P}", &wrapped), params);
    assert_eq!(fast, full, "{template} with {pred}, {params:?}");
    fast.len()
}

/// A table `m` whose columns of every affinity hold values of every type,
/// a different value in each column of a row, and a column added later
/// (old rows' records do not hold it).
fn mixed_table(db: &Database, temp: &str) {
    let values = [
        "NULL",
        "0",
        "1",
        "-1",
        "2",
        "2.0",
        "2.5",
        "-0.0",
        "9223372036854775807",
        "-9223372036854775808",
        "1e300",
        "'2'",
        "'10'",
        "'abc'",
        "''",
        "x'01'",
        "x''",
    ];
    db.execute_batch(&format!(
        "CREATE {temp} TABLE m(id INTEGER PRIMARY KEY, x, r REAL, i INTEGER, t TEXT, n NUMERIC);"
    ))
    .unwrap();
    for k in 0..values.len() {
        let v = |j: usize| values[(k + 5 * j) % values.len()];
        db.execute(
            &format!(
                "INSERT INTO m VALUES ({k}, {}, {}, {}, {}, {})",
                v(0),
                v(1),
                v(2),
                v(3),
                v(4)
            ),
            (),
        )
        .unwrap();
    }
    db.execute_batch(
        "ALTER TABLE m ADD COLUMN d INTEGER DEFAULT 7;
         INSERT INTO m(id, d) VALUES (100, 1), (101, NULL), (102, 7.5);",
    )
    .unwrap();
}

/// `column op constant` filters of a table scan are answered from the
/// record bytes before a row is decoded (`Prefilter` in sql/exec.rs). Over
/// columns of every affinity holding every type, and a grid of operators
/// and constants (literals and parameters), they select exactly the rows
/// the same comparison selects when only the full evaluation answers it.
#[test]
fn scan_filters_answered_from_records_select_what_full_evaluation_does() {
    let db = Database::open_in_memory().unwrap();
    mixed_table(&db, "");
    let ops = ["<", "<=", ">", ">=", "=", "==", "<>", "!=", "IS", "IS NOT"];
    let constants = [
        "0",
        "1",
        "2",
        "2.0",
        "2.5",
        "-0.5",
        "7",
        "1e300",
        "9223372036854775807",
        "9223372036854775807.0",
        "-9.3e18",
        "'2'",
        "'abc'",
        "NULL",
    ];
    let params = [
        Value::Integer(2),
        Value::Real(2.0),
        Value::Real(-1.5),
        Value::Integer(i64::MIN),
        Value::Text("2".into()),
        Value::Null,
    ];
    let mut nonempty = 0;
    for col in ["x", "r", "i", "t", "n", "d"] {
        for op in ops {
            let literal = constants.iter().map(|c| (c.to_string(), Vec::new()));
            let param = params.iter().map(|p| ("?1".to_string(), vec![p.clone()]));
            for (k, p) in literal.chain(param) {
                for pred in [format!("{col} {op} {k}"), format!("{k} {op} {col}")] {
                    let n = same_as_full(&db, "SELECT id FROM m WHERE {P} ORDER BY id", &pred, &p);
                    nonempty += usize::from(n > 0);
                }
            }
        }
    }
    // Most predicates select something: the grid is not vacuous.
    assert!(nonempty > 600, "{nonempty}");
    // A few by hand: x holds 0 (row 1), -1 (row 3), -0.0 (row 7) and the
    // smallest integer (row 9) among the numbers below 1.
    let ids = |sql: &str| -> Vec<Value> { all_rows(&db, sql, &[]).into_iter().flatten().collect() };
    assert_eq!(
        ids("SELECT id FROM m WHERE x < 1 ORDER BY id"),
        [1, 3, 7, 9].map(Value::Integer)
    );
    assert_eq!(ids("SELECT id FROM m WHERE d > 5 ORDER BY id").len(), 18);
}

/// The prefilter where a scan is not the whole query: joins (inner and
/// LEFT, where the filter is an ON term), a rowid range, a TEMP table,
/// rowid comparisons, a correlated subquery, one statement run again with
/// other parameters, and a filter that is not the first term.
#[test]
fn scan_filters_answered_from_records_in_joins_subqueries_and_reruns() {
    let db = Database::open_in_memory().unwrap();
    mixed_table(&db, "");
    db.execute_batch(
        "CREATE TABLE a(id INTEGER PRIMARY KEY, v);
         INSERT INTO a VALUES (1, 2), (2, 0.5), (3, 'q'), (4, NULL);",
    )
    .unwrap();
    let cases = [
        "SELECT a.id, m.id FROM a, m WHERE {P} ORDER BY 1, 2",
        "SELECT a.id, m.id FROM a LEFT JOIN m ON {P} ORDER BY 1, 2",
        "SELECT a.id, m.id FROM a LEFT JOIN m ON {P} AND m.id > a.id ORDER BY 1, 2",
        "SELECT id FROM m WHERE id > 3 AND {P} ORDER BY id",
        "SELECT id FROM m WHERE id BETWEEN 2 AND 12 AND {P} ORDER BY id",
        "SELECT id FROM m WHERE x IS NOT NULL AND {P} ORDER BY id",
        "SELECT o.id FROM m AS o WHERE EXISTS (SELECT 1 FROM m WHERE {P} AND m.id = o.id) ORDER BY 1",
        "SELECT o.id, (SELECT count(*) FROM m WHERE {P} AND m.id < o.id) FROM m AS o ORDER BY 1",
    ];
    let mut total = 0;
    for template in cases {
        for pred in [
            "m.x < 1",
            "m.r >= 2",
            "2 = m.i",
            "1 > m.x",
            "2.5 <= m.r",
            "m.n <> 2.5",
            "m.d > 5",
            "m.x IS 2",
        ] {
            total += same_as_full(&db, template, pred, &[]);
        }
    }
    assert!(total > 300, "{total}");
    // The rowid alias is not in the record: comparisons on it still work.
    for pred in ["id < 5", "rowid < 5", "5 >= id", "m.id = 2.0"] {
        assert!(same_as_full(&db, "SELECT id FROM m WHERE {P} ORDER BY id", pred, &[]) > 0);
    }
    // One prepared statement, run again with parameters of other types.
    let mut stmt = db
        .prepare("SELECT id FROM m WHERE x < ?1 ORDER BY id")
        .unwrap();
    for p in [
        Value::Integer(2),
        Value::Text("2".into()),
        Value::Null,
        Value::Real(2.5),
        Value::Integer(2),
    ] {
        let got = collect_rows(&mut stmt, [p.clone()]);
        let full = all_rows(
            &db,
            "SELECT id FROM m WHERE (CASE WHEN x < ?1 THEN 1 ELSE 0 END = 1) ORDER BY id",
            std::slice::from_ref(&p),
        );
        assert_eq!(got, full, "{p:?}");
    }
    // A TEMP table.
    let tdb = Database::open_in_memory().unwrap();
    mixed_table(&tdb, "TEMP");
    for pred in ["x < 1", "r >= 2", "d > 5"] {
        same_as_full(
            &tdb,
            "SELECT id FROM temp.m WHERE {P} ORDER BY id",
            pred,
            &[],
        );
    }
    // An earlier term that fails is not skipped by a later prefiltered one:
    // abs() of the smallest integer (i of row 16, whose r is 2.0)
    // overflows, as in SQLite.
    let e = db
        .query_row(
            "SELECT count(*) FROM m WHERE abs(i) >= 0 AND r < 1",
            (),
            |r| r.get::<_, i64>(0),
        )
        .unwrap_err();
    assert!(e.to_string().contains("overflow"), "{e}");
}

/// A scan whose filter rejects every remaining row from the record bytes
/// still sees `interrupt()`.
#[test]
fn interrupt_stops_a_scan_that_rejects_every_row() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER);
         WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000)
         INSERT INTO t SELECT i, i FROM c;",
    )
    .unwrap();
    let mut stmt = db.prepare("SELECT id FROM t WHERE x < 2").unwrap();
    let mut rows = stmt.query(()).unwrap();
    assert_eq!(rows.next().unwrap().unwrap().get::<_, i64>(0).unwrap(), 1);
    // The other 4999 rows all fail `x < 2` without being decoded.
    db.interrupt();
    let e = rows.next().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
}

/// A negative literal is folded into one constant when bound: same values
/// and types as negating at run time, and a scan filter on it is answered
/// from the records (the grid test above covers its rows).
#[test]
fn negative_literals_fold_to_the_values_negation_gives() {
    let db = Database::open_in_memory().unwrap();
    let row = |sql: &str| all_rows(&db, sql, &[]).remove(0);
    assert_eq!(
        row(
            "SELECT -5, typeof(-5), -2.5, typeof(-2.5), - -5, -(9223372036854775807), -9223372036854775808, typeof(-9223372036854775808)"
        ),
        [
            Value::Integer(-5),
            Value::Text("integer".into()),
            Value::Real(-2.5),
            Value::Text("real".into()),
            Value::Integer(5),
            Value::Integer(-9223372036854775807),
            Value::Integer(i64::MIN),
            Value::Text("integer".into()),
        ]
    );
    // -0.0 keeps its sign, as negating 0.0 does; -0 is the integer 0.
    let z = row("SELECT -0.0, -0, typeof(-0)");
    assert!(matches!(z[0], Value::Real(f) if f == 0.0 && f.is_sign_negative()));
    assert_eq!(z[1..], [Value::Integer(0), Value::Text("integer".into())]);
    // Not numbers: negated at run time, as before.
    assert_eq!(row("SELECT -'5', -NULL"), [Value::Integer(-5), Value::Null]);
}

/// ORDER BY and GROUP BY read an integer constant with signs as a result
/// column number, as SQLite does: `-1` is out of range, `+1` is column 1.
#[test]
fn signed_integer_terms_name_result_columns() {
    let db = Database::open_in_memory().unwrap();
    for sql in [
        "SELECT 1 AS a ORDER BY -1",
        "SELECT 2 UNION SELECT 1 ORDER BY -1",
        "SELECT 5 GROUP BY -1",
        "SELECT 1 ORDER BY 2",
    ] {
        let e = db
            .prepare(sql)
            .and_then(|mut s| s.query_row((), |r| r.get::<_, i64>(0)));
        let e = e.unwrap_err();
        assert!(e.to_string().contains("term out of range"), "{sql}: {e}");
    }
    let firsts = |sql: &str| -> Vec<Value> {
        all_rows(&db, sql, &[])
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect()
    };
    assert_eq!(
        firsts("SELECT x FROM (SELECT 3 AS x UNION SELECT 1) ORDER BY +1"),
        [Value::Integer(1), Value::Integer(3)]
    );
    assert_eq!(
        firsts("SELECT x, 0 - x FROM (SELECT 3 AS x UNION SELECT 1) ORDER BY - -2"),
        [Value::Integer(3), Value::Integer(1)]
    );
}
