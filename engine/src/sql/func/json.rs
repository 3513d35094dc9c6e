//! JSON functions over JSON text, as SQLite's JSON1: `json`, `json_valid`,
//! `json_extract`, `->`, `->>`, `json_type`, `json_array`, `json_object`,
//! `json_array_length`, `json_set` / `json_insert` / `json_replace`,
//! `json_remove`, `json_quote`, and the rows of `json_each` / `json_tree`.
//!
//! Values are parsed into a small tree ([`Json`]) with a depth limit, so
//! hostile nesting is an error rather than a stack overflow. Numbers keep
//! their source text, so `json()` does not reformat `1.50`. Text arguments
//! to `json_array` / `json_object` / `json_set` become JSON strings unless
//! they are the direct result of another JSON function — which a plain
//! value cannot tell apart, so TurDB treats text that parses as a JSON
//! array or object as JSON (SQLite uses a subtype bit for this).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::encoding::Value;
use crate::sql::ops::to_text;
use crate::{Result, err};

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 1000;

/// Column names of `json_each` / `json_tree`.
pub const EACH_COLUMNS: [&str; 8] = [
    "key", "value", "type", "atom", "id", "parent", "fullkey", "path",
];

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    /// The number's source text.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

struct P<'a> {
    b: &'a [u8],
    i: usize,
}

fn malformed() -> crate::Error {
    err!(InvalidArgument, "malformed JSON")
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json> {
        if depth > MAX_DEPTH {
            return Err(err!(
                TooBig,
                "JSON nested too deeply (at most {MAX_DEPTH} levels)"
            ));
        }
        self.ws();
        let c = *self.b.get(self.i).ok_or_else(malformed)?;
        match c {
            b'{' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(v));
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.string()? else {
                        return Err(malformed());
                    };
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(malformed());
                    }
                    self.i += 1;
                    let x = self.value(depth + 1)?;
                    v.push((k, x));
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(v));
                        }
                        _ => return Err(malformed()),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(v));
                }
                loop {
                    v.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(v));
                        }
                        _ => return Err(malformed()),
                    }
                }
            }
            b'"' => self.string(),
            b't' if self.b[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            b'f' if self.b[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            b'n' if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            b'-' | b'0'..=b'9' => {
                let s = self.i;
                if self.b[self.i] == b'-' {
                    self.i += 1;
                }
                let d = self.i;
                while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                if self.i == d {
                    return Err(malformed());
                }
                if self.b.get(self.i) == Some(&b'.') {
                    self.i += 1;
                    let f = self.i;
                    while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    if self.i == f {
                        return Err(malformed());
                    }
                }
                if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
                    self.i += 1;
                    if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                        self.i += 1;
                    }
                    let e = self.i;
                    while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    if self.i == e {
                        return Err(malformed());
                    }
                }
                Ok(Json::Num(
                    String::from_utf8_lossy(&self.b[s..self.i]).into_owned(),
                ))
            }
            _ => Err(malformed()),
        }
    }

    fn string(&mut self) -> Result<Json> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err(malformed());
        }
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.b.get(self.i).ok_or_else(malformed)?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = *self.b.get(self.i).ok_or_else(malformed)?;
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(malformed()),
                    }
                }
                c if c < 0x20 => return Err(malformed()),
                c => out.push(c),
            }
        }
        Ok(Json::Str(String::from_utf8(out).map_err(|_| malformed())?))
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self.b.get(self.i..self.i + 4).ok_or_else(malformed)?;
        self.i += 4;
        let s = core::str::from_utf8(h).map_err(|_| malformed())?;
        u32::from_str_radix(s, 16).map_err(|_| malformed())
    }
}

fn parse(text: &str) -> Result<Json> {
    let mut p = P {
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(malformed());
    }
    Ok(v)
}

fn quote_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&alloc::format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(j: &Json, out: &mut String) {
    match j {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => quote_str(s, out),
        Json::Arr(v) => {
            out.push('[');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        Json::Obj(v) => {
            out.push('{');
            for (i, (k, x)) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote_str(k, out);
                out.push(':');
                write(x, out);
            }
            out.push('}');
        }
    }
}

