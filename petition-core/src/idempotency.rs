//! Idempotency keys (幂等键): a system that retries a write after a timeout must not make a
//! second case. A request carries a key chosen by its sender; the first request with the key
//! runs, and the key, a digest of the request and the answer are kept — the key and digest in
//! the **same transaction** as the command's events ([`crate::Service::set_key_claim`]), so a
//! committed command's key survives a crash. A later request with the same key and digest from
//! the same staff member within [`KEY_LIFETIME_HOURS`] gets the first answer again without
//! running anything; the same key with another digest is a mismatch.
//!
//! Only a command that committed keeps its key: a refused command changes nothing, its key
//! included, and a retry runs it again (and is refused again, or succeeds if the case moved on).

use chrono::{DateTime, FixedOffset};

use crate::error::{DomainError, Refusal, Result};

use crate::ids::{CaseId, StaffId};

/// How long a key is remembered (hours).
pub const KEY_LIFETIME_HOURS: i64 = 24;

/// The longest key (characters).
pub const KEY_MAX_LEN: usize = 64;

/// A key: 1–64 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses a key; anything else is `validation`.
    pub fn parse(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > KEY_MAX_LEN || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(DomainError::from(Refusal::invalid(
                "an Idempotency-Key is 1 to 64 visible ASCII characters (letters, digits, punctuation; no spaces)",
                "Idempotency-Key 须为 1 至 64 个可见 ASCII 字符（字母、数字、标点，不含空格）",
            )));
        }
        Ok(Self(s.to_string()))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The SHA-256 of a request's parts (e.g. its method, path and body), each length-prefixed so
/// no two different lists of parts give the same input.
pub fn digest(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// A request under a key: who sent it, the key, and the SHA-256 of what it asks (its method,
/// path and body, as the caller chooses to digest them — the same request gives the same digest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyClaim {
    /// The sender (the token's staff member).
    pub staff: StaffId,
    /// The key.
    pub key: IdempotencyKey,
    /// The request's digest.
    pub digest: [u8; 32],
}

/// A key as a store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// The sender.
    pub staff: String,
    /// The key.
    pub key: String,
    /// The first request's digest.
    pub digest: Vec<u8>,
    /// When the first request's command committed.
    pub at: DateTime<FixedOffset>,
    /// The case it made or changed, if any.
    pub case: Option<CaseId>,
    /// The first answer (status and body), once recorded.
    pub answer: Option<(u16, String)>,
}

impl KeyRecord {
    /// A record from a store's row (`at` as RFC 3339 text); a bad row is `integrity`.
    pub(crate) fn from_row(
        staff: &str,
        key: &str,
        digest: Vec<u8>,
        at: &str,
        case: Option<String>,
        status: Option<i64>,
        body: Option<String>,
    ) -> Result<Self> {
        let bad = || {
            DomainError::from(crate::error::StorageError::integrity(
                "bad idempotency key row stored",
            ))
        };
        let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
        let case = case
            .map(|c| CaseId::parse(&c).map_err(|_| bad()))
            .transpose()?;
        let answer = match (status, body) {
            (Some(s), Some(b)) => Some((u16::try_from(s).map_err(|_| bad())?, b)),
            _ => None,
        };
        Ok(Self {
            staff: staff.to_string(),
            key: key.to_string(),
            digest,
            at,
            case,
            answer,
        })
    }
}

/// What a key says about a new request with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remembered {
    /// Unknown (or older than [`KEY_LIFETIME_HOURS`]): run the request.
    Fresh,
    /// The first request's answer: give it again, run nothing.
    Replay {
        /// Its status.
        status: u16,
        /// Its body.
        body: String,
    },
    /// The key was used for another request: refuse (`idempotency_mismatch`).
    Mismatch,
    /// The first request's command committed, but its answer was not recorded (the process
    /// stopped in between): run nothing; the case it touched is named.
    Unanswered {
        /// The case.
        case: Option<CaseId>,
    },
}

impl Remembered {
    /// What `record` (if any) says about a request with `digest` at `now`.
    pub(crate) fn of(
        record: Option<KeyRecord>,
        digest: &[u8; 32],
        now: DateTime<FixedOffset>,
    ) -> Self {
        let Some(r) = record else {
            return Remembered::Fresh;
        };
        if now.signed_duration_since(r.at) > chrono::Duration::hours(KEY_LIFETIME_HOURS) {
            return Remembered::Fresh;
        }
        if r.digest.as_slice() != digest.as_slice() {
            return Remembered::Mismatch;
        }
        match r.answer {
            Some((status, body)) => Remembered::Replay { status, body },
            None => Remembered::Unanswered { case: r.case },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("time")
    }

    fn record(answer: Option<(u16, String)>) -> KeyRecord {
        KeyRecord {
            staff: "li".into(),
            key: "k1".into(),
            digest: vec![7; 32],
            at: at("2026-03-02T09:00:00+08:00"),
            case: None,
            answer,
        }
    }

    #[test]
    fn a_key_is_one_to_sixty_four_visible_ascii_characters() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"x".repeat(64)).is_ok());
        assert!(IdempotencyKey::parse("hotline-2026/000123:retry").is_ok());
        for bad in ["", &"x".repeat(65), "has space", "中文", "tab\t"] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_remembered_key_replays_refuses_another_body_and_lapses_after_a_day() {
        let now = at("2026-03-03T08:59:00+08:00");
        let same = [7u8; 32];
        let answered = Some(record(Some((200, "{}".into()))));
        assert_eq!(
            Remembered::of(answered.clone(), &same, now),
            Remembered::Replay {
                status: 200,
                body: "{}".into()
            }
        );
        assert_eq!(
            Remembered::of(answered.clone(), &[8; 32], now),
            Remembered::Mismatch
        );
        assert_eq!(
            Remembered::of(answered, &same, at("2026-03-03T09:00:01+08:00")),
            Remembered::Fresh
        );
        assert_eq!(
            Remembered::of(Some(record(None)), &same, now),
            Remembered::Unanswered { case: None }
        );
        assert_eq!(Remembered::of(None, &same, now), Remembered::Fresh);
    }
}
