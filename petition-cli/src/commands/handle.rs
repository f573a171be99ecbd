//! Handling: `accept`, `decline`, `assist-input`, `extend`, `opinion`, `report`, `withdraw`, `merge`.

use petition_core::case::{DeclineGround, Outcome};
use petition_core::Command;

use super::{case_id, run_case_command, unit};
use crate::app::{App, CliResult, Reply};

/// Accept the case for handling (受理); your unit becomes the lead, the listed units assist.
///
/// Example: petition --as wang accept XF2026-000001 --assist town-a --assist cty-a-gtj
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct AcceptArgs {
    /// Case id
    pub case: String,
    /// An assisting unit (协办单位; repeatable)
    #[arg(long)]
    pub assist: Vec<String>,
}

pub fn accept(app: &App, a: &AcceptArgs) -> CliResult<Reply> {
    let assist = a
        .assist
        .iter()
        .map(|u| unit(app, u))
        .collect::<CliResult<Vec<_>>>()?;
    run_case_command(app, &a.case, Command::Accept { assist })
}

/// Decline the case (不予受理) on a legal ground, with the notice text for the petitioner.
///
/// Example: petition --as li decline XF2026-000001 --ground litigation --notice 请依法向人民法院提起诉讼
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct DeclineArgs {
    /// Case id
    pub case: String,
    /// litigation | legislature_or_judiciary | concluded | in_progress | skip_level | out_of_scope | incomplete
    #[arg(long, value_parser = crate::app::word::<petition_core::case::DeclineGround>())]
    pub ground: String,
    /// The notice (告知) to the petitioner
    #[arg(
        long,
        required_unless_present = "notice_file",
        conflicts_with = "notice_file"
    )]
    pub notice: Option<String>,
    /// Read the notice from this file (UTF-8), for a long notice
    #[arg(long, value_name = "FILE")]
    pub notice_file: Option<std::path::PathBuf>,
}

pub fn decline(app: &App, a: &DeclineArgs) -> CliResult<Reply> {
    let ground = DeclineGround::parse(&a.ground)
        .ok_or_else(|| crate::app::usage("bad --ground", "--ground 无效"))?;
    run_case_command(
        app,
        &a.case,
        Command::Decline {
            ground,
            notice: crate::app::long_text("notice", &a.notice, &a.notice_file)?,
        },
    )
}

/// Give your assisting unit's input (协办意见).
///
/// Example: petition --as zhao assist-input XF2026-000001 --text 经核实，补偿款已于3月拨付
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct AssistInputArgs {
    /// Case id
    pub case: String,
    /// The input
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    pub text: Option<String>,
    /// Read the text from this file (UTF-8), for a long text
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<std::path::PathBuf>,
}

pub fn assist_input(app: &App, a: &AssistInputArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::AssistInput {
            text: crate::app::long_text("text", &a.text, &a.text_file)?,
        },
    )
}

/// Take the case as its officer (承办): you carry it within the holding unit; `queue --mine`
/// lists the cases you carry.
///
/// Example: petition --as wang take XF2026-000001
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct TakeArgs {
    /// Case id
    pub case: String,
}

pub fn take(app: &App, a: &TakeArgs) -> CliResult<Reply> {
    run_case_command(app, &a.case, Command::Take)
}

/// Hand the case to another staff member of the holding unit as its officer (转交承办).
///
/// Example: petition --as zhang hand XF2026-000001 --to wang
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct HandArgs {
    /// Case id
    pub case: String,
    /// The staff member who carries it from now on: id or name (王芳)
    #[arg(long, value_name = "STAFF")]
    pub to: String,
}

pub fn hand(app: &App, a: &HandArgs) -> CliResult<Reply> {
    let to = match petition_core::StaffId::parse(a.to.trim()) {
        Ok(id) => id,
        // A name (or a part only one colleague's name has), looked up among the actor's unit.
        Err(_) => {
            let mut svc = app.open()?;
            let s = app.session(&mut svc)?;
            svc.read(|w| {
                w.org()
                    .find_staff(&a.to, s.staff.unit.as_ref())
                    .map(|x| x.id.clone())
            })?
        }
    };
    run_case_command(app, &a.case, Command::Hand { to })
}

/// Extend the handling limit (延期; at most 30 days in total): the head of the lead unit extends
/// directly, or a clerk asks with `extend request` and the head answers with `extend approve` or
/// `extend reject`.
///
/// Examples:
///   petition --as zhang extend XF2026-000001 --days 30 --reason 情况复杂需现场核查
///   petition --as wang extend request XF2026-000001 --days 30 --reason 情况复杂需现场核查
///   petition --as zhang extend approve XF2026-000001
///   petition --as zhang extend reject XF2026-000001 --note 请按期办结
#[derive(clap::Args, Debug)]
#[command(
    verbatim_doc_comment,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct ExtendArgs {
    /// Case id
    #[arg(required = true)]
    pub case: Option<String>,
    /// Days to add
    #[arg(long, required = true)]
    pub days: Option<u32>,
    /// Why
    #[arg(long, required = true)]
    pub reason: Option<String>,
    #[command(subcommand)]
    pub action: Option<ExtendAction>,
}

