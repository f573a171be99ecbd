//! One module per command (or per small group of commands), each with an `Args` struct whose doc
//! comment is its `--help` and a `run` function: parse → one service call → render.

pub mod access_log;
pub mod admin;
pub mod amend;
pub mod appeal;
pub mod attach;
pub mod backup;
pub mod calendar;
pub mod completions;
pub mod copy;
pub mod demo;
pub mod export;
pub mod handle;
pub mod init;
pub mod list;
pub mod note;
pub mod notice;
pub mod policy;
pub mod query_code;
pub mod register;
pub mod route;
pub mod search;
pub mod served;
pub mod show;
pub mod stats;
pub mod status;
pub mod supervise;
pub mod verify;
pub mod void;

use petition_core::view::case_json;
use petition_core::{CaseId, Command, Reveal, Shown, UnitCode};

use crate::app::{out, App, CliResult, Reply, Session};

/// A command as the dispatcher runs it. Each command implements this beside its arguments; the
/// command line lists every command once (its name, variant and arguments, in `main.rs`).
///
/// A command either answers with a [`Reply`] ([`Run::exec`]: run here, or by a server for
/// `--server`, and shown by [`Run::render`] either way) or prints its own output ([`Run::run`]).
pub trait Run {
    /// Runs a command that answers with a reply; `None` for one that prints its own output.
    fn exec(&self, _app: &App) -> Option<CliResult<Reply>> {
        None
    }
    /// Runs a command that prints its own output.
    fn run(&self, _app: &App) -> CliResult {
        Err(crate::app::CliError::from(
            petition_core::DomainError::from(petition_core::StorageError::internal(
                "a command without a runner",
            )),
        ))
    }
    /// Checks what must hold before the command runs (an output file that may be written);
    /// returns that file.
    fn check(&self, _app: &App) -> CliResult<Option<std::path::PathBuf>> {
        Ok(None)
    }
    /// Shows a reply in human form (with `--json` the dispatcher prints the document instead,
    /// unless [`Run::renders_json`]). By default the one-line summary of a case command.
    fn render(&self, app: &App, r: &Reply, _out: Option<&std::path::Path>) -> CliResult {
        summary_line(app, &r.doc, r.meta.recorded_after.unwrap_or(0));
        Ok(())
    }
    /// Whether [`Run::render`] shows the `--json` document itself.
    fn renders_json(&self) -> bool {
        false
    }
    /// Whether the command is one-shot desk work (a view, a clerk's change to one case, an
    /// administrative change), which reads few pages and so keeps a small page cache
    /// ([`crate::app::DESK_CACHE_KIB`]). Work over the whole database keeps SQLite's default.
    fn desk(&self) -> bool {
        true
    }
}

impl<T: Run + ?Sized> Run for Box<T> {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        (**self).exec(app)
    }
    fn run(&self, app: &App) -> CliResult {
        (**self).run(app)
    }
    fn check(&self, app: &App) -> CliResult<Option<std::path::PathBuf>> {
        (**self).check(app)
    }
    fn render(&self, app: &App, r: &Reply, out: Option<&std::path::Path>) -> CliResult {
        (**self).render(app, r, out)
    }
    fn renders_json(&self) -> bool {
        (**self).renders_json()
    }
    fn desk(&self) -> bool {
        (**self).desk()
    }
}

/// Commands on one case that answer with the case (shown as its one-line summary): `Args =>
/// function` each.
macro_rules! case_commands {
    ($($args:ty => $f:path),+ $(,)?) => {
        $(impl crate::commands::Run for $args {
            fn exec(&self, app: &crate::app::App) -> Option<crate::app::CliResult<crate::app::Reply>> {
                Some($f(app, self))
            }
        })+
    };
}
pub(crate) use case_commands;

/// Commands that print their own output: `Args => function` each; `whole` after those that work
/// over the whole database (not desk work).
macro_rules! own_output {
    ($($args:ty => $f:path $(, $whole:ident)?;)+) => {
        $(impl crate::commands::Run for $args {
            fn run(&self, app: &crate::app::App) -> crate::app::CliResult {
                $f(app, self)
            }
            fn desk(&self) -> bool {
                !crate::commands::own_output!(@whole $($whole)?)
            }
        })+
    };
    (@whole whole) => { true };
    (@whole) => { false };
}
pub(crate) use own_output;

/// Parses a case id argument.
pub fn case_id(s: &str) -> CliResult<CaseId> {
    Ok(CaseId::parse(s)?)
}

/// A unit argument: its code as typed, or a unit's exact name or a part only one name contains
/// (`--to 住建局`), looked up in the database; an ambiguous part lists the candidates.
pub fn unit(app: &App, s: &str) -> CliResult<UnitCode> {
    if let Ok(code) = UnitCode::parse(s.trim()) {
        return Ok(code);
    }
    let mut svc = app.open()?;
    Ok(svc.read(|w| w.org().find_unit(s).map(|u| u.code.clone()))?)
}

