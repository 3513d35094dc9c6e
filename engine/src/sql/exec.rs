//! The executor: bound expressions and pull-based operators.
//!
//! The planner (`plan.rs`) turns an AST into a tree of operators that each
//! implement [`Op`]: `rewind` starts (or restarts) the operator, `next`
//! returns its next row or `None`. Rows flow one at a time from the table
//! cursors at the leaves to the caller, so a scan streams in bounded memory;
//! only operators that must see all their input (sort, aggregation, the
//! set operations, hash-join build sides) hold rows.
//!
//! # Rows and registers
//!
//! A row is a `Vec<Value>`. Inside one SELECT core, the FROM clause's
//! tables share one *combined row*: table `k` of the FROM list owns the
//! slots `offset_k .. offset_k + width_k` (its columns, then its rowid), so a
//! bound column reference is just a slot number. [`JoinLoop`] fills the
//! slots level by level.
//!
//! # Correlation
//!
//! A correlated subquery, a trigger's NEW/OLD and the inner side of a join
//! all need values from "outside" the row being computed. Subqueries and
//! triggers see them through `Cx::outer`, a stack of rows pushed by the
//! evaluator before running the subquery: `BExpr::Outer(depth, slot)` reads
//! slot `slot` of the row `depth` levels out.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::ops::Bound;
use core::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use hashbrown::{HashMap, HashSet};

use crate::btree::{BTree, Range};
use crate::catalog::{Index, Store, Table};
use crate::encoding::{Collation, Record, SortOrder, Value, ValueRef, encode_key_value};
use crate::env::Env;
use crate::sql::ast::{BinaryOp, LikeOp, NullsOrder, RaiseKind, UnaryOp};
use crate::sql::func;
use crate::sql::ops::{self, Affinity};
use crate::storage::pager::Pager;
use crate::{Error, Result, err};

pub(crate) type Tuple = Vec<Value>;

/// What an executing statement can reach.
pub(crate) struct Cx<'a> {
    pub main: &'a mut Pager,
    pub temp: &'a mut Pager,
    pub params: &'a [Value],
    pub outer: Vec<Tuple>,
    pub env: &'a dyn Env,
    pub interrupt: &'a AtomicBool,
    pub last_rowid: i64,
    pub changes: u64,
    pub total_changes: u64,
    /// Rows visited, to check for an interrupt now and then.
    pub ticks: u32,
    /// The database's user functions as of the statement's start (None:
    /// it has none), and the registry that runs them.
    pub funcs: Option<Arc<crate::functions::FuncMap>>,
    pub registry: &'a crate::functions::Registry,
}

impl Cx<'_> {
    pub fn pager(&mut self, store: Store) -> &mut Pager {
        match store {
            Store::Main => self.main,
            Store::Temp => self.temp,
        }
    }

    /// Called once per row produced by a leaf: checks for `interrupt()`.
    pub fn tick(&mut self) -> Result<()> {
        tick(&mut self.ticks, self.interrupt)
    }
}

/// [`Cx::tick`] on the two fields it uses, for a loop that holds a pager
/// borrowed from the same `Cx`.
#[inline]
fn tick(ticks: &mut u32, interrupt: &AtomicBool) -> Result<()> {
    *ticks = ticks.wrapping_add(1);
    if *ticks % 256 == 0 && interrupt.load(AtomicOrdering::Relaxed) {
        return Err(err!(Interrupted, "interrupted"));
    }
    Ok(())
}

// ------------------------------------------------------------ rowid keys

/// The B+tree key of a rowid: big-endian with the sign bit flipped, so the
/// bytes sort as the integers do.
pub(crate) fn rowid_key(rowid: i64) -> [u8; 8] {
    ((rowid as u64) ^ (1 << 63)).to_be_bytes()
}

pub(crate) fn rowid_from_key(key: &[u8], table: &str) -> Result<i64> {
    let b: [u8; 8] = key
        .get(key.len().wrapping_sub(8)..)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| {
            err!(
                Corrupt,
                "table {table}: a key of {} bytes is not a rowid",
                key.len()
            )
        })?;
    Ok((u64::from_be_bytes(b) ^ (1 << 63)) as i64)
}

/// Decodes a stored table row into `out[..]`: its columns, then its rowid.
pub(crate) fn decode_row(
    table: &Table,
    rowid: i64,
    record: &[u8],
    out: &mut [Value],
) -> Result<()> {
    decode_wanted(table, rowid, record, out, &[])
}

/// [`decode_row`] of only the columns `want` marks (all when it is empty):
/// a scan that reads two columns of a wide row skips the other bodies
/// (for text that means no UTF-8 check and no copy). The other slots keep
/// whatever they held.
pub(crate) fn decode_wanted(
    table: &Table,
    rowid: i64,
    record: &[u8],
    out: &mut [Value],
    want: &[bool],
) -> Result<()> {
    let n = table.columns.len();
    let m = n.min(out.len());
    let cols = &mut out[..m];
    // Over the previous row's values: a scan reuses their text and blob
    // buffers instead of allocating for every row.
    let stored = Record::decode_into(record, cols, want, table.rowid_alias)
        .map_err(|e| e.context(format!("read row {rowid} of table {}", table.name)))?;
    if let Some(a) = table.rowid_alias
        && let Some(slot) = cols.get_mut(a)
    {
        *slot = Value::Integer(rowid);
    }
    // Columns added by ALTER TABLE after the row was written (only wanted
    // ones: the decode may have stopped after the last wanted column, and
    // the others hold what an earlier pass over this row put there).
    for (i, slot) in cols.iter_mut().enumerate().skip(stored) {
        if Some(i) != table.rowid_alias && want.get(i).is_none_or(|&w| w) {
            *slot = match &table.columns[i].default {
                Some(crate::sql::ast::Expr::Literal(l)) => literal_value(l),
                _ => Value::Null,
            };
        }
    }
    if let Some(slot) = out.get_mut(n) {
        *slot = Value::Integer(rowid);
    }
    Ok(())
}

pub(crate) fn literal_value(l: &crate::sql::ast::Literal) -> Value {
    use crate::sql::ast::Literal;
    match l {
        Literal::Null => Value::Null,
        Literal::Integer(i) => Value::Integer(*i),
        Literal::Real(f) => Value::Real(*f),
        Literal::Text(s) => Value::Text(s.clone()),
        Literal::Blob(b) => Value::Blob(b.clone()),
        Literal::Bool(b) => Value::Integer(i64::from(*b)),
    }
}

/// Appends the index key of `values` (already in key-column order).
pub(crate) fn index_key(index: &Index, values: &[Value], rowid: Option<i64>) -> Vec<u8> {
    let mut k = Vec::with_capacity(16 * values.len() + 8);
    for (v, c) in values.iter().zip(&index.columns) {
        encode_key_value(&mut k, v.as_ref(), c.order, c.collation);
    }
    if let Some(r) = rowid {
        k.extend_from_slice(&rowid_key(r));
    }
    k
}

/// One value's sort/group key under a collation.
pub(crate) fn value_key(out: &mut Vec<u8>, v: &Value, order: SortOrder, coll: Collation) {
    encode_key_value(out, v.as_ref(), order, coll);
}

// ------------------------------------------------------------ expressions

/// How a comparison converts its operands before comparing (SQLite's
/// affinity rules) and which collation it uses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CmpInfo {
    pub left: Option<Affinity>,
    pub right: Option<Affinity>,
    pub coll: Collation,
}

/// A subquery inside an expression, with its result cache.
#[derive(Debug)]
pub(crate) struct SubPlan {
    pub op: Box<dyn Op>,
    pub correlated: bool,
    /// For IN: the encoded right-hand values, and whether a NULL was among
    /// them; filled once when not correlated.
    pub set: Option<(HashSet<Vec<u8>>, bool)>,
    pub scalar: Option<Value>,
    pub exists: Option<bool>,
    /// Affinity applied to the IN subquery's values (its column's).
    pub affinity: Option<Affinity>,
}

#[derive(Debug)]
pub(crate) enum BExpr {
    Lit(Value),
    Col(usize),
    Outer(usize, usize),
    Param(usize),
    Unary(UnaryOp, Box<BExpr>),
    Arith(BinaryOp, Box<BExpr>, Box<BExpr>),
    Cmp(BinaryOp, Box<BExpr>, Box<BExpr>, CmpInfo),
    And(Box<BExpr>, Box<BExpr>),
    Or(Box<BExpr>, Box<BExpr>),
    InList {
        expr: Box<BExpr>,
        list: Vec<BExpr>,
        not: bool,
        info: CmpInfo,
    },
    InSub {
        expr: Box<BExpr>,
        sub: Box<SubPlan>,
        not: bool,
        info: CmpInfo,
    },
    Exists(Box<SubPlan>, bool),
    Scalar(Box<SubPlan>),
    Like {
        op: LikeOp,
        expr: Box<BExpr>,
        pattern: Box<BExpr>,
        escape: Option<Box<BExpr>>,
        not: bool,
    },
    IsNull(Box<BExpr>, bool),
    Case {
        operand: Option<(Box<BExpr>, CmpInfo)>,
        whens: Vec<(BExpr, BExpr)>,
        else_: Option<Box<BExpr>>,
    },
    Cast(Box<BExpr>, String),
    Func(String, Vec<BExpr>),
    Raise(RaiseKind, Option<Box<BExpr>>),
}

/// Raised by `RAISE(IGNORE)` inside a trigger: the caller skips the row.
pub(crate) const RAISE_IGNORE: &str = "\u{1}raise-ignore";
/// Prefixes of the messages of `RAISE(ROLLBACK, ...)` and `RAISE(FAIL,
/// ...)`: the statement runner strips them and acts on them.
pub(crate) const RAISE_ROLLBACK: &str = "\u{1}rollback:";
pub(crate) const RAISE_FAIL: &str = "\u{1}fail:";

