//! The ledger (台账): `export --format xlsx` read back by a real spreadsheet reader (calamine),
//! and the CSV with the same columns: words in the output language, dates as dates, id numbers
//! and phones as text, filters, and personal data only where the reader's unit has a part.

use calamine::{open_workbook, Data, Reader, Xlsx};
use petition_tests::Env;

const T0: &str = "2026-03-02";
const ID: &str = "11010519491231002X";

/// The rows of the workbook's only sheet, as calamine reads them.
fn sheet(path: &std::path::Path, name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).expect("a workbook calamine opens");
    assert_eq!(book.sheet_names(), vec![name.to_string()]);
    let range = book.worksheet_range(name).expect("the sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

fn column(rows: &[Vec<Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == &Data::String(header.into()))
        .unwrap_or_else(|| panic!("no column {header}: {:?}", rows[0]))
}

/// Excel's serial number of a day (days since 1899-12-30).
fn serial(day: &str) -> f64 {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch");
    (d - epoch).num_days() as f64
}

#[test]
fn the_workbook_has_words_dates_and_id_numbers_as_text() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    let other = env.register("2026-03-05", &[]);
    let out = env.dir.path().join("台账.xlsx");
    let v = env.ok(
        Some("li"),
        "2026-03-06",
        &[
            "--lang",
            "zh",
            "export",
            "--format",
            "xlsx",
            "--out",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!(v["records"], 2);
    let rows = sheet(&out, "信访台账");
    assert_eq!(rows.len(), 3, "a header and two cases");
    let (c_id, c_no, c_day, c_state, c_channel, c_holder, c_count, c_flag) = (
        column(&rows, "编号"),
        column(&rows, "证件号码"),
        column(&rows, "登记日期"),
        column(&rows, "状态"),
        column(&rows, "信访形式"),
        column(&rows, "责任单位"),
        column(&rows, "人数"),
        column(&rows, "集体访"),
    );
    let row = rows
        .iter()
        .find(|r| r[c_id] == Data::String(id.clone()))
        .expect("the first case");
    // Every digit of the id number, as text (not a number that lost its last digits).
    assert_eq!(row[c_no], Data::String(ID.into()));
    // The registration day as an Excel date.
    match &row[c_day] {
        Data::DateTime(d) => {
            assert!(d.is_datetime());
            assert_eq!(d.as_f64(), serial(T0));
        }
        other => panic!("not a date: {other:?}"),
    }
    // Words, units by name, counts as numbers.
    assert_eq!(row[c_state], Data::String("已转送".into()));
    assert_eq!(row[c_channel], Data::String("来信".into()));
    assert!(
        matches!(&row[c_holder], Data::String(s) if !s.contains("c-zjj")),
        "{:?}",
        row[c_holder]
    );
    assert_eq!(row[c_count], Data::Float(1.0));
    assert_eq!(row[c_flag], Data::String("否".into()));
    // Filters: the state and the registration dates.
    let routed = env.dir.path().join("routed.xlsx");
    env.ok(
        Some("li"),
        "2026-03-06",
        &[
            "export",
            "--format",
            "xlsx",
            "--state",
            "routed",
            "--out",
            routed.to_str().expect("utf8"),
        ],
    );
    let rows = sheet(&routed, "Ledger");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][c_id], Data::String(id.clone()));
    let later = env.ok(
        Some("li"),
        "2026-03-06",
        &[
            "export",
            "--format",
            "csv",
            "--from",
            "2026-03-03",
            "--out",
            env.dir.path().join("later.csv").to_str().expect("utf8"),
        ],
    );
    assert_eq!(later["records"], 1, "only {other}");
}

#[test]
fn each_reader_gets_the_cases_they_may_read_masked_as_their_unit_reads_them() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    let csv = |actor: &str| {
        let o = env.raw(
            Some(actor),
            "2026-03-03",
            false,
            &["export", "--format", "csv"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf8")
    };
    // The registering office and the holding bureau read it in full, the id number kept as
    // text for a spreadsheet (a leading tab), times to the second.
    for actor in ["li", "wang"] {
        let text = csv(actor);
        assert!(text.contains(&format!("\t{ID}")), "{actor}: {text}");
        assert!(
            !text.contains("+08:00"),
            "times as a spreadsheet reads them: {text}"
        );
    }
    // An admin and the bureau's line superior read it masked; a unit outside its reach does
    // not see it.
    for actor in ["admin", "chen"] {
        let text = csv(actor);
        assert!(text.contains(&id) && !text.contains(ID), "{actor}: {text}");
        assert!(text.contains("\t110105********002X"), "{actor}: {text}");
    }
    let outsider = csv("zhao");
    assert!(!outsider.contains(&id), "{outsider}");
    // Each full showing is in the access log, for the reader who got it.
    let log = env.ok(
        Some("admin"),
        "2026-03-03",
        &["access-log", "--staff", "wang"],
    );
    let entries = log["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["case"] == id.as_str() && e["command"] == "export ledger"),
        "{log}"
    );
    // Filters belong to the ledger.
    let o = env.raw(
        Some("admin"),
        "2026-03-03",
        true,
        &["export", "--format", "jsonl", "--state", "routed"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_desk_on_the_server_exports_the_ledger_it_may_read() {
    use petition_tests::server::Server;
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    let token = env.ok(Some("admin"), "2026-03-01", &["staff", "token", "li"])["token"]
        .as_str()
        .expect("token")
        .to_string();
    let server = Server::start(&env.db);
    // The remote command line: the workbook, as a local export writes it.
    let out = env.dir.path().join("远程台账.xlsx");
    let o = std::process::Command::new(petition_tests::bin())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .args([
            "--server",
            &server.url,
            "--token",
            &token,
            "--now",
            "2026-03-03",
        ])
        .args([
            "--lang", "zh", "--json", "export", "--format", "xlsx", "--out",
        ])
        .arg(&out)
        .output()
        .expect("run petition");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["records"], 1);
    let rows = sheet(&out, "信访台账");
    assert_eq!(rows.len(), 2, "header and one case");
    let idc = column(&rows, "证件号码");
    assert_eq!(
        rows[1][idc],
        Data::String(ID.into()),
        "full for the registering unit"
    );
    // The API: the CSV with its count, an attachment; a clerk of no part gets no row.
    let get = |token: &str| {
        ureq::get(&format!("{}/api/v1/export?format=csv", server.url))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Accept-Language", "zh")
            .call()
            .expect("export")
    };
    let resp = get(&token);
    assert!(resp.content_type().starts_with("text/csv"));
    assert_eq!(resp.header("x-petition-records"), Some("1"));
    assert!(resp
        .header("content-disposition")
        .is_some_and(|d| d.contains("attachment")));
    let text = resp.into_string().expect("text");
    assert!(text.contains(&id) && text.contains(ID), "{text}");
    let zhao = env.ok(Some("admin"), "2026-03-01", &["staff", "token", "zhao"])["token"]
        .as_str()
        .expect("token")
        .to_string();
    let resp = get(&zhao);
    assert_eq!(resp.header("x-petition-records"), Some("0"));
    // The chain and Open311 stay on the database's host.
    let (status, body) = petition_tests::server::request(
        &server.url,
        "GET",
        "/export?format=jsonl",
        Some(&token),
        None,
        &[],
    );
    assert_eq!(status, 400, "{body}");
    server.stop();
    // Each full showing is in the access log, for li.
    let log = env.ok(
        Some("admin"),
        "2026-03-04",
        &["access-log", "--staff", "li"],
    );
    let entries = log["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["case"] == id.as_str() && e["command"] == "export ledger"),
        "{log}"
    );
}
