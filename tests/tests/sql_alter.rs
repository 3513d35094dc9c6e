//! ALTER TABLE RENAME COLUMN / RENAME TO rewrite every object that names
//! the renamed column or table, as SQLite does, and the file reopens.

use turdb::Database;
use turdb_tests::text_rows as text;

const SCHEMA: &str = "
    PRAGMA foreign_keys = ON;
    CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT CHECK(b<>'x'), g AS (b||'!'), UNIQUE(b));
    CREATE TABLE c(x, y REFERENCES t(b) ON UPDATE CASCADE);
    CREATE TABLE log(m);
    CREATE INDEX tb ON t(b) WHERE b>'a';
    CREATE VIEW v AS SELECT b, t.b AS bb FROM t WHERE b IS NOT NULL ORDER BY b;
    CREATE TRIGGER tr AFTER UPDATE OF b ON t BEGIN INSERT INTO log VALUES(old.b||'>'||new.b); END;
    INSERT INTO t(a, b) VALUES (1, 'p'), (2, 'q');
    INSERT INTO c VALUES (10, 'p');
";

/// What SQLite 3.40 stores after the same statements (checked with
/// python3's sqlite3).
const AFTER_RENAME_COLUMN: &[&str] = &[
    "table|t|t|CREATE TABLE t(a INTEGER PRIMARY KEY, bcol TEXT CHECK(bcol<>'x'), g AS (bcol||'!'), UNIQUE(bcol))",
    "table|c|c|CREATE TABLE c(x, y REFERENCES t(bcol) ON UPDATE CASCADE)",
    "table|log|log|CREATE TABLE log(m)",
    "index|tb|t|CREATE INDEX tb ON t(bcol) WHERE bcol>'a'",
    "view|v|v|CREATE VIEW v AS SELECT bcol, t.bcol AS bb FROM t WHERE bcol IS NOT NULL ORDER BY bcol",
    "trigger|tr|t|CREATE TRIGGER tr AFTER UPDATE OF bcol ON t BEGIN INSERT INTO log VALUES(old.bcol||'>'||new.bcol); END",
];

const AFTER_RENAME_TABLE: &[&str] = &[
    "table|tt|tt|CREATE TABLE \"tt\"(a INTEGER PRIMARY KEY, bcol TEXT CHECK(bcol<>'x'), g AS (bcol||'!'), UNIQUE(bcol))",
    "table|c|c|CREATE TABLE c(x, y REFERENCES \"tt\"(bcol) ON UPDATE CASCADE)",
    "table|log|log|CREATE TABLE log(m)",
    "index|tb|tt|CREATE INDEX tb ON \"tt\"(bcol) WHERE bcol>'a'",
    "view|v|v|CREATE VIEW v AS SELECT bcol, \"tt\".bcol AS bb FROM \"tt\" WHERE bcol IS NOT NULL ORDER BY bcol",
    "trigger|tr|tt|CREATE TRIGGER tr AFTER UPDATE OF bcol ON \"tt\" BEGIN INSERT INTO log VALUES(old.bcol||'>'||new.bcol); END",
];

const MASTER: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL";

#[test]
fn rename_column_rewrites_dependents_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch(SCHEMA).unwrap();
        db.execute_batch("ALTER TABLE t RENAME COLUMN b TO bcol")
            .unwrap();
        assert_eq!(text(&db, MASTER), AFTER_RENAME_COLUMN);
    }
    let db = Database::open(&path).unwrap();
    assert_eq!(text(&db, MASTER), AFTER_RENAME_COLUMN);
    db.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    // The index, the CHECK, the generated column, the view, the trigger and
    // the foreign key all work under the new name.
    assert_eq!(
        text(&db, "SELECT bcol, g FROM t WHERE bcol > 'a' ORDER BY bcol"),
        ["p|p!", "q|q!"]
    );
    let e = db
        .execute("INSERT INTO t(bcol) VALUES ('p')", ())
        .unwrap_err();
    assert!(
        e.to_string().contains("UNIQUE constraint failed: t.bcol"),
        "{e}"
    );
    assert_eq!(text(&db, "SELECT * FROM v"), ["p|p", "q|q"]);
    let e = db
        .execute("INSERT INTO t(bcol) VALUES ('x')", ())
        .unwrap_err();
    assert!(e.to_string().contains("CHECK constraint failed"), "{e}");
    db.execute("UPDATE t SET bcol = 'r' WHERE a = 1", ())
        .unwrap();
    assert_eq!(text(&db, "SELECT m FROM log"), ["p>r"]);
    assert_eq!(
        text(&db, "SELECT x, y FROM c"),
        ["10|r"],
        "ON UPDATE CASCADE"
    );
    let e = db
        .execute("INSERT INTO c VALUES (11, 'nope')", ())
        .unwrap_err();
    assert!(
        e.to_string().contains("FOREIGN KEY constraint failed"),
        "{e}"
    );
    assert!(
        db.execute("SELECT b FROM t", ()).is_err(),
        "the old name is gone"
    );
}

