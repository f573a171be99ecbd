//! `petition calendar import|show`: public holidays and make-up working days (Civil Code Art 203; docs/rules.md §8).

use petition_core::clock::DayKind;
use petition_core::files::{parse_calendar_csv, parse_calendar_toml};
use petition_core::service::AdminChange;
use serde_json::json;

use crate::app::{out, App, CliResult};
use crate::render::table;

/// Load or show the working calendar (节假日与调休).
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Import a calendar: CSV `date,kind` (kind holiday or workday) or TOML
    /// (`holidays = ["2026-05-01", …]`, `workdays = ["2026-05-09"]`). All or nothing.
    ///
    /// Example: petition --as admin calendar import 2026.csv
    #[command(verbatim_doc_comment)]
    Import {
        /// The file (.csv or .toml)
        file: std::path::PathBuf,
    },
    /// Show the calendar entries, optionally of one year.
    ///
    /// Example: petition calendar show --year 2026
    #[command(verbatim_doc_comment)]
    Show {
        /// Only this year
        #[arg(long)]
        year: Option<i32>,
    },
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let mut svc = app.open()?;
    match &a.cmd {
        Cmd::Import { file } => {
            let bytes = crate::app::read_input(file, 16 << 20)?;
            let text = petition_core::input::utf8_text("file", &bytes)?;
            let is_toml = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
            let entries = if is_toml {
                parse_calendar_toml(text)?
            } else {
                parse_calendar_csv(text)?
            };
            let (actor, now) = app.acting(&mut svc)?;
            let n = entries.len();
            svc.admin(&actor, now, AdminChange::SetCalendar(entries))?;
            if app.global.json {
                app.print_json(&json!({"imported": n}));
            } else {
                out(&format!("{} {n}", app.l("imported")));
            }
        }
        Cmd::Show { year } => {
            let cal = svc.read(|w| Ok(w.calendar().clone()))?;
            let entries = cal.entries(*year);
            if app.global.json {
                app.print_json(&json!({"days": entries.iter().map(|(d, k)| json!({"date": d, "kind": k})).collect::<Vec<_>>()}));
            } else if entries.is_empty() {
                out(app.t(
                    "No calendar loaded: only weekends are rest days.",
                    "未导入日历：仅周六周日为休息日。",
                ));
            } else {
                let mut t = table(app, &[app.l("date"), app.l("kind")]);
                for (d, k) in entries {
                    let k = if k == DayKind::Holiday {
                        "holiday"
                    } else {
                        "workday"
                    };
                    t.add_row(vec![d.to_string(), app.field("day", k)]);
                }
                out(&t.to_string());
            }
            // Due dates are reckoned this year and next: say which of them has no calendar.
            if !app.global.json {
                let today = app.read_now(&mut svc)?.date_naive();
                let next = today
                    .checked_add_months(chrono::Months::new(12))
                    .unwrap_or(today);
                for y in cal.unloaded_years([today, next]) {
                    eprintln!(
                        "{} {}",
                        app.t("warning:", "注意："),
                        app.t(
                            &format!("no calendar is loaded for {y}: due dates there count every weekday as a working day (petition calendar import)"),
                            &format!("{y} 年的日历尚未导入：该年的期限按周一至周五均为工作日计算（petition calendar import）"),
                        )
                    );
                }
            }
        }
    }
    Ok(())
}

super::own_output!(
    Args => run;
);
