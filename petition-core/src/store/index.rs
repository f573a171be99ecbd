//! The index queries answered by reading cases: the defaults of [`Txn`]'s index queries (from
//! every stored snapshot, so a backend that only persists answers every query correctly) and the
//! in-memory store's answers (from the rows it keeps). A backend with indexes of its own (SQLite,
//! PostgreSQL) answers from them instead; the conformance suite holds all of them to the same
//! results.

use crate::store::AccessQuery;
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{is_duty, CaseQuery, CaseRow, Order, Txn};
use crate::access::{Disclosure, LoggedDisclosure};
use crate::case::{Case, CaseState, RelatedCase};
use crate::error::{DomainError, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::search::SearchQuery;
use crate::stats::{Counts, StatsQuery};

/// How many case ids a scan reads at a time.
const PAGE: usize = 1000;

/// Visits every stored case, in id order; the visitor returns false to stop.
pub(crate) fn each_case<T: Txn + ?Sized>(
    txn: &mut T,
    mut visit: impl FnMut(Case) -> Result<bool>,
) -> Result<()> {
    let mut after: Option<CaseId> = None;
    loop {
        let ids = txn.case_ids(after.as_ref(), PAGE)?;
        let Some(last) = ids.last().cloned() else {
            return Ok(());
        };
        for id in ids {
            if let Some(case) = txn.load_snapshot(&id)? {
                if !visit(case)? {
                    return Ok(());
                }
            }
        }
        after = Some(last);
    }
}

/// The query rows of every stored case, computed from its snapshot.
pub(crate) fn rows<T: Txn + ?Sized>(txn: &mut T) -> Result<Vec<CaseRow>> {
    let mut out = Vec::new();
    each_case(txn, |c| {
        out.push(CaseRow::of(&c));
        Ok(true)
    })?;
    Ok(out)
}

/// The summary of a case shown beside a related one (none before it is registered).
pub(crate) fn summary(c: &Case) -> Option<RelatedCase> {
    Some(RelatedCase {
        id: c.id.clone(),
        state: c.state,
        holder: c.holder.clone()?,
        registered_at: c.registered_at?,
    })
}

/// Whether a case's row shares an identity key, the category and the locality (2005 Art 16, 35).
pub(crate) fn is_related(
    r: &CaseRow,
    keys: &[String],
    category: &str,
    locality: &UnitCode,
) -> bool {
    r.category.as_deref() == Some(category)
        && r.locality.as_ref() == Some(locality)
        && r.identities.iter().any(|k| keys.contains(k))
}

/// The next number of `year`: one past the highest stored.
pub(crate) fn next_case_id<T: Txn + ?Sized>(txn: &mut T, year: i32) -> Result<CaseId> {
    let mut last = 0u32;
    let mut after: Option<CaseId> = None;
    loop {
        let ids = txn.case_ids(after.as_ref(), PAGE)?;
        let Some(end) = ids.last().cloned() else {
            break;
        };
        for id in ids.iter().filter(|id| id.year() == year) {
            last = last.max(id.sequence());
        }
        after = Some(end);
    }
    Ok(CaseId::new(year, last + 1))
}

/// The cases a query selects, in its order, one page.
pub(crate) fn query<'a>(rows: impl Iterator<Item = &'a CaseRow>, q: &CaseQuery) -> Vec<CaseId> {
    let open_due = |r: &CaseRow, hit: &dyn Fn(NaiveDate) -> bool| {
        r.clocks
            .iter()
            .any(|c| c.stopped_on.is_none() && is_duty(c.kind) && hit(c.due))
    };
    let mut rows: Vec<&CaseRow> = rows
        .filter(|r| q.states.is_empty() || q.states.iter().any(|s| s.as_str() == r.state))
        .filter(|r| {
            q.unit
                .as_ref()
                .is_none_or(|u| r.holder.as_ref() == Some(u) || r.lead.as_ref() == Some(u))
        })
        .filter(|r| q.overdue_on.is_none_or(|t| open_due(r, &|d| d < t)))
        .filter(|r| q.due_by.is_none_or(|t| open_due(r, &|d| d <= t)))
        .filter(|r| {
            q.petitioner
                .as_ref()
                .is_none_or(|p| r.names.contains(p.as_str()))
        })
        .filter(|r| {
            q.officer
                .as_ref()
                .is_none_or(|o| r.officer.as_ref() == Some(o))
        })
        .filter(|r| {
            q.from
                .is_none_or(|f| r.registered_on.is_some_and(|d| d >= f))
        })
        .filter(|r| q.to.is_none_or(|t| r.registered_on.is_some_and(|d| d <= t)))
        .filter(|r| {
            q.reach
                .as_ref()
                .is_none_or(|reach| r.units.iter().any(|u| reach.contains(u)))
        })
        .collect();
    let urgent = |rows: &mut Vec<&CaseRow>| {
        rows.sort_by(|a, b| {
            let key = |r: &CaseRow| (min_open_due(r).unwrap_or(NaiveDate::MAX), r.id.clone());
            key(a).cmp(&key(b))
        })
    };
    let newest = |rows: &mut Vec<&CaseRow>| {
        rows.sort_by(|a, b| (b.registered_on, &b.id).cmp(&(a.registered_on, &a.id)))
    };
    if q.order == Order::Urgent || q.overdue_on.is_some() || q.due_by.is_some() {
        // With a due bound the page is the most urgent `limit` cases, ordered as asked.
        urgent(&mut rows);
        rows.drain(..q.offset.min(rows.len()));
        rows.truncate(q.limit);
        if q.order == Order::Newest {
            newest(&mut rows);
        }
    } else {
        newest(&mut rows);
        rows.drain(..q.offset.min(rows.len()));
    }
    rows.into_iter()
        .take(q.limit)
        .map(|r| r.id.clone())
        .collect()
}

