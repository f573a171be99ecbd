//! 校验: proof that nothing was changed behind the tool's back.
//!
//! Three passes in one read transaction, each streaming so memory stays flat at any size:
//!
//! 1. **The audit chain**: every entry's hash, position and shape; the index columns stored
//!    beside each body agree with it; every `(position, hash)` anchor recorded earlier is still
//!    there (a chain cut short or rewritten fails); the organisation, staff, policy and calendar
//!    are rebuilt from the administrative entries.
//! 2. **Every derived table**: cases are visited in (registration day, id) order; each is
//!    replayed from its events and its query rows (cases, clocks, supervisions, identities)
//!    compared with what the replay gives; the statistics counters are compared one registration
//!    day at a time; row counts catch rows that belong to no case; the case-number counters, the
//!    units, staff, policy and calendar are compared with the rebuilt ones.
//! 3. **The rules**: during pass 2, every case event is decided again from the command that
//!    produced it, by its actor as the organisation stood then, at its time, against the case
//!    (and its related cases) as they stood then, as `import` does (the `rules` module); every
//!    administrative entry goes through the administrative rules during pass 1.
//! 4. **The access log**: its own hash chain.
//!
//! The first difference is reported by table and key.

mod access;
mod files;
mod rules;

pub(crate) use rules::rules_pass;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::audit::{
    canonical, chain_hash, hex, strip_gseq, AccessHead, AdminKind, ClockMode, Entry, GENESIS,
};
use crate::clock::Calendar;
use crate::error::{DomainError, Result, StorageError};
use crate::ids::CaseId;
use crate::org::Org;
use crate::policy::Policy;
use crate::stats::CounterKey;
use crate::store::{CaseRow, Derived, StatsRow, Txn};

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Audit-chain entries checked.
    pub entries: u64,
    /// The chain's head: position and hash (hex) of its last entry.
    pub head: Head,
    /// The clock mode recorded in the chain's first entry.
    pub clock: ClockMode,
    /// Cases whose derived rows were checked.
    pub cases: u64,
    /// Access-log entries checked.
    pub access_log: u64,
    /// The access log's head: position and hash (hex) of its last entry.
    pub access_head: Head,
    /// Anchors checked.
    pub anchors: usize,
    /// The first problem found, if any (the database then fails `verify`).
    pub problem: Option<String>,
}

/// A position in the chain and the hash there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Head {
    /// Position (`gseq`), 0 for an empty chain.
    pub position: u64,
    /// SHA-256, 64 hex digits.
    pub hash: String,
}

/// A head recorded earlier (`verify --anchor-line`): the chain's position and hash there, and
/// the access log's (absent in two-field lines of older files).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The chain's position.
    pub position: u64,
    /// The chain's hash there.
    pub hash: [u8; 32],
    /// The access log's position and hash (position 0: it was empty).
    pub access: Option<(u64, [u8; 32])>,
}

/// Parses an anchors file: one `POSITION HASH ACCESS_POSITION ACCESS_HASH` per line (or
/// `POSITION HASH`, as older files have them; blank lines and `#` comments allowed).
pub fn parse_anchors(text: &str) -> std::result::Result<Vec<Anchor>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() != 2 && parts.len() != 4 {
            return Err(format!(
                "line {}: expected `POSITION HASH ACCESS_POSITION ACCESS_HASH`",
                i + 1
            ));
        }
        let pos = |s: &str, zero: bool| {
            s.parse::<u64>()
                .ok()
                .filter(|p| zero || *p > 0)
                .ok_or_else(|| format!("line {}: the position is not a positive number", i + 1))
        };
        let hash = |s: &str| {
            crate::audit::unhex(&s.to_ascii_lowercase())
                .ok_or_else(|| format!("line {}: the hash is not 64 hex digits", i + 1))
        };
        let access = match parts.get(2..4) {
            Some([p, h]) => Some((pos(p, true)?, hash(h)?)),
            _ => None,
        };
        out.push(Anchor {
            position: pos(parts[0], false)?,
            hash: hash(parts[1])?,
            access,
        });
    }
    Ok(out)
}

/// Runs every pass on `txn`, the rules pass within the derived-table pass.
pub(crate) fn verify<T: Txn>(txn: &mut T, anchors: &[Anchor]) -> Result<VerifyReport> {
    verify_beside(txn, anchors, &mut |_| false)
}

/// What a helper on another connection needs to run the rules pass ([`rules_pass`]).
pub(crate) type RulesInput = std::sync::Arc<Rules>;

