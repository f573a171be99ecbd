//! The JSON API's routes (`/api/v1`): one table the server dispatches by and the remote command
//! line builds its requests from, and one rule that carries a command's arguments as JSON — the
//! long options' names with `-` as `_`, numbers as JSON numbers, flags as booleans, repeated
//! options as arrays. The server turns a request back into the command's own arguments and runs
//! the command itself, so the API has exactly the command line's rules, defaults and messages.

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches};
use petition_core::{DomainError, Refusal};
use serde_json::{Map, Value};

/// HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads.
    Get,
    /// Commands that change something.
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One command of the API.
#[derive(Debug)]
pub struct Route {
    /// The command's words on the command line (`["review", "request"]`).
    pub command: &'static [&'static str],
    /// Its method.
    pub method: Method,
    /// Its path under `/api/v1`; `{name}` takes the value of the argument `name`.
    pub path: &'static str,
    /// Arguments that stay on the desk (an output file, a rendering choice).
    pub local: &'static [&'static str],
    /// What it does, for the API's description.
    pub summary: &'static str,
}

const fn post(
    command: &'static [&'static str],
    path: &'static str,
    summary: &'static str,
) -> Route {
    Route {
        command,
        method: Method::Post,
        path,
        local: &[],
        summary,
    }
}

const fn get(
    command: &'static [&'static str],
    path: &'static str,
    local: &'static [&'static str],
    summary: &'static str,
) -> Route {
    Route {
        command,
        method: Method::Get,
        path,
        local,
        summary,
    }
}

/// Arguments that name a file on the desk (`--text-file`): never a field of a request (a server
/// reads no file a request names); the remote command line reads the file and sends its text
/// as the field without `_file`.
pub const DESK_FILES: &[&str] = &["text_file", "notice_file"];

/// The routes whose request body is a file, sent raw (not a JSON document): its title and kind
/// come in the headers `X-Title` (percent-encoded UTF-8) and `X-Kind`.
pub const UPLOADS: &[&[&str]] = &[&["attach"]];

/// Whether `route`'s body is a file ([`UPLOADS`]).
pub fn is_upload(route: &Route) -> bool {
    UPLOADS.contains(&route.command)
}

/// Whether `id` stays on the desk for `route`.
fn desk_only(route: &Route, id: &str) -> bool {
    route.local.contains(&id) || DESK_FILES.contains(&id)
}

