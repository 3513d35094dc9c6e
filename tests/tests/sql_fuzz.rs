//! Bad SQL never panics: random token soups and mutated valid statements
//! against a database with tables, indexes, views and triggers must each
//! end in `Ok` or an error, and leave the database usable.

use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use turdb::Database;

const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "CREATE",
    "TABLE",
    "INDEX",
    "VIEW",
    "DROP",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "UNION",
    "ALL",
    "DISTINCT",
    "JOIN",
    "LEFT",
    "ON",
    "USING",
    "AS",
    "WITH",
    "RECURSIVE",
    "OVER",
    "PARTITION",
    "CAST",
    "INTEGER",
    "TEXT",
    "t1",
    "t2",
    "v1",
    "a",
    "b",
    "c",
    "x",
    "count",
    "sum",
    "max",
    "abs",
    "substr",
    "row_number",
    "coalesce",
    "json_extract",
    "*",
    "+",
    "-",
    "/",
    "%",
    "=",
    "<",
    ">",
    "<=",
    "<>",
    "||",
    "(",
    ")",
    ",",
    ".",
    ";",
    "?",
    "1",
    "0",
    "-1",
    "2.5",
    "'s'",
    "''",
    "x'00'",
    "9223372036854775807",
    "1e308",
];

fn setup() -> Database {
    let db = Database::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL);
         CREATE TABLE t2(a INTEGER, b TEXT UNIQUE, c);
         CREATE INDEX t2a ON t2(a, c);
         CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE a > 1;
         CREATE TRIGGER tr AFTER INSERT ON t1 BEGIN INSERT INTO t2 VALUES (new.a, new.b || new.a, new.c); END;
         INSERT INTO t1 VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, NULL, -2);",
    )
    .unwrap();
    db
}

