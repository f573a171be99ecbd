//! The server's database connections.
//!
//! Reads take a connection from a small pool on tokio's blocking threads, so they run side by
//! side. Writes go to one writer thread that owns one connection and runs them one after
//! another: writers never wait on each other's locks (SQLite's busy wait sleeps for milliseconds
//! at a time, which is what 32 clients writing through their own connections measured as), and
//! a command that loses no race needs no retry. The access-log entries of reads that show
//! personal data go to the writer too.
//!
//! On SQLite the writer commits in groups: the commands and access-log entries waiting together
//! (at most [`GROUP`]) run in one transaction, each in a savepoint of its own (a refused command
//! rolls back alone), and the transaction commits once, with one sync, before any of them
//! answers. If that commit fails, every command of the group answers with the error and nothing
//! of the group is stored. On PostgreSQL each command commits on its own.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Mutex;

use petition_core::principal::{Pending, Recorded};
use petition_core::service::{CaseCache, Service};
use petition_core::When;

use crate::app::{open_service, CliError, CliResult, Db, Pool};

/// The most jobs (commands and disclosures) committed in one group.
const GROUP: usize = 64;

/// One read's access-log entries waiting for the writer.
struct Disclosure {
    pending: Pending,
    when: When,
    reply: mpsc::Sender<CliResult<Recorded>>,
}

/// Sends a command's answer once its group's commit is known: the command's own result, or the
/// commit's error.
type Answer = Box<dyn FnOnce(CliResult<()>) + Send>;

/// A command for the writer: given the writer's connection, it hands the connection back with
/// the sender of its answer.
type Command = Box<dyn FnOnce(Service<Db>) -> (Option<Service<Db>>, Answer) + Send>;

/// Work for the writer thread: a command, or a disclosure.
enum Job {
    /// A command; `alone`: committed on its own, never grouped (the time-driven work, whose
    /// own transactions are many and large).
    Run {
        command: Command,
        alone: bool,
    },
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
    /// commands of the command line run unchanged) and returns what it returns, once it is
    /// committed. `alone`: never in a group commit with other commands.
    pub async fn write<R: Send + 'static>(
        &self,
        alone: bool,
        f: impl FnOnce(&dyn Pool) -> CliResult<R> + Send + 'static,
    ) -> CliResult<R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = command_job(alone, f, move |r| {
            let _ = tx.send(r);
        });
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

    fn record(&self, _svc: &mut Service<Db>, pending: Pending, when: When) -> CliResult<Recorded> {
        let (reply, answer) = mpsc::channel();
        self.writer
            .send(Job::Disclose(Disclosure {
                pending,
                when,
                reply,
            }))
            .map_err(|_| super::internal("the writer thread has stopped"))?;
        answer
            .recv()
            .map_err(|_| super::internal("the writer thread dropped a disclosure"))?
    }
}

