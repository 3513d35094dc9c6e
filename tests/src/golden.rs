//! Golden SQL scripts: readable files of statements, each followed by the
//! output it must produce (in the style of toydb's goldenscripts).
//!
//! ```text
//! -- A comment: kept as written.
//! CREATE TABLE t(a INTEGER PRIMARY KEY, b);
//! INSERT INTO t VALUES (1, 'x'), (2, NULL);
//! SELECT a, b FROM t;
//! > 1|x
//! > 2|NULL
//! SELECT nope FROM t;
//! > Error: no such column: nope at 1:8
//! -- params: 2
//! SELECT b IS NULL FROM t WHERE a = ?;
//! > 1
//! ```
//!
//! A statement is SQL up to the `;` that completes it (so a CREATE TRIGGER
//! spans lines); the lines starting with `> ` after it are its output: one
//! line per row, values joined by `|` (NULL as `NULL`, reals as SQLite
//! prints them, blobs as `X'..'`, a line break in text as `\n`), or
//! `Error: <message>`. A statement with
//! no rows has no output lines. Directives are comments before a
//! statement:
//!
//! - `-- params: 1, 'a', NULL` binds positional values (any SQL literals),
//!   `-- params: :a=1, @b='x'` binds by name;
//! - `-- sqlite: differs <why>` marks a statement whose output TurDB
//!   deliberately makes differ from SQLite's; `-- sqlite: skip file <why>`
//!   at the top marks a file of TurDB-only features. Everything else is
//!   also run against SQLite (`tests/tests/golden.rs`), which must print
//!   the same, up to the ` at line:column` TurDB adds to error messages.
//!
//! `UPDATE_GOLDEN=1 cargo test -p turdb-tests --test golden` rewrites the
//! expected output from what TurDB prints; review the diff before
//! committing it.

use std::fmt::Write as _;

use turdb::{Bindings, Database, Value};

/// One part of a script.
#[derive(Debug, Clone)]
pub enum Item {
    /// Comments and blank lines, kept verbatim.
    Text(String),
    Stmt(Stmt),
}

#[derive(Debug, Clone)]
pub struct Stmt {
    /// 1-based line where the statement starts.
    pub line: usize,
    /// The directive lines before it (`-- params:`, `-- sqlite:`).
    pub params: Option<String>,
    pub sqlite_differs: bool,
    pub sql: String,
    pub expected: Vec<String>,
}

/// A parsed script.
#[derive(Debug, Clone)]
pub struct Script {
    pub items: Vec<Item>,
    /// `-- sqlite: skip file`: TurDB-only features.
    pub sqlite_skip: bool,
}

/// Parses a golden script.
pub fn parse(text: &str) -> Result<Script, String> {
    let mut items = Vec::new();
    let mut pending: Option<Stmt> = None;
    let mut params = None;
    let mut differs = false;
    let mut sqlite_skip = false;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if let Some(out) = line
            .strip_prefix("> ")
            .or(if line == ">" { Some("") } else { None })
        {
            match &mut pending {
                Some(s) => s.expected.push(out.to_string()),
                None => return Err(format!("line {}: output without a statement", i + 1)),
            }
            continue;
        }
        if let Some(s) = pending.take() {
            items.push(Item::Stmt(s));
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            if let Some(p) = trimmed.strip_prefix("-- params:") {
                params = Some(p.trim().to_string());
            } else if let Some(d) = trimmed.strip_prefix("-- sqlite:") {
                let d = d.trim();
                if d.starts_with("skip file") {
                    sqlite_skip = true;
                } else if d.starts_with("differs") {
                    differs = true;
                } else {
                    return Err(format!("line {}: unknown directive {trimmed}", i + 1));
                }
            }
            items.push(Item::Text(line.to_string()));
            continue;
        }
        let mut sql = line.to_string();
        while !turdb::sql::lexer::is_complete(&sql) {
            match lines.next() {
                Some((_, l)) => {
                    sql.push('\n');
                    sql.push_str(l);
                }
                None => return Err(format!("line {}: statement without an end", i + 1)),
            }
        }
        pending = Some(Stmt {
            line: i + 1,
            params: params.take(),
            sqlite_differs: std::mem::take(&mut differs),
            sql,
            expected: Vec::new(),
        });
    }
    if let Some(s) = pending {
        items.push(Item::Stmt(s));
    }
    Ok(Script { items, sqlite_skip })
}

