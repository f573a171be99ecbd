//! 统计: the KPI definitions. The core counts each case (a store with indexes sums the counts
//! with SQL over its query tables, tested against the core's sums); this module turns
//! counts into rates — `null` when the denominator is 0 — and ranks units (正反典型).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::ClockKind;
use crate::projection::CaseRow;

/// What the figures are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// Each figure for the unit it belongs to: a clock for its responsible unit, an evaluation for
    /// the unit whose answer it rates, a registration for the first-contact unit.
    Unit,
    /// The case's locality (问题属地).
    Locality,
    /// The case's category.
    Category,
    /// The case's channel (信访形式: letter, visit, phone, online…).
    Channel,
}

/// A statistics query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsQuery {
    /// First registration date (local, inclusive).
    pub from: NaiveDate,
    /// Last registration date (local, inclusive).
    pub to: NaiveDate,
    /// The local date of `now`: open clocks past due on it count as overdue.
    pub today: NaiveDate,
    /// Grouping.
    pub by: GroupBy,
}

/// The statistics' counts by group key, as a store sums them ([`crate::store::Txn::stats`]).
pub type GroupCounts = BTreeMap<String, Counts>;

/// Raw counts of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Cases registered (件次).
    pub registered: u64,
    /// Persons (人次): the registered cases' headcounts summed.
    pub persons: u64,
    /// Collective visits (集体访: visits with headcount ≥ 5).
    pub collective_visits: u64,
    /// Skip-level visits (越级走访).
    pub skip_level_visits: u64,
    /// Repeat petitions (重复信访).
    pub repeats: u64,
    /// Intake and acceptance clocks met.
    pub timely_met: u64,
    /// Intake and acceptance clocks stopped or now overdue.
    pub timely_base: u64,
    /// Handling clocks met.
    pub completion_met: u64,
    /// Handling clocks stopped or now overdue.
    pub completion_base: u64,
    /// Evaluations given.
    pub evaluations: u64,
    /// Evaluations lapsed (recorded, or open past their window).
    pub evaluations_lapsed: u64,
    /// Evaluations satisfied or basically satisfied.
    pub satisfied: u64,
    /// Open duty clocks now overdue, by kind.
    pub overdue_open: BTreeMap<String, u64>,
    /// Supervisions, by level.
    pub supervisions: BTreeMap<String, u64>,
}

impl Counts {
    /// Adds another group's counts.
    pub fn add(&mut self, o: &Counts) {
        self.registered += o.registered;
        self.persons += o.persons;
        self.collective_visits += o.collective_visits;
        self.skip_level_visits += o.skip_level_visits;
        self.repeats += o.repeats;
        self.timely_met += o.timely_met;
        self.timely_base += o.timely_base;
        self.completion_met += o.completion_met;
        self.completion_base += o.completion_base;
        self.evaluations += o.evaluations;
        self.evaluations_lapsed += o.evaluations_lapsed;
        self.satisfied += o.satisfied;
        for (k, v) in &o.overdue_open {
            *self.overdue_open.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.supervisions {
            *self.supervisions.entry(k.clone()).or_default() += v;
        }
    }
}

fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The KPIs that can rank units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kpi {
    /// 及时受理率.
    TimelyAcceptanceRate,
    /// 按期办结率.
    OnTimeCompletionRate,
    /// 参评率.
    ParticipationRate,
    /// 满意率.
    SatisfactionRate,
    /// 重复信访率 (lower is better).
    RepeatRate,
}

impl Kpi {
    /// Every KPI with its name.
    pub const ALL: [(Kpi, &'static str); 5] = [
        (Kpi::TimelyAcceptanceRate, "timely_acceptance_rate"),
        (Kpi::OnTimeCompletionRate, "on_time_completion_rate"),
        (Kpi::ParticipationRate, "participation_rate"),
        (Kpi::SatisfactionRate, "satisfaction_rate"),
        (Kpi::RepeatRate, "repeat_rate"),
    ];
    /// Parses the name.
    pub fn parse(s: &str) -> Option<Kpi> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }
    /// The name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, n)| *n)
            .unwrap_or("")
    }
    /// The value for a group.
    pub fn value(self, c: &Counts) -> Option<f64> {
        match self {
            Kpi::TimelyAcceptanceRate => rate(c.timely_met, c.timely_base),
            Kpi::OnTimeCompletionRate => rate(c.completion_met, c.completion_base),
            Kpi::ParticipationRate => rate(c.evaluations, c.evaluations + c.evaluations_lapsed),
            Kpi::SatisfactionRate => rate(c.satisfied, c.evaluations),
            Kpi::RepeatRate => rate(c.repeats, c.registered),
        }
    }
    /// Whether a higher value is better.
    pub fn higher_is_better(self) -> bool {
        self != Kpi::RepeatRate
    }
}

