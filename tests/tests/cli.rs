//! End-to-end tests: the real `petition` binary on a temporary database with a fixed `--now`.
//! One test per command's success path, one per error code with its exit code, the §5.1 worked
//! examples, a full walk from registration to conclusion, both languages, and the demo.

use petition_tests::{bin, clock, ids, register_args, Env};
use serde_json::{json, Value};

const T0: &str = "2026-03-02";

// ---- administration ----

#[test]
fn init_refuses_a_second_time() {
    let env = Env::empty();
    let (exit, code, _) = env.err(None, T0, &["init", "--clock", "simulated"]);
    assert_eq!((exit, code.as_str()), (1, "validation"));
}

#[test]
fn every_commands_help_and_clap_errors_are_chinese_under_lang_zh() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(bin())
            .args(args)
            .env_remove("PETITION_LANG")
            .output()
            .expect("run");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, text, _) = run(&["--lang", "zh", "register", "--help"]);
    assert_eq!(code, Some(0));
    for want in [
        "登记信访事项",
        "信访形式",
        "用法：",
        "选项:",
        "通用选项:",
        "示例：",
        "--petitioner",
        "显示帮助",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    for english in [
        "Usage:",
        "Options:",
        "[possible values",
        "[default:",
        "Print help",
    ] {
        assert!(!text.contains(english), "{english}: {text}");
    }
    let (_, text, _) = run(&["--lang", "zh", "help", "extend", "request"]);
    assert!(text.contains("申请延期") && text.contains("参数"), "{text}");
    assert!(text.contains("申请延长的天数（必填）"), "{text}");
    let (_, text, _) = run(&["--lang", "en", "register", "--help"]);
    assert!(
        text.contains("Register a new case") && !text.contains("信访形式"),
        "{text}"
    );
    let (_, text, _) = run(&["--lang", "en", "transfer", "--help"]);
    assert!(
        text.contains("Receiving unit: its code")
            && text.contains("[required]")
            && text.contains("Global options:"),
        "{text}"
    );
    // clap's own errors: the wrong value with the valid ones, a near miss, in Chinese.
    let (code, _, err) = run(&[
        "--lang", "zh", "amend", "X", "--field", "colour", "--value", "1", "--reason", "r",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("“colour”无效") && err.contains("可选值：summary"),
        "{err}"
    );
    let (code, _, err) = run(&["--lang", "zh", "list", "--limt", "3"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("无法识别的参数“--limt”") && err.contains("“--limit”"),
        "{err}"
    );
    let (_, _, err) = run(&["--lang", "zh", "--json", "serch", "漏"]);
    let v: Value = serde_json::from_str(err.trim()).expect("a JSON error");
    assert_eq!(v["error"]["code"], "usage");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("无法识别的命令")),
        "{v}"
    );
    let (_, _, err) = run(&["--lang", "en", "list", "--limt", "3"]);
    assert!(err.contains("unexpected argument"), "{err}");
}

