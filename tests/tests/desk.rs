//! End-to-end tests of the clerk's desk, second part: service of notices (送达) and the windows
//! counted from it, "what needs me" in the queue, and the notices' legal basis and office lines.

use petition_tests::Env;
use serde_json::Value;

/// A case registered by li on 2026-03-02, accepted by c-zjj and answered on 2026-03-10.
fn answered(env: &Env) -> String {
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    env.ok(
        Some("wang"),
        "2026-03-10",
        &[
            "opinion",
            &id,
            "--outcome",
            "supported",
            "--text",
            "予以支持",
        ],
    );
    id
}

fn clock<'a>(shown: &'a Value, kind: &str) -> &'a Value {
    shown["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .rev()
        .find(|c| c["kind"] == kind)
        .expect("clock")
}

#[test]
fn a_recorded_service_moves_the_petitioners_windows_to_the_day_of_receipt() {
    let env = Env::new();
    let id = answered(&env);
    let shown = env.ok(Some("wang"), "2026-03-20", &["show", &id]);
    let issue_due = clock(&shown, "review_window")["due"].clone();
    assert_eq!(issue_due, "2026-04-09");
    assert!(clock(&shown, "review_window").get("served_on").is_none());
    let human = env.raw(
        Some("wang"),
        "2026-03-20",
        false,
        &["--lang", "zh", "show", &id],
    );
    assert!(String::from_utf8_lossy(&human.stdout).contains("自出具日起算，未登记送达"));
    // Refused, changing nothing: a day before the answer, and a notice the case does not have.
    let before = env.bytes();
    for (args, exit) in [
        (
            vec![
                "served",
                &id,
                "--notice",
                "opinion",
                "--on",
                "2026-03-09",
                "--how",
                "post",
            ],
            1,
        ),
        (
            vec![
                "served",
                &id,
                "--notice",
                "review",
                "--on",
                "2026-03-12",
                "--how",
                "post",
            ],
            1,
        ),
        (
            vec![
                "served",
                &id,
                "--notice",
                "letter",
                "--on",
                "2026-03-12",
                "--how",
                "post",
            ],
            2,
        ),
    ] {
        let o = env.raw(Some("wang"), "2026-03-20", true, &args);
        assert_eq!(o.status.code(), Some(exit), "{args:?}");
    }
    assert_eq!(env.bytes(), before);
    // Received by post on 03-16 (typed in Chinese): the windows count 30 days from then.
    let v = env.ok(
        Some("wang"),
        "2026-03-20",
        &[
            "served",
            &id,
            "--notice",
            "处理意见书",
            "--on",
            "2026-03-16",
            "--how",
            "邮寄送达",
            "--note",
            "挂号信回执 XA123",
        ],
    );
    for kind in ["review_window", "evaluation"] {
        assert_eq!(clock(&v, kind)["due"], "2026-04-15", "{kind}");
        assert_eq!(clock(&v, kind)["served_on"], "2026-03-16");
    }
    assert_eq!(v["services"][0]["how"], "post");
    let human = env.raw(
        Some("wang"),
        "2026-03-20",
        false,
        &["--lang", "zh", "show", &id, "--timeline"],
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("自送达起算：2026-03-16"), "{text}");
    assert!(text.contains("送达") && text.contains("邮寄送达"), "{text}");
    // After the issue-date limit the time-driven work leaves it open, and the reviewing body
    // records the request inside the window counted from receipt.
    env.ok(None, "2026-04-12", &["tick"]);
    let shown = env.ok(Some("wang"), "2026-04-12", &["show", &id]);
    assert_eq!(shown["state"], "opinion_issued");
    let v = env.ok(
        Some("chen"),
        "2026-04-14",
        &["review", "request", &id, "--reason", "补偿标准有误"],
    );
    assert_eq!(v["state"], "under_review");
    assert_eq!(env.ok(None, "2026-04-14", &["verify"])["ok"], true);
}

