//! `petition status`: the petitioner's own view with the query code (2005 Art 12); no actor.
//! The same view as the public status page (`petition_core::public::status`).

use super::case_id;
use crate::app::{out, App, CliResult, Reply};

/// Show a case's public status — state, responsible unit, steps, due dates, answers and what the
/// petitioner may do next — with its query code. A wrong code answers exactly like an unknown case.
///
/// Example: petition status XF2026-000001 --code K7PX3MQA
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Case id
    pub case: String,
    /// The query code (查询码) printed on the acceptance notice
    #[arg(long)]
    pub code: String,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    // The id is checked as any id (a malformed one is a usage error, as everywhere); a wrong or
    // malformed code answers exactly like an unknown case.
    let id = case_id(&a.case)?;
    let mut svc = app.open()?;
    let tz = svc.read(|w| Ok(w.policy().timezone))?;
    let view = svc.public_status(id.as_str(), &a.code, app.now(tz)?)?;
    Ok(Reply::of(serde_json::to_value(view).map_err(|e| {
        crate::app::CliError::from(petition_core::DomainError::from(
            petition_core::StorageError::internal(&e.to_string()),
        ))
    })?))
}

pub fn render(app: &App, r: &Reply) {
    let v = &r.doc;
    let s = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
    out(&format!(
        "{}  {}",
        s(&v["id"]),
        app.field("state", &s(&v["state"]))
    ));
    out(&format!(
        "{}: {}",
        app.l("holder"),
        v["holder"].as_str().unwrap_or("-")
    ));
    for d in v["due"].as_array().into_iter().flatten() {
        out(&format!(
            "  {} {} {}{}",
            crate::i18n::field_label(app.lang, "clock", &s(&d["kind"])),
            app.l("due"),
            s(&d["due"]),
            if d["overdue"].as_bool() == Some(true) {
                format!(" {}", app.l("overdue"))
            } else {
                String::new()
            }
        ));
    }
    for a in v["answers"].as_array().into_iter().flatten() {
        out(&format!(
            "  {} {} {}: {}",
            s(&a["on"]),
            s(&a["unit"]),
            app.field("outcome", &s(&a["outcome"])),
            s(&a["text"])
        ));
    }
    for n in v["next"].as_array().into_iter().flatten() {
        out(&format!(
            "  {} {} {}",
            app.field("action", &s(&n["action"])),
            app.l("due"),
            s(&n["until"])
        ));
    }
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, r);
        Ok(())
    }
}