/// Every command the API serves.
pub static ROUTES: &[Route] = &[
    post(
        &["register"],
        "/cases",
        "Register a new case (登记); the body is the registration document",
    ),
    get(
        &["list"],
        "/cases",
        &[],
        "Cases by state, unit, due date, petitioner, period",
    ),
    get(
        &["search"],
        "/search/{text}",
        &[],
        "Cases by a word of their text, a petitioner's name, or a number's end (检索)",
    ),
    get(
        &["show"],
        "/cases/{case}",
        &["timeline"],
        "One case, with clocks and history",
    ),
    get(
        &["status"],
        "/cases/{case}/status",
        &[],
        "A case's public status, with its query code",
    ),
    post(
        &["query-code", "reset"],
        "/cases/{case}/query-code-reset",
        "A new query code for the petitioner (查询码重置), shown once",
    ),
    get(
        &["notice"],
        "/cases/{case}/notices/{kind}",
        &["out"],
        "A written notice of the case",
    ),
    post(
        &["amend"],
        "/cases/{case}/amend",
        "Correct a registration mistake (更正登记)",
    ),
    post(
        &["transfer"],
        "/cases/{case}/transfer",
        "Route to the competent unit (转送)",
    ),
    post(
        &["assign"],
        "/cases/{case}/assign",
        "Route with a required result report (交办)",
    ),
    post(
        &["object"],
        "/cases/{case}/object",
        "Object that the case is outside the unit's remit (异议)",
    ),
    post(
        &["objection"],
        "/cases/{case}/objection",
        "Approve or reject an objection",
    ),
    post(
        &["accept"],
        "/cases/{case}/accept",
        "Accept for handling (受理)",
    ),
    post(
        &["decline"],
        "/cases/{case}/decline",
        "Decline on a legal ground (不予受理)",
    ),
    post(
        &["assist-input"],
        "/cases/{case}/assist-input",
        "An assisting unit's input (协办意见)",
    ),
    post(
        &["extend"],
        "/cases/{case}/extend",
        "Extend the handling limit (延期; the lead unit's head)",
    ),
    post(
        &["take"],
        "/cases/{case}/take",
        "Take the case as its officer (承办)",
    ),
    post(
        &["hand"],
        "/cases/{case}/hand",
        "Hand the case to another officer of the holding unit",
    ),
    post(
        &["extend", "request"],
        "/cases/{case}/extend-request",
        "Ask the head for an extension (延期申请)",
    ),
    post(
        &["extend", "approve"],
        "/cases/{case}/extend-approve",
        "Grant the pending extension request (批准延期)",
    ),
    post(
        &["extend", "reject"],
        "/cases/{case}/extend-reject",
        "Refuse the pending extension request (不予延期)",
    ),
    post(
        &["opinion"],
        "/cases/{case}/opinion",
        "Issue the written answer (处理意见书)",
    ),
    post(
        &["report"],
        "/cases/{case}/report",
        "The result report of an assigned case (办结报告)",
    ),
    post(
        &["review", "request"],
        "/cases/{case}/review-request",
        "Register a review request (复查)",
    ),
    post(
        &["review", "opinion"],
        "/cases/{case}/review-opinion",
        "Issue the review opinion",
    ),
    post(
        &["rereview", "request"],
        "/cases/{case}/rereview-request",
        "Register a re-review request (复核)",
    ),
    post(
        &["rereview", "hearing"],
        "/cases/{case}/rereview-hearing",
        "Record a re-review hearing (听证)",
    ),
    post(
        &["rereview", "opinion"],
        "/cases/{case}/rereview-opinion",
        "Issue the re-review opinion",
    ),
    post(
        &["close"],
        "/cases/{case}/close",
        "Close: the petitioner accepts the answer (办结)",
    ),
    post(
        &["evaluate"],
        "/cases/{case}/evaluate",
        "Record the petitioner's rating (满意度评价)",
    ),
    post(
        &["withdraw"],
        "/cases/{case}/withdraw",
        "The petitioner withdraws (撤回)",
    ),
    post(
        &["note"],
        "/cases/{case}/note",
        "Write a note in the case file: a call, visit, callback (卷宗记录)",
    ),
    post(
        &["attach"],
        "/cases/{case}/attachments",
        "Put a file in the case file (附件): the raw body, with Content-Type, X-Title and X-Kind",
    ),
    get(
        &["attachments"],
        "/cases/{case}/attachments",
        &[],
        "The files of a case's file: kind, title, size, type, date, unit, SHA-256",
    ),
    get(
        &["attachment", "get"],
        "/cases/{case}/attachments/{sha256}",
        &["out"],
        "Download a file of the case file (full readers only; access-logged)",
    ),
    post(
        &["attachment", "withdraw"],
        "/cases/{case}/attachments/{sha256}/withdraw",
        "Withdraw a file added in error (the unit that attached it)",
    ),
    post(
        &["served"],
        "/cases/{case}/served",
        "Record that the petitioner received a notice (送达)",
    ),
    post(
        &["void"],
        "/cases/{case}/void",
        "Void a registration made in error (作废)",
    ),
    post(
        &["merge"],
        "/cases/{case}/merge",
        "Merge into another case of the same matter (合并)",
    ),
    post(
        &["supervise"],
        "/cases/{case}/supervise",
        "Open a supervision on a unit (督办)",
    ),
    post(
        &["respond"],
        "/cases/{case}/respond",
        "Answer a supervision (督办反馈)",
    ),
    get(
        &["queue"],
        "/queue",
        &[],
        "The caller's unit's work, most urgent first",
    ),
    get(&["overdue"], "/overdue", &[], "Overdue work (超期)"),
    get(
        &["stats"],
        "/stats",
        &[],
        "KPIs by unit, locality or category (统计)",
    ),
    post(
        &["tick"],
        "/tick",
        "The time-driven work at the request's time (simulated databases, admins)",
    ),
    get(
        &["export"],
        "/export",
        &["out"],
        "The ledger (台账) as an Excel workbook or CSV (format=xlsx|csv), the cases the caller may read",
    ),
    get(
        &["unit", "list"],
        "/units",
        &["tree"],
        "Every unit (单位), with its kind, level and parent",
    ),
    get(
        &["staff", "list"],
        "/staff",
        &[],
        "Staff members (工作人员), of one unit or all",
    ),
];

