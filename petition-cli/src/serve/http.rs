//! The HTTP side: authentication, the request's language and time, the command a request stands
//! for, the answer's status, the change feed's long poll and the request log.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use clap::FromArgMatches;
use petition_core::audit::ClockMode;
use petition_core::org::Role;
use petition_core::{DomainError, Lang, Refusal};
use serde_json::{json, Value};

use super::{internal, live_time_refused, log, Shared};
use crate::api::{self, Method};
use crate::app::{App, CliError, CliResult, Pool, Reply, Session};
use crate::remote::REPLY_MEDIA;
use crate::Cmd;

use super::manners::{error_with_status, logged_path, read_body, request_id, MAX_BODY};

pub fn router(shared: Arc<Shared>) -> Router {
    super::pages::routes(Router::new())
        .fallback(handle)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        // JSON answers compressed for the clients that accept gzip (2,000 cases: 979 KB).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(shared)
}

/// The HTTP status of an error code. Every code is named: a new one does not compile until it is
/// given its status.
pub fn status_of(code: petition_core::ErrorCode) -> StatusCode {
    use petition_core::ErrorCode as C;
    match code {
        C::Usage | C::Validation => StatusCode::BAD_REQUEST,
        C::Unauthenticated => StatusCode::UNAUTHORIZED,
        C::PermissionDenied | C::Confidentiality => StatusCode::FORBIDDEN,
        C::NotFound => StatusCode::NOT_FOUND,
        C::Conflict | C::ClockSkew | C::InvalidTransition => StatusCode::CONFLICT,
        C::Integrity | C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        C::Io => StatusCode::SERVICE_UNAVAILABLE,
        C::WindowLapsed | C::ExtensionLimit | C::AssistPending | C::SkipLevel | C::Litigation => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// The language a request asks for (`Accept-Language`, its first tag), if it asks.
fn lang_of(headers: &HeaderMap) -> Option<Lang> {
    let v = headers.get("accept-language")?.to_str().ok()?;
    let v = v.trim_start().to_ascii_lowercase();
    Some(if v.starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    })
}

/// An error as an answer: in the API's terms, or the command line's for the remote command line
/// (which prints what a local run prints).
pub(super) fn error_response(e: &CliError, lang: Lang) -> Response {
    error_response_for(e, lang, false)
}

pub(super) fn error_response_for(e: &CliError, lang: Lang, cli: bool) -> Response {
    let shown = match cli {
        true => e.shown(lang),
        false => e.shown_to_api(lang),
    };
    let details = shown.details.as_ref();
    let kind = details.and_then(|d| d.get("kind")).and_then(Value::as_str);
    let retry_after = details
        .and_then(|d| d.get("retry_after"))
        .and_then(Value::as_u64);
    // Two refusals have a status of their own: a token over its limit, and an idempotency key
    // sent with another request.
    let status = match kind {
        Some(super::rate::KIND) => StatusCode::TOO_MANY_REQUESTS,
        Some("idempotency_mismatch") => StatusCode::UNPROCESSABLE_ENTITY,
        _ => status_of(e.error_code()),
    };
    let mut resp = (status, axum::Json(json!({ "error": shown }))).into_response();
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, secs.into());
    }
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            "www-authenticate",
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    resp
}

pub(super) fn refused(r: Refusal) -> CliError {
    CliError::from(DomainError::from(r))
}

/// The bearer token of a request.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The staff member a token belongs to, at the server's time, with what every command reads
/// first (the time zone; the clock mode never changes); then the request is counted against the
/// token's limit (a `write` or a read; over it, `conflict` answered with HTTP 429).
pub(super) fn authenticate(
    shared: &Shared,
    token: Option<&str>,
    write: bool,
    lang: Lang,
) -> CliResult<Session> {
    let token = token.ok_or_else(|| refused(Refusal::Unauthenticated))?;
    let mut svc = shared.pool.take()?;
    let clock = shared.clock;
    let r = svc.read(|w| {
        let principal = w.authenticate(token)?;
        let (limit, tz) = {
            let policy = w.policy();
            let limit = match write {
                true => policy.api_writes_per_minute,
                false => policy.api_reads_per_minute,
            };
            (limit, policy.timezone)
        };
        Ok((
            Session {
                staff: w.resolve(&principal)?,
                principal,
                tz,
                clock,
            },
            limit,
        ))
    });
    shared.pool.give(svc);
    let (session, limit) = r?;
    let digest = petition_core::service::token_digest(token);
    shared
        .token_limits
        .take(&digest, write, limit, Instant::now())
        .map_err(|wait| super::rate::over(write, limit, wait, lang))?;
    Ok(session)
}

