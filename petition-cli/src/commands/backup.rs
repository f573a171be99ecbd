//! `petition backup`: SQLite's online backup, safe while clerks keep working.

use serde_json::json;

use crate::app::{out, usage, App, CliResult};

/// Copy the database to PATH with SQLite's online backup (clerks may keep working meanwhile).
/// The backup holds every case with its personal data: only an admin makes one, and it is
/// recorded in the access log.
///
/// Example: petition --as admin backup /srv/backup/petition-2026-03-02.db
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Destination file (must not exist)
    pub path: std::path::PathBuf,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    // Any existing entry, a dangling symbolic link included, is refused: a backup never writes
    // through a link or over a file.
    if std::fs::symlink_metadata(&a.path).is_ok() {
        return Err(usage(
            &format!(
                "{} already exists: choose a new file name",
                a.path.display()
            ),
            &format!("{} 已存在：请使用新的文件名", a.path.display()),
        ));
    }
    let mut svc = app.open()?;
    let (admin, when) = app.acting(&mut svc)?;
    match svc.store().as_sqlite() {
        Some(_) => svc.backup(&admin, when, &a.path)?,
        None => {
            return Err(usage(
                "a PostgreSQL database is backed up by PostgreSQL itself (pg_dump, base backups, replicas), or copied whole with `petition copy --from … --to FILE`",
                "PostgreSQL 数据库由 PostgreSQL 自身备份（pg_dump、基础备份、副本），或用 `petition copy --from … --to 文件` 整体复制",
            ))
        }
    }
    if app.global.json {
        app.print_json(&json!({"backup": a.path}));
    } else {
        out(&format!("{} {}", app.l("backup_done"), a.path.display()));
    }
    Ok(())
}

super::own_output!(
    Args => run, whole;
);
