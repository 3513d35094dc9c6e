//! The catalog: the tables, indexes, views and triggers of a database.
//!
//! # Stored form
//!
//! Like SQLite's `sqlite_schema`, the catalog is itself a B+tree in the main
//! file (its root is the file header's `catalog_root`). Each object is one
//! entry:
//!
//! ```text
//! key    lower-cased object name (UTF-8)
//! value  record [type TEXT, name TEXT, tbl_name TEXT, root INTEGER, sql TEXT,
//!               seq INTEGER (creation number)]
//! ```
//!
//! `type` is `table`, `index`, `view` or `trigger`; `root` is the page of the
//! object's tree (0 for views and triggers); `sql` is the CREATE statement
//! as written (for an index made by a UNIQUE or PRIMARY KEY constraint,
//! empty). The in-memory definitions are rebuilt from that text when the
//! database opens, so the stored form never depends on Rust struct layout.
//! AUTOINCREMENT high-water marks live, as in SQLite, in the ordinary table
//! `sqlite_sequence(name, seq)`, created with the first AUTOINCREMENT table.
//! (Files written before it kept them as entries of type `sequence` named
//! `\u{1}seq:<table>` whose `root` holds the value; those are still read.)
//!
//! # Invariants
//!
//! - Names are unique per schema, ignoring ASCII case, across all kinds.
//! - Every index belongs to exactly one table of the same schema; dropping
//!   the table drops them (and its triggers).
//! - The in-memory catalog changes only together with the stored one, inside
//!   the same pager transaction, and is reloaded from the store when that
//!   transaction rolls back.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use hashbrown::HashMap;

use crate::encoding::{Collation, SortOrder};
use crate::sql::ast;
use crate::sql::ops::{Affinity, affinity_of};
use crate::storage::page::PageNo;
use crate::{Result, err};

/// Which pager an object lives in: the main file or the TEMP database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Store {
    Main,
    Temp,
}

impl Store {
    pub fn schema_name(self) -> &'static str {
        match self {
            Store::Main => "main",
            Store::Temp => "temp",
        }
    }
}

/// The key of the table SQLite keeps AUTOINCREMENT high-water marks in.
pub const SEQUENCE_TABLE: &str = "sqlite_sequence";

/// ASCII-lower-cased name: the catalog's lookup key.
pub fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A column of a table.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub type_name: Option<String>,
    pub affinity: Affinity,
    /// A TurDB strict type (`BOOLEAN`, `i32`, ...) or a STRICT table's type.
    pub strict: Option<StrictType>,
    pub not_null: bool,
    /// `NOT NULL ON CONFLICT x`: what a NULL does when the statement names
    /// no conflict resolution of its own.
    pub not_null_conflict: Option<ast::Conflict>,
    pub default: Option<ast::Expr>,
    pub collation: Collation,
    /// Part of the PRIMARY KEY.
    pub primary_key: bool,
    /// `AS (expr)`: computed from the other columns.
    pub generated: Option<ast::Expr>,
    pub hidden: bool,
}

/// Declared types that are checked on write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrictType {
    Any,
    Integer,
    Real,
    Text,
    Blob,
    Boolean,
    Json,
    /// Signed integer of this many bits.
    Int(u8),
    /// Unsigned integer of this many bits.
    UInt(u8),
    F32,
}

impl StrictType {
    /// The type's name in messages: SQLite's upper case for its own, as
    /// declared for TurDB's.
    pub fn name(self) -> String {
        match self {
            StrictType::Any => "ANY".into(),
            StrictType::Integer => "INTEGER".into(),
            StrictType::Real => "REAL".into(),
            StrictType::Text => "TEXT".into(),
            StrictType::Blob => "BLOB".into(),
            StrictType::Boolean => "BOOLEAN".into(),
            StrictType::Json => "JSON".into(),
            StrictType::Int(n) => alloc::format!("i{n}"),
            StrictType::UInt(n) => alloc::format!("u{n}"),
            StrictType::F32 => "f32".into(),
        }
    }

