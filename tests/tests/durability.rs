//! Transactions and durability through the `Database` API: snapshot
//! readers beside a writer, large transactions in a small cache, damaged
//! WALs, checkpoints, and the locks that keep one writer per database.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use turdb::env::StdEnv;
use turdb::storage::{FileStore, Synchronous};
use turdb::{Database, ErrorKind, OpenOptions, params};

fn count(db: &Database, sql: &str) -> i64 {
    db.query_row(sql, (), |r| r.get(0)).unwrap()
}

fn integrity(db: &Database) -> String {
    db.query_row("PRAGMA integrity_check", (), |r| r.get(0))
        .unwrap()
}

fn small(cache_pages: usize) -> OpenOptions {
    OpenOptions {
        cache_pages,
        ..OpenOptions::default()
    }
}

#[test]
fn a_reader_keeps_its_snapshot_while_the_writer_commits() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER);
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000)
         INSERT INTO t(v) SELECT x FROM n;",
    )
    .unwrap();
    let mut stmt = db.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
    let mut rows = stmt.query(()).unwrap();
    let mut seen = 0;
    let mut sum = 0i64;
    while let Some(r) = rows.next().unwrap() {
        seen += 1;
        sum += r.get::<_, i64>(1).unwrap();
        if seen == 10 {
            // The same thread writes while its reader is open: the reader
            // holds no lock, and goes on seeing the old rows.
            db.execute("UPDATE t SET v = v + 1000000", ()).unwrap();
            db.execute("DELETE FROM t WHERE id > 500", ()).unwrap();
            db.execute_batch("PRAGMA wal_checkpoint").unwrap();
        }
    }
    assert_eq!(seen, 1000);
    assert_eq!(sum, 1000 * 1001 / 2);
    drop(rows);
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 500);
    assert_eq!(count(&db, "SELECT min(v) FROM t"), 1_000_001);
}

#[test]
fn a_checkpoint_never_copies_past_a_live_snapshot() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'old');",
    )
    .unwrap();
    let mut stmt = db.prepare("SELECT v FROM t WHERE k = 1").unwrap();
    let mut rows = stmt.query(()).unwrap();
    db.execute("UPDATE t SET v = 'new' WHERE k = 1", ())
        .unwrap();
    let (busy, _log, _copied): (i64, i64, i64) = db
        .query_row("PRAGMA wal_checkpoint", (), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(busy, 1, "the open snapshot holds the checkpoint back");
    let v: String = rows.next().unwrap().unwrap().get(0).unwrap();
    assert_eq!(v, "old");
    drop(rows);
    let (busy, _log, copied): (i64, i64, i64) = db
        .query_row("PRAGMA wal_checkpoint", (), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(busy, 0);
    assert!(copied > 0);
    let v: String = db
        .query_row("SELECT v FROM t WHERE k = 1", (), |r| r.get(0))
        .unwrap();
    assert_eq!(v, "new");
}

#[test]
fn a_100k_row_transaction_runs_in_a_32_page_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.turdb");
    let db = Database::open_with_options(&path, small(32)).unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, pad TEXT, n INTEGER); CREATE INDEX t_n ON t(n);",
    )
    .unwrap();
    let tx = db.transaction().unwrap();
    let pad = "p".repeat(100);
    {
        let mut ins = tx.prepare("INSERT INTO t(pad, n) VALUES (?, ?)").unwrap();
        for i in 0..100_000i64 {
            ins.execute(params![pad.as_str(), (i * 7919) % 100_003])
                .unwrap();
        }
    }
    let during = tx.pager_stats();
    assert!(during.spilled > 100, "pages spilled to the WAL: {during:?}");
    assert!(during.cache_peak <= 32, "{during:?}");
    // Inside the transaction its own rows are visible; other readers
    // (another thread) see none of them.
    assert_eq!(count(&tx, "SELECT count(*) FROM t"), 100_000);
    let outside = std::thread::scope(|s| {
        s.spawn(|| count(&db, "SELECT count(*) FROM t"))
            .join()
            .unwrap()
    });
    assert_eq!(outside, 0);
    tx.commit().unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t WHERE n < 1000"), 1000);
    assert_eq!(integrity(&db), "ok");
    db.close().unwrap();
    let db = Database::open_with_options(&path, small(32)).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 100_000);
    assert_eq!(integrity(&db), "ok");
    assert!(db.pager_stats().cache_peak <= 32);
}

