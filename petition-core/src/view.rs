//! 视图: the case as JSON with its clocks evaluated at a given time, and the privacy
//! rules for what a reader may see — masking and redaction for the accused unit (2005 Art 23).

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::case::{Case, Event, EventKind, Petitioner};
use crate::clock::Clock;

/// How much personal data a reader sees (decided by [`crate::access::access`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Privacy {
    /// Everything (staff of the registering, holding, leading or assisting unit; `--include-pii`
    /// exports).
    Full,
    /// Names as their first character and 某, id numbers, phones and addresses masked.
    Masked,
}

impl Privacy {
    /// The privacy of a reader with this access (`Hidden` readers see nothing at all and never
    /// reach a view).
    pub fn of(access: crate::access::Access) -> Privacy {
        match access {
            crate::access::Access::Full => Privacy::Full,
            _ => Privacy::Masked,
        }
    }
}

/// `王某`: a name as its first character and 某.
pub fn mask_name(s: &str) -> String {
    match s.trim().chars().next() {
        Some(c) => format!("{c}某"),
        None => String::new(),
    }
}

/// `110101********1234`: the first 6 and last 4 characters kept.
pub fn mask_id(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() <= 10 {
        return "*".repeat(c.len());
    }
    let head: String = c[..6].iter().collect();
    let tail: String = c[c.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(c.len() - 10))
}

/// `138****5678`: the first 3 and last 4 digits kept.
pub fn mask_phone(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() <= 7 {
        return "*".repeat(c.len());
    }
    let head: String = c[..3].iter().collect();
    let tail: String = c[c.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(c.len() - 7))
}

/// How a corrected registration field is masked: the personal ones (the first petitioner's
/// name, id number, phone, address) as everywhere, `None` for the others.
pub fn mask_of(field: crate::case::AmendField) -> Option<fn(&str) -> String> {
    use crate::case::AmendField as F;
    match field {
        F::Name => Some(mask_name),
        F::IdNumber => Some(mask_id),
        F::Phone => Some(mask_phone),
        F::Address => Some(mask_address),
        _ => None,
    }
}

/// An address keeps its first 6 characters.
pub fn mask_address(s: &str) -> String {
    let head: String = s.chars().take(6).collect();
    format!("{head}****")
}

/// Masks a registration's personal data in place: every petitioner's name, id number, phone
/// and address, and the representatives' names (masking twice changes nothing).
pub(crate) fn mask_registration(r: &mut crate::case::Registration) {
    for p in &mut r.petitioners {
        p.name = mask_name(&p.name);
        p.id_number = p.id_number.as_deref().map(mask_id);
        p.phone = p.phone.as_deref().map(mask_phone);
        p.address = p.address.as_deref().map(mask_address);
    }
    for n in &mut r.representatives {
        *n = mask_name(n);
    }
}

/// A case as a masked reader may hold it: personal data masked, and in any case no query code
/// (a credential of the petitioner's).
pub(crate) fn mask_case(case: &mut Case) {
    if let Some(r) = &mut case.registration {
        mask_registration(r);
    }
    // Why a file was withdrawn may name people (the wrong petitioner's id copy).
    for w in case
        .attachments
        .iter_mut()
        .filter_map(|a| a.withdrawn.as_mut())
    {
        w.reason = WITHHELD.to_string();
    }
    case.query_code = None;
}

/// What a masked reader sees in place of a note's text.
pub const WITHHELD: &str = "***";

/// An event as a masked reader may hold it: the registration's personal data and a corrected
/// personal value masked; in any case no query code.
pub(crate) fn mask_event(e: &mut Event) {
    match &mut e.kind {
        EventKind::Registered(r) => mask_registration(&mut r.registration),
        EventKind::Amended {
            field, old, new, ..
        } => {
            if let Some(f) = mask_of(*field) {
                *old = old.as_deref().map(f);
                *new = new.as_deref().map(f);
            }
        }
        // A note's text and a service's note may name people: a masked reader sees that there
        // was one, of what kind, when and by which unit.
        EventKind::Noted { text, .. } => *text = WITHHELD.to_string(),
        EventKind::AttachmentWithdrawn { reason, .. } => *reason = WITHHELD.to_string(),
        EventKind::Served {
            note: Some(note), ..
        } => *note = WITHHELD.to_string(),
        _ => {}
    }
    hide_code(e);
}

/// Leaves a query code (or its hash) out of an event: nobody reads it back.
pub(crate) fn hide_code(e: &mut Event) {
    match &mut e.kind {
        EventKind::Registered(r) => {
            r.query_code = None;
            r.query_code_hash = None;
        }
        EventKind::QueryCodeReset { query_code_hash } => {
            *query_code_hash = crate::ids::CodeHash::withheld();
        }
        _ => {}
    }
}

