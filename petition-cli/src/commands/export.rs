//! `petition export` and `petition import`: the audit chain, cases as CSV or Open311, and the rule-checked import.

use std::io::Write;

use std::io::Seek;

use petition_core::interchange::{
    export_jsonl, export_open311, import_new, ledger_plan, ledger_rows, LedgerPlan, LedgerQuery,
};
use petition_core::DomainError;
use petition_core::StorageError;
use serde_json::json;

use crate::app::{out, usage, App, CliError, CliResult};

/// Export the database: `xlsx` (the ledger, 台账: an Excel workbook, one row per case, headers
/// and values in words in the output language, dates as dates, id numbers and phones as text,
/// frozen header and autofilter), `csv` (the same columns, UTF-8 with BOM, Excel-safe), `jsonl`
/// (every event of the audit chain, enough to rebuild it with `import`) or `open311` (GeoReport
/// v2 service requests).
///
/// The ledger lists the cases you may read, filtered by registration date, state, unit (the
/// cases it registered, holds, leads or assists) and category; personal data shows in full where
/// your unit registers, holds, leads or assists the case (each such case is recorded in the
/// access log) and masked elsewhere. An admin's export is masked unless --include-pii.
///
/// Examples:
///   petition --as li --lang zh export --format xlsx --from 2026-03-01 --to 2026-03-31 --out 台账.xlsx
///   petition --as li export --format csv --state handling --unit cty-a-zjj --out handling.csv
///   petition --as admin export --format jsonl --include-pii --out backup.jsonl
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ExportArgs {
    /// xlsx | csv | jsonl | open311
    #[arg(long, value_parser = ["xlsx", "csv", "jsonl", "open311"])]
    pub format: String,
    /// Write to this file instead of standard output
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Include personal data unmasked (admin only)
    #[arg(long)]
    pub include_pii: bool,
    /// Ledger: cases registered on or after this date
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Ledger: cases registered on or before this date
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Ledger: only cases in this state (repeatable)
    #[arg(long, value_parser = crate::app::word::<petition_core::CaseState>())]
    pub state: Vec<String>,
    /// Ledger: only the cases this unit registered, holds, leads or assists
    #[arg(long)]
    pub unit: Option<String>,
    /// Ledger: only this category and the ones under it
    #[arg(long)]
    pub category: Option<String>,
}

impl ExportArgs {
    fn ledger_query(&self, app: &App) -> CliResult<LedgerQuery> {
        let date = |flag: &str, v: &Option<String>| -> CliResult<Option<chrono::NaiveDate>> {
            v.as_deref()
                .map(|s| {
                    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                        usage(
                            &format!("--{flag}: {s:?} is not a date such as 2026-03-01"),
                            &format!("--{flag}：“{s}”不是日期，应如 2026-03-01"),
                        )
                    })
                })
                .transpose()
        };
        let q = LedgerQuery {
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            states: self
                .state
                .iter()
                .filter_map(|s| petition_core::CaseState::parse(s))
                .collect(),
            unit: self
                .unit
                .as_deref()
                .map(|u| super::unit(app, u))
                .transpose()?,
            category: self.category.clone().filter(|c| !c.trim().is_empty()),
            include_pii: self.include_pii,
        };
        if let (Some(f), Some(t)) = (q.from, q.to) {
            if f > t {
                return Err(usage(
                    "--from is after --to: give the earlier date first",
                    "--from 晚于 --to：请先写较早的日期",
                ));
            }
        }
        let filtered = q.from.is_some()
            || q.to.is_some()
            || !q.states.is_empty()
            || q.unit.is_some()
            || q.category.is_some();
        if filtered && !matches!(self.format.as_str(), "xlsx" | "csv") {
            return Err(usage(
                "--from, --to, --state, --unit and --category filter the ledger: use them with --format xlsx or csv",
                "--from、--to、--state、--unit、--category 用于筛选台账：请与 --format xlsx 或 csv 一起使用",
            ));
        }
        Ok(q)
    }
}

/// A writer to standard output that ends the program cleanly when the reader goes away.
struct PipeSafe<W: Write>(W);

impl<W: Write> Write for PipeSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            other => other,
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            other => other,
        }
    }
}

fn io(e: std::io::Error) -> CliError {
    crate::app::io_error("writing the export", e)
}

/// The ledger's rows as `format` (`xlsx` or `csv`) to `w`; how many rows.
#[allow(clippy::too_many_arguments)]
fn write_ledger(
    svc: &mut petition_core::Service<crate::app::Db>,
    who: &petition_core::Principal,
    plan: &LedgerPlan,
    today: chrono::NaiveDate,
    lang: petition_core::Lang,
    q: &LedgerQuery,
    format: &str,
    w: &mut dyn Write,
) -> CliResult<u64> {
    if format == "csv" {
        let mut sink = crate::ledger::CsvSink::new(w, lang);
        let n = ledger_rows(svc, who, plan, today, lang, q, &mut sink);
        return sink.finish(n);
    }
    // The workbook is assembled in a temporary file (it is a zip archive, written at the end),
    // then copied out.
    let mut sink = crate::ledger::XlsxSink::new(lang)?;
    let n = ledger_rows(svc, who, plan, today, lang, q, &mut sink);
    let (book, n) = sink.finish(n)?;
    // An unnamed temporary file, removed when closed.
    let mut tmp = tempfile::tempfile().map_err(io)?;
    book.finish(&mut tmp)?;
    tmp.rewind().map_err(io)?;
    std::io::copy(&mut tmp, w).map_err(io)?;
    Ok(n)
}

