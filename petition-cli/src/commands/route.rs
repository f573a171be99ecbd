//! Routing: `transfer` (转送), `assign` (交办), `object` (异议) and `objection` (异议处理).

use petition_core::Command;

use super::{run_case_command, unit};
use crate::app::{parse_date, App, CliResult, Reply};

/// Route the case to the competent unit (转送). The receiver must accept, decline or object.
///
/// Example: petition --as li transfer XF2026-000001 --to cty-a-zjj --note 请依法处理
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct TransferArgs {
    /// Case id
    pub case: String,
    /// Receiving unit: its code, name, or a part of its name only it has (住建局)
    #[arg(long)]
    pub to: String,
    /// Note to the receiver
    #[arg(long)]
    pub note: Option<String>,
}

pub fn transfer(app: &App, a: &TransferArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Transfer {
            to: unit(app, &a.to)?,
            note: a.note.clone(),
        },
    )
}

/// Route the case and require a result report by a date (交办).
///
/// Example: petition --as li assign XF2026-000001 --to town-a --report-by 2026-04-30
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct AssignArgs {
    /// Case id
    pub case: String,
    /// Receiving unit: its code, name, or a part of its name only it has (住建局)
    #[arg(long)]
    pub to: String,
    /// The result report (办结报告) is due by this date (YYYY-MM-DD)
    #[arg(long)]
    pub report_by: String,
    /// Note to the receiver
    #[arg(long)]
    pub note: Option<String>,
}

pub fn assign(app: &App, a: &AssignArgs) -> CliResult<Reply> {
    let report_by = parse_date("report_by", &a.report_by)?;
    run_case_command(
        app,
        &a.case,
        Command::Assign {
            to: unit(app, &a.to)?,
            report_by,
            note: a.note.clone(),
        },
    )
}

/// Object that the matter is outside your unit's remit (异议), within 5 working days of receipt.
///
/// Example: petition --as wang object XF2026-000001 --reason 不属于本部门职责
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ObjectArgs {
    /// Case id
    pub case: String,
    /// Why
    #[arg(long)]
    pub reason: String,
}

pub fn object(app: &App, a: &ObjectArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Object {
            reason: a.reason.clone(),
        },
    )
}

/// Approve or reject the receiver's objection (the routing unit decides).
///
/// Example: petition --as li objection XF2026-000001 --approve --note 另行转送
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
#[command(group(clap::ArgGroup::new("decision").required(true).args(["approve", "reject"])))]
pub struct ObjectionArgs {
    /// Case id
    pub case: String,
    /// The objection stands: the case comes back to be routed again
    #[arg(long)]
    pub approve: bool,
    /// The receiver keeps the case
    #[arg(long)]
    pub reject: bool,
    /// Note
    #[arg(long)]
    pub note: Option<String>,
}

pub fn objection(app: &App, a: &ObjectionArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::ResolveObjection {
            approve: a.approve,
            note: a.note.clone(),
        },
    )
}

super::case_commands!(
    TransferArgs => transfer,
    AssignArgs => assign,
    ObjectArgs => object,
    ObjectionArgs => objection,
);
