//! 期限: the calendar (rest days, holidays, make-up working days), day counting per Civil Code
//! Art 201/203, and the legal clocks (docs/rules.md). Everything here is a pure function of dates.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::ids::UnitCode;

/// 日历: public holidays and make-up working days (调休上班). Weekends are rest days unless listed
/// as make-up working days; listed holidays are rest days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// 法定节假日.
    pub holidays: BTreeSet<NaiveDate>,
    /// 调休上班日.
    pub workdays: BTreeSet<NaiveDate>,
}

crate::case::data::text_enum!(
    /// The kind of a calendar entry.
    DayKind {
        Holiday => "holiday", "holiday", "节假日";
        Workday => "workday", "make-up working day", "调休上班";
    }
);

impl Calendar {
    /// Whether any holiday or make-up working day of `year` is loaded: due dates in a year
    /// without one count every weekday as a working day, which is wrong around the holidays.
    pub fn has_year(&self, year: i32) -> bool {
        use chrono::Datelike;
        self.holidays
            .iter()
            .chain(self.workdays.iter())
            .any(|d| d.year() == year)
    }

    /// The years among `dates` whose calendar is not loaded ([`Calendar::has_year`]).
    ///
    /// ```
    /// use petition_core::clock::Calendar;
    /// use chrono::NaiveDate;
    /// let mut cal = Calendar::default();
    /// cal.holidays.insert(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
    /// let due = [NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 1, 8).unwrap()];
    /// assert_eq!(cal.unloaded_years(due), vec![2027]);
    /// ```
    pub fn unloaded_years(&self, dates: impl IntoIterator<Item = NaiveDate>) -> Vec<i32> {
        use chrono::Datelike;
        let years: BTreeSet<i32> = dates.into_iter().map(|d| d.year()).collect();
        years.into_iter().filter(|y| !self.has_year(*y)).collect()
    }

