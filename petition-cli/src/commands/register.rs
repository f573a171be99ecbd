//! `petition register`: record a new petition (登记, docs/rules.md §2) from flags or a JSON file.

use chrono::{DateTime, FixedOffset};
use petition_core::case::{Channel, Petitioner, Purpose, Registration};
use petition_core::UnitCode;
use petition_core::{DomainError, Lang, Refusal};
use serde::Deserialize;

use crate::app::{parse_time, usage, App, CliResult, Reply};
use serde_json::json;

/// Register a new case (登记). The acting clerk's unit becomes the first-contact unit and holder.
///
/// Examples:
///   petition --as li register --channel visit --purpose request --locality town-a \
///     --category land.requisition --summary 征地补偿款未发放 --petitioner 王某 \
///     --id-number 11010519491231002X --phone 13812345678 --headcount 6 --representative 王某
///   petition --as li register --file case.json --receipt 回执.html
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// letter | visit | phone | online | fax | email
    #[arg(long, value_parser = crate::app::word::<petition_core::case::Channel>(), required_unless_present = "file")]
    pub channel: Option<String>,
    /// request | suggestion | appeal | accusation | other
    #[arg(long, value_parser = crate::app::word::<petition_core::case::Purpose>(), required_unless_present = "file")]
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
    /// Another system's id of the matter, SYSTEM:ID (e.g. hotline-12345:T20260302-0001); a
    /// system's id is registered once
    #[arg(long, value_name = "SYSTEM:ID")]
    pub external_ref: Option<String>,
    /// Read the whole registration from a JSON file instead of flags
    #[arg(long, conflicts_with_all = ["channel", "purpose", "locality", "category", "summary", "petitioner"])]
    pub file: Option<std::path::PathBuf>,
    /// Also write the registration receipt (登记回执) with the query code to this file (.html for a
    /// printable page): the code is shown only now, and later receipts cannot carry it
    #[arg(long, value_name = "FILE")]
    pub receipt: Option<std::path::PathBuf>,
    /// The registration document itself (the server's `POST /cases` body).
    #[arg(skip)]
    pub document: Option<serde_json::Value>,
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
    received_at: Option<String>,
    #[serde(default)]
    litigation: bool,
    #[serde(default)]
    accused_unit: Option<UnitCode>,
    #[serde(default)]
    major: bool,
    #[serde(default)]
    external_ref: Option<petition_core::ExternalRef>,
}

/// Reads a `--file` document as JSON (syntax errors name their line and column).
fn read_document(bytes: &[u8]) -> Result<serde_json::Value, DomainError> {
    let text = petition_core::input::utf8_text("file", bytes)?;
    serde_json::from_str(text).map_err(|e| {
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
    })
}

/// Turns a registration document into a registration; `received_at` defaults to `now` and may
/// be a bare date (09:00 in the time zone of `now`).
pub fn parse_document(
    doc: serde_json::Value,
    now: DateTime<FixedOffset>,
) -> Result<Registration, DomainError> {
    let f: RegistrationFile = serde_json::from_value(doc).map_err(|e| {
        // The field serde names (`missing field `summary``), else the document.
        let text = e.to_string();
        let field = text
            .split('`')
            .nth(1)
            .filter(|f| !f.is_empty() && f.len() <= 40)
            .unwrap_or("document")
            .to_string();
        DomainError::from(Refusal::field(
            field,
            &format!("is not valid in a case document: {text}"),
            &format!("不符合信访件文件格式：{text}"),
        ))
    })?;
    let n = f.petitioners.len() as u32;
    let received_at = match &f.received_at {
        Some(t) => parse_time(t, *now.offset())?,
        None => now,
    };
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
        received_at,
        litigation: f.litigation,
        accused_unit: f.accused_unit,
        major: f.major,
        external_ref: f.external_ref,
    })
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
}

/// The registration document of the flags (the `--file` format), with the content file read.
fn from_flags(a: &Args) -> CliResult<serde_json::Value> {
    let req = |v: &Option<String>, name: &str| {
        v.clone()
            .ok_or_else(|| usage(&format!("--{name} is required"), &format!("缺少 --{name}")))
    };
    let mut petitioners = vec![json!({
        "name": req(&a.petitioner, "petitioner")?,
        "id_number": opt(&a.id_number),
        "phone": opt(&a.phone),
        "address": opt(&a.address),
    })];
    for also in &a.also {
        let mut parts = also.splitn(3, ',').map(|s| s.trim().to_string());
        let name = parts.next().unwrap_or_default();
        let id_number = parts.next().filter(|s| !s.is_empty());
        let phone = parts.next().filter(|s| !s.is_empty());
        petitioners.push(json!({"name": name, "id_number": id_number, "phone": phone}));
    }
    let content = match (&a.content, &a.content_file) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(f)) => {
            let b = crate::app::read_input(f, MAX_CONTENT_BYTES)?;
            Some(petition_core::input::utf8_text("content", &b)?.to_string())
        }
        _ => None,
    };
    let channel = req(&a.channel, "channel")?;
    let purpose = req(&a.purpose, "purpose")?;
    Ok(json!({
        "channel": Channel::parse(&channel).map(|_| channel)
            .ok_or_else(|| usage("bad --channel", "--channel 无效"))?,
        "purpose": Purpose::parse(&purpose).map(|_| purpose)
            .ok_or_else(|| usage("bad --purpose", "--purpose 无效"))?,
        "petitioners": petitioners,
        "headcount": a.headcount,
        "representatives": a.representative,
        // Codes or names, resolved against the database's units when the command runs.
        "locality": req(&a.locality, "locality")?,
        "category": req(&a.category, "category")?,
        "summary": req(&a.summary, "summary")?,
        "content": content,
        "received_at": a.received_at,
        "litigation": a.litigation,
        "accused_unit": opt(&a.accused_unit),
        "major": a.major,
        "external_ref": a.external_ref.as_deref().map(petition_core::ExternalRef::parse).transpose()?,
    }))
}