#[test]
fn help_command_shows_a_commands_help() {
    let o = std::process::Command::new(bin())
        .args(["help", "register"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("--petitioner") && text.contains("--channel"),
        "{text}"
    );
}

#[test]
fn unit_add_list_and_tree() {
    let env = Env::new();
    let v = env.ok(
        Some("admin"),
        T0,
        &[
            "unit",
            "add",
            "t2",
            "--name",
            "乙镇人民政府",
            "--level",
            "township",
            "--kind",
            "government",
            "--parent",
            "c",
        ],
    );
    assert_eq!(v["unit"]["code"], "t2");
    let list = env.ok(None, T0, &["unit", "list"]);
    assert_eq!(list["units"].as_array().map(Vec::len), Some(13));
    let o = env.raw(None, T0, false, &["unit", "list", "--tree"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("prov 某省人民政府"), "{text}");
    assert!(
        text.contains("      c-xfj 某县信访局"),
        "county units are nested three deep: {text}"
    );
}

#[test]
fn unit_import_refuses_a_bad_row_with_its_line_and_imports_nothing() {
    let env = Env::empty();
    let csv = env.dir.path().join("bad.csv");
    std::fs::write(&csv, "code,name,level,kind,parent,line_superior\nprov,省政府,provincial,government,,\ncity,市政府,county,government,prov,\n").expect("write");
    let before = env.bytes();
    let (exit, code, message) = env.err(
        Some("admin"),
        T0,
        &["unit", "import", csv.to_str().expect("path")],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
    assert!(message.contains("line 3"), "{message}");
    assert_eq!(env.bytes(), before, "nothing imported");
    assert_eq!(
        env.ok(None, T0, &["unit", "list"])["units"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn staff_add_and_list() {
    let env = Env::new();
    let v = env.ok(
        Some("admin"),
        T0,
        &[
            "staff", "add", "qian", "--name", "钱", "--role", "head", "--unit", "t",
        ],
    );
    assert_eq!(v["staff"]["role"], "head");
    let v = env.ok(None, T0, &["staff", "list", "--unit", "t"]);
    let ids: Vec<&str> = v["staff"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, ["qian", "sun"]);
}

#[test]
fn a_refusal_carries_its_data_as_details() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    // Another unit that reads the case (its locality) may not route it: the refusal names both
    // units. A unit that may not read it gets `not_found`, as for an unknown case.
    let e = env.err_json(Some("sun"), T0, &["transfer", &id, "--to", "c-gtj"]);
    assert_eq!(e["error"]["code"], "permission_denied");
    assert_eq!(e["error"]["details"]["kind"], "not_holder");
    assert_eq!(e["error"]["details"]["unit"], "t");
    assert_eq!(e["error"]["details"]["holder"], "c-xfj");
    let e = env.err_json(Some("wang"), T0, &["transfer", &id, "--to", "c-gtj"]);
    assert_eq!(e["error"]["code"], "not_found");
    assert_eq!(e["error"]["details"], json!({"kind": "no_case", "id": id}));
    // A near miss of a unit code or staff id gets a suggestion, as data and in the message.
    let e = env.err_json(Some("li"), T0, &["transfer", &id, "--to", "c-zjjj"]);
    assert_eq!(e["error"]["code"], "not_found");
    assert_eq!(e["error"]["details"]["nearest"], "c-zjj");
    let msg = e["error"]["message"].as_str().unwrap_or("");
    assert!(msg.contains("did you mean c-zjj?"), "{msg}");
    let e = env.err_json(Some("wnag"), T0, &["queue"]);
    assert_eq!(e["error"]["details"]["nearest"], "wang");
    // A malformed id names its kind.
    let e = env.err_json(Some("li"), T0, &["show", "XF-1"]);
    assert_eq!(e["error"]["details"]["kind"], "bad_identifier");
    assert_eq!(e["error"]["details"]["what"], "case_id");
}

#[test]
fn policy_show_and_set() {
    let env = Env::new();
    let v = env.ok(None, T0, &["policy", "show"]);
    // 22 time limits and rates, 4 lines of the office, 6 articles its notices cite.
    assert_eq!(v["policy"].as_array().map(Vec::len), Some(34));
    env.ok(Some("admin"), T0, &["policy", "set", "handling_days", "45"]);
    let v = env.ok(None, T0, &["policy", "show"]);
    let h = v["policy"]
        .as_array()
        .and_then(|p| p.iter().find(|e| e["key"] == "handling_days"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (h["value"].as_str(), h["default"].as_str()),
        (Some("45"), Some("60"))
    );
    let (exit, code, _) = env.err(Some("li"), T0, &["policy", "set", "handling_days", "10"]);
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    let (exit, code, _) = env.err(Some("admin"), T0, &["policy", "set", "nonsense", "10"]);
    assert_eq!((exit, code.as_str()), (2, "usage"));
}

#[test]
fn calendar_import_csv_and_toml_and_show() {
    let env = Env::new();
    let csv = env.dir.path().join("cal.csv");
    std::fs::write(&csv, "date,kind\n2026-05-01,holiday\n2026-05-09,workday\n").expect("write");
    assert_eq!(
        env.ok(
            Some("admin"),
            T0,
            &["calendar", "import", csv.to_str().expect("p")]
        )["imported"],
        2
    );
    let toml = env.dir.path().join("cal.toml");
    std::fs::write(
        &toml,
        "holidays = [\"2026-10-01\", \"2026-10-02\"]\nworkdays = [\"2026-10-10\"]\n",
    )
    .expect("write");
    assert_eq!(
        env.ok(
            Some("admin"),
            T0,
            &["calendar", "import", toml.to_str().expect("p")]
        )["imported"],
        3
    );
    let v = env.ok(None, T0, &["calendar", "show", "--year", "2026"]);
    assert_eq!(v["days"].as_array().map(Vec::len), Some(5));
    let bad = env.dir.path().join("bad.csv");
    std::fs::write(&bad, "date,kind\n2026-05-01,holiday\n2026-02-31,holiday\n").expect("write");
    let (_, code, message) = env.err(
        Some("admin"),
        T0,
        &["calendar", "import", bad.to_str().expect("p")],
    );
    assert_eq!(code, "validation");
    assert!(
        message.contains("line 3"),
        "31 February is refused with its line: {message}"
    );
}

// ---- intake ----

#[test]
fn register_with_flags_prints_the_case() {
    let env = Env::new();
    let v = env.ok(
        Some("li"),
        T0,
        &[
            "register",
            "--channel",
            "visit",
            "--purpose",
            "request",
            "--locality",
            "t",
            "--category",
            "land.requisition",
            "--summary",
            "征地补偿",
            "--petitioner",
            "王某",
            "--also",
            "李某,,13912345678",
            "--headcount",
            "6",
            "--representative",
            "王某",
            "--representative",
            "李某",
            "--major",
        ],
    );
    assert_eq!(v["id"], "XF2026-000001");
    assert_eq!(v["state"], "registered");
    assert_eq!(v["holder"], "c-xfj");
    assert_eq!(v["first_contact"]["unit"], "c-xfj");
    assert_eq!(v["first_contact"]["staff"], "li");
    assert_eq!(v["collective"], true);
    assert_eq!(v["petitioners"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["query_code"].as_str().map(str::len), Some(8));
    assert_eq!(clock(&v, "intake")["due"], "2026-03-17");
}

#[test]
fn register_from_a_file() {
    let env = Env::new();
    let f = env.dir.path().join("case.json");
    std::fs::write(
        &f,
        r#"{"channel":"letter","purpose":"accusation","petitioners":[{"name":"钱某","phone":"13900001111"}],
            "locality":"c","category":"discipline.fees","summary":"反映乱收费","accused_unit":"c-zjj"}"#,
    )
    .expect("write");
    let v = env.ok(
        Some("li"),
        T0,
        &["register", "--file", f.to_str().expect("p")],
    );
    assert_eq!(v["accused_unit"], "c-zjj");
    assert_eq!(v["purpose"], "accusation");
    assert_eq!(v["headcount"], 1);
}

#[test]
fn transfer_assign_object_and_objection() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let v = env.ok(
        Some("li"),
        "2026-03-06",
        &["transfer", &id, "--to", "c-gtj", "--note", "请处理"],
    );
    assert_eq!(
        (v["state"].as_str(), v["holder"].as_str()),
        (Some("routed"), Some("c-gtj"))
    );
    // §5.1: received Friday 2026-03-06 → objection window ends 2026-03-13.
    assert_eq!(clock(&v, "objection")["due"], "2026-03-13");
    env.ok(
        Some("zhao"),
        "2026-03-09",
        &["object", &id, "--reason", "不属本局职责"],
    );
    let v = env.ok(Some("li"), "2026-03-10", &["objection", &id, "--approve"]);
    assert_eq!(
        (v["state"].as_str(), v["holder"].as_str()),
        (Some("registered"), Some("c-xfj"))
    );
    let v = env.ok(
        Some("li"),
        "2026-03-10",
        &["assign", &id, "--to", "c-zjj", "--report-by", "2026-04-30"],
    );
    assert_eq!(clock(&v, "result_report")["due"], "2026-04-30");
    env.ok(
        Some("wang"),
        "2026-03-11",
        &["object", &id, "--reason", "x"],
    );
    let v = env.ok(
        Some("li"),
        "2026-03-12",
        &["objection", &id, "--reject", "--note", "属于住建职责"],
    );
    assert_eq!(v["holder"], "c-zjj");
}

#[test]
fn decline_with_a_ground_and_notice() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let v = env.ok(
        Some("li"),
        T0,
        &[
            "decline",
            &id,
            "--ground",
            "legislature_or_judiciary",
            "--notice",
            "请向人民法院反映",
        ],
    );
    assert_eq!(v["state"], "declined");
    assert_eq!(v["decline_ground"], "legislature_or_judiciary");
}

// ---- handling, appeals: the full walk ----

#[test]
fn full_walk_from_registration_to_conclusion() {
    full_walk(Env::new());
}

#[test]
fn full_walk_on_postgres() {
    if let Some(env) = Env::new_pg() {
        full_walk(env);
    }
}

fn full_walk(env: Env) {
    let id = env.register(T0, &[]);
    // A registration mistake corrected before routing; the case is found by a word of it, and by
    // the end of the petitioner's phone, in both languages.
    let v = env.ok(
        Some("li"),
        T0,
        &[
            "amend",
            &id,
            "--field",
            "summary",
            "--value",
            "房屋漏水多年未修",
            "--reason",
            "概况补充",
        ],
    );
    assert_eq!(v["summary"], "房屋漏水多年未修");
    for (lang, heading) in [("zh", "概况"), ("en", "Summary")] {
        for text in ["未修", "5678"] {
            let o = env.raw(Some("li"), T0, false, &["--lang", lang, "search", text]);
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success() && out.contains(&id) && out.contains(heading),
                "{lang} {text}: {out}"
            );
        }
    }
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    // §5.1: accepted on 2026-03-02 → handling due 2026-05-01.
    let v = env.ok(Some("wang"), T0, &["accept", &id, "--assist", "c-gtj"]);
    assert_eq!(v["state"], "handling");
    assert_eq!(clock(&v, "handling")["due"], "2026-05-01");
    assert_eq!(v["assisting"][0]["unit"], "c-gtj");
    let (exit, code, _) = env.err(
        Some("wang"),
        "2026-03-20",
        &["opinion", &id, "--outcome", "supported", "--text", "支持"],
    );
    assert_eq!((exit, code.as_str()), (1, "assist_pending"));
    env.ok(
        Some("zhao"),
        "2026-03-20",
        &["assist-input", &id, "--text", "已核实"],
    );
    // §5.1: with a 30-day extension the raw 2026-05-31 is a Sunday → 2026-06-01.
    let v = env.ok(
        Some("zhang"),
        "2026-04-20",
        &["extend", &id, "--days", "30", "--reason", "情况复杂"],
    );
    assert_eq!(clock(&v, "handling")["due"], "2026-06-01");
    assert_eq!(v["extension_days"], 30);
    let v = env.ok(
        Some("wang"),
        "2026-05-10",
        &[
            "opinion",
            &id,
            "--outcome",
            "not_supported",
            "--text",
            "不予支持",
        ],
    );
    assert_eq!(
        (v["state"].as_str(), v["outcome"].as_str()),
        (Some("opinion_issued"), Some("not_supported"))
    );
    assert_eq!(clock(&v, "handling")["met"], true);
    let v = env.ok(
        Some("chen"),
        "2026-05-20",
        &["review", "request", &id, "--reason", "补偿标准计算有误"],
    );
    assert_eq!(
        (v["state"].as_str(), v["holder"].as_str()),
        (Some("under_review"), Some("city-zjj"))
    );
    let last = v["events"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["type"].as_str(), last["reason"].as_str()),
        (Some("review_requested"), Some("补偿标准计算有误"))
    );
    let v = env.ok(
        Some("chen"),
        "2026-06-01",
        &[
            "review",
            "opinion",
            &id,
            "--outcome",
            "upheld",
            "--text",
            "维持",
        ],
    );
    assert_eq!(v["state"], "review_issued");
    let v = env.ok(Some("zhou"), "2026-06-10", &["rereview", "request", &id]);
    assert_eq!(clock(&v, "rereview")["due"], "2026-07-10");
    let v = env.ok(
        Some("zhou"),
        "2026-06-15",
        &[
            "rereview",
            "hearing",
            &id,
            "--start",
            "2026-06-20",
            "--end",
            "2026-06-22",
        ],
    );
    assert_eq!(
        clock(&v, "rereview")["due"],
        "2026-07-13",
        "3 hearing days: 07-13"
    );
    let v = env.ok(
        Some("zhou"),
        "2026-07-01",
        &[
            "rereview",
            "opinion",
            &id,
            "--outcome",
            "upheld",
            "--text",
            "复核维持",
        ],
    );
    assert_eq!(v["state"], "concluded");
    let v = env.ok(
        Some("li"),
        "2026-07-02",
        &[
            "evaluate",
            &id,
            "--handling",
            "basically_satisfied",
            "--office",
            "satisfied",
        ],
    );
    assert_eq!(v["evaluations"][0]["handling"], "basically_satisfied");
    let types: Vec<&str> = v["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "registered",
            "amended",
            "transferred",
            "accepted",
            "assist_input",
            "extended",
            "opinion_issued",
            "review_requested",
            "review_issued",
            "rereview_requested",
            "hearing_held",
            "rereview_issued",
            "evaluated"
        ]
    );
    assert!(env.ok(None, "2026-07-02", &["verify"])["ok"]
        .as_bool()
        .unwrap_or(false));
}

#[test]
fn may_day_holidays_move_the_handling_due_date_to_2026_05_06() {
    // §5.1 worked example through the CLI.
    let env = Env::new();
    let csv = env.dir.path().join("cal.csv");
    std::fs::write(&csv, "2026-05-01,holiday\n2026-05-02,holiday\n2026-05-03,holiday\n2026-05-04,holiday\n2026-05-05,holiday\n").expect("w");
    env.ok(
        Some("admin"),
        T0,
        &["calendar", "import", csv.to_str().expect("p")],
    );
    let id = env.register(T0, &[]);
    let v = env.ok(Some("li"), T0, &["accept", &id]);
    assert_eq!(clock(&v, "handling")["due"], "2026-05-06");
}

#[test]
fn report_close_withdraw_and_merge() {
    let env = Env::new();
    let a = env.register(T0, &[]);
    env.ok(
        Some("li"),
        T0,
        &["assign", &a, "--to", "t", "--report-by", "2026-04-01"],
    );
    env.ok(Some("sun"), "2026-03-03", &["accept", &a]);
    env.ok(
        Some("sun"),
        "2026-03-20",
        &["opinion", &a, "--outcome", "explained", "--text", "已解释"],
    );
    let v = env.ok(
        Some("sun"),
        "2026-03-21",
        &["report", &a, "--text", "已办结"],
    );
    assert_eq!(clock(&v, "result_report")["met"], true);
    let v = env.ok(
        Some("sun"),
        "2026-03-22",
        &["close", &a, "--reason", "accepted"],
    );
    assert_eq!(
        (v["state"].as_str(), v["close_reason"].as_str()),
        (Some("closed"), Some("accepted"))
    );
    let b = env.register(T0, &[]);
    let v = env.ok(Some("li"), T0, &["withdraw", &b, "--reason", "信访人撤回"]);
    assert_eq!(v["state"], "withdrawn");
    let c = env.register(T0, &[]);
    let d = env.register(T0, &[]);
    let v = env.ok(Some("li"), T0, &["merge", &d, "--into", &c]);
    assert_eq!(
        (v["state"].as_str(), v["merged_into"].as_str()),
        (Some("merged"), Some(c.as_str()))
    );
    let v = env.ok(Some("li"), T0, &["show", &c]);
    assert_eq!(v["absorbed"][0], d.as_str());
    assert_eq!(
        v["repeat_of"],
        b.as_str(),
        "same petitioner, category and locality"
    );
}

// ---- supervision ----

#[test]
fn supervise_respond_and_tick() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id]);
    let v = env.ok(
        Some("li"),
        "2026-03-10",
        &[
            "supervise",
            &id,
            "--ground",
            "evasion",
            "--respond-by",
            "2026-03-20",
            "--text",
            "请说明进展",
        ],
    );
    assert_eq!(v["supervisions"][0]["level"], "supervision");
    let v = env.ok(
        Some("wang"),
        "2026-03-12",
        &["respond", &id, "--supervision", "1", "--text", "正在核查"],
    );
    assert!(v["supervisions"][0]["answered_at"].is_string());
    let v = env.ok(None, "2026-05-02", &["tick"]);
    assert_eq!(
        (v["events"].as_u64(), v["supervisions_opened"].as_u64()),
        (Some(1), Some(1))
    );
    let v = env.ok(None, "2026-05-02", &["tick"]);
    assert_eq!(v["events"], 0, "idempotent");
    let v = env.ok(Some("li"), "2026-05-02", &["show", &id]);
    assert_eq!(v["supervisions"][1]["level"], "reminder");
    assert_eq!(v["supervisions"][1]["by"], "c-xfj");
    assert_eq!(v["supervisions"][1]["respond_by"], "2026-05-08");
    let q = env.ok(Some("li"), "2026-05-02", &["queue"]);
    assert!(
        q["cases"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["id"] == id.as_str()),
        "the supervising office follows it up"
    );
}

