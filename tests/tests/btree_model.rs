//! Model-based property tests of the pager and B+tree against std's
//! `BTreeMap`.
//!
//! Random sequences of inserts, updates, deletes, point lookups and range
//! scans (both directions, all bound kinds) run on two trees in one file,
//! inside transactions that commit or roll back, with nested savepoints
//! released or rolled back, and with the database closed and reopened in the
//! middle. Keys and values have random sizes, values up to several overflow
//! pages. Caches are tiny (4–16 pages) so that eviction, spilling and
//! re-reading through the page codec happen all the time. After every
//! sequence — and at random points within — the trees are walked and
//! checked, and every page of the file is accounted for exactly once (tree
//! pages, overflow pages, free list, page 0).
//!
//! `TURDB_MODEL_CASES` sets the number of sequences per store (default 100,
//! each of 500 to 2500 operations: about 150k operations per store per run).
//! The WAL checkpoints every 48 pages, so checkpoints and new WAL
//! generations happen inside every sequence, and a reopen is a recovery.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use proptest::prelude::*;
use turdb::btree::BTree;
use turdb::storage::{FileKind, MemoryStore, PageStore, Pager, PagerOptions};
use turdb_tests::{model_cases, test_env, value_bytes};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

#[derive(Clone, Debug)]
enum Op {
    Insert {
        tree: usize,
        key: Vec<u8>,
        len: usize,
        seed: u8,
    },
    DeleteExisting {
        tree: usize,
        pick: usize,
    },
    Delete {
        tree: usize,
        key: Vec<u8>,
    },
    Get {
        tree: usize,
        key: Vec<u8>,
    },
    Range {
        tree: usize,
        lo: Bound<Vec<u8>>,
        hi: Bound<Vec<u8>>,
        reverse: bool,
        limit: usize,
    },
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    Reopen,
    Check,
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Short keys over a small alphabet: many collisions, shared prefixes.
        8 => prop::collection::vec(0u8..4, 0..6),
        // Medium keys over all bytes.
        4 => prop::collection::vec(any::<u8>(), 0..40),
        // Long keys (up to the limit) with long shared prefixes.
        1 => (0usize..2048, any::<u8>()).prop_map(|(n, b)| {
            let mut k = vec![b'k'; n];
            if let Some(last) = k.last_mut() {
                *last = b;
            }
            k
        }),
    ]
}

fn value_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        10 => 0usize..120,
        3 => 120usize..1500,
        // Around the inline limit.
        1 => 3900usize..4100,
        // Overflow chains of one to several pages.
        1 => 4100usize..50_000,
    ]
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        1 => Just(Bound::Unbounded),
        2 => key().prop_map(Bound::Included),
        2 => key().prop_map(Bound::Excluded),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let tree = 0usize..2;
    prop_oneof![
        40 => (tree.clone(), key(), value_len(), any::<u8>())
            .prop_map(|(tree, key, len, seed)| Op::Insert { tree, key, len, seed }),
        10 => (tree.clone(), any::<usize>()).prop_map(|(tree, pick)| Op::DeleteExisting { tree, pick }),
        4 => (tree.clone(), key()).prop_map(|(tree, key)| Op::Delete { tree, key }),
        10 => (tree.clone(), key()).prop_map(|(tree, key)| Op::Get { tree, key }),
        4 => (tree, bound(), bound(), any::<bool>(), 0usize..200)
            .prop_map(|(tree, lo, hi, reverse, limit)| Op::Range { tree, lo, hi, reverse, limit }),
        4 => Just(Op::Begin),
        3 => Just(Op::Commit),
        1 => Just(Op::Rollback),
        2 => Just(Op::Savepoint),
        1 => Just(Op::Release),
        1 => Just(Op::RollbackTo),
        1 => Just(Op::Reopen),
        1 => Just(Op::Check),
    ]
}

/// Pager options for the model: a tiny cache, and a WAL that checkpoints
/// every few dozen pages so that checkpoints and new WAL generations happen
/// inside every sequence. Commits are not synced (NORMAL): durability is
/// the crash tests' subject, and an fsync per commit would make this test
/// wait on the disk instead of exercising the pager.
fn options(cache: usize) -> PagerOptions {
    PagerOptions {
        cache_pages: cache,
        synchronous: turdb::storage::Synchronous::Normal,
        autocheckpoint: 48,
        read_only: false,
    }
}

/// The database under test and its model.
struct Harness {
    pager: Option<Pager>,
    cache: usize,
    trees: [BTree; 2],
    committed: [Map; 2],
    current: [Map; 2],
    savepoints: Vec<[Map; 2]>,
    ops: u64,
}

impl Harness {
    fn new(store: Box<dyn PageStore>, cache: usize) -> Harness {
        let mut pager = Pager::open(store, options(cache), &test_env()).unwrap();
        pager.begin().unwrap();
        let trees = [
            BTree::create(&mut pager).unwrap(),
            BTree::create(&mut pager).unwrap(),
        ];
        let root = trees[0].root();
        pager.update_header(|h| h.catalog_root = root).unwrap();
        pager.commit().unwrap();
        Harness {
            pager: Some(pager),
            cache,
            trees,
            committed: Default::default(),
            current: Default::default(),
            savepoints: Vec::new(),
            ops: 0,
        }
    }

