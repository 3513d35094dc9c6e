//! Date and time functions, as SQLite's: `date`, `time`, `datetime`,
//! `julianday`, `unixepoch`, `strftime`, `timediff`-free, and
//! `current_date` / `current_time` / `current_timestamp`.
//!
//! A moment is held as SQLite holds it: milliseconds since the Julian day
//! epoch (`ijd`), converted to and from the proleptic Gregorian calendar
//! with SQLite's own formulas, so month arithmetic normalizes as SQLite's
//! does (`'2023-01-31', '+1 month'` is March 3). `'now'` comes from the host
//! clock ([`Env::now_millis`]), so tests can fix it. There is no time-zone
//! database without std: `localtime` and `utc` leave the time unchanged
//! (UTC). Invalid input gives NULL, never an error.

use alloc::string::String;

use crate::Result;
use crate::encoding::Value;
use crate::env::Env;
use crate::sql::ops::{to_f64, to_text};

const DAY_MS: i64 = 86_400_000;
/// Julian day number of 1970-01-01 00:00 in milliseconds.
const UNIX_EPOCH_JD_MS: i64 = 210_866_760_000_000;

#[derive(Clone, Copy, Debug)]
struct Moment {
    ijd: i64,
}

#[derive(Clone, Copy, Debug)]
struct Civil {
    y: i64,
    m: i64,
    d: i64,
    h: i64,
    mi: i64,
    /// seconds with fraction
    s: f64,
}

fn to_civil(ijd: i64) -> Civil {
    let z = (ijd + 43_200_000) / DAY_MS;
    let a = ((z as f64 - 1_867_216.25) / 36_524.25) as i64;
    let a = z + 1 + a - a / 4;
    let b = a + 1524;
    let c = ((b as f64 - 122.1) / 365.25) as i64;
    let d = (36525 * (c & 32767)) / 100;
    let e = ((b - d) as f64 / 30.6001) as i64;
    let x1 = (30.6001 * e as f64) as i64;
    let day = b - d - x1;
    let month = if e < 14 { e - 1 } else { e - 13 };
    let year = if month > 2 { c - 4716 } else { c - 4715 };
    let ms = (ijd + 43_200_000).rem_euclid(DAY_MS);
    let h = ms / 3_600_000;
    let mi = (ms / 60_000) % 60;
    let s = (ms % 60_000) as f64 / 1000.0;
    Civil {
        y: year,
        m: month,
        d: day,
        h,
        mi,
        s,
    }
}

fn from_civil(c: Civil) -> i64 {
    let (mut y, mut m) = (c.y, c.m);
    if m <= 2 {
        y -= 1;
        m += 12;
    }
    let a = y / 100;
    let b = 2 - a + a / 4;
    let x1 = 36525 * (y + 4716) / 100;
    let x2 = 306_001 * (m + 1) / 10_000;
    let days = x1 as f64 + x2 as f64 + c.d as f64 + b as f64 - 1524.5;
    (days * DAY_MS as f64) as i64
        + c.h * 3_600_000
        + c.mi * 60_000
        + libm::round(c.s * 1000.0) as i64
}

