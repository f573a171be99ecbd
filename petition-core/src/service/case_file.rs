//! 附件: storing a file of the case file with the command that records it (one transaction), and
//! giving it back, a chunk at a time, to a unit with full access once the download is in the
//! access log.

use std::io::{Read, Seek, Write};

use sha2::{Digest, Sha256};

use super::*;
use crate::attachment::{inspect, read_full, ContentType, FileMeta, CHUNK};
use crate::case::{Attachment, AttachmentKind};
use crate::store::FileChunk;

/// A file of the case file that `p` may download, planned but not yet read: the download is
/// recorded in the access log first ([`Service::attachment_plan`], then
/// [`Service::read_attachment`]).
#[derive(Clone, Debug)]
pub struct AttachmentPlan {
    case: CaseId,
    attachment: Attachment,
}

impl AttachmentPlan {
    /// The case.
    pub fn case(&self) -> &CaseId {
        &self.case
    }
    /// The file as the case file lists it.
    pub fn attachment(&self) -> &Attachment {
        &self.attachment
    }
}

/// What a read of a stored file found wrong, for `verify` and downloads.
pub(crate) fn stored_problem<T: Txn>(txn: &mut T, meta: &FileMeta) -> Result<Option<String>> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    for n in 0..meta.chunks() {
        let Some(chunk) = txn.file_chunk(&meta.sha256, n)? else {
            return Ok(Some(format!("chunk {n} of the file is missing")));
        };
        size += chunk.len() as u64;
        hasher.update(&chunk);
    }
    if txn.file_chunk(&meta.sha256, meta.chunks())?.is_some() {
        return Ok(Some("the file has more chunks than its size".into()));
    }
    if size != meta.size {
        return Ok(Some(format!(
            "the file holds {size} bytes, not the {} recorded",
            meta.size
        )));
    }
    if crate::audit::hex(&hasher.finalize()) != meta.sha256 {
        return Ok(Some(
            "the file's content does not hash to its SHA-256".into(),
        ));
    }
    Ok(None)
}

impl<T: Txn> Work<'_, T> {
    /// Stores the file `source` holds (already inspected as `meta`) unless the database holds
    /// it, and records it in case `id` as `p` — in this transaction, so a refused command or an
    /// interrupted write leaves neither file nor entry.
    #[allow(clippy::too_many_arguments)]
    pub fn attach(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        id: &CaseId,
        source: &mut dyn Read,
        meta: &FileMeta,
        kind: AttachmentKind,
        title: &str,
    ) -> Result<Brief> {
        self.writable()?;
        let staff = self.resolve_for(p, crate::org::Scope::Act)?;
        let now = self.write_time(when.into())?;
        let case = self.current(id)?;
        self.readable(&staff, &case)?;
        let cmd = crate::input::nfc_all(Command::Attach {
            file: meta.clone(),
            kind,
            title: title.to_string(),
        });
        // Decided before a byte is written: a refusal costs no copying.
        self.decide_on(
            &case,
            &Step::Command(cmd.clone()),
            Actor::Staff(&staff),
            now,
        )?;
        if self.txn()?.file(&meta.sha256)?.is_none() {
            self.store_file(source, meta)?;
        }
        let (before, case) = self.execute_unchecked(&staff, now, id, Step::Command(cmd))?;
        let access = visible_access(&self.org, &staff, &case);
        Ok(Brief::after(case, access, before))
    }

    /// Copies `source` into the store a chunk at a time, hashing it again: content that is
    /// not what was inspected (the file changed meanwhile) is refused.
    fn store_file(&mut self, source: &mut dyn Read, meta: &FileMeta) -> Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let mut hasher = Sha256::new();
        let (mut n, mut size) = (0u32, 0u64);
        loop {
            let got = read_full(source, &mut buf)?;
            if got == 0 {
                break;
            }
            hasher.update(&buf[..got]);
            size += got as u64;
            if size > meta.size {
                break;
            }
            self.txn()?.put_file_chunk(Finished::of(&FileChunk {
                sha256: &meta.sha256,
                n,
                data: &buf[..got],
            }))?;
            n += 1;
        }
        if size != meta.size || crate::audit::hex(&hasher.finalize()) != meta.sha256 {
            return Err(DomainError::from(Refusal::field(
                "file",
                "changed while it was being attached: attach it again",
                "在附加过程中被修改：请重新附加",
            )));
        }
        self.txn()?.put_file(Finished::of(meta))
    }

    /// Loads one chunk of an imported file (`import`): its chunks come in order, each before
    /// the chain entry that attaches it; after the last, the whole file is checked against its
    /// hash. A file the database already holds is skipped.
    pub(crate) fn import_file_chunk(&mut self, meta: &FileMeta, n: u32, data: &[u8]) -> Result<()> {
        self.writable()?;
        crate::attachment::parse_sha256(&meta.sha256)?;
        let last = meta.chunks().saturating_sub(1);
        let full = n < last && data.len() != CHUNK;
        if n > last || full || data.is_empty() {
            return Err(DomainError::from(StorageError::integrity(
                "a file's chunk does not fit its size",
            )));
        }
        let txn = self.txn()?;
        if txn.file(&meta.sha256)?.is_some() {
            return Ok(());
        }
        txn.put_file_chunk(Finished::of(&FileChunk {
            sha256: &meta.sha256,
            n,
            data,
        }))?;
        if n == last {
            if let Some(why) = stored_problem(txn, meta)? {
                return Err(DomainError::from(StorageError::integrity(&why)));
            }
            txn.put_file(Finished::of(meta))?;
        }
        Ok(())
    }

    /// The stored file a command attaches must be the one it names (its size and type): an
    /// embedder's `Command::Attach` with a file never stored, or an import whose file lines are
    /// missing, is refused.
    pub(super) fn check_stored(&mut self, file: &FileMeta) -> Result<()> {
        match self.txn()?.file(&file.sha256)? {
            Some(m) if m == *file => Ok(()),
            Some(_) => Err(DomainError::from(Refusal::field(
                "file",
                "is stored with another size or type than the command says",
                "已保存的文件大小或类型与指令不符",
            ))),
            None => Err(DomainError::from(Refusal::field(
                "file",
                "is not stored in this database: attach a file with Service::attach, which stores it and records it together",
                "未保存在本数据库中：请用附加文件的功能（同时保存并记录）",
            ))),
        }
    }
}