    fn pager(&mut self) -> &mut Pager {
        self.pager.as_mut().unwrap()
    }

    /// Runs `f` inside the open transaction, or in one of its own that
    /// commits (autocommit, as SQL does outside BEGIN).
    fn write(&mut self, f: impl FnOnce(&mut Pager, &[BTree; 2])) {
        let trees = self.trees;
        let auto = !self.pager().in_transaction();
        if auto {
            self.pager().begin().unwrap();
        }
        f(self.pager(), &trees);
        if auto {
            self.pager().commit().unwrap();
            self.committed = self.current.clone();
        }
    }

    fn apply(&mut self, op: &Op) {
        self.ops += 1;
        match op {
            Op::Insert {
                tree,
                key,
                len,
                seed,
            } => {
                let value = value_bytes(*len, *seed);
                let expect = self.current[*tree]
                    .insert(key.clone(), value.clone())
                    .is_some();
                self.write(|p, t| assert_eq!(t[*tree].insert(p, key, &value).unwrap(), expect));
            }
            Op::DeleteExisting { tree, pick } => {
                let map = &mut self.current[*tree];
                if map.is_empty() {
                    return;
                }
                let key = map.keys().nth(pick % map.len()).unwrap().clone();
                map.remove(&key);
                self.write(|p, t| assert!(t[*tree].delete(p, &key).unwrap()));
            }
            Op::Delete { tree, key } => {
                let expect = self.current[*tree].remove(key).is_some();
                self.write(|p, t| assert_eq!(t[*tree].delete(p, key).unwrap(), expect));
            }
            Op::Get { tree, key } => {
                let t = self.trees[*tree];
                let got = t.get(self.pager(), key).unwrap();
                assert_eq!(got.as_ref(), self.current[*tree].get(key), "get {key:?}");
            }
            Op::Range {
                tree,
                lo,
                hi,
                reverse,
                limit,
            } => self.range(*tree, lo, hi, *reverse, *limit),
            Op::Begin => {
                if !self.pager().in_transaction() {
                    self.pager().begin().unwrap();
                }
            }
            Op::Commit => {
                if self.pager().in_transaction() {
                    self.pager().commit().unwrap();
                    self.committed = self.current.clone();
                    self.savepoints.clear();
                }
            }
            Op::Rollback => {
                if self.pager().in_transaction() {
                    self.pager().rollback().unwrap();
                    self.current = self.committed.clone();
                    self.savepoints.clear();
                }
            }
            Op::Savepoint => {
                if self.pager().in_transaction() {
                    let depth = self.pager().savepoint().unwrap();
                    self.savepoints.push(self.current.clone());
                    assert_eq!(depth, self.savepoints.len());
                }
            }
            Op::Release => {
                if let Some(depth) = self.savepoints.len().checked_sub(1).map(|d| d + 1) {
                    // Release the innermost or, sometimes, an outer one.
                    let depth = if self.ops.is_multiple_of(3) { 1 } else { depth };
                    self.pager().release(depth).unwrap();
                    self.savepoints.truncate(depth - 1);
                }
            }
            Op::RollbackTo => {
                if !self.savepoints.is_empty() {
                    let depth = if self.ops.is_multiple_of(4) {
                        1
                    } else {
                        self.savepoints.len()
                    };
                    self.pager().rollback_to(depth).unwrap();
                    self.savepoints.truncate(depth);
                    self.current = self.savepoints[depth - 1].clone();
                }
            }
            Op::Reopen => self.reopen(),
            Op::Check => self.check(),
        }
    }

