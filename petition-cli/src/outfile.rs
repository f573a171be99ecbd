//! Every `--out FILE`: refused when it is (or resolves to) the database or one of its `-wal`,
//! `-shm` or `-journal` files, or a directory; written to a new temporary file in the same
//! directory and renamed into place, so a failed write leaves nothing behind and a symbolic link
//! at FILE is replaced, never followed.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use petition_core::DomainError;
use petition_core::{Refusal, StorageError};

use crate::app::{io_error, App, CliError, CliResult};

fn refuse(path: &Path, en: &str, zh: &str) -> CliError {
    CliError::from(DomainError::from(Refusal::field(
        format!("--out {}", path.display()),
        en,
        zh,
    )))
}

/// `dir/name` with `dir` made absolute and free of links (the file itself not followed).
fn literal_target(path: &Path) -> CliResult<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        refuse(
            path,
            "names no file: give a file name",
            "未指定文件名：请给出文件名",
        )
    })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = parent
        .canonicalize()
        .map_err(|e| io_error(&parent.display().to_string(), e))?;
    Ok(dir.join(name))
}

/// Checks an output path against the rules above; returns it as given.
pub fn check(app: &App, path: &Path) -> CliResult<PathBuf> {
    if path.is_dir() {
        return Err(refuse(
            path,
            "is a directory: give a file name",
            "是一个目录：请给出文件名",
        ));
    }
    let target = literal_target(path)?;
    let resolved = path.canonicalize().ok();
    let db = app.db_path()?;
    if let Ok(db_target) = literal_target(&db) {
        let db_resolved = db.canonicalize().ok();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let with = |p: &Path| PathBuf::from(format!("{}{suffix}", p.display()));
            let mut forbidden = vec![with(&db_target)];
            forbidden.extend(db_resolved.as_deref().map(with));
            let hit = forbidden
                .iter()
                .any(|f| f == &target || resolved.as_ref() == Some(f));
            if hit || same_file(&with(&db), path) {
                return Err(refuse(
                    path,
                    "is the database or one of its files: exporting there would destroy it; choose another file",
                    "是数据库或其附属文件：写入将毁坏数据库，请另选文件",
                ));
            }
        }
    }
    Ok(path.to_path_buf())
}

/// Whether two paths name the same existing file (hard links included).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// A temporary file beside `path`, created new (never an existing file or link).
pub struct Partial {
    tmp: PathBuf,
    /// The open file.
    pub file: File,
}

/// A new file of this process's own beside `path` (`.NAME.PID.N.SUFFIX`, created exclusively:
/// never an existing file or link, never shared with another process), with its path.
pub fn new_beside(path: &Path, suffix: &str) -> CliResult<(PathBuf, File)> {
    let target = literal_target(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let stem = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{stem}.{}.{attempt}.{suffix}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(&path.display().to_string(), e)),
        }
    }
    Err(CliError::from(DomainError::from(StorageError::io_detail(
        path.display().to_string(),
        "cannot create a temporary file beside it",
    ))))
}

/// Creates the temporary file for `path`.
pub fn begin(path: &Path) -> CliResult<Partial> {
    let (tmp, file) = new_beside(path, "partial")?;
    Ok(Partial { tmp, file })
}

impl Partial {
    /// Syncs and renames the temporary file onto `path` (a link at `path` is replaced).
    pub fn finish(self, path: &Path) -> CliResult {
        self.file
            .sync_all()
            .map_err(|e| io_error(&path.display().to_string(), e))?;
        drop(self.file);
        std::fs::rename(&self.tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            io_error(&path.display().to_string(), e)
        })
    }

    /// Removes the temporary file (after a failure).
    pub fn abandon(self) {
        drop(self.file);
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Writes `bytes` to `path` by way of a temporary file.
pub fn write(path: &Path, bytes: &[u8]) -> CliResult {
    let mut p = begin(path)?;
    if let Err(e) = p.file.write_all(bytes) {
        p.abandon();
        return Err(io_error(&path.display().to_string(), e));
    }
    p.finish(path)
}
