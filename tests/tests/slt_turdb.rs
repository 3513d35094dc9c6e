//! TurDB against SQLite's sqllogictest corpus (`../shared/slt`) and the
//! repository's own records (`tests/slt`), through the runner that
//! `slt_sqlite.rs` proves against SQLite itself.
//!
//! Every file's pass count must be at least the one recorded in
//! `tests/slt-baseline.txt`: the baseline only ever moves up (regenerate it
//! with `cargo run -p turdb-tests --bin slt -- --engine turdb
//! --write-baseline tests/slt-baseline.txt ../shared/slt tests/slt` after an
//! improvement). The totals are printed, failures with `--nocapture`.

use std::path::{Path, PathBuf};

use turdb_tests::slt::{
    FileReport, RunOptions, TurdbEngine, check_baseline, collect_test_files, default_corpus_dir,
    load_baseline, run_file,
};

fn run_all(dirs: &[PathBuf]) -> Vec<(String, FileReport)> {
    let files = collect_test_files(dirs).expect("list the test files");
    let opts = RunOptions {
        max_failures: 5,
        ..RunOptions::default()
    };
    files
        .into_iter()
        .map(|(key, path)| {
            let mut engine = TurdbEngine::new();
            let r = run_file(&path, &mut engine, &opts);
            println!(
                "{key}: {}/{} passed, {} failed, {} skipped",
                r.passed, r.run, r.failed, r.skipped
            );
            for f in &r.failures {
                print!("{f}");
            }
            (key, r)
        })
        .collect()
}

#[test]
fn turdb_holds_its_sqllogictest_baseline() {
    let corpus = default_corpus_dir();
    assert!(corpus.is_dir(), "no corpus at {}", corpus.display());
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("slt");
    let mut reports = run_all(&[corpus]);
    reports.extend(run_all(&[own]));
    let passed: usize = reports.iter().map(|(_, r)| r.passed).sum();
    let run: usize = reports.iter().map(|(_, r)| r.run).sum();
    println!("TurDB: {passed}/{run} records passed");
    assert!(
        run > 70_000,
        "only {run} records ran: the corpus is missing files"
    );
    let baseline = load_baseline(&Path::new(env!("CARGO_MANIFEST_DIR")).join("slt-baseline.txt"))
        .expect("read tests/slt-baseline.txt");
    let regressions = check_baseline(&baseline, reports.iter().map(|(k, r)| (k.as_str(), r)));
    assert!(
        regressions.is_empty(),
        "sqllogictest regressions:\n{}",
        regressions
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
