//! 查阅权限: who may read a case, and how much of the petitioner's personal data they see.
//!
//! One function, [`access`], decides both for every read path (show, notices, lists, queues,
//! exports, repeat detection, the access log). The rules:
//!
//! - **Accusations** (揭发控告, 2005 Art 23 and 44: the accuser's details are kept from the
//!   accused): to staff of the accused unit the case does not exist — it answers exactly as an
//!   unknown case does, and no filter over it can be used as an oracle.
//! - **Reach** (查阅范围): a government or petition office reads the cases of its territory (every
//!   unit under its government, including lower governments); a department or legal organ reads
//!   the cases of its own line (itself and the units below it through the parent or the
//!   line-superior relation). A case is in reach when any unit that appears in it — first contact,
//!   holder, lead, assisting unit, a unit it was routed to, reviewer, re-reviewer, supervising or
//!   supervised unit, or its locality — is in reach. An admin reads every case.
//! - **Personal data** (names, id numbers, phones, addresses; PIPL Art 51): in full only to staff
//!   of the units that register, hold, lead or assist the case; masked for every other reader.
//!   Each disclosure in full is recorded in the access log ([`Disclosure`]).

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::case::Case;
use crate::ids::{CaseId, StaffId, UnitCode};
use crate::org::{Org, Role, Staff, UnitKind};

/// What a reader may see of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Nothing: the case does not exist for this reader.
    Hidden,
    /// The case, with personal data masked (王某, `110101********1234`, `138****5678`).
    Masked,
    /// The case with personal data in full (a disclosure to record).
    Full,
}

/// Whether `unit` is in the reach of `reader_unit` (see the module docs).
pub fn in_reach(org: &Org, reader_unit: &UnitCode, unit: &UnitCode) -> bool {
    let Some(r) = org.unit(reader_unit) else {
        return false;
    };
    match r.kind {
        UnitKind::Government | UnitKind::PetitionOffice => {
            // The subtree of gov(reader) through `parent`.
            let Some(gov) = org.gov(reader_unit) else {
                return false;
            };
            let mut cur = Some(unit.clone());
            let mut steps = 0;
            while let Some(c) = cur {
                if c == gov.code {
                    return true;
                }
                steps += 1;
                if steps > 64 {
                    return false;
                }
                cur = org.unit(&c).and_then(|u| u.parent.clone());
            }
            false
        }
        UnitKind::Department | UnitKind::Legal => {
            // The reader itself and every unit below it through `parent` or `line_superior`:
            // walk upwards from `unit` along both relations.
            let mut seen: BTreeSet<UnitCode> = BTreeSet::new();
            let mut todo = vec![unit.clone()];
            while let Some(c) = todo.pop() {
                if &c == reader_unit {
                    return true;
                }
                if !seen.insert(c.clone()) || seen.len() > 4096 {
                    continue;
                }
                if let Some(u) = org.unit(&c) {
                    todo.extend(u.parent.iter().cloned());
                    todo.extend(u.line_superior.iter().cloned());
                }
            }
            false
        }
    }
}

/// Every unit that appears in a case (the units that make it readable).
pub fn units_of(case: &Case) -> BTreeSet<&UnitCode> {
    let mut s = full_units(case);
    s.extend(case.routed_to.iter());
    s.extend(case.reviewer.iter());
    s.extend(case.rereviewer.iter());
    for sv in &case.supervisions {
        s.insert(&sv.by);
        s.insert(&sv.unit);
    }
    if let Some(r) = &case.registration {
        s.insert(&r.locality);
    }
    s
}

/// Whether any unit of the case is in the reach of `unit`.
pub fn case_in_reach(org: &Org, unit: &UnitCode, case: &Case) -> bool {
    units_of(case).into_iter().any(|u| in_reach(org, unit, u))
}

/// The units whose staff see the petitioner's personal data in full: the registering unit, the
/// holder, the lead and the assisting units.
pub fn full_units(case: &Case) -> BTreeSet<&UnitCode> {
    let mut s: BTreeSet<&UnitCode> = BTreeSet::new();
    if let Some(f) = &case.first_contact {
        s.insert(&f.unit);
    }
    s.extend(case.holder.iter());
    s.extend(case.lead.iter());
    s.extend(case.assisting.iter().map(|a| &a.unit));
    s
}

/// What `reader` may see of `case` (see the module docs). The one decision every read path uses.
///
/// ```
/// use petition_core::access::{access, Access};
/// use petition_core::example::{county, principal, registration, staff, unit};
/// use petition_core::Command;
/// let (mut svc, now) = county();
/// let li = principal(&mut svc, "li");
/// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
/// let case = svc.execute(&li, now, &id, Command::Transfer { to: unit("town"), note: None })
///     .unwrap().case;
/// svc.read(|w| {
///     let who = |id| w.org().staff(&staff(id)).cloned().unwrap();
///     assert_eq!(access(w.org(), &who("sun"), &case), Access::Full); // the holder
///     assert_eq!(access(w.org(), &who("admin"), &case), Access::Masked);
///     assert_eq!(access(w.org(), &who("wang"), &case), Access::Hidden);
///     Ok(())
/// }).unwrap();
/// ```
pub fn access(org: &Org, reader: &Staff, case: &Case) -> Access {
    // An integration account (接口账户) reads only the cases it registered itself.
    if reader.role == Role::Integration
        && case.first_contact.as_ref().map(|f| f.staff.as_str()) != Some(reader.id.as_str())
    {
        return Access::Hidden;
    }
    let unit = reader.unit.as_ref();
    if let (Some(accused), Some(u)) = (case.accused_unit(), unit) {
        if accused == u {
            return Access::Hidden;
        }
    }
    if let Some(u) = unit {
        if full_units(case).contains(u) {
            return Access::Full;
        }
    }
    if reader.role == Role::Admin {
        return Access::Masked;
    }
    match unit {
        Some(u) if case_in_reach(org, u, case) => Access::Masked,
        _ => Access::Hidden,
    }
}

/// One entry of the access log: who saw unmasked personal data of which case, when, and by which
/// command (PIPL Art 51, 55). `case` is `None` for a disclosure of every case at once (an
/// export with personal data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// When (the system clock on a live database).
    pub at: DateTime<FixedOffset>,
    /// The reader's staff id.
    pub staff: StaffId,
    /// The case, or `None` for all cases.
    pub case: Option<CaseId>,
    /// The command, e.g. `show`, `notice`, `export`.
    pub command: String,
}

/// A stored access-log entry with its position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoggedDisclosure {
    /// Position in the access log, from 1.
    pub pos: u64,
    /// The entry.
    #[serde(flatten)]
    pub disclosure: Disclosure,
}
