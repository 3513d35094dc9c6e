//! `turdb`: the command-line shell, in the manner of `sqlite3`.
//!
//! ```text
//! turdb [FILE] ["SQL"]
//! ```
//!
//! Without FILE the database is in memory. With SQL as a second argument the
//! shell runs it, prints the rows and exits (non-zero after an error).
//! Otherwise it reads statements: from a terminal with a prompt and line
//! editing, from a pipe without prompts. A statement runs as soon as it is
//! complete (`;` outside strings, comments and trigger bodies) and its
//! output is flushed before the next line is read, so a program driving the
//! shell through a pipe sees each result (the kill -9 test relies on it).
//!
//! Rows print '|'-separated as sqlite3 prints them; NULL is empty. Errors go
//! to stderr as `Error: ...` and the shell goes on.

use std::io::{self, BufRead, IsTerminal, Write};
use std::time::Instant;

use turdb::sql::lexer::is_complete;
use turdb::sql::ops::to_text;
use turdb::{Database, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    List,
    Csv,
    Json,
    Box,
}

struct Shell {
    db: Database,
    mode: Mode,
    headers: bool,
    timer: bool,
    /// Set by an error in `turdb FILE "SQL"` mode.
    failed: bool,
}

fn render(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
        other => to_text(other).unwrap_or_default(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn json_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(_) => to_text(v).unwrap_or_default(),
        Value::Text(s) => json_string(s),
        Value::Blob(b) => json_string(&String::from_utf8_lossy(b)),
    }
}

fn json_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

impl Shell {
    fn run_sql(&mut self, sql: &str, out: &mut dyn Write) {
        let start = Instant::now();
        if let Err(e) = self.run_sql_inner(sql, out) {
            let _ = out.flush();
            eprintln!("Error: {e}");
            self.failed = true;
        }
        if self.timer {
            let _ = writeln!(out, "Run Time: real {:.3}", start.elapsed().as_secs_f64());
        }
        let _ = out.flush();
    }

    fn run_sql_inner(&mut self, sql: &str, out: &mut dyn Write) -> turdb::Result<()> {
        let mut parser = turdb::sql::parser::Parser::new(sql);
        while let Some(p) = parser.next_statement()? {
            let text = &sql[p.start..p.end];
            let mut stmt = self.db.prepare(text)?;
            let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
            let mut rows = stmt.query(())?;
            let mut all: Vec<Vec<Value>> = Vec::new();
            let mut first = true;
            while let Some(r) = rows.next()? {
                let vals = r.values().to_vec();
                match self.mode {
                    Mode::Box => all.push(vals),
                    Mode::Json => {
                        let obj: Vec<String> = names
                            .iter()
                            .zip(&vals)
                            .map(|(n, v)| format!("{}:{}", json_string(n), json_value(v)))
                            .collect();
                        let _ = write!(
                            out,
                            "{}{{{}}}",
                            if first { "[" } else { ",\n" },
                            obj.join(",")
                        );
                    }
                    Mode::List | Mode::Csv => {
                        if first && self.headers {
                            let h: Vec<String> = match self.mode {
                                Mode::Csv => names.iter().map(|n| csv_field(n)).collect(),
                                _ => names.clone(),
                            };
                            let _ = writeln!(
                                out,
                                "{}",
                                h.join(if self.mode == Mode::Csv { "," } else { "|" })
                            );
                        }
                        let cells: Vec<String> = vals
                            .iter()
                            .map(|v| {
                                let s = render(v);
                                if self.mode == Mode::Csv {
                                    csv_field(&s)
                                } else {
                                    s
                                }
                            })
                            .collect();
                        let _ = writeln!(
                            out,
                            "{}",
                            cells.join(if self.mode == Mode::Csv { "," } else { "|" })
                        );
                    }
                }
                first = false;
            }
            if self.mode == Mode::Json && !first {
                let _ = writeln!(out, "]");
            }
            if self.mode == Mode::Box && !names.is_empty() {
                print_box(out, &names, &all);
            }
            let _ = out.flush();
        }
        Ok(())
    }

