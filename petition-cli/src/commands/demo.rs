//! `petition demo`: a sample organisation and cases through every path of SPEC §4, then the
//! report a clerk sees; with `--cases N --seed S`, N more generated cases (benchmark data).

use chrono::{DateTime, Days, Duration, FixedOffset};
use petition_core::case::{
    Channel, DeclineGround, IdType, Outcome, Petitioner, Purpose, Registration, ReviewOutcome,
    Satisfaction, SupervisionGround,
};
use petition_core::clock::local_date;
use petition_core::org::{Level, Role, Staff, Unit, UnitKind};
use petition_core::service::{AdminChange, Service, Work};
use petition_core::store::SqliteStore;
use petition_core::{CaseId, Command, DomainError, StaffId, UnitCode};
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::app::{out, usage, App, CliResult};

/// Create a demo database: a province, a prefecture, two counties with departments, petition
/// offices, a court, townships and streets, their staff, and cases through every path (transfer,
/// assign, objection, skip-level, collective visit, extension, assisting units, review, re-review
/// with hearing, conclusion, a decline on each ground, supervision); then print a unit's queue, a
/// case's timeline and the overdue list.
///
/// Examples:
///   petition demo
///   petition --db bench.db demo --cases 100000 --seed 1
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Generate this many more cases with a realistic spread of states and dates
    #[arg(long, default_value_t = 0)]
    pub cases: u64,
    /// Seed for the generated cases (the same seed gives the same data)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

const ADMIN: &str = "admin";

type Tz = DateTime<FixedOffset>;

fn c(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap_or_else(|_| unreachable!("demo codes are valid"))
}
fn s(id: &str) -> StaffId {
    StaffId::parse(id).unwrap_or_else(|_| unreachable!("demo ids are valid"))
}

/// (code, name, level, kind, parent, line superior)
type UnitRow = (
    &'static str,
    &'static str,
    Level,
    UnitKind,
    Option<&'static str>,
    Option<&'static str>,
);
const UNITS: &[UnitRow] = &[
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

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const CATEGORIES: [(&str, &str); 8] = [
    ("land.requisition", "征地补偿款未足额发放"),
    ("housing.repair", "老旧小区房屋漏水长期未修"),
    ("housing.demolition", "房屋征收安置未落实"),
    ("labour.wages", "农民工工资被拖欠"),
    ("social.pension", "养老保险待遇核定有误"),
    ("environment.noise", "夜间施工噪声扰民"),
    ("urban.property", "物业服务质量差、收费不透明"),
    ("rural.contract", "土地承包经营权纠纷"),
];

/// A resident id with a correct check digit, derived from a number (demo data only): distinct
/// numbers below 20,000,000 give distinct ids (birth date from `n / 1000`, sequence `n % 1000`).
fn resident_id(n: u64) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default()
        + Duration::days(((n / 1000) % 20_000) as i64);
    let body = format!("110105{}{:03}", born.format("%Y%m%d"), n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn reg(n: u64, channel: Channel, locality: &str, cat: usize, received: Tz) -> Registration {
    let (category, summary) = CATEGORIES[cat % CATEGORIES.len()];
    Registration {
        channel,
        purpose: Purpose::Request,
        petitioners: vec![Petitioner {
            name: format!("{}某{}", SURNAMES[(n % 12) as usize], n % 100),
            id_type: IdType::ResidentId,
            id_number: Some(resident_id(n)),
            phone: Some(format!("138{:08}", n % 100_000_000)),
            address: Some(format!("{}第{}组", locality, n % 30 + 1)),
        }],
        headcount: 1,
        representatives: vec![],
        locality: c(locality),
        category: category.to_string(),
        summary: summary.to_string(),
        content: None,
        received_at: received,
        litigation: false,
        accused_unit: None,
        major: false,
    }
}

fn clerk(unit: &str) -> StaffId {
    s(&format!("{unit}-c"))
}
fn head(unit: &str) -> StaffId {
    s(&format!("{unit}-h"))
}

fn build_org(svc: &mut Service<SqliteStore>, at: Tz) -> Result<(), DomainError> {
    svc.init(
        Staff {
            id: s(ADMIN),
            name: "系统管理员".into(),
            unit: None,
            role: Role::Admin,
        },
        at,
        petition_core::audit::ClockMode::Simulated,
    )?;
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
            w.admin(&s(ADMIN), at, AdminChange::AddUnit(unit))?;
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
                };
                w.admin(&s(ADMIN), at, AdminChange::AddStaff(staff))?;
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
        w.admin(&s(ADMIN), at, AdminChange::SetCalendar(entries))?;
        Ok(())
    })
}

