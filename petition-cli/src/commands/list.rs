//! Views over many cases: `list`, `queue` (the acting unit's work) and `overdue`.

use petition_core::case::{Case, CaseState};
use petition_core::store::{CaseQuery, Order};
use petition_core::view::case_summary_json;
use petition_core::DomainError;
use petition_core::Refusal;
use serde_json::Value;

use super::unit;
use crate::app::{out, parse_date, App, CliResult, Reply};

/// List cases with filters, newest first.
///
/// Examples:
///   petition list --state handling --unit cty-a-zjj
///   petition list --overdue --limit 20
///   petition list --from 2026-03-01 --to 2026-03-31
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ListArgs {
    /// Only cases in this state (repeatable)
    #[arg(long, value_parser = crate::app::one_of(petition_core::case::CaseState::ALL, |x| x.as_str()))]
    pub state: Vec<String>,
    /// Only cases held or led by this unit
    #[arg(long)]
    pub unit: Option<String>,
    /// Only cases with an overdue clock
    #[arg(long)]
    pub overdue: bool,
    /// Only cases with a duty due within this many days
    #[arg(long, value_name = "DAYS")]
    pub due_within: Option<u32>,
    /// Only cases whose petitioner's name contains this text
    #[arg(long)]
    pub petitioner: Option<String>,
    /// Only cases carried by this case officer (承办人; staff id)
    #[arg(long, value_name = "STAFF")]
    pub officer: Option<String>,
    /// Registered on or after (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<String>,
    /// Registered on or before (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<String>,
    /// Only the case registered with another system's id, SYSTEM:ID
    #[arg(long, value_name = "SYSTEM:ID")]
    pub external_ref: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

pub fn reply(cases: Vec<Value>) -> Reply {
    // Moved into the document: `json!` would serialise the summaries into a copy.
    let mut doc = serde_json::Map::new();
    doc.insert("cases".into(), Value::Array(cases));
    Reply::of(Value::Object(doc))
}

/// `list`, `queue` and `overdue` as a table, under the heading of each.
pub fn render(app: &App, heading: Option<String>, r: &Reply) {
    if let Some(h) = heading {
        out(&h);
    }
    let cases = r.doc["cases"].as_array().cloned().unwrap_or_default();
    crate::render::case_list(app, &cases);
}

/// The heading of `queue`: whose work it is.
pub fn queue_heading(app: &App, r: &Reply) -> Option<String> {
    let label = app.l("queue_of");
    // "Work queue of X", "待办事项：X" (no space after a full-width colon).
    let gap = if label.ends_with('：') { "" } else { " " };
    Some(format!(
        "{label}{gap}{}",
        r.meta.unit.as_deref().unwrap_or("-")
    ))
}

/// `today + days`, or a validation error past the end of the calendar.
fn days_after(today: chrono::NaiveDate, days: u32) -> CliResult<chrono::NaiveDate> {
    today
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .ok_or_else(|| {
            crate::app::CliError::from(DomainError::from(Refusal::field(
                "due-within",
                "is too far in the future: give a number of days up to a few years",
                "天数过大：请给出不超过几年的天数",
            )))
        })
}

pub fn list(app: &App, a: &ListArgs) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let today = s.today(app)?;
    let q = CaseQuery {
        states: a.state.iter().filter_map(|s| CaseState::parse(s)).collect(),
        unit: a.unit.as_deref().map(unit).transpose()?,
        overdue_on: a.overdue.then_some(today),
        due_by: a.due_within.map(|n| days_after(today, n)).transpose()?,
        petitioner: a.petitioner.clone().filter(|p| !p.is_empty()),
        officer: a
            .officer
            .as_deref()
            .map(petition_core::StaffId::parse)
            .transpose()?,
        from: a
            .from
            .as_deref()
            .map(|d| parse_date("from", d))
            .transpose()?,
        to: a.to.as_deref().map(|d| parse_date("to", d)).transpose()?,
        limit: a.limit,
        offset: 0,
        reach: None,
        external_ref: a
            .external_ref
            .as_deref()
            .map(petition_core::ExternalRef::parse)
            .transpose()?,
        order: if a.overdue || a.due_within.is_some() {
            Order::Urgent
        } else {
            Order::Newest
        },
    };
    let cases = svc.read(|w| {
        if let Some(u) = &q.unit {
            w.org().get(u)?;
        }
        w.list(&s.principal, &q)
    })?;
    Ok(reply(
        cases
            .iter()
            .map(|b| case_summary_json(&b.case, today))
            .collect(),
    ))
}

/// Show the acting unit's work, most urgent first: cases to accept, to handle, to review, assist
/// inputs and supervisions owed, objections to decide, supervisions issued, and first-contact
/// follow-ups until a competent unit accepts (初访首问). With --mine: the open cases you carry as
/// case officer (承办人: `take` or `hand`).
///
/// Examples:
///   petition --as wang queue
///   petition --as wang queue --mine
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct QueueArgs {
    /// At most this many
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Only the open cases you carry as case officer (承办人), newest first
    #[arg(long)]
    pub mine: bool,
}

pub fn queue(app: &App, a: &QueueArgs) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let me = s.staff.unit.clone().ok_or_else(|| {
        DomainError::from(Refusal::NoUnitForActor {
            staff: s.staff.id.clone(),
        })
    })?;
    let today = s.today(app)?;
    let q = a.mine.then(|| CaseQuery {
        states: CaseState::ALL
            .iter()
            .copied()
            .filter(|st| !st.is_terminal())
            .collect(),
        officer: Some(s.staff.id.clone()),
        limit: a.limit,
        ..CaseQuery::default()
    });
    let (cases, name): (Vec<Case>, Option<String>) = svc.read(|w| {
        let cases = match &q {
            Some(q) => w
                .list(&s.principal, q)?
                .into_iter()
                .map(|b| b.case)
                .collect(),
            None => w
                .queue(&s.principal, a.limit)?
                .into_iter()
                .map(|(b, _)| b.case)
                .collect(),
        };
        // The heading names the unit ("甲县信访局 (cty-a-xfj)"), as other human output does.
        let name = w.org().unit(&me).map(|u| u.name.clone());
        Ok((cases, name))
    })?;
    let mut r = reply(cases.iter().map(|c| case_summary_json(c, today)).collect());
    r.meta.unit = Some(crate::render::named(name.as_ref(), me.as_str()));
    Ok(r)
}

/// List overdue work (超期), most overdue first.
///
/// Example: petition overdue --unit cty-a-zjj --limit 20
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct OverdueArgs {
    /// Only cases held or led by this unit
    #[arg(long)]
    pub unit: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

pub fn overdue(app: &App, a: &OverdueArgs) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let today = s.today(app)?;
    let q = CaseQuery {
        unit: a.unit.as_deref().map(unit).transpose()?,
        overdue_on: Some(today),
        limit: a.limit,
        order: Order::Urgent,
        ..CaseQuery::default()
    };
    let cases = svc.read(|w| {
        if let Some(u) = &q.unit {
            w.org().get(u)?;
        }
        w.list(&s.principal, &q)
    })?;
    Ok(reply(
        cases
            .iter()
            .map(|b| case_summary_json(&b.case, today))
            .collect(),
    ))
}

impl super::Run for ListArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(list(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, None, r);
        Ok(())
    }
}

impl super::Run for QueueArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(queue(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, queue_heading(app, r), r);
        Ok(())
    }
}

impl super::Run for OverdueArgs {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(overdue(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, Some(app.l("overdue_list").to_string()), r);
        Ok(())
    }
}