/// A database a script runs against.
pub trait GoldenEngine {
    /// The output lines of one statement (rows, or one `Error: ...`).
    fn run(&mut self, sql: &str, params: &Bindings) -> Vec<String>;
}

/// A value as golden output shows it.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(x) => turdb::sql::ops::real_to_text(*x),
        // One output line per row: line breaks show as \n.
        Value::Text(s) => s.replace('\\', "\\\\").replace('\n', "\\n"),
        Value::Blob(b) => {
            let mut s = String::from("X'");
            for x in b {
                let _ = write!(s, "{x:02X}");
            }
            s.push('\'');
            s
        }
    }
}

fn row_line(vals: &[Value]) -> String {
    vals.iter().map(show).collect::<Vec<_>>().join("|")
}

/// The values of a `-- params:` line, evaluated as SQL literals.
pub fn bindings(spec: Option<&str>) -> Result<Bindings, String> {
    let Some(spec) = spec else {
        return Ok(Bindings::Positional(Vec::new()));
    };
    let scratch = Database::open_in_memory().map_err(|e| e.to_string())?;
    let eval = |list: &str| -> Result<Vec<Value>, String> {
        let mut stmt = scratch
            .prepare(&format!("SELECT {list}"))
            .map_err(|e| format!("params {spec}: {e}"))?;
        let mut rows = stmt.query(()).map_err(|e| e.to_string())?;
        let row = rows.next().map_err(|e| e.to_string())?.ok_or("no row")?;
        Ok(row.values().to_vec())
    };
    let named = spec.starts_with([':', '@', '$']) && spec.contains('=');
    if !named {
        return Ok(Bindings::Positional(eval(spec)?));
    }
    // `:a=1, @b='x'`: names up to `=`, values as one SELECT list.
    let mut names = Vec::new();
    let mut exprs = Vec::new();
    for part in split_top_level(spec) {
        let (n, e) = part
            .split_once('=')
            .ok_or_else(|| format!("params {spec}: {part} is not name=value"))?;
        names.push(n.trim().to_string());
        exprs.push(e.trim().to_string());
    }
    let vals = eval(&exprs.join(", "))?;
    Ok(Bindings::Named(names.into_iter().zip(vals).collect()))
}

/// Splits at commas outside quotes and parentheses.
fn split_top_level(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quote) = (Vec::new(), String::new(), 0, None);
    for c in s.chars() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('(', None) => depth += 1,
            (')', None) => depth -= 1,
            (',', None) if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// TurDB: one in-memory database per script.
pub struct TurdbGolden {
    pub db: Database,
}

impl TurdbGolden {
    pub fn new() -> TurdbGolden {
        TurdbGolden {
            db: Database::open_in_memory().expect("open an in-memory database"),
        }
    }
}

impl Default for TurdbGolden {
    fn default() -> Self {
        Self::new()
    }
}

impl GoldenEngine for TurdbGolden {
    fn run(&mut self, sql: &str, params: &Bindings) -> Vec<String> {
        let mut out = Vec::new();
        let r = (|| -> turdb::Result<()> {
            let mut stmt = self.db.prepare(sql)?;
            let mut rows = match params.clone() {
                Bindings::Positional(v) => stmt.query(v)?,
                Bindings::Named(v) => {
                    let refs: Vec<(&str, Value)> =
                        v.iter().map(|(n, x)| (n.as_str(), x.clone())).collect();
                    stmt.query(refs)?
                }
            };
            while let Some(r) = rows.next()? {
                out.push(row_line(r.values()));
            }
            Ok(())
        })();
        if let Err(e) = r {
            out.push(format!("Error: {e}"));
        }
        out
    }
}

/// SQLite (rusqlite's bundled build), to check that the expected output
/// is SQLite's.
pub struct SqliteGolden {
    conn: rusqlite::Connection,
}

impl SqliteGolden {
    pub fn new() -> SqliteGolden {
        SqliteGolden {
            conn: rusqlite::Connection::open_in_memory().expect("open SQLite"),
        }
    }
}