    /// Whether `d` is a rest day.
    pub fn is_rest_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return true;
        }
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.workdays.contains(&d)
    }

    /// The first working day on or after `d`.
    pub fn roll_forward(&self, mut d: NaiveDate) -> NaiveDate {
        // A calendar cannot hold more than a few hundred consecutive rest days; bound the loop anyway.
        for _ in 0..400 {
            if !self.is_rest_day(d) {
                return d;
            }
            d = next(d);
        }
        d
    }

    /// The due date of an N-day limit from an event on `start`: the start day is not counted
    /// (Civil Code Art 201); with `roll_over` a rest day moves to the next working day (Art 203).
    pub fn due_days(&self, start: NaiveDate, days: u32, roll_over: bool) -> NaiveDate {
        let raw = start
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX);
        if roll_over {
            self.roll_forward(raw)
        } else {
            raw
        }
    }

    /// The due date of an N-working-day limit: counts only working days after `start`.
    pub fn due_working_days(&self, start: NaiveDate, days: u32) -> NaiveDate {
        let mut d = start;
        let mut left = days;
        let mut guard = 0u32;
        while left > 0 && guard < 100_000 {
            d = next(d);
            guard += 1;
            if !self.is_rest_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Adds one entry, replacing any entry of the other kind on the same date.
    pub fn set(&mut self, d: NaiveDate, kind: DayKind) {
        match kind {
            DayKind::Holiday => {
                self.workdays.remove(&d);
                self.holidays.insert(d);
            }
            DayKind::Workday => {
                self.holidays.remove(&d);
                self.workdays.insert(d);
            }
        }
    }

    /// The entries of one year (or all), in date order.
    pub fn entries(&self, year: Option<i32>) -> Vec<(NaiveDate, DayKind)> {
        let mut v: Vec<_> = self
            .holidays
            .iter()
            .map(|d| (*d, DayKind::Holiday))
            .chain(self.workdays.iter().map(|d| (*d, DayKind::Workday)))
            .filter(|(d, _)| year.is_none_or(|y| d.year() == y))
            .collect();
        v.sort();
        v
    }
}

fn next(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// The local date of `t` in the policy's time zone.
pub fn local_date(t: DateTime<FixedOffset>, tz: FixedOffset) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The kinds of clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// 登记后处理 (route, accept or decline).
    Intake,
    /// 受理 by the receiving unit.
    Acceptance,
    /// 异议 window of the receiving unit.
    Objection,
    /// 办理.
    Handling,
    /// 协办.
    Assist,
    /// 办结报告.
    ResultReport,
    /// 申请复查 window of the petitioner.
    ReviewWindow,
    /// 复查.
    Review,
    /// 申请复核 window of the petitioner.
    RereviewWindow,
    /// 复核.
    Rereview,
    /// 满意度评价 window of the petitioner.
    Evaluation,
    /// 督办反馈.
    Supervision,
}

impl ClockKind {
    /// Every kind, in table order.
    pub const ALL: [ClockKind; 12] = [
        ClockKind::Intake,
        ClockKind::Acceptance,
        ClockKind::Objection,
        ClockKind::Handling,
        ClockKind::Assist,
        ClockKind::ResultReport,
        ClockKind::ReviewWindow,
        ClockKind::Review,
        ClockKind::RereviewWindow,
        ClockKind::Rereview,
        ClockKind::Evaluation,
        ClockKind::Supervision,
    ];

    /// Window clocks are rights, not duties: never overdue, never supervised.
    pub fn is_window(self) -> bool {
        matches!(
            self,
            ClockKind::ReviewWindow
                | ClockKind::RereviewWindow
                | ClockKind::Evaluation
                | ClockKind::Objection
        )
    }

    /// snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::Intake => "intake",
            ClockKind::Acceptance => "acceptance",
            ClockKind::Objection => "objection",
            ClockKind::Handling => "handling",
            ClockKind::Assist => "assist",
            ClockKind::ResultReport => "result_report",
            ClockKind::ReviewWindow => "review_window",
            ClockKind::Review => "review",
            ClockKind::RereviewWindow => "rereview_window",
            ClockKind::Rereview => "rereview",
            ClockKind::Evaluation => "evaluation",
            ClockKind::Supervision => "supervision",
        }
    }

    /// The clock's label in `lang`.
    pub fn label(self, lang: crate::error::Lang) -> &'static str {
        use crate::error::Lang::{En, Zh};
        match (self, lang) {
            (ClockKind::Intake, En) => "intake",
            (ClockKind::Intake, Zh) => "登记处理",
            (ClockKind::Acceptance, En) => "acceptance",
            (ClockKind::Acceptance, Zh) => "受理",
            (ClockKind::Objection, En) => "objection",
            (ClockKind::Objection, Zh) => "异议",
            (ClockKind::Handling, En) => "handling",
            (ClockKind::Handling, Zh) => "办理",
            (ClockKind::Assist, En) => "assistance",
            (ClockKind::Assist, Zh) => "协办",
            (ClockKind::ResultReport, En) => "result report",
            (ClockKind::ResultReport, Zh) => "办结报告",
            (ClockKind::ReviewWindow, En) => "review request",
            (ClockKind::ReviewWindow, Zh) => "申请复查",
            (ClockKind::Review, En) => "review",
            (ClockKind::Review, Zh) => "复查",
            (ClockKind::RereviewWindow, En) => "re-review request",
            (ClockKind::RereviewWindow, Zh) => "申请复核",
            (ClockKind::Rereview, En) => "re-review",
            (ClockKind::Rereview, Zh) => "复核",
            (ClockKind::Evaluation, En) => "evaluation",
            (ClockKind::Evaluation, Zh) => "评价",
            (ClockKind::Supervision, En) => "supervision response",
            (ClockKind::Supervision, Zh) => "督办反馈",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A clock started by an event: what the event records, so replay never recomputes due dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStart {
    /// Kind.
    pub kind: ClockKind,
    /// The unit that owes the action (for windows: the unit whose answer is concerned).
    pub unit: UnitCode,
    /// Local start date (the day not counted).
    pub started: NaiveDate,
    /// Local due date (end of that day).
    pub due: NaiveDate,
    /// For calendar-day clocks, the base limit in days (extensions are counted from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// For supervision clocks, the supervision they belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervision: Option<u32>,
}

/// A clock on a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Position on the case, from 0.
    pub index: u32,
    /// Kind.
    pub kind: ClockKind,
    /// Responsible unit.
    pub unit: UnitCode,
    /// Local start date.
    pub started: NaiveDate,
    /// Local due date; moves later with extensions and hearings, never earlier.
    pub due: NaiveDate,
    /// Base limit in days, when counted in calendar days.
    pub days: Option<u32>,
    /// Hearing days that paused the clock (复核听证).
    pub paused_days: u32,
    /// When it stopped.
    pub stopped_at: Option<DateTime<FixedOffset>>,
    /// Local date it stopped.
    pub stopped_on: Option<NaiveDate>,
    /// The supervision it belongs to (supervision clocks).
    pub supervision: Option<u32>,
    /// Whether tick has opened the automatic supervision for it (once per clock).
    pub auto_supervised: bool,
    /// For windows: recorded as lapsed unused (case closed `window_lapsed`, `evaluation_lapsed`).
    pub lapsed: bool,
    /// For the petitioner's windows: the day the notice was served (送达), from which the window
    /// now counts; `None` while it counts from the issue date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_on: Option<NaiveDate>,
}

impl Clock {
    /// A running clock from its start record.
    pub fn from_start(index: u32, s: &ClockStart) -> Self {
        Self {
            index,
            kind: s.kind,
            unit: s.unit.clone(),
            started: s.started,
            due: s.due,
            days: s.days,
            paused_days: 0,
            stopped_at: None,
            stopped_on: None,
            supervision: s.supervision,
            auto_supervised: false,
            lapsed: false,
            served_on: None,
        }
    }

    /// Whether it is still running.
    pub fn is_open(&self) -> bool {
        self.stopped_at.is_none()
    }