    /// TurDB's own strict type names, checked in every table.
    pub fn turdb(type_name: &str) -> Option<StrictType> {
        let t = type_name.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "boolean" | "bool" => StrictType::Boolean,
            "json" => StrictType::Json,
            "i8" => StrictType::Int(8),
            "i16" => StrictType::Int(16),
            "i32" => StrictType::Int(32),
            "i64" => StrictType::Int(64),
            "u8" => StrictType::UInt(8),
            "u16" => StrictType::UInt(16),
            "u32" => StrictType::UInt(32),
            "u64" => StrictType::UInt(64),
            "f32" => StrictType::F32,
            "f64" => StrictType::Real,
            _ => return None,
        })
    }

    /// The types a STRICT table accepts.
    pub fn strict_table(type_name: &str) -> Option<StrictType> {
        let t = type_name.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "any" => StrictType::Any,
            "int" | "integer" => StrictType::Integer,
            "real" => StrictType::Real,
            "text" => StrictType::Text,
            "blob" => StrictType::Blob,
            _ => return StrictType::turdb(&t),
        })
    }
}

/// A table (or, with `view` set, a view's shape).
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub store: Store,
    pub columns: Vec<Column>,
    /// The INTEGER PRIMARY KEY column, which is the rowid.
    pub rowid_alias: Option<usize>,
    /// The ON CONFLICT clause of that PRIMARY KEY.
    pub rowid_conflict: Option<ast::Conflict>,
    pub root: PageNo,
    pub checks: Vec<(Option<String>, ast::Expr)>,
    pub foreign_keys: Vec<ForeignKey>,
    pub autoincrement: bool,
    pub strict: bool,
    pub without_rowid: bool,
    pub sql: String,
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub columns: Vec<usize>,
    pub parent: String,
    pub parent_columns: Vec<String>,
    pub on_delete: ast::FkAction,
    pub on_update: ast::FkAction,
}

impl Table {
    /// Index of the column named `name` (ASCII case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// An index over a table's columns.
#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub store: Store,
    /// Per key column: the table column (None for an expression) and its
    /// expression, order and collation.
    pub columns: Vec<IndexColumn>,
    pub unique: bool,
    pub where_: Option<ast::Expr>,
    pub root: PageNo,
    /// Made by a UNIQUE or PRIMARY KEY constraint (no CREATE INDEX text).
    pub auto: bool,
    /// The constraint's name or a description, for error messages.
    pub origin: IndexOrigin,
    /// The ON CONFLICT clause of the UNIQUE or PRIMARY KEY constraint.
    pub conflict: Option<ast::Conflict>,
    pub sql: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexOrigin {
    CreateIndex,
    Unique,
    PrimaryKey,
}

#[derive(Clone, Debug)]
pub struct IndexColumn {
    pub column: Option<usize>,
    pub expr: ast::Expr,
    pub order: SortOrder,
    pub collation: Collation,
}

#[derive(Clone, Debug)]
pub struct View {
    pub name: String,
    pub store: Store,
    pub columns: Vec<String>,
    pub select: ast::Select,
    pub sql: String,
}

#[derive(Clone, Debug)]
pub struct Trigger {
    pub name: String,
    pub store: Store,
    pub table: String,
    pub def: ast::CreateTrigger,
    pub sql: String,
}

/// The objects of one schema (main or temp), by lower-cased name.
#[derive(Clone, Default)]
pub struct Schema {
    pub tables: HashMap<String, Arc<Table>>,
    pub indexes: HashMap<String, Arc<Index>>,
    pub views: HashMap<String, Arc<View>>,
    pub triggers: HashMap<String, Arc<Trigger>>,
    /// AUTOINCREMENT high-water marks by lower-cased table name.
    pub sequences: HashMap<String, i64>,
    /// Schemas made by CREATE SCHEMA (lower-cased). Their objects live in
    /// the main file under the name `schema.object`.
    pub named: hashbrown::HashSet<String>,
    /// Creation number of every object by lower-cased name: the order of
    /// `sqlite_schema` and `.dump`.
    pub order: HashMap<String, i64>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("tables", &self.tables.len())
            .field("indexes", &self.indexes.len())
            .field("views", &self.views.len())
            .field("triggers", &self.triggers.len())
            .finish()
    }
}

