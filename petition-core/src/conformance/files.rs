//! Checks of the case file's files: kept whole in chunks with the entry that attaches them, and
//! nothing of them kept when that entry's transaction does not commit.

use std::io::Cursor;

use crate::attachment::{ContentType, CHUNK};
use crate::case::AttachmentKind;
use crate::error::{DomainError, Refusal};
use crate::example::principal;
use crate::service::Service;
use crate::store::{Store, Txn};

use super::*;

pub(super) fn files<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let wang = principal(&mut svc, "wang");
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..2 * CHUNK + CHUNK / 2).map(|i| (i % 251) as u8));
    let brief = ok(
        svc.attach(
            &wang,
            at("2026-03-04"),
            &id,
            &mut Cursor::new(bytes.clone()),
            None,
            AttachmentKind::Evidence,
            "现场照片",
        ),
        "attach",
    );
    let meta = brief.case.attachments[0].file.clone();
    assert_eq!(meta.content_type, ContentType::Pdf);
    assert_eq!(meta.chunks(), 3);
    let listed = ok(svc.read(|w| w.txn()?.files(None, 10)), "files");
    assert_eq!(listed, vec![meta.clone()], "the file is listed by its hash");
    for n in 0..3 {
        let chunk = ok(svc.read(|w| w.txn()?.file_chunk(&meta.sha256, n)), "chunk");
        let want = &bytes[n as usize * CHUNK..((n as usize + 1) * CHUNK).min(bytes.len())];
        assert_eq!(chunk.as_deref(), Some(want), "chunk {n} as written");
    }
    let plan = ok(svc.attachment_plan(&wang, &id, &meta.sha256), "plan");
    let plan = ok(svc.record(plan, at("2026-03-04")), "record");
    let mut out = Vec::new();
    ok(svc.read_attachment(&wang, &plan, &mut out), "download");
    assert_eq!(out, bytes, "the file comes back whole");
    // A transaction that stores a file and then fails keeps nothing of it.
    let other = b"%PDF-1.7 another file".to_vec();
    let meta2 = ok(
        crate::attachment::inspect(&mut &other[..], 1 << 20),
        "inspect",
    );
    let before = entries(&mut svc);
    let aborted: Result<(), DomainError> = svc.work(|w| {
        w.attach(
            &wang,
            at("2026-03-04"),
            &id,
            &mut &other[..],
            &meta2,
            AttachmentKind::Other,
            "x",
        )?;
        Err(DomainError::from(Refusal::invalid("abort", "中止")))
    });
    assert_eq!(code(aborted), Err("validation"));
    assert_eq!(entries(&mut svc), before, "no entry");
    let kept = ok(svc.read(|w| w.txn()?.file(&meta2.sha256)), "file");
    assert_eq!(kept, None, "no file");
    let chunk = ok(svc.read(|w| w.txn()?.file_chunk(&meta2.sha256, 0)), "chunk");
    assert_eq!(chunk, None, "no chunk");
    clean(&mut svc);
}
