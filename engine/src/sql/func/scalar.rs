//! SQLite's core scalar functions.
//!
//! Each takes evaluated arguments and returns a value; NULL in gives NULL
//! out unless SQLite says otherwise (`coalesce`, `ifnull`, `quote`,
//! `typeof`, ...). Lazy functions (`iif`, `coalesce`) are short-circuited by
//! the evaluator before they get here, so these versions only see values.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::encoding::{Collation, Value, ValueRef};
use crate::env::Env;
use crate::sql::ops::{self, to_f64, to_i64, to_numeric, to_text};
use crate::{Result, err};

fn text_arg(v: &Value) -> Option<String> {
    to_text(v)
}

fn any_null(args: &[Value]) -> bool {
    args.iter().any(Value::is_null)
}

/// Calls scalar function `name` (lower case): None when unknown.
pub fn call(name: &str, a: &[Value], env: &dyn Env) -> Option<Result<Value>> {
    let n = a.len();
    let r: Result<Value> = match (name, n) {
        ("abs", 1) => Ok(match to_numeric_keep(&a[0]) {
            Value::Integer(i) => match i.checked_abs() {
                Some(x) => Value::Integer(x),
                None => return Some(Err(err!(InvalidArgument, "integer overflow in abs()"))),
            },
            Value::Real(f) => Value::Real(f.abs()),
            other => other,
        }),
        ("round", 1 | 2) => {
            if any_null(a) {
                Ok(Value::Null)
            } else {
                let digits = if n == 2 {
                    to_i64(&a[1]).clamp(0, 30)
                } else {
                    0
                };
                Ok(Value::Real(round_like_sqlite(
                    to_f64(&a[0]),
                    digits as usize,
                )))
            }
        }
        ("length", 1) => Ok(match &a[0] {
            Value::Null => Value::Null,
            Value::Blob(b) => Value::Integer(b.len() as i64),
            Value::Text(s) => {
                Value::Integer(s.split('\0').next().unwrap_or("").chars().count() as i64)
            }
            other => Value::Integer(to_text(other).unwrap_or_default().chars().count() as i64),
        }),
        ("octet_length", 1) => Ok(match &a[0] {
            Value::Null => Value::Null,
            Value::Blob(b) => Value::Integer(b.len() as i64),
            other => Value::Integer(to_text(other).unwrap_or_default().len() as i64),
        }),
        ("substr" | "substring", 2 | 3) => Ok(substr(a)),
        ("upper", 1) => Ok(map_text(&a[0], |s| s.to_ascii_uppercase())),
        ("lower", 1) => Ok(map_text(&a[0], |s| s.to_ascii_lowercase())),
        ("trim" | "ltrim" | "rtrim", 1 | 2) => {
            if any_null(a) {
                Ok(Value::Null)
            } else {
                let s = text_arg(&a[0]).unwrap_or_default();
                let set: Vec<char> = if n == 2 {
                    text_arg(&a[1]).unwrap_or_default().chars().collect()
                } else {
                    alloc::vec![' ']
                };
                let f = |c: char| set.contains(&c);
                Ok(Value::Text(match name {
                    "trim" => s.trim_matches(f).to_string(),
                    "ltrim" => s.trim_start_matches(f).to_string(),
                    _ => s.trim_end_matches(f).to_string(),
                }))
            }
        }
        ("replace", 3) => {
            if any_null(a) {
                Ok(Value::Null)
            } else {
                let s = text_arg(&a[0]).unwrap_or_default();
                let from = text_arg(&a[1]).unwrap_or_default();
                let to = text_arg(&a[2]).unwrap_or_default();
                Ok(Value::Text(if from.is_empty() {
                    s
                } else {
                    s.replace(&from, &to)
                }))
            }
        }
        ("instr", 2) => {
            if any_null(a) {
                Ok(Value::Null)
            } else if let (Value::Blob(h), Value::Blob(nd)) = (&a[0], &a[1]) {
                Ok(Value::Integer(
                    find_bytes(h, nd).map_or(0, |p| p as i64 + 1),
                ))
            } else {
                let h = text_arg(&a[0]).unwrap_or_default();
                let nd = text_arg(&a[1]).unwrap_or_default();
                Ok(Value::Integer(match h.find(&nd) {
                    Some(p) => h[..p].chars().count() as i64 + 1,
                    None => 0,
                }))
            }
        }
        ("hex", 1) => {
            let bytes = match &a[0] {
                Value::Null => Vec::new(),
                Value::Blob(b) => b.clone(),
                other => to_text(other).unwrap_or_default().into_bytes(),
            };
            let mut s = String::new();
            for b in bytes {
                s.push_str(&alloc::format!("{b:02X}"));
            }
            Ok(Value::Text(s))
        }
        ("unhex", 1 | 2) => {
            if a[0].is_null() {
                Ok(Value::Null)
            } else {
                let s = text_arg(&a[0]).unwrap_or_default();
                let ignore = if n == 2 {
                    text_arg(&a[1]).unwrap_or_default()
                } else {
                    String::new()
                };
                let hex: String = s.chars().filter(|c| !ignore.contains(*c)).collect();
                if hex.len() % 2 != 0 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    Ok(Value::Null)
                } else {
                    Ok(Value::Blob(
                        (0..hex.len() / 2)
                            .map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).unwrap_or(0))
                            .collect(),
                    ))
                }
            }
        }
        ("quote", 1) => Ok(Value::Text(quote(&a[0]))),
        ("typeof", 1) => Ok(Value::Text(
            match &a[0] {
                Value::Null => "null",
                Value::Integer(_) => "integer",
                Value::Real(_) => "real",
                Value::Text(_) => "text",
                Value::Blob(_) => "blob",
            }
            .into(),
        )),
        ("printf" | "format", _) if n >= 1 => {
            if a[0].is_null() {
                Ok(Value::Null)
            } else {
                crate::sql::func::printf::format(&text_arg(&a[0]).unwrap_or_default(), &a[1..])
                    .map(Value::Text)
            }
        }
        ("char", _) => {
            let mut s = String::new();
            for v in a {
                if let Some(c) = char::from_u32(to_i64(v) as u32) {
                    s.push(c);
                }
            }
            Ok(Value::Text(s))
        }
        ("unicode", 1) => Ok(match text_arg(&a[0]) {
            Some(s) => s
                .chars()
                .next()
                .map_or(Value::Null, |c| Value::Integer(c as i64)),
            None => Value::Null,
        }),
        ("random", 0) => Ok(Value::Integer(env.random_u64() as i64)),
        ("randomblob", 1) => {
            let k = to_i64(&a[0]).max(1) as usize;
            let mut b = alloc::vec![0u8; k.min(1 << 30)];
            env.fill_random(&mut b);
            Ok(Value::Blob(b))
        }
        ("zeroblob", 1) => Ok(Value::Blob(
            alloc::vec![0u8; to_i64(&a[0]).clamp(0, 1 << 30) as usize],
        )),
        ("min" | "max", _) if n >= 2 => {
            if any_null(a) {
                Ok(Value::Null)
            } else {
                let mut best = &a[0];
                for v in &a[1..] {
                    let o = crate::encoding::compare(
                        &ValueRef::from(v),
                        &ValueRef::from(best),
                        Collation::Binary,
                    );
                    if (name == "min" && o == Ordering::Less)
                        || (name == "max" && o == Ordering::Greater)
                    {
                        best = v;
                    }
                }
                Ok(best.clone())
            }
        }
        ("iif" | "if", 3) => Ok(if ops::to_bool(&a[0]) == Some(true) {
            a[1].clone()
        } else {
            a[2].clone()
        }),
        ("ifnull", 2) => Ok(if a[0].is_null() {
            a[1].clone()
        } else {
            a[0].clone()
        }),
        ("coalesce", _) if n >= 2 => Ok(a
            .iter()
            .find(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Null)),
        ("nullif", 2) => Ok(
            if ops::sql_compare(&a[0], &a[1], Collation::Binary) == Some(Ordering::Equal) {
                Value::Null
            } else {
                a[0].clone()
            },
        ),
        ("likely" | "unlikely", 1) => Ok(a[0].clone()),
        ("likelihood", 2) => Ok(a[0].clone()),
        ("sign", 1) => Ok(match to_numeric_keep(&a[0]) {
            Value::Integer(i) => Value::Integer(i.signum()),
            Value::Real(f) => Value::Integer(if f > 0.0 {
                1
            } else if f < 0.0 {
                -1
            } else {
                0
            }),
            _ => Value::Null,
        }),
        ("concat", _) if n >= 1 => {
            let mut s = String::new();
            for v in a {
                s.push_str(&to_text(v).unwrap_or_default());
            }
            Ok(Value::Text(s))
        }
        ("concat_ws", _) if n >= 2 => {
            if a[0].is_null() {
                Ok(Value::Null)
            } else {
                let sep = text_arg(&a[0]).unwrap_or_default();
                let parts: Vec<String> = a[1..].iter().filter_map(to_text).collect();
                Ok(Value::Text(parts.join(&sep)))
            }
        }
        ("sqlite_version", 0) => Ok(Value::Text("3.45.0".into())),
        ("turdb_version", 0) => Ok(Value::Text(env!("CARGO_PKG_VERSION").into())),
        ("glob", 2) => Ok(if any_null(a) {
            Value::Null
        } else {
            Value::Integer(i64::from(ops::glob(
                &text_arg(&a[0]).unwrap_or_default(),
                &text_arg(&a[1]).unwrap_or_default(),
            )))
        }),
        ("like", 2 | 3) => Ok(if any_null(a) {
            Value::Null
        } else {
            let esc = if n == 3 {
                text_arg(&a[2]).and_then(|s| s.chars().next())
            } else {
                None
            };
            Value::Integer(i64::from(ops::like(
                &text_arg(&a[0]).unwrap_or_default(),
                &text_arg(&a[1]).unwrap_or_default(),
                esc,
            )))
        }),
        ("ceil" | "ceiling" | "floor" | "trunc", 1) => Ok(match to_numeric_keep(&a[0]) {
            Value::Integer(i) => Value::Integer(i),
            Value::Real(f) => Value::Real(match name {
                "floor" => libm::floor(f),
                "trunc" => libm::trunc(f),
                _ => libm::ceil(f),
            }),
            other => other,
        }),
        (
            "ln" | "log10" | "log2" | "exp" | "sqrt" | "sin" | "cos" | "tan" | "asin" | "acos"
            | "atan" | "degrees" | "radians" | "sinh" | "cosh" | "tanh",
            1,
        ) => Ok(math1(name, &a[0])),
        ("log", 1) => Ok(math1("log10", &a[0])),
        ("log", 2) => Ok(if any_null(a) {
            Value::Null
        } else {
            let (b, x) = (to_f64(&a[0]), to_f64(&a[1]));
            nan_null(libm::log(x) / libm::log(b))
        }),
        ("pow" | "power", 2) => Ok(if any_null(a) {
            Value::Null
        } else {
            nan_null(libm::pow(to_f64(&a[0]), to_f64(&a[1])))
        }),
        ("atan2", 2) => Ok(if any_null(a) {
            Value::Null
        } else {
            nan_null(libm::atan2(to_f64(&a[0]), to_f64(&a[1])))
        }),
        ("mod", 2) => Ok(if any_null(a) {
            Value::Null
        } else {
            let y = to_f64(&a[1]);
            if y == 0.0 {
                Value::Null
            } else {
                nan_null(libm::fmod(to_f64(&a[0]), y))
            }
        }),
        ("pi", 0) => Ok(Value::Real(core::f64::consts::PI)),
        ("soundex", 1) => Ok(Value::Text(soundex(&text_arg(&a[0]).unwrap_or_default()))),
        _ => return None,
    };
    Some(r)
}