/// One group of the result.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Unit code, locality code or category.
    pub key: String,
    /// Unit name, or the category again.
    pub name: String,
    /// Counts.
    pub counts: Counts,
}

impl Group {
    /// The JSON of a group: counts and the rates.
    pub fn json(&self) -> Value {
        let c = &self.counts;
        let mut v = json!({
            "key": self.key,
            "name": self.name,
            "registered": c.registered,
            "persons": c.persons,
            "collective_visits": c.collective_visits,
            "skip_level_visits": c.skip_level_visits,
            "repeats": c.repeats,
            "overdue_open": c.overdue_open,
            "supervisions": c.supervisions,
            "evaluations": c.evaluations,
            "evaluations_lapsed": c.evaluations_lapsed,
        });
        for (k, name) in Kpi::ALL {
            v[name] = json!(k.value(c));
        }
        v
    }
}

/// The totals row (合计) of `groups`: every count summed (a case counts once, under the group it
/// belongs to), the rates worked out again from the sums — never an average of the groups' rates.
///
/// ```
/// use petition_core::stats::{totals, Counts, Group};
/// let g = |key: &str, registered, completion_met, completion_base| Group {
///     key: key.into(),
///     name: key.into(),
///     counts: Counts { registered, completion_met, completion_base, ..Counts::default() },
/// };
/// let t = totals(&[g("a", 3, 1, 1), g("b", 1, 0, 3)]);
/// assert_eq!(t.counts.registered, 4);
/// // 1 of 4 limits met: 25%, not the mean of 100% and 0%.
/// assert_eq!(t.json()["on_time_completion_rate"], 0.25);
/// ```
pub fn totals(groups: &[Group]) -> Group {
    let mut counts = Counts::default();
    for g in groups {
        counts.add(&g.counts);
    }
    Group {
        key: "total".into(),
        name: String::new(),
        counts,
    }
}

/// How `now` compares with `before` (the same group a period earlier): the change of the
/// registrations and of each rate (`null` where either side has none).
pub fn change(now: &Counts, before: &Counts) -> Value {
    let mut v = json!({
        "registered": now.registered as i64 - before.registered as i64,
        "persons": now.persons as i64 - before.persons as i64,
    });
    for (k, name) in Kpi::ALL {
        v[name] = json!(k.value(now).zip(k.value(before)).map(|(a, b)| a - b));
    }
    v
}

