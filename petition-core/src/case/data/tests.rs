//! Tests of the registration data: validation, corrections, identity keys.

use super::*;

pub(crate) fn valid_id() -> &'static str {
    // A well-known sample number with a correct check digit.
    "11010519491231002X"
}

#[test]
fn gb11643_check_digit() {
    assert!(resident_id_valid(valid_id()));
    assert!(resident_id_valid("11010519491231002x"));
    assert!(!resident_id_valid("110105194912310021"));
    assert!(!resident_id_valid("11010519491231002"));
    assert!(!resident_id_valid("1101051949123100XX"));
    assert!(resident_id_valid("440524188001010014"));
}

#[test]
fn phones_are_7_to_15_digits_with_optional_plus() {
    assert!(phone_valid("13812345678"));
    assert!(phone_valid("+8613812345678"));
    assert!(phone_valid("6543210"));
    assert!(!phone_valid("654321"));
    assert!(!phone_valid("1234567890123456"));
    assert!(!phone_valid("138-1234-5678"));
    assert!(!phone_valid("++13812345678"));
}

fn reg() -> Registration {
    Registration {
        channel: Channel::Visit,
        purpose: Purpose::Request,
        petitioners: vec![Petitioner {
            name: "王某".into(),
            id_type: IdType::ResidentId,
            id_number: Some(valid_id().into()),
            phone: Some("13812345678".into()),
            address: Some("某镇某村".into()),
        }],
        headcount: 1,
        representatives: vec![],
        locality: UnitCode::parse("town-a").expect("code"),
        category: "land.requisition".into(),
        summary: "征地补偿".into(),
        content: None,
        received_at: DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("t"),
        litigation: false,
        accused_unit: None,
        major: false,
        external_ref: None,
    }
}

#[test]
fn registration_rules_of_spec_3() {
    assert!(reg().validate().is_ok());
    type Mutation = Box<dyn Fn(&mut Registration)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("no petitioners", Box::new(|r| r.petitioners.clear())),
        ("headcount below petitioners", Box::new(|r| r.headcount = 0)),
        (
            "six representatives (2005 Art 18)",
            Box::new(|r| r.representatives = vec!["a".into(); 6]),
        ),
        (
            "bad id check digit",
            Box::new(|r| r.petitioners[0].id_number = Some("110105194912310021".into())),
        ),
        (
            "bad phone",
            Box::new(|r| r.petitioners[0].phone = Some("12ab".into())),
        ),
        ("empty summary", Box::new(|r| r.summary = " ".into())),
        (
            "summary over 300",
            Box::new(|r| r.summary = "字".repeat(301)),
        ),
        (
            "category with space",
            Box::new(|r| r.category = "land use".into()),
        ),
        (
            "control char in name",
            Box::new(|r| r.petitioners[0].name = "a\u{1b}[2J".into()),
        ),
    ];
    for (what, f) in cases {
        let mut r = reg();
        f(&mut r);
        assert!(
            matches!(r.validate(), Err(e) if e.code() == "validation"),
            "{what}"
        );
    }
    let mut r = reg();
    r.representatives = vec!["a".into(); 5];
    r.summary = "字".repeat(300);
    assert!(
        r.validate().is_ok(),
        "5 representatives and 300 characters are allowed"
    );
}

#[test]
fn collective_means_headcount_five_or_more() {
    let mut r = reg();
    r.headcount = 4;
    assert!(!r.collective());
    r.headcount = 5;
    assert!(r.collective());
}
