//! Human output: tables that stay aligned with Chinese text (comfy-table measures display width),
//! "overdue" highlighted in colour only on a terminal without `NO_COLOR`, and the case rendered
//! from its privacy-checked JSON view so masking and redaction apply in one place.

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde_json::Value;

use crate::app::{out, App};

/// A table in the house style.
pub fn table(app: &App, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if app.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    t
}

/// A cell that is red when `alarm` (and colour is on).
pub fn cell(app: &App, text: impl Into<String>, alarm: bool) -> Cell {
    let c = Cell::new(text.into());
    if alarm && app.color {
        c.fg(Color::Red)
    } else {
        c
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(x) => x.clone(),
        other => other.to_string(),
    }
}

/// The text of a clock's status at `now`.
pub fn clock_status(app: &App, c: &Value) -> (String, bool) {
    if c.get("overdue").and_then(Value::as_bool) == Some(true) {
        return (app.l("overdue").to_string(), true);
    }
    if let Some(lapsed) = c.get("lapsed").and_then(Value::as_bool) {
        let used = !c["stopped_at"].is_null();
        let k = if lapsed {
            "lapsed"
        } else if used {
            "used"
        } else {
            "running"
        };
        return (app.l(k).to_string(), false);
    }
    match c.get("met").and_then(Value::as_bool) {
        Some(true) => (app.l("met").to_string(), false),
        Some(false) => (app.l("missed").to_string(), true),
        None => (app.l("running").to_string(), false),
    }
}

/// Names of units and staff, for human output (codes stay in tables, where space is short).
#[derive(Default, Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Names(std::collections::HashMap<String, String>);

impl Names {
    /// Every unit's and staff member's name in the organisation.
    pub fn of(org: &petition_core::org::Org) -> Self {
        let mut m = std::collections::HashMap::new();
        for u in org.units() {
            m.insert(format!("u:{}", u.code.as_str()), u.name.clone());
        }
        for st in org.all_staff() {
            m.insert(format!("s:{}", st.id.as_str()), st.name.clone());
        }
        Self(m)
    }
    /// A unit's name alone, when known.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.0.get(&format!("u:{code}")).map(String::as_str)
    }
    /// "名称 (code)" for a unit, or the code when unknown.
    pub fn unit(&self, code: &str) -> String {
        named(
            self.0
                .get(&format!("u:{code}"))
                .filter(|_| !code.is_empty()),
            code,
        )
    }
    /// "姓名 (id)" for a staff member, or the id when unknown (`system`, `petitioner`).
    pub fn staff(&self, id: &str) -> String {
        named(self.0.get(&format!("s:{id}")), id)
    }
}

/// A unit in a table: its name, or its code with `--codes` (or when the name is unknown).
pub fn short_unit(app: &App, names: Option<&Names>, code: &str) -> String {
    match names {
        Some(n) if !app.global.codes => n.name(code).unwrap_or(code).to_string(),
        _ => code.to_string(),
    }
}

/// Who acted, as a clerk reads it: a staff member's name (and id), the system (the time-driven
/// work) or the petitioner in the output language.
pub fn actor_name(app: &App, names: &Names, actor: &str) -> String {
    match actor {
        "system" => app.t("system", "系统").to_string(),
        "petitioner" => app.t("petitioner", "信访人").to_string(),
        id => names.staff(id),
    }
}

/// "name (code)", or the code alone without a name: how human output names a unit or a person.
pub fn named(name: Option<&String>, code: &str) -> String {
    match name {
        Some(n) => format!("{n} ({code})"),
        None => code.to_string(),
    }
}

/// An RFC 3339 time as "YYYY-MM-DD HH:MM" in its own offset (the database's time zone).
pub fn minute(v: &Value) -> String {
    let text = s(v);
    chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or(text)
}