/// The route of a command, by its words.
pub fn route_of(command: &[&str]) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.command == command)
}

/// The route a request's method and path (below `/api/v1`, split at `/`) name, with the values
/// its `{name}` segments take; `Err` with the methods the path takes when only the method is
/// wrong.
#[allow(clippy::type_complexity)]
pub fn match_path(
    method: Method,
    segments: &[&str],
) -> Result<(&'static Route, Vec<(&'static str, String)>), Vec<Method>> {
    // Every route's path cut into segments once per process, not once per request.
    static PATTERNS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        ROUTES
            .iter()
            .map(|r| r.path.trim_start_matches('/').split('/').collect())
            .collect()
    });
    let mut other = Vec::new();
    for (r, pattern) in ROUTES.iter().zip(patterns) {
        if pattern.len() != segments.len() {
            continue;
        }
        let mut values = Vec::new();
        let fits = pattern.iter().zip(segments).all(|(p, s)| {
            match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !s.is_empty() => {
                    values.push((name, (*s).to_string()));
                    true
                }
                Some(_) => false,
                None => p == s,
            }
        });
        if !fits {
            continue;
        }
        if r.method == method {
            return Ok((r, values));
        }
        other.push(r.method);
    }
    Err(other)
}

/// Ids of the global options: never part of a request (the token says who, the server says
/// where).
const GLOBALS: &[&str] = &[
    "db", "actor", "now", "json", "codes", "lang", "server", "token", "help", "version",
];

/// The command definition of a command's words.
pub fn leaf<'a>(root: &'a clap::Command, words: &[&str]) -> Option<&'a clap::Command> {
    let mut c = root;
    for w in words {
        c = c.find_subcommand(w)?;
    }
    Some(c)
}

fn is_number(arg: &clap::Arg) -> bool {
    use std::any::TypeId;
    let t = arg.get_value_parser().type_id();
    [
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i64>(),
    ]
    .iter()
    .any(|id| t == *id)
}

