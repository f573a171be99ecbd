#![recursion_limit = "512"]
//! `petition`: first-contact petition (信访) case handling for clerks and scripts.
//!
//! A thin layer: parse the arguments, call the service once, render the result. Every rule lives
//! in `petition-core`.

#[cfg(feature = "serve")]
mod api;
mod app;
mod commands;
mod error;
#[cfg(test)]
mod fuzz;
mod help_zh;
mod i18n;
mod ledger;
mod outfile;
#[cfg(feature = "postgres")]
mod pgpass;
#[cfg(feature = "serve")]
mod remote;
mod render;
#[cfg(feature = "serve")]
mod serve;

use clap::{Parser, Subcommand};
use petition_core::DomainError;
use serde_json::json;

use crate::app::{resolve_lang, App, CliError, CliResult, Global, Reply};
use crate::commands::*;

const HELP_TEMPLATE: &str = "\
{before-help}{name} {version} — {about}

{usage-heading} {usage}

Intake (登记):
  register     Register a new case
  amend        Correct a registration mistake (更正登记)
  transfer     Route the case to the competent unit (转送)
  assign       Route with a required result report (交办)
  object       Object that the case is outside your remit (异议)
  objection    Approve or reject an objection
  accept       Accept for handling (受理), with assisting units
  decline      Decline on a legal ground (不予受理)

Handling (办理):
  assist-input Give an assisting unit's input (协办意见)
  take         Carry the case as its officer (承办人); hand: pass it on
  hand         Hand the case to another officer of the unit
  extend       Extend the handling limit (延期); request, approve, reject
  opinion      Issue the written answer (处理意见书)
  report       Send the result report of an assigned case (办结报告)
  served       Record that the petitioner received a notice (送达)
  note         Write a note in the case file: a call, visit, callback (卷宗记录)
  attach       Put a file in the case file: a scan, a photo, a signed notice (附件)
  attachments  List the files of a case's file
  attachment   Download a file of the case file, or withdraw one added in error
  close        Close: the petitioner accepts the answer (办结)
  evaluate     Record the petitioner's rating (满意度评价)
  withdraw     The petitioner withdraws (撤回)
  merge        Merge into another case of the same matter (合并)
  void         Void a registration made in error (作废)

Appeals (复查/复核):
  review       Review request and opinion (复查)
  rereview     Re-review request, hearing and opinion (复核)

Supervision (督办):
  supervise    Open a supervision on a unit (督办)
  respond      Answer a supervision (督办反馈)
  tick         Time-driven work: reminders, escalation, lapsed windows

Views (查询):
  queue        Your unit's work, most urgent first; --mine: the cases you carry
  show         One case, with clocks and timeline
  status       A case's public status with its query code (查询码)
  query-code   A new query code for a petitioner who lost it (reset)
  notice       Print a notice: 告知书, 意见书, 转送单, 督办单
  list         Cases by state, unit, due date, petitioner, period
  search       Find cases by a word, a name, or a number's end (检索)
  overdue      Overdue work (超期)
  stats        KPIs by unit, locality or category; --rank (统计)

Administration (管理):
  init         Create a database and its first admin
  demo         A sample database with cases through every path
  unit         Units: add, import, list (--tree), rename
  staff        Staff: add, list, token, revoke-tokens, move, rename, deactivate
  policy       Time limits: show, set
  calendar     Holidays and make-up working days: import, show
  verify       Prove the database: chain, derived tables, anchors
  access-log   Who saw unmasked personal data (admins)
  export       Export: jsonl (the chain), csv, open311
  import       Rebuild a database from a jsonl export
  copy         Copy a whole database (SQLite ⇄ PostgreSQL)
  backup       Online backup of the database
  serve        The office server: API, remote desks, public pages (阳光信访)
  completions  Shell completion scripts
  help         A command's options and examples (`petition help register`)

Options:
{options}{after-help}";

/// The top-level help in Chinese (`--lang zh`, or a Chinese locale): the same commands, grouped
/// the same way.
const HELP_TEMPLATE_ZH: &str = "\
{before-help}{name} {version} — 信访事项初访首问、转送交办、办理答复、复查复核与限时督办；时限依法计算，每一步留痕可验证

用法：{usage}

