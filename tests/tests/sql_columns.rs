//! Result-column metadata: `Statement::columns` and `column_decltype`
//! against SQLite's `sqlite3_column_database_name`, `_table_name`,
//! `_origin_name` and `_decltype` (rusqlite's `columns_with_metadata` and
//! `columns`), query by query over one schema built in both engines.
//!
//! Display names are compared too, but only where TurDB names a column as
//! SQLite does: `DIFFERENT_NAMES` lists the queries where it does not (a
//! known difference this metadata leaves alone).

use turdb::Database;

/// The tables and views both engines get. Types are written oddly on
/// purpose (inner spaces, lower case, two words): SQLite reports the text
/// as written.
const SCHEMA: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, Name VARCHAR( 10 ), n, r REAL, x unsigned  big int);
    CREATE TABLE u(k INT, v TEXT);
    CREATE TABLE w(k DOUBLE, Name CHAR(3), id BIGINT);
    CREATE TABLE nr(a TEXT PRIMARY KEY, b) WITHOUT ROWID;
    CREATE TABLE nopk(a TEXT);
    CREATE TABLE g(a INT NOT NULL DEFAULT 3, b TEXT AS (a || 'x'), c DECIMAL(10, 2), d INT CHECK (d > 0) UNIQUE);
    CREATE TABLE st(a INTEGER, b ANY, c TEXT) STRICT;
    CREATE INDEX ti ON t(Name);
    CREATE TEMP TABLE tt(q BLOB);
    CREATE VIEW v AS SELECT id, Name AS nm, n + 1 AS e FROM t;
    CREATE VIEW v2(c1, c2) AS SELECT k, v FROM u;
    CREATE VIEW vv AS SELECT nm, e FROM v;
    CREATE TEMP VIEW tv AS SELECT k, id FROM u, t;
";

/// A result column's (database, table, origin, decltype).
type Meta = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn engines() -> (Database, rusqlite::Connection) {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(SCHEMA).unwrap();
    // A second schema: CREATE SCHEMA in TurDB, ATTACH in SQLite (which has
    // no CREATE SCHEMA); both name the database `app`.
    db.execute_batch(
        "CREATE SCHEMA app;
         CREATE TABLE app.s(z DATE, y);",
    )
    .unwrap();
    let c = rusqlite::Connection::open_in_memory().unwrap();
    c.execute_batch(SCHEMA).unwrap();
    c.execute_batch(
        "ATTACH ':memory:' AS app;
         CREATE TABLE app.s(z DATE, y);",
    )
    .unwrap();
    (db, c)
}

fn turdb_meta(db: &Database, sql: &str) -> (Vec<String>, Vec<Meta>) {
    let stmt = db
        .prepare(sql)
        .unwrap_or_else(|e| panic!("TurDB: {sql}: {e}"));
    let cols = stmt.columns();
    for (i, c) in cols.iter().enumerate() {
        assert_eq!(stmt.column_decltype(i), c.decl_type.as_deref());
    }
    assert_eq!(stmt.column_count(), cols.len(), "{sql}");
    (
        cols.iter().map(|c| c.name.clone()).collect(),
        cols.iter()
            .map(|c| {
                (
                    c.database.clone(),
                    c.table.clone(),
                    c.origin.clone(),
                    c.decl_type.clone(),
                )
            })
            .collect(),
    )
}

fn sqlite_meta(c: &rusqlite::Connection, sql: &str) -> (Vec<String>, Vec<Meta>) {
    let stmt = c
        .prepare(sql)
        .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"));
    let s = |o: Option<&str>| o.map(str::to_string);
    let types: Vec<Option<String>> = stmt.columns().map(|c| s(c.decl_type())).collect();
    let names = stmt.column_names().map(str::to_string).collect();
    let meta = stmt
        .columns_with_metadata()
        .zip(types)
        .map(|(c, ty)| {
            (
                s(c.database_name()),
                s(c.table_name()),
                s(c.origin_name()),
                ty,
            )
        })
        .collect();
    (names, meta)
}

fn m(db: &str, table: &str, origin: &str, ty: Option<&str>) -> Meta {
    (
        Some(db.into()),
        Some(table.into()),
        Some(origin.into()),
        ty.map(str::to_string),
    )
}

