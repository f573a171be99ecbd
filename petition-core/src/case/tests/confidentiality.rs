//! Rules of the lifecycle: §6.6 confidentiality.

use super::*;

#[test]
fn accusation_is_never_routed_or_supervised_onto_the_accused_unit() {
    // §6.6, 2005 Art 23
    let mut w = World::new();
    let mut r = registration("cty-a", Channel::Letter);
    r.purpose = Purpose::Accusation;
    r.accused_unit = Some(u("cty-a-zjj"));
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"))),
        "confidentiality"
    );
    let assign = Command::Assign {
        to: u("cty-a-zjj"),
        report_by: d("2026-04-01"),
        note: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", assign)),
        "confidentiality"
    );
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-02",
            Command::Accept {
                assist: vec![u("cty-a-zjj")]
            }
        )),
        "confidentiality"
    );
    let sup = Command::Supervise {
        ground: SupervisionGround::Other,
        respond_by: d("2026-03-20"),
        text: "x".into(),
        unit: Some(u("cty-a-zjj")),
        level: None,
    };
    assert_eq!(
        code(w.run("city-xfj.c", "2026-03-02", sup)),
        "confidentiality"
    );
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a"));
}
