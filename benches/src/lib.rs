//! Helpers shared by the benchmarks: workload parameters, a deterministic
//! key order, and the two engines set up the same way.
//!
//! Every benchmark compares TurDB with SQLite (through rusqlite, bundled
//! SQLite) doing the same operations in the same run. Each engine runs on
//! two backings ([`Backing`]): entirely in memory, and on a file in a fresh
//! temporary directory.
//!
//! - TurDB: a [`Pager`] with a cache of [`CACHE_PAGES`] pages (16 KiB each,
//!   256 MiB) over a [`MemoryStore`] or a [`FileStore`], and one [`BTree`]
//!   with 8-byte big-endian keys (`u64::to_be_bytes`) and
//!   [`VALUE_LEN`]-byte values.
//! - SQLite: `CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)` — a rowid table,
//!   the fair equivalent of a B+tree with 8-byte integer keys — with a
//!   256 MiB page cache (`PRAGMA cache_size=-262144`), prepared statements
//!   (`prepare_cached`), and on a file `journal_mode=WAL` with
//!   `synchronous=NORMAL`.
//!
//! Loads run in one transaction, committed at the end, on both engines.

pub mod sql;

use std::hint::black_box;
use std::ops::Bound;
use std::path::PathBuf;

use rusqlite::Connection;
use tempfile::TempDir;
use turdb::btree::BTree;
use turdb::env::StdEnv;
use turdb::storage::{FileStore, MemoryStore, PageStore, Pager, PagerOptions};

/// Keys per benchmark unless `TURDB_BENCH_KEYS` says otherwise.
pub const DEFAULT_KEYS: usize = 1_000_000;

/// Bytes per value.
pub const VALUE_LEN: usize = 100;

/// TurDB cache size in pages (16 KiB each: 256 MiB), enough to hold a
/// tree of a million 100-byte values whole.
pub const CACHE_PAGES: usize = 16_384;

/// SQLite cache size, in the `PRAGMA cache_size` unit (negative: KiB).
/// The same 256 MiB as TurDB's.
pub const SQLITE_CACHE_KIB: i64 = 262_144;

/// Number of keys: `TURDB_BENCH_KEYS` (e.g. `100000` for a quick smoke
/// run) or [`DEFAULT_KEYS`].
pub fn bench_keys() -> usize {
    match std::env::var("TURDB_BENCH_KEYS") {
        Ok(s) => match s.trim().replace('_', "").parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => panic!("TURDB_BENCH_KEYS must be a positive integer, got {s:?}"),
        },
        Err(_) => DEFAULT_KEYS,
    }
}

