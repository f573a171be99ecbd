//! `petition calendar import|show`: public holidays and make-up working days (SPEC §5.1, §10.3).

use chrono::NaiveDate;
use petition_core::clock::DayKind;
use petition_core::error::{msg, DomainError};
use petition_core::service::AdminChange;
use serde_json::json;

use crate::app::{out, App, CliResult};
use crate::render::table;

/// Load or show the working calendar (节假日与调休).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Import a calendar: CSV `date,kind` (kind holiday or workday) or TOML
    /// (`holidays = ["2026-05-01", …]`, `workdays = ["2026-05-09"]`). All or nothing.
    ///
    /// Example: petition --as admin calendar import 2026.csv
    Import {
        /// The file (.csv or .toml)
        file: std::path::PathBuf,
    },
    /// Show the calendar entries, optionally of one year.
    ///
    /// Example: petition calendar show --year 2026
    Show {
        /// Only this year
        #[arg(long)]
        year: Option<i32>,
    },
}

fn bad(line: usize, en: &str, zh: &str) -> DomainError {
    DomainError::Validation(msg::field(&format!("line {line}"), en, zh))
}

fn date(line: usize, s: &str) -> Result<NaiveDate, DomainError> {
    let s = s.trim();
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if s.len() == 10 => Ok(d),
        _ => Err(bad(
            line,
            "not a valid date (use YYYY-MM-DD)",
            "日期无效（应为 YYYY-MM-DD）",
        )),
    }
}

/// Parses a CSV calendar (`date,kind`, header optional).
pub fn parse_csv(text: &str) -> Result<Vec<(NaiveDate, DayKind)>, DomainError> {
    let mut out = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 1;
        let rec = rec.map_err(|_| bad(line, "unreadable row", "无法读取该行"))?;
        let f0 = rec.get(0).unwrap_or("").trim();
        if line == 1 && f0 == "date" {
            continue;
        }
        if rec.len() == 1 && f0.is_empty() {
            continue;
        }
        if rec.len() != 2 {
            return Err(bad(
                line,
                "expected two columns: date,kind",
                "应为两列：date,kind",
            ));
        }
        let d = date(line, f0)?;
        let k = match rec.get(1).unwrap_or("").trim() {
            "holiday" => DayKind::Holiday,
            "workday" => DayKind::Workday,
            _ => {
                return Err(bad(
                    line,
                    "kind must be holiday or workday",
                    "类别应为 holiday 或 workday",
                ))
            }
        };
        out.push((d, k));
    }
    check_unique(out)
}

fn check_unique(v: Vec<(NaiveDate, DayKind)>) -> Result<Vec<(NaiveDate, DayKind)>, DomainError> {
    let mut seen = std::collections::BTreeMap::new();
    for (d, k) in &v {
        if let Some(prev) = seen.insert(*d, *k) {
            if prev != *k {
                return Err(DomainError::Validation(msg::field(
                    &d.to_string(),
                    "listed both as a holiday and as a working day",
                    "同时被列为节假日和调休上班日",
                )));
            }
        }
    }
    Ok(v)
}

/// Parses a TOML calendar.
pub fn parse_toml(text: &str) -> Result<Vec<(NaiveDate, DayKind)>, DomainError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let value: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(s.start)).unwrap_or(1);
        bad(line, "not valid TOML", "不是有效的 TOML")
    })?;
    let mut out = Vec::new();
    for (key, kind) in [
        ("holidays", DayKind::Holiday),
        ("workdays", DayKind::Workday),
    ] {
        let Some(v) = value.get(key) else { continue };
        let arr = v.as_array().ok_or_else(|| {
            bad(
                1,
                &format!("{key} must be a list of dates"),
                &format!("{key} 应为日期列表"),
            )
        })?;
        for item in arr {
            let s = item
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| item.to_string());
            let line = text.find(&s).map(line_of).unwrap_or(1);
            out.push((date(line, &s)?, kind));
        }
    }
    if let Some(k) = value.keys().find(|k| *k != "holidays" && *k != "workdays") {
        let line = text.find(k.as_str()).map(line_of).unwrap_or(1);
        return Err(bad(
            line,
            "unknown key: use holidays and workdays",
            "未知的键：请使用 holidays 和 workdays",
        ));
    }
    check_unique(out)
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let mut svc = app.open()?;
    match &a.cmd {
        Cmd::Import { file } => {
            let bytes = crate::app::read_input(file, 16 << 20)?;
            let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                .map_err(|_| {
                DomainError::Validation(msg::field("file", "is not UTF-8 text", "不是 UTF-8 文本"))
            })?;
            let is_toml = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
            let entries = if is_toml {
                parse_toml(text)?
            } else {
                parse_csv(text)?
            };
            let actor = app.actor()?;
            let now = app.write_now(&mut svc)?;
            let n = entries.len();
            svc.admin(&actor, now, AdminChange::SetCalendar(entries))?;
            if app.global.json {
                app.print_json(&json!({"imported": n}));
            } else {
                out(&format!("{} {n}", app.l("imported")));
            }
        }
        Cmd::Show { year } => {
            let cal = svc.read(|w| Ok(w.calendar().clone()))?;
            let entries = cal.entries(*year);
            if app.global.json {
                app.print_json(&json!({"days": entries.iter().map(|(d, k)| json!({"date": d, "kind": k})).collect::<Vec<_>>()}));
            } else if entries.is_empty() {
                out(app.t(
                    "No calendar loaded: only weekends are rest days.",
                    "未导入日历：仅周六周日为休息日。",
                ));
            } else {
                let mut t = table(app, &[app.l("date"), app.l("kind")]);
                for (d, k) in entries {
                    let k = if k == DayKind::Holiday {
                        "holiday"
                    } else {
                        "workday"
                    };
                    t.add_row(vec![d.to_string(), app.e(k)]);
                }
                out(&t.to_string());
            }
        }
    }
    Ok(())
}
