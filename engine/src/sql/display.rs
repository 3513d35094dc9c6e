//! Printing the AST back as SQL.
//!
//! Every node implements [`Display`], and the output parses back to an
//! equal tree (positions and result-column spans aside, since those describe
//! the text). The catalog relies on that to rewrite stored CREATE statements
//! on ALTER TABLE RENAME, and views show their definitions with it, so the
//! printer prefers being unambiguous over being pretty:
//!
//! - Identifiers are double-quoted only when they have to be: when they are
//!   not plain ASCII words or when they spell a keyword (any keyword, even
//!   one SQLite would accept as a name — the text must also mean the same to
//!   SQLite) or TRUE / FALSE, which would read back as booleans.
//! - Strings are single-quoted with `''` escapes, blobs are `X'..'`, reals
//!   are printed in Rust's shortest round-trip form, always with a `.` or an
//!   exponent so they read back as reals (`1.0`, `1e300`); infinities print
//!   as `1e999`, which SQLite also reads as infinity.
//! - Sub-expressions are parenthesized by precedence (the same levels as the
//!   parser's) and only then: a child whose level is below what its position
//!   needs gets parentheses; the right operand of a left-associative operator
//!   needs one level more than the left. Two cases need care beyond levels:
//!   `- -x` must not print as the comment `--x`, and `x IS NULL` written as a
//!   binary IS (which the parser never produces from `IS NULL`) prints as
//!   `x IS (NULL)` so it reads back as a binary IS.
//! - Named parameters are numbered by first occurrence, so the printer must
//!   keep their order: `LIMIT :a, :b` (offset first) prints in that order.
//!
//! Information the AST does not keep (a `MATCH` clause of a foreign key, the
//! transaction name after BEGIN, VACUUM's schema) is not printed.

use alloc::string::String;
use core::fmt::{self, Display, Formatter};

use crate::sql::ast::*;
use crate::sql::lexer::{Keyword, KeywordClass};

/// An identifier, double-quoted when needed.
#[derive(Clone, Copy, Debug)]
pub struct Ident<'a>(pub &'a str);

/// A string literal, single-quoted with `''` escapes.
#[derive(Clone, Copy, Debug)]
pub struct StrLit<'a>(pub &'a str);

fn is_plain_word(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return false,
    }
    b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn is_bool_word(s: &str) -> bool {
    s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
}

/// True when `name` can be printed without quotes as an identifier.
pub fn is_plain_ident(name: &str) -> bool {
    is_plain_word(name) && Keyword::lookup(name).is_none() && !is_bool_word(name)
}

impl Display for Ident<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if is_plain_ident(self.0) {
            return f.write_str(self.0);
        }
        f.write_str("\"")?;
        for (i, part) in self.0.split('"').enumerate() {
            if i > 0 {
                f.write_str("\"\"")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

impl Display for StrLit<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        for (i, part) in self.0.split('\'').enumerate() {
            if i > 0 {
                f.write_str("''")?;
            }
            f.write_str(part)?;
        }
        f.write_str("'")
    }
}

/// Writes `items` separated by `", "`.
fn list<T>(
    f: &mut Formatter<'_>,
    items: &[T],
    mut each: impl FnMut(&mut Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, it)?;
    }
    Ok(())
}

fn idents(f: &mut Formatter<'_>, names: &[String]) -> fmt::Result {
    list(f, names, |f, n| write!(f, "{}", Ident(n)))
}

fn exprs(f: &mut Formatter<'_>, es: &[Expr]) -> fmt::Result {
    list(f, es, |f, e| write!(f, "{e}"))
}

// ------------------------------------------------------------ literals

fn write_real(f: &mut Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("NULL")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "1e999" } else { "-1e999" })
    } else {
        // Debug is the shortest form that reads back to the same f64 and
        // always has a `.` or an exponent, so it lexes as a real.
        write!(f, "{x:?}")
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("NULL"),
            Literal::Integer(n) => write!(f, "{n}"),
            Literal::Real(x) => write_real(f, *x),
            Literal::Text(s) => write!(f, "{}", StrLit(s)),
            Literal::Blob(b) => {
                f.write_str("X'")?;
                for byte in b {
                    write!(f, "{byte:02X}")?;
                }
                f.write_str("'")
            }
            Literal::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
        }
    }
}

// ------------------------------------------------------------ expressions

// Precedence levels, as in the parser.
const L_OR: u8 = 1;
const L_AND: u8 = 2;
const L_NOT: u8 = 3;
const L_EQ: u8 = 4;
const L_CMP: u8 = 5;
const L_BIT: u8 = 6;
const L_ADD: u8 = 7;
const L_MUL: u8 = 8;
const L_CONCAT: u8 = 9;
const L_COLLATE: u8 = 10;
const L_UNARY: u8 = 11;
const L_PRIMARY: u8 = 12;

fn binary_level(op: BinaryOp) -> u8 {
    use BinaryOp::*;
    match op {
        Or => L_OR,
        And => L_AND,
        Eq | Ne | Is | IsNot => L_EQ,
        Lt | Le | Gt | Ge => L_CMP,
        BitAnd | BitOr | Shl | Shr => L_BIT,
        Add | Sub => L_ADD,
        Mul | Div | Mod => L_MUL,
        Concat | Arrow | Arrow2 => L_CONCAT,
    }
}

fn binary_str(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Or => "OR",
        And => "AND",
        Eq => "=",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        Is => "IS",
        IsNot => "IS NOT",
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Mod => "%",
        Concat => "||",
        BitAnd => "&",
        BitOr => "|",
        Shl => "<<",
        Shr => ">>",
        Arrow => "->",
        Arrow2 => "->>",
    }
}

/// True when the expression prints with a leading `-`.
fn starts_with_minus(e: &Expr) -> bool {
    match e {
        Expr::Unary {
            op: UnaryOp::Neg, ..
        } => true,
        Expr::Literal(Literal::Integer(n)) => *n < 0,
        Expr::Literal(Literal::Real(x)) => x.is_sign_negative() && !x.is_nan(),
        _ => false,
    }
}

fn level(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => binary_level(*op),
        Expr::Unary {
            op: UnaryOp::Not, ..
        }
        | Expr::Exists { not: true, .. } => L_NOT,
        Expr::Between { .. }
        | Expr::InList { .. }
        | Expr::InSelect { .. }
        | Expr::InTable { .. }
        | Expr::Like { .. }
        | Expr::IsNull { .. } => L_EQ,
        Expr::Collate { .. } => L_COLLATE,
        Expr::Unary { .. } => L_UNARY,
        e if starts_with_minus(e) => L_UNARY,
        _ => L_PRIMARY,
    }
}

/// Writes `e`, in parentheses if its level is below `min`.
fn expr_at(f: &mut Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if level(e) < min {
        f.write_str("(")?;
        expr_raw(f, e)?;
        f.write_str(")")
    } else {
        expr_raw(f, e)
    }
}

fn not_str(not: bool) -> &'static str {
    if not { " NOT" } else { "" }
}

fn function_name_is_plain(name: &str) -> bool {
    if !is_plain_word(name) {
        return false;
    }
    match Keyword::lookup(name) {
        None => true,
        Some(
            Keyword::Cast
            | Keyword::Raise
            | Keyword::CurrentDate
            | Keyword::CurrentTime
            | Keyword::CurrentTimestamp,
        ) => false,
        Some(k) => k.class() != KeywordClass::Reserved,
    }
}

