//! `petition status`: the petitioner's own view with the query code (2005 Art 12); no actor.

use petition_core::view::public_status_json;

use super::case_id;
use crate::app::{out, App, CliResult, Reply};

/// Show a case's public status — state, responsible unit, due dates, answers — with its query code.
/// A wrong code answers exactly like an unknown case.
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
    let (case, _) = svc.by_query_code(id.as_str(), &a.code)?;
    let org = svc.read(|w| Ok(w.org().clone()))?;
    let tz = svc.read(|w| Ok(w.policy().timezone))?;
    let today = petition_core::clock::local_date(app.now(tz)?, tz);
    Ok(Reply::of(public_status_json(&case, &org, today)))
}

pub fn render(app: &App, r: &Reply) {
    let v = &r.doc;
    let id = v["id"].as_str().unwrap_or("");
    out(&format!(
        "{}  {}",
        id,
        app.e(v["state"].as_str().unwrap_or(""))
    ));
    out(&format!(
        "{}: {}",
        app.l("holder"),
        v["holder"].as_str().unwrap_or("-")
    ));
    for d in v["due"].as_array().into_iter().flatten() {
        out(&format!(
            "  {} {} {}",
            crate::i18n::clock_label(app.lang, d["kind"].as_str().unwrap_or("")),
            app.l("due"),
            d["due"].as_str().unwrap_or("")
        ));
    }
    for w in v["windows"].as_array().into_iter().flatten() {
        out(&format!(
            "  {} {} {}",
            crate::i18n::clock_label(app.lang, w["kind"].as_str().unwrap_or("")),
            app.l("due"),
            w["due"].as_str().unwrap_or("")
        ));
    }
    for k in [
        "outcome",
        "review_outcome",
        "rereview_outcome",
        "decline_ground",
    ] {
        if let Some(x) = v[k].as_str() {
            out(&format!("  {}", app.e(x)));
        }
    }
}