async fn handle(State(shared): State<Arc<Shared>>, req: axum::extract::Request) -> Response {
    // A read (a feed's long poll among them) ends with its client.
    if req.method() != HttpMethod::POST {
        return process(shared, req).await;
    }
    // A write on a task of its own: a client that hangs up does not stop a write that has
    // begun, and the request is logged all the same.
    let lang = lang_of(req.headers()).unwrap_or_default();
    tokio::spawn(process(shared, req))
        .await
        .unwrap_or_else(|_| error_response(&internal("a request's task did not finish"), lang))
}

async fn process(shared: Arc<Shared>, req: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let id = request_id(&parts.headers);
    let asked = lang_of(&parts.headers);
    let lang = asked.unwrap_or_default();
    // The client, for the status look-up's failure limits (the public page's own).
    let client = parts
        .extensions
        .get::<axum::extract::ConnectInfo<super::pages::Peer>>()
        .map(|c| super::pages::client_address(&shared, c.0 .0, &parts.headers));
    let (result, actor) = answer(
        &shared,
        &parts.method,
        &parts.uri,
        &parts.headers,
        body,
        asked,
        client,
    )
    .await;
    let cli = parts
        .headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(REPLY_MEDIA));
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => error_response_for(&e, lang, cli),
    };
    let h = resp.headers_mut();
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        h.insert("x-request-id", v);
    }
    // Answers carry personal data: no cache keeps them.
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    if shared.tls {
        h.insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    log(json!({
        "method": parts.method.as_str(),
        "path": logged_path(&parts.uri),
        "status": resp.status().as_u16(),
        "actor": actor,
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        "request_id": id,
    }));
    resp
}