fn digits(s: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let part = s.get(*i..*i + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *i += n;
    core::str::from_utf8(part).ok()?.parse().ok()
}

/// Parses `HH:MM[:SS[.SSS]]` at `i`.
fn parse_hms(s: &[u8], i: &mut usize) -> Option<(i64, i64, f64)> {
    let h = digits(s, i, 2)?;
    if s.get(*i) != Some(&b':') {
        return None;
    }
    *i += 1;
    let mi = digits(s, i, 2)?;
    let mut sec = 0.0;
    if s.get(*i) == Some(&b':') {
        *i += 1;
        let whole = digits(s, i, 2)?;
        sec = whole as f64;
        if s.get(*i) == Some(&b'.') {
            *i += 1;
            let st = *i;
            while *i < s.len() && s[*i].is_ascii_digit() {
                *i += 1;
            }
            let frac = core::str::from_utf8(&s[st..*i]).ok()?;
            if !frac.is_empty() {
                sec += alloc::format!("0.{frac}").parse::<f64>().ok()?;
            }
        }
    }
    if h > 24 || mi > 59 || sec >= 60.0 {
        return None;
    }
    Some((h, mi, sec))
}

/// Parses a time-zone suffix: `Z`, `+HH:MM`, `-HH:MM` (minutes east).
fn parse_tz(s: &[u8], i: &mut usize) -> Option<i64> {
    while *i < s.len() && s[*i] == b' ' {
        *i += 1;
    }
    match s.get(*i) {
        None => Some(0),
        Some(b'Z' | b'z') => {
            *i += 1;
            Some(0)
        }
        Some(&c @ (b'+' | b'-')) => {
            *i += 1;
            let h = digits(s, i, 2)?;
            if s.get(*i) != Some(&b':') {
                return None;
            }
            *i += 1;
            let m = digits(s, i, 2)?;
            let off = h * 60 + m;
            Some(if c == b'-' { -off } else { off })
        }
        _ => None,
    }
}

fn parse_text(t: &str, env: &dyn Env) -> Option<Moment> {
    let t = t.trim();
    if t.eq_ignore_ascii_case("now") {
        return Some(Moment {
            ijd: env.now_millis() + UNIX_EPOCH_JD_MS,
        });
    }
    let s = t.as_bytes();
    let mut i = 0;
    // YYYY-MM-DD [T| ]HH:MM...
    if s.len() >= 10 && s[4] == b'-' {
        let y = digits(s, &mut i, 4)?;
        i += 1;
        let m = digits(s, &mut i, 2)?;
        if s.get(i) != Some(&b'-') {
            return None;
        }
        i += 1;
        let d = digits(s, &mut i, 2)?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        let (mut h, mut mi, mut sec) = (0, 0, 0.0);
        if i < s.len() && (s[i] == b'T' || s[i] == b' ') {
            let mut j = i + 1;
            while j < s.len() && s[j] == b' ' {
                j += 1;
            }
            if j < s.len() && s[j].is_ascii_digit() {
                i = j;
                (h, mi, sec) = parse_hms(s, &mut i)?;
            }
        }
        let tz = parse_tz(s, &mut i)?;
        if i != s.len() {
            return None;
        }
        let ijd = from_civil(Civil {
            y,
            m,
            d,
            h,
            mi,
            s: sec,
        }) - tz * 60_000;
        return Some(Moment { ijd });
    }
    // HH:MM[:SS] alone: on 2000-01-01
    if s.len() >= 5 && s[2] == b':' {
        let (h, mi, sec) = parse_hms(s, &mut i)?;
        let tz = parse_tz(s, &mut i)?;
        if i != s.len() {
            return None;
        }
        let ijd = from_civil(Civil {
            y: 2000,
            m: 1,
            d: 1,
            h,
            mi,
            s: sec,
        }) - tz * 60_000;
        return Some(Moment { ijd });
    }
    // a number: a Julian day
    let f: f64 = t.parse().ok()?;
    jd_moment(f)
}

fn jd_moment(f: f64) -> Option<Moment> {
    if !(0.0..=5_373_484.499_999).contains(&f) {
        return None;
    }
    Some(Moment {
        ijd: libm::round(f * DAY_MS as f64) as i64,
    })
}

/// The numeric value of the first argument, when it is one.
fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(f) => Some(*f),
        _ => None,
    }
}

