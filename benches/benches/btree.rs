//! B+tree against SQLite: point lookup, sequential insert, random insert
//! and full scan over `TURDB_BENCH_KEYS` keys (default 1M), 8-byte keys and
//! 100-byte values.
//!
//! Each group runs the same operation on four variants, printed side by
//! side: `turdb_memory`, `turdb_file`, `sqlite_memory`, `sqlite_file`
//! (setup details in `turdb_benches`; results and how to read them in
//! `benches/README.md`).
//!
//! ```text
//! CARGO_TARGET_DIR=target-bench cargo bench -p turdb-benches --bench btree
//! TURDB_BENCH_KEYS=100000 cargo bench -p turdb-benches --bench btree   # quick
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use turdb_benches::{Backing, SQLITE_LOOKUP, SqliteDb, TurdbDb, bench_keys, permutation};

/// Seed of the random insert order.
const INSERT_SEED: u64 = 0x1234_5678;
/// Seed of the point lookup order.
const LOOKUP_SEED: u64 = 0x8765_4321;

/// Seconds of measurement for a group whose one iteration touches all `n`
/// keys: about 36 s at 1M keys, so 10 samples of whole loads (up to 3.5 s
/// each) fit.
fn whole_run_time(n: usize) -> Duration {
    Duration::from_secs_f64((36.0 * n as f64 / 1e6).clamp(3.0, 120.0))
}

fn long_group<'a>(c: &'a mut Criterion, name: &str, n: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(whole_run_time(n))
        .throughput(Throughput::Elements(n as u64));
    group
}

/// Loads of `keys` into a fresh database, one transaction each; only the
/// load and its commit are timed (not opening, not dropping).
fn bench_loads(c: &mut Criterion, name: &str, keys: &[u64]) {
    let n = keys.len();
    let mut group = long_group(c, name, n);
    for backing in Backing::ALL {
        group.bench_function(
            BenchmarkId::new(format!("turdb_{}", backing.name()), n),
            |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut db = TurdbDb::open(backing);
                        let start = Instant::now();
                        db.load(keys.iter().copied());
                        total += start.elapsed();
                        drop(black_box(db));
                    }
                    total
                });
            },
        );
    }
    for backing in Backing::ALL {
        group.bench_function(
            BenchmarkId::new(format!("sqlite_{}", backing.name()), n),
            |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut db = SqliteDb::open(backing);
                        let start = Instant::now();
                        db.load(keys.iter().copied());
                        total += start.elapsed();
                        drop(black_box(db));
                    }
                    total
                });
            },
        );
    }
    group.finish();
}

fn insert_sequential(c: &mut Criterion) {
    let keys: Vec<u64> = (0..bench_keys() as u64).collect();
    bench_loads(c, "insert_sequential", &keys);
}

fn insert_random(c: &mut Criterion) {
    let keys = permutation(bench_keys(), INSERT_SEED);
    bench_loads(c, "insert_random", &keys);
}

/// A database holding keys `0..n`, loaded in order in one transaction.
fn preloaded_turdb(backing: Backing, n: usize) -> TurdbDb {
    let mut db = TurdbDb::open(backing);
    db.load(0..n as u64);
    db
}

fn preloaded_sqlite(backing: Backing, n: usize) -> SqliteDb {
    let mut db = SqliteDb::open(backing);
    db.load(0..n as u64);
    db
}

/// Random point lookups (every key present, in a random order) in a
/// preloaded database whose pages are all cached.
fn point_lookup(c: &mut Criterion) {
    let n = bench_keys();
    let order = permutation(n, LOOKUP_SEED);
    let mut group = c.benchmark_group("point_lookup");
    group.throughput(Throughput::Elements(1));
    for backing in Backing::ALL {
        // Loaded on first use, so that a filtered run skips the others.
        let mut db: Option<TurdbDb> = None;
        let mut next = order.iter().copied().cycle();
        group.bench_function(
            BenchmarkId::new(format!("turdb_{}", backing.name()), n),
            |b| {
                let db = db.get_or_insert_with(|| preloaded_turdb(backing, n));
                b.iter(|| {
                    let k = next.next().unwrap_or(0);
                    db.lookup(k)
                });
            },
        );
        if let Some(db) = db {
            let stats = db.pager.stats();
            assert!(
                stats.cache_len < stats.cache_capacity && stats.evictions == 0,
                "the tree does not fit in the cache ({} pages): lookups were not all cached",
                stats.cache_capacity
            );
        }
    }
    for backing in Backing::ALL {
        let mut db: Option<SqliteDb> = None;
        let mut next = order.iter().copied().cycle();
        group.bench_function(
            BenchmarkId::new(format!("sqlite_{}", backing.name()), n),
            |b| {
                let db = db.get_or_insert_with(|| preloaded_sqlite(backing, n));
                let mut stmt = db
                    .conn
                    .prepare_cached(SQLITE_LOOKUP)
                    .expect("prepare lookup");
                b.iter(|| {
                    let k = next.next().unwrap_or(0) as i64;
                    stmt.query_row([k], |r| Ok(black_box(r.get_ref(0)?.as_blob()?).len()))
                        .expect("lookup")
                });
            },
        );
    }
    group.finish();
}

/// A full scan in key order of a preloaded database, reading every key and
/// value.
fn full_scan(c: &mut Criterion) {
    let n = bench_keys();
    let mut group = long_group(c, "full_scan", n);
    group
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(2));
    for backing in Backing::ALL {
        let mut db: Option<TurdbDb> = None;
        group.bench_function(
            BenchmarkId::new(format!("turdb_{}", backing.name()), n),
            |b| {
                let db = db.get_or_insert_with(|| preloaded_turdb(backing, n));
                b.iter(|| assert_eq!(db.scan(), n as u64));
            },
        );
    }
    for backing in Backing::ALL {
        let mut db: Option<SqliteDb> = None;
        group.bench_function(
            BenchmarkId::new(format!("sqlite_{}", backing.name()), n),
            |b| {
                let db = db.get_or_insert_with(|| preloaded_sqlite(backing, n));
                b.iter(|| assert_eq!(db.scan(), n as u64));
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    point_lookup,
    insert_sequential,
    insert_random,
    full_scan
);
criterion_main!(benches);