impl BExpr {
    pub fn eval(&mut self, cx: &mut Cx, row: &[Value]) -> Result<Value> {
        Ok(match self {
            BExpr::Lit(v) => v.clone(),
            BExpr::Col(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            BExpr::Outer(d, i) => {
                let n = cx.outer.len();
                cx.outer
                    .get(n.wrapping_sub(*d))
                    .and_then(|r| r.get(*i))
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            BExpr::Param(i) => cx.params.get(*i).cloned().unwrap_or(Value::Null),
            BExpr::Unary(op, e) => {
                let v = e.eval(cx, row)?;
                match op {
                    UnaryOp::Neg => ops::negate(&v),
                    UnaryOp::Plus => v,
                    UnaryOp::BitNot => ops::bit_not(&v),
                    UnaryOp::Not => match ops::to_bool(&v) {
                        None => Value::Null,
                        Some(b) => Value::Integer(i64::from(!b)),
                    },
                }
            }
            BExpr::Arith(op, a, b) => {
                let x = a.eval(cx, row)?;
                let y = b.eval(cx, row)?;
                match op {
                    BinaryOp::Arrow => func::json::arrow(&x, &y)?,
                    BinaryOp::Arrow2 => func::json::arrow2(&x, &y)?,
                    _ => ops::binary(*op, &x, &y)?,
                }
            }
            BExpr::Cmp(op, a, b, info) => {
                // Columns, literals and parameters are compared in place
                // when their affinity would not change them: no copies (of
                // text, say) per row.
                if let (Some(x), Some(y)) = (a.peek(cx, row), b.peek(cx, row))
                    && unchanged_by(info.left, x)
                    && unchanged_by(info.right, y)
                {
                    return Ok(compare_values(*op, x, y, info.coll));
                }
                let x = a.eval(cx, row)?;
                let y = b.eval(cx, row)?;
                compare_op(*op, x, y, info)
            }
            BExpr::And(a, b) => {
                let x = ops::to_bool(&a.eval(cx, row)?);
                if x == Some(false) {
                    return Ok(Value::Integer(0));
                }
                let y = ops::to_bool(&b.eval(cx, row)?);
                match (x, y) {
                    (_, Some(false)) => Value::Integer(0),
                    (Some(true), Some(true)) => Value::Integer(1),
                    _ => Value::Null,
                }
            }
            BExpr::Or(a, b) => {
                let x = ops::to_bool(&a.eval(cx, row)?);
                if x == Some(true) {
                    return Ok(Value::Integer(1));
                }
                let y = ops::to_bool(&b.eval(cx, row)?);
                match (x, y) {
                    (_, Some(true)) => Value::Integer(1),
                    (Some(false), Some(false)) => Value::Integer(0),
                    _ => Value::Null,
                }
            }
            BExpr::InList {
                expr,
                list,
                not,
                info,
            } => {
                if list.is_empty() {
                    return Ok(Value::Integer(i64::from(*not)));
                }
                let x = expr.eval(cx, row)?;
                if x.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                let mut found = false;
                for e in list.iter_mut() {
                    let y = e.eval(cx, row)?;
                    match compare_op(BinaryOp::Eq, x.clone(), y, info) {
                        Value::Null => saw_null = true,
                        Value::Integer(1) => {
                            found = true;
                            break;
                        }
                        _ => {}
                    }
                }
                in_result(found, saw_null, *not)
            }
            BExpr::InSub {
                expr,
                sub,
                not,
                info,
            } => {
                let x = expr.eval(cx, row)?;
                let (found, saw_null, empty) = sub.contains(cx, row, x.clone(), info)?;
                if empty {
                    return Ok(Value::Integer(i64::from(*not)));
                }
                if x.is_null() {
                    return Ok(Value::Null);
                }
                in_result(found, saw_null, *not)
            }
            BExpr::Exists(sub, not) => {
                let e = sub.exists(cx, row)?;
                Value::Integer(i64::from(e != *not))
            }
            BExpr::Scalar(sub) => sub.scalar(cx, row)?,
            BExpr::Like {
                op,
                expr,
                pattern,
                escape,
                not,
            } => {
                let x = expr.eval(cx, row)?;
                let p = pattern.eval(cx, row)?;
                let esc = match escape {
                    Some(e) => Some(e.eval(cx, row)?),
                    None => None,
                };
                if x.is_null() || p.is_null() || esc.as_ref().is_some_and(Value::is_null) {
                    return Ok(Value::Null);
                }
                let xs = ops::to_text(&x).unwrap_or_default();
                let ps = ops::to_text(&p).unwrap_or_default();
                let m = match op {
                    LikeOp::Like => {
                        let esc = match esc {
                            Some(e) => {
                                let s = ops::to_text(&e).unwrap_or_default();
                                let mut it = s.chars();
                                match (it.next(), it.next()) {
                                    (Some(c), None) => Some(c),
                                    _ => {
                                        return Err(err!(
                                            InvalidArgument,
                                            "ESCAPE expression must be a single character"
                                        ));
                                    }
                                }
                            }
                            None => None,
                        };
                        ops::like(&ps, &xs, esc)
                    }
                    LikeOp::Glob => ops::glob(&ps, &xs),
                    LikeOp::Regexp | LikeOp::Match => {
                        return Err(err!(
                            NotFound,
                            "no such function: {}",
                            if *op == LikeOp::Regexp {
                                "REGEXP"
                            } else {
                                "MATCH"
                            }
                        ));
                    }
                };
                Value::Integer(i64::from(m != *not))
            }
            BExpr::IsNull(e, not) => {
                let v = e.eval(cx, row)?;
                Value::Integer(i64::from(v.is_null() != *not))
            }
            BExpr::Case {
                operand,
                whens,
                else_,
            } => {
                let base = match operand {
                    Some((e, info)) => Some((e.eval(cx, row)?, *info)),
                    None => None,
                };
                for (w, t) in whens.iter_mut() {
                    let c = w.eval(cx, row)?;
                    let hit = match &base {
                        Some((b, info)) => {
                            compare_op(BinaryOp::Eq, b.clone(), c, info) == Value::Integer(1)
                        }
                        None => ops::to_bool(&c) == Some(true),
                    };
                    if hit {
                        return t.eval(cx, row);
                    }
                }
                match else_ {
                    Some(e) => e.eval(cx, row)?,
                    None => Value::Null,
                }
            }
            BExpr::Cast(e, t) => {
                let v = e.eval(cx, row)?;
                ops::cast(&v, t)
            }
            BExpr::Func(name, args) => {
                let mut vals = Vec::with_capacity(args.len());
                // A user function of this name and arity comes first: it
                // replaces a built-in, as in SQLite.
                let user = cx
                    .funcs
                    .as_ref()
                    .and_then(|m| m.find(name, args.len()))
                    .cloned();
                // Short-circuit the lazy functions.
                match name.as_str() {
                    _ if user.is_some() => {}
                    "iif" | "if" if args.len() == 3 => {
                        let c = args[0].eval(cx, row)?;
                        let i = if ops::to_bool(&c) == Some(true) { 1 } else { 2 };
                        return args[i].eval(cx, row);
                    }
                    "coalesce" | "ifnull" => {
                        for a in args.iter_mut() {
                            let v = a.eval(cx, row)?;
                            if !v.is_null() {
                                return Ok(v);
                            }
                        }
                        return Ok(Value::Null);
                    }
                    "last_insert_rowid" => return Ok(Value::Integer(cx.last_rowid)),
                    "changes" => return Ok(Value::Integer(cx.changes as i64)),
                    "total_changes" => return Ok(Value::Integer(cx.total_changes as i64)),
                    _ => {}
                }
                for a in args.iter_mut() {
                    vals.push(a.eval(cx, row)?);
                }
                match user {
                    Some(f) => cx
                        .registry
                        .call(&*f, &vals)
                        .map_err(|e| e.context(format!("user function {name}()")))?,
                    None => call_scalar(name, &vals, cx.env)?,
                }
            }
            BExpr::Raise(kind, msg) => {
                let m = match msg {
                    Some(m) => ops::to_text(&m.eval(cx, row)?).unwrap_or_default(),
                    None => String::new(),
                };
                return Err(match kind {
                    RaiseKind::Ignore => Error::new(crate::ErrorKind::Constraint, RAISE_IGNORE),
                    RaiseKind::Rollback => err!(Constraint, "{RAISE_ROLLBACK}{m}"),
                    RaiseKind::Fail => err!(Constraint, "{RAISE_FAIL}{m}"),
                    RaiseKind::Abort => err!(Constraint, "{m}"),
                });
            }
        })
    }

    /// Evaluates as a condition: true only when the value is true (NULL and
    /// false both reject).
    pub fn test(&mut self, cx: &mut Cx, row: &[Value]) -> Result<bool> {
        // `column op constant`, the usual filter, answered in place without
        // building the 0/1/NULL value that `eval` returns.
        if let BExpr::Cmp(op, a, b, info) = self
            && let (Some(x), Some(y)) = (a.peek(cx, row), b.peek(cx, row))
            && unchanged_by(info.left, x)
            && unchanged_by(info.right, y)
        {
            return Ok(compare_bool(*op, x, y, info.coll) == Some(true));
        }
        Ok(ops::to_bool(&self.eval(cx, row)?) == Some(true))
    }
}

pub(crate) fn call_scalar(name: &str, vals: &[Value], env: &dyn Env) -> Result<Value> {
    if let Some(r) = func::scalar(name, vals, env) {
        return r;
    }
    if let Some(r) = func::datetime::call(name, vals, env) {
        return r;
    }
    if let Some(r) = func::json::call(name, vals) {
        return r;
    }
    Err(err!(
        NotFound,
        "no such function: {name} with {} argument(s)",
        vals.len()
    ))
}

fn in_result(found: bool, saw_null: bool, not: bool) -> Value {
    if found {
        Value::Integer(i64::from(!not))
    } else if saw_null {
        Value::Null
    } else {
        Value::Integer(i64::from(not))
    }
}

/// Whether applying affinity `a` leaves `v` comparing as it is. A REAL
/// under INTEGER or NUMERIC affinity may become an INTEGER, but only one
/// of the same value, and numbers compare by value (1 = 1.0).
#[inline]
fn unchanged_by(a: Option<Affinity>, v: &Value) -> bool {
    matches!(
        (a, v),
        (None | Some(Affinity::Blob), _)
            | (_, Value::Null | Value::Blob(_))
            | (Some(Affinity::Real), Value::Real(_))
            | (
                Some(Affinity::Integer | Affinity::Numeric),
                Value::Integer(_) | Value::Real(_)
            )
            | (Some(Affinity::Text), Value::Text(_))
    )
}

impl BExpr {
    /// A column's, literal's or parameter's value, borrowed.
    #[inline]
    fn peek<'a>(&'a self, cx: &'a Cx, row: &'a [Value]) -> Option<&'a Value> {
        const NULL: &Value = &Value::Null;
        match self {
            BExpr::Col(i) => Some(row.get(*i).unwrap_or(NULL)),
            BExpr::Lit(v) => Some(v),
            BExpr::Param(i) => Some(cx.params.get(*i).unwrap_or(NULL)),
            _ => None,
        }
    }
}

/// Applies a comparison's conversions and compares.
pub(crate) fn compare_op(op: BinaryOp, x: Value, y: Value, info: &CmpInfo) -> Value {
    let x = match info.left {
        Some(a) => ops::apply_affinity(x, a),
        None => x,
    };
    let y = match info.right {
        Some(a) => ops::apply_affinity(y, a),
        None => y,
    };
    compare_values(op, &x, &y, info.coll)
}

/// Compares two values already converted for the comparison.
fn compare_values(op: BinaryOp, x: &Value, y: &Value, coll: Collation) -> Value {
    match compare_bool(op, x, y, coll) {
        None => Value::Null,
        Some(r) => Value::Integer(i64::from(r)),
    }
}

/// A comparison of two values already converted by affinity: true, false,
/// or `None` for NULL (IS and IS NOT are never NULL).
#[inline]
fn compare_bool(op: BinaryOp, x: &Value, y: &Value, coll: Collation) -> Option<bool> {
    match op {
        BinaryOp::Is | BinaryOp::IsNot => {
            let same = match (x.is_null(), y.is_null()) {
                (true, true) => true,
                (false, false) => ops::sql_compare(x, y, coll) == Some(Ordering::Equal),
                _ => false,
            };
            Some(same == (op == BinaryOp::Is))
        }
        _ => ops::sql_compare(x, y, coll).map(|o| match op {
            BinaryOp::Eq => o == Ordering::Equal,
            BinaryOp::Ne => o != Ordering::Equal,
            BinaryOp::Lt => o == Ordering::Less,
            BinaryOp::Le => o != Ordering::Greater,
            BinaryOp::Gt => o == Ordering::Greater,
            BinaryOp::Ge => o != Ordering::Less,
            _ => false,
        }),
    }
}

/// Runs `f` with `row` pushed as the innermost outer row.
fn with_outer<T>(cx: &mut Cx, row: &[Value], f: impl FnOnce(&mut Cx) -> Result<T>) -> Result<T> {
    cx.outer.push(row.to_vec());
    let r = f(cx);
    cx.outer.pop();
    r
}

impl SubPlan {
    pub fn new(op: Box<dyn Op>, correlated: bool) -> SubPlan {
        SubPlan {
            op,
            correlated,
            set: None,
            scalar: None,
            exists: None,
            affinity: None,
        }
    }

    fn scalar(&mut self, cx: &mut Cx, row: &[Value]) -> Result<Value> {
        if !self.correlated
            && let Some(v) = &self.scalar
        {
            return Ok(v.clone());
        }
        let op = &mut self.op;
        let v = with_outer(cx, row, |cx| {
            op.rewind(cx)?;
            Ok(match op.next(cx)? {
                Some(r) => r.into_iter().next().unwrap_or(Value::Null),
                None => Value::Null,
            })
        })?;
        if !self.correlated {
            self.scalar = Some(v.clone());
        }
        Ok(v)
    }

    fn exists(&mut self, cx: &mut Cx, row: &[Value]) -> Result<bool> {
        if !self.correlated
            && let Some(v) = self.exists
        {
            return Ok(v);
        }
        let op = &mut self.op;
        let v = with_outer(cx, row, |cx| {
            op.rewind(cx)?;
            Ok(op.next(cx)?.is_some())
        })?;
        if !self.correlated {
            self.exists = Some(v);
        }
        Ok(v)
    }

