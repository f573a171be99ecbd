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
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::case::CaseState;
use crate::clock::ClockKind;

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

/// The kinds of identifier a [`Refusal::BadIdentifier`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdKind {
    /// 信访件编号, `XF2026-000001`.
    CaseId,
    /// 查询码, 8 letters and digits.
    QueryCode,
    /// 单位代码.
    UnitCode,
    /// 工作人员编号.
    StaffId,
}

impl IdKind {
    /// Its name in both languages.
    pub fn name(self) -> Text {
        match self {
            Self::CaseId => Text::new("case id", "信访件编号"),
            Self::QueryCode => Text::new("query code", "查询码"),
            Self::UnitCode => Text::new("unit code", "单位代码"),
            Self::StaffId => Text::new("staff id", "工作人员编号"),
        }
    }
    /// What it must look like, in both languages.
    pub fn shape(self) -> Text {
        match self {
            Self::CaseId => Text::new("case ids look like XF2026-000001", "格式应为 XF2026-000001"),
            Self::QueryCode => Text::new(
                "it has 8 letters and digits, as printed on the acceptance notice",
                "查询码为受理告知书上的 8 位字母和数字",
            ),
            Self::UnitCode | Self::StaffId => Text::new(
                "use 1–64 letters, digits, '-', '_' or '.'",
                "只能使用 1–64 个字母、数字、“-”“_”或“.”",
            ),
        }
    }
}

/// A rule's refusal. Each variant carries the data that explains it; [`code`](Self::code) and
/// [`text`](Self::text) are derived from that data. Refusals never carry personal data (names, id
/// numbers, phones, addresses), so they are safe to log. Serialized (for the `details` of a JSON
/// error) with a `kind` tag and the fields, less the free text already in the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// `usage`: malformed arguments (`argument`, when one is to blame).
    #[error("{}", self.text().en)]
    Usage {
        /// The argument at fault.
        argument: Option<String>,
        /// What is wrong with it.
        #[serde(skip)] // in the message
        rule: Text,
    },
    /// `validation`: an identifier that does not have the shape of its kind.
    #[error("{}", self.text().en)]
    BadIdentifier {
        /// Which kind of identifier.
        what: IdKind,
        /// What was given (printable characters, at most 40; empty for query codes, which are
        /// credentials).
        got: String,
    },
    /// `validation`: a field breaks a rule.
    #[error("{}", self.text().en)]
    Field {
        /// The field (or input line) at fault.
        field: String,
        /// The rule it breaks.
        #[serde(skip)] // in the message
        rule: Text,
    },
    /// `validation`: the input breaks a rule that no single field owns.
    #[error("{}", self.text().en)]
    Invalid {
        /// What is wrong.
        #[serde(skip)] // in the message
        reason: Text,
    },
    /// `not_found`: no such case — or one the reader may not see (the answer is the same).
    #[error("{}", self.text().en)]
    NoCase {
        /// The case id asked for.
        id: String,
    },
    /// `not_found`: no such unit.
    #[error("{}", self.text().en)]
    NoUnit {
        /// The unit code asked for.
        code: String,
        /// The nearest existing code, when one is a likely typo of it (did you mean …?).
        nearest: Option<String>,
    },
    /// `not_found`: no such staff member.
    #[error("{}", self.text().en)]
    NoStaff {
        /// The staff id asked for.
        id: String,
        /// The nearest existing id, when one is a likely typo of it.
        nearest: Option<String>,
    },
    /// `not_found`: something else that does not exist (a supervision, an assisting unit, a file).
    #[error("{}", self.text().en)]
    Missing {
        /// What is missing.
        #[serde(skip)] // in the message
        what: Text,
    },
    /// `invalid_transition`: the case is already registered.
    #[error("{}", self.text().en)]
    AlreadyRegistered {
        /// The case.
        id: String,
    },
    /// `invalid_transition`: the command is not allowed in the case's state.
    #[error("{}", self.text().en)]
    WrongState {
        /// The command's name.
        command: String,
        /// The case's state.
        state: CaseState,
    },
    /// `invalid_transition`: the case is in a terminal state and can no longer change.
    #[error("{}", self.text().en)]
    Terminal {
        /// The terminal state.
        state: CaseState,
    },
    /// `invalid_transition`: the case's own history rules the command out.
    #[error("{}", self.text().en)]
    Transition {
        /// Why.
        #[serde(skip)] // in the message
        reason: Text,
    },
    /// `permission_denied`: only an admin may do this.
    #[error("{}", self.text().en)]
    AdminOnly,
    /// `permission_denied`: the staff member was deactivated (停用) and may no longer act.
    #[error("{}", self.text().en)]
    Deactivated {
        /// The staff member.
        staff: String,
    },
    /// `unauthenticated`: no valid, unexpired, unrevoked bearer token (the server says no more).
    #[error("{}", self.text().en)]
    Unauthenticated,
    /// `permission_denied`: the staff member belongs to no unit.
    #[error("{}", self.text().en)]
    NoUnitForActor {
        /// The staff member.
        staff: String,
    },
    /// `permission_denied`: the case is held by another unit, whose clerk must act.
    #[error("{}", self.text().en)]
    NotHolder {
        /// The acting unit.
        unit: String,
        /// The unit that must act.
        holder: String,
    },
    /// `permission_denied`: only a head (负责人) of the lead unit may approve an extension.
    #[error("{}", self.text().en)]
    HeadOnly,
    /// `permission_denied`: another rule about who may act.
    #[error("{}", self.text().en)]
    Forbidden {
        /// Why.
        #[serde(skip)] // in the message
        reason: Text,
    },
    /// `window_lapsed`: the time window for this command has passed (or never opened).
    #[error("{}", self.text().en)]
    WindowLapsed {
        /// The window's clock.
        window: ClockKind,
        /// Its last day, when it was ever opened.
        due: Option<NaiveDate>,
    },
    /// `extension_limit`: extensions would exceed the legal maximum (2005 Art 33).
    #[error("{}", self.text().en)]
    ExtensionLimit {
        /// Days already granted.
        used: u32,
        /// Days asked now.
        asked: u32,
        /// The most allowed in all.
        max: u32,
    },
    /// `assist_pending`: assisting units' input is missing (2005 Art 24).
    #[error("{}", self.text().en)]
    AssistPending {
        /// The units whose input is missing.
        units: Vec<String>,
    },
    /// `skip_level`: a skip-level visit may not be accepted here (2005 Art 16).
    #[error("{}", self.text().en)]
    SkipLevel {
        /// The matter's locality.
        locality: String,
    },
    /// `litigation`: a litigation matter may not be accepted outside a legal organ (2005 Art 14).
    #[error("{}", self.text().en)]
    Litigation,
    /// `confidentiality`: an accusation is never routed or supervised onto the accused unit
    /// (2005 Art 23).
    #[error("{}", self.text().en)]
    Confidentiality {
        /// The accused unit.
        unit: String,
    },
    /// The refusal of one line of an input file (its code is the inner refusal's).
    #[error("{}", self.text().en)]
    AtLine {
        /// The line, from 1.
        line: u64,
        /// What is wrong with it.
        refusal: Box<Refusal>,
    },
    /// `clock_skew`: the command's time is before the case's last event.
    #[error("{}", self.text().en)]
    ClockSkew {
        /// The command's time.
        at: DateTime<FixedOffset>,
        /// The case's last event.
        last: DateTime<FixedOffset>,
    },
}

