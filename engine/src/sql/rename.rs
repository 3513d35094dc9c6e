//! ALTER TABLE RENAME COLUMN / RENAME TO: rewriting the objects that name
//! the renamed column or table, as SQLite does.
//!
//! The stored CREATE text of every index, view, trigger and table is parsed,
//! walked with name resolution (a column reference is renamed only when it
//! resolves to the renamed table, so `u.b` or a `b` of another table in the
//! same FROM keeps its name), and written back. To keep the text as the user
//! wrote it — SQLite edits the tokens in place — the new text is first made
//! by replacing every identifier token spelling the old name; that text is
//! kept only if it parses to the same statement as the resolved rewrite,
//! otherwise (the old name also stands for something else) the rewritten
//! statement is printed.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crate::sql::ast::{self, Expr, FromItem, ResultColumn, Select, SelectBody, Stmt};
use crate::sql::display::is_plain_ident;
use crate::sql::lexer::{Lexer, TokenKind, ident_value};
use crate::sql::parser;

/// What is renamed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Change<'a> {
    Column { old: &'a str, new: &'a str },
    Table { new: &'a str },
}

/// A name visible in a FROM clause (or NEW/OLD in a trigger).
#[derive(Clone)]
struct Binding {
    name: String,
    /// It is the renamed table.
    target: bool,
    /// Written without an alias, so `table.col` references use the table's
    /// own name (renamed by RENAME TO).
    bare: bool,
    cols: Vec<String>,
}

type Frame = Vec<Binding>;

