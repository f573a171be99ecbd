//! `petition notice`: the written notices a clerk prints, as text or a printable HTML page.

use petition_core::notice::KINDS;
use petition_core::Lang;
use serde_json::json;

use super::case_id;
use crate::app::{out, App, CliResult, Reply};

/// Print a written notice for a case: the registration receipt (登记回执) for the petitioner,
/// acceptance (受理告知书), decline (不予受理告知书), extension
/// (延期告知书), opinion (处理意见书), review (复查意见书), rereview (复核意见书), routing
/// (转送单/交办单) or supervision (督办单). Chinese unless --lang en; HTML with --html or an
/// --out file ending in .html.
///
/// Examples:
///   petition notice XF2026-000001 --kind receipt
///   petition notice XF2026-000001 --kind acceptance
///   petition notice XF2026-000001 --kind opinion --out opinion.html
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
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

/// Whether the notice is asked for as a printable HTML page.
fn wants_html(a: &Args) -> bool {
    a.html
        || a.out.as_ref().is_some_and(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html"))
        })
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let id = case_id(&a.case)?;
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    // Notices are Chinese documents unless English is asked for explicitly.
    let lang = if app.global.lang.as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Zh
    };
    let n = svc.read(|w| w.notice(&s.principal, &id, &a.kind, lang, a.supervision, None))?;
    let n = app.record(&mut svc, &s, n)?;
    Ok(notice_reply(&n, wants_html(a)))
}

/// The reply of a notice: its title, paragraphs and text, and the body to print or write.
pub fn notice_reply(n: &petition_core::notice::Notice, html: bool) -> Reply {
    let mut r =
        Reply::of(json!({"title": n.title, "paragraphs": n.paragraphs, "text": n.to_text()}));
    r.meta.body = Some(if html { n.to_html() } else { n.to_text() });
    r
}

/// Checks `--out` before the notice is made (the file is written after).
pub fn check_out(app: &App, a: &Args) -> CliResult<Option<std::path::PathBuf>> {
    a.out
        .as_deref()
        .map(|p| crate::outfile::check(app, p))
        .transpose()
}

/// Writes the notice to the `--out` file (checked by [`check_out`]), or prints it.
pub fn render(app: &App, out_path: Option<&std::path::Path>, r: &Reply) -> CliResult {
    let body = r.meta.body.clone().unwrap_or_default();
    let title = r.doc["title"].as_str().unwrap_or("");
    match out_path {
        Some(p) => {
            crate::outfile::write(p, body.as_bytes())?;
            if app.global.json {
                app.print_json(&json!({"title": title, "out": p}));
            } else {
                out(&format!("{title} → {}", p.display()));
            }
        }
        None if app.global.json => app.print_json(&r.doc),
        None => out(body.trim_end()),
    }
    Ok(())
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn check(&self, app: &App) -> CliResult<Option<std::path::PathBuf>> {
        check_out(app, self)
    }
    fn render(&self, app: &App, r: &Reply, out: Option<&std::path::Path>) -> CliResult {
        render(app, out, r)
    }
    fn renders_json(&self) -> bool {
        true
    }
}
