//! The `turdb` shell, driven through pipes as a user's script would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn shell(args: &[&str], input: &str) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_turdb"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn rows_print_like_sqlite3() {
    let (out, err, code) = shell(
        &[],
        "CREATE TABLE t(a INTEGER, b TEXT, c REAL);\n\
         INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, 2);\n\
         SELECT * FROM t ORDER BY a;\n\
         SELECT nope FROM t;\n\
         SELECT count(*) FROM t;\n",
    );
    assert_eq!(out, "1|x|1.5\n2||2.0\n2\n");
    assert!(err.starts_with("Error: no such column: nope"), "{err}");
    assert_eq!(code, 0, "an error in a script does not stop the shell");
}

#[test]
fn dot_commands() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "name,qty\n\"a, b\",3\nc,4\n").unwrap();
    let script = format!(
        "CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT);\n\
         INSERT INTO t VALUES (1, 'it''s');\n\
         CREATE VIEW v AS SELECT y FROM t;\n\
         .tables\n\
         .schema t\n\
         .headers on\n\
         .mode csv\n\
         SELECT x, y FROM t;\n\
         .mode json\n\
         SELECT x, y FROM t;\n\
         .mode list\n\
         .headers off\n\
         .import {} items\n\
         SELECT name, qty FROM items ORDER BY qty;\n\
         .dump\n",
        csv.display()
    );
    let (out, err, _) = shell(&[], &script);
    assert_eq!(err, "");
    let expected_head = "t\nv\n\
         CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT);\n\
         x,y\n1,it's\n\
         [{\"x\":1,\"y\":\"it's\"}]\n\
         a, b|3\nc|4\n\
         PRAGMA foreign_keys=OFF;\n\
         BEGIN TRANSACTION;\n";
    assert!(out.starts_with(expected_head), "{out}");
    assert!(
        out.contains("INSERT INTO \"t\" VALUES(1,'it''s');\n"),
        "{out}"
    );
    assert!(out.ends_with("COMMIT;\n"), "{out}");
}

#[test]
fn file_and_sql_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.turdb");
    let db = db.to_str().unwrap();
    let (_, _, code) = shell(&[db, "CREATE TABLE t(x); INSERT INTO t VALUES (42)"], "");
    assert_eq!(code, 0);
    let (out, _, code) = shell(&[db, "SELECT x FROM t"], "");
    assert_eq!((out.as_str(), code), ("42\n", 0));
    let (_, err, code) = shell(&[db, "SELECT * FROM missing"], "");
    assert_ne!(code, 0);
    assert!(err.contains("no such table: missing"), "{err}");
}

#[test]
fn each_statement_runs_as_soon_as_it_is_complete() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_turdb"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // A statement split over lines, then a query; stdin stays open.
    stdin
        .write_all(b"CREATE TABLE t(x);\nINSERT INTO t\nVALUES (7);\nSELECT x FROM t;\n")
        .unwrap();
    stdin.flush().unwrap();
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no output before EOF");
    assert_eq!(line, "7");
    drop(stdin);
    child.wait().unwrap();
}

/// `.dump` replays: tables and rows before the indexes, views and triggers
/// that use them, whatever order they were created in.
#[test]
fn dump_replays_into_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.turdb");
    let b = dir.path().join("b.turdb");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let setup = "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, score REAL, pic BLOB);\n\
         CREATE VIEW names AS SELECT name FROM t ORDER BY name;\n\
         CREATE TABLE log(msg TEXT);\n\
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('added ' || new.name); END;\n\
         CREATE INDEX t_name ON t(name);\n\
         CREATE VIEW counts AS SELECT (SELECT count(*) FROM names) AS n, (SELECT count(*) FROM log) AS l;\n\
         CREATE SCHEMA s;\n\
         CREATE TABLE s.kv(k TEXT PRIMARY KEY, v);\n\
         INSERT INTO t(name, score, pic) VALUES ('it''s', 0.1, x'00ff'), ('b', 1e300, NULL), ('c', 0.30000000000000004, x'');\n\
         DELETE FROM t WHERE name = 'c';\n\
         INSERT INTO s.kv VALUES ('x', 1), ('y', NULL);\n";
    let (_, err, code) = shell(&[a], setup);
    assert_eq!((err.as_str(), code), ("", 0));
    let (dump, err, code) = shell(&[a], ".dump\n");
    assert_eq!((err.as_str(), code), ("", 0), "{dump}");
    let create_view = dump.find("CREATE VIEW names").unwrap();
    let create_log = dump.find("CREATE TABLE log").unwrap();
    let insert_t = dump.find("INSERT INTO \"t\"").unwrap();
    assert!(create_log < create_view && insert_t < create_view, "{dump}");
    assert!(
        dump.find("CREATE TRIGGER").unwrap() > dump.rfind("INSERT INTO \"log\"").unwrap(),
        "the trigger comes after the rows, so replaying does not fire it: {dump}"
    );
    let (_, err, code) = shell(&[b], &dump);
    assert_eq!((err.as_str(), code), ("", 0), "{dump}");
    let (again, _, _) = shell(&[b], ".dump\n");
    assert_eq!(again, dump);
    let query = "SELECT id, name, score, hex(pic) FROM t ORDER BY id;\n\
                 SELECT * FROM counts;\nSELECT * FROM log;\nSELECT * FROM s.kv ORDER BY k;\n\
                 INSERT INTO t(name) VALUES ('d');\nSELECT max(id), (SELECT count(*) FROM log) FROM t;\n";
    let (want, _, _) = shell(&[a], query);
    let (got, _, _) = shell(&[b], query);
    assert_eq!(got, want);
    assert!(
        want.ends_with("4|4\n"),
        "AUTOINCREMENT skips the deleted id 3 after replay: {want}"
    );
}

#[test]
fn a_second_process_is_locked_out_or_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("held.turdb");
    let db = turdb::Database::open(&path).unwrap();
    db.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (42)")
        .unwrap();
    let p = path.to_str().unwrap();
    let (out, err, code) = shell(&[p, "SELECT x FROM t"], "");
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("database is locked"), "{err}");
    // With -timeout the shell waits for the holder to let go.
    let child = Command::new(env!("CARGO_BIN_EXE_turdb"))
        .args(["-timeout", "10000", p, "SELECT x FROM t"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(db);
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
    assert!(out.status.success());
}