/// The answer to a request, and who asked (for the log).
async fn answer(
    shared: &Arc<Shared>,
    method: &HttpMethod,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    lang: Option<Lang>,
    client: Option<std::net::IpAddr>,
) -> (CliResult<Response>, Option<String>) {
    let shown = lang.unwrap_or_default();
    let Some(rest) = uri.path().strip_prefix("/api/v1/") else {
        return (Err(no_such_path(uri)), None);
    };
    let segments: Vec<String> = rest.split('/').map(decode_segment).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if segments == ["openapi.json"] && method == HttpMethod::GET {
        return (
            Ok(axum::Json(super::openapi::document()).into_response()),
            None,
        );
    }
    let token = bearer(headers);
    let now = match headers.get("x-petition-now").map(|v| v.to_str()) {
        // The server's own `--now` (simulated databases only), as for the public pages.
        None => shared.default_now.clone(),
        Some(Ok(v)) if shared.clock == ClockMode::Simulated => Some(v.to_string()),
        Some(Ok(_)) => return (Err(CliError::from(live_time_refused())), None),
        Some(Err(_)) => {
            return (
                Err(refused(Refusal::usage_of(
                    "X-Petition-Now",
                    "is not text",
                    "不是文本",
                ))),
                None,
            )
        }
    };
    // The methods the path takes, for a 405's `Allow`.
    let allowed = || -> Vec<Method> {
        if segments == ["events"] {
            return vec![Method::Get];
        }
        [Method::Get, Method::Post]
            .into_iter()
            .filter(|m| api::match_path(*m, &segments).is_ok())
            .collect()
    };
    let not_allowed = |allow: &[Method]| {
        (
            Ok(error_with_status(
                StatusCode::METHOD_NOT_ALLOWED,
                &wrong_method(uri, allow),
                shown,
                Some(allow),
            )),
            None,
        )
    };
    let m = match *method {
        HttpMethod::GET => Method::Get,
        HttpMethod::POST => Method::Post,
        _ => {
            let allow = allowed();
            if allow.is_empty() {
                return (Err(no_such_path(uri)), None);
            }
            return not_allowed(&allow);
        }
    };
    if segments == ["events"] {
        if m != Method::Get {
            return not_allowed(&[Method::Get]);
        }
        return super::feed::events(shared, uri, token, now, shown).await;
    }
    if segments == ["health"] {
        if m != Method::Get {
            return not_allowed(&[Method::Get]);
        }
        return (Ok(super::cluster::health(shared).await), None);
    }
    if segments == ["me"] {
        if m != Method::Get {
            return not_allowed(&[Method::Get]);
        }
        return me(shared, token, shown).await;
    }
    let (route, path_values) = match api::match_path(m, &segments) {
        Ok(x) => x,
        Err(other) if other.is_empty() => return (Err(no_such_path(uri)), None),
        Err(other) => return not_allowed(&other),
    };
    // The parameters: a GET's query now; a POST's JSON body (the registration document for
    // `POST /cases`) once the caller is known.
    let query: Vec<(String, Value)> = if m == Method::Get {
        match Query::<Vec<(String, String)>>::try_from_uri(uri) {
            Ok(Query(pairs)) => pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
            Err(_) => {
                return (
                    Err(refused(Refusal::usage_of(
                        "query",
                        "is not a valid query string",
                        "不是有效的查询字符串",
                    ))),
                    None,
                )
            }
        }
    } else {
        Vec::new()
    };
    let wants_reply = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(REPLY_MEDIA));
    let registers = route.command == ["register"];
    let receipt = if registers {
        Query::<Vec<(String, String)>>::try_from_uri(uri)
            .ok()
            .and_then(|q| {
                q.0.into_iter()
                    .find(|(k, _)| k == "receipt")
                    .map(|(_, v)| v)
            })
            .filter(|v| v == "html" || v == "text")
    } else {
        None
    };
    // A status look-up by query code: its failures count as the public page's do.
    let looked_up = (route.command == ["status"])
        .then(|| path_values.iter().find(|(k, _)| *k == "case"))
        .flatten()
        .map(|(_, v)| v.clone());
    // A file's `attach` reads the upload, not a path: its `FILE` stands in as `-`.
    let upload_case = path_values
        .iter()
        .find(|(k, _)| *k == "case")
        .map(|(_, v)| v.clone());
    let mut path_values = path_values;
    if api::is_upload(route) {
        path_values.push(("file", "-".into()));
    }
    let request = move |session: Session, params: Vec<(String, Value)>| Request {
        route,
        path_values,
        params,
        session,
        now,
        lang,
        wants_meta: wants_reply,
        // A registration's query code is hashed here, on the request's blocking thread, not on
        // the writer.
        prepared_code: registers
            .then(|| petition_core::PreparedCode::draw(petition_core::QueryCodeCost::Standard)),
        receipt,
        upload: None,
    };
    // Who asks, on a read connection; then the command: a write on the writer thread, a read
    // on a read connection of its own.
    // At most `--connections` requests hold read connections at once.
    let Ok(permit) = shared.reads.acquire().await else {
        return (Err(internal("the server is stopping")), None);
    };
    let s = shared.clone();
    let (actor, body) = if m == Method::Post {
        let session = match tokio::task::spawn_blocking(move || {
            authenticate(&s, token.as_deref(), true, shown)
        })
        .await
        {
            Ok(Ok(st)) => st,
            Ok(Err(e)) => return (Err(e), None),
            Err(_) => return (Err(internal("a request's task did not finish")), None),
        };
        drop(permit);
        let actor = Some(session.staff.id.as_str().to_string());
        // The body only now, from a caller the server knows; a file streamed to disk.
        let (body, upload) = if api::is_upload(route) {
            let case = upload_case.unwrap_or_default();
            match super::upload::receive(shared, &session, &case, headers, body, shown).await {
                Ok(r) => (r.digest.clone().into_bytes().into(), Some(r)),
                Err(resp) => return (Ok(resp), actor),
            }
        } else {
            match read_body(body, shown).await {
                Ok(b) => (b, None),
                Err(resp) => return (Ok(resp), actor),
            }
        };
        let params = match &upload {
            Some(u) => u.params.clone(),
            None => match post_params(&body, route) {
                Ok(p) => p,
                Err(e) => return (Err(e), actor),
            },
        };
        let claim = match super::keys::key_of(headers) {
            Ok(k) => k.map(|k| {
                let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
                super::keys::claim(k, &session.staff.id, method.as_str(), path, &body)
            }),
            Err(e) => return (Err(e), actor),
        };
        let principal = session.principal.clone();
        let mut req = request(session, params);
        req.upload = upload.map(|u| u.upload);
        let clock = shared.clock;
        // The time-driven work commits its own batches of cases: never grouped with commands.
        let alone = req.route.command == ["tick"];
        let Some(claim) = claim else {
            let reply = shared
                .pool
                .write(alone, move |pool| req.run(pool, clock))
                .await;
            // The writer thread only writes: the body is made here.
            let body = reply.and_then(|r| body_of(r, wants_reply));
            return finish(shared, actor, body, false, 200);
        };
        let _held = match super::keys::hold(shared, &claim, shown) {
            Ok(h) => h,
            Err(e) => return (Err(e), actor),
        };
        // Under a key, the key is looked up and the body made on the writer (no hand-over: on
        // two cores a read connection's look-up cost more than it spared the writer), so the
        // answer kept is the one given.
        let reply = shared
            .pool
            .write(alone, move |pool| {
                if let Some(seen) = super::keys::remembered(pool, &principal, &claim, shown)? {
                    return Ok(seen);
                }
                super::keys::run_keyed(pool, &principal, claim, |pool| {
                    req.run(pool, clock).and_then(|r| body_of(r, wants_reply))
                })
            })
            .await;
        return match reply {
            Ok(super::keys::Keyed::Fresh(b)) => finish(shared, actor, Ok(b), false, 200),
            Ok(super::keys::Keyed::Replay(status, b)) => finish(shared, actor, Ok(b), true, status),
            Err(e) => (Err(e), actor),
        };
    } else {
        // A read: who asks, the answer and its body on one blocking thread (one hand-over each
        // way, not two; the answer's tree is freed by the thread that built it).
        let done = tokio::task::spawn_blocking(move || {
            let session = authenticate(&s, token.as_deref(), false, shown)?;
            let actor = session.staff.id.as_str().to_string();
            if let (Some(case), Some(address)) = (&looked_up, client) {
                let reply = super::pages::limits::status_limited(&s, address, case, shown, || {
                    request(session, query).run(&s.pool, s.clock)
                });
                return Ok((actor, reply.and_then(|r| body_of(r, wants_reply)).map(Ok)));
            }
            let reply = request(session, query).run(&s.pool, s.clock);
            // A file (the ledger) is sent as it is, not as JSON.
            let answer = reply.and_then(|mut r| match r.meta.download.take() {
                Some(d) => Ok(Err(d)),
                None => body_of(r, wants_reply).map(Ok),
            });
            Ok::<_, CliError>((actor, answer))
        })
        .await;
        drop(permit);
        match done {
            Ok(Ok((actor, Ok(Err(file))))) => {
                return (Ok(super::download::file_response(file)), Some(actor))
            }
            Ok(Ok((actor, body))) => (Some(actor), body.map(|b| b.unwrap_or_default())),
            Ok(Err(e)) => return (Err(e), None),
            Err(_) => return (Err(internal("a request's task did not finish")), None),
        }
    };
    finish(shared, actor, body, false, 200)
}