const NONE: Meta = (None, None, None, None);

/// Queries whose metadata is SQLite's exactly.
const SAME: &[&str] = &[
    // Plain columns, `*`, aliases, quoting, parentheses.
    "SELECT * FROM t",
    "SELECT id AS i, t.Name, n + 0, (r), CAST(r AS INT) FROM t",
    "SELECT `id`, [Name], \"n\" FROM t",
    "SELECT x FROM t",
    "SELECT X, NAME FROM t",
    "SELECT ALL k FROM u",
    "SELECT main.t.id FROM main.t",
    "SELECT t.id, t.Name FROM t INDEXED BY ti WHERE Name > 'a'",
    // Expressions that are not a column: CAST, COLLATE, unary +, CASE,
    // functions, literals, parameters, EXISTS, IN, window functions.
    "SELECT Name COLLATE NOCASE, +id, -id, CASE WHEN 1 THEN k END, coalesce(k, 1), k FROM t, u",
    "SELECT 1, 'a', NULL, ?1, :p",
    "SELECT EXISTS (SELECT k FROM u), 1 IN (SELECT k FROM u)",
    "SELECT row_number() OVER (), k FROM u",
    // The rowid: the INTEGER PRIMARY KEY column, else `rowid` INTEGER.
    "SELECT rowid, oid, _rowid_ FROM t",
    "SELECT rowid, a FROM nopk",
    "SELECT t.rowid, u.rowid FROM t, u",
    "SELECT * FROM (SELECT rowid FROM nopk)",
    // Declared types with constraints, generated, STRICT, WITHOUT ROWID.
    "SELECT * FROM g",
    "SELECT * FROM st",
    "SELECT * FROM nr",
    // Aggregates lose the origin; grouped columns keep it.
    "SELECT count(*), max(id), min(Name), sum(k) FROM t, u",
    "SELECT Name FROM t GROUP BY Name",
    "SELECT k FROM u WHERE k IN (1, 2) GROUP BY k HAVING count(*) > 0",
    "SELECT DISTINCT Name FROM t",
    "SELECT id FROM t WHERE id IN (SELECT k FROM u) ORDER BY Name LIMIT 1",
    // Joins, `t.*`, USING and NATURAL (the shared column is the left one's).
    "SELECT t.*, u.* FROM t JOIN u ON k = id",
    "SELECT * FROM t LEFT JOIN u ON 0",
    "SELECT a.id, b.id FROM t a, t b",
    "SELECT * FROM t NATURAL JOIN w",
    "SELECT * FROM u JOIN w USING (k)",
    "SELECT w.*, u.* FROM u JOIN w USING (k)",
    // Subqueries in FROM resolve to the real table, through any depth.
    "SELECT x.id FROM (SELECT id FROM t) x",
    "SELECT * FROM (SELECT id, Name AS q, 1 FROM t)",
    "SELECT * FROM (SELECT * FROM (SELECT k AS z FROM u))",
    "SELECT s.* FROM (SELECT * FROM t) AS s JOIN u ON s.id = u.k",
    "SELECT * FROM u LEFT JOIN (SELECT id, Name FROM t) s ON s.id = u.k",
    "SELECT * FROM (SELECT id FROM t LIMIT 1)",
    "SELECT * FROM (SELECT DISTINCT id FROM t)",
    "SELECT * FROM (SELECT max(id) m FROM t)",
    "SELECT * FROM (SELECT Name FROM t GROUP BY Name)",
    "SELECT * FROM (VALUES (1))",
    // A scalar subquery as a result column takes its first column's.
    "SELECT (SELECT k FROM u)",
    "SELECT (SELECT Name FROM t WHERE id = u.k) FROM u",
    "SELECT (SELECT x.k FROM (SELECT k FROM u) x)",
    "SELECT (SELECT 1 + k FROM u)",
    // Views (also with a column list, of views, TEMP over main).
    "SELECT * FROM v",
    "SELECT nm FROM v",
    "SELECT v.id FROM v",
    "SELECT * FROM v2",
    "SELECT * FROM vv",
    "SELECT * FROM (SELECT * FROM v)",
    "SELECT * FROM tv",
    // CTEs.
    "WITH c AS (SELECT Name FROM t) SELECT * FROM c",
    "WITH c(a) AS (SELECT Name FROM t) SELECT a FROM c",
    "WITH c AS (SELECT k FROM u), d AS (SELECT * FROM c) SELECT d.k FROM d",
    "WITH RECURSIVE c(a) AS (SELECT id FROM t UNION ALL SELECT a + 1 FROM c WHERE a < 3) SELECT a FROM c",
    "WITH RECURSIVE c(a) AS (SELECT 1 UNION ALL SELECT k FROM c, u LIMIT 3) SELECT a FROM c",
    // Compound SELECTs: the statement's columns are the first SELECT's...
    "SELECT k FROM u UNION SELECT id FROM t",
    "SELECT 1 UNION SELECT k FROM u",
    "SELECT k FROM u UNION ALL SELECT id FROM t ORDER BY 1",
    "SELECT Name FROM t EXCEPT SELECT v FROM u",
    // ...but a compound subquery's (FROM, CTE, scalar) are its last one's.
    "SELECT * FROM (SELECT k FROM u UNION SELECT id FROM t)",
    "SELECT * FROM (SELECT k FROM u UNION ALL SELECT 1)",
    "SELECT * FROM (SELECT 1 UNION ALL SELECT k FROM u)",
    "SELECT * FROM (SELECT k FROM u UNION ALL SELECT id FROM t) WHERE k > 0 ORDER BY k",
    "SELECT * FROM (SELECT k FROM u INTERSECT SELECT id FROM t)",
    "WITH c AS (SELECT k FROM u UNION SELECT id FROM t) SELECT * FROM c",
    "SELECT (SELECT 1 UNION SELECT k FROM u)",
    "SELECT (SELECT k FROM u UNION SELECT 1)",
    // VALUES.
    "VALUES (1, 2)",
    // TEMP and other schemas.
    "SELECT * FROM tt",
    "SELECT * FROM temp.tt",
    "SELECT * FROM app.s",
    "SELECT s.z, app.s.y FROM app.s",
    // The schema table, under SQLite's legacy names.
    "SELECT * FROM sqlite_schema",
    "SELECT name FROM sqlite_master",
    "SELECT * FROM sqlite_temp_schema",
    "SELECT * FROM temp.sqlite_master",
    // Table-valued functions are SQLite's eponymous virtual tables.
    "SELECT * FROM json_each('[1]')",
    "SELECT * FROM json_tree('[1]')",
    "SELECT key, json FROM json_each('[1]')",
    "SELECT j.value FROM json_each('[1]') j",
    // RETURNING: `*` is the table's columns.
    "INSERT INTO u VALUES (1, 'a') RETURNING *",
    "INSERT INTO t(Name) VALUES ('a') RETURNING rowid, id AS q, t.Name, Name || ''",
    "UPDATE u SET k = 2 RETURNING k, v || '', rowid",
    "UPDATE t SET n = 1 RETURNING *",
    "DELETE FROM u RETURNING v",
    "DELETE FROM app.s RETURNING *",
    // Statements without origins.
    "PRAGMA table_info(t)",
];

