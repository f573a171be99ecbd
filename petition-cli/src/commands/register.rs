//! `petition register`: record a new petition (登记, docs/rules.md §2) from flags or a JSON file.

use chrono::{DateTime, FixedOffset};
use petition_core::case::{Channel, IdType, Petitioner, Purpose, Registration};
use petition_core::UnitCode;
use petition_core::{DomainError, Refusal};
use serde::Deserialize;

use crate::app::{parse_time, usage, App, CliResult};

const CHANNELS: [&str; 6] = ["letter", "visit", "phone", "online", "fax", "email"];
const PURPOSES: [&str; 5] = ["request", "suggestion", "appeal", "accusation", "other"];

/// Register a new case (登记). The acting clerk's unit becomes the first-contact unit and holder.
///
/// Examples:
///   petition --as li register --channel visit --purpose request --locality town-a \
///     --category land.requisition --summary 征地补偿款未发放 --petitioner 王某 \
///     --id-number 11010519491231002X --phone 13812345678 --headcount 6 --representative 王某
///   petition --as li register --file case.json
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// letter | visit | phone | online | fax | email
    #[arg(long, value_parser = CHANNELS, required_unless_present = "file")]
    pub channel: Option<String>,
    /// request | suggestion | appeal | accusation | other
    #[arg(long, value_parser = PURPOSES, required_unless_present = "file")]
    pub purpose: Option<String>,
    /// Code of the unit whose territory the matter concerns (问题属地)
    #[arg(long, required_unless_present = "file")]
    pub locality: Option<String>,
    /// Dotted category code, e.g. land.requisition
    #[arg(long, required_unless_present = "file")]
    pub category: Option<String>,
    /// Summary (概况), at most 300 characters
    #[arg(long, required_unless_present = "file")]
    pub summary: Option<String>,
    /// The first petitioner's name
    #[arg(long, required_unless_present = "file")]
    pub petitioner: Option<String>,
    /// The first petitioner's resident id number (checked, GB 11643)
    #[arg(long)]
    pub id_number: Option<String>,
    /// The first petitioner's phone
    #[arg(long)]
    pub phone: Option<String>,
    /// The first petitioner's address
    #[arg(long)]
    pub address: Option<String>,
    /// Another petitioner: NAME[,ID_NUMBER[,PHONE]] (repeatable)
    #[arg(long, value_name = "NAME[,ID[,PHONE]]")]
    pub also: Vec<String>,
    /// Number of people (default: the number of petitioners)
    #[arg(long)]
    pub headcount: Option<u32>,
    /// A representative's name (repeatable, at most 5)
    #[arg(long)]
    pub representative: Vec<String>,
    /// Full content text
    #[arg(long, conflicts_with = "content_file")]
    pub content: Option<String>,
    /// Read the content from a file
    #[arg(long)]
    pub content_file: Option<std::path::PathBuf>,
    /// When the letter arrived or the visitor came [default: now]
    #[arg(long)]
    pub received_at: Option<String>,
    /// Litigation matter (涉法涉诉)
    #[arg(long)]
    pub litigation: bool,
    /// For accusations: the accused unit (its staff will never see the petitioner)
    #[arg(long)]
    pub accused_unit: Option<String>,
    /// Major or urgent (重大紧急)
    #[arg(long)]
    pub major: bool,
    /// Read the whole registration from a JSON file instead of flags
    #[arg(long, conflicts_with_all = ["channel", "purpose", "locality", "category", "summary", "petitioner"])]
    pub file: Option<std::path::PathBuf>,
}

/// The `--file` format: the registration fields (docs/rules.md §2); `received_at` defaults to now.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationFile {
    channel: Channel,
    purpose: Purpose,
    petitioners: Vec<Petitioner>,
    #[serde(default)]
    headcount: Option<u32>,
    #[serde(default)]
    representatives: Vec<String>,
    locality: UnitCode,
    category: String,
    summary: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    received_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    litigation: bool,
    #[serde(default)]
    accused_unit: Option<UnitCode>,
    #[serde(default)]
    major: bool,
}

