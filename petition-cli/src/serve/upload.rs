//! A file sent to the case file (`POST /api/v1/cases/{case}/attachments`): after the token, the
//! case and the limit are checked, the body is streamed into an unnamed temporary file (the
//! operating system removes it when the process ends, however it ends), recognised, hashed and
//! counted as it arrives: past the limit the request ends at once with HTTP 413, and memory
//! holds one piece of the body at a time.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use petition_core::attachment::{ContentType, Inspector};
use petition_core::{CaseId, DomainError, Lang, Refusal};
use serde_json::Value;

use super::http::{error_response, refused};
use super::manners::error_with_status;
use super::Shared;
use crate::app::{CliError, Session};
use crate::commands::attach::Upload;

/// The longest a client may take to send a file.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// A file received whole: the upload for `attach`, the command's parameters from the headers,
/// and the file's SHA-256 (what an idempotency key is checked against).
pub struct Received {
    pub upload: Upload,
    pub params: Vec<(String, Value)>,
    pub digest: String,
}

/// Receives the file of case `case` from `session`'s request, or the answer that refuses it.
pub async fn receive(
    shared: &Arc<Shared>,
    session: &Session,
    case: &str,
    headers: &HeaderMap,
    body: Body,
    lang: Lang,
) -> Result<Received, Response> {
    let fail = |e: CliError| error_response(&e, lang);
    let id = CaseId::parse(case).map_err(|e| fail(CliError::from(e)))?;
    let params = params_of(headers).map_err(fail)?;
    // The case and the room left in it, before a byte of the body is read.
    let s = shared.clone();
    let principal = session.principal.clone();
    let max = tokio::task::spawn_blocking(move || {
        let mut svc = crate::app::Pool::take(&s.pool)?;
        let r = svc.attach_limit(&principal, &id);
        crate::app::Pool::give(&s.pool, svc);
        Ok::<u64, CliError>(r?)
    })
    .await
    .map_err(|_| fail(super::internal("a request's task did not finish")))?
    .map_err(fail)?;
    let too_large = |e: DomainError| {
        error_with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            &CliError::from(e),
            lang,
            None,
        )
    };
    let declared_len = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > max) {
        drain(body).await;
        return Err(too_large(petition_core::attachment::too_large(max)));
    }
    let declared = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(ContentType::of_media);
    let io = |e: std::io::Error| {
        fail(CliError::from(DomainError::from(
            petition_core::StorageError::io("the uploaded file", e),
        )))
    };
    let mut file = tempfile::tempfile().map_err(io)?;
    let mut inspector = Inspector::new(max);
    let mut body = body;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                let e = fail(refused(Refusal::usage_of(
                    "body",
                    &format!("cannot be read ({e})"),
                    &format!("无法读取（{e}）"),
                )));
                (e, false)
            })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if let Err(e) = inspector.update(&data) {
                return Err(if inspector.size() > max {
                    (too_large(e), true)
                } else {
                    (fail(CliError::from(e)), true)
                });
            }
            file.write_all(&data).map_err(|e| (io(e), false))?;
        }
        Ok(())
    };
    match tokio::time::timeout(UPLOAD_TIMEOUT, read).await {
        Ok(Ok(())) => {}
        // A refused file's rest is read (and dropped) so that the client, still sending, reads
        // the answer.
        Ok(Err((resp, rest))) => {
            if rest {
                drain(body).await;
            }
            return Err(resp);
        }
        Err(_) => {
            return Err(error_with_status(
                StatusCode::REQUEST_TIMEOUT,
                &refused(Refusal::usage_of(
                    "body",
                    &format!("did not arrive within {} s", UPLOAD_TIMEOUT.as_secs()),
                    &format!("未在 {} 秒内送达", UPLOAD_TIMEOUT.as_secs()),
                )),
                lang,
                None,
            ))
        }
    }
    let meta = inspector.finish().map_err(|e| fail(CliError::from(e)))?;
    Ok(Received {
        upload: Upload { file, declared },
        params,
        digest: meta.sha256,
    })
}

/// Reads and drops what is left of a refused body, at most [`DRAINED`] bytes within 30 s (a
/// client that sends a refused file whole then reads the refusal, instead of a reset).
async fn drain(mut body: Body) {
    let rest = async {
        let mut n = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            n += frame.data_ref().map_or(0, |d| d.len());
            if n > DRAINED {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(30), rest).await;
}

/// The most of a refused body read before the connection is dropped.
const DRAINED: usize = 64 << 20;

/// The command's parameters from the headers: `X-Title` (UTF-8, percent-encoded or not) and
/// `X-Kind`.
fn params_of(headers: &HeaderMap) -> Result<Vec<(String, Value)>, CliError> {
    let mut params = Vec::new();
    if let Some(v) = headers.get("x-title") {
        let title = percent_decoded(v.as_bytes()).ok_or_else(|| {
            refused(Refusal::usage_of(
                "X-Title",
                "is not UTF-8 text (percent-encode it: %E6%9D%A5%E4%BF%A1 for 来信)",
                "不是 UTF-8 文本（请百分号编码：来信 为 %E6%9D%A5%E4%BF%A1）",
            ))
        })?;
        params.push(("title".to_string(), Value::String(title)));
    }
    if let Some(v) = headers.get("x-kind") {
        let kind = v
            .to_str()
            .map_err(|_| refused(Refusal::usage_of("X-Kind", "is not text", "不是文本")))?;
        params.push(("kind".to_string(), Value::String(kind.to_string())));
    }
    Ok(params)
}

/// `%XX` sequences decoded, then the bytes read as UTF-8.
fn percent_decoded(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' if i + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_are_percent_decoded_utf8() {
        assert_eq!(
            super::percent_decoded(b"%E6%9D%A5%E4%BF%A1%20scan").as_deref(),
            Some("来信 scan")
        );
        assert_eq!(
            super::percent_decoded("来信".as_bytes()).as_deref(),
            Some("来信")
        );
        assert_eq!(super::percent_decoded(b"%ZZ"), None);
        assert_eq!(super::percent_decoded(b"%E6%9D"), None);
        assert_eq!(super::percent_decoded(b"100%"), Some("100%".into()));
    }
}