impl Schema {
    /// Whether any object has this name.
    pub fn contains(&self, name: &str) -> bool {
        let k = key(name);
        self.tables.contains_key(&k)
            || self.indexes.contains_key(&k)
            || self.views.contains_key(&k)
            || self.triggers.contains_key(&k)
    }

    /// The indexes of a table, in name order (stable plans and errors).
    pub fn indexes_of(&self, table: &str) -> Vec<Arc<Index>> {
        let mut v: Vec<Arc<Index>> = self
            .indexes
            .values()
            .filter(|i| i.table.eq_ignore_ascii_case(table))
            .cloned()
            .collect();
        crate::sorting::sort_by(&mut v, |a, b| a.name.cmp(&b.name));
        v
    }

    /// The triggers on a table, in name order.
    pub fn triggers_of(&self, table: &str) -> Vec<Arc<Trigger>> {
        let mut v: Vec<Arc<Trigger>> = self
            .triggers
            .values()
            .filter(|t| t.table.eq_ignore_ascii_case(table))
            .cloned()
            .collect();
        crate::sorting::sort_by(&mut v, |a, b| a.name.cmp(&b.name));
        v
    }
}

/// Builds a table definition from its CREATE TABLE statement. Returns the
/// table and the indexes its UNIQUE / PRIMARY KEY constraints need (their
/// roots are 0, for the caller to fill).
pub fn table_from_ast(
    ct: &ast::CreateTable,
    store: Store,
    root: PageNo,
    sql: &str,
) -> Result<(Table, Vec<Index>)> {
    let name = ct.name.name.clone();
    let ast::TableBody::Columns {
        columns,
        constraints,
        strict,
        without_rowid,
    } = &ct.body
    else {
        return Err(err!(
            Internal,
            "create table {name}: AS SELECT must be expanded first"
        ));
    };
    if columns.is_empty() {
        return Err(err!(Syntax, "create table {name}: no columns"));
    }
    let mut table = Table {
        name: name.clone(),
        store,
        columns: Vec::new(),
        rowid_alias: None,
        rowid_conflict: None,
        root,
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        autoincrement: false,
        strict: *strict,
        without_rowid: *without_rowid,
        sql: sql.to_string(),
    };
    let mut indexes = Vec::new();
    type Key = (
        Vec<ast::IndexedColumn>,
        bool,
        Option<String>,
        Option<ast::Conflict>,
    );
    let mut pk: Option<Key> = None;
    let mut uniques: Vec<(
        Vec<ast::IndexedColumn>,
        Option<String>,
        Option<ast::Conflict>,
    )> = Vec::new();
    for (ci, col) in columns.iter().enumerate() {
        if table.column(&col.name).is_some() {
            return Err(err!(
                Constraint,
                "create table {name}: duplicate column name: {}",
                col.name
            ));
        }
        let type_name = col.type_name.clone();
        let strict_type = match &type_name {
            Some(t) if *strict => Some(StrictType::strict_table(t).ok_or_else(|| {
                err!(Type, "unknown datatype for {}.{}: \"{t}\"", name, col.name)
            })?),
            Some(t) => StrictType::turdb(t),
            None if *strict => {
                return Err(err!(Type, "missing datatype for {}.{}", name, col.name));
            }
            None => None,
        };
        let affinity = match strict_type {
            Some(StrictType::Int(_) | StrictType::UInt(_) | StrictType::Boolean) => {
                Affinity::Integer
            }
            Some(StrictType::F32) => Affinity::Real,
            Some(StrictType::Json) => Affinity::Text,
            Some(StrictType::Any) => Affinity::Blob,
            _ => affinity_of(type_name.as_deref()),
        };
        let mut c = Column {
            name: col.name.clone(),
            type_name,
            affinity,
            strict: strict_type,
            not_null: false,
            not_null_conflict: None,
            default: None,
            collation: Collation::Binary,
            primary_key: false,
            generated: None,
            hidden: false,
        };
        for cons in &col.constraints {
            use ast::ColumnConstraintKind as K;
            match &cons.kind {
                K::PrimaryKey {
                    order,
                    autoincrement,
                    conflict,
                } => {
                    if pk.is_some() {
                        return Err(err!(
                            Constraint,
                            "create table {name}: table has more than one primary key"
                        ));
                    }
                    pk = Some((
                        alloc::vec![ast::IndexedColumn {
                            expr: column_expr(&col.name),
                            collation: None,
                            order: *order,
                        }],
                        *autoincrement,
                        cons.name.clone(),
                        *conflict,
                    ));
                }
                K::NotNull { conflict } => {
                    c.not_null = true;
                    c.not_null_conflict = *conflict;
                }
                K::Null => {}
                K::Unique { conflict } => uniques.push((
                    alloc::vec![ast::IndexedColumn {
                        expr: column_expr(&col.name),
                        collation: None,
                        order: SortOrder::Asc,
                    }],
                    cons.name.clone(),
                    *conflict,
                )),
                K::Check(e) => table.checks.push((cons.name.clone(), e.clone())),
                K::Default(e) => c.default = Some(e.clone()),
                K::Collate(n) => {
                    c.collation = Collation::from_name(n).ok_or_else(|| {
                        err!(
                            NotFound,
                            "create table {name}: no such collation sequence: {n}"
                        )
                    })?
                }
                K::References(fk) => table.foreign_keys.push(ForeignKey {
                    columns: alloc::vec![ci],
                    parent: fk.table.clone(),
                    parent_columns: fk.columns.clone(),
                    on_delete: fk.on_delete.unwrap_or(ast::FkAction::NoAction),
                    on_update: fk.on_update.unwrap_or(ast::FkAction::NoAction),
                }),
                K::Generated { expr, .. } => c.generated = Some(expr.clone()),
            }
        }
        table.columns.push(c);
    }
    for cons in constraints {
        use ast::TableConstraintKind as K;
        match &cons.kind {
            K::PrimaryKey {
                columns,
                autoincrement,
                conflict,
            } => {
                if pk.is_some() {
                    return Err(err!(
                        Constraint,
                        "create table {name}: table has more than one primary key"
                    ));
                }
                pk = Some((
                    columns.clone(),
                    *autoincrement,
                    cons.name.clone(),
                    *conflict,
                ));
            }
            K::Unique { columns, conflict } => {
                uniques.push((columns.clone(), cons.name.clone(), *conflict))
            }
            K::Check(e) => table.checks.push((cons.name.clone(), e.clone())),
            K::ForeignKey { columns, fk } => {
                let mut cols = Vec::new();
                for c in columns {
                    cols.push(table.column(c).ok_or_else(|| {
                        err!(
                            NotFound,
                            "create table {name}: unknown column \"{c}\" in foreign key definition"
                        )
                    })?);
                }
                table.foreign_keys.push(ForeignKey {
                    columns: cols,
                    parent: fk.table.clone(),
                    parent_columns: fk.columns.clone(),
                    on_delete: fk.on_delete.unwrap_or(ast::FkAction::NoAction),
                    on_update: fk.on_update.unwrap_or(ast::FkAction::NoAction),
                });
            }
        }
    }
    if let Some((cols, autoinc, cname, conflict)) = pk {
        let mut idx = Vec::new();
        for ic in &cols {
            let cn = indexed_column_name(ic).ok_or_else(|| {
                err!(
                    Syntax,
                    "create table {name}: expressions prohibited in PRIMARY KEY"
                )
            })?;
            let i = table.column(cn).ok_or_else(|| {
                err!(
                    NotFound,
                    "create table {name}: no such column in PRIMARY KEY: {cn}"
                )
            })?;
            table.columns[i].primary_key = true;
            idx.push(i);
        }
        let single_integer = idx.len() == 1
            && table.columns[idx[0]]
                .type_name
                .as_deref()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("integer"))
            && cols[0].order == SortOrder::Asc
            && !table.without_rowid;
        if single_integer {
            table.rowid_alias = Some(idx[0]);
            table.rowid_conflict = conflict;
            table.autoincrement = autoinc;
        } else {
            if autoinc {
                return Err(err!(
                    Constraint,
                    "create table {name}: AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY"
                ));
            }
            if table.without_rowid {
                for &i in &idx {
                    table.columns[i].not_null = true;
                }
            }
            indexes.push(auto_index(
                &table,
                &cols,
                IndexOrigin::PrimaryKey,
                cname,
                conflict,
                indexes.len(),
            )?);
        }
    } else if table.without_rowid {
        return Err(err!(
            Constraint,
            "create table {name}: PRIMARY KEY missing on table {name}"
        ));
    }
    for (cols, cname, conflict) in uniques {
        indexes.push(auto_index(
            &table,
            &cols,
            IndexOrigin::Unique,
            cname,
            conflict,
            indexes.len(),
        )?);
    }
    Ok((table, indexes))
}

