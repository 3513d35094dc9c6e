//! User-defined scalar functions (`Database::create_scalar_function`):
//! called from every kind of statement, replacing built-ins, with errors
//! that keep their kind, refusing re-entrant use of their own database, and
//! shared by snapshot readers on several threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use turdb::functions::Context;
use turdb::{Database, Error, ErrorKind, Value, ValueRef};
use turdb_tests::{i, rows, t};

fn db() -> Database {
    Database::open_in_memory().unwrap()
}

#[test]
fn a_function_runs_in_select_where_insert_update_and_triggers() {
    let db = db();
    db.create_scalar_function("double", 1, |c: &Context| {
        Ok(c.get::<Option<i64>>(0)?.map(|v| v * 2))
    })
    .unwrap();
    db.execute_batch(
        "CREATE TABLE t(a INTEGER, b INTEGER);
         CREATE TABLE log(x INTEGER);
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (DOUBLE(new.a)); END;
         INSERT INTO t VALUES (1, double(1)), (2, double(2)), (NULL, 0);
         UPDATE t SET b = double(b) WHERE a = 2;",
    )
    .unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT a, b, Double(a) FROM t WHERE double(a) > 2 ORDER BY a"
        ),
        vec![vec![i(2), i(8), i(4)]]
    );
    assert_eq!(
        rows(&db, "SELECT x FROM log ORDER BY x"),
        vec![vec![Value::Null], vec![i(2)], vec![i(4)]]
    );
    assert_eq!(
        rows(&db, "SELECT double(a) FROM t WHERE a IS NULL"),
        vec![vec![Value::Null]]
    );
}

