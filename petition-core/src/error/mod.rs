//! Typed errors. A [`DomainError`] is either a [`Refusal`] — a rule said no (unknown case, wrong
//! state, wrong unit, lapsed window, …), with the data that explains it as fields — or a
//! [`StorageError`] — the store could not do its part (a conflicting writer, a locked database, a
//! refused file operation, damaged data), with the underlying error as its `source`. Each has a
//! stable, language-neutral [`code`](DomainError::code) (`not_found`, `validation`, …) and a
//! bilingual [`text`](DomainError::text) derived from its data, so both languages come from one
//! place. A front end adds its own hints and maps codes to exit or status codes.
//!
//! ```
//! use petition_core::{DomainError, Lang, Refusal};
//!
//! let e = DomainError::from(Refusal::ExtensionLimit { used: 20, asked: 15, max: 30 });
//! assert_eq!(e.code(), "extension_limit");
//! assert!(e.message(Lang::Zh).contains("已延期 20 日"));
//! match e.refusal() {
//!     Some(Refusal::ExtensionLimit { used, max, .. }) => assert_eq!(max - used, 10),
//!     _ => unreachable!(),
//! }
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Output language of user-facing text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// 中文.
    Zh,
}

/// A message in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// English.
    pub en: String,
    /// 中文.
    pub zh: String,
}

impl Text {
    /// A message from its two translations.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            zh: zh.into(),
        }
    }
    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// The stable, language-neutral code of every error (the contract of the command line and the
/// API). A front end maps each to its exit code or HTTP status with an exhaustive `match`, so a
/// new code is a compile error until it is given one — which is why this enum, unlike the ones
/// that grow with the rules, is not `#[non_exhaustive]`: a new code is a change of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed arguments.
    Usage,
    /// An unknown case, unit or staff member (or a case the reader may not read).
    NotFound,
    /// The case's state or history rules the command out.
    InvalidTransition,
    /// The actor may not do this.
    PermissionDenied,
    /// A value breaks a rule of its field.
    Validation,
    /// A window for the command has passed.
    WindowLapsed,
    /// Extensions beyond the legal maximum.
    ExtensionLimit,
    /// Assisting units' input is missing.
    AssistPending,
    /// A skip-level visit may not be accepted here.
    SkipLevel,
    /// A litigation matter may not be accepted outside a legal organ.
    Litigation,
    /// An accusation would reach the accused unit.
    Confidentiality,
    /// The command's time is before the case's last event.
    ClockSkew,
    /// Another writer got there first: try again.
    Conflict,
    /// The data is damaged or not a petition database.
    Integrity,
    /// The operating system refused (disk, permissions, network).
    Io,
    /// No valid bearer token.
    Unauthenticated,
    /// A defect.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the contract.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::Usage,
        ErrorCode::NotFound,
        ErrorCode::InvalidTransition,
        ErrorCode::PermissionDenied,
        ErrorCode::Validation,
        ErrorCode::WindowLapsed,
        ErrorCode::ExtensionLimit,
        ErrorCode::AssistPending,
        ErrorCode::SkipLevel,
        ErrorCode::Litigation,
        ErrorCode::Confidentiality,
        ErrorCode::ClockSkew,
        ErrorCode::Conflict,
        ErrorCode::Integrity,
        ErrorCode::Io,
        ErrorCode::Unauthenticated,
        ErrorCode::Internal,
    ];

    /// The code as the contract spells it (`not_found`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Usage => "usage",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::Validation => "validation",
            ErrorCode::WindowLapsed => "window_lapsed",
            ErrorCode::ExtensionLimit => "extension_limit",
            ErrorCode::AssistPending => "assist_pending",
            ErrorCode::SkipLevel => "skip_level",
            ErrorCode::Litigation => "litigation",
            ErrorCode::Confidentiality => "confidentiality",
            ErrorCode::ClockSkew => "clock_skew",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Integrity => "integrity",
            ErrorCode::Io => "io",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code in words, for a clerk (`validation`: 输入有误).
    pub fn label(self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            ErrorCode::Usage => ("usage", "用法有误"),
            ErrorCode::NotFound => ("not found", "未找到"),
            ErrorCode::InvalidTransition => ("not allowed now", "当前状态不允许"),
            ErrorCode::PermissionDenied => ("not permitted", "无权办理"),
            ErrorCode::Validation => ("invalid input", "输入有误"),
            ErrorCode::WindowLapsed => ("time limit passed", "期限已过"),
            ErrorCode::ExtensionLimit => ("extension limit", "超过延期上限"),
            ErrorCode::AssistPending => ("assisting input pending", "协办意见未到"),
            ErrorCode::SkipLevel => ("skip-level visit", "越级走访"),
            ErrorCode::Litigation => ("litigation matter", "涉法涉诉"),
            ErrorCode::Confidentiality => ("confidentiality", "保密规定"),
            ErrorCode::ClockSkew => ("clock out of order", "时间早于已有记录"),
            ErrorCode::Conflict => ("conflict", "冲突"),
            ErrorCode::Integrity => ("integrity", "数据完整性"),
            ErrorCode::Io => ("storage", "读写失败"),
            ErrorCode::Unauthenticated => ("not signed in", "未认证"),
            ErrorCode::Internal => ("internal", "内部错误"),
        };
        match lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// The code of its spelling (a server's answer), if it is one.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Anything that went wrong: a rule's refusal or a storage fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A rule refused the command; nothing was changed.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The store could not do its part; nothing was changed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl DomainError {
    /// The stable error code: `usage`, `not_found`, `invalid_transition`, `permission_denied`,
    /// `validation`, `window_lapsed`, `extension_limit`, `assist_pending`, `skip_level`,
    /// `litigation`, `confidentiality`, `clock_skew`, `conflict`, `io`, `integrity` or `internal`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }
    /// The stable error code, typed.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Refused(r) => r.error_code(),
            Self::Storage(s) => s.error_code(),
        }
    }
    /// The bilingual message, made from the error's data.
    pub fn text(&self) -> Text {
        match self {
            Self::Refused(r) => r.text(),
            Self::Storage(s) => s.text(),
        }
    }
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.text().en,
            Lang::Zh => self.text().zh,
        }
    }
    /// The refusal, when a rule said no.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(r) => Some(r),
            Self::Storage(_) => None,
        }
    }
    /// Whether running the same work again may succeed: another writer got there first. A
    /// database that stayed locked for the whole busy timeout is not retried (`Busy`).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Storage(StorageError::Conflict))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// "; did you mean X?" in both languages, or nothing.
