//! Fuzzing the command line's parsers with proptest (arbitrary bytes and near-valid text): the
//! CSV organisation chart, CSV and TOML calendars, `register --file` documents, times and dates.
//! Each returns a value or a typed error, never panics. Run longer with
//! `PROPTEST_CASES=100000 cargo test -p petition-cli fuzz`.

use chrono::FixedOffset;
use petition_core::testing::{fuzz_seconds, run_for};
use proptest::prelude::*;

use crate::app::{parse_date, parse_time};
use crate::commands::register::parse_file;
use petition_core::files::{
    parse_calendar_csv as parse_csv, parse_calendar_toml as parse_toml, parse_units_csv,
};

fn tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("tz")
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_unit_csv(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_units_csv(&bytes);
    }

    #[test]
    fn fuzz_near_valid_unit_csv(rows in proptest::collection::vec(("[a-z\\-]{0,6}", "[^,\\n]{0,6}", "(county|township|prefectural|x)", "(government|department|petition_office|legal|y)", "[a-z\\-]{0,6}", "[a-z\\-]{0,3}"), 0..8)) {
        let mut text = String::from("code,name,level,kind,parent,line_superior\n");
        for (a, b, c, d, e, f) in rows {
            text.push_str(&format!("{a},{b},{c},{d},{e},{f}\n"));
        }
        if let Err(e) = parse_units_csv(text.as_bytes()) {
            prop_assert!(matches!(e.code(), "validation" | "not_found"), "{}", e.code());
        }
    }

    #[test]
    fn fuzz_calendars(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = lossy(&bytes);
        let _ = parse_csv(&s);
        let _ = parse_toml(&s);
    }

    #[test]
    fn fuzz_near_valid_calendars(days in proptest::collection::vec(("20[0-9]{2}-[0-1][0-9]-[0-3][0-9]", "(holiday|workday|x)"), 0..10)) {
        let csv: String = days.iter().map(|(d, k)| format!("{d},{k}\n")).collect();
        let _ = parse_csv(&csv);
        let toml = format!("holidays = [{}]\n", days.iter().map(|(d, _)| format!("\"{d}\"")).collect::<Vec<_>>().join(", "));
        let _ = parse_toml(&toml);
    }

    #[test]
    fn fuzz_case_files(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let now = parse_time("2026-03-02", tz()).expect("now");
        if let Ok(r) = parse_file(&bytes, now) {
            let _ = r.validate();
        }
    }

    #[test]
    fn fuzz_times_and_dates(s in prop_oneof![any::<String>(), "[0-9T:+\\-Z ]{0,30}"]) {
        if let Err(e) = parse_time(&s, tz()) {
            prop_assert_eq!(e.code(), "usage");
        }
        if let Err(e) = parse_date("d", &s) {
            prop_assert_eq!(e.code(), "usage");
        }
    }
}

#[test]
fn regression_calendar_dates_that_do_not_exist() {
    assert!(parse_csv("2026-02-31,holiday\n").is_err());
    assert!(
        parse_csv("2026-02-29,holiday\n").is_err(),
        "2026 is not a leap year"
    );
    assert!(parse_csv("2028-02-29,holiday\n").is_ok());
    assert!(parse_toml("holidays = [\"2026-13-01\"]").is_err());
    assert!(parse_date("d", "2026-2-3").is_err(), "dates are YYYY-MM-DD");
}

/// Long fuzzing runs, `FUZZ_SECONDS` per target (default 600):
/// `FUZZ_SECONDS=600 cargo test --release -p petition-cli fuzz_long -- --ignored --nocapture`
#[test]
#[ignore]
fn fuzz_long() {
    let secs = fuzz_seconds();
    let bytes = || proptest::collection::vec(any::<u8>(), 0..400);
    let n = run_for(secs, bytes(), |b| {
        let _ = parse_units_csv(&b);
        Ok(())
    });
    eprintln!("fuzz unit CSV: {n} inputs in {secs} s");
    let n = run_for(secs, bytes(), |b| {
        let s = lossy(&b);
        let _ = parse_csv(&s);
        let _ = parse_toml(&s);
        Ok(())
    });
    eprintln!("fuzz calendars: {n} inputs in {secs} s");
    let now = parse_time("2026-03-02", tz()).expect("now");
    let n = run_for(secs, bytes(), |b| {
        if let Ok(r) = parse_file(&b, now) {
            let _ = r.validate();
        }
        Ok(())
    });
    eprintln!("fuzz case files: {n} inputs in {secs} s");
    let n = run_for(
        secs,
        prop_oneof![any::<String>(), "[0-9T:+\\-Z ]{0,30}"],
        |s| {
            if let Err(e) = parse_time(&s, tz()) {
                prop_assert_eq!(e.code(), "usage");
            }
            if let Err(e) = parse_date("d", &s) {
                prop_assert_eq!(e.code(), "usage");
            }
            Ok(())
        },
    );
    eprintln!("fuzz times and dates: {n} inputs in {secs} s");
}
