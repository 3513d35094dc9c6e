//! One SQL workload of `benches/sql.rs` in a loop (or one B+tree load of
//! `benches/btree.rs`), TurDB only, for `perf record`: `cargo build --profile bench -p turdb-benches --example profile`
//! then `perf record -g target/release/examples/profile insert`.
use std::time::Instant;
use turdb_benches::sql::{SqlData, TurdbSql};

fn main() {
    let op = std::env::args().nth(1).unwrap_or_else(|| "insert".into());
    let n: usize = std::env::var("TURDB_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    if let Some(backing) = op.strip_prefix("btree-random-") {
        // One random-order load of `n` keys into a fresh tree, as
        // `benches/btree.rs`'s insert_random, with the inserts and the
        // commit timed apart.
        let backing = match backing {
            "memory" => turdb_benches::Backing::Memory,
            "file" => turdb_benches::Backing::File,
            _ => panic!("btree-random-{{memory|file}}"),
        };
        let keys = turdb_benches::permutation(n, 0x1234_5678);
        let mut value = turdb_benches::value_buf();
        let mut db = turdb_benches::TurdbDb::open(backing);
        let start = Instant::now();
        db.pager.begin().expect("begin");
        for &k in &keys {
            turdb_benches::value_for(k, &mut value);
            db.tree
                .insert(&mut db.pager, &k.to_be_bytes(), &value)
                .expect("insert");
        }
        let inserted = start.elapsed();
        db.pager.commit().expect("commit");
        eprintln!(
            "{op} {n}: inserts {inserted:?}, commit {:?}, {:?}",
            start.elapsed() - inserted,
            db.pager.stats()
        );
        return;
    }
    if op == "txn10k" {
        // 10,000-row transactions on a file in synchronous FULL, as
        // `benches/commit.rs`'s `commit_10k_rows` (n transactions).
        let dir = tempfile::tempdir().expect("temp dir");
        let db = turdb::Database::open(dir.path().join("t.turdb")).expect("open");
        db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            .expect("create");
        let start = Instant::now();
        for _ in 0..n {
            let tx = db.transaction().expect("begin");
            {
                let mut ins = tx.prepare("INSERT INTO t(v) VALUES (?)").expect("prepare");
                for _ in 0..10_000 {
                    ins.execute(turdb::params!["x".repeat(100)])
                        .expect("insert");
                }
            }
            tx.commit().expect("commit");
        }
        eprintln!(
            "txn10k {n}: {:?} ({:?} each)",
            start.elapsed(),
            start.elapsed() / n as u32
        );
        return;
    }
    if op == "commit" {
        // Autocommit one-row INSERTs on a file in synchronous NORMAL, as
        // `benches/commit.rs` does.
        let dir = tempfile::tempdir().expect("temp dir");
        let db = turdb::Database::open_with_options(
            dir.path().join("t.turdb"),
            turdb::OpenOptions {
                synchronous: turdb::storage::Synchronous::Normal,
                ..turdb::OpenOptions::default()
            },
        )
        .expect("open");
        db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            .expect("create");
        let mut ins = db.prepare("INSERT INTO t(v) VALUES (?)").expect("prepare");
        let start = Instant::now();
        for _ in 0..n {
            ins.execute(turdb::params!["x".repeat(100)])
                .expect("insert");
        }
        eprintln!(
            "commit {n}: {:?} ({:?} each)",
            start.elapsed(),
            start.elapsed() / n as u32
        );
        return;
    }
    let data = SqlData::new(n);
    let mut t = TurdbSql::open();
    let start = Instant::now();
    t.load(&data);
    eprintln!("load {n}: {:?}", start.elapsed());
    if op == "insert" {
        return;
    }
    t.add_index_and_join_table(&data);
    let reps: usize = std::env::var("TURDB_PROFILE_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let start = Instant::now();
    for _ in 0..reps {
        match op.as_str() {
            "scan" => drop(t.filtered_scan()),
            "group" => drop(t.group_by()),
            "join" => drop(t.join()),
            "point" | "index" => {
                let sql = if op == "point" {
                    turdb_benches::sql::POINT_SQL
                } else {
                    turdb_benches::sql::INDEX_SQL
                };
                let mut stmt = t.db.prepare(sql).expect("prepare");
                let mut k = 1u64;
                for _ in 0..n {
                    k = k
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let key = if op == "point" {
                        (k % n as u64) as i64
                    } else {
                        turdb_benches::sql::a_of(k % n as u64, n)
                    };
                    std::hint::black_box(TurdbSql::lookup(&mut stmt, key));
                }
            }
            _ => panic!("op"),
        }
    }
    eprintln!("{op} x{reps}: {:?}", start.elapsed());
}