/// Orders groups best first, worst last, by a KPI; groups without a value come last.
pub fn rank(groups: &mut [Group], kpi: Kpi) {
    groups.sort_by(|a, b| {
        let (x, y) = (kpi.value(&a.counts), kpi.value(&b.counts));
        match (x, y) {
            (Some(x), Some(y)) => {
                let o = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
                let o = if kpi.higher_is_better() {
                    o.reverse()
                } else {
                    o
                };
                o.then_with(|| a.key.cmp(&b.key))
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.key.cmp(&b.key),
        }
    });
}

/// The group a case's own figures (registrations, and everything when not grouping by unit)
/// belong to.
fn case_key(row: &CaseRow, by: GroupBy) -> Option<String> {
    match by {
        GroupBy::Unit => row.first_contact.as_ref().map(|u| u.to_string()),
        GroupBy::Locality => row.locality.as_ref().map(|u| u.to_string()),
        GroupBy::Category => row.category.clone(),
        GroupBy::Channel => row.channel.map(str::to_string),
    }
}

/// The reference definition: adds one case's row to the groups (the in-memory store uses it; the
/// SQLite store's SQL must agree with it).
pub(crate) fn accumulate(row: &CaseRow, q: &StatsQuery, out: &mut BTreeMap<String, Counts>) {
    if !counted(row) {
        return;
    }
    let Some(on) = row.registered_on else { return };
    if on < q.from || on > q.to {
        return;
    }
    let case_key = case_key(row, q.by);
    let key_for = |unit: &crate::ids::UnitCode| match q.by {
        GroupBy::Unit => Some(unit.to_string()),
        _ => case_key.clone(),
    };
    if let Some(k) = &case_key {
        let c = out.entry(k.clone()).or_default();
        c.registered += 1;
        c.persons += u64::from(row.headcount);
        c.collective_visits += u64::from(row.collective && row.channel == Some("visit"));
        c.skip_level_visits += u64::from(row.skip_level);
        c.repeats += u64::from(row.repeat);
    }
    for k in &row.clocks {
        let Some(key) = key_for(&k.unit) else {
            continue;
        };
        let open_overdue = k.stopped_on.is_none() && k.due < q.today;
        let c = out.entry(key).or_default();
        match k.kind {
            ClockKind::Intake | ClockKind::Acceptance => {
                c.timely_met += u64::from(k.met == Some(true));
                c.timely_base += u64::from(k.stopped_on.is_some() || open_overdue);
            }
            ClockKind::Handling => {
                c.completion_met += u64::from(k.met == Some(true));
                c.completion_base += u64::from(k.stopped_on.is_some() || open_overdue);
            }
            ClockKind::Evaluation => {
                c.evaluations += u64::from(k.rating.is_some());
                c.satisfied += u64::from(matches!(
                    k.rating,
                    Some("satisfied" | "basically_satisfied")
                ));
                c.evaluations_lapsed += u64::from(k.lapsed || open_overdue);
            }
            _ => {}
        }
        if !k.kind.is_window() && open_overdue {
            *c.overdue_open
                .entry(k.kind.as_str().to_string())
                .or_default() += 1;
        }
    }
    for s in &row.supervisions {
        let Some(key) = key_for(&s.unit) else {
            continue;
        };
        *out.entry(key)
            .or_default()
            .supervisions
            .entry(s.level.to_string())
            .or_default() += 1;
    }
}

/// The groupings, in the order stores number them.
pub const GROUPINGS: [GroupBy; 4] = [
    GroupBy::Unit,
    GroupBy::Locality,
    GroupBy::Category,
    GroupBy::Channel,
];

impl GroupBy {
    /// A small number for storage (the index in [`GROUPINGS`]).
    pub fn number(self) -> u8 {
        match self {
            GroupBy::Unit => 0,
            GroupBy::Locality => 1,
            GroupBy::Category => 2,
            GroupBy::Channel => 3,
        }
    }
}

/// A counter a store may keep summed: grouping ([`GroupBy::number`]), group key, registration
/// day, counter name, and for the counters of open clocks their due date.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CounterKey {
    /// [`GroupBy::number`].
    pub grouping: u8,
    /// Unit code, locality code or category.
    pub key: String,
    /// The case's local registration day.
    pub day: NaiveDate,
    /// Counter name ([`add_counter`] knows them all).
    pub item: String,
    /// For an open clock: its due date (it counts as overdue on any later day).
    pub due: Option<NaiveDate>,
}

/// [`accumulate`] taken apart into counters that can be kept summed as cases change (adding the
/// new row's counters, taking away the old row's): the counts that do not depend on the day asked,
/// and each open clock under its due date. Statistics at `today` are the sum of the first kind
/// plus the open clocks due before `today`, added with [`add_counter`]; that sum equals
/// [`accumulate`] (the tests check it on random histories).
pub(crate) fn counters(row: &CaseRow) -> Vec<(CounterKey, i64)> {
    let mut out = Vec::new();
    if !counted(row) {
        return out;
    }
    let Some(day) = row.registered_on else {
        return out;
    };
    for by in GROUPINGS {
        let case_key = case_key(row, by);
        Emit {
            by,
            day,
            out: &mut out,
            n: 1,
        }
        .parts(
            row,
            &case_key,
            true,
            row.clocks.iter(),
            row.supervisions.iter(),
        );
    }
    out
}

/// The group of a figure belonging to `unit`: the unit itself when grouping by unit, else the
/// case's group.
fn group_of(by: GroupBy, case_key: &Option<String>, unit: &crate::ids::UnitCode) -> Option<String> {
    match by {
        GroupBy::Unit => Some(unit.to_string()),
        _ => case_key.clone(),
    }
}