    /// Handles a dot command; returns false for `.quit`.
    fn dot(&mut self, line: &str, out: &mut dyn Write) -> bool {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let cmd = parts.first().copied().unwrap_or("");
        match cmd {
            ".quit" | ".exit" => return false,
            ".help" => {
                let _ = writeln!(
                    out,
                    ".dump               SQL text that recreates the database\n\
                     .headers on|off     column names before rows\n\
                     .help               this text\n\
                     .import FILE TABLE  import CSV rows into TABLE\n\
                     .mode list|csv|json|box\n\
                     .quit               exit\n\
                     .read FILE          run the SQL in FILE\n\
                     .schema [TABLE]     CREATE statements\n\
                     .tables             table and view names\n\
                     .timer on|off       time each statement"
                );
            }
            ".tables" => self.run_sql(
                "SELECT name FROM turdb_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
                out,
            ),
            ".schema" => {
                let filter = parts
                    .get(1)
                    .map(|t| format!(" AND tbl_name = '{}'", t.replace('\'', "''")));
                let sql = format!(
                    "SELECT sql || ';' FROM turdb_schema WHERE sql IS NOT NULL{}",
                    filter.unwrap_or_default()
                );
                let saved = self.mode;
                self.mode = Mode::List;
                self.run_sql(&sql, out);
                self.mode = saved;
            }
            ".dump" => self.dump(out),
            ".read" => match parts.get(1) {
                Some(f) => match std::fs::read_to_string(f) {
                    Ok(text) => self.run_sql(&text, out),
                    Err(e) => {
                        eprintln!("Error: cannot open \"{f}\": {e}");
                        self.failed = true;
                    }
                },
                None => eprintln!("Usage: .read FILE"),
            },
            ".import" => match (parts.get(1), parts.get(2)) {
                (Some(f), Some(t)) => {
                    if let Err(e) = self.import(f, t) {
                        eprintln!("Error: {e}");
                        self.failed = true;
                    }
                }
                _ => eprintln!("Usage: .import FILE TABLE"),
            },
            ".mode" => match parts.get(1).copied() {
                Some("list") => self.mode = Mode::List,
                Some("csv") => self.mode = Mode::Csv,
                Some("json") => self.mode = Mode::Json,
                Some("box") => self.mode = Mode::Box,
                _ => eprintln!("Error: mode should be one of: box csv json list"),
            },
            ".headers" | ".header" => self.headers = parts.get(1) == Some(&"on"),
            ".timer" => self.timer = parts.get(1) == Some(&"on"),
            other => {
                eprintln!(
                    "Error: unknown command or invalid arguments: \"{}\". Enter \".help\" for help",
                    other.trim_start_matches('.')
                );
                self.failed = true;
            }
        }
        let _ = out.flush();
        true
    }

