//! 附件: the files of the case file — taken within the policy's limits, withdrawn only by the
//! unit that added them.

use super::*;
use crate::attachment::{FileMeta, MIB};

impl<'a> Decision<'a> {
    /// A file in the case file by a unit that reads the case (the service checks the reading
    /// and that the file is stored): within the size of a file and of the case's files
    /// together, and not one the case file already holds.
    pub(super) fn attach(
        &self,
        file: &FileMeta,
        kind: AttachmentKind,
        title: &str,
    ) -> Result<Vec<EventKind>> {
        self.actor_unit()?;
        check_text("title", title)?;
        if title.chars().count() > 200 {
            return Err(DomainError::from(Refusal::field(
                "title",
                "must be at most 200 characters",
                "不得超过 200 个字符",
            )));
        }
        crate::attachment::parse_sha256(&file.sha256)?;
        let policy = &self.ctx.policy;
        if file.size > policy.attachment_max_bytes() {
            return Err(crate::attachment::too_large(policy.attachment_max_bytes()));
        }
        let held = self.case.attached_bytes();
        if held + file.size > policy.case_attachments_max_bytes() {
            let (max, used) = (
                policy.case_attachments_max_bytes() / MIB,
                held.div_ceil(MIB),
            );
            return Err(DomainError::from(Refusal::field(
                "file",
                &format!(
                    "would take the case's files past the {max} MiB they may hold together ({used} MiB held; policy case_attachments_max_mib)"
                ),
                &format!(
                    "将使本件附件合计超过 {max} MiB 的上限（已有 {used} MiB；参数 case_attachments_max_mib）"
                ),
            )));
        }
        if let Some(a) = self
            .case
            .attachment(&file.sha256)
            .filter(|a| a.withdrawn.is_none())
        {
            let on = a.at.format("%Y-%m-%d");
            return Err(DomainError::from(Refusal::field(
                "file",
                &format!(
                    "is already in the case file (attached on {on} as “{}”)",
                    a.title
                ),
                &format!("已在卷宗中（{on} 附上，标题“{}”）", a.title),
            )));
        }
        Ok(vec![EventKind::Attached {
            file: file.clone(),
            kind,
            title: title.trim().to_string(),
        }])
    }

    /// Withdraws a file added in error (named by its hash or the hash's first digits): only the
    /// unit that added it, only while listed.
    pub(super) fn withdraw_attachment(&self, sha256: &str, reason: &str) -> Result<Vec<EventKind>> {
        let unit = self.actor_unit()?;
        check_text("reason", reason)?;
        let a = self.case.held_attachment(sha256)?;
        if a.unit.as_ref() != Some(unit) {
            return Err(DomainError::from(Refusal::forbidden(
                "only the unit that attached a file withdraws it",
                "只有附上该文件的单位可以撤下",
            )));
        }
        Ok(vec![EventKind::AttachmentWithdrawn {
            sha256: a.file.sha256.clone(),
            reason: reason.trim().to_string(),
        }])
    }
}
