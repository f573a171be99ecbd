//! The guarded door: each attack of the red team's review of the library's promises (who reads,
//! who acts, what time it is, what the feed and the exports carry) as a regression test named
//! after it, through the command line and the server. The library's own tests of the same
//! promises are in `petition-core/tests/guarded_door.rs`. RELIABILITY.md lists them.

use petition_tests::{server::Server, Env};
use serde_json::{json, Value};

const T0: &str = "2026-03-02";
const UNKNOWN: &str = "XF2026-999999";

/// An accusation against `accused`, registered by `li` at the county petition office, sent to the
/// county housing bureau, accepted and answered there (its reviewer by the line is the city's
/// housing bureau, `chen`).
fn answered_accusation(env: &Env, accused: &str) -> String {
    let id = env.register(T0, &["--accused-unit", accused]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    env.ok(
        Some("wang"),
        "2026-03-10",
        &["opinion", &id, "--outcome", "supported", "--text", "已处理"],
    );
    id
}

/// The error `actor` gets for `args` with `{}` as the case id, on the hidden case `id` and on an
/// unknown id — with the id written as `{}` in both, so they compare whole.
fn answers(env: &Env, actor: &str, now: &str, args: &[&str], id: &str) -> (String, String) {
    let run = |case: &str| {
        let args: Vec<String> = args.iter().map(|a| a.replace("{}", case)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = env.raw(Some(actor), now, true, &args);
        assert_eq!(o.status.code(), Some(3), "{args:?}");
        assert!(o.stdout.is_empty());
        String::from_utf8_lossy(&o.stderr).replace(case, "{}")
    };
    (run(id), run(UNKNOWN))
}

#[test]
fn the_accused_unit_cannot_take_over_an_accusation_through_writes() {
    // Measured before: the city housing bureau, accused in a letter answered by its county
    // subordinate, could not `show` the case, yet ran `review request` (the reply carried the
    // summary and the accuser's name and id number), `review opinion --outcome revoked` and
    // `close`; `verify` stayed green and nothing was logged.
    let env = Env::new();
    let id = answered_accusation(&env, "city-zjj");
    let before = env.bytes();
    for args in [
        &["review", "request", "{}", "--reason", "不服"][..],
        &[
            "review",
            "opinion",
            "{}",
            "--outcome",
            "revoked",
            "--text",
            "撤销",
        ],
        &["close", "{}", "--reason", "accepted"],
        &["take", "{}"],
        &["show", "{}"],
        &["notice", "{}", "--kind", "opinion"],
    ] {
        let (hidden, unknown) = answers(&env, "chen", "2026-03-12", args, &id);
        assert_eq!(
            hidden, unknown,
            "{args:?}: the accusation answers as an unknown case"
        );
        for private in [
            "赵某",
            "11010519491231002X",
            "房屋漏水",
            "c-zjj",
            "opinion_issued",
        ] {
            assert!(
                !hidden.contains(private),
                "{args:?} leaks {private}: {hidden}"
            );
        }
    }
    assert_eq!(env.bytes(), before, "nothing written, nothing logged");
    let log = env.ok(
        Some("admin"),
        "2026-03-12",
        &["access-log", "--staff", "chen"],
    );
    assert_eq!(log["entries"], json!([]));
    assert_eq!(env.ok(None, "2026-03-12", &["verify"])["ok"], true);
}

#[test]
fn an_accusation_registered_without_its_accused_unit_is_recalled_from_it_when_corrected() {
    // Measured before: `amend` could not change the purpose or the accused unit, so an accusation
    // registered as a request stayed with the accused bureau, which read the accuser's name.
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    assert_eq!(
        env.ok(Some("wang"), "2026-03-03", &["show", &id])["state"],
        "handling"
    );
    for (field, value) in [("purpose", "揭发控告"), ("accused_unit", "c-zjj")] {
        env.ok(
            Some("li"),
            "2026-03-04",
            &[
                "amend",
                &id,
                "--field",
                field,
                "--value",
                value,
                "--reason",
                "来信实为反映该局",
            ],
        );
    }
    // Gone from the bureau on every path, answering as an unknown case.
    let (hidden, unknown) = answers(&env, "wang", "2026-03-04", &["show", "{}"], &id);
    assert_eq!(hidden, unknown);
    let queue = env.ok(Some("wang"), "2026-03-04", &["queue"]);
    assert!(!queue.to_string().contains(&id), "{queue}");
    assert_eq!(queue["total"], 0);
    // Back with the registering office, to be routed elsewhere, the recall in its history.
    let shown = env.ok(Some("li"), "2026-03-04", &["show", &id, "--timeline"]);
    assert_eq!(shown["state"], "registered");
    assert_eq!(
        (shown["purpose"].as_str(), shown["accused_unit"].as_str()),
        (Some("accusation"), Some("c-zjj"))
    );
    let types: Vec<&str> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types[types.len() - 2..], ["amended", "recalled"]);
    let o = env.raw(
        Some("li"),
        "2026-03-04",
        true,
        &["transfer", &id, "--to", "c-zjj"],
    );
    assert_ne!(
        o.status.code(),
        Some(0),
        "never routed to the accused bureau"
    );
    assert_eq!(env.ok(None, "2026-03-04", &["verify"])["ok"], true);
}

#[test]
fn an_accused_petition_office_cannot_supervise_the_accusation_on_the_command_line_or_the_api() {
    // Measured before: the city petition office, accused, got the accusation's content back from
    // `supervise`, on the command line and on POST /api/v1/cases/{id}/supervise.
    let env = Env::new();
    let id = env.register(T0, &["--accused-unit", "city-xfj"]);
    let args = [
        "supervise",
        "{}",
        "--ground",
        "evasion",
        "--respond-by",
        "2026-03-20",
        "--text",
        "请说明",
    ];
    let (hidden, unknown) = answers(&env, "shi", "2026-03-05", &args, &id);
    assert_eq!(hidden, unknown);
    // The same through the server.
    let token = env.ok(Some("admin"), T0, &["staff", "token", "shi"])["token"]
        .as_str()
        .expect("token")
        .to_string();
    let server = Server::start(&env.db);
    let body = json!({"ground": "evasion", "respond_by": "2026-03-20", "text": "请说明"});
    let now = [("X-Petition-Now", "2026-03-05")];
    let call = |case: &str| {
        let (s, v) = server.call_with(
            "POST",
            &format!("/cases/{case}/supervise"),
            Some(&token),
            Some(body.clone()),
            &now,
        );
        (s, v.to_string().replace(case, "{}"))
    };
    let (s1, v1) = call(&id);
    let (s2, v2) = call(UNKNOWN);
    assert_eq!((s1, &v1), (s2, &v2));
    assert_eq!(s1, 404);
    assert!(!v1.contains("赵某") && !v1.contains("房屋漏水"), "{v1}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn refused_writes_are_no_existence_oracle() {
    // Measured before: `take` by an outsider answered `permission_denied` with `details.holder`
    // for an open case, `invalid_transition` for a terminal one and `not_found` for an unknown
    // id: any unit could map every case's existence, holder and state.
    let env = Env::new();
    let open = env.register(T0, &[]);
    let ended = env.register(T0, &[]);
    env.ok(
        Some("li"),
        T0,
        &["withdraw", &ended, "--reason", "信访人撤回"],
    );
    // The city court has no part in either case.
    for id in [&open, &ended] {
        for args in [
            &["take", "{}"][..],
            &["accept", "{}"],
            &["withdraw", "{}", "--reason", "r"],
            &["evaluate", "{}", "--handling", "satisfied"],
        ] {
            let (hidden, unknown) = answers(&env, "fa", "2026-03-05", args, id);
            assert_eq!(hidden, unknown, "{args:?} on {id}");
            let v: Value = serde_json::from_str(hidden.lines().last().unwrap_or("")).expect("json");
            assert_eq!(
                v["error"]["details"],
                json!({"kind": "no_case", "id": "{}"}),
                "no holder, no state"
            );
        }
    }
}

#[test]
fn the_change_feed_gives_a_clerk_positions_only_no_query_codes_and_logs_each_case() {
    // Measured before: entries a reader saw in full, and admin entries, carried chain hashes, and
    // a masked entry between two of them was brute-forced offline (name and phone in 18 s);
    // masked entries carried the query code (84 collected by one clerk); a page was logged as
    // "(all cases)".
    let env = Env::new();
    let a = env.register(T0, &[]);
    let b = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &b, "--to", "c-zjj"]);
    let token = |who: &str| {
        env.ok(Some("admin"), T0, &["staff", "token", who])["token"]
            .as_str()
            .expect("token")
            .to_string()
    };
    let (li, sun, admin) = (token("li"), token("sun"), token("admin"));
    let server = Server::start(&env.db);
    let now = [("X-Petition-Now", "2026-03-04")];
    for (who, t) in [("li", &li), ("sun", &sun)] {
        let (s, v) = server.call_with("GET", "/events?limit=1000", Some(t), None, &now);
        assert_eq!(s, 200);
        let entries = v["entries"].as_array().expect("entries");
        assert!(!entries.is_empty());
        for e in entries {
            assert!(e.get("hash").is_none(), "{who}: positions only: {e}");
            assert!(e["position"].is_u64());
            let text = e.to_string();
            assert!(!text.contains("query_code"), "{who}: {e}");
            // A token's digest is left out too (only how it was issued is said).
            assert!(e.get("sha256").is_none_or(|d| d == ""), "{who}: {e}");
        }
    }
    // The township reads both cases masked: nothing to log. The petition office read both in
    // full: one entry per case, none for "all cases".
    let log = env.ok(
        Some("admin"),
        "2026-03-04",
        &["access-log", "--staff", "li"],
    );
    let cases: Vec<&str> = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["command"] == "events")
        .map(|e| e["case"].as_str().expect("a case, not all cases"))
        .collect();
    assert_eq!(cases, [a.as_str(), b.as_str()]);
    let log = env.ok(
        Some("admin"),
        "2026-03-04",
        &["access-log", "--staff", "sun"],
    );
    assert_eq!(log["entries"], json!([]));
    // An admin gets the chain hashes (and the masked data, as everywhere).
    let (_, v) = server.call_with("GET", "/events?limit=1000", Some(&admin), None, &now);
    let entries = v["entries"].as_array().expect("entries");
    assert!(entries
        .iter()
        .all(|e| e["hash"].as_str().map(str::len) == Some(64)));
    assert!(!v.to_string().contains("query_code"));
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn a_unit_cannot_rate_its_own_answer_as_the_petitioner() {
    // Measured before: the answering unit saw the query code in `show` and posted "satisfied" on
    // /status/rate as the petitioner; the petitioner's real rating was then refused.
    let env = Env::new();
    // The housing bureau registers a visit itself and answers it: it was shown the code.
    let reg = [
        "register",
        "--channel",
        "visit",
        "--purpose",
        "request",
        "--locality",
        "t",
        "--category",
        "housing.repair",
        "--summary",
        "房屋漏水",
        "--petitioner",
        "赵某",
    ];
    let v = env.ok(Some("wang"), T0, &reg);
    let (id, code) = (
        v["id"].as_str().expect("id").to_string(),
        v["query_code"].as_str().expect("code").to_string(),
    );
    env.ok(Some("wang"), T0, &["accept", &id]);
    env.ok(
        Some("wang"),
        "2026-03-10",
        &["opinion", &id, "--outcome", "supported", "--text", "已维修"],
    );
    // Never shown again, to anyone.
    for who in ["wang", "li", "admin"] {
        let o = env.raw(Some(who), "2026-03-11", true, &["show", &id, "--timeline"]);
        assert!(!String::from_utf8_lossy(&o.stdout).contains(&code), "{who}");
    }
    let server = Server::start_global(&env.db, &["--now", "2026-03-12"], &[]);
    let r = ureq::post(&format!("{}/status/rate", server.url)).send_form(&[
        ("case", id.as_str()),
        ("code", code.as_str()),
        ("handling", "satisfied"),
    ]);
    let status = match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(s, _)) => s,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        status, 403,
        "the online rating of the unit's own answer is refused"
    );
    assert_eq!(server.stop(), Some(0));
    let shown = env.ok(Some("wang"), "2026-03-12", &["show", &id, "--timeline"]);
    assert!(!shown["events"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["type"] == "evaluated"));
    // The petition office records the petitioner's own rating.
    env.ok(
        Some("li"),
        "2026-03-12",
        &["evaluate", &id, "--handling", "basically_satisfied"],
    );
}

