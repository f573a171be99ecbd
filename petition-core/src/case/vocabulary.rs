//! The case's vocabulary: its states (状态), supervision levels and grounds (督办, 2005 Art 36),
//! close reasons and routings.

use super::data::text_enum;

text_enum!(
    /// 状态: where a case stands. New states may come with new rules: match with a `_` arm.
    #[non_exhaustive]
    CaseState {
        Registered => "registered", "registered", "已登记";
        Routed => "routed", "routed", "已转送";
        Handling => "handling", "being handled", "办理中";
        OpinionIssued => "opinion_issued", "answered (opinion issued)", "已出具处理意见";
        UnderReview => "under_review", "under review", "复查中";
        ReviewIssued => "review_issued", "answered on review", "已出具复查意见";
        UnderRereview => "under_rereview", "under re-review", "复核中";
        Declined => "declined", "declined", "不予受理";
        Closed => "closed", "closed", "办结";
        Concluded => "concluded", "concluded", "复核终结";
        Withdrawn => "withdrawn", "withdrawn", "撤回";
        Merged => "merged", "merged", "已合并";
        Voided => "voided", "voided (registered in error)", "已作废";
    }
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
                | CaseState::Voided
        )
    }
}

text_enum!(
    /// 督办级别 (2005 Art 36), bottom to top.
    SupervisionLevel {
        Reminder => "reminder", "reminder", "催办";
        Supervision => "supervision", "supervision", "督办";
        Notice => "notice", "notice", "通报";
        Accountability => "accountability", "accountability", "追责建议";
    }
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
}

text_enum!(
    /// 督办事由 (2005 Art 36, 2022 Art 40).
    SupervisionGround {
        Overdue => "overdue", "overdue", "超期";
        NoResultReport => "no_result_report", "no result report", "未报办结报告";
        WrongProcedure => "wrong_procedure", "wrong procedure", "程序错误";
        Evasion => "evasion", "evasion", "推诿敷衍拖延";
        NotExecuted => "not_executed", "not executed", "未落实";
        Falsification => "falsification", "falsification", "弄虚作假";
        Other => "other", "other", "其他";
    }
);

text_enum!(
    /// Why a case was closed.
    CloseReason {
        Accepted => "accepted", "accepted", "信访人接受答复";
        WindowLapsed => "window_lapsed", "window lapsed", "期限届满";
    }
);

text_enum!(
    /// How a case was routed.
    Routing {
        Transfer => "transfer", "transfer", "转送";
        Assign => "assign", "assign", "交办";
    }
);

text_enum!(
    /// A written notice whose service (送达) on the petitioner may be recorded: the decisions whose
    /// receipt starts the petitioner's windows (2022 Art 35, 36: review and re-review requests
    /// within 30 days of receipt) and the refusal to accept.
    ServedNotice {
        Decline => "decline", "notice of non-acceptance", "不予受理告知书";
        Opinion => "opinion", "written answer", "处理意见书";
        Review => "review", "review decision", "复查意见书";
        Rereview => "rereview", "re-review decision", "复核意见书";
    }
);

text_enum!(
    /// What a case file note records (卷宗记录).
    NoteKind {
        Call => "call", "phone call", "来电";
        Visit => "visit", "visit", "来访";
        Interview => "interview", "interview", "约谈";
        Callback => "callback", "callback", "回访";
        Site => "site", "site check", "现场核查";
        Other => "other", "other", "其他";
    }
);

text_enum!(
    /// What an attachment of the case file is (附件类别).
    AttachmentKind {
        Letter => "letter", "letter", "信访件原件";
        IdCopy => "id_copy", "identity document copy", "身份证明复印件";
        Evidence => "evidence", "evidence", "证据材料";
        SignedNotice => "signed_notice", "signed notice", "签收文书";
        Photo => "photo", "photo", "照片";
        Other => "other", "other", "其他";
    }
);

text_enum!(
    /// How a notice was served (送达方式).
    ServiceMethod {
        InPerson => "in_person", "in person", "直接送达";
        Post => "post", "by post", "邮寄送达";
        Electronic => "electronic", "electronically", "电子送达";
        Public => "public", "by public announcement", "公告送达";
    }
);
