//! A real `kill -9`: a `turdb` shell commits numbered transactions into a
//! file database and prints each number after its COMMIT; the test kills
//! it at a random moment, reopens the file, and checks that every number
//! the shell printed is there (both of its rows), that no transaction is
//! there by half, and that `PRAGMA integrity_check` says `ok`. The next
//! round goes on in the same file, so recovery is followed by more writes.
//!
//! `TURDB_KILL_ROUNDS` sets the number of rounds (default 50).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use turdb::Database;

#[test]
fn kill_9_never_loses_a_printed_commit() {
    let rounds: u64 = std::env::var("TURDB_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch("CREATE TABLE t(n INTEGER, part TEXT, pad TEXT, big TEXT, PRIMARY KEY (n, part)); CREATE INDEX t_pad ON t(pad);")
            .unwrap();
    }
    let mut printed_ever = Vec::new();
    let mut next = 1i64;
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..rounds {
        let mut child = Command::new(env!("CARGO_BIN_EXE_turdb"))
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let printed = Arc::new(Mutex::new(Vec::new()));
        let reader = std::thread::spawn({
            let printed = printed.clone();
            move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(n) = line.trim().parse::<i64>() {
                        printed.lock().unwrap().push(n);
                    }
                }
            }
        });
        let first = next;
        let writer = std::thread::spawn(move || {
            // Some transactions are large (overflow pages, several leaves).
            for n in first..first + 100_000 {
                let big = if n % 10 == 0 { 30_000 } else { 10 };
                let script = format!(
                    "BEGIN;\nINSERT INTO t VALUES ({n}, 'a', printf('%040d', {n}), printf('%0{big}d', {n}));\nINSERT INTO t VALUES ({n}, 'b', 'x', NULL);\nCOMMIT;\nSELECT {n};\n"
                );
                if stdin.write_all(script.as_bytes()).is_err() {
                    break;
                }
            }
        });
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(30 + rng % 150));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        writer.join().unwrap();
        let printed = printed.lock().unwrap().clone();

        if let Ok(keep) = std::env::var("TURDB_KILL_KEEP") {
            // For a post-mortem: the files exactly as the kill left them.
            let keep = std::path::Path::new(&keep);
            std::fs::copy(&path, keep).unwrap();
            std::fs::copy(
                turdb::storage::FileStore::wal_path(&path),
                turdb::storage::FileStore::wal_path(keep),
            )
            .unwrap();
        }
        let db = Database::open(&path)
            .unwrap_or_else(|e| panic!("round {round}: reopen after kill -9: {e}"));
        let check: String = db
            .query_row("PRAGMA integrity_check", (), |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let mut parts: BTreeMap<i64, i64> = BTreeMap::new();
        let mut stmt = db
            .prepare("SELECT n, count(*) FROM t WHERE n >= ? GROUP BY n")
            .unwrap();
        let mut rows = stmt.query(turdb::params![first]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            parts.insert(r.get(0).unwrap(), r.get(1).unwrap());
        }
        drop(rows);
        drop(stmt);
        for n in &printed {
            assert_eq!(
                parts.get(n),
                Some(&2),
                "round {round}: transaction {n} was printed after its COMMIT but is not there whole"
            );
        }
        for (n, c) in &parts {
            assert_eq!(*c, 2, "round {round}: transaction {n} is there by half");
        }
        // At most the one in flight committed without being printed.
        let last = printed.last().copied().unwrap_or(first - 1);
        assert!(
            parts.keys().all(|&n| n <= last + 1),
            "round {round}: a transaction after the last printed one is there"
        );
        next = parts.keys().last().map_or(first, |&n| n + 1).max(last + 1);
        printed_ever.extend(printed);
    }
    assert!(
        printed_ever.len() as u64 >= rounds,
        "the shell committed too little to test anything: {}",
        printed_ever.len()
    );
}
