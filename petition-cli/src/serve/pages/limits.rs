//! The limits on failed look-ups of the public status page (and of the API's status look-up): a
//! case id and its 8-character query code are a secret only as long as nobody can try codes
//! quickly. Failures are counted per client (10 minutes: an IPv4 address, or an IPv6 address's
//! /64, which one household or phone is given whole) and per case id as typed (an hour),
//! whether or not the case exists, so a refusal says nothing about which ids are real.
//!
//! The per-case count throttles failures; it does not deny the petitioner: a case at its limit
//! still answers the right code from a client that has not failed for that case (each client
//! gets that one try per case and window, and the per-client count still holds).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::app::Pool as _;

/// The window of the per-address count.
pub const ADDRESS_WINDOW: Duration = Duration::from_secs(10 * 60);
/// The window of the per-case count.
pub const CASE_WINDOW: Duration = Duration::from_secs(60 * 60);
/// The most keys each table keeps: past it, the keys with no failure inside their window go,
/// and then, if still full, the table starts again (memory stays bounded under any flood).
const MAX_KEYS: usize = 100_000;

/// Failure times per key within a sliding window.
struct Window<K> {
    span: Duration,
    seen: HashMap<K, VecDeque<Instant>>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    fn new(span: Duration) -> Self {
        Self {
            span,
            seen: HashMap::new(),
        }
    }

    /// How long until `key` may try again when it has `limit` failures in the window, or
    /// `None` when it may try now.
    fn wait(&mut self, key: &K, limit: u32, now: Instant) -> Option<Duration> {
        let span = self.span;
        let times = self.seen.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= span)
        {
            times.pop_front();
        }
        if times.len() < limit as usize {
            return None;
        }
        // Free again when the oldest failure that keeps it at the limit leaves the window.
        let oldest = times[times.len() - limit as usize];
        Some(span.saturating_sub(now.duration_since(oldest)))
    }

    fn fail(&mut self, key: K, now: Instant) {
        if self.seen.len() >= MAX_KEYS && !self.seen.contains_key(&key) {
            let span = self.span;
            self.seen
                .retain(|_, t| t.back().is_some_and(|b| now.duration_since(*b) < span));
            if self.seen.len() >= MAX_KEYS {
                self.seen.clear();
            }
        }
        let times = self.seen.entry(key).or_default();
        times.push_back(now);
        // Never more than the largest limit worth remembering.
        while times.len() > 100_000 {
            times.pop_front();
        }
    }
}

/// The counts: per client, per case, and per case and client.
pub struct Limits {
    inner: Mutex<Counts>,
}

struct Counts {
    by_client: Window<IpAddr>,
    by_case: Window<String>,
    by_case_client: Window<(String, IpAddr)>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Counts {
                by_client: Window::new(ADDRESS_WINDOW),
                by_case: Window::new(CASE_WINDOW),
                by_case_client: Window::new(CASE_WINDOW),
            }),
        }
    }
}

/// The client a count is kept for: an IPv4 address, or the /64 of an IPv6 one (an IPv4 address
/// mapped into IPv6 counts as itself).
pub fn client_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

/// A case id as counted: the same id however it is typed.
fn case_key(case: &str) -> String {
    case.trim().to_ascii_uppercase()
}

impl Limits {
    /// How long `address` (asking about `case`) must wait before another look-up, if it must:
    /// the longer of the two waits.
    pub fn wait(
        &self,
        address: IpAddr,
        case: &str,
        per_address: u32,
        per_case: u32,
        now: Instant,
    ) -> Option<Duration> {
        let client = client_of(address);
        let key = case_key(case);
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let counts = &mut *guard;
        let a = counts.by_client.wait(&client, per_address, now);
        // A case at its limit waits only for a client that has failed for it.
        let failed_here = counts
            .by_case_client
            .wait(&(key.clone(), client), 1, now)
            .is_some();
        let c = counts
            .by_case
            .wait(&key, per_case, now)
            .filter(|_| failed_here);
        a.max(c)
    }

    /// Counts one failed look-up.
    pub fn fail(&self, address: IpAddr, case: &str, now: Instant) {
        let client = client_of(address);
        let key = case_key(case);
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let counts = &mut *guard;
        counts.by_client.fail(client, now);
        counts.by_case.fail(key.clone(), now);
        counts.by_case_client.fail((key, client), now);
    }
}

/// The counts as this server keeps them: in the database on PostgreSQL (shared by every server
/// on it: several servers give no more tries than one), in memory on SQLite (one server).
impl Limits {
    /// [`Limits::wait`] on the counts of `svc`'s database.
    pub fn wait_in(
        &self,
        svc: &mut petition_core::Service<crate::app::Db>,
        address: IpAddr,
        case: &str,
        per_address: u32,
        per_case: u32,
    ) -> crate::app::CliResult<Option<Duration>> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = svc.store().as_pg() {
            let (client, key) = (client_of(address), case_key(case));
            let now = now_ms();
            let mut wait = |k: String, limit: u32, span: Duration| {
                let span_ms = span.as_millis() as i64;
                let times = pg.lookup_failures(&k, now - span_ms, i64::from(limit.max(1)))?;
                Ok::<_, crate::app::CliError>(match times.get(limit.max(1) as usize - 1) {
                    Some(oldest) if times.len() >= limit as usize => Some(Duration::from_millis(
                        u64::try_from(span_ms - (now - oldest)).unwrap_or(0),
                    )),
                    _ => None,
                })
            };
            let a = wait(format!("a:{client}"), per_address, ADDRESS_WINDOW)?;
            let failed_here = wait(format!("cc:{key}|{client}"), 1, CASE_WINDOW)?.is_some();
            let c = wait(format!("c:{key}"), per_case, CASE_WINDOW)?.filter(|_| failed_here);
            return Ok(a.max(c));
        }
        let _ = &svc;
        Ok(self.wait(address, case, per_address, per_case, Instant::now()))
    }

    /// [`Limits::fail`] on the counts of `svc`'s database.
    pub fn fail_in(
        &self,
        svc: &mut petition_core::Service<crate::app::Db>,
        address: IpAddr,
        case: &str,
    ) -> crate::app::CliResult<()> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = svc.store().as_pg() {
            let (client, key) = (client_of(address), case_key(case));
            let now = now_ms();
            let keys = [
                format!("a:{client}"),
                format!("c:{key}"),
                format!("cc:{key}|{client}"),
            ];
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let forget = now - CASE_WINDOW.max(ADDRESS_WINDOW).as_millis() as i64;
            pg.lookup_failed(&keys, now, forget)?;
            return Ok(());
        }
        let _ = &svc;
        self.fail(address, case, Instant::now());
        Ok(())
    }
}