impl<S: Store> Service<S> {
    /// The largest file `p` may attach to case `id` now, in bytes: checked before a file is read
    /// (a case `p` may not read answers `not_found`, a case file already full `validation`).
    pub fn attach_limit(&mut self, p: &Principal, id: &CaseId) -> Result<u64> {
        self.read(|w| {
            let staff = w.resolve_for(p, crate::org::Scope::Act)?;
            let case = w.current(id)?;
            w.readable(&staff, &case)?;
            let room = w
                .policy
                .case_attachments_max_bytes()
                .saturating_sub(case.attached_bytes());
            if room == 0 {
                return Err(DomainError::from(Refusal::field(
                    "file",
                    "cannot be added: the case's files already hold all they may (policy case_attachments_max_mib)",
                    "无法附加：本件附件已达合计上限（参数 case_attachments_max_mib）",
                )));
            }
            Ok(w.policy.attachment_max_bytes())
        })
    }

    /// 附件: stores the file `source` holds in case `id`'s file as `p` and records it — its
    /// SHA-256, size, type (recognised from the content; `declared`, when the sender named
    /// one, must agree), `kind` and `title` — in the chain. The file is read twice, a chunk at a
    /// time: once to recognise and hash it (refused as soon as it passes the policy's limit),
    /// once to store it in the same transaction as its entry.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// use petition_core::case::AttachmentKind;
    /// let (mut svc, now) = county();
    /// let li = principal(&mut svc, "li");
    /// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
    /// let mut letter = std::io::Cursor::new(b"%PDF-1.7 the scanned letter".to_vec());
    /// let case = svc
    ///     .attach(&li, now, &id, &mut letter, None, AttachmentKind::Letter, "来信")
    ///     .unwrap();
    /// assert_eq!(case.case.attachments[0].file.content_type.media(), "application/pdf");
    /// // A web page is not taken, whatever its name.
    /// let mut page = std::io::Cursor::new(b"<html><script>x</script></html>".to_vec());
    /// let refused = svc.attach(&li, now, &id, &mut page, None, AttachmentKind::Other, "page.pdf");
    /// assert_eq!(refused.unwrap_err().code(), "validation");
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn attach<R: Read + Seek>(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        id: &CaseId,
        source: &mut R,
        declared: Option<ContentType>,
        kind: AttachmentKind,
        title: &str,
    ) -> Result<Brief> {
        let when = when.into();
        let max = self.attach_limit(p, id)?;
        let io = |e: std::io::Error| DomainError::from(StorageError::io("reading the file", e));
        source.rewind().map_err(io)?;
        let meta = inspect(source, max)?;
        check_declared(declared, meta.content_type)?;
        self.work(|w| {
            source.rewind().map_err(io)?;
            w.attach(p, when, id, source, &meta, kind, title)
        })
    }

