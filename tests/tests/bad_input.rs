//! The bad-input catalogue (issue 8 §3): hostile or malformed inputs across every input path —
//! command arguments, `register --file`, unit and calendar files, JSONL imports, database files.
//! Each gets its stable error code and a message, and the database is byte-for-byte unchanged.

use petition_tests::{bin, register_args, Env};

const T0: &str = "2026-03-02";

/// A file the input refers to, written into the environment's directory.
enum Input {
    None,
    /// (file name, bytes)
    File(&'static str, Vec<u8>),
}

struct Bad {
    what: &'static str,
    actor: Option<&'static str>,
    args: Vec<String>,
    input: Input,
    code: &'static str,
}

fn bad(what: &'static str, actor: Option<&'static str>, args: &[&str], code: &'static str) -> Bad {
    Bad {
        what,
        actor,
        args: args.iter().map(|s| s.to_string()).collect(),
        input: Input::None,
        code,
    }
}

fn with_file(
    what: &'static str,
    actor: Option<&'static str>,
    args: &[&str],
    name: &'static str,
    bytes: &[u8],
    code: &'static str,
) -> Bad {
    Bad {
        what,
        actor,
        args: args.iter().map(|s| s.to_string()).collect(),
        input: Input::File(name, bytes.to_vec()),
        code,
    }
}

fn reg(extra: &[&str]) -> Vec<String> {
    register_args("s", "甲", extra)
}

fn case_file(body: &str) -> Vec<u8> {
    body.as_bytes().to_vec()
}

#[test]
fn sixty_and_more_hostile_inputs_get_their_code_and_change_nothing() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let routed = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &routed, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &routed]);
    let accused = env.register(T0, &["--accused-unit", "c-zjj"]);
    // A valid export to corrupt.
    let good = env.dir.path().join("good.jsonl");
    env.ok(
        Some("admin"),
        T0,
        &[
            "export",
            "--format",
            "jsonl",
            "--include-pii",
            "--out",
            good.to_str().expect("p"),
        ],
    );
    let lines: Vec<String> = std::fs::read_to_string(&good)
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect();
    let joined = |l: &[String]| (l.join("\n") + "\n").into_bytes();
    let mut truncated = lines.clone();
    truncated[5].truncate(30);
    let mut reordered = lines.clone();
    reordered.swap(8, 9);
    let mut forged = lines.clone();
    let last = forged.len() - 1;
    forged[last] = forged[last].replace("\"hash\":\"", "\"hash\":\"f");
    let mut unknown_unit = lines.clone();
    let t = unknown_unit
        .iter()
        .position(|l| l.contains("\"type\":\"transferred\""))
        .expect("transfer");
    unknown_unit[t] = unknown_unit[t].replace("\"to\":\"c-zjj\"", "\"to\":\"atlantis\"");
    let mut blank = lines.clone();
    blank.insert(3, String::new());
    let masked = env.dir.path().join("masked.jsonl");
    env.ok(
        Some("admin"),
        T0,
        &[
            "export",
            "--format",
            "jsonl",
            "--out",
            masked.to_str().expect("p"),
        ],
    );
    let masked = std::fs::read(&masked).expect("read");

    let huge = "字".repeat(30_000);
    let long_id = format!("XF2026-{}", "9".repeat(40));
    let s = |x: &str| x.to_string();
    let mut cases: Vec<Bad> = vec![
        // Command arguments.
        bad("empty case id", Some("li"), &["show", ""], "validation"),
        bad("case id with letters", Some("li"), &["show", "XF2026-00001a"], "validation"),
        bad("case id far too long", Some("li"), &["show", &long_id], "validation"),
        bad("unknown case", Some("li"), &["show", "XF2099-999999"], "not_found"),
        bad("SQL in a unit code", Some("li"), &["transfer", &id, "--to", "x'; DROP TABLE chain;--"], "validation"),
        bad("SQL in a staff id", Some("x' OR 1=1 --"), &["accept", &id], "validation"),
        bad("unknown staff", Some("nobody"), &["accept", &id], "not_found"),
        bad("unknown unit", Some("li"), &["transfer", &id, "--to", "nowhere"], "not_found"),
        bad("control characters in a reason", Some("li"), &["withdraw", &id, "--reason", "a\u{1b}[2Jb"], "validation"),
        bad("empty reason", Some("li"), &["withdraw", &id, "--reason", ""], "validation"),
        bad("blank notice", Some("li"), &["decline", &id, "--ground", "legislature_or_judiciary", "--notice", "   "], "validation"),
        bad("huge text", Some("li"), &["withdraw", &id, "--reason", &huge], "validation"),
        bad("31 February", Some("li"), &["assign", &id, "--to", "t", "--report-by", "2026-02-31"], "usage"),
        bad("month 13", Some("li"), &["assign", &id, "--to", "t", "--report-by", "2026-13-01"], "usage"),
        bad("date without padding", Some("li"), &["assign", &id, "--to", "t", "--report-by", "2026-3-2"], "usage"),
        bad("report date in the past", Some("li"), &["assign", &id, "--to", "t", "--report-by", "2026-01-01"], "validation"),
        bad("garbage --now", Some("li"), &["--now", "yesterday", "show", &id], "usage"),
        bad("--now on 31 February", Some("li"), &["--now", "2026-02-31", "show", &id], "usage"),
        bad("negative days", Some("zhang"), &["extend", &routed, "--days", "-5", "--reason", "r"], "usage"),
        bad("days overflow", Some("zhang"), &["extend", &routed, "--days", "99999999999", "--reason", "r"], "usage"),
        bad("zero days", Some("zhang"), &["extend", &routed, "--days", "0", "--reason", "r"], "validation"),
        bad("extension over 30 days", Some("zhang"), &["extend", &routed, "--days", "31", "--reason", "r"], "extension_limit"),
        bad("limit overflow", Some("li"), &["list", "--limit", "99999999999999999999999"], "usage"),
        bad("unknown state", Some("li"), &["list", "--state", "lost"], "usage"),
        bad("unknown satisfaction", Some("li"), &["evaluate", &routed, "--handling", "thrilled"], "usage"),
        bad("unknown ground", Some("li"), &["decline", &id, "--ground", "because", "--notice", "n"], "usage"),
        bad("unknown command", None, &["frobnicate"], "usage"),
        bad("wrong query code", None, &["status", &id, "--code", "0O1IL000"], "not_found"),
        bad("unknown policy key", Some("admin"), &["policy", "set", "speed", "9"], "usage"),
        bad("policy days not a number", Some("admin"), &["policy", "set", "handling_days", "abc"], "validation"),
        bad("policy time zone on Mars", Some("admin"), &["policy", "set", "timezone", "Mars/Olympus"], "validation"),
        bad("unknown role", Some("admin"), &["staff", "add", "x1", "--name", "X", "--role", "king", "--unit", "t"], "validation"),
        bad("inconsistent unit level", Some("admin"), &["unit", "add", "t9", "--name", "T", "--level", "county", "--kind", "government", "--parent", "c"], "validation"),
        bad("transfer onto the accused unit", Some("li"), &["transfer", &accused, "--to", "c-zjj"], "confidentiality"),
        bad("register with a bad id number", Some("li"), &reg(&["--id-number", "110105194912310021"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register with a 17-digit id number", Some("li"), &reg(&["--id-number", "11010519491231002"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register with letters in the phone", Some("li"), &reg(&["--phone", "138-ABCD-5678"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register with six representatives", Some("li"), &reg(&["--representative", "a", "--representative", "b", "--representative", "c", "--representative", "d", "--representative", "e", "--representative", "f"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register in the future", Some("li"), &reg(&["--received-at", "2030-01-01"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register with an unknown accused unit", Some("li"), &reg(&["--accused-unit", "ghost"]).iter().map(String::as_str).collect::<Vec<_>>(), "not_found"),
        bad("register with a spaced category", Some("li"), &["register", "--channel", "letter", "--purpose", "request", "--locality", "t", "--category", "a b", "--summary", "s", "--petitioner", "甲"], "validation"),
        bad("register a 301-character summary", Some("li"), &["register", "--channel", "letter", "--purpose", "request", "--locality", "t", "--category", "a.b", "--summary", &"长".repeat(301), "--petitioner", "甲"], "validation"),
        bad("register a headcount below the petitioners", Some("li"), &reg(&["--also", "乙", "--headcount", "1"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register with a missing --file", Some("li"), &["register", "--file", "/nonexistent/case.json"], "io"),
        bad("register --content-file /dev/zero (endless input)", Some("li"), &reg(&["--content-file", "/dev/zero"]).iter().map(String::as_str).collect::<Vec<_>>(), "validation"),
        bad("register --content-file at a directory", Some("li"), &reg(&["--content-file", "/tmp"]).iter().map(String::as_str).collect::<Vec<_>>(), "io"),
        bad("list --due-within past the end of the calendar", Some("li"), &["list", "--due-within", "4294967295"], "validation"),
        bad("a read without --as", None, &["show", &id], "usage"),
        bad("a read as an unknown staff member", Some("nobody"), &["list"], "not_found"),
        bad("a read as the reserved `system`", Some("system"), &["show", &id], "not_found"),
        bad("staff add with the reserved id `system`", Some("admin"), &["staff", "add", "system", "--name", "S", "--role", "clerk", "--unit", "t"], "validation"),
        bad("export --out onto the database", Some("admin"), &["export", "--format", "csv", "--out", "@db"], "validation"),
        bad("export --out onto the database's WAL", Some("admin"), &["export", "--format", "csv", "--out", "@db-wal"], "validation"),
        bad("export --out at a directory", Some("admin"), &["export", "--format", "csv", "--out", "/tmp"], "validation"),
        bad("notice --out onto the database", Some("li"), &["notice", &id, "--kind", "acceptance", "--out", "@db"], "validation"),
        with_file("verify --anchors with a malformed line", None, &["verify", "--anchors", "@"], "a1.txt", b"12 nothex\n", "validation"),
        // register --file.
        with_file("--file with invalid UTF-8", Some("li"), &["register", "--file", "@"], "c1.json", b"{\"channel\": \"\xff\xfe\"}", "validation"),
        with_file("--file that is not JSON", Some("li"), &["register", "--file", "@"], "c2.json", b"channel=letter", "validation"),
        with_file("--file with an unknown field", Some("li"), &["register", "--file", "@"], "c3.json", &case_file(r#"{"channel":"letter","purpose":"request","petitioners":[{"name":"a"}],"locality":"t","category":"a.b","summary":"s","evil":1}"#), "validation"),
        with_file("--file without petitioners", Some("li"), &["register", "--file", "@"], "c4.json", &case_file(r#"{"channel":"letter","purpose":"request","petitioners":[],"locality":"t","category":"a.b","summary":"s"}"#), "validation"),
        with_file("--file with a bad check digit", Some("li"), &["register", "--file", "@"], "c5.json", &case_file(r#"{"channel":"letter","purpose":"request","petitioners":[{"name":"a","id_number":"110105194912310021"}],"locality":"t","category":"a.b","summary":"s"}"#), "validation"),
        with_file("--file with an unknown locality", Some("li"), &["register", "--file", "@"], "c6.json", &case_file(r#"{"channel":"letter","purpose":"request","petitioners":[{"name":"a"}],"locality":"mars","category":"a.b","summary":"s"}"#), "not_found"),
        with_file("--file with a wrong channel", Some("li"), &["register", "--file", "@"], "c7.json", &case_file(r#"{"channel":"pigeon","purpose":"request","petitioners":[{"name":"a"}],"locality":"t","category":"a.b","summary":"s"}"#), "validation"),
        with_file("--file with a negative headcount", Some("li"), &["register", "--file", "@"], "c8.json", &case_file(r#"{"channel":"letter","purpose":"request","petitioners":[{"name":"a"}],"headcount":-1,"locality":"t","category":"a.b","summary":"s"}"#), "validation"),
        // Unit CSV.
        with_file("unit CSV with a wrong header", Some("admin"), &["unit", "import", "@"], "u1.csv", b"id,name\nx,y\n", "validation"),
        with_file("unit CSV with a bad level", Some("admin"), &["unit", "import", "@"], "u2.csv", b"code,name,level,kind,parent,line_superior\nz1,Z,galactic,government,,\n", "validation"),
        with_file("unit CSV with an unknown parent", Some("admin"), &["unit", "import", "@"], "u3.csv", b"code,name,level,kind,parent,line_superior\nz2,Z,county,department,ghost,\n", "not_found"),
        with_file("unit CSV with a duplicate code", Some("admin"), &["unit", "import", "@"], "u4.csv", b"code,name,level,kind,parent,line_superior\nz5,Z,county,department,c,\nz5,Y,county,department,c,\n", "validation"),
        with_file("unit CSV moving a unit", Some("admin"), &["unit", "import", "@"], "u9.csv", b"code,name,level,kind,parent,line_superior\nc,Z,county,government,prov,\n", "validation"),
        with_file("unit CSV that is not UTF-8", Some("admin"), &["unit", "import", "@"], "u5.csv", b"code,name,level,kind,parent,line_superior\nz3,\xff\xfe,county,department,c,\n", "validation"),
        with_file("unit CSV with a cycle", Some("admin"), &["unit", "import", "@"], "u6.csv", b"code,name,level,kind,parent,line_superior\nq1,Q,county,government,q2,\nq2,Q,county,government,q1,\n", "validation"),
        with_file("unit CSV with a ragged row", Some("admin"), &["unit", "import", "@"], "u7.csv", b"code,name,level,kind,parent,line_superior\nz4,Z,county\n", "validation"),
        with_file("unit CSV with SQL in a code", Some("admin"), &["unit", "import", "@"], "u8.csv", b"code,name,level,kind,parent,line_superior\n\"x');DROP TABLE units;--\",Z,county,department,c,\n", "validation"),
        // Staff CSV.
        with_file("staff CSV with a wrong header", Some("admin"), &["staff", "import", "@"], "s1.csv", b"id,name\nx,y\n", "validation"),
        with_file("staff CSV with a bad role", Some("admin"), &["staff", "import", "@"], "s2.csv", b"id,name,role,unit\nx1,X,king,c\n", "validation"),
        with_file("staff CSV with a duplicate id", Some("admin"), &["staff", "import", "@"], "s3.csv", b"id,name,role,unit\nx2,X,clerk,c\nx2,Y,clerk,c\n", "validation"),
        with_file("staff CSV with an unknown unit", Some("admin"), &["staff", "import", "@"], "s4.csv", b"id,name,role,unit\nx3,X,clerk,ghost\n", "not_found"),
        // Calendar files.
        with_file("calendar CSV with a bad date", Some("admin"), &["calendar", "import", "@"], "k1.csv", b"2026-05-1x,holiday\n", "validation"),
        with_file("calendar CSV on 31 February", Some("admin"), &["calendar", "import", "@"], "k2.csv", b"2026-02-31,holiday\n", "validation"),
        with_file("calendar CSV with a bad kind", Some("admin"), &["calendar", "import", "@"], "k3.csv", b"2026-05-01,party\n", "validation"),
        with_file("calendar CSV with three columns", Some("admin"), &["calendar", "import", "@"], "k4.csv", b"2026-05-01,holiday,x\n", "validation"),
        with_file("calendar CSV listing a day both ways", Some("admin"), &["calendar", "import", "@"], "k5.csv", b"2026-05-01,holiday\n2026-05-01,workday\n", "validation"),
        with_file("calendar TOML that is not TOML", Some("admin"), &["calendar", "import", "@"], "k6.toml", b"holidays = [\"2026-05-01\"", "validation"),
        with_file("calendar TOML with an unknown key", Some("admin"), &["calendar", "import", "@"], "k7.toml", b"parties = [\"2026-05-01\"]\n", "validation"),
        with_file("calendar TOML with a bad date", Some("admin"), &["calendar", "import", "@"], "k8.toml", b"holidays = [\"2026-02-30\"]\n", "validation"),
        with_file("calendar file that is not UTF-8", Some("admin"), &["calendar", "import", "@"], "k9.csv", b"\xff\xfe\xfd,holiday\n", "validation"),
    ];
    // JSONL imports (into a new database next to the environment's).
    for (what, bytes) in [
        ("import a truncated line", joined(&truncated)),
        ("import reordered events", joined(&reordered)),
        ("import a forged hash", joined(&forged)),
        ("import an event for an unknown unit", joined(&unknown_unit)),
        ("import a blank line", joined(&blank)),
        (
            "import bytes that are not JSON",
            b"\x00\x01\x02 not json\n".to_vec(),
        ),
        ("import a masked export", masked.clone()),
    ] {
        cases.push(Bad {
            what,
            actor: None,
            args: vec![s("--db"), s("@new"), s("import"), s("@")],
            input: Input::File("in.jsonl", bytes),
            code: "integrity",
        });
    }
    cases.push(Bad {
        what: "import into an existing database",
        actor: None,
        args: vec![s("import"), s("@")],
        input: Input::File("ok.jsonl", joined(&lines)),
        code: "usage",
    });

    assert!(
        cases.len() + 2 >= 60,
        "the catalogue has {} entries",
        cases.len() + 2
    );
    for (i, c) in cases.iter().enumerate() {
        let before = env.bytes();
        let mut args = c.args.clone();
        if let Input::File(name, bytes) = &c.input {
            let path = env.dir.path().join(name);
            std::fs::write(&path, bytes).expect("write input");
            for a in args.iter_mut().filter(|a| *a == "@") {
                *a = path.to_str().expect("p").to_string();
            }
        }
        let db = env.db.to_str().expect("p").to_string();
        for a in args.iter_mut() {
            if a == "@db" {
                *a = db.clone();
            } else if a == "@db-wal" {
                *a = format!("{db}-wal");
            }
        }
        let new_db = env.dir.path().join(format!("new{i}.db"));
        for a in args.iter_mut().filter(|a| *a == "@new") {
            *a = new_db.to_str().expect("p").to_string();
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (exit, code, message) = if refs.first() == Some(&"--db") {
            // Imports go to a new database of their own.
            let o = std::process::Command::new(bin())
                .arg("--json")
                .args(&refs)
                .output()
                .expect("run");
            let e: serde_json::Value = serde_json::from_str(
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or(""),
            )
            .expect("error json");
            (
                o.status.code().unwrap_or(-1),
                e["error"]["code"].as_str().unwrap_or("").to_string(),
                e["error"]["message"].as_str().unwrap_or("").to_string(),
            )
        } else {
            env.err(c.actor, T0, &refs)
        };
        assert_eq!(code, c.code, "{}: {message}", c.what);
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{}: one-line message",
            c.what
        );
        assert_ne!(exit, 0);
        assert_eq!(env.bytes(), before, "{} changed the database", c.what);
        assert!(!new_db.exists(), "{} left a database behind", c.what);
        assert!(
            !message.contains("11010519491231002X") && !message.contains("13812345678"),
            "{}: personal data in the message",
            c.what
        );
    }

    // Database files: not a database, and a newer schema.
    let junk = env.dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"SQLite format 2\0this is not a database at all, just some bytes".repeat(100),
    )
    .expect("write");
    let o = std::process::Command::new(bin())
        .args(["--db", junk.to_str().expect("p"), "--json", "list"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(5), "not a database: integrity");
    let newer = env.dir.path().join("newer.db");
    std::fs::copy(&env.db, &newer).expect("copy");
    rusqlite::Connection::open(&newer)
        .expect("open")
        .execute_batch("PRAGMA user_version = 99")
        .expect("bump");
    let before = std::fs::read(&newer).expect("read");
    let o = std::process::Command::new(bin())
        .args(["--db", newer.to_str().expect("p"), "--json", "list"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(5), "newer schema: integrity");
    assert_eq!(std::fs::read(&newer).expect("read"), before);
}