fn expr_raw(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        Expr::Literal(l) => write!(f, "{l}"),
        Expr::Param { index, name, .. } => match name {
            Some(n) => f.write_str(n),
            None => write!(f, "?{index}"),
        },
        Expr::Column {
            schema,
            table,
            name,
            ..
        } => {
            if let Some(s) = schema {
                write!(f, "{}.", Ident(s))?;
            }
            if let Some(t) = table {
                write!(f, "{}.", Ident(t))?;
            }
            write!(f, "{}", Ident(name))
        }
        Expr::Unary { op, expr } => match op {
            UnaryOp::Not => {
                f.write_str("NOT ")?;
                expr_at(f, expr, L_NOT)
            }
            UnaryOp::Neg | UnaryOp::Plus | UnaryOp::BitNot => {
                f.write_str(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    _ => "~",
                })?;
                // `- -x` must not become the comment `--x`.
                let min = if *op == UnaryOp::Neg && starts_with_minus(expr) {
                    L_PRIMARY
                } else {
                    L_UNARY
                };
                expr_at(f, expr, min)
            }
        },
        Expr::Binary {
            op, left, right, ..
        } => {
            let l = binary_level(*op);
            expr_at(f, left, l)?;
            write!(f, " {} ", binary_str(*op))?;
            if matches!(op, BinaryOp::Is | BinaryOp::IsNot)
                && **right == Expr::Literal(Literal::Null)
            {
                // `x IS NULL` would read back as Expr::IsNull.
                return f.write_str("(NULL)");
            }
            expr_at(f, right, l + 1)
        }
        Expr::Between {
            expr,
            low,
            high,
            not,
        } => {
            expr_at(f, expr, L_EQ)?;
            write!(f, "{} BETWEEN ", not_str(*not))?;
            expr_at(f, low, L_CMP)?;
            f.write_str(" AND ")?;
            expr_at(f, high, L_CMP)
        }
        Expr::InList { expr, list, not } => {
            expr_at(f, expr, L_EQ)?;
            write!(f, "{} IN (", not_str(*not))?;
            exprs(f, list)?;
            f.write_str(")")
        }
        Expr::InSelect { expr, select, not } => {
            expr_at(f, expr, L_EQ)?;
            write!(f, "{} IN ({select})", not_str(*not))
        }
        Expr::InTable { expr, table, not } => {
            expr_at(f, expr, L_EQ)?;
            write!(f, "{} IN {table}", not_str(*not))
        }
        Expr::Like {
            op,
            expr,
            pattern,
            escape,
            not,
        } => {
            expr_at(f, expr, L_EQ)?;
            let op = match op {
                LikeOp::Like => "LIKE",
                LikeOp::Glob => "GLOB",
                LikeOp::Regexp => "REGEXP",
                LikeOp::Match => "MATCH",
            };
            write!(f, "{} {op} ", not_str(*not))?;
            expr_at(f, pattern, L_CMP)?;
            if let Some(esc) = escape {
                f.write_str(" ESCAPE ")?;
                expr_at(f, esc, L_CMP)?;
            }
            Ok(())
        }
        Expr::IsNull { expr, not } => {
            expr_at(f, expr, L_EQ)?;
            f.write_str(if *not { " IS NOT NULL" } else { " IS NULL" })
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            f.write_str("CASE")?;
            if let Some(op) = operand {
                write!(f, " {op}")?;
            }
            for (w, t) in whens {
                write!(f, " WHEN {w} THEN {t}")?;
            }
            if let Some(e) = else_ {
                write!(f, " ELSE {e}")?;
            }
            f.write_str(" END")
        }
        Expr::Cast { expr, type_name } => write!(f, "CAST({expr} AS {type_name})"),
        Expr::Collate { expr, collation } => {
            expr_at(f, expr, L_COLLATE)?;
            write!(f, " COLLATE {}", Ident(collation))
        }
        Expr::Function {
            name,
            args,
            distinct,
            star,
            filter,
            over,
            ..
        } => {
            let special = [
                Keyword::CurrentDate,
                Keyword::CurrentTime,
                Keyword::CurrentTimestamp,
            ];
            if args.is_empty()
                && !distinct
                && !star
                && filter.is_none()
                && over.is_none()
                && is_plain_word(name)
                && Keyword::lookup(name).is_some_and(|k| special.contains(&k))
            {
                return f.write_str(name);
            }
            if function_name_is_plain(name) {
                f.write_str(name)?;
            } else {
                write!(f, "{}", Ident(name))?;
            }
            f.write_str("(")?;
            if *star {
                f.write_str("*")?;
            } else {
                if *distinct {
                    f.write_str("DISTINCT ")?;
                }
                exprs(f, args)?;
            }
            f.write_str(")")?;
            if let Some(flt) = filter {
                write!(f, " FILTER (WHERE {flt})")?;
            }
            match over {
                Some(Over::Named(n)) => write!(f, " OVER {}", Ident(n)),
                Some(Over::Spec(spec)) => write!(f, " OVER ({spec})"),
                None => Ok(()),
            }
        }
        Expr::Exists { select, not } => {
            if *not {
                f.write_str("NOT ")?;
            }
            write!(f, "EXISTS ({select})")
        }
        Expr::Subquery(select) => write!(f, "({select})"),
        Expr::Row(items) => {
            f.write_str("(")?;
            exprs(f, items)?;
            f.write_str(")")
        }
        Expr::Raise { kind, message } => {
            let k = match kind {
                RaiseKind::Ignore => "IGNORE",
                RaiseKind::Rollback => "ROLLBACK",
                RaiseKind::Abort => "ABORT",
                RaiseKind::Fail => "FAIL",
            };
            match message {
                Some(m) => write!(f, "RAISE({k}, {m})"),
                None => write!(f, "RAISE({k})"),
            }
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        expr_raw(f, self)
    }
}

impl Display for QualifiedName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.schema {
            write!(f, "{}.", Ident(s))?;
        }
        write!(f, "{}", Ident(&self.name))
    }
}

// ------------------------------------------------------------ windows

impl Display for WindowSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(b) = &self.base {
            write!(f, "{}", Ident(b))?;
            sep = " ";
        }
        if !self.partition_by.is_empty() {
            write!(f, "{sep}PARTITION BY ")?;
            exprs(f, &self.partition_by)?;
            sep = " ";
        }
        if !self.order_by.is_empty() {
            write!(f, "{sep}ORDER BY ")?;
            list(f, &self.order_by, |f, t| write!(f, "{t}"))?;
            sep = " ";
        }
        if let Some(frame) = &self.frame {
            write!(f, "{sep}{frame}")?;
        }
        Ok(())
    }
}

impl Display for Frame {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let units = match self.units {
            FrameUnits::Rows => "ROWS",
            FrameUnits::Range => "RANGE",
            FrameUnits::Groups => "GROUPS",
        };
        write!(f, "{units} BETWEEN {} AND {}", self.start, self.end)?;
        match self.exclude {
            FrameExclude::NoOthers => Ok(()),
            FrameExclude::CurrentRow => f.write_str(" EXCLUDE CURRENT ROW"),
            FrameExclude::Group => f.write_str(" EXCLUDE GROUP"),
            FrameExclude::Ties => f.write_str(" EXCLUDE TIES"),
        }
    }
}

impl Display for FrameBound {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(e) => {
                expr_at(f, e, L_CMP)?;
                f.write_str(" PRECEDING")
            }
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(e) => {
                expr_at(f, e, L_CMP)?;
                f.write_str(" FOLLOWING")
            }
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}

