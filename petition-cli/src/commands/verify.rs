//! `petition verify`: recompute the audit chain (SPEC §9).

use serde_json::json;

use crate::app::{out, App, CliError, CliResult};
use petition_core::error::msg;
use petition_core::DomainError;

/// Recompute the SHA-256 audit chain and report the first broken link (exit 5 when broken).
///
/// Example: petition verify
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(app: &App, _a: &Args) -> CliResult {
    let mut svc = app.open()?;
    let r = svc.verify()?;
    if let Some(g) = r.first_broken {
        let why = r.reason.clone().unwrap_or_default();
        return Err(CliError(DomainError::Integrity(msg::invalid(
            &format!("audit chain broken at entry {g} ({why}); {} entries before it verify — restore from a backup", r.entries),
            &format!("审计链在第 {g} 条断裂（{why}）；其前 {} 条完好——请从备份恢复", r.entries),
        ))));
    }
    if app.global.json {
        app.print_json(&json!({"ok": true, "entries": r.entries, "head": r.head}));
    } else {
        out(&format!(
            "{}: {} {} ({})",
            app.l("verify_ok"),
            r.entries,
            app.l("entries"),
            &r.head[..16]
        ));
    }
    Ok(())
}
