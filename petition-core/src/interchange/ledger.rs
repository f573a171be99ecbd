//! The ledger (台账): one row per case a reader may read, in words a clerk reads — states,
//! channels, purposes and outcomes by their labels, units and staff by name — with typed cells
//! (dates as dates, id numbers and phones as text) that a spreadsheet writer lays out (the
//! command line writes it as an Excel workbook or a CSV file).
//!
//! Who sees what: every reader gets the cases they may read, masked as their unit reads them
//! (section 9 of the rules: full data where the reader's unit registers, holds, leads or assists
//! the case). Each case a row shows in full is recorded in the access log first, in one
//! transaction before any row is written; a case that became readable in full after that is
//! written masked. An admin reads masked, or everything in full with `include_pii` (recorded
//! as one disclosure of every case).

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::access::{full_units, Access};
use crate::case::{Case, CaseState};
use crate::clock::local_date;
use crate::error::{DomainError, Lang, Refusal, Result};
use crate::ids::{CaseId, UnitCode};
use crate::org::{Org, Role};
use crate::principal::{Disclosed, Principal, When};
use crate::service::Service;
use crate::store::Store;
use crate::view::{mask_address, mask_id, mask_name, mask_phone};

/// Which cases the ledger lists (every filter optional; all must hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerQuery {
    /// Registered on or after this local date.
    pub from: Option<NaiveDate>,
    /// Registered on or before this local date.
    pub to: Option<NaiveDate>,
    /// In one of these states (any state when empty).
    pub states: Vec<CaseState>,
    /// Cases this unit has a part in: registered, holds, leads or assists.
    pub unit: Option<UnitCode>,
    /// Of this category or one under it (`housing` takes `housing.repair`).
    pub category: Option<String>,
    /// Personal data unmasked in every row (admins only).
    pub include_pii: bool,
}

impl LedgerQuery {
    fn takes(&self, case: &Case, tz: FixedOffset) -> bool {
        let day = case.registered_at.map(|t| local_date(t, tz));
        let reg = case.registration.as_ref();
        self.from.is_none_or(|f| day.is_some_and(|d| d >= f))
            && self.to.is_none_or(|t| day.is_some_and(|d| d <= t))
            && (self.states.is_empty() || self.states.contains(&case.state))
            && self
                .unit
                .as_ref()
                .is_none_or(|u| full_units(case).contains(u))
            && self.category.as_deref().is_none_or(|c| {
                reg.is_some_and(|r| {
                    r.category == c
                        || r.category
                            .strip_prefix(c)
                            .is_some_and(|rest| rest.starts_with('.'))
                })
            })
    }
}

/// One cell of the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// Text made of digits that must stay text (id numbers, phones: a spreadsheet would turn
    /// an 18-digit id number into a number and lose its last digits).
    Digits(String),
    /// A local date.
    Date(NaiveDate),
    /// A time, to the second, in its own offset.
    Time(DateTime<FixedOffset>),
    /// A count.
    Number(u64),
    /// Yes or no, in the ledger's language.
    Flag(bool),
    /// Nothing.
    Empty,
}

/// The ledger's columns: key, English header, Chinese header.
pub const LEDGER_COLUMNS: &[(&str, &str, &str)] = &[
    ("id", "Case id", "编号"),
    ("registered_on", "Registered on", "登记日期"),
    ("registered_at", "Registered at", "登记时间"),
    ("received_at", "Received at", "收到时间"),
    ("state", "State", "状态"),
    ("channel", "Channel", "信访形式"),
    ("purpose", "Purpose", "信访目的"),
    ("category", "Category", "内容分类"),
    ("locality", "Locality", "问题属地"),
    ("summary", "Summary", "概况"),
    ("petitioners", "Petitioners", "信访人"),
    ("id_numbers", "Id numbers", "证件号码"),
    ("phones", "Phones", "联系电话"),
    ("addresses", "Addresses", "住址"),
    ("headcount", "Headcount", "人数"),
    ("collective", "Collective", "集体访"),
    ("skip_level", "Skip-level", "越级"),
    ("repeat_of", "Repeat of", "重复件原件"),
    ("accused_unit", "Accused unit", "被反映单位"),
    ("first_contact", "First contact", "首问单位"),
    ("holder", "Holder", "责任单位"),
    ("lead", "Lead", "主办单位"),
    ("officer", "Officer", "承办人"),
    ("outcome", "Outcome", "处理意见"),
    ("review_outcome", "Review outcome", "复查意见"),
    ("rereview_outcome", "Re-review outcome", "复核意见"),
    ("decline_ground", "Decline ground", "不予受理理由"),
    ("close_reason", "Close reason", "办结方式"),
    ("extension_days", "Extension days", "延期天数"),
    ("overdue", "Overdue now", "当前超期"),
    ("next_due", "Next due", "最近到期日"),
    ("attachments", "Files", "附件"),
];