/// The steps of an extension with the head's approval.
#[derive(clap::Subcommand, Debug)]
pub enum ExtendAction {
    /// Ask the head of your unit for more days (延期申请; any clerk of the lead unit)
    Request(ExtendRequestArgs),
    /// Grant the pending request (批准延期; head of the lead unit)
    Approve(ExtendAnswerArgs),
    /// Refuse the pending request (不予延期; head of the lead unit)
    Reject(ExtendRejectArgs),
}

/// Ask the head for an extension.
///
/// Example: petition --as wang extend request XF2026-000001 --days 30 --reason 情况复杂需现场核查
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ExtendRequestArgs {
    /// Case id
    pub case: String,
    /// Days asked for
    #[arg(long)]
    pub days: u32,
    /// Why
    #[arg(long)]
    pub reason: String,
}

/// Grant the pending extension request.
///
/// Example: petition --as zhang extend approve XF2026-000001
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ExtendAnswerArgs {
    /// Case id
    pub case: String,
}

/// Refuse the pending extension request.
///
/// Example: petition --as zhang extend reject XF2026-000001 --note 请按期办结
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ExtendRejectArgs {
    /// Case id
    pub case: String,
    /// Why, for the clerk
    #[arg(long)]
    pub note: Option<String>,
}

pub fn extend(app: &App, a: &ExtendArgs) -> CliResult<Reply> {
    match &a.action {
        Some(ExtendAction::Request(r)) => run_case_command(
            app,
            &r.case,
            Command::ExtendRequest {
                days: r.days,
                reason: r.reason.clone(),
            },
        ),
        Some(ExtendAction::Approve(r)) => run_case_command(app, &r.case, Command::ExtendApprove),
        Some(ExtendAction::Reject(r)) => run_case_command(
            app,
            &r.case,
            Command::ExtendReject {
                note: r.note.clone(),
            },
        ),
        None => {
            let (Some(case), Some(days), Some(reason)) = (&a.case, a.days, &a.reason) else {
                return Err(crate::app::usage(
                    "extend needs CASE --days N --reason TEXT, or one of request, approve, reject",
                    "extend 需要 CASE --days N --reason 理由，或 request、approve、reject 之一",
                ));
            };
            run_case_command(
                app,
                case,
                Command::Extend {
                    days,
                    reason: reason.clone(),
                },
            )
        }
    }
}

/// Issue the written answer (处理意见书): supported, explained or not supported.
///
/// Example: petition --as wang opinion XF2026-000001 --outcome supported --text 补偿款将于5月底前发放
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct OpinionArgs {
    /// Case id
    pub case: String,
    /// supported | explained | not_supported
    #[arg(long, value_parser = crate::app::word::<petition_core::case::Outcome>())]
    pub outcome: String,
    /// The opinion text
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    pub text: Option<String>,
    /// Read the text from this file (UTF-8), for a long text
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<std::path::PathBuf>,
    /// Issue it although an assisting unit's input is missing, saying why
    #[arg(long, value_name = "REASON")]
    pub without_assist: Option<String>,
}

pub fn opinion(app: &App, a: &OpinionArgs) -> CliResult<Reply> {
    let outcome = Outcome::parse(&a.outcome)
        .ok_or_else(|| crate::app::usage("bad --outcome", "--outcome 无效"))?;
    run_case_command(
        app,
        &a.case,
        Command::Opinion {
            outcome,
            text: crate::app::long_text("text", &a.text, &a.text_file)?,
            without_assist: a.without_assist.clone(),
        },
    )
}

/// Send the result report (办结报告) an assigned case owes the assigning unit.
///
/// Example: petition --as wang report XF2026-000001 --text 已办结，信访人表示满意
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ReportArgs {
    /// Case id
    pub case: String,
    /// The report
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    pub text: Option<String>,
    /// Read the text from this file (UTF-8), for a long text
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<std::path::PathBuf>,
}

pub fn report(app: &App, a: &ReportArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Report {
            text: crate::app::long_text("text", &a.text, &a.text_file)?,
        },
    )
}

/// Record that the petitioner withdrew the matter (撤回).
///
/// Example: petition --as li withdraw XF2026-000001 --reason 信访人书面撤回
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct WithdrawArgs {
    /// Case id
    pub case: String,
    /// Why
    #[arg(long)]
    pub reason: String,
}

pub fn withdraw(app: &App, a: &WithdrawArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Withdraw {
            reason: a.reason.clone(),
        },
    )
}

/// Merge the case into another open case of the same matter (合并); both histories keep the link.
///
/// Example: petition --as li merge XF2026-000007 --into XF2026-000003
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct MergeArgs {
    /// The case that ends
    pub case: String,
    /// The surviving case
    #[arg(long)]
    pub into: String,
}

pub fn merge(app: &App, a: &MergeArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Merge {
            into: case_id(&a.into)?,
        },
    )
}

super::case_commands!(
    AcceptArgs => accept,
    DeclineArgs => decline,
    AssistInputArgs => assist_input,
    ExtendArgs => extend,
    TakeArgs => take,
    HandArgs => hand,
    OpinionArgs => opinion,
    ReportArgs => report,
    WithdrawArgs => withdraw,
    MergeArgs => merge,
);
