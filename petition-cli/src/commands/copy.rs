//! `petition copy`: a whole database from one store to another (SQLite ⇄ PostgreSQL) through the
//! verified import.

use crate::app::{App, CliError, CliResult};
use crate::commands::export::{load_new, report_loaded};

/// Copy a whole database to a new one, on the same engine or the other (a SQLite file, or a
/// PostgreSQL database given as postgres://USER@HOST:PORT/DB). The chain is exported with
/// personal data (so an admin of the source must run it; the disclosure is logged there) and
/// loaded through the rule-checked import, which re-decides every event; the copy is verified and
/// has the same head hash. The target must be new: a file that does not exist, or an empty
/// PostgreSQL database. Nothing touches the disk in between.
///
/// Examples:
///   petition --as admin copy --from office.db --to postgres://petition@db.example/province
///   petition --as admin copy --from postgres://petition@db.example/province --to restored.db
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The database to copy (a file or a postgres:// connection string)
    #[arg(long, value_name = "DB")]
    pub from: std::path::PathBuf,
    /// The new database (a file that does not exist, or an empty PostgreSQL database)
    #[arg(long, value_name = "DB")]
    pub to: std::path::PathBuf,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let mut source = app.open_at(&a.from)?;
    let (admin, now) = app.acting(&mut source)?;
    // Refused before anything is made: only an admin (of no accused unit) copies a database.
    petition_core::interchange::whole_database_reader(&mut source, &admin)?;
    let (reader, writer) = std::io::pipe().map_err(|e| crate::app::io_error("a pipe", e))?;
    let (exported, loaded) = std::thread::scope(|s| {
        let export = s.spawn(move || {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, writer);
            let n =
                petition_core::interchange::export_jsonl(&mut source, &mut out, &admin, true, now)?;
            std::io::Write::flush(&mut out)
                .map_err(|e| crate::app::io_error("writing to the copy", e))?;
            Ok::<u64, CliError>(n)
        });
        let mut input = std::io::BufReader::with_capacity(1 << 16, reader);
        let loaded = load_new(app, &a.to, &mut input, &mut |_| {});
        // Dropping the reader ends a still-running export with a broken pipe.
        drop(input);
        let exported = export.join().unwrap_or_else(|_| {
            Err(CliError::from(petition_core::DomainError::from(
                petition_core::StorageError::internal("the export thread panicked"),
            )))
        });
        (exported, loaded)
    });
    // When both sides failed, a refusal of the source (not an admin, say) explains it best; a
    // broken pipe only says the loading side gave up first, and why is the loader's error.
    let (s, v) = match (exported, loaded) {
        (Err(e), Err(l)) => return Err(if e.code() == "io" { l } else { e }),
        (_, loaded) => loaded?,
    };
    report_loaded(app, &a.to, &s, &v);
    Ok(())
}

super::own_output!(
    Args => run, whole;
);