/// The scripted cases. Returns the case to show the timeline of.
fn scripted(svc: &mut Service<SqliteStore>, start: Tz, now: Tz) -> Result<CaseId, DomainError> {
    let t = |days: i64| start + Duration::days(days);
    let mut n = 1000u64;
    let mut next = || {
        n += 1;
        n
    };
    svc.work(|w| {
        let x = |w: &mut Work<'_, _>, who: StaffId, at: Tz, id: &CaseId, cmd: Command| {
            w.execute(&who, at, id, cmd).map(|_| ())
        };
        // 1. Transfer, accept with an assisting unit, assist input, extension, opinion, close, evaluation.
        let c1 = w
            .register(
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
        x(
            w,
            clerk("town-a1"),
            t(20),
            &c1,
            Command::AssistInput {
                text: "经现场查看，屋面防水层老化".into(),
            },
        )?;
        x(
            w,
            head("cty-a-zjj"),
            t(50),
            &c1,
            Command::Extend {
                days: 15,
                reason: "需协调维修资金".into(),
            },
        )?;
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
            .register(
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
            .register(
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
        let c4 = w.register(&clerk("city-xfj"), t(10), r4)?.id;
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
            .register(
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
        x(w, clerk("city-zjj"), t(40), &c5, Command::ReviewRequest)?;
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
        x(w, clerk("prov-zjt"), t(60), &c5, Command::RereviewRequest)?;
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
        let d1 = w.register(&clerk("cty-a-xfj"), t(15), r)?.id;
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
            .register(
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
            .register(
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
            .register(
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
            .register(
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
            .register(
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
            .register(
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
        let d7 = w.register(&clerk("cty-b-xfj"), t(28), r)?.id;
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
        let l1 = w.register(&clerk("cty-a-xfj"), t(30), r)?.id;
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
        let a1 = w.register(&clerk("cty-a-xfj"), t(31), r)?.id;
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
            .register(
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
            .register(
                &clerk("cty-b-xfj"),
                t(37),
                reg(p9, Channel::Letter, "town-b1", 3, t(37)),
            )?
            .id;
        let m2 = w
            .register(
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
            .register(
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
            .register(
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
            .register(
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

fn generate(svc: &mut Service<SqliteStore>, now: Tz, n: u64, seed: u64) -> Result<(), DomainError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let offices = [
        ("cty-a-xfj", ["town-a1", "town-a2", "street-a3", "cty-a"]),
        ("cty-b-xfj", ["town-b1", "street-b2", "cty-b", "town-b1"]),
    ];
    let depts = [
        ["cty-a-zjj", "cty-a-rsj", "cty-a-gtj"],
        ["cty-b-zjj", "cty-b-rsj", "cty-b-zjj"],
    ];
    let bar = indicatif::ProgressBar::new(n);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Who petitions: most registrations come from someone new; about one in twelve comes back
    // from the petitioner of a recent case on the same matter (重复信访), and one in a hundred
    // from a pool of frequent petitioners sized so each comes back about twenty times whatever
    // N is. So the related list of a registration (SPEC §6.4 records them all) does not grow
    // with N, as it would not in a real office.
    let frequent = (n / 2000).max(20);
    let mut recent: Vec<(u64, usize, usize, usize)> = Vec::with_capacity(1024);
    // 5,000 cases per transaction and a 16 MiB page cache: measured at 100k cases, 15.4 s with
    // SQLite's defaults and 1,000 per transaction, 12.2 s with these, at 31 MiB peak memory (flat
    // in N: the cache and the batch are bounded). A kill loses at most the open batch.
    let batch = 5000u64;
    svc.store().set_cache_kib(16 * 1024)?;
    let mut done = 0u64;
    while done < n {
        let take = batch.min(n - done);
        svc.work(|w| {
            for i in 0..take {
                let k = done + i;
                let roll = rng.gen_range(0..100u32);
                let (who, side, loc, cat) = if roll == 0 {
                    let f = rng.gen_range(0..frequent);
                    (
                        500_000 + f,
                        (f % 2) as usize,
                        (f / 2 % 4) as usize,
                        (f / 8 % 8) as usize,
                    )
                } else if roll < 9 && !recent.is_empty() {
                    recent[rng.gen_range(0..recent.len())]
                } else {
                    let fresh = (
                        1_000_000 + k * 7919 % 9_000_000,
                        rng.gen_range(0..2usize),
                        rng.gen_range(0..4usize),
                        rng.gen_range(0..8usize),
                    );
                    if recent.len() < 1024 {
                        recent.push(fresh);
                    } else {
                        recent[(k % 1024) as usize] = fresh;
                    }
                    fresh
                };
                let (office, localities) = offices[side];
                let locality = localities[loc];
                // Registered in time order over the past year, as an office registers them.
                let minutes_ago = ((n - k) as u128 * 525_600 / n as u128) as i64;
                let reg_at = now - Duration::minutes(minutes_ago + rng.gen_range(0..10));
                let step = |d: i64| (reg_at + Duration::days(d)).min(now);
                let channel = [
                    Channel::Letter,
                    Channel::Visit,
                    Channel::Phone,
                    Channel::Online,
                ][rng.gen_range(0..4usize)];
                let mut r = reg(who, channel, locality, cat, reg_at);
                if rng.gen_bool(0.05) {
                    r.headcount = rng.gen_range(5..30);
                }
                let id = w.register(&clerk(office), reg_at, r)?.id;
                let path = rng.gen_range(0..100u32);
                let dept = depts[side][rng.gen_range(0..3usize)];
                let x = |w: &mut Work<'_, _>,
                         who: StaffId,
                         d: i64,
                         cmd: Command|
                 -> Result<bool, DomainError> {
                    if reg_at + Duration::days(d) > now {
                        return Ok(false);
                    }
                    match w.execute(&who, step(d), &id, cmd) {
                        Ok(_) => Ok(true),
                        // Generated paths may meet a rule (a lapsed window); the case just stops there.
                        Err(
                            DomainError::WindowLapsed(_)
                            | DomainError::SkipLevel(_)
                            | DomainError::Litigation(_),
                        ) => Ok(false),
                        Err(e) => Err(e),
                    }
                };
                if path < 8 {
                    x(
                        w,
                        clerk(office),
                        1,
                        Command::Decline {
                            ground: DeclineGround::LegislatureOrJudiciary,
                            notice: "请向有关机关反映".into(),
                        },
                    )?;
                    continue;
                }
                if path < 12 {
                    x(
                        w,
                        clerk(office),
                        2,
                        Command::Withdraw {
                            reason: "信访人撤回".into(),
                        },
                    )?;
                    continue;
                }
                if !x(
                    w,
                    clerk(office),
                    rng.gen_range(0..4),
                    Command::Transfer {
                        to: c(dept),
                        note: None,
                    },
                )? || path < 25
                {
                    continue;
                }
                if !x(
                    w,
                    clerk(dept),
                    rng.gen_range(4..16),
                    Command::Accept { assist: vec![] },
                )? || path < 50
                {
                    continue;
                }
                let late = rng.gen_range(20..80);
                let outcome = [
                    Outcome::Supported,
                    Outcome::Explained,
                    Outcome::NotSupported,
                ][rng.gen_range(0..3usize)];
                if !x(
                    w,
                    clerk(dept),
                    late,
                    Command::Opinion {
                        outcome,
                        text: "已答复".into(),
                        without_assist: None,
                    },
                )? || path < 62
                {
                    continue;
                }
                if path < 85 {
                    x(
                        w,
                        clerk(dept),
                        late + 2,
                        Command::Close {
                            reason: petition_core::case::CloseReason::Accepted,
                        },
                    )?;
                    if rng.gen_bool(0.7) {
                        let sat = [
                            Satisfaction::Satisfied,
                            Satisfaction::BasicallySatisfied,
                            Satisfaction::Dissatisfied,
                        ][rng.gen_range(0..3usize)];
                        x(
                            w,
                            clerk(office),
                            late + 5,
                            Command::Evaluate {
                                handling: sat,
                                office: None,
                            },
                        )?;
                    }
                    continue;
                }
                let side_gov = if side == 0 { "cty-a" } else { "cty-b" };
                if !x(w, clerk(side_gov), late + 10, Command::ReviewRequest)? {
                    continue;
                }
                x(
                    w,
                    clerk(side_gov),
                    late + 30,
                    Command::ReviewOpinion {
                        outcome: ReviewOutcome::Upheld,
                        text: "维持".into(),
                    },
                )?;
            }
            Ok(())
        })?;
        done += take;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    Ok(())
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let path = match &app.global.db {
        Some(p) => p.clone(),
        None => {
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            std::env::temp_dir()
                .join(format!("petition-demo-{stamp}-{}", std::process::id()))
                .join("demo.db")
        }
    };
    if path.exists() {
        return Err(usage(
            &format!(
                "{} already exists: the demo makes a new database; choose another --db",
                path.display()
            ),
            &format!("{} 已存在：演示会新建数据库，请另选 --db", path.display()),
        ));
    }
    let mut svc = app.create(&path)?;
    let now = app.now(petition_core::policy::Policy::default().timezone)?;
    let start = now - Duration::days(120);
    build_org(&mut svc, start - Duration::days(1))?;
    let timeline_case = scripted(&mut svc, start, now)?;
    // Time passes: tick at intervals, so the ladder climbs for the case left overdue.
    for back in [55, 45, 35, 20, 5, 0] {
        svc.tick(now - Duration::days(back))?;
    }
    if a.cases > 0 {
        generate(&mut svc, now, a.cases, a.seed)?;
    }
    if app.global.json {
        let n = svc.read(|w| w.case_count())?;
        app.print_json(&json!({"db": path, "cases": n, "timeline_case": timeline_case}));
        return Ok(());
    }
    out(&format!("{}: {}", app.l("demo_db"), path.display()));
    if a.cases > 0 {
        out(&format!("{}: {}", app.l("demo_generated"), a.cases));
    }
    drop(svc);
    let sub = |actor: Option<&str>| {
        let mut g = app.global.clone();
        g.db = Some(path.clone());
        g.actor = actor.map(str::to_string);
        g.now = Some(now.to_rfc3339());
        App {
            global: g,
            lang: app.lang,
            color: app.color,
        }
    };
    out("");
    out(&format!("== {} ==", app.l("demo_queue")));
    super::list::queue(
        &sub(Some("cty-a-zjj-c")),
        &super::list::QueueArgs { limit: 20 },
    )?;
    out("");
    out(&format!(
        "== {} {} ==",
        app.l("demo_timeline"),
        timeline_case
    ));
    super::show::run(
        &sub(Some(ADMIN)),
        &super::show::Args {
            case: timeline_case.to_string(),
            timeline: true,
        },
    )?;
    out("");
    out(&format!("== {} ==", app.l("overdue_list")));
    super::list::overdue(
        &sub(Some(ADMIN)),
        &super::list::OverdueArgs {
            unit: None,
            limit: 20,
        },
    )?;
    out("");
    out(&format!("{}:", app.l("demo_next")));
    out(&format!(
        "  petition --db {} --as cty-a-xfj-c queue",
        path.display()
    ));
    out(&format!(
        "  petition --db {} --as {ADMIN} show {} --timeline",
        path.display(),
        timeline_case
    ));
    out(&format!("  petition --db {} verify", path.display()));
    Ok(())
}
