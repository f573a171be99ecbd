//! TLS for the server (rustls, ring): the certificate chain and key from PEM files, and a
//! listener whose handshakes run side by side (a slow or silent client holds up only itself,
//! for at most [`HANDSHAKE`]).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use petition_core::{DomainError, Refusal};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::app::{CliError, CliResult};

/// The longest a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

fn bad_file(flag: &str, path: &Path, what: &str) -> CliError {
    CliError::from(DomainError::from(Refusal::field(
        flag,
        &format!("{}: {what}", path.display()),
        &format!("{}：{what}", path.display()),
    )))
}

/// The server's TLS settings from a PEM certificate chain and a PEM private key.
pub fn config(cert: &Path, key: &Path) -> CliResult<Arc<rustls::ServerConfig>> {
    if !cert.is_file() {
        return Err(bad_file("tls-cert", cert, "no such file"));
    }
    if !key.is_file() {
        return Err(bad_file("tls-key", key, "no such file"));
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            bad_file(
                "tls-cert",
                cert,
                &format!("not a PEM certificate chain ({e})"),
            )
        })?;
    if chain.is_empty() {
        return Err(bad_file("tls-cert", cert, "holds no certificate"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| bad_file("tls-key", key, &format!("not a PEM private key ({e})")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad_file("tls-cert", cert, &e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| {
            bad_file(
                "tls-key",
                key,
                &format!("does not fit the certificate ({e})"),
            )
        })?;
    Ok(Arc::new(cfg))
}

/// Accepts TCP connections and hands on those whose TLS handshake completed.
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp` with `config`.
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, ready) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(x) => x,
                    // Out of file descriptors and the like: wait and go on.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    return;
                }
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await
                    {
                        let _ = tx.send((tls, addr)).await;
                    }
                });
            }
        });
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(x) => x,
            // The accepting task ended (it never does while the server runs): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