/// Parses a `--file` document into a registration.
pub fn parse_file(bytes: &[u8], now: DateTime<FixedOffset>) -> Result<Registration, DomainError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        DomainError::from(Refusal::field(
            "file",
            "is not UTF-8 text",
            "不是 UTF-8 文本",
        ))
    })?;
    let f: RegistrationFile = serde_json::from_str(text).map_err(|e| {
        DomainError::from(Refusal::field(
            "file",
            &format!(
                "is not a valid case document (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
            &format!(
                "不是有效的信访件文件（第 {} 行第 {} 列）",
                e.line(),
                e.column()
            ),
        ))
    })?;
    let n = f.petitioners.len() as u32;
    Ok(Registration {
        channel: f.channel,
        purpose: f.purpose,
        petitioners: f.petitioners,
        headcount: f.headcount.unwrap_or(n),
        representatives: f.representatives,
        locality: f.locality,
        category: f.category,
        summary: f.summary,
        content: f.content,
        received_at: f.received_at.unwrap_or(now),
        litigation: f.litigation,
        accused_unit: f.accused_unit,
        major: f.major,
    })
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
}

fn from_flags(a: &Args, now: DateTime<FixedOffset>) -> CliResult<Registration> {
    let req = |v: &Option<String>, name: &str| {
        v.clone()
            .ok_or_else(|| usage(&format!("--{name} is required"), &format!("缺少 --{name}")))
    };
    let mut petitioners = vec![Petitioner {
        name: req(&a.petitioner, "petitioner")?,
        id_type: IdType::ResidentId,
        id_number: opt(&a.id_number),
        phone: opt(&a.phone),
        address: opt(&a.address),
    }];
    for also in &a.also {
        let mut parts = also.splitn(3, ',').map(|s| s.trim().to_string());
        let name = parts.next().unwrap_or_default();
        let id_number = parts.next().filter(|s| !s.is_empty());
        let phone = parts.next().filter(|s| !s.is_empty());
        petitioners.push(Petitioner {
            name,
            id_type: IdType::ResidentId,
            id_number,
            phone,
            address: None,
        });
    }
    let content = match (&a.content, &a.content_file) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(f)) => {
            let b = crate::app::read_input(f, MAX_CONTENT_BYTES)?;
            Some(String::from_utf8(b).map_err(|_| {
                DomainError::from(Refusal::field(
                    "content",
                    "the file is not UTF-8 text",
                    "文件不是 UTF-8 文本",
                ))
            })?)
        }
        _ => None,
    };
    let received_at = match &a.received_at {
        Some(t) => parse_time(t, *now.offset())?,
        None => now,
    };
    let n = petitioners.len() as u32;
    Ok(Registration {
        channel: Channel::parse(&req(&a.channel, "channel")?)
            .ok_or_else(|| usage("bad --channel", "--channel 无效"))?,
        purpose: Purpose::parse(&req(&a.purpose, "purpose")?)
            .ok_or_else(|| usage("bad --purpose", "--purpose 无效"))?,
        petitioners,
        headcount: a.headcount.unwrap_or(n),
        representatives: a.representative.clone(),
        locality: UnitCode::parse(&req(&a.locality, "locality")?)?,
        category: req(&a.category, "category")?,
        summary: req(&a.summary, "summary")?,
        content,
        received_at,
        litigation: a.litigation,
        accused_unit: opt(&a.accused_unit)
            .map(|u| UnitCode::parse(&u))
            .transpose()?,
        major: a.major,
    })
}

/// The largest `--content-file` read (a long letter with its transcript fits easily).
const MAX_CONTENT_BYTES: u64 = 4 << 20;
/// The largest `--file` case document read.
const MAX_CASE_FILE_BYTES: u64 = 8 << 20;

pub fn run(app: &App, a: &Args) -> CliResult {
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let staff = session.staff.clone();
    let now = session.write_now(app)?;
    let reg = match &a.file {
        Some(f) => {
            let b = crate::app::read_input(f, MAX_CASE_FILE_BYTES)?;
            parse_file(&b, now)?
        }
        None => from_flags(a, now)?,
    };
    let (case, events, access) = svc.work(|w| {
        let case = w.register(&staff.id, now, reg.clone())?;
        super::after_write(app, w, &staff, &case.id, "register", now)
    })?;
    super::print_case(app, &case, &events, access, now, 0)?;
    if !app.global.json {
        if let Some(q) = &case.query_code {
            crate::app::out(&format!("  {}: {q}", app.l("query_code")));
        }
    }
    Ok(())
}