    /// (found, a NULL was among the values, the subquery was empty)
    fn contains(
        &mut self,
        cx: &mut Cx,
        row: &[Value],
        x: Value,
        info: &CmpInfo,
    ) -> Result<(bool, bool, bool)> {
        if self.correlated {
            let op = &mut self.op;
            return with_outer(cx, row, |cx| {
                op.rewind(cx)?;
                let mut saw_null = false;
                let mut empty = true;
                while let Some(r) = op.next(cx)? {
                    empty = false;
                    let y = r.into_iter().next().unwrap_or(Value::Null);
                    match compare_op(BinaryOp::Eq, x.clone(), y, info) {
                        Value::Null => saw_null = true,
                        Value::Integer(1) => return Ok((true, saw_null, false)),
                        _ => {}
                    }
                }
                Ok((false, saw_null, empty))
            });
        }
        if self.set.is_none() {
            let op = &mut self.op;
            let aff = info.right;
            let set = with_outer(cx, row, |cx| {
                op.rewind(cx)?;
                let mut set = HashSet::new();
                let mut saw_null = false;
                while let Some(r) = op.next(cx)? {
                    let mut y = r.into_iter().next().unwrap_or(Value::Null);
                    if let Some(a) = aff {
                        y = ops::apply_affinity(y, a);
                    }
                    if y.is_null() {
                        saw_null = true;
                        continue;
                    }
                    let mut k = Vec::new();
                    value_key(&mut k, &y, SortOrder::Asc, info.coll);
                    set.insert(k);
                }
                Ok((set, saw_null))
            })?;
            self.set = Some(set);
        }
        let (set, saw_null) = self.set.as_ref().ok_or_else(|| Error::internal("IN set"))?;
        if set.is_empty() && !*saw_null {
            return Ok((false, false, true));
        }
        let x = match info.left {
            Some(a) => ops::apply_affinity(x, a),
            None => x,
        };
        if x.is_null() {
            return Ok((false, *saw_null, false));
        }
        // A text value compared with numbers in the set: SQLite compares
        // without conversion when the left side has no affinity, which the
        // key encoding does too (text never equals a number).
        let mut k = Vec::new();
        value_key(&mut k, &x, SortOrder::Asc, info.coll);
        Ok((set.contains(&k), *saw_null, false))
    }
}

// ------------------------------------------------------------ operators

/// A pull-based operator; see the module documentation.
pub(crate) trait Op: Send {
    /// Starts or restarts the operator.
    fn rewind(&mut self, cx: &mut Cx) -> Result<()>;
    /// The next row, or None when done.
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>>;
    /// One line per operator for EXPLAIN, children indented.
    fn explain(&self, depth: usize, out: &mut Vec<String>);
    /// Like `next`, into a row the caller keeps: operators that hold their
    /// current row (the join loop, projections) copy it over the previous
    /// one, reusing its allocations, instead of allocating a row per row.
    fn next_into(&mut self, cx: &mut Cx, out: &mut Tuple) -> Result<bool> {
        match self.next(cx)? {
            Some(r) => {
                *out = r;
                Ok(true)
            }
            None => Ok(false),
        }
    }
    /// Whether [`Op::next_ref`] works: operators that keep their current
    /// row (the join loop) lend it, saving a copy of every value per row.
    fn lends_rows(&self) -> bool {
        false
    }
    /// The next row, borrowed until the next call; only when
    /// [`Op::lends_rows`].
    fn next_ref(&mut self, _cx: &mut Cx) -> Result<Option<&[Value]>> {
        Err(Error::internal(
            "next_ref on an operator that lends no rows",
        ))
    }
    /// Whether the operator can run again after `rewind` — with other
    /// parameters, after other statements changed the tables — exactly as
    /// a freshly planned one would: it caches no subquery results, hash
    /// tables or materialized rows across runs. A prepared statement keeps
    /// such a plan instead of planning every execution.
    fn reusable(&self) -> bool {
        false
    }
    /// Says which slots of this operator's rows are read (`None`: all of
    /// them), so the table reads underneath decode only the columns some
    /// expression uses. An operator that does not look simply passes
    /// nothing on, and everything below it is decoded, as without the call.
    fn narrow(&mut self, _needed: Option<&[bool]>) {}
    /// For the planner: the aggregates an Aggregate (or a filter over one)
    /// appends to its rows.
    fn agg_count(&self) -> Option<usize> {
        None
    }
}

/// Not a supertrait of [`Op`]: a supertrait puts every operator's derived
/// `Debug` into its vtable, and so into the wasm module, although nothing
/// prints an operator but EXPLAIN (which has its own text).
impl core::fmt::Debug for dyn Op {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut lines = Vec::new();
        self.explain(0, &mut lines);
        f.write_str(lines.first().map_or("operator", String::as_str))
    }
}

fn line(out: &mut Vec<String>, depth: usize, s: String) {
    let mut l = String::new();
    for _ in 0..depth {
        l.push_str("  ");
    }
    l.push_str(&s);
    out.push(l);
}

/// One row of nothing: `SELECT 1` without FROM.
#[derive(Debug)]
pub(crate) struct Once {
    pub done: bool,
}

impl Op for Once {
    fn rewind(&mut self, _: &mut Cx) -> Result<()> {
        self.done = false;
        Ok(())
    }
    fn next(&mut self, _: &mut Cx) -> Result<Option<Tuple>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        Ok(Some(Vec::new()))
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, "ONE ROW".into());
    }
}

/// VALUES (...), (...)
#[derive(Debug)]
pub(crate) struct ValuesOp {
    pub rows: Vec<Vec<BExpr>>,
    pub pos: usize,
}

impl Op for ValuesOp {
    fn rewind(&mut self, _: &mut Cx) -> Result<()> {
        self.pos = 0;
        Ok(())
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        let Some(exprs) = self.rows.get_mut(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let mut r = Vec::with_capacity(exprs.len());
        for e in exprs.iter_mut() {
            r.push(e.eval(cx, &[])?);
        }
        Ok(Some(r))
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, format!("VALUES ({} rows)", self.rows.len()));
    }
}

/// Rows held in memory (a materialized view, CTE or subquery).
#[derive(Debug)]
pub(crate) struct RowsOp {
    pub rows: Arc<Vec<Tuple>>,
    pub pos: usize,
}

impl Op for RowsOp {
    fn rewind(&mut self, _: &mut Cx) -> Result<()> {
        self.pos = 0;
        Ok(())
    }
    fn next(&mut self, _: &mut Cx) -> Result<Option<Tuple>> {
        let r = self.rows.get(self.pos).cloned();
        self.pos += 1;
        Ok(r)
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, format!("ROWS ({})", self.rows.len()));
    }
}

#[derive(Debug)]
pub(crate) struct Filter {
    pub input: Box<dyn Op>,
    pub pred: BExpr,
}

impl Op for Filter {
    fn agg_count(&self) -> Option<usize> {
        self.input.agg_count()
    }
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        while let Some(r) = self.input.next(cx)? {
            if self.pred.test(cx, &r)? {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
    fn next_into(&mut self, cx: &mut Cx, out: &mut Tuple) -> Result<bool> {
        while self.input.next_into(cx, out)? {
            if self.pred.test(cx, out)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
    fn reusable(&self) -> bool {
        self.input.reusable() && self.pred.reusable()
    }
    fn narrow(&mut self, needed: Option<&[bool]>) {
        let mut mask = needed.map(<[bool]>::to_vec);
        if let Some(m) = &mut mask
            && !self.pred.mark_cols(m)
        {
            mask = None;
        }
        self.input.narrow(mask.as_deref());
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, "FILTER".into());
        self.input.explain(depth + 1, out);
    }
}

#[derive(Debug)]
pub(crate) struct Project {
    pub input: Box<dyn Op>,
    pub exprs: Vec<BExpr>,
    /// The input row, kept between rows for its allocations.
    buf: Tuple,
}

impl Project {
    pub fn new(input: Box<dyn Op>, exprs: Vec<BExpr>) -> Project {
        Project {
            input,
            exprs,
            buf: Vec::new(),
        }
    }
}

/// The next row of `input`: borrowed from it when it lends rows, else
/// copied into `buf` (whose allocations are reused).
#[inline]
fn pull<'a>(
    input: &'a mut Box<dyn Op>,
    cx: &mut Cx,
    buf: &'a mut Tuple,
) -> Result<Option<&'a [Value]>> {
    if input.lends_rows() {
        return input.next_ref(cx);
    }
    Ok(if input.next_into(cx, buf)? {
        Some(buf.as_slice())
    } else {
        None
    })
}

/// Evaluates `exprs` over `row` into `out`, copying plain columns over the
/// previous values so their text and blob buffers are reused.
fn project_into(cx: &mut Cx, exprs: &mut [BExpr], row: &[Value], out: &mut Tuple) -> Result<()> {
    out.truncate(exprs.len());
    out.resize(exprs.len(), Value::Null);
    for (o, e) in out.iter_mut().zip(exprs.iter_mut()) {
        match e {
            BExpr::Col(i) => match row.get(*i) {
                Some(v) => o.clone_from(v),
                None => *o = Value::Null,
            },
            e => *o = e.eval(cx, row)?,
        }
    }
    Ok(())
}

impl Op for Project {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        let Some(r) = self.input.next(cx)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(self.exprs.len());
        for e in self.exprs.iter_mut() {
            out.push(e.eval(cx, &r)?);
        }
        Ok(Some(out))
    }
    fn next_into(&mut self, cx: &mut Cx, out: &mut Tuple) -> Result<bool> {
        let Some(row) = pull(&mut self.input, cx, &mut self.buf)? else {
            return Ok(false);
        };
        project_into(cx, &mut self.exprs, row, out)?;
        Ok(true)
    }
    fn reusable(&self) -> bool {
        self.input.reusable() && self.exprs.iter().all(BExpr::reusable)
    }
    fn narrow(&mut self, _needed: Option<&[bool]>) {
        // Every output is computed, whichever are read.
        let mut mask = Vec::new();
        let all = self.exprs.iter().all(|e| e.mark_cols(&mut mask));
        self.input.narrow(all.then_some(&mask[..]));
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, format!("PROJECT {} columns", self.exprs.len()));
        self.input.explain(depth + 1, out);
    }
}

/// Keeps the first `n` columns (drops sort keys added for ORDER BY).
#[derive(Debug)]
pub(crate) struct Trim {
    pub input: Box<dyn Op>,
    pub n: usize,
}

impl Op for Trim {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        Ok(self.input.next(cx)?.map(|mut r| {
            r.truncate(self.n);
            r
        }))
    }
    fn next_into(&mut self, cx: &mut Cx, out: &mut Tuple) -> Result<bool> {
        let on = self.input.next_into(cx, out)?;
        out.truncate(self.n);
        Ok(on)
    }
    fn reusable(&self) -> bool {
        self.input.reusable()
    }
    fn narrow(&mut self, _needed: Option<&[bool]>) {
        self.input.narrow(None);
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        self.input.explain(depth, out);
    }
}

/// SELECT DISTINCT: first occurrence of each distinct prefix of `n` columns.
#[derive(Debug)]
pub(crate) struct Distinct {
    pub input: Box<dyn Op>,
    pub n: usize,
    pub colls: Vec<Collation>,
    pub seen: HashSet<Vec<u8>>,
}

pub(crate) fn row_key(r: &[Value], colls: &[Collation]) -> Vec<u8> {
    let mut k = Vec::new();
    for (i, v) in r.iter().enumerate() {
        value_key(
            &mut k,
            v,
            SortOrder::Asc,
            colls.get(i).copied().unwrap_or_default(),
        );
    }
    k
}

impl Op for Distinct {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.seen.clear();
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        while let Some(r) = self.input.next(cx)? {
            let k = row_key(&r[..self.n.min(r.len())], &self.colls);
            if self.seen.insert(k) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
    fn reusable(&self) -> bool {
        self.input.reusable()
    }
    fn narrow(&mut self, _needed: Option<&[bool]>) {
        self.input.narrow(None);
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, "DISTINCT".into());
        self.input.explain(depth + 1, out);
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SortKey {
    pub col: usize,
    pub order: SortOrder,
    pub nulls: Option<NullsOrder>,
    pub coll: Collation,
}

/// ORDER BY: holds its input, sorted by encoded keys (stable).
#[derive(Debug)]
pub(crate) struct Sort {
    pub input: Box<dyn Op>,
    pub keys: Vec<SortKey>,
    pub rows: VecDeque<Tuple>,
    pub loaded: bool,
}

pub(crate) fn sort_key(r: &[Value], keys: &[SortKey]) -> Vec<u8> {
    let mut k = Vec::new();
    for s in keys {
        let v = r.get(s.col).unwrap_or(&Value::Null);
        let nulls_first = match s.nulls {
            Some(NullsOrder::First) => true,
            Some(NullsOrder::Last) => false,
            None => s.order == SortOrder::Asc,
        };
        // A leading byte puts NULLs where asked regardless of direction.
        let null = v.is_null() || matches!(v, Value::Real(f) if f.is_nan());
        k.push(match (null, nulls_first) {
            (true, true) => 0,
            (true, false) => 2,
            (false, _) => 1,
        });
        if !null {
            value_key(&mut k, v, s.order, s.coll);
        }
    }
    k
}

impl Op for Sort {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.rows.clear();
        self.loaded = false;
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        if !self.loaded {
            self.loaded = true;
            let mut keyed = Vec::new();
            while let Some(r) = self.input.next(cx)? {
                keyed.push((sort_key(&r, &self.keys), r));
            }
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            self.rows = keyed.into_iter().map(|(_, r)| r).collect();
        }
        Ok(self.rows.pop_front())
    }
    fn reusable(&self) -> bool {
        self.input.reusable()
    }
    fn narrow(&mut self, _needed: Option<&[bool]>) {
        self.input.narrow(None);
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, format!("SORT by {} keys", self.keys.len()));
        self.input.explain(depth + 1, out);
    }
}

