//! Golden SQL scripts (`tests/golden/*.sql`, format in `tests/src/golden.rs`):
//! TurDB must print exactly the recorded output, and the recorded output
//! must be what SQLite prints wherever the script does not say TurDB
//! differs. `UPDATE_GOLDEN=1` rewrites the expected output.

use std::path::PathBuf;

use turdb_tests::golden::{self, SqliteGolden, TurdbGolden};

fn scripts() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no golden scripts in {}", dir.display());
    v
}

fn load(path: &PathBuf) -> golden::Script {
    let text = std::fs::read_to_string(path).unwrap();
    golden::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn turdb_prints_the_golden_output() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut report = String::new();
    for path in scripts() {
        let script = load(&path);
        let (text, mismatches) =
            golden::run(&script, &mut TurdbGolden::new(), |_| false, str::to_string);
        if update {
            std::fs::write(&path, text).unwrap();
            continue;
        }
        for m in mismatches {
            report.push_str(&format!("{}:{m}", path.display()));
        }
    }
    assert!(
        report.is_empty(),
        "golden output differs (UPDATE_GOLDEN=1 rewrites it):\n{report}"
    );
}

#[test]
fn the_golden_output_is_sqlites() {
    let mut report = String::new();
    for path in scripts() {
        let script = load(&path);
        if script.sqlite_skip {
            continue;
        }
        let (_, mismatches) = golden::run(
            &script,
            &mut SqliteGolden::new(),
            |s| s.sqlite_differs,
            golden::without_position,
        );
        for m in mismatches {
            report.push_str(&format!("{}:{m}", path.display()));
        }
    }
    assert!(
        report.is_empty(),
        "SQLite prints otherwise (mark deliberate differences with `-- sqlite: differs <why>`):\n{report}"
    );
}