/// The ledger asked of a server (`GET /api/v1/export`): written to an unnamed temporary file
/// the server sends as the answer's body; the reply says how many rows.
pub fn export_reply(app: &App, a: &ExportArgs) -> CliResult<crate::app::Reply> {
    let (media, ext) = match a.format.as_str() {
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => ("text/csv; charset=utf-8", "csv"),
        _ => {
            return Err(usage(
                "over the server only the ledger is exported (--format xlsx or csv); the chain and Open311 are exported on the database's host",
                "通过服务器只能导出台账（--format xlsx 或 csv）；办理经过和 Open311 格式请在数据库所在主机导出",
            ))
        }
    };
    let q = a.ledger_query(app)?;
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let who = session.principal.clone();
    let today = session.read_now(app)?.date_naive();
    let plan = ledger_plan(&mut svc, &who, &q)?;
    let plan = app.record(&mut svc, &session, plan)?;
    let mut file = tempfile::tempfile().map_err(io)?;
    let n = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut file);
        let n = write_ledger(
            &mut svc, &who, &plan, today, app.lang, &q, &a.format, &mut w,
        )?;
        w.flush().map_err(io)?;
        n
    };
    file.rewind().map_err(io)?;
    let mut r = crate::app::Reply {
        doc: json!({"format": a.format, "records": n}),
        meta: crate::app::Meta::default(),
    };
    r.meta.download = Some(crate::app::Download {
        file,
        media,
        name: format!("ledger.{ext}"),
        records: n,
    });
    Ok(r)
}