fn nan_null(f: f64) -> Value {
    if f.is_nan() {
        Value::Null
    } else {
        Value::Real(f)
    }
}

fn math1(name: &str, v: &Value) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let x = to_f64(v);
    nan_null(match name {
        "ln" => libm::log(x),
        "log10" => libm::log10(x),
        "log2" => libm::log2(x),
        "exp" => libm::exp(x),
        "sqrt" => libm::sqrt(x),
        "sin" => libm::sin(x),
        "cos" => libm::cos(x),
        "tan" => libm::tan(x),
        "asin" => libm::asin(x),
        "acos" => libm::acos(x),
        "atan" => libm::atan(x),
        "sinh" => libm::sinh(x),
        "cosh" => libm::cosh(x),
        "tanh" => libm::tanh(x),
        "degrees" => x * 180.0 / core::f64::consts::PI,
        _ => x * core::f64::consts::PI / 180.0,
    })
}

/// Numeric conversion that leaves NULL as NULL (abs, sign, ceil).
fn to_numeric_keep(v: &Value) -> Value {
    to_numeric(v)
}

fn map_text(v: &Value, f: impl Fn(&str) -> String) -> Value {
    match to_text(v) {
        Some(s) => Value::Text(f(&s)),
        None => Value::Null,
    }
}