pub(crate) struct Renamer<'a> {
    table: &'a str,
    cols: Vec<String>,
    change: Change<'a>,
    columns_of: &'a dyn Fn(&str) -> Vec<String>,
    ctes: Vec<(String, Vec<String>)>,
    changed: bool,
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl<'a> Renamer<'a> {
    /// `table` is the renamed table with its columns (old names);
    /// `columns_of` gives the columns of any other table or view by name.
    pub(crate) fn new(
        table: &'a str,
        cols: Vec<String>,
        change: Change<'a>,
        columns_of: &'a dyn Fn(&str) -> Vec<String>,
    ) -> Renamer<'a> {
        Renamer {
            table,
            cols,
            change,
            columns_of,
            ctes: Vec::new(),
            changed: false,
        }
    }

    /// Rewrites `sql` (one CREATE statement); None when nothing in it
    /// names the renamed object.
    pub(crate) fn rewrite(&mut self, sql: &str) -> crate::Result<Option<String>> {
        let parsed = parser::parse(sql)?;
        let Some(mut stmt) = parsed.into_iter().next().map(|p| p.stmt) else {
            return Ok(None);
        };
        self.changed = false;
        self.stmt(&mut stmt);
        if !self.changed {
            return Ok(None);
        }
        let printed = stmt.to_string();
        let (old, new) = match self.change {
            Change::Column { old, new } => (old, new),
            Change::Table { new } => (self.table, new),
        };
        if let Some(edited) =
            replace_tokens(sql, old, new, matches!(self.change, Change::Table { .. }))
            && parser::parse(&edited)
                .ok()
                .and_then(|p| p.into_iter().next())
                .is_some_and(|p| p.stmt.to_string() == printed)
        {
            return Ok(Some(edited));
        }
        Ok(Some(printed))
    }

    fn is_target(&self, name: &ast::QualifiedName) -> bool {
        eq(&name.name, self.table) && !self.ctes.iter().any(|(c, _)| eq(c, &name.name))
    }

    fn target_binding(&self, alias: Option<&str>) -> Binding {
        Binding {
            name: alias.unwrap_or(self.table).to_string(),
            target: true,
            bare: alias.is_none(),
            cols: self.cols.clone(),
        }
    }

    fn rename_table_name(&mut self, name: &mut String) {
        if let Change::Table { new } = self.change
            && eq(name, self.table)
        {
            *name = new.to_string();
            self.changed = true;
        }
    }

    fn rename_col(&mut self, name: &mut String) {
        if let Change::Column { old, new } = self.change
            && eq(name, old)
        {
            *name = new.to_string();
            self.changed = true;
        }
    }

    fn fk(&mut self, fk: &mut ast::ForeignKey) {
        if eq(&fk.table, self.table) {
            for c in &mut fk.columns {
                self.rename_col(c);
            }
            self.rename_table_name(&mut fk.table);
        }
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match s {
            Stmt::CreateTable(ct) => {
                let own = eq(&ct.name.name, self.table);
                let scopes = [if own {
                    vec![self.target_binding(None)]
                } else {
                    Vec::new()
                }];
                if let ast::TableBody::Columns {
                    columns,
                    constraints,
                    ..
                } = &mut ct.body
                {
                    for c in columns {
                        if own {
                            self.rename_col(&mut c.name);
                        }
                        for k in &mut c.constraints {
                            match &mut k.kind {
                                ast::ColumnConstraintKind::Check(e)
                                | ast::ColumnConstraintKind::Generated { expr: e, .. }
                                    if own =>
                                {
                                    self.expr(e, &scopes)
                                }
                                ast::ColumnConstraintKind::References(fk) => self.fk(fk),
                                _ => {}
                            }
                        }
                    }
                    for k in constraints {
                        match &mut k.kind {
                            ast::TableConstraintKind::PrimaryKey { columns, .. }
                            | ast::TableConstraintKind::Unique { columns, .. }
                                if own =>
                            {
                                for c in columns {
                                    self.expr(&mut c.expr, &scopes);
                                }
                            }
                            ast::TableConstraintKind::Check(e) if own => self.expr(e, &scopes),
                            ast::TableConstraintKind::ForeignKey { columns, fk } => {
                                if own {
                                    for c in columns {
                                        self.rename_col(c);
                                    }
                                }
                                self.fk(fk);
                            }
                            _ => {}
                        }
                    }
                }
                if own {
                    self.rename_table_name(&mut ct.name.name);
                }
            }
            Stmt::CreateIndex(ci) => {
                if eq(&ci.table, self.table) {
                    let scopes = [vec![self.target_binding(None)]];
                    for c in &mut ci.columns {
                        self.expr(&mut c.expr, &scopes);
                    }
                    if let Some(w) = &mut ci.where_ {
                        self.expr(w, &scopes);
                    }
                    self.rename_table_name(&mut ci.table);
                }
            }
            Stmt::CreateView(cv) => {
                self.select(&mut cv.select, &[]);
            }
            Stmt::CreateTrigger(tr) => {
                let mut frame = Frame::new();
                if self.is_target(&tr.table) {
                    if let ast::TriggerEvent::Update(cols) = &mut tr.event {
                        for c in cols {
                            self.rename_col(c);
                        }
                    }
                    for n in ["new", "old"] {
                        let mut b = self.target_binding(Some(n));
                        b.bare = false;
                        frame.push(b);
                    }
                    self.rename_table_name(&mut tr.table.name);
                }
                let scopes = [frame];
                if let Some(w) = &mut tr.when {
                    self.expr(w, &scopes);
                }
                for s in &mut tr.body {
                    self.dml(s, &scopes);
                }
            }
            other => self.dml(other, &[]),
        }
    }

    /// A statement that reads or writes rows, seeing `outer` (a trigger's
    /// NEW and OLD).
    fn dml(&mut self, s: &mut Stmt, outer: &[Frame]) {
        match s {
            Stmt::Select(sel) => self.select(sel, outer),
            Stmt::Insert(ins) => {
                self.with(ins.with.as_mut(), outer);
                let target = self.is_target(&ins.table);
                if let ast::InsertSource::Select(sel) = &mut ins.source {
                    self.select(sel, outer);
                }
                let mut frame = Frame::new();
                if target {
                    for c in &mut ins.columns {
                        self.rename_col(c);
                    }
                    frame.push(self.target_binding(ins.alias.as_deref()));
                    let mut ex = self.target_binding(Some("excluded"));
                    ex.bare = false;
                    frame.push(ex);
                } else {
                    frame.push(self.other_binding(&ins.table.name, ins.alias.as_deref()));
                }
                let scopes = push(outer, frame);
                for u in &mut ins.upsert {
                    if let Some((cols, w)) = &mut u.target {
                        for c in cols {
                            self.expr(&mut c.expr, &scopes);
                        }
                        if let Some(w) = w {
                            self.expr(w, &scopes);
                        }
                    }
                    if let ast::UpsertAction::Update { sets, where_ } = &mut u.action {
                        self.assignments(sets, target, &scopes);
                        if let Some(w) = where_ {
                            self.expr(w, &scopes);
                        }
                    }
                }
                self.result_columns(&mut ins.returning, &scopes);
                if target {
                    self.rename_table_name(&mut ins.table.name);
                }
                self.end_with(ins.with.as_ref());
            }
            Stmt::Update(up) => {
                self.with(up.with.as_mut(), outer);
                let (target, b) = self.written(&up.table, up.alias.as_deref());
                let mut frame = vec![b];
                if let Some(from) = &mut up.from {
                    self.from(from, outer, &mut frame);
                }
                let scopes = push(outer, frame);
                self.assignments(&mut up.sets, target, &scopes);
                if let Some(w) = &mut up.where_ {
                    self.expr(w, &scopes);
                }
                self.result_columns(&mut up.returning, &scopes);
                self.order_terms(&mut up.order_by, &scopes);
                if target {
                    self.rename_table_name(&mut up.table.name);
                }
                self.end_with(up.with.as_ref());
            }
            Stmt::Delete(del) => {
                self.with(del.with.as_mut(), outer);
                let (target, b) = self.written(&del.table, del.alias.as_deref());
                let frame = vec![b];
                let scopes = push(outer, frame);
                if let Some(w) = &mut del.where_ {
                    self.expr(w, &scopes);
                }
                self.result_columns(&mut del.returning, &scopes);
                self.order_terms(&mut del.order_by, &scopes);
                if target {
                    self.rename_table_name(&mut del.table.name);
                }
                self.end_with(del.with.as_ref());
            }
            _ => {}
        }
    }

    /// The binding of a table an UPDATE or DELETE writes, and whether it
    /// is the renamed one.
    fn written(&self, table: &ast::QualifiedName, alias: Option<&str>) -> (bool, Binding) {
        if self.is_target(table) {
            (true, self.target_binding(alias))
        } else {
            (false, self.other_binding(&table.name, alias))
        }
    }

    fn assignments(&mut self, sets: &mut [ast::Assignment], target: bool, scopes: &[Frame]) {
        for a in sets {
            if target {
                for c in &mut a.columns {
                    self.rename_col(c);
                }
            }
            self.expr(&mut a.expr, scopes);
        }
    }

    fn other_binding(&self, name: &str, alias: Option<&str>) -> Binding {
        let cols = self
            .ctes
            .iter()
            .rev()
            .find(|(c, _)| eq(c, name))
            .map(|(_, cols)| cols.clone())
            .unwrap_or_else(|| (self.columns_of)(name));
        Binding {
            name: alias.unwrap_or(name).to_string(),
            target: false,
            bare: alias.is_none(),
            cols,
        }
    }

    fn with(&mut self, with: Option<&mut ast::With>, outer: &[Frame]) {
        let Some(w) = with else { return };
        for cte in &mut w.ctes {
            if w.recursive {
                // A recursive CTE sees itself.
                self.ctes.push((cte.name.clone(), cte.columns.clone()));
            }
            let names = self.select_names(&mut cte.select, outer);
            if w.recursive {
                self.ctes.pop();
            }
            let cols = if cte.columns.is_empty() {
                names
            } else {
                cte.columns.clone()
            };
            self.ctes.push((cte.name.clone(), cols));
        }
    }

    fn end_with(&mut self, with: Option<&ast::With>) {
        if let Some(w) = with {
            let n = self.ctes.len().saturating_sub(w.ctes.len());
            self.ctes.truncate(n);
        }
    }

    fn select(&mut self, s: &mut Select, outer: &[Frame]) {
        self.select_names(s, outer);
    }

    /// Renames inside `s`; returns its result column names.
    fn select_names(&mut self, s: &mut Select, outer: &[Frame]) -> Vec<String> {
        self.with(s.with.as_mut(), outer);
        let (frame, names) = self.body(&mut s.body, outer);
        let scopes = push(outer, frame);
        self.order_terms(&mut s.order_by, &scopes);
        for e in [&mut s.limit, &mut s.offset].into_iter().flatten() {
            self.expr(e, outer);
        }
        self.end_with(s.with.as_ref());
        names
    }

    /// The first core's FROM frame (ORDER BY sees it) and result names.
    fn body(&mut self, b: &mut SelectBody, outer: &[Frame]) -> (Frame, Vec<String>) {
        match b {
            SelectBody::Core(c) => self.core(c, outer),
            SelectBody::Values(rows) => {
                let mut n = 0;
                for r in rows {
                    n = r.len();
                    for e in r {
                        self.expr(e, outer);
                    }
                }
                (
                    Frame::new(),
                    (1..=n).map(|i| format!("column{i}")).collect(),
                )
            }
            SelectBody::Compound { left, right, .. } => {
                let l = self.body(left, outer);
                self.body(right, outer);
                l
            }
        }
    }

    fn core(&mut self, c: &mut ast::SelectCore, outer: &[Frame]) -> (Frame, Vec<String>) {
        let mut frame = Frame::new();
        if let Some(f) = &mut c.from {
            self.from(f, outer, &mut frame);
        }
        let scopes = push(outer, frame);
        self.result_columns(&mut c.columns, &scopes);
        for e in c
            .where_
            .iter_mut()
            .chain(c.group_by.iter_mut())
            .chain(c.having.iter_mut())
        {
            self.expr(e, &scopes);
        }
        for (_, w) in &mut c.windows {
            self.window(w, &scopes);
        }
        let frame = scopes.into_iter().last().unwrap_or_default();
        let mut names = Vec::new();
        // Columns a star brings in, under their new names, for outer
        // queries that select from this one.
        let star = |b: &Binding, names: &mut Vec<String>| {
            for col in &b.cols {
                names.push(match self.change {
                    Change::Column { old, new } if b.target && eq(col, old) => new.to_string(),
                    _ => col.clone(),
                });
            }
        };
        for rc in &c.columns {
            match rc {
                ResultColumn::Star => frame.iter().for_each(|b| star(b, &mut names)),
                ResultColumn::TableStar(t) => {
                    if let Some(b) = frame.iter().find(|b| eq(&b.name, t)) {
                        star(b, &mut names);
                    }
                }
                ResultColumn::Expr { expr, alias, span } => names.push(match (alias, expr) {
                    (Some(a), _) => a.clone(),
                    (None, Expr::Column { name, .. }) => name.clone(),
                    _ => span.clone(),
                }),
            }
        }
        (frame, names)
    }

    fn from(&mut self, item: &mut FromItem, outer: &[Frame], frame: &mut Frame) {
        match item {
            FromItem::Table { name, alias, .. } => {
                if self.is_target(name) {
                    frame.push(self.target_binding(alias.as_deref()));
                    self.rename_table_name(&mut name.name);
                } else {
                    frame.push(self.other_binding(&name.name, alias.as_deref()));
                }
            }
            FromItem::Subquery { select, alias } => {
                let cols = self.select_names(select, outer);
                frame.push(Binding {
                    name: alias.clone().unwrap_or_default(),
                    target: false,
                    bare: false,
                    cols,
                });
            }
            FromItem::Function {
                name, args, alias, ..
            } => {
                let scopes = push(outer, core::mem::take(frame));
                for a in args.iter_mut() {
                    self.expr(a, &scopes);
                }
                *frame = scopes.into_iter().last().unwrap_or_default();
                frame.push(Binding {
                    name: alias.clone().unwrap_or_else(|| name.clone()),
                    target: false,
                    bare: false,
                    cols: Vec::new(),
                });
            }
            FromItem::Join {
                left,
                right,
                constraint,
                ..
            } => {
                self.from(left, outer, frame);
                self.from(right, outer, frame);
                match constraint {
                    ast::JoinConstraint::On(e) => {
                        let scopes = push(outer, core::mem::take(frame));
                        self.expr(e, &scopes);
                        *frame = scopes.into_iter().last().unwrap_or_default();
                    }
                    ast::JoinConstraint::Using(cols) => {
                        if frame.iter().any(|b| b.target) {
                            for c in cols {
                                self.rename_col(c);
                            }
                        }
                    }
                    ast::JoinConstraint::None => {}
                }
            }
        }
    }

    fn result_columns(&mut self, cols: &mut [ResultColumn], scopes: &[Frame]) {
        for rc in cols {
            if let ResultColumn::Expr { expr, .. } = rc {
                self.expr(expr, scopes);
            }
        }
    }

    fn order_terms(&mut self, terms: &mut [ast::OrderTerm], scopes: &[Frame]) {
        for t in terms {
            self.expr(&mut t.expr, scopes);
        }
    }

    fn window(&mut self, w: &mut ast::WindowSpec, scopes: &[Frame]) {
        for e in &mut w.partition_by {
            self.expr(e, scopes);
        }
        self.order_terms(&mut w.order_by, scopes);
    }

    fn column_ref(&mut self, table: &mut Option<String>, name: &mut String, scopes: &[Frame]) {
        let binding = match table {
            Some(q) => scopes
                .iter()
                .rev()
                .flat_map(|f| f.iter())
                .find(|b| eq(&b.name, q)),
            None => scopes
                .iter()
                .rev()
                .find_map(|f| f.iter().find(|b| b.cols.iter().any(|c| eq(c, name)))),
        };
        let Some(b) = binding else { return };
        if !b.target {
            return;
        }
        let bare = b.bare;
        self.rename_col(name);
        if bare && let Some(q) = table {
            self.rename_table_name(q);
        }
    }

    fn expr(&mut self, e: &mut Expr, scopes: &[Frame]) {
        match e {
            Expr::Column { table, name, .. } => self.column_ref(table, name, scopes),
            Expr::Subquery(s) | Expr::Exists { select: s, .. } => self.select(s, scopes),
            Expr::InSelect { expr, select, .. } => {
                self.expr(expr, scopes);
                self.select(select, scopes);
            }
            Expr::InTable { expr, table, .. } => {
                self.expr(expr, scopes);
                if self.is_target(table) {
                    self.rename_table_name(&mut table.name);
                }
            }
            Expr::Function { over, .. } => {
                if let Some(ast::Over::Spec(w)) = over {
                    self.window(w, scopes);
                }
                each_child(e, &mut |c| self.expr(c, scopes));
            }
            _ => each_child(e, &mut |c| self.expr(c, scopes)),
        }
    }
}