/// Runs a status look-up under the public page's failure limits: refused (429) while the
/// client or the case is over them; a look-up that finds nothing counts as a failure.
pub(in crate::serve) fn status_limited(
    shared: &crate::serve::Shared,
    address: std::net::IpAddr,
    case: &str,
    lang: petition_core::Lang,
    run: impl FnOnce() -> crate::app::CliResult<crate::app::Reply>,
) -> crate::app::CliResult<crate::app::Reply> {
    let mut svc = shared.pool.take()?;
    let waited = svc
        .read(|w| {
            let p = w.policy();
            Ok((p.status_failures_per_address, p.status_failures_per_case))
        })
        .map_err(crate::app::CliError::from)
        .and_then(|(per_address, per_case)| {
            shared
                .limits
                .wait_in(&mut svc, address, case, per_address, per_case)
        });
    shared.pool.give(svc);
    if let Some(wait) = waited? {
        return Err(crate::serve::rate::looked_up_too_often(wait, lang));
    }
    let r = run();
    if let Err(e) = &r {
        if e.error_code() == petition_core::ErrorCode::NotFound {
            let mut svc = shared.pool.take()?;
            let counted = shared.limits.fail_in(&mut svc, address, case);
            shared.pool.give(svc);
            counted?;
        }
    }
    r
}

/// Milliseconds since the epoch (the servers' shared clock for the counts).
#[cfg(feature = "postgres")]
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn an_address_waits_after_its_limit_until_the_oldest_failure_is_ten_minutes_old() {
        let l = Limits::default();
        let t0 = Instant::now();
        let a = ip("10.0.0.1");
        for i in 0..3 {
            assert_eq!(l.wait(a, &format!("XF2026-00000{i}"), 3, 20, t0), None);
            l.fail(a, &format!("XF2026-00000{i}"), t0 + Duration::from_secs(i));
        }
        let later = t0 + Duration::from_secs(60);
        let w = l.wait(a, "XF2026-000009", 3, 20, later).expect("limited");
        assert_eq!(w, Duration::from_secs(540));
        assert_eq!(l.wait(ip("10.0.0.2"), "XF2026-000009", 3, 20, later), None);
        assert_eq!(l.wait(a, "XF2026-000009", 3, 20, t0 + ADDRESS_WINDOW), None);
    }

    #[test]
    fn a_case_at_its_limit_waits_for_clients_that_failed_for_it_however_typed() {
        let l = Limits::default();
        let t0 = Instant::now();
        for i in 0..2u8 {
            l.fail(ip(&format!("10.0.1.{i}")), "xf2026-000001", t0);
        }
        // A client that failed for the case waits for the case's window.
        let w = l.wait(ip("10.0.1.0"), " XF2026-000001", 10, 2, t0);
        assert_eq!(w, Some(CASE_WINDOW));
        // One that has not (the petitioner at home) may still try it: the per-case limit
        // throttles failures, it does not lock the right code out.
        assert_eq!(l.wait(ip("10.9.9.9"), "XF2026-000001", 10, 2, t0), None);
        l.fail(ip("10.9.9.9"), "XF2026-000001", t0);
        assert!(l.wait(ip("10.9.9.9"), "XF2026-000001", 10, 2, t0).is_some());
        assert_eq!(l.wait(ip("10.0.1.0"), "XF2026-000002", 10, 2, t0), None);
        assert_eq!(
            l.wait(ip("10.0.1.0"), "XF2026-000001", 10, 2, t0 + CASE_WINDOW),
            None
        );
    }

    #[test]
    fn an_ipv6_64_is_one_client() {
        let l = Limits::default();
        let t0 = Instant::now();
        for i in 0..3u16 {
            // Every address of one /64: the attacker's own prefix.
            l.fail(
                ip(&format!("2001:db8:1:2::{i:x}")),
                &format!("XF2026-00000{i}"),
                t0,
            );
        }
        assert!(l
            .wait(ip("2001:db8:1:2:ffff::1"), "XF2026-000009", 3, 20, t0)
            .is_some());
        assert_eq!(
            l.wait(ip("2001:db8:1:3::1"), "XF2026-000009", 3, 20, t0),
            None
        );
        assert_eq!(client_of(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn a_flood_of_addresses_keeps_memory_bounded() {
        let l = Limits::default();
        let t0 = Instant::now();
        for i in 0..(MAX_KEYS as u32 + 10) {
            l.fail(IpAddr::from(i.to_be_bytes()), "x", t0);
        }
        let g = l.inner.lock().expect("lock");
        assert!(g.by_client.seen.len() <= MAX_KEYS);
        assert!(g.by_case_client.seen.len() <= MAX_KEYS);
    }
}
