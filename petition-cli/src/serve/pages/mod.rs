//! The public pages (阳光信访): `/status`, where a petitioner follows the matter with its case
//! number and query code and rates the answer (2005 Art 12), and `/kpi`, the month's figures by
//! unit with charts and the ranking (2009 opinion 三(三)–三(四)).
//!
//! No login, no scripts, no external fonts or files, no personal data: rendered on the server
//! from templates checked at compile time (askama), with the stylesheet in the binary. Chinese by
//! default, English with `?lang=en`. Failed look-ups are limited per client address and per case
//! ([`limits`]); a wrong case number and a wrong code answer alike.

mod chart;
pub mod limits;
mod views;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, NaiveDate};
use petition_core::audit::ClockMode;
use petition_core::case::Satisfaction;
use petition_core::public::{self, PublicKpi, PublicStatus};
use petition_core::{DomainError, Lang};

use super::{log, Shared};
use crate::app::{CliError, CliResult, Pool};
use crate::i18n::{field_label, page as tr};

/// The stylesheet, in the binary.
const CSS: &str = include_str!("../../../assets/site.css");

/// The client's address, for the look-up limits: the connection's peer (a proxy in front of
/// the server is one client to it), put on each request by the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// The pages' routes.
pub fn routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    router
        .route("/", get(home))
        .route("/status", get(status))
        .route("/status/rate", axum::routing::post(rate))
        .route("/kpi", get(kpi))
        .route("/assets/site.css", get(css))
}

/// The query's pairs (a malformed query is an empty one: these pages take only plain fields).
fn pairs(uri: &Uri) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn lang_of(pairs: &[(String, String)]) -> Lang {
    match field(pairs, "lang") {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}
use views::*;

/// A rendered page with the headers every page carries: nothing from elsewhere may load
/// (no scripts at all), the page's address (which holds the query code) never leaves as a
/// referrer, and a look-up's answer is never stored by a cache.
fn html(status: StatusCode, body: Result<String, askama::Error>, cache: bool) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response(),
    };
    let mut resp = (status, body).into_response();
    set_headers(
        &mut resp,
        &[
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CACHE_CONTROL,
                if cache { "public, max-age=300" } else { "no-store" },
            ),
        ],
    );
    if !cache {
        // A petitioner's page is nobody's search result.
        set_headers(
            &mut resp,
            &[(
                header::HeaderName::from_static("x-robots-tag"),
                "noindex, nofollow",
            )],
        );
    }
    resp
}

fn message(lang: Lang, status: StatusCode, title_key: &str, text: String) -> Response {
    let page = MessagePage {
        page: Page::new(lang, tr(lang, title_key).into(), "", "/status", ""),
        message: text,
        back: tr(lang, "back"),
        back_href: if lang == Lang::En {
            "/status?lang=en"
        } else {
            "/status"
        },
    };
    html(status, page.render(), false)
}

/// Logs a page request like the API's (no query string: it may hold a query code).
fn logged(method: &str, path: &str, started: Instant, resp: Response) -> Response {
    log(serde_json::json!({
        "method": method,
        "path": path,
        "status": resp.status().as_u16(),
        "actor": if path.starts_with("/status") { Some("petitioner") } else { None },
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
    }));
    resp
}

async fn home() -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/status")]).into_response()
}

