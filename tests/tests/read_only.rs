//! Databases opened read-only (`OpenOptions::read_only`, the shell's
//! `-readonly`): reads work, every change fails with `ReadOnly` and leaves
//! the files byte for byte as they were, WAL included; read-only openers
//! share a file with each other but not with a writer.

use std::path::Path;

use turdb::{Database, ErrorKind, OpenOptions, Value};
use turdb_tests::rows;

fn read_only() -> OpenOptions {
    OpenOptions {
        read_only: true,
        ..OpenOptions::default()
    }
}

fn bytes(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

fn files(path: &Path) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    (
        bytes(path),
        bytes(&turdb::storage::FileStore::wal_path(path)),
    )
}

fn count(db: &Database) -> i64 {
    db.query_row("SELECT count(*) FROM t", (), |r| r.get(0))
        .unwrap()
}

/// A database whose last commits are still in the WAL: the files are
/// copied while the writer has them open (closing would checkpoint).
fn with_wal(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src.turdb");
    let db = Database::open(&src).unwrap();
    db.execute_batch(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
         CREATE INDEX tb ON t(b);
         INSERT INTO t(b) VALUES ('x'), ('y'), ('z');",
    )
    .unwrap();
    let dst = dir.join("copy.turdb");
    std::fs::copy(&src, &dst).unwrap();
    std::fs::copy(
        turdb::storage::FileStore::wal_path(&src),
        turdb::storage::FileStore::wal_path(&dst),
    )
    .unwrap();
    drop(db);
    dst
}

#[test]
fn reads_work_and_changes_fail_without_touching_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_wal(dir.path());
    let before = files(&path);
    assert!(
        before.1.as_ref().is_some_and(|w| !w.is_empty()),
        "the copy has a WAL to recover from"
    );
    let db = Database::open_with_options(&path, read_only()).unwrap();
    assert_eq!(count(&db), 3);
    assert_eq!(
        rows(&db, "SELECT b FROM t WHERE b > 'x' ORDER BY b"),
        vec![vec![Value::Text("y".into())], vec![Value::Text("z".into())]]
    );
    for sql in [
        "INSERT INTO t(b) VALUES ('w')",
        "UPDATE t SET b = 'q'",
        "DELETE FROM t",
        "CREATE TABLE u(x)",
        "CREATE INDEX ta ON t(a)",
        "DROP TABLE t",
        "ALTER TABLE t ADD COLUMN c",
        "PRAGMA user_version = 7",
        "PRAGMA wal_checkpoint",
    ] {
        let e = db.execute(sql, ()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ReadOnly, "{sql}: {e}");
        assert!(
            e.to_string().contains("readonly database"),
            "{sql}: the message says why: {e}"
        );
    }
    // A transaction that only reads begins and commits; one that tries to
    // write fails at the write and can still be rolled back.
    db.execute_batch("BEGIN; SELECT count(*) FROM t; COMMIT")
        .unwrap();
    db.execute("BEGIN", ()).unwrap();
    assert!(db.execute("INSERT INTO t(b) VALUES ('w')", ()).is_err());
    db.execute("ROLLBACK", ()).unwrap();
    // TEMP tables live elsewhere and still work (as in SQLite).
    db.execute_batch("CREATE TEMP TABLE scratch(x); INSERT INTO scratch SELECT b FROM t;")
        .unwrap();
    assert_eq!(
        rows(&db, "SELECT count(*) FROM scratch"),
        vec![vec![Value::Integer(3)]]
    );
    assert_eq!(count(&db), 3);
    assert_eq!(
        rows(&db, "PRAGMA integrity_check"),
        vec![vec![Value::Text("ok".into())]]
    );
    db.close().unwrap();
    assert!(
        files(&path) == before,
        "the files are unchanged, WAL included"
    );
    // A writer later sees exactly what was committed, and nothing else.
    let db = Database::open(&path).unwrap();
    assert_eq!(count(&db), 3);
}

#[test]
fn readers_share_the_file_but_not_with_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.turdb");
    let writer = Database::open(&path).unwrap();
    writer
        .execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        .unwrap();
    let e = Database::open_with_options(&path, read_only()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    assert!(e.to_string().contains("database is locked"), "{e}");
    writer.close().unwrap();

    let a = Database::open_with_options(&path, read_only()).unwrap();
    let b = Database::open_with_options(&path, read_only()).unwrap();
    assert_eq!(count(&a), 1);
    assert_eq!(count(&b), 1);
    let e = Database::open(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    drop((a, b));
    Database::open(&path).unwrap();
}

#[test]
fn a_missing_file_is_an_error_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing.turdb");
    let e = Database::open_with_options(&path, read_only()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(
        e.to_string().contains("nothing.turdb"),
        "names the file: {e}"
    );
    assert!(!path.exists());
    assert!(!turdb::storage::FileStore::wal_path(&path).exists());
}

#[test]
fn a_torn_wal_tail_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_wal(dir.path());
    let wal = turdb::storage::FileStore::wal_path(&path);
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes.extend_from_slice(&[0xAB; 1000]);
    std::fs::write(&wal, &bytes).unwrap();
    let before = files(&path);
    let db = Database::open_with_options(&path, read_only()).unwrap();
    assert_eq!(count(&db), 3);
    drop(db);
    assert!(files(&path) == before, "the torn tail was not cut off");
}
