//! 数据交换: streaming exports — the audit chain as JSON Lines, cases as CSV rows and as
//! Open311 GeoReport v2 service requests — and the import of a JSON Lines export into a new
//! database, verifying the chain while it loads. Memory stays flat: rows are written as they are
//! read, in id order, a page at a time.

use std::collections::VecDeque;
use std::io::{BufRead, Write};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::access::{access, Access};
use crate::audit::{chain_hash, hex, strip_gseq, unhex, Entry, GENESIS};
use crate::case::{Case, Event};
use crate::clock::local_date;
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::org::{Role, Staff};
use crate::principal::{Principal, When};
use crate::service::Service;
use crate::store::{seal, Store, Txn};
use crate::view::{mask_address, mask_id, mask_name, mask_phone, Privacy};

fn io(e: std::io::Error) -> DomainError {
    DomainError::from(StorageError::io("writing the export failed", e))
}

/// Masks the personal data of a `registered` entry's petitioners and representatives, and the
/// old and new values of an `amended` entry that corrected one of them.
fn mask_registration(v: &mut Value) {
    if v.get("type").and_then(Value::as_str) == Some("amended") {
        let mask = v
            .get("field")
            .and_then(Value::as_str)
            .and_then(crate::case::AmendField::parse)
            .and_then(crate::view::mask_of);
        if let Some(f) = mask {
            for k in ["old", "new"] {
                if let Some(s) = v.get(k).and_then(Value::as_str).map(str::to_string) {
                    v[k] = json!(f(&s));
                }
            }
        }
        return;
    }
    let Some(reg) = v.get_mut("registration") else {
        return;
    };
    if let Some(ps) = reg.get_mut("petitioners").and_then(Value::as_array_mut) {
        for p in ps {
            for (k, f) in [
                ("name", mask_name as fn(&str) -> String),
                ("id_number", mask_id),
                ("phone", mask_phone),
                ("address", mask_address),
            ] {
                if let Some(s) = p.get(k).and_then(Value::as_str).map(str::to_string) {
                    p[k] = json!(f(&s));
                }
            }
        }
    }
    if let Some(rs) = reg.get_mut("representatives").and_then(Value::as_array_mut) {
        for r in rs {
            if let Some(s) = r.as_str().map(str::to_string) {
                *r = json!(mask_name(&s));
            }
        }
    }
}

fn admin_only_export() -> DomainError {
    DomainError::from(Refusal::forbidden(
        "the audit chain is exported whole, so only an admin may export it; the cases a clerk may read export as CSV or Open311",
        "审计链只能整体导出，仅管理员可以导出；工作人员可将可查阅的信访件导出为 CSV 或 Open311",
    ))
}

/// The admin behind `p`, for whole-database work that carries case data (the jsonl export,
/// `copy`, `backup`): anyone else is refused, and so is an admin whose unit is the accused unit
/// of any case (`confidentiality`, naming no case: to them the accusation does not exist).
pub fn whole_database_reader<S: Store>(svc: &mut Service<S>, p: &Principal) -> Result<Staff> {
    svc.read(|w| {
        let staff = w.resolve(p)?;
        if staff.role != Role::Admin {
            return Err(admin_only_export());
        }
        if let Some(unit) = &staff.unit {
            if accuses(w, unit)? {
                return Err(DomainError::from(Refusal::Confidentiality {
                    unit: unit.as_str().to_string(),
                }));
            }
        }
        Ok(staff)
    })
}

/// Whether any case of the database names `unit` as its accused unit (a scan of the chain's
/// registrations; only for an admin who belongs to a unit).
fn accuses<T: crate::store::Txn>(
    w: &mut crate::service::Work<'_, T>,
    unit: &UnitCode,
) -> Result<bool> {
    let needle = format!(
        "\"accused_unit\":{}",
        serde_json::Value::from(unit.as_str())
    );
    let mut found = false;
    w.txn()?.chain(1, &mut |e| {
        if e.body.contains(&needle) {
            if let Ok(Entry::Case(ev)) = serde_json::from_str::<Entry>(&e.body) {
                if let crate::case::EventKind::Registered(r) = &ev.kind {
                    found |= r.registration.accused_unit.as_ref() == Some(unit);
                }
            }
        }
        Ok(!found)
    })?;
    Ok(found)
}