// ---- views ----

#[test]
fn show_list_queue_overdue_and_status() {
    let env = Env::new();
    let a = env.register(T0, &[]);
    let (b, code) = env.register_with_code("2026-03-03", &[]);
    env.ok(Some("li"), "2026-03-03", &["transfer", &b, "--to", "c-zjj"]);
    let v = env.ok(Some("li"), "2026-03-25", &["list", "--limit", "5"]);
    let ids: Vec<&str> = v["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [b.as_str(), a.as_str()], "newest first");
    for c in v["cases"].as_array().into_iter().flatten() {
        for k in ["id", "state", "holder", "lead", "summary", "clocks"] {
            assert!(c.get(k).is_some(), "list item has {k}");
        }
    }
    let v = env.ok(Some("li"), "2026-03-25", &["list", "--state", "routed"]);
    assert_eq!(v["cases"].as_array().map(Vec::len), Some(1));
    let v = env.ok(Some("li"), "2026-03-25", &["overdue"]);
    let ids: Vec<&str> = v["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [a.as_str(), b.as_str()],
        "intake due 03-17, acceptance due 03-18"
    );
    let v = env.ok(Some("wang"), "2026-03-25", &["queue"]);
    assert_eq!(v["cases"][0]["id"], b.as_str());
    // The human queue is headed by the unit's name.
    for (lang, heading) in [
        ("zh", "待办事项：某县住建局 (c-zjj)\n"),
        ("en", "Work queue of 某县住建局 (c-zjj)\n"),
    ] {
        let out = env.raw(
            Some("wang"),
            "2026-03-25",
            false,
            &["--lang", lang, "queue"],
        );
        let out = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.starts_with(heading), "{out}");
    }
    // The first-contact unit follows the routed case up until it is accepted (§6.1).
    let v = env.ok(Some("li"), "2026-03-25", &["queue"]);
    assert!(v["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["id"] == b.as_str()));
    // `show` never carries the query code: only the registration's reply did.
    let shown = env.ok(Some("li"), "2026-03-25", &["show", &b]);
    assert!(shown.get("query_code").is_none(), "{shown}");
    let v = env.ok(None, "2026-03-25", &["status", &b, "--code", &code]);
    assert_eq!(
        (v["state"].as_str(), v["holder"].as_str()),
        (Some("routed"), Some("某县住建局"))
    );
    assert!(
        !v.to_string().contains("赵某"),
        "no personal data in the public status"
    );
    let (exit, err, _) = env.err(None, "2026-03-25", &["status", &b, "--code", "AAAAAAAA"]);
    assert_eq!(
        (exit, err.as_str()),
        (3, "not_found"),
        "a wrong code answers like an unknown case"
    );
}

#[test]
fn show_in_chinese_and_english_masks_personal_data() {
    // §6.7: a reader outside the registering, holding, leading or assisting units (here the
    // prefecture's petition office, whose reach includes the county) sees personal data masked.
    let env = Env::new();
    let id = env.register(T0, &[]);
    let zh = env.raw(
        Some("shi"),
        T0,
        false,
        &["--lang", "zh", "show", &id, "--timeline"],
    );
    let zh = String::from_utf8_lossy(&zh.stdout).to_string();
    assert!(
        zh.contains("已登记") && zh.contains("责任单位") && zh.contains("办理经过"),
        "{zh}"
    );
    assert!(
        zh.contains("110105********002X") && zh.contains("138****5678"),
        "masked: {zh}"
    );
    assert!(
        !zh.contains("11010519491231002X") && !zh.contains("13812345678"),
        "no full numbers: {zh}"
    );
    let en = env.raw(Some("shi"), T0, false, &["--lang", "en", "show", &id]);
    let en = String::from_utf8_lossy(&en.stdout).to_string();
    assert!(
        en.contains("registered") && en.contains("Holder") && en.contains("intake"),
        "{en}"
    );
    // Names beside codes, times to the minute.
    assert!(
        en.contains("某县信访局 (c-xfj)") && en.contains("李明 (li)"),
        "names: {en}"
    );
    assert!(
        en.contains("2026-03-02 09:00") && !en.contains("T09:00"),
        "to the minute: {en}"
    );
    // The registering unit's clerk sees it in full.
    let full = env.raw(Some("li"), T0, false, &["--lang", "en", "show", &id]);
    let full = String::from_utf8_lossy(&full.stdout).to_string();
    assert!(full.contains("11010519491231002X"), "{full}");
}

#[test]
fn the_accused_unit_never_sees_the_accusation() {
    // §6.6: to the accused unit the case does not exist — show, list, queue, overdue and every
    // export answer exactly as for an unknown case.
    let env = Env::new();
    let id = env.register(T0, &["--accused-unit", "c-zjj"]);
    let (exit, code, hidden) = env.err(Some("wang"), T0, &["show", &id]);
    let (_, _, unknown) = env.err(Some("wang"), T0, &["show", "XF2026-009999"]);
    assert_eq!((exit, code.as_str()), (3, "not_found"));
    assert_eq!(
        hidden.replace(&id, "ID"),
        unknown.replace("XF2026-009999", "ID"),
        "word for word the answer for an unknown case"
    );
    let (exit, code, _) = env.err(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    assert_eq!((exit, code.as_str()), (1, "confidentiality"));
    for args in [
        &["list"][..],
        &["queue"][..],
        &["overdue"][..],
        &["search", "房"][..],
        &["search", "5678"][..],
        &["search", "赵某"][..],
    ] {
        let v = env.ok(Some("wang"), "2026-04-01", args);
        assert!(!v.to_string().contains(&id), "{args:?}: {v}");
    }
    let o = env.raw(Some("wang"), T0, false, &["export", "--format", "csv"]);
    assert!(o.status.success());
    assert!(!String::from_utf8_lossy(&o.stdout).contains(&id));
    let (exit, code, _) = env.err(Some("wang"), T0, &["export", "--format", "jsonl"]);
    assert_eq!(
        (exit, code.as_str()),
        (1, "permission_denied"),
        "the chain is admin-only"
    );
}

#[test]
fn verify_backup_and_completions() {
    let env = Env::new();
    env.register(T0, &[]);
    let v = env.raw(None, T0, true, &["verify"]);
    let v: Value = serde_json::from_slice(&v.stdout).expect("verify json");
    assert!(v["entries"].as_u64().unwrap_or(0) > 20);
    let dest = env.dir.path().join("copy.db");
    env.ok(Some("admin"), T0, &["backup", dest.to_str().expect("p")]);
    let o = std::process::Command::new(bin())
        .args(["--db", dest.to_str().expect("p"), "--json", "verify"])
        .output()
        .expect("run");
    assert!(o.status.success());
    let o = std::process::Command::new(bin())
        .args(["completions", "bash"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&o.stdout).contains("petition"));
}

#[test]
fn demo_completes_and_its_database_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("demo.db");
    let o = std::process::Command::new(bin())
        .env("NO_COLOR", "1")
        .args([
            "--db",
            db.to_str().expect("p"),
            "--now",
            "2026-07-01",
            "demo",
            "--cases",
            "200",
            "--seed",
            "7",
        ])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("concluded") && text.contains("Overdue work"),
        "{text}"
    );
    let o = std::process::Command::new(bin())
        .args(["--db", db.to_str().expect("p"), "--json", "verify"])
        .output()
        .expect("run");
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v["entries"].as_u64().unwrap_or(0) > 500);
    assert_eq!(
        v["clock"], "simulated",
        "the demo makes a training database"
    );
}

