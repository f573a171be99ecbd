//! The remote command line (`--server URL --token T`): the same command, sent to an office
//! server (`petition serve`) as its API request, answered with the same reply a local run makes,
//! and shown by the same code. A blocking client: the command line stays synchronous.

use std::io::Read;
use std::time::Duration;

use petition_core::{DomainError, Lang, Refusal, StorageError};
use serde_json::Value;

use crate::api::{self, Method};
use crate::app::{App, CliError, CliResult, Reply};
use crate::error::Shown;
use crate::Cmd;

/// The media type of a reply with its rendering data (`doc` and `meta`), which only the command
/// line asks for; other clients get the JSON document alone.
pub const REPLY_MEDIA: &str = "application/vnd.petition.reply+json";

/// The largest answer read (a page of 1,000 cases with clocks fits many times).
const MAX_ANSWER: u64 = 64 << 20;

/// Sends the command to the server and returns its reply; a refusal comes back as the server
/// showed it, a server that cannot be reached is `io`.
pub fn call(app: &App, cmd: &Cmd, matches: &clap::ArgMatches) -> CliResult<Reply> {
    let server = app.global.server.clone().unwrap_or_default();
    let base = server.trim_end_matches('/').to_string();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(crate::app::usage(
            &format!("--server {server:?} is not a server address: give http://HOST:PORT or https://HOST:PORT"),
            &format!("--server {server:?} 不是服务器地址：请给出 http://主机:端口 或 https://主机:端口"),
        ));
    }
    let token = app
        .global
        .token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| CliError::hinted(DomainError::from(Refusal::Unauthenticated)))?;
    // The command's words and the matches of its innermost subcommand.
    let mut words: Vec<&str> = Vec::new();
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        words.push(name);
        m = sub;
    }
    let route = api::route_of(&words).ok_or_else(|| {
        let name = words.join(" ");
        crate::app::usage(
            &format!("`petition {name}` runs on the database's host, not through --server: run it there with --db"),
            &format!("`petition {name}` 需在数据库所在主机上用 --db 执行，不能通过 --server 执行"),
        )
    })?;
    let root = <crate::Cli as clap::CommandFactory>::command();
    let def = api::leaf(&root, route.command).ok_or_else(|| {
        CliError::from(DomainError::from(StorageError::internal(
            "a route without its command",
        )))
    })?;
    let (path, mut params) = api::params_of(route, def, m)?;
    // A notice written to an .html file is asked for as HTML, as a local run decides.
    if let Cmd::Notice(a) = cmd {
        if a.out.as_ref().is_some_and(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html"))
        }) {
            params.insert("html".into(), Value::Bool(true));
        }
    }
    // A file to attach goes as the raw body, its title and kind in headers.
    let upload = match cmd {
        Cmd::Attach(a) => Some((a.file.clone(), upload_headers(a)?)),
        _ => None,
    };
    let body = match cmd {
        Cmd::Attach(_) => None,
        Cmd::Register(a) => Some(crate::commands::register::document(a)?),
        _ if route.method == Method::Post => Some(Value::Object(params.clone())),
        _ => None,
    };
    let mut url = format!("{base}/api/v1{path}");
    // A registration's receipt (with the query code) comes back in the reply.
    if let Cmd::Register(a) = cmd {
        if let Some(p) = &a.receipt {
            let html = p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html"));
            url.push_str(if html {
                "?receipt=html"
            } else {
                "?receipt=text"
            });
        }
    }
    let mut agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10))
        .timeout(Duration::from_secs(600));
    if let Some(ca) = std::env::var_os("PETITION_CA_CERT").filter(|v| !v.is_empty()) {
        agent = agent.tls_config(trust(std::path::Path::new(&ca))?);
    }
    let agent = agent.build();
    let mut req = agent
        .request(route.method.as_str(), &url)
        .set("Authorization", &format!("Bearer {}", token.trim()))
        .set("Accept", REPLY_MEDIA);
    // The server takes a language it is given as chosen (notices are Chinese unless English is
    // chosen), so English is sent only when chosen; Chinese either way, and English is the
    // server's default for messages.
    if app.lang == Lang::Zh || app.global.lang.is_some() {
        req = req.set(
            "Accept-Language",
            if app.lang == Lang::Zh { "zh" } else { "en" },
        );
    }
    if let Some(now) = &app.global.now {
        req = req.set("X-Petition-Now", now);
    }
    if body.is_none() && upload.is_none() {
        for (k, v) in &params {
            match v {
                Value::Array(items) => {
                    for i in items {
                        req = req.query(k, &scalar(i));
                    }
                }
                v => req = req.query(k, &scalar(v)),
            }
        }
    }
    // A write carries a fresh idempotency key, the same on this command's own retries: a retry
    // after a dropped connection gets the first answer, never a second case.
    if route.method == Method::Post {
        req = req.set("Idempotency-Key", &fresh_key());
    }
    let body = body.map(|b| b.to_string());
    let mut attempt = 0;
    let result = loop {
        attempt += 1;
        let r = match (&body, &upload) {
            (_, Some((path, headers))) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| crate::app::io_error(&path.display().to_string(), e))?;
                let mut r = req.clone().set("Content-Type", "application/octet-stream");
                for (k, v) in headers {
                    r = r.set(k, v);
                }
                r.send(std::io::BufReader::with_capacity(1 << 16, file))
            }
            (Some(b), _) => req
                .clone()
                .set("Content-Type", "application/json")
                .send_string(b),
            (None, None) => req.clone().call(),
        };
        match &r {
            Err(e) if attempt < RETRIES && retryable(e) => {
                std::thread::sleep(Duration::from_millis(250 << attempt));
            }
            _ => break r,
        }
    };
    match result {
        Ok(resp) if resp.content_type() != "application/json" && matches!(cmd, Cmd::Export(_)) => {
            let Cmd::Export(a) = cmd else {
                return Err(bad_answer(&url, "a file for another command"));
            };
            save_file(resp, a.out.as_deref(), &a.format)
        }
        Ok(resp)
            if resp.content_type() != "application/json" && matches!(cmd, Cmd::Attachment(_)) =>
        {
            let Cmd::Attachment(a) = cmd else {
                return Err(bad_answer(&url, "a file for another command"));
            };
            let crate::commands::attach::AttachmentCmd::Get { out, .. } = &a.cmd else {
                return Err(bad_answer(&url, "a file for another command"));
            };
            let to = out.as_deref().filter(|p| p.as_os_str() != "-");
            let mut r = save_file(resp, to, "file")?;
            let size = to.and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len());
            r.doc = serde_json::json!({"size": size, "sha256": a.sha256_arg()});
            Ok(r)
        }
        Ok(resp) => {
            let v = read_json(resp)?;
            serde_json::from_value::<Reply>(v).map_err(|e| bad_answer(&url, &e.to_string()))
        }
        Err(ureq::Error::Status(status, resp)) => {
            let v = read_json(resp).unwrap_or(Value::Null);
            match serde_json::from_value::<Shown>(v["error"].clone()) {
                Ok(shown) => Err(CliError::remote(shown)),
                Err(_) => Err(bad_answer(&url, &format!("HTTP {status} without an error"))),
            }
        }
        Err(ureq::Error::Transport(t)) => Err(CliError::hinted(DomainError::from(
            StorageError::unreachable(&server, t),
        ))),
    }
}

