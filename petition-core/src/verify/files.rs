//! The files pass of `verify`.

use crate::error::Result;
use crate::store::Txn;

/// The case file's files: every file the chain attaches is stored with the size and type its
/// entry records, and every stored file hashes to its address — read a chunk at a time, so
/// memory stays flat whatever the files hold.
pub(super) fn files_pass<T: Txn>(
    txn: &mut T,
    attached: &[(u64, crate::attachment::FileMeta)],
) -> Result<Option<String>> {
    for (gseq, want) in attached {
        match txn.file(&want.sha256)? {
            None => {
                return Ok(Some(format!(
                    "audit chain, entry {gseq}: the attached file {} is not stored",
                    want.sha256
                )))
            }
            Some(got) if got != *want => {
                return Ok(Some(format!(
                    "audit chain, entry {gseq}: the file {} is stored with another size or type",
                    want.sha256
                )))
            }
            Some(_) => {}
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = txn.files(after.as_deref(), 256)?;
        let Some(last) = page.last() else { break };
        after = Some(last.sha256.clone());
        for meta in &page {
            if let Some(why) = crate::service::stored_problem(txn, meta)? {
                return Ok(Some(format!("stored file {}: {why}", meta.sha256)));
            }
        }
    }
    Ok(None)
}
