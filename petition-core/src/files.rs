//! 文件格式: the files an admin loads — an organisation chart as CSV and a working calendar as CSV
//! or TOML — parsed into the organisation's and the calendar's types, every error naming its line.

use chrono::NaiveDate;

use crate::clock::DayKind;
use crate::error::{DomainError, Refusal};
use crate::ids::UnitCode;
use crate::org::{Level, Unit, UnitKind};

/// A level by its name (`national` … `township`).
pub fn parse_level(s: &str) -> Result<Level, DomainError> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        DomainError::from(Refusal::field(
            "level",
            "use national, provincial, prefectural, county or township",
            "请使用 national、provincial、prefectural、county 或 township",
        ))
    })
}

/// A unit kind by its name (`government`, `department`, `petition_office`, `legal`).
pub fn parse_unit_kind(s: &str) -> Result<UnitKind, DomainError> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        DomainError::from(Refusal::field(
            "kind",
            "use government, department, petition_office or legal",
            "请使用 government、department、petition_office 或 legal",
        ))
    })
}

fn opt_code(s: Option<&str>) -> Result<Option<UnitCode>, DomainError> {
    s.filter(|x| !x.trim().is_empty())
        .map(|x| UnitCode::parse(x.trim()))
        .transpose()
}

/// Parses a CSV organisation chart into units, parents before children (line numbers in errors).
pub fn parse_units_csv(bytes: &[u8]) -> Result<Vec<(usize, Unit)>, DomainError> {
    let table = csv_table(
        bytes,
        &["code", "name", "level", "kind", "parent", "line_superior"],
    )?;
    let mut rows: Vec<(usize, Unit)> = Vec::new();
    for (line, rec) in table {
        let at = at_line(line);
        let f = |n: usize| rec.get(n).map_or("", String::as_str);
        if rows.iter().any(|(_, u)| u.code.as_str() == f(0)) {
            return Err(bad(
                line,
                &format!("{} is listed twice: one row per unit", f(0)),
                &format!("{} 出现两次：每个单位只列一行", f(0)),
            ));
        }
        let unit = Unit {
            code: UnitCode::parse(f(0)).map_err(&at)?,
            name: f(1).to_string(),
            level: parse_level(f(2)).map_err(&at)?,
            kind: parse_unit_kind(f(3)).map_err(&at)?,
            parent: opt_code(Some(f(4))).map_err(&at)?,
            line_superior: opt_code(Some(f(5))).map_err(&at)?,
        };
        rows.push((line, unit));
    }
    // Parents (and line superiors) first: a stable topological order.
    let mut ordered: Vec<(usize, Unit)> = Vec::with_capacity(rows.len());
    let in_file: std::collections::HashSet<UnitCode> =
        rows.iter().map(|(_, u)| u.code.clone()).collect();
    let mut placed: std::collections::HashSet<UnitCode> = std::collections::HashSet::new();
    while !rows.is_empty() {
        let before = rows.len();
        rows.retain(|(line, u)| {
            let ready = [&u.parent, &u.line_superior].iter().all(|p| {
                p.as_ref()
                    .is_none_or(|p| !in_file.contains(p) || placed.contains(p))
            });
            if ready {
                placed.insert(u.code.clone());
                ordered.push((*line, u.clone()));
            }
            !ready
        });
        if rows.len() == before {
            let line = rows.first().map(|(l, _)| *l).unwrap_or(0);
            return Err(bad(line, "parents form a cycle", "上级关系存在循环"));
        }
    }
    Ok(ordered)
}

fn bad(line: usize, en: &str, zh: &str) -> DomainError {
    DomainError::from(Refusal::invalid(en, zh).at_line(line as u64))
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
pub fn parse_calendar_csv(text: &str) -> Result<Vec<(NaiveDate, DayKind)>, DomainError> {
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
                return Err(DomainError::from(Refusal::field(
                    d.to_string(),
                    "listed both as a holiday and as a working day",
                    "同时被列为节假日和调休上班日",
                )));
            }
        }
    }
    Ok(v)
}

/// Parses a TOML calendar.
pub fn parse_calendar_toml(text: &str) -> Result<Vec<(NaiveDate, DayKind)>, DomainError> {
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

/// Parses a CSV staff list (`id,name,role,unit`; an admin's unit may be empty; roles by name or
/// label, `工作人员`/`clerk`), with line numbers in errors.
pub fn parse_staff_csv(bytes: &[u8]) -> Result<Vec<(usize, crate::org::Staff)>, DomainError> {
    use crate::case::Vocabulary;
    let mut rows: Vec<(usize, crate::org::Staff)> = Vec::new();
    for (line, rec) in csv_table(bytes, &["id", "name", "role", "unit"])? {
        let at = at_line(line);
        let f = |n: usize| rec.get(n).map_or("", String::as_str);
        let role = crate::org::Role::parse_word(f(2)).ok_or_else(|| {
            at(DomainError::from(Refusal::field(
                "role",
                "use clerk, head, admin or integration",
                "请使用 clerk（工作人员）、head（负责人）、admin（管理员）或 integration（接口账户）",
            )))
        })?;
        if rows.iter().any(|(_, s)| s.id.as_str() == f(0)) {
            return Err(bad(
                line,
                &format!("{} is listed twice: one row per person", f(0)),
                &format!("{} 出现两次：每人只列一行", f(0)),
            ));
        }
        let name = f(1);
        if name.is_empty() {
            return Err(bad(line, "the name is empty", "姓名为空"));
        }
        rows.push((
            line,
            crate::org::Staff::new(
                crate::ids::StaffId::parse(f(0)).map_err(&at)?,
                name,
                opt_code(Some(f(3))).map_err(&at)?,
                role,
            ),
        ));
    }
    Ok(rows)
}

/// A refusal placed at `line` of the file.
fn at_line(line: usize) -> impl Fn(DomainError) -> DomainError {
    move |e| match e {
        DomainError::Refused(r) => DomainError::from(r.at_line(line as u64)),
        e => e,
    }
}

/// A CSV file with exactly the header `header` (UTF-8, a byte-order mark allowed): each row's
/// trimmed fields with its line number; a ragged row is refused with its line.
fn csv_table(bytes: &[u8], header: &[&str]) -> Result<Vec<(usize, Vec<String>)>, DomainError> {
    let text = crate::input::utf8_text("file", bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| bad(1, &e.to_string(), "表头无法读取"))?
        .clone();
    if headers.iter().map(str::trim).collect::<Vec<_>>() != header {
        let want = header.join(",");
        return Err(bad(
            1,
            &format!("the header must be: {want}"),
            &format!("表头应为：{want}"),
        ));
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| {
            at_line(line)(DomainError::from(Refusal::field(
                "row",
                &e.to_string(),
                "行格式错误",
            )))
        })?;
        rows.push((line, rec.iter().map(|f| f.trim().to_string()).collect()));
    }
    Ok(rows)
}
