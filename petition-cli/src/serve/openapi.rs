//! The API's OpenAPI 3.1 description, generated from the route table and the commands' own
//! argument definitions — the same code the server parses requests with — so it cannot drift
//! from what the server accepts. A copy is kept at `docs/openapi.json`; a test fails when they
//! differ (`UPDATE_OPENAPI=1 cargo test -p petition-cli openapi` rewrites it).

use clap::ArgAction;
use serde_json::{json, Map, Value};

use crate::api::{self, Method, ROUTES};

fn schema_of(arg: &clap::Arg) -> Value {
    use std::any::TypeId;
    let t = arg.get_value_parser().type_id();
    let numeric = [
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
    ]
    .iter()
    .any(|id| t == *id);
    let mut one = if matches!(arg.get_action(), ArgAction::SetTrue) {
        json!({"type": "boolean"})
    } else if numeric {
        json!({"type": "integer", "minimum": 0})
    } else {
        json!({"type": "string"})
    };
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && !matches!(arg.get_action(), ArgAction::SetTrue) {
        one["enum"] = json!(values);
    }
    if let Some(help) = arg.get_help() {
        one["description"] = json!(help.to_string());
    }
    if let Some(d) = arg.get_default_values().first() {
        let d = d.to_string_lossy().into_owned();
        one["default"] = match d.parse::<u64>() {
            Ok(n) if numeric => json!(n),
            _ => json!(d),
        };
    }
    if matches!(arg.get_action(), ArgAction::Append) {
        let desc = one.get("description").cloned();
        let mut a = json!({"type": "array", "items": one});
        if let Some(d) = desc {
            a["description"] = d;
        }
        a
    } else {
        one
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The `details.kind` of every refusal, and of the server's own errors.
const DETAIL_KINDS: &[&str] = &[
    "usage",
    "bad_identifier",
    "field",
    "invalid",
    "idempotency_mismatch",
    "duplicate_reference",
    "no_case",
    "no_unit",
    "no_staff",
    "missing",
    "already_registered",
    "wrong_state",
    "terminal",
    "transition",
    "unauthenticated",
    "admin_only",
    "deactivated",
    "no_unit_for_actor",
    "not_holder",
    "head_only",
    "forbidden",
    "window_lapsed",
    "extension_limit",
    "assist_pending",
    "skip_level",
    "litigation",
    "confidentiality",
    "clock_skew",
    "chain_clock_skew",
    "at_line",
    "rate_limited",
    "in_flight",
    "idempotency_unanswered",
    "conflict",
    "busy",
    "integrity",
    "io",
    "internal",
];

fn states() -> Vec<&'static str> {
    petition_core::CaseState::ALL
        .iter()
        .map(|s| s.as_str())
        .collect()
}

fn clock_kinds() -> Vec<&'static str> {
    petition_core::clock::ClockKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect()
}

fn event_types() -> Vec<&'static str> {
    petition_core::EventKind::type_names()
}

fn channels_or_null() -> Vec<Value> {
    let mut v: Vec<Value> = petition_core::Channel::ALL
        .iter()
        .map(|c| json!(c.as_str()))
        .collect();
    v.push(Value::Null);
    v
}

fn purposes_or_null() -> Vec<Value> {
    let mut v: Vec<Value> = petition_core::Purpose::ALL
        .iter()
        .map(|c| json!(c.as_str()))
        .collect();
    v.push(Value::Null);
    v
}

