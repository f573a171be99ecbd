//! Appeals and endings: `review`, `rereview`, `close`, `evaluate`.

use petition_core::case::{CloseReason, ReviewOutcome, Satisfaction};
use petition_core::Command;

use super::run_case_command;
use crate::app::{parse_date, usage, App, CliResult, Reply};

fn outcome(s: &str) -> CliResult<ReviewOutcome> {
    ReviewOutcome::parse(s).ok_or_else(|| usage("bad --outcome", "--outcome 无效"))
}

/// Review (复查): register the petitioner's request, or issue the review opinion.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub cmd: ReviewCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum ReviewCmd {
    /// Register a review request (by the reviewing body, within 30 days of the opinion), with
    /// the petitioner's grounds. The petition office of a reviewing body's territory may record
    /// it at the counter for that body, which then holds the case and answers it.
    ///
    /// Example: petition --as chen review request XF2026-000001 --reason 补偿标准计算有误
    #[command(verbatim_doc_comment)]
    Request {
        /// Case id
        case: String,
        /// The petitioner's grounds (复查理由)
        #[arg(long)]
        reason: Option<String>,
    },
    /// Issue the review opinion (复查意见): upheld, revised or revoked.
    ///
    /// Example: petition --as chen review opinion XF2026-000001 --outcome upheld --text 维持原处理意见
    #[command(verbatim_doc_comment)]
    Opinion {
        /// Case id
        case: String,
        /// upheld | revised | revoked
        #[arg(long, value_parser = crate::app::word::<petition_core::case::ReviewOutcome>())]
        outcome: String,
        /// Text
        #[arg(
            long,
            required_unless_present = "text_file",
            conflicts_with = "text_file"
        )]
        text: Option<String>,
        /// Read the text from this file (UTF-8), for a long text
        #[arg(long, value_name = "FILE")]
        text_file: Option<std::path::PathBuf>,
    },
}

pub fn review(app: &App, a: &ReviewArgs) -> CliResult<Reply> {
    match &a.cmd {
        ReviewCmd::Request { case, reason } => run_case_command(
            app,
            case,
            Command::ReviewRequest {
                reason: reason.clone(),
            },
        ),
        ReviewCmd::Opinion {
            case,
            outcome: o,
            text,
            text_file,
        } => run_case_command(
            app,
            case,
            Command::ReviewOpinion {
                outcome: outcome(o)?,
                text: crate::app::long_text("text", text, text_file)?,
            },
        ),
    }
}

/// Re-review (复核): register the request, record a hearing, or issue the final opinion.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct RereviewArgs {
    #[command(subcommand)]
    pub cmd: RereviewCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum RereviewCmd {
    /// Register a re-review request (by the re-reviewing body, within 30 days of the review
    /// opinion), with the petitioner's grounds. The petition office of a re-reviewing body's
    /// territory may record it at the counter for that body.
    ///
    /// Example: petition --as zhou rereview request XF2026-000001 --reason 复查未核实现场情况
    #[command(verbatim_doc_comment)]
    Request {
        /// Case id
        case: String,
        /// The petitioner's grounds (复核理由)
        #[arg(long)]
        reason: Option<String>,
    },
    /// Record a hearing (听证); its days, both ends counted, do not count toward the limit.
    ///
    /// Example: petition --as zhou rereview hearing XF2026-000001 --start 2026-04-27 --end 2026-04-29
    #[command(verbatim_doc_comment)]
    Hearing {
        /// Case id
        case: String,
        /// First day (YYYY-MM-DD)
        #[arg(long)]
        start: String,
        /// Last day (YYYY-MM-DD)
        #[arg(long)]
        end: String,
    },
    /// Issue the re-review opinion (复核意见); the case is then concluded (终结).
    ///
    /// Example: petition --as zhou rereview opinion XF2026-000001 --outcome upheld --text 复核维持
    #[command(verbatim_doc_comment)]
    Opinion {
        /// Case id
        case: String,
        /// upheld | revised | revoked
        #[arg(long, value_parser = crate::app::word::<petition_core::case::ReviewOutcome>())]
        outcome: String,
        /// Text
        #[arg(
            long,
            required_unless_present = "text_file",
            conflicts_with = "text_file"
        )]
        text: Option<String>,
        /// Read the text from this file (UTF-8), for a long text
        #[arg(long, value_name = "FILE")]
        text_file: Option<std::path::PathBuf>,
    },
}

pub fn rereview(app: &App, a: &RereviewArgs) -> CliResult<Reply> {
    match &a.cmd {
        RereviewCmd::Request { case, reason } => run_case_command(
            app,
            case,
            Command::RereviewRequest {
                reason: reason.clone(),
            },
        ),
        RereviewCmd::Hearing { case, start, end } => {
            let (start, end) = (parse_date("start", start)?, parse_date("end", end)?);
            run_case_command(app, case, Command::Hearing { start, end })
        }
        RereviewCmd::Opinion {
            case,
            outcome: o,
            text,
            text_file,
        } => run_case_command(
            app,
            case,
            Command::RereviewOpinion {
                outcome: outcome(o)?,
                text: crate::app::long_text("text", text, text_file)?,
            },
        ),
    }
}

/// Close the case because the petitioner accepts the answer (办结).
///
/// Example: petition --as wang close XF2026-000001 --reason accepted
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CloseArgs {
    /// Case id
    pub case: String,
    /// Only `accepted` (lapsed windows are closed by `tick`)
    #[arg(long, value_parser = ["accepted"])]
    pub reason: String,
}

pub fn close(app: &App, a: &CloseArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Close {
            reason: CloseReason::Accepted,
        },
    )
}

/// Record the petitioner's rating of the latest answer (满意度评价), once per answer, within 30 days.
///
/// Example: petition --as li evaluate XF2026-000001 --handling satisfied --office basically_satisfied
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct EvaluateArgs {
    /// Case id
    pub case: String,
    /// Rating of the handling: satisfied | basically_satisfied | dissatisfied
    #[arg(long, value_parser = crate::app::word::<petition_core::case::Satisfaction>())]
    pub handling: String,
    /// Rating of the petition office
    #[arg(long, value_parser = crate::app::word::<petition_core::case::Satisfaction>())]
    pub office: Option<String>,
}

pub fn evaluate(app: &App, a: &EvaluateArgs) -> CliResult<Reply> {
    let handling = Satisfaction::parse(&a.handling)
        .ok_or_else(|| usage("bad --handling", "--handling 无效"))?;
    let office = a.office.as_deref().and_then(Satisfaction::parse);
    run_case_command(app, &a.case, Command::Evaluate { handling, office })
}

super::case_commands!(
    ReviewArgs => review,
    RereviewArgs => rereview,
    CloseArgs => close,
    EvaluateArgs => evaluate,
);
