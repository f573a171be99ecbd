//! `petition query-code reset`: a petitioner who lost the query code (查询码) gets a new one.

use petition_core::Lang;
use serde_json::json;

use super::case_id;
use crate::app::{App, CliResult, Reply};

/// The query code (查询码) a petitioner follows the case with.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: QueryCodeCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum QueryCodeCmd {
    /// Give the petitioner a new query code (the old one stops working): by the registering unit
    /// or a petition office whose area includes the case. The new code is shown this once — the
    /// database keeps only its salted hash — and the reset is recorded in the history and the
    /// access log.
    ///
    /// Example: petition --as li query-code reset XF2026-000001 --receipt 回执.html
    #[command(verbatim_doc_comment)]
    Reset {
        /// Case id
        case: String,
        /// Also write a new registration receipt (登记回执) with the new code to this file (.html
        /// for a printable page)
        #[arg(long, value_name = "FILE")]
        receipt: Option<std::path::PathBuf>,
    },
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let QueryCodeCmd::Reset { case, receipt } = &a.cmd;
    let id = case_id(case)?;
    if let (Some(p), true) = (receipt, app.is_local()) {
        crate::outfile::check(app, p)?;
    }
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let when = session.write_when(app)?;
    let code = svc.prepare_query_code();
    let lang = if app.global.lang.as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Zh
    };
    let (brief, new_code, shown, notice) = svc.work(|w| {
        let (brief, new_code) = w.reset_query_code(&session.principal, when, &id, code.clone())?;
        let shown = super::after_write(app, w, &session, &id, "query-code reset")?;
        let notice = match receipt {
            Some(_) => {
                let n = w.notice(
                    &session.principal,
                    &id,
                    "receipt",
                    lang,
                    None,
                    Some(&new_code),
                )?;
                Some(w.reveal(n, when)?)
            }
            None => None,
        };
        Ok((brief, new_code, shown, notice))
    })?;
    let mut r = super::case_reply(&shown, session.today(app)?, brief.seq_before);
    r.doc["query_code"] = json!(new_code);
    if let (Some(n), Some(path)) = (notice, receipt) {
        let html = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html"));
        r.meta.body = Some(if html { n.to_html() } else { n.to_text() });
    }
    Ok(r)
}

/// The new code, and the receipt written to `--receipt`.
pub fn render(app: &App, a: &Args, r: &Reply) -> CliResult {
    let QueryCodeCmd::Reset { receipt, .. } = &a.cmd;
    if let (Some(path), Some(body)) = (receipt, &r.meta.body) {
        crate::outfile::write(path, body.as_bytes())?;
    }
    if app.global.json {
        app.print_json(&r.doc);
        return Ok(());
    }
    super::summary_line(app, &r.doc, r.meta.recorded_after.unwrap_or(0));
    if let Some(q) = r.doc["query_code"].as_str() {
        crate::app::out(&format!(
            "  {}: {q} ({})",
            app.l("query_code"),
            app.l("query_code_once")
        ));
    }
    if let Some(path) = receipt {
        crate::app::out(&format!("  {} → {}", app.l("receipt"), path.display()));
    }
    Ok(())
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, self, r)
    }
    fn renders_json(&self) -> bool {
        true
    }
}
