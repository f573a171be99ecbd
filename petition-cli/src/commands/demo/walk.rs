//! The scripted cases: one through every path of the lifecycle (transfer, assign, objection,
//! skip-level, collective visit, extension, assisting units, review, re-review with hearing,
//! conclusion, a decline on each ground, supervision).

use super::*;

/// The scripted cases. Returns the case to show the timeline of.
pub(super) fn scripted(
    svc: &mut Service<crate::app::Db>,
    start: Tz,
    now: Tz,
) -> Result<CaseId, DomainError> {
    let t = |days: i64| start + Duration::days(days);
    // `work` runs its closure again when the database was busy: everything it counts starts
    // inside it, so a retried run makes the same cases.
    svc.work(|w| {
        let mut n = 1000u64;
        let mut next = || {
            n += 1;
            n
        };
        let x = |w: &mut Work<'_, _>, who: StaffId, at: Tz, id: &CaseId, cmd: Command| {
            w.execute_by_id(&who, at, id, cmd).map(|_| ())
        };
        // 1. Transfer, accept with an assisting unit, assist input, extension, opinion, close, evaluation.
        let c1 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(0),
                reg(next(), Channel::Letter, "town-a1", 1, t(0)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(1),
            &c1,
            Command::Transfer {
                to: c("cty-a-zjj"),
                note: Some("请依法处理并答复".into()),
            },
        )?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(3),
            &c1,
            Command::Accept {
                assist: vec![c("town-a1")],
            },
        )?;
        // The bureau's clerk carries the case as its officer (承办人).
        x(w, clerk("cty-a-zjj"), t(3), &c1, Command::Take)?;
        x(
            w,
            clerk("town-a1"),
            t(20),
            &c1,
            Command::AssistInput {
                text: "经现场查看，屋面防水层老化".into(),
            },
        )?;
        // The clerk asks for more days; the head grants them (延期申请 → 批准).
        x(
            w,
            clerk("cty-a-zjj"),
            t(49),
            &c1,
            Command::ExtendRequest {
                days: 15,
                reason: "需协调维修资金".into(),
            },
        )?;
        x(w, head("cty-a-zjj"), t(50), &c1, Command::ExtendApprove)?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(70),
            &c1,
            Command::Opinion {
                outcome: Outcome::Supported,
                text: "已安排维修资金，6月底前完成维修".into(),
                without_assist: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(72),
            &c1,
            Command::Close {
                reason: petition_core::case::CloseReason::Accepted,
            },
        )?;
        x(
            w,
            clerk("cty-a-xfj"),
            t(73),
            &c1,
            Command::Evaluate {
                handling: Satisfaction::Satisfied,
                office: Some(Satisfaction::Satisfied),
            },
        )?;

        // 2. Assign with a result report to a township.
        let c2 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(5),
                reg(next(), Channel::Phone, "town-a2", 7, t(5)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(5),
            &c2,
            Command::Assign {
                to: c("town-a2"),
                report_by: (t(50)).date_naive(),
                note: Some("限期报送办结报告".into()),
            },
        )?;
        x(
            w,
            clerk("town-a2"),
            t(8),
            &c2,
            Command::Accept { assist: vec![] },
        )?;
        x(
            w,
            clerk("town-a2"),
            t(30),
            &c2,
            Command::Opinion {
                outcome: Outcome::Explained,
                text: "已组织双方调解".into(),
                without_assist: None,
            },
        )?;
        x(
            w,
            clerk("town-a2"),
            t(31),
            &c2,
            Command::Report {
                text: "已调解办结".into(),
            },
        )?;

        // 3. Objection approved, routed again, accepted; left overdue in handling.
        let c3 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(6),
                reg(next(), Channel::Online, "street-a3", 2, t(6)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(6),
            &c3,
            Command::Transfer {
                to: c("cty-a-rsj"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-rsj"),
            t(8),
            &c3,
            Command::Object {
                reason: "房屋征收不属本局职责".into(),
            },
        )?;
        x(
            w,
            clerk("cty-a-xfj"),
            t(9),
            &c3,
            Command::ResolveObjection {
                approve: true,
                note: Some("改转住建局".into()),
            },
        )?;
        x(
            w,
            clerk("cty-a-xfj"),
            t(9),
            &c3,
            Command::Transfer {
                to: c("cty-a-zjj"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(12),
            &c3,
            Command::Accept {
                assist: vec![c("cty-a-gtj")],
            },
        )?;

        // 4. A skip-level collective visit at the prefecture, assigned down to the county.
        let mut r4 = reg(next(), Channel::Visit, "town-a1", 0, t(10));
        r4.headcount = 8;
        r4.representatives = vec!["赵某".into(), "钱某".into()];
        let c4 = w.register_by_id(&clerk("city-xfj"), t(10), r4)?.id;
        x(
            w,
            clerk("city-xfj"),
            t(10),
            &c4,
            Command::Assign {
                to: c("cty-a"),
                report_by: t(40).date_naive(),
                note: Some("越级走访，交县政府办理".into()),
            },
        )?;
        x(
            w,
            clerk("cty-a"),
            t(11),
            &c4,
            Command::Transfer {
                to: c("cty-a-gtj"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-gtj"),
            t(13),
            &c4,
            Command::Accept {
                assist: vec![c("town-a1")],
            },
        )?;

        // 5. Review and re-review with a hearing, concluded.
        let p5 = next();
        let c5 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(1),
                reg(p5, Channel::Letter, "town-a2", 2, t(1)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(2),
            &c5,
            Command::Transfer {
                to: c("cty-a-zjj"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(4),
            &c5,
            Command::Accept { assist: vec![] },
        )?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(30),
            &c5,
            Command::Opinion {
                outcome: Outcome::NotSupported,
                text: "安置标准符合规定，不予支持".into(),
                without_assist: None,
            },
        )?;
        x(
            w,
            clerk("city-zjj"),
            t(40),
            &c5,
            Command::ReviewRequest { reason: None },
        )?;
        x(
            w,
            clerk("city-zjj"),
            t(55),
            &c5,
            Command::ReviewOpinion {
                outcome: ReviewOutcome::Upheld,
                text: "维持原处理意见".into(),
            },
        )?;
        x(
            w,
            clerk("prov-zjt"),
            t(60),
            &c5,
            Command::RereviewRequest { reason: None },
        )?;
        x(
            w,
            clerk("prov-zjt"),
            t(62),
            &c5,
            Command::Hearing {
                start: t(70).date_naive(),
                end: t(71).date_naive(),
            },
        )?;
        x(
            w,
            clerk("prov-zjt"),
            t(80),
            &c5,
            Command::RereviewOpinion {
                outcome: ReviewOutcome::Upheld,
                text: "复核维持，本事项终结".into(),
            },
        )?;

        // 6. A decline on each ground.
        let mut r = reg(next(), Channel::Letter, "cty-a", 3, t(15));
        r.litigation = true;
        let d1 = w.register_by_id(&clerk("cty-a-xfj"), t(15), r)?.id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(16),
            &d1,
            Command::Decline {
                ground: DeclineGround::Litigation,
                notice: "该事项已进入诉讼程序，请依法向人民法院主张".into(),
            },
        )?;
        let d2 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(16),
                reg(next(), Channel::Letter, "cty-a", 4, t(16)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(17),
            &d2,
            Command::Decline {
                ground: DeclineGround::LegislatureOrJudiciary,
                notice: "属人民法院职权范围，请向人民法院反映".into(),
            },
        )?;
        let d3 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(90),
                reg(p5, Channel::Letter, "town-a2", 2, t(90)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(90),
            &d3,
            Command::Decline {
                ground: DeclineGround::Concluded,
                notice: "该事项已复核终结，不再受理".into(),
            },
        )?;
        let p7 = next();
        let d4a = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                t(20),
                reg(p7, Channel::Letter, "street-a3", 5, t(20)),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(20),
            &d4a,
            Command::Transfer {
                to: c("street-a3"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("street-a3"),
            t(22),
            &d4a,
            Command::Accept { assist: vec![] },
        )?;
        let d4 = w
            .register_by_id(
                &clerk("city-xfj"),
                t(25),
                reg(p7, Channel::Letter, "street-a3", 5, t(25)),
            )?
            .id;
        x(
            w,
            clerk("city-xfj"),
            t(25),
            &d4,
            Command::Decline {
                ground: DeclineGround::InProgress,
                notice: "该事项正在由城关街道办理，请等待答复".into(),
            },
        )?;
        let d5 = w
            .register_by_id(
                &clerk("city-xfj"),
                t(26),
                reg(next(), Channel::Visit, "town-b1", 6, t(26)),
            )?
            .id;
        x(
            w,
            clerk("city-xfj"),
            t(26),
            &d5,
            Command::Decline {
                ground: DeclineGround::SkipLevel,
                notice: "请向乙县信访局或南山镇反映".into(),
            },
        )?;
        let d6 = w
            .register_by_id(
                &clerk("cty-b-xfj"),
                t(27),
                reg(next(), Channel::Email, "town-b1", 6, t(27)),
            )?
            .id;
        x(
            w,
            clerk("cty-b-xfj"),
            t(27),
            &d6,
            Command::Decline {
                ground: DeclineGround::OutOfScope,
                notice: "请向甲县有关部门反映".into(),
            },
        )?;
        let mut r = reg(next(), Channel::Letter, "town-b1", 7, t(28));
        r.petitioners[0].address = None;
        let d7 = w.register_by_id(&clerk("cty-b-xfj"), t(28), r)?.id;
        x(
            w,
            clerk("cty-b-xfj"),
            t(29),
            &d7,
            Command::Decline {
                ground: DeclineGround::Incomplete,
                notice: "来信未留地址，无法告知".into(),
            },
        )?;

        // 7. A litigation matter routed to the court; 8. an accusation kept from the accused unit.
        let mut r = reg(next(), Channel::Letter, "cty-a", 7, t(30));
        r.litigation = true;
        let l1 = w.register_by_id(&clerk("cty-a-xfj"), t(30), r)?.id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(30),
            &l1,
            Command::Transfer {
                to: c("cty-a-court"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-court"),
            t(33),
            &l1,
            Command::Accept { assist: vec![] },
        )?;
        let mut r = reg(next(), Channel::Letter, "cty-a", 1, t(31));
        r.purpose = Purpose::Accusation;
        r.accused_unit = Some(c("cty-a-zjj"));
        r.summary = "反映县住建局工作人员违规收费".into();
        let a1 = w.register_by_id(&clerk("cty-a-xfj"), t(31), r)?.id;
        x(
            w,
            clerk("cty-a-xfj"),
            t(31),
            &a1,
            Command::Transfer {
                to: c("cty-a"),
                note: Some("控告件，注意保密".into()),
            },
        )?;

        // 9. Withdrawn and merged.
        let w1 = w
            .register_by_id(
                &clerk("cty-b-xfj"),
                t(35),
                reg(next(), Channel::Phone, "street-b2", 6, t(35)),
            )?
            .id;
        x(
            w,
            clerk("cty-b-xfj"),
            t(36),
            &w1,
            Command::Withdraw {
                reason: "信访人电话告知问题已解决".into(),
            },
        )?;
        let p9 = next();
        let m1 = w
            .register_by_id(
                &clerk("cty-b-xfj"),
                t(37),
                reg(p9, Channel::Letter, "town-b1", 3, t(37)),
            )?
            .id;
        let m2 = w
            .register_by_id(
                &clerk("cty-b-xfj"),
                t(38),
                reg(p9, Channel::Online, "town-b1", 3, t(38)),
            )?
            .id;
        x(
            w,
            clerk("cty-b-xfj"),
            t(39),
            &m2,
            Command::Merge { into: m1.clone() },
        )?;
        x(
            w,
            clerk("cty-b-xfj"),
            t(39),
            &m1,
            Command::Transfer {
                to: c("cty-b-rsj"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-b-rsj"),
            t(41),
            &m1,
            Command::Accept { assist: vec![] },
        )?;

        // 10. A county department lets its handling clock run out; 11. a township never accepts.
        let o1 = w
            .register_by_id(
                &clerk("cty-b-xfj"),
                t(2),
                reg(next(), Channel::Visit, "cty-b", 0, t(2)),
            )?
            .id;
        x(
            w,
            clerk("cty-b-xfj"),
            t(2),
            &o1,
            Command::Transfer {
                to: c("cty-b-zjj"),
                note: None,
            },
        )?;
        x(
            w,
            clerk("cty-b-zjj"),
            t(3),
            &o1,
            Command::Accept { assist: vec![] },
        )?;
        let o2 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                now - Duration::days(25),
                reg(
                    next(),
                    Channel::Letter,
                    "town-a1",
                    5,
                    now - Duration::days(25),
                ),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            now - Duration::days(24),
            &o2,
            Command::Transfer {
                to: c("town-a1"),
                note: None,
            },
        )?;
        let o3 = w
            .register_by_id(
                &clerk("cty-a-xfj"),
                now - Duration::days(3),
                reg(
                    next(),
                    Channel::Visit,
                    "street-a3",
                    4,
                    now - Duration::days(3),
                ),
            )?
            .id;
        x(
            w,
            clerk("cty-a-xfj"),
            now - Duration::days(2),
            &o3,
            Command::Transfer {
                to: c("cty-a-zjj"),
                note: None,
            },
        )?;
        // A supervision by hand from the county office on case 3.
        x(
            w,
            clerk("cty-a-xfj"),
            t(60),
            &c3,
            Command::Supervise {
                ground: SupervisionGround::Evasion,
                respond_by: (t(60) + Days::new(10)).date_naive(),
                text: "请说明办理进展".into(),
                unit: None,
                level: None,
            },
        )?;
        x(
            w,
            clerk("cty-a-zjj"),
            t(65),
            &c3,
            Command::Respond {
                supervision: 1,
                text: "正在协调自然资源局核实".into(),
            },
        )?;
        Ok(c5.clone())
    })
}
