//! Fuzzing without a fuzzer: proptest feeds arbitrary bytes and near-valid text to every parser
//! of the core (ids, dates and zones, resident ids, case documents, JSON Lines imports). Each must
//! return a value or a typed error — never panic. Regression inputs found while fuzzing are kept
//! as plain tests below. Run longer with `PROPTEST_CASES=100000 cargo test -p petition-core fuzz`.

use proptest::prelude::*;

use crate::case::Registration;
use crate::ids::{CaseId, QueryCode, StaffId, UnitCode};
use crate::service::Service;
use crate::store::MemoryStore;
use crate::testing::{fuzz_seconds, run_for};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[XF0-9\\-]{0,20}",
        "[ -~]{0,40}",
        proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn import_bytes(bytes: &[u8]) -> Option<&'static str> {
    import_head(bytes).err()
}

/// Imports bytes into a new store: the head hash of the rebuilt chain, or the error code.
fn import_head(bytes: &[u8]) -> Result<String, &'static str> {
    let mut svc = Service::with_seed(MemoryStore::new(), 1);
    let mut input = std::io::BufReader::new(bytes);
    crate::interchange::import_jsonl(&mut svc, &mut input, &mut |_| {}).map_err(|e| e.code())?;
    Ok(svc.verify(&[]).map_err(|e| e.code())?.head.hash)
}

/// Every identifier and value parser on one text: each must return, never panic.
fn parse_identifiers(s: &str) {
    let _ = CaseId::parse(s);
    let _ = UnitCode::parse(s);
    let _ = StaffId::parse(s);
    let _ = QueryCode::parse(s);
    let _ = crate::case::resident_id_valid(s);
    let _ = crate::case::phone_valid(s);
    let _ = crate::policy::parse_tz(s);
    let mut p = crate::policy::Policy::default();
    let _ = p.set("handling_days", s);
    let _ = p.set("timezone", s);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_identifiers(s in text()) {
        parse_identifiers(&s);
    }

    #[test]
    fn fuzz_case_documents(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(r) = serde_json::from_slice::<Registration>(&bytes) {
            let _ = r.validate();
        }
    }

    #[test]
    fn fuzz_near_valid_case_documents(name in text(), id in text(), phone in text(), summary in text(), hc in any::<u32>()) {
        let doc = serde_json::json!({
            "channel": "letter", "purpose": "request", "locality": "t", "category": "a.b", "summary": summary,
            "received_at": "2026-03-02T09:00:00+08:00", "headcount": hc,
            "petitioners": [{"name": name, "id_number": id, "phone": phone}]
        });
        if let Ok(r) = serde_json::from_value::<Registration>(doc) {
            let _ = r.validate();
        }
    }

    #[test]
    fn fuzz_jsonl_import(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        // Arbitrary bytes never load, nothing included: refused with `integrity`.
        let r = import_bytes(&bytes);
        prop_assert!(r == Some("integrity"), "{:?}", r);
    }

    #[test]
    fn fuzz_jsonl_import_of_mutated_exports(pos in any::<usize>(), byte in any::<u8>()) {
        let mut src = Service::with_seed(MemoryStore::new(), 1);
        crate::store::conformance::seed(&mut src);
        let mut buf = Vec::new();
        let admin = crate::store::conformance::admin_of(&mut src);
        crate::interchange::export_jsonl(&mut src, &mut buf, &admin, true, crate::case::tests::at("2026-12-01")).expect("export");
        let head = src.verify(&[]).expect("verify").head.hash;
        let i = pos % buf.len();
        if buf[i] != byte {
            buf[i] = byte;
            // A changed byte is refused with `integrity`; an import that succeeds must rebuild
            // exactly the same chain (the byte changed nothing that counts: a hex digit's letter
            // case in a hash, whitespace after the last line).
            match import_head(&buf) {
                Ok(h) => prop_assert_eq!(h, head, "a mutated import changed the chain"),
                Err(code) => prop_assert_eq!(code, "integrity"),
            }
        }
    }
}

#[test]
fn regression_empty_and_blank_imports() {
    assert_eq!(
        import_bytes(b""),
        Some("integrity"),
        "an import of nothing is no success"
    );
    assert_eq!(import_bytes(b"\n"), Some("integrity"));
    assert_eq!(import_bytes(b"{}\n"), Some("integrity"));
    assert_eq!(
        import_bytes(b"{\"gseq\":1,\"hash\":\"zz\"}\n"),
        Some("integrity")
    );
    assert_eq!(import_bytes(b"\xff\xfe\n"), Some("integrity"));
}

#[test]
fn regression_case_ids_with_multibyte_characters_do_not_panic() {
    // Slicing by bytes inside a multibyte character must be refused, not panic.
    assert!(CaseId::parse("XF20中-000001").is_err());
    assert!(CaseId::parse("XF2026中000001").is_err());
    assert!(CaseId::parse("XF2026-00000١").is_err());
}

/// Long fuzzing runs, one target after the other, `FUZZ_SECONDS` each (default 600):
/// `FUZZ_SECONDS=600 cargo test --release -p petition-core fuzz_long -- --ignored --nocapture`
#[test]
#[ignore]
fn fuzz_long() {
    let secs = fuzz_seconds();
    let n = run_for(secs, text(), |s| {
        parse_identifiers(&s);
        Ok(())
    });
    eprintln!("fuzz identifiers: {n} inputs in {secs} s");
    let n = run_for(secs, proptest::collection::vec(any::<u8>(), 0..400), |b| {
        if let Ok(r) = serde_json::from_slice::<Registration>(&b) {
            let _ = r.validate();
        }
        Ok(())
    });
    eprintln!("fuzz case documents: {n} inputs in {secs} s");
    let n = run_for(secs, proptest::collection::vec(any::<u8>(), 0..600), |b| {
        let r = import_bytes(&b);
        prop_assert!(r.is_none() || r == Some("integrity"));
        Ok(())
    });
    eprintln!("fuzz jsonl import (random bytes): {n} inputs in {secs} s");
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    crate::store::conformance::seed(&mut src);
    let mut export = Vec::new();
    let admin = crate::store::conformance::admin_of(&mut src);
    crate::interchange::export_jsonl(
        &mut src,
        &mut export,
        &admin,
        true,
        crate::case::tests::at("2026-12-01"),
    )
    .expect("export");
    let n = run_for(secs, (any::<usize>(), any::<u8>()), |(pos, byte)| {
        let mut buf = export.clone();
        let i = pos % buf.len();
        buf[i] = byte;
        let r = import_bytes(&buf);
        prop_assert!(r.is_none() || r == Some("integrity"));
        Ok(())
    });
    eprintln!("fuzz jsonl import (mutated exports): {n} inputs in {secs} s");
}
