//! `petition init`: create the database and its first admin.

use petition_core::audit::ClockMode;
use petition_core::org::{Role, Staff};
use petition_core::StaffId;

use crate::app::{out, App, CliResult};

/// Create a new database with its first admin (管理员) and its clock mode.
///
/// Examples:
///   petition --db office.db init --admin admin --admin-name 张三
///   petition --db training.db init --clock simulated
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The first admin's staff id
    #[arg(long, default_value = "admin")]
    pub admin: String,
    /// The first admin's name
    #[arg(long, default_value = "Administrator")]
    pub admin_name: String,
    /// Where time comes from: `system` (a live database: the system clock, --now refused for
    /// changes) or `simulated` (training, demos, tests: every command may give --now). Fixed
    /// for the life of the database.
    #[arg(long, value_name = "MODE", default_value = "system", value_parser = ["system", "simulated"])]
    pub clock: String,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let path = app.db_path()?;
    let clock = if a.clock == "simulated" {
        ClockMode::Simulated
    } else {
        ClockMode::System
    };
    if clock == ClockMode::System && app.global.now.is_some() {
        return Err(crate::app::usage(
            "--now cannot be used to create a live (system clock) database: drop --now, or create a training database with --clock simulated",
            "创建正式数据库（系统时钟）时不能使用 --now：请去掉 --now，或用 --clock simulated 创建模拟数据库",
        ));
    }
    let mut svc = app.create(&path)?;
    let tz = petition_core::policy::Policy::default().timezone;
    let now = app.when(tz)?;
    let admin = Staff {
        id: StaffId::parse(&a.admin)?,
        name: a.admin_name.clone(),
        unit: None,
        role: Role::Admin,
        deactivated: false,
        tokens: Vec::new(),
    };
    svc.init(admin, now, clock)?;
    if app.global.json {
        app.print_json(&serde_json::json!({"db": path, "admin": a.admin, "clock": clock.as_str()}));
    } else {
        out(&format!(
            "{} {} ({}: {})",
            app.l("init_done"),
            path.display(),
            app.l("admin"),
            a.admin
        ));
    }
    Ok(())
}

super::own_output!(
    Args => run;
);