/// The headers of a file sent to `attach`: its title percent-encoded (a header carries ASCII),
/// and its kind.
fn upload_headers(
    a: &crate::commands::attach::AttachArgs,
) -> CliResult<Vec<(&'static str, String)>> {
    let title = a.title_or_name()?;
    let encoded = crate::api::encode_segment(&title);
    Ok(vec![("X-Title", encoded), ("X-Kind", a.kind.clone())])
}

/// Tries per command (the first and its retries).
const RETRIES: u32 = 4;

/// A fresh idempotency key: 128 random bits in hex.
fn fresh_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether a failed request is worth sending again with the same key: the connection broke
/// after it was made (the server restarted, a proxy dropped it), the server is unavailable, or
/// the first request with the key is still running.
fn retryable(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Transport(t) => t.kind() == ureq::ErrorKind::Io,
        ureq::Error::Status(502..=504, _) => true,
        ureq::Error::Status(409, r) => r.header("retry-after").is_some(),
        ureq::Error::Status(..) => false,
    }
}

/// TLS settings that trust the certificates of a PEM file (`PETITION_CA_CERT`: the office's own
/// certificate authority, or the server's self-signed certificate) instead of the public roots.
fn trust(path: &std::path::Path) -> CliResult<std::sync::Arc<rustls::ClientConfig>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let bad = |what: &str| {
        CliError::from(DomainError::from(Refusal::field(
            "PETITION_CA_CERT",
            &format!("{}: {what}", path.display()),
            &format!("{}：{what}", path.display()),
        )))
    };
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(&format!("not a PEM certificate file ({e})")))?;
    for c in certs {
        roots
            .add(c)
            .map_err(|e| bad(&format!("a certificate is not usable ({e})")))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no certificate"));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(std::sync::Arc::new(cfg))
}

/// A file answer (the ledger) written as it arrives: to `out` beside it and renamed at the end
/// (a broken download leaves no half file), or to standard output.
fn save_file(
    resp: ureq::Response,
    out: Option<&std::path::Path>,
    format: &str,
) -> CliResult<Reply> {
    use std::io::Write;
    let records: u64 = resp
        .header("x-petition-records")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let url = resp.get_url().to_string();
    let mut reader = resp.into_reader();
    let failed = |e: std::io::Error| crate::app::io_error(&url, e);
    match out {
        Some(path) => {
            let mut partial = crate::outfile::begin(path)?;
            let copied =
                std::io::copy(&mut reader, &mut partial.file).and_then(|_| partial.file.flush());
            if let Err(e) = copied {
                partial.abandon();
                return Err(failed(e));
            }
            partial.finish(path)?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            std::io::copy(&mut reader, &mut stdout)
                .and_then(|_| stdout.flush())
                .map_err(failed)?;
        }
    }
    Ok(Reply {
        doc: serde_json::json!({"format": format, "records": records}),
        meta: crate::app::Meta::default(),
    })
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_json(resp: ureq::Response) -> CliResult<Value> {
    let url = resp.get_url().to_string();
    let mut buf = Vec::new();
    resp.into_reader()
        .take(MAX_ANSWER)
        .read_to_end(&mut buf)
        .map_err(|e| crate::app::io_error(&url, e))?;
    serde_json::from_slice(&buf).map_err(|e| bad_answer(&url, &e.to_string()))
}

/// An answer that is not what a petition server says: the address names something else.
fn bad_answer(url: &str, detail: &str) -> CliError {
    CliError::hinted(DomainError::from(StorageError::io_detail(
        url,
        &format!("the answer is not a petition server's ({detail}): check --server"),
    )))
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_command_gets_a_fresh_valid_key() {
        let (a, b) = (super::fresh_key(), super::fresh_key());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(petition_core::idempotency::IdempotencyKey::parse(&a).is_ok());
    }
}