fn did_you_mean(nearest: &Option<String>) -> (String, String) {
    match nearest {
        Some(n) => (format!("; did you mean {n}?"), format!("；是否为 {n}？")),
        None => (String::new(), String::new()),
    }
}

/// The candidate nearest to `want` when it is a likely typo of it: the same letters in another
/// case, or at most two letters added, removed, changed or swapped (at most one for short
/// codes). Ties go to the first in order. For "did you mean" in `not_found` answers about units
/// and staff (never about cases, whose existence a reader may not learn).
pub fn nearest<'a>(want: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let want_l = want.to_lowercase();
    let limit = if want.chars().count() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&want_l, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// Optimal string alignment distance (Levenshtein with adjacent swaps), by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Cuts a caller's text to a printable, bounded form for a message.
fn shown(got: &str, max: usize) -> String {
    got.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// One line, at most `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(max).collect()
}

mod refusal;
mod storage;

pub use refusal::{IdKind, Refusal};
pub use storage::{Source, StorageError};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockKind;
    use chrono::NaiveDate;
    use std::error::Error as _;

    #[test]
    fn refusals_carry_their_data_and_derive_both_languages() {
        let e = DomainError::from(Refusal::NotHolder {
            unit: crate::ids::UnitCode::parse("county-xfj").expect("test id"),
            holder: crate::ids::UnitCode::parse("county-water").expect("test id"),
        });
        assert_eq!(e.code(), "permission_denied");
        assert!(e.message(Lang::En).contains("held by county-water"));
        assert!(e.message(Lang::Zh).contains("责任单位是 county-water"));
        let json = serde_json::to_value(e.refusal().expect("a refusal")).expect("serializes");
        assert_eq!(json["kind"], "not_holder");
        assert_eq!(json["holder"], "county-water");
        let lapsed = Refusal::WindowLapsed {
            window: ClockKind::ReviewWindow,
            due: NaiveDate::from_ymd_opt(2026, 3, 2),
        };
        assert_eq!(lapsed.code(), "window_lapsed");
        assert!(
            lapsed.text().zh.contains("2026-03-02"),
            "{}",
            lapsed.text().zh
        );
    }

    #[test]
    fn storage_errors_keep_their_source() {
        let io = std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "read-only file system",
        );
        let e = DomainError::from(StorageError::io("writing the export", io));
        assert_eq!(e.code(), "io");
        let source = e.source().expect("the io error");
        assert_eq!(source.to_string(), "read-only file system");
        assert!(!e.is_retryable());
        assert!(DomainError::from(StorageError::Conflict).is_retryable());
        assert!(!DomainError::from(StorageError::Busy { waited_ms: 5000 }).is_retryable());
    }

    #[test]
    fn a_near_miss_gets_a_suggestion_and_a_far_one_none() {
        let codes = ["county-xfj", "county-zjj", "town", "city-xfj"];
        let near = |w: &str| nearest(w, codes.iter().copied());
        assert_eq!(near("county-xjf").as_deref(), Some("county-xfj"), "a swap");
        assert_eq!(
            near("COUNTY-ZJJ").as_deref(),
            Some("county-zjj"),
            "letter case"
        );
        assert_eq!(
            near("cunty-zjj").as_deref(),
            Some("county-zjj"),
            "a missing letter"
        );
        assert_eq!(near("tows").as_deref(), Some("town"));
        assert_eq!(near("tw"), None, "short codes allow one change only");
        assert_eq!(near("province-xfj"), None, "nothing close");
        let e = Refusal::NoUnit {
            code: crate::ids::UnitCode::parse("county-xjf").expect("test id"),
            nearest: near("county-xjf"),
        };
        assert_eq!(e.text().en, "no unit county-xjf; did you mean county-xfj?");
        assert_eq!(e.text().zh, "没有单位 county-xjf；是否为 county-xfj？");
    }

    #[test]
    fn a_bad_query_code_is_never_repeated() {
        let t = Refusal::bad_query_code().text();
        assert!(t.en.starts_with("invalid query code:"), "{}", t.en);
    }
}
