//! The case file's files in PostgreSQL: `files` (hash, size, type) and `file_chunks` (the
//! content as `bytea` chunks of 256 KiB, one chunk per statement). Chunks rather than large
//! objects: they are ordinary rows, so they commit and roll back with the chain entry that
//! names them, need no `lo_unlink` clean-up or `vacuumlo`, are copied by `pg_dump` and
//! replication like every other table, and no read ever fetches more than one chunk.

use super::{get, PgTxn};
use crate::attachment::{ContentType, FileMeta};
use crate::error::{DomainError, Result, StorageError};
use crate::store::{FileChunk, Finished};

fn meta(r: &postgres::Row) -> Result<FileMeta> {
    let size: i64 = get(r, 1)?;
    let t: String = get(r, 2)?;
    Ok(FileMeta {
        sha256: get(r, 0)?,
        size: u64::try_from(size)
            .map_err(|_| DomainError::from(StorageError::integrity("a file's size is negative")))?,
        content_type: ContentType::of_media(&t).ok_or_else(|| {
            DomainError::from(StorageError::integrity(&format!(
                "a stored file has the unknown type {t}"
            )))
        })?,
    })
}

impl PgTxn<'_> {
    pub(super) fn file_row(&mut self, sha256: &str) -> Result<Option<FileMeta>> {
        self.row(
            "SELECT sha256, size, content_type FROM files WHERE sha256 = $1",
            &[&sha256],
        )?
        .map(|r| meta(&r))
        .transpose()
    }

    pub(super) fn insert_chunk(&mut self, c: Finished<'_, FileChunk<'_>>) -> Result<()> {
        let n = i32::try_from(c.n)
            .map_err(|_| DomainError::from(StorageError::internal("a file of too many chunks")))?;
        self.exec(
            "INSERT INTO file_chunks(sha256, n, data) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256, n) DO UPDATE SET data = EXCLUDED.data",
            &[&c.sha256, &n, &c.data],
        )?;
        Ok(())
    }

    pub(super) fn insert_file(&mut self, m: Finished<'_, FileMeta>) -> Result<()> {
        let size = i64::try_from(m.size)
            .map_err(|_| DomainError::from(StorageError::internal("a file too large")))?;
        self.exec(
            "INSERT INTO files(sha256, size, content_type) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size, content_type = EXCLUDED.content_type",
            &[&m.sha256, &size, &m.content_type.media()],
        )?;
        Ok(())
    }

    pub(super) fn chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        let Ok(n) = i32::try_from(n) else {
            return Ok(None);
        };
        self.row(
            "SELECT data FROM file_chunks WHERE sha256 = $1 AND n = $2",
            &[&sha256, &n],
        )?
        .map(|r| get(&r, 0))
        .transpose()
    }

    pub(super) fn file_rows(&mut self, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or("");
        self.rows(
            "SELECT sha256, size, content_type FROM files WHERE sha256 > $1 ORDER BY sha256 LIMIT $2",
            &[&after, &limit],
        )?
        .iter()
        .map(meta)
        .collect()
    }
}
