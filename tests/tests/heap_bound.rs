//! Heap use of whole-table statements stays bounded: with a 64-page
//! (1 MiB) cache on a file database, scanning, filtering, grouping and
//! building an index over a table of about 30 MiB never raises the heap by
//! more than a few MiB. A global allocator counts live bytes and their
//! peak; the test is alone in this binary so nothing else allocates while
//! it measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use turdb::{Database, OpenOptions, params};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes straight to `System`; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const ROWS: i64 = 100_000;
const CACHE: usize = 64;
/// What a statement may add to the heap above where it started: the
/// cache is 1 MiB, and the table is about 30 MiB.
const ALLOWED: usize = 6 << 20;

/// Runs `f` and returns how far the heap rose above its level at the start.
fn peak_rise(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

#[test]
fn whole_table_statements_run_in_bounded_heap() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_with_options(
        dir.path().join("heap.turdb"),
        OpenOptions {
            cache_pages: CACHE,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, c REAL, body TEXT)")
        .unwrap();
    let body = "x".repeat(300);
    let tx = db.transaction().unwrap();
    {
        let mut ins = tx
            .prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4 || ?1)")
            .unwrap();
        for i in 0..ROWS {
            ins.execute(params![
                i,
                i % 100,
                (i % 1000) as f64 / 1000.0,
                body.as_str()
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();

    let count = |sql: &str| -> i64 {
        let mut stmt = db.prepare(sql).unwrap();
        let mut rows = stmt.query(()).unwrap();
        let mut n = 0;
        while let Some(row) = rows.next().unwrap() {
            std::hint::black_box(row.get_ref(0).unwrap());
            n += 1;
        }
        n
    };
    let cases: [(&str, i64); 3] = [
        ("SELECT id, body FROM t", ROWS),
        ("SELECT body FROM t WHERE c < 0.1", ROWS / 10),
        ("SELECT g, count(*), max(body) FROM t GROUP BY g", 100),
    ];
    for (sql, want) in cases {
        let mut got = 0;
        let rise = peak_rise(|| got = count(sql));
        assert_eq!(got, want, "{sql}");
        assert!(rise <= ALLOWED, "{sql}: the heap rose by {rise} bytes");
    }
    for sql in [
        "CREATE INDEX t_body ON t(body)",
        "CREATE INDEX t_gc ON t(g, c)",
    ] {
        let rise = peak_rise(|| db.execute_batch(sql).unwrap());
        assert!(rise <= ALLOWED, "{sql}: the heap rose by {rise} bytes");
    }
    // The indexes are complete.
    assert_eq!(
        count("SELECT id FROM t INDEXED BY t_body WHERE body >= ''"),
        ROWS
    );
    assert_eq!(
        count("SELECT id FROM t INDEXED BY t_gc WHERE g = 7"),
        ROWS / 100
    );
}
