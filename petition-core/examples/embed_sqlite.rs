//! Embedding petition-core with SQLite (`cargo run -p petition-core --example embed_sqlite`): a
//! live database, whose time is the system clock, and the clerks as principals of it.
use petition_core::files::parse_units_csv;
use petition_core::org::{Role, Staff};
use petition_core::{
    AdminChange, Channel, ClockMode, Command, DomainError, Petitioner, Purpose, Registration,
    Reveal, Service, SqliteStore, StaffId, UnitCode, When,
};

const ORG: &str = "code,name,level,kind,parent,line_superior
county,某县人民政府,county,government,,
county-xfj,某县信访局,county,petition_office,county,
county-zjj,某县住建局,county,department,county,
";

fn main() -> Result<(), DomainError> {
    let path = std::env::temp_dir().join(format!("petition-embed-{}.db", std::process::id()));
    let mut svc = Service::new(SqliteStore::open(&path, true)?);
    let (id, unit) = (StaffId::parse, UnitCode::parse);
    let admin = Staff::new(id("admin")?, "管理员", None, Role::Admin);
    svc.init(admin, When::Now, ClockMode::System)?;
    // Your system authenticates its users; the library resolves them from its own staff table.
    let admin = svc.principal(&id("admin")?)?;
    for (_, u) in parse_units_csv(ORG.as_bytes())? {
        svc.admin(&admin, When::Now, AdminChange::AddUnit(u))?;
    }
    for (who, at) in [("li", "county-xfj"), ("wang", "county-zjj")] {
        let clerk = Staff::new(id(who)?, who, Some(unit(at)?), Role::Clerk);
        svc.admin(&admin, When::Now, AdminChange::AddStaff(clerk))?;
    }
    let (li, wang) = (svc.principal(&id("li")?)?, svc.principal(&id("wang")?)?);
    // The petition office registers a visit and routes it; the housing bureau accepts it.
    let now = svc.read(|w| w.write_time(When::Now))?;
    let reg = Registration::builder(
        Channel::Visit,
        Purpose::Request,
        unit("county")?,
        "housing.repair",
        "房屋漏水",
        now,
    )
    .petitioner(Petitioner::named("赵某").phone("13812345678"))
    .build()?;
    let new = svc.register(&li, When::Now, reg)?;
    println!(
        "registered {}, query code {} (shown this once)",
        new.case.case.id, new.query_code
    );
    let case = new.case.case.id;
    let transfer = Command::Transfer {
        to: unit("county-zjj")?,
        note: None,
    };
    svc.execute(&li, When::Now, &case, transfer)?;
    svc.execute(&wang, When::Now, &case, Command::Accept { assist: vec![] })?;
    // The handling unit sees the petitioner in full; the showing is in the access log.
    let shown = svc.show(&wang, When::Now, &case, Reveal::AsAllowed)?;
    let due = shown
        .case
        .clocks
        .iter()
        .filter(|c| c.is_open())
        .map(|c| c.due);
    println!(
        "{case} is {}, due {:?}, petitioner {}",
        shown.case.state,
        due.min(),
        shown
            .case
            .registration
            .map(|r| r.petitioners[0].name.clone())
            .unwrap_or_default()
    );
    let report = svc.verify(&[])?;
    println!(
        "verified: {} entries, {} access-log entries, head {}",
        report.entries, report.access_log, report.head.hash
    );
    std::fs::remove_file(&path).ok();
    Ok(())
}
