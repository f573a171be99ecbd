//! Idempotency keys on the API: a `POST` may carry `Idempotency-Key`; the first request with a
//! key runs and its answer is kept with its command (by the library, in the command's own
//! transaction); a retry gets that answer again (`Idempotent-Replayed: true`), another request
//! under the same key is refused, and a retry while the first still runs is told to wait.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use petition_core::idempotency::{IdempotencyKey, KeyClaim, Remembered};
use petition_core::{DomainError, Lang, Principal, Refusal};
use serde_json::json;

use crate::app::{CliError, CliResult, Pool};

/// The `details.kind` of a retry whose first request is still running.
pub const IN_FLIGHT: &str = "in_flight";
/// The `details.kind` of a key whose command committed but whose answer was lost.
pub const UNANSWERED: &str = "idempotency_unanswered";

/// The request's key, if it carries one (a malformed one is `validation`).
pub fn key_of(headers: &HeaderMap) -> CliResult<Option<IdempotencyKey>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or("\u{1}");
    Ok(Some(IdempotencyKey::parse(text).map_err(CliError::from)?))
}

/// The claim of a request under `key` by `staff`: its method, path and query, and body, digested.
pub fn claim(
    key: IdempotencyKey,
    staff: &petition_core::StaffId,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> KeyClaim {
    KeyClaim {
        staff: staff.clone(),
        key,
        digest: petition_core::idempotency::digest(&[
            method.as_bytes(),
            path_and_query.as_bytes(),
            body,
        ]),
    }
}

/// Keys whose first request is running in this process.
#[derive(Default)]
pub struct InFlight(Mutex<HashSet<(String, String)>>);

/// A key held while its request runs; released on drop.
pub struct Held {
    set: Arc<crate::serve::Shared>,
    entry: (String, String),
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut s) = self.set.in_flight.0.lock() {
            s.remove(&self.entry);
        }
    }
}

/// Holds `claim`'s key for its request, or says another request with it is running.
pub fn hold(shared: &Arc<crate::serve::Shared>, claim: &KeyClaim, lang: Lang) -> CliResult<Held> {
    let entry = (
        claim.staff.as_str().to_string(),
        claim.key.as_str().to_string(),
    );
    let fresh = shared
        .in_flight
        .0
        .lock()
        .map(|mut s| s.insert(entry.clone()))
        .unwrap_or(false);
    if !fresh {
        return Err(conflict(
            IN_FLIGHT,
            lang,
            "the first request with this Idempotency-Key is still running: try again in a second",
            "使用该 Idempotency-Key 的第一个请求仍在处理中：请一秒后重试",
            None,
        ));
    }
    Ok(Held {
        set: shared.clone(),
        entry,
    })
}

/// A `conflict` with its `details.kind` (and the case, when one is named).
fn conflict(kind: &str, lang: Lang, en: &str, zh: &str, case: Option<String>) -> CliError {
    let mut details = json!({ "kind": kind });
    if kind == IN_FLIGHT {
        details["retry_after"] = json!(1);
    }
    if let Some(c) = case {
        details["case"] = json!(c);
    }
    let message = match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    super::rate::conflict(message.to_string(), details)
}

/// What a keyed request gave: its first answer again, or a fresh one.
pub enum Keyed {
    /// The first answer (status and body), replayed.
    Replay(u16, Vec<u8>),
    /// This request's own answer.
    Fresh(Vec<u8>),
}

/// What a key says about its request, read on a connection of `pool` (the writer's). Call it
/// while holding the key ([`hold`]): a first request that finished before the hold was taken is
/// committed, and seen here. `None`: run it.
pub fn remembered(
    pool: &dyn Pool,
    p: &Principal,
    claim: &KeyClaim,
    lang: Lang,
) -> CliResult<Option<Keyed>> {
    let mut svc = pool.take()?;
    let seen = svc.remembered(p, claim);
    pool.give(svc);
    match seen? {
        Remembered::Fresh => Ok(None),
        Remembered::Replay { status, body } => Ok(Some(Keyed::Replay(status, body.into_bytes()))),
        Remembered::Mismatch => Err(CliError::from(DomainError::from(
            Refusal::IdempotencyMismatch,
        ))),
        Remembered::Unanswered { case } => Err(conflict(
            UNANSWERED,
            lang,
            "the first request with this Idempotency-Key was carried out, but its answer was lost when the server stopped: read the case instead of retrying",
            "使用该 Idempotency-Key 的第一个请求已执行，但服务器停止时丢失了应答：请查看该信访件，不要重试",
            case.map(|c| c.to_string()),
        )),
    }
}

/// Runs `run` (the command and its body) under `claim` on the writer's connection, the key
/// found fresh ([`remembered`]): the claim is kept by the command's own transaction and its
/// answer recorded after.
pub fn run_keyed(
    pool: &dyn Pool,
    p: &Principal,
    claim: KeyClaim,
    run: impl FnOnce(&dyn Pool) -> CliResult<Vec<u8>>,
) -> CliResult<Keyed> {
    let mut svc = pool.take()?;
    svc.set_key_claim(Some(claim.clone()));
    pool.give(svc);
    let r = run(pool);
    // The command gives the connection back when it is done; its claim is cleared either way.
    let mut svc = match pool.take() {
        Ok(s) => s,
        Err(e) => return r.and(Err(e)).map(Keyed::Fresh),
    };
    svc.set_key_claim(None);
    let answered = match &r {
        Ok(body) => svc
            .answer_key(p, &claim, 200, &String::from_utf8_lossy(body))
            .map_err(CliError::from),
        Err(_) => Ok(()),
    };
    pool.give(svc);
    answered?;
    r.map(Keyed::Fresh)
}