/// Applies one modifier; None when it is not valid.
fn modify(
    m: Moment,
    raw: &Value,
    first_num: Option<f64>,
    modi: &str,
    subsec: &mut bool,
) -> Option<Moment> {
    let _ = raw;
    let lm = modi.trim().to_ascii_lowercase();
    match lm.as_str() {
        "unixepoch" => {
            let n = first_num?;
            Some(Moment {
                ijd: libm::round(n * 1000.0) as i64 + UNIX_EPOCH_JD_MS,
            })
        }
        "julianday" => jd_moment(first_num?),
        "auto" => {
            let n = first_num?;
            if (0.0..5_373_484.5).contains(&n) {
                jd_moment(n)
            } else {
                Some(Moment {
                    ijd: libm::round(n * 1000.0) as i64 + UNIX_EPOCH_JD_MS,
                })
            }
        }
        "localtime" | "utc" => Some(m),
        "subsec" | "subsecond" => {
            *subsec = true;
            Some(m)
        }
        "start of day" => {
            let c = to_civil(m.ijd);
            Some(Moment {
                ijd: from_civil(Civil {
                    h: 0,
                    mi: 0,
                    s: 0.0,
                    ..c
                }),
            })
        }
        "start of month" => {
            let c = to_civil(m.ijd);
            Some(Moment {
                ijd: from_civil(Civil {
                    d: 1,
                    h: 0,
                    mi: 0,
                    s: 0.0,
                    ..c
                }),
            })
        }
        "start of year" => {
            let c = to_civil(m.ijd);
            Some(Moment {
                ijd: from_civil(Civil {
                    m: 1,
                    d: 1,
                    h: 0,
                    mi: 0,
                    s: 0.0,
                    ..c
                }),
            })
        }
        w if w.starts_with("weekday ") => {
            let n: i64 = w[8..].trim().parse().ok()?;
            if !(0..=6).contains(&n) {
                return None;
            }
            let cur = ((m.ijd + 129_600_000) / DAY_MS) % 7;
            let add = (n - cur).rem_euclid(7);
            Some(Moment {
                ijd: m.ijd + add * DAY_MS,
            })
        }
        _ => {
            // ±NNN unit
            let (num, unit) = lm.split_once(|c: char| c.is_ascii_whitespace())?;
            let unit = unit.trim().trim_end_matches('s');
            let n: f64 = num.parse().ok()?;
            match unit {
                "day" => Some(Moment {
                    ijd: m.ijd + libm::round(n * DAY_MS as f64) as i64,
                }),
                "hour" => Some(Moment {
                    ijd: m.ijd + libm::round(n * 3_600_000.0) as i64,
                }),
                "minute" => Some(Moment {
                    ijd: m.ijd + libm::round(n * 60_000.0) as i64,
                }),
                "second" => Some(Moment {
                    ijd: m.ijd + libm::round(n * 1000.0) as i64,
                }),
                "month" | "year" => {
                    let mut c = to_civil(m.ijd);
                    let whole = libm::trunc(n) as i64;
                    if unit == "month" {
                        let total = c.m - 1 + whole;
                        c.y += total.div_euclid(12);
                        c.m = total.rem_euclid(12) + 1;
                    } else {
                        c.y += whole;
                    }
                    let mut ijd = from_civil(c);
                    let frac = n - libm::trunc(n);
                    if frac != 0.0 {
                        let days = if unit == "month" { 30.0 } else { 365.0 };
                        ijd += libm::round(frac * days * DAY_MS as f64) as i64;
                    }
                    Some(Moment { ijd })
                }
                _ => None,
            }
        }
    }
}

/// Parses the arguments: a time value then modifiers.
fn moment(args: &[Value], env: &dyn Env) -> Option<(Moment, bool)> {
    let mut subsec = false;
    let (mut m, num) = match args.first() {
        None => (parse_text("now", env)?, None),
        Some(Value::Null) => return None,
        Some(v) => match numeric(v) {
            Some(f) => (jd_moment(f).unwrap_or(Moment { ijd: 0 }), Some(f)),
            None => {
                let t = to_text(v)?;
                let n = t.trim().parse::<f64>().ok();
                (parse_text(&t, env)?, n)
            }
        },
    };
    // A number that is not a valid Julian day is only fine when a modifier
    // reinterprets it.
    let needs_reinterpret = num.is_some_and(|f| jd_moment(f).is_none());
    let mut reinterpreted = false;
    for a in args.iter().skip(1) {
        let modi = to_text(a)?;
        let lm = modi.trim().to_ascii_lowercase();
        if matches!(lm.as_str(), "unixepoch" | "julianday" | "auto") {
            reinterpreted = true;
        }
        m = modify(m, a, num, &modi, &mut subsec)?;
    }
    if needs_reinterpret && !reinterpreted {
        return None;
    }
    Some((m, subsec))
}

