//! The case's vocabulary: its states (状态), supervision levels and grounds (督办, 2005 Art 36),
//! close reasons and routings.

use serde::{Deserialize, Serialize};

use super::data::text_enum;

text_enum!(
    /// 状态: where a case stands. New states may come with new rules: match with a `_` arm.
    #[non_exhaustive]
    CaseState { /// 已登记
    Registered => "registered", /// 已转送/已交办
    Routed => "routed", /// 办理中
    Handling => "handling", /// 已出具处理意见
    OpinionIssued => "opinion_issued", /// 复查中
    UnderReview => "under_review", /// 已出具复查意见
    ReviewIssued => "review_issued", /// 复核中
    UnderRereview => "under_rereview", /// 不予受理
    Declined => "declined", /// 办结
    Closed => "closed", /// 复核终结
    Concluded => "concluded", /// 撤回
    Withdrawn => "withdrawn", /// 已合并
    Merged => "merged" }
);

impl CaseState {
    /// Terminal states accept no further commands (with the two exceptions of the transition table).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseState::Declined
                | CaseState::Closed
                | CaseState::Concluded
                | CaseState::Withdrawn
                | CaseState::Merged
        )
    }
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            CaseState::Registered => "已登记",
            CaseState::Routed => "已转送",
            CaseState::Handling => "办理中",
            CaseState::OpinionIssued => "已出具处理意见",
            CaseState::UnderReview => "复查中",
            CaseState::ReviewIssued => "已出具复查意见",
            CaseState::UnderRereview => "复核中",
            CaseState::Declined => "不予受理",
            CaseState::Closed => "办结",
            CaseState::Concluded => "复核终结",
            CaseState::Withdrawn => "撤回",
            CaseState::Merged => "已合并",
        }
    }
    /// The English name, in words.
    pub fn en(self) -> &'static str {
        match self {
            CaseState::Registered => "registered",
            CaseState::Routed => "routed",
            CaseState::Handling => "being handled",
            CaseState::OpinionIssued => "answered (opinion issued)",
            CaseState::UnderReview => "under review",
            CaseState::ReviewIssued => "answered on review",
            CaseState::UnderRereview => "under re-review",
            CaseState::Declined => "declined",
            CaseState::Closed => "closed",
            CaseState::Concluded => "concluded",
            CaseState::Withdrawn => "withdrawn",
            CaseState::Merged => "merged",
        }
    }
}

text_enum!(
    /// 督办级别 (2005 Art 36), bottom to top.
    SupervisionLevel { /// 催办
    Reminder => "reminder", /// 督办
    Supervision => "supervision", /// 通报
    Notice => "notice", /// 追责建议
    Accountability => "accountability" }
);

impl SupervisionLevel {
    /// The next level up, `None` at the top.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Reminder => Some(Self::Supervision),
            Self::Supervision => Some(Self::Notice),
            Self::Notice => Some(Self::Accountability),
            Self::Accountability => None,
        }
    }
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Reminder => "催办",
            Self::Supervision => "督办",
            Self::Notice => "通报",
            Self::Accountability => "追责建议",
        }
    }
}

text_enum!(
    /// 督办事由 (2005 Art 36, 2022 Art 40).
    SupervisionGround { /// 超期
    Overdue => "overdue", /// 未报送办结报告
    NoResultReport => "no_result_report", /// 程序错误
    WrongProcedure => "wrong_procedure", /// 推诿敷衍拖延
    Evasion => "evasion", /// 未落实
    NotExecuted => "not_executed", /// 弄虚作假
    Falsification => "falsification", /// 其他
    Other => "other" }
);

text_enum!(
    /// Why a case was closed.
    CloseReason { /// 信访人接受答复
    Accepted => "accepted", /// 申请期限届满
    WindowLapsed => "window_lapsed" }
);

text_enum!(
    /// How a case was routed.
    Routing { /// 转送
    Transfer => "transfer", /// 交办
    Assign => "assign" }
);