    /// As sqlite3's `.dump`: every table with its rows first, then the
    /// indexes, views and triggers, each group in creation order, so the
    /// output replays into an empty database.
    fn dump(&mut self, out: &mut dyn Write) {
        let objs: Vec<(String, String, String)> =
            match self.collect("SELECT type, name, sql FROM turdb_schema WHERE sql IS NOT NULL") {
                Ok(v) => v
                    .into_iter()
                    .map(|r| (render(&r[0]), render(&r[1]), render(&r[2])))
                    .collect(),
                Err(e) => {
                    eprintln!("Error: {e}");
                    self.failed = true;
                    return;
                }
            };
        let _ = writeln!(out, "PRAGMA foreign_keys=OFF;");
        let _ = writeln!(out, "BEGIN TRANSACTION;");
        let mut schemas: Vec<&str> = Vec::new();
        for (_, name, _) in &objs {
            if let Some((s, _)) = name.split_once('.')
                && !schemas.contains(&s)
            {
                schemas.push(s);
                let _ = writeln!(out, "CREATE SCHEMA {};", quote_ident(s));
            }
        }
        // sqlite_sequence comes back with the first AUTOINCREMENT table;
        // its rows are restored after the tables', as sqlite3 does.
        let tables = objs
            .iter()
            .filter(|o| o.0 == "table" && !o.1.eq_ignore_ascii_case("sqlite_sequence"));
        for (_, name, sql) in tables {
            let _ = writeln!(out, "{sql};");
            let target = match name.split_once('.') {
                Some((s, n)) => format!("{}.{}", quote_ident(s), quote_ident(n)),
                None => quote_ident(name),
            };
            match self.collect(&format!("SELECT * FROM {target}")) {
                Ok(rows) => {
                    for r in rows {
                        let vals: Vec<String> = r.iter().map(sql_literal).collect();
                        let _ = writeln!(out, "INSERT INTO {target} VALUES({});", vals.join(","));
                    }
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    self.failed = true;
                }
            }
        }
        if let Ok(seqs) = self.collect("SELECT name, seq FROM sqlite_sequence") {
            if !seqs.is_empty() {
                let _ = writeln!(out, "DELETE FROM sqlite_sequence;");
            }
            for r in seqs {
                let _ = writeln!(
                    out,
                    "INSERT INTO sqlite_sequence VALUES({},{});",
                    sql_literal(&r[0]),
                    sql_literal(&r[1])
                );
            }
        }
        for (_, _, sql) in objs.iter().filter(|o| o.0 != "table") {
            let _ = writeln!(out, "{sql};");
        }
        let _ = writeln!(out, "COMMIT;");
    }

    fn collect(&self, sql: &str) -> turdb::Result<Vec<Vec<Value>>> {
        let mut stmt = self.db.prepare(sql)?;
        let mut rows = stmt.query(())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(r.values().to_vec());
        }
        Ok(out)
    }

    fn import(&mut self, file: &str, table: &str) -> turdb::Result<()> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            turdb::Error::new(
                turdb::ErrorKind::Io,
                format!("import: cannot open \"{file}\": {e}"),
            )
        })?;
        let records = parse_csv(&text);
        let exists = !self
            .collect(&format!(
                "SELECT 1 FROM turdb_schema WHERE type = 'table' AND name = '{}'",
                table.replace('\'', "''")
            ))?
            .is_empty();
        let mut iter = records.into_iter();
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        if !exists {
            let Some(header) = iter.next() else {
                return Ok(());
            };
            let cols: Vec<String> = header
                .iter()
                .map(|h| format!("\"{}\" TEXT", h.replace('"', "\"\"")))
                .collect();
            self.db
                .execute_batch(&format!("CREATE TABLE {quoted}({})", cols.join(",")))?;
        }
        let tx = self.db.transaction()?;
        for (n, rec) in iter.enumerate() {
            let marks: Vec<&str> = rec.iter().map(|_| "?").collect();
            let params: Vec<Value> = rec.into_iter().map(Value::Text).collect();
            tx.execute(
                &format!("INSERT INTO {quoted} VALUES({})", marks.join(",")),
                params,
            )
            .map_err(|e| e.context(format!("import {file} line {}", n + 2)))?;
        }
        tx.commit()
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn sql_literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        // The shortest text that reads back as the same f64.
        Value::Real(x) => turdb::sql::ast::Literal::Real(*x).to_string(),
        Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
        Value::Blob(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
            format!("X'{hex}'")
        }
    }
}

/// RFC 4180 CSV: quoted fields with "" escapes, CRLF or LF records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut rec));
                any = false;
            }
            c => field.push(c),
        }
    }
    if any {
        rec.push(field);
        out.push(rec);
    }
    out
}

