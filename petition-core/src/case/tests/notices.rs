//! Every notice kind in both languages, as the petitioner or the unit reads it: snapshots that a
//! person proof-read, so a change to any wording shows up in review.

use super::*;
use crate::error::Lang;
use crate::notice::{render, KINDS};
use crate::view::Privacy;

/// One case through registration, transfer, acceptance, extension, opinion, review and
/// re-review; one declined; one reminded by tick and escalated.
fn worlds() -> (World, World, World) {
    let mut walk = World::answered_after_extension();
    // The city's clerk carries the re-review (the officer then named on its opinion).
    walk.ok(
        "cty-a.c",
        "2026-05-20",
        Command::ReviewRequest {
            reason: Some("补偿标准过低".into()),
        },
    );
    walk.ok(
        "cty-a.c",
        "2026-06-10",
        Command::ReviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "经复查，原处理意见认定事实清楚，予以维持。".into(),
        },
    );
    walk.ok(
        "city.c",
        "2026-06-15",
        Command::RereviewRequest { reason: None },
    );
    walk.ok("city.c", "2026-06-16", Command::Take);
    walk.ok(
        "city.c",
        "2026-07-01",
        Command::RereviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "经复核，维持复查意见。".into(),
        },
    );
    let mut declined = World::registered();
    declined.ok(
        "cty-a-xfj.c",
        "2026-03-03",
        Command::Decline {
            ground: DeclineGround::OutOfScope,
            notice: "所反映事项不属于本机关职权范围，请向有关部门反映。".into(),
        },
    );
    // Reminded on 2026-05-02, unanswered by 05-08: 督办 from 05-09, the notice dated then.
    let mut reminded = World::handling();
    reminded.ok("system", "2026-05-02", Step::Tick);
    reminded.ok("system", "2026-05-09", Step::Tick);
    (walk, declined, reminded)
}

#[test]
fn every_notice_in_both_languages() {
    let (walk, declined, reminded) = worlds();
    // The office's lines as a county office sets them.
    let mut policy = walk.policy.clone();
    for (k, v) in [
        ("office_name", "甲县信访局"),
        ("office_phone", "0571-12345678"),
        ("status_url", "https://xf.example.gov.cn"),
    ] {
        policy.set(k, v).expect("office setting");
    }
    for kind in KINDS {
        let w = match kind {
            "decline" => &declined,
            "supervision" => &reminded,
            _ => &walk,
        };
        for (lang, tag) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
            // A receipt printed at registration carries the code it was given.
            let code = match &w.case.query_code {
                Some(crate::ids::CodeRecord::Clear(c)) => Some(c),
                _ => None,
            };
            let text = render(
                &w.case,
                &w.events,
                &w.org,
                &policy,
                kind,
                lang,
                Privacy::Full,
                None,
                code,
            )
            .unwrap_or_else(|e| panic!("{kind} in {tag}: {e}"))
            .to_text();
            insta::assert_snapshot!(format!("{kind}_{tag}"), text);
        }
    }
}
