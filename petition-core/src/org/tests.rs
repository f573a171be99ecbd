//! Tests of the organisation: units, staff, the relations the rules walk.

#[test]
fn level_and_kind_names_are_their_json_names() {
    for l in super::Level::ALL {
        assert_eq!(serde_json::to_value(l).expect("json"), l.as_str());
    }
    for k in super::UnitKind::ALL {
        assert_eq!(serde_json::to_value(k).expect("json"), k.as_str());
    }
}

use super::*;

fn c(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("code")
}

/// A province → prefecture → county → township tree with departments and petition offices at
/// each tier, except the township of `town-b` whose county (`cty-b`) has no petition office.
pub(crate) fn sample() -> Org {
    let mut o = Org::new();
    let mut add = |code: &str, level, kind, parent: Option<&str>, ls: Option<&str>| {
        o.add_unit(Unit {
            code: c(code),
            name: format!("{code} name"),
            level,
            kind,
            parent: parent.map(c),
            line_superior: ls.map(c),
        })
        .expect(code);
    };
    use Level::*;
    use UnitKind::*;
    add("prov", Provincial, Government, None, None);
    add("prov-xfj", Provincial, PetitionOffice, Some("prov"), None);
    add("prov-zjt", Provincial, Department, Some("prov"), None);
    add("city", Prefectural, Government, Some("prov"), None);
    add("city-xfj", Prefectural, PetitionOffice, Some("city"), None);
    add(
        "city-zjj",
        Prefectural,
        Department,
        Some("city"),
        Some("prov-zjt"),
    );
    add("city-court", Prefectural, Legal, Some("city"), None);
    add("cty-a", County, Government, Some("city"), None);
    add("cty-a-xfj", County, PetitionOffice, Some("cty-a"), None);
    add(
        "cty-a-zjj",
        County,
        Department,
        Some("cty-a"),
        Some("city-zjj"),
    );
    add("cty-b", County, Government, Some("city"), None);
    add(
        "cty-b-zjj",
        County,
        Department,
        Some("cty-b"),
        Some("city-zjj"),
    );
    add("town-a", Township, Government, Some("cty-a"), None);
    add("town-b", Township, Government, Some("cty-b"), None);
    o
}

fn code_of(u: Option<&Unit>) -> Option<&str> {
    u.map(|u| u.code.as_str())
}

#[test]
fn gov_and_office_follow_spec_2_1() {
    let o = sample();
    assert_eq!(code_of(o.gov(&c("cty-a-zjj"))), Some("cty-a"));
    assert_eq!(code_of(o.gov(&c("cty-a"))), Some("cty-a"));
    assert_eq!(code_of(o.office(&c("cty-a"))), Some("cty-a-xfj"));
    // A government with no petition office is its own office.
    assert_eq!(code_of(o.office(&c("cty-b"))), Some("cty-b"));
}

#[test]
fn sup_of_departments_townships_and_offices() {
    let o = sample();
    // A county department and a township are supervised by the county 信访局.
    assert_eq!(code_of(o.sup(&c("cty-a-zjj"))), Some("cty-a-xfj"));
    assert_eq!(code_of(o.sup(&c("town-a"))), Some("cty-a-xfj"));
    // The county government and the county 信访局 by the prefecture's 信访局.
    assert_eq!(code_of(o.sup(&c("cty-a"))), Some("city-xfj"));
    assert_eq!(code_of(o.sup(&c("cty-a-xfj"))), Some("city-xfj"));
    // A tier with no petition office: its government supervises.
    assert_eq!(code_of(o.sup(&c("cty-b-zjj"))), Some("cty-b"));
    assert_eq!(code_of(o.sup(&c("town-b"))), Some("cty-b"));
    assert_eq!(code_of(o.sup(&c("cty-b"))), Some("city-xfj"));
    // Legal organs like departments.
    assert_eq!(code_of(o.sup(&c("city-court"))), Some("city-xfj"));
    // The top has no supervisor.
    assert_eq!(code_of(o.sup(&c("prov"))), None);
    assert_eq!(code_of(o.sup(&c("prov-xfj"))), None);
}

#[test]
fn sup_up_is_one_tier_up() {
    let o = sample();
    assert_eq!(code_of(o.sup_up(&c("cty-a-zjj"))), Some("city-xfj"));
    assert_eq!(code_of(o.sup_up(&c("town-a"))), Some("city-xfj"));
    assert_eq!(code_of(o.sup_up(&c("cty-a"))), Some("prov-xfj"));
    assert_eq!(code_of(o.sup_up(&c("city-zjj"))), Some("prov-xfj"));
    assert_eq!(code_of(o.sup_up(&c("city"))), None);
}

