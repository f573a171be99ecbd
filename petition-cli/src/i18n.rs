//! Every label the command prints, in English and Chinese, from one table. Error messages come
//! from the library's typed errors (`DomainError::text`); enum names (states, clocks, grounds) from [`field_label`].

use petition_core::Lang;

/// A label by key. Unknown keys fall back to the key itself, so a missing entry is visible.
/// What to do next, by error code: the library says what happened, the command line says which
/// command to run.
pub fn hint(lang: Lang, code: petition_core::ErrorCode) -> Option<&'static str> {
    use petition_core::ErrorCode as C;
    let (en, zh) = match code {
        C::NotFound => (
            "check the id (`petition list`, `petition unit list`, `petition staff list`) and the --db path",
            "请核对编号（`petition list`、`petition unit list`、`petition staff list`）和 --db 路径",
        ),
        C::InvalidTransition => (
            "see `petition show CASE --timeline` for where the case stands",
            "请用 `petition show 编号 --timeline` 查看该件进展",
        ),
        C::ClockSkew => (
            "check --now (PETITION_NOW) and the system clock",
            "请检查 --now（PETITION_NOW）和系统时钟",
        ),
        C::AssistPending => (
            "or give --without-assist REASON",
            "或用 --without-assist 说明理由",
        ),
        C::SkipLevel => (
            "`petition transfer`/`assign` it down, or `petition decline --ground skip_level`",
            "请用 `petition transfer`/`assign` 下转，或 `petition decline --ground skip_level`",
        ),
        C::Litigation => (
            "`petition transfer` it to a legal organ, or `petition decline --ground litigation`",
            "请用 `petition transfer` 转至政法机关，或 `petition decline --ground litigation`",
        ),
        C::Conflict => (
            "run the command again; PETITION_BUSY_TIMEOUT_MS sets how long to wait for a lock",
            "请重新执行；PETITION_BUSY_TIMEOUT_MS 可设置等待锁的时间",
        ),
        C::Unauthenticated => (
            "give it with --token or PETITION_TOKEN; an admin issues one with `petition staff token ID`",
            "请用 --token 或 PETITION_TOKEN 提供；管理员用 `petition staff token 编号` 签发",
        ),
        C::Integrity => (
            "restore from a backup (`petition backup`) and run `petition verify`",
            "请从备份恢复并执行 `petition verify`",
        ),
        // What the message says is all there is to say.
        C::Usage
        | C::PermissionDenied
        | C::Validation
        | C::WindowLapsed
        | C::ExtensionLimit
        | C::Confidentiality
        | C::Io
        | C::Internal => return None,
    };
    Some(match lang {
        Lang::En => en,
        Lang::Zh => zh,
    })
}

