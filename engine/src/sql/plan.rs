//! The planner: binds an AST against the catalog and builds operators.
//!
//! Binding resolves every name (tables, views, CTEs, columns, functions) to
//! a slot or a definition and reports what is unknown or ambiguous with its
//! line:column. Planning then chooses the order of the FROM items
//! (`join_order`: the written order is kept where moving gains nothing, and
//! LEFT JOIN, CROSS JOIN and table-valued functions never move before what
//! is written ahead of them) and decides, for each in that order, how to
//! read it:
//!
//! - WHERE and ON terms are split into conjuncts, and each is attached to
//!   the first level in join order where every table it mentions is bound
//!   (predicate pushdown); terms over a LEFT JOIN's right side wait for the
//!   full row;
//! - a level with `rowid = expr` reads one row; with `col = expr` on a
//!   leading index column (then a range on the next one) it searches the
//!   index, preferring the most equality columns and a UNIQUE index; an
//!   equality to a table bound before it with no index becomes a hash
//!   join, so a chain of equi-joins never enumerates the cross product;
//! - everything else scans.
//!
//! The terms used for index access stay as filters too: cheap, and it keeps
//! the affinity subtleties of a comparison in one place (the evaluator).
//!
//! After the joins come, in order: aggregation (rows become `[last input
//! row, aggregate values]`), HAVING, the projection (plus hidden ORDER BY
//! keys), DISTINCT, the sort, and LIMIT/OFFSET.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use crate::catalog::{self, Index, Schema, Store, Table};
use crate::encoding::{Collation, SortOrder, Value};
use crate::sql::ast::{self, BinaryOp, Expr, SelectBody};
use crate::sql::exec::*;
use crate::sql::func;
use crate::sql::join_order::{self, AccessOption, LevelInfo};
use crate::sql::ops::{Affinity, affinity_of};
use crate::{Error, Result, err};

/// What a planned query produces.
#[derive(Debug)]
pub(crate) struct Planned {
    pub op: Box<dyn Op>,
    pub names: Vec<String>,
    pub affinities: Vec<Option<Affinity>>,
    pub colls: Vec<Collation>,
    /// Where each result column comes from, when the binder was asked
    /// (`Binder::origins`); empty otherwise, and may be shorter than
    /// `names` (missing = an expression).
    pub origins: Vec<Option<Origin>>,
    /// A compound's origins as an enclosing query sees them: SQLite reads
    /// a compound subquery's column types from its last SELECT, while the
    /// statement's own result columns take the first one's (`origins`).
    pub last_origins: Option<Vec<Option<Origin>>>,
}

impl Planned {
    /// Takes the origins of this query's columns as a FROM item or a
    /// scalar subquery sees them (see `last_origins`).
    fn take_derived_origins(&mut self) -> Vec<Option<Origin>> {
        let first = core::mem::take(&mut self.origins);
        self.last_origins.take().unwrap_or(first)
    }
}

/// The table column a result column reads directly (also through views,
/// FROM subqueries and CTEs): what SQLite's sqlite3_column_database_name,
/// _table_name, _origin_name and _decltype report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    /// `main`, `temp` or a CREATE SCHEMA schema's name.
    pub database: String,
    pub table: String,
    /// The column's name as declared (`rowid` for a table's own rowid).
    pub column: String,
    /// The declared type as written, if any.
    pub decl_type: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct ColInfo {
    pub name: String,
    pub affinity: Option<Affinity>,
    pub coll: Collation,
    /// Hidden from `*` (json_each's json/root; USING duplicates).
    pub hidden: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct ScopeTable {
    pub name: String,
    pub columns: Vec<ColInfo>,
    pub offset: usize,
    pub rowid: Option<usize>,
    pub level: usize,
    pub table: Option<Arc<Table>>,
    /// The origins of a derived source's columns (a view, subquery, CTE,
    /// table-valued function), when the binder collects them; a table's
    /// come from `table`.
    pub origins: Vec<Option<Origin>>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub tables: Vec<ScopeTable>,
    pub width: usize,
}

#[derive(Clone, Debug)]
struct CteDef {
    name: String,
    columns: Vec<String>,
    select: ast::Select,
    recursive: bool,
    /// Set while planning this CTE's recursive part: references to the
    /// CTE read the working table.
    working: Option<(Working, Vec<String>)>,
}

/// Aggregates collected while binding post-aggregation expressions.
#[derive(Debug, Default)]
struct AggCollect {
    specs: Vec<AggSpec>,
    /// Width of the pre-aggregation row: aggregate `i` is slot `width + i`.
    width: usize,
}

/// The catalogs a statement binds against.
pub(crate) struct Catalogs<'a> {
    pub main: &'a Schema,
    pub temp: &'a Schema,
}

pub(crate) struct Binder<'a> {
    pub cat: Catalogs<'a>,
    pub scopes: Vec<Scope>,
    ctes: Vec<CteDef>,
    agg: Option<AggCollect>,
    /// Window functions collected while binding a result list, and the
    /// named windows of the SELECT.
    win: Option<Vec<WinSpec>>,
    windows: Vec<(String, ast::WindowSpec)>,
    /// The rows of the SELECT core being planned already come in ORDER BY
    /// order (read through an index or by rowid): no sort needed.
    presorted: bool,
    /// Smallest scope index a column reference resolved to since reset:
    /// tells whether a subquery is correlated.
    min_scope: usize,
    /// Views being expanded (to catch a view that selects from itself).
    expanding: Vec<String>,
    /// Collect result-column origins (`Planned::origins`): only prepare
    /// asks, so running a statement does not pay for them.
    pub origins: bool,
    /// The origin of the first column of the scalar subquery planned last
    /// (SQLite reports it for a result column that is such a subquery).
    sub_origin: Option<Origin>,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn is_numeric(a: Option<Affinity>) -> bool {
    matches!(
        a,
        Some(Affinity::Integer | Affinity::Real | Affinity::Numeric)
    )
}

/// SQLite's comparison conversions for operands of these affinities.
pub(crate) fn cmp_info(la: Option<Affinity>, ra: Option<Affinity>, coll: Collation) -> CmpInfo {
    let none = |a: Option<Affinity>| matches!(a, None | Some(Affinity::Blob));
    let mut info = CmpInfo {
        left: None,
        right: None,
        coll,
    };
    if is_numeric(la) && !is_numeric(ra) {
        info.right = Some(Affinity::Numeric);
    } else if is_numeric(ra) && !is_numeric(la) {
        info.left = Some(Affinity::Numeric);
    } else if la == Some(Affinity::Text) && none(ra) {
        info.right = Some(Affinity::Text);
    } else if ra == Some(Affinity::Text) && none(la) {
        info.left = Some(Affinity::Text);
    }
    info
}

pub(crate) fn is_aggregate_call(name: &str, args: usize, over: bool) -> bool {
    if over {
        return false;
    }
    let n = lower(name);
    if (n == "min" || n == "max") && args != 1 {
        return false;
    }
    func::is_aggregate(&n)
}

/// Whether an expression contains an aggregate call (not inside a subquery).
pub(crate) fn has_aggregate(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let Expr::Function {
            name, args, over, ..
        } = x
            && is_aggregate_call(name, args.len(), over.is_some())
        {
            found = true;
        }
    });
    found
}

/// Calls `f` on `e` and its sub-expressions, not entering subqueries.
pub(crate) fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Unary { expr, .. }
        | Expr::IsNull { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. } => walk(expr, f),
        Expr::Binary { left, right, .. } => {
            walk(left, f);
            walk(right, f);
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            walk(expr, f);
            walk(low, f);
            walk(high, f);
        }
        Expr::InList { expr, list, .. } => {
            walk(expr, f);
            for x in list {
                walk(x, f);
            }
        }
        Expr::InSelect { expr, .. } | Expr::InTable { expr, .. } => walk(expr, f),
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            walk(expr, f);
            walk(pattern, f);
            if let Some(x) = escape {
                walk(x, f);
            }
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            if let Some(x) = operand {
                walk(x, f);
            }
            for (a, b) in whens {
                walk(a, f);
                walk(b, f);
            }
            if let Some(x) = else_ {
                walk(x, f);
            }
        }
        Expr::Function { args, filter, .. } => {
            for a in args {
                walk(a, f);
            }
            if let Some(x) = filter {
                walk(x, f);
            }
        }
        Expr::Row(v) => {
            for x in v {
                walk(x, f);
            }
        }
        Expr::Raise {
            message: Some(m), ..
        } => walk(m, f),
        _ => {}
    }
}

fn has_subquery(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if matches!(
            x,
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSelect { .. } | Expr::InTable { .. }
        ) {
            found = true;
        }
    });
    found
}

/// Splits `a AND b AND c` into its terms.
pub(crate) fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Binary {
            op: BinaryOp::And,
            left,
            right,
            ..
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        _ => out.push(e),
    }
}

/// One flattened FROM item with how it joins the items before it.
struct Flat<'s> {
    item: &'s ast::FromItem,
    left_join: bool,
    /// CROSS JOIN: the user's fixed order, as in SQLite.
    cross: bool,
    on: Option<&'s Expr>,
    using: Vec<String>,
    natural: bool,
}

fn flatten<'s>(f: &'s ast::FromItem, out: &mut Vec<Flat<'s>>) -> Result<()> {
    match f {
        ast::FromItem::Join {
            left,
            right,
            kind,
            natural,
            constraint,
        } => {
            flatten(left, out)?;
            let left_join = match kind {
                ast::JoinKind::Left => true,
                ast::JoinKind::Inner | ast::JoinKind::Cross => false,
                ast::JoinKind::Right | ast::JoinKind::Full => {
                    return Err(err!(
                        Unsupported,
                        "RIGHT and FULL OUTER JOIN are not supported yet"
                    ));
                }
            };
            let mut flat = Vec::new();
            flatten(right, &mut flat)?;
            let mut first = true;
            for mut fl in flat {
                if first {
                    fl.left_join = left_join;
                    fl.cross = *kind == ast::JoinKind::Cross;
                    fl.natural = *natural;
                    match constraint {
                        ast::JoinConstraint::On(e) => fl.on = Some(e),
                        ast::JoinConstraint::Using(cols) => fl.using = cols.clone(),
                        ast::JoinConstraint::None => {}
                    }
                    first = false;
                }
                out.push(fl);
            }
            Ok(())
        }
        other => {
            out.push(Flat {
                item: other,
                left_join: false,
                cross: false,
                on: None,
                using: Vec::new(),
                natural: false,
            });
            Ok(())
        }
    }
}

/// A WHERE or ON conjunct: the levels it reads (bit per FROM item), and
/// whether it has parts the planner cannot see into.
#[derive(Clone, Copy)]
struct Term<'e> {
    expr: &'e Expr,
    mask: u64,
    opaque: bool,
}

/// A comparison that could find rows of a level: `this op other`, with
/// `this` its column (`None` = the rowid) and `other` reading `mask`.
struct Cand<'e> {
    col: Option<usize>,
    op: BinaryOp,
    other: &'e Expr,
    this: &'e Expr,
    mask: u64,
}