impl Display for OrderTerm {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if self.order == SortOrder::Desc {
            f.write_str(" DESC")?;
        }
        match self.nulls {
            Some(NullsOrder::First) => f.write_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

// ------------------------------------------------------------ SELECT

impl Display for With {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("WITH ")?;
        if self.recursive {
            f.write_str("RECURSIVE ")?;
        }
        list(f, &self.ctes, |f, c| write!(f, "{c}"))
    }
}

impl Display for Cte {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Ident(&self.name))?;
        if !self.columns.is_empty() {
            f.write_str("(")?;
            idents(f, &self.columns)?;
            f.write_str(")")?;
        }
        f.write_str(" AS ")?;
        match self.materialized {
            Some(true) => f.write_str("MATERIALIZED ")?,
            Some(false) => f.write_str("NOT MATERIALIZED ")?,
            None => {}
        }
        write!(f, "({})", self.select)
    }
}

/// The smallest parameter index in `e` (subqueries aside): how LIMIT and
/// OFFSET are ordered so named parameters keep their numbers.
fn first_param(e: &Expr) -> Option<usize> {
    let min = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    };
    match e {
        Expr::Param { index, .. } => Some(*index),
        Expr::Unary { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::IsNull { expr, .. } => first_param(expr),
        Expr::Binary { left, right, .. } => min(first_param(left), first_param(right)),
        Expr::Function { args, .. } | Expr::Row(args) => {
            args.iter().fold(None, |m, a| min(m, first_param(a)))
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            let mut m = operand.as_deref().and_then(first_param);
            for (w, t) in whens {
                m = min(m, min(first_param(w), first_param(t)));
            }
            min(m, else_.as_deref().and_then(first_param))
        }
        _ => None,
    }
}

fn limit_clause(f: &mut Formatter<'_>, limit: &Option<Expr>, offset: &Option<Expr>) -> fmt::Result {
    match (limit, offset) {
        (Some(l), Some(o)) => {
            let offset_first =
                matches!((first_param(o), first_param(l)), (Some(a), Some(b)) if a < b);
            if offset_first {
                write!(f, " LIMIT {o}, {l}")
            } else {
                write!(f, " LIMIT {l} OFFSET {o}")
            }
        }
        (Some(l), None) => write!(f, " LIMIT {l}"),
        (None, Some(o)) => write!(f, " LIMIT -1 OFFSET {o}"),
        (None, None) => Ok(()),
    }
}

fn order_by(f: &mut Formatter<'_>, terms: &[OrderTerm]) -> fmt::Result {
    if !terms.is_empty() {
        f.write_str(" ORDER BY ")?;
        list(f, terms, |f, t| write!(f, "{t}"))?;
    }
    Ok(())
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(w) = &self.with {
            write!(f, "{w} ")?;
        }
        write!(f, "{}", self.body)?;
        order_by(f, &self.order_by)?;
        limit_clause(f, &self.limit, &self.offset)
    }
}

impl Display for CompoundOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompoundOp::Union => "UNION",
            CompoundOp::UnionAll => "UNION ALL",
            CompoundOp::Intersect => "INTERSECT",
            CompoundOp::Except => "EXCEPT",
        })
    }
}

impl Display for SelectBody {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectBody::Core(core) => write!(f, "{core}"),
            SelectBody::Values(rows) => {
                f.write_str("VALUES ")?;
                list(f, rows, |f, row| {
                    f.write_str("(")?;
                    exprs(f, row)?;
                    f.write_str(")")
                })
            }
            SelectBody::Compound { op, left, right } => write!(f, "{left} {op} {right}"),
        }
    }
}

impl Display for SelectCore {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        list(f, &self.columns, |f, c| write!(f, "{c}"))?;
        if let Some(from) = &self.from {
            write!(f, " FROM {from}")?;
        }
        if let Some(w) = &self.where_ {
            write!(f, " WHERE {w}")?;
        }
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            exprs(f, &self.group_by)?;
        }
        if let Some(h) = &self.having {
            write!(f, " HAVING {h}")?;
        }
        if !self.windows.is_empty() {
            f.write_str(" WINDOW ")?;
            list(f, &self.windows, |f, (n, spec)| {
                write!(f, "{} AS ({spec})", Ident(n))
            })?;
        }
        Ok(())
    }
}

impl Display for ResultColumn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ResultColumn::Star => f.write_str("*"),
            ResultColumn::TableStar(t) => write!(f, "{}.*", Ident(t)),
            ResultColumn::Expr { expr, alias, .. } => {
                write!(f, "{expr}")?;
                if let Some(a) = alias {
                    write!(f, " AS {}", Ident(a))?;
                }
                Ok(())
            }
        }
    }
}

fn alias(f: &mut Formatter<'_>, a: &Option<String>) -> fmt::Result {
    match a {
        Some(a) => write!(f, " AS {}", Ident(a)),
        None => Ok(()),
    }
}

fn indexed(f: &mut Formatter<'_>, i: &Option<IndexedBy>) -> fmt::Result {
    match i {
        Some(IndexedBy::Index(name)) => write!(f, " INDEXED BY {}", Ident(name)),
        Some(IndexedBy::NotIndexed) => f.write_str(" NOT INDEXED"),
        None => Ok(()),
    }
}

impl Display for FromItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FromItem::Table {
                name,
                alias: a,
                indexed: i,
            } => {
                write!(f, "{name}")?;
                alias(f, a)?;
                indexed(f, i)
            }
            FromItem::Subquery { select, alias: a } => {
                write!(f, "({select})")?;
                alias(f, a)
            }
            FromItem::Function {
                name,
                args,
                alias: a,
                ..
            } => {
                write!(f, "{}(", Ident(name))?;
                exprs(f, args)?;
                f.write_str(")")?;
                alias(f, a)
            }
            FromItem::Join {
                left,
                right,
                kind,
                natural,
                constraint,
            } => {
                write!(f, "{left}")?;
                if *kind == JoinKind::Inner && !*natural && *constraint == JoinConstraint::None {
                    f.write_str(",")?;
                } else {
                    if *natural {
                        f.write_str(" NATURAL")?;
                    }
                    f.write_str(match kind {
                        JoinKind::Inner => " JOIN",
                        JoinKind::Cross => " CROSS JOIN",
                        JoinKind::Left => " LEFT JOIN",
                        JoinKind::Right => " RIGHT JOIN",
                        JoinKind::Full => " FULL JOIN",
                    })?;
                }
                if matches!(**right, FromItem::Join { .. }) {
                    write!(f, " ({right})")?;
                } else {
                    write!(f, " {right}")?;
                }
                match constraint {
                    JoinConstraint::None => Ok(()),
                    JoinConstraint::On(e) => write!(f, " ON {e}"),
                    JoinConstraint::Using(cols) => {
                        f.write_str(" USING (")?;
                        idents(f, cols)?;
                        f.write_str(")")
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------ DML

impl Display for Conflict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conflict::Rollback => "ROLLBACK",
            Conflict::Abort => "ABORT",
            Conflict::Fail => "FAIL",
            Conflict::Ignore => "IGNORE",
            Conflict::Replace => "REPLACE",
        })
    }
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let [one] = self.columns.as_slice() {
            write!(f, "{} = {}", Ident(one), self.expr)
        } else {
            f.write_str("(")?;
            idents(f, &self.columns)?;
            write!(f, ") = {}", self.expr)
        }
    }
}

fn returning(f: &mut Formatter<'_>, cols: &[ResultColumn]) -> fmt::Result {
    if !cols.is_empty() {
        f.write_str(" RETURNING ")?;
        list(f, cols, |f, c| write!(f, "{c}"))?;
    }
    Ok(())
}

fn where_clause(f: &mut Formatter<'_>, w: &Option<Expr>) -> fmt::Result {
    match w {
        Some(e) => write!(f, " WHERE {e}"),
        None => Ok(()),
    }
}

