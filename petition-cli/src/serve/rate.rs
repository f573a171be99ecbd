//! Per-token request limits of the API (policy `api_writes_per_minute`, default 600, and
//! `api_reads_per_minute`, default 6,000): a fixed one-minute window per token, counted after
//! the token is proven (an unknown token never gets a window, so memory follows the tokens in
//! use, not the requests). Over the limit: HTTP 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use petition_core::{DomainError, Lang, StorageError};

use crate::app::CliError;
use crate::error::Shown;

/// The window the limits count in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// One token's counts in its current window.
struct Window {
    start: Instant,
    writes: u32,
    reads: u32,
}

/// The counts of every token seen in the last window.
#[derive(Default)]
pub struct TokenLimits {
    windows: Mutex<HashMap<String, Window>>,
}

impl TokenLimits {
    /// Counts a request of the token with SHA-256 `digest` (a write or a read) against `limit`
    /// per [`WINDOW`]; `Err` with the wait until its window ends when it is over.
    pub fn take(
        &self,
        digest: &str,
        write: bool,
        limit: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        let Ok(mut m) = self.windows.lock() else {
            return Ok(());
        };
        if m.len() > 4096 {
            m.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = m.entry(digest.to_string()).or_insert(Window {
            start: now,
            writes: 0,
            reads: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                writes: 0,
                reads: 0,
            };
        }
        let n = match write {
            true => &mut w.writes,
            false => &mut w.reads,
        };
        if *n >= limit {
            return Err(WINDOW.saturating_sub(now.duration_since(w.start)));
        }
        *n += 1;
        Ok(())
    }
}

/// The `details.kind` of a request over its token's limit.
pub const KIND: &str = "rate_limited";

/// The error of a request over its token's limit: `conflict` (try again later) answered with
/// HTTP 429 and `Retry-After` (its `details`: kind, limit, retry_after in seconds).
pub fn over(write: bool, limit: u32, wait: Duration, lang: Lang) -> CliError {
    let secs = wait.as_secs().max(1);
    let (what_en, what_zh) = match write {
        true => ("writes", "写请求"),
        false => ("reads", "读请求"),
    };
    let message = match lang {
        Lang::Zh => format!("该令牌每分钟最多 {limit} 次{what_zh}：请 {secs} 秒后重试"),
        Lang::En => {
            format!("this token may make at most {limit} {what_en} a minute: try again in {secs} s")
        }
    };
    conflict(
        message,
        serde_json::json!({
            "kind": KIND,
            "limit": limit,
            "per": "minute",
            "retry_after": secs,
        }),
    )
}

/// A `conflict` the server decided itself, with its message and `details` (answered with HTTP
/// 429 when `details.kind` is [`KIND`], 409 otherwise).
pub fn conflict(message: String, details: serde_json::Value) -> CliError {
    CliError {
        error: DomainError::from(StorageError::Conflict),
        hinted: true,
        remote: Some(Box::new(Shown {
            code: "conflict".into(),
            message,
            details: Some(details),
        })),
    }
}

/// The error of a status look-up over the failure limits: HTTP 429 with `Retry-After`.
pub fn looked_up_too_often(wait: Duration, lang: Lang) -> CliError {
    let secs = wait.as_secs().max(1);
    let message = match lang {
        Lang::Zh => format!("查询失败次数过多：请 {secs} 秒后重试"),
        Lang::En => format!("too many failed look-ups: try again in {secs} s"),
    };
    conflict(
        message,
        serde_json::json!({
            "kind": KIND,
            "retry_after": secs,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_limit_per_window_and_reads_and_writes_count_apart() {
        let l = TokenLimits::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take("a", true, 3, t0).is_ok());
        }
        let wait = l
            .take("a", true, 3, t0 + Duration::from_secs(20))
            .expect_err("over");
        assert_eq!(wait, Duration::from_secs(40));
        assert!(l.take("a", false, 3, t0).is_ok(), "reads count apart");
        assert!(l.take("b", true, 3, t0).is_ok(), "tokens count apart");
        assert!(l.take("a", true, 3, t0 + WINDOW).is_ok(), "a new window");
    }
}
