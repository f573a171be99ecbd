//! `petition export` and `petition import` (SPEC §11).

use std::io::Write;

use petition_core::clock::local_date;
use petition_core::error::msg;
use petition_core::interchange::{export_csv, export_jsonl, export_open311, import_jsonl};
use petition_core::org::Role;
use petition_core::view::Privacy;
use petition_core::{DomainError, Lang};
use serde_json::json;

use super::reader_unit;
use crate::app::{out, usage, App, CliError, CliResult};

/// Export the database: `jsonl` (every event of the audit chain, enough to rebuild it with
/// `import`), `csv` (one row per case, UTF-8 with BOM, Chinese headers with --lang zh) or `open311`
/// (GeoReport v2 service requests). Id numbers, phones and addresses are masked unless an admin
/// gives --include-pii.
///
/// Examples:
///   petition --as admin export --format jsonl --include-pii --out backup.jsonl
///   petition --lang zh export --format csv --out cases.csv
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// jsonl | csv | open311
    #[arg(long, value_parser = ["jsonl", "csv", "open311"])]
    pub format: String,
    /// Write to this file instead of standard output
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Include personal data unmasked (admin only)
    #[arg(long)]
    pub include_pii: bool,
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

fn internal(e: std::io::Error) -> CliError {
    CliError(DomainError::Internal(msg::internal(&e.to_string())))
}

pub fn export(app: &App, a: &ExportArgs) -> CliResult {
    let mut svc = app.open()?;
    let actor = match &app.global.actor {
        Some(_) => Some(app.actor()?),
        None => None,
    };
    if a.include_pii {
        let Some(actor) = &actor else {
            return Err(CliError(DomainError::Usage(msg::actor_required())));
        };
        let is_admin = svc.read(|w| {
            let s = w
                .org()
                .staff(actor)
                .ok_or_else(|| DomainError::NotFound(msg::no_staff(actor.as_str())))?;
            Ok(s.role == Role::Admin)
        })?;
        if !is_admin {
            return Err(CliError(DomainError::PermissionDenied(msg::admin_only())));
        }
    }
    let reader = reader_unit(&mut svc, actor.as_ref())?;
    let now = app.now_in(&mut svc)?;
    let today = local_date(now, *now.offset());
    let base = if a.include_pii {
        Privacy::Full
    } else {
        Privacy::Masked
    };
    let run = |svc: &mut _, w: &mut dyn Write| -> CliResult<u64> {
        Ok(match a.format.as_str() {
            "jsonl" => export_jsonl(svc, w, a.include_pii, reader.as_ref())?,
            "csv" => export_csv(svc, w, app.lang == Lang::Zh, today, base, reader.as_ref())?,
            _ => export_open311(svc, w)?,
        })
    };
    match &a.out {
        None => {
            let mut w =
                std::io::BufWriter::with_capacity(1 << 16, PipeSafe(std::io::stdout().lock()));
            run(&mut svc, &mut w)?;
            w.flush().map_err(internal)?;
        }
        Some(path) => {
            // Write beside the target and rename, so a failed export leaves no half file.
            let tmp = path.with_extension("partial");
            let file = std::fs::File::create(&tmp).map_err(|e| {
                usage(
                    &format!("cannot write {}: {e}", path.display()),
                    &format!("无法写入 {}：{e}", path.display()),
                )
            })?;
            let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
            let n = run(&mut svc, &mut w).and_then(|n| w.flush().map(|_| n).map_err(internal));
            drop(w);
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
            };
            std::fs::rename(&tmp, path).map_err(internal)?;
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
pub struct ImportArgs {
    /// The JSON Lines file
    pub file: std::path::PathBuf,
}

pub fn import(app: &App, a: &ImportArgs) -> CliResult {
    let path = app.db_path()?;
    if path.exists() {
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
    let file = std::fs::File::open(&a.file).map_err(|e| {
        usage(
            &format!("cannot read {}: {e}", a.file.display()),
            &format!("无法读取 {}：{e}", a.file.display()),
        )
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let tmp = path.with_extension("importing");
    let cleanup = |p: &std::path::Path| {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    };
    cleanup(&tmp);
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = (|| {
        let mut svc = app.create(&tmp)?;
        let mut input = std::io::BufReader::with_capacity(1 << 16, file);
        let s = import_jsonl(&mut svc, &mut input, &mut |n| bar.inc(n))?;
        let v = svc.verify()?;
        if v.first_broken.is_some() {
            return Err(CliError(DomainError::Integrity(msg::integrity(
                "the rebuilt chain does not verify",
            ))));
        }
        Ok((s, v))
    })();
    bar.finish_and_clear();
    match result {
        Ok((s, v)) => {
            std::fs::rename(&tmp, &path).map_err(internal)?;
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
            Ok(())
        }
        Err(e) => {
            cleanup(&tmp);
            Err(e)
        }
    }
}
