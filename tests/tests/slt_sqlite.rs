//! The sqllogictest runner, proven against SQLite itself.
//!
//! The corpus in `shared/slt` was recorded from SQLite, so real SQLite must
//! pass every record of it. When it does not, the fault is the runner's
//! (its parsing, rendering, sorting or hashing), never the corpus's: this
//! test is what lets a TurDB failure reported by the same runner be trusted
//! as a TurDB bug. It runs the whole corpus (about 75,000 executed records,
//! a few seconds here) and prints each file's counts; `TURDB_SLT_DIR`
//! points it at another copy of the corpus.
//!
//! The repository's own records (`tests/slt`) are held to the same bar:
//! their expected results are meant to be SQLite's, and this is where a
//! record that disagrees with SQLite shows.

use std::path::{Path, PathBuf};

use turdb_tests::slt::{
    FileReport, RunOptions, SqliteEngine, collect_test_files, default_corpus_dir, run_file,
};

/// Runs every `.test` file under `dir` against a fresh SQLite database
/// each, prints the counts, and returns the reports.
fn run_all(dir: &Path) -> Vec<(String, FileReport)> {
    let files = collect_test_files(&[dir.to_path_buf()]).expect("list the corpus");
    let opts = RunOptions::default();
    let mut out = Vec::new();
    for (key, path) in files {
        let mut engine = SqliteEngine::new().expect("open SQLite");
        let r = run_file(&path, &mut engine, &opts);
        println!(
            "{key}: {}/{} passed, {} failed, {} skipped",
            r.passed, r.run, r.failed, r.skipped
        );
        out.push((key, r));
    }
    out
}

fn assert_no_failures(reports: &[(String, FileReport)]) {
    let failed: usize = reports.iter().map(|(_, r)| r.failed).sum();
    let passed: usize = reports.iter().map(|(_, r)| r.passed).sum();
    println!(
        "{} files: {passed} records passed, {failed} failed",
        reports.len()
    );
    if failed > 0 {
        for (_, r) in reports {
            for f in &r.failures {
                eprint!("{f}");
            }
        }
        panic!("SQLite failed {failed} sqllogictest records: the runner is wrong");
    }
}

#[test]
fn sqlite_passes_the_whole_corpus() {
    let dir = default_corpus_dir();
    assert!(
        dir.is_dir(),
        "sqllogictest corpus not found at {} (set TURDB_SLT_DIR)",
        dir.display()
    );
    let reports = run_all(&dir);
    // Guard against passing vacuously: the corpus is two dozen files and
    // tens of thousands of records, and every file runs something.
    assert!(
        reports.len() >= 20,
        "only {} files in {}",
        reports.len(),
        dir.display()
    );
    for (key, r) in &reports {
        assert!(r.run > 0, "{key}: no record ran");
    }
    let run: usize = reports.iter().map(|(_, r)| r.run).sum();
    assert!(run > 50_000, "only {run} records ran");
    assert_no_failures(&reports);
}

#[test]
fn sqlite_passes_the_repository_records() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("slt");
    if !dir.is_dir() {
        return;
    }
    assert_no_failures(&run_all(&dir));
}
