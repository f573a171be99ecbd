//! End-to-end tests of the case file's files (附件): attached, listed, downloaded and withdrawn at
//! the desk and through the server, refused on every path the promises cover, proven by
//! `verify`, carried by `backup` and `copy`, and never half-stored by a killed upload.

use std::io::{Read, Write};
use std::time::Duration;

use petition_tests::server::Server;
use petition_tests::Env;
use serde_json::Value;

/// A PDF of `len` bytes whose content depends on `seed`.
fn pdf(len: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..len.saturating_sub(9)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

/// A case registered by li (petition office) and transferred to the housing bureau (wang).
fn routed(env: &Env) -> String {
    let id = env.register("2026-03-02", &[]);
    env.ok(
        Some("li"),
        "2026-03-02",
        &["transfer", &id, "--to", "c-zjj"],
    );
    id
}

fn write(env: &Env, name: &str, bytes: &[u8]) -> String {
    let p = env.dir.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    p.to_str().expect("utf8").to_string()
}

fn files(v: &Value) -> Vec<Value> {
    v["attachments"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_file_goes_in_the_case_file_and_out_only_to_full_readers() {
    let env = Env::new();
    let id = routed(&env);
    let bytes = pdf(700_000, 1);
    let scan = write(&env, "来信扫描.pdf", &bytes);
    // Chinese words for the kind; the title defaults to the file's name.
    let v = env.ok(
        Some("wang"),
        "2026-03-03",
        &["attach", &id, &scan, "--kind", "证据材料"],
    );
    let a = files(&v)[0].clone();
    assert_eq!(a["kind"], "evidence");
    assert_eq!(a["title"], "来信扫描.pdf");
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["size"], 700_000);
    assert_eq!(a["unit"], "c-zjj");
    let sha = a["sha256"].as_str().expect("sha").to_string();
    assert!(v["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["type"] == "attached" && e["file"]["sha256"] == sha.as_str()));
    // Listed to every reader: the township (the matter's locality) reads the case masked.
    let listed = env.ok(Some("sun"), "2026-03-03", &["attachments", &id]);
    assert_eq!(files(&listed).len(), 1);
    let table = env.raw(
        Some("li"),
        "2026-03-03",
        false,
        &["--lang", "zh", "attachments", &id],
    );
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("证据材料") && text.contains(&sha[..12]) && text.contains("PDF"),
        "{text}"
    );
    let page = env.raw(
        Some("li"),
        "2026-03-03",
        false,
        &["--lang", "zh", "show", &id],
    );
    let page = String::from_utf8_lossy(&page.stdout);
    assert!(
        page.contains("附件") && page.contains("1 · 来信扫描.pdf"),
        "{page}"
    );
    // The ledger lists the files of each case (title, kind, type), never their content.
    let ledger = env.dir.path().join("ledger.csv");
    env.ok(
        Some("li"),
        "2026-03-03",
        &[
            "--lang",
            "zh",
            "export",
            "--format",
            "csv",
            "--out",
            ledger.to_str().expect("utf8"),
        ],
    );
    let csv = std::fs::read_to_string(&ledger).expect("ledger");
    assert!(csv.lines().next().unwrap_or("").ends_with("附件"), "{csv}");
    assert!(csv.contains("来信扫描.pdf (证据材料, PDF)"), "{csv}");
    // Downloaded by a full reader (by the hash's first digits), whole, and logged.
    let out = env.dir.path().join("got.pdf");
    let got = env.ok(
        Some("li"),
        "2026-03-04",
        &[
            "attachment",
            "get",
            &id,
            &sha[..10],
            "--out",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!(got["size"], 700_000);
    assert_eq!(std::fs::read(&out).expect("read"), bytes);
    let log = env.ok(Some("admin"), "2026-03-04", &["access-log", "--case", &id]);
    assert!(log.to_string().contains("attachment get"), "{log}");
    // A masked reader, a unit with no part, a bad hash: refused, nothing written.
    let nothing = env.dir.path().join("never.pdf");
    let n = nothing.to_str().expect("utf8");
    for (who, hash, want) in [
        ("sun", sha.as_str(), (1, "permission_denied")),
        ("admin", sha.as_str(), (1, "permission_denied")),
        ("zhao", sha.as_str(), (3, "not_found")),
        ("li", "0000000000", (3, "not_found")),
        ("li", "xyz", (1, "validation")),
    ] {
        let (exit, code, _) = env.err(
            Some(who),
            "2026-03-04",
            &["attachment", "get", &id, hash, "--out", n],
        );
        assert_eq!((exit, code.as_str()), want, "{who} {hash}");
        assert!(!nothing.exists());
    }
    assert_eq!(env.ok(None, "2026-03-04", &["verify"])["ok"], true);
}

#[test]
fn refused_files_change_nothing_and_withdrawn_ones_leave_the_list() {
    let env = Env::new();
    let id = routed(&env);
    env.ok(
        Some("admin"),
        "2026-03-02",
        &["policy", "set", "attachment_max_mib", "1"],
    );
    let before = env.bytes();
    let exe = write(
        &env,
        "scan.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
    );
    let html = write(
        &env,
        "letter.txt",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    );
    let svg = write(
        &env,
        "photo.png",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
    );
    let big = write(&env, "big.pdf", &pdf((1 << 20) + 1, 2));
    for (file, why) in [
        (&exe, "program"),
        (&html, "web page"),
        (&svg, "web page"),
        (&big, "attachment_max_mib"),
    ] {
        let e = env.err_json(Some("wang"), "2026-03-03", &["attach", &id, file]);
        assert_eq!(e["error"]["code"], "validation", "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap_or("").contains(why),
            "{e}"
        );
    }
    let (exit, code, _) = env.err(Some("zhao"), "2026-03-03", &["attach", &id, &exe]);
    assert_eq!((exit, code.as_str()), (3, "not_found"));
    assert_eq!(env.bytes(), before, "a refused file changes nothing");
    // Withdrawn by the unit that attached it only; then gone from the list, kept with --all.
    let id_copy = write(&env, "身份证.txt", "身份证号码：略".as_bytes());
    let v = env.ok(
        Some("wang"),
        "2026-03-03",
        &[
            "attach",
            &id,
            &id_copy,
            "--kind",
            "id_copy",
            "--title",
            "身份证明",
        ],
    );
    let sha = files(&v)[0]["sha256"].as_str().expect("sha").to_string();
    assert_eq!(files(&v)[0]["content_type"], "text/plain; charset=utf-8");
    let (exit, code, _) = env.err(
        Some("li"),
        "2026-03-04",
        &["attachment", "withdraw", &id, &sha, "--reason", "误附"],
    );
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    env.ok(
        Some("wang"),
        "2026-03-04",
        &[
            "attachment",
            "withdraw",
            &id,
            &sha[..8],
            "--reason",
            "误附他人材料",
        ],
    );
    assert!(files(&env.ok(Some("wang"), "2026-03-04", &["attachments", &id])).is_empty());
    let all = env.ok(Some("wang"), "2026-03-04", &["attachments", &id, "--all"]);
    assert_eq!(files(&all)[0]["withdrawn"]["reason"], "误附他人材料");
    let masked = env.ok(Some("admin"), "2026-03-04", &["attachments", &id, "--all"]);
    assert_eq!(files(&masked)[0]["withdrawn"]["reason"], "***");
    let out = env.dir.path().join("x.txt");
    let (exit, code, _) = env.err(
        Some("wang"),
        "2026-03-04",
        &[
            "attachment",
            "get",
            &id,
            &sha,
            "--out",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!((exit, code.as_str()), (3, "not_found"));
}

#[test]
fn an_accusations_files_never_reach_the_accused_unit() {
    let env = Env::new();
    let id = env.register("2026-03-02", &["--accused-unit", "c-zjj"]);
    let letter = write(&env, "举报信.pdf", &pdf(5000, 3));
    let v = env.ok(
        Some("li"),
        "2026-03-02",
        &["attach", &id, &letter, "--kind", "letter"],
    );
    let sha = files(&v)[0]["sha256"].as_str().expect("sha").to_string();
    let out = env.dir.path().join("y.pdf");
    for who in ["wang", "zhang"] {
        for args in [
            vec!["attachments", &id],
            vec![
                "attachment",
                "get",
                &id,
                &sha,
                "--out",
                out.to_str().expect("utf8"),
            ],
            vec!["attach", &id, &letter],
        ] {
            let (exit, code, _) = env.err(Some(who), "2026-03-03", &args);
            assert_eq!((exit, code.as_str()), (3, "not_found"), "{who} {args:?}");
        }
    }
    assert!(!out.exists());
}

#[test]
fn verify_backup_and_copy_prove_and_carry_the_files() {
    let env = Env::new();
    let id = routed(&env);
    let bytes = pdf(600_000, 4);
    let scan = write(&env, "scan.pdf", &bytes);
    let v = env.ok(Some("wang"), "2026-03-03", &["attach", &id, &scan]);
    let sha = files(&v)[0]["sha256"].as_str().expect("sha").to_string();
    let backup = env.dir.path().join("backup.db");
    env.ok(
        Some("admin"),
        "2026-03-04",
        &["backup", backup.to_str().expect("utf8")],
    );
    let copy = env.dir.path().join("copy.db");
    env.ok(
        Some("admin"),
        "2026-03-04",
        &[
            "copy",
            "--from",
            env.db.to_str().expect("utf8"),
            "--to",
            copy.to_str().expect("utf8"),
        ],
    );
    for db in [&backup, &copy] {
        let other = Env {
            dir: tempfile::tempdir().expect("dir"),
            db: db.clone(),
        };
        let out = other.dir.path().join("f.pdf");
        other.ok(
            Some("wang"),
            "2026-03-04",
            &[
                "attachment",
                "get",
                &id,
                &sha,
                "--out",
                out.to_str().expect("utf8"),
            ],
        );
        assert_eq!(
            std::fs::read(&out).expect("read"),
            bytes,
            "{}",
            db.display()
        );
        assert_eq!(other.ok(None, "2026-03-04", &["verify"])["ok"], true);
    }
    // One byte changed in the stored file: verify fails with an integrity error.
    let raw = rusqlite::Connection::open(&env.db).expect("open");
    raw.execute(
        "UPDATE file_chunks SET data = CAST(X'25' || substr(data, 2) AS BLOB) WHERE n = 1",
        [],
    )
    .expect("tamper");
    drop(raw);
    let (exit, code, msg) = env.err(None, "2026-03-04", &["verify"]);
    assert_eq!((exit, code.as_str()), (5, "integrity"), "{msg}");
    assert!(msg.contains(&sha), "{msg}");
}

/// `POST /cases/{id}/attachments` with a raw body.
fn upload(
    url: &str,
    id: &str,
    token: Option<&str>,
    bytes: &[u8],
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = ureq::post(&format!("{url}/api/v1/cases/{id}/attachments"))
        .timeout(Duration::from_secs(60));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.send_bytes(bytes) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("upload: {e}"),
    };
    let status = resp.status();
    let text = resp.into_string().expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn token(env: &Env, staff: &str) -> String {
    let v = env.ok(Some("admin"), "2026-03-01", &["staff", "token", staff]);
    v["token"].as_str().expect("token").to_string()
}

#[test]
fn the_api_streams_files_in_and_out_and_the_remote_desk_uses_it() {
    let env = Env::new();
    let id = routed(&env);
    let (wang, li, sun) = (token(&env, "wang"), token(&env, "li"), token(&env, "sun"));
    env.ok(
        Some("admin"),
        "2026-03-02",
        &["policy", "set", "attachment_max_mib", "2"],
    );
    let srv = Server::start_global(&env.db, &["--now", "2026-03-03T10:00:00+08:00"], &[]);
    let bytes = pdf(1_500_000, 5);
    let (status, v) = upload(
        &srv.url,
        &id,
        Some(&wang),
        &bytes,
        &[
            ("Content-Type", "application/pdf"),
            ("X-Title", "%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87"),
            ("X-Kind", "photo"),
        ],
    );
    assert_eq!(status, 200, "{v}");
    let a = files(&v)[0].clone();
    assert_eq!(
        (a["title"].as_str(), a["kind"].as_str()),
        (Some("现场照片"), Some("photo"))
    );
    let sha = a["sha256"].as_str().expect("sha").to_string();
    // Refused: no token (before the body), over the limit (413), markup, a false type, a
    // masked reader's download.
    assert_eq!(upload(&srv.url, &id, None, b"%PDF-1.7", &[]).0, 401);
    let (status, e) = upload(
        &srv.url,
        &id,
        Some(&wang),
        &pdf(3 << 20, 6),
        &[("X-Title", "big")],
    );
    assert_eq!(status, 413, "{e}");
    let (status, e) = upload(
        &srv.url,
        &id,
        Some(&wang),
        b"<html><body>x</body></html>",
        &[("X-Title", "p")],
    );
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("validation")),
        "{e}"
    );
    let (status, e) = upload(
        &srv.url,
        &id,
        Some(&wang),
        b"just words",
        &[("X-Title", "t"), ("Content-Type", "image/png")],
    );
    assert_eq!(status, 400, "{e}");
    let resp = ureq::get(&format!("{}/api/v1/cases/{id}/attachments/{sha}", srv.url))
        .set("Authorization", &format!("Bearer {li}"))
        .call()
        .expect("download");
    assert_eq!(resp.content_type(), "application/pdf");
    let mut got = Vec::new();
    resp.into_reader().read_to_end(&mut got).expect("read");
    assert_eq!(got, bytes);
    let (status, e) = srv.call(
        "GET",
        &format!("/cases/{id}/attachments/{sha}"),
        Some(&sun),
        None,
    );
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let (status, listed) = srv.call("GET", &format!("/cases/{id}/attachments"), Some(&sun), None);
    assert_eq!((status, files(&listed).len()), (200, 1));
    // Withdrawn over the API by the unit that attached it (by the hash's first digits).
    let withdraw = format!("/cases/{id}/attachments/{}/withdraw", &sha[..12]);
    let (status, e) = srv.call(
        "POST",
        &withdraw,
        Some(&li),
        Some(serde_json::json!({"reason": "误附"})),
    );
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("permission_denied")),
        "{e}"
    );
    let (status, v) = srv.call(
        "POST",
        &withdraw,
        Some(&wang),
        Some(serde_json::json!({"reason": "误附"})),
    );
    assert_eq!(status, 200, "{v}");
    assert!(!files(&v)[0]["withdrawn"].is_null());
    // The remote command line: attach a file and get it back through the server.
    let remote = |args: &[&str]| {
        let o = std::process::Command::new(petition_tests::bin())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["--server", &srv.url, "--token", &li, "--json"])
            .args(args)
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap_or(Value::Null)
    };
    let text = write(&env, "回访记录.txt", "回访：信访人表示满意。".as_bytes());
    let v = remote(&["attach", &id, &text, "--kind", "other"]);
    let t = files(&v)
        .into_iter()
        .find(|f| f["title"] == "回访记录.txt")
        .expect("attached");
    let out = env.dir.path().join("back.txt");
    remote(&[
        "attachment",
        "get",
        &id,
        t["sha256"].as_str().expect("sha"),
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        "回访：信访人表示满意。"
    );
    drop(srv);
    assert_eq!(env.ok(None, "2026-03-04", &["verify"])["ok"], true);
}

#[test]
fn a_server_killed_during_an_upload_keeps_no_half_file_and_no_entry() {
    let env = Env::new();
    let id = routed(&env);
    let wang = token(&env, "wang");
    let before = env.ok(Some("wang"), "2026-03-03", &["show", &id]);
    let srv = Server::start_global(&env.db, &["--now", "2026-03-03T10:00:00+08:00"], &[]);
    let addr = srv.url.trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    let total = 8 << 20;
    write!(
        conn,
        "POST /api/v1/cases/{id}/attachments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {wang}\r\nX-Title: big\r\nContent-Type: application/pdf\r\nContent-Length: {total}\r\n\r\n"
    )
    .expect("head");
    // Half the file, then the server dies.
    conn.write_all(&pdf(total / 2, 7)).expect("half");
    conn.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    srv.kill();
    drop(conn);
    let after = env.ok(Some("wang"), "2026-03-03", &["show", &id]);
    assert_eq!(after["events"], before["events"], "nothing in the chain");
    assert!(files(&after).is_empty());
    let raw = rusqlite::Connection::open(&env.db).expect("open");
    let chunks: i64 = raw
        .query_row("SELECT count(*) FROM file_chunks", [], |r| r.get(0))
        .expect("count");
    assert_eq!(chunks, 0, "no half file");
    assert_eq!(env.ok(None, "2026-03-04", &["verify"])["ok"], true);
}

#[test]
fn files_are_copied_to_and_kept_in_postgresql() {
    let Some(url) = petition_tests::test_pg() else {
        return;
    };
    let env = Env::new();
    let id = routed(&env);
    let first = pdf(400_000, 8);
    let scan = write(&env, "scan.pdf", &first);
    let sha = files(&env.ok(Some("wang"), "2026-03-03", &["attach", &id, &scan]))[0]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    let pg = petition_tests::fresh_pg_db(&url);
    env.ok(
        Some("admin"),
        "2026-03-04",
        &[
            "copy",
            "--from",
            env.db.to_str().expect("utf8"),
            "--to",
            &pg,
        ],
    );
    let on_pg = Env {
        dir: tempfile::tempdir().expect("dir"),
        db: std::path::PathBuf::from(&pg),
    };
    // A second file stored on PostgreSQL itself; both come back whole.
    let second = pdf(300_000, 9);
    let photo = write(&on_pg, "photo.pdf", &second);
    let v = on_pg.ok(
        Some("wang"),
        "2026-03-05",
        &["attach", &id, &photo, "--kind", "photo"],
    );
    let sha2 = files(&v)
        .into_iter()
        .find(|f| f["title"] == "photo.pdf")
        .and_then(|f| f["sha256"].as_str().map(str::to_string))
        .expect("second");
    for (hash, bytes) in [(&sha, &first), (&sha2, &second)] {
        let out = on_pg.dir.path().join(format!("{}.pdf", &hash[..8]));
        on_pg.ok(
            Some("li"),
            "2026-03-05",
            &[
                "attachment",
                "get",
                &id,
                hash,
                "--out",
                out.to_str().expect("utf8"),
            ],
        );
        assert_eq!(&std::fs::read(&out).expect("read"), bytes);
    }
    assert_eq!(on_pg.ok(None, "2026-03-05", &["verify"])["ok"], true);
}
