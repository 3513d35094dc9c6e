//! `slt`: run sqllogictest files against SQLite or TurDB and count.
//!
//! ```text
//! cargo run --release -p turdb-tests --bin slt -- [--engine turdb|sqlite]
//!     [-q] [--max-failures N] [--baseline FILE] [--write-baseline FILE]
//!     [FILES or DIRS...]
//! ```
//!
//! The engine is TurDB unless `--engine sqlite` asks for SQLite (which
//! proves the runner). With no paths it runs the shared corpus
//! (`TURDB_SLT_DIR`, else `shared/slt` beside the repository). Each file
//! gets a fresh, empty database and a line `key: passed/run passed, failed,
//! skipped`, followed by its first failures (file:line, the SQL, expected
//! and got; at most `--max-failures` per file, none with `-q`). The last
//! line is always `N passed, N failed`, counting statement and query
//! records.
//!
//! The tool exists for the day-to-day loop of TurDB's SQL work: see which
//! files regress, read the first wrong answers, and (with
//! `--write-baseline`) record the pass counts that `tests/slt-baseline.txt`
//! holds TurDB to. With `--baseline` the exit status reflects regressions
//! against that file rather than raw failures, since TurDB is expected to
//! fail records it does not support yet; without it any failure exits 1,
//! which is what a run against SQLite (the runner's own check) wants.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use turdb_tests::slt::{
    FileReport, RunOptions, SltEngine, SqliteEngine, check_baseline, collect_test_files,
    default_corpus_dir, format_baseline, load_baseline, run_file,
};

/// The TurDB engine under test: a fresh in-memory database per call.
fn turdb_engine() -> Box<dyn SltEngine> {
    Box::new(turdb_tests::slt::TurdbEngine::new())
}

struct Args {
    engine: String,
    quiet: bool,
    max_failures: usize,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
    paths: Vec<PathBuf>,
}

const USAGE: &str = "usage: slt [--engine turdb|sqlite] [-q] [--max-failures N] [--baseline FILE] \
                     [--write-baseline FILE] [FILES or DIRS...]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        engine: "turdb".to_string(),
        quiet: false,
        max_failures: 5,
        baseline: None,
        write_baseline: None,
        paths: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--engine" => args.engine = value("--engine")?,
            "-q" | "--quiet" => args.quiet = true,
            // Failures are printed by default; -v stays accepted.
            "-v" | "--verbose" => args.quiet = false,
            "--max-failures" => {
                args.max_failures = value("--max-failures")?
                    .parse()
                    .map_err(|e| format!("--max-failures: {e}"))?
            }
            "--baseline" => args.baseline = Some(value("--baseline")?.into()),
            "--write-baseline" => args.write_baseline = Some(value("--write-baseline")?.into()),
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => args.paths.push(a.into()),
        }
    }
    if !matches!(args.engine.as_str(), "sqlite" | "turdb") {
        return Err(format!("unknown engine {}\n{USAGE}", args.engine));
    }
    if args.paths.is_empty() {
        args.paths.push(default_corpus_dir());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let files = match collect_test_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("slt: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = RunOptions {
        max_failures: args.max_failures,
        ..RunOptions::default()
    };
    let width = files.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let started = Instant::now();
    let mut reports: Vec<(String, FileReport)> = Vec::new();
    for (key, path) in files {
        let t = Instant::now();
        let mut engine: Box<dyn SltEngine> = if args.engine == "sqlite" {
            match SqliteEngine::new() {
                Ok(e) => Box::new(e),
                Err(e) => {
                    eprintln!("slt: cannot open SQLite: {e}");
                    return ExitCode::from(2);
                }
            }
        } else {
            turdb_engine()
        };
        let r = run_file(&path, engine.as_mut(), &opts);
        println!(
            "{key:width$}  {:>6}/{:<6} passed  {:>6} failed  {:>6} skipped  {:>6.1}s{}",
            r.passed,
            r.run,
            r.failed,
            r.skipped,
            t.elapsed().as_secs_f64(),
            r.halted_at
                .map(|l| format!("  (halt at line {l})"))
                .unwrap_or_default()
        );
        if !args.quiet {
            for f in &r.failures {
                print!("{f}");
            }
        }
        reports.push((key, r));
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (_, r) in &reports {
        passed += r.passed;
        failed += r.failed;
        skipped += r.skipped;
    }
    println!(
        "{} files in {:.1}s; {skipped} records skipped",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    let keyed = || reports.iter().map(|(k, r)| (k.as_str(), r));
    if let Some(path) = &args.write_baseline {
        if let Err(e) = std::fs::write(path, format_baseline(keyed())) {
            eprintln!("slt: {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("baseline written to {}", path.display());
    }
    let mut ok = failed == 0;
    if let Some(path) = &args.baseline {
        let baseline = match load_baseline(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("slt: {e}");
                return ExitCode::from(2);
            }
        };
        let regressions = check_baseline(&baseline, keyed());
        for r in &regressions {
            println!("REGRESSION {r}");
        }
        println!(
            "{} regressions against {}",
            regressions.len(),
            path.display()
        );
        ok = regressions.is_empty();
    }
    println!("{passed} passed, {failed} failed");
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