登记与受理：
  register     登记信访事项
  amend        更正登记信息（登记单位，受理前）
  transfer     转送有权处理的单位
  assign       交办（须报送办结报告）
  object       对转送交办提出异议（不属本单位职责）
  objection    批准或驳回异议
  accept       受理（可指定协办单位）
  decline      依法不予受理

办理：
  assist-input 协办单位报送协办意见
  take         成为本件承办人（hand：转交本单位其他人）
  hand         转交本单位其他工作人员承办
  extend       延期（负责人）；request 申请、approve 批准、reject 不予批准
  opinion      出具处理意见书
  report       报送交办件办结报告
  served       登记文书送达（信访人收到之日）
  note         卷宗记录：来电、来访、约谈、回访、现场核查
  attach       卷宗附件：扫描件、照片、签收的文书
  attachments  列出本件卷宗的附件
  attachment   下载卷宗附件，或撤下误附的文件
  close        信访人接受答复，办结
  evaluate     录入信访人满意度评价
  withdraw     信访人撤回
  merge        合并同一事项
  void         作废误录的登记

复查与复核：
  review       复查申请与复查意见
  rereview     复核申请、听证与复核意见

督办：
  supervise    对单位督办
  respond      督办反馈（说明原因）
  tick         定时处理：催办、升级、期限届满

查询：
  queue        本单位待办，最紧急的在前；--mine：本人承办的事项
  show         查看一件：期限与办理经过
  status       凭查询码查看办理进度
  query-code   为遗失查询码的信访人重置查询码（reset）
  notice       打印文书：告知书、意见书、转送单、督办单
  list         按状态、单位、期限、信访人、时间段查找
  search       按概况、内容、姓名或电话/证件号尾号检索
  overdue      超期事项
  stats        按单位、属地或分类统计；--rank 排名（通报正反典型）

管理：
  init         新建数据库及首位管理员
  demo         生成演示数据库
  unit         单位：add 添加、import 导入、list 列表（--tree）、rename 更名
  staff        工作人员：add、list、token 令牌、revoke-tokens、move 调动、rename、deactivate 停用
  policy       时限参数：show、set
  calendar     节假日与调休：import、show
  verify       校验数据库：审计链、派生表、锚点
  access-log   个人信息查阅记录（管理员）
  export       导出：jsonl（审计链）、csv、open311
  import       由 jsonl 导出重建数据库
  copy         复制整个数据库（SQLite ⇄ PostgreSQL）
  backup       在线备份
  serve        办公服务器：接口、远程办公、阳光信访页面
  completions  命令行补全脚本
  help         查看命令的选项和示例（`petition help register`）

选项：
{options}
示例：
  petition demo
  petition --as li register --channel 来访 --purpose 求决 --locality 东城镇 --category land.requisition --summary 征地补偿 --petitioner 王某
  petition --as wang queue
  petition --json show XF2026-000001

`petition help 命令`（或 `petition 命令 --help`）查看该命令的选项和示例。
";

/// The language asked for before the arguments are parsed (`--lang X`, `--lang=X`,
/// `PETITION_LANG`, the locale): the help and clap's own errors are printed during parsing.
fn early_lang(args: &[String]) -> petition_core::Lang {
    let arg = args
        .iter()
        .position(|a| a == "--lang")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--lang=").map(str::to_string))
        })
        .or_else(|| std::env::var("PETITION_LANG").ok());
    resolve_lang(arg.as_deref())
}

/// The command line's definition, with the top-level help in `lang`.
fn definition(lang: petition_core::Lang) -> clap::Command {
    let cmd = <Cli as clap::CommandFactory>::command();
    match lang {
        petition_core::Lang::Zh => help_zh::localize(cmd).help_template(HELP_TEMPLATE_ZH),
        petition_core::Lang::En => help_zh::mark_required(cmd),
    }
}

/// First-contact petition (信访) case handling: registration, routing, handling, appeals and
/// time-limited supervision, with every deadline computed by law and every step audited.
#[derive(Parser, Debug)]
#[command(name = "petition", version, help_template = HELP_TEMPLATE,
    after_help = "Examples:\n  petition demo\n  petition --as li register --channel visit --purpose request --locality town-a1 --category land.requisition --summary 征地补偿 --petitioner 王某\n  petition --as wang queue\n  petition --json show XF2026-000001\n\nRun `petition help COMMAND` (or `petition COMMAND --help`) for a command's options and examples.")]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    cmd: Cmd,
}

