//! `petition stats`: the figures offices are ranked by, grouped by unit, locality or category.

use chrono::Datelike;
use petition_core::clock::local_date;
use petition_core::stats::{change, totals, GroupBy, Kpi};
use serde_json::{json, Value};

use crate::app::{out, parse_date, App, CliResult, Reply};
use crate::render::table;
use petition_core::{DomainError, Refusal};

/// Report the KPIs (统计) over cases registered in a period, evaluated at --now: registrations
/// (件次) and the persons they speak for (人次), collective and skip-level visits, repeats, timely acceptance, on-time completion, participation,
/// satisfaction and repeat rates, open overdue work and supervisions, ending with the totals row
/// (合计: counts summed, rates worked out from the sums). `--rank` orders units best first and
/// worst last, for the circulated notice (通报正反典型). `--compare previous` adds the change
/// against the period of the same length just before.
///
/// Examples:
///   petition stats --from 2026-03-01 --to 2026-03-31 --rank on_time_completion_rate
///   petition stats --from 2026-04-01 --to 2026-06-30 --compare previous
///   petition stats --from 2026-01-01 --to 2026-06-30 --by channel
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// First registration date (YYYY-MM-DD) [default: the first day of this month]
    #[arg(long)]
    pub from: Option<String>,
    /// Last registration date (YYYY-MM-DD) [default: today]
    #[arg(long)]
    pub to: Option<String>,
    /// Group by unit, locality, category or channel (letter, visit, phone, online…)
    #[arg(long, default_value = "unit", value_parser = ["unit", "locality", "category", "channel"])]
    pub by: String,
    /// Order by this KPI, best first
    #[arg(long, value_parser = crate::app::one_of(&Kpi::ALL, |(_, name)| name))]
    pub rank: Option<String>,
    /// Add the change against the previous period of the same length
    #[arg(long, value_parser = ["previous"])]
    pub compare: Option<String>,
}

fn pct(v: &Value) -> String {
    v.as_f64()
        .map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn total(v: &Value) -> u64 {
    v.as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

pub fn exec(app: &App, a: &Args) -> CliResult<Reply> {
    let mut svc = app.open()?;
    let now = app.read_now(&mut svc)?;
    let today = local_date(now, *now.offset());
    let from = match &a.from {
        Some(d) => parse_date("from", d)?,
        None => today.with_day(1).unwrap_or(today),
    };
    let to = match &a.to {
        Some(d) => parse_date("to", d)?,
        None => today,
    };
    if from > to {
        return Err(DomainError::from(Refusal::field(
            "from",
            "is after to: the period runs from its first day to its last",
            "晚于 to：统计期间应从起始日到截止日",
        ))
        .into());
    }
    let by = match a.by.as_str() {
        "locality" => GroupBy::Locality,
        "category" => GroupBy::Category,
        "channel" => GroupBy::Channel,
        _ => GroupBy::Unit,
    };
    let rank = a.rank.as_deref().and_then(Kpi::parse);
    let groups = svc.stats(from, to, now, by, rank)?;
    let total = totals(&groups);
    let mut rows: Vec<Value> = groups.iter().map(|g| g.json()).collect();
    let mut doc =
        json!({"from": from, "to": to, "by": a.by, "now": now.to_rfc3339(), "rank": a.rank});
    let mut total_json = total.json();
    if a.compare.is_some() {
        // The same number of days just before `from`.
        let days = (to - from).num_days();
        let before_to = from.pred_opt().unwrap_or(from);
        let before_from = before_to - chrono::Duration::days(days);
        let before = svc.stats(before_from, before_to, now, by, None)?;
        for (row, g) in rows.iter_mut().zip(&groups) {
            let earlier = before
                .iter()
                .find(|b| b.key == g.key)
                .map(|b| b.counts.clone())
                .unwrap_or_default();
            row["change"] = change(&g.counts, &earlier);
        }
        total_json["change"] = change(&total.counts, &totals(&before).counts);
        doc["previous"] = json!({"from": before_from, "to": before_to});
    }
    doc["groups"] = json!(rows);
    doc["total"] = total_json;
    Ok(Reply::of(doc))
}

/// A change as the table shows it: a signed count, or signed percentage points.
fn signed(v: &Value, points: bool) -> String {
    match (v.as_f64(), points) {
        (None, _) => "-".into(),
        (Some(x), true) => format!("{:+.1}", x * 100.0),
        (Some(x), false) => format!("{:+}", x as i64),
    }
}

pub fn render(app: &App, r: &Reply) {
    let d = &r.doc;
    out(&format!(
        "{} {} – {} ({} {})",
        app.t("Statistics", "统计"),
        d["from"].as_str().unwrap_or(""),
        d["to"].as_str().unwrap_or(""),
        app.t("evaluated at", "截至"),
        crate::render::minute(&d["now"])
    ));
    let mut rows = d["groups"].as_array().cloned().unwrap_or_default();
    let compared = d.get("previous").is_some();
    if compared {
        out(&format!(
            "{} {} – {}",
            app.t("Compared with", "对比上期"),
            d["previous"]["from"].as_str().unwrap_or(""),
            d["previous"]["to"].as_str().unwrap_or(""),
        ));
    }
    let mut sum = d["total"].clone();
    if !sum.is_null() {
        sum["key"] = json!("");
        sum["name"] = json!(app.t("Total", "合计"));
        rows.push(sum);
    }
    let mut head = vec![
        app.t("Key", "代码"),
        app.t("Name", "名称"),
        app.t("Registered", "登记件次"),
        app.t("Persons", "人次"),
        app.t("Collective", "集体访"),
        app.t("Skip-level", "越级"),
        app.t("Timely acc.", "及时受理率"),
        app.t("On-time", "按期办结率"),
        app.t("Participation", "参评率"),
        app.t("Satisfaction", "满意率"),
        app.t("Repeat", "重复信访率"),
        app.t("Overdue", "超期在办"),
        app.t("Supervised", "督办"),
    ];
    if compared {
        head.insert(4, app.t("± Reg.", "登记增减"));
        head.insert(9, app.t("± On-time (pts)", "按期率增减(百分点)"));
    }
    let mut t = table(app, &head);
    let by_channel = d["by"] == "channel";
    for r in &rows {
        let key = r["key"].as_str().unwrap_or("");
        let name = match r["name"].as_str().unwrap_or("") {
            // A channel's name in words (来访, letter…); the totals row keeps its own.
            n if by_channel && n == key => app.field("channel", key),
            n => n.to_string(),
        };
        let mut cells = vec![
            key.to_string(),
            name,
            r["registered"].to_string(),
            r["persons"].to_string(),
            r["collective_visits"].to_string(),
            r["skip_level_visits"].to_string(),
            pct(&r["timely_acceptance_rate"]),
            pct(&r["on_time_completion_rate"]),
            pct(&r["participation_rate"]),
            pct(&r["satisfaction_rate"]),
            pct(&r["repeat_rate"]),
            total(&r["overdue_open"]).to_string(),
            total(&r["supervisions"]).to_string(),
        ];
        if compared {
            cells.insert(4, signed(&r["change"]["registered"], false));
            cells.insert(9, signed(&r["change"]["on_time_completion_rate"], true));
        }
        t.add_row(cells);
    }
    out(&t.to_string());
}

impl super::Run for Args {
    fn exec(&self, app: &App) -> Option<CliResult<Reply>> {
        Some(exec(app, self))
    }
    fn render(&self, app: &App, r: &Reply, _: Option<&std::path::Path>) -> CliResult {
        render(app, r);
        Ok(())
    }
}
