//! Import: a JSON Lines export loaded into a new database, every entry run through the rules
//! and the chain (and the access log it carries) verified as it loads.

use super::*;

/// What an import loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Chain entries.
    pub entries: u64,
    /// Cases.
    pub cases: u64,
}

fn bad_line(line: u64, why: &str) -> DomainError {
    DomainError::from(StorageError::integrity_text(
        &format!("line {line}: {why}; nothing was imported"),
        &format!("第 {line} 行：{why}；未导入任何数据"),
    ))
}

/// The longest line `import` reads (a case with a very long content); longer is refused.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Reads one line into `buf`, refusing (at `max` + 1 bytes) a line that never ends.
fn read_bounded_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<usize> {
    let mut n = 0;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(n);
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let take = take.min(max + 1 - buf.len().min(max + 1));
        buf.extend_from_slice(&chunk[..take]);
        input.consume(take);
        n += take;
        if buf.len() > max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a line longer than {max} bytes"),
            ));
        }
        if done {
            return Ok(n);
        }
    }
}

/// Stores one `{"file": META, "n": N, "data": BASE64}` line of an export with personal data.
fn load_chunk<T: crate::store::Txn>(
    w: &mut crate::service::Work<'_, T>,
    meta: &Value,
    line: &Value,
) -> Result<()> {
    use base64::Engine;
    let bad = |why: &str| DomainError::from(StorageError::integrity(why));
    let meta: crate::attachment::FileMeta =
        serde_json::from_value(meta.clone()).map_err(|_| bad("not a file's description"))?;
    let n = line
        .get("n")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad("a file's chunk without its number"))?;
    let data = line
        .get("data")
        .and_then(Value::as_str)
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .ok_or_else(|| bad("a file's chunk that is not base64"))?;
    w.import_file_chunk(&meta, n, &data)
}

/// [`import_jsonl`] into a new, empty database, then `verify`; when either fails after the
/// import began, everything it made is removed again ([`Store::discard`]: on PostgreSQL the
/// tables it created; a file's caller removes the file), so a failed load leaves the database as
/// it was. Returns what was loaded and the verified report.
pub fn import_new<S: Store>(
    svc: &mut Service<S>,
    input: &mut dyn BufRead,
    progress: &mut dyn FnMut(u64),
) -> Result<(ImportSummary, crate::verify::VerifyReport)> {
    if !fresh(svc)? {
        return Err(not_fresh());
    }
    let loaded = import_jsonl(svc, input, progress).and_then(|s| {
        let v = svc.verify(&[])?;
        match &v.problem {
            Some(p) => Err(DomainError::from(StorageError::integrity(&format!(
                "the rebuilt database does not verify: {p}"
            )))),
            None => Ok((s, v)),
        }
    });
    if loaded.is_err() {
        svc.discard_new()?;
    }
    loaded
}

/// Whether the database is new and empty (nothing initialised, no case).
fn fresh<S: Store>(svc: &mut Service<S>) -> Result<bool> {
    svc.read(|w| Ok(!w.txn()?.initialized()? && w.txn()?.case_ids(None, 1)?.is_empty()))
}

fn not_fresh() -> DomainError {
    DomainError::from(Refusal::invalid(
        "import loads into a new, empty database",
        "导入只能写入新的空数据库",
    ))
}

/// What is wrong with an entry's time in a live database's chain (`live` is learnt from its
/// initialisation): an entry timed before the one before it, or a token that outlives the
/// longest validity ([`crate::service::MAX_TOKEN_DAYS`] days from its issue).
fn live_time_problem(
    live: &mut bool,
    last: Option<chrono::DateTime<chrono::FixedOffset>>,
    entry: &Entry,
) -> Option<String> {
    use crate::audit::{AdminEvent, AdminKind, ClockMode};
    match entry {
        Entry::Admin(AdminEvent {
            kind: AdminKind::Initialized { clock, .. },
            ..
        }) => *live = clock.unwrap_or_default() == ClockMode::System,
        Entry::Admin(AdminEvent {
            at,
            kind: AdminKind::TokenIssued { expires_at, .. },
            ..
        }) if *live => {
            // The token's life is counted from the system clock a moment after the entry's time.
            let longest = chrono::Duration::days(i64::from(crate::service::MAX_TOKEN_DAYS))
                + chrono::Duration::minutes(1);
            if *expires_at - *at > longest {
                return Some(format!(
                    "a token valid until {} outlives the longest validity of {} days",
                    expires_at.to_rfc3339(),
                    crate::service::MAX_TOKEN_DAYS
                ));
            }
        }
        _ => {}
    }
    let at = entry.at();
    match last {
        Some(l) if *live && at < l => Some(format!(
            "its time {} is before the previous entry's ({}): the times of a live database never go back",
            at.to_rfc3339(),
            l.to_rfc3339()
        )),
        _ => None,
    }
}