/// The eras and positions the chain pass found, for the rules pass.
pub(crate) struct Rules {
    eras: rules::Eras,
    head: u64,
}

/// The chain's head (position and hash) a transaction sees: two connections see the same
/// database only when their heads agree.
pub(crate) fn head_of<T: Txn>(txn: &mut T) -> Result<Option<(u64, Vec<u8>)>> {
    Ok(txn.chain_tail()?.map(|t| (t.last.gseq, t.last.hash)))
}

/// Runs every pass on `txn`; once the chain pass has found the eras, `helper` is offered the
/// rules pass (`true`: a helper on another connection over the same snapshot runs it, and this
/// transaction skips it; `false`: it runs here, within the derived-table pass).
pub(crate) fn verify_beside<T: Txn>(
    txn: &mut T,
    anchors: &[Anchor],
    helper: &mut dyn FnMut(RulesInput) -> bool,
) -> Result<VerifyReport> {
    let mut report = VerifyReport {
        entries: 0,
        head: Head {
            position: 0,
            hash: hex(&GENESIS),
        },
        clock: ClockMode::System,
        cases: 0,
        access_log: 0,
        access_head: Head {
            position: 0,
            hash: hex(&GENESIS),
        },
        anchors: anchors.len(),
        problem: None,
    };
    let anchor_map: BTreeMap<u64, [u8; 32]> =
        anchors.iter().map(|a| (a.position, a.hash)).collect();
    // The schema first: a planted trigger or a dropped one changes what every later check means.
    if let Some(d) = txn.derived() {
        if let Some(p) = d.schema_problem()? {
            report.problem = Some(p);
            return Ok(report);
        }
    }
    let mut admin = match chain_pass(txn, &anchor_map, &mut report)? {
        Some(a) => a,
        None => return Ok(report),
    };
    let inline = match admin.positions {
        rules::Positions::Stored => {
            let input = std::sync::Arc::new(Rules {
                eras: std::mem::take(&mut admin.eras),
                head: report.entries,
            });
            let helped = helper(input.clone());
            // The eras are shared with the helper; kept here too when the rules run here.
            admin.eras = match helped {
                true => rules::Eras::default(),
                false => std::sync::Arc::try_unwrap(input)
                    .map(|r| r.eras)
                    .unwrap_or_else(|shared| shared.eras.clone()),
            };
            !helped
        }
        rules::Positions::Collected(_) => true,
    };
    if let Some(p) = derived_pass(txn, &admin, inline, &mut report)? {
        report.problem = Some(p);
        return Ok(report);
    }
    // The access log's heads the chain recorded, and those anchored, checked in one walk.
    let mut heads = admin.access_refs.clone();
    heads.extend(
        anchors
            .iter()
            .filter_map(|a| a.access.map(|(pos, hash)| (0, AccessHead { pos, hash }))),
    );
    heads.sort_by_key(|(_, h)| h.pos);
    if let Some(p) = access::access_pass(txn, &heads, &mut report)? {
        report.problem = Some(p);
        return Ok(report);
    }
    if let Some(p) = files::files_pass(txn, &admin.attached)? {
        report.problem = Some(p);
    }
    Ok(report)
}

/// The organisation, policy and calendar rebuilt from the chain's administrative entries.
struct Rebuilt {
    org: Org,
    policy: Policy,
    calendar: Calendar,
    /// How many cases the chain has events of (each has one first event).
    cases: u64,
    /// The access log's heads the chain entries recorded, each with the first entry that
    /// recorded it (a run of entries recording one head is kept once).
    access_refs: Vec<(u64, AccessHead)>,
    /// The organisation, policy and calendar in force for each run of case events.
    eras: rules::Eras,
    /// Where each case's events stand in the chain.
    positions: rules::Positions,
    /// The files the chain attaches (position, file), checked against the stored files.
    attached: Vec<(u64, crate::attachment::FileMeta)>,
}

