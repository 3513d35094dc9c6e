//! The memory bound: a database with a 32-page (512 KiB) cache takes 200k
//! inserts committed in batches and a full scan, and its cache never holds
//! more than 32 pages.

use std::ops::Bound;

use turdb::btree::BTree;
use turdb::storage::{FileStore, Pager, PagerOptions};
use turdb_tests::{test_env, value_bytes};

const ROWS: u32 = 200_000;
const BATCH: u32 = 1_000;
const CACHE: usize = 32;

#[test]
fn small_cache_takes_200k_inserts_and_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bound.turdb");
    let store = FileStore::open(&path).unwrap();
    let options = PagerOptions {
        cache_pages: CACHE,
        ..PagerOptions::default()
    };
    let mut pager = Pager::open(Box::new(store), options.clone(), &test_env()).unwrap();
    pager.begin().unwrap();
    let tree = BTree::create(&mut pager).unwrap();
    pager.commit().unwrap();

    let mut most_spilled = 0;
    for batch in 0..ROWS / BATCH {
        pager.begin().unwrap();
        for i in batch * BATCH..(batch + 1) * BATCH {
            // A rowid-style key: rows arrive in key order, as in a table.
            tree.insert(
                &mut pager,
                &u64::from(i).to_be_bytes(),
                &value_bytes(100, i as u8),
            )
            .unwrap();
        }
        most_spilled = most_spilled.max(pager.stats().spilled);
        pager.commit().unwrap();
        assert!(pager.stats().cache_len <= CACHE);
    }
    let stats = pager.stats();
    assert!(
        stats.cache_peak <= CACHE,
        "cache peak {} > {CACHE}",
        stats.cache_peak
    );
    assert!(
        stats.evictions > 0,
        "a 32-page cache must have evicted: {stats:?}"
    );
    // A batch of 1000 rows dirties a handful of pages: nothing had to leave
    // the cache while dirty.
    assert_eq!(
        most_spilled, 0,
        "dirty pages spilled with {CACHE} pages of cache"
    );

    // Reopen, so the scan reads everything through the store.
    drop(pager);
    let store = FileStore::open(&path).unwrap();
    let mut pager = Pager::open(Box::new(store), options, &test_env()).unwrap();
    let mut range = tree.range(Bound::Unbounded, Bound::Unbounded, false);
    let mut n = 0u32;
    while range.advance(&mut pager).unwrap() {
        assert_eq!(range.key(), &u64::from(n).to_be_bytes());
        assert_eq!(
            range.value(&mut pager).unwrap(),
            &value_bytes(100, n as u8)[..]
        );
        n += 1;
        if n.is_multiple_of(10_000) {
            assert!(pager.stats().cache_len <= CACHE);
        }
    }
    assert_eq!(n, ROWS);
    let stats = pager.stats();
    assert!(
        stats.cache_peak <= CACHE,
        "cache peak {} > {CACHE} during the scan",
        stats.cache_peak
    );
    assert!(
        stats.reads > 1000,
        "the scan read the tree from the store: {stats:?}"
    );
}
