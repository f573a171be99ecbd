//! Every closed vocabulary has both labels, and names read back.

use crate::case::*;
use crate::error::Lang;

fn labels<V: Vocabulary>() -> Vec<(&'static str, &'static str, &'static str)> {
    V::ALL
        .iter()
        .map(|v| (v.as_str(), v.label(Lang::En), v.label(Lang::Zh)))
        .collect()
}

#[test]
fn every_value_of_every_vocabulary_has_both_labels_and_reads_back() {
    let mut all = Vec::new();
    all.extend(labels::<CaseState>());
    all.extend(labels::<Channel>());
    all.extend(labels::<Purpose>());
    all.extend(labels::<IdType>());
    all.extend(labels::<Outcome>());
    all.extend(labels::<ReviewOutcome>());
    all.extend(labels::<DeclineGround>());
    all.extend(labels::<Satisfaction>());
    all.extend(labels::<AmendField>());
    all.extend(labels::<SupervisionLevel>());
    all.extend(labels::<SupervisionGround>());
    all.extend(labels::<CloseReason>());
    all.extend(labels::<Routing>());
    all.extend(labels::<crate::clock::ClockKind>());
    all.extend(labels::<crate::clock::DayKind>());
    all.extend(labels::<crate::org::Level>());
    all.extend(labels::<crate::org::UnitKind>());
    all.extend(labels::<crate::org::Role>());
    all.extend(labels::<crate::public::NextAction>());
    for (name, en, zh) in all {
        assert!(
            !en.is_empty() && en.is_ascii(),
            "{name}: English label {en:?}"
        );
        assert!(!zh.is_ascii(), "{name} has no Chinese label: {zh:?}");
    }
    assert_eq!(
        CaseState::parse("handling").map(|s| s.label(Lang::Zh)),
        Some("办理中")
    );
    assert_eq!(CaseState::label_of("nonsense", Lang::Zh), "nonsense");
}