impl Display for Upsert {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("ON CONFLICT")?;
        if let Some((cols, w)) = &self.target {
            f.write_str(" (")?;
            list(f, cols, |f, c| write!(f, "{c}"))?;
            f.write_str(")")?;
            where_clause(f, w)?;
        }
        match &self.action {
            UpsertAction::Nothing => f.write_str(" DO NOTHING"),
            UpsertAction::Update { sets, where_ } => {
                f.write_str(" DO UPDATE SET ")?;
                list(f, sets, |f, s| write!(f, "{s}"))?;
                where_clause(f, where_)
            }
        }
    }
}

impl Display for Insert {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(w) = &self.with {
            write!(f, "{w} ")?;
        }
        f.write_str("INSERT")?;
        if let Some(c) = self.or {
            write!(f, " OR {c}")?;
        }
        write!(f, " INTO {}", self.table)?;
        alias(f, &self.alias)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            idents(f, &self.columns)?;
            f.write_str(")")?;
        }
        match &self.source {
            InsertSource::Select(s) => write!(f, " {s}")?,
            InsertSource::DefaultValues => f.write_str(" DEFAULT VALUES")?,
        }
        for u in &self.upsert {
            write!(f, " {u}")?;
        }
        returning(f, &self.returning)
    }
}

impl Display for Update {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(w) = &self.with {
            write!(f, "{w} ")?;
        }
        f.write_str("UPDATE")?;
        if let Some(c) = self.or {
            write!(f, " OR {c}")?;
        }
        write!(f, " {}", self.table)?;
        alias(f, &self.alias)?;
        indexed(f, &self.indexed)?;
        f.write_str(" SET ")?;
        list(f, &self.sets, |f, s| write!(f, "{s}"))?;
        if let Some(from) = &self.from {
            write!(f, " FROM {from}")?;
        }
        where_clause(f, &self.where_)?;
        returning(f, &self.returning)?;
        order_by(f, &self.order_by)?;
        limit_clause(f, &self.limit, &self.offset)
    }
}

impl Display for Delete {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(w) = &self.with {
            write!(f, "{w} ")?;
        }
        write!(f, "DELETE FROM {}", self.table)?;
        alias(f, &self.alias)?;
        indexed(f, &self.indexed)?;
        where_clause(f, &self.where_)?;
        returning(f, &self.returning)?;
        order_by(f, &self.order_by)?;
        limit_clause(f, &self.limit, &self.offset)
    }
}

// ------------------------------------------------------------ DDL

impl Display for IndexedColumn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.collation {
            Some(c) => {
                // The parser takes a top-level COLLATE as the column's
                // collation, so the expression must not swallow it.
                expr_at(f, &self.expr, L_COLLATE + 1)?;
                write!(f, " COLLATE {}", Ident(c))?;
            }
            None => write!(f, "{}", self.expr)?,
        }
        if self.order == SortOrder::Desc {
            f.write_str(" DESC")?;
        }
        Ok(())
    }
}

fn conflict_clause(f: &mut Formatter<'_>, c: &Option<Conflict>) -> fmt::Result {
    match c {
        Some(c) => write!(f, " ON CONFLICT {c}"),
        None => Ok(()),
    }
}

impl Display for FkAction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
            FkAction::Cascade => "CASCADE",
            FkAction::Restrict => "RESTRICT",
            FkAction::NoAction => "NO ACTION",
        })
    }
}

impl Display for ForeignKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "REFERENCES {}", Ident(&self.table))?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            idents(f, &self.columns)?;
            f.write_str(")")?;
        }
        if let Some(a) = self.on_delete {
            write!(f, " ON DELETE {a}")?;
        }
        if let Some(a) = self.on_update {
            write!(f, " ON UPDATE {a}")?;
        }
        if self.deferred {
            f.write_str(" DEFERRABLE INITIALLY DEFERRED")?;
        }
        Ok(())
    }
}

/// A DEFAULT value: literals and signed numbers bare, anything else in
/// parentheses (the grammar allows nothing else unparenthesized).
fn default_value(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    let bare = match e {
        Expr::Literal(_) => true,
        Expr::Unary {
            op: UnaryOp::Neg,
            expr,
        } => {
            matches!(**expr, Expr::Literal(Literal::Integer(n)) if n >= 0)
                || matches!(**expr, Expr::Literal(Literal::Real(x)) if x.is_sign_positive() && !x.is_nan())
        }
        Expr::Function {
            name,
            args,
            distinct: false,
            star: false,
            filter: None,
            over: None,
            ..
        } => {
            args.is_empty()
                && is_plain_word(name)
                && matches!(
                    Keyword::lookup(name),
                    Some(Keyword::CurrentDate | Keyword::CurrentTime | Keyword::CurrentTimestamp)
                )
        }
        _ => false,
    };
    if bare {
        write!(f, "{e}")
    } else {
        write!(f, "({e})")
    }
}

impl Display for ColumnConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "CONSTRAINT {} ", Ident(n))?;
        }
        match &self.kind {
            ColumnConstraintKind::PrimaryKey {
                order,
                conflict,
                autoincrement,
            } => {
                f.write_str("PRIMARY KEY")?;
                if *order == SortOrder::Desc {
                    f.write_str(" DESC")?;
                }
                conflict_clause(f, conflict)?;
                if *autoincrement {
                    f.write_str(" AUTOINCREMENT")?;
                }
                Ok(())
            }
            ColumnConstraintKind::NotNull { conflict } => {
                f.write_str("NOT NULL")?;
                conflict_clause(f, conflict)
            }
            ColumnConstraintKind::Null => f.write_str("NULL"),
            ColumnConstraintKind::Unique { conflict } => {
                f.write_str("UNIQUE")?;
                conflict_clause(f, conflict)
            }
            ColumnConstraintKind::Check(e) => write!(f, "CHECK ({e})"),
            ColumnConstraintKind::Default(e) => {
                f.write_str("DEFAULT ")?;
                default_value(f, e)
            }
            ColumnConstraintKind::Collate(c) => write!(f, "COLLATE {}", Ident(c)),
            ColumnConstraintKind::References(fk) => write!(f, "{fk}"),
            ColumnConstraintKind::Generated { expr, stored } => {
                write!(
                    f,
                    "GENERATED ALWAYS AS ({expr}) {}",
                    if *stored { "STORED" } else { "VIRTUAL" }
                )
            }
        }
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Ident(&self.name))?;
        if let Some(t) = &self.type_name {
            write!(f, " {t}")?;
        }
        for c in &self.constraints {
            write!(f, " {c}")?;
        }
        Ok(())
    }
}

impl Display for TableConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "CONSTRAINT {} ", Ident(n))?;
        }
        match &self.kind {
            TableConstraintKind::PrimaryKey {
                columns,
                conflict,
                autoincrement,
            } => {
                f.write_str("PRIMARY KEY (")?;
                list(f, columns, |f, c| write!(f, "{c}"))?;
                if *autoincrement {
                    f.write_str(" AUTOINCREMENT")?;
                }
                f.write_str(")")?;
                conflict_clause(f, conflict)
            }
            TableConstraintKind::Unique { columns, conflict } => {
                f.write_str("UNIQUE (")?;
                list(f, columns, |f, c| write!(f, "{c}"))?;
                f.write_str(")")?;
                conflict_clause(f, conflict)
            }
            TableConstraintKind::Check(e) => write!(f, "CHECK ({e})"),
            TableConstraintKind::ForeignKey { columns, fk } => {
                f.write_str("FOREIGN KEY (")?;
                idents(f, columns)?;
                write!(f, ") {fk}")
            }
        }
    }
}

