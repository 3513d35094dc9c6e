//! Crash recovery over the FaultStore: a power cut at every k-th store call.
//!
//! A seeded workload of random transactions — inserts, updates and deletes
//! over three tables with UNIQUE and secondary indexes, values up to
//! several overflow pages, and now and then a transaction large enough to
//! spill out of the 32-page cache into the WAL — runs against a database on
//! a [`FaultStore`] that fails call k and every call after it (the device is
//! gone), then loses every write that was not synced and tears the last one.
//! The database is reopened from what survived, and:
//!
//! - every transaction whose COMMIT returned is there, exactly;
//! - the transaction in flight is either wholly there or not at all;
//! - `PRAGMA integrity_check` says `ok`.
//!
//! k sweeps the whole workload, one trial per k. `TURDB_CRASH_SEEDS` sets
//! the number of seeds (default 6) and `TURDB_CRASH_STEP` the spacing of
//! the k's (default: about 60 trials per seed); a long soak raises the one
//! and lowers the other. With `synchronous = NORMAL` a commit may be lost,
//! but the database must still reopen at some earlier commit, intact.

use std::collections::BTreeMap;
use std::sync::Arc;

use turdb::env::TestEnv;
use turdb::storage::fault::SharedFaultStore;
use turdb::storage::{FaultConfig, FaultStore, MemoryStore, PageStore, Synchronous};
use turdb::{Database, OpenOptions, params};
use turdb_tests::value_bytes;

const TABLES: usize = 3;

/// A row of the model: (k, n, value length, value seed).
type Row = (String, i64, usize, u8);
/// The whole database as the model sees it: per table, id → row.
type State = Vec<BTreeMap<i64, Row>>;

#[derive(Clone, Debug)]
enum Op {
    Insert { t: usize, id: i64, row: Row },
    Update { t: usize, id: i64, row: Row },
    Delete { t: usize, id: i64 },
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A value length: mostly small, sometimes overflowing one or several pages.
fn value_len(r: &mut Rng) -> usize {
    match r.below(20) {
        0 => 20_000 + r.below(30_000) as usize,
        1..=2 => 3_000 + r.below(6_000) as usize,
        _ => r.below(300) as usize,
    }
}

/// The transactions of one seed, planned against the model so that every
/// statement succeeds (no constraint errors muddy the picture).
fn plan(seed: u64, txns: usize) -> Vec<Vec<Op>> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut model: State = vec![BTreeMap::new(); TABLES];
    let mut next_id = 1i64;
    let mut out = Vec::new();
    for _ in 0..txns {
        let big = r.below(12) == 0;
        let n_ops = if big {
            600 + r.below(600)
        } else {
            1 + r.below(8)
        };
        let mut ops = Vec::new();
        for _ in 0..n_ops {
            let t = r.below(TABLES as u64) as usize;
            let rows = &mut model[t];
            let choice = if big { 0 } else { r.below(10) };
            let pick = |r: &mut Rng, rows: &BTreeMap<i64, Row>| {
                rows.keys()
                    .nth(r.below(rows.len() as u64) as usize)
                    .copied()
            };
            match choice {
                7 | 8 if !rows.is_empty() => {
                    let id = pick(&mut r, rows).unwrap_or(0);
                    let len = if big { 200 } else { value_len(&mut r) };
                    let row = (
                        format!("k{id}-{}", r.below(1000)),
                        r.below(50) as i64,
                        len,
                        r.next() as u8,
                    );
                    rows.insert(id, row.clone());
                    ops.push(Op::Update { t, id, row });
                }
                9 if !rows.is_empty() => {
                    let id = pick(&mut r, rows).unwrap_or(0);
                    rows.remove(&id);
                    ops.push(Op::Delete { t, id });
                }
                _ => {
                    let id = next_id;
                    next_id += 1;
                    let len = if big {
                        200 + r.below(200) as usize
                    } else {
                        value_len(&mut r)
                    };
                    let row = (format!("k{id}"), r.below(50) as i64, len, r.next() as u8);
                    rows.insert(id, row.clone());
                    ops.push(Op::Insert { t, id, row });
                }
            }
        }
        out.push(ops);
    }
    out
}

fn apply(state: &mut State, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Insert { t, id, row } | Op::Update { t, id, row } => {
                state[*t].insert(*id, row.clone());
            }
            Op::Delete { t, id } => {
                state[*t].remove(id);
            }
        }
    }
}

