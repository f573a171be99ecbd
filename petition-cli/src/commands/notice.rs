//! `petition notice`: the written notices a clerk prints, as text or a printable HTML page.

use petition_core::error::msg;
use petition_core::notice::{render, KINDS};
use petition_core::view::Privacy;
use petition_core::{DomainError, Lang, StaffId};
use serde_json::json;

use super::{case_id, reader_unit};
use crate::app::{out, App, CliError, CliResult};

/// Print a written notice for a case: acceptance (受理告知书), decline (不予受理告知书), extension
/// (延期告知书), opinion (处理意见书), review (复查意见书), rereview (复核意见书), routing
/// (转送单/交办单) or supervision (督办单). Chinese unless --lang en; HTML with --html or an
/// --out file ending in .html.
///
/// Examples:
///   petition notice XF2026-000001 --kind acceptance
///   petition notice XF2026-000001 --kind opinion --out opinion.html
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case id
    pub case: String,
    /// The notice
    #[arg(long, value_parser = KINDS)]
    pub kind: String,
    /// Write to this file
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// A printable HTML page instead of text
    #[arg(long)]
    pub html: bool,
    /// For --kind supervision: which supervision (default: the latest)
    #[arg(long)]
    pub supervision: Option<u32>,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let id = case_id(&a.case)?;
    let mut svc = app.open()?;
    let (case, events) = svc.load(&id)?;
    let org = svc.read(|w| Ok(w.org().clone()))?;
    let actor = app
        .global
        .actor
        .as_deref()
        .map(StaffId::parse)
        .transpose()?;
    let reader = reader_unit(&mut svc, actor.as_ref())?;
    let privacy = Privacy::for_reader(&case, reader.as_ref(), Privacy::Full);
    // Notices are Chinese documents unless English is asked for explicitly.
    let lang = if app.global.lang.as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Zh
    };
    let n = render(&case, &events, &org, &a.kind, lang, privacy, a.supervision)?;
    let html = a.html
        || a.out.as_ref().is_some_and(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html"))
        });
    let doc = if html { n.to_html() } else { n.to_text() };
    match &a.out {
        Some(p) => {
            std::fs::write(p, &doc).map_err(|e| {
                CliError(DomainError::Internal(msg::internal(&format!(
                    "cannot write {}: {e}",
                    p.display()
                ))))
            })?;
            if app.global.json {
                app.print_json(&json!({"title": n.title, "out": p}));
            } else {
                out(&format!("{} → {}", n.title, p.display()));
            }
        }
        None if app.global.json => app.print_json(
            &json!({"title": n.title, "paragraphs": n.paragraphs, "text": n.to_text()}),
        ),
        None => out(doc.trim_end()),
    }
    Ok(())
}
