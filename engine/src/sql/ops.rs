//! SQLite's value semantics: affinity, conversions, arithmetic, comparison,
//! CAST, LIKE and GLOB. Pure functions over [`Value`].
//!
//! The rules are SQLite's, including its corners: integer arithmetic that
//! overflows becomes REAL; division by zero is NULL; text used as a number
//! contributes its longest numeric prefix; a REAL renders with 15
//! significant digits and always shows a decimal point or exponent.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::encoding::{Collation, Value, ValueRef};
use crate::sql::ast::BinaryOp;
use crate::{Result, err};

/// A column's type affinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Affinity {
    Integer,
    Real,
    Numeric,
    Text,
    /// BLOB, or no declared type: values are kept as they are.
    Blob,
}

/// SQLite's affinity rules for a declared type name.
pub fn affinity_of(type_name: Option<&str>) -> Affinity {
    let Some(t) = type_name else {
        return Affinity::Blob;
    };
    let t = t.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Affinity::Text
    } else if t.contains("BLOB") || t.trim().is_empty() {
        Affinity::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// Parses the whole of `s` (trimmed) as a number, as SQLite does when
/// storing text into a numeric column: None when it is not entirely a
/// number.
pub(crate) fn text_to_number(s: &str) -> Option<Value> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return None;
    }
    let (end, is_int) = numeric_prefix_len(t);
    if end != t.len() {
        return None;
    }
    if is_int {
        match t.parse::<i64>() {
            Ok(i) => return Some(Value::Integer(i)),
            Err(_) => return t.parse::<f64>().ok().map(Value::Real),
        }
    }
    t.parse::<f64>().ok().map(Value::Real)
}

/// Length of the longest prefix of `s` that is a number, and whether it is
/// an integer (no point or exponent).
fn numeric_prefix_len(s: &str) -> (usize, bool) {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut int = true;
    let mut any = i > digits_start;
    if i < b.len() && b[i] == b'.' {
        let mut j = i + 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > i + 1 || any {
            any = any || j > i + 1;
            int = false;
            i = j;
        }
    }
    if !any {
        return (0, true);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            int = false;
            i = j;
        }
    }
    (i, int)
}

/// The numeric value of the longest numeric prefix of `s` (leading
/// white space skipped); 0 when there is none.
pub fn numeric_prefix(s: &str) -> Value {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (end, is_int) = numeric_prefix_len(t);
    if end == 0 {
        return Value::Integer(0);
    }
    let p = &t[..end];
    if is_int {
        match p.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Real(p.parse::<f64>().unwrap_or(0.0)),
        }
    } else {
        Value::Real(p.parse::<f64>().unwrap_or(0.0))
    }
}

/// A REAL that holds an integer exactly becomes that INTEGER.
fn real_to_int_if_exact(f: f64) -> Value {
    if f == libm::trunc(f) && f.abs() < 9.223_372_036_854_775e18 {
        Value::Integer(f as i64)
    } else {
        Value::Real(f)
    }
}

/// Converts a value as SQLite does when storing it in a column of
/// affinity `a`.
pub fn apply_affinity(v: Value, a: Affinity) -> Value {
    match a {
        Affinity::Blob => v,
        Affinity::Text => match v {
            Value::Integer(_) | Value::Real(_) => Value::Text(to_text(&v).unwrap_or_default()),
            other => other,
        },
        Affinity::Numeric | Affinity::Integer => match v {
            Value::Text(ref s) => match text_to_number(s) {
                Some(Value::Real(f)) => real_to_int_if_exact(f),
                Some(n) => n,
                None => v,
            },
            Value::Real(f) => real_to_int_if_exact(f),
            other => other,
        },
        Affinity::Real => match v {
            Value::Text(ref s) => match text_to_number(s) {
                Some(Value::Integer(i)) => Value::Real(i as f64),
                Some(n) => n,
                None => v,
            },
            Value::Integer(i) => Value::Real(i as f64),
            other => other,
        },
    }
}

