//! `search`: find cases by a word of their summary or content, a petitioner's name, or the end
//! of a phone or id number.

use petition_core::search::Needle;
use petition_core::view::case_summary_json;

use crate::app::{App, CliResult, Reply};

/// Find cases you may read by a word of their summary or content or a petitioner's name (Chinese
/// from one character: 漏 finds 房屋漏水), or by the end of a phone or id number (4 characters or
/// more). Several words separated by spaces must all match (王 漏水: a 王 whose case is about a
/// leak). Newest case number first. Names and numbers count as you see them: where a case shows
/// you 王某 and 138****5678, a full name finds nothing and only the last four digits match.
///
/// Examples:
///   petition --as li search 漏水
///   petition --as li search 王 大山
///   petition --as li search 5678
///   petition --as li --json search 征地 --limit 100
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// What to look for: Chinese text, a word, a name, or a number's last digits; several
    /// words must all match
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    /// At most this many (1–1000)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Continue after an earlier page: the `next` it gave
    #[arg(long, value_name = "NEXT")]
    pub after: Option<String>,
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let needle = Needle::parse(&a.text.join(" "))?;
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let today = s.today(app)?;
    let (limit, offset) = super::list::page(a.limit, a.after.as_deref())?;
    let page = svc.read(|w| w.search_page(&s.principal, &needle, limit, offset))?;
    let r = super::list::reply(
        page.cases
            .iter()
            .map(|b| case_summary_json(&b.case, today))
            .collect(),
        page.total,
        page.next,
    );
    super::list::with_names(app, &mut svc, r)
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        super::list::render(app, None, r);
        Ok(())
    }
}
