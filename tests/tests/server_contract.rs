//! The contract other systems build on, end to end on the real binary: idempotency keys (a
//! retried registration answers the first answer and makes no second case), external
//! references (unique per system, found by the list).

use petition_tests::server::{request_full, Server};
use petition_tests::Env;
use serde_json::{json, Value};

const T0: &str = "2026-03-02";

fn token(env: &Env, staff: &str) -> String {
    let v = env.ok(Some("admin"), "2026-03-01", &["staff", "token", staff]);
    v["token"].as_str().expect("token").to_string()
}

fn registration(summary: &str) -> Value {
    json!({
        "channel": "letter", "purpose": "request", "locality": "t",
        "category": "housing.repair", "summary": summary,
        "petitioners": [{"name": "赵某", "id_number": "11010519491231002X", "phone": "13812345678"}],
        "received_at": T0,
    })
}

fn header<'a>(heads: &'a [(String, String)], name: &str) -> Option<&'a str> {
    heads
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The number of cases the clerk's list finds.
fn cases(server: &Server, token: &str) -> usize {
    let (s, v) = server.call("GET", "/cases?limit=1000", Some(token), None);
    assert_eq!(s, 200, "{v}");
    v["cases"].as_array().expect("cases").len()
}

#[test]
fn a_retried_registration_with_its_key_gets_the_first_answer_and_makes_no_second_case() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let post = |body: Value, key: Option<&str>| {
        let mut h = vec![];
        if let Some(k) = key {
            h.push(("Idempotency-Key", k));
        }
        request_full(&server.url, "POST", "/cases", Some(&li), Some(body), &h)
    };
    let before = cases(&server, &li);
    let (s1, first, h1) = post(registration("房屋漏水"), Some("hotline-T0001"));
    assert_eq!(s1, 200, "{first}");
    assert_eq!(header(&h1, "idempotent-replayed"), None);
    let id = first["id"].as_str().expect("id").to_string();
    // The retry: the same answer (the query code included, to the same sender), marked replayed.
    let (s2, again, h2) = post(registration("房屋漏水"), Some("hotline-T0001"));
    assert_eq!(s2, 200, "{again}");
    assert_eq!(again, first);
    assert_eq!(header(&h2, "idempotent-replayed"), Some("true"));
    assert_eq!(cases(&server, &li), before + 1, "no second case");
    // The same key with another body is refused, and changes nothing.
    let (s3, other, _) = post(registration("另一件事"), Some("hotline-T0001"));
    assert_eq!(s3, 422, "{other}");
    assert_eq!(other["error"]["code"], "validation");
    assert_eq!(other["error"]["details"]["kind"], "idempotency_mismatch");
    assert_eq!(cases(&server, &li), before + 1);
    // A malformed key is refused before anything runs.
    let (s4, bad, _) = post(registration("房屋漏水"), Some("has space"));
    assert_eq!(s4, 400, "{bad}");
    assert_eq!(cases(&server, &li), before + 1);
    // Another staff member's key of the same name is theirs: it runs.
    let zhang = token(&env, "zhang");
    let (s5, theirs, h5) = request_full(
        &server.url,
        "POST",
        "/cases",
        Some(&zhang),
        Some(registration("房屋漏水")),
        &[("Idempotency-Key", "hotline-T0001")],
    );
    assert!(s5 == 200 || s5 >= 400, "{theirs}");
    assert_eq!(header(&h5, "idempotent-replayed"), None);
    // A case command under a key: the retry is answered without running it again (a second
    // transfer would be refused: the case is no longer held by the petition office).
    let transfer = json!({"to": "c-zjj"});
    let path = format!("/cases/{id}/transfer");
    let (s6, moved, _) = request_full(
        &server.url,
        "POST",
        &path,
        Some(&li),
        Some(transfer.clone()),
        &[("Idempotency-Key", "move-1")],
    );
    assert_eq!(s6, 200, "{moved}");
    let (s7, again, h7) = request_full(
        &server.url,
        "POST",
        &path,
        Some(&li),
        Some(transfer.clone()),
        &[("Idempotency-Key", "move-1")],
    );
    assert_eq!((s7, &again), (200, &moved));
    assert_eq!(header(&h7, "idempotent-replayed"), Some("true"));
    let (s8, refused, _) = request_full(
        &server.url,
        "POST",
        &path,
        Some(&li),
        Some(transfer),
        &[("Idempotency-Key", "move-2")],
    );
    assert!(s8 >= 400, "a new key runs the command again: {refused}");
    // The keys survive a restart: they are in the database.
    drop(server);
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let (s9, after, h9) = request_full(
        &server.url,
        "POST",
        "/cases",
        Some(&li),
        Some(registration("房屋漏水")),
        &[("Idempotency-Key", "hotline-T0001")],
    );
    assert_eq!((s9, &after), (200, &first));
    assert_eq!(header(&h9, "idempotent-replayed"), Some("true"));
}

