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
    #[arg(long, value_parser = crate::app::word::<petition_core::case::CaseState>())]
    pub state: Vec<String>,
    /// Only cases held or led by this unit (code or name)
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
    /// At most this many (1–1000)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Continue after an earlier page: the `next` it gave
    #[arg(long, value_name = "NEXT")]
    pub after: Option<String>,
}

pub fn reply(cases: Vec<Value>, total: u64, next: Option<usize>) -> Reply {
    // Moved into the document: `json!` would serialise the summaries into a copy.
    let mut doc = serde_json::Map::new();
    doc.insert("cases".into(), Value::Array(cases));
    doc.insert("total".into(), Value::from(total));
    doc.insert(
        "next".into(),
        next.map_or(Value::Null, |n| Value::String(n.to_string())),
    );
    Reply::of(Value::Object(doc))
}

/// The most cases one page of a list holds.
pub const MAX_LIMIT: usize = 1000;

/// A page's size (1–1000) and start (`--after`: the `next` of the page before), checked.
pub fn page(limit: usize, after: Option<&str>) -> CliResult<(usize, usize)> {
    if limit == 0 || limit > MAX_LIMIT {
        return Err(DomainError::from(Refusal::field(
            "limit",
            &format!("must be from 1 to {MAX_LIMIT}: ask for the next page with the answer's next"),
            &format!("须在 1 到 {MAX_LIMIT} 之间：下一页请使用应答中的 next"),
        ))
        .into());
    }
    let offset = match after {
        None => 0,
        Some(a) => a.parse::<usize>().map_err(|_| {
            DomainError::from(Refusal::field(
                "after",
                "is not a position this list gave as its next page",
                "不是列表给出的下一页位置",
            ))
        })?,
    };
    Ok((limit, offset))
}

/// `list`, `queue` and `overdue` as a table, under the heading of each.
pub fn render(app: &App, heading: Option<String>, r: &Reply) {
    if let Some(h) = heading {
        out(&h);
    }
    let cases = r.doc["cases"].as_array().cloned().unwrap_or_default();
    crate::render::case_list(app, &cases, r.meta.names.as_ref());
    if cases.is_empty() {
        return;
    }
    let total = r.doc["total"].as_u64().unwrap_or(cases.len() as u64);
    let noun = if total == 1 { "case_one" } else { "cases" };
    let key = if total == cases.len() as u64 {
        "shown_all"
    } else {
        "shown_of"
    };
    let mut line = app
        .l(key)
        .replace("{n}", &cases.len().to_string())
        .replace("{total}", &total.to_string())
        .replace("{cases}", app.l(noun));
    if let Some(next) = r.doc["next"].as_str() {
        line.push_str(&app.l("next_page").replace("{next}", next));
    }
    out(&line);
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
                "due_within",
                "is too far in the future: give a number of days up to a few years",
                "天数过大：请给出不超过几年的天数",
            )))
        })
}

pub fn list(app: &App, a: &ListArgs) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let today = s.today(app)?;
    let (limit, offset) = page(a.limit, a.after.as_deref())?;
    let q = CaseQuery {
        states: a.state.iter().filter_map(|s| CaseState::parse(s)).collect(),
        unit: a.unit.as_deref().map(|u| unit(app, u)).transpose()?,
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
        limit,
        offset,
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
    let r = list_reply(&mut svc, &s, &q, today)?;
    with_names(app, &mut svc, r)
}

/// A list's reply with the units' names for its human table (not for `--json`).
pub fn with_names(
    app: &App,
    svc: &mut petition_core::Service<crate::app::Db>,
    mut r: Reply,
) -> CliResult<Reply> {
    if app.wants_meta {
        r.meta.names = Some(svc.read(|w| Ok(crate::render::Names::of(w.org())))?);
    }
    Ok(r)
}

