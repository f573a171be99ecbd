//! The case file's files in SQLite: `files` (hash, size, type) and `file_chunks` (the content in
//! chunks), one chunk per statement.

use rusqlite::{params, OptionalExtension};

use super::{db_err, SqliteTxn};
use crate::attachment::{ContentType, FileMeta};
use crate::error::{DomainError, Result, StorageError};
use crate::store::{FileChunk, Finished};

/// A `files` row as a [`FileMeta`].
fn meta(sha256: String, size: i64, content_type: &str) -> Result<FileMeta> {
    Ok(FileMeta {
        sha256,
        size: u64::try_from(size)
            .map_err(|_| DomainError::from(StorageError::integrity("a file's size is negative")))?,
        content_type: ContentType::of_media(content_type).ok_or_else(|| {
            DomainError::from(StorageError::integrity(&format!(
                "a stored file has the unknown type {content_type}"
            )))
        })?,
    })
}

impl SqliteTxn<'_> {
    pub(super) fn file_row(&mut self, sha256: &str) -> Result<Option<FileMeta>> {
        let row: Option<(String, i64, String)> = self
            .tx
            .prepare_cached("SELECT sha256, size, content_type FROM files WHERE sha256 = ?1")
            .and_then(|mut st| {
                st.query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(db_err)?;
        row.map(|(s, n, t)| meta(s, n, &t)).transpose()
    }

    pub(super) fn insert_chunk(&mut self, c: Finished<'_, FileChunk<'_>>) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO file_chunks(sha256, n, data) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut st| st.execute(params![c.sha256, c.n, c.data]))
            .map_err(db_err)?;
        Ok(())
    }

    pub(super) fn insert_file(&mut self, m: Finished<'_, FileMeta>) -> Result<()> {
        let size = i64::try_from(m.size)
            .map_err(|_| DomainError::from(StorageError::internal("a file too large")))?;
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO files(sha256, size, content_type) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut st| st.execute(params![m.sha256, size, m.content_type.media()]))
            .map_err(db_err)?;
        Ok(())
    }

    pub(super) fn chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        self.tx
            .prepare_cached("SELECT data FROM file_chunks WHERE sha256 = ?1 AND n = ?2")
            .and_then(|mut st| st.query_row(params![sha256, n], |r| r.get(0)).optional())
            .map_err(db_err)
    }

    pub(super) fn file_rows(&mut self, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(String, i64, String)> = self
            .tx
            .prepare_cached(
                "SELECT sha256, size, content_type FROM files WHERE sha256 > ?1 ORDER BY sha256 LIMIT ?2",
            )
            .and_then(|mut st| {
                st.query_map(params![after.unwrap_or(""), limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect()
            })
            .map_err(db_err)?;
        rows.into_iter().map(|(s, n, t)| meta(s, n, &t)).collect()
    }
}
