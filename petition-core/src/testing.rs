//! Helpers for tests, this crate's and (with the `testing` feature) other crates'.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Runs `check` on values of `strategy` in batches until `secs` have passed; returns how many
/// values it checked. Panics with the failing input on the first failure (long fuzzing runs).
pub fn run_for<S: Strategy>(
    secs: u64,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let mut n = 0;
    while std::time::Instant::now() < deadline {
        // A fresh runner per batch: a runner stops once it has seen `cases` successes.
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &check) {
            panic!("fuzzing found a failure: {e}");
        }
        n += 2000;
    }
    n
}

/// Seconds per target of a long fuzzing run: `FUZZ_SECONDS`, default 600.
pub fn fuzz_seconds() -> u64 {
    std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600)
}