/// Renders a REAL as SQLite does (`%!.15g`).
pub fn real_to_text(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // 15 significant digits.
    let exp = libm::floor(libm::log10(f.abs())) as i32;
    let s = alloc::format!("{:.*e}", 14, f);
    // s like "1.23450000000000e3"
    let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
    let mut e: i32 = e.parse().unwrap_or(exp);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut digits = digits.trim_end_matches('0').to_string();
    if digits.is_empty() {
        digits.push('0');
    }
    // rounding may have produced e.g. 9.99..→10: format! handles it.
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-5..15).contains(&e) {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        if e < 0 {
            e = -e;
        }
        out.push_str(&alloc::format!("{e:02}"));
    } else if e < 0 {
        out.push_str("0.");
        for _ in 0..(-e - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let e = e as usize;
        if digits.len() > e + 1 {
            out.push_str(&digits[..=e]);
            out.push('.');
            out.push_str(&digits[e + 1..]);
        } else {
            out.push_str(&digits);
            for _ in digits.len()..=e {
                out.push('0');
            }
            out.push_str(".0");
        }
    }
    out
}

/// A value as text, as SQLite renders it (None for NULL).
pub fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) => Some(real_to_text(*f)),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

/// A value as a number for arithmetic: text and blobs by numeric prefix;
/// NULL stays NULL.
pub fn to_numeric(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Integer(_) | Value::Real(_) => v.clone(),
        Value::Text(s) => numeric_prefix(s),
        Value::Blob(b) => numeric_prefix(&String::from_utf8_lossy(b)),
    }
}

/// sqlite3_value_int64.
pub fn to_i64(v: &Value) -> i64 {
    match to_numeric(v) {
        Value::Integer(i) => i,
        Value::Real(f) => {
            if f.is_nan() {
                0
            } else if f >= 9.223_372_036_854_775e18 {
                i64::MAX
            } else if f <= -9.223_372_036_854_775e18 {
                i64::MIN
            } else {
                f as i64
            }
        }
        _ => 0,
    }
}

/// sqlite3_value_double.
pub fn to_f64(v: &Value) -> f64 {
    match to_numeric(v) {
        Value::Integer(i) => i as f64,
        Value::Real(f) => f,
        _ => 0.0,
    }
}

/// A value as a condition: NULL is unknown, else non-zero is true.
pub fn to_bool(v: &Value) -> Option<bool> {
    // Every WHERE term of every row comes here, nearly always with an
    // INTEGER or NULL: only text and blobs need converting (and copying).
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(*i != 0),
        Value::Real(f) => Some(*f != 0.0),
        Value::Text(_) | Value::Blob(_) => match to_numeric(v) {
            Value::Integer(i) => Some(i != 0),
            Value::Real(f) => Some(f != 0.0),
            _ => Some(false),
        },
    }
}

fn int_or_real(a: &Value) -> Value {
    to_numeric(a)
}