/// Writes every entry of the audit chain in chain order, one JSON object a line (admins only:
/// the chain is the whole database; see [`whole_database_reader`]). With `include_pii` each
/// line is the stored entry with its `gseq` and `hash` — enough to rebuild the database with
/// [`import_jsonl`] — and the disclosure is recorded in the access log at `when`. Without it,
/// names, id numbers, phones and addresses are masked, query codes left out, every line is
/// marked `"masked": true` and carries **no hash**: every hash of the chain is computed over
/// the unmasked data (through the previous hashes), and a digest of a masked 8-digit birth date
/// is brute-forced in seconds. Such a file documents history and cannot be imported.
pub fn export_jsonl<S: Store>(
    svc: &mut Service<S>,
    out: &mut dyn Write,
    p: &Principal,
    include_pii: bool,
    when: impl Into<When>,
) -> Result<u64> {
    let when = when.into();
    let admin = whole_database_reader(svc, p)?;
    if include_pii {
        svc.work(|w| {
            let at = w.log_time(when)?;
            w.disclose(&admin, None, "export jsonl --include-pii", at)
        })?;
    }
    svc.read(|w| {
        let mut n = 0u64;
        // The chain a page at a time; with personal data, each access-log entry goes just before
        // the first chain entry that records it (so an import loads the log as the chain
        // recorded it), the rest at the end.
        let mut from = 1u64;
        let mut access_written = 0u64;
        // The files written so far (a file attached twice is carried once).
        let mut files_written = std::collections::HashSet::new();
        loop {
            let mut page = Vec::new();
            w.txn()?.chain(from, &mut |e| {
                page.push(e);
                Ok(page.len() < 1000)
            })?;
            let Some(last) = page.last().map(|e| e.gseq) else {
                break;
            };
            for e in page {
                if include_pii {
                    let records = crate::audit::AccessHead::of_stored(&e.body).map_or(0, |a| a.pos);
                    if records > access_written {
                        access_written = access_lines(w, out, access_written, Some(records))?;
                    }
                }
                if include_pii && e.body.contains("\"type\":\"attached\"") {
                    file_lines(w, out, &e.body, &mut files_written)?;
                }
                let mut line = e.body;
                if include_pii {
                    // Append the hash as the last member of the object.
                    line.pop();
                    line.push_str(&format!(",\"hash\":\"{}\"}}", hex(&e.hash)));
                } else {
                    let mut v: Value = serde_json::from_str(&line)
                        .map_err(|x| DomainError::from(StorageError::integrity(&x.to_string())))?;
                    mask_registration(&mut v);
                    if let Some(m) = v.as_object_mut() {
                        m.remove("query_code");
                        m.remove("query_code_hash");
                        m.remove("access");
                    }
                    v["masked"] = json!(true);
                    line = crate::audit::canonical(&v);
                }
                line.push('\n');
                out.write_all(line.as_bytes()).map_err(io)?;
                n += 1;
            }
            from = last + 1;
        }
        if include_pii {
            access_lines(w, out, access_written, None)?;
        }
        Ok(n)
    })
}

/// Writes the content of the file an `attached` entry (`body`) names, unless written already,
/// as `{"file": META, "n": N, "data": BASE64}` lines, one per stored chunk, just before the
/// entry: an import stores the file, checks it against its hash, then decides the entry.
fn file_lines<T: crate::store::Txn>(
    w: &mut crate::service::Work<'_, T>,
    out: &mut dyn Write,
    body: &str,
    written: &mut std::collections::HashSet<String>,
) -> Result<()> {
    use base64::Engine;
    let bad = |why: &str| DomainError::from(StorageError::integrity(why));
    let ev =
        crate::case::Event::from_json(body).map_err(|_| bad("an entry that does not decode"))?;
    let crate::case::EventKind::Attached { file, .. } = &ev.kind else {
        return Ok(());
    };
    if !written.insert(file.sha256.clone()) {
        return Ok(());
    }
    let meta = serde_json::to_string(file).map_err(|e| bad(&e.to_string()))?;
    let txn = w.txn()?;
    for n in 0..file.chunks() {
        let data = txn
            .file_chunk(&file.sha256, n)?
            .ok_or_else(|| bad(&format!("chunk {n} of file {} is missing", file.sha256)))?;
        let line = format!(
            "{{\"file\":{meta},\"n\":{n},\"data\":\"{}\"}}\n",
            base64::engine::general_purpose::STANDARD.encode(&data)
        );
        out.write_all(line.as_bytes()).map_err(io)?;
    }
    Ok(())
}