#[derive(Debug)]
pub(crate) struct Limit {
    pub input: Box<dyn Op>,
    pub limit: Option<BExpr>,
    pub offset: Option<BExpr>,
    pub left: i64,
    pub skip: i64,
}

fn limit_value(e: &mut Option<BExpr>, cx: &mut Cx, what: &str) -> Result<Option<i64>> {
    let Some(e) = e else { return Ok(None) };
    let v = e.eval(cx, &[])?;
    match ops::apply_affinity(v, Affinity::Integer) {
        Value::Integer(i) => Ok(Some(i)),
        other => Err(err!(
            Type,
            "{what} is not an integer: {}",
            other.type_name()
        )),
    }
}

impl Op for Limit {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.left = limit_value(&mut self.limit, cx, "LIMIT")?
            .filter(|&l| l >= 0)
            .unwrap_or(i64::MAX);
        self.skip = limit_value(&mut self.offset, cx, "OFFSET")?
            .unwrap_or(0)
            .max(0);
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        while self.skip > 0 {
            if self.input.next(cx)?.is_none() {
                return Ok(None);
            }
            self.skip -= 1;
        }
        if self.left <= 0 {
            return Ok(None);
        }
        self.left -= 1;
        self.input.next(cx)
    }
    fn next_into(&mut self, cx: &mut Cx, out: &mut Tuple) -> Result<bool> {
        while self.skip > 0 {
            if !self.input.next_into(cx, out)? {
                return Ok(false);
            }
            self.skip -= 1;
        }
        if self.left <= 0 {
            return Ok(false);
        }
        self.left -= 1;
        self.input.next_into(cx, out)
    }
    fn reusable(&self) -> bool {
        self.input.reusable()
            && self.limit.as_ref().is_none_or(BExpr::reusable)
            && self.offset.as_ref().is_none_or(BExpr::reusable)
    }
    fn narrow(&mut self, needed: Option<&[bool]>) {
        self.input.narrow(needed);
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, "LIMIT".into());
        self.input.explain(depth + 1, out);
    }
}

#[derive(Debug)]
pub(crate) struct AggSpec {
    pub name: String,
    pub args: Vec<BExpr>,
    pub distinct: bool,
    pub filter: Option<BExpr>,
    pub colls: Vec<Collation>,
}

struct Group {
    accs: Vec<Box<dyn func::Accumulator>>,
    seen: Vec<Option<HashSet<Vec<u8>>>>,
    last: Tuple,
}

/// GROUP BY and aggregates. Output rows are `[the group's last input row
/// (padded to `width`)..., aggregate values...]`, in group-key order (as SQLite's sorter
/// produces them).
#[derive(Debug)]
pub(crate) struct Aggregate {
    pub input: Box<dyn Op>,
    pub group_by: Vec<(BExpr, Collation)>,
    pub aggs: Vec<AggSpec>,
    pub width: usize,
    pub out: VecDeque<Tuple>,
    pub loaded: bool,
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Group")
    }
}

impl Aggregate {
    fn new_group(aggs: &[AggSpec], width: usize) -> Result<Group> {
        let mut accs = Vec::new();
        let mut seen = Vec::new();
        for a in aggs {
            accs.push(
                func::aggregate(&a.name, a.args.len())
                    .ok_or_else(|| err!(NotFound, "no such aggregate function: {}", a.name))?,
            );
            seen.push(a.distinct.then(HashSet::new));
        }
        Ok(Group {
            accs,
            seen,
            last: alloc::vec![Value::Null; width],
        })
    }
}

impl Op for Aggregate {
    fn agg_count(&self) -> Option<usize> {
        Some(self.aggs.len())
    }
    fn narrow(&mut self, needed: Option<&[bool]>) {
        // Output slots below `width` are the group's last input row; the
        // rest are aggregates, which read their arguments.
        let Some(needed) = needed else {
            return self.input.narrow(None);
        };
        let mut mask: Vec<bool> = needed.iter().copied().take(self.width).collect();
        let all = self.group_by.iter().all(|(e, _)| e.mark_cols(&mut mask))
            && self.aggs.iter().all(|a| {
                a.args.iter().all(|e| e.mark_cols(&mut mask))
                    && a.filter.as_ref().is_none_or(|f| f.mark_cols(&mut mask))
            });
        self.input.narrow(all.then_some(&mask[..]));
    }
    fn reusable(&self) -> bool {
        self.input.reusable()
            && self.group_by.iter().all(|(e, _)| e.reusable())
            && self.aggs.iter().all(|a| {
                a.args.iter().all(BExpr::reusable) && a.filter.as_ref().is_none_or(BExpr::reusable)
            })
    }
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.out.clear();
        self.loaded = false;
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        if !self.loaded {
            self.loaded = true;
            // Groups found by hash, one probe per row, and put in key order
            // once at the end (a tree of groups compared keys ~log2(groups)
            // times per row, twice).
            let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
            let mut groups: Vec<(Vec<u8>, Group)> = Vec::new();
            let mut args = Vec::new();
            let mut buf = Vec::new();
            let mut key = Vec::new();
            while let Some(r) = pull(&mut self.input, cx, &mut buf)? {
                key.clear();
                for (g, coll) in self.group_by.iter_mut() {
                    let v = g.eval(cx, r)?;
                    value_key(&mut key, &v, SortOrder::Asc, *coll);
                }
                let gi = match index.get(&key[..]) {
                    Some(&gi) => gi,
                    None => {
                        groups.push((key.clone(), Aggregate::new_group(&self.aggs, self.width)?));
                        index.insert(key.clone(), groups.len() - 1);
                        groups.len() - 1
                    }
                };
                let group = &mut groups[gi].1;
                for (i, spec) in self.aggs.iter_mut().enumerate() {
                    if let Some(f) = &mut spec.filter
                        && !f.test(cx, r)?
                    {
                        continue;
                    }
                    args.clear();
                    for a in spec.args.iter_mut() {
                        args.push(a.eval(cx, r)?);
                    }
                    if let Some(seen) = &mut group.seen[i] {
                        if args.iter().any(Value::is_null) {
                            continue;
                        }
                        let k = row_key(&args, &spec.colls);
                        if !seen.insert(k) {
                            continue;
                        }
                    }
                    group.accs[i].step(&args)?;
                }
                if group.last.len() == r.len() {
                    group.last.clone_from_slice(r);
                } else {
                    group.last = r.to_vec();
                }
            }
            if groups.is_empty() && self.group_by.is_empty() {
                let g = Aggregate::new_group(&self.aggs, self.width)?;
                groups.push((Vec::new(), g));
            }
            groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (_, g) in groups {
                let mut row = g.last;
                row.resize(self.width, Value::Null);
                for a in &g.accs {
                    row.push(a.value()?);
                }
                self.out.push_back(row);
            }
        }
        Ok(self.out.pop_front())
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(
            out,
            depth,
            format!(
                "AGGREGATE {} groups by, {} aggregates",
                self.group_by.len(),
                self.aggs.len()
            ),
        );
        self.input.explain(depth + 1, out);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetOp {
    Union,
    UnionAll,
    Intersect,
    Except,
}

/// UNION / INTERSECT / EXCEPT (distinct results in key order, as SQLite
/// produces them) and UNION ALL (left then right, streaming).
#[derive(Debug)]
pub(crate) struct Compound {
    pub op: SetOp,
    pub left: Box<dyn Op>,
    pub right: Box<dyn Op>,
    pub on_right: bool,
    pub out: VecDeque<Tuple>,
    pub loaded: bool,
}

impl Op for Compound {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.on_right = false;
        self.loaded = false;
        self.out.clear();
        self.left.rewind(cx)?;
        self.right.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        if self.op == SetOp::UnionAll {
            if !self.on_right {
                if let Some(r) = self.left.next(cx)? {
                    return Ok(Some(r));
                }
                self.on_right = true;
            }
            return self.right.next(cx);
        }
        if !self.loaded {
            self.loaded = true;
            let mut left: BTreeMap<Vec<u8>, Tuple> = BTreeMap::new();
            while let Some(r) = self.left.next(cx)? {
                left.entry(row_key(&r, &[])).or_insert(r);
            }
            let mut right: BTreeSet<Vec<u8>> = BTreeSet::new();
            while let Some(r) = self.right.next(cx)? {
                let k = row_key(&r, &[]);
                if self.op == SetOp::Union {
                    left.entry(k).or_insert(r);
                } else {
                    right.insert(k);
                }
            }
            for (k, r) in left {
                let keep = match self.op {
                    SetOp::Intersect => right.contains(&k),
                    SetOp::Except => !right.contains(&k),
                    _ => true,
                };
                if keep {
                    self.out.push_back(r);
                }
            }
        }
        Ok(self.out.pop_front())
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, format!("COMPOUND {:?}", self.op));
        self.left.explain(depth + 1, out);
        self.right.explain(depth + 1, out);
    }
}

// ------------------------------------------------------------ the join loop

/// How one FROM item is read.
#[derive(Debug)]
pub(crate) enum Access {
    /// Every row of a table, in rowid order.
    Scan,
    /// The row whose rowid equals the value.
    RowidEq(BExpr),
    /// Rows with rowids in a range.
    RowidRange {
        lo: Option<(BExpr, bool)>,
        hi: Option<(BExpr, bool)>,
    },
    /// Index entries whose first columns equal `eq`, and the next column in
    /// the range `lo..hi`; `covering` when the index holds every column the
    /// query reads.
    Index {
        index: Arc<Index>,
        eq: Vec<(BExpr, Option<Affinity>)>,
        lo: Option<(BExpr, bool, Option<Affinity>)>,
        hi: Option<(BExpr, bool, Option<Affinity>)>,
        covering: bool,
    },
    /// `col IN (list)` on the rowid (`index` None) or on an index's first
    /// column: one probe per distinct value, in key order.
    InList {
        index: Option<Arc<Index>>,
        list: Vec<BExpr>,
        affinity: Affinity,
        /// `col IN (SELECT ...)` (not correlated): the values come from
        /// the subquery, run at each rewind.
        sub: Option<Box<SubPlan>>,
    },
    /// The table's rows hashed on `build` columns; probed with `probe`.
    Hash {
        build: Vec<(BExpr, CmpInfo)>,
        probe: Vec<BExpr>,
    },
}

/// What a level reads from.
#[derive(Debug)]
pub(crate) enum Source {
    Table(Arc<Table>),
    /// A subquery, view or CTE: run once (or per rewind if correlated).
    Query {
        op: Box<dyn Op>,
        correlated: bool,
        name: String,
    },
    /// json_each / json_tree with argument expressions.
    JsonEach {
        args: Vec<BExpr>,
        recursive: bool,
    },
}

#[derive(Debug)]
pub(crate) struct Level {
    pub source: Source,
    pub access: Access,
    pub offset: usize,
    pub width: usize,
    /// Conditions for a row of this level to match.
    pub filters: Vec<BExpr>,
    pub left_join: bool,
    /// A query source read row by row instead of materialized (the first
    /// level, which is reset once per run): lets `LIMIT` stop an endless
    /// recursive CTE.
    pub stream: bool,
    // state
    pub range: Option<Range>,
    pub rows: Option<Arc<Vec<Tuple>>>,
    pub hash: Option<HashMap<Vec<u8>, Vec<usize>>>,
    pub matches: Vec<usize>,
    /// Keys still to probe for an `InList` access.
    pub probes: VecDeque<Vec<u8>>,
    /// The rowid a `RowidEq` access still has to look up.
    point: Option<i64>,
    /// The table columns the query reads (empty: all); see `Op::narrow`.
    wanted: Vec<bool>,
    /// Late materialization of a table scan or rowid range with filters:
    /// `first` are the wanted columns the filters read, decoded for every
    /// row; `late` the other wanted ones, decoded only for rows that pass
    /// ([`Level::materialize`]). Both empty when not worth it.
    first: Vec<bool>,
    late: Vec<bool>,
    /// A filter a table scan answers from each row's record bytes before
    /// decoding it (see [`Prefilter`]); planned at the first reset.
    prefilter: Option<Prefilter>,
    prefilter_planned: bool,
    pub pos: usize,
    pub done: bool,
    pub matched: bool,
    pub null_emitted: bool,
}