/// The 2xx answer of a command: a case (a registration and every case command), a page of
/// cases, or the command's own document.
fn answer_schema(command: &[&str]) -> Value {
    match command {
        ["list"] | ["search"] | ["queue"] | ["overdue"] => {
            json!({"$ref": "#/components/schemas/CasePage"})
        }
        ["register"] | ["show"] => json!({"$ref": "#/components/schemas/Case"}),
        ["stats"] => {
            json!({"type": "object", "required": ["by", "from", "to", "groups", "total"], "properties": {
            "by": {"type": "string"}, "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
            "groups": {"type": "array", "items": {"type": "object", "required": ["key", "name"]}},
            "total": {"type": "object", "required": ["key", "registered"]},
            "previous": {"type": "object", "required": ["from", "to"], "properties": {
                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}}}}})
        }
        ["status"] | ["tick"] | ["unit", ..] | ["staff", ..] | ["tree"] | ["notice"] => {
            json!({"type": "object"})
        }
        ["attachments"] => {
            json!({"type": "object", "required": ["case", "attachments"], "properties": {
            "case": {"type": "string", "pattern": CASE_ID},
            "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}}})
        }
        _ => json!({"$ref": "#/components/schemas/Case"}),
    }
}

/// A case id's shape.
const CASE_ID: &str = "^XF[0-9]{4}-[0-9]{6,13}$";
/// A staff id's shape.
const STAFF_ID: &str = "^[A-Za-z0-9._-]{1,64}$";
/// A unit code's shape.
const UNIT_CODE: &str = "^[A-Za-z0-9._-]{1,64}$";

/// The description, as JSON.
pub fn document() -> Value {
    let root = <crate::ApiCli as clap::CommandFactory>::command();
    let mut paths = Map::new();
    for r in ROUTES {
        let Some(def) = api::leaf(&root, r.command) else {
            continue;
        };
        let in_path: Vec<&str> = r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let mut parameters = Vec::new();
        for name in &in_path {
            let arg = def.get_arguments().find(|a| a.get_id().as_str() == *name);
            let mut p =
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}});
            if let Some(a) = arg {
                p["schema"] = schema_of(a);
                // A path segment is one string, even for an argument that takes several
                // words (`search`'s words, separated by spaces in the one segment).
                if p["schema"]["type"] == "array" {
                    p["schema"] = p["schema"]["items"].clone();
                }
            }
            parameters.push(p);
        }
        let mut props = Map::new();
        let mut required = Vec::new();
        for arg in def.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_positional()
                || in_path.contains(&id)
                || r.local.contains(&id)
                || crate::api::DESK_FILES.contains(&id)
            {
                continue;
            }
            if arg.is_hide_set() || id == "help" {
                continue;
            }
            // A text that may come from a desk file is required of a request (which names
            // no file).
            let from_file = format!("{id}_file");
            let desk_file = crate::api::DESK_FILES.contains(&from_file.as_str())
                && def
                    .get_arguments()
                    .any(|a| a.get_id().as_str() == from_file);
            if arg.is_required_set() || desk_file {
                required.push(id.to_string());
            }
            props.insert(id.to_string(), schema_of(arg));
        }
        let mut op = json!({
            "operationId": r.command.join("_").replace('-', "_"),
            "summary": r.summary,
            "description": def.get_about().map(|a| a.to_string()).unwrap_or_default(),
            "responses": {
                "200": {"description": "The command's JSON document, as `petition --json` prints it",
                        "content": {"application/json": {"schema": answer_schema(r.command)}}},
                "400": error_response("usage or validation"),
                "401": error_response("unauthenticated: no valid token"),
                "403": error_response("permission_denied or confidentiality"),
                "404": error_response("not_found"),
                "405": error_response("the path does not take this method (`Allow` names those it takes)"),
                "408": error_response("the body did not arrive within 30 s"),
                "409": error_response("conflict, clock_skew or invalid_transition; `details.kind` `duplicate_reference` (an external reference registered before, `details.existing` the case) or `in_flight` (the first request with this Idempotency-Key is still running; `Retry-After`)"),
                "413": error_response("the body is over the limit (8 MiB)"),
                "422": error_response("another rule refused the command; `details.kind` `idempotency_mismatch`: the Idempotency-Key was used for another request"),
                "429": error_response("the token is over its requests per minute (`Retry-After`; `details.kind` `rate_limited`)"),
                "500": error_response("integrity or internal"),
                "503": error_response("io"),
            }
        });
        if r.command == ["export"] {
            // The ledger is a file, not JSON: the workbook or the CSV itself.
            op["responses"]["200"] = json!({
                "description": "The ledger file (`Content-Disposition: attachment`); `X-Petition-Records` says how many rows",
                "headers": {"X-Petition-Records": {"schema": {"type": "integer", "minimum": 0}}},
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
                    "text/csv": {"schema": {"type": "string", "format": "binary"}}}});
        }
        if r.command == ["attachment", "get"] {
            // The file itself, as it was attached.
            let types: Map<String, Value> = petition_core::attachment::ContentType::ALL
                .iter()
                .map(|t| {
                    (
                        t.media().to_string(),
                        json!({"schema": {"type": "string", "format": "binary"}}),
                    )
                })
                .collect();
            op["responses"]["200"] = json!({
                "description": "The file (`Content-Disposition: attachment`), checked against its SHA-256 as it is read; the download is in the access log",
                "content": types});
        }
        if r.method == Method::Post {
            parameters.push(json!({"name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Any 1–64 visible ASCII characters, fresh per request and the same on its retries: a retry within 24 hours gets the first answer again (header `Idempotent-Replayed: true`) without running anything",
                "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-~]+$"}}));
            op["responses"]["200"]["headers"] = json!({"Idempotent-Replayed": {
                "description": "`true` when this is the first answer to a request with the same Idempotency-Key, given again",
                "schema": {"type": "string", "enum": ["true"]}}});
        }
        match r.method {
            Method::Get => {
                for (id, schema) in props {
                    parameters.push(json!({"name": id, "in": "query", "required": required.contains(&id), "schema": schema}));
                }
            }
            Method::Post if crate::api::is_upload(r) => {
                parameters.push(json!({"name": "X-Title", "in": "header", "required": true,
                    "description": "The file's title, UTF-8 percent-encoded (`%E6%9D%A5%E4%BF%A1` for 来信)",
                    "schema": {"type": "string", "minLength": 1}}));
                parameters.push(json!({"name": "X-Kind", "in": "header", "required": false,
                    "description": "What it is (default `other`)",
                    "schema": {"type": "string", "enum": ["letter", "id_copy", "evidence", "signed_notice", "photo", "other"]}}));
                let types: Map<String, Value> = petition_core::attachment::ContentType::ALL
                    .iter()
                    .map(|t| t.media().to_string())
                    .chain(["application/octet-stream".to_string()])
                    .map(|m| (m, json!({"schema": {"type": "string", "format": "binary"}})))
                    .collect();
                op["description"] = json!(format!(
                    "{} The body is the file itself, streamed: the token is checked before it is read and the size limit while it is read (HTTP 413 past `attachment_max_mib`). The type is taken from the content; a declared `Content-Type` that disagrees is refused (`application/octet-stream` declares none).",
                    op["description"].as_str().unwrap_or("")
                ));
                op["responses"]["413"] = error_response(
                    "the file is over the limit (policy attachment_max_mib, 20 MiB by default)",
                );
                op["requestBody"] = json!({"required": true, "content": types});
            }
            Method::Post if r.command == ["register"] => {
                op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Registration"}}}});
            }
            Method::Post => {
                let mut schema =
                    json!({"type": "object", "properties": props, "additionalProperties": false});
                if !required.is_empty() {
                    schema["required"] = json!(required);
                }
                op["requestBody"] = json!({"required": !required.is_empty(), "content": {"application/json": {"schema": schema}}});
            }
        }
        if !parameters.is_empty() {
            op["parameters"] = json!(parameters);
        }
        let path = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        path[r.method.as_str().to_ascii_lowercase()] = op;
    }
    paths.insert(
        "/events".into(),
        json!({"get": {
            "operationId": "events",
            "summary": "The change feed: audit-chain entries after a position that the caller may read (long poll)",
            "parameters": [
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807_u64, "default": 0}, "description": "The last position already processed (0: from the start); beyond the chain's head is `validation`"},
                {"name": "case", "in": "query", "schema": {"type": "string", "pattern": CASE_ID}, "description": "Only this case's entries"},
                {"name": "types", "in": "query", "schema": {"type": "string"}, "description": "Only entries of these types, comma-separated (e.g. `answered,concluded`)"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                {"name": "wait", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 60, "default": 0}, "description": "Seconds to wait when there is nothing new"}
            ],
            "responses": {
                "200": {"description": "Entries, each a line of the jsonl export with its position (a case's entry with the case's state after it); `last` is the position to ask after next, `head` the chain's last position",
                        "content": {"application/json": {"schema": {"type": "object", "required": ["entries", "last", "head"], "additionalProperties": false, "properties": {
                            "entries": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/FeedEntry"}},
                            "last": {"type": "integer", "minimum": 0},
                            "head": {"type": "integer", "minimum": 0}}}}}},
                "400": error_response("usage"),
                "401": error_response("unauthenticated: no valid token"),
            }
        }}),
    );
    paths.insert(
        "/health".into(),
        json!({"get": {
            "operationId": "health",
            "summary": "For a load balancer (no token): this instance, whether it runs the time-driven work, and whether its database answers",
            "security": [],
            "responses": {
                "200": {"description": "The instance serves",
                        "content": {"application/json": {"schema": {"type": "object",
                            "required": ["status", "instance", "engine", "leader", "chain"], "properties": {
                            "status": {"type": "string", "enum": ["ok"]},
                            "instance": {"type": "string"},
                            "engine": {"type": "string", "enum": ["sqlite", "postgres"]},
                            "leader": {"type": "boolean", "description": "Whether this instance runs the time-driven work (one instance at a time)"},
                            "chain": {"type": "integer", "minimum": 0, "description": "The audit chain's head position its database gives"}}}}}},
                "503": {"description": "The database does not answer: send requests to another instance",
                        "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {
                            "status": {"type": "string", "enum": ["unavailable"]}}}}}}
            }
        }}),
    );
    paths.insert(
        "/me".into(),
        json!({"get": {
            "operationId": "me",
            "summary": "Who the token stands for: staff member, unit, role, scopes and expiry",
            "responses": {
                "200": {"description": "The token's staff member and what it may do",
                        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                            "required": ["staff", "name", "unit", "role", "scopes", "expires_at"], "properties": {
                            "staff": {"type": "string", "pattern": STAFF_ID},
                            "name": {"type": "string"},
                            "unit": {"type": ["string", "null"], "pattern": UNIT_CODE},
                            "role": {"type": "string", "enum": ["clerk", "head", "admin", "integration"]},
                            "scopes": {"type": "array", "maxItems": 4, "items": {"type": "string", "enum": ["register", "read", "feed", "act"]}},
                            "expires_at": {"type": ["string", "null"], "format": "date-time"}}}}}},
                "401": error_response("unauthenticated: no valid token"),
                "429": error_response("the token is over its requests per minute"),
            }
        }}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "petition office server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "First-contact petition (信访) case handling. Every command has the command line's rules, visibility, JSON and error codes. Authenticate with `Authorization: Bearer TOKEN` (issued by `petition staff token`). `Accept-Language: zh|en` picks the language of messages; on a simulated database `X-Petition-Now` (RFC 3339) sets the request's time."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "additionalProperties": false, "properties": {"error": {
                    "type": "object", "required": ["code", "message"], "additionalProperties": false, "properties": {
                        "code": {"type": "string", "enum": petition_core::ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
                        "message": {"type": "string"},
                        "details": {"type": "object", "description": "The refusal's data (which unit, which window, how many days); `kind` names the refusal",
                            "properties": {"kind": {"type": "string", "enum": DETAIL_KINDS},
                                           "field": {"type": "string", "description": "The JSON field at fault"},
                                           "retry_after": {"type": "integer", "minimum": 1}}}}}}},
                "Clock": {"type": "object", "required": ["kind", "unit", "started", "due", "stopped_at"], "properties": {
                    "kind": {"type": "string", "enum": clock_kinds()},
                    "unit": {"type": "string", "pattern": UNIT_CODE},
                    "started": {"type": "string", "format": "date"},
                    "due": {"type": "string", "format": "date"},
                    "stopped_at": {"type": ["string", "null"], "format": "date-time"},
                    "overdue": {"type": "boolean"}, "lapsed": {"type": "boolean"},
                    "met": {"type": ["boolean", "null"]}, "paused_days": {"type": "integer", "minimum": 0},
                    "served_on": {"type": "string", "format": "date", "description": "The petitioner's window counts from this day, when the notice was served (送达); absent: from the issue date"}}},
                "CaseSummary": {"type": "object", "required": ["id", "state", "holder", "clocks", "summary"], "properties": {
                    "id": {"type": "string", "pattern": CASE_ID},
                    "state": {"type": "string", "enum": states()},
                    "holder": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "lead": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "locality": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "category": {"type": ["string", "null"]},
                    "summary": {"type": ["string", "null"], "maxLength": 300},
                    "registered_at": {"type": ["string", "null"], "format": "date-time"},
                    "officer": {"type": ["string", "null"], "pattern": STAFF_ID},
                    "collective": {"type": "boolean"}, "skip_level": {"type": "boolean"},
                    "first_contact": {"type": ["object", "null"], "properties": {"staff": {"type": "string"}, "unit": {"type": "string", "pattern": UNIT_CODE}}},
                    "clocks": {"type": "array", "items": {"$ref": "#/components/schemas/Clock"}},
                    "supervisions": {"type": "array", "items": {"type": "object"}},
                    "needs": {"type": "array", "description": "In a queue: what the case asks of the reader's unit and by when (待办), earliest first",
                        "items": {"type": "object", "required": ["kind", "due", "overdue"], "properties": {
                            "kind": {"type": "string", "enum": petition_core::needs::NeedKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()},
                            "due": {"type": ["string", "null"], "format": "date"},
                            "overdue": {"type": "boolean"}}}}}},
                "CasePage": {"type": "object", "required": ["cases", "total", "next"], "properties": {
                    "cases": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/CaseSummary"}},
                    "total": {"type": "integer", "minimum": 0},
                    "next": {"type": ["string", "null"], "description": "Give it as `after` for the next page; null on the last"}}},
                "Case": {"type": "object", "description": "A case as its reader may see it (personal data masked unless the reader's unit may see it in full)",
                    "required": ["id", "state", "channel", "purpose", "summary", "holder", "clocks", "events", "petitioners"], "properties": {
                    "id": {"type": "string", "pattern": CASE_ID},
                    "state": {"type": "string", "enum": states()},
                    "channel": {"type": ["string", "null"], "enum": channels_or_null()},
                    "purpose": {"type": ["string", "null"], "enum": purposes_or_null()},
                    "summary": {"type": ["string", "null"], "maxLength": 300},
                    "holder": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "lead": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "locality": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "received_at": {"type": ["string", "null"], "format": "date-time"},
                    "registered_at": {"type": ["string", "null"], "format": "date-time"},
                    "headcount": {"type": ["integer", "null"], "minimum": 1},
                    "petitioners": {"type": "array", "maxItems": 1000, "items": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"}, "id_number": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]}}}},
                    "external_ref": {"type": ["object", "null"], "properties": {"system": {"type": "string", "maxLength": 64}, "id": {"type": "string", "maxLength": 64}}},
                    "clocks": {"type": "array", "items": {"$ref": "#/components/schemas/Clock"}},
                    "events": {"type": "array", "items": {"type": "object", "required": ["seq", "type", "at", "actor"], "properties": {
                        "seq": {"type": "integer", "minimum": 1}, "type": {"type": "string", "enum": event_types()},
                        "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}}}},
                    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
                    "query_code": {"type": "string", "pattern": "^[A-Z0-9]{8}$", "description": "Only in the answer to a registration (and its replays): shown once"}}},
                "Attachment": {"type": "object", "description": "A file of the case file (附件), listed to every reader; its content only to full readers (`GET /cases/{case}/attachments/{sha256}`)",
                    "required": ["sha256", "size", "content_type", "kind", "title", "unit", "at", "withdrawn"], "properties": {
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "size": {"type": "integer", "minimum": 1},
                    "content_type": {"type": "string", "enum": petition_core::attachment::ContentType::ALL.iter().map(|t| t.media()).collect::<Vec<_>>()},
                    "kind": {"type": "string", "enum": ["letter", "id_copy", "evidence", "signed_notice", "photo", "other"]},
                    "title": {"type": "string"},
                    "unit": {"type": ["string", "null"], "pattern": UNIT_CODE},
                    "at": {"type": "string", "format": "date-time"},
                    "withdrawn": {"type": ["object", "null"], "required": ["at", "reason"], "properties": {
                        "at": {"type": "string", "format": "date-time"}, "reason": {"type": "string"}}}}},
                "FeedEntry": {"type": "object", "required": ["position", "type", "at"], "properties": {
                    "position": {"type": "integer", "minimum": 1},
                    "type": {"type": "string", "enum": event_types().into_iter().chain(petition_core::audit::AdminKind::TYPE_NAMES.iter().copied()).collect::<Vec<_>>()},
                    "at": {"type": "string", "format": "date-time"},
                    "case": {"type": "string", "pattern": CASE_ID},
                    "seq": {"type": "integer", "minimum": 1},
                    "state": {"type": "string", "enum": states(), "description": "The case's state after this entry"},
                    "masked": {"type": "boolean"},
                    "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "For an admin only"}}},
                "Registration": {"type": "object", "required": ["channel", "purpose", "petitioners", "locality", "category", "summary"], "properties": {
                    "channel": {"type": "string", "enum": ["letter", "visit", "phone", "online", "fax", "email"]},
                    "purpose": {"type": "string", "enum": ["request", "suggestion", "appeal", "accusation", "other"]},
                    "petitioners": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"}, "id_type": {"type": "string"}, "id_number": {"type": ["string", "null"]},
                        "phone": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]}}}},
                    "headcount": {"type": ["integer", "null"], "minimum": 1},
                    "representatives": {"type": "array", "items": {"type": "string"}},
                    "locality": {"type": "string"}, "category": {"type": "string"}, "summary": {"type": "string"},
                    "content": {"type": ["string", "null"]},
                    "received_at": {"type": ["string", "null"], "description": "RFC 3339, or YYYY-MM-DD meaning 09:00 local; default now"},
                    "litigation": {"type": "boolean"}, "accused_unit": {"type": ["string", "null"]}, "major": {"type": "boolean"},
                    "external_ref": {"type": ["object", "null"], "description": "Another system's id of the matter; a system's id is registered once", "required": ["system", "id"], "additionalProperties": false, "properties": {
                        "system": {"type": "string", "minLength": 1, "maxLength": 64}, "id": {"type": "string", "minLength": 1, "maxLength": 64}}}},
                    "additionalProperties": false}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    /// The committed copy is what the code generates.
    #[test]
    fn openapi_copy_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&super::document()).expect("json")
        );
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).expect("write docs/openapi.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/openapi.json differs from the API: run `UPDATE_OPENAPI=1 cargo test -p petition-cli openapi` and commit it"
        );
    }
}