#[test]
fn an_external_reference_is_registered_once_and_found_by_the_list() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let mut body = registration("房屋漏水");
    body["external_ref"] = json!({"system": "hotline-12345", "id": "T20260302-0001"});
    let (s, first) = server.call("POST", "/cases", Some(&li), Some(body.clone()));
    assert_eq!(s, 200, "{first}");
    let id = first["id"].as_str().expect("id");
    let (s, shown) = server.call("GET", &format!("/cases/{id}"), Some(&li), None);
    assert_eq!(s, 200);
    assert_eq!(
        shown["external_ref"],
        json!({"system": "hotline-12345", "id": "T20260302-0001"}),
        "{shown}"
    );
    let (s, dup) = server.call("POST", "/cases", Some(&li), Some(body.clone()));
    assert_eq!(s, 409, "{dup}");
    assert_eq!(dup["error"]["code"], "conflict");
    assert_eq!(dup["error"]["details"]["kind"], "duplicate_reference");
    assert_eq!(dup["error"]["details"]["existing"], id);
    let (s, found) = server.call(
        "GET",
        "/cases?external_ref=hotline-12345:T20260302-0001",
        Some(&li),
        None,
    );
    assert_eq!(s, 200, "{found}");
    assert_eq!(petition_tests::ids(&found), vec![id.to_string()]);
    // A malformed reference names its field.
    body["external_ref"] = json!({"system": "", "id": "x"});
    let (s, bad) = server.call("POST", "/cases", Some(&li), Some(body));
    assert_eq!(s, 400, "{bad}");
    assert_eq!(bad["error"]["details"]["field"], "external_ref.system");
}

#[test]
fn an_integration_account_sees_and_does_only_what_its_scopes_and_registrations_allow() {
    let env = Env::new();
    env.ok(
        Some("admin"),
        "2026-03-01",
        &[
            "staff",
            "add",
            "hotline",
            "--name",
            "12345 热线",
            "--role",
            "integration",
            "--unit",
            "c-xfj",
        ],
    );
    let e = env.err_json(Some("admin"), "2026-03-01", &["staff", "token", "hotline"]);
    assert_eq!(e["error"]["details"]["field"], "scope", "{e}");
    let v = env.ok(
        Some("admin"),
        "2026-03-01",
        &["staff", "token", "hotline", "--scope", "register,read"],
    );
    assert_eq!(v["scopes"], json!(["register", "read"]));
    let hotline = v["token"].as_str().expect("token").to_string();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let (s, me) = server.call("GET", "/me", Some(&hotline), None);
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["staff"], "hotline");
    assert_eq!(me["unit"], "c-xfj");
    assert_eq!(me["role"], "integration");
    assert_eq!(me["scopes"], json!(["register", "read"]));
    // Times to the second (a token's expiry comes from the system clock).
    let expires = me["expires_at"].as_str().expect("expires_at");
    assert_eq!(
        expires.len(),
        "2026-03-02T09:00:00+00:00".len(),
        "{expires}"
    );
    let (_, me) = server.call("GET", "/me", Some(&li), None);
    assert_eq!(me["scopes"], json!(["register", "read", "feed", "act"]));
    let (s, _) = server.call("GET", "/me", None, None);
    assert_eq!(s, 401);

    let (s, mine) = server.call(
        "POST",
        "/cases",
        Some(&hotline),
        Some(registration("热线转来")),
    );
    assert_eq!(s, 200, "{mine}");
    let mine = mine["id"].as_str().expect("id").to_string();
    let (_, theirs) = server.call("POST", "/cases", Some(&li), Some(registration("来信")));
    let theirs = theirs["id"].as_str().expect("id").to_string();
    let (s, _) = server.call("GET", &format!("/cases/{mine}"), Some(&hotline), None);
    assert_eq!(s, 200);
    let (s, _) = server.call("GET", &format!("/cases/{theirs}"), Some(&hotline), None);
    assert_eq!(
        s, 404,
        "a case the office's clerks registered is unknown to it"
    );
    let (s, listed) = server.call("GET", "/cases", Some(&hotline), None);
    assert_eq!(s, 200);
    assert_eq!(petition_tests::ids(&listed), vec![mine.clone()]);
    let (s, e) = server.call(
        "POST",
        &format!("/cases/{mine}/withdraw"),
        Some(&hotline),
        Some(json!({"reason": "重复"})),
    );
    assert_eq!(s, 403, "no act scope: {e}");
    let (s, _) = server.call("GET", "/events?after=0", Some(&hotline), None);
    assert_eq!(s, 403, "no feed scope");
}