/// A request's parameters from the command line as given: the path with its `{name}`s filled
/// and the other arguments given (not defaults: the server applies those) as JSON.
pub fn params_of(
    route: &Route,
    def: &clap::Command,
    m: &ArgMatches,
) -> Result<(String, Map<String, Value>), DomainError> {
    let mut path = route.path.to_string();
    let mut params = Map::new();
    for arg in def.get_arguments() {
        let id = arg.get_id().as_str();
        if DESK_FILES.contains(&id) {
            // Read here, on the desk, and sent as the text itself.
            if let Some(path) = m.get_raw(id).into_iter().flatten().next() {
                let path = std::path::PathBuf::from(path);
                let field = id.trim_end_matches("_file");
                let bytes = std::fs::read(&path).map_err(|e| {
                    DomainError::from(petition_core::StorageError::io(
                        format!("reading {}", path.display()),
                        e,
                    ))
                })?;
                let text = petition_core::input::utf8_text(field, &bytes)?;
                params.insert(field.to_string(), Value::from(text));
            }
            continue;
        }
        if GLOBALS.contains(&id) || route.local.contains(&id) {
            continue;
        }
        if !matches!(
            m.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let values: Vec<String> = m
            .get_raw(id)
            .into_iter()
            .flatten()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let slot = format!("{{{id}}}");
        if path.contains(&slot) {
            // Several words of one argument (`search 王 大山`) travel as one segment.
            let v = values.join(" ");
            path = path.replace(&slot, &encode_segment(&v));
            continue;
        }
        let scalar = |v: &String| match v.parse::<u64>() {
            Ok(n) if is_number(arg) => Value::from(n),
            _ => Value::from(v.clone()),
        };
        let value = match arg.get_action() {
            ArgAction::SetTrue => Value::Bool(m.get_flag(id)),
            ArgAction::Append => Value::Array(values.iter().map(scalar).collect()),
            _ => match values.first() {
                Some(v) => scalar(v),
                None => continue,
            },
        };
        params.insert(id.to_string(), value);
    }
    if path.contains('{') {
        return Err(DomainError::from(Refusal::usage(
            &format!("`{}` needs its arguments", route.command.join(" ")),
            &format!("`{}` 缺少参数", route.command.join(" ")),
        )));
    }
    Ok((path, params))
}

/// A parser's message about a request in the request's terms: `--respond-by` is the field
/// `respond_by`.
pub fn in_request_terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(after.len());
        out.push_str(&after[..end].replace('-', "_"));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A path segment, percent-encoded where it is not an unreserved character.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unknown(route: &Route, def: &clap::Command, key: &str) -> DomainError {
    let known: Vec<String> = def
        .get_arguments()
        .filter(|a| {
            let id = a.get_id().as_str();
            !a.is_positional() && !GLOBALS.contains(&id) && !desk_only(route, id)
        })
        .map(|a| a.get_id().as_str().to_string())
        .collect();
    let name = route.command.join(" ");
    let list = if known.is_empty() {
        "nothing".to_string()
    } else {
        known.join(", ")
    };
    DomainError::from(Refusal::usage_of(
        key,
        &format!("is not a field of `{name}`, which takes: {list}"),
        &format!("不是 `{name}` 的字段；可用字段：{list}"),
    ))
}

/// The command line a request stands for: the command's words, the path's values, then each
/// parameter as its long option (`--name=value`, so a value may begin with `-`). A key that is
/// no argument of the command, or a global option, is a usage error naming the fields it takes.
pub fn argv_of(
    route: &Route,
    def: &clap::Command,
    path_values: &[(&str, String)],
    params: &[(String, Value)],
) -> Result<Vec<String>, DomainError> {
    let mut argv: Vec<String> = vec!["petition".into()];
    argv.extend(route.command.iter().map(|w| w.to_string()));
    let find = |id: &str| def.get_arguments().find(|a| a.get_id().as_str() == id);
    let mut positionals: Vec<(usize, String)> = Vec::new();
    let mut options: Vec<String> = Vec::new();
    // Positional arguments in the order the command declares them.
    let order: Vec<&str> = def
        .get_arguments()
        .filter(|a| a.is_positional())
        .map(|a| a.get_id().as_str())
        .collect();
    for (name, value) in path_values {
        let arg = find(name).ok_or_else(|| unknown(route, def, name))?;
        match order.iter().position(|p| p == name) {
            Some(i) => positionals.push((i, value.clone())),
            None => options.push(format!("--{}={value}", arg.get_long().unwrap_or(name))),
        }
    }
    for (key, value) in params {
        let arg = find(key)
            .filter(|a| {
                !a.is_positional() && !GLOBALS.contains(&key.as_str()) && !desk_only(route, key)
            })
            .ok_or_else(|| unknown(route, def, key))?;
        let long = arg.get_long().unwrap_or(key).to_string();
        let flag = matches!(arg.get_action(), ArgAction::SetTrue);
        let mut push = |v: &Value| -> Result<(), DomainError> {
            match (v, flag) {
                (Value::Bool(true), true) => options.push(format!("--{long}")),
                (Value::Bool(false), true) | (Value::Null, _) => {}
                (Value::String(s), true) if s == "true" => options.push(format!("--{long}")),
                (Value::String(s), true) if s == "false" => {}
                (Value::String(s), false) => options.push(format!("--{long}={s}")),
                (Value::Number(n), false) => options.push(format!("--{long}={n}")),
                _ => {
                    return Err(DomainError::from(Refusal::usage_of(
                        key,
                        if flag {
                            "is a flag: give true or false"
                        } else {
                            "must be a string or a number"
                        },
                        if flag {
                            "是开关：请给出 true 或 false"
                        } else {
                            "必须是字符串或数字"
                        },
                    )))
                }
            }
            Ok(())
        };
        match value {
            Value::Array(items) => items.iter().try_for_each(&mut push)?,
            v => push(v)?,
        }
    }
    positionals.sort();
    argv.extend(positionals.into_iter().map(|(_, v)| v));
    argv.extend(options);
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_names_a_command_and_its_path_values_are_its_arguments() {
        let root = <crate::Cli as clap::CommandFactory>::command();
        for r in ROUTES {
            let def = leaf(&root, r.command).unwrap_or_else(|| panic!("{:?}", r.command));
            for seg in r.path.split('/') {
                if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    assert!(
                        def.get_arguments().any(|a| a.get_id().as_str() == name),
                        "{:?}: {name}",
                        r.command
                    );
                }
            }
        }
    }

    #[test]
    fn parser_messages_name_json_fields() {
        assert_eq!(
            in_request_terms("the argument '--respond-by <RESPOND_BY>' is required"),
            "the argument 'respond_by <RESPOND_BY>' is required"
        );
    }

    #[test]
    fn paths_match_their_routes_and_only_their_methods() {
        let (r, v) =
            match_path(Method::Post, &["cases", "XF2026-000001", "review-request"]).expect("route");
        assert_eq!(r.command, &["review", "request"]);
        assert_eq!(v, vec![("case", "XF2026-000001".to_string())]);
        let (r, _) = match_path(Method::Get, &["cases"]).expect("list");
        assert_eq!(r.command, &["list"]);
        assert_eq!(
            match_path(Method::Get, &["cases", "X", "transfer"]).map(|_| ()),
            Err(vec![Method::Post])
        );
        assert!(match_path(Method::Get, &["nothing"]).is_err());
    }

    #[test]
    fn a_request_becomes_the_command_line_it_stands_for() {
        let root = <crate::Cli as clap::CommandFactory>::command();
        let r = route_of(&["supervise"]).expect("route");
        let def = leaf(&root, r.command).expect("def");
        let argv = argv_of(
            r,
            def,
            &[("case", "XF2026-000001".into())],
            &[
                ("ground".into(), Value::from("overdue")),
                ("respond_by".into(), Value::from("2026-05-01")),
                ("text".into(), Value::from("-starts with a dash")),
            ],
        )
        .expect("argv");
        assert_eq!(
            argv,
            [
                "petition",
                "supervise",
                "XF2026-000001",
                "--ground=overdue",
                "--respond-by=2026-05-01",
                "--text=-starts with a dash"
            ]
        );
        let e = argv_of(r, def, &[], &[("as".into(), Value::from("admin"))])
            .expect_err("a global option is no field");
        assert_eq!(e.code(), "usage");
        let e = argv_of(r, def, &[], &[("db".into(), Value::from("/x"))])
            .expect_err("a global option is no field");
        assert!(e.message(petition_core::Lang::En).contains("takes: ground"));
    }
}