/// Writes the access-log entries after position `after` (up to `until`, or to the end) as
/// `{"access_log": BODY, "hash": HEX}` lines; returns the last position written.
fn access_lines<T: crate::store::Txn>(
    w: &mut crate::service::Work<'_, T>,
    out: &mut dyn Write,
    after: u64,
    until: Option<u64>,
) -> Result<u64> {
    let mut last = after;
    let mut result = Ok(());
    w.txn()?.access_chain(after + 1, &mut |e| {
        if until.is_some_and(|u| e.gseq > u) {
            return Ok(false);
        }
        let line = format!(
            "{{\"access_log\":{},\"hash\":\"{}\"}}\n",
            e.body,
            hex(&e.hash)
        );
        if let Err(x) = out.write_all(line.as_bytes()) {
            result = Err(io(x));
            return Ok(false);
        }
        last = e.gseq;
        Ok(until != Some(e.gseq))
    })?;
    result.map(|()| last)
}

/// One page of the change feed as `reader` may read it ([`feed`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeedPage {
    /// The entries, each a line of the jsonl export with its `position` added: unmasked for a
    /// case whose personal data the reader's unit may see, masked (`"masked": true`) for one it
    /// may read masked; with its chain `hash` for an admin only; never a query code. Cases the
    /// reader may not read are left out.
    pub entries: Vec<Value>,
    /// The position to ask after next: the last position looked at, shown or not.
    pub last: u64,
    /// The chain's last position when the page was read (`last == head`: up to date).
    pub head: u64,
}

/// The change feed as JSON lines ([`crate::Service::changes_after`]): up to `limit` entries
/// after `after` as `p` may read them, each case whose personal data the page shows unmasked
/// recorded in the access log at `when`.
pub fn feed<S: Store>(
    svc: &mut Service<S>,
    p: &Principal,
    after: u64,
    limit: usize,
    filter: &FeedFilter,
    when: impl Into<When>,
) -> Result<FeedPage> {
    let limit = limit.clamp(1, 1000);
    let (d, last, head, states) = svc.read(|w| {
        let (d, last) = w.feed_page(p, after, limit, filter)?;
        let head = w.chain_head_position()?;
        let states = w.states_after(d.peek())?;
        Ok((d, last, head, states))
    })?;
    let changes = svc.record(d, when)?;
    let entries = changes
        .into_iter()
        .map(|c| {
            let mut v = crate::audit::body(&c.entry, c.position);
            if let Some(m) = v.as_object_mut() {
                m.remove("query_code_hash");
            }
            v["position"] = json!(c.position);
            if let Some(s) = states.get(&c.position) {
                v["state"] = json!(s.as_str());
            }
            if c.masked {
                v["masked"] = json!(true);
            }
            if let Some(h) = c.hash {
                v["hash"] = json!(h);
            }
            v
        })
        .collect();
    Ok(FeedPage {
        entries,
        last,
        head,
    })
}

/// Which entries a feed carries: one case's (`case`), and only some event types (`types`, by
/// their names in the export: `registered`, `answered`, …). Empty: every entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// Only this case's events.
    pub case: Option<CaseId>,
    /// Only entries of these types.
    pub types: Vec<String>,
}

impl FeedFilter {
    /// Whether `entry` passes.
    pub(crate) fn admits(&self, entry: &crate::audit::Entry) -> bool {
        let case_ok = match (&self.case, entry) {
            (None, _) => true,
            (Some(c), crate::audit::Entry::Case(e)) => &e.case == c,
            (Some(_), crate::audit::Entry::Admin(_)) => false,
        };
        let type_ok = self.types.is_empty() || self.types.iter().any(|t| t == entry_type(entry));
        case_ok && type_ok
    }
}

/// An entry's `type` in the export.
fn entry_type(entry: &crate::audit::Entry) -> &'static str {
    match entry {
        crate::audit::Entry::Case(e) => e.kind.type_name(),
        crate::audit::Entry::Admin(a) => a.kind.type_name(),
    }
}

/// Visits every case `reader` may read, in id order, a page at a time, inside one read
/// transaction, with the reader's access to it.
fn each_case<S: Store>(
    svc: &mut Service<S>,
    reader: &Staff,
    mut f: impl FnMut(&crate::org::Org, &Case, Access) -> Result<()>,
) -> Result<u64> {
    svc.read(|w| {
        let org = w.org().clone();
        let mut after: Option<CaseId> = None;
        let mut n = 0;
        loop {
            let page = w.txn()?.case_ids(after.as_ref(), 1000)?;
            if page.is_empty() {
                return Ok(n);
            }
            for id in &page {
                if let Some(mut c) = w.case(id)? {
                    let a = access(&org, reader, &c);
                    if a != Access::Hidden {
                        w.redact_links(reader, &mut c)?;
                        f(&org, &c, a)?;
                        n += 1;
                    }
                }
            }
            after = page.last().cloned();
        }
    })
}