/// Binary arithmetic, bitwise and concatenation operators.
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    if op == BinaryOp::Concat {
        let mut s = to_text(a).unwrap_or_default();
        s.push_str(&to_text(b).unwrap_or_default());
        return Ok(Value::Text(s));
    }
    let x = int_or_real(a);
    let y = int_or_real(b);
    Ok(match op {
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => match (&x, &y) {
            (Value::Integer(i), Value::Integer(j)) => {
                let r = match op {
                    BinaryOp::Add => i.checked_add(*j),
                    BinaryOp::Sub => i.checked_sub(*j),
                    _ => i.checked_mul(*j),
                };
                match r {
                    Some(r) => Value::Integer(r),
                    None => {
                        let (fi, fj) = (*i as f64, *j as f64);
                        Value::Real(match op {
                            BinaryOp::Add => fi + fj,
                            BinaryOp::Sub => fi - fj,
                            _ => fi * fj,
                        })
                    }
                }
            }
            _ => {
                let (fi, fj) = (to_f64(&x), to_f64(&y));
                Value::Real(match op {
                    BinaryOp::Add => fi + fj,
                    BinaryOp::Sub => fi - fj,
                    _ => fi * fj,
                })
            }
        },
        BinaryOp::Div => match (&x, &y) {
            (_, Value::Integer(0)) => Value::Null,
            (Value::Integer(i), Value::Integer(j)) => match i.checked_div(*j) {
                Some(r) => Value::Integer(r),
                None => Value::Real(*i as f64 / *j as f64),
            },
            _ => {
                let d = to_f64(&y);
                if d == 0.0 {
                    Value::Null
                } else {
                    Value::Real(to_f64(&x) / d)
                }
            }
        },
        BinaryOp::Mod => match (&x, &y) {
            (Value::Integer(i), Value::Integer(j)) => {
                if *j == 0 {
                    Value::Null
                } else if *j == -1 {
                    Value::Integer(0)
                } else {
                    Value::Integer(i % j)
                }
            }
            _ => {
                let (fi, fj) = (to_f64(&x), to_f64(&y));
                let (ii, ij) = (fi as i64, fj as i64);
                if ij == 0 {
                    Value::Null
                } else {
                    let r = if ij == -1 { 0 } else { ii % ij };
                    Value::Real(r as f64)
                }
            }
        },
        BinaryOp::BitAnd => Value::Integer(to_i64(&x) & to_i64(&y)),
        BinaryOp::BitOr => Value::Integer(to_i64(&x) | to_i64(&y)),
        BinaryOp::Shl | BinaryOp::Shr => {
            let v = to_i64(&x);
            let mut n = to_i64(&y);
            let mut left = op == BinaryOp::Shl;
            if n < 0 {
                left = !left;
                n = n.checked_neg().unwrap_or(i64::MAX);
            }
            Value::Integer(if n >= 64 {
                if left || v >= 0 { 0 } else { -1 }
            } else if left {
                ((v as u64) << n) as i64
            } else {
                v >> n
            })
        }
        other => {
            return Err(err!(
                Internal,
                "binary operator {other:?} is not arithmetic"
            ));
        }
    })
}

/// Unary minus.
pub fn negate(v: &Value) -> Value {
    match to_numeric(v) {
        Value::Integer(i) => match i.checked_neg() {
            Some(n) => Value::Integer(n),
            None => Value::Real(-(i as f64)),
        },
        Value::Real(f) => Value::Real(-f),
        other => other,
    }
}

/// `~x`
pub fn bit_not(v: &Value) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    Value::Integer(!to_i64(v))
}

/// Compares two values for `<`, `=`, ...: None when either is NULL;
/// otherwise SQLite's order (numbers < text < blob, numbers by value,
/// text by collation).
pub fn sql_compare(a: &Value, b: &Value, coll: Collation) -> Option<Ordering> {
    // The common cases of a WHERE clause, without the general order's type
    // dispatch (which gives the same answers: -0.0 = 0, NaN as NULL).
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => return Some(x.cmp(y)),
        (Value::Real(x), Value::Real(y)) => return x.partial_cmp(y),
        _ => {}
    }
    if a.is_null() || b.is_null() {
        return None;
    }
    if let (Value::Real(x), _) | (_, Value::Real(x)) = (a, b)
        && x.is_nan()
    {
        return None;
    }
    Some(crate::encoding::compare(
        &ValueRef::from(a),
        &ValueRef::from(b),
        coll,
    ))
}

