//! Several servers, one database. On PostgreSQL any number of `petition serve` instances share
//! the database behind a load balancer: one of them, the leader (an advisory lock on a
//! connection of its own, released by PostgreSQL when that connection ends), runs the
//! time-driven work, and another takes over within [`LEAD_POLL`] of its end; every commit wakes
//! the change feed's long polls on every instance (`LISTEN`/`NOTIFY`). A SQLite file is served
//! by one instance only: a second one on the same file is refused at start.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use petition_core::{DomainError, Refusal};
use serde_json::json;

use super::{log, Shared};
use crate::app::{open_service, CliError, CliResult};

/// How often an instance that does not lead tries to take over (and the leader checks that its
/// connection still holds the lock).
pub const LEAD_POLL: Duration = Duration::from_secs(5);

/// This instance among the others.
pub struct Cluster {
    /// Its name (`--instance`), in its logs and its health answer.
    pub instance: String,
    /// Whether it runs the time-driven work now.
    leader: AtomicBool,
    /// On SQLite, the lock file that keeps a second server off the database (held open).
    _sqlite_lock: Option<std::fs::File>,
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
}

impl Cluster {
    /// The instance `name` (or this host's name and process id) on the database at `db`:
    /// on SQLite, the only one — a second is refused, naming the first.
    pub fn start(db: &Path, name: Option<&str>) -> CliResult<Cluster> {
        let instance = name
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}-{}", host_name(), std::process::id()));
        let postgres = petition_core::store::AnyStore::is_postgres_url(&db.to_string_lossy());
        let lock = (!postgres)
            .then(|| sqlite_lock(db, &instance))
            .transpose()?;
        Ok(Cluster {
            instance,
            // SQLite: the one instance leads; PostgreSQL: once it holds the lock.
            leader: AtomicBool::new(!postgres),
            _sqlite_lock: lock,
            engine: if postgres { "postgres" } else { "sqlite" },
        })
    }

    /// Whether this instance runs the time-driven work now.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }
}

/// This machine's name, for an instance's default name.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "petition".into())
}

/// Takes the lock file beside a SQLite database for this server's life (`DB.serve-lock`,
/// holding the instance's name and process id), or refuses when another server holds it.
fn sqlite_lock(db: &Path, instance: &str) -> CliResult<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let mut path = db.as_os_str().to_owned();
    path.push(".serve-lock");
    let path = std::path::PathBuf::from(path);
    let io = |e: std::io::Error| crate::app::io_error(&path.display().to_string(), e);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim().to_string();
            return Err(CliError::from(DomainError::from(Refusal::invalid(
                &format!(
                    "another petition serve ({holder}) is serving {}: a SQLite file is served by one server only; stop it first, or move the office to PostgreSQL (petition copy) to run several",
                    db.display()
                ),
                &format!(
                    "另一个 petition serve（{holder}）正在提供 {} 的服务：一个 SQLite 文件只能由一个服务器提供服务；请先停止它，或把数据库迁到 PostgreSQL（petition copy）后运行多个",
                    db.display()
                ),
            ))));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{instance} pid {}", std::process::id()).map_err(io)?;
    Ok(file)
}

/// On PostgreSQL: takes the leadership when no instance holds it, and keeps checking that this
/// instance still does, on a connection of its own (every [`LEAD_POLL`]); a lost connection is
/// a lost leadership, opened again on the next round. Returns when the server stops.
pub async fn lead(shared: Arc<Shared>, db: std::path::PathBuf) {
    if shared.cluster.engine != "postgres" {
        return;
    }
    let mut stopping = shared.stopping.clone();
    let mut conn: Option<petition_core::Service<crate::app::Db>> = None;
    loop {
        let db2 = db.clone();
        let taken = conn.take();
        let round = tokio::task::spawn_blocking(move || {
            let mut svc = match taken {
                Some(s) => s,
                None => open_service(&db2)?,
            };
            let r = match svc.store().as_pg() {
                Some(pg) => pg.try_lead().map_err(CliError::from),
                None => Ok(false),
            };
            Ok::<_, CliError>((svc, r))
        })
        .await;
        let now_leader = match round {
            Ok(Ok((svc, Ok(lead)))) => {
                conn = Some(svc);
                lead
            }
            // The connection is lost or cannot be opened: no longer the leader.
            Ok(Ok((_, Err(e)))) | Ok(Err(e)) => {
                log(
                    json!({"event": "lead", "error": e.code(), "instance": shared.cluster.instance}),
                );
                false
            }
            Err(_) => false,
        };
        let was = shared.cluster.leader.swap(now_leader, Ordering::SeqCst);
        if was != now_leader {
            log(
                json!({"event": if now_leader { "leading" } else { "not_leading" }, "instance": shared.cluster.instance}),
            );
            if now_leader {
                shared.lead_changed.notify_waiters();
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(LEAD_POLL) => {}
            _ = stopping.wait_for(|s| *s) => break,
        }
    }
    // The lock goes with the connection, on a blocking thread (a PostgreSQL connection closes
    // by blocking).
    if let Some(svc) = conn {
        let _ = tokio::task::spawn_blocking(move || drop(svc)).await;
    }
}

/// On PostgreSQL: wakes this instance's long polls for every change any instance (or a desk
/// writing to the database directly) commits, on a connection of its own that listens; opened
/// again after a failure. Runs on a thread of its own until the server stops.
pub fn listen(shared: Arc<Shared>, db: std::path::PathBuf) {
    if shared.cluster.engine != "postgres" {
        return;
    }
    let stopping = shared.stopping.clone();
    let _ = std::thread::Builder::new()
        .name("petition-listen".into())
        .spawn(move || {
            let mut conn: Option<petition_core::Service<crate::app::Db>> = None;
            while !*stopping.borrow() {
                let svc = match conn.as_mut() {
                    Some(s) => s,
                    None => match open_service(&db).and_then(|mut s| {
                        if let Some(pg) = s.store().as_pg() {
                            pg.listen_changes()?;
                        }
                        Ok(s)
                    }) {
                        Ok(s) => conn.insert(s),
                        Err(_) => {
                            std::thread::sleep(Duration::from_secs(1));
                            continue;
                        }
                    },
                };
                let woke = match svc.store().as_pg() {
                    Some(pg) => pg.wait_change(Duration::from_millis(500)),
                    None => return,
                };
                match woke {
                    Ok(true) => shared.changed.notify_waiters(),
                    Ok(false) => {}
                    Err(_) => conn = None,
                }
            }
        });
}

/// `GET /api/v1/health`, for a load balancer (no token): 200 with this instance's name, engine,
/// whether it leads, and the chain's head as its database gives it; 503 when the database does
/// not answer (the balancer then sends requests to the other instances).
pub async fn health(shared: &Arc<Shared>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let s = shared.clone();
    let head = tokio::task::spawn_blocking(move || {
        let mut svc = crate::app::Pool::take(&s.pool)?;
        let r = svc.check_head();
        crate::app::Pool::give(&s.pool, svc);
        Ok::<_, CliError>(r?)
    })
    .await;
    let c = &shared.cluster;
    let mut doc = json!({"instance": c.instance, "engine": c.engine, "leader": c.is_leader()});
    match head {
        Ok(Ok(head)) => {
            doc["status"] = json!("ok");
            doc["chain"] = json!(head);
            (axum::http::StatusCode::OK, axum::Json(doc)).into_response()
        }
        Ok(Err(e)) => {
            doc["status"] = json!("unavailable");
            doc["error"] = json!(e.code());
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(doc)).into_response()
        }
        Err(_) => {
            doc["status"] = json!("unavailable");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(doc)).into_response()
        }
    }
}