fn text(j: &Json) -> String {
    let mut s = String::new();
    write(j, &mut s);
    s
}

/// The SQL value of a JSON element: scalars as SQL values, containers as
/// JSON text.
fn sql_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Num(n) => {
            if let Ok(i) = n.parse::<i64>() {
                Value::Integer(i)
            } else {
                Value::Real(n.parse::<f64>().unwrap_or(0.0))
            }
        }
        Json::Str(s) => Value::Text(s.clone()),
        other => Value::Text(text(other)),
    }
}

fn type_name(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(true) => "true",
        Json::Bool(false) => "false",
        Json::Num(n) => {
            if n.parse::<i64>().is_ok() {
                "integer"
            } else {
                "real"
            }
        }
        Json::Str(_) => "text",
        Json::Arr(_) => "array",
        Json::Obj(_) => "object",
    }
}

/// A SQL value as JSON: NULL, numbers, text as a string (or as JSON when it
/// is a JSON array or object), blobs are an error.
fn from_sql(v: &Value) -> Result<Json> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Integer(i) => Json::Num(i.to_string()),
        Value::Real(f) => {
            if f.is_finite() {
                Json::Num(to_text(v).unwrap_or_default())
            } else {
                Json::Null
            }
        }
        Value::Text(s) => {
            let t = s.trim_start();
            if (t.starts_with('[') || t.starts_with('{'))
                && let Ok(j) = parse(s)
            {
                return Ok(j);
            }
            Json::Str(s.clone())
        }
        Value::Blob(_) => return Err(err!(Type, "JSON cannot hold BLOB values")),
    })
}

fn json_arg(v: &Value) -> Result<Option<Json>> {
    match v {
        Value::Null => Ok(None),
        Value::Blob(_) => Err(malformed()),
        other => parse(&to_text(other).unwrap_or_default()).map(Some),
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
    /// `[#-N]`: N from the end (0 = append position).
    FromEnd(usize),
}

fn parse_path(p: &str) -> Result<Vec<Step>> {
    let bad = || err!(InvalidArgument, "bad JSON path: '{p}'");
    let b = p.as_bytes();
    if b.first() != Some(&b'$') {
        return Err(bad());
    }
    let mut i = 1;
    let mut steps = Vec::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                if b.get(i) == Some(&b'"') {
                    let s = i + 1;
                    let e = p[s..].find('"').ok_or_else(bad)? + s;
                    steps.push(Step::Key(p[s..e].to_string()));
                    i = e + 1;
                } else {
                    let s = i;
                    while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                        i += 1;
                    }
                    if i == s {
                        return Err(bad());
                    }
                    steps.push(Step::Key(p[s..i].to_string()));
                }
            }
            b'[' => {
                let e = p[i..].find(']').ok_or_else(bad)? + i;
                let inner = p[i + 1..e].trim();
                if let Some(n) = inner.strip_prefix('#') {
                    let n = n.trim();
                    let k = if n.is_empty() {
                        0
                    } else {
                        n.strip_prefix('-')
                            .and_then(|x| x.trim().parse::<usize>().ok())
                            .ok_or_else(bad)?
                    };
                    steps.push(Step::FromEnd(k));
                } else {
                    steps.push(Step::Index(inner.parse::<usize>().map_err(|_| bad())?));
                }
                i = e + 1;
            }
            _ => return Err(bad()),
        }
    }
    Ok(steps)
}

fn lookup<'a>(mut j: &'a Json, steps: &[Step]) -> Option<&'a Json> {
    for s in steps {
        j = match (s, j) {
            (Step::Key(k), Json::Obj(v)) => &v.iter().find(|(kk, _)| kk == k)?.1,
            (Step::Index(n), Json::Arr(v)) => v.get(*n)?,
            (Step::FromEnd(n), Json::Arr(v)) => v.get(v.len().checked_sub(*n)?)?,
            _ => return None,
        };
    }
    Some(j)
}

