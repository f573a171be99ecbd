//! `petition completions`: shell completion scripts.

use clap::CommandFactory;

use crate::app::CliResult;

/// Print a completion script for bash, zsh, fish, elvish or powershell.
///
/// Example: petition completions bash > /etc/bash_completion.d/petition
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The shell
    pub shell: clap_complete::Shell,
}

pub fn run(a: &Args) -> CliResult {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "petition", &mut buf);
    crate::app::out(String::from_utf8_lossy(&buf).trim_end());
    Ok(())
}

impl super::Run for Args {
    fn run(&self, _: &crate::app::App) -> CliResult {
        run(self)
    }
}