#[test]
fn demo_codes_file_holds_every_generated_case_with_a_code_that_opens_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("demo.db");
    let codes = dir.path().join("codes.tsv");
    let demo = |codes: &std::path::Path| {
        std::process::Command::new(bin())
            .args([
                "--db",
                db.to_str().expect("p"),
                "--now",
                "2026-07-01",
                "--json",
            ])
            .args([
                "demo",
                "--cases",
                "30",
                "--query-codes",
                codes.to_str().expect("p"),
            ])
            .output()
            .expect("run")
    };
    let o = demo(&codes);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&codes).expect("the codes file");
    let rows: Vec<(&str, &str)> = text
        .lines()
        .map(|l| l.split_once('\t').expect("number, tab, code"))
        .collect();
    assert_eq!(rows.len(), 30, "one line per generated case: {text}");
    let status = |case: &str, code: &str| {
        std::process::Command::new(bin())
            .args([
                "--db",
                db.to_str().expect("p"),
                "--now",
                "2026-07-01",
                "--json",
            ])
            .args(["status", case, "--code", code])
            .output()
            .expect("run")
    };
    for (case, code) in [rows[0], rows[29]] {
        let o = status(case, code);
        assert!(
            o.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["id"], case, "{v}");
    }
    // Another case's code opens nothing.
    let o = status(rows[0].0, rows[1].1);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The file is never overwritten, and a refused demo leaves no database.
    let db2 = dir.path().join("other.db");
    let o = std::process::Command::new(bin())
        .args(["--db", db2.to_str().expect("p"), "--now", "2026-07-01"])
        .args([
            "demo",
            "--cases",
            "5",
            "--query-codes",
            codes.to_str().expect("p"),
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--query-codes"));
    assert!(!db2.exists());
    assert_eq!(std::fs::read_to_string(&codes).expect("kept"), text);
}

#[test]
fn demo_with_the_same_seed_gives_the_same_cases() {
    let run = || {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("d.db");
        let o = std::process::Command::new(bin())
            .args([
                "--db",
                db.to_str().expect("p"),
                "--now",
                "2026-07-01",
                "--json",
                "demo",
                "--cases",
                "50",
                "--seed",
                "3",
            ])
            .output()
            .expect("run");
        assert!(o.status.success());
        let o = std::process::Command::new(bin())
            .args([
                "--db",
                db.to_str().expect("p"),
                "--now",
                "2026-07-01",
                "--json",
                "--as",
                "admin",
                "list",
                "--limit",
                "500",
            ])
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        let cases = v["cases"]
            .as_array()
            .expect("a list of cases")
            .iter()
            .map(|c| (c["id"].to_string(), c["state"].to_string()))
            .collect::<Vec<_>>();
        assert!(cases.len() > 50, "the scripted cases and the 50 generated");
        cases
    };
    assert_eq!(run(), run());
}

// ---- every error code with its exit code ----

fn check(env: &Env, actor: Option<&str>, now: &str, args: &[&str], want: (i32, &str)) {
    let before = env.bytes();
    let (exit, code, message) = env.err(actor, now, args);
    assert_eq!((exit, code.as_str()), want, "{args:?}: {message}");
    assert_eq!(env.bytes(), before, "{args:?} changed the database");
}

#[test]
fn usage_is_exit_2() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    check(
        &env,
        Some("li"),
        T0,
        &["register", "--channel", "pigeon"],
        (2, "usage"),
    );
    check(
        &env,
        None,
        T0,
        &["transfer", &id, "--to", "c-zjj"],
        (2, "usage"),
    );
    check(
        &env,
        Some("li"),
        "31 February",
        &["show", &id],
        (2, "usage"),
    );
    check(
        &env,
        Some("li"),
        T0,
        &["assign", &id, "--to", "t", "--report-by", "2026-02-31"],
        (2, "usage"),
    );
}

#[test]
fn not_found_is_exit_3() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    check(
        &env,
        Some("li"),
        T0,
        &["show", "XF2099-999999"],
        (3, "not_found"),
    );
    check(&env, Some("nobody"), T0, &["show", &id], (3, "not_found"));
    check(&env, Some("nobody"), T0, &["accept", &id], (3, "not_found"));
    check(
        &env,
        Some("li"),
        T0,
        &["transfer", &id, "--to", "nowhere"],
        (3, "not_found"),
    );
    let missing = env.dir.path().join("missing.db");
    let o = std::process::Command::new(bin())
        .args([
            "--db",
            missing.to_str().expect("p"),
            "--json",
            "--as",
            "li",
            "list",
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(3));
    assert!(!missing.exists(), "reading never creates a database");
}

