//! The SQL workload: one schema, one data set and the same statements for
//! TurDB (its `Database` API) and SQLite (rusqlite).
//!
//! ```sql
//! CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, g INTEGER, b TEXT, c REAL);
//! CREATE INDEX t_a ON t(a);                        -- after the load
//! CREATE TABLE u(id INTEGER PRIMARY KEY, tid INTEGER, x INTEGER);
//! ```
//!
//! Row `i` of `t` (N rows): `id = i`, `a = i·999983 mod N` (a permutation
//! of `0..N` when N is prime to 999983, as 10^k is), `g = i mod 1000`,
//! `b` one of 10007 names (`name-00042`), `c = (i·7919 mod 10000) / 10000`
//! (so `c < 0.1` holds for 10% of the rows). Row `j` of `u` (N/10 rows):
//! `tid` a pseudo-random id of `t`, `x = j mod 100`.
//!
//! Both engines keep the whole database in memory with a 256 MiB page cache
//! (TurDB: a `MemoryStore` with [`crate::CACHE_PAGES`] pages; SQLite:
//! `:memory:` with `PRAGMA cache_size=-262144`), so every measurement is of
//! cached pages.

use std::hint::black_box;
use std::sync::Arc;

use rusqlite::Connection;
use turdb::{Database, OpenOptions, params};

use crate::{CACHE_PAGES, SQLITE_CACHE_KIB};

/// Rows of `t` unless `TURDB_BENCH_ROWS` says otherwise.
pub const DEFAULT_ROWS: usize = 1_000_000;

/// Distinct values of `b`.
const NAMES: usize = 10_007;

/// The schema of `t`.
pub const CREATE_T: &str =
    "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, g INTEGER, b TEXT, c REAL)";
/// The prepared insert of the load.
pub const INSERT_T: &str = "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)";
/// Point SELECT by primary key.
pub const POINT_SQL: &str = "SELECT a, g, b, c FROM t WHERE id = ?1";
/// SELECT through the secondary index on `a`.
pub const INDEX_SQL: &str = "SELECT id, b FROM t WHERE a = ?1";
/// Full scan with a filter no index serves (10% of the rows pass).
pub const FILTER_SQL: &str = "SELECT id, a, c FROM t WHERE c < 0.1";
/// Aggregate over every row, 1000 groups.
pub const GROUP_SQL: &str = "SELECT g, count(*), sum(a), avg(c) FROM t GROUP BY g";
/// Equi-join of the N/10-row `u` with the N-row `t`.
pub const JOIN_SQL: &str = "SELECT count(*), sum(t.a) FROM u JOIN t ON t.id = u.tid";

/// Number of rows: `TURDB_BENCH_ROWS` (e.g. `100000` for a quick run) or
/// [`DEFAULT_ROWS`].
pub fn bench_rows() -> usize {
    match std::env::var("TURDB_BENCH_ROWS") {
        Ok(s) => match s.trim().replace('_', "").parse::<usize>() {
            Ok(n) if n >= 10 => n,
            _ => panic!("TURDB_BENCH_ROWS must be an integer of at least 10, got {s:?}"),
        },
        Err(_) => DEFAULT_ROWS,
    }
}

/// Column `a` of row `i` in a table of `n` rows.
pub fn a_of(i: u64, n: usize) -> i64 {
    ((i as u128 * 999_983) % n as u128) as i64
}

/// Whether two `(rows, sum)` answers agree (sums may be added in a
/// different order).
pub fn same_answer(x: (i64, f64), y: (i64, f64)) -> bool {
    x.0 == y.0 && (x.1 - y.1).abs() <= 1e-9 * x.1.abs().max(1.0)
}

/// The generated rows (the names are made once, so the timed loads do not
/// format strings).
#[derive(Debug)]
pub struct SqlData {
    /// Rows of `t`.
    pub n: usize,
    names: Vec<String>,
}

/// One row of `t`: id, a, g, b, c.
pub type TRow<'a> = (i64, i64, i64, &'a str, f64);

impl SqlData {
    /// The data for `n` rows.
    pub fn new(n: usize) -> SqlData {
        SqlData {
            n,
            names: (0..NAMES).map(|j| format!("name-{j:05}")).collect(),
        }
    }