/// What to do next, by error code, in an API answer's terms (an API message never names a
/// command or option of the command line).
pub fn api_hint(lang: Lang, code: petition_core::ErrorCode) -> Option<&'static str> {
    use petition_core::ErrorCode as C;
    let (en, zh) = match code {
        C::NotFound => (
            "check the id; a case this token may not read is reported as unknown",
            "请核对编号；本令牌无权查阅的信访件一律答复为不存在",
        ),
        C::InvalidTransition => (
            "read the case (GET /api/v1/cases/{id}) for where it stands",
            "请读取该件（GET /api/v1/cases/{id}）查看进展",
        ),
        C::ClockSkew => (
            "check X-Petition-Now and the server's clock",
            "请检查 X-Petition-Now 和服务器时钟",
        ),
        C::AssistPending => (
            "or give without_assist with a reason",
            "或在 without_assist 中说明理由",
        ),
        C::SkipLevel => (
            "transfer or assign it down, or decline it with ground skip_level",
            "请转送或交办至下级，或以 skip_level 为由不予受理",
        ),
        C::Litigation => (
            "transfer it to a legal organ, or decline it with ground litigation",
            "请转至政法机关，或以 litigation 为由不予受理",
        ),
        C::Conflict => (
            "send the request again, with the same Idempotency-Key",
            "请用同一个 Idempotency-Key 重新发送请求",
        ),
        C::Unauthenticated => (
            "send Authorization: Bearer TOKEN with a token the office's admin issued",
            "请在 Authorization: Bearer 中提供管理员签发的令牌",
        ),
        C::Integrity => (
            "tell the office's IT staff, with the X-Request-Id",
            "请告知信息技术人员，并提供 X-Request-Id",
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
        "officer" => ("Officer", "承办人"),
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
        "receipt" => ("Receipt", "登记回执"),
        "query_code_once" => (
            "shown this once: hand it to the petitioner with the receipt",
            "仅此一次显示：请连同回执交给信访人",
        ),
        "assisting" => ("Assisting", "协办单位"),
        "clocks" => ("Clocks", "期限"),
        "kind" => ("Kind", "类别"),
        "unit" => ("Unit", "单位"),
        "started" => ("Started", "起算日"),
        "needs_us" => ("Needs us", "待办"),
        "from_service" => (" (counted from service on {})", "（自送达起算：{}）"),
        "from_issue" => (" (from issue; service not recorded)", "（自出具日起算，未登记送达）"),
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
        "ended_with_case" => ("ended with the case", "随案件终结"),
        "open" => ("open", "待反馈"),
        "timeline" => ("Timeline", "办理经过"),
        "time" => ("Time", "时间"),
        "event" => ("Event", "事项"),
        "actor" => ("Actor", "经办人"),
        "detail" => ("Detail", "内容"),
        "outcome" => ("Outcome", "处理意见"),
        "extension" => ("Extension", "延期"),
        "extension_request" => ("Extension asked", "延期申请"),
        "attachments" => ("Files", "附件"),
        "days" => ("days", "日"),
        "evaluations" => ("Evaluations", "评价"),
        "collective" => ("collective visit", "集体访"),
        "skip_level" => ("skip-level", "越级"),
        "repeat_of" => ("repeat of", "重复件，原件"),
        "litigation" => ("litigation", "涉法涉诉"),
        "accused_unit" => ("accusation against", "被反映单位"),
        "external_ref" => ("external reference", "外部编号"),
        "major" => ("major", "重大紧急"),
        "merged_into" => ("merged into", "已并入"),
        "none" => ("none", "无"),
        "cases" => ("cases", "件"),
        "case_one" => ("case", "件"),
        "queue_of" => ("Work queue of", "待办事项："),
        "overdue_list" => ("Overdue work", "超期事项"),
        "nothing" => ("Nothing here.", "暂无事项。"),
        "shown_all" => ("{total} {cases}", "共 {total} 件"),
        "shown_of" => ("{n} shown of {total} {cases}", "共 {total} 件，显示 {n} 件"),
        "next_page" => (" (more: --after {next})", "（更多：--after {next}）"),
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

/// The label of a value the library names in a JSON document, by the field it stands in: each
/// field holds one vocabulary (or two whose names differ), whose own table gives the label. A
/// name no vocabulary knows is shown as it is (in words in English).
pub fn field_label(lang: Lang, field: &str, name: &str) -> String {
    use petition_core::case::*;
    use petition_core::clock::{ClockKind, DayKind};
    use petition_core::org::{Level, Role, UnitKind};
    fn of<V: Vocabulary>(lang: Lang, name: &str) -> Option<&'static str> {
        V::parse(name).map(|v| v.label(lang))
    }
    let found = match field {
        "state" => of::<CaseState>(lang, name),
        "channel" => of::<Channel>(lang, name),
        "purpose" => of::<Purpose>(lang, name),
        "outcome" => of::<Outcome>(lang, name)
            .or_else(|| of::<ReviewOutcome>(lang, name))
            .or_else(|| of::<DeclineGround>(lang, name)),
        "ground" => of::<DeclineGround>(lang, name).or_else(|| of::<SupervisionGround>(lang, name)),
        "level" => of::<SupervisionLevel>(lang, name),
        "reason" => of::<CloseReason>(lang, name),
        // A public step's detail: the ground, outcome, close reason or rating it records.
        "detail" => of::<Outcome>(lang, name)
            .or_else(|| of::<ReviewOutcome>(lang, name))
            .or_else(|| of::<DeclineGround>(lang, name))
            .or_else(|| of::<CloseReason>(lang, name))
            .or_else(|| of::<Satisfaction>(lang, name)),
        "handling" | "office" | "satisfaction" => of::<Satisfaction>(lang, name),
        "clock" | "kind" => of::<ClockKind>(lang, name),
        "field" => of::<AmendField>(lang, name),
        "day" => of::<DayKind>(lang, name),
        "unit_level" => of::<Level>(lang, name),
        "unit_kind" => of::<UnitKind>(lang, name),
        "role" => of::<Role>(lang, name),
        "routing" => of::<Routing>(lang, name),
        "notice" => of::<ServedNotice>(lang, name),
        "need" => of::<petition_core::needs::NeedKind>(lang, name),
        "note_kind" => of::<NoteKind>(lang, name),
        "attachment_kind" => of::<petition_core::case::AttachmentKind>(lang, name),
        "how" => of::<ServiceMethod>(lang, name),
        "action" => of::<petition_core::public::NextAction>(lang, name),
        "type" => EventKind::type_label(name, lang),
        _ => None,
    };
    match (found, lang) {
        (Some(l), _) => l.to_string(),
        (None, Lang::En) => name.replace('_', " "),
        (None, Lang::Zh) => name.to_string(),
    }
}

/// The public pages' text (阳光信访), in both languages.
#[cfg(feature = "serve")]
pub fn page(lang: Lang, key: &str) -> &'static str {
    let (en, zh) = match key {
        "site" => ("Open petitions: progress and figures", "阳光信访：办理进度与工作数据公开"),
        "skip" => ("Skip to content", "跳到正文"),
        "nav" => ("Pages", "页面导航"),
        "nav_status" => ("Check progress", "查询办理进度"),
        "nav_kpi" => ("Published figures", "工作数据公开"),
        "switch" => ("中文", "English"),
        "footer" => (
            "These pages run no scripts and keep no personal data. The query code is printed on your receipt and acceptance notice.",
            "本页面不运行脚本，不保存个人信息。查询码印在登记回执和受理告知书上。",
        ),
        "status_title" => ("Check the progress of your petition", "查询信访事项办理进度"),
        "status_intro" => (
            "Enter the case number and the query code printed on your receipt or acceptance notice.",
            "请输入登记回执或受理告知书上的信访事项编号和查询码。",
        ),
        "case_label" => ("Case number", "信访事项编号"),
        "case_hint" => ("For example XF2026-000123", "例如 XF2026-000123"),
        "code_label" => ("Query code", "查询码"),
        "code_hint" => ("8 letters and digits", "8 位字母和数字"),
        "lookup" => ("Check", "查询"),
        "not_found" => (
            "No petition matches that case number and query code. Please check both and try again.",
            "未找到与该编号和查询码相符的信访事项，请核对后重试。",
        ),
        "too_many" => (
            "Too many failed look-ups. Please try again in {} minutes.",
            "查询失败次数过多，请 {} 分钟后再试。",
        ),
        "progress_of" => ("Progress of case", "办理进度："),
        "registered_on" => ("Registered on", "登记日期"),
        "due_h" => ("Time limits", "办理期限"),
        "answers_h" => ("Written answers", "答复意见"),
        "steps_h" => ("Steps so far", "办理经过"),
        "next_h" => ("What you may do", "您可以"),
        "nothing_next" => ("There is nothing you need to do now.", "目前无需您办理任何事项。"),
        "col_date" => ("Date", "日期"),
        "col_step" => ("Step", "事项"),
        "col_unit" => ("Unit", "单位"),
        "overdue" => ("overdue", "已超期"),
        "by" => ("by", "期限"),
        "outcome" => ("Outcome", "结果"),
        "rate_h" => ("Rate the answer", "满意度评价"),
        "rate_handling" => ("How satisfied are you with how your matter was handled?", "您对处理结果是否满意？"),
        "rate_office" => (
            "How satisfied are you with the petition office's service? (optional)",
            "您对信访工作机构的工作是否满意？（可不选）",
        ),
        "no_rating" => ("No rating", "不评价"),
        "rate_submit" => ("Submit the rating", "提交评价"),
        "rated" => ("Thank you: your rating has been recorded.", "感谢您的评价，已记录。"),
        "kpi_title" => ("Published figures of petition work", "信访工作数据公开"),
        "month_label" => ("Month", "月份"),
        "show" => ("Show", "查看"),
        "kpi_intro" => (
            "Petitions registered in {}, by unit, as handled up to today. A time limit counts once it is met or missed: one still running within its limit is not counted yet.",
            "{} 登记的信访事项，按单位统计，办理情况截至今日。期限届满或已办结的才计入：尚在期限内办理的暂不计入。",
        ),
        "on_time_h" => ("On-time completion by unit", "各单位按期办结率"),
        "satisfaction_h" => ("Satisfaction by unit", "各单位满意率"),
        "trend_h" => ("The last 12 months, all units", "近 12 个月走势（全部单位）"),
        "ranking_h" => (
            "Ranking by on-time completion: best first, worst last",
            "按期办结率排名（通报正反典型）：由高到低",
        ),
        "units_h" => ("Figures by unit", "各单位数据"),
        "few_ratings" => ("fewer than 5 ratings: not published", "评价不足 5 件，不公布"),
        "no_figure" => ("No cases to count", "无可统计事项"),
        "few_ratings_list" => ("Fewer than 5 ratings, not published", "评价不足 5 件，不公布"),
        "no_figures" => ("There are no figures for this month.", "该月没有可公布的数据。"),
        "table_view" => ("The same figures as a table", "以表格查看"),
        "rank" => ("Rank", "名次"),
        "col_registered" => ("Registered", "登记"),
        "col_timely" => ("Timely acceptance", "及时受理率"),
        "col_on_time" => ("On-time completion", "按期办结率"),
        "col_participation" => ("Rated", "参评率"),
        "col_evaluations" => ("Ratings", "评价件数"),
        "col_satisfaction" => ("Satisfaction", "满意率"),
        "col_month" => ("Month", "月份"),
        "bad_month" => ("Give the month as YYYY-MM, for example 2026-03.", "月份格式应为 YYYY-MM，例如 2026-03。"),
        "bad_rating" => ("Choose how satisfied you are with the handling.", "请选择您对处理结果的满意程度。"),
        "not_found_page" => ("There is no page here.", "此处没有页面。"),
        "error_page" => ("Something went wrong on our side. Please try again later.", "系统出现问题，请稍后再试。"),
        "back" => ("Back to the look-up", "返回查询"),
        // Plain words for the states.
        "state_registered" => ("Registered: the receiving office is deciding which unit is responsible.", "已登记：正在确定负责办理的单位。"),
        "state_routed" => ("Sent to {}, which is deciding whether to accept it.", "已转送（交办）至{}，等待受理。"),
        "state_handling" => ("Accepted and being handled by {}.", "已受理，{}正在办理。"),
        "state_opinion_issued" => ("Answered in writing: see the answer below.", "已出具书面处理意见，见下文。"),
        "state_under_review" => ("Under review (复查) by {}.", "{}正在复查。"),
        "state_review_issued" => ("The review opinion has been given: see below.", "已出具复查意见，见下文。"),
        "state_under_rereview" => ("Under re-review (复核) by {}.", "{}正在复核。"),
        "state_declined" => ("Not accepted: see the written notice below.", "不予受理：见下文书面告知。"),
        "state_closed" => ("Concluded (办结).", "已办结。"),
        "state_concluded" => ("Concluded after re-review: the matter is final.", "复核终结：不再受理。"),
        "state_withdrawn" => ("Withdrawn at your request.", "已按您的要求撤回。"),
        "state_merged" => ("Merged into case {}, where the handling continues.", "已并入信访事项 {} 一并办理。"),
        "state_voided" => ("This registration was made in error and has been voided; if you were given another case number, follow that one.", "本登记系误录，已作废；如另有信访事项编号，请以该编号查询。"),
        // Steps.
        "step_registered" => ("Registered", "登记"),
        "step_transferred" => ("Sent on (转送)", "转送"),
        "step_assigned" => ("Assigned (交办)", "交办"),
        "step_accepted" => ("Accepted", "受理"),
        "step_declined" => ("Not accepted", "不予受理"),
        "step_extended" => ("Time limit extended", "延期办理"),
        "step_opinion_issued" => ("Written answer", "出具处理意见"),
        "step_review_requested" => ("Review requested", "申请复查"),
        "step_review_issued" => ("Review opinion", "出具复查意见"),
        "step_rereview_requested" => ("Re-review requested", "申请复核"),
        "step_hearing_held" => ("Hearing held", "举行听证"),
        "step_rereview_issued" => ("Re-review opinion", "出具复核意见"),
        "step_closed" => ("Concluded", "办结"),
        "step_evaluated" => ("Rated", "评价"),
        "step_withdrawn" => ("Withdrawn", "撤回"),
        "step_merged" => ("Merged into another case", "并入其他事项"),
        "step_served" => ("You received the written notice (service recorded)", "已登记送达书面文书"),
        "step_voided" => ("Registration voided (made in error)", "登记作废（误录）"),
        "step_absorbed" => ("Another case merged into this one", "合并其他事项"),
        // Due dates.
        "due_intake" => ("{} decides where the matter goes by {}", "{}应于 {} 前作出处理（转送、交办或受理）"),
        "due_acceptance" => ("{} decides whether to accept by {}", "{}应于 {} 前决定是否受理"),
        "due_handling" => ("{} answers in writing by {}", "{}应于 {} 前出具书面处理意见"),
        "due_review" => ("{} gives the review opinion by {}", "{}应于 {} 前出具复查意见"),
        "due_rereview" => ("{} gives the re-review opinion by {}", "{}应于 {} 前出具复核意见"),
        // Answers.
        "tier_declined" => ("Notice of non-acceptance", "不予受理告知"),
        "tier_opinion" => ("Written answer (处理意见)", "处理意见"),
        "tier_review" => ("Review opinion (复查意见)", "复查意见"),
        "tier_rereview" => ("Re-review opinion (复核意见)", "复核意见"),
        // What comes next.
        "next_request_review" => (
            "If you disagree with the answer, you may ask the administrative body one tier above the unit that answered to review it (复查), in writing, until {}.",
            "如对处理意见不服，可于 {} 前（含当日）向原办理单位的上一级行政机关书面请求复查。",
        ),
        "next_request_rereview" => (
            "If you disagree with the review opinion, you may ask the body one tier above the reviewer to re-review it (复核), in writing, until {}.",
            "如对复查意见不服，可于 {} 前（含当日）向复查机关的上一级行政机关书面请求复核。",
        ),
        "next_rate" => ("You may rate the answer below until {}.", "您可于 {} 前（含当日）在下方对答复进行评价。"),
        _ => ("?", "?"),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}
