//! 标签: the words for every state, clock, ground, outcome, event and role, in both languages —
//! one table for the command line, the notices and the public pages.

use crate::error::Lang;

/// The label of an enum value given its snake_case name (English: the name in words; Chinese:
/// the official term, or the name itself when it has none).
pub fn label(lang: Lang, name: &str) -> String {
    if lang == Lang::En {
        return name.replace('_', " ");
    }
    let zh = match name {
        // states
        "registered" => "已登记",
        "routed" => "已转送",
        "handling" => "办理中",
        "opinion_issued" => "已出具处理意见",
        "under_review" => "复查中",
        "review_issued" => "已出具复查意见",
        "under_rereview" => "复核中",
        "declined" => "不予受理",
        "closed" => "办结",
        "concluded" => "复核终结",
        "withdrawn" => "撤回",
        "merged" => "已合并",
        // clocks
        "intake" => "登记处理",
        "acceptance" => "受理",
        "objection" => "异议",
        "assist" => "协办",
        "result_report" => "办结报告",
        "review_window" => "申请复查",
        "review" => "复查",
        "rereview_window" => "申请复核",
        "rereview" => "复核",
        "evaluation" => "评价",
        "supervision" => "督办",
        // channels and purposes
        "letter" => "来信",
        "visit" => "来访",
        "phone" => "电话",
        "online" => "网上",
        "fax" => "传真",
        "email" => "电子邮件",
        "request" => "求决",
        "suggestion" => "意见建议",
        "appeal" => "申诉",
        "accusation" => "揭发控告",
        "other" => "其他",
        // outcomes
        "supported" => "支持",
        "explained" => "解释说明",
        "not_supported" => "不予支持",
        "upheld" => "维持",
        "revised" => "变更",
        "revoked" => "撤销",
        // grounds
        "litigation" => "应通过法定途径",
        "legislature_or_judiciary" => "属人大法院检察院职权",
        "in_progress" => "正在办理",
        "skip_level" => "越级走访",
        "out_of_scope" => "不属本机关职权",
        "incomplete" => "信息不全",
        "overdue" => "超期",
        "no_result_report" => "未报办结报告",
        "wrong_procedure" => "程序错误",
        "evasion" => "推诿敷衍拖延",
        "not_executed" => "未落实",
        "falsification" => "弄虚作假",
        // supervision levels
        "reminder" => "催办",
        "notice" => "通报",
        "accountability" => "追责建议",
        // satisfaction
        "satisfied" => "满意",
        "basically_satisfied" => "基本满意",
        "dissatisfied" => "不满意",
        // events
        "transferred" => "转送",
        "assigned" => "交办",
        "objected" => "提出异议",
        "objection_approved" => "异议成立",
        "objection_rejected" => "异议驳回",
        "accepted" => "受理",
        "assist_input" => "协办意见",
        "extended" => "延期",
        "extension_requested" => "申请延期",
        "officer_assigned" => "确定承办人",
        "amended" => "更正登记",
        // registration fields (amend)
        "summary" => "概况",
        "content" => "内容",
        "category" => "问题分类",
        "locality" => "问题属地",
        "received_at" => "收到时间",
        "name" => "姓名",
        "id_number" => "证件号码",
        "address" => "住址",
        "extension_rejected" => "不予延期",
        "result_reported" => "报送办结报告",
        "review_requested" => "申请复查",
        "rereview_requested" => "申请复核",
        "hearing_held" => "复核听证",
        "rereview_issued" => "出具复核意见",
        "evaluated" => "评价",
        "absorbed" => "合并他件",
        "supervision_opened" => "督办",
        "supervision_escalated" => "督办升级",
        "supervision_answered" => "督办反馈",
        "supervisions_ended" => "督办随案件终结",
        "evaluation_lapsed" => "超期未评价",
        "query_code_reset" => "重置查询码",
        "officer_released" => "承办人调离",
        // what a petitioner may do next
        "request_review" => "申请复查",
        "request_rereview" => "申请复核",
        "rate" => "评价答复",
        "window_lapsed" => "期限届满",
        // kinds, roles, levels of units
        "government" => "人民政府",
        "department" => "工作部门",
        "petition_office" => "信访工作机构",
        "legal" => "政法机关",
        "clerk" => "工作人员",
        "head" => "负责人",
        "admin" => "管理员",
        "national" => "国家",
        "provincial" => "省级",
        "prefectural" => "市级",
        "county" => "县级",
        "township" => "乡级",
        "holiday" => "节假日",
        "workday" => "调休上班",
        other => return other.to_string(),
    };
    zh.to_string()
}

/// The label of a clock kind (distinct from states: `handling` the clock is 办理, not 办理中).
pub fn clock_label(lang: Lang, kind: &str) -> String {
    if lang == Lang::En {
        return kind.replace('_', " ");
    }
    match kind {
        "handling" => "办理".to_string(),
        "supervision" => "督办反馈".to_string(),
        other => label(lang, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_ground_outcome_and_clock_has_a_chinese_label() {
        use crate::case::{CaseState, DeclineGround, Outcome, ReviewOutcome, Satisfaction};
        use crate::case::{SupervisionGround, SupervisionLevel};
        let mut names: Vec<&str> = Vec::new();
        names.extend(CaseState::ALL.iter().map(|x| x.as_str()));
        names.extend(DeclineGround::ALL.iter().map(|x| x.as_str()));
        names.extend(Outcome::ALL.iter().map(|x| x.as_str()));
        names.extend(ReviewOutcome::ALL.iter().map(|x| x.as_str()));
        names.extend(Satisfaction::ALL.iter().map(|x| x.as_str()));
        names.extend(SupervisionGround::ALL.iter().map(|x| x.as_str()));
        names.extend(SupervisionLevel::ALL.iter().map(|x| x.as_str()));
        names.extend(crate::clock::ClockKind::ALL.iter().map(|x| x.as_str()));
        for n in names {
            let zh = label(Lang::Zh, n);
            assert!(!zh.is_ascii(), "{n} has no Chinese label");
        }
    }
}