fn options(sync: Synchronous) -> OpenOptions {
    OpenOptions {
        cache_pages: 32,
        synchronous: sync,
        ..OpenOptions::default()
    }
}

fn open(store: Box<dyn PageStore>, sync: Synchronous) -> turdb::Result<Database> {
    let db = Database::open_with(store, Arc::new(TestEnv::new(7)), options(sync))?;
    // Small enough that checkpoints (and new WAL generations) happen
    // within every workload.
    db.execute_batch("PRAGMA wal_autocheckpoint = 40")?;
    Ok(db)
}

fn setup(db: &Database) -> turdb::Result<()> {
    for t in 0..TABLES {
        db.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS t{t}(id INTEGER PRIMARY KEY, k TEXT UNIQUE, n INTEGER, v BLOB);
             CREATE INDEX IF NOT EXISTS t{t}_n ON t{t}(n);"
        ))?;
    }
    Ok(())
}

fn run_txn(db: &Database, ops: &[Op]) -> turdb::Result<()> {
    let tx = db.transaction()?;
    for op in ops {
        match op {
            Op::Insert { t, id, row } => {
                tx.execute(
                    &format!("INSERT INTO t{t}(id, k, n, v) VALUES (?, ?, ?, ?)"),
                    params![*id, row.0.as_str(), row.1, value_bytes(row.2, row.3)],
                )?;
            }
            Op::Update { t, id, row } => {
                tx.execute(
                    &format!("UPDATE t{t} SET k = ?, n = ?, v = ? WHERE id = ?"),
                    params![row.0.as_str(), row.1, value_bytes(row.2, row.3), *id],
                )?;
            }
            Op::Delete { t, id } => {
                tx.execute(&format!("DELETE FROM t{t} WHERE id = ?"), params![*id])?;
            }
        }
    }
    tx.commit()
}

/// A row as compared: (k, n, a digest of the value's bytes).
type Seen = Vec<BTreeMap<i64, (String, i64, u64)>>;