/// `CAST(v AS type_name)`.
pub fn cast(v: &Value, type_name: &str) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    match affinity_of(Some(type_name)) {
        Affinity::Integer => Value::Integer(match v {
            Value::Integer(i) => *i,
            Value::Real(_) => to_i64(v),
            Value::Text(s) => cast_text_int(s),
            Value::Blob(b) => cast_text_int(&String::from_utf8_lossy(b)),
            Value::Null => 0,
        }),
        Affinity::Real => Value::Real(to_f64(v)),
        Affinity::Text => Value::Text(to_text(v).unwrap_or_default()),
        Affinity::Blob => match v {
            Value::Blob(_) => v.clone(),
            other => Value::Blob(to_text(other).unwrap_or_default().into_bytes()),
        },
        Affinity::Numeric => match v {
            Value::Integer(_) => v.clone(),
            Value::Real(f) => real_to_int_if_exact(*f),
            Value::Text(s) => {
                let n = numeric_prefix(s);
                match n {
                    Value::Real(f) => real_to_int_if_exact(f),
                    other => other,
                }
            }
            Value::Blob(b) => match numeric_prefix(&String::from_utf8_lossy(b)) {
                Value::Real(f) => real_to_int_if_exact(f),
                other => other,
            },
            Value::Null => Value::Null,
        },
    }
}

/// CAST of text to INTEGER: the integer prefix (a real prefix truncates).
fn cast_text_int(s: &str) -> i64 {
    match numeric_prefix(s) {
        Value::Integer(i) => i,
        Value::Real(f) => to_i64(&Value::Real(f)),
        _ => 0,
    }
}

/// `text LIKE pattern [ESCAPE esc]`: `%` any run, `_` one character,
/// ASCII case-insensitive.
pub fn like(pattern: &str, text: &str, escape: Option<char>) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    like_at(&p, &t, escape)
}

fn like_at(p: &[char], t: &[char], esc: Option<char>) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            let c = p[pi];
            if Some(c) == esc && pi + 1 < p.len() {
                if p[pi + 1].eq_ignore_ascii_case(&t[ti]) {
                    pi += 2;
                    ti += 1;
                    continue;
                }
            } else if c == '%' {
                star = Some((pi, ti));
                pi += 1;
                continue;
            } else if c == '_' || c.eq_ignore_ascii_case(&t[ti]) {
                pi += 1;
                ti += 1;
                continue;
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

/// `text GLOB pattern`: `*`, `?`, `[...]`, case-sensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, 0, &t, 0)
}

