//! `note`: a note in the case file (卷宗): a call, a visit, an interview, a callback, a site check.

use petition_core::case::NoteKind;
use petition_core::Command;

use crate::app::{parse_time, usage, App, CliResult, Reply};

/// Write a note in the case file (卷宗记录): the petitioner phoned about progress, came by, was
/// interviewed (约谈) or called back (回访), or the unit checked the site (现场核查). Any unit that
/// may read the case writes one, in any state (a callback after the case closed too). Readers
/// who see the case in full read the text; masked readers see the kind, the time and the unit.
///
/// Examples:
///   petition --as li note XF2026-000001 --kind call --text "信访人来电询问进展，已告知正在办理"
///   petition --as wang note XF2026-000001 --kind site --text-file 现场核查.txt --at 2026-03-10T15:00:00+08:00
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Case id
    pub case: String,
    /// What it records: call | visit | interview | callback | site | other
    #[arg(long, value_parser = crate::app::word::<NoteKind>())]
    pub kind: String,
    /// The note
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    pub text: Option<String>,
    /// Read the note from this file (UTF-8), for a long text
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<std::path::PathBuf>,
    /// When it happened, if earlier than now (RFC 3339, or a date for 09:00 that day)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let kind = NoteKind::parse(&a.kind).ok_or_else(|| usage("bad --kind", "--kind 无效"))?;
    let text = crate::app::long_text("text", &a.text, &a.text_file)?;
    super::run_case_command_at(app, &a.case, |now| {
        let at =
            a.at.as_deref()
                .map(|s| parse_time(s, *now.offset()))
                .transpose()?;
        Ok(Command::Note { kind, text, at })
    })
}

super::case_commands!(Args => exec);
