//! Shared helpers for TurDB's cross-layer tests (`tests/tests/*.rs`).

pub mod golden;
pub mod slt;

use turdb::env::TestEnv;
use turdb::{Database, Value};

/// A repeatable Env: fixed clock, seeded randomness.
pub fn test_env() -> TestEnv {
    TestEnv::new(0x7572_6462)
}

/// Number of proptest cases for the model-based tests: `TURDB_MODEL_CASES`
/// or 100.
pub fn model_cases() -> u32 {
    std::env::var("TURDB_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// `len` bytes derived from `seed` (cheap to generate, distinct per seed and
/// position, so a value stored in the wrong place or truncated shows).
pub fn value_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(0x9E37_79B9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// An INTEGER value (short, for expected rows).
pub fn i(v: i64) -> Value {
    Value::Integer(v)
}

/// A TEXT value (short, for expected rows).
pub fn t(s: &str) -> Value {
    Value::Text(s.into())
}

/// The rows of `sql` (panics on an error: for statements a test expects to
/// work).
pub fn rows(db: &Database, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    collect_rows(&mut stmt, ())
}

/// The rows of a prepared statement run with `params` (panics on an error).
pub fn collect_rows<P: turdb::Params>(
    stmt: &mut turdb::Statement<'_>,
    params: P,
) -> Vec<Vec<Value>> {
    let mut rows = stmt.query(params).unwrap_or_else(|e| panic!("query: {e}"));
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap_or_else(|e| panic!("next row: {e}")) {
        out.push(r.values().to_vec());
    }
    out
}

/// A value as the `turdb` shell and `sqlite3` print it (NULL empty).
pub fn render(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(x) => turdb::sql::ops::real_to_text(*x),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// The rows of `sql`, each rendered as `a|b|c`.
pub fn text_rows(db: &Database, sql: &str) -> Vec<String> {
    rows(db, sql)
        .iter()
        .map(|r| r.iter().map(render).collect::<Vec<_>>().join("|"))
        .collect()
}
