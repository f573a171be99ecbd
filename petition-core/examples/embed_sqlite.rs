//! Embedding petition-core with SQLite (`cargo run -p petition-core --example embed_sqlite`).
use petition_core::files::parse_units_csv;
use petition_core::org::{Role, Staff};
use petition_core::{
    AdminChange, Channel, ClockMode, Command, DateTime, DomainError, Petitioner, Purpose,
    Registration, Service, SqliteStore, StaffId, UnitCode,
};

const ORG: &str = "code,name,level,kind,parent,line_superior
county,某县人民政府,county,government,,
county-xfj,某县信访局,county,petition_office,county,
county-zjj,某县住建局,county,department,county,
";

fn main() -> Result<(), DomainError> {
    let path = std::env::temp_dir().join(format!("petition-embed-{}.db", std::process::id()));
    let mut svc = Service::new(SqliteStore::open(&path, true)?);
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("a time");
    let (id, unit) = (StaffId::parse, UnitCode::parse);
    let person = |who: &str, at: Option<&str>, role| -> Result<Staff, DomainError> {
        let unit = at.map(unit).transpose()?;
        Ok(Staff::new(id(who)?, who, unit, role))
    };
    svc.init(
        person("admin", None, Role::Admin)?,
        now,
        ClockMode::Simulated,
    )?;
    for (_, u) in parse_units_csv(ORG.as_bytes())? {
        svc.admin(&id("admin")?, now, AdminChange::AddUnit(u))?;
    }
    for (who, at) in [("li", "county-xfj"), ("wang", "county-zjj")] {
        let clerk = person(who, Some(at), Role::Clerk)?;
        svc.admin(&id("admin")?, now, AdminChange::AddStaff(clerk))?;
    }
    // The petition office registers a visit and routes it; the housing bureau accepts it.
    let what = (Channel::Visit, Purpose::Request, unit("county")?);
    let reg = Registration::builder(what.0, what.1, what.2, "housing.repair", "房屋漏水", now)
        .petitioner(Petitioner::named("赵某").phone("13812345678"))
        .build()?;
    let case = svc.register(&id("li")?, now, reg)?;
    let transfer = Command::Transfer {
        to: unit("county-zjj")?,
        note: None,
    };
    svc.execute(&id("li")?, now, &case.id, transfer)?;
    let accept = Command::Accept { assist: vec![] };
    let case = svc.execute(&id("wang")?, now, &case.id, accept)?;
    let due = case.clocks.iter().filter(|c| c.is_open()).map(|c| c.due);
    println!("{} is {}, due {:?}", case.id, case.state, due.min());
    println!("verified, head {}", svc.verify(&[])?.head.hash);
    std::fs::remove_file(&path).ok();
    Ok(())
}