/// A command's answer: its JSON body (a write wakes the feed's long polls), or its error; a
/// replayed answer says so (`Idempotent-Replayed: true`) with its first status.
fn finish(
    shared: &Shared,
    actor: Option<String>,
    body: CliResult<Vec<u8>>,
    replayed: bool,
    status: u16,
) -> (CliResult<Response>, Option<String>) {
    let body = match body {
        Ok(b) => b,
        Err(e) => return (Err(e), actor),
    };
    if !replayed {
        shared.changed.notify_waiters();
    }
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    if replayed {
        resp.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    (Ok(resp), actor)
}

/// `GET /me`: who the token stands for — staff member, unit, role, scopes and expiry.
async fn me(
    shared: &Arc<Shared>,
    token: Option<String>,
    lang: Lang,
) -> (CliResult<Response>, Option<String>) {
    let s = shared.clone();
    let done =
        tokio::task::spawn_blocking(move || authenticate(&s, token.as_deref(), false, lang)).await;
    let session = match done {
        Ok(Ok(session)) => session,
        Ok(Err(e)) => return (Err(e), None),
        Err(_) => return (Err(internal("a request's task did not finish")), None),
    };
    let staff = &session.staff;
    let body = json!({
        "staff": staff.id,
        "name": staff.name,
        "unit": staff.unit,
        "role": staff.role,
        "scopes": session.principal.scopes(),
        "expires_at": session.principal.expires_at().map(petition_core::input::rfc3339),
    });
    (
        Ok(axum::Json(body).into_response()),
        Some(staff.id.as_str().to_string()),
    )
}

/// A POST's parameters: its JSON body's fields (for `POST /cases`, the registration document).
fn post_params(body: &[u8], route: &api::Route) -> CliResult<Vec<(String, Value)>> {
    let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            refused(Refusal::usage_of(
                "body",
                &format!("is not JSON: {e}"),
                &format!("不是 JSON：{e}"),
            ))
        })?
    };
    match v {
        Value::Object(map) if route.command != ["register"] => Ok(map.into_iter().collect()),
        v @ Value::Object(_) => Ok(vec![("document".into(), v)]),
        _ => Err(refused(Refusal::usage_of(
            "body",
            "must be a JSON object",
            "必须是 JSON 对象",
        ))),
    }
}