fn glob_at(p: &[char], mut pi: usize, t: &[char], mut ti: usize) -> bool {
    while pi < p.len() {
        match p[pi] {
            '*' => {
                while pi < p.len() && p[pi] == '*' {
                    pi += 1;
                }
                if pi == p.len() {
                    return true;
                }
                for k in ti..=t.len() {
                    if glob_at(p, pi, t, k) {
                        return true;
                    }
                }
                return false;
            }
            '?' => {
                if ti >= t.len() {
                    return false;
                }
                pi += 1;
                ti += 1;
            }
            '[' => {
                if ti >= t.len() {
                    return false;
                }
                let c = t[ti];
                let mut k = pi + 1;
                let negate = k < p.len() && p[k] == '^';
                if negate {
                    k += 1;
                }
                let mut matched = false;
                let mut first = true;
                while k < p.len() && (first || p[k] != ']') {
                    first = false;
                    if k + 2 < p.len() && p[k + 1] == '-' && p[k + 2] != ']' {
                        if p[k] <= c && c <= p[k + 2] {
                            matched = true;
                        }
                        k += 3;
                    } else {
                        if p[k] == c {
                            matched = true;
                        }
                        k += 1;
                    }
                }
                if k >= p.len() {
                    return false;
                }
                if matched == negate {
                    return false;
                }
                pi = k + 1;
                ti += 1;
            }
            c => {
                if ti >= t.len() || t[ti] != c {
                    return false;
                }
                pi += 1;
                ti += 1;
            }
        }
    }
    ti == t.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn affinity_rules() {
        assert_eq!(affinity_of(Some("VARCHAR(30)")), Affinity::Text);
        assert_eq!(affinity_of(Some("FLOAT")), Affinity::Real);
        assert_eq!(affinity_of(Some("DOUBLE PRECISION")), Affinity::Real);
        assert_eq!(affinity_of(Some("UNSIGNED BIG INT")), Affinity::Integer);
        assert_eq!(affinity_of(Some("DECIMAL(10,5)")), Affinity::Numeric);
        assert_eq!(affinity_of(None), Affinity::Blob);
        assert_eq!(
            apply_affinity(t("12"), Affinity::Integer),
            Value::Integer(12)
        );
        assert_eq!(
            apply_affinity(t("1.0"), Affinity::Numeric),
            Value::Integer(1)
        );
        assert_eq!(
            apply_affinity(t("1.5"), Affinity::Integer),
            Value::Real(1.5)
        );
        assert_eq!(apply_affinity(t("0x10"), Affinity::Integer), t("0x10"));
        assert_eq!(
            apply_affinity(Value::Integer(3), Affinity::Real),
            Value::Real(3.0)
        );
        assert_eq!(apply_affinity(Value::Real(2.5), Affinity::Text), t("2.5"));
        assert_eq!(
            apply_affinity(t(" 7 "), Affinity::Integer),
            Value::Integer(7)
        );
    }

    #[test]
    fn real_rendering() {
        for (f, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e20, "1.0e+20"),
            (1.5e-7, "1.5e-07"),
            (123456.789, "123456.789"),
            (-2.5, "-2.5"),
            (9.223372036854776e18, "9.22337203685478e+18"),
            (100.0, "100.0"),
            (0.001, "0.001"),
        ] {
            assert_eq!(real_to_text(f), s, "{f}");
        }
    }

    #[test]
    fn arithmetic() {
        let i = Value::Integer;
        assert_eq!(binary(BinaryOp::Div, &i(7), &i(2)).unwrap(), i(3));
        assert_eq!(binary(BinaryOp::Div, &i(7), &i(0)).unwrap(), Value::Null);
        assert_eq!(binary(BinaryOp::Mod, &i(-7), &i(3)).unwrap(), i(-1));
        assert_eq!(
            binary(BinaryOp::Add, &i(i64::MAX), &i(1)).unwrap(),
            Value::Real(9.223372036854776e18)
        );
        assert_eq!(binary(BinaryOp::Add, &t("3abc"), &i(1)).unwrap(), i(4));
        assert_eq!(
            binary(BinaryOp::Mod, &Value::Real(5.5), &i(2)).unwrap(),
            Value::Real(1.0)
        );
        assert_eq!(
            binary(BinaryOp::Concat, &i(1), &Value::Real(2.0)).unwrap(),
            t("12.0")
        );
        assert_eq!(binary(BinaryOp::Shl, &i(1), &i(-1)).unwrap(), i(0));
        assert_eq!(negate(&i(i64::MIN)), Value::Real(9.223372036854776e18));
        assert_eq!(to_bool(&t("1abc")), Some(true));
        assert_eq!(to_bool(&t("abc")), Some(false));
    }

    #[test]
    fn casts() {
        assert_eq!(cast(&t("12abc"), "INTEGER"), Value::Integer(12));
        assert_eq!(
            cast(&Value::Real(1e30), "INTEGER"),
            Value::Integer(i64::MAX)
        );
        assert_eq!(cast(&t("1.0"), "NUMERIC"), Value::Integer(1));
        assert_eq!(cast(&t("1.5"), "NUMERIC"), Value::Real(1.5));
        assert_eq!(cast(&Value::Integer(5), "TEXT"), t("5"));
        assert_eq!(cast(&t("-3.9"), "INTEGER"), Value::Integer(-3));
    }

    #[test]
    fn like_and_glob() {
        assert!(like("a%c", "ABBC", None));
        assert!(like("_b_", "abc", None));
        assert!(!like("a_c", "ac", None));
        assert!(like("10\\%", "10%", Some('\\')));
        assert!(!like("10\\%", "100", Some('\\')));
        assert!(glob("a*[0-9]?", "abc5x"));
        assert!(!glob("A*", "abc"));
        assert!(glob("[^x]*", "abc"));
    }
}