    fn range(
        &mut self,
        tree: usize,
        lo: &Bound<Vec<u8>>,
        hi: &Bound<Vec<u8>>,
        reverse: bool,
        limit: usize,
    ) {
        let map = &self.current[tree];
        let empty = match (lo, hi) {
            (Bound::Included(a), Bound::Included(b)) => a > b,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
                a >= b
            }
            _ => false,
        };
        let expect: Vec<(Vec<u8>, Vec<u8>)> = if empty {
            Vec::new()
        } else {
            let r = map.range::<Vec<u8>, _>((lo.clone(), hi.clone()));
            let r: Box<dyn Iterator<Item = (&Vec<u8>, &Vec<u8>)>> = if reverse {
                Box::new(r.rev())
            } else {
                Box::new(r)
            };
            r.take(limit).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let t = self.trees[tree];
        let as_ref = |b: &Bound<Vec<u8>>| match b {
            Bound::Included(k) => Bound::Included(k.clone()),
            Bound::Excluded(k) => Bound::Excluded(k.clone()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let (lo, hi) = (as_ref(lo), as_ref(hi));
        let mut range = t.range(
            lo.as_ref().map(|k| &k[..]),
            hi.as_ref().map(|k| &k[..]),
            reverse,
        );
        let pager = self.pager.as_mut().unwrap();
        let mut got = Vec::new();
        while got.len() < limit && range.advance(pager).unwrap() {
            let k = range.key().to_vec();
            got.push((k, range.value(pager).unwrap().to_vec()));
        }
        assert_eq!(got.len(), expect.len(), "range length");
        assert!(got == expect, "range contents differ");
    }

    fn reopen(&mut self) {
        // An open transaction is lost, as in a crash or a close without
        // commit.
        let store = self.pager.take().unwrap().into_store().unwrap();
        let pager = Pager::open(store, options(self.cache), &test_env()).unwrap();
        assert_eq!(pager.header().catalog_root, self.trees[0].root());
        self.pager = Some(pager);
        self.current = self.committed.clone();
        self.savepoints.clear();
    }

    /// Walks both trees and accounts for every page of the file.
    fn check(&mut self) {
        let trees = self.trees;
        let pager = self.pager.as_mut().unwrap();
        let mut used = BTreeSet::new();
        used.insert(0);
        for (i, t) in trees.iter().enumerate() {
            let stats = t.check(pager).unwrap();
            assert_eq!(
                stats.entries as usize,
                self.current[i].len(),
                "entries of tree {i}"
            );
            for p in stats.pages {
                assert!(used.insert(p), "page {p} used twice");
            }
        }
        for p in pager.free_pages().unwrap() {
            assert!(used.insert(p), "free page {p} also in use");
        }
        let count = pager.header().page_count;
        assert_eq!(
            used.len() as u32,
            count,
            "pages neither used nor free (leaked)"
        );
        assert_eq!(used.last().copied(), Some(count - 1));
        if !pager.in_transaction() {
            let problems = pager.check_pages().unwrap();
            assert!(problems.is_empty(), "page check: {problems:?}");
        }
    }

    fn finish(mut self) -> u64 {
        self.apply(&Op::Commit);
        self.check();
        // Everything survives a reopen.
        self.reopen();
        for i in 0..2 {
            let t = self.trees[i];
            let all = t
                .range(Bound::Unbounded, Bound::Unbounded, false)
                .collect(self.pager())
                .unwrap();
            let expect: Vec<_> = self.current[i]
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert!(all == expect, "tree {i} differs after reopen");
        }
        self.check();
        let stats = self.pager().stats();
        assert!(
            stats.cache_peak <= self.cache,
            "cache grew past its bound: {stats:?}"
        );
        self.ops
    }
}

fn run(store: Box<dyn PageStore>, cache: usize, ops: &[Op]) -> u64 {
    let mut h = Harness::new(store, cache);
    for op in ops {
        h.apply(op);
    }
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(model_cases()))]

    #[test]
    fn model_memory_store(ops in prop::collection::vec(op(), 500..2500), cache in 4usize..16) {
        run(Box::new(MemoryStore::new()), cache, &ops);
    }

    #[test]
    fn model_file_store(ops in prop::collection::vec(op(), 500..2500), cache in 4usize..16) {
        let dir = tempfile::tempdir().unwrap();
        let store = turdb::storage::FileStore::open(dir.path().join("model.turdb")).unwrap();
        assert_eq!(store.page_count(FileKind::Main).unwrap(), 0);
        run(Box::new(store), cache, &ops);
    }
}

/// A fixed, long sequence that is sure to build a deep tree, empty it again
/// and return every page to the free list (proptest's random sequences may
/// not reach that far).
/// Keys with a long shared prefix, so that separators stay long and the
/// interior fan-out small: 20k of them make a tree three levels deep.
fn deep_key(i: u32) -> Vec<u8> {
    let mut key = vec![b'k'; 300];
    key.extend_from_slice(&i.wrapping_mul(2_654_435_761).to_be_bytes());
    key
}

#[test]
fn grow_deep_then_empty() {
    let mut h = Harness::new(Box::new(MemoryStore::new()), 8);
    let n = 20_000u32;
    h.apply(&Op::Begin);
    for i in 0..n {
        let key = deep_key(i);
        h.apply(&Op::Insert {
            tree: (i % 2) as usize,
            key,
            len: (i % 300) as usize,
            seed: i as u8,
        });
    }
    h.apply(&Op::Commit);
    h.check();
    let tree = h.trees[0];
    let depth = tree.check(h.pager()).unwrap().depth;
    assert!(depth >= 3, "tree depth {depth}");
    h.apply(&Op::Begin);
    for i in 0..n {
        let key = deep_key(i);
        h.apply(&Op::Delete {
            tree: (i % 2) as usize,
            key,
        });
    }
    h.apply(&Op::Commit);
    h.check();
    let pager = h.pager();
    let free = pager.header().free_count;
    let count = pager.header().page_count;
    // Only page 0 and the two (empty) roots remain in use.
    assert_eq!(free + 3, count, "every other page is back on the free list");
    assert!(h.finish() > 2 * u64::from(n));
}