fn find_bytes(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

/// SQL literal text of a value.
pub fn quote(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(_) => to_text(v).unwrap_or_default(),
        Value::Text(s) => alloc::format!("'{}'", s.replace('\'', "''")),
        Value::Blob(b) => {
            let mut s = String::from("X'");
            for x in b {
                s.push_str(&alloc::format!("{x:02X}"));
            }
            s.push('\'');
            s
        }
    }
}

/// substr(X, Y[, Z]) with SQLite's 1-based and negative index rules.
fn substr(a: &[Value]) -> Value {
    if a.iter().take(3).any(Value::is_null) {
        return Value::Null;
    }
    let start = to_i64(&a[1]);
    let len = if a.len() == 3 {
        Some(to_i64(&a[2]))
    } else {
        None
    };
    let pick = |total: i64| -> (i64, i64) {
        let mut p1 = start;
        let mut p2 = len.unwrap_or(total.max(0) + 1);
        if p1 < 0 {
            p1 += total;
            if p1 < 0 {
                p2 += p1;
                p1 = 0;
            }
        } else if p1 > 0 {
            p1 -= 1;
        } else if p2 > 0 {
            p2 -= 1;
        }
        if p2 < 0 {
            p1 += p2;
            p2 = -p2;
            if p1 < 0 {
                p2 += p1;
                p1 = 0;
            }
        }
        let end = (p1 + p2).min(total);
        let p1 = p1.min(total).max(0);
        (p1, end.max(p1))
    };
    match &a[0] {
        Value::Blob(b) => {
            let (s, e) = pick(b.len() as i64);
            Value::Blob(b[s as usize..e as usize].to_vec())
        }
        other => {
            let s = to_text(other).unwrap_or_default();
            let chars: Vec<char> = s.chars().collect();
            let (p, e) = pick(chars.len() as i64);
            Value::Text(chars[p as usize..e as usize].iter().collect())
        }
    }
}