async fn css() -> Response {
    let mut resp = CSS.into_response();
    set_headers(
        &mut resp,
        &[
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
    );
    resp
}

/// Sets fixed headers on a response.
fn set_headers(resp: &mut Response, pairs: &[(header::HeaderName, &'static str)]) {
    let h = resp.headers_mut();
    for (name, value) in pairs {
        h.insert(name.clone(), HeaderValue::from_static(value));
    }
}

/// The time of a page request: `X-Petition-Now`, then the server's `--now`, on a simulated
/// database; the system clock on a live one.
fn page_time(
    shared: &Shared,
    headers: &HeaderMap,
    tz: FixedOffset,
) -> CliResult<DateTime<FixedOffset>> {
    let asked = match shared.clock {
        ClockMode::Simulated => headers
            .get("x-petition-now")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| shared.default_now.clone()),
        ClockMode::System => None,
    };
    match asked {
        Some(t) => Ok(crate::app::parse_time(&t, tz)?),
        None => Ok(petition_core::clock::system_now(tz)),
    }
}

/// The figures pages computed in the last minute, by month and day: twelve months of figures
/// cost a fifth of a second at a million cases, and a month's figures need not be fresher than
/// a minute; a flood of visitors then costs one computation a minute.
#[derive(Default)]
pub struct KpiCache {
    pages: std::sync::Mutex<std::collections::HashMap<KpiKey, (Instant, Arc<PublicKpi>)>>,
}

/// The month's first day and the day the figures were computed for.
type KpiKey = (NaiveDate, NaiveDate);

/// How long computed figures are served.
const KPI_FRESH: std::time::Duration = std::time::Duration::from_secs(60);
/// The most months kept.
const KPI_KEPT: usize = 64;

impl KpiCache {
    fn get(&self, month: NaiveDate, today: NaiveDate) -> Option<Arc<PublicKpi>> {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        pages
            .get(&(month, today))
            .filter(|(at, _)| at.elapsed() < KPI_FRESH)
            .map(|(_, k)| k.clone())
    }

    fn put(&self, month: NaiveDate, today: NaiveDate, k: Arc<PublicKpi>) {
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= KPI_KEPT {
            pages.retain(|_, (at, _)| at.elapsed() < KPI_FRESH);
            if pages.len() >= KPI_KEPT {
                pages.clear();
            }
        }
        pages.insert((month, today), (Instant::now(), k));
    }
}

/// How a look-up ended.
enum Looked {
    Found(Box<PublicStatus>, String),
    Rated(Box<PublicStatus>, String),
    /// Refused for a reason the petitioner should read (window lapsed, already rated), with the
    /// case as it stands.
    Refused(Box<PublicStatus>, String, DomainError),
    Missing,
    Limited(std::time::Duration),
}

/// The client's address: the connection's peer, or, when the peer is a trusted reverse proxy,
/// the last element it wrote into `X-Forwarded-For` (the one it saw; earlier ones are the
/// client's own claim). An element that is not an address (`unknown`, an obfuscated name) makes
/// the request count as the proxy's own, never as whatever the client wrote before it; `IP:port`
/// and `[IPv6]:port` forms are read as their address.
pub(in crate::serve) fn client_address(
    shared: &Shared,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> IpAddr {
    let ip = peer.ip();
    if !shared.trusted_proxies.contains(&ip) {
        return ip;
    }
    // The last header's last element; a header that is not text counts as the proxy's own.
    let Some(last) = headers.get_all("x-forwarded-for").iter().next_back() else {
        return ip;
    };
    let Ok(last) = last.to_str() else {
        return ip;
    };
    last.rsplit(',')
        .map(str::trim)
        .find(|a| !a.is_empty())
        .and_then(forwarded_address)
        .unwrap_or(ip)
}

/// An `X-Forwarded-For` element's address: `IP`, `IPv4:port`, `[IPv6]` or `[IPv6]:port`.
fn forwarded_address(element: &str) -> Option<IpAddr> {
    if let Ok(ip) = element.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = element.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    element
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|inner| inner.parse::<IpAddr>().ok())
}

/// Looks a case up (and, with a rating, rates it) on a connection of `pool`, counting a failure
/// against the limits.
fn look_up(
    shared: &Shared,
    pool: &dyn Pool,
    headers: &HeaderMap,
    address: IpAddr,
    case: &str,
    code: &str,
    rating: Option<(Satisfaction, Option<Satisfaction>)>,
) -> CliResult<Looked> {
    let mut svc = pool.take()?;
    let r = (|| -> CliResult<Looked> {
        let (tz, per_address, per_case) = svc.read(|w| {
            let p = w.policy();
            Ok((
                p.timezone,
                p.status_failures_per_address,
                p.status_failures_per_case,
            ))
        })?;
        if let Some(wait) = shared
            .limits
            .wait_in(&mut svc, address, case, per_address, per_case)?
        {
            return Ok(Looked::Limited(wait));
        }
        let now = page_time(shared, headers, tz)?;
        // One look-up: the case's public view, when the code is its own.
        let st = match svc.public_status(case, code, now) {
            Ok(x) => x,
            Err(e) if e.code() == "not_found" => {
                shared.limits.fail_in(&mut svc, address, case)?;
                return Ok(Looked::Missing);
            }
            Err(e) => return Err(CliError::from(e)),
        };
        // The code as the rating form carries it on (the database keeps only its hash).
        let canonical = code.trim().to_ascii_uppercase();
        let Some((handling, office)) = rating else {
            return Ok(Looked::Found(Box::new(st), canonical));
        };
        // On a live database the library takes the time of the rating from its own clock.
        let when = match shared.clock {
            ClockMode::Simulated => petition_core::When::At(now),
            ClockMode::System => petition_core::When::Now,
        };
        match svc.petitioner_evaluates(st.id.as_str(), code, when, handling, office) {
            Ok(_) => {
                let after = svc.public_status(case, code, now)?;
                Ok(Looked::Rated(Box::new(after), canonical))
            }
            Err(e) if e.code() == "not_found" => Ok(Looked::Missing),
            Err(e) if matches!(e, DomainError::Refused(_)) => {
                Ok(Looked::Refused(Box::new(st), canonical, e))
            }
            Err(e) => Err(CliError::from(e)),
        }
    })();
    pool.give(svc);
    r
}

/// The page for how a look-up ended.
fn answer(lang: Lang, looked: CliResult<Looked>) -> Response {
    match looked {
        Ok(Looked::Found(st, code)) => html(
            StatusCode::OK,
            StatusPage::new(lang, &st, &code).render(),
            false,
        ),
        Ok(Looked::Rated(st, code)) => {
            let mut page = StatusPage::new(lang, &st, &code);
            page.notice = Some(tr(lang, "rated").into());
            html(StatusCode::OK, page.render(), false)
        }
        Ok(Looked::Refused(st, code, e)) => {
            let mut page = StatusPage::new(lang, &st, &code);
            page.error = Some(e.text().get(lang).to_string());
            let status = super::http::status_of(e.error_code());
            html(status, page.render(), false)
        }
        Ok(Looked::Missing) => html(
            StatusCode::NOT_FOUND,
            FormPage::new(lang, Some(tr(lang, "not_found").into())).render(),
            false,
        ),
        Ok(Looked::Limited(wait)) => {
            let minutes = wait.as_secs().div_ceil(60).max(1);
            let text = fill(tr(lang, "too_many"), &[&minutes.to_string()]);
            let mut resp = html(
                StatusCode::TOO_MANY_REQUESTS,
                FormPage::new(lang, Some(text)).render(),
                false,
            );
            let secs = wait.as_secs().max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
        Err(_) => message(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            "status_title",
            tr(lang, "error_page").into(),
        ),
    }
}

/// A look-up without a rating, on a read connection (at most `--connections` at once).
async fn read_look_up(
    shared: &Arc<Shared>,
    peer: SocketAddr,
    headers: HeaderMap,
    case: String,
    code: String,
) -> CliResult<Looked> {
    let Ok(_permit) = shared.reads.acquire().await else {
        return Err(super::internal("the server is stopping"));
    };
    let s = shared.clone();
    tokio::task::spawn_blocking(move || {
        let address = client_address(&s, peer, &headers);
        look_up(&s, &s.pool, &headers, address, &case, &code, None)
    })
    .await
    .unwrap_or_else(|_| Err(super::internal("a page's task did not finish")))
}

/// `GET /status`: the form, or with `case` and `code` the case's progress.
async fn status(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let started = Instant::now();
    let q = pairs(&uri);
    let lang = lang_of(&q);
    let (case, code) = (field(&q, "case"), field(&q, "code"));
    if case.is_none_or(str::is_empty) && code.is_none_or(str::is_empty) {
        let resp = html(StatusCode::OK, FormPage::new(lang, None).render(), false);
        return logged("GET", "/status", started, resp);
    }
    let case = case.unwrap_or("").to_string();
    let code = code.unwrap_or("").to_string();
    let looked = read_look_up(&shared, peer.0, headers, case, code).await;
    logged("GET", "/status", started, answer(lang, looked))
}

/// `POST /status/rate` (a form: `case`, `code`, `handling`, `office`): the petitioner's
/// rating, recorded as actor `petitioner` on the writer.
async fn rate(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    form: Result<axum::Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let started = Instant::now();
    let q = form.map(|f| f.0).unwrap_or_default();
    let lang = lang_of(&q);
    let case = field(&q, "case").unwrap_or("").to_string();
    let code = field(&q, "code").unwrap_or("").to_string();
    let handling = field(&q, "handling").and_then(Satisfaction::parse);
    let office = field(&q, "office").and_then(Satisfaction::parse);
    let Some(handling) = handling else {
        // No choice made (the form requires one): show the case again with the reason, as a
        // look-up (a wrong code is still a failure).
        let looked = read_look_up(&shared, peer.0, headers, case, code).await;
        let resp = match looked {
            Ok(Looked::Found(st, code)) => {
                let mut page = StatusPage::new(lang, &st, &code);
                page.error = Some(tr(lang, "bad_rating").into());
                html(StatusCode::BAD_REQUEST, page.render(), false)
            }
            other => answer(lang, other),
        };
        return logged("POST", "/status/rate", started, resp);
    };
    let s = shared.clone();
    let looked = shared
        .pool
        .write(false, move |pool| {
            let address = client_address(&s, peer.0, &headers);
            look_up(
                &s,
                pool,
                &headers,
                address,
                &case,
                &code,
                Some((handling, office)),
            )
        })
        .await;
    if matches!(looked, Ok(Looked::Rated(..))) {
        shared.changed.notify_waiters();
    }
    logged("POST", "/status/rate", started, answer(lang, looked))
}

/// `GET /kpi?month=YYYY-MM`: the month's figures (default: the last whole month).
async fn kpi(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    let started = Instant::now();
    let q = pairs(&uri);
    let lang = lang_of(&q);
    let month = field(&q, "month").map(str::to_string);
    let Ok(_permit) = shared.reads.acquire().await else {
        return logged(
            "GET",
            "/kpi",
            started,
            answer(lang, Err(super::internal("stopping"))),
        );
    };
    let s = shared.clone();
    let figures = tokio::task::spawn_blocking(move || -> CliResult<(Arc<PublicKpi>, bool)> {
        let mut svc = s.pool.take()?;
        let r = (|| -> CliResult<(Arc<PublicKpi>, bool)> {
            let tz = svc.read(|w| Ok(w.policy().timezone))?;
            let now = page_time(&s, &headers, tz)?;
            let today = petition_core::clock::local_date(now, tz);
            let asked = month.as_deref().filter(|m| !m.is_empty());
            let parsed = asked.map(public::parse_month);
            let bad = matches!(parsed, Some(None));
            let first = parsed
                .flatten()
                .unwrap_or_else(|| public::last_whole_month(today));
            if let Some(k) = s.kpi_cache.get(first, today) {
                return Ok((k, bad));
            }
            let k = Arc::new(svc.public_kpi(first, now)?);
            s.kpi_cache.put(first, today, k.clone());
            Ok((k, bad))
        })();
        s.pool.give(svc);
        r
    })
    .await
    .unwrap_or_else(|_| Err(super::internal("a page's task did not finish")));
    let resp = match figures {
        Ok((k, bad)) => {
            let error = bad.then(|| tr(lang, "bad_month").to_string());
            let status = if bad {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            html(status, KpiPage::new(lang, &k, error).render(), !bad)
        }
        Err(_) => message(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            "kpi_title",
            tr(lang, "error_page").into(),
        ),
    };
    logged("GET", "/kpi", started, resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_kept_a_minute_per_month_and_day_and_the_cache_stays_small() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let k = Arc::new(PublicKpi {
            month: "2026-03".into(),
            from: d("2026-03-01"),
            to: d("2026-03-31"),
            units: vec![],
            ranking: vec![],
            trend: vec![],
        });
        let c = KpiCache::default();
        c.put(d("2026-03-01"), d("2026-04-02"), k.clone());
        assert!(c.get(d("2026-03-01"), d("2026-04-02")).is_some());
        assert!(
            c.get(d("2026-03-01"), d("2026-04-03")).is_none(),
            "another day"
        );
        assert!(
            c.get(d("2026-02-01"), d("2026-04-02")).is_none(),
            "another month"
        );
        for m in 0..200 {
            c.put(
                d("2026-01-01") + chrono::Duration::days(m),
                d("2026-04-02"),
                k.clone(),
            );
        }
        assert!(c.pages.lock().expect("lock").len() <= KPI_KEPT);
    }

    #[test]
    fn fill_puts_values_in_order() {
        assert_eq!(
            fill("{} 应于 {} 前", &["甲", "2026-04-01"]),
            "甲 应于 2026-04-01 前"
        );
        assert_eq!(fill("no slots", &["x"]), "no slots");
    }

    #[test]
    fn every_state_step_due_and_answer_has_words_in_both_languages() {
        use petition_core::case::CaseState;
        let mut keys: Vec<String> = CaseState::ALL
            .iter()
            .map(|s| format!("state_{}", s.as_str()))
            .collect();
        for s in [
            "registered",
            "transferred",
            "assigned",
            "accepted",
            "declined",
            "extended",
            "opinion_issued",
            "review_requested",
            "review_issued",
            "rereview_requested",
            "hearing_held",
            "rereview_issued",
            "closed",
            "evaluated",
            "withdrawn",
            "merged",
            "absorbed",
        ] {
            keys.push(format!("step_{s}"));
        }
        for d in ["intake", "acceptance", "handling", "review", "rereview"] {
            keys.push(format!("due_{d}"));
        }
        for t in ["declined", "opinion", "review", "rereview"] {
            keys.push(format!("tier_{t}"));
        }
        for k in keys {
            for lang in [Lang::En, Lang::Zh] {
                assert_ne!(tr(lang, &k), "?", "{k} in {lang:?}");
            }
        }
    }
}