/// Writes counters of one grouping and registration day, each `n` times (1, or -1 to take a
/// row's counters away).
struct Emit<'a> {
    by: GroupBy,
    day: NaiveDate,
    out: &'a mut Vec<(CounterKey, i64)>,
    n: i64,
}

impl Emit<'_> {
    /// The counters of these parts of `row` in the group `case_key` of its own figures: the
    /// case's own (with `case`), the clocks' and the supervisions'.
    fn parts<'r>(
        &mut self,
        row: &CaseRow,
        case_key: &Option<String>,
        case: bool,
        clocks: impl Iterator<Item = &'r crate::projection::ClockRow>,
        supervisions: impl Iterator<Item = &'r crate::projection::SupervisionRow>,
    ) {
        if let (Some(k), true) = (case_key, case) {
            self.case(k, row);
        }
        for c in clocks {
            if let Some(key) = group_of(self.by, case_key, &c.unit) {
                self.clock(&key, c);
            }
        }
        for s in supervisions {
            if let Some(key) = group_of(self.by, case_key, &s.unit) {
                self.supervision(&key, s);
            }
        }
    }

    fn push(&mut self, key: &str, item: &str, due: Option<NaiveDate>, counts: bool) {
        if counts {
            self.push_n(key, item, due, 1);
        }
    }

    /// Pushes `times` of a counter (a sum such as the persons, not a count).
    fn push_n(&mut self, key: &str, item: &str, due: Option<NaiveDate>, times: i64) {
        if times != 0 {
            self.out.push((
                CounterKey {
                    grouping: self.by.number(),
                    key: key.to_string(),
                    day: self.day,
                    item: item.to_string(),
                    due,
                },
                self.n * times,
            ));
        }
    }

    /// The case's own counters.
    fn case(&mut self, key: &str, row: &CaseRow) {
        let (collective_visit, skip_level, repeat, persons) = case_flags(row);
        self.push(key, "registered", None, true);
        self.push_n(key, "persons", None, i64::from(persons));
        self.push(key, "collective_visits", None, collective_visit);
        self.push(key, "skip_level_visits", None, skip_level);
        self.push(key, "repeats", None, repeat);
    }

    /// One clock's counters.
    fn clock(&mut self, key: &str, c: &crate::projection::ClockRow) {
        // Every clock makes its group exist, as in `accumulate`, even with nothing to count.
        self.push(key, "clocks", None, true);
        let stopped = c.stopped_on.is_some();
        let met = c.met == Some(true);
        match c.kind {
            ClockKind::Intake | ClockKind::Acceptance => {
                self.push(key, "timely_met", None, met);
                self.push(key, "timely_base", None, stopped);
            }
            ClockKind::Handling => {
                self.push(key, "completion_met", None, met);
                self.push(key, "completion_base", None, stopped);
            }
            ClockKind::Evaluation => {
                self.push(key, "evaluations", None, c.rating.is_some());
                self.push(
                    key,
                    "satisfied",
                    None,
                    matches!(c.rating, Some("satisfied" | "basically_satisfied")),
                );
                self.push(key, "evaluations_lapsed", None, c.lapsed);
            }
            _ => {}
        }
        if !stopped {
            let item = format!("open.{}.{}", c.kind.as_str(), u8::from(c.lapsed));
            self.push(key, &item, Some(c.due), true);
        }
    }

    /// One supervision's counter.
    fn supervision(&mut self, key: &str, s: &crate::projection::SupervisionRow) {
        self.push(key, &format!("supervisions.{}", s.level), None, true);
    }
}

/// Whether a case counts in the statistics at all: a registration voided as made in error (作废)
/// never does — not as registered, not as a repeat, not by its clocks.
fn counted(row: &CaseRow) -> bool {
    row.state != crate::case::CaseState::Voided.as_str()
}

/// What a case's own counters depend on besides its group.
fn case_flags(row: &CaseRow) -> (bool, bool, bool, u32) {
    (
        row.collective && row.channel == Some("visit"),
        row.skip_level,
        row.repeat,
        row.headcount,
    )
}