impl Level {
    pub fn new(source: Source, access: Access, offset: usize, width: usize) -> Level {
        Level {
            source,
            access,
            offset,
            width,
            filters: Vec::new(),
            left_join: false,
            stream: false,
            range: None,
            rows: None,
            hash: None,
            matches: Vec::new(),
            probes: VecDeque::new(),
            point: None,
            wanted: Vec::new(),
            first: Vec::new(),
            late: Vec::new(),
            prefilter: None,
            prefilter_planned: false,
            pos: 0,
            done: false,
            matched: false,
            null_emitted: false,
        }
    }

    fn describe(&self) -> String {
        let name = match &self.source {
            Source::Table(t) => t.name.clone(),
            Source::Query { name, .. } => format!("SUBQUERY {name}"),
            Source::JsonEach { recursive, .. } => {
                if *recursive {
                    "json_tree".into()
                } else {
                    "json_each".into()
                }
            }
        };
        let how = match &self.access {
            Access::Scan => "SCAN".to_string(),
            Access::RowidEq(_) => "SEARCH (rowid=?)".to_string(),
            Access::RowidRange { .. } => "SEARCH (rowid range)".to_string(),
            Access::Index {
                index,
                eq,
                lo,
                hi,
                covering,
            } => {
                let mut cols = Vec::new();
                for (i, _) in eq.iter().enumerate() {
                    cols.push(format!("{}=?", index_col_name(index, i)));
                }
                if lo.is_some() || hi.is_some() {
                    let c = index_col_name(index, eq.len());
                    match (lo.is_some(), hi.is_some()) {
                        (true, true) => cols.push(format!("{c}>? AND {c}<?")),
                        (true, false) => cols.push(format!("{c}>?")),
                        _ => cols.push(format!("{c}<?")),
                    }
                }
                format!(
                    "SEARCH USING {}INDEX {} ({})",
                    if *covering { "COVERING " } else { "" },
                    index.name,
                    cols.join(" AND ")
                )
            }
            Access::Hash { build, .. } => format!("HASH JOIN on {} keys", build.len()),
            Access::InList {
                index, list, sub, ..
            } => {
                let what = match sub {
                    Some(_) => "subquery".to_string(),
                    None => format!("{} values", list.len()),
                };
                match index {
                    Some(ix) => format!(
                        "SEARCH USING INDEX {} ({} IN {what})",
                        ix.name,
                        index_col_name(ix, 0),
                    ),
                    None => format!("SEARCH (rowid IN {what})"),
                }
            }
        };
        format!(
            "{how} {name}{}",
            if self.left_join { " (LEFT JOIN)" } else { "" }
        )
    }

    /// Prepares to read the rows matching the current combined row.
    fn reset(&mut self, cx: &mut Cx, row: &[Value]) -> Result<()> {
        if !self.prefilter_planned {
            self.prefilter_planned = true;
            self.prefilter = Prefilter::plan(self);
        }
        self.done = false;
        self.matched = false;
        self.null_emitted = false;
        self.pos = 0;
        self.range = None;
        self.matches.clear();
        match &mut self.source {
            Source::Table(t) => {
                let tree = BTree::open(t.root);
                match &mut self.access {
                    Access::Scan => {
                        self.range = Some(tree.range(Bound::Unbounded, Bound::Unbounded, false));
                    }
                    Access::RowidEq(e) => {
                        // Looked up in `advance` by one descent: a range
                        // (bounds, cursor path) would cost allocations and
                        // a second step to find its end.
                        self.point = rowid_of(e.eval(cx, row)?);
                        self.done = self.point.is_none();
                    }
                    Access::RowidRange { lo, hi } => {
                        let lo_k = match lo {
                            Some((e, incl)) => match rowid_bound(e.eval(cx, row)?, *incl, true) {
                                RowidBound::Key(k) => Some(k),
                                RowidBound::Empty => {
                                    self.done = true;
                                    return Ok(());
                                }
                                RowidBound::Unbounded => None,
                            },
                            None => None,
                        };
                        let hi_k = match hi {
                            Some((e, incl)) => match rowid_bound(e.eval(cx, row)?, *incl, false) {
                                RowidBound::Key(k) => Some(k),
                                RowidBound::Empty => {
                                    self.done = true;
                                    return Ok(());
                                }
                                RowidBound::Unbounded => None,
                            },
                            None => None,
                        };
                        self.range = Some(
                            tree.range(
                                lo_k.as_ref()
                                    .map_or(Bound::Unbounded, |k| Bound::Included(&k[..])),
                                hi_k.as_ref()
                                    .map_or(Bound::Unbounded, |k| Bound::Included(&k[..])),
                                false,
                            ),
                        );
                    }
                    Access::Index {
                        index, eq, lo, hi, ..
                    } => {
                        let mut prefix = Vec::new();
                        for (i, (e, aff)) in eq.iter_mut().enumerate() {
                            let mut v = e.eval(cx, row)?;
                            if let Some(a) = aff {
                                v = ops::apply_affinity(v, *a);
                            }
                            if v.is_null() {
                                self.done = true;
                                return Ok(());
                            }
                            let c = &index.columns[i];
                            value_key(&mut prefix, &v, c.order, c.collation);
                        }
                        let c = index.columns.get(eq.len());
                        let mut lower = prefix.clone();
                        let mut upper = prefix.clone();
                        upper.extend_from_slice(&[0xFF; 12]);
                        let mut lower_set = false;
                        if let (Some((e, incl, aff)), Some(c)) = (lo.as_mut(), c) {
                            let mut v = e.eval(cx, row)?;
                            if let Some(a) = aff {
                                v = ops::apply_affinity(v, *a);
                            }
                            if v.is_null() {
                                self.done = true;
                                return Ok(());
                            }
                            value_key(&mut lower, &v, c.order, c.collation);
                            if !*incl {
                                lower.extend_from_slice(&[0xFF; 12]);
                            }
                            lower_set = true;
                        }
                        if let (Some((e, incl, aff)), Some(c)) = (hi.as_mut(), c) {
                            let mut v = e.eval(cx, row)?;
                            if let Some(a) = aff {
                                v = ops::apply_affinity(v, *a);
                            }
                            if v.is_null() {
                                self.done = true;
                                return Ok(());
                            }
                            upper = prefix.clone();
                            value_key(&mut upper, &v, c.order, c.collation);
                            if *incl {
                                upper.extend_from_slice(&[0xFF; 12]);
                            }
                            if !lower_set {
                                // `x < v` never matches NULL: start after them.
                                value_key(&mut lower, &Value::Null, c.order, c.collation);
                                lower.extend_from_slice(&[0xFF; 12]);
                            }
                        }
                        let itree = BTree::open(index.root);
                        self.range = Some(itree.range(
                            Bound::Included(&lower),
                            Bound::Excluded(&upper),
                            false,
                        ));
                    }
                    Access::InList {
                        index,
                        list,
                        affinity,
                        sub,
                    } => {
                        let mut keys = BTreeSet::new();
                        let mut vals = Vec::new();
                        for e in list.iter_mut() {
                            vals.push(e.eval(cx, row)?);
                        }
                        if let Some(sp) = sub {
                            sp.op.rewind(cx)?;
                            while let Some(r) = sp.op.next(cx)? {
                                cx.tick()?;
                                vals.push(r.into_iter().next().unwrap_or(Value::Null));
                            }
                        }
                        for v in vals {
                            let v = ops::apply_affinity(v, *affinity);
                            if v.is_null() {
                                continue;
                            }
                            match index {
                                None => {
                                    if let Some(r) = rowid_of(v) {
                                        keys.insert(rowid_key(r).to_vec());
                                    }
                                }
                                Some(ix) => {
                                    let c = &ix.columns[0];
                                    let mut k = Vec::new();
                                    value_key(&mut k, &v, c.order, c.collation);
                                    keys.insert(k);
                                }
                            }
                        }
                        self.probes = keys.into_iter().collect();
                    }
                    Access::Hash { build, probe } => {
                        if self.hash.is_none() {
                            let mut rows = Vec::new();
                            let mut map: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
                            let mut range = tree.range(Bound::Unbounded, Bound::Unbounded, false);
                            let t = t.clone();
                            let mut scratch = alloc::vec![Value::Null; row.len()];
                            'rows: while range.advance(cx.pager(t.store))? {
                                cx.tick()?;
                                let rowid = rowid_from_key(range.key(), &t.name)?;
                                let mut r = alloc::vec![Value::Null; self.width];
                                let v = range.value(cx.pager(t.store))?;
                                decode_row(&t, rowid, v, &mut r)?;
                                scratch[self.offset..self.offset + self.width].clone_from_slice(&r);
                                let mut k = Vec::new();
                                for (e, info) in build.iter_mut() {
                                    let mut v = e.eval(cx, &scratch)?;
                                    if let Some(a) = info.right {
                                        v = ops::apply_affinity(v, a);
                                    }
                                    if v.is_null() {
                                        continue 'rows;
                                    }
                                    value_key(&mut k, &v, SortOrder::Asc, info.coll);
                                }
                                map.entry(k).or_default().push(rows.len());
                                rows.push(r);
                            }
                            self.rows = Some(Arc::new(rows));
                            self.hash = Some(map);
                        }
                        let mut k = Vec::new();
                        for ((_, info), e) in build.iter().zip(probe.iter_mut()) {
                            let mut v = e.eval(cx, row)?;
                            if let Some(a) = info.left {
                                v = ops::apply_affinity(v, a);
                            }
                            if v.is_null() {
                                self.done = true;
                                return Ok(());
                            }
                            value_key(&mut k, &v, SortOrder::Asc, info.coll);
                        }
                        if let Some(m) = self.hash.as_ref().and_then(|h| h.get(&k)) {
                            self.matches.clone_from(m);
                        } else {
                            self.done = true;
                        }
                    }
                }
            }
            Source::Query { op, correlated, .. } => {
                if self.stream {
                    cx.outer.push(Vec::new());
                    let r = op.rewind(cx);
                    cx.outer.pop();
                    return r;
                }
                if self.rows.is_none() || *correlated {
                    let rows = with_outer(cx, row, |cx| {
                        op.rewind(cx)?;
                        let mut rows = Vec::new();
                        while let Some(r) = op.next(cx)? {
                            rows.push(r);
                        }
                        Ok(rows)
                    })?;
                    self.rows = Some(Arc::new(rows));
                }
            }
            Source::JsonEach { args, recursive } => {
                let json = match args.get_mut(0) {
                    Some(e) => e.eval(cx, row)?,
                    None => Value::Null,
                };
                let path = match args.get_mut(1) {
                    Some(e) => Some(e.eval(cx, row)?),
                    None => None,
                };
                let rows = if json.is_null() {
                    Vec::new()
                } else {
                    func::json::each(&json, path.as_ref(), *recursive)?
                        .into_iter()
                        .map(|r| {
                            let mut v: Tuple = r.into_iter().collect();
                            v.push(json.clone());
                            v.push(path.clone().unwrap_or(Value::Text("$".into())));
                            v
                        })
                        .collect()
                };
                self.rows = Some(Arc::new(rows));
            }
        }
        Ok(())
    }

    /// Fills this level's slots with its next row; false when exhausted.
    fn advance(&mut self, cx: &mut Cx, row: &mut [Value]) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        cx.tick()?;
        let slots = &mut row[self.offset..self.offset + self.width];
        if self.stream
            && let Source::Query { op, .. } = &mut self.source
        {
            cx.outer.push(Vec::new());
            let r = op.next(cx);
            cx.outer.pop();
            return match r? {
                Some(r) => {
                    for (s, v) in slots.iter_mut().zip(r) {
                        *s = v;
                    }
                    Ok(true)
                }
                None => {
                    self.done = true;
                    Ok(false)
                }
            };
        }
        match &self.source {
            Source::Table(t) => {
                if let Access::Hash { .. } = self.access {
                    let Some(&i) = self.matches.get(self.pos) else {
                        self.done = true;
                        return Ok(false);
                    };
                    self.pos += 1;
                    let rows = self
                        .rows
                        .as_ref()
                        .ok_or_else(|| Error::internal("hash rows"))?;
                    slots.clone_from_slice(&rows[i]);
                    return Ok(true);
                }
                if let Access::RowidEq(_) = self.access {
                    self.done = true;
                    let Some(rowid) = self.point.take() else {
                        return Ok(false);
                    };
                    let pager = match t.store {
                        Store::Main => &mut *cx.main,
                        Store::Temp => &mut *cx.temp,
                    };
                    return match BTree::open(t.root).get_with(pager, &rowid_key(rowid), |v| {
                        decode_wanted(t, rowid, v, slots, &self.wanted)
                    })? {
                        Some(r) => r.map(|()| true),
                        None => Ok(false),
                    };
                }
                if let Access::InList { index, .. } = &self.access {
                    loop {
                        if self.range.is_none() {
                            let Some(p) = self.probes.pop_front() else {
                                self.done = true;
                                return Ok(false);
                            };
                            self.range = Some(match index {
                                None => BTree::open(t.root).range(
                                    Bound::Included(&p),
                                    Bound::Included(&p),
                                    false,
                                ),
                                Some(ix) => {
                                    let mut up = p.clone();
                                    up.extend_from_slice(&[0xFF; 12]);
                                    BTree::open(ix.root).range(
                                        Bound::Included(&p),
                                        Bound::Excluded(&up),
                                        false,
                                    )
                                }
                            });
                        }
                        let pager = match t.store {
                            Store::Main => &mut *cx.main,
                            Store::Temp => &mut *cx.temp,
                        };
                        let range = self
                            .range
                            .as_mut()
                            .ok_or_else(|| Error::internal("range"))?;
                        if !range.advance(pager)? {
                            self.range = None;
                            continue;
                        }
                        match index {
                            None => {
                                let rowid = rowid_from_key(range.key(), &t.name)?;
                                let v = range.value(pager)?;
                                decode_wanted(t, rowid, v, slots, &self.wanted)?;
                            }
                            Some(ix) => {
                                let rowid = rowid_from_key(range.key(), &ix.name)?;
                                let k = rowid_key(rowid);
                                let t2 = t.clone();
                                let found = BTree::open(t.root).get_with(pager, &k, |v| {
                                    decode_wanted(&t2, rowid, v, slots, &self.wanted)
                                })?;
                                match found {
                                    Some(r) => r?,
                                    None => {
                                        return Err(err!(
                                            Corrupt,
                                            "index {} points at row {rowid} missing from table {}",
                                            ix.name,
                                            t.name
                                        ));
                                    }
                                }
                            }
                        }
                        return Ok(true);
                    }
                }
                let Some(range) = self.range.as_mut() else {
                    return Ok(false);
                };
                // Taken before the pager borrows `cx`.
                let pre = self
                    .prefilter
                    .and_then(|p| Some((p, p.constant(&self.filters, cx.params)?)));
                let pager = match t.store {
                    Store::Main => &mut *cx.main,
                    Store::Temp => &mut *cx.temp,
                };
                if !range.advance(pager)? {
                    self.done = true;
                    return Ok(false);
                }
                if let Some((p, k)) = pre {
                    while p.rejects(range.value(pager)?, &k, &self.filters) {
                        tick(&mut cx.ticks, cx.interrupt)?;
                        if !range.advance(pager)? {
                            self.done = true;
                            return Ok(false);
                        }
                    }
                }
                if let Access::Index {
                    index, covering, ..
                } = &self.access
                {
                    let key = range.key();
                    let rowid = rowid_from_key(key, &index.name)?;
                    if *covering {
                        let n = index.columns.len();
                        let orders: Vec<SortOrder> =
                            index.columns.iter().map(|c| c.order).collect();
                        let vals = crate::encoding::decode_key(&key[..key.len() - 8], &orders)
                            .map_err(|e| e.context(format!("read index {}", index.name)))?;
                        for s in slots.iter_mut() {
                            *s = Value::Null;
                        }
                        for (c, v) in index.columns.iter().zip(vals).take(n) {
                            if let Some(ci) = c.column {
                                // A key holds the number, the affinity its type.
                                slots[ci] = match (v, t.columns[ci].affinity) {
                                    (Value::Integer(i), Affinity::Real) => Value::Real(i as f64),
                                    (v, _) => v,
                                };
                            }
                        }
                        if let Some(a) = t.rowid_alias {
                            slots[a] = Value::Integer(rowid);
                        }
                        if let Some(s) = slots.get_mut(t.columns.len()) {
                            *s = Value::Integer(rowid);
                        }
                    } else {
                        let tree = BTree::open(t.root);
                        let k = rowid_key(rowid);
                        let t2 = t.clone();
                        let found = tree.get_with(pager, &k, |v| {
                            decode_wanted(&t2, rowid, v, slots, &self.wanted)
                        })?;
                        match found {
                            Some(r) => r?,
                            None => {
                                return Err(err!(
                                    Corrupt,
                                    "index {} points at row {rowid} missing from table {}",
                                    index.name,
                                    t.name
                                ));
                            }
                        }
                    }
                    return Ok(true);
                }
                let rowid = rowid_from_key(range.key(), &t.name)?;
                let v = range.value(pager)?;
                let want = if self.late.is_empty() {
                    &self.wanted
                } else {
                    &self.first
                };
                decode_wanted(t, rowid, v, slots, want)?;
                Ok(true)
            }
            Source::Query { .. } | Source::JsonEach { .. } => {
                let rows = self.rows.as_ref().ok_or_else(|| Error::internal("rows"))?;
                let Some(r) = rows.get(self.pos) else {
                    self.done = true;
                    return Ok(false);
                };
                self.pos += 1;
                for (s, v) in slots.iter_mut().zip(r.iter()) {
                    *s = v.clone();
                }
                Ok(true)
            }
        }
    }
}

