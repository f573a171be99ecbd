//! The case file's files through the service: stored with their entry, given back only to full
//! readers and logged, refused on every path the promises cover, proven by `verify`, carried by
//! an export with personal data.

use std::io::Cursor;

use crate::attachment::{ContentType, CHUNK};
use crate::case::{AttachmentKind, Channel, Purpose, Registration};
use crate::example::{county, principal, registration, unit};
use crate::principal::{Principal, Reveal};
use crate::store::{MemoryStore, Txn};
use crate::{Command, Service};

type Svc = Service<MemoryStore>;

/// A PDF of `len` bytes whose content depends on `seed`.
fn pdf(len: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..len.saturating_sub(9)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

fn attach(
    svc: &mut Svc,
    p: &Principal,
    id: &crate::CaseId,
    bytes: &[u8],
) -> crate::error::Result<crate::principal::Brief> {
    svc.attach(
        p,
        at(),
        id,
        &mut Cursor::new(bytes.to_vec()),
        None,
        AttachmentKind::Evidence,
        "现场照片",
    )
}

fn at() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-03-03T10:00:00+08:00").expect("time")
}

fn download(
    svc: &mut Svc,
    p: &Principal,
    id: &crate::CaseId,
    sha: &str,
) -> crate::error::Result<Vec<u8>> {
    let plan = svc.attachment_plan(p, id, sha)?;
    let plan = svc.record(plan, at())?;
    let mut out = Vec::new();
    svc.read_attachment(p, &plan, &mut out)?;
    Ok(out)
}

/// A county with one case registered by li (petition office) and transferred to the housing
/// bureau (wang): both read it in full; the admin reads it masked; the township does not.
fn world() -> (Svc, crate::CaseId) {
    let (mut svc, now) = county();
    let li = principal(&mut svc, "li");
    let id = svc
        .register(&li, now, registration(now))
        .expect("ok")
        .case
        .case
        .id;
    svc.execute(
        &li,
        now,
        &id,
        Command::Transfer {
            to: unit("county-zjj"),
            note: None,
        },
    )
    .expect("ok");
    (svc, id)
}

#[test]
fn a_file_is_stored_with_its_entry_and_given_back_whole_to_full_readers_only_logged() {
    let (mut svc, id) = world();
    let (li, wang) = (principal(&mut svc, "li"), principal(&mut svc, "wang"));
    // Three chunks and a bit: read and written a chunk at a time.
    let bytes = pdf(3 * CHUNK + 17, 1);
    let brief = attach(&mut svc, &wang, &id, &bytes).expect("ok");
    let a = &brief.case.attachments[0];
    assert_eq!(a.file.size, bytes.len() as u64);
    assert_eq!(a.file.content_type, ContentType::Pdf);
    assert_eq!(a.unit, Some(unit("county-zjj")));
    let sha = a.file.sha256.clone();
    // The chain carries the hash.
    let events = svc.read(|w| Ok(w.load(&id)?.1)).expect("ok");
    assert!(matches!(&events.last().expect("ok").kind,
        crate::case::EventKind::Attached { file, .. } if file.sha256 == sha));
    let before = svc
        .read(|w| Ok(w.txn()?.access_tail()?.map(|e| e.gseq)))
        .expect("ok");
    assert_eq!(download(&mut svc, &li, &id, &sha).expect("ok"), bytes);
    let after = svc
        .read(|w| Ok(w.txn()?.access_tail()?.map(|e| e.gseq)))
        .expect("ok");
    assert_eq!(
        after,
        Some(before.unwrap_or(0) + 1),
        "the download is in the access log"
    );
    // The admin reads the case masked: listed, not given.
    let admin = principal(&mut svc, "admin");
    let shown = svc.show(&admin, at(), &id, Reveal::AsAllowed).expect("ok");
    assert_eq!(shown.case.attachments.len(), 1, "listed to every reader");
    let e = download(&mut svc, &admin, &id, &sha).expect_err("refused");
    assert_eq!(e.code(), "permission_denied");
    // The township (the matter's locality) reads it masked: no download either.
    let sun = principal(&mut svc, "sun");
    assert_eq!(
        download(&mut svc, &sun, &id, &sha)
            .expect_err("refused")
            .code(),
        "permission_denied"
    );
    // A case the housing bureau has no part in does not exist for it: no file in, none out.
    let other = svc
        .register(&li, at(), registration(at()))
        .expect("ok")
        .case
        .case
        .id;
    let sha2 = attach(&mut svc, &li, &other, &pdf(100, 9))
        .expect("ok")
        .case
        .attachments[0]
        .file
        .sha256
        .clone();
    assert_eq!(
        download(&mut svc, &wang, &other, &sha2)
            .expect_err("refused")
            .code(),
        "not_found"
    );
    assert_eq!(
        attach(&mut svc, &wang, &other, &pdf(100, 10))
            .expect_err("refused")
            .code(),
        "not_found"
    );
    assert!(svc.verify(&[]).expect("ok").problem.is_none());
}

