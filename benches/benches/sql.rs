//! SQL against SQLite: the same statements through TurDB's `Database` API
//! and through rusqlite, in the same run, over `TURDB_BENCH_ROWS` rows
//! (default 1M).
//!
//! Groups, each with a `turdb` and a `sqlite` variant (setup and schema in
//! `turdb_benches::sql`; results in `benches/README.md`):
//!
//! - `sql_insert`: N rows into a fresh table, one transaction, one prepared
//!   INSERT, commit included;
//! - `sql_point_select`: a prepared `SELECT … WHERE id = ?` by primary key,
//!   reused, on random ids;
//! - `sql_index_select`: a prepared `SELECT … WHERE a = ?` through the
//!   secondary index on `a`;
//! - `sql_filtered_scan`: `SELECT … WHERE c < 0.1` over the whole table
//!   (no index on `c`), reading every row it returns (10%);
//! - `sql_group_by`: `GROUP BY g` (1000 groups) with count, sum and avg
//!   over every row;
//! - `sql_join`: `u` (N/10 rows) joined to `t` (N rows) on `t.id = u.tid`.
//!
//! ```text
//! CARGO_TARGET_DIR=target-bench cargo bench -p turdb-benches --bench sql
//! TURDB_BENCH_ROWS=100000 cargo bench -p turdb-benches --bench sql   # quick
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use turdb_benches::permutation;
use turdb_benches::sql::{
    FILTER_SQL, GROUP_SQL, INDEX_SQL, JOIN_SQL, POINT_SQL, SqlData, SqliteSql, TurdbSql, a_of,
    bench_rows, same_answer,
};

/// Seed of the order of point and index lookups.
const LOOKUP_SEED: u64 = 0x5eed_0001;

/// Both engines, loaded on first use so that a filtered run skips the load.
struct Loaded {
    turdb: TurdbSql,
    sqlite: SqliteSql,
}

fn loaded<'a>(slot: &'a mut Option<Loaded>, data: &SqlData) -> &'a mut Loaded {
    slot.get_or_insert_with(|| {
        let mut turdb = TurdbSql::open();
        let mut sqlite = SqliteSql::open();
        turdb.load(data);
        sqlite.load(data);
        turdb.add_index_and_join_table(data);
        sqlite.add_index_and_join_table(data);
        // Same rows, same answers: the two variants do the same work.
        for (what, t, s) in [
            (
                "filtered scan",
                turdb.filtered_scan(),
                sqlite.filtered_scan(),
            ),
            ("group by", turdb.group_by(), sqlite.group_by()),
            ("join", turdb.join(), sqlite.join()),
        ] {
            assert!(same_answer(t, s), "{what}: turdb {t:?}, sqlite {s:?}");
        }
        Loaded { turdb, sqlite }
    })
}

/// Seconds of measurement for a group whose iteration touches all `n`
/// rows: about 20 s at 1M, enough for 10 samples.
fn whole_run_time(n: usize) -> Duration {
    Duration::from_secs_f64((20.0 * n as f64 / 1e6).clamp(3.0, 60.0))
}

fn sql(c: &mut Criterion) {
    let n = bench_rows();
    let data = SqlData::new(n);
    let mut db: Option<Loaded> = None;

    {
        let mut group = c.benchmark_group("sql_insert");
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(whole_run_time(n))
            .throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("turdb", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut t = TurdbSql::open();
                    let start = Instant::now();
                    t.load(&data);
                    total += start.elapsed();
                    drop(black_box(t));
                }
                total
            });
        });
        group.bench_function(BenchmarkId::new("sqlite", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut s = SqliteSql::open();
                    let start = Instant::now();
                    s.load(&data);
                    total += start.elapsed();
                    drop(black_box(s));
                }
                total
            });
        });
        group.finish();
    }

    let order = permutation(n, LOOKUP_SEED);
    for (name, sql) in [
        ("sql_point_select", POINT_SQL),
        ("sql_index_select", INDEX_SQL),
    ] {
        let by_a = name == "sql_index_select";
        let key = |i: u64| if by_a { a_of(i, n) } else { i as i64 };
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(1));
        let mut next = order.iter().copied().cycle();
        group.bench_function(BenchmarkId::new("turdb", n), |b| {
            let l = loaded(&mut db, &data);
            let mut stmt = l.turdb.db.prepare(sql).expect("prepare");
            b.iter(|| {
                let k = key(next.next().unwrap_or(0));
                TurdbSql::lookup(&mut stmt, k)
            });
        });
        let mut next = order.iter().copied().cycle();
        group.bench_function(BenchmarkId::new("sqlite", n), |b| {
            let l = loaded(&mut db, &data);
            let mut stmt = l.sqlite.conn.prepare_cached(sql).expect("prepare");
            b.iter(|| {
                let k = key(next.next().unwrap_or(0));
                SqliteSql::lookup(&mut stmt, k)
            });
        });
        group.finish();
    }

    type Run<T> = fn(&mut T) -> (i64, f64);
    let whole: [(&str, Run<TurdbSql>, Run<SqliteSql>, u64); 3] = [
        (
            "sql_filtered_scan",
            TurdbSql::filtered_scan,
            SqliteSql::filtered_scan,
            n as u64,
        ),
        (
            "sql_group_by",
            TurdbSql::group_by,
            SqliteSql::group_by,
            n as u64,
        ),
        ("sql_join", TurdbSql::join, SqliteSql::join, n as u64 / 10),
    ];
    for (name, turdb_run, sqlite_run, elements) in whole {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(5))
            .throughput(Throughput::Elements(elements));
        group.bench_function(BenchmarkId::new("turdb", n), |b| {
            let l = loaded(&mut db, &data);
            b.iter(|| black_box(turdb_run(&mut l.turdb)));
        });
        group.bench_function(BenchmarkId::new("sqlite", n), |b| {
            let l = loaded(&mut db, &data);
            b.iter(|| black_box(sqlite_run(&mut l.sqlite)));
        });
        group.finish();
    }
    // Documented in README: the statements come from the same constants.
    let _ = (FILTER_SQL, GROUP_SQL, JOIN_SQL);
}

criterion_group!(benches, sql);
criterion_main!(benches);