    /// Row `i` of `t`.
    #[inline]
    pub fn row(&self, i: usize) -> TRow<'_> {
        (
            i as i64,
            a_of(i as u64, self.n),
            (i % 1000) as i64,
            &self.names[i % NAMES],
            ((i * 7919) % 10_000) as f64 / 10_000.0,
        )
    }

    /// Row `j` of `u`: id, tid, x.
    pub fn u_row(&self, j: usize) -> (i64, i64, i64) {
        let tid = (j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
        (j as i64, (tid % self.n as u64) as i64, (j % 100) as i64)
    }
}

/// TurDB through its `Database` API.
#[derive(Debug)]
pub struct TurdbSql {
    /// The database.
    pub db: Database,
}

impl TurdbSql {
    /// A fresh in-memory database holding the empty table `t`.
    pub fn open() -> TurdbSql {
        let db = Database::open_with(
            Box::new(turdb::storage::MemoryStore::new()),
            Arc::new(turdb::env::StdEnv),
            OpenOptions {
                cache_pages: CACHE_PAGES,
                ..OpenOptions::default()
            },
        )
        .expect("open turdb");
        db.execute_batch(CREATE_T).expect("create t");
        TurdbSql { db }
    }

    /// Inserts every row of `t` in one transaction through one prepared
    /// statement, and commits.
    pub fn load(&mut self, data: &SqlData) {
        let tx = self.db.transaction().expect("begin");
        {
            let mut stmt = tx.prepare(INSERT_T).expect("prepare insert");
            for i in 0..data.n {
                let (id, a, g, b, c) = data.row(i);
                stmt.execute(params![id, a, g, b, c]).expect("insert");
            }
        }
        tx.commit().expect("commit");
    }

    /// Creates the index on `a` and loads `u`.
    pub fn add_index_and_join_table(&mut self, data: &SqlData) {
        self.db
            .execute_batch(
                "CREATE INDEX t_a ON t(a);
                 CREATE TABLE u(id INTEGER PRIMARY KEY, tid INTEGER, x INTEGER);",
            )
            .expect("index and u");
        let tx = self.db.transaction().expect("begin");
        {
            let mut stmt = tx
                .prepare("INSERT INTO u VALUES (?1, ?2, ?3)")
                .expect("prepare");
            for j in 0..data.n / 10 {
                let (id, tid, x) = data.u_row(j);
                stmt.execute(params![id, tid, x]).expect("insert u");
            }
        }
        tx.commit().expect("commit");
    }

    /// Runs a prepared one-parameter query and reads every column of every
    /// row; returns the number of rows.
    #[inline]
    pub fn lookup(stmt: &mut turdb::Statement<'_>, k: i64) -> usize {
        let mut rows = stmt.query(params![k]).expect("query");
        let mut n = 0;
        while let Some(row) = rows.next().expect("next") {
            for i in 0..row.len() {
                black_box(row.get_ref(i).expect("column"));
            }
            n += 1;
        }
        n
    }

    fn sum_rows(&mut self, sql: &str, cols: usize) -> (i64, f64) {
        let mut stmt = self.db.prepare(sql).expect("prepare");
        let mut rows = stmt.query(()).expect("query");
        let (mut n, mut sum) = (0i64, 0.0f64);
        while let Some(row) = rows.next().expect("next") {
            n += 1;
            for i in 0..cols {
                sum += match row.get_ref(i).expect("column") {
                    turdb::ValueRef::Integer(v) => v as f64,
                    turdb::ValueRef::Real(v) => v,
                    other => {
                        black_box(other);
                        0.0
                    }
                };
            }
        }
        (n, sum)
    }

    /// [`FILTER_SQL`]: rows returned and the sum of their columns.
    pub fn filtered_scan(&mut self) -> (i64, f64) {
        self.sum_rows(FILTER_SQL, 3)
    }

    /// [`GROUP_SQL`]: groups and the sum of their columns.
    pub fn group_by(&mut self) -> (i64, f64) {
        self.sum_rows(GROUP_SQL, 4)
    }

    /// [`JOIN_SQL`]: its one row's two columns summed.
    pub fn join(&mut self) -> (i64, f64) {
        self.sum_rows(JOIN_SQL, 2)
    }
}

/// SQLite through rusqlite.
#[derive(Debug)]
pub struct SqliteSql {
    /// The connection.
    pub conn: Connection,
}

