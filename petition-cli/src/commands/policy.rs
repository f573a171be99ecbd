//! `petition policy show|set`: the time limits (docs/rules.md) with their legal sources.

use petition_core::service::AdminChange;
use serde_json::json;

use crate::app::{out, App, CliResult};
use crate::render::table;

/// Show or change the time limits (时限参数). A change affects clocks started afterwards and is audited.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Show every policy value with its default and source.
    ///
    /// Example: petition policy show
    #[command(verbatim_doc_comment)]
    Show,
    /// Set one policy value (admin only).
    ///
    /// Example: petition --as admin policy set handling_days 45
    #[command(verbatim_doc_comment)]
    Set {
        /// Key, e.g. handling_days (see `policy show`)
        key: String,
        /// Value
        value: String,
    },
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let mut svc = app.open()?;
    match &a.cmd {
        Cmd::Show => {
            let p = svc.read(|w| Ok(w.policy().clone()))?;
            let entries = p.entries();
            if app.global.json {
                app.print_json(&json!({"policy": entries}));
            } else {
                let mut t = table(
                    app,
                    &[
                        app.l("key"),
                        app.l("value"),
                        app.l("default"),
                        app.l("source"),
                    ],
                );
                for e in entries {
                    t.add_row(vec![
                        e.key.to_string(),
                        e.value,
                        e.default,
                        petition_core::policy::source_words(e.source, app.lang),
                    ]);
                }
                out(&t.to_string());
            }
        }
        Cmd::Set { key, value } => {
            let (actor, now) = app.acting(&mut svc)?;
            svc.admin(
                &actor,
                now,
                AdminChange::SetPolicy {
                    key: key.clone(),
                    value: value.clone(),
                },
            )?;
            if app.global.json {
                app.print_json(&json!({"key": key, "value": value}));
            } else {
                out(&format!("{} {key} = {value}", app.l("set")));
            }
        }
    }
    Ok(())
}

super::own_output!(
    Args => run;
);