/// The headers in `lang`.
pub fn ledger_headers(lang: Lang) -> Vec<&'static str> {
    LEDGER_COLUMNS
        .iter()
        .map(|(_, en, zh)| match lang {
            Lang::En => *en,
            Lang::Zh => *zh,
        })
        .collect()
}

/// The words of yes and no.
pub fn flag_word(yes: bool, lang: Lang) -> &'static str {
    match (yes, lang) {
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
        (true, Lang::Zh) => "是",
        (false, Lang::Zh) => "否",
    }
}

/// One row of `case` as `full` or masked, in `lang`, at local date `today`; registration days
/// in the time zone `tz`.
pub fn ledger_row(
    case: &Case,
    org: &Org,
    full: bool,
    lang: Lang,
    today: NaiveDate,
    tz: FixedOffset,
) -> Vec<Cell> {
    let reg = case.registration.as_ref();
    let ps = reg.map(|r| r.petitioners.as_slice()).unwrap_or(&[]);
    let text = |s: Option<String>| s.filter(|s| !s.is_empty()).map_or(Cell::Empty, Cell::Text);
    let word = |s: Option<&'static str>| text(s.map(str::to_string));
    let unit = |u: Option<&UnitCode>| {
        text(u.map(|u| {
            org.unit(u)
                .map_or_else(|| u.to_string(), |x| x.name.clone())
        }))
    };
    let pii = |v: Option<&String>, mask: fn(&str) -> String| {
        v.map(|s| if full { s.clone() } else { mask(s) })
    };
    let joined = |items: Vec<Option<String>>| {
        let items: Vec<String> = items.into_iter().flatten().collect();
        (!items.is_empty()).then(|| items.join("; "))
    };
    let digits = |items: Vec<Option<String>>| joined(items).map_or(Cell::Empty, Cell::Digits);
    let duty_open = case
        .clocks
        .iter()
        .filter(|c| c.is_open() && !c.kind.is_window());
    vec![
        Cell::Text(case.id.to_string()),
        case.registered_at
            .map_or(Cell::Empty, |t| Cell::Date(local_date(t, tz))),
        case.registered_at.map_or(Cell::Empty, Cell::Time),
        reg.map_or(Cell::Empty, |r| Cell::Time(r.received_at)),
        Cell::Text(case.state.label(lang).to_string()),
        word(reg.map(|r| r.channel.label(lang))),
        word(reg.map(|r| r.purpose.label(lang))),
        text(reg.map(|r| r.category.clone())),
        unit(reg.map(|r| &r.locality)),
        text(reg.map(|r| r.summary.clone())),
        text(joined(
            ps.iter().map(|p| pii(Some(&p.name), mask_name)).collect(),
        )),
        digits(
            ps.iter()
                .map(|p| pii(p.id_number.as_ref(), mask_id))
                .collect(),
        ),
        digits(
            ps.iter()
                .map(|p| pii(p.phone.as_ref(), mask_phone))
                .collect(),
        ),
        text(joined(
            ps.iter()
                .map(|p| pii(p.address.as_ref(), mask_address))
                .collect(),
        )),
        reg.map_or(Cell::Empty, |r| Cell::Number(u64::from(r.headcount))),
        Cell::Flag(case.collective),
        Cell::Flag(case.skip_level),
        text(case.repeat_of.as_ref().map(|c| c.to_string())),
        unit(case.accused_unit()),
        unit(case.first_contact.as_ref().map(|f| &f.unit)),
        unit(case.holder.as_ref()),
        unit(case.lead.as_ref()),
        text(case.officer.as_ref().map(|s| {
            org.staff(s)
                .map_or_else(|| s.to_string(), |x| x.name.clone())
        })),
        word(case.outcome.map(|o| o.label(lang))),
        word(case.review_outcome.map(|o| o.label(lang))),
        word(case.rereview_outcome.map(|o| o.label(lang))),
        word(case.decline_ground.map(|o| o.label(lang))),
        word(case.close_reason.map(|o| o.label(lang))),
        Cell::Number(u64::from(case.extension_days)),
        Cell::Flag(duty_open.clone().any(|c| c.overdue(today))),
        duty_open
            .map(|c| c.due)
            .min()
            .map_or(Cell::Empty, Cell::Date),
        // The case file's files by title, kind and type (what each is; never its content).
        text(joined(
            case.attachments
                .iter()
                .filter(|a| a.withdrawn.is_none())
                .map(|a| {
                    Some(format!(
                        "{} ({}, {})",
                        a.title,
                        a.kind.label(lang),
                        a.file.content_type.short()
                    ))
                })
                .collect(),
        )),
    ]
}

/// Where the ledger's rows go: `begin` once, after every check passed and the access log has
/// the rows shown in full (write the header there), then each row.
pub trait LedgerSink {
    /// Before the first row.
    fn begin(&mut self) -> Result<()>;
    /// One row, in the order of [`LEDGER_COLUMNS`].
    fn row(&mut self, cells: Vec<Cell>) -> Result<()>;
}

