//! 文书: the written notices a clerk prints — 登记回执, 受理告知书, 不予受理告知书, 延期告知书, 处理意见书,
//! 复查意见书, 复核意见书, 转送单/交办单, 督办单 — rendered from a case's data as plain text or as a
//! simple printable HTML page, Chinese by default.

use chrono::{DateTime, FixedOffset};

use crate::case::{Case, Event, EventKind};
use crate::error::{DomainError, Lang, Refusal, Result};
use crate::org::Org;
use crate::view::{mask_name, Privacy};

/// The event a notice of `kind` is numbered by (文号: its place among the year's events of that
/// type), given the case's events; `None` for a receipt (not numbered) or a notice the case
/// does not have. `supervision` picks a supervision as [`render`] does.
pub fn numbered_event<'e>(
    kind: &str,
    events: &'e [Event],
    supervision: Option<u32>,
) -> Option<&'e Event> {
    events.iter().rev().find(|e| match (kind, &e.kind) {
        ("acceptance", EventKind::Accepted { .. })
        | ("decline", EventKind::Declined { .. })
        | ("extension", EventKind::Extended { .. })
        | ("opinion", EventKind::OpinionIssued { .. })
        | ("review", EventKind::ReviewIssued { .. })
        | ("rereview", EventKind::RereviewIssued { .. })
        | ("routing", EventKind::Transferred { .. } | EventKind::Assigned { .. }) => true,
        ("supervision", EventKind::SupervisionOpened { supervision: s, .. }) => {
            supervision.is_none_or(|n| s.id == n)
        }
        _ => false,
    })
}

/// The kinds of notice.
pub const KINDS: [&str; 9] = [
    "receipt",
    "acceptance",
    "decline",
    "extension",
    "opinion",
    "review",
    "rereview",
    "routing",
    "supervision",
];

/// A rendered notice: a title and paragraphs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Title, e.g. 受理告知书.
    pub title: String,
    /// 文号, e.g. 甲信复〔2026〕12号 (when the office numbers its notices).
    pub number: Option<String>,
    /// Paragraphs.
    pub paragraphs: Vec<String>,
}

fn date(t: DateTime<FixedOffset>, lang: Lang) -> String {
    match lang {
        Lang::Zh => t.format("%Y年%m月%d日").to_string(),
        Lang::En => t.format("%Y-%m-%d").to_string(),
    }
}

fn day(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%m月%d日").to_string(),
        Lang::En => d.to_string(),
    }
}

fn missing(what_en: &str, what_zh: &str) -> DomainError {
    DomainError::from(Refusal::transition(
        &format!("this case has no {what_en} to put in a notice yet"),
        &format!("该件尚无{what_zh}，无法出具此文书"),
    ))
}