pub fn export(app: &App, a: &ExportArgs) -> CliResult {
    let q = a.ledger_query(app)?;
    let out_path = a
        .out
        .as_deref()
        .map(|p| crate::outfile::check(app, p))
        .transpose()?;
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let who = session.principal.clone();
    let when = app.when(session.tz)?;
    let view_now = session.read_now(app)?;
    let today = view_now.date_naive();
    let lang = app.lang;
    // The ledger's cases shown in full are in the access log before anything is written.
    let plan = match a.format.as_str() {
        "xlsx" | "csv" => {
            let plan = ledger_plan(&mut svc, &who, &q)?;
            Some(app.record(&mut svc, &session, plan)?)
        }
        _ => None,
    };
    let run = |svc: &mut _, w: &mut dyn Write| -> CliResult<u64> {
        Ok(match (a.format.as_str(), &plan) {
            ("jsonl", _) => export_jsonl(svc, w, &who, a.include_pii, when)?,
            ("csv" | "xlsx", Some(plan)) => {
                write_ledger(svc, &who, plan, today, lang, &q, &a.format, w)?
            }
            _ => export_open311(svc, w, &who, a.include_pii)?,
        })
    };
    match &out_path {
        None => {
            let mut w =
                std::io::BufWriter::with_capacity(1 << 16, PipeSafe(std::io::stdout().lock()));
            run(&mut svc, &mut w)?;
            w.flush().map_err(io)?;
        }
        Some(path) => {
            // Write beside the target and rename, so a failed export leaves no half file.
            let mut partial = crate::outfile::begin(path)?;
            let n = {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut partial.file);
                run(&mut svc, &mut w).and_then(|n| w.flush().map(|_| n).map_err(io))
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    partial.abandon();
                    return Err(e);
                }
            };
            partial.finish(path)?;
            if app.global.json {
                app.print_json(&json!({"format": a.format, "out": path, "records": n}));
            } else {
                out(&format!(
                    "{} {n} → {}",
                    app.t("exported", "已导出"),
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

/// Rebuild a database from a `jsonl` export (made with --include-pii), verifying the chain as it
/// loads. The target (--db) must not exist; a broken line is reported with its number and no
/// database is left behind.
///
/// Example: petition --db restored.db import backup.jsonl
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The JSON Lines file
    pub file: std::path::PathBuf,
}

pub fn import(app: &App, a: &ImportArgs) -> CliResult {
    let path = app.db_path()?;
    let shown = a.file.display().to_string();
    if a.file.is_dir() {
        return Err(CliError::from(DomainError::from(StorageError::io_detail(
            &shown,
            "is a directory",
        ))));
    }
    let file = std::fs::File::open(&a.file).map_err(|e| crate::app::io_error(&shown, e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(len);
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let loaded = load_new(app, &path, &mut input, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    let (s, v) = loaded?;
    report_loaded(app, &path, &s, &v);
    Ok(())
}

/// A progress bar over `len` bytes.
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// What `import` and `copy` print once a database is loaded.
pub fn report_loaded(
    app: &App,
    path: &std::path::Path,
    s: &petition_core::interchange::ImportSummary,
    v: &petition_core::VerifyReport,
) {
    if app.global.json {
        app.print_json(
            &json!({"db": path, "entries": s.entries, "cases": s.cases, "head": v.head}),
        );
    } else {
        out(&format!(
            "{} {} ({} {}, {} {})",
            app.l("imported"),
            path.display(),
            s.cases,
            app.l("cases"),
            s.entries,
            app.l("entries")
        ));
    }
}

/// Loads a JSON Lines chain into a new database at `target` through the rule-checked import and
/// verifies it. A file must not exist: the database is built in a file of its own beside it and
/// linked into place only when everything loaded and verified. A PostgreSQL database must be
/// empty: if loading fails, the tables it made are removed again. Either way a failure leaves
/// the target as it was.
pub fn load_new(
    app: &App,
    target: &std::path::Path,
    input: &mut dyn std::io::BufRead,
    progress: &mut dyn FnMut(u64),
) -> CliResult<(
    petition_core::interchange::ImportSummary,
    petition_core::VerifyReport,
)> {
    let load = |svc: &mut petition_core::Service<crate::app::Db>,
                input: &mut dyn std::io::BufRead,
                progress: &mut dyn FnMut(u64)| {
        crate::app::for_bulk_work(svc)?;
        Ok::<_, CliError>(import_new(svc, input, progress)?)
    };
    if target
        .to_str()
        .is_some_and(petition_core::store::AnyStore::is_postgres_url)
    {
        let mut svc = app.create(target)?;
        let empty = svc.verify(&[])?.entries == 0;
        if !empty {
            return Err(usage(
                "the PostgreSQL database already holds a petition database: loading needs a new, empty database (or schema)",
                "该 PostgreSQL 数据库中已有 petition 数据：只能导入到新的空数据库（或模式）",
            ));
        }
        // A failed load removes the tables it made (the library does it).
        return load(&mut svc, input, progress);
    }
    let path = target;
    let exists = |p: &std::path::Path| std::fs::symlink_metadata(p).is_ok();
    if exists(path) {
        return Err(usage(
            &format!(
                "{} already exists: import loads into a new database, give another --db",
                path.display()
            ),
            &format!(
                "{} 已存在：导入只能写入新数据库，请另选 --db",
                path.display()
            ),
        ));
    }
    // A new file of our own beside the target (never shared with another import), linked into
    // place only when everything loaded and verified — and only if the target still does not exist.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::app::io_error(&dir.display().to_string(), e))?;
    }
    let (tmp, _) = crate::outfile::new_beside(path, "importing")?;
    let cleanup = |p: &std::path::Path| {
        for ext in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    };
    let result = (|| {
        let mut svc = app.create(&tmp)?;
        load(&mut svc, input, progress)
    })();
    let (s, v) = match result {
        Ok(x) => x,
        Err(e) => {
            cleanup(&tmp);
            return Err(e);
        }
    };
    // The connection is closed (its WAL checkpointed into the file); a hard link makes the target
    // appear atomically and fails if anything took the name meanwhile.
    if let Err(e) = std::fs::hard_link(&tmp, path) {
        cleanup(&tmp);
        return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
            usage(
                &format!(
                    "{} appeared while importing: it was left untouched; give another --db",
                    path.display()
                ),
                &format!("导入期间出现了 {}：未作改动，请另选 --db", path.display()),
            )
        } else {
            crate::app::io_error(&path.display().to_string(), e)
        });
    }
    cleanup(&tmp);
    Ok((s, v))
}

impl super::Run for ExportArgs {
    /// On a server, the ledger as a file to send; at the desk, written where asked.
    fn exec(&self, app: &App) -> Option<CliResult<crate::app::Reply>> {
        (!app.is_local()).then(|| export_reply(app, self))
    }
    fn run(&self, app: &App) -> CliResult {
        export(app, self)
    }
    fn render(&self, app: &App, r: &crate::app::Reply, _: Option<&std::path::Path>) -> CliResult {
        // Over --server: the file was written as it came (see `remote`); the count follows.
        if let Some(path) = &self.out {
            if app.global.json {
                app.print_json(
                    &json!({"format": self.format, "out": path, "records": r.doc["records"]}),
                );
            } else {
                out(&format!(
                    "{} {} → {}",
                    app.t("exported", "已导出"),
                    r.doc["records"],
                    path.display()
                ));
            }
        }
        Ok(())
    }
    fn renders_json(&self) -> bool {
        true
    }
    fn desk(&self) -> bool {
        false
    }
}

super::own_output!(
    ImportArgs => import, whole;
);