impl<'a> Binder<'a> {
    pub fn new(cat: Catalogs<'a>) -> Binder<'a> {
        Binder {
            cat,
            scopes: Vec::new(),
            ctes: Vec::new(),
            agg: None,
            win: None,
            windows: Vec::new(),
            presorted: false,
            min_scope: usize::MAX,
            expanding: Vec::new(),
            origins: false,
            sub_origin: None,
        }
    }

    // ---------------------------------------------------------- lookups

    pub fn table(&self, name: &ast::QualifiedName) -> Result<Arc<Table>> {
        self.find_table(name.schema.as_deref(), &name.name)
            .ok_or_else(|| {
                err!(
                    NotFound,
                    "no such table: {} at {}",
                    display_name(name),
                    name.pos
                )
            })
    }

    pub fn find_table(&self, schema: Option<&str>, name: &str) -> Option<Arc<Table>> {
        let k = lower(name);
        match schema.map(lower).as_deref() {
            Some("main") | Some("root") => self.cat.main.tables.get(&k).cloned(),
            Some("temp") => self.cat.temp.tables.get(&k).cloned(),
            Some(s) if self.cat.main.named.contains(s) => {
                self.cat.main.tables.get(&format!("{s}.{k}")).cloned()
            }
            Some(_) => None,
            None => self
                .cat
                .temp
                .tables
                .get(&k)
                .or_else(|| self.cat.main.tables.get(&k))
                .cloned(),
        }
    }

    fn find_view(&self, schema: Option<&str>, name: &str) -> Option<Arc<catalog::View>> {
        let k = lower(name);
        match schema.map(lower).as_deref() {
            Some("main") | Some("root") => self.cat.main.views.get(&k).cloned(),
            Some("temp") => self.cat.temp.views.get(&k).cloned(),
            Some(s) if self.cat.main.named.contains(s) => {
                self.cat.main.views.get(&format!("{s}.{k}")).cloned()
            }
            Some(_) => None,
            None => self
                .cat
                .temp
                .views
                .get(&k)
                .or_else(|| self.cat.main.views.get(&k))
                .cloned(),
        }
    }

    pub fn indexes_of(&self, t: &Table) -> Vec<Arc<Index>> {
        match t.store {
            Store::Main => self.cat.main.indexes_of(&t.name),
            Store::Temp => self.cat.temp.indexes_of(&t.name),
        }
    }

    /// The indexes a level may search: all but partial ones (their WHERE
    /// is not checked against the query), or only the one INDEXED BY names.
    fn access_indexes(&self, t: &Table, indexed: Option<&ast::IndexedBy>) -> Vec<Arc<Index>> {
        let mut ixs = self.indexes_of(t);
        ixs.retain(|ix| {
            ix.where_.is_none()
                && match indexed {
                    Some(ast::IndexedBy::Index(n)) => ix.name.eq_ignore_ascii_case(n),
                    _ => true,
                }
        });
        ixs
    }

    // ---------------------------------------------------------- columns

    /// Resolves a column reference: (scope index, slot, info).
    fn resolve(
        &self,
        table: Option<&str>,
        name: &str,
        pos: ast::Pos,
    ) -> Result<(usize, usize, Option<Affinity>, Collation)> {
        for si in (0..self.scopes.len()).rev() {
            let scope = &self.scopes[si];
            let mut hit: Option<(usize, Option<Affinity>, Collation)> = None;
            for t in &scope.tables {
                if let Some(tn) = table
                    && !t.name.eq_ignore_ascii_case(tn)
                {
                    continue;
                }
                let found = t.columns.iter().position(|c| {
                    c.name.eq_ignore_ascii_case(name)
                        && !(table.is_none() && c.hidden && c.name.starts_with('\u{1}'))
                });
                let slot = match found {
                    Some(i) => Some((t.offset + i, t.columns[i].affinity, t.columns[i].coll)),
                    None => {
                        let is_rowid = ["rowid", "oid", "_rowid_"]
                            .iter()
                            .any(|r| r.eq_ignore_ascii_case(name));
                        match (is_rowid, t.rowid) {
                            (true, Some(r)) => {
                                Some((r, Some(Affinity::Integer), Collation::Binary))
                            }
                            _ => None,
                        }
                    }
                };
                if let Some(s) = slot {
                    if hit.is_some() {
                        // USING/NATURAL duplicates are hidden; a true
                        // duplicate is ambiguous.
                        let dup_hidden = t
                            .columns
                            .iter()
                            .find(|c| c.name.eq_ignore_ascii_case(name))
                            .is_some_and(|c| c.hidden);
                        if dup_hidden {
                            continue;
                        }
                        return Err(err!(
                            InvalidArgument,
                            "ambiguous column name: {}{name} at {pos}",
                            table.map(|t| format!("{t}.")).unwrap_or_default()
                        ));
                    }
                    hit = Some(s);
                }
            }
            if let Some((slot, a, c)) = hit {
                return Ok((si, slot, a, c));
            }
        }
        Err(err!(
            NotFound,
            "no such column: {}{name} at {pos}",
            table.map(|t| format!("{t}.")).unwrap_or_default()
        ))
    }

    fn column_ref(&mut self, table: Option<&str>, name: &str, pos: ast::Pos) -> Result<BExpr> {
        let (si, slot, _, _) = self.resolve(table, name, pos)?;
        self.min_scope = self.min_scope.min(si);
        let inner = self.scopes.len() - 1;
        Ok(if si == inner {
            BExpr::Col(slot)
        } else {
            BExpr::Outer(inner - si, slot)
        })
    }

    // ---------------------------------------------------------- origins

    /// The origin of column `col` of table `t` (None = its rowid, which is
    /// the INTEGER PRIMARY KEY column when there is one, else `rowid` of
    /// type INTEGER, as SQLite reports it).
    pub fn table_origin(&self, t: &Table, col: Option<usize>) -> Origin {
        // A CREATE SCHEMA schema's table is `schema.table` in the main
        // catalog.
        let (database, table) = match (t.store, t.name.split_once('.')) {
            (Store::Temp, _) => ("temp", t.name.as_str()),
            (Store::Main, Some((s, n))) if self.cat.main.named.contains(&lower(s)) => (s, n),
            (Store::Main, _) => ("main", t.name.as_str()),
        };
        let (column, decl_type) = match col.or(t.rowid_alias) {
            Some(i) => (t.columns[i].name.clone(), t.columns[i].type_name.clone()),
            None => ("rowid".into(), Some("INTEGER".into())),
        };
        Origin {
            database: database.into(),
            table: table.into(),
            column,
            decl_type,
        }
    }

    /// The origin of the value in slot `slot` of scope `si`.
    fn slot_origin(&self, si: usize, slot: usize) -> Option<Origin> {
        let t = self.scopes[si].tables.iter().find(|t| {
            (t.offset..t.offset + t.columns.len()).contains(&slot) || t.rowid == Some(slot)
        })?;
        if t.rowid == Some(slot) {
            return t.table.as_ref().map(|tab| self.table_origin(tab, None));
        }
        self.column_origin(t, slot - t.offset)
    }

    /// The origin of column `i` of a FROM item.
    fn column_origin(&self, t: &ScopeTable, i: usize) -> Option<Origin> {
        match &t.table {
            Some(tab) => Some(self.table_origin(tab, Some(i))),
            None => t.origins.get(i).cloned().flatten(),
        }
    }

    /// The origin of a result column's expression: a column reference's
    /// table column; None for anything computed (SQLite's rule: a CAST, a
    /// COLLATE or a unary `+` makes an expression too).
    pub fn expr_origin(&self, e: &Expr) -> Option<Origin> {
        match e {
            Expr::Column {
                table, name, pos, ..
            } => {
                let (si, slot, _, _) = self.resolve(table.as_deref(), name, *pos).ok()?;
                self.slot_origin(si, slot)
            }
            Expr::Row(v) if v.len() == 1 => self.expr_origin(&v[0]),
            _ => None,
        }
    }

    /// The affinity an expression carries into a comparison.
    pub fn affinity(&self, e: &Expr) -> Option<Affinity> {
        match e {
            Expr::Column {
                table, name, pos, ..
            } => self
                .resolve(table.as_deref(), name, *pos)
                .ok()
                .and_then(|r| r.2),
            Expr::Cast { type_name, .. } => Some(affinity_of(Some(type_name))),
            Expr::Collate { expr, .. } => self.affinity(expr),
            Expr::Subquery(s) => self.select_affinity(s),
            _ => None,
        }
    }

    fn select_affinity(&self, s: &ast::Select) -> Option<Affinity> {
        match &s.body {
            SelectBody::Core(c) => match c.columns.first() {
                Some(ast::ResultColumn::Expr { expr, .. }) if c.from.is_some() => {
                    // Bind-free approximation: a bare column of a single
                    // table keeps that column's affinity.
                    if let (Expr::Column { name, .. }, Some(ast::FromItem::Table { name: t, .. })) =
                        (expr, &c.from)
                    {
                        let tab = self.find_table(t.schema.as_deref(), &t.name)?;
                        let i = tab.column(name)?;
                        return Some(tab.columns[i].affinity);
                    }
                    None
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The collation of an expression: (collation, explicit).
    fn collation(&self, e: &Expr) -> Option<(Collation, bool)> {
        match e {
            Expr::Collate { collation, .. } => Collation::from_name(collation).map(|c| (c, true)),
            Expr::Column {
                table, name, pos, ..
            } => self
                .resolve(table.as_deref(), name, *pos)
                .ok()
                .map(|r| (r.3, false)),
            _ => None,
        }
    }

    fn cmp_coll(&self, a: &Expr, b: &Expr) -> Collation {
        let ca = self.collation(a);
        let cb = self.collation(b);
        match (ca, cb) {
            (Some((c, true)), _) => c,
            (_, Some((c, true))) => c,
            (Some((c, false)), _) => c,
            (_, Some((c, false))) => c,
            _ => Collation::Binary,
        }
    }

    fn cmp_info_of(&self, a: &Expr, b: &Expr) -> CmpInfo {
        cmp_info(self.affinity(a), self.affinity(b), self.cmp_coll(a, b))
    }

    // ---------------------------------------------------------- expressions

    pub fn bind(&mut self, e: &Expr) -> Result<BExpr> {
        Ok(match e {
            Expr::Literal(l) => BExpr::Lit(literal_value(l)),
            Expr::Param { index, .. } => BExpr::Param(index.saturating_sub(1)),
            Expr::Column {
                table, name, pos, ..
            } => {
                if table.is_none()
                    && let Some(v) = self.agg_passthrough(e)
                {
                    return Ok(v);
                }
                match self.column_ref(table.as_deref(), name, *pos) {
                    Ok(b) => b,
                    // A double-quoted string that names no column is a
                    // string literal (SQLite's misfeature, relied upon).
                    Err(err) if table.is_none() && err.kind() == crate::ErrorKind::NotFound => {
                        if self.quoted(name) {
                            BExpr::Lit(Value::Text(name.clone()))
                        } else {
                            return Err(err);
                        }
                    }
                    Err(err) => return Err(err),
                }
            }
            Expr::Unary { op, expr } => match (op, self.bind(expr)?) {
                // A negative number is written as `-` and a literal: folded
                // here, it is a constant for the operators that look for
                // one (a scan's record prefilter) and costs nothing per row.
                // The smallest integer has no positive literal (the parser
                // makes it one literal), so negation never overflows here.
                (ast::UnaryOp::Neg, BExpr::Lit(Value::Integer(n))) if n != i64::MIN => {
                    BExpr::Lit(Value::Integer(-n))
                }
                (ast::UnaryOp::Neg, BExpr::Lit(Value::Real(f))) => BExpr::Lit(Value::Real(-f)),
                (op, e) => BExpr::Unary(*op, Box::new(e)),
            },
            Expr::Binary {
                op, left, right, ..
            } => match op {
                BinaryOp::And => {
                    BExpr::And(Box::new(self.bind(left)?), Box::new(self.bind(right)?))
                }
                BinaryOp::Or => BExpr::Or(Box::new(self.bind(left)?), Box::new(self.bind(right)?)),
                BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::Is
                | BinaryOp::IsNot => {
                    if let (Expr::Row(a), Expr::Row(b)) = (&**left, &**right) {
                        return self.bind_row_compare(*op, a, b);
                    }
                    let info = self.cmp_info_of(left, right);
                    BExpr::Cmp(
                        *op,
                        Box::new(self.bind(left)?),
                        Box::new(self.bind(right)?),
                        info,
                    )
                }
                _ => BExpr::Arith(*op, Box::new(self.bind(left)?), Box::new(self.bind(right)?)),
            },
            Expr::Between {
                expr,
                low,
                high,
                not,
            } => {
                let i1 = self.cmp_info_of(expr, low);
                let i2 = self.cmp_info_of(expr, high);
                let ge = BExpr::Cmp(
                    BinaryOp::Ge,
                    Box::new(self.bind(expr)?),
                    Box::new(self.bind(low)?),
                    i1,
                );
                let le = BExpr::Cmp(
                    BinaryOp::Le,
                    Box::new(self.bind(expr)?),
                    Box::new(self.bind(high)?),
                    i2,
                );
                let both = BExpr::And(Box::new(ge), Box::new(le));
                if *not {
                    BExpr::Unary(ast::UnaryOp::Not, Box::new(both))
                } else {
                    both
                }
            }
            Expr::InList { expr, list, not } => {
                let la = self.affinity(expr);
                let coll = self.collation(expr).map_or(Collation::Binary, |c| c.0);
                // SQLite: the left operand's affinity applies to the list
                // when it has one; otherwise values compare as they are.
                let info = CmpInfo {
                    left: None,
                    right: match la {
                        Some(Affinity::Blob) | None => None,
                        a => a,
                    },
                    coll,
                };
                let mut bl = Vec::new();
                for x in list {
                    bl.push(self.bind(x)?);
                }
                BExpr::InList {
                    expr: Box::new(self.bind(expr)?),
                    list: bl,
                    not: *not,
                    info,
                }
            }
            Expr::InSelect { expr, select, not } => {
                let la = self.affinity(expr);
                let ra = self.select_affinity(select);
                let coll = self.collation(expr).map_or(Collation::Binary, |c| c.0);
                let info = cmp_info(la, ra, coll);
                let sub = self.subplan(select, Some(1))?;
                BExpr::InSub {
                    expr: Box::new(self.bind(expr)?),
                    sub: Box::new(sub),
                    not: *not,
                    info,
                }
            }
            Expr::InTable { expr, table, not } => {
                let sel = ast::Select {
                    with: None,
                    body: SelectBody::Core(Box::new(ast::SelectCore {
                        distinct: false,
                        columns: vec![ast::ResultColumn::Star],
                        from: Some(ast::FromItem::Table {
                            name: table.clone(),
                            alias: None,
                            indexed: None,
                        }),
                        where_: None,
                        group_by: Vec::new(),
                        having: None,
                        windows: Vec::new(),
                        pos: table.pos,
                    })),
                    order_by: Vec::new(),
                    limit: None,
                    offset: None,
                    pos: table.pos,
                };
                self.bind(&Expr::InSelect {
                    expr: expr.clone(),
                    select: Box::new(sel),
                    not: *not,
                })?
            }
            Expr::Like {
                op,
                expr,
                pattern,
                escape,
                not,
            } => BExpr::Like {
                op: *op,
                expr: Box::new(self.bind(expr)?),
                pattern: Box::new(self.bind(pattern)?),
                escape: match escape {
                    Some(e) => Some(Box::new(self.bind(e)?)),
                    None => None,
                },
                not: *not,
            },
            Expr::IsNull { expr, not } => BExpr::IsNull(Box::new(self.bind(expr)?), *not),
            Expr::Case {
                operand,
                whens,
                else_,
            } => {
                let op = match operand {
                    Some(o) => {
                        let info = match whens.first() {
                            Some((w, _)) => self.cmp_info_of(o, w),
                            None => cmp_info(None, None, Collation::Binary),
                        };
                        Some((Box::new(self.bind(o)?), info))
                    }
                    None => None,
                };
                let mut ws = Vec::new();
                for (w, t) in whens {
                    ws.push((self.bind(w)?, self.bind(t)?));
                }
                BExpr::Case {
                    operand: op,
                    whens: ws,
                    else_: match else_ {
                        Some(e) => Some(Box::new(self.bind(e)?)),
                        None => None,
                    },
                }
            }
            Expr::Cast { expr, type_name } => {
                BExpr::Cast(Box::new(self.bind(expr)?), type_name.clone())
            }
            Expr::Collate { expr, collation } => {
                if Collation::from_name(collation).is_none() {
                    return Err(err!(NotFound, "no such collation sequence: {collation}"));
                }
                self.bind(expr)?
            }
            Expr::Function {
                name,
                args,
                distinct,
                star,
                filter,
                over,
                pos,
            } => {
                if let Some(over) = over {
                    return self.bind_window(name, args, *distinct, filter.as_deref(), over, *pos);
                }
                if *distinct && args.len() != 1 && is_aggregate_call(name, args.len(), false) {
                    return Err(err!(
                        Syntax,
                        "DISTINCT aggregates must have exactly one argument: {name}() at {pos}"
                    ));
                }
                if is_aggregate_call(name, args.len(), false) || *star {
                    let Some(width) = self.agg.as_ref().map(|a| a.width) else {
                        return Err(err!(
                            Syntax,
                            "misuse of aggregate function {name}() at {pos}"
                        ));
                    };
                    // Arguments are evaluated on input rows.
                    let saved = self.agg.take();
                    let mut bargs = Vec::new();
                    let mut colls = Vec::new();
                    let res = (|| -> Result<()> {
                        for a in args {
                            if has_aggregate(a) {
                                return Err(err!(
                                    Syntax,
                                    "misuse of aggregate function {name}() at {pos}"
                                ));
                            }
                            colls.push(self.collation(a).map_or(Collation::Binary, |c| c.0));
                            bargs.push(self.bind(a)?);
                        }
                        Ok(())
                    })();
                    let bfilter = match (&res, filter) {
                        (Ok(()), Some(f)) => Some(self.bind(f)),
                        _ => None,
                    };
                    self.agg = saved;
                    res?;
                    let bfilter = bfilter.transpose()?;
                    let agg = self.agg.as_mut().ok_or_else(|| Error::internal("agg"))?;
                    agg.specs.push(AggSpec {
                        name: lower(name),
                        args: bargs,
                        distinct: *distinct,
                        filter: bfilter,
                        colls,
                    });
                    return Ok(BExpr::Col(width + agg.specs.len() - 1));
                }
                let lname = lower(name);
                let mut bargs = Vec::new();
                for a in args {
                    bargs.push(self.bind(a)?);
                }
                BExpr::Func(lname, bargs)
            }
            Expr::Exists { select, not } => {
                let sub = self.subplan(select, None)?;
                BExpr::Exists(Box::new(sub), *not)
            }
            Expr::Subquery(select) => {
                let sub = self.subplan(select, Some(1))?;
                BExpr::Scalar(Box::new(sub))
            }
            Expr::Row(v) => {
                if v.len() == 1 {
                    return self.bind(&v[0]);
                }
                return Err(err!(Syntax, "row value misused"));
            }
            Expr::Raise { kind, message } => BExpr::Raise(
                *kind,
                match message {
                    Some(m) => Some(Box::new(self.bind(m)?)),
                    None => None,
                },
            ),
        })
    }

    fn bind_window(
        &mut self,
        name: &str,
        args: &[Expr],
        distinct: bool,
        filter: Option<&Expr>,
        over: &ast::Over,
        pos: ast::Pos,
    ) -> Result<BExpr> {
        if self.win.is_none() {
            return Err(err!(Syntax, "misuse of window function {name}() at {pos}"));
        }
        let lname = lower(name);
        const RANKING: [&str; 11] = [
            "row_number",
            "rank",
            "dense_rank",
            "percent_rank",
            "cume_dist",
            "ntile",
            "lag",
            "lead",
            "first_value",
            "last_value",
            "nth_value",
        ];
        if !RANKING.contains(&lname.as_str()) && !func::is_aggregate(&lname) {
            return Err(err!(NotFound, "no such window function: {name} at {pos}"));
        }
        let spec = self.resolve_window(over)?;
        let mut bargs = Vec::new();
        for a in args {
            bargs.push(self.bind(a)?);
        }
        let mut partition = Vec::new();
        for e in &spec.partition_by {
            let coll = self.collation(e).map_or(Collation::Binary, |c| c.0);
            partition.push((self.bind(e)?, coll));
        }
        let mut order = Vec::new();
        for t in &spec.order_by {
            let coll = self.collation(&t.expr).map_or(Collation::Binary, |c| c.0);
            order.push((
                self.bind(&t.expr)?,
                SortKey {
                    col: 0,
                    order: t.order,
                    nulls: t.nulls,
                    coll,
                },
            ));
        }
        let (unit, start, end) = match &spec.frame {
            None => (FrameUnit::Range, Bound2::Unbounded, Bound2::Current),
            Some(f) => {
                if f.exclude != ast::FrameExclude::NoOthers {
                    return Err(err!(
                        Unsupported,
                        "frame EXCLUDE clauses are not supported yet ({name} at {pos})"
                    ));
                }
                let offset = |b: &ast::FrameBound| {
                    matches!(
                        b,
                        ast::FrameBound::Preceding(_) | ast::FrameBound::Following(_)
                    )
                };
                if f.units == ast::FrameUnits::Range && (offset(&f.start) || offset(&f.end)) {
                    return Err(err!(
                        Unsupported,
                        "RANGE frames with an offset are not supported yet ({name} at {pos}); use ROWS or GROUPS"
                    ));
                }
                let unit = match f.units {
                    ast::FrameUnits::Rows => FrameUnit::Rows,
                    ast::FrameUnits::Range => FrameUnit::Range,
                    ast::FrameUnits::Groups => FrameUnit::Groups,
                };
                let mut b = |x: &ast::FrameBound| -> Result<Bound2> {
                    Ok(match x {
                        ast::FrameBound::UnboundedPreceding
                        | ast::FrameBound::UnboundedFollowing => Bound2::Unbounded,
                        ast::FrameBound::CurrentRow => Bound2::Current,
                        ast::FrameBound::Preceding(e) => Bound2::Offset(self.bind(e)?, true),
                        ast::FrameBound::Following(e) => Bound2::Offset(self.bind(e)?, false),
                    })
                };
                (unit, b(&f.start)?, b(&f.end)?)
            }
        };
        let bfilter = match filter {
            Some(f) => Some(self.bind(f)?),
            None => None,
        };
        let win = self.win.as_mut().ok_or_else(|| Error::internal("win"))?;
        win.push(WinSpec {
            name: lname,
            args: bargs,
            partition,
            order,
            unit,
            start,
            end,
            filter: bfilter,
            distinct,
        });
        Ok(BExpr::Col(WIN_BASE + win.len() - 1))
    }

    fn resolve_window(&self, over: &ast::Over) -> Result<ast::WindowSpec> {
        let named = |n: &str| -> Result<ast::WindowSpec> {
            self.windows
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(n))
                .map(|(_, s)| s.clone())
                .ok_or_else(|| err!(NotFound, "no such window: {n}"))
        };
        match over {
            ast::Over::Named(n) => named(n),
            ast::Over::Spec(s) => match &s.base {
                None => Ok(s.clone()),
                Some(b) => {
                    let mut base = named(b)?;
                    if !s.partition_by.is_empty() {
                        base.partition_by = s.partition_by.clone();
                    }
                    if !s.order_by.is_empty() {
                        base.order_by = s.order_by.clone();
                    }
                    if s.frame.is_some() {
                        base.frame = s.frame.clone();
                    }
                    Ok(base)
                }
            },
        }
    }

    fn quoted(&self, _name: &str) -> bool {
        // The AST does not keep quoting; only names with characters that
        // cannot be identifiers are taken as strings.
        false
    }

    /// In post-aggregation binding, a bare column reads the group's last
    /// row: the normal slot, so nothing to do. Kept as a hook.
    fn agg_passthrough(&self, _e: &Expr) -> Option<BExpr> {
        None
    }

    fn bind_row_compare(&mut self, op: BinaryOp, a: &[Expr], b: &[Expr]) -> Result<BExpr> {
        if a.len() != b.len() {
            return Err(err!(Syntax, "row value misused"));
        }
        match op {
            BinaryOp::Eq | BinaryOp::Is => {
                let mut acc: Option<BExpr> = None;
                for (x, y) in a.iter().zip(b) {
                    let info = self.cmp_info_of(x, y);
                    let c = BExpr::Cmp(op, Box::new(self.bind(x)?), Box::new(self.bind(y)?), info);
                    acc = Some(match acc {
                        None => c,
                        Some(p) => BExpr::And(Box::new(p), Box::new(c)),
                    });
                }
                acc.ok_or_else(|| err!(Syntax, "row value misused"))
            }
            BinaryOp::Ne | BinaryOp::IsNot => {
                let eq = self.bind_row_compare(
                    if op == BinaryOp::Ne {
                        BinaryOp::Eq
                    } else {
                        BinaryOp::Is
                    },
                    a,
                    b,
                )?;
                Ok(BExpr::Unary(ast::UnaryOp::Not, Box::new(eq)))
            }
            _ => Err(err!(
                Unsupported,
                "row value comparison with {op:?} is not supported yet"
            )),
        }
    }

    /// Plans a subquery in a new scope and notes whether it is correlated.
    fn subplan(&mut self, select: &ast::Select, want_cols: Option<usize>) -> Result<SubPlan> {
        let saved_min = self.min_scope;
        self.min_scope = usize::MAX;
        let base = self.scopes.len();
        let saved_agg = self.agg.take();
        let r = self.plan_select(select);
        self.agg = saved_agg;
        let correlated = self.min_scope < base;
        self.min_scope = saved_min.min(self.min_scope);
        let mut planned = r?;
        if self.origins {
            self.sub_origin = planned.take_derived_origins().into_iter().next().flatten();
        }
        if let Some(n) = want_cols
            && planned.names.len() != n
        {
            return Err(err!(
                Syntax,
                "sub-select returns {} columns - expected {n}",
                planned.names.len()
            ));
        }
        let mut sp = SubPlan::new(planned.op, correlated);
        sp.affinity = planned.affinities.first().copied().flatten();
        Ok(sp)
    }

    // ---------------------------------------------------------- SELECT

    /// `e` with each bare name that is no column in scope but a result
    /// column's alias replaced by that column's expression: SQLite
    /// resolves such names in HAVING (`... count(*) c ... HAVING c > 1`)
    /// against the result set after the FROM tables.
    fn with_aliases(&self, e: &Expr, columns: &[ast::ResultColumn]) -> Expr {
        let mut out = e.clone();
        self.substitute_aliases(&mut out, columns);
        out
    }

    fn substitute_aliases(&self, e: &mut Expr, columns: &[ast::ResultColumn]) {
        if let Expr::Column {
            table: None,
            name,
            pos,
            ..
        } = e
        {
            let aliased = columns.iter().find_map(|c| match c {
                ast::ResultColumn::Expr {
                    expr,
                    alias: Some(a),
                    ..
                } if a.eq_ignore_ascii_case(name) => Some(expr),
                _ => None,
            });
            if let Some(x) = aliased
                && self.resolve(None, name, *pos).is_err()
            {
                *e = x.clone();
            }
            return;
        }
        crate::sql::rename::each_child(e, &mut |c| self.substitute_aliases(c, columns));
    }

    pub fn plan_select(&mut self, sel: &ast::Select) -> Result<Planned> {
        let n_ctes = self.ctes.len();
        if let Some(with) = &sel.with {
            for cte in &with.ctes {
                self.ctes.push(CteDef {
                    name: cte.name.clone(),
                    columns: cte.columns.clone(),
                    select: (*cte.select).clone(),
                    recursive: with.recursive && cte_is_recursive(cte),
                    working: None,
                });
            }
        }
        let r = self.plan_select_body(sel);
        self.ctes.truncate(n_ctes);
        r
    }

    fn plan_select_body(&mut self, sel: &ast::Select) -> Result<Planned> {
        match &sel.body {
            SelectBody::Core(core) => self.plan_core(core, &sel.order_by, sel),
            body => {
                let mut planned = self.plan_body(body)?;
                if !sel.order_by.is_empty() {
                    let mut keys = Vec::new();
                    for t in &sel.order_by {
                        let col = self.output_column(&t.expr, &planned.names, body)?;
                        keys.push(SortKey {
                            col,
                            order: t.order,
                            nulls: t.nulls,
                            coll: match &t.expr {
                                Expr::Collate { collation, .. } => {
                                    Collation::from_name(collation).unwrap_or_default()
                                }
                                _ => planned.colls.get(col).copied().unwrap_or_default(),
                            },
                        });
                    }
                    planned.op = Box::new(Sort {
                        input: planned.op,
                        keys,
                        rows: Default::default(),
                        loaded: false,
                    });
                }
                self.apply_limit(planned, sel)
            }
        }
    }

    fn apply_limit(&mut self, mut planned: Planned, sel: &ast::Select) -> Result<Planned> {
        if sel.limit.is_some() || sel.offset.is_some() {
            self.scopes.push(Scope::default());
            let limit = sel.limit.as_ref().map(|e| self.bind(e)).transpose();
            let offset = sel.offset.as_ref().map(|e| self.bind(e)).transpose();
            self.scopes.pop();
            planned.op = Box::new(Limit {
                input: planned.op,
                limit: limit?,
                offset: offset?,
                left: 0,
                skip: 0,
            });
        }
        Ok(planned)
    }

    /// An ORDER BY term of a compound: a column number, a result name, or
    /// an expression equal to a result column of the first SELECT.
    fn output_column(&self, e: &Expr, names: &[String], body: &SelectBody) -> Result<usize> {
        let e = match e {
            Expr::Collate { expr, .. } => &**expr,
            e => e,
        };
        if let Some(k) = integer_term(e) {
            if k >= 1 && (k as usize) <= names.len() {
                return Ok(k as usize - 1);
            }
            return Err(err!(
                Syntax,
                "ORDER BY term out of range - should be between 1 and {}",
                names.len()
            ));
        }
        if let Expr::Column {
            table: None, name, ..
        } = e
            && let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(name))
        {
            return Ok(i);
        }
        let mut first = body;
        while let SelectBody::Compound { left, .. } = first {
            first = left;
        }
        if let SelectBody::Core(core) = first {
            for (i, rc) in core.columns.iter().enumerate() {
                if let ast::ResultColumn::Expr { expr, .. } = rc
                    && strip_table(expr) == strip_table(e)
                {
                    return Ok(i);
                }
            }
        }
        Err(err!(
            Syntax,
            "ORDER BY term does not match any column in the result set"
        ))
    }

    fn plan_body(&mut self, body: &SelectBody) -> Result<Planned> {
        match body {
            SelectBody::Core(core) => {
                let sel_stub = ast::Select {
                    with: None,
                    body: SelectBody::Values(Vec::new()),
                    order_by: Vec::new(),
                    limit: None,
                    offset: None,
                    pos: core.pos,
                };
                self.plan_core(core, &[], &sel_stub)
            }
            SelectBody::Values(rows) => {
                self.scopes.push(Scope::default());
                let r = (|| {
                    let n = rows.first().map_or(0, Vec::len);
                    let mut brows = Vec::new();
                    for r in rows {
                        if r.len() != n {
                            return Err(err!(
                                Syntax,
                                "all VALUES must have the same number of terms"
                            ));
                        }
                        let mut b = Vec::new();
                        for e in r {
                            b.push(self.bind(e)?);
                        }
                        brows.push(b);
                    }
                    Ok(Planned {
                        op: Box::new(ValuesOp {
                            rows: brows,
                            pos: 0,
                        }),
                        names: (1..=n).map(|i| format!("column{i}")).collect(),
                        affinities: vec![None; n],
                        colls: vec![Collation::Binary; n],
                        origins: Vec::new(),
                        last_origins: None,
                    })
                })();
                self.scopes.pop();
                r
            }
            SelectBody::Compound { op, left, right } => {
                let l = self.plan_body(left)?;
                let mut r = self.plan_body(right)?;
                let last_origins = Some(r.take_derived_origins());
                if l.names.len() != r.names.len() {
                    return Err(err!(
                        Syntax,
                        "SELECTs to the left and right of {} do not have the same number of result columns",
                        match op {
                            ast::CompoundOp::Union => "UNION",
                            ast::CompoundOp::UnionAll => "UNION ALL",
                            ast::CompoundOp::Intersect => "INTERSECT",
                            ast::CompoundOp::Except => "EXCEPT",
                        }
                    ));
                }
                Ok(Planned {
                    op: Box::new(Compound {
                        op: match op {
                            ast::CompoundOp::Union => SetOp::Union,
                            ast::CompoundOp::UnionAll => SetOp::UnionAll,
                            ast::CompoundOp::Intersect => SetOp::Intersect,
                            ast::CompoundOp::Except => SetOp::Except,
                        },
                        left: l.op,
                        right: r.op,
                        on_right: false,
                        out: Default::default(),
                        loaded: false,
                    }),
                    names: l.names,
                    affinities: l.affinities,
                    colls: l.colls,
                    origins: l.origins,
                    last_origins,
                })
            }
        }
    }

    /// Adds one FROM item to the scope; returns its level.
    fn add_from_item(
        &mut self,
        item: &ast::FromItem,
        levels: &mut Vec<Level>,
        level_tables: &mut Vec<Option<Arc<Table>>>,
    ) -> Result<()> {
        let offset = self.scopes.last().map_or(0, |s| s.width);
        let level = levels.len();
        match item {
            ast::FromItem::Table { name, alias, .. } => {
                let cte = if name.schema.is_none() {
                    self.ctes
                        .iter()
                        .rev()
                        .find(|c| c.name.eq_ignore_ascii_case(&name.name))
                        .cloned()
                } else {
                    None
                };
                if let Some(cte) = cte {
                    let alias = alias.clone().unwrap_or(cte.name.clone());
                    if let Some((buf, names)) = &cte.working {
                        let op = Box::new(WorkingTable {
                            buf: buf.clone(),
                            rows: Vec::new(),
                            pos: 0,
                        });
                        return self.add_op(
                            op,
                            plain_columns(names),
                            Vec::new(),
                            alias,
                            true,
                            levels,
                            level_tables,
                        );
                    }
                    if cte.recursive {
                        let p = self.plan_recursive(&cte)?;
                        return self.add_op(
                            p.op,
                            plain_columns(&p.names),
                            p.origins,
                            alias,
                            true,
                            levels,
                            level_tables,
                        );
                    }
                    return self.add_query(&cte.select, &cte.columns, alias, levels, level_tables);
                }
                if let Some(t) = self.find_table(name.schema.as_deref(), &name.name) {
                    let width = t.columns.len() + 1;
                    let cols = t
                        .columns
                        .iter()
                        .map(|c| ColInfo {
                            name: c.name.clone(),
                            affinity: Some(c.affinity),
                            coll: c.collation,
                            hidden: false,
                        })
                        .collect();
                    let scope = self
                        .scopes
                        .last_mut()
                        .ok_or_else(|| Error::internal("scope"))?;
                    scope.tables.push(ScopeTable {
                        name: alias.clone().unwrap_or(name.name.clone()),
                        columns: cols,
                        offset,
                        rowid: Some(offset + t.columns.len()),
                        level,
                        table: Some(t.clone()),
                        origins: Vec::new(),
                    });
                    scope.width += width;
                    levels.push(Level::new(
                        Source::Table(t.clone()),
                        Access::Scan,
                        offset,
                        width,
                    ));
                    level_tables.push(Some(t));
                    return Ok(());
                }
                if let Some(v) = self.find_view(name.schema.as_deref(), &name.name) {
                    let k = lower(&v.name);
                    if self.expanding.contains(&k) {
                        return Err(err!(
                            InvalidArgument,
                            "view {} is circularly defined",
                            v.name
                        ));
                    }
                    self.expanding.push(k);
                    let alias = alias.clone().unwrap_or(name.name.clone());
                    let r = self.add_query(&v.select, &v.columns, alias, levels, level_tables);
                    self.expanding.pop();
                    return r;
                }
                let lname = lower(&name.name);
                if [
                    "sqlite_schema",
                    "sqlite_master",
                    "turdb_schema",
                    "sqlite_temp_master",
                    "sqlite_temp_schema",
                ]
                .contains(&lname.as_str())
                {
                    let temp = lname.contains("temp")
                        || name
                            .schema
                            .as_deref()
                            .is_some_and(|s| s.eq_ignore_ascii_case("temp"));
                    let rows = schema_rows(if temp { self.cat.temp } else { self.cat.main });
                    let alias = alias.clone().unwrap_or(name.name.clone());
                    let cols = [
                        ("type", "TEXT"),
                        ("name", "TEXT"),
                        ("tbl_name", "TEXT"),
                        ("rootpage", "INT"),
                        ("sql", "TEXT"),
                    ];
                    // Origins as SQLite gives them: the schema table under
                    // its legacy name, with the types it is declared with.
                    let (database, table) = if temp {
                        ("temp", "sqlite_temp_master")
                    } else {
                        ("main", "sqlite_master")
                    };
                    let origins = if self.origins {
                        cols.iter()
                            .map(|(c, ty)| {
                                Some(Origin {
                                    database: database.into(),
                                    table: table.into(),
                                    column: (*c).into(),
                                    decl_type: Some((*ty).into()),
                                })
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let names: Vec<String> = cols.iter().map(|(n, _)| (*n).to_string()).collect();
                    let op = Box::new(RowsOp {
                        rows: Arc::new(rows),
                        pos: 0,
                    });
                    return self.add_op(
                        op,
                        plain_columns(&names),
                        origins,
                        alias,
                        false,
                        levels,
                        level_tables,
                    );
                }
                Err(err!(
                    NotFound,
                    "no such table: {} at {}",
                    display_name(name),
                    name.pos
                ))
            }
            ast::FromItem::Subquery { select, alias } => {
                let alias = alias.clone().unwrap_or_else(|| format!("subquery_{level}"));
                self.add_query(select, &[], alias, levels, level_tables)
            }
            ast::FromItem::Function {
                name,
                args,
                alias,
                pos,
            } => {
                let lname = lower(name);
                let recursive = match lname.as_str() {
                    "json_each" => false,
                    "json_tree" => true,
                    _ => {
                        return Err(err!(
                            NotFound,
                            "no such table-valued function: {name} at {pos}"
                        ));
                    }
                };
                let mut bargs = Vec::new();
                for a in args {
                    bargs.push(self.bind(a)?);
                }
                let mut cols: Vec<ColInfo> = func::json::EACH_COLUMNS
                    .iter()
                    .map(|n| ColInfo {
                        name: (*n).to_string(),
                        affinity: None,
                        coll: Collation::Binary,
                        hidden: false,
                    })
                    .collect();
                for n in ["json", "root"] {
                    cols.push(ColInfo {
                        name: n.into(),
                        affinity: None,
                        coll: Collation::Binary,
                        hidden: true,
                    });
                }
                let width = cols.len();
                // SQLite's json_each and json_tree are eponymous virtual
                // tables: their columns have origins, untyped but for the
                // HIDDEN ones, whose declared type is left empty.
                let origins = if self.origins {
                    cols.iter()
                        .map(|c| {
                            Some(Origin {
                                database: "main".into(),
                                table: lname.clone(),
                                column: c.name.clone(),
                                decl_type: c.hidden.then(String::new),
                            })
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let scope = self
                    .scopes
                    .last_mut()
                    .ok_or_else(|| Error::internal("scope"))?;
                scope.tables.push(ScopeTable {
                    name: alias.clone().unwrap_or(lname),
                    columns: cols,
                    offset,
                    rowid: None,
                    level,
                    table: None,
                    origins,
                });
                scope.width += width;
                levels.push(Level::new(
                    Source::JsonEach {
                        args: bargs,
                        recursive,
                    },
                    Access::Scan,
                    offset,
                    width,
                ));
                level_tables.push(None);
                Ok(())
            }
            ast::FromItem::Join { .. } => Err(Error::internal("nested join after flatten")),
        }
    }

    /// Plans a recursive CTE, `initial UNION [ALL] recursive`, with the
    /// origins SQLite gives its columns: the recursive SELECT's.
    fn plan_recursive(&mut self, cte: &CteDef) -> Result<Planned> {
        let (op, left, right) = match &cte.select.body {
            SelectBody::Compound { op, left, right }
                if matches!(op, ast::CompoundOp::Union | ast::CompoundOp::UnionAll) =>
            {
                (*op, left, right)
            }
            _ => {
                return Err(err!(
                    Syntax,
                    "recursive common table expression {} must be a UNION or UNION ALL of an initial and a recursive SELECT",
                    cte.name
                ));
            }
        };
        if !cte.select.order_by.is_empty() {
            return Err(err!(
                Unsupported,
                "ORDER BY in a recursive common table expression is not supported yet: {}",
                cte.name
            ));
        }
        // Plan the initial part with the CTE hidden (it must not refer to itself).
        let idx = self
            .ctes
            .iter()
            .rposition(|c| c.name.eq_ignore_ascii_case(&cte.name))
            .ok_or_else(|| Error::internal("cte"))?;
        let saved = self.ctes[idx].clone();
        self.ctes[idx].recursive = false;
        self.ctes[idx].name = String::from("\u{1}");
        let init = self.plan_body(left);
        self.ctes[idx] = saved.clone();
        let init = init?;
        let names = if cte.columns.is_empty() {
            init.names.clone()
        } else {
            if cte.columns.len() != init.names.len() {
                return Err(err!(
                    Syntax,
                    "table {} has {} values for {} columns",
                    cte.name,
                    init.names.len(),
                    cte.columns.len()
                ));
            }
            cte.columns.clone()
        };
        let buf: Working = Arc::new(crate::sync::Lock::new(Vec::new()));
        self.ctes[idx].working = Some((buf.clone(), names.clone()));
        let step = self.plan_body(right);
        self.ctes[idx] = saved;
        let mut step = step?;
        let origins = step.take_derived_origins();
        let op: Box<dyn Op> = Box::new(RecursiveCte {
            init: init.op,
            step: step.op,
            buf,
            distinct: op == ast::CompoundOp::Union,
            seen: Default::default(),
            next_batch: Vec::new(),
            in_step: false,
            done: false,
        });
        let planned = Planned {
            op,
            names,
            affinities: Vec::new(),
            colls: Vec::new(),
            origins,
            last_origins: None,
        };
        self.apply_limit(planned, &cte.select)
    }

    /// Adds a FROM item that reads rows produced by an operator (a
    /// subquery, view, CTE or constant rows): a scope entry and a level.
    #[allow(clippy::too_many_arguments)]
    fn add_op(
        &mut self,
        op: Box<dyn Op>,
        cols: Vec<ColInfo>,
        origins: Vec<Option<Origin>>,
        alias: String,
        correlated: bool,
        levels: &mut Vec<Level>,
        level_tables: &mut Vec<Option<Arc<Table>>>,
    ) -> Result<()> {
        let offset = self.scopes.last().map_or(0, |s| s.width);
        let level = levels.len();
        let width = cols.len();
        let scope = self
            .scopes
            .last_mut()
            .ok_or_else(|| Error::internal("scope"))?;
        scope.tables.push(ScopeTable {
            name: alias.clone(),
            columns: cols,
            offset,
            rowid: None,
            level,
            table: None,
            origins,
        });
        scope.width += width;
        levels.push(Level::new(
            Source::Query {
                op,
                correlated,
                name: alias,
            },
            Access::Scan,
            offset,
            width,
        ));
        level_tables.push(None);
        Ok(())
    }

    fn add_query(
        &mut self,
        select: &ast::Select,
        columns: &[String],
        alias: String,
        levels: &mut Vec<Level>,
        level_tables: &mut Vec<Option<Arc<Table>>>,
    ) -> Result<()> {
        // A FROM subquery sees the enclosing queries but not its siblings:
        // bind it with an empty scope standing for this one.
        let saved = self.scopes.pop().ok_or_else(|| Error::internal("scope"))?;
        self.scopes.push(Scope::default());
        let saved_min = self.min_scope;
        self.min_scope = usize::MAX;
        let base = self.scopes.len() - 1;
        let planned = self.plan_select(select);
        let correlated = self.min_scope < base;
        self.min_scope = saved_min.min(self.min_scope);
        self.scopes.pop();
        self.scopes.push(saved);
        let mut planned = planned?;
        if !columns.is_empty() && columns.len() != planned.names.len() {
            return Err(err!(
                Syntax,
                "{alias} has {} values for {} columns",
                planned.names.len(),
                columns.len()
            ));
        }
        let names = if columns.is_empty() {
            &planned.names[..]
        } else {
            columns
        };
        let cols: Vec<ColInfo> = names
            .iter()
            .enumerate()
            .map(|(i, n)| ColInfo {
                name: n.clone(),
                affinity: planned.affinities.get(i).copied().flatten(),
                coll: planned.colls.get(i).copied().unwrap_or_default(),
                hidden: false,
            })
            .collect();
        let origins = planned.take_derived_origins();
        self.add_op(
            planned.op,
            cols,
            origins,
            alias,
            correlated,
            levels,
            level_tables,
        )
    }

    /// Which levels an expression reads (bit per level), and whether it
    /// has parts the planner cannot see into (subqueries).
    fn level_mask(&self, e: &Expr) -> (u64, bool) {
        let mut mask = 0u64;
        let mut opaque = has_subquery(e);
        let inner = self.scopes.len() - 1;
        walk(e, &mut |x| {
            if let Expr::Column {
                table, name, pos, ..
            } = x
            {
                match self.resolve(table.as_deref(), name, *pos) {
                    Ok((si, slot, _, _)) if si == inner => {
                        if let Some(t) = self.scopes[inner].tables.iter().find(|t| {
                            slot >= t.offset
                                && slot
                                    < t.offset + t.columns.len() + usize::from(t.rowid.is_some())
                        }) {
                            mask |= 1u64 << t.level.min(63);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => opaque = true,
                }
            }
        });
        (mask, opaque)
    }

    /// If `e` is a plain column of level `level`, its column index there
    /// (`None` index = the rowid).
    fn level_column(&self, e: &Expr, level: usize) -> Option<Option<usize>> {
        let e = match e {
            Expr::Collate { .. } => return None,
            e => e,
        };
        let Expr::Column {
            table, name, pos, ..
        } = e
        else {
            return None;
        };
        let inner = self.scopes.len() - 1;
        let (si, slot, _, _) = self.resolve(table.as_deref(), name, *pos).ok()?;
        if si != inner {
            return None;
        }
        let t = self.scopes[inner]
            .tables
            .iter()
            .find(|t| t.level == level)?;
        t.table.as_ref()?;
        if Some(slot) == t.rowid {
            return Some(None);
        }
        if slot >= t.offset && slot < t.offset + t.columns.len() {
            let tab = t.table.as_ref()?;
            let ci = slot - t.offset;
            if Some(ci) == tab.rowid_alias {
                return Some(None);
            }
            return Some(Some(ci));
        }
        None
    }

    /// The comparisons among `terms` that could find rows of level `li`
    /// from values of the levels in `bound`: `this op other` with `this` a
    /// column (or the rowid) of `li` and `other` reading only `bound`.
    fn access_cands<'e>(&self, li: usize, terms: &[Term<'e>], bound: u64) -> Vec<Cand<'e>> {
        let mut cands: Vec<Cand<'e>> = Vec::new();
        for t in terms {
            if t.opaque {
                continue;
            }
            let (op, l, r) = match t.expr {
                Expr::Binary {
                    op:
                        op @ (BinaryOp::Eq
                        | BinaryOp::Lt
                        | BinaryOp::Le
                        | BinaryOp::Gt
                        | BinaryOp::Ge
                        | BinaryOp::Is),
                    left,
                    right,
                    ..
                } => (*op, &**left, &**right),
                Expr::Between {
                    expr,
                    low,
                    high,
                    not: false,
                } => {
                    if let Some(c) = self.level_column(expr, li) {
                        let (ml, ol) = self.level_mask(low);
                        let (mh, oh) = self.level_mask(high);
                        if !ol && !oh && (ml | mh) & !bound == 0 {
                            cands.push(Cand {
                                col: c,
                                op: BinaryOp::Ge,
                                other: low,
                                this: expr,
                                mask: ml,
                            });
                            cands.push(Cand {
                                col: c,
                                op: BinaryOp::Le,
                                other: high,
                                this: expr,
                                mask: mh,
                            });
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let op = if op == BinaryOp::Is { BinaryOp::Eq } else { op };
            for (this, other, flipped) in [(l, r, false), (r, l, true)] {
                if let Some(c) = self.level_column(this, li) {
                    let (m, o) = self.level_mask(other);
                    if o || m & !bound != 0 {
                        continue;
                    }
                    let op = if flipped { flip(op) } else { op };
                    cands.push(Cand {
                        col: c,
                        op,
                        other,
                        this,
                        mask: m,
                    });
                    break;
                }
            }
        }
        cands
    }

    /// `col IN (constants)` on level `li` among `terms`, with the values'
    /// levels all in `bound`: the column (`None` = rowid), the list and
    /// the levels it reads.
    fn in_list_term<'e>(
        &self,
        li: usize,
        terms: &[Term<'e>],
        bound: u64,
    ) -> Option<(Option<usize>, &'e [Expr], u64)> {
        terms.iter().find_map(|t| {
            if t.opaque {
                return None;
            }
            let Expr::InList {
                expr,
                list,
                not: false,
            } = t.expr
            else {
                return None;
            };
            let col = self.level_column(expr, li)?;
            let mut mask = 0;
            let consts = list.iter().all(|x| {
                let (m, o) = self.level_mask(x);
                mask |= m;
                !o && m & !bound == 0 && self.affinity(x).is_none()
            });
            (consts && !list.is_empty()).then_some((col, &list[..], mask))
        })
    }

    /// The ways level `li` could be read once some other levels are bound,
    /// for the join-order search: what `choose_access` would pick for each
    /// set of bound levels, by estimate and without binding anything.
    fn access_options(
        &self,
        li: usize,
        table: &Arc<Table>,
        terms: &[Term<'_>],
        indexed: Option<&ast::IndexedBy>,
    ) -> Vec<AccessOption> {
        let others = !(1u64 << li);
        let cands = self.access_cands(li, terms, others);
        let mut out = Vec::new();
        let mut add = |needs: u64, rows: i32| out.push(AccessOption { needs, rows });
        // A named index that cannot be used is an error: wait for its
        // values rather than scan.
        let named = matches!(indexed, Some(ast::IndexedBy::Index(_)));
        add(
            0,
            if named {
                join_order::SCAN * 2
            } else {
                join_order::SCAN
            },
        );
        let not_indexed = matches!(indexed, Some(ast::IndexedBy::NotIndexed));
        for c in &cands {
            if c.op == BinaryOp::Eq && c.mask != 0 && !not_indexed && !named {
                add(c.mask, join_order::EQ);
            }
            if c.col.is_none() && indexed.is_none() {
                let rows = if c.op == BinaryOp::Eq {
                    join_order::ONE
                } else {
                    join_order::RANGE
                };
                add(c.mask, rows);
            }
        }
        if not_indexed {
            return out;
        }
        if let Some((col, list, mask)) = self.in_list_term(li, terms, others) {
            let per = match col {
                None if indexed.is_none() => Some(join_order::ONE),
                Some(ci) if self.first_column_index(table, ci, indexed).is_some() => {
                    Some(join_order::EQ)
                }
                _ => None,
            };
            if let Some(per) = per {
                add(mask, per + join_order::log_est(list.len()));
            }
        }
        for ix in self.access_indexes(table, indexed) {
            let usable = |c: &&Cand<'_>, ci: usize, coll: Collation, eq: bool| {
                c.col == Some(ci)
                    && (c.op == BinaryOp::Eq) == eq
                    && self.index_usable(table, ci, coll, c.this, c.other)
            };
            let mut needs = 0u64;
            for (k, ic) in ix.columns.iter().enumerate() {
                let Some(ci) = ic.column else { break };
                // A range on the column after the equalities.
                if ic.order == SortOrder::Asc
                    && let Some(m) = cands
                        .iter()
                        .filter(|c| usable(c, ci, ic.collation, false))
                        .map(|c| c.mask)
                        .min_by_key(|m| m.count_ones())
                {
                    add(needs | m, join_order::RANGE - 10 * k as i32);
                }
                // The equality needing the fewest levels extends the prefix.
                let Some(m) = cands
                    .iter()
                    .filter(|c| usable(c, ci, ic.collation, true))
                    .map(|c| c.mask)
                    .min_by_key(|m| m.count_ones())
                else {
                    break;
                };
                needs |= m;
                let rows = if ix.unique && k + 1 == ix.columns.len() {
                    join_order::ONE
                } else {
                    (join_order::EQ - 10 * k as i32).max(1)
                };
                add(needs, rows);
            }
        }
        out
    }

    /// Chooses how level `li` is read, given the terms attached to it and
    /// the levels already bound when it runs.
    fn choose_access(
        &mut self,
        li: usize,
        bound: u64,
        table: &Arc<Table>,
        terms: &[Term<'_>],
        indexed: Option<&ast::IndexedBy>,
        used_columns: Option<&[bool]>,
    ) -> Result<Access> {
        let cands = self.access_cands(li, terms, bound);
        if matches!(indexed, Some(ast::IndexedBy::NotIndexed)) {
            return Ok(Access::Scan);
        }
        // rowid equality
        if indexed.is_none()
            && let Some(c) = cands
                .iter()
                .find(|c| c.col.is_none() && c.op == BinaryOp::Eq)
        {
            return Ok(Access::RowidEq(self.bind(c.other)?));
        }
        // `col IN (constants)` on the rowid or an index's first column.
        let in_term = self
            .in_list_term(li, terms, bound)
            .map(|(col, list, _)| (col, list));
        if indexed.is_none()
            && let Some((None, list)) = in_term
        {
            let mut bl = Vec::new();
            for x in list {
                bl.push(self.bind(x)?);
            }
            return Ok(Access::InList {
                index: None,
                list: bl,
                affinity: Affinity::Integer,
                sub: None,
            });
        }
        // best index
        let mut best: Option<(usize, Arc<Index>, usize, bool)> = None; // score, index, eq count, range
        for ix in self.access_indexes(table, indexed) {
            let mut eq = 0;
            for ic in &ix.columns {
                let Some(ci) = ic.column else { break };
                let ok = cands.iter().any(|c| {
                    c.col == Some(ci)
                        && c.op == BinaryOp::Eq
                        && self.index_usable(table, ci, ic.collation, c.this, c.other)
                });
                if !ok {
                    break;
                }
                eq += 1;
            }
            let range = ix.columns.get(eq).is_some_and(|ic| {
                ic.order == SortOrder::Asc
                    && ic.column.is_some_and(|ci| {
                        cands.iter().any(|c| {
                            c.col == Some(ci)
                                && c.op != BinaryOp::Eq
                                && self.index_usable(table, ci, ic.collation, c.this, c.other)
                        })
                    })
            });
            if eq == 0 && !range {
                continue;
            }
            let full_unique = ix.unique && eq == ix.columns.len();
            let score = eq * 4 + usize::from(range) * 2 + usize::from(full_unique) * 100;
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, ix, eq, range));
            }
        }
        if let Some((_, ix, neq, range)) = best {
            let mut eq = Vec::new();
            for ic in ix.columns.iter().take(neq) {
                let ci = ic.column.ok_or_else(|| Error::internal("index column"))?;
                let c = cands
                    .iter()
                    .find(|c| c.col == Some(ci) && c.op == BinaryOp::Eq)
                    .ok_or_else(|| Error::internal("eq cand"))?;
                let aff = Some(table.columns[ci].affinity).filter(|_| {
                    self.affinity(c.other).is_none() || is_numeric(Some(table.columns[ci].affinity))
                });
                eq.push((self.bind(c.other)?, aff));
            }
            let (mut lo, mut hi) = (None, None);
            if range && let Some(ci) = ix.columns[neq].column {
                for c in cands.iter().filter(|c| c.col == Some(ci)) {
                    let aff = Some(table.columns[ci].affinity);
                    match c.op {
                        BinaryOp::Gt | BinaryOp::Ge if lo.is_none() => {
                            lo = Some((self.bind(c.other)?, c.op == BinaryOp::Ge, aff));
                        }
                        BinaryOp::Lt | BinaryOp::Le if hi.is_none() => {
                            hi = Some((self.bind(c.other)?, c.op == BinaryOp::Le, aff));
                        }
                        _ => {}
                    }
                }
            }
            let covering = used_columns.is_some_and(|used| index_covers(table, &ix, used));
            return Ok(Access::Index {
                index: ix,
                eq,
                lo,
                hi,
                covering,
            });
        }
        if let Some((Some(ci), list)) = in_term {
            if let Some(ix) = self.first_column_index(table, ci, indexed) {
                let mut bl = Vec::new();
                for x in list {
                    bl.push(self.bind(x)?);
                }
                return Ok(Access::InList {
                    index: Some(ix),
                    list: bl,
                    affinity: table.columns[ci].affinity,
                    sub: None,
                });
            }
        }
        if let Some(a) = self.in_select_access(li, table, terms, indexed)? {
            return Ok(a);
        }
        if let Some(ast::IndexedBy::Index(n)) = indexed {
            return Err(err!(NotFound, "no query solution using index {n}"));
        }
        // rowid range
        let lo = cands
            .iter()
            .find(|c| c.col.is_none() && matches!(c.op, BinaryOp::Gt | BinaryOp::Ge));
        let hi = cands
            .iter()
            .find(|c| c.col.is_none() && matches!(c.op, BinaryOp::Lt | BinaryOp::Le));
        if lo.is_some() || hi.is_some() {
            return Ok(Access::RowidRange {
                lo: match lo {
                    Some(c) => Some((self.bind(c.other)?, c.op == BinaryOp::Ge)),
                    None => None,
                },
                hi: match hi {
                    Some(c) => Some((self.bind(c.other)?, c.op == BinaryOp::Le)),
                    None => None,
                },
            });
        }
        // hash join on equalities with bound levels
        if bound != 0 {
            let mut build = Vec::new();
            let mut probe = Vec::new();
            for c in cands.iter().filter(|c| c.op == BinaryOp::Eq) {
                let (m, _) = self.level_mask(c.other);
                if m == 0 {
                    continue;
                }
                // info: left = probe side (other), right = build side (this)
                let info = cmp_info(
                    self.affinity(c.other),
                    self.affinity(c.this),
                    self.cmp_coll(c.this, c.other),
                );
                build.push((self.bind(c.this)?, info));
                probe.push(self.bind(c.other)?);
            }
            if !build.is_empty() {
                return Ok(Access::Hash { build, probe });
            }
        }
        Ok(Access::Scan)
    }

    /// A full index whose first column is `ci` with the column's own
    /// collation (the one INDEXED BY names, if any): it can probe `ci`.
    fn first_column_index(
        &self,
        table: &Arc<Table>,
        ci: usize,
        indexed: Option<&ast::IndexedBy>,
    ) -> Option<Arc<Index>> {
        let coll = table.columns[ci].collation;
        self.indexes_of(table).into_iter().find(|ix| {
            ix.where_.is_none()
                && ix
                    .columns
                    .first()
                    .is_some_and(|c| c.column == Some(ci) && c.collation == coll)
                && match indexed {
                    Some(ast::IndexedBy::Index(n)) => ix.name.eq_ignore_ascii_case(n),
                    _ => true,
                }
        })
    }

    /// `col IN (SELECT ...)` on the rowid or an index's first column, when
    /// the subquery is not correlated and probing with the column's
    /// affinity finds every row the IN test accepts (a numeric column, or a
    /// text column against text values). The IN test stays a filter.
    fn in_select_access(
        &mut self,
        li: usize,
        table: &Arc<Table>,
        terms: &[Term<'_>],
        indexed: Option<&ast::IndexedBy>,
    ) -> Result<Option<Access>> {
        if matches!(indexed, Some(ast::IndexedBy::NotIndexed)) {
            return Ok(None);
        }
        for t in terms {
            let Expr::InSelect {
                expr,
                select,
                not: false,
            } = t.expr
            else {
                continue;
            };
            let Some(col) = self.level_column(expr, li) else {
                continue;
            };
            let ix = match col {
                None if indexed.is_none() => None,
                None => continue,
                Some(ci) => match self.first_column_index(table, ci, indexed) {
                    Some(ix) => Some(ix),
                    None => continue,
                },
            };
            let affinity = col.map_or(Affinity::Integer, |ci| table.columns[ci].affinity);
            let sub = self.subplan(select, Some(1))?;
            let probe_ok = match affinity {
                Affinity::Integer | Affinity::Real | Affinity::Numeric => true,
                Affinity::Text => sub.affinity == Some(Affinity::Text),
                Affinity::Blob => false,
            };
            if sub.correlated || !probe_ok {
                continue;
            }
            return Ok(Some(Access::InList {
                index: ix,
                list: Vec::new(),
                affinity,
                sub: Some(Box::new(sub)),
            }));
        }
        Ok(None)
    }

    /// Whether an index on column `ci` can find the rows where
    /// `this op other` holds: same collation, and the comparison converts
    /// `other` to the column's type rather than the column to another.
    fn index_usable(
        &self,
        table: &Table,
        ci: usize,
        coll: Collation,
        this: &Expr,
        other: &Expr,
    ) -> bool {
        let col_aff = table.columns[ci].affinity;
        if self.cmp_coll(this, other) != coll {
            return false;
        }
        let oa = self.affinity(other);
        match col_aff {
            Affinity::Integer | Affinity::Real | Affinity::Numeric => true,
            Affinity::Text => !is_numeric(oa),
            Affinity::Blob => matches!(oa, None | Some(Affinity::Blob)),
        }
    }

    /// The order of the join loop's levels (FROM indexes, outermost
    /// first); see `join_order`.
    fn join_order(
        &self,
        flat: &[Flat<'_>],
        levels: &[Level],
        level_tables: &[Option<Arc<Table>>],
        free: &[Term<'_>],
        fixed: &[(usize, Term<'_>)],
    ) -> Vec<usize> {
        let n = levels.len();
        if n <= 1 {
            return (0..n).collect();
        }
        // A subquery written first streams (a LIMIT can stop an endless
        // recursive CTE there): it stays first.
        let pinned_first = matches!(levels[0].source, Source::Query { .. });
        let mut infos = Vec::with_capacity(n);
        let mut mine: Vec<Term<'_>> = Vec::new();
        for li in 0..n {
            let bit = 1u64 << li;
            let before = bit - 1;
            let mut info = LevelInfo::default();
            if flat[li].left_join
                || flat[li].cross
                || matches!(levels[li].source, Source::JsonEach { .. })
            {
                info.prereq |= before;
            }
            if pinned_first {
                info.prereq |= 1;
            }
            mine.clear();
            for t in free.iter().filter(|t| t.mask & bit != 0) {
                info.terms.push(t.mask & !bit);
                mine.push(*t);
            }
            for (_, t) in fixed.iter().filter(|(l, _)| *l == li) {
                info.prereq |= t.mask & !bit;
                info.terms.push(t.mask & !bit);
                mine.push(*t);
            }
            if let Some(t) = &level_tables[li] {
                let indexed = match flat[li].item {
                    ast::FromItem::Table { indexed, .. } => indexed.as_ref(),
                    _ => None,
                };
                info.options = self.access_options(li, t, &mine, indexed);
            }
            infos.push(info);
        }
        let found = join_order::order(&infos);
        // The search stays quadratic: each step estimates every level left
        // once, looking at each of its options and terms once.
        let items: usize = infos.iter().map(|i| i.options.len() + i.terms.len()).sum();
        debug_assert!(found.candidates <= n * (n + 1) / 2);
        debug_assert!(found.checks <= n * items);
        found.order
    }

    fn plan_core(
        &mut self,
        core: &ast::SelectCore,
        order_by: &[ast::OrderTerm],
        sel: &ast::Select,
    ) -> Result<Planned> {
        self.scopes.push(Scope::default());
        let r = self.plan_core_inner(core, order_by, sel);
        self.scopes.pop();
        r
    }

    fn plan_core_inner(
        &mut self,
        core: &ast::SelectCore,
        order_by: &[ast::OrderTerm],
        sel: &ast::Select,
    ) -> Result<Planned> {
        // FROM
        let mut flat = Vec::new();
        if let Some(f) = &core.from {
            flatten(f, &mut flat)?;
        }
        if flat.len() > 64 {
            return Err(err!(TooBig, "at most 64 tables in a join"));
        }
        let mut levels = Vec::new();
        let mut level_tables = Vec::new();
        let mut using_terms: Vec<(usize, Expr)> = Vec::new();
        for (li, fl) in flat.iter().enumerate() {
            self.add_from_item(fl.item, &mut levels, &mut level_tables)?;
            levels[li].left_join = fl.left_join;
            // USING / NATURAL: equality terms, and the right side's copies
            // hidden from `*` and from unqualified lookups.
            let mut using = fl.using.clone();
            if fl.natural && li > 0 {
                let scope = self.scopes.last().ok_or_else(|| Error::internal("scope"))?;
                let right = &scope.tables[li];
                for c in &right.columns {
                    if c.hidden {
                        continue;
                    }
                    if scope.tables[..li].iter().any(|t| {
                        t.columns
                            .iter()
                            .any(|x| !x.hidden && x.name.eq_ignore_ascii_case(&c.name))
                    }) {
                        using.push(c.name.clone());
                    }
                }
            }
            for col in using {
                let scope = self.scopes.last().ok_or_else(|| Error::internal("scope"))?;
                let left_t = scope.tables[..li]
                    .iter()
                    .find(|t| {
                        t.columns
                            .iter()
                            .any(|x| !x.hidden && x.name.eq_ignore_ascii_case(&col))
                    })
                    .map(|t| t.name.clone())
                    .ok_or_else(|| {
                        err!(
                            NotFound,
                            "cannot join using column {col} - column not present in both tables"
                        )
                    })?;
                let right_t = scope.tables[li].name.clone();
                if !scope.tables[li]
                    .columns
                    .iter()
                    .any(|x| x.name.eq_ignore_ascii_case(&col))
                {
                    return Err(err!(
                        NotFound,
                        "cannot join using column {col} - column not present in both tables"
                    ));
                }
                let mk = |t: &str| Expr::Column {
                    schema: None,
                    table: Some(t.to_string()),
                    name: col.clone(),
                    pos: ast::Pos::default(),
                };
                using_terms.push((
                    li,
                    Expr::Binary {
                        op: BinaryOp::Eq,
                        left: Box::new(mk(&left_t)),
                        right: Box::new(mk(&right_t)),
                        pos: ast::Pos::default(),
                    },
                ));
                let scope = self
                    .scopes
                    .last_mut()
                    .ok_or_else(|| Error::internal("scope"))?;
                for c in scope.tables[li].columns.iter_mut() {
                    if c.name.eq_ignore_ascii_case(&col) {
                        c.hidden = true;
                    }
                }
            }
        }
        let width = self.scopes.last().map_or(0, |s| s.width);

        // Terms: WHERE and inner ON conjuncts are `free`, pushed once the
        // order is known to the level where their last table is bound; a
        // LEFT JOIN's ON terms stay at its level; the rest wait for the
        // complete row.
        let mut where_terms = Vec::new();
        let where_ = core.where_.as_ref().map(or_to_in);
        if let Some(w) = &where_ {
            conjuncts(w, &mut where_terms);
        }
        let n = levels.len();
        let mut free: Vec<Term<'_>> = Vec::new();
        let mut fixed: Vec<(usize, Term<'_>)> = Vec::new();
        let mut probe_last: Vec<Term<'_>> = Vec::new();
        let mut post_terms: Vec<&Expr> = Vec::new();
        let left_mask: u64 = levels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.left_join)
            .fold(0, |m, (i, _)| m | (1 << i));
        for t in where_terms {
            let (mask, opaque) = self.level_mask(t);
            if has_aggregate(t) {
                return Err(err!(Syntax, "misuse of aggregate in WHERE"));
            }
            let term = Term {
                expr: t,
                mask,
                opaque,
            };
            // `col IN (SELECT ...)` on the last level may probe it: a term
            // there sees every level, as after the join.
            if opaque && n > 0 && matches!(t, Expr::InSelect { .. }) {
                probe_last.push(term);
            } else if opaque || mask & left_mask != 0 || n == 0 {
                post_terms.push(t);
            } else {
                free.push(term);
            }
        }
        let mut on_terms: Vec<(usize, &Expr)> = Vec::new();
        for (li, fl) in flat.iter().enumerate() {
            if let Some(on) = fl.on {
                let mut cs = Vec::new();
                conjuncts(on, &mut cs);
                for c in cs {
                    on_terms.push((li, c));
                }
            }
        }
        for (li, e) in &using_terms {
            on_terms.push((*li, e));
        }
        for (li, e) in on_terms {
            let (mask, opaque) = self.level_mask(e);
            let term = Term {
                expr: e,
                mask,
                opaque,
            };
            if flat[li].left_join {
                // ON of a LEFT JOIN decides matches at its own level (never
                // earlier: it must not drop left rows); its equalities may
                // still pick the level's access (rowid, index, hash join),
                // since a level without a match emits its NULL row anyway.
                fixed.push((li, term));
            } else if opaque || mask & left_mask != 0 {
                post_terms.push(e);
            } else {
                free.push(term);
            }
        }
        let order = self.join_order(&flat, &levels, &level_tables, &free, &fixed);
        let mut per_level: Vec<Vec<Term<'_>>> = (0..n).map(|_| Vec::new()).collect();
        let mut pos = vec![0usize; n];
        for (p, &l) in order.iter().enumerate() {
            pos[l] = p;
        }
        for t in free {
            let li = (0..n)
                .filter(|&l| t.mask & (1u64 << l) != 0)
                .max_by_key(|&l| pos[l])
                .or(order.first().copied())
                .ok_or_else(|| Error::internal("term level"))?;
            per_level[li].push(t);
        }
        for (li, t) in fixed {
            per_level[li].push(t);
        }
        if let Some(&last) = order.last() {
            for t in probe_last {
                match t.expr {
                    Expr::InSelect { expr, .. }
                        if !levels[last].left_join && self.level_column(expr, last).is_some() =>
                    {
                        per_level[last].push(t);
                    }
                    e => post_terms.push(e),
                }
            }
        }
        // Columns read by the query, per level (for covering indexes).
        let used = self.used_columns(core, order_by, &level_tables);
        let mut bound = 0u64;
        for &li in &order {
            if let Some(t) = level_tables[li].clone() {
                let indexed = match flat[li].item {
                    ast::FromItem::Table { indexed, .. } => indexed.as_ref(),
                    _ => None,
                };
                let access = self.choose_access(
                    li,
                    bound,
                    &t,
                    &per_level[li],
                    indexed,
                    used.get(li).map(|u| &u[..]),
                )?;
                levels[li].access = access;
            }
            let mut filters = Vec::new();
            for t in &per_level[li] {
                filters.push(self.bind(t.expr)?);
            }
            levels[li].filters = filters;
            bound |= 1u64 << li;
        }
        let mut post = Vec::new();
        for t in post_terms {
            post.push(self.bind(t)?);
        }
        self.presorted = false;
        if levels.len() == 1
            && let Some(t) = level_tables[0].clone()
        {
            let used = used.first().map(|u| &u[..]);
            self.presorted = self.order_from_access(&mut levels[0], &t, core, order_by, used);
        }
        let mut slots: Vec<Option<Level>> = levels.into_iter().map(Some).collect();
        let mut levels = Vec::with_capacity(n);
        for &li in &order {
            levels.push(
                slots[li]
                    .take()
                    .ok_or_else(|| Error::internal("join order"))?,
            );
        }
        if let Some(first) = levels.first_mut()
            && matches!(first.source, Source::Query { .. })
        {
            first.stream = true;
        }
        let mut jl = JoinLoop::new(levels, width);
        jl.post = post;
        let mut op: Box<dyn Op> = Box::new(jl);

        // Aggregation
        let is_agg = !core.group_by.is_empty()
            || core.having.is_some()
            || core.columns.iter().any(|c| match c {
                ast::ResultColumn::Expr { expr, .. } => has_aggregate(expr),
                _ => false,
            })
            || order_by.iter().any(|t| has_aggregate(&t.expr));
        if is_agg {
            let mut group_by = Vec::new();
            for g in &core.group_by {
                // GROUP BY may name a result column by number or alias.
                let g = self.resolve_result_ref(g, core)?;
                if has_aggregate(&g) {
                    return Err(err!(
                        Syntax,
                        "aggregate functions are not allowed in the GROUP BY clause"
                    ));
                }
                let coll = self.collation(&g).map_or(Collation::Binary, |c| c.0);
                group_by.push((self.bind(&g)?, coll));
            }
            self.agg = Some(AggCollect {
                specs: Vec::new(),
                width,
            });
        } else if core.having.is_some() {
            return Err(err!(Syntax, "a GROUP BY clause is required before HAVING"));
        }
        let result = self.plan_projection(core, order_by, op_take(&mut op), is_agg, width, sel);
        self.agg = None;
        result
    }

    /// Makes a single-table level deliver rows in ORDER BY order when an
    /// index (or the rowid) provides it, so the sort can be skipped and a
    /// `LIMIT` stops early. Only ascending orders of plain columns, with the
    /// default NULL placement, qualify. Returns whether the order holds.
    fn order_from_access(
        &mut self,
        level: &mut Level,
        table: &Arc<Table>,
        core: &ast::SelectCore,
        order_by: &[ast::OrderTerm],
        used: Option<&[bool]>,
    ) -> bool {
        if order_by.is_empty() {
            return false;
        }
        let mut cols: Vec<Option<usize>> = Vec::new();
        for t in order_by {
            if t.order != SortOrder::Asc || t.nulls == Some(ast::NullsOrder::Last) {
                return false;
            }
            let Expr::Column {
                table: None | Some(_),
                name,
                ..
            } = &t.expr
            else {
                return false;
            };
            // A result alias of that name would take precedence.
            let aliased = core.columns.iter().any(|c| {
                matches!(c, ast::ResultColumn::Expr { alias: Some(a), .. } if a.eq_ignore_ascii_case(name))
            });
            if aliased {
                return false;
            }
            match self.level_column(&t.expr, 0) {
                Some(c) => cols.push(c),
                None => return false,
            }
        }
        // By rowid: a rowid scan or range is already in order.
        if cols.len() == 1 && cols[0].is_none() {
            return matches!(
                level.access,
                Access::Scan | Access::RowidRange { .. } | Access::RowidEq(_)
            );
        }
        if cols.iter().any(Option::is_none) {
            return false;
        }
        let fits = |ix: &Index, from: usize| {
            cols.iter().enumerate().all(|(k, c)| {
                ix.columns.get(from + k).is_some_and(|ic| {
                    ic.column == *c
                        && ic.order == SortOrder::Asc
                        && c.is_some_and(|ci| ic.collation == table.columns[ci].collation)
                })
            })
        };
        match &level.access {
            Access::Index { index, eq, .. } => fits(index, eq.len()),
            Access::Scan => {
                let Some(ix) = self
                    .indexes_of(table)
                    .into_iter()
                    .find(|ix| ix.where_.is_none() && fits(ix, 0))
                else {
                    return false;
                };
                let covering = used.is_some_and(|used| index_covers(table, &ix, used));
                level.access = Access::Index {
                    index: ix,
                    eq: Vec::new(),
                    lo: None,
                    hi: None,
                    covering,
                };
                true
            }
            _ => false,
        }
    }

    /// GROUP BY / ORDER BY terms that are result column numbers or aliases.
    fn resolve_result_ref(&self, e: &Expr, core: &ast::SelectCore) -> Result<Expr> {
        if let Some(k) = integer_term(e) {
            let n = core.columns.len();
            if k < 1 || k as usize > n {
                return Err(err!(
                    Syntax,
                    "GROUP BY term out of range - should be between 1 and {n}"
                ));
            }
            if let ast::ResultColumn::Expr { expr, .. } = &core.columns[k as usize - 1] {
                return Ok(expr.clone());
            }
        }
        if let Expr::Column {
            table: None,
            name,
            pos,
            ..
        } = e
            && self.resolve(None, name, *pos).is_err()
        {
            for c in &core.columns {
                if let ast::ResultColumn::Expr {
                    expr,
                    alias: Some(a),
                    ..
                } = c
                    && a.eq_ignore_ascii_case(name)
                {
                    return Ok(expr.clone());
                }
            }
        }
        Ok(e.clone())
    }

    fn used_columns(
        &self,
        core: &ast::SelectCore,
        order_by: &[ast::OrderTerm],
        level_tables: &[Option<Arc<Table>>],
    ) -> Vec<Vec<bool>> {
        let mut used: Vec<Vec<bool>> = level_tables
            .iter()
            .map(|t| vec![false; t.as_ref().map_or(0, |t| t.columns.len())])
            .collect();
        let inner = self.scopes.len() - 1;
        let mut mark_all = false;
        let mark = |e: &Expr, used: &mut Vec<Vec<bool>>| {
            if has_subquery(e) {
                // Correlated references inside are not visible here.
                for u in used.iter_mut() {
                    for x in u.iter_mut() {
                        *x = true;
                    }
                }
            }
            walk(e, &mut |x| {
                if let Expr::Column {
                    table, name, pos, ..
                } = x
                    && let Ok((si, slot, _, _)) = self.resolve(table.as_deref(), name, *pos)
                    && si == inner
                {
                    for t in &self.scopes[inner].tables {
                        if slot >= t.offset && slot < t.offset + t.columns.len() {
                            if let Some(u) = used.get_mut(t.level) {
                                if let Some(b) = u.get_mut(slot - t.offset) {
                                    *b = true;
                                }
                            }
                        }
                    }
                }
            });
        };
        for c in &core.columns {
            match c {
                ast::ResultColumn::Expr { expr, .. } => mark(expr, &mut used),
                _ => mark_all = true,
            }
        }
        for e in core
            .where_
            .iter()
            .chain(core.having.iter())
            .chain(core.group_by.iter())
        {
            mark(e, &mut used);
        }
        for t in order_by {
            mark(&t.expr, &mut used);
        }
        if let Some(f) = &core.from {
            let mut flat = Vec::new();
            if flatten(f, &mut flat).is_ok() {
                for fl in flat {
                    if let Some(on) = fl.on {
                        mark(on, &mut used);
                    }
                    if !fl.using.is_empty() || fl.natural {
                        mark_all = true;
                    }
                }
            }
        }
        if mark_all {
            for u in used.iter_mut() {
                for x in u.iter_mut() {
                    *x = true;
                }
            }
        }
        used
    }

    fn plan_projection(
        &mut self,
        core: &ast::SelectCore,
        order_by: &[ast::OrderTerm],
        input: Box<dyn Op>,
        is_agg: bool,
        width: usize,
        sel: &ast::Select,
    ) -> Result<Planned> {
        self.windows = core.windows.clone();
        self.win = Some(Vec::new());
        let r = self.plan_projection_inner(core, order_by, input, is_agg, width, sel);
        self.win = None;
        r
    }

    fn plan_projection_inner(
        &mut self,
        core: &ast::SelectCore,
        order_by: &[ast::OrderTerm],
        input: Box<dyn Op>,
        is_agg: bool,
        width: usize,
        sel: &ast::Select,
    ) -> Result<Planned> {
        let mut exprs = Vec::new();
        let mut names = Vec::new();
        let mut affs = Vec::new();
        let mut colls = Vec::new();
        let mut origins = Vec::new();
        let mut src_exprs: Vec<Option<Expr>> = Vec::new();
        for rc in &core.columns {
            match rc {
                ast::ResultColumn::Star | ast::ResultColumn::TableStar(_) => {
                    let filter = match rc {
                        ast::ResultColumn::TableStar(t) => Some(t.clone()),
                        _ => None,
                    };
                    let scope = self
                        .scopes
                        .last()
                        .ok_or_else(|| Error::internal("scope"))?
                        .clone();
                    if scope.tables.is_empty() {
                        return Err(err!(Syntax, "no tables specified"));
                    }
                    let mut any = false;
                    for t in &scope.tables {
                        if let Some(f) = &filter
                            && !t.name.eq_ignore_ascii_case(f)
                        {
                            continue;
                        }
                        any = true;
                        for (i, c) in t.columns.iter().enumerate() {
                            if c.hidden && filter.is_none() {
                                continue;
                            }
                            if c.hidden && c.name.starts_with('\u{1}') {
                                continue;
                            }
                            exprs.push(BExpr::Col(t.offset + i));
                            if self.origins {
                                origins.push(self.column_origin(t, i));
                            }
                            names.push(c.name.clone());
                            affs.push(c.affinity);
                            colls.push(c.coll);
                            src_exprs.push(Some(Expr::Column {
                                schema: None,
                                table: Some(t.name.clone()),
                                name: c.name.clone(),
                                pos: ast::Pos::default(),
                            }));
                        }
                    }
                    if !any {
                        return Err(err!(
                            NotFound,
                            "no such table: {}",
                            filter.unwrap_or_default()
                        ));
                    }
                }
                ast::ResultColumn::Expr { expr, alias, span } => {
                    exprs.push(self.bind(expr)?);
                    if self.origins {
                        // A scalar subquery's origin is its first column's,
                        // noted by `subplan` while binding it just now.
                        origins.push(match expr {
                            Expr::Subquery(_) => self.sub_origin.take(),
                            e => self.expr_origin(e),
                        });
                    }
                    names.push(match (alias, expr) {
                        (Some(a), _) => a.clone(),
                        (None, Expr::Column { name, .. }) => name.clone(),
                        (None, _) => span.clone(),
                    });
                    affs.push(self.affinity(expr));
                    colls.push(self.collation(expr).map_or(Collation::Binary, |c| c.0));
                    src_exprs.push(Some(expr.clone()));
                }
            }
        }
        let n = exprs.len();
        let mut op = input;
        // HAVING and ORDER BY may add aggregates: bind them all before the
        // aggregate operator is built.
        let having = match &core.having {
            Some(h) => {
                let h = self.with_aliases(h, &core.columns);
                let saved = self.win.take();
                let r = self.bind(&h);
                self.win = saved;
                Some(r?)
            }
            None => None,
        };
        // ORDER BY keys: result columns or extra expressions.
        let mut keys = Vec::new();
        for t in order_by {
            let target = match &t.expr {
                Expr::Collate { expr, .. } => &**expr,
                e => e,
            };
            let col = match target {
                e if let Some(k) = integer_term(e) => {
                    if k < 1 || k as usize > n {
                        return Err(err!(
                            Syntax,
                            "ORDER BY term out of range - should be between 1 and {n}"
                        ));
                    }
                    Some(k as usize - 1)
                }
                Expr::Column {
                    table: None, name, ..
                } => core
                    .columns
                    .iter()
                    .enumerate()
                    .find_map(|(i, c)| match c {
                        ast::ResultColumn::Expr { alias: Some(a), .. }
                            if a.eq_ignore_ascii_case(name) =>
                        {
                            Some(i)
                        }
                        _ => None,
                    })
                    .map(|i| result_index(&core.columns, i)),
                _ => None,
            };
            let col = match col {
                Some(c) => c,
                None => {
                    // Same expression as a result column?
                    match src_exprs.iter().position(|s| {
                        s.as_ref()
                            .is_some_and(|s| strip_table(s) == strip_table(target))
                    }) {
                        Some(i) if !matches!(target, Expr::Column { .. }) => i,
                        _ => {
                            exprs.push(self.bind(target)?);
                            exprs.len() - 1
                        }
                    }
                }
            };
            let coll = match &t.expr {
                Expr::Collate { collation, .. } => Collation::from_name(collation)
                    .ok_or_else(|| err!(NotFound, "no such collation sequence: {collation}"))?,
                e => self
                    .collation(e)
                    .map(|c| c.0)
                    .or_else(|| colls.get(col).copied())
                    .unwrap_or_default(),
            };
            keys.push(SortKey {
                col,
                order: t.order,
                nulls: t.nulls,
                coll,
            });
        }
        if is_agg {
            op = self.finish_agg(op, core, width)?;
        }
        if let Some(pred) = having {
            op = Box::new(Filter { input: op, pred });
        }
        let specs = self.win.take().unwrap_or_default();
        let has_windows = !specs.is_empty();
        if !specs.is_empty() {
            let naggs = op_aggs(&*op).unwrap_or(0);
            let base = if is_agg { width + naggs } else { width };
            let remap = |i: usize| {
                if i >= WIN_BASE {
                    base + (i - WIN_BASE)
                } else {
                    i
                }
            };
            for e in exprs.iter_mut() {
                e.remap_cols(&remap);
            }
            op = Box::new(Window {
                input: op,
                specs,
                out: Default::default(),
                loaded: false,
            });
        }
        self.win = Some(Vec::new());
        op = Box::new(Project::new(op, exprs));
        if core.distinct {
            op = Box::new(Distinct {
                input: op,
                n,
                colls: colls.clone(),
                seen: Default::default(),
            });
        }
        let presorted = self.presorted && !is_agg && !core.distinct && !has_windows;
        if !keys.is_empty() && !presorted {
            op = Box::new(Sort {
                input: op,
                keys,
                rows: Default::default(),
                loaded: false,
            });
        }
        op = Box::new(Trim { input: op, n });
        let planned = Planned {
            op,
            names,
            affinities: affs,
            colls,
            origins,
            last_origins: None,
        };
        self.apply_limit(planned, sel)
    }

    fn finish_agg(
        &mut self,
        input: Box<dyn Op>,
        core: &ast::SelectCore,
        width: usize,
    ) -> Result<Box<dyn Op>> {
        let specs = self
            .agg
            .as_mut()
            .map(|a| core::mem::take(&mut a.specs))
            .unwrap_or_default();
        let mut group_by = Vec::new();
        let saved = self.agg.take();
        for g in &core.group_by {
            let g = self.resolve_result_ref(g, core)?;
            let coll = self.collation(&g).map_or(Collation::Binary, |c| c.0);
            group_by.push((self.bind(&g)?, coll));
        }
        self.agg = saved;
        Ok(Box::new(Aggregate {
            input,
            group_by,
            aggs: specs,
            width,
            out: Default::default(),
            loaded: false,
        }))
    }
}

/// `x = 1 OR x = 2 OR ...` (one column against constants) as
/// `x IN (1, 2, ...)`, which the planner serves with one probe per value;
/// conjuncts are rewritten one by one. The two mean the same in SQLite:
/// both compare with the column's affinity and collation.
fn or_to_in(e: &Expr) -> Expr {
    fn leaves<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::Binary {
                op: BinaryOp::Or,
                left,
                right,
                ..
            } => {
                leaves(left, out);
                leaves(right, out);
            }
            other => out.push(other),
        }
    }
    fn constant(e: &Expr) -> bool {
        match e {
            Expr::Literal(_) | Expr::Param { .. } => true,
            Expr::Unary { expr, .. } => constant(expr),
            _ => false,
        }
    }
    match e {
        Expr::Binary {
            op: BinaryOp::And,
            left,
            right,
            pos,
        } => Expr::Binary {
            op: BinaryOp::And,
            left: Box::new(or_to_in(left)),
            right: Box::new(or_to_in(right)),
            pos: *pos,
        },
        Expr::Binary {
            op: BinaryOp::Or, ..
        } => {
            let mut ls = Vec::new();
            leaves(e, &mut ls);
            let mut col: Option<&Expr> = None;
            let mut list = Vec::new();
            for l in ls {
                let Expr::Binary {
                    op: BinaryOp::Eq,
                    left,
                    right,
                    ..
                } = l
                else {
                    return e.clone();
                };
                let (c, v) = match (&**left, &**right) {
                    (c @ Expr::Column { .. }, v) if constant(v) => (c, v),
                    (v, c @ Expr::Column { .. }) if constant(v) => (c, v),
                    _ => return e.clone(),
                };
                match col {
                    None => col = Some(c),
                    Some(prev) if same_column(prev, c) => {}
                    Some(_) => return e.clone(),
                }
                list.push(v.clone());
            }
            match col {
                Some(c) => Expr::InList {
                    expr: Box::new(c.clone()),
                    list,
                    not: false,
                },
                None => e.clone(),
            }
        }
        other => other.clone(),
    }
}

fn same_column(a: &Expr, b: &Expr) -> bool {
    let eq = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    };
    match (a, b) {
        (
            Expr::Column {
                schema: s1,
                table: t1,
                name: n1,
                ..
            },
            Expr::Column {
                schema: s2,
                table: t2,
                name: n2,
                ..
            },
        ) => eq(s1, s2) && eq(t1, t2) && n1.eq_ignore_ascii_case(n2),
        _ => false,
    }
}

/// Whether `ix` holds every column the query reads (`used`, by column) so
/// rows come from the index alone. A key keeps a value's number but not
/// whether it was INTEGER or REAL (1 and 1.0 are one key), so a column is
/// read from the key only when its affinity decides the type: INTEGER and
/// NUMERIC store integral numbers as integers, REAL as reals, TEXT no
/// numbers; a column without affinity may hold 1 and 1.0 alike.
fn index_covers(table: &Table, ix: &Index, used: &[bool]) -> bool {
    used.iter().enumerate().all(|(ci, u)| {
        !u || Some(ci) == table.rowid_alias
            || (!matches!(table.columns[ci].affinity, Affinity::Blob)
                && ix
                    .columns
                    .iter()
                    .any(|c| c.column == Some(ci) && c.collation == Collation::Binary))
    })
}

/// The rows of `sqlite_schema` for one schema.
fn schema_rows(s: &Schema) -> Vec<Tuple> {
    let t = |x: &str| Value::Text(x.to_string());
    let mut rows = Vec::new();
    for tb in s.tables.values() {
        rows.push(vec![
            t("table"),
            t(&tb.name),
            t(&tb.name),
            Value::Integer(i64::from(tb.root)),
            t(&tb.sql),
        ]);
    }
    for ix in s.indexes.values() {
        rows.push(vec![
            t("index"),
            t(&ix.name),
            t(&ix.table),
            Value::Integer(i64::from(ix.root)),
            if ix.auto { Value::Null } else { t(&ix.sql) },
        ]);
    }
    for v in s.views.values() {
        rows.push(vec![
            t("view"),
            t(&v.name),
            t(&v.name),
            Value::Integer(0),
            t(&v.sql),
        ]);
    }
    for tr in s.triggers.values() {
        rows.push(vec![
            t("trigger"),
            t(&tr.name),
            t(&tr.table),
            Value::Integer(0),
            t(&tr.sql),
        ]);
    }
    crate::sorting::sort_by_key(&mut rows, |r| creation_key(s, r));
    rows
}

/// An ORDER BY or GROUP BY term that is an integer constant, which names a
/// result column by number: a literal, or one with signs before it, as
/// SQLite's `sqlite3ExprIsInteger` reads it (so `-1` is out of range, not
/// a constant to sort by, and `+1` is column 1).
fn integer_term(e: &Expr) -> Option<i64> {
    match e {
        Expr::Literal(ast::Literal::Integer(k)) => Some(*k),
        Expr::Unary {
            op: ast::UnaryOp::Neg,
            expr,
        } => integer_term(expr)?.checked_neg(),
        Expr::Unary {
            op: ast::UnaryOp::Plus,
            expr,
        } => integer_term(expr),
        _ => None,
    }
}

/// SQLite lists its schema in rowid order, which is creation order.
fn creation_key(s: &Schema, r: &[Value]) -> (i64, String) {
    let name = match &r[1] {
        Value::Text(n) => n.clone(),
        _ => String::new(),
    };
    (s.order.get(&lower(&name)).copied().unwrap_or(0), name)
}

/// Window results are bound to slots from here, remapped once the input
/// width is known.
const WIN_BASE: usize = 1 << 30;

/// The number of aggregates of the aggregate operator under `op` (through
/// a HAVING filter).
fn op_aggs(op: &dyn Op) -> Option<usize> {
    op.agg_count()
}

/// Columns with only names (no affinity, BINARY collation).
fn plain_columns(names: &[String]) -> Vec<ColInfo> {
    names
        .iter()
        .map(|n| ColInfo {
            name: n.clone(),
            affinity: None,
            coll: Collation::Binary,
            hidden: false,
        })
        .collect()
}

fn op_take(op: &mut Box<dyn Op>) -> Box<dyn Op> {
    core::mem::replace(op, Box::new(Once { done: true }))
}

/// Index in the expanded result list of result column `i` (no stars before
/// it in practice; stars make aliases after them rare).
fn result_index(cols: &[ast::ResultColumn], i: usize) -> usize {
    let _ = cols;
    i
}

fn flip(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        o => o,
    }
}

fn strip_table(e: &Expr) -> Expr {
    match e {
        Expr::Column { name, .. } => Expr::Column {
            schema: None,
            table: None,
            name: lower(name),
            pos: ast::Pos::default(),
        },
        other => other.clone(),
    }
}

fn cte_is_recursive(cte: &ast::Cte) -> bool {
    let s = format!("{}", cte.select);
    let lname = lower(&cte.name);
    lower(&s)
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w == lname)
}

pub(crate) fn display_name(n: &ast::QualifiedName) -> String {
    match &n.schema {
        Some(s) => format!("{s}.{}", n.name),
        None => n.name.clone(),
    }
}
