//! The HTTP manners of the API: request ids, the path as logged, a body read only from a known
//! caller within its limits, and errors answered with a status of their own (405, 408, 413).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use petition_core::{Lang, Refusal};

use super::http::{decode_segment, error_response, refused};
use crate::api::{self, Method};
use crate::app::CliError;

/// The largest request body read.
pub const MAX_BODY: usize = 8 << 20;
/// The longest a client may take to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A request's `X-Request-Id` when it gives a usable one (1–128 visible ASCII characters), or a
/// new one.
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()))
}

/// The path as logged: an API path with every value in it that is not a case number replaced
/// (`GET /search/{text}` carries search terms, phone numbers among them); a path that names no
/// route has all but its first segment replaced.
pub fn logged_path(uri: &Uri) -> String {
    let path = uri.path();
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return "…".into();
    };
    let segments: Vec<String> = rest.split('/').map(decode_segment).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if segments == ["openapi.json"] || segments == ["events"] {
        return path.to_string();
    }
    let matched = [Method::Get, Method::Post]
        .into_iter()
        .find_map(|m| api::match_path(m, &segments).ok());
    match (matched, rest.split_once('/')) {
        (Some((_, values)), _) => {
            let shown: Vec<&str> = segments
                .iter()
                .map(|seg| {
                    let value = values.iter().any(|(_, v)| v == seg);
                    match value && petition_core::ids::CaseId::parse(seg).is_err() {
                        true => "…",
                        false => seg,
                    }
                })
                .collect();
            format!("/api/v1/{}", shown.join("/"))
        }
        (None, Some((first, _))) => format!("/api/v1/{first}/…"),
        (None, None) => format!("/api/v1/{rest}"),
    }
}

/// A request's body, read once the caller is known: at most [`MAX_BODY`] bytes (more is HTTP
/// 413) within [`BODY_TIMEOUT`] (longer is HTTP 408), both answered in the API's error form.
pub async fn read_body(body: Body, lang: Lang) -> Result<Bytes, Response> {
    let limited = axum::body::to_bytes(body, MAX_BODY);
    match tokio::time::timeout(BODY_TIMEOUT, limited).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => {
            let too_long = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            let (status, en, zh) = match too_long {
                true => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("is longer than the limit of {} MiB", MAX_BODY >> 20),
                    format!("超过 {} MiB 的上限", MAX_BODY >> 20),
                ),
                false => (
                    StatusCode::BAD_REQUEST,
                    format!("cannot be read ({e})"),
                    format!("无法读取（{e}）"),
                ),
            };
            Err(error_with_status(
                status,
                &refused(Refusal::usage_of("body", &en, &zh)),
                lang,
                None,
            ))
        }
        Err(_) => Err(error_with_status(
            StatusCode::REQUEST_TIMEOUT,
            &refused(Refusal::usage_of(
                "body",
                &format!("did not arrive within {} s", BODY_TIMEOUT.as_secs()),
                &format!("未在 {} 秒内送达", BODY_TIMEOUT.as_secs()),
            )),
            lang,
            None,
        )),
    }
}

/// An error answered with an HTTP status of its own (405, 408, 413) rather than its code's,
/// with `Allow` when given.
pub fn error_with_status(
    status: StatusCode,
    e: &CliError,
    lang: Lang,
    allow: Option<&[Method]>,
) -> Response {
    let mut resp = error_response(e, lang);
    *resp.status_mut() = status;
    if let Some(list) = allow {
        let list: Vec<&str> = list.iter().map(|m| m.as_str()).collect();
        if let Ok(v) = axum::http::HeaderValue::from_str(&list.join(", ")) {
            resp.headers_mut().insert(axum::http::header::ALLOW, v);
        }
    }
    resp
}