/// The case as a page: header fields, clocks, supervisions, and with `timeline` its history.
pub fn case_page(app: &App, v: &Value, timeline: bool, names: &Names) {
    // Label/value pairs in a borderless table, so labels line up whatever their display width.
    let fields = std::cell::RefCell::new(Table::new());
    fields
        .borrow_mut()
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    let line = |k: &str, val: String| {
        fields
            .borrow_mut()
            .add_row(vec![Cell::new(format!("{}:", app.l(k))), Cell::new(val)]);
    };
    out(&format!(
        "{}  {}",
        s(&v["id"]),
        app.field("state", v["state"].as_str().unwrap_or(""))
    ));
    line("summary", s(&v["summary"]));
    line(
        "channel",
        format!(
            "{} / {}",
            app.field("channel", v["channel"].as_str().unwrap_or("")),
            app.field("purpose", v["purpose"].as_str().unwrap_or(""))
        ),
    );
    line("category", s(&v["category"]));
    line("locality", names.unit(&s(&v["locality"])));
    line("received_at", minute(&v["received_at"]));
    line("registered_at", minute(&v["registered_at"]));
    line(
        "first_contact",
        format!(
            "{} · {}",
            names.unit(&s(&v["first_contact"]["unit"])),
            names.staff(&s(&v["first_contact"]["staff"]))
        ),
    );
    line("holder", names.unit(&s(&v["holder"])));
    if !v["officer"].is_null() {
        line("officer", names.staff(&s(&v["officer"])));
    }
    if !v["lead"].is_null() {
        line("lead", names.unit(&s(&v["lead"])));
    }
    if let Some(a) = v["assisting"].as_array().filter(|a| !a.is_empty()) {
        let txt: Vec<String> = a
            .iter()
            .map(|x| {
                format!(
                    "{}{}",
                    names.unit(&s(&x["unit"])),
                    if x["input_at"].is_null() {
                        " …"
                    } else {
                        " ✓"
                    }
                )
            })
            .collect();
        line("assisting", txt.join(", "));
    }
    if let Some(ps) = v["petitioners"].as_array() {
        let txt: Vec<String> = ps
            .iter()
            .map(|p| {
                let mut parts = vec![s(&p["name"])];
                for k in ["id_number", "phone", "address"] {
                    if !p[k].is_null() {
                        parts.push(s(&p[k]));
                    }
                }
                parts.join(" ")
            })
            .collect();
        line("petitioners", txt.join("; "));
    }
    line("headcount", s(&v["headcount"]));
    let mut flags = Vec::new();
    for k in ["collective", "skip_level", "litigation", "major"] {
        if v[k].as_bool() == Some(true) {
            flags.push(app.l(k).to_string());
        }
    }
    if !v["repeat_of"].is_null() {
        flags.push(format!("{} {}", app.l("repeat_of"), s(&v["repeat_of"])));
    }
    if !v["accused_unit"].is_null() {
        flags.push(format!(
            "{} {}",
            app.l("accused_unit"),
            s(&v["accused_unit"])
        ));
    }
    if !v["merged_into"].is_null() {
        flags.push(format!("{} {}", app.l("merged_into"), s(&v["merged_into"])));
    }
    if let (Some(system), Some(id)) = (
        v["external_ref"]["system"].as_str(),
        v["external_ref"]["id"].as_str(),
    ) {
        flags.push(format!("{} {system}:{id}", app.l("external_ref")));
    }
    if !flags.is_empty() {
        line("flags", flags.join(", "));
    }
    // The case file's files by title (`attachments` lists them in full).
    let held: Vec<String> = v["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["withdrawn"].is_null())
        .map(|a| s(&a["title"]))
        .collect();
    if !held.is_empty() {
        line(
            "attachments",
            format!("{} · {}", held.len(), held.join(", ")),
        );
    }
    if !v["outcome"].is_null() {
        line(
            "outcome",
            app.field("outcome", v["outcome"].as_str().unwrap_or("")),
        );
    }
    if v["extension_days"].as_u64().unwrap_or(0) > 0 {
        line(
            "extension",
            format!("{} {}", s(&v["extension_days"]), app.l("days")),
        );
    }
    if let Some(r) = v["extension_request"].as_object() {
        line(
            "extension_request",
            format!(
                "{} {} · {} · {}",
                s(&r["days"]),
                app.l("days"),
                s(&r["reason"]),
                s(&r["by"])
            ),
        );
    }
    if !v["query_code"].is_null() {
        line("query_code", s(&v["query_code"]));
    }
    out(&fields.borrow().to_string());
    if let Some(clocks) = v["clocks"].as_array().filter(|c| !c.is_empty()) {
        out("");
        out(app.l("clocks"));
        let mut t = table(
            app,
            &[
                app.l("kind"),
                app.l("unit"),
                app.l("started"),
                app.l("due"),
                app.l("status"),
            ],
        );
        for c in clocks {
            let (st, alarm) = clock_status(app, c);
            t.add_row(vec![
                Cell::new(crate::i18n::field_label(
                    app.lang,
                    "clock",
                    c["kind"].as_str().unwrap_or(""),
                )),
                Cell::new(short_unit(
                    app,
                    Some(names),
                    c["unit"].as_str().unwrap_or(""),
                )),
                Cell::new(window_start(app, c)),
                cell(app, s(&c["due"]), alarm),
                cell(app, st, alarm),
            ]);
        }
        out(&t.to_string());
    }
    if let Some(sups) = v["supervisions"].as_array().filter(|c| !c.is_empty()) {
        out("");
        out(app.l("supervisions"));
        let mut t = table(
            app,
            &[
                "#",
                app.l("level"),
                app.l("ground"),
                app.l("by"),
                app.l("unit"),
                app.l("respond_by"),
                app.l("status"),
            ],
        );
        for x in sups {
            let answered = !x["answered_at"].is_null();
            let late = x["overdue"].as_bool() == Some(true);
            t.add_row(vec![
                Cell::new(s(&x["id"])),
                Cell::new(app.field("level", x["level"].as_str().unwrap_or(""))),
                Cell::new(app.field("ground", x["ground"].as_str().unwrap_or(""))),
                Cell::new(short_unit(app, Some(names), x["by"].as_str().unwrap_or(""))),
                Cell::new(short_unit(
                    app,
                    Some(names),
                    x["unit"].as_str().unwrap_or(""),
                )),
                cell(app, s(&x["respond_by"]), late),
                cell(
                    app,
                    if answered {
                        app.l("answered")
                    } else if !x["ended_at"].is_null() {
                        app.l("ended_with_case")
                    } else if late {
                        app.l("overdue")
                    } else {
                        app.l("open")
                    },
                    late,
                ),
            ]);
        }
        out(&t.to_string());
    }
    if timeline {
        out("");
        out(app.l("timeline"));
        out(&timeline_table(
            app,
            v["events"].as_array().map(Vec::as_slice).unwrap_or(&[]),
            names,
        )
        .to_string());
    }
}

/// The history of a case as a table.
pub fn timeline_table(app: &App, events: &[Value], names: &Names) -> Table {
    let mut t = table(
        app,
        &[
            "#",
            app.l("time"),
            app.l("event"),
            app.l("actor"),
            app.l("unit"),
            app.l("detail"),
        ],
    );
    for e in events {
        let detail = event_detail(app, e, Some(names));
        let at = s(&e["at"]);
        t.add_row(vec![
            Cell::new(s(&e["seq"])),
            Cell::new(at.get(..16).unwrap_or(&at).replace('T', " ")),
            Cell::new(app.field("type", e["type"].as_str().unwrap_or(""))),
            Cell::new(actor_name(app, names, e["actor"].as_str().unwrap_or(""))),
            Cell::new(short_unit(
                app,
                Some(names),
                e["unit"].as_str().unwrap_or(""),
            )),
            Cell::new(detail),
        ]);
    }
    t
}

/// What an event recorded, in a few words: its fields that say what happened (reasons, units,
/// outcomes, dates, texts cut to 40 characters).
pub fn event_detail(app: &App, e: &Value, names: Option<&Names>) -> String {
    let mut detail = Vec::new();
    for k in [
        "to",
        "report_by",
        "reason",
        "ground",
        "outcome",
        "days",
        "due",
        "start",
        "end",
        "into",
        "from",
        "level",
        "by",
        "respond_by",
        "handling",
        "supervision",
        "kind",
        "note",
        "notice",
        "on",
        "how",
        "happened",
        "title",
        "sha256",
        "text",
    ] {
        if let Some(x) = e.get(k).filter(|x| !x.is_null() && !x.is_object()) {
            let val = match x.as_str() {
                Some(st) if matches!(k, "ground" | "outcome" | "level" | "reason" | "handling") => {
                    app.field(k, st)
                }
                // The unit routed to or acting, by name (its code with --codes).
                Some(st) if matches!(k, "to" | "by") => short_unit(app, names, st),
                // When a note's event happened, to the minute.
                Some(st) if k == "happened" => st.get(..16).unwrap_or(st).replace('T', " "),
                // A note's kind in words (来电, 回访…).
                Some(st) if k == "kind" && e["type"] == "noted" => app.field("note_kind", st),
                Some(st) if k == "kind" && e["type"] == "attached" => {
                    app.field("attachment_kind", st)
                }
                // A withdrawn file by the first digits of its hash.
                Some(st) if k == "sha256" => st.get(..12).unwrap_or(st).to_string(),
                // A service (送达): the notice and the method in words.
                Some(st) if (k == "notice" && e.get("how").is_some()) || k == "how" => {
                    app.field(k, st)
                }
                _ => s(x),
            };
            let short: String = val.chars().take(40).collect();
            detail.push(short);
        }
    }
    if let Some(field) = e.get("field").and_then(Value::as_str) {
        // An amendment: which field, from what to what.
        let val = |k: &str| {
            let v = s(&e[k]);
            let short: String = v.chars().take(30).collect();
            if short.is_empty() {
                "-".to_string()
            } else {
                short
            }
        };
        detail.insert(
            0,
            format!(
                "{}: {} → {}",
                app.field("field", field),
                val("old"),
                val("new")
            ),
        );
    }
    if let Some(sup) = e.get("supervision").and_then(|x| x.as_object()) {
        detail.push(format!(
            "{} → {}",
            s(&sup["by"].clone()),
            s(&sup["unit"].clone())
        ));
    }
    detail.join(" · ")
}

/// A clock's start as `show` prints it: for the petitioner's windows, also whether they count
/// from the notice's service (送达) or, none being recorded, from its issue.
fn window_start(app: &App, c: &Value) -> String {
    let started = s(&c["started"]);
    let petitioners = matches!(
        c["kind"].as_str(),
        Some("review_window" | "rereview_window" | "evaluation")
    );
    match c.get("served_on").and_then(Value::as_str) {
        Some(on) => format!("{started}{}", app.l("from_service").replace("{}", on)),
        None if petitioners => format!("{started}{}", app.l("from_issue")),
        None => started,
    }
}

/// A list of cases (list, queue, overdue) from their summary JSON.
pub fn case_list(app: &App, cases: &[Value], names: Option<&Names>) {
    if cases.is_empty() {
        out(app.l("nothing"));
        return;
    }
    // A queue says what each case needs of the reader's unit; other lists the next due date.
    let queue = cases.iter().any(|c| c.get("needs").is_some());
    let mut t = table(
        app,
        &[
            app.l("id"),
            app.l("state"),
            app.l("holder"),
            app.l(if queue { "needs_us" } else { "due" }),
            app.l("summary"),
        ],
    );
    for c in cases {
        let next = c["clocks"]
            .as_array()
            .and_then(|cl| {
                cl.iter()
                    .filter(|k| k.get("overdue").is_some())
                    .min_by_key(|k| k["due"].as_str().unwrap_or("9999").to_string())
            })
            .cloned();
        // In a queue: what the case asks of the reader's unit first, and by when (待办).
        let need = c["needs"].as_array().and_then(|n| n.first().cloned());
        let n_needs = c["needs"].as_array().map_or(0, Vec::len);
        let (due, alarm) = match (&need, &next) {
            (Some(n), _) => {
                let late = n["overdue"].as_bool() == Some(true);
                let mut txt =
                    crate::i18n::field_label(app.lang, "need", n["kind"].as_str().unwrap_or(""));
                if let Some(d) = n["due"].as_str() {
                    txt.push(' ');
                    txt.push_str(d);
                }
                if late {
                    txt.push(' ');
                    txt.push_str(app.l("overdue"));
                }
                if n_needs > 1 {
                    txt.push_str(&format!(" (+{})", n_needs - 1));
                }
                (txt, late)
            }
            (None, Some(k)) => {
                let late = k["overdue"].as_bool() == Some(true);
                let txt = format!(
                    "{} {}{}",
                    crate::i18n::field_label(app.lang, "clock", k["kind"].as_str().unwrap_or("")),
                    s(&k["due"]),
                    if late {
                        format!(" {}", app.l("overdue"))
                    } else {
                        String::new()
                    }
                );
                (txt, late)
            }
            (None, None) => ("-".into(), false),
        };
        // Major (重大紧急) and collective (集体访) cases marked where the eye starts reading.
        let mut summary = String::new();
        if c["major"].as_bool() == Some(true) {
            summary.push_str(app.t("[major] ", "【重】"));
        }
        if c["collective"].as_bool() == Some(true) {
            summary.push_str(app.t("[group] ", "【集】"));
        }
        summary.extend(s(&c["summary"]).chars().take(30));
        t.add_row(vec![
            Cell::new(s(&c["id"])),
            Cell::new(app.field("state", c["state"].as_str().unwrap_or(""))),
            Cell::new(short_unit(app, names, c["holder"].as_str().unwrap_or(""))),
            cell(app, due, alarm),
            Cell::new(summary),
        ]);
    }
    out(&t.to_string());
}
