//! `petition init`: create the database and its first admin.

use chrono::FixedOffset;
use petition_core::org::{Role, Staff};
use petition_core::StaffId;

use crate::app::{out, App, CliResult};

/// Create a new database with its first admin (管理员).
///
/// Example: petition --db office.db init --admin admin --admin-name 张三
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The first admin's staff id
    #[arg(long, default_value = "admin")]
    pub admin: String,
    /// The first admin's name
    #[arg(long, default_value = "Administrator")]
    pub admin_name: String,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let path = app.db_path()?;
    let mut svc = app.create(&path)?;
    let now = app
        .now(FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("zero")))?;
    let admin = Staff {
        id: StaffId::parse(&a.admin)?,
        name: a.admin_name.clone(),
        unit: None,
        role: Role::Admin,
    };
    svc.init(admin, now)?;
    if app.global.json {
        app.print_json(&serde_json::json!({"db": path, "admin": a.admin}));
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