    /// Plans the download of file `sha256` (or its first 8 or more hex digits) of case `id` by `p`: only a unit with full access
    /// to the case (a masked reader is refused, the accused unit of an accusation never sees
    /// the case), only a file the case file lists. Returns the plan with the access-log entry
    /// to record first ([`Service::record`]).
    pub fn attachment_plan(
        &mut self,
        p: &Principal,
        id: &CaseId,
        sha256: &str,
    ) -> Result<Disclosed<AttachmentPlan>> {
        self.read(|w| {
            let staff = w.resolve_for(p, crate::org::Scope::Read)?;
            let (case, _, access) = w.read_case(&staff, id)?;
            if access != Access::Full {
                return Err(DomainError::from(Refusal::forbidden(
                    "your unit sees this case with personal data masked: only a unit with full access downloads its files",
                    "本单位只能查看本件的脱敏信息：只有可完整查阅本件的单位可以下载附件",
                )));
            }
            let attachment = case.held_attachment(sha256)?.clone();
            let entry = Disclosure {
                at: crate::service::unrecorded(),
                staff: staff.id.clone(),
                case: Some(id.clone()),
                command: format!("attachment get {}", attachment.file.sha256),
            };
            Ok(Disclosed::new(
                AttachmentPlan {
                    case: id.clone(),
                    attachment,
                },
                vec![entry],
            ))
        })
    }

    /// Writes the planned (and recorded) file to `out`, a chunk at a time, checking it against
    /// its hash as it goes: a stored file that does not match is `integrity` (what was written
    /// so far must then be discarded). `p` must still read the case in full.
    pub fn read_attachment(
        &mut self,
        p: &Principal,
        plan: &AttachmentPlan,
        out: &mut dyn Write,
    ) -> Result<FileMeta> {
        self.read(|w| {
            let staff = w.resolve_for(p, crate::org::Scope::Read)?;
            let (_, _, access) = w.read_case(&staff, &plan.case)?;
            if access != Access::Full {
                return Err(DomainError::from(Refusal::forbidden(
                    "your unit no longer reads this case in full",
                    "本单位已不能完整查阅本件",
                )));
            }
            let meta = &plan.attachment.file;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let txn = w.txn()?;
            for n in 0..meta.chunks() {
                let chunk = txn.file_chunk(&meta.sha256, n)?.ok_or_else(|| {
                    DomainError::from(StorageError::integrity(&format!(
                        "chunk {n} of file {} is missing",
                        meta.sha256
                    )))
                })?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                out.write_all(&chunk).map_err(|e| {
                    DomainError::from(StorageError::io("writing the downloaded file", e))
                })?;
            }
            if size != meta.size || crate::audit::hex(&hasher.finalize()) != meta.sha256 {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "the stored file {} does not hash to its chain entry",
                    meta.sha256
                ))));
            }
            Ok(meta.clone())
        })
    }
}

/// A sender's declared type must be the recognised one (but for `application/octet-stream`,
/// which declares nothing).
fn check_declared(declared: Option<ContentType>, found: ContentType) -> Result<()> {
    match declared {
        Some(d) if d != found => Err(DomainError::from(Refusal::field(
            "file",
            &format!(
                "was sent as {} but its content is {}: the type is taken from the content",
                d.short(),
                found.short()
            ),
            &format!(
                "声明类型为 {}，但内容是 {}：文件类型以内容为准",
                d.short(),
                found.short()
            ),
        ))),
        _ => Ok(()),
    }
}