#[test]
fn files_past_the_limits_of_the_wrong_type_or_twice_are_refused_and_change_nothing() {
    let (mut svc, id) = world();
    let (wang, admin) = (principal(&mut svc, "wang"), principal(&mut svc, "admin"));
    svc.admin(
        &admin,
        at(),
        crate::service::AdminChange::SetPolicy {
            key: "attachment_max_mib".into(),
            value: "1".into(),
        },
    )
    .expect("ok");
    svc.admin(
        &admin,
        at(),
        crate::service::AdminChange::SetPolicy {
            key: "case_attachments_max_mib".into(),
            value: "2".into(),
        },
    )
    .expect("ok");
    fn svc_head(svc: &mut Svc) -> (u64, usize) {
        let chain = svc
            .read(|w| Ok(w.txn()?.chain_tail()?.map_or(0, |t| t.last.gseq)))
            .expect("ok");
        let files = svc.read(|w| w.txn()?.files(None, 100)).expect("ok").len();
        (chain, files)
    }
    let start = svc_head(&mut svc);
    let html = b"<!doctype html><html><body>x</body></html>".to_vec();
    let big = pdf((1 << 20) + 1, 2);
    for (bytes, why) in [
        (html, "markup"),
        (big, "attachment_max_mib"),
        (b"MZ\x90\0\x03\0\0\0\x04\0".to_vec(), "program"),
    ] {
        let e = attach(&mut svc, &wang, &id, &bytes).expect_err("refused");
        assert_eq!(e.code(), "validation");
        assert!(e.text().en.contains(why), "{}", e.text().en);
        assert_eq!(svc_head(&mut svc), start, "a refusal stores nothing");
    }
    // A sender that says PDF for a text is told the content decides.
    let e = svc
        .attach(
            &wang,
            at(),
            &id,
            &mut Cursor::new(b"plain words".to_vec()),
            Some(ContentType::Pdf),
            AttachmentKind::Other,
            "x",
        )
        .expect_err("refused");
    assert!(
        e.text().en.contains("taken from the content"),
        "{}",
        e.text().en
    );
    let one = pdf(1 << 20, 3);
    let sha = attach(&mut svc, &wang, &id, &one)
        .expect("ok")
        .case
        .attachments[0]
        .file
        .sha256
        .clone();
    let e = attach(&mut svc, &wang, &id, &one).expect_err("refused");
    assert!(
        e.text().en.contains("already in the case file"),
        "{}",
        e.text().en
    );
    attach(&mut svc, &wang, &id, &pdf(1 << 20, 4)).expect("ok");
    let e = attach(&mut svc, &wang, &id, &pdf(10, 5)).expect_err("refused");
    assert!(
        e.text().en.contains("case_attachments_max_mib"),
        "{}",
        e.text().en
    );
    // Withdrawn: only by the unit that attached it; then neither listed as held nor given, and
    // the room it took is free again.
    let li = principal(&mut svc, "li");
    let withdraw = |reason: &str| Command::WithdrawAttachment {
        sha256: sha.clone(),
        reason: reason.into(),
    };
    let e = svc
        .execute(&li, at(), &id, withdraw("错附"))
        .expect_err("refused");
    assert_eq!(e.code(), "permission_denied");
    let case = svc
        .execute(&wang, at(), &id, withdraw("错附：他人身份证"))
        .expect("ok")
        .case;
    assert!(case.attachment(&sha).expect("ok").withdrawn.is_some());
    assert_eq!(
        download(&mut svc, &wang, &id, &sha)
            .expect_err("refused")
            .code(),
        "not_found"
    );
    assert_eq!(
        svc.execute(&wang, at(), &id, withdraw("x"))
            .expect_err("refused")
            .code(),
        "not_found"
    );
    attach(&mut svc, &wang, &id, &pdf(10, 5)).expect("ok");
    // A masked reader sees that a file was withdrawn, not why.
    let admin_case = svc.show(&admin, at(), &id, Reveal::AsAllowed).expect("ok");
    let w = admin_case
        .case
        .attachment(&sha)
        .expect("ok")
        .withdrawn
        .clone()
        .expect("ok");
    assert_eq!(w.reason, crate::view::WITHHELD);
}