fn fmt_date(c: &Civil) -> String {
    if c.y < 0 {
        alloc::format!("-{:04}-{:02}-{:02}", -c.y, c.m, c.d)
    } else {
        alloc::format!("{:04}-{:02}-{:02}", c.y, c.m, c.d)
    }
}

fn fmt_time(c: &Civil, subsec: bool) -> String {
    if subsec {
        alloc::format!("{:02}:{:02}:{:06.3}", c.h, c.mi, c.s)
    } else {
        alloc::format!("{:02}:{:02}:{:02}", c.h, c.mi, libm::trunc(c.s) as i64)
    }
}

fn day_of_year(c: &Civil) -> i64 {
    let jan1 = from_civil(Civil {
        m: 1,
        d: 1,
        h: 0,
        mi: 0,
        s: 0.0,
        ..*c
    });
    let today = from_civil(Civil {
        h: 0,
        mi: 0,
        s: 0.0,
        ..*c
    });
    (today - jan1) / DAY_MS
}

fn strftime(fmt: &str, m: Moment, subsec: bool) -> Option<String> {
    let c = to_civil(m.ijd);
    let wday = ((m.ijd + 129_600_000) / DAY_MS) % 7; // 0 = Sunday
    let mut out = String::new();
    let mut it = fmt.chars();
    while let Some(ch) = it.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let f = it.next()?;
        match f {
            'd' => out.push_str(&alloc::format!("{:02}", c.d)),
            'e' => out.push_str(&alloc::format!("{:2}", c.d)),
            'f' => out.push_str(&alloc::format!("{:06.3}", c.s)),
            'H' => out.push_str(&alloc::format!("{:02}", c.h)),
            'k' => out.push_str(&alloc::format!("{:2}", c.h)),
            'I' | 'l' => {
                let h12 = if c.h % 12 == 0 { 12 } else { c.h % 12 };
                if f == 'I' {
                    out.push_str(&alloc::format!("{h12:02}"));
                } else {
                    out.push_str(&alloc::format!("{h12:2}"));
                }
            }
            'j' => out.push_str(&alloc::format!("{:03}", day_of_year(&c) + 1)),
            'J' => out.push_str(&crate::sql::ops::real_to_text(m.ijd as f64 / DAY_MS as f64)),
            'm' => out.push_str(&alloc::format!("{:02}", c.m)),
            'M' => out.push_str(&alloc::format!("{:02}", c.mi)),
            'p' => out.push_str(if c.h >= 12 { "PM" } else { "AM" }),
            'P' => out.push_str(if c.h >= 12 { "pm" } else { "am" }),
            's' => {
                let secs = (m.ijd - UNIX_EPOCH_JD_MS) as f64 / 1000.0;
                if subsec {
                    out.push_str(&alloc::format!("{secs:.3}"));
                } else {
                    out.push_str(&alloc::format!("{}", libm::floor(secs) as i64));
                }
            }
            'S' => out.push_str(&alloc::format!("{:02}", libm::trunc(c.s) as i64)),
            'T' => out.push_str(&fmt_time(&c, false)),
            'F' => out.push_str(&fmt_date(&c)),
            'R' => out.push_str(&alloc::format!("{:02}:{:02}", c.h, c.mi)),
            'u' => out.push_str(&alloc::format!("{}", if wday == 0 { 7 } else { wday })),
            'w' => out.push_str(&alloc::format!("{wday}")),
            'W' | 'U' => {
                let yday = day_of_year(&c);
                let wd = if f == 'W' { (wday + 6) % 7 } else { wday };
                out.push_str(&alloc::format!("{:02}", (yday + 7 - wd) / 7));
            }
            'Y' => out.push_str(&alloc::format!("{:04}", c.y)),
            '%' => out.push('%'),
            _ => return None,
        }
    }
    Some(out)
}