fn chain_pass<T: Txn>(
    txn: &mut T,
    anchors: &BTreeMap<u64, [u8; 32]>,
    report: &mut VerifyReport,
) -> Result<Option<Rebuilt>> {
    let mut prev = GENESIS;
    let mut rebuilt = Rebuilt {
        org: Org::new(),
        policy: Policy::default(),
        calendar: Calendar::default(),
        cases: 0,
        access_refs: Vec::new(),
        eras: rules::Eras::default(),
        positions: match txn.derived() {
            Some(_) => rules::Positions::Stored,
            None => rules::Positions::Collected(Default::default()),
        },
        attached: Vec::new(),
    };
    // Administrative changes since the last case event: the next one begins a new era.
    let mut changed = true;
    let mut problem: Option<String> = None;
    let mut last_at: Option<chrono::DateTime<chrono::FixedOffset>> = None;
    txn.chain(1, &mut |e| {
        let gseq = e.gseq;
        let mut fail = |why: String| {
            problem = Some(format!("audit chain, entry {gseq}: {why}"));
            Ok(false)
        };
        if gseq != report.entries + 1 {
            return fail("entries missing or out of order".into());
        }
        let value: Value = match serde_json::from_str(&e.body) {
            Ok(v) => v,
            Err(_) => return fail("not valid JSON".into()),
        };
        if value.get("gseq").and_then(Value::as_u64) != Some(gseq) {
            return fail("its position does not match its body".into());
        }
        let h = chain_hash(&prev, &canonical(&value));
        if h.as_slice() != e.hash.as_slice() {
            return fail("the hash does not match the entry and the previous hash".into());
        }
        // The access log's head when the entry was written: once recorded, in every later entry,
        // never moving back.
        let last_ref = rebuilt.access_refs.last().map(|(_, a)| *a);
        match (AccessHead::of_body(&value), last_ref) {
            (None, None) => {}
            (None, Some(_)) => {
                return fail("records no access-log head, though earlier entries did".into())
            }
            (Some(Err(())), _) => return fail("its access-log head is malformed".into()),
            (Some(Ok(a)), Some(l)) if a.pos < l.pos || (a.pos == l.pos && a != l) => {
                return fail(format!(
                    "records the access log at entry {}, before the entry {} recorded earlier",
                    a.pos, l.pos
                ))
            }
            (Some(Ok(a)), Some(l)) if a == l => {}
            (Some(Ok(a)), _) => rebuilt.access_refs.push((gseq, a)),
        }
        let entry: Entry = match serde_json::from_value(strip_gseq(value)) {
            Ok(x) => x,
            Err(_) => return fail("not an event of this format".into()),
        };
        match &entry {
            Entry::Case(ev) => {
                if e.index.as_ref() != Some(&(ev.case.as_str().to_string(), ev.seq)) {
                    return fail("the case and sequence columns do not match the body".into());
                }
                rebuilt.cases += u64::from(ev.seq == 1);
                if let crate::case::EventKind::Attached { file, .. } = &ev.kind {
                    rebuilt.attached.push((gseq, file.clone()));
                }
                if std::mem::take(&mut changed) {
                    rebuilt
                        .eras
                        .begin(gseq, &rebuilt.org, &rebuilt.policy, &rebuilt.calendar);
                }
                if let rules::Positions::Collected(m) = &mut rebuilt.positions {
                    m.entry(ev.case.clone()).or_default().push(gseq);
                }
            }
            Entry::Admin(a) => {
                if e.index.is_some() {
                    return fail("an administrative entry is indexed as a case event".into());
                }
                match (&a.kind, gseq) {
                    (AdminKind::Initialized { clock, admin, .. }, 1) => {
                        report.clock = clock.unwrap_or_default();
                        if admin.role != crate::org::Role::Admin || a.actor != admin.id {
                            return fail("the first admin is not the actor, or not an admin".into());
                        }
                    }
                    (AdminKind::Initialized { .. }, _) => {
                        return fail("a second initialisation".into());
                    }
                    (_, 1) => {
                        return fail("the chain does not start with its initialisation".into())
                    }
                    (kind, _) => {
                        // The change must be one the administrative rules allow its actor.
                        let decided = crate::service::change_of(kind)
                            .ok_or_else(|| "a second initialisation".to_string())
                            .and_then(|c| {
                                crate::admin::decide_admin(&rebuilt.org, &rebuilt.policy, &a.actor, c)
                                    .map_err(|e| format!("the rules refuse it: {}", e.text().en))
                            });
                        match decided {
                            Ok(k) if &k == kind => {}
                            Ok(_) => return fail("not what the administrative rules give".into()),
                            Err(why) => return fail(why),
                        }
                    }
                }
                // A token issued or revoked decides nothing: no new era (a live office issues
                // many, and each era keeps a copy of the organisation).
                changed |= !matches!(
                    a.kind,
                    AdminKind::TokenIssued { .. } | AdminKind::TokensRevoked { .. }
                );
                if let Err(x) = crate::admin::apply_admin(
                    &mut rebuilt.org,
                    &mut rebuilt.policy,
                    &mut rebuilt.calendar,
                    &a.kind,
                ) {
                    return fail(format!("cannot be applied ({})", x.text().en));
                }
            }
        }
        // Entries written since the rule existed (they record the access log's head) never
        // come before the one before them on a live database; older chains were not held to it
        // (a tick's batch could seal a time a clerk had passed).
        let at = entry.at();
        let held = report.clock == ClockMode::System && !rebuilt.access_refs.is_empty();
        if let Some(last) = last_at.filter(|l| at < *l && held) {
            return fail(format!(
                "its time {} is before the previous entry's ({}): the times of a live database never go back",
                at.to_rfc3339(),
                last.to_rfc3339()
            ));
        }
        last_at = Some(at);
        if let Some(a) = anchors.get(&gseq) {
            if a != &h {
                return fail(format!(
                    "differs from the anchor recorded for it ({}): the chain was rewritten",
                    hex(a)
                ));
            }
        }
        prev = h;
        report.entries = gseq;
        report.head = Head {
            position: gseq,
            hash: hex(&h),
        };
        Ok(true)
    })?;
    if problem.is_none() && report.entries == 0 {
        problem = Some(
            "audit chain: empty — the database was never initialised, or its tables were emptied"
                .into(),
        );
    }
    if problem.is_none() {
        if let Some((&p, _)) = anchors.range(report.entries + 1..).next() {
            problem = Some(format!(
                "audit chain: an anchor names entry {p}, but the chain ends at entry {}: entries were removed",
                report.entries
            ));
        }
    }
    if let Some(p) = problem {
        report.problem = Some(p);
        return Ok(None);
    }
    Ok(Some(rebuilt))
}

