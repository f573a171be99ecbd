//! Storage faults: the store could not do its part.

use std::sync::Arc;

use super::*;

/// The underlying error of a storage fault (a driver's or the operating system's), shared so the
/// error stays cheap to clone.
pub type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// The store could not do its part. Nothing was changed. The underlying error, when there is one,
/// is the [`source`](std::error::Error::source).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// `conflict`: another writer changed the same data first; running the work again may succeed.
    #[error("{}", self.text().en)]
    Conflict,
    /// `conflict` too, but not worth retrying: the database stayed locked for the whole busy
    /// timeout (by another process of any kind), so waiting again would exceed the promised bound.
    #[error("{}", self.text().en)]
    Busy {
        /// How long was waited, when known.
        waited_ms: u64,
    },
    /// `io`: the operating system refused (disk full, read-only file or directory, a path that is a
    /// directory, a server that cannot be reached).
    #[error("{}", self.text().en)]
    Io {
        /// What was being done.
        what: String,
        /// The operating system's or driver's words.
        detail: String,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },
    /// `io` too: a server (the database server, an office server) cannot be reached.
    #[error("{}", self.text().en)]
    Unreachable {
        /// The server, as it was named (a host and port or an address; never a password).
        server: String,
        /// The network's or driver's words.
        detail: String,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },
    /// `integrity`: the data is damaged, tampered with, or from a newer program.
    #[error("{}", self.text().en)]
    Integrity {
        /// What is wrong, in both languages (the whole message).
        detail: Text,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },
    /// `internal`: a fault that is not the user's (a driver's error nobody expected, a bug).
    #[error("{}", self.text().en)]
    Internal {
        /// What happened.
        detail: String,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },
}

impl PartialEq for StorageError {
    /// Equal when the code and the message are: the underlying errors are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code() && self.text() == other.text()
    }
}
impl Eq for StorageError {}

impl StorageError {
    /// An operating-system refusal while doing `what`.
    pub fn io(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Io {
            what: what.into(),
            detail: one_line(&source.to_string(), 200),
            source: Some(Arc::new(source)),
        }
    }
    /// A server that cannot be reached, with the network's or driver's error.
    pub fn unreachable(
        server: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Unreachable {
            server: server.into(),
            detail: one_line(&source.to_string(), 200),
            source: Some(Arc::new(source)),
        }
    }
    /// An operating-system refusal described in words only.
    pub fn io_detail(what: impl Into<String>, detail: &str) -> Self {
        Self::Io {
            what: what.into(),
            detail: one_line(detail, 200),
            source: None,
        }
    }
    /// A damaged database, described in words (it names stored things, so the detail is the same
    /// in both languages).
    pub fn integrity(detail: &str) -> Self {
        let d = one_line(detail, 500);
        Self::Integrity {
            detail: Text::new(
                format!("database integrity problem: {d}"),
                format!("数据库完整性问题：{d}"),
            ),
            source: None,
        }
    }
    /// Damaged or forged data (a database, an import file), described in both languages.
    pub fn integrity_text(en: &str, zh: &str) -> Self {
        Self::Integrity {
            detail: Text::new(en, zh),
            source: None,
        }
    }
    /// Damaged data found by a driver or decoder.
    pub fn integrity_from(
        what: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let d = one_line(&format!("{what}: {source}"), 500);
        Self::Integrity {
            detail: Text::new(
                format!("database integrity problem: {d}"),
                format!("数据库完整性问题：{d}"),
            ),
            source: Some(Arc::new(source)),
        }
    }
    /// A fault that is not the user's.
    pub fn internal(detail: &str) -> Self {
        Self::Internal {
            detail: one_line(detail, 300),
            source: None,
        }
    }
    /// A fault that is not the user's, with its cause.
    pub fn internal_from(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal {
            detail: one_line(&source.to_string(), 300),
            source: Some(Arc::new(source)),
        }
    }

    /// The stable error code.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable error code, typed.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Conflict | Self::Busy { .. } => ErrorCode::Conflict,
            Self::Io { .. } | Self::Unreachable { .. } => ErrorCode::Io,
            Self::Integrity { .. } => ErrorCode::Integrity,
            Self::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The bilingual message, made from the data.
    pub fn text(&self) -> Text {
        let t = |en: String, zh: String| Text { en, zh };
        match self {
            Self::Conflict => t(
                "another clerk changed this case at the same moment: do it again".into(),
                "其他工作人员同时修改了该件：请重新办理".into(),
            ),
            Self::Busy { waited_ms } => {
                let (en, zh) = if *waited_ms > 0 {
                    (
                        format!(" for {waited_ms} ms"),
                        format!("超过 {waited_ms} 毫秒"),
                    )
                } else {
                    (String::new(), String::new())
                };
                t(
                    format!("the database stayed locked by another process (another petition command, a backup or another program){en}: try again"),
                    format!("数据库被其他进程（其他 petition 命令、备份或其他程序）锁定{zh}：请重试"),
                )
            }
            Self::Unreachable { server, detail, .. } => t(
                format!("{server} cannot be reached ({detail}): check the address, the network and that the server runs"),
                format!("无法连接 {server}（{detail}）：请检查地址、网络以及服务器是否运行"),
            ),
            Self::Io {
                what,
                detail,
                source,
            } => {
                // The operating system's words in Chinese where its error is a known kind.
                let zh = source
                    .as_deref()
                    .and_then(|s| s.downcast_ref::<std::io::Error>())
                    .and_then(|e| os_words_zh(e.kind()))
                    .map_or_else(|| detail.clone(), str::to_string);
                t(
                    format!(
                        "{what}: {detail}; check the path, its permissions and the free disk space"
                    ),
                    format!("{what}：{zh}；请检查路径、权限和磁盘剩余空间"),
                )
            }
            Self::Integrity { detail, .. } => detail.clone(),
            Self::Internal { detail, .. } => t(
                format!("internal error: {detail}; nothing was changed — please report this"),
                format!("内部错误：{detail}；未做任何修改，请报告此问题"),
            ),
        }
    }
}

/// An operating-system error's kind in Chinese words (`None` for kinds without them: the
/// system's own words are shown).
fn os_words_zh(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有访问权限",
        K::AlreadyExists => "文件已存在",
        K::IsADirectory => "这是一个目录，不是文件",
        K::NotADirectory => "路径中有一段不是目录",
        K::StorageFull => "磁盘已满",
        K::ReadOnlyFilesystem => "文件系统为只读",
        K::DirectoryNotEmpty => "目录不是空的",
        K::InvalidFilename => "文件名无效",
        K::FileTooLarge => "文件过大",
        K::ConnectionRefused => "连接被拒绝",
        K::ConnectionReset => "连接被重置",
        K::TimedOut => "操作超时",
        K::BrokenPipe => "管道已关闭",
        K::Interrupted => "操作被中断",
        K::UnexpectedEof => "文件意外结束",
        K::OutOfMemory => "内存不足",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_operating_systems_error_reads_in_chinese_words() {
        let e = super::StorageError::io(
            "/nowhere/x.csv",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        let t = e.text();
        assert!(t.zh.contains("文件或目录不存在"), "{}", t.zh);
        assert!(!t.zh.contains("entity not found"), "{}", t.zh);
        assert!(t.en.contains("not found"), "{}", t.en);
    }
}
