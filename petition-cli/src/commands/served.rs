//! `served`: record that the petitioner received a written notice (送达).

use petition_core::case::{ServedNotice, ServiceMethod};
use petition_core::Command;

use crate::app::{parse_date, usage, App, CliResult, Reply};

/// Record that the petitioner received a written notice (送达). The law counts the petitioner's
/// windows from receipt: a review request within 30 days of receiving the written answer, a
/// re-review request within 30 days of receiving the review decision, and the rating with them.
/// Until a service is recorded they count from the issue date; once it is, from the day of
/// receipt (never earlier than before). The unit that issued the notice or the unit that
/// registered the case records it, once per notice.
///
/// Examples:
///   petition --as wang served XF2026-000001 --notice opinion --on 2026-03-27 --how post --note "挂号信回执 XA123"
///   petition --as li served XF2026-000001 --notice 处理意见书 --on 2026-03-20 --how 直接送达
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Case id
    pub case: String,
    /// The notice served: decline | opinion | review | rereview
    #[arg(long, value_parser = crate::app::word::<ServedNotice>())]
    pub notice: String,
    /// The day the petitioner received it (YYYY-MM-DD)
    #[arg(long)]
    pub on: String,
    /// How: in_person | post | electronic | public
    #[arg(long, value_parser = crate::app::word::<ServiceMethod>())]
    pub how: String,
    /// A note (the receipt's number, who signed for it)
    #[arg(long)]
    pub note: Option<String>,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let notice =
        ServedNotice::parse(&a.notice).ok_or_else(|| usage("bad --notice", "--notice 无效"))?;
    let how = ServiceMethod::parse(&a.how).ok_or_else(|| usage("bad --how", "--how 无效"))?;
    super::run_case_command(
        app,
        &a.case,
        Command::Served {
            notice,
            on: parse_date("on", &a.on)?,
            how,
            note: a.note.clone(),
        },
    )
}

super::case_commands!(Args => exec);