/// A page of the cases matching `q` that the session may read.
fn list_reply(
    svc: &mut petition_core::Service<crate::app::Db>,
    s: &crate::app::Session,
    q: &CaseQuery,
    today: chrono::NaiveDate,
) -> CliResult<Reply> {
    let page = svc.read(|w| {
        if let Some(u) = &q.unit {
            w.org().get(u)?;
        }
        w.list_page(&s.principal, q)
    })?;
    Ok(reply(
        page.cases
            .iter()
            .map(|b| case_summary_json(&b.case, today))
            .collect(),
        page.total,
        page.next,
    ))
}

/// Show the acting unit's work, most urgent first (the overdue first, then by due date; major
/// and collective cases marked 【重】【集】): cases to accept, to handle, to review, assist
/// inputs and supervisions owed, objections to decide, supervisions issued, and first-contact
/// follow-ups until a competent unit accepts (初访首问). Up to 200 by default, and the footer says
/// how many there are in all. With --mine: the open cases you carry as case officer (承办人:
/// `take` or `hand`).
///
/// Examples:
///   petition --as wang queue
///   petition --as wang queue --mine
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct QueueArgs {
    /// At most this many (1–1000)
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    /// Continue after an earlier page: the `next` it gave
    #[arg(long, value_name = "NEXT")]
    pub after: Option<String>,
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
    let (limit, offset) = page(a.limit, a.after.as_deref())?;
    let q = a.mine.then(|| CaseQuery {
        states: CaseState::ALL
            .iter()
            .copied()
            .filter(|st| !st.is_terminal())
            .collect(),
        officer: Some(s.staff.id.clone()),
        limit,
        offset,
        ..CaseQuery::default()
    });
    type Listed = (Vec<Case>, u64, Option<usize>, Option<String>);
    let (cases, total, next, name): Listed = svc.read(|w| {
        let (cases, total, next) = match &q {
            Some(q) => {
                let p = w.list_page(&s.principal, q)?;
                (
                    p.cases.into_iter().map(|b| b.case).collect(),
                    p.total,
                    p.next,
                )
            }
            None => {
                let (items, total, next) = w.queue_page(&s.principal, limit, offset)?;
                (
                    items.into_iter().map(|(b, _)| b.case).collect(),
                    total,
                    next,
                )
            }
        };
        // The heading names the unit ("甲县信访局 (cty-a-xfj)"), as other human output does.
        let name = w.org().unit(&me).map(|u| u.name.clone());
        Ok((cases, total, next, name))
    })?;
    // Each case with what it asks of this unit and by when (待办).
    let head = s.staff.role == petition_core::org::Role::Head;
    let mut r = reply(
        cases
            .iter()
            .map(|c| {
                let mut v = case_summary_json(c, today);
                v["needs"] = serde_json::json!(petition_core::needs::needs(c, &me, head, today));
                v
            })
            .collect(),
        total,
        next,
    );
    r.meta.unit = Some(crate::render::named(name.as_ref(), me.as_str()));
    with_names(app, &mut svc, r)
}

/// List overdue work (超期), most overdue first.
///
/// Example: petition overdue --unit cty-a-zjj --limit 20
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct OverdueArgs {
    /// Only cases held or led by this unit (code or name)
    #[arg(long)]
    pub unit: Option<String>,
    /// At most this many (1–1000)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Continue after an earlier page: the `next` it gave
    #[arg(long, value_name = "NEXT")]
    pub after: Option<String>,
}

pub fn overdue(app: &App, a: &OverdueArgs) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let s = app.session(&mut svc)?;
    let today = s.today(app)?;
    let (limit, offset) = page(a.limit, a.after.as_deref())?;
    let q = CaseQuery {
        unit: a.unit.as_deref().map(|u| unit(app, u)).transpose()?,
        overdue_on: Some(today),
        limit,
        offset,
        order: Order::Urgent,
        ..CaseQuery::default()
    };
    let r = list_reply(&mut svc, &s, &q, today)?;
    with_names(app, &mut svc, r)
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