/// A spreadsheet cell that cannot run as a formula: cells beginning with `=`, `+`, `-`, `@`, a
/// tab or a carriage return get a leading `'` (CSV injection).
pub fn csv_cell(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

/// The CSV columns: key, English header, Chinese header.
pub const CSV_COLUMNS: &[(&str, &str, &str)] = &[
    ("id", "case id", "编号"),
    ("state", "state", "状态"),
    ("channel", "channel", "信访形式"),
    ("purpose", "purpose", "信访目的"),
    ("category", "category", "内容分类"),
    ("locality", "locality", "问题属地"),
    ("summary", "summary", "概况"),
    ("petitioners", "petitioners", "信访人"),
    ("id_numbers", "id numbers", "证件号码"),
    ("phones", "phones", "联系电话"),
    ("addresses", "addresses", "住址"),
    ("headcount", "headcount", "人数"),
    ("collective", "collective", "集体访"),
    ("skip_level", "skip level", "越级"),
    ("repeat_of", "repeat of", "重复件原件"),
    ("first_contact", "first contact", "首问单位"),
    ("holder", "holder", "责任单位"),
    ("lead", "lead", "主办单位"),
    ("received_at", "received at", "收到时间"),
    ("registered_at", "registered at", "登记时间"),
    ("outcome", "outcome", "处理意见"),
    ("review_outcome", "review outcome", "复查意见"),
    ("rereview_outcome", "re-review outcome", "复核意见"),
    ("decline_ground", "decline ground", "不予受理理由"),
    ("close_reason", "close reason", "办结方式"),
    ("extension_days", "extension days", "延期天数"),
    ("overdue", "overdue now", "当前超期"),
    ("next_due", "next due", "最近到期日"),
];

fn join(items: impl Iterator<Item = Option<String>>) -> String {
    items
        .map(|x| x.unwrap_or_default())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One CSV row of a case at local date `today`.
pub fn csv_row(case: &Case, today: NaiveDate, privacy: Privacy) -> Vec<String> {
    let reg = case.registration.as_ref();
    let ps = reg.map(|r| r.petitioners.as_slice()).unwrap_or(&[]);
    let pii = |v: Option<&String>, f: fn(&str) -> String| {
        v.map(|s| match privacy {
            Privacy::Full => s.clone(),
            Privacy::Masked => f(s),
        })
    };
    let s = |x: Option<&str>| x.unwrap_or("").to_string();
    let duty_open = case
        .clocks
        .iter()
        .filter(|c| c.is_open() && !c.kind.is_window());
    vec![
        case.id.to_string(),
        case.state.as_str().to_string(),
        s(reg.map(|r| r.channel.as_str())),
        s(reg.map(|r| r.purpose.as_str())),
        s(reg.map(|r| r.category.as_str())),
        s(reg.map(|r| r.locality.as_str())),
        s(reg.map(|r| r.summary.as_str())),
        join(ps.iter().map(|p| pii(Some(&p.name), mask_name))),
        join(ps.iter().map(|p| pii(p.id_number.as_ref(), mask_id))),
        join(ps.iter().map(|p| pii(p.phone.as_ref(), mask_phone))),
        join(ps.iter().map(|p| pii(p.address.as_ref(), mask_address))),
        reg.map(|r| r.headcount.to_string()).unwrap_or_default(),
        case.collective.to_string(),
        case.skip_level.to_string(),
        case.repeat_of
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        case.first_contact
            .as_ref()
            .map(|f| f.unit.to_string())
            .unwrap_or_default(),
        case.holder
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        case.lead
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        reg.map(|r| crate::input::rfc3339(r.received_at))
            .unwrap_or_default(),
        case.registered_at
            .map(crate::input::rfc3339)
            .unwrap_or_default(),
        s(case.outcome.map(|o| o.as_str())),
        s(case.review_outcome.map(|o| o.as_str())),
        s(case.rereview_outcome.map(|o| o.as_str())),
        s(case.decline_ground.map(|o| o.as_str())),
        s(case.close_reason.map(|o| o.as_str())),
        case.extension_days.to_string(),
        duty_open.clone().any(|c| c.overdue(today)).to_string(),
        duty_open
            .map(|c| c.due)
            .min()
            .map(|d| d.to_string())
            .unwrap_or_default(),
    ]
}

/// Writes one row per case `reader` may read: UTF-8 with a BOM (so spreadsheet programs read
/// Chinese), headers in English or Chinese, cells that could run as formulas escaped. Personal
/// data is masked unless `include_pii` (admins only; the disclosure is recorded). `today`
/// evaluates `overdue`.
pub fn export_csv<S: Store>(
    svc: &mut Service<S>,
    out: &mut dyn Write,
    chinese_headers: bool,
    now: DateTime<FixedOffset>,
    p: &Principal,
    include_pii: bool,
) -> Result<u64> {
    let reader = svc.resolve(p)?;
    let reader = &reader;
    if include_pii {
        if reader.role != Role::Admin {
            return Err(DomainError::from(Refusal::AdminOnly));
        }
        svc.work(|w| {
            let at = w.log_time(When::At(now))?;
            w.disclose(reader, None, "export csv --include-pii", at)
        })?;
    }
    let today = local_date(now, *now.offset());
    let privacy = if include_pii {
        Privacy::Full
    } else {
        Privacy::Masked
    };
    out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(
        CSV_COLUMNS
            .iter()
            .map(|(_, en, zh)| if chinese_headers { *zh } else { *en }),
    )
    .map_err(|e| io(e.into()))?;
    let n = each_case(svc, reader, |_, c, _| {
        w.write_record(csv_row(c, today, privacy).into_iter().map(csv_cell))
            .map_err(|e| io(e.into()))
    })?;
    w.flush().map_err(io)?;
    Ok(n)
}

/// One Open311 GeoReport v2 service request for a case.
pub fn open311(case: &Case, org: &crate::org::Org) -> Value {
    let reg = case.registration.as_ref();
    let holder_name = case
        .holder
        .as_ref()
        .and_then(|h| org.unit(h))
        .map(|u| u.name.clone());
    let expected = case
        .clocks
        .iter()
        .filter(|c| c.is_open() && !c.kind.is_window())
        .map(|c| c.due)
        .min()
        .zip(case.registered_at)
        .map(|(d, t)| format!("{d}T23:59:59{}", t.offset()));
    let mut m = Map::new();
    m.insert("service_request_id".into(), json!(case.id));
    m.insert(
        "status".into(),
        json!(if case.state.is_terminal() {
            "closed"
        } else {
            "open"
        }),
    );
    m.insert(
        "status_notes".into(),
        json!(format!(
            "{} ({})",
            case.state.as_str(),
            case.state.label(crate::error::Lang::Zh)
        )),
    );
    m.insert(
        "service_name".into(),
        json!(reg.map(|r| r.category.clone())),
    );
    m.insert(
        "service_code".into(),
        json!(reg.map(|r| r.category.clone())),
    );
    m.insert("description".into(), json!(reg.map(|r| r.summary.clone())));
    m.insert("agency_responsible".into(), json!(holder_name));
    m.insert("service_notice".into(), Value::Null);
    m.insert(
        "requested_datetime".into(),
        json!(case.registered_at.map(crate::input::rfc3339)),
    );
    m.insert(
        "updated_datetime".into(),
        json!(case.last_at.map(crate::input::rfc3339)),
    );
    m.insert("expected_datetime".into(), json!(expected));
    m.insert(
        "address".into(),
        json!(reg
            .and_then(|r| org.unit(&r.locality))
            .map(|u| u.name.clone())),
    );
    m.insert("address_id".into(), json!(reg.map(|r| r.locality.clone())));
    m.insert("zipcode".into(), Value::Null);
    m.insert("lat".into(), Value::Null);
    m.insert("long".into(), Value::Null);
    m.insert("media_url".into(), Value::Null);
    Value::Object(m)
}

/// Writes the cases `reader` may read as an Open311 GeoReport v2 JSON array of service
/// requests, streaming. The format carries no personal data; asking for it with
/// `include_pii` is an admin's request like any other export's.
pub fn export_open311<S: Store>(
    svc: &mut Service<S>,
    out: &mut dyn Write,
    p: &Principal,
    include_pii: bool,
) -> Result<u64> {
    let reader = svc.resolve(p)?;
    let reader = &reader;
    if include_pii && reader.role != Role::Admin {
        return Err(DomainError::from(Refusal::AdminOnly));
    }
    out.write_all(b"[").map_err(io)?;
    let mut first = true;
    let n = each_case(svc, reader, |org, c, _| {
        if !first {
            out.write_all(b",\n").map_err(io)?;
        }
        first = false;
        out.write_all(open311(c, org).to_string().as_bytes())
            .map_err(io)
    })?;
    out.write_all(b"]\n").map_err(io)?;
    Ok(n)
}

mod import;
mod ledger;
pub use import::{import_jsonl, import_new, ImportSummary, MAX_LINE_BYTES};
pub use ledger::{
    flag_word, ledger, ledger_headers, ledger_plan, ledger_row, ledger_rows, Cell, LedgerPlan,
    LedgerQuery, LedgerSink, LEDGER_COLUMNS,
};