/// Queries of `SAME` whose display names differ: SQLite names a rowid of
/// a table with an INTEGER PRIMARY KEY after that column (`id`), and a
/// bare column after its declared spelling (`x` for `X`); TurDB names
/// both as written.
const DIFFERENT_NAMES: &[&str] = &[
    "SELECT X, NAME FROM t",
    "SELECT rowid, oid, _rowid_ FROM t",
    "SELECT t.rowid, u.rowid FROM t, u",
    "INSERT INTO t(Name) VALUES ('a') RETURNING rowid, id AS q, t.Name, Name || ''",
];

#[test]
fn metadata_matches_sqlite() {
    let (db, c) = engines();
    let mut failures = Vec::new();
    for &q in SAME {
        let (tn, tm) = turdb_meta(&db, q);
        let (sn, sm) = sqlite_meta(&c, q);
        if tm != sm {
            failures.push(format!("{q}\n  TurDB:  {tm:?}\n  SQLite: {sm:?}"));
        }
        if tn != sn && !DIFFERENT_NAMES.contains(&q) {
            failures.push(format!("names of {q}\n  TurDB:  {tn:?}\n  SQLite: {sn:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The values themselves, for a few shapes, so the comparison above is not
/// its only proof.
#[test]
fn metadata_values() {
    let (db, _) = engines();
    let (names, meta) = turdb_meta(&db, "SELECT id, Name AS who, n, n + 1, rowid FROM t");
    assert_eq!(names, ["id", "who", "n", "n + 1", "rowid"]);
    assert_eq!(
        meta,
        [
            m("main", "t", "id", Some("INTEGER")),
            m("main", "t", "Name", Some("VARCHAR( 10 )")),
            m("main", "t", "n", None),
            NONE,
            m("main", "t", "id", Some("INTEGER")),
        ]
    );
    let (_, meta) = turdb_meta(&db, "SELECT e, nm, rowid FROM v, nopk");
    assert_eq!(
        meta,
        [
            NONE,
            m("main", "t", "Name", Some("VARCHAR( 10 )")),
            m("main", "nopk", "rowid", Some("INTEGER")),
        ]
    );
    let (_, meta) = turdb_meta(&db, "SELECT q, z FROM tt, app.s");
    assert_eq!(
        meta,
        [
            m("temp", "tt", "q", Some("BLOB")),
            m("app", "s", "z", Some("DATE"))
        ]
    );
    let stmt = db.prepare("SELECT k FROM u").unwrap();
    assert_eq!(stmt.column_decltype(0), Some("INT"));
    assert_eq!(stmt.column_decltype(1), None, "out of range");
    assert!(
        db.prepare("CREATE TABLE z(a)")
            .unwrap()
            .columns()
            .is_empty()
    );
}

/// TurDB-only shapes: a view in a CREATE SCHEMA schema (SQLite has no
/// CREATE SCHEMA; ATTACHed databases compare above) and a RETURNING on a
/// table prepare does not know yet.
#[test]
fn schema_views_and_unknown_tables() {
    let (db, _) = engines();
    db.execute_batch("CREATE VIEW app.sv AS SELECT z, y || '' AS w FROM app.s")
        .unwrap();
    let (names, meta) = turdb_meta(&db, "SELECT * FROM app.sv");
    assert_eq!(names, ["z", "w"]);
    assert_eq!(meta, [m("app", "s", "z", Some("DATE")), NONE]);
    let (names, meta) = turdb_meta(&db, "INSERT INTO nowhere VALUES (1) RETURNING *, 1");
    assert_eq!(names, ["*", "1"]);
    assert_eq!(meta, [NONE, NONE]);
}

/// Where TurDB differs from SQLite by design, asserted as TurDB does it.
#[test]
fn differences_from_sqlite() {
    let (db, c) = engines();
    // A recursive CTE whose recursive SELECT reads the CTE itself: SQLite
    // reports the CTE's working table as the origin's table (no database,
    // table `c`, column `a`, the initial SELECT's type), an internal
    // object no other API can name. TurDB reports no origin, as for any
    // computed column.
    let q = "WITH RECURSIVE c(a) AS (SELECT id FROM t UNION ALL SELECT a FROM c LIMIT 3) SELECT a FROM c";
    assert_eq!(
        sqlite_meta(&c, q).1,
        [(
            None,
            Some("c".into()),
            Some("a".into()),
            Some("INTEGER".into())
        )]
    );
    assert_eq!(turdb_meta(&db, q).1, [NONE]);
}

/// The metadata is taken when the statement is prepared: a later schema
/// change does not alter it.
#[test]
fn fixed_at_prepare() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE a(x INTEGER)").unwrap();
    let stmt = db.prepare("SELECT x FROM a").unwrap();
    db.execute_batch("DROP TABLE a; CREATE TABLE a(x TEXT)")
        .unwrap();
    assert_eq!(stmt.column_decltype(0), Some("INTEGER"));
    assert_eq!(
        db.prepare("SELECT x FROM a").unwrap().column_decltype(0),
        Some("TEXT")
    );
}
