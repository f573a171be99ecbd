//! One typed error for the whole library. Each variant is one stable, language-neutral code
//! (`not_found`, `validation`, …) and carries a bilingual message that says what happened; a
//! front end adds its own hints and maps codes to exit or status codes. All error text lives in
//! the [`msg`] module below, so both languages come from one place.

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

/// Every refusal the library can return; the variant is the stable error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// `usage`: malformed arguments.
    #[error("{0}")]
    Usage(Text),
    /// `not_found`: an unknown case, unit, staff id or supervision.
    #[error("{0}")]
    NotFound(Text),
    /// `invalid_transition`: the command is not allowed in the case's state.
    #[error("{0}")]
    InvalidTransition(Text),
    /// `permission_denied`: the actor's unit or role may not do this.
    #[error("{0}")]
    PermissionDenied(Text),
    /// `validation`: a field breaks a rule.
    #[error("{0}")]
    Validation(Text),
    /// `window_lapsed`: the time window for this command has passed.
    #[error("{0}")]
    WindowLapsed(Text),
    /// `extension_limit`: extensions would exceed the legal maximum (2005 Art 33).
    #[error("{0}")]
    ExtensionLimit(Text),
    /// `assist_pending`: an assisting unit's input is missing (2005 Art 24).
    #[error("{0}")]
    AssistPending(Text),
    /// `skip_level`: a skip-level visit may not be accepted here (2005 Art 16).
    #[error("{0}")]
    SkipLevel(Text),
    /// `litigation`: a litigation matter may not be accepted outside a legal organ (2005 Art 14).
    #[error("{0}")]
    Litigation(Text),
    /// `confidentiality`: never route or supervise an accusation onto the accused unit (2005 Art 23).
    #[error("{0}")]
    Confidentiality(Text),
    /// `clock_skew`: the command's time is before the case's last event: time never runs backwards on a case.
    #[error("{0}")]
    ClockSkew(Text),
    /// `conflict`: another writer changed the same data; retry.
    #[error("{0}")]
    Conflict(Text),
    /// `conflict` too, but not retried: the database stayed locked for the whole busy timeout
    /// (by another process of any kind), so waiting again would exceed the promised bound.
    #[error("{0}")]
    Busy(Text),
    /// `io`: the operating system refused (disk full, read-only file or directory, a path that is
    /// a directory, a server that cannot be reached).
    #[error("{0}")]
    Io(Text),
    /// `integrity`: the database is damaged, tampered with or too new.
    #[error("{0}")]
    Integrity(Text),
    /// `internal`: a fault that is not the user's (I/O, a bug).
    #[error("{0}")]
    Internal(Text),
}

