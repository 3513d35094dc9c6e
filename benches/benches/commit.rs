//! Commit latency and throughput against SQLite in WAL mode, on files.
//!
//! - `commit_one_row/{full,normal}`: one `INSERT` in its own transaction,
//!   committed, through a prepared statement, with `synchronous` FULL or
//!   NORMAL. SQLite runs `journal_mode=WAL` with the same setting.
//! - `commit_10k_rows`: one transaction of 10,000 prepared INSERTs (100-byte
//!   text) and its commit, FULL.
//! - `fdatasync`: one 16 KiB write and an fdatasync of a file in the same
//!   directory — the floor a durable commit pays, measured in the same run.
//!
//! ```text
//! CARGO_TARGET_DIR=target-bench cargo bench -p turdb-benches --bench commit
//! ```
//!
//! `TURDB_BENCH_DIR` chooses the directory (default: the temporary one).

use std::fs::OpenOptions as FsOpen;
use std::hint::black_box;
use std::os::unix::fs::FileExt;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rusqlite::Connection;
use turdb::storage::Synchronous;
use turdb::{Database, OpenOptions, params};
use turdb_benches::bench_dir;

const PAD: &str = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";

fn turdb(dir: &std::path::Path, sync: Synchronous) -> Database {
    let db = Database::open_with_options(
        dir.join("t.turdb"),
        OpenOptions {
            synchronous: sync,
            ..OpenOptions::default()
        },
    )
    .expect("open turdb");
    db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        .expect("create");
    db
}

fn sqlite(dir: &std::path::Path, sync: &str) -> Connection {
    let c = Connection::open(dir.join("s.sqlite")).expect("open sqlite");
    c.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
    ))
    .expect("setup sqlite");
    c
}

fn one_row(c: &mut Criterion) {
    let mut g = c.benchmark_group("commit_one_row");
    g.measurement_time(Duration::from_secs(8));
    for (name, mode, sql) in [
        ("full", Synchronous::Full, "FULL"),
        ("normal", Synchronous::Normal, "NORMAL"),
    ] {
        let dir = tempfile::tempdir_in(bench_dir()).expect("temp dir");
        let db = turdb(dir.path(), mode);
        let mut ins = db.prepare("INSERT INTO t(v) VALUES (?)").expect("prepare");
        g.bench_function(BenchmarkId::new("turdb", name), |b| {
            b.iter(|| {
                // Autocommit: the statement is its own transaction.
                ins.execute(params![PAD]).expect("insert");
            })
        });
        drop(ins);
        drop(db);
        let s = sqlite(dir.path(), sql);
        let mut ins = s.prepare("INSERT INTO t(v) VALUES (?1)").expect("prepare");
        g.bench_function(BenchmarkId::new("sqlite", name), |b| {
            b.iter(|| {
                ins.execute([PAD]).expect("insert");
            })
        });
    }
    let dir = tempfile::tempdir_in(bench_dir()).expect("temp dir");
    let f = FsOpen::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.path().join("sync"))
        .expect("open");
    let page = vec![7u8; 16384];
    let mut at = 0u64;
    g.bench_function("fdatasync", |b| {
        b.iter(|| {
            f.write_all_at(&page, at % (64 * 16384)).expect("write");
            at += 16384;
            f.sync_data().expect("sync");
        })
    });
    g.finish();
}

fn ten_k(c: &mut Criterion) {
    let mut g = c.benchmark_group("commit_10k_rows");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    let dir = tempfile::tempdir_in(bench_dir()).expect("temp dir");
    let db = turdb(dir.path(), Synchronous::Full);
    g.bench_function("turdb", |b| {
        b.iter(|| {
            let tx = db.transaction().expect("begin");
            {
                let mut ins = tx.prepare("INSERT INTO t(v) VALUES (?)").expect("prepare");
                for _ in 0..10_000 {
                    ins.execute(params![PAD]).expect("insert");
                }
            }
            tx.commit().expect("commit");
        })
    });
    drop(db);
    let mut s = sqlite(dir.path(), "FULL");
    g.bench_function("sqlite", |b| {
        b.iter(|| {
            let tx = s.transaction().expect("begin");
            {
                let mut ins = tx
                    .prepare_cached("INSERT INTO t(v) VALUES (?1)")
                    .expect("prepare");
                for _ in 0..10_000 {
                    ins.execute([black_box(PAD)]).expect("insert");
                }
            }
            tx.commit().expect("commit");
        })
    });
    g.finish();
}

criterion_group!(benches, one_row, ten_k);
criterion_main!(benches);
