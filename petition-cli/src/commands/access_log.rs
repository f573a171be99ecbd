//! `petition access-log`: who saw unmasked personal data of which case, when, and how (admins).

use petition_core::{CaseId, StaffId};
use serde_json::json;

use crate::app::{out, App, CliResult};

/// List the access log (admins only): every time a petitioner's personal data was shown or
/// exported unmasked — who, which case, when, by which command (PIPL Art 51, 55). The log is
/// append-only and covered by `petition verify`.
///
/// Examples:
///   petition --as admin access-log --case XF2026-000001
///   petition --as admin access-log --staff li --limit 20
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Only disclosures of this case
    #[arg(long)]
    pub case: Option<String>,
    /// Only disclosures to this staff member
    #[arg(long)]
    pub staff: Option<String>,
    /// Start after this position (paging)
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    /// At most this many
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let case = a.case.as_deref().map(CaseId::parse).transpose()?;
    let staff_filter = a.staff.as_deref().map(StaffId::parse).transpose()?;
    let mut svc = app.open()?;
    let reader = app.session(&mut svc)?.principal;
    let rows = svc.read(|w| {
        w.access_log(
            &reader,
            case.as_ref(),
            staff_filter.as_ref(),
            a.after,
            a.limit,
        )
    })?;
    if app.global.json {
        app.print_json(&json!({ "entries": rows }));
        return Ok(());
    }
    if rows.is_empty() {
        out(app.t("No disclosures recorded.", "没有查阅记录。"));
        return Ok(());
    }
    let mut t = crate::render::table(
        app,
        &[
            "#",
            app.t("time", "时间"),
            app.t("staff", "人员"),
            app.t("case", "信访件"),
            app.t("command", "命令"),
        ],
    );
    for r in &rows {
        let d = &r.disclosure;
        t.add_row(vec![
            r.pos.to_string(),
            d.at.format("%Y-%m-%d %H:%M").to_string(),
            d.staff.to_string(),
            d.case
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| app.t("(all cases)", "（全部）").to_string()),
            d.command.clone(),
        ]);
    }
    out(&t.to_string());
    Ok(())
}

super::own_output!(
    Args => run;
);
