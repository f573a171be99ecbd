//! Supervision (限时督办, docs/rules.md §7): `supervise`, `respond`, and the time-driven `tick`.

use petition_core::case::{SupervisionGround, SupervisionLevel};
use petition_core::Command;
use serde_json::json;

use super::{run_case_command, unit};
use crate::app::{out, parse_date, usage, App, CliResult, Reply};

/// Open a supervision (督办) on the holder or another unit of the case, due back by a date.
/// Only the supervising office of that unit, the one a tier up, or a superior body may (一级督办一级).
///
/// Example: petition --as li supervise XF2026-000001 --ground overdue --respond-by 2026-05-15 --text 请说明超期原因
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct SuperviseArgs {
    /// Case id
    pub case: String,
    /// overdue | no_result_report | wrong_procedure | evasion | not_executed | falsification | other
    #[arg(long, value_parser = crate::app::word::<petition_core::case::SupervisionGround>())]
    pub ground: String,
    /// The supervised unit must answer by this date (YYYY-MM-DD)
    #[arg(long)]
    pub respond_by: String,
    /// The notice text
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    pub text: Option<String>,
    /// Read the text from this file (UTF-8), for a long text
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<std::path::PathBuf>,
    /// Supervise this unit instead of the holder (e.g. an assisting unit)
    #[arg(long)]
    pub unit: Option<String>,
    /// reminder | supervision | notice | accountability [default: supervision]
    #[arg(long, value_parser = crate::app::word::<petition_core::case::SupervisionLevel>())]
    pub level: Option<String>,
}

pub fn supervise(app: &App, a: &SuperviseArgs) -> CliResult<Reply> {
    let ground = SupervisionGround::parse(&a.ground)
        .ok_or_else(|| usage("bad --ground", "--ground 无效"))?;
    let level = a.level.as_deref().and_then(SupervisionLevel::parse);
    let cmd = Command::Supervise {
        ground,
        respond_by: parse_date("respond_by", &a.respond_by)?,
        text: crate::app::long_text("text", &a.text, &a.text_file)?,
        unit: a.unit.as_deref().map(|u| unit(app, u)).transpose()?,
        level,
    };
    run_case_command(app, &a.case, cmd)
}

/// Answer a supervision (督办反馈 / 说明原因); only the supervised unit may.
///
/// Example: petition --as wang respond XF2026-000001 --supervision 1 --text 因需现场勘验，已于5月10日办结
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct RespondArgs {
    /// Case id
    pub case: String,
    /// The supervision's number on the case (see `show`)
    #[arg(long)]
    pub supervision: u32,
    /// The answer
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

pub fn respond(app: &App, a: &RespondArgs) -> CliResult<Reply> {
    run_case_command(
        app,
        &a.case,
        Command::Respond {
            supervision: a.supervision,
            text: crate::app::long_text("text", &a.text, &a.text_file)?,
        },
    )
}

/// Do the time-driven work due at --now (run it from cron or a systemd timer): remind units of
/// overdue clocks, escalate unanswered supervisions, close cases whose appeal window lapsed, and
/// record lapsed evaluations. Runs as `system`; a second run at the same time does nothing.
///
/// Example: petition tick
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct TickArgs {}

pub fn tick(app: &App, _a: &TickArgs) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let (tz, clock) = svc.read(|w| Ok((w.policy().timezone, w.clock_mode()?)))?;
    crate::app::write_time(app, tz, clock)?;
    let now = app.when(tz)?;
    crate::app::for_bulk_work(&mut svc)?;
    // On its own SQLite database (not inside a server), a second connection on another thread
    // reads and replays the cases of the next transaction while this one writes. Not on
    // PostgreSQL: there the writer's check of each copy is a round trip as dear as reading the
    // case, and the reader's queries load the same server (100k cases, two pairs: 36.9 / 38.0 s
    // without, 45.4 / 42.4 s with).
    let sqlite = svc.store().as_sqlite().is_some();
    let reader = match app.is_local() && sqlite {
        true => app.open_at(&app.db_path()?).ok(),
        false => None,
    };
    let summary = match reader {
        Some(reader) => svc.tick_with_reader(now, reader)?,
        None => svc.tick(now)?,
    };
    Ok(Reply::of(json!(summary)))
}

pub fn render_tick(app: &App, r: &Reply) {
    let n = |k: &str| r.doc[k].as_u64().unwrap_or(0);
    out(&format!(
        "{}: {} {}; {} {}, {} {}, {} {}, {} {}",
        app.l("tick_summary"),
        n("events"),
        app.l("events"),
        n("supervisions_opened"),
        app.l("opened"),
        n("escalated"),
        app.l("escalated"),
        n("closed"),
        app.l("closed"),
        n("evaluations_lapsed"),
        app.l("evaluations_lapsed")
    ));
}

super::case_commands!(SuperviseArgs => supervise, RespondArgs => respond);

impl super::Run for TickArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(tick(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render_tick(app, r);
        Ok(())
    }
    fn desk(&self) -> bool {
        false
    }
}