fn soundex(s: &str) -> String {
    let code = |c: char| match c.to_ascii_uppercase() {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        _ => '0',
    };
    let mut it = s.chars().skip_while(|c| !c.is_ascii_alphabetic());
    let Some(first) = it.next() else {
        return "?000".into();
    };
    let mut out = String::new();
    out.push(first.to_ascii_uppercase());
    let mut last = code(first);
    for c in it {
        if !c.is_ascii_alphabetic() {
            continue;
        }
        let d = code(c);
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        if !c.eq_ignore_ascii_case(&'h') && !c.eq_ignore_ascii_case(&'w') {
            last = d;
        }
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

/// SQLite's round(): halves away from zero for whole numbers; with digits,
/// its printf `%.*f` rounding, which adds 0.5 ulp-ish slack (`3e-16` of the
/// value) so that 1.005 rounds to 1.01 although the nearest double is
/// 1.00499999999999989...; values beyond 2^52 have no fraction to round.
fn round_like_sqlite(x: f64, digits: usize) -> f64 {
    if !(-4_503_599_627_370_496.0..=4_503_599_627_370_496.0).contains(&x) {
        return x;
    }
    if digits == 0 {
        return (x + if x < 0.0 { -0.5 } else { 0.5 }) as i64 as f64;
    }
    let v = x.abs();
    const HALVES: [f64; 10] = [
        5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10,
    ];
    let mut rounder = HALVES[digits % 10];
    for _ in 0..digits / 10 {
        rounder *= 1.0e-10;
    }
    let exp = ((v.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    if (digits as i64) + exp / 3 < 15 {
        rounder += v * 3e-16;
    }
    // printf then truncates the digits after `digits` places; the exact
    // decimal expansion is what it reads them from.
    let text = format!("{:.*}", digits + 30, v + rounder);
    let cut = text.find('.').map_or(text.len(), |dot| dot + 1 + digits);
    let r: f64 = text[..cut].parse().unwrap_or(v);
    if x < 0.0 { -r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::TestEnv;

    fn f(name: &str, args: &[Value]) -> Value {
        call(name, args, &TestEnv::new(1)).unwrap().unwrap()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn string_functions() {
        assert_eq!(
            f(
                "substr",
                &[t("hello"), Value::Integer(2), Value::Integer(3)]
            ),
            t("ell")
        );
        assert_eq!(f("substr", &[t("hello"), Value::Integer(-3)]), t("llo"));
        assert_eq!(
            f(
                "substr",
                &[t("hello"), Value::Integer(0), Value::Integer(2)]
            ),
            t("h")
        );
        assert_eq!(
            f(
                "substr",
                &[t("hello"), Value::Integer(3), Value::Integer(-2)]
            ),
            t("he")
        );
        assert_eq!(f("trim", &[t("xxhixx"), t("x")]), t("hi"));
        assert_eq!(f("instr", &[t("hello"), t("ll")]), Value::Integer(3));
        assert_eq!(f("hex", &[t("Az")]), t("417A"));
        assert_eq!(f("quote", &[t("it's")]), t("'it''s'"));
        assert_eq!(f("length", &[Value::Real(1.5)]), Value::Integer(3));
        assert_eq!(f("upper", &[t("abc")]), t("ABC"));
        assert_eq!(f("replace", &[t("aaa"), t("a"), t("bb")]), t("bbbbbb"));
    }

    #[test]
    fn numeric_functions() {
        assert_eq!(f("round", &[Value::Real(2.5)]), Value::Real(3.0));
        assert_eq!(f("round", &[Value::Real(-2.5)]), Value::Real(-3.0));
        // Checked against SQLite 3.40 (python3's sqlite3).
        for (x, d, want) in [
            (1.005, 2, 1.01),
            (-1.005, 2, -1.01),
            (2.675, 2, 2.68),
            (0.285, 2, 0.29),
            (1234567.891, 1, 1234567.9),
            (0.1 + 0.2, 15, 0.3),
            (1e20, 2, 1e20),
            (5e-324, 3, 0.0),
            (123.456, 0, 123.0),
        ] {
            assert_eq!(
                f("round", &[Value::Real(x), Value::Integer(d)]),
                Value::Real(want),
                "round({x}, {d})"
            );
        }
        assert_eq!(
            f("round", &[Value::Real(1.2345), Value::Integer(2)]),
            Value::Real(1.23)
        );
        assert_eq!(f("abs", &[Value::Integer(-3)]), Value::Integer(3));
        assert!(
            call("abs", &[Value::Integer(i64::MIN)], &TestEnv::new(1))
                .unwrap()
                .is_err()
        );
        assert_eq!(
            f("max", &[Value::Integer(1), t("a"), Value::Real(2.0)]),
            t("a")
        );
        assert_eq!(f("min", &[Value::Integer(1), Value::Null]), Value::Null);
        assert_eq!(
            f("nullif", &[Value::Integer(1), Value::Real(1.0)]),
            Value::Null
        );
        assert!(call("no_such_fn", &[], &TestEnv::new(1)).is_none());
    }
}
