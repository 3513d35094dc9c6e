//! Aggregate functions: count, sum, total, avg, min, max, group_concat.
//!
//! An [`Accumulator`] takes one row's arguments at a time and can report
//! its current value without being consumed, so one accumulator serves a
//! GROUP BY (value at the end) and a running window aggregate (value after
//! each row). DISTINCT and FILTER are the caller's business.

use alloc::boxed::Box;
use alloc::string::String;
use core::cmp::Ordering;

use crate::encoding::{Collation, Value, ValueRef};
use crate::sql::ops::{text_to_number, to_f64, to_numeric, to_text};
use crate::{Result, err};

/// A running aggregate; see the module documentation.
pub trait Accumulator: core::fmt::Debug + Send {
    fn step(&mut self, args: &[Value]) -> Result<()>;
    fn value(&self) -> Result<Value>;
}

pub fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count" | "sum" | "total" | "avg" | "min" | "max" | "group_concat" | "string_agg"
    )
}

pub fn aggregate(name: &str, nargs: usize) -> Option<Box<dyn Accumulator>> {
    Some(match (name, nargs) {
        ("count", 0 | 1) => Box::new(Count {
            n: 0,
            star: nargs == 0,
        }),
        ("sum", 1) => Box::new(Sum::default()),
        ("total", 1) => Box::new(Total(0.0)),
        ("avg", 1) => Box::new(Avg { sum: 0.0, n: 0 }),
        ("min", 1) => Box::new(MinMax {
            best: None,
            max: false,
        }),
        ("max", 1) => Box::new(MinMax {
            best: None,
            max: true,
        }),
        ("group_concat", 1 | 2) | ("string_agg", 2) => Box::new(GroupConcat { out: None }),
        _ => return None,
    })
}

#[derive(Debug)]
struct Count {
    n: i64,
    star: bool,
}

impl Accumulator for Count {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        if self.star || args.first().is_some_and(|v| !v.is_null()) {
            self.n += 1;
        }
        Ok(())
    }
    fn value(&self) -> Result<Value> {
        Ok(Value::Integer(self.n))
    }
}

#[derive(Debug, Default)]
struct Sum {
    int: i64,
    real: f64,
    any: bool,
    is_real: bool,
    overflow: bool,
}

impl Accumulator for Sum {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let v = &args[0];
        if v.is_null() {
            return Ok(());
        }
        self.any = true;
        // As SQLite's sumStep: a value counts as an integer only if it is
        // one or is text that is exactly one (sqlite3_value_numeric_type);
        // anything else (text like '2abc', a blob) adds its REAL value and
        // makes the sum REAL.
        let n = match v {
            Value::Text(t) => text_to_number(t).unwrap_or_else(|| Value::Real(to_f64(v))),
            Value::Blob(_) => Value::Real(to_f64(v)),
            other => other.clone(),
        };
        match n {
            Value::Integer(i) => {
                self.real += i as f64;
                if !self.is_real {
                    match self.int.checked_add(i) {
                        Some(s) => self.int = s,
                        None => self.overflow = true,
                    }
                }
            }
            Value::Real(f) => {
                self.real += f;
                self.is_real = true;
            }
            _ => {}
        }
        Ok(())
    }
    fn value(&self) -> Result<Value> {
        if !self.any {
            return Ok(Value::Null);
        }
        if self.is_real {
            return Ok(Value::Real(self.real));
        }
        if self.overflow {
            return Err(err!(InvalidArgument, "integer overflow"));
        }
        Ok(Value::Integer(self.int))
    }
}

#[derive(Debug)]
struct Total(f64);

impl Accumulator for Total {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        match to_numeric(&args[0]) {
            Value::Integer(i) => self.0 += i as f64,
            Value::Real(f) => self.0 += f,
            _ => {}
        }
        Ok(())
    }
    fn value(&self) -> Result<Value> {
        Ok(Value::Real(self.0))
    }
}

#[derive(Debug)]
struct Avg {
    sum: f64,
    n: i64,
}

impl Accumulator for Avg {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        if args[0].is_null() {
            return Ok(());
        }
        self.n += 1;
        match to_numeric(&args[0]) {
            Value::Integer(i) => self.sum += i as f64,
            Value::Real(f) => self.sum += f,
            _ => {}
        }
        Ok(())
    }
    fn value(&self) -> Result<Value> {
        Ok(if self.n == 0 {
            Value::Null
        } else {
            Value::Real(self.sum / self.n as f64)
        })
    }
}

#[derive(Debug)]
struct MinMax {
    best: Option<Value>,
    max: bool,
}

impl Accumulator for MinMax {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let v = &args[0];
        if v.is_null() {
            return Ok(());
        }
        let better = match &self.best {
            None => true,
            Some(b) => {
                let o = crate::encoding::compare(
                    &ValueRef::from(v),
                    &ValueRef::from(b),
                    Collation::Binary,
                );
                if self.max {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            }
        };
        if better {
            self.best = Some(v.clone());
        }
        Ok(())
    }
    fn value(&self) -> Result<Value> {
        Ok(self.best.clone().unwrap_or(Value::Null))
    }
}

#[derive(Debug)]
struct GroupConcat {
    out: Option<String>,
}

impl Accumulator for GroupConcat {
    fn step(&mut self, args: &[Value]) -> Result<()> {
        let Some(s) = to_text(&args[0]) else {
            return Ok(());
        };
        match &mut self.out {
            None => self.out = Some(s),
            Some(o) => {
                let sep = match args.get(1) {
                    Some(v) => to_text(v).unwrap_or_default(),
                    None => String::from(","),
                };
                o.push_str(&sep);
                o.push_str(&s);
            }
        }
        Ok(())
    }
    fn value(&self) -> Result<Value> {
        Ok(self.out.clone().map_or(Value::Null, Value::Text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, vals: &[Value]) -> Result<Value> {
        let mut a = aggregate(name, 1).unwrap();
        for v in vals {
            a.step(core::slice::from_ref(v))?;
        }
        a.value()
    }

    #[test]
    fn aggregates() {
        let i = Value::Integer;
        assert_eq!(run("sum", &[i(1), i(2), Value::Null]).unwrap(), i(3));
        assert_eq!(run("sum", &[]).unwrap(), Value::Null);
        assert_eq!(
            run("sum", &[i(1), Value::Real(0.5)]).unwrap(),
            Value::Real(1.5)
        );
        assert!(run("sum", &[i(i64::MAX), i(1)]).is_err());
        // SQLite 3.40: text that is exactly an integer sums as one; any
        // other text or a blob makes the sum REAL.
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(run("sum", &[t("1"), t(" 2 ")]).unwrap(), i(3));
        assert_eq!(run("sum", &[i(1), t("2abc")]).unwrap(), Value::Real(3.0));
        assert_eq!(run("sum", &[i(1), t("2.0")]).unwrap(), Value::Real(3.0));
        assert_eq!(
            run("sum", &[i(1), Value::Blob(b"7".to_vec())]).unwrap(),
            Value::Real(8.0)
        );
        assert_eq!(run("total", &[]).unwrap(), Value::Real(0.0));
        assert_eq!(run("avg", &[i(1), i(2)]).unwrap(), Value::Real(1.5));
        assert_eq!(
            run("max", &[i(1), Value::Text("a".into()), Value::Real(2.0)]).unwrap(),
            Value::Text("a".into())
        );
        assert_eq!(run("count", &[i(1), Value::Null]).unwrap(), i(1));
        assert_eq!(
            run("group_concat", &[i(1), Value::Null, i(2)]).unwrap(),
            Value::Text("1,2".into())
        );
    }
}
