//! The pages' templates and the views that fill them: the frame every page shares, the form,
//! the status look-up's answer and the month's figures.

use askama::Template;
use petition_core::case::Satisfaction;
use petition_core::public::{self, NextAction, PublicKpi, PublicStatus};
use petition_core::Lang;

use super::*;

/// What every page shows around its content.
pub(super) struct Page {
    lang_attr: &'static str,
    title: String,
    site: &'static str,
    skip: &'static str,
    nav: &'static str,
    nav_status: &'static str,
    nav_kpi: &'static str,
    status_href: &'static str,
    kpi_href: &'static str,
    switch_href: String,
    switch_label: &'static str,
    switch_lang: &'static str,
    footer: &'static str,
    current: &'static str,
}

impl Page {
    /// The frame of a page; `switch_query` is the query of the same page in the other language
    /// (without `lang`).
    pub(super) fn new(
        lang: Lang,
        title: String,
        current: &'static str,
        path: &str,
        switch_query: &str,
    ) -> Self {
        let en = lang == Lang::En;
        let sep = if switch_query.is_empty() { "" } else { "&" };
        let switch_href = if en {
            if switch_query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{switch_query}")
            }
        } else {
            format!("{path}?{switch_query}{sep}lang=en")
        };
        Self {
            lang_attr: if en { "en" } else { "zh-CN" },
            title,
            site: tr(lang, "site"),
            skip: tr(lang, "skip"),
            nav: tr(lang, "nav"),
            nav_status: tr(lang, "nav_status"),
            nav_kpi: tr(lang, "nav_kpi"),
            status_href: if en { "/status?lang=en" } else { "/status" },
            kpi_href: if en { "/kpi?lang=en" } else { "/kpi" },
            switch_href,
            switch_label: tr(lang, "switch"),
            switch_lang: if en { "zh-CN" } else { "en" },
            footer: tr(lang, "footer"),
            current,
        }
    }
}

#[derive(Template)]
#[template(path = "status_form.html")]
pub(super) struct FormPage {
    page: Page,
    pub(super) error: Option<String>,
    english: bool,
    intro: &'static str,
    case_label: &'static str,
    case_hint: &'static str,
    code_label: &'static str,
    code_hint: &'static str,
    lookup: &'static str,
}

impl FormPage {
    pub(super) fn new(lang: Lang, error: Option<String>) -> Self {
        Self {
            page: Page::new(
                lang,
                tr(lang, "status_title").into(),
                "status",
                "/status",
                "",
            ),
            error,
            english: lang == Lang::En,
            intro: tr(lang, "status_intro"),
            case_label: tr(lang, "case_label"),
            case_hint: tr(lang, "case_hint"),
            code_label: tr(lang, "code_label"),
            code_hint: tr(lang, "code_hint"),
            lookup: tr(lang, "lookup"),
        }
    }
}

pub(super) struct DueRow {
    text: String,
    overdue: bool,
}

pub(super) struct AnswerRow {
    title: &'static str,
    meta: String,
    text: String,
}

pub(super) struct StepRow {
    date: String,
    step: String,
    unit: String,
}

pub(super) struct Choice {
    value: &'static str,
    label: String,
}

pub(super) struct RateForm {
    heading: &'static str,
    case: String,
    code: String,
    handling_legend: &'static str,
    handling: Vec<Choice>,
    office_legend: &'static str,
    office: Vec<Choice>,
    submit: &'static str,
}

#[derive(Template)]
#[template(path = "status.html")]
pub(super) struct StatusPage {
    page: Page,
    english: bool,
    heading: String,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    state_line: String,
    registered: Option<String>,
    due_h: &'static str,
    due: Vec<DueRow>,
    overdue: &'static str,
    answers_h: &'static str,
    answers: Vec<AnswerRow>,
    next_h: &'static str,
    next: Vec<String>,
    nothing_next: &'static str,
    rate: Option<RateForm>,
    steps_h: &'static str,
    steps: Vec<StepRow>,
    col_date: &'static str,
    col_step: &'static str,
    col_unit: &'static str,
    back: &'static str,
    back_href: &'static str,
}