fn petitioner_json(p: &Petitioner, privacy: Privacy) -> Value {
    let (name, id, phone, address) = match privacy {
        Privacy::Full => (
            p.name.clone(),
            p.id_number.clone(),
            p.phone.clone(),
            p.address.clone(),
        ),
        Privacy::Masked => (
            mask_name(&p.name),
            p.id_number.as_deref().map(mask_id),
            p.phone.as_deref().map(mask_phone),
            p.address.as_deref().map(mask_address),
        ),
    };
    json!({"name": name, "id_type": p.id_type, "id_number": id, "phone": phone, "address": address})
}

/// One clock as JSON at local date `today`: duty clocks have `overdue` and `met`, windows `lapsed`.
pub fn clock_json(c: &Clock, today: NaiveDate) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), json!(c.kind));
    m.insert("unit".into(), json!(c.unit));
    m.insert("started".into(), json!(c.started));
    m.insert("due".into(), json!(c.due));
    m.insert(
        "stopped_at".into(),
        json!(c.stopped_at.map(crate::input::rfc3339)),
    );
    if c.kind.is_window() {
        m.insert("lapsed".into(), json!(c.lapsed_on(today)));
    } else {
        m.insert("overdue".into(), json!(c.overdue(today)));
        m.insert("met".into(), json!(c.met()));
    }
    if c.paused_days > 0 {
        m.insert("paused_days".into(), json!(c.paused_days));
    }
    if let Some(s) = c.supervision {
        m.insert("supervision".into(), json!(s));
    }
    if let Some(on) = c.served_on {
        // The petitioner's window counts from the notice's service (送达), not its issue.
        m.insert("served_on".into(), json!(on));
    }
    Value::Object(m)
}

/// One event as JSON for views: the envelope and the payload, without personal data (the
/// registration payload is shown through the case's own fields) and without clock records.
pub fn event_json(e: &Event) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("case");
        m.remove("clocks");
        m.remove("registration");
        m.remove("query_code");
        m.remove("query_code_hash");
        // The links to earlier cases are shown through the case's own fields, filtered for the
        // reader (an accusation is never named to the accused unit).
        if matches!(e.kind, EventKind::Registered(_) | EventKind::Amended { .. }) {
            m.remove("related");
            m.remove("repeat_of");
        }
        // A corrected name, id number, phone or address is personal data: the values are shown
        // masked (the case's own fields show the current one as the reader may see it).
        if let EventKind::Amended {
            field, old, new, ..
        } = &e.kind
        {
            if let Some(f) = mask_of(*field) {
                m.insert("old".into(), json!(old.as_deref().map(f)));
                m.insert("new".into(), json!(new.as_deref().map(f)));
            }
        }
    }
    // Shown to the second, whatever the chain recorded.
    crate::input::times_to_the_second(&mut v);
    v
}