/// The warnings about a case document's open due dates that fall in a year with no calendar
/// loaded (weekdays all count as working days there).
pub fn calendar_warnings(
    cal: &petition_core::clock::Calendar,
    doc: &serde_json::Value,
) -> Vec<(String, String)> {
    let due = doc["clocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["stopped_on"].is_null())
        .filter_map(|c| c["due"].as_str())
        .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    cal.unloaded_years(due)
        .into_iter()
        .map(|y| {
            (
                format!("a due date falls in {y}, whose holidays are not loaded: it counts every weekday as a working day (load the year's calendar: petition calendar import)"),
                format!("有到期日在 {y} 年，但该年节假日尚未导入：期限按周一至周五均为工作日计算（请导入该年日历：petition calendar import）"),
            )
        })
        .collect()
}

/// A case as its actor may see it after a command: the full case document, shown with `--json`,
/// otherwise as a short summary (no personal data) of what the command recorded.
pub fn case_reply(shown: &Shown, today: chrono::NaiveDate, recorded_after: u32) -> Reply {
    let mut r = Reply::of(case_json(&shown.case, &shown.events, today, shown.privacy));
    r.meta.recorded_after = Some(recorded_after);
    r
}

/// After a write by the session's actor: the case as they may see it, with personal data only
/// where the output shows it (the JSON document; the one-line summary carries none), its
/// showing recorded in the same transaction.
pub fn after_write(
    app: &App,
    w: &mut petition_core::service::Work<
        '_,
        <crate::app::Db as petition_core::store::Store>::Txn<'_>,
    >,
    s: &Session,
    id: &CaseId,
    command: &str,
) -> petition_core::error::Result<Shown> {
    let reveal = if app.global.json {
        Reveal::AsAllowed
    } else {
        Reveal::Masked
    };
    let shown = w.show_for(&s.principal, id, reveal, command)?;
    let when = app.when(s.tz).map_err(|e| e.error)?;
    w.reveal(shown, when)
}

/// One line (and the open clocks) after a command succeeded.
pub fn summary_line(app: &App, v: &serde_json::Value, recorded_after: u32) {
    let st = v["state"].as_str().unwrap_or("");
    out(&format!(
        "{}  {}  {}: {}",
        v["id"].as_str().unwrap_or(""),
        app.field("state", st),
        app.l("holder"),
        v["holder"].as_str().unwrap_or("-")
    ));
    // What the command recorded: its events, with what they say.
    for e in v["events"].as_array().into_iter().flatten().filter(|e| {
        e["seq"]
            .as_u64()
            .is_some_and(|n| n > u64::from(recorded_after))
    }) {
        let detail = crate::render::event_detail(app, e, None);
        out(&format!(
            "  {} {}{}",
            app.l("recorded"),
            app.field("type", e["type"].as_str().unwrap_or("")),
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        ));
    }
    if let Some(clocks) = v["clocks"].as_array() {
        for c in clocks.iter().filter(|c| c["stopped_at"].is_null()) {
            let (status, _) = crate::render::clock_status(app, c);
            out(&format!(
                "  {} {} {} ({}) {}",
                crate::i18n::field_label(app.lang, "clock", c["kind"].as_str().unwrap_or("")),
                app.l("due"),
                c["due"].as_str().unwrap_or(""),
                c["unit"].as_str().unwrap_or(""),
                status
            ));
        }
    }
}

/// Runs a case command as the actor (`--as`) at the command's time; replies with the case.
pub fn run_case_command(app: &App, id: &str, cmd: Command) -> CliResult<Reply> {
    run_case_command_at(app, id, |_| Ok(cmd))
}

/// [`run_case_command`] with a command made at the time of the write (a value read in the
/// database's time zone).
pub fn run_case_command_at(
    app: &App,
    id: &str,
    make: impl FnOnce(chrono::DateTime<chrono::FixedOffset>) -> CliResult<Command>,
) -> CliResult<Reply> {
    let id = case_id(id)?;
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let now = session.write_now(app)?;
    let when = session.write_when(app)?;
    let cmd = make(now)?;
    let name = cmd.name();
    let (before, shown, cal) = svc.work(|w| {
        let before = w
            .execute(&session.principal, when, &id, cmd.clone())?
            .seq_before;
        let shown = after_write(app, w, &session, &id, name)?;
        Ok((before, shown, w.calendar().clone()))
    })?;
    let mut r = case_reply(&shown, session.today(app)?, before);
    r.meta.warnings = calendar_warnings(&cal, &r.doc);
    Ok(r)
}
