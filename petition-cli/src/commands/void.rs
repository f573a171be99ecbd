//! `void`: void a registration made in error (作废).

use petition_core::{CaseId, Command};

use crate::app::{App, CliResult, Reply};

/// Void a registration made in error (作废): a duplicate from a retried interface call, a test
/// entry. Only the unit that registered the case, and only before any unit accepted it. The
/// case stays in the history (its number is never reused) and shows as voided, but counts in
/// no statistic: not as registered, not as a repeat, and no later case is a repeat of it. Name
/// the registration it duplicates with --duplicate-of.
///
/// Examples:
///   petition --as li void XF2026-000033 --duplicate-of XF2026-000032 --reason "接口重试产生的重复登记"
///   petition --as li void XF2026-000040 --reason "培训时录入的测试数据"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Case id
    pub case: String,
    /// Why it is void
    #[arg(long)]
    pub reason: String,
    /// The case this registration duplicates (the one that stands)
    #[arg(long, value_name = "CASE")]
    pub duplicate_of: Option<String>,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let duplicate_of = a.duplicate_of.as_deref().map(CaseId::parse).transpose()?;
    super::run_case_command(
        app,
        &a.case,
        Command::Void {
            reason: a.reason.clone(),
            duplicate_of,
        },
    )
}

super::case_commands!(Args => exec);
