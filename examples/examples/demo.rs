//! The demo behind `make demo`: creates a file-backed database, writes 100k
//! keys in one transaction, reads them back by key and by a full scan, and
//! prints what it did and how long each step took.
//!
//! Run: `cargo run --release -p turdb-examples --example demo [PATH]`
//! (default path: `target/demo.turdb`, replaced on every run).

use std::ops::Bound;
use std::path::PathBuf;
use std::time::Instant;

use turdb::btree::BTree;
use turdb::env::StdEnv;
use turdb::storage::{FileStore, Pager, PagerOptions};

const KEYS: u64 = 100_000;

fn main() -> turdb::Result<()> {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/demo.turdb"));
    for p in [
        path.clone(),
        PathBuf::from(format!("{}-wal", path.display())),
    ] {
        let _ = std::fs::remove_file(p);
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let options = PagerOptions {
        cache_pages: 256,
        ..PagerOptions::default()
    };
    println!("TurDB demo: {} keys in {}", KEYS, path.display());
    println!("  page cache: {} pages of 16 KiB", options.cache_pages);

    let mut pager = Pager::open(Box::new(FileStore::open(&path)?), options.clone(), &StdEnv)?;
    let t = Instant::now();
    pager.begin()?;
    let tree = BTree::create(&mut pager)?;
    let root = tree.root();
    pager.update_header(|h| h.catalog_root = root)?;
    let mut value = Vec::with_capacity(100);
    for i in 0..KEYS {
        value.clear();
        value.extend_from_slice(format!("value number {i:>8} ").as_bytes());
        value.resize(100, b'.');
        tree.insert(&mut pager, &i.to_be_bytes(), &value)?;
    }
    pager.commit()?;
    let took = t.elapsed();
    println!(
        "  wrote {KEYS} keys (8-byte keys, 100-byte values) in one transaction: {:.1} ms ({:.2} M inserts/s)",
        took.as_secs_f64() * 1e3,
        KEYS as f64 / took.as_secs_f64() / 1e6
    );
    drop(pager);

    // Reopen: everything below comes back from the file.
    let mut pager = Pager::open(Box::new(FileStore::open(&path)?), options, &StdEnv)?;
    let tree = BTree::open(pager.header().catalog_root);
    let t = Instant::now();
    let mut found = 0u64;
    for i in 0..KEYS {
        let k = (i * 7919) % KEYS;
        let ok = tree.get_with(&mut pager, &k.to_be_bytes(), |v| {
            v.starts_with(format!("value number {k:>8}").as_bytes())
        })?;
        if ok == Some(true) {
            found += 1;
        }
    }
    let took = t.elapsed();
    println!(
        "  read back {found}/{KEYS} keys by point lookup in random order: {:.1} ms ({:.2} µs each)",
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / KEYS as f64
    );

    let t = Instant::now();
    let mut range = tree.range(Bound::Unbounded, Bound::Unbounded, false);
    let (mut n, mut bytes) = (0u64, 0usize);
    while range.advance(&mut pager)? {
        bytes += range.value(&mut pager)?.len();
        n += 1;
    }
    let took = t.elapsed();
    println!(
        "  scanned {n} keys ({:.1} MB of values) in order: {:.1} ms ({:.1} M keys/s)",
        bytes as f64 / 1e6,
        took.as_secs_f64() * 1e3,
        n as f64 / took.as_secs_f64() / 1e6
    );
    let stats = pager.stats();
    let file_len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "  file: {} pages ({:.1} MB); cache: {} pages read from the store, {} hits",
        pager.header().page_count,
        file_len as f64 / 1e6,
        stats.reads,
        stats.hits
    );
    if found != KEYS || n != KEYS {
        eprintln!("demo: expected {KEYS} keys back, got {found} by lookup and {n} by scan");
        std::process::exit(1);
    }
    println!("  ok");
    Ok(())
}