impl Level {
    /// After the filters passed a row that [`Level::advance`] decoded only
    /// the filter columns of: decodes the rest of the wanted ones, from the
    /// entry the cursor is still on.
    fn materialize(&mut self, cx: &mut Cx, row: &mut [Value]) -> Result<()> {
        let (Source::Table(t), Some(range)) = (&self.source, self.range.as_mut()) else {
            return Err(Error::internal("late columns without a table range"));
        };
        let pager = cx.pager(t.store);
        let rowid = rowid_from_key(range.key(), &t.name)?;
        let v = range.value(pager)?;
        decode_wanted(
            t,
            rowid,
            v,
            &mut row[self.offset..self.offset + self.width],
            &self.late,
        )
    }

    /// Splits `wanted` into the columns the filters read and the others
    /// (see `first` and `late`), for the accesses that read rows in place
    /// from a table cursor. `filter_mask` holds the combined row's slots
    /// the filters read.
    fn split_late(&mut self, filter_mask: &[bool]) {
        self.first.clear();
        self.late.clear();
        if self.filters.is_empty()
            || self.wanted.is_empty()
            || !matches!(self.access, Access::Scan | Access::RowidRange { .. })
            || !matches!(self.source, Source::Table(_))
        {
            return;
        }
        let first: Vec<bool> = (0..self.width)
            .map(|j| self.wanted[j] && filter_mask.get(self.offset + j).copied().unwrap_or(false))
            .collect();
        let late: Vec<bool> = (0..self.width)
            .map(|j| self.wanted[j] && !first[j])
            .collect();
        if late.iter().any(|&w| w) {
            self.first = first;
            self.late = late;
        }
    }

    /// Marks the slots this level's expressions read (see
    /// [`BExpr::mark_cols`]).
    fn mark_cols(&self, mask: &mut Vec<bool>) -> bool {
        let access = match &self.access {
            Access::Scan => true,
            Access::RowidEq(e) => e.mark_cols(mask),
            Access::RowidRange { lo, hi } => {
                lo.as_ref().is_none_or(|(e, _)| e.mark_cols(mask))
                    && hi.as_ref().is_none_or(|(e, _)| e.mark_cols(mask))
            }
            Access::Index { eq, lo, hi, .. } => {
                eq.iter().all(|(e, _)| e.mark_cols(mask))
                    && lo.as_ref().is_none_or(|(e, _, _)| e.mark_cols(mask))
                    && hi.as_ref().is_none_or(|(e, _, _)| e.mark_cols(mask))
            }
            Access::InList { list, .. } => list.iter().all(|e| e.mark_cols(mask)),
            Access::Hash { build, probe } => {
                build.iter().all(|(e, _)| e.mark_cols(mask))
                    && probe.iter().all(|e| e.mark_cols(mask))
            }
        };
        access && self.filters.iter().all(|e| e.mark_cols(mask))
    }

    /// See [`Op::reusable`]: a table read by rowid, range, index or scan,
    /// with no subqueries in its expressions (hash joins keep their table).
    fn reusable(&self) -> bool {
        let exprs_ok = match &self.access {
            Access::Scan => true,
            Access::RowidEq(e) => e.reusable(),
            Access::RowidRange { lo, hi } => {
                lo.as_ref().is_none_or(|(e, _)| e.reusable())
                    && hi.as_ref().is_none_or(|(e, _)| e.reusable())
            }
            Access::Index { eq, lo, hi, .. } => {
                eq.iter().all(|(e, _)| e.reusable())
                    && lo.as_ref().is_none_or(|(e, _, _)| e.reusable())
                    && hi.as_ref().is_none_or(|(e, _, _)| e.reusable())
            }
            Access::InList { list, .. } => list.iter().all(BExpr::reusable),
            Access::Hash { .. } => false,
        };
        matches!(self.source, Source::Table(_))
            && !self.stream
            && exprs_ok
            && self.filters.iter().all(BExpr::reusable)
    }
}

fn index_col_name(index: &Index, i: usize) -> String {
    match index.columns.get(i) {
        Some(c) => format!("{}", c.expr),
        None => "?".into(),
    }
}

/// A rowid from a probe value: integers, and reals/text that are integral.
pub(crate) fn rowid_of(v: Value) -> Option<i64> {
    match ops::apply_affinity(v, Affinity::Numeric) {
        Value::Integer(i) => Some(i),
        Value::Real(f) if f == libm::trunc(f) && f.abs() < 9.2e18 => Some(f as i64),
        _ => None,
    }
}

enum RowidBound {
    Key([u8; 8]),
    Empty,
    Unbounded,
}

/// Turns `rowid > v` (lower) or `rowid < v` (upper) into an inclusive key.
fn rowid_bound(v: Value, incl: bool, lower: bool) -> RowidBound {
    match ops::apply_affinity(v, Affinity::Numeric) {
        Value::Null => RowidBound::Empty,
        Value::Integer(i) => {
            let b = match (lower, incl) {
                (true, true) | (false, true) => Some(i),
                (true, false) => i.checked_add(1),
                (false, false) => i.checked_sub(1),
            };
            match b {
                Some(b) => RowidBound::Key(rowid_key(b)),
                None => RowidBound::Empty,
            }
        }
        Value::Real(f) => {
            let b = if lower {
                let c = libm::ceil(f);
                if !incl && c == f { c + 1.0 } else { c }
            } else {
                let c = libm::floor(f);
                if !incl && c == f { c - 1.0 } else { c }
            };
            if b >= 9.223_372_036_854_776e18 {
                if lower {
                    RowidBound::Empty
                } else {
                    RowidBound::Unbounded
                }
            } else if b < -9.223_372_036_854_776e18 {
                if lower {
                    RowidBound::Unbounded
                } else {
                    RowidBound::Empty
                }
            } else {
                RowidBound::Key(rowid_key(b as i64))
            }
        }
        // Text and blobs sort after every number.
        _ => {
            if lower {
                RowidBound::Empty
            } else {
                RowidBound::Unbounded
            }
        }
    }
}

/// Nested loops over the FROM items; see the module documentation.
#[derive(Debug)]
pub(crate) struct JoinLoop {
    pub levels: Vec<Level>,
    pub width: usize,
    /// Conditions checked on complete rows (WHERE terms over LEFT JOINed
    /// tables, and anything not pushed down).
    pub post: Vec<BExpr>,
    pub row: Tuple,
    pub started: bool,
    pub depth: usize,
    pub finished: bool,
}

