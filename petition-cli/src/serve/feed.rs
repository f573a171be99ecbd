//! The change feed's long poll (`GET /api/v1/events`): the chain entries after a position that
//! the token may read, filtered by case and type, waiting up to a minute for new ones.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Query;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use petition_core::org::Staff;
use petition_core::{Lang, Refusal};
use serde_json::json;

use super::http::{authenticate, refused};
use super::{internal, Shared};
use crate::app::{CliError, CliResult, Pool};

/// The longest a feed request waits for new entries.
const MAX_WAIT_SECS: u64 = 60;

/// `GET /events?after=N&limit=M&wait=S`: the feed's entries after N the caller may read; with
/// none, waits up to S seconds for some (long poll), and answers at once when the server stops.
pub(super) async fn events(
    shared: &Arc<Shared>,
    uri: &Uri,
    token: Option<String>,
    now: Option<String>,
    lang: Lang,
) -> (CliResult<Response>, Option<String>) {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let mut after = 0u64;
    let mut limit = 100usize;
    let mut wait = 0u64;
    let mut filter = petition_core::interchange::FeedFilter::default();
    for (k, v) in &pairs {
        match k.as_str() {
            "case" => match petition_core::CaseId::parse(v) {
                Ok(id) => {
                    filter.case = Some(id);
                    continue;
                }
                Err(e) => return (Err(CliError::from(e)), None),
            },
            "types" => {
                filter.types = v
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect();
                continue;
            }
            _ => {}
        }
        let n = v
            .parse::<u64>()
            .map_err(|_| refused(Refusal::usage_of(k, "must be a whole number", "必须是整数")));
        let n = match n {
            Ok(n) => n,
            Err(e) => return (Err(e), None),
        };
        match k.as_str() {
            "after" => after = n,
            "limit" => limit = n.clamp(1, 1000) as usize,
            "wait" => wait = n.min(MAX_WAIT_SECS),
            _ => {
                return (
                    Err(refused(Refusal::usage_of(
                        k,
                        "is not a parameter of the feed, which takes after, limit, wait, case and types",
                        "不是变更流的参数；可用参数：after、limit、wait、case、types",
                    ))),
                    None,
                )
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(wait);
    let mut stopping = shared.stopping.clone();
    let mut actor = None;
    loop {
        // Registered before the read, so a change committed during it still wakes this poll.
        let notified = shared.changed.notified();
        let s = shared.clone();
        let t = token.clone();
        let n = now.clone();
        let f = filter.clone();
        let Ok(permit) = shared.reads.acquire().await else {
            return (Err(internal("the server is stopping")), actor);
        };
        let page = tokio::task::spawn_blocking(move || -> CliResult<(Staff, _)> {
            let session = authenticate(&s, t.as_deref(), false, lang)?;
            let mut svc = s.pool.take()?;
            let r = (|| {
                let when = match &n {
                    Some(x) => petition_core::When::At(crate::app::parse_time(x, session.tz)?),
                    None => petition_core::When::Now,
                };
                petition_core::interchange::feed(
                    &mut svc,
                    &session.principal,
                    after,
                    limit,
                    &f,
                    when,
                )
            })();
            s.pool.give(svc);
            Ok((session.staff, r?))
        })
        .await;
        drop(permit);
        let (staff, page) = match page {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => return (Err(e), actor),
            Err(_) => return (Err(internal("a feed task did not finish")), actor),
        };
        actor = Some(staff.id.as_str().to_string());
        after = page.last;
        let left = deadline.saturating_duration_since(Instant::now());
        if !page.entries.is_empty() || left.is_zero() || *stopping.borrow() {
            let mut doc = json!({"entries": page.entries, "last": page.last, "head": page.head});
            petition_core::input::times_to_the_second(&mut doc);
            return (Ok(axum::Json(doc).into_response()), actor);
        }
        // Another process may write the same database: look again at least every second.
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(left.min(Duration::from_secs(1))) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
    }
}