#[test]
fn lists_answer_pages_with_their_total_and_where_the_next_begins() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    for i in 0..5 {
        let (s, v) = server.call(
            "POST",
            "/cases",
            Some(&li),
            Some(registration(&format!("第{i}件"))),
        );
        assert_eq!(s, 200, "{v}");
    }
    let (s, first) = server.call("GET", "/cases?limit=2", Some(&li), None);
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["total"], 5);
    assert_eq!(first["cases"].as_array().map(Vec::len), Some(2));
    let mut seen = petition_tests::ids(&first);
    let mut next = first["next"].as_str().map(str::to_string);
    while let Some(after) = next {
        let (s, page) = server.call(
            "GET",
            &format!("/cases?limit=2&after={after}"),
            Some(&li),
            None,
        );
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["total"], 5);
        seen.extend(petition_tests::ids(&page));
        next = page["next"].as_str().map(str::to_string);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every case once");
    for path in [
        "/cases?limit=1001",
        "/cases?limit=0",
        "/cases?after=x",
        "/queue?limit=5000",
    ] {
        let (s, e) = server.call("GET", path, Some(&li), None);
        assert_eq!(s, 400, "{path}: {e}");
    }
    // The queue and the search carry their totals too.
    for path in ["/queue?limit=1", "/search/%E7%AC%AC?limit=1", "/overdue"] {
        let (s, v) = server.call("GET", path, Some(&li), None);
        assert_eq!(s, 200, "{path}: {v}");
        assert!(v["total"].is_u64(), "{path}: {v}");
        assert!(v.get("next").is_some(), "{path}: {v}");
    }
    let (_, v) = server.call("GET", "/search/%E7%AC%AC?limit=1", Some(&li), None);
    assert_eq!(
        (v["total"].as_u64(), v["next"].as_str()),
        (Some(5), Some("1"))
    );
}