/// The global options alone, with the top level's settings: the frame of [`lean_definition`].
#[derive(Parser, Debug)]
#[command(name = "petition", version)]
struct Frame {
    #[command(flatten)]
    global: Global,
}

/// The definition of the command line with only the command being run: clap makes every
/// command's arguments when the whole definition is built, and propagates the global options
/// to each — about half a millisecond of every run, more than the work of many commands.
/// `None` when the command is not plainly named (help, a misspelling, no command): the whole
/// definition parses those, and anything the lean one refuses, so help and every error read
/// the same. A test checks each command alone against the whole definition.
fn lean_definition(args: &[std::ffi::OsString]) -> Option<clap::Command> {
    let frame = <Frame as clap::CommandFactory>::command();
    let takes_value = |long: &str| {
        frame
            .get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
    };
    let mut rest = args.iter().skip(1);
    let name = loop {
        let a = rest.next()?.to_str()?;
        match a.strip_prefix("--") {
            Some("") => return None,
            Some(long) => {
                if !long.contains('=') && takes_value(long) {
                    rest.next()?;
                }
            }
            None if a.starts_with('-') => return None,
            None => break a,
        }
    };
    let cmd = command_alone(name)?;
    Some(
        frame
            .subcommand(cmd)
            .subcommand_required(true)
            .arg_required_else_help(true),
    )
}

