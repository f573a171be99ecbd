//! Export and import: round trips, corrupt and forged lines, masked exports, search rows.

use super::*;

pub(super) fn export_lines<S: Store>(svc: &mut Service<S>, pii: bool) -> Vec<String> {
    let mut buf = Vec::new();
    let admin = admin_of(svc);
    crate::interchange::export_jsonl(svc, &mut buf, &admin, pii, at("2026-12-01")).expect("export");
    String::from_utf8(buf)
        .expect("utf8")
        .lines()
        .map(str::to_string)
        .collect()
}

pub(super) fn import_lines(
    lines: &[String],
) -> (
    Service<SqliteStore>,
    crate::error::Result<crate::interchange::ImportSummary>,
) {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 1);
    let text = lines.join("\n") + "\n";
    let r = crate::interchange::import_jsonl(
        &mut svc,
        &mut std::io::BufReader::new(text.as_bytes()),
        &mut |_| {},
    );
    (svc, r)
}

#[test]
pub(super) fn jsonl_export_import_round_trip_gives_identical_cases_and_a_verified_chain() {
    let mut src = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 1);
    stats_world(&mut src);
    src.tick(at("2026-06-30")).expect("tick");
    let lines = export_lines(&mut src, true);
    let (mut dst, r) = import_lines(&lines);
    let summary = r.expect("import");
    let access = lines
        .iter()
        .filter(|l| l.starts_with("{\"access_log\":"))
        .count();
    assert_eq!(access, 1, "the export's own disclosure");
    assert_eq!(summary.entries, (lines.len() - access) as u64);
    assert_eq!(summary.cases, 5);
    let v_src = src.verify(&[]).expect("v");
    let v_dst = dst.verify(&[]).expect("v");
    assert_eq!(v_dst.problem, None);
    assert_eq!(v_dst.head, v_src.head, "the same chain, hash for hash");
    assert_eq!(v_dst.access_head, v_src.access_head, "the same access log");
    let ids = src.work(|w| w.txn()?.case_ids(None, 100)).expect("ids");
    for id in &ids {
        assert_eq!(
            src.load(id).expect("src"),
            dst.load(id).expect("dst"),
            "{id}"
        );
    }
    // New registrations continue the numbering.
    let c = clerk_registers(&mut dst, at("2026-07-01"), Channel::Letter).expect("reg");
    assert_eq!(c.id.as_str(), "XF2026-000006");
}

#[test]
pub(super) fn a_corrupted_line_is_refused_with_its_number() {
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    stats_world(&mut src);
    let lines = export_lines(&mut src, true);
    let n = lines.len();
    let t = lines
        .iter()
        .position(|l| l.contains("\"type\":\"transferred\""))
        .expect("a transfer");
    type Corruption = Box<dyn Fn(&mut Vec<String>)>;
    let cases: Vec<(usize, Corruption)> = vec![
        (
            t + 1,
            Box::new(move |l: &mut Vec<String>| {
                l[t] = l[t].replace("\"to\":\"cty-a-zjj\"", "\"to\":\"town-a\"")
            }),
        ),
        (5, Box::new(|l: &mut Vec<String>| l[4].truncate(20))),
        (3, Box::new(|l: &mut Vec<String>| l.swap(2, 3))),
        (
            n,
            Box::new(move |l: &mut Vec<String>| {
                l[n - 1] = l[n - 1].replace("\"hash\":\"", "\"hash\":\"0")
            }),
        ),
    ];
    for (expect_line, corrupt) in cases {
        let mut bad = lines.clone();
        corrupt(&mut bad);
        let (_, r) = import_lines(&bad);
        let e = r.expect_err("refused");
        assert_eq!(e.code(), "integrity");
        assert!(
            e.text().en.starts_with(&format!("line {expect_line}:")),
            "{}",
            e.text().en
        );
    }
}

#[test]
pub(super) fn forged_hashes_for_an_unknown_unit_are_refused() {
    // A forger can recompute every hash (there is no secret); events must still make sense.
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    stats_world(&mut src);
    let lines = export_lines(&mut src, true);
    let mut prev = crate::audit::GENESIS;
    let mut forged = Vec::new();
    let mut first_forged = None;
    for (i, l) in lines.iter().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(l).expect("json");
        v.as_object_mut().expect("obj").remove("hash");
        if first_forged.is_none() && v["type"] == "transferred" {
            v["to"] = serde_json::json!("atlantis");
            first_forged = Some(i + 1);
        }
        let h = crate::audit::chain_hash(&prev, &crate::audit::canonical(&v));
        prev = h;
        v["hash"] = serde_json::json!(crate::audit::hex(&h));
        forged.push(v.to_string());
    }
    let (_, r) = import_lines(&forged);
    let e = r.expect_err("refused");
    assert!(
        e.text()
            .en
            .contains(&format!("line {}:", first_forged.expect("forged"))),
        "{}",
        e.text().en
    );
    assert!(e.text().en.contains("no unit atlantis"), "{}", e.text().en);
}

#[test]
pub(super) fn a_masked_export_cannot_be_imported() {
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    stats_world(&mut src);
    let lines = export_lines(&mut src, false);
    assert!(
        !lines.iter().any(|l| l.contains("11010519491231002X")),
        "id numbers masked"
    );
    assert!(lines.iter().any(|l| l.contains("110105********002X")));
    let (_, r) = import_lines(&lines);
    assert!(r.expect_err("refused").text().en.contains("masked"));
}

#[test]
pub(super) fn verify_finds_a_changed_or_missing_search_row() {
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 1);
    seed(&mut svc);
    let id = walk(&mut svc);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    let key = crate::search::order_key(&id);
    svc.store()
        .raw_execute(&format!(
            "UPDATE case_text SET text = '房' WHERE rowid = {key}"
        ))
        .expect("tamper");
    let problem = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
    assert!(
        problem.contains("case_text") && problem.contains(id.as_str()),
        "{problem}"
    );
    svc.store()
        .raw_execute(&format!("DELETE FROM case_text WHERE rowid = {key}"))
        .expect("tamper");
    let problem = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
    assert!(problem.contains("case_text"), "{problem}");
}

#[test]
pub(super) fn a_masked_export_masks_a_corrected_phone_both_old_and_new() {
    let (mut svc, now) = crate::example::county();
    let id = svc
        .register_by(&sid("li"), now, crate::example::registration(now))
        .expect("register")
        .id;
    svc.execute_by(
        &sid("li"),
        now,
        &id,
        Command::Amend {
            field: crate::case::AmendField::Phone,
            value: "13998765432".into(),
            reason: "录错一位".into(),
        },
    )
    .expect("amend");
    let masked = export_lines(&mut svc, false).join("\n");
    assert!(!masked.contains("13998765432") && !masked.contains("13812345678"));
    assert!(masked.contains("139****5432") && masked.contains("138****5678"));
    let full = export_lines(&mut svc, true).join("\n");
    assert!(full.contains("13998765432"));
}