#[test]
fn an_admin_of_the_accused_unit_cannot_export_copy_or_back_up_the_accusation() {
    // Measured before: an admin of the accused unit exported the accusation with the accuser's
    // personal data (`export --format jsonl --include-pii`) and copied the database.
    let env = Env::new();
    env.ok(
        Some("admin"),
        T0,
        &[
            "staff",
            "add",
            "boss",
            "--name",
            "钱主任",
            "--role",
            "admin",
            "--unit",
            "c-zjj",
        ],
    );
    env.register(T0, &["--accused-unit", "c-zjj"]);
    let out = env.dir.path().join("chain.jsonl");
    let copy = env.dir.path().join("copy.db");
    let backup = env.dir.path().join("backup.db");
    for args in [
        vec!["export", "--format", "jsonl", "--include-pii"],
        vec![
            "export",
            "--format",
            "jsonl",
            "--out",
            out.to_str().expect("p"),
        ],
        vec![
            "copy",
            "--from",
            env.db.to_str().expect("p"),
            "--to",
            copy.to_str().expect("p"),
        ],
        vec!["backup", backup.to_str().expect("p")],
    ] {
        let e = env.err_json(Some("boss"), "2026-03-03", &args);
        assert_eq!(e["error"]["code"], "confidentiality", "{args:?}");
        let text = e.to_string();
        assert!(!text.contains("XF2026"), "names no case: {text}");
    }
    assert!(!out.exists() && !copy.exists() && !backup.exists());
    // An admin of no unit may.
    env.ok(
        Some("admin"),
        "2026-03-03",
        &["backup", backup.to_str().expect("p")],
    );
    assert!(backup.exists());
}

