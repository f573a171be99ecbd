//! Following changes: an integrating system keeps the last position it processed and asks the
//! change feed for what came after, typed — as a principal, which sees the cases it may read as
//! it may read them (a clerk gets positions, not chain hashes). Here on the in-memory store.
//!
//! Run: `cargo run -p petition-core --example follow_changes`
use petition_core::org::{Level, Role, Staff, Unit, UnitKind};
use petition_core::{
    AdminChange, Channel, ClockMode, DateTime, DomainError, Entry, MemoryStore, Petitioner,
    Purpose, Registration, Service, StaffId, UnitCode,
};

fn main() -> Result<(), DomainError> {
    let mut svc = Service::new(MemoryStore::new());
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("a valid time");
    let admin_id = StaffId::parse("admin")?;
    let li_id = StaffId::parse("li")?;
    let town = UnitCode::parse("town")?;
    svc.init(
        Staff::new(admin_id.clone(), "管理员", None, Role::Admin),
        now,
        ClockMode::Simulated,
    )?;
    let admin = svc.principal(&admin_id)?;
    let unit = Unit {
        code: town.clone(),
        name: "某镇人民政府".into(),
        level: Level::Township,
        kind: UnitKind::Government,
        parent: None,
        line_superior: None,
    };
    svc.admin(&admin, now, AdminChange::AddUnit(unit))?;
    svc.admin(
        &admin,
        now,
        AdminChange::AddStaff(Staff::new(
            li_id.clone(),
            "李明",
            Some(town.clone()),
            Role::Clerk,
        )),
    )?;

    let li = svc.principal(&li_id)?;
    // The position this system has processed up to (kept in its own database in real life).
    let mut last = 0;
    for round in 1..=2 {
        let reg = Registration::builder(
            Channel::Letter,
            Purpose::Suggestion,
            town.clone(),
            "roads",
            "道路照明不足",
            now,
        )
        .petitioner(Petitioner::named("钱某"))
        .build()?;
        svc.register(&li, now, reg)?;
        let changes = svc.changes_after(&li, now, last, 100)?;
        println!("round {round}: {} new entries", changes.len());
        for c in &changes {
            match &c.entry {
                Entry::Case(e) => println!(
                    "  #{} case {} {} by {}",
                    c.position,
                    e.case,
                    e.kind.type_name(),
                    e.actor
                ),
                Entry::Admin(a) => {
                    println!("  #{} {} by {}", c.position, a.kind.type_name(), a.actor)
                }
            }
            last = c.position;
        }
    }
    Ok(())
}