#[test]
fn rename_table_rewrites_references_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch(SCHEMA).unwrap();
        db.execute_batch("ALTER TABLE t RENAME COLUMN b TO bcol; ALTER TABLE t RENAME TO tt")
            .unwrap();
        assert_eq!(text(&db, MASTER), AFTER_RENAME_TABLE);
    }
    let db = Database::open(&path).unwrap();
    assert_eq!(text(&db, MASTER), AFTER_RENAME_TABLE);
    db.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    assert_eq!(text(&db, "SELECT bb FROM v"), ["p", "q"]);
    db.execute("UPDATE tt SET bcol = 's' WHERE a = 1", ())
        .unwrap();
    assert_eq!(text(&db, "SELECT m FROM log"), ["p>s"]);
    assert_eq!(text(&db, "SELECT y FROM c"), ["s"]);
    assert_eq!(text(&db, "PRAGMA integrity_check"), ["ok"]);
    let e = db.execute("DELETE FROM tt WHERE a = 1", ()).unwrap_err();
    assert!(
        e.to_string().contains("FOREIGN KEY constraint failed"),
        "{e}"
    );
    assert!(db.execute("SELECT * FROM t", ()).is_err());
}

#[test]
fn rename_resolves_names_instead_of_matching_text() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t(a, b); CREATE TABLE u(b, z);
         CREATE VIEW v AS SELECT t.b AS tb, u.b AS ub FROM t, u;
         CREATE VIEW w AS SELECT b FROM u;
         INSERT INTO t VALUES (1, 2); INSERT INTO u VALUES (3, 4);
         ALTER TABLE t RENAME COLUMN b TO c;",
    )
    .unwrap();
    assert_eq!(
        text(
            &db,
            "SELECT sql FROM sqlite_master WHERE name IN ('v', 'w')"
        ),
        [
            "CREATE VIEW v AS SELECT t.c AS tb, u.b AS ub FROM t, u",
            "CREATE VIEW w AS SELECT b FROM u",
        ]
    );
    assert_eq!(text(&db, "SELECT * FROM v"), ["2|3"]);
}

#[test]
fn rename_errors_name_the_column() {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t(a, b)").unwrap();
    let e = db
        .execute("ALTER TABLE t RENAME COLUMN nope TO c", ())
        .unwrap_err();
    assert!(e.to_string().contains("no such column: \"nope\""), "{e}");
    let e = db
        .execute("ALTER TABLE t RENAME COLUMN a TO B", ())
        .unwrap_err();
    assert!(e.to_string().contains("duplicate column name: B"), "{e}");
}

/// AUTOINCREMENT keeps its high-water marks in `sqlite_sequence`, an
/// ordinary table as in SQLite: readable, updatable, kept across reopen,
/// renamed and cleaned up with its tables.
#[test]
fn sqlite_sequence_is_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.turdb");
    {
        let db = Database::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, x);
             CREATE TABLE u(id INTEGER PRIMARY KEY AUTOINCREMENT, x);",
        )
        .unwrap();
        assert_eq!(
            text(&db, "SELECT type, name, sql FROM sqlite_master"),
            [
                "table|t|CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, x)",
                "table|sqlite_sequence|CREATE TABLE sqlite_sequence(name,seq)",
                "table|u|CREATE TABLE u(id INTEGER PRIMARY KEY AUTOINCREMENT, x)",
            ]
        );
        assert!(text(&db, "SELECT * FROM sqlite_sequence").is_empty());
        db.execute_batch("INSERT INTO t(x) VALUES (1), (2); INSERT INTO u(x) VALUES (1)")
            .unwrap();
        assert_eq!(db.changes(), 1, "bookkeeping is not counted");
        assert_eq!(db.last_insert_rowid(), 1);
        assert_eq!(
            text(&db, "SELECT name, seq FROM sqlite_sequence ORDER BY name"),
            ["t|2", "u|1"]
        );
        db.execute_batch("UPDATE sqlite_sequence SET seq = 10 WHERE name = 't'")
            .unwrap();
    }
    let db = Database::open(&path).unwrap();
    db.execute_batch("INSERT INTO t(x) VALUES (3); ALTER TABLE t RENAME TO t2")
        .unwrap();
    assert_eq!(text(&db, "SELECT id FROM t2"), ["1", "2", "11"]);
    assert_eq!(
        text(&db, "SELECT name, seq FROM sqlite_sequence ORDER BY name"),
        ["t2|11", "u|1"]
    );
    db.execute_batch("DROP TABLE u").unwrap();
    assert_eq!(text(&db, "SELECT name FROM sqlite_sequence"), ["t2"]);
    for (sql, msg) in [
        (
            "DROP TABLE sqlite_sequence",
            "table sqlite_sequence may not be dropped",
        ),
        (
            "CREATE TABLE sqlite_sequence(a)",
            "object name reserved for internal use: sqlite_sequence",
        ),
        (
            "CREATE INDEX i ON sqlite_sequence(name)",
            "table sqlite_sequence may not be indexed",
        ),
    ] {
        let e = db.execute(sql, ()).unwrap_err();
        assert!(e.to_string().contains(msg), "{sql}: {e}");
    }
}