/// The commands alone, without the global options: what a server request is parsed as (the
/// token says who acts and the server where).
#[derive(Parser, Debug)]
#[command(name = "petition")]
pub struct ApiCli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Every command, once: its variant, its arguments and its name on the command line. From this
/// one list come the parsed command (`Cmd`), each command's definition built alone
/// ([`command_alone`], for [`lean_definition`]) and the runner of each ([`Cmd::runner`]: what it
/// does, how it shows, whether it is desk work — see [`Run`]).
macro_rules! commands {
    ($($(#[$m:meta])* $variant:ident($args:ty) = $name:literal,)+) => {
        #[derive(Subcommand, Debug)]
        pub enum Cmd {
            $($(#[$m])* $variant($args),)+
        }

        /// The definition of one command, built alone (see [`lean_definition`]); `None` for a
        /// name that is not a command.
        fn command_alone(name: &str) -> Option<clap::Command> {
            match name {
                $($(#[$m])* $name => Some(<$args as clap::Args>::augment_args(clap::Command::new($name))),)+
                _ => None,
            }
        }

        impl Cmd {
            /// The command as the dispatcher runs it.
            pub fn runner(&self) -> &dyn Run {
                match self {
                    $($(#[$m])* Cmd::$variant(a) => a,)+
                }
            }
        }
    };
}

commands! {
    Init(init::Args) = "init",
    Demo(demo::Args) = "demo",
    Unit(admin::UnitArgs) = "unit",
    Staff(admin::StaffArgs) = "staff",
    Policy(policy::Args) = "policy",
    Calendar(calendar::Args) = "calendar",
    Register(Box<register::Args>) = "register",
    Amend(amend::Args) = "amend",
    Transfer(route::TransferArgs) = "transfer",
    Assign(route::AssignArgs) = "assign",
    Object(route::ObjectArgs) = "object",
    Objection(route::ObjectionArgs) = "objection",
    Accept(handle::AcceptArgs) = "accept",
    Decline(handle::DeclineArgs) = "decline",
    AssistInput(handle::AssistInputArgs) = "assist-input",
    Extend(handle::ExtendArgs) = "extend",
    Take(handle::TakeArgs) = "take",
    Hand(handle::HandArgs) = "hand",
    Opinion(handle::OpinionArgs) = "opinion",
    Report(handle::ReportArgs) = "report",
    Review(appeal::ReviewArgs) = "review",
    Rereview(appeal::RereviewArgs) = "rereview",
    Close(appeal::CloseArgs) = "close",
    Evaluate(appeal::EvaluateArgs) = "evaluate",
    Withdraw(handle::WithdrawArgs) = "withdraw",
    Merge(handle::MergeArgs) = "merge",
    Void(void::Args) = "void",
    Served(served::Args) = "served",
    Note(note::Args) = "note",
    Attach(attach::AttachArgs) = "attach",
    Attachments(attach::ListArgs) = "attachments",
    Attachment(attach::Args) = "attachment",
    Supervise(supervise::SuperviseArgs) = "supervise",
    Respond(supervise::RespondArgs) = "respond",
    Tick(supervise::TickArgs) = "tick",
    Show(show::Args) = "show",
    Status(status::Args) = "status",
    QueryCode(query_code::Args) = "query-code",
    Notice(notice::Args) = "notice",
    List(list::ListArgs) = "list",
    Search(search::Args) = "search",
    Queue(list::QueueArgs) = "queue",
    Overdue(list::OverdueArgs) = "overdue",
    Stats(stats::Args) = "stats",
    Verify(verify::Args) = "verify",
    AccessLog(access_log::Args) = "access-log",
    Export(export::ExportArgs) = "export",
    Import(export::ImportArgs) = "import",
    Copy(copy::Args) = "copy",
    Backup(backup::Args) = "backup",
    #[cfg(feature = "serve")]
    Serve(serve::Args) = "serve",
    Completions(completions::Args) = "completions",
}

/// The commands that answer with a [`Reply`]: run here, or by a server for `--server`, and
/// shown by the same code either way.
pub fn exec(app: &App, cmd: &Cmd) -> Option<Result<Reply, CliError>> {
    cmd.runner().exec(app)
}

/// Whether a command is one-shot desk work ([`Run::desk`]).
fn is_desk_command(cmd: &Cmd) -> bool {
    cmd.runner().desk()
}

/// Shows a reply: the JSON document with `--json`, else the command's human rendering.
fn render(app: &App, cmd: &Cmd, r: &Reply, out_path: Option<&std::path::Path>) -> CliResult {
    let c = cmd.runner();
    if app.global.json && !c.renders_json() {
        app.print_json(&r.doc);
        return Ok(());
    }
    c.render(app, r, out_path)?;
    for (en, zh) in &r.meta.warnings {
        eprintln!("{} {}", app.t("warning:", "注意："), app.t(en, zh));
    }
    Ok(())
}

fn run(app: &App, cmd: &Cmd, matches: &clap::ArgMatches) -> Result<(), CliError> {
    let out_path = cmd.runner().check(app)?;
    if app.global.server.is_some() {
        #[cfg(feature = "serve")]
        {
            let reply = remote::call(app, cmd, matches)?;
            return render(app, cmd, &reply, out_path.as_deref());
        }
        #[cfg(not(feature = "serve"))]
        {
            let _ = matches;
            return Err(app::usage(
                "this petition was built without the `serve` feature: --server is not available",
                "此版本的 petition 未包含 `serve` 特性：不能使用 --server",
            ));
        }
    }
    let _ = matches;
    match exec(app, cmd) {
        Some(reply) => render(app, cmd, &reply?, out_path.as_deref()),
        None => cmd.runner().run(app),
    }
}

/// The process exit code of an error code: 0 ok; 1 a rule refused; 2 usage; 3 not found;
/// 4 conflict (retry); 5 integrity; 6 unauthenticated; 74 the operating system refused; 70 a defect.
/// Every code is named: a new one does not compile until it is given its exit code.
fn exit_code(code: petition_core::ErrorCode) -> i32 {
    use petition_core::ErrorCode as C;
    match code {
        C::Usage => 2,
        C::NotFound => 3,
        C::Conflict => 4,
        C::Integrity => 5,
        C::Unauthenticated => 6,
        C::Io => 74,
        C::Internal => 70,
        C::InvalidTransition
        | C::PermissionDenied
        | C::Validation
        | C::WindowLapsed
        | C::ExtensionLimit
        | C::AssistPending
        | C::SkipLevel
        | C::Litigation
        | C::Confidentiality
        | C::ClockSkew => 1,
    }
}

fn report(json: bool, lang: petition_core::Lang, e: &CliError) -> i32 {
    let shown = e.shown(lang);
    if json {
        // A rule's refusal adds its data (which unit, which window, how many days) as `details`.
        let mut error = json!({"code": shown.code, "message": shown.message});
        if let Some(details) = shown.details {
            error["details"] = details;
        }
        eprintln!("{}", json!({ "error": error }));
    } else {
        if lang == petition_core::Lang::Zh {
            // In words for the clerk (the code itself is in `--json`'s answer).
            let words = petition_core::ErrorCode::parse(&shown.code)
                .map_or(shown.code.as_str(), |c| c.label(lang));
            eprintln!("错误（{words}）：{}", shown.message);
        } else {
            eprintln!("error [{}]: {}", shown.code, shown.message);
        }
    }
    exit_code(e.error_code())
}

/// mimalloc instead of glibc's allocator: the server's threads allocate and free JSON trees all
/// day, and glibc's malloc, free and their consolidation were about a quarter of a `GET /queue`'s
/// CPU under `perf`. Measured on the server at 100k cases: 15–30% less CPU per request for
/// reads and writes, the same resident memory; a one-off command starts about 70 page faults
/// (well under a tenth of a millisecond) dearer.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Arguments as the operating system gave them: a non-UTF-8 argument is a usage error, never
    // a panic.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // A registration's query code is hashed (half a millisecond) on another thread from the
    // start, while the arguments are parsed and the database opened.
    if args.iter().skip(1).any(|a| a == "register") && !args.iter().any(|a| a == "--server") {
        commands::register::prestart_query_code();
    }
    let lossy: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let parse = |def: clap::Command| {
        def.try_get_matches_from(&args)
            .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m).map(|c| (c, m)))
    };
    // The plain definition parses every command line that runs; only help and errors need the
    // one with every text in the reader's language (building it costs a walk of every command).
    let lean = lean_definition(&args).and_then(|def| parse(def).ok());
    let parsed = match lean {
        Some(c) => Ok(c),
        None => match parse(<Cli as clap::CommandFactory>::command()) {
            Ok(c) => Ok(c),
            Err(_) => parse(definition(early_lang(&lossy))),
        },
    };
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                std::process::exit(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            let json = lossy.iter().any(|a| a == "--json");
            let lang = early_lang(&lossy);
            if !json {
                let _ = match lang {
                    petition_core::Lang::Zh => e.apply::<help_zh::Zh>().print(),
                    petition_core::Lang::En => e.print(),
                };
                std::process::exit(2);
            }
            let text = app::clap_message(&e);
            let zh = e.apply::<help_zh::Zh>().to_string();
            let zh = zh
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("错误：")
                .to_string();
            let err = CliError::hinted(DomainError::from(petition_core::Refusal::usage(
                &format!("{text} (see `petition --help`)"),
                &format!("参数错误：{zh}（参见 `petition --help`）"),
            )));
            std::process::exit(report(json, lang, &err));
        }
    };
    let json = cli.global.json;
    let mut app = App::new(cli.global.clone());
    app.desk = is_desk_command(&cli.cmd);
    if let Err(e) = run(&app, &cli.cmd, &matches) {
        std::process::exit(report(json, app.lang, &e));
    }
}

#[cfg(test)]
mod lean_tests {
    use clap::CommandFactory;

    /// Each command built alone is the whole definition's command, setting for setting; the
    /// frame has the same global options and top-level settings.
    #[test]
    fn each_command_alone_is_the_whole_definitions() {
        let whole = super::Cli::command();
        for sub in whole.get_subcommands() {
            let name = sub.get_name();
            let alone = super::command_alone(name)
                .unwrap_or_else(|| panic!("`{name}` is missing from command_alone"));
            // Everything but the command's place in the top-level help, which the parent gives.
            let own_place = |c: &clap::Command| {
                let text = format!("{c:?}");
                let at = text.find(", disp_ord: ").expect("a display order");
                let end = at + text[at..].find(", template: ").expect("then a template");
                format!("{}{}", &text[..at], &text[end..])
            };
            assert_eq!(own_place(&alone), own_place(sub), "`{name}` differs");
        }
        let lean = super::lean_definition(&["petition".into(), "show".into()])
            .expect("show is a plain command");
        let args = |c: &clap::Command| {
            c.get_arguments()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(args(&lean), args(&whole));
        assert_eq!(lean.get_version(), whole.get_version());
        assert_eq!(
            lean.is_subcommand_required_set(),
            whole.is_subcommand_required_set()
        );
        assert_eq!(
            lean.is_arg_required_else_help_set(),
            whole.is_arg_required_else_help_set()
        );
    }

    /// The command is found past the global options in every spelling, and anything else is
    /// left to the whole definition.
    #[test]
    fn the_command_is_found_past_global_options() {
        let found = |line: &[&str]| {
            let args: Vec<std::ffi::OsString> = line.iter().map(|a| a.into()).collect();
            super::lean_definition(&args).map(|c| {
                c.get_subcommands()
                    .map(|s| s.get_name().to_string())
                    .collect::<Vec<_>>()
            })
        };
        let show = Some(vec!["show".to_string()]);
        assert_eq!(found(&["petition", "show", "XF2026-000001"]), show);
        assert_eq!(
            found(&["petition", "--db", "x.db", "--as", "li", "show"]),
            show
        );
        assert_eq!(found(&["petition", "--db=x.db", "--json", "show"]), show);
        assert_eq!(
            found(&["petition", "--as", "show", "queue"]),
            Some(vec!["queue".to_string()])
        );
        assert_eq!(found(&["petition", "help", "show"]), None);
        assert_eq!(found(&["petition", "--version"]), None);
        assert_eq!(found(&["petition", "-h"]), None);
        assert_eq!(found(&["petition", "shwo"]), None);
        assert_eq!(found(&["petition", "--db"]), None);
        assert_eq!(found(&["petition"]), None);
    }

    /// A command line parses to the same command either way.
    #[test]
    fn lean_and_whole_parse_alike() {
        let lines: &[&[&str]] = &[
            &[
                "petition",
                "--db",
                "x.db",
                "--as",
                "li",
                "--json",
                "register",
                "--channel",
                "visit",
                "--purpose",
                "request",
                "--locality",
                "town-a",
                "--category",
                "land.requisition",
                "--summary",
                "征地补偿",
                "--petitioner",
                "王某",
            ],
            &["petition", "queue", "--as", "wang", "--lang", "zh"],
            &["petition", "--now=2026-11-01", "staff", "token", "li"],
            &["petition", "search", "漏", "--limit", "5"],
            &["petition", "extend", "approve", "XF2026-000001"],
        ];
        for line in lines {
            let args: Vec<std::ffi::OsString> = line.iter().map(|a| a.into()).collect();
            let parse = |def: clap::Command| {
                let m = def.try_get_matches_from(&args).expect("parses");
                let cli =
                    <super::Cli as clap::FromArgMatches>::from_arg_matches(&m).expect("is a Cli");
                format!("{cli:?}")
            };
            let lean = super::lean_definition(&args).expect("a plain command");
            assert_eq!(parse(lean), parse(super::Cli::command()), "{line:?}");
        }
    }
}

#[cfg(test)]
mod desk_tests {
    use clap::Parser;

    fn cmd(line: &str) -> super::Cmd {
        super::Cli::try_parse_from(line.split(' '))
            .expect("a valid command line")
            .cmd
    }

    /// Views and a clerk's changes to one case are desk work; the time-driven work, `verify`
    /// and the bulk commands are not.
    #[test]
    fn which_commands_are_desk_work() {
        for line in [
            "petition search 漏",
            "petition show XF2026-000001",
            "petition queue",
            "petition list --state handling",
            "petition accept XF2026-000001",
            "petition register --channel visit --purpose request --locality a --category b --summary c --petitioner d",
        ] {
            assert!(super::is_desk_command(&cmd(line)), "{line}");
        }
        for line in [
            "petition tick",
            "petition verify",
            "petition export --format jsonl",
            "petition demo",
        ] {
            assert!(!super::is_desk_command(&cmd(line)), "{line}");
        }
    }

    /// A desk command's connection keeps the small page cache; any other keeps SQLite's default.
    #[test]
    fn a_desk_command_opens_with_a_small_cache() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("p.db");
        drop(petition_core::SqliteStore::open(&path, true).expect("create"));
        let cache = |desk: bool| {
            let mut app = super::App::new(super::Cli::parse_from(["petition", "queue"]).global);
            app.desk = desk;
            let mut svc = app.open_at(&path).expect("open");
            let kib = svc.store().as_sqlite().expect("sqlite").cache_kib();
            kib.expect("cache size")
        };
        assert_eq!(cache(true), u64::from(super::app::DESK_CACHE_KIB));
        assert_eq!(cache(false), 2000, "SQLite's default");
    }
}

#[cfg(test)]
mod help_tests {
    /// The top-level help is written by hand (grouped by the day's work): every command must be
    /// in it, and nothing that is not a command.
    #[test]
    fn the_help_lists_every_command() {
        let cmd = <super::Cli as clap::CommandFactory>::command();
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            assert!(
                super::HELP_TEMPLATE.contains(&format!("\n  {name} ")),
                "`{name}` is missing from the help"
            );
            assert!(
                super::HELP_TEMPLATE_ZH.contains(&format!("\n  {name} ")),
                "`{name}` is missing from the Chinese help"
            );
        }
    }
}
