//! The rules version: a database records the rules it was made under in its first entry, every
//! decision reads it, and a chain made under earlier rules is decided again under those rules
//! (import), so changing a rule never makes an older record unloadable.

use super::*;
use crate::example::{registration, setup, setup_under, staff, unit};
use crate::store::MemoryStore;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{s}T10:00:00+08:00")).expect("time")
}

/// A case the housing bureau let run overdue (a reminder is opened), then answered and the
/// petitioner accepted: the case closes with the reminder open. Returns the case id.
fn overdue_then_closed<S: Store>(svc: &mut Service<S>) -> CaseId {
    let now = at("2026-03-02");
    let case = svc
        .register_by(&staff("li"), now, registration(now))
        .expect("register");
    let to = unit("county-zjj");
    svc.execute_by(
        &staff("li"),
        now,
        &case.id,
        Command::Transfer { to, note: None },
    )
    .expect("transfer");
    svc.execute_by(
        &staff("wang"),
        now,
        &case.id,
        Command::Accept { assist: vec![] },
    )
    .expect("accept");
    svc.tick(at("2026-05-06")).expect("tick");
    let opinion = Command::Opinion {
        outcome: crate::case::Outcome::Supported,
        text: "同意".into(),
        without_assist: None,
    };
    svc.execute_by(&staff("wang"), at("2026-05-07"), &case.id, opinion)
        .expect("opinion");
    let close = Command::Close {
        reason: crate::case::CloseReason::Accepted,
    };
    svc.execute_by(&staff("wang"), at("2026-05-08"), &case.id, close)
        .expect("close");
    svc.tick(at("2026-07-01")).expect("tick");
    case.id
}

fn types<S: Store>(svc: &mut Service<S>, id: &CaseId) -> Vec<&'static str> {
    let (_, events) = svc.load(id).expect("load");
    events.iter().map(|e| e.kind.type_name()).collect()
}

fn export<S: Store>(svc: &mut Service<S>) -> Vec<u8> {
    let admin = svc.principal(&staff("admin")).expect("admin");
    let mut out = Vec::new();
    crate::interchange::export_jsonl(svc, &mut out, &admin, true, at("2026-07-02"))
        .expect("export");
    out
}

#[test]
fn a_new_database_records_the_current_rules_and_decides_by_them() {
    let mut svc = Service::with_seed(MemoryStore::new(), 3);
    setup(&mut svc);
    assert_eq!(
        svc.read(|w| Ok(w.policy().rules)).expect("policy"),
        crate::policy::RULES
    );
    let file = export(&mut svc);
    let first = String::from_utf8_lossy(&file);
    let first = first.lines().next().expect("first line");
    assert!(
        first.contains(&format!(r#""rules":{}"#, crate::policy::RULES)),
        "{first}"
    );
    let id = overdue_then_closed(&mut svc);
    let t = types(&mut svc, &id);
    assert!(
        t.windows(2).any(|w| w == ["closed", "supervisions_ended"]),
        "{t:?}"
    );
    assert!(!t.contains(&"supervision_escalated"), "{t:?}");
    // Exported and imported, the chain is decided again under the same rules.
    let file = export(&mut svc);
    let mut copy = Service::with_seed(MemoryStore::new(), 3);
    crate::interchange::import_jsonl(&mut copy, &mut file.as_slice(), &mut |_| {}).expect("import");
    assert_eq!(
        copy.read(|w| Ok(w.policy().rules)).expect("policy"),
        crate::policy::RULES
    );
    assert_eq!(types(&mut copy, &id), t);
}

#[test]
fn a_chain_made_under_the_first_rules_loads_and_keeps_deciding_by_them() {
    let mut old = Service::with_seed(MemoryStore::new(), 3);
    setup_under(&mut old, None);
    let id = overdue_then_closed(&mut old);
    let t = types(&mut old, &id);
    // The first rules: the reminder outlived the case and climbed.
    assert!(t.contains(&"supervision_escalated"), "{t:?}");
    assert!(!t.contains(&"supervisions_ended"), "{t:?}");
    let file = export(&mut old);
    assert!(!String::from_utf8_lossy(&file)
        .lines()
        .next()
        .unwrap_or("")
        .contains("rules"));
    let mut copy = Service::with_seed(MemoryStore::new(), 3);
    crate::interchange::import_jsonl(&mut copy, &mut file.as_slice(), &mut |_| {})
        .expect("an old chain imports under its own rules");
    assert_eq!(copy.read(|w| Ok(w.policy().rules)).expect("policy"), 1);
    assert_eq!(types(&mut copy, &id), t);
    let report = copy.verify(&[]).expect("verify");
    assert_eq!(report.problem, None);
    let report = old.verify(&[]).expect("verify");
    assert_eq!(report.problem, None);
}