/// Renders a notice of `kind` for a case. `supervision` picks a supervision (default: the latest).
/// A receipt names the query code only when `code` gives it — at registration or after a reset,
/// to the unit that deals with the petitioner (the database keeps only its hash); otherwise it
/// refers to the code handed over at registration.
#[allow(clippy::too_many_arguments)]
pub fn render(
    case: &Case,
    events: &[Event],
    org: &Org,
    policy: &crate::policy::Policy,
    kind: &str,
    lang: Lang,
    privacy: Privacy,
    supervision: Option<u32>,
    code: Option<&crate::ids::QueryCode>,
) -> Result<Notice> {
    let zh = lang == Lang::Zh;
    let t = |en: String, zh_: String| if zh { zh_ } else { en };
    let reg = case
        .registration
        .as_ref()
        .ok_or_else(|| missing("registration", "登记信息"))?;
    let name_of = |u: &crate::ids::UnitCode| {
        org.unit(u)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| u.to_string())
    };
    let petitioner = reg
        .petitioners
        .iter()
        .map(|p| match privacy {
            Privacy::Full => p.name.clone(),
            Privacy::Masked => mask_name(&p.name),
        })
        .collect::<Vec<_>>()
        .join("、");
    let received = date(reg.received_at, lang);
    let head = t(
        format!(
            "Dear {petitioner}: the matter you raised on {received}, \"{}\" (case {}),",
            reg.summary, case.id
        ),
        format!(
            "{petitioner}：您于{received}反映的“{}”一事（编号 {}）",
            reg.summary, case.id
        ),
    );
    let find = |f: &dyn Fn(&EventKind) -> bool| events.iter().rev().find(|e| f(&e.kind));
    // The seal line (落款): the signing unit, where its seal goes, and the date.
    let footer = |unit: Option<&crate::ids::UnitCode>, at: DateTime<FixedOffset>| {
        let u = unit.map(name_of).unwrap_or_default();
        let seal = t(" (seal)".into(), "（印章）".into());
        format!("{u}{seal}\n{}", date(at, lang))
    };
    // The article a notice cites: the regulation in force when the case was registered, as
    // the office's table gives it.
    let office = &policy.office;
    let policy_days = (policy.review_request_days, policy.rereview_request_days);
    let registered_on = case.registered_at.unwrap_or(reg.received_at).date_naive();
    let cite = |topic: &str| {
        let basis = office.basis(topic, registered_on);
        let words = crate::office::citation(&basis, lang).unwrap_or(basis);
        t(format!(" ({words})"), format!("（{words}）"))
    };
    // The code is a credential (public status, online rating): printed only when given, and
    // then only for the units that deal with the petitioner.
    let code = match (privacy, code) {
        (Privacy::Full, Some(c)) => Some(c.to_string()),
        _ => None,
    };
    let (title, mut paragraphs, signer, at) = match kind {
        // 登记回执: handed to a visitor or posted back (2022 Art 22).
        "receipt" => {
            let fc = case
                .first_contact
                .as_ref()
                .ok_or_else(|| missing("registration", "登记信息"))?;
            let at = case.registered_at.unwrap_or(reg.received_at);
            let intake = case
                .clocks
                .iter()
                .find(|c| c.kind == crate::clock::ClockKind::Intake)
                .map(|c| day(c.due, lang))
                .unwrap_or_default();
            let unit = name_of(&fc.unit);
            (
                t("Registration receipt".into(), "登记回执".into()),
                vec![
                    head.clone()
                        + &t(
                            format!(" was registered by {unit} on {}.", date(at, lang)),
                            format!("，已由{unit}于{}登记。", date(at, lang)),
                        ),
                    t(
                        format!(
                            "By {intake} it will be accepted or passed to the body competent to handle it, and you will be told in writing{}.", cite("intake")
                        ),
                        format!(
                            "我们将在{intake}前依法受理或转送有权处理的机关，并书面告知您{}。", cite("intake")
                        ),
                    ),
                    match &code {
                        Some(code) => t(
                            format!(
                                "Keep this receipt: with the case id {} and the query code {code} you can check the progress at any time.",
                                case.id
                            ),
                            format!(
                                "请妥善保存本回执：凭编号 {} 和查询码 {code} 可随时查询办理进展。",
                                case.id
                            ),
                        ),
                        None => t(
                            format!(
                                "Keep this receipt: with the case id {} and the query code given to you at registration you can check the progress at any time; a lost code is replaced at the registering office.",
                                case.id
                            ),
                            format!(
                                "请妥善保存本回执：凭编号 {} 和登记时告知您的查询码可随时查询办理进展；查询码遗失的，可到登记机关重新获取。",
                                case.id
                            ),
                        ),
                    },
                ],
                Some(fc.unit.clone()),
                at,
            )
        }
        "acceptance" => {
            let e = find(&|k| matches!(k, EventKind::Accepted { .. }))
                .ok_or_else(|| missing("acceptance", "受理记录"))?;
            let due = case
                .clocks
                .iter()
                .find(|c| c.kind == crate::clock::ClockKind::Handling)
                .map(|c| day(c.due, lang))
                .unwrap_or_default();
            (
                t("Notice of acceptance".into(), "受理告知书".into()),
                vec![
                    head.clone()
                        + &t(
                            format!(
                                " has been accepted by {} on {}.",
                                e.unit.as_ref().map(name_of).unwrap_or_default(),
                                date(e.at, lang)
                            ),
                            format!(
                                "，{}已于{}依法受理。",
                                e.unit.as_ref().map(name_of).unwrap_or_default(),
                                date(e.at, lang)
                            ),
                        ),
                    t(
                        format!(
                            "A written answer will be given by {due}{}.",
                            cite("handling")
                        ),
                        format!("我们将在{due}前出具书面处理意见{}。", cite("handling")),
                    ),
                    t(
                        "You may follow the case with its id and the query code given to you at registration.".into(),
                        "您可凭编号和登记时告知您的查询码查询办理进展。".into(),
                    ),
                ],
                e.unit.clone(),
                e.at,
            )
        }
        "decline" => {
            let e = find(&|k| matches!(k, EventKind::Declined { .. }))
                .ok_or_else(|| missing("decline", "不予受理记录"))?;
            let EventKind::Declined { ground, notice } = &e.kind else {
                return Err(missing("decline", "不予受理记录"));
            };
            (
                t("Notice of non-acceptance".into(), "不予受理告知书".into()),
                vec![
                    head.clone()
                        + &t(
                            format!(" is not accepted (ground: {}).", ground.label(lang)),
                            format!("，经审查，决定不予受理（理由：{}）。", ground.label(lang)),
                        ),
                    notice.clone(),
                ],
                e.unit.clone(),
                e.at,
            )
        }
        "extension" => {
            let e = find(&|k| matches!(k, EventKind::Extended { .. }))
                .ok_or_else(|| missing("extension", "延期记录"))?;
            let EventKind::Extended { days, reason, due } = &e.kind else {
                return Err(missing("extension", "延期记录"));
            };
            (
                t("Notice of extension".into(), "延期告知书".into()),
                vec![
                    head.clone()
                        + &t(
                            format!(
                                " needs more time: the limit is extended by {days} days to {}{}.",
                                day(*due, lang),
                                cite("handling")
                            ),
                            format!(
                                "，因情况复杂，经本单位负责人批准，办理期限延长{days}日，至{}{}。",
                                day(*due, lang),
                                cite("handling")
                            ),
                        ),
                    t(format!("Reason: {reason}"), format!("延期理由：{reason}")),
                ],
                e.unit.clone(),
                e.at,
            )
        }
        "opinion" | "review" | "rereview" => {
            let (title, ev) = match kind {
                "opinion" => (
                    t("Written opinion".into(), "信访事项处理意见书".into()),
                    find(&|k| matches!(k, EventKind::OpinionIssued { .. })),
                ),
                "review" => (
                    t("Review opinion".into(), "信访事项复查意见书".into()),
                    find(&|k| matches!(k, EventKind::ReviewIssued { .. })),
                ),
                _ => (
                    t("Re-review opinion".into(), "信访事项复核意见书".into()),
                    find(&|k| matches!(k, EventKind::RereviewIssued { .. })),
                ),
            };
            let e = ev.ok_or_else(|| missing("opinion of this kind", "此类意见"))?;
            let (outcome, text) = match &e.kind {
                EventKind::OpinionIssued { outcome, text, .. } => {
                    (outcome.label(lang), text.clone())
                }
                EventKind::ReviewIssued { outcome, text, .. }
                | EventKind::RereviewIssued { outcome, text, .. } => {
                    (outcome.label(lang), text.clone())
                }
                _ => ("", String::new()),
            };
            let unit_name = e.unit.as_ref().map(name_of).unwrap_or_default();
            // The bodies that would review this answer: the issuing unit's government (parent)
            // and its line superior, by name.
            let reviewers = e
                .unit
                .as_ref()
                .and_then(|u| org.unit(u))
                .map(|u| {
                    u.parent
                        .iter()
                        .chain(u.line_superior.iter())
                        .map(name_of)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let (by_en, by_zh) = match reviewers.as_slice() {
                [] => (
                    "the body above the issuing unit".to_string(),
                    "原办理单位的上一级机关、单位".to_string(),
                ),
                names => (names.join(" or "), names.join("或")),
            };
            let right = match kind {
                "opinion" => t(
                    format!("If you disagree, you may ask {by_en} for a review within {} days of receiving this opinion{}.", policy_days.0, cite("review")),
                    format!("如对本处理意见不服，可以自收到本意见书之日起{}日内向{by_zh}请求复查{}。", policy_days.0, cite("review")),
                ),
                "review" => t(
                    format!("If you disagree, you may ask {by_en} for a re-review within {} days of receiving this opinion{}.", policy_days.1, cite("rereview")),
                    format!("如对本复查意见不服，可以自收到本意见书之日起{}日内向{by_zh}请求复核{}。", policy_days.1, cite("rereview")),
                ),
                _ => t(
                    format!("This re-review opinion concludes the matter: a petition on the same facts and reasons will not be accepted again{}.", cite("rereview")),
                    format!("本复核意见为终结意见，信访人以同一事实和理由提出的信访事项，信访工作机构和有关机关、单位不再受理{}。", cite("rereview")),
                ),
            };
            (
                title,
                vec![
                    head.clone()
                        + &t(
                            format!(
                                " has been examined by {unit_name}, which answers as follows (outcome: {}):",
                                outcome
                            ),
                            format!(
                                "，{unit_name}经调查核实，答复如下（结论：{}）：",
                                outcome
                            ),
                        ),
                    text,
                    right,
                ],
                e.unit.clone(),
                e.at,
            )
        }
        "routing" => {
            let e = find(&|k| {
                matches!(
                    k,
                    EventKind::Transferred { .. } | EventKind::Assigned { .. }
                )
            })
            .ok_or_else(|| missing("routing", "转送或交办记录"))?;
            let (to, report_by, note, assign) = match &e.kind {
                EventKind::Transferred { to, note, .. } => (to, None, note.clone(), false),
                EventKind::Assigned {
                    to,
                    report_by,
                    note,
                    ..
                } => (to, Some(*report_by), note.clone(), true),
                _ => return Err(missing("routing", "转送或交办记录")),
            };
            let title = match (assign, zh) {
                (true, true) => "信访事项交办单".to_string(),
                (false, true) => "信访事项转送单".to_string(),
                (true, false) => "Assignment slip".to_string(),
                (false, false) => "Transfer slip".to_string(),
            };
            let acceptance_due = case
                .clocks
                .iter()
                .rev()
                .find(|c| c.kind == crate::clock::ClockKind::Acceptance && c.unit == *to)
                .map(|c| day(c.due, lang))
                .unwrap_or_default();
            let mut p = vec![
                t(format!("To {}:", name_of(to)), format!("{}：", name_of(to))),
                t(
                    format!("Case {} ({} / {}), received {received} from {petitioner}: \"{}\".", case.id, reg.channel, reg.purpose, reg.summary),
                    format!("现将{petitioner}于{received}反映的“{}”一事（编号 {}）{}你单位，请依法办理。", reg.summary, case.id, if assign { "交由" } else { "转送" }),
                ),
                t(
                    format!("Decide whether to accept by {acceptance_due}; object within {} working days if the matter is outside your remit{}.", policy.objection_working_days, cite("objection")),
                    format!("请于{acceptance_due}前决定是否受理；如认为不属于本单位职责，请在收到之日起{}个工作日内提出异议{}。", policy.objection_working_days, cite("objection")),
                ),
            ];
            if let Some(by) = report_by {
                p.push(t(
                    format!("Report the result by {}.", day(by, lang)),
                    format!("请于{}前报送办结报告。", day(by, lang)),
                ));
            }
            if let Some(n) = note {
                p.push(t(format!("Note: {n}"), format!("附言：{n}")));
            }
            (title, p, e.unit.clone(), e.at)
        }
        "supervision" => {
            let s = match supervision {
                Some(n) => case.supervisions.iter().find(|s| s.id == n),
                None => case.supervisions.last(),
            }
            .ok_or_else(|| missing("supervision", "督办记录"))?;
            let level = if zh {
                s.level.label(Lang::Zh).to_string()
            } else {
                match s.level {
                    crate::case::SupervisionLevel::Reminder => "reminder",
                    crate::case::SupervisionLevel::Supervision => "supervision",
                    crate::case::SupervisionLevel::Notice => "circulated notice",
                    crate::case::SupervisionLevel::Accountability => "accountability proposal",
                }
                .to_string()
            };
            let ground = s.ground.label(lang);
            // An automatic reminder's recorded text is the system's own note: the notice says
            // it in the notice's language from the clock it was opened for.
            let text = match s.for_clock.and_then(|i| case.clocks.get(i as usize)) {
                Some(c) => {
                    let kind = c.kind.label(lang);
                    t(
                        format!(
                            "The {kind} time limit ran out on {}: act on the case and explain the delay.",
                            day(c.due, lang)
                        ),
                        format!(
                            "该件{kind}期限已于{}届满，请抓紧办理并说明超期原因。",
                            day(c.due, lang)
                        ),
                    )
                }
                None => s.text.clone(),
            };
            (
                t(format!("Supervision notice ({level})"), format!("信访事项{level}单")),
                vec![
                    t(format!("To {}:", name_of(&s.unit)), format!("{}：", name_of(&s.unit))),
                    t(
                        format!("Case {} (\"{}\") is under {level} on the ground: {ground}.", case.id, reg.summary),
                        format!("编号 {}（“{}”）现予{level}，事由：{ground}。", case.id, reg.summary),
                    ),
                    text,
                    t(
                        format!("Act on it and report, explaining any delay, by {}{}.", day(s.respond_by, lang), cite("supervision")),
                        format!("请于{}前办理并反馈，超过时限的须说明原因{}。", day(s.respond_by, lang), cite("supervision")),
                    ),
                ],
                Some(s.by.clone()),
                // Dated when it reached its present level (opened, or last escalated).
                events
                    .iter()
                    .rev()
                    .find(|e| {
                        matches!(&e.kind, EventKind::SupervisionEscalated { supervision, .. } if *supervision == s.id)
                    })
                    .map(|e| e.at)
                    .unwrap_or(s.opened_at),
            )
        }
        other => {
            return Err(DomainError::from(Refusal::usage_of(
                "kind",
                &format!("{other:?} is not a notice: use one of {}", KINDS.join(", ")),
                &format!("“{other}”不是文书类别：请使用 {}", KINDS.join("、")),
            )))
        }
    };
    // The answers name the case officer (承办人) the petitioner may ask about them — the one the
    // signing unit has now (a case that moved on has none there).
    if matches!(
        kind,
        "acceptance" | "extension" | "opinion" | "review" | "rereview"
    ) {
        let officer = case.officer.as_ref().and_then(|o| org.staff(o));
        if let Some(o) = officer.filter(|o| o.unit.is_some() && o.unit == signer) {
            paragraphs.push(t(
                format!("Case officer: {}", o.name),
                format!("承办人：{}", o.name),
            ));
        }
    }
    // The petitioner's notices say where to ask: the status page (the receipt) and the office's
    // telephone, when the office set them.
    let to_petitioner = !matches!(kind, "routing" | "supervision");
    if to_petitioner && kind == "receipt" && !office.status_url.is_empty() {
        paragraphs.push(t(
            format!(
                "Check the progress online at {} with the case id and the query code.",
                office.status_url
            ),
            format!("可登录 {} 凭编号和查询码查询办理进展。", office.status_url),
        ));
    }
    if to_petitioner && !office.phone.is_empty() {
        let who = if office.name.is_empty() {
            String::new()
        } else {
            format!("{} ", office.name)
        };
        paragraphs.push(t(
            format!("Enquiries: {who}telephone {}", office.phone),
            format!("咨询电话：{who}{}", office.phone),
        ));
    }
    paragraphs.push(footer(signer.as_ref(), at));
    Ok(Notice {
        title,
        number: None,
        paragraphs,
    })
}

impl Notice {
    /// Plain text.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n\n", self.title);
        if let Some(n) = &self.number {
            s.push_str(&format!("{n}\n\n"));
        }
        for p in &self.paragraphs {
            s.push_str(p);
            s.push_str("\n\n");
        }
        s.trim_end().to_string() + "\n"
    }

    /// A simple printable HTML page.
    pub fn to_html(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut body = String::new();
        let last = self.paragraphs.len().saturating_sub(1);
        for (i, p) in self.paragraphs.iter().enumerate() {
            let class = if i == last { " class=\"sign\"" } else { "" };
            body.push_str(&format!("<p{class}>{}</p>\n", esc(p).replace('\n', "<br>")));
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
             body{{font-family:\"SimSun\",\"Songti SC\",serif;max-width:40em;margin:3em auto;line-height:1.9;font-size:16pt}}\
             h1{{text-align:center;font-size:22pt;letter-spacing:.2em}} p{{text-indent:2em}} p.sign{{text-align:right;text-indent:0}}\
             p.number{{text-align:center;text-indent:0}} @media print{{body{{margin:2cm}}}}</style></head>\n<body>\n<h1>{t}</h1>\n{n}{body}</body></html>\n",
            t = esc(&self.title),
            n = self
                .number
                .as_ref()
                .map(|n| format!("<p class=\"number\">{}</p>\n", esc(n)))
                .unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::{county, registration, staff};

    #[test]
    fn an_automatic_reminder_reads_in_the_notice_language_with_its_ground_in_words() {
        let (mut svc, now) = county();
        let case = svc
            .register_by(&staff("li"), now, registration(now))
            .expect("register");
        let to = crate::example::unit("county-zjj");
        svc.execute_by(
            &staff("li"),
            now,
            &case.id,
            crate::Command::Transfer { to, note: None },
        )
        .expect("transfer");
        let later = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+08:00").expect("time");
        assert_eq!(svc.tick(later).expect("tick").supervisions_opened, 1);
        let (case, events) = svc.load(&case.id).expect("load");
        let org = svc.read(|w| Ok(w.org().clone())).expect("org");
        let notice = |lang| {
            render(
                &case,
                &events,
                &org,
                &crate::policy::Policy::default(),
                "supervision",
                lang,
                Privacy::Full,
                None,
                None,
            )
            .expect("notice")
            .to_text()
        };
        let zh = notice(Lang::Zh);
        assert!(zh.contains("事由：超期"), "{zh}");
        assert!(zh.contains("受理期限已于2026年03月17日届满"), "{zh}");
        for english in ["overdue", "clock", "act and explain"] {
            assert!(!zh.contains(english), "{english} in {zh}");
        }
        let en = notice(Lang::En);
        assert!(en.starts_with("Supervision notice (reminder)"), "{en}");
        assert!(
            en.contains("The acceptance time limit ran out on 2026-03-17"),
            "{en}"
        );
    }

    #[test]
    fn a_receipt_gives_the_id_the_query_code_and_what_happens_by_when() {
        let (mut svc, now) = county();
        let li = crate::example::principal(&mut svc, "li");
        let new = svc.register(&li, now, registration(now)).expect("register");
        let code = new.query_code.clone();
        let (case, events) = svc.load(&new.case.case.id).expect("load");
        let org = svc.read(|w| Ok(w.org().clone())).expect("org");
        let receipt = |lang, privacy, code| {
            render(
                &case,
                &events,
                &org,
                &crate::policy::Policy::default(),
                "receipt",
                lang,
                privacy,
                None,
                code,
            )
            .expect("receipt")
            .to_text()
        };
        let zh = receipt(Lang::Zh, Privacy::Full, Some(&code));
        assert!(zh.starts_with("登记回执\n"), "{zh}");
        for want in [
            case.id.as_str(),
            code.as_str(),
            "2026年03月17日",
            "《信访工作条例》第二十二条",
            "已由",
        ] {
            assert!(zh.contains(want), "{want} in {zh}");
        }
        let en = receipt(Lang::En, Privacy::Full, Some(&code));
        assert!(en.starts_with("Registration receipt\n"), "{en}");
        assert!(
            en.contains("By 2026-03-17 it will be accepted or passed"),
            "{en}"
        );
        // Printed for a masked reader, or later (the database keeps only the code's hash): the
        // receipt refers to the code handed over at registration.
        for (privacy, given) in [(Privacy::Masked, Some(&code)), (Privacy::Full, None)] {
            let later = receipt(Lang::Zh, privacy, given);
            assert!(
                !later.contains(code.as_str()) && later.contains("登记时告知您的查询码"),
                "{later}"
            );
        }
    }

    #[test]
    fn notices_are_numbered_from_the_chain_on_any_store() {
        // The memory store counts by reading the chain (the default a backend without SQL
        // has): the same numbers as SQLite's query gives (tests/desk.rs).
        let (mut svc, now) = county();
        let (li, wang, admin) = (
            crate::example::principal(&mut svc, "li"),
            crate::example::principal(&mut svc, "wang"),
            crate::example::principal(&mut svc, "admin"),
        );
        svc.admin(
            &admin,
            now,
            crate::AdminChange::SetPolicy {
                key: "notice_number_prefix".into(),
                value: "县住建复".into(),
            },
        )
        .expect("prefix");
        let mut ids = Vec::new();
        for _ in 0..2 {
            let id = svc
                .register(&li, now, registration(now))
                .expect("register")
                .case
                .case
                .id;
            let to = crate::example::unit("county-zjj");
            svc.execute(&li, now, &id, crate::Command::Transfer { to, note: None })
                .expect("transfer");
            svc.execute(&wang, now, &id, crate::Command::Accept { assist: vec![] })
                .expect("accept");
            ids.push(id);
        }
        let number = |svc: &mut crate::Service<crate::MemoryStore>, id, kind| {
            let d = svc
                .read(|w| w.notice(&wang, id, kind, Lang::Zh, None, None))
                .expect("notice");
            svc.record(d, now).expect("recorded").number
        };
        assert_eq!(
            number(&mut svc, &ids[1], "acceptance").as_deref(),
            Some("县住建复〔2026〕2号")
        );
        assert_eq!(
            number(&mut svc, &ids[0], "acceptance").as_deref(),
            Some("县住建复〔2026〕1号")
        );
        assert_eq!(number(&mut svc, &ids[0], "receipt"), None);
    }
}
