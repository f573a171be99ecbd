//! Refusals: a rule said no, with the data that explains it.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::*;
use crate::case::CaseState;
use crate::clock::ClockKind;
use crate::ids::{CaseId, StaffId, UnitCode};

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
    /// `validation` (HTTP 422): an idempotency key already used for a different request.
    #[error("{}", self.text().en)]
    IdempotencyMismatch,
    /// `conflict`: a registration whose external reference (system and id) another case
    /// already carries; `existing` names that case when the caller may read it.
    #[error("{}", self.text().en)]
    DuplicateReference {
        /// The reference's system.
        system: String,
        /// The reference's id in that system.
        id: String,
        /// The case that carries it, when the caller may read it.
        existing: Option<CaseId>,
    },
    /// `not_found`: no such case — or one the reader may not see (the answer is the same).
    #[error("{}", self.text().en)]
    NoCase {
        /// The case id asked for.
        id: CaseId,
    },
    /// `not_found`: no such unit.
    #[error("{}", self.text().en)]
    NoUnit {
        /// The unit code asked for.
        code: UnitCode,
        /// The nearest existing code, when one is a likely typo of it (did you mean …?).
        nearest: Option<String>,
    },
    /// `not_found`: no such staff member.
    #[error("{}", self.text().en)]
    NoStaff {
        /// The staff id asked for.
        id: StaffId,
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
        id: CaseId,
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
        staff: StaffId,
    },
    /// `unauthenticated`: no valid, unexpired, unrevoked bearer token (the server says no more).
    #[error("{}", self.text().en)]
    Unauthenticated,
    /// `permission_denied`: the staff member belongs to no unit.
    #[error("{}", self.text().en)]
    NoUnitForActor {
        /// The staff member.
        staff: StaffId,
    },
    /// `permission_denied`: the case is held by another unit, whose clerk must act.
    #[error("{}", self.text().en)]
    NotHolder {
        /// The acting unit.
        unit: UnitCode,
        /// The unit that must act.
        holder: UnitCode,
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
    /// `clock_skew`: on a live database, the system clock is behind the audit chain's last entry
    /// (the machine's clock went back): nothing is written until it is right again.
    #[error("{}", self.text().en)]
    ChainClockSkew {
        /// The system clock.
        at: DateTime<FixedOffset>,
        /// The chain's last entry.
        last: DateTime<FixedOffset>,
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
            Self::BadIdentifier { .. }
            | Self::Field { .. }
            | Self::Invalid { .. }
            | Self::IdempotencyMismatch => C::Validation,
            Self::DuplicateReference { .. } => C::Conflict,
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
            Self::ClockSkew { .. } | Self::ChainClockSkew { .. } => C::ClockSkew,
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
            | Self::Field { field: a, rule } => t(
                format!("{a}: {}", rule.en),
                format!("{}：{}", field_zh(a), rule.zh),
            ),
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
            Self::IdempotencyMismatch => t(
                "this Idempotency-Key was already used for a different request: a new request needs a new key".into(),
                "该 Idempotency-Key 已用于另一个不同的请求：新的请求须使用新的键".into(),
            ),
            Self::DuplicateReference { system, id, existing: Some(c) } => t(
                format!("case {c} already carries the external reference {system}:{id}: a system's reference is registered once"),
                format!("信访件 {c} 已登记外部编号 {system}:{id}：同一系统的编号只能登记一次"),
            ),
            Self::DuplicateReference { system, id, existing: None } => t(
                format!("another case already carries the external reference {system}:{id}: a system's reference is registered once"),
                format!("已有信访件登记了外部编号 {system}:{id}：同一系统的编号只能登记一次"),
            ),
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
                format!("`{command}` is not allowed while the case is {}", state.label(Lang::En)),
                format!("信访件处于“{}”状态，不能执行 `{command}`", state.label(Lang::Zh)),
            ),
            Self::Terminal { state } => t(
                format!(
                    "the case is {} and can no longer change; register a new case if the petitioner raises a new matter",
                    state.label(Lang::En)
                ),
                format!(
                    "该件已“{}”，不能再变更；如信访人提出新的事项，请另行登记",
                    state.label(Lang::Zh)
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
                "not signed in: give a valid, unexpired token (an admin issues one on the server's host)".into(),
                "未通过身份验证：请提供有效且未过期的令牌（由管理员在服务器主机上签发）".into(),
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
                let (en, zh) = (window.label(Lang::En), window.label(Lang::Zh));
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
            Self::ChainClockSkew { at, last } => t(
                format!(
                    "the system clock ({}) is behind the audit chain's last entry ({}): the machine's clock went back; set it right (NTP) and try again — nothing was written",
                    at.to_rfc3339(),
                    last.to_rfc3339()
                ),
                format!(
                    "系统时钟（{}）早于审计链最后一条记录（{}）：本机时钟被调回；请校正时钟（NTP）后重试——未写入任何内容",
                    at.to_rfc3339(),
                    last.to_rfc3339()
                ),
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

/// A field's path (`petitioners[0].phone`) in Chinese words for the Chinese message (第1位信访人的
/// 电话); the English path stays in the details. An unknown name stays as it is.
pub(crate) fn field_zh(path: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("name", "姓名"),
        ("id_type", "证件类型"),
        ("id_number", "证件号码"),
        ("phone", "电话"),
        ("address", "住址"),
        ("email", "电子邮箱"),
        ("summary", "概况"),
        ("content", "内容"),
        ("category", "问题分类"),
        ("locality", "问题属地"),
        ("channel", "信访形式"),
        ("purpose", "信访目的"),
        ("headcount", "人数"),
        ("received_at", "收到时间"),
        ("accused_unit", "被反映单位"),
        ("external_ref", "外部编号"),
        ("text", "正文"),
        ("reason", "理由"),
        ("note", "备注"),
        ("notice", "告知内容"),
        ("on", "日期"),
        ("respond_by", "反馈期限"),
        ("report_by", "报送期限"),
        ("days", "天数"),
        ("ground", "理由"),
        ("unit", "单位"),
        ("code", "代码"),
        ("parent", "上级"),
        ("line_superior", "业务上级"),
        ("level", "层级"),
        ("kind", "类型"),
        ("to", "接收单位"),
        ("role", "角色"),
        ("reassign_to", "接手人"),
        ("start", "开始日期"),
        ("end", "结束日期"),
        ("duplicate_of", "重复的信访件"),
        ("into", "并入的信访件"),
        ("value", "更正值"),
        ("field", "更正项"),
    ];
    let word = |w: &str| {
        WORDS
            .iter()
            .find(|(k, _)| *k == w)
            .map_or_else(|| w.to_string(), |(_, z)| z.to_string())
    };
    path.split('.')
        .map(|seg| match seg.split_once('[') {
            Some((list, rest)) => {
                let n = rest.trim_end_matches(']').parse::<usize>().map_or_else(
                    |_| rest.trim_end_matches(']').to_string(),
                    |i| (i + 1).to_string(),
                );
                match list {
                    "petitioners" => format!("第{n}位信访人的"),
                    "representatives" => format!("第{n}位代表的"),
                    other => format!("{}第{n}项的", word(other)),
                }
            }
            None => word(seg),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_field_path_reads_in_chinese_words() {
        assert_eq!(super::field_zh("petitioners[0].phone"), "第1位信访人的电话");
        assert_eq!(
            super::field_zh("representatives[1].id_number"),
            "第2位代表的证件号码"
        );
        assert_eq!(super::field_zh("summary"), "概况");
        assert_eq!(super::field_zh("colour"), "colour");
    }
}
