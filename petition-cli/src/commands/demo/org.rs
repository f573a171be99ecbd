//! The demo's organisation: a province, a prefecture, two counties with departments, petition
//! offices, a court, townships and streets, and a clerk and a head in every unit.

use super::*;

/// (code, name, level, kind, parent, line superior)
type UnitRow = (
    &'static str,
    &'static str,
    Level,
    UnitKind,
    Option<&'static str>,
    Option<&'static str>,
);
pub(super) const UNITS: &[UnitRow] = &[
    (
        "prov",
        "某省人民政府",
        Level::Provincial,
        UnitKind::Government,
        None,
        None,
    ),
    (
        "prov-xfj",
        "某省信访局",
        Level::Provincial,
        UnitKind::PetitionOffice,
        Some("prov"),
        None,
    ),
    (
        "prov-zjt",
        "某省住房和城乡建设厅",
        Level::Provincial,
        UnitKind::Department,
        Some("prov"),
        None,
    ),
    (
        "city",
        "某市人民政府",
        Level::Prefectural,
        UnitKind::Government,
        Some("prov"),
        None,
    ),
    (
        "city-xfj",
        "某市信访局",
        Level::Prefectural,
        UnitKind::PetitionOffice,
        Some("city"),
        None,
    ),
    (
        "city-zjj",
        "某市住房和城乡建设局",
        Level::Prefectural,
        UnitKind::Department,
        Some("city"),
        Some("prov-zjt"),
    ),
    (
        "city-court",
        "某市中级人民法院",
        Level::Prefectural,
        UnitKind::Legal,
        Some("city"),
        None,
    ),
    (
        "cty-a",
        "甲县人民政府",
        Level::County,
        UnitKind::Government,
        Some("city"),
        None,
    ),
    (
        "cty-a-xfj",
        "甲县信访局",
        Level::County,
        UnitKind::PetitionOffice,
        Some("cty-a"),
        None,
    ),
    (
        "cty-a-zjj",
        "甲县住房和城乡建设局",
        Level::County,
        UnitKind::Department,
        Some("cty-a"),
        Some("city-zjj"),
    ),
    (
        "cty-a-rsj",
        "甲县人力资源和社会保障局",
        Level::County,
        UnitKind::Department,
        Some("cty-a"),
        None,
    ),
    (
        "cty-a-gtj",
        "甲县自然资源局",
        Level::County,
        UnitKind::Department,
        Some("cty-a"),
        None,
    ),
    (
        "cty-a-court",
        "甲县人民法院",
        Level::County,
        UnitKind::Legal,
        Some("cty-a"),
        None,
    ),
    (
        "cty-b",
        "乙县人民政府",
        Level::County,
        UnitKind::Government,
        Some("city"),
        None,
    ),
    (
        "cty-b-xfj",
        "乙县信访局",
        Level::County,
        UnitKind::PetitionOffice,
        Some("cty-b"),
        None,
    ),
    (
        "cty-b-zjj",
        "乙县住房和城乡建设局",
        Level::County,
        UnitKind::Department,
        Some("cty-b"),
        Some("city-zjj"),
    ),
    (
        "cty-b-rsj",
        "乙县人力资源和社会保障局",
        Level::County,
        UnitKind::Department,
        Some("cty-b"),
        None,
    ),
    (
        "town-a1",
        "东城镇人民政府",
        Level::Township,
        UnitKind::Government,
        Some("cty-a"),
        None,
    ),
    (
        "town-a2",
        "西河乡人民政府",
        Level::Township,
        UnitKind::Government,
        Some("cty-a"),
        None,
    ),
    (
        "street-a3",
        "城关街道办事处",
        Level::Township,
        UnitKind::Government,
        Some("cty-a"),
        None,
    ),
    (
        "town-b1",
        "南山镇人民政府",
        Level::Township,
        UnitKind::Government,
        Some("cty-b"),
        None,
    ),
    (
        "street-b2",
        "北关街道办事处",
        Level::Township,
        UnitKind::Government,
        Some("cty-b"),
        None,
    ),
];

pub(super) fn build_org(svc: &mut Service<crate::app::Db>, at: Tz) -> Result<(), DomainError> {
    svc.init(
        Staff {
            id: s(ADMIN),
            name: "系统管理员".into(),
            unit: None,
            role: Role::Admin,
            deactivated: false,
            tokens: Vec::new(),
        },
        at,
        petition_core::audit::ClockMode::Simulated,
    )?;
    let admin = svc.principal(&s(ADMIN))?;
    svc.work(|w| {
        for (code, name, level, kind, parent, ls) in UNITS {
            let unit = Unit {
                code: c(code),
                name: name.to_string(),
                level: *level,
                kind: *kind,
                parent: parent.map(c),
                line_superior: ls.map(c),
            };
            w.admin(&admin, at, AdminChange::AddUnit(unit))?;
        }
        for (i, (code, name, ..)) in UNITS.iter().enumerate() {
            let short: String = name.chars().take(4).collect();
            for (suffix, role, title) in [("c", Role::Clerk, "经办人"), ("h", Role::Head, "负责人")]
            {
                let staff = Staff {
                    id: s(&format!("{code}-{suffix}")),
                    name: format!("{}{}{}", SURNAMES[i % 12], short, title),
                    unit: Some(c(code)),
                    role,
                    deactivated: false,
                    tokens: Vec::new(),
                };
                w.admin(&admin, at, AdminChange::AddStaff(staff))?;
            }
        }
        // The May Day holidays and their make-up working day, so due dates show the calendar at work.
        let year = local_date(at, *at.offset()).format("%Y").to_string();
        let entries = ["05-01", "05-02", "05-03", "05-04", "05-05"]
            .iter()
            .filter_map(|d| {
                chrono::NaiveDate::parse_from_str(&format!("{year}-{d}"), "%Y-%m-%d").ok()
            })
            .map(|d| (d, petition_core::clock::DayKind::Holiday))
            .collect();
        w.admin(&admin, at, AdminChange::SetCalendar(entries))?;
        Ok(())
    })
}