#[test]
fn rule_refusals_are_exit_1_with_their_codes() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    check(
        &env,
        Some("li"),
        T0,
        &["opinion", &id, "--outcome", "supported", "--text", "x"],
        (1, "invalid_transition"),
    );
    check(
        &env,
        Some("sun"),
        T0,
        &["accept", &id],
        (1, "permission_denied"),
    );
    check(
        &env,
        Some("li"),
        T0,
        &register_args("x", "甲", &["--id-number", "110105194912310021"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        (1, "validation"),
    );
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    check(
        &env,
        Some("wang"),
        "2026-03-20",
        &["object", &id, "--reason", "x"],
        (1, "window_lapsed"),
    );
    env.ok(
        Some("wang"),
        "2026-03-20",
        &["accept", &id, "--assist", "c-gtj"],
    );
    check(
        &env,
        Some("zhang"),
        "2026-03-21",
        &["extend", &id, "--days", "31", "--reason", "x"],
        (1, "extension_limit"),
    );
    check(
        &env,
        Some("wang"),
        "2026-03-21",
        &["opinion", &id, "--outcome", "supported", "--text", "x"],
        (1, "assist_pending"),
    );
    check(
        &env,
        Some("wang"),
        "2026-03-19",
        &["withdraw", &id, "--reason", "x"],
        (1, "clock_skew"),
    );
    // §6.3: a visit about a township registered at the prefecture's office.
    let v = env.ok(
        Some("shi"),
        T0,
        &[
            "register",
            "--channel",
            "visit",
            "--purpose",
            "request",
            "--locality",
            "t",
            "--category",
            "a.b",
            "--summary",
            "越级",
            "--petitioner",
            "甲",
        ],
    );
    let skip = v["id"].as_str().expect("id").to_string();
    assert_eq!(v["skip_level"], true);
    check(&env, Some("shi"), T0, &["accept", &skip], (1, "skip_level"));
    let lit = env.register(T0, &["--litigation"]);
    check(&env, Some("li"), T0, &["accept", &lit], (1, "litigation"));
    env.ok(Some("li"), T0, &["transfer", &lit, "--to", "city-court"]);
    env.ok(Some("fa"), T0, &["accept", &lit]);
    let acc = env.register(T0, &["--accused-unit", "c-zjj"]);
    check(
        &env,
        Some("li"),
        T0,
        &["transfer", &acc, "--to", "c-zjj"],
        (1, "confidentiality"),
    );
}

#[test]
fn conflict_is_exit_4_when_another_writer_holds_the_database() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    // Another writer, outside petition (its transactions open only inside the library).
    let other = rusqlite::Connection::open(&env.db).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let lock = other;
    let o = std::process::Command::new(bin())
        .env("PETITION_BUSY_TIMEOUT_MS", "50")
        .args([
            "--db",
            env.db.to_str().expect("p"),
            "--json",
            "--now",
            T0,
            "--as",
            "li",
            "transfer",
            &id,
            "--to",
            "c-zjj",
        ])
        .output()
        .expect("run");
    drop(lock);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"conflict\""));
    let v = env.ok(Some("li"), T0, &["show", &id]);
    assert_eq!(v["state"], "registered", "nothing happened");
}

#[test]
fn integrity_is_exit_5_for_a_newer_schema_or_a_file_that_is_not_a_database() {
    let env = Env::new();
    rusqlite::Connection::open(&env.db)
        .expect("open")
        .execute_batch("PRAGMA user_version = 999")
        .expect("bump");
    let (exit, code, _) = env.err(Some("li"), T0, &["list"]);
    assert_eq!((exit, code.as_str()), (5, "integrity"));
    let junk = env.dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("write");
    let o = std::process::Command::new(bin())
        .args(["--db", junk.to_str().expect("p"), "--json", "verify"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(
        std::fs::read(&junk).expect("read"),
        vec![b'x'; 4096],
        "untouched"
    );
}

#[test]
fn io_is_exit_74_when_the_backup_cannot_be_written() {
    // §10.4: what the operating system refuses is `io`, never "internal, please report this".
    let env = Env::new();
    let dest = env.dir.path().join("no-such-dir").join("b.db");
    let (exit, code, _) = env.err(Some("admin"), T0, &["backup", dest.to_str().expect("p")]);
    assert_eq!((exit, code.as_str()), (74, "io"));
}

#[test]
fn human_errors_are_one_line_in_the_chosen_language() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let o = env.raw(Some("sun"), T0, false, &["--lang", "zh", "accept", &id]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("无权办理") && e.contains("c-xfj"), "{e}");
    let o = env.raw(Some("sun"), T0, false, &["--lang", "en", "accept", &id]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("held by c-xfj"), "{e}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_closed_pipe_is_a_clean_exit() {
    use std::io::Read;
    use std::process::Stdio;
    // More output than a pipe buffers (64 KiB), read 16 bytes of it, then close the pipe.
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("d.db");
    let st = std::process::Command::new(bin())
        .args([
            "--db",
            db.to_str().expect("p"),
            "--now",
            "2026-07-01",
            "--json",
            "demo",
            "--cases",
            "600",
        ])
        .output()
        .expect("demo");
    assert!(st.status.success());
    let mut child = std::process::Command::new(bin())
        .env("NO_COLOR", "1")
        .args([
            "--db",
            db.to_str().expect("p"),
            "--now",
            "2026-07-01",
            "--lang",
            "zh",
            "--as",
            "admin",
            "list",
            "--limit",
            "1000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    let mut out = child.stdout.take().expect("stdout");
    out.read_exact(&mut first).expect("read");
    drop(out);
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        status.code(),
        Some(0),
        "a closed pipe ends the program cleanly"
    );
}

#[test]
fn a_command_prints_what_it_recorded() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    let o = env.raw(
        Some("wang"),
        T0,
        false,
        &["--lang", "en", "object", &id, "--reason", "不属本单位职责"],
    );
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{text}");
    assert!(text.contains("recorded objected: 不属本单位职责"), "{text}");
    let o = env.raw(
        Some("li"),
        T0,
        false,
        &[
            "--lang",
            "zh",
            "objection",
            &id,
            "--reject",
            "--note",
            "属住建职责",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.contains("已记录") && text.contains("属住建职责"),
        "{text}"
    );
}

#[test]
fn staff_move_and_renames_change_who_acts_where_and_the_names_shown() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    let v = env.ok(
        Some("admin"),
        T0,
        &["staff", "move", "zhao", "--unit", "c-zjj"],
    );
    assert_eq!(v["staff"]["unit"], "c-zjj");
    // zhao now accepts for the department.
    let v = env.ok(Some("zhao"), T0, &["accept", &id]);
    assert_eq!(
        (v["state"].as_str(), v["lead"].as_str()),
        (Some("handling"), Some("c-zjj"))
    );
    env.ok(
        Some("admin"),
        T0,
        &["staff", "rename", "zhao", "--name", "赵强国"],
    );
    env.ok(
        Some("admin"),
        T0,
        &["unit", "rename", "c-zjj", "--name", "某县住房和城乡建设局"],
    );
    let o = env.raw(Some("li"), T0, false, &["show", &id]);
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(page.contains("某县住房和城乡建设局 (c-zjj)"), "{page}");
    let staff = env.ok(None, T0, &["staff", "list", "--unit", "c-zjj"]);
    assert!(staff["staff"]
        .as_array()
        .is_some_and(|s| s.iter().any(|p| p["id"] == "zhao" && p["name"] == "赵强国")));
    let (exit, code, _) = env.err(
        Some("admin"),
        T0,
        &["staff", "move", "zhao", "--unit", "c-zj"],
    );
    assert_eq!((exit, code.as_str()), (3, "not_found"));
    let (exit, code, _) = env.err(Some("li"), T0, &["unit", "rename", "c-zjj", "--name", "x"]);
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    let o = env.raw(None, T0, true, &["verify"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_clerk_asks_for_an_extension_and_the_head_grants_or_refuses_it() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id]);
    // A clerk may not extend directly; asking is theirs.
    let (_, code, _) = env.err(
        Some("wang"),
        "2026-04-20",
        &["extend", &id, "--days", "30", "--reason", "情况复杂"],
    );
    assert_eq!(code, "permission_denied");
    let v = env.ok(
        Some("wang"),
        "2026-04-20",
        &[
            "extend",
            "request",
            &id,
            "--days",
            "30",
            "--reason",
            "情况复杂",
        ],
    );
    assert_eq!(v["extension_request"]["days"], 30);
    assert_eq!(v["extension_request"]["by"], "wang");
    assert_eq!(clock(&v, "handling")["due"], "2026-05-01", "not moved yet");
    // The head sees the request in `show` and grants it.
    let o = env.raw(Some("zhang"), "2026-04-21", false, &["show", &id]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Extension asked") && text.contains("情况复杂"),
        "{text}"
    );
    let (_, code, _) = env.err(Some("wang"), "2026-04-21", &["extend", "approve", &id]);
    assert_eq!(code, "permission_denied");
    let v = env.ok(Some("zhang"), "2026-04-21", &["extend", "approve", &id]);
    assert_eq!(clock(&v, "handling")["due"], "2026-06-01");
    assert_eq!(v["extension_days"], 30);
    assert!(v["extension_request"].is_null());
    // Nothing left to ask for: the limit is used up; a refused request changes nothing.
    let (_, code, _) = env.err(
        Some("wang"),
        "2026-04-22",
        &["extend", "request", &id, "--days", "1", "--reason", "再延"],
    );
    assert_eq!(code, "extension_limit");
    let id2 = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id2, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id2]);
    env.ok(
        Some("wang"),
        "2026-04-20",
        &[
            "extend",
            "request",
            &id2,
            "--days",
            "10",
            "--reason",
            "待鉴定",
        ],
    );
    let v = env.ok(
        Some("zhang"),
        "2026-04-20",
        &["extend", "reject", &id2, "--note", "请按期办结"],
    );
    assert!(v["extension_request"].is_null());
    assert_eq!(v["extension_days"], 0);
    assert_eq!(clock(&v, "handling")["due"], "2026-05-01");
    let shown = env.ok(Some("zhang"), "2026-04-20", &["show", &id2, "--timeline"]);
    let types: Vec<&str> = shown["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(
        types.ends_with(&["extension_requested", "extension_rejected"]),
        "{types:?}"
    );
    let v = env.ok(None, "2026-04-20", &["verify"]);
    assert_eq!(v["ok"], true);
}