/// Adds the counters of `new` less those of `old` (a case's change) to `deltas`, touching only
/// the counters that differ. A case has dozens of counters and a change (a tick, an acceptance)
/// moves a few clocks or supervisions: when the case's groups and registration day stay, only
/// the parts that changed are counted, old and new, and what cancels out is dropped.
pub(crate) fn add_changes<S: std::hash::BuildHasher>(
    old: &CaseRow,
    new: &CaseRow,
    deltas: &mut std::collections::HashMap<CounterKey, i64, S>,
) {
    let mut both = Vec::new();
    let same_groups = old.registered_on == new.registered_on
        && counted(old) == counted(new)
        && GROUPINGS
            .iter()
            .all(|by| case_key(old, *by) == case_key(new, *by));
    match (same_groups, new.registered_on) {
        (true, Some(day)) => {
            // The parts that differ, by position; each is counted as it was (taken away) and
            // as it is (added).
            let flags = case_flags(old) != case_flags(new);
            let clocks: Vec<usize> = (0..old.clocks.len().max(new.clocks.len()))
                .filter(|&i| old.clocks.get(i) != new.clocks.get(i))
                .collect();
            let supervisions: Vec<usize> = (0..old.supervisions.len().max(new.supervisions.len()))
                .filter(|&i| old.supervisions.get(i) != new.supervisions.get(i))
                .collect();
            for by in GROUPINGS {
                let case_key = case_key(new, by);
                for (row, n) in [(old, -1), (new, 1)] {
                    Emit {
                        by,
                        day,
                        out: &mut both,
                        n,
                    }
                    .parts(
                        row,
                        &case_key,
                        flags,
                        clocks.iter().filter_map(|&i| row.clocks.get(i)),
                        supervisions.iter().filter_map(|&i| row.supervisions.get(i)),
                    );
                }
            }
        }
        _ => {
            both = counters(old);
            for (_, n) in &mut both {
                *n = -*n;
            }
            both.extend(counters(new));
        }
    }
    // What one side added and the other took away cancels out before it reaches the map.
    both.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut both = both.into_iter().peekable();
    while let Some((key, mut n)) = both.next() {
        while let Some((_, m)) = both.next_if(|(k, _)| *k == key) {
            n += m;
        }
        if n != 0 {
            *deltas.entry(key).or_default() += n;
        }
    }
}

/// Adds `n` of a counter of [`counters`] to a group; a store passes open-clock counters only
/// when their due date is before the day asked.
pub(crate) fn add_counter(c: &mut Counts, item: &str, n: u64) {
    if let Some(open) = item.strip_prefix("open.") {
        if let Some((kind, lapsed)) = open.rsplit_once('.') {
            if let Some(kind) = ClockKind::parse(kind) {
                add_open_clock(c, kind, lapsed == "1", n);
            }
        }
        return;
    }
    add_static(c, item, n);
}

fn add_static(c: &mut Counts, item: &str, n: u64) {
    match item {
        "registered" => c.registered += n,
        "persons" => c.persons += n,
        "collective_visits" => c.collective_visits += n,
        "skip_level_visits" => c.skip_level_visits += n,
        "repeats" => c.repeats += n,
        "timely_met" => c.timely_met += n,
        "timely_base" => c.timely_base += n,
        "completion_met" => c.completion_met += n,
        "completion_base" => c.completion_base += n,
        "evaluations" => c.evaluations += n,
        "satisfied" => c.satisfied += n,
        "evaluations_lapsed" => c.evaluations_lapsed += n,
        other => {
            if let Some(level) = other.strip_prefix("supervisions.") {
                *c.supervisions.entry(level.to_string()).or_default() += n;
            }
        }
    }
}

/// The day-dependent part of [`accumulate`]: `n` open clocks of `kind` past due on the query's
/// `today`, `lapsed` as recorded.
fn add_open_clock(c: &mut Counts, kind: ClockKind, lapsed: bool, n: u64) {
    match kind {
        ClockKind::Intake | ClockKind::Acceptance => c.timely_base += n,
        ClockKind::Handling => c.completion_base += n,
        ClockKind::Evaluation if !lapsed => c.evaluations_lapsed += n,
        _ => {}
    }
    if !kind.is_window() {
        *c.overdue_open.entry(kind.as_str().to_string()).or_default() += n;
    }
}
