//! 投影: the rows a case is indexed by — its state, units, dates, clocks and supervisions — computed
//! once from the case, so every store indexes the same facts and the statistics rules count them.

use chrono::NaiveDate;

use crate::case::{Case, ObjectionStatus, Registration};
use crate::clock::ClockKind;
use crate::ids::{CaseId, UnitCode};

/// One clock row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClockRow {
    /// Index on the case.
    pub idx: u32,
    /// Kind.
    pub kind: ClockKind,
    /// Responsible unit.
    pub unit: UnitCode,
    /// Start date.
    pub started: NaiveDate,
    /// Due date.
    pub due: NaiveDate,
    /// Stop date.
    pub stopped_on: Option<NaiveDate>,
    /// Met (duty clocks that stopped).
    pub met: Option<bool>,
    /// Window recorded lapsed.
    pub lapsed: bool,
    /// For evaluation clocks: the handling rating given.
    pub rating: Option<&'static str>,
}

/// One supervision row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SupervisionRow {
    /// Number.
    pub id: u32,
    /// Level.
    pub level: &'static str,
    /// Ground.
    pub ground: &'static str,
    /// Issuer.
    pub by: UnitCode,
    /// Supervised unit.
    pub unit: UnitCode,
    /// Respond-by.
    pub respond_by: NaiveDate,
    /// Answered.
    pub answered: bool,
}

/// The row of the `cases` query table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CaseRow {
    /// Id.
    pub id: CaseId,
    /// State.
    pub state: &'static str,
    /// Holder.
    pub holder: Option<UnitCode>,
    /// Lead.
    pub lead: Option<UnitCode>,
    /// First-contact unit.
    pub first_contact: Option<UnitCode>,
    /// Router of a pending objection.
    pub objection_router: Option<UnitCode>,
    /// 承办人.
    pub officer: Option<crate::ids::StaffId>,
    /// Locality.
    pub locality: Option<UnitCode>,
    /// Category.
    pub category: Option<String>,
    /// Channel.
    pub channel: Option<&'static str>,
    /// 人数: the persons the petition speaks for (the statistics' 人次). Not a column of its
    /// own: the statistics' counters carry it (a stored row reads 0).
    pub headcount: u32,
    /// Local registration date.
    pub registered_on: Option<NaiveDate>,
    /// Registration time, RFC 3339 as stored.
    pub registered_at: Option<String>,
    /// Petitioner names, for `list --petitioner`.
    pub names: String,
    /// 越级.
    pub skip_level: bool,
    /// 集体访.
    pub collective: bool,
    /// 重复信访.
    pub repeat: bool,
    /// First day tick has work.
    pub next_tick: Option<NaiveDate>,
    /// Last sequence number.
    pub last_seq: u32,
    /// Identity keys for repeat detection.
    pub identities: Vec<String>,
    /// The search index's row of the registration (`None` without one).
    pub search: Option<crate::search::SearchRow>,
    /// Every unit that appears in the case ([`crate::access::units_of`]), sorted: the store's
    /// index for visibility.
    pub units: Vec<UnitCode>,
    /// Clocks.
    pub clocks: Vec<ClockRow>,
    /// Supervisions.
    pub supervisions: Vec<SupervisionRow>,
}

impl CaseRow {
    /// The row of a case.
    pub(crate) fn of(case: &Case) -> Self {
        Self::build(case, None)
    }

    /// The rows of a case before and after a change. The fields drawn from the registration alone
    /// (names, identity keys, the search index's row: tokenising is most of a row's cost) are
    /// taken over from the new row when the registration did not change, as in a tick.
    pub(crate) fn change(before: &Case, after: &Case) -> (Self, Self) {
        let now = Self::of(after);
        let was = if before.registration.is_some() && before.registration == after.registration {
            Self::build(before, Some(&now))
        } else {
            Self::of(before)
        };
        (was, now)
    }

    /// The row of `case`; with `same`, the row of a case with the same registration, whose
    /// registration-drawn fields are copied instead of computed again.
    fn build(case: &Case, same: Option<&Self>) -> Self {
        let reg = case.registration.as_ref();
        Self {
            id: case.id.clone(),
            state: case.state.as_str(),
            holder: case.holder.clone(),
            lead: case.lead.clone(),
            first_contact: case.first_contact.as_ref().map(|f| f.unit.clone()),
            objection_router: (case.objection == Some(ObjectionStatus::Pending))
                .then(|| case.routed_by.clone())
                .flatten(),
            officer: case.officer.clone(),
            locality: reg.map(|r| r.locality.clone()),
            category: reg.map(|r| r.category.clone()),
            channel: reg.map(|r| r.channel.as_str()),
            headcount: reg.map_or(0, |r| r.headcount),
            registered_on: case.registered_at.map(|t| t.date_naive()),
            registered_at: case.registered_at.map(|t| t.to_rfc3339()),
            names: match same {
                Some(s) => s.names.clone(),
                None => reg
                    .map(|r| {
                        r.petitioners
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
            },
            skip_level: case.skip_level,
            collective: case.collective,
            repeat: case.repeat_of.is_some(),
            next_tick: case.next_tick_date(),
            last_seq: case.seq,
            identities: match same {
                Some(s) => s.identities.clone(),
                None => reg.map(Registration::identity_keys).unwrap_or_default(),
            },
            search: match same {
                Some(s) => s.search.clone(),
                None => reg.map(crate::search::SearchRow::of),
            },
            units: crate::access::units_of(case).into_iter().cloned().collect(),
            clocks: case
                .clocks
                .iter()
                .map(|c| ClockRow {
                    idx: c.index,
                    kind: c.kind,
                    unit: c.unit.clone(),
                    started: c.started,
                    due: c.due,
                    stopped_on: c.stopped_on,
                    met: c.met(),
                    lapsed: c.lapsed,
                    rating: case
                        .evaluations
                        .iter()
                        .find(|e| e.clock == c.index)
                        .map(|e| e.handling.as_str()),
                })
                .collect(),
            supervisions: case
                .supervisions
                .iter()
                .map(|s| SupervisionRow {
                    id: s.id,
                    level: s.level.as_str(),
                    ground: s.ground.as_str(),
                    by: s.by.clone(),
                    unit: s.unit.clone(),
                    respond_by: s.respond_by,
                    // Answered, or ended with the case: either way no longer open.
                    answered: !s.is_open(),
                })
                .collect(),
        }
    }
}