#[test]
fn search_finds_a_character_a_name_and_a_numbers_end_as_the_reader_sees_them() {
    let env = Env::new();
    let leak = env.register(T0, &[]);
    let args = register_args("夜间施工噪声扰民", "钱小明", &["--phone", "13900001111"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let noise = env.ok(Some("li"), T0, &args)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let find = |who: &str, text: &str| ids(&env.ok(Some(who), T0, &["search", text]));
    assert_eq!(find("li", "漏"), [leak.as_str()], "one Chinese character");
    assert_eq!(find("li", "噪声"), [noise.as_str()]);
    assert_eq!(find("li", "钱小明"), [noise.as_str()], "a name");
    assert_eq!(find("li", "1111"), [noise.as_str()], "a phone's end");
    assert_eq!(find("li", "002x"), [leak.as_str()], "an id number's end");
    assert!(find("li", "1390").is_empty(), "a number matches by its end");
    // The housing bureau has no part in either case yet; once the leak is transferred there it
    // finds that one, and the petitioner's full name does not confirm anything it is not shown.
    assert!(find("wang", "漏").is_empty());
    env.ok(Some("li"), T0, &["transfer", &leak, "--to", "c-zjj"]);
    assert_eq!(find("wang", "漏"), [leak.as_str()]);
    // Both languages: the table, and the refusal of a search without a letter or digit.
    for lang in ["en", "zh"] {
        let o = env.raw(Some("li"), T0, false, &["--lang", lang, "search", "漏水"]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success() && text.contains(&leak), "{text}");
    }
    let (exit, code, _) = env.err(Some("li"), T0, &["search", "，。"]);
    assert_eq!((exit, code.as_str()), (2, "usage"));
    // A page holds 1 to 1,000 cases.
    for limit in ["0", "1001"] {
        let (exit, code, _) = env.err(Some("li"), T0, &["search", "房", "--limit", limit]);
        assert_eq!((exit, code.as_str()), (1, "validation"));
    }
}

#[test]
fn amend_corrects_a_registration_and_the_history_keeps_both_values() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let v = env.ok(
        Some("li"),
        T0,
        &[
            "amend",
            &id,
            "--field",
            "phone",
            "--value",
            "13900001111",
            "--reason",
            "登记时录错一位",
        ],
    );
    assert_eq!(v["petitioners"][0]["phone"], "13900001111", "{v}");
    // The time of receipt moves the intake limit (15 days from receipt).
    let v = env.ok(
        Some("li"),
        T0,
        &[
            "amend",
            &id,
            "--field",
            "received_at",
            "--value",
            "2026-02-27",
            "--reason",
            "来信实际收到日期",
        ],
    );
    assert_eq!(clock(&v, "intake")["due"], "2026-03-16", "{v}");
    // The timeline says what changed, in both languages; the search finds the new number.
    for (lang, words) in [("zh", ["更正登记", "电话"]), ("en", ["amended", "phone"])] {
        let o = env.raw(
            Some("li"),
            T0,
            false,
            &["--lang", lang, "show", &id, "--timeline"],
        );
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(words.iter().all(|w| text.contains(w)), "{lang}: {text}");
    }
    let found = env.ok(Some("li"), T0, &["search", "1111"]);
    assert_eq!(found["cases"][0]["id"], id.as_str());
    // Only the registering unit, only before acceptance, only a real change.
    let (exit, code, _) = env.err(
        Some("sun"),
        T0,
        &[
            "amend", &id, "--field", "summary", "--value", "x", "--reason", "r",
        ],
    );
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    let (exit, code, _) = env.err(
        Some("li"),
        T0,
        &[
            "amend",
            &id,
            "--field",
            "phone",
            "--value",
            "13900001111",
            "--reason",
            "r",
        ],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
    let o = env.raw(
        Some("li"),
        T0,
        true,
        &[
            "amend", &id, "--field", "colour", "--value", "x", "--reason", "r",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown field is a usage error"
    );
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id]);
    let (exit, code, _) = env.err(
        Some("li"),
        T0,
        &[
            "amend", &id, "--field", "summary", "--value", "x", "--reason", "r",
        ],
    );
    assert_eq!((exit, code.as_str()), (1, "invalid_transition"));
    let v = env.ok(None, T0, &["verify"]);
    assert_eq!(v["ok"], true);
}

#[test]
fn a_clerk_takes_a_case_the_head_hands_it_on_and_queue_mine_lists_what_each_carries() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id]);
    let other = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &other, "--to", "c-zjj"]);
    let v = env.ok(Some("wang"), T0, &["take", &id.to_lowercase()]);
    assert_eq!(v["officer"], "wang");
    let mine = env.ok(Some("wang"), T0, &["queue", "--mine"]);
    let ids: Vec<&str> = mine["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()], "only the case wang carries");
    // Shown by name in `show`.
    let o = env.raw(Some("wang"), T0, false, &["show", &id]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Officer") && text.contains("王芳 (wang)"),
        "{text}"
    );
    // The head hands it to another member of the unit; not to someone elsewhere.
    let (_, code, _) = env.err(Some("zhang"), T0, &["hand", &id, "--to", "zhao"]);
    assert_eq!(code, "validation");
    let (_, code, _) = env.err(Some("li"), T0, &["take", &id]);
    assert_eq!(code, "permission_denied");
    env.ok(Some("zhang"), T0, &["hand", &id, "--to", "zhang"]);
    let mine = env.ok(Some("wang"), T0, &["queue", "--mine"]);
    assert_eq!(mine["cases"].as_array().map(Vec::len), Some(0));
    let listed = env.ok(Some("li"), T0, &["list", "--officer", "zhang"]);
    assert_eq!(listed["cases"][0]["id"], id.as_str());
    assert_eq!(listed["cases"][0]["officer"], "zhang");
    let v = env.ok(None, T0, &["verify"]);
    assert_eq!(v["ok"], true);
}

