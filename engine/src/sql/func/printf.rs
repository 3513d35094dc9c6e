//! `printf(FORMAT, ...)` / `format()`: SQLite's printf.
//!
//! Conversions: `%d %i %u %f %e %E %g %G %s %z %q %Q %w %x %X %o %c %%`,
//! flags `- + space 0 # , !`, width and precision (either may be `*`).
//! Missing arguments read as NULL (0 or empty), as in SQLite.

use alloc::string::{String, ToString};

use crate::encoding::Value;
use crate::sql::ops::{real_to_text, to_f64, to_i64, to_text};
use crate::{Result, err};

pub fn format(fmt: &str, args: &[Value]) -> Result<String> {
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    let mut ai = 0;
    let next = |ai: &mut usize| -> Value {
        let v = args.get(*ai).cloned().unwrap_or(Value::Null);
        *ai += 1;
        v
    };
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut minus, mut plus, mut space, mut zero, mut alt, mut comma) =
            (false, false, false, false, false, false);
        while let Some(&f) = it.peek() {
            match f {
                '-' => minus = true,
                '+' => plus = true,
                ' ' => space = true,
                '0' => zero = true,
                '#' => alt = true,
                ',' => comma = true,
                '!' => {}
                _ => break,
            }
            it.next();
        }
        let mut width: Option<usize> = None;
        if it.peek() == Some(&'*') {
            it.next();
            let w = to_i64(&next(&mut ai));
            if w < 0 {
                minus = true;
            }
            width = Some(w.unsigned_abs().min(100_000) as usize);
        } else {
            let mut w = 0usize;
            let mut any = false;
            while let Some(d) = it.peek().and_then(|c| c.to_digit(10)) {
                w = (w * 10 + d as usize).min(100_000);
                any = true;
                it.next();
            }
            if any {
                width = Some(w);
            }
        }
        let mut prec: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            if it.peek() == Some(&'*') {
                it.next();
                prec = Some(to_i64(&next(&mut ai)).clamp(0, 100_000) as usize);
            } else {
                let mut p = 0usize;
                while let Some(d) = it.peek().and_then(|c| c.to_digit(10)) {
                    p = (p * 10 + d as usize).min(100_000);
                    it.next();
                }
                prec = Some(p);
            }
        }
        // length modifiers are accepted and ignored
        while matches!(it.peek(), Some('l' | 'h')) {
            it.next();
        }
        let Some(conv) = it.next() else {
            return Err(err!(
                InvalidArgument,
                "printf: format ends inside a conversion"
            ));
        };
        let body: String = match conv {
            '%' => "%".into(),
            'd' | 'i' | 'u' => {
                let v = next(&mut ai);
                let mut i = to_i64(&v);
                if conv == 'u' && i < 0 {
                    i = 0;
                }
                let mut digits = i.unsigned_abs().to_string();
                if let Some(p) = prec {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                if comma {
                    digits = group(&digits);
                }
                let sign = if i < 0 {
                    "-"
                } else if plus {
                    "+"
                } else if space {
                    " "
                } else {
                    ""
                };
                pad_num(sign, &digits, width, minus, zero)
            }
            'f' | 'e' | 'E' | 'g' | 'G' => {
                let v = next(&mut ai);
                let x = to_f64(&v);
                let p = prec.unwrap_or(6);
                let (sign, mag) = if x < 0.0 {
                    ("-", -x)
                } else if plus {
                    ("+", x)
                } else if space {
                    (" ", x)
                } else {
                    ("", x)
                };
                let s = match conv {
                    'f' => {
                        let mut s = alloc::format!("{mag:.p$}");
                        if comma {
                            let (ip, fp) = s.split_once('.').map_or((s.clone(), None), |(a, b)| {
                                (a.to_string(), Some(b.to_string()))
                            });
                            s = group(&ip);
                            if let Some(fp) = fp {
                                s.push('.');
                                s.push_str(&fp);
                            }
                        }
                        if alt && p == 0 {
                            s.push('.');
                        }
                        s
                    }
                    'e' | 'E' => {
                        let s = exp_fmt(mag, p);
                        if conv == 'E' {
                            s.to_ascii_uppercase()
                        } else {
                            s
                        }
                    }
                    _ => {
                        let p = if p == 0 { 1 } else { p };
                        let s = g_fmt(mag, p, alt);
                        if conv == 'G' {
                            s.to_ascii_uppercase()
                        } else {
                            s
                        }
                    }
                };
                if !x.is_finite() {
                    let s = if x.is_nan() {
                        "NaN".to_string()
                    } else {
                        "Inf".to_string()
                    };
                    pad_str(&alloc::format!("{sign}{s}"), width, minus)
                } else {
                    pad_num(sign, &s, width, minus, zero)
                }
            }
            's' | 'z' => {
                let v = next(&mut ai);
                let mut s = to_text(&v).unwrap_or_default();
                if let Some(p) = prec {
                    s = s.chars().take(p).collect();
                }
                pad_str(&s, width, minus)
            }
            'q' | 'Q' | 'w' => {
                let v = next(&mut ai);
                let s = match (&v, conv) {
                    (Value::Null, 'Q') => "NULL".to_string(),
                    (Value::Null, _) => "(NULL)".to_string(),
                    _ => {
                        let t = to_text(&v).unwrap_or_default();
                        match conv {
                            'q' => t.replace('\'', "''"),
                            'Q' => alloc::format!("'{}'", t.replace('\'', "''")),
                            _ => t.replace('"', "\"\""),
                        }
                    }
                };
                pad_str(&s, width, minus)
            }
            'x' | 'X' | 'o' => {
                let v = next(&mut ai);
                let i = to_i64(&v) as u64;
                let mut s = match conv {
                    'x' => alloc::format!("{i:x}"),
                    'X' => alloc::format!("{i:X}"),
                    _ => alloc::format!("{i:o}"),
                };
                if let Some(p) = prec {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                let prefix = if alt && i != 0 {
                    match conv {
                        'x' => "0x",
                        'X' => "0X",
                        _ => "0",
                    }
                } else {
                    ""
                };
                pad_num(prefix, &s, width, minus, zero)
            }
            'c' => {
                let v = next(&mut ai);
                let s: String = to_text(&v).unwrap_or_default().chars().take(1).collect();
                pad_str(&s, width, minus)
            }
            other => {
                return Err(err!(InvalidArgument, "printf: unknown conversion %{other}"));
            }
        };
        out.push_str(&body);
    }
    Ok(out)
}

