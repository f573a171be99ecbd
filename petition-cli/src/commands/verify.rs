//! `petition verify`: proof that nothing was changed behind the tool's back.

use serde_json::json;

use crate::app::{out, App, CliError, CliResult};
use petition_core::service::Service;
use petition_core::store::SqliteStore;
use petition_core::verify::parse_anchors;
use petition_core::DomainError;
use petition_core::{Refusal, StorageError};

/// Verify the database: recompute the SHA-256 audit chain and the access log, rebuild every
/// derived table (cases, clocks, supervisions, repeat-detection keys, statistics counters,
/// units, staff, policy, calendar) from the chain and compare, decide every case event again
/// by the rules (by its actor, as the organisation stood then, at its time: an entry the rules
/// would not have produced was forged), and check anchors recorded earlier. Opens the database read-only and never creates or changes a file. Exit 5 on any
/// difference, naming the first one by table and key.
///
/// Record the head regularly somewhere else (another machine), then check against it: a chain
/// or an access log cut short or rewritten no longer matches. The line holds both heads,
/// `POSITION HASH ACCESS_POSITION ACCESS_HASH` (two-field lines of older files still count).
///
/// Examples:
///   petition verify
///   petition verify --anchor-line >> /mnt/other-host/petition-anchors.txt
///   petition verify --anchors /mnt/other-host/petition-anchors.txt
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Check every `POSITION HASH ACCESS_POSITION ACCESS_HASH` line of FILE against the chain
    /// and the access log
    #[arg(long, value_name = "FILE")]
    pub anchors: Option<std::path::PathBuf>,
    /// Print only the heads as one line `POSITION HASH ACCESS_POSITION ACCESS_HASH` (to append
    /// to an anchors file)
    #[arg(long)]
    pub anchor_line: bool,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let anchors = match &a.anchors {
        None => Vec::new(),
        Some(f) => {
            let bytes = crate::app::read_input(f, 64 << 20)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                DomainError::from(Refusal::field(
                    "anchors",
                    "the file is not UTF-8 text",
                    "文件不是 UTF-8 文本",
                ))
            })?;
            parse_anchors(&text).map_err(|why| {
                CliError::from(DomainError::from(Refusal::field(
                    "anchors",
                    &why,
                    &format!("格式错误（{why}）：每行应为“位置 哈希 查阅记录位置 查阅记录哈希”"),
                )))
            })?
        }
    };
    // Two connections, two threads: the rules pass (every event decided again) runs on the
    // second while the first checks the chain, the derived tables and the access log.
    let open = || -> CliResult<Service<petition_core::store::AnyStore>> {
        Ok(match app.pg_url()? {
            // PostgreSQL: read in one REPEATABLE READ, READ ONLY transaction.
            Some(url) => Service::new(crate::app::open_pg(&url)?),
            None => Service::new(petition_core::store::AnyStore::Sqlite(
                SqliteStore::open_read_only(&app.db_path()?)?,
            )),
        })
    };
    let mut svc = open()?;
    let r = svc.verify_with_helper(&anchors, open()?)?;
    if let Some(p) = &r.problem {
        return Err(CliError::from(DomainError::from(
            StorageError::integrity_text(
                &format!("verification failed: {p} — the database was changed outside petition"),
                &format!("校验未通过：{p}——数据库在 petition 之外被改动"),
            ),
        )));
    }
    if a.anchor_line {
        out(&format!(
            "{} {} {} {}",
            r.head.position, r.head.hash, r.access_head.position, r.access_head.hash
        ));
    } else if app.global.json {
        app.print_json(&json!({
            "ok": true,
            "entries": r.entries,
            "head": r.head,
            "clock": r.clock,
            "cases": r.cases,
            "access_log": r.access_log,
            "access_head": r.access_head,
            "anchors": r.anchors,
        }));
    } else {
        out(&format!(
            "{}: {} {}, {} {}, {} {} ({} {})",
            app.l("verify_ok"),
            r.entries,
            app.l("entries"),
            r.cases,
            app.l("cases"),
            r.access_log,
            app.t("access-log entries", "条查阅记录"),
            app.t("clock", "时钟"),
            r.clock.as_str()
        ));
        out(&format!(
            "{}: {} {}",
            app.t("head", "链头"),
            r.head.position,
            r.head.hash
        ));
        out(&format!(
            "{}: {} {}",
            app.t("access-log head", "查阅记录链头"),
            r.access_head.position,
            r.access_head.hash
        ));
        if r.anchors > 0 {
            out(&format!(
                "{} {}",
                r.anchors,
                app.t("anchors match", "个锚点一致")
            ));
        }
    }
    Ok(())
}

super::own_output!(
    Args => run, whole;
);