fn run(db: &Database, sql: &str) {
    // A mutation can make a statement endless (a recursive CTE that lost
    // its WHERE, say) — SQLite would loop forever too. A watchdog
    // interrupts whatever still runs after a while: "never panics" is the
    // property here, and `interrupt()` is part of what it exercises.
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let start = Instant::now();
            while !done.load(Ordering::Relaxed) {
                if start.elapsed() > Duration::from_millis(500) {
                    db.interrupt();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        // Results and errors are both fine; a panic fails the test.
        let _ = db.execute_batch(sql);
        if let Ok(mut stmt) = db.prepare(sql)
            && let Ok(mut rows) = stmt.query(())
        {
            let mut n = 0;
            while let Ok(Some(_)) = rows.next() {
                n += 1;
                if n > 10_000 {
                    break;
                }
            }
        }
        done.store(true, Ordering::Relaxed);
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn token_soup_never_panics(toks in prop::collection::vec(prop::sample::select(TOKENS), 1..25)) {
        let db = setup();
        run(&db, &toks.join(" "));
        // Still usable.
        let n: i64 = db.query_row("SELECT count(*) FROM t1", (), |r| r.get(0)).unwrap();
        prop_assert!(n >= 0);
    }

    #[test]
    fn mutated_statements_never_panic(
        which in 0usize..8,
        cut in 0usize..200,
        insert in prop::sample::select(TOKENS),
    ) {
        let base = [
            "SELECT a, count(*) FROM t2 WHERE c > 1 GROUP BY a HAVING count(*) > 0 ORDER BY 1 LIMIT 5",
            "SELECT t1.b, t2.c FROM t1 LEFT JOIN t2 ON t2.a = t1.a WHERE t1.a IN (SELECT a FROM v1)",
            "INSERT INTO t1(b, c) VALUES ('x', 1), ('y', 2)",
            "UPDATE t2 SET c = c + 1 WHERE b LIKE 'o%'",
            "DELETE FROM t1 WHERE a BETWEEN 2 AND 3",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r",
            "SELECT a, row_number() OVER (PARTITION BY b ORDER BY c) FROM t2",
            "SELECT CASE WHEN a > 1 THEN b ELSE CAST(c AS TEXT) END FROM t1 ORDER BY b DESC",
        ];
        let s = base[which];
        let cut = cut % (s.len() + 1);
        let cut = (0..=cut).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        let mutated = format!("{} {} {}", &s[..cut], insert, &s[cut..]);
        let db = setup();
        run(&db, &mutated);
        run(&db, &s[..cut]);
    }
}

/// xorshift64*: a fixed seed makes every run feed the same statements.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The SQL of every statement and query record of the sqllogictest corpus
/// (`../shared/slt`) and TurDB's own records (`tests/slt`), per file.
fn corpus() -> Vec<Vec<String>> {
    use turdb_tests::slt::{Parser, RecordKind, collect_test_files, default_corpus_dir};
    let own = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("slt");
    let files = collect_test_files(&[default_corpus_dir(), own]).unwrap();
    let mut out = Vec::new();
    for (_, path) in files {
        let f = std::fs::File::open(&path).unwrap();
        let mut p = Parser::new(std::io::BufReader::new(f));
        let mut sqls = Vec::new();
        while let Ok(Some(rec)) = p.next_record() {
            match rec.kind {
                RecordKind::Statement { sql, .. } | RecordKind::Query { sql, .. } => sqls.push(sql),
                _ => {}
            }
        }
        if !sqls.is_empty() {
            out.push(sqls);
        }
    }
    out
}

/// The byte ranges of `sql`'s tokens.
fn tokens(sql: &str) -> Vec<(usize, usize)> {
    use turdb::sql::lexer::{Lexer, TokenKind};
    let mut lx = Lexer::new(sql);
    let mut v = Vec::new();
    loop {
        let t = lx.next_token();
        if matches!(t.kind, TokenKind::Eof) {
            return v;
        }
        v.push((t.start, t.end));
        if matches!(t.kind, TokenKind::Error(_)) {
            return v;
        }
    }
}

/// One mutation of `sql`: a token deleted, duplicated or replaced by one
/// from `donor` or the token list, or a byte deleted, duplicated or
/// inserted. Invalid UTF-8 from a byte edit is read lossily.
fn mutate(rng: &mut Rng, sql: &str, donor: &str) -> String {
    let toks = tokens(sql);
    let dtoks = tokens(donor);
    let b = sql.as_bytes();
    let pick = |rng: &mut Rng, t: &[(usize, usize)]| t.get(rng.below(t.len())).copied();
    let edit = |start: usize, end: usize, with: &str| {
        let mut v = b[..start].to_vec();
        v.extend_from_slice(with.as_bytes());
        v.extend_from_slice(&b[end..]);
        String::from_utf8_lossy(&v).into_owned()
    };
    match rng.below(7) {
        0 => match pick(rng, &toks) {
            Some((s, e)) => edit(s, e, ""),
            None => sql.to_string(),
        },
        1 => match pick(rng, &toks) {
            Some((s, e)) => edit(e, e, &format!(" {}", &sql[s..e])),
            None => sql.to_string(),
        },
        2 => match (pick(rng, &toks), pick(rng, &dtoks)) {
            (Some((s, _)), Some((ds, de))) => edit(s, s, &format!("{} ", &donor[ds..de])),
            _ => sql.to_string(),
        },
        3 => match pick(rng, &toks) {
            Some((s, e)) => edit(s, e, TOKENS[rng.below(TOKENS.len())]),
            None => sql.to_string(),
        },
        4 if !b.is_empty() => {
            let i = rng.below(b.len());
            edit(i, i + 1, "")
        }
        5 if !b.is_empty() => {
            let i = rng.below(b.len());
            let mut v = b.to_vec();
            v.insert(i, b[i]);
            String::from_utf8_lossy(&v).into_owned()
        }
        _ => {
            let i = rng.below(b.len() + 1);
            let mut v = b.to_vec();
            v.insert(i, b"'\"()[];,.?:$@-*/|0x\x01\xff"[rng.below(21)]);
            String::from_utf8_lossy(&v).into_owned()
        }
    }
}

/// 10,000 statements from the corpus, each mutated once or more, go through
/// the parser and then the executor of a database that ran the start of
/// the statement's file. None may panic; the database stays usable.
#[test]
fn corpus_mutations_never_panic() {
    const TOTAL: usize = 10_000;
    let files = corpus();
    assert!(files.len() > 10, "the corpus is missing");
    let mut rng = Rng(0x7572_6462_6675_7a7a);
    let per_file = TOTAL.div_ceil(files.len());
    let started = Instant::now();
    let mut fed = 0;
    for sqls in &files {
        let db = Database::open_in_memory().unwrap();
        // The file's first statements make its tables.
        for s in sqls.iter().take(30) {
            let _ = db.execute_batch(s);
        }
        // One watchdog per file: it interrupts a statement that runs longer
        // than 300 ms (a mutation can make a query endless).
        let since = std::sync::atomic::AtomicU64::new(u64::MAX);
        let finished = AtomicBool::new(false);
        let clock = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                while !finished.load(Ordering::Relaxed) {
                    let t0 = since.load(Ordering::Relaxed);
                    let now = clock.elapsed().as_millis() as u64;
                    if t0 != u64::MAX && now.saturating_sub(t0) > 300 {
                        db.interrupt();
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            });
            for _ in 0..per_file {
                let base = &sqls[rng.below(sqls.len())];
                let donor = &sqls[rng.below(sqls.len())];
                let mut m = mutate(&mut rng, base, donor);
                for _ in 0..rng.below(3) {
                    m = mutate(&mut rng, &m, donor);
                }
                let _ = turdb::sql::parser::parse(&m);
                since.store(clock.elapsed().as_millis() as u64, Ordering::Relaxed);
                if let Ok(mut stmt) = db.prepare(&m)
                    && let Ok(mut rows) = stmt.query(())
                {
                    let mut n = 0;
                    while let Ok(Some(_)) = rows.next() {
                        n += 1;
                        if n > 1_000 {
                            break;
                        }
                    }
                }
                since.store(u64::MAX, Ordering::Relaxed);
                fed += 1;
            }
            finished.store(true, Ordering::Relaxed);
        });
        db.query_row("SELECT 1", (), |r| r.get::<_, i64>(0))
            .expect("the database stays usable");
    }
    assert!(fed >= TOTAL, "fed {fed}");
    eprintln!("{fed} mutated statements in {:?}", started.elapsed());
}
