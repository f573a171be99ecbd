//! Every label the command prints, in English and Chinese, from one table. Error messages come
//! from the library's typed errors (`DomainError::text`); enum names (states, clocks, grounds) from [`enum_label`].

use petition_core::Lang;

/// A label by key. Unknown keys fall back to the key itself, so a missing entry is visible.
/// What to do next, by error code: the library says what happened, the command line says which
/// command to run.
pub fn hint(lang: Lang, code: &str) -> Option<&'static str> {
    let (en, zh) = match code {
        "not_found" => (
            "check the id (`petition list`, `petition unit list`, `petition staff list`) and the --db path",
            "请核对编号（`petition list`、`petition unit list`、`petition staff list`）和 --db 路径",
        ),
        "invalid_transition" => (
            "see `petition show CASE --timeline` for where the case stands",
            "请用 `petition show 编号 --timeline` 查看该件进展",
        ),
        "clock_skew" => (
            "check --now (PETITION_NOW) and the system clock",
            "请检查 --now（PETITION_NOW）和系统时钟",
        ),
        "assist_pending" => (
            "or give --without-assist REASON",
            "或用 --without-assist 说明理由",
        ),
        "skip_level" => (
            "`petition transfer`/`assign` it down, or `petition decline --ground skip_level`",
            "请用 `petition transfer`/`assign` 下转，或 `petition decline --ground skip_level`",
        ),
        "litigation" => (
            "`petition transfer` it to a legal organ, or `petition decline --ground litigation`",
            "请用 `petition transfer` 转至政法机关，或 `petition decline --ground litigation`",
        ),
        "conflict" => (
            "run the command again; PETITION_BUSY_TIMEOUT_MS sets how long to wait for a lock",
            "请重新执行；PETITION_BUSY_TIMEOUT_MS 可设置等待锁的时间",
        ),
        "integrity" => (
            "restore from a backup (`petition backup`) and run `petition verify`",
            "请从备份恢复并执行 `petition verify`",
        ),
        _ => return None,
    };
    Some(match lang {
        Lang::En => en,
        Lang::Zh => zh,
    })
}

