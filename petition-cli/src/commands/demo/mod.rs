//! `petition demo`: a sample organisation and cases through every path of the lifecycle, then the
//! report a clerk sees; with `--cases N --seed S`, N more generated cases (benchmark data).

use chrono::{DateTime, Days, Duration, FixedOffset};
use petition_core::case::{
    Channel, DeclineGround, IdType, Outcome, Petitioner, Purpose, Registration, ReviewOutcome,
    Satisfaction, SupervisionGround,
};
use petition_core::clock::local_date;
use petition_core::org::{Level, Role, Staff, Unit, UnitKind};
use petition_core::service::{AdminChange, Service, Work};
use petition_core::{CaseId, Command, DomainError, StaffId, UnitCode};
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::app::{out, usage, App, CliResult};

mod generator;
mod org;
mod walk;

use generator::generate;
use org::build_org;
use walk::scripted;

/// Create a demo database: a province, a prefecture, two counties with departments, petition
/// offices, a court, townships and streets, their staff, and cases through every path (transfer,
/// assign, objection, skip-level, collective visit, extension, assisting units, review, re-review
/// with hearing, conclusion, a decline on each ground, supervision); then print a unit's queue, a
/// case's timeline and the overdue list.
///
/// Examples:
///   petition demo
///   petition --db bench.db demo --cases 100000 --seed 1
///   petition --db bench.db demo --cases 1000 --query-codes codes.tsv
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Generate this many more cases with a realistic spread of states and dates
    #[arg(long, default_value_t = 0)]
    pub cases: u64,
    /// Seed for the generated cases (the same seed gives the same data)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write each generated case's number and query code, tab-separated, to this file (training
    /// data: for load tests of the public pages, which need codes the database keeps only hashed)
    #[arg(long, value_name = "FILE", requires = "cases")]
    pub query_codes: Option<std::path::PathBuf>,
}

const ADMIN: &str = "admin";

/// The demo acts as its staff by id, each resolved from the staff table as any caller's is.
trait ById {
    /// Registers as `who` at `at`; the case in brief.
    fn register_by_id(
        &mut self,
        who: &StaffId,
        at: Tz,
        r: Registration,
    ) -> Result<petition_core::Case, DomainError>;
    /// Runs a case command as `who` at `at`; the case in brief.
    fn execute_by_id(
        &mut self,
        who: &StaffId,
        at: Tz,
        id: &CaseId,
        cmd: Command,
    ) -> Result<petition_core::Case, DomainError>;
}

impl<T: petition_core::store::Txn> ById for Work<'_, T> {
    fn register_by_id(
        &mut self,
        who: &StaffId,
        at: Tz,
        r: Registration,
    ) -> Result<petition_core::Case, DomainError> {
        let p = self.principal(who)?;
        Ok(self.register(&p, at, r)?.case.case)
    }
    fn execute_by_id(
        &mut self,
        who: &StaffId,
        at: Tz,
        id: &CaseId,
        cmd: Command,
    ) -> Result<petition_core::Case, DomainError> {
        let p = self.principal(who)?;
        Ok(self.execute(&p, at, id, cmd)?.case)
    }
}

type Tz = DateTime<FixedOffset>;

fn c(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap_or_else(|_| unreachable!("demo codes are valid"))
}
fn s(id: &str) -> StaffId {
    StaffId::parse(id).unwrap_or_else(|_| unreachable!("demo ids are valid"))
}

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
        external_ref: None,
    }
}

fn clerk(unit: &str) -> StaffId {
    s(&format!("{unit}-c"))
}
fn head(unit: &str) -> StaffId {
    s(&format!("{unit}-h"))
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
    if let Some(f) = a.query_codes.as_ref().filter(|f| f.exists()) {
        return Err(usage(
            &format!(
                "{} already exists: the demo writes a new codes file; choose another --query-codes",
                f.display()
            ),
            &format!(
                "{} 已存在：演示会新建查询码文件，请另选 --query-codes",
                f.display()
            ),
        ));
    }
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
    // Training data on a simulated database: its query codes are hashed at the training cost
    // (the standard one would add half a millisecond a case, eight minutes to a million).
    svc.set_query_code_cost(petition_core::QueryCodeCost::Training);
    let now = app.now(petition_core::policy::Policy::default().timezone)?;
    let start = now - Duration::days(120);
    build_org(&mut svc, start - Duration::days(1))?;
    let timeline_case = scripted(&mut svc, start, now)?;
    // Time passes: tick at intervals, so the ladder climbs for the case left overdue.
    for back in [55, 45, 35, 20, 5, 0] {
        svc.tick(now - Duration::days(back))?;
    }
    if a.cases > 0 {
        let mut codes = match &a.query_codes {
            Some(f) => Some(std::io::BufWriter::new(std::fs::File::create(f).map_err(
                |e| {
                    DomainError::from(petition_core::StorageError::io(
                        format!("create {}", f.display()),
                        e,
                    ))
                },
            )?)),
            None => None,
        };
        generate(
            &mut svc,
            now,
            a.cases,
            a.seed,
            codes.as_mut().map(|w| w as &mut dyn std::io::Write),
        )?;
        if let Some(mut w) = codes {
            use std::io::Write as _;
            w.flush().map_err(|e| {
                DomainError::from(petition_core::StorageError::io("write the codes file", e))
            })?;
        }
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
            pool: None,
            preset: None,
            prepared_code: std::sync::Mutex::new(None),
            upload: std::sync::Mutex::new(None),
            wants_meta: true,
            desk: true,
        }
    };
    out("");
    out(&format!("== {} ==", app.l("demo_queue")));
    let reader = sub(Some("cty-a-zjj-c"));
    let r = super::list::queue(
        &reader,
        &super::list::QueueArgs {
            limit: 20,
            mine: false,
            after: None,
        },
    )?;
    super::list::render(&reader, super::list::queue_heading(&reader, &r), &r);
    out("");
    out(&format!(
        "== {} {} ==",
        app.l("demo_timeline"),
        timeline_case
    ));
    let admin = sub(Some(ADMIN));
    let shown = super::show::Args {
        case: timeline_case.to_string(),
        timeline: true,
    };
    let r = super::show::exec(&admin, &shown)?;
    super::show::render(&admin, &shown, &r);
    out("");
    out(&format!("== {} ==", app.l("overdue_list")));
    let r = super::list::overdue(
        &admin,
        &super::list::OverdueArgs {
            unit: None,
            limit: 20,
            after: None,
        },
    )?;
    super::list::render(&admin, Some(app.l("overdue_list").to_string()), &r);
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

super::super::own_output!(
    Args => run, whole;
);
