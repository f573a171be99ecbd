//! `petition serve`: the office server. One database shared by the clerks' desks and by other
//! government systems over HTTP and JSON, with identity proven by bearer tokens.
//!
//! The store is synchronous, so no request touches it on an async worker: a read runs on tokio's
//! blocking pool with a connection taken from a small pool of open connections
//! ([`pool::DbPool`]), its token check, command and JSON body on one such thread; a write goes
//! to the one writer thread, which on SQLite commits the commands waiting together in one
//! transaction (each in a savepoint of its own) and answers them after that commit. A command
//! that loses a race is retried by the service, never half-applied.

mod cluster;
mod conn;
mod download;
mod feed;
mod http;
mod keys;
mod manners;
pub mod openapi;
mod pages;
mod pool;
mod rate;
mod tls;
mod upload;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use petition_core::audit::ClockMode;
use petition_core::{DomainError, Refusal, StorageError};
use serde_json::json;

use crate::app::{usage, App, CliError, CliResult, Pool};

/// Run the office server: the JSON API under /api/v1 for the clerks' desks (`petition --server
/// URL --token T …`) and other systems, the change feed (/api/v1/events), and, on a live
/// database, the time-driven work every `tick_minutes` (policy, default 15). Requests are logged
/// on standard error as JSON lines, without personal data or tokens. SIGTERM (or Ctrl-C)
/// finishes the requests in flight, then exits 0.
///
/// Listening beyond this machine needs TLS (--tls-cert/--tls-key), or --insecure-http behind a
/// proxy that terminates TLS.
///
/// The public pages need no login: /status (a petitioner follows the case with its number and
/// query code, and rates the answer) and /kpi (the month's figures by unit). Failed look-ups are
/// limited per client address and per case (policy status_failures_per_address/per_case).
///
/// Examples:
///   petition --db /var/lib/petition/petition.db serve
///   petition --db /var/lib/petition/petition.db serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Address and port to listen on (port 0: any free port, printed at start)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: String,
    /// TLS certificate chain (PEM)
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Serve plain HTTP on a non-loopback address (only behind a proxy that terminates TLS)
    #[arg(long)]
    pub insecure_http: bool,
    /// Open database connections kept between requests
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub connections: usize,
    /// A reverse proxy in front of the public pages: for requests from this address the
    /// client is the last address of X-Forwarded-For (for the look-up limits). Repeatable
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Connections served at once; more are closed at once (each client may keep one open)
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// This server's name among several on one PostgreSQL database (in its logs and
    /// /api/v1/health; default: the host's name and the process id)
    #[arg(long, value_name = "NAME")]
    pub instance: Option<String>,
}

/// What every request shares.
pub struct Shared {
    /// Open connections.
    pub pool: pool::DbPool,
    /// The database's clock mode (it never changes).
    pub clock: ClockMode,
    /// Woken after every change this server makes (the feed's long polls wait on it).
    pub changed: tokio::sync::Notify,
    /// Becomes `true` when the server is asked to stop.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Read connections in use at once, at most `--connections`: more requests wait their turn,
    /// so memory stays bounded however many clients come.
    pub reads: tokio::sync::Semaphore,
    /// The counts of failed look-ups on the public status page.
    pub limits: pages::limits::Limits,
    /// The figures pages of the last minute.
    pub kpi_cache: pages::KpiCache,
    /// On a simulated database, the time of requests that name none (`--now`).
    pub default_now: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Served over TLS (answers then carry `Strict-Transport-Security`).
    pub tls: bool,
    /// The requests of each token in the current minute (policy `api_*_per_minute`).
    pub token_limits: rate::TokenLimits,
    /// Idempotency keys whose first request is running.
    pub in_flight: keys::InFlight,
    /// This instance among the others on one database, and whether it leads.
    pub cluster: cluster::Cluster,
    /// Woken when this instance becomes the leader.
    pub lead_changed: tokio::sync::Notify,
}