fn group(digits: &str) -> String {
    let b = digits.as_bytes();
    let mut s = String::new();
    for (i, c) in b.iter().enumerate() {
        if i > 0 && (b.len() - i) % 3 == 0 {
            s.push(',');
        }
        s.push(*c as char);
    }
    s
}

fn pad_str(s: &str, width: Option<usize>, left: bool) -> String {
    let n = s.chars().count();
    match width {
        Some(w) if w > n => {
            let pad: String = core::iter::repeat_n(' ', w - n).collect();
            if left {
                alloc::format!("{s}{pad}")
            } else {
                alloc::format!("{pad}{s}")
            }
        }
        _ => s.to_string(),
    }
}

fn pad_num(sign: &str, digits: &str, width: Option<usize>, left: bool, zero: bool) -> String {
    let n = sign.len() + digits.len();
    match width {
        Some(w) if w > n => {
            if left {
                let pad: String = core::iter::repeat_n(' ', w - n).collect();
                alloc::format!("{sign}{digits}{pad}")
            } else if zero {
                let pad: String = core::iter::repeat_n('0', w - n).collect();
                alloc::format!("{sign}{pad}{digits}")
            } else {
                let pad: String = core::iter::repeat_n(' ', w - n).collect();
                alloc::format!("{pad}{sign}{digits}")
            }
        }
        _ => alloc::format!("{sign}{digits}"),
    }
}

fn exp_fmt(x: f64, p: usize) -> String {
    let s = alloc::format!("{x:.p$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    alloc::format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

fn g_fmt(x: f64, p: usize, alt: bool) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let e = libm::floor(libm::log10(x)) as i32;
    let r = if e < -4 || e >= p as i32 {
        let s = exp_fmt(x, p - 1);
        if alt {
            s
        } else {
            let (m, ex) = s.split_once('e').unwrap_or((&s, ""));
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            alloc::format!("{m}e{ex}")
        }
    } else {
        let decimals = (p as i32 - 1 - e).max(0) as usize;
        let s = alloc::format!("{x:.decimals$}");
        if alt || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    let _ = real_to_text;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(f: &str, a: &[Value]) -> String {
        format(f, a).unwrap()
    }

    #[test]
    fn formats() {
        let i = Value::Integer;
        assert_eq!(
            p("%d|%5d|%-5d|%05d", &[i(42), i(42), i(42), i(42)]),
            "42|   42|42   |00042"
        );
        assert_eq!(p("%.2f", &[Value::Real(1.23456)]), "1.23");
        assert_eq!(p("%s and %s", &[Value::Text("a".into())]), "a and ");
        assert_eq!(p("%q", &[Value::Text("it's".into())]), "it''s");
        assert_eq!(p("%Q", &[Value::Null]), "NULL");
        assert_eq!(p("%x %X %o", &[i(255), i(255), i(8)]), "ff FF 10");
        assert_eq!(p("%,d", &[i(1234567)]), "1,234,567");
        assert_eq!(p("%e", &[Value::Real(12345.678)]), "1.234568e+04");
        assert_eq!(p("%g", &[Value::Real(0.0001)]), "0.0001");
        assert_eq!(p("%g", &[Value::Real(100000.0)]), "100000");
        assert_eq!(p("%g", &[Value::Real(1e20)]), "1e+20");
        assert_eq!(p("%5.1f%%", &[Value::Real(99.44)]), " 99.4%");
    }
}