fn temp(f: &mut Formatter<'_>, t: bool) -> fmt::Result {
    if t { f.write_str("TEMP ") } else { Ok(()) }
}

fn if_not_exists(f: &mut Formatter<'_>, b: bool) -> fmt::Result {
    if b {
        f.write_str("IF NOT EXISTS ")
    } else {
        Ok(())
    }
}

impl Display for CreateTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        temp(f, self.temp)?;
        f.write_str("TABLE ")?;
        if_not_exists(f, self.if_not_exists)?;
        write!(f, "{}", self.name)?;
        match &self.body {
            TableBody::AsSelect(s) => write!(f, " AS {s}"),
            TableBody::Columns {
                columns,
                constraints,
                strict,
                without_rowid,
            } => {
                f.write_str(" (")?;
                list(f, columns, |f, c| write!(f, "{c}"))?;
                for c in constraints {
                    write!(f, ", {c}")?;
                }
                f.write_str(")")?;
                match (strict, without_rowid) {
                    (true, true) => f.write_str(" STRICT, WITHOUT ROWID"),
                    (true, false) => f.write_str(" STRICT"),
                    (false, true) => f.write_str(" WITHOUT ROWID"),
                    (false, false) => Ok(()),
                }
            }
        }
    }
}

impl Display for CreateIndex {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.unique {
            f.write_str("UNIQUE ")?;
        }
        f.write_str("INDEX ")?;
        if_not_exists(f, self.if_not_exists)?;
        write!(f, "{} ON {} (", self.name, Ident(&self.table))?;
        list(f, &self.columns, |f, c| write!(f, "{c}"))?;
        f.write_str(")")?;
        where_clause(f, &self.where_)
    }
}

impl Display for CreateView {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        temp(f, self.temp)?;
        f.write_str("VIEW ")?;
        if_not_exists(f, self.if_not_exists)?;
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            idents(f, &self.columns)?;
            f.write_str(")")?;
        }
        write!(f, " AS {}", self.select)
    }
}

impl Display for CreateTrigger {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        temp(f, self.temp)?;
        f.write_str("TRIGGER ")?;
        if_not_exists(f, self.if_not_exists)?;
        write!(f, "{} ", self.name)?;
        f.write_str(match self.time {
            TriggerTime::Before => "BEFORE",
            TriggerTime::After => "AFTER",
            TriggerTime::InsteadOf => "INSTEAD OF",
        })?;
        match &self.event {
            TriggerEvent::Insert => f.write_str(" INSERT")?,
            TriggerEvent::Delete => f.write_str(" DELETE")?,
            TriggerEvent::Update(cols) => {
                f.write_str(" UPDATE")?;
                if !cols.is_empty() {
                    f.write_str(" OF ")?;
                    idents(f, cols)?;
                }
            }
        }
        write!(f, " ON {}", self.table)?;
        if self.for_each_row {
            f.write_str(" FOR EACH ROW")?;
        }
        if let Some(w) = &self.when {
            write!(f, " WHEN {w}")?;
        }
        f.write_str(" BEGIN ")?;
        for s in &self.body {
            write!(f, "{s}; ")?;
        }
        f.write_str("END")
    }
}

impl Display for AlterTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "ALTER TABLE {} ", self.table)?;
        match &self.action {
            AlterAction::AddColumn(c) => write!(f, "ADD COLUMN {c}"),
            AlterAction::RenameTo(n) => write!(f, "RENAME TO {}", Ident(n)),
            AlterAction::RenameColumn { old, new } => {
                write!(f, "RENAME COLUMN {} TO {}", Ident(old), Ident(new))
            }
            AlterAction::DropColumn(c) => write!(f, "DROP COLUMN {}", Ident(c)),
        }
    }
}

fn pragma_value(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        // The parser reads any bare word (keywords included) as a name here.
        Expr::Column {
            schema: None,
            table: None,
            name,
            ..
        } if is_plain_word(name) => f.write_str(name),
        e => write!(f, "{e}"),
    }
}

impl Display for Stmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::Select(s) => write!(f, "{s}"),
            Stmt::Insert(s) => write!(f, "{s}"),
            Stmt::Update(s) => write!(f, "{s}"),
            Stmt::Delete(s) => write!(f, "{s}"),
            Stmt::CreateTable(s) => write!(f, "{s}"),
            Stmt::CreateIndex(s) => write!(f, "{s}"),
            Stmt::CreateView(s) => write!(f, "{s}"),
            Stmt::CreateTrigger(s) => write!(f, "{s}"),
            Stmt::CreateSchema {
                name,
                if_not_exists: ine,
            } => {
                f.write_str("CREATE SCHEMA ")?;
                if_not_exists(f, *ine)?;
                write!(f, "{}", Ident(name))
            }
            Stmt::Drop {
                kind,
                if_exists,
                name,
            } => {
                let k = match kind {
                    ObjectKind::Table => "TABLE",
                    ObjectKind::Index => "INDEX",
                    ObjectKind::View => "VIEW",
                    ObjectKind::Trigger => "TRIGGER",
                };
                write!(f, "DROP {k} ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                write!(f, "{name}")
            }
            Stmt::DropSchema {
                name,
                if_exists,
                cascade,
            } => {
                f.write_str("DROP SCHEMA ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                write!(f, "{}", Ident(name))?;
                if *cascade {
                    f.write_str(" CASCADE")?;
                }
                Ok(())
            }
            Stmt::AlterTable(a) => write!(f, "{a}"),
            Stmt::Reindex(n) => match n {
                Some(n) => write!(f, "REINDEX {n}"),
                None => f.write_str("REINDEX"),
            },
            Stmt::Begin(mode) => f.write_str(match mode {
                TxnMode::Deferred => "BEGIN",
                TxnMode::Immediate => "BEGIN IMMEDIATE",
                TxnMode::Exclusive => "BEGIN EXCLUSIVE",
            }),
            Stmt::Commit => f.write_str("COMMIT"),
            Stmt::Rollback { savepoint } => match savepoint {
                Some(s) => write!(f, "ROLLBACK TO SAVEPOINT {}", Ident(s)),
                None => f.write_str("ROLLBACK"),
            },
            Stmt::Savepoint(s) => write!(f, "SAVEPOINT {}", Ident(s)),
            Stmt::Release(s) => write!(f, "RELEASE SAVEPOINT {}", Ident(s)),
            Stmt::Explain { query_plan, stmt } => {
                f.write_str(if *query_plan {
                    "EXPLAIN QUERY PLAN "
                } else {
                    "EXPLAIN "
                })?;
                write!(f, "{stmt}")
            }
            Stmt::Pragma { name, value } => {
                write!(f, "PRAGMA {name}")?;
                if let Some(v) = value {
                    f.write_str(" = ")?;
                    pragma_value(f, v)?;
                }
                Ok(())
            }
            Stmt::Analyze(n) => match n {
                Some(n) => write!(f, "ANALYZE {n}"),
                None => f.write_str("ANALYZE"),
            },
            Stmt::Vacuum => f.write_str("VACUUM"),
        }
    }
}

