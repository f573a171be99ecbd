//! A file answer (the ledger, `GET /api/v1/export`), streamed.

use axum::response::Response;

/// A file answer: its bytes streamed from a blocking thread in 64 KiB chunks (a few in flight:
/// memory stays flat whatever its size), with its media type, the name to save it under and
/// its record count (`X-Petition-Records`). A client that hangs up stops the reading.
pub(super) fn file_response(d: crate::app::Download) -> Response {
    use std::io::Read;
    let (mut tx, body) =
        http_body_util::channel::Channel::<axum::body::Bytes, std::io::Error>::new(4);
    let handle = tokio::runtime::Handle::current();
    let mut file = d.file;
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = axum::body::Bytes::copy_from_slice(&buf[..n]);
                    if handle.block_on(tx.send_data(chunk)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tx.abort(e);
                    break;
                }
            }
        }
    });
    let mut resp = Response::new(axum::body::Body::new(body));
    let h = resp.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(d.media),
    );
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{}\"", d.name))
    {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-petition-records",
        axum::http::HeaderValue::from(d.records),
    );
    resp
}