/// A sink that collects the rows (tests, small exports).
impl LedgerSink for Vec<Vec<Cell>> {
    fn begin(&mut self) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, cells: Vec<Cell>) -> Result<()> {
        self.push(cells);
        Ok(())
    }
}

/// Writes the ledger of `q` for `p` to `sink`, in case-number order, at `when` (the access
/// log's time); `today` (the reader's local date) evaluates `overdue`. Returns how many rows
/// were written. A refusal (`include_pii` by a clerk) comes before `begin`: nothing is written.
///
/// ```
/// use petition_core::example::{county, principal, registration};
/// use petition_core::interchange::{ledger, Cell, LedgerQuery};
/// use petition_core::Lang;
/// let (mut svc, now) = county();
/// let li = principal(&mut svc, "li");
/// svc.register(&li, now, registration(now)).unwrap();
/// let mut rows: Vec<Vec<Cell>> = Vec::new();
/// let q = LedgerQuery::default();
/// let n = ledger(&mut svc, &li, now, now.date_naive(), Lang::Zh, &q, &mut rows).unwrap();
/// assert_eq!(n, 1);
/// // The registering office reads its case in full: the id number stays text.
/// assert_eq!(rows[0][11], Cell::Digits("11010519491231002X".into()));
/// ```
pub fn ledger<S: Store>(
    svc: &mut Service<S>,
    p: &Principal,
    when: impl Into<When>,
    today: NaiveDate,
    lang: Lang,
    q: &LedgerQuery,
    sink: &mut dyn LedgerSink,
) -> Result<u64> {
    let plan = ledger_plan(svc, p, q)?;
    let plan = svc.record(plan, when)?;
    ledger_rows(svc, p, &plan, today, lang, q, sink)
}

/// Which cases of a ledger export are shown in full: those of `q` the reader's unit reads in
/// full (every case with `include_pii`, an admin's alone). Each is an access-log entry to record
/// before any row is written ([`crate::Service::record`], or a server's writer); then
/// [`ledger_rows`] writes the rows. A refusal comes here, before anything is written.
#[derive(Clone, Debug, Default)]
pub struct LedgerPlan {
    full: std::collections::BTreeSet<CaseId>,
    include_pii: bool,
}

/// The first half of [`ledger`]: the cases `p` will see in full, with their disclosures waiting
/// to be recorded.
pub fn ledger_plan<S: Store>(
    svc: &mut Service<S>,
    p: &Principal,
    q: &LedgerQuery,
) -> Result<Disclosed<LedgerPlan>> {
    let reader = svc.resolve(p)?;
    if q.include_pii && reader.role != Role::Admin {
        return Err(DomainError::from(Refusal::AdminOnly));
    }
    let tz = svc.read(|w| Ok(w.policy().timezone))?;
    let disclosure = |case: Option<&CaseId>, command: &str| crate::access::Disclosure {
        at: crate::service::unrecorded(),
        staff: reader.id.clone(),
        case: case.cloned(),
        command: command.to_string(),
    };
    let mut plan = LedgerPlan {
        full: std::collections::BTreeSet::new(),
        include_pii: q.include_pii,
    };
    let mut entries = Vec::new();
    if q.include_pii {
        entries.push(disclosure(None, "export ledger --include-pii"));
    } else if reader.unit.is_some() {
        super::each_case(svc, &reader, |_, c, a| {
            if a == Access::Full && q.takes(c, tz) {
                plan.full.insert(c.id.clone());
            }
            Ok(())
        })?;
        entries.extend(
            plan.full
                .iter()
                .map(|id| disclosure(Some(id), "export ledger")),
        );
    }
    Ok(Disclosed::new(plan, entries))
}

/// The second half of [`ledger`]: the rows of `q` for `p` to `sink`, in case-number order, in
/// full where `plan` (recorded) says; `today` evaluates `overdue`. Returns how many rows were
/// written.
pub fn ledger_rows<S: Store>(
    svc: &mut Service<S>,
    p: &Principal,
    plan: &LedgerPlan,
    today: NaiveDate,
    lang: Lang,
    q: &LedgerQuery,
    sink: &mut dyn LedgerSink,
) -> Result<u64> {
    let reader = svc.resolve(p)?;
    let tz = svc.read(|w| Ok(w.policy().timezone))?;
    sink.begin()?;
    let mut n = 0;
    super::each_case(svc, &reader, |org, c, a| {
        if !q.takes(c, tz) {
            return Ok(());
        }
        let shown_full = plan.include_pii || (a == Access::Full && plan.full.contains(&c.id));
        n += 1;
        sink.row(ledger_row(c, org, shown_full, lang, today, tz))
    })?;
    Ok(n)
}