/// `{}` in a text, filled in order.
pub(super) fn fill(text: &str, values: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = text;
    for v in values {
        match rest.split_once("{}") {
            Some((a, b)) => {
                out.push_str(a);
                out.push_str(v);
                rest = b;
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

impl StatusPage {
    /// The page of a case; `case` and `code` are the canonical id and code, for the rating
    /// form's hidden fields (the page never shows the code).
    pub(super) fn new(lang: Lang, p: &PublicStatus, code: &str) -> Self {
        let unit_or = |u: &Option<String>| u.clone().unwrap_or_default();
        let holder = unit_or(&p.holder);
        let state_key = format!("state_{}", p.state.as_str());
        let merged = p
            .merged_into
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default();
        let state_line = match p.state.as_str() {
            "merged" => fill(tr(lang, &state_key), &[&merged]),
            _ => fill(tr(lang, &state_key), &[&holder]),
        };
        let due = p
            .due
            .iter()
            .map(|d| DueRow {
                text: fill(
                    tr(lang, &format!("due_{}", d.kind.as_str())),
                    &[&unit_or(&d.unit), &d.due.to_string()],
                ),
                overdue: d.overdue,
            })
            .collect();
        let answers = p
            .answers
            .iter()
            .map(|a| AnswerRow {
                title: tr(lang, &format!("tier_{}", a.tier)),
                meta: format!(
                    "{} · {} · {}：{}",
                    a.on,
                    unit_or(&a.unit),
                    tr(lang, "outcome"),
                    field_label(lang, "outcome", a.outcome)
                )
                .replace('：', if lang == Lang::En { ": " } else { "：" }),
                text: a.text.clone(),
            })
            .collect();
        let next = p
            .next
            .iter()
            .map(|n| {
                let key = match n.action {
                    NextAction::RequestReview => "next_request_review",
                    NextAction::RequestRereview => "next_request_rereview",
                    NextAction::Rate => "next_rate",
                };
                fill(tr(lang, key), &[&n.until.to_string()])
            })
            .collect();
        let steps = p
            .steps
            .iter()
            .map(|s| {
                let mut step = tr(lang, &format!("step_{}", s.what)).to_string();
                if let Some(d) = s.detail {
                    step = format!("{step}（{}）", field_label(lang, "detail", d));
                    if lang == Lang::En {
                        step = step.replace('（', " (").replace('）', ")");
                    }
                }
                let unit = match (&s.unit, &s.to) {
                    (Some(u), Some(t)) => format!("{u} → {t}"),
                    (Some(u), None) => u.clone(),
                    (None, Some(t)) => format!("→ {t}"),
                    (None, None) => String::new(),
                };
                StepRow {
                    date: s.on.to_string(),
                    step,
                    unit,
                }
            })
            .collect();
        let choices = |with_none: bool| {
            let mut v: Vec<Choice> = Satisfaction::ALL
                .iter()
                .map(|s| Choice {
                    value: s.as_str(),
                    label: s.label(lang).to_string(),
                })
                .collect();
            if with_none {
                v.push(Choice {
                    value: "none",
                    label: tr(lang, "no_rating").into(),
                });
            }
            v
        };
        let rate = p.may_rate().then(|| RateForm {
            heading: tr(lang, "rate_h"),
            case: p.id.to_string(),
            code: code.to_string(),
            handling_legend: tr(lang, "rate_handling"),
            handling: choices(false),
            office_legend: tr(lang, "rate_office"),
            office: choices(true),
            submit: tr(lang, "rate_submit"),
        });
        let heading = match lang {
            Lang::En => format!("{} {}", tr(lang, "progress_of"), p.id),
            Lang::Zh => format!("{}{}", tr(lang, "progress_of"), p.id),
        };
        Self {
            page: Page::new(lang, heading.clone(), "status", "/status", ""),
            english: lang == Lang::En,
            heading,
            notice: None,
            error: None,
            state_line,
            registered: p
                .registered_on
                .map(|d| format!("{}：{d}", tr(lang, "registered_on")))
                .map(|s| {
                    if lang == Lang::En {
                        s.replace('：', ": ")
                    } else {
                        s
                    }
                }),
            due_h: tr(lang, "due_h"),
            due,
            overdue: tr(lang, "overdue"),
            answers_h: tr(lang, "answers_h"),
            answers,
            next_h: tr(lang, "next_h"),
            next,
            nothing_next: tr(lang, "nothing_next"),
            rate,
            steps_h: tr(lang, "steps_h"),
            steps,
            col_date: tr(lang, "col_date"),
            col_step: tr(lang, "col_step"),
            col_unit: tr(lang, "col_unit"),
            back: tr(lang, "back"),
            back_href: if lang == Lang::En {
                "/status?lang=en"
            } else {
                "/status"
            },
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct MessagePage {
    pub(super) page: Page,
    pub(super) message: String,
    pub(super) back: &'static str,
    pub(super) back_href: &'static str,
}

pub(super) struct TrendRow {
    month: String,
    on_time: String,
    satisfaction: String,
}

pub(super) struct RankRow {
    place: usize,
    name: String,
    on_time: String,
    satisfaction: String,
}

pub(super) struct UnitRow {
    name: String,
    registered: u64,
    timely: String,
    on_time: String,
    participation: String,
    evaluations: u64,
    satisfaction: String,
}

#[derive(Template)]
#[template(path = "kpi.html")]
pub(super) struct KpiPage {
    page: Page,
    english: bool,
    heading: String,
    pub(super) error: Option<String>,
    month: String,
    month_label: &'static str,
    show: &'static str,
    intro: String,
    no_figures: &'static str,
    on_time_h: &'static str,
    on_time_chart: String,
    on_time_without: Option<String>,
    satisfaction_without: Option<String>,
    on_time_bars_empty: bool,
    satisfaction_bars_empty: bool,
    satisfaction_h: &'static str,
    satisfaction_chart: String,
    trend_h: &'static str,
    trend_chart: String,
    table_view: &'static str,
    trend: Vec<TrendRow>,
    ranking_h: &'static str,
    ranking: Vec<RankRow>,
    units_h: &'static str,
    units: Vec<UnitRow>,
    col_unit: &'static str,
    col_month: &'static str,
    col_registered: &'static str,
    col_timely: &'static str,
    col_on_time: &'static str,
    col_participation: &'static str,
    col_evaluations: &'static str,
    col_satisfaction: &'static str,
}

pub(super) fn rate_text(v: Option<f64>) -> String {
    v.map(chart::pct).unwrap_or_else(|| "—".into())
}

impl KpiPage {
    pub(super) fn new(lang: Lang, k: &PublicKpi, error: Option<String>) -> Self {
        let few = tr(lang, "few_ratings");
        let satisfaction = |u: &public::UnitFigures| match u.satisfaction_rate {
            Some(v) => chart::pct(v),
            None if u.evaluations < public::MIN_EVALUATIONS_SHOWN => few.to_string(),
            None => "—".into(),
        };
        // Bars for the units with a figure; the others are named once below the chart.
        let bars_of = |f: fn(&public::UnitFigures) -> Option<f64>| {
            k.units
                .iter()
                .filter_map(|u| {
                    f(u).map(|v| chart::Bar {
                        label: u.name.clone(),
                        value: Some(v),
                        missing: String::new(),
                    })
                })
                .collect::<Vec<_>>()
        };
        let without = |f: fn(&public::UnitFigures) -> Option<f64>, why: &str| {
            let names: Vec<&str> = k
                .units
                .iter()
                .filter(|u| f(u).is_none())
                .map(|u| u.name.as_str())
                .collect();
            (!names.is_empty()).then(|| {
                let sep = if lang == Lang::En { ", " } else { "、" };
                let colon = if lang == Lang::En { ": " } else { "：" };
                format!("{why}{colon}{}", names.join(sep))
            })
        };
        let on_time_bars = bars_of(|u| u.on_time_completion_rate);
        let satisfaction_bars = bars_of(|u| u.satisfaction_rate);
        let on_time_without = without(|u| u.on_time_completion_rate, tr(lang, "no_figure"));
        let satisfaction_without = without(|u| u.satisfaction_rate, tr(lang, "few_ratings_list"));
        let describe = |f: &dyn Fn(&public::UnitFigures) -> String| {
            k.units
                .iter()
                .map(|u| format!("{} {}", u.name, f(u)))
                .collect::<Vec<_>>()
                .join(if lang == Lang::En { "; " } else { "；" })
        };
        let on_time_h = tr(lang, "on_time_h");
        let satisfaction_h = tr(lang, "satisfaction_h");
        let trend_h = tr(lang, "trend_h");
        let on_time_name = tr(lang, "col_on_time");
        let satisfaction_name = tr(lang, "col_satisfaction");
        let points: Vec<chart::Point> = k
            .trend
            .iter()
            .map(|t| chart::Point {
                label: t
                    .month
                    .get(5..)
                    .unwrap_or("")
                    .trim_start_matches('0')
                    .to_string(),
                first: t.on_time_completion_rate,
                second: t.satisfaction_rate,
            })
            .collect();
        let trend_desc = k
            .trend
            .iter()
            .map(|t| {
                format!(
                    "{} {} {} {} {}",
                    t.month,
                    on_time_name,
                    rate_text(t.on_time_completion_rate),
                    satisfaction_name,
                    rate_text(t.satisfaction_rate)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let heading = match lang {
            Lang::En => format!("{} — {}", tr(lang, "kpi_title"), k.month),
            Lang::Zh => format!("{}（{}）", tr(lang, "kpi_title"), k.month),
        };
        Self {
            page: Page::new(
                lang,
                heading.clone(),
                "kpi",
                "/kpi",
                &format!("month={}", k.month),
            ),
            english: lang == Lang::En,
            heading,
            error,
            month: k.month.clone(),
            month_label: tr(lang, "month_label"),
            show: tr(lang, "show"),
            intro: fill(tr(lang, "kpi_intro"), &[&k.month]),
            no_figures: tr(lang, "no_figures"),
            on_time_h,
            on_time_without,
            satisfaction_without,
            on_time_bars_empty: on_time_bars.is_empty(),
            satisfaction_bars_empty: satisfaction_bars.is_empty(),
            on_time_chart: chart::bars(
                "on-time",
                on_time_h,
                &describe(&|u| rate_text(u.on_time_completion_rate)),
                &on_time_bars,
            ),
            satisfaction_h,
            satisfaction_chart: chart::bars(
                "satisfaction",
                satisfaction_h,
                &describe(&satisfaction),
                &satisfaction_bars,
            ),
            trend_h,
            trend_chart: chart::trend(
                "trend",
                trend_h,
                &trend_desc,
                (on_time_name, satisfaction_name),
                &points,
            ),
            table_view: tr(lang, "table_view"),
            trend: k
                .trend
                .iter()
                .map(|t| TrendRow {
                    month: t.month.clone(),
                    on_time: rate_text(t.on_time_completion_rate),
                    satisfaction: rate_text(t.satisfaction_rate),
                })
                .collect(),
            ranking_h: tr(lang, "ranking_h"),
            ranking: k
                .ranking
                .iter()
                .enumerate()
                .map(|(i, u)| RankRow {
                    // Equal figures share a place (1, 1, 3).
                    place: 1 + k.ranking[..i]
                        .iter()
                        .take_while(|x| x.on_time_completion_rate != u.on_time_completion_rate)
                        .count(),
                    name: u.name.clone(),
                    on_time: rate_text(u.on_time_completion_rate),
                    satisfaction: satisfaction(u),
                })
                .collect(),
            units_h: tr(lang, "units_h"),
            units: k
                .units
                .iter()
                .map(|u| UnitRow {
                    name: u.name.clone(),
                    registered: u.registered,
                    timely: rate_text(u.timely_acceptance_rate),
                    on_time: rate_text(u.on_time_completion_rate),
                    participation: rate_text(u.participation_rate),
                    evaluations: u.evaluations,
                    satisfaction: satisfaction(u),
                })
                .collect(),
            col_unit: tr(lang, "col_unit"),
            col_month: tr(lang, "col_month"),
            col_registered: tr(lang, "col_registered"),
            col_timely: tr(lang, "col_timely"),
            col_on_time: tr(lang, "col_on_time"),
            col_participation: tr(lang, "col_participation"),
            col_evaluations: tr(lang, "col_evaluations"),
            col_satisfaction: tr(lang, "col_satisfaction"),
        }
    }
}
