//! `petition show`: one case, with clocks evaluated at --now and, with --timeline, its history.

use petition_core::view::case_json;
use petition_core::Reveal;

use super::case_id;
use crate::app::{App, CliResult, Reply};

/// Show a case: its data, clocks (overdue highlighted), supervisions, and optionally its timeline.
/// Personal data is shown in full to staff of the units that register, hold, lead or assist the
/// case (and each such showing is recorded in the access log); other readers see it masked.
/// A case the reader may not read answers exactly like an unknown case.
///
/// Example: petition --as li show XF2026-000001 --timeline
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Case id
    pub case: String,
    /// Also show the history of the case
    #[arg(long)]
    pub timeline: bool,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let id = case_id(&a.case)?;
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let (shown, names, cal) = svc.read(|w| {
        let shown = w.show(&s.principal, &id, Reveal::AsAllowed)?;
        let names = app.wants_meta.then(|| crate::render::Names::of(w.org()));
        Ok((shown, names, w.calendar().clone()))
    })?;
    let shown = app.record(&mut svc, &s, shown)?;
    let today = s.today(app)?;
    let mut r = Reply::of(case_json(&shown.case, &shown.events, today, shown.privacy));
    r.meta.names = names;
    r.meta.warnings = super::calendar_warnings(&cal, &r.doc);
    Ok(r)
}

pub fn render(app: &App, a: &Args, r: &Reply) {
    let names = r.meta.names.clone().unwrap_or_default();
    crate::render::case_page(app, &r.doc, a.timeline, &names);
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, self, r);
        Ok(())
    }
}