fn column_expr(name: &str) -> ast::Expr {
    ast::Expr::Column {
        schema: None,
        table: None,
        name: name.to_string(),
        pos: ast::Pos::default(),
    }
}

/// The column name of an indexed column that is a plain column reference.
pub fn indexed_column_name(ic: &ast::IndexedColumn) -> Option<&str> {
    match &ic.expr {
        ast::Expr::Column {
            table: None, name, ..
        } => Some(name),
        ast::Expr::Literal(ast::Literal::Text(name)) => Some(name),
        ast::Expr::Collate { expr, .. } => match &**expr {
            ast::Expr::Column {
                table: None, name, ..
            } => Some(name),
            _ => None,
        },
        _ => None,
    }
}

fn auto_index(
    table: &Table,
    cols: &[ast::IndexedColumn],
    origin: IndexOrigin,
    _constraint_name: Option<String>,
    conflict: Option<ast::Conflict>,
    n: usize,
) -> Result<Index> {
    let columns = index_columns(table, cols)?;
    Ok(Index {
        name: alloc::format!("sqlite_autoindex_{}_{}", table.name, n + 1),
        table: table.name.clone(),
        store: table.store,
        columns,
        unique: true,
        where_: None,
        root: 0,
        auto: true,
        origin,
        conflict,
        sql: String::new(),
    })
}

/// Resolves the key columns of an index against its table.
pub fn index_columns(table: &Table, cols: &[ast::IndexedColumn]) -> Result<Vec<IndexColumn>> {
    let mut out = Vec::new();
    for ic in cols {
        let (column, expr) = match indexed_column_name(ic) {
            Some(cn) => {
                let i = table.column(cn).ok_or_else(|| {
                    err!(NotFound, "index on {}: no such column: {cn}", table.name)
                })?;
                (Some(i), column_expr(&table.columns[i].name))
            }
            None => (None, ic.expr.clone()),
        };
        let collation = match (&ic.collation, &ic.expr) {
            (Some(n), _) => Collation::from_name(n)
                .ok_or_else(|| err!(NotFound, "no such collation sequence: {n}"))?,
            (None, ast::Expr::Collate { collation, .. }) => Collation::from_name(collation)
                .ok_or_else(|| err!(NotFound, "no such collation sequence: {collation}"))?,
            (None, _) => column.map_or(Collation::Binary, |i| table.columns[i].collation),
        };
        out.push(IndexColumn {
            column,
            expr,
            order: ic.order,
            collation,
        });
    }
    Ok(out)
}