#[test]
fn the_accused_unit_never_reaches_an_accusations_files() {
    let (mut svc, now) = county();
    let li = principal(&mut svc, "li");
    let reg = Registration::builder(
        Channel::Letter,
        Purpose::Accusation,
        unit("county"),
        "discipline",
        "举报住建局工作人员",
        now,
    )
    .petitioner(crate::case::Petitioner::named("钱某").phone("13900000000"))
    .accused_unit(unit("county-zjj"))
    .build()
    .expect("ok");
    let id = svc.register(&li, now, reg).expect("ok").case.case.id;
    let sha = attach(&mut svc, &li, &id, &pdf(500, 7))
        .expect("ok")
        .case
        .attachments[0]
        .file
        .sha256
        .clone();
    for who in ["wang", "zhang"] {
        let p = principal(&mut svc, who);
        assert_eq!(
            download(&mut svc, &p, &id, &sha)
                .expect_err("refused")
                .code(),
            "not_found"
        );
        assert_eq!(
            attach(&mut svc, &p, &id, &pdf(50, 8))
                .expect_err("refused")
                .code(),
            "not_found"
        );
        let e = svc.execute(
            &p,
            now,
            &id,
            Command::WithdrawAttachment {
                sha256: sha.clone(),
                reason: "x".into(),
            },
        );
        assert_eq!(e.expect_err("refused").code(), "not_found");
    }
}

#[test]
fn a_command_naming_a_file_never_stored_is_refused() {
    let (mut svc, id) = world();
    let wang = principal(&mut svc, "wang");
    let cmd = Command::Attach {
        file: crate::attachment::FileMeta {
            sha256: "ab".repeat(32),
            size: 10,
            content_type: ContentType::Pdf,
        },
        kind: AttachmentKind::Letter,
        title: "伪造".into(),
    };
    let e = svc.execute(&wang, at(), &id, cmd).expect_err("refused");
    assert_eq!(e.code(), "validation");
    assert!(e.text().en.contains("not stored"), "{}", e.text().en);
}

#[test]
fn an_export_with_personal_data_carries_the_files_and_verify_proves_them() {
    let (mut svc, id) = world();
    let wang = principal(&mut svc, "wang");
    let big = pdf(2 * CHUNK + 5, 11);
    attach(&mut svc, &wang, &id, &big).expect("ok");
    attach(&mut svc, &wang, &id, "回访记录：已电话告知".as_bytes()).expect("ok");
    let admin = principal(&mut svc, "admin");
    let mut out = Vec::new();
    crate::interchange::export_jsonl(&mut svc, &mut out, &admin, true, at()).expect("ok");
    let mut copy = Service::new(MemoryStore::new());
    crate::interchange::import_jsonl(&mut copy, &mut &out[..], &mut |_| {}).expect("ok");
    assert!(copy.verify(&[]).expect("ok").problem.is_none());
    assert_eq!(
        copy.verify(&[]).expect("ok").head,
        svc.verify(&[]).expect("ok").head
    );
    let wang2 = principal(&mut copy, "wang");
    let sha = crate::audit::hex(&<sha2::Sha256 as sha2::Digest>::digest(&big));
    assert_eq!(download(&mut copy, &wang2, &id, &sha).expect("ok"), big);
    // Without the file's lines the entry that attaches it is refused.
    let text = String::from_utf8(out).expect("ok");
    let cut: String = text
        .lines()
        .filter(|l| !l.starts_with("{\"file\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut broken = Service::new(MemoryStore::new());
    let e = crate::interchange::import_jsonl(&mut broken, &mut cut.as_bytes(), &mut |_| {})
        .expect_err("refused");
    assert!(e.text().en.contains("not stored"), "{}", e.text().en);
}

#[test]
fn verify_finds_a_changed_or_missing_stored_file() {
    let dir = tempfile::tempdir().expect("ok");
    let path = dir.path().join("office.db");
    let store = crate::store::SqliteStore::open(&path, true).expect("ok");
    let mut svc = Service::with_seed(store, 1);
    let now = crate::example::setup(&mut svc);
    let li = principal(&mut svc, "li");
    let id = svc
        .register(&li, now, registration(now))
        .expect("ok")
        .case
        .case
        .id;
    let bytes = pdf(CHUNK + 10, 3);
    svc.attach(
        &li,
        now,
        &id,
        &mut Cursor::new(bytes),
        None,
        AttachmentKind::Letter,
        "来信",
    )
    .expect("ok");
    assert!(svc.verify(&[]).expect("ok").problem.is_none());
    drop(svc);
    let raw = rusqlite::Connection::open(&path).expect("ok");
    // One byte changed in the second chunk.
    raw.execute(
        "UPDATE file_chunks SET data = CAST(X'00' || substr(data, 2) AS BLOB) WHERE n = 1",
        [],
    )
    .expect("ok");
    drop(raw);
    let mut svc = Service::new(crate::store::SqliteStore::open(&path, false).expect("ok"));
    let p = svc.verify(&[]).expect("ok").problem.expect("ok");
    assert!(p.contains("does not hash"), "{p}");
    let raw = rusqlite::Connection::open(&path).expect("ok");
    raw.execute("DELETE FROM file_chunks", []).expect("ok");
    raw.execute("DELETE FROM files", []).expect("ok");
    drop(raw);
    let mut svc = Service::new(crate::store::SqliteStore::open(&path, false).expect("ok"));
    let p = svc.verify(&[]).expect("ok").problem.expect("ok");
    assert!(p.contains("is not stored"), "{p}");
}