impl Refusal {
    /// A field that breaks a rule.
    pub fn field(field: impl Into<String>, rule_en: &str, rule_zh: &str) -> Self {
        Self::Field {
            field: field.into(),
            rule: Text::new(rule_en, rule_zh),
        }
    }
    /// Input that breaks a rule no single field owns.
    pub fn invalid(en: &str, zh: &str) -> Self {
        Self::Invalid {
            reason: Text::new(en, zh),
        }
    }
    /// Malformed arguments.
    pub fn usage(en: &str, zh: &str) -> Self {
        Self::Usage {
            argument: None,
            rule: Text::new(en, zh),
        }
    }
    /// A malformed argument.
    pub fn usage_of(argument: impl Into<String>, rule_en: &str, rule_zh: &str) -> Self {
        Self::Usage {
            argument: Some(argument.into()),
            rule: Text::new(rule_en, rule_zh),
        }
    }
    /// A command the case's history rules out.
    pub fn transition(en: &str, zh: &str) -> Self {
        Self::Transition {
            reason: Text::new(en, zh),
        }
    }
    /// A rule about who may act.
    pub fn forbidden(en: &str, zh: &str) -> Self {
        Self::Forbidden {
            reason: Text::new(en, zh),
        }
    }
    /// Something else that does not exist.
    pub fn missing(en: &str, zh: &str) -> Self {
        Self::Missing {
            what: Text::new(en, zh),
        }
    }
    /// A malformed identifier of kind `what`.
    pub fn bad_code(what: IdKind, got: &str) -> Self {
        Self::BadIdentifier {
            what,
            got: shown(got, 40),
        }
    }
    /// A malformed case id.
    pub fn bad_case_id(got: &str) -> Self {
        Self::bad_code(IdKind::CaseId, got)
    }
    /// A malformed query code (what was given is never repeated: it is a credential).
    pub fn bad_query_code() -> Self {
        Self::BadIdentifier {
            what: IdKind::QueryCode,
            got: String::new(),
        }
    }