pub fn tr(lang: Lang, key: &str) -> &'static str {
    let (en, zh) = match key {
        "hint_sep" => ("; ", "；"),
        "recorded" => ("recorded", "已记录"),
        "id" => ("Case", "编号"),
        "state" => ("State", "状态"),
        "holder" => ("Holder", "责任单位"),
        "lead" => ("Lead", "主办单位"),
        "summary" => ("Summary", "概况"),
        "category" => ("Category", "分类"),
        "locality" => ("Locality", "属地"),
        "channel" => ("Channel", "形式"),
        "purpose" => ("Purpose", "目的"),
        "received_at" => ("Received", "收到时间"),
        "registered_at" => ("Registered", "登记时间"),
        "first_contact" => ("First contact", "首问单位"),
        "petitioners" => ("Petitioners", "信访人"),
        "headcount" => ("Headcount", "人数"),
        "flags" => ("Flags", "标记"),
        "query_code" => ("Query code", "查询码"),
        "assisting" => ("Assisting", "协办单位"),
        "clocks" => ("Clocks", "期限"),
        "kind" => ("Kind", "类别"),
        "unit" => ("Unit", "单位"),
        "started" => ("Started", "起算日"),
        "due" => ("Due", "到期日"),
        "status" => ("Status", "情况"),
        "overdue" => ("OVERDUE", "已超期"),
        "met" => ("met", "按期"),
        "missed" => ("late", "超期"),
        "running" => ("running", "计时中"),
        "lapsed" => ("lapsed", "已届满"),
        "used" => ("used", "已行使"),
        "supervisions" => ("Supervisions", "督办"),
        "level" => ("Level", "级别"),
        "ground" => ("Ground", "事由"),
        "by" => ("By", "督办单位"),
        "respond_by" => ("Respond by", "反馈期限"),
        "answered" => ("answered", "已反馈"),
        "open" => ("open", "待反馈"),
        "timeline" => ("Timeline", "办理经过"),
        "time" => ("Time", "时间"),
        "event" => ("Event", "事项"),
        "actor" => ("Actor", "经办人"),
        "detail" => ("Detail", "内容"),
        "outcome" => ("Outcome", "处理意见"),
        "extension" => ("Extension", "延期"),
        "days" => ("days", "日"),
        "evaluations" => ("Evaluations", "评价"),
        "collective" => ("collective visit", "集体访"),
        "skip_level" => ("skip-level", "越级"),
        "repeat_of" => ("repeat of", "重复件，原件"),
        "litigation" => ("litigation", "涉法涉诉"),
        "accused_unit" => ("accusation against", "被反映单位"),
        "major" => ("major", "重大紧急"),
        "merged_into" => ("merged into", "已并入"),
        "none" => ("none", "无"),
        "cases" => ("cases", "件"),
        "queue_of" => ("Work queue of", "待办事项："),
        "overdue_list" => ("Overdue work", "超期事项"),
        "nothing" => ("Nothing here.", "暂无事项。"),
        "why" => ("Why", "事由"),
        "code" => ("Code", "代码"),
        "name" => ("Name", "名称"),
        "parent" => ("Parent", "上级"),
        "role" => ("Role", "角色"),
        "key" => ("Key", "参数"),
        "value" => ("Value", "取值"),
        "default" => ("Default", "默认值"),
        "source" => ("Source", "依据"),
        "date" => ("Date", "日期"),
        "verify_ok" => ("audit chain intact", "审计链完整"),
        "verify_broken" => ("audit chain BROKEN at entry", "审计链在以下条目处断裂："),
        "entries" => ("entries", "条"),
        "backup_done" => ("backup written to", "已备份至"),
        "init_done" => ("database created at", "已创建数据库："),
        "admin" => ("admin", "管理员"),
        "added" => ("added", "已添加"),
        "deactivated" => ("deactivated", "已停用"),
        "moved" => ("moved:", "已调动："),
        "renamed" => ("renamed:", "已更名："),
        "staff_deactivated" => ("deactivated, tokens revoked:", "已停用并吊销令牌："),
        "tokens_revoked" => ("tokens revoked:", "已吊销全部令牌："),
        "token_for" => ("token for", "令牌，工作人员"),
        "expires" => ("expires", "有效期至"),
        "token_once" => ("This token is shown once and cannot be shown again: give it to the staff member now (PETITION_TOKEN on their desk).", "令牌只显示这一次，无法再次查看：请立即交给该工作人员（在其电脑上设置 PETITION_TOKEN）。"),
        "set" => ("set", "已设置"),
        "imported" => ("imported", "已导入"),
        "demo_db" => ("Demo database", "演示数据库"),
        "demo_generated" => ("generated cases", "已生成信访件"),
        "demo_queue" => (
            "Queue of the county housing bureau (cty-a-zjj)",
            "县住建局待办（cty-a-zjj）",
        ),
        "demo_timeline" => ("Timeline of a re-reviewed case", "复核终结件办理经过"),
        "demo_next" => ("Try next", "接下来可以试试"),
        "tick_summary" => ("tick", "定时处理"),
        "events" => ("events", "条记录"),
        "closed" => ("closed", "件办结"),
        "opened" => ("supervisions opened", "件督办"),
        "escalated" => ("escalated", "件升级"),
        "evaluations_lapsed" => ("evaluations lapsed", "件超期未评价"),
        "public_status" => ("Public status", "办理进度"),
        "windows" => ("Open windows", "可申请期限"),
        _ => return "?",
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// The label of an enum value given its snake_case name.
pub fn enum_label(lang: Lang, name: &str) -> String {
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
        "evaluation_lapsed" => "超期未评价",
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
        other => enum_label(lang, other),
    }
}