#[test]
fn the_top_level_help_is_chinese_under_lang_zh_or_a_chinese_locale() {
    let help = |args: &[&str], lang_env: &str| {
        let o = std::process::Command::new(bin())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", lang_env)
            .args(args)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for text in [
        help(&["--lang", "zh", "--help"], "C.UTF-8"),
        help(&["--lang=zh", "--help"], "C.UTF-8"),
        help(&["--help"], "zh_CN.UTF-8"),
    ] {
        assert!(text.contains("用法：petition"), "{text}");
        assert!(
            text.contains("登记与受理：") && text.contains("  take         成为本件承办人"),
            "{text}"
        );
        assert!(!text.contains("Intake (登记):"), "{text}");
    }
    let en = help(&["--help"], "C.UTF-8");
    assert!(
        en.contains("Intake (登记):") && !en.contains("登记与受理："),
        "{en}"
    );
}

#[test]
fn enumerated_values_may_be_typed_in_chinese_or_english_words() {
    let env = Env::new();
    let v = env.ok(
        Some("li"),
        "2026-03-02",
        &[
            "register",
            "--channel",
            "来访",
            "--purpose",
            "揭发控告",
            "--accused-unit",
            "c-zjj",
            "--locality",
            "t",
            "--category",
            "housing.repair",
            "--summary",
            "反映某局",
            "--petitioner",
            "赵某",
        ],
    );
    let id = v["id"].as_str().expect("id").to_string();
    let shown = env.ok(Some("li"), "2026-03-02", &["show", &id]);
    assert_eq!(
        (shown["channel"].as_str(), shown["purpose"].as_str()),
        (Some("visit"), Some("accusation"))
    );
    // A filter too, and an English label in any case.
    let listed = env.ok(Some("li"), "2026-03-02", &["list", "--state", "已登记"]);
    assert_eq!(listed["total"], 1);
    let listed = env.ok(Some("li"), "2026-03-02", &["list", "--state", "Registered"]);
    assert_eq!(listed["total"], 1);
    // A word of no vocabulary is refused as a usage error listing the names.
    let o = env.raw(
        Some("li"),
        "2026-03-02",
        false,
        &["list", "--state", "飞了"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("registered"));
}

#[test]
fn a_duplicate_registration_is_voided_and_leaves_the_statistics() {
    let env = Env::new();
    let first = env.register("2026-03-02", &[]);
    // The same registration again the next day (a retried interface call): a repeat.
    let twin = env.register("2026-03-03", &[]);
    let registered = |now: &str| {
        let v = env.ok(
            None,
            now,
            &["stats", "--from", "2026-03-01", "--to", "2026-03-31"],
        );
        let groups = v["groups"].as_array().expect("groups").clone();
        let sum = |k: &str| groups.iter().filter_map(|g| g[k].as_u64()).sum::<u64>();
        (sum("registered"), sum("repeats"))
    };
    assert_eq!(registered("2026-03-03"), (2, 1));
    // Another unit cannot void it; an unknown original is refused; nothing changes.
    let before = env.bytes();
    let o = env.raw(
        Some("wang"),
        "2026-03-03",
        true,
        &["void", &twin, "--reason", "重复"],
    );
    assert_eq!(o.status.code(), Some(3));
    let o = env.raw(
        Some("li"),
        "2026-03-03",
        true,
        &[
            "void",
            &twin,
            "--reason",
            "重复",
            "--duplicate-of",
            "XF2026-999999",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not_found"));
    assert_eq!(env.bytes(), before);
    let v = env.ok(
        Some("li"),
        "2026-03-03",
        &[
            "void",
            &twin,
            "--duplicate-of",
            &first,
            "--reason",
            "接口重试产生的重复登记",
        ],
    );
    assert_eq!(v["state"], "voided");
    assert_eq!(registered("2026-03-03"), (1, 0), "counted nowhere");
    // Kept: shown by its id, in the history, listed by its state, and the chain verifies.
    let shown = env.ok(Some("li"), "2026-03-03", &["show", &twin]);
    assert_eq!(shown["state"], "voided");
    let listed = env.ok(Some("li"), "2026-03-03", &["list", "--state", "voided"]);
    assert_eq!(listed["total"], 1);
    let human = env.raw(
        Some("li"),
        "2026-03-03",
        false,
        &["--lang", "zh", "show", &twin],
    );
    assert!(String::from_utf8_lossy(&human.stdout).contains("已作废"));
    assert_eq!(env.ok(None, "2026-03-03", &["verify"])["ok"], true);
}

#[test]
fn unit_and_staff_imports_apply_only_what_changed_and_refuse_moves_and_roles() {
    let env = Env::new();
    let path = |name: &str| env.dir.path().join(name);
    let write = |name: &str, text: &str| {
        std::fs::write(path(name), text).expect("write");
        path(name).to_str().expect("utf8").to_string()
    };
    // The same chart again: nothing changes.
    let same = write("org.csv", petition_tests::ORG_CSV);
    let v = env.ok(Some("admin"), "2026-03-02", &["unit", "import", &same]);
    assert_eq!(
        (v["imported"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(12))
    );
    // A new township and a renamed one.
    let edited = petition_tests::ORG_CSV.replace("t,甲镇人民政府", "t,甲镇人民政府（新）")
        + "t2,乙镇人民政府,township,government,c,\n";
    let file = write("org2.csv", &edited);
    let v = env.ok(Some("admin"), "2026-03-02", &["unit", "import", &file]);
    assert_eq!(v["added"], json!(["t2"]));
    assert_eq!(v["renamed"], json!(["t"]));
    assert_eq!(v["unchanged"], 11);
    // A unit under another parent is refused with its line, and nothing is imported.
    let moved = edited.replace(
        "c-gtj,某县自然资源局,county,department,c,",
        "c-gtj,某县自然资源局,county,department,city,",
    ) + "t3,丙镇人民政府,township,government,c,\n";
    let file = write("org3.csv", &moved);
    let before = env.bytes();
    let (exit, code, msg) = env.err(Some("admin"), "2026-03-02", &["unit", "import", &file]);
    assert_eq!((exit, code.as_str()), (1, "validation"), "{msg}");
    assert!(msg.contains("c-gtj") && msg.contains("line"), "{msg}");
    assert_eq!(env.bytes(), before, "all rows or none");
    // Staff: unchanged, renamed, moved, added; a changed role is refused.
    let staff = write(
        "staff.csv",
        "id,name,role,unit\nli,李明,clerk,c-xfj\nwang,王芳芳,clerk,c-zjj\nsun,孙丽,clerk,t2\nqian,钱进,工作人员,c-xfj\n",
    );
    let v = env.ok(Some("admin"), "2026-03-02", &["staff", "import", &staff]);
    assert_eq!(
        (&v["added"], &v["renamed"], &v["moved"], &v["unchanged"]),
        (
            &json!(["qian"]),
            &json!(["wang"]),
            &json!(["sun"]),
            &json!(1)
        )
    );
    let again = env.ok(Some("admin"), "2026-03-02", &["staff", "import", &staff]);
    assert_eq!(
        (again["imported"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(4))
    );
    let role = write("staff2.csv", "id,name,role,unit\nli,李明,head,c-xfj\n");
    let (exit, code, msg) = env.err(Some("admin"), "2026-03-02", &["staff", "import", &role]);
    assert_eq!((exit, code.as_str()), (1, "validation"), "{msg}");
    // A chart saved as GBK (a spreadsheet's default) gets a hint to save it as UTF-8.
    let mut gbk = b"code,name,level,kind,parent,line_superior\nt9,".to_vec();
    gbk.extend_from_slice(b"\xd6\xd0\xce\xc4,township,government,c,\n");
    std::fs::write(path("gbk.csv"), gbk).expect("write");
    let gbk = path("gbk.csv").to_str().expect("utf8").to_string();
    let (_, code, msg) = env.err(Some("admin"), "2026-03-02", &["unit", "import", &gbk]);
    assert_eq!(code, "validation");
    assert!(msg.contains("CSV UTF-8"), "{msg}");
    let o = env.raw(
        Some("admin"),
        "2026-03-02",
        false,
        &["--lang", "zh", "unit", "import", &gbk],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("另存为"),
        "{o:?}"
    );
}

#[test]
fn statistics_end_with_the_totals_row_and_compare_with_the_previous_period() {
    let env = Env::new();
    env.register("2026-02-20", &[]);
    env.register("2026-03-02", &[]);
    env.register("2026-03-09", &[]);
    let v = env.ok(
        None,
        "2026-03-31",
        &[
            "stats",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--compare",
            "previous",
        ],
    );
    // The previous period has the same 31 days, just before.
    assert_eq!(
        v["previous"],
        json!({"from": "2026-01-29", "to": "2026-02-28"})
    );
    let groups = v["groups"].as_array().expect("groups");
    let summed: u64 = groups.iter().filter_map(|g| g["registered"].as_u64()).sum();
    assert_eq!((v["total"]["registered"].as_u64(), summed), (Some(2), 2));
    assert_eq!(v["total"]["change"]["registered"], 1);
    let office = groups.iter().find(|g| g["key"] == "c-xfj").expect("office");
    assert_eq!(office["change"]["registered"], 1);
    // Both March letters repeat February's: the totals' rate comes from the summed counts.
    assert_eq!(v["total"]["repeats"], 2);
    assert_eq!(v["total"]["repeat_rate"], 1.0, "{v}");
    let o = env.raw(
        None,
        "2026-03-31",
        false,
        &[
            "--lang",
            "zh",
            "stats",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    let last = text.lines().rev().nth(1).unwrap_or("");
    assert!(last.contains("合计") && last.contains(" 2 "), "{text}");
}

#[test]
fn search_with_spaces_matches_every_term_and_a_short_number_says_so() {
    let env = Env::new();
    let leak = env.register("2026-03-02", &[]);
    let v = env.ok(
        Some("li"),
        "2026-03-02",
        &[
            "register",
            "--channel",
            "letter",
            "--purpose",
            "request",
            "--locality",
            "t",
            "--category",
            "land.use",
            "--summary",
            "宅基地纠纷",
            "--petitioner",
            "王大山",
        ],
    );
    let land = v["id"].as_str().expect("id").to_string();
    let ids = |args: &[&str]| -> Vec<String> {
        let v = env.ok(Some("li"), "2026-03-02", args);
        v["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    };
    // Each word alone, then both: only the case with every word.
    assert_eq!(ids(&["search", "王大山"]), vec![land.clone()]);
    assert_eq!(ids(&["search", "漏水"]), vec![leak.clone()]);
    assert_eq!(ids(&["search", "赵", "漏水"]), vec![leak]);
    assert!(ids(&["search", "王大山", "漏水"]).is_empty());
    assert_eq!(ids(&["search", "王 宅基地"]), vec![land]);
    // Three digits are no number's end: the refusal says how many to type.
    let (exit, code, msg) = env.err(Some("li"), "2026-03-02", &["search", "567"]);
    assert_eq!((exit, code.as_str()), (2, "usage"), "{msg}");
    assert!(msg.contains('4'), "{msg}");
}

#[test]
fn the_queue_marks_major_and_collective_cases() {
    let env = Env::new();
    let id = env.register("2026-03-02", &["--major", "--headcount", "12"]);
    let o = env.raw(Some("li"), "2026-03-02", false, &["--lang", "zh", "queue"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text.lines().find(|l| l.contains(&id)).unwrap_or("");
    assert!(line.contains("【重】【集】"), "{text}");
    let v = env.ok(Some("li"), "2026-03-02", &["queue"]);
    assert_eq!(
        (
            v["cases"][0]["major"].as_bool(),
            v["cases"][0]["collective"].as_bool()
        ),
        (Some(true), Some(true))
    );
}

#[test]
fn long_texts_come_from_files() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    let text = "经调查核实，\n一、房屋漏水系屋面防水层老化所致；\n二、已安排维修。";
    let file = env.dir.path().join("意见书.txt");
    std::fs::write(&file, text).expect("write");
    let path = file.to_str().expect("utf8");
    // Both at once is a usage error; the file alone is the text, line breaks and all.
    let o = env.raw(
        Some("wang"),
        "2026-03-10",
        true,
        &[
            "opinion",
            &id,
            "--outcome",
            "supported",
            "--text",
            "x",
            "--text-file",
            path,
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    env.ok(
        Some("wang"),
        "2026-03-10",
        &["opinion", &id, "--outcome", "支持", "--text-file", path],
    );
    let shown = env.ok(Some("wang"), "2026-03-10", &["show", &id, "--timeline"]);
    let opinion = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "opinion_issued")
        .expect("opinion");
    assert_eq!(opinion["text"], text);
}

#[test]
fn deactivating_or_moving_an_officer_names_the_open_cases_left_without_one() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    env.ok(Some("wang"), "2026-03-03", &["take", &id]);
    // Moved within reach of nothing they carry: the case is released and named.
    let v = env.ok(
        Some("admin"),
        "2026-03-04",
        &["staff", "move", "wang", "--unit", "c-gtj"],
    );
    assert_eq!(v["released_cases"], json!([id.clone()]));
    assert!(env.ok(Some("zhang"), "2026-03-04", &["show", &id])["officer"].is_null());
    // The head takes it; deactivated, the head's case is named the same way, in words too.
    env.ok(Some("zhang"), "2026-03-04", &["take", &id]);
    let o = env.raw(
        Some("admin"),
        "2026-03-05",
        false,
        &["--lang", "zh", "staff", "deactivate", "zhang"],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("已无承办人") && text.contains(&id), "{text}");
}

#[test]
fn units_may_be_given_by_name_or_a_unique_part_of_one() {
    let env = Env::new();
    // Registered about 甲镇 by name, sent to the county housing bureau by a part of its name.
    let v = env.ok(
        Some("li"),
        "2026-03-02",
        &[
            "register",
            "--channel",
            "来信",
            "--purpose",
            "求决",
            "--locality",
            "甲镇人民政府",
            "--category",
            "housing.repair",
            "--summary",
            "房屋漏水",
            "--petitioner",
            "赵某",
        ],
    );
    let id = v["id"].as_str().expect("id").to_string();
    assert_eq!(
        env.ok(Some("li"), "2026-03-02", &["show", &id])["locality"],
        "t"
    );
    let v = env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "县住建局"],
    );
    assert_eq!(v["holder"], "c-zjj", "{v}");
    // A part several names share is refused, listing them; an unknown name is not found.
    let (_, code, msg) = env.err(Some("li"), "2026-03-02", &["list", "--unit", "住建"]);
    assert_eq!(code, "validation");
    assert!(msg.contains("c-zjj") && msg.contains("city-zjj"), "{msg}");
    let (_, code, _) = env.err(Some("li"), "2026-03-02", &["list", "--unit", "火星局"]);
    assert_eq!(code, "not_found");
}

#[test]
fn due_dates_in_a_year_without_a_calendar_warn_the_clerk() {
    let env = Env::new();
    let calendar = env.dir.path().join("2026.csv");
    std::fs::write(&calendar, "date,kind\n2026-05-01,holiday\n").expect("write");
    env.ok(
        Some("admin"),
        "2026-03-01",
        &["calendar", "import", calendar.to_str().expect("utf8")],
    );
    // Registered in December 2026: the intake limit runs into 2027, whose holidays are unknown.
    let o = env.raw(
        Some("li"),
        "2026-12-28",
        false,
        &[
            "--lang",
            "zh",
            "register",
            "--channel",
            "letter",
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
        ],
    );
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2027") && err.contains("calendar import"),
        "{err}"
    );
    // In March the limit stays in 2026, which is loaded: no warning.
    let o = env.raw(
        Some("li"),
        "2026-03-02",
        false,
        &[
            "register",
            "--channel",
            "letter",
            "--purpose",
            "request",
            "--locality",
            "t",
            "--category",
            "housing.repair",
            "--summary",
            "房屋漏水",
            "--petitioner",
            "钱某",
        ],
    );
    assert!(o.status.success());
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{o:?}"
    );
    // `calendar show` says which of this year and next has none.
    let o = env.raw(Some("admin"), "2026-11-01", false, &["calendar", "show"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("2027"), "{o:?}");
}

#[test]
fn chinese_output_names_actors_and_errors_in_words() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    let o = env.raw(
        Some("li"),
        "2026-03-02",
        false,
        &["--lang", "zh", "show", &id, "--timeline"],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("李明 (li)"), "{text}");
    let o = env.raw(
        Some("li"),
        "2026-03-02",
        false,
        &["--lang", "zh", "show", "XF2099-000001"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("错误（未找到）："), "{err}");
    assert!(!err.contains("not_found"), "{err}");
}

#[test]
fn a_case_is_handed_to_a_colleague_by_name() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    env.ok(Some("wang"), "2026-03-03", &["take", &id]);
    let v = env.ok(Some("wang"), "2026-03-03", &["hand", &id, "--to", "张局长"]);
    assert_eq!(v["officer"], "zhang", "{v}");
    // A name outside the unit is no colleague.
    let (_, code, _) = env.err(Some("zhang"), "2026-03-03", &["hand", &id, "--to", "李明"]);
    assert_eq!(code, "not_found");
}

#[test]
fn tables_name_units_and_codes_show_with_codes() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    let table = |extra: &[&str]| {
        let mut args = vec!["--lang", "zh"];
        args.extend_from_slice(extra);
        args.push("list");
        let o = env.raw(Some("li"), "2026-03-02", false, &args);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let named = table(&[]);
    assert!(
        named.contains("某县住建局") && !named.contains("c-zjj"),
        "{named}"
    );
    let coded = table(&["--codes"]);
    assert!(
        coded.contains("c-zjj") && !coded.contains("某县住建局"),
        "{coded}"
    );
}