fn min_open_due(row: &CaseRow) -> Option<NaiveDate> {
    row.clocks
        .iter()
        .filter(|c| c.stopped_on.is_none() && is_duty(c.kind))
        .map(|c| c.due)
        .min()
}

/// A unit's work, most urgent first, with the date that makes each urgent.
pub(crate) fn queue<'a>(
    rows: impl Iterator<Item = &'a CaseRow>,
    unit: &UnitCode,
    limit: usize,
) -> Vec<(CaseId, Option<NaiveDate>)> {
    let mut out: Vec<(CaseId, Option<NaiveDate>)> = Vec::new();
    for r in rows {
        let mut dates: Vec<Option<NaiveDate>> = Vec::new();
        for c in &r.clocks {
            if c.stopped_on.is_none() && is_duty(c.kind) && &c.unit == unit {
                dates.push(Some(c.due));
            }
        }
        let open_intake =
            r.state == CaseState::Registered.as_str() || r.state == CaseState::Routed.as_str();
        if open_intake && r.first_contact.as_ref() == Some(unit) && r.holder.as_ref() != Some(unit)
        {
            dates.push(min_open_due(r));
        }
        if r.objection_router.as_ref() == Some(unit) {
            dates.push(None);
        }
        for s in &r.supervisions {
            if !s.answered && &s.by == unit {
                dates.push(Some(s.respond_by));
            }
        }
        if !dates.is_empty() {
            let d = dates.iter().flatten().min().copied();
            out.push((r.id.clone(), d));
        }
    }
    out.sort_by(|a, b| {
        (a.1.unwrap_or(NaiveDate::MAX), &a.0).cmp(&(b.1.unwrap_or(NaiveDate::MAX), &b.0))
    });
    out.truncate(limit);
    out
}

/// Cases on which `tick` has work on or before `today`, in (date, id) order after the cursor.
pub(crate) fn due_for_tick<'a>(
    rows: impl Iterator<Item = &'a CaseRow>,
    page: &super::DuePage<'_>,
) -> Vec<(NaiveDate, CaseId)> {
    let (today, after, limit) = (page.today, page.after, page.limit);
    let mut v: Vec<(NaiveDate, CaseId)> = rows
        .filter_map(|r| {
            r.next_tick
                .filter(|d| *d <= today)
                .map(|d| (d, r.id.clone()))
        })
        .filter(|k| after.is_none_or(|a| k > a))
        .collect();
    v.sort();
    v.truncate(limit);
    v
}

/// The statistics' counts by group, summed by the core from each case's row.
pub(crate) fn stats<'a>(
    rows: impl Iterator<Item = &'a CaseRow>,
    q: &StatsQuery,
) -> BTreeMap<String, Counts> {
    let mut out = BTreeMap::new();
    for row in rows {
        crate::stats::accumulate(row, q, &mut out);
    }
    out
}

/// Search candidates from every snapshot, newest case number first.
pub(crate) fn search<T: Txn + ?Sized>(txn: &mut T, q: &SearchQuery) -> Result<Vec<CaseId>> {
    let mut found: Vec<CaseId> = Vec::new();
    each_case(txn, |case| {
        let before = q
            .before
            .as_ref()
            .is_some_and(|b| crate::search::order_key(&case.id) >= crate::search::order_key(b));
        let in_reach = q.reach.as_ref().is_none_or(|r| {
            crate::access::units_of(&case)
                .into_iter()
                .any(|u| r.contains(u))
        });
        if !before && in_reach && crate::search::candidate(&case, q) {
            found.push(case.id);
        }
        Ok(true)
    })?;
    found.sort_by_key(|id| std::cmp::Reverse(crate::search::order_key(id)));
    found.truncate(q.limit);
    Ok(found)
}

/// Access-log entries after `after`, for one case or one staff member, read from the log.
pub(crate) fn access_log<T: Txn + ?Sized>(
    txn: &mut T,
    q: &AccessQuery<'_>,
) -> Result<Vec<LoggedDisclosure>> {
    let (case, staff, after, limit) = (q.case, q.staff, q.after, q.limit);
    let mut out = Vec::new();
    let mut failed = None;
    txn.access_chain(1, &mut |e| {
        if out.len() >= limit {
            return Ok(false);
        }
        if e.gseq <= after {
            return Ok(true);
        }
        let d: Disclosure = match serde_json::from_str(&e.body) {
            Ok(d) => d,
            Err(x) => {
                failed = Some(format!("access log entry {}: {x}", e.gseq));
                return Ok(false);
            }
        };
        if case.is_none_or(|c| d.case.as_ref() == Some(c)) && staff.is_none_or(|s| &d.staff == s) {
            out.push(LoggedDisclosure {
                pos: e.gseq,
                disclosure: d,
            });
        }
        Ok(true)
    })?;
    match failed {
        Some(why) => Err(DomainError::from(StorageError::integrity(&why))),
        None => Ok(out),
    }
}