#[derive(Clone, Copy, PartialEq)]
enum SetMode {
    Set,
    Insert,
    Replace,
}

/// Applies one path assignment; returns whether anything changed.
fn assign(j: &mut Json, steps: &[Step], val: Json, mode: SetMode) -> bool {
    let Some((last, init)) = steps.split_last() else {
        if mode != SetMode::Insert {
            *j = val;
            return true;
        }
        return false;
    };
    let mut cur = j;
    for s in init {
        let next = match (s, cur) {
            (Step::Key(k), Json::Obj(v)) => match v.iter().position(|(kk, _)| kk == k) {
                Some(p) => &mut v[p].1,
                None => return false,
            },
            (Step::Index(n), Json::Arr(v)) => match v.get_mut(*n) {
                Some(x) => x,
                None => return false,
            },
            (Step::FromEnd(n), Json::Arr(v)) => {
                let Some(p) = v.len().checked_sub(*n) else {
                    return false;
                };
                match v.get_mut(p) {
                    Some(x) => x,
                    None => return false,
                }
            }
            _ => return false,
        };
        cur = next;
    }
    match (last, cur) {
        (Step::Key(k), Json::Obj(v)) => match v.iter().position(|(kk, _)| kk == k) {
            Some(p) if mode != SetMode::Insert => {
                v[p].1 = val;
                true
            }
            None if mode != SetMode::Replace => {
                v.push((k.clone(), val));
                true
            }
            _ => false,
        },
        (Step::Index(n), Json::Arr(v)) => set_index(v, *n, val, mode),
        (Step::FromEnd(n), Json::Arr(v)) => match v.len().checked_sub(*n) {
            Some(p) => set_index(v, p, val, mode),
            None => false,
        },
        _ => false,
    }
}

fn set_index(v: &mut Vec<Json>, n: usize, val: Json, mode: SetMode) -> bool {
    if n < v.len() {
        if mode != SetMode::Insert {
            v[n] = val;
            return true;
        }
        false
    } else if n == v.len() && mode != SetMode::Replace {
        v.push(val);
        true
    } else {
        false
    }
}

