//! One module per command (or per small group of commands), each with an `Args` struct whose doc
//! comment is its `--help` and a `run` function: parse → one service call → render.

pub mod admin;
pub mod appeal;
pub mod backup;
pub mod calendar;
pub mod completions;
pub mod demo;
pub mod export;
pub mod handle;
pub mod init;
pub mod list;
pub mod notice;
pub mod policy;
pub mod register;
pub mod route;
pub mod show;
pub mod stats;
pub mod status;
pub mod supervise;
pub mod verify;

use petition_core::service::Service;
use petition_core::store::SqliteStore;
use petition_core::view::{case_json, Privacy};
use petition_core::{Case, CaseId, Command, Event, StaffId, UnitCode};

use crate::app::{out, App, CliResult};

/// Parses a case id argument.
pub fn case_id(s: &str) -> CliResult<CaseId> {
    Ok(CaseId::parse(s)?)
}

/// Parses a unit code argument.
pub fn unit(s: &str) -> CliResult<UnitCode> {
    Ok(UnitCode::parse(s)?)
}

/// The unit of the reader (for redaction), if an actor was named.
pub fn reader_unit(
    svc: &mut Service<SqliteStore>,
    actor: Option<&StaffId>,
) -> CliResult<Option<UnitCode>> {
    let Some(a) = actor else { return Ok(None) };
    Ok(svc.read(|w| Ok(w.org().staff(a).and_then(|s| s.unit.clone())))?)
}

/// Prints a case: with `--json` the full §10.5 object; otherwise a short summary or the full page.
pub fn print_case(
    app: &App,
    svc: &mut Service<SqliteStore>,
    case: &Case,
    events: &[Event],
    full: bool,
) -> CliResult {
    let actor = app
        .global
        .actor
        .as_deref()
        .and_then(|a| StaffId::parse(a).ok());
    let reader = reader_unit(svc, actor.as_ref())?;
    let tz = svc.read(|w| Ok(w.policy().timezone))?;
    let today = petition_core::clock::local_date(app.now(tz)?, tz);
    let base = if app.global.json {
        Privacy::Full
    } else {
        Privacy::Masked
    };
    let privacy = Privacy::for_reader(case, reader.as_ref(), base);
    let v = case_json(case, events, today, privacy);
    if app.global.json {
        app.print_json(&v);
    } else if full {
        crate::render::case_page(app, &v, false);
    } else {
        summary_line(app, &v);
    }
    Ok(())
}

/// One line (and the open clocks) after a command succeeded.
pub fn summary_line(app: &App, v: &serde_json::Value) {
    let st = v["state"].as_str().unwrap_or("");
    out(&format!(
        "{}  {}  {}: {}",
        v["id"].as_str().unwrap_or(""),
        app.e(st),
        app.l("holder"),
        v["holder"].as_str().unwrap_or("-")
    ));
    if let Some(clocks) = v["clocks"].as_array() {
        for c in clocks.iter().filter(|c| c["stopped_at"].is_null()) {
            let (status, _) = crate::render::clock_status(app, c);
            out(&format!(
                "  {} {} {} ({}) {}",
                crate::i18n::clock_label(app.lang, c["kind"].as_str().unwrap_or("")),
                app.l("due"),
                c["due"].as_str().unwrap_or(""),
                c["unit"].as_str().unwrap_or(""),
                status
            ));
        }
    }
}

/// Runs a case command as the actor at `--now` and prints the case.
pub fn run_case_command(app: &App, id: &str, cmd: Command) -> CliResult {
    let id = case_id(id)?;
    let actor = app.actor()?;
    let mut svc = app.open()?;
    let now = app.now_in(&mut svc)?;
    svc.execute(&actor, now, &id, cmd)?;
    let (case, events) = svc.load(&id)?;
    print_case(app, &mut svc, &case, &events, false)
}