#[test]
fn the_feed_tells_its_head_filters_by_case_and_type_and_refuses_a_lost_position() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let (_, a) = server.call("POST", "/cases", Some(&li), Some(registration("甲")));
    let (_, b) = server.call("POST", "/cases", Some(&li), Some(registration("乙")));
    let (a, b) = (a["id"].as_str().expect("id"), b["id"].as_str().expect("id"));
    let (s, _) = server.call(
        "POST",
        &format!("/cases/{a}/transfer"),
        Some(&li),
        Some(json!({"to": "c-zjj"})),
    );
    assert_eq!(s, 200);
    let (s, all) = server.call("GET", "/events?after=0&limit=1000", Some(&li), None);
    assert_eq!(s, 200, "{all}");
    let head = all["head"].as_u64().expect("head");
    assert_eq!(all["last"].as_u64(), Some(head), "up to date");
    // Each case entry carries the case's state after it.
    let states: Vec<(String, String, String)> = all["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["case"].is_string())
        .map(|e| {
            (
                e["case"].as_str().unwrap_or("").to_string(),
                e["type"].as_str().unwrap_or("").to_string(),
                e["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        states.contains(&(a.into(), "registered".into(), "registered".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&(a.into(), "transferred".into(), "routed".into())),
        "{states:?}"
    );
    // One case; one type.
    let (_, one) = server.call("GET", &format!("/events?case={b}"), Some(&li), None);
    let cases: Vec<&str> = one["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["case"].as_str())
        .collect();
    assert!(!cases.is_empty() && cases.iter().all(|c| *c == b), "{one}");
    let (_, moved) = server.call("GET", "/events?types=transferred", Some(&li), None);
    let types: Vec<&str> = moved["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, vec!["transferred"]);
    // A position beyond the head, or one no chain can reach, has lost its place.
    for after in [
        format!("{}", head + 1),
        "9223372036854775808".to_string(),
        u64::MAX.to_string(),
    ] {
        let (s, e) = server.call("GET", &format!("/events?after={after}"), Some(&li), None);
        assert_eq!(s, 400, "{after}: {e}");
        assert_eq!(e["error"]["code"], "validation");
    }
    let (s, _) = server.call("GET", "/events?case=nonsense", Some(&li), None);
    assert_eq!(s, 400);
}

/// The schema of `method template`'s `status` answer in the published document, with the
/// document as the root its `$ref`s resolve in.
fn validate(doc: &Value, method: &str, template: &str, status: u16, body: &Value) {
    let escaped = template
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D");
    let mut root = doc.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["$ref"] = json!(format!(
        "#/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
    ));
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{method} {template} {status}: no schema: {e}"));
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status}: {errors:#?}\n{body}"
    );
}

#[test]
fn every_answer_matches_the_published_document() {
    let env = Env::new();
    let li = token(&env, "li");
    let wang = token(&env, "wang");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let (s, doc) = server.call("GET", "/openapi.json", None, None);
    assert_eq!(s, 200);
    let ok = |method: &str, template: &str, path: &str, token: &str, body: Option<Value>| {
        let (s, v) = server.call(&method.to_ascii_uppercase(), path, Some(token), body);
        assert_eq!(s, 200, "{method} {path}: {v}");
        validate(&doc, method, template, 200, &v);
        v
    };
    let mut reg = registration("房屋漏水");
    reg["external_ref"] = json!({"system": "hotline-12345", "id": "T-1"});
    let case = ok("post", "/cases", "/cases", &li, Some(reg.clone()));
    let id = case["id"].as_str().expect("id").to_string();
    let one = format!("/cases/{id}");
    ok("get", "/cases/{case}", &one, &li, None);
    ok(
        "post",
        "/cases/{case}/transfer",
        &format!("{one}/transfer"),
        &li,
        Some(json!({"to": "c-zjj"})),
    );
    ok(
        "post",
        "/cases/{case}/accept",
        &format!("{one}/accept"),
        &wang,
        Some(json!({})),
    );
    ok(
        "post",
        "/cases/{case}/take",
        &format!("{one}/take"),
        &wang,
        Some(json!({})),
    );
    for (template, path) in [
        ("/cases", "/cases?limit=10"),
        ("/search/{text}", "/search/%E6%BC%8F"),
        ("/queue", "/queue"),
        ("/overdue", "/overdue"),
        ("/stats", "/stats"),
        ("/events", "/events?after=0"),
        ("/me", "/me"),
        ("/units", "/units"),
        ("/staff", "/staff"),
    ] {
        ok("get", template, path, &li, None);
    }
    // The errors, each against its documented status.
    let err = |method: &str,
               template: &str,
               path: &str,
               token: Option<&str>,
               body: Option<Value>,
               want: u16| {
        let (s, v) = server.call(&method.to_ascii_uppercase(), path, token, body);
        assert_eq!(s, want, "{method} {path}: {v}");
        validate(&doc, method, template, want, &v);
        // An API message never names a command or an option of the command line.
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(
            !message.contains("petition ") && !message.contains("--"),
            "{method} {path}: {message}"
        );
    };
    err(
        "get",
        "/cases/{case}",
        "/cases/XF2026-999999",
        Some(&li),
        None,
        404,
    );
    err("get", "/cases/{case}", &one, None, None, 401);
    err("get", "/cases", "/cases?limit=5000", Some(&li), None, 400);
    err("post", "/cases", "/cases", Some(&li), Some(reg), 409);
    err(
        "post",
        "/cases/{case}/accept",
        &format!("{one}/accept"),
        Some(&li),
        Some(json!({})),
        409,
    );
    err(
        "post",
        "/cases/{case}/transfer",
        &format!("{one}/transfer"),
        Some(&wang),
        Some(json!({"to": "c-gtj"})),
        409,
    );
    let mut elsewhere = registration("无此地");
    elsewhere["locality"] = json!("nowhere");
    err("post", "/cases", "/cases", Some(&li), Some(elsewhere), 404);
    err(
        "post",
        "/cases",
        "/cases",
        Some(&li),
        Some(json!({"summary": 1})),
        400,
    );
}

#[test]
fn guessing_query_codes_through_the_api_counts_against_the_public_pages_limits() {
    let env = Env::new();
    let (id, code) = env.register_with_code(T0, &[]);
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_address", "3"],
    );
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    for wrong in ["AAAAAAAA", "BBBBBBBB", "CCCCCCCC"] {
        let (s, v) = server.call(
            "GET",
            &format!("/cases/{id}/status?code={wrong}"),
            Some(&li),
            None,
        );
        assert_eq!(s, 404, "{v}");
    }
    let (s, v, heads) = request_full(
        &server.url,
        "GET",
        &format!("/cases/{id}/status?code={code}"),
        Some(&li),
        None,
        &[],
    );
    assert_eq!(s, 429, "{v}");
    assert!(header(&heads, "retry-after").is_some());
    assert_eq!(v["error"]["details"]["kind"], "rate_limited");
    // The same count as the public page's: the page refuses this client too.
    let page = ureq::get(&format!("{}/status?case={id}&code={code}", server.url)).call();
    match page {
        Err(ureq::Error::Status(429, _)) => {}
        other => panic!(
            "the page should be limited too: {:?}",
            other.map(|r| r.status())
        ),
    }
}

#[test]
fn the_command_line_registers_with_an_external_reference_shows_and_finds_it() {
    let env = Env::new();
    let id = env.register(T0, &["--external-ref", "hotline-12345:T-9"]);
    let args =
        petition_tests::register_args("又一件", "钱某", &["--external-ref", "hotline-12345:T-9"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let e = env.err_json(Some("li"), T0, &args);
    assert_eq!(e["error"]["details"]["kind"], "duplicate_reference", "{e}");
    assert_eq!(e["error"]["details"]["existing"], id.as_str());
    let found = env.ok(
        Some("li"),
        T0,
        &["list", "--external-ref", "hotline-12345:T-9"],
    );
    assert_eq!(petition_tests::ids(&found), vec![id.clone()]);
    assert_eq!(found["total"], 1);
    for (lang, label) in [
        ("en", "external reference hotline-12345:T-9"),
        ("zh", "外部编号 hotline-12345:T-9"),
    ] {
        let o = env.raw(Some("li"), T0, false, &["--lang", lang, "show", &id]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains(label), "{text}");
    }
    let (exit, code, _) = env.err(Some("li"), T0, &["list", "--external-ref", "no-colon"]);
    assert_eq!((exit, code.as_str()), (1, "validation"));
}

/// Every case command of the API, along the paths a case takes, each answer validated against
/// the published document (and the documents of the read operations along the way).
#[test]
fn every_case_command_answers_as_the_document_says() {
    let env = Env::new();
    let names = [
        "li", "wang", "zhang", "zhao", "sun", "chen", "zhou", "admin",
    ];
    let tokens: std::collections::HashMap<&str, String> =
        names.into_iter().map(|s| (s, token(&env, s))).collect();
    let server = Server::start(&env.db);
    let (_, doc) = server.call("GET", "/openapi.json", None, None);
    let mut done = std::collections::BTreeSet::new();
    let mut call = |who: &str, at: &str, method: &str, template: &str, path: &str, body: Value| {
        let body = (method == "POST").then_some(body);
        let headers = [("X-Petition-Now", at)];
        let (s, v, _) = request_full(
            &server.url,
            method,
            path,
            Some(&tokens[who]),
            body,
            &headers,
        );
        assert_eq!(s, 200, "{who} {method} {path}: {v}");
        let m = method.to_ascii_lowercase();
        validate(&doc, &m, template, 200, &v);
        done.insert(format!("{m} {template}"));
        v
    };
    // Seven cases, each to take a path: a (routing, objection, assignment, handling with help,
    // officers, extensions, supervision, review and re-review), b (a township's answer rated
    // and closed), c (declined), d (withdrawn), e and f (merged; a code reset; an extension by
    // the head), g (voided as a duplicate of e).
    let ids: Vec<String> = (0..7)
        .map(|_| {
            let v = call(
                "li",
                "2026-03-02",
                "POST",
                "/cases",
                "/cases",
                registration("房屋漏水"),
            );
            v["id"].as_str().expect("id").to_string()
        })
        .collect();
    let (a, b, c, d, e, f, g) = (
        &ids[0], &ids[1], &ids[2], &ids[3], &ids[4], &ids[5], &ids[6],
    );
    let steps: Vec<(&str, &str, &String, &str, Value)> = vec![
        (
            "li",
            "2026-03-06",
            a,
            "amend",
            json!({"field": "summary", "value": "房屋漏水多年", "reason": "补充"}),
        ),
        (
            "li",
            "2026-03-06",
            a,
            "transfer",
            json!({"to": "c-gtj", "note": "请处理"}),
        ),
        (
            "zhao",
            "2026-03-09",
            a,
            "object",
            json!({"reason": "不属本局职责"}),
        ),
        ("li", "2026-03-10", a, "objection", json!({"approve": true})),
        (
            "li",
            "2026-03-10",
            a,
            "assign",
            json!({"to": "c-zjj", "report_by": "2026-04-30"}),
        ),
        (
            "wang",
            "2026-03-11",
            a,
            "accept",
            json!({"assist": ["c-gtj"]}),
        ),
        ("wang", "2026-03-11", a, "take", json!({})),
        ("zhang", "2026-03-11", a, "hand", json!({"to": "zhang"})),
        (
            "zhao",
            "2026-03-20",
            a,
            "assist-input",
            json!({"text": "已核实"}),
        ),
        (
            "wang",
            "2026-03-21",
            a,
            "extend-request",
            json!({"days": 30, "reason": "情况复杂"}),
        ),
        (
            "zhang",
            "2026-03-22",
            a,
            "extend-reject",
            json!({"note": "先按期办"}),
        ),
        (
            "wang",
            "2026-03-23",
            a,
            "extend-request",
            json!({"days": 30, "reason": "需现场勘查"}),
        ),
        ("zhang", "2026-03-24", a, "extend-approve", json!({})),
        (
            "li",
            "2026-03-25",
            a,
            "supervise",
            json!({"ground": "evasion", "respond_by": "2026-04-03", "text": "请说明进展"}),
        ),
        (
            "wang",
            "2026-03-26",
            a,
            "respond",
            json!({"supervision": 1, "text": "正在核查"}),
        ),
        (
            "wang",
            "2026-04-10",
            a,
            "opinion",
            json!({"outcome": "not_supported", "text": "不予支持"}),
        ),
        ("wang", "2026-04-11", a, "report", json!({"text": "已答复"})),
        (
            "wang",
            "2026-04-13",
            a,
            "served",
            json!({"notice": "opinion", "on": "2026-04-12", "how": "post"}),
        ),
        (
            "chen",
            "2026-04-20",
            a,
            "review-request",
            json!({"reason": "补偿标准计算有误"}),
        ),
        (
            "chen",
            "2026-05-06",
            a,
            "review-opinion",
            json!({"outcome": "upheld", "text": "维持"}),
        ),
        ("zhou", "2026-05-15", a, "rereview-request", json!({})),
        (
            "zhou",
            "2026-05-18",
            a,
            "rereview-hearing",
            json!({"start": "2026-05-20", "end": "2026-05-22"}),
        ),
        (
            "zhou",
            "2026-06-01",
            a,
            "rereview-opinion",
            json!({"outcome": "upheld", "text": "复核维持"}),
        ),
        (
            "li",
            "2026-03-02",
            b,
            "assign",
            json!({"to": "t", "report_by": "2026-04-01"}),
        ),
        ("sun", "2026-03-03", b, "accept", json!({})),
        (
            "sun",
            "2026-03-20",
            b,
            "opinion",
            json!({"outcome": "explained", "text": "已解释"}),
        ),
        (
            "li",
            "2026-03-21",
            b,
            "evaluate",
            json!({"handling": "satisfied"}),
        ),
        ("sun", "2026-03-21", b, "report", json!({"text": "已办结"})),
        (
            "sun",
            "2026-03-22",
            b,
            "close",
            json!({"reason": "accepted"}),
        ),
        (
            "li",
            "2026-03-23",
            b,
            "note",
            json!({"kind": "callback", "text": "回访：信访人表示满意"}),
        ),
        (
            "li",
            "2026-03-02",
            c,
            "decline",
            json!({"ground": "legislature_or_judiciary", "notice": "请向人民法院反映"}),
        ),
        (
            "li",
            "2026-03-02",
            d,
            "withdraw",
            json!({"reason": "信访人撤回"}),
        ),
        ("li", "2026-03-02", f, "merge", json!({"into": e})),
        (
            "li",
            "2026-03-02",
            g,
            "void",
            json!({"reason": "重复登记", "duplicate_of": e}),
        ),
        ("li", "2026-03-02", e, "query-code-reset", json!({})),
        ("li", "2026-03-02", e, "transfer", json!({"to": "c-zjj"})),
        ("wang", "2026-03-03", e, "accept", json!({})),
        (
            "zhang",
            "2026-04-20",
            e,
            "extend",
            json!({"days": 30, "reason": "情况复杂"}),
        ),
    ];
    for (who, at, id, command, body) in steps {
        let template = format!("/cases/{{case}}/{command}");
        call(
            who,
            at,
            "POST",
            &template,
            &format!("/cases/{id}/{command}"),
            body,
        );
    }
    // The reads, and the time-driven work.
    let none = Value::Null;
    call(
        "li",
        "2026-06-02",
        "GET",
        "/cases/{case}",
        &format!("/cases/{a}"),
        none.clone(),
    );
    let notice = format!("/cases/{c}/notices/decline");
    call(
        "li",
        "2026-06-02",
        "GET",
        "/cases/{case}/notices/{kind}",
        &notice,
        none.clone(),
    );
    call("admin", "2026-06-02", "POST", "/tick", "/tick", json!({}));
    // Every operation of the document was called here or in the test above.
    let elsewhere = [
        "get /cases",
        "get /search/{text}",
        "get /queue",
        "get /overdue",
        "get /stats",
        "get /events",
        "get /me",
        "get /units",
        "get /staff",
        "get /cases/{case}/status",
        // For the load balancer: tests/cluster.rs.
        "get /health",
        // A file, not JSON: tests/ledger.rs reads it back.
        "get /export",
        // Files of the case file, sent and read raw: tests/case_file.rs.
        "post /cases/{case}/attachments",
        "get /cases/{case}/attachments",
        "get /cases/{case}/attachments/{sha256}",
        "post /cases/{case}/attachments/{sha256}/withdraw",
    ];
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for m in ops.as_object().expect("ops").keys() {
            let op = format!("{m} {path}");
            assert!(
                done.contains(&op) || elsewhere.contains(&op.as_str()) || path == "/openapi.json",
                "{op} is not exercised"
            );
        }
    }
}

#[test]
fn the_remote_command_line_sends_a_key_with_every_write() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let args = petition_tests::register_args("远程登记", "钱某", &[]);
    for _ in 0..2 {
        let o = std::process::Command::new(petition_tests::bin())
            .env("NO_COLOR", "1")
            .args([
                "--server",
                &server.url,
                "--token",
                &li,
                "--now",
                T0,
                "--json",
            ])
            .args(&args)
            .output()
            .expect("run petition");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    drop(server);
    // Two commands, two keys: each kept with its answer, each a case of its own.
    let db = rusqlite::Connection::open(&env.db).expect("open");
    let keys: Vec<(String, i64)> = db
        .prepare("SELECT staff, length(key) FROM idempotency WHERE status = 200")
        .expect("sql")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("keys");
    assert_eq!(keys, vec![("li".to_string(), 32), ("li".to_string(), 32)]);
}