fn remove(j: &mut Json, steps: &[Step]) {
    let Some((last, init)) = steps.split_last() else {
        return;
    };
    let mut cur = j;
    for s in init {
        let next = match (s, cur) {
            (Step::Key(k), Json::Obj(v)) => match v.iter().position(|(kk, _)| kk == k) {
                Some(p) => &mut v[p].1,
                None => return,
            },
            (Step::Index(n), Json::Arr(v)) => match v.get_mut(*n) {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
        cur = next;
    }
    match (last, cur) {
        (Step::Key(k), Json::Obj(v)) => v.retain(|(kk, _)| kk != k),
        (Step::Index(n), Json::Arr(v)) if *n < v.len() => {
            v.remove(*n);
        }
        (Step::FromEnd(n), Json::Arr(v)) => {
            if let Some(p) = v.len().checked_sub(*n)
                && p < v.len()
            {
                v.remove(p);
            }
        }
        _ => {}
    }
}

fn path_arg(v: &Value) -> Result<Vec<Step>> {
    parse_path(&to_text(v).ok_or_else(|| err!(InvalidArgument, "JSON path is NULL"))?)
}

/// The path of `->` / `->>`: a `$` path, or a bare key or array index.
fn arrow_path(v: &Value) -> Result<Vec<Step>> {
    match v {
        Value::Integer(i) if *i >= 0 => Ok(alloc::vec![Step::Index(*i as usize)]),
        Value::Integer(i) => Ok(alloc::vec![Step::FromEnd(i.unsigned_abs() as usize)]),
        other => {
            let s = to_text(other).unwrap_or_default();
            if s.starts_with('$') {
                parse_path(&s)
            } else {
                Ok(alloc::vec![Step::Key(s)])
            }
        }
    }
}

/// `json -> path`: the element as JSON text (NULL when absent).
pub fn arrow(json: &Value, path: &Value) -> Result<Value> {
    let Some(j) = json_arg(json)? else {
        return Ok(Value::Null);
    };
    if path.is_null() {
        return Ok(Value::Null);
    }
    Ok(lookup(&j, &arrow_path(path)?).map_or(Value::Null, |x| Value::Text(text(x))))
}

/// `json ->> path`: the element as a SQL value.
pub fn arrow2(json: &Value, path: &Value) -> Result<Value> {
    let Some(j) = json_arg(json)? else {
        return Ok(Value::Null);
    };
    if path.is_null() {
        return Ok(Value::Null);
    }
    Ok(lookup(&j, &arrow_path(path)?).map_or(Value::Null, sql_value))
}

/// Calls the JSON function `name` (lower case); None when unknown.
pub fn call(name: &str, a: &[Value]) -> Option<Result<Value>> {
    let n = a.len();
    Some(match (name, n) {
        ("json", 1) => json_arg(&a[0]).map(|j| j.map_or(Value::Null, |j| Value::Text(text(&j)))),
        ("json_valid", 1) => Ok(match &a[0] {
            Value::Null => Value::Null,
            Value::Blob(_) => Value::Integer(0),
            v => Value::Integer(i64::from(parse(&to_text(v).unwrap_or_default()).is_ok())),
        }),
        ("json_quote", 1) => from_sql(&a[0]).map(|j| match (&a[0], j) {
            (Value::Text(s), _) => {
                let mut o = String::new();
                quote_str(s, &mut o);
                Value::Text(o)
            }
            (_, j) => Value::Text(text(&j)),
        }),
        ("json_array", _) => (|| {
            let mut v = Vec::new();
            for x in a {
                v.push(from_sql(x)?);
            }
            Ok(Value::Text(text(&Json::Arr(v))))
        })(),
        ("json_object", _) => (|| {
            if n % 2 != 0 {
                return Err(err!(
                    InvalidArgument,
                    "json_object() requires an even number of arguments"
                ));
            }
            let mut v: Vec<(String, Json)> = Vec::new();
            for pair in a.chunks(2) {
                let Value::Text(k) = &pair[0] else {
                    return Err(err!(InvalidArgument, "json_object() labels must be TEXT"));
                };
                let x = from_sql(&pair[1])?;
                match v.iter_mut().find(|(kk, _)| kk == k) {
                    Some(e) => e.1 = x,
                    None => v.push((k.clone(), x)),
                }
            }
            Ok(Value::Text(text(&Json::Obj(v))))
        })(),
        ("json_extract", _) if n >= 2 => (|| {
            let Some(j) = json_arg(&a[0])? else {
                return Ok(Value::Null);
            };
            if n == 2 {
                if a[1].is_null() {
                    return Ok(Value::Null);
                }
                return Ok(lookup(&j, &path_arg(&a[1])?).map_or(Value::Null, sql_value));
            }
            let mut out = Vec::new();
            for p in &a[1..] {
                out.push(lookup(&j, &path_arg(p)?).cloned().unwrap_or(Json::Null));
            }
            Ok(Value::Text(text(&Json::Arr(out))))
        })(),
        ("json_type", 1 | 2) => (|| {
            let Some(j) = json_arg(&a[0])? else {
                return Ok(Value::Null);
            };
            let steps = if n == 2 { path_arg(&a[1])? } else { Vec::new() };
            Ok(lookup(&j, &steps).map_or(Value::Null, |x| Value::Text(type_name(x).into())))
        })(),
        ("json_array_length", 1 | 2) => (|| {
            let Some(j) = json_arg(&a[0])? else {
                return Ok(Value::Null);
            };
            let steps = if n == 2 { path_arg(&a[1])? } else { Vec::new() };
            Ok(match lookup(&j, &steps) {
                Some(Json::Arr(v)) => Value::Integer(v.len() as i64),
                Some(_) => Value::Integer(0),
                None => Value::Null,
            })
        })(),
        ("json_set" | "json_insert" | "json_replace", _) if n >= 1 && n % 2 == 1 => (|| {
            let Some(mut j) = json_arg(&a[0])? else {
                return Ok(Value::Null);
            };
            let mode = match name {
                "json_set" => SetMode::Set,
                "json_insert" => SetMode::Insert,
                _ => SetMode::Replace,
            };
            for pair in a[1..].chunks(2) {
                let steps = path_arg(&pair[0])?;
                assign(&mut j, &steps, from_sql(&pair[1])?, mode);
            }
            Ok(Value::Text(text(&j)))
        })(),
        ("json_remove", _) if n >= 1 => (|| {
            let Some(mut j) = json_arg(&a[0])? else {
                return Ok(Value::Null);
            };
            for p in &a[1..] {
                remove(&mut j, &path_arg(p)?);
            }
            Ok(Value::Text(text(&j)))
        })(),
        _ => return None,
    })
}

/// The rows of `json_each(json[, path])` (`recursive`: `json_tree`), in
/// the column order of [`EACH_COLUMNS`].
pub fn each(json: &Value, path: Option<&Value>, recursive: bool) -> Result<Vec<[Value; 8]>> {
    let Some(root) = json_arg(json)? else {
        return Ok(Vec::new());
    };
    let (steps, base) = match path {
        Some(p) if !p.is_null() => (path_arg(p)?, to_text(p).unwrap_or_default()),
        _ => (Vec::new(), "$".to_string()),
    };
    let Some(start) = lookup(&root, &steps) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut next_id = 0i64;
    // (element, key, parent id, fullkey of the element, path of its container)
    fn row(j: &Json, key: Value, id: i64, parent: Value, fullkey: &str, path: &str) -> [Value; 8] {
        let atom = match j {
            Json::Arr(_) | Json::Obj(_) => Value::Null,
            other => sql_value(other),
        };
        [
            key,
            sql_value(j),
            Value::Text(type_name(j).into()),
            atom,
            Value::Integer(id),
            parent,
            Value::Text(fullkey.into()),
            Value::Text(path.into()),
        ]
    }
    fn children<'j>(j: &'j Json, fullkey: &str) -> Vec<(Value, String, &'j Json)> {
        match j {
            Json::Arr(v) => v
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    (
                        Value::Integer(i as i64),
                        alloc::format!("{fullkey}[{i}]"),
                        x,
                    )
                })
                .collect(),
            Json::Obj(v) => v
                .iter()
                .map(|(k, x)| {
                    let needs_quote = !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    let fk = if needs_quote {
                        alloc::format!("{fullkey}.\"{k}\"")
                    } else {
                        alloc::format!("{fullkey}.{k}")
                    };
                    (Value::Text(k.clone()), fk, x)
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    if recursive {
        // Depth-first, the root element first.
        let mut stack: Vec<(&Json, Value, Value, String, String)> = alloc::vec![(
            start,
            Value::Null,
            Value::Null,
            base.clone(),
            "$".to_string()
        )];
        if !steps.is_empty() {
            // The root row's path is its container's path.
            let cut = base.rfind(['.', '[']).unwrap_or(1);
            stack[0].4 = base[..cut.max(1)].to_string();
            stack[0].1 = match steps.last() {
                Some(Step::Key(k)) => Value::Text(k.clone()),
                Some(Step::Index(i)) => Value::Integer(*i as i64),
                _ => Value::Null,
            };
        }
        while let Some((j, key, parent, fullkey, path)) = stack.pop() {
            let id = next_id;
            next_id += 1;
            rows.push(row(j, key, id, parent, &fullkey, &path));
            let kids = children(j, &fullkey);
            for (k, fk, x) in kids.into_iter().rev() {
                stack.push((x, k, Value::Integer(id), fk, fullkey.clone()));
            }
        }
    } else {
        match start {
            Json::Arr(_) | Json::Obj(_) => {
                for (k, fk, x) in children(start, &base) {
                    next_id += 1;
                    rows.push(row(x, k, next_id, Value::Null, &fk, &base));
                }
            }
            scalar => rows.push(row(scalar, Value::Null, 0, Value::Null, &base, &base)),
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn c(name: &str, a: &[Value]) -> Value {
        call(name, a).unwrap().unwrap()
    }

    #[test]
    fn extract_and_arrows() {
        let doc = t(r#"{"a":1,"b":[1,2,{"c":"x"}],"d":null,"e":1.50}"#);
        assert_eq!(c("json_extract", &[doc.clone(), t("$.b[2].c")]), t("x"));
        assert_eq!(c("json_extract", &[doc.clone(), t("$.b[#-1].c")]), t("x"));
        assert_eq!(
            c("json_extract", &[doc.clone(), t("$.a")]),
            Value::Integer(1)
        );
        assert_eq!(c("json_extract", &[doc.clone(), t("$.nope")]), Value::Null);
        assert_eq!(
            c("json_extract", &[doc.clone(), t("$.a"), t("$.d")]),
            t("[1,null]")
        );
        assert_eq!(arrow(&doc, &t("$.b")).unwrap(), t(r#"[1,2,{"c":"x"}]"#));
        assert_eq!(arrow2(&doc, &t("a")).unwrap(), Value::Integer(1));
        assert_eq!(arrow2(&doc, &t("$.e")).unwrap(), Value::Real(1.5));
        assert_eq!(c("json", &[t(" [1, 1.50 , \"x\"] ")]), t("[1,1.50,\"x\"]"));
        assert!(call("json", &[t("{bad")]).unwrap().is_err());
        assert_eq!(c("json_valid", &[t("{bad")]), Value::Integer(0));
        assert_eq!(c("json_type", &[doc.clone(), t("$.b")]), t("array"));
        assert_eq!(c("json_array_length", &[doc, t("$.b")]), Value::Integer(3));
    }

    #[test]
    fn build_and_modify() {
        assert_eq!(
            c(
                "json_object",
                &[t("k"), Value::Integer(1), t("l"), t("[1,2]")]
            ),
            t(r#"{"k":1,"l":[1,2]}"#)
        );
        assert_eq!(
            c("json_array", &[Value::Integer(1), t("x"), Value::Null]),
            t(r#"[1,"x",null]"#)
        );
        let d = t(r#"{"a":1,"b":[1,2]}"#);
        assert_eq!(
            c(
                "json_set",
                &[d.clone(), t("$.a"), Value::Integer(5), t("$.c"), t("new")]
            ),
            t(r#"{"a":5,"b":[1,2],"c":"new"}"#)
        );
        assert_eq!(
            c(
                "json_insert",
                &[
                    d.clone(),
                    t("$.a"),
                    Value::Integer(5),
                    t("$.b[#]"),
                    Value::Integer(3)
                ]
            ),
            t(r#"{"a":1,"b":[1,2,3]}"#)
        );
        assert_eq!(
            c(
                "json_replace",
                &[
                    d.clone(),
                    t("$.a"),
                    Value::Integer(5),
                    t("$.z"),
                    Value::Integer(1)
                ]
            ),
            t(r#"{"a":5,"b":[1,2]}"#)
        );
        assert_eq!(
            c("json_remove", &[d, t("$.b[0]"), t("$.a")]),
            t(r#"{"b":[2]}"#)
        );
    }

    #[test]
    fn each_and_tree() {
        let rows = each(&t(r#"{"a":1,"b":[2,3]}"#), None, false).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], t("a"));
        assert_eq!(rows[1][2], t("array"));
        assert_eq!(rows[1][6], t("$.b"));
        let tree = each(&t(r#"{"a":1,"b":[2,3]}"#), None, true).unwrap();
        assert_eq!(tree.len(), 5);
        assert_eq!(tree[3][6], t("$.b[0]"));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let s = "[".repeat(100_000);
        assert!(call("json", &[Value::Text(s)]).unwrap().is_err());
    }
}