pub fn run(app: &App, a: &Args) -> CliResult {
    let addr: SocketAddr = a.listen.parse().map_err(|_| {
        usage(
            &format!(
                "--listen {:?} is not an address and port such as 127.0.0.1:8080",
                a.listen
            ),
            &format!(
                "--listen {:?} 不是 127.0.0.1:8080 这样的地址和端口",
                a.listen
            ),
        )
    })?;
    let tls = a.tls_cert.is_some();
    if !addr.ip().is_loopback() && !tls && !a.insecure_http {
        return Err(usage(
            &format!("listening on {addr} without TLS would send tokens and personal data in clear text: give --tls-cert and --tls-key, or --insecure-http behind a proxy that terminates TLS"),
            &format!("在 {addr} 上不加密监听会以明文传输令牌和个人信息：请提供 --tls-cert 和 --tls-key，或在终止 TLS 的代理之后使用 --insecure-http"),
        ));
    }
    let tls_config = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(tls::config(cert, key)?),
        _ => None,
    };
    let path = app.db_path()?;
    // A second server on a SQLite file is refused before anything opens it.
    let cluster = cluster::Cluster::start(&path, a.instance.as_deref())?;
    let connections = a.connections.clamp(1, 64);
    let pool = pool::DbPool::new(path.clone(), connections);
    // The start-up check: the chain's last entry hashes, or nothing is served.
    let (clock, head) = {
        let mut svc = pool.take()?;
        let head = svc.check_head()?;
        let clock = svc.clock_mode()?;
        pool.give(svc);
        (clock, head)
    };
    let default_now = app.global.now.clone();
    if default_now.is_some() && clock == ClockMode::System {
        return Err(CliError::from(super::serve::live_time_refused()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Every blocking task holds a read permit (at most `connections`), but for the tick:
        // more threads would only keep more idle memory (each thread's allocator heap).
        .max_blocking_threads(connections + 2)
        .build()
        .map_err(|e| crate::app::io_error("the server's runtime", e))?;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let shared = Arc::new(Shared {
        pool,
        clock,
        changed: tokio::sync::Notify::new(),
        stopping,
        reads: tokio::sync::Semaphore::new(connections),
        limits: pages::limits::Limits::default(),
        kpi_cache: pages::KpiCache::default(),
        default_now,
        trusted_proxies: a.trusted_proxy.clone(),
        tls: tls_config.is_some(),
        token_limits: rate::TokenLimits::default(),
        in_flight: keys::InFlight::default(),
        cluster,
        lead_changed: tokio::sync::Notify::new(),
    });
    // The last reference to the connections stays on this thread and is dropped after the
    // runtime: a PostgreSQL connection closes by blocking on a runtime of its own, which it may
    // not do on a thread that drives this one.
    let served = shared.clone();
    let result = runtime.block_on(async move {
        let shared = served;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| crate::app::io_error(&addr.to_string(), e))?;
        let bound = listener
            .local_addr()
            .map_err(|e| crate::app::io_error(&addr.to_string(), e))?;
        // The one line on standard output: where to send requests (tests and scripts read it).
        let scheme = if tls_config.is_some() { "https" } else { "http" };
        crate::app::out(&format!("listening on {scheme}://{bound}"));
        log(json!({"event": "started", "listen": bound.to_string(), "clock": clock.as_str(), "chain": head,
            "instance": shared.cluster.instance, "engine": shared.cluster.engine}));
        tokio::spawn(cluster::lead(shared.clone(), path.clone()));
        cluster::listen(shared.clone(), path.clone());
        if clock == ClockMode::System {
            tokio::spawn(tick_loop(shared.clone()));
        }
        tokio::spawn(async move {
            wait_for_signal().await;
            let _ = stop.send(true);
        });
        let mut stopping = shared.stopping.clone();
        let stopped = async move {
            let _ = stopping.wait_for(|s| *s).await;
        };
        let router = http::router(shared.clone());
        let max = a.max_connections;
        match tls_config {
            Some(cfg) => {
                let listener = tls::TlsListener::new(listener, cfg)
                    .map_err(|e| crate::app::io_error(&addr.to_string(), e))?;
                conn::serve(listener, router, max, stopped).await
            }
            None => conn::serve(listener, router, max, stopped).await,
        }
        log(json!({"event": "stopped"}));
        Ok::<(), CliError>(())
    });
    runtime.shutdown_timeout(Duration::from_secs(10));
    drop(shared);
    result
}

/// SIGTERM, or Ctrl-C.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The time-driven work on a live database: at start, then every `tick_minutes`.
async fn tick_loop(shared: Arc<Shared>) {
    let mut stopping = shared.stopping.clone();
    loop {
        // Only the leader runs it (on SQLite the one instance leads); another waits its turn.
        if !shared.cluster.is_leader() {
            tokio::select! {
                _ = shared.lead_changed.notified() => {}
                _ = tokio::time::sleep(cluster::LEAD_POLL) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            continue;
        }
        let s = shared.clone();
        let done = tokio::task::spawn_blocking(move || -> CliResult<(serde_json::Value, u32)> {
            let mut svc = s.pool.take()?;
            // Its own commits only: a read connection commits nothing else.
            crate::app::for_bulk_work(&mut svc)?;
            let r = (|| {
                let minutes = svc.read(|w| Ok(w.policy().tick_minutes))?;
                // A live database: the library takes the time from the system clock.
                let summary = svc.tick(petition_core::When::Now)?;
                Ok::<_, DomainError>((json!(summary), minutes))
            })();
            s.pool.give(svc);
            Ok(r?)
        })
        .await;
        let minutes = match done {
            Ok(Ok((summary, minutes))) => {
                if summary["events"].as_u64().unwrap_or(0) > 0 {
                    shared.changed.notify_waiters();
                }
                log(
                    json!({"event": "tick", "summary": summary, "instance": shared.cluster.instance}),
                );
                minutes
            }
            Ok(Err(e)) => {
                log(json!({"event": "tick", "error": e.code()}));
                15
            }
            Err(_) => {
                log(json!({"event": "tick", "error": "internal"}));
                15
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(u64::from(minutes.max(1)) * 60)) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}

/// One JSON line on standard error, with the time: built first and written with one call
/// (standard error is unbuffered: printed piece by piece, a line cost a system call per key).
pub fn log(mut v: serde_json::Value) {
    use std::io::Write as _;
    v["time"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let mut line = v.to_string();
    line.push('\n');
    // A log that cannot be written (a closed standard error) must not stop the request.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The refusal of `X-Petition-Now` on a live database.
pub fn live_time_refused() -> DomainError {
    DomainError::from(Refusal::invalid(
        "this is a live database (system clock): the server's clock is the time of every request, so X-Petition-Now is refused",
        "这是正式数据库（系统时钟）：每个请求都以服务器时间为准，不接受 X-Petition-Now",
    ))
}

/// A defect of the server itself (a task that did not finish).
pub fn internal(what: &str) -> CliError {
    CliError::from(DomainError::from(StorageError::internal(what)))
}

crate::commands::own_output!(
    Args => run;
);