impl SqliteSql {
    /// A fresh `:memory:` database holding the empty table `t`.
    pub fn open() -> SqliteSql {
        let conn = Connection::open_in_memory().expect("open sqlite");
        conn.execute_batch(&format!(
            "PRAGMA cache_size=-{SQLITE_CACHE_KIB};\n{CREATE_T};"
        ))
        .expect("create t");
        SqliteSql { conn }
    }

    /// Inserts every row of `t` in one transaction through one prepared
    /// statement, and commits.
    pub fn load(&mut self, data: &SqlData) {
        let tx = self.conn.transaction().expect("begin");
        {
            let mut stmt = tx.prepare(INSERT_T).expect("prepare insert");
            for i in 0..data.n {
                let (id, a, g, b, c) = data.row(i);
                stmt.execute(rusqlite::params![id, a, g, b, c])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }

    /// Creates the index on `a` and loads `u`.
    pub fn add_index_and_join_table(&mut self, data: &SqlData) {
        self.conn
            .execute_batch(
                "CREATE INDEX t_a ON t(a);
                 CREATE TABLE u(id INTEGER PRIMARY KEY, tid INTEGER, x INTEGER);",
            )
            .expect("index and u");
        let tx = self.conn.transaction().expect("begin");
        {
            let mut stmt = tx
                .prepare("INSERT INTO u VALUES (?1, ?2, ?3)")
                .expect("prepare");
            for j in 0..data.n / 10 {
                let (id, tid, x) = data.u_row(j);
                stmt.execute(rusqlite::params![id, tid, x])
                    .expect("insert u");
            }
        }
        tx.commit().expect("commit");
    }

    /// Runs a prepared one-parameter query and reads every column of every
    /// row; returns the number of rows.
    #[inline]
    pub fn lookup(stmt: &mut rusqlite::CachedStatement<'_>, k: i64) -> usize {
        let cols = stmt.column_count();
        let mut rows = stmt.query([k]).expect("query");
        let mut n = 0;
        while let Some(row) = rows.next().expect("next") {
            for i in 0..cols {
                black_box(row.get_ref(i).expect("column"));
            }
            n += 1;
        }
        n
    }

    fn sum_rows(&mut self, sql: &str, cols: usize) -> (i64, f64) {
        let mut stmt = self.conn.prepare_cached(sql).expect("prepare");
        let mut rows = stmt.query([]).expect("query");
        let (mut n, mut sum) = (0i64, 0.0f64);
        while let Some(row) = rows.next().expect("next") {
            n += 1;
            for i in 0..cols {
                sum += match row.get_ref(i).expect("column") {
                    rusqlite::types::ValueRef::Integer(v) => v as f64,
                    rusqlite::types::ValueRef::Real(v) => v,
                    other => {
                        black_box(other);
                        0.0
                    }
                };
            }
        }
        (n, sum)
    }

    /// [`FILTER_SQL`]: rows returned and the sum of their columns.
    pub fn filtered_scan(&mut self) -> (i64, f64) {
        self.sum_rows(FILTER_SQL, 3)
    }

    /// [`GROUP_SQL`]: groups and the sum of their columns.
    pub fn group_by(&mut self) -> (i64, f64) {
        self.sum_rows(GROUP_SQL, 4)
    }

    /// [`JOIN_SQL`]: its one row's two columns summed.
    pub fn join(&mut self) -> (i64, f64) {
        self.sum_rows(JOIN_SQL, 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_answer_the_same() {
        let data = SqlData::new(2000);
        let mut t = TurdbSql::open();
        let mut s = SqliteSql::open();
        t.load(&data);
        s.load(&data);
        t.add_index_and_join_table(&data);
        s.add_index_and_join_table(&data);
        assert!(same_answer(t.filtered_scan(), s.filtered_scan()));
        assert!(same_answer(t.group_by(), s.group_by()));
        assert!(same_answer(t.join(), s.join()));
        let mut ts = t.db.prepare(POINT_SQL).unwrap();
        let mut ss = s.conn.prepare_cached(POINT_SQL).unwrap();
        assert_eq!(TurdbSql::lookup(&mut ts, 1234), 1);
        assert_eq!(SqliteSql::lookup(&mut ss, 1234), 1);
        let mut ti = t.db.prepare(INDEX_SQL).unwrap();
        let mut si = s.conn.prepare_cached(INDEX_SQL).unwrap();
        let a = a_of(77, 2000);
        assert_eq!(TurdbSql::lookup(&mut ti, a), SqliteSql::lookup(&mut si, a));
    }
}
