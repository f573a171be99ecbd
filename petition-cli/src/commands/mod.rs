//! One module per command (or per small group of commands), each with an `Args` struct whose doc
//! comment is its `--help` and a `run` function: parse → one service call → render.

pub mod access_log;
pub mod admin;
pub mod amend;
pub mod appeal;
pub mod backup;
pub mod calendar;
pub mod completions;
pub mod copy;
pub mod demo;
pub mod export;
pub mod handle;
pub mod init;
pub mod list;
pub mod notice;
pub mod policy;
pub mod register;
pub mod route;
pub mod search;
pub mod show;
pub mod stats;
pub mod status;
pub mod supervise;
pub mod verify;

use petition_core::access::Access;
use petition_core::org::Staff;
use petition_core::view::{case_json, Privacy};
use petition_core::{Case, CaseId, Command, Event, UnitCode};

use crate::app::{out, App, CliResult, Reply};

/// Parses a case id argument.
pub fn case_id(s: &str) -> CliResult<CaseId> {
    Ok(CaseId::parse(s)?)
}

/// Parses a unit code argument.
pub fn unit(s: &str) -> CliResult<UnitCode> {
    Ok(UnitCode::parse(s)?)
}

/// A case as `reader` may see it after a command: the full case document, shown with `--json`,
/// otherwise as a short summary (no personal data) of what the command recorded. The caller has
/// recorded the disclosure when personal data is shown in full (`shows_pii`).
pub fn case_reply(
    case: &Case,
    events: &[Event],
    access: Access,
    now: chrono::DateTime<chrono::FixedOffset>,
    recorded_after: u32,
) -> Reply {
    let today = petition_core::clock::local_date(now, *now.offset());
    let mut r = Reply::of(case_json(case, events, today, Privacy::of(access)));
    r.meta.recorded_after = Some(recorded_after);
    r
}

/// Whether printing a case with this access shows personal data in full (and must be logged):
/// the JSON document and the full page carry the petitioners; the one-line summary does not.
pub fn shows_pii(app: &App, access: Access, full_page: bool) -> bool {
    access == Access::Full && (app.global.json || full_page)
}

/// After a write by `staff`: the case, its history and the staff's access to it, with the
/// disclosure recorded in the same transaction when the output will show personal data.
pub fn after_write(
    app: &App,
    w: &mut petition_core::service::Work<
        '_,
        <crate::app::Db as petition_core::store::Store>::Txn<'_>,
    >,
    staff: &Staff,
    id: &CaseId,
    command: &str,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> petition_core::error::Result<(Case, Vec<Event>, Access)> {
    let (case, events) = w.load(id)?;
    // A case that became unreadable to its own actor (none should) prints without personal data.
    let access = match petition_core::access::access(w.org(), staff, &case) {
        Access::Hidden => Access::Masked,
        a => a,
    };
    if shows_pii(app, access, false) {
        w.disclose(staff, Some(id), command, now)?;
    }
    Ok((case, events, access))
}
/// One line (and the open clocks) after a command succeeded.
pub fn summary_line(app: &App, v: &serde_json::Value, recorded_after: u32) {
    let st = v["state"].as_str().unwrap_or("");
    out(&format!(
        "{}  {}  {}: {}",
        v["id"].as_str().unwrap_or(""),
        app.e(st),
        app.l("holder"),
        v["holder"].as_str().unwrap_or("-")
    ));
    // What the command recorded: its events, with what they say.
    for e in v["events"].as_array().into_iter().flatten().filter(|e| {
        e["seq"]
            .as_u64()
            .is_some_and(|n| n > u64::from(recorded_after))
    }) {
        let detail = crate::render::event_detail(app, e);
        out(&format!(
            "  {} {}{}",
            app.l("recorded"),
            app.e(e["type"].as_str().unwrap_or("")),
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
                crate::i18n::clock_label(app.lang, c["kind"].as_str().unwrap_or("")),
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
    let staff = session.staff.clone();
    let now = session.write_now(app)?;
    let cmd = make(now)?;
    let name = cmd.name();
    let (before, (case, events, access)) = svc.work(|w| {
        let before = w.case(&id)?.map_or(0, |c| c.seq);
        w.execute(&staff.id, now, &id, cmd.clone())?;
        Ok((before, after_write(app, w, &staff, &id, name, now)?))
    })?;
    Ok(case_reply(&case, &events, access, now, before))
}