/// Directory for the file-backed databases: `TURDB_BENCH_DIR` or the
/// system temporary directory. Each database gets a fresh subdirectory,
/// removed when it is dropped.
pub fn bench_dir() -> PathBuf {
    std::env::var_os("TURDB_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from)
}

fn fresh_dir() -> TempDir {
    let base = bench_dir();
    tempfile::Builder::new()
        .prefix("turdb-bench-")
        .tempdir_in(&base)
        .unwrap_or_else(|e| panic!("create a temporary directory in {}: {e}", base.display()))
}

/// xorshift64* — a small, fast, repeatable generator (no `rand` needed).
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> XorShift {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`; the tiny modulo bias is irrelevant
    /// here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The keys `0..n` in a random order (Fisher–Yates), the same for a given
/// `seed` on every run.
pub fn permutation(n: usize, seed: u64) -> Vec<u64> {
    let mut keys: Vec<u64> = (0..n as u64).collect();
    let mut rng = XorShift::new(seed);
    for i in (1..keys.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        keys.swap(i, j);
    }
    keys
}

/// Fills `buf` with the value stored under key `k`: the key's bytes, then a
/// fixed pattern. Cheap, so loads measure the engine, not value generation.
#[inline]
pub fn value_for(k: u64, buf: &mut [u8; VALUE_LEN]) {
    buf[..8].copy_from_slice(&k.to_le_bytes());
}

/// A value buffer with the fixed pattern in place; [`value_for`] then only
/// changes its first 8 bytes.
pub fn value_buf() -> [u8; VALUE_LEN] {
    let mut buf = [0u8; VALUE_LEN];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(7);
    }
    buf
}

/// Where a database lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Entirely in memory (TurDB: `MemoryStore`; SQLite: `:memory:`).
    Memory,
    /// A file in a fresh temporary directory under [`bench_dir`].
    File,
}

impl Backing {
    /// Both backings, memory first.
    pub const ALL: [Backing; 2] = [Backing::Memory, Backing::File];

    /// `"memory"` or `"file"`, for benchmark names.
    pub fn name(self) -> &'static str {
        match self {
            Backing::Memory => "memory",
            Backing::File => "file",
        }
    }
}

/// A TurDB database holding one empty-or-loaded B+tree.
#[derive(Debug)]
pub struct TurdbDb {
    /// The pager (public so benchmarks can read its stats).
    pub pager: Pager,
    /// The tree under test.
    pub tree: BTree,
    _dir: Option<TempDir>,
}

impl TurdbDb {
    /// A new database with one empty tree (created and committed), with a
    /// cache of [`CACHE_PAGES`].
    pub fn open(backing: Backing) -> TurdbDb {
        let (store, dir): (Box<dyn PageStore>, _) = match backing {
            Backing::Memory => (Box::new(MemoryStore::new()), None),
            Backing::File => {
                let dir = fresh_dir();
                let path = dir.path().join("bench.turdb");
                let store = FileStore::open(&path)
                    .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
                (Box::new(store), Some(dir))
            }
        };
        let mut pager = Pager::open(
            store,
            PagerOptions {
                cache_pages: CACHE_PAGES,
                ..PagerOptions::default()
            },
            &StdEnv,
        )
        .expect("open pager");
        pager.begin().expect("begin");
        let tree = BTree::create(&mut pager).expect("create tree");
        pager.commit().expect("commit");
        TurdbDb {
            pager,
            tree,
            _dir: dir,
        }
    }

    /// Inserts `keys` (with their [`value_for`] values) in one transaction
    /// and commits.
    pub fn load(&mut self, keys: impl IntoIterator<Item = u64>) {
        let mut value = value_buf();
        self.pager.begin().expect("begin");
        for k in keys {
            value_for(k, &mut value);
            self.tree
                .insert(&mut self.pager, &k.to_be_bytes(), &value)
                .expect("insert");
        }
        self.pager.commit().expect("commit");
    }

    /// Looks `k` up; returns the value's length (0 if absent).
    #[inline]
    pub fn lookup(&mut self, k: u64) -> usize {
        self.tree
            .get_with(&mut self.pager, &k.to_be_bytes(), |v| black_box(v).len())
            .expect("get")
            .unwrap_or(0)
    }

    /// Reads every key and value in key order; returns how many.
    pub fn scan(&mut self) -> u64 {
        let mut range = self.tree.range(Bound::Unbounded, Bound::Unbounded, false);
        let mut n = 0u64;
        while range.advance(&mut self.pager).expect("advance") {
            let k = range.key();
            black_box(u64::from_be_bytes(k.try_into().expect("8-byte key")));
            black_box(range.value(&mut self.pager).expect("value"));
            n += 1;
        }
        n
    }
}

/// A SQLite database (through rusqlite) holding table `t`.
#[derive(Debug)]
pub struct SqliteDb {
    /// The connection.
    pub conn: Connection,
    _dir: Option<TempDir>,
}

/// The point lookup statement.
pub const SQLITE_LOOKUP: &str = "SELECT v FROM t WHERE k = ?1";
/// The insert statement.
pub const SQLITE_INSERT: &str = "INSERT INTO t(k, v) VALUES (?1, ?2)";
/// The full scan statement (rowid order).
pub const SQLITE_SCAN: &str = "SELECT k, v FROM t";

impl SqliteDb {
    /// A new database with an empty table `t(k INTEGER PRIMARY KEY, v BLOB)`.
    /// In memory: `:memory:`. On a file: `journal_mode=WAL`,
    /// `synchronous=NORMAL`. Both: a 256 MiB page cache.
    pub fn open(backing: Backing) -> SqliteDb {
        let (conn, dir) = match backing {
            Backing::Memory => (
                Connection::open_in_memory().expect("open sqlite in memory"),
                None,
            ),
            Backing::File => {
                let dir = fresh_dir();
                let conn =
                    Connection::open(dir.path().join("bench.sqlite")).expect("open sqlite file");
                let mode: String = conn
                    .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                    .expect("journal_mode");
                assert_eq!(mode, "wal", "SQLite refused WAL mode");
                conn.execute_batch("PRAGMA synchronous=NORMAL")
                    .expect("synchronous");
                (conn, Some(dir))
            }
        };
        conn.execute_batch(&format!(
            "PRAGMA cache_size=-{SQLITE_CACHE_KIB};\n\
             CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB);"
        ))
        .expect("create table");
        SqliteDb { conn, _dir: dir }
    }

    /// Inserts `keys` (with their [`value_for`] values) in one transaction
    /// and commits.
    pub fn load(&mut self, keys: impl IntoIterator<Item = u64>) {
        let mut value = value_buf();
        let tx = self.conn.transaction().expect("begin");
        {
            let mut stmt = tx.prepare_cached(SQLITE_INSERT).expect("prepare insert");
            for k in keys {
                value_for(k, &mut value);
                stmt.execute(rusqlite::params![k as i64, &value[..]])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }

    /// Reads every key and value in key order; returns how many.
    pub fn scan(&self) -> u64 {
        let mut stmt = self.conn.prepare_cached(SQLITE_SCAN).expect("prepare scan");
        let mut rows = stmt.query([]).expect("scan");
        let mut n = 0u64;
        while let Some(row) = rows.next().expect("next row") {
            black_box(row.get_ref(0).expect("k").as_i64().expect("integer k"));
            black_box(row.get_ref(1).expect("v").as_blob().expect("blob v"));
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = permutation(1000, 42);
        assert_ne!(p, (0..1000).collect::<Vec<_>>());
        p.sort_unstable();
        assert_eq!(p, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn both_engines_load_look_up_and_scan_the_same() {
        for backing in Backing::ALL {
            let keys = permutation(3000, 7);
            let mut t = TurdbDb::open(backing);
            t.load(keys.iter().copied());
            let mut s = SqliteDb::open(backing);
            s.load(keys.iter().copied());
            assert_eq!(t.scan(), 3000);
            assert_eq!(s.scan(), 3000);
            assert_eq!(t.lookup(1234), VALUE_LEN);
            assert_eq!(t.lookup(3000), 0);
            let v: Vec<u8> = s
                .conn
                .query_row(SQLITE_LOOKUP, [1234], |r| r.get(0))
                .unwrap();
            let mut expect = value_buf();
            value_for(1234, &mut expect);
            assert_eq!(v, expect);
            assert_eq!(
                t.tree
                    .get(&mut t.pager, &1234u64.to_be_bytes())
                    .unwrap()
                    .unwrap(),
                expect
            );
        }
    }
}