    /// The same refusal, said of line `line` of an input file.
    pub fn at_line(self, line: u64) -> Self {
        Self::AtLine {
            line,
            refusal: Box::new(self),
        }
    }

    /// The stable error code.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable error code, typed.
    pub fn error_code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::AtLine { refusal, .. } => refusal.error_code(),
            Self::Usage { .. } => C::Usage,
            Self::BadIdentifier { .. } | Self::Field { .. } | Self::Invalid { .. } => C::Validation,
            Self::NoCase { .. }
            | Self::NoUnit { .. }
            | Self::NoStaff { .. }
            | Self::Missing { .. } => C::NotFound,
            Self::AlreadyRegistered { .. }
            | Self::WrongState { .. }
            | Self::Terminal { .. }
            | Self::Transition { .. } => C::InvalidTransition,
            Self::Unauthenticated => C::Unauthenticated,
            Self::AdminOnly
            | Self::Deactivated { .. }
            | Self::NoUnitForActor { .. }
            | Self::NotHolder { .. }
            | Self::HeadOnly
            | Self::Forbidden { .. } => C::PermissionDenied,
            Self::WindowLapsed { .. } => C::WindowLapsed,
            Self::ExtensionLimit { .. } => C::ExtensionLimit,
            Self::AssistPending { .. } => C::AssistPending,
            Self::SkipLevel { .. } => C::SkipLevel,
            Self::Litigation => C::Litigation,
            Self::Confidentiality { .. } => C::Confidentiality,
            Self::ClockSkew { .. } => C::ClockSkew,
        }
    }

    /// The bilingual message, made from the data.
    pub fn text(&self) -> Text {
        let t = |en: String, zh: String| Text { en, zh };
        match self {
            Self::Usage {
                argument: Some(a),
                rule,
            }
            | Self::Field { field: a, rule } => {
                t(format!("{a}: {}", rule.en), format!("{a}：{}", rule.zh))
            }
            Self::Usage { argument: None, rule } => rule.clone(),
            Self::BadIdentifier { what, got } if got.is_empty() => {
                let (name, shape) = (what.name(), what.shape());
                t(
                    format!("invalid {}: {}", name.en, shape.en),
                    format!("{}无效：{}", name.zh, shape.zh),
                )
            }
            Self::BadIdentifier { what, got } => {
                let (name, shape) = (what.name(), what.shape());
                t(
                    format!("invalid {} {got:?}: {}", name.en, shape.en),
                    format!("{}“{got}”无效：{}", name.zh, shape.zh),
                )
            }
            Self::Invalid { reason } | Self::Transition { reason } | Self::Forbidden { reason } => {
                reason.clone()
            }
            Self::Missing { what } => what.clone(),
            Self::AtLine { line, refusal } => {
                let inner = refusal.text();
                t(
                    format!("line {line}: {}", inner.en),
                    format!("第 {line} 行：{}", inner.zh),
                )
            }
            Self::NoCase { id } => t(format!("no case {id}"), format!("没有信访件 {id}")),
            Self::NoUnit { code, nearest } => {
                let (en, zh) = did_you_mean(nearest);
                t(
                    format!("no unit {code}{en}"),
                    format!("没有单位 {code}{zh}"),
                )
            }
            Self::NoStaff { id, nearest } => {
                let (en, zh) = did_you_mean(nearest);
                t(
                    format!("no staff member {id}{en}"),
                    format!("没有工作人员 {id}{zh}"),
                )
            }
            Self::AlreadyRegistered { id } => t(
                format!("case {id} is already registered"),
                format!("信访件 {id} 已登记"),
            ),
            Self::WrongState { command, state } => t(
                format!("`{command}` is not allowed while the case is {}", state.en()),
                format!("信访件处于“{}”状态，不能执行 `{command}`", state.zh()),
            ),
            Self::Terminal { state } => t(
                format!(
                    "the case is {} and can no longer change; register a new case if the petitioner raises a new matter",
                    state.en()
                ),
                format!(
                    "该件已“{}”，不能再变更；如信访人提出新的事项，请另行登记",
                    state.zh()
                ),
            ),
            Self::AdminOnly => t(
                "only an admin may change units, staff, policy or the calendar, read the access log, or export personal data".into(),
                "只有管理员可以修改单位、人员、时限参数和日历，查看查阅记录，或导出个人信息".into(),
            ),
            Self::Deactivated { staff } => t(
                format!("staff member {staff} has been deactivated and may no longer act: act as an active staff member"),
                format!("工作人员 {staff} 已停用，不能再办理：请以在岗工作人员身份操作"),
            ),
            Self::Unauthenticated => t(
                "not signed in: give a valid, unexpired token (--token or PETITION_TOKEN); an admin issues one with `petition staff token ID` on the server's host".into(),
                "未通过身份验证：请提供有效且未过期的令牌（--token 或 PETITION_TOKEN）；令牌由管理员在服务器主机上用 `petition staff token 编号` 签发".into(),
            ),
            Self::NoUnitForActor { staff } => t(
                format!("staff member {staff} belongs to no unit and cannot act on cases: act as a clerk of the unit concerned"),
                format!("工作人员 {staff} 不属于任何单位，不能办理信访件：请以相关单位工作人员身份操作"),
            ),
            Self::NotHolder { unit, holder } => t(
                format!("unit {unit} cannot do this: the case is held by {holder}, whose clerk must act"),
                format!("单位 {unit} 无权办理：该件当前责任单位是 {holder}，应由其工作人员办理"),
            ),
            Self::HeadOnly => t(
                "only a head (负责人) of the lead unit may approve an extension: ask your head to do it".into(),
                "只有承办单位负责人可以批准延期：请由负责人办理".into(),
            ),
            Self::WindowLapsed { window, due } => {
                let (en, zh) = (window.en(), window.zh());
                match due {
                    Some(d) => t(
                        format!("the {en} window ended on {d}; it can no longer be used"),
                        format!("{zh}期限已于 {d} 届满，不能再办理"),
                    ),
                    None => t(
                        format!("there is no open {en} window on this case"),
                        format!("该件没有可用的{zh}期限"),
                    ),
                }
            }
            Self::ExtensionLimit { used, asked, max } => t(
                format!("extensions may total at most {max} days (2005 Art 33): {used} already granted, {asked} more asked"),
                format!("延期合计不得超过 {max} 日（条例第三十三条）：已延期 {used} 日，本次申请 {asked} 日"),
            ),
            Self::AssistPending { units } => {
                let units = units.join(", ");
                t(
                    format!("waiting for input from assisting unit(s) {units}: wait for it, or issue the opinion stating why it comes without"),
                    format!("协办单位 {units} 尚未提交协办意见：请等待，或在出具意见时说明未待协办意见的理由"),
                )
            }
            Self::SkipLevel { locality } => t(
                format!("this is a skip-level visit (越级走访) about {locality}: transfer or assign it down to the competent unit, or decline it on the skip-level ground"),
                format!("该件为越级走访（属地 {locality}）：请转送或交办至有权处理的单位，或以越级走访为由不予受理"),
            ),
            Self::Litigation => t(
                "this is a litigation matter (涉法涉诉): route it to a legal organ, or decline it on the litigation ground".into(),
                "该件涉法涉诉：请转至政法机关，或以涉法涉诉为由不予受理".into(),
            ),
            Self::Confidentiality { unit } => t(
                format!("the case accuses unit {unit}: it may never be routed or supervised onto that unit (2005 Art 23); choose another unit"),
                format!("该件反映单位 {unit}：不得将其转送、交办或督办给被反映单位（条例第二十三条）；请选择其他单位"),
            ),
            Self::ClockSkew { at, last } => t(
                format!(
                    "the time {} is before the case's last event ({})",
                    at.to_rfc3339(),
                    last.to_rfc3339()
                ),
                format!(
                    "时间 {} 早于该件最近一次记录（{}）",
                    at.to_rfc3339(),
                    last.to_rfc3339()
                ),
            ),
        }
    }
}

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
            Self::Io { what, detail, .. } => t(
                format!(
                    "{what}: {detail}; check the path, its permissions and the free disk space"
                ),
                format!("{what}：{detail}；请检查路径、权限和磁盘剩余空间"),
            ),
            Self::Integrity { detail, .. } => detail.clone(),
            Self::Internal { detail, .. } => t(
                format!("internal error: {detail}; nothing was changed — please report this"),
                format!("内部错误：{detail}；未做任何修改，请报告此问题"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn refusals_carry_their_data_and_derive_both_languages() {
        let e = DomainError::from(Refusal::NotHolder {
            unit: "county-xfj".into(),
            holder: "county-water".into(),
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
            code: "county-xjf".into(),
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