/// The JSON body of a reply: its document, or with `wants_reply` the whole reply (document and
/// rendering data, for the remote command line).
fn body_of(mut reply: Reply, wants_reply: bool) -> CliResult<Vec<u8>> {
    // Times to the second in every answer, as the command line prints them.
    petition_core::input::times_to_the_second(&mut reply.doc);
    let body = if wants_reply {
        serde_json::to_vec(&reply)
    } else {
        serde_json::to_vec(&reply.doc)
    };
    body.map_err(|e| internal(&format!("a reply that is not JSON: {e}")))
}

/// A command request, authenticated, as it goes to a blocking thread.
struct Request {
    route: &'static api::Route,
    /// The values of the path's `{name}` segments.
    path_values: Vec<(&'static str, String)>,
    /// The body's or the query's parameters (for `POST /cases`: the registration document).
    params: Vec<(String, Value)>,
    /// Who asks, resolved with the token.
    session: Session,
    /// `X-Petition-Now`, on a simulated database.
    now: Option<String>,
    /// The language asked for, if any.
    lang: Option<Lang>,
    /// The remote command line asks for the rendering data too.
    wants_meta: bool,
    /// A registration's query code, hashed before the request reaches the writer.
    prepared_code: Option<petition_core::PreparedCode>,
    /// A registration's receipt asked for (`?receipt=html|text`).
    receipt: Option<String>,
    /// The file of an `attach`, received.
    upload: Option<crate::commands::attach::Upload>,
}

impl Request {
    /// Runs the command the request stands for, on a blocking thread with the connections of
    /// `pool`.
    fn run(self, pool: &dyn Pool, clock: ClockMode) -> CliResult<Reply> {
        let Request {
            route,
            path_values,
            params,
            session,
            now,
            lang,
            wants_meta,
            prepared_code,
            receipt,
            upload,
        } = self;
        let root = parser_of(route)?;
        let def = api::leaf(&root, route.command)
            .ok_or_else(|| internal("a route without its command"))?;
        let mut document = None;
        let argv = if route.command == ["register"] {
            document = params.into_iter().next().map(|(_, v)| v);
            // The document stands for the flags; `--file` only satisfies the parser and is never read.
            vec!["petition".into(), "register".into(), "--file=-".into()]
        } else {
            api::argv_of(route, def, &path_values, &params)?
        };
        let matches = root.try_get_matches_from(&argv).map_err(|e| {
            let text = api::in_request_terms(&crate::app::clap_message(&e));
            CliError::hinted(DomainError::from(Refusal::usage(
                &text,
                &format!("参数错误：{text}"),
            )))
        })?;
        let mut cli =
            crate::ApiCli::from_arg_matches(&matches).map_err(|e| internal(&e.to_string()))?;
        if let Cmd::Register(a) = &mut cli.cmd {
            a.document = document;
            // `?receipt=html|text`: the receipt with the query code comes back in the reply
            // (the desk writes it; the server writes no file).
            a.receipt = receipt.map(|kind| {
                std::path::PathBuf::from(if kind == "html" {
                    "receipt.html"
                } else {
                    "receipt.txt"
                })
            });
        }
        if let Cmd::Tick(_) = cli.cmd {
            if clock == ClockMode::System {
                return Err(refused(Refusal::invalid(
                    "this server runs the time-driven work itself on a live database (every tick_minutes): there is nothing to ask for",
                    "正式数据库上服务器会按 tick_minutes 自动执行定时处理：无需请求",
                )));
            }
            if session.staff.role != Role::Admin {
                return Err(refused(Refusal::AdminOnly));
            }
        }
        let app = App::for_request(pool, session, now, lang, wants_meta);
        if let Ok(mut slot) = app.prepared_code.lock() {
            *slot = prepared_code;
        }
        if let Ok(mut slot) = app.upload.lock() {
            *slot = upload;
        }
        crate::exec(&app, &cli.cmd)
            .unwrap_or_else(|| Err(internal("a route to a command without a reply")))
    }
}

/// The parser of one route's command: the command line's definition of that command alone,
/// built once (building the whole command line for every request cost a sixth of a read).
fn parser_of(route: &'static api::Route) -> CliResult<clap::Command> {
    static PARSERS: std::sync::OnceLock<Vec<Option<clap::Command>>> = std::sync::OnceLock::new();
    let parsers = PARSERS.get_or_init(|| {
        let root = <crate::ApiCli as clap::CommandFactory>::command();
        api::ROUTES
            .iter()
            .map(|r| {
                // A command under a parent with arguments of its own (`extend request` under
                // `extend CASE --days …`) is parsed by the whole command line: the parent's
                // arguments must exist for its matches to be read.
                let parent_has_args = r.command.len() > 1
                    && api::leaf(&root, &r.command[..1]).is_some_and(|p| {
                        p.get_arguments()
                            .any(|a| !matches!(a.get_id().as_str(), "help" | "version"))
                    });
                if parent_has_args {
                    return Some(root.clone());
                }
                // The path of subcommands down to the route's command, keeping nothing else.
                let mut tree = api::leaf(&root, r.command)?.clone();
                for w in r.command.iter().rev().skip(1) {
                    tree = clap::Command::new(*w).subcommand(tree);
                }
                let mut parser = clap::Command::new("petition").subcommand(tree);
                // Built once here rather than in every request's copy.
                parser.build();
                Some(parser)
            })
            .collect()
    });
    api::ROUTES
        .iter()
        .position(|r| std::ptr::eq(r, route))
        .and_then(|i| parsers.get(i).cloned().flatten())
        .ok_or_else(|| internal("a route without its command"))
}

pub(super) fn decode_segment(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(x) = u8::from_str_radix(hex, 16) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn no_such_path(uri: &Uri) -> CliError {
    refused(Refusal::missing(
        &format!(
            "there is no API at {}: see /api/v1/openapi.json",
            uri.path()
        ),
        &format!("{} 处没有接口：参见 /api/v1/openapi.json", uri.path()),
    ))
}

fn wrong_method(uri: &Uri, allowed: &[Method]) -> CliError {
    let list: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
    let list = if list.is_empty() {
        "GET or POST".to_string()
    } else {
        list.join(", ")
    };
    refused(Refusal::usage(
        &format!("{} takes {list}", uri.path()),
        &format!("{} 只接受 {list}", uri.path()),
    ))
}