/// A filter `column op number` (or `number op column`) of a table scan,
/// answered from each row's record bytes ([`Record::number_at`]) before the
/// row is decoded: most rows of a selective scan are then never decoded at
/// all. It only rejects. A row it rejects is one the filter itself would
/// reject, since it compares the very value the decode would give with the
/// same comparison ([`compare_bool`], as [`BExpr::test`] does); whenever
/// it cannot tell — the column is not a number in this row, the affinity
/// would change a value, the parameter is not a number — the row goes on
/// to the decode and the filters as before.
///
/// A rejected row is read only as far as the filter's column, as
/// [`Record::decode_into`] reads a row only as far as the last column a
/// query wants (and as SQLite reads records): damage further on in that
/// row goes unreported by this scan (each page's checksum is still
/// verified when the page is read).
#[derive(Clone, Copy, Debug)]
struct Prefilter {
    /// Which of the level's filters.
    filter: usize,
    /// The table column (and record column) it reads.
    col: usize,
    /// Whether the column is the comparison's left operand.
    col_left: bool,
}

impl Prefilter {
    /// The first filter of `level` that can be answered from the record,
    /// for the table scans and rowid ranges that read records in place.
    fn plan(level: &Level) -> Option<Prefilter> {
        let Source::Table(t) = &level.source else {
            return None;
        };
        if !matches!(level.access, Access::Scan | Access::RowidRange { .. }) {
            return None;
        }
        let column = |e: &BExpr| match e {
            BExpr::Col(i) if (level.offset..level.offset + level.width).contains(i) => {
                let j = i - level.offset;
                // The rowid alias is not in the record, and the slot past
                // the columns is the rowid itself.
                (j < t.columns.len() && Some(j) != t.rowid_alias).then_some(j)
            }
            _ => None,
        };
        let constant = |e: &BExpr| matches!(e, BExpr::Lit(_) | BExpr::Param(_));
        let operand = |e: &BExpr| matches!(e, BExpr::Col(_) | BExpr::Lit(_) | BExpr::Param(_));
        for (filter, f) in level.filters.iter().enumerate() {
            let found = match f {
                BExpr::Cmp(_, a, b, _) if constant(b) => column(a).map(|col| (col, true)),
                BExpr::Cmp(_, a, b, _) if constant(a) => column(b).map(|col| (col, false)),
                _ => None,
            };
            if let Some((col, col_left)) = found {
                return Some(Prefilter {
                    filter,
                    col,
                    col_left,
                });
            }
            // The filters run in order and stop at the first false one: a
            // rejected row must not skip an earlier filter that could fail
            // (`abs(x) > 0` on the smallest integer) or call a user
            // function. Comparisons of plain operands cannot.
            if !matches!(f, BExpr::Cmp(_, a, b, _) if operand(a) && operand(b)) {
                return None;
            }
        }
        None
    }

    /// The constant side's value for this run, if it is a number.
    fn constant(self, filters: &[BExpr], params: &[Value]) -> Option<Value> {
        let BExpr::Cmp(_, a, b, _) = filters.get(self.filter)? else {
            return None;
        };
        let side: &BExpr = if self.col_left { b } else { a };
        let v = match side {
            BExpr::Lit(v) => v,
            BExpr::Param(i) => params.get(*i)?,
            _ => return None,
        };
        matches!(v, Value::Integer(_) | Value::Real(_)).then(|| v.clone())
    }

    /// True if the row whose record is `record` fails the filter.
    #[inline]
    fn rejects(self, record: &[u8], k: &Value, filters: &[BExpr]) -> bool {
        let Some(BExpr::Cmp(op, _, _, info)) = filters.get(self.filter) else {
            return false;
        };
        let x = match Record::number_at(record, self.col) {
            Some(ValueRef::Integer(n)) => Value::Integer(n),
            Some(ValueRef::Real(f)) => Value::Real(f),
            _ => return false,
        };
        let (l, r) = if self.col_left { (&x, k) } else { (k, &x) };
        unchanged_by(info.left, l)
            && unchanged_by(info.right, r)
            && compare_bool(*op, l, r, info.coll) != Some(true)
    }
}

impl JoinLoop {
    /// Moves `self.row` to the next combined row; false when done.
    fn step(&mut self, cx: &mut Cx) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let n = self.levels.len();
        if !self.started {
            self.started = true;
            if n == 0 {
                self.finished = true;
                for p in self.post.iter_mut() {
                    if !p.test(cx, &self.row)? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            self.levels[0].reset(cx, &self.row)?;
            self.depth = 0;
        }
        loop {
            let d = self.depth;
            let lvl = &mut self.levels[d];
            let mut got = false;
            while lvl.advance(cx, &mut self.row)? {
                let mut ok = true;
                for f in lvl.filters.iter_mut() {
                    if !f.test(cx, &self.row)? {
                        ok = false;
                        break;
                    }
                }
                if ok {
                    got = true;
                    break;
                }
            }
            if got && !lvl.late.is_empty() {
                lvl.materialize(cx, &mut self.row)?;
            }
            if got {
                lvl.matched = true;
            } else if lvl.left_join && !lvl.matched && !lvl.null_emitted {
                lvl.null_emitted = true;
                for s in &mut self.row[lvl.offset..lvl.offset + lvl.width] {
                    *s = Value::Null;
                }
                got = true;
            }
            if got {
                if d + 1 == n {
                    let mut ok = true;
                    for p in self.post.iter_mut() {
                        if !p.test(cx, &self.row)? {
                            ok = false;
                            break;
                        }
                    }
                    if ok {
                        return Ok(true);
                    }
                } else {
                    self.depth = d + 1;
                    let row = &self.row;
                    self.levels[d + 1].reset(cx, row)?;
                }
            } else {
                if d == 0 {
                    self.finished = true;
                    return Ok(false);
                }
                self.depth = d - 1;
            }
        }
    }

    pub fn new(levels: Vec<Level>, width: usize) -> JoinLoop {
        JoinLoop {
            levels,
            width,
            post: Vec::new(),
            row: Vec::new(),
            started: false,
            depth: 0,
            finished: false,
        }
    }
}

impl Op for JoinLoop {
    fn rewind(&mut self, _: &mut Cx) -> Result<()> {
        self.started = false;
        self.finished = false;
        self.row.clear();
        self.row.resize(self.width, Value::Null);
        Ok(())
    }

    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        Ok(if self.step(cx)? {
            Some(self.row.clone())
        } else {
            None
        })
    }

    fn next_into(&mut self, cx: &mut Cx, out: &mut Tuple) -> Result<bool> {
        if !self.step(cx)? {
            return Ok(false);
        }
        out.clone_from(&self.row);
        Ok(true)
    }

    fn lends_rows(&self) -> bool {
        true
    }

    fn next_ref(&mut self, cx: &mut Cx) -> Result<Option<&[Value]>> {
        Ok(if self.step(cx)? {
            Some(&self.row)
        } else {
            None
        })
    }

    fn reusable(&self) -> bool {
        self.post.iter().all(BExpr::reusable) && self.levels.iter().all(Level::reusable)
    }

    fn narrow(&mut self, needed: Option<&[bool]>) {
        // Subqueries in FROM see the combined row as their outer row: with
        // one of those, every slot may be read.
        let Some(needed) = needed else { return };
        if !self
            .levels
            .iter()
            .all(|l| matches!(l.source, Source::Table(_)))
        {
            return;
        }
        let mut mask = needed.to_vec();
        let all = self.post.iter().all(|e| e.mark_cols(&mut mask))
            && self.levels.iter().all(|l| l.mark_cols(&mut mask));
        if !all {
            return;
        }
        for l in self.levels.iter_mut() {
            if !matches!(l.access, Access::Hash { .. }) {
                l.wanted = (0..l.width)
                    .map(|j| mask.get(l.offset + j).copied().unwrap_or(false))
                    .collect();
                let mut filter_mask = Vec::new();
                if l.filters.iter().all(|e| e.mark_cols(&mut filter_mask)) {
                    l.split_late(&filter_mask);
                }
            }
        }
    }

    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        for (i, l) in self.levels.iter().enumerate() {
            line(out, depth + i, l.describe());
            if let Source::Query { op, .. } = &l.source {
                op.explain(depth + i + 1, out);
            }
        }
    }
}

// ------------------------------------------------------------ recursive CTEs

/// The rows of the previous step of a recursive CTE, shared between the
/// [`RecursiveCte`] that fills it and the [`WorkingTable`] its recursive
/// part reads.
pub(crate) type Working = Arc<crate::sync::Lock<Vec<Tuple>>>;

/// Reads the working table of a recursive CTE.
#[derive(Debug)]
pub(crate) struct WorkingTable {
    pub buf: Working,
    pub rows: Vec<Tuple>,
    pub pos: usize,
}

impl Op for WorkingTable {
    fn rewind(&mut self, _: &mut Cx) -> Result<()> {
        self.rows = crate::sync::lock(&self.buf).clone();
        self.pos = 0;
        Ok(())
    }
    fn next(&mut self, _: &mut Cx) -> Result<Option<Tuple>> {
        let r = self.rows.get(self.pos).cloned();
        self.pos += 1;
        Ok(r)
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, "RECURSIVE STEP INPUT".into());
    }
}

/// `WITH RECURSIVE`: the initial rows, then the recursive part run over
/// each batch of new rows until none come (UNION drops rows seen before).
#[derive(Debug)]
pub(crate) struct RecursiveCte {
    pub init: Box<dyn Op>,
    pub step: Box<dyn Op>,
    pub buf: Working,
    pub distinct: bool,
    pub seen: HashSet<Vec<u8>>,
    pub next_batch: Vec<Tuple>,
    pub in_step: bool,
    pub done: bool,
}

impl Op for RecursiveCte {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.seen.clear();
        self.next_batch.clear();
        self.in_step = false;
        self.done = false;
        self.init.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let r = if self.in_step {
                self.step.next(cx)?
            } else {
                self.init.next(cx)?
            };
            match r {
                Some(r) => {
                    if self.distinct && !self.seen.insert(row_key(&r, &[])) {
                        continue;
                    }
                    self.next_batch.push(r.clone());
                    return Ok(Some(r));
                }
                None => {
                    if self.next_batch.is_empty() {
                        self.done = true;
                        return Ok(None);
                    }
                    *crate::sync::lock(&self.buf) = core::mem::take(&mut self.next_batch);
                    self.in_step = true;
                    self.step.rewind(cx)?;
                }
            }
        }
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, "RECURSIVE CTE".into());
        self.init.explain(depth + 1, out);
        self.step.explain(depth + 1, out);
    }
}

// ------------------------------------------------------------ window functions

impl BExpr {
    /// Marks in `mask` the row slots the expression reads. False when it
    /// holds a subquery, which may read any slot (through the outer row).
    pub fn mark_cols(&self, mask: &mut Vec<bool>) -> bool {
        let all = |es: &[&BExpr], mask: &mut Vec<bool>| es.iter().all(|e| e.mark_cols(mask));
        match self {
            BExpr::Col(i) => {
                if *i >= mask.len() {
                    mask.resize(i + 1, false);
                }
                mask[*i] = true;
                true
            }
            BExpr::Lit(_) | BExpr::Outer(..) | BExpr::Param(_) => true,
            BExpr::InSub { .. } | BExpr::Exists(..) | BExpr::Scalar(_) => false,
            BExpr::Unary(_, e) | BExpr::IsNull(e, _) | BExpr::Cast(e, _) => e.mark_cols(mask),
            BExpr::Arith(_, a, b) | BExpr::Cmp(_, a, b, _) | BExpr::And(a, b) | BExpr::Or(a, b) => {
                all(&[a, b], mask)
            }
            BExpr::InList { expr, list, .. } => {
                expr.mark_cols(mask) && list.iter().all(|e| e.mark_cols(mask))
            }
            BExpr::Like {
                expr,
                pattern,
                escape,
                ..
            } => all(&[expr, pattern], mask) && escape.as_ref().is_none_or(|e| e.mark_cols(mask)),
            BExpr::Case {
                operand,
                whens,
                else_,
            } => {
                operand.as_ref().is_none_or(|(e, _)| e.mark_cols(mask))
                    && whens.iter().all(|(a, b)| all(&[a, b], mask))
                    && else_.as_ref().is_none_or(|e| e.mark_cols(mask))
            }
            BExpr::Func(_, args) => args.iter().all(|e| e.mark_cols(mask)),
            BExpr::Raise(_, m) => m.as_ref().is_none_or(|e| e.mark_cols(mask)),
        }
    }