/// The job that runs `f` with the writer's connection and gives `reply` its result once the
/// result is committed (or the commit's error).
fn command_job<R: Send + 'static>(
    alone: bool,
    f: impl FnOnce(&dyn Pool) -> CliResult<R> + Send + 'static,
    reply: impl FnOnce(CliResult<R>) + Send + 'static,
) -> Job {
    let command: Command = Box::new(move |svc| {
        let lent = Lent {
            slot: Mutex::new(Some(svc)),
        };
        let result = f(&lent);
        let answer: Answer = Box::new(move |committed: CliResult<()>| {
            // A refused command's own error; a command done, unless its group was lost.
            reply(result.and_then(|r| committed.map(|()| r)));
        });
        (lent.slot.into_inner().ok().flatten(), answer)
    });
    Job::Run { command, alone }
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
        let first = match held.take() {
            Some(j) => j,
            None => match jobs.recv() {
                Ok(j) => j,
                // Every sender is gone: the server has stopped.
                Err(_) => return,
            },
        };
        // The jobs waiting now, up to a command that must run alone.
        let mut group = vec![first];
        while group.len() < GROUP && !matches!(group[0], Job::Run { alone: true, .. }) {
            match jobs.try_recv() {
                Ok(j @ Job::Run { alone: true, .. }) => {
                    held = Some(j);
                    break;
                }
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let conn = match svc.take() {
            Some(s) => Ok(s),
            None => open_service(path),
        };
        match conn {
            Ok(s) => svc = run_group(s, group),
            // Nothing can run: every job's answer says why (a command's answer channel closes
            // without an answer, and its request says so).
            Err(e) => {
                for job in group {
                    if let Job::Disclose(d) = job {
                        let _ = d.reply.send(Err(CliError::from(e.error.clone())));
                    }
                }
            }
        }
    }
}

/// The same failure again, for another job of the group (a `CliError` is not `Clone`).
fn copy<T>(r: &CliResult<T>) -> CliResult<Recorded> {
    match r {
        Ok(_) => Err(super::internal("a disclosure without its proof")),
        Err(e) => Err(CliError::from(e.error.clone())),
    }
}

/// A group's jobs as they run: a command, or disclosures that were waiting side by side.
enum Step {
    Run(Command),
    Disclose(Vec<Disclosure>),
}

/// Runs a group of jobs on the writer's connection and answers each once its fate is known.
/// Returns the connection, or `None` when it was lost (a panic in a command, or a group whose
/// commit failed: the service's memory of the settings may be ahead of the database, so the
/// next job opens a fresh connection).
fn run_group(mut s: Service<Db>, group: Vec<Job>) -> Option<Service<Db>> {
    let grouped = group.len() > 1
        && s.store()
            .as_sqlite()
            .is_some_and(|sq| sq.begin_group().is_ok());
    // Disclosures waiting side by side are written by one transaction (one savepoint).
    let mut steps: Vec<Step> = Vec::with_capacity(group.len());
    for job in group {
        match (job, steps.last_mut()) {
            (Job::Disclose(d), Some(Step::Disclose(run))) => run.push(d),
            (Job::Disclose(d), _) => steps.push(Step::Disclose(vec![d])),
            (Job::Run { command, .. }, _) => steps.push(Step::Run(command)),
        }
    }
    let mut answers: Vec<Answer> = Vec::with_capacity(steps.len());
    let mut conn = Some(s);
    for step in steps {
        if grouped
            && !conn
                .as_mut()
                .and_then(|s| s.store().as_sqlite())
                .is_some_and(|sq| sq.group_intact())
        {
            // SQLite rolled the group's transaction back by itself (a full disk, an I/O error):
            // a later command would commit on its own while the group reports failure. The
            // connection goes; what is left of the group answers with an error.
            conn = None;
        }
        let Some(mut s) = conn.take() else {
            // The connection was lost in this group: the jobs after it answer "internal" (a
            // command's answer channel closes without an answer, and its request says so).
            if let Step::Disclose(run) = step {
                for d in run {
                    let _ = d
                        .reply
                        .send(Err(super::internal("the writer's connection was lost")));
                }
            }
            continue;
        };
        let answer: Answer = match step {
            // A defect that panics in one command must not stop every later write: the panic
            // drops that command's answer (its request says "internal") and its connection (an
            // open transaction rolls back, the group's included; reopened for the next job).
            Step::Run(command) => {
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| command(s))) {
                    Ok((back, answer)) => {
                        conn = back;
                        answer
                    }
                    Err(_) => continue,
                }
            }
            Step::Disclose(run) => {
                let r = s
                    .work(|w| {
                        run.iter()
                            .map(|d| w.record(d.pending.clone(), d.when))
                            .collect::<Result<Vec<Recorded>, _>>()
                    })
                    .map_err(CliError::from);
                conn = Some(s);
                Box::new(move |committed: CliResult<()>| match (r, committed) {
                    (Ok(proofs), Ok(())) => {
                        for (d, proof) in run.into_iter().zip(proofs) {
                            let _ = d.reply.send(Ok(proof));
                        }
                    }
                    (Err(e), _) | (Ok(_), Err(e)) => {
                        let r: CliResult<()> = Err(e);
                        for d in run {
                            let _ = d.reply.send(copy(&r));
                        }
                    }
                })
            }
        };
        if grouped {
            answers.push(answer);
        } else {
            // Committed by the command itself.
            answer(Ok(()));
        }
    }
    if !grouped {
        return conn;
    }
    let committed: CliResult<()> = match conn.as_mut() {
        Some(s) => match s.store().as_sqlite() {
            Some(sq) => sq.commit_group().map_err(CliError::from),
            None => Err(super::internal("the writer's store changed engine")),
        },
        None => Err(super::internal("the writer's connection was lost")),
    };
    let lost = committed.is_err();
    for answer in answers {
        answer(match &committed {
            Ok(()) => Ok(()),
            Err(e) => Err(CliError::from(e.error.clone())),
        });
    }
    if lost {
        None
    } else {
        conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petition_core::example::{principal, registration, setup};
    use petition_core::store::{AnyStore, SqliteStore};
    use petition_core::{CaseId, Command as Cmd, Reveal};

    type Now = chrono::DateTime<chrono::FixedOffset>;

    fn database() -> (tempfile::TempDir, PathBuf, Now) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.db");
        let mut svc = Service::new(AnyStore::Sqlite(
            SqliteStore::open(&path, true).expect("create"),
        ));
        let now = setup(&mut svc);
        (dir, path, now)
    }

    /// A grouped command job running `f` on the writer's service; its answer arrives on the
    /// receiver.
    fn job<R: Send + 'static>(
        f: impl FnOnce(&mut Service<Db>) -> Result<R, petition_core::DomainError> + Send + 'static,
    ) -> (Job, mpsc::Receiver<CliResult<R>>) {
        let (tx, rx) = mpsc::channel();
        let j = command_job(
            false,
            move |pool| {
                let mut svc = pool.take()?;
                let r = f(&mut svc);
                pool.give(svc);
                Ok(r?)
            },
            move |r| {
                let _ = tx.send(r);
            },
        );
        (j, rx)
    }

    fn register(now: Now) -> (Job, mpsc::Receiver<CliResult<CaseId>>) {
        job(move |s| {
            let li = principal(s, "li");
            Ok(s.register(&li, now, registration(now))?.case.case.id)
        })
    }

    fn cases(path: &std::path::Path) -> u64 {
        open_service(path)
            .expect("open")
            .verify(&[])
            .expect("verify")
            .cases
    }

    #[test]
    fn a_group_commits_its_commands_together_and_a_refused_one_alone_is_undone() {
        let (_dir, path, now) = database();
        // Case 1, whose showing in full the group's disclosures record.
        let mut first = open_service(&path).expect("open");
        let li = principal(&mut first, "li");
        let one = first
            .register(&li, now, registration(now))
            .expect("register")
            .case
            .case
            .id;
        let shown = first
            .read(|w| w.show(&li, &one, Reveal::AsAllowed))
            .expect("show");
        let (_sealed, pending) = shown.into_parts();
        drop(first);
        let (a, a_rx) = register(now);
        let (seen, seen_rx) = job(|s| Ok(s.store().as_sqlite().map(|sq| sq.group_intact())));
        // Refused: the department cannot act on a case that was never routed to it (to it the
        // case does not exist).
        let (refused, refused_rx) = job(move |s| {
            let wang = principal(s, "wang");
            s.execute(
                &wang,
                now,
                &CaseId::new(2026, 1),
                Cmd::Accept { assist: vec![] },
            )
            .map(|_| ())
        });
        let (reply, disclosed_rx) = mpsc::channel();
        let disclosure = || {
            Job::Disclose(Disclosure {
                pending: pending.clone(),
                when: petition_core::When::At(now),
                reply: reply.clone(),
            })
        };
        let (b, b_rx) = register(now);
        let svc = open_service(&path).expect("open");
        // Two disclosures side by side: written together.
        let back = run_group(svc, vec![a, seen, refused, disclosure(), disclosure(), b]);
        assert!(back.is_some(), "the connection is kept after a good group");
        let a = a_rx.recv().expect("answer").expect("registered");
        assert_eq!(seen_rx.recv().expect("answer").expect("ran"), Some(true));
        let e = refused_rx.recv().expect("answer").expect_err("refused");
        assert_eq!(e.error.code(), "not_found");
        disclosed_rx.recv().expect("answer").expect("disclosed");
        disclosed_rx.recv().expect("answer").expect("disclosed");
        let b = b_rx.recv().expect("answer").expect("registered");
        assert_eq!(b.as_str(), "XF2026-000003");
        assert_eq!(a.as_str(), "XF2026-000002");
        assert_eq!(cases(&path), 3);
        let mut svc = open_service(&path).expect("open");
        let report = svc.verify(&[]).expect("verify");
        assert_eq!(report.problem, None);
        assert_eq!(report.access_log, 2);
    }

    #[test]
    fn a_panic_in_a_group_answers_every_command_with_an_error_and_stores_none() {
        let (_dir, path, now) = database();
        let (a, a_rx) = register(now);
        let (boom, boom_rx) =
            job(|_| -> Result<(), petition_core::DomainError> { panic!("a defect") });
        let (b, b_rx) = register(now);
        let svc = open_service(&path).expect("open");
        let back = run_group(svc, vec![a, boom, b]);
        assert!(back.is_none(), "the connection goes with the panic");
        // Registered inside the group, then lost with it: the answer says so.
        assert_eq!(
            a_rx.recv().expect("answer").expect_err("lost").error.code(),
            "internal"
        );
        // The panicking command and the one after it never answer: their requests say
        // "internal" when the channel closes.
        assert!(boom_rx.recv().is_err());
        assert!(b_rx.recv().is_err());
        assert_eq!(cases(&path), 0);
    }

    #[test]
    fn one_job_alone_commits_on_its_own() {
        let (_dir, path, now) = database();
        let (a, a_rx) = register(now);
        let (seen, seen_rx) = job(|s| Ok(s.store().as_sqlite().map(|sq| sq.group_intact())));
        let svc = run_group(open_service(&path).expect("open"), vec![a]).expect("kept");
        a_rx.recv().expect("answer").expect("registered");
        assert_eq!(cases(&path), 1);
        run_group(svc, vec![seen]).expect("kept");
        assert_eq!(seen_rx.recv().expect("answer").expect("ran"), Some(false));
    }
}