/// Loads a JSON Lines export into `svc` (a new, empty database). Every line is checked twice:
/// the chain (order, hash, exact shape), and **the rules** — each case event is decided again,
/// from the command that produced it, by its recorded actor at its recorded time against the
/// database rebuilt so far (known actor with the right unit and role, state, windows, limits,
/// merge targets), and must be exactly what the rules give; each administrative event goes
/// through the admin rules. A file that passes the hash check but breaks a rule is refused
/// with `integrity`, naming the line; the caller discards the database. `progress` gets bytes
/// read.
///
/// ```
/// use petition_core::example::{county, principal, registration};
/// use petition_core::interchange::{export_jsonl, import_jsonl};
/// use petition_core::{MemoryStore, Service};
/// let (mut svc, now) = county();
/// let li = principal(&mut svc, "li");
/// svc.register(&li, now, registration(now)).unwrap();
/// let admin = principal(&mut svc, "admin");
/// let mut file = Vec::new();
/// export_jsonl(&mut svc, &mut file, &admin, true, now).unwrap();
/// let mut copy = Service::new(MemoryStore::new());
/// let loaded = import_jsonl(&mut copy, &mut file.as_slice(), &mut |_| {}).unwrap();
/// assert_eq!(loaded.cases, 1);
/// assert_eq!(copy.verify(&[]).unwrap().head, svc.verify(&[]).unwrap().head);
/// ```
pub fn import_jsonl<S: Store>(
    svc: &mut Service<S>,
    input: &mut dyn BufRead,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary> {
    if !fresh(svc)? {
        return Err(not_fresh());
    }
    /// Where the import stands after the lines committed so far.
    #[derive(Clone)]
    struct Progress {
        prev: [u8; 32],
        summary: ImportSummary,
        // Events a command gave beyond the one on the line just read (a merge's `absorbed` on
        // the other case, tick's several events): the next lines must be exactly these.
        pending: VecDeque<Event>,
        // The time of the last entry, and whether the chain is a live database's (`system`
        // clock): its times never go back.
        last_at: Option<chrono::DateTime<chrono::FixedOffset>>,
        live: bool,
        // The access log loaded so far (its lines come before the chain entries that record
        // it), and whether a chain entry recorded it yet (every later one must).
        access: crate::audit::AccessHead,
        access_seen: bool,
    }
    let mut at = Progress {
        prev: GENESIS,
        summary: ImportSummary::default(),
        pending: VecDeque::new(),
        last_at: None,
        live: false,
        access: crate::audit::AccessHead::EMPTY,
        access_seen: false,
    };
    let mut line_no = 0u64;
    let mut lines: Vec<(u64, Vec<u8>)> = Vec::new();
    loop {
        // A batch of lines is read first, then loaded in one transaction; the work inside the
        // transaction starts from a copy of the progress and replaces it only after the commit,
        // so a transaction the service retries reads the same lines and counts them once. A
        // failure anywhere fails the import as a whole (the caller removes the partial file).
        lines.clear();
        // At most 5,000 lines or 16 MiB a transaction (a file's chunks are long lines).
        let mut bytes = 0usize;
        while lines.len() < 5000 && bytes < 16 << 20 {
            let mut buf = Vec::new();
            let n = read_bounded_line(input, &mut buf, MAX_LINE_BYTES)
                .map_err(|e| bad_line(line_no + 1, &format!("unreadable ({e})")))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            bytes += n;
            progress(n as u64);
            lines.push((line_no, buf));
        }
        if lines.is_empty() {
            break;
        }
        at = svc.work(|w| {
            let mut next = at.clone();
            for (line_no, buf) in &lines {
                let line_no = *line_no;
                let text = std::str::from_utf8(buf)
                    .map_err(|_| bad_line(line_no, "not UTF-8 text"))?
                    .trim_end_matches(['\n', '\r']);
                if text.is_empty() {
                    return Err(bad_line(line_no, "empty line"));
                }
                let mut v: Value = serde_json::from_str(text).map_err(|_| bad_line(line_no, "not a JSON object"))?;
                // A file's chunk (no `type`: an `attached` entry has a `file` too).
                if let (Some(meta), None) = (v.get("file"), v.get("type")) {
                    load_chunk(w, meta, &v).map_err(|e| bad_line(line_no, &format!("{} ({})", e.text().en, e.code())))?;
                    continue;
                }
                if v.get("masked").is_some() {
                    return Err(bad_line(
                        line_no,
                        "this export has personal data masked and cannot rebuild a database: it takes an export with personal data (admin)",
                    ));
                }
                let hash = v
                    .as_object_mut()
                    .and_then(|m| m.remove("hash"))
                    .and_then(|h| h.as_str().and_then(unhex))
                    .ok_or_else(|| bad_line(line_no, "no valid hash"))?;
                if let Some(body) = v.get("access_log") {
                    next.access = w
                        .import_disclosure(body, hash, next.access)
                        .map_err(|e| bad_line(line_no, &format!("{} ({})", e.text().en, e.code())))?;
                    continue;
                }
                let access = match crate::audit::AccessHead::of_body(&v) {
                    None if next.access_seen => {
                        return Err(bad_line(line_no, "records no access-log head, though earlier entries did"))
                    }
                    None => None,
                    Some(Err(())) => return Err(bad_line(line_no, "its access-log head is malformed")),
                    Some(Ok(a)) if a != next.access => {
                        return Err(bad_line(
                            line_no,
                            &format!(
                                "records the access log at entry {}, but the file gives it up to entry {}",
                                a.pos, next.access.pos
                            ),
                        ))
                    }
                    Some(Ok(a)) => Some(a),
                };
                next.access_seen |= access.is_some();
                let gseq = v.get("gseq").and_then(Value::as_u64).ok_or_else(|| bad_line(line_no, "no gseq"))?;
                if gseq != next.summary.entries + 1 {
                    return Err(bad_line(line_no, "entries missing or out of order"));
                }
                if chain_hash(&next.prev, &crate::audit::canonical(&v)) != hash {
                    return Err(bad_line(line_no, "the hash does not match the entry and the one before it (edited or forged)"));
                }
                let entry: Entry = serde_json::from_value(strip_gseq(v)).map_err(|_| bad_line(line_no, "not an event of this format"))?;
                // The entry must re-serialise to exactly what was hashed, or the rebuilt chain would differ.
                if seal(gseq, &next.prev, &entry, access).hash.as_slice() != hash.as_slice() {
                    return Err(bad_line(line_no, "the entry does not round-trip exactly"));
                }
                // The order of times holds for entries written since the rule existed (those
                // that record the access log's head).
                let last_at = next.last_at.filter(|_| access.is_some());
                if let Some(why) = live_time_problem(&mut next.live, last_at, &entry) {
                    return Err(bad_line(line_no, &why));
                }
                next.last_at = Some(entry.at());
                let new_case = matches!(&entry, Entry::Case(e) if e.seq == 1);
                w.import_entry(gseq, &entry, access, &mut next.pending)
                    .map_err(|e| bad_line(line_no, &format!("{} ({})", e.text().en, e.code())))?;
                if new_case {
                    next.summary.cases += 1;
                }
                next.prev = hash;
                next.summary.entries += 1;
            }
            Ok(next)
        })?;
    }
    let Progress {
        summary, pending, ..
    } = at;
    if !pending.is_empty() {
        return Err(bad_line(
            line_no,
            "the file ends in the middle of a command (an event the rules give is missing)",
        ));
    }
    if summary.entries == 0 {
        return Err(bad_line(
            line_no,
            "the file holds no entry of an audit chain: there is nothing to build a database from (an export with personal data begins with the database's initialisation)",
        ));
    }
    Ok(summary)
}
