//! The abstract syntax tree: what the parser produces and the planner reads.
//!
//! The tree is owned (no borrows of the SQL text) so a prepared statement can
//! outlive the string it came from, and a CREATE statement can be stored in
//! the catalog as text and parsed again when the database opens (as SQLite
//! keeps `sqlite_schema.sql`).
//!
//! Names are kept as written, without quotes; SQL compares them ASCII
//! case-insensitively, which is the binder's job, not the parser's.
//! Positions (`Pos`) are 1-based line:column of the token that starts the
//! node, so errors found after parsing (an unknown column, a bad type) can
//! still say where.
//!
//! `Display` (in `display.rs`) prints any node back as SQL that parses to an
//! equal tree; the catalog uses it to rewrite stored definitions on ALTER
//! TABLE RENAME.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

pub use crate::encoding::SortOrder;

/// 1-based line and column of a token in the SQL text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl core::fmt::Display for Pos {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// `[schema.]name`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
    pub pos: Pos,
}

/// One statement of a script, with the byte range of its text (without the
/// trailing `;`) so CREATE statements can be stored as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub stmt: Stmt,
    pub start: usize,
    pub end: usize,
    pub pos: Pos,
    /// The largest parameter index: the number of values to bind.
    pub params: usize,
    /// Named parameters (`:a`, `@a`, `$a`, with the prefix) and their index.
    pub param_names: Vec<(String, usize)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Select(Box<Select>),
    Insert(Box<Insert>),
    Update(Box<Update>),
    Delete(Box<Delete>),
    CreateTable(Box<CreateTable>),
    CreateIndex(Box<CreateIndex>),
    CreateView(Box<CreateView>),
    CreateTrigger(Box<CreateTrigger>),
    CreateSchema {
        name: String,
        if_not_exists: bool,
    },
    /// DROP TABLE / INDEX / VIEW / TRIGGER.
    Drop {
        kind: ObjectKind,
        if_exists: bool,
        name: QualifiedName,
    },
    DropSchema {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    AlterTable(Box<AlterTable>),
    /// REINDEX [name]: a table, an index or a collation name.
    Reindex(Option<QualifiedName>),
    Begin(TxnMode),
    /// COMMIT or END.
    Commit,
    /// ROLLBACK, or ROLLBACK TO [SAVEPOINT] name.
    Rollback {
        savepoint: Option<String>,
    },
    Savepoint(String),
    Release(String),
    /// EXPLAIN [QUERY PLAN] stmt.
    Explain {
        query_plan: bool,
        stmt: Box<Stmt>,
    },
    /// PRAGMA [schema.]name [= value | (value)].
    Pragma {
        name: QualifiedName,
        value: Option<Expr>,
    },
    Analyze(Option<QualifiedName>),
    Vacuum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Table,
    Index,
    View,
    Trigger,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TxnMode {
    #[default]
    Deferred,
    Immediate,
    Exclusive,
}

// ---------------------------------------------------------------- SELECT

/// A full query: WITH, a body of one or more cores joined by compound
/// operators, then ORDER BY / LIMIT / OFFSET over the whole.
#[derive(Clone, Debug, PartialEq)]
pub struct Select {
    pub with: Option<With>,
    pub body: SelectBody,
    pub order_by: Vec<OrderTerm>,
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct With {
    pub recursive: bool,
    pub ctes: Vec<Cte>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cte {
    pub name: String,
    pub columns: Vec<String>,
    /// AS [NOT] MATERIALIZED: parsed, and only a hint.
    pub materialized: Option<bool>,
    pub select: Box<Select>,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SelectBody {
    Core(Box<SelectCore>),
    /// VALUES (..), (..): every row has the same number of expressions.
    Values(Vec<Vec<Expr>>),
    /// `left op right`, left-associative as in SQLite.
    Compound {
        op: CompoundOp,
        left: Box<SelectBody>,
        right: Box<SelectBody>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompoundOp {
    Union,
    UnionAll,
    Intersect,
    Except,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SelectCore {
    pub distinct: bool,
    pub columns: Vec<ResultColumn>,
    pub from: Option<FromItem>,
    pub where_: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub having: Option<Expr>,
    /// WINDOW name AS (...), ...
    pub windows: Vec<(String, WindowSpec)>,
    pub pos: Pos,
}

// Result lists are short; boxing every expression would cost more.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ResultColumn {
    /// `*`
    Star,
    /// `table.*`
    TableStar(String),
    /// `expr [AS alias]`; `span` is the expression's source text, which
    /// names the result column when there is no alias (as SQLite does).
    Expr {
        expr: Expr,
        alias: Option<String>,
        span: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum FromItem {
    Table {
        name: QualifiedName,
        alias: Option<String>,
        indexed: Option<IndexedBy>,
    },
    Subquery {
        select: Box<Select>,
        alias: Option<String>,
    },
    /// A table-valued function: `json_each(x)`.
    Function {
        name: String,
        args: Vec<Expr>,
        alias: Option<String>,
        pos: Pos,
    },
    Join {
        left: Box<FromItem>,
        right: Box<FromItem>,
        kind: JoinKind,
        natural: bool,
        constraint: JoinConstraint,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexedBy {
    Index(String),
    NotIndexed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    /// `,`, JOIN, INNER JOIN
    Inner,
    /// CROSS JOIN: inner, but the planner keeps the written order.
    Cross,
    Left,
    Right,
    Full,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JoinConstraint {
    None,
    On(Expr),
    Using(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderTerm {
    pub expr: Expr,
    pub order: SortOrder,
    /// None: SQLite's default (NULLs first ascending, last descending).
    pub nulls: Option<NullsOrder>,
}

// ------------------------------------------------------------ expressions

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    /// TRUE / FALSE (integers 1 / 0 with a name, for BOOLEAN columns).
    Bool(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
    Not,
    BitNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// IS and IS NOT DISTINCT FROM
    Is,
    /// IS NOT and IS DISTINCT FROM
    IsNot,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `||`
    Concat,
    BitAnd,
    BitOr,
    Shl,
    Shr,
    /// `->`
    Arrow,
    /// `->>`
    Arrow2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeOp {
    Like,
    Glob,
    Regexp,
    Match,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaiseKind {
    Ignore,
    Rollback,
    Abort,
    Fail,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Literal(Literal),
    /// `?`, `?N`, `:name`, `@name`, `$name`. The parser numbers them as
    /// SQLite does: `?` takes the next index, `?N` index N, a name its first
    /// occurrence's index; `name` keeps the prefix character (`:a`).
    Param {
        index: usize,
        name: Option<String>,
        pos: Pos,
    },
    /// `[[schema.]table.]column`
    Column {
        schema: Option<String>,
        table: Option<String>,
        name: String,
        pos: Pos,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
        pos: Pos,
    },
    /// `expr [NOT] BETWEEN low AND high`
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        not: bool,
    },
    /// `expr [NOT] IN (list)`; the list may be empty.
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        not: bool,
    },
    /// `expr [NOT] IN (SELECT ...)`
    InSelect {
        expr: Box<Expr>,
        select: Box<Select>,
        not: bool,
    },
    /// `expr [NOT] IN table` (or a table-valued function without args).
    InTable {
        expr: Box<Expr>,
        table: QualifiedName,
        not: bool,
    },
    /// `expr [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE e]`
    Like {
        op: LikeOp,
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<Box<Expr>>,
        not: bool,
    },
    /// `expr ISNULL`, `expr IS NULL` stays a Binary Is with a NULL literal;
    /// this is `expr NOTNULL` / `expr NOT NULL` / `IS NOT NULL` alike.
    IsNull {
        expr: Box<Expr>,
        not: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    /// `CAST(expr AS type)`; `type_name` as written, e.g. `VARCHAR(30)`.
    Cast {
        expr: Box<Expr>,
        type_name: String,
    },
    Collate {
        expr: Box<Expr>,
        collation: String,
    },
    /// A function call, aggregate or window function. Names are as written;
    /// `count(*)` has `star`; CURRENT_TIME / CURRENT_DATE /
    /// CURRENT_TIMESTAMP parse as calls without arguments of those names.
    Function {
        name: String,
        args: Vec<Expr>,
        distinct: bool,
        star: bool,
        filter: Option<Box<Expr>>,
        over: Option<Over>,
        pos: Pos,
    },
    /// `[NOT] EXISTS (SELECT ...)`
    Exists {
        select: Box<Select>,
        not: bool,
    },
    /// `(SELECT ...)` as a value.
    Subquery(Box<Select>),
    /// `(a, b, ...)` with two or more elements: a row value.
    Row(Vec<Expr>),
    /// `RAISE(IGNORE)` or `RAISE(ROLLBACK|ABORT|FAIL, message)` in triggers.
    Raise {
        kind: RaiseKind,
        message: Option<Box<Expr>>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Over {
    /// OVER name
    Named(String),
    /// OVER (...)
    Spec(WindowSpec),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct WindowSpec {
    /// `OVER (base ...)`: a named window this one extends.
    pub base: Option<String>,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<OrderTerm>,
    pub frame: Option<Frame>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
    Groups,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Box<Expr>),
    CurrentRow,
    Following(Box<Expr>),
    UnboundedFollowing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameExclude {
    NoOthers,
    CurrentRow,
    Group,
    Ties,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub units: FrameUnits,
    pub start: FrameBound,
    /// `BETWEEN start AND end`; a frame with only a start ends at CURRENT ROW.
    pub end: FrameBound,
    pub exclude: FrameExclude,
}

// ------------------------------------------------------------ DML

/// OR ROLLBACK | ABORT | REPLACE | FAIL | IGNORE, and the conflict clauses
/// of constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    Rollback,
    Abort,
    Fail,
    Ignore,
    Replace,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Insert {
    pub with: Option<With>,
    /// `INSERT OR x`; `REPLACE INTO` is `Some(Replace)`.
    pub or: Option<Conflict>,
    pub table: QualifiedName,
    pub alias: Option<String>,
    pub columns: Vec<String>,
    pub source: InsertSource,
    pub upsert: Vec<Upsert>,
    pub returning: Vec<ResultColumn>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InsertSource {
    /// VALUES ... or SELECT ... (VALUES is a `SelectBody::Values`).
    Select(Box<Select>),
    DefaultValues,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Upsert {
    /// `ON CONFLICT (cols) [WHERE ...]`; None matches any constraint.
    pub target: Option<(Vec<IndexedColumn>, Option<Expr>)>,
    pub action: UpsertAction,
}

#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum UpsertAction {
    Nothing,
    Update {
        sets: Vec<Assignment>,
        where_: Option<Expr>,
    },
}

/// `col = expr` or `(a, b) = (expr, expr)` / `(a, b) = row-valued expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub columns: Vec<String>,
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub with: Option<With>,
    pub or: Option<Conflict>,
    pub table: QualifiedName,
    pub alias: Option<String>,
    pub indexed: Option<IndexedBy>,
    pub sets: Vec<Assignment>,
    pub from: Option<FromItem>,
    pub where_: Option<Expr>,
    pub returning: Vec<ResultColumn>,
    pub order_by: Vec<OrderTerm>,
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Delete {
    pub with: Option<With>,
    pub table: QualifiedName,
    pub alias: Option<String>,
    pub indexed: Option<IndexedBy>,
    pub where_: Option<Expr>,
    pub returning: Vec<ResultColumn>,
    pub order_by: Vec<OrderTerm>,
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
}

// ------------------------------------------------------------ DDL

#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub body: TableBody,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TableBody {
    Columns {
        columns: Vec<ColumnDef>,
        constraints: Vec<TableConstraint>,
        strict: bool,
        without_rowid: bool,
    },
    AsSelect(Box<Select>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    /// As written, e.g. `VARCHAR(30)`, `UNSIGNED BIG INT`; None when absent.
    pub type_name: Option<String>,
    pub constraints: Vec<ColumnConstraint>,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnConstraint {
    /// CONSTRAINT name
    pub name: Option<String>,
    pub kind: ColumnConstraintKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ColumnConstraintKind {
    PrimaryKey {
        order: SortOrder,
        conflict: Option<Conflict>,
        autoincrement: bool,
    },
    NotNull {
        conflict: Option<Conflict>,
    },
    /// A bare NULL constraint (allowed, means nothing).
    Null,
    Unique {
        conflict: Option<Conflict>,
    },
    Check(Expr),
    Default(Expr),
    Collate(String),
    References(ForeignKey),
    /// [GENERATED ALWAYS] AS (expr) [STORED|VIRTUAL]
    Generated {
        expr: Expr,
        stored: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableConstraint {
    pub name: Option<String>,
    pub kind: TableConstraintKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TableConstraintKind {
    PrimaryKey {
        columns: Vec<IndexedColumn>,
        conflict: Option<Conflict>,
        autoincrement: bool,
    },
    Unique {
        columns: Vec<IndexedColumn>,
        conflict: Option<Conflict>,
    },
    Check(Expr),
    ForeignKey {
        columns: Vec<String>,
        fk: ForeignKey,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    SetNull,
    SetDefault,
    Cascade,
    Restrict,
    NoAction,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKey {
    pub table: String,
    pub columns: Vec<String>,
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
    /// DEFERRABLE INITIALLY DEFERRED
    pub deferred: bool,
}

/// A column of an index or key: usually a column name, possibly an
/// expression, with optional collation and order.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedColumn {
    pub expr: Expr,
    pub collation: Option<String>,
    pub order: SortOrder,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateIndex {
    pub unique: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub table: String,
    pub columns: Vec<IndexedColumn>,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateView {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub columns: Vec<String>,
    pub select: Box<Select>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerTime {
    Before,
    After,
    InsteadOf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TriggerEvent {
    Insert,
    Delete,
    /// UPDATE [OF col, ...]; empty means any column.
    Update(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateTrigger {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub time: TriggerTime,
    pub event: TriggerEvent,
    pub table: QualifiedName,
    /// FOR EACH ROW was written (row triggers are the only kind anyway).
    pub for_each_row: bool,
    pub when: Option<Expr>,
    /// INSERT / UPDATE / DELETE / SELECT statements.
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlterTable {
    pub table: QualifiedName,
    pub action: AlterAction,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AlterAction {
    AddColumn(ColumnDef),
    RenameTo(String),
    RenameColumn { old: String, new: String },
    DropColumn(String),
}