fn push(outer: &[Frame], frame: Frame) -> Vec<Frame> {
    let mut v = outer.to_vec();
    v.push(frame);
    v
}

/// Calls `f` on the direct sub-expressions of `e` that are not inside a
/// subquery.
pub(crate) fn each_child(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    match e {
        Expr::Unary { expr, .. }
        | Expr::IsNull { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::InSelect { expr, .. }
        | Expr::InTable { expr, .. } => f(expr),
        Expr::Binary { left, right, .. } => {
            f(left);
            f(right);
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            f(expr);
            f(low);
            f(high);
        }
        Expr::InList { expr, list, .. } => {
            f(expr);
            list.iter_mut().for_each(f);
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            f(expr);
            f(pattern);
            if let Some(x) = escape {
                f(x);
            }
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            if let Some(x) = operand {
                f(x);
            }
            for (a, b) in whens {
                f(a);
                f(b);
            }
            if let Some(x) = else_ {
                f(x);
            }
        }
        Expr::Function { args, filter, .. } => {
            args.iter_mut().for_each(&mut *f);
            if let Some(x) = filter {
                f(x);
            }
        }
        Expr::Row(v) => v.iter_mut().for_each(f),
        Expr::Raise {
            message: Some(m), ..
        } => f(m),
        _ => {}
    }
}

/// `sql` with every identifier token spelling `old` replaced by `new`
/// (quoted as SQLite writes it: RENAME TO always double-quotes the new
/// table name); None if there is none.
fn replace_tokens(sql: &str, old: &str, new: &str, quote: bool) -> Option<String> {
    let mut lx = Lexer::new(sql);
    let mut out = String::new();
    let mut last = 0;
    let mut any = false;
    let bare = if quote || !is_plain_ident(new) {
        format!("\"{}\"", new.replace('"', "\"\""))
    } else {
        new.to_string()
    };
    loop {
        let t = lx.next_token();
        match t.kind {
            TokenKind::Eof | TokenKind::Error(_) => break,
            TokenKind::Ident | TokenKind::QuotedIdent | TokenKind::Keyword(_) => {
                let text = t.text(sql);
                if eq(&ident_value(text), old) {
                    out.push_str(&sql[last..t.start]);
                    out.push_str(&bare);
                    last = t.end;
                    any = true;
                }
            }
            _ => {}
        }
    }
    if !any {
        return None;
    }
    out.push_str(&sql[last..]);
    Some(out)
}

/// The new text of one stored statement (for tests of the module alone).
#[cfg(test)]
fn rewrite_one(sql: &str, table: &str, cols: &[&str], change: Change<'_>) -> Option<String> {
    let none = |_: &str| Vec::new();
    let mut r = Renamer::new(
        table,
        cols.iter().map(|s| s.to_string()).collect(),
        change,
        &none,
    );
    r.rewrite(sql).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COL: Change<'static> = Change::Column { old: "b", new: "c" };

    #[test]
    fn keeps_the_text_as_written() {
        assert_eq!(
            rewrite_one(
                "CREATE INDEX i ON t(  b DESC)  WHERE b>0",
                "t",
                &["a", "b"],
                COL
            )
            .as_deref(),
            Some("CREATE INDEX i ON t(  c DESC)  WHERE c>0")
        );
        assert_eq!(
            rewrite_one("CREATE VIEW v AS SELECT a FROM t", "t", &["a", "b"], COL),
            None
        );
    }

    #[test]
    fn resolves_names() {
        // `u.b` is another table's column: the text cannot be edited token
        // by token, so the statement is printed.
        let got = rewrite_one(
            "CREATE VIEW v AS SELECT t.b, u.b FROM t, u",
            "t",
            &["a", "b"],
            COL,
        )
        .unwrap();
        assert_eq!(got, "CREATE VIEW v AS SELECT t.c, u.b FROM t, u");
        let got = rewrite_one(
            "CREATE TRIGGER tr AFTER UPDATE OF b ON t BEGIN UPDATE t SET b = new.b; END",
            "t",
            &["a", "b"],
            COL,
        )
        .unwrap();
        assert_eq!(
            got,
            "CREATE TRIGGER tr AFTER UPDATE OF c ON t BEGIN UPDATE t SET c = new.c; END"
        );
    }

    #[test]
    fn renames_tables_quoted() {
        let got = rewrite_one(
            "CREATE VIEW v AS SELECT t.a FROM t WHERE a IN (SELECT x FROM u)",
            "t",
            &["a"],
            Change::Table { new: "tt" },
        )
        .unwrap();
        assert_eq!(
            got,
            "CREATE VIEW v AS SELECT \"tt\".a FROM \"tt\" WHERE a IN (SELECT x FROM u)"
        );
        let got = rewrite_one(
            "CREATE TABLE c(x REFERENCES t(a))",
            "t",
            &["a"],
            Change::Table { new: "tt" },
        )
        .unwrap();
        assert_eq!(got, "CREATE TABLE c(x REFERENCES \"tt\"(a))");
    }
}