/// Calls the date/time function `name` (lower case); None when unknown.
pub fn call(name: &str, args: &[Value], env: &dyn Env) -> Option<Result<Value>> {
    let v = match name {
        "date" | "time" | "datetime" | "julianday" | "unixepoch" => {
            let Some((m, subsec)) = moment(args, env) else {
                return Some(Ok(Value::Null));
            };
            let c = to_civil(m.ijd);
            match name {
                "date" => Value::Text(fmt_date(&c)),
                "time" => Value::Text(fmt_time(&c, subsec)),
                "datetime" => {
                    Value::Text(alloc::format!("{} {}", fmt_date(&c), fmt_time(&c, subsec)))
                }
                "julianday" => Value::Real(m.ijd as f64 / DAY_MS as f64),
                _ => {
                    let ms = m.ijd - UNIX_EPOCH_JD_MS;
                    if subsec {
                        Value::Real(ms as f64 / 1000.0)
                    } else {
                        Value::Integer(ms.div_euclid(1000))
                    }
                }
            }
        }
        "strftime" => {
            let Some(fmt) = args.first().and_then(to_text) else {
                return Some(Ok(Value::Null));
            };
            let Some((m, subsec)) = moment(&args[1..], env) else {
                return Some(Ok(Value::Null));
            };
            strftime(&fmt, m, subsec).map_or(Value::Null, Value::Text)
        }
        "current_date" | "current_time" | "current_timestamp" if args.is_empty() => {
            let m = parse_text("now", env)?;
            let c = to_civil(m.ijd);
            Value::Text(match name {
                "current_date" => fmt_date(&c),
                "current_time" => fmt_time(&c, false),
                _ => alloc::format!("{} {}", fmt_date(&c), fmt_time(&c, false)),
            })
        }
        _ => return None,
    };
    let _ = to_f64;
    Some(Ok(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::TestEnv;

    fn c(name: &str, args: &[&str]) -> Value {
        let a: alloc::vec::Vec<Value> = args.iter().map(|s| Value::Text((*s).into())).collect();
        call(name, &a, &TestEnv::new(1)).unwrap().unwrap()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn formats_and_modifiers() {
        assert_eq!(c("date", &["2023-01-31", "+1 month"]), t("2023-03-03"));
        assert_eq!(
            c("datetime", &["2024-02-28 23:30:00", "+1 hour"]),
            t("2024-02-29 00:30:00")
        );
        assert_eq!(
            c("date", &["2024-03-15", "start of month"]),
            t("2024-03-01")
        );
        assert_eq!(
            c("date", &["2024-03-15", "start of year", "-1 day"]),
            t("2023-12-31")
        );
        assert_eq!(c("date", &["2024-03-15", "weekday 0"]), t("2024-03-17"));
        assert_eq!(c("time", &["12:34:56.789"]), t("12:34:56"));
        assert_eq!(
            c("datetime", &["2024-01-01T10:00:00+02:00"]),
            t("2024-01-01 08:00:00")
        );
        assert_eq!(
            c(
                "strftime",
                &["%Y/%m/%d %H:%M:%S %j %w", "2024-03-01 05:06:07"]
            ),
            t("2024/03/01 05:06:07 061 5")
        );
        assert_eq!(c("date", &["not a date"]), Value::Null);
        assert_eq!(c("date", &["2024-13-01"]), Value::Null);
    }

    #[test]
    fn julian_and_unix() {
        assert_eq!(
            c("julianday", &["2000-01-01 12:00:00"]),
            Value::Real(2_451_545.0)
        );
        assert_eq!(c("unixepoch", &["1970-01-02"]), Value::Integer(86_400));
        let v = call(
            "datetime",
            &[Value::Integer(1_700_000_000), t("unixepoch")],
            &TestEnv::new(1),
        )
        .unwrap()
        .unwrap();
        assert_eq!(v, t("2023-11-14 22:13:20"));
        assert_eq!(
            call("date", &[Value::Real(2_451_545.0)], &TestEnv::new(1))
                .unwrap()
                .unwrap(),
            t("2000-01-01")
        );
    }

    #[test]
    fn now_comes_from_the_env() {
        let env = TestEnv::new(1);
        let now = env.now_millis();
        let v = call("unixepoch", &[t("now")], &env).unwrap().unwrap();
        assert_eq!(v, Value::Integer(now.div_euclid(1000)));
    }
}