#[test]
fn a_rolled_back_transaction_that_spilled_leaves_nothing() {
    let db = Database::open_with(
        Box::new(turdb::storage::MemoryStore::new()),
        Arc::new(StdEnv),
        small(16),
    )
    .unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, pad TEXT); INSERT INTO t(pad) VALUES ('keep');",
    )
    .unwrap();
    db.execute_batch(
        "BEGIN;
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)
         INSERT INTO t(pad) SELECT printf('%0200d', x) FROM n;
         SAVEPOINT s;
         DELETE FROM t WHERE id % 2 = 0;
         ROLLBACK TO s;
         UPDATE t SET pad = 'changed' WHERE id = 1;
         ROLLBACK;",
    )
    .unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 1);
    let v: String = db.query_row("SELECT pad FROM t", (), |r| r.get(0)).unwrap();
    assert_eq!(v, "keep");
    assert_eq!(integrity(&db), "ok");
}

/// Copies a database's files as a power cut would leave them (every
/// commit was synced; nothing is being written).
fn crash_copy(path: &Path, to: &Path) {
    std::fs::copy(path, to).unwrap();
    std::fs::copy(FileStore::wal_path(path), FileStore::wal_path(to)).unwrap();
}

/// A file database with `n` committed transactions, all still in its WAL.
fn with_wal(dir: &Path, name: &str, n: i64) -> (Database, PathBuf) {
    let path = dir.join(name);
    let db = Database::open(&path).unwrap();
    db.execute_batch(
        "PRAGMA wal_autocheckpoint = 0; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
    )
    .unwrap();
    for i in 0..n {
        db.execute("INSERT INTO t(v) VALUES (?)", params![format!("row {i}")])
            .unwrap();
    }
    (db, path)
}

#[test]
fn a_truncated_wal_keeps_the_commits_before_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (db, path) = with_wal(dir.path(), "a.turdb", 9);
    // A last commit of full page images (overflow pages): a small change
    // to a page already in the WAL would be a delta inside its segment
    // page, with nothing after it to cut.
    db.execute("INSERT INTO t(v) VALUES (?)", params!["x".repeat(60_000)])
        .unwrap();
    let copy = dir.path().join("copy.turdb");
    crash_copy(&path, &copy);
    drop(db);
    // Cut the last commit's last image off.
    let wal = FileStore::wal_path(&copy);
    let len = std::fs::metadata(&wal).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&wal).unwrap();
    f.set_len(len - 16384).unwrap();
    drop(f);
    let db = Database::open(&copy).unwrap();
    let report = db.recovery_report();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 9);
    assert!(report.dropped_pages > 0, "{report:?}");
    let note = report.note.unwrap();
    assert!(
        note.contains("truncated") || note.contains("dropped"),
        "{note}"
    );
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn garbage_after_the_wal_is_dropped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (db, path) = with_wal(dir.path(), "a.turdb", 5);
    let copy = dir.path().join("copy.turdb");
    crash_copy(&path, &copy);
    drop(db);
    let wal = FileStore::wal_path(&copy);
    let mut bytes = std::fs::read(&wal).unwrap();
    let mut x = 0x1234_5678u32;
    for _ in 0..3 * 16384 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    std::fs::write(&wal, bytes).unwrap();
    let db = Database::open(&copy).unwrap();
    let report = db.recovery_report();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 5);
    assert_eq!(report.dropped_pages, 3, "{report:?}");
    assert!(report.note.is_some());
    assert_eq!(integrity(&db), "ok");
    // Later commits write over the garbage and survive a crash.
    db.execute("INSERT INTO t(v) VALUES ('after')", ()).unwrap();
    let again = dir.path().join("again.turdb");
    crash_copy(&copy, &again);
    drop(db);
    let db = Database::open(&again).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 6);
}