#[test]
fn reviewer_is_parent_or_line_superior() {
    let o = sample();
    assert!(o.is_reviewer(&c("cty-a"), &c("cty-a-zjj")));
    assert!(o.is_reviewer(&c("city-zjj"), &c("cty-a-zjj")));
    assert!(!o.is_reviewer(&c("city"), &c("cty-a-zjj")));
    assert!(o.is_reviewer(&c("city"), &c("cty-a")));
}

#[test]
fn supervision_permission_is_sup_sup_up_or_ancestor() {
    let o = sample();
    let u = c("cty-a-zjj");
    assert!(o.may_supervise(&c("cty-a-xfj"), &u));
    assert!(o.may_supervise(&c("city-xfj"), &u));
    assert!(o.may_supervise(&c("cty-a"), &u));
    assert!(o.may_supervise(&c("prov"), &u));
    assert!(!o.may_supervise(&c("cty-b"), &u));
    assert!(!o.may_supervise(&c("town-a"), &u));
    assert!(!o.may_supervise(&c("city-zjj"), &u));
}

#[test]
fn inconsistent_levels_are_refused() {
    let mut o = sample();
    let bad = |code: &str, level, kind, parent: &str| Unit {
        code: c(code),
        name: "x".into(),
        level,
        kind,
        parent: Some(c(parent)),
        line_superior: None,
    };
    for u in [
        bad("g1", Level::County, UnitKind::Government, "cty-a"),
        bad("d1", Level::Township, UnitKind::Department, "cty-a"),
        bad("d2", Level::County, UnitKind::Department, "cty-a-zjj"),
        bad("x2", Level::County, UnitKind::PetitionOffice, "cty-a"),
    ] {
        assert!(
            matches!(o.add_unit(u.clone()), Err(e) if e.code() == "validation"),
            "{u:?}"
        );
    }
    let orphan = Unit {
        parent: None,
        ..bad("d3", Level::County, UnitKind::Department, "cty-a")
    };
    assert!(matches!(o.add_unit(orphan), Err(e) if e.code() == "validation"));
    let unknown_parent = bad("d4", Level::County, UnitKind::Department, "nowhere");
    assert!(matches!(
        o.add_unit(unknown_parent),
        Err(e) if e.code() == "not_found"
    ));
}

#[test]
fn staff_need_a_known_unit_unless_admin() {
    let mut o = sample();
    let s = |id: &str, unit: Option<&str>, role| Staff {
        id: StaffId::parse(id).expect("id"),
        name: "n".into(),
        unit: unit.map(c),
        role,
        deactivated: false,
        tokens: Vec::new(),
    };
    assert!(o.add_staff(s("admin", None, Role::Admin)).is_ok());
    assert!(matches!(
        o.add_staff(s("li", None, Role::Clerk)),
        Err(e) if e.code() == "validation"
    ));
    assert!(matches!(
        o.add_staff(s("li", Some("nope"), Role::Clerk)),
        Err(e) if e.code() == "not_found"
    ));
    assert!(o.add_staff(s("li", Some("cty-a-xfj"), Role::Clerk)).is_ok());
    assert!(o
        .add_staff(s("li", Some("cty-a-xfj"), Role::Clerk))
        .is_err());
}

#[test]
fn a_unit_moves_only_to_a_place_that_fits_it_and_never_under_itself() {
    let o = sample();
    let code = |e: DomainError| e.code();
    // A township government to another county: fits.
    o.check_move(&c("town-a"), Some(&c("cty-b")), None)
        .expect("another county");
    // The same place, under itself or its own township, or at the wrong level: refused.
    for (unit, parent) in [
        ("town-a", "cty-a"),
        ("cty-a", "cty-a"),
        ("cty-a", "town-a"),
        ("town-a", "city"),
    ] {
        let r = o.check_move(&c(unit), Some(&c(parent)), None);
        assert_eq!(r.map_err(code), Err("validation"), "{unit} under {parent}");
    }
    // A petition office moves to a government without one, never beside another.
    o.check_move(&c("cty-a-xfj"), Some(&c("cty-b")), None)
        .expect("cty-b has none");
    let mut two = o.clone();
    two.add_unit(Unit {
        code: c("cty-b-xfj"),
        name: "cty-b-xfj name".into(),
        level: Level::County,
        kind: UnitKind::PetitionOffice,
        parent: Some(c("cty-b")),
        line_superior: None,
    })
    .expect("cty-b's office");
    let r = two.check_move(&c("cty-a-xfj"), Some(&c("cty-b")), None);
    assert_eq!(r.map_err(code), Err("validation"));
}
