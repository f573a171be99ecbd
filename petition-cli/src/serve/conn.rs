//! The accept loop: every connection served by hyper with a deadline for its request headers,
//! at most `--max-connections` at once (the rest closed at once, before anything is read), and
//! the requests in flight finished when the server stops.
//!
//! `axum::serve` gives hyper no timer, so a client that opens a connection and sends nothing (or
//! half a request line) held it, and its memory, for good; and it accepts every connection, so a
//! thousand slow clients under the file limit made the server unreachable.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

use super::pages::Peer;

/// The longest a client may take to send a request's headers (and, on a kept-alive connection,
/// to begin the next request).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest the requests in flight are waited for when the server stops.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `stopped`, then lets the requests in flight finish (a
/// feed's long poll answers with what it has).
pub async fn serve<L>(
    mut listener: L,
    router: Router,
    max_connections: usize,
    stopped: impl Future<Output = ()>,
) where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections.max(1)));
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let (io, addr) = tokio::select! {
            c = listener.accept() => c,
            _ = &mut stopped => break,
        };
        // Over the limit: closed at once, nothing read, nothing kept.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(io);
            continue;
        };
        let peer = Peer(addr);
        let service = router
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(axum::body::Body::new)
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(
                TokioIo::new(io),
                hyper_util::service::TowerToHyperService::new(service),
            );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}