fn digest(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// The model's state as the database should show it.
fn expected(state: &State) -> Seen {
    state
        .iter()
        .map(|rows| {
            rows.iter()
                .map(|(&id, (k, n, len, seed))| {
                    (id, (k.clone(), *n, digest(&value_bytes(*len, *seed))))
                })
                .collect()
        })
        .collect()
}

/// The database's contents.
fn contents(db: &Database) -> Seen {
    let mut out = vec![BTreeMap::new(); TABLES];
    for (t, rows) in out.iter_mut().enumerate() {
        let mut stmt = db
            .prepare(&format!("SELECT id, k, n, v FROM t{t} ORDER BY id"))
            .unwrap();
        let mut q = stmt.query(()).unwrap();
        while let Some(r) = q.next().unwrap() {
            let v: Vec<u8> = r.get(3).unwrap();
            rows.insert(
                r.get(0).unwrap(),
                (r.get(1).unwrap(), r.get(2).unwrap(), digest(&v)),
            );
        }
    }
    out
}

fn integrity(db: &Database) -> Vec<String> {
    let mut stmt = db.prepare("PRAGMA integrity_check").unwrap();
    let mut q = stmt.query(()).unwrap();
    let mut out = Vec::new();
    while let Some(r) = q.next().unwrap() {
        out.push(r.get::<_, String>(0).unwrap());
    }
    out
}

/// What one run up to the power cut did.
struct Outcome {
    /// States after each commit that returned, the empty one first.
    committed: Vec<State>,
    /// The state the transaction in flight would have made.
    in_flight: Option<State>,
    calls: u64,
    /// Page images written as deltas (so that the sweep cuts through them).
    deltas: u64,
}

fn workload(store: Box<dyn PageStore>, sync: Synchronous, txns: &[Vec<Op>]) -> Outcome {
    let empty: State = vec![BTreeMap::new(); TABLES];
    let mut out = Outcome {
        committed: vec![empty.clone()],
        in_flight: None,
        calls: 0,
        deltas: 0,
    };
    let Ok(db) = open(store, sync) else {
        return out;
    };
    if setup(&db).is_err() {
        out.in_flight = Some(empty);
        return out;
    }
    let mut state = empty;
    for ops in txns {
        let mut next = state.clone();
        apply(&mut next, ops);
        match run_txn(&db, ops) {
            Ok(()) => {
                state = next;
                out.committed.push(state.clone());
            }
            Err(_) => {
                out.in_flight = Some(next);
                break;
            }
        }
        out.deltas = db.pager_stats().deltas;
    }
    out
}

fn seeds() -> u64 {
    std::env::var("TURDB_CRASH_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

fn sweep(sync: Synchronous, seeds: u64, txns: usize) {
    let mut trials = 0;
    for seed in 0..seeds {
        let plan = plan(seed, txns);
        // A run without faults counts the calls the whole workload makes.
        let shared = SharedFaultStore::new(FaultStore::new(MemoryStore::new(), FaultConfig::new()));
        let full = workload(Box::new(shared.clone()), sync, &plan);
        assert!(
            full.in_flight.is_none(),
            "seed {seed}: the workload fails without faults"
        );
        assert!(
            full.deltas > 0,
            "seed {seed}: no commit wrote a delta, so none is tested"
        );
        let total = shared.calls();
        let step = std::env::var("TURDB_CRASH_STEP")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or((total / 60).max(1));
        let mut k = 1 + seed % step;
        while k <= total + step {
            trials += 1;
            let cfg = FaultConfig::new()
                .fail_at(k)
                .tear_last_write(true)
                .seed(seed * 1_000_003 + k);
            let shared = SharedFaultStore::new(FaultStore::new(MemoryStore::new(), cfg));
            let mut out = workload(Box::new(shared.clone()), sync, &plan);
            out.calls = k;
            let durable = shared.crash().unwrap();
            let db = open(Box::new(durable), sync)
                .unwrap_or_else(|e| panic!("seed {seed}, power cut at call {k}: reopen: {e}"));
            let problems = integrity(&db);
            assert_eq!(
                problems,
                vec!["ok".to_string()],
                "seed {seed}, power cut at call {k}: integrity_check"
            );
            // Tables may not exist if the cut came before they did.
            let exists: i64 = db
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    (),
                    |r| r.get(0),
                )
                .unwrap();
            let got = if exists == TABLES as i64 {
                contents(&db)
            } else {
                vec![BTreeMap::new(); TABLES]
            };
            let is = |s: &State| expected(s) == got;
            let in_flight = out.in_flight.as_ref().is_some_and(is);
            let ok = match sync {
                Synchronous::Full => out.committed.last().is_some_and(is) || in_flight,
                // NORMAL may lose the last commits, never mix them.
                _ => in_flight || out.committed.iter().rev().any(is),
            };
            if !ok {
                let sizes = |s: &Seen| s.iter().map(|t| t.len()).collect::<Vec<_>>();
                eprintln!("got {:?}", sizes(&got));
                for (i, c) in out.committed.iter().enumerate() {
                    eprintln!("commit {i}: {:?}", sizes(&expected(c)));
                }
                if let Some(f) = &out.in_flight {
                    eprintln!("in flight: {:?}", sizes(&expected(f)));
                }
                eprintln!("report {:?}", db.recovery_report());
            }
            assert!(
                ok,
                "seed {seed}, power cut at call {k} ({} commits had returned): the reopened database is not a committed state",
                out.committed.len() - 1
            );
            drop(db);
            k += step;
        }
    }
    assert!(trials >= 50, "only {trials} trials ran");
}

#[test]
fn power_cut_at_every_kth_call_keeps_every_commit() {
    sweep(Synchronous::Full, seeds(), 40);
}

#[test]
fn power_cut_with_synchronous_normal_never_corrupts() {
    sweep(Synchronous::Normal, seeds().div_ceil(3), 30);
}

/// The plan itself is sane: a model replay matches the database after a
/// run without faults (so the sweep compares against the right thing).
#[test]
fn model_matches_a_run_without_faults() {
    let plan = plan(99, 30);
    let db = open(Box::new(MemoryStore::new()), Synchronous::Full).unwrap();
    setup(&db).unwrap();
    let mut state: State = vec![BTreeMap::new(); TABLES];
    for ops in &plan {
        run_txn(&db, ops).unwrap();
        apply(&mut state, ops);
    }
    assert_eq!(contents(&db), expected(&state));
    assert_eq!(integrity(&db), vec!["ok".to_string()]);
    let n: i64 = db
        .query_row("SELECT count(*) FROM t0", (), |r| r.get(0))
        .unwrap();
    assert_eq!(n as usize, state[0].len());
}