impl DomainError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::NotFound(_) => "not_found",
            Self::InvalidTransition(_) => "invalid_transition",
            Self::PermissionDenied(_) => "permission_denied",
            Self::Validation(_) => "validation",
            Self::WindowLapsed(_) => "window_lapsed",
            Self::ExtensionLimit(_) => "extension_limit",
            Self::AssistPending(_) => "assist_pending",
            Self::SkipLevel(_) => "skip_level",
            Self::Litigation(_) => "litigation",
            Self::Confidentiality(_) => "confidentiality",
            Self::ClockSkew(_) => "clock_skew",
            Self::Conflict(_) | Self::Busy(_) => "conflict",
            Self::Io(_) => "io",
            Self::Integrity(_) => "integrity",
            Self::Internal(_) => "internal",
        }
    }

    /// The bilingual message.
    pub fn text(&self) -> &Text {
        match self {
            Self::Usage(t)
            | Self::NotFound(t)
            | Self::InvalidTransition(t)
            | Self::PermissionDenied(t)
            | Self::Validation(t)
            | Self::WindowLapsed(t)
            | Self::ExtensionLimit(t)
            | Self::AssistPending(t)
            | Self::SkipLevel(t)
            | Self::Litigation(t)
            | Self::Confidentiality(t)
            | Self::ClockSkew(t)
            | Self::Conflict(t)
            | Self::Busy(t)
            | Self::Io(t)
            | Self::Integrity(t)
            | Self::Internal(t) => t,
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        self.text().get(lang)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// The catalogue of error messages, English and Chinese side by side. Messages never contain
/// personal data (names, id numbers, phones, addresses) so they are safe to log.
pub mod msg {
    use super::Text;

    fn t(en: String, zh: String) -> Text {
        Text { en, zh }
    }

    /// A malformed code-like identifier.
    pub fn bad_code(what_en: &str, what_zh: &str, got: &str) -> Text {
        let shown: String = got.chars().take(40).filter(|c| !c.is_control()).collect();
        t(
            format!("invalid {what_en} {shown:?}: use 1–64 letters, digits, '-', '_' or '.'"),
            format!("{what_zh}“{shown}”无效：只能使用 1–64 个字母、数字、“-”“_”或“.”"),
        )
    }
    /// A malformed case id.
    pub fn bad_case_id(got: &str) -> Text {
        let shown: String = got.chars().take(40).filter(|c| !c.is_control()).collect();
        t(
            format!("invalid case id {shown:?}: case ids look like XF2026-000001"),
            format!("信访件编号“{shown}”无效：格式应为 XF2026-000001"),
        )
    }
    /// A malformed query code.
    pub fn bad_query_code() -> Text {
        t(
            "invalid query code: it has 8 letters and digits, as printed on the acceptance notice"
                .into(),
            "查询码无效：查询码为受理告知书上的 8 位字母和数字".into(),
        )
    }
    /// A field that breaks a rule.
    pub fn field(field: &str, rule_en: &str, rule_zh: &str) -> Text {
        t(format!("{field}: {rule_en}"), format!("{field}：{rule_zh}"))
    }
    /// An unknown case.
    pub fn no_case(id: &str) -> Text {
        t(format!("no case {id}"), format!("没有信访件 {id}"))
    }
    /// An unknown unit.
    pub fn no_unit(code: &str) -> Text {
        t(format!("no unit {code}"), format!("没有单位 {code}"))
    }
    /// An unknown staff member.
    pub fn no_staff(id: &str) -> Text {
        t(
            format!("no staff member {id}"),
            format!("没有工作人员 {id}"),
        )
    }
    /// A staff member with no unit acting on a case.
    pub fn actor_has_no_unit(id: &str) -> Text {
        t(
            format!("staff member {id} belongs to no unit and cannot act on cases: act as a clerk of the unit concerned"),
            format!("工作人员 {id} 不属于任何单位，不能办理信访件：请以相关单位工作人员身份操作"),
        )
    }
    /// An admin-only action.
    pub fn admin_only() -> Text {
        t(
            "only an admin may change units, staff, policy or the calendar, or export personal data".into(),
            "只有管理员可以修改单位、人员、时限参数和日历，或导出个人信息".into(),
        )
    }
    /// The actor's unit is not the unit that must act.
    pub fn not_holder(actor_unit: &str, holder: &str) -> Text {
        t(
            format!("unit {actor_unit} cannot do this: the case is held by {holder}, whose clerk must act"),
            format!("单位 {actor_unit} 无权办理：该件当前责任单位是 {holder}，应由其工作人员办理"),
        )
    }
    /// A role check failed.
    pub fn head_only() -> Text {
        t(
            "only a head (负责人) of the lead unit may approve an extension: ask your head to run this command".into(),
            "只有承办单位负责人可以批准延期：请由负责人执行此命令".into(),
        )
    }
    /// Generic wrong state.
    pub fn wrong_state(command: &str, state_en: &str, state_zh: &str) -> Text {
        t(
            format!("`{command}` is not allowed while the case is {state_en}"),
            format!("信访件处于“{state_zh}”状态，不能执行 `{command}`"),
        )
    }
    /// A terminal case.
    pub fn terminal(state_en: &str, state_zh: &str) -> Text {
        t(
            format!("the case is {state_en} and can no longer change; register a new case if the petitioner raises a new matter"),
            format!("该件已“{state_zh}”，不能再变更；如信访人提出新的事项，请另行登记"),
        )
    }
    /// Already registered.
    pub fn already_registered(id: &str) -> Text {
        t(
            format!("case {id} is already registered"),
            format!("信访件 {id} 已登记"),
        )
    }
    /// A free-form invalid transition.
    pub fn invalid(en: &str, zh: &str) -> Text {
        t(en.to_string(), zh.to_string())
    }
    /// A command timed before the case's last event.
    pub fn clock_skew(at: &str, last: &str) -> Text {
        t(
            format!("the time {at} is before the case's last event ({last})"),
            format!("时间 {at} 早于该件最近一次记录（{last}）"),
        )
    }
    /// A window that has passed.
    pub fn window_lapsed(what_en: &str, what_zh: &str, due: &str) -> Text {
        t(
            format!("the {what_en} window ended on {due}; it can no longer be used"),
            format!("{what_zh}期限已于 {due} 届满，不能再办理"),
        )
    }
    /// Extension beyond the legal maximum.
    pub fn extension_limit(used: u32, asked: u32, max: u32) -> Text {
        t(
            format!("extensions may total at most {max} days (2005 Art 33): {used} already granted, {asked} more asked"),
            format!("延期合计不得超过 {max} 日（条例第三十三条）：已延期 {used} 日，本次申请 {asked} 日"),
        )
    }
    /// An assisting unit's input is missing.
    pub fn assist_pending(units: &str) -> Text {
        t(
            format!("waiting for input from assisting unit(s) {units}: wait for it, or issue the opinion stating why it comes without"),
            format!("协办单位 {units} 尚未提交协办意见：请等待，或在出具意见时说明未待协办意见的理由"),
        )
    }
    /// A skip-level visit cannot be accepted at this unit.
    pub fn skip_level(locality: &str) -> Text {
        t(
            format!("this is a skip-level visit (越级走访) about {locality}: transfer or assign it down to the competent unit, or decline it on the skip-level ground"),
            format!("该件为越级走访（属地 {locality}）：请转送或交办至有权处理的单位，或以越级走访为由不予受理"),
        )
    }
    /// A litigation matter cannot be accepted here.
    pub fn litigation() -> Text {
        t(
            "this is a litigation matter (涉法涉诉): route it to a legal organ, or decline it on the litigation ground".into(),
            "该件涉法涉诉：请转至政法机关，或以涉法涉诉为由不予受理".into(),
        )
    }
    /// Confidentiality of accusations.
    pub fn confidentiality(unit: &str) -> Text {
        t(
            format!("the case accuses unit {unit}: it may never be routed or supervised onto that unit (2005 Art 23); choose another unit"),
            format!("该件反映单位 {unit}：不得将其转送、交办或督办给被反映单位（条例第二十三条）；请选择其他单位"),
        )
    }
    /// A conflict with another writer.
    pub fn conflict() -> Text {
        t(
            "another clerk changed this case at the same moment: run the command again".into(),
            "其他工作人员同时修改了该件：请重新执行命令".into(),
        )
    }
    /// The database stayed locked for the whole busy timeout (`waited_ms`, when known).
    pub fn busy(waited_ms: u64) -> Text {
        let (en, zh) = if waited_ms > 0 {
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
    /// The operating system refused a file or device operation.
    pub fn io(what: &str, detail: &str) -> Text {
        let detail: String = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        let detail: String = detail.chars().take(200).collect();
        t(
            format!("{what}: {detail}; check the path, its permissions and the free disk space"),
            format!("{what}：{detail}；请检查路径、权限和磁盘剩余空间"),
        )
    }
    /// A damaged database.
    pub fn integrity(detail: &str) -> Text {
        let detail: String = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        t(
            format!("database integrity problem: {detail}"),
            format!("数据库完整性问题：{detail}"),
        )
    }
    /// An internal fault.
    pub fn internal(detail: &str) -> Text {
        let detail: String = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        let detail: String = detail.chars().take(300).collect();
        t(
            format!("internal error: {detail}; nothing was changed — please report this"),
            format!("内部错误：{detail}；未做任何修改，请报告此问题"),
        )
    }
}
