//! The server's database connections.
//!
//! Reads take a connection from a small pool on tokio's blocking threads, so they run side by
//! side. Writes go to one writer thread that owns one connection and runs them one after
//! another: writers never wait on each other's locks (SQLite's busy wait sleeps for milliseconds
//! at a time, which is what 32 clients writing through their own connections measured as), and
//! a command that loses no race needs no retry. The access-log entries of reads that show
//! personal data go to the writer too, and the ones waiting together are committed in one
//! transaction (one sync for many reads), before any of those reads answers.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset};
use petition_core::org::Staff;
use petition_core::service::{CaseCache, Service};
use petition_core::CaseId;

use crate::app::{open_service, CliError, CliResult, Db, Pool};

/// The most disclosures committed in one transaction.
const DISCLOSURE_BATCH: usize = 256;

/// One disclosure waiting for the writer.
struct Disclosure {
    reader: Staff,
    case: Option<CaseId>,
    command: String,
    at: DateTime<FixedOffset>,
    reply: mpsc::Sender<CliResult<()>>,
}

/// Work for the writer thread: a command (given the writer's connection, which it hands back),
/// or a disclosure.
enum Job {
    Run(Box<dyn FnOnce(Service<Db>) -> Option<Service<Db>> + Send>),
    Disclose(Disclosure),
}

/// The pool of read connections and the writer.
pub struct DbPool {
    path: PathBuf,
    idle: Mutex<Vec<Service<Db>>>,
    keep: usize,
    writer: mpsc::Sender<Job>,
    /// Recent cases, shared by the read connections.
    cases: std::sync::Arc<CaseCache>,
}

/// The most cases the read connections keep in memory together (a few MiB).
const CACHED_CASES: usize = 2048;

impl DbPool {
    /// Connections to the database at `path` (a file or a `postgres://` URL): at most `keep`
    /// idle read connections, and the writer thread.
    pub fn new(path: PathBuf, keep: usize) -> Self {
        let (writer, jobs) = mpsc::channel();
        let p = path.clone();
        std::thread::Builder::new()
            .name("petition-writer".into())
            .spawn(move || write_loop(&p, &jobs))
            .ok();
        Self {
            path,
            idle: Mutex::new(Vec::new()),
            keep,
            writer,
            cases: std::sync::Arc::new(CaseCache::new(CACHED_CASES)),
        }
    }

    /// Runs `f` on the writer thread with the writer's connection (as a pool of one, so the
    /// commands of the command line run unchanged) and returns what it returns.
    pub async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Pool) -> CliResult<R> + Send + 'static,
    ) -> CliResult<R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = Job::Run(Box::new(move |svc| {
            let lent = Lent {
                slot: Mutex::new(Some(svc)),
            };
            let _ = tx.send(f(&lent));
            lent.slot.into_inner().ok().flatten()
        }));
        self.writer
            .send(job)
            .map_err(|_| super::internal("the writer thread has stopped"))?;
        rx.await
            .map_err(|_| super::internal("the writer thread dropped a command"))?
    }
}

impl Pool for DbPool {
    fn take(&self) -> CliResult<Service<Db>> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(s) => Ok(s),
            None => {
                let mut s = open_service(&self.path)?;
                s.share_cases(self.cases.clone());
                Ok(s)
            }
        }
    }

    fn give(&self, svc: Service<Db>) {
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < self.keep {
                v.push(svc);
            }
        }
    }

    fn disclose(
        &self,
        _svc: &mut Service<Db>,
        reader: &Staff,
        case: Option<&CaseId>,
        command: &str,
        at: DateTime<FixedOffset>,
    ) -> CliResult<()> {
        let (reply, answer) = mpsc::channel();
        self.writer
            .send(Job::Disclose(Disclosure {
                reader: reader.clone(),
                case: case.cloned(),
                command: command.to_string(),
                at,
                reply,
            }))
            .map_err(|_| super::internal("the writer thread has stopped"))?;
        answer
            .recv()
            .map_err(|_| super::internal("the writer thread dropped a disclosure"))?
    }
}

/// The writer's connection lent to one command: a pool of one. The command's own disclosures
/// are written in its own transactions (this is the writer thread already).
struct Lent {
    slot: Mutex<Option<Service<Db>>>,
}

impl Pool for Lent {
    fn take(&self) -> CliResult<Service<Db>> {
        let lent = self.slot.lock().ok().and_then(|mut s| s.take());
        match lent {
            Some(s) => Ok(s),
            None => Err(super::internal("the writer's connection is in use twice")),
        }
    }

    fn give(&self, svc: Service<Db>) {
        if let Ok(mut s) = self.slot.lock() {
            *s = Some(svc);
        }
    }
}

fn write_loop(path: &std::path::Path, jobs: &mpsc::Receiver<Job>) {
    let mut svc: Option<Service<Db>> = None;
    let mut held: Option<Job> = None;
    loop {
        let job = match held.take() {
            Some(j) => j,
            None => match jobs.recv() {
                Ok(j) => j,
                // Every sender is gone: the server has stopped.
                Err(_) => return,
            },
        };
        let conn = match svc.take() {
            Some(s) => Ok(s),
            None => open_service(path),
        };
        match job {
            Job::Run(f) => match conn {
                // A defect that panics in one command must not stop every later write: the
                // panic drops that command's answer (its request says "internal") and its
                // connection (reopened for the next job; an open transaction rolls back).
                Ok(s) => {
                    svc = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(s)))
                        .unwrap_or(None)
                }
                // The command's answer channel closes without an answer: the request says so.
                Err(_) => drop(f),
            },
            Job::Disclose(first) => {
                let mut batch = vec![first];
                while batch.len() < DISCLOSURE_BATCH {
                    match jobs.try_recv() {
                        Ok(Job::Disclose(d)) => batch.push(d),
                        Ok(other) => {
                            held = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let result: CliResult<()> = match conn {
                    Ok(mut s) => {
                        let r = s.work(|w| {
                            for d in &batch {
                                w.disclose(&d.reader, d.case.as_ref(), &d.command, d.at)?;
                            }
                            Ok(())
                        });
                        svc = Some(s);
                        r.map_err(CliError::from)
                    }
                    Err(e) => Err(e),
                };
                for d in batch {
                    let r = match &result {
                        Ok(()) => Ok(()),
                        Err(e) => Err(CliError::from(e.error.clone())),
                    };
                    let _ = d.reply.send(r);
                }
            }
        }
    }
}