impl Default for SqliteGolden {
    fn default() -> Self {
        Self::new()
    }
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Integer(i) => V::Integer(*i),
        Value::Real(x) => V::Real(*x),
        Value::Text(s) => V::Text(s.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

impl GoldenEngine for SqliteGolden {
    fn run(&mut self, sql: &str, params: &Bindings) -> Vec<String> {
        use rusqlite::types::ValueRef;
        let mut out = Vec::new();
        let r = (|| -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(sql)?;
            match params {
                Bindings::Positional(v) => {
                    for (i, x) in v.iter().enumerate() {
                        stmt.raw_bind_parameter(i + 1, to_sqlite(x))?;
                    }
                }
                Bindings::Named(v) => {
                    for (n, x) in v {
                        let i = stmt
                            .parameter_index(n)?
                            .ok_or_else(|| rusqlite::Error::InvalidParameterName(n.clone()))?;
                        stmt.raw_bind_parameter(i, to_sqlite(x))?;
                    }
                }
            }
            let n = stmt.column_count();
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next()? {
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    vals.push(match row.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(i) => Value::Integer(i),
                        ValueRef::Real(x) => Value::Real(x),
                        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    });
                }
                out.push(row_line(&vals));
            }
            Ok(())
        })();
        if let Err(e) = r {
            let msg = match &e {
                rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
                rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
                other => other.to_string(),
            };
            out.push(format!("Error: {msg}"));
        }
        out
    }
}

/// A statement whose output differs from the expected one.
#[derive(Debug)]
pub struct Mismatch {
    pub line: usize,
    pub sql: String,
    pub expected: Vec<String>,
    pub got: Vec<String>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "line {}: {}", self.line, self.sql)?;
        writeln!(f, "  expected:")?;
        for l in &self.expected {
            writeln!(f, "    > {l}")?;
        }
        writeln!(f, "  got:")?;
        for l in &self.got {
            writeln!(f, "    > {l}")?;
        }
        Ok(())
    }
}

/// Runs `script`; returns the script re-rendered with the outputs `engine`
/// gave and the statements whose output differed. `compare` maps an
/// output line before comparing (identity for TurDB).
pub fn run(
    script: &Script,
    engine: &mut dyn GoldenEngine,
    skip: impl Fn(&Stmt) -> bool,
    compare: impl Fn(&str) -> String,
) -> (String, Vec<Mismatch>) {
    let mut text = String::new();
    let mut mismatches = Vec::new();
    for item in &script.items {
        match item {
            Item::Text(t) => {
                text.push_str(t);
                text.push('\n');
            }
            Item::Stmt(s) => {
                let got = match bindings(s.params.as_deref()) {
                    Ok(b) => engine.run(&s.sql, &b),
                    Err(e) => vec![format!("Error: {e}")],
                };
                text.push_str(&s.sql);
                text.push('\n');
                for l in &got {
                    text.push_str(if l.is_empty() { ">" } else { "> " });
                    text.push_str(l);
                    text.push('\n');
                }
                if skip(s) {
                    continue;
                }
                let want: Vec<String> = s.expected.iter().map(|l| compare(l)).collect();
                let have: Vec<String> = got.iter().map(|l| compare(l)).collect();
                if want != have {
                    mismatches.push(Mismatch {
                        line: s.line,
                        sql: s.sql.clone(),
                        expected: s.expected.clone(),
                        got,
                    });
                }
            }
        }
    }
    (text, mismatches)
}

/// An error line without the ` at line:column` TurDB adds (SQLite gives
/// no position).
pub fn without_position(line: &str) -> String {
    if !line.starts_with("Error:") {
        return line.to_string();
    }
    let b = line.as_bytes();
    // Strip a trailing " at N:M".
    if let Some(i) = line.rfind(" at ") {
        let tail = &line[i + 4..];
        if let Some((l, c)) = tail.split_once(':')
            && !l.is_empty()
            && !c.is_empty()
            && l.bytes().all(|x| x.is_ascii_digit())
            && c.bytes().all(|x| x.is_ascii_digit())
        {
            return String::from_utf8_lossy(&b[..i]).into_owned();
        }
    }
    line.to_string()
}
