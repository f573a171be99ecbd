//! 示例: a small county, ready to use, for examples, documentation and experiments.
//!
//! The county government `county` has a petition office `county-xfj` (信访局, clerk `li`), a
//! housing bureau `county-zjj` (住建局, clerk `wang`, head `zhang`) and a township `town`
//! (clerk `sun`); `admin` manages it. The database is simulated: every command names its time.
//!
//! ```
//! let (mut svc, now) = petition_core::example::county();
//! let li = petition_core::example::principal(&mut svc, "li");
//! let new = svc.register(&li, now, petition_core::example::registration(now)).unwrap();
//! assert_eq!(new.case.case.holder.unwrap().as_str(), "county-xfj");
//! ```

use crate::audit::ClockMode;
use crate::case::{Channel, Petitioner, Purpose, Registration};
use crate::ids::{StaffId, UnitCode};
use crate::org::{Role, Staff};
use crate::principal::Principal;
use crate::service::{AdminChange, Service};
use crate::store::{MemoryStore, Store};
use chrono::{DateTime, FixedOffset};

const ORG: &str = "code,name,level,kind,parent,line_superior
county,某县人民政府,county,government,,
county-xfj,某县信访局,county,petition_office,county,
county-zjj,某县住建局,county,department,county,
town,某镇人民政府,township,government,county,
";

/// A staff id of the example county (`admin`, `li`, `wang`, `zhang`, `sun`).
///
/// # Panics
/// On an id that is not a valid staff id (examples only).
pub fn staff(id: &str) -> StaffId {
    StaffId::parse(id).expect("a valid staff id")
}

/// The example county's staff member `id` as a principal of `svc`'s database.
///
/// # Panics
/// On an id that is not a known, active staff member (examples only).
pub fn principal<S: Store>(svc: &mut Service<S>, id: &str) -> Principal {
    svc.principal(&staff(id))
        .expect("a staff member of the example county")
}

/// A unit code of the example county.
///
/// # Panics
/// On a code that is not a valid unit code (examples only).
pub fn unit(code: &str) -> UnitCode {
    UnitCode::parse(code).expect("a valid unit code")
}

/// The example county in memory, and the time it was set up (2026-03-02 09:00 +08:00).
///
/// # Panics
/// Never for the fixed data it loads (it is checked by the crate's tests).
pub fn county() -> (Service<MemoryStore>, DateTime<FixedOffset>) {
    let mut svc = Service::with_seed(MemoryStore::new(), 1);
    let now = setup(&mut svc);
    (svc, now)
}

/// Sets the example county up on an empty store of any kind; returns the time it was set up
/// (2026-03-02 09:00 +08:00).
///
/// # Panics
/// When the store refuses (it is not empty, or it is broken): examples and tests only.
pub fn setup<S: Store>(svc: &mut Service<S>) -> DateTime<FixedOffset> {
    setup_under(svc, Some(crate::policy::RULES))
}

/// [`setup`] under a given rules version (`None`: as a database made before versions existed).
pub(crate) fn setup_under<S: Store>(
    svc: &mut Service<S>,
    rules: Option<u32>,
) -> DateTime<FixedOffset> {
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("a time");
    let person = |id: &str, name: &str, at: Option<&str>, role| Staff {
        id: staff(id),
        name: name.into(),
        unit: at.map(unit),
        role,
        deactivated: false,
        tokens: Vec::new(),
    };
    svc.init_under(
        person("admin", "管理员", None, Role::Admin),
        now,
        ClockMode::Simulated,
        rules,
    )
    .expect("init");
    let admin = principal(svc, "admin");
    for (_, u) in crate::files::parse_units_csv(ORG.as_bytes()).expect("the example chart") {
        svc.admin(&admin, now, AdminChange::AddUnit(u))
            .expect("unit");
    }
    for (id, name, at, role) in [
        ("li", "李明", "county-xfj", Role::Clerk),
        ("wang", "王芳", "county-zjj", Role::Clerk),
        ("zhang", "张局长", "county-zjj", Role::Head),
        ("sun", "孙丽", "town", Role::Clerk),
    ] {
        svc.admin(
            &admin,
            now,
            AdminChange::AddStaff(person(id, name, Some(at), role)),
        )
        .expect("staff");
    }
    now
}

/// A letter about a leaking roof in the township, received at `at`.
///
/// # Panics
/// Never for its fixed data.
pub fn registration(at: DateTime<FixedOffset>) -> Registration {
    Registration::builder(
        Channel::Letter,
        Purpose::Request,
        unit("town"),
        "housing.repair",
        "房屋漏水",
        at,
    )
    .petitioner(
        Petitioner::named("赵某")
            .id_number("11010519491231002X")
            .phone("13812345678"),
    )
    .build()
    .expect("a valid registration")
}