/// The first field in which a stored row differs from the replayed one.
fn row_difference(want: &CaseRow, got: &CaseRow) -> Option<String> {
    let id = want.id.as_str();
    macro_rules! field {
        ($table:literal, $f:ident) => {
            if want.$f != got.$f {
                return Some(format!(
                    "table {}, key {id}: column {} is {:?}, the chain gives {:?}",
                    $table,
                    stringify!($f),
                    got.$f,
                    want.$f
                ));
            }
        };
    }
    field!("cases", state);
    field!("cases", holder);
    field!("cases", lead);
    field!("cases", first_contact);
    field!("cases", objection_router);
    field!("cases", locality);
    field!("cases", category);
    field!("cases", channel);
    field!("cases", registered_on);
    field!("cases", registered_at);
    field!("cases", officer);
    if want.names != got.names {
        return Some(format!(
            "table cases, key {id}: column names does not match the chain"
        ));
    }
    if want.search != got.search {
        return Some(format!(
            "table case_text, key {id}: the search index does not match the chain"
        ));
    }
    field!("cases", skip_level);
    field!("cases", collective);
    field!("cases", repeat);
    field!("cases", next_tick);
    field!("cases", last_seq);
    for i in 0..want.clocks.len().max(got.clocks.len()) {
        match (want.clocks.get(i), got.clocks.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), _) => {
                return Some(format!(
                    "table clocks, key {id}/{}: the row does not match the chain",
                    a.idx
                ))
            }
            (None, Some(b)) => {
                return Some(format!(
                    "table clocks, key {id}/{}: a row the chain does not give",
                    b.idx
                ))
            }
            (None, None) => {}
        }
    }
    for i in 0..want.supervisions.len().max(got.supervisions.len()) {
        match (want.supervisions.get(i), got.supervisions.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), _) => {
                return Some(format!(
                    "table supervisions, key {id}/{}: the row does not match the chain",
                    a.id
                ))
            }
            (None, Some(b)) => {
                return Some(format!(
                    "table supervisions, key {id}/{}: a row the chain does not give",
                    b.id
                ))
            }
            (None, None) => {}
        }
    }
    if want.units != got.units {
        return Some(format!(
            "table case_units, key {id}: the units of the case do not match the chain"
        ));
    }
    if want.identities != got.identities {
        return Some(format!(
            "table identities, key {id}: the repeat-detection keys do not match the chain"
        ));
    }
    None
}