#[test]
fn notices_cite_the_2022_regulation_from_the_offices_table_with_its_lines() {
    let env = Env::new();
    let id = answered(&env);
    let notice = |kind: &str| {
        let o = env.raw(
            Some("wang"),
            "2026-03-20",
            false,
            &["notice", &id, "--kind", kind],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let opinion = notice("opinion");
    assert!(
        opinion.contains("（《信访工作条例》第三十五条）"),
        "{opinion}"
    );
    assert!(!opinion.contains("《信访条例》"), "{opinion}");
    assert!(opinion.contains("（印章）"), "{opinion}");
    // A citation that is not one, or an address that is not one, is refused.
    for (k, v) in [
        ("legal_basis.review", "第35条"),
        ("status_url", "xf.gov.cn"),
    ] {
        let (exit, code, _) = env.err(Some("admin"), "2026-03-20", &["policy", "set", k, v]);
        assert_eq!((exit, code.as_str()), (1, "validation"), "{k}");
    }
    for (k, v) in [
        ("legal_basis.review", "2022 Art 35, 36"),
        ("office_name", "城关县信访局"),
        ("office_phone", "0571-12345678"),
        ("status_url", "https://xf.example.gov.cn"),
    ] {
        env.ok(Some("admin"), "2026-03-20", &["policy", "set", k, v]);
    }
    let opinion = notice("opinion");
    for want in [
        "（《信访工作条例》第三十五条、第三十六条）",
        "咨询电话：城关县信访局 0571-12345678",
    ] {
        assert!(opinion.contains(want), "{want} in {opinion}");
    }
    let receipt = notice("receipt");
    assert!(
        receipt.contains("可登录 https://xf.example.gov.cn"),
        "{receipt}"
    );
    assert!(
        receipt.contains("（《信访工作条例》第二十二条）"),
        "{receipt}"
    );
    let shown = env.ok(None, "2026-03-20", &["policy", "show"]);
    let entry = shown["policy"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["key"] == "legal_basis.review")
        .expect("legal_basis.review")
        .clone();
    assert_eq!(
        (entry["value"].as_str(), entry["default"].as_str()),
        (Some("2022 Art 35, 36"), Some("2022 Art 35"))
    );
}

/// The first need of `id` in `who`'s queue on `now`.
fn first_need(env: &Env, who: &str, now: &str, id: &str) -> Value {
    let q = env.ok(Some(who), now, &["queue"]);
    let case = q["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {who}'s queue: {q}"))
        .clone();
    case["needs"][0].clone()
}

#[test]
fn the_queue_says_what_each_case_needs_of_the_unit() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    // The routing office follows the case until the receiver accepts it.
    let n = first_need(&env, "li", "2026-03-03", &id);
    assert_eq!(
        (n["kind"].as_str(), n["due"].as_str()),
        (Some("follow_up"), Some("2026-03-17"))
    );
    env.ok(
        Some("wang"),
        "2026-03-03",
        &["accept", &id, "--assist", "c-gtj"],
    );
    // The assisting unit sees its own input date, before the lead's answer date.
    let assist = first_need(&env, "zhao", "2026-03-04", &id);
    let lead = first_need(&env, "wang", "2026-03-04", &id);
    assert_eq!(assist["kind"], "assist");
    assert_eq!(lead["kind"], "handling");
    assert!(
        assist["due"].as_str() < lead["due"].as_str(),
        "{assist} {lead}"
    );
    // A clerk's extension request waits in the head's queue, not the clerk's.
    env.ok(
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
    let q = env.ok(Some("zhang"), "2026-04-20", &["queue"]);
    let needs = q["cases"][0]["needs"].as_array().expect("needs").clone();
    assert!(
        needs.iter().any(|n| n["kind"] == "extension_approval"),
        "{needs:?}"
    );
    let q = env.ok(Some("wang"), "2026-04-20", &["queue"]);
    let needs = q["cases"][0]["needs"].as_array().expect("needs").clone();
    assert!(
        !needs.iter().any(|n| n["kind"] == "extension_approval"),
        "{needs:?}"
    );
    // A supervision: the supervised unit's queue leads with the response date, in words.
    env.ok(
        Some("li"),
        "2026-04-21",
        &[
            "supervise",
            &id,
            "--ground",
            "evasion",
            "--respond-by",
            "2026-04-24",
            "--text",
            "请说明进展",
        ],
    );
    let n = first_need(&env, "wang", "2026-04-21", &id);
    assert_eq!(
        (n["kind"].as_str(), n["due"].as_str()),
        (Some("supervision"), Some("2026-04-24"))
    );
    let human = env.raw(
        Some("wang"),
        "2026-04-21",
        false,
        &["--lang", "zh", "queue"],
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("待办") && text.contains("督办反馈 2026-04-24"),
        "{text}"
    );
}

#[test]
fn statistics_count_persons_and_group_by_channel() {
    let env = Env::new();
    // A letter from one person, and a group visit of 12 (集体访).
    env.register("2026-03-02", &[]);
    let mut visit = petition_tests::register_args("征地补偿", "王某", &["--headcount", "12"]);
    visit[2] = "visit".into();
    let visit: Vec<&str> = visit.iter().map(String::as_str).collect();
    let group = env.ok(Some("li"), "2026-03-03", &visit)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let stats = |by: &str| {
        env.ok(
            None,
            "2026-03-31",
            &[
                "stats",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--by",
                by,
            ],
        )
    };
    let v = stats("unit");
    assert_eq!(
        (
            v["total"]["registered"].as_u64(),
            v["total"]["persons"].as_u64()
        ),
        (Some(2), Some(13))
    );
    let v = stats("channel");
    let groups = v["groups"].as_array().expect("groups");
    let of = |k: &str| groups.iter().find(|g| g["key"] == k).expect(k).clone();
    assert_eq!(
        (
            of("visit")["registered"].as_u64(),
            of("visit")["persons"].as_u64()
        ),
        (Some(1), Some(12))
    );
    assert_eq!(of("visit")["collective_visits"], 1);
    assert_eq!(
        (
            of("letter")["registered"].as_u64(),
            of("letter")["persons"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let human = env.raw(
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
            "--by",
            "channel",
        ],
    );
    let text = String::from_utf8_lossy(&human.stdout);
    for want in ["人次", "来访", "来信", "合计"] {
        assert!(text.contains(want), "{want} in {text}");
    }
    // Correcting the headcount moves the persons at once.
    env.ok(
        Some("li"),
        "2026-03-04",
        &[
            "amend",
            &group,
            "--field",
            "headcount",
            "--value",
            "7",
            "--reason",
            "登记时多计",
        ],
    );
    assert_eq!(stats("unit")["total"]["persons"], 8);
    assert_eq!(env.ok(None, "2026-03-31", &["verify"])["ok"], true);
}

#[test]
fn a_departing_officers_open_cases_pass_to_the_colleague_named() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    env.ok(Some("wang"), "2026-03-03", &["take", &id]);
    // A colleague of another unit cannot take them over: refused, and nothing changes (wang
    // stays active and carries the case).
    let before = env.bytes();
    let (exit, code, _) = env.err(
        Some("admin"),
        "2026-03-04",
        &["staff", "deactivate", "wang", "--reassign-to", "zhao"],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
    assert_eq!(env.bytes(), before);
    // Handed to the head by name: the case has its officer at once, and the timeline says so.
    let v = env.ok(
        Some("admin"),
        "2026-03-04",
        &["staff", "deactivate", "wang", "--reassign-to", "张局长"],
    );
    assert_eq!(v["released_cases"][0], id.as_str());
    assert_eq!(v["reassigned_to"], "zhang");
    let shown = env.ok(Some("zhang"), "2026-03-04", &["show", &id, "--timeline"]);
    assert_eq!(shown["officer"], "zhang");
    let q = env.ok(Some("zhang"), "2026-03-04", &["queue", "--mine"]);
    assert_eq!(q["total"], 1);
    assert_eq!(env.ok(None, "2026-03-04", &["verify"])["ok"], true);
}

#[test]
fn a_unit_moves_to_another_parent_only_with_move() {
    let env = Env::new();
    let id = env.register("2026-03-02", &[]);
    let write = |name: &str, text: &str| {
        let p = env.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf8").to_string()
    };
    // A new district; the township t is transferred to it (机构调整).
    let chart = petition_tests::ORG_CSV.replace(
        "t,甲镇人民政府,township,government,c,",
        "t,甲镇人民政府,township,government,d,",
    ) + "d,某区人民政府,county,government,city,\n";
    let file = write("org-2027.csv", &chart);
    let before = env.bytes();
    let (exit, code, msg) = env.err(Some("admin"), "2026-03-05", &["unit", "import", &file]);
    assert_eq!((exit, code.as_str()), (1, "validation"), "{msg}");
    assert!(msg.contains("--move"), "{msg}");
    assert_eq!(env.bytes(), before, "all rows or none");
    // A move that breaks the hierarchy is refused even with --move: a township under a
    // township.
    let bad = petition_tests::ORG_CSV.replace(
        "t,甲镇人民政府,township,government,c,",
        "t,甲镇人民政府,township,government,t,",
    );
    let file_bad = write("org-bad.csv", &bad);
    let (exit, code, _) = env.err(
        Some("admin"),
        "2026-03-05",
        &["unit", "import", &file_bad, "--move"],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
    assert_eq!(env.bytes(), before);
    let v = env.ok(
        Some("admin"),
        "2026-03-05",
        &["unit", "import", &file, "--move"],
    );
    assert_eq!(v["added"], serde_json::json!(["d"]));
    assert_eq!(v["moved"], serde_json::json!(["t"]));
    let units = env.ok(None, "2026-03-05", &["unit", "list"]);
    let t = units["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["code"] == "t")
        .expect("t")
        .clone();
    assert_eq!(t["parent"], "d");
    // The registering office still reads its case; the chain, replayed, verifies.
    env.ok(Some("li"), "2026-03-05", &["show", &id]);
    assert_eq!(env.ok(None, "2026-03-05", &["verify"])["ok"], true);
    // The same chart again: nothing to do.
    let v = env.ok(
        Some("admin"),
        "2026-03-06",
        &["unit", "import", &file, "--move"],
    );
    assert_eq!(v["imported"], 0);
}

#[test]
fn notices_are_numbered_per_kind_and_year_once_the_office_gives_a_prefix() {
    let env = Env::new();
    let first = answered(&env);
    let notice = |id: &str, kind: &str| {
        let o = env.raw(
            Some("wang"),
            "2026-03-20",
            false,
            &["notice", id, "--kind", kind],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    // No prefix, no number.
    assert!(!notice(&first, "opinion").contains('〔'));
    env.ok(
        Some("admin"),
        "2026-03-20",
        &["policy", "set", "notice_number_prefix", "甲住建复"],
    );
    let second = answered(&env);
    let text = notice(&second, "opinion");
    assert!(text.contains("甲住建复〔2026〕2号"), "{text}");
    let text = notice(&first, "opinion");
    assert!(text.contains("甲住建复〔2026〕1号"), "{text}");
    // Printed again: the same number. Another kind counts on its own; a receipt has none.
    assert!(notice(&first, "opinion").contains("〔2026〕1号"));
    assert!(notice(&second, "acceptance").contains("甲住建复〔2026〕2号"));
    assert!(!notice(&second, "receipt").contains('〔'));
}

#[test]
fn notes_go_in_the_case_file_and_only_full_readers_read_them() {
    let env = Env::new();
    let id = answered(&env);
    // The petitioner phoned; the registering office writes it down (in Chinese words too).
    let v = env.ok(
        Some("li"),
        "2026-03-12",
        &[
            "note",
            &id,
            "--kind",
            "来电",
            "--text",
            "王某来电询问进展，已告知已答复",
        ],
    );
    let noted = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "noted")
        .expect("noted")
        .clone();
    assert_eq!(noted["kind"], "call");
    // A unit with no part in the case cannot write in its file (it cannot read it).
    let (exit, code, _) = env.err(
        Some("zhao"),
        "2026-03-12",
        &["note", &id, "--kind", "call", "--text", "x"],
    );
    assert_eq!((exit, code.as_str()), (3, "not_found"));
    // The answering unit reads the text in full; an admin (masked) sees that there was a call.
    let full = env.ok(Some("wang"), "2026-03-12", &["show", &id, "--timeline"]);
    let masked = env.ok(Some("admin"), "2026-03-12", &["show", &id, "--timeline"]);
    let text = |v: &Value| {
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|e| e["type"] == "noted")
            .expect("noted")["text"]
            .clone()
    };
    assert_eq!(text(&full), "王某来电询问进展，已告知已答复");
    assert_eq!(text(&masked), "***");
    let human = env.raw(
        Some("wang"),
        "2026-03-12",
        false,
        &["--lang", "zh", "show", &id, "--timeline"],
    );
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(out.contains("记录") && out.contains("来电"), "{out}");
    assert_eq!(env.ok(None, "2026-03-12", &["verify"])["ok"], true);
}
