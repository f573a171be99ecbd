//! `petition show`: one case, with clocks evaluated at --now and, with --timeline, its history.

use petition_core::view::{case_json, Privacy};
use petition_core::StaffId;

use super::{case_id, reader_unit};
use crate::app::{App, CliResult};

/// Show a case: its data, clocks (overdue highlighted), supervisions, and optionally its timeline.
/// Personal data is masked in this view; staff of an accused unit see no petitioner details.
///
/// Example: petition show XF2026-000001 --timeline
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case id
    pub case: String,
    /// Also show the history of the case
    #[arg(long)]
    pub timeline: bool,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let id = case_id(&a.case)?;
    let mut svc = app.open()?;
    let (case, events) = svc.load(&id)?;
    let actor = app
        .global
        .actor
        .as_deref()
        .map(StaffId::parse)
        .transpose()?;
    let reader = reader_unit(&mut svc, actor.as_ref())?;
    let tz = svc.read(|w| Ok(w.policy().timezone))?;
    let today = petition_core::clock::local_date(app.now(tz)?, tz);
    let base = if app.global.json {
        Privacy::Full
    } else {
        Privacy::Masked
    };
    let v = case_json(
        &case,
        &events,
        today,
        Privacy::for_reader(&case, reader.as_ref(), base),
    );
    if app.global.json {
        app.print_json(&v);
    } else {
        crate::render::case_page(app, &v, a.timeline);
    }
    Ok(())
}