    /// Whether the expression holds no subquery (whose cached results would
    /// outlive a run): see [`Op::reusable`].
    pub fn reusable(&self) -> bool {
        match self {
            BExpr::Lit(_) | BExpr::Col(_) | BExpr::Outer(..) | BExpr::Param(_) => true,
            BExpr::InSub { .. } | BExpr::Exists(..) | BExpr::Scalar(_) => false,
            BExpr::Unary(_, e) | BExpr::IsNull(e, _) | BExpr::Cast(e, _) => e.reusable(),
            BExpr::Arith(_, a, b) | BExpr::Cmp(_, a, b, _) | BExpr::And(a, b) | BExpr::Or(a, b) => {
                a.reusable() && b.reusable()
            }
            BExpr::InList { expr, list, .. } => expr.reusable() && list.iter().all(BExpr::reusable),
            BExpr::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                expr.reusable()
                    && pattern.reusable()
                    && escape.as_ref().is_none_or(|e| e.reusable())
            }
            BExpr::Case {
                operand,
                whens,
                else_,
            } => {
                operand.as_ref().is_none_or(|(e, _)| e.reusable())
                    && whens.iter().all(|(a, b)| a.reusable() && b.reusable())
                    && else_.as_ref().is_none_or(|e| e.reusable())
            }
            BExpr::Func(_, args) => args.iter().all(BExpr::reusable),
            BExpr::Raise(_, m) => m.as_ref().is_none_or(|e| e.reusable()),
        }
    }

    /// Rewrites every row slot `i` to `f(i)` (for window results, whose
    /// slots are known only after all aggregates are bound).
    pub fn remap_cols(&mut self, f: &dyn Fn(usize) -> usize) {
        match self {
            BExpr::Col(i) => *i = f(*i),
            BExpr::Lit(_) | BExpr::Outer(..) | BExpr::Param(_) => {}
            BExpr::Unary(_, e) | BExpr::IsNull(e, _) | BExpr::Cast(e, _) => e.remap_cols(f),
            BExpr::Arith(_, a, b) | BExpr::Cmp(_, a, b, _) | BExpr::And(a, b) | BExpr::Or(a, b) => {
                a.remap_cols(f);
                b.remap_cols(f);
            }
            BExpr::InList { expr, list, .. } => {
                expr.remap_cols(f);
                for e in list {
                    e.remap_cols(f);
                }
            }
            BExpr::InSub { expr, .. } => expr.remap_cols(f),
            BExpr::Exists(..) | BExpr::Scalar(_) => {}
            BExpr::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                expr.remap_cols(f);
                pattern.remap_cols(f);
                if let Some(e) = escape {
                    e.remap_cols(f);
                }
            }
            BExpr::Case {
                operand,
                whens,
                else_,
            } => {
                if let Some((e, _)) = operand {
                    e.remap_cols(f);
                }
                for (a, b) in whens {
                    a.remap_cols(f);
                    b.remap_cols(f);
                }
                if let Some(e) = else_ {
                    e.remap_cols(f);
                }
            }
            BExpr::Func(_, args) => {
                for a in args {
                    a.remap_cols(f);
                }
            }
            BExpr::Raise(_, m) => {
                if let Some(m) = m {
                    m.remap_cols(f);
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameUnit {
    Rows,
    Range,
    Groups,
}

#[derive(Debug)]
pub(crate) enum Bound2 {
    Unbounded,
    Offset(BExpr, bool),
    Current,
}

/// One window function call with its window.
#[derive(Debug)]
pub(crate) struct WinSpec {
    pub name: String,
    pub args: Vec<BExpr>,
    pub partition: Vec<(BExpr, Collation)>,
    pub order: Vec<(BExpr, SortKey)>,
    pub unit: FrameUnit,
    pub start: Bound2,
    pub end: Bound2,
    pub filter: Option<BExpr>,
    pub distinct: bool,
}

/// Computes window functions: holds its input, sorts each window's
/// partitions, and appends one value per window function to every row
/// (rows come out in the input's order).
#[derive(Debug)]
pub(crate) struct Window {
    pub input: Box<dyn Op>,
    pub specs: Vec<WinSpec>,
    pub out: VecDeque<Tuple>,
    pub loaded: bool,
}

fn frame_offset(b: &mut Bound2, cx: &mut Cx) -> Result<i64> {
    match b {
        Bound2::Offset(e, _) => {
            let v = e.eval(cx, &[])?;
            match ops::apply_affinity(v, Affinity::Integer) {
                Value::Integer(i) if i >= 0 => Ok(i),
                _ => Err(err!(
                    InvalidArgument,
                    "frame starting offset must be a non-negative integer"
                )),
            }
        }
        _ => Ok(0),
    }
}

impl Window {
    fn compute(&mut self, cx: &mut Cx, rows: &mut [Tuple]) -> Result<()> {
        let n = rows.len();
        for spec in self.specs.iter_mut() {
            // Sort row indexes by (partition key, order key).
            let mut keyed: Vec<(Vec<u8>, Vec<u8>, usize)> = Vec::with_capacity(n);
            for (i, r) in rows.iter().enumerate() {
                let mut pk = Vec::new();
                for (e, coll) in spec.partition.iter_mut() {
                    let v = e.eval(cx, r)?;
                    value_key(&mut pk, &v, SortOrder::Asc, *coll);
                }
                let mut vals = Vec::new();
                for (e, _) in spec.order.iter_mut() {
                    vals.push(e.eval(cx, r)?);
                }
                let keys: Vec<SortKey> = spec
                    .order
                    .iter()
                    .enumerate()
                    .map(|(j, (_, k))| SortKey {
                        col: j,
                        ..k.clone()
                    })
                    .collect();
                keyed.push((pk, sort_key(&vals, &keys), i));
            }
            crate::sorting::sort_by(&mut keyed, |a, b| a.cmp(b));
            let start_off = frame_offset(&mut spec.start, cx)?;
            let end_off = frame_offset(&mut spec.end, cx)?;
            let mut p = 0;
            while p < n {
                let mut q = p;
                while q < n && keyed[q].0 == keyed[p].0 {
                    q += 1;
                }
                let part = &keyed[p..q];
                let m = part.len();
                // peer groups
                let mut group_of = alloc::vec![0usize; m];
                let mut group_start = Vec::new();
                for j in 0..m {
                    if j == 0 || part[j].1 != part[j - 1].1 {
                        group_start.push(j);
                    }
                    group_of[j] = group_start.len() - 1;
                }
                let group_end = |g: usize| group_start.get(g + 1).copied().unwrap_or(m);
                let mut args_of = Vec::with_capacity(m);
                for (_, _, ri) in part {
                    let mut a = Vec::new();
                    for e in spec.args.iter_mut() {
                        a.push(e.eval(cx, &rows[*ri])?);
                    }
                    let pass = match &mut spec.filter {
                        Some(f) => f.test(cx, &rows[*ri])?,
                        None => true,
                    };
                    args_of.push((a, pass));
                }
                for j in 0..m {
                    let g = group_of[j];
                    // frame [lo, hi)
                    let (lo, hi) = match spec.unit {
                        FrameUnit::Rows => {
                            let lo = match spec.start {
                                Bound2::Unbounded => 0,
                                Bound2::Current => j,
                                Bound2::Offset(_, preceding) => {
                                    if preceding {
                                        j.saturating_sub(start_off as usize)
                                    } else {
                                        (j + start_off as usize).min(m)
                                    }
                                }
                            };
                            let hi = match spec.end {
                                Bound2::Unbounded => m,
                                Bound2::Current => j + 1,
                                Bound2::Offset(_, preceding) => {
                                    if preceding {
                                        (j + 1).saturating_sub(end_off as usize)
                                    } else {
                                        (j + 1 + end_off as usize).min(m)
                                    }
                                }
                            };
                            (lo, hi)
                        }
                        FrameUnit::Range | FrameUnit::Groups => {
                            let lo = match spec.start {
                                Bound2::Unbounded => 0,
                                Bound2::Current => group_start[g],
                                Bound2::Offset(_, preceding) => {
                                    let gg = if preceding {
                                        g.saturating_sub(start_off as usize)
                                    } else {
                                        g + start_off as usize
                                    };
                                    group_start.get(gg).copied().unwrap_or(m)
                                }
                            };
                            let hi = match spec.end {
                                Bound2::Unbounded => m,
                                Bound2::Current => group_end(g),
                                Bound2::Offset(_, preceding) => {
                                    if preceding {
                                        if (end_off as usize) > g {
                                            0
                                        } else {
                                            group_end(g - end_off as usize)
                                        }
                                    } else {
                                        group_end((g + end_off as usize).min(group_start.len() - 1))
                                    }
                                }
                            };
                            (lo, hi)
                        }
                    };
                    let value = match spec.name.as_str() {
                        "row_number" => Value::Integer(j as i64 + 1),
                        "rank" => Value::Integer(group_start[g] as i64 + 1),
                        "dense_rank" => Value::Integer(g as i64 + 1),
                        "percent_rank" => Value::Real(if m > 1 {
                            group_start[g] as f64 / (m - 1) as f64
                        } else {
                            0.0
                        }),
                        "cume_dist" => Value::Real(group_end(g) as f64 / m as f64),
                        "ntile" => {
                            let k = match args_of[j].0.first() {
                                Some(Value::Integer(k)) if *k > 0 => *k as usize,
                                _ => {
                                    return Err(err!(
                                        InvalidArgument,
                                        "argument of ntile must be a positive integer"
                                    ));
                                }
                            };
                            let size = m / k;
                            let big = m % k;
                            // the first `big` buckets hold size+1 rows
                            let b = if j < big * (size + 1) {
                                j / (size + 1)
                            } else {
                                big + (j - big * (size + 1)) / size.max(1)
                            };
                            Value::Integer(b as i64 + 1)
                        }
                        "lag" | "lead" => {
                            let off = match args_of[j].0.get(1) {
                                Some(Value::Integer(o)) => *o,
                                Some(Value::Null) => {
                                    return Err(err!(
                                        InvalidArgument,
                                        "second argument to {} must be a non-negative integer",
                                        spec.name
                                    ));
                                }
                                Some(_) => 1,
                                None => 1,
                            };
                            let t = if spec.name == "lag" {
                                j as i64 - off
                            } else {
                                j as i64 + off
                            };
                            if t >= 0 && (t as usize) < m {
                                args_of[t as usize]
                                    .0
                                    .first()
                                    .cloned()
                                    .unwrap_or(Value::Null)
                            } else {
                                args_of[j].0.get(2).cloned().unwrap_or(Value::Null)
                            }
                        }
                        "first_value" => {
                            if lo < hi {
                                args_of[lo].0.first().cloned().unwrap_or(Value::Null)
                            } else {
                                Value::Null
                            }
                        }
                        "last_value" => {
                            if lo < hi {
                                args_of[hi - 1].0.first().cloned().unwrap_or(Value::Null)
                            } else {
                                Value::Null
                            }
                        }
                        "nth_value" => {
                            let k = match args_of[j].0.get(1) {
                                Some(Value::Integer(k)) if *k > 0 => *k as usize,
                                _ => {
                                    return Err(err!(
                                        InvalidArgument,
                                        "second argument to nth_value must be a positive integer"
                                    ));
                                }
                            };
                            if lo + k - 1 < hi {
                                args_of[lo + k - 1]
                                    .0
                                    .first()
                                    .cloned()
                                    .unwrap_or(Value::Null)
                            } else {
                                Value::Null
                            }
                        }
                        name => {
                            let mut acc = func::aggregate(name, spec.args.len())
                                .ok_or_else(|| err!(NotFound, "no such window function: {name}"))?;
                            let mut seen = HashSet::new();
                            for (a, pass) in &args_of[lo.min(hi)..hi] {
                                if !pass {
                                    continue;
                                }
                                if spec.distinct
                                    && (a.iter().any(Value::is_null)
                                        || !seen.insert(row_key(a, &[])))
                                {
                                    continue;
                                }
                                acc.step(a)?;
                            }
                            acc.value()?
                        }
                    };
                    rows[part[j].2].push(value);
                }
                p = q;
            }
        }
        Ok(())
    }
}

impl Op for Window {
    fn rewind(&mut self, cx: &mut Cx) -> Result<()> {
        self.out.clear();
        self.loaded = false;
        self.input.rewind(cx)
    }
    fn next(&mut self, cx: &mut Cx) -> Result<Option<Tuple>> {
        if !self.loaded {
            self.loaded = true;
            let mut rows = Vec::new();
            while let Some(r) = self.input.next(cx)? {
                rows.push(r);
            }
            self.compute(cx, &mut rows)?;
            self.out = rows.into();
        }
        Ok(self.out.pop_front())
    }
    fn explain(&self, depth: usize, out: &mut Vec<String>) {
        line(out, depth, format!("WINDOW {} functions", self.specs.len()));
        self.input.explain(depth + 1, out);
    }
}