#[test]
fn a_moved_officer_loses_their_tokens_and_the_cases_of_the_old_unit() {
    // Measured before: `staff move` kept the person's tokens, which then read with the new
    // unit's reach; the moved officer stayed the officer of the old unit's cases.
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id]);
    env.ok(Some("wang"), T0, &["take", &id]);
    let token = env.ok(Some("admin"), T0, &["staff", "token", "wang"])["token"]
        .as_str()
        .expect("token")
        .to_string();
    env.ok(
        Some("admin"),
        "2026-03-03",
        &["staff", "move", "wang", "--unit", "c-gtj"],
    );
    let shown = env.ok(Some("zhang"), "2026-03-03", &["show", &id, "--timeline"]);
    assert!(shown["officer"].is_null(), "{shown}");
    let last = shown["events"]
        .as_array()
        .and_then(|e| e.last())
        .expect("event");
    assert_eq!(
        (last["type"].as_str(), last["actor"].as_str()),
        (Some("officer_released"), Some("admin"))
    );
    let server = Server::start(&env.db);
    let (s, _) = server.call_with(
        "GET",
        "/queue",
        Some(&token),
        None,
        &[("X-Petition-Now", "2026-03-03")],
    );
    assert_eq!(s, 401, "the token stopped working with the move");
    assert_eq!(server.stop(), Some(0));
    assert_eq!(env.ok(None, "2026-03-03", &["verify"])["ok"], true);
    // And the rebuilt chain is decided again exactly (the release is the admin's, by the rules).
    let file = env.dir.path().join("all.jsonl");
    env.ok(
        Some("admin"),
        "2026-03-03",
        &[
            "export",
            "--format",
            "jsonl",
            "--include-pii",
            "--out",
            file.to_str().expect("p"),
        ],
    );
    let rebuilt = tempfile::tempdir().expect("dir");
    let db = rebuilt.path().join("r.db");
    let o = std::process::Command::new(petition_tests::bin())
        .args(["--db", db.to_str().expect("p"), "--json", "import"])
        .arg(&file)
        .output()
        .expect("import");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_query_code_is_shown_once_and_a_reset_replaces_it() {
    // §3: the code is the petitioner's secret; a lost one is replaced, the old one stops working.
    let env = Env::new();
    let (id, old) = env.register_with_code(T0, &[]);
    let status = |code: &str| {
        env.raw(None, T0, true, &["status", &id, "--code", code])
            .status
            .code()
    };
    assert_eq!(status(&old), Some(0));
    // Only the registering unit or a petition office in reach resets it.
    let e = env.err_json(Some("sun"), T0, &["query-code", "reset", &id]);
    assert_eq!(e["error"]["code"], "permission_denied");
    let receipt = env.dir.path().join("回执.txt");
    let v = env.ok(
        Some("li"),
        T0,
        &[
            "query-code",
            "reset",
            &id,
            "--receipt",
            receipt.to_str().expect("p"),
        ],
    );
    let new = v["query_code"].as_str().expect("a new code").to_string();
    assert_ne!(new, old);
    assert_eq!(status(&old), Some(3), "the old code stopped working");
    assert_eq!(status(&new), Some(0));
    let text = std::fs::read_to_string(&receipt).expect("receipt");
    assert!(text.contains(&new) && text.contains("登记回执"), "{text}");
    // In the history and the access log; never in a later view or the database in clear.
    let shown = env.ok(Some("li"), T0, &["show", &id, "--timeline"]);
    assert!(!shown.to_string().contains(&new));
    assert!(shown["events"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["type"] == "query_code_reset"));
    let log = env.ok(Some("admin"), T0, &["access-log", "--case", &id]);
    assert!(log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["command"] == "query-code reset"));
    let bytes = std::fs::read(&env.db).expect("db");
    let wal = std::fs::read(env.db.with_extension("db-wal")).unwrap_or_default();
    for code in [&old, &new] {
        let found = |b: &[u8]| b.windows(code.len()).any(|w| w == code.as_bytes());
        assert!(
            !found(&bytes) && !found(&wal),
            "{code} in clear in the database"
        );
    }
}