/// Compares one day's counters with the stored ones; the first difference, if any.
fn day_difference(
    day: NaiveDate,
    want: &BTreeMap<CounterKey, i64>,
    mut got: Vec<StatsRow>,
) -> Option<String> {
    let mut want: Vec<StatsRow> = want
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(k, n)| StatsRow {
            grouping: k.grouping,
            key: k.key.clone(),
            item: k.item.clone(),
            due: k.due,
            n: *n,
        })
        .collect();
    want.sort();
    got.sort();
    if want == got {
        return None;
    }
    let first = want
        .iter()
        .zip(got.iter())
        .find(|(a, b)| a != b)
        .map(|(a, _)| a)
        .or_else(|| want.get(got.len()))
        .or_else(|| got.get(want.len()));
    Some(match first {
        Some(r) => format!(
            "table stats, key {day}/{}/{}/{}{}: the counters do not match the chain",
            r.grouping,
            r.key,
            r.item,
            r.due.map(|d| format!("/{d}")).unwrap_or_default()
        ),
        None => format!("table stats, key {day}: the counters do not match the chain"),
    })
}

fn derived_pass<T: Txn>(
    txn: &mut T,
    rebuilt: &Rebuilt,
    inline: bool,
    report: &mut VerifyReport,
) -> Result<Option<String>> {
    // The organisation, policy and calendar first: everything else depends on them.
    let org = txn.org()?;
    if org != rebuilt.org {
        return Ok(Some(org_difference(&rebuilt.org, &org)));
    }
    if txn.policy()? != rebuilt.policy {
        return Ok(Some(
            "table settings, key policy: does not match the chain".into(),
        ));
    }
    if txn.calendar()? != rebuilt.calendar {
        return Ok(Some(
            "table settings, key calendar: does not match the chain".into(),
        ));
    }

    if txn.derived().is_none() {
        return snapshot_pass(txn, rebuilt, report);
    }
    tables_pass(txn, rebuilt, inline, report)
}

/// The first unit or staff row (by key) in which the stored organisation differs from the
/// rebuilt one: a changed row, a missing one, or one the chain does not give.
fn org_difference(want: &Org, got: &Org) -> String {
    fn first<'a, K: Ord + std::fmt::Display + 'a, V: PartialEq + 'a>(
        want: impl Iterator<Item = (&'a K, &'a V)>,
        got: impl Iterator<Item = (&'a K, &'a V)>,
    ) -> Option<(String, &'static str)> {
        let want: BTreeMap<&K, &V> = want.collect();
        let got: BTreeMap<&K, &V> = got.collect();
        let keys: std::collections::BTreeSet<&K> = want.keys().chain(got.keys()).copied().collect();
        let found = keys
            .into_iter()
            .find_map(|k| match (want.get(k), got.get(k)) {
                (Some(a), Some(b)) if a == b => None,
                (Some(_), Some(_)) => Some((k.to_string(), "does not match the chain")),
                (Some(_), None) => Some((k.to_string(), "is missing")),
                (None, _) => Some((k.to_string(), "is a row the chain does not give")),
            });
        found
    }
    if let Some((u, why)) = first(
        want.units().map(|u| (&u.code, u)),
        got.units().map(|u| (&u.code, u)),
    ) {
        return format!("table units, key {u}: {why}");
    }
    match first(
        want.all_staff().map(|s| (&s.id, s)),
        got.all_staff().map(|s| (&s.id, s)),
    ) {
        Some((s, why)) => format!("table staff, key {s}: {why} (role, unit or name)"),
        None => "tables units and staff: rows the chain does not give".to_string(),
    }
}

/// The derived tables of this crate's backends, read through [`Txn::derived`].
fn tables<T: Txn>(txn: &mut T) -> Result<&mut dyn Derived> {
    txn.derived().ok_or_else(|| {
        DomainError::from(StorageError::internal(
            "the store stopped giving its derived tables",
        ))
    })
}

/// A backend without derived tables: every case's snapshot is its replayed events, and every
/// case of the chain has one.
fn snapshot_pass<T: Txn>(
    txn: &mut T,
    rebuilt: &Rebuilt,
    report: &mut VerifyReport,
) -> Result<Option<String>> {
    let mut after: Option<CaseId> = None;
    loop {
        let ids = txn.case_ids(after.as_ref(), 1000)?;
        let Some(last) = ids.last().cloned() else {
            break;
        };
        for id in &ids {
            let events = rules::events_at(txn, &rebuilt.positions, id)?;
            if let Some(p) = sequence_problem(id, &events) {
                return Ok(Some(p));
            }
            let (case, problem) =
                rules::Past::new(txn, &rebuilt.eras, &rebuilt.positions).check_case(id, &events)?;
            if problem.is_some() {
                return Ok(problem);
            }
            if txn.load_snapshot(id)?.as_ref() != Some(&case) {
                return Ok(Some(format!(
                    "case {id}: the stored snapshot does not match the chain"
                )));
            }
            report.cases += 1;
        }
        after = Some(last);
    }
    if report.cases != rebuilt.cases {
        return Ok(Some(format!(
            "cases: the chain has events of {} cases, the store snapshots of {}",
            rebuilt.cases, report.cases
        )));
    }
    Ok(None)
}