#[test]
fn a_wal_of_another_database_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (a, a_path) = with_wal(dir.path(), "a.turdb", 4);
    a.execute_batch("PRAGMA wal_checkpoint").unwrap();
    a.execute("INSERT INTO t(v) VALUES ('only in a''s wal')", ())
        .unwrap();
    let (b, b_path) = with_wal(dir.path(), "b.turdb", 7);
    let copy = dir.path().join("copy.turdb");
    crash_copy(&a_path, &copy);
    std::fs::copy(FileStore::wal_path(&b_path), FileStore::wal_path(&copy)).unwrap();
    drop((a, b));
    let db = Database::open(&copy).unwrap();
    let report = db.recovery_report();
    // A's main file has what its checkpoint copied; B's WAL adds nothing.
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 4);
    assert_eq!(report.commits, 0);
    assert!(
        report
            .note
            .as_deref()
            .unwrap_or("")
            .contains("another database"),
        "{report:?}"
    );
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn close_checkpoints_and_empties_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (db, path) = with_wal(dir.path(), "a.turdb", 20);
    let wal = FileStore::wal_path(&path);
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    db.close().unwrap();
    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
    let db = Database::open(&path).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 20);
    assert_eq!(db.recovery_report().commits, 0);
}

#[test]
fn pragmas_of_the_wal() {
    let db = Database::open_in_memory().unwrap();
    let s: String = db
        .query_row("PRAGMA journal_mode", (), |r| r.get(0))
        .unwrap();
    assert_eq!(s, "wal");
    assert_eq!(count(&db, "PRAGMA synchronous"), 2);
    db.execute_batch("PRAGMA synchronous = NORMAL").unwrap();
    assert_eq!(count(&db, "PRAGMA synchronous"), 1);
    let e = db
        .execute_batch("PRAGMA synchronous = sometimes")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(count(&db, "PRAGMA wal_autocheckpoint = 10"), 10);
    assert_eq!(count(&db, "PRAGMA busy_timeout = 250"), 250);
    db.execute_batch("BEGIN").unwrap();
    let e = db.execute_batch("PRAGMA wal_checkpoint").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy);
    db.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_second_open_of_a_file_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.turdb");
    let db = Database::open(&path).unwrap();
    db.execute_batch("CREATE TABLE t(x)").unwrap();
    let e = Database::open(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy);
    assert!(e.to_string().contains("database is locked"), "{e}");
    assert!(e.to_string().contains("locked.turdb"), "{e}");
    // With a busy timeout, the second open waits for the first to close.
    let opener = std::thread::spawn({
        let path = path.clone();
        move || {
            Database::open_with_options(
                &path,
                OpenOptions {
                    busy_timeout_ms: 5_000,
                    ..OpenOptions::default()
                },
            )
            .map(|db| count(&db, "SELECT count(*) FROM sqlite_master"))
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    drop(db);
    assert_eq!(opener.join().unwrap().unwrap(), 1);
}

#[test]
fn writes_from_another_thread_wait_for_an_open_transaction() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t(x)").unwrap();
    let tx = db.transaction().unwrap();
    tx.execute("INSERT INTO t VALUES (1)", ()).unwrap();
    std::thread::scope(|s| {
        // busy_timeout 0: the other thread is turned away at once, and its
        // reads see the last commit.
        let e = s
            .spawn(|| db.execute("INSERT INTO t VALUES (2)", ()).unwrap_err())
            .join()
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::Busy);
        assert_eq!(
            s.spawn(|| count(&db, "SELECT count(*) FROM t"))
                .join()
                .unwrap(),
            0
        );
    });
    tx.execute_batch("PRAGMA busy_timeout = 5000").unwrap();
    std::thread::scope(|s| {
        let other = s.spawn(|| db.execute("INSERT INTO t VALUES (2)", ()));
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !other.is_finished(),
            "the other thread waits for the transaction"
        );
        tx.execute("INSERT INTO t VALUES (3)", ()).unwrap();
        tx.commit().unwrap();
        assert_eq!(other.join().unwrap().unwrap(), 1);
    });
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 3);
}