/// The case as JSON (the `show --json` document), evaluated at local date `today`.
pub fn case_json(case: &Case, events: &[Event], today: NaiveDate, privacy: Privacy) -> Value {
    let reg = case.registration.as_ref();
    let petitioners: Vec<Value> = reg
        .map(|r| {
            r.petitioners
                .iter()
                .map(|p| petitioner_json(p, privacy))
                .collect()
        })
        .unwrap_or_default();
    let representatives: Vec<String> = reg
        .map(|r| {
            r.representatives
                .iter()
                .map(|n| match privacy {
                    Privacy::Full => n.clone(),
                    Privacy::Masked => mask_name(n),
                })
                .collect()
        })
        .unwrap_or_default();
    let content = reg.and_then(|r| r.content.clone());
    let mut v = json!({
        "id": case.id,
        "state": case.state,
        "channel": reg.map(|r| r.channel),
        "purpose": reg.map(|r| r.purpose),
        "summary": reg.map(|r| r.summary.clone()),
        "content": content,
        "category": reg.map(|r| r.category.clone()),
        "locality": reg.map(|r| r.locality.clone()),
        "received_at": reg.map(|r| crate::input::rfc3339(r.received_at)),
        "registered_at": case.registered_at.map(crate::input::rfc3339),
        "first_contact": case.first_contact,
        "holder": case.holder,
        "lead": case.lead,
        "officer": case.officer,
        "routed_by": case.routed_by,
        "routing": case.routing,
        "objection": case.objection,
        "representatives": representatives,
        "headcount": reg.map(|r| r.headcount),
        "collective": case.collective,
        "skip_level": case.skip_level,
        "repeat_of": case.repeat_of,
        "related": case.related,
        "litigation": reg.is_some_and(|r| r.litigation),
        "accused_unit": case.accused_unit(),
        "major": reg.is_some_and(|r| r.major),
        "external_ref": reg.and_then(|r| r.external_ref.clone()),
        "merged_into": case.merged_into,
        "absorbed": case.absorbed,
        "extension_days": case.extension_days,
        "extension_request": case.extension_request.as_ref().map(|r| json!({
            "days": r.days, "reason": r.reason, "by": r.by.as_str(), "at": crate::input::rfc3339(r.at),
        })),
        "outcome": case.outcome,
        "review_outcome": case.review_outcome,
        "rereview_outcome": case.rereview_outcome,
        "reviewer": case.reviewer,
        "rereviewer": case.rereviewer,
        "decline_ground": case.decline_ground,
        "close_reason": case.close_reason,
    });
    // Arrays of values are moved in: inside `json!` they would be serialised into a copy.
    v["assisting"] = Value::Array(
        case.assisting
            .iter()
            .map(|a| json!({"unit": a.unit, "input_at": a.input_at.map(crate::input::rfc3339)}))
            .collect(),
    );
    v["petitioners"] = Value::Array(petitioners);
    v["clocks"] = Value::Array(case.clocks.iter().map(|c| clock_json(c, today)).collect());
    v["supervisions"] = Value::Array(
        case.supervisions
            .iter()
            .map(|s| {
                json!({
                    "id": s.id, "level": s.level, "ground": s.ground, "by": s.by, "unit": s.unit,
                    "respond_by": s.respond_by, "answered_at": s.answered_at.map(crate::input::rfc3339),
                    "ended_at": s.ended_at.map(crate::input::rfc3339),
                    "overdue": s.is_open() && today > s.respond_by,
                })
            })
            .collect(),
    );
    // The case file's files, listed to every reader (what each is, never its content).
    v["attachments"] = Value::Array(
        case.attachments
            .iter()
            .map(|a| {
                json!({
                    "sha256": a.file.sha256, "size": a.file.size,
                    "content_type": a.file.content_type, "kind": a.kind, "title": a.title,
                    "unit": a.unit, "at": crate::input::rfc3339(a.at),
                    "withdrawn": a.withdrawn.as_ref().map(|w| json!({
                        "at": crate::input::rfc3339(w.at), "reason": w.reason,
                    })),
                })
            })
            .collect(),
    );
    v["evaluations"] = Value::Array(
        case.evaluations
            .iter()
            .map(|e| {
                json!({
                    "handling": e.handling, "office": e.office, "unit": e.unit, "at": crate::input::rfc3339(e.at),
                })
            })
            .collect(),
    );
    v["services"] = Value::Array(
        case.services
            .iter()
            .map(|s| json!({"notice": s.notice, "on": s.on, "how": s.how, "at": crate::input::rfc3339(s.at)}))
            .collect(),
    );
    v["events"] = Value::Array(events.iter().map(event_json).collect());
    v
}

/// The short form used by `list`, `queue` and `overdue`.
pub fn case_summary_json(case: &Case, today: NaiveDate) -> Value {
    let reg = case.registration.as_ref();
    let mut v = json!({
        "id": case.id,
        "state": case.state,
        "holder": case.holder,
        "lead": case.lead,
        "officer": case.officer,
        "summary": reg.map(|r| r.summary.clone()),
        "category": reg.map(|r| r.category.clone()),
        "locality": reg.map(|r| r.locality.clone()),
        "registered_at": case.registered_at.map(crate::input::rfc3339),
        "first_contact": case.first_contact,
        "collective": case.collective,
        "skip_level": case.skip_level,
        "major": reg.is_some_and(|r| r.major),
    });
    // Moved in, not copied (see `case_json`).
    v["clocks"] = Value::Array(
        case.clocks
            .iter()
            .filter(|c| c.is_open())
            .map(|c| clock_json(c, today))
            .collect(),
    );
    v["supervisions"] = Value::Array(
        case.supervisions
            .iter()
            .filter(|s| s.is_open())
            .map(|s| {
                json!({
                    "id": s.id, "level": s.level, "ground": s.ground, "by": s.by, "unit": s.unit, "respond_by": s.respond_by,
                })
            })
            .collect(),
    );
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_follow_spec_11() {
        assert_eq!(mask_id("110101199003071234"), "110101********1234");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_address("某省某市某县某镇某村12号"), "某省某市某县****");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_name("王小明"), "王某");
        assert_eq!(mask_name(""), "");
    }
}