/// Why a case's events are not its history in order (`None`: they are).
fn sequence_problem(id: &CaseId, events: &[(u64, crate::case::Event)]) -> Option<String> {
    if events.is_empty() {
        return Some(format!(
            "table cases, key {id}: a row with no history in the chain"
        ));
    }
    events
        .iter()
        .enumerate()
        .find(|(i, (_, e))| e.seq as usize != i + 1 || &e.case != id)
        .map(|(i, _)| format!("audit chain, case {id}: event {} is out of sequence", i + 1))
}

fn tables_pass<T: Txn>(
    txn: &mut T,
    rebuilt: &Rebuilt,
    inline: bool,
    report: &mut VerifyReport,
) -> Result<Option<String>> {
    let mut totals = [0u64; 7];
    let mut years: BTreeMap<i32, u32> = BTreeMap::new();
    let mut day: Option<NaiveDate> = None;
    let mut sums: BTreeMap<CounterKey, i64> = BTreeMap::new();
    let mut cursor: Option<(NaiveDate, CaseId)> = None;
    loop {
        let page = tables(txn)?.cases_by_day(cursor.as_ref(), 1000)?;
        if page.is_empty() {
            break;
        }
        for (d, id) in &page {
            if day != Some(*d) {
                if let Some(prev) = day {
                    let got = tables(txn)?.stats_rows(prev)?;
                    totals[4] += got.len() as u64;
                    if let Some(p) = day_difference(prev, &sums, got) {
                        return Ok(Some(p));
                    }
                }
                sums.clear();
                day = Some(*d);
            }
            let events = tables(txn)?.events_at(id)?;
            if let Some(p) = sequence_problem(id, &events) {
                return Ok(Some(p));
            }
            let case = match inline {
                true => {
                    let (case, problem) = rules::Past::new(txn, &rebuilt.eras, &rebuilt.positions)
                        .check_case(id, &events)?;
                    if problem.is_some() {
                        return Ok(problem);
                    }
                    case
                }
                false => crate::case::replay(id.clone(), events.iter().map(|(_, e)| e)),
            };
            let want = CaseRow::of(&case);
            let Some(got) = tables(txn)?.stored_row(id, &want.identities)? else {
                return Ok(Some(format!("table cases, key {id}: the row is missing")));
            };
            if let Some(p) = row_difference(&want, &got) {
                return Ok(Some(p));
            }
            totals[0] += 1;
            totals[1] += want.clocks.len() as u64;
            totals[2] += want.supervisions.len() as u64;
            totals[5] += want.units.len() as u64;
            totals[6] += u64::from(want.search.is_some());
            if want.category.is_some() && want.locality.is_some() {
                totals[3] += want.identities.len() as u64;
            }
            for (k, n) in crate::stats::counters(&want) {
                *sums.entry(k).or_default() += n;
            }
            let y = years.entry(id.year()).or_insert(0);
            *y = (*y).max(id.sequence());
            report.cases += 1;
        }
        cursor = page.last().cloned();
    }
    if let Some(prev) = day {
        let got = tables(txn)?.stats_rows(prev)?;
        totals[4] += got.len() as u64;
        if let Some(p) = day_difference(prev, &sums, got) {
            return Ok(Some(p));
        }
    }
    let stored = tables(txn)?.derived_counts()?;
    for (i, table) in crate::store::DERIVED_TABLES.iter().enumerate() {
        if stored[i] != totals[i] {
            return Ok(Some(format!(
                "table {table}: {} rows stored, the chain gives {}",
                stored[i], totals[i]
            )));
        }
    }
    let in_chain = tables(txn)?.chain_case_count()?;
    if in_chain != totals[0] {
        return Ok(Some(format!(
            "table cases: the chain has events of {in_chain} cases, the table rows for {}",
            totals[0]
        )));
    }
    let counters = tables(txn)?.year_counters()?;
    if counters != years {
        let year = years
            .keys()
            .chain(counters.keys())
            .find(|y| years.get(y) != counters.get(y))
            .copied()
            .unwrap_or_default();
        return Ok(Some(format!(
            "table counters, key {year}: the next case number does not follow the chain"
        )));
    }
    Ok(None)
}