impl Display for Parsed {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.stmt)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sql::parser::{parse, parse_expr};
    use alloc::boxed::Box;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    /// A tree's Debug text without what describes the source text rather
    /// than the statement: positions and result-column spans.
    pub(crate) fn normalized<T: core::fmt::Debug>(t: &T) -> String {
        let s = format!("{t:?}");
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        loop {
            let pos = rest.find("pos: Pos {");
            let span = rest.find("span: \"");
            let at = match (pos, span) {
                (Some(p), Some(q)) => p.min(q),
                (Some(p), None) => p,
                (None, Some(q)) => q,
                (None, None) => break,
            };
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if rest.starts_with("pos:") {
                let end = rest.find('}').map_or(rest.len(), |i| i + 1);
                rest = &rest[end..];
            } else {
                // Skip the Debug-escaped string after `span: "`.
                let bytes = rest.as_bytes();
                let mut i = "span: \"".len();
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                rest = &rest[(i + 1).min(rest.len())..];
            }
        }
        out.push_str(rest);
        out
    }

    /// Parses `sql`, prints every statement, parses the print and compares:
    /// the trees must be equal and printing the reparsed tree must give the
    /// same text. Returns a description of the first difference.
    pub(crate) fn check_round_trip(sql: &str) -> Result<(), String> {
        let parsed = parse(sql).map_err(|e| format!("parse: {e}"))?;
        for p in parsed {
            let printed = p.stmt.to_string();
            let again = parse(&printed).map_err(|e| format!("reparse of `{printed}`: {e}"))?;
            if again.len() != 1 {
                return Err(format!(
                    "`{printed}` reparsed as {} statements",
                    again.len()
                ));
            }
            if normalized(&again[0].stmt) != normalized(&p.stmt) {
                return Err(format!(
                    "`{printed}` reparsed differently:\n  {}\n  {}",
                    normalized(&p.stmt),
                    normalized(&again[0].stmt)
                ));
            }
            let twice = again[0].stmt.to_string();
            if twice != printed {
                return Err(format!(
                    "printing is not stable: `{printed}` then `{twice}`"
                ));
            }
        }
        Ok(())
    }

    fn rt(sql: &str) {
        if let Err(e) = check_round_trip(sql) {
            panic!("{sql}\n{e}");
        }
    }

    fn print_expr(sql: &str) -> String {
        parse_expr(sql).unwrap().to_string()
    }

    #[test]
    fn identifiers_and_literals() {
        assert_eq!(Ident("abc").to_string(), "abc");
        assert_eq!(Ident("_a1").to_string(), "_a1");
        assert_eq!(Ident("select").to_string(), "\"select\"");
        assert_eq!(Ident("key").to_string(), "\"key\"");
        assert_eq!(Ident("true").to_string(), "\"true\"");
        assert_eq!(Ident("a b").to_string(), "\"a b\"");
        assert_eq!(Ident("a\"b").to_string(), "\"a\"\"b\"");
        assert_eq!(Ident("1a").to_string(), "\"1a\"");
        assert_eq!(Ident("").to_string(), "\"\"");
        assert_eq!(Ident("héllo").to_string(), "\"héllo\"");
        assert_eq!(StrLit("it's").to_string(), "'it''s'");
        assert_eq!(Literal::Blob(vec![0x0a, 0xff]).to_string(), "X'0AFF'");
        assert_eq!(Literal::Real(1.0).to_string(), "1.0");
        assert_eq!(Literal::Real(1e300).to_string(), "1e300");
        assert_eq!(Literal::Real(0.1).to_string(), "0.1");
        assert_eq!(Literal::Real(f64::INFINITY).to_string(), "1e999");
        assert_eq!(
            Literal::Integer(i64::MIN).to_string(),
            "-9223372036854775808"
        );
        assert_eq!(Literal::Bool(true).to_string(), "TRUE");
        for x in [
            1.0,
            1e300,
            1.5e-300,
            0.1,
            123456789.125,
            5e-324,
            f64::MAX,
            1e16,
            1e15,
            9007199254740993.0,
        ] {
            let printed = Literal::Real(x).to_string();
            assert_eq!(
                parse_expr(&printed).unwrap(),
                Expr::Literal(Literal::Real(x)),
                "{printed}"
            );
        }
        assert_eq!(
            parse_expr("1e999").unwrap(),
            Expr::Literal(Literal::Real(f64::INFINITY))
        );
    }

    #[test]
    fn expressions_print_minimal_parentheses() {
        let cases = [
            ("1 + 2 * 3", "1 + 2 * 3"),
            ("(1 + 2) * 3", "(1 + 2) * 3"),
            ("1 - (2 - 3)", "1 - (2 - 3)"),
            ("(1 - 2) - 3", "1 - 2 - 3"),
            ("NOT a = b", "NOT a = b"),
            ("(NOT a) = b", "(NOT a) = b"),
            ("a = NOT b", "a = (NOT b)"),
            ("- - 5", "-(-5)"),
            ("-(-5)", "-(-5)"),
            ("- + ~ 3", "-+~3"),
            ("-9223372036854775808", "-9223372036854775808"),
            ("-(-9223372036854775808)", "-(-9223372036854775808)"),
            ("a IS NULL", "a IS NULL"),
            ("a NOTNULL", "a IS NOT NULL"),
            ("a IS (NULL)", "a IS (NULL)"),
            ("a IS DISTINCT FROM NULL", "a IS NOT (NULL)"),
            ("x BETWEEN a AND b AND c", "x BETWEEN a AND b AND c"),
            ("x BETWEEN (a AND b) AND c", "x BETWEEN (a AND b) AND c"),
            ("a || b COLLATE nocase", "a || b COLLATE nocase"),
            ("(a || b) COLLATE nocase", "(a || b) COLLATE nocase"),
            ("-a COLLATE x", "-a COLLATE x"),
            ("-(a COLLATE x)", "-(a COLLATE x)"),
            ("a NOT LIKE 'x' ESCAPE '!'", "a NOT LIKE 'x' ESCAPE '!'"),
            ("a IN ()", "a IN ()"),
            ("NOT EXISTS (SELECT 1)", "NOT EXISTS (SELECT 1)"),
            ("count(*)", "count(*)"),
            ("count(DISTINCT a)", "count(DISTINCT a)"),
            ("replace(a, 'b', 'c')", "replace(a, 'b', 'c')"),
            ("\"cast\"(1)", "\"cast\"(1)"),
            ("current_timestamp", "current_timestamp"),
            ("\"select\".\"from\"", "\"select\".\"from\""),
            ("?", "?1"),
            (":a + :a", ":a + :a"),
            ("CAST(x AS VARCHAR(30))", "CAST(x AS VARCHAR(30))"),
            ("(1, 2)", "(1, 2)"),
            ("x'00ff'", "X'00FF'"),
            ("'it''s'", "'it''s'"),
            ("true AND \"true\"", "TRUE AND \"true\""),
        ];
        for (sql, want) in cases {
            assert_eq!(print_expr(sql), want, "{sql}");
        }
    }

    #[test]
    fn statements_round_trip() {
        let statements = [
            "SELECT 1",
            "SELECT * FROM t",
            "SELECT t.*, a AS \"x y\", b c, 'lit' 'alias', a+1 FROM main.t AS t",
            "SELECT DISTINCT a FROM t WHERE a > 1 AND b IS NOT NULL GROUP BY a, b HAVING count(*) > 1 ORDER BY a DESC NULLS LAST, b LIMIT 10 OFFSET 5",
            "SELECT ALL a FROM t LIMIT 5, 10",
            "SELECT a FROM t LIMIT :b, :a",
            "SELECT a FROM t LIMIT :a OFFSET :b",
            "SELECT a FROM t LIMIT ?2 OFFSET ?1",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT x FROM c",
            "WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED (VALUES (2)) SELECT * FROM a, b",
            "SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT VALUES (5) ORDER BY 1 LIMIT 2",
            "VALUES (1, 'a'), (2, 'b')",
            "SELECT * FROM a NATURAL LEFT JOIN b USING (x) CROSS JOIN c RIGHT OUTER JOIN d ON d.x = c.x FULL JOIN e",
            "SELECT * FROM a, (b JOIN c ON b.x = c.x)",
            "SELECT * FROM a JOIN (b JOIN c ON 1) ON 2",
            "SELECT * FROM t INDEXED BY i, u NOT INDEXED",
            "SELECT * FROM (SELECT 1 AS x) AS s JOIN json_each('[1,2]') AS j",
            "SELECT * FROM json_each(x) j, generate_series(1, 10)",
            "SELECT x FROM t WHERE x IN (1, 2, 3) AND y NOT IN (SELECT y FROM u) AND z IN main.v",
            "SELECT CASE WHEN a THEN 'x' WHEN b THEN 'y' ELSE 'z' END, CASE a WHEN 1 THEN 2 END FROM t",
            "SELECT CAST(a AS INTEGER), CAST(b AS DOUBLE PRECISION) FROM t",
            "SELECT a COLLATE nocase, b FROM t ORDER BY a COLLATE binary DESC",
            "SELECT sum(a) FILTER (WHERE a > 0) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
            "SELECT rank() OVER w, sum(x) OVER (w ORDER BY y RANGE BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW) FROM t WINDOW w AS (PARTITION BY z), v AS (ORDER BY q GROUPS CURRENT ROW EXCLUDE GROUP)",
            "SELECT count(*) OVER (ROWS 3 PRECEDING EXCLUDE TIES) FROM t",
            "SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT 2), (SELECT max(x) FROM t)",
            "SELECT (a, b) = (1, 2), a -> '$.x', a ->> '$.y', a || b, ~a, -a, +a, a & b | c << 2 >> 1 % 3",
            "SELECT a LIKE 'x%' ESCAPE '\\', a GLOB '*', a REGEXP 'r', a MATCH 'm', a NOT GLOB 'g'",
            "SELECT a BETWEEN 1 AND 2, a NOT BETWEEN b AND c, a ISNULL, a NOTNULL, a NOT NULL, a IS b, a IS NOT b, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b",
            "SELECT TRUE, FALSE, NULL, CURRENT_TIME, CURRENT_DATE, CURRENT_TIMESTAMP, x'0102', 1.5, .5, 1e10, 0x10, 9223372036854775808",
            "SELECT ?, ?5, ?, :a, @b, $c, :a",
            "SELECT key, value, type, name, id, text, date FROM \"key\"",
            "SELECT \"a\"\"b\", [c d], `e` FROM t",
            "INSERT INTO t VALUES (1, 2)",
            "INSERT OR IGNORE INTO main.t AS x (a, b) SELECT a, b FROM u WHERE 1 ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b, (c, d) = (1, 2) WHERE b < 3 ON CONFLICT DO NOTHING RETURNING *, a AS z",
            "REPLACE INTO t DEFAULT VALUES",
            "INSERT OR ROLLBACK INTO t(a) VALUES (1)",
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "UPDATE OR FAIL t AS x INDEXED BY i SET a = 1, (b, c) = (2, 3) FROM u WHERE x.id = u.id RETURNING a ORDER BY a LIMIT 1 OFFSET 2",
            "UPDATE t NOT INDEXED SET a = a + 1",
            "DELETE FROM t WHERE a = 1",
            "WITH x AS (SELECT 1) DELETE FROM main.t AS y INDEXED BY i WHERE 1 RETURNING * ORDER BY a LIMIT 3",
            "CREATE TABLE t (a)",
            "CREATE TEMP TABLE IF NOT EXISTS s.t (id INTEGER PRIMARY KEY DESC ON CONFLICT REPLACE AUTOINCREMENT, a VARCHAR(30) NOT NULL ON CONFLICT FAIL UNIQUE DEFAULT 'x' COLLATE nocase, b DOUBLE PRECISION NULL DEFAULT -1.5 CHECK (b > 0), c UNSIGNED BIG INT DEFAULT (1 + 2) REFERENCES p (x) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED, d DECIMAL(10,5) GENERATED ALWAYS AS (a || b) STORED, e AS (1) VIRTUAL, f DEFAULT CURRENT_TIMESTAMP, g DEFAULT abc, h DEFAULT +5, i DEFAULT TRUE, j DEFAULT -9223372036854775808, k DEFAULT x'00', l DEFAULT NULL, CONSTRAINT u UNIQUE (a, b COLLATE binary DESC) ON CONFLICT IGNORE, PRIMARY KEY (id AUTOINCREMENT), CHECK (a <> b), CONSTRAINT fk FOREIGN KEY (c, d) REFERENCES p (x, y) ON DELETE NO ACTION ON UPDATE SET DEFAULT) STRICT, WITHOUT ROWID",
            "CREATE TABLE t (a INT) WITHOUT ROWID",
            "CREATE TABLE t (a INT, b TEXT REFERENCES u ON DELETE RESTRICT MATCH FULL)",
            "CREATE TABLE \"my table\" (\"my col\" \"my type\", [x] 'y')",
            "CREATE TABLE t AS SELECT 1 AS a",
            "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a DESC, b COLLATE nocase, lower(c), (d + e) COLLATE rtrim ASC) WHERE a > 0",
            "CREATE INDEX i ON t (a)",
            "CREATE TEMP VIEW IF NOT EXISTS v (a, b) AS SELECT 1, 2",
            "CREATE VIEW v AS WITH x AS (SELECT 1) SELECT * FROM x",
            "CREATE TRIGGER IF NOT EXISTS tr BEFORE INSERT ON t FOR EACH ROW WHEN new.a > 0 BEGIN INSERT INTO log VALUES (new.a); UPDATE t SET a = 1 WHERE rowid = new.rowid; DELETE FROM u; SELECT RAISE(ABORT, 'no'), RAISE(IGNORE); END",
            "CREATE TEMP TRIGGER tr INSTEAD OF UPDATE OF a, b ON v BEGIN SELECT 1; END",
            "CREATE TRIGGER tr AFTER DELETE ON main.t BEGIN SELECT RAISE(FAIL, 'x'), RAISE(ROLLBACK, 'y'); END",
            "CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END",
            "CREATE SCHEMA s",
            "CREATE SCHEMA IF NOT EXISTS \"select\"",
            "DROP SCHEMA s",
            "DROP SCHEMA IF EXISTS s CASCADE",
            "DROP TABLE IF EXISTS main.t",
            "DROP INDEX i",
            "DROP VIEW v",
            "DROP TRIGGER tr",
            "ALTER TABLE t ADD COLUMN c INT DEFAULT 0 NOT NULL",
            "ALTER TABLE main.t RENAME TO u",
            "ALTER TABLE t RENAME COLUMN a TO \"b c\"",
            "ALTER TABLE t DROP COLUMN a",
            "REINDEX",
            "REINDEX main.i",
            "ANALYZE",
            "ANALYZE t",
            "VACUUM",
            "BEGIN",
            "BEGIN IMMEDIATE",
            "BEGIN EXCLUSIVE TRANSACTION",
            "COMMIT",
            "END TRANSACTION",
            "ROLLBACK",
            "ROLLBACK TO SAVEPOINT sp",
            "SAVEPOINT sp",
            "RELEASE sp",
            "EXPLAIN SELECT 1",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1",
            "PRAGMA foreign_keys",
            "PRAGMA main.journal_mode = WAL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA journal_mode = DELETE",
            "PRAGMA synchronous = FULL",
            "PRAGMA cache_size = -2000",
            "PRAGMA table_info('t')",
            "PRAGMA table_info(\"my table\")",
            "PRAGMA user_version = 1.5",
        ];
        for sql in statements {
            rt(sql);
        }
    }

    #[test]
    fn display_details() {
        let one = |sql: &str| parse(sql).unwrap().remove(0).stmt.to_string();
        assert_eq!(
            one("select a from t limit 1, 2"),
            "SELECT a FROM t LIMIT 2 OFFSET 1"
        );
        assert_eq!(
            one("select a from t limit :x, :y"),
            "SELECT a FROM t LIMIT :x, :y"
        );
        assert_eq!(one("pragma journal_mode=wal"), "PRAGMA journal_mode = wal");
        assert_eq!(
            one("create table t(\"key\" text, b)"),
            "CREATE TABLE t (\"key\" text, b)"
        );
        assert_eq!(
            one("create index i on t(a collate nocase desc)"),
            "CREATE INDEX i ON t (a COLLATE nocase DESC)"
        );
        assert_eq!(one("select * from a, b"), "SELECT * FROM a, b");
        assert_eq!(one("select * from a join b"), "SELECT * FROM a, b");
        assert_eq!(
            one("insert into t default values"),
            "INSERT INTO t DEFAULT VALUES"
        );
        assert_eq!(
            one("create table t(a default (1), b default (-1), c default 'x', d default (x))"),
            "CREATE TABLE t (a DEFAULT 1, b DEFAULT -1, c DEFAULT 'x', d DEFAULT (x))"
        );
    }

    // ---------------------------------------------------- generated trees

    fn name_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z_][a-z0-9_]{0,6}",
            1 => Just(String::from("key")),
            1 => Just(String::from("select")),
            1 => Just(String::from("true")),
            1 => "[ -~]{0,5}",
        ]
    }

    fn literal_strategy() -> impl Strategy<Value = Literal> {
        prop_oneof![
            Just(Literal::Null),
            (0..=i64::MAX).prop_map(Literal::Integer),
            Just(Literal::Integer(i64::MIN)),
            (0.0..1e300f64).prop_map(Literal::Real),
            prop::num::f64::POSITIVE.prop_map(Literal::Real),
            "[ -~]{0,6}".prop_map(Literal::Text),
            prop::collection::vec(any::<u8>(), 0..4).prop_map(Literal::Blob),
            any::<bool>().prop_map(Literal::Bool),
        ]
    }

    fn pos() -> Pos {
        Pos::default()
    }

    fn column(name: String) -> Expr {
        Expr::Column {
            schema: None,
            table: None,
            name,
            pos: pos(),
        }
    }

    fn expr_strategy() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            3 => literal_strategy().prop_map(Expr::Literal),
            3 => name_strategy().prop_map(column),
            1 => (name_strategy(), name_strategy()).prop_map(|(t, n)| Expr::Column {
                schema: None,
                table: Some(t),
                name: n,
                pos: pos(),
            }),
            1 => (1usize..20).prop_map(|index| Expr::Param { index, name: None, pos: pos() }),
        ];
        leaf.prop_recursive(5, 64, 4, |inner| {
            let binop = prop_oneof![
                Just(BinaryOp::Or),
                Just(BinaryOp::And),
                Just(BinaryOp::Eq),
                Just(BinaryOp::Ne),
                Just(BinaryOp::Lt),
                Just(BinaryOp::Le),
                Just(BinaryOp::Gt),
                Just(BinaryOp::Ge),
                Just(BinaryOp::Is),
                Just(BinaryOp::IsNot),
                Just(BinaryOp::Add),
                Just(BinaryOp::Sub),
                Just(BinaryOp::Mul),
                Just(BinaryOp::Div),
                Just(BinaryOp::Mod),
                Just(BinaryOp::Concat),
                Just(BinaryOp::BitAnd),
                Just(BinaryOp::BitOr),
                Just(BinaryOp::Shl),
                Just(BinaryOp::Shr),
                Just(BinaryOp::Arrow),
                Just(BinaryOp::Arrow2),
            ];
            let unop = prop_oneof![
                Just(UnaryOp::Neg),
                Just(UnaryOp::Plus),
                Just(UnaryOp::Not),
                Just(UnaryOp::BitNot)
            ];
            let likeop = prop_oneof![
                Just(LikeOp::Like),
                Just(LikeOp::Glob),
                Just(LikeOp::Regexp),
                Just(LikeOp::Match)
            ];
            let b = |e: Expr| Box::new(e);
            prop_oneof![
                4 => (binop, inner.clone(), inner.clone()).prop_map(move |(op, l, r)| Expr::Binary {
                    op,
                    left: b(l),
                    right: b(r),
                    pos: pos(),
                }),
                2 => (unop, inner.clone()).prop_map(move |(op, e)| Expr::Unary { op, expr: b(e) }),
                1 => (inner.clone(), inner.clone(), inner.clone(), any::<bool>()).prop_map(move |(e, l, h, not)| {
                    Expr::Between { expr: b(e), low: b(l), high: b(h), not }
                }),
                1 => (inner.clone(), prop::collection::vec(inner.clone(), 0..3), any::<bool>())
                    .prop_map(move |(e, list, not)| Expr::InList { expr: b(e), list, not }),
                1 => (likeop, inner.clone(), inner.clone(), prop::option::of(inner.clone()), any::<bool>())
                    .prop_map(move |(op, e, p, esc, not)| Expr::Like {
                        op,
                        expr: b(e),
                        pattern: b(p),
                        escape: esc.map(b),
                        not,
                    }),
                1 => (inner.clone(), any::<bool>()).prop_map(move |(e, not)| Expr::IsNull { expr: b(e), not }),
                1 => (inner.clone(), name_strategy()).prop_map(move |(e, c)| Expr::Collate { expr: b(e), collation: c }),
                1 => (prop::option::of(inner.clone()), prop::collection::vec((inner.clone(), inner.clone()), 1..3), prop::option::of(inner.clone()))
                    .prop_map(move |(o, whens, e)| Expr::Case { operand: o.map(b), whens, else_: e.map(b) }),
                1 => (inner.clone(), prop_oneof![Just("INT"), Just("TEXT"), Just("VARCHAR(10)"), Just("DOUBLE PRECISION")])
                    .prop_map(move |(e, t)| Expr::Cast { expr: b(e), type_name: t.to_string() }),
                1 => ("[a-z][a-z_]{0,5}", prop::collection::vec(inner.clone(), 0..3), any::<bool>(), any::<bool>())
                    .prop_map(|(name, args, distinct, star)| {
                        let star = star && args.is_empty();
                        let distinct = distinct && !args.is_empty();
                        Expr::Function { name, args, distinct, star, filter: None, over: None, pos: pos() }
                    }),
                1 => prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Row),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn generated_expressions_round_trip(e in expr_strategy()) {
            let printed = e.to_string();
            let back = parse_expr(&printed);
            prop_assert!(back.is_ok(), "`{}`: {:?}", printed, back);
            let back = back.unwrap();
            prop_assert_eq!(normalized(&back), normalized(&e), "`{}`", printed);
        }

        #[test]
        fn identifiers_round_trip(name in "\\PC{0,8}") {
            let sql = format!("SELECT {} FROM {}", Ident(&name), Ident(&name));
            let s = parse(&sql).unwrap().remove(0).stmt;
            let Stmt::Select(s) = s else { panic!() };
            let SelectBody::Core(c) = s.body else { panic!() };
            let ok = matches!(&c.columns[0], ResultColumn::Expr { expr: Expr::Column { name: n, .. }, .. } if *n == name);
            prop_assert!(ok, "{}", sql);
        }

        #[test]
        fn strings_round_trip(text in "\\PC{0,12}") {
            let printed = Literal::Text(text.clone()).to_string();
            prop_assert_eq!(parse_expr(&printed).unwrap(), Expr::Literal(Literal::Text(text)));
        }
    }
}