#[test]
fn four_readers_see_a_constant_sum_while_a_writer_commits_10k_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_with_options(
        dir.path().join("bank.turdb"),
        OpenOptions {
            synchronous: Synchronous::Normal,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    const ACCOUNTS: i64 = 200;
    const TOTAL: i64 = ACCOUNTS * 1000;
    db.execute_batch(
        "PRAGMA wal_autocheckpoint = 64;
         CREATE TABLE acct(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, note TEXT);
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200)
         INSERT INTO acct SELECT x, 1000, printf('%0300d', x) FROM n;",
    )
    .unwrap();
    let done = AtomicBool::new(false);
    let scans = std::thread::scope(|s| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut scans = 0u64;
                    while !done.load(Ordering::Relaxed) {
                        let (sum, n): (i64, i64) = db
                            .query_row("SELECT sum(balance), count(*) FROM acct", (), |r| {
                                Ok((r.get(0)?, r.get(1)?))
                            })
                            .unwrap();
                        assert_eq!((sum, n), (TOTAL, ACCOUNTS), "a scan saw a partial transfer");
                        scans += 1;
                    }
                    scans
                })
            })
            .collect();
        let mut x = 7u64;
        for _ in 0..10_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let from = (x >> 33) as i64 % ACCOUNTS + 1;
            let to = (x >> 13) as i64 % ACCOUNTS + 1;
            let amount = (x >> 50) as i64 % 50;
            let tx = db.transaction().unwrap();
            tx.execute(
                "UPDATE acct SET balance = balance - ? WHERE id = ?",
                params![amount, from],
            )
            .unwrap();
            tx.execute(
                "UPDATE acct SET balance = balance + ? WHERE id = ?",
                params![amount, to],
            )
            .unwrap();
            tx.commit().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        readers
            .into_iter()
            .map(|r| r.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert!(
        scans.iter().all(|&n| n > 0),
        "every reader scanned: {scans:?}"
    );
    assert!(db.pager_stats().checkpoints > 10, "{:?}", db.pager_stats());
    assert_eq!(count(&db, "SELECT sum(balance) FROM acct"), TOTAL);
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn commits_after_a_clean_close_and_reopen_survive_a_crash() {
    // A closed database has an empty WAL; the WAL that the next session
    // writes must be a newer generation than the one the main file took
    // in, or recovery would take its frames as already home.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.turdb");
    for session in 0..3i64 {
        let db = Database::open(&path).unwrap();
        db.execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)")
            .unwrap();
        for i in 0..60 {
            db.execute(
                "INSERT INTO t(v) VALUES (?)",
                params![format!("{session}/{i}")],
            )
            .unwrap();
        }
        if session == 2 {
            let copy = dir.path().join("copy.turdb");
            crash_copy(&path, &copy);
            drop(db);
            let db = Database::open(&copy).unwrap();
            assert_eq!(count(&db, "SELECT count(*) FROM t"), 180);
            db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
            db.close().unwrap();
            // Everything must be in the main file now.
            let db = Database::open(&copy).unwrap();
            assert_eq!(count(&db, "SELECT count(*) FROM t"), 180);
            assert_eq!(integrity(&db), "ok");
        } else {
            db.close().unwrap();
        }
    }
}

#[test]
fn export_and_import_carry_the_whole_database() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000)
         INSERT INTO t(v) SELECT printf('%0100d', x) FROM n;
         DELETE FROM t WHERE id % 3 = 0;
         PRAGMA user_version = 42;",
    )
    .unwrap();
    let image = db.export().unwrap();
    assert_eq!(image.len() % 16384, 0);
    let copy = Database::import(&image, OpenOptions::default()).unwrap();
    assert_eq!(count(&copy, "SELECT count(*) FROM t"), 2000);
    assert_eq!(
        count(
            &copy,
            "SELECT count(*) FROM t WHERE v > '0000000000000002000'"
        ),
        count(
            &db,
            "SELECT count(*) FROM t WHERE v > '0000000000000002000'"
        )
    );
    assert_eq!(count(&copy, "PRAGMA user_version"), 42);
    assert_eq!(integrity(&copy), "ok");
    // The image is a main file: written to disk, it opens as one.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exported.turdb");
    std::fs::write(&path, &image).unwrap();
    let file = Database::open(&path).unwrap();
    assert_eq!(count(&file, "SELECT count(*) FROM t"), 2000);
    // Bad images are errors, not panics.
    let e = Database::import(&image[..100], OpenOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let mut bad = image.clone();
    bad[16] ^= 0xff;
    assert!(Database::import(&bad, OpenOptions::default()).is_err());
    db.execute_batch("BEGIN").unwrap();
    assert_eq!(db.export().unwrap_err().kind(), ErrorKind::Busy);
}