    /// Overdue on local date `today`: a running duty clock past its due date.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.kind.is_window() && self.is_open() && today > self.due
    }

    /// For windows: the right lapsed unused (recorded so, or running and past its due date).
    pub fn lapsed_on(&self, today: NaiveDate) -> bool {
        self.kind.is_window() && (self.lapsed || (self.is_open() && today > self.due))
    }

    /// Met: stopped on or before its due date; `None` while running (and always for windows).
    pub fn met(&self) -> Option<bool> {
        if self.kind.is_window() {
            return None;
        }
        self.stopped_on.map(|d| d <= self.due)
    }

    /// Whether the clock is still usable on `today` (open and not past due): for windows.
    pub fn within(&self, today: NaiveDate) -> bool {
        self.is_open() && today <= self.due
    }
}

impl crate::case::Vocabulary for ClockKind {
    const ALL: &'static [Self] = &ClockKind::ALL;
    fn as_str(self) -> &'static str {
        ClockKind::as_str(self)
    }
    fn label(self, lang: crate::error::Lang) -> &'static str {
        ClockKind::label(self, lang)
    }
}

/// The system clock in the time zone `tz`, to the second: the time of every write on a live
/// database and of a token's issue, and the "now" of a front end (every output shows times to
/// the second, and what is recorded is what is shown). The one reading of the clock.
pub fn system_now(tz: FixedOffset) -> DateTime<FixedOffset> {
    let now = chrono::Utc::now();
    let whole = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    whole.with_timezone(&tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    // The worked examples of docs/rules.md §8, literally.
    #[test]
    fn spec_5_1_handling_60_days_from_2026_03_02_is_2026_05_01() {
        let cal = Calendar::default();
        assert_eq!(cal.due_days(d("2026-03-02"), 60, true), d("2026-05-01"));
    }

    #[test]
    fn spec_5_1_with_30_day_extension_sunday_rolls_to_2026_06_01() {
        let cal = Calendar::default();
        assert_eq!(d("2026-05-31").weekday(), Weekday::Sun);
        assert_eq!(cal.due_days(d("2026-03-02"), 90, true), d("2026-06-01"));
        // Without roll-over the raw date stands.
        assert_eq!(cal.due_days(d("2026-03-02"), 90, false), d("2026-05-31"));
    }

    #[test]
    fn spec_5_1_objection_5_working_days_from_friday_2026_03_06_is_2026_03_13() {
        let cal = Calendar::default();
        assert_eq!(cal.due_working_days(d("2026-03-06"), 5), d("2026-03-13"));
    }

    #[test]
    fn spec_5_1_may_day_holidays_move_due_date_to_2026_05_06() {
        let mut cal = Calendar::default();
        for day in 1..=5 {
            cal.set(
                NaiveDate::from_ymd_opt(2026, 5, day).expect("date"),
                DayKind::Holiday,
            );
        }
        assert_eq!(cal.due_days(d("2026-03-02"), 60, true), d("2026-05-06"));
    }

    #[test]
    fn make_up_working_days_count_as_working_days() {
        let mut cal = Calendar::default();
        // Saturday 2026-03-07 declared a make-up working day.
        cal.set(d("2026-03-07"), DayKind::Workday);
        assert!(!cal.is_rest_day(d("2026-03-07")));
        assert_eq!(cal.due_working_days(d("2026-03-06"), 5), d("2026-03-12"));
        // A due date on that Saturday does not roll.
        assert_eq!(cal.due_days(d("2026-03-06"), 1, true), d("2026-03-07"));
    }

    #[test]
    fn start_day_is_not_counted() {
        let cal = Calendar::default();
        assert_eq!(cal.due_days(d("2026-03-03"), 1, true), d("2026-03-04"));
        assert_eq!(cal.due_working_days(d("2026-03-03"), 1), d("2026-03-04"));
    }

    #[test]
    fn overdue_met_and_lapsed() {
        let start = ClockStart {
            kind: ClockKind::Handling,
            unit: UnitCode::parse("u").expect("u"),
            started: d("2026-03-02"),
            due: d("2026-05-01"),
            days: Some(60),
            supervision: None,
        };
        let mut c = Clock::from_start(0, &start);
        assert!(!c.overdue(d("2026-05-01")), "due day itself is in time");
        assert!(c.overdue(d("2026-05-02")));
        assert_eq!(c.met(), None);
        c.stopped_on = Some(d("2026-05-01"));
        c.stopped_at = Some(DateTime::parse_from_rfc3339("2026-05-01T17:00:00+08:00").expect("t"));
        assert_eq!(c.met(), Some(true));
        assert!(!c.overdue(d("2026-06-01")));
        let w = Clock::from_start(
            1,
            &ClockStart {
                kind: ClockKind::ReviewWindow,
                ..start
            },
        );
        assert!(!w.overdue(d("2026-06-01")), "windows are never overdue");
        assert!(w.lapsed_on(d("2026-05-02")));
        assert_eq!(w.met(), None);
    }

    #[test]
    fn local_date_uses_the_timezone() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T20:00:00Z").expect("t");
        let tz8 = FixedOffset::east_opt(8 * 3600).expect("tz");
        assert_eq!(local_date(t, tz8), d("2026-03-02"));
        assert_eq!(
            local_date(t, FixedOffset::east_opt(0).expect("tz")),
            d("2026-03-01")
        );
    }
}