fn print_box(out: &mut dyn Write, names: &[String], rows: &[Vec<Value>]) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(render).collect())
        .collect();
    let mut w: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let bar = |l: &str, m: &str, r: &str| {
        let segs: Vec<String> = w.iter().map(|n| "─".repeat(n + 2)).collect();
        format!("{l}{}{r}", segs.join(m))
    };
    let fmt_row = |r: &[String]| {
        let segs: Vec<String> = r
            .iter()
            .zip(&w)
            .map(|(c, n)| format!(" {c}{} ", " ".repeat(n - c.chars().count())))
            .collect();
        format!("│{}│", segs.join("│"))
    };
    let _ = writeln!(out, "{}", bar("┌", "┬", "┐"));
    let _ = writeln!(out, "{}", fmt_row(names));
    let _ = writeln!(out, "{}", bar("├", "┼", "┤"));
    for r in &cells {
        let _ = writeln!(out, "{}", fmt_row(r));
    }
    let _ = writeln!(out, "{}", bar("└", "┴", "┘"));
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `-timeout MS` (as sqlite3's `.timeout`): how long to wait for a
    // database another process has open before "database is locked".
    let mut busy_timeout_ms = 0;
    if let Some(i) = args
        .iter()
        .position(|a| a == "-timeout" || a == "--timeout")
    {
        let ms = args.get(i + 1).and_then(|v| v.parse().ok());
        let Some(ms) = ms else {
            eprintln!("Error: -timeout needs a number of milliseconds");
            std::process::exit(1);
        };
        busy_timeout_ms = ms;
        args.drain(i..i + 2);
    }
    // `-readonly` (as sqlite3's): open the file for reading only.
    let read_only = match args
        .iter()
        .position(|a| a == "-readonly" || a == "--readonly")
    {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let db = match args.first() {
        Some(path) if path != ":memory:" => Database::open_with_options(
            path,
            turdb::OpenOptions {
                busy_timeout_ms,
                read_only,
                ..turdb::OpenOptions::default()
            },
        ),
        _ => Database::open_in_memory(),
    };
    let db = match db {
        Ok(db) => db,
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    };
    let mut shell = Shell {
        db,
        mode: Mode::List,
        headers: false,
        timer: false,
        failed: false,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if let Some(sql) = args.get(1) {
        if sql.starts_with('.') {
            shell.dot(sql, &mut out);
        } else {
            shell.run_sql(sql, &mut out);
        }
        std::process::exit(i32::from(shell.failed));
    }
    let interactive = io::stdin().is_terminal();
    let mut buf = String::new();
    if interactive {
        println!(
            "TurDB {} — enter \".help\" for usage hints.",
            env!("CARGO_PKG_VERSION")
        );
        let mut editor = match rustyline::DefaultEditor::new() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("Error: cannot start line editing: {e}");
                std::process::exit(1);
            }
        };
        loop {
            let prompt = if buf.trim().is_empty() {
                "turdb> "
            } else {
                "   ...> "
            };
            match editor.readline(prompt) {
                Ok(line) => {
                    let _ = editor.add_history_entry(line.as_str());
                    if !feed(&mut shell, &mut buf, &line, &mut out) {
                        break;
                    }
                }
                // Ctrl-C drops the statement being typed, as sqlite3 does.
                Err(rustyline::error::ReadlineError::Interrupted) => buf.clear(),
                Err(rustyline::error::ReadlineError::Eof) => break,
                Err(e) => {
                    eprintln!("Error: {e}");
                    break;
                }
            }
        }
    } else {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            let mut line = String::new();
            match input.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("Error: {e}");
                    break;
                }
            }
            if !feed(&mut shell, &mut buf, &line, &mut out) {
                break;
            }
        }
    }
    if !buf.trim().is_empty() {
        let sql = std::mem::take(&mut buf);
        shell.run_sql(&sql, &mut out);
    }
    let _ = out.flush();
}

/// Takes one input line: a dot command at the start of a statement, or
/// SQL that runs once the statement is complete. False to quit.
fn feed(shell: &mut Shell, buf: &mut String, line: &str, out: &mut dyn Write) -> bool {
    if buf.trim().is_empty() && line.trim_start().starts_with('.') {
        return shell.dot(line.trim(), out);
    }
    buf.push_str(line);
    if !line.ends_with('\n') {
        buf.push('\n');
    }
    if is_complete(buf) {
        let sql = std::mem::take(buf);
        shell.run_sql(&sql, out);
    }
    true
}