/// The registration document the command sends: the `--file` document, or the flags'.
pub fn document(a: &Args) -> CliResult<serde_json::Value> {
    if let Some(d) = &a.document {
        return Ok(d.clone());
    }
    match &a.file {
        Some(f) => Ok(read_document(&crate::app::read_input(
            f,
            MAX_CASE_FILE_BYTES,
        )?)?),
        None => from_flags(a),
    }
}

/// The document with its units (`locality`, `accused_unit`) given by name or a unique part of
/// one (`甲镇`) replaced by their codes; a code stays as it is.
fn units_by_name(
    svc: &mut petition_core::Service<petition_core::store::AnyStore>,
    mut doc: serde_json::Value,
) -> CliResult<serde_json::Value> {
    for field in ["locality", "accused_unit"] {
        let Some(text) = doc.get(field).and_then(|v| v.as_str()).map(str::to_string) else {
            continue;
        };
        if UnitCode::parse(text.trim()).is_ok() {
            continue;
        }
        let code = svc.read(|w| w.org().find_unit(&text).map(|u| u.code.to_string()))?;
        doc[field] = serde_json::Value::String(code);
    }
    Ok(doc)
}

/// The largest `--content-file` read (a long letter with its transcript fits easily).
const MAX_CONTENT_BYTES: u64 = 4 << 20;
/// The largest `--file` case document read.
const MAX_CASE_FILE_BYTES: u64 = 8 << 20;

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    // The query code's slow hash (about half a millisecond) is made on another thread while
    // this one reads the document and opens the database — or was made already, on a server,
    // before the command reached the writer.
    let ready = app.prepared_code.lock().ok().and_then(|mut c| c.take());
    let started = PRESTARTED.lock().ok().and_then(|mut h| h.take());
    let hashing = match (ready, started) {
        (Some(code), _) => Ok(code),
        (None, Some(thread)) => Err(thread),
        (None, None) => Err(std::thread::spawn(draw)),
    };
    let doc = document(a)?;
    if let (Some(p), true) = (&a.receipt, app.is_local()) {
        crate::outfile::check(app, p)?;
    }
    let mut svc = app.open()?;
    let session = app.session(&mut svc)?;
    let now = session.write_now(app)?;
    let when = session.write_when(app)?;
    let doc = units_by_name(&mut svc, doc)?;
    let reg = parse_document(doc, now)?;
    let code = hashing.or_else(|thread| thread.join()).map_err(|_| {
        crate::app::CliError::from(DomainError::from(petition_core::StorageError::internal(
            "the query code's thread stopped",
        )))
    })?;
    let lang = if app.global.lang.as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Zh
    };
    let (new, shown, receipt, cal) = svc.work(|w| {
        let new = w.register_prepared(&session.principal, when, reg.clone(), code.clone())?;
        let id = new.case.case.id.clone();
        let shown = super::after_write(app, w, &session, &id, "register")?;
        let receipt = match &a.receipt {
            Some(_) => {
                let n = w.notice(
                    &session.principal,
                    &id,
                    "receipt",
                    lang,
                    None,
                    Some(&new.query_code),
                )?;
                Some(w.reveal(n, when)?)
            }
            None => None,
        };
        Ok((new, shown, receipt, w.calendar().clone()))
    })?;
    let mut r = super::case_reply(&shown, session.today(app)?, 0);
    r.meta.warnings = super::calendar_warnings(&cal, &r.doc);
    // The query code, shown this once: the database keeps only its hash.
    r.doc["query_code"] = json!(new.query_code);
    if let (Some(n), Some(path)) = (receipt, &a.receipt) {
        let html = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html"));
        r.meta.body = Some(if html { n.to_html() } else { n.to_text() });
    }
    Ok(r)
}

/// A query code hashed at the standard cost.
fn draw() -> petition_core::PreparedCode {
    petition_core::PreparedCode::draw(petition_core::QueryCodeCost::Standard)
}

/// The thread hashing this process's registration's query code, when started early.
static PRESTARTED: std::sync::Mutex<Option<std::thread::JoinHandle<petition_core::PreparedCode>>> =
    std::sync::Mutex::new(None);

/// Starts hashing a query code for a registration this process is about to make (before its
/// arguments are even parsed): the slow hash then overlaps the command's other work.
pub fn prestart_query_code() {
    if let Ok(mut h) = PRESTARTED.lock() {
        *h = Some(std::thread::spawn(draw));
    }
}

/// After the summary: the query code the petitioner checks progress with, and the receipt
/// written to `--receipt`.
pub fn render(app: &App, a: &Args, r: &Reply) -> CliResult {
    if let (Some(path), Some(body)) = (&a.receipt, &r.meta.body) {
        crate::outfile::write(path, body.as_bytes())?;
    }
    if app.global.json {
        app.print_json(&r.doc);
        return Ok(());
    }
    super::summary_line(app, &r.doc, r.meta.recorded_after.unwrap_or(0));
    if let Some(q) = r.doc["query_code"].as_str() {
        crate::app::out(&format!("  {}: {q}", app.l("query_code")));
    }
    if let Some(path) = &a.receipt {
        crate::app::out(&format!("  {} → {}", app.l("receipt"), path.display()));
    }
    Ok(())
}

/// Parses a `--file` document's bytes into a registration.
#[cfg(test)]
pub fn parse_file(bytes: &[u8], now: DateTime<FixedOffset>) -> Result<Registration, DomainError> {
    parse_document(read_document(bytes)?, now)
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, self, r)
    }
    fn renders_json(&self) -> bool {
        true
    }
}