#[test]
fn arguments_arrive_as_stored_and_results_of_every_type_return() {
    let db = db();
    db.create_scalar_function("kinds", -1, |c: &Context| {
        let mut s = String::new();
        for k in 0..c.len() {
            s.push(match c.get_raw(k)? {
                ValueRef::Null => 'n',
                ValueRef::Integer(_) => 'i',
                ValueRef::Real(_) => 'r',
                ValueRef::Text(_) => 't',
                ValueRef::Blob(_) => 'b',
            });
        }
        Ok(s)
    })
    .unwrap();
    db.create_scalar_function("echo", 1, |c: &Context| Ok(c.values()[0].clone()))
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT kinds(NULL, 1, 1.5, 'x', x'00'), kinds()"),
        vec![vec![t("nirtb"), t("")]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT echo(x'0102'), echo(2.5), echo('é'), echo(9223372036854775807)"
        ),
        vec![vec![
            Value::Blob(vec![1, 2]),
            Value::Real(2.5),
            t("é"),
            i(i64::MAX)
        ]]
    );
    // A conversion the function asks for and cannot have is a Type error
    // naming the function and the argument.
    db.create_scalar_function("int_only", 1, |c: &Context| c.get::<i64>(0))
        .unwrap();
    let e = db
        .query_row("SELECT int_only('abc')", (), |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type, "{e}");
    assert!(e.message().contains("int_only()"), "{e}");
    assert!(e.message().contains("argument 0"), "{e}");
    let e = db
        .create_scalar_function("probe", 0, |c: &Context| c.get::<i64>(0))
        .and_then(|()| db.query_row("SELECT probe()", (), |r| r.get::<_, i64>(0)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

#[test]
fn the_exact_argument_count_wins_over_any_count() {
    let db = db();
    db.create_scalar_function("f", -1, |c: &Context| Ok(format!("any{}", c.len())))
        .unwrap();
    db.create_scalar_function("f", 2, |_: &Context| Ok("two"))
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT f(1), f(1, 2), f(1, 2, 3)"),
        vec![vec![t("any1"), t("two"), t("any3")]]
    );
    db.remove_function("f", -1).unwrap();
    let e = db
        .query_row("SELECT f(1)", (), |r| r.get::<_, String>(0))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(e.message().contains("no such function: f"), "{e}");
    assert_eq!(
        db.remove_function("f", 3).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn a_user_function_replaces_a_builtin_until_removed() {
    let db = db();
    assert_eq!(rows(&db, "SELECT upper('a')"), vec![vec![t("A")]]);
    db.create_scalar_function("UPPER", 1, |c: &Context| {
        Ok(format!("<{}>", c.get::<String>(0)?))
    })
    .unwrap();
    assert_eq!(rows(&db, "SELECT upper('a')"), vec![vec![t("<a>")]]);
    // Another arity is still the built-in's (none here, so an error).
    db.remove_function("upper", 1).unwrap();
    assert_eq!(rows(&db, "SELECT upper('a')"), vec![vec![t("A")]]);
}

#[test]
fn bad_registrations_are_refused() {
    let db = db();
    let f = |_: &Context| Ok(1i64);
    for (name, n) in [("count", 1), ("SUM", 1), ("", 1), ("ok", -2), ("ok", 128)] {
        let e = db.create_scalar_function(name, n, f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{name}/{n}: {e}");
        assert!(e.message().contains("create_scalar_function"), "{e}");
    }
    assert!(db.create_scalar_function(&"x".repeat(256), 0, f).is_err());
    db.create_scalar_function(&"x".repeat(255), 0, f).unwrap();
}

#[test]
fn an_error_fails_the_statement_with_its_kind_and_no_effect() {
    let db = db();
    db.create_scalar_function("check_pos", 1, |c: &Context| {
        let v: i64 = c.get(0)?;
        if v < 0 {
            return Err(Error::new(
                ErrorKind::Constraint,
                format!("{v} is negative"),
            ));
        }
        Ok(v)
    })
    .unwrap();
    db.execute_batch("CREATE TABLE t(a INTEGER)").unwrap();
    let e = db
        .execute("INSERT INTO t VALUES (check_pos(1)), (check_pos(-5))", ())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    assert!(e.message().contains("check_pos()"), "{e}");
    assert!(e.message().contains("-5 is negative"), "{e}");
    // The statement had no effect: its first row is gone too.
    assert_eq!(rows(&db, "SELECT count(*) FROM t"), vec![vec![i(0)]]);
    db.execute("INSERT INTO t VALUES (check_pos(3))", ())
        .unwrap();
    assert_eq!(rows(&db, "SELECT a FROM t"), vec![vec![i(3)]]);
}

#[test]
fn a_kept_plan_sees_a_function_registered_after_it() {
    let db = db();
    db.create_scalar_function("v", 0, |_: &Context| Ok(1i64))
        .unwrap();
    let mut stmt = db.prepare("SELECT v()").unwrap();
    let first: i64 = stmt.query_row((), |r| r.get(0)).unwrap();
    db.create_scalar_function("v", 0, |_: &Context| Ok(2i64))
        .unwrap();
    let second: i64 = stmt.query_row((), |r| r.get(0)).unwrap();
    assert_eq!((first, second), (1, 2));
}

#[test]
fn a_function_using_its_own_database_gets_misuse_not_a_deadlock() {
    let db = Arc::new(db());
    let me: Arc<OnceLock<Weak<Database>>> = Arc::new(OnceLock::new());
    me.set(Arc::downgrade(&db)).unwrap();
    let m = me.clone();
    db.create_scalar_function("reenter", 0, move |_: &Context| {
        let db = m.get().and_then(Weak::upgrade).expect("database");
        let e = db.prepare("SELECT 1").map(|_| ()).unwrap_err();
        let e2 = db.execute("CREATE TABLE x(a)", ()).unwrap_err();
        Ok(format!("{}/{}", e.kind().as_str(), e2.kind().as_str()))
    })
    .unwrap();
    db.execute_batch("CREATE TABLE t(a TEXT)").unwrap();
    // In a read (snapshot reader) and in a write (the writer held).
    assert_eq!(
        rows(&db, "SELECT reenter()"),
        vec![vec![t("MISUSE/MISUSE")]]
    );
    db.execute("INSERT INTO t VALUES (reenter())", ()).unwrap();
    assert_eq!(rows(&db, "SELECT a FROM t"), vec![vec![t("MISUSE/MISUSE")]]);
    // Once the function returned, the database is usable again.
    db.execute("CREATE TABLE x(a)", ()).unwrap();
    assert_eq!(rows(&db, "SELECT count(*) FROM x"), vec![vec![i(0)]]);
}

#[test]
fn readers_on_several_threads_share_a_function() {
    let db = Arc::new(db());
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    db.create_scalar_function("inc", 1, move |c: &Context| {
        c2.fetch_add(1, Ordering::Relaxed);
        Ok(c.get::<i64>(0)? + 1)
    })
    .unwrap();
    db.execute_batch(
        "CREATE TABLE t(a INTEGER);
         WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 1000)
         INSERT INTO t SELECT k FROM n;",
    )
    .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut total = 0i64;
                for _ in 0..5 {
                    total += db
                        .query_row("SELECT sum(inc(a)) FROM t", (), |r| r.get::<_, i64>(0))
                        .unwrap();
                }
                total
            })
        })
        .collect();
    for th in threads {
        assert_eq!(th.join().unwrap(), 5 * (500_500 + 1000));
    }
    assert_eq!(calls.load(Ordering::Relaxed), 4 * 5 * 1000);
}
